#!/bin/bash
# Builds goprod's Debian source and binary packages from this checkout and
# lints them: stages the tracked source files with packaging/debian as debian/,
# runs dpkg-buildpackage, then lintian --pedantic (an error or a warning fails,
# unless an override in packaging/debian says why it does not apply).
#
#   packaging/build.sh [OUTDIR]     (default build/packages)
#
# OUTDIR receives the .dsc, the source tarball, the .deb files, the .changes
# and the logs (build.log, lintian.log).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
out=${1:-$root/build/packages}
say() { printf 'packaging: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

version=$(dpkg-parsechangelog -l "$root/packaging/debian/changelog" -S Version)
project_version=$(sed -n "s/^ *version *: *'\([^']*\)'.*/\1/p" "$root/meson.build" | head -n 1)
[ "$version" = "$project_version" ] \
    || die "packaging/debian/changelog says $version, meson.build says $project_version: give both the same version"

mkdir -p "$out"
out=$(cd "$out" && pwd -P)
stage=$out/goprod-$version
rm -rf "$stage" "$out"/goprod*_"$version"* "$out"/python3-goprod_"$version"*
mkdir -p "$stage"

# The source package holds what git tracks (and new files not yet ignored), never
# build trees or caches.
if git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    # Files deleted but not yet committed are still listed: skip them.
    git -C "$root" ls-files -z --cached --others --exclude-standard \
        | while IFS= read -r -d '' f; do if [ -e "$root/$f" ]; then printf '%s\0' "$f"; fi; done \
        | (cd "$root" && xargs -0 -r cp --parents -d -t "$stage")
else
    tar -C "$root" --exclude='./build*' --exclude='./.git' --exclude='__pycache__' -cf - . | tar -C "$stage" -xf -
fi
cp -rL "$root/packaging/debian" "$stage/debian"

say "building goprod $version in $stage (log: $out/build.log)"
start=$SECONDS
# debhelper points HOME at a scratch folder: keep ccache's own folder.
export CCACHE_DIR=${CCACHE_DIR:-$(ccache -k cache_dir 2>/dev/null || echo "$HOME/.cache/ccache")}
(cd "$stage" && DEB_BUILD_OPTIONS="parallel=$(nproc) ${DEB_BUILD_OPTIONS:-}" dpkg-buildpackage -us -uc) \
    >"$out/build.log" 2>&1 || { tail -n 40 "$out/build.log" >&2; die "dpkg-buildpackage failed (log: $out/build.log)"; }
say "built in $((SECONDS - start)) s: $(cd "$out" && echo *.deb)"

changes=$out/goprod_${version}_$(dpkg-architecture -qDEB_HOST_ARCH).changes
lintian --pedantic --display-info --fail-on error,warning "$changes" >"$out/lintian.log" 2>&1 \
    || { cat "$out/lintian.log" >&2; die "lintian found problems (above; log: $out/lintian.log)"; }
[ ! -s "$out/lintian.log" ] || cat "$out/lintian.log" >&2
say "lintian --pedantic: no error, no warning"
rm -rf "$stage"

#!/bin/bash
# `meson install` puts things where the installed programs look for them: the
# configuration file where the daemon reads it by default (it follows the
# configured prefix and sysconfdir), and the binary the installed unit starts.
# Usage: check_install.sh BUILD_DIR GOPROD_BINARY
set -euo pipefail
build=$1 binary=$2
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
fail() { echo "check_install: $*" >&2; exit 1; }

meson install -C "$build" --no-rebuild --quiet --destdir "$dest" >/dev/null

# "--config FILE=/usr/local/etc/goprod/goprod.conf" in goprod --help.
config=$("$binary" --help | sed -n 's/^ *--config FILE=\([^ ]*\).*/\1/p')
[ -n "$config" ] || fail "goprod --help names no default configuration file"
[ -f "$dest$config" ] || fail "goprod reads $config by default, but meson installed no file there:
$(cd "$dest" && find . -name goprod.conf)"

unit=$(find "$dest" -name goprod.service -path '*/systemd/system/*')
[ -n "$unit" ] || fail "no goprod.service installed"
exec_start=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$unit")
[ -x "$dest$exec_start" ] || fail "the installed unit runs $exec_start, which meson did not install"
echo "config $config and unit ExecStart $exec_start are both installed"

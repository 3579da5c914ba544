#!/bin/bash
# The systemd unit is valid (systemd-analyze verify) and stays hardened: its
# exposure score (systemd-analyze security, 0 = locked down, 10 = exposed) must
# not climb above 2.0. Usage: check_unit.sh UNIT_TEMPLATE GOPROD_BINARY
set -euo pipefail
template=$1 binary=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
sed "s|@SBINDIR@/goprod|$binary|" "$template" >"$dir/goprod.service"
systemd-analyze verify --man=no "$dir/goprod.service"
systemd-analyze security --offline=true --threshold=20 "$dir/goprod.service" | tail -n 1
# systemctl reload goprod sends SIGHUP (goprod re-reads its configuration).
grep -qx 'ExecReload=/bin/kill -HUP $MAINPID' "$dir/goprod.service"

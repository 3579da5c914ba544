#!/bin/bash
# goprod-sim's system bus policy (sim/io.goprod.Sim.conf) as a real dbus-daemon
# reads it: a bus that lets no one own a name, as Debian's system bus, plus that
# file. Root may then own io.goprod.Sim, and user nobody may not.
# Usage: check_dbus_policy.sh POLICY_FILE   (not as root, it checks only that
# this user may not own the name, and says so)
set -euo pipefail
policy=$(realpath "$1")
fail() { echo "check_dbus_policy: $*" >&2; exit 1; }

dir=$(mktemp -d)
chmod 755 "$dir"  # user nobody connects too
bus_pid=""
trap '[ -z "$bus_pid" ] || kill "$bus_pid"; rm -rf "$dir"' EXIT
cat >"$dir/bus.conf" <<CONF
<busconfig>
  <listen>unix:path=$dir/bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <deny own="*"/>
  </policy>
  <include>$policy</include>
</busconfig>
CONF
# A file it cannot parse stops it here, with the line and column.
: >"$dir/address"  # there before tail(1) waits on it
dbus-daemon --config-file="$dir/bus.conf" --nofork --nosyslog --print-address=3 3>"$dir/address" 2>"$dir/log" &
bus_pid=$!
read -r -t 10 _ < <(tail -f "$dir/address" --pid="$bus_pid") || true
[ -s "$dir/address" ] || { bus_pid=""; fail "dbus-daemon did not start: $(cat "$dir/log")"; }

request_name() {  # [setpriv arguments...]
    "$@" dbus-send --bus="unix:path=$dir/bus" --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
        org.freedesktop.DBus.RequestName string:io.goprod.Sim uint32:0 2>&1
}
if [ "$(id -u)" != 0 ]; then
    answer=$(request_name) && fail "user $(id -un) may own io.goprod.Sim: $answer"
    grep -q "AccessDenied" <<<"$answer" || fail "user $(id -un) was refused for another reason: $answer"
    echo "io.goprod.Sim: user $(id -un) may not own it (run as root to check that root may)"
    exit 0
fi
answer=$(request_name) || fail "root may not own io.goprod.Sim: $answer"
grep -q "uint32 1" <<<"$answer" || fail "RequestName as root answered: $answer"
answer=$(request_name setpriv --reuid=65534 --regid=65534 --clear-groups) \
    && fail "user nobody may own io.goprod.Sim: $answer"
grep -q "AccessDenied" <<<"$answer" || fail "user nobody was refused for another reason: $answer"
echo "io.goprod.Sim: root may own it, user nobody may not"

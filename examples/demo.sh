#!/bin/bash
# The goprod walk-through: three virtual cameras on a private D-Bus bus, the
# real goprod daemon on a temporary socket and state directory, and the real
# goproctl going through both Open GoPro tutorials (sending BLE commands,
# connecting WiFi), then the camera's presets, a live stream and COHN (the
# camera on the home network, for HTTPS).
#
#   examples/demo.sh [BUILD_DIR]           walk through, then tear down
#   examples/demo.sh --keep [BUILD_DIR]    set up, print how to use it, keep running until Ctrl-C
#
# Everything it starts is stopped on exit, also on Ctrl-C.
set -euo pipefail

keep=false
if [ "${1:-}" = "--keep" ]; then keep=true; shift; fi
build=${1:-build}
sim="$build/sim/goprod-sim"
daemon="$build/daemon/goprod"
ctl="$build/client/goproctl"
for binary in "$sim" "$daemon" "$ctl"; do
  [ -x "$binary" ] || { echo "demo: $binary is missing: build first (./run build)" >&2; exit 1; }
done

work=$(mktemp -d /tmp/goprod-demo.XXXXXX)
pids=()
cleanup() {
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill "${pids[i]}" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'echo; echo "demo: interrupted, cleaning up"; exit 130' INT TERM

bold() { printf '\n\033[1m%s\033[0m\n' "$*"; }
say() { printf '\033[36m$ goproctl %s\033[0m\n' "$*"; }
step() { say "$*"; "$ctl" --socket "unix:$work/goprod.sock" "$@"; }
# A step with progress: through a pipe goproctl prints each step on a line of
# its own (on a terminal it redraws one line, which would leave nothing to see).
progress_step() { say "$*"; "$ctl" --socket "unix:$work/goprod.sock" "$@" 2>&1 | cat; }
# A step that is meant to fail: show the error and the exit code.
failing_step() {
  say "$*"
  local code=0
  "$ctl" --socket "unix:$work/goprod.sock" "$@" || code=$?
  printf '\033[33m(exit code %d, as expected)\033[0m\n' "$code"
  [ "$code" -ne 0 ]
}

# The root CA a COHN client trusts, as OpenSSL reads it (through Python's ssl; fails if it does not parse).
show_ca() {
  /usr/bin/python3 -c 'import ssl, sys
context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
context.load_verify_locations(cafile=sys.argv[1])
cas = context.get_ca_certs()  # only certificates with CA:TRUE
if not cas: sys.exit(sys.argv[1] + ": not a root CA")
subject = dict(field for rdn in cas[0]["subject"] for field in rdn)
print(sys.argv[1] + ": root CA", repr(subject["commonName"]), "valid until", cas[0]["notAfter"])' "$1"
}

# Waits, on events, until a log line shows up (tail -f follows the file with inotify).
wait_for_log() {  # file pattern what
  if ! grep -m1 -q "$2" <(timeout 15 tail -n +1 -f "$1"); then
    echo "demo: $3 did not start:" >&2; cat "$1" >&2; exit 1
  fi
}

bold "1. A private D-Bus bus, three virtual GoPros, and goprod"
exec {bus_fd}< <(exec dbus-daemon --session --nofork --print-address=1 2>"$work/bus.log")
pids+=($!)
read -r -t 10 -u "$bus_fd" bus || { echo "demo: dbus-daemon printed no address" >&2; exit 1; }
"$sim" --bus "$bus" --cameras 3 >"$work/sim.log" 2>&1 &
pids+=($!)
gdbus wait --address "$bus" --timeout 10 io.goprod.Sim || { echo "demo: goprod-sim did not start:" >&2; cat "$work/sim.log" >&2; exit 1; }
: >"$work/goprod.conf"
"$daemon" --bus "$bus" --socket "unix:$work/goprod.sock" --state-dir "$work/state" \
  --config "$work/goprod.conf" >"$work/goprod.log" 2>&1 &
pids+=($!)
wait_for_log "$work/goprod.log" "serving unix:" "goprod"
echo "bus: $bus"
echo "goprod: unix:$work/goprod.sock (log: $work/goprod.log)"

if $keep; then
  bold "The environment is running. Point goproctl (or any gRPC client) at it:"
  echo "  export GOPROD_SOCKET=unix:$work/goprod.sock"
  echo "  $ctl discover"
  echo "Press Ctrl-C to stop everything."
  wait "${pids[@]}"
  exit 0
fi

bold "2. Find the cameras and connect them (goprod pairs through its own agent)"
step discover --duration 3
mapfile -t cameras < <("$ctl" --socket "unix:$work/goprod.sock" --json list |
  /usr/bin/python3 -c 'import json,sys; [print(c["identifier"]) for c in json.load(sys.stdin).get("cameras", [])]')
for id in "${cameras[@]}"; do step -i "$id" connect; done
step list
cam=${cameras[0]}

bold "3. The BLE commands tutorial, on camera $cam"
step -i "$cam" shutter on
step -i "$cam" shutter off
step -i "$cam" preset-group video
step -i "$cam" analytics
step -i "$cam" set resolution 1080
step -i "$cam" set fps 240
echo "5.3K cannot run at 240 fps: the camera refuses, and goproctl says so."
failing_step -i "$cam" set resolution 5.3K
step -i "$cam" get settings 2 3
step -i "$cam" get status 8 10 70
step -i "$cam" info

bold "4. The WiFi tutorial: the camera's access point, then station mode"
step -i "$cam" wifi ap info
step -i "$cam" wifi ap on
step -i "$cam" wifi scan
progress_step -i "$cam" wifi connect ATTTp4r6Fi att-p4r6-pass

bold "5. The camera's presets: its groups, and the presets in each"
step -i "$cam" presets

bold "6. A live stream: on the network it just joined, the camera streams to an RTMP server"
echo "goprod sets the stream up, waits for the camera to say READY, then starts it with the shutter."
progress_step -i "$cam" livestream start rtmp://stream.example/live --window 720 --lens linear
step -i "$cam" livestream status
step -i "$cam" livestream stop

bold "7. COHN: camera ${cameras[1]} on the home network, provisioned end to end"
echo "Date and time, joining the network, a new certificate, then waiting until the camera is on the"
echo "network; the answer is its address, the HTTPS credentials and the root CA to trust."
echo "The network's password goes in on stdin (--password-stdin), never on the command line."
printf 'att-p4r6-pass\n' |
  progress_step -i "${cameras[1]}" cohn provision ATTTp4r6Fi --password-stdin --cert-out "$work/cohn-ca.pem"
show_ca "$work/cohn-ca.pem"
step -i "${cameras[1]}" cohn status

bold "8. All three cameras at once: start recording, and the start skew between them"
step --all shutter on
step --all shutter off

bold "9. Put one camera to sleep"
echo "With auto-connect on, goprod would wake it again at once; turn it off first."
# The watch starts first, so that it is subscribed by the time the camera sleeps.
say "-i ${cameras[2]} watch --kind state   (until it sleeps)"
exec {watch_fd}< <(exec timeout 20 "$ctl" --socket "unix:$work/goprod.sock" -i "${cameras[2]}" watch --kind state)
pids+=($!)
step -i "${cameras[2]}" auto-connect off
step -i "${cameras[2]}" sleep
while read -r -u "$watch_fd" line; do
  echo "$line"
  case $line in *sleeping*) break ;; esac
done
step list

bold "Done. Everything started here is being stopped."

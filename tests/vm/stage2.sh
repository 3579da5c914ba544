#!/bin/bash
# Stage 2 of the test VM (started by tests/vm/vm.sh): PID 1 on the read-only
# host root. Brings up D-Bus, the kernel Bluetooth stack, bluetoothd and two
# btvirt LE controllers, runs the command vm.sh left in the results share,
# writes its exit code there and powers the VM off.
set -euo pipefail
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export LANG=C.UTF-8

# Under software emulation a dynamically linked program takes ~0.15 s to start
# (its libraries come over 9p), the static busybox ~0.015 s: the plumbing below
# uses busybox and bash builtins.
bb=/bin/busybox

here=${0%/*}               # absolute: the kernel command line names us so
vm=/run/goprod-vm          # our scratch space (tmpfs)
share=$vm/share            # where the results share is first mounted
results=""                 # its final place, the same path as on the host
command_ran=""

log() { local up _; { read -r up _ </proc/uptime; } 2>/dev/null || up='?'; echo "stage2: [${up}s] $*"; }

finish() {
    local rc=$?
    [ -n "$command_ran" ] || log "FAILED before the command ran (exit $rc); no exit code reported"
    $bb sync
    # PID 1 must never return (the kernel would panic); power off instead.
    echo o >/proc/sysrq-trigger
    $bb sleep 60
}
trap finish EXIT

$bb mount -t proc proc /proc
$bb mount -t sysfs sysfs /sys
log "started"
$bb mount -t tmpfs -o mode=755 tmpfs /run
$bb mkdir -p "$vm/host" "$share"
# A view of the host root without the tmpfs mounts below, to bring back host
# paths they would hide (a checkout or a cache under /tmp, say).
$bb mount -o bind / "$vm/host"
$bb mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 results "$share"
# shellcheck source=/dev/null
. "$share/.vm/env.sh"   # GOPROD_VM_RESULTS, GOPROD_VM_CWD, GOPROD_VM_KDIR, GOPROD_VM_BTD_DEBUG

$bb mount -t tmpfs -o mode=1777 tmpfs /tmp
$bb mount -t tmpfs -o mode=1777 tmpfs /var/tmp
$bb mount -t tmpfs -o mode=700 tmpfs /var/lib/bluetooth
$bb mkdir -p /dev/shm /dev/pts
$bb mount -t tmpfs -o mode=1777 tmpfs /dev/shm
$bb mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts

# Re-exposes host path $1 if one of the tmpfs mounts above hides it.
expose() {
    local d
    for d in /tmp /var/tmp /run /dev/shm /var/lib/bluetooth; do
        case $1/ in "$d"/*) ;; *) continue ;; esac
        [ -d "$vm/host$1" ] || return 0
        $bb mkdir -p "$1"
        $bb mount -o bind "$vm/host$1" "$1"
        return 0
    done
}
expose "$GOPROD_VM_CWD"
expose "$here"
expose "$GOPROD_VM_KDIR"

# The results share appears at the same path as on the host.
results=$GOPROD_VM_RESULTS
$bb mkdir -p "$results" 2>/dev/null || true
$bb mount -o move "$share" "$results"

# The kernel's module autoloading must use the cached Debian kernel's modules
# (the host's /lib/modules belongs to another kernel). Each request is logged.
{
    echo "#!$bb sh"
    # shellcheck disable=SC2016 # expanded by the helper, not here
    printf 'read up _ </proc/uptime; echo "[${up}s] modprobe $*" >>%q\n' "$results/modprobe.log"
    printf 'exec /usr/sbin/modprobe -d %q "$@"\n' "$GOPROD_VM_KDIR/root"
} >"$vm/modprobe"
$bb chmod 755 "$vm/modprobe"
echo "$vm/modprobe" >/proc/sys/kernel/modprobe
# btvirt's emulated controller needs the kernel crypto user API: vm.sh lists it
# before hci_vhci (else btvirt fails with "Failed to open Virtual HCI device"),
# with all dependencies, unpacked for busybox insmod (much faster than kmod here).
log "mounts done"
while read -r m; do
    $bb insmod "$GOPROD_VM_KDIR/stage2-modules/$m"
done <"$GOPROD_VM_KDIR/stage2-modules/modules.order"
# Instantiate the algorithms btvirt asks for, before btvirt starts. Otherwise
# the kernel probes for modules named after them (usermode-helper runs, ~1 s
# each when the host is busy) while btvirt is still creating hci1, btvirt
# answers hci0's first HCI command after the kernel's 2 s timeout, and hci0
# never comes up ("hci0: Opcode 0x0c03 failed: -110"). In the background, while
# D-Bus and bluetoothd start.
/usr/bin/python3 -S -c '
import _socket as s
for kind, name in (("hash", "cmac(aes)"), ("skcipher", "ecb(aes)")):
    s.socket(s.AF_ALG, s.SOCK_SEQPACKET, 0).bind((kind, name))
' &
crypto_pid=$!
log "modules loaded"

# A system bus with our own permissive policy (any name may be owned).
$bb mkdir -p /run/dbus
dbus-daemon --config-file="$here/system-bus.conf" --nofork --nosyslog --print-address=3 \
    3>"$vm/dbus.address" </dev/null >"$results/dbus.log" 2>&1 &
# The address is printed once the daemon listens.
for ((i = 0; i < 200; i++)); do [ -s "$vm/dbus.address" ] && break; $bb usleep 50000; done
[ -s "$vm/dbus.address" ] || { log "dbus-daemon did not start; see dbus.log"; exit 1; }

btd_args=(-n -f "$here/main.conf")
[ "${GOPROD_VM_BTD_DEBUG:-0}" = 1 ] && btd_args+=(-d)
/usr/libexec/bluetooth/bluetoothd "${btd_args[@]}" </dev/null >"$results/bluetoothd.log" 2>&1 &

wait "$crypto_pid" || { log "cannot instantiate cmac(aes)/ecb(aes) through AF_ALG"; exit 1; }
log "dbus-daemon and bluetoothd started, cmac(aes) ready"

# Sets $info to `btmgmt info`; true when it shows two powered controllers.
# btmgmt prints nothing unless stdin is a terminal, hence script(1)'s pty.
both_powered() {
    info=$($bb timeout 5 script -qec "btmgmt info" /dev/null </dev/null 2>&1 || true)
    local rest=$info n=0
    while [[ $rest =~ current\ settings:\ ([a-z -]*\ )?powered[[:space:]](.*) ]]; do
        n=$((n + 1))
        rest=${BASH_REMATCH[2]}
    done
    [ "$n" -ge 2 ]
}

# Two LE-only controllers, hci0 and hci1, linked to each other. bluetoothd
# powers them (AutoEnable); wait for that, bounded. A controller whose setup
# failed never comes back, so restart btvirt then (at most twice).
for attempt in 1 2 3; do
    btvirt -Ll2 </dev/null >>"$results/btvirt.log" 2>&1 &
    btvirt_pid=$!
    deadline=$((SECONDS + 20))
    until both_powered || [ "$SECONDS" -ge "$deadline" ]; do $bb usleep 200000; done
    both_powered && break
    log "attempt $attempt: hci0 and hci1 not both powered after 20 s; btmgmt info says:"
    echo "$info"
    [ "$attempt" -lt 3 ] || { log "giving up"; exit 1; }
    kill "$btvirt_pid"
    wait "$btvirt_pid" || true
    # Its controllers go away with it; wait for that before starting anew.
    for ((i = 0; i < 50; i++)); do
        hcis=(/sys/class/bluetooth/hci*)
        [ -e "${hcis[0]}" ] || break
        $bb usleep 100000
    done
done
log "hci0 and hci1 powered; running the command"

$bb mkdir -p /tmp/home
set +e
$bb env -i PATH="$PATH" HOME=/tmp/home LANG=C.UTF-8 TERM=dumb PYTHONDONTWRITEBYTECODE=1 \
    GOPROD_VM=1 GOPROD_VM_RESULTS="$results" \
    DBUS_SYSTEM_BUS_ADDRESS=unix:path=/run/dbus/system_bus_socket \
    /bin/bash "$results/.vm/command.sh" </dev/null >"$results/output.log" 2>&1
rc=$?
set -e
command_ran=1
log "command exited $rc"
echo "$rc" >"$results/exit-code.tmp"
$bb mv "$results/exit-code.tmp" "$results/exit-code"

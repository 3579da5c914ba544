#!/bin/bash
# Stage 2 of the test VM (started by tests/vm/vm.sh): PID 1 on the read-only
# host root. Brings up D-Bus, the kernel Bluetooth stack, bluetoothd and the
# btvirt LE controllers, runs the command vm.sh left in the results share,
# writes its exit code there and powers the VM off.
set -euo pipefail
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export LANG=C.UTF-8

here=${0%/*}               # absolute: the kernel command line names us so
vm=/run/goprod-vm          # our scratch space (tmpfs)
share=$vm/share            # where the results share is first mounted
results=""                 # its final place, the same path as on the host
command_ran=""
# shellcheck source=tests/vm/common.sh
. "$here/common.sh"

finish() {
    local rc=$?
    [ -n "$command_ran" ] || log "FAILED before the command ran (exit $rc); no exit code reported"
    # PID 1 must never return (the kernel would panic); power off instead.
    power_off
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
mount_share "$share"

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
move_share "$share"

install_modprobe_helper "$vm"
log "mounts done"
load_bt_modules
# In the background, while D-Bus and bluetoothd start.
instantiate_crypto &
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

start_controllers
log "all ${GOPROD_VM_CONTROLLERS:-2} controllers powered; running the command"

run_command

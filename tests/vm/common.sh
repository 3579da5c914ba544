# shellcheck shell=bash
# What both stage-2 flavours of the test VM share (sourced by stage2.sh and
# systemd-stage2.sh): the results share, the kernel modules, the btvirt
# controllers, running the command and powering off. See tests/vm/README.md.
#
# Under software emulation a dynamically linked program takes ~0.15 s to start
# (its libraries come over 9p), the static busybox ~0.015 s: the plumbing here
# uses busybox and bash builtins.
bb=/bin/busybox
log_name=${log_name:-stage2}

log() { local up _; { read -r up _ </proc/uptime; } 2>/dev/null || up='?'; echo "$log_name: [${up}s] $*"; }

# Mounts the results share at $1 and reads what vm.sh left there
# (GOPROD_VM_RESULTS, GOPROD_VM_CWD, GOPROD_VM_KDIR, GOPROD_VM_BTD_DEBUG,
# GOPROD_VM_CONTROLLERS).
mount_share() {
    $bb mkdir -p "$1"
    $bb mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 results "$1"
    # shellcheck source=/dev/null
    . "$1/.vm/env.sh"
}

# Moves the share from $1 to the same path as on the host; sets $results.
move_share() {
    results=$GOPROD_VM_RESULTS
    $bb mkdir -p "$results" 2>/dev/null || true
    $bb mount -o move "$1" "$results"
}

# The kernel's module autoloading must use the cached Debian kernel's modules
# (the host's /lib/modules belongs to another kernel). Each request is logged.
# $1: a writable folder for the helper.
install_modprobe_helper() {
    {
        echo "#!$bb sh"
        # shellcheck disable=SC2016 # expanded by the helper, not here
        printf 'read up _ </proc/uptime; echo "[${up}s] modprobe $*" >>%q\n' "$results/modprobe.log"
        printf 'exec /usr/sbin/modprobe -d %q "$@"\n' "$GOPROD_VM_KDIR/root"
    } >"$1/modprobe"
    $bb chmod 755 "$1/modprobe"
    echo "$1/modprobe" >/proc/sys/kernel/modprobe
}

# btvirt's emulated controller needs the kernel crypto user API: vm.sh lists it
# before hci_vhci (else btvirt fails with "Failed to open Virtual HCI device"),
# with all dependencies, unpacked for busybox insmod (much faster than kmod here).
load_bt_modules() {
    local m
    while read -r m; do
        $bb insmod "$GOPROD_VM_KDIR/stage2-modules/$m"
    done <"$GOPROD_VM_KDIR/stage2-modules/modules.order"
}

# Instantiates the algorithms btvirt asks for; call it before btvirt starts.
# Otherwise the kernel probes for modules named after them (usermode-helper
# runs, ~1 s each when the host is busy) while btvirt is still creating hci1,
# btvirt answers hci0's first HCI command after the kernel's 2 s timeout, and
# hci0 never comes up ("hci0: Opcode 0x0c03 failed: -110").
instantiate_crypto() {
    /usr/bin/python3 -S -c '
import _socket as s
for kind, name in (("hash", "cmac(aes)"), ("skcipher", "ecb(aes)")):
    s.socket(s.AF_ALG, s.SOCK_SEQPACKET, 0).bind((kind, name))
'
}

# Sets $info to `btmgmt info`; true when it shows as many powered controllers as
# vm.sh asked for (GOPROD_VM_CONTROLLERS, from the share's env.sh).
# btmgmt prints nothing unless stdin is a terminal, hence script(1)'s pty.
all_powered() {
    info=$($bb timeout 5 script -qec "btmgmt info" /dev/null </dev/null 2>&1 || true)
    local rest=$info n=0
    while [[ $rest =~ current\ settings:\ ([a-z -]*\ )?powered[[:space:]](.*) ]]; do
        n=$((n + 1))
        rest=${BASH_REMATCH[2]}
    done
    [ "$n" -ge "${GOPROD_VM_CONTROLLERS:-2}" ]
}

# GOPROD_VM_CONTROLLERS LE-only controllers, hci0, hci1..., linked to each other, left
# running in the background. bluetoothd powers them (AutoEnable); wait for that,
# bounded. A controller whose setup failed never comes back, so restart btvirt
# then (at most twice). Returns non-zero if they never came up.
start_controllers() {
    local attempt deadline i hcis btvirt_pid
    for attempt in 1 2 3; do
        btvirt -L "-l${GOPROD_VM_CONTROLLERS:-2}" </dev/null >>"$results/btvirt.log" 2>&1 &
        btvirt_pid=$!
        deadline=$((SECONDS + 20))
        until all_powered || [ "$SECONDS" -ge "$deadline" ]; do $bb usleep 200000; done
        all_powered && return 0
        log "attempt $attempt: not all ${GOPROD_VM_CONTROLLERS:-2} controllers powered after 20 s; btmgmt info says:"
        echo "$info"
        [ "$attempt" -lt 3 ] || { log "giving up"; return 1; }
        kill "$btvirt_pid"
        wait "$btvirt_pid" || true
        # Its controllers go away with it; wait for that before starting anew.
        for ((i = 0; i < 50; i++)); do
            hcis=(/sys/class/bluetooth/hci*)
            [ -e "${hcis[0]}" ] || break
            $bb usleep 100000
        done
    done
}

# Runs the command vm.sh left in the results share, with a clean environment
# plus the names given as arguments (NAME=value), and writes its exit code to
# the share. Sets $command_ran.
# shellcheck disable=SC2120 # the arguments are optional
run_command() {
    $bb mkdir -p /tmp/home
    local rc=0
    $bb env -i PATH="$PATH" HOME=/tmp/home LANG=C.UTF-8 TERM=dumb PYTHONDONTWRITEBYTECODE=1 \
        GOPROD_VM=1 GOPROD_VM_RESULTS="$results" GOPROD_VM_CONTROLLERS="${GOPROD_VM_CONTROLLERS:-2}" \
        DBUS_SYSTEM_BUS_ADDRESS=unix:path=/run/dbus/system_bus_socket "$@" \
        /bin/bash "$results/.vm/command.sh" </dev/null >"$results/output.log" 2>&1 || rc=$?
    # shellcheck disable=SC2034 # read by the sourcing script's exit trap
    command_ran=1
    log "command exited $rc"
    echo "$rc" >"$results/exit-code.tmp"
    $bb mv "$results/exit-code.tmp" "$results/exit-code"
}

# The VM powers off at once: nothing in it is worth a clean shutdown.
power_off() {
    $bb sync
    echo o >/proc/sysrq-trigger
    $bb sleep 60
}

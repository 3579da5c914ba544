#!/bin/bash
# Stage 2 of the test VM in systemd mode (tests/vm/vm.sh run --systemd).
#
# As PID 1 (no argument), on the writable overlay of the host root that the
# initramfs made: does what systemd cannot (the Bluetooth modules of the cached
# kernel, the results share), writes the VM's units and configuration into /etc
# and hands over to Debian's systemd, which brings up the real dbus.service and
# bluetooth.service and then goprod-vm.target:
#   goprod-vm-controllers.service  the btvirt LE controllers (hci0, hci1...), powered
#   goprod-vm-command.service      the command; its exit code to the share; power off
# Those units run this script again with the argument `controllers` or `command`.
set -euo pipefail
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export LANG=C.UTF-8

here=${0%/*}  # absolute: the kernel command line names us so
log_name=systemd-stage2
results=""
command_ran=""
# shellcheck source=tests/vm/common.sh
. "$here/common.sh"

env_file=/etc/goprod-vm.env  # the share's env.sh, for the units
units=/etc/systemd/system

# What costs boot time under software emulation and brings nothing to a VM
# that lives a minute without network, terminals, disks or other hardware:
# every generator (each is a program to start; the VM needs none), and these
# units. Kept: journald, udevd (it sees the btvirt controllers come), tmpfiles,
# sysctl, dbus, bluetoothd. See tests/vm/README.md for the figures.
masked=(
    # Devices present at boot: their modules, unpacked by kmod in the emulated CPU.
    systemd-udev-trigger.service modprobe@drm.service modprobe@dm_mod.service modprobe@loop.service
    modprobe@fuse.service modprobe@configfs.service kmod-static-nodes.service systemd-modules-load.service
    # File systems and state a throw-away VM does not use.
    dev-hugepages.mount sys-kernel-debug.mount sys-kernel-tracing.mount sys-fs-fuse-connections.mount
    sys-kernel-config.mount proc-sys-fs-binfmt_misc.automount systemd-binfmt.service systemd-remount-fs.service
    systemd-random-seed.service systemd-update-utmp.service systemd-journal-flush.service systemd-pstore.service
    # bluetoothd asks for the host name (D-Bus activation: ~3 s) and falls back without it, as in stage 2.
    systemd-hostnamed.service systemd-rfkill.service systemd-rfkill.socket
    # No network, no terminals, no periodic jobs.
    systemd-timesyncd.service getty@tty1.service serial-getty@ttyS0.service e2scrub_reap.service
    apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer e2scrub_all.timer fstrim.timer man-db.timer
    systemd-tmpfiles-clean.timer
)

write_units() {
    $bb cat >"$units/goprod-vm.target" <<EOF
[Unit]
Description=goprod test VM: the command next to the real bluetoothd
Requires=basic.target
After=basic.target
Wants=goprod-vm-command.service
AllowIsolate=yes
EOF
    $bb cat >"$units/goprod-vm-controllers.service" <<EOF
[Unit]
Description=goprod test VM: btvirt LE controllers (hci0, hci1...), powered
# Wants, not Requires: the controllers stay when a test restarts bluetooth.service.
Wants=bluetooth.service
After=bluetooth.service

[Service]
# The script returns once all controllers are powered and leaves btvirt running.
Type=forking
ExecStart=/bin/bash $here/systemd-stage2.sh controllers
TimeoutStartSec=90
StandardOutput=journal+console
EOF
    $bb cat >"$units/goprod-vm-command.service" <<EOF
[Unit]
Description=goprod test VM: the command
# Wants, not Requires: the command unit reports a failed controllers unit and
# powers the VM off instead of never starting.
Wants=goprod-vm-controllers.service
After=goprod-vm-controllers.service

[Service]
# exec, not oneshot: the boot is finished once the command starts, so that
# systemd-analyze can tell how long it took.
Type=exec
ExecStart=/bin/bash $here/systemd-stage2.sh command
StandardOutput=journal+console
EOF
    local u g
    for u in "${masked[@]}"; do $bb ln -sf /dev/null "$units/$u"; done
    $bb mkdir -p /etc/systemd/system-generators
    for g in /usr/lib/systemd/system-generators/*; do
        $bb ln -sf /dev/null "/etc/systemd/system-generators/${g##*/}"
    done
    # The journal in /run only: nothing to flush to /var at boot.
    $bb mkdir -p /etc/systemd/journald.conf.d
    printf '[Journal]\nStorage=volatile\n' >/etc/systemd/journald.conf.d/goprod-vm.conf
}

# The first stage of PID 1, before systemd.
pid1() {
    # PID 1 must never return (the kernel would panic); power off instead.
    trap 'log "FAILED before systemd started (exit $?); no exit code reported"; power_off' EXIT
    $bb mount -t proc proc /proc
    $bb mount -t sysfs sysfs /sys
    log "started"
    # Not under /run: systemd mounts its own tmpfs there.
    local share=/.goprod-vm-share
    mount_share "$share"
    move_share "$share"
    $bb cp "$results/.vm/env.sh" "$env_file"

    # The cached kernel's modules where udev and modprobe look for them.
    local kver; kver=$($bb uname -r)
    $bb rm -rf "/usr/lib/modules/$kver"
    $bb mkdir -p /usr/lib/modules
    $bb ln -s "$GOPROD_VM_KDIR/root/lib/modules/$kver" "/usr/lib/modules/$kver"
    $bb mkdir -p /var/lib/goprod-vm
    install_modprobe_helper /var/lib/goprod-vm
    load_bt_modules
    log "modules loaded"

    # A real machine, not the host's container: systemd would see /.dockerenv,
    # ignore the kernel command line and skip what a container lacks, and
    # policy-rc.d would forbid starting services when packages are installed.
    $bb rm -f /.dockerenv /usr/sbin/policy-rc.d
    # Debian's tmp.conf empties /tmp at boot: here that is the host's /tmp seen
    # through the overlay (and maybe the checkout or the results share). Keep it.
    $bb mkdir -p /etc/tmpfiles.d
    printf 'd /tmp 1777 root root -\n' >/etc/tmpfiles.d/tmp.conf
    # dpkg's man-db trigger would rebuild the manual page index: ~90 s here.
    $bb rm -f /var/lib/man-db/auto-update
    # /etc and /var are up to date with /usr: no ldconfig, hwdb or catalog rebuild at boot.
    $bb touch -r /usr /etc/.updated /var/.updated
    $bb mkdir -p /etc/bluetooth
    $bb cp "$here/main.conf" /etc/bluetooth/main.conf
    if [ "${GOPROD_VM_BTD_DEBUG:-0}" = 1 ]; then
        $bb mkdir -p "$units/bluetooth.service.d"
        printf '[Service]\nExecStart=\nExecStart=/usr/libexec/bluetooth/bluetoothd -d\n' \
            >"$units/bluetooth.service.d/debug.conf"
    fi
    write_units
    log "handing over to systemd"
    trap - EXIT
    exec /lib/systemd/systemd --unit=goprod-vm.target
}

# goprod-vm-controllers.service
controllers() {
    # shellcheck source=/dev/null
    . "$env_file"
    results=$GOPROD_VM_RESULTS
    instantiate_crypto || { log "cannot instantiate cmac(aes)/ecb(aes) through AF_ALG"; exit 1; }
    start_controllers
    log "all ${GOPROD_VM_CONTROLLERS:-2} controllers powered"
}

# goprod-vm-command.service
command_unit() {
    # shellcheck source=/dev/null
    . "$env_file"
    results=$GOPROD_VM_RESULTS
    if systemctl -q is-active goprod-vm-controllers.service; then
        log "running the command"
        # GOPROD_VM_CHANGES: the overlay's upper layer, all the VM wrote to its root.
        run_command GOPROD_VM_SYSTEMD=1 GOPROD_VM_CHANGES=/.goprod-vm-changes/upper
    else
        log "FAILED before the command ran: the controllers are not up; no exit code reported"
    fi
    journalctl -b --no-pager -o short-monotonic >"$results/journal.log" 2>&1 || true
    journalctl -b --no-pager -o short-monotonic -u bluetooth.service >"$results/bluetoothd.log" 2>&1 || true
    # Only `time`: blame and critical-chain enumerate every unit, 26 s here.
    systemd-analyze time >"$results/systemd-analyze.log" 2>&1 || true
    power_off
}

case ${1:-} in
    "") pid1 ;;
    controllers) controllers ;;
    command) command_unit ;;
    *) echo "usage: $0 [controllers|command]" >&2; exit 2 ;;
esac

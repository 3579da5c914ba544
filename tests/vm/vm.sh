#!/bin/bash
# Runs a command inside a small QEMU VM that has the real Linux Bluetooth stack,
# the real bluetoothd (BlueZ 5.66) and virtual LE controllers that see each other
# (btvirt: hci0, hci1, ...; two unless --controllers). See tests/vm/README.md.
#
#   tests/vm/vm.sh prepare
#   tests/vm/vm.sh run [--systemd] [--controllers N] [--timeout SEC] [--results DIR] -- COMMAND [ARGS...]
#
# --systemd: Debian's systemd is PID 1 on a writable overlay of the host root,
# with the real dbus.service and bluetooth.service (systemd-stage2.sh); without
# it, stage2.sh starts dbus-daemon and bluetoothd itself on the read-only root.
# --controllers N: N btvirt controllers, hci0 to hciN-1 (2 to 8; default 2).
#
# Exit codes of `run`: COMMAND's own, 124 on timeout, 77 when QEMU cannot run
# on this machine (skip), 99 when the VM died without reporting, 2 on bad usage.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)

# Debian 6.1 kernels fail their ECDH self-test under TCG (no LE pairing); this
# bookworm-security 6.12 kernel passes it.
kver=${GOPROD_VM_KERNEL:-6.12.100+deb12-amd64}
cache=${GOPROD_VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/goprod-vm}
kdir=$cache/$kver

host_packages=(qemu-system-x86 bluez bluez-test-tools busybox-static kmod cpio
               python3-dbus python3-gi xz-utils)

# virtio_pci is built in; these are the modules the initramfs needs to reach
# the host root over virtio-9p, and overlay for the writable root of --systemd.
initrd_modules=(virtio_pci 9pnet_virtio 9p overlay)
# What stage 2 loads before btvirt: the kernel crypto user API first (btvirt
# needs it), then the virtual HCI driver; bnep is what bluetoothd would have
# autoloaded a moment later. Unpacked in advance: kmod unpacking .ko.xz files
# in the emulated VM costs seconds.
stage2_modules=(af_alg algif_hash algif_skcipher cmac ecb ecdh_generic hci_vhci bnep)

say() { printf 'vm.sh: %s\n' "$*" >&2; }
die() { say "error: $*"; exit "${2:-1}"; }
skip() { say "SKIP: $*"; exit 77; }

usage() {
    sed -n '6,7p' "${BASH_SOURCE[0]}" | sed 's/^#  */usage: /' >&2
    exit 2
}

# /init of the initramfs (busybox sh). Kept here so that prepare can key the
# cached initrd on its text.
read -r -d '' initrd_init <<'EOF' || true
#!/bin/sh
# Load the virtio-9p chain, mount the host root read-only and hand over to the
# stage-2 script named on the kernel command line (GOPROD_STAGE2=...). With
# GOPROD_OVERLAY=1 the root is writable: an overlay of the host root (read-only)
# and a tmpfs that keeps the changes until power-off.
fail() { echo "init: $*"; echo o > /proc/sysrq-trigger; sleep 60; }
mount -t proc proc /proc
mount -t devtmpfs devtmpfs /dev
# The cpio has no /dev/console node (building one needs root): open it now.
exec </dev/console >/dev/console 2>&1
for m in $(cat /modules.order); do
    insmod "/modules/$m" || fail "insmod $m failed"
done
mkdir -p /newroot
host=/newroot
[ "$GOPROD_OVERLAY" = 1 ] && host=/host
mkdir -p $host
mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose,msize=512000 hostroot $host \
    || fail "cannot mount the host root over 9p"
if [ "$GOPROD_OVERLAY" = 1 ]; then
    mkdir -p /changes
    mount -t tmpfs -o mode=755 tmpfs /changes
    mkdir -p /changes/upper /changes/work
    mount -t overlay -o lowerdir=/host,upperdir=/changes/upper,workdir=/changes/work overlay /newroot \
        || fail "cannot mount the overlay root"
    # What the VM changed stays in sight (tests look there for leftovers).
    mkdir -p /newroot/.goprod-vm-changes
    mount -o move /changes /newroot/.goprod-vm-changes
fi
[ -n "$GOPROD_STAGE2" ] && [ -x "/newroot$GOPROD_STAGE2" ] || fail "no stage 2 script '$GOPROD_STAGE2'"
mount -o move /dev /newroot/dev
umount /proc
exec switch_root /newroot "$GOPROD_STAGE2"
EOF

sudo_cmd() {
    if [ "$(id -u)" = 0 ]; then "$@"
    elif command -v sudo >/dev/null; then sudo "$@"
    else say "not root and no sudo: cannot run $*"; return 1
    fi
}

# Installs the host packages that are missing. Returns non-zero if it could not.
install_host_packages() {
    command -v dpkg-query >/dev/null || { say "no dpkg-query: cannot check host packages"; return 1; }
    local missing=() p
    # One dpkg-query for all keeps the already-prepared path fast.
    local installed
    installed=$(dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' "${host_packages[@]}" 2>/dev/null || true)
    for p in "${host_packages[@]}"; do
        grep -qxE "ii +$p" <<<"$installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    say "installing host packages: ${missing[*]}"
    # Lock timeout: wait for another apt/dpkg run instead of failing on its lock.
    local apt=(env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 -qq)
    sudo_cmd "${apt[@]}" update >&2 || return 1
    sudo_cmd "${apt[@]}" install -y --no-install-recommends "${missing[@]}" >&2 || return 1
}

initrd_key() {
    printf '%s\n%s\n%s\n%s\n' "$kver" "${initrd_modules[*]}" "${stage2_modules[*]}" "$initrd_init" \
        | sha256sum | cut -c1-16
}

# Writes the modules named after $2 and all they depend on, uncompressed (busybox
# insmod wants plain .ko files), into folder $1, and their load order into
# $1/modules.order. Built-in ones are skipped.
unpack_modules() {
    local modroot=$1 dest=$2 a path name
    shift 2
    mkdir -p "$dest"
    : >"$dest/modules.order"
    while read -r a path _; do
        [ "$a" = insmod ] || continue
        name=$(basename "$path"); name=${name%.xz}; name=${name%.zst}
        grep -qxF "$name" "$dest/modules.order" && continue
        case $path in
            *.xz) xz -dc "$path" >"$dest/$name" ;;
            *.zst) zstd -qdc "$path" >"$dest/$name" ;;
            *) cp "$path" "$dest/$name" ;;
        esac
        echo "$name" >>"$dest/modules.order"
    done < <(modprobe -d "$modroot" -S "$kver" -a --show-depends "$@")
}

# Downloads and unpacks the kernel package into the cache (never installs it on
# the host) and builds the initramfs. Reuses what is there.
prepare_kernel() {
    local key; key=$(initrd_key)
    [ -f "$kdir/ready" ] && [ "$(cat "$kdir/ready")" = "$key" ] && return 0

    mkdir -p "$kdir"
    # Several test runs may prepare at once (meson runs tests in parallel).
    exec 9>"$kdir/.lock"
    flock 9
    if [ -f "$kdir/ready" ] && [ "$(cat "$kdir/ready")" = "$key" ]; then exec 9>&-; return 0; fi

    local modroot=$kdir/root
    if [ ! -f "$modroot/lib/modules/$kver/modules.dep.bin" ]; then
        say "fetching kernel package linux-image-$kver into $kdir"
        rm -rf "$kdir/dl" "$modroot" "$modroot.tmp"
        mkdir -p "$kdir/dl"
        if ! (cd "$kdir/dl" && apt-get download -qq "linux-image-$kver" 2>/dev/null); then
            say "apt-get download failed; refreshing package lists"
            sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get -qq -o DPkg::Lock::Timeout=900 update >&2
            (cd "$kdir/dl" && apt-get download -qq "linux-image-$kver") \
                || die "cannot download linux-image-$kver (bookworm-security)"
        fi
        dpkg-deb -x "$kdir"/dl/linux-image-*.deb "$modroot.tmp"
        depmod -b "$modroot.tmp" "$kver"
        mv "$modroot.tmp" "$modroot"
        rm -rf "$kdir/dl"
    fi
    [ -f "$modroot/boot/vmlinuz-$kver" ] || die "no vmlinuz-$kver in $modroot/boot"

    say "building initramfs"
    local work; work=$(mktemp -d "$kdir/initrd.XXXXXX")
    mkdir -p "$work"/{bin,dev,proc,newroot}
    cp /bin/busybox "$work/bin/busybox"
    local a
    for a in sh mount umount insmod mkdir cat echo sleep switch_root; do
        ln -s busybox "$work/bin/$a"
    done
    printf '%s\n' "$initrd_init" >"$work/init"
    chmod 755 "$work/init"
    unpack_modules "$modroot" "$work/modules" "${initrd_modules[@]}"
    mv "$work/modules/modules.order" "$work/modules.order"
    unpack_modules "$modroot" "$work/stage2-modules" "${stage2_modules[@]}"
    rm -rf "$kdir/stage2-modules"
    mv "$work/stage2-modules" "$kdir/stage2-modules"
    (cd "$work" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) | gzip -1 >"$kdir/initrd.img.tmp"
    mv "$kdir/initrd.img.tmp" "$kdir/initrd.img"
    rm -rf "$work"
    echo "$key" >"$kdir/ready"
    exec 9>&-
}

# Returns 0 when QEMU can run; otherwise prints why not and exits 77.
need_qemu() {
    command -v qemu-system-x86_64 >/dev/null \
        || skip "qemu-system-x86_64 is missing and could not be installed"
    qemu-system-x86_64 --version >/dev/null 2>&1 \
        || skip "qemu-system-x86_64 does not start on this machine"
}

cmd_prepare() {
    install_host_packages || say "could not install all host packages (see above)"
    need_qemu
    local t
    for t in bluetoothd:/usr/libexec/bluetooth/bluetoothd btvirt btmgmt dbus-daemon busybox:/bin/busybox \
             modprobe:/usr/sbin/modprobe depmod:/usr/sbin/depmod cpio xz; do
        [ -x "${t#*:}" ] || command -v "${t%%:*}" >/dev/null || die "host tool ${t%%:*} missing"
    done
    prepare_kernel
}

# Prints the tail of a log under a header, if the log exists.
show_tail() {
    [ -s "$2" ] || return 0
    say "---- last lines of $1 ($2) ----"
    tail -n "${3:-30}" "$2" >&2
}

cmd_run() {
    local timeout=300 results="" systemd="" controllers=2
    while [ $# -gt 0 ]; do
        case $1 in
            --systemd) systemd=1; shift ;;
            --controllers) [ $# -ge 2 ] || usage; controllers=$2; shift 2 ;;
            --controllers=*) controllers=${1#*=}; shift ;;
            --timeout) [ $# -ge 2 ] || usage; timeout=$2; shift 2 ;;
            --timeout=*) timeout=${1#*=}; shift ;;
            --results) [ $# -ge 2 ] || usage; results=$2; shift 2 ;;
            --results=*) results=${1#*=}; shift ;;
            --) shift; break ;;
            *) usage ;;
        esac
    done
    [ $# -ge 1 ] || usage
    [[ $timeout =~ ^[1-9][0-9]*$ ]] || die "--timeout wants a whole number of seconds" 2
    [[ $controllers =~ ^[2-8]$ ]] || die "--controllers wants a number from 2 to 8" 2

    cmd_prepare

    if [ -n "$results" ]; then
        mkdir -p "$results"
    else
        results=$(mktemp -d "${TMPDIR:-/tmp}/goprod-vm.XXXXXX")
    fi
    results=$(cd "$results" && pwd -P)
    say "results in $results"
    # Stale files of an earlier run in the same folder would fake a result.
    rm -rf "$results/.vm" "$results"/{exit-code,output.log,console.log,bluetoothd.log,bluetoothd-restarted.log,btvirt.log,dbus.log,modprobe.log,journal.log,systemd-analyze.log}
    mkdir -p "$results/.vm"

    local stage2=$here/stage2.sh cwd boot_args=""; cwd=$(pwd -P)
    if [ -n "$systemd" ]; then
        stage2=$here/systemd-stage2.sh
        boot_args=GOPROD_OVERLAY=1
    fi
    # The kernel command line splits on blanks; only this path travels on it.
    [[ $stage2 =~ ^[^[:space:]\"]+$ ]] || die "the checkout path must not contain blanks: $stage2"

    # What stage 2 and COMMAND need travels through the results share rather than
    # the kernel command line, so that any path or argument survives quoting.
    {
        printf 'GOPROD_VM_RESULTS=%q\n' "$results"
        printf 'GOPROD_VM_CWD=%q\n' "$cwd"
        printf 'GOPROD_VM_KDIR=%q\n' "$kdir"
        printf 'GOPROD_VM_BTD_DEBUG=%q\n' "${GOPROD_VM_BTD_DEBUG:-0}"
        printf 'GOPROD_VM_CONTROLLERS=%q\n' "$controllers"
    } >"$results/.vm/env.sh"
    {
        printf 'cd -- %q\n' "$cwd"
        # Passed on to COMMAND: the project's own knobs, sanitizer options and the
        # names in GOPROD_VM_PASSENV; never the whole host environment.
        local n
        for n in $(compgen -e | grep -E '^(GOPROD_|[A-Z]+SAN_OPTIONS$)' | grep -v '^GOPROD_VM_' || true) ${GOPROD_VM_PASSENV:-}; do
            [ -z "${!n+x}" ] || printf 'export %s=%q\n' "$n" "${!n}"
        done
        printf 'exec'; printf ' %q' "$@"; printf '\n'
    } >"$results/.vm/command.sh"

    local esc_results=${results//,/,,}
    # shellcheck disable=SC2054 # the commas belong to QEMU options
    local qemu=(qemu-system-x86_64
        # /dev/kvm here only runs specially built guests: software emulation.
        -accel tcg,thread=multi -cpu max -smp 2 -m 1024
        -nographic -no-reboot -net none -serial mon:stdio
        -kernel "$kdir/root/boot/vmlinuz-$kver" -initrd "$kdir/initrd.img"
        -fsdev local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap
        -device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot
        -fsdev "local,id=results,path=$esc_results,security_model=none,multidevs=remap"
        -device virtio-9p-pci,fsdev=results,mount_tag=results
        # GOPROD_VM_APPEND: extra kernel parameters, e.g. "loglevel=7" to debug the boot.
        -append "console=ttyS0 quiet panic=-1 GOPROD_STAGE2=$stage2 $boot_args ${GOPROD_VM_APPEND:-}")

    local start=$SECONDS qpid tailpid="" rc=0 interrupted="" boot
    # Software emulation rarely oopses while the kernel boots (seen once in
    # dozens of boots: int3 in sched_clock_cpu). A VM that died before COMMAND
    # started is booted again, at most twice; COMMAND itself never runs twice.
    for boot in 1 2 3; do
        rm -f "$results/console.log" "$results/exit-code"
        rc=0
        # timeout(1) sits in its own process group, so forward Ctrl-C / TERM to it.
        timeout -k 5 "$timeout" "${qemu[@]}" </dev/null >"$results/console.log" 2>&1 &
        qpid=$!
        trap 'interrupted=1; kill -TERM $qpid 2>/dev/null || true' INT TERM
        if [ "${GOPROD_VM_VERBOSE:-0}" = 1 ]; then
            tail -n +1 -f --pid="$qpid" "$results/console.log" >&2 &
            tailpid=$!
        fi
        # A trapped signal ends `wait` early: wait again until QEMU is really gone.
        wait "$qpid" || rc=$?
        while kill -0 "$qpid" 2>/dev/null; do rc=0; wait "$qpid" || rc=$?; done
        trap - INT TERM
        [ -z "$interrupted" ] || { say "interrupted: VM stopped"; exit 130; }
        [ -z "$tailpid" ] || wait "$tailpid" 2>/dev/null || true
        tailpid=""
        if [ "$rc" = 124 ] || [ "$rc" = 137 ] || [ -f "$results/exit-code" ] || [ -f "$results/output.log" ]; then
            break
        fi
        say "the VM died before COMMAND started (boot $boot, qemu exit $rc); last console lines:"
        tail -n 5 "$results/console.log" >&2 || true
    done
    local took=$((SECONDS - start))

    [ ! -f "$results/output.log" ] || cat "$results/output.log"

    if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
        say "TIMEOUT: the VM was killed after ${timeout} s (--timeout); COMMAND did not finish"
        show_tail "the VM console" "$results/console.log"
        show_tail "bluetoothd's log" "$results/bluetoothd.log"
        exit 124
    fi
    local code=""
    [ -f "$results/exit-code" ] && code=$(cat "$results/exit-code")
    if ! [[ $code =~ ^[0-9]+$ ]]; then
        say "ERROR: the VM stopped after ${took} s without reporting COMMAND's exit code (qemu exit $rc): crash or boot failure"
        show_tail "the VM console" "$results/console.log" 40
        show_tail "bluetoothd's log" "$results/bluetoothd.log"
        exit 99
    fi
    say "COMMAND exited $code (VM run ${took} s)"
    if [ "$code" != 0 ]; then
        show_tail "bluetoothd's log" "$results/bluetoothd.log"
        show_tail "the restarted bluetoothd's log" "$results/bluetoothd-restarted.log"
    fi
    exit "$code"
}

case ${1:-} in
    prepare) shift; [ $# -eq 0 ] || usage; cmd_prepare ;;
    run) shift; cmd_run "$@" ;;
    *) usage ;;
esac

#!/bin/bash
# The bash completion script: valid syntax (bash -n) and a few completions,
# sourced into a plain bash without the bash-completion package.
set -eu
script=$1
bash -n "$script"

complete_line() {  # complete_line WORD...: completions for the last word
    bash -c '
        source "$1"; shift
        COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
        _goproctl
        printf "%s\n" "${COMPREPLY[@]}"
    ' _ "$script" "$@"
}

expect() {  # expect "WANTED" WORD...: WANTED is among the completions
    local wanted=$1; shift
    if ! complete_line "$@" | grep -qxF -- "$wanted"; then
        echo "completing '$*': '$wanted' not offered; got:" >&2
        complete_line "$@" >&2
        exit 1
    fi
}

expect shutter goproctl sh
expect presets goproctl pres  # issue 15 B
expect capabilities goproctl cap
expect adapters goproctl adap  # issue 16
expect journal goproctl jour  # issue 17
expect --since goproctl journal --si
expect --at goproctl shutter on --a
expect --priority goproctl connect --pri
expect sleep goproctl -i 0456 sl
expect resolution goproctl set r
expect 1080 goproctl set resolution 10
expect 2.7K goproctl --all set resolution 2
expect 240 goproctl set fps 2
expect status goproctl get s
expect info goproctl wifi ap i
expect connect goproctl wifi c
expect timelapse goproctl preset-group t
expect command goproctl raw c
expect GP-0072 goproctl raw GP
expect --kind goproctl watch --k
expect state-changed goproctl watch --kind st
expect --duration goproctl discover --d
expect --password-stdin goproctl wifi connect HomeNet --pass
expect --utc-offset goproctl date-time --u
expect --json goproctl list --j
expect status goproctl st
expect --json goproctl status --j
# issue 15: the new commands and their words
expect hilight goproctl hil
expect external goproctl control ex
expect release goproctl wifi rel
expect start goproctl livestream st
expect --max-kbps goproctl livestream start rtmp://example/live --max
expect provision goproctl cohn pro
expect --cert-out goproctl cohn provision Home --cert
# issue 17: rigs and TLS
expect --rig goproctl --ri
expect --tls-cert goproctl list --tls-c
expect shutter goproctl --rig rig.toml sh
expect on goproctl --rig rig.toml --tls-ca ca.pem shutter o
echo "completion ok"

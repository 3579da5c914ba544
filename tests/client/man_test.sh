#!/bin/sh
# The man page source renders without groff warnings.
set -eu
warnings=$(groff -man -ww -z "$1" 2>&1)
if [ -n "$warnings" ]; then
    echo "$warnings" >&2
    exit 1
fi

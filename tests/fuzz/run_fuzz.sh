#!/bin/sh
# Runs a libFuzzer target on a scratch copy of a seed corpus, so that the
# source tree is never written to. New inputs and crash-*/leak-*/timeout-*
# artifacts stay in the scratch folder, whose path is printed.
#   usage: run_fuzz.sh FUZZER CORPUS_DIR [extra libFuzzer flags...]
#   FUZZ_SECONDS=60 (total time), FUZZ_WORKDIR=<dir> (default: mktemp -d)
set -eu
fuzzer=$1
corpus=$2
shift 2
work=${FUZZ_WORKDIR:-$(mktemp -d "${TMPDIR:-/tmp}/goprod-fuzz.XXXXXX")}
mkdir -p "$work/corpus"
cp "$corpus"/* "$work/corpus/"
echo "run_fuzz.sh: corpus and artifacts in $work" >&2
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"
status=0
"$fuzzer" -max_total_time="${FUZZ_SECONDS:-60}" -artifact_prefix="$work/" "$@" "$work/corpus" || status=$?
echo "run_fuzz.sh: exit $status; corpus and artifacts in $work" >&2
exit $status

#!/usr/bin/env bash
# run_all.sh - run the Criterion suite from the repository root; its synthesis line ends the output.
set -o pipefail
cd "$(dirname "$0")/.." || exit 1
jobs="${TEST_JOBS:-2}"
for t in "$@"; do
    j="$jobs"
    case "$t" in *_driver_tests) j=1 ;; esac # real clients: one bridge and one frontend at a time
    "$t" --jobs "$j" --timeout 900 || exit $?
done

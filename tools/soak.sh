#!/usr/bin/env bash
# soak.sh - `make soak`: longer random cosim past the suite's seeds, with functional coverage.
# Usage: tools/soak.sh VDPU FIRST_SEED SEEDS FCOV_DB [FW_ELF]
# Per seed: the random register workload, a random init sequence and net-random traffic, all in cosim.
# net-random runs are steered by the coverage db (vdpu run --fcov) and print the bins each adds; the
# table of hit / unhit bins ends the output, then the pass/fail count. FW_ELF: the firmware the init and
# traffic workloads run (default: the one VDPU finds itself; `make coverage` passes the normal build's, as
# its instrumented tree builds no RISC-V code).
set -uo pipefail
VDPU=${1:?vdpu binary}; FROM=${2:?first seed}; N=${3:?seeds}; DB=${4:?coverage db}; FW=${5:-}
LOG=$(mktemp)
trap 'rm -f "$LOG"' EXIT
# a db of other crosses (written before the coverage model changed) is set aside, not failed on
if [ -e "$DB" ] && ! "$VDPU" fcov "$DB" >/dev/null 2>&1; then
    mv "$DB" "$DB.old" && echo "soak: $DB holds other crosses (an older coverage model): moved to $DB.old, starting afresh"
fi
pass=0; fail=0
for s in $(seq "$FROM" $((FROM + N - 1))); do
    for w in random random-init net-random; do
        extra=()
        # the register workload drives the firmware port itself
        [ -n "$FW" ] && [ "$w" != random ] && extra+=(--fw "$FW")
        [ "$w" = net-random ] && extra+=(--fcov "$DB")
        if "$VDPU" run -q --engine cosim --workload "$w" --seed "$s" "${extra[@]}" >"$LOG" 2>&1; then
            pass=$((pass + 1))
        else
            fail=$((fail + 1))
            echo "FAIL: $VDPU run --engine cosim --workload $w --seed $(sed -nE 's/^vdpu run: engine [a-z]+, seed ([0-9]+),.*/\1/p' "$LOG")"
            tail -20 "$LOG"
        fi
        [ "$w" = net-random ] && sed -nE "s/^fcov: ([0-9]+) new bin.*; ([0-9]+ of [0-9]+) bins hit.*/soak: seed $s adds \1 bins (\2 hit)/p" "$LOG"
    done
done
"$VDPU" fcov "$DB" --unhit 6
echo "soak: $pass passed, $fail failed"
[ "$fail" -eq 0 ]

#!/usr/bin/env bash
# bench_compare.sh - `make bench BASE=<commit>`: this tree's speed beside a build of <commit>, in one run.
# Usage: tools/bench_compare.sh BUILD_DIR BASE_COMMIT
# Builds the base commit's simulator in BUILD_DIR/bench-base/<sha> (a detached git worktree, kept for the
# next run), runs `vdpu bench` of both binaries one after the other (same machine, same moment; this
# tree's three times, its figures the best of three), and prints every figure with the ratio new/base; then callgrind's instructions per simulated cycle of a short fixed
# run on each engine (repeatable whatever else the machine is doing).
set -euo pipefail
BUILD=${1:?build dir}
BASE=${2:?base commit}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
SHA=$(git rev-parse --verify --quiet "$BASE^{commit}") || { echo "bench: '$BASE' is not a commit here" >&2; exit 2; }
DIR=$BUILD/bench-base/${SHA:0:12}
NEW=$BUILD/vdpu
if [ ! -x "$DIR/build/vdpu" ]; then
    echo "bench: building the base ${SHA:0:12} in $DIR ..."
    rm -rf "$DIR"
    git worktree prune
    git worktree add --detach --force "$DIR" "$SHA" >/dev/null
    make -C "$DIR" -s build/vdpu build/fw/vdpu-fw.elf >"$DIR.log" 2>&1 || { echo "bench: base build failed, see $DIR.log" >&2; exit 1; }
fi
OLD=$DIR/build/vdpu
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
echo "bench: base ${SHA:0:12} ($(git log -1 --format=%s "$SHA" | cut -c1-60))"
echo "bench: new  $(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo '+changes')"
# this tree's binary three times, each figure the best of its three: one run moves by 10-30% with the
# machine's other work (the model's short runs most), the best of three much less - the model / rtl
# lines below compare those. The base once (its engines are 10-40x slower: a run takes half a minute,
# and its ratios are far from any target); it takes -n only (its TX runs are 2,000 packets)
"$OLD" bench -n 200000 >"$TMP/old1.txt"
for i in 1 2 3; do "$NEW" bench -n 200000 >"$TMP/new$i.txt"; done
# the figures both print: register workload Mcycles/s per engine, 64 B TX packets/s per engine and ring;
# the highest of the runs per figure
key() { for f in "$@"; do
            sed -nE 's/^bench: (model|rtl|cosim) +[0-9]+ cycles in .* = +([0-9.]+) Mcycles.*/\1 register Mcycles\/s \2/p;
                     s/^bench: (model|rtl|cosim) +(split|packed) +64 B TX .* = +([0-9.]+) packets\/s.*/\1 \2-64B-TX packets\/s \3/p' "$f"
        done | awk '{k = $1 " " $2 " " $3; if (!(k in b) || $4 > b[k]) b[k] = $4} END {for (k in b) print k, b[k]}'; }
key "$TMP"/old[0-9]*.txt >"$TMP/old.k"
key "$TMP"/new[0-9]*.txt >"$TMP/new.k"
printf '%-8s %-16s %-14s %12s %12s %8s\n' engine workload unit base new ratio
join <(awk '{print $1"|"$2"|"$3, $4}' "$TMP/old.k" | sort) <(awk '{print $1"|"$2"|"$3, $4}' "$TMP/new.k" | sort) |
    awk '{split($1,k,"|"); r = $2 > 0 ? $3 / $2 : 0; printf "%-8s %-16s %-14s %12.3f %12.3f %7.2fx\n", k[1], k[2], k[3], $2, $3, r}'
# the model against the RTL in this tree, side by side (issue 11's target: the model >= 10x the RTL)
awk '$1 == "model" {m[$2] = $4} $1 == "rtl" {r[$2] = $4}
     END {for (w in m) if (w in r && r[w] > 0) printf "bench: model / rtl  %-16s %7.2fx (wall time)\n", w, m[w] / r[w]}' \
    "$TMP/new.k" | sort
grep -E "^bench: (data path|two transmitqs|init)" "$TMP/new1.txt" || true
if command -v valgrind >/dev/null; then
    echo "bench: callgrind instructions per simulated cycle (vdpu run --workload random --fw builtin, the difference"
    echo "       between -n 500 and -n 2500, so process start-up does not count; base/new = how many times fewer):"
    printf '%-8s %14s %14s %8s\n' engine base new ratio
    for e in model rtl cosim; do
        one() { # prints "instructions cycles" of one run
            valgrind --tool=callgrind --callgrind-out-file="$TMP/cg" "$1" run -q --engine $e --workload random -n $2 \
                --fw builtin >"$TMP/run.txt" 2>"$TMP/vg.txt"
            echo "$(sed -nE 's/.*Collected : ([0-9]+).*/\1/p' "$TMP/vg.txt") $(sed -nE 's/^cycles ([0-9]+) .*/\1/p' "$TMP/run.txt")"
        }
        ipc() {
            local a b
            a=($(one "$1" 500)); b=($(one "$1" 2500))
            echo $(((b[0] - a[0]) / (b[1] - a[1])))
        }
        o=$(ipc "$OLD"); n=$(ipc "$NEW")
        awk -v e=$e -v o=$o -v n=$n 'BEGIN{printf "%-8s %14d %14d %7.2fx\n", e, o, n, o / n}'
        eval "ipc_$e=$n"
    done
    awk -v m="$ipc_model" -v r="$ipc_rtl" 'BEGIN{printf "bench: model / rtl  callgrind        %7.2fx (rtl instructions per cycle / model'"'"'s)\n", r / m}'
fi

#!/usr/bin/env bash
# digests.sh - the six 72,000-frame runs a behaviour-preserving change must leave bit-identical, on each engine.
# Usage: tools/digests.sh [VDPU] [ENGINES]   (default build/vdpu, "model rtl"; run from the repository root)
# Every 16-bit index and wrap counter wraps in each run (docs/verification.md "Long runs"). Prints one line per
# run and engine: the digest and SAME / DIFF against the value recorded below - the digests of main since
# 2026-12-07 (the queue engine at 128 read tags and ten TX fetch buffers). A change meant to move the engine's
# timing changes them: record the new ones here with the commit that moves them. Exits 1 on any DIFF.
set -uo pipefail
VDPU=${1:-build/vdpu}
ENGINES=${2:-model rtl}
[ -x "$VDPU" ] || { echo "digests: $VDPU is not built (make build/vdpu)" >&2; exit 2; }
declare -A want=([281]=e4e8b6022569eea7 [283]=2326777d6e040d07 [285]=010c2bac8a3b18b5
                 [287]=fffd467cc7358cdd [291]=73ad6f0969c3904b [293]=3c87a0ef9b543ed0)
diff=0
run() {
    local seed=$1 what=$2; shift 2
    for e in $ENGINES; do
        local d
        d=$("$VDPU" run -q -e "$e" --packets 72000 --seed "$seed" "$@" 2>&1 | awk '/^digest/ {print $2}')
        if [ "$d" = "${want[$seed]}" ]; then r=SAME; else r=DIFF; diff=1; fi
        printf 'digests: s%s %-5s %-16s %s  %s\n' "$seed" "$e" "${d:-(no digest)}" "$r" "$what"
    done
}
WIDE="--prefetch 15 --used-batch 15 --tags 127 --tx-fetch 15"
run 281 "TX 64 B packed, 1,024 entries, rtt 1000, P = B = K = 15, M 127" \
    $WIDE --ring packed -w net-tx --pkt-size 64 --qsize 1024 --rtt 1000
run 283 "TX 256 B split (IN_ORDER), 1,024 entries, rtt 1000" \
    $WIDE --ring split -w net-tx --pkt-size 256 --qsize 1024 --rtt 1000
run 285 "loopback packed, random sizes, 1,000 entries, rtt 1000" \
    $WIDE --ring packed -w net-loopback --pkt-size random --qsize 1000 --rtt 1000
run 287 "TX packed, random sizes, 256 entries, rtt 400, P = B = K = 8, M 100" \
    --prefetch 8 --used-batch 8 --tags 100 --tx-fetch 8 --ring packed -w net-tx --pkt-size random --qsize 256 --rtt 400
run 291 "loopback split, random sizes, 1,024 entries, rtt 1000" \
    $WIDE --ring split -w net-loopback --pkt-size random --qsize 1024 --rtt 1000
run 293 "loopback packed, random sizes, 1,024 entries, rtt 1000" \
    $WIDE --ring packed -w net-loopback --pkt-size random --qsize 1024 --rtt 1000
exit $diff

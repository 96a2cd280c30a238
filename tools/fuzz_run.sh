#!/usr/bin/env bash
# fuzz_run.sh DIR SECONDS TARGET... - run each libFuzzer target DIR/fuzz_TARGET for SECONDS (single
# process): seeds from fuzz/corpus/TARGET and its grown corpus fuzz/corpus/TARGET.tar.xz if there is
# one (the cosim flavour reads dev's), new inputs kept in
# DIR/corpus/TARGET, a crashing input saved to fuzz/findings/TARGET/. Prints per target the
# executions, executions/s, corpus size and findings, then the totals; the last line is
# "fuzz: N passed, M failed" (a target fails when it found something).
# SECONDS = smoke: the CI smoke instead - a fixed number of executions per target from seed 1 and an
# empty working corpus, so that the same tree always runs the same inputs (a finding is the code's,
# never the clock's).
set -o pipefail
cd "$(dirname "$0")/.." || exit 1
dir=$1 secs=$2
shift 2
pass=0 fail=0 total_execs=0 total_secs=0 interrupted=
count_findings() { ls "$1" 2>/dev/null | grep -cE '^(crash|timeout|oom|leak)-'; }
for t in "$@"; do
    seeds=fuzz/corpus/${t%_cosim}
    # the grown corpus (fuzz/corpus/TARGET.tar.xz, what earlier runs kept, merged and minimized by
    # tools/fuzz_save.sh) joins the seeds; the smoke of the cosim flavour leaves it out (small budget)
    grown=
    if [ -f "$seeds.tar.xz" ] && { [ "$secs" != smoke ] || [ "$t" = "${t%_cosim}" ]; }; then
        grown=$dir/grown/$t
        rm -rf "$grown"
        mkdir -p "$grown"
        if ! tar -xJf "$seeds.tar.xz" -C "$grown"; then
            echo "fuzz: $t: cannot unpack $seeds.tar.xz"
            fail=$((fail + 1))
            continue
        fi
    fi
    work=$dir/corpus/$t
    found=fuzz/findings/$t
    mkdir -p "$work" "$found"
    log=$dir/$t.log
    case $t in elf) max=65536 ;; sweep) max=32768 ;; *) max=8192 ;; esac # the seeds fit whole
    if [ "$secs" = smoke ]; then
        case $t in dev) runs=10000 ;; dev_cosim) runs=2000 ;; sweep) runs=5000 ;; elf) runs=50000 ;; *) runs=100000 ;; esac
        work=$dir/smoke/$t
        rm -rf "$work"
        mkdir -p "$work"
        budget="-seed=1 -runs=$runs"
    else
        budget="-max_total_time=$secs"
    fi
    # -timeout: an input running longer is a hang; -report_slow_units up to it: a slow input on a loaded machine
    # is no artifact; -rss_limit_mb: a leak or a runaway allocation
    before=$(count_findings "$found")
    start=$(date +%s)
    "$dir/fuzz_$t" $budget -timeout=20 -report_slow_units=20 -rss_limit_mb=2048 -max_len=$max -print_final_stats=1 \
        -artifact_prefix="$found/" "$work" "$seeds" ${grown:+"$grown"} > "$log" 2>&1
    rc=$?
    took=$(($(date +%s) - start))
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    corpus=$(ls "$work" | wc -l)
    crashes=$(($(count_findings "$found") - before))
    nseeds=$(($(ls "$seeds" | wc -l) + $([ -n "$grown" ] && ls "$grown" | wc -l || echo 0)))
    printf 'fuzz: %-10s %10s executions in %s s, %6s exec/s, corpus %s (+%s seeds), findings %s%s\n' "$t" \
        "${execs:-0}" "$took" "${rate:-0}" "$corpus" "$nseeds" "$crashes" \
        "$([ $rc -ne 0 ] && echo " (exit $rc: see $log)")"
    total_execs=$((total_execs + ${execs:-0}))
    total_secs=$((total_secs + took))
    # libFuzzer exits 72 when interrupted (Ctrl-C, SIGTERM): the corpus is kept; without a new
    # finding that is no failure, and the targets after it are not started
    if [ $rc -eq 72 ] && [ "$crashes" -eq 0 ]; then interrupted=$t; break; fi
    if [ $rc -eq 0 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); grep -m3 -E 'FINDING|ERROR: |SUMMARY' "$log"; fi
done
echo "fuzz: total $total_execs executions in $total_secs s"
if [ -n "$interrupted" ]; then
    echo "fuzz: $pass passed, $fail failed, interrupted in $interrupted (no finding there; corpus kept)"
    exit 130
fi
echo "fuzz: $pass passed, $fail failed"
[ $fail -eq 0 ]

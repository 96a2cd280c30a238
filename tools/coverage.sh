#!/usr/bin/env bash
# coverage.sh - run the instrumented build over the suite and a cosim soak, merge RTL and C coverage, report.
# Usage: tools/coverage.sh COV_BUILD_DIR SEEDS   (from the repository root; `make coverage` calls it)
# RTL: every Verilated instance writes its line/toggle/user counts into $VDPU_COVERAGE_DIR when it is
# destroyed (sim/harness/rtl_shim.cpp); verilator_coverage merges them and writes lcov's format.
# C: gcov counts of the instrumented objects (model, harness, host driver, CLI, host-compiled firmware
# policy). One report: COV_BUILD_DIR/html/index.html, and a per-file table on stdout.
set -euo pipefail
D=${1:?coverage build dir}
SEEDS=${2:-20}
cd "$(dirname "$0")/.."
[ -x "$D/tests/vdpu_tests" ] && [ -x "$D/vdpu" ] || { echo "coverage: $D is not built (make coverage)" >&2; exit 2; }
rm -rf "$D/dat" "$D/html" "$D"/*.info "$D/rtl.dat"
mkdir -p "$D/dat"
find "$D/obj" -name '*.gcda' -delete
export VDPU_COVERAGE_DIR=$PWD/$D/dat

echo "coverage: the suite on the instrumented build (slower than make test)"
rc=0
"$D/tests/vdpu_tests" --jobs "${TEST_JOBS:-2}" --timeout 1800 >"$D/suite.log" 2>&1 || rc=$?
tail -1 "$D/suite.log"
[ $rc -eq 0 ] || { echo "coverage: the suite failed (see $D/suite.log); figures below are still written" >&2; }

echo "coverage: soak, seeds 1001..$((1000 + SEEDS)) of random, random-init and net-random (cosim)"
fail=0
for s in $(seq 1001 $((1000 + SEEDS))); do
    for w in random random-init net-random; do
        "$D/vdpu" run -q --engine cosim --workload "$w" --seed "$s" >/dev/null 2>&1 || { fail=$((fail + 1)); echo "FAIL: --workload $w --seed $s"; }
    done
done
echo "coverage: soak $((3 * SEEDS - fail)) passed, $fail failed"

# RTL: merge every instance's counts, then one lcov tracefile (lines; toggle points count as lines
# of the signal's declaration)
n=$(find "$D/dat" -name '*.dat' | wc -l)
[ "$n" -gt 0 ] || { echo "coverage: no RTL coverage was written" >&2; exit 1; }
find "$D/dat" -name '*.dat' -print0 | xargs -0 verilator_coverage --write "$D/rtl.dat" >/dev/null
verilator_coverage --write-info "$D/rtl.info" "$D/rtl.dat" >/dev/null
verilator_coverage --rank "$D/rtl.dat" >/dev/null 2>&1 || true
# C: gcov through lcov, without the tests themselves and system headers
lcov --quiet --capture --directory "$D/obj" --base-directory . --output-file "$D/c-all.info" 2>/dev/null
lcov --quiet --remove "$D/c-all.info" '/usr/*' '*/tests/*' --output-file "$D/c.info" 2>/dev/null
lcov --quiet --add-tracefile "$D/rtl.info" --add-tracefile "$D/c.info" --output-file "$D/all.info" 2>/dev/null
genhtml --quiet --output-directory "$D/html" --title "vdpu coverage" "$D/all.info" >/dev/null 2>&1

echo "coverage: per file (lines hit / lines, from lcov)"
lcov --list "$D/all.info" 2>/dev/null | sed -n '/^\[/,$p;/^Filename/,$p' | grep -E "\|" | sed 's/^/  /'
echo "coverage: RTL (verilator_coverage, every point kind: line, toggle, user)"
verilator_coverage "$D/rtl.dat" 2>&1 | grep -i "total" | sed 's/^/  /'
echo "coverage: summary"
lcov --summary "$D/rtl.info" 2>&1 | grep -E "lines" | sed 's/^ */  RTL  /'
lcov --summary "$D/c.info" 2>&1 | grep -E "lines|functions" | sed 's/^ */  C    /'
echo "coverage: report $D/html/index.html"
[ $rc -eq 0 ] && [ $fail -eq 0 ]

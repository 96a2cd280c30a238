#!/usr/bin/env bash
# coverage.sh - run the instrumented build over the suite and a cosim soak, merge RTL and C coverage, report.
# Usage: tools/coverage.sh COV_BUILD_DIR SEEDS   (from the repository root; `make coverage` calls it)
# RTL: every Verilated instance writes its line/toggle/user counts into $VDPU_COVERAGE_DIR when it is
# destroyed (sim/harness/rtl_shim.cpp); verilator_coverage merges them and writes lcov's format.
# C: gcov counts of the instrumented objects (model, harness, host driver, CLI, host-compiled firmware
# policy). One report: COV_BUILD_DIR/html/index.html, and a per-file table on stdout. Functional
# coverage of the soak's net-random runs (vdpu run --fcov): the table, and COV_BUILD_DIR/html/fcov.html.
set -euo pipefail
D=${1:?coverage build dir}
SEEDS=${2:-20}
cd "$(dirname "$0")/.."
[ -x "$D/tests/vdpu_tests" ] && [ -x "$D/vdpu" ] || { echo "coverage: $D is not built (make coverage)" >&2; exit 2; }
rm -rf "$D/dat" "$D/html" "$D"/*.info "$D/rtl.dat" "$D/fcov.json"
mkdir -p "$D/dat"
find "$D/obj" -name '*.gcda' -delete
export VDPU_COVERAGE_DIR=$PWD/$D/dat

echo "coverage: the suite on the instrumented build (slower than make test)"
rc=0
"$D/tests/vdpu_tests" --jobs "${TEST_JOBS:-2}" --timeout 1800 >"$D/suite.log" 2>&1 || rc=$?
tail -1 "$D/suite.log"
[ $rc -eq 0 ] || { echo "coverage: the suite failed (see $D/suite.log); figures below are still written" >&2; }

echo "coverage: soak, seeds 1001..$((1000 + SEEDS)) of random, random-init and net-random (cosim)"
# tools/soak.sh with the instrumented binary and the normal build's firmware; functional coverage of the
# traffic in $D/fcov.json, steered
soak_rc=0
tools/soak.sh "$D/vdpu" 1001 "$SEEDS" "$D/fcov.json" build/fw/vdpu-fw.elf >"$D/soak.log" 2>&1 || soak_rc=$?
grep -E '^FAIL|^soak: [0-9]+ passed' "$D/soak.log"

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

echo "coverage: per file (line rate and lines, function rate and functions; RTL: Verilator's line points)"
lcov --list "$D/all.info" 2>/dev/null | grep -E "\|" | grep -v "^ *|" | sed 's/^/  /'
echo "coverage: RTL points by kind (hit / points, all instances merged)"
awk '/^C / { n = $NF; if (match($0, /page\002v_[a-z]+/)) { t = substr($0, RSTART + 7, RLENGTH - 7); tot[t]++; if (n > 0) hit[t]++ } }
     END { for (t in tot) printf "  RTL  %-7s %6d / %6d  %5.1f%%\n", t, hit[t], tot[t], 100 * hit[t] / tot[t] }' "$D/rtl.dat" | sort
echo "coverage: summary"
lcov --summary "$D/rtl.info" 2>&1 | grep -E "lines" | sed 's/^ */  RTL  /'
lcov --summary "$D/c.info" 2>&1 | grep -E "lines|functions" | sed 's/^ */  C    /'
"$D/vdpu" fcov "$D/fcov.json" --unhit 4 --html "$D/html/fcov.html"
echo "coverage: report $D/html/index.html (functional coverage: $D/html/fcov.html)"
[ $rc -eq 0 ] && [ $soak_rc -eq 0 ]

#!/usr/bin/env bash
# fuzz_save.sh FUZZ_DIR TARGET [CORPUS_DIR...] - fold the inputs of fuzzing runs into the target's grown
# corpus in the repository (fuzz/corpus/TARGET.tar.xz): the corpus there and the given directories are
# merged by libFuzzer (-merge=1 keeps the smallest set with every feature any of them reaches) and
# packed again, sorted and with fixed owners and times so the same set gives the same file.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 2 ] || { echo "usage: tools/fuzz_save.sh FUZZ_DIR TARGET [CORPUS_DIR...]" >&2; exit 2; }
dir=$1 t=$2
shift 2
bin=$dir/fuzz_$t
[ -x "$bin" ] || { echo "fuzz_save: $bin is not built (make fuzz-build)" >&2; exit 2; }
for c in "$@"; do [ -d "$c" ] || { echo "fuzz_save: $c is not a directory" >&2; exit 2; }; done
out=fuzz/corpus/$t.tar.xz
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/old" "$tmp/new"
[ -f "$out" ] && tar -xJf "$out" -C "$tmp/old"
case $t in elf) max=65536 ;; sweep) max=32768 ;; *) max=8192 ;; esac # as tools/fuzz_run.sh
# copies, so that a fuzzer still running on a directory (replacing inputs by smaller ones) cannot take
# a file away under the merge
ins=()
for c in "$@"; do ins+=("$tmp/in${#ins[@]}") && cp -r "$c" "${ins[-1]}"; done
"$bin" -merge=1 -timeout=20 -rss_limit_mb=2048 -max_len=$max "$tmp/new" "$tmp/old" "${ins[@]}" >"$tmp/merge.log" 2>&1 ||
    { tail -5 "$tmp/merge.log" >&2; echo "fuzz_save: the merge failed" >&2; exit 1; }
tar -cJf "$tmp/c.tar.xz" -C "$tmp/new" --sort=name --owner=0 --group=0 --numeric-owner --mtime='2000-01-01 00:00Z' .
mv "$tmp/c.tar.xz" "$out"
echo "fuzz_save: $out: $(ls "$tmp/new" | wc -l) inputs (was $(ls "$tmp/old" | wc -l)), $(stat -c %s "$out") bytes"

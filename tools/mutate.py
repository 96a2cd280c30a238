#!/usr/bin/env python3
"""mutate.py - `make mutate`: plant single-point mutations in the RTL queue engine and CSR block, one
at a time, and see whether the random cosim runs (RTL checked against the unmutated C model) catch them.

Usage: tools/mutate.py [--mutants N] [--seed S] [--seeds K] [--files F,...] [--build DIR] [--list]

Each mutant: one operator applied at one site drawn from the seed (a comparison flipped, a logical
operator swapped, an increment off by one, a relational bound moved, a register's next-state
assignment dropped), the RTL verilated and linked into DIR/vdpu (the C objects of the normal build are
reused), then K seeds of each random cosim workload (register accesses, init sequences, traffic; the
first run that fails stops the mutant: caught). A mutant that does not verilate or compile is
"invalid" and does not count. Prints one line per mutant and the score; the list of survivors, with
their site, is what a reviewer turns into tests or explains (docs/verification.md).
"""
import argparse
import os
import random
import re
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# (name, pattern, replacement): applied to one match on one line
OPERATORS = [
    ("eq->ne", r"(?<![=!<>])==(?!=)", "!="),
    ("ne->eq", r"!=(?!=)", "=="),
    ("and->or", r"&&", "||"),
    ("or->and", r"\|\|", "&&"),
    ("lt->le", r"(?<![<\s])\s<\s(?!=)", " <= "),
    ("le->lt", r"(?<![<])<=(?=\s)", "<"),
    ("plus1->plus2", r"\+\s*(\d+'d)?1\b", "+ 2"),
    ("minus1->plus0", r"-\s*(\d+'d)?1\b", "- 0"),
    ("not-dropped", r"(?<![!=])!(?=[a-z_(])", ""),
]
# a register's next-state assignment, dropped: `name_d = expr;` -> `;` (keeps the previous value)
DROP = ("drop-assign", re.compile(r"^(\s*)([a-z_][a-z0-9_.\[\]]*_d(\.[a-z_]+)?)\s*=\s*[^;]+;\s*(//.*)?$"))


def sites(path):
    """Every (line number, operator, match start) a mutation can go, skipping comments and declarations."""
    out = []
    with open(path) as f:
        lines = f.read().split("\n")
    for i, line in enumerate(lines):
        code = line.split("//", 1)[0]
        s = code.strip()
        if not s or s.startswith(("`", "import", "localparam", "parameter", "typedef", "input", "output",
                                   "logic", "module", "endmodule", "cover", "assert")):
            continue
        nba = re.match(r"^\s*[\w.\[\]]+\s*<=", code)  # `x_q <= x_d;` is an assignment, not a comparison
        for name, pat, _ in OPERATORS:
            for m in re.finditer(pat, code):
                if not (nba and name == "le->lt" and m.start() == code.index("<=")):
                    out.append((i, name, m.start()))
        d = DROP[1].match(code)
        # not the default `x_d = x_q;` (dropping it changes nothing: an equivalent mutant)
        if d and not nba and not re.match(r"^\s*(\w+)_d(\.\w+|)\s*=\s*\1_q\2\s*;", code):
            out.append((i, DROP[0], 0))
    return lines, out


def apply(lines, site):
    i, name, pos = site
    line = lines[i]
    if name == DROP[0]:
        m = DROP[1].match(line)
        new = m.group(1) + "; // mutant: " + m.group(2) + " assignment dropped"
    else:
        pat, rep = next((p, r) for n, p, r in OPERATORS if n == name)
        m = re.compile(pat).match(line, pos)
        if not m:
            return None
        new = line[: m.start()] + rep + line[m.end():]
    out = list(lines)
    out[i] = new
    return out


def run(cmd, timeout=None, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout, **kw)


def main():
    ap = argparse.ArgumentParser(description="mutation score of the random cosim against the RTL")
    ap.add_argument("--mutants", type=int, default=20, help="mutants to try (default 20)")
    ap.add_argument("--seed", type=int, default=1, help="seed of the site draw (default 1)")
    ap.add_argument("--seeds", type=int, default=20, help="cosim seeds per workload and mutant (default 20)")
    ap.add_argument("--files", default="rtl/vdpu_qeng.sv,rtl/vdpu_fw_csr.sv", help="RTL files to mutate")
    ap.add_argument("--build", default="build/mut", help="mutant build directory (default build/mut)")
    ap.add_argument("--list", action="store_true", help="print the drawn mutants and stop")
    a = ap.parse_args()
    if a.mutants < 1 or a.seeds < 1:
        ap.error("--mutants and --seeds must be at least 1")
    os.chdir(ROOT)
    files = a.files.split(",")
    for f in files:
        if not os.path.isfile(f):
            ap.error(f"no such RTL file: {f}")
    all_sites = []
    texts = {}
    for f in files:
        texts[f], s = sites(f)
        all_sites += [(f, x) for x in s]
    rng = random.Random(a.seed)
    picks = rng.sample(all_sites, min(a.mutants, len(all_sites)))
    print(f"mutate: {len(picks)} mutants of {len(all_sites)} sites in {', '.join(files)}, seed {a.seed}, "
          f"{a.seeds} cosim seeds per workload")
    if a.list:
        for f, (i, name, _) in picks:
            print(f"  {f}:{i + 1} {name}: {texts[f][i].strip()}")
        return 0
    if not os.path.isfile("build/vdpu"):
        print("mutate: build the simulator first (make all)", file=sys.stderr)
        return 2
    # the mutant tree: the repository's sources with one RTL file changed, the normal build's objects
    work = os.path.abspath(a.build)
    src = os.path.join(work, "src")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    run(["git", "worktree", "prune"])
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns("build", ".git", "waves", "fuzz"))
    caught = survived = invalid = 0
    survivors = []
    t0 = time.time()
    for n, (f, site) in enumerate(picks, 1):
        i, name, _ = site
        mutated = apply(texts[f], site)
        where = f"{f}:{i + 1} {name}"
        if mutated is None:
            invalid += 1
            print(f"  {n:3} {where}: invalid (operator did not apply)")
            continue
        for g in files:
            with open(os.path.join(src, g), "w") as out:
                out.write("\n".join(mutated if g == f else texts[g]))
        # BUILD=<abs>/b inside the copy: a fresh Verilator model, C objects compiled once and reused
        b = run(["make", "-C", src, "-s", f"BUILD={work}/b", f"{work}/b/vdpu", "VLT_OPT=OPT_FAST=-O1 OPT_GLOBAL=-O1 OPT_SLOW=-O0"],
                timeout=1800)
        if b.returncode != 0:
            invalid += 1
            print(f"  {n:3} {where}: invalid (does not build)")
            continue
        verdict = None
        for s in range(1001, 1001 + a.seeds):
            for w in ("net-random", "random", "random-init"):
                fw = ["--fw", os.path.join(ROOT, "build/fw/vdpu-fw.elf")] if w != "random" else []
                try:
                    r = run([f"{work}/b/vdpu", "run", "-q", "--engine", "cosim", "--workload", w, "--seed", str(s)] + fw,
                            timeout=300)
                    failed = r.returncode != 0
                    how = "mismatch" if "MISMATCH" in r.stdout else "check failed"
                except subprocess.TimeoutExpired:
                    failed, how = True, "hang (300 s)"
                if failed:
                    verdict = f"caught by {w} seed {s} ({how})"
                    break
            if verdict:
                break
        if verdict:
            caught += 1
        else:
            survived += 1
            survivors.append(f"{where}: {texts[f][i].strip()}")
            verdict = "SURVIVED"
        print(f"  {n:3} {where}: {verdict}", flush=True)
    valid = caught + survived
    print(f"mutate: {caught} of {valid} valid mutants caught ({100.0 * caught / valid if valid else 0:.0f}%), "
          f"{invalid} invalid, {time.time() - t0:.0f} s")
    for s in survivors:
        print(f"  survivor: {s}")
    return 0 if valid else 1


if __name__ == "__main__":
    sys.exit(main())

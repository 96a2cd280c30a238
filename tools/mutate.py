#!/usr/bin/env python3
"""mutate.py - `make mutate`: plant single-point mutations in the RTL queue engine and CSR block, one
at a time, and see whether the random cosim runs (RTL checked against the unmutated C model) or the
directed suites catch them.

Usage: tools/mutate.py [--mutants N] [--seed S] [--seeds K] [--files F,...] [--suites S,...]
                       [--suite-timeout T] [--no-directed] [--build DIR] [--list] [--only N,...]

Each mutant: one operator applied at one site drawn from the seed (a comparison flipped, a logical
operator swapped, an increment off by one, a relational bound moved, a register's next-state
assignment dropped), the RTL verilated and linked into DIR/b/vdpu and DIR/b/tests/vdpu_tests (the C
objects of the normal build are copied and reused, so only the Verilated model and the shim are
compiled), then K seeds of each random cosim workload (traffic, register accesses, init sequences;
the first run that fails stops the mutant: caught by random). A mutant the random runs miss is run
through the directed Criterion suites named by --suites (the ones that drive the RTL or cosim engine),
one suite at a time, each under --suite-timeout seconds; the first suite with a failing test catches
it (caught by directed). A mutant that does not verilate or compile is "invalid" and does not count.
Prints one line per mutant and the score; the list of survivors, with their site, is what a reviewer
turns into tests or explains (docs/verification.md).

Equivalent mutants: tools/mutate_equivalents.txt lists the sites a reviewer showed equivalent (no
input can tell the mutant from the design), each with its reason. A drawn mutant on a listed site still
runs: surviving, it is reported "equivalent" and the score is given twice - by the raw count and with
the equivalents set aside (the usual mutation score); caught, the entry is wrong and the tool says so.
An entry names its site by file, operator, the line's text (whitespace collapsed), which of the lines
with that text it is (1 = the first in the file) and which of the operator's matches on the line
(0 = the first); its first indented line, `after: D | TEXT`, is the D-th code line above the site (blank
and comment lines skipped; --list picks the nearest one no namesake of the line has at that distance),
so an entry whose nth line is now another line of the same text is caught.
An entry whose line is gone, or whose line no longer follows its `after:` line, is reported stale, so
the list follows the RTL.

The mutant tree links the unmutated traced model (build/verilated-trace, used only by --wave runs):
the mutant is in the untraced model every run and test loads, and a mutant build verilates once.
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
# a register's next-state assignment, dropped: `name_d = expr;`, `eng_d.field[i].sub = expr;` -> `;` (keeps
# the previous value)
# a next-state assignment dropped: the engine's eng_d.*, a block's q/d struct d.* (vdpu_qeng_rx_ahead,
# vdpu_qeng_tx_ahead: sites of their own since 2026-12-08)
DROP = ("drop-assign", re.compile(r"^(\s*)((?:[a-z_][a-z0-9_]*_)?d(?:\.[a-z_0-9]+|\[[^\]=]+\])*)\s*=\s*[^;]+;\s*(//.*)?$"))


def checks_only(lines):
    """Lines that continue a `cover property` or `assert` statement begun on an earlier line: no behaviour
    (a mutation there changes a coverage point, not the device). They stay in the site list, so a seed
    draws the same mutants as before they were recognised, and a draw on one is reported invalid."""
    out, inside = set(), False
    for i, line in enumerate(lines):
        s = line.split("//", 1)[0].strip()
        if inside:
            out.add(i)
        elif s.startswith(("cover", "assert")):
            inside = True
        if inside and s.endswith(";"):
            inside = False
    return out


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
        if d and not nba and not re.match(r"^\s*(\w+)_d([\w.\[\]]*)\s*=\s*\1_q\2\s*;", code):
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


EQUIV_FILE = "tools/mutate_equivalents.txt"


def norm(text):
    return " ".join(text.split("//", 1)[0].split())


def code_above(lines, i, d):
    """The d-th line above line i with code on it (comments and blank lines skipped), normalized."""
    for k in range(i - 1, -1, -1):
        if norm(lines[k]):
            d -= 1
            if d == 0:
                return norm(lines[k])
    return ""


def anchor(lines, i):
    """(d, text): the nearest code line above line i that no other line of the same text has at the same
    distance above it - what tells this site from its namesakes (d = 1 when none within 20 does)."""
    others = [k for k, x in enumerate(lines) if k != i and norm(x) == norm(lines[i])]
    for d in range(1, 21):
        t = code_above(lines, i, d)
        if all(code_above(lines, k, d) != t for k in others):
            return d, t
    return 1, code_above(lines, i, 1)


def site_key(path, lines, site):
    """(file, operator, text, nth line with that text, nth match of the operator on the line)"""
    i, name, pos = site
    text = norm(lines[i])
    nth = 1 + sum(1 for k in range(i) if norm(lines[k]) == text)
    match = 0
    if name != DROP[0]:
        pat = next(p for n, p, _ in OPERATORS if n == name)
        match = sum(1 for m in re.finditer(pat, lines[i].split("//", 1)[0]) if m.start() < pos)
    return (path, name, text, nth, match)


def load_equivalents(texts):
    """{key: reason} from EQUIV_FILE; entries whose line is not in the current RTL, or no longer has its
    anchor above it, are printed stale and left out (a mutant on the line their number names now is not
    the one they argue for). Format: a header line `file | operator | nth line | nth match | line text`,
    then `after: D | TEXT` (the D-th code line above the site) and the reason on indented lines; `#`
    comments."""
    out, stale = {}, []
    if not os.path.isfile(EQUIV_FILE):
        return out
    key, why, at, where = None, [], None, 0

    def flush():
        if not key:
            return
        m = re.match(r"after:\s*(\d+)\s*\|(.*)$", why[0]) if why else None
        if not m:
            sys.exit(f"mutate: {EQUIV_FILE}:{where}: the reason's first line must be `after: D | TEXT` "
                     "(the D-th code line above the site; --list prints it)")
        d, after = int(m.group(1)), norm(m.group(2))
        if at is not None and code_above(texts[key[0]], at, d) != after:
            stale.append(f"{EQUIV_FILE}:{where}: {key[0]}:{at + 1} `{key[2]}` has `{code_above(texts[key[0]], at, d)}` "
                         f"{d} code line(s) above it, not `{after}` (the site moved: renumber the entry)")
            return
        if texts.get(key[0]) is not None and at is None:
            return  # its line is gone (reported above)
        out[key] = " ".join(why[1:])
    with open(EQUIV_FILE) as f:
        for n, line in enumerate(f, 1):
            if line.startswith("#") or not line.strip():
                continue
            if line[0].isspace():
                why.append(line.strip())
                continue
            flush()
            parts = [x.strip() for x in line.split("|", 4)]
            if len(parts) != 5 or not parts[2].isdigit() or not parts[3].isdigit() or int(parts[2]) < 1:
                sys.exit(f"mutate: {EQUIV_FILE}:{n}: expected `file | operator | nth line (1..) | nth match | text`")
            key, why, at, where = (parts[0], parts[1], norm(parts[4]), int(parts[2]), int(parts[3])), [], None, n
            lines = texts.get(parts[0])
            if lines is not None:
                same = [k for k, x in enumerate(lines) if norm(x) == key[2]]
                if len(same) < key[3]:
                    stale.append(f"{EQUIV_FILE}:{n}: {parts[0]} has no line {key[3]} reading `{key[2]}`")
                else:
                    at = same[key[3] - 1]
    flush()
    for x in stale:
        print(f"mutate: stale equivalent entry: {x}")
    return out


def run(cmd, timeout=None, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout, **kw)


# the directed suites run against a mutant the random runs miss: Criterion suites of tests/ that drive
# the rtl or cosim engine (queue engine, merge path, CSR block), most specific first; about 95 s in all
# on one core (net_random and idle_skip, 25 s each, are left out: the first repeats the random traffic,
# the second tests the harness's time skipping). suspend is last and slowest (21 s): its random traffic
# with suspends is the only run that quiesces a TX service holding an IN_ORDER used batch.
DIRECTED = ("mrg_rxbuf,in_order,net,mq,max_reads,tx_fetch,notif_data,qeng_spec,qeng_params,indirect_event_idx_random,net_bounds,"
            "vqstate,cosim,cosim_random,coalesce,ctrlq,events,fw_policy,indirect_event_idx,pcie_fault,net_violation,"
            "suspend,rx_batch,split_in_order,long_runs,irq_decision,rx_bufs,rx_decision,rx_ahead,fairness,tx_next_fetch")

# what the mutant build reuses from the normal one: every C object (compiled from the same sources),
# the generated register map, the traced model and its runtime
REUSED = ("obj", "gen", "regmap_gen", "verilated-trace")


def prepare_build(b):
    """DIR/b with the normal build's C objects, newer than every source of the copy (make keeps them)."""
    os.makedirs(b, exist_ok=True)
    for r in REUSED:
        s = os.path.join(ROOT, "build", r)
        d = os.path.join(b, r)
        if os.path.isdir(s):
            shutil.copytree(s, d, symlinks=True, ignore=shutil.ignore_patterns("*.gcda", "*.gcno"))
        elif os.path.isfile(s):
            shutil.copy2(s, d)
    now = time.time()
    for dp, _, fs in os.walk(b):
        for f in fs:
            os.utime(os.path.join(dp, f), (now, now))


def directed(work, suites, timeout):
    """The first directed suite that fails on the mutant (a test failed or the suite hung), or None."""
    for s in suites:
        try:
            r = run([f"{work}/b/tests/vdpu_tests", "--jobs", "1", "--fail-fast", "--ascii", "--timeout", str(timeout),
                     "--filter", f"{s}/*"], timeout=timeout + 30)
        except subprocess.TimeoutExpired:
            return f"{s} (hang, {timeout} s)"
        if r.returncode != 0:
            fails = re.findall(r"\[FAIL\] (\S+?):? ", r.stdout) + re.findall(r"(\S+::\S+?):? (?:CRASH|Timed out)", r.stdout)
            return fails[0].replace("::", "/") if fails else f"{s} (exit {r.returncode})"
    return None


def main():
    ap = argparse.ArgumentParser(description="mutation score of the random cosim against the RTL")
    ap.add_argument("--mutants", type=int, default=20, help="mutants to try (default 20)")
    ap.add_argument("--seed", type=int, default=1, help="seed of the site draw (default 1)")
    ap.add_argument("--seeds", type=int, default=20, help="cosim seeds per workload and mutant (default 20)")
    ap.add_argument("--files", default="rtl/vdpu_qeng.sv,rtl/vdpu_qeng_ring.sv,rtl/vdpu_qeng_tx.sv,rtl/vdpu_qeng_rx.sv,rtl/vdpu_qeng_irq.sv,"
                    "rtl/vdpu_qeng_rx_ahead.sv,rtl/vdpu_qeng_tx_ahead.sv,rtl/vdpu_qeng_ahead_bufs.sv,rtl/vdpu_cto.sv,"
                    "rtl/vdpu_qeng_sched.sv,rtl/vdpu_qctx.sv,rtl/vdpu_fw_csr.sv",
                    help="RTL files to mutate (default: the queue engine and its submodules, the queue "
                    "context, the CSR block)")
    ap.add_argument("--suites", default=DIRECTED, help="directed Criterion suites run on a random survivor")
    ap.add_argument("--suite-timeout", type=int, default=300, help="seconds per directed suite (default 300)")
    ap.add_argument("--no-directed", action="store_true", help="random cosim runs only")
    ap.add_argument("--build", default="build/mut", help="mutant build directory (default build/mut)")
    ap.add_argument("--list", action="store_true", help="print the drawn mutants and stop")
    ap.add_argument("--only", default="", help="run only these of the drawn mutants (numbers as listed, e.g. 3,17)")
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
    checks = {}
    for f in files:
        texts[f], s = sites(f)
        checks[f] = checks_only(texts[f])
        all_sites += [(f, x) for x in s]
    equivalents = load_equivalents(texts)
    rng = random.Random(a.seed)
    picks = rng.sample(all_sites, min(a.mutants, len(all_sites)))
    print(f"mutate: {len(picks)} mutants of {len(all_sites)} sites in {', '.join(files)}, seed {a.seed}, "
          f"{a.seeds} cosim seeds per workload")
    if a.list:
        for n, (f, site) in enumerate(picks, 1):
            i, name, _ = site
            mutated = apply(texts[f], site)
            k = site_key(f, texts[f], site)
            print(f"  {n:3} {f}:{i + 1} {name}: {texts[f][i].strip()}")
            print(f"      -> {mutated[i].strip() if mutated else '(does not apply)'}")
            print(f"      key: {k[0]} | {k[1]} | {k[3]} | {k[4]} | {k[2]}"
                  + (f"  (listed equivalent)" if k in equivalents else ""))
            print("           after: %d | %s" % anchor(texts[f], i))
        return 0
    need = ["build/vdpu", "build/fw/vdpu-fw.elf"] + ([] if a.no_directed else ["build/tests/vdpu_tests"])
    for n in need:
        if not os.path.isfile(n):
            print(f"mutate: {n} missing: build it first (make all {'' if a.no_directed else 'build/tests/vdpu_tests'})",
                  file=sys.stderr)
            return 2
    suites = [] if a.no_directed else [x for x in a.suites.split(",") if x]
    # the mutant tree: the repository's sources with one RTL file changed, the normal build's objects
    work = os.path.abspath(a.build)
    src = os.path.join(work, "src")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    run(["git", "worktree", "prune"])
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns("build", ".git", "waves", "fuzz/corpus",
                                                               "fuzz/findings"))
    prepare_build(f"{work}/b")
    # the traced model is the normal build's (-o: never remade); everything else follows the mutant
    keep = [f"{work}/b/verilated-trace/{x}" for x in ("Vvdpu_top_tr.mk", "Vvdpu_top_tr__ALL.a", "verilated.o",
                                                     "verilated_fst_c.o", "verilated_threads.o")]
    keep.append(f"{work}/b/obj/sim/harness/rtl_shim_trace.o")
    make = (["make", "-C", src, "-s", "-j1", f"BUILD={work}/b"] + [f"-o{k}" for k in keep]
            + ["VLT_OPT=OPT_FAST=-O1 OPT_GLOBAL=-O1 OPT_SLOW=-O0"])
    caught = survived = invalid = equivalent = 0
    wrong_equiv = []
    by_random = by_directed = 0
    survivors = []
    t0 = time.time()
    only = {int(x) for x in a.only.split(",") if x}
    for n, (f, site) in enumerate(picks, 1):
        if only and n not in only:
            continue
        i, name, _ = site
        mutated = apply(texts[f], site)
        where = f"{f}:{i + 1} {name}"
        if mutated is None:
            invalid += 1
            print(f"  {n:3} {where}: invalid (operator did not apply)")
            continue
        if i in checks[f]:
            invalid += 1
            print(f"  {n:3} {where}: invalid (inside a cover property or assertion: no behaviour)")
            continue
        for g in files:
            with open(os.path.join(src, g), "w") as out:
                out.write("\n".join(mutated if g == f else texts[g]))
        # BUILD=<abs>/b inside the copy: a fresh Verilator model, C objects compiled once and reused
        tm = time.time()
        b = run(make + [f"{work}/b/vdpu"], timeout=1800)
        if b.returncode != 0:
            invalid += 1
            err = [x for x in b.stdout.splitlines() if "rror" in x][:1]
            print(f"  {n:3} {where}: invalid (does not build{': ' + err[0].strip()[:120] if err else ''})")
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
            by_random += 1
        elif suites:
            # the test binary links the same mutant model (only its link step is left to do)
            t = run(make + [f"{work}/b/tests/vdpu_tests"], timeout=1800)
            d = directed(work, suites, a.suite_timeout) if t.returncode == 0 else "(test binary does not link)"
            if d:
                verdict = f"caught by directed {d}"
                by_directed += 1
        why_equiv = equivalents.get(site_key(f, texts[f], site))
        if verdict:
            caught += 1
            if why_equiv:
                wrong_equiv.append(f"{where}: {texts[f][i].strip()}")
                verdict += " - LISTED AS EQUIVALENT: the entry is wrong"
        else:
            survived += 1
            if why_equiv:
                equivalent += 1
                verdict = f"SURVIVED, equivalent ({why_equiv[:100]}{'...' if len(why_equiv) > 100 else ''})"
            else:
                survivors.append(f"{where}: {texts[f][i].strip()}")
                verdict = "SURVIVED"
        print(f"  {n:3} {where}: {verdict} [{time.time() - tm:.0f} s]", flush=True)
    valid = caught + survived
    print(f"mutate: {caught} of {valid} valid mutants caught ({100.0 * caught / valid if valid else 0:.0f}%): "
          f"{by_random} by the random cosim, {by_directed} by a directed suite; {invalid} invalid, "
          f"{time.time() - t0:.0f} s")
    scored = valid - equivalent
    print(f"mutate: {equivalent} survivors on listed equivalent sites ({EQUIV_FILE}); set aside: {caught} of "
          f"{scored} caught ({100.0 * caught / scored if scored else 0:.0f}%)")
    for s in survivors:
        print(f"  survivor: {s}")
    for s in wrong_equiv:
        print(f"  caught but listed as equivalent (fix the list): {s}")
    return 0 if valid else 1


if __name__ == "__main__":
    sys.exit(main())

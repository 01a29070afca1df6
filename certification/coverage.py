#!/usr/bin/python3
"""Runtime coverage figures (certification/coverage.sh).

coverage.py GCOVR_JSON EXCEPTIONS OUT_MD OUT_TSV RUNS
    From gcovr's JSON report (runtime/ only): per file the statements
    (lines with code) and branches covered; OUT_TSV holds them
    (file, statements covered, statements, branches covered, branches),
    OUT_MD the table and every gap (a statement never executed, a line with
    a branch never taken) with the justification EXCEPTIONS gives for it,
    if any. A justification names "runtime/FILE:LINE", the kind
    ("statement" or "branch") and the source text of that line; it only
    counts while the line still holds that text.

coverage.py --compare BASE_TSV NOW_TSV
    Exit 1, naming each, when a file's statement or branch coverage in NOW
    is below BASE (as fractions, compared exactly), or a file is in one
    and not the other; else print the totals and exit 0.
"""
import json
import sys


def pct(c, t):
    return "%.1f %%" % (100.0 * c / t) if t else "n/a"


def read_tsv(path):
    rows = {}
    with open(path) as f:
        for i, line in enumerate(f):
            p = line.rstrip("\n").split("\t")
            if i == 0 or not line.strip():
                continue
            rows[p[0]] = tuple(int(x) for x in p[1:5])
    return rows


def compare(base_path, now_path):
    base, now = read_tsv(base_path), read_tsv(now_path)
    bad = []
    for f in sorted(set(base) | set(now)):
        if f not in now:
            bad.append("%s: in the committed figures, not measured (run make coverage)" % f)
            continue
        if f not in base:
            bad.append("%s: measured, not in the committed figures (run make coverage)" % f)
            continue
        bs, bst, bb, bbt = base[f]
        ns, nst, nb, nbt = now[f]
        # now/now_total < base/base_total, exactly
        if ns * bst < bs * nst:
            bad.append("%s: statements %d/%d (%s), committed %d/%d (%s)" % (f, ns, nst, pct(ns, nst), bs, bst, pct(bs, bst)))
        if nb * bbt < bb * nbt:
            bad.append("%s: branches %d/%d (%s), committed %d/%d (%s)" % (f, nb, nbt, pct(nb, nbt), bb, bbt, pct(bb, bbt)))
    if bad:
        print("coverage below the committed figures (certification/coverage.tsv):")
        for b in bad:
            print("  " + b)
        return 1
    t = [sum(r[i] for r in now.values()) for i in range(4)]
    print("coverage: %d files, statements %d/%d (%s), branches %d/%d (%s), none below the committed figures"
          % (len(now), t[0], t[1], pct(t[0], t[1]), t[2], t[3], pct(t[2], t[3])))
    return 0


def read_exceptions(path):
    """{(file, line, kind): (source, reason)} from the table rows
    | `runtime/F:L` | kind | `source` | reason |"""
    ex = {}
    try:
        f = open(path)
    except OSError:
        return ex
    with f:
        for line in f:
            if not line.startswith("| `runtime/"):
                continue
            cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
            if len(cells) < 4:
                continue
            place = cells[0].strip("`")
            fn, _, ln = place.rpartition(":")
            src = cells[2].strip("`").replace("\\|", "|")
            ex[(fn, int(ln), cells[1])] = (src, cells[3])
    return ex


def measure(js, exc_path, out_md, out_tsv, runs):
    data = json.load(open(js))
    ex = read_exceptions(exc_path)
    files = []
    gaps = []
    for fd in sorted(data["files"], key=lambda d: d["file"]):
        fn = fd["file"]
        if not fn.startswith("runtime/"):
            continue
        try:
            src = open(fn).read().split("\n")
        except OSError:
            src = []
        s = st = b = bt = 0
        for ln in fd["lines"]:
            if ln.get("gcovr/noncode") or ln.get("gcovr/excluded"):
                continue
            n = ln["line_number"]
            text = src[n - 1].strip() if 0 < n <= len(src) else ""
            st += 1
            if ln["count"] > 0:
                s += 1
            else:
                gaps.append((fn, n, "statement", "never executed", text))
            br = ln.get("branches", [])
            taken = sum(1 for x in br if x["count"] > 0)
            bt += len(br)
            b += taken
            if br and taken < len(br) and ln["count"] > 0:
                gaps.append((fn, n, "branch", "%d of %d branches taken" % (taken, len(br)), text))
        files.append((fn, s, st, b, bt))
    with open(out_tsv, "w") as f:
        f.write("file\tstatements_covered\tstatements\tbranches_covered\tbranches\n")
        for r in files:
            f.write("%s\t%d\t%d\t%d\t%d\n" % r)
    t = [sum(r[i] for r in files) for i in range(1, 5)]
    unjust = [g for g in gaps if ex.get((g[0], g[1], g[2]), ("\0",))[0] != g[4]]
    stale = sorted(k for k in ex if not any((g[0], g[1], g[2]) == k and ex[k][0] == g[4] for g in gaps))
    w = []
    w.append("# Structural coverage of runtime/")
    w.append("")
    w.append("Written by `make coverage` (`certification/coverage.sh`, `coverage.py`);")
    w.append("do not edit. Statements are gcov's lines with code, branches gcc's")
    w.append("branch edges (gcovr, gcc `-O1 --coverage`, the runtime built for the host).")
    w.append("Exercised by the unit tests (`bin/unit_tests-cov`) and %s runs of the" % runs)
    w.append("host evaluator (`bin/stoic-cov eval`: every e2e case in float32, int8")
    w.append("and int16, the examples quantized, pruned to sparse kernels and")
    w.append("low-rank), which calls the runtime's kernels with the parameters the")
    w.append("generated code passes. `make check` (part `coverage`) fails when a")
    w.append("file falls below these figures (`coverage.tsv`). Code compiled only")
    w.append("for the target (`__ARM_FEATURE_DSP` in `stoic_dsp.h` and the pooling")
    w.append("variants) is not in these figures: see `coverage-exceptions.md`.")
    w.append("")
    w.append("| file | statements | % | branches | % |")
    w.append("| --- | --- | --- | --- | --- |")
    for fn, s, st, b, bt in files:
        w.append("| `%s` | %d / %d | %s | %d / %d | %s |" % (fn, s, st, pct(s, st), b, bt, pct(b, bt)))
    w.append("| **Total** (%d files) | %d / %d | %s | %d / %d | %s |" % (len(files), t[0], t[1], pct(t[0], t[1]), t[2], t[3], pct(t[2], t[3])))
    w.append("")
    w.append("## Gaps")
    w.append("")
    w.append("Every statement never executed and every line with a branch never")
    w.append("taken, with its justification in `coverage-exceptions.md` (matched by")
    w.append("place, kind and the line's source text).")
    w.append("")
    if gaps:
        w.append("| place | kind | what | source | justified |")
        w.append("| --- | --- | --- | --- | --- |")
        for g in gaps:
            j = ex.get((g[0], g[1], g[2]))
            w.append("| `%s:%d` | %s | %s | `%s` | %s |" % (g[0], g[1], g[2], g[3], g[4].replace("|", "\\|"),
                     "yes" if j and j[0] == g[4] else "**no**"))
    else:
        w.append("None: 100 % of the statements and branches are covered.")
    w.append("")
    w.append("Gaps not justified: %d of %d." % (len(unjust), len(gaps)))
    if stale:
        w.append("")
        w.append("Justifications that match no gap (the code moved or is now covered;")
        w.append("update `coverage-exceptions.md`): " + ", ".join("`%s:%d` (%s)" % k for k in stale) + ".")
    w.append("")
    with open(out_md, "w") as f:
        f.write("\n".join(w))
    print("coverage: statements %d/%d (%s), branches %d/%d (%s); %d gaps, %d not justified"
          % (t[0], t[1], pct(t[0], t[1]), t[2], t[3], pct(t[2], t[3]), len(gaps), len(unjust)))
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--compare":
        sys.exit(compare(sys.argv[2], sys.argv[3]))
    if len(sys.argv) == 6:
        sys.exit(measure(*sys.argv[1:6]))
    sys.stderr.write(__doc__)
    sys.exit(2)

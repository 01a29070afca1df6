#!/bin/sh
# certification/trace.sh -- the requirement <-> test traceability matrix
# (make trace; make check part qual runs --check).
#
#   sh certification/trace.sh           write certification/traceability.md
#   sh certification/trace.sh --check   fail unless the committed matrix equals
#                                       the one generated now
#   sh certification/trace.sh --tsv     print the links for make qualify:
#                                       "R<TAB>ID<TAB>TITLE" per requirement,
#                                       "L<TAB>ID<TAB>FILE<TAB>PART" per link
#
# Requirements: the headings "### REQ-PFX-NNN — title" of
# certification/requirements.md. Links: a comment in a test file whose
# text starts with "REQ:" followed by ids (`# REQ: REQ-ERR-001 REQ-ERR-004`,
# `/* REQ: REQ-ARITH-003 */`). Test files are the text files (.sh .c .h
# .cases .awk .S .py) under tests/, target/, bench/ and
# certification/tests/ (not fixtures/, corpora or regression inputs), and
# certification/coverage.sh (the coverage part); each
# must belong to a make check part (part_of below), so every link names
# a test make check runs.
#
# Errors (exit 1, nothing written), as FILE:LINE: error: ...:
#   a requirement no test names; an annotation naming an id that is not a
#   requirement, or a token after "REQ:" that is not an id; a requirement
#   defined twice; an annotated file outside every make check part.
#
# Environment: TRACE_ROOT (the tree to read, default .; the self-test
# points it at fixtures), TRACE_OUT (default
# $TRACE_ROOT/certification/traceability.md).
set -u
LC_ALL=C
export LC_ALL
ROOT=${TRACE_ROOT:-.}
REQS=$ROOT/certification/requirements.md
[ "$ROOT" = . ] && REQS=certification/requirements.md
OUT=${TRACE_OUT:-${REQS%/requirements.md}/traceability.md}
mode=${1:-write}

[ -f "$REQS" ] || { echo "$REQS: error: no such file" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/stoic-trace.XXXXXX") || exit 3
trap 'rm -rf "$tmp"' EXIT INT TERM

# The test files, relative to ROOT, sorted.
(cd "$ROOT" && for d in tests target bench certification/tests; do
    [ -d "$d" ] || continue
    find "$d" \( -name fixtures -o -name corpus -o -name regress -o -name crashes \) -prune -o \
        -type f \( -name '*.sh' -o -name '*.c' -o -name '*.h' -o -name '*.cases' -o -name '*.awk' \
                   -o -name '*.S' -o -name '*.py' \) -print
done
[ -f certification/coverage.sh ] && echo certification/coverage.sh) | sort >"$tmp/files"

# FILE:LINE:TEXT of every annotation.
: >"$tmp/ann"
while IFS= read -r f; do
    grep -nE '(#|/\*|//)[[:space:]]*REQ:' "$ROOT/$f" 2>/dev/null | sed "s|^|$f:|" >>"$tmp/ann"
done <"$tmp/files"

awk -v reqs="$REQS" -v mode="$mode" -v tsv="$tmp/tsv" '
# The make check part that runs a test file ("" when none does).
function part_of(f) {
    if (f ~ /^tests\/unit\//) return "unit"
    if (f == "tests/e2e/run.sh") return "e2e"
    if (f == "tests/e2e/quant.sh") return "e2e-quant"
    if (f ~ /^tests\/malformed\//) return "malformed"
    if (f ~ /^tests\/example\//) return "example"
    if (f == "tests/onnx/corrupt.sh") return "corrupt"
    if (f == "tests/onnx/bad.sh") return "onnx-bad"
    if (f == "tests/onnx/patterns.sh") return "onnx-patterns"
    if (f == "tests/onnx/conformance.sh") return "conformance"
    if (f ~ /^tests\/quant\//) return "quant"
    if (f ~ /^tests\/soc\//) return "soc"
    if (f ~ /^tests\/compress\//) return "compress"
    if (f ~ /^tests\/bad\//) return "bad"
    if (f ~ /^tests\/atomic\//) return "atomic"
    if (f ~ /^tests\/fuzz\//) return "fuzz"
    if (f == "target/check.sh" || f ~ /^target\/plugin\/test\// || f == "target/s4cases/run.sh") return "target"
    if (f == "bench/test.sh") return "bench"
    if (f == "certification/coverage.sh") return "coverage"
    if (f ~ /^certification\/tests\//) return "qual"
    return ""
}
function err(where, msg) { print where ": error: " msg > "/dev/stderr"; errors++ }
BEGIN {
    nreq = 0
    while ((getline line < reqs) > 0) {
        ln++
        if (line !~ /^### REQ-/) continue
        id = line; sub(/^### /, "", id); sub(/[ \t].*$/, "", id)
        if (id !~ /^REQ-[A-Z]+-[0-9][0-9][0-9]$/) { err(reqs ":" ln, "malformed requirement id \"" id "\""); continue }
        if (id in defined) { err(reqs ":" ln, id " defined twice (first at line " defined[id] ")"); continue }
        t = line; sub(/^### REQ-[A-Z]+-[0-9]+[ \t]*(—|--|-)?[ \t]*/, "", t)
        gsub(/\|/, "\\|", t)
        defined[id] = ln; title[id] = t; order[++nreq] = id
    }
    close(reqs)
}
{
    # FILE:LINE:TEXT
    f = $0; sub(/:.*/, "", f)
    rest = substr($0, length(f) + 2)
    l = rest; sub(/:.*/, "", l)
    text = substr(rest, length(l) + 2)
    where = f ":" l
    s = text; sub(/.*REQ:/, "", s)
    gsub(/\*\//, " ", s); gsub(/[,;]/, " ", s)
    n = split(s, tok, /[ \t]+/)
    found = 0
    for (i = 1; i <= n; i++) {
        if (tok[i] == "") continue
        if (tok[i] !~ /^REQ-/) {
            if (found) break
            err(where, "\"REQ:\" is not followed by a requirement id"); break
        }
        found = 1
        id = tok[i]
        if (!(id in defined)) { err(where, "unknown requirement " id " (not in certification/requirements.md)"); continue }
        p = part_of(f)
        if (p == "") { err(where, f " is not run by any make check part (certification/trace.sh: part_of)"); continue }
        key = id SUBSEP f
        if (!(key in link)) { link[key] = 1; nlinks++; tests[id] = tests[id] SUBSEP f; files[f] = p; reqsof[f] = reqsof[f] " " id }
    }
}
END {
    for (k = 1; k <= nreq; k++)
        if (tests[order[k]] == "") err(reqs ":" defined[order[k]], order[k] " has no test (no REQ: annotation names it)")
    if (errors) exit 1
    for (k = 1; k <= nreq; k++) {
        id = order[k]
        printf "R\t%s\t%s\n", id, title[id] > tsv
        n = split(substr(tests[id], 2), fl, SUBSEP)
        # sort the files (insertion sort: a few per requirement)
        for (i = 2; i <= n; i++) { v = fl[i]; j = i - 1; while (j > 0 && fl[j] > v) { fl[j + 1] = fl[j]; j-- } fl[j + 1] = v }
        for (i = 1; i <= n; i++) printf "L\t%s\t%s\t%s\n", id, fl[i], files[fl[i]] > tsv
    }
    nf = 0; for (f in files) nf++
    printf "N\t%d\t%d\t%d\n", nreq, nf, nlinks > tsv
}' "$tmp/ann" || exit 1

if [ "$mode" = --tsv ]; then
    cat "$tmp/tsv"
    exit 0
fi

# The matrix, from the links.
awk -F '\t' '
$1 == "R" { order[++n] = $2; title[$2] = $3 }
$1 == "L" { t[$2] = t[$2] (t[$2] == "" ? "" : ", ") "`" $3 "` (" $4 ")"
            part[$3] = $4; r[$3] = r[$3] (r[$3] == "" ? "" : ", ") $2 }
$1 == "N" { nreq = $2; nfiles = $3; nlinks = $4 }
END {
    print "# Traceability matrix: requirements and tests"
    print ""
    print "Generated by `make trace` (`certification/trace.sh`) from the"
    print "`### REQ-...` headings of `requirements.md` and the `REQ:` annotations"
    print "in the tests. Do not edit: `make check` (part `qual`) fails when this"
    print "file differs from what `make trace` writes, when a requirement has no"
    print "test and when an annotation names an unknown requirement. The part in"
    print "brackets is the `make check` part that runs the test"
    print "(`make check-PART`); its results are in `qualification-report.md`."
    print ""
    printf "%d requirements, %d test files, %d links.\n", nreq, nfiles, nlinks
    print ""
    print "## Requirements → tests"
    print ""
    print "| requirement | title | verified by (make check part) |"
    print "| --- | --- | --- |"
    for (k = 1; k <= n; k++) printf "| %s | %s | %s |\n", order[k], title[order[k]], t[order[k]]
    print ""
    print "## Tests → requirements"
    print ""
    print "| test | part | requirements |"
    print "| --- | --- | --- |"
    m = 0; for (f in part) fl[++m] = f
    for (i = 2; i <= m; i++) { v = fl[i]; j = i - 1; while (j > 0 && fl[j] > v) { fl[j + 1] = fl[j]; j-- } fl[j + 1] = v }
    for (i = 1; i <= m; i++) printf "| `%s` | %s | %s |\n", fl[i], part[fl[i]], r[fl[i]]
}' "$tmp/tsv" >"$tmp/matrix.md" || exit 3

case $mode in
--check)
    if [ ! -f "$OUT" ]; then
        echo "$OUT: error: no committed matrix; run make trace and commit it" >&2
        exit 1
    fi
    if ! cmp -s "$tmp/matrix.md" "$OUT"; then
        echo "$OUT: error: differs from the matrix the annotations give; run make trace and commit it:" >&2
        diff "$OUT" "$tmp/matrix.md" | head -n 40 >&2
        exit 1
    fi
    echo "trace: $(sed -n 's/^\([0-9]* requirements,.*\)$/\1/p' "$OUT") matrix up to date"
    ;;
write)
    cp "$tmp/matrix.md" "$OUT.tmp" && mv "$OUT.tmp" "$OUT" || exit 3
    echo "trace: $(sed -n 's/^\([0-9]* requirements,.*\)$/\1/p' "$OUT") written to $OUT"
    ;;
*)
    echo "usage: sh certification/trace.sh [--check | --tsv]" >&2
    exit 2
    ;;
esac

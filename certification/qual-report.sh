#!/bin/sh
# certification/qual-report.sh ENV TRACE CHECKDIR -- the qualification
# report (Markdown, on stdout) from a recorded run; make qualify
# (certification/qualify.sh) calls it, and make check (part qual) runs it
# on the recorded run of certification/tests/fixtures/qualify/.
#
#   ENV       lines "SECTION<TAB>NAME<TAB>VALUE", SECTION one of identity
#             (the tool's build), environment (host, compilers, QEMU, ...)
#             and run (date, command, exit status of make check)
#   TRACE     the output of `sh certification/trace.sh --tsv`: the
#             requirements and, per requirement, its test files and the
#             make check part that runs each
#   CHECKDIR  what make check recorded: PART.status per part that ran
#             ("ok|FAIL PART SECONDS s SUMMARY") and PART.log
#
# A test's result is its part's status; a part with no status did not run
# and counts as failed. In the unit part, whose failures CUnit reports as
# FILE:LINE, a failed part fails the test files named in unit.log (all of
# them if the log has no CUnit run summary: the program did not finish).
# A requirement passes when every test linked to it passed. Verdict PASS
# only when every requirement passed, every part that ran passed, and
# make check exited 0.
set -u
LC_ALL=C
export LC_ALL
if [ $# -ne 3 ] || [ ! -f "$1" ] || [ ! -f "$2" ] || [ ! -d "$3" ]; then
    echo "usage: sh certification/qual-report.sh ENV TRACE CHECKDIR" >&2
    exit 2
fi
ENV=$1
TRACE=$2
CD=$3

PARTS=$(mktemp "${TMPDIR:-/tmp}/stoic-parts.XXXXXX") || exit 3
trap 'rm -f "$PARTS"' EXIT INT TERM
# PART<TAB>STATUS<TAB>SECONDS<TAB>SUMMARY for every status file.
for s in "$CD"/*.status; do
    [ -f "$s" ] || continue
    awk '{ st = $1; p = $2; t = $3; sum = $0
           sub(/^[^ ]+ +[^ ]+ +[^ ]+ s  ?/, "", sum); sub(/ +$/, "", sum)
           printf "%s\t%s\t%s\t%s\n", p, st, t, sum; exit }' "$s"
done >"$PARTS" || exit 3
# Unit test files CUnit names in a failure, and whether it finished.
unit_failed=
unit_finished=0
if [ -f "$CD/unit.log" ]; then
    unit_failed=$(grep -oE 'tests/unit/[A-Za-z0-9_]+\.c:[0-9]+' "$CD/unit.log" | sed 's/:[0-9]*$//' | sort -u | tr '\n' ' ')
    grep -q 'Run Summary' "$CD/unit.log" && unit_finished=1
fi

awk -F '\t' -v unit_failed=" $unit_failed" -v unit_finished=$unit_finished '
function esc(s) { gsub(/\|/, "\\|", s); gsub(/`/, "'"'"'", s); return s }
FILENAME == ARGV[1] { sec[$1] = sec[$1] "\n" $2 "\t" $3; val[$1 "." $2] = $3; next }
FILENAME == ARGV[2] {
    if ($1 == "R") { order[++nreq] = $2; title[$2] = $3 }
    if ($1 == "L") { nl[$2]++; lf[$2, nl[$2]] = $3; lp[$2, nl[$2]] = $4; used[$4] = 1 }
    next
}
{ st[$1] = $2; tm[$1] = $3; sm[$1] = $4; ran[++nparts] = $1 }
function result(f, p) {
    if (!(p in st)) return "not run"
    if (st[p] == "ok") return "pass"
    if (p == "unit" && unit_finished && index(unit_failed, " " f " ") == 0) return "pass"
    return "FAIL"
}
function table(s,    n, a, i, kv) {
    print "| item | value |"
    print "| --- | --- |"
    n = split(substr(sec[s], 2), a, "\n")
    for (i = 1; i <= n; i++) { split(a[i], kv, "\t"); printf "| %s | %s |\n", esc(kv[1]), esc(kv[2]) }
    print ""
}
END {
    print "# Qualification report"
    print ""
    print "Written by `make qualify` (`certification/qualify.sh`, then"
    print "`certification/qual-report.sh`) from the run recorded below; every"
    print "result is read from what `make check` recorded (`build/check/PART.status`,"
    print "`PART.log`), every link from `certification/trace.sh --tsv`. Method and"
    print "acceptance criteria: `qualification-plan.md`."
    print ""
    print "## Run"
    print ""
    table("run")
    print "## Tool identity"
    print ""
    table("identity")
    print "## Environment"
    print ""
    table("environment")

    # parts
    for (i = 1; i <= nparts; i++) { p = ran[i]; if (st[p] == "ok") pok++; else pfail++ }
    for (p in used) if (!(p in st)) { notrun[++nnr] = p }
    for (i = 2; i <= nnr; i++) { v = notrun[i]; j = i - 1; while (j > 0 && notrun[j] > v) { notrun[j + 1] = notrun[j]; j-- } notrun[j + 1] = v }
    print "## Results per make check part"
    print ""
    print "| part | result | time | summary (last line of the part'"'"'s log) |"
    print "| --- | --- | --- | --- |"
    for (i = 1; i <= nparts; i++) { p = ran[i]; printf "| %s | %s | %s s | %s |\n", p, (st[p] == "ok" ? "pass" : "FAIL"), tm[p], esc(sm[p]) }
    for (i = 1; i <= nnr; i++) printf "| %s | FAIL: did not run | | |\n", notrun[i]
    print ""

    print "## Results per requirement"
    print ""
    print "| requirement | title | tests (part: result) | result |"
    print "| --- | --- | --- | --- |"
    for (k = 1; k <= nreq; k++) {
        id = order[k]; ok = 1; t = ""
        for (i = 1; i <= nl[id]; i++) {
            r = result(lf[id, i], lp[id, i]); if (r != "pass") ok = 0
            t = t (t == "" ? "" : ", ") "`" lf[id, i] "` (" lp[id, i] ": " r ")"
        }
        if (nl[id] == 0) { ok = 0; t = "no test" }
        if (ok) rpass++; else { rfail++; failed[++nf] = id }
        printf "| %s | %s | %s | %s |\n", id, esc(title[id]), t, (ok ? "PASS" : "FAIL")
    }
    print ""
    rc = val["run.make check exit status"]
    verdict = (rfail == 0 && pfail == 0 && nnr == 0 && rc == "0") ? "PASS" : "FAIL"
    print "## Totals"
    print ""
    printf "- requirements: %d, passed %d, failed %d\n", nreq, rpass, rfail
    printf "- make check parts: %d ran, %d passed, %d failed; %d needed by a requirement did not run\n", nparts, pok, pfail, nnr
    printf "- make check exit status: %s\n", (rc == "" ? "not recorded" : rc)
    print ""
    print "## Verdict"
    print ""
    if (verdict == "PASS") {
        print "**PASS**: every requirement of `requirements.md` is verified by tests"
        print "that passed in this run, and every part of `make check` passed."
    } else {
        printf "**FAIL**:"
        if (rfail) { printf " requirements not verified:"; for (i = 1; i <= nf; i++) printf " %s", failed[i]; printf ";" }
        if (pfail) printf " %d part(s) failed;", pfail
        if (nnr) printf " %d part(s) did not run;", nnr
        if (rc != "0") printf " make check exit status %s;", (rc == "" ? "not recorded" : rc)
        print ""
        print ""
        print "The tool is not qualified by this run; see the failing parts'"'"' logs."
    }
}' "$ENV" "$TRACE" "$PARTS"

#!/bin/sh
# certification/tests/run.sh -- the qual part of make check (make check-qual):
#  1. the committed certification/traceability.md equals what make trace
#     writes now, every requirement has a test, every annotation names a
#     requirement (certification/trace.sh --check);
#  2. trace.sh on the fixture tree certification/tests/fixtures/trace: the
#     matrix it writes equals the committed expected one; and it fails,
#     naming FILE:LINE, on copies doctored with an unknown id, a requirement
#     without a test, an id defined twice, a tag followed by no id, an
#     annotation in a file no make check part runs, and a stale matrix;
#  3. qual-report.sh on the recorded run of
#     certification/tests/fixtures/qualify: the report equals expected.md;
#     on doctored copies of the run (a part failed, a part missing, a unit
#     test file named in a CUnit failure, a unit run that never finished,
#     make check's exit status 1) the right requirements and the verdict
#     FAIL;
#  4. certification/tests/claims.sh: README claims on a generated example.
# REQ: REQ-QUAL-001 REQ-QUAL-002
set -u
W=build/qual/selftest
rm -rf "$W"
mkdir -p "$W"
F=certification/tests/fixtures
# the annotation tag, spelt so that trace.sh does not read this file's
# fixtures as annotations
T="REQ"":"
pass=0
fails=0
ok() { echo "PASS $1"; pass=$((pass + 1)); }
ko() { echo "FAIL $1"; shift; for l in "$@"; do echo "    $l"; done; fails=$((fails + 1)); }

# 1. the project's own matrix
if sh certification/trace.sh --check >"$W/trace.out" 2>"$W/trace.err"; then
    ok "traceability.md up to date: $(cat "$W/trace.out")"
else
    ko "traceability.md" "$(head -n 20 "$W/trace.err")"
fi

# 2. trace.sh on the fixture
fresh() { rm -rf "$W/t"; cp -R $F/trace "$W/t"; }
fresh
if TRACE_ROOT=$W/t TRACE_OUT=$W/t.md sh certification/trace.sh >/dev/null 2>"$W/t.err" &&
   cmp -s "$W/t.md" $F/trace/certification/traceability.md; then
    ok "trace: fixture matrix as expected"
else
    ko "trace: fixture matrix" "$(cat "$W/t.err")" "$(diff $F/trace/certification/traceability.md "$W/t.md" 2>&1 | head -n 10)"
fi
# expect_fail NAME PATTERN: trace.sh on $W/t must exit 1, print PATTERN
# (grep -E) on stderr and leave the matrix as it was
expect_fail() {
    cp "$W/t/certification/traceability.md" "$W/before.md"
    TRACE_ROOT=$W/t sh certification/trace.sh >/dev/null 2>"$W/t.err"
    rc=$?
    if [ $rc -eq 1 ] && grep -Eq "$2" "$W/t.err" && cmp -s "$W/before.md" "$W/t/certification/traceability.md"; then
        ok "trace: $1 refused"
    else
        ko "trace: $1 (exit $rc, want 1 and /$2/, matrix unchanged)" "$(cat "$W/t.err")"
    fi
}
fresh
echo "# $T REQ-ONE-001 REQ-NOPE-042" >>"$W/t/tests/e2e/run.sh"
expect_fail "unknown id" '^tests/e2e/run.sh:4: error: unknown requirement REQ-NOPE-042'
fresh
printf '\n### REQ-THREE-001 — untested\n' >>"$W/t/certification/requirements.md"
expect_fail "requirement without a test" 'requirements.md:[0-9]+: error: REQ-THREE-001 has no test'
fresh
printf '\n### REQ-TWO-001 — again\n' >>"$W/t/certification/requirements.md"
expect_fail "id defined twice" 'error: REQ-TWO-001 defined twice'
fresh
echo "# $T see the list above" >>"$W/t/tests/e2e/run.sh"
expect_fail "tag without an id" '^tests/e2e/run.sh:4: error: "REQ:" is not followed'
fresh
mkdir -p "$W/t/tests/nowhere" && echo "# $T REQ-TWO-001" >"$W/t/tests/nowhere/x.sh"
expect_fail "file outside make check" 'tests/nowhere/x.sh is not run by any make check part'
fresh
echo "# $T REQ-TWO-001" >>"$W/t/tests/e2e/run.sh"   # a new link, matrix not regenerated
if TRACE_ROOT=$W/t sh certification/trace.sh --check >/dev/null 2>"$W/t.err"; then
    ko "trace --check: a stale matrix passed"
elif grep -q 'differs from the matrix' "$W/t.err"; then
    ok "trace --check: stale matrix refused"
else
    ko "trace --check: stale matrix, wrong message" "$(cat "$W/t.err")"
fi

# 3. qual-report.sh on the recorded run
Q=$F/qualify
report() { sh certification/qual-report.sh "$1" $Q/trace.tsv "$2" >"$W/r.md" 2>"$W/r.err"; }
if report $Q/env.tsv $Q/check && cmp -s "$W/r.md" $Q/expected.md; then
    ok "qual-report: recorded run as expected (PASS)"
else
    ko "qual-report: recorded run" "$(cat "$W/r.err")" "$(diff $Q/expected.md "$W/r.md" | head -n 10)"
fi
# doctored NAME: a copy of the recorded run in $W/c, $W/env.tsv
doctored() { rm -rf "$W/c"; cp -R $Q/check "$W/c"; cp $Q/env.tsv "$W/env.tsv"; }
# expect NAME PATTERN...: the report of $W/c must hold every line pattern
expect() {
    _n=$1
    shift
    report "$W/env.tsv" "$W/c" || { ko "qual-report: $_n: exit $?" "$(cat "$W/r.err")"; return; }
    for _p in "$@"; do
        grep -Eq -- "$_p" "$W/r.md" || { ko "qual-report: $_n: no line /$_p/" "$(grep -E 'REQ-|FAIL|PASS' "$W/r.md")"; return; }
    done
    ok "qual-report: $_n"
}
doctored
printf '%-5s %-11s %4s s  %s\n' FAIL e2e 140 "155 passed, 1 failed" >"$W/c/e2e.status"
expect "failed part" '^\| e2e \| FAIL \|' '^\| REQ-A-001 .* PASS \|$' '^\| REQ-B-001 .*e2e: FAIL.* FAIL \|$' \
    '^\*\*FAIL\*\*: requirements not verified: REQ-B-001; 1 part\(s\) failed;'
doctored
rm "$W/c/bad.status"
expect "part that did not run" '^\| bad \| FAIL: did not run' '^\| REQ-C-001 .*bad: not run.* FAIL \|$' '^\*\*FAIL\*\*'
doctored
printf '%-5s %-11s %4s s  %s\n' FAIL unit 12 "tests 209 209 208 1 0" >"$W/c/unit.status"
printf '  1. tests/unit/test_b.c:42  - CU_ASSERT_EQUAL(a,b)\nRun Summary:    Type  Total\n' >"$W/c/unit.log"
expect "unit file failed" '^\| REQ-A-001 .*unit: pass.* PASS \|$' '^\| REQ-B-001 .*test_b.c` \(unit: FAIL\).* FAIL \|$' '^\*\*FAIL\*\*'
doctored
printf '%-5s %-11s %4s s  %s\n' FAIL unit 3 "Segmentation fault" >"$W/c/unit.status"
printf 'Suite: sha256\n' >"$W/c/unit.log"
expect "unit run cut short" '^\| REQ-A-001 .*unit: FAIL.* FAIL \|$' '^\*\*FAIL\*\*'
doctored
sed 's/exit status\t0/exit status\t1/' $Q/env.tsv >"$W/env.tsv"
expect "make check exit status 1" '^- make check exit status: 1$' '^\*\*FAIL\*\*: make check exit status 1;'

# 4. README claims
if sh certification/tests/claims.sh >"$W/claims.log" 2>&1; then
    ok "claims: $(tail -n 1 "$W/claims.log")"
else
    ko "claims" "$(cat "$W/claims.log")"
fi

echo "qual: $pass passed, $fails failed"
[ $fails -eq 0 ]

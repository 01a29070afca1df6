#!/bin/sh
# make misra can fail (the check-misra part runs this first):
#  1. a deliberately non-compliant runtime-like kernel (bad_kernel.c, and
#     bad_other.c for the whole-program rules) gives every finding its
#     "expect:" marks name, through the same rule texts and addon
#     configuration as make misra;
#  2. the report counts a deviated finding as deviated, fails on the
#     undeviated ones, and fails on a deviation that matches nothing;
#  3. a deviation whose location carries no tag fails the generation of
#     the suppressions;
#  4. an undeviated finding outside the open list fails; a stale open
#     line fails;
#  5. in a shortened copy of a deviated file (its lines moved), the
#     finding on the tagged line stays deviated; a changed line does not.
# Run from the repository root.
set -u
M=certification/misra
T=tests/misra
W=${MISRA_TEST_DIR:-build/misra-test}
PY=${PYTHON:-/usr/bin/python3}
TOOL="$PY $M/misra_tool.py"
rm -rf "$W"; mkdir -p "$W"
fail=0
ADDON=
for d in /usr/lib/*/cppcheck/addons /usr/share/cppcheck/addons; do
    [ -f "$d/misra.py" ] && ADDON=$d/misra.py && break
done
[ -n "$ADDON" ] || { echo "FAIL: cppcheck's MISRA addon not found"; exit 1; }
$TOOL ruletexts $M/guidelines.txt "$W/rule-texts.txt" || exit 1
printf '{ "script": "%s", "args": [ "--rule-texts=%s" ] }\n' "$ADDON" "$(pwd)/$W/rule-texts.txt" \
    > "$W/addon.json"
{ printf 'FILE\t%s\n' $T/bad_kernel.c $T/bad_other.c
  cppcheck --addon="$W/addon.json" --addon-python="$PY" --std=c99 -q \
      --template="{file}\t{line}\t{column}\t{id}\t{severity}\t{message}" \
      $T/bad_kernel.c $T/bad_other.c 2>&1; } > "$W/res.txt"

# 1. every expected finding
for f in $T/bad_kernel.c $T/bad_other.c; do
    awk -v f="$f" '/expect:/ { s = $0; sub(/.*expect: */, "", s); sub(/[;*].*/, "", s);
                               n = split(s, r, " "); for (i = 1; i <= n; i++) print f "\t" NR "\t" r[i] }' "$f"
done > "$W/expected.txt"
n=0
while IFS='	' read -r f l r; do
    n=$((n + 1))
    if ! awk -F '\t' -v f="$f" -v l="$l" -v id="misra-c2012-$r" \
            '$1 == f && $2 == l && $4 == id { found = 1 } END { exit !found }' "$W/res.txt"; then
        echo "FAIL: $f:$l: expected a finding of Rule $r"
        fail=1
    fi
done < "$W/expected.txt"
echo "bad kernel: $n expected findings checked, $(grep -c 'misra-c2012' "$W/res.txt") found"

# 2. deviated, undeviated, unused deviation
$TOOL suppressions $T/deviations.md $M/variants.txt . > "$W/sup.txt" || { echo "FAIL: suppressions"; fail=1; }
$TOOL report "$W/sup.txt" $T/deviations.md $M/guidelines.txt test "$W/misra.json" "$W/res.txt" \
    > "$W/report.log" 2>&1
rc=$?
[ $rc = 1 ] || { echo "FAIL: report exit $rc, expected 1"; fail=1; }
grep -q 'deviation MD-02 matches no finding' "$W/report.log" ||
    { echo "FAIL: the unused deviation MD-02 was not reported"; fail=1; }
grep -q 'bad_kernel.c:16:[0-9]*: error: MISRA C:2012 Rule 10.8' "$W/report.log" ||
    { echo "FAIL: an undeviated finding was not reported in GCC format"; fail=1; }
$PY - "$W/misra.json" <<'PYEOF' || fail=1
import json, sys
d = json.load(open(sys.argv[1]))
dev = [x for x in d['findings'] if x['deviation']]
ok = (len(dev) == 1 and dev[0]['file'] == 'tests/misra/bad_other.c' and dev[0]['rule'] == 'Rule 10.8'
      and dev[0]['deviation'] == 'MD-01' and dev[0]['severity'] == 'required'
      and d['tool'] == 'cppcheck-misra' and d['summary']['deviated'] == 1
      and d['summary']['undeviated'] == d['summary']['findings'] - 1 and d['summary']['files'] == 2)
if not ok:
    print('FAIL: misra.json: deviated %r summary %r' % (dev, d['summary']))
sys.exit(0 if ok else 1)
PYEOF

# 3. a deviation without a tag in its location
sed 's|`tests/misra/bad_other.c`|`tests/misra/bad_kernel.c`|' $T/deviations.md > "$W/notag.md"
if $TOOL suppressions "$W/notag.md" $M/variants.txt . > /dev/null 2> "$W/notag.log"; then
    echo "FAIL: a deviation whose location has no tag was accepted"; fail=1
fi
grep -q 'no line of tests/misra/bad_kernel.c carries' "$W/notag.log" ||
    { echo "FAIL: the missing tag was not named"; cat "$W/notag.log"; fail=1; }

# 4. the open list (no deviations): all undeviated findings listed passes;
# one line fewer fails; one stale line fails
echo '# no deviations' > "$W/dev1.md"
$TOOL suppressions "$W/dev1.md" $M/variants.txt . > "$W/sup1.txt"
MISRA_OPEN=/dev/null $TOOL report "$W/sup1.txt" "$W/dev1.md" $M/guidelines.txt test "$W/m1.json" \
    "$W/res.txt" > /dev/null 2>&1
$TOOL openlist "$W/m1.json" $M/variants.txt > "$W/open.txt"
MISRA_OPEN=$W/open.txt $TOOL report "$W/sup1.txt" "$W/dev1.md" $M/guidelines.txt test "$W/m1.json" \
    "$W/res.txt" > "$W/open.log" 2>&1 || { echo "FAIL: every finding open, but the report failed"; cat "$W/open.log"; fail=1; }
grep -v 'Rule 7.2' "$W/open.txt" > "$W/open-1.txt"
MISRA_OPEN=$W/open-1.txt $TOOL report "$W/sup1.txt" "$W/dev1.md" $M/guidelines.txt test "$W/m1.json" \
    "$W/res.txt" > "$W/open1.log" 2>&1 && { echo "FAIL: a finding outside the open list passed"; fail=1; }
grep -q 'Rule 7.2' "$W/open1.log" || { echo "FAIL: the new finding was not named"; fail=1; }
{ cat "$W/open.txt"; echo 'bad_kernel.c | Rule 10.8 | gone'; } > "$W/open+1.txt"
MISRA_OPEN=$W/open+1.txt $TOOL report "$W/sup1.txt" "$W/dev1.md" $M/guidelines.txt test "$W/m1.json" \
    "$W/res.txt" > "$W/open2.log" 2>&1 && { echo "FAIL: a stale open line passed"; fail=1; }
grep -q 'no longer found' "$W/open2.log" || { echo "FAIL: the stale line was not named"; fail=1; }

# 5. a shortened copy of a deviated file (stoic generate leaves unreached
# functions and unused macros out, so the lines move): the finding on the
# tagged line is deviated when that line reads as in the original, and not
# when its text differs or the line number merely coincides
mkdir -p "$W/copy" "$W/copy2"
sed '1,2d' $T/bad_other.c > "$W/copy/bad_other.c"
sed '1,2d; s/d >> 63U/d >> 62U/' $T/bad_other.c > "$W/copy2/bad_other.c"
for c in copy copy2; do
    awk -F '\t' -v OFS='\t' -v to="$W/$c/bad_other.c" \
        '$1 == "tests/misra/bad_other.c" && $4 == "misra-c2012-10.8" {
             $1 = to; l = $2; $2 = l - 2; print; $2 = l; print }' \
        "$W/res.txt" > "$W/res-$c.txt"
    $TOOL report "$W/sup.txt" $T/deviations.md $M/guidelines.txt test "$W/m-$c.json" \
        "$W/res-$c.txt" > "$W/$c.log" 2>&1
done
$PY - "$W/m-copy.json" "$W/m-copy2.json" "$W/copy/bad_other.c" <<'PYEOF' || fail=1
import json, sys
a = json.load(open(sys.argv[1]))['findings']
b = json.load(open(sys.argv[2]))['findings']
moved = [x['deviation'] for x in a if x['line'] == 10]
other = [x['deviation'] for x in a if x['line'] == 12]
ok = moved == ['MD-01'] and other == [None] and [x['deviation'] for x in b] == [None, None]
if not ok:
    print('FAIL: shortened copy: moved %r, coincident line %r, changed text %r'
          % (moved, other, [x['deviation'] for x in b]))
sys.exit(0 if ok else 1)
PYEOF

if [ $fail = 0 ]; then
    echo "misra self-test: ok ($n expected findings, deviation, unused deviation, missing tag, open list, shortened copy)"
fi
exit $fail

#!/bin/sh
# The bad-input corpus (issue 9): every input stoic must refuse, and how.
#
# Each tests/bad/*.cases file holds one case per line (# comments):
#     NAME | EXIT | DIAG | ARGS
# ARGS are the arguments of bin/stoic, expanded by the shell with
#     $D  = tests/bad/files      (committed inputs)
#     $W  = build/bad/NAME       (a fresh, empty work directory)
# and every output a case asks for must be under $W. A case passes when
#   - stoic exits with EXIT;
#   - stderr has a line containing DIAG (a fixed string, case-sensitive;
#     DIAG "-" skips this), and a line with "error: " when EXIT is not 0;
#   - stderr has no control character other than newline and tab (log
#     injection) and no sanitizer report;
#   - when EXIT is not 0, $W holds nothing stoic wrote: it is empty, or
#     holds exactly what the case's PRE step put there (see below).
# A line "NAME | pre | SHELL" before a case runs SHELL (same variables,
# and $STOIC) before it, e.g. to plant a symbolic link; what PRE leaves in
# $W is listed and must be unchanged afterwards. A line "NAME | post |
# SHELL" after it runs SHELL after a passing case: it must exit 0 (e.g. a
# cmp of two outputs).
#
# Runs under the ASan/UBSan generator (STOIC=bin/stoic-asan by default),
# cases in parallel (JOBS, default 2). Output: a line per failure, then
# "N passed, M failed". Usage: sh tests/bad/run.sh [NAME...]
# REQ: REQ-ERR-001 REQ-ERR-002 REQ-ERR-003 REQ-ERR-004 REQ-ERR-006
set -u
STOIC=${STOIC:-bin/stoic-asan}
export STOIC
JOBS=${JOBS:-2}
DIR=tests/bad
WORK=build/bad
[ -x "$STOIC" ] || { echo "run.sh: $STOIC not built" >&2; exit 2; }

# one case: NAME EXIT DIAG ARGS PRE -> prints PASS/FAIL line
if [ "${1:-}" = "--one" ]; then
    name=$2 want=$3 diag=$4 args=$5 pre=$6 post=$7
    D=$DIR/files
    W=$WORK/$name
    mkdir -p "$W"
    if [ -n "$pre" ]; then
        (eval "$pre") >"$W.pre.log" 2>&1 || { echo "FAIL $name: pre step failed"; exit 1; }
    fi
    before=$(cd "$W" && find . -mindepth 1 -print0 | sort -z | xargs -0 -r ls -ld --time-style=+%s.%N 2>/dev/null | md5sum)
    eval "set -- $args"
    ASAN_OPTIONS=detect_leaks=1 timeout -k 5 "${CASE_TIMEOUT:-300}" "$STOIC" "$@" \
        >"$W.out" 2>"$W.err" </dev/null
    rc=$?
    why=
    if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
        why="timed out (hangs)"
    elif [ "$rc" -ne "$want" ]; then
        why="exit $rc, expected $want"
    elif grep -q 'Sanitizer\|runtime error:' "$W.err"; then
        why="sanitizer report"
    elif LC_ALL=C grep -q "$(printf '[\001-\010\013-\037\177]')" "$W.err" "$W.out"; then
        why="control characters in the output"
    elif [ "$want" -ne 0 ] && ! grep -q 'error: ' "$W.err"; then
        why="no 'error: ' line"
    elif [ "$diag" != "-" ] && ! grep -qF -- "$diag" "$W.err"; then
        why="no line of stderr contains '$diag'"
    elif [ "$want" -ne 0 ]; then
        after=$(cd "$W" && find . -mindepth 1 -print0 | sort -z | xargs -0 -r ls -ld --time-style=+%s.%N 2>/dev/null | md5sum)
        [ "$before" = "$after" ] || why="wrote into \$W: $(cd "$W" && find . -mindepth 1 | head -5 | tr '\n' ' ')"
    fi
    if [ -z "$why" ] && [ -n "$post" ] && ! (eval "$post") >"$W.post.log" 2>&1; then
        why="post step failed: $(head -c 300 "$W.post.log" | tr '\n' ' ')"
    fi
    if [ -z "$why" ]; then
        echo "PASS $name"
    else
        echo "FAIL $name: $why"
        head -n 8 "$W.err" | cat -v | sed 's/^/    | /'
    fi
    exit 0
fi

rm -rf "$WORK"
mkdir -p "$WORK" || exit 2

# The case table: NAME EXIT DIAG ARGS PRE [POST], separated by the ASCII
# unit separator (empty fields survive the shell's field splitting).
US=$(printf '\037')
table=$WORK/cases.tsv
# the table, one line per case: NAME EXIT DIAG ARGS PRE [POST], separated by
# \037, fields trimmed (one awk over the .cases files, not a cut and a sed
# per field)
LC_ALL=C awk -v sel=" $* " -v all=$# '
    function trim(s) { sub(/^[[:space:]]+/, "", s); sub(/[[:space:]]+$/, "", s); return s }
    # field N of a |-separated line (as cut -f N: the whole line if no |)
    function fld(s, n,    k) {
        if (index(s, "|") == 0) return s
        while (n-- > 1) { k = index(s, "|"); if (k == 0) return ""; s = substr(s, k + 1) }
        k = index(s, "|")
        return k ? substr(s, 1, k - 1) : s
    }
    # fields N to the end (cut -f N-)
    function from(s, n,    k) {
        if (index(s, "|") == 0) return s
        while (n-- > 1) { k = index(s, "|"); if (k == 0) return ""; s = substr(s, k + 1) }
        return s
    }
    FNR == 1 { pre_name = ""; pre_cmd = "" }
    $0 == "" || /^#/ { next }
    {
        name = trim(fld($0, 1))
        if (all > 0 && index(sel, " " name " ") == 0) next
        f2 = trim(fld($0, 2))
        if (f2 == "pre") { pre_name = name; pre_cmd = trim(from($0, 3)); next }
        if (f2 == "post") {
            # attach to the case just read (the last line of the table)
            if (n == 0 || last_name != name) {
                printf "run.sh: post line for '\''%s'\'' does not follow its case\n", name >"/dev/stderr"
                bad = 1; exit 2
            }
            line[n] = line[n] "\037" trim(from($0, 3))
            next
        }
        pre = pre_name == name ? pre_cmd : ""
        line[++n] = name "\037" f2 "\037" trim(fld($0, 3)) "\037" trim(from($0, 4)) "\037" pre
        last_name = name
        pre_name = ""
    }
    END { if (!bad) for (i = 1; i <= n; i++) print line[i] }' "$DIR"/*.cases >"$table" || exit 2
dups=$(cut -d"$US" -f1 "$table" | sort | uniq -d)
[ -z "$dups" ] || { echo "run.sh: duplicate case names: $dups" >&2; exit 2; }

results=$WORK/results.txt
tr '\n' '\0' <"$table" | xargs -0 -P "$JOBS" -I{} sh -c '
    IFS="$(printf "\037")"; set -- $1; sh "$0" --one "$1" "$2" "$3" "$4" "${5:-}" "${6:-}"' "$DIR/run.sh" {} >"$results"
grep -v '^PASS' "$results"
passed=$(grep -c '^PASS' "$results")
failed=$(grep -c '^FAIL' "$results")
total=$(wc -l <"$table")
echo "bad inputs: $passed passed, $failed failed (of $total)"
[ "$failed" -eq 0 ] && [ "$passed" -eq "$total" ]

#!/bin/sh
# Malformed model descriptions (run from the repository root: `make e2e`).
#
# Every tests/malformed/<case>.xml holds one defect and a header
#     <!-- expect-line: L [L2 ...] -->    the line(s) the diagnostic may name
#     <!-- expect: SUB[|SUB2 ...] -->     substring(s), any one must occur
# (written by make_malformed.py; external fixtures <case>.bin sit beside).
# For `stoic validate FILE` and `stoic generate FILE -o build/malformed/<case>/out`:
#   - exit status 1 (bad input)
#   - stderr has a line starting with "FILE:L: error:" (FILE as given on the
#     command line, L one of the expected lines) that contains SUB,
#     case-insensitively
#   - stderr does not show /etc/passwd (the XXE case)
#   - generate leaves no build/malformed/<case>/out behind
#   - no sanitizer report: stoic is the ASan/UBSan build, bin/stoic-asan
# Output: one line per case, then "N passed, M failed". Exit 1 on failure.
# Cases run in parallel (JOBS, default: the number of CPUs); the output is
# in the order of the cases.
#
# Usage: sh tests/malformed/run.sh [CASE...]     Environment: STOIC, JOBS.
# REQ: REQ-IMP-001 REQ-IMP-002 REQ-IMP-003 REQ-IMP-004 REQ-ERR-001 REQ-ERR-002 REQ-ERR-004

set -u
. tests/common.sh

DIR=tests/malformed
WORK=build/malformed

if [ ! -d "$DIR" ]; then
    echo "run.sh: $DIR not found (run from the repository root)" >&2
    exit 2
fi
if [ ! -x "$STOIC" ]; then
    echo "run.sh: $STOIC not built (make bin/stoic)" >&2
    exit 2
fi
mkdir -p "$WORK" || exit 2

why=

# check_diag FILE STDERR LINES SUBS: one "FILE:L: error:" line containing SUB
check_diag() {
    _file=$1
    _err=$2
    _lines=$3
    _subs=$4
    for _l in $_lines; do
        awk -v p="$_file:$_l: error:" 'index($0, p) == 1' "$_err"
    done | tr 'A-Z' 'a-z' >"$_err.cand"
    if [ ! -s "$_err.cand" ]; then
        why="no line starting with '$_file:L: error:' for L in {$_lines}"
        return 1
    fi
    _old_ifs=$IFS
    IFS='|'
    for _s in $_subs; do
        IFS=$_old_ifs
        if grep -Fq -- "$_s" "$_err.cand"; then
            return 0
        fi
    done
    IFS=$_old_ifs
    why="no diagnostic on line(s) $_lines mentions '$_subs'"
    return 1
}

# one_run TAG CMD...: runs stoic, checks status and stderr
one_run() {
    _tag=$1
    shift
    "$@" >"$w/$_tag.out" 2>"$w/$_tag.err"
    _rc=$?
    log="$w/$_tag.err"
    if [ "$_rc" -ne 1 ]; then
        why="$_tag: exit $_rc, expected 1"
        return 1
    fi
    if sanitizer_report "$w/$_tag.err"; then
        why="$_tag: sanitizer report"
        return 1
    fi
    if grep -q 'root:.*:0:0:' "$w/$_tag.err" "$w/$_tag.out"; then
        why="$_tag: prints the contents of /etc/passwd (external entity expanded)"
        return 1
    fi
    if ! check_diag "$file" "$w/$_tag.err" "$lines" "$subs"; then
        why="$_tag: $why"
        return 1
    fi
    return 0
}

run_case() {
    name=$1
    file=$DIR/$name.xml
    w=$WORK/$name
    log=
    rm -rf "$w"
    mkdir -p "$w"
    lines=$(sed -n 's/^<!-- expect-line: \([0-9 ]*[0-9]\) -->$/\1/p' "$file" | head -n 1)
    subs=$(sed -n 's/^<!-- expect: \(.*\) -->$/\1/p' "$file" | head -n 1)
    if [ -z "$lines" ] || [ -z "$subs" ]; then
        why="no expect-line / expect header"
        return 1
    fi
    one_run validate "$STOIC" validate "$file" || return 1
    one_run generate "$STOIC" generate "$file" -o "$w/out" || return 1
    if [ -e "$w/out" ]; then
        ls -la "$w/out" >"$w/leftover.log" 2>&1
        log="$w/leftover.log"
        why="generate left $w/out behind"
        return 1
    fi
    return 0
}

# one case (a job of par_cases): the verdict to $WORK/res/CASE
if [ "${1:-}" = --one ]; then
    c=$2
    r=$WORK/res/$c
    why=
    log=
    if [ ! -f "$DIR/$c.xml" ]; then
        echo "FAIL $c: no such case" >"$r"
    elif run_case "$c"; then
        echo "PASS $c" >"$r"
        rm -rf "${WORK:?}/$c"
    else
        {
            echo "FAIL $c: $why"
            if [ -n "$log" ] && [ -f "$log" ]; then
                head -n 10 "$log" | sed 's/^/    | /'
            fi
        } >"$r"
    fi
    exit 0
fi

if [ $# -gt 0 ]; then
    list="$*"
else
    list=$(cd "$DIR" && for f in *.xml; do [ -f "$f" ] && echo "${f%.xml}"; done)
fi
rm -rf "$WORK/res"
mkdir -p "$WORK/res" || exit 2
for c in $list; do echo "$c"; done >"$WORK/jobs"
par_cases tests/malformed/run.sh "$WORK/res" "$WORK/jobs"
echo "$par_passed passed, $par_failed failed"
[ "$par_failed" -eq 0 ]

#!/bin/sh
# End-to-end tests of bin/stoic (run from the repository root: `make e2e`).
#
# For every case directory tests/e2e/cases/<case>/ (model.xml, input.npy,
# expected.npy from tests/e2e/make_cases.py; optional arena_max):
#   1. stoic validate model.xml                                   exit 0
#   2. stoic eval model.xml --input input.npy --output eval.npy   exit 0
#   3. eval.npy ~ expected.npy          (rtol 1e-5, atol 1e-5: the independent check)
#   4. stoic generate model.xml -o OUT --name model               exit 0, files present
#   5. every OUT/*.c compiles with
#        cc -std=c99 -pedantic -Wall -Wextra -Wconversion -Wshadow -Werror -c
#      (and with clang too, when it is installed)
#   6. the objects link with tests/e2e/harness.c; the harness runs every row
#   7. harness output ~ eval.npy (rtol 1e-5, atol 1e-6) and ~ expected.npy
#      (rtol 1e-5, atol 1e-5), for the cc and the clang build
#   8. MODEL_ARENA_SIZE <= arena_max, when the case has one
#   9. a second generate into another directory is byte-identical (cmp)
#  10. no object of OUT mentions malloc, calloc, realloc or free (nm)
#
# Usage: sh tests/e2e/run.sh [CASE...]     (default: every case)
# Environment: STOIC, NPYCMP, CC (default cc), CLANG (default clang; empty
# to skip), KEEP=1 keeps build/e2e/<case>/ of passing cases.
# Output: one line per case, PASS or FAIL with the reason (and the log of
# the failing step), then "N passed, M failed". Exit 1 on any failure.

set -u

STOIC=${STOIC:-bin/stoic}
NPYCMP=${NPYCMP:-bin/npycmp}
CC=${CC:-cc}
CLANG=${CLANG-clang}
KEEP=${KEEP:-0}
CASES=tests/e2e/cases
WORK=build/e2e

STRICT="-std=c99 -pedantic -Wall -Wextra -Wconversion -Wshadow -Werror"
HARNESS_CFLAGS="-std=c99 -Wall -Wextra -D_POSIX_C_SOURCE=200809L -Igenerator"

if [ ! -d "$CASES" ]; then
    echo "run.sh: $CASES not found (run from the repository root)" >&2
    exit 2
fi
for tool in "$STOIC" "$NPYCMP"; do
    if [ ! -x "$tool" ]; then
        echo "run.sh: $tool not built (make bin/stoic bin/npycmp)" >&2
        exit 2
    fi
done
if [ -n "$CLANG" ] && ! command -v "$CLANG" >/dev/null 2>&1; then
    CLANG=
fi

mkdir -p "$WORK" || exit 2

# npy.c and fileio.c for the harness, compiled once.
SUP="$WORK/support"
rm -rf "$SUP"
mkdir -p "$SUP"
if ! $CC $HARNESS_CFLAGS -c -o "$SUP/npy.o" generator/npy.c >"$SUP/cc.log" 2>&1 ||
   ! $CC $HARNESS_CFLAGS -c -o "$SUP/fileio.o" generator/fileio.c >>"$SUP/cc.log" 2>&1; then
    echo "run.sh: cannot compile the harness support files:" >&2
    cat "$SUP/cc.log" >&2
    exit 2
fi

# ---------------------------------------------------------------------------

reason=
log=

# run_to LOG CMD...: runs CMD, stdout and stderr to LOG; its status in rc
rc=0
run_to() {
    _log=$1
    shift
    "$@" >"$_log" 2>&1
    rc=$?
    return $rc
}

# fail REASON [LOGFILE]
fail() {
    reason=$1
    log=${2:-}
    return 1
}

# compile_out COMPILER OBJDIR: every $out/*.c to OBJDIR/*.o
compile_out() {
    _cc=$1
    _objdir=$2
    mkdir -p "$_objdir"
    for _src in "$out"/*.c; do
        [ -f "$_src" ] || { fail "$_cc: no .c file in the output directory"; return 1; }
        _base=$(basename "$_src" .c)
        if ! $_cc $STRICT -c -o "$_objdir/$_base.o" "$_src" >"$_objdir/$_base.log" 2>&1; then
            fail "$_cc $STRICT -c $_src fails" "$_objdir/$_base.log"
            return 1
        fi
        if [ -s "$_objdir/$_base.log" ]; then
            fail "$_cc prints diagnostics for $_src" "$_objdir/$_base.log"
            return 1
        fi
    done
    return 0
}

# link_run COMPILER OBJDIR TAG: harness + objects, run, compare
link_run() {
    _cc=$1
    _objdir=$2
    _tag=$3
    if ! $_cc $HARNESS_CFLAGS -I"$out" -o "$w/harness-$_tag" tests/e2e/harness.c \
            "$SUP/npy.o" "$SUP/fileio.o" "$_objdir"/*.o >"$w/link-$_tag.log" 2>&1; then
        fail "$_tag: linking the harness fails" "$w/link-$_tag.log"
        return 1
    fi
    "$w/harness-$_tag" "$dir/input.npy" "$w/run-$_tag.npy" "$dir/expected.npy" \
        >"$w/harness-$_tag.out" 2>"$w/harness-$_tag.log"
    rc=$?
    if [ $rc -ne 0 ]; then
        fail "$_tag: the harness fails (exit $rc)" "$w/harness-$_tag.log"
        return 1
    fi
    if ! "$NPYCMP" "$w/run-$_tag.npy" "$w/eval.npy" --rtol 1e-5 --atol 1e-6 \
            >"$w/cmp-run-eval-$_tag.log" 2>&1; then
        fail "$_tag: generated code differs from stoic eval" "$w/cmp-run-eval-$_tag.log"
        return 1
    fi
    if ! "$NPYCMP" "$w/run-$_tag.npy" "$dir/expected.npy" --rtol 1e-5 --atol 1e-5 \
            >"$w/cmp-run-expected-$_tag.log" 2>&1; then
        fail "$_tag: generated code differs from expected.npy" "$w/cmp-run-expected-$_tag.log"
        return 1
    fi
    return 0
}

run_case() {
    name=$1
    dir=$CASES/$name
    w=$WORK/$name
    out=$w/out
    model=$dir/model.xml
    rm -rf "$w"
    mkdir -p "$w"

    # 1. validate
    if ! run_to "$w/validate.log" "$STOIC" validate "$model"; then
        fail "stoic validate: exit $rc" "$w/validate.log"
        return 1
    fi
    # 2. eval
    if ! run_to "$w/eval.log" "$STOIC" eval "$model" --input "$dir/input.npy" \
            --output "$w/eval.npy"; then
        fail "stoic eval: exit $rc" "$w/eval.log"
        return 1
    fi
    [ -f "$w/eval.npy" ] || { fail "stoic eval wrote no $w/eval.npy" "$w/eval.log"; return 1; }
    # 3. the independent check
    if ! "$NPYCMP" "$w/eval.npy" "$dir/expected.npy" --rtol 1e-5 --atol 1e-5 \
            >"$w/cmp-eval-expected.log" 2>&1; then
        fail "stoic eval differs from expected.npy" "$w/cmp-eval-expected.log"
        return 1
    fi
    # 4. generate
    if ! run_to "$w/generate.log" "$STOIC" generate "$model" -o "$out" --name model; then
        fail "stoic generate: exit $rc" "$w/generate.log"
        return 1
    fi
    for f in model.h model.c model_weights.c model_report.json stoic_rt.h; do
        [ -f "$out/$f" ] || { fail "generate did not write $f" "$w/generate.log"; return 1; }
    done
    # 5. strict compile
    compile_out "$CC" "$w/obj-cc" || return 1
    if [ -n "$CLANG" ]; then
        compile_out "$CLANG" "$w/obj-clang" || return 1
    fi
    # 6., 7. run the generated code
    link_run "$CC" "$w/obj-cc" cc || return 1
    if [ -n "$CLANG" ]; then
        link_run "$CLANG" "$w/obj-clang" clang || return 1
    fi
    # 8. arena bound
    if [ -f "$dir/arena_max" ]; then
        arena=$(sed -n 's/^arena \([0-9][0-9]*\)$/\1/p' "$w/harness-cc.out")
        amax=$(cat "$dir/arena_max")
        if [ -z "$arena" ] || [ "$arena" -gt "$amax" ]; then
            echo "MODEL_ARENA_SIZE ${arena:-?} > arena_max $amax (buffers not reused?)" >"$w/arena.log"
            fail "arena too large: ${arena:-?} > $amax bytes" "$w/arena.log"
            return 1
        fi
    fi
    # 9. byte-identical rerun
    if ! run_to "$w/generate2.log" "$STOIC" generate "$model" -o "$w/out2" --name model; then
        fail "second stoic generate: exit $rc" "$w/generate2.log"
        return 1
    fi
    (cd "$out" && ls -A) >"$w/files1"
    (cd "$w/out2" && ls -A) >"$w/files2"
    if ! cmp -s "$w/files1" "$w/files2"; then
        diff "$w/files1" "$w/files2" >"$w/files.diff" 2>&1
        fail "second generate wrote other files" "$w/files.diff"
        return 1
    fi
    while IFS= read -r f; do
        if ! cmp "$out/$f" "$w/out2/$f" >"$w/cmp.log" 2>&1; then
            fail "second generate differs: $f" "$w/cmp.log"
            return 1
        fi
    done <"$w/files1"
    # 10. no dynamic memory
    for o in "$w"/obj-*/*.o; do
        if ! nm "$o" >"$w/nm.log" 2>&1; then
            fail "nm $o fails" "$w/nm.log"
            return 1
        fi
        if awk '{ print $NF }' "$w/nm.log" | grep -Eqx '_?(malloc|calloc|realloc|free)'; then
            grep -Ew '_?(malloc|calloc|realloc|free)' "$w/nm.log" >"$w/dyn.log"
            fail "dynamic memory in $(basename "$o")" "$w/dyn.log"
            return 1
        fi
    done
    return 0
}

# ---------------------------------------------------------------------------

if [ $# -gt 0 ]; then
    list="$*"
else
    list=$(cd "$CASES" && for d in *; do [ -f "$d/model.xml" ] && echo "$d"; done)
fi

passed=0
failed=0
for c in $list; do
    if [ ! -f "$CASES/$c/model.xml" ]; then
        echo "FAIL $c: no such case"
        failed=$((failed + 1))
        continue
    fi
    reason=
    log=
    if run_case "$c"; then
        echo "PASS $c"
        passed=$((passed + 1))
        [ "$KEEP" = 1 ] || rm -rf "${WORK:?}/$c"
    else
        echo "FAIL $c: $reason"
        if [ -n "$log" ] && [ -f "$log" ]; then
            head -n 25 "$log" | sed 's/^/    | /'
        fi
        failed=$((failed + 1))
    fi
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

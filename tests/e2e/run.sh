#!/bin/sh
# End-to-end tests of the generator (run from the repository root: `make e2e`).
#
# For every case directory tests/e2e/cases/<case>/ (model.xml, input.npy,
# expected.npy from tests/e2e/make_cases.py; optional arena_max):
#   1. (stoic eval and generate validate the description first; stoic
#      validate alone is run by the bad-input corpus and the examples)
#   2. stoic eval model.xml --input input.npy --output eval.npy   exit 0
#      (several outputs: one --output each, side by side in eval.npy)
#   3. eval.npy ~ expected.npy          (rtol 1e-5, atol 1e-5: the independent check)
#   4. stoic generate model.xml -o OUT --name model               exit 0, files present
#      (2. and 4. with the generator built with ASan/UBSan, bin/stoic-asan)
#   5. every OUT/*.c compiles silently with the strict flags
#        -std=c99 -pedantic -Wall -Wextra -Wconversion -Wshadow -Werror
#      with clang (when installed) plus the sanitizers
#        -O0 -fsanitize=address,undefined -fno-sanitize-recover=all
#      and passes cc's checks with the same strict flags (cc -fsyntax-only:
#      the warnings are the front end's; cc's code for the kernels already
#      ran in 2.-3., as the evaluator's, which is built with cc and calls
#      the same runtime sources; tests/e2e/quant.sh does the same)
#   6. the sanitized build links with tests/e2e/harness.c; the harness runs
#      every row
#   7. harness output ~ eval.npy (rtol 1e-5, atol 1e-6) and ~ expected.npy
#      (rtol 1e-5, atol 1e-5)
#   8. the sanitized build runs the model on extreme inputs (harness
#      --extremes --nan: zeros, +-1e30, +-FLT_MAX, subnormals, NaN, +-inf)
#      without a sanitizer report (the harness runs without LeakSanitizer:
#      the generated code cannot allocate, step 11)
#   9. MODEL_ARENA_SIZE <= arena_max, when the case has one; the arena
#      within 5% of the lower bound of the schedule (model_report.json
#      "memory_plan": the most bytes live at one layer); no call in
#      model.c of a kernel listed in `absent` (a layer the passes must
#      elide or fold); eval.npy bit for bit that of the case named in
#      `same_as` (its twin without that layer, built by numpy)
#  10. a second generate, with the normal build bin/stoic, into another
#      directory is byte-identical (cmp): deterministic, and the same
#      files with and without the sanitizers
#  11. no object of OUT mentions malloc, calloc, realloc or free (their
#      symbol tables, readelf -Ws, on the sanitized build's objects)
#
# Compiled once, not per case: a runtime file that OUT holds as a
# byte-identical copy of runtime/ (cmp, with identical runtime headers) is
# compiled once, with the same flags, and its object linked; any other
# file of OUT is compiled per case; cc's check of a shipped runtime file
# is made once per text and headers. clang's build is the sanitized one,
# so it gives clang's diagnostics, a second compiler's results on the real
# inputs and the sanitizer evidence in one compilation. The sanitized
# harness is linked by the command clang's driver runs for that link,
# captured once (clang -###, tests/common.sh link_capture): the same
# linker and arguments without a driver start-up per case. (Until
# 2026-12 every case was also built with cc, linked and run: half a
# second of processor time a case, for code the evaluator already runs.)
#
# Usage: sh tests/e2e/run.sh [CASE...]     (default: every case)
# Environment: STOIC (default bin/stoic-asan), STOIC_PLAIN (bin/stoic),
# NPYCMP, CC (default cc), CLANG (default clang; empty to skip; then the
# sanitized build uses CC), JOBS (default: the number of CPUs), KEEP=1
# keeps build/e2e/<case>/ of passing cases.
# Output: one line per case, PASS or FAIL with the reason (and the log of
# the failing step), then "N passed, M failed". Exit 1 on any failure.
# REQ: REQ-GEN-001 REQ-GEN-002 REQ-GEN-003 REQ-GEN-004 REQ-GEN-005 REQ-GEN-007 REQ-GEN-010 REQ-MEM-001 REQ-GEN-013

set -u
. tests/common.sh
san_ldflags

NPYCMP=${NPYCMP:-bin/npycmp}
KEEP=${KEEP:-0}
CASES=tests/e2e/cases
WORK=${E2E_WORK:-build/e2e}  # another directory: E2E_WORK
SUP=$WORK/support

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

# build_run TAG CC LDFLAGS [FLAGS...]: compile OUT, link the harness, run
# it on the input, compare with the evaluator and the expected output
build_run() {
    _tag=$1
    _cc=$2
    _ldflags=$3
    shift 3
    build_link "$out" "$w/plan" "$SUP/$_tag" "$w/obj-$_tag" "$w/harness-$_tag" \
        "$w/link-$_tag.log" "$_ldflags" "$_cc" "$@"
    case $? in
    1) fail "$oc_reason" "$oc_log"; return 1 ;;
    2) fail "$_tag: linking the harness fails" "$w/link-$_tag.log"; return 1 ;;
    esac
    # the rows, then (8.) the extreme inputs, in one process
    ASAN_OPTIONS=$HARNESS_ASAN_OPTIONS "$w/harness-$_tag" "$dir/input.npy" "$w/run-$_tag.npy" \
        "$dir/expected.npy" --extremes --nan >"$w/harness-$_tag.out" 2>"$w/harness-$_tag.log"
    rc=$?
    if [ $rc -ne 0 ] || sanitizer_report "$w/harness-$_tag.log"; then
        fail "$_tag: the harness fails on the rows or the extreme inputs (exit $rc)" \
            "$w/harness-$_tag.log"
        return 1
    fi
    if ! grep -q '^extremes: ' "$w/harness-$_tag.out"; then
        fail "$_tag: the harness did not run the extreme inputs" "$w/harness-$_tag.out"
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

    # 1.-2. eval (it validates the description first, as generate does;
    #     validate alone is the bad-input corpus's and the examples')

    if ! run_to "$w/eval.log" eval_to "$model" "$w/eval.npy" --input "$dir/input.npy"; then
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
    # 5.-7. cc's strict checks of every file it would compile (cc
    #     -fsyntax-only: the warnings are the front end's; cc's code for
    #     the kernels already ran, as the evaluator's, in 2.-3.), then the
    #     sanitized build compiled strictly, run, compared
    rt_plan "$out" "$SUP/rt.sha256" "$w/plan"
    cc_syntax "$out" "$w/plan" "$w" "$SUP/syntax" || { fail "$oc_reason" "$oc_log"; return 1; }
    # shellcheck disable=SC2086
    build_run san "$SAN_CC" "$SAN_LDFLAGS" $SANITIZE || return 1
    # 9. arena bound
    if [ -f "$dir/arena_max" ]; then
        arena=$(sed -n 's/^arena \([0-9][0-9]*\)$/\1/p' "$w/harness-san.out")
        amax=$(cat "$dir/arena_max")
        if [ -z "$arena" ] || [ "$arena" -gt "$amax" ]; then
            echo "MODEL_ARENA_SIZE ${arena:-?} > arena_max $amax (buffers not reused?)" >"$w/arena.log"
            fail "arena too large: ${arena:-?} > $amax bytes" "$w/arena.log"
            return 1
        fi
    fi
    if ! arena_bound "$out/model_report.json" >"$w/bound.log"; then
        fail "arena more than 5% above the lower bound of the schedule" "$w/bound.log"
        return 1
    fi
    if ! scratch_plan "$out/model_report.json" "$out/model.h" >"$w/scratch.log"; then
        fail "memory_plan scratch_bytes is not the header's SCRATCH_SIZE" "$w/scratch.log"
        return 1
    fi
    # 9b. layers that must cost nothing: not called, and the twin without
    #     them (made by numpy) evaluates to the same bits
    if [ -f "$dir/absent" ] && absent_calls "$out/model.c" "$dir/absent" >"$w/absent.log"; then
        fail "a layer that must cost nothing is still computed" "$w/absent.log"
        return 1
    fi
    if [ -f "$dir/same_as" ]; then
        twin=$CASES/$(cat "$dir/same_as")
        if ! run_to "$w/twin.log" "$STOIC" eval "$twin/model.xml" --input "$dir/input.npy" \
                --output "$w/twin.npy" ||
           ! "$NPYCMP" "$w/eval.npy" "$w/twin.npy" --rtol 0 --atol 0 >>"$w/twin.log" 2>&1; then
            fail "stoic eval differs from that of its twin $twin" "$w/twin.log"
            return 1
        fi
    fi
    # 10. byte-identical rerun, with the normal build
    if ! run_to "$w/generate2.log" "$STOIC_PLAIN" generate "$model" -o "$w/out2" --name model; then
        fail "second stoic generate ($STOIC_PLAIN): exit $rc" "$w/generate2.log"
        return 1
    fi
    if ! diff -r "$out" "$w/out2" >"$w/regen.diff" 2>&1; then
        fail "second generate ($STOIC_PLAIN) differs" "$w/regen.diff"
        return 1
    fi
    # 11. no dynamic memory (the reused runtime objects are checked once;
    #     the sanitized objects are the same sources)
    dynamic_memory_symbols "$w"/obj-san/*.o >"$w/dyn.log"
    case $? in
    0) fail "dynamic memory" "$w/dyn.log"; return 1 ;;
    2) fail "readelf cannot read the objects" "$w/dyn.log"; return 1 ;;
    esac
    return 0
}

# one case (a job of par_cases): the verdict to $WORK/res/CASE
if [ "${1:-}" = --one ]; then
    c=$2
    r=$WORK/res/$c
    if [ ! -f "$CASES/$c/model.xml" ]; then
        echo "FAIL $c: no such case" >"$r"
    elif run_case "$c"; then
        echo "PASS $c" >"$r"
        [ "$KEEP" = 1 ] || rm -rf "${WORK:?}/$c"
    else
        {
            echo "FAIL $c: $reason"
            if [ -n "$log" ] && [ -f "$log" ]; then
                head -n 25 "$log" | sed 's/^/    | /'
            fi
        } >"$r"
    fi
    exit 0
fi

# ---------------------------------------------------------------------------

if [ ! -d "$CASES" ]; then
    echo "run.sh: $CASES not found (run from the repository root)" >&2
    exit 2
fi
for tool in "$STOIC" "$STOIC_PLAIN" "$NPYCMP"; do
    if [ ! -x "$tool" ]; then
        echo "run.sh: $tool not built (make $tool)" >&2
        exit 2
    fi
done
if [ $# -gt 0 ]; then
    list="$*"
else
    list=$(cd "$CASES" && for d in *; do [ -f "$d/model.xml" ] && echo "$d"; done)
fi

rm -rf "$WORK/res" "$WORK/jobs" "$SUP"
mkdir -p "$WORK/res" "$SUP/syntax" || exit 2

# Once per build: the runtime, and the harness driver and support files.
rt_sums "$SUP/rt.sha256"
# The sanitized build's: from make check's part rt-san when it gives one
# (STOIC_SUPPORT_SAN: tests/support.sh, the same build_once and
# link_capture, shared with tests/e2e/quant.sh), else built here.
if [ -n "${STOIC_SUPPORT_SAN:-}" ]; then
    ln -s "$(cd "$STOIC_SUPPORT_SAN" && pwd)" "$SUP/san" || exit 2
fi
# shellcheck disable=SC2086
if { [ -z "${STOIC_SUPPORT_SAN:-}" ] && ! build_once "$SUP/san" "$SAN_CC" $SANITIZE; }; then
    echo "FAIL runtime: the runtime or the harness does not compile (silently)"
    head -n 25 "$SUP"/*/fail.log | sed 's/^/    | /'
    echo "0 passed, 1 failed"
    exit 1
fi
# shellcheck disable=SC2086
[ -n "${STOIC_SUPPORT_SAN:-}" ] || link_capture "$SUP/san" "$SAN_CC" $SANITIZE $SAN_LDFLAGS
if has_dynamic_memory "$SUP"/san/rt/*.o; then
    echo "FAIL runtime: dynamic memory in the runtime objects"
    echo "0 passed, 1 failed"
    exit 1
fi

for c in $list; do echo "$c"; done >"$WORK/jobs"
par_cases tests/e2e/run.sh "$WORK/res" "$WORK/jobs"
echo "$par_passed passed, $par_failed failed"
[ "$par_failed" -eq 0 ]

#!/bin/sh
# Quantized end-to-end tests (issue 4): every e2e case, quantized to int8
# or to int16 (in turn, by name order; both with QUANT_PRECISIONS=both, make
# check-e2e-quant-full), and every other dense, 1x1 and 3x3 depthwise case
# also with int4 weights (--precision int4; all of them with
# QUANT_PRECISIONS=both), with
# its own input as calibration data:
#   1. stoic generate model.xml -o OUT --name model --precision P --calib input.npy
#      (the generator built with ASan/UBSan, bin/stoic-asan); every other
#      pair of cases in name order with --kernels shared (the kernels'
#      out-of-line forms; the others their inline forms, the default),
#      and every other int8 case of both forms (every other int4 case)
#      with --bias int16 (the packed kernels' biases as int16)
#   2. every OUT/*.c compiles silently with the strict flags, with clang
#      (when installed) plus the sanitizers
#        -O0 -fsanitize=address,undefined -fno-sanitize-recover=all
#      and passes cc's checks with the same strict flags (cc -fsyntax-only:
#      the warnings are the front end's; cc's code for the kernels is
#      already compared, as the evaluator's, in step 4)
#   3. tests/e2e/harness.c runs model_run_float on every row (the
#      sanitized build)
#   4. the output equals `stoic eval ... --precision P --calib input.npy`
#      bit for bit (the host evaluator, built with cc, runs the same
#      integer kernels; make target-check runs gcc's code for Cortex-M
#      and PowerPC)
#   5. the sanitized build runs the model on extreme inputs (harness
#      --extremes: model_run_float on zeros, +-1e30, +-FLT_MAX, subnormals;
#      model_run on the int8/int16 minimum, maximum, zeros, alternating)
#      without a sanitizer report (without LeakSanitizer: the generated
#      code cannot allocate, step 7)
#   6. a second generate, with the normal build bin/stoic, is byte-identical
#   7. no dynamic memory (the objects' symbol tables: readelf -Ws)
#   8. the arena within 5% of the lower bound of the schedule (run.sh);
#      a case's `absent` kernels are not called in model.c, and its eval
#      equals bit for bit that of its `same_as` twin (see run.sh)
# The accuracy of the integer kernels themselves is checked against
# independent references by the unit tests; here the point is that every
# operator quantizes, compiles and agrees with the evaluator exactly.
# A case listed in tests/e2e/quant_unsupported.txt (with its reason) must
# instead be refused with exit 1 and a file:line: error.
# Runtime files that are byte-identical copies of runtime/ are compiled
# once per build and linked (see tests/e2e/run.sh).
#
# Usage: sh tests/e2e/quant.sh [CASE...]
# Environment: STOIC, STOIC_PLAIN, NPYCMP, CC, CLANG, JOBS (as run.sh),
# QUANT_PRECISIONS (alternate or both).
# Output: a line per failing case (or precision), then
# "quantized e2e: N passed, M failed". Exit 1 on any failure.
# REQ: REQ-GEN-001 REQ-GEN-004 REQ-GEN-005 REQ-GEN-007 REQ-GEN-010 REQ-MEM-001 REQ-CMP-006 REQ-GEN-016
set -u
. tests/common.sh
san_ldflags
NPYCMP=${NPYCMP:-bin/npycmp}
CASES=tests/e2e/cases
WORK=${E2E_WORK:-build/e2e-quant}  # another directory: E2E_WORK
SUP=$WORK/support
UNSUP=tests/e2e/quant_unsupported.txt

reason=
# build_run TAG CC LDFLAGS [FLAGS...]: compile OUT, link the harness, run
# it on the input, compare with the evaluator bit for bit
build_run() {
    tag=$1
    bcc=$2
    ldflags=$3
    shift 3
    build_link "$out" "$w/plan" "$SUP/$tag" "$w/obj-$tag" "$w/harness-$tag" \
        "$w/link-$tag.log" "$ldflags" "$bcc" "$@"
    case $? in
    1) reason="$oc_reason: $(head -3 "$oc_log" 2>/dev/null)"; return 1 ;;
    2) reason="$tag: link: $(head -3 "$w/link-$tag.log")"; return 1 ;;
    esac
    # the rows, then (5.) the extreme inputs, in one process
    ASAN_OPTIONS=$HARNESS_ASAN_OPTIONS "$w/harness-$tag" "$dir/input.npy" "$w/run-$tag.npy" \
        "$dir/expected.npy" --extremes >"$w/run-$tag.log" 2>&1 &&
        ! sanitizer_report "$w/run-$tag.log" && grep -q '^extremes: ' "$w/run-$tag.log" ||
        { reason="$tag: harness failed (rows or extreme inputs): $(grep -m1 -E 'runtime error|ERROR|harness' "$w/run-$tag.log")"; return 1; }
    $NPYCMP "$w/run-$tag.npy" "$w/eval.npy" --rtol 0 --atol 0 >"$w/cmp-$tag.log" 2>&1 ||
        { reason="$tag: generated code != evaluator: $(head -2 "$w/cmp-$tag.log")"; return 1; }
}

one() { # case precision [shared] [b16]
    name=$1
    p=$2
    # shared: the generated code calls the kernels' out-of-line forms
    # (--kernels shared) instead of their inline forms; b16: the packed
    # kernels' biases as int16 (--bias int16)
    kopt=
    bopt=
    case " ${3:-} ${4:-} " in *" shared "*) kopt="--kernels shared" ;; esac
    case " ${3:-} ${4:-} " in *" b16 "*) bopt="--bias int16" ;; esac
    dir=$CASES/$name
    w=$WORK/$name-$p${3:+-$3}${4:+-$4}
    out=$w/out
    rm -rf "$w"
    mkdir -p "$w"
    q="--precision $p --calib $dir/input.npy $bopt"
    if grep -q "^$name $p " "$UNSUP" 2>/dev/null; then
        # shellcheck disable=SC2086
        $STOIC generate "$dir/model.xml" -o "$out" --name model $q >"$w/gen.log" 2>&1
        rc=$?
        if [ $rc -eq 1 ] && grep -q ': error: ' "$w/gen.log" && [ ! -e "$out" ]; then
            return 0
        fi
        reason="listed as unsupported but generate gave exit $rc"
        return 1
    fi
    # shellcheck disable=SC2086
    $STOIC generate "$dir/model.xml" -o "$out" --name model $q $kopt >"$w/gen.log" 2>&1 ||
        { reason="generate: $(grep -m1 -i 'error' "$w/gen.log")"; return 1; }
    # shellcheck disable=SC2086
    eval_to "$dir/model.xml" "$w/eval.npy" $q --input "$dir/input.npy" \
        >"$w/eval.log" 2>&1 || { reason="eval: $(grep -m1 -i 'error' "$w/eval.log")"; return 1; }
    arena_bound "$out/model_report.json" >"$w/bound.log" ||
        { reason="arena more than 5% above the lower bound: $(cat "$w/bound.log")"; return 1; }
    scratch_plan "$out/model_report.json" "$out/model.h" >"$w/scratch.log" ||
        { reason="memory_plan scratch: $(cat "$w/scratch.log")"; return 1; }
    if [ -f "$dir/absent" ] && absent_calls "$out/model.c" "$dir/absent" >"$w/absent.log"; then
        reason="a layer that must cost nothing is still computed: $(head -1 "$w/absent.log")"
        return 1
    fi
    if [ -f "$dir/same_as" ]; then
        twin=$CASES/$(cat "$dir/same_as")
        # shellcheck disable=SC2086
        $STOIC eval "$twin/model.xml" $q --input "$dir/input.npy" --output "$w/twin.npy" \
            >"$w/twin.log" 2>&1 && $NPYCMP "$w/eval.npy" "$w/twin.npy" --rtol 0 --atol 0 \
            >>"$w/twin.log" 2>&1 || { reason="eval differs from its twin $twin"; return 1; }
    fi
    rt_plan "$out" "$SUP/rt.sha256" "$w/plan"
    # cc's strict checks of every file (tests/common.sh cc_syntax)
    cc_syntax "$out" "$w/plan" "$w" "$SUP/syntax" ||
        { reason="$oc_reason: $(head -3 "$oc_log")"; return 1; }
    # shellcheck disable=SC2086
    build_run san "$SAN_CC" "$SAN_LDFLAGS" $SANITIZE || return 1
    # shellcheck disable=SC2086
    $STOIC_PLAIN generate "$dir/model.xml" -o "$w/out2" --name model $q $kopt >"$w/gen2.log" 2>&1 &&
        diff -r "$out" "$w/out2" >"$w/diff.log" 2>&1 ||
        { reason="second generate ($STOIC_PLAIN) differs"; return 1; }
    if has_dynamic_memory "$w"/obj-*/*.o; then
        reason="dynamic memory"
        return 1
    fi
    return 0
}

# one job of par_cases: "CASE PRECISION [shared] [b16]" ->
# $WORK/res/CASE_PRECISION[_shared][_b16]
if [ "${1:-}" = --one ]; then
    # shellcheck disable=SC2086
    set -- $2
    r=$WORK/res/$1_$2${3:+_$3}${4:+_$4}
    f="${3:+ $3}${4:+ $4}"
    if [ ! -f "$CASES/$1/model.xml" ]; then
        echo "FAIL $1 $2$f: no such case" >"$r"
    elif one "$1" "$2" "${3:-}" "${4:-}"; then
        echo "PASS $1 $2$f" >"$r"
        rm -rf "${WORK:?}/$1-$2${3:+-$3}${4:+-$4}"
    else
        echo "FAIL $1 $2$f: $reason" >"$r"
    fi
    exit 0
fi

for tool in "$STOIC" "$STOIC_PLAIN" "$NPYCMP"; do
    [ -x "$tool" ] || { echo "quant.sh: $tool not built (make $tool)" >&2; exit 2; }
done
if [ $# -gt 0 ]; then
    list="$*"
else
    list=$(cd "$CASES" && for d in *; do [ -f "$d/model.xml" ] && echo "$d"; done)
fi
rm -rf "$WORK"
mkdir -p "$WORK/res" "$SUP/syntax" || exit 2
rt_sums "$SUP/rt.sha256"
# from make check's part rt-san when it gives one (STOIC_SUPPORT_SAN,
# tests/support.sh: the same build_once and link_capture, shared with
# tests/e2e/run.sh), else built here
if [ -n "${STOIC_SUPPORT_SAN:-}" ]; then
    ln -s "$(cd "$STOIC_SUPPORT_SAN" && pwd)" "$SUP/san" || exit 2
else
    # shellcheck disable=SC2086
    if ! build_once "$SUP/san" "$SAN_CC" $SANITIZE; then
        echo "FAIL runtime: the runtime or the harness does not compile (silently)"
        head -n 25 "$SUP"/*/fail.log | sed 's/^/    | /'
        echo "quantized e2e: 0 passed, 1 failed"
        exit 1
    fi
    # shellcheck disable=SC2086
    link_capture "$SUP/san" "$SAN_CC" $SANITIZE $SAN_LDFLAGS
fi
if has_dynamic_memory "$SUP"/san/rt/*.o; then
    echo "FAIL runtime: dynamic memory in the runtime objects"
    echo "quantized e2e: 0 passed, 1 failed"
    exit 1
fi

# QUANT_PRECISIONS=both (make check-e2e-quant-full): every case in int8
# and in int16; alternate (the default, make check): the cases in name
# order take int8 and int16 in turn, so each case is quantized once and
# each operator's cases meet both precisions
# every other pair of cases has its code generated with --kernels shared;
# every other int8 case of each (and every other int4 case) with int16
# biases (--bias int16)
i=0
i4=0
for c in $list; do
    k=
    [ $((i % 4)) -ge 2 ] && k=" shared"
    b=
    [ $((i % 8)) -lt 4 ] && b=" b16"
    if [ "${QUANT_PRECISIONS:-alternate}" = both ] || [ $((i % 2)) -eq 0 ]; then
        echo "$c int8$k$b"
    fi
    if [ "${QUANT_PRECISIONS:-alternate}" = both ] || [ $((i % 2)) -eq 1 ]; then
        echo "$c int16$k"
    fi
    # int4 weights: the cases of the layers that have an int4 kernel
    # (dense, 1x1 convolution, 3x3 depthwise and first layer), every other
    # one in name order (all of them with QUANT_PRECISIONS=both)
    case $c in dense*|*1x1*|*depthwise*|dw3_*)
        if [ "${QUANT_PRECISIONS:-alternate}" = both ] || [ $((i4 % 2)) -eq 0 ]; then
            b=
            [ $((i4 % 4)) -eq 0 ] && b=" b16"
            echo "$c int4$b"
        fi
        i4=$((i4 + 1)) ;;
    esac
    i=$((i + 1))
done >"$WORK/jobs"
QUIET=1 par_cases tests/e2e/quant.sh "$WORK/res" "$WORK/jobs"
echo "quantized e2e: $par_passed passed, $par_failed failed"
[ "$par_failed" -eq 0 ]

#!/bin/sh
# ONNX conformance: the ONNX backend node tests and PyTorch-converted tests
# shipped by Debian's libonnx-testdata, through stoic end to end:
#   stoic import (graph inputs other than the first frozen to their test
#   values with --freeze) -> stoic generate (float32) -> compile with the
#   strict flags -> run on test_data_set_0/input_0.pb -> compare with
#   output_0.pb (rtol 1e-4, atol 1e-5); a test with several outputs (Split)
#   compares every output_K.pb, side by side in a row as the harness
#   writes them (bin/npycmp --cat).
#
# Selection (printed for every test, selected or not):
#   node/              every test whose operators are all in stoic's ONNX
#                      list (README, "ONNX import") and whose tensors are
#                      float32;
#   pytorch-converted/ the Conv*, *Pool*, Linear* tests, same rule;
#   3-D (volumetric) convolution and pooling, and the training-mode
#   variants of BatchNormalization and Dropout, are outside stoic's operator
#   list (2-D and 1-D, inference) and are reported as not selected.
# A selected test that does not pass must be listed, with its reason, in
# tests/onnx/expected_failures.txt; a listed test that passes is an error
# too (the list must stay true). Each suite must pass >= 95% of its
# selected tests.
#
# import and generate run through the generator built with ASan/UBSan
# (bin/stoic-asan); a sanitizer report fails the test. Tests run in
# parallel (JOBS, default: the number of CPUs); runtime files that are
# byte-identical copies of runtime/ are compiled once (tests/common.sh).
# The list of every test and its verdict is build/onnx/results.txt; with
# QUIET=1 only the failures and the summaries are printed.
#
# Usage: sh tests/onnx/conformance.sh [TEST-NAME-SUBSTRING]
# REQ: REQ-IMP-005
set -u
. tests/common.sh
DATA=${ONNX_TESTDATA:-/usr/share/libonnx-testdata/data}
W=build/onnx
EXPECT=tests/onnx/expected_failures.txt
OPT=-O1
RTOL=1e-4
ATOL=1e-5
OPS=" ReduceMean ReduceMax ReduceSum Slice Gemm MatMul Conv MaxPool AveragePool GlobalAveragePool Relu LeakyRelu Clip Sigmoid Tanh HardSigmoid HardSwish GlobalMaxPool Softmax Add Mul Concat Flatten Reshape Pad BatchNormalization Identity Dropout Constant Unsqueeze Squeeze Transpose Split ConvTranspose Resize Upsample LSTM GRU "
FILTER=${1:-}

# info_facts INFO DIR: what select_test and run_test need from bin/onnxinfo's
# listing, read by one awk (not a sed or grep per question: ~1000 tests),
# as shell assignments: bad_op (the first operator outside OPS, or empty),
# data_float (1: the data input -- the first graph input that is not an
# initializer -- is float32), out_float (1: every output is float32),
# firstk (the data input's index among the graph inputs), freeze (a
# --freeze NAME=DIR/test_data_set_0/input_K.pb for every other input that
# is not an initializer: frozen to its test value), nout (the outputs)
info_facts() {
    awk -v ops="$OPS" -v dir="$2" '
        function q(s) { gsub(/\047/, "\047\\\047\047", s); return "\047" s "\047" }
        $1 == "node" { for (i = 3; i <= NF; i++) if (bad == "" && index(ops, " " $i " ") == 0) bad = $i }
        $1 == "init" { init[$2] = 1 }
        $1 == "input" { nin++; iname[nin] = $2; ifloat[nin] = index($0, " FLOAT ") > 0 }
        $1 == "output" { nout++; if (index($0, " FLOAT ") == 0) onf = 1 }
        END {
            first = 0
            for (k = 1; k <= nin; k++) {
                if (iname[k] in init) continue
                if (!first) first = k
                else freeze = freeze " --freeze " iname[k] "=" dir "/test_data_set_0/input_" (k - 1) ".pb"
            }
            print "bad_op=" q(bad)
            print "data_float=" (first && ifloat[first] ? 1 : 0)
            print "out_float=" (onf ? 0 : 1)
            print "firstk=" (first ? first - 1 : "")
            print "freeze=" q(freeze)
            print "nout=" (nout + 0)
        }' "$1"
}

# selected? sets sel to "yes" or the reason it is not (after info_facts;
# a variable, not printed: no subshell per test)
select_test() {
    name=$1
    suite=$2
    case "$name" in
    *Conv3d*|*Pool3d*|*pool_3d*|*convtranspose_3d*) sel="3-D convolution or pooling"; return ;;
    *training*) sel="training mode (the list covers inference)"; return ;;
    esac
    if [ "$suite" = pytorch-converted ]; then
        case "$name" in
        test_Conv*|test_*Pool*|test_Linear*) ;;
        *) sel="not a Conv/Pool/Linear test"; return ;;
        esac
    fi
    if [ -n "$bad_op" ]; then
        sel="operator $bad_op"
        return
    fi
    # the data input (the first graph input that is not an initializer) and
    # the outputs must be float32; other inputs are frozen to constants
    if [ "$data_float" != 1 ] || [ "$out_float" != 1 ]; then
        sel="non-float data input or output"
        return
    fi
    sel=yes
}

# runs one selected test; prints PASS, or a reason
run_test() {
    dir=$1
    w=$2
    # shellcheck disable=SC2086
    $STOIC import $dir/model.onnx -o $w/model.xml $freeze >$w/import.log 2>&1
    rc=$?
    if sanitizer_report $w/import.log || [ $rc -gt 1 ]; then
        echo "import: exit $rc: $(grep -m1 -E 'runtime error|ERROR|error' $w/import.log)"
        return
    fi
    if [ $rc -ne 0 ]; then
        echo "unsupported: $(grep -m1 'error' $w/import.log | sed 's/^[^:]*: error: //')"
        return
    fi
    if ! $STOIC generate $w/model.xml -o $w/out --name model >$w/generate.log 2>&1; then
        echo "generate fails: $(grep -m1 -E 'runtime error|ERROR|error' $w/generate.log)"
        return
    fi
    rt_plan $w/out $W/support/rt.sha256 $w/plan
    # shellcheck disable=SC2086
    if ! out_compile $w/out $w/plan $W/support/cc $w/obj "$CC" $STRICT $OPT; then
        echo "generated code does not compile: $oc_reason"
        return
    fi
    if ! harness_link $w/out $W/support/cc $w/obj $w/harness $w/link.log "$CC" $OPT; then
        echo "harness does not link"
        return
    fi
    bin/pb2npy $dir/test_data_set_0/input_$firstk.pb $w/in.npy >/dev/null 2>&1 &&
    bin/pb2npy $dir/test_data_set_0/output_0.pb $w/want.npy >/dev/null 2>&1 ||
        { echo "test data does not convert"; return; }
    if [ "$nout" -gt 1 ]; then
        # every output: the harness's rows hold them side by side
        if ! $w/harness $w/in.npy $w/got.npy >$w/run.log 2>&1; then
            echo "run fails: $(head -1 $w/run.log)"
            return
        fi
        k=0
        outs=
        while [ $k -lt "$nout" ]; do
            bin/pb2npy $dir/test_data_set_0/output_$k.pb $w/want_$k.npy >/dev/null 2>&1 ||
                { echo "test data does not convert"; return; }
            outs="$outs $w/want_$k.npy"
            k=$((k + 1))
        done
        # shellcheck disable=SC2086
        bin/npycmp --cat $w/want.npy --rows-of $w/got.npy $outs >$w/cat.log 2>&1 ||
            { echo "outputs do not match the model's: $(head -1 $w/cat.log)"; return; }
    elif ! $w/harness $w/in.npy $w/got.npy $w/want.npy >$w/run.log 2>&1; then
        echo "run fails: $(head -1 $w/run.log)"
        return
    fi
    if ! bin/npycmp $w/got.npy $w/want.npy --rtol $RTOL --atol $ATOL >$w/cmp.log 2>&1; then
        echo "wrong result: $(head -1 $w/cmp.log | sed 's/^npycmp: [^:]*: //')"
        return
    fi
    echo PASS
}

# the selection (a job of xargs, a batch of tests per shell: three of
# four tests are not selected, and a shell and its sourcing of
# tests/common.sh per test cost more than their selection):
# SUITE/NAME... -> for a test not selected, $W/res/SUITE_NAME
# ("notsel" and the reason); for a selected one, $W/SUITE/NAME/facts
# (info_facts) and a line SUITE/NAME in $W/sel/PID
if [ "${1:-}" = --select ]; then
    shift
    for t in "$@"; do
        suite=${t%%/*}
        name=${t#*/}
        dir=$DATA/$suite/$name
        w=$W/$suite/$name
        r=$W/res/${suite}_$name
        mkdir -p $w
        if ! bin/onnxinfo $dir/model.onnx >$w/info 2>$w/info.err; then
            printf 'notsel %-58s not selected: unreadable (%s)\n' "$suite/$name" "$(head -1 $w/info.err)" >$r
            continue
        fi
        info_facts $w/info $dir >$w/facts
        . ./$w/facts
        select_test $name $suite
        if [ "$sel" != yes ]; then
            printf 'notsel %-58s not selected: %s\n' "$suite/$name" "$sel" >$r
            continue
        fi
        echo "$t" >>$W/sel/$$
    done
    exit 0
fi

# one selected test (a job of xargs): SUITE/NAME -> $W/res/SUITE_NAME, the
# line to print and its kind: "pass", "xpass" (passes but listed), "xfail"
# (listed failure) or "fail"
if [ "${1:-}" = --one ]; then
    suite=${2%%/*}
    name=${2#*/}
    dir=$DATA/$suite/$name
    w=$W/$suite/$name
    r=$W/res/${suite}_$name
    . ./$w/facts
    res=$(run_test $dir $w)
    listed=$(grep -E "^$suite/$name( |$)" $EXPECT 2>/dev/null | head -1)
    if [ "$res" = PASS ]; then
        if [ -n "$listed" ]; then
            printf 'xpass %-58s PASS, but listed in %s\n' "$suite/$name" "$EXPECT" >$r
        else
            printf 'pass %-58s PASS\n' "$suite/$name" >$r
            rm -rf $w
        fi
    elif [ -n "$listed" ]; then
        printf 'xfail %-58s expected failure: %s\n' "$suite/$name" "$res" >$r
    else
        printf 'fail %-58s FAIL: %s\n' "$suite/$name" "$res" >$r
        echo "$suite/$name $res" >$r.why
    fi
    exit 0
fi

if [ ! -d "$DATA/node" ]; then
    echo "conformance: $DATA/node not found (make deps installs libonnx-testdata)" >&2
    exit 2
fi
for t in "$STOIC" bin/onnxinfo bin/pb2npy bin/npycmp; do
    [ -x "$t" ] || { echo "conformance: $t not built" >&2; exit 2; }
done
rm -rf $W
mkdir -p $W/support

rt_sums $W/support/rt.sha256
# from make check's part rt-o1 when it gives one (STOIC_SUPPORT_O1,
# tests/support.sh: the same build_once with -O1, shared with patterns.sh)
if [ -n "${STOIC_SUPPORT_O1:-}" ] && [ "$OPT" = -O1 ]; then
    ln -s "$(cd "$STOIC_SUPPORT_O1" && pwd)" $W/support/cc || exit 2
elif ! build_once $W/support/cc "$CC" $OPT; then
    echo "conformance: the runtime or the harness does not compile:"
    head -n 25 $W/support/cc/fail.log
    exit 1
fi

status=0
total_pass=0
: >$W/unexpected
: >$W/results.txt
mkdir -p $W/res
for suite in node pytorch-converted; do
    for dir in $DATA/$suite/test_*; do
        name=$(basename $dir)
        case "$name" in *"$FILTER"*) echo "$suite/$name" ;; esac
    done >$W/jobs.$suite
    rm -rf $W/sel
    mkdir -p $W/sel
    tr '\n' '\0' <$W/jobs.$suite | xargs -0 -n 40 -P "$JOBS" sh tests/onnx/conformance.sh --select
    # the selected tests, in the order of the list
    cat $W/sel/* 2>/dev/null | awk 'NR == FNR { s[$0] = 1; next } $0 in s' - $W/jobs.$suite >$W/sel.$suite
    tr '\n' '\0' <$W/sel.$suite | xargs -0 -P "$JOBS" -I{} sh tests/onnx/conformance.sh --one {}
    sel=0
    pass=0
    while IFS= read -r t; do
        r=$W/res/${t%%/*}_${t#*/}
        if [ ! -f $r ]; then
            printf '%-58s FAIL: no verdict (interrupted?)\n' "$t" >>$W/results.txt
            echo "$t no verdict" >>$W/unexpected
            sel=$((sel + 1))
            continue
        fi
        read -r kind line <$r
        echo "$line" >>$W/results.txt
        if [ "${QUIET:-0}" != 1 ] || [ "$kind" = fail ] || [ "$kind" = xpass ]; then
            echo "$line"
        fi
        case $kind in
        notsel) continue ;;
        pass) pass=$((pass + 1)) ;;
        xpass) pass=$((pass + 1)); echo "$t passes but is listed" >>$W/unexpected ;;
        fail) cat $r.why >>$W/unexpected ;;
        esac
        sel=$((sel + 1))
    done <$W/jobs.$suite
    total_pass=$((total_pass + pass))
    if [ $sel -gt 0 ]; then
        pct=$((pass * 1000 / sel))
        echo "== $suite: $pass of $sel selected tests pass ($((pct / 10)).$((pct % 10))%)"
        if [ -z "$FILTER" ] && [ $((pass * 100)) -lt $((sel * 95)) ]; then
            echo "== $suite: below 95%"
            status=1
        fi
    fi
done
n_unexp=$(wc -l <$W/unexpected)
if [ "$n_unexp" -gt 0 ]; then
    echo "== not as expected (fix, or list with a reason in $EXPECT):"
    sed 's/^/   /' $W/unexpected
    status=1
fi
echo "$total_pass passed, $n_unexp failed"
exit $status

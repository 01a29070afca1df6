#!/bin/sh
# The digits example end to end: the generated C code must reach the same
# top-1 accuracy as the float model it came from (PyTorch's own outputs,
# examples/digits/val_logits_torch.npy, are the independent oracle), match
# PyTorch's outputs within 1e-4, and equal the host evaluator bit for bit.
# Every stoic run goes through $STOIC, the generator built with ASan/UBSan
# (bin/stoic-asan; tests/common.sh); $STOIC_PLAIN (bin/stoic) rewrites
# files for the comparison with the normal build.
# REQ: REQ-IMP-005 REQ-GEN-002 REQ-GEN-003 REQ-GEN-004 REQ-GEN-010 REQ-DET-003 REQ-MEM-001
set -u
. tests/common.sh
EX=examples/digits
W=build/example
rm -rf $W
mkdir -p $W
pass=0
fail=0
check() { # name, command...
    name=$1
    shift
    if "$@" >$W/last.log 2>&1; then
        pass=$((pass + 1))
        echo "PASS $name"
    else
        fail=$((fail + 1))
        echo "FAIL $name"
        sed 's/^/    /' $W/last.log
    fi
}
STRICT="-std=c99 -pedantic -Wall -Wextra -Wconversion -Wshadow -Werror -O2 -pipe"  # -pipe: tests/common.sh
build() {
    $STOIC generate $EX/digits.xml -o $W/out &&
    for f in $W/out/*.c; do cc $STRICT -c -o "$W/$(basename "$f" .c).o" "$f" || return 1; done &&
    cc -std=c99 -O2 -D_POSIX_C_SOURCE=200809L -Igenerator -I$W/out -o $W/demo \
        $EX/demo_main.c generator/npy.c generator/fileio.c $W/stoic_*.o $W/digits*.o
}
check "generate and compile digits (strict flags)" build
check "run generated code on the validation set" $W/demo $EX/val_x.npy $EX/val_y.npy $W/c.npy
check "host evaluator" $STOIC eval $EX/digits.xml --input $EX/val_x.npy --output $W/eval.npy
check "generated code == evaluator, bit for bit" bin/npycmp $W/c.npy $W/eval.npy --rtol 0 --atol 0
check "generated code vs PyTorch (1e-4)" bin/npycmp $W/c.npy $EX/val_logits_torch.npy --rtol 1e-4 --atol 1e-4
same_accuracy() {
    c=$(bin/top1 $W/c.npy $EX/val_y.npy) && t=$(bin/top1 $EX/val_logits_torch.npy $EX/val_y.npy) &&
    echo "generated code: $c, PyTorch: $t (correct rows)" && [ "$c" = "$t" ]
}
check "same top-1 accuracy as the float model" same_accuracy
no_alloc() {
    ! nm $W/digits*.o $W/stoic_*.o | grep -E ' U (malloc|calloc|realloc|free|exp|expf|tanhf|tanh)$'
}
check "no allocation, no libm in the generated objects" no_alloc
rerun_identical() {
    $STOIC generate $EX/digits.xml -o $W/again >/dev/null && diff -r $W/out $W/again
}
check "regenerating gives byte-identical files" rerun_identical
failed_run_leaves_outdir() {
    # a failing generate into an existing OUTDIR changes nothing in it
    cp -r $W/out $W/before &&
    printf '<model xmlns="urn:stoic:model:1" name="digits">\n<input name="x" shape="4"/>\n</model>\n' >$W/bad.xml &&
    { $STOIC generate $W/bad.xml -o $W/out --name digits; test $? -eq 1; } &&
    diff -r $W/before $W/out && [ -z "$(ls -a $W/out | grep tmp)" ]
}
check "a failing run leaves OUTDIR as it was" failed_run_leaves_outdir
plain_build() {
    # every run above used the ASan/UBSan generator; the normal build must
    # write the same files and compute the same results
    $STOIC_PLAIN generate $EX/digits.xml -o $W/plain >/dev/null && diff -r $W/out $W/plain &&
    $STOIC_PLAIN eval $EX/digits.xml --input $EX/val_x.npy --output $W/plain.npy >/dev/null &&
    bin/npycmp $W/plain.npy $W/eval.npy --rtol 0 --atol 0
}
check "generator without sanitizers ($STOIC_PLAIN) gives the same files and results" plain_build
same_instruction_count() {
    # The same instruction path for every input: callgrind counts the
    # instructions executed inside digits_run for real inputs and extremes.
    command -v valgrind >/dev/null || { echo "valgrind not installed"; return 1; }
    cc -std=c99 -O2 -D_POSIX_C_SOURCE=200809L -Igenerator -I$W/out -include digits.h \
        -DRUN=digits_run -DIN_SIZE=DIGITS_INPUT_SIZE -DOUT_SIZE=DIGITS_OUTPUT_SIZE \
        -o $W/icount tests/tools/icount_main.c generator/npy.c generator/fileio.c \
        $W/stoic_*.o $W/digits*.o || return 1
    counts=""
    for row in 0 1 2 3 4 5 6 7 -1 -2 -3 -4; do
        valgrind --tool=callgrind --toggle-collect=digits_run \
            --callgrind-out-file=$W/cg.out $W/icount $EX/val_x.npy $row >/dev/null 2>$W/cg.log ||
            { cat $W/cg.log; return 1; }
        n=$(sed -n 's/^summary: *//p' $W/cg.out)
        echo "row $row: $n instructions in digits_run"
        counts="$counts $n"
    done
    [ "$(echo $counts | tr ' ' '\n' | sort -u | wc -l)" -eq 1 ] && [ -n "$n" ] && [ "$n" -gt 0 ]
}
check "same instruction count for every input (callgrind)" same_instruction_count
# ONNX models exported by PyTorch, through stoic import, as a user's models
# enter: generated code vs PyTorch's outputs (1e-4) and the evaluator (bit
# for bit), and the same top-1 accuracy.
onnx_model() { # ONNX X.npy LABELS.npy TORCH_LOGITS.npy
    d=$W/$(basename "$1" .onnx)
    mkdir -p $d
    $STOIC import "$1" -o $d/model.xml >$d/import.log &&
    $STOIC eval $d/model.xml --input "$2" --output $d/eval.npy >/dev/null &&
    $STOIC generate $d/model.xml -o $d/out --name model >/dev/null || return 1
    for f in $d/out/*.c; do cc $STRICT -c -o "$d/$(basename "$f" .c).o" "$f" || return 1; done
    cc -std=c99 -O2 -D_POSIX_C_SOURCE=200809L -Igenerator -I$d/out -o $d/harness \
        tests/e2e/harness.c generator/npy.c generator/fileio.c $d/*.o -lm &&
    $d/harness "$2" $d/c.npy "$4" >/dev/null &&
    bin/npycmp $d/c.npy $d/eval.npy --rtol 0 --atol 0 &&
    bin/npycmp $d/c.npy "$4" --rtol 1e-4 --atol 1e-4 &&
    c=$(bin/top1 $d/c.npy "$3") && t=$(bin/top1 "$4" "$3") &&
    echo "generated code: $c, PyTorch: $t (correct rows)" && [ "$c" = "$t" ]
}
check "digits.onnx: import, generate, run = PyTorch" onnx_model $EX/digits.onnx \
    $EX/val_x_nchw.npy $EX/val_y.npy $EX/val_logits_torch.npy
DS=examples/dsconv
check "dsconv.onnx (Conv, depthwise-separable, Clip, MaxPool, Pad+AveragePool, Gemm) = PyTorch" \
    onnx_model $DS/dsconv.onnx $DS/val_x.npy $DS/val_y.npy $DS/val_logits_torch.npy
check "dsconv_bn.onnx (the same with BatchNormalization nodes) = PyTorch" \
    onnx_model $DS/dsconv_bn.onnx $DS/val_x.npy $DS/val_y.npy $DS/val_logits_torch.npy
check "dsconv_zeropad.onnx (ZeroPad2d: pads computed in the graph, then an all-zero Pad) = PyTorch" \
    onnx_model $DS/dsconv_zeropad.onnx $DS/val_x.npy $DS/val_y.npy $DS/val_logits_torch.npy
zeropad_costs_nothing() {
    # The pads subgraph (Constant, ConstantOfShape, Concat, Reshape, Slice,
    # Transpose, Cast) is folded at import; the all-zero Pad is elided and
    # the real one folded into the AveragePool: the generated code moves no
    # data (no pad, copy or transpose kernel), and float32, int8 and int16
    # give dsconv.onnx's results bit for bit (the same weights).
    z=$W/dsconv_zeropad d=$W/dsconv
    for f in $z/out/model.c $d/out/model.c; do
        ! grep -nE '^ *stoic_(pad|copy|transpose)_' $f || return 1
    done
    for p in int8 int16; do
        q="--precision $p --calib $DS/calib_x.npy"
        # shellcheck disable=SC2086
        $STOIC eval $z/model.xml $q --input $DS/val_x.npy --output $z/$p.npy >/dev/null &&
        $STOIC eval $d/model.xml $q --input $DS/val_x.npy --output $d/$p.npy >/dev/null &&
        bin/npycmp $z/$p.npy $d/$p.npy --rtol 0 --atol 0 || return 1
        $STOIC generate $z/model.xml -o $z/out-$p --name model $q >/dev/null &&
        ! grep -nE '^ *stoic_(pad|copy|transpose)_' $z/out-$p/model.c || return 1
    done
    bin/npycmp $z/eval.npy $d/eval.npy --rtol 0 --atol 0
}
check "dsconv_zeropad: no data moved for the pads; = dsconv.onnx bit for bit (float32, int8, int16)" \
    zeropad_costs_nothing
arena_within_bound() {
    # every example and precision: the arena within 5% of the lower bound of
    # the schedule (the most bytes live at one layer)
    for m in $EX/digits.xml examples/mlp/mlp.xml $W/dsconv/model.xml; do
        c=$(dirname $m)/calib_x.npy
        [ -f $c ] || c=$DS/calib_x.npy
        for p in float32 int8 int16; do
            $STOIC generate $m -o $W/bound --name model --precision $p --calib $c >/dev/null &&
            echo "$m $p: $(arena_bound $W/bound/model_report.json)" &&
            arena_bound $W/bound/model_report.json >/dev/null || return 1
        done
    done
}
check "examples (float32, int8, int16): arena within 5% of the lower bound" arena_within_bound
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

#!/bin/sh
# make demo: the digits CNN as a user brings it -- an ONNX file exported by
# PyTorch (examples/digits/train.py) -- through stoic import, generate,
# a strict C99 compile, and a run on the validation set; compared with the
# host evaluator (bit for bit) and with PyTorch's own outputs.
set -eu
EX=examples/digits
OUT=out/digits
mkdir -p out
echo "== stoic import (ONNX -> reviewed model description)"
bin/stoic import $EX/digits.onnx -o out/digits.xml
echo "== stoic eval (host evaluator, the runtime kernels)"
bin/stoic eval out/digits.xml --input $EX/val_x_nchw.npy --labels $EX/val_y.npy --output out/digits_eval.npy
echo "== stoic generate"
bin/stoic generate out/digits.xml -o $OUT
echo "== compile the generated code (strict C99) and run it"
CFLAGS_GEN="-std=c99 -pedantic -Wall -Wextra -Wconversion -Wshadow -Werror -O2"
for f in $OUT/*.c; do
    cc $CFLAGS_GEN -c -o "out/$(basename "$f" .c).o" "$f"
done
cc -std=c99 -O2 -D_POSIX_C_SOURCE=200809L -Igenerator -I$OUT -o out/digits_demo \
    $EX/demo_main.c generator/npy.c generator/fileio.c out/stoic_*.o out/digits*.o
out/digits_demo $EX/val_x_nchw.npy $EX/val_y.npy out/digits_c.npy
echo "== generated code vs host evaluator (must be identical)"
bin/npycmp out/digits_c.npy out/digits_eval.npy --rtol 0 --atol 0
echo "== generated code vs PyTorch"
bin/npycmp out/digits_c.npy $EX/val_logits_torch.npy --rtol 1e-4 --atol 1e-4
echo
echo "generated files:"
ls -l $OUT
echo
echo "== int8: stoic generate --precision int8, calibrated on calib_x.npy, measured on val_x.npy"
Q=out/digits_int8
bin/stoic generate $EX/digits.xml -o $Q --precision int8 --calib $EX/calib_x.npy \
    --val $EX/val_x.npy --labels $EX/val_y.npy
mkdir -p out/int8
for f in $Q/*.c; do
    cc $CFLAGS_GEN -c -o "out/int8/$(basename "$f" .c).o" "$f"
done
cc -std=c99 -O2 -D_POSIX_C_SOURCE=200809L -Igenerator -I$Q -o out/digits_int8_demo \
    $EX/demo_main.c generator/npy.c generator/fileio.c out/int8/*.o
out/digits_int8_demo $EX/val_x.npy $EX/val_y.npy out/digits_int8_c.npy
bin/stoic eval $EX/digits.xml --precision int8 --calib $EX/calib_x.npy \
    --input $EX/val_x.npy --output out/digits_int8_eval.npy >/dev/null
echo "== int8 generated code vs host evaluator (must be identical)"
bin/npycmp out/digits_int8_c.npy out/digits_int8_eval.npy --rtol 0 --atol 0
ls -l $Q
echo "model description: out/digits.xml (+ out/digits.bin)"
echo "report: $OUT/digits_report.json"
echo
echo "== examples/mlp (LeNet-300-100): plain int8 beside a compressed variant found by the"
echo "   budget search (at most 1% of validation rows may change their top-1)"
MLP=examples/mlp
for v in int8 compressed; do
    case $v in
        int8) opts="" ;;
        compressed) opts="--max-accuracy-drop 0.01 --val $MLP/val_x.npy --labels $MLP/val_y.npy" ;;
    esac
    # shellcheck disable=SC2086
    bin/stoic generate $MLP/mlp.xml -o out/mlp_$v --name model --precision int8 \
        --calib $MLP/calib_x.npy $opts | grep -E 'search: (accepted|[0-9]+ candidates)' || true
    mkdir -p out/mlp_$v.o
    for f in out/mlp_$v/*.c; do
        cc $CFLAGS_GEN -c -o "out/mlp_$v.o/$(basename "$f" .c).o" "$f"
    done
    cc -std=c99 -O2 -D_POSIX_C_SOURCE=200809L -Igenerator -Iout/mlp_$v -o out/mlp_$v.run \
        tests/e2e/harness.c generator/npy.c generator/fileio.c out/mlp_$v.o/*.o
    out/mlp_$v.run $MLP/test_x.npy out/mlp_${v}_test.npy >/dev/null
done
for v in int8 compressed; do
    bytes=$(sed -n 's/.*"constant_bytes": \([0-9]*\), "float32_constant_bytes": \([0-9]*\).*/\1 of \2/p' \
        out/mlp_$v/model_report.json)
    correct=$(bin/top1 out/mlp_${v}_test.npy $MLP/test_y.npy | awk '{ print $1 "/" $2 }')
    echo "mlp $v: weights $bytes float32 bytes; generated code top-1 on the held-back test split: $correct rows"
done

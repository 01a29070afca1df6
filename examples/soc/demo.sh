#!/bin/sh
# make demo (examples/soc part): the battery state-of-charge estimators, a
# GRU and an LSTM exported by PyTorch (examples/soc/train.py), through
# stoic import and generate --step in float32, int16 and int8 (int8
# weights, int16 activations), each compiled with the strict flags and run
# on the 300 held-back test windows (and the GRU compressed by the budget
# search, "int8-s": --metric mse on the validation windows, evaluated with
# the plan it writes): the RMSE of the state of charge
# against the simulated truth, its ratio to the float model's, the largest
# difference from float32, the streaming API against the whole sequence
# (bit for bit), and the generated code against stoic eval (bit for bit).
set -eu
EX=examples/soc
O=out/soc
Q="--calibration minmax --calib $EX/calib_x.npy --input-range -2.5:2.5"
CFLAGS_GEN="-std=c99 -pedantic -Wall -Wextra -Wconversion -Wshadow -Werror -O2"
mkdir -p $O
cc -std=c99 -O2 -D_POSIX_C_SOURCE=200809L -c -o $O/npy.o generator/npy.c
cc -std=c99 -O2 -D_POSIX_C_SOURCE=200809L -c -o $O/fileio.o generator/fileio.c
cc -std=c99 -O2 -D_POSIX_C_SOURCE=200809L -Igenerator -o $O/rmse tests/soc/rmse.c \
    $O/npy.o $O/fileio.o -lm
printf '%-5s %-8s %10s %8s %12s  %-22s %s\n' model build rmse ratio "max |d|" stream "C == eval"
for k in gru lstm; do
    bin/stoic import $EX/soc_${k}_17.onnx -o $O/$k.xml >/dev/null 2>&1
    builds="float32 int16 int8"
    [ $k = lstm ] || builds="$builds int8-s"
    for p in $builds; do
        w=$O/$k-$p
        rm -rf "$w"
        mkdir -p "$w/obj"
        opts="--precision ${p%-s}"
        [ "$p" = float32 ] || opts="$opts $Q"
        gopts=$opts
        if [ "$p" = int8-s ]; then
            gopts="$opts --max-accuracy-drop 6e-5 --metric mse --val $EX/val_x.npy"
            opts="$opts --config $w/model_plan.xml"
        fi
        # shellcheck disable=SC2086
        bin/stoic generate $O/$k.xml -o $w/out --name model --step $gopts >$w/generate.log 2>&1
        [ "$p" != int8-s ] || cp $w/out/model_plan.xml $w/model_plan.xml
        for f in $w/out/*.c; do
            cc $CFLAGS_GEN -c -o "$w/obj/$(basename "$f" .c).o" "$f"
        done
        cc -std=c99 -O2 -D_POSIX_C_SOURCE=200809L -Igenerator -I$w/out -o $w/harness \
            tests/e2e/harness.c $O/npy.o $O/fileio.o $w/obj/*.o -lm
        # shellcheck disable=SC2086
        bin/stoic eval $O/$k.xml $opts --input $EX/test_x.npy --output $w/eval.npy >/dev/null 2>&1
        $w/harness $EX/test_x.npy $w/c.npy $w/eval.npy >$w/run.log
        stream=$(grep -o '^stream: [0-9]* rows equal' $w/run.log || echo "stream: DIFFERS")
        same=$(bin/npycmp $w/c.npy $w/eval.npy --rtol 0 --atol 0 >/dev/null 2>&1 && echo yes || echo NO)
        r=$($O/rmse $w/c.npy $EX/test_y.npy)
        [ "$p" = float32 ] && rf=$r
        d=$(bin/npycmp $w/c.npy $O/$k-float32/c.npy --rtol 1 --atol 1 |
            sed -n 's/.*max abs err \([^,]*\),.*/\1/p')
        printf '%-5s %-8s %10s %8s %12s  %-22s %s\n' $k $p "$r" \
            "$(awk -v a="$r" -v b="$rf" 'BEGIN { printf "%.4f", a / b }')" "$d" "$stream" "$same"
    done
done
echo
echo "float32 within 1e-5 of PyTorch's outputs:"
for k in gru lstm; do
    $O/$k-float32/harness $EX/test_x.npy $O/$k-float32/t.npy $EX/test_soc_torch_$k.npy >/dev/null
    bin/npycmp $O/$k-float32/t.npy $EX/test_soc_torch_$k.npy --rtol 1e-5 --atol 1e-6 | tail -1
done

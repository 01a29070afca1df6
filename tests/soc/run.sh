#!/bin/sh
# examples/soc (issue 13): the battery state-of-charge estimators, a GRU and
# an LSTM exported by PyTorch at opsets 13 and 17, through the whole tool:
#   1. stoic import (under ASan/UBSan)                                 exit 0
#   2. stoic generate, float32 (under ASan/UBSan); every file compiles
#      with the strict flags; the harness runs the 300 validation windows
#   3. the generated code within 1e-5 relative (atol 1e-6) of torch's
#      outputs (val_soc_torch_*.npy), and equal to stoic eval bit for bit
#   3b. the streaming API: generate --step; on every window, model_reset
#      and 50 calls of model_step give model_run's output bit for bit (the
#      harness checks it and says "stream: N rows equal")
#   4. the RMSE of the state of charge on the validation and test windows
#      (against val_y.npy / test_y.npy) within 1e-4 of the RMSE of torch's
#      outputs, written to build/soc/summary.txt
# and, for the opset-17 GRU and LSTM, int16 and int8 (int8 weights, int16
# activations in the recurrent layer), calibrated on calib_x.npy with the
# declared input range -2.5:2.5 (README of examples/soc):
#   5. generate --step under ASan/UBSan, strict compile, the stream equals
#      model_run bit for bit, the generated code equals stoic eval bit for
#      bit on val and test;
#   6. the RMSE on val and test at most 1.02 (int16) / 1.10 (int8) times the
#      float model's (torch's outputs' RMSE, which float32 matches within
#      1e-4 by 4)
# and the opset-17 GRU compressed by the budget search (int8, --metric mse
# --max-accuracy-drop 6e-5 on the validation windows): the search must
# remove hidden units of the GRU (the report's accepted candidate names
# the level), the generated code equals stoic eval given that plan
# (--prune-channels F) bit for bit, the stream equals model_run, and the
# RMSE on the test windows, which the search never saw, is at most 1.10
# times the float model's
# Models run in parallel (JOBS, default: the number of CPUs).
# Needs bin/stoic, bin/stoic-asan, bin/npycmp. Usage: sh tests/soc/run.sh
# REQ: REQ-IMP-005 REQ-GEN-011 REQ-GEN-012 REQ-GEN-013 REQ-GEN-014 REQ-GEN-015 REQ-CMP-004
set -u
cd "$(dirname "$0")/../.." || exit 2
STOIC=${STOIC:-bin/stoic}
ASAN=${ASAN:-bin/stoic-asan}
. tests/common.sh # eval_to
D=examples/soc
W=build/soc
STRICT="-std=c99 -pedantic -Wall -Wextra -Wconversion -Wshadow -Werror -pipe"  # -pipe: tests/common.sh
MODELS="soc_gru_13 soc_gru_17 soc_lstm_13 soc_lstm_17 soc_gru_17:int16 soc_lstm_17:int16
soc_gru_17:int8 soc_lstm_17:int8 soc_gru_17:int8-search"
for t in "$STOIC" "$ASAN" bin/npycmp; do
    [ -x "$t" ] || { echo "soc: $t not built" >&2; exit 2; }
done

# RMSE of a [N 1] prediction against [N 1] targets, with the harness' npy
# reader: printed by a one-off C program (no Python in the tests)
rmse() {
    $W/support/rmse "$1" "$2"
}

# build_harness W: the generated files of W/out compiled with the strict
# flags, linked with the e2e harness to W/harness; prints why it fails
build_harness() {
    for f in $1/out/*.c; do
        cc $STRICT -O1 -c -o "$1/$(basename "$f" .c).o" "$f" >>$1/cc.log 2>&1 ||
            { echo "generated code does not compile: $f"; return 1; }
    done
    cc -std=c99 -O1 -D_POSIX_C_SOURCE=200809L -Igenerator -I$1/out -o $1/harness \
        tests/e2e/harness.c $W/support/npy.o $W/support/fileio.o $1/*.o -lm >$1/link.log 2>&1 ||
        { echo "harness does not link"; return 1; }
}

one() { # name -> prints nothing when it passes, else why
    n=$1
    w=$W/$n
    kind=${n#soc_}
    kind=${kind%_*}
    mkdir -p $w
    ASAN_OPTIONS=detect_leaks=1 $ASAN import $D/$n.onnx -o $w/m.xml >$w/import.log 2>&1 ||
        { echo "import fails: $(head -c 300 $w/import.log)"; return; }
    grep -q "<$kind " $w/m.xml || { echo "no $kind layer in the description"; return; }
    ASAN_OPTIONS=detect_leaks=1 $ASAN generate $w/m.xml -o $w/out --name model --step >$w/generate.log 2>&1 ||
        { echo "generate fails: $(grep -m1 error $w/generate.log)"; return; }
    why=$(build_harness "$w") || { echo "$why"; return; }
    for s in val test; do
        want=$D/${s}_soc_torch_$kind.npy
        $w/harness $D/${s}_x.npy $w/$s.npy $want >$w/run-$s.log 2>&1 ||
            { echo "run fails: $(head -1 $w/run-$s.log)"; return; }
        grep -q '^stream: [0-9]* rows equal' $w/run-$s.log ||
            { echo "$s: no stream check in the harness output"; return; }
        bin/npycmp $w/$s.npy $want --rtol 1e-5 --atol 1e-6 >$w/cmp-$s.log 2>&1 ||
            { echo "$s: generated code differs from torch: $(head -1 $w/cmp-$s.log)"; return; }
        (STOIC=$ASAN; ASAN_OPTIONS=detect_leaks=1 eval_to $w/m.xml $w/eval-$s.npy --input $D/${s}_x.npy) \
            >$w/eval-$s.log 2>&1 || { echo "eval fails: $(grep -m1 error $w/eval-$s.log)"; return; }
        $w/harness $D/${s}_x.npy $w/$s-e.npy $w/eval-$s.npy >>$w/run-$s.log 2>&1 ||
            { echo "run fails: $(head -1 $w/run-$s.log)"; return; }
        bin/npycmp $w/$s-e.npy $w/eval-$s.npy --rtol 0 --atol 0 >$w/cmp-eval-$s.log 2>&1 ||
            { echo "$s: generated code differs from stoic eval: $(head -1 $w/cmp-eval-$s.log)"; return; }
        r=$(rmse $w/$s.npy $D/${s}_y.npy) || { echo "rmse fails"; return; }
        rt=$(rmse $want $D/${s}_y.npy) || { echo "rmse fails"; return; }
        awk -v a="$r" -v b="$rt" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= 1e-4) }' ||
            { echo "$s: RMSE $r differs from torch's $rt"; return; }
        echo "$n $s float32 rmse $r torch $rt" >>$w/summary.txt
    done
}

# qone NAME PRECISION -> prints nothing when it passes, else why
QUANT="--calibration minmax --calib $D/calib_x.npy --input-range -2.5:2.5"
qone() {
    n=$1
    p=$2
    w=$W/$n-$p
    kind=${n#soc_}
    kind=${kind%_*}
    case $p in int16) lim=1.02 ;; *) lim=1.10 ;; esac
    prec=${p%-search}
    gopts=""
    case $p in *-search) gopts="--max-accuracy-drop 6e-5 --metric mse --val $D/val_x.npy" ;; esac
    mkdir -p $w
    ASAN_OPTIONS=detect_leaks=1 $ASAN import $D/$n.onnx -o $w/m.xml >$w/import.log 2>&1 ||
        { echo "import fails: $(head -c 300 $w/import.log)"; return; }
    # shellcheck disable=SC2086
    ASAN_OPTIONS=detect_leaks=1 $ASAN generate $w/m.xml -o $w/out --name model --step \
        --precision $prec $QUANT $gopts >$w/generate.log 2>&1 ||
        { echo "generate fails: $(grep -m1 error $w/generate.log)"; return; }
    eopts=""
    if [ -n "$gopts" ]; then
        # the moves accepted: hidden units of the GRU, then (the search's
        # last phase) int16 biases for the dense head, its only layer
        # with a packed kernel
        acc=$(grep -o '"what": "[^"]*", [^}]*"accepted": true' $w/out/model_report.json |
              grep -v '"what": "start: ' | grep -v '"what": "[^"]*int16 biases"')
        b16=$(grep -o '"what": "[^"]*int16 biases", [^}]*"accepted": true' $w/out/model_report.json)
        f=$(echo "$acc" | sed -n 's|^"what": "/rnn/GRU channels \([0-9.]*\)".*|\1|p')
        [ -n "$f" ] && [ "$(echo "$acc" | wc -l)" -eq 1 ] ||
            { echo "the search did not remove hidden units of the GRU alone: $acc"; return; }
        grep -q '"layer": "/rnn/GRU", [^}]*"channels_removed": [1-9]' $w/out/model_report.json ||
            { echo "the report shows no hidden unit removed"; return; }
        eopts="--prune-channels $f${b16:+ --bias int16}"
    fi
    grep -q "stoic_${kind}_s" $w/out/model.c ||
        { echo "no integer $kind kernel in model.c"; return; }
    why=$(build_harness "$w") || { echo "$why"; return; }
    for s in val test; do
        # shellcheck disable=SC2086
        (STOIC=$ASAN; ASAN_OPTIONS=detect_leaks=1 eval_to $w/m.xml $w/eval-$s.npy \
            --precision $prec $QUANT $eopts --input $D/${s}_x.npy) >$w/eval-$s.log 2>&1 ||
            { echo "eval fails: $(grep -m1 error $w/eval-$s.log)"; return; }
        $w/harness $D/${s}_x.npy $w/$s.npy $w/eval-$s.npy >$w/run-$s.log 2>&1 ||
            { echo "run fails: $(head -1 $w/run-$s.log)"; return; }
        grep -q '^stream: [0-9]* rows equal' $w/run-$s.log ||
            { echo "$s: no stream check in the harness output"; return; }
        bin/npycmp $w/$s.npy $w/eval-$s.npy --rtol 0 --atol 0 >$w/cmp-eval-$s.log 2>&1 ||
            { echo "$s: generated code differs from stoic eval: $(head -1 $w/cmp-eval-$s.log)"; return; }
        r=$(rmse $w/$s.npy $D/${s}_y.npy) || { echo "rmse fails"; return; }
        rt=$(rmse $D/${s}_soc_torch_$kind.npy $D/${s}_y.npy) || { echo "rmse fails"; return; }
        [ -n "$gopts" ] && [ $s = val ] ||
            awk -v a="$r" -v b="$rt" -v l="$lim" 'BEGIN { exit !(a <= l * b) }' ||
            { echo "$s: $p RMSE $r above $lim x the float model's $rt"; return; }
        echo "$n $s $p rmse $r float $rt ratio $(awk -v a="$r" -v b="$rt" 'BEGIN { printf "%.4f", a / b }')" \
            >>$w/summary.txt
    done
}

if [ "${1:-}" = --one ]; then
    case $2 in
    *:*) qone "${2%:*}" "${2#*:}" >$W/"$2".why ;;
    *) one "$2" >$W/"$2".why ;;
    esac
    exit 0
fi
rm -rf $W
mkdir -p $W/support
cc -std=c99 -O1 -D_POSIX_C_SOURCE=200809L -c -o $W/support/npy.o generator/npy.c &&
cc -std=c99 -O1 -D_POSIX_C_SOURCE=200809L -c -o $W/support/fileio.o generator/fileio.c &&
cc -std=c99 -O1 -D_POSIX_C_SOURCE=200809L -Igenerator -o $W/support/rmse tests/soc/rmse.c \
    $W/support/npy.o $W/support/fileio.o -lm || exit 2
# shellcheck disable=SC2086
printf '%s\n' $MODELS | xargs -P "${JOBS:-$(nproc)}" -n 1 sh tests/soc/run.sh --one
pass=0
fail=0
for n in $MODELS; do
    why=$(cat $W/$n.why 2>/dev/null || echo "no verdict")
    if [ -z "$why" ]; then
        pass=$((pass + 1))
        echo "PASS $n"
        cat "$W/$(echo "$n" | tr : -)/summary.txt" >>$W/summary.txt
    else
        fail=$((fail + 1))
        echo "FAIL $n: $why" | cat -v
    fi
done
cat $W/summary.txt 2>/dev/null
echo "soc: $pass passed, $fail failed"
[ $fail -eq 0 ]

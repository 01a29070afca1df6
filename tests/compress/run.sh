#!/bin/sh
# Pruning, low-rank and the accuracy budget (issue 5), end to end:
#  - examples/mlp (LeNet-300-100 on digits): the budget search with
#    --max-accuracy-drop 0.01 on the validation split; the generated code,
#    compiled strictly and run on the held-back test split, loses at most
#    1 percentage point of top-1 against float32, its constants (every
#    array the run path reads: int8 weights, sparse indices, biases,
#    multipliers) take at most 1/25 of the float32 bytes (issue 14), it
#    equals the evaluator bit for bit;
#    the search is deterministic (a second run, by the build without
#    sanitizers, writes identical files) and
#    no accepted plan exceeds the budget on the validation rows (report);
#    the report's Pareto front is the front of its candidates (checked in
#    Python from the candidate list);
#  - examples/dsconv (depthwise-separable CNN): the same search on the
#    even rows of its validation split, the odd rows held back as its test
#    split: top-1 drop on them <= 1 pp, generated code == evaluator, at
#    least 7x smaller than float32 (issue 14 asks 10x: not yet, see the
#    README);
#  - both searches again with every evaluation run whole
#    (STOIC_NO_EVAL_CACHE=1): the same candidates, each measured the same
#    to the last printed digit, and the same files as the searches that
#    resume after unchanged leading layers (generator/evcache.c), which
#    did resume; and ten e2e cases of other shapes of graph, pruned and
#    quantized with and without it: the same files;
#  - int4 weights from a policy (mlp: fc1 and fc2 int4, fc3 int8): the
#    report's layer precisions and weight bytes (two per byte, counted
#    by hand), generated code == evaluator, test top-1 within 1.5 pp;
#  - sparse emission (--prune 0.9, float32 and int8) and low-rank
#    (--lowrank-energy 0.9): generated code == evaluator bit for bit;
#  - examples/digits (CNN): removing 50% of the channels (--prune-channels
#    0.5) cuts the instructions of digits_run by at least 40% (callgrind),
#    int8 and float32; the pruned code equals the evaluator;
#  - a transpose folded into the next dense layer's weights (pass_permute):
#    channel pruning, the sparse form and low-rank work after it, with the
#    results of a twin model built without the transpose;
#  - bad options: clear errors.
# Every stoic run goes through $STOIC, the generator built with ASan/UBSan
# (bin/stoic-asan; tests/common.sh); $STOIC_PLAIN (bin/stoic) rewrites
# files for the comparison with the normal build.
# REQ: REQ-GEN-004 REQ-GEN-007 REQ-GEN-010 REQ-CMP-001 REQ-CMP-002 REQ-CMP-003 REQ-CMP-004 REQ-CMP-005
# REQ: REQ-CMP-006
set -u
. tests/common.sh
W=build/compress
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
        grep -E '^(bytes|accuracy|instructions|search:.*chosen|plan)' $W/last.log | sed 's/^/    /'
    else
        fail=$((fail + 1))
        echo "FAIL $name"
        sed 's/^/    /' $W/last.log | tail -30
    fi
}
STRICT="-std=c99 -pedantic -Wall -Wextra -Wconversion -Wshadow -Werror -O2 -pipe"  # -pipe: tests/common.sh
M=examples/mlp
D=examples/digits

HFLAGS="-std=c99 -O2 -D_POSIX_C_SOURCE=200809L -Igenerator -pipe"
# Once, not per variant: the e2e harness's driver (harness.c
# -DHARNESS_DRIVER: no model.h) and its support files, with the flags the
# harness had when it was compiled whole per variant; a variant compiles
# only the glue to its model (-DHARNESS_GLUE, tests/e2e/harness.c).
mkdir -p $W/support/cache
if ! cc $HFLAGS -DHARNESS_DRIVER -c -o $W/support/driver.o tests/e2e/harness.c ||
   ! cc $HFLAGS -c -o $W/support/npy.o generator/npy.c ||
   ! cc $HFLAGS -c -o $W/support/fileio.o generator/fileio.c; then
    echo "FAIL the harness does not compile"
    echo "compress: 0 passed, 1 failed"
    exit 1
fi
# build DIR NAME: compile DIR/*.c strictly, link the generic e2e harness.
# A shipped runtime file (stoic_*.c) that an earlier variant compiled with
# the same (strict) flags, the same text and the same runtime headers of
# its output (stoic_*.h: the only files it includes besides the C
# library's) is not compiled again: that object is copied (the variants
# share most of their cuts of the runtime). The key: the SHA-256 of the
# headers, then the file's; the cache lives in this run's $W only.
build() {
    mkdir -p $1/obj || return 1
    _hk=$(cat $1/out/stoic_*.h 2>/dev/null | sha256sum | cut -c1-32)
    for f in $1/out/*.c; do
        _b=$(basename "$f" .c)
        _k=
        case $_b in stoic_*)
            _k=$W/support/cache/$_hk-$(sha256sum <"$f" | cut -c1-32).o
            if [ -f "$_k" ]; then cp "$_k" "$1/obj/$_b.o" && continue; fi ;;
        esac
        cc $STRICT -c -o "$1/obj/$_b.o" "$f" || return 1
        [ -z "$_k" ] || cp "$1/obj/$_b.o" "$_k" || return 1
    done &&
    cc $HFLAGS -DHARNESS_GLUE -I$1/out -c -o $1/glue.o tests/e2e/harness.c &&
    cc -O2 -o $1/harness $1/glue.o $W/support/driver.o $W/support/npy.o $W/support/fileio.o $1/obj/*.o
}
# variant TAG MODEL X.npy stoic-options...: generate, build, run on X, == eval
variant() {
    tag=$1 model=$2 x=$3
    shift 3
    d=$W/$tag
    mkdir -p $d &&
    $STOIC generate $model -o $d/out --name model "$@" >$d/gen.log 2>&1 &&
    build $d && $d/harness $x $d/c.npy >/dev/null &&
    $STOIC eval $model "$@" --input $x --output $d/eval.npy >/dev/null &&
    bin/npycmp $d/c.npy $d/eval.npy --rtol 0 --atol 0
}
n_rows() { /usr/bin/python3 -c "import numpy; print(len(numpy.load('$1')))"; }
# top1_drop LABEL FLOAT.npy COMPRESSED.npy LABELS.npy: prints both top-1
# accuracies; fails when the compressed loses more than 1 pp
top1_drop() {
    _f=$(bin/top1 "$2" "$4") && _q=$(bin/top1 "$3" "$4") && _n=$(n_rows "$4") &&
    awk -v f="$_f" -v q="$_q" -v n="$_n" -v what="$1" 'BEGIN {
        d = 100.0 * (f - q) / n;
        printf "accuracy: %s, float32 %.2f%%, compressed (generated code) %.2f%%, drop %.2f pp (limit 1)\n",
               what, 100.0 * f / n, 100.0 * q / n, d;
        exit !(d <= 1.0) }'
}
json() { # file, python expression on r (the report)
    /usr/bin/python3 -c "import json; r = json.load(open('$1')); print($2)"
}

# ---- the MLP under a budget -------------------------------------------------
search() {
    d=$W/search
    mkdir -p $d &&
    $STOIC generate $M/mlp.xml -o $d/out --name model --precision int8 \
        --calib $M/calib_x.npy --max-accuracy-drop 0.01 --val $M/val_x.npy \
        --labels $M/val_y.npy >$d/gen.log 2>&1 &&
    build $d && $d/harness $M/test_x.npy $d/c.npy >/dev/null &&
    $STOIC eval $M/mlp.xml --config $d/out/model_plan.xml --calib $M/calib_x.npy \
        --input $M/test_x.npy --output $d/eval.npy >/dev/null &&
    bin/npycmp $d/c.npy $d/eval.npy --rtol 0 --atol 0 &&
    grep 'search:.*chosen' $d/gen.log
}
check "mlp: budget search (int8, drop <= 1%); its plan's generated code == evaluator on the test split" search
mlp_bytes() {
    r=$W/search/out/model_report.json
    q=$(json $r "r['compression']['constant_bytes']") &&
    f=$(json $r "r['compression']['float32_constant_bytes']") &&
    echo "bytes: $q of $f float32 bytes ($(awk -v q=$q -v f=$f 'BEGIN { printf "%.1fx smaller", f/q }'), limit 25x)" &&
    [ $((q * 25)) -le $f ]
}
check "mlp: constant bytes <= 1/25 of float32 (the search alone)" mlp_bytes
pareto() {
    # the front the report lists is the front of its candidates: no
    # candidate has fewer bytes and no more metric (or as few and less)
    r=$W/search/out/model_report.json
    /usr/bin/python3 -c "
import json
s = json.load(open('$r'))['compression']['search']
c = [x for x in s['candidates'] if x['bytes'] >= 0]
def dominated(x):
    return any((y['bytes'] <= x['bytes'] and y['metric'] <= x['metric'] and
                (y['bytes'] < x['bytes'] or y['metric'] < x['metric'])) for y in c)
front = sorted({(x['bytes'], x['metric']) for x in c if not dominated(x)})
listed = sorted({(s['candidates'][i]['bytes'], s['candidates'][i]['metric']) for i in s['pareto_front']})
flagged = sorted({(x['bytes'], x['metric']) for x in s['candidates'] if x['pareto']})
print('plan: Pareto front of %d candidates: %d points, %d to %d bytes' % (len(c), len(front), front[0][0], front[-1][0]))
assert front == listed == flagged, (front, listed, flagged)
assert [s['candidates'][i]['bytes'] for i in s['pareto_front']] == sorted(s['candidates'][i]['bytes'] for i in s['pareto_front'])"
}
check "mlp: the report's Pareto front is that of its candidates" pareto
mlp_test_accuracy() {
    mkdir -p $W/f32 &&
    $STOIC eval $M/mlp.xml --input $M/test_x.npy --output $W/f32/test.npy >/dev/null &&
    top1_drop "held-back test" $W/f32/test.npy $W/search/c.npy $M/test_y.npy
}
check "mlp: top-1 drop on the held-back test split <= 1 pp (generated code)" mlp_test_accuracy
budget_kept() {
    # every accepted candidate and the chosen plan within the budget on val;
    # the chosen plan re-measured independently with stoic eval --config
    r=$W/search/out/model_report.json
    json $r "all(c['metric'] <= 0.01 for c in r['compression']['search']['candidates'] if c['accepted'])" | grep -qx True &&
    json $r "r['compression']['search']['chosen_metric'] <= 0.01" | grep -qx True &&
    $STOIC eval $M/mlp.xml --config $W/search/out/model_plan.xml --calib $M/calib_x.npy \
        --input $M/val_x.npy --output $W/search/val.npy >/dev/null &&
    $STOIC eval $M/mlp.xml --input $M/val_x.npy --output $W/f32/val.npy >/dev/null &&
    /usr/bin/python3 -c "
import numpy as np
f = np.load('$W/f32/val.npy').argmax(1); q = np.load('$W/search/val.npy').argmax(1)
y = np.load('$M/val_y.npy')
ch = (f != q).mean(); drop = (f == y).mean() - (q == y).mean()
print('plan: on val, top-1 changed on %.2f%% of rows, accuracy drop %.2f pp (budget 1)' % (100 * ch, 100 * drop))
assert ch <= 0.01 + 1e-12 and drop <= 0.01 + 1e-12"
}
check "mlp: the chosen plan stays within the budget on the validation split" budget_kept
deterministic() {
    # the second run with the normal build: the same files with and
    # without the sanitizers, too
    $STOIC_PLAIN generate $M/mlp.xml -o $W/search2 --name model --precision int8 \
        --calib $M/calib_x.npy --max-accuracy-drop 0.01 --val $M/val_x.npy \
        --labels $M/val_y.npy >$W/search2.log 2>&1 &&
    diff -r $W/search/out $W/search2 &&
    grep '^search:' $W/search/gen.log >$W/s1 && grep '^search:' $W/search2.log >$W/s2 &&
    cmp $W/s1 $W/s2
}
check "mlp: the search is deterministic (identical files and candidates)" deterministic

# ---- the depthwise-separable CNN under a budget -------------------------------
DS=examples/dsconv
dsconv_search() {
    d=$W/ds
    mkdir -p $d &&
    $STOIC import $DS/dsconv.onnx -o $d/ds.xml >$d/import.log 2>&1 &&
    /usr/bin/python3 -c "
import numpy as np
x = np.load('$DS/val_x.npy'); y = np.load('$DS/val_y.npy')
np.save('$d/sval_x.npy', x[0::2]); np.save('$d/sval_y.npy', y[0::2])
np.save('$d/test_x.npy', x[1::2]); np.save('$d/test_y.npy', y[1::2])" &&
    $STOIC generate $d/ds.xml -o $d/out --name model --precision int8 \
        --calib $DS/calib_x.npy --max-accuracy-drop 0.01 --val $d/sval_x.npy \
        --labels $d/sval_y.npy >$d/gen.log 2>&1 &&
    build $d && $d/harness $d/test_x.npy $d/c.npy >/dev/null &&
    $STOIC eval $d/ds.xml --config $d/out/model_plan.xml --calib $DS/calib_x.npy \
        --input $d/test_x.npy --output $d/eval.npy >/dev/null &&
    bin/npycmp $d/c.npy $d/eval.npy --rtol 0 --atol 0 &&
    $STOIC eval $d/ds.xml --input $d/test_x.npy --output $d/f32.npy >/dev/null &&
    grep 'search:.*chosen' $d/gen.log &&
    r=$d/out/model_report.json &&
    q=$(json $r "r['compression']['constant_bytes']") &&
    f=$(json $r "r['compression']['float32_constant_bytes']") &&
    echo "bytes: $q of $f float32 bytes ($(awk -v q=$q -v f=$f 'BEGIN { printf "%.1fx smaller", f/q }'), floor 7x)" &&
    [ $((q * 7)) -le $f ] &&
    top1_drop "held-back odd rows" $d/f32.npy $d/c.npy $d/test_y.npy
}
check "dsconv: budget search (int8, drop <= 1%) on half the validation rows; test drop <= 1 pp, generated == evaluator" dsconv_search

# cache_off TAG GENDIR MODEL CALIB VAL_X VAL_Y: the search of GENDIR again
# with every evaluation run whole (STOIC_NO_EVAL_CACHE: no activations of
# unchanged leading layers reused, the path without generator/evcache.c),
# by the normal build: the same candidates, measured the same to the last
# digit, and the same files; and the run with the cache did resume
# evaluations (its summary line on stderr)
cache_off() {
    tag=$1 g=$2 model=$3 calib=$4 vx=$5 vy=$6
    STOIC_NO_EVAL_CACHE=1 $STOIC_PLAIN generate $model -o $W/$tag-nocache --name model \
        --precision int8 --calib $calib --max-accuracy-drop 0.01 --val $vx --labels $vy \
        >$W/$tag-nocache.log 2>&1 &&
    grep '^search:' $g/gen.log >$W/$tag-c1 && grep '^search:' $W/$tag-nocache.log >$W/$tag-c2 &&
    cmp $W/$tag-c1 $W/$tag-c2 && diff -r $g/out $W/$tag-nocache &&
    ! grep -q 'resumed' $W/$tag-nocache.log &&
    grep 'evaluations on the validation rows resumed' $g/gen.log | sed 's/^progress: /plan: /' &&
    grep -Eq 'progress: [1-9][0-9]* of [0-9]+ evaluations on the validation rows resumed' $g/gen.log
}
check "mlp: the search resumed after unchanged layers == every evaluation run whole (same candidates, same files)" \
    cache_off mlp $W/search $M/mlp.xml $M/calib_x.npy $M/val_x.npy $M/val_y.npy
check "dsconv: the search resumed after unchanged layers == every evaluation run whole (same candidates, same files)" \
    cache_off ds $W/ds $W/ds/ds.xml $DS/calib_x.npy $W/ds/sval_x.npy $W/ds/sval_y.npy
# The calibration and the refits' inputs, resumed, on graphs the searches
# above do not have (aliases, in-place layers, 64-way and mid-axis
# concatenations, skips, a residual add, resize, unfused sigmoid tables,
# folded transposes, pads): each e2e case pruned (so refitted) and
# quantized, int8 and int16, by the sanitized build with the cache and the
# normal build without it: the same files
calib_cases() {
    for c in alias_reshape_inplace concat_64_inputs concat_axis_mid fuse_dense_sigmoid \
             inplace_shared_sigmoid long_skip residual_block resize_linear_size \
             fold_transpose_two_dense pad_rank3; do
        e=tests/e2e/cases/$c
        for p in int8 int16; do
            $STOIC generate $e/model.xml -o $W/cc-$c-$p --name model --precision $p \
                --calib $e/input.npy --prune 0.5 >/dev/null 2>&1 &&
            STOIC_NO_EVAL_CACHE=1 $STOIC_PLAIN generate $e/model.xml -o $W/cc-$c-$p-whole \
                --name model --precision $p --calib $e/input.npy --prune 0.5 >/dev/null 2>&1 &&
            diff -r $W/cc-$c-$p $W/cc-$c-$p-whole || { echo "$c $p: differ"; return 1; }
        done
    done
}
check "e2e cases pruned and quantized: the calibration resumed == run whole (same files)" calib_cases

# ---- int4 weights from a policy --------------------------------------------------
policy_int4() {
    d=$W/s4
    mkdir -p $d &&
    printf '<compression xmlns="urn:stoic:compression:1">\n  <quantization precision="int8"/>\n  <layer name="/fc1/Gemm" precision="int4"/>\n  <layer name="/fc2/Gemm" precision="int4"/>\n</compression>\n' >$d/p.xml &&
    variant s4 $M/mlp.xml $M/test_x.npy --config $d/p.xml --calib $M/calib_x.npy &&
    r=$d/out/model_report.json &&
    p=$(json $r "' '.join(l['precision'] for l in r['layers'])") &&
    echo "layers: $p" && [ "$p" = "int4 int4 int8" ] &&
    wb=$(json $r "r['compression']['weight_bytes']") &&
    echo "bytes: weights $wb (64 x 300 / 2 + 300 x 100 / 2 + 100 x 10 = 25600)" &&
    [ "$wb" -eq 25600 ] &&
    grep -q 'stoic_dense_s4_pk(&model_p0' $d/out/model.c &&
    grep -q 'stoic_dense_s8_pk_inl(&model_p2' $d/out/model.c &&
    $STOIC eval $M/mlp.xml --input $M/test_x.npy --output $d/f32.npy >/dev/null &&
    _f=$(bin/top1 $d/f32.npy $M/test_y.npy | awk '{ print $1 }') &&
    _q=$(bin/top1 $d/c.npy $M/test_y.npy | awk '{ print $1 }') &&
    echo "accuracy: float32 $_f, int4/int8 $_q correct of $(n_rows $M/test_y.npy) (at most 6 fewer)" &&
    [ $((_f - _q)) -le 6 ]
}
check "mlp int4 weights by policy (fc1, fc2 int4; fc3 int8): report, bytes, generated == evaluator" policy_int4

# ---- sparse and low-rank forms, bit for bit ------------------------------------
check "mlp float32 --prune 0.9 (sparse form): generated == evaluator" \
    variant sp32 $M/mlp.xml $M/test_x.npy --prune 0.9 --calib $M/calib_x.npy
check "mlp int8 --prune 0.9 (sparse form): generated == evaluator" \
    variant sp8 $M/mlp.xml $M/test_x.npy --prune 0.9 --precision int8 --calib $M/calib_x.npy
check "mlp int16 --prune 0.9 (sparse form): generated == evaluator" \
    variant sp16 $M/mlp.xml $M/test_x.npy --prune 0.9 --precision int16 --calib $M/calib_x.npy
sparse_used() {
    grep -q 'stoic_dense_s8_sparse(' $W/sp8/out/model.c && grep -q 'stoic_dense_f32_sparse(' $W/sp32/out/model.c
}
check "the pruned layers are emitted in the sparse form" sparse_used
check "digits CNN int8 --prune 0.8 (sparse convolutions): generated == evaluator" \
    variant cspi8 $D/digits.xml $D/val_x.npy --prune 0.8 --precision int8 --calib $D/calib_x.npy
check "digits CNN float32 --prune 0.8 (sparse convolutions): generated == evaluator" \
    variant cspf $D/digits.xml $D/val_x.npy --prune 0.8 --calib $D/calib_x.npy
check "digits CNN int16 --prune 0.8 (sparse convolutions): generated == evaluator" \
    variant cspi16 $D/digits.xml $D/val_x.npy --prune 0.8 --precision int16 --calib $D/calib_x.npy
sparse_conv_used() {
    grep -q 'stoic_conv2d_s8_sparse(' $W/cspi8/out/model.c &&
    grep -q 'stoic_conv2d_f32_sparse(' $W/cspf/out/model.c &&
    grep -q 'stoic_conv2d_s16_sparse(' $W/cspi16/out/model.c
}
check "the pruned convolutions are emitted in the sparse form" sparse_conv_used
check "mlp int8 --lowrank-energy 0.9: generated == evaluator" \
    variant lr8 $M/mlp.xml $M/test_x.npy --lowrank-energy 0.9 --precision int8 --calib $M/calib_x.npy

# ---- int16 biases (--bias int16) ----------------------------------------------------
# b16 TAG MODEL X.npy CHANNELS options...: the model with int32 and with
# int16 biases, each generated == evaluator; the int16 form's constants
# exactly 2 bytes fewer per output channel of its packed layers (CHANNELS,
# counted by hand from the model), and its top-1 on X the int32 form's on
# all but at most 1% of the rows (the biases rounded to multiples of 2^s
# move an output by a fraction of a step)
b16() {
    bt=$1 bm=$2 bx=$3 ch=$4
    shift 4
    variant ${bt}32 $bm $bx "$@" && variant ${bt}16 $bm $bx "$@" --bias int16 &&
    q32=$(json $W/${bt}32/out/model_report.json "r['compression']['constant_bytes']") &&
    q16=$(json $W/${bt}16/out/model_report.json "r['compression']['constant_bytes']") &&
    echo "bytes: $q32 with int32 biases, $q16 with int16 biases ($ch output channels)" &&
    [ $((q32 - q16)) -eq $((2 * ch)) ] &&
    grep -q '\.b16 = ' $W/${bt}16/out/model.c && ! grep -q '\.b16 = ' $W/${bt}32/out/model.c &&
    # the report names the layers with int16 biases and their shift: as
    # many as the generated code's calls with .b16
    nb=$(json $W/${bt}16/out/model_report.json \
        "sum(1 for l in r['layers'] if l.get('bias_bits') == 16 and l['bias_shift'] >= 0)") &&
    [ "$nb" -eq "$(grep -c '\.b16 = ' $W/${bt}16/out/model.c)" ] &&
    /usr/bin/python3 -c "
import numpy as np
a = np.load('$W/${bt}32/c.npy'); b = np.load('$W/${bt}16/c.npy')
ch = (a.argmax(1) != b.argmax(1)).mean()
print('accuracy: top-1 of the int16-bias code differs from the int32 one on %.2f%% of %d rows' % (100 * ch, len(a)))
assert ch <= 0.01"
}
# dsconv: 8 + 8 + 16 + 16 + 24 + 32 + 10 output channels (3x3 first layer
# and depthwise, 1x1 with and without its pool, dense row pairs); mlp:
# 300 + 100 + 10 (dense row pairs); digits CNN: 8 + 16 + 32 + 10 (its
# 3x3 first layer, a convolution through stoic_conv2d_s8_pk, dense)
check "dsconv int8, int16 biases: 2 bytes less per channel, generated == evaluator" \
    b16 dsb $W/ds/ds.xml $DS/val_x.npy 114 --precision int8 --calib $DS/calib_x.npy
check "dsconv int4 weights, int16 biases: 2 bytes less per channel, generated == evaluator" \
    b16 dsb4 $W/ds/ds.xml $DS/val_x.npy 114 --precision int4 --calib $DS/calib_x.npy --scales tensor
check "mlp int8, int16 biases: 2 bytes less per channel, generated == evaluator" \
    b16 mlpb $M/mlp.xml $M/test_x.npy 410 --precision int8 --calib $M/calib_x.npy
check "mlp int4 weights, int16 biases: 2 bytes less per channel, generated == evaluator" \
    b16 mlpb4 $M/mlp.xml $M/test_x.npy 410 --precision int4 --calib $M/calib_x.npy
# int4 weights in the 3x3 kernels of one input channel per group
# (stoic_conv2d_s8_dw3, w4): dsconv's first layer (1 -> 8) and its first
# depthwise layer (8 channels) take nine int4 weights a channel, 36 bytes
# each instead of 72 (counted by hand: 9 x 8 / 2), so 72 bytes fewer than
# the same model with those two layers int8 (a policy); its second
# depthwise layer, whose int4 scales would need an output multiplier of
# 1/2 or more, keeps int8 weights, with a note
dw_int4() {
    variant dsi4 $W/ds/ds.xml $DS/val_x.npy --precision int4 --calib $DS/calib_x.npy &&
    printf '%s\n' '<compression xmlns="urn:stoic:compression:1">' \
        '  <layer name="/features/features.0/Conv" precision="int8"/>' \
        '  <layer name="/features/features.3/Conv" precision="int8"/>' \
        '</compression>' >$W/dsi4-3x3int8.xml &&
    variant dsi4b $W/ds/ds.xml $DS/val_x.npy --precision int4 --calib $DS/calib_x.npy \
        --config $W/dsi4-3x3int8.xml &&
    [ "$(grep -c '\.w4 = 1' $W/dsi4/out/model.c)" -eq 2 ] &&
    ! grep -q '\.w4 = 1' $W/dsi4b/out/model.c &&
    grep -q "features.11/Conv': int4 weights would need an output multiplier" $W/dsi4/gen.log &&
    [ "$(grep -c '^const int8_t model_p[0-9]*_w\[36\]' $W/dsi4/out/model_weights.c)" -eq 2 ] &&
    json $W/dsi4/out/model_report.json \
        "[l['precision'] for l in r['layers'] if l['op'] == 'conv2d']" | tee $W/dsi4.prec &&
    grep -qx "\['int4', 'int4', 'int4', 'int8', 'int4'\]" $W/dsi4.prec &&
    q=$(json $W/dsi4/out/model_report.json "r['compression']['constant_bytes']") &&
    q8=$(json $W/dsi4b/out/model_report.json "r['compression']['constant_bytes']") &&
    echo "bytes: $q, with the two 3x3 layers int8 $q8" && [ "$q" -eq $((q8 - 72)) ]
}
check "dsconv int4: the 3x3 first and depthwise layers' weights two a byte, generated == evaluator" dw_int4
# int16 biases asked of int16 layers: a note, and int64 biases as before
b16_int16() {
    variant mlpb16s16 $M/mlp.xml $M/test_x.npy --precision int16 --calib $M/calib_x.npy \
        --bias int16 &&
    grep "3 layers asked for int16 biases have none" $W/mlpb16s16/gen.log &&
    ! grep -q '\.b16 = ' $W/mlpb16s16/out/model.c
}
check "mlp int16 with --bias int16: a note, the int64 biases kept" b16_int16
check "digits CNN int8, int16 biases: 2 bytes less per channel, generated == evaluator" \
    b16 dgb $D/digits.xml $D/val_x.npy 66 --precision int8 --calib $D/calib_x.npy

# ---- channel pruning on a CNN: instructions ---------------------------------------
count() { # dir -> instructions of model_run on row 0
    cc -std=c99 -O2 -D_POSIX_C_SOURCE=200809L -Igenerator -I$1/out -include model.h \
        -DRUN=model_run_float -DIN_SIZE=MODEL_INPUT_SIZE -DOUT_SIZE=MODEL_OUTPUT_SIZE \
        -o $1/icount tests/tools/icount_main.c $W/support/npy.o $W/support/fileio.o $1/obj/*.o &&
    valgrind --tool=callgrind --toggle-collect=model_run --callgrind-out-file=$1/cg.out \
        $1/icount $D/val_x.npy 0 >/dev/null 2>$1/cg.log &&
    sed -n 's/^summary: *//p' $1/cg.out
}
channels() { # precision
    p=$1
    variant cnn-$p $D/digits.xml $D/val_x.npy --precision $p --calib $D/calib_x.npy &&
    variant cnn-$p-half $D/digits.xml $D/val_x.npy --precision $p --calib $D/calib_x.npy \
        --prune-channels 0.5 &&
    a=$(count $W/cnn-$p) && b=$(count $W/cnn-$p-half) &&
    echo "instructions: digits_run $p $a, with 50% of the channels removed $b ($(awk -v a=$a -v b=$b 'BEGIN { printf "%.1f%%", 100*(a-b)/a }') fewer, limit 40%)" &&
    [ $((b * 10)) -le $((a * 6)) ]
}
command -v valgrind >/dev/null || echo "valgrind missing"
check "digits CNN int8: 50% of channels removed -> >= 40% fewer instructions" channels int8
check "digits CNN float32: 50% of channels removed -> >= 40% fewer instructions" channels float32

under_asan() {
    # every transformation at once, through the sanitized generator: clean,
    # and the same files as the normal build
    opts="--precision int16 --calib $D/calib_x.npy --prune-channels 0.5 --prune 0.5 --lowrank-energy 0.9"
    # shellcheck disable=SC2086
    $STOIC generate $D/digits.xml -o $W/all-asan $opts >/dev/null &&
    $STOIC_PLAIN generate $D/digits.xml -o $W/all $opts >/dev/null &&
    diff -r $W/all $W/all-asan && echo "asan: low-rank + channels + sparsity + int16: same files"
}
check "generator under ASan/UBSan: low-rank, channel and magnitude pruning, int16" under_asan

# ---- compression after the folded transpose --------------------------------------------
# tests/e2e/cases/fold_transpose_dense: conv, transpose to channels first,
# flatten, dense; its twin has no transpose and the dense columns reordered
# by numpy. pass_permute folds the transpose before compression, so every
# form must give the twin's results bit for bit (and channel pruning, which
# refuses transposes, must go through), and the generated code the
# evaluator's.
FT=tests/e2e/cases/fold_transpose_dense
folded() { # tag, options... (variant sets d, the work directory)
    ft=$1
    shift
    variant ft-$ft $FT/model.xml $FT/input.npy --calib $FT/input.npy "$@" &&
    $STOIC eval $FT/../fold_transpose_dense_twin/model.xml --calib $FT/input.npy "$@" \
        --input $FT/input.npy --output $d/twin.npy >/dev/null &&
    bin/npycmp $d/eval.npy $d/twin.npy --rtol 0 --atol 0 &&
    ! grep -n 'stoic_transpose_' $d/out/model.c
}
check "folded transpose, channel pruning (float32): == its twin, generated == evaluator" \
    folded ch --prune-channels 0.34
check "folded transpose, channel pruning int8: == its twin, generated == evaluator" \
    folded ch8 --prune-channels 0.34 --precision int8
check "folded transpose, 90% pruned int16 (sparse form): == its twin, generated == evaluator" \
    folded sp16 --prune 0.9 --precision int16
check "folded transpose, low-rank int8: == its twin, generated == evaluator" \
    folded lr8 --lowrank-rank 2 --precision int8

# ---- bad options ---------------------------------------------------------------------
refused() { # exit code, message, args...
    code=$1 msg=$2
    shift 2
    $STOIC "$@" >$W/r.out 2>$W/r.err
    rc=$?
    cat $W/r.err
    [ $rc -eq $code ] && grep -qE "$msg" $W/r.err
}
check "--bias int8 is a usage error" refused 2 "bias must be int32 or int16" \
    generate $M/mlp.xml -o $W/x --bias int8
check "--prune 1.5 is a usage error" refused 2 "bad value for --prune" \
    generate $M/mlp.xml -o $W/x --prune 1.5
check "--max-accuracy-drop without --val" refused 2 "needs --val" \
    generate $M/mlp.xml -o $W/x --max-accuracy-drop 0.01
check "the budget search in eval is refused" refused 2 "runs in generate" \
    eval $M/mlp.xml --input $M/test_x.npy --max-accuracy-drop 0.01 --val $M/val_x.npy
check "channel pruning that reaches the model output: error" refused 1 "error" \
    generate $M/mlp.xml -o $W/x --config tests/compress/prune_output.xml

# ---- transposed convolutions (issue 12) ----------------------------------------------
# conv_transpose2d becomes zero insertion (reshapes, pads) and a conv2d that
# keeps the layer's name (pass_convt): compression names it, the zero
# insertion computes in its precision (no conversion before the conv), and
# every form gives generated code == evaluator.
CT=tests/e2e/cases/convt_decoder
CS=tests/e2e/cases/convt_s2_op1
# cvariant TAG CASE-DIR stoic-options...: variant for an e2e case (its
# output shaped like its expected.npy)
cvariant() {
    tag=$1 c=$2
    shift 2
    d=$W/$tag
    mkdir -p $d &&
    # shellcheck disable=SC2086
    $STOIC generate $c/model.xml -o $d/out --name model --calib $c/input.npy ${GEN_EXTRA:-} \
        "$@" >$d/gen.log 2>&1 &&
    build $d && $d/harness $c/input.npy $d/c.npy $c/expected.npy >$d/run.log &&
    $STOIC eval $c/model.xml --calib $c/input.npy "$@" --input $c/input.npy \
        --output $d/eval.npy >/dev/null &&
    bin/npycmp $d/c.npy $d/eval.npy --rtol 0 --atol 0
}
printf '%s\n' '<compression xmlns="urn:stoic:compression:1">' \
    '  <quantization precision="int8" calibration="minmax"/>' \
    '  <layer name="up" precision="int16"/>' '</compression>' >$W/convt_mixed.xml
convt_mixed() {
    cvariant convt-mixed $CS --config $W/convt_mixed.xml &&
    grep -q 'stoic_pad_s16' $d/out/model.c && grep -q 'stoic_conv2d_s16' $d/out/model.c &&
    ! grep -n 'stoic_convert_\|stoic_pad_s8' $d/out/model.c
}
check "conv_transpose2d int16 in an int8 model: its zero insertion in int16, no conversion" \
    convt_mixed
check "conv_transpose2d, channel pruning int8: generated == evaluator" \
    cvariant convt-ch8 tests/e2e/cases/convt_then_conv --prune-channels 0.5 --precision int8
check "conv_transpose2d with kernel = stride (depth-to-space): channel pruning refused" \
    refused 1 "cannot prune the channels of conv_transpose2d 'up1': conv_transpose2d \
'up1.blocks_v' mixes channels" generate $CT/model.xml -o $W/x --prune-channels 0.5
check "conv_transpose2d, 50% pruned int8: generated == evaluator" \
    cvariant convt-sp8 $CT --prune 0.5 --precision int8
check "conv_transpose2d, low-rank int16: generated == evaluator" \
    cvariant convt-lr16 $CT --lowrank-rank 2 --precision int16

# Recurrent layers (README "Pruning, low-rank and the accuracy budget"):
# low-rank recurrences (lstm, gru with and without linear_before_reset,
# reverse with an initial state) and hidden-unit pruning, in every
# precision; with --step the harness also checks the stream against
# model_run bit for bit.
RS=tests/e2e/cases/rnn_stack_last_step_head
# rvariant TAG CASE-DIR stoic-options...: cvariant with the streaming API
# (generate --step: the harness checks the stream against model_run)
rvariant() {
    GEN_EXTRA=--step
    cvariant "$@" && grep -q '^stream: [0-9]* rows equal' $d/run.log
    _rc=$?
    GEN_EXTRA=
    return $_rc
}
lowrank_rnn() { # rvariant, and the report names the ranks
    rvariant "$@" && grep -q '"op": "lstm"\|"op": "gru"' $d/out/model_report.json &&
        grep -q '"rank": [1-9]' $d/out/model_report.json
}
check "lstm -> gru -> head, low-rank recurrences float32 (stream): generated == evaluator" \
    lowrank_rnn s-rnn-lr32 $RS --lowrank-rank 2
check "lstm -> gru -> head, low-rank recurrences int8 (stream): generated == evaluator" \
    lowrank_rnn s-rnn-lr8 $RS --lowrank-rank 2 --precision int8
check "lstm -> gru -> head, low-rank recurrences int16 (stream): generated == evaluator" \
    lowrank_rnn s-rnn-lr16 $RS --lowrank-rank 3 --precision int16
check "gru (linear_before_reset 0), low-rank int16 (stream): generated == evaluator" \
    rvariant s-gru-lr16 tests/e2e/cases/gru_seq --lowrank-rank 3 --precision int16
check "gru (linear_before_reset 0), low-rank int8 (stream): generated == evaluator" \
    rvariant s-gru-lr8 tests/e2e/cases/gru_seq --lowrank-energy 0.9 --precision int8
check "lstm reverse, 3 sequences, initial state, low-rank int8: generated == evaluator" \
    cvariant lstm-rev-lr8 tests/e2e/cases/lstm_batch_reverse_init --lowrank-rank 2 --precision int8
check "lstm -> gru -> head, hidden units pruned int8 (stream): generated == evaluator" \
    rvariant s-rnn-ch8 $RS --prune-channels 0.34 --precision int8
check "lstm -> gru -> head, hidden units pruned and low rank int16: generated == evaluator" \
    rvariant s-rnn-chlr16 $RS --prune-channels 0.25 --lowrank-rank 2 --precision int16
# the head 90% pruned in float32 is emitted sparse: the step graph keeps
# that form (once an internal error: its shapes were checked as dense)
sparse_head() {
    rvariant "$@" && grep -q 'stoic_dense_f32_sparse' $d/out/model.c
}
check "lstm -> gru -> head, 90% pruned float32, the head sparse (stream): generated == evaluator" \
    sparse_head s-rnn-sp32 $RS --prune 0.9

echo "compress: $pass passed, $fail failed"
[ $fail -eq 0 ]

#!/bin/sh
# Quantization end to end (issue 4), on the digits example:
#  - int8 and int16 models are generated from float32 with calibration on
#    examples/digits/calib_x.npy, compiled with strict flags and run on the
#    validation set; their outputs equal the host evaluator's bit for bit;
#  - top-1 accuracy of the generated code against the labels: int8 within
#    0.5 percentage points of float32, int16 within 0.1; int8 weights take at
#    most 26% of the float32 bytes (from the report);
#  - compiled with -DDIGITS_NO_FLOAT, the preprocessed run path (the model
#    and the integer kernels) contains no float or double, and it still links
#    and runs;
#  - a mixed-precision policy file (int8, int16 and float32 layers);
#  - the integer run path executes the same number of instructions for every
#    input (callgrind);
#  - bad calibration data and policies: a clear error, exit 1, nothing written;
#  - the quantization error bound of the report: a hand-derived case, and
#    measured errors within the bounds on the examples.
# Every stoic run goes through $STOIC, the generator built with ASan/UBSan
# (bin/stoic-asan; tests/common.sh); $STOIC_PLAIN (bin/stoic) rewrites
# files for the comparison with the normal build.
# REQ: REQ-IMP-008 REQ-IMP-009 REQ-GEN-001 REQ-GEN-004 REQ-GEN-008 REQ-ARITH-007 REQ-DET-003 REQ-RPT-001 REQ-RPT-003 REQ-ERR-002 REQ-ERR-004
set -u
. tests/common.sh
EX=examples/digits
W=build/quant
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
        sed 's/^/    /' $W/last.log | grep -E '^    (accuracy|weights|row|int8|int16|float32)' | head -20
    else
        fail=$((fail + 1))
        echo "FAIL $name"
        sed 's/^/    /' $W/last.log
    fi
}
STRICT="-std=c99 -pedantic -Wall -Wextra -Wconversion -Wshadow -Werror -O2 -pipe"  # -pipe: tests/common.sh

# generate + compile + run one configuration: $1 tag, rest: stoic options
build_run() {
    tag=$1
    shift
    $STOIC generate $EX/digits.xml -o $W/$tag "$@" --val $EX/val_x.npy --labels $EX/val_y.npy &&
    mkdir -p $W/$tag.o &&
    for f in $W/$tag/*.c; do cc $STRICT -c -o "$W/$tag.o/$(basename "$f" .c).o" "$f" || return 1; done &&
    cc -std=c99 -O2 -D_POSIX_C_SOURCE=200809L -Igenerator -I$W/$tag -o $W/$tag.demo \
        $EX/demo_main.c generator/npy.c generator/fileio.c $W/$tag.o/*.o &&
    $W/$tag.demo $EX/val_x.npy $EX/val_y.npy $W/$tag.c.npy &&
    $STOIC eval $EX/digits.xml "$@" --input $EX/val_x.npy --labels $EX/val_y.npy \
        --output $W/$tag.eval.npy &&
    bin/npycmp $W/$tag.c.npy $W/$tag.eval.npy --rtol 0 --atol 0
}
check "float32: generate, compile, run" build_run f32
check "int8: generate, compile, run; generated == evaluator bit for bit" \
    build_run int8 --precision int8 --calib $EX/calib_x.npy
check "int16: generate, compile, run; generated == evaluator bit for bit" \
    build_run int16 --precision int16 --calib $EX/calib_x.npy

# accuracy of the generated code against the labels (bin/top1 counts rows)
within() { # tag, limit in percentage points
    f=$(bin/top1 $W/f32.c.npy $EX/val_y.npy) && q=$(bin/top1 $W/$1.c.npy $EX/val_y.npy) &&
    n=$(sed -n 1p $W/nrows) &&
    awk -v f="$f" -v q="$q" -v n="$n" -v lim="$2" -v tag="$1" 'BEGIN {
        d = 100.0 * (f - q) / n;
        printf "accuracy: float32 %.2f%%, %s %.2f%% (%d/%d rows), loss %.2f pp (limit %.2f)\n",
               100.0 * f / n, tag, 100.0 * q / n, q, n, d, lim;
        exit !(d <= lim) }'
}
/usr/bin/python3 -c "import numpy; print(len(numpy.load('$EX/val_y.npy')))" >$W/nrows
check "int8 top-1 within 0.5 pp of float32 (generated code)" within int8 0.5
check "int16 top-1 within 0.1 pp of float32 (generated code)" within int16 0.1

# a second real model: examples/dsconv (depthwise-separable CNN, BatchNorm
# kept), imported from ONNX, in float32, int8 and int16, through the generic
# harness of tests/e2e
DS=examples/dsconv
dsconv() { # tag, stoic options...
    tag=$1
    shift
    d=$W/ds-$tag
    mkdir -p $d/obj &&
    $STOIC generate $W/dsconv.xml -o $d/out --name model "$@" &&
    for f in $d/out/*.c; do cc $STRICT -c -o "$d/obj/$(basename "$f" .c).o" "$f" || return 1; done &&
    cc -std=c99 -O2 -D_POSIX_C_SOURCE=200809L -Igenerator -I$d/out -o $d/harness \
        tests/e2e/harness.c generator/npy.c generator/fileio.c $d/obj/*.o &&
    $d/harness $DS/val_x.npy $d/c.npy $DS/val_logits_torch.npy &&
    $STOIC eval $W/dsconv.xml "$@" --input $DS/val_x.npy --output $d/eval.npy >/dev/null &&
    bin/npycmp $d/c.npy $d/eval.npy --rtol 0 --atol 0
}
import_dsconv() {
    $STOIC import $DS/dsconv_bn.onnx -o $W/dsconv.xml
}
check "dsconv: import" import_dsconv
check "dsconv float32: generate, compile, run" dsconv f32
check "dsconv int8: generated == evaluator bit for bit" dsconv int8 --precision int8 --calib $DS/calib_x.npy
check "dsconv int16: generated == evaluator bit for bit" dsconv int16 --precision int16 --calib $DS/calib_x.npy
ds_within() { # tag, limit in percentage points
    f=$(bin/top1 $W/ds-f32/c.npy $DS/val_y.npy) && q=$(bin/top1 $W/ds-$1/c.npy $DS/val_y.npy) &&
    n=$(/usr/bin/python3 -c "import numpy; print(len(numpy.load('$DS/val_y.npy')))") &&
    awk -v f="$f" -v q="$q" -v n="$n" -v lim="$2" -v tag="$1" 'BEGIN {
        d = 100.0 * (f - q) / n;
        printf "accuracy: dsconv float32 %.2f%%, %s %.2f%% (%d/%d rows), loss %.2f pp (limit %.2f)\n",
               100.0 * f / n, tag, 100.0 * q / n, q, n, d, lim;
        exit !(d <= lim) }'
}
check "dsconv int8 top-1 within 0.5 pp of float32 (generated code)" ds_within int8 0.5
check "dsconv int16 top-1 within 0.1 pp of float32 (generated code)" ds_within int16 0.1

weights_ratio() {
    # weight tensors (dense/conv matrices); biases (int32 by the scheme) and
    # multipliers are reported apart, as constant_ratio
    r=$(sed -n 's/.*"weight_ratio": \([0-9.]*\).*/\1/p' $W/int8/digits_report.json) &&
    c=$(sed -n 's/.*"constant_ratio": \([0-9.]*\).*/\1/p' $W/int8/digits_report.json) &&
    echo "weights: int8 weights take $r of the float32 bytes (limit 0.26); all constants with int32 biases and multipliers: $c" &&
    awk -v r="$r" 'BEGIN { exit !(r > 0 && r <= 0.26) }'
}
check "int8 weights <= 26% of float32 bytes" weights_ratio

no_float() {
    # the run path: the model and every kernel it calls (not the float wrapper's
    # quantize/dequantize, not the float math)
    for tag in int8 int16; do
        files="$W/$tag/digits.c $W/$tag/digits_weights.c"
        for f in $W/$tag/stoic_*.c; do
            case $(basename $f) in
                stoic_math_f32.c|stoic_quantize_*|stoic_dequantize_*|*_f32.c) ;;
                *) files="$files $f" ;;
            esac
        done
        for f in $files; do
            cc -std=c99 -E -P -DDIGITS_NO_FLOAT -I$W/$tag "$f" >$W/pp.c || return 1
            if grep -nwE 'float|double' $W/pp.c; then echo "$tag: $f has float"; return 1; fi
        done
        cc $STRICT -DDIGITS_NO_FLOAT -I$W/$tag -o $W/$tag.nofloat \
            -DSIZE_IN=DIGITS_INPUT_SIZE tests/quant/nofloat_main.c $files || return 1
        $W/$tag.nofloat || return 1
        echo "$tag: no float/double in the preprocessed run path ($(echo $files | wc -w) files)"
    done
}
check "-DDIGITS_NO_FLOAT: no float in the run path; it links and runs" no_float

mixed() {
    cat >$W/mixed.xml <<'X'
<compression xmlns="urn:stoic:compression:1">
  <quantization precision="int8" calibration="minmax"/>
  <layer name="conv2" precision="int16"/>
  <layer name="fc2" precision="float32"/>
</compression>
X
    build_run mixed --config $W/mixed.xml --calib $EX/calib_x.npy &&
    grep -q '"precision": "int16"' $W/mixed/digits_report.json &&
    grep -q '"precision": "float32"' $W/mixed/digits_report.json &&
    grep -q '"precision": "int8"' $W/mixed/digits_report.json
}
check "mixed precision policy (int8 + int16 + float32 layers)" mixed

plain_build() {
    # every run above used the ASan/UBSan generator ($STOIC); the normal
    # build must write the same files
    for tag in int8 int16 mixed; do
        case $tag in
            mixed) opts="--config $W/mixed.xml --calib $EX/calib_x.npy" ;;
            *) opts="--precision $tag --calib $EX/calib_x.npy" ;;
        esac
        # shellcheck disable=SC2086
        $STOIC_PLAIN generate $EX/digits.xml -o $W/plain-$tag $opts \
            --val $EX/val_x.npy --labels $EX/val_y.npy >/dev/null &&
        diff -r $W/$tag $W/plain-$tag || return 1
    done
    echo "int8, int16, mixed: same files with and without ASan/UBSan"
}
check "generator under ASan/UBSan: clean, and the same files as without ($STOIC_PLAIN)" plain_build

same_instruction_count() {
    command -v valgrind >/dev/null || { echo "valgrind not installed"; return 1; }
    cc -std=c99 -O2 -D_POSIX_C_SOURCE=200809L -Igenerator -I$W/int8 -include digits.h \
        -DRUN=digits_run_float -DIN_SIZE=DIGITS_INPUT_SIZE -DOUT_SIZE=DIGITS_OUTPUT_SIZE \
        -o $W/icount tests/tools/icount_main.c generator/npy.c generator/fileio.c \
        $W/int8.o/*.o || return 1
    counts=""
    for row in 0 1 2 3 -1 -2 -3 -4; do
        valgrind --tool=callgrind --toggle-collect=digits_run \
            --callgrind-out-file=$W/cg.out $W/icount $EX/val_x.npy $row >/dev/null 2>$W/cg.log ||
            { cat $W/cg.log; return 1; }
        n=$(sed -n 's/^summary: *//p' $W/cg.out)
        echo "row $row: $n instructions in digits_run (int8)"
        counts="$counts $n"
    done
    [ "$(echo $counts | tr ' ' '\n' | sort -u | wc -l)" -eq 1 ]
}
check "int8 run path: same instruction count for every input" same_instruction_count

# bad calibration data and policies: exit 1, the message, nothing written
refuses() { # message regex, stoic args...
    msg=$1
    shift
    rm -rf $W/refused
    $STOIC generate $EX/digits.xml -o $W/refused "$@" 2>$W/err.txt
    rc=$?
    cat $W/err.txt
    [ $rc -eq 1 ] && grep -qE "$msg" $W/err.txt && [ ! -e $W/refused ]
}
/usr/bin/python3 - "$W" <<'PY'
import sys, numpy as np
w = sys.argv[1]
x = np.load("examples/digits/calib_x.npy")
np.save(w + "/cal_f64.npy", x.astype(np.float64))
np.save(w + "/cal_shape.npy", x.reshape(x.shape[0], -1)[:, :60].copy())
n = x.copy(); n[3, 2, 1, 0] = np.nan; np.save(w + "/cal_nan.npy", n)
i = x.copy(); i[0, 0, 0, 0] = np.inf; np.save(w + "/cal_inf.npy", i)
np.save(w + "/cal_empty.npy", x[:0])
PY
check "calibration: wrong dtype" refuses "cal_f64.npy: error: data must be float32" \
    --precision int8 --calib $W/cal_f64.npy
check "calibration: wrong shape" refuses "cal_shape.npy: error: shape does not fit" \
    --precision int8 --calib $W/cal_shape.npy
check "calibration: NaN" refuses "cal_nan.npy: error: row 3, element .* is not finite" \
    --precision int8 --calib $W/cal_nan.npy
check "calibration: Inf" refuses "cal_inf.npy: error: row 0, element 0 is not finite" \
    --precision int8 --calib $W/cal_inf.npy
check "calibration: empty" refuses "cal_empty.npy: error: shape does not fit" \
    --precision int8 --calib $W/cal_empty.npy
check "calibration: missing file" refuses "nope.npy: error" --precision int8 --calib $W/nope.npy
check "calibration: not given" refuses "error: integer layers need calibration data" \
    --precision int8
unknown_layer() {
    printf '<compression xmlns="urn:stoic:compression:1">\n  <layer name="conv1" precision="int8"/>\n  <layer name="nosuch" precision="int8"/>\n</compression>\n' >$W/badlayer.xml
    refuses "badlayer.xml:3: error: the model has no layer 'nosuch'" --config $W/badlayer.xml \
        --calib $EX/calib_x.npy
}
check "policy naming a layer the model lacks" unknown_layer
bad_policy() {
    printf '<compression xmlns="urn:stoic:compression:1">\n  <layer name="conv1" precision="int2"/>\n</compression>\n' >$W/badprec.xml
    refuses "badprec.xml:2: error" --config $W/badprec.xml --calib $EX/calib_x.npy
}
check "policy with an invalid precision (schema)" bad_policy

# ---- the quantization error bound (README "Quantization error bound") ---------
# The hand-derived case: y = 0.3 x + 0.1 (float32 constants), x calibrated
# (minmax) on 0, 0.25, 0.5, 0.75, 1. By hand, with w = f32(0.3), b = f32(0.1):
#   input:  [0, 1] -> s_x = 1/255, zp -128; error inside the domain s_x / 2;
#   weight: s_w = w / 127, q_w = 127: no weight error (w q_w / 127 = w);
#   bias:   v = round(b / (s_x s_w)), error |v s_x s_w - b| (no correction:
#           the weight error is 0);
#   output: calibrated [b, f32(w + b)] -> grid [0, f32(w + b)], s_y = that / 255;
#   error_bound_in_range = w s_x / 2 + |bias error| + (w + b + e) 2^-31 + s_y
#     (e the first two terms: carried error; 2^-31 the multiplier's
#     relative error on the pre-activation magnitude w + b + e; s_y the
#     requantization's two roundings);
#   error_bound = that + (w + b) - 255 s_y (the interval's end beyond the
#     grid: w + b in double exceeds its float32 sum).
errbound_hand() {
    $STOIC generate tests/quant/errbound/dense.xml -o $W/eb_hand --precision int8 \
        --calib tests/quant/errbound/calib.npy --calibration minmax -q || return 1
    ${PYTHON:-/usr/bin/python3} - "$W/eb_hand/eb_report.json" <<'PY'
import json, struct, sys
f32 = lambda v: struct.unpack("<f", struct.pack("<f", v))[0]
w, b = f32(0.3), f32(0.1)
sx = 1.0 / 255.0
sw = w / 127.0
v = round(b / (sx * sw))
db = abs(v * sx * sw - b)
sy = f32(w + b) / 255.0
e = w * sx / 2.0 + db
ns = e + (w + b + e) * 2.0 ** -31 + sy
dom = ns + max(0.0, (w + b) - 255.0 * sy)
L = json.load(open(sys.argv[1]))["layers"][0]
print("error_bound_in_range %.9g (hand %.9g), error_bound %.9g (hand %.9g)"
      % (L["error_bound_in_range"], ns, L["error_bound"], dom))
ok = abs(L["error_bound_in_range"] - ns) <= 1e-8 * ns and abs(L["error_bound"] - dom) <= 1e-8 * dom
sys.exit(0 if ok and abs(L["scale"] - sy) <= 1e-8 * sy else 1)
PY
}
check "error bound: the hand-derived dense case" errbound_hand
# The bounds hold on data: calibrated (minmax) and evaluated on the same
# rows, no tensor leaves its grid, so every layer's measured largest error
# is at most error_bound_in_range, itself at most error_bound; softmax and
# int16 tables are the only layers without one.
errbound_data() { # example precision
    m=$1
    $STOIC generate examples/$m/$m.xml -o $W/eb_$m$2 --precision $2 --calib examples/$m/calib_x.npy \
        --calibration minmax --val examples/$m/calib_x.npy -q || return 1
    ${PYTHON:-/usr/bin/python3} - "$W/eb_$m$2/${m}_report.json" <<'PY'
import json, sys
bad = 0
for L in json.load(open(sys.argv[1]))["layers"]:
    eb, ebr, me = L.get("error_bound"), L.get("error_bound_in_range"), L.get("max_abs_error")
    print("%-12s %-12s measured %-12.6g in range %-12.6g domain %.6g" % (L["name"][:12], L["op"], me, ebr, eb))
    if eb is None or ebr is None or me is None or not (me <= ebr <= eb):
        bad += 1
sys.exit(1 if bad else 0)
PY
}
check "error bound: digits int8, every layer measured <= in range <= domain" errbound_data digits int8
check "error bound: mlp int8, every layer measured <= in range <= domain" errbound_data mlp int8
check "error bound: digits int16, every layer measured <= in range <= domain" errbound_data digits int16

echo "quant: $pass passed, $fail failed"
[ $fail -eq 0 ]

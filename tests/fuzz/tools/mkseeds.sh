#!/bin/sh
# Rebuilds the raw seed inputs of every harness into DIR/<harness>/ (default
# build/fuzz/seeds); tests/fuzz/tools/minimize.sh then merges them into the
# committed corpora (tests/fuzz/corpus/<harness>/). Needs bin/onnxinfo
# (make bin/onnxinfo), build/onnx.pb-c.c, python3, cc, protobuf-c and
# Debian's libonnx-testdata.
set -eu
OUT=${1:-build/fuzz/seeds}
D=${ONNX_TESTDATA:-/usr/share/libonnx-testdata/data}
T=tests/fuzz/tools
rm -rf "$OUT"
mkdir -p "$OUT/model" "$OUT/generate" "$OUT/config" "$OUT/onnx" "$OUT/npy"

# ---- model descriptions: generated ones, the e2e and malformed cases ----
for m in cnn mlp resid misc; do python3 $T/mkmodel.py $m >"$OUT/model/gen_$m.xml"; done
for f in tests/e2e/cases/*/model.xml; do
    cp "$f" "$OUT/model/e2e_$(basename "$(dirname "$f")").xml"
done
for f in tests/malformed/*.xml tests/bad/files/*.xml tests/compress/*.xml; do
    cp "$f" "$OUT/model/bad_$(basename "$f")"
done
# external weights: w.bin beside the model (the harness writes it: 64 floats k/4)
cat >"$OUT/model/ext_src.xml" <<'X'
<?xml version="1.0" encoding="UTF-8"?>
<model xmlns="urn:stoic:model:1" name="ext" version="1">
  <input name="x" shape="4"/>
  <constant name="k" shape="4" src="w.bin" offset="16" count="4" sha256="a48e1749a86d4a9a2293e837c3f5f6671ca1e67f5137cc2f9a34de6d5f1549f0"/>
  <layers>
    <dense name="fc" inputs="x" output="h" units="4">
      <param name="weight" shape="4 4" src="w.bin" offset="0" count="16" sha256="a48e1749a86d4a9a2293e837c3f5f6671ca1e67f5137cc2f9a34de6d5f1549f0"/>
      <param name="bias" shape="4" src="w.bin" offset="64" count="4" sha256="a48e1749a86d4a9a2293e837c3f5f6671ca1e67f5137cc2f9a34de6d5f1549f0"/>
    </dense>
    <add name="a" inputs="h k" output="y"/>
  </layers>
  <output name="y"/>
</model>
X

# ---- generate: the models, with and without compression options --------
cp "$OUT"/model/gen_*.xml "$OUT"/model/ext_src.xml "$OUT/generate/"
i=0
for spec in "cnn:int8" "mlp:int16 prune=0.6" "resid:int8 mse" "misc:int16 minmax" \
            "cnn:channels=0.5 l2" "mlp:rank=2" "cnn:energy=0.9 int8 percentile" \
            "resid:int16" "misc:int8" "mlp:prune=0.9 int8 norefit" "cnn:prune=0.8 int16" \
            "resid:channels=0.25" "cnn:float32 prune=0.95"; do
    m=${spec%%:*}
    o=${spec#*:}
    i=$((i + 1))
    sed "2i <!-- fuzz: $o -->" "$OUT/model/gen_$m.xml" >"$OUT/generate/opt$i-$m.xml"
done
for c in conv2d_depthwise avg_pool2d_pads_include concat3_channels bn_fold_conv1d \
         add_bcast_const alias_reshape_inplace; do
    [ -f tests/e2e/cases/$c/model.xml ] || continue
    sed "2i <!-- fuzz: int8 -->" tests/e2e/cases/$c/model.xml >"$OUT/generate/e2e8_$c.xml"
    sed "2i <!-- fuzz: int16 prune=0.5 -->" tests/e2e/cases/$c/model.xml >"$OUT/generate/e2e16_$c.xml"
    cp tests/e2e/cases/$c/model.xml "$OUT/generate/e2e_$c.xml"
done

# ---- compression policies (for the fixed CNN of fuzz_config) -------------
n=0
pol() { n=$((n + 1)); printf '%s\n' "$1" >"$OUT/config/p$n.xml"; }
NS='xmlns="urn:stoic:compression:1"'
pol "<compression $NS><quantization precision=\"int8\"/></compression>"
pol "<compression $NS><quantization precision=\"int16\" calibration=\"minmax\"/></compression>"
pol "<compression $NS><quantization precision=\"int8\" calibration=\"percentile\" percentile=\"99.9\"/><layer name=\"fc1\" precision=\"int16\"/><layer name=\"fc2\" precision=\"float32\"/></compression>"
pol "<compression $NS><quantization precision=\"int8\" calibration=\"mse\"/><layer name=\"bn1\" precision=\"int16\"/><layer name=\"sm\" precision=\"float32\"/></compression>"
pol "<compression $NS><pruning sparsity=\"0.7\"/></compression>"
pol "<compression $NS><pruning channels=\"0.5\" norm=\"l2\"/><layer name=\"c1\" channels=\"0.25\"/></compression>"
pol "<compression $NS><lowrank rank=\"2\"/><quantization precision=\"int8\"/></compression>"
pol "<compression $NS><lowrank energy=\"0.9\"/><layer name=\"fc1\" sparsity=\"0.9\" precision=\"int8\"/></compression>"
pol "<compression $NS><quantization precision=\"int8\"/><budget max_drop=\"0.1\"/></compression>"
pol "<compression $NS><budget max_drop=\"0.05\" metric=\"mse\" minimize=\"macs\"/></compression>"
pol "<compression $NS><quantization precision=\"int8\"/><layer name=\"nosuch\"/><layer name=\"c1\"/><layer name=\"c1\"/></compression>"
pol "<compression $NS><quantization percentile=\"40\"/></compression>"
pol "<?xml version=\"1.0\"?>
<compression $NS>
  <quantization precision=\"int16\" calibration=\"mse\"/>
  <pruning sparsity=\"0.5\" channels=\"0.25\" norm=\"l1\"/>
  <lowrank energy=\"0.95\"/>
  <layer name=\"c1\" precision=\"int8\" sparsity=\"0.6\" rank=\"3\"/>
  <layer name=\"fc2\" channels=\"0\" energy=\"1\"/>
</compression>"

# ---- ONNX: the backend node tests with operators in stoic's list (inputs
# other than the first frozen to their test values), the examples, the bad files
cc -std=c99 -O1 -Ibuild -o build/fuzz/onnx_freeze $T/onnx_freeze.c build/onnx.pb-c.c -lprotobuf-c
OPS=" Gemm MatMul Conv MaxPool AveragePool GlobalAveragePool Relu LeakyRelu Clip Sigmoid Tanh Softmax Add Mul Concat Flatten Reshape Pad BatchNormalization Identity Dropout Constant Unsqueeze Squeeze Transpose "
for t in "$D"/node/*/ "$D"/pytorch-converted/test_Conv*/ "$D"/pytorch-converted/test_*Pool*/ \
         "$D"/pytorch-converted/test_Linear*/; do
    [ -f "$t/model.onnx" ] || continue
    ok=1
    for op in $(bin/onnxinfo "$t/model.onnx" 2>/dev/null | sed -n 's/^node [^ ]* \([^ ]*\).*/\1/p'); do
        case "$OPS" in *" $op "*) ;; *) ok=0 ;; esac
    done
    [ $ok = 1 ] || continue
    ins=$(ls "$t"/test_data_set_0/input_*.pb 2>/dev/null | sort -V | tail -n +2)
    # shellcheck disable=SC2086
    build/fuzz/onnx_freeze "$t/model.onnx" "$OUT/onnx/$(basename "$t").onnx" $ins || true
done
cp examples/digits/digits.onnx examples/dsconv/*.onnx "$OUT/onnx/"
for f in tests/onnx/bad/*.onnx; do cp "$f" "$OUT/onnx/bad_$(basename "$f")"; done

# ---- .npy files ----------------------------------------------------------
python3 $T/mknpy.py "$OUT/npy"
echo "seeds in $OUT: $(for h in model generate config onnx npy; do printf '%s %s ' $h "$(ls "$OUT/$h" | wc -l)"; done)"

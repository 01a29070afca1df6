#!/bin/sh
# Real ONNX patterns (issue 9) through the whole tool: the models of
# tests/bad/make_onnx.py that must import -- a torch-exported MLP (MatMul +
# bias Add), dense autoencoder and DS-CNN, CNTK's Times + Plus, the model
# zoo's MNIST layout, and a model whose every name is hostile -- are
# imported (under the sanitizers), generated, compiled strictly, run on 4
# samples and compared with the reference outputs (torch or numpy, written
# by make_onnx.py; rtol 1e-5, atol 1e-6: stoic eval and the generated code). The imported description must
# also hold only schema-valid names and a one-line description with no
# "--" and no "*/". Issue 12: ir10 is written at ONNX IR version 10; the
# fold_* models carry shape arithmetic (Shape, Gather, Range, Expand,
# Where, ...) that the importer must fold: their XML lists the folded
# nodes in a comment, the import log says so. mnist_zoo's Conv bias Adds
# must be the convolutions' biases (no add layer left), as conv_bias_1d's;
# conv_bias_shared's stays an add (its Conv output has another reader).
# convt, convt_dw, convt_1d, convt_decoder: torch's ConvTranspose2d/1d
# (stride 2 with output_padding, depthwise, 1-D, a Conv -> ConvTranspose
# decoder whose kernel-2 stride-2 layer takes the depth-to-space form).
# Each also in int8 and int16 (calibrated on its inputs, generated under
# the sanitizers): compiled strictly, run, equal to stoic eval bit for bit.
# An opset-17 model whose import equals its opset-13 twin's but for the
# names (the same layers, weight hashes and inputs) is imported, checked
# and evaluated against torch, but its code (float, int8, int16) is the
# twin's, built and run by the twin's job: "PASS NAME (code as TWIN's)".
# A twin that imports to other layers (v3_block: HardSwish) runs its own.
# two_heads has three graph outputs (one also read by the other head): the
# harness and stoic eval (one --output each) put them side by side in a row,
# as NAME.want.npy holds torch's. gru_bidir, lstm_stack, lstm_seq (torch's
# GRU and LSTM: bidirectional, two layers, a head on every step) too, their
# recurrent layers with int16 activations (README "Recurrent layers").
# Every generated .c compiles silently with the strict flags (cc -O1); a
# runtime file that is a byte-identical copy of runtime/, or that an
# earlier model compiled with the same flags and runtime headers, is
# compiled once and its object linked (tests/common.sh: build_once,
# rt_plan, out_compile), as is the harness's driver (one glue per model).
# Models run in parallel (JOBS, default: the number of CPUs). The variables
# D (directory), W (work directory), MODELS, RTOL and ATOL select another
# set (make check-onnx-models: tests/onnx/models).
# Needs bin/stoic, bin/stoic-asan, bin/npycmp. Usage: sh tests/onnx/patterns.sh
# REQ: REQ-IMP-005 REQ-IMP-010 REQ-GEN-011
set -u
cd "$(dirname "$0")/../.." || exit 2
STOIC=${STOIC:-bin/stoic}
IMPORT=${IMPORT:-bin/stoic-asan}
. tests/common.sh # eval_to
D=${D:-tests/bad/files/onnx}
W=${W:-build/onnx_patterns}
STRICT="-std=c99 -pedantic -Wall -Wextra -Wconversion -Wshadow -Werror -pipe"  # -pipe: tests/common.sh
MODELS=${MODELS:-"mlp_torch autoenc_torch dscnn_torch cntk_times_plus mnist_zoo names_hostile
        fold_view_13 fold_view_17 fold_zeros_13 fold_zeros_17 fold_pad_13 fold_pad_17
        fold_where_13 fold_where_17 fold_range fold_names ir10
        conv_bias_1d conv_bias_shared
        v3_block_13 v3_block_17 cnn1d_gap_13 cnn1d_gap_17 gmax_13 gmax_17
        tcn_13 tcn_17 chan_split_13 chan_split_17 split_chan_13 split_chan_17
        chunk_time_13 chunk_time_17 reduce_axes_13 reduce_axes_17 reduce_1d_13 reduce_1d_17
        strided_1d_13 strided_1d_17 strided_2d_13 strided_2d_17
        two_heads_13 two_heads_17
        convt_13 convt_17 convt_dw_13 convt_dw_17 convt_1d_13 convt_1d_17
        convt_decoder_13 convt_decoder_17
        up_nearest_13 up_nearest_17 up_bilinear_13 up_bilinear_17
        up_bilinear_ac_13 up_bilinear_ac_17 interp_size_13 interp_size_17
        gru_bidir_13 gru_bidir_17 lstm_stack_13 lstm_stack_17 lstm_seq_13 lstm_seq_17"}
# float32: stoic eval and the generated code against the reference outputs
# (|got - want| <= ATOL + RTOL |want|)
RTOL=${RTOL:-1e-5}
ATOL=${ATOL:-1e-6}
for t in "$STOIC" "$IMPORT" bin/npycmp; do
    [ -x "$t" ] || { echo "patterns: $t not built" >&2; exit 2; }
done
# Once, not per model: the runtime (every runtime/*.c, strict, -O1) and
# the harness's driver and support files (tests/common.sh build_once); a
# generated runtime file that is a byte-identical copy of runtime/ links
# that object, and one that an earlier model compiled silently with the
# same flags and headers links that model's object (out_compile's cache)
if [ "${1:-}" != --one ]; then
    rm -rf $W
    mkdir -p $W/support
    rt_sums $W/support/rt.sha256
    # from make check's part rt-o1 when it gives one (STOIC_SUPPORT_O1,
    # tests/support.sh: the same build_once, shared with conformance.sh)
    if [ -n "${STOIC_SUPPORT_O1:-}" ]; then
        ln -s "$(cd "$STOIC_SUPPORT_O1" && pwd)" $W/support/cc || exit 2
    elif ! build_once $W/support/cc "$CC" -O1; then
        echo "patterns: the runtime or the harness does not compile (silently):"
        head -n 25 $W/support/cc/fail.log
        exit 2
    fi
fi

one() { # name -> prints nothing when it passes, else why
    n=$1
    w=$W/$n
    mkdir -p $w
    ASAN_OPTIONS=detect_leaks=1 $IMPORT import $D/$n.onnx -o $w/m.xml >$w/import.log 2>&1 ||
        { echo "import fails: $(head -c 300 $w/import.log)"; return; }
    # names: the schema's pattern; the description: one line, no -- or */
    bad=$(grep -o ' \(name\|inputs\|output\)="[^"]*"' $w/m.xml | sed 's/^ [a-z]*="//; s/"$//' |
          tr ' ' '\n' | LC_ALL=C grep -v '^[A-Za-z0-9_.:/-]\{1,128\}$' | head -1)
    [ -z "$bad" ] || { echo "invalid name in the XML: $bad"; return; }
    LC_ALL=C grep -q '<description>.*</description>' $w/m.xml ||
        { echo "the description is not one line"; return; }
    ! grep '<description>' $w/m.xml | grep -q -e '--' -e '\*/' ||
        { echo "the description holds -- or */"; return; }
    ! grep -o ' name="[^"]*"' $w/m.xml | grep -q -e '--' ||
        { echo "a name holds --"; return; }
    # an XML comment (the list of folded nodes) holds no "--" inside
    ! awk '/<!--/ { c = 1; next } /-->/ { c = 0 } c' $w/m.xml | grep -q -e '--' ||
        { echo "a comment holds --"; return; }
    case $n in
    mnist_zoo) # the Conv bias Adds (and MatMul + Add) fold into their layers
        ! grep -q '<add ' $w/m.xml || { echo "a separate add layer is left"; return; }
        [ "$(grep -c '<param name="bias"' $w/m.xml)" -eq 3 ] ||
            { echo "not 3 biases (2 conv, 1 dense)"; return; } ;;
    conv_bias_1d)
        ! grep -q '<add ' $w/m.xml || { echo "a separate add layer is left"; return; }
        grep -q '<param name="bias" shape="5"' $w/m.xml || { echo "no conv bias"; return; } ;;
    conv_bias_shared) # the Conv output has two readers: the bias stays an add
        [ "$(grep -c '<add ' $w/m.xml)" -eq 2 ] || { echo "not 2 add layers"; return; } ;;
    esac
    case $n in fold_*) # shape arithmetic: folded at import, listed in the XML and the log
        grep -q '^  <!-- [0-9]* ONNX nodes* folded at import' $w/m.xml ||
            { echo "no list of folded nodes in the XML"; return; }
        grep -q "note: [0-9]* nodes* folded at import" $w/import.log ||
            { echo "no folded nodes in the import log"; return; }
        ! grep -q '<\(gather\|shape\|expand\|where\|range\)' $w/m.xml ||
            { echo "a shape operation reached the layers"; return; } ;;
    esac
    # An opset-17 export whose import is its opset-13 twin's (the same
    # layers, weights -- their SHA-256 -- and inputs; only the model's name
    # and the description's provenance differ) has the same generated
    # code, float and quantized, built and checked by the twin's job: this
    # one checks the sameness and its own stoic eval against torch.
    twin=
    case $n in *_17)
        t=${n%_17}_13
        case " $(echo $MODELS) " in *" $t "*)
            # (imported to twin/m.xml: the model's name is the file's)
            if cmp -s $D/$n.in.npy $D/$t.in.npy && mkdir -p $w/twin &&
               ASAN_OPTIONS=detect_leaks=1 $IMPORT import $D/$t.onnx -o $w/twin/m.xml >$w/twin.log 2>&1 &&
               sed '/<description>/d' $w/twin/m.xml >$w/twin.n &&
               sed '/<description>/d' $w/m.xml >$w/m.n && cmp -s $w/m.n $w/twin.n; then
                twin=$t
            fi ;;
        esac ;;
    esac
    if [ -z "$twin" ]; then
        ASAN_OPTIONS=detect_leaks=1 $IMPORT generate $w/m.xml -o $w/out --name model >$w/generate.log 2>&1 ||
            { echo "generate fails: $(grep -m1 error $w/generate.log)"; return; }
        # every OUT/*.c, strictly, silently (cc -O1; runtime copies: once)
        rt_plan $w/out $W/support/rt.sha256 $w/plan
        # shellcheck disable=SC2086
        out_compile $w/out $w/plan $W/support/cc $w/obj "$CC" $STRICT -O1 ||
            { echo "generated code does not compile: $oc_reason: $(head -c 300 "$oc_log" 2>/dev/null)"; return; }
        harness_link $w/out $W/support/cc $w/obj $w/harness $w/link.log "$CC" -O1 ||
            { echo "harness does not link: $(head -c 300 $w/link.log)"; return; }
        $w/harness $D/$n.in.npy $w/got.npy $D/$n.want.npy >$w/run.log 2>&1 ||
            { echo "run fails: $(head -1 $w/run.log)"; return; }
        bin/npycmp $w/got.npy $D/$n.want.npy --rtol $RTOL --atol $ATOL >$w/cmp.log 2>&1 ||
            { echo "wrong result: $(head -1 $w/cmp.log)"; return; }
    fi
    (STOIC=$IMPORT; ASAN_OPTIONS=detect_leaks=1 eval_to $w/m.xml $w/eval.npy --input $D/$n.in.npy) >$w/eval.log 2>&1 ||
        { echo "eval fails: $(grep -m1 error $w/eval.log)"; return; }
    # as [N, K] rows (a batch of one kept by the import gives eval [N 1 K])
    bin/npycmp --cat $w/eval-rows.npy $w/eval.npy >$w/cmp-eval.log 2>&1 &&
        bin/npycmp --cat $w/want-rows.npy $D/$n.want.npy >>$w/cmp-eval.log 2>&1 ||
        { echo "stoic eval: rows: $(head -1 $w/cmp-eval.log)"; return; }
    bin/npycmp $w/eval-rows.npy $w/want-rows.npy --rtol $RTOL --atol $ATOL >$w/cmp-eval.log 2>&1 ||
        { echo "stoic eval: wrong result: $(head -1 $w/cmp-eval.log)"; return; }
    if [ -n "$twin" ]; then
        echo "code as $twin's" >$w/twin.note
        return
    fi
    # int8 and int16, calibrated on the model's own inputs (under the
    # sanitizers): the generated code equals stoic eval bit for bit
    for p in int8 int16; do
        q="--precision $p --calib $D/$n.in.npy"
        # shellcheck disable=SC2086
        ASAN_OPTIONS=detect_leaks=1 $IMPORT generate $w/m.xml -o $w/$p --name model $q \
            >$w/gen-$p.log 2>&1 || { echo "$p generate fails: $(grep -m1 error $w/gen-$p.log)"; return; }
        # shellcheck disable=SC2086
        (STOIC=$IMPORT; ASAN_OPTIONS=detect_leaks=1 eval_to $w/m.xml $w/eval-$p.npy $q --input $D/$n.in.npy) >$w/eval-$p.log 2>&1 ||
            { echo "$p eval fails: $(grep -m1 error $w/eval-$p.log)"; return; }
        rt_plan $w/$p $W/support/rt.sha256 $w/plan-$p
        # shellcheck disable=SC2086
        out_compile $w/$p $w/plan-$p $W/support/cc $w/o-$p "$CC" $STRICT -O1 ||
            { echo "$p generated code does not compile: $oc_reason: $(head -c 300 "$oc_log" 2>/dev/null)"; return; }
        harness_link $w/$p $W/support/cc $w/o-$p $w/harness-$p $w/link-$p.log "$CC" -O1 ||
            { echo "$p harness does not link: $(head -c 300 $w/link-$p.log)"; return; }
        $w/harness-$p $D/$n.in.npy $w/got-$p.npy $w/eval-$p.npy >$w/run-$p.log 2>&1 ||
            { echo "$p run fails: $(head -1 $w/run-$p.log)"; return; }
        bin/npycmp $w/got-$p.npy $w/eval-$p.npy --rtol 0 --atol 0 >$w/cmp-$p.log 2>&1 ||
            { echo "$p generated code differs from stoic eval: $(head -1 $w/cmp-$p.log)"; return; }
    done
}

# one model (run by the loop below, JOBS at a time): its verdict in $W/NAME.why
if [ "${1:-}" = --one ]; then
    one "$2" >$W/"$2".why
    exit 0
fi
export D W MODELS RTOL ATOL STOIC IMPORT
# shellcheck disable=SC2086
printf '%s\n' $MODELS | xargs -P "${JOBS:-$(nproc)}" -n 1 sh tests/onnx/patterns.sh --one
pass=0
fail=0
for n in $MODELS; do
    why=$(cat $W/$n.why 2>/dev/null || echo "no verdict")
    if [ -z "$why" ]; then
        pass=$((pass + 1))
        echo "PASS $n$(sed 's/^/ (/; s/$/)/' $W/$n/twin.note 2>/dev/null)"
    else
        fail=$((fail + 1))
        echo "FAIL $n: $why" | cat -v
    fi
done
echo "onnx patterns: $pass passed, $fail failed"
[ $fail -eq 0 ]

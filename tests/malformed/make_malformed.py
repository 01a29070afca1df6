#!/usr/bin/python3
"""Writes the malformed model descriptions tests/malformed/*.xml (and the
external weight fixtures *.bin beside them).

Each file starts with
    <!-- expect-line: L [L2 ...] -->   line(s) the diagnostic may name
    <!-- expect: SUB[|SUB2...] -->     lowercase substring(s); one must occur
    <!-- what: ... -->
and holds exactly one defect. In the templates below "@@" marks the
offending line (several marks: any of them is accepted); the mark is removed
and its line number written into the header, so the numbers cannot drift.
For files that are not well-formed the line is the one libxml2 reports
(checked with xmllint when run with --check).

Usage: /usr/bin/python3 tests/malformed/make_malformed.py [--check]
  --check  also checks with xmllint that schema cases fail the schema,
           that semantic cases pass it, and the well-formedness lines.
"""

import base64
import glob
import hashlib
import os
import re
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
XSD = os.path.join(HERE, "..", "..", "schemas", "model.xsd")


def b64(values):
    return base64.b64encode(struct.pack("<%df" % len(values), *values)).decode("ascii")


def seq(n, scale=0.125):
    return [((i * 7) % 11 - 5) * scale for i in range(n)]


def raw_f32(values):
    return struct.pack("<%df" % len(values), *values)


W24 = b64(seq(8))      # [2 4]
B2 = b64([0.5, -0.5])  # [2]

# kind: "wf" not well-formed, "schema" schema violation, "sem" semantic
CASES = []


def case(name, kind, expect, what, text, bins=None):
    CASES.append((name, kind, expect, what, text, bins or {}))


HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n{HEADER}\n'
ROOT = '<model xmlns="urn:stoic:model:1" name="m" version="1">'


def dense_model(input_line='<input name="x" shape="4" dtype="float32"/>', dense_attrs='units="2"',
                params=None, extra_layers="", output="y", root=ROOT):
    if params is None:
        params = ('      <param name="weight" shape="2 4" encoding="base64">%s</param>\n'
                  '      <param name="bias" shape="2" encoding="base64">%s</param>\n' % (W24, B2))
    return (HEAD + root + "\n"
            "  " + input_line + "\n"
            "  <layers>\n"
            '    <dense name="fc" inputs="x" output="y" ' + dense_attrs + ">\n"
            + params +
            "    </dense>\n" + extra_layers +
            "  </layers>\n"
            '  <output name="' + output + '"/>\n'
            "</model>\n")


def img_model(layers, shape="4 4 2", constants="", output="y"):
    return (HEAD + ROOT + "\n"
            '  <input name="x" shape="' + shape + '" dtype="float32"/>\n' + constants +
            "  <layers>\n" + layers + "  </layers>\n"
            '  <output name="' + output + '"/>\n'
            "</model>\n")


# ---- not well-formed / refused XML --------------------------------------------

case("nwf_tag_mismatch", "wf", "mismatch|tag", "end tag does not match the start tag",
     HEAD + ROOT + "\n"
     '  <input name="x" shape="4" dtype="float32"/>\n'
     "  <layers>\n"
     '    <relu name="r" inputs="x" output="y"/>\n'
     "  </layer>@@\n"
     '  <output name="y"/>\n'
     "</model>\n")

case("nwf_unquoted_attribute", "wf", "attvalue|quote|expected", "attribute value without quotes",
     HEAD + ROOT + "\n"
     "  <input name=x shape=\"4\" dtype=\"float32\"/>@@\n"
     "  <layers>\n"
     '    <relu name="r" inputs="x" output="y"/>\n'
     "  </layers>\n"
     '  <output name="y"/>\n'
     "</model>\n")

case("nwf_truncated", "wf", "premature|end of|not closed|truncated", "document ends inside the root element",
     HEAD + ROOT + "\n"
     '  <input name="x" shape="4" dtype="float32"/>\n'
     "  <layers>\n"
     '    <relu name="r" inputs="x" output="y"/>\n'
     "  </layers>@@\n@@")

case("nwf_extra_content", "wf", "extra content|end of the document|after the root", "a second root element",
     HEAD + ROOT + "\n"
     '  <input name="x" shape="4" dtype="float32"/>\n'
     "  <layers>\n"
     '    <relu name="r" inputs="x" output="y"/>\n'
     "  </layers>\n"
     '  <output name="y"/>\n'
     "</model>\n"
     "<model/>@@\n")

case("nwf_bad_char_ref", "wf", "char|reference", "a character reference to U+0001 (not an XML character)",
     HEAD + ROOT + "\n"
     "  <description>bell &#1; here</description>@@\n"
     '  <input name="x" shape="4" dtype="float32"/>\n'
     "  <layers>\n"
     '    <relu name="r" inputs="x" output="y"/>\n'
     "  </layers>\n"
     '  <output name="y"/>\n'
     "</model>\n")

case("doctype", "wf", "doctype", "a DOCTYPE (refused: no DTDs, no entities)",
     HEAD + "<!DOCTYPE model>@@\n" + ROOT + "\n"
     '  <input name="x" shape="4" dtype="float32"/>\n'
     "  <layers>\n"
     '    <relu name="r" inputs="x" output="y"/>\n'
     "  </layers>\n"
     '  <output name="y"/>\n'
     "</model>\n")

case("external_entity", "wf", "doctype|entity",
     "an external entity (XXE): must be refused, never read",
     HEAD + '<!DOCTYPE model [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>@@\n' + ROOT + "\n"
     "  <description>&xxe;</description>@@\n"
     '  <input name="x" shape="4" dtype="float32"/>\n'
     "  <layers>\n"
     '    <relu name="r" inputs="x" output="y"/>\n'
     "  </layers>\n"
     '  <output name="y"/>\n'
     "</model>\n")

case("entity_expansion", "wf", "doctype|entity",
     "nested internal entities (billion laughs): must be refused (libxml2 itself reports an entity loop where they are used)",
     HEAD + '<!DOCTYPE model [ <!ENTITY a "aaaaaaaaaa"> <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
     ' <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"> <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;"> ]>@@\n'
     + ROOT + "\n"
     "  <description>&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;</description>@@\n"
     '  <input name="x" shape="4" dtype="float32"/>\n'
     "  <layers>\n"
     '    <relu name="r" inputs="x" output="y"/>\n'
     "  </layers>\n"
     '  <output name="y"/>\n'
     "</model>\n")

# ---- schema violations --------------------------------------------------------

case("wrong_namespace", "schema", "namespace|urn:stoic:model:2|model",
     "root element in another namespace",
     dense_model(root='<model xmlns="urn:stoic:model:2" name="m" version="1">@@'))

case("no_namespace", "schema", "namespace|model",
     "root element without a namespace",
     dense_model(root='<model name="m" version="1">@@'))

case("missing_units", "schema", "units", "dense without its required attribute units",
     dense_model(dense_attrs='activation="relu"').replace('activation="relu">', 'activation="relu">@@'))

case("unknown_element", "schema", "softplus", "an element the schema does not know",
     img_model('    <softplus name="s" inputs="x" output="y"/>@@\n'))

case("unknown_attribute", "schema", "slope", "an attribute the schema does not know",
     img_model('    <relu name="r" inputs="x" output="y" slope="0.1"/>@@\n'))

case("bad_activation_enum", "schema", "gelu", "activation not in the enumeration",
     dense_model(dense_attrs='units="2" activation="gelu"') .replace(
         'activation="gelu">', 'activation="gelu">@@'))

case("bad_padding_enum", "schema", "full|padding", "padding not in the enumeration",
     img_model('    <max_pool2d name="p" inputs="x" output="y" kernel="2 2" strides="2 2" padding="full"/>@@\n'))

case("bad_shape_syntax", "schema", "shape", "shape is not a list of integers",
     dense_model(input_line='<input name="x" shape="2 x 2" dtype="float32"/>@@'))

case("bad_shape_zero", "schema", "shape", "a zero dimension",
     dense_model(input_line='<input name="x" shape="0 4" dtype="float32"/>@@'))

case("bad_kernel_arity", "schema", "kernel", "conv2d kernel with three values",
     img_model('    <max_pool2d name="p" inputs="x" output="y" kernel="2 2 2" strides="2 2"/>@@\n'))

case("bad_model_name", "schema", "name", "model name is not a C identifier",
     dense_model(root='<model xmlns="urn:stoic:model:1" name="2-model" version="1">@@'))

case("bad_version", "schema", "version", "version other than the fixed 1",
     dense_model(root='<model xmlns="urn:stoic:model:1" name="m" version="2">@@'))

case("two_inputs", "schema", "input", "a second model input",
     dense_model(input_line='<input name="x" shape="4" dtype="float32"/>\n'
                 '  <input name="x2" shape="4" dtype="float32"/>@@'))

case("bad_float_attribute", "schema", "alpha", "alpha is not a number",
     img_model('    <leaky_relu name="r" inputs="x" output="y" alpha="small"/>@@\n'))

# ---- names and graph ------------------------------------------------------------

case("slice_step_zero", "sem", "step", "a slice with a step of 0",
     img_model('    <slice name="s" inputs="x" output="y" starts="0 0 0" ends="4 4 2" '
               'steps="1 0 1"/>@@\n'))

case("slice_steps_count", "sem", "steps", "a slice with two steps for three axes",
     img_model('    <slice name="s" inputs="x" output="y" starts="0 0 0" ends="4 4 2" '
               'steps="2 -1"/>@@\n'))

case("slice_empty_range", "sem", "range", "a slice whose end is not after its start",
     img_model('    <slice name="s" inputs="x" output="y" starts="0 3 0" ends="4 3 2" '
               'steps="1 -1 1"/>@@\n'))

case("duplicate_layer_name", "sem", "duplicate", "two layers named r",
     img_model('    <relu name="r" inputs="x" output="h"/>\n'
               '    <tanh name="r" inputs="h" output="y"/>@@\n'))

case("duplicate_tensor", "sem", "twice|duplicate|already", "two layers write tensor h",
     img_model('    <relu name="r1" inputs="x" output="h"/>\n'
               '    <tanh name="t1" inputs="x" output="h"/>@@\n'
               '    <sigmoid name="s1" inputs="h" output="y"/>\n'))

case("tensor_shadows_input", "sem", "duplicate|already|twice", "a layer writes the model input's tensor x",
     img_model('    <relu name="r1" inputs="x" output="x"/>@@\n'
               '    <tanh name="t1" inputs="x" output="y"/>\n'))

case("unknown_input_tensor", "sem", "unknown tensor", "a layer reads a tensor nothing defines",
     img_model('    <relu name="r1" inputs="x" output="h"/>\n'
               '    <add name="a1" inputs="h nosuch" output="y"/>@@\n'))

case("cycle", "sem", "cycle", "b reads c's output and c reads b's",
     img_model('    <relu name="a" inputs="x" output="h1"/>\n'
               '    <add name="b" inputs="h1 h3" output="h2"/>@@\n'
               '    <tanh name="c" inputs="h2" output="h3"/>@@\n'
               '    <sigmoid name="d" inputs="h2" output="y"/>\n'))

case("output_never_produced", "sem", "ghost", "<output> names a tensor no layer writes",
     img_model('    <relu name="r1" inputs="x" output="y"/>\n', output="ghost").replace(
         '<output name="ghost"/>', '<output name="ghost"/>@@'))

case("missing_param", "sem", "weight", "dense without its weight",
     dense_model(params='      <param name="bias" shape="2" encoding="base64">%s</param>\n' % B2)
     .replace('units="2">', 'units="2">@@'))

case("unknown_param", "sem", "gamma", "a param the operator does not take",
     dense_model(params='      <param name="weight" shape="2 4" encoding="base64">%s</param>\n'
                 '      <param name="gamma" shape="2" encoding="base64">%s</param>@@\n' % (W24, B2)))

# ---- weights --------------------------------------------------------------------

case("weight_count_inline", "sem", "count|values|elements|12", "base64 holds 10 floats, shape 3 4 needs 12",
     img_model('    <dense name="fc" inputs="x" output="y" units="3">\n'
               '      <param name="weight" shape="3 4" encoding="base64">%s</param>@@\n'
               '    </dense>\n' % b64(seq(10)), shape="4"))

BIN48 = raw_f32(seq(12))
case("weight_count_external", "sem", "count", "count 10 but shape 3 4 (12 elements)",
     img_model('    <dense name="fc" inputs="x" output="y" units="3">\n'
               '      <param name="weight" shape="3 4" src="weight_count_external.bin" offset="0" count="10"'
               ' sha256="%s"/>@@\n'
               '    </dense>\n' % hashlib.sha256(BIN48).hexdigest(), shape="4"),
     bins={"weight_count_external.bin": BIN48})

case("base64_garbage", "sem", "base64", "characters outside the base64 alphabet",
     img_model('    <dense name="fc" inputs="x" output="y" units="2">\n'
               '      <param name="weight" shape="2 4" encoding="base64">AAAAAAAA*AAA!AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=</param>@@\n'
               '    </dense>\n', shape="4"))

case("base64_bad_padding", "sem", "base64", "base64 with a length that is not a multiple of 4",
     img_model('    <dense name="fc" inputs="x" output="y" units="2">\n'
               '      <param name="weight" shape="2 4" encoding="base64">%s</param>@@\n'
               '    </dense>\n' % W24[:-3], shape="4"))

case("nan_weight", "sem", "not finite", "a NaN in the weights",
     img_model('    <dense name="fc" inputs="x" output="y" units="2">\n'
               '      <param name="weight" shape="2 4" encoding="base64">%s</param>\n'
               '      <param name="bias" shape="2" encoding="base64">%s</param>@@\n'
               '    </dense>\n' % (W24, b64([0.5, float("nan")])), shape="4"))

case("inf_weight", "sem", "not finite", "an infinity in a constant",
     img_model('    <add name="a" inputs="x k" output="y"/>\n', shape="4",
               constants='  <constant name="k" shape="4" encoding="base64">%s</constant>@@\n'
               % b64([1.0, float("-inf"), 2.0, 3.0])))

case("external_missing", "sem", "does_not_exist.bin", "external weight file that is not there",
     img_model('    <dense name="fc" inputs="x" output="y" units="3">\n'
               '      <param name="weight" shape="3 4" src="does_not_exist.bin" offset="0" count="12"'
               ' sha256="%s"/>@@\n'
               '    </dense>\n' % hashlib.sha256(BIN48).hexdigest(), shape="4"))

BIN40 = raw_f32(seq(10))
case("external_short", "sem", "short|end of|beyond|past|too small|exceeds|only",
     "offset 8 + 12 floats = 56 bytes, the file has 40",
     img_model('    <dense name="fc" inputs="x" output="y" units="3">\n'
               '      <param name="weight" shape="3 4" src="external_short.bin" offset="8" count="12"'
               ' sha256="%s"/>@@\n'
               '    </dense>\n' % hashlib.sha256(BIN40).hexdigest(), shape="4"),
     bins={"external_short.bin": BIN40})

case("sha256_mismatch", "sem", "sha256|sha-256", "the file's hash is not the one given",
     img_model('    <dense name="fc" inputs="x" output="y" units="3">\n'
               '      <param name="weight" shape="3 4" src="sha256_mismatch.bin" offset="0" count="12"'
               ' sha256="%s"/>@@\n'
               '    </dense>\n' % hashlib.sha256(BIN48 + b"x").hexdigest(), shape="4"),
     bins={"sha256_mismatch.bin": BIN48})

case("src_and_encoding", "sem", "src|encoding|both", "a param with both inline data and src",
     img_model('    <dense name="fc" inputs="x" output="y" units="3">\n'
               '      <param name="weight" shape="3 4" encoding="base64" src="sha256_mismatch.bin" offset="0"'
               ' count="12" sha256="%s">%s</param>@@\n'
               '    </dense>\n' % (hashlib.sha256(BIN48).hexdigest(), b64(seq(12))), shape="4"))

# ---- shapes ---------------------------------------------------------------------

case("conv2d_channel_mismatch", "sem", "shape|channel", "input has 3 channels, the weight 2",
     img_model('    <conv2d name="c" inputs="x" output="y" filters="4" kernel="3 3">@@\n'
               '      <param name="weight" shape="4 3 3 2" encoding="base64">%s</param>@@\n'
               '    </conv2d>\n' % b64(seq(72)), shape="5 5 3"))

case("groups_not_dividing", "sem", "group", "groups 3 does not divide 4 input channels",
     img_model('    <conv2d name="c" inputs="x" output="y" filters="6" kernel="1 1" groups="3">@@\n'
               '      <param name="weight" shape="6 1 1 1" encoding="base64">%s</param>\n'
               '    </conv2d>\n' % b64(seq(6)), shape="4 4 4"))

case("groups_not_dividing_filters", "sem", "group|filters", "depthwise: 4 filters for 3 groups",
     img_model('    <conv2d name="c" inputs="x" output="y" filters="4" kernel="1 1" groups="3">@@\n'
               '      <param name="weight" shape="4 1 1 1" encoding="base64">%s</param>\n'
               '    </conv2d>\n' % b64(seq(4)), shape="4 4 3"))

case("dense_k_mismatch", "sem", "shape", "weight [2 5] for an input with K = 4",
     img_model('    <dense name="fc" inputs="x" output="y" units="2">@@\n'
               '      <param name="weight" shape="2 5" encoding="base64">%s</param>@@\n'
               '    </dense>\n' % b64(seq(10)), shape="4"))

case("dense_units_mismatch", "sem", "shape|units", "units 3 but weight [2 4]",
     img_model('    <dense name="fc" inputs="x" output="y" units="3">@@\n'
               '      <param name="weight" shape="2 4" encoding="base64">%s</param>@@\n'
               '    </dense>\n' % W24, shape="4"))

case("bias_shape_mismatch", "sem", "shape|bias", "bias [3] for 2 units",
     img_model('    <dense name="fc" inputs="x" output="y" units="2">@@\n'
               '      <param name="weight" shape="2 4" encoding="base64">%s</param>\n'
               '      <param name="bias" shape="3" encoding="base64">%s</param>@@\n'
               '    </dense>\n' % (W24, b64([1, 2, 3])), shape="4"))

case("add_incompatible", "sem", "shape", "add of [4 3] and [4 2]",
     img_model('    <dense name="d1" inputs="x" output="a" units="3">\n'
               '      <param name="weight" shape="3 3" encoding="base64">%s</param>\n'
               '    </dense>\n'
               '    <dense name="d2" inputs="x" output="b" units="2">\n'
               '      <param name="weight" shape="2 3" encoding="base64">%s</param>\n'
               '    </dense>\n'
               '    <add name="s" inputs="a b" output="y"/>@@\n' % (b64(seq(9)), b64(seq(6))),
               shape="4 3"))

case("add_broadcast_wrong_axis", "sem", "shape", "[C] constant matching the first dim, not the last",
     img_model('    <add name="s" inputs="x k" output="y"/>@@\n', shape="4 3",
               constants='  <constant name="k" shape="4" encoding="base64">%s</constant>\n' % b64(seq(4))))

case("concat_mismatch", "sem", "shape", "concat on channels of [4 4 2] and [4 3 2]",
     img_model('    <max_pool2d name="p" inputs="x" output="a" kernel="1 2" strides="1 1"/>\n'
               '    <concat name="cat" inputs="x a" output="y"/>@@\n'))

case("concat_axis_out_of_range", "sem", "axis", "axis 3 on rank-3 tensors",
     img_model('    <concat name="cat" inputs="x x" output="y" axis="3"/>@@\n'))

case("reshape_wrong_count", "sem", "shape|count|element|size", "reshape 24 elements to 5 5",
     img_model('    <reshape name="r" inputs="x" output="y" shape="5 5"/>@@\n', shape="4 6"))

case("reshape_minus1_indivisible", "sem", "shape|count|element|size|divis", "reshape 24 elements to -1 5",
     img_model('    <reshape name="r" inputs="x" output="y" shape="-1 5"/>@@\n', shape="4 6"))

case("reshape_two_minus1", "sem", "-1", "two -1 entries in reshape",
     img_model('    <reshape name="r" inputs="x" output="y" shape="-1 2 -1"/>@@\n', shape="4 6"))

case("pool_window_too_large", "sem", "window|kernel|larger|small", "3x3 window on a 2x2 input, no padding",
     img_model('    <max_pool2d name="p" inputs="x" output="y" kernel="3 3" strides="1 1"/>@@\n',
               shape="2 2 1"))

case("conv_window_too_large", "sem", "window|kernel|larger|small", "dilated 3x3 kernel (5x5) on a 4x4 input",
     img_model('    <conv2d name="c" inputs="x" output="y" filters="1" kernel="3 3" dilations="2 2">@@\n'
               '      <param name="weight" shape="1 3 3 2" encoding="base64">%s</param>\n'
               '    </conv2d>\n' % b64(seq(18))))

case("pad_wrong_arity", "sem", "pads", "4 pads for a rank-3 tensor",
     img_model('    <pad name="p" inputs="x" output="y" pads="1 1 1 1"/>@@\n'))

case("pads_without_explicit", "sem", "pads|explicit", "pads given with padding=same",
     img_model('    <max_pool2d name="p" inputs="x" output="y" kernel="2 2" strides="1 1" padding="same"'
               ' pads="1 0 0 1"/>@@\n'))

case("batch_norm_channels", "sem", "shape|channel", "batch_norm params [3] for 2 channels",
     img_model('    <batch_norm name="bn" inputs="x" output="y">@@\n'
               '      <param name="scale" shape="3" encoding="base64">%s</param>@@\n'
               '      <param name="bias" shape="3" encoding="base64">%s</param>\n'
               '      <param name="mean" shape="3" encoding="base64">%s</param>\n'
               '      <param name="var" shape="3" encoding="base64">%s</param>\n'
               '    </batch_norm>\n' % (b64([1, 1, 1]), b64([0, 0, 0]), b64([0, 0, 0]), b64([1, 1, 1]))))

case("softmax_axis_out_of_range", "sem", "axis", "axis 2 on a rank-2 tensor",
     img_model('    <softmax name="s" inputs="x" output="y" axis="2"/>@@\n', shape="3 4"))

case("conv2d_rank_mismatch", "sem", "rank|shape|dimension", "conv2d on a rank-1 tensor",
     img_model('    <conv2d name="c" inputs="x" output="y" filters="1" kernel="1 1">@@\n'
               '      <param name="weight" shape="1 1 1 8" encoding="base64">%s</param>\n'
               '    </conv2d>\n' % b64(seq(8)), shape="8"))

case("gap_rank_mismatch", "sem", "expected [h w c] or [l c]",
     "global_avg_pool on a rank-1 tensor",
     img_model('    <global_avg_pool name="g" inputs="x" output="y"/>@@\n', shape="8"))

case("hard_sigmoid_beta_on_tanh", "sem", "'beta' applies only to the hard_sigmoid",
     "beta with a fused activation that has none",
     dense_model(dense_attrs='units="2" activation="tanh" beta="0.5"').replace(
         'beta="0.5">', 'beta="0.5">@@'))

case("clip_min_above_max", "sem", "min|max", "clip with min greater than max",
     img_model('    <clip name="c" inputs="x" output="y" min="2" max="1"/>@@\n'))

# several graph outputs (issue 12): each names its own produced tensor
TWO_LAYERS = ('    <relu name="r1" inputs="x" output="y"/>\n'
              '    <tanh name="t1" inputs="x" output="z"/>\n')

case("output_duplicate", "sem", "named twice", "the same tensor listed as two outputs",
     img_model(TWO_LAYERS, output="y").replace(
         '<output name="y"/>', '<output name="y"/>\n  <output name="z"/>\n  <output name="y"/>@@'))

case("output_too_many", "schema", "output", "17 outputs, more than the 16 stoic takes",
     img_model("".join('    <relu name="r%d" inputs="x" output="y%d"/>\n' % (i, i)
                       for i in range(17)), output="y0").replace(
         '<output name="y0"/>', "\n".join('  <output name="y%d"/>' % i for i in range(16)).strip()
         + '\n  <output name="y16"/>@@'))

case("output_is_input", "sem", "is the model input", "a second output that is the model input",
     img_model(TWO_LAYERS, output="y").replace(
         '<output name="y"/>', '<output name="y"/>\n  <output name="x"/>@@'))

case("output_is_constant", "sem", "not produced by any layer", "an output that is a constant",
     img_model(TWO_LAYERS, output="y",
               constants='  <constant name="k" shape="4" encoding="base64">%s</constant>\n'
               % b64(seq(4))).replace(
         '<output name="y"/>', '<output name="y"/>\n  <output name="k"/>@@'))

# ---- conv_transpose2d / conv_transpose1d (issue 12) ----------------------------

case("convt_weight_conv_layout", "sem", "weight' has shape 4x3x3x2, but the layer needs 2x3x3x4",
     "conv_transpose2d weight written in the conv2d layout [filters kh kw C]",
     img_model('    <conv_transpose2d name="u" inputs="x" output="y" filters="4" kernel="3 3"'
               ' strides="2 2">\n'
               '      <param name="weight" shape="4 3 3 2" encoding="base64">%s</param>@@\n'
               '    </conv_transpose2d>\n' % b64(seq(72))))

case("convt_groups_not_dividing", "sem", "groups=2 must divide the input channels (3)",
     "conv_transpose2d groups 2 for 3 input channels",
     img_model('    <conv_transpose2d name="u" inputs="x" output="y" filters="2" kernel="1 1"'
               ' groups="2">@@\n'
               '      <param name="weight" shape="3 1 1 1" encoding="base64">%s</param>\n'
               '    </conv_transpose2d>\n' % b64(seq(3)), shape="4 4 3"))

case("convt_pads_remove_all", "sem", "output size -1 is not positive",
     "conv_transpose1d whose pads remove more than it makes",
     img_model('    <conv_transpose1d name="u" inputs="x" output="y" filters="1" kernel="2"'
               ' pads="3 3">@@\n'
               '      <param name="weight" shape="2 2 1" encoding="base64">%s</param>\n'
               '    </conv_transpose1d>\n' % b64(seq(4)), shape="4 2"))

case("convt_output_padding_arity", "schema", "output_padding",
     "conv_transpose2d output_padding with one value",
     img_model('    <conv_transpose2d name="u" inputs="x" output="y" filters="2" kernel="2 2"'
               ' output_padding="1">@@\n'
               '      <param name="weight" shape="2 2 2 2" encoding="base64">%s</param>\n'
               '    </conv_transpose2d>\n' % b64(seq(16))))

case("convt_rank_mismatch", "sem", "expected [l c]",
     "conv_transpose1d on an image [H W C]",
     img_model('    <conv_transpose1d name="u" inputs="x" output="y" filters="2" kernel="2">@@\n'
               '      <param name="weight" shape="2 2 2" encoding="base64">%s</param>\n'
               '    </conv_transpose1d>\n' % b64(seq(8))))

case("convt_missing_weight", "sem", "missing param 'weight'",
     "conv_transpose2d without its weight",
     img_model('    <conv_transpose2d name="u" inputs="x" output="y" filters="2" kernel="2 2">@@\n'
               '      <param name="bias" shape="2" encoding="base64">%s</param>\n'
               '    </conv_transpose2d>\n' % B2))


# resize (issue 12): a mode the schema does not list, no size, a scale of
# 0, one scale for two sizes, one size for the two spatial axes of [H W C]
case("resize_mode_enum", "schema", "mode|enumeration|area", "resize with mode area",
     img_model('    <resize name="r" inputs="x" output="y" mode="area" size="8 8"/>@@\n'))

case("resize_size_missing", "schema", "size", "resize without its size",
     img_model('    <resize name="r" inputs="x" output="y" mode="linear"/>@@\n'))

case("resize_scale_zero", "schema", "scales|minexclusive|valid", "resize with a scale of 0",
     img_model('    <resize name="r" inputs="x" output="y" size="8 8" scales="0 2"/>@@\n'))

case("resize_scales_count", "sem", "scales needs one positive number per output size",
     "one scale for two output sizes",
     img_model('    <resize name="r" inputs="x" output="y" size="8 8" scales="2"/>@@\n'))

case("resize_rank_mismatch", "sem", "1 output size(s) given for an input of shape rank 3",
     "one output size for an [H W C] input",
     img_model('    <resize name="r" inputs="x" output="y" mode="linear" size="8"/>@@\n'))


# lstm / gru (issue 13): a weight of the wrong shape, an input of rank 1,
# a direction the schema does not list, a missing recurrence, an attribute
# of the GRU on an LSTM
W8x2 = b64(seq(16))
R8x2 = b64(seq(16, 0.25))
case("lstm_weight_shape", "sem", "param 'weight' has shape 8x2, but the layer needs 8x3",
     "lstm weight [4H 2] for 3 inputs",
     img_model('    <lstm name="r" inputs="x" output="y" hidden="2">\n'
               '      <param name="weight" shape="8 2" encoding="base64">%s</param>@@\n'
               '      <param name="recurrence" shape="8 2" encoding="base64">%s</param>\n'
               '    </lstm>\n' % (W8x2, R8x2), shape="5 3"))
case("lstm_input_rank", "sem", "input 'x' has shape 2, expected",
     "lstm on a vector",
     img_model('    <lstm name="r" inputs="x" output="y" hidden="2">@@\n'
               '      <param name="weight" shape="8 2" encoding="base64">%s</param>\n'
               '      <param name="recurrence" shape="8 2" encoding="base64">%s</param>\n'
               '    </lstm>\n' % (W8x2, R8x2), shape="2"))
case("gru_direction_enum", "schema", "direction|enumeration|both", "gru with direction both",
     img_model('    <gru name="r" inputs="x" output="y" hidden="2" direction="both">@@\n'
               '      <param name="weight" shape="6 2" encoding="base64">%s</param>\n'
               '    </gru>\n' % b64(seq(12)), shape="5 2"))
case("lstm_no_recurrence", "sem", "lstm 'r': missing param 'recurrence'",
     "lstm without its recurrent weights",
     img_model('    <lstm name="r" inputs="x" output="y" hidden="2">@@\n'
               '      <param name="weight" shape="8 2" encoding="base64">%s</param>\n'
               '    </lstm>\n' % W8x2, shape="5 2"))
case("lstm_lbr_attr", "schema", "linear_before_reset|not allowed",
     "linear_before_reset (a GRU attribute) on an lstm",
     img_model('    <lstm name="r" inputs="x" output="y" hidden="2" linear_before_reset="true">@@\n'
               '      <param name="weight" shape="8 2" encoding="base64">%s</param>\n'
               '      <param name="recurrence" shape="8 2" encoding="base64">%s</param>\n'
               '    </lstm>\n' % (W8x2, R8x2), shape="5 2"))

# --------------------------------------------------------------------------

def render(name, kind, expect, what, text):
    lines = text.split("\n")
    # the header is line 2; count lines after it is inserted
    header = ("<!-- expect-line: {L} -->\n<!-- expect: %s -->\n<!-- what: %s -->" % (expect, what))
    assert "--" not in what
    full = text.replace("{HEADER}", header)
    out, marks = [], []
    for i, line in enumerate(full.split("\n"), 1):
        if "@@" in line:
            marks.append(i)
            line = line.replace("@@", "")
        out.append(line)
    assert marks, name
    return "\n".join(out).replace("{L}", " ".join(map(str, marks))), marks


def main():
    for f in glob.glob(os.path.join(HERE, "*.xml")) + glob.glob(os.path.join(HERE, "*.bin")):
        os.remove(f)
    names = [c[0] for c in CASES]
    assert len(names) == len(set(names))
    for name, kind, expect, what, text, bins in CASES:
        body, marks = render(name, kind, expect, what, text)
        with open(os.path.join(HERE, name + ".xml"), "w") as f:
            f.write(body)
        for bn, data in bins.items():
            with open(os.path.join(HERE, bn), "wb") as f:
                f.write(data)
    print("%d malformed models written" % len(CASES))
    if "--check" in sys.argv[1:]:
        check()


def check():
    bad = 0
    for name, kind, expect, what, text, bins in CASES:
        path = os.path.join(HERE, name + ".xml")
        marks = [int(v) for v in re.search(r"expect-line: ([0-9 ]+) -->", open(path).read()).group(1).split()]
        r = subprocess.run(["xmllint", "--noout", "--nonet", path], capture_output=True, text=True)
        wf = r.returncode == 0
        if kind == "wf":
            doctype = "<!DOCTYPE" in open(path).read()
            if doctype:
                if not wf and name != "entity_expansion":
                    print("%s: expected well-formed (with DOCTYPE)" % name, r.stderr)
                    bad += 1
                continue
            lines = [int(m) for m in re.findall(r"^[^:]+:(\d+): parser error", r.stderr, re.M)]
            if wf or not lines or lines[0] not in marks:
                print("%s: xmllint reports lines %s, file says %s" % (name, lines, marks))
                print(r.stderr)
                bad += 1
            continue
        if not wf:
            print("%s: not well-formed" % name, r.stderr)
            bad += 1
            continue
        r = subprocess.run(["xmllint", "--noout", "--nonet", "--schema", XSD, path],
                           capture_output=True, text=True)
        ok = r.returncode == 0
        if kind == "schema":
            lines = [int(m) for m in re.findall(r"^[^:]+:(\d+): element", r.stderr, re.M)]
            if ok or not lines or lines[0] not in marks:
                print("%s: schema check: ok=%s lines %s, file says %s" % (name, ok, lines, marks))
                print(r.stderr)
                bad += 1
        elif not ok:
            print("%s: semantic case fails the schema" % name, r.stderr)
            bad += 1
    print("check: %d problem(s)" % bad)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()

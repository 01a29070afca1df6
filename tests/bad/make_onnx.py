#!/usr/bin/python3
"""Writes tests/bad/files/onnx/*.onnx, the ONNX inputs of tests/bad/onnx.cases
(issue 9: defects of `stoic import`). The outputs are committed; run this
only to change them, with Debian's /usr/bin/python3 (python3-onnx,
python3-torch, python3-numpy):

    /usr/bin/python3 tests/bad/make_onnx.py

Real patterns that must import (and did crash):
  mlp_torch       a Keras-style MLP, x @ W + b, exported by torch: MatMul + Add
  autoenc_torch   a dense autoencoder exported by torch (MatMul + Add, 3-D input)
  dscnn_torch     a DS-CNN (conv, depthwise + pointwise blocks, BN folded) by torch
  cntk_times_plus CNTK's Times + Plus: MatMul then Add(bias, product)
  mnist_zoo       the ONNX model zoo's MNIST layout (Conv + Add of [C,1,1]
                  biases, MaxPool, Reshape, MatMul + Add)
Shape arithmetic in the graph (issue 12: folded at import; exported by torch
with do_constant_folding=False, batch 1, opset 13 and 17):
  fold_view_13/17   x.view(x.size(0), -1) before a Linear
  fold_zeros_13/17  torch.zeros(x.size(0), C) + 0.5, expanded, added to an activation
                    (Shape, ConstantOfShape, Equal, Where, Expand, Mul)
  fold_pad_13/17    F.pad with sizes computed from x.shape (Mod, Sub, Div, Cast,
                    Gather, ConstantOfShape, Concat, Slice, Transpose, Reshape)
  fold_where_13/17  torch.where on a constant mask, a torch.arange constant
  fold_range        written here (torch folds a static arange itself): Shape,
                    Gather, Range, Cast, integer Div and Mod, Equal, Where, Slice,
                    Squeeze, Identity
  fold_names        folded nodes named with newline, ESC, --, -->, <!--, non-ASCII
  ir10              a small MLP written at ONNX IR version 10
  conv_bias_1d      Conv1d without bias + Add of a [1 C 1] constant (folded into the bias)
  conv_bias_shared  the same on a Conv whose output has another reader (not folded)
ConvTranspose (issue 12; torch, opsets 13 and 17):
  convt_13/17, convt_dw_13/17, convt_1d_13/17, convt_decoder_13/17
Hostile sizes (each must be refused, naming the node or input):
  pads_2e40, pads_max, strides_max, same_strides_max, dilations_max,
  pool_pads_max, pool_ceil_max, pad_op_max, wrap_shape, wrap_count,
  wrap_reshape, transpose_dup_perm, unsqueeze_dup_axes, neg_dim;
  leaky_alpha_inf, clip_min_nan, clip_min_gt_max, pad_value_nan, bn_eps_nan,
  bn_var_neg (float attributes that are no number a description can hold);
  too_many_layers
Hostile names:
  names_hostile   node, tensor, graph and producer names with newline, ESC,
                  */, --, -->, quotes, backslash, non-ASCII (must import)
  names_error     the same names in a node stoic refuses (the message must
                  carry no control character)
Options: relu, two_inputs + c.pb (a TensorProto for --freeze c=...).
"""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "files", "onnx")
I64_MAX = 2 ** 63 - 1


def save(name, graph, opset=13, producer="stoic-tests"):
    m = helper.make_model(graph, producer_name=producer,
                          opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 7
    with open(os.path.join(HERE, name + ".onnx"), "wb") as f:
        f.write(m.SerializeToString())


def vi(name, shape):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


def const(name, a):
    return numpy_helper.from_array(np.asarray(a), name)


rng = np.random.default_rng(9)


def rnd(*shape):
    return (rng.standard_normal(shape) * 0.3).astype(np.float32)


os.makedirs(HERE, exist_ok=True)

# ---- real patterns, exported by torch -------------------------------------
import torch  # noqa: E402


def save_io(name, x, y):
    """NAME.in.npy (4 samples, ONNX layout) and NAME.want.npy (the reference
    outputs) for tests/onnx/patterns.sh."""
    np.save(os.path.join(HERE, name + ".in.npy"), np.ascontiguousarray(x, dtype=np.float32))
    np.save(os.path.join(HERE, name + ".want.npy"), np.ascontiguousarray(y, dtype=np.float32))


def export(name, model, x):
    model.eval()
    torch.onnx.export(model, x, os.path.join(HERE, name + ".onnx"), opset_version=13,
                      input_names=["input"], output_names=["output"],
                      do_constant_folding=True)
    xs = torch.randn((4,) + tuple(x.shape[1:]))
    with torch.no_grad():
        ys = torch.cat([model(xs[i:i + 1]) for i in range(4)])
    save_io(name, xs.numpy(), ys.numpy())


class Dense(torch.nn.Module):
    """Keras' Dense: y = x @ kernel + bias (kernel [in, out])."""

    def __init__(self, n_in, n_out):
        super().__init__()
        self.kernel = torch.nn.Parameter(torch.randn(n_in, n_out) * 0.2)
        self.bias = torch.nn.Parameter(torch.randn(n_out) * 0.1)

    def forward(self, x):
        return torch.matmul(x, self.kernel) + self.bias


torch.manual_seed(9)
export("mlp_torch", torch.nn.Sequential(
    Dense(20, 32), torch.nn.ReLU(), Dense(32, 16), torch.nn.ReLU(), Dense(16, 4),
    torch.nn.Softmax(dim=-1)), torch.randn(1, 20))

sizes = [64, 48, 32, 24, 16, 8, 16, 24, 32, 48, 64]
layers = []
for a, b in zip(sizes[:-1], sizes[1:]):
    layers += [torch.nn.Linear(a, b), torch.nn.ReLU()]  # Linear on 3-D input: MatMul + Add
layers[-1] = torch.nn.Sigmoid()
export("autoenc_torch", torch.nn.Sequential(*layers), torch.randn(1, 1, 64))


def dw_block(c):
    return [torch.nn.Conv2d(c, c, 3, padding=1, groups=c, bias=False), torch.nn.BatchNorm2d(c),
            torch.nn.ReLU(), torch.nn.Conv2d(c, c, 1, bias=False), torch.nn.BatchNorm2d(c),
            torch.nn.ReLU()]


ds = [torch.nn.Conv2d(1, 16, (5, 3), stride=(2, 2), padding=(2, 1)), torch.nn.BatchNorm2d(16),
      torch.nn.ReLU()]
for _ in range(4):
    ds += dw_block(16)
ds += [torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), torch.nn.Linear(16, 12)]
dsm = torch.nn.Sequential(*ds)
for mod in dsm.modules():  # non-trivial batch-norm statistics
    if isinstance(mod, torch.nn.BatchNorm2d):
        mod.running_mean.uniform_(-0.2, 0.2)
        mod.running_var.uniform_(0.5, 1.5)
export("dscnn_torch", dsm, torch.randn(1, 1, 49, 10))

# ---- real patterns, as other exporters write them --------------------------
# CNTK: Times (MatMul) and Plus (Add) with the bias first, [1 N] biases
nodes, inits, prev = [], [], "Input3"
for i, (a, b) in enumerate([(24, 16), (16, 16), (16, 6)]):
    inits += [const("Parameter%d" % (10 * i + 1), rnd(a, b)),
              const("Parameter%d" % (10 * i + 2), rnd(1, b))]
    nodes += [helper.make_node("MatMul", [prev, "Parameter%d" % (10 * i + 1)],
                               ["Times%d_Output_0" % i], name="Times%d" % i),
              helper.make_node("Add", ["Parameter%d" % (10 * i + 2), "Times%d_Output_0" % i],
                               ["Plus%d_Output_0" % i], name="Plus%d" % i)]
    prev = "Plus%d_Output_0" % i
    if i < 2:
        nodes.append(helper.make_node("Relu", [prev], ["ReLU%d_Output_0" % i],
                                      name="ReLU%d" % i))
        prev = "ReLU%d_Output_0" % i
save("cntk_times_plus", helper.make_graph(nodes, "CNTKGraph", [vi("Input3", [1, 24])],
                                          [vi(prev, [1, 6])], inits),
     opset=8, producer="CNTK 2.5.1")
xs = rng.standard_normal((4, 24)).astype(np.float32)
h = xs
for i in range(3):
    h = h @ numpy_helper.to_array(inits[2 * i]) + numpy_helper.to_array(inits[2 * i + 1])
    if i < 2:
        h = np.maximum(h, 0)
save_io("cntk_times_plus", xs, h)

# the model zoo's MNIST (mnist-8) layout, smaller
g = helper.make_graph([
    helper.make_node("Conv", ["Input3", "Parameter5"], ["Convolution28_Output_0"],
                     name="Convolution28", kernel_shape=[5, 5], strides=[1, 1],
                     auto_pad="SAME_UPPER", group=1, dilations=[1, 1]),
    helper.make_node("Add", ["Convolution28_Output_0", "Parameter6"], ["Plus30_Output_0"],
                     name="Plus30"),
    helper.make_node("Relu", ["Plus30_Output_0"], ["ReLU32_Output_0"], name="ReLU32"),
    helper.make_node("MaxPool", ["ReLU32_Output_0"], ["Pooling66_Output_0"], name="Pooling66",
                     kernel_shape=[2, 2], strides=[2, 2], pads=[0, 0, 0, 0], auto_pad="NOTSET"),
    helper.make_node("Conv", ["Pooling66_Output_0", "Parameter87"], ["Convolution110_Output_0"],
                     name="Convolution110", kernel_shape=[5, 5], strides=[1, 1],
                     auto_pad="SAME_UPPER", group=1, dilations=[1, 1]),
    helper.make_node("Add", ["Convolution110_Output_0", "Parameter88"], ["Plus112_Output_0"],
                     name="Plus112"),
    helper.make_node("Relu", ["Plus112_Output_0"], ["ReLU114_Output_0"], name="ReLU114"),
    helper.make_node("MaxPool", ["ReLU114_Output_0"], ["Pooling160_Output_0"], name="Pooling160",
                     kernel_shape=[3, 3], strides=[3, 3], pads=[0, 0, 0, 0], auto_pad="NOTSET"),
    helper.make_node("Reshape", ["Pooling160_Output_0", "Pooling160_Output_0_reshape0_shape"],
                     ["Pooling160_Output_0_reshape0"], name="Times212_reshape0"),
    helper.make_node("Reshape", ["Parameter193", "Parameter193_reshape1_shape"],
                     ["Parameter193_reshape1"], name="Times212_reshape1"),
    helper.make_node("MatMul", ["Pooling160_Output_0_reshape0", "Parameter193_reshape1"],
                     ["Times212_Output_0"], name="Times212"),
    helper.make_node("Add", ["Times212_Output_0", "Parameter194"], ["Plus214_Output_0"],
                     name="Plus214"),
], "CNTKGraph", [vi("Input3", [1, 1, 12, 12])], [vi("Plus214_Output_0", [1, 10])], [
    const("Parameter5", rnd(4, 1, 5, 5)), const("Parameter6", rnd(4, 1, 1)),
    const("Parameter87", rnd(8, 4, 5, 5)), const("Parameter88", rnd(8, 1, 1)),
    const("Pooling160_Output_0_reshape0_shape", np.array([1, 32], dtype=np.int64)),
    const("Parameter193", rnd(8, 2, 2, 10)),
    const("Parameter193_reshape1_shape", np.array([32, 10], dtype=np.int64)),
    const("Parameter194", rnd(1, 10)),
])
save("mnist_zoo", g, opset=8, producer="CNTK 2.5.1")
P = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in g.initializer}
F = torch.nn.functional
xs = torch.from_numpy(rng.standard_normal((4, 1, 12, 12)).astype(np.float32))
h = F.max_pool2d(F.relu(F.conv2d(xs, P["Parameter5"], padding=2) + P["Parameter6"]), 2)
h = F.max_pool2d(F.relu(F.conv2d(h, P["Parameter87"], padding=2) + P["Parameter88"]), 3)
h = h.reshape(4, 32) @ P["Parameter193"].reshape(32, 10) + P["Parameter194"]
save_io("mnist_zoo", xs.numpy(), h.numpy())

# ---- hostile sizes -----------------------------------------------------------
W33 = const("w", rnd(2, 1, 3, 3))


def conv_model(name, **attrs):
    save(name, helper.make_graph([
        helper.make_node("Relu", ["x"], ["r"], name="first"),
        helper.make_node("Conv", ["r", "w"], ["c"], name="big_conv", **attrs),
        helper.make_node("Relu", ["c"], ["y"], name="after")], "g",
        [vi("x", [1, 1, 8, 8])], [vi("y", None)], [W33]))


conv_model("pads_2e40", kernel_shape=[3, 3], pads=[2 ** 40] * 4)
conv_model("pads_max", kernel_shape=[3, 3], pads=[I64_MAX] * 4)
conv_model("strides_max", kernel_shape=[3, 3], strides=[I64_MAX, 1])
conv_model("dilations_max", kernel_shape=[3, 3], dilations=[I64_MAX, I64_MAX])
conv_model("same_strides_max", kernel_shape=[3, 3], strides=[I64_MAX, I64_MAX],
           auto_pad="SAME_UPPER")


def pool_model(name, **attrs):
    save(name, helper.make_graph([
        helper.make_node("MaxPool", ["x"], ["p"], name="big_pool", **attrs),
        helper.make_node("Relu", ["p"], ["y"], name="after")], "g",
        [vi("x", [1, 1, 8, 8])], [vi("y", None)]))


pool_model("pool_pads_max", kernel_shape=[70000, 70000], pads=[69999] * 4)
pool_model("pool_ceil_max", kernel_shape=[2, 2], strides=[I64_MAX, I64_MAX], ceil_mode=1)

save("pad_op_max", helper.make_graph([
    helper.make_node("Pad", ["x", "pads"], ["p"], name="big_pad"),
    helper.make_node("Relu", ["p"], ["y"], name="after")], "g",
    [vi("x", [1, 1, 4, 4])], [vi("y", None)],
    [const("pads", np.array([0, 0, 1, I64_MAX, 0, 0, 1, I64_MAX], dtype=np.int64))]))

# a small file whose input's element count wraps int64 (dims (2^32+1) and
# 2^32+1: product 2^64 + 2^33 + 1; as int32 each is 1)
save("wrap_shape", helper.make_graph(
    [helper.make_node("Relu", ["x"], ["y"], name="r")], "g",
    [vi("x", [1, 2 ** 32 + 1, 2 ** 32 + 1])], [vi("y", None)]))

# dimensions that each fit, whose element count wraps int64 (65536^4 = 2^64)
save("wrap_count", helper.make_graph(
    [helper.make_node("Relu", ["x"], ["y"], name="r")], "g",
    [vi("x", [1, 65536, 65536, 65536, 65536])], [vi("y", None)]))

# a Reshape whose shape's element count wraps to the input's (2^32 * 2^32 * 16)
save("wrap_reshape", helper.make_graph([
    helper.make_node("Reshape", ["x", "s"], ["t"], name="wrap"),
    helper.make_node("Relu", ["t"], ["y"], name="after")], "g",
    [vi("x", [1, 16])], [vi("y", None)],
    [const("s", np.array([1, 2 ** 32, 2 ** 32, 16], dtype=np.int64))]))

# Transpose of a constant with a repeated axis in perm (not a permutation)
save("transpose_dup_perm", helper.make_graph([
    helper.make_node("Transpose", ["c"], ["ct"], name="dup_perm", perm=[1, 1]),
    helper.make_node("Add", ["x", "ct"], ["y"], name="add")], "g",
    [vi("x", [1, 3, 3])], [vi("y", None)], [const("c", rnd(3, 3))]))

# Unsqueeze with a repeated axis
save("unsqueeze_dup_axes", helper.make_graph([
    helper.make_node("Unsqueeze", ["x", "axes"], ["u"], name="dup_axes"),
    helper.make_node("Relu", ["u"], ["y"], name="after")], "g",
    [vi("x", [1, 2, 3, 4, 5, 6])], [vi("y", None)],
    [const("axes", np.array([1, 1], dtype=np.int64))]))

# a negative dim_value on the graph input (batch axis)
m = helper.make_graph([helper.make_node("Relu", ["x"], ["y"], name="r")], "g",
                      [vi("x", [1, 4])], [vi("y", None)])
m.input[0].type.tensor_type.shape.dim[0].dim_value = -5
save("neg_dim", m)

# float attributes that are not numbers a model description can hold
INF, NAN = float("inf"), float("nan")


def one_node(name, node, inits=(), shape=(1, 4), opset=13):
    save(name, helper.make_graph([node], "g", [vi("x", list(shape))], [vi("y", None)],
                                 list(inits)), opset=opset)


one_node("leaky_alpha_inf", helper.make_node("LeakyRelu", ["x"], ["y"], name="lr", alpha=INF))
one_node("clip_min_nan", helper.make_node("Clip", ["x"], ["y"], name="clip", min=NAN, max=1.0),
         opset=10)
one_node("clip_min_gt_max", helper.make_node("Clip", ["x"], ["y"], name="clip", min=2.0,
                                             max=1.0), opset=10)
one_node("pad_value_nan", helper.make_node("Pad", ["x"], ["y"], name="pad", pads=[0, 1, 0, 1],
                                           value=NAN), opset=10)
BN = [const(k, np.ones(2, np.float32)) for k in ("s", "b", "m")]
one_node("bn_eps_nan", helper.make_node("BatchNormalization", ["x", "s", "b", "m", "v"], ["y"],
                                        name="bn", epsilon=NAN),
         BN + [const("v", np.ones(2, np.float32))], shape=(1, 2, 3, 3))
one_node("bn_var_neg", helper.make_node("BatchNormalization", ["x", "s", "b", "m", "v"], ["y"],
                                        name="bn"),
         BN + [const("v", -np.ones(2, np.float32))], shape=(1, 2, 3, 3))

# reductions stoic refuses: an axis given twice (1 and -3 of rank 4), an
# axis out of range, axes that are not a constant (the data itself)
one_node("reduce_dup", helper.make_node("ReduceMean", ["x"], ["y"], name="rm", axes=[1, -3]),
         shape=(1, 2, 3, 3))
one_node("reduce_range", helper.make_node("ReduceMax", ["x"], ["y"], name="rx", axes=[4]),
         shape=(1, 2, 3, 3))
one_node("reduce_axes_var", helper.make_node("ReduceSum", ["x", "x"], ["y"], name="rs"),
         shape=(1, 2, 3, 3))
one_node("hardsigmoid_alpha_inf", helper.make_node("HardSigmoid", ["x"], ["y"], name="hs",
                                                   alpha=INF))

# a Split whose sizes do not add up to the axis
one_node("split_sizes", helper.make_node("Split", ["x"], ["y", "z"], name="sp", axis=1,
                                         split=[2, 1]), shape=(1, 4), opset=11)

# more layers than a model description holds (4096)
save("too_many_layers", helper.make_graph(
    [helper.make_node("Relu", ["t%d" % i], ["t%d" % (i + 1)]) for i in range(4097)], "g",
    [vi("t0", [1, 4])], [vi("t4097", [1, 4])]))

# ---- hostile names -------------------------------------------------------------
EVIL = ["a\nb", "esc\x1b[31mred", "c*/d", "e--f", "g-->h", "q\"u'o<t>e&", "back\\slash",
        "caf\u00e9 \u2603", "x" * 300, "a\nb\x00"[:-1] + "_", ""]
names = [EVIL[i % len(EVIL)] + ("" if i < len(EVIL) else str(i)) for i in range(12)]
w1, b1, w2 = rnd(6, 5), rnd(5), rnd(5, 3)
g = helper.make_graph([
    helper.make_node("MatMul", ["in\n--> put", "W\x1b*/1"], ["mm\x1b1"], name=names[0]),
    helper.make_node("Add", ["mm\x1b1", "b\"1"], ["add-->1"], name=names[1]),
    helper.make_node("Relu", ["add-->1"], ["relu\n1"], name=names[2]),
    helper.make_node("Relu", ["relu\n1"], ["relu\x1b1"], name=names[2]),  # same node name
    helper.make_node("MatMul", ["relu\x1b1", "W\x1b*/2"], ["x" * 300], name=names[8]),
    helper.make_node("Sigmoid", ["x" * 300], ["out */ -- \\ \u00e9"], name=names[7]),
], "graph\n-- */ name", [vi("in\n--> put", [1, 6])], [vi("out */ -- \\ \u00e9", [1, 3])],
    [const("W\x1b*/1", w1), const("b\"1", b1), const("W\x1b*/2", w2)])
save("names_hostile", g, producer="evil\n-->\x1b[2J */ \"producer\" -- \u00e9")
xs = rng.standard_normal((4, 6)).astype(np.float32)
h = np.maximum(np.maximum(xs @ w1 + b1, 0), 0) @ w2
save_io("names_hostile", xs, 1 / (1 + np.exp(-h)))

save("names_error", helper.make_graph([
    helper.make_node("Relu", ["x"], ["r\n\x1b[31m"], name="ok"),
    helper.make_node("Erf", ["r\n\x1b[31m"], ["y"], name="evil\n\x1b[31m*/-->\"\\ \u00e9")],
    "g", [vi("x", [1, 4])], [vi("y", [1, 4])]))

# ---- small models for the option cases (-o onto an input, --name) ----------
save("relu", helper.make_graph(
    [helper.make_node("Relu", ["x"], ["y"], name="r")], "g",
    [vi("x", [1, 4])], [vi("y", [1, 4])]))
save("two_inputs", helper.make_graph(
    [helper.make_node("Add", ["x", "c"], ["y"], name="add")], "g",
    [vi("x", [1, 4]), vi("c", [1, 4])], [vi("y", [1, 4])]))
with open(os.path.join(HERE, "c.pb"), "wb") as f:
    f.write(const("c", np.array([[1, 2, 3, 4]], dtype=np.float32)).SerializeToString())

# ---- what fuzz_onnx found (tests/fuzz/crashes/onnx, certification/fuzzing.md) --
# O2: the graph's output is its input (no node): a copy that must import
save("output_is_input", helper.make_graph([], "g", [vi("x", [1, 4])], [vi("x", [1, 4])]))
# O4: a Transpose of a value with one axis besides the batch: the identity
save("transpose_one_axis", helper.make_graph(
    [helper.make_node("Transpose", ["x"], ["t"], name="tr", perm=[0, 1]),
     helper.make_node("Relu", ["t"], ["y"], name="r")], "g",
    [vi("x", [1, 4])], [vi("y", [1, 4])]))
save("transpose_scalar", helper.make_graph(
    [helper.make_node("Transpose", ["x"], ["t"], name="tr"),
     helper.make_node("Tanh", ["t"], ["y"], name="th")], "g",
    [vi("x", [])], [vi("y", [])]))
# O3: a node without its required input was refused with no message
save("flatten_no_input", helper.make_graph(
    [helper.make_node("Relu", ["x"], ["r"], name="r"),
     helper.make_node("Flatten", [], ["f"], name="flat"),
     helper.make_node("Concat", ["r", ""], ["y"], name="cat", axis=1)], "g",
    [vi("x", [1, 4])], [vi("y", [1, 4])]))
save("concat_empty_input", helper.make_graph(
    [helper.make_node("Relu", ["x"], ["r"], name="r"),
     helper.make_node("Concat", ["r", ""], ["y"], name="cat", axis=1)], "g",
    [vi("x", [1, 4])], [vi("y", [1, 8])]))
# not single assignment: a name assigned twice, an initializer given twice
save("assigned_twice", helper.make_graph(
    [helper.make_node("Relu", ["x"], ["y"], name="r1"),
     helper.make_node("Sigmoid", ["x"], ["y"], name="s1")], "g",
    [vi("x", [1, 4])], [vi("y", [1, 4])]))
save("init_twice", helper.make_graph(
    [helper.make_node("Add", ["x", "c"], ["y"], name="add")], "g",
    [vi("x", [1, 4])], [vi("y", [1, 4])],
    [const("c", np.ones((1, 4), np.float32)), const("c", np.zeros((1, 4), np.float32))]))
# an empty constant (a dimension 0) reached the description, which refused it
save("concat_empty_const", helper.make_graph(
    [helper.make_node("Concat", ["x", "e"], ["y"], name="cat", axis=1)], "g",
    [vi("x", [1, 4])], [vi("y", [1, 4])], [const("e", np.zeros((1, 0), np.float32))]))
# more inputs than the operator has (Add takes two): the third was ignored
save("add_three_inputs", helper.make_graph(
    [helper.make_node("Add", ["x", "x", "x"], ["y"], name="add3")], "g",
    [vi("x", [1, 4])], [vi("y", [1, 4])]))

# ---- shape arithmetic in the graph (issue 12) ------------------------------
F = torch.nn.functional


def export_fold(name, model, x):
    """Exported without torch's own constant folding, at opsets 13 and 17,
    so the shape arithmetic stays in the graph for stoic to fold."""
    model.eval()
    for opset in (13, 17):
        torch.onnx.export(model, x, os.path.join(HERE, "%s_%d.onnx" % (name, opset)),
                          opset_version=opset, input_names=["input"],
                          output_names=["output"], do_constant_folding=False)
    xs = torch.randn((4,) + tuple(x.shape[1:]))
    with torch.no_grad():
        ys = torch.cat([model(xs[i:i + 1]) for i in range(4)])
    for opset in (13, 17):
        save_io("%s_%d" % (name, opset), xs.numpy(), ys.numpy())


class FoldView(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(2, 4, 3)
        self.fc = torch.nn.Linear(4 * 4 * 4, 5)

    def forward(self, x):
        h = torch.relu(self.conv(x))
        return self.fc(h.view(h.size(0), -1))


class FoldZeros(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(6, 8)

    def forward(self, x):
        h = self.fc(x)
        z = torch.zeros(x.size(0), 8) + 0.5
        return torch.relu(h + z.expand(h.size(0), h.size(1)))


class FoldPad(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(1, 3, 3, stride=2)

    def forward(self, x):
        h, w = x.shape[2], x.shape[3]
        ph, pw = (2 - h % 2) // 2 + 1, (3 - w % 2) // 2
        return torch.relu(self.conv(F.pad(x, (pw, pw + 1, ph, ph))))


class FoldWhere(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(6, 6)
        self.register_buffer("mask", torch.tensor([1, 0, 1, 1, 0, 1], dtype=torch.bool))

    def forward(self, x):
        m = torch.where(self.mask, torch.ones(6), torch.zeros(6) + 0.5)
        r = torch.arange(6, dtype=torch.float32) * 0.1
        return torch.tanh(self.fc(x) + r) * m


torch.manual_seed(12)
export_fold("fold_view", FoldView(), torch.randn(1, 2, 6, 6))
export_fold("fold_zeros", FoldZeros(), torch.randn(1, 6))
export_fold("fold_pad", FoldPad(), torch.randn(1, 1, 9, 8))
export_fold("fold_where", FoldWhere(), torch.randn(1, 6))


def i64(name, v):
    return const(name, np.array(v, dtype=np.int64))


# what torch writes for arange(x.size(1)) when the size is not static:
# y = tanh(x + 0.25 * range(n)) * (1 + (range(n) == n / 2)) + n % 4 + (-7 / 2 + -7 % 4)
save("fold_range", helper.make_graph([
    helper.make_node("Shape", ["x"], ["s"], name="shape"),
    helper.make_node("Gather", ["s", "one"], ["n"], name="gather", axis=0),
    helper.make_node("Sub", ["n", "n"], ["zero"], name="sub"),
    helper.make_node("Range", ["zero", "n", "one"], ["r"], name="range"),
    helper.make_node("Cast", ["r"], ["rf"], name="cast", to=TensorProto.FLOAT),
    helper.make_node("Mul", ["rf", "quarter"], ["rq"], name="mul"),
    helper.make_node("Add", ["x", "rq"], ["a"], name="add"),
    helper.make_node("Tanh", ["a"], ["t"], name="tanh"),
    helper.make_node("Div", ["n", "two"], ["half"], name="div"),
    helper.make_node("Equal", ["r", "half"], ["eq"], name="equal"),
    helper.make_node("Where", ["eq", "f2", "f1"], ["w"], name="where"),
    helper.make_node("Mul", ["t", "w"], ["tw"], name="mul2"),
    helper.make_node("Slice", ["s", "one_v", "two_v"], ["s1"], name="slice"),
    helper.make_node("Squeeze", ["s1", "zero_v"], ["n1"], name="squeeze"),
    helper.make_node("Mod", ["n1", "four"], ["m"], name="mod"),
    helper.make_node("Identity", ["m"], ["mi"], name="identity"),
    helper.make_node("Cast", ["mi"], ["mf"], name="cast2", to=TensorProto.FLOAT),
    helper.make_node("Add", ["tw", "mf"], ["y0"], name="add2"),
    # ONNX integer Div truncates (-7 / 2 = -3), Mod takes the divisor's sign (-7 % 4 = 1)
    helper.make_node("Div", ["m7", "two"], ["nq"], name="div_neg"),
    helper.make_node("Mod", ["m7", "four"], ["nm"], name="mod_neg"),
    helper.make_node("Add", ["nq", "nm"], ["ns"], name="add_int"),
    helper.make_node("Cast", ["ns"], ["nsf"], name="cast3", to=TensorProto.FLOAT),
    helper.make_node("Add", ["y0", "nsf"], ["y"], name="add3"),
], "g", [vi("x", [1, 6])], [vi("y", [1, 6])], [
    i64("m7", -7),
    i64("one", 1), i64("two", 2), i64("four", 4), i64("one_v", [1]), i64("two_v", [2]),
    i64("zero_v", [0]), const("quarter", np.float32(0.25)), const("f1", np.float32(1.0)),
    const("f2", np.float32(2.0))]))
xs = rng.standard_normal((4, 6)).astype(np.float32)
rr = np.arange(6)
save_io("fold_range", xs, np.tanh(xs + 0.25 * rr) * np.where(rr == 3, 2.0, 1.0) + 2.0
        + (np.trunc(-7 / 2) + np.mod(-7, 4)))

# ONNX IR version 10
w1, b1 = rnd(5, 4), rnd(4)
m = helper.make_model(helper.make_graph([
    helper.make_node("MatMul", ["x", "w1"], ["h"], name="mm"),
    helper.make_node("Add", ["h", "b1"], ["hb"], name="bias"),
    helper.make_node("Relu", ["hb"], ["y"], name="relu")], "g",
    [vi("x", [1, 5])], [vi("y", [1, 4])], [const("w1", w1), const("b1", b1)]),
    producer_name="stoic-tests", opset_imports=[helper.make_opsetid("", 13)])
m.ir_version = 10
with open(os.path.join(HERE, "ir10.onnx"), "wb") as f:
    f.write(m.SerializeToString())
xs = rng.standard_normal((4, 5)).astype(np.float32)
save_io("ir10", xs, np.maximum(xs @ w1 + b1, 0))

# folded nodes with hostile names: listed in an XML comment and on stderr
save("fold_names", helper.make_graph([
    helper.make_node("Shape", ["x"], ["s"], name="evil\n-->\x1b[2J <!-- --"),
    helper.make_node("Identity", ["s"], ["s2"], name="a--b-"),
    helper.make_node("Gather", ["s2", "i"], ["n"], name="-"),
    helper.make_node("Unsqueeze", ["n", "ax"], ["nv"], name="\u00e9*/--->"),
    helper.make_node("Concat", ["one", "nv"], ["shp"], name="", axis=0),
    helper.make_node("Reshape", ["x", "shp"], ["y"], name="reshape")], "g",
    [vi("x", [1, 6])], [vi("y", [1, 6])],
    [const("i", np.array(1, dtype=np.int64)), const("ax", np.array([0], dtype=np.int64)),
     const("one", np.array([1], dtype=np.int64))]))
xs = rng.standard_normal((4, 6)).astype(np.float32)
save_io("fold_names", xs, xs)

# a Conv without bias + Add of a per-channel constant (issue 12): folded into
# the convolution's bias for a 1-D Conv ([1 C 1] constant); not folded when
# the Conv's output has another reader (conv_bias_shared: the add stays)
w1d, b1d = rnd(5, 3, 3), rnd(1, 5, 1)
save("conv_bias_1d", helper.make_graph([
    helper.make_node("Conv", ["x", "w"], ["c"], name="conv", kernel_shape=[3]),
    helper.make_node("Add", ["c", "b"], ["cb"], name="bias_add"),
    helper.make_node("Relu", ["cb"], ["y"], name="relu")], "g",
    [vi("x", [1, 3, 10])], [vi("y", [1, 5, 8])], [const("w", w1d), const("b", b1d)]))
xs = torch.from_numpy(rng.standard_normal((4, 3, 10)).astype(np.float32))
save_io("conv_bias_1d", xs.numpy(),
        F.relu(F.conv1d(xs, torch.from_numpy(w1d)) + torch.from_numpy(b1d)).numpy())
w2d, b2d = rnd(4, 2, 3, 3), rnd(4, 1, 1)
save("conv_bias_shared", helper.make_graph([
    helper.make_node("Conv", ["x", "w"], ["c"], name="conv", kernel_shape=[3, 3],
                     pads=[1, 1, 1, 1]),
    helper.make_node("Add", ["c", "b"], ["cb"], name="bias_add"),
    helper.make_node("Relu", ["c"], ["r"], name="relu"),
    helper.make_node("Add", ["cb", "r"], ["y"], name="sum")], "g",
    [vi("x", [1, 2, 5, 5])], [vi("y", [1, 4, 5, 5])], [const("w", w2d), const("b", b2d)]))
xs = torch.from_numpy(rng.standard_normal((4, 2, 5, 5)).astype(np.float32))
c2 = F.conv2d(xs, torch.from_numpy(w2d), padding=1)
save_io("conv_bias_shared", xs.numpy(), (c2 + torch.from_numpy(b2d) + F.relu(c2)).numpy())

print("written to", HERE)


# Global pooling written as reductions, hard activations, 1-D global
# pooling (issue 12): a MobileNetV3-style block (HardSwish, squeeze-and-
# excitation with x.mean((2, 3), keepdim=True) and HardSigmoid, the head's
# mean without keepdim), a 1-D CNN with AdaptiveAvgPool1d, global max
# pooling (AdaptiveMaxPool2d(1), amax over the spatial axes of a 1-D CNN).
def export2(name, model, x):
    """At opsets 13 and 17 (torch's own constant folding on)."""
    model.eval()
    for opset in (13, 17):
        torch.onnx.export(model, x, os.path.join(HERE, "%s_%d.onnx" % (name, opset)),
                          opset_version=opset, input_names=["input"],
                          output_names=["output"], do_constant_folding=True)
    xs = torch.randn((4,) + tuple(x.shape[1:]))
    with torch.no_grad():
        ys = torch.cat([model(xs[i:i + 1]) for i in range(4)])
    for opset in (13, 17):
        save_io("%s_%d" % (name, opset), xs.numpy(), ys.numpy())


class V3Block(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 8, 3, padding=1)
        self.dw = torch.nn.Conv2d(8, 8, 3, padding=1, groups=8)
        self.se1 = torch.nn.Conv2d(8, 4, 1)
        self.se2 = torch.nn.Conv2d(4, 8, 1)
        self.fc = torch.nn.Linear(8, 5)

    def forward(self, x):
        h = F.hardswish(self.conv(x))
        h = F.hardswish(self.dw(h))
        s = h.mean((2, 3), keepdim=True)
        s = F.hardsigmoid(self.se2(torch.relu(self.se1(s))))
        h = h * s
        return self.fc(h.mean((2, 3)))


class Cnn1d(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = torch.nn.Conv1d(2, 6, 3)
        self.c2 = torch.nn.Conv1d(6, 6, 3, padding=1)
        self.pool = torch.nn.AdaptiveAvgPool1d(1)
        self.fc = torch.nn.Linear(12, 3)

    def forward(self, x):
        h = torch.relu(self.c2(torch.relu(self.c1(x))))
        return self.fc(torch.cat([torch.flatten(self.pool(h), 1), h.amax(2)], 1))


class GMax(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.c = torch.nn.Conv2d(1, 4, 3)
        self.pool = torch.nn.AdaptiveMaxPool2d(1)
        self.fc = torch.nn.Linear(8, 2)

    def forward(self, x):
        h = torch.relu(self.c(x))
        return self.fc(torch.cat([torch.flatten(self.pool(h), 1), h.amax((2, 3))], 1))


torch.manual_seed(13)
export2("v3_block", V3Block(), torch.randn(1, 3, 8, 8))
export2("cnn1d_gap", Cnn1d(), torch.randn(1, 2, 16))
export2("gmax", GMax(), torch.randn(1, 1, 7, 6))


# Slice of activations (issue 12): a dilated causal TCN (Conv1d padded on
# both sides, the tail chomped off with x[:, :, :-p], a residual Add), and
# a channel split of a convolution's output (x[:, :3] and x[:, 3:]).
class Tcn(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = torch.nn.Conv1d(3, 3, 3, padding=2, dilation=1)
        self.c2 = torch.nn.Conv1d(3, 3, 3, padding=4, dilation=2)
        self.fc = torch.nn.Linear(3 * 12, 2)

    def forward(self, x):
        h = torch.relu(self.c1(x)[:, :, :-2]) + x
        h = torch.relu(self.c2(h)[:, :, :-4]) + h
        return self.fc(torch.flatten(h, 1))


class Split(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.c = torch.nn.Conv2d(2, 6, 3, padding=1)

    def forward(self, x):
        h = self.c(x)
        return torch.sigmoid(h[:, :3, 1:5, :]) * torch.tanh(h[:, 3:, 1:5, :])


torch.manual_seed(14)
export2("tcn", Tcn(), torch.randn(1, 3, 12))
export2("chan_split", Split(), torch.randn(1, 2, 6, 5))


# Split of activations (issue 12): a channel split into unequal parts
# (the split sizes as input at opset 13 and up) and a split of the time
# axis of a 1-D CNN into equal halves (torch.chunk).
class SplitChan(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.c = torch.nn.Conv2d(2, 7, 3, padding=1)

    def forward(self, x):
        a, b, c = torch.split(self.c(x), [2, 4, 1], dim=1)
        return torch.cat([torch.relu(a), torch.sigmoid(b), c * 2.0], 1)


class ChunkTime(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.c = torch.nn.Conv1d(2, 4, 3, padding=1)

    def forward(self, x):
        a, b = torch.chunk(self.c(x), 2, dim=2)
        return a + b * -0.5 + a * b


torch.manual_seed(15)
export2("split_chan", SplitChan(), torch.randn(1, 2, 5, 4))
export2("chunk_time", ChunkTime(), torch.randn(1, 2, 10))


# Reductions over any axes (issue 12): a channel sum, a maximum over the
# last axis, a mean over channels and columns, a sum over every axis but
# the batch with keepdim, on a 2-D CNN; a channel mean of a 1-D CNN.
class Reduce(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.c = torch.nn.Conv2d(2, 4, 3, padding=1)
        self.fc = torch.nn.Linear(5 * 4 + 4 * 5 + 5 + 1, 3)

    def forward(self, x):
        h = torch.relu(self.c(x))
        a = h.sum(1)
        b = h.amax(-1)
        c = h.mean((1, 3))
        d = h.sum((1, 2, 3), keepdim=True)
        z = torch.cat([torch.flatten(a, 1), torch.flatten(b, 1), c, torch.flatten(d, 1) * 0.1], 1)
        return self.fc(z)


class Reduce1d(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.c = torch.nn.Conv1d(3, 5, 3)

    def forward(self, x):
        h = torch.tanh(self.c(x))
        return h.mean(1) + h.amax(1)


torch.manual_seed(16)
export2("reduce_axes", Reduce(), torch.randn(1, 2, 5, 4))
export2("reduce_1d", Reduce1d(), torch.randn(1, 3, 9))


# Slice with steps (issue 12): a stride-2 subsampling of the time axis
# (x[:, :, ::2]) and torch.flip of a 1-D CNN; a reversed channel order and
# every other row of a 2-D CNN.
class Strided(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.c = torch.nn.Conv1d(2, 4, 3, padding=1)
        self.fc = torch.nn.Linear(4 * 6 * 2, 3)

    def forward(self, x):
        h = torch.relu(self.c(x))
        a = h[:, :, ::2]
        b = torch.flip(h, [2])[:, :, 1::2]
        return self.fc(torch.flatten(torch.cat([a, b], 2), 1))


class Strided2d(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.c = torch.nn.Conv2d(3, 5, 3, padding=1)

    def forward(self, x):
        h = torch.tanh(self.c(x))
        return torch.flip(h, [1])[:, :, ::2, :] * 2.0


torch.manual_seed(17)
export2("strided_1d", Strided(), torch.randn(1, 2, 12))
export2("strided_2d", Strided2d(), torch.randn(1, 3, 6, 5))


# Transformer blocks are out of scope (issue 12): refused, naming the node.
# A pre-norm block (LayerNorm, MultiheadAttention, residual): at opset 17
# LayerNormalization is one operator; at opset 13 torch writes it out
# (ReduceMean, Sub, Pow, ...); an attention block alone at opset 17.
class TfBlock(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.ln = torch.nn.LayerNorm(8)
        self.att = torch.nn.MultiheadAttention(8, 2, batch_first=True)
        self.fc = torch.nn.Linear(8, 3)

    def forward(self, x):
        h = self.ln(x)
        a, _ = self.att(h, h, h, need_weights=False)
        return self.fc((x + a).mean(1))


class AttOnly(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.att = torch.nn.MultiheadAttention(8, 2, batch_first=True)
        self.fc = torch.nn.Linear(8, 3)

    def forward(self, x):
        a, _ = self.att(x, x, x, need_weights=False)
        return self.fc(a.mean(1))


torch.manual_seed(18)
for _opset in (13, 17):
    torch.onnx.export(TfBlock().eval(), torch.randn(1, 5, 8),
                      os.path.join(HERE, "transformer_%d.onnx" % _opset), opset_version=_opset,
                      input_names=["input"], output_names=["output"])
torch.onnx.export(AttOnly().eval(), torch.randn(1, 5, 8), os.path.join(HERE, "attention_17.onnx"),
                  opset_version=17, input_names=["input"], output_names=["output"])
# Several graph outputs (issue 12): a classifier head and a regression head
# on a shared convolutional trunk; the classifier's logits are an output
# and also feed the regression head (through a softmax), and the trunk's
# feature map (channels first, as ONNX has it) is a third output read by
# the pooling. NAME.want.npy holds each sample's outputs side by side, in
# graph order (the layout of tests/e2e/harness.c).
class TwoHeads(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.c = torch.nn.Conv2d(3, 6, 3, padding=1)
        self.cls = torch.nn.Linear(6, 4)
        self.reg = torch.nn.Linear(6 + 4, 2)

    def forward(self, x):
        f = torch.relu(self.c(x))
        z = f.mean((2, 3))
        logits = self.cls(z)
        r = self.reg(torch.cat([z, torch.softmax(logits, 1)], 1))
        return logits, r, f


def export_heads(name, model, x, names):
    model.eval()
    for opset in (13, 17):
        torch.onnx.export(model, x, os.path.join(HERE, "%s_%d.onnx" % (name, opset)),
                          opset_version=opset, input_names=["input"],
                          output_names=names, do_constant_folding=True)
    xs = torch.randn((4,) + tuple(x.shape[1:]))
    with torch.no_grad():
        rows = [np.concatenate([t.numpy().reshape(-1) for t in model(xs[i:i + 1])])
                for i in range(4)]
    for opset in (13, 17):
        save_io("%s_%d" % (name, opset), xs.numpy(), np.stack(rows))


torch.manual_seed(17)
export_heads("two_heads", TwoHeads(), torch.randn(1, 3, 6, 6), ["logits", "value", "features"])


# Several graph outputs stoic refuses or copies (issue 12): a constant
# output (an initializer), 17 outputs (more than the 16 stoic takes), and an
# Identity of another output (imported as a copy, two arrays).
save("outputs_const", helper.make_graph(
    [helper.make_node("Relu", ["x"], ["y"], name="r")], "g", [vi("x", [1, 4])],
    [vi("y", None), vi("k", [4])], [const("k", np.ones(4, np.float32))]))
save("outputs_17", helper.make_graph(
    [helper.make_node("Relu", ["x"], ["y%d" % i], name="r%d" % i) for i in range(17)], "g",
    [vi("x", [1, 4])], [vi("y%d" % i, None) for i in range(17)]))
save("outputs_identity", helper.make_graph(
    [helper.make_node("Relu", ["x"], ["y"], name="r"),
     helper.make_node("Identity", ["y"], ["z"], name="id")], "g", [vi("x", [1, 4])],
    [vi("y", None), vi("z", None)]))
# ConvTranspose (issue 12): the upsampling layer of PyTorch's decoders, as
# nn.ConvTranspose2d exports it (stride 2, padding 1, output_padding 1), a
# depthwise one, nn.ConvTranspose1d, and a small convolutional decoder
# (Conv -> ReLU -> ConvTranspose -> ReLU -> ConvTranspose).
class Decoder(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = torch.nn.Conv2d(2, 8, 3, stride=2, padding=1)
        self.up1 = torch.nn.ConvTranspose2d(8, 4, 2, stride=2)
        self.up2 = torch.nn.ConvTranspose2d(4, 1, 3, stride=2, padding=1, output_padding=1)

    def forward(self, x):
        return self.up2(torch.relu(self.up1(torch.relu(self.enc(x)))))


torch.manual_seed(16)
export2("convt", torch.nn.ConvTranspose2d(8, 4, 3, stride=2, padding=1, output_padding=1),
        torch.randn(1, 8, 5, 6))
export2("convt_dw", torch.nn.ConvTranspose2d(6, 6, 3, stride=2, padding=1, groups=6),
        torch.randn(1, 6, 4, 5))
export2("convt_1d", torch.nn.ConvTranspose1d(3, 2, 4, stride=2, padding=1),
        torch.randn(1, 3, 10))
export2("convt_decoder", Decoder(), torch.randn(1, 2, 8, 8))
# Resize / Upsample (issue 12): nn.Upsample(scale_factor=2) nearest between
# convolutions (an autoencoder's decoder), bilinear with align_corners
# False and True, and F.interpolate to a size of non-integer ratio.
class UpNearest(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = torch.nn.Conv2d(2, 3, 3, padding=1)
        self.up = torch.nn.Upsample(scale_factor=2, mode="nearest")
        self.c2 = torch.nn.Conv2d(3, 2, 3, padding=1)

    def forward(self, x):
        return self.c2(self.up(torch.relu(self.c1(x))))


class UpBilinear(torch.nn.Module):
    def __init__(self, align):
        super().__init__()
        self.c1 = torch.nn.Conv2d(2, 3, 1)
        self.up = torch.nn.Upsample(scale_factor=2, mode="bilinear", align_corners=align)

    def forward(self, x):
        return torch.tanh(self.up(self.c1(x)))


class InterpSize(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = torch.nn.Conv2d(3, 4, 3, padding=1)

    def forward(self, x):
        h = torch.relu(self.c1(x))
        return F.interpolate(h, size=(7, 5), mode="bilinear", align_corners=False)


torch.manual_seed(16)
export2("up_nearest", UpNearest(), torch.randn(1, 2, 4, 5))
export2("up_bilinear", UpBilinear(False), torch.randn(1, 2, 4, 3))
export2("up_bilinear_ac", UpBilinear(True), torch.randn(1, 2, 4, 3))
export2("interp_size", InterpSize(), torch.randn(1, 3, 5, 4))


# Resize the importer refuses (issue 12): a scale on the channel axis,
# scales computed from the activation (not a constant), an unknown mode,
# an Upsample scale below 1.
EMPTY = const("roi", np.zeros(0, np.float32))
one_node("resize_channel", helper.make_node("Resize", ["x", "roi", "sc"], ["y"], name="rs"),
         [EMPTY, const("sc", np.array([1, 2, 2, 2], np.float32))], shape=(1, 2, 3, 3))
save("resize_scales_act",
     helper.make_graph([helper.make_node("Reshape", ["x", "four"], ["sc"], name="flat"),
                        helper.make_node("Resize", ["x", "roi", "sc"], ["y"], name="rs")], "g",
                       [vi("x", [1, 1, 2, 2])], [vi("y", None)],
                       [EMPTY, const("four", np.array([4], np.int64))]))
one_node("resize_mode", helper.make_node("Resize", ["x", "roi", "sc"], ["y"], name="rs",
                                         mode="area"),
         [EMPTY, const("sc", np.array([1, 1, 2, 2], np.float32))], shape=(1, 2, 3, 3))
one_node("upsample_down", helper.make_node("Upsample", ["x", "sc"], ["y"], name="up"),
         [const("sc", np.array([1, 1, 0.5, 0.5], np.float32))], shape=(1, 2, 4, 4), opset=9)


# Recurrent layers (issue 13): what torch writes for the usual recurrent
# estimators. A bidirectional GRU read at its last step (batch_first), a
# two-layer LSTM, and a sequence-to-sequence LSTM whose Linear head runs on
# every step (MatMul of [1 T H]) -- float32 through the whole tool in
# tests/onnx/patterns.sh.
class GruBidir(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = torch.nn.GRU(3, 5, batch_first=True, bidirectional=True)
        self.fc = torch.nn.Linear(10, 2)

    def forward(self, x):
        y, _ = self.rnn(x)
        return self.fc(y[:, -1, :])


class LstmStack(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = torch.nn.LSTM(4, 6, num_layers=2, batch_first=True)
        self.fc = torch.nn.Linear(6, 1)

    def forward(self, x):
        y, _ = self.rnn(x)
        return self.fc(y[:, -1, :])


class LstmSeq(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = torch.nn.LSTM(2, 4, batch_first=True)
        self.fc = torch.nn.Linear(4, 3)

    def forward(self, x):
        y, _ = self.rnn(x)
        return self.fc(y)


torch.manual_seed(13)
export2("gru_bidir", GruBidir(), torch.randn(1, 7, 3))
export2("lstm_stack", LstmStack(), torch.randn(1, 9, 4))
export2("lstm_seq", LstmSeq(), torch.randn(1, 6, 2))

# Recurrent nodes stoic refuses, each with its reason: a clip, an
# activation other than the defaults, sequences shorter than the input,
# the last cell state Y_c read by the model.
_T, _B, _I, _H = 4, 1, 3, 2
_W = const("W", rnd(1, 4 * _H, _I))
_R = const("R", rnd(1, 4 * _H, _H))
save("lstm_clip", helper.make_graph(
    [helper.make_node("LSTM", ["x", "W", "R"], ["", "y"], name="lstm", hidden_size=_H,
                      clip=3.0)], "g", [vi("x", [_T, _B, _I])], [vi("y", None)], [_W, _R]))
save("lstm_yc", helper.make_graph(
    [helper.make_node("LSTM", ["x", "W", "R"], ["", "h", "y"], name="lstm", hidden_size=_H)],
    "g", [vi("x", [_T, _B, _I])], [vi("y", None)], [_W, _R]))
save("lstm_seqlens", helper.make_graph(
    [helper.make_node("LSTM", ["x", "W", "R", "", "sl"], ["", "y"], name="lstm",
                      hidden_size=_H)], "g", [vi("x", [_T, _B, _I])], [vi("y", None)],
    [_W, _R, numpy_helper.from_array(np.array([2], np.int32), "sl")]))
save("gru_relu", helper.make_graph(
    [helper.make_node("GRU", ["x", "W3", "R3"], ["", "y"], name="gru", hidden_size=_H,
                      activations=["Relu", "Tanh"])], "g", [vi("x", [_T, _B, _I])],
    [vi("y", None)], [const("W3", rnd(1, 3 * _H, _I)), const("R3", rnd(1, 3 * _H, _H))]))

#!/usr/bin/python3
"""Writes tests/onnx/bad/*.onnx: small ONNX models that stoic import must
refuse with a clear error naming the node (see tests/onnx/bad.sh).
Each model's expected message substring is in bad/<name>.expect.
Run with Debian's /usr/bin/python3 (python3-onnx)."""
import os
import numpy as np
import onnx
from onnx import helper, TensorProto, numpy_helper

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bad")


def save(name, graph, expect, opset=13):
    m = helper.make_model(graph, producer_name="stoic-tests",
                          opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 7
    with open(os.path.join(HERE, name + ".onnx"), "wb") as f:
        f.write(m.SerializeToString())
    with open(os.path.join(HERE, name + ".expect"), "w") as f:
        f.write(expect + "\n")


def vi(name, shape):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


os.makedirs(HERE, exist_ok=True)
# a dynamic dimension other than the batch axis
save("dynamic_dim", helper.make_graph(
    [helper.make_node("Relu", ["x"], ["y"], name="r")], "g",
    [vi("x", ["N", "C"])], [vi("y", ["N", "C"])]),
    "dimension 1 is dynamic")
# an attribute value stoic does not support
pads = numpy_helper.from_array(np.array([0, 0, 1, 1, 0, 0, 1, 1], dtype=np.int64), "pads")
save("pad_reflect", helper.make_graph(
    [helper.make_node("Pad", ["x", "pads"], ["y"], name="p", mode="reflect")], "g",
    [vi("x", [1, 2, 4, 4])], [vi("y", [1, 2, 6, 6])], [pads]),
    "node 'p' (Pad): mode 'reflect' is not supported")
# an unsupported operator
save("unknown_op", helper.make_graph(
    [helper.make_node("Erf", ["x"], ["y"], name="e")], "g",
    [vi("x", [1, 4])], [vi("y", [1, 4])]),
    "node 'e' (Erf): operator Erf is not supported")
# MaxPool with its Indices output
save("maxpool_indices", helper.make_graph(
    [helper.make_node("MaxPool", ["x"], ["y", "i"], name="mp", kernel_shape=[2, 2])], "g",
    [vi("x", [1, 1, 4, 4])], [vi("y", [1, 1, 3, 3])]),
    "node 'mp' (MaxPool): the Indices output is not supported")
# an opset newer than 17
save("opset18", helper.make_graph(
    [helper.make_node("Relu", ["x"], ["y"], name="r")], "g",
    [vi("x", [1, 4])], [vi("y", [1, 4])]),
    "opset 18", opset=18)
# more graph outputs than stoic takes (16; two import since issue 12)
save("many_outputs", helper.make_graph(
    [helper.make_node("Relu", ["x"], ["y%d" % i], name="r%d" % i) for i in range(17)], "g",
    [vi("x", [1, 4])], [vi("y%d" % i, [1, 4]) for i in range(17)]),
    "17 outputs; stoic models have 1 to 16")
# a weight that is not finite
w = numpy_helper.from_array(np.array([[1.0, np.nan], [0.5, 2.0]], dtype=np.float32), "w")
save("nan_weight", helper.make_graph(
    [helper.make_node("MatMul", ["x", "w"], ["y"], name="mm")], "g",
    [vi("x", [1, 2])], [vi("y", [1, 2])], [w]),
    # NaN at ONNX w[0][1]; stoic stores the dense weight as [N K] = w transposed,
    # where it is [1][0]: flat index 1 * 2 + 0 = 2
    "node 'mm' (MatMul): weight value 2 is not finite")
# Conv whose weight is computed, not a constant
save("conv_dynamic_weight", helper.make_graph(
    [helper.make_node("Conv", ["x", "x"], ["y"], name="c")], "g",
    [vi("x", [1, 1, 3, 3])], [vi("y", [1, 1, 1, 1])]),
    "node 'c' (Conv): input W 'x' must be a constant")

# ---- constant folding (issue 12): errors of the evaluated shape arithmetic ----
def i64(name, v):
    return numpy_helper.from_array(np.array(v, dtype=np.int64), name)


def fold_case(name, nodes, inits, expect, shape=(1, 4)):
    """nodes compute constants from x's shape; y = Relu(x) is the output."""
    save(name, helper.make_graph(
        nodes + [helper.make_node("Relu", ["x"], ["y"], name="relu")], "g",
        [vi("x", list(shape))], [vi("y", list(shape))], inits), expect)


# Gather index out of range (the shape of x has 2 values)
fold_case("fold_gather_range",
          [helper.make_node("Shape", ["x"], ["s"], name="shape"),
           helper.make_node("Gather", ["s", "i"], ["g"], name="gather")], [i64("i", 5)],
          "node 'gather' (Gather): index 5 is out of range for axis 0 of size 2")
# Expand to a shape that does not broadcast with the input's
fold_case("fold_expand_shape",
          [helper.make_node("Expand", ["c", "s"], ["e"], name="expand")],
          [numpy_helper.from_array(np.ones(3, np.float32), "c"), i64("s", [2, 4])],
          "node 'expand' (Expand): the shapes of the inputs do not broadcast (axis 1: 3 and 4)")
# Range with a zero delta
fold_case("fold_range_zero_delta",
          [helper.make_node("Range", ["a", "b", "d"], ["r"], name="range")],
          [i64("a", 0), i64("b", 5), i64("d", 0)],
          "node 'range' (Range): delta is 0")
# a folded tensor larger than the importer evaluates (4096 x 4096 > 4194304)
fold_case("fold_too_large",
          [helper.make_node("ConstantOfShape", ["s"], ["z"], name="zeros")],
          [i64("s", [4096, 4096])],
          "node 'zeros' (ConstantOfShape): the folded result would have more than 4194304 "
          "elements")
# integer division by zero
fold_case("fold_div_zero",
          [helper.make_node("Shape", ["x"], ["s"], name="shape"),
           helper.make_node("Div", ["s", "z"], ["q"], name="div")], [i64("z", [0])],
          "node 'div' (Div): integer division by zero")
# Shape of a value whose batch dimension is symbolic
fold_case("fold_symbolic_shape",
          [helper.make_node("Shape", ["x"], ["s"], name="shape")], [],
          "node 'shape' (Shape): the shape of 'x' includes the symbolic batch dimension 'N'",
          shape=("N", 4))
# Sub (and Div, Mod, Equal, Where, Expand, Gather, Range) of a computed tensor
save("fold_sub_computed", helper.make_graph(
    [helper.make_node("Sub", ["x", "c"], ["y"], name="sub")], "g",
    [vi("x", [1, 4])], [vi("y", [1, 4])],
    [numpy_helper.from_array(np.ones(4, np.float32), "c")]),
    "node 'sub' (Sub): input A 'x' is computed: Sub is only supported on constants "
    "(folded at import)")

# ---- ConvTranspose (issue 12) ------------------------------------------------
def convt_case(name, w_shape, x_shape, y_shape, expect, weight_input=None, **attrs):
    w = numpy_helper.from_array(np.ones(w_shape, np.float32), "w")
    save(name, helper.make_graph(
        [helper.make_node("ConvTranspose", ["x", weight_input or "w"], ["y"], name="ct",
                          **attrs)], "g",
        [vi("x", x_shape)], [vi("y", y_shape)], [] if weight_input else [w]), expect)


# a weight computed from the input, not a constant
convt_case("convt_dynamic_weight", (1, 1, 3, 3), [1, 1, 3, 3], [1, 1, 5, 5],
           "node 'ct' (ConvTranspose): input W 'x' must be a constant", weight_input="x")
# a group that does not divide the 3 input channels
convt_case("convt_group", (3, 1, 3, 3), [1, 3, 4, 4], [1, 2, 6, 6],
           "node 'ct' (ConvTranspose): group 2 does not fit 3 input channels and weight shape",
           group=2)
# 3-D (volumetric)
convt_case("convt_3d", (1, 1, 2, 2, 2), [1, 1, 3, 3, 3], [1, 1, 4, 4, 4],
           "node 'ct' (ConvTranspose): only 1-D and 2-D transposed convolutions are supported "
           "(input rank 5)")
# an output_shape larger than output_padding can give at the start
convt_case("convt_output_shape", (1, 1, 3, 3), [1, 1, 3, 3], [1, 1, 9, 9],
           "node 'ct' (ConvTranspose): output size 9 needs a negative start pad (the layer "
           "makes 5 values)", output_shape=[9, 9], auto_pad="SAME_UPPER")
# pads that leave nothing
convt_case("convt_pads_all", (1, 1, 2, 2), [1, 1, 2, 2], [1, 1, 1, 1],
           "node 'ct' (ConvTranspose): the pads leave no output", pads=[2, 2, 2, 2])
print("written to", HERE)

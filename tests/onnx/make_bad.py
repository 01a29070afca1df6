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
# two outputs
save("two_outputs", helper.make_graph(
    [helper.make_node("Relu", ["x"], ["y"], name="r"),
     helper.make_node("Sigmoid", ["x"], ["z"], name="s")], "g",
    [vi("x", [1, 4])], [vi("y", [1, 4]), vi("z", [1, 4])]),
    "2 outputs")
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
print("written to", HERE)

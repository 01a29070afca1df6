#!/usr/bin/python3
"""Independent check of the exported dsconv ONNX files (NumPy only).

    /usr/bin/python3 examples/dsconv/check_onnx.py [MODEL.onnx ...]

Without arguments checks dsconv.onnx, dsconv_bn.onnx and dsconv_zeropad.onnx
next to this script. For each file: parses it with the `onnx` package (only
to read the protobuf; onnx.checker is run too), checks the graph interface
(opset 13, one input "input" float32 [N,1,8,8] with N symbolic, one output
"logits" float32 [N,10]), then runs the graph on val_x.npy with the small
NumPy interpreter below (float64, written from the ONNX operator
specification, opset 13) and asserts that the logits match
val_logits_torch.npy (PyTorch's own eval-mode outputs) within 1e-4, and
prints the top-1 accuracy against val_y.npy. Uses neither PyTorch nor an
ONNX runtime, so it checks the exporter's output, not PyTorch against itself.

The interpreter knows exactly the operators these files use and rejects any
other operator, any attribute it does not implement and any attribute value
outside what it implements (for example auto_pad other than NOTSET, or
ceil_mode 1), so nothing is silently computed with the wrong semantics.

Exit status 0 when every file matches.
"""

import os
import sys

import numpy as np
import onnx
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
TOL = 1e-4
DEFAULT_FILES = ("dsconv.onnx", "dsconv_bn.onnx", "dsconv_zeropad.onnx")
OPSET = 13


class Unsupported(Exception):
    pass


# ------------------------------------------------------------ helpers

def attrs(node, allowed):
    """The node's attributes as a dict; anything not in `allowed` is an error.
    `allowed` maps name -> default value."""
    out = dict(allowed)
    for a in node.attribute:
        if a.name not in allowed:
            raise Unsupported(f"{node.op_type} {node.name}: attribute {a.name!r} not implemented")
        v = onnx.helper.get_attribute_value(a)
        if isinstance(v, bytes):
            v = v.decode("utf-8")
        if isinstance(v, onnx.TensorProto):
            v = numpy_helper.to_array(v)
        if isinstance(v, list):
            v = [int(i) if isinstance(i, int) else i for i in v]
        out[a.name] = v
    return out


def need(cond, node, what):
    if not cond:
        raise Unsupported(f"{node.op_type} {node.name}: {what}")


def np_dtype(onnx_type):
    return np.dtype(onnx.mapping.TENSOR_TYPE_TO_NP_TYPE[onnx_type])


def out_size(size, k, stride, dil, pad_begin, pad_end, node):
    n = (size + pad_begin + pad_end - dil * (k - 1) - 1) // stride + 1
    need(n >= 1, node, f"empty output ({size=}, {k=}, {stride=})")
    return n


def windows(xp, kh, kw, sh, sw, dh, dw, oh, ow):
    """Yield the [N, C, oh, ow] slice of the padded input under each kernel tap."""
    for i in range(kh):
        for j in range(kw):
            yield i, j, xp[:, :, i * dh: i * dh + sh * (oh - 1) + 1: sh,
                           j * dw: j * dw + sw * (ow - 1) + 1: sw]


def spatial_attrs(node, a, kernel):
    """kernel_shape / strides / dilations / pads of a 2-D Conv or pool."""
    need(a["auto_pad"] == "NOTSET", node, f"auto_pad {a['auto_pad']!r}")
    k = list(a["kernel_shape"]) if a.get("kernel_shape") is not None else list(kernel)
    need(len(k) == 2, node, "only 2-D kernels")
    need(list(kernel) == k, node, f"kernel_shape {k} does not match the weight {list(kernel)}")
    s = list(a["strides"] or [1, 1])
    d = list(a.get("dilations") or [1, 1])
    p = list(a["pads"] or [0, 0, 0, 0])
    need(len(s) == 2 and len(d) == 2 and len(p) == 4, node, "attribute lengths")
    need(min(p) >= 0 and min(s) >= 1 and min(d) >= 1, node, "pads/strides/dilations out of range")
    return k, s, d, p


# ------------------------------------------------------------ operators

def op_conv(node, x, w, b=None):
    a = attrs(node, {"auto_pad": "NOTSET", "dilations": None, "group": 1,
                     "kernel_shape": None, "pads": None, "strides": None})
    n, c, h, wd = x.shape
    m, cg, kh, kw = w.shape
    g = a["group"]
    need(c == cg * g and m % g == 0, node, f"channels: input {c}, weight {w.shape}, group {g}")
    (kh, kw), (sh, sw), (dh, dw), (pt, pl, pb, pr) = spatial_attrs(node, a, (kh, kw))
    oh = out_size(h, kh, sh, dh, pt, pb, node)
    ow = out_size(wd, kw, sw, dw, pl, pr, node)
    xp = np.pad(x, ((0, 0), (0, 0), (pt, pb), (pl, pr)))
    y = np.zeros((n, g, m // g, oh, ow))
    wg = w.reshape(g, m // g, cg, kh, kw)
    for i, j, patch in windows(xp, kh, kw, sh, sw, dh, dw, oh, ow):
        y += np.einsum("ngchw,gmc->ngmhw", patch.reshape(n, g, cg, oh, ow), wg[:, :, :, i, j])
    y = y.reshape(n, m, oh, ow)
    if b is not None:
        need(b.shape == (m,), node, "bias shape")
        y = y + b.reshape(1, m, 1, 1)
    return y


def op_pool(node, x, kind):
    if kind == "max":
        a = attrs(node, {"auto_pad": "NOTSET", "ceil_mode": 0, "dilations": None,
                         "kernel_shape": None, "pads": None, "storage_order": 0,
                         "strides": None})
        need(a["storage_order"] == 0, node, "storage_order")
        need(len(node.output) == 1 or not node.output[1], node, "Indices output")
    else:
        a = attrs(node, {"auto_pad": "NOTSET", "ceil_mode": 0, "count_include_pad": 0,
                         "kernel_shape": None, "pads": None, "strides": None})
    need(a["ceil_mode"] == 0, node, "ceil_mode 1")
    need(a["kernel_shape"] is not None, node, "kernel_shape missing")
    n, c, h, wd = x.shape
    (kh, kw), (sh, sw), (dh, dw), (pt, pl, pb, pr) = spatial_attrs(node, a, a["kernel_shape"])
    oh = out_size(h, kh, sh, dh, pt, pb, node)
    ow = out_size(wd, kw, sw, dw, pl, pr, node)
    pad = ((0, 0), (0, 0), (pt, pb), (pl, pr))
    if kind == "max":
        xp = np.pad(x, pad, constant_values=-np.inf)     # padding never wins
        y = np.full((n, c, oh, ow), -np.inf)
        for _, _, patch in windows(xp, kh, kw, sh, sw, dh, dw, oh, ow):
            y = np.maximum(y, patch)
        return y
    xp = np.pad(x, pad)
    ones = np.pad(np.ones_like(x), pad)
    s = np.zeros((n, c, oh, ow))
    cnt = np.zeros((n, c, oh, ow))
    for _, _, patch in windows(xp, kh, kw, sh, sw, dh, dw, oh, ow):
        s += patch
    for _, _, patch in windows(ones, kh, kw, sh, sw, dh, dw, oh, ow):
        cnt += patch
    return s / (kh * kw) if a["count_include_pad"] else s / cnt


def op_batchnorm(node, x, scale, bias, mean, var):
    a = attrs(node, {"epsilon": 1e-5, "momentum": 0.9, "training_mode": 0})
    need(a["training_mode"] == 0 and len(node.output) == 1, node, "training mode")
    sh = (1, -1) + (1,) * (x.ndim - 2)
    return ((x - mean.reshape(sh)) / np.sqrt(var.reshape(sh) + a["epsilon"])
            * scale.reshape(sh) + bias.reshape(sh))


def op_clip(node, x, lo=None, hi=None):
    attrs(node, {})
    if lo is not None:
        need(lo.ndim == 0, node, "min must be a scalar")
        x = np.maximum(x, lo)
    if hi is not None:
        need(hi.ndim == 0, node, "max must be a scalar")
        x = np.minimum(x, hi)
    return x


def op_pad(node, x, pads, value=None):
    a = attrs(node, {"mode": "constant"})
    need(a["mode"] == "constant", node, f"mode {a['mode']!r}")
    pads = [int(p) for p in pads]
    r = x.ndim
    need(len(pads) == 2 * r, node, f"pads has {len(pads)} values for rank {r}")
    need(min(pads) >= 0, node, "negative pads")
    v = 0.0 if value is None else float(value.reshape(()))
    return np.pad(x, [(pads[i], pads[i + r]) for i in range(r)], constant_values=v)


def op_gemm(node, A, B, C=None):
    a = attrs(node, {"alpha": 1.0, "beta": 1.0, "transA": 0, "transB": 0})
    A = A.T if a["transA"] else A
    B = B.T if a["transB"] else B
    need(A.ndim == 2 and B.ndim == 2 and A.shape[1] == B.shape[0], node, "shapes")
    y = a["alpha"] * (A @ B)
    if C is not None:
        y = y + a["beta"] * C
    return y


def op_flatten(node, x):
    a = attrs(node, {"axis": 1})
    axis = a["axis"] + x.ndim if a["axis"] < 0 else a["axis"]
    return x.reshape(int(np.prod(x.shape[:axis], dtype=np.int64)), -1)


def op_reshape(node, x, shape):
    a = attrs(node, {"allowzero": 0})
    need(a["allowzero"] == 0, node, "allowzero 1")
    shape = [int(s) for s in shape]
    shape = [x.shape[i] if s == 0 else s for i, s in enumerate(shape)]
    return x.reshape(shape)


def op_slice(node, x, starts, ends, axes=None, steps=None):
    attrs(node, {})
    r = x.ndim
    axes = list(range(len(starts))) if axes is None else [int(v) % r for v in axes]
    steps = [1] * len(starts) if steps is None else [int(v) for v in steps]
    idx = [slice(None)] * r
    for ax, st, en, sp in zip(axes, starts, ends, steps):
        dim = x.shape[ax]
        st, en = int(st), int(en)
        need(sp != 0, node, "step 0")
        st = st + dim if st < 0 else st
        en = en + dim if en < 0 else en
        if sp > 0:
            st, en = min(max(st, 0), dim), min(max(en, 0), dim)
        else:
            st, en = min(max(st, 0), dim - 1), min(max(en, -1), dim - 1)
        idx[ax] = np.arange(st, en, sp, dtype=np.int64)
        x = np.take(x, idx[ax], axis=ax)
    return x


def op_transpose(node, x):
    a = attrs(node, {"perm": None})
    return np.transpose(x, a["perm"])


def op_concat(node, *xs):
    a = attrs(node, {"axis": None})
    return np.concatenate(xs, axis=a["axis"])


def op_cast(node, x):
    a = attrs(node, {"to": None})
    return x.astype(np_dtype(a["to"]))


def op_constant_of_shape(node, shape):
    a = attrs(node, {"value": np.zeros(1, dtype=np.float32)})
    v = a["value"]
    need(v.size == 1, node, "value must have one element")
    return np.full([int(s) for s in shape], v.reshape(()), dtype=v.dtype)


def op_constant(node):
    a = attrs(node, {"value": None})
    need(a["value"] is not None, node, "only the 'value' attribute is implemented")
    return a["value"]


def simple(fn):
    def run(node, *xs):
        attrs(node, {})
        return fn(*xs)
    return run


OPS = {
    "Conv": op_conv,
    "BatchNormalization": op_batchnorm,
    "Relu": simple(lambda x: np.maximum(x, 0.0)),
    "Clip": op_clip,
    "MaxPool": lambda n, x: op_pool(n, x, "max"),
    "AveragePool": lambda n, x: op_pool(n, x, "avg"),
    "GlobalAveragePool": simple(lambda x: x.mean(axis=(2, 3), keepdims=True)),
    "Pad": op_pad,
    "Flatten": op_flatten,
    "Gemm": op_gemm,
    "Identity": simple(lambda x: x),
    # constant subgraphs (PyTorch's computation of ZeroPad2d's pads)
    "Constant": op_constant,
    "ConstantOfShape": op_constant_of_shape,
    "Concat": op_concat,
    "Reshape": op_reshape,
    "Slice": op_slice,
    "Transpose": op_transpose,
    "Cast": op_cast,
}


# ------------------------------------------------------------ the graph

def run_graph(model, x):
    g = model.graph
    env = {}
    for init in g.initializer:
        a = numpy_helper.to_array(init)
        env[init.name] = a.astype(np.float64) if a.dtype == np.float32 else a
    (inp,) = [i for i in g.input if i.name not in env]
    env[inp.name] = x.astype(np.float64)
    for node in g.node:              # ONNX requires topological order
        if node.domain not in ("", "ai.onnx"):
            raise Unsupported(f"{node.op_type}: domain {node.domain!r}")
        fn = OPS.get(node.op_type)
        if fn is None:
            raise Unsupported(f"operator {node.op_type} ({node.name}) not implemented")
        args = []
        for name in node.input:
            if name == "":
                args.append(None)       # optional input left out
            elif name not in env:
                raise Unsupported(f"{node.op_type} {node.name}: input {name!r} undefined")
            else:
                args.append(env[name])
        while args and args[-1] is None:
            args.pop()
        y = fn(node, *args)
        if isinstance(y, np.ndarray) and y.dtype == np.float32:
            y = y.astype(np.float64)   # Constant nodes: compute in float64
        (out,) = node.output
        env[out] = y
    (o,) = g.output
    return env[o.name]


def check_interface(model):
    ops = {o.domain or "ai.onnx": o.version for o in model.opset_import}
    assert ops == {"ai.onnx": OPSET}, f"opset_import {ops}"
    g = model.graph
    inits = {i.name for i in g.initializer}
    inputs = [i for i in g.input if i.name not in inits]
    assert len(inputs) == 1 and len(g.output) == 1, "one input and one output"

    def dims(vi):
        t = vi.type.tensor_type
        assert t.elem_type == onnx.TensorProto.FLOAT, f"{vi.name}: not float32"
        return [d.dim_param or d.dim_value for d in t.shape.dim]

    assert inputs[0].name == "input" and dims(inputs[0]) == ["N", 1, 8, 8], \
        f"input {inputs[0].name} {dims(inputs[0])}"
    assert g.output[0].name == "logits" and dims(g.output[0]) == ["N", 10], \
        f"output {g.output[0].name} {dims(g.output[0])}"


def main(argv):
    files = argv[1:] or [os.path.join(HERE, f) for f in DEFAULT_FILES]
    x = np.load(os.path.join(HERE, "val_x.npy"))
    y = np.load(os.path.join(HERE, "val_y.npy"))
    ref = np.load(os.path.join(HERE, "val_logits_torch.npy"))
    assert x.dtype == np.float32 and x.ndim == 4 and x.shape[1:] == (1, 8, 8), x.shape
    assert y.dtype == np.int64 and y.shape == (len(x),), y.shape
    assert ref.dtype == np.float32 and ref.shape == (len(x), 10), ref.shape
    print(f"val_x {x.shape} float32, PyTorch accuracy "
          f"{np.mean(ref.argmax(1) == y) * 100:.2f}%")
    ok = True
    for path in files:
        name = os.path.basename(path)
        try:
            model = onnx.load(path)
            onnx.checker.check_model(model)
            check_interface(model)
            out = run_graph(model, x)
            # the batch dimension really is free: one row at a time gives the same
            one = np.concatenate([run_graph(model, x[i:i + 1]) for i in range(0, len(x), 97)])
        except (Unsupported, AssertionError, onnx.checker.ValidationError) as e:
            print(f"{name}: FAIL: {e}")
            ok = False
            continue
        err = float(np.max(np.abs(out - ref))) if out.shape == ref.shape else float("inf")
        one_err = float(np.max(np.abs(one - out[::97])))
        acc = float(np.mean(out.argmax(1) == y))
        ops = sorted({n.op_type for n in model.graph.node})
        good = out.shape == ref.shape and err <= TOL and one_err <= 1e-9
        print(f"{name}: {len(model.graph.node)} nodes, op types {' '.join(ops)}")
        print(f"  logits {out.shape}, max |onnx - torch| = {err:.3g} (tolerance {TOL}), "
              f"accuracy {acc * 100:.2f}% -> {'OK' if good else 'FAIL'}")
        ok = ok and good
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))

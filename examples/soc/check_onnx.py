#!/usr/bin/python3
"""Independent check of the exported soc ONNX files (NumPy only).

    /usr/bin/python3 examples/soc/check_onnx.py [MODEL.onnx ...]

Without arguments checks soc_gru_13.onnx, soc_gru_17.onnx, soc_lstm_13.onnx
and soc_lstm_17.onnx next to this script. For each file: parses it with the
`onnx` package (only to read the protobuf; onnx.checker is run too), checks
the interface (one input "x" float32 [1, 50, 3], one output "soc" float32
[1, 1]), prints every node with its attributes, then runs the graph on every
row of val_x.npy and test_x.npy (one row at a time, batch 1 as declared) with
the small NumPy interpreter below (float64, written from the ONNX operator
specification) and asserts that the result matches PyTorch's outputs
(val_soc_torch_{gru,lstm}.npy, test_soc_torch_{gru,lstm}.npy) within 1e-5.
Uses neither PyTorch nor an ONNX runtime, so it checks the exporter's output,
not PyTorch against itself.

The interpreter knows exactly the operators these files use (Constant,
Transpose, Shape, Gather, Unsqueeze, Squeeze, Concat, Expand, GRU, LSTM,
Gemm) and rejects any other operator, any attribute it does not implement and
any attribute value outside what it implements (for example a GRU direction
other than "forward", non-default activations, clip, layout 1, or a
sequence_lens input), so nothing is silently computed with the wrong
semantics. To show the check is sensitive, it also reports how far the
output moves when a GRU's linear_before_reset is read as 0, or an LSTM's
gates are read in PyTorch's order (i, f, g, o) instead of ONNX's (i, o, f, c).

Exit status 0 when every file matches.
"""

import os
import sys

import numpy as np
import onnx
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
TOL = 1e-5
DEFAULT_FILES = ("soc_gru_13.onnx", "soc_gru_17.onnx", "soc_lstm_13.onnx", "soc_lstm_17.onnx")
WINDOW = 50


class Unsupported(Exception):
    pass


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
            v = [i.decode("utf-8") if isinstance(i, bytes) else i for i in v]
        out[a.name] = v
    return out


def need(cond, node, what):
    if not cond:
        raise Unsupported(f"{node.op_type} {node.name}: {what}")


def sigmoid(v):
    return 1.0 / (1.0 + np.exp(-v))


# ------------------------------------------------------------ recurrent nodes

def rnn_common(node, a, x, w, hidden):
    need(a["direction"] == "forward", node, f"direction {a['direction']!r}")
    need(a["clip"] is None, node, "clip")
    need(a["layout"] == 0, node, f"layout {a['layout']}")
    need(a["activation_alpha"] is None and a["activation_beta"] is None, node, "activation_alpha/beta")
    need(a["hidden_size"] == hidden, node, f"hidden_size {a['hidden_size']} vs W {hidden}")
    need(x.ndim == 3 and w.ndim == 3 and w.shape[0] == 1 and w.shape[2] == x.shape[2], node,
         f"shapes X {x.shape} W {w.shape}")


def op_gru(node, ins, variant):
    """ONNX GRU (opsets 7 and 14), gates z, r, h; one forward direction."""
    a = attrs(node, {"hidden_size": None, "linear_before_reset": 0, "direction": "forward",
                     "activations": ["Sigmoid", "Tanh"], "activation_alpha": None,
                     "activation_beta": None, "clip": None, "layout": 0})
    x, w, r = ins[0], ins[1], ins[2]
    b = ins[3] if len(ins) > 3 else None
    need(len(ins) <= 4 or ins[4] is None, node, "sequence_lens input")
    h0 = ins[5] if len(ins) > 5 else None
    hs = w.shape[1] // 3
    rnn_common(node, a, x, w, hs)
    need([s.lower() for s in a["activations"]] == ["sigmoid", "tanh"], node,
         f"activations {a['activations']}")
    lbr = a["linear_before_reset"] if "linear_before_reset" not in variant else variant["linear_before_reset"]
    seq, batch, _ = x.shape
    wz, wr, wh = w[0, :hs], w[0, hs:2 * hs], w[0, 2 * hs:]
    rz, rr, rh = r[0, :hs], r[0, hs:2 * hs], r[0, 2 * hs:]
    if b is None:
        b = np.zeros((1, 6 * hs))
    wbz, wbr, wbh, rbz, rbr, rbh = (b[0, i * hs:(i + 1) * hs] for i in range(6))
    h = np.zeros((batch, hs)) if h0 is None else h0[0].astype(np.float64)
    need(h.shape == (batch, hs), node, f"initial_h shape {h.shape}")
    ys = []
    for t in range(seq):
        xt = x[t]
        z = sigmoid(xt @ wz.T + h @ rz.T + wbz + rbz)
        rg = sigmoid(xt @ wr.T + h @ rr.T + wbr + rbr)
        if lbr:
            hh = np.tanh(xt @ wh.T + rg * (h @ rh.T + rbh) + wbh)
        else:
            hh = np.tanh(xt @ wh.T + (rg * h) @ rh.T + rbh + wbh)
        h = (1.0 - z) * hh + z * h
        ys.append(h)
    y = np.stack(ys)[:, None]          # [seq, num_directions=1, batch, hidden]
    return [y, h[None]]


def op_lstm(node, ins, variant):
    """ONNX LSTM (opsets 7 and 14), gates i, o, f, c; one forward direction, no peepholes."""
    a = attrs(node, {"hidden_size": None, "direction": "forward", "input_forget": 0,
                     "activations": ["Sigmoid", "Tanh", "Tanh"], "activation_alpha": None,
                     "activation_beta": None, "clip": None, "layout": 0})
    x, w, r = ins[0], ins[1], ins[2]
    b = ins[3] if len(ins) > 3 else None
    need(len(ins) <= 4 or ins[4] is None, node, "sequence_lens input")
    h0 = ins[5] if len(ins) > 5 else None
    c0 = ins[6] if len(ins) > 6 else None
    need(len(ins) <= 7 or ins[7] is None, node, "peephole input P")
    need(a["input_forget"] == 0, node, "input_forget")
    hs = w.shape[1] // 4
    rnn_common(node, a, x, w, hs)
    need([s.lower() for s in a["activations"]] == ["sigmoid", "tanh", "tanh"], node,
         f"activations {a['activations']}")
    order = variant.get("lstm_gate_order", "iofc")
    gi, go, gf, gc = (order.index(g) for g in "iofc")
    seq, batch, _ = x.shape
    ws = [w[0, k * hs:(k + 1) * hs] for k in range(4)]
    rs = [r[0, k * hs:(k + 1) * hs] for k in range(4)]
    if b is None:
        b = np.zeros((1, 8 * hs))
    wb = [b[0, k * hs:(k + 1) * hs] for k in range(4)]
    rb = [b[0, (4 + k) * hs:(5 + k) * hs] for k in range(4)]
    h = np.zeros((batch, hs)) if h0 is None else h0[0].astype(np.float64)
    c = np.zeros((batch, hs)) if c0 is None else c0[0].astype(np.float64)
    need(h.shape == (batch, hs) and c.shape == (batch, hs), node, "initial_h/initial_c shape")

    def pre(k, xt, h):
        return xt @ ws[k].T + h @ rs[k].T + wb[k] + rb[k]
    ys = []
    for t in range(seq):
        xt = x[t]
        i = sigmoid(pre(gi, xt, h))
        f = sigmoid(pre(gf, xt, h))
        g = np.tanh(pre(gc, xt, h))
        c = f * c + i * g
        o = sigmoid(pre(go, xt, h))
        h = o * np.tanh(c)
        ys.append(h)
    y = np.stack(ys)[:, None]
    return [y, h[None], c[None]]


# ------------------------------------------------------------ other nodes

def op_constant(node, ins, variant):
    a = attrs(node, {"value": None})
    need(a["value"] is not None, node, "only the `value` attribute is implemented")
    return [np.asarray(a["value"])]


def op_transpose(node, ins, variant):
    a = attrs(node, {"perm": None})
    return [np.transpose(ins[0], a["perm"])]


def op_shape(node, ins, variant):
    a = attrs(node, {"start": 0, "end": None})
    s = np.asarray(ins[0].shape, dtype=np.int64)
    return [s[a["start"]:a["end"]]]


def op_gather(node, ins, variant):
    a = attrs(node, {"axis": 0})
    data, idx = ins
    need(np.issubdtype(idx.dtype, np.integer), node, "integer indices")
    n = data.shape[a["axis"]]
    need(np.all((idx >= -n) & (idx < n)), node, "index out of range")
    idx = np.where(idx < 0, idx + n, idx)
    return [np.take(data, idx, axis=a["axis"])]


def axes_of(node, ins, opset):
    need(opset >= 13, node, "axes as an attribute (opset < 13) not implemented")
    attrs(node, {})
    need(len(ins) == 2 and ins[1] is not None, node, "axes input required")
    return [int(v) for v in np.asarray(ins[1]).reshape(-1)]


def op_unsqueeze(node, ins, variant, opset):
    axes = axes_of(node, ins, opset)
    out_rank = ins[0].ndim + len(axes)
    y = ins[0]
    for ax in sorted(a + out_rank if a < 0 else a for a in axes):
        y = np.expand_dims(y, ax)
    return [y]


def op_squeeze(node, ins, variant, opset):
    axes = axes_of(node, ins, opset)
    axes = tuple(a + ins[0].ndim if a < 0 else a for a in axes)
    need(all(ins[0].shape[a] == 1 for a in axes), node, "squeezing an axis that is not 1")
    return [np.squeeze(ins[0], axis=axes)]


def op_concat(node, ins, variant):
    a = attrs(node, {"axis": None})
    return [np.concatenate(ins, axis=a["axis"])]


def op_expand(node, ins, variant):
    attrs(node, {})
    data, shape = ins
    out = np.broadcast_shapes(data.shape, tuple(int(s) for s in shape))
    return [np.broadcast_to(data, out).copy()]


def op_gemm(node, ins, variant):
    a = attrs(node, {"alpha": 1.0, "beta": 1.0, "transA": 0, "transB": 0})
    am, bm = ins[0], ins[1]
    need(am.ndim == 2 and bm.ndim == 2, node, "2-D A and B")
    if a["transA"]:
        am = am.T
    if a["transB"]:
        bm = bm.T
    y = a["alpha"] * (am @ bm)
    if len(ins) > 2 and ins[2] is not None:
        y = y + a["beta"] * ins[2]
    return [y]


OPS = {"Constant": op_constant, "Transpose": op_transpose, "Shape": op_shape,
       "Gather": op_gather, "Concat": op_concat, "Expand": op_expand,
       "GRU": op_gru, "LSTM": op_lstm, "Gemm": op_gemm}
OPS_WITH_OPSET = {"Unsqueeze": op_unsqueeze, "Squeeze": op_squeeze}


def opset_of(model):
    vs = [o.version for o in model.opset_import if o.domain in ("", "ai.onnx")]
    if len(vs) != 1 or len(model.opset_import) != 1:
        raise Unsupported(f"opset imports {[(o.domain, o.version) for o in model.opset_import]}")
    return vs[0]


def run(model, x, variant=None):
    """Run the graph on one input x (float64) and return the output `soc`."""
    variant = variant or {}
    g = model.graph
    opset = opset_of(model)
    env = {t.name: numpy_helper.to_array(t).astype(np.float64) if t.data_type == onnx.TensorProto.FLOAT
           else numpy_helper.to_array(t) for t in g.initializer}
    env[g.input[0].name] = x
    for node in g.node:
        ins = [env[n] if n else None for n in node.input]
        while ins and ins[-1] is None:
            ins.pop()
        if node.op_type in OPS:
            outs = OPS[node.op_type](node, ins, variant)
        elif node.op_type in OPS_WITH_OPSET:
            outs = OPS_WITH_OPSET[node.op_type](node, ins, variant, opset)
        else:
            raise Unsupported(f"operator {node.op_type} not implemented")
        for name, val in zip(node.output, outs):
            if name:
                env[name] = val
    return env[g.output[0].name]


def dims(vi):
    return [d.dim_value if d.HasField("dim_value") else d.dim_param for d in vi.type.tensor_type.shape.dim]


def describe(model):
    g = model.graph
    print(f"  IR version {model.ir_version}, opset {opset_of(model)}, producer "
          f"{model.producer_name} {model.producer_version}")
    print(f"  input {g.input[0].name} {dims(g.input[0])}, output {g.output[0].name} {dims(g.output[0])}")
    print(f"  initializers: " + ", ".join(f"{t.name} {list(t.dims)}" for t in g.initializer))
    print(f"  {len(g.node)} nodes: {' '.join(n.op_type for n in g.node)}")
    for n in g.node:
        at = {}
        for a in n.attribute:
            v = onnx.helper.get_attribute_value(a)
            if isinstance(v, onnx.TensorProto):
                arr = numpy_helper.to_array(v)
                v = arr.tolist() if arr.size <= 4 else f"tensor {list(arr.shape)} {arr.dtype}"
            at[a.name] = v
        ins = ", ".join(i if i else "''" for i in n.input)
        print(f"    {n.op_type}({ins}) -> {', '.join(n.output)}  {at}")


def check_interface(model):
    g = model.graph
    ok = (len(g.input) == 1 and g.input[0].name == "x" and dims(g.input[0]) == [1, WINDOW, 3]
          and g.input[0].type.tensor_type.elem_type == onnx.TensorProto.FLOAT
          and len(g.output) == 1 and g.output[0].name == "soc" and dims(g.output[0]) == [1, 1]
          and g.output[0].type.tensor_type.elem_type == onnx.TensorProto.FLOAT)
    if not ok:
        raise Unsupported(f"interface: inputs {[(i.name, dims(i)) for i in g.input]}, "
                          f"outputs {[(o.name, dims(o)) for o in g.output]}")


def run_rows(model, x, variant=None):
    return np.concatenate([run(model, x[i:i + 1].astype(np.float64), variant) for i in range(len(x))])


def check_file(path):
    name = os.path.basename(path)
    tag = "gru" if "gru" in name else "lstm"
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    print(f"{name}: onnx.checker ok")
    check_interface(model)
    describe(model)
    worst = 0.0
    for split in ("val", "test"):
        x = np.load(os.path.join(HERE, f"{split}_x.npy"))
        y = np.load(os.path.join(HERE, f"{split}_y.npy"))
        ref = np.load(os.path.join(HERE, f"{split}_soc_torch_{tag}.npy"))
        out = run_rows(model, x)
        assert out.shape == ref.shape == y.shape, (out.shape, ref.shape, y.shape)
        d = float(np.max(np.abs(out - ref)))
        worst = max(worst, d)
        rmse = float(np.sqrt(np.mean((out - y) ** 2)))
        print(f"  {split}: {len(x)} windows, max |onnx - torch| {d:.2e}, SOC RMSE {rmse:.4f}")
    variant = {"linear_before_reset": 0} if tag == "gru" else {"lstm_gate_order": "ifco"}
    x = np.load(os.path.join(HERE, "val_x.npy"))
    ref = np.load(os.path.join(HERE, f"val_soc_torch_{tag}.npy"))
    moved = float(np.max(np.abs(run_rows(model, x, variant) - ref)))
    print(f"  sensitivity: reading it with {variant} moves the val outputs by up to {moved:.3f}")
    if worst > TOL:
        print(f"  FAIL: {worst:.2e} > {TOL}")
        return False
    if moved <= 100 * TOL:
        print("  FAIL: the wrong reading was not detected")
        return False
    return True


def main(argv):
    files = argv[1:] or [os.path.join(HERE, f) for f in DEFAULT_FILES]
    ok = True
    for f in files:
        try:
            ok = check_file(f) and ok
        except Unsupported as e:
            print(f"{os.path.basename(f)}: UNSUPPORTED: {e}")
            ok = False
    # the opset 13 and 17 files differ only in the version fields
    for tag in ("gru", "lstm"):
        a, b = (os.path.join(HERE, f"soc_{tag}_{v}.onnx") for v in (13, 17))
        if a in files and b in files:
            ga, gb = onnx.load(a).graph, onnx.load(b).graph
            same = ga.SerializeToString() == gb.SerializeToString()
            print(f"soc_{tag}_13.onnx and soc_{tag}_17.onnx graphs identical: {same}")
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))

#!/usr/bin/python3
"""Generates the end-to-end test cases under tests/e2e/cases/<case>/.

Each case directory holds:
  model.xml     the model description (name "model"), weights inline base64,
                or external (model.bin beside it) for the ext_* cases
  input.npy     float32 [N, ...input shape], N = 3..8
  expected.npy  float32 [N, ...output shape], computed here by a plain numpy
                implementation of README.md's operator semantics (float64,
                rounded to float32 at the end) -- never by running stoic
  arena_max     (optional) upper bound in bytes for MODEL_ARENA_SIZE, for
                cases whose point is that the memory planner reuses buffers
  absent        (optional) kernels (name prefixes, one a line) the generated
                model.c must not call: a layer that must cost nothing
  same_as       (optional) a twin case without that layer, made here by
                numpy; `stoic eval` of both must agree bit for bit

Deterministic: every case has its own fixed seed (crc32 of its name).
The hand_* cases have expected values written out literally below, with
the derivation in a comment in their model.xml.

Usage:  /usr/bin/python3 tests/e2e/make_cases.py [--check]
  --check  also cross-checks the numpy reference kernels against torch
           (a second oracle) on random configurations, and the interpreter
           against the literal hand-derived values; writes nothing else.

Needs numpy only (torch only for --check).
"""

import base64
import hashlib
import math
import os
import shutil
import sys
import zlib

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = os.path.join(HERE, "cases")

# --------------------------------------------------------------------------
# Reference semantics (README.md "Operators"), float64 throughout.
# --------------------------------------------------------------------------

FLT_MAX = float(np.finfo(np.float32).max)


def f32(v):
    """An attribute value as the tool reads it: parsed to float32."""
    return float(np.float32(v))


def act_ref(x, kind="none", alpha=None, lo=None, hi=None, beta=None):
    x = np.asarray(x, dtype=np.float64)
    if kind == "none":
        return x
    if kind == "relu":
        return np.maximum(x, 0.0)
    if kind == "relu6":
        return np.minimum(np.maximum(x, 0.0), 6.0)
    if kind == "leaky_relu":
        a = f32(0.01 if alpha is None else alpha)
        return np.maximum(x, 0.0) + a * np.minimum(x, 0.0)
    if kind == "clip":
        y = x
        if lo is not None:
            y = np.maximum(y, f32(lo))
        if hi is not None:
            y = np.minimum(y, f32(hi))
        return y
    if kind == "sigmoid":
        # stable: never exp of a large positive number
        e = np.exp(-np.abs(x))
        return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    if kind == "tanh":
        return np.tanh(x)
    if kind in ("hard_sigmoid", "hard_swish"):
        # ONNX HardSigmoid (defaults alpha 0.2, beta 0.5) and HardSwish
        # (x * HardSigmoid with alpha 1/6, beta 0.5)
        if kind == "hard_swish":
            a, b = f32(1.0 / 6.0), 0.5
        else:
            a = f32(0.2 if alpha is None else alpha)
            b = f32(0.5 if beta is None else beta)
        t = np.minimum(np.maximum(a * x + b, 0.0), 1.0)
        return x * t if kind == "hard_swish" else t
    raise ValueError(kind)


def same_pads(n, k, stride, dil):
    out = -(-n // stride)
    total = max((out - 1) * stride + (k - 1) * dil + 1 - n, 0)
    return total // 2, total - total // 2


def out_size(n, before, after, k, stride, dil):
    return (n + before + after - ((k - 1) * dil + 1)) // stride + 1


def resolve_pads2d(h, w, kernel, strides, dil, padding, pads):
    """-> (top, left, bottom, right)"""
    if padding == "valid":
        return (0, 0, 0, 0)
    if padding == "explicit":
        return tuple(pads)
    t, b = same_pads(h, kernel[0], strides[0], dil[0])
    l, r = same_pads(w, kernel[1], strides[1], dil[1])
    return (t, l, b, r)


def conv2d_ref(x, w, b, strides=(1, 1), dil=(1, 1), pads=(0, 0, 0, 0), groups=1):
    """x [H W C], w [F kh kw C/groups] (OHWI), b [F] or None -> [OH OW F]."""
    x = np.asarray(x, np.float64)
    w = np.asarray(w, np.float64)
    H, W, C = x.shape
    F, kh, kw, cg = w.shape
    assert C % groups == 0 and F % groups == 0 and cg == C // groups
    t, l, bo, r = pads
    OH = out_size(H, t, bo, kh, strides[0], dil[0])
    OW = out_size(W, l, r, kw, strides[1], dil[1])
    fpg = F // groups
    y = np.zeros((OH, OW, F))
    for oh in range(OH):
        for ow in range(OW):
            for f in range(F):
                g = f // fpg
                acc = 0.0 if b is None else float(b[f])
                for i in range(kh):
                    ih = oh * strides[0] - t + i * dil[0]
                    if ih < 0 or ih >= H:
                        continue
                    for j in range(kw):
                        iw = ow * strides[1] - l + j * dil[1]
                        if iw < 0 or iw >= W:
                            continue
                        acc += float(np.dot(x[ih, iw, g * cg:(g + 1) * cg], w[f, i, j, :]))
                y[oh, ow, f] = acc
    return y


def pool2d_ref(x, kind, kernel, strides, pads, count_include_pad=False):
    x = np.asarray(x, np.float64)
    H, W, C = x.shape
    kh, kw = kernel
    t, l, bo, r = pads
    OH = out_size(H, t, bo, kh, strides[0], 1)
    OW = out_size(W, l, r, kw, strides[1], 1)
    assert OH >= 1 and OW >= 1
    y = np.zeros((OH, OW, C))
    for oh in range(OH):
        for ow in range(OW):
            h0 = oh * strides[0] - t
            w0 = ow * strides[1] - l
            hs = range(max(h0, 0), min(h0 + kh, H))
            ws = range(max(w0, 0), min(w0 + kw, W))
            cells = np.array([x[i, j, :] for i in hs for j in ws])
            assert len(cells) > 0
            if kind == "max":
                y[oh, ow] = cells.max(axis=0)
            else:
                div = kh * kw if count_include_pad else len(cells)
                y[oh, ow] = cells.sum(axis=0) / div
    return y


def softmax_ref(x, axis):
    x = np.asarray(x, np.float64)
    m = x.max(axis=axis, keepdims=True)
    e = np.exp(x - m)
    return e / e.sum(axis=axis, keepdims=True)


# --------------------------------------------------------------------------
# Model builder + reference interpreter
# --------------------------------------------------------------------------


def fmt_float(v):
    r = repr(float(v))
    return r[:-2] if r.endswith(".0") else r


def fmt_attr(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (list, tuple)):
        return " ".join(fmt_attr(e) for e in v)
    if isinstance(v, float):
        return fmt_float(v)
    return str(v)


class Data:
    """A <param> or <constant>: float32 values of a shape, inline or external."""

    def __init__(self, name, arr, external=False, wrap=0, misalign=0):
        self.misalign = misalign  # extra bytes before an external block
        self.name = name
        self.arr = np.asarray(arr, dtype=np.float32)
        self.external = external
        self.wrap = wrap
        self.offset = None  # set when laid out in the .bin


class Layer:
    def __init__(self, op, name, inputs, output, params=(), **attrs):
        self.op = op
        self.name = name
        self.inputs = inputs if isinstance(inputs, list) else inputs.split()
        self.output = output
        self.params = list(params)
        self.attrs = attrs

    def param(self, name):
        for p in self.params:
            if p.name == name:
                return p.arr.astype(np.float64)
        return None


class Model:
    def __init__(self, in_shape, in_name="x"):
        self.in_name = in_name
        self.in_shape = tuple(in_shape)
        self.constants = []
        self.layers = []
        self.out_name = None
        self.comment = None
        self.order = None  # permutation of layers for the XML listing

    def const(self, name, arr, **kw):
        self.constants.append(Data(name, arr, **kw))
        return name

    def add(self, op, name, inputs, output, params=(), **attrs):
        self.layers.append(Layer(op, name, inputs, output, params, **attrs))
        return output

    # ---- XML ------------------------------------------------------------

    def all_data(self):
        out = list(self.constants)
        for l in self.layers:
            out.extend(l.params)
        return out

    def layout_bin(self):
        blob = b""
        for d in self.all_data():
            if d.external:
                # 8-byte alignment of every block, a few padding bytes between
                while len(blob) % 8:
                    blob += b"\xa5"
                blob += b"\x00" * 8 + b"\x5a" * d.misalign
                d.offset = len(blob)
                blob += d.arr.astype("<f4").tobytes()
        return blob

    def data_xml(self, tag, d, indent, sha):
        shape = " ".join(str(s) for s in d.arr.shape) if d.arr.ndim else "1"
        if d.external:
            return ('%s<%s name="%s" shape="%s" src="model.bin" offset="%d" count="%d" sha256="%s"/>'
                    % (indent, tag, d.name, shape, d.offset, d.arr.size, sha))
        b64 = base64.b64encode(d.arr.astype("<f4").tobytes()).decode("ascii")
        if d.wrap:
            lines = [b64[i:i + d.wrap] for i in range(0, len(b64), d.wrap)]
            body = "\n" + "\n".join(indent + "  " + s for s in lines) + "\n" + indent
        else:
            body = b64
        return '%s<%s name="%s" shape="%s" encoding="base64">%s</%s>' % (
            indent, tag, d.name, shape, body, tag)

    def xml(self):
        blob = self.layout_bin()
        sha = hashlib.sha256(blob).hexdigest() if blob else None
        o = ['<?xml version="1.0" encoding="UTF-8"?>']
        if self.comment:
            assert "--" not in self.comment
            o.append("<!--")
            o.extend("  " + s if s else "" for s in self.comment.strip("\n").split("\n"))
            o.append("-->")
        o.append('<model xmlns="urn:stoic:model:1" name="model" version="1">')
        o.append('  <input name="%s" shape="%s" dtype="float32"/>'
                 % (self.in_name, " ".join(map(str, self.in_shape))))
        for c in self.constants:
            o.append(self.data_xml("constant", c, "  ", sha))
        o.append("  <layers>")
        order = self.order if self.order is not None else range(len(self.layers))
        for i in order:
            l = self.layers[i]
            attrs = 'name="%s" inputs="%s" output="%s"' % (l.name, " ".join(l.inputs), l.output)
            for k, v in l.attrs.items():
                attrs += ' %s="%s"' % (k, fmt_attr(v))
            if l.params:
                o.append("    <%s %s>" % (l.op, attrs))
                for p in l.params:
                    o.append(self.data_xml("param", p, "      ", sha))
                o.append("    </%s>" % l.op)
            else:
                o.append("    <%s %s/>" % (l.op, attrs))
        o.append("  </layers>")
        outs = self.out_name if isinstance(self.out_name, list) else [self.out_name]
        for name in outs:  # several graph outputs: in this (graph) order
            o.append('  <output name="%s"/>' % name)
        o.append("</model>")
        return "\n".join(o) + "\n", blob

    # ---- reference interpreter (one row) ---------------------------------

    def run_row(self, x):
        env = {self.in_name: np.asarray(x, np.float64)}
        for c in self.constants:
            env[c.name] = c.arr.astype(np.float64)
        todo = list(self.layers)
        while todo:
            ready = [l for l in todo if all(i in env for i in l.inputs)]
            assert ready, "cycle or unknown tensor in test model"
            for l in ready:
                assert l.output not in env
                env[l.output] = run_layer(l, [env[i] for i in l.inputs])
                todo.remove(l)
        if isinstance(self.out_name, list):
            # several outputs: side by side in one row, in graph order (the
            # layout of tests/e2e/harness.c and of eval_to in tests/common.sh)
            return np.concatenate([env[n].reshape(-1) for n in self.out_name])
        return env[self.out_name]

    def run(self, X):
        return np.stack([self.run_row(r) for r in X]).astype(np.float32)


def layer_act(l, y):
    a = l.attrs
    return act_ref(y, a.get("activation", "none"), a.get("alpha"), a.get("min"), a.get("max"),
                   a.get("beta"))


def conv_transpose2d_ref(x, w, b, strides=(1, 1), dil=(1, 1), pads=(0, 0, 0, 0),
                         out_pad=(0, 0), groups=1):
    """x [H W C], w [C kh kw F/groups], b [F] or None -> [OH OW F]: every
    input sample scattered into the output, straight from the definition
    (input (ih, iw) times tap (i, j) lands on oh = ih*s - top + i*d),
    not through zero insertion."""
    x = np.asarray(x, np.float64)
    w = np.asarray(w, np.float64)
    H, W, C = x.shape
    Cw, kh, kw, fg = w.shape
    assert Cw == C and C % groups == 0
    F = fg * groups
    cg = C // groups
    t, l, bo, r = pads
    OH = (H - 1) * strides[0] - t - bo + dil[0] * (kh - 1) + 1 + out_pad[0]
    OW = (W - 1) * strides[1] - l - r + dil[1] * (kw - 1) + 1 + out_pad[1]
    y = np.zeros((OH, OW, F))
    if b is not None:
        y += np.asarray(b, np.float64)
    for ih in range(H):
        for iw in range(W):
            for c in range(C):
                g = c // cg
                for i in range(kh):
                    oh = ih * strides[0] - t + i * dil[0]
                    if oh < 0 or oh >= OH:
                        continue
                    for j in range(kw):
                        ow = iw * strides[1] - l + j * dil[1]
                        if ow < 0 or ow >= OW:
                            continue
                        y[oh, ow, g * fg:(g + 1) * fg] += x[ih, iw, c] * w[c, i, j, :]
    return y


def resize_axis_ref(x, axis, out_len, scale, mode, ctm, nearest_mode, a, exclude):
    """One axis of ONNX Resize, after ONNX's reference (interpolate_1d_with_x):
    the n neighbours of x_ori by distance (ties to the smaller index) in the
    edge-padded data, the coefficients of the mode; float64."""
    n_in = x.shape[axis]
    if scale is None:
        scale = out_len / n_in
    length = n_in * scale
    xs = np.moveaxis(x, axis, 0)
    out = np.zeros((out_len,) + xs.shape[1:])
    for o in range(out_len):
        if ctm == "half_pixel":
            xo = (o + 0.5) / scale - 0.5
        elif ctm == "pytorch_half_pixel":
            xo = (o + 0.5) / scale - 0.5 if length > 1 else 0.0
        elif ctm == "align_corners":
            xo = o * (n_in - 1) / (length - 1) if length > 1 else 0.0
        elif ctm == "asymmetric":
            xo = o / scale
        else:  # tf_half_pixel_for_nn
            xo = (o + 0.5) / scale
        xi = math.floor(xo)
        ratio = 1.0 if xo == xi else xo - xi
        if mode == "nearest":
            if xo == xi:
                c = [0, 1]
            elif nearest_mode == "round_prefer_floor":
                c = [ratio <= 0.5, ratio > 0.5]
            elif nearest_mode == "round_prefer_ceil":
                c = [ratio < 0.5, ratio >= 0.5]
            elif nearest_mode == "floor":
                c = [1, 0]
            else:
                c = [0, 1]
        elif mode == "linear":
            c = [1 - ratio, ratio]
        else:
            r = ratio
            c = [((a * (r + 1) - 5 * a) * (r + 1) + 8 * a) * (r + 1) - 4 * a,
                 ((a + 2) * r - (a + 3)) * r * r + 1,
                 ((a + 2) * (1 - r) - (a + 3)) * (1 - r) * (1 - r) + 1,
                 ((a * ((1 - r) + 1) - 5 * a) * ((1 - r) + 1) + 8 * a) * ((1 - r) + 1) - 4 * a]
        c = np.array(c, dtype=np.float64)
        k = len(c)
        # the k indices nearest to xo (ties: the smaller), in the padded range
        cand = range(-k, n_in + k)
        idx = sorted(sorted(cand, key=lambda i: (abs(xo - i), i))[:k])
        if exclude:
            c = np.array([0.0 if (i < 0 or i >= n_in) else v for i, v in zip(idx, c)])
            c = c / c.sum()
        pts = np.stack([xs[min(max(i, 0), n_in - 1)] for i in idx])
        out[o] = np.tensordot(c, pts, axes=1)
    return np.moveaxis(out, 0, axis)


def sig_ref(v):
    return act_ref(v, "sigmoid")


def rnn_ref(op, x, w, r, b, init, hidden, reverse=False, lbr=False):
    """ONNX LSTM / GRU, default activations, over x [T I] or [T B I]; returns
    the hidden state after every step, [T H] or [T B H] (README "Recurrent
    layers"). Written in the matrix form of the ONNX operator definitions."""
    squeeze = x.ndim == 2
    if squeeze:
        x = x[:, None, :]
        if init is not None:
            init = init[:, None, :]
    T, B, _ = x.shape
    G = 4 if op == "lstm" else 3
    wb = np.zeros(G * hidden) if b is None else b[:G * hidden]
    rb = np.zeros(G * hidden) if b is None else b[G * hidden:]
    h = np.zeros((B, hidden)) if init is None else init[0].astype(np.float64)
    c = np.zeros((B, hidden)) if (init is None or op != "lstm") else init[1].astype(np.float64)
    y = np.zeros((T, B, hidden))
    H = hidden
    for s in range(T):
        t = T - 1 - s if reverse else s
        xw = x[t] @ w.T + wb          # [B, G*H]
        hr = h @ r.T + rb
        if op == "lstm":
            g = xw + hr
            i, o, f, cc = (g[:, k * H:(k + 1) * H] for k in range(4))
            c = sig_ref(f) * c + sig_ref(i) * np.tanh(cc)
            h = sig_ref(o) * np.tanh(c)
        else:
            z = sig_ref(xw[:, :H] + hr[:, :H])
            rr = sig_ref(xw[:, H:2 * H] + hr[:, H:2 * H])
            if lbr:
                n = np.tanh(xw[:, 2 * H:] + rr * hr[:, 2 * H:])
            else:
                n = np.tanh(xw[:, 2 * H:] + (rr * h) @ r[2 * H:].T + rb[2 * H:])
            h = (1.0 - z) * n + z * h
        y[t] = h
    return y[:, 0, :] if squeeze else y


def run_layer(l, ins):
    a = l.attrs
    op = l.op
    x = ins[0]
    if op == "dense":
        w = l.param("weight")
        b = l.param("bias")
        y = x @ w.T
        if b is not None:
            y = y + b
        return layer_act(l, y)
    if op in ("conv2d", "conv1d"):
        w = l.param("weight")
        b = l.param("bias")
        groups = a.get("groups", 1)
        if op == "conv2d":
            kernel = a["kernel"]
            strides = a.get("strides", (1, 1))
            dil = a.get("dilations", (1, 1))
            pads = resolve_pads2d(x.shape[0], x.shape[1], kernel, strides, dil,
                                  a.get("padding", "valid"), a.get("pads"))
            y = conv2d_ref(x, w, b, strides, dil, pads, groups)
        else:
            k = a["kernel"]
            s = a.get("stride", 1)
            d = a.get("dilation", 1)
            padding = a.get("padding", "valid")
            if padding == "valid":
                pl, pr = 0, 0
            elif padding == "explicit":
                pl, pr = a["pads"]
            else:
                pl, pr = same_pads(x.shape[0], k, s, d)
            y = conv2d_ref(x[None], w[:, None], b, (1, s), (1, d), (0, pl, 0, pr), groups)[0]
        return layer_act(l, y)
    if op == "conv_transpose2d":
        y = conv_transpose2d_ref(x, l.param("weight"), l.param("bias"), a.get("strides", (1, 1)),
                                 a.get("dilations", (1, 1)), a.get("pads", (0, 0, 0, 0)),
                                 a.get("output_padding", (0, 0)), a.get("groups", 1))
        return layer_act(l, y)
    if op == "conv_transpose1d":
        pl, pr = a.get("pads", (0, 0))
        y = conv_transpose2d_ref(x[None], l.param("weight")[:, None], l.param("bias"),
                                 (1, a.get("stride", 1)), (1, a.get("dilation", 1)),
                                 (0, pl, 0, pr), (0, a.get("output_padding", 0)),
                                 a.get("groups", 1))[0]
        return layer_act(l, y)
    if op in ("max_pool2d", "avg_pool2d"):
        kernel = a["kernel"]
        strides = a["strides"]
        pads = resolve_pads2d(x.shape[0], x.shape[1], kernel, strides, (1, 1),
                              a.get("padding", "valid"), a.get("pads"))
        return pool2d_ref(x, "max" if op == "max_pool2d" else "avg", kernel, strides, pads,
                          a.get("count_include_pad", False))
    if op == "slice":
        lo = [int(v) for v in str(a["starts"]).split()]
        hi = [int(v) for v in str(a["ends"]).split()]
        st = [int(v) for v in str(a.get("steps", " ".join(["1"] * len(lo)))).split()]
        # every step-th value of [lo, hi), from lo up or (step < 0) from hi - 1 down
        return x[tuple(slice(b, e, s) if s > 0 else slice(e - 1, b - 1 if b > 0 else None, s)
                       for b, e, s in zip(lo, hi, st))]
    if op == "resize":
        # the spatial axes (all but the last), one after the other
        size = [int(v) for v in str(a["size"]).split()]
        sc = [f32(v) for v in str(a["scales"]).split()] if "scales" in a else [None] * len(size)
        y = x.astype(np.float64)
        for ax in range(len(size)):
            y = resize_axis_ref(y, ax, size[ax], sc[ax], a.get("mode", "nearest"),
                                a.get("coordinate_transformation_mode", "half_pixel"),
                                a.get("nearest_mode", "round_prefer_floor"),
                                f32(a.get("cubic_coeff_a", -0.75)),
                                a.get("exclude_outside", False))
        return y
    if op in ("lstm", "gru"):
        return rnn_ref(op, x, l.param("weight"), l.param("recurrence"), l.param("bias"),
                       l.param("initial_state"), a["hidden"],
                       a.get("direction", "forward") == "reverse",
                       a.get("linear_before_reset", False))
    if op == "global_avg_pool":
        # [H W C] -> [1 1 C]; one-dimensional [L C] -> [1 C]
        return x.mean(axis=tuple(range(x.ndim - 1)), keepdims=True)
    if op in ("relu", "relu6", "sigmoid", "tanh"):
        return act_ref(x, op)
    if op == "leaky_relu":
        return act_ref(x, "leaky_relu", a.get("alpha", 0.01))
    if op == "hard_sigmoid":
        return act_ref(x, "hard_sigmoid", a.get("alpha"), beta=a.get("beta"))
    if op == "hard_swish":
        return act_ref(x, "hard_swish")
    if op == "clip":
        return act_ref(x, "clip", lo=a.get("min"), hi=a.get("max"))
    if op == "softmax":
        return softmax_ref(x, a.get("axis", -1))
    if op in ("add", "mul"):
        b = ins[1]
        if x.shape != b.shape:
            big = x if x.ndim >= b.ndim else b
            small = b if x.ndim >= b.ndim else x
            assert small.ndim == 1 and small.shape[0] == big.shape[-1]
        y = x + b if op == "add" else x * b
        return layer_act(l, y)
    if op == "concat":
        return np.concatenate(ins, axis=a.get("axis", -1))
    if op == "reshape":
        shape = list(a["shape"])
        if -1 in shape:
            known = int(np.prod([s for s in shape if s != -1]))
            shape[shape.index(-1)] = x.size // known
        assert int(np.prod(shape)) == x.size
        return x.reshape(shape)
    if op == "flatten":
        return x.reshape(-1)
    if op == "pad":
        p = a["pads"]
        r = x.ndim
        assert len(p) == 2 * r
        return np.pad(x, [(p[i], p[r + i]) for i in range(r)], constant_values=f32(a.get("value", 0.0)))
    if op == "transpose":
        return np.transpose(x, a["perm"])
    if op == "batch_norm":
        eps = f32(a.get("epsilon", 1e-5))
        s, b, m, v = (l.param(n) for n in ("scale", "bias", "mean", "var"))
        return (x - m) / np.sqrt(v + eps) * s + b
    raise ValueError(op)


# --------------------------------------------------------------------------
# The cases
# --------------------------------------------------------------------------

CASE_FUNCS = []


def case(fn):
    CASE_FUNCS.append(fn)
    return fn


class Ctx:
    def __init__(self, name):
        self.name = name
        self.rng = np.random.default_rng(zlib.crc32(name.encode()))

    def u(self, shape, lo=-1.0, hi=1.0):
        return self.rng.uniform(lo, hi, size=shape).astype(np.float32)

    def w(self, shape, fan_in=None, gain=1.0):
        if fan_in is None:
            fan_in = int(np.prod(shape[1:]))
        return self.u(shape, -1.0, 1.0) * np.float32(gain * math.sqrt(3.0 / fan_in))

    def x(self, n, shape, lo=-2.0, hi=2.0):
        return self.u((n,) + tuple(shape), lo, hi)

    def bn_params(self, c):
        return [Data("scale", self.u((c,), 0.5, 1.5)), Data("bias", self.u((c,), -0.5, 0.5)),
                Data("mean", self.u((c,), -0.5, 0.5)), Data("var", self.u((c,), 0.25, 2.0))]


def dense_params(c, units, k, bias=True, gain=1.0, external=False):
    p = [Data("weight", c.w((units, k), gain=gain), external=external)]
    if bias:
        p.append(Data("bias", c.u((units,), -0.5, 0.5), external=external))
    return p


def conv_params(c, filters, kh, kw, cin_per_group, bias=True, gain=1.0, external=False):
    p = [Data("weight", c.w((filters, kh, kw, cin_per_group), gain=gain), external=external)]
    if bias:
        p.append(Data("bias", c.u((filters,), -0.3, 0.3), external=external))
    return p


def conv1d_params(c, filters, k, cin_per_group, bias=True):
    p = [Data("weight", c.w((filters, k, cin_per_group)))]
    if bias:
        p.append(Data("bias", c.u((filters,), -0.3, 0.3)))
    return p


# ---- dense -----------------------------------------------------------------

@case
def dense_vec(c):
    m = Model((7,))
    m.out_name = m.add("dense", "fc", "x", "y", dense_params(c, 5, 7), units=5)
    return m, c.x(5, (7,))


@case
def dense_vec_nobias(c):
    m = Model((6,))
    m.out_name = m.add("dense", "fc", "x", "y", dense_params(c, 4, 6, bias=False), units=4)
    return m, c.x(4, (6,))


@case
def dense_rank2(c):
    m = Model((4, 6))
    m.out_name = m.add("dense", "fc", "x", "y", dense_params(c, 3, 6), units=3)
    return m, c.x(5, (4, 6))


@case
def dense_rank3_nobias(c):
    m = Model((2, 3, 5))
    m.out_name = m.add("dense", "fc", "x", "y", dense_params(c, 4, 5, bias=False), units=4)
    return m, c.x(3, (2, 3, 5))


# Wider dense layers: the eight-, four- and one-word steps of the packed
# integer kernels (stoic_dense_*_pk) in one layer; also measurements for
# make bench-fit's fit of their cost (bench/fit.sh).
@case
def dense_wide(c):
    m = Model((72,))
    m.out_name = m.add("dense", "fc", "x", "y", dense_params(c, 10, 72), units=10)
    return m, c.x(3, (72,))


# As wide as the examples' layers (80 input words, twelve passes of four
# rows): where the eight-word step is most of the cost.
@case
def dense_wide_big(c):
    m = Model((160,))
    m.out_name = m.add("dense", "fc", "x", "y", dense_params(c, 48, 160), units=48,
                       activation="relu")
    return m, c.x(3, (160,))


@case
def dense_wide_odd(c):
    m = Model((2, 41))
    m.out_name = m.add("dense", "fc", "x", "y", dense_params(c, 7, 41), units=7,
                       activation="relu")
    return m, c.x(3, (2, 41))


@case
def dense_wide_long(c):
    m = Model((150,))
    m.out_name = m.add("dense", "fc", "x", "y", dense_params(c, 12, 150), units=12)
    return m, c.x(3, (150,))


def _dense_act(c, **act):
    m = Model((8,))
    gain = 6.0 if act.get("activation") in ("relu6", "clip", "sigmoid", "tanh") else 1.0
    m.out_name = m.add("dense", "fc", "x", "y", dense_params(c, 6, 8, gain=gain), units=6, **act)
    return m, c.x(6, (8,))


@case
def dense_act_none_explicit(c):
    return _dense_act(c, activation="none")


@case
def dense_act_relu(c):
    return _dense_act(c, activation="relu")


@case
def dense_act_relu6(c):
    return _dense_act(c, activation="relu6")


@case
def dense_act_leaky_relu(c):
    return _dense_act(c, activation="leaky_relu", alpha=0.2)


@case
def dense_act_clip(c):
    return _dense_act(c, activation="clip", min=-0.5, max=0.75)


@case
def dense_act_clip_min_only(c):
    return _dense_act(c, activation="clip", min=-0.25)


@case
def dense_act_sigmoid(c):
    return _dense_act(c, activation="sigmoid")


@case
def dense_act_tanh(c):
    return _dense_act(c, activation="tanh")


@case
def dense_rank2_relu6(c):
    m = Model((3, 5))
    m.out_name = m.add("dense", "fc", "x", "y", dense_params(c, 4, 5, gain=6.0), units=4,
                       activation="relu6")
    return m, c.x(4, (3, 5))


# ---- conv2d ----------------------------------------------------------------

@case
def conv2d_valid(c):
    m = Model((6, 6, 3))
    m.out_name = m.add("conv2d", "c1", "x", "y", conv_params(c, 4, 3, 3, 3), filters=4, kernel=(3, 3))
    return m, c.x(4, (6, 6, 3))


@case
def conv2d_stride2(c):
    m = Model((7, 7, 2))
    m.out_name = m.add("conv2d", "c1", "x", "y", conv_params(c, 3, 3, 3, 2), filters=3, kernel=(3, 3),
                       strides=(2, 2), padding="valid")
    return m, c.x(3, (7, 7, 2))


@case
def conv2d_dilation2(c):
    m = Model((8, 7, 2))
    m.out_name = m.add("conv2d", "c1", "x", "y", conv_params(c, 3, 3, 3, 2), filters=3, kernel=(3, 3),
                       dilations=(2, 2))
    return m, c.x(3, (8, 7, 2))


@case
def conv2d_same(c):
    m = Model((5, 6, 3))
    m.out_name = m.add("conv2d", "c1", "x", "y", conv_params(c, 4, 3, 3, 3), filters=4, kernel=(3, 3),
                       padding="same")
    return m, c.x(4, (5, 6, 3))


@case
def conv2d_same_stride2(c):
    # H: in 8, k 3, s 2 -> out 4, total pad 1: top 0, bottom 1
    # W: in 7, k 2, s 2 -> out 4, total pad 1: left 0, right 1
    m = Model((8, 7, 2))
    m.out_name = m.add("conv2d", "c1", "x", "y", conv_params(c, 3, 3, 2, 2), filters=3, kernel=(3, 2),
                       strides=(2, 2), padding="same")
    return m, c.x(4, (8, 7, 2))


@case
def conv2d_same_stride2_even_kernel(c):
    # H: in 6, k 4, s 2 -> out 3, total 2: 1/1 ; W: in 5, k 4, s 2 -> out 3, total 3: 1/2
    m = Model((6, 5, 2))
    m.out_name = m.add("conv2d", "c1", "x", "y", conv_params(c, 2, 4, 4, 2), filters=2, kernel=(4, 4),
                       strides=(2, 2), padding="same")
    return m, c.x(3, (6, 5, 2))


@case
def conv2d_same_dilation2(c):
    # in 6, k 3, d 2, s 1: out 6, total pad 4 -> 2/2; W in 5, k 2, d 2: total 2 -> 1/1
    m = Model((6, 5, 2))
    m.out_name = m.add("conv2d", "c1", "x", "y", conv_params(c, 3, 3, 2, 2), filters=3, kernel=(3, 2),
                       dilations=(2, 2), padding="same")
    return m, c.x(3, (6, 5, 2))


@case
def conv2d_explicit_asym(c):
    m = Model((5, 5, 2))
    m.out_name = m.add("conv2d", "c1", "x", "y", conv_params(c, 3, 3, 3, 2), filters=3, kernel=(3, 3),
                       padding="explicit", pads=(1, 0, 2, 3))
    return m, c.x(4, (5, 5, 2))


@case
def conv2d_explicit_stride_dil(c):
    m = Model((9, 8, 3))
    m.out_name = m.add("conv2d", "c1", "x", "y", conv_params(c, 4, 3, 2, 3), filters=4, kernel=(3, 2),
                       strides=(2, 3), dilations=(2, 1), padding="explicit", pads=(2, 1, 0, 2))
    return m, c.x(3, (9, 8, 3))


@case
def conv2d_groups2(c):
    m = Model((5, 5, 4))
    m.out_name = m.add("conv2d", "c1", "x", "y", conv_params(c, 6, 3, 3, 2), filters=6, kernel=(3, 3),
                       groups=2, padding="same")
    return m, c.x(3, (5, 5, 4))


@case
def conv2d_depthwise(c):
    m = Model((6, 6, 3))
    m.out_name = m.add("conv2d", "dw", "x", "y", conv_params(c, 3, 3, 3, 1), filters=3, kernel=(3, 3),
                       groups=3, padding="same")
    return m, c.x(4, (6, 6, 3))


# 3x3 stride-1 convolutions with one input channel per group, the shapes
# of stoic_conv2d_*_dw3 (depthwise with a channel multiplier, a first
# layer with one input channel; widths on both sides of a multiple of 4,
# pads 0 and 1); also measurements for make bench-fit (bench/fit.sh).
@case
def dw3_wide(c):
    m = Model((5, 11, 4))
    m.out_name = m.add("conv2d", "dw", "x", "y", conv_params(c, 4, 3, 3, 1, gain=2.0), filters=4,
                       kernel=(3, 3), groups=4, padding="same", activation="relu")
    return m, c.x(3, (5, 11, 4))


@case
def dw3_tall_valid(c):
    m = Model((12, 6, 6))
    m.out_name = m.add("conv2d", "dw", "x", "y", conv_params(c, 6, 3, 3, 1, gain=2.0), filters=6,
                       kernel=(3, 3), groups=6, padding="valid")
    return m, c.x(3, (12, 6, 6))


@case
def dw3_mult3(c):
    m = Model((4, 4, 2))
    m.out_name = m.add("conv2d", "dw", "x", "y", conv_params(c, 6, 3, 3, 1, gain=2.0), filters=6,
                       kernel=(3, 3), groups=2, padding="same")
    return m, c.x(3, (4, 4, 2))


@case
def dw3_first_layer(c):
    m = Model((10, 9, 1))
    m.out_name = m.add("conv2d", "c1", "x", "y", conv_params(c, 5, 3, 3, 1, gain=2.0), filters=5,
                       kernel=(3, 3), padding="same", activation="relu")
    return m, c.x(3, (10, 9, 1))


@case
def dw3_many_channels(c):
    m = Model((3, 3, 20))
    m.out_name = m.add("conv2d", "dw", "x", "y", conv_params(c, 20, 3, 3, 1, gain=2.0), filters=20,
                       kernel=(3, 3), groups=20, padding="same")
    return m, c.x(3, (3, 3, 20))


# The shape of examples/dsconv's second depthwise layer (3x3 image, 16
# channels, pads 1): per-channel work, not the plane, is most of its cost.
@case
def dw3_small_16(c):
    m = Model((3, 3, 16))
    m.out_name = m.add("conv2d", "dw", "x", "y", conv_params(c, 16, 3, 3, 1, gain=2.0), filters=16,
                       kernel=(3, 3), groups=16, padding="same", activation="relu")
    return m, c.x(3, (3, 3, 16))


@case
def dw3_small_first(c):
    m = Model((3, 4, 1))
    m.out_name = m.add("conv2d", "c1", "x", "y", conv_params(c, 2, 3, 3, 1, gain=2.0), filters=2,
                       kernel=(3, 3), padding="same")
    return m, c.x(3, (3, 4, 1))


@case
def conv2d_depthwise_mult2(c):
    m = Model((6, 5, 3))
    m.out_name = m.add("conv2d", "dw", "x", "y", conv_params(c, 6, 3, 3, 1), filters=6, kernel=(3, 3),
                       groups=3, strides=(2, 1), padding="valid")
    return m, c.x(3, (6, 5, 3))


@case
def conv2d_nonsquare(c):
    m = Model((7, 6, 2))
    m.out_name = m.add("conv2d", "c1", "x", "y", conv_params(c, 3, 1, 3, 2), filters=3, kernel=(1, 3),
                       strides=(1, 2))
    return m, c.x(3, (7, 6, 2))


@case
def conv2d_nonsquare_tall(c):
    m = Model((7, 4, 3))
    m.out_name = m.add("conv2d", "c1", "x", "y", conv_params(c, 2, 4, 1, 3), filters=2, kernel=(4, 1),
                       padding="same")
    return m, c.x(3, (7, 4, 3))


@case
def conv2d_nobias_relu(c):
    m = Model((5, 5, 2))
    m.out_name = m.add("conv2d", "c1", "x", "y", conv_params(c, 3, 3, 3, 2, bias=False), filters=3,
                       kernel=(3, 3), activation="relu")
    return m, c.x(4, (5, 5, 2))


@case
def conv2d_leaky(c):
    m = Model((5, 5, 2))
    m.out_name = m.add("conv2d", "c1", "x", "y", conv_params(c, 3, 3, 3, 2), filters=3,
                       kernel=(3, 3), padding="same", activation="leaky_relu", alpha=0.1)
    return m, c.x(4, (5, 5, 2))


@case
def conv2d_1x1(c):
    m = Model((4, 4, 5))
    m.out_name = m.add("conv2d", "pw", "x", "y", conv_params(c, 3, 1, 1, 5), filters=3, kernel=(1, 1),
                       activation="clip", min=-1.0, max=1.0)
    return m, c.x(3, (4, 4, 5))


# A 1x1 convolution of 6 channels with a ReLU, then a 2x2 max pool of
# stride 2: in int8 the pool is computed by the convolution's kernel
# (pass_poolfuse: stoic_pw_s8 with pool 1, no pooling layer left).
@case
def conv2d_1x1_maxpool(c):
    m = Model((6, 4, 6))
    h = m.add("conv2d", "pw", "x", "h", conv_params(c, 5, 1, 1, 6), filters=5, kernel=(1, 1),
              activation="relu")
    m.out_name = m.add("max_pool2d", "p", h, "y", kernel=(2, 2), strides=(2, 2))
    return m, c.x(4, (6, 4, 6))


# Four input channels (whole words, no tail) and a wider image: the pool
# fused in int8 again.
@case
def conv2d_1x1_maxpool_in4(c):
    m = Model((4, 8, 4))
    h = m.add("conv2d", "pw", "x", "h", conv_params(c, 9, 1, 1, 4), filters=9, kernel=(1, 1),
              activation="relu")
    m.out_name = m.add("max_pool2d", "p", h, "y", kernel=(2, 2), strides=(2, 2))
    return m, c.x(3, (4, 8, 4))


# 16 input channels on a 3x3 image: in int8 stoic_dense_s8_pk (stoic_pw_s8
# takes at most 8 unless it computes a max pool too).
@case
def conv2d_1x1_in16(c):
    m = Model((3, 3, 16))
    m.out_name = m.add("conv2d", "pw", "x", "y", conv_params(c, 6, 1, 1, 16), filters=6,
                       kernel=(1, 1), activation="relu")
    return m, c.x(3, (3, 3, 16))


# The same with 20 input channels, more than stoic_pw_s8 takes: the pool
# stays a layer of its own.
@case
def conv2d_1x1_maxpool_wide(c):
    m = Model((4, 4, 20))
    h = m.add("conv2d", "pw", "x", "h", conv_params(c, 3, 1, 1, 20), filters=3, kernel=(1, 1),
              activation="relu")
    m.out_name = m.add("max_pool2d", "p", h, "y", kernel=(2, 2), strides=(2, 2))
    return m, c.x(3, (4, 4, 20))


# ---- conv1d ----------------------------------------------------------------

@case
def conv1d_valid(c):
    m = Model((10, 3))
    m.out_name = m.add("conv1d", "c1", "x", "y", conv1d_params(c, 4, 3, 3), filters=4, kernel=3)
    return m, c.x(4, (10, 3))


@case
def conv1d_stride2(c):
    m = Model((11, 2))
    m.out_name = m.add("conv1d", "c1", "x", "y", conv1d_params(c, 3, 3, 2), filters=3, kernel=3, stride=2)
    return m, c.x(3, (11, 2))


@case
def conv1d_dilation2(c):
    m = Model((12, 2))
    m.out_name = m.add("conv1d", "c1", "x", "y", conv1d_params(c, 3, 3, 2), filters=3, kernel=3,
                       dilation=2, activation="tanh")
    return m, c.x(3, (12, 2))


@case
def conv1d_same(c):
    m = Model((9, 3))
    m.out_name = m.add("conv1d", "c1", "x", "y", conv1d_params(c, 2, 4, 3), filters=2, kernel=4,
                       padding="same")
    return m, c.x(3, (9, 3))


@case
def conv1d_same_stride2(c):
    # in 9, k 3, s 2: out 5, total pad 2 -> 1/1; in 10 would give total 1 -> 0/1
    m = Model((10, 2))
    m.out_name = m.add("conv1d", "c1", "x", "y", conv1d_params(c, 3, 3, 2), filters=3, kernel=3,
                       stride=2, padding="same")
    return m, c.x(4, (10, 2))


@case
def conv1d_explicit(c):
    m = Model((8, 2))
    m.out_name = m.add("conv1d", "c1", "x", "y", conv1d_params(c, 3, 3, 2), filters=3, kernel=3,
                       padding="explicit", pads=(2, 1))
    return m, c.x(3, (8, 2))


@case
def conv1d_groups2(c):
    m = Model((8, 4))
    m.out_name = m.add("conv1d", "c1", "x", "y", conv1d_params(c, 6, 3, 2), filters=6, kernel=3,
                       groups=2, padding="same")
    return m, c.x(3, (8, 4))


@case
def conv1d_depthwise(c):
    m = Model((8, 3))
    m.out_name = m.add("conv1d", "c1", "x", "y", conv1d_params(c, 3, 3, 1, bias=False), filters=3,
                       kernel=3, groups=3, activation="relu")
    return m, c.x(3, (8, 3))


# ---- pooling ---------------------------------------------------------------

@case
def max_pool2d_basic(c):
    m = Model((6, 6, 2))
    m.out_name = m.add("max_pool2d", "p", "x", "y", kernel=(2, 2), strides=(2, 2))
    return m, c.x(4, (6, 6, 2))


@case
def max_pool2d_pads_negative(c):
    # All-negative inputs: padded cells must be ignored, not read as 0.
    m = Model((5, 5, 2))
    m.out_name = m.add("max_pool2d", "p", "x", "y", kernel=(3, 3), strides=(2, 2),
                       padding="explicit", pads=(1, 1, 1, 1))
    return m, c.x(4, (5, 5, 2), -3.0, -0.5)


@case
def max_pool2d_stride_ne_kernel(c):
    m = Model((7, 6, 3))
    m.out_name = m.add("max_pool2d", "p", "x", "y", kernel=(3, 2), strides=(1, 2),
                       padding="explicit", pads=(0, 1, 2, 0))
    return m, c.x(3, (7, 6, 3))


@case
def max_pool2d_same(c):
    m = Model((5, 7, 2))
    m.out_name = m.add("max_pool2d", "p", "x", "y", kernel=(3, 3), strides=(2, 2), padding="same")
    return m, c.x(3, (5, 7, 2), -2.0, -0.1)


@case
def avg_pool2d_basic(c):
    m = Model((6, 4, 2))
    m.out_name = m.add("avg_pool2d", "p", "x", "y", kernel=(2, 2), strides=(2, 2))
    return m, c.x(3, (6, 4, 2))


# More shapes for the 2x2 stride-2 pooling kernels (stoic_*pool2d_*_2x2):
# wide, tall, many channels, padded; also the measurements make bench-fit
# fits their cost on (bench/fit.sh).
@case
def pool2x2_max_wide(c):
    m = Model((4, 10, 5))
    m.out_name = m.add("max_pool2d", "p", "x", "y", kernel=(2, 2), strides=(2, 2))
    return m, c.x(3, (4, 10, 5))


@case
def pool2x2_max_pads(c):
    m = Model((9, 6, 7))
    m.out_name = m.add("max_pool2d", "p", "x", "y", kernel=(2, 2), strides=(2, 2),
                       padding="explicit", pads=(1, 1, 1, 1))
    return m, c.x(3, (9, 6, 7), -3.0, -0.5)


@case
def pool2x2_max_tall(c):
    m = Model((12, 2, 1))
    m.out_name = m.add("max_pool2d", "p", "x", "y", kernel=(2, 2), strides=(2, 2))
    return m, c.x(3, (12, 2, 1))


@case
def pool2x2_avg_c8(c):
    m = Model((8, 6, 8))
    m.out_name = m.add("avg_pool2d", "p", "x", "y", kernel=(2, 2), strides=(2, 2))
    return m, c.x(3, (8, 6, 8))


@case
def pool2x2_avg_pads_include(c):
    m = Model((7, 9, 3))
    m.out_name = m.add("avg_pool2d", "p", "x", "y", kernel=(2, 2), strides=(2, 2),
                       padding="explicit", pads=(1, 1, 1, 1), count_include_pad=True)
    return m, c.x(3, (7, 9, 3), 0.5, 2.0)


@case
def pool2x2_avg_pads_exclude(c):
    m = Model((3, 5, 6))
    m.out_name = m.add("avg_pool2d", "p", "x", "y", kernel=(2, 2), strides=(2, 2),
                       padding="explicit", pads=(1, 1, 1, 1))
    return m, c.x(3, (3, 5, 6))


@case
def avg_pool2d_pads_exclude(c):
    m = Model((5, 5, 2))
    m.out_name = m.add("avg_pool2d", "p", "x", "y", kernel=(3, 3), strides=(2, 2),
                       padding="explicit", pads=(1, 1, 1, 1))
    return m, c.x(4, (5, 5, 2), 0.5, 2.0)


@case
def avg_pool2d_pads_exclude_explicit_false(c):
    m = Model((6, 5, 3))
    m.out_name = m.add("avg_pool2d", "p", "x", "y", kernel=(2, 3), strides=(2, 1),
                       padding="explicit", pads=(1, 2, 0, 1), count_include_pad=False)
    return m, c.x(3, (6, 5, 3))


@case
def avg_pool2d_pads_include(c):
    m = Model((5, 5, 2))
    m.out_name = m.add("avg_pool2d", "p", "x", "y", kernel=(3, 3), strides=(2, 2),
                       padding="explicit", pads=(1, 1, 1, 1), count_include_pad=True)
    return m, c.x(4, (5, 5, 2), 0.5, 2.0)


@case
def avg_pool2d_same(c):
    m = Model((5, 6, 2))
    m.out_name = m.add("avg_pool2d", "p", "x", "y", kernel=(3, 3), strides=(2, 2), padding="same")
    return m, c.x(3, (5, 6, 2))


@case
def avg_pool2d_same_include(c):
    m = Model((5, 6, 2))
    m.out_name = m.add("avg_pool2d", "p", "x", "y", kernel=(3, 3), strides=(2, 2), padding="same",
                       count_include_pad=True)
    return m, c.x(3, (5, 6, 2))


@case
def global_avg_pool(c):
    m = Model((4, 5, 3))
    m.out_name = m.add("global_avg_pool", "g", "x", "y")
    return m, c.x(4, (4, 5, 3))


@case
def slice_channels(c):
    # a channel split's first half... of a convolution's output
    m = Model((5, 4, 3))
    h = m.add("conv2d", "c1", "x", "h", conv_params(c, 6, 1, 1, 3), filters=6, kernel=(1, 1))
    m.out_name = m.add("slice", "s", h, "y", starts="1 0 2", ends="4 4 5")
    return m, c.x(3, (5, 4, 3))


@case
def slice_chomp_1d(c):
    # a TCN's causal chomp: a padded conv1d, its last 2 outputs dropped
    m = Model((10, 2))
    h = m.add("conv1d", "c1", "x", "h", conv1d_params(c, 3, 3, 2), filters=3, kernel=3,
              padding="explicit", pads=(2, 2), activation="relu")
    m.out_name = m.add("slice", "s", h, "y", starts="0 0", ends="10 3")
    return m, c.x(3, (10, 2))


@case
def slice_then_conv(c):
    # a crop before a padded convolution: not to be folded into its padding
    # (the cropped rows and columns are data, the padding is zeros)
    m = Model((6, 6, 2))
    h = m.add("slice", "s", "x", "h", starts="1 1 0", ends="5 6 2")
    m.out_name = m.add("conv2d", "c1", h, "y", conv_params(c, 3, 3, 3, 2), filters=3,
                       kernel=(3, 3), padding="same")
    return m, c.x(3, (6, 6, 2))


@case
def slice_steps(c):
    # x[::2, ::-3, ::-1] of a part of a convolution's output: rows 0, 2, 4;
    # columns 6, 3 (from the end down, in [1, 7)); channels reversed
    m = Model((6, 7, 3))
    h = m.add("conv2d", "c1", "x", "h", conv_params(c, 4, 1, 1, 3), filters=4, kernel=(1, 1))
    m.out_name = m.add("slice", "s", h, "y", starts="0 1 0", ends="6 7 4", steps="2 -3 -1")
    return m, c.x(3, (6, 7, 3))


@case
def slice_flip_1d(c):
    # torch.flip of a 1-D CNN's time axis, every other channel
    m = Model((9, 2))
    h = m.add("conv1d", "c1", "x", "h", conv1d_params(c, 4, 3, 2), filters=4, kernel=3,
              activation="relu")
    m.out_name = m.add("slice", "s", h, "y", starts="0 0", ends="7 4", steps="-1 2")
    return m, c.x(3, (9, 2))


@case
def resize_nearest_2x(c):
    # nn.Upsample(scale_factor=2) after a convolution (an autoencoder's decoder)
    m = Model((3, 4, 2))
    h = m.add("conv2d", "c1", "x", "h", conv_params(c, 3, 1, 1, 2), filters=3, kernel=(1, 1))
    m.out_name = m.add("resize", "up", h, "y", mode="nearest", size="6 8", scales="2 2",
                       coordinate_transformation_mode="asymmetric", nearest_mode="floor")
    return m, c.x(4, (3, 4, 2))


@case
def resize_linear_size(c):
    # F.interpolate(size=(7, 5), mode='bilinear'): non-integer ratios, half_pixel
    m = Model((4, 3, 3))
    m.out_name = m.add("resize", "up", "x", "y", mode="linear", size="7 5",
                       coordinate_transformation_mode="pytorch_half_pixel")
    return m, c.x(4, (4, 3, 3))


@case
def resize_linear_align_corners(c):
    # bilinear, align_corners=True, after a relu conv
    m = Model((3, 3, 2))
    h = m.add("conv2d", "c1", "x", "h", conv_params(c, 4, 1, 1, 2), filters=4, kernel=(1, 1),
              activation="relu")
    m.out_name = m.add("resize", "up", h, "y", mode="linear", size="6 6", scales="2 2",
                       coordinate_transformation_mode="align_corners")
    return m, c.x(4, (3, 3, 2))


@case
def resize_cubic_down(c):
    # cubic downsampling 5x6 -> 3x4 with exclude_outside and a = -0.5
    m = Model((5, 6, 2))
    m.out_name = m.add("resize", "down", "x", "y", mode="cubic", size="3 4",
                       cubic_coeff_a=-0.5, exclude_outside=True)
    return m, c.x(4, (5, 6, 2))


@case
def resize_cubic_up(c):
    # cubic upsampling, the default a = -0.75, half_pixel, scales as written
    m = Model((3, 4, 1))
    m.out_name = m.add("resize", "up", "x", "y", mode="cubic", size="6 8", scales="2 2")
    return m, c.x(4, (3, 4, 1))


@case
def resize_linear_1d(c):
    # nn.Upsample(scale_factor=3, mode='linear') of a 1-D signal [L C]
    m = Model((6, 3))
    m.out_name = m.add("resize", "up", "x", "y", mode="linear", size="18", scales="3")
    return m, c.x(4, (6, 3))


@case
def resize_nearest_1d_round(c):
    # nearest 1-D downsampling 8 -> 4, round_prefer_ceil, half_pixel: every
    # x_ori = 2 o + 0.5 is a tie
    m = Model((8, 2))
    m.out_name = m.add("resize", "down", "x", "y", mode="nearest", size="4",
                       nearest_mode="round_prefer_ceil")
    return m, c.x(4, (8, 2))


@case
def resize_nearest_half(c):
    # nearest 2-D downsampling by 2 with the defaults (half_pixel,
    # round_prefer_floor): ties on both axes; 9 -> 4 rows (scale 0.5)
    m = Model((9, 6, 2))
    m.out_name = m.add("resize", "down", "x", "y", mode="nearest", size="4 3",
                       scales="0.5 0.5")
    return m, c.x(4, (9, 6, 2))


@case
def global_avg_pool_1d(c):
    # AdaptiveAvgPool1d(1) of a 1-D CNN: [L C] -> [1 C]
    m = Model((9, 4))
    m.out_name = m.add("global_avg_pool", "g", "x", "y")
    return m, c.x(4, (9, 4))


@case
def conv1d_global_avg_pool(c):
    m = Model((12, 3))
    h = m.add("conv1d", "c1", "x", "h", conv1d_params(c, 5, 3, 3), filters=5, kernel=3,
              activation="relu")
    m.out_name = m.add("global_avg_pool", "g", h, "y")
    return m, c.x(3, (12, 3))


# ---- element-wise activations (on the model input: nothing to fuse into) --

def _extreme_values(c, n, shape):
    x = c.x(n, shape, -4.0, 4.0)
    special = np.array([0.0, -0.0, 1e-30, -1e-30, 1e-7, -1e-7, 1e-3, -1e-3, 0.5, -0.5,
                        8.0, -8.0, 15.0, -15.0, 20.0, -20.0, 50.0, -50.0, 88.0, -88.0,
                        90.0, -90.0, 100.0, -100.0, 1e4, -1e4, 1e30, -1e30, 3e38, -3e38],
                       dtype=np.float32)
    flat = x.reshape(-1)
    flat[:special.size] = special
    return flat.reshape(x.shape)


@case
def relu(c):
    m = Model((3, 4))
    m.out_name = m.add("relu", "a", "x", "y")
    return m, c.x(3, (3, 4))


@case
def relu6(c):
    m = Model((12,))
    m.out_name = m.add("relu6", "a", "x", "y")
    return m, c.x(4, (12,), -9.0, 9.0)


@case
def hard_sigmoid_default(c):
    m = Model((3, 7))
    m.out_name = m.add("hard_sigmoid", "a", "x", "y")
    return m, c.x(4, (3, 7), -6.0, 6.0)


@case
def hard_sigmoid_alpha_beta(c):
    m = Model((10,))
    m.out_name = m.add("hard_sigmoid", "a", "x", "y", alpha=0.3, beta=0.4)
    return m, c.x(4, (10,), -4.0, 4.0)


@case
def hard_swish(c):
    m = Model((4, 5))
    m.out_name = m.add("hard_swish", "a", "x", "y")
    return m, c.x(4, (4, 5), -5.0, 5.0)


@case
def conv2d_hard_swish(c):
    # MobileNetV3's pattern: a convolution with a fused hard swish
    m = Model((5, 5, 3))
    m.out_name = m.add("conv2d", "c1", "x", "y", conv_params(c, 4, 3, 3, 3, gain=3.0), filters=4,
                       kernel=(3, 3), padding="same", activation="hard_swish")
    return m, c.x(3, (5, 5, 3))


@case
def dense_hard_sigmoid(c):
    m = Model((6,))
    m.out_name = m.add("dense", "fc", "x", "y", dense_params(c, 5, 6, gain=4.0), units=5,
                       activation="hard_sigmoid", alpha=0.25, beta=0.45)
    return m, c.x(4, (6,))


@case
def leaky_relu_default(c):
    m = Model((2, 2, 3))
    m.out_name = m.add("leaky_relu", "a", "x", "y")
    return m, c.x(3, (2, 2, 3))


@case
def leaky_relu_alpha(c):
    m = Model((10,))
    m.out_name = m.add("leaky_relu", "a", "x", "y", alpha=0.3)
    return m, c.x(3, (10,))


@case
def clip_min_only(c):
    m = Model((10,))
    m.out_name = m.add("clip", "a", "x", "y", min=-0.5)
    return m, c.x(3, (10,))


@case
def clip_max_only(c):
    m = Model((10,))
    m.out_name = m.add("clip", "a", "x", "y", max=0.25)
    return m, c.x(3, (10,))


@case
def clip_both(c):
    m = Model((2, 5))
    m.out_name = m.add("clip", "a", "x", "y", min=-1.5, max=0.75)
    return m, c.x(3, (2, 5))


@case
def sigmoid_extreme(c):
    m = Model((12,))
    m.out_name = m.add("sigmoid", "a", "x", "y")
    return m, _extreme_values(c, 4, (12,))


@case
def tanh_extreme(c):
    m = Model((12,))
    m.out_name = m.add("tanh", "a", "x", "y")
    return m, _extreme_values(c, 4, (12,))


# ---- softmax ---------------------------------------------------------------

@case
def softmax_last(c):
    m = Model((4, 5))
    m.out_name = m.add("softmax", "s", "x", "y")
    return m, c.x(4, (4, 5), -3.0, 3.0)


@case
def softmax_axis0(c):
    m = Model((4, 5))
    m.out_name = m.add("softmax", "s", "x", "y", axis=0)
    return m, c.x(4, (4, 5), -3.0, 3.0)


@case
def softmax_axis_mid(c):
    m = Model((3, 4, 2))
    m.out_name = m.add("softmax", "s", "x", "y", axis=-2)
    return m, c.x(3, (3, 4, 2), -3.0, 3.0)


@case
def softmax_large_logits(c):
    m = Model((6,))
    m.out_name = m.add("softmax", "s", "x", "y", axis=-1)
    x = np.array([[1000.0, 1001.0, 999.5, -1000.0, 0.0, 1000.25],
                  [-1000.0, -1001.0, -999.0, -1000.5, -1002.0, -1003.0],
                  [88.0, 89.0, 90.0, 91.0, 92.0, 93.0],
                  [1e30, 0.0, -1e30, 1e30, 5.0, -5.0],
                  [0.0, 0.0, 0.0, 0.0, 0.0, 0.0]], dtype=np.float32)
    return m, x


@case
def softmax_after_dense(c):
    m = Model((8,))
    h = m.add("dense", "fc", "x", "h", dense_params(c, 5, 8, gain=8.0), units=5)
    m.out_name = m.add("softmax", "s", h, "y")
    return m, c.x(5, (8,))


# ---- add / mul -------------------------------------------------------------

@case
def add_same_shape_layers(c):
    m = Model((3, 4, 2))
    a = m.add("relu", "r", "x", "a")
    b = m.add("tanh", "t", "x", "b")
    m.out_name = m.add("add", "s", "a b", "y")
    return m, c.x(3, (3, 4, 2))


@case
def add_same_shape_const(c):
    m = Model((3, 4))
    m.const("k", c.u((3, 4)))
    m.out_name = m.add("add", "s", "x k", "y", activation="relu")
    return m, c.x(3, (3, 4))


@case
def add_bcast_const(c):
    m = Model((3, 3, 4))
    m.const("offs", c.u((4,)))
    m.out_name = m.add("add", "s", "x offs", "y")
    return m, c.x(3, (3, 3, 4))


@case
def add_bcast_const_first(c):
    # "one of them [C]": the broadcast operand given first
    m = Model((2, 5, 3))
    m.const("offs", c.u((3,)))
    m.out_name = m.add("add", "s", "offs x", "y")
    return m, c.x(3, (2, 5, 3))


@case
def add_act_clip_max_only(c):
    m = Model((10,))
    m.const("k", c.u((10,)))
    m.out_name = m.add("add", "s", "x k", "y", activation="clip", max=0.5)
    return m, c.x(3, (10,))


@case
def mul_same_shape_layers(c):
    m = Model((4, 3))
    a = m.add("dense", "fa", "x", "a", dense_params(c, 3, 3), units=3)
    b = m.add("sigmoid", "sg", "x", "b")
    m.out_name = m.add("mul", "m", "a b", "y")
    return m, c.x(4, (4, 3))


@case
def mul_bcast_const(c):
    m = Model((3, 2, 4))
    m.const("gain", c.u((4,), -2.0, 2.0))
    m.out_name = m.add("mul", "m", "x gain", "y", activation="tanh")
    return m, c.x(3, (3, 2, 4))


@case
def mul_bcast_const_first(c):
    m = Model((5, 3))
    m.const("gain", c.u((3,), -2.0, 2.0))
    m.out_name = m.add("mul", "m", "gain x", "y", activation="leaky_relu", alpha=0.05)
    return m, c.x(3, (5, 3))


@case
def mul_same_shape_const(c):
    m = Model((6,))
    m.const("k", c.u((6,), -3.0, 3.0))
    m.out_name = m.add("mul", "m", "x k", "y", activation="relu6")
    return m, c.x(3, (6,), -4.0, 4.0)


@case
def add_self(c):
    # both inputs the same tensor
    m = Model((7,))
    m.out_name = m.add("add", "s", "x x", "y")
    return m, c.x(3, (7,))


# ---- concat / reshape / flatten / pad ---------------------------------------

@case
def concat2_channels(c):
    m = Model((4, 4, 2))
    a = m.add("conv2d", "ca", "x", "a", conv_params(c, 2, 3, 3, 2), filters=2, kernel=(3, 3),
              padding="same")
    b = m.add("conv2d", "cb", "x", "b", conv_params(c, 3, 1, 1, 2), filters=3, kernel=(1, 1))
    m.out_name = m.add("concat", "cat", "a b", "y")
    return m, c.x(3, (4, 4, 2))


@case
def concat3_channels(c):
    m = Model((3, 4, 2))
    a = m.add("relu", "r", "x", "a")
    b = m.add("conv2d", "cb", "x", "b", conv_params(c, 3, 1, 1, 2), filters=3, kernel=(1, 1))
    m.out_name = m.add("concat", "cat", "a b x", "y", axis=2)
    return m, c.x(3, (3, 4, 2))


@case
def concat_axis0(c):
    m = Model((3, 4))
    m.const("k", c.u((2, 4)))
    a = m.add("relu", "r", "x", "a")
    m.out_name = m.add("concat", "cat", "a k x", "y", axis=0)
    return m, c.x(3, (3, 4))


@case
def concat_axis_mid(c):
    m = Model((2, 3, 2))
    a = m.add("tanh", "t", "x", "a")
    m.const("k", c.u((2, 1, 2)))
    m.out_name = m.add("concat", "cat", "x k a", "y", axis=1)
    return m, c.x(3, (2, 3, 2))


@case
def concat_single(c):
    m = Model((5,))
    a = m.add("relu", "r", "x", "a")
    m.out_name = m.add("concat", "cat", "a", "y")
    return m, c.x(3, (5,))


@case
def reshape_minus1(c):
    m = Model((4, 6))
    r = m.add("reshape", "rs", "x", "r", shape=(2, -1, 3))
    m.out_name = m.add("softmax", "s", r, "y", axis=1)
    return m, c.x(3, (4, 6))


@case
def reshape_to_image(c):
    m = Model((24,))
    r = m.add("reshape", "rs", "x", "r", shape=(-1, 4, 2))
    m.out_name = m.add("max_pool2d", "p", r, "y", kernel=(2, 2), strides=(1, 2))
    return m, c.x(3, (24,))


@case
def flatten_conv_dense(c):
    m = Model((4, 4, 2))
    h = m.add("conv2d", "c1", "x", "h", conv_params(c, 3, 3, 3, 2), filters=3, kernel=(3, 3),
              activation="relu")
    f = m.add("flatten", "f", h, "f")
    m.out_name = m.add("dense", "fc", f, "y", dense_params(c, 4, 12), units=4)
    return m, c.x(4, (4, 4, 2))


@case
def transpose_rank3(c):
    m = Model((2, 3, 4))
    m.out_name = m.add("transpose", "t", "x", "y", perm=(2, 0, 1))
    return m, c.x(3, (2, 3, 4))


@case
def transpose_rank4_then_conv(c):
    # channels-first [C H W] data -> channels-last for a convolution, and back
    m = Model((3, 5, 4))
    t = m.add("transpose", "to_nhwc", "x", "t", perm=(1, 2, 0))
    y = m.add("conv2d", "c1", t, "c", conv_params(c, 2, 3, 3, 3), filters=2, kernel=(3, 3),
              padding="same", activation="relu")
    m.out_name = m.add("transpose", "to_nchw", y, "y", perm=(2, 0, 1))
    return m, c.x(3, (3, 5, 4))


@case
def transpose_rank4(c):
    m = Model((2, 3, 4, 5))
    m.out_name = m.add("transpose", "t", "x", "y", perm=(3, 1, 0, 2))
    return m, c.x(3, (2, 3, 4, 5))


@case
def transpose_keeps_order(c):
    # only a size-1 axis moves: stoic turns it into a free reshape
    m = Model((1, 4, 3))
    t = m.add("transpose", "t", "x", "t", perm=(1, 2, 0))
    m.out_name = m.add("dense", "d", t, "y", dense_params(c, 2, 1), units=2)
    return m, c.x(3, (1, 4, 3))


@case
def pad_rank3(c):
    m = Model((4, 5, 2))
    m.out_name = m.add("pad", "p", "x", "y", pads=(1, 2, 0, 2, 1, 0), value=1.5)
    return m, c.x(3, (4, 5, 2))


@case
def pad_rank2_default_value(c):
    m = Model((3, 4))
    m.out_name = m.add("pad", "p", "x", "y", pads=(0, 3, 2, 1))
    return m, c.x(3, (3, 4))


@case
def pad_rank1(c):
    m = Model((5,))
    m.out_name = m.add("pad", "p", "x", "y", pads=(2, 1), value=-2.5)
    return m, c.x(3, (5,))


@case
def pad_then_conv(c):
    m = Model((4, 4, 2))
    p = m.add("pad", "p", "x", "p", pads=(1, 1, 0, 0, 1, 0), value=-1.0)
    m.out_name = m.add("conv2d", "c1", p, "y", conv_params(c, 2, 2, 2, 2), filters=2, kernel=(2, 2))
    return m, c.x(3, (4, 4, 2))


# ---- batch_norm --------------------------------------------------------------

@case
def bn_fold_conv2d(c):
    m = Model((5, 5, 3))
    h = m.add("conv2d", "c1", "x", "h", conv_params(c, 4, 3, 3, 3), filters=4, kernel=(3, 3),
              padding="same")
    m.out_name = m.add("batch_norm", "bn", h, "y", c.bn_params(4))
    return m, c.x(3, (5, 5, 3))


@case
def bn_fold_conv2d_nobias_eps(c):
    m = Model((5, 4, 2))
    h = m.add("conv2d", "c1", "x", "h", conv_params(c, 3, 2, 2, 2, bias=False), filters=3, kernel=(2, 2))
    m.out_name = m.add("batch_norm", "bn", h, "y", c.bn_params(3), epsilon=0.001)
    return m, c.x(3, (5, 4, 2))


@case
def bn_fold_depthwise(c):
    m = Model((5, 5, 3))
    h = m.add("conv2d", "dw", "x", "h", conv_params(c, 6, 3, 3, 1), filters=6, kernel=(3, 3),
              groups=3)
    m.out_name = m.add("batch_norm", "bn", h, "y", c.bn_params(6))
    return m, c.x(3, (5, 5, 3))


@case
def bn_fold_dense(c):
    m = Model((6,))
    h = m.add("dense", "fc", "x", "h", dense_params(c, 4, 6), units=4)
    m.out_name = m.add("batch_norm", "bn", h, "y", c.bn_params(4))
    return m, c.x(4, (6,))


@case
def bn_fold_conv1d(c):
    m = Model((8, 2))
    h = m.add("conv1d", "c1", "x", "h", conv1d_params(c, 3, 3, 2), filters=3, kernel=3)
    m.out_name = m.add("batch_norm", "bn", h, "y", c.bn_params(3))
    return m, c.x(3, (8, 2))


@case
def bn_after_add(c):
    m = Model((3, 3, 2))
    m.const("k", c.u((2,)))
    a = m.add("add", "ad", "x k", "a")
    m.out_name = m.add("batch_norm", "bn", a, "y", c.bn_params(2))
    return m, c.x(3, (3, 3, 2))


@case
def bn_conv_act_nofold(c):
    m = Model((5, 5, 2))
    h = m.add("conv2d", "c1", "x", "h", conv_params(c, 3, 3, 3, 2), filters=3, kernel=(3, 3),
              activation="relu")
    m.out_name = m.add("batch_norm", "bn", h, "y", c.bn_params(3))
    return m, c.x(3, (5, 5, 2))


@case
def bn_conv_two_consumers(c):
    m = Model((4, 4, 2))
    h = m.add("conv2d", "c1", "x", "h", conv_params(c, 3, 3, 3, 2), filters=3, kernel=(3, 3),
              padding="same")
    b = m.add("batch_norm", "bn", h, "b", c.bn_params(3))
    m.out_name = m.add("add", "ad", "b h", "y")
    return m, c.x(3, (4, 4, 2))


@case
def bn_standalone_input(c):
    m = Model((3, 2, 4))
    m.out_name = m.add("batch_norm", "bn", "x", "y", c.bn_params(4))
    return m, c.x(3, (3, 2, 4))


@case
def bn_fold_then_relu(c):
    # conv -> bn (folded) -> relu (then fused)
    m = Model((5, 5, 2))
    h = m.add("conv2d", "c1", "x", "h", conv_params(c, 3, 3, 3, 2), filters=3, kernel=(3, 3))
    b = m.add("batch_norm", "bn", h, "b", c.bn_params(3))
    m.out_name = m.add("relu", "r", b, "y")
    return m, c.x(3, (5, 5, 2))


# ---- activation fusion -------------------------------------------------------

@case
def fuse_conv_relu(c):
    m = Model((5, 5, 2))
    h = m.add("conv2d", "c1", "x", "h", conv_params(c, 3, 3, 3, 2), filters=3, kernel=(3, 3))
    m.out_name = m.add("relu", "r", h, "y")
    return m, c.x(4, (5, 5, 2))


@case
def fuse_dense_sigmoid(c):
    m = Model((6,))
    h = m.add("dense", "fc", "x", "h", dense_params(c, 5, 6, gain=4.0), units=5)
    m.out_name = m.add("sigmoid", "s", h, "y")
    return m, c.x(4, (6,))


@case
def fuse_conv1d_leaky(c):
    m = Model((8, 2))
    h = m.add("conv1d", "c1", "x", "h", conv1d_params(c, 3, 3, 2), filters=3, kernel=3)
    m.out_name = m.add("leaky_relu", "lr", h, "y", alpha=0.25)
    return m, c.x(3, (8, 2))


@case
def fuse_add_relu6(c):
    m = Model((8,))
    m.const("k", c.u((8,), -3.0, 3.0))
    a = m.add("add", "ad", "x k", "a")
    m.out_name = m.add("relu6", "r6", a, "y")
    return m, c.x(3, (8,), -6.0, 6.0)


@case
def fuse_mul_clip(c):
    m = Model((2, 4))
    m.const("g", c.u((4,), -2.0, 2.0))
    a = m.add("mul", "mu", "x g", "a")
    m.out_name = m.add("clip", "cl", a, "y", min=-0.3, max=0.6)
    return m, c.x(3, (2, 4))


@case
def fuse_dense_tanh_rank2(c):
    m = Model((3, 4))
    h = m.add("dense", "fc", "x", "h", dense_params(c, 2, 4, gain=3.0), units=2)
    m.out_name = m.add("tanh", "t", h, "y")
    return m, c.x(3, (3, 4))


@case
def act_after_act(c):
    # conv already has an activation; a following tanh must compose with it,
    # not replace it: y = tanh(sigmoid(conv(x)))
    m = Model((4, 4, 2))
    h = m.add("conv2d", "c1", "x", "h", conv_params(c, 2, 3, 3, 2, gain=3.0), filters=2,
              kernel=(3, 3), activation="sigmoid")
    m.out_name = m.add("tanh", "t", h, "y")
    return m, c.x(3, (4, 4, 2))


@case
def relu_two_consumers(c):
    # h feeds both the relu and the add: the relu must not be fused into c1
    m = Model((4, 4, 2))
    h = m.add("conv2d", "c1", "x", "h", conv_params(c, 2, 3, 3, 2), filters=2, kernel=(3, 3),
              padding="same")
    r = m.add("relu", "r", h, "r")
    m.out_name = m.add("add", "ad", "r h", "y")
    return m, c.x(3, (4, 4, 2))


@case
def relu_of_output_consumed(c):
    # the conv output h is the model output and also feeds the relu
    m = Model((4, 4, 2))
    h = m.add("conv2d", "c1", "x", "h", conv_params(c, 2, 3, 3, 2), filters=2, kernel=(3, 3))
    r = m.add("relu", "r", h, "r")
    m.out_name = m.add("concat", "cat", "r h", "y")
    return m, c.x(3, (4, 4, 2))


# ---- graphs ------------------------------------------------------------------

@case
def residual_block(c):
    m = Model((6, 6, 4))
    h = m.add("conv2d", "c1", "x", "h1", conv_params(c, 4, 3, 3, 4), filters=4, kernel=(3, 3),
              padding="same", activation="relu")
    h2 = m.add("conv2d", "c2", h, "h2", conv_params(c, 4, 3, 3, 4), filters=4, kernel=(3, 3),
               padding="same")
    m.out_name = m.add("add", "res", "h2 x", "y", activation="relu")
    return m, c.x(3, (6, 6, 4))


def _chain(c, m):
    t = m.add("conv2d", "c1", "x", "t1", conv_params(c, 8, 3, 3, 2), filters=8, kernel=(3, 3),
              padding="same", activation="relu")
    t = m.add("pad", "p1", t, "t2", pads=(1, 1, 0, 1, 1, 0), value=0.0)
    t = m.add("conv2d", "c2", t, "t3", conv_params(c, 8, 3, 3, 8), filters=8, kernel=(3, 3),
              activation="leaky_relu", alpha=0.1)
    t = m.add("max_pool2d", "mp", t, "t4", kernel=(2, 2), strides=(2, 2))
    t = m.add("conv2d", "c3", t, "t5", conv_params(c, 12, 3, 3, 8), filters=12, kernel=(3, 3),
              padding="same", activation="relu6")
    t = m.add("softmax", "sm", t, "t6")
    t = m.add("conv2d", "c4", t, "t7", conv_params(c, 8, 1, 1, 12, gain=4.0), filters=8,
              kernel=(1, 1), activation="tanh")
    t = m.add("avg_pool2d", "ap", t, "t8", kernel=(2, 2), strides=(1, 1), padding="same")
    t = m.add("flatten", "fl", t, "t9")
    t = m.add("dense", "fc1", t, "t10", dense_params(c, 16, 128), units=16, activation="sigmoid")
    t = m.add("dense", "fc2", t, "y", dense_params(c, 4, 16), units=4)
    return t


@case
def chain_reuse(c):
    # 11 layers, nothing fusable; the intermediates sum to far more than
    # any two of them: a planner that reuses buffers needs much less.
    m = Model((8, 8, 2))
    m.out_name = _chain(c, m)
    return m, c.x(3, (8, 8, 2))


def chain_reuse_arena_max():
    # intermediates (floats): t1 512, t2 800, t3 512, t4 128, t5 192, t6 192,
    # t7 128, t8 128, (t9 128 if flatten copies), t10 16  -> 2736 floats
    # = 10944 bytes without reuse (10432 if flatten aliases).  Live at once
    # at most t2+t3 = 1312 floats = 5248 bytes; a ping-pong plan of two
    # 800-float buffers needs 6400.  Allow 3/4 of no reuse.
    return 10944 * 3 // 4


@case
def out_of_order(c):
    # same graph as a small branchy model, layers listed in reverse
    m = Model((4, 4, 2))
    a = m.add("conv2d", "c1", "x", "a", conv_params(c, 3, 3, 3, 2), filters=3, kernel=(3, 3),
              padding="same")
    b = m.add("relu", "r1", a, "b")
    d = m.add("conv2d", "c2", "x", "d", conv_params(c, 3, 1, 1, 2), filters=3, kernel=(1, 1))
    e = m.add("add", "ad", "b d", "e")
    f = m.add("global_avg_pool", "g", e, "f")
    g = m.add("flatten", "fl", f, "g")
    m.out_name = m.add("dense", "fc", g, "y", dense_params(c, 2, 3), units=2)
    m.order = [4, 6, 1, 3, 5, 0, 2]
    return m, c.x(4, (4, 4, 2))


@case
def diamond_shared_input(c):
    # the model input feeds four layers; tensors with several consumers
    m = Model((6,))
    a = m.add("dense", "da", "x", "a", dense_params(c, 6, 6), units=6, activation="relu")
    b = m.add("dense", "db", "x", "b", dense_params(c, 6, 6), units=6)
    s = m.add("add", "s1", "a b", "s")
    p = m.add("mul", "m1", "s a", "p")
    q = m.add("concat", "cat", "p x s", "q")
    m.out_name = m.add("dense", "fc", q, "y", dense_params(c, 3, 18), units=3)
    return m, c.x(4, (6,))


@case
def names_with_symbols(c):
    # names may use A-Za-z0-9_.:/- (they end up in C comments / identifiers)
    m = Model((4,), in_name="in:0")
    m.const("bias/c.1", c.u((4,)))
    h = m.add("add", "block-1/add.0", "in:0 bias/c.1", "t/1:0")
    m.out_name = m.add("dense", "block-1/fc:0", h, "out.y-2",
                       dense_params(c, 3, 4), units=3)
    return m, c.x(3, (4,))


@case
def base64_wrapped(c):
    # inline base64 broken over several lines (MIME-style, 64 per line)
    m = Model((10,))
    p = [Data("weight", c.w((6, 10)), wrap=64), Data("bias", c.u((6,)), wrap=64)]
    m.out_name = m.add("dense", "fc", "x", "y", p, units=6)
    return m, c.x(3, (10,))


# ---- aliasing / in-place hazards for the memory planner ------------------------

@case
def alias_reshape_inplace(c):
    # h is read again at the end; its reshape r must not be clobbered in place
    m = Model((6,))
    h = m.add("dense", "fc", "x", "h", dense_params(c, 6, 6), units=6)
    r = m.add("reshape", "rs", h, "r", shape=(2, 3))
    a = m.add("relu", "re", r, "a")
    f = m.add("flatten", "fl", a, "f")
    m.out_name = m.add("add", "ad", "f h", "y")
    return m, c.x(4, (6,))


@case
def inplace_shared_sigmoid(c):
    # s = sigmoid(h) cannot run in place: h is read by the mul afterwards
    m = Model((5,))
    h = m.add("dense", "fc", "x", "h", dense_params(c, 5, 5, gain=3.0), units=5)
    s = m.add("sigmoid", "sg", h, "s")
    m.out_name = m.add("mul", "mu", "s h", "y")
    return m, c.x(4, (5,))


@case
def concat_same_twice(c):
    m = Model((2, 3))
    h = m.add("tanh", "t", "x", "h")
    m.out_name = m.add("concat", "cat", "h x h", "y", axis=0)
    return m, c.x(3, (2, 3))


@case
def mul_square(c):
    m = Model((3, 2))
    h = m.add("dense", "fc", "x", "h", dense_params(c, 4, 2), units=4)
    m.out_name = m.add("mul", "sq", "h h", "y", activation="relu6")
    return m, c.x(3, (3, 2))


@case
def long_skip(c):
    # t1 stays live across five layers and is read by the last one
    m = Model((6, 6, 2))
    t1 = m.add("conv2d", "c1", "x", "t1", conv_params(c, 4, 3, 3, 2), filters=4, kernel=(3, 3),
               padding="same", activation="relu")
    t = m.add("conv2d", "c2", t1, "t2", conv_params(c, 4, 3, 3, 4), filters=4, kernel=(3, 3),
              padding="same", activation="tanh")
    t = m.add("softmax", "sm", t, "t3")
    t = m.add("pad", "pd", t, "t4", pads=(1, 1, 0, 1, 1, 0), value=0.5)
    t = m.add("avg_pool2d", "ap", t, "t5", kernel=(3, 3), strides=(1, 1))
    t = m.add("conv2d", "c3", t, "t6", conv_params(c, 4, 1, 1, 4), filters=4, kernel=(1, 1))
    m.out_name = m.add("add", "ad", "t6 t1", "y")
    return m, c.x(3, (6, 6, 2))


# ---- more activation composition ------------------------------------------------

@case
def act_chain3(c):
    # dense -> relu -> tanh -> sigmoid: y = sigmoid(tanh(relu(dense(x))))
    m = Model((5,))
    h = m.add("dense", "fc", "x", "h", dense_params(c, 4, 5, gain=3.0), units=4)
    a = m.add("relu", "r", h, "a")
    b = m.add("tanh", "t", a, "b")
    m.out_name = m.add("sigmoid", "s", b, "y")
    return m, c.x(4, (5,))


@case
def leaky_relu_alpha_gt1(c):
    # y = max(x,0) + alpha*min(x,0) with alpha 1.5 (not max(x, alpha*x))
    m = Model((8,))
    h = m.add("dense", "fc", "x", "h", dense_params(c, 8, 8), units=8)
    m.out_name = m.add("leaky_relu", "lr", h, "y", alpha=1.5)
    return m, c.x(3, (8,))


@case
def leaky_relu_alpha_gt1_standalone(c):
    m = Model((8,))
    m.out_name = m.add("leaky_relu", "lr", "x", "y", alpha=1.5)
    return m, c.x(3, (8,))


@case
def bn_fold_dense_rank2(c):
    m = Model((3, 4))
    h = m.add("dense", "fc", "x", "h", dense_params(c, 5, 4), units=5)
    m.out_name = m.add("batch_norm", "bn", h, "y", c.bn_params(5))
    return m, c.x(3, (3, 4))


@case
def bn_fold_conv_groups2(c):
    m = Model((4, 4, 4))
    h = m.add("conv2d", "c1", "x", "h", conv_params(c, 6, 3, 3, 2), filters=6, kernel=(3, 3),
              groups=2, padding="same")
    m.out_name = m.add("batch_norm", "bn", h, "y", c.bn_params(6), epsilon=0.01)
    return m, c.x(3, (4, 4, 4))


# ---- shapes and edge sizes ---------------------------------------------------------

@case
def gap_dense_rank3(c):
    # dense straight on [1 1 C] (no flatten): output [1 1 units]
    m = Model((3, 4, 5))
    g = m.add("global_avg_pool", "g", "x", "g")
    m.out_name = m.add("dense", "fc", g, "y", dense_params(c, 3, 5), units=3, activation="tanh")
    return m, c.x(3, (3, 4, 5))


@case
def dense_1x1(c):
    m = Model((1,))
    m.out_name = m.add("dense", "fc", "x", "y", [Data("weight", [[-2.5]]), Data("bias", [0.25])], units=1)
    return m, c.x(3, (1,))


@case
def conv2d_kernel_is_input(c):
    m = Model((3, 4, 2))
    m.out_name = m.add("conv2d", "c1", "x", "y", conv_params(c, 5, 3, 4, 2), filters=5, kernel=(3, 4))
    return m, c.x(3, (3, 4, 2))


@case
def max_pool2d_stride_gt_kernel(c):
    m = Model((7, 8, 2))
    m.out_name = m.add("max_pool2d", "p", "x", "y", kernel=(1, 2), strides=(3, 3))
    return m, c.x(3, (7, 8, 2))


@case
def rank4_ops(c):
    m = Model((2, 3, 2, 4))
    d = m.add("dense", "fc", "x", "d", dense_params(c, 3, 4), units=3)
    s = m.add("softmax", "sm", d, "s", axis=1)
    p = m.add("pad", "pd", s, "p", pads=(1, 0, 0, 1, 0, 1, 2, 0), value=-1.0)
    b = m.add("batch_norm", "bn", p, "b", c.bn_params(4))
    m.out_name = m.add("concat", "cat", "b b", "y", axis=-4)
    return m, c.x(3, (2, 3, 2, 4))


@case
def concat_negative_axis(c):
    m = Model((2, 3, 2))
    a = m.add("relu", "r", "x", "a")
    m.out_name = m.add("concat", "cat", "x a", "y", axis=-3)
    return m, c.x(3, (2, 3, 2))


@case
def concat_64_inputs(c):
    m = Model((2, 1))
    a = m.add("tanh", "t", "x", "a")
    m.out_name = m.add("concat", "cat", ["x", "a"] * 32, "y")
    return m, c.x(3, (2, 1))


@case
def softmax_single_element_axis(c):
    # softmax over an axis of length 1 is 1 everywhere
    m = Model((3, 1))
    m.out_name = m.add("softmax", "s", "x", "y")
    return m, c.x(3, (3, 1), -50.0, 50.0)


# ---- names, literals ----------------------------------------------------------------

@case
def names_sanitize_collisions(c):
    # names that differ only in . _ - : / must stay distinct in the C code;
    # names that are C keywords or look like the generated API
    m = Model((4,), in_name="a.b")
    m.const("a_b", c.u((4,)))
    m.const("a-b", c.u((4,)))
    t = m.add("add", "int", "a.b a_b", "a:b")
    t = m.add("mul", "return", "a:b a-b", "a/b")
    t = m.add("relu", "model_run", t, "model_run_float")
    t = m.add("add", "/", "model_run_float a/b", "MODEL_INPUT_SIZE")
    long_name = ("L" * 120) + "/end.0:1"
    assert len(long_name) == 128
    t = m.add("tanh", long_name, t, "a//b/")
    m.out_name = m.add("dense", "a..b", t, "-", dense_params(c, 3, 4), units=3)
    return m, c.x(3, (4,))


@case
def weights_exact_literals(c):
    # each weight must reach the C code (and eval) bit-exact:
    #   y0 = (1 + 2^-23) * x0 - x1 with x0 = x1 = 2^23: 2^23 + 1 - 2^23 = 1
    #        exactly (0 if the literal 1.00000012f is rounded to 1.0f)
    #   y1 = FLT_MAX * x2 + FLT_MIN * x3 + (smallest denormal) * x4
    #   y2 = -0.0 * x0 + 0.123456789f * x1 - 3.0517578e-05f * x4
    eps = np.float32(2.0 ** -23)
    fmax = np.finfo(np.float32).max
    fmin = np.finfo(np.float32).tiny
    dmin = np.float32(1.4e-45)
    w = np.array([[1 + eps, -1.0, 0.0, 0.0, 0.0],
                  [0.0, 0.0, fmax, fmin, dmin],
                  [-0.0, np.float32(0.123456789), 0.0, 0.0, np.float32(-3.0517578e-05)]],
                 dtype=np.float32)
    m = Model((5,))
    m.out_name = m.add("dense", "fc", "x", "y", [Data("weight", w)], units=3)
    b = 2.0 ** 23
    x = np.array([[b, b, 2.0 ** -100, 2.0 ** 100, 1.0],
                  [b, b, 2.0 ** -110, 0.0, 4.0],
                  [1.0, 1.0, 0.0, 2.0 ** 120, 0.5],
                  [-b, -b, -(2.0 ** -100), 2.0 ** 90, 2.0]], dtype=np.float32)
    return m, x


# ---- external weights --------------------------------------------------------

@case
def ext_dense(c):
    m = Model((6,))
    h = m.add("dense", "fc1", "x", "h", dense_params(c, 5, 6, external=True), units=5,
              activation="relu")
    m.out_name = m.add("dense", "fc2", h, "y", dense_params(c, 3, 5, external=True), units=3)
    return m, c.x(4, (6,))


@case
def ext_conv_const(c):
    # external conv weight, inline bias, external <constant>
    m = Model((5, 5, 2))
    m.const("offs", c.u((3,)), external=True)
    p = conv_params(c, 3, 3, 3, 2)
    p[0].external = True
    h = m.add("conv2d", "c1", "x", "h", p, filters=3, kernel=(3, 3), padding="same")
    m.out_name = m.add("add", "ad", "h offs", "y")
    return m, c.x(3, (5, 5, 2))


@case
def ext_unaligned_offset(c):
    # external blocks at byte offsets that are not multiples of 4 (11 and 78)
    m = Model((4,))
    p = [Data("weight", c.w((3, 4)), external=True, misalign=3),
         Data("bias", c.u((3,)), external=True, misalign=6)]
    m.out_name = m.add("dense", "fc", "x", "y", p, units=3, activation="tanh")
    return m, c.x(3, (4,))


# ---- hand-derived ------------------------------------------------------------

HAND = {}


def hand(expected, comment):
    def deco(fn):
        def wrapped(c):
            m, x = fn(c)
            m.comment = comment
            return m, x
        wrapped.__name__ = fn.__name__
        HAND[fn.__name__] = np.array(expected, dtype=np.float32)
        return case(wrapped)
    return deco


IMG3 = [[[1, 2, 3], [4, 5, 6], [7, 8, 9]],
        [[-1, -2, -3], [-4, -5, -6], [-7, -8, -9]],
        [[0, 9, 0], [0, 0, 0], [5, 0, -7]]]


def img3_input():
    return np.array(IMG3, dtype=np.float32)[..., None]  # [3, 3, 3, 1]


@hand([[5.5, 10.0], [-2.5, -6.0], [3.5, 4.0], [0.5, -1.0]], """
hand_dense: expected values derived by hand (no activation).
  weight [2 2] = [[1 2] [3 4]]  (row o holds the weights of output o)
  bias [2]     = [0.5 -1]
  y0 = 1*x0 + 2*x1 + 0.5
  y1 = 3*x0 + 4*x1 - 1
  x = [1 2]   ->  y0 =  1 + 4 + 0.5 =  5.5   y1 =  3 + 8 - 1 = 10
  x = [1 -2]  ->  y0 =  1 - 4 + 0.5 = -2.5   y1 =  3 - 8 - 1 = -6
  x = [-1 2]  ->  y0 = -1 + 4 + 0.5 =  3.5   y1 = -3 + 8 - 1 =  4
  x = [0 0]   ->  y0 = 0.5                   y1 = -1
""")
def hand_dense(c):
    m = Model((2,))
    p = [Data("weight", [[1, 2], [3, 4]]), Data("bias", [0.5, -1])]
    m.out_name = m.add("dense", "fc", "x", "y", p, units=2)
    return m, np.array([[1, 2], [1, -2], [-1, 2], [0, 0]], dtype=np.float32)


HAND_POOL_COMMENT = """
%s: expected values derived by hand.
  input [3 3 1], kernel 3x3, strides 2 2, pads 1 1 1 1 -> output [2 2 1]
  (floor((3 + 1 + 1 - 3) / 2) + 1 = 2). The four windows cover rows/cols
  -1..1 or 1..3, i.e. these real cells (r,c):
    out(0,0): (0,0) (0,1) (1,0) (1,1)      out(0,1): (0,1) (0,2) (1,1) (1,2)
    out(1,0): (1,0) (1,1) (2,0) (2,1)      out(1,1): (1,1) (1,2) (2,1) (2,2)
  four real cells each, five padding cells each.
  row 0: [[1 2 3] [4 5 6] [7 8 9]]
  row 1: [[-1 -2 -3] [-4 -5 -6] [-7 -8 -9]]
  row 2: [[0 9 0] [0 0 0] [5 0 -7]]
%s"""


@hand([[[5, 6], [8, 9]], [[-1, -2], [-4, -5]], [[9, 9], [5, 0]]],
      HAND_POOL_COMMENT % ("hand_max_pool", """
  max ignores padding (a zero pad would give 0 for all of row 1):
  row 0: max(1 2 4 5)=5  max(2 3 5 6)=6  max(4 5 7 8)=8  max(5 6 8 9)=9
  row 1: -1 -2 -4 -5
  row 2: max(0 9 0 0)=9  max(9 0 0 0)=9  max(0 0 5 0)=5  max(0 0 0 -7)=0"""))
def hand_max_pool(c):
    m = Model((3, 3, 1))
    m.out_name = m.add("max_pool2d", "p", "x", "y", kernel=(3, 3), strides=(2, 2),
                       padding="explicit", pads=(1, 1, 1, 1))
    return m, img3_input()


@hand([[[3, 4], [6, 7]], [[-3, -4], [-6, -7]], [[2.25, 2.25], [1.25, -1.75]]],
      HAND_POOL_COMMENT % ("hand_avg_pool", """
  count_include_pad false (default): divide by the 4 real cells
  row 0: (1+2+4+5)/4=3  (2+3+5+6)/4=4  (4+5+7+8)/4=6  (5+6+8+9)/4=7
  row 1: -3 -4 -6 -7
  row 2: (0+9+0+0)/4=2.25  (9+0+0+0)/4=2.25  (0+0+5+0)/4=1.25  (0+0+0-7)/4=-1.75"""))
def hand_avg_pool(c):
    m = Model((3, 3, 1))
    m.out_name = m.add("avg_pool2d", "p", "x", "y", kernel=(3, 3), strides=(2, 2),
                       padding="explicit", pads=(1, 1, 1, 1))
    return m, img3_input()


@hand([[[12 / 9, 16 / 9], [24 / 9, 28 / 9]], [[-12 / 9, -16 / 9], [-24 / 9, -28 / 9]],
       [[1, 1], [5 / 9, -7 / 9]]],
      HAND_POOL_COMMENT % ("hand_avg_pool_include_pad", """
  count_include_pad true: divide by kh*kw = 9 (padding counts as 0)
  row 0: 12/9 16/9 24/9 28/9
  row 1: -12/9 -16/9 -24/9 -28/9
  row 2: 9/9=1  9/9=1  5/9  -7/9"""))
def hand_avg_pool_include_pad(c):
    m = Model((3, 3, 1))
    m.out_name = m.add("avg_pool2d", "p", "x", "y", kernel=(3, 3), strides=(2, 2),
                       padding="explicit", pads=(1, 1, 1, 1), count_include_pad=True)
    return m, img3_input()


@hand([[[-3, -3], [-3, -3]], [[5, 5], [5, 5]], [[1, 10], [1, 8]]], """
hand_conv2d: expected values derived by hand.
  input [3 3 1], one filter, kernel 2x2, valid, weight [1 2 2 1] =
  [[1 0] [0 -1]], bias 1:  y(i,j) = x(i,j) - x(i+1,j+1) + 1, output [2 2 1]
  row 0: [[1 2 3] [4 5 6] [7 8 9]]:  1-5+1=-3  2-6+1=-3  4-8+1=-3  5-9+1=-3
  row 1: the negation of row 0:     -1+5+1=5  (all four) = 5
  row 2: [[0 9 0] [0 0 0] [5 0 -7]]: 0-0+1=1  9-0+1=10  0-0+1=1  0+7+1=8
""")
def hand_conv2d(c):
    m = Model((3, 3, 1))
    p = [Data("weight", np.array([1, 0, 0, -1], np.float32).reshape(1, 2, 2, 1)),
         Data("bias", [1])]
    m.out_name = m.add("conv2d", "c", "x", "y", p, filters=1, kernel=(2, 2))
    return m, img3_input()


# ---- layers that must cost nothing (pass_simplify, pass_permute) ----------
#
# Each case's `absent` file lists kernels that must not be called in the
# generated model.c (run.sh, quant.sh): the layer is really gone, not only
# computed right. `same_as` names a twin case, built here by hand without
# the layer (numpy does the reordering), whose `stoic eval` output must be
# bit for bit the same, in float32, int8 and int16.

ABSENT = {}
SAME_AS = {}


def elided(*kernels):
    def deco(fn):
        ABSENT[fn.__name__] = kernels
        return fn
    return deco


@case
@elided("stoic_pad_", "stoic_copy_")
def elide_zero_pad(c):
    m = Model((5, 4, 2))
    h = m.add("conv2d", "c1", "x", "h", conv_params(c, 3, 3, 3, 2), filters=3, kernel=(3, 3),
              padding="same", activation="relu")
    p = m.add("pad", "p", h, "p", pads=(0, 0, 0, 0, 0, 0))
    m.out_name = m.add("conv2d", "c2", p, "y", conv_params(c, 2, 1, 1, 3), filters=2,
                       kernel=(1, 1))
    return m, c.x(4, (5, 4, 2))


@case
@elided("stoic_transpose_", "stoic_copy_")
def elide_identity_transpose(c):
    m = Model((3, 4, 2))
    h = m.add("conv2d", "c1", "x", "h", conv_params(c, 3, 2, 2, 2), filters=3, kernel=(2, 2),
              activation="relu6")
    t = m.add("transpose", "t", h, "t", perm=(0, 1, 2))
    m.out_name = m.add("dense", "fc", t, "y", dense_params(c, 2, 3), units=2)
    return m, c.x(3, (3, 4, 2))


@case
@elided("stoic_transpose_", "stoic_copy_")
def elide_transpose_pair(c):
    # to channels first and back: the two transposes merge into the identity
    m = Model((4, 3, 2))
    h = m.add("conv2d", "c1", "x", "h", conv_params(c, 3, 3, 3, 2), filters=3, kernel=(3, 3),
              padding="same")
    t1 = m.add("transpose", "to_nchw", h, "t1", perm=(2, 0, 1))
    t2 = m.add("transpose", "to_nhwc", t1, "t2", perm=(1, 2, 0))
    m.out_name = m.add("conv2d", "c2", t2, "y", conv_params(c, 2, 3, 3, 3), filters=2,
                       kernel=(3, 3), padding="same")
    return m, c.x(3, (4, 3, 2))


# The same model and data: in int8 its dense layer goes through the wide
# convolution's packed kernel (stoic_conv2d_s8_pk, which c1 needs anyway),
# so stoic_dense_s8_pk is not linked (lower.c dense_via_conv_pk).
@case
@elided("stoic_dense_s8_pk")
def dense_via_conv_pk(c):
    return flatten_conv_dense(Ctx("flatten_conv_dense"))


# A ZeroPad2d stem as the ONNX importer writes it for a one-channel image:
# pad [1 H W], then the channels-last transpose [1 H W] -> [H W 1] (a
# reshape: only an axis of size 1 moves), then the convolution. The pad
# changes places with the reshape (pass_simplify rule 6) and folds into
# the convolution's padding (rule 4): no pad, copy or transpose is left.
@case
@elided("stoic_pad_", "stoic_copy_", "stoic_transpose_")
def fold_pad_through_layout(c):
    m = Model((1, 6, 5))
    p = m.add("pad", "zp", "x", "p", pads=(0, 2, 1, 0, 3, 1))
    t = m.add("transpose", "to_nhwc", p, "t", perm=(1, 2, 0))
    m.out_name = m.add("conv2d", "c1", t, "y", conv_params(c, 4, 4, 3, 1), filters=4,
                       kernel=(4, 3), strides=(2, 2), activation="relu")
    return m, c.x(3, (1, 6, 5))


@case
@elided("stoic_copy_")
def elide_concat_one(c):
    m = Model((6,))
    h = m.add("dense", "fc1", "x", "h", dense_params(c, 5, 6), units=5, activation="tanh")
    k = m.add("concat", "cat", h, "k")
    m.out_name = m.add("dense", "fc2", k, "y", dense_params(c, 3, 5), units=3)
    return m, c.x(4, (6,))


@case
@elided("stoic_pad_")
def fold_pad_avg_pool(c):
    # examples/dsconv: zero padding, then a 2x2 average that counts it
    m = Model((8, 8, 3))
    h = m.add("max_pool2d", "mp", "x", "h", kernel=(2, 2), strides=(2, 2))
    p = m.add("pad", "pd", h, "p", pads=(1, 1, 0, 1, 1, 0))
    m.out_name = m.add("avg_pool2d", "ap", p, "y", kernel=(2, 2), strides=(2, 2))
    return m, c.x(4, (8, 8, 3))


@case
@elided("stoic_pad_")
def fold_pad_avg_pool_include(c):
    # pads of its own that count too: the two add up (1 + 1 < kernel 3)
    m = Model((5, 6, 2))
    p = m.add("pad", "pd", "x", "p", pads=(1, 0, 0, 0, 1, 0))
    m.out_name = m.add("avg_pool2d", "ap", p, "y", kernel=(3, 3), strides=(2, 1),
                       padding="explicit", pads=(1, 1, 0, 1), count_include_pad=True)
    return m, c.x(4, (5, 6, 2))


@case
def pad_then_avg_pool_exclude(c):
    # not foldable: the pool's own pads are not counted, the pad's zeros are
    m = Model((5, 5, 2))
    p = m.add("pad", "pd", "x", "p", pads=(1, 1, 0, 0, 0, 0))
    m.out_name = m.add("avg_pool2d", "ap", p, "y", kernel=(2, 2), strides=(2, 2),
                       padding="explicit", pads=(0, 0, 1, 1))
    return m, c.x(4, (5, 5, 2))


@case
def pad_zero_then_max_pool(c):
    # not foldable: max pooling ignores padding, the pad's zeros are values
    m = Model((4, 4, 2))
    p = m.add("pad", "pd", "x", "p", pads=(1, 1, 0, 0, 0, 0))
    m.out_name = m.add("max_pool2d", "mp", p, "y", kernel=(2, 2), strides=(2, 2))
    return m, c.x(4, (4, 4, 2), -3.0, -1.0)


@case
@elided("stoic_pad_")
def fold_pad_conv2d(c):
    m = Model((5, 4, 3))
    p = m.add("pad", "pd", "x", "p", pads=(2, 0, 0, 1, 1, 0))
    m.out_name = m.add("conv2d", "cv", p, "y", conv_params(c, 4, 3, 3, 3), filters=4,
                       kernel=(3, 3), strides=(2, 1), padding="explicit", pads=(1, 1, 0, 1),
                       activation="relu")
    return m, c.x(4, (5, 4, 3))


@case
@elided("stoic_pad_")
def fold_pad_conv1d(c):
    m = Model((7, 2))
    p = m.add("pad", "pd", "x", "p", pads=(1, 0, 2, 0))
    m.out_name = m.add("conv1d", "cv", p, "y", conv1d_params(c, 3, 3, 2), filters=3, kernel=3,
                       padding="same")
    return m, c.x(4, (7, 2))


def _fold_transpose(c, permuted):
    """conv [4 5 2] -> [4 5 3]; channels first (a transpose), flatten, dense.
    The twin (permuted=True) has no transpose: numpy reorders the dense
    weights' columns into the conv's own (channels-last) order."""
    m = Model((4, 5, 2))
    h = m.add("conv2d", "c1", "x", "h", conv_params(c, 3, 3, 3, 2), filters=3, kernel=(3, 3),
              padding="same", activation="relu")
    wd = dense_params(c, 6, 60)
    if permuted:
        w = wd[0].arr.reshape(6, 3, 4, 5)                # [units][C][H][W] (NCHW flatten)
        wd[0] = Data("weight", w.transpose(0, 2, 3, 1).reshape(6, 60))  # -> [units][H][W][C]
        f = m.add("flatten", "fl", h, "f")
    else:
        t = m.add("transpose", "to_nchw", h, "t", perm=(2, 0, 1))
        f = m.add("flatten", "fl", t, "f")
    m.out_name = m.add("dense", "fc", f, "y", wd, units=6)
    return m, c.x(4, (4, 5, 2))


@case
@elided("stoic_transpose_", "stoic_copy_")
def fold_transpose_dense(c):
    return _fold_transpose(c, False)


@case
def fold_transpose_dense_twin(c):
    c.rng = np.random.default_rng(zlib.crc32(b"fold_transpose_dense"))
    return _fold_transpose(c, True)


SAME_AS["fold_transpose_dense"] = "fold_transpose_dense_twin"


def _crop_layout(c, direct):
    """The last step of a [B T H] sequence as the ONNX importer writes an
    ONNX Gather of it: a channels-last transpose, the crop, the transpose
    back (pass_simplify rule 7 lifts the crop, the transposes cancel). The
    twin (direct=True) crops the sequence itself."""
    m = Model((1, 6, 4))
    h = m.add("relu", "r", "x", "h")
    if direct:
        k = m.add("slice", "last", h, "k", starts="0 5 0", ends="1 6 4")
    else:
        t = m.add("transpose", "to_nhwc", h, "t", perm=(0, 2, 1))
        s = m.add("slice", "last", t, "s", starts="0 0 5", ends="1 4 6")
        k = m.add("transpose", "to_nchw", s, "k", perm=(0, 2, 1))
    f = m.add("reshape", "drop", k, "f", shape=(1, 4))
    m.out_name = m.add("dense", "fc", f, "y", dense_params(c, 3, 4), units=3)
    return m, c.x(4, (1, 6, 4))


@case
@elided("stoic_transpose_")
def lift_crop_layout(c):
    return _crop_layout(c, False)


@case
def lift_crop_layout_twin(c):
    c.rng = np.random.default_rng(zlib.crc32(b"lift_crop_layout"))
    return _crop_layout(c, True)


SAME_AS["lift_crop_layout"] = "lift_crop_layout_twin"


@case
@elided("stoic_transpose_", "stoic_copy_")
def fold_transpose_two_dense(c):
    # one flatten read by two dense layers; a reshape instead of flatten;
    # the transpose of a rank-3 tensor with two axes above 1
    m = Model((3, 4, 2))
    h = m.add("conv2d", "c1", "x", "h", conv_params(c, 2, 2, 2, 2), filters=2, kernel=(2, 2),
              padding="same")
    t = m.add("transpose", "t", h, "t", perm=(1, 2, 0))
    f = m.add("reshape", "rs", t, "f", shape=(1, 24))
    a = m.add("dense", "fa", f, "a", dense_params(c, 4, 24), units=4, activation="relu")
    b = m.add("dense", "fb", f, "b", dense_params(c, 4, 24), units=4)
    m.out_name = m.add("add", "ad", "a b", "y")
    return m, c.x(4, (3, 4, 2))


@case
def transpose_flatten_shared(c):
    # not foldable: the channels-first tensor is also an output of the model
    m = Model((2, 3, 2))
    h = m.add("relu", "r", "x", "h")
    t = m.add("transpose", "t", h, "t", perm=(2, 0, 1))
    f = m.add("flatten", "fl", t, "f")
    d = m.add("dense", "fc", f, "d", dense_params(c, 12, 12), units=12)
    m.out_name = m.add("add", "ad", "d f", "y")
    return m, c.x(3, (2, 3, 2))


# ---- transposed convolution (issue 12) -------------------------------------

def convt_params(c, cin, kh, kw, f_per_group, filters, bias=True):
    p = [Data("weight", c.w((cin, kh, kw, f_per_group), fan_in=cin * kh * kw))]
    if bias:
        p.append(Data("bias", c.u((filters,), -0.3, 0.3)))
    return p


@case
def convt_s2_op1(c):
    # nn.ConvTranspose2d(8, 4, 3, stride=2, padding=1, output_padding=1):
    # [4 5 8] -> [8 10 4]
    m = Model((4, 5, 8))
    m.out_name = m.add("conv_transpose2d", "up", "x", "y", convt_params(c, 8, 3, 3, 4, 4),
                       filters=4, kernel=(3, 3), strides=(2, 2), pads=(1, 1, 1, 1),
                       output_padding=(1, 1))
    return m, c.x(4, (4, 5, 8))


@case
def convt_depthwise(c):
    # depthwise (groups = channels), strides 2 and 1, uneven pads, relu
    m = Model((5, 4, 3))
    m.out_name = m.add("conv_transpose2d", "up", "x", "y", convt_params(c, 3, 3, 3, 1, 3),
                       filters=3, kernel=(3, 3), strides=(2, 1), pads=(0, 1, 1, 0), groups=3,
                       activation="relu")
    return m, c.x(4, (5, 4, 3))


@case
def convt_crop(c):
    # pads beyond dilation * (kernel - 1): the output is cropped (a pad
    # layer with negative pads before the conv); groups 2, dilation 2,
    # stride 3 along the width, no bias
    m = Model((4, 3, 4))
    m.out_name = m.add("conv_transpose2d", "up", "x", "y",
                       convt_params(c, 4, 3, 2, 3, 6, bias=False), filters=6, kernel=(3, 2),
                       strides=(1, 3), dilations=(2, 1), pads=(1, 2, 5, 0),
                       output_padding=(0, 2), groups=2)
    return m, c.x(3, (4, 3, 4))


@case
def convt_1d(c):
    # nn.ConvTranspose1d(3, 2, 4, stride=2, padding=1, output_padding=1)
    m = Model((6, 3))
    m.out_name = m.add("conv_transpose1d", "up", "x", "y",
                       [Data("weight", c.w((3, 4, 2), fan_in=12)),
                        Data("bias", c.u((2,), -0.3, 0.3))],
                       filters=2, kernel=4, stride=2, pads=(1, 2), output_padding=1)
    return m, c.x(4, (6, 3))


@case
def convt_decoder(c):
    # a small convolutional decoder: conv -> relu -> conv_transpose ->
    # relu -> conv_transpose, 6x6x2 -> 3x3x4 -> 6x6x3 -> 12x12x1
    m = Model((6, 6, 2))
    h = m.add("conv2d", "enc", "x", "h", conv_params(c, 4, 3, 3, 2), filters=4, kernel=(3, 3),
              strides=(2, 2), padding="explicit", pads=(1, 1, 1, 1), activation="relu")
    u = m.add("conv_transpose2d", "up1", h, "u", convt_params(c, 4, 2, 2, 3, 3), filters=3,
              kernel=(2, 2), strides=(2, 2), activation="relu")
    m.out_name = m.add("conv_transpose2d", "up2", u, "y", convt_params(c, 3, 4, 4, 1, 1),
                       filters=1, kernel=(4, 4), strides=(2, 2), pads=(1, 1, 1, 1))
    return m, c.x(4, (6, 6, 2))


@case
def convt_d2s_crop(c):
    # kernel = stride (3 2), no overlap: a 1x1 conv and a depth-to-space;
    # pads crop the result; relu
    m = Model((3, 4, 5))
    m.out_name = m.add("conv_transpose2d", "up", "x", "y", convt_params(c, 5, 3, 2, 4, 4),
                       filters=4, kernel=(3, 2), strides=(3, 2), pads=(1, 0, 2, 1),
                       activation="relu")
    return m, c.x(4, (3, 4, 5))


@case
def convt_d2s_1d(c):
    # 1-D, kernel = stride 4, no bias, pads 1 and 2: a 1x1 conv1d, a reshape, a crop
    m = Model((5, 3))
    m.out_name = m.add("conv_transpose1d", "up", "x", "y",
                       [Data("weight", c.w((3, 4, 2), fan_in=12))],
                       filters=2, kernel=4, stride=4, pads=(1, 2))
    return m, c.x(4, (5, 3))


@case
def convt_then_conv(c):
    # a transposed convolution (zero insertion) read by a 1x1 conv: its
    # channels can be pruned (tests/compress/run.sh)
    m = Model((3, 3, 4))
    h = m.add("conv_transpose2d", "up", "x", "h", convt_params(c, 4, 3, 3, 6, 6), filters=6,
              kernel=(3, 3), strides=(2, 2), pads=(1, 1, 0, 0), activation="relu")
    m.out_name = m.add("conv2d", "mix", h, "y", conv_params(c, 2, 1, 1, 6), filters=2,
                       kernel=(1, 1))
    return m, c.x(4, (3, 3, 4))


# --------------------------------------------------------------------------
# Writing the cases
# --------------------------------------------------------------------------

ARENA_MAX = {"chain_reuse": chain_reuse_arena_max}


def npy_bytes(arr):
    """A .npy v1.0 file, written here so the output does not depend on the
    numpy version's header formatting."""
    arr = np.ascontiguousarray(arr, dtype="<f4")
    shape = "(" + "".join("%d, " % s for s in arr.shape)
    shape = shape[:-2] + ("," if arr.ndim == 1 else "") + ")"
    if arr.ndim == 0:
        shape = "()"
    hdr = "{'descr': '<f4', 'fortran_order': False, 'shape': %s, }" % shape
    pad = 64 - (10 + len(hdr) + 1) % 64
    if pad == 64:
        pad = 0
    hdr = hdr + " " * pad + "\n"
    return b"\x93NUMPY\x01\x00" + len(hdr).to_bytes(2, "little") + hdr.encode("latin1") + arr.tobytes()


@case
def two_heads_shared_trunk(c):
    # three graph outputs (issue 12), listed out of execution order: a
    # regression head y1 that reads the classifier head y0 through an
    # element-wise layer (which must not run in place over y0, an output),
    # the classifier head y0, and a reshape of the trunk h (a copy into its
    # own output array, not an alias of the arena)
    m = Model((8,))
    h = m.add("dense", "trunk", "x", "h", dense_params(c, 8, 8), units=8, activation="relu")
    y0 = m.add("dense", "cls", h, "y0", dense_params(c, 4, 8), units=4)
    r = m.add("tanh", "cls_act", y0, "r")
    q = m.add("concat", "join", [r, h], "q")
    y1 = m.add("dense", "reg", q, "y1", dense_params(c, 3, 12), units=3)
    h2 = m.add("reshape", "trunk_view", h, "h2", shape=(2, 4))
    m.out_name = [y1, y0, h2]
    return m, c.x(5, (8,))


def build(fn):
    c = Ctx(fn.__name__)
    m, x = fn(c)
    x = np.asarray(x, np.float32)
    assert x.shape[1:] == m.in_shape, (fn.__name__, x.shape, m.in_shape)
    assert 3 <= x.shape[0] <= 8, fn.__name__
    y = m.run(x)
    if fn.__name__ in HAND:
        h = HAND[fn.__name__].reshape(y.shape)
        assert np.allclose(y, h, rtol=1e-6, atol=1e-6), (fn.__name__, y, h)
        y = h
    assert np.all(np.isfinite(y)), fn.__name__
    return m, x, y


def write_cases():
    if os.path.isdir(CASES):
        shutil.rmtree(CASES)
    os.makedirs(CASES)
    names = [f.__name__ for f in CASE_FUNCS]
    assert len(names) == len(set(names)), "duplicate case names"
    for fn in CASE_FUNCS:
        m, x, y = build(fn)
        d = os.path.join(CASES, fn.__name__)
        os.makedirs(d)
        text, blob = m.xml()
        with open(os.path.join(d, "model.xml"), "w") as f:
            f.write(text)
        if blob:
            with open(os.path.join(d, "model.bin"), "wb") as f:
                f.write(blob)
        with open(os.path.join(d, "input.npy"), "wb") as f:
            f.write(npy_bytes(x))
        with open(os.path.join(d, "expected.npy"), "wb") as f:
            f.write(npy_bytes(y))
        if fn.__name__ in ARENA_MAX:
            with open(os.path.join(d, "arena_max"), "w") as f:
                f.write("%d\n" % ARENA_MAX[fn.__name__]())
        if fn.__name__ in ABSENT:
            with open(os.path.join(d, "absent"), "w") as f:
                f.write("\n".join(ABSENT[fn.__name__]) + "\n")
        if fn.__name__ in SAME_AS:
            with open(os.path.join(d, "same_as"), "w") as f:
                f.write(SAME_AS[fn.__name__] + "\n")
    print("%d cases written to %s" % (len(CASE_FUNCS), os.path.relpath(CASES)))



# ---- recurrent layers (README "Recurrent layers") ---------------------------

def rnn_params(c, op, hidden, n_in, bias=True, init=None):
    G = 4 if op == "lstm" else 3
    p = [Data("weight", c.w((G * hidden, n_in), fan_in=hidden)),
         Data("recurrence", c.w((G * hidden, hidden), fan_in=hidden))]
    if bias:
        p.append(Data("bias", c.u((2 * G * hidden,), -0.5, 0.5)))
    if init is not None:
        p.append(Data("initial_state", c.u(init, -0.8, 0.8)))
    return p


@case
def lstm_seq(c):
    m = Model((9, 3))
    m.out_name = m.add("lstm", "rnn", "x", "y", rnn_params(c, "lstm", 5, 3), hidden=5)
    return m, c.x(4, (9, 3))


@case
def lstm_batch_reverse_init(c):
    # three sequences side by side, the reverse direction, an initial state
    m = Model((6, 3, 4))
    m.out_name = m.add("lstm", "rnn", "x", "y",
                       rnn_params(c, "lstm", 4, 4, init=(2, 3, 4)), hidden=4,
                       direction="reverse")
    return m, c.x(3, (6, 3, 4))


@case
def lstm_nobias(c):
    m = Model((5, 2))
    m.out_name = m.add("lstm", "rnn", "x", "y", rnn_params(c, "lstm", 3, 2, bias=False), hidden=3)
    return m, c.x(3, (5, 2))


@case
def gru_seq(c):
    m = Model((8, 3))
    m.out_name = m.add("gru", "rnn", "x", "y", rnn_params(c, "gru", 6, 3), hidden=6)
    return m, c.x(4, (8, 3))


@case
def gru_linear_before_reset(c):
    m = Model((8, 2, 3))
    m.out_name = m.add("gru", "rnn", "x", "y", rnn_params(c, "gru", 5, 3, init=(1, 2, 5)),
                       hidden=5, linear_before_reset=True)
    return m, c.x(4, (8, 2, 3))


@case
def gru_reverse(c):
    m = Model((7, 4))
    m.out_name = m.add("gru", "rnn", "x", "y", rnn_params(c, "gru", 3, 4, init=(1, 3)),
                       hidden=3, direction="reverse")
    return m, c.x(3, (7, 4))


# Shapes for the cost model's fit of the recurrent kernels (bench/fit.sh:
# the steps, units, input and state multiply-accumulates of a layer must
# vary independently; examples/soc, on which make bench checks the fit, is
# none of them)
@case
def lstm_wide(c):
    m = Model((6, 2))
    m.out_name = m.add("lstm", "rnn", "x", "y", rnn_params(c, "lstm", 12, 2), hidden=12)
    return m, c.x(3, (6, 2))


@case
def lstm_long_narrow(c):
    m = Model((16, 6))
    m.out_name = m.add("lstm", "rnn", "x", "y", rnn_params(c, "lstm", 4, 6), hidden=4)
    return m, c.x(3, (16, 6))


@case
def lstm_deep_input(c):
    m = Model((4, 10))
    m.out_name = m.add("lstm", "rnn", "x", "y", rnn_params(c, "lstm", 8, 10), hidden=8)
    return m, c.x(3, (4, 10))


@case
def gru_wide_lbr(c):
    m = Model((5, 3))
    m.out_name = m.add("gru", "rnn", "x", "y", rnn_params(c, "gru", 14, 3), hidden=14,
                       linear_before_reset=True)
    return m, c.x(3, (5, 3))


@case
def gru_long_lbr(c):
    m = Model((18, 5))
    m.out_name = m.add("gru", "rnn", "x", "y", rnn_params(c, "gru", 3, 5), hidden=3,
                       linear_before_reset=True)
    return m, c.x(3, (18, 5))


@case
def gru_deep_input_lbr(c):
    m = Model((6, 9))
    m.out_name = m.add("gru", "rnn", "x", "y", rnn_params(c, "gru", 7, 9), hidden=7,
                       linear_before_reset=True)
    return m, c.x(3, (6, 9))


@case
def gru_wide(c):
    m = Model((4, 5))
    m.out_name = m.add("gru", "rnn", "x", "y", rnn_params(c, "gru", 10, 5), hidden=10)
    return m, c.x(3, (4, 5))


# int8 models whose recurrent layer reads another layer's int8 output (a
# transpose, as torch's batch_first export has): the conversion to int16
# before it (stoic_convert_s8_s16) at several sizes, for the fit too
@case
def lstm_after_transpose(c):
    m = Model((8, 5))
    m.add("transpose", "tm", "x", "xt", perm=(1, 0))
    m.out_name = m.add("lstm", "rnn", "xt", "y", rnn_params(c, "lstm", 4, 8), hidden=4)
    return m, c.x(3, (8, 5))


@case
def gru_after_transpose(c):
    m = Model((3, 12))
    m.add("transpose", "tm", "x", "xt", perm=(1, 0))
    m.out_name = m.add("gru", "rnn", "xt", "y", rnn_params(c, "gru", 5, 3), hidden=5,
                       linear_before_reset=True)
    return m, c.x(3, (3, 12))


@case
def lstm_after_transpose_short(c):
    m = Model((6, 3))
    m.add("transpose", "tm", "x", "xt", perm=(1, 0))
    m.out_name = m.add("lstm", "rnn", "xt", "y", rnn_params(c, "lstm", 6, 6), hidden=6)
    return m, c.x(3, (6, 3))


@case
def rnn_stack_last_step_head(c):
    # the shape of a sequence-to-one estimator: LSTM -> GRU -> last step ->
    # dense head (the slice of the last step, a reshape to [H], a dense)
    m = Model((10, 3))
    m.add("lstm", "rnn1", "x", "h1", rnn_params(c, "lstm", 6, 3), hidden=6)
    m.add("gru", "rnn2", "h1", "h2", rnn_params(c, "gru", 4, 6), hidden=4,
          linear_before_reset=True)
    m.add("slice", "last", "h2", "hl", starts="9 0", ends="10 4")
    m.add("reshape", "flat", "hl", "hv", shape=[4])
    m.out_name = m.add("dense", "head", "hv", "y", dense_params(c, 2, 4), units=2)
    return m, c.x(5, (10, 3))


@case
def rnn_stream_batch_first(c):
    # the layout torch exports with batch_first: [1 T I] -> transpose ->
    # [T 1 I] -> GRU -> [T 1 H] -> transpose -> [1 T H]; two outputs: a
    # per-step head (a dense, a broadcast add, a tanh: [1 T 2]) and the
    # last step's head (slice, reshape, dense: [1]) -- the streaming API's
    # time axes 1 and "last" (README "Streaming")
    m = Model((1, 7, 3))
    m.add("transpose", "tm", "x", "xt", perm=(1, 0, 2))
    m.add("gru", "rnn", "xt", "h", rnn_params(c, "gru", 4, 3), hidden=4,
          linear_before_reset=True)
    m.add("transpose", "bf", "h", "hb", perm=(1, 0, 2))
    d = m.add("dense", "per_step", "hb", "d", dense_params(c, 2, 4), units=2)
    m.const("offs", c.u((2,)))
    a = m.add("add", "shift", "d offs", "a")
    y0 = m.add("tanh", "squash", a, "y0")
    m.add("slice", "last", "hb", "hl", starts="0 6 0", ends="1 7 4")
    m.add("reshape", "flat", "hl", "hv", shape=[4])
    y1 = m.add("dense", "head", "hv", "y1", dense_params(c, 1, 4), units=1)
    m.out_name = [y0, y1]
    return m, c.x(4, (1, 7, 3))


# --------------------------------------------------------------------------
# Second oracle: torch
# --------------------------------------------------------------------------

def torch_check():
    import torch
    import torch.nn.functional as F
    torch.set_default_dtype(torch.float64)
    rng = np.random.default_rng(12345)
    n = 0

    def close(a, b, what):
        if not np.allclose(a, b, rtol=1e-9, atol=1e-9):
            raise AssertionError("%s: max diff %g" % (what, np.abs(a - b).max()))

    # conv2d: random geometry, padding modes, groups, dilation
    for it in range(300):
        groups = int(rng.choice([1, 1, 2, 3]))
        cg = int(rng.integers(1, 3))
        C = groups * cg
        mult = int(rng.integers(1, 3))
        F_ = groups * mult
        kh, kw = int(rng.integers(1, 4)), int(rng.integers(1, 4))
        sh, sw = int(rng.integers(1, 3)), int(rng.integers(1, 4))
        dh, dw = int(rng.integers(1, 3)), int(rng.integers(1, 3))
        H, W = int(rng.integers(kh * dh, 9)), int(rng.integers(kw * dw, 9))
        padding = str(rng.choice(["valid", "same", "explicit"]))
        pads = tuple(int(v) for v in rng.integers(0, 3, size=4))
        x = rng.standard_normal((H, W, C))
        w = rng.standard_normal((F_, kh, kw, cg))
        b = rng.standard_normal(F_) if rng.random() < 0.5 else None
        p = resolve_pads2d(H, W, (kh, kw), (sh, sw), (dh, dw), padding, pads)
        ours = conv2d_ref(x, w, b, (sh, sw), (dh, dw), p, groups)
        xt = torch.tensor(x).permute(2, 0, 1)[None]
        xt = F.pad(xt, (p[1], p[3], p[0], p[2]))
        yt = F.conv2d(xt, torch.tensor(w).permute(0, 3, 1, 2),
                      None if b is None else torch.tensor(b), stride=(sh, sw),
                      dilation=(dh, dw), groups=groups)
        theirs = yt[0].permute(1, 2, 0).numpy()
        if padding == "same":
            assert ours.shape[:2] == (-(-H // sh), -(-W // sw))
        close(ours, theirs, "conv2d %d" % it)
        n += 1

    # conv1d through the interpreter (same / explicit / groups)
    for it in range(100):
        groups = int(rng.choice([1, 2]))
        C = groups * int(rng.integers(1, 3))
        F_ = groups * int(rng.integers(1, 3))
        k = int(rng.integers(1, 5))
        s, d = int(rng.integers(1, 3)), int(rng.integers(1, 3))
        L = int(rng.integers(k * d, 14))
        padding = str(rng.choice(["valid", "same", "explicit"]))
        pl, pr = (int(v) for v in rng.integers(0, 3, size=2))
        lay = Layer("conv1d", "c", "x", "y",
                    [Data("weight", rng.standard_normal((F_, k, C // groups))),
                     Data("bias", rng.standard_normal(F_))],
                    filters=F_, kernel=k, stride=s, dilation=d, padding=padding,
                    pads=(pl, pr), groups=groups)
        x = rng.standard_normal((L, C))
        ours = run_layer(lay, [x])
        if padding == "valid":
            pl, pr = 0, 0
        elif padding == "same":
            pl, pr = same_pads(L, k, s, d)
        xt = F.pad(torch.tensor(x).T[None], (pl, pr))
        yt = F.conv1d(xt, torch.tensor(lay.param("weight")).permute(0, 2, 1),
                      torch.tensor(lay.param("bias")), stride=s, dilation=d, groups=groups)
        close(ours, yt[0].T.numpy(), "conv1d %d" % it)
        n += 1

    # pooling: max with -inf padding; avg via sum-pool of data and of a ones mask
    for it in range(300):
        kh, kw = int(rng.integers(1, 4)), int(rng.integers(1, 4))
        sh, sw = int(rng.integers(1, 4)), int(rng.integers(1, 4))
        H, W, C = int(rng.integers(kh, 8)), int(rng.integers(kw, 8)), int(rng.integers(1, 4))
        padding = str(rng.choice(["valid", "same", "explicit"]))
        pads = tuple(int(v) for v in rng.integers(0, 3, size=4))
        p = resolve_pads2d(H, W, (kh, kw), (sh, sw), (1, 1), padding, pads)
        if p[0] >= kh or p[2] >= kh or p[1] >= kw or p[3] >= kw:
            continue  # a window entirely in padding: not a valid model
        x = rng.standard_normal((H, W, C))
        xt = torch.tensor(x).permute(2, 0, 1)[None]
        padspec = (p[1], p[3], p[0], p[2])
        mx = F.max_pool2d(F.pad(xt, padspec, value=-math.inf), (kh, kw), (sh, sw))
        close(pool2d_ref(x, "max", (kh, kw), (sh, sw), p), mx[0].permute(1, 2, 0).numpy(),
              "maxpool %d" % it)
        s = F.avg_pool2d(F.pad(xt, padspec), (kh, kw), (sh, sw)) * (kh * kw)
        cnt = F.avg_pool2d(F.pad(torch.ones_like(xt), padspec), (kh, kw), (sh, sw)) * (kh * kw)
        close(pool2d_ref(x, "avg", (kh, kw), (sh, sw), p, True),
              (s / (kh * kw))[0].permute(1, 2, 0).numpy(), "avgpool incl %d" % it)
        close(pool2d_ref(x, "avg", (kh, kw), (sh, sw), p, False),
              (s / cnt)[0].permute(1, 2, 0).numpy(), "avgpool excl %d" % it)
        if p[0] == p[2] and p[1] == p[3] and 2 * p[0] <= kh and 2 * p[1] <= kw:
            # torch's own padded avg pool (symmetric pads only)
            for inc in (True, False):
                a = F.avg_pool2d(xt, (kh, kw), (sh, sw), padding=(p[0], p[1]),
                                 count_include_pad=inc)
                close(pool2d_ref(x, "avg", (kh, kw), (sh, sw), p, inc),
                      a[0].permute(1, 2, 0).numpy(), "avgpool torch %d" % it)
        n += 1

    # element-wise, softmax, batch norm
    x = rng.standard_normal((4, 5, 6)) * 10
    close(act_ref(x, "sigmoid"), torch.sigmoid(torch.tensor(x)).numpy(), "sigmoid")
    ext = np.array([-1e30, -100, -88, 0, 88, 100, 1e30, 1e-30])
    close(act_ref(ext, "sigmoid"), torch.sigmoid(torch.tensor(ext)).numpy(), "sigmoid ext")
    close(act_ref(x, "leaky_relu", 0.2), F.leaky_relu(torch.tensor(x), float(np.float32(0.2))).numpy(),
          "leaky")
    close(act_ref(x, "relu6"), F.relu6(torch.tensor(x)).numpy(), "relu6")
    # hard swish / sigmoid: torch's slope is 1/6 exactly, ONNX's (and so
    # ours) the float32 1/6: relative 1e-8, hence the looser tolerance
    for what, ours, theirs in (("hard_swish", act_ref(x, "hard_swish"), F.hardswish),
                               ("hard_sigmoid", act_ref(x, "hard_sigmoid", 1.0 / 6.0, beta=0.5),
                                F.hardsigmoid)):
        ref = theirs(torch.tensor(x)).numpy()
        if not np.allclose(ours, ref, rtol=1e-7, atol=1e-7):
            raise AssertionError("%s: max diff %g" % (what, np.abs(ours - ref).max()))
    for ax in (0, 1, 2, -1):
        close(softmax_ref(x, ax), torch.softmax(torch.tensor(x), ax).numpy(), "softmax")
    C = 6
    sc, bi, mu, va = (rng.uniform(0.5, 2, C) for _ in range(4))
    lay = Layer("batch_norm", "b", "x", "y",
                [Data("scale", sc), Data("bias", bi), Data("mean", mu), Data("var", va)])
    ours = run_layer(lay, [x])
    lp = [p.arr.astype(np.float64) for p in lay.params]
    bt = F.batch_norm(torch.tensor(x).permute(2, 0, 1)[None], torch.tensor(lp[2]),
                      torch.tensor(lp[3]), torch.tensor(lp[0]), torch.tensor(lp[1]),
                      False, 0.0, float(np.float32(1e-5)))
    close(ours, bt[0].permute(1, 2, 0).numpy(), "batch_norm")
    # conv_transpose2d / 1d: random geometry, groups, dilation, pads
    # (also beyond the kernel's span: a crop), output_padding
    for it in range(200):
        groups = int(rng.choice([1, 1, 2, 3]))
        cg = int(rng.integers(1, 3))
        fg = int(rng.integers(1, 3))
        C, Fo = groups * cg, groups * fg
        kh, kw = int(rng.integers(1, 4)), int(rng.integers(1, 4))
        sh, sw = int(rng.integers(1, 4)), int(rng.integers(1, 4))
        dh, dw = int(rng.integers(1, 3)), int(rng.integers(1, 3))
        H, W = int(rng.integers(1, 5)), int(rng.integers(1, 5))
        oph, opw = int(rng.integers(0, max(sh, dh))), int(rng.integers(0, max(sw, dw)))
        p = [int(v) for v in rng.integers(0, 3, 4)]
        oh = (H - 1) * sh - p[0] - p[2] + dh * (kh - 1) + 1 + oph
        ow = (W - 1) * sw - p[1] - p[3] + dw * (kw - 1) + 1 + opw
        if oh < 1 or ow < 1 or p[0] != p[2] or p[1] != p[3]:
            continue  # torch's padding is symmetric
        x = rng.uniform(-1, 1, (H, W, C))
        w = rng.uniform(-1, 1, (C, kh, kw, fg))
        b = rng.uniform(-1, 1, Fo)
        ours = conv_transpose2d_ref(x, w, b, (sh, sw), (dh, dw), p, (oph, opw), groups)
        ref = F.conv_transpose2d(torch.tensor(x).permute(2, 0, 1)[None],
                                 torch.tensor(w).permute(0, 3, 1, 2), torch.tensor(b),
                                 stride=(sh, sw), padding=(p[0], p[1]),
                                 output_padding=(oph, opw), groups=groups,
                                 dilation=(dh, dw))[0].permute(1, 2, 0).numpy()
        close(ours, ref, "conv_transpose2d %d" % it)
        # Data holds float32: the torch side gets the same rounded values
        w1 = w[:, 0].astype(np.float32).astype(np.float64)
        b = b.astype(np.float32).astype(np.float64)
        lay = Layer("conv_transpose1d", "t", "x", "y", [Data("weight", w1), Data("bias", b)],
                    filters=Fo, kernel=kw, stride=sw, dilation=dw, pads=(p[1], p[3]),
                    output_padding=opw, groups=groups)
        ours = run_layer(lay, [x[0]])
        ref = F.conv_transpose1d(torch.tensor(x[0]).T[None],
                                 torch.tensor(w1).permute(0, 2, 1), torch.tensor(b),
                                 stride=sw, padding=p[1], output_padding=opw, groups=groups,
                                 dilation=dw)[0].T.numpy()
        close(ours, ref, "conv_transpose1d %d" % it)
        n += 1
    print("torch cross-check: %d random kernel configurations agree" % n)


def convt_torch(name, l, x, y):
    """A conv_transpose case against torch's conv_transpose2d (its padding
    is symmetric and its output_padding below the stride: computed without
    either, then extended by output_padding positions of zeros, the bias
    added, the pads cropped, the activation applied)."""
    import torch
    import torch.nn.functional as F
    a = l.attrs
    one_d = l.op == "conv_transpose1d"
    w = l.param("weight")
    b = l.param("bias")
    if one_d:
        w = w[:, None]
        x = x[:, None]
        strides, dil = (1, a.get("stride", 1)), (1, a.get("dilation", 1))
        pl, pr = a.get("pads", (0, 0))
        pads, op = (0, pl, 0, pr), (0, a.get("output_padding", 0))
    else:
        strides, dil = a.get("strides", (1, 1)), a.get("dilations", (1, 1))
        pads, op = a.get("pads", (0, 0, 0, 0)), a.get("output_padding", (0, 0))
    yt = F.conv_transpose2d(torch.tensor(x.astype(np.float64)).permute(0, 3, 1, 2),
                            torch.tensor(w).permute(0, 3, 1, 2), None, stride=strides,
                            dilation=dil, groups=a.get("groups", 1))
    yt = F.pad(yt, (0, op[1], 0, op[0]))
    if b is not None:
        yt = yt + torch.tensor(b)[None, :, None, None]
    yt = yt[:, :, pads[0]:yt.shape[2] - pads[2], pads[1]:yt.shape[3] - pads[3]]
    yt = yt.permute(0, 2, 3, 1).numpy()
    if one_d:
        yt = yt[:, 0]
    yt = act_ref(yt, a.get("activation", "none")).astype(np.float32)
    if not np.allclose(y, yt, rtol=1e-5, atol=1e-6):
        raise AssertionError("%s: torch disagrees, max diff %g" % (name, np.abs(y - yt).max()))
    return 1


def rnn_torch(name, l, x, y):
    """The case through torch.nn.LSTM / GRU (torch's gate order i f g o and
    r z n; its GRU is linear_before_reset = 1): forward cases only."""
    import torch
    a = l.attrs
    lbr = a.get("linear_before_reset", False)
    if a.get("direction", "forward") == "reverse" or (l.op == "gru" and not lbr):
        return 0
    H = a["hidden"]
    w, r, b, init = (l.param(k) for k in ("weight", "recurrence", "bias", "initial_state"))
    G = 4 if l.op == "lstm" else 3
    order = [0, 2, 3, 1] if l.op == "lstm" else [1, 0, 2]  # torch's gates from ONNX's

    def reorder(m):
        return np.concatenate([m[k * H:(k + 1) * H] for k in order])
    n_in = w.shape[1]
    mod = (torch.nn.LSTM if l.op == "lstm" else torch.nn.GRU)(n_in, H).double()
    with torch.no_grad():
        mod.weight_ih_l0.copy_(torch.tensor(reorder(w)))
        mod.weight_hh_l0.copy_(torch.tensor(reorder(r)))
        bb = np.zeros(2 * G * H) if b is None else b
        mod.bias_ih_l0.copy_(torch.tensor(reorder(bb[:G * H])))
        mod.bias_hh_l0.copy_(torch.tensor(reorder(bb[G * H:])))
        xs = x.astype(np.float64)
        batched = xs.ndim == 4
        for n in range(xs.shape[0]):
            xt = torch.tensor(xs[n] if batched else xs[n][:, None, :])
            B = xt.shape[1]
            if init is None:
                st = None
            else:
                ii = init if batched else init[:, None, :]
                h0 = torch.tensor(ii[0:1].reshape(1, B, H))
                st = (h0, torch.tensor(ii[1:2].reshape(1, B, H))) if l.op == "lstm" else h0
            out = mod(xt, st)[0].numpy()
            want = out if batched else out[:, 0, :]
            if not np.allclose(y[n], want, rtol=1e-5, atol=1e-6):
                raise AssertionError("%s: torch disagrees, max diff %g"
                                     % (name, np.abs(y[n] - want).max()))
    return 1


def check_cases():
    # every case through torch where an op maps directly (second oracle on
    # the very models written out): conv2d / conv1d / pools / dense only
    import torch
    import torch.nn.functional as F
    torch.set_default_dtype(torch.float64)
    checked = 0
    for fn in CASE_FUNCS:
        m, x, y = build(fn)
        if len(m.layers) != 1:
            continue
        l = m.layers[0]
        a = l.attrs
        if l.op in ("conv_transpose2d", "conv_transpose1d"):
            checked += convt_torch(fn.__name__, l, x, y)
            continue
        if l.op in ("lstm", "gru"):
            checked += rnn_torch(fn.__name__, l, x, y)
            continue
        if l.op not in ("conv2d", "dense", "max_pool2d", "avg_pool2d") or \
                a.get("activation", "none") != "none":
            continue
        xt = torch.tensor(x.astype(np.float64))
        if l.op == "dense":
            w = torch.tensor(l.param("weight"))
            b = l.param("bias")
            yt = F.linear(xt, w, None if b is None else torch.tensor(b))
        else:
            p = resolve_pads2d(x.shape[1], x.shape[2], a["kernel"], a.get("strides", (1, 1)),
                               a.get("dilations", (1, 1)), a.get("padding", "valid"), a.get("pads"))
            xt = xt.permute(0, 3, 1, 2)
            padspec = (p[1], p[3], p[0], p[2])
            if l.op == "conv2d":
                b = l.param("bias")
                yt = F.conv2d(F.pad(xt, padspec), torch.tensor(l.param("weight")).permute(0, 3, 1, 2),
                              None if b is None else torch.tensor(b), stride=a.get("strides", (1, 1)),
                              dilation=a.get("dilations", (1, 1)), groups=a.get("groups", 1))
            elif l.op == "max_pool2d":
                yt = F.max_pool2d(F.pad(xt, padspec, value=-math.inf), a["kernel"], a["strides"])
            else:
                k = a["kernel"][0] * a["kernel"][1]
                s = F.avg_pool2d(F.pad(xt, padspec), a["kernel"], a["strides"]) * k
                if a.get("count_include_pad", False):
                    yt = s / k
                else:
                    cnt = F.avg_pool2d(F.pad(torch.ones_like(xt), padspec), a["kernel"],
                                       a["strides"]) * k
                    yt = s / cnt
            yt = yt.permute(0, 2, 3, 1)
        yt = yt.numpy().astype(np.float32)
        if not np.allclose(y, yt, rtol=1e-5, atol=1e-6):
            raise AssertionError("%s: torch disagrees, max diff %g" % (fn.__name__, np.abs(y - yt).max()))
        checked += 1
    print("torch cross-check: %d single-layer cases agree with expected.npy" % checked)


if __name__ == "__main__":
    if "--check" in sys.argv[1:]:
        torch_check()
        check_cases()
    else:
        write_cases()

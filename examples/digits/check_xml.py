#!/usr/bin/python3
"""Independent check of the exported digits model (NumPy only).

    /usr/bin/python3 examples/digits/check_xml.py [MODEL.xml]

Loads digits.xml with xml.etree and its weights (inline base64 or external:
src/offset/count, SHA-256 of the whole file verified), runs the forward pass
in NumPy (float64) straight from the semantics in README.md ("The model
description": NHWC layout, conv2d weight [filters kh kw C/groups], "same"
padding with the smaller half before, max_pool2d ignoring padded cells,
batch_norm over the last axis, row-major NHWC flatten, dense weight
[units K]) and asserts that the result matches val_logits_torch.npy (the
PyTorch model's own outputs) within 1e-4. Nothing here uses PyTorch or
stoic, so a wrong weight layout or flatten order in the export shows up as a
mismatch. Exit status 0 when everything matches.
"""

import base64
import hashlib
import os
import sys
import xml.etree.ElementTree as ET

import numpy as np

NS = "{urn:stoic:model:1}"
TOL = 1e-4


class Model:
    def __init__(self, path):
        self.path = path
        self.dir = os.path.dirname(os.path.abspath(path))
        self.files = {}
        root = ET.parse(path).getroot()
        assert root.tag == NS + "model", f"root element is {root.tag}"
        self.name = root.get("name")
        inp = root.find(NS + "input")
        self.input_name = inp.get("name")
        self.input_shape = tuple(int(v) for v in inp.get("shape").split())
        assert inp.get("dtype", "float32") == "float32"
        self.output_name = root.find(NS + "output").get("name")
        self.constants = {c.get("name"): self.data(c) for c in root.findall(NS + "constant")}
        self.layers = list(root.find(NS + "layers"))

    def external(self, src):
        if src not in self.files:
            with open(os.path.join(self.dir, src), "rb") as f:
                self.files[src] = f.read()
        return self.files[src]

    def data(self, el):
        """A <param> or <constant>: float32 values reshaped to its shape."""
        shape = tuple(int(v) for v in el.get("shape").split())
        n = int(np.prod(shape))
        where = f"{self.path}: {el.get('name')}"
        if el.get("encoding") == "base64":
            raw = base64.b64decode("".join((el.text or "").split()), validate=True)
            assert len(raw) == 4 * n, f"{where}: {len(raw)} bytes, expected {4 * n}"
        else:
            src, off, cnt = el.get("src"), int(el.get("offset")), int(el.get("count"))
            assert cnt == n, f"{where}: count {cnt} != product of shape {n}"
            blob = self.external(src)
            sha = hashlib.sha256(blob).hexdigest()
            assert sha == el.get("sha256"), f"{where}: sha256 of {src} is {sha}"
            assert off + 4 * cnt <= len(blob), f"{where}: {src} too short"
            raw = blob[off:off + 4 * cnt]
        a = np.frombuffer(raw, dtype="<f4").astype(np.float64).reshape(shape)
        assert np.all(np.isfinite(a)), f"{where}: non-finite value"
        return a

    def params(self, layer):
        return {p.get("name"): self.data(p) for p in layer.findall(NS + "param")}


def ints(s):
    return [int(v) for v in s.split()]


def activation(x, layer):
    act = layer.get("activation", "none")
    if act == "none":
        return x
    if act == "relu":
        return np.maximum(x, 0.0)
    if act == "relu6":
        return np.clip(x, 0.0, 6.0)
    if act == "leaky_relu":
        a = float(layer.get("alpha", "0.01"))
        return np.where(x >= 0, x, a * x)
    if act == "clip":
        lo = float(layer.get("min", "-inf"))
        hi = float(layer.get("max", "inf"))
        return np.clip(x, lo, hi)
    if act == "sigmoid":
        return 1.0 / (1.0 + np.exp(-x))
    if act == "tanh":
        return np.tanh(x)
    raise ValueError(f"unknown activation {act}")


def pads_2d(layer, h, w, kh, kw, sh, sw, dh, dw):
    """(top, left, bottom, right) for conv2d/pool2d per README."""
    padding = layer.get("padding", "valid")
    if padding == "valid":
        return 0, 0, 0, 0
    if padding == "explicit":
        t, l, b, r = ints(layer.get("pads"))
        return t, l, b, r

    def same(n, k, s, d):
        out = -(-n // s)
        total = max((out - 1) * s + (k - 1) * d + 1 - n, 0)
        return total // 2, total - total // 2

    t, b = same(h, kh, sh, dh)
    l, r = same(w, kw, sw, dw)
    return t, l, b, r


def conv2d(x, layer, p):
    n, h, w, c = x.shape
    wt = p["weight"]
    f, kh, kw, cg = wt.shape
    assert [kh, kw] == ints(layer.get("kernel"))
    assert f == int(layer.get("filters"))
    g = int(layer.get("groups", "1"))
    assert c % g == 0 and f % g == 0 and cg == c // g
    sh, sw = ints(layer.get("strides", "1 1"))
    dh, dw = ints(layer.get("dilations", "1 1"))
    t, l, b, r = pads_2d(layer, h, w, kh, kw, sh, sw, dh, dw)
    xp = np.pad(x, ((0, 0), (t, b), (l, r), (0, 0)))
    oh = (h + t + b - ((kh - 1) * dh + 1)) // sh + 1
    ow = (w + l + r - ((kw - 1) * dw + 1)) // sw + 1
    y = np.zeros((n, oh, ow, f))
    fg = f // g
    for gi in range(g):
        xs = xp[..., gi * cg:(gi + 1) * cg]
        ws = wt[gi * fg:(gi + 1) * fg]
        for i in range(kh):
            for j in range(kw):
                win = xs[:, i * dh:i * dh + (oh - 1) * sh + 1:sh,
                         j * dw:j * dw + (ow - 1) * sw + 1:sw, :]      # [n, oh, ow, cg]
                y[..., gi * fg:(gi + 1) * fg] += np.einsum("nhwc,fc->nhwf", win, ws[:, i, j, :])
    if "bias" in p:
        y += p["bias"]
    return activation(y, layer)


def max_pool2d(x, layer):
    n, h, w, c = x.shape
    kh, kw = ints(layer.get("kernel"))
    sh, sw = ints(layer.get("strides"))
    t, l, b, r = pads_2d(layer, h, w, kh, kw, sh, sw, 1, 1)
    xp = np.pad(x, ((0, 0), (t, b), (l, r), (0, 0)), constant_values=-np.inf)  # padded cells ignored
    oh = (h + t + b - kh) // sh + 1
    ow = (w + l + r - kw) // sw + 1
    y = np.full((n, oh, ow, c), -np.inf)
    for i in range(kh):
        for j in range(kw):
            y = np.maximum(y, xp[:, i:i + (oh - 1) * sh + 1:sh, j:j + (ow - 1) * sw + 1:sw, :])
    return y


def batch_norm(x, layer, p):
    eps = float(layer.get("epsilon", "1e-5"))
    return (x - p["mean"]) / np.sqrt(p["var"] + eps) * p["scale"] + p["bias"]


def dense(x, layer, p):
    wt = p["weight"]
    assert wt.shape == (int(layer.get("units")), x.shape[-1]), (wt.shape, x.shape)
    y = x @ wt.T
    if "bias" in p:
        y += p["bias"]
    return activation(y, layer)


def run(model, x):
    """x: [N, *input_shape]. Returns the output tensor, batch first."""
    assert tuple(x.shape[1:]) == model.input_shape, (x.shape, model.input_shape)
    t = {model.input_name: x.astype(np.float64)}
    for k, v in model.constants.items():
        t[k] = v[None]
    pending = list(model.layers)
    while pending:                          # any order without cycles
        ready = [l for l in pending if all(i in t for i in l.get("inputs").split())]
        assert ready, "cycle or undefined input"
        for layer in ready:
            pending.remove(layer)
            op = layer.tag[len(NS):]
            ins = [t[i] for i in layer.get("inputs").split()]
            p = model.params(layer)
            a = ins[0]
            if op == "conv2d":
                y = conv2d(a, layer, p)
            elif op == "batch_norm":
                y = batch_norm(a, layer, p)
            elif op == "relu":
                y = np.maximum(a, 0.0)
            elif op == "max_pool2d":
                y = max_pool2d(a, layer)
            elif op == "flatten":
                y = a.reshape(a.shape[0], -1)   # row-major over NHWC
            elif op == "dense":
                y = dense(a, layer, p)
            else:
                raise NotImplementedError(f"operator {op} not needed by this checker")
            out = layer.get("output")
            assert out not in t, f"tensor {out} defined twice"
            t[out] = y
    return t[model.output_name]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "digits.xml")
    d = os.path.dirname(os.path.abspath(path))
    model = Model(path)
    val_x = np.load(os.path.join(d, "val_x.npy"))
    val_y = np.load(os.path.join(d, "val_y.npy"))
    ref = np.load(os.path.join(d, "val_logits_torch.npy"))
    calib_x = np.load(os.path.join(d, "calib_x.npy"))
    assert val_x.dtype == np.float32 and val_x.shape[1:] == (8, 8, 1), val_x.shape
    assert calib_x.dtype == np.float32 and calib_x.shape[1:] == (8, 8, 1), calib_x.shape
    assert val_y.dtype == np.int64 and val_y.shape == (len(val_x),), val_y.shape
    assert ref.dtype == np.float32 and ref.shape == (len(val_x), 10), ref.shape

    out = run(model, val_x)
    assert out.shape == ref.shape, (out.shape, ref.shape)
    err = float(np.max(np.abs(out - ref)))
    acc = float(np.mean(np.argmax(out, axis=1) == val_y))
    agree = int(np.sum(np.argmax(out, axis=1) == np.argmax(ref, axis=1)))
    print(f"{os.path.basename(path)}: {len(model.layers)} layers, weights {sorted(model.files)} sha256 ok")
    print(f"max |numpy - torch| over {ref.size} logits: {err:.3g} (tolerance {TOL})")
    print(f"top-1 agreement with torch: {agree}/{len(val_y)}; "
          f"validation accuracy (numpy): {acc * 100:.2f}%")
    assert err <= TOL, f"logits differ from PyTorch by {err} > {TOL}"
    print("OK")


if __name__ == "__main__":
    main()

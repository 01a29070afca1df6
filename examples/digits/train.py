#!/usr/bin/python3
"""Train the bundled `digits` example and export it for stoic.

    /usr/bin/python3 examples/digits/train.py

Needs PyTorch, scikit-learn and NumPy (Debian: python3-torch python3-sklearn
python3-numpy). No network: the data set (scikit-learn's `load_digits`, 1797
8x8 grey-scale images of hand-written digits, values 0..16) ships with
scikit-learn. Everything is deterministic (fixed seeds, deterministic
algorithms, one thread): running it twice writes byte-identical files.

Writes, next to this script:

    digits.xml            the stoic model description (namespace urn:stoic:model:1)
    digits.bin            all weights, little-endian float32, concatenated
    digits.onnx           the same PyTorch model, ONNX opset 13, NCHW input [1,1,8,8]
    val_x.npy             float32 [N,8,8,1]  validation images (NHWC), values in [0,1]
    val_x_nchw.npy        float32 [N,1,8,8]  the same, NCHW (the ONNX model's input order)
    val_y.npy             int64   [N]        validation labels
    val_logits_torch.npy  float32 [N,10]     PyTorch's logits for val_x (eval mode)
    calib_x.npy           float32 [M,8,8,1]  calibration images (for quantization)

Flatten order. stoic flattens NHWC row-major (index h*W*C + w*C + c); PyTorch
flattens NCHW (index c*H*W + h*W + w). The PyTorch model below is an ordinary
NCHW model (so digits.onnx is a plain NCHW graph); on export the columns of the
first dense layer's weight are permuted from NCHW order to NHWC order
(see `dense_weight_nchw_to_nhwc`). check_xml.py proves the result by running
the exported XML in NumPy and comparing with val_logits_torch.npy.
"""

import hashlib
import io
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

HERE = os.path.dirname(os.path.abspath(__file__))

SPLIT_SEED = 20240601   # data split (sklearn train_test_split, stratified)
TORCH_SEED = 1234       # weight initialisation and batch order
EPOCHS = 40
BATCH = 32
LR = 3e-3

MODEL_NAME = "digits"
BIN_NAME = "digits.bin"


def set_determinism():
    torch.manual_seed(TORCH_SEED)
    np.random.seed(TORCH_SEED)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    # set_num_interop_threads may only be called before any parallel work.
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass


def load_split():
    """Stratified split: ~60% train, ~15% calibration, 25% validation."""
    d = load_digits()
    x = (d.data.astype(np.float64) / 16.0).astype(np.float32)   # [1797, 64], values 0..1
    y = d.target.astype(np.int64)
    x = x.reshape(-1, 8, 8, 1)                                    # NHWC, C = 1
    idx = np.arange(len(y))
    idx_rest, idx_val = train_test_split(
        idx, test_size=0.25, random_state=SPLIT_SEED, stratify=y)
    # 15% of the whole set out of the remaining 75% = 0.2 of the rest.
    idx_train, idx_cal = train_test_split(
        idx_rest, test_size=0.20, random_state=SPLIT_SEED, stratify=y[idx_rest])
    return ((x[idx_train], y[idx_train]),
            (x[idx_cal], y[idx_cal]),
            (x[idx_val], y[idx_val]))


class DigitsCNN(nn.Module):
    """Plain NCHW PyTorch model; input [N, 1, 8, 8]."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1)    # 3x3, stride 1: "same"
        self.bn1 = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(8, 16, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(16)
        self.fc1 = nn.Linear(16 * 2 * 2, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2, 2)   # [N, 8, 4, 4]
        x = F.max_pool2d(F.relu(self.bn2(self.conv2(x))), 2, 2)   # [N, 16, 2, 2]
        x = torch.flatten(x, 1)                                   # NCHW order: c*4 + h*2 + w
        x = F.relu(self.fc1(x))
        return self.fc2(x)                                        # logits, no softmax


def nhwc_to_nchw(x):
    return torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))


def train(model, xtr, ytr):
    gen = torch.Generator().manual_seed(TORCH_SEED)
    xt = nhwc_to_nchw(xtr)
    yt = torch.from_numpy(ytr)
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=EPOCHS)
    n = len(yt)
    for epoch in range(EPOCHS):
        model.train()
        perm = torch.randperm(n, generator=gen)
        total = 0.0
        for i in range(0, n, BATCH):
            b = perm[i:i + BATCH]
            opt.zero_grad()
            loss = F.cross_entropy(model(xt[b]), yt[b])
            loss.backward()
            opt.step()
            total += float(loss) * len(b)
        sched.step()
        if (epoch + 1) % 10 == 0:
            print(f"epoch {epoch + 1:3d}  train loss {total / n:.4f}")


@torch.no_grad()
def logits_of(model, x_nhwc):
    model.eval()
    return model(nhwc_to_nchw(x_nhwc)).numpy().astype(np.float32)


# ---------------------------------------------------------------- export

def f32(t):
    """Tensor -> contiguous little-endian float32 NumPy array."""
    return np.ascontiguousarray(t.detach().cpu().numpy().astype("<f4"))


def conv_weight_to_stoic(w):
    """PyTorch [out, in, kh, kw] -> stoic [filters, kh, kw, C/groups]."""
    return f32(w.permute(0, 2, 3, 1))


def dense_weight_nchw_to_nhwc(w, c, h, wd):
    """First dense layer after flatten: PyTorch columns are in NCHW order
    (c*H*W + h*W + w); stoic's flatten is NHWC (h*W*C + w*C + c).
    Returns the [units, H*W*C] weight with columns in NHWC order."""
    units = w.shape[0]
    return f32(w.reshape(units, c, h, wd).permute(0, 2, 3, 1).reshape(units, h * wd * c))


class WeightFile:
    """Collects float32 blocks into one little-endian file."""

    def __init__(self):
        self.buf = io.BytesIO()
        self.entries = []          # (layer, param, shape, offset, count)

    def add(self, layer, pname, arr):
        arr = np.ascontiguousarray(arr, dtype="<f4")
        assert np.all(np.isfinite(arr)), (layer, pname)
        off = self.buf.tell()
        self.buf.write(arr.tobytes())
        self.entries.append((layer, pname, tuple(arr.shape), off, int(arr.size)))

    def bytes(self):
        return self.buf.getvalue()


def fmt_float(v):
    """Shortest decimal text of a Python float (e.g. 1e-05)."""
    return repr(float(v))


def export_xml(model, acc, n_train, n_cal, n_val):
    wf = WeightFile()
    m = model
    wf.add("conv1", "weight", conv_weight_to_stoic(m.conv1.weight))
    wf.add("conv1", "bias", f32(m.conv1.bias))
    for name, bn in (("bn1", m.bn1),):
        wf.add(name, "scale", f32(bn.weight))
        wf.add(name, "bias", f32(bn.bias))
        wf.add(name, "mean", f32(bn.running_mean))
        wf.add(name, "var", f32(bn.running_var))
    wf.add("conv2", "weight", conv_weight_to_stoic(m.conv2.weight))
    wf.add("conv2", "bias", f32(m.conv2.bias))
    for name, bn in (("bn2", m.bn2),):
        wf.add(name, "scale", f32(bn.weight))
        wf.add(name, "bias", f32(bn.bias))
        wf.add(name, "mean", f32(bn.running_mean))
        wf.add(name, "var", f32(bn.running_var))
    wf.add("fc1", "weight", dense_weight_nchw_to_nhwc(m.fc1.weight, 16, 2, 2))
    wf.add("fc1", "bias", f32(m.fc1.bias))
    wf.add("fc2", "weight", f32(m.fc2.weight))
    wf.add("fc2", "bias", f32(m.fc2.bias))

    blob = wf.bytes()
    sha = hashlib.sha256(blob).hexdigest()

    def params(layer, indent):
        out = []
        for (lname, pname, shape, off, cnt) in wf.entries:
            if lname != layer:
                continue
            out.append(
                f'{indent}<param name="{pname}" shape="{" ".join(map(str, shape))}" '
                f'src="{BIN_NAME}" offset="{off}" count="{cnt}"\n'
                f'{indent}       sha256="{sha}"/>')
        return "\n".join(out)

    eps1 = fmt_float(m.bn1.eps)
    eps2 = fmt_float(m.bn2.eps)
    P = "      "   # indentation of <param> inside a layer
    desc = (
        "Hand-written digit classifier, the stoic bundled example.\n"
        "    Data: scikit-learn load_digits() (1797 8x8 grey-scale images, values 0..16,\n"
        "    scaled to [0,1] by /16), input NHWC [8 8 1]; output: 10 logits (no softmax).\n"
        f"    Split (stratified, sklearn train_test_split, random_state={SPLIT_SEED}):\n"
        f"    train {n_train}, calibration {n_cal}, validation {n_val}.\n"
        f"    Trained with PyTorch {torch.__version__} by examples/digits/train.py: Adam lr {LR},\n"
        f"    cosine schedule, {EPOCHS} epochs, batch {BATCH}, seed {TORCH_SEED}.\n"
        f"    PyTorch float32 validation accuracy: {acc * 100:.2f}% ({round(acc * n_val)}/{n_val}).\n"
        "    Flatten: the columns of fc1's weight were permuted from PyTorch's NCHW\n"
        "    flatten order to stoic's NHWC order on export.\n"
        "  ")
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<model xmlns="urn:stoic:model:1" name="{MODEL_NAME}" version="1">
  <description>
    {desc}</description>
  <input name="x" shape="8 8 1" dtype="float32"/>
  <layers>
    <conv2d name="conv1" inputs="x" output="conv1_out" filters="8" kernel="3 3"
            strides="1 1" padding="same">
{params("conv1", P)}
    </conv2d>
    <batch_norm name="bn1" inputs="conv1_out" output="bn1_out" epsilon="{eps1}">
{params("bn1", P)}
    </batch_norm>
    <relu name="relu1" inputs="bn1_out" output="relu1_out"/>
    <max_pool2d name="pool1" inputs="relu1_out" output="pool1_out"
                kernel="2 2" strides="2 2"/>
    <conv2d name="conv2" inputs="pool1_out" output="conv2_out" filters="16" kernel="3 3"
            strides="1 1" padding="same">
{params("conv2", P)}
    </conv2d>
    <batch_norm name="bn2" inputs="conv2_out" output="bn2_out" epsilon="{eps2}">
{params("bn2", P)}
    </batch_norm>
    <relu name="relu2" inputs="bn2_out" output="relu2_out"/>
    <max_pool2d name="pool2" inputs="relu2_out" output="pool2_out"
                kernel="2 2" strides="2 2"/>
    <flatten name="flatten" inputs="pool2_out" output="flat"/>
    <dense name="fc1" inputs="flat" output="fc1_out" units="32" activation="relu">
{params("fc1", P)}
    </dense>
    <dense name="fc2" inputs="fc1_out" output="logits" units="10">
{params("fc2", P)}
    </dense>
  </layers>
  <output name="logits"/>
</model>
"""
    return xml, blob


def write_bytes(path, data):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def save_npy(name, arr):
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=False)
    write_bytes(os.path.join(HERE, name), buf.getvalue())


def export_onnx(model):
    path = os.path.join(HERE, "digits.onnx")
    model.eval()
    try:
        buf = io.BytesIO()
        torch.onnx.export(
            model, torch.zeros(1, 1, 8, 8), buf,
            opset_version=13, input_names=["x"], output_names=["logits"],
            # PRESERVE on a model in eval mode: inference-form BatchNormalization
            # nodes are kept (EVAL would fold them into the Conv weights), so the
            # ONNX graph matches the PyTorch module one to one. Nothing else in
            # this graph is foldable, hence no constant folding.
            training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=False)
    except Exception as e:   # noqa: BLE001 - report and go on
        print(f"torch.onnx.export failed, digits.onnx not written: {e!r}", file=sys.stderr)
        return False
    write_bytes(path, buf.getvalue())
    return True


def main():
    set_determinism()
    (xtr, ytr), (xcal, ycal), (xval, yval) = load_split()
    print(f"split: train {len(ytr)}, calibration {len(ycal)}, validation {len(yval)}")

    model = DigitsCNN()
    train(model, xtr, ytr)

    val_logits = logits_of(model, xval)
    acc = float(np.mean(np.argmax(val_logits, axis=1) == yval))
    train_acc = float(np.mean(np.argmax(logits_of(model, xtr), axis=1) == ytr))
    print(f"train accuracy {train_acc * 100:.2f}%")

    xml, blob = export_xml(model, acc, len(ytr), len(ycal), len(yval))
    write_bytes(os.path.join(HERE, BIN_NAME), blob)
    write_bytes(os.path.join(HERE, "digits.xml"), xml.encode("utf-8"))
    save_npy("val_x.npy", np.ascontiguousarray(xval, dtype="<f4"))
    # the same images in the ONNX model's NCHW order, for `stoic import` users
    save_npy("val_x_nchw.npy", np.ascontiguousarray(xval.transpose(0, 3, 1, 2), dtype="<f4"))
    save_npy("val_y.npy", np.ascontiguousarray(yval, dtype="<i8"))
    save_npy("calib_x.npy", np.ascontiguousarray(xcal, dtype="<f4"))
    save_npy("val_logits_torch.npy", np.ascontiguousarray(val_logits, dtype="<f4"))
    onnx_ok = export_onnx(model)

    print(f"wrote digits.xml, digits.bin ({len(blob)} bytes, sha256 "
          f"{hashlib.sha256(blob).hexdigest()}), val_*.npy, calib_x.npy"
          + (", digits.onnx" if onnx_ok else " (no digits.onnx)"))
    print(f"validation accuracy (PyTorch float32): {acc * 100:.2f}% "
          f"({int(round(acc * len(yval)))}/{len(yval)})")


if __name__ == "__main__":
    main()

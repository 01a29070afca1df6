#!/usr/bin/python3
"""Train the `dsconv` example (depthwise-separable CNN) and export it to ONNX.

    /usr/bin/python3 examples/dsconv/train.py

A test model for `stoic import`: a real PyTorch model, trained on real data,
exported by PyTorch's own ONNX exporter, with PyTorch's outputs on the
validation images as the oracle. Tests need no Python: everything below is
committed.

Needs PyTorch, scikit-learn, NumPy and (for the op-list check only) onnx
(Debian: python3-torch python3-sklearn python3-numpy python3-onnx). No
network: the data set (scikit-learn's `load_digits`, 1797 8x8 grey-scale
images of hand-written digits, values 0..16, scaled to [0, 1] by /16) ships
with scikit-learn. Deterministic (fixed seeds, deterministic algorithms, one
thread): running it twice writes byte-identical files.

Writes, next to this script:

    dsconv.onnx           opset 13, TrainingMode.EVAL + constant folding:
                          BatchNorm folded into the Conv weights by the exporter
    dsconv_bn.onnx        opset 13, TrainingMode.PRESERVE on the eval-mode model:
                          BatchNormalization nodes kept
    dsconv_zeropad.onnx   as dsconv.onnx, exported from the nn.ZeroPad2d
                          formulation of the same model (see zero_pad_avg_pool):
                          PyTorch's in-graph computation of the pads is kept
    val_x.npy             float32 [N,1,8,8]  validation images (NCHW), values in [0,1]
    val_y.npy             int64   [N]        validation labels
    val_logits_torch.npy  float32 [N,10]     PyTorch's eval-mode logits for val_x
    calib_x.npy           float32 [M,1,8,8]  calibration images (NCHW)

All three ONNX files take input "input" [N,1,8,8] (N symbolic) and give output
"logits" [N,10]. check_onnx.py re-runs all three files in NumPy and compares with
val_logits_torch.npy.
"""

import io
import os
import sys
import warnings

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

HERE = os.path.dirname(os.path.abspath(__file__))

SPLIT_SEED = 20240601   # data split (sklearn train_test_split, stratified); as examples/digits
TORCH_SEED = 1234       # weight initialisation and batch order
EPOCHS = 60
BATCH = 32
LR = 5e-3
WEIGHT_DECAY = 1e-4
OPSET = 13

# Op types each exported file must contain (checked after export).
REQUIRED_OPS = {"Conv", "Relu", "Clip", "MaxPool", "Pad", "AveragePool",
                "GlobalAveragePool", "Flatten", "Gemm"}


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
    """Stratified split: ~60% train, ~15% calibration, 25% validation.

    The same split as examples/digits/train.py (same seed, same calls), so the
    validation images are the same 450 images, here in NCHW layout."""
    d = load_digits()
    x = (d.data.astype(np.float64) / 16.0).astype(np.float32)   # [1797, 64], values 0..1
    y = d.target.astype(np.int64)
    x = x.reshape(-1, 1, 8, 8)                                    # NCHW, C = 1
    idx = np.arange(len(y))
    idx_rest, idx_val = train_test_split(
        idx, test_size=0.25, random_state=SPLIT_SEED, stratify=y)
    # 15% of the whole set out of the remaining 75% = 0.2 of the rest.
    idx_train, idx_cal = train_test_split(
        idx_rest, test_size=0.20, random_state=SPLIT_SEED, stratify=y[idx_rest])
    return ((x[idx_train], y[idx_train]),
            (x[idx_cal], y[idx_cal]),
            (x[idx_val], y[idx_val]))


def zero_pad_avg_pool(zeropad):
    """Zero-pad H and W by 1 on each side ([4,4] -> [6,6]), then 2x2 average
    pooling with stride 2 ([6,6] -> [3,3]), the padded zeros counted in the
    average. Two formulations of the same function, without parameters:

    zeropad=False  nn.AvgPool2d(2, stride=2, padding=1) (count_include_pad=True,
                   the default). PyTorch 1.13 exports it as
                   Pad(pads = constant [0,0,1,1, 0,0,1,1]) -> AveragePool(pads 0).
    zeropad=True   nn.ZeroPad2d((1,1,1,1)) -> nn.AvgPool2d(2, stride=2).
                   PyTorch 1.13 (opset >= 11) computes ZeroPad2d's ONNX `pads`
                   in the graph (ConstantOfShape, Concat, Reshape, Slice with
                   step -1, Transpose, Cast: the exporter cannot fold a Slice
                   with step -1), then Pad, then AvgPool2d's own all-zero Pad,
                   then AveragePool.
    """
    if zeropad:
        return [nn.ZeroPad2d((1, 1, 1, 1)), nn.AvgPool2d(2, stride=2)]
    return [nn.AvgPool2d(2, stride=2, padding=1)]


class DSConvNet(nn.Module):
    """Plain NCHW PyTorch model; input [N, 1, 8, 8], output 10 logits."""

    def __init__(self, zeropad=False):
        super().__init__()
        self.features = nn.Sequential(
            # stem                                                   [N, 8, 8, 8]
            nn.Conv2d(1, 8, 3, padding=1),
            nn.BatchNorm2d(8),
            nn.ReLU(),
            # depthwise-separable block 1
            nn.Conv2d(8, 8, 3, padding=1, groups=8),    # depthwise  [N, 8, 8, 8]
            nn.BatchNorm2d(8),
            nn.ReLU6(),                                 # exports as Clip(0, 6)
            nn.Conv2d(8, 16, 1),                        # pointwise  [N, 16, 8, 8]
            nn.BatchNorm2d(16),
            nn.ReLU(),
            nn.MaxPool2d(2),                            #            [N, 16, 4, 4]
            # no parameters; the same index in both formulations, so the
            # state_dict keys are the same
            nn.Sequential(*zero_pad_avg_pool(zeropad)),  # Pad + AveragePool [N, 16, 3, 3]
            # depthwise-separable block 2
            nn.Conv2d(16, 16, 3, padding=1, groups=16),  # depthwise [N, 16, 3, 3]
            nn.BatchNorm2d(16),
            nn.ReLU(),
            nn.Conv2d(16, 24, 1),                       # pointwise  [N, 24, 3, 3]
            nn.BatchNorm2d(24),
            nn.ReLU(),
            nn.AdaptiveAvgPool2d(1),                    # GlobalAveragePool [N, 24, 1, 1]
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),                               # [N, 24]
            nn.Linear(24, 32),                          # Gemm
            nn.ReLU(),
            nn.Dropout(0.1),                            # identity in eval; not exported
            nn.Linear(32, 10),                          # Gemm -> logits, no softmax
        )

    def forward(self, x):
        return self.classifier(self.features(x))


def train(model, xtr, ytr):
    gen = torch.Generator().manual_seed(TORCH_SEED)
    xt = torch.from_numpy(xtr)
    yt = torch.from_numpy(ytr)
    opt = torch.optim.Adam(model.parameters(), lr=LR, weight_decay=WEIGHT_DECAY)
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
def logits_of(model, x_nchw):
    model.eval()
    return model(torch.from_numpy(x_nchw)).numpy().astype(np.float32)


def write_bytes(path, data):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def save_npy(name, arr):
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=False)
    write_bytes(os.path.join(HERE, name), buf.getvalue())


# Two known, harmless exporter warnings of PyTorch 1.13, silenced to keep the
# log readable:
# - PRESERVE with constant folding: the warning is about a model in *training*
#   mode (folding could change learnable parameters); ours is in eval mode, and
#   check_onnx.py verifies the exported numbers.
# - "Only steps=1 can be constant folded ... Slice": ZeroPad2d's pads subgraph
#   (dsconv_zeropad.onnx) stays in the graph; that is what that file is for.
warnings.filterwarnings("ignore", message=r"It is recommended that constant folding be turned off")
warnings.filterwarnings("ignore", message=r"Constant folding - Only steps=1 can be constant folded")


def export_onnx(model, name, training_mode):
    """Export the eval-mode model; returns the serialized bytes or None."""
    model.eval()
    buf = io.BytesIO()
    try:
        torch.onnx.export(
            model, torch.zeros(1, 1, 8, 8), buf,
            opset_version=OPSET,
            input_names=["input"], output_names=["logits"],
            dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}},
            do_constant_folding=True,
            training=training_mode)
    except Exception as e:   # noqa: BLE001 - report and go on
        print(f"torch.onnx.export failed, {name} not written: {e!r}", file=sys.stderr)
        return None
    model.eval()   # the exporter restores the mode; make sure anyway
    data = buf.getvalue()
    write_bytes(os.path.join(HERE, name), data)
    return data


def describe_onnx(name, data, bn_kept):
    """Print the op list, opset and IR version; check the required ops, and
    that BatchNormalization is kept (bn_kept) or folded away (not bn_kept)."""
    try:
        import onnx
    except ImportError:
        print(f"{name}: onnx package not installed; op list not checked")
        return True
    m = onnx.load_from_string(data)
    onnx.checker.check_model(m)
    ops = [n.op_type for n in m.graph.node]
    opsets = {o.domain or "ai.onnx": o.version for o in m.opset_import}
    print(f"{name}: {len(data)} bytes, IR version {m.ir_version}, opset {opsets}, "
          f"producer {m.producer_name} {m.producer_version}")
    print(f"  nodes ({len(ops)}): {' '.join(ops)}")
    groups = [next((a.i for a in n.attribute if a.name == "group"), 1)
              for n in m.graph.node if n.op_type == "Conv"]
    print(f"  Conv group attributes: {groups}")
    missing = REQUIRED_OPS - set(ops)
    if missing:
        print(f"  MISSING op types: {sorted(missing)}", file=sys.stderr)
        return False
    if ("BatchNormalization" in ops) != bn_kept:
        print(f"  BatchNormalization {'missing' if bn_kept else 'not folded'}", file=sys.stderr)
        return False
    return True


def main():
    set_determinism()
    (xtr, ytr), (xcal, ycal), (xval, yval) = load_split()
    print(f"split: train {len(ytr)}, calibration {len(ycal)}, validation {len(yval)}")

    model = DSConvNet()
    print(f"parameters: {sum(p.numel() for p in model.parameters())}")
    train(model, xtr, ytr)
    model.eval()

    val_logits = logits_of(model, xval)
    acc = float(np.mean(np.argmax(val_logits, axis=1) == yval))
    train_acc = float(np.mean(np.argmax(logits_of(model, xtr), axis=1) == ytr))
    print(f"train accuracy {train_acc * 100:.2f}%")

    save_npy("val_x.npy", np.ascontiguousarray(xval, dtype="<f4"))
    save_npy("val_y.npy", np.ascontiguousarray(yval, dtype="<i8"))
    save_npy("calib_x.npy", np.ascontiguousarray(xcal, dtype="<f4"))
    save_npy("val_logits_torch.npy", np.ascontiguousarray(val_logits, dtype="<f4"))

    # The same trained weights in the ZeroPad2d formulation (no parameters in
    # the pad/pool, so the state_dict is the same): it computes the same logits.
    model_zp = DSConvNet(zeropad=True)
    model_zp.load_state_dict(model.state_dict())
    model_zp.eval()
    zp_logits = logits_of(model_zp, xval)
    zp_diff = float(np.max(np.abs(zp_logits - val_logits)))
    print(f"ZeroPad2d formulation: max |logit difference| {zp_diff:.3g}")
    assert zp_diff <= 1e-6, zp_diff

    ok = True
    exports = (   # file, module, training mode, BatchNormalization kept
        ("dsconv.onnx", model, torch.onnx.TrainingMode.EVAL, False),
        ("dsconv_bn.onnx", model, torch.onnx.TrainingMode.PRESERVE, True),
        ("dsconv_zeropad.onnx", model_zp, torch.onnx.TrainingMode.EVAL, False),
    )
    for name, m, mode, bn_kept in exports:
        data = export_onnx(m, name, mode)
        ok = data is not None and describe_onnx(name, data, bn_kept) and ok
    # Exporting must not have changed the model.
    assert np.array_equal(logits_of(model, xval), val_logits)

    print(f"validation accuracy (PyTorch float32): {acc * 100:.2f}% "
          f"({int(round(acc * len(yval)))}/{len(yval)})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""Train the `mlp` example (a LeNet-300-100-shaped MLP) and export it for stoic.

    /usr/bin/python3 examples/mlp/train.py        # from the repository root, after `make`

Needs PyTorch, scikit-learn, NumPy and onnx (Debian: python3-torch
python3-sklearn python3-numpy python3-onnx). No network: the data set
(scikit-learn's `load_digits`, 1797 8x8 grey-scale images of hand-written
digits, values 0..16) ships with scikit-learn. Deterministic (fixed seeds,
deterministic algorithms, one thread): running it twice writes byte-identical
files.

Model: Linear(64,300) -> ReLU -> Linear(300,100) -> ReLU -> Linear(100,10),
logits out, 50 610 parameters
(64*300+300 + 300*100+100 + 100*10+10). Input: the 64 pixels of an image, row-major
(index h*8 + w), scaled to [0, 1] by /16 as in examples/digits.

Splits (stratified, sklearn train_test_split, random_state SPLIT_SEED):
    test   450  held back: final accuracy only
    val    270  for compression budget search
    train 1077  the rest; the model is trained on all of it
    calib  270  a stratified subset OF train (representative inputs for
                quantization calibration; not disjoint from train)

Writes, next to this script:

    mlp.onnx               ONNX opset 13, input `x` float32 [1 64], output `logits` [1 10]
    mlp.xml, mlp.bin       `bin/stoic import mlp.onnx -o mlp.xml` (run by this script
                           when bin/stoic exists; otherwise the command is printed)
    calib_x.npy            float32 [270 64]
    val_x.npy, val_y.npy   float32 [270 64], int64 [270]
    test_x.npy, test_y.npy float32 [450 64], int64 [450]
    val_logits_torch.npy   float32 [270 10]  PyTorch's eval-mode logits for val_x
    test_logits_torch.npy  float32 [450 10]  PyTorch's eval-mode logits for test_x
"""

import io
import os
import subprocess
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

SPLIT_SEED = 20240601   # data split (same seed as examples/digits; different split sizes)
TORCH_SEED = 1234       # weight initialisation and batch order
N_TEST = 450
N_VAL = 270
N_CALIB = 270
EPOCHS = 200
BATCH = 64
LR = 1e-3
WEIGHT_DECAY = 0.0

ONNX_NAME = "mlp.onnx"
XML_NAME = "mlp.xml"


def set_determinism():
    torch.manual_seed(TORCH_SEED)
    np.random.seed(TORCH_SEED)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass


def load_split():
    d = load_digits()
    x = (d.data.astype(np.float64) / 16.0).astype(np.float32)   # [1797, 64], values 0..1
    y = d.target.astype(np.int64)
    idx = np.arange(len(y))
    idx_rest, idx_test = train_test_split(
        idx, test_size=N_TEST, random_state=SPLIT_SEED, stratify=y)
    idx_train, idx_val = train_test_split(
        idx_rest, test_size=N_VAL, random_state=SPLIT_SEED, stratify=y[idx_rest])
    # calibration rows: a stratified subset of the training rows
    _, idx_cal = train_test_split(
        idx_train, test_size=N_CALIB, random_state=SPLIT_SEED, stratify=y[idx_train])
    assert not set(idx_test) & set(idx_rest)
    assert not set(idx_val) & set(idx_train)
    assert set(idx_cal) <= set(idx_train)
    return x, y, idx_train, idx_cal, idx_val, idx_test


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(64, 300)
        self.fc2 = nn.Linear(300, 100)
        self.fc3 = nn.Linear(100, 10)

    def forward(self, x):
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)      # logits, no softmax


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
        if (epoch + 1) % 50 == 0:
            print(f"epoch {epoch + 1:3d}  train loss {total / n:.5f}")


@torch.no_grad()
def logits_of(model, x):
    model.eval()
    return model(torch.from_numpy(x)).numpy().astype(np.float32)


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
    model.eval()
    buf = io.BytesIO()
    torch.onnx.export(
        model, torch.zeros(1, 64), buf,
        opset_version=13, input_names=["x"], output_names=["logits"],
        training=torch.onnx.TrainingMode.EVAL, do_constant_folding=True)
    write_bytes(os.path.join(HERE, ONNX_NAME), buf.getvalue())
    import onnx   # noqa: E402 - only for the check
    m = onnx.load_from_string(buf.getvalue())
    onnx.checker.check_model(m)
    ops = [n.op_type for n in m.graph.node]
    print("mlp.onnx ops:", " ".join(ops))
    if ops != ["Gemm", "Relu", "Gemm", "Relu", "Gemm"]:
        sys.exit("unexpected ONNX graph")


def stoic_import():
    stoic = os.path.join(ROOT, "bin", "stoic")
    # relative paths from the repository root: the importer records the ONNX
    # path in mlp.xml's <description>, which must not depend on the checkout
    rel = os.path.relpath(HERE, ROOT)
    cmd = ["bin/stoic", "import", os.path.join(rel, ONNX_NAME), "-o", os.path.join(rel, XML_NAME)]
    if not os.access(stoic, os.X_OK):
        print("bin/stoic not built; run `make`, then:\n  bin/stoic import "
              f"examples/mlp/{ONNX_NAME} -o examples/mlp/{XML_NAME}", file=sys.stderr)
        return
    subprocess.run(cmd, check=True, cwd=ROOT)
    print("wrote mlp.xml, mlp.bin (stoic import)")


def acc(logits, y):
    return float(np.mean(np.argmax(logits, axis=1) == y))


def main():
    set_determinism()
    x, y, itr, ical, ival, itest = load_split()
    print(f"split: train {len(itr)} (calib {len(ical)} of them), val {len(ival)}, test {len(itest)}")

    model = MLP()
    print("parameters:", sum(p.numel() for p in model.parameters()))
    train(model, x[itr], y[itr])

    val_logits = logits_of(model, x[ival])
    test_logits = logits_of(model, x[itest])
    print(f"float32 accuracy: train {acc(logits_of(model, x[itr]), y[itr]) * 100:.2f}%  "
          f"val {acc(val_logits, y[ival]) * 100:.2f}%  test {acc(test_logits, y[itest]) * 100:.2f}%")

    f4 = lambda a: np.ascontiguousarray(a, dtype="<f4")    # noqa: E731
    i8 = lambda a: np.ascontiguousarray(a, dtype="<i8")    # noqa: E731
    save_npy("calib_x.npy", f4(x[ical]))
    save_npy("val_x.npy", f4(x[ival]))
    save_npy("val_y.npy", i8(y[ival]))
    save_npy("test_x.npy", f4(x[itest]))
    save_npy("test_y.npy", i8(y[itest]))
    save_npy("val_logits_torch.npy", f4(val_logits))
    save_npy("test_logits_torch.npy", f4(test_logits))
    export_onnx(model)
    stoic_import()


if __name__ == "__main__":
    main()

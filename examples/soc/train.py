#!/usr/bin/python3
"""Train the `soc` example's two recurrent SOC estimators and export them to ONNX.

    /usr/bin/python3 examples/soc/simulate.py   # first: writes calib/val/test windows
    /usr/bin/python3 examples/soc/train.py

Needs PyTorch, NumPy and onnx (Debian: python3-torch python3-numpy
python3-onnx). No network. Deterministic (fixed seeds, deterministic
algorithms, one thread): running it twice writes byte-identical files.

Models (input x: float32 [N, 50, 3] normalised [current, voltage,
temperature], see norm.json; output: SOC at the last step, [N, 1]):

    SocGRU:  nn.GRU(3, H, batch_first=True)  -> out[:, -1, :] -> nn.Linear(H, 1)
    SocLSTM: nn.LSTM(3, H, batch_first=True) -> out[:, -1, :] -> nn.Linear(H, 1)

Training data: the training cycles of simulate.py (regenerated here from
their seeds, never written); every epoch draws WINDOWS_PER_EPOCH fresh
windows uniformly over them with a seeded generator. Adam, one-cycle
learning-rate schedule, MSE loss; the last epoch's weights are kept (the
validation split is only reported, not used for model selection).

Writes, next to this script:

    soc_gru_13.onnx, soc_gru_17.onnx     opset 13 / 17, input `x` [1 50 3], output `soc` [1 1]
    soc_lstm_13.onnx, soc_lstm_17.onnx
    val_soc_torch_gru.npy,  test_soc_torch_gru.npy    float32 [N 1] PyTorch outputs
    val_soc_torch_lstm.npy, test_soc_torch_lstm.npy
    metrics.json                         float RMSE and max abs error, val and test
"""

import io
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True    # no __pycache__ next to the committed files
import simulate  # noqa: E402

TORCH_SEED = 1234             # weight initialisation
WINDOW_SEED = 4321            # training-window draws
HIDDEN = 20
EPOCHS = 12
WINDOWS_PER_EPOCH = 32768
BATCH = 256
MAX_LR = 5e-3
OPSETS = (13, 17)
WINDOW = simulate.WINDOW


class SocGRU(nn.Module):
    def __init__(self, hidden=HIDDEN):
        super().__init__()
        self.rnn = nn.GRU(3, hidden, batch_first=True)
        self.fc = nn.Linear(hidden, 1)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.fc(out[:, -1, :])


class SocLSTM(nn.Module):
    def __init__(self, hidden=HIDDEN):
        super().__init__()
        self.rnn = nn.LSTM(3, hidden, batch_first=True)
        self.fc = nn.Linear(hidden, 1)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.fc(out[:, -1, :])


def set_determinism():
    torch.manual_seed(TORCH_SEED)
    np.random.seed(TORCH_SEED)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass


def draw_windows(series, rng, n):
    """n random windows (x [n, WINDOW, 3] float32, y [n, 1] float32) from the
    training cycles, cycles weighted by their number of windows."""
    lens = np.array([len(s) - WINDOW + 1 for s, _ in series])
    offs = np.concatenate([[0], np.cumsum(lens)])
    g = rng.integers(0, offs[-1], n)
    ci = np.searchsorted(offs, g, side="right") - 1
    st = g - offs[ci]
    x = np.stack([series[c][0][a:a + WINDOW] for c, a in zip(ci, st)])
    y = np.array([series[c][1][a + WINDOW - 1] for c, a in zip(ci, st)], dtype=np.float32)[:, None]
    return torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32)), torch.from_numpy(y)


@torch.no_grad()
def predict(model, x):
    model.eval()
    return model(torch.from_numpy(x)).numpy().astype(np.float32)


def errors(pred, y):
    e = pred.astype(np.float64) - y.astype(np.float64)
    return {"rmse": float(np.sqrt(np.mean(e ** 2))), "max_abs": float(np.max(np.abs(e))),
            "mean": float(np.mean(e))}


def train(model, series, xv, yv):
    rng = np.random.default_rng(WINDOW_SEED)
    steps = EPOCHS * (WINDOWS_PER_EPOCH // BATCH)
    opt = torch.optim.Adam(model.parameters(), lr=MAX_LR)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=MAX_LR, total_steps=steps)
    lossf = nn.MSELoss()
    t0 = time.time()
    for epoch in range(EPOCHS):
        x, y = draw_windows(series, rng, WINDOWS_PER_EPOCH)
        model.train()
        total = 0.0
        for i in range(0, WINDOWS_PER_EPOCH, BATCH):
            opt.zero_grad()
            loss = lossf(model(x[i:i + BATCH]), y[i:i + BATCH])
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss) * BATCH
        ev = errors(predict(model, xv), yv)
        print(f"  epoch {epoch + 1:2d}  train RMSE {np.sqrt(total / WINDOWS_PER_EPOCH):.4f}  "
              f"val RMSE {ev['rmse']:.4f}  ({time.time() - t0:.0f} s)", flush=True)


def write_bytes(name, data):
    path = os.path.join(HERE, name)
    with open(path + ".tmp", "wb") as f:
        f.write(data)
    os.replace(path + ".tmp", path)


def save_npy(name, arr):
    buf = io.BytesIO()
    np.save(buf, np.ascontiguousarray(arr, dtype="<f4"), allow_pickle=False)
    write_bytes(name, buf.getvalue())


def load_npy(name):
    return np.load(os.path.join(HERE, name))


def export(model, tag):
    import onnx   # only for the check
    model.eval()
    for opset in OPSETS:
        buf = io.BytesIO()
        torch.onnx.export(
            model, torch.zeros(1, WINDOW, 3), buf,
            opset_version=opset, input_names=["x"], output_names=["soc"],
            training=torch.onnx.TrainingMode.EVAL, do_constant_folding=True)
        name = f"soc_{tag}_{opset}.onnx"
        write_bytes(name, buf.getvalue())
        m = onnx.load_from_string(buf.getvalue())
        onnx.checker.check_model(m, full_check=True)
        ops = [n.op_type for n in m.graph.node]
        print(f"  {name}: {len(buf.getvalue())} bytes, onnx.checker ok, ops: {' '.join(ops)}")
        rnn = "GRU" if tag == "gru" else "LSTM"
        if ops.count(rnn) != 1:
            sys.exit(f"{name}: expected one {rnn} node")


def main():
    t_start = time.time()
    set_determinism()
    print("simulating the training cycles ...")
    series = simulate.train_series()
    n_steps = sum(len(s) for s, _ in series)
    print(f"  {len(series)} cycles, {n_steps} s of driving")
    xv, yv = load_npy("val_x.npy"), load_npy("val_y.npy")
    xt, yt = load_npy("test_x.npy"), load_npy("test_y.npy")

    metrics = {"window": WINDOW, "hidden": HIDDEN, "epochs": EPOCHS,
               "windows_per_epoch": WINDOWS_PER_EPOCH, "batch": BATCH,
               "training_cycles": len(series), "training_seconds_of_driving": n_steps,
               "models": {}}
    for tag, cls in (("gru", SocGRU), ("lstm", SocLSTM)):
        torch.manual_seed(TORCH_SEED)
        model = cls()
        n_par = sum(p.numel() for p in model.parameters())
        print(f"{cls.__name__}: {n_par} parameters")
        t0 = time.time()
        train(model, series, xv, yv)
        t_train = time.time() - t0
        pv, pt = predict(model, xv), predict(model, xt)
        save_npy(f"val_soc_torch_{tag}.npy", pv)
        save_npy(f"test_soc_torch_{tag}.npy", pt)
        ev, et = errors(pv, yv), errors(pt, yt)
        print(f"  {tag}: val RMSE {ev['rmse']:.4f} max {ev['max_abs']:.4f};  "
              f"test RMSE {et['rmse']:.4f} max {et['max_abs']:.4f}")
        metrics["models"][tag] = {"class": cls.__name__, "parameters": n_par,
                                  "val": ev, "test": et}
        export(model, tag)
        print(f"  training took {t_train:.0f} s")
    write_bytes("metrics.json", (json.dumps(metrics, indent=2, sort_keys=True) + "\n").encode())
    print(f"done in {time.time() - t_start:.0f} s")


if __name__ == "__main__":
    main()

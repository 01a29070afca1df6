#!/usr/bin/python3
"""A MobileNetV1 0.25 at 96x96 for the budget-search benchmark (make bench-search).

    /usr/bin/python3 bench/mobilenet/make.py OUTDIR

Writes OUTDIR/mobilenet.onnx (opset 13, input "input" [N,3,96,96], output
"logits" [N,1000]), OUTDIR/val_x.npy (200 rows), OUTDIR/calib_x.npy (64
rows) and OUTDIR/test_x.npy (200 rows the search never sees, drawn after
the others: the held-back MSE of make bench-search). The architecture is Howard et al. 2017 (MobileNets) at width 0.25:
a 3x3 stride-2 convolution, 13 depthwise-separable blocks (3x3 depthwise,
batch norm, ReLU6, 1x1, batch norm, ReLU6), global average pooling and a
1000-way classifier; 470 k parameters, about 7.6 M multiply-accumulates at
96x96. Not trained (a fixed seed): the benchmark measures the search's
time on a model of that size, with the mse metric (--metric mse), not
an accuracy. The inputs are smooth random images (a fixed seed). Needs
PyTorch and NumPy; deterministic.
"""
import os
import sys

import numpy as np
import torch
import torch.nn as nn


def block(cin, cout, stride):
    return [
        nn.Conv2d(cin, cin, 3, stride, 1, groups=cin, bias=False), nn.BatchNorm2d(cin), nn.ReLU6(),
        nn.Conv2d(cin, cout, 1, 1, 0, bias=False), nn.BatchNorm2d(cout), nn.ReLU6(),
    ]


def mobilenet(alpha=0.25, classes=1000):
    c = lambda n: int(n * alpha)
    cfg = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2)] + [(512, 1)] * 5 + \
          [(1024, 2), (1024, 1)]
    layers = [nn.Conv2d(3, c(32), 3, 2, 1, bias=False), nn.BatchNorm2d(c(32)), nn.ReLU6()]
    cin = c(32)
    for n, s in cfg:
        layers += block(cin, c(n), s)
        cin = c(n)
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cin, classes))


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(7)
    torch.set_num_threads(1)
    m = mobilenet()
    # batch norm statistics of a trained network's order of magnitude
    for mod in m.modules():
        if isinstance(mod, nn.BatchNorm2d):
            mod.running_mean.uniform_(-0.2, 0.2)
            mod.running_var.uniform_(0.5, 1.5)
            mod.weight.data.uniform_(0.5, 1.5)
            mod.bias.data.uniform_(-0.1, 0.3)
    m.eval()
    rng = np.random.default_rng(7)

    def images(n):
        # smooth images: random low-frequency patterns, values in [0, 1]
        base = rng.standard_normal((n, 3, 12, 12)).astype(np.float32)
        x = torch.nn.functional.interpolate(torch.from_numpy(base), size=(96, 96), mode="bilinear",
                                            align_corners=False)
        return torch.sigmoid(x).numpy().astype(np.float32)

    val = images(200)
    calib = images(64)
    test = images(200)
    np.save(os.path.join(out, "val_x.npy"), val)
    np.save(os.path.join(out, "calib_x.npy"), calib)
    np.save(os.path.join(out, "test_x.npy"), test)
    torch.onnx.export(m, torch.from_numpy(val[:1]), os.path.join(out, "mobilenet.onnx"),
                      opset_version=13, input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}},
                      do_constant_folding=True)
    params = sum(p.numel() for p in m.parameters())
    print("mobilenet: %d parameters" % params)


if __name__ == "__main__":
    main()

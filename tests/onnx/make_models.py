#!/usr/bin/python3
"""Writes tests/onnx/models/: the model set of issue 12, item 3 -- the
architectures small embedded and automotive models are made of, exported
by torch (random weights, batch normalisation with random statistics, batch
1) the way a user exports them, each with 4 input samples and torch's
outputs for them:

  kws_dscnn_13/17  MLPerf Tiny keyword spotting DS-CNN: 49x10x1 MFCC input,
                   a 10x4 stride-2 stem padded TF-"same" with nn.ZeroPad2d,
                   4 depthwise-separable blocks, average pool, 12 classes
  resnet8_13/17    MLPerf Tiny image classification ResNet-8: 32x32x3, three
                   residual stacks (16, 32, 64 filters; 1x1 stride-2
                   shortcuts), average pool, 10 classes
  anomaly_ae_13/17 MLPerf Tiny anomaly detection autoencoder: 640 ->
                   128 x4 -> 8 -> 128 x4 -> 640, Linear + BatchNorm1d + ReLU
  mbv1_025_13/17   MobileNetV1 0.25 at 96x96x3 (MLPerf Tiny visual wake
                   words), 13 depthwise-separable blocks, 2 classes
  keras_mlp_13/17  a Keras-style MLP (x @ kernel + bias: MatMul + Add)
  conv_ae_13/17    a convolutional autoencoder: 16x16x1, two stride-2 Conv,
                   ConvTranspose (stride 2, output_padding 1), nn.Upsample
                   (nearest, x2), Conv, Sigmoid

Every model is written at opsets 13 and 17 (anomaly_ae: 1.1 MB of weights
a file, mbv1: 0.9 MB). The other models of item 3
are in tests/bad/make_onnx.py (v3_block: MobileNetV3-style block; tcn:
dilated causal TCN; cnn1d_gap: 1-D CNN with AdaptiveAvgPool1d; mlp_torch).
tests/onnx/patterns.sh runs them all (make check-onnx-models for this set).
The outputs are committed; run this only to change them, with Debian's
/usr/bin/python3 (python3-torch, python3-onnx):

    /usr/bin/python3 tests/onnx/make_models.py
"""
import os

import numpy as np
import torch

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "models")
os.makedirs(HERE, exist_ok=True)
nn = torch.nn


def randomize_bn(model):
    """Batch normalisation with statistics and affine parameters that are
    not the identity (eval mode uses the running statistics)."""
    for m in model.modules():
        if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            c = m.num_features
            m.running_mean.copy_(torch.randn(c) * 0.1)
            m.running_var.copy_(torch.rand(c) * 0.5 + 0.75)
            m.weight.data.copy_(torch.rand(c) * 0.5 + 0.75)
            m.bias.data.copy_(torch.randn(c) * 0.1)


def export(name, model, shape, opsets):
    model.eval()
    with torch.no_grad():
        randomize_bn(model)
    x = torch.randn((1,) + shape)
    for opset in opsets:
        torch.onnx.export(model, x, os.path.join(HERE, "%s_%d.onnx" % (name, opset)),
                          opset_version=opset, input_names=["input"],
                          output_names=["output"], do_constant_folding=True)
    xs = torch.randn((4,) + shape)
    with torch.no_grad():
        ys = torch.cat([model(xs[i:i + 1]) for i in range(4)])
    for opset in opsets:
        base = os.path.join(HERE, "%s_%d" % (name, opset))
        np.save(base + ".in.npy", np.ascontiguousarray(xs.numpy(), dtype=np.float32))
        np.save(base + ".want.npy", np.ascontiguousarray(ys.numpy(), dtype=np.float32))


def conv_bn(cin, cout, k, stride=1, padding=0, groups=1):
    return [nn.Conv2d(cin, cout, k, stride=stride, padding=padding, groups=groups,
                      bias=False), nn.BatchNorm2d(cout), nn.ReLU()]


def ds_block(cin, cout, stride=1):
    return conv_bn(cin, cin, 3, stride, 1, groups=cin) + conv_bn(cin, cout, 1)


class KwsDsCnn(nn.Module):
    def __init__(self):
        super().__init__()
        # TF "same" for a 10x4 kernel, stride 2, on 49x10: pad rows 4 + 5,
        # columns 1 + 1 (torch's ZeroPad2d takes left, right, top, bottom)
        self.stem = nn.Sequential(nn.ZeroPad2d((1, 1, 4, 5)), *conv_bn(1, 64, (10, 4), 2))
        blocks = []
        for _ in range(4):
            blocks += ds_block(64, 64)
        self.blocks = nn.Sequential(*blocks)
        self.pool = nn.AvgPool2d((25, 5))
        self.fc = nn.Linear(64, 12)

    def forward(self, x):
        h = self.pool(self.blocks(self.stem(x)))
        return torch.softmax(self.fc(torch.flatten(h, 1)), 1)


class ResBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.c1 = nn.Conv2d(cin, cout, 3, stride, 1)
        self.b1 = nn.BatchNorm2d(cout)
        self.c2 = nn.Conv2d(cout, cout, 3, 1, 1)
        self.b2 = nn.BatchNorm2d(cout)
        self.short = nn.Conv2d(cin, cout, 1, stride) if stride != 1 else None

    def forward(self, x):
        h = torch.relu(self.b1(self.c1(x)))
        h = self.b2(self.c2(h))
        s = x if self.short is None else self.short(x)
        return torch.relu(h + s)


class ResNet8(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(*conv_bn(3, 16, 3, 1, 1))
        self.s1 = ResBlock(16, 16, 1)
        self.s2 = ResBlock(16, 32, 2)
        self.s3 = ResBlock(32, 64, 2)
        self.pool = nn.AvgPool2d(8)
        self.fc = nn.Linear(64, 10)

    def forward(self, x):
        h = self.pool(self.s3(self.s2(self.s1(self.stem(x)))))
        return torch.softmax(self.fc(torch.flatten(h, 1)), 1)


def anomaly_ae():
    sizes = [640, 128, 128, 128, 128, 8, 128, 128, 128, 128]
    layers = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(a, b), nn.BatchNorm1d(b), nn.ReLU()]
    layers.append(nn.Linear(128, 640))
    return nn.Sequential(*layers)


def mobilenet_v1(alpha=0.25, classes=2):
    def c(n):
        return int(n * alpha)
    cfg = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2)] + [(512, 1)] * 5 + \
          [(1024, 2), (1024, 1)]
    layers = conv_bn(3, c(32), 3, 2, 1)
    cin = c(32)
    for cout, stride in cfg:
        layers += ds_block(cin, c(cout), stride)
        cin = c(cout)
    layers += [nn.AvgPool2d(3), nn.Flatten(), nn.Linear(cin, classes), nn.Softmax(1)]
    return nn.Sequential(*layers)


class Dense(nn.Module):
    """Keras' Dense: y = x @ kernel + bias (kernel [in, out])."""

    def __init__(self, n_in, n_out):
        super().__init__()
        self.kernel = nn.Parameter(torch.randn(n_in, n_out) * (1.0 / n_in ** 0.5))
        self.bias = nn.Parameter(torch.randn(n_out) * 0.1)

    def forward(self, x):
        return torch.matmul(x, self.kernel) + self.bias


class ConvAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.e1 = nn.Conv2d(1, 8, 3, 2, 1)
        self.e2 = nn.Conv2d(8, 16, 3, 2, 1)
        self.d1 = nn.ConvTranspose2d(16, 8, 3, 2, 1, output_padding=1)
        self.up = nn.Upsample(scale_factor=2, mode="nearest")
        self.d2 = nn.Conv2d(8, 1, 3, 1, 1)

    def forward(self, x):
        h = torch.relu(self.e2(torch.relu(self.e1(x))))
        h = self.up(torch.relu(self.d1(h)))
        return torch.sigmoid(self.d2(h))


torch.manual_seed(2026)
export("kws_dscnn", KwsDsCnn(), (1, 49, 10), (13, 17))
export("resnet8", ResNet8(), (3, 32, 32), (13, 17))
export("anomaly_ae", anomaly_ae(), (640,), (13, 17))
export("mbv1_025", mobilenet_v1(), (3, 96, 96), (13, 17))
export("keras_mlp", nn.Sequential(Dense(32, 64), nn.ReLU(), Dense(64, 32), nn.Tanh(),
                                  Dense(32, 5), nn.Softmax(-1)), (32,), (13, 17))
export("conv_ae", ConvAE(), (1, 16, 16), (13, 17))

#!/usr/bin/python3
"""Small deterministic model descriptions for the fuzzers' seeds and fixed
models. Weights are a fixed pseudo-random sequence, base64 float32.

  python3 tests/fuzz/tools/mkmodel.py NAME > model.xml   (NAME: one of MODELS)
  python3 tests/fuzz/tools/mkmodel.py --header > tests/fuzz/fixed_models.h
"""
import base64, struct, sys

class Rng:
    def __init__(self, s): self.s = s
    def f(self):
        self.s = (self.s * 6364136223846793005 + 1442695040888963407) & (2**64 - 1)
        return ((self.s >> 33) / 2**31) * 1.0 - 0.5

def param(rng, name, shape, pos=False):
    n = 1
    for d in shape: n *= d
    vals = [abs(rng.f()) + 0.5 if pos else rng.f() for _ in range(n)]
    b = base64.b64encode(struct.pack('<%df' % n, *vals)).decode()
    return '      <param name="%s" shape="%s" encoding="base64">%s</param>\n' % (
        name, ' '.join(map(str, shape)), b)

def model(name, inp, shape, layers, out):
    s = '<?xml version="1.0" encoding="UTF-8"?>\n'
    s += '<model xmlns="urn:stoic:model:1" name="%s" version="1">\n' % name
    s += '  <input name="%s" shape="%s"/>\n  <layers>\n' % (inp, shape)
    s += ''.join(layers)
    s += '  </layers>\n  <output name="%s"/>\n</model>\n' % out
    return s

def el(tag, attrs, params=''):
    a = ' '.join('%s="%s"' % kv for kv in attrs)
    if not params:
        return '    <%s %s/>\n' % (tag, a)
    return '    <%s %s>\n%s    </%s>\n' % (tag, a, params, tag)

def cnn(r):
    return model('cnn', 'x', '6 6 2', [
        el('conv2d', [('name', 'c1'), ('inputs', 'x'), ('output', 'h1'), ('filters', 4),
                      ('kernel', '3 3')],
           param(r, 'weight', [4, 3, 3, 2]) + param(r, 'bias', [4])),
        el('batch_norm', [('name', 'bn1'), ('inputs', 'h1'), ('output', 'h2')],
           param(r, 'scale', [4], True) + param(r, 'bias', [4]) + param(r, 'mean', [4]) +
           param(r, 'var', [4], True)),
        el('relu', [('name', 'r1'), ('inputs', 'h2'), ('output', 'h3')]),
        el('max_pool2d', [('name', 'p1'), ('inputs', 'h3'), ('output', 'h4'), ('kernel', '2 2'),
                          ('strides', '2 2')]),
        el('flatten', [('name', 'f'), ('inputs', 'h4'), ('output', 'h5')]),
        el('dense', [('name', 'fc1'), ('inputs', 'h5'), ('output', 'h6'), ('units', 6),
                     ('activation', 'relu')],
           param(r, 'weight', [6, 16]) + param(r, 'bias', [6])),
        el('dense', [('name', 'fc2'), ('inputs', 'h6'), ('output', 'h7'), ('units', 3)],
           param(r, 'weight', [3, 6]) + param(r, 'bias', [3])),
        el('softmax', [('name', 'sm'), ('inputs', 'h7'), ('output', 'y')]),
    ], 'y')

def mlp(r):
    return model('mlp', 'x', '8', [
        el('dense', [('name', 'fc1'), ('inputs', 'x'), ('output', 'h'), ('units', 8),
                     ('activation', 'tanh')],
           param(r, 'weight', [8, 8]) + param(r, 'bias', [8])),
        el('dense', [('name', 'fc2'), ('inputs', 'h'), ('output', 'y'), ('units', 4)],
           param(r, 'weight', [4, 8]) + param(r, 'bias', [4])),
    ], 'y')

def resid(r):
    return model('resid', 'x', '4 4 3', [
        el('conv2d', [('name', 'c1'), ('inputs', 'x'), ('output', 'a'), ('filters', 3),
                      ('kernel', '3 3'), ('padding', 'same'), ('activation', 'relu6')],
           param(r, 'weight', [3, 3, 3, 3]) + param(r, 'bias', [3])),
        el('conv2d', [('name', 'dw'), ('inputs', 'a'), ('output', 'b'), ('filters', 3),
                      ('kernel', '3 3'), ('padding', 'explicit'), ('pads', '1 1 1 1'),
                      ('groups', 3)],
           param(r, 'weight', [3, 3, 3, 1]) + param(r, 'bias', [3])),
        el('add', [('name', 'add1'), ('inputs', 'a b'), ('output', 'c'),
                   ('activation', 'leaky_relu'), ('alpha', '0.1')]),
        el('concat', [('name', 'cat'), ('inputs', 'c x'), ('output', 'd'), ('axis', '-1')]),
        el('avg_pool2d', [('name', 'ap'), ('inputs', 'd'), ('output', 'e'), ('kernel', '2 2'),
                          ('strides', '2 2'), ('padding', 'same')]),
        el('global_avg_pool', [('name', 'gap'), ('inputs', 'e'), ('output', 'g')]),
        el('sigmoid', [('name', 's'), ('inputs', 'g'), ('output', 'y')]),
    ], 'y')

def misc(r):
    return model('misc', 'x', '3 4', [
        el('pad', [('name', 'pd'), ('inputs', 'x'), ('output', 'a'), ('pads', '1 0 0 1'),
                   ('value', '0.5')]),
        el('transpose', [('name', 'tr'), ('inputs', 'a'), ('output', 'b'), ('perm', '1 0')]),
        el('reshape', [('name', 'rs'), ('inputs', 'b'), ('output', 'c'), ('shape', '5 -1')]),
        el('mul', [('name', 'mu'), ('inputs', 'c c'), ('output', 'd')]),
        el('clip', [('name', 'cl'), ('inputs', 'd'), ('output', 'e'), ('min', '-1'), ('max', '2')]),
        el('conv1d', [('name', 'c1d'), ('inputs', 'e'), ('output', 'f'), ('filters', 2),
                      ('kernel', 3), ('padding', 'same')],
           param(r, 'weight', [2, 3, 4]) + param(r, 'bias', [2])),
        el('tanh', [('name', 't'), ('inputs', 'f'), ('output', 'y')]),
    ], 'y')

MODELS = {'cnn': cnn, 'mlp': mlp, 'resid': resid, 'misc': misc}

def header():
    out = ['/* Generated by tests/fuzz/tools/mkmodel.py --header: the fixed model of\n'
           ' * fuzz_config. Do not edit. */\n'
           '#ifndef STOIC_FUZZ_FIXED_MODELS_H\n#define STOIC_FUZZ_FIXED_MODELS_H\n\n']
    for m in ['cnn']:
        out.append('static const char fixed_%s_xml[] =\n' % m)
        for line in MODELS[m](Rng(12345)).splitlines(True):
            out.append('    "%s"\n' % line.replace('\\', '\\\\').replace('"', '\\"')
                       .replace('\n', '\\n'))
        out.append('    ;\n')
    out.append('\n#endif\n')
    return ''.join(out)

if __name__ == '__main__':
    if sys.argv[1] == '--header':
        sys.stdout.write(header())
    else:
        sys.stdout.write(MODELS[sys.argv[1]](Rng(12345)))

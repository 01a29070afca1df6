#!/usr/bin/python3
"""Seed .npy files for fuzz_npy: python3 tests/fuzz/tools/mknpy.py DIR.
Every format version, dtype and a few shapes, written by hand (no numpy),
plus some near-misses (big-endian, fortran order, short data)."""
import os, struct, sys

def npy(shape, descr, data, version=1, fortran=False, extra=b''):
    sh = '(' + ''.join('%d, ' % d for d in shape)[:-2] + (',)' if len(shape) == 1 else ')')
    if not shape:
        sh = '()'
    hdr = "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }" % (descr, fortran, sh)
    pre = 10 if version == 1 else 12
    pad = (64 - (pre + len(hdr) + 1) % 64) % 64
    hdr = (hdr + ' ' * pad + '\n').encode('utf-8')
    ln = struct.pack('<H', len(hdr)) if version == 1 else struct.pack('<I', len(hdr))
    return b'\x93NUMPY' + bytes([version, 0]) + ln + hdr + data + extra

def count(shape):
    n = 1
    for d in shape:
        n *= d
    return n

FMT = {'<f4': 'f', '<f8': 'd', '<i4': 'i', '<i8': 'q', '|u1': 'B', '|i1': 'b'}

def main(out):
    files = {}
    k = 0
    for descr, f in FMT.items():
        for shape in [(), (0,), (3,), (2, 3), (1, 2, 3), (4, 6), (2, 2, 3)]:
            n = count(shape)
            vals = [((i * 7) % 11) - 5 for i in range(n)]
            if f == 'B':
                vals = [v + 5 for v in vals]
            if f in 'fd':
                vals = [v * 0.25 for v in vals]
            data = struct.pack('<%d%s' % (n, f), *vals)
            k += 1
            files['v1_%s_%d.npy' % (descr[1:], k)] = npy(shape, descr, data)
    files['v2.npy'] = npy((2, 3), '<f4', struct.pack('<6f', *range(6)), version=2)
    files['v3.npy'] = npy((2, 3), '<f4', struct.pack('<6f', *range(6)), version=3)
    files['labels_i8.npy'] = npy((4,), '<i8', struct.pack('<4q', 0, 1, 2, 1))
    files['labels_i4.npy'] = npy((4,), '<i4', struct.pack('<4i', 0, 1, 2, 1))
    files['nan.npy'] = npy((1, 6), '<f4', struct.pack('<6f', 1, float('nan'), 2, 3, float('inf'), 4))
    files['bigendian.npy'] = npy((2,), '>f4', struct.pack('>2f', 1, 2))
    files['fortran.npy'] = npy((2, 3), '<f4', struct.pack('<6f', *range(6)), fortran=True)
    files['short.npy'] = npy((2, 3), '<f4', struct.pack('<5f', *range(5)))
    files['long.npy'] = npy((2, 3), '<f4', struct.pack('<6f', *range(6)), extra=b'\0\0\0\0')
    files['huge_dim.npy'] = npy((9223372036854775807, 0), '<f4', b'')
    files['eight_dims.npy'] = npy((1, 1, 1, 1, 1, 1, 1, 2), '<f4', struct.pack('<2f', 1, 2))
    os.makedirs(out, exist_ok=True)
    for name, b in files.items():
        with open(os.path.join(out, name), 'wb') as fh:
            fh.write(b)

main(sys.argv[1])

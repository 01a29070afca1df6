/* import_onnx_convt: ConvTranspose (1-D and 2-D) to conv_transpose1d /
 * conv_transpose2d.
 *
 * Attributes: strides, dilations, pads, output_padding, group (any that
 * divides the channels), kernel_shape (checked against the weight), and
 * auto_pad / output_shape, which only decide the pads (ONNX: total_padding
 * = stride (in - 1) + output_padding + (k - 1) dilation + 1 - output_shape;
 * SAME_UPPER puts total_padding / 2 at the start, the rest at the end; any
 * other auto_pad the other way round; SAME_* without output_shape aims at
 * output_shape = in * stride). The weight [C F/G kh kw] becomes the layer's
 * [C kh kw F/G] (channels last, like the layer's input).
 */
#include "import_onnx_int.h"

#include <stdlib.h>
#include <string.h>

/* The pads of every spatial axis (begins, then ends) and the output sizes. */
static int convt_geometry(imp *I, const onnx_node *n, int sp, const int64_t *in_sp,
                          const int64_t *k, int64_t *strides, int64_t *dil, int64_t *op,
                          int64_t *pads, int64_t *out_sp)
{
    const char *ap = attr_s(n, "auto_pad", "NOTSET");
    int64_t os[4];
    int i, np, nos, same = strcmp(ap, "SAME_UPPER") == 0 || strcmp(ap, "SAME_LOWER") == 0;
    for (i = 0; i < 2; i++) {
        strides[i] = dil[i] = 1;
        op[i] = 0;
        pads[i] = pads[i + 2] = 0;
    }
    if (!same && strcmp(ap, "VALID") != 0 && strcmp(ap, "NOTSET") != 0) {
        return unsupported(I, "auto_pad '%s' is not supported", ap);
    }
    np = attr_ints(n, "strides", strides, 2);
    if (np >= 0 && np != sp) {
        return unsupported(I, "strides has %d values, expected %d", np, sp);
    }
    np = attr_ints(n, "dilations", dil, 2);
    if (np >= 0 && np != sp) {
        return unsupported(I, "dilations has %d values, expected %d", np, sp);
    }
    np = attr_ints(n, "output_padding", op, 2);
    if (np >= 0 && np != sp) {
        return unsupported(I, "output_padding has %d values, expected %d", np, sp);
    }
    np = attr_ints(n, "pads", pads, 4);
    if (np >= 0 && np != 2 * sp) {
        return unsupported(I, "pads has %d values, expected %d", np, 2 * sp);
    }
    nos = attr_ints(n, "output_shape", os, 4);
    if (nos >= 0 && nos != sp && nos != sp + 2) {
        return unsupported(I, "output_shape has %d values, expected %d", nos, sp);
    }
    for (i = 0; i < sp; i++) {
        if (strides[i] < 1 || strides[i] > IMP_MAX_DIM || dil[i] < 1 || dil[i] > IMP_MAX_DIM ||
            k[i] < 1 || k[i] > IMP_MAX_DIM) {
            return unsupported(I, "strides, dilations and the kernel size must be in 1..%ld",
                               IMP_MAX_DIM);
        }
        if (op[i] < 0 || op[i] > IMP_MAX_PAD) {
            return unsupported(I, "output_padding value %lld is out of range (0..%ld)",
                               (long long)op[i], IMP_MAX_PAD);
        }
        if (pads[i] < 0 || pads[i + sp] < 0 || pads[i] > IMP_MAX_PAD ||
            pads[i + sp] > IMP_MAX_PAD) {
            return unsupported(I, "pads value out of range (0..%ld)", IMP_MAX_PAD);
        }
    }
    for (i = 0; i < sp; i++) {
        /* every term below 2^49 after the range checks: no overflow */
        int64_t full = strides[i] * (in_sp[i] - 1) + op[i] + (k[i] - 1) * dil[i] + 1;
        int64_t want = -1, total;
        if (nos >= 0) {
            want = os[nos - sp + i];
        } else if (same) {
            want = in_sp[i] * strides[i];
        }
        if (strcmp(ap, "VALID") == 0 && nos < 0) {
            pads[i] = pads[i + sp] = 0;
        } else if (want >= 0) {
            int64_t half;
            total = full - want;
            if (want < 1 || want > IMP_MAX_DIM || total < -IMP_MAX_PAD ||
                total > 2 * IMP_MAX_PAD) {
                return unsupported(I, "output size %lld is out of reach (the layer makes %lld "
                                      "values)", (long long)want, (long long)full);
            }
            /* the halves rounded down, as ONNX's reference does (a negative
             * total: more output than the layer makes) */
            half = total >= 0 ? total / 2 : -((-total + 1) / 2);
            if (strcmp(ap, "SAME_UPPER") == 0) {
                pads[i] = half;
                pads[i + sp] = total - half;
            } else {
                pads[i] = total - half;
                pads[i + sp] = half;
            }
            if (pads[i] < 0) {
                return unsupported(I, "output size %lld needs a negative start pad (the layer "
                                      "makes %lld values)", (long long)want, (long long)full);
            }
            if (pads[i + sp] < 0) {
                /* a negative end pad: more values at the end, as
                 * output_padding gives them */
                op[i] -= pads[i + sp];
                full -= pads[i + sp];
                pads[i + sp] = 0;
                if (op[i] > IMP_MAX_PAD) {
                    return unsupported(I, "output size %lld is out of reach (the layer makes "
                                          "%lld values)", (long long)want, (long long)full);
                }
            }
        }
        out_sp[i] = full - pads[i] - pads[i + sp];
        if (out_sp[i] < 1) {
            return unsupported(I, "the pads leave no output");
        }
    }
    return 0;
}

int op_conv_transpose(imp *I, const onnx_node *n, int emit)
{
    static const char *const known[] = { "auto_pad", "dilations", "group", "kernel_shape",
                                         "output_padding", "output_shape", "pads", "strides",
                                         NULL };
    value *x = input_value(I, n, 0), *w = input_value(I, n, 1), *b = input_value(I, n, 2), *y;
    int64_t group = attr_i(n, "group", 1), k[2], strides[2], dil[2], op[2], pads[4];
    int64_t out_sp[2], od[4], cin, fg, kh, kw;
    int sp, i;
    if (known_attrs(I, n, known) != 0 || need_act(I, x, "X") != 0 || need_const(I, w, "W") != 0) {
        return -1;
    }
    if (b != NULL && need_const(I, b, "B") != 0) {
        return -1;
    }
    sp = x->ndim - 2;
    if (sp < 1 || sp > 2 || w->ndim != x->ndim) {
        return unsupported(I, "only 1-D and 2-D transposed convolutions are supported (input "
                              "rank %d)", x->ndim);
    }
    cin = x->d[1];
    if (group < 1 || group > cin || cin % group != 0 || w->d[0] != cin || w->d[1] < 1 ||
        w->d[1] * group > IMP_MAX_DIM) {
        return unsupported(I, "group %lld does not fit %lld input channels and weight shape",
                           (long long)group, (long long)cin);
    }
    fg = w->d[1];
    if (b != NULL && (b->ndim != 1 || b->d[0] != fg * group)) {
        return unsupported(I, "bias shape does not match the output channels");
    }
    for (i = 0; i < sp; i++) {
        k[i] = w->d[2 + i];
    }
    {
        int64_t ks[2];
        int nk = attr_ints(n, "kernel_shape", ks, 2);
        if (nk >= 0 && (nk != sp || ks[0] != k[0] || (sp == 2 && ks[1] != k[1]))) {
            return unsupported(I, "kernel_shape does not match the weight shape");
        }
    }
    if (convt_geometry(I, n, sp, &x->d[2], k, strides, dil, op, pads, out_sp) != 0) {
        return -1;
    }
    od[0] = x->d[0];
    od[1] = fg * group;
    for (i = 0; i < sp; i++) {
        od[2 + i] = out_sp[i];
    }
    if (emit && !I->drop) {
        return unsupported(I, "the model mixes samples along the batch axis elsewhere, so this "
                              "node would need a batched convolution");
    }
    y = define_out(I, n, 0, x->ndim, od);
    if (y == NULL) {
        return I->failed ? -1 : unsupported(I, "no output");
    }
    if (emit) {
        const char *in = imp_act(I, x, 1);
        const char *out = tensor_name(I, y->name, "");
        layer *l = new_layer(I, sp == 2 ? "conv_transpose2d" : "conv_transpose1d", node_name(n),
                             "");
        int32_t ws[4];
        float *wd;
        int64_t c, f, a, bb;
        if (in == NULL || out == NULL || l == NULL) {
            return -1;
        }
        kh = sp == 2 ? k[0] : 1;
        kw = sp == 2 ? k[1] : k[0];
        wd = alloc_n(I, count_of(w->ndim, w->d), sizeof *wd);
        if (wd == NULL) {
            return -1;
        }
        /* [C F/G kh kw] -> [C kh kw F/G] */
        for (c = 0; c < cin; c++) {
            for (f = 0; f < fg; f++) {
                for (a = 0; a < kh; a++) {
                    for (bb = 0; bb < kw; bb++) {
                        wd[((c * kh + a) * kw + bb) * fg + f] =
                            w->f[((c * fg + f) * kh + a) * kw + bb];
                    }
                }
            }
        }
        lattr(l, "filters", "%lld", (long long)(fg * group));
        if (sp == 2) {
            lattr(l, "kernel", "%lld %lld", (long long)kh, (long long)kw);
            lattr(l, "strides", "%lld %lld", (long long)strides[0], (long long)strides[1]);
            lattr(l, "dilations", "%lld %lld", (long long)dil[0], (long long)dil[1]);
            lattr(l, "pads", "%lld %lld %lld %lld", (long long)pads[0], (long long)pads[1],
                  (long long)pads[2], (long long)pads[3]);
            lattr(l, "output_padding", "%lld %lld", (long long)op[0], (long long)op[1]);
        } else {
            lattr(l, "kernel", "%lld", (long long)kw);
            lattr(l, "stride", "%lld", (long long)strides[0]);
            lattr(l, "dilation", "%lld", (long long)dil[0]);
            lattr(l, "pads", "%lld %lld", (long long)pads[0], (long long)pads[1]);
            lattr(l, "output_padding", "%lld", (long long)op[0]);
        }
        lattr(l, "groups", "%lld", (long long)group);
        ws[0] = (int32_t)cin;
        if (sp == 2) {
            ws[1] = (int32_t)kh;
            ws[2] = (int32_t)kw;
            ws[3] = (int32_t)fg;
        } else {
            ws[1] = (int32_t)kw;
            ws[2] = (int32_t)fg;
        }
        if (set_io(I, l, in, out) != 0 || lparam_add(I, l, "weight", sp + 2, ws, wd) != 0) {
            return -1;
        }
        if (b != NULL) {
            float *bd = alloc_n(I, fg * group, sizeof *bd);
            if (bd == NULL) {
                return -1;
            }
            memcpy(bd, b->f, (size_t)(fg * group) * sizeof *bd);
            ws[0] = (int32_t)(fg * group);
            if (lparam_add(I, l, "bias", 1, ws, bd) != 0) {
                return -1;
            }
        }
        y->cl = out;
        y->layer = l->idx;
    }
    return 0;
}

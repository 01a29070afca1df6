/* import_onnx_conv: Conv, MaxPool, AveragePool, GlobalAveragePool. */
#include "import_onnx_int.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ckd.h"
#include "ir.h"
#include "onnx_read.h"
#include "strbuf.h"

static int no_batch_mix_in_conv(imp *I)
{
    if (!I->drop) {
        return unsupported(I, "the model mixes samples along the batch axis elsewhere, "
                              "so this node would need a batched convolution");
    }
    return 0;
}

/* Conv, MaxPool, AveragePool: spatial attributes into the layer. */
static int spatial_attrs(imp *I, const onnx_node *n, layer *l, int sp, const int64_t *in_sp,
                         const int64_t *k, int64_t *out_sp, int pool)
{
    int64_t strides[2] = { 1, 1 }, dil[2] = { 1, 1 }, pads[4] = { 0, 0, 0, 0 };
    const char *ap = attr_s(n, "auto_pad", "NOTSET");
    int i, np, ceil_mode = pool && attr_i(n, "ceil_mode", 0) != 0;
    np = attr_ints(n, "strides", strides, 2);
    if (np >= 0 && np != sp) {
        return unsupported(I, "strides has %d values, expected %d", np, sp);
    }
    np = attr_ints(n, "dilations", dil, 2);
    if (np >= 0 && np != sp) {
        return unsupported(I, "dilations has %d values, expected %d", np, sp);
    }
    np = attr_ints(n, "pads", pads, 4);
    if (np >= 0 && np != 2 * sp) {
        return unsupported(I, "pads has %d values, expected %d", np, 2 * sp);
    }
    /* ranges first (a model description holds no more), so the window
     * arithmetic below cannot overflow */
    for (i = 0; i < sp; i++) {
        if (strides[i] < 1 || strides[i] > IMP_MAX_DIM) {
            return unsupported(I, "strides value %lld is out of range (1..%ld)",
                               (long long)strides[i], IMP_MAX_DIM);
        }
        if (dil[i] < 1 || dil[i] > IMP_MAX_DIM) {
            return unsupported(I, "dilations value %lld is out of range (1..%ld)",
                               (long long)dil[i], IMP_MAX_DIM);
        }
        if (k[i] < 1 || k[i] > IMP_MAX_DIM) {
            return unsupported(I, "kernel size %lld is out of range (1..%ld)", (long long)k[i],
                               IMP_MAX_DIM);
        }
    }
    for (i = 0; i < 2 * sp; i++) {
        if (pads[i] < 0) {
            return unsupported(I, "negative pads are not supported");
        }
        if (pads[i] > IMP_MAX_PAD) {
            return unsupported(I, "pads value %lld is out of range (0..%ld)", (long long)pads[i],
                               IMP_MAX_PAD);
        }
    }
    for (i = 0; i < sp; i++) {
        int64_t eff, total;
        /* (k - 1) * dil + 1 <= 2^48: no overflow after the range checks */
        if (ckd_mul_i64(&eff, k[i] - 1, dil[i]) || ckd_add_i64(&eff, eff, 1)) {
            return unsupported(I, "kernel size times dilation is too large");
        }
        if (strcmp(ap, "SAME_UPPER") == 0 || strcmp(ap, "SAME_LOWER") == 0) {
            int64_t o = (in_sp[i] + strides[i] - 1) / strides[i];
            total = (o - 1) * strides[i] + eff - in_sp[i];
            if (total < 0) {
                total = 0;
            }
            pads[i] = strcmp(ap, "SAME_UPPER") == 0 ? total / 2 : total - total / 2;
            pads[i + sp] = total - pads[i];
        } else if (strcmp(ap, "VALID") == 0) {
            pads[i] = pads[i + sp] = 0;
        } else if (strcmp(ap, "NOTSET") != 0) {
            return unsupported(I, "auto_pad '%s' is not supported", ap);
        }
        if (pads[i] > IMP_MAX_PAD || pads[i + sp] > IMP_MAX_PAD) {
            return unsupported(I, "auto_pad %s needs pads %lld %lld, out of range (0..%ld)", ap,
                               (long long)pads[i], (long long)pads[i + sp], IMP_MAX_PAD);
        }
        if (pool && (pads[i] >= k[i] || pads[i + sp] >= k[i])) {
            return unsupported(I, "pads must be smaller than the kernel");
        }
        if (in_sp[i] + pads[i] + pads[i + sp] < eff) {
            return unsupported(I, "the window is larger than the padded input");
        }
        out_sp[i] = (in_sp[i] + pads[i] + pads[i + sp] - eff) / strides[i] + 1;
        if (ceil_mode) {
            /* ceil: one more window where a partial one remains, but never
             * one that starts in the end padding; it gets extra end padding,
             * which pooling ignores */
            int64_t span = in_sp[i] + pads[i] + pads[i + sp] - eff;
            int64_t o = (span + strides[i] - 1) / strides[i] + 1, extra;
            if ((o - 1) * strides[i] >= in_sp[i] + pads[i]) {
                o--;
            }
            extra = (o - 1) * strides[i] + eff - (in_sp[i] + pads[i] + pads[i + sp]);
            if (extra > 0) {
                if (strcmp(n->op_type, "AveragePool") == 0 &&
                    attr_i(n, "count_include_pad", 0) != 0) {
                    return unsupported(I, "ceil_mode=1 with count_include_pad=1 is not supported");
                }
                pads[i + sp] += extra;
                if (pads[i + sp] >= k[i] || pads[i + sp] > IMP_MAX_PAD) {
                    return unsupported(I, "ceil_mode=1 here needs more end padding than the "
                                          "kernel is wide");
                }
            }
            out_sp[i] = o;
        }
    }
    if (l != NULL) {
        if (sp == 2) {
            lattr(l, "strides", "%lld %lld", (long long)strides[0], (long long)strides[1]);
            lattr(l, "dilations", "%lld %lld", (long long)dil[0], (long long)dil[1]);
            lattr(l, "padding", "explicit");
            lattr(l, "pads", "%lld %lld %lld %lld", (long long)pads[0], (long long)pads[1],
                  (long long)pads[2], (long long)pads[3]);
        } else if (pool) { /* 1-D pool as a 2-D pool over [1 L C] */
            lattr(l, "strides", "1 %lld", (long long)strides[0]);
            lattr(l, "dilations", "1 %lld", (long long)dil[0]);
            lattr(l, "padding", "explicit");
            lattr(l, "pads", "0 %lld 0 %lld", (long long)pads[0], (long long)pads[1]);
        } else {
            lattr(l, "stride", "%lld", (long long)strides[0]);
            lattr(l, "dilation", "%lld", (long long)dil[0]);
            lattr(l, "padding", "explicit");
            lattr(l, "pads", "%lld %lld", (long long)pads[0], (long long)pads[1]);
        }
    }
    return 0;
}

/* Conv and pooling: the layer (when emitting; its layout change listed
 * first), the spatial attributes and the output value with `channels`. */
static value *spatial_layer(imp *I, const onnx_node *n, int emit, const char *elem, value *x,
                            int sp, const int64_t *k, int64_t channels, int pool, int *li)
{
    int64_t out_sp[2], od[MAXD];
    layer *l = NULL;
    int i;
    value *y;
    *li = -1;
    if (emit) {
        if (no_batch_mix_in_conv(I) != 0 || imp_act(I, x, 1) == NULL) {
            return NULL;
        }
        l = new_layer(I, elem, node_name(n), "");
        if (l == NULL) {
            return NULL;
        }
        *li = l->idx;
    }
    if (spatial_attrs(I, n, l, sp, &x->d[2], k, out_sp, pool) != 0) {
        return NULL;
    }
    od[0] = x->d[0];
    od[1] = channels;
    for (i = 0; i < sp; i++) {
        od[2 + i] = out_sp[i];
    }
    y = define_out(I, n, 0, x->ndim, od);
    if (y == NULL && !I->failed) {
        (void)unsupported(I, "no output");
    }
    return y;
}

int op_conv(imp *I, const onnx_node *n, int emit)
{
    static const char *const known[] = { "auto_pad", "dilations", "group", "kernel_shape",
                                         "pads", "strides", NULL };
    value *x = input_value(I, n, 0), *w = input_value(I, n, 1), *b = input_value(I, n, 2), *y;
    int64_t group = attr_i(n, "group", 1), k[2];
    int sp, i, li;
    if (known_attrs(I, n, known) != 0 || need_act(I, x, "X") != 0 || need_const(I, w, "W") != 0) {
        return -1;
    }
    if (b != NULL && need_const(I, b, "B") != 0) {
        return -1;
    }
    sp = x->ndim - 2;
    if (sp < 1 || sp > 2 || w->ndim != x->ndim) {
        return unsupported(I, "only 1-D and 2-D convolutions are supported (input rank %d)",
                           x->ndim);
    }
    if (group < 1 || group > x->d[1] || x->d[1] % group != 0 || w->d[0] % group != 0 ||
        w->d[1] != x->d[1] / group) {
        return unsupported(I, "group %lld does not fit %lld input channels and weight shape",
                           (long long)group, (long long)x->d[1]);
    }
    if (b != NULL && (b->ndim != 1 || b->d[0] != w->d[0])) {
        return unsupported(I, "bias shape does not match the filters");
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
    y = spatial_layer(I, n, emit, sp == 2 ? "conv2d" : "conv1d", x, sp, k, w->d[0], 0, &li);
    if (y == NULL) {
        return -1;
    }
    if (emit) {
        layer *l = I->l[li];
        /* weight [M C/g kh kw] -> [M kh kw C/g] */
        int64_t m = w->d[0], c = w->d[1], kh = sp == 2 ? k[0] : 1, kw = sp == 2 ? k[1] : k[0];
        int64_t oc, ic, a, bb;
        int32_t ws[4];
        float *wd = alloc_n(I, count_of(w->ndim, w->d), sizeof *wd);
        const char *in = imp_act(I, x, 1);
        const char *out = tensor_name(I, y->name, "");
        if (wd == NULL || in == NULL || out == NULL) {
            free(wd);
            return -1;
        }
        for (oc = 0; oc < m; oc++) {
            for (ic = 0; ic < c; ic++) {
                for (a = 0; a < kh; a++) {
                    for (bb = 0; bb < kw; bb++) {
                        wd[((oc * kh + a) * kw + bb) * c + ic] =
                            w->f[((oc * c + ic) * kh + a) * kw + bb];
                    }
                }
            }
        }
        lattr(l, "filters", "%lld", (long long)m);
        if (sp == 2) {
            lattr(l, "kernel", "%lld %lld", (long long)kh, (long long)kw);
        } else {
            lattr(l, "kernel", "%lld", (long long)kw);
        }
        lattr(l, "groups", "%lld", (long long)group);
        ws[0] = (int32_t)m;
        if (sp == 2) {
            ws[1] = (int32_t)kh;
            ws[2] = (int32_t)kw;
            ws[3] = (int32_t)c;
        } else {
            ws[1] = (int32_t)kw;
            ws[2] = (int32_t)c;
        }
        if (set_io(I, l, in, out) != 0 || lparam_add(I, l, "weight", sp + 2, ws, wd) != 0) {
            return -1;
        }
        if (b != NULL) {
            float *bd = alloc_n(I, m, sizeof *bd);
            if (bd == NULL) {
                return -1;
            }
            memcpy(bd, b->f, (size_t)m * sizeof *bd);
            if (lparam_add(I, l, "bias", 1, ws, bd) != 0) {
                return -1;
            }
        }
        y->cl = out;
        y->layer = l->idx;
    }
    return 0;
}

/* A one-dimensional value [L C] (stoic, channels last) seen as [1 L C] by
 * a 2-D pooling layer: the reshape layer to *t1 (from in), and *t2, the
 * name of the pooled [1 OL C] tensor. */
static int as_2d(imp *I, const onnx_node *n, const value *x, const value *y, const char *in,
                 const char **t1, const char **t2)
{
    layer *r1;
    *t1 = tensor_name(I, y->name, ".as2d_in");
    *t2 = tensor_name(I, y->name, ".as2d");
    r1 = *t1 != NULL && *t2 != NULL ? new_layer(I, "reshape", node_name(n), ".to2d") : NULL;
    if (r1 == NULL || set_io(I, r1, in, *t1) != 0) {
        return -1;
    }
    lattr(r1, "shape", "1 %lld %lld", (long long)x->d[2], (long long)x->d[1]);
    return 0;
}

int op_pool(imp *I, const onnx_node *n, int emit)
{
    static const char *const known[] = { "auto_pad", "ceil_mode", "count_include_pad",
                                         "dilations", "kernel_shape", "pads", "storage_order",
                                         "strides", NULL };
    value *x = input_value(I, n, 0), *y;
    int is_max = strcmp(n->op_type, "MaxPool") == 0, sp, li;
    int64_t k[2];
    if (known_attrs(I, n, known) != 0 || need_act(I, x, "X") != 0) {
        return -1;
    }
    if (attr_i(n, "storage_order", 0) != 0) {
        return unsupported(I, "storage_order=1 is not supported");
    }
    if (n->n_outputs > 1 && n->outputs[1][0] != '\0') {
        return unsupported(I, "the Indices output is not supported");
    }
    sp = x->ndim - 2;
    if (sp < 1 || sp > 2) {
        return unsupported(I, "only 1-D and 2-D pooling is supported (input rank %d)", x->ndim);
    }
    if (attr_ints(n, "kernel_shape", k, 2) != sp) {
        return unsupported(I, "kernel_shape must have %d values", sp);
    }
    y = spatial_layer(I, n, emit, is_max ? "max_pool2d" : "avg_pool2d", x, sp, k, x->d[1], 1,
                      &li);
    if (y == NULL) {
        return -1;
    }
    if (emit) {
        layer *l = I->l[li];
        int64_t out_l = y->d[2];
        const char *in = imp_act(I, x, 1);
        const char *out = tensor_name(I, y->name, "");
        if (in == NULL || out == NULL) {
            return -1;
        }
        if (sp == 2) {
            lattr(l, "kernel", "%lld %lld", (long long)k[0], (long long)k[1]);
        } else {
            lattr(l, "kernel", "1 %lld", (long long)k[0]);
        }
        if (!is_max && attr_i(n, "count_include_pad", 0) != 0) {
            lattr(l, "count_include_pad", "true");
        }
        if (sp == 2) {
            if (set_io(I, l, in, out) != 0) {
                return -1;
            }
        } else { /* [L C] -> [1 L C] -> pool -> [OL C] */
            layer *r2;
            const char *t1, *t2;
            if (as_2d(I, n, x, y, in, &t1, &t2) != 0 || set_io(I, l, t1, t2) != 0) {
                return -1;
            }
            r2 = new_layer(I, "reshape", node_name(n), ".to1d");
            if (r2 == NULL || set_io(I, r2, t2, out) != 0) {
                return -1;
            }
            lattr(r2, "shape", "%lld %lld", (long long)out_l, (long long)x->d[1]);
            /* listing order does not matter: stoic sorts layers by their data flow */
        }
        y->cl = out;
    }
    return 0;
}

/* A global pooling of x over all its spatial axes, the value y of the
 * node's output: GlobalAveragePool, GlobalMaxPool, and ReduceMean and
 * ReduceMax over the spatial axes (op_reduce). [N C H W] (channels last
 * [H W C]) pools to [1 1 C]; [N C L] ([L C]) to [1 C]: average as
 * global_avg_pool; maximum as max_pool2d with the whole input as its
 * window (the one-dimensional case through [1 L C]). keep = 0: the
 * output drops the pooled axes, [N C] (stoic [C]), by one more reshape. */
static int global_pool(imp *I, const onnx_node *n, int emit, value *x, int is_max, int keep)
{
    value *y;
    int64_t od[MAXD];
    int k, sp = x->ndim - 2;
    layer *l;
    const char *in, *out, *pooled;
    if (x->ndim != 3 && x->ndim != 4) {
        return unsupported(I, "global pooling of a rank-%d value: only [N C L] and [N C H W]",
                           x->ndim);
    }
    od[0] = x->d[0];
    od[1] = x->d[1];
    for (k = 2; k < x->ndim; k++) {
        od[k] = 1;
    }
    y = define_out(I, n, 0, keep ? x->ndim : 2, od);
    if (y == NULL) {
        return I->failed ? -1 : unsupported(I, "no output");
    }
    if (!emit) {
        return 0;
    }
    if (no_batch_mix_in_conv(I) != 0) {
        return -1;
    }
    in = imp_act(I, x, 1);
    out = tensor_name(I, y->name, "");
    pooled = keep ? out : tensor_name(I, y->name, ".pooled");
    if (in == NULL || out == NULL || pooled == NULL) {
        return -1;
    }
    if (!is_max) {
        l = new_layer(I, "global_avg_pool", node_name(n), "");
        if (l == NULL || set_io(I, l, in, pooled) != 0) {
            return -1;
        }
    } else if (sp == 2) {
        l = new_layer(I, "max_pool2d", node_name(n), "");
        if (l == NULL || set_io(I, l, in, pooled) != 0) {
            return -1;
        }
        lattr(l, "kernel", "%lld %lld", (long long)x->d[2], (long long)x->d[3]);
        lattr(l, "strides", "1 1");
    } else { /* [L C] -> [1 L C] -> max over (1, L) -> [1 1 C] -> [1 C] */
        layer *r2;
        const char *t1, *t2;
        if (as_2d(I, n, x, y, in, &t1, &t2) != 0) {
            return -1;
        }
        l = new_layer(I, "max_pool2d", node_name(n), "");
        if (l == NULL || set_io(I, l, t1, t2) != 0) {
            return -1;
        }
        lattr(l, "kernel", "1 %lld", (long long)x->d[2]);
        lattr(l, "strides", "1 1");
        r2 = new_layer(I, "reshape", node_name(n), ".to1d");
        if (r2 == NULL || set_io(I, r2, t2, pooled) != 0) {
            return -1;
        }
        lattr(r2, "shape", "1 %lld", (long long)x->d[1]);
    }
    if (keep) {
        y->cl = out;
    } else {
        /* [N C]: its stoic tensor is [C] in both axis orders */
        layer *r = new_layer(I, "reshape", node_name(n), ".flat");
        if (r == NULL || set_io(I, r, pooled, out) != 0) {
            return -1;
        }
        lattr(r, "shape", "%lld", (long long)x->d[1]);
        y->nat = out;
        y->cl = out;
    }
    return 0;
}

int op_gap(imp *I, const onnx_node *n, int emit)
{
    value *x = input_value(I, n, 0);
    if (need_act(I, x, "X") != 0) {
        return -1;
    }
    return global_pool(I, n, emit, x, strcmp(n->op_type, "GlobalMaxPool") == 0, 1);
}

/* A reduction over any set of axes (seen[a] for ONNX axis a), the general
 * case of op_reduce, in the natural axis order: the reduced axes are moved
 * in front by a transpose (none when they are already), the value is seen
 * as [R K] (R: the product of the reduced axes, K: of the kept ones) and
 * reduced over its first axis -- mean: global_avg_pool of [L C]; maximum:
 * max_pool2d of [1 R K] with a 1 x R window; sum: the mean times R (a mul
 * by a constant vector) -- then reshaped to the output's shape. A
 * reduction over the batch axis mixes samples: the batch axis is kept. */
static int general_reduce(imp *I, const onnx_node *n, int emit, value *x, const int *seen,
                          int kind, int keep)
{
    value *y;
    int64_t od[MAXD], rc = 1, kc = 1;
    int32_t s[MAXD], ys[MAXD];
    int k, r, yr, no = 0, nperm = 0, perm[MAXD], ident = 1, sax[MAXD];
    const char *in, *out, *t1, *t2, *t3, *mean = NULL;
    layer *l;
    char buf[128];
    size_t used = 0;
    for (k = 0; k < x->ndim; k++) {
        if (!seen[k]) {
            od[no++] = x->d[k];
        } else if (keep) {
            od[no++] = 1;
        }
    }
    if (seen[0]) {
        imp_touch(I);
    }
    y = define_out(I, n, 0, no, od);
    if (y == NULL) {
        return I->failed ? -1 : unsupported(I, "no output");
    }
    if (!emit) {
        return 0;
    }
    in = imp_act(I, x, 0);
    out = tensor_name(I, y->name, "");
    t1 = tensor_name(I, y->name, ".front");
    t2 = tensor_name(I, y->name, ".rk");
    t3 = tensor_name(I, y->name, ".reduced");
    if (kind == 2) {
        mean = tensor_name(I, y->name, ".mean");
    }
    if (in == NULL || out == NULL || t1 == NULL || t2 == NULL || t3 == NULL ||
        (kind == 2 && mean == NULL)) {
        return -1;
    }
    r = ishape(I, x, 0, s);
    yr = ishape(I, y, 0, ys);
    /* stoic axis of every ONNX axis (-1: the dropped batch axis, never
     * reduced then: reducing it keeps the batch axis) */
    for (k = 0; k < x->ndim; k++) {
        sax[k] = iaxis(I, k, x->ndim, 0);
    }
    for (k = 0; k < x->ndim; k++) {
        if (seen[k] && sax[k] >= 0) {
            perm[nperm++] = sax[k];
            rc *= s[sax[k]];
        }
    }
    for (k = 0; k < x->ndim; k++) {
        if (!seen[k] && sax[k] >= 0) {
            perm[nperm++] = sax[k];
            kc *= s[sax[k]];
        }
    }
    if (nperm != r) { /* a rank-0 value seen as [1] */
        perm[0] = 0;
        nperm = r;
    }
    for (k = 0; k < nperm; k++) {
        if (perm[k] != k) {
            ident = 0;
        }
        used += (size_t)snprintf(buf + used, sizeof buf - used, k == 0 ? "%d" : " %d", perm[k]);
    }
    if (!ident) {
        l = new_layer(I, "transpose", node_name(n), ".front");
        if (l == NULL || set_io(I, l, in, t1) != 0) {
            return -1;
        }
        lattr(l, "perm", "%s", buf);
        in = t1;
    }
    l = new_layer(I, "reshape", node_name(n), ".rk");
    if (l == NULL || set_io(I, l, in, t2) != 0) {
        return -1;
    }
    if (kind == 1) {
        lattr(l, "shape", "1 %lld %lld", (long long)rc, (long long)kc);
        l = new_layer(I, "max_pool2d", node_name(n), "");
        if (l == NULL || set_io(I, l, t2, t3) != 0) {
            return -1;
        }
        lattr(l, "kernel", "1 %lld", (long long)rc);
        lattr(l, "strides", "1 1");
    } else {
        lattr(l, "shape", "%lld %lld", (long long)rc, (long long)kc);
        l = new_layer(I, "global_avg_pool", node_name(n), "");
        if (l == NULL || set_io(I, l, t2, kind == 2 ? mean : t3) != 0) {
            return -1;
        }
        if (kind == 2) { /* the sum: the mean times R */
            int32_t vs[1];
            float *v = alloc_n(I, kc, sizeof *v);
            const char *kn;
            char ins[600];
            int64_t i;
            if (v == NULL) {
                return -1;
            }
            for (i = 0; i < kc; i++) {
                v[i] = (float)rc;
            }
            vs[0] = (int32_t)kc;
            kn = add_konst(I, y->name, 1, vs, v);
            l = kn != NULL ? new_layer(I, "mul", node_name(n), ".sum") : NULL;
            if (l == NULL) {
                return -1;
            }
            snprintf(ins, sizeof ins, "%s %s", mean, kn);
            if (set_io(I, l, ins, t3) != 0) {
                return -1;
            }
        }
    }
    l = new_layer(I, "reshape", node_name(n), ".out");
    if (l == NULL || set_io(I, l, t3, out) != 0) {
        return -1;
    }
    shape_str(ys, yr, buf, sizeof buf);
    lattr(l, "shape", "%s", buf);
    y->nat = out;
    return 0;
}

/* ReduceMean, ReduceMax, ReduceSum over static axes (the attribute, or the
 * constant second input: ReduceSum from opset 13, the others from 18);
 * keepdims; no axes: every axis, or none with noop_with_empty_axes (the
 * identity). Over all the spatial axes of an [N C L] or [N C H W]
 * activation (global pooling written as x.mean((2, 3)), squeeze-and-
 * excitation blocks), mean and maximum are global pooling layers in the
 * channels-last layout; every other case is general_reduce. */
int op_reduce(imp *I, const onnx_node *n, int emit)
{
    static const char *const known[] = { "axes", "keepdims", "noop_with_empty_axes", NULL };
    value *x = input_value(I, n, 0), *ax = input_value(I, n, 1);
    int64_t axes[MAXD];
    int na = 0, k, m, seen[MAXD] = { 0 }, spatial_all = 1, kind, keep;
    if (known_attrs(I, n, known) != 0 || need_act(I, x, "data") != 0) {
        return -1;
    }
    kind = strcmp(n->op_type, "ReduceMax") == 0 ? 1 : strcmp(n->op_type, "ReduceSum") == 0 ? 2 : 0;
    keep = attr_i(n, "keepdims", 1) != 0;
    if (ax != NULL) {
        if (need_const(I, ax, "axes") != 0) {
            return -1;
        }
        if (ax->iv == NULL || ax->ndim != 1 || ax->d[0] > MAXD) {
            return unsupported(I, "axes must be a constant list of at most %d integers", MAXD);
        }
        na = (int)ax->d[0];
        for (k = 0; k < na; k++) {
            axes[k] = ax->iv[k];
        }
    } else {
        na = attr_ints(n, "axes", axes, MAXD);
        if (na < 0) {
            na = 0; /* absent */
        } else if (na > MAXD) {
            return unsupported(I, "more than %d axes", MAXD);
        }
    }
    if (na == 0 && attr_i(n, "noop_with_empty_axes", 0) != 0) {
        value *y = define_out(I, n, 0, x->ndim, x->d);
        if (y == NULL) {
            return I->failed ? -1 : unsupported(I, "no output");
        }
        y->nat = x->nat;
        y->cl = x->cl;
        return 0;
    }
    for (k = 0; k < na; k++) {
        int a;
        if (norm_axis(I, axes[k], x->ndim, &a) != 0) {
            return -1;
        }
        if (seen[a]) {
            return unsupported(I, "axis %lld is given twice", (long long)axes[k]);
        }
        seen[a] = 1;
    }
    if (na == 0) {
        for (k = 0; k < x->ndim; k++) {
            seen[k] = 1;
        }
    }
    if (x->ndim != 3 && x->ndim != 4) {
        spatial_all = 0;
    }
    for (m = 0; m < x->ndim && spatial_all; m++) {
        if (seen[m] != (m >= 2)) {
            spatial_all = 0;
        }
    }
    if (spatial_all && kind != 2) {
        return global_pool(I, n, emit, x, kind == 1, keep);
    }
    return general_reduce(I, n, emit, x, seen, kind, keep);
}

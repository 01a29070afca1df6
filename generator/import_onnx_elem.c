/* import_onnx_elem: element-wise operators: Relu, LeakyRelu, Sigmoid, Tanh,
 * HardSigmoid, HardSwish, Clip, Softmax, Add, Mul. */
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

int op_unary(imp *I, const onnx_node *n, int emit)
{
    value *x = input_value(I, n, 0), *y;
    const char *elem = NULL;
    layer *l;
    const char *in;
    const char *out;
    int cl;
    float lo = -INFINITY, hi = INFINITY;
    if (need_act(I, x, "X") != 0) {
        return -1;
    }
    if (strcmp(n->op_type, "Relu") == 0) {
        elem = "relu";
    } else if (strcmp(n->op_type, "Sigmoid") == 0) {
        elem = "sigmoid";
    } else if (strcmp(n->op_type, "Tanh") == 0) {
        elem = "tanh";
    } else if (strcmp(n->op_type, "LeakyRelu") == 0) {
        elem = "leaky_relu";
        if (!isfinite(attr_f(n, "alpha", 0.01F))) {
            return unsupported(I, "alpha %g is not finite", (double)attr_f(n, "alpha", 0.01F));
        }
    } else if (strcmp(n->op_type, "HardSigmoid") == 0) {
        elem = "hard_sigmoid";
        if (!isfinite(attr_f(n, "alpha", 0.2F)) || !isfinite(attr_f(n, "beta", 0.5F))) {
            return unsupported(I, "alpha %g and beta %g are not both finite",
                               (double)attr_f(n, "alpha", 0.2F), (double)attr_f(n, "beta", 0.5F));
        }
    } else if (strcmp(n->op_type, "HardSwish") == 0) {
        elem = "hard_swish";
    } else { /* Clip: attributes before opset 11, inputs after */
        value *mn = input_value(I, n, 1), *mx = input_value(I, n, 2);
        elem = "clip";
        if (I->failed) {
            return -1;
        }
        if (I->m->opset < 11) {
            lo = attr_f(n, "min", -INFINITY);
            hi = attr_f(n, "max", INFINITY);
        } else {
            if ((mn != NULL && need_scalar(I, mn, "min") != 0) ||
                (mx != NULL && need_scalar(I, mx, "max") != 0)) {
                return -1;
            }
            lo = mn != NULL ? mn->f[0] : -INFINITY;
            hi = mx != NULL ? mx->f[0] : INFINITY;
        }
        if (isnan(lo) || isnan(hi) || lo > hi || lo == INFINITY || hi == -INFINITY) {
            return unsupported(I, "min %g and max %g do not bound a range", (double)lo,
                               (double)hi);
        }
        if (lo == 0.0F && hi == 6.0F) {
            elem = "relu6";
        }
    }
    y = define_out(I, n, 0, x->ndim, x->d);
    if (y == NULL) {
        return I->failed ? -1 : unsupported(I, "no output");
    }
    if (!emit) {
        return 0;
    }
    cl = prefer_cl(x);
    in = imp_act(I, x, cl);
    out = tensor_name(I, y->name, "");
    l = in != NULL && out != NULL ? new_layer(I, elem, node_name(n), "") : NULL;
    if (l == NULL || set_io(I, l, in, out) != 0) {
        return -1;
    }
    if (strcmp(elem, "leaky_relu") == 0) {
        lattr_float(l, "alpha", attr_f(n, "alpha", 0.01F));
    } else if (strcmp(elem, "hard_sigmoid") == 0) {
        lattr_float(l, "alpha", attr_f(n, "alpha", 0.2F));
        lattr_float(l, "beta", attr_f(n, "beta", 0.5F));
    } else if (strcmp(elem, "clip") == 0) {
        if (lo > -INFINITY) {
            lattr_float(l, "min", lo);
        }
        if (hi < INFINITY) {
            lattr_float(l, "max", hi);
        }
    }
    if (cl && has_cl(I, x)) {
        y->cl = out;
    } else {
        y->nat = out;
    }
    return 0;
}

int op_softmax(imp *I, const onnx_node *n, int emit)
{
    value *x = input_value(I, n, 0), *y;
    int axis = 0;
    int64_t dflt = I->m->opset < 13 ? 1 : -1;
    layer *l;
    const char *in;
    const char *out;
    if (need_act(I, x, "X") != 0 || norm_axis(I, attr_i(n, "axis", dflt), x->ndim, &axis) != 0) {
        return -1;
    }
    if (I->m->opset < 13 && axis != x->ndim - 1) {
        /* before opset 13: softmax over all axes from `axis` on together */
        return unsupported(I, "softmax (opset %lld) over axes %d..%d together is not supported",
                           (long long)I->m->opset, axis, x->ndim - 1);
    }
    if (axis == 0) {
        imp_touch(I);
    }
    y = define_out(I, n, 0, x->ndim, x->d);
    if (y == NULL) {
        return I->failed ? -1 : unsupported(I, "no output");
    }
    if (!emit) {
        return 0;
    }
    in = imp_act(I, x, 0);
    out = tensor_name(I, y->name, "");
    l = in != NULL && out != NULL ? new_layer(I, "softmax", node_name(n), "") : NULL;
    if (l == NULL || set_io(I, l, in, out) != 0) {
        return -1;
    }
    lattr(l, "axis", "%d", iaxis(I, axis, x->ndim, 0));
    y->nat = out;
    return 0;
}

/* Add and Mul: an activation with an activation of the same shape, or with
 * a constant (broadcast). A MatMul/Gemm result plus a bias vector becomes
 * the bias of that dense layer, a bias-less Conv result plus a per-channel
 * constant the bias of that convolution. Of two constants: folded. */
int op_binary(imp *I, const onnx_node *n, int emit)
{
    value *a = input_value(I, n, 0), *b = input_value(I, n, 1), *y;
    int is_add = strcmp(n->op_type, "Add") == 0, nd = 0, cl, chan = 0;
    int64_t od[MAXD];
    layer *l;
    const char *ia, *ib;
    const char *out;
    if (a == NULL || b == NULL) {
        return unsupported(I, "needs two inputs");
    }
    if (a->is_const && b->is_const) {
        return fold_arith(I, n);
    }
    if (a->is_const) { /* keep the activation first */
        value *t = a;
        a = b;
        b = t;
    }
    if (!a->is_const && !b->is_const && a->ndim == b->ndim &&
        count_of(a->ndim, a->d) < count_of(b->ndim, b->d)) {
        value *t = a; /* the larger activation first */
        a = b;
        b = t;
    }
    if (!b->is_const && a->ndim == b->ndim && (a->ndim == 3 || a->ndim == 4) &&
        b->d[0] == a->d[0] && b->d[1] == a->d[1] && count_of(b->ndim, b->d) == b->d[0] * b->d[1] &&
        count_of(a->ndim, a->d) != count_of(b->ndim, b->d)) {
        /* [N C H W] times [N C 1 1] (a squeeze-and-excitation block's
         * channel weights): the second as a vector over the channels,
         * the stoic last axis */
        chan = 1;
    }
    if (imp_broadcast(I, a, b, &nd, od) != 0) {
        return -1;
    }
    if (nd != a->ndim || count_of(nd, od) != count_of(a->ndim, a->d)) {
        return unsupported(I, "the result is larger than the activation input (broadcasting "
                              "an activation is not supported)");
    }
    if (!b->is_const && !chan &&
        (b->ndim != a->ndim || count_of(b->ndim, b->d) != count_of(nd, od))) {
        return unsupported(I, "two computed inputs must have the same shape");
    }
    if (b->is_const && b->ndim == nd && nd > 0 && b->d[0] != 1) {
        imp_touch(I); /* the constant differs between samples */
    }
    y = define_out(I, n, 0, nd, od);
    if (y == NULL) {
        return I->failed ? -1 : unsupported(I, "no output");
    }
    if (!emit) {
        return 0;
    }
    cl = chan || (prefer_cl(a) && has_cl(I, a));
    ia = imp_act(I, a, cl);
    if (ia == NULL) {
        return -1;
    }
    if (chan) {
        /* b channels last is [1 1 C] ([1 C]): reshaped to [C] */
        const char *bc = imp_act(I, b, 1), *bv = tensor_name(I, y->name, ".chan");
        layer *r = bc != NULL && bv != NULL ? new_layer(I, "reshape", node_name(n), ".chan")
                                            : NULL;
        if (r == NULL || set_io(I, r, bc, bv) != 0) {
            return -1;
        }
        lattr(r, "shape", "%lld", (long long)b->d[1]);
        ib = bv;
    } else if (!b->is_const) {
        ib = imp_act(I, b, cl);
    } else {
        /* Constant operand: a per-channel vector when it varies only along
         * the stoic last axis, else the full per-sample tensor. */
        int32_t shape[MAXD], vshape[1];
        int rank, k, per_channel = 1, last_onnx;
        int64_t pd[MAXD];
        float *lay;
        int64_t inner;
        value tmp;
        /* the ONNX axis that is the stoic last axis */
        last_onnx = cl ? 1 : nd - 1;
        for (k = 0; k < b->ndim; k++) {
            int onnx_ax = k + (nd - b->ndim);
            if (b->d[k] != 1 && onnx_ax != last_onnx) {
                per_channel = 0;
            }
        }
        memset(&tmp, 0, sizeof tmp);
        tmp.ndim = nd;
        memcpy(tmp.d, od, (size_t)nd * sizeof *od);
        rank = ishape(I, &tmp, cl, shape);
        inner = shape[rank - 1];
        if (per_channel && last_onnx >= 0 && od[last_onnx] == inner &&
            !(I->drop && last_onnx == 0)) {
            /* the vector itself (no expansion of the constant to the
             * activation's shape, which may be large) */
            int bk = last_onnx - (nd - b->ndim);
            int64_t i;
            lay = alloc_n(I, inner, sizeof *lay);
            if (lay == NULL) {
                return -1;
            }
            for (i = 0; i < inner; i++) {
                lay[i] = bk >= 0 && b->d[bk] != 1 ? b->f[i] : b->f[0];
            }
        } else {
            /* one sample's worth when the batch axis is dropped */
            float *full;
            memcpy(pd, od, (size_t)nd * sizeof *od);
            if (I->drop && nd > 0) {
                pd[0] = 1;
            }
            full = expand_const(I, b, nd, pd);
            if (full == NULL) {
                return -1;
            }
            lay = to_layout(I, full, nd, pd, cl, shape, &rank);
            free(full);
            if (lay == NULL) {
                return -1;
            }
        }
        /* MatMul/Gemm + Add of a bias, and a Conv without bias + Add of a
         * per-channel constant ([C 1 1], [1 C 1 1]: CNTK, older exporters):
         * the bias of that dense or convolution layer, when nothing else
         * reads the layer's output */
        if (is_add && per_channel && a->layer >= 0 && a->uses == 1 &&
            (strcmp(I->l[a->layer]->elem, "dense") == 0 ||
             strcmp(I->l[a->layer]->elem, "conv2d") == 0 ||
             strcmp(I->l[a->layer]->elem, "conv1d") == 0 ||
             strcmp(I->l[a->layer]->elem, "conv_transpose2d") == 0 ||
             strcmp(I->l[a->layer]->elem, "conv_transpose1d") == 0) && I->l[a->layer]->np == 1 &&
            strcmp(I->l[a->layer]->output, ia) == 0) {
            l = I->l[a->layer];
            vshape[0] = (int32_t)inner;
            if (lparam_add(I, l, "bias", 1, vshape, lay) != 0) {
                return -1;
            }
            /* the layer owns its output string; the name itself is owned
             * by the name table (I->tnames), like every value's nat/cl */
            out = tensor_name(I, y->name, "");
            if (out == NULL) {
                return -1;
            }
            free(l->output);
            l->output = imp_dup(out);
            if (l->output == NULL) {
                return imp_oom(I);
            }
            if (cl) {
                y->cl = out;
            } else {
                y->nat = out;
            }
            y->layer = a->layer;
            return 0;
        }
        if (per_channel && rank >= 1) {
            float *vec = alloc_n(I, inner, sizeof *vec);
            if (vec == NULL) {
                free(lay);
                return -1;
            }
            memcpy(vec, lay, (size_t)inner * sizeof *vec);
            free(lay);
            vshape[0] = (int32_t)inner;
            ib = add_konst(I, b->name, 1, vshape, vec);
        } else {
            ib = add_konst(I, b->name, rank, shape, lay);
        }
    }
    out = tensor_name(I, y->name, "");
    if (ib == NULL || out == NULL) {
        return -1;
    }
    l = new_layer(I, is_add ? "add" : "mul", node_name(n), "");
    if (l == NULL) {
        return -1;
    }
    {
        char ins[600];
        snprintf(ins, sizeof ins, "%s %s", ia, ib);
        if (set_io(I, l, ins, out) != 0) {
            return -1;
        }
    }
    if (cl) {
        y->cl = out;
    } else {
        y->nat = out;
    }
    return 0;
}

/* import_onnx_dense: BatchNormalization, MatMul, Gemm. */
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

int op_batchnorm(imp *I, const onnx_node *n, int emit)
{
    static const char *const roles[4] = { "scale", "bias", "mean", "var" };
    value *x = input_value(I, n, 0), *p[4], *y;
    int k;
    if (need_act(I, x, "X") != 0) {
        return -1;
    }
    if (attr_i(n, "training_mode", 0) != 0 || n->n_outputs > 1) {
        return unsupported(I, "training mode is not supported (inference only)");
    }
    if (x->ndim < 2) {
        return unsupported(I, "input of rank %d", x->ndim);
    }
    if (!isfinite(attr_f(n, "epsilon", 1e-5F)) || attr_f(n, "epsilon", 1e-5F) < 0.0F) {
        return unsupported(I, "epsilon %g is not a finite non-negative number",
                           (double)attr_f(n, "epsilon", 1e-5F));
    }
    for (k = 0; k < 4; k++) {
        p[k] = input_value(I, n, (size_t)k + 1);
        if (need_const(I, p[k], roles[k]) != 0) {
            return -1;
        }
        if (p[k]->ndim != 1 || p[k]->d[0] != x->d[1]) {
            return unsupported(I, "%s must have one value per channel", roles[k]);
        }
    }
    {
        int64_t c;
        float eps = attr_f(n, "epsilon", 1e-5F);
        for (c = 0; c < p[3]->d[0]; c++) {
            if (!(p[3]->f[c] + eps > 0.0F)) {
                return unsupported(I, "var + epsilon is %g for channel %lld (must be positive)",
                                   (double)(p[3]->f[c] + eps), (long long)c);
            }
        }
    }
    y = define_out(I, n, 0, x->ndim, x->d);
    if (y == NULL) {
        return I->failed ? -1 : unsupported(I, "no output");
    }
    if (emit) {
        const char *in = imp_act(I, x, 1);
        const char *out = tensor_name(I, y->name, "");
        layer *l = in != NULL && out != NULL ? new_layer(I, "batch_norm", node_name(n), "") : NULL;
        int32_t cs = (int32_t)x->d[1];
        if (l == NULL || set_io(I, l, in, out) != 0) {
            return -1;
        }
        lattr_float(l, "epsilon", attr_f(n, "epsilon", 1e-5F));
        for (k = 0; k < 4; k++) {
            float *c = alloc_n(I, cs, sizeof *c);
            if (c == NULL) {
                return -1;
            }
            memcpy(c, p[k]->f, (size_t)cs * sizeof *c);
            if (lparam_add(I, l, roles[k], 1, &cs, c) != 0) {
                return -1;
            }
        }
        if (has_cl(I, x)) {
            y->cl = out;
        } else {
            y->nat = out;
        }
    }
    return 0;
}

/* A dense layer y = x W^T (+ b) from a [K N] or [N K] constant. */
static int emit_dense(imp *I, const onnx_node *n, const char *in, value *y, const float *w,
                      int64_t k_in, int64_t n_out, int w_is_kn, float alpha, const float *bias,
                      float beta, const char *suffix)
{
    int32_t ws[2];
    int64_t kn = 0;
    float *wd = ckd_mul_i64(&kn, k_in, n_out) ? NULL : alloc_n(I, kn, sizeof *wd);
    const char *out = tensor_name(I, y->name, suffix);
    layer *l;
    int64_t i, j;
    if (wd == NULL) {
        return I->failed ? -1 : imp_oom(I);
    }
    l = in != NULL && out != NULL ? new_layer(I, "dense", node_name(n), "") : NULL;
    if (l == NULL || set_io(I, l, in, out) != 0) {
        free(wd);
        return -1;
    }
    for (i = 0; i < n_out; i++) {
        for (j = 0; j < k_in; j++) {
            float v = w_is_kn ? w[j * n_out + i] : w[i * k_in + j];
            wd[i * k_in + j] = alpha == 1.0F ? v : (float)((double)alpha * (double)v);
        }
    }
    lattr(l, "units", "%lld", (long long)n_out);
    ws[0] = (int32_t)n_out;
    ws[1] = (int32_t)k_in;
    if (lparam_add(I, l, "weight", 2, ws, wd) != 0) {
        return -1;
    }
    if (bias != NULL) {
        float *bd = alloc_n(I, n_out, sizeof *bd);
        if (bd == NULL) {
            return -1;
        }
        for (i = 0; i < n_out; i++) {
            bd[i] = beta == 1.0F ? bias[i] : (float)((double)beta * (double)bias[i]);
        }
        if (lparam_add(I, l, "bias", 1, ws, bd) != 0) {
            return -1;
        }
    }
    y->nat = out;
    y->layer = l->idx;
    return 0;
}

int op_matmul(imp *I, const onnx_node *n, int emit)
{
    value *a = input_value(I, n, 0), *b = input_value(I, n, 1), *y;
    int64_t od[MAXD];
    if (need_act(I, a, "A") != 0 || need_const(I, b, "B") != 0) {
        return -1;
    }
    if (b->ndim != 2 || a->ndim < 1 || a->d[a->ndim - 1] != b->d[0]) {
        return unsupported(I, "only activation x constant [K N] matrix products are supported");
    }
    if (a->ndim < 2) {
        return unsupported(I, "a 1-D activation operand is not supported");
    }
    memcpy(od, a->d, sizeof od);
    od[a->ndim - 1] = b->d[1];
    y = define_out(I, n, 0, a->ndim, od);
    if (y == NULL) {
        return I->failed ? -1 : unsupported(I, "no output");
    }
    if (!emit) {
        return 0;
    }
    {
        const char *in = imp_act(I, a, 0);
        return in != NULL ? emit_dense(I, n, in, y, b->f, b->d[0], b->d[1], 1, 1.0F, NULL, 1.0F, "")
                          : -1;
    }
}

int op_gemm(imp *I, const onnx_node *n, int emit)
{
    static const char *const known[] = { "alpha", "beta", "transA", "transB", "broadcast", NULL };
    value *a = input_value(I, n, 0), *b = input_value(I, n, 1), *c = input_value(I, n, 2), *y;
    int64_t ta = attr_i(n, "transA", 0), tb = attr_i(n, "transB", 0), k_in, n_out, od[2];
    float alpha = attr_f(n, "alpha", 1.0F), beta = attr_f(n, "beta", 1.0F);
    float *bias = NULL;
    const value *matrix_bias = NULL;
    int rc;
    if (known_attrs(I, n, known) != 0 || need_act(I, a, "A") != 0 ||
        need_const(I, b, "B") != 0) {
        return -1;
    }
    if (a->ndim != 2 || b->ndim != 2) {
        return unsupported(I, "A and B must be matrices");
    }
    if (ta != 0) {
        imp_touch(I); /* A's rows are its samples: transposing it mixes them */
    }
    k_in = ta ? a->d[0] : a->d[1];
    n_out = tb ? b->d[0] : b->d[1];
    if ((tb ? b->d[1] : b->d[0]) != k_in) {
        return unsupported(I, "A and B do not fit");
    }
    if (c != NULL) {
        int64_t i;
        if (need_const(I, c, "C") != 0) {
            return -1;
        }
        if (count_of(c->ndim, c->d) == 1) {
            bias = alloc_n(I, n_out, sizeof *bias);
            if (bias != NULL) {
                for (i = 0; i < n_out; i++) {
                    bias[i] = c->f[0];
                }
            }
        } else if (count_of(c->ndim, c->d) == n_out && c->d[c->ndim - 1] == n_out) {
            bias = alloc_n(I, n_out, sizeof *bias);
            if (bias != NULL) {
                memcpy(bias, c->f, (size_t)n_out * sizeof *bias);
            }
        } else if (count_of(c->ndim, c->d) == (ta ? a->d[1] : a->d[0]) * n_out) {
            imp_touch(I); /* a bias per row: rows are samples */
            matrix_bias = c;
        } else {
            return unsupported(I, "bias C does not broadcast to [M N]");
        }
        if (bias == NULL && matrix_bias == NULL) {
            return -1; /* alloc_n reported it */
        }
    }
    od[0] = ta ? a->d[1] : a->d[0];
    od[1] = n_out;
    y = define_out(I, n, 0, 2, od);
    if (y == NULL) {
        free(bias);
        return I->failed ? -1 : unsupported(I, "no output");
    }
    if (!emit) {
        free(bias);
        return 0;
    }
    {
        const char *in = imp_act(I, a, 0);
        if (in != NULL && ta) { /* batch kept: A is one sample [K M] -> [M K] */
            const char *t = tensor_name(I, a->name, ".T");
            layer *l = t != NULL ? new_layer(I, "transpose", node_name(n), ".transA") : NULL;
            if (l == NULL || set_io(I, l, in, t) != 0) {
                free(bias);
                return -1;
            }
            lattr(l, "perm", "1 0");
            in = t;
        }
        rc = in != NULL ? emit_dense(I, n, in, y, b->f, k_in, n_out, tb ? 0 : 1, alpha, bias,
                                     beta, matrix_bias != NULL ? ".mm" : "")
                        : -1;
    }
    free(bias);
    if (rc == 0 && matrix_bias != NULL) { /* + beta * C, one row per sample row */
        int64_t cnt = od[0] * n_out, i;
        int32_t cs[2];
        float *cd = expand_const(I, matrix_bias, 2, od);
        const char *cname;
        char ins[600];
        const char *out = tensor_name(I, y->name, "");
        layer *l;
        if (cd == NULL || out == NULL) {
            free(cd);
            return -1;
        }
        for (i = 0; i < cnt; i++) {
            cd[i] = beta == 1.0F ? cd[i] : (float)((double)beta * (double)cd[i]);
        }
        cs[0] = (int32_t)od[0];
        cs[1] = (int32_t)n_out;
        cname = add_konst(I, matrix_bias->name, 2, cs, cd);
        l = cname != NULL ? new_layer(I, "add", node_name(n), ".bias") : NULL;
        if (l == NULL) {
            return -1;
        }
        snprintf(ins, sizeof ins, "%s %s", y->nat, cname);
        if (set_io(I, l, ins, out) != 0) {
            return -1;
        }
        y->nat = out;
        y->layer = -1;
    }
    return rc;
}

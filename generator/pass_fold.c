/* pass_fold: canonical weights.
 *
 * 1. Every dense/conv gets a bias (zeros when the model has none), so the
 *    kernels have one form.
 * 2. A batch_norm whose input comes from a dense/conv with no activation,
 *    and feeds nothing else, is folded into that layer's weights and bias:
 *       s[c] = scale[c] / sqrt(var[c] + epsilon)
 *       W'[c, ...] = W[c, ...] * s[c]
 *       b'[c] = (b[c] - mean[c]) * s[c] + bias[c]
 *    computed in double and rounded once to float.
 * 3. Any other batch_norm becomes a per-channel affine y = x * s + t with
 *    t[c] = bias[c] - mean[c] * s[c].
 */
#include "pass.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int ensure_bias(ir_graph *g, int ni)
{
    ir_node *n = &g->n[ni];
    ir_shape s;
    float *zeros;
    char name[300];
    int32_t c;
    int ti;
    if (n->params[1] >= 0) {
        return 0;
    }
    c = n->op == IR_OP_DENSE ? n->units : n->filters;
    zeros = calloc((size_t)c, sizeof *zeros);
    if (zeros == NULL) {
        return -1;
    }
    memset(&s, 0, sizeof s);
    s.rank = 1;
    s.d[0] = c;
    snprintf(name, sizeof name, "%s.bias", n->name);
    ti = ir_add_const(g, name, &s, zeros, n->line);
    free(zeros);
    if (ti < 0) {
        return -1;
    }
    g->n[ni].params[1] = ti;
    return 0;
}

static int is_weighted(ir_op op)
{
    return op == IR_OP_DENSE || op == IR_OP_CONV2D || op == IR_OP_CONV1D;
}

/* s[c] and t[c] of a batch_norm, in double. */
static void bn_coeffs(const ir_graph *g, const ir_node *bn, int32_t c, double *s, double *t)
{
    const float *scale = g->t[bn->params[0]].data, *bias = g->t[bn->params[1]].data;
    const float *mean = g->t[bn->params[2]].data, *var = g->t[bn->params[3]].data;
    *s = (double)scale[c] / sqrt((double)var[c] + (double)bn->epsilon);
    *t = (double)bias[c] - (double)mean[c] * *s;
}

static int fold_into(ir_graph *g, int pi, int bi)
{
    ir_node *p = &g->n[pi];
    const ir_node *bn = &g->n[bi];
    float *w = g->t[p->params[0]].data, *b = g->t[p->params[1]].data;
    int32_t oc = p->op == IR_OP_DENSE ? p->units : p->filters, c;
    int64_t per = ir_shape_count(&g->t[p->params[0]].shape) / oc, k;
    for (c = 0; c < oc; c++) {
        double s, t;
        bn_coeffs(g, bn, c, &s, &t);
        for (k = 0; k < per; k++) {
            w[(int64_t)c * per + k] = (float)((double)w[(int64_t)c * per + k] * s);
        }
        b[c] = (float)((double)b[c] * s + t);
    }
    p->output = bn->output;
    g->n[bi].dead = 1;
    return ir_node_append_fused(p, bn->name);
}

static int to_affine(ir_graph *g, int bi)
{
    ir_node *bn = &g->n[bi];
    int32_t n = g->t[bn->params[0]].shape.d[0], c;
    float *s = malloc((size_t)n * sizeof *s), *t = malloc((size_t)n * sizeof *t);
    char name[300];
    ir_shape sh = g->t[bn->params[0]].shape;
    int si, ti, rc = -1;
    if (s != NULL && t != NULL) {
        for (c = 0; c < n; c++) {
            double ds, dt;
            bn_coeffs(g, bn, c, &ds, &dt);
            s[c] = (float)ds;
            t[c] = (float)dt;
        }
        snprintf(name, sizeof name, "%s.affine_scale", bn->name);
        si = ir_add_const(g, name, &sh, s, bn->line);
        snprintf(name, sizeof name, "%s.affine_shift", g->n[bi].name);
        ti = si >= 0 ? ir_add_const(g, name, &sh, t, g->n[bi].line) : -1;
        if (ti >= 0) {
            bn = &g->n[bi];
            bn->op = IR_OP_AFFINE;
            bn->params[0] = si;
            bn->params[1] = ti;
            bn->params[2] = -1;
            bn->params[3] = -1;
            rc = 0;
        }
    }
    free(s);
    free(t);
    return rc;
}

int pass_fold(ir_graph *g, diag *d)
{
    int i, n = g->nn;
    for (i = 0; i < n; i++) {
        if (is_weighted(g->n[i].op) && ensure_bias(g, i) != 0) {
            diag_io(d, NULL, "out of memory");
            return -1;
        }
    }
    ir_link(g);
    for (i = 0; i < n; i++) {
        int in, p, rc;
        if (g->n[i].op != IR_OP_BATCHNORM) {
            continue;
        }
        in = g->n[i].inputs[0];
        p = g->t[in].producer;
        if (p >= 0 && is_weighted(g->n[p].op) && g->n[p].act.kind == STOIC_ACT_NONE &&
            g->t[in].n_consumers == 1 && ir_output_index(g, in) < 0) {
            rc = fold_into(g, p, i);
        } else {
            rc = to_affine(g, i);
        }
        if (rc != 0) {
            diag_io(d, NULL, "out of memory");
            return -1;
        }
        ir_link(g);
    }
    if (ir_compact(g) != 0) {
        diag_io(d, NULL, "out of memory");
        return -1;
    }
    return 0;
}

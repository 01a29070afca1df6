/* pass_quantize: float graph + calibrated ranges -> integer graph.
 *
 * Every node computes in the precision its `target` asks for (the CLI's
 * --precision, overridden per layer by the compression policy). This pass
 * decides everything the integer kernels need and records it in the IR
 * (../shared/arithmetic.md):
 *  - each activation tensor's dtype, scale and zero point: int8 asymmetric
 *    from its calibrated range, int16 symmetric; data movement (max pool,
 *    pad, transpose, reshape) keeps its input's; sigmoid, tanh and softmax
 *    have fixed output scales (1/256 or 1/128 for int8, 1/32768 for int16);
 *  - int8 weights per output channel (symmetric), int32 bias (int64 for
 *    int16 activations), a requantization multiplier per output channel;
 *  - multipliers of pools, add/mul, concat, clamps and conversions;
 *  - the tables of sigmoid, tanh, leaky relu (256 entries for int8, 513
 *    interpolated for int16) and of softmax's exponential;
 *  - a convert node wherever a tensor meets a consumer of another dtype
 *    (mixed precision), and at the model's float boundary;
 *  - the overflow bound of every accumulator: the largest |acc| any input
 *    can give, checked against what the accumulator holds (2^31 - 1 for
 *    int32, 2^47 for the int64 accumulators of the 16x8 kernels, the
 *    precondition of stoic_requantize64).
 * Anything that cannot be represented is an error naming the layer.
 *
 * pass_unfuse runs first (before calibration): an integer layer cannot
 * apply a fused sigmoid, tanh or leaky relu, so these become stand-alone
 * table layers, and calibration sees the tensor between the two. */
#include "pass.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quant.h"

#define ACC32_LIMIT ((int64_t)2147483647)
#define ACC64_LIMIT ((int64_t)1 << 47)

static int is_int(ir_dtype dt)
{
    return dt == IR_DT_S8 || dt == IR_DT_S16;
}

static int32_t qmin_of(ir_dtype dt)
{
    return dt == IR_DT_S16 ? -32768 : -128;
}

static int32_t qmax_of(ir_dtype dt)
{
    return dt == IR_DT_S16 ? 32767 : 127;
}

static int table_act(int32_t kind)
{
    return kind == STOIC_ACT_LEAKY || kind == STOIC_ACT_SIGMOID || kind == STOIC_ACT_TANH;
}

static int takes_act(ir_op op)
{
    return op == IR_OP_DENSE || op == IR_OP_CONV2D || op == IR_OP_CONV1D || op == IR_OP_ADD ||
           op == IR_OP_MUL || op == IR_OP_AFFINE;
}

static int oom(diag *d)
{
    diag_io(d, NULL, "out of memory");
    return -1;
}

int pass_unfuse(ir_graph *g, diag *d)
{
    int i, n0 = g->nn;
    char buf[512];
    for (i = 0; i < n0; i++) {
        ir_node *n = &g->n[i];
        int t, ni, out;
        if (!is_int(n->target) || !takes_act(n->op) || !table_act(n->act.kind)) {
            continue;
        }
        out = n->output;
        snprintf(buf, sizeof buf, "%s.pre", g->t[out].name);
        t = ir_add_tensor(g, buf, IR_T_ACT, n->line);
        if (t < 0) {
            return oom(d);
        }
        g->t[t].shape = g->t[out].shape;
        snprintf(buf, sizeof buf, "%s.act", g->n[i].name);
        ni = ir_add_node(g, IR_OP_ACTIVATION, buf, "activation", g->n[i].line);
        if (ni < 0) {
            return oom(d);
        }
        n = &g->n[i]; /* ir_add_node may move the array */
        g->n[ni].inputs = malloc(sizeof(int));
        if (g->n[ni].inputs == NULL) {
            return oom(d);
        }
        g->n[ni].inputs[0] = t;
        g->n[ni].n_inputs = 1;
        g->n[ni].output = out;
        g->n[ni].act = n->act;
        g->n[ni].act_name = n->act_name;
        g->n[ni].target = n->target;
        n->act_name = NULL;
        n->act.kind = STOIC_ACT_NONE;
        n->act.lo = -STOIC_FLT_MAX;
        n->act.hi = STOIC_FLT_MAX;
        n->output = t;
    }
    ir_link(g);
    return 0;
}

/* ---- helpers ----------------------------------------------------------- */

typedef struct {
    ir_graph *g;
    diag *d;
    const double *lo, *hi; /* calibrated ranges of the tensors that existed */
    const int *has_range;
    double *const *mean;   /* per tensor: mean of each channel (last axis), or NULL */
    int n_ranged;          /* tensors with an index below this have a range slot */
} qctx;

static int set_q_from_range(qctx *c, int t, ir_dtype dt, double lo, double hi, long line,
                            const char *layer)
{
    quant_params q;
    int rc = dt == IR_DT_S16 ? quant_sym_s16(lo, hi, &q) : quant_asym_s8(lo, hi, &q);
    if (rc != 0) {
        diag_error(c->d, c->g->file, line, "layer '%s': no valid %s quantization of the range "
                   "[%g, %g] of '%s'", layer, ir_dtype_name(dt), lo, hi, c->g->t[t].name);
        return -1;
    }
    c->g->t[t].dtype = dt;
    c->g->t[t].has_q = 1;
    c->g->t[t].scale = q.scale;
    c->g->t[t].zp = q.zero_point;
    return 0;
}

/* The real range a tensor stands for: calibrated, or that of its grid. */
static void range_of(const qctx *c, int t, double *lo, double *hi)
{
    const ir_tensor *x = &c->g->t[t];
    if (t < c->n_ranged && c->has_range[t]) {
        *lo = c->lo[t];
        *hi = c->hi[t];
    } else if (x->has_q) {
        *lo = x->scale * (double)(qmin_of(x->dtype) - x->zp);
        *hi = x->scale * (double)(qmax_of(x->dtype) - x->zp);
    } else {
        *lo = 0.0;
        *hi = 0.0;
    }
}

/* A constant tensor of multipliers; returns its index. M[k] > 0. */
static int add_qmul(qctx *c, const ir_node *n, const char *what, const double *M, int count)
{
    stoic_qmul *q = malloc((size_t)count * sizeof *q);
    ir_shape s;
    char name[512];
    int k, t;
    if (q == NULL) {
        return oom(c->d);
    }
    for (k = 0; k < count; k++) {
        if (quant_multiplier(M[k], &q[k].m, &q[k].shift) != 0) {
            diag_error(c->d, c->g->file, n->line,
                       "layer '%s': the %s requantization multiplier %g (entry %d) cannot be "
                       "represented (|log2| too large); use a wider precision for this layer",
                       n->name, what, M[k], k);
            free(q);
            return -1;
        }
    }
    memset(&s, 0, sizeof s);
    s.rank = 1;
    s.d[0] = count;
    snprintf(name, sizeof name, "%s.qmul", n->name);
    t = ir_add_qconst(c->g, name, &s, IR_DT_QMUL, q, n->line);
    free(q);
    return t < 0 ? oom(c->d) : t;
}

static int add_table(qctx *c, const ir_node *n, const char *suffix, ir_dtype dt, const void *v,
                     int count)
{
    ir_shape s;
    char name[512];
    int t;
    memset(&s, 0, sizeof s);
    s.rank = 1;
    s.d[0] = count;
    snprintf(name, sizeof name, "%s.%s", n->name, suffix);
    t = ir_add_qconst(c->g, name, &s, dt, v, n->line);
    return t < 0 ? oom(c->d) : t;
}

/* Largest |q_x - zp_x| of a tensor's grid. */
static int64_t max_in_mag(const ir_tensor *x)
{
    int64_t a = (int64_t)qmax_of(x->dtype) - x->zp, b = (int64_t)x->zp - qmin_of(x->dtype);
    return a > b ? a : b;
}

static int check_bound(qctx *c, ir_node *n, int64_t bound, int64_t limit)
{
    n->acc_bound = bound;
    n->acc_limit = limit;
    if (bound > limit) {
        diag_error(c->d, c->g->file, n->line,
                   "layer '%s': the %s accumulator could overflow (largest |acc| %lld > %lld); "
                   "use a wider precision for this layer", n->name, ir_dtype_name(n->prec),
                   (long long)bound, (long long)limit);
        return -1;
    }
    return 0;
}

/* Bias correction (Nagel et al., "Data-Free Quantization", 2019): the
 * quantized weights of output channel k change its expected output by
 * sum_j (q_w[k][j] s_w[k] - w[k][j]) E[x_c(j)], with E[x_c] the mean of
 * input channel c over the calibration data; the bias absorbs it, so the
 * layer's output error has zero mean on that data. (Padded taps of a
 * convolution read 0, not the mean; the correction ignores that.) */
static double weight_error(const qctx *c, const ir_node *n, const ir_tensor *w,
                           const int8_t *qw, const double *sw, int64_t k, int64_t per)
{
    const double *mean = c->mean != NULL && n->inputs[0] < c->n_ranged ? c->mean[n->inputs[0]]
                                                                         : NULL;
    const ir_shape *is = &c->g->t[n->inputs[0]].shape;
    int32_t cin = is->d[is->rank - 1], cin_g = cin / (n->groups > 0 ? n->groups : 1);
    int32_t ch = w->shape.d[0], grp = n->groups > 0 ? n->groups : 1;
    int64_t j;
    double e = 0.0;
    if (mean == NULL || n->op == IR_OP_AFFINE) {
        return 0.0;
    }
    for (j = 0; j < per; j++) {
        int32_t ci = (int32_t)(j % cin_g) + (int32_t)(k / (ch / grp)) * cin_g;
        double dq = (double)qw[k * per + j] * sw[k] - (double)w->data[k * per + j];
        if (n->op == IR_OP_DENSE) {
            ci = (int32_t)(j % cin);
        }
        e += dq * mean[ci];
    }
    return e;
}

/* dense, conv, conv1d, affine: int8 weights per output channel, bias,
 * multipliers, overflow bound. */
static int quantize_weighted(qctx *c, int ni)
{
    ir_graph *g = c->g;
    ir_node *n = &g->n[ni];
    const ir_tensor *in = &g->t[n->inputs[0]], *out = &g->t[n->output];
    const ir_tensor *w = &g->t[n->params[0]], *b = &g->t[n->params[1]];
    int32_t ch = w->shape.d[0];
    int64_t per = ir_shape_count(&w->shape) / ch, k, j;
    int8_t *qw = malloc((size_t)(ch * per) + 1);
    double *sw = malloc((size_t)ch * sizeof *sw), *M = malloc((size_t)ch * sizeof *M);
    void *qb = malloc((size_t)ch * 8);
    int64_t bound = 0, limit = n->prec == IR_DT_S16 ? ACC64_LIMIT : ACC32_LIMIT;
    int tw, tb, tq, rc = 0, zeroed = 0;
    char name[512];
    ir_shape bs;
    if (qw == NULL || sw == NULL || M == NULL || qb == NULL) {
        free(qw), free(sw), free(M), free(qb);
        return oom(c->d);
    }
    if (n->op == IR_OP_AFFINE) { /* scale per channel: one weight per channel */
        const float *sc = w->data;
        for (k = 0; k < ch; k++) {
            double a = fabs((double)sc[k]);
            sw[k] = a > 0.0 ? a / 127.0 : 1.0;
            qw[k] = (int8_t)(sc[k] > 0.0F ? 127 : (sc[k] < 0.0F ? -127 : 0));
        }
    } else {
        quant_weights_s8(w->data, ch, per, qw, sw);
    }
    /* A channel whose weights are so small that its multiplier has no Q31
     * form (M < 2^-32: a dead unit, weights decayed to ~1e-26) contributes
     * less than 2^-32 of an output step per accumulator unit: its weights
     * become exactly 0 and its scale s_out / s_in (M = 1), so the output is
     * its bias alone. */
    for (k = 0; k < ch; k++) {
        int32_t mm, sh;
        if (quant_multiplier(in->scale * sw[k] / out->scale, &mm, &sh) != 0 &&
            in->scale * sw[k] / out->scale < 1.0) {
            for (j = 0; j < per; j++) {
                qw[k * per + j] = 0;
            }
            sw[k] = out->scale / in->scale;
            zeroed++;
        }
    }
    if (zeroed > 0) {
        diag_note(c->d, c->g->file, n->line,
                  "layer '%s': %d output channel%s below the output resolution: weights "
                  "quantized to 0", n->name, zeroed, zeroed == 1 ? " has weights" : "s have weights");
    }
    for (k = 0; k < ch && rc == 0; k++) {
        double sb = in->scale * sw[k];
        double bias = (double)b->data[k] - weight_error(c, n, w, qw, sw, k, per);
        double v = round(bias / sb);
        int64_t sum = 0;
        if (fabs(v) > (double)limit) {
            rc = check_bound(c, n, limit + 1, limit);
            break;
        }
        if (n->prec == IR_DT_S16) {
            ((int64_t *)qb)[k] = (int64_t)v;
        } else {
            ((int32_t *)qb)[k] = (int32_t)v;
        }
        for (j = 0; j < per; j++) {
            int32_t q = qw[k * per + j];
            sum += q < 0 ? -q : q;
        }
        sum = (int64_t)fabs(v) + sum * max_in_mag(in);
        bound = sum > bound ? sum : bound;
        M[k] = sb / out->scale;
    }
    if (rc == 0) {
        rc = check_bound(c, n, bound, limit);
    }
    if (rc == 0) {
        ir_shape ws = w->shape;
        if (n->op == IR_OP_AFFINE) {
            memset(&ws, 0, sizeof ws);
            ws.rank = 4;
            ws.d[0] = ch;
            ws.d[1] = ws.d[2] = ws.d[3] = 1;
        }
        snprintf(name, sizeof name, "%s.q", w->name);
        tw = ir_add_qconst(g, name, &ws, IR_DT_S8, qw, w->line);
        memset(&bs, 0, sizeof bs);
        bs.rank = 1;
        bs.d[0] = ch;
        snprintf(name, sizeof name, "%s.q", g->t[g->n[ni].params[1]].name);
        tb = tw < 0 ? -1
                    : ir_add_qconst(g, name, &bs, n->prec == IR_DT_S16 ? IR_DT_S64 : IR_DT_S32,
                                    qb, g->t[g->n[ni].params[1]].line);
        if (tw < 0 || tb < 0) {
            rc = oom(c->d);
        } else {
            tq = add_qmul(c, &g->n[ni], "output", M, ch);
            if (tq < 0) {
                rc = -1;
            } else {
                g->n[ni].params[0] = tw;
                g->n[ni].params[1] = tb;
                g->n[ni].params[2] = tq;
            }
        }
    }
    free(qw);
    free(sw);
    free(M);
    free(qb);
    return rc;
}

static double act_f(const stoic_act_f32 *a, double x)
{
    switch (a->kind) {
    case STOIC_ACT_SIGMOID:
        return 1.0 / (1.0 + exp(-x));
    case STOIC_ACT_TANH:
        return tanh(x);
    case STOIC_ACT_LEAKY:
        return x >= 0.0 ? x : (double)a->alpha * x;
    default:
        return x;
    }
}

static int32_t qround(const ir_tensor *t, double y)
{
    double q = round(y / t->scale) + (double)t->zp;
    double lo = (double)qmin_of(t->dtype), hi = (double)qmax_of(t->dtype);
    return (int32_t)(q < lo ? lo : (q > hi ? hi : q));
}

static int quantize_table(qctx *c, int ni)
{
    ir_graph *g = c->g;
    const ir_node *n = &g->n[ni];
    const ir_tensor *in = &g->t[n->inputs[0]], *out = &g->t[n->output];
    int t, k;
    if (n->prec == IR_DT_S8) {
        int8_t tab[256];
        for (k = 0; k < 256; k++) {
            double x = in->scale * (double)(k - 128 - in->zp);
            tab[k] = (int8_t)qround(out, act_f(&n->act, x));
        }
        t = add_table(c, n, "table", IR_DT_S8, tab, 256);
    } else {
        int16_t tab[513];
        for (k = 0; k < 513; k++) {
            double x = in->scale * (double)(128 * k - 32768);
            tab[k] = (int16_t)qround(out, act_f(&n->act, x));
        }
        t = add_table(c, n, "table", IR_DT_S16, tab, 513);
    }
    if (t < 0) {
        return -1;
    }
    g->n[ni].params[3] = t;
    return 0;
}

static int quantize_softmax(qctx *c, int ni)
{
    ir_graph *g = c->g;
    const ir_node *n = &g->n[ni];
    const ir_tensor *in = &g->t[n->inputs[0]];
    const ir_shape *is = &in->shape;
    int32_t tab[513];
    int k, cnt = n->prec == IR_DT_S16 ? 513 : 256, t;
    if (is->d[n->axis] > 65535) {
        diag_error(c->d, g->file, n->line, "layer '%s': an integer softmax takes at most 65535 "
                   "values along its axis", n->name);
        return -1;
    }
    for (k = 0; k < cnt; k++) {
        double dd = n->prec == IR_DT_S16 ? 128.0 * k : (double)k;
        tab[k] = (int32_t)round(32768.0 * exp(-in->scale * dd));
    }
    t = add_table(c, n, "exp_table", IR_DT_S32, tab, cnt);
    if (t < 0) {
        return -1;
    }
    g->n[ni].params[3] = t;
    return 0;
}

/* A constant input of an integer node (add/mul/concat operand): its own
 * quantized copy. */
static int quantize_const_input(qctx *c, int ni, int k, ir_dtype dt)
{
    ir_graph *g = c->g;
    int src = g->n[ni].inputs[k], t;
    int64_t m, cnt = ir_shape_count(&g->t[src].shape);
    double lo = 0.0, hi = 0.0;
    char name[512];
    void *q = malloc((size_t)cnt * 2 + 2);
    if (q == NULL) {
        return oom(c->d);
    }
    for (m = 0; m < cnt; m++) {
        double v = (double)g->t[src].data[m];
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
    }
    snprintf(name, sizeof name, "%s.q", g->t[src].name);
    t = ir_add_qconst(g, name, &g->t[src].shape, dt, q, g->t[src].line);
    free(q);
    if (t < 0) {
        return oom(c->d);
    }
    if (set_q_from_range(c, t, dt, lo, hi, g->n[ni].line, g->n[ni].name) != 0) {
        return -1;
    }
    for (m = 0; m < cnt; m++) {
        int32_t v = qround(&g->t[t], (double)g->t[src].data[m]);
        if (dt == IR_DT_S16) {
            ((int16_t *)g->t[t].qdata)[m] = (int16_t)v;
        } else {
            ((int8_t *)g->t[t].qdata)[m] = (int8_t)v;
        }
    }
    g->n[ni].inputs[k] = t;
    return 0;
}

/* The tensor that holds src in dtype dt (a convert node, made once). */
static int converted(qctx *c, int src, ir_dtype dt, long line, int *cache)
{
    ir_graph *g = c->g;
    char name[512];
    int t, ni;
    double lo, hi;
    if (src >= c->n_ranged * 2 + 64) {
        diag_io(c->d, NULL, "internal error: conversion of an unexpected tensor");
        return -1;
    }
    if (cache[src * 3 + (int)dt] >= 0) {
        return cache[src * 3 + (int)dt];
    }
    snprintf(name, sizeof name, "%s.%s", g->t[src].name, ir_dtype_name(dt));
    t = ir_add_tensor(g, name, IR_T_ACT, line);
    if (t < 0) {
        return oom(c->d);
    }
    g->t[t].shape = g->t[src].shape;
    g->t[t].dtype = dt;
    if (is_int(dt)) {
        range_of(c, src, &lo, &hi);
        if (set_q_from_range(c, t, dt, lo, hi, line, name) != 0) {
            return -1;
        }
    }
    snprintf(name, sizeof name, "%s.to_%s", g->t[src].name, ir_dtype_name(dt));
    ni = ir_add_node(g, IR_OP_CONVERT, name, "convert", line);
    if (ni < 0) {
        return oom(c->d);
    }
    g->n[ni].inputs = malloc(sizeof(int));
    if (g->n[ni].inputs == NULL) {
        return oom(c->d);
    }
    g->n[ni].inputs[0] = src;
    g->n[ni].n_inputs = 1;
    g->n[ni].output = t;
    g->n[ni].prec = dt;
    g->n[ni].target = dt;
    if (is_int(dt) && is_int(g->t[src].dtype)) {
        double M = g->t[src].scale / g->t[t].scale;
        int q = add_qmul(c, &g->n[ni], "conversion", &M, 1);
        if (q < 0) {
            return -1;
        }
        g->n[ni].params[2] = q;
    }
    cache[src * 3 + (int)dt] = t;
    return t;
}

static int quantize_node(qctx *c, int ni, int *cache)
{
    ir_graph *g = c->g;
    ir_node *n = &g->n[ni];
    ir_dtype P = n->target;
    int k, in0, out = n->output;
    double lo, hi, M[3];
    n->prec = P;
    /* inputs in the node's dtype */
    for (k = 0; k < n->n_inputs; k++) {
        int src = n->inputs[k];
        if (g->t[src].kind == IR_T_CONST) {
            if (is_int(P) && quantize_const_input(c, ni, k, P) != 0) {
                return -1;
            }
            n = &g->n[ni];
            continue;
        }
        if (g->t[src].dtype != P) {
            int t = converted(c, src, P, n->line, cache);
            if (t < 0) {
                return -1;
            }
            n = &g->n[ni];
            n->inputs[k] = t;
        }
    }
    g->t[out].dtype = P;
    if (!is_int(P)) {
        return 0;
    }
    in0 = n->inputs[0];
    /* the output's grid */
    switch (n->op) {
    case IR_OP_MAXPOOL2D:
    case IR_OP_PAD:
    case IR_OP_TRANSPOSE:
    case IR_OP_RESHAPE:
        g->t[out].has_q = 1;
        g->t[out].scale = g->t[in0].scale;
        g->t[out].zp = g->t[in0].zp;
        break;
    case IR_OP_SOFTMAX:
        g->t[out].has_q = 1;
        g->t[out].scale = P == IR_DT_S16 ? 1.0 / 32768.0 : 1.0 / 256.0;
        g->t[out].zp = P == IR_DT_S16 ? 0 : -128;
        break;
    case IR_OP_ACTIVATION:
        if (n->act.kind == STOIC_ACT_SIGMOID || n->act.kind == STOIC_ACT_TANH) {
            g->t[out].has_q = 1;
            g->t[out].scale = P == IR_DT_S16 ? 1.0 / 32768.0
                                             : (n->act.kind == STOIC_ACT_SIGMOID ? 1.0 / 256.0
                                                                                 : 1.0 / 128.0);
            g->t[out].zp = P == IR_DT_S8 && n->act.kind == STOIC_ACT_SIGMOID ? -128 : 0;
            break;
        }
        /* fall through */
    default:
        if (!(out < c->n_ranged && c->has_range[out])) {
            diag_io(c->d, NULL, "internal error: tensor '%s' was not calibrated", g->t[out].name);
            return -1;
        }
        range_of(c, out, &lo, &hi);
        if (set_q_from_range(c, out, P, lo, hi, n->line, n->name) != 0) {
            return -1;
        }
        break;
    }
    /* constants, multipliers, tables */
    switch (n->op) {
    case IR_OP_DENSE:
    case IR_OP_CONV2D:
    case IR_OP_CONV1D:
    case IR_OP_AFFINE:
        return quantize_weighted(c, ni);
    case IR_OP_MAXPOOL2D:
    case IR_OP_PAD:
    case IR_OP_TRANSPOSE:
    case IR_OP_RESHAPE:
        n->acc_bound = max_in_mag(&g->t[in0]);
        n->acc_limit = ACC32_LIMIT;
        return 0;
    case IR_OP_AVGPOOL2D:
    case IR_OP_GAVGPOOL: {
        const ir_shape *is = &g->t[in0].shape;
        int32_t win = n->op == IR_OP_GAVGPOOL ? is->d[0] * is->d[1] : n->kernel[0] * n->kernel[1];
        int all = n->op == IR_OP_GAVGPOOL || n->count_include_pad ||
                  (n->pads[0] == 0 && n->pads[1] == 0 && n->pads[2] == 0 && n->pads[3] == 0);
        int cnt = all ? 1 : win + 1, q;
        double *m = malloc((size_t)cnt * sizeof *m);
        if (m == NULL) {
            return oom(c->d);
        }
        for (k = 0; k < cnt; k++) {
            int32_t div = all ? win : (k > 0 ? k : 1);
            m[k] = g->t[in0].scale / (g->t[out].scale * (double)div);
        }
        if (all && n->op == IR_OP_AVGPOOL2D) {
            n->count_include_pad = 1; /* no window reaches padding: the same average */
        }
        q = add_qmul(c, n, "average", m, cnt);
        free(m);
        if (q < 0) {
            return -1;
        }
        g->n[ni].params[2] = q;
        return check_bound(c, &g->n[ni], (int64_t)win * max_in_mag(&g->t[in0]), ACC32_LIMIT);
    }
    case IR_OP_ACTIVATION:
        if (table_act(n->act.kind)) {
            return quantize_table(c, ni);
        }
        M[0] = g->t[in0].scale / g->t[out].scale;
        k = add_qmul(c, n, "clamp", M, 1);
        if (k < 0) {
            return -1;
        }
        g->n[ni].params[2] = k;
        return 0;
    case IR_OP_SOFTMAX:
        return quantize_softmax(c, ni);
    case IR_OP_ADD:
    case IR_OP_MUL: {
        double sa = g->t[n->inputs[0]].scale, sb = g->t[n->inputs[1]].scale;
        double so = g->t[out].scale;
        if (n->op == IR_OP_ADD) {
            double tw = 2.0 * (sa > sb ? sa : sb);
            M[0] = sa / tw;
            M[1] = sb / tw;
            M[2] = tw / ((P == IR_DT_S16 ? 32768.0 : 1048576.0) * so);
        } else {
            M[0] = M[1] = 1.0;
            M[2] = sa * sb / so;
        }
        k = add_qmul(c, n, n->op == IR_OP_ADD ? "add" : "mul", M, 3);
        if (k < 0) {
            return -1;
        }
        g->n[ni].params[2] = k;
        return 0;
    }
    case IR_OP_CONCAT: {
        double *m = malloc((size_t)n->n_inputs * sizeof *m);
        if (m == NULL) {
            return oom(c->d);
        }
        for (k = 0; k < n->n_inputs; k++) {
            m[k] = g->t[n->inputs[k]].scale / g->t[out].scale;
        }
        k = add_qmul(c, n, "concat", m, n->n_inputs);
        free(m);
        if (k < 0) {
            return -1;
        }
        g->n[ni].params[2] = k;
        return 0;
    }
    default:
        diag_error(c->d, g->file, n->line, "layer '%s': %s has no %s kernel", n->name,
                   ir_op_name(n->op), ir_dtype_name(P));
        return -1;
    }
}

int pass_quantize(ir_graph *g, const double *lo, const double *hi, const int *has_range,
                  double *const *mean, diag *d)
{
    qctx c;
    int i, n0 = g->nn, first = -1, k, rc = 0;
    int *cache;
    c.g = g;
    c.d = d;
    c.lo = lo;
    c.hi = hi;
    c.has_range = has_range;
    c.mean = mean;
    c.n_ranged = g->nt;
    /* one convert per (tensor, dtype); converts only add tensors, so the
     * cache is sized for the worst case: every node adds at most n_inputs */
    cache = malloc(((size_t)g->nt * 2 + 64) * 3 * sizeof *cache);
    if (cache == NULL) {
        return oom(d);
    }
    for (i = 0; i < (g->nt * 2 + 64) * 3; i++) {
        cache[i] = -1;
    }
    /* the model input takes the dtype of its first consumer */
    for (i = 0; i < n0 && first < 0; i++) {
        for (k = 0; k < g->n[i].n_inputs; k++) {
            if (g->n[i].inputs[k] == g->input) {
                first = i;
            }
        }
    }
    if (first >= 0 && is_int(g->n[first].target)) {
        double l, h;
        range_of(&c, g->input, &l, &h);
        rc = set_q_from_range(&c, g->input, g->n[first].target, l, h, g->n[first].line,
                              g->n[first].name);
    }
    for (i = 0; i < n0 && rc == 0; i++) {
        rc = quantize_node(&c, i, cache);
    }
    free(cache);
    if (rc != 0) {
        return -1;
    }
    ir_link(g);
    if (ir_compact(g) != 0) {
        return oom(d);
    }
    return 0;
}

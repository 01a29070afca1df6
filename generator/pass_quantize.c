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
#include "resize.h"

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
    return kind == STOIC_ACT_LEAKY || kind == STOIC_ACT_SIGMOID || kind == STOIC_ACT_TANH ||
           kind == STOIC_ACT_HARD_SIGMOID || kind == STOIC_ACT_HARD_SWISH;
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
        n->act.alpha = 0.0F;
        n->act.beta = 0.0F;
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
    int rnn_tables;        /* the recurrent layers' gate tables (a constant), or -1 */
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

/* A constant tensor of multipliers; returns its index. M[k] > 0. The
 * output multipliers of dense and conv layers are packed words
 * (quant_multiplier_pack: 26 significant bits and the right shift minus
 * one in the low 5), so that the packed kernels read a multiplier and its
 * shift in one word (stoic_rt.h; a relative change of the scale below
 * 2^-26). */
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
        if (quant_multiplier(M[k], &q[k].m, &q[k].shift) != 0 ||
            (strcmp(what, "output") == 0 && quant_multiplier_pack(&q[k].m, &q[k].shift) != 0)) {
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

/* ---- quantization error bound (README "Quantization error bound") ------ *
 * Per tensor: [r_lo, r_hi], an interval holding the float model's values
 * for every input inside the declared input domain (interval arithmetic
 * from the input's calibrated range), and eb, a bound on |real value of the
 * integer code - float model's value| there. The terms: rounding to a grid
 * (half a step), the requantization's two roundings (SRDHM then RDBPOT: at
 * most one output step together), a Q31 multiplier's relative error
 * (2^-31), the weights' and bias' quantization (their exact differences),
 * the input errors carried through the layer (sum of |weights| times the
 * input's bound), a quantized clamp bound (half a step), and saturation:
 * the distance from the interval to the output grid. eb_ns is the same
 * bound under the assumption that no integer tensor saturates: no
 * saturation term, and magnitudes from the interval clipped to the grid.
 * Where a term is not known (softmax, int16 interpolated tables, a float
 * layer, a constant operand), eb_ok is 0 and every later tensor's too. */
#define EB_Q31 4.656612873077393e-10 /* 2^-31 */

static double eb_mag(double lo, double hi)
{
    return fabs(lo) > fabs(hi) ? fabs(lo) : fabs(hi);
}

/* [lo, hi] clipped to the real range of t's grid (t an integer tensor) */
static void eb_clip(const ir_tensor *t, double lo, double hi, double *l2, double *h2)
{
    double gl = t->scale * (double)(qmin_of(t->dtype) - t->zp);
    double gh = t->scale * (double)(qmax_of(t->dtype) - t->zp);
    *l2 = lo < gl ? gl : (lo > gh ? gh : lo);
    *h2 = hi > gh ? gh : (hi < gl ? gl : hi);
}

/* the distance from [lo, hi] to the grid of t: what saturation can add */
static double eb_sat(const ir_tensor *t, double lo, double hi)
{
    double gl = t->scale * (double)(qmin_of(t->dtype) - t->zp);
    double gh = t->scale * (double)(qmax_of(t->dtype) - t->zp);
    double d = hi > gh ? hi - gh : 0.0;
    return gl - lo > d ? gl - lo : d;
}

static void eb_set(ir_tensor *t, int r_ok, double lo, double hi, int eb_ok, double eb,
                   double eb_ns)
{
    t->r_ok = r_ok && isfinite(lo) && isfinite(hi);
    t->r_lo = t->r_ok ? lo : 0.0;
    t->r_hi = t->r_ok ? hi : 0.0;
    t->eb_ok = t->r_ok && eb_ok && isfinite(eb) && isfinite(eb_ns);
    t->eb = t->eb_ok ? eb : 0.0;
    t->eb_ns = t->eb_ok ? eb_ns : 0.0;
}

static void eb_none(ir_tensor *t)
{
    eb_set(t, 0, 0.0, 0.0, 0, 0.0, 0.0);
}

/* a fused or stand-alone clamp (relu, relu6, clip) */
static double eb_clamp(const stoic_act_f32 *a, double x)
{
    double y = x;
    if (a->kind == STOIC_ACT_CLAMP) {
        y = y < (double)a->lo ? (double)a->lo : y;
        y = y > (double)a->hi ? (double)a->hi : y;
    }
    return y;
}

/* The output of a requantizing node: pre-activation interval [lo, hi] and
 * error e before the output stage; [lo_ns, hi_ns] and e_ns without
 * saturation. Sets o's bound with the output stage. */
typedef struct {
    double lo, hi, e, lo_ns, hi_ns, e_ns;
} eb_pre;

static void eb_output(ir_tensor *o, const stoic_act_f32 *a, const eb_pre *p, int eb_ok)
{
    double plo = eb_clamp(a, p->lo), phi = eb_clamp(a, p->hi);
    double st = o->scale + (a->kind == STOIC_ACT_CLAMP ? 0.5 * o->scale : 0.0);
    double eo = p->e + (eb_mag(p->lo, p->hi) + p->e) * EB_Q31 + st + eb_sat(o, plo, phi);
    double en = p->e_ns + (eb_mag(p->lo_ns, p->hi_ns) + p->e_ns) * EB_Q31 + st;
    eb_set(o, 1, plo, phi, eb_ok, eo, en);
}

/* the interval of x clipped to its grid when x is an integer tensor */
static void eb_ns_range(const ir_tensor *x, double *lo, double *hi)
{
    if (is_int(x->dtype) && x->has_q) {
        eb_clip(x, x->r_lo, x->r_hi, lo, hi);
    } else {
        *lo = x->r_lo;
        *hi = x->r_hi;
    }
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

/* int16 biases (ir_node.bias16): the packed int8 kernels fold the input
 * zero point into the bias, f = v - zp_in sum_j q[j] (lower.c pk_bias),
 * and can read f as an int16 times 2^s (stoic_bias_at). The quantized
 * bias v of channel k, rounded so that f becomes the nearest multiple of
 * 2^s (ties away from zero); the change, at most 2^(s - 1) accumulator
 * units, is in the error bound as any bias rounding is (db). */
static double bias16_fold(double v, const int8_t *qw, int64_t k, int64_t per, int32_t zp)
{
    int64_t j, sum = 0;
    for (j = 0; j < per; j++) {
        sum += qw[k * per + j];
    }
    return v - (double)zp * (double)sum;
}

static double bias16_round(double v, const int8_t *qw, int64_t k, int64_t per, int32_t zp,
                           int32_t s)
{
    double f = bias16_fold(v, qw, k, per, zp), u = ldexp(1.0, s);
    double r = f < 0.0 ? -floor(-f / u + 0.5) : floor(f / u + 0.5);
    return v + (r * u - f);
}

/* The smallest s in [0, 14] with every channel's folded bias, rounded to
 * a multiple of 2^s, within int16 times 2^s; -1 when none is, or when the
 * rounding, at most 2^(s - 1) accumulator units, could move an output by
 * more than 1/16 of its step (2^(s - 1) M > 1/16 for a channel's
 * multiplier M: a channel whose weights became 0 has M = 1, its bias is
 * its output) -- then the biases stay int32. */
#define BIAS16_MAX_STEP (1.0 / 16.0)
static int32_t bias16_shift(const qctx *c, const ir_node *n, const ir_tensor *w, const ir_tensor *b,
                            const int8_t *qw, const double *sw, int64_t per, int32_t zp)
{
    const ir_tensor *in = &c->g->t[n->inputs[0]], *out = &c->g->t[n->output];
    int32_t ch = w->shape.d[0], s;
    int64_t k;
    double fmax = 0.0, mmax = 0.0;
    for (k = 0; k < ch; k++) {
        double bias = (double)b->data[k] - weight_error(c, n, w, qw, sw, k, per);
        double f = fabs(bias16_fold(round(bias / (in->scale * sw[k])), qw, k, per, zp));
        double m = in->scale * sw[k] / out->scale;
        fmax = f > fmax ? f : fmax;
        mmax = m > mmax ? m : mmax;
    }
    for (s = 0; s <= 14; s++) {
        if (floor(fmax / ldexp(1.0, s) + 0.5) <= 32767.0) {
            return s == 0 || ldexp(1.0, s - 1) * mmax <= BIAS16_MAX_STEP ? s : -1;
        }
    }
    return -1;
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
    /* int4 weights (wbits 4, int8 layers): [-7, 7], held as int8 */
    int32_t qmax_w = n->wbits == 4 && n->prec == IR_DT_S8 ? 7 : 127;
    int8_t *qw = malloc((size_t)(ch * per) + 1);
    double *sw = malloc((size_t)ch * sizeof *sw), *M = malloc((size_t)ch * sizeof *M);
    void *qb = malloc((size_t)ch * 8);
    int64_t bound = 0, limit = n->prec == IR_DT_S16 ? ACC64_LIMIT : ACC32_LIMIT;
    int tw, tb, tq, rc = 0, zeroed = 0;
    ir_tensor eo = *out; /* one channel's output bound */
    double xl = 0.0, xh = 0.0, xln = 0.0, xhn = 0.0, r_lo = 0.0, r_hi = 0.0, e_max = 0.0;
    double e_ns = 0.0;
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
        int again = 1;
        while (again) {
            again = 0;
            if (n->wscale_tensor) { /* one scale: every output's multiplier the same */
                double s1;
                quant_weights_q(w->data, 1, (int64_t)ch * per, qmax_w, qw, &s1);
                for (k = 0; k < ch; k++) {
                    sw[k] = s1;
                }
            } else {
                quant_weights_q(w->data, ch, per, qmax_w, qw, sw);
            }
            /* int4 weights: the int4 kernels' output stage (as every packed
             * kernel's) takes a multiplier below 1/2; a layer whose int4
             * scales would make one 1/2 or more keeps int8 weights */
            for (k = 0; qmax_w == 7 && k < ch; k++) {
                if (in->scale * sw[k] / out->scale >= 0.5) {
                    diag_note(c->d, c->g->file, n->line,
                              "layer '%s': int4 weights would need an output multiplier of 1/2 "
                              "or more (%g), which the int4 kernels do not take: int8 weights",
                              n->name, in->scale * sw[k] / out->scale);
                    qmax_w = 127;
                    n->wbits = 0;
                    again = 1;
                }
            }
        }
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
    /* the error bound's input interval: a padded tap of a convolution reads 0 */
    if (in->r_ok) {
        int padded = n->op != IR_OP_DENSE && n->op != IR_OP_AFFINE &&
                     (n->pads[0] | n->pads[1] | n->pads[2] | n->pads[3]) != 0;
        eb_ns_range(in, &xln, &xhn);
        xl = padded && in->r_lo > 0.0 ? 0.0 : in->r_lo;
        xh = padded && in->r_hi < 0.0 ? 0.0 : in->r_hi;
        xln = padded && xln > 0.0 ? 0.0 : xln;
        xhn = padded && xhn < 0.0 ? 0.0 : xhn;
    }
    g->n[ni].bias_shift = n->bias16 && n->prec == IR_DT_S8 && n->op != IR_OP_AFFINE
                              ? bias16_shift(c, n, w, b, qw, sw, per, in->zp)
                              : -1;
    for (k = 0; k < ch && rc == 0; k++) {
        double sb = in->scale * sw[k];
        double bias = (double)b->data[k] - weight_error(c, n, w, qw, sw, k, per);
        double v = round(bias / sb);
        if (n->bias_shift > 0) {
            v = bias16_round(v, qw, k, per, in->zp, n->bias_shift);
        }
        double ea = 0.0, edw = 0.0, pos = 0.0, neg = 0.0, db, bf = (double)b->data[k];
        eb_pre pre;
        int64_t sum = 0;
        /* the error bound of channel k: sum |quantized w|, sum |w error|,
         * the float weights' positive and negative sums */
        for (j = 0; j < per; j++) {
            double wq = (double)qw[k * per + j] * sw[k], wf = (double)w->data[k * per + j];
            ea += fabs(wq);
            edw += fabs(wq - wf);
            pos += wf > 0.0 ? wf : 0.0;
            neg += wf < 0.0 ? wf : 0.0;
        }
        db = fabs(v * sb - bf);
        pre.lo = bf + pos * xl + neg * xh;
        pre.hi = bf + pos * xh + neg * xl;
        pre.e = ea * in->eb + edw * eb_mag(xl, xh) + db;
        pre.lo_ns = bf + pos * xln + neg * xhn;
        pre.hi_ns = bf + pos * xhn + neg * xln;
        pre.e_ns = ea * in->eb_ns + edw * eb_mag(xln, xhn) + db;
        eb_output(&eo, &n->act, &pre, 1);
        r_lo = k == 0 || eo.r_lo < r_lo ? eo.r_lo : r_lo;
        r_hi = k == 0 || eo.r_hi > r_hi ? eo.r_hi : r_hi;
        e_max = k == 0 || eo.eb > e_max ? eo.eb : e_max;
        e_ns = k == 0 || eo.eb_ns > e_ns ? eo.eb_ns : e_ns;
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
    eb_set(&g->t[n->output], in->r_ok, r_lo, r_hi, in->eb_ok, e_max, e_ns);
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
    case STOIC_ACT_HARD_SIGMOID:
    case STOIC_ACT_HARD_SWISH: {
        double t = (double)a->alpha * x + (double)a->beta;
        t = t < 0.0 ? 0.0 : (t > 1.0 ? 1.0 : t);
        return a->kind == STOIC_ACT_HARD_SWISH ? x * t : t;
    }
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
    {
        /* the error bound through the conversion */
        const ir_tensor *a = &g->t[src];
        ir_tensor *o = &g->t[t];
        double m = eb_mag(a->r_lo, a->r_hi), l2, h2, mn;
        eb_ns_range(a, &l2, &h2);
        mn = eb_mag(l2, h2);
        if (is_int(dt) && is_int(a->dtype)) {
            eb_set(o, a->r_ok, a->r_lo, a->r_hi, a->eb_ok,
                   a->eb + (m + a->eb) * EB_Q31 + o->scale + eb_sat(o, a->r_lo, a->r_hi),
                   a->eb_ns + (mn + a->eb_ns) * EB_Q31 + o->scale);
        } else if (is_int(dt)) {
            eb_set(o, a->r_ok, a->r_lo, a->r_hi, a->eb_ok,
                   a->eb + 0.5 * o->scale + eb_sat(o, a->r_lo, a->r_hi),
                   a->eb_ns + 0.5 * o->scale);
        } else {
            /* to float: the product scale * (q - zp) rounded to float32 */
            eb_set(o, a->r_ok, a->r_lo, a->r_hi, a->eb_ok, a->eb + (m + a->eb) * 1.2e-7,
                   a->eb_ns + (mn + a->eb_ns) * 1.2e-7);
        }
    }
    cache[src * 3 + (int)dt] = t;
    return t;
}

/* resize, linear or cubic: each output is sum w x over its taps, the
 * weights w = wr wc with sum 1 (cubic: some negative), the integer code's
 * wq = wr_q wc_q 2^-2q. With N the largest sum of the negative weights of
 * an output (so its positive ones sum to 1 + N), the output lies in
 * [lo - N (hi - lo), hi + N (hi - lo)]; the error is
 * sum |wq| e_in + sum |wq - w| |x| before the output stage. */
static void eb_resize(qctx *c, int ni, int ok)
{
    ir_graph *g = c->g;
    const ir_node *n = &g->n[ni];
    ir_tensor *o = &g->t[n->output];
    const ir_tensor *a = &g->t[n->inputs[0]];
    double ln, hn, N = 0.0, Wq = 0.0, D = 0.0, s = ldexp(1.0, -n->rs_q);
    int32_t oh, ow, i, j;
    resize_plan p;
    eb_pre pre;
    if (resize_plan_make(g, n, &p) != 0) {
        eb_none(o);
        return;
    }
    for (oh = 0; oh < p.out_h; oh++) {
        for (ow = 0; ow < p.out_w; ow++) {
            double nn = 0.0, wq = 0.0, d = 0.0;
            for (i = 0; i < p.t_h; i++) {
                for (j = 0; j < p.t_w; j++) {
                    double w = p.wr[oh * p.t_h + i] * p.wc[ow * p.t_w + j];
                    double q = (double)resize_wq(p.wr[oh * p.t_h + i], n->rs_q) * s *
                               (double)resize_wq(p.wc[ow * p.t_w + j], n->rs_q) * s;
                    nn += w < 0.0 ? -w : 0.0;
                    wq += fabs(q);
                    d += fabs(q - w);
                }
            }
            N = nn > N ? nn : N;
            Wq = wq > Wq ? wq : Wq;
            D = d > D ? d : D;
        }
    }
    resize_plan_free(&p);
    eb_ns_range(a, &ln, &hn);
    pre.lo = a->r_lo - N * (a->r_hi - a->r_lo);
    pre.hi = a->r_hi + N * (a->r_hi - a->r_lo);
    pre.e = Wq * a->eb + D * (eb_mag(a->r_lo, a->r_hi) + a->eb);
    pre.lo_ns = ln - N * (hn - ln);
    pre.hi_ns = hn + N * (hn - ln);
    pre.e_ns = Wq * a->eb_ns + D * (eb_mag(ln, hn) + a->eb_ns);
    eb_output(o, &n->act, &pre, ok);
}

/* The error bound of an integer node other than dense/conv/affine (those:
 * quantize_weighted), from its inputs'. */
static void eb_node(qctx *c, int ni)
{
    ir_graph *g = c->g;
    const ir_node *n = &g->n[ni];
    ir_tensor *o = &g->t[n->output];
    const ir_tensor *a = &g->t[n->inputs[0]];
    const ir_tensor *b = n->n_inputs > 1 ? &g->t[n->inputs[1]] : a;
    double lo = a->r_lo, hi = a->r_hi, ln, hn, bln, bhn, e, en, m, mn;
    eb_pre p;
    int k, ok = 1, r_ok = 1;
    for (k = 0; k < n->n_inputs; k++) {
        const ir_tensor *x = &g->t[n->inputs[k]];
        r_ok &= x->kind != IR_T_CONST && x->r_ok;
        ok &= x->kind != IR_T_CONST && x->eb_ok;
    }
    if (!r_ok) {
        eb_none(o);
        return;
    }
    eb_ns_range(a, &ln, &hn);
    eb_ns_range(b, &bln, &bhn);
    m = eb_mag(lo, hi);
    mn = eb_mag(ln, hn);
    switch (n->op) {
    case IR_OP_RESIZE:
        if (n->rs_mode != IR_RS_NEAREST) {
            eb_resize(c, ni, ok);
        } else { /* selects values on the same grid */
            eb_set(o, 1, lo, hi, ok, a->eb, a->eb_ns);
        }
        break;
    case IR_OP_MAXPOOL2D:
    case IR_OP_TRANSPOSE:
    case IR_OP_RESHAPE:
        /* the same grid, values moved or selected: max is 1-Lipschitz */
        eb_set(o, 1, lo, hi, ok, a->eb, a->eb_ns);
        break;
    case IR_OP_PAD: {
        double v = (double)n->value, h = 0.5 * o->scale; /* the pad value on the grid */
        eb_set(o, 1, v < lo ? v : lo, v > hi ? v : hi, ok, a->eb > h ? a->eb : h,
               a->eb_ns > h ? a->eb_ns : h);
        break;
    }
    case IR_OP_AVGPOOL2D:
    case IR_OP_GAVGPOOL:
        if (n->op == IR_OP_AVGPOOL2D && n->count_include_pad &&
            (n->pads[0] | n->pads[1] | n->pads[2] | n->pads[3]) != 0) {
            lo = lo > 0.0 ? 0.0 : lo;
            hi = hi < 0.0 ? 0.0 : hi;
        }
        e = a->eb + (m + a->eb) * EB_Q31 + o->scale + eb_sat(o, lo, hi);
        en = a->eb_ns + (mn + a->eb_ns) * EB_Q31 + o->scale;
        eb_set(o, 1, lo, hi, ok, e, en);
        break;
    case IR_OP_ACTIVATION:
        if (n->act.kind == STOIC_ACT_NONE || n->act.kind == STOIC_ACT_CLAMP) {
            p.lo = lo;
            p.hi = hi;
            p.e = a->eb;
            p.lo_ns = ln;
            p.hi_ns = hn;
            p.e_ns = a->eb_ns;
            eb_output(o, &n->act, &p, ok);
        } else if ((n->act.kind == STOIC_ACT_LEAKY && n->act.alpha < 0.0F) ||
                   n->act.kind == STOIC_ACT_HARD_SWISH ||
                   (n->act.kind == STOIC_ACT_HARD_SIGMOID && n->act.alpha < 0.0F)) {
            eb_none(o); /* not monotone (hard swish: decreasing below -3) */
        } else {
            /* an increasing table f with Lipschitz constant L: the entry of
             * the input's grid value, rounded to the output grid */
            double L = n->act.kind == STOIC_ACT_SIGMOID ? 0.25
                       : n->act.kind == STOIC_ACT_TANH ? 1.0
                       : n->act.kind == STOIC_ACT_HARD_SIGMOID ? (double)n->act.alpha
                       : (n->act.alpha > 1.0F ? (double)n->act.alpha : 1.0);
            double fl = act_f(&n->act, lo - a->eb), fh = act_f(&n->act, hi + a->eb);
            e = L * a->eb + 0.5 * o->scale + eb_sat(o, fl, fh);
            en = L * a->eb_ns + 0.5 * o->scale;
            /* int16: the 513-entry table is interpolated: no bound here */
            eb_set(o, 1, act_f(&n->act, lo), act_f(&n->act, hi), ok && n->prec == IR_DT_S8, e,
                   en);
        }
        break;
    case IR_OP_ADD: {
        /* both operands rescaled to a common grid of step 2 max(s_a, s_b)
         * / 2^20 (int16: / 2^15), each rounded once, then requantized */
        double sa = a->scale, sb = b->scale, tw = 2.0 * (sa > sb ? sa : sb);
        double step = tw / (n->prec == IR_DT_S16 ? 32768.0 : 1048576.0);
        p.lo = lo + b->r_lo;
        p.hi = hi + b->r_hi;
        p.e = a->eb + b->eb + step + (m + eb_mag(b->r_lo, b->r_hi)) * 2.0 * EB_Q31;
        p.lo_ns = ln + bln;
        p.hi_ns = hn + bhn;
        p.e_ns = a->eb_ns + b->eb_ns + step + (mn + eb_mag(bln, bhn)) * 2.0 * EB_Q31;
        eb_output(o, &n->act, &p, ok);
        break;
    }
    case IR_OP_MUL: {
        double q[4] = { lo * b->r_lo, lo * b->r_hi, hi * b->r_lo, hi * b->r_hi };
        double qn[4] = { ln * bln, ln * bhn, hn * bln, hn * bhn };
        p.lo = p.hi = q[0];
        p.lo_ns = p.hi_ns = qn[0];
        for (k = 1; k < 4; k++) {
            p.lo = q[k] < p.lo ? q[k] : p.lo;
            p.hi = q[k] > p.hi ? q[k] : p.hi;
            p.lo_ns = qn[k] < p.lo_ns ? qn[k] : p.lo_ns;
            p.hi_ns = qn[k] > p.hi_ns ? qn[k] : p.hi_ns;
        }
        p.e = m * b->eb + eb_mag(b->r_lo, b->r_hi) * a->eb + a->eb * b->eb;
        p.e_ns = mn * b->eb_ns + eb_mag(bln, bhn) * a->eb_ns + a->eb_ns * b->eb_ns;
        eb_output(o, &n->act, &p, ok);
        break;
    }
    case IR_OP_CONCAT:
        e = en = 0.0;
        for (k = 0; k < n->n_inputs; k++) {
            const ir_tensor *x = &g->t[n->inputs[k]];
            double l2, h2;
            eb_ns_range(x, &l2, &h2);
            lo = x->r_lo < lo ? x->r_lo : lo;
            hi = x->r_hi > hi ? x->r_hi : hi;
            ln = l2 < ln ? l2 : ln;
            hn = h2 > hn ? h2 : hn;
            e = x->eb > e ? x->eb : e;
            en = x->eb_ns > en ? x->eb_ns : en;
        }
        eb_set(o, 1, lo, hi, ok,
               e + (eb_mag(lo, hi) + e) * EB_Q31 + o->scale + eb_sat(o, lo, hi),
               en + (eb_mag(ln, hn) + en) * EB_Q31 + o->scale);
        break;
    case IR_OP_SOFTMAX:
        eb_set(o, 1, 0.0, 1.0, 0, 0.0, 0.0);
        break;
    default:
        eb_none(o);
        break;
    }
}

/* resize: nearest is a gather (the input's grid, no arithmetic); linear
 * and cubic weigh T_h x T_w taps with integer weights of 2^-q each axis,
 * q the largest for which the accumulator bound holds (int32 for int8,
 * int64 for int16), then requantize by s_in / (s_out 2^(2q)). */
static int quantize_resize(qctx *c, int ni)
{
    ir_graph *g = c->g;
    ir_node *n = &g->n[ni];
    const ir_tensor *x = &g->t[n->inputs[0]];
    int64_t mag = max_in_mag(x), limit = n->prec == IR_DT_S16 ? ACC64_LIMIT : ACC32_LIMIT;
    int64_t bound = 0;
    resize_plan p;
    double M;
    int k;
    if (n->rs_mode == IR_RS_NEAREST) {
        n->rs_q = 0;
        n->acc_bound = mag;
        n->acc_limit = ACC32_LIMIT;
        return 0;
    }
    if (resize_plan_make(g, n, &p) != 0) {
        return oom(c->d);
    }
    n->rs_q = resize_choose_q(&p, mag, limit, &bound);
    resize_plan_free(&p);
    if (n->rs_q < 0) {
        n->rs_q = 0;
        return check_bound(c, n, limit + 1, limit);
    }
    M = x->scale / (g->t[n->output].scale * ldexp(1.0, 2 * n->rs_q));
    k = add_qmul(c, n, "resize", &M, 1);
    if (k < 0) {
        return -1;
    }
    n = &g->n[ni];
    n->params[2] = k;
    return check_bound(c, n, bound, limit);
}

/* ---- recurrent layers (lstm, gru) -------------------------------------- *
 * The integer contract of stoic_lstm_s16/_s8w and stoic_gru_s16/_s8w
 * (stoic_rt.h): x int16 symmetric, h and y Q0.15, gate pre-activations
 * Q3.12, the LSTM cell state 2^-cell_shift; weights per row (int8 for
 * prec int8, int16 for prec int16), symmetric; bias in each dot product's
 * accumulator units (int64); one multiplier per row and dot product. */

static int is_rnn(ir_op op)
{
    return op == IR_OP_LSTM || op == IR_OP_GRU;
}

/* The dtype of a node's activations: an integer recurrent layer reads and
 * writes int16 whatever its weights (int8 weights, int16 activations). */
static ir_dtype act_dtype(const ir_node *n)
{
    return is_rnn(n->op) && is_int(n->target) ? IR_DT_S16 : n->target;
}

/* Weights per row, symmetric: q = round(w / s), s = max|w| / qmax (1 for
 * an all-zero row); qmax 127 (int8) or 32767 (int16). */
static void rnn_weights(const float *w, int32_t rows, int32_t per, ir_dtype dt, void *q,
                        double *s)
{
    int32_t j, i;
    double qmax = dt == IR_DT_S16 ? 32767.0 : 127.0;
    for (j = 0; j < rows; j++) {
        double mx = 0.0;
        for (i = 0; i < per; i++) {
            double a = fabs((double)w[(int64_t)j * per + i]);
            mx = a > mx ? a : mx;
        }
        s[j] = mx > 0.0 ? mx / qmax : 1.0;
        for (i = 0; i < per; i++) {
            double v = round((double)w[(int64_t)j * per + i] / s[j]);
            v = v < -qmax ? -qmax : (v > qmax ? qmax : v);
            if (dt == IR_DT_S16) {
                ((int16_t *)q)[(int64_t)j * per + i] = (int16_t)v;
            } else {
                ((int8_t *)q)[(int64_t)j * per + i] = (int8_t)v;
            }
        }
    }
}

static int64_t rnn_abs_sum(const void *q, ir_dtype dt, int64_t off, int32_t n)
{
    int64_t s = 0;
    int32_t i;
    for (i = 0; i < n; i++) {
        int32_t v = dt == IR_DT_S16 ? ((const int16_t *)q)[off + i]
                                    : ((const int8_t *)q)[off + i];
        s += v < 0 ? -v : v;
    }
    return s;
}

/* The sigmoid and tanh tables of every integer recurrent layer (one
 * constant for the model): t[k] = round(32767 f((128 k - 32768) 2^-12)),
 * Q3.12 in, Q0.15 out, entries in [-32767, 32767] */
static int rnn_tables(qctx *c, const ir_node *n)
{
    int16_t tab[2 * 513];
    int k;
    if (c->rnn_tables >= 0) {
        return c->rnn_tables;
    }
    for (k = 0; k < 513; k++) {
        double v = (double)(128 * k - 32768) / 4096.0;
        tab[k] = (int16_t)round(32767.0 / (1.0 + exp(-v)));
        tab[513 + k] = (int16_t)round(32767.0 * tanh(v));
    }
    c->rnn_tables = add_table(c, n, "gate_tables", IR_DT_S16, tab, 2 * 513);
    return c->rnn_tables;
}

/* The cell state's scale 2^-shift: the largest shift (at most 15) whose
 * int16 range holds the calibrated peak |c| (README "Recurrent layers") */
static int rnn_cell_shift(qctx *c, const ir_node *n, int32_t *shift)
{
    double peak = n->rnn_cell_max;
    int32_t s = 15;
    if (!isfinite(peak) || peak >= 32768.0) {
        diag_error(c->d, c->g->file, n->line,
                   "layer '%s': the cell state reaches %g on the calibration data, beyond "
                   "what an int16 cell state holds (32767)", n->name, peak);
        return -1;
    }
    while (s > 0 && peak > 32767.0 / ldexp(1.0, s)) {
        s--;
    }
    *shift = s;
    return 0;
}

static int quantize_recurrent(qctx *c, int ni)
{
    ir_graph *g = c->g;
    ir_node *n = &g->n[ni];
    const int lstm = n->op == IR_OP_LSTM;
    const int32_t hid = n->units, rows = (lstm ? 4 : 3) * hid, rank = n->rnn_rank;
    const int32_t rn = rank > 0 ? rank : hid; /* what the recurrent rows read */
    const ir_tensor *x = &g->t[n->inputs[0]];
    const ir_tensor *w = &g->t[n->params[0]], *r = &g->t[n->params[1]];
    const int32_t in_n = w->shape.d[1];
    const ir_dtype wd = n->prec;
    const double sx = x->scale, sg = 1.0 / 4096.0;
    /* the recurrent rows' input scale: h (and r * h) Q0.15; low rank: the
     * projections z, whose per-value scales sz are folded into the rows */
    const double sh = rank > 0 ? 1.0 : 1.0 / 32768.0;
    size_t es = wd == IR_DT_S16 ? 2 : 1;
    void *qw = malloc((size_t)rows * (size_t)in_n * es + 1);
    void *qr = malloc((size_t)rows * (size_t)rn * es + 1);
    void *qp = malloc((size_t)rank * (size_t)hid * es + 1);
    double *sw = malloc((size_t)rows * sizeof *sw), *sr = malloc((size_t)rows * sizeof *sr);
    double *sp = malloc((size_t)rank * sizeof *sp + 1), *sz = malloc((size_t)rank * sizeof *sz + 1);
    double *M = malloc(((size_t)rows * 2 + (size_t)rank) * sizeof *M);
    float *ra = rank > 0 ? malloc((size_t)rows * (size_t)rank * sizeof *ra) : NULL;
    int64_t *qb = malloc((size_t)rows * 2 * sizeof *qb);
    int64_t bound = 0;
    int32_t j, i, shift = 15;
    int rc = 0, tw, tr, tb = -1, ti = -1, tq, tt, tp = -1, zeroed = 0;
    char name[512];
    if (qw == NULL || qr == NULL || qp == NULL || sw == NULL || sr == NULL || sp == NULL ||
        sz == NULL || M == NULL || qb == NULL || (rank > 0 && ra == NULL)) {
        free(qw), free(qr), free(qp), free(sw), free(sr), free(sp), free(sz), free(M), free(qb);
        free(ra);
        return oom(c->d);
    }
    if (x->zp != 0 || x->dtype != IR_DT_S16) {
        diag_io(c->d, NULL, "internal error: the input of '%s' is not symmetric int16", n->name);
        rc = -1;
    }
    if (rc == 0 && lstm) {
        rc = rnn_cell_shift(c, n, &shift);
    }
    rnn_weights(w->data, rows, in_n, wd, qw, sw);
    if (rank > 0) {
        /* the projection rb per row; z[k] at scale sz[k], the largest
         * |rb[k] . h| of its quantized row over |h| <= 1 (with a margin
         * of 7 steps: the requantization's rounding never reaches the
         * clamp); the left factor's columns absorb sz */
        const float *pb = g->t[n->params[6]].data;
        rnn_weights(pb, rank, hid, wd, qp, sp);
        for (j = 0; j < rank; j++) {
            double l1 = (double)rnn_abs_sum(qp, wd, (int64_t)j * hid, hid) * sp[j];
            sz[j] = l1 > 0.0 ? l1 / 32760.0 : 1.0;
            M[2 * rows + j] = sp[j] / 32768.0 / sz[j];
            bound = rnn_abs_sum(qp, wd, (int64_t)j * hid, hid) * 32768 > bound
                        ? rnn_abs_sum(qp, wd, (int64_t)j * hid, hid) * 32768
                        : bound;
        }
        for (j = 0; j < rows; j++) {
            for (i = 0; i < rank; i++) {
                ra[(int64_t)j * rank + i] = (float)((double)r->data[(int64_t)j * rank + i] * sz[i]);
            }
        }
        rnn_weights(ra, rows, rank, wd, qr, sr);
    } else {
        rnn_weights(r->data, rows, hid, wd, qr, sr);
    }
    /* a row whose multiplier has no Q31 form (below 2^-32: weights decayed
     * to nothing) contributes less than 2^-32 of a Q3.12 step: its weights
     * become 0 and its scale the one that makes M = 1 */
    for (j = 0; j < rows && rc == 0; j++) {
        int32_t mm, ee;
        if (quant_multiplier(sw[j] * sx / sg, &mm, &ee) != 0 && sw[j] * sx / sg < 1.0) {
            for (i = 0; i < in_n; i++) {
                if (wd == IR_DT_S16) {
                    ((int16_t *)qw)[(int64_t)j * in_n + i] = 0;
                } else {
                    ((int8_t *)qw)[(int64_t)j * in_n + i] = 0;
                }
            }
            sw[j] = sg / sx;
            zeroed++;
        }
        if (quant_multiplier(sr[j] * sh / sg, &mm, &ee) != 0 && sr[j] * sh / sg < 1.0) {
            for (i = 0; i < rn; i++) {
                if (wd == IR_DT_S16) {
                    ((int16_t *)qr)[(int64_t)j * rn + i] = 0;
                } else {
                    ((int8_t *)qr)[(int64_t)j * rn + i] = 0;
                }
            }
            sr[j] = sg / sh;
            zeroed++;
        }
    }
    if (zeroed > 0) {
        diag_note(c->d, g->file, n->line, "layer '%s': %d weight row%s below the gate "
                  "resolution: quantized to 0", n->name, zeroed, zeroed == 1 ? "" : "s");
    }
    /* bias, multipliers, the overflow bound of both dot products: |x|,
     * |h| (and the GRU's r * h) at most 32768 */
    for (j = 0; j < rows && rc == 0; j++) {
        const float *b = n->params[2] >= 0 ? g->t[n->params[2]].data : NULL;
        double vx = b != NULL ? round((double)b[j] / (sw[j] * sx)) : 0.0;
        double vh = b != NULL ? round((double)b[rows + j] / (sr[j] * sh)) : 0.0;
        int64_t ax, ah;
        if (fabs(vx) > (double)ACC64_LIMIT || fabs(vh) > (double)ACC64_LIMIT) {
            rc = check_bound(c, n, ACC64_LIMIT + 1, ACC64_LIMIT);
            break;
        }
        qb[j] = (int64_t)vx;
        qb[rows + j] = (int64_t)vh;
        ax = (int64_t)fabs(vx) + rnn_abs_sum(qw, wd, (int64_t)j * in_n, in_n) * 32768;
        ah = (int64_t)fabs(vh) + rnn_abs_sum(qr, wd, (int64_t)j * rn, rn) * 32768;
        bound = ax > bound ? ax : bound;
        bound = ah > bound ? ah : bound;
        M[j] = sw[j] * sx / sg;
        M[rows + j] = sr[j] * sh / sg;
    }
    if (rc == 0) {
        rc = check_bound(c, n, bound, ACC64_LIMIT);
    }
    if (rc == 0) {
        snprintf(name, sizeof name, "%s.q", w->name);
        tw = ir_add_qconst(g, name, &g->t[n->params[0]].shape, wd, qw, w->line);
        snprintf(name, sizeof name, "%s.q", g->t[n->params[1]].name);
        tr = tw < 0 ? -1 : ir_add_qconst(g, name, &g->t[n->params[1]].shape, wd, qr,
                                         g->t[n->params[1]].line);
        n = &g->n[ni];
        if (tr >= 0 && n->params[2] >= 0) {
            ir_shape bs = g->t[n->params[2]].shape;
            snprintf(name, sizeof name, "%s.q", g->t[n->params[2]].name);
            tb = ir_add_qconst(g, name, &bs, IR_DT_S64, qb, g->t[n->params[2]].line);
            rc = tb < 0 ? oom(c->d) : 0;
        }
        n = &g->n[ni];
        if (tr >= 0 && rc == 0 && n->params[3] >= 0) {
            /* h0 Q0.15, then c0 at 2^-cell_shift (the LSTM) */
            const ir_tensor *it = &g->t[n->params[3]];
            int64_t cnt = ir_shape_count(&it->shape), k, half = lstm ? cnt / 2 : cnt;
            int16_t *qi = malloc((size_t)cnt * sizeof *qi + 1);
            if (qi == NULL) {
                rc = oom(c->d);
            } else {
                for (k = 0; k < cnt; k++) {
                    double v = round((double)it->data[k] * ldexp(1.0, k < half ? 15 : shift));
                    qi[k] = (int16_t)(v < -32768.0 ? -32768.0 : (v > 32767.0 ? 32767.0 : v));
                }
                snprintf(name, sizeof name, "%s.q", it->name);
                ti = ir_add_qconst(g, name, &it->shape, IR_DT_S16, qi, it->line);
                rc = ti < 0 ? oom(c->d) : 0;
                free(qi);
            }
        }
        n = &g->n[ni];
        if (tr >= 0 && rc == 0 && rank > 0) {
            ir_shape ps = g->t[n->params[6]].shape;
            snprintf(name, sizeof name, "%s.q", g->t[n->params[6]].name);
            tp = ir_add_qconst(g, name, &ps, wd, qp, g->t[n->params[6]].line);
            rc = tp < 0 ? oom(c->d) : 0;
        }
        if (tr < 0) {
            rc = oom(c->d);
        }
        tq = rc == 0 ? add_qmul(c, &g->n[ni], "gate", M, 2 * rows + rank) : -1;
        tt = tq >= 0 ? rnn_tables(c, &g->n[ni]) : -1;
        if (rc == 0 && (tq < 0 || tt < 0)) {
            rc = -1;
        }
        if (rc == 0) {
            n = &g->n[ni];
            n->params[0] = tw;
            n->params[1] = tr;
            n->params[2] = tb;
            n->params[3] = ti;
            n->params[4] = tq;
            n->params[5] = tt;
            n->params[6] = rank > 0 ? tp : -1;
            n->rnn_cell_shift = lstm ? shift : 0;
        }
    }
    free(qw), free(qr), free(qp), free(sw), free(sr), free(sp), free(sz), free(M), free(qb);
    free(ra);
    return rc;
}

static int quantize_node_1(qctx *c, int ni, int *cache)
{
    ir_graph *g = c->g;
    ir_node *n = &g->n[ni];
    ir_dtype P = act_dtype(n); /* the activations' dtype */
    int k, in0, out = n->output;
    double lo, hi, M[3];
    n->prec = n->target;
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
    case IR_OP_LSTM:
    case IR_OP_GRU: /* h, Q0.15 */
        g->t[out].has_q = 1;
        g->t[out].scale = 1.0 / 32768.0;
        g->t[out].zp = 0;
        break;
    case IR_OP_MAXPOOL2D:
    case IR_OP_PAD:
    case IR_OP_TRANSPOSE:
    case IR_OP_RESHAPE:
        g->t[out].has_q = 1;
        g->t[out].scale = g->t[in0].scale;
        g->t[out].zp = g->t[in0].zp;
        break;
    case IR_OP_RESIZE:
        if (n->rs_mode == IR_RS_NEAREST) { /* a gather: the input's grid */
            g->t[out].has_q = 1;
            g->t[out].scale = g->t[in0].scale;
            g->t[out].zp = g->t[in0].zp;
            break;
        }
        if (!(out < c->n_ranged && c->has_range[out])) {
            diag_io(c->d, NULL, "internal error: tensor '%s' was not calibrated", g->t[out].name);
            return -1;
        }
        range_of(c, out, &lo, &hi);
        if (set_q_from_range(c, out, P, lo, hi, n->line, n->name) != 0) {
            return -1;
        }
        break;
    case IR_OP_SOFTMAX:
        g->t[out].has_q = 1;
        g->t[out].scale = P == IR_DT_S16 ? 1.0 / 32768.0 : 1.0 / 256.0;
        g->t[out].zp = P == IR_DT_S16 ? 0 : -128;
        break;
    case IR_OP_ACTIVATION:
        if (n->act.kind == STOIC_ACT_SIGMOID || n->act.kind == STOIC_ACT_TANH ||
            n->act.kind == STOIC_ACT_HARD_SIGMOID) {
            /* a fixed output range: [0, 1] (sigmoids), [-1, 1] (tanh) */
            int unit = n->act.kind != STOIC_ACT_TANH;
            g->t[out].has_q = 1;
            g->t[out].scale = P == IR_DT_S16 ? 1.0 / 32768.0 : (unit ? 1.0 / 256.0 : 1.0 / 128.0);
            g->t[out].zp = P == IR_DT_S8 && unit ? -128 : 0;
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
    case IR_OP_LSTM:
    case IR_OP_GRU:
        return quantize_recurrent(c, ni);
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
        int32_t win = n->op == IR_OP_GAVGPOOL ? is->d[0] * (is->rank == 3 ? is->d[1] : 1)
                                              : n->kernel[0] * n->kernel[1];
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
    case IR_OP_RESIZE:
        return quantize_resize(c, ni);
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

static int quantize_node(qctx *c, int ni, int *cache)
{
    int rc = quantize_node_1(c, ni, cache);
    const ir_node *n = &c->g->n[ni];
    if (rc == 0 && (!is_int(n->prec) || is_rnn(n->op))) {
        /* a float layer: no interval here, so nothing after it has a bound
         * (nor after a recurrent layer: its bound is not derived, README
         * "Quantization error bound") */
        eb_none(&c->g->t[n->output]);
    } else if (rc == 0 && n->op != IR_OP_DENSE && n->op != IR_OP_CONV2D &&
               n->op != IR_OP_CONV1D && n->op != IR_OP_AFFINE) {
        eb_node(c, ni);
    }
    return rc;
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
    c.rnn_tables = -1;
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
        rc = set_q_from_range(&c, g->input, act_dtype(&g->n[first]), l, h, g->n[first].line,
                              g->n[first].name);
        if (rc == 0 && g->input_calibrated) {
            /* inside the declared input domain [l, h]: half a step */
            ir_tensor *x = &g->t[g->input];
            eb_set(x, 1, l, h, 1, 0.5 * x->scale + eb_sat(x, l, h), 0.5 * x->scale);
        }
    } else if (first >= 0 && g->input_calibrated) {
        double l, h;
        range_of(&c, g->input, &l, &h);
        eb_set(&g->t[g->input], 1, l, h, 1, 0.0, 0.0);
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

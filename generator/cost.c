/* cost: multiply-accumulates, instruction and cycle estimates, worst-case
 * stack (see cost.h for how, and bench/README.md for the cycle model). */
#include "cost.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "compress.h"
#include "resize.h"

const char *cost_feature_name(int f)
{
    /* ORDER COST_W */
    static const char *const names[COST_NW] = { "calls", "rows", "pixels", "group_pixels",
                                                "outputs", "kernel_rows", "taps", "inner" };
    return f >= 0 && f < COST_NW ? names[f] : "?";
}

const char *cost_core_name(int core)
{
    return core == COST_M7 ? "m7" : "m4";
}

int64_t cost_node_macs(const ir_graph *g, int node)
{
    switch (g->n[node].op) {
    case IR_OP_DENSE:
    case IR_OP_CONV2D:
    case IR_OP_CONV1D:
        return compress_node_macs(g, node);
    case IR_OP_LSTM:
    case IR_OP_GRU:
        return ir_node_macs(g, node); /* every step's gates */
    default:
        return 0;
    }
}

/* floor(a / b) for b > 0 */
static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && a < 0) ? q - 1 : q;
}

/* In-bounds taps of a window along one axis: the k in [0, kn) with
 * 0 <= base + k * dil < in (the range stoic_tap_range computes), in
 * constant time: k from ceil(-base / dil) to floor((in - 1 - base) / dil). */
static int64_t taps_1d(int64_t base, int64_t dil, int64_t kn, int64_t in)
{
    int64_t lo, hi;
    if (dil <= 0 || kn <= 0 || in <= 0) {
        return 0;
    }
    lo = -floor_div(base, dil); /* ceil(-base / dil) */
    hi = floor_div(in - 1 - base, dil);
    lo = lo < 0 ? 0 : lo;
    hi = hi > kn - 1 ? kn - 1 : hi;
    return hi >= lo ? hi - lo + 1 : 0;
}

/* Sliding windows (conv2d, conv1d, pools): per output position the
 * in-bounds kernel rows and taps, summed (the window is separable: the
 * taps of a position are its in-bounds rows times its in-bounds columns);
 * per_pos is the number of outputs (channels) at each position. */
static void window_work(const ir_graph *g, const ir_node *n, int64_t per_pos, cost_work *w)
{
    const ir_shape *is = &g->t[n->inputs[0]].shape, *os = &g->t[n->output].shape;
    int one_d = n->op == IR_OP_CONV1D;
    int64_t in_h = one_d ? 1 : is->d[0], in_w = is->d[one_d ? 0 : 1];
    int64_t out_h = one_d ? 1 : os->d[0], out_w = os->d[one_d ? 0 : 1];
    int64_t oh, ow, sum_h = 0, sum_w = 0;
    for (oh = 0; oh < out_h; oh++) {
        sum_h += taps_1d(oh * n->strides[0] - n->pads[0], n->dilations[0], n->kernel[0], in_h);
    }
    for (ow = 0; ow < out_w; ow++) {
        sum_w += taps_1d(ow * n->strides[1] - n->pads[1], n->dilations[1], n->kernel[1], in_w);
    }
    w->w[COST_W_ROWS] = out_h;
    w->w[COST_W_PIXELS] = out_h * out_w;
    w->w[COST_W_GPIX] = out_h * out_w;
    w->w[COST_W_KROWS] = sum_h * out_w * per_pos;
    w->w[COST_W_TAPS] = sum_h * sum_w * per_pos;
    w->w[COST_W_INNER] = sum_h * sum_w * per_pos;
}

void cost_node_work(const ir_graph *g, int node, int ncalls, cost_work *w)
{
    const ir_node *n = &g->n[node];
    const ir_shape *os = &g->t[n->output].shape, *is = &g->t[n->inputs[0]].shape;
    int64_t outs = ir_shape_count(os), ins = ir_shape_count(is);
    int64_t last = os->rank > 0 ? os->d[os->rank - 1] : 1;
    int64_t outer = 1;
    int k;

    memset(w, 0, sizeof *w);
    if (ncalls <= 0) {
        return; /* shares its input's storage: no code */
    }
    /* by default one flat loop over the outputs per call (element-wise
     * kernels, conversions, plain copies): the rows are the calls */
    w->w[COST_W_CALLS] = ncalls;
    w->w[COST_W_ROWS] = ncalls;
    w->w[COST_W_PIXELS] = ncalls;
    w->w[COST_W_GPIX] = ncalls;
    w->w[COST_W_OUTPUTS] = outs;
    w->w[COST_W_KROWS] = outs;
    w->w[COST_W_TAPS] = outs;
    w->w[COST_W_INNER] = outs;
    switch (n->op) {
    case IR_OP_DENSE: {
        int64_t kin = is->rank > 0 ? is->d[is->rank - 1] : 1;
        int64_t r = kin > 0 ? ins / kin : 0;
        w->w[COST_W_ROWS] = r;
        w->w[COST_W_PIXELS] = r;
        w->w[COST_W_GPIX] = r;
        w->w[COST_W_INNER] = compress_node_macs(g, node);
        break;
    }
    case IR_OP_CONV2D:
    case IR_OP_CONV1D: {
        int64_t cin = is->d[is->rank - 1];
        int64_t groups = n->groups > 0 ? n->groups : 1;
        window_work(g, n, last, w);
        w->w[COST_W_GPIX] = w->w[COST_W_PIXELS] * groups;
        if (n->sparse) {
            /* every kept entry of a channel at every position; the
             * window is decoded tap by tap */
            w->w[COST_W_INNER] = compress_node_macs(g, node);
            w->w[COST_W_TAPS] = outs * (int64_t)n->kernel[0] * n->kernel[1];
            w->w[COST_W_KROWS] = outs;
        } else {
            w->w[COST_W_INNER] = w->w[COST_W_TAPS] * (cin / groups);
        }
        break;
    }
    case IR_OP_MAXPOOL2D:
    case IR_OP_AVGPOOL2D:
        window_work(g, n, last, w);
        break;
    case IR_OP_LSTM:
    case IR_OP_GRU: {
        /* steps (sequence x directions), unit updates, gate rows, and the
         * multiply-accumulates over the input and over the state (or the
         * low-rank factors and projections: the rest of ir_node_macs) */
        int64_t units = n->units > 0 ? n->units : 1;
        int64_t gates = n->op == IR_OP_LSTM ? 4 : 3;
        int64_t in = is->rank > 0 ? is->d[is->rank - 1] : 1;
        int64_t macs = ir_node_macs(g, node);
        int64_t xmacs = outs * gates * in;
        w->w[COST_W_ROWS] = outs / units;
        w->w[COST_W_PIXELS] = outs / units;
        w->w[COST_W_GPIX] = outs * gates;
        w->w[COST_W_KROWS] = xmacs;
        w->w[COST_W_TAPS] = macs - xmacs;
        w->w[COST_W_INNER] = macs;
        break;
    }
    case IR_OP_GAVGPOOL:
        /* a window over the whole input (an integer one runs as an
         * average pool with it): per channel H kernel rows, H * W taps */
        w->w[COST_W_ROWS] = 1;
        w->w[COST_W_PIXELS] = 1;
        w->w[COST_W_GPIX] = 1;
        w->w[COST_W_KROWS] = is->rank >= 2 ? (int64_t)is->d[0] * last : outs;
        w->w[COST_W_TAPS] = ins;
        w->w[COST_W_INNER] = ins;
        break;
    case IR_OP_SOFTMAX: {
        /* rows of the axis (outer x inner), three passes over each */
        int64_t an = n->axis >= 0 && n->axis < os->rank ? os->d[n->axis] : last;
        for (k = 0; k < n->axis && k < os->rank; k++) {
            outer *= os->d[k];
        }
        w->w[COST_W_ROWS] = outer;
        w->w[COST_W_PIXELS] = an > 0 ? outs / an : 0;
        w->w[COST_W_GPIX] = w->w[COST_W_PIXELS];
        break;
    }
    case IR_OP_ADD:
    case IR_OP_MUL:
    case IR_OP_AFFINE: {
        /* rows of the broadcast operand (lower.c: outer x inner) */
        int64_t nb = n->op == IR_OP_AFFINE ? last : ir_shape_count(&g->t[n->inputs[1]].shape);
        outer = (nb > 0 && nb != outs) ? outs / nb : 1;
        w->w[COST_W_ROWS] = outer;
        w->w[COST_W_PIXELS] = outer;
        w->w[COST_W_GPIX] = outer;
        break;
    }
    case IR_OP_CONCAT:
        /* one copy per input, row by row: outer rows each */
        for (k = 0; k < n->axis && k < os->rank; k++) {
            outer *= os->d[k];
        }
        w->w[COST_W_ROWS] = outer * ncalls;
        w->w[COST_W_PIXELS] = outer * ncalls;
        w->w[COST_W_GPIX] = outer * ncalls;
        break;
    case IR_OP_RESIZE: {
        /* out_h rows, out_h * out_w positions; per output t_h kernel rows
         * of t_w taps (a gather: one) */
        int32_t t_h, t_w;
        int64_t oh = os->rank == 3 ? os->d[0] : 1;
        resize_ntaps(g, n, &t_h, &t_w);
        w->w[COST_W_ROWS] = oh;
        w->w[COST_W_PIXELS] = last > 0 ? outs / last : 0;
        w->w[COST_W_GPIX] = w->w[COST_W_PIXELS];
        w->w[COST_W_KROWS] = outs * t_h;
        w->w[COST_W_TAPS] = outs * t_h * t_w;
        w->w[COST_W_INNER] = outs * t_h * t_w;
        break;
    }
    case IR_OP_PAD:
    case IR_OP_TRANSPOSE: {
        /* four nested loops over the output, its rank normalised to 4:
         * d0 * d1 rows, d0 * d1 * d2 pixels; a pad copies its input's
         * elements (inner) and writes the value elsewhere */
        int64_t rows = 1;
        for (k = 0; k + 2 < os->rank; k++) {
            rows *= os->d[k];
        }
        w->w[COST_W_ROWS] = rows;
        w->w[COST_W_PIXELS] = last > 0 ? outs / last : 0;
        w->w[COST_W_GPIX] = w->w[COST_W_PIXELS];
        if (n->op == IR_OP_PAD && !ir_slice_strided(n)) {
            w->w[COST_W_INNER] = ins;
        }
        break;
    }
    default:
        break;
    }
}

void cost_node_key(const ir_graph *g, int node, const char *kernel, char *buf, size_t n)
{
    /* ORDER STOIC_ACT (stoic_rt_f32.h) */
    static const char *const acts[7] = { "none", "clamp", "leaky", "sigmoid", "tanh",
                                         "hard_sigmoid", "hard_swish" };
    const ir_node *nd = &g->n[node];
    int32_t kind = nd->act.kind;
    if (n == 0) {
        return;
    }
    if (kernel == NULL) {
        buf[0] = '\0';
    } else if ((nd->op == IR_OP_LSTM || nd->op == IR_OP_GRU) && nd->rnn_rank > 0) {
        /* a low-rank recurrence runs its projection loops too: an entry of
         * its own, which no measured layer fits (no estimate: README) */
        snprintf(buf, n, "%s/lowrank", kernel);
    } else if (nd->op != IR_OP_CONVERT && nd->prec == IR_DT_F32 && kind > 0 && kind < 7) {
        snprintf(buf, n, "%s/%s", kernel, acts[kind]);
    } else {
        snprintf(buf, n, "%s", kernel);
    }
}

static const cost_kernel *find_kernel(const char *kernel)
{
    int i;
    for (i = 0; kernel != NULL && i < cost_n_kernels; i++) {
        if (strcmp(cost_kernels[i].kernel, kernel) == 0) {
            return &cost_kernels[i];
        }
    }
    return NULL;
}

static void finish(int core, cost_est *e)
{
    e->insns = e->c[COST_C_LDST] + e->c[COST_C_BRANCH] + e->c[COST_C_MUL] + e->c[COST_C_OTHER];
    e->cycles = cost_cycles(core, e->c);
}

static int64_t round_count(double v)
{
    return v > 0.0 ? (int64_t)floor(v + 0.5) : 0;
}

int cost_layer_estimate(const char *kernel, const cost_work *w, int core, cost_est *e)
{
    const cost_kernel *k;
    int c, f;
    memset(e, 0, sizeof *e);
    if (w->w[COST_W_CALLS] == 0) {
        return 0;
    }
    k = kernel != NULL && kernel[0] != '\0' ? find_kernel(kernel) : NULL;
    if (k == NULL || k->fitted == 0 || core < 0 || core >= COST_NCORES) {
        return -1;
    }
    for (c = 0; c < COST_NC; c++) {
        double v = 0.0;
        for (f = 0; f < COST_NW; f++) {
            v += k->coef[core][c][f] * (double)w->w[f];
        }
        e->c[c] = round_count(v);
    }
    finish(core, e);
    return 0;
}

void cost_frame_estimate(int core, cost_est *e)
{
    int c;
    memset(e, 0, sizeof *e);
    for (c = 0; c < COST_NC && core >= 0 && core < COST_NCORES; c++) {
        e->c[c] = round_count(cost_frame[core][c]);
    }
    finish(core, e);
}

/* The cost model (bench/README.md, bench/model.awk: keep the three equal).
 * Cortex-M4 (TRM r0p1 tables 3-1 and 7-1, zero wait states): one cycle
 * per instruction, one more per memory access (LDR/STR 2, LDM/STM/PUSH/POP
 * 1 + N, LDRD/STRD 3), P = 2 more per taken instruction (pipeline refill,
 * 1 to 3), 13 more per divide or square root (SDIV/UDIV 2 to 12, VDIV and
 * VSQRT 14). Cortex-M7 (single issue assumed): one cycle per instruction,
 * memory accesses beyond one per load/store instruction two per cycle
 * (64-bit interfaces), one more per taken instruction, 13 more per divide. */
int64_t cost_cycles(int core, const int64_t c[COST_NC])
{
    int64_t insns = c[COST_C_LDST] + c[COST_C_BRANCH] + c[COST_C_MUL] + c[COST_C_OTHER];
    int64_t extra;
    if (core == COST_M7) {
        extra = c[COST_C_MEM] - c[COST_C_LDST];
        extra = extra > 0 ? (extra + 1) / 2 : 0;
        return insns + extra + c[COST_C_TAKEN] + 13 * c[COST_C_DIV];
    }
    return insns + c[COST_C_MEM] + 2 * c[COST_C_TAKEN] + 13 * c[COST_C_DIV];
}

int32_t cost_kernel_stack(const char *kernel, int core)
{
    const cost_kernel *k = find_kernel(kernel);
    return k != NULL && core >= 0 && core < COST_NCORES ? k->stack[core] : -1;
}

int32_t cost_frame_bound(int max_args)
{
    int32_t b = 36 + 4 * (max_args > 4 ? max_args - 4 : 0);
    return (b + 7) / 8 * 8;
}

/* resize: the tap tables of a resize layer (resize.h). */
#include "resize.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static double coord(const ir_node *n, int axis, int32_t in_len, int32_t out_len, int32_t o)
{
    double scale = n->rs_scale[axis] > 0.0 ? n->rs_scale[axis] : (double)out_len / in_len;
    double x = (double)o, len = (double)in_len * scale; /* ONNX: the unrounded output length */
    switch (n->rs_ctm) {
    case IR_RS_PYTORCH_HALF_PIXEL:
        return len > 1.0 ? (x + 0.5) / scale - 0.5 : 0.0;
    case IR_RS_ALIGN_CORNERS:
        return len > 1.0 ? x * (double)(in_len - 1) / (len - 1.0) : 0.0;
    case IR_RS_ASYMMETRIC:
        return x / scale;
    case IR_RS_TF_HALF_PIXEL_FOR_NN:
        return (x + 0.5) / scale;
    default: /* half_pixel */
        return (x + 0.5) / scale - 0.5;
    }
}

static int32_t clamp_idx(double i, int32_t in_len)
{
    return i < 0.0 ? 0 : (i > (double)(in_len - 1) ? in_len - 1 : (int32_t)i);
}

/* The taps of output o (before the identity reduction): T entries of idx, w. */
static int taps_at(const ir_node *n, int axis, int32_t in_len, int32_t out_len, int32_t o,
                   int32_t *idx, double *w)
{
    int T = n->rs_mode == IR_RS_NEAREST ? 1 : (n->rs_mode == IR_RS_LINEAR ? 2 : 4);
    double x = coord(n, axis, in_len, out_len, o), xi = floor(x), r = x - xi, base = xi;
    double c[RESIZE_MAX_TAPS], sum = 0.0, A = n->rs_cubic_a;
    int t;
    if (r == 0.0) { /* ONNX: an integer x has ratio 1 to its left neighbour */
        r = 1.0;
        base = xi - 1.0;
    }
    if (T == 1) {
        double pick;
        switch (n->rs_nearest) {
        case IR_RS_ROUND_PREFER_CEIL:
            pick = r < 0.5 ? base : base + 1.0;
            break;
        case IR_RS_FLOOR:
            pick = r == 1.0 ? base + 1.0 : base;
            break;
        case IR_RS_CEIL:
            pick = base + 1.0;
            break;
        default: /* round_prefer_floor */
            pick = r <= 0.5 ? base : base + 1.0;
            break;
        }
        idx[0] = clamp_idx(pick, in_len);
        w[0] = 1.0;
        return 1;
    }
    if (T == 2) {
        c[0] = 1.0 - r;
        c[1] = r;
    } else {
        double s = 1.0 - r;
        c[0] = ((A * (r + 1.0) - 5.0 * A) * (r + 1.0) + 8.0 * A) * (r + 1.0) - 4.0 * A;
        c[1] = ((A + 2.0) * r - (A + 3.0)) * r * r + 1.0;
        c[2] = ((A + 2.0) * s - (A + 3.0)) * s * s + 1.0;
        c[3] = ((A * (s + 1.0) - 5.0 * A) * (s + 1.0) + 8.0 * A) * (s + 1.0) - 4.0 * A;
        base -= 1.0;
    }
    for (t = 0; t < T; t++) {
        double i = base + (double)t;
        if (n->rs_exclude && (i < 0.0 || i > (double)(in_len - 1))) {
            c[t] = 0.0;
        }
        sum += c[t];
    }
    for (t = 0; t < T; t++) {
        idx[t] = clamp_idx(base + (double)t, in_len);
        w[t] = n->rs_exclude && sum != 0.0 ? c[t] / sum : c[t];
    }
    return T;
}

/* T, or 1 when the table is the identity (each output its own index, weight 1) */
static int ntaps(const ir_node *n, int axis, int32_t in_len, int32_t out_len)
{
    int32_t idx[RESIZE_MAX_TAPS], o;
    double w[RESIZE_MAX_TAPS];
    int t, T = 1, ident = out_len == in_len;
    for (o = 0; o < out_len; o++) {
        double own = 0.0, other = 0.0;
        T = taps_at(n, axis, in_len, out_len, o, idx, w);
        for (t = 0; t < T; t++) {
            if (idx[t] == o) {
                own += w[t];
            } else {
                other += fabs(w[t]);
            }
        }
        ident = ident && own == 1.0 && other == 0.0;
    }
    return ident ? 1 : T;
}

int resize_table(const ir_node *n, int axis, int32_t in_len, int32_t out_len, int32_t *idx,
                 double *w)
{
    int T = ntaps(n, axis, in_len, out_len);
    int32_t o;
    for (o = 0; o < out_len; o++) {
        if (T == 1 && n->rs_mode != IR_RS_NEAREST) { /* the identity */
            idx[o] = o;
            w[o] = 1.0;
        } else {
            (void)taps_at(n, axis, in_len, out_len, o, &idx[o * T], &w[o * T]);
        }
    }
    return T;
}

void resize_ntaps(const ir_graph *g, const ir_node *n, int32_t *t_h, int32_t *t_w)
{
    const ir_shape *is = &g->t[n->inputs[0]].shape, *os = &g->t[n->output].shape;
    if (is->rank == 2) {
        *t_h = 1;
        *t_w = ntaps(n, 0, is->d[0], os->d[0]);
    } else {
        *t_h = ntaps(n, 0, is->d[0], os->d[0]);
        *t_w = ntaps(n, 1, is->d[1], os->d[1]);
    }
}

int32_t resize_wq(double w, int q)
{
    return (int32_t)lround(ldexp(w, q));
}

void resize_plan_free(resize_plan *p)
{
    free(p->row);
    free(p->col);
    free(p->wr);
    free(p->wc);
    p->row = p->col = NULL;
    p->wr = p->wc = NULL;
}

int resize_plan_make(const ir_graph *g, const ir_node *n, resize_plan *p)
{
    const ir_shape *is = &g->t[n->inputs[0]].shape, *os = &g->t[n->output].shape;
    int32_t *ih, *iw, o;
    double *wh, *ww;
    int one = is->rank == 2;
    memset(p, 0, sizeof *p);
    p->in_h = one ? 1 : is->d[0];
    p->in_w = is->d[one ? 0 : 1];
    p->c = is->d[is->rank - 1];
    p->out_h = one ? 1 : os->d[0];
    p->out_w = os->d[one ? 0 : 1];
    ih = malloc((size_t)p->out_h * RESIZE_MAX_TAPS * sizeof *ih);
    iw = malloc((size_t)p->out_w * RESIZE_MAX_TAPS * sizeof *iw);
    wh = malloc((size_t)p->out_h * RESIZE_MAX_TAPS * sizeof *wh);
    ww = malloc((size_t)p->out_w * RESIZE_MAX_TAPS * sizeof *ww);
    p->row = ih;
    p->col = iw;
    p->wr = wh;
    p->wc = ww;
    if (ih == NULL || iw == NULL || wh == NULL || ww == NULL) {
        resize_plan_free(p);
        return -1;
    }
    if (one) {
        p->t_h = 1;
        ih[0] = 0;
        wh[0] = 1.0;
        p->t_w = resize_table(n, 0, p->in_w, p->out_w, iw, ww);
    } else {
        p->t_h = resize_table(n, 0, p->in_h, p->out_h, ih, wh);
        p->t_w = resize_table(n, 1, p->in_w, p->out_w, iw, ww);
    }
    /* indices to element offsets */
    for (o = 0; o < p->out_h * p->t_h; o++) {
        ih[o] *= p->in_w * p->c;
    }
    for (o = 0; o < p->out_w * p->t_w; o++) {
        iw[o] *= p->c;
    }
    return 0;
}

int resize_choose_q(const resize_plan *p, int64_t in_mag, int64_t limit, int64_t *bound)
{
    int q;
    for (q = 14; q >= 1; q--) {
        int64_t best = 0, mh = 0, mw = 0;
        int32_t o, i;
        for (o = 0; o < p->out_h; o++) {
            int64_t s = 0;
            for (i = 0; i < p->t_h; i++) {
                s += llabs((long long)resize_wq(p->wr[o * p->t_h + i], q));
            }
            mh = s > mh ? s : mh;
        }
        for (o = 0; o < p->out_w; o++) {
            int64_t s = 0;
            for (i = 0; i < p->t_w; i++) {
                s += llabs((long long)resize_wq(p->wc[o * p->t_w + i], q));
            }
            mw = s > mw ? s : mw;
        }
        /* sum over the taps of |wr wc| <= (sum |wr|)(sum |wc|), each
         * product at most that */
        if (mh * mw < ((int64_t)1 << 31) && mh * mw <= limit / (in_mag > 0 ? in_mag : 1)) {
            best = mh * mw * in_mag;
            *bound = best;
            return q;
        }
    }
    return -1;
}

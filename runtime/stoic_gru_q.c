/*
 * stoic runtime: GRU layer, int16 activations (stoic_rt.h, "recurrent
 * layers, int16 activations"): stoic_gru_s16 (int16 weights) and
 * stoic_gru_s8w (int8 weights). The two differ only in the type of the
 * weights the dot products read; the walk over steps and sequences, the
 * gate requantization and the state update are one code (gru_q_run).
 *
 * Per step and sequence: with linear_before_reset = 0 the reset gate of
 * every unit is computed first and r * h stored in the work row u (the
 * candidate of unit j reads all of it); then unit by unit the update gate,
 * the candidate and the new hidden state, written to y; h is replaced
 * (copied from y) only after the last unit, so every unit reads the old h.
 *
 * Why every intermediate fits its type (H = hidden):
 *  - a product of the dot products is at most 2^15 * 2^15 = 2^30 (int16
 *    weights; 2^22 for int8), formed in int64; every partial sum is
 *    bounded by the generator's |acc| <= 2^47 (the bias included), so the
 *    int64 sums are exact and stoic_requantize64's precondition holds;
 *  - a sum of two int32 (requantized accumulators, or one and a rounded
 *    product) is formed in int64, then clamped to int16;
 *  - r * h[k] and r * hn are products of two int16, at most 2^30 (int32);
 *  - h[j] - n is in [-65535, 65535] and z in [-32768, 32767], so
 *    z * (h[j] - n) is at most 32768 * 65535 < 2^31 - 1 (int32), its
 *    rounding by 2^15 at most 65535, and n plus it at most 98303 (int32)
 *    before the clamp.
 * Every rounding shift is 15 (stoic_rdbpot's precondition e <= 31). The
 * table lookups read inside the tables for every int16 index
 * (stoic_lut_interp_s16). No branch depends on data: the branches are on
 * the parameters (bias and weight pointers, init, reverse,
 * linear_before_reset).
 */
#include <stddef.h>
#include "stoic_rt.h"
#include "stoic_bits.h"

/* The weights of the entry point: w16 and r16 for stoic_gru_s16, w8 and
 * r8 for stoic_gru_s8w; the other pair is NULL. */
typedef struct {
    const int16_t *w16;
    const int16_t *r16;
    const int8_t *w8;
    const int8_t *r8;
} gru_q_weights;

/* v clamped to [-32768, 32767]; |v| < 2^62 */
static int16_t gru_q_sat16(int64_t v)
{
    int64_t c;

    c = stoic_clamp_mask_s64(v, (int64_t)INT16_MIN, (int64_t)INT16_MAX);
    return (int16_t)c;
}

/* The accumulators of row J: *ax = bx[J] + w[J] . xt and
 * *ah = bh[J] + r[J] . v (bias NULL: 0), with the int16 weights or, when
 * w16 is NULL, the int8 ones (a branch on the entry point, outside the
 * loops). */
static void gru_q_acc(const stoic_rnn_q_params *p, const gru_q_weights *wt, int32_t row,
                      const int16_t *xt, const int16_t *v, int64_t *ax, int64_t *ah)
{
    int32_t i;
    int32_t wr = row * p->in_n;
    int32_t rr = row * p->hidden;
    int64_t sx = 0;
    int64_t sh = 0;

    if (p->bx != NULL) {
        sx = p->bx[row];
    }
    if (p->bh != NULL) {
        sh = p->bh[row];
    }
    if (wt->w16 != NULL) {
        for (i = 0; i < p->in_n; i++) {
            sx = sx + ((int64_t)wt->w16[wr + i] * (int64_t)xt[i]);
        }
        for (i = 0; i < p->hidden; i++) {
            sh = sh + ((int64_t)wt->r16[rr + i] * (int64_t)v[i]);
        }
    } else {
        for (i = 0; i < p->in_n; i++) {
            sx = sx + ((int64_t)wt->w8[wr + i] * (int64_t)xt[i]);
        }
        for (i = 0; i < p->hidden; i++) {
            sh = sh + ((int64_t)wt->r8[rr + i] * (int64_t)v[i]);
        }
    }
    *ax = sx;
    *ah = sh;
}

/* rq64 of an accumulator of row J: the input one (rec = 0) or the
 * recurrent one (rec = 1) */
static int32_t gru_q_rq(const stoic_rnn_q_params *p, int64_t acc, int32_t row, int32_t rec)
{
    const stoic_qmul *qm;

    if (rec != 0) {
        qm = &p->qh[row];
    } else {
        qm = &p->qx[row];
    }
    return stoic_requantize64(acc, qm->m, qm->shift);
}

/* LUT(sigmoid, pre[J]) of gate row J (z or r), from h */
static int32_t gru_q_sig(const stoic_rnn_q_params *p, const gru_q_weights *wt, int32_t row,
                         const int16_t *xt, const int16_t *h)
{
    int64_t ax;
    int64_t ah;
    int16_t pre;

    gru_q_acc(p, wt, row, xt, h, &ax, &ah);
    pre = gru_q_sat16((int64_t)gru_q_rq(p, ax, row, 0) + (int64_t)gru_q_rq(p, ah, row, 1));
    return (int32_t)stoic_lut_interp_s16(p->sigmoid, pre);
}

/* One step of one sequence: the work row u first (linear_before_reset 0),
 * then units j = 0 .. H - 1 to yt, then h = yt. */
static void gru_q_seq(const stoic_rnn_q_params *p, const gru_q_weights *wt,
                      const int16_t *xt, int16_t *h, int16_t *u, int16_t *yt)
{
    int32_t j;
    int32_t hid = p->hidden;
    int32_t row;    /* the candidate's row 2H + j */
    int32_t gz;
    int32_t gr;
    int64_t ax;
    int64_t ah;
    int32_t rec;    /* the candidate's recurrent part, Q3.12 */
    int32_t hn;     /* sat16(rq64(ah)) (linear_before_reset 1) */
    int16_t pre;
    int32_t gn;     /* n = LUT(tanh, pre_n) */
    int32_t dz;     /* rd(z * (h[j] - n), 15) */

    if (p->linear_before_reset == 0) {
        for (j = 0; j < hid; j++) {
            gr = gru_q_sig(p, wt, hid + j, xt, h);
            u[j] = gru_q_sat16((int64_t)stoic_rdbpot(gr * (int32_t)h[j], 15));
        }
    }
    for (j = 0; j < hid; j++) {
        gz = gru_q_sig(p, wt, j, xt, h);
        row = (2 * hid) + j;
        if (p->linear_before_reset != 0) {
            gru_q_acc(p, wt, row, xt, h, &ax, &ah);
            gr = gru_q_sig(p, wt, hid + j, xt, h);
            hn = (int32_t)gru_q_sat16((int64_t)gru_q_rq(p, ah, row, 1));
            rec = stoic_rdbpot(gr * hn, 15);
        } else {
            gru_q_acc(p, wt, row, xt, u, &ax, &ah);
            rec = gru_q_rq(p, ah, row, 1);
        }
        pre = gru_q_sat16((int64_t)gru_q_rq(p, ax, row, 0) + (int64_t)rec);
        gn = (int32_t)stoic_lut_interp_s16(p->tanh, pre);
        dz = stoic_rdbpot(gz * ((int32_t)h[j] - gn), 15);
        yt[j] = gru_q_sat16((int64_t)gn + (int64_t)dz);
    }
    for (j = 0; j < hid; j++) {
        h[j] = yt[j];
    }
}

static void gru_q_run(const stoic_rnn_q_params *p, const gru_q_weights *wt, const int16_t *x,
                      const int16_t *init, int16_t *state, int16_t *y)
{
    int32_t n = p->batch * p->hidden;
    int32_t k;
    int32_t s;
    int32_t t;
    int32_t q;
    int32_t o;      /* (t * batch + q): the row of x and y */
    int16_t zero;

    if (p->init != 0) {
        if (init != NULL) {
            for (k = 0; k < n; k++) {
                state[k] = init[k];
            }
        } else {
            /* zero, computed from the parameters (init is 1 here), so that
             * no compiler turns the loop into a call of memset */
            zero = (int16_t)(p->init - 1);
            for (k = 0; k < n; k++) {
                state[k] = zero;
            }
        }
    }
    for (s = 0; s < p->steps; s++) {
        if (p->reverse != 0) {
            t = (p->steps - 1) - s;
        } else {
            t = s;
        }
        for (q = 0; q < p->batch; q++) {
            o = (t * p->batch) + q;
            gru_q_seq(p, wt, &x[o * p->in_n], &state[q * p->hidden],
                      &state[n + (q * p->hidden)], &y[o * p->hidden]);
        }
    }
}

void stoic_gru_s16(const stoic_rnn_q_params *p, const int16_t *x, const int16_t *w,
                   const int16_t *r, const int16_t *init, int16_t *state, int16_t *y)
{
    const gru_q_weights wt = { w, r, NULL, NULL };

    gru_q_run(p, &wt, x, init, state, y);
}

void stoic_gru_s8w(const stoic_rnn_q_params *p, const int16_t *x, const int8_t *w,
                   const int8_t *r, const int16_t *init, int16_t *state, int16_t *y)
{
    const gru_q_weights wt = { NULL, NULL, w, r };

    gru_q_run(p, &wt, x, init, state, y);
}

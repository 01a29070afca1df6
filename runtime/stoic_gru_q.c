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
 * Why every intermediate fits its type (H = hidden; the dot products and
 * their requantization: stoic_rnn_q.c):
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
#include "stoic_dsp.h"

/* acc32 with linear_before_reset 1 (stoic_rt.h): the six accumulators of
 * unit j, input (ax) and recurrent (ah) of its gate rows j + g H (g = 0 ..
 * 2: z, r, n), in one pass over xt and one over v, each value read once
 * for the three rows; int32 sums, exact: the generator proves |bias| +
 * 32768 sum |weights| < 2^30 for every row. */
static void gru_q_acc3(const stoic_rnn_q_params *p, const stoic_rnn_q_weights *wt, int32_t j,
                       const int16_t *xt, const int16_t *v, int32_t vn, int32_t *ax,
                       int32_t *ah)
{
    int32_t g;
    int32_t i;
    int32_t x;
    int32_t a0;
    int32_t a1;
    int32_t a2;
    const int32_t hid = p->hidden;
    const int32_t in_n = p->in_n;
    const int32_t sx = hid * in_n;   /* between the rows of two gates */
    const int32_t sh = hid * vn;

    for (g = 0; g < 3; g++) {
        ax[g] = 0;
        ah[g] = 0;
        if (p->bx != NULL) {
            ax[g] = (int32_t)p->bx[(g * hid) + j];
        }
        if (p->bh != NULL) {
            ah[g] = (int32_t)p->bh[(g * hid) + j];
        }
    }
    if (wt->w8 != NULL) {
        const int8_t *w = &wt->w8[j * in_n];
        const int8_t *r = &wt->r8[j * vn];
        a0 = ax[0];
        a1 = ax[1];
        a2 = ax[2];
        for (i = 0; i < in_n; i++) {
            x = (int32_t)xt[i];
            a0 = a0 + ((int32_t)w[i] * x);
            a1 = a1 + ((int32_t)w[sx + i] * x);
            a2 = a2 + ((int32_t)w[(2 * sx) + i] * x);
        }
        ax[0] = a0;
        ax[1] = a1;
        ax[2] = a2;
        a0 = ah[0];
        a1 = ah[1];
        a2 = ah[2];
        for (i = 0; i < vn; i++) {
            x = (int32_t)v[i];
            a0 = a0 + ((int32_t)r[i] * x);
            a1 = a1 + ((int32_t)r[sh + i] * x);
            a2 = a2 + ((int32_t)r[(2 * sh) + i] * x);
        }
    } else {
        const int16_t *w = &wt->w16[j * in_n];
        const int16_t *r = &wt->r16[j * vn];
        a0 = ax[0];
        a1 = ax[1];
        a2 = ax[2];
        for (i = 0; i < in_n; i++) {
            x = (int32_t)xt[i];
            a0 = a0 + ((int32_t)w[i] * x);
            a1 = a1 + ((int32_t)w[sx + i] * x);
            a2 = a2 + ((int32_t)w[(2 * sx) + i] * x);
        }
        ax[0] = a0;
        ax[1] = a1;
        ax[2] = a2;
        a0 = ah[0];
        a1 = ah[1];
        a2 = ah[2];
        for (i = 0; i < vn; i++) {
            x = (int32_t)v[i];
            a0 = a0 + ((int32_t)r[i] * x);
            a1 = a1 + ((int32_t)r[sh + i] * x);
            a2 = a2 + ((int32_t)r[(2 * sh) + i] * x);
        }
    }
    ah[0] = a0;
    ah[1] = a1;
    ah[2] = a2;
}

/* One step of one sequence: the work row u first (linear_before_reset 0),
 * then units j = 0 .. H - 1 to yt, then h = yt. */
static void gru_q_seq(const stoic_rnn_q_params *p, const stoic_rnn_q_weights *wt,
                      const int16_t *xt, int16_t *h, int16_t *u, int16_t *zh, int16_t *zu,
                      int16_t *yt)
{
    const int16_t *vh = h; /* what the gate rows read for h: h, or rb . h */
    const int16_t *vu = u; /* for the work row: u, or rb . u */
    int32_t vn = p->hidden; /* their length: hidden, or rank */
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
    int32_t a3x[3]; /* acc32, linear_before_reset 1: the unit's accumulators */
    int32_t a3h[3];

    if (p->rank > 0) {
        vh = stoic_rnn_q_project(p, h, zh);
        vn = p->rank;
    }
    if (p->linear_before_reset == 0) {
        for (j = 0; j < hid; j++) {
            gr = stoic_rnn_q_gate(p, wt, p->sigmoid, hid + j, xt, vh, vn);
            u[j] = (int16_t)stoic_dsp_sat16(stoic_dsp_rdbpot(gr * (int32_t)h[j], 15U));
        }
        if (p->rank > 0) {
            vu = stoic_rnn_q_project(p, u, zu);
        }
    }
    for (j = 0; j < hid; j++) {
        row = (2 * hid) + j;
        if ((p->acc32 != 0) && (p->linear_before_reset != 0)) {
            gru_q_acc3(p, wt, j, xt, vh, vn, a3x, a3h);
            gz = stoic_rnn_q_gate32(p, p->sigmoid, j, a3x[0], a3h[0]);
            gr = stoic_rnn_q_gate32(p, p->sigmoid, hid + j, a3x[1], a3h[1]);
            hn = stoic_dsp_sat16(stoic_dsp_rq32(a3h[2], p->qh[row].m, p->qh[row].shift));
            /* |rq32| < 2^29, |rd(r hn, 15)| <= 2^15: exact in int32 */
            rec = stoic_dsp_rdbpot(gr * hn, 15U);
            pre = (int16_t)stoic_dsp_sat16(stoic_dsp_rq32(a3x[2], p->qx[row].m, p->qx[row].shift) +
                                           rec);
        } else if (p->linear_before_reset != 0) {
            gz = stoic_rnn_q_gate(p, wt, p->sigmoid, j, xt, vh, vn);
            stoic_rnn_q_acc(p, wt, row, xt, vh, vn, &ax, &ah);
            gr = stoic_rnn_q_gate(p, wt, p->sigmoid, hid + j, xt, vh, vn);
            hn = (int32_t)stoic_rnn_q_sat16((int64_t)stoic_rnn_q_rq(p, ah, row, 1));
            rec = stoic_dsp_rdbpot(gr * hn, 15U);
            pre = stoic_rnn_q_sat16((int64_t)stoic_rnn_q_rq(p, ax, row, 0) + (int64_t)rec);
        } else {
            gz = stoic_rnn_q_gate(p, wt, p->sigmoid, j, xt, vh, vn);
            stoic_rnn_q_acc(p, wt, row, xt, vu, vn, &ax, &ah);
            rec = stoic_rnn_q_rq(p, ah, row, 1);
            pre = stoic_rnn_q_sat16((int64_t)stoic_rnn_q_rq(p, ax, row, 0) + (int64_t)rec);
        }
        gn = (int32_t)stoic_lut_interp_s16(p->tanh, pre);
        /* |z (h - n)| <= 2^15 (2^16 - 1) < 2^31 - 2^15 (stoic_dsp_rdbpot) */
        dz = stoic_dsp_rdbpot(gz * ((int32_t)h[j] - gn), 15U);
        yt[j] = (int16_t)stoic_dsp_sat16(gn + dz);
    }
    for (j = 0; j < hid; j++) {
        h[j] = yt[j];
    }
}

static void gru_q_run(const stoic_rnn_q_params *p, const stoic_rnn_q_weights *wt,
                      const int16_t *x, const int16_t *init, int16_t *state, int16_t *y)
{
    int32_t n = p->batch * p->hidden;
    int32_t s;
    int32_t t;
    int32_t q;
    int32_t o;      /* (t * batch + q): the row of x and y */

    stoic_rnn_q_init(p, init, state, n);
    for (s = 0; s < p->steps; s++) {
        if (p->reverse != 0) {
            t = (p->steps - 1) - s;
        } else {
            t = s;
        }
        for (q = 0; q < p->batch; q++) {
            o = (t * p->batch) + q;
            gru_q_seq(p, wt, &x[o * p->in_n], &state[q * p->hidden],
                      &state[n + (q * p->hidden)], &state[(2 * n) + (q * p->rank)],
                      &state[(2 * n) + ((p->batch + q) * p->rank)], &y[o * p->hidden]);
        }
    }
}

void stoic_gru_s16(const stoic_rnn_q_params *p, const int16_t *x, const int16_t *w,
                   const int16_t *r, const int16_t *init, int16_t *state, int16_t *y)
{
    const stoic_rnn_q_weights wt = { w, r, NULL, NULL };

    gru_q_run(p, &wt, x, init, state, y);
}

void stoic_gru_s8w(const stoic_rnn_q_params *p, const int16_t *x, const int8_t *w,
                   const int8_t *r, const int16_t *init, int16_t *state, int16_t *y)
{
    const stoic_rnn_q_weights wt = { NULL, NULL, w, r };

    gru_q_run(p, &wt, x, init, state, y);
}

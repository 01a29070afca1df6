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

    if (p->rank > 0) {
        vh = stoic_rnn_q_project(p, h, zh);
        vn = p->rank;
    }
    if (p->linear_before_reset == 0) {
        for (j = 0; j < hid; j++) {
            gr = stoic_rnn_q_gate(p, wt, p->sigmoid, hid + j, xt, vh, vn);
            u[j] = stoic_rnn_q_sat16((int64_t)stoic_rdbpot(gr * (int32_t)h[j], 15));
        }
        if (p->rank > 0) {
            vu = stoic_rnn_q_project(p, u, zu);
        }
    }
    for (j = 0; j < hid; j++) {
        gz = stoic_rnn_q_gate(p, wt, p->sigmoid, j, xt, vh, vn);
        row = (2 * hid) + j;
        if (p->linear_before_reset != 0) {
            stoic_rnn_q_acc(p, wt, row, xt, vh, vn, &ax, &ah);
            gr = stoic_rnn_q_gate(p, wt, p->sigmoid, hid + j, xt, vh, vn);
            hn = (int32_t)stoic_rnn_q_sat16((int64_t)stoic_rnn_q_rq(p, ah, row, 1));
            rec = stoic_rdbpot(gr * hn, 15);
        } else {
            stoic_rnn_q_acc(p, wt, row, xt, vu, vn, &ax, &ah);
            rec = stoic_rnn_q_rq(p, ah, row, 1);
        }
        pre = stoic_rnn_q_sat16((int64_t)stoic_rnn_q_rq(p, ax, row, 0) + (int64_t)rec);
        gn = (int32_t)stoic_lut_interp_s16(p->tanh, pre);
        dz = stoic_rdbpot(gz * ((int32_t)h[j] - gn), 15);
        yt[j] = stoic_rnn_q_sat16((int64_t)gn + (int64_t)dz);
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

/*
 * stoic runtime: what the integer LSTM and GRU (stoic_lstm_q.c,
 * stoic_gru_q.c) share: the two dot products of a gate row, their
 * requantization to Q3.12 and the gate's table lookup, the clamp to int16
 * and the state's initialisation (stoic_rt.h, "recurrent layers, int16
 * activations").
 *
 * Why every intermediate fits its type: a product of the dot products is
 * at most 2^15 * 2^15 = 2^30 (int16 weights; 2^22 for int8), formed in
 * int64; every partial sum is bounded by the generator's |acc| <= 2^47
 * (the bias included), so the int64 sums are exact and
 * stoic_requantize64's precondition holds; the sum of two requantized
 * accumulators (int32 each) is formed in int64, then clamped. No branch
 * depends on data: the branches are on the parameters (bias and weight
 * pointers, init).
 */
#include <stddef.h>
#include "stoic_rt.h"
#include "stoic_bits.h"
#include "stoic_dsp.h"

int16_t stoic_rnn_q_sat16(int64_t v)
{
    int64_t c;

    c = stoic_clamp_mask_s64(v, (int64_t)INT16_MIN, (int64_t)INT16_MAX);
    return (int16_t)c;
}

void stoic_rnn_q_acc(const stoic_rnn_q_params *p, const stoic_rnn_q_weights *wt, int32_t row,
                     const int16_t *xt, const int16_t *v, int32_t vn, int64_t *ax, int64_t *ah)
{
    int32_t i;
    int32_t wr = row * p->in_n;
    int32_t rr = row * vn;
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
        for (i = 0; i < vn; i++) {
            sh = sh + ((int64_t)wt->r16[rr + i] * (int64_t)v[i]);
        }
    } else {
        for (i = 0; i < p->in_n; i++) {
            sx = sx + ((int64_t)wt->w8[wr + i] * (int64_t)xt[i]);
        }
        for (i = 0; i < vn; i++) {
            sh = sh + ((int64_t)wt->r8[rr + i] * (int64_t)v[i]);
        }
    }
    *ax = sx;
    *ah = sh;
}

const int16_t *stoic_rnn_q_project(const stoic_rnn_q_params *p, const int16_t *v, int16_t *z)
{
    int32_t k;
    int32_t i;
    int32_t row;
    int64_t acc;

    for (k = 0; k < p->rank; k++) {
        row = k * p->hidden;
        acc = 0;
        if (p->rb16 != NULL) {
            for (i = 0; i < p->hidden; i++) {
                acc = acc + ((int64_t)p->rb16[row + i] * (int64_t)v[i]);
            }
        } else {
            for (i = 0; i < p->hidden; i++) {
                acc = acc + ((int64_t)p->rb8[row + i] * (int64_t)v[i]);
            }
        }
        z[k] = stoic_rnn_q_sat16((int64_t)stoic_requantize64(acc, p->qz[k].m, p->qz[k].shift));
    }
    return z;
}

int32_t stoic_rnn_q_rq(const stoic_rnn_q_params *p, int64_t acc, int32_t row, int32_t rec)
{
    const stoic_qmul *qm;

    if (rec != 0) {
        qm = &p->qh[row];
    } else {
        qm = &p->qx[row];
    }
    return stoic_requantize64(acc, qm->m, qm->shift);
}

int32_t stoic_rnn_q_gate32(const stoic_rnn_q_params *p, const int16_t *table, int32_t row,
                           int32_t ax, int32_t ah)
{
    int32_t pre;

    /* |rq32| < 2^29 each (stoic_dsp.h): the sum is exact in int32 */
    pre = stoic_dsp_rq32(ax, p->qx[row].m, p->qx[row].shift) +
          stoic_dsp_rq32(ah, p->qh[row].m, p->qh[row].shift);
    return (int32_t)stoic_lut_interp_s16(table, (int16_t)stoic_dsp_sat16(pre));
}

int32_t stoic_rnn_q_gate(const stoic_rnn_q_params *p, const stoic_rnn_q_weights *wt,
                         const int16_t *table, int32_t row, const int16_t *xt, const int16_t *v,
                         int32_t vn)
{
    int64_t ax;
    int64_t ah;
    int16_t pre;

    stoic_rnn_q_acc(p, wt, row, xt, v, vn, &ax, &ah);
    pre = stoic_rnn_q_sat16((int64_t)stoic_rnn_q_rq(p, ax, row, 0) +
                            (int64_t)stoic_rnn_q_rq(p, ah, row, 1));
    return (int32_t)stoic_lut_interp_s16(table, pre);
}

void stoic_rnn_q_init(const stoic_rnn_q_params *p, const int16_t *init, int16_t *state,
                      int32_t n)
{
    int32_t k;
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
}

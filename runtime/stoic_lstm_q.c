/*
 * stoic runtime: LSTM layer, int16 activations (stoic_rt.h, "recurrent
 * layers, int16 activations"): stoic_lstm_s16 (int16 weights) and
 * stoic_lstm_s8w (int8 weights). The two differ only in the type of the
 * weights the dot products read; the walk over steps and sequences, the
 * gate requantization and the cell update are one code (lstm_q_run).
 *
 * Per step and sequence, unit by unit: the four gate accumulators of unit
 * j (rows j, H + j, 2H + j, 3H + j: gates i, o, f, c), requantized to
 * Q3.12, looked up in the tables (Q0.15), the cell state c[j] updated in
 * place, the new hidden state written to y; h is replaced (copied from y)
 * only after the last unit, so every unit reads the old h.
 *
 * Why every intermediate fits its type (H = hidden):
 *  - a product of the dot products is at most 2^15 * 2^15 = 2^30 (int16
 *    weights; 2^22 for int8), formed in int64; every partial sum is
 *    bounded by the generator's |acc| <= 2^47 (the bias included), so the
 *    int64 sums are exact and stoic_requantize64's precondition holds;
 *  - rq64(ax) + rq64(ah) is the sum of two int32 in int64, then clamped;
 *  - gates i, o, f, g and c are int16: f * c, i * g and o * tanh(ct) are
 *    at most 2^30 in magnitude (int32); rd(f * c, 15) is at most 2^15 and
 *    rd(i * g, 30 - cell_shift) at most 2^15 (30 - cell_shift >= 15), so
 *    their sum (at most 2^16) is exact in int32 before the clamp;
 *  - c * 2^(12 - cell_shift) is at most 2^15 * 2^12 = 2^27 (int32).
 * Every rounding shift e is in [0, 30] (stoic_rdbpot's precondition):
 * 15, 30 - cell_shift in [15, 30], max(cell_shift - 12, 0) in [0, 3].
 * The table lookups read inside the tables for every int16 index
 * (stoic_lut_interp_s16). No branch depends on data: the branches are on
 * the parameters (bias and weight pointers, init, reverse, cell_shift).
 */
#include <stddef.h>
#include "stoic_rt.h"
#include "stoic_bits.h"

/* The weights of the entry point: w16 and r16 for stoic_lstm_s16, w8 and
 * r8 for stoic_lstm_s8w; the other pair is NULL. */
typedef struct {
    const int16_t *w16;
    const int16_t *r16;
    const int8_t *w8;
    const int8_t *r8;
} lstm_q_weights;

/* x clamped to [-32768, 32767]; |x| < 2^62 */
static int16_t lstm_q_sat16(int64_t x)
{
    int64_t y;

    y = stoic_clamp_mask_s64(x, (int64_t)INT16_MIN, (int64_t)INT16_MAX);
    return (int16_t)y;
}

/* acc + sum over i < n of a[off + i] * v[i], a the int16 weights a16 or,
 * when a16 is NULL, the int8 weights a8 (a branch on the entry point,
 * outside the loop) */
static int64_t lstm_q_dot(int64_t acc, const int16_t *a16, const int8_t *a8, int32_t off,
                          const int16_t *v, int32_t n)
{
    int32_t i;
    int64_t s = acc;

    if (a16 != NULL) {
        for (i = 0; i < n; i++) {
            s = s + ((int64_t)a16[off + i] * (int64_t)v[i]);
        }
    } else {
        for (i = 0; i < n; i++) {
            s = s + ((int64_t)a8[off + i] * (int64_t)v[i]);
        }
    }
    return s;
}

/* The table output (Q0.15) of gate row J: LUT(table, pre[J]),
 * pre[J] = sat16(rq64(ax[J], qx[J]) + rq64(ah[J], qh[J])) */
static int32_t lstm_q_gate(const stoic_rnn_q_params *p, const lstm_q_weights *wt,
                           const int16_t *table, int32_t row, const int16_t *xt,
                           const int16_t *h)
{
    int64_t ax = 0;
    int64_t ah = 0;
    int64_t sum;
    int16_t pre;

    if (p->bx != NULL) {
        ax = p->bx[row];
    }
    if (p->bh != NULL) {
        ah = p->bh[row];
    }
    ax = lstm_q_dot(ax, wt->w16, wt->w8, row * p->in_n, xt, p->in_n);
    ah = lstm_q_dot(ah, wt->r16, wt->r8, row * p->hidden, h, p->hidden);
    sum = (int64_t)stoic_requantize64(ax, p->qx[row].m, p->qx[row].shift) +
          (int64_t)stoic_requantize64(ah, p->qh[row].m, p->qh[row].shift);
    pre = lstm_q_sat16(sum);
    return (int32_t)stoic_lut_interp_s16(table, pre);
}

/* One step of one sequence: units j = 0 .. H - 1, c updated in place, the
 * new h to yt, then h = yt. lc = 2^max(12 - cell_shift, 0) and ec =
 * max(cell_shift - 12, 0) bring c (scale 2^-cell_shift) to Q3.12. */
static void lstm_q_seq(const stoic_rnn_q_params *p, const lstm_q_weights *wt,
                       const int16_t *xt, int16_t *h, int16_t *c, int16_t *yt, int32_t lc,
                       int32_t ec)
{
    int32_t j;
    int32_t hid = p->hidden;
    int32_t gi;
    int32_t go;
    int32_t gf;
    int32_t gg;
    int32_t keep;   /* rd(f * c, 15), |keep| <= 2^15 */
    int32_t add;    /* rd(i * g, 30 - cell_shift), |add| <= 2^15 */
    int16_t ct;     /* c in Q3.12 */
    int32_t th;     /* LUT(tanh, ct) */

    for (j = 0; j < hid; j++) {
        gi = lstm_q_gate(p, wt, p->sigmoid, j, xt, h);
        go = lstm_q_gate(p, wt, p->sigmoid, hid + j, xt, h);
        gf = lstm_q_gate(p, wt, p->sigmoid, (2 * hid) + j, xt, h);
        gg = lstm_q_gate(p, wt, p->tanh, (3 * hid) + j, xt, h);
        keep = stoic_rdbpot(gf * (int32_t)c[j], 15);
        add = stoic_rdbpot(gi * gg, 30 - p->cell_shift);
        c[j] = lstm_q_sat16((int64_t)keep + (int64_t)add);
        ct = lstm_q_sat16((int64_t)stoic_rdbpot((int32_t)c[j] * lc, ec));
        th = (int32_t)stoic_lut_interp_s16(p->tanh, ct);
        yt[j] = lstm_q_sat16((int64_t)stoic_rdbpot(go * th, 15));
    }
    for (j = 0; j < hid; j++) {
        h[j] = yt[j];
    }
}

static void lstm_q_run(const stoic_rnn_q_params *p, const lstm_q_weights *wt,
                       const int16_t *x, const int16_t *init, int16_t *state, int16_t *y)
{
    int32_t n = p->batch * p->hidden;
    int32_t k;
    int32_t s;
    int32_t t;
    int32_t q;
    int32_t o;      /* (t * batch + q): the row of x and y */
    int32_t lc = 1;
    int32_t ec = 0;
    int32_t up;     /* 12 - cell_shift when positive */
    int16_t zero;

    if (p->init != 0) {
        if (init != NULL) {
            for (k = 0; k < (2 * n); k++) {
                state[k] = init[k];
            }
        } else {
            /* zero, computed from the parameters (init is 1 here), so that
             * no compiler turns the loop into a call of memset */
            zero = (int16_t)(p->init - 1);
            for (k = 0; k < (2 * n); k++) {
                state[k] = zero;
            }
        }
    }
    if (p->cell_shift < 12) {
        up = 12 - p->cell_shift;
        lc = (int32_t)stoic_pow2_u32((uint32_t)up);
    } else {
        ec = p->cell_shift - 12;
    }
    for (s = 0; s < p->steps; s++) {
        if (p->reverse != 0) {
            t = (p->steps - 1) - s;
        } else {
            t = s;
        }
        for (q = 0; q < p->batch; q++) {
            o = (t * p->batch) + q;
            lstm_q_seq(p, wt, &x[o * p->in_n], &state[q * p->hidden],
                       &state[n + (q * p->hidden)], &y[o * p->hidden], lc, ec);
        }
    }
}

void stoic_lstm_s16(const stoic_rnn_q_params *p, const int16_t *x, const int16_t *w,
                    const int16_t *r, const int16_t *init, int16_t *state, int16_t *y)
{
    const lstm_q_weights wt = { w, r, NULL, NULL };

    lstm_q_run(p, &wt, x, init, state, y);
}

void stoic_lstm_s8w(const stoic_rnn_q_params *p, const int16_t *x, const int8_t *w,
                    const int8_t *r, const int16_t *init, int16_t *state, int16_t *y)
{
    const lstm_q_weights wt = { NULL, NULL, w, r };

    lstm_q_run(p, &wt, x, init, state, y);
}

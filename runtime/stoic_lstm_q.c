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

/* One step of one sequence: units j = 0 .. H - 1, c updated in place, the
 * new h to yt, then h = yt. lc = 2^max(12 - cell_shift, 0) and ec =
 * max(cell_shift - 12, 0) bring c (scale 2^-cell_shift) to Q3.12. */
static void lstm_q_seq(const stoic_rnn_q_params *p, const stoic_rnn_q_weights *wt,
                       const int16_t *xt, int16_t *h, int16_t *c, int16_t *z, int16_t *yt,
                       int32_t lc, int32_t ec)
{
    const int16_t *v = h; /* what the gate rows read: h, or its projection z */
    int32_t vn = p->hidden;
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

    if (p->rank > 0) {
        v = stoic_rnn_q_project(p, h, z);
        vn = p->rank;
    }
    for (j = 0; j < hid; j++) {
        gi = stoic_rnn_q_gate(p, wt, p->sigmoid, j, xt, v, vn);
        go = stoic_rnn_q_gate(p, wt, p->sigmoid, hid + j, xt, v, vn);
        gf = stoic_rnn_q_gate(p, wt, p->sigmoid, (2 * hid) + j, xt, v, vn);
        gg = stoic_rnn_q_gate(p, wt, p->tanh, (3 * hid) + j, xt, v, vn);
        keep = stoic_rdbpot(gf * (int32_t)c[j], 15);
        add = stoic_rdbpot(gi * gg, 30 - p->cell_shift);
        c[j] = stoic_rnn_q_sat16((int64_t)keep + (int64_t)add);
        ct = stoic_rnn_q_sat16((int64_t)stoic_rdbpot((int32_t)c[j] * lc, ec));
        th = (int32_t)stoic_lut_interp_s16(p->tanh, ct);
        yt[j] = stoic_rnn_q_sat16((int64_t)stoic_rdbpot(go * th, 15));
    }
    for (j = 0; j < hid; j++) {
        h[j] = yt[j];
    }
}

static void lstm_q_run(const stoic_rnn_q_params *p, const stoic_rnn_q_weights *wt,
                       const int16_t *x, const int16_t *init, int16_t *state, int16_t *y)
{
    int32_t n = p->batch * p->hidden;
    int32_t s;
    int32_t t;
    int32_t q;
    int32_t o;      /* (t * batch + q): the row of x and y */
    int32_t lc = 1;
    int32_t ec = 0;
    int32_t up;     /* 12 - cell_shift when positive */

    stoic_rnn_q_init(p, init, state, 2 * n);
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
                       &state[n + (q * p->hidden)], &state[(2 * n) + (q * p->rank)],
                       &y[o * p->hidden], lc, ec);
        }
    }
}

void stoic_lstm_s16(const stoic_rnn_q_params *p, const int16_t *x, const int16_t *w,
                    const int16_t *r, const int16_t *init, int16_t *state, int16_t *y)
{
    const stoic_rnn_q_weights wt = { w, r, NULL, NULL };

    lstm_q_run(p, &wt, x, init, state, y);
}

void stoic_lstm_s8w(const stoic_rnn_q_params *p, const int16_t *x, const int8_t *w,
                    const int8_t *r, const int16_t *init, int16_t *state, int16_t *y)
{
    const stoic_rnn_q_weights wt = { NULL, NULL, w, r };

    lstm_q_run(p, &wt, x, init, state, y);
}

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
#include "stoic_dsp.h"

/* acc32 (stoic_rt.h): the eight accumulators of unit j, input (ax) and
 * recurrent (ah) of its gate rows j + g H (g = 0 .. 3), in one pass over
 * xt and one over v, each value read once for the four rows; int32 sums,
 * exact: the generator proves |bias| + 32768 sum |weights| < 2^30 for
 * every row. */
static void lstm_q_acc4(const stoic_rnn_q_params *p, const stoic_rnn_q_weights *wt, int32_t j,
                        const int16_t *xt, const int16_t *v, int32_t vn, int32_t *ax,
                        int32_t *ah)
{
    int32_t g;
    int32_t i;
    int32_t x;
    int32_t a0;
    int32_t a1;
    int32_t a2;
    int32_t a3;
    const int32_t hid = p->hidden;
    const int32_t in_n = p->in_n;
    const int32_t sx = hid * in_n;   /* between the rows of two gates */
    const int32_t sh = hid * vn;

    for (g = 0; g < 4; g++) {
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
        a3 = ax[3];
        for (i = 0; i < in_n; i++) {
            x = (int32_t)xt[i];
            a0 = a0 + ((int32_t)w[i] * x);
            a1 = a1 + ((int32_t)w[sx + i] * x);
            a2 = a2 + ((int32_t)w[(2 * sx) + i] * x);
            a3 = a3 + ((int32_t)w[(3 * sx) + i] * x);
        }
        ax[0] = a0;
        ax[1] = a1;
        ax[2] = a2;
        ax[3] = a3;
        a0 = ah[0];
        a1 = ah[1];
        a2 = ah[2];
        a3 = ah[3];
        for (i = 0; i < vn; i++) {
            x = (int32_t)v[i];
            a0 = a0 + ((int32_t)r[i] * x);
            a1 = a1 + ((int32_t)r[sh + i] * x);
            a2 = a2 + ((int32_t)r[(2 * sh) + i] * x);
            a3 = a3 + ((int32_t)r[(3 * sh) + i] * x);
        }
    } else {
        const int16_t *w = &wt->w16[j * in_n];
        const int16_t *r = &wt->r16[j * vn];
        a0 = ax[0];
        a1 = ax[1];
        a2 = ax[2];
        a3 = ax[3];
        for (i = 0; i < in_n; i++) {
            x = (int32_t)xt[i];
            a0 = a0 + ((int32_t)w[i] * x);
            a1 = a1 + ((int32_t)w[sx + i] * x);
            a2 = a2 + ((int32_t)w[(2 * sx) + i] * x);
            a3 = a3 + ((int32_t)w[(3 * sx) + i] * x);
        }
        ax[0] = a0;
        ax[1] = a1;
        ax[2] = a2;
        ax[3] = a3;
        a0 = ah[0];
        a1 = ah[1];
        a2 = ah[2];
        a3 = ah[3];
        for (i = 0; i < vn; i++) {
            x = (int32_t)v[i];
            a0 = a0 + ((int32_t)r[i] * x);
            a1 = a1 + ((int32_t)r[sh + i] * x);
            a2 = a2 + ((int32_t)r[(2 * sh) + i] * x);
            a3 = a3 + ((int32_t)r[(3 * sh) + i] * x);
        }
    }
    ah[0] = a0;
    ah[1] = a1;
    ah[2] = a2;
    ah[3] = a3;
}

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
    uint32_t ea;    /* 30 - cell_shift, in [15, 30] */
    int32_t ax[4];  /* acc32: the unit's gate accumulators */
    int32_t ah[4];

    if (p->rank > 0) {
        v = stoic_rnn_q_project(p, h, z);
        vn = p->rank;
    }
    ea = 30U - (uint32_t)p->cell_shift;
    for (j = 0; j < hid; j++) {
        if (p->acc32 != 0) {
            lstm_q_acc4(p, wt, j, xt, v, vn, ax, ah);
            gi = stoic_rnn_q_gate32(p, p->sigmoid, j, ax[0], ah[0]);
            go = stoic_rnn_q_gate32(p, p->sigmoid, hid + j, ax[1], ah[1]);
            gf = stoic_rnn_q_gate32(p, p->sigmoid, (2 * hid) + j, ax[2], ah[2]);
            gg = stoic_rnn_q_gate32(p, p->tanh, (3 * hid) + j, ax[3], ah[3]);
        } else {
            gi = stoic_rnn_q_gate(p, wt, p->sigmoid, j, xt, v, vn);
            go = stoic_rnn_q_gate(p, wt, p->sigmoid, hid + j, xt, v, vn);
            gf = stoic_rnn_q_gate(p, wt, p->sigmoid, (2 * hid) + j, xt, v, vn);
            gg = stoic_rnn_q_gate(p, wt, p->tanh, (3 * hid) + j, xt, v, vn);
        }
        /* rd and sat16 inline (stoic_dsp_rdbpot, stoic_dsp_sat16): every
         * operand is at most 2^30 in magnitude, see above */
        keep = stoic_dsp_rdbpot(gf * (int32_t)c[j], 15U);
        add = stoic_dsp_rdbpot(gi * gg, ea);
        c[j] = (int16_t)stoic_dsp_sat16(keep + add);
        ct = (int16_t)stoic_dsp_sat16(stoic_dsp_rdbpot((int32_t)c[j] * lc, (uint32_t)ec));
        th = (int32_t)stoic_lut_interp_s16(p->tanh, ct);
        yt[j] = (int16_t)stoic_dsp_sat16(stoic_dsp_rdbpot(go * th, 15U));
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

/*
 * Unit tests of the int16 recurrent kernels stoic_lstm_s16, stoic_lstm_s8w,
 * stoic_gru_s16 and stoic_gru_s8w (runtime/stoic_rt.h, "recurrent layers,
 * int16 activations").
 *
 * Evidence:
 *  - hand-derived values: a one-unit, one-step LSTM (cell_shift 14 and 10)
 *    and GRU (linear_before_reset 1 and 0) worked out in the comments, with
 *    linear tables whose lookups are simple formulas;
 *  - a reference written here from the header's contract in another form
 *    than the kernels: all gate accumulators of a step as one vector (every
 *    row of w and r at once, int64), then the gates; its own rounding
 *    divide (the magnitude rounded half up), 64-bit requantization (one
 *    __int128 floor division) and table lookup (C's / and % on a
 *    non-negative index), none of the runtime's helpers;
 *  - 4000 random cases (1000 per kernel; fixed seed): geometry, direction,
 *    initial state given, zero or carried over (init = 0), biases present
 *    or absent, random multipliers and shifts, cell_shift 8..15, extreme
 *    inputs and weights, the generator's tables or (one case in eight)
 *    tables of random entries, half of them -32768; outputs and the whole
 *    state bit for bit, with guards after y and state; the share of
 *    pre-activations that saturate (about a quarter) and the saturations
 *    of the LSTM h_new and GRU work are counted and asserted;
 *  - streaming: a reset call (steps 0, init 1), then one call per step
 *    (steps 1, init 0; x and y advanced, backwards for reverse) gives the
 *    whole-sequence call's outputs and state bit for bit, for all four
 *    kernels on 400 random cases;
 *  - accuracy: 400 random float LSTM / GRU layers (T 12, B 2, I 5, H 8,
 *    |pre-activation| < 8) quantized as the generator would (per-row
 *    symmetric weights, symmetric x, Q3.12 gates, Q0.15 state, cell_shift
 *    from the float run's largest |c|): the dequantized outputs against
 *    stoic_lstm_f32 / stoic_gru_f32 within 2e-3 (int16 weights) and 2e-2
 *    (int8 weights); measured 3.2e-4 and 3.0e-3 here (3.9e-4 and 5.2e-3
 *    over 8000 layers).
 */
/* REQ: REQ-ARITH-003 REQ-GEN-012 REQ-GEN-014 REQ-CMP-004 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <CUnit/CUnit.h>
#include "unit.h"
#include "qtest.h"
#include "stoic_rt.h"
#include "stoic_rt_f32.h"

__extension__ typedef __int128 i128;

#define GUARD16 ((int16_t)-12345)

/* ---- PRNG (qtest.h xorshift32), one state for this file ------------- */

static uint32_t rs;

static int64_t rnd(int64_t lo, int64_t hi)
{
    return qt_range(&rs, lo, hi);
}

static int32_t rndi(int32_t lo, int32_t hi)
{
    return (int32_t)qt_range(&rs, lo, hi);
}

/* ===================================================================== */
/* the reference, from the contract                                      */
/* ===================================================================== */

/* v / 2^e to nearest, ties away from zero: the magnitude rounded half up */
static int64_t ref_rd(int64_t v, int e)
{
    int64_t mag = v < 0 ? -v : v;
    if (e == 0) {
        return v;
    }
    mag = (mag + ((int64_t)1 << (e - 1))) >> e;
    return v < 0 ? -mag : mag;
}

static int64_t ref_sat16(int64_t v)
{
    return qt_clamp(v, -32768, 32767);
}

/* sat32(floor((acc * m * 2^shift + 2^30) / 2^31)); for shift < 0 both
 * sides times 2^-shift. One floor division of __int128 values. */
static int64_t ref_rq64(int64_t acc, stoic_qmul q)
{
    i128 num, den, quo;
    if (q.shift >= 0) {
        num = (i128)acc * q.m * ((i128)1 << q.shift) + ((i128)1 << 30);
        den = (i128)1 << 31;
    } else {
        num = (i128)acc * q.m + ((i128)1 << (30 - q.shift));
        den = (i128)1 << (31 - q.shift);
    }
    quo = num / den;
    if (num % den != 0 && num < 0) {
        quo--;
    }
    if (quo > INT32_MAX) {
        quo = INT32_MAX;
    }
    if (quo < INT32_MIN) {
        quo = INT32_MIN;
    }
    return (int64_t)quo;
}

/* stoic_lut_s16's definition: u = v + 32768, k = u / 128, f = u % 128,
 * t[k] + floor(((t[k + 1] - t[k]) * f + 64) / 128) */
static int64_t ref_lut(const int16_t *t, int64_t v)
{
    int64_t u = v + 32768;
    int64_t k = u / 128, f = u % 128;
    return t[k] + qt_floor_div((t[k + 1] - t[k]) * f + 64, 128);
}

static long n_pre, n_pre_sat, n_acc_bad;
static long n_narrow_sat;   /* the LSTM h_new or the GRU work saturated */

/* One case: the parameters, and the weights as plain integers (w and r
 * hold values of the case's weight type), with their int16 / int8 copies
 * for the kernels. */
typedef struct {
    int gru, w8;
    stoic_rnn_q_params p;
    int32_t *w, *r, *rb; /* low rank (p.rank = K > 0): r [G*H][K], rb [K][H] */
    int16_t *w16, *r16;
    int8_t *w8v, *r8v;
} rcase;

/* low rank: z[k] = sat16(rq64(sum_i rb[k][i] v[i], qz[k])) */
static void ref_project(const rcase *c, const int64_t *v, int64_t *z)
{
    int k, i, H = c->p.hidden;
    for (k = 0; k < c->p.rank; k++) {
        int64_t a = 0;
        for (i = 0; i < H; i++) {
            a += (int64_t)c->rb[k * H + i] * v[i];
        }
        n_acc_bad += llabs(a) > ((int64_t)1 << 47);
        z[k] = ref_sat16(ref_rq64(a, c->p.qz[k]));
    }
}


/* pre[J] = sat16(rq64(ax, qx) + rq64(ah, qh)) */
static int64_t ref_pre(const stoic_rnn_q_params *p, int J, int64_t ax, int64_t ah)
{
    int64_t v = ref_rq64(ax, p->qx[J]) + ref_rq64(ah, p->qh[J]);
    n_pre++;
    n_pre_sat += v < -32768 || v > 32767;
    return ref_sat16(v);
}

/* The contract over a whole call: state in, state and y out. */
static void ref_run(const rcase *c, const int16_t *x, const int16_t *init, int16_t *state,
                    int16_t *y)
{
    const stoic_rnn_q_params *p = &c->p;
    int T = p->steps, B = p->batch, I = p->in_n, H = p->hidden, G = c->gru ? 3 : 4;
    int BH = B * H, S = c->gru ? 1 : 2;
    int64_t *ax = malloc(sizeof(int64_t) * (size_t)(G * H));
    int64_t *ah = malloc(sizeof(int64_t) * (size_t)(G * H));
    int64_t *hold = malloc(sizeof(int64_t) * (size_t)H);
    int64_t *wk = malloc(sizeof(int64_t) * (size_t)H);
    int64_t *zh = malloc(sizeof(int64_t) * (size_t)(p->rank + 1));
    int64_t *zu = malloc(sizeof(int64_t) * (size_t)(p->rank + 1));
    const int64_t *vh = p->rank > 0 ? zh : hold; /* what the recurrent rows read */
    int VN = p->rank > 0 ? p->rank : H;
    int s, q, J, j, k;
    if (p->init) {
        for (k = 0; k < S * BH; k++) {
            state[k] = init != NULL ? init[k] : 0;
        }
    }
    for (s = 0; s < T; s++) {
        int t = p->reverse ? T - 1 - s : s;
        for (q = 0; q < B; q++) {
            const int16_t *xt = x + (t * B + q) * I;
            int16_t *h = state + q * H, *cc = state + BH + q * H, *yt = y + (t * B + q) * H;
            for (j = 0; j < H; j++) {
                hold[j] = h[j];
            }
            ref_project(c, hold, zh);
            /* every row's accumulators at once */
            for (J = 0; J < G * H; J++) {
                ax[J] = p->bx != NULL ? p->bx[J] : 0;
                ah[J] = p->bh != NULL ? p->bh[J] : 0;
                for (k = 0; k < I; k++) {
                    ax[J] += (int64_t)c->w[J * I + k] * xt[k];
                }
                for (k = 0; k < VN; k++) {
                    ah[J] += (int64_t)c->r[J * VN + k] * vh[k];
                }
                n_acc_bad += llabs(ax[J]) > ((int64_t)1 << 47) ||
                             llabs(ah[J]) > ((int64_t)1 << 47);
            }
            if (!c->gru) {
                int cs = p->cell_shift;
                for (j = 0; j < H; j++) {
                    int64_t gi = ref_lut(p->sigmoid, ref_pre(p, j, ax[j], ah[j]));
                    int64_t go = ref_lut(p->sigmoid, ref_pre(p, H + j, ax[H + j], ah[H + j]));
                    int64_t gf = ref_lut(p->sigmoid,
                                         ref_pre(p, 2 * H + j, ax[2 * H + j], ah[2 * H + j]));
                    int64_t gg = ref_lut(p->tanh,
                                         ref_pre(p, 3 * H + j, ax[3 * H + j], ah[3 * H + j]));
                    int64_t cn = ref_sat16(ref_rd(gf * cc[j], 15) + ref_rd(gi * gg, 30 - cs));
                    int64_t ct = cs >= 12 ? ref_rd(cn, cs - 12)
                                          : ref_sat16(cn * ((int64_t)1 << (12 - cs)));
                    int64_t hv = ref_rd(go * ref_lut(p->tanh, ct), 15);
                    n_narrow_sat += hv != ref_sat16(hv);
                    cc[j] = (int16_t)cn;
                    yt[j] = (int16_t)ref_sat16(hv);
                }
            } else {
                int16_t *work = cc;
                if (!p->linear_before_reset) {
                    for (k = 0; k < H; k++) {
                        int64_t gr = ref_lut(p->sigmoid,
                                             ref_pre(p, H + k, ax[H + k], ah[H + k]));
                        int64_t wv = ref_rd(gr * hold[k], 15);
                        n_narrow_sat += wv != ref_sat16(wv);
                        work[k] = (int16_t)ref_sat16(wv);
                        wk[k] = work[k];
                    }
                    ref_project(c, wk, zu);
                }
                for (j = 0; j < H; j++) {
                    int R = 2 * H + j;
                    int64_t gz = ref_lut(p->sigmoid, ref_pre(p, j, ax[j], ah[j]));
                    int64_t gr = ref_lut(p->sigmoid, ref_pre(p, H + j, ax[H + j], ah[H + j]));
                    int64_t pn, n;
                    if (p->linear_before_reset) {
                        int64_t hn = ref_sat16(ref_rq64(ah[R], p->qh[R]));
                        pn = ref_sat16(ref_rq64(ax[R], p->qx[R]) + ref_rd(gr * hn, 15));
                    } else {
                        int64_t a2 = p->bh != NULL ? p->bh[R] : 0;
                        for (k = 0; k < VN; k++) {
                            a2 += (int64_t)c->r[R * VN + k] * (p->rank > 0 ? zu[k] : wk[k]);
                        }
                        pn = ref_sat16(ref_rq64(ax[R], p->qx[R]) + ref_rq64(a2, p->qh[R]));
                    }
                    n = ref_lut(p->tanh, pn);
                    yt[j] = (int16_t)ref_sat16(n + ref_rd(gz * (hold[j] - n), 15));
                }
            }
            for (j = 0; j < H; j++) {
                h[j] = yt[j];
            }
        }
    }
    free(ax);
    free(ah);
    free(hold);
    free(wk);
    free(zh);
    free(zu);
}

static void run_kernel(const rcase *c, const int16_t *x, const int16_t *init, int16_t *state,
                       int16_t *y)
{
    if (!c->gru && !c->w8) {
        stoic_lstm_s16(&c->p, x, c->w16, c->r16, init, state, y);
    } else if (!c->gru) {
        stoic_lstm_s8w(&c->p, x, c->w8v, c->r8v, init, state, y);
    } else if (!c->w8) {
        stoic_gru_s16(&c->p, x, c->w16, c->r16, init, state, y);
    } else {
        stoic_gru_s8w(&c->p, x, c->w8v, c->r8v, init, state, y);
    }
}

/* The tables of the contract: t[k] = round(32767 f((128 k - 32768) 2^-12)) */
static void make_tables(int16_t *sig, int16_t *th)
{
    int k;
    for (k = 0; k <= 512; k++) {
        double v = (double)(128 * k - 32768) / 4096.0;
        sig[k] = (int16_t)qt_clamp(lround(32767.0 * (1.0 / (1.0 + exp(-v)))), -32768, 32767);
        th[k] = (int16_t)qt_clamp(lround(32767.0 * tanh(v)), -32768, 32767);
    }
}

/* The contract's tables at two knots: sigmoid(0) = 1/2 and tanh(1). */
static void test_tables(void)
{
    int16_t sig[513], th[513];
    make_tables(sig, th);
    CU_ASSERT_EQUAL(sig[256], 16384);   /* round(16383.5) */
    CU_ASSERT_EQUAL(th[256], 0);
    CU_ASSERT_EQUAL(th[288], 24955);    /* 32767 tanh(1) = 24955.15 */
    CU_ASSERT_EQUAL(ref_lut(sig, 0), 16384);
}

/* ===================================================================== */
/* hand-derived                                                          */
/* ===================================================================== */

/* Linear tables whose lookups are formulas (u = v + 32768 = 128 k + f):
 * sig[k] = 64 k: LUT = 64 k + floor((64 f + 64) / 128) = floor((v + 32769) / 2);
 * lin[k] = 128 k - 32768: LUT = 128 k - 32768 + floor((128 f + 64) / 128) = v
 * (both for k <= 510, i.e. v < 32512). */
static void hand_tables(int16_t *sig, int16_t *lin)
{
    int k;
    for (k = 0; k <= 512; k++) {
        sig[k] = (int16_t)qt_clamp(64 * k, -32768, 32767);
        lin[k] = (int16_t)qt_clamp(128 * k - 32768, -32768, 32767);
    }
}

static void test_lstm_hand(void)
{
    /* I = H = 1, x = 2, w = (i 1000, o 3000, f 4000, c 2048), r = (2, 4, 6, 8),
     * bx = (10, 20, 30, 40), bh = (1, 1, 1, 1), h0 = 100; qx: m = 2^30,
     * shift 1 (M = 1: rq64(a) = a); qh: m = 2^30, shift 0 (M = 1/2:
     * rq64(a) = floor(a / 2 + 1/2)).
     *   i: ax = 10 + 2000 = 2010, ah = 1 + 200 = 201 -> 101, pre 2111,
     *      LUT = floor(34880 / 2) = 17440
     *   o: 20 + 6000 = 6020, 1 + 400 = 401 -> 201, pre 6221, LUT 19495
     *   f: 30 + 8000 = 8030, 1 + 600 = 601 -> 301, pre 8331, LUT 20550
     *   c: 40 + 4096 = 4136, 1 + 800 = 801 -> 401, pre 4537, g = 4537
     * cell_shift 14, c0 = 8192 (0.5):
     *   f c = 168345600, / 2^15 = 5137.5 -> 5138 (tie away from zero);
     *   i g = 79125280, / 2^16 = 1207.36 -> 1207;  c = 6345;
     *   ct = rd(6345, 2) = 1586.25 -> 1586, tanh = 1586;
     *   h = rd(19495 * 1586 = 30919070, 15) = 943.58 -> 944.
     * cell_shift 10, c0 = 512 (0.5):
     *   f c = 10521600, / 2^15 = 321.09 -> 321; i g / 2^20 = 75.46 -> 75;
     *   c = 396; ct = 396 * 4 = 1584; h = rd(19495 * 1584 = 30880080, 15)
     *   = 942.38 -> 942. */
    static int16_t sig[513], lin[513];
    const int16_t x[1] = { 2 };
    const int16_t w[4] = { 1000, 3000, 4000, 2048 };
    const int16_t r[4] = { 2, 4, 6, 8 };
    const int8_t w8[4] = { 0, 0, 0, 0 };
    const int8_t r8[4] = { 2, 4, 6, 8 };
    const int64_t bx[4] = { 10, 20, 30, 40 }, bh[4] = { 1, 1, 1, 1 };
    const stoic_qmul qx[4] = { { 1 << 30, 1 }, { 1 << 30, 1 }, { 1 << 30, 1 }, { 1 << 30, 1 } };
    const stoic_qmul qh[4] = { { 1 << 30, 0 }, { 1 << 30, 0 }, { 1 << 30, 0 }, { 1 << 30, 0 } };
    int16_t init[2] = { 100, 8192 }, state[3], y[2];
    stoic_rnn_q_params p = { 1, 1, 1, 1, 0, 1, 0, 14, qx, qh, bx, bh, NULL, NULL, 0, NULL, NULL, NULL, 0 };
    int64_t bx8[4] = { 2010, 6020, 8030, 4136 };   /* the same ax with w = 0 */
    hand_tables(sig, lin);
    p.sigmoid = sig;
    p.tanh = lin;
    y[1] = GUARD16;
    state[2] = GUARD16;
    stoic_lstm_s16(&p, x, w, r, init, state, y);
    CU_ASSERT_EQUAL(y[0], 944);
    CU_ASSERT_EQUAL(state[0], 944);
    CU_ASSERT_EQUAL(state[1], 6345);
    CU_ASSERT_EQUAL(y[1], GUARD16);
    CU_ASSERT_EQUAL(state[2], GUARD16);
    /* int8 weights: the input part moved into the bias, the same numbers */
    p.bx = bx8;
    stoic_lstm_s8w(&p, x, w8, r8, init, state, y);
    CU_ASSERT_EQUAL(y[0], 944);
    CU_ASSERT_EQUAL(state[1], 6345);
    p.bx = bx;
    p.cell_shift = 10;
    init[1] = 512;
    stoic_lstm_s16(&p, x, w, r, init, state, y);
    CU_ASSERT_EQUAL(y[0], 942);
    CU_ASSERT_EQUAL(state[1], 396);
}

static void test_gru_hand(void)
{
    /* I = H = 1, x = 2, w = (z -15000, r 3000, h 2048), r = (2, 4, 6),
     * bx = (10, 20, 30), bh = (1, 1, 1), h0 = 200; qx M = 1, qh M = 1/2
     * and the linear tables as in the LSTM case:
     *   z: ax = 10 - 30000 = -29990, ah = 1 + 400 = 401 -> 201,
     *      pre -29789, LUT = floor(2980 / 2) = 1490;
     *   r: ax = 20 + 6000 = 6020, ah = 1 + 800 = 801 -> 401, pre 6421,
     *      LUT = floor(39190 / 2) = 19595;
     *   ax_h = 30 + 4096 = 4126.
     * linear_before_reset 1: ah_h = 1 + 1200 = 1201 -> hn = 601;
     *   rd(19595 * 601 = 11776595, 15) = 359.39 -> 359; pre_n = 4485 = n;
     *   rd(1490 * (200 - 4485) = -6384650, 15) = -194.84 -> -195;
     *   h = 4485 - 195 = 4290.
     * linear_before_reset 0: work = rd(19595 * 200 = 3919000, 15) = 119.60
     *   -> 120; ah_h = 1 + 6 * 120 = 721 -> floor(361) = 361; pre_n = 4487;
     *   rd(1490 * (200 - 4487) = -6387630, 15) = -194.93 -> -195;
     *   h = 4487 - 195 = 4292. */
    static int16_t sig[513], lin[513];
    const int16_t x[1] = { 2 };
    const int16_t w[3] = { -15000, 3000, 2048 };
    const int16_t r[3] = { 2, 4, 6 };
    const int8_t w8[3] = { 0, 0, 0 };
    const int8_t r8[3] = { 2, 4, 6 };
    const int64_t bx[3] = { 10, 20, 30 }, bh[3] = { 1, 1, 1 };
    const int64_t bx8[3] = { -29990, 6020, 4126 };   /* the same ax with w = 0 */
    const stoic_qmul qx[3] = { { 1 << 30, 1 }, { 1 << 30, 1 }, { 1 << 30, 1 } };
    const stoic_qmul qh[3] = { { 1 << 30, 0 }, { 1 << 30, 0 }, { 1 << 30, 0 } };
    const int16_t init[1] = { 200 };
    int16_t state[3], y[2];
    stoic_rnn_q_params p = { 1, 1, 1, 1, 0, 1, 1, 0, qx, qh, bx, bh, NULL, NULL, 0, NULL, NULL, NULL, 0 };
    hand_tables(sig, lin);
    p.sigmoid = sig;
    p.tanh = lin;
    y[1] = GUARD16;
    state[1] = 7;
    state[2] = GUARD16;
    stoic_gru_s16(&p, x, w, r, init, state, y);
    CU_ASSERT_EQUAL(y[0], 4290);
    CU_ASSERT_EQUAL(state[0], 4290);
    CU_ASSERT_EQUAL(state[1], 7);   /* the work row is not used */
    p.linear_before_reset = 0;
    stoic_gru_s16(&p, x, w, r, init, state, y);
    CU_ASSERT_EQUAL(y[0], 4292);
    CU_ASSERT_EQUAL(state[0], 4292);
    CU_ASSERT_EQUAL(state[1], 120);
    CU_ASSERT_EQUAL(y[1], GUARD16);
    CU_ASSERT_EQUAL(state[2], GUARD16);
    p.bx = bx8;
    stoic_gru_s8w(&p, x, w8, r8, init, state, y);
    CU_ASSERT_EQUAL(y[0], 4292);
    p.linear_before_reset = 1;
    stoic_gru_s8w(&p, x, w8, r8, init, state, y);
    CU_ASSERT_EQUAL(y[0], 4290);
    /* steps 0, init 1 only resets; init 1 without init: zeros */
    p.steps = 0;
    stoic_gru_s8w(&p, x, w8, r8, NULL, state, y);
    CU_ASSERT_EQUAL(state[0], 0);
    CU_ASSERT_EQUAL(y[0], 4290);
}

/* ===================================================================== */
/* random cases against the reference; streaming                         */
/* ===================================================================== */

/* an int16 with the extremes often */
static int16_t rnd_s16(int32_t amp)
{
    int32_t k = rndi(0, 15);
    if (k == 0) {
        return INT16_MIN;
    }
    if (k == 1) {
        return INT16_MAX;
    }
    return (int16_t)rndi(-amp, amp);
}

static int32_t rnd_w(int w8, int32_t amp)
{
    int32_t k = rndi(0, 15);
    if (k == 0) {
        return w8 ? -128 : -32768;
    }
    if (k == 1) {
        return w8 ? 127 : 32767;
    }
    return rndi(-amp, amp);
}

static void random_qmul(stoic_qmul *q, int32_t centre)
{
    q->m = rndi(1 << 30, INT32_MAX);
    q->shift = (int32_t)qt_clamp(centre + rndi(-6, 6), -31, 0);
    if (rndi(0, 15) == 0) {
        q->m = rndi(0, 1) ? (1 << 30) : INT32_MAX;
    }
}

/* A random case of the kind (gru, w8); the arrays are owned by the case. */
static void case_new(rcase *c, int gru, int w8, int16_t *sig, int16_t *th)
{
    int G = gru ? 3 : 4, T = rndi(1, 6), B = rndi(1, 3), I = rndi(1, 9), H = rndi(1, 8);
    int K = rndi(0, 2) == 0 ? rndi(1, H) : 0; /* a third low rank */
    int k, nw = G * H * I, nr = G * H * (K > 0 ? K : H);
    int32_t amp = rndi(0, 2) == 0 ? (w8 ? 127 : 32767) : (w8 ? 40 : 3000);
    /* |acc| up to ~2^33 (int16 weights) or ~2^25 (int8): shifts of -20 / -11
     * +-6 give pre-activations from small values to saturation (about a
     * quarter of them saturate: counted in test_random) */
    int32_t centre = w8 ? -11 : -20;
    stoic_qmul *qx = malloc(sizeof(stoic_qmul) * (size_t)(G * H));
    stoic_qmul *qh = malloc(sizeof(stoic_qmul) * (size_t)(G * H));
    int64_t *bx = NULL, *bh = NULL;
    int64_t bamp = w8 ? ((int64_t)1 << 24) : ((int64_t)1 << 32);
    memset(c, 0, sizeof *c);
    c->gru = gru;
    c->w8 = w8;
    c->w = malloc(sizeof(int32_t) * (size_t)nw);
    c->r = malloc(sizeof(int32_t) * (size_t)nr);
    c->w16 = malloc(sizeof(int16_t) * (size_t)nw);
    c->r16 = malloc(sizeof(int16_t) * (size_t)nr);
    c->w8v = malloc((size_t)nw);
    c->r8v = malloc((size_t)nr);
    for (k = 0; k < nw; k++) {
        c->w[k] = rnd_w(w8, amp);
        c->w16[k] = (int16_t)c->w[k];
        c->w8v[k] = (int8_t)(w8 ? c->w[k] : 0);
    }
    for (k = 0; k < nr; k++) {
        c->r[k] = rnd_w(w8, amp);
        c->r16[k] = (int16_t)c->r[k];
        c->r8v[k] = (int8_t)(w8 ? c->r[k] : 0);
    }
    for (k = 0; k < G * H; k++) {
        random_qmul(&qx[k], centre);
        random_qmul(&qh[k], centre);
    }
    c->rb = malloc(sizeof(int32_t) * (size_t)(K * H + 1));
    if (K > 0) {
        /* projections: |acc| up to ~2^33 / 2^26 (as the rows'), brought
         * to int16 by shifts around -17 / -10, some saturating */
        stoic_qmul *qz = malloc(sizeof(stoic_qmul) * (size_t)K);
        int16_t *rb16 = malloc(sizeof(int16_t) * (size_t)(K * H));
        int8_t *rb8 = malloc((size_t)(K * H));
        for (k = 0; k < K * H; k++) {
            c->rb[k] = rnd_w(w8, amp);
            rb16[k] = (int16_t)c->rb[k];
            rb8[k] = (int8_t)(w8 ? c->rb[k] : 0);
        }
        for (k = 0; k < K; k++) {
            random_qmul(&qz[k], w8 ? -10 : -17);
        }
        c->p.rank = K;
        c->p.qz = qz;
        if (w8) {
            c->p.rb8 = rb8;
            free(rb16);
        } else {
            c->p.rb16 = rb16;
            free(rb8);
        }
    }
    if (rndi(0, 3) != 0) {
        bx = malloc(sizeof(int64_t) * (size_t)(G * H));
        for (k = 0; k < G * H; k++) {
            bx[k] = rnd(-bamp, bamp);
        }
    }
    if (rndi(0, 3) != 0) {
        bh = malloc(sizeof(int64_t) * (size_t)(G * H));
        for (k = 0; k < G * H; k++) {
            bh[k] = rnd(-bamp, bamp);
        }
    }
    c->p.steps = T;
    c->p.batch = B;
    c->p.in_n = I;
    c->p.hidden = H;
    c->p.reverse = rndi(0, 1);
    c->p.init = 1;
    c->p.linear_before_reset = gru ? rndi(0, 1) : 0;
    c->p.cell_shift = gru ? 0 : rndi(8, 15);
    c->p.qx = qx;
    c->p.qh = qh;
    c->p.bx = bx;
    c->p.bh = bh;
    c->p.sigmoid = sig;
    c->p.tanh = th;
}

static void case_free(rcase *c)
{
    free(c->w);
    free(c->r);
    free(c->w16);
    free(c->r16);
    free(c->w8v);
    free(c->r8v);
    free(c->rb);
    free((void *)c->p.qz);
    free((void *)c->p.rb16);
    free((void *)c->p.rb8);
    free((void *)c->p.qx);
    free((void *)c->p.qh);
    free((void *)c->p.bx);
    free((void *)c->p.bh);
}

static int16_t *rnd_vec(size_t n, int32_t amp)
{
    int16_t *v = malloc(sizeof(int16_t) * (n + 1));
    size_t k;
    for (k = 0; k < n; k++) {
        v[k] = rnd_s16(amp);
    }
    v[n] = GUARD16;
    return v;
}

static const char *kname(const rcase *c)
{
    static const char *const names[4] = { "lstm_s16", "lstm_s8w", "gru_s16", "gru_s8w" };
    return names[2 * c->gru + c->w8];
}

/* Whether the case meets acc32's preconditions (stoic_rt.h), derived here
 * from the contract, not from the generator: every gate row's |bias| +
 * 32768 sum |weights| below 2^30 in both accumulators (the recurrent row
 * over hidden, or rank, values) and every qx, qh shift in [-31, 0]. */
static int acc32_ok(const rcase *c)
{
    const stoic_rnn_q_params *p = &c->p;
    int G = c->gru ? 3 : 4, VN = p->rank > 0 ? p->rank : p->hidden, J, k;
    const int64_t lim = (int64_t)1 << 30;
    for (J = 0; J < G * p->hidden; J++) {
        int64_t sx = p->bx != NULL ? llabs(p->bx[J]) : 0;
        int64_t sh = p->bh != NULL ? llabs(p->bh[J]) : 0;
        for (k = 0; k < p->in_n; k++) {
            sx += (int64_t)labs(c->w[J * p->in_n + k]) * 32768;
        }
        for (k = 0; k < VN; k++) {
            sh += (int64_t)labs(c->r[J * VN + k]) * 32768;
        }
        if (sx >= lim || sh >= lim || p->qx[J].shift > 0 || p->qh[J].shift > 0 ||
            p->qx[J].shift < -31 || p->qh[J].shift < -31) {
            return 0;
        }
    }
    return 1;
}

static void test_random(void)
{
    static int16_t sig[513], th[513], rsig[513], rth[513];
    int iter, k, bad = 0, guards_bad = 0, printed = 0, lowrank = 0;
    long n_acc32 = 0;
    make_tables(sig, th);
    rs = 20260112U;
    n_pre = n_pre_sat = n_acc_bad = n_narrow_sat = 0;
    for (iter = 0; iter < 4000; iter++) {
        rcase c;
        int random_tables = rndi(0, 7) == 0;
        size_t nx, ny, ns, nsk;
        int16_t *x, *init, *st0, *st_k, *st_r, *y_k, *y_r, *y_k0;
        int a32;
        if (random_tables) {
            /* half of the entries -32768, so that products of -32768 by
             * -32768 reach the sat16 of the LSTM h_new and the GRU work */
            for (k = 0; k <= 512; k++) {
                rsig[k] = rndi(0, 1) ? INT16_MIN : rnd_s16(32767);
                rth[k] = rndi(0, 1) ? INT16_MIN : rnd_s16(32767);
            }
        }
        case_new(&c, iter & 1, (iter >> 1) & 1, random_tables ? rsig : sig,
                 random_tables ? rth : th);
        nx = (size_t)(c.p.steps * c.p.batch * c.p.in_n);
        ny = (size_t)(c.p.steps * c.p.batch * c.p.hidden);
        ns = (size_t)(2 * c.p.batch * c.p.hidden);
        /* the kernels' state: [h][c or work] and, low rank, the
         * projections (scratch: compared up to ns) */
        nsk = ns + (size_t)(2 * c.p.batch * c.p.rank);
        lowrank += c.p.rank > 0;
        x = rnd_vec(nx, rndi(0, 1) ? 32767 : 2000);
        init = rnd_vec(ns, rndi(0, 1) ? 32767 : 8000);
        st0 = rnd_vec(nsk, 32767);
        st_k = malloc(sizeof(int16_t) * (nsk + 1));
        st_r = malloc(sizeof(int16_t) * (nsk + 1));
        y_k0 = rnd_vec(ny, 32767);
        y_k = malloc(sizeof(int16_t) * (ny + 1));
        y_r = malloc(sizeof(int16_t) * (ny + 1));
        /* init: given (1/2), zeros (1/4), or the state carried over (1/4) */
        k = rndi(0, 3);
        c.p.init = k != 3;
        /* the general path, and the int32 one (acc32) where the case allows
         * it: both against the one reference */
        for (a32 = 0; a32 <= acc32_ok(&c); a32++) {
            c.p.acc32 = a32;
            n_acc32 += a32;
            memcpy(st_k, st0, sizeof(int16_t) * (nsk + 1));
            memcpy(st_r, st0, sizeof(int16_t) * (nsk + 1));
            memcpy(y_r, y_k0, sizeof(int16_t) * (ny + 1));
            memcpy(y_k, y_k0, sizeof(int16_t) * (ny + 1));
            run_kernel(&c, x, k == 2 ? NULL : init, st_k, y_k);
            ref_run(&c, x, k == 2 ? NULL : init, st_r, y_r);
            if (memcmp(y_k, y_r, sizeof(int16_t) * ny) != 0 ||
                memcmp(st_k, st_r, sizeof(int16_t) * ns) != 0) {
                bad++;
                if (printed++ < 5) {
                    printf("\n  %s%s case %d: differs from the reference (T %d B %d I %d H %d)\n",
                           kname(&c), a32 ? " acc32" : "", iter, c.p.steps, c.p.batch, c.p.in_n,
                           c.p.hidden);
                }
            }
            guards_bad += y_k[ny] != GUARD16 || st_k[nsk] != GUARD16;
        }
        free(x);
        free(y_k0);
        free(init);
        free(st0);
        free(st_k);
        free(st_r);
        free(y_k);
        free(y_r);
        case_free(&c);
    }
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT_EQUAL(guards_bad, 0);
    CU_ASSERT(lowrank >= 1000); /* low-rank recurrences among the 4000 */
    /* the int32 path on every int8-weight case and some int16 ones */
    CU_ASSERT(n_acc32 >= 1800);
    if (getenv("STOIC_RNNQ_VERBOSE") != NULL) {
        printf("\n  %ld cases also with acc32", n_acc32);
    }
    CU_ASSERT_EQUAL(n_acc_bad, 0);
    /* both regimes well represented: some saturate, most do not */
    if (getenv("STOIC_RNNQ_VERBOSE") != NULL) {
        printf("\n  %ld pre-activations, %ld saturated; %ld h_new / work saturated", n_pre,
               n_pre_sat, n_narrow_sat);
    }
    CU_ASSERT(n_pre_sat > n_pre / 20);
    CU_ASSERT(n_pre_sat < n_pre / 2);
    CU_ASSERT(n_narrow_sat > 0);
}

/* acc32 with int16 weights: random int16-weight cases with their weights
 * and biases scaled down (/ 64) until the bound holds, both paths against
 * the reference (test_random's int16 cases rarely allow acc32) */
static void test_acc32_s16(void)
{
    static int16_t sig[513], th[513];
    int iter, k, bad = 0, n_ok[2][2] = { { 0, 0 }, { 0, 0 } };
    make_tables(sig, th);
    rs = 31337U;
    for (iter = 0; iter < 600; iter++) {
        rcase c;
        int a32, G, VN;
        size_t nx, ny, nsk;
        int16_t *x, *st0, *st_k, *st_r, *y_k, *y_r;
        case_new(&c, iter & 1, 0, sig, th);
        G = c.gru ? 3 : 4;
        VN = c.p.rank > 0 ? c.p.rank : c.p.hidden;
        for (k = 0; k < G * c.p.hidden * c.p.in_n; k++) {
            c.w[k] /= 64;
            c.w16[k] = (int16_t)c.w[k];
        }
        for (k = 0; k < G * c.p.hidden * VN; k++) {
            c.r[k] /= 64;
            c.r16[k] = (int16_t)c.r[k];
        }
        for (k = 0; k < G * c.p.hidden; k++) {
            if (c.p.bx != NULL) {
                ((int64_t *)c.p.bx)[k] /= 64;
            }
            if (c.p.bh != NULL) {
                ((int64_t *)c.p.bh)[k] /= 64;
            }
        }
        nx = (size_t)(c.p.steps * c.p.batch * c.p.in_n);
        ny = (size_t)(c.p.steps * c.p.batch * c.p.hidden);
        nsk = (size_t)(2 * c.p.batch * c.p.hidden + 2 * c.p.batch * c.p.rank);
        x = rnd_vec(nx, 32767);
        st0 = rnd_vec(nsk, 32767);
        st_k = malloc(sizeof(int16_t) * (nsk + 1));
        st_r = malloc(sizeof(int16_t) * (nsk + 1));
        y_k = malloc(sizeof(int16_t) * (ny + 1));
        y_r = malloc(sizeof(int16_t) * (ny + 1));
        for (a32 = 0; a32 <= acc32_ok(&c); a32++) {
            c.p.acc32 = a32;
            n_ok[c.gru][c.p.linear_before_reset] += a32;
            memcpy(st_k, st0, sizeof(int16_t) * (nsk + 1));
            memcpy(st_r, st0, sizeof(int16_t) * (nsk + 1));
            run_kernel(&c, x, NULL, st_k, y_k);
            ref_run(&c, x, NULL, st_r, y_r);
            bad += memcmp(y_k, y_r, sizeof(int16_t) * ny) != 0 ||
                   memcmp(st_k, st_r, sizeof(int16_t) * (size_t)(2 * c.p.batch * c.p.hidden)) != 0;
        }
        free(x);
        free(st0);
        free(st_k);
        free(st_r);
        free(y_k);
        free(y_r);
        case_free(&c);
    }
    CU_ASSERT_EQUAL(bad, 0);
    /* the int32 path of the LSTM and of both GRU forms, with int16 weights */
    CU_ASSERT(n_ok[0][0] >= 100);
    CU_ASSERT(n_ok[1][0] >= 50);
    CU_ASSERT(n_ok[1][1] >= 50);
    if (getenv("STOIC_RNNQ_VERBOSE") != NULL) {
        printf("\n  acc32 with int16 weights: lstm %d, gru lbr 0 %d, gru lbr 1 %d", n_ok[0][0],
               n_ok[1][0], n_ok[1][1]);
    }
}

static void test_streaming(void)
{
    static int16_t sig[513], th[513];
    int iter, bad = 0;
    make_tables(sig, th);
    rs = 777U;
    for (iter = 0; iter < 400; iter++) {
        rcase c;
        int T, B, I, H, s, with_init = rndi(0, 1);
        size_t ny, ns;
        int16_t *x, *init, *st_a, *st_b, *y_a, *y_b;
        case_new(&c, iter & 1, (iter >> 1) & 1, sig, th);
        T = c.p.steps;
        B = c.p.batch;
        I = c.p.in_n;
        H = c.p.hidden;
        ny = (size_t)(T * B * H);
        ns = (size_t)(2 * B * H + 2 * B * c.p.rank); /* low rank: and the projections */
        x = rnd_vec((size_t)(T * B * I), 32767);
        init = rnd_vec(ns, 32767);
        st_a = rnd_vec(ns, 32767);
        st_b = malloc(sizeof(int16_t) * (ns + 1));
        memcpy(st_b, st_a, sizeof(int16_t) * (ns + 1));
        y_a = rnd_vec(ny, 100);
        y_b = rnd_vec(ny, 100);
        run_kernel(&c, x, with_init ? init : NULL, st_a, y_a);
        c.p.steps = 0;
        run_kernel(&c, x, with_init ? init : NULL, st_b, y_b);
        c.p.steps = 1;
        c.p.init = 0;
        for (s = 0; s < T; s++) {
            int t = c.p.reverse ? T - 1 - s : s;
            run_kernel(&c, x + t * B * I, NULL, st_b, y_b + t * B * H);
        }
        bad += memcmp(y_a, y_b, sizeof(int16_t) * (ny + 1)) != 0;
        bad += memcmp(st_a, st_b, sizeof(int16_t) * (ns + 1)) != 0;
        free(x);
        free(init);
        free(st_a);
        free(st_b);
        free(y_a);
        free(y_b);
        case_free(&c);
    }
    CU_ASSERT_EQUAL(bad, 0);
}

/* ===================================================================== */
/* accuracy against the float kernels                                    */
/* ===================================================================== */

/* M = m 2^(shift - 31), m = round(M0 2^31), M0 in [0.5, 1) (arithmetic.md) */
static stoic_qmul to_qmul(double M)
{
    stoic_qmul q;
    int e;
    double m0 = frexp(M, &e);
    int64_t m = llround(m0 * 2147483648.0);
    if (m == ((int64_t)1 << 31)) {
        m /= 2;
        e++;
    }
    q.m = (int32_t)m;
    q.shift = e;
    return q;
}

static double frand(double a)
{
    return a * ((double)rnd(-1000000, 1000000) / 1000000.0);
}

/* One random float layer quantized as the generator would; the largest
 * |y_int * 2^-15 - y_float| over the outputs. */
static double accuracy_case(int gru, int w8, int lbr)
{
    enum { T = 12, B = 2, I = 5, H = 8 };
    const int G = gru ? 3 : 4, S = gru ? 1 : 2;
    const double qmax = w8 ? 127.0 : 32767.0;
    static int16_t sig[513], th[513];
    float x[T * B * I], w[4 * H * I], r[4 * H * H], b[8 * H], init[2 * B * H];
    float state_f[2 * B * H], y_f[T * B * H];
    int16_t xq[T * B * I], w16[4 * H * I], r16[4 * H * H], initq[2 * B * H];
    int16_t state_q[2 * B * H], y_q[T * B * H];
    int8_t w8v[4 * H * I], r8v[4 * H * H];
    stoic_qmul qx[4 * H], qh[4 * H];
    int64_t bx[4 * H], bh[4 * H];
    double sx = 0.0, cmax = 0.0, err = 0.0;
    stoic_rnn_f32_params pf = { T, B, I, H, 0, 1, lbr, 0, NULL };
    stoic_rnn_q_params pq = { T, B, I, H, 0, 1, lbr, 0, qx, qh, bx, bh, sig, th, 0, NULL, NULL, NULL, 0 };
    int k, J, i, cs, e;
    make_tables(sig, th);
    /* |pre| <= 5 * 0.5 + 8 * 0.5 + 2 * 0.25 = 7 < 8: inside the tables */
    for (k = 0; k < T * B * I; k++) {
        x[k] = (float)frand(1.0);
    }
    for (k = 0; k < G * H * I; k++) {
        w[k] = (float)frand(0.5);
    }
    for (k = 0; k < G * H * H; k++) {
        r[k] = (float)frand(0.5);
    }
    for (k = 0; k < 2 * G * H; k++) {
        b[k] = (float)frand(0.25);
    }
    for (k = 0; k < S * B * H; k++) {
        init[k] = (float)frand(0.9);
    }
    if (gru) {
        stoic_gru_f32(&pf, x, w, r, b, init, state_f, y_f);
    } else {
        /* the largest |c|: one step at a time, c read after each */
        pf.steps = 0;
        stoic_lstm_f32(&pf, x, w, r, b, init, state_f, y_f);
        pf.steps = 1;
        pf.init = 0;
        for (k = 0; k < B * H; k++) {
            cmax = fmax(cmax, fabs((double)init[B * H + k]));
        }
        for (i = 0; i < T; i++) {
            stoic_lstm_f32(&pf, x + i * B * I, w, r, b, NULL, state_f, y_f + i * B * H);
            for (k = 0; k < B * H; k++) {
                cmax = fmax(cmax, fabs((double)state_f[B * H + k]));
            }
        }
    }
    /* cell_shift: the smallest power of two 2^(15 - cs) >= max |c| */
    frexp(cmax, &e);
    cs = (int)qt_clamp(15 - e, 0, 15);
    for (k = 0; k < T * B * I; k++) {
        sx = fmax(sx, fabs((double)x[k]));
    }
    sx /= 32767.0;
    for (k = 0; k < T * B * I; k++) {
        xq[k] = (int16_t)lround((double)x[k] / sx);
    }
    for (J = 0; J < G * H; J++) {
        double mw = 0.0, mr = 0.0, sw, sr;
        for (i = 0; i < I; i++) {
            mw = fmax(mw, fabs((double)w[J * I + i]));
        }
        for (i = 0; i < H; i++) {
            mr = fmax(mr, fabs((double)r[J * H + i]));
        }
        sw = mw / qmax;
        sr = mr / qmax;
        for (i = 0; i < I; i++) {
            long v = lround((double)w[J * I + i] / sw);
            w16[J * I + i] = (int16_t)v;
            w8v[J * I + i] = (int8_t)(w8 ? v : 0);
        }
        for (i = 0; i < H; i++) {
            long v = lround((double)r[J * H + i] / sr);
            r16[J * H + i] = (int16_t)v;
            r8v[J * H + i] = (int8_t)(w8 ? v : 0);
        }
        qx[J] = to_qmul(sw * sx * 4096.0);
        qh[J] = to_qmul(sr / 32768.0 * 4096.0);
        bx[J] = llround((double)b[J] / (sw * sx));
        bh[J] = llround((double)b[G * H + J] / (sr / 32768.0));
    }
    for (k = 0; k < B * H; k++) {
        initq[k] = (int16_t)qt_clamp(lround((double)init[k] * 32768.0), -32768, 32767);
        if (!gru) {
            initq[B * H + k] = (int16_t)qt_clamp(lround((double)init[B * H + k] * ldexp(1.0, cs)),
                                                 -32768, 32767);
        }
    }
    pq.cell_shift = cs;
    if (gru && w8) {
        stoic_gru_s8w(&pq, xq, w8v, r8v, initq, state_q, y_q);
    } else if (gru) {
        stoic_gru_s16(&pq, xq, w16, r16, initq, state_q, y_q);
    } else if (w8) {
        stoic_lstm_s8w(&pq, xq, w8v, r8v, initq, state_q, y_q);
    } else {
        stoic_lstm_s16(&pq, xq, w16, r16, initq, state_q, y_q);
    }
    for (k = 0; k < T * B * H; k++) {
        err = fmax(err, fabs((double)y_q[k] / 32768.0 - (double)y_f[k]));
    }
    return err;
}

/* The tolerances: with int16 weights the error is that of the tables'
 * linear interpolation (a step of 1/32 in the input: about 1e-4 for tanh)
 * and of the Q0.15 / Q3.12 roundings, carried over 12 steps (measured
 * 3.9e-4 at most over 8000 layers); int8 weights add their own rounding
 * (relative 1/254 per weight: measured 5.2e-3 at most). */
static void test_accuracy(void)
{
    double worst[2][2] = { { 0.0, 0.0 }, { 0.0, 0.0 } };
    const double tol[2] = { 2e-3, 2e-2 };   /* int16 weights, int8 weights */
    int iter, gru, w8;
    rs = 4242U;
    for (iter = 0; iter < 400; iter++) {
        gru = iter & 1;
        w8 = (iter >> 1) & 1;
        worst[gru][w8] = fmax(worst[gru][w8], accuracy_case(gru, w8, (iter >> 2) & 1));
    }
    for (gru = 0; gru < 2; gru++) {
        for (w8 = 0; w8 < 2; w8++) {
            if (getenv("STOIC_RNNQ_VERBOSE") != NULL) {
                printf("\n  %s %s: max |error| %.3g", gru ? "gru" : "lstm", w8 ? "s8w" : "s16",
                       worst[gru][w8]);
            }
            CU_ASSERT(worst[gru][w8] < tol[w8]);
        }
    }
}

UNIT_SUITE(suite_kernel_rnn_q)
{
    CU_pSuite s = CU_add_suite("kernel_rnn_q", NULL, NULL);
    CU_add_test(s, "rnn int16: the contract's tables at their knots", test_tables);
    CU_add_test(s, "lstm s16/s8w: one unit, one step, hand-derived", test_lstm_hand);
    CU_add_test(s, "gru s16/s8w: one unit, both reset forms, hand-derived", test_gru_hand);
    CU_add_test(s, "lstm/gru s16/s8w vs the reference, 4000 random, bit for bit",
                test_random);
    CU_add_test(s, "lstm/gru s16: the int32 path (acc32) vs the reference, 600 scaled cases",
                test_acc32_s16);
    CU_add_test(s, "lstm/gru s16/s8w: streaming equals one call, bit for bit",
                test_streaming);
    CU_add_test(s, "lstm/gru s16/s8w vs float32 kernels: accuracy", test_accuracy);
}

/*
 * Unit tests of the recurrent kernels stoic_lstm_f32 and stoic_gru_f32
 * (runtime/stoic_rt_f32.h, "recurrent layers").
 *
 * Evidence:
 *  - hand-derived values: a one-unit LSTM and GRU step worked out in the
 *    comments;
 *  - a reference written here in another form than the kernels, the matrix
 *    form of the ONNX operator definitions: all gate pre-activations of a
 *    step as one vector (x W^T + h R^T + Wb + Rb), in double with libm's
 *    exp and tanh, the gates split from it afterwards;
 *  - 400 random geometries (steps, batch, inputs, units, direction,
 *    initial state or zeros, GRU linear_before_reset 0 and 1; fixed seed)
 *    against the reference within 2e-5, with guards around the output;
 *  - streaming: a reset call (steps 0, init 1) then one call per step
 *    (init 0) gives the whole-sequence call's outputs and state bit for bit.
 */
/* REQ: REQ-ARITH-001 REQ-GEN-012 REQ-CMP-004 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <CUnit/CUnit.h>
#include "unit.h"
#include "stoic_rt_f32.h"

#define GUARDF (-777.0F)

static double sig(double v)
{
    return 1.0 / (1.0 + exp(-v));
}

static void test_lstm_hand(void)
{
    /* I = 1, H = 1, x = 1, h0 = 0, c0 = 0.5, no bias; w = (i 0, o 0, f 2,
     * c 1): i = o = sigmoid(0) = 0.5, f = sigmoid(2), g = tanh(1);
     * c = f * 0.5 + 0.5 * tanh(1), h = 0.5 * tanh(c). */
    const float x[1] = { 1.0F };
    const float w[4] = { 0.0F, 0.0F, 2.0F, 1.0F };
    const float r[4] = { 0.0F, 0.0F, 0.0F, 0.0F };
    const float init[2] = { 0.0F, 0.5F };
    float state[2], y[2];
    stoic_rnn_f32_params p = { 1, 1, 1, 1, 0, 1, 0, 0, NULL };
    double c = sig(2.0) * 0.5 + 0.5 * tanh(1.0);
    y[1] = GUARDF;
    stoic_lstm_f32(&p, x, w, r, NULL, init, state, y);
    CU_ASSERT_DOUBLE_EQUAL(state[1], c, 1e-6);
    CU_ASSERT_DOUBLE_EQUAL(y[0], 0.5 * tanh(c), 1e-6);
    CU_ASSERT_DOUBLE_EQUAL(state[0], y[0], 0.0);
    CU_ASSERT_EQUAL(y[1], GUARDF);
}

static void test_gru_hand(void)
{
    /* I = 1, H = 1, x = 1, h0 = 0.5; w = (z 0, r 0, h 1), r = (0, 0, 2),
     * biases Wb = (0, 0, 0.25), Rb = (0, 0, -0.5): z = r = 0.5;
     * linear_before_reset 0: n = tanh(0.25 - 0.5 + 1 + 2 * (0.5 * 0.5))
     *   = tanh(1.25); h = 0.5 * n + 0.5 * 0.5;
     * linear_before_reset 1: n = tanh(0.25 + 1 + 0.5 * (-0.5 + 2 * 0.5))
     *   = tanh(1.5). */
    const float x[1] = { 1.0F };
    const float w[3] = { 0.0F, 0.0F, 1.0F };
    const float r[3] = { 0.0F, 0.0F, 2.0F };
    const float b[6] = { 0.0F, 0.0F, 0.25F, 0.0F, 0.0F, -0.5F };
    const float init[1] = { 0.5F };
    float state[2], y[1];
    stoic_rnn_f32_params p = { 1, 1, 1, 1, 0, 1, 0, 0, NULL };
    stoic_gru_f32(&p, x, w, r, b, init, state, y);
    CU_ASSERT_DOUBLE_EQUAL(y[0], 0.5 * tanh(1.25) + 0.25, 1e-6);
    p.linear_before_reset = 1;
    stoic_gru_f32(&p, x, w, r, b, init, state, y);
    CU_ASSERT_DOUBLE_EQUAL(y[0], 0.5 * tanh(1.5) + 0.25, 1e-6);
}

/* The matrix form: pre[g * H + j] for all gates of one step and sequence. */
static void ref_pre(int G, int I, int H, const float *xt, const double *h, const float *w,
                    const float *r, const float *b, int use_rb_h, double *pre, double *rec_h)
{
    int row, i;
    for (row = 0; row < G * H; row++) {
        double a = 0.0, rh = 0.0;
        for (i = 0; i < I; i++) {
            a += (double)xt[i] * (double)w[row * I + i];
        }
        for (i = 0; i < H; i++) {
            rh += h[i] * (double)r[row * H + i];
        }
        if (b != NULL) {
            a += (double)b[row];
            rh += (double)b[G * H + row];
        }
        pre[row] = a + rh;
        if (rec_h != NULL && row >= 2 * H && use_rb_h) {
            rec_h[row - 2 * H] = rh; /* GRU: R_h h + Rb_h */
            pre[row] = a;
        }
    }
}

/* ONNX LSTM / GRU over [T][B][I], in double; h0 (and c0) from init or 0. */
static void ref_run(int gru, int lbr, int T, int B, int I, int H, int reverse,
                    const float *x, const float *w, const float *r, const float *b,
                    const float *init, double *y, double *hs, double *cs)
{
    int G = gru ? 3 : 4;
    double *pre = malloc(sizeof(double) * (size_t)(G * H));
    double *rech = malloc(sizeof(double) * (size_t)H);
    double *rh = malloc(sizeof(double) * (size_t)H);
    int q, s, j, i;
    for (q = 0; q < B * H; q++) {
        hs[q] = init != NULL ? init[q] : 0.0;
        cs[q] = init != NULL && !gru ? init[B * H + q] : 0.0;
    }
    for (s = 0; s < T; s++) {
        int t = reverse ? T - 1 - s : s;
        for (q = 0; q < B; q++) {
            const float *xt = x + (t * B + q) * I;
            double *h = hs + q * H, *c = cs + q * H, *yt = y + (t * B + q) * H;
            if (!gru) {
                ref_pre(4, I, H, xt, h, w, r, b, 0, pre, NULL);
                for (j = 0; j < H; j++) {
                    double gi = sig(pre[j]), go = sig(pre[H + j]), gf = sig(pre[2 * H + j]);
                    double gc = tanh(pre[3 * H + j]);
                    c[j] = gf * c[j] + gi * gc;
                    yt[j] = go * tanh(c[j]);
                }
            } else if (lbr) {
                ref_pre(3, I, H, xt, h, w, r, b, 1, pre, rech);
                for (j = 0; j < H; j++) {
                    double z = sig(pre[j]), rr = sig(pre[H + j]);
                    double n = tanh(pre[2 * H + j] + rr * rech[j]);
                    yt[j] = (1.0 - z) * n + z * h[j];
                }
            } else {
                /* z and r from h; the candidate from (r * h) */
                ref_pre(3, I, H, xt, h, w, r, b, 0, pre, NULL);
                for (j = 0; j < H; j++) {
                    rh[j] = sig(pre[H + j]) * h[j];
                }
                for (j = 0; j < H; j++) {
                    double a = 0.0;
                    for (i = 0; i < I; i++) {
                        a += (double)xt[i] * (double)w[(2 * H + j) * I + i];
                    }
                    for (i = 0; i < H; i++) {
                        a += rh[i] * (double)r[(2 * H + j) * H + i];
                    }
                    if (b != NULL) {
                        a += (double)b[2 * H + j] + (double)b[3 * H + 2 * H + j];
                    }
                    pre[2 * H + j] = a;
                }
                for (j = 0; j < H; j++) {
                    double z = sig(pre[j]);
                    yt[j] = (1.0 - z) * tanh(pre[2 * H + j]) + z * h[j];
                }
            }
            for (j = 0; j < H; j++) {
                h[j] = yt[j];
            }
        }
    }
    free(pre);
    free(rech);
    free(rh);
}

static float rnd(unsigned *s, float scale)
{
    *s = *s * 1103515245U + 12345U;
    return scale * ((float)((*s >> 8) & 0xffffU) / 32768.0F - 1.0F);
}

static void test_random(void)
{
    unsigned seed = 20261203U;
    int iter, bad = 0, stream_bad = 0, guards_bad = 0, lowrank_cases = 0;
    for (iter = 0; iter < 400; iter++) {
        int gru = iter & 1, lbr = (iter >> 1) & 1, reverse = (iter % 7) == 3;
        int with_init = (iter % 3) != 0, with_b = (iter % 5) != 0;
        int T = 1 + (int)(rnd(&seed, 1.0F) * 2.9F + 3.0F);
        int B = 1 + (iter % 3), I = 1 + (iter * 7) % 7, H = 1 + (iter * 5) % 9;
        /* every fifth case a low-rank recurrence: r = A rb, rank K (lstm
         * and gru, both reset forms, reverse, with and without a state) */
        int K = (iter % 5) == 1 ? 1 + (iter / 5) % H : 0;
        int G = gru ? 3 : 4, S = 2 * B * H + 2 * B * K, k, kk;
        size_t ny = (size_t)(T * B * H);
        float *x = malloc(sizeof(float) * (size_t)(T * B * I));
        float *w = malloc(sizeof(float) * (size_t)(G * H * I));
        float *r = malloc(sizeof(float) * (size_t)(G * H * H));
        float *fa = malloc(sizeof(float) * (size_t)(G * H * K + 1));
        float *fb = malloc(sizeof(float) * (size_t)(K * H + 1));
        float *b = malloc(sizeof(float) * (size_t)(2 * G * H));
        float *init = malloc(sizeof(float) * (size_t)S);
        float *y = malloc(sizeof(float) * (ny + 1));
        float *y2 = malloc(sizeof(float) * (ny + 1));
        float *state = malloc(sizeof(float) * (size_t)S);
        float *state2 = malloc(sizeof(float) * (size_t)S);
        double *ry = malloc(sizeof(double) * ny), *rh = malloc(sizeof(double) * (size_t)S);
        double *rc = malloc(sizeof(double) * (size_t)S);
        stoic_rnn_f32_params p;
        for (k = 0; k < T * B * I; k++) x[k] = rnd(&seed, 2.0F);
        for (k = 0; k < G * H * I; k++) w[k] = rnd(&seed, 1.0F);
        for (k = 0; k < G * H * H; k++) r[k] = rnd(&seed, 1.0F);
        if (K > 0) {
            /* the reference reads the product A rb, in double, as its r */
            for (k = 0; k < G * H * K; k++) fa[k] = rnd(&seed, 1.0F);
            for (k = 0; k < K * H; k++) fb[k] = rnd(&seed, 0.7F);
            for (k = 0; k < G * H; k++) {
                int i;
                for (i = 0; i < H; i++) {
                    double v = 0.0;
                    for (kk = 0; kk < K; kk++) {
                        v += (double)fa[k * K + kk] * (double)fb[kk * H + i];
                    }
                    r[k * H + i] = (float)v;
                }
            }
        }
        for (k = 0; k < 2 * G * H; k++) b[k] = rnd(&seed, 0.5F);
        for (k = 0; k < S; k++) init[k] = rnd(&seed, 0.9F);
        p.steps = T;
        p.batch = B;
        p.in_n = I;
        p.hidden = H;
        p.reverse = reverse;
        p.init = 1;
        p.linear_before_reset = lbr;
        p.rank = K;
        p.rb = K > 0 ? fb : NULL;
        y[ny] = GUARDF;
        if (gru) {
            stoic_gru_f32(&p, x, w, K > 0 ? fa : r, with_b ? b : NULL, with_init ? init : NULL,
                          state, y);
        } else {
            stoic_lstm_f32(&p, x, w, K > 0 ? fa : r, with_b ? b : NULL, with_init ? init : NULL,
                           state, y);
        }
        guards_bad += y[ny] != GUARDF;
        ref_run(gru, lbr, T, B, I, H, reverse, x, w, r, with_b ? b : NULL,
                with_init ? init : NULL, ry, rh, rc);
        for (k = 0; k < (int)ny; k++) {
            bad += fabs((double)y[k] - ry[k]) > 2e-5;
        }
        for (k = 0; k < B * H; k++) {
            bad += fabs((double)state[k] - rh[k]) > 2e-5;
            bad += !gru && fabs((double)state[B * H + k] - rc[k]) > 2e-5;
        }
        if (!reverse) {
            /* streaming: reset, then one call per step */
            int s;
            p.steps = 0;
            p.init = 1;
            if (gru) {
                stoic_gru_f32(&p, x, w, r, with_b ? b : NULL, with_init ? init : NULL, state2, y2);
            } else {
                stoic_lstm_f32(&p, x, w, r, with_b ? b : NULL, with_init ? init : NULL, state2, y2);
            }
            p.steps = 1;
            p.init = 0;
            for (s = 0; s < T; s++) {
                const float *xs = x + s * B * I;
                float *ys = y2 + s * B * H;
                if (gru) {
                    stoic_gru_f32(&p, xs, w, K > 0 ? fa : r, with_b ? b : NULL, NULL, state2, ys);
                } else {
                    stoic_lstm_f32(&p, xs, w, K > 0 ? fa : r, with_b ? b : NULL, NULL, state2,
                                   ys);
                }
            }
            stream_bad += memcmp(y, y2, sizeof(float) * ny) != 0;
            stream_bad +=
                memcmp(state, state2, sizeof(float) * (size_t)(gru ? B * H : 2 * B * H)) != 0;
            lowrank_cases += K > 0;
        }
        free(x); free(w); free(r); free(fa); free(fb); free(b); free(init); free(y); free(y2);
        free(state); free(state2); free(ry); free(rh); free(rc);
    }
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT_EQUAL(stream_bad, 0);
    CU_ASSERT_EQUAL(guards_bad, 0);
    CU_ASSERT(lowrank_cases >= 60); /* streamed low-rank cases, both ops */
}

UNIT_SUITE(suite_kernel_rnn)
{
    CU_pSuite s = CU_add_suite("kernel_rnn", NULL, NULL);
    CU_add_test(s, "lstm f32: one unit, one step, hand-derived", test_lstm_hand);
    CU_add_test(s, "gru f32: one unit, both reset forms, hand-derived", test_gru_hand);
    CU_add_test(s, "lstm/gru f32 vs the matrix-form reference, 400 random; streaming",
                test_random);
}

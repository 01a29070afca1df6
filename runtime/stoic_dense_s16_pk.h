/*
 * stoic runtime: dense (fully connected) layer, 16x8 (int16 activations,
 * int8 weights), packed row pairs. Also a 1x1 convolution with stride 1
 * and no padding (rows = pixels).
 *
 *   acc[r][o] = bias[o] + sum_i in[r][i] * w[o][i]
 *   out[r][o] = clamp(sat32(floor((acc m[o] 2^shift[o] + 2^30) / 2^31)), act_min, act_max)
 * (stoic_dense_s16's arithmetic, zero points 0), for layers where the
 * generator proves |bias[o]| + 32768 sum_i |w[o][i]| < 2^30: every partial
 * sum of an output then fits int32, and the output stage is one SMLAL
 * (stoic_dsp_rq16). Otherwise the generator uses stoic_dense_s16.
 *
 * Weights exactly as stoic_dense_s8_pk (the same generator code lays them
 * out): two output rows r, r+1 share a word whose lanes hold
 * 256 w[r+1][i] + w[r][i] for the inputs i = 2j, 2j+1. With int16 inputs
 * the shared sum C = acc[r] + 256 acc[r+1] needs 64 bits (SMLALD), the
 * low row's A = acc[r] does not (SMLAD on the SXTB16 of the word):
 *   C += SMLALD(x, W),  A += SMLAD(x, SXTB16(W)),  acc[r+1] = (C - A) / 256.
 * The records of consts hold (bias[r], bias[r+1]) per pair (stoic_rt.h).
 * Four rows per pass; a last pair as in stoic_dense_s8_pk.
 */
#ifndef STOIC_DENSE_S16_PK_H
#define STOIC_DENSE_S16_PK_H

#include "stoic_rt.h"
#include "stoic_inline.h"
#include "stoic_dsp.h"

/* one input word x against the word w of a row pair: C += SMLALD(x, w),
 * A += SMLAD(x, SXTB16(w)) */
static inline void pk_mac16(int32_t x, int32_t w, int32_t *a, int64_t *c)
{
    *c = stoic_dsp_smlald(x, w, *c);
    *a = stoic_dsp_smlad(x, stoic_dsp_sxtb16(w), *a);
}

/* 2 acc[r+1] = (C - A) / 128, exact: C - A = 256 acc[r+1], |acc[r+1]| < 2^30 */
static inline int32_t dpk16_upper2(int64_t c, int32_t a)
{
    uint64_t d = (uint64_t)c - (uint64_t)a;
    return stoic_dsp_s32((uint32_t)(d >> 7U));
}

static inline int16_t dpk16_act16(int32_t y, int32_t clamp, int32_t lo, int32_t hi)
{
    int32_t v = y;
    if (clamp != 0) {
        v = (v < lo) ? lo : v;
        v = (v > hi) ? hi : v;
    }
    return (int16_t)v;
}

STOIC_INLINE void stoic_dense_s16_pk_inl(const stoic_dense_s16_pk_params *p, const int16_t *in,
                                         const int32_t *w, const int32_t *consts, int16_t *out,
                                         int32_t *scratch)
{
    int32_t r;
    int32_t i;
    int32_t j;
    int32_t q;
    int32_t n_w;
    int32_t n_w2;
    int32_t half;
    int32_t n_quads;
    int32_t n_pairs;
    int32_t odd_last;
    int32_t clamp;
    const int16_t *x16;
    const int32_t *xp;
    const int32_t *wp;
    const int32_t *bp;
    const int32_t *mp;
    int32_t qs4;
    int32_t qs2;
    int16_t *op;
    int32_t a0;
    int64_t c0;
    int32_t a1;
    int64_t c1;
    int32_t x0;
    int32_t x1;
    int32_t y0;
    int32_t y1;
    int32_t y2;
    int32_t y3;

    n_w = p->in_words;
    n_w2 = n_w / 2;
    half = p->in_n / 2;
    n_quads = p->out_n / 4;
    n_pairs = ((p->out_n % 4) + 1) / 2;
    odd_last = p->out_n % 2;
    clamp = p->clamp;
    qs4 = p->qm_step;
    qs2 = p->qm_step / 2;
    for (r = 0; r < p->rows; r++) {
        x16 = &in[r * p->in_n];
        op = &out[r * p->out_n];
        for (i = 0; i < half; i++) {
            scratch[i] = stoic_dsp_pack((int32_t)x16[2 * i], (int32_t)x16[(2 * i) + 1]);
        }
        if (half < n_w) {
            scratch[half] = stoic_dsp_pack((int32_t)x16[2 * half], 0);
        }
        wp = w;
        bp = consts;
        mp = p->qm;
        for (q = 0; q < n_quads; q++) {
            a0 = bp[0];
            c0 = (int64_t)bp[0] + ((int64_t)bp[1] * 256);
            a1 = bp[2];
            c1 = (int64_t)bp[2] + ((int64_t)bp[3] * 256);
            xp = scratch;
            for (j = n_w2; j > 0; j--) {
                x0 = xp[0];
                x1 = xp[1];
                pk_mac16(x0, wp[0], &a0, &c0);
                pk_mac16(x0, wp[1], &a1, &c1);
                pk_mac16(x1, wp[2], &a0, &c0);
                pk_mac16(x1, wp[3], &a1, &c1);
                xp = &xp[2];
                wp = &wp[4];
            }
            if ((n_w2 * 2) < n_w) {
                x0 = xp[0];
                pk_mac16(x0, wp[0], &a0, &c0);
                pk_mac16(x0, wp[1], &a1, &c1);
                wp = &wp[2];
            }
            y0 = stoic_dsp_rq16(a0 * 2, mp[0], stoic_dsp_qm_e(mp[0]));
            y1 = stoic_dsp_rq16(dpk16_upper2(c0, a0), mp[1], stoic_dsp_qm_e(mp[1]));
            y2 = stoic_dsp_rq16(a1 * 2, mp[2], stoic_dsp_qm_e(mp[2]));
            y3 = stoic_dsp_rq16(dpk16_upper2(c1, a1), mp[3], stoic_dsp_qm_e(mp[3]));
            op[0] = dpk16_act16(y0, clamp, p->act_min, p->act_max);
            op[1] = dpk16_act16(y1, clamp, p->act_min, p->act_max);
            op[2] = dpk16_act16(y2, clamp, p->act_min, p->act_max);
            op[3] = dpk16_act16(y3, clamp, p->act_min, p->act_max);
            op = &op[4];
            bp = &bp[4];
            mp = &mp[qs4];
        }
        for (q = 0; q < n_pairs; q++) {
            a0 = bp[0];
            c0 = (int64_t)bp[0] + ((int64_t)bp[1] * 256);
            xp = scratch;
            for (j = 0; j < n_w; j++) {
                pk_mac16(xp[j], wp[j], &a0, &c0);
            }
            wp = &wp[n_w];
            op[0] = dpk16_act16(stoic_dsp_rq16(a0 * 2, mp[0], stoic_dsp_qm_e(mp[0])), clamp,
                                p->act_min, p->act_max);
            y1 = stoic_dsp_rq16(dpk16_upper2(c0, a0), mp[1], stoic_dsp_qm_e(mp[1]));
            if (((q + 1) < n_pairs) || (odd_last == 0)) {
                op[1] = dpk16_act16(y1, clamp, p->act_min, p->act_max);
            }
            op = &op[2];
            bp = &bp[2];
            mp = &mp[qs2];
        }
    }
}

#endif

/*
 * stoic runtime: dense (fully connected) layer, int4 weights, int8
 * activations. Also a 1x1 convolution with stride 1 and no padding
 * (rows = pixels).
 *
 *   acc[r][o] = bias[o] + sum_i in[r][i] * w[o][i]             (int32)
 *   out[r][o] = clamp(RDBPOT(SRDHM(acc, m[o]), e[o]) + zp_out, act_min, act_max)
 *
 * w[o][i] in [-7, 7] (symmetric int4, per-channel scales); the input zero
 * point is folded into the bias at generation time (bias[o] = b[o] -
 * zp_in * sum_i w[o][i]), so the sum runs over the raw int8 inputs. Same
 * results as stoic_dense_s8 with the same weights stored as int8, bit for
 * bit.
 *
 * Each input row is first sign-extended into packed words of two int16
 * lanes, (in[2j], in[2j+1]), in the scratch buffer, zero words up to a
 * multiple of four (in_words = 4 n_g), and summed: sx = sum_i in[r][i].
 * The weights of one output row are n_g = ceil(in_n / 8) int32 words of
 * eight nibbles, each a weight plus 8 (offset binary: 1 .. 15; 8, a zero
 * weight, past in_n); word g covers the inputs 8g .. 8g+7, the weight of
 * input 8g + 2j + l in its nibble j + 4l (bits 4(j + 4l) .. +3). Shifted
 * right by 4j and masked with 0x000F000F, the word's 16-bit lanes are the
 * two nibbles of the input word x[4g + j], so
 *   S += SMLAD(x[4g+j], (W >> 4j) & 0x000F000F),  j = 0 .. 3
 * adds the eight products in (w + 8) (stoic_dsp_s4mac): one AND with a
 * shifted operand and one SMLAD per two multiply-accumulates, no
 * unpacking, no table, no branch. Starting from bias[o] - 8 sx, the sum
 * is acc[r][o] itself. Every partial sum is below 2^31 in magnitude:
 * |bias[o]| + 128 (8 + 15) in_n < 2^31, and |acc| < 2^30 for the output
 * stage (stoic_dsp_rq8a): the generator proves both per layer.
 *
 * Loop: two output rows per pass, each input word loaded once for the
 * two; the words of a pass in the order (g, row). A last odd row alone,
 * n_g words. Every loop bound comes from the parameter struct. (Four
 * rows per pass need more registers than Cortex-M4 has: gcc 12 spills,
 * and the pass costs as much per multiply-accumulate.)
 */
#ifndef STOIC_DENSE_S4_PK_H
#define STOIC_DENSE_S4_PK_H

#include "stoic_rt.h"
#include "stoic_inline.h"
#include "stoic_dsp.h"

/* the activation's clamp, when narrower than [-128, 127] */
static inline int32_t dpk4_act(int32_t y, int32_t lo, int32_t hi)
{
    int32_t v = (y < lo) ? lo : y;
    return (v > hi) ? hi : v;
}

/* the output stage */
static inline int32_t dpk4_out(int32_t acc, int32_t qm, int32_t c1)
{
    return stoic_dsp_rq8a(acc, qm, stoic_dsp_qm_e(qm), c1);
}

STOIC_INLINE void stoic_dense_s4_pk_inl(const stoic_dense_s4_pk_params *p, const int8_t *in,
                                        const int32_t *w, const int32_t *bias, int8_t *out,
                                        int32_t *scratch)
{
    int32_t r;
    int32_t i;
    int32_t g;
    int32_t q;
    int32_t n_g;
    int32_t half;
    int32_t odd;
    int32_t n_pairs;
    int32_t n_rest;
    int32_t qs;
    int32_t k1;
    int32_t sx;
    int32_t off;
    int32_t v0;
    int32_t v1;
    uint32_t mk;
    const int8_t *x8;
    const int32_t *xp;
    const int32_t *wp;
    const int32_t *mp;
    int8_t *op;
    int32_t a0;
    int32_t a1;
    int32_t b16;

    n_g = p->n_g;
    half = p->in_n / 2;
    odd = p->in_n % 2;
    n_pairs = p->out_n / 2;
    n_rest = p->out_n % 2;
    qs = p->qm_step;
    k1 = p->c1;
    mk = (uint32_t)p->mask;
    b16 = p->b16;
    /* the zero words past the input (the same for every row) */
    for (i = half; i < p->in_words; i++) {
        scratch[i] = 0;
    }
    for (r = 0; r < p->rows; r++) {
        x8 = &in[r * p->in_n];
        op = &out[r * p->out_n];
        /* the input row as packed int16 pairs, and its sum */
        sx = 0;
        for (i = 0; i < half; i++) {
            v0 = (int32_t)x8[2 * i];
            v1 = (int32_t)x8[(2 * i) + 1];
            scratch[i] = stoic_dsp_pack(v0, v1);
            sx += v0 + v1;
        }
        if (odd != 0) {
            v0 = (int32_t)x8[2 * half];
            scratch[half] = stoic_dsp_pack(v0, 0);
            sx += v0;
        }
        off = -8 * sx;
        wp = w;
        mp = p->qm;
        for (q = 0; q < n_pairs; q++) {
            stoic_bias_two(bias, q, b16, &a0, &a1);
            a0 += off;
            a1 += off;
            xp = scratch;
            for (g = 0; g < n_g; g++) {
                a0 = stoic_dsp_s4mac(xp, wp[0], mk, a0);
                a1 = stoic_dsp_s4mac(xp, wp[1], mk, a1);
                xp = &xp[4];
                wp = &wp[2];
            }
            a0 = dpk4_out(a0, mp[0], k1);
            a1 = dpk4_out(a1, mp[qs], k1);
            if (p->clamp != 0) {
                a0 = dpk4_act(a0, p->act_min, p->act_max);
                a1 = dpk4_act(a1, p->act_min, p->act_max);
            }
            op[0] = (int8_t)a0;
            op[1] = (int8_t)a1;
            op = &op[2];
            mp = &mp[2 * qs];
        }
        for (q = 0; q < n_rest; q++) {
            a0 = stoic_bias_at(bias, (2 * n_pairs) + q, b16) + off;
            xp = scratch;
            for (g = 0; g < n_g; g++) {
                a0 = stoic_dsp_s4mac(xp, wp[g], mk, a0);
                xp = &xp[4];
            }
            wp = &wp[n_g];
            a0 = dpk4_out(a0, mp[0], k1);
            if (p->clamp != 0) {
                a0 = dpk4_act(a0, p->act_min, p->act_max);
            }
            op[0] = (int8_t)a0;
            op = &op[1];
            mp = &mp[qs];
        }
    }
}

#endif

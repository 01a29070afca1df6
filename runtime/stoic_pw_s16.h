/*
 * stoic runtime: 1x1 convolution (stride 1, no padding, groups 1), 16x8
 * (int16 activations, int8 weights), for few input channels (in_n <= 16):
 * "pointwise", one output channel at a time with its weights in
 * registers, the pixels in the inner loop; optionally with the 2x2 max
 * pool (stride 2, no padding) that follows it computed in the same pass.
 * The int16 form of stoic_pw_s8 (stoic_pw_s8.h), with stoic_dense_s16's
 * arithmetic (zero points 0):
 *
 *   acc[p][o] = bias[o] + sum_i in[p][i] * w[o][i]               (int32)
 *   out[p][o] = clamp(sat16(floor((acc m[o] 2^shift[o] + 2^30) / 2^31)),
 *                     act_min, act_max)
 *   pooled:   out[q][o] = the same of max(acc[p][o]) over the 2x2 window of q
 *
 * The pooled form is exact: the output stage is non-decreasing in the
 * accumulator (m[o] > 0, a floor, a saturation, a clamp), so the largest of
 * four requantized values is the requantized largest accumulator.
 *
 * The int16 inputs of a pixel are read as in_words words of two lanes,
 * (x[2k], x[2k + 1]) (an odd in_n's last word (x[in_n - 1], 0)), straight
 * from the input: no scratch. The weights of an output are
 * ceil(in_words / 2) int32 words of four int8 in the byte order (w[4k],
 * w[4k + 2], w[4k + 1], w[4k + 3]) (zero past in_n): SXTB16 of the word
 * and of the word rotated by 8 bits are the lanes (w[4k], w[4k + 1]) and
 * (w[4k + 2], w[4k + 3]), the order of the input words. So an output
 * costs, per pixel, in_words loads and SMLADs and its output stage; the
 * weights are unpacked once per output channel.
 *
 * Preconditions, proved per layer by the generator (lower.c): every
 * |acc| < 2^30 (bias and partial sums included), the output stage's
 * (stoic_dsp_rq16). Every loop bound comes from the parameter struct.
 */
#ifndef STOIC_PW_S16_H
#define STOIC_PW_S16_H

#include "stoic_rt.h"
#include "stoic_inline.h"
#include "stoic_dsp.h"

/* the activation's clamp, when narrower than [-32768, 32767] (y already
 * in it: the upper bound only when below 32767, which the compiler cannot
 * see from the saturation) */
static inline int32_t pw16_act(int32_t y, int32_t lo, int32_t hi)
{
    int32_t v = (y < lo) ? lo : y;
    if (hi < 32767) {
        v = (v > hi) ? hi : v;
    }
    return v;
}

/* the larger of a and b */
static inline int32_t pw16_max(int32_t a, int32_t b)
{
    return (b > a) ? b : a;
}

/* input word k of the pixel at x (in_words words, the last one (x[2k], 0)
 * when in_n is odd): x[2k] in the low lane, the same value on either byte
 * order (GCC makes one load of it on a little-endian core) */
static inline int32_t pw16_in(const int16_t *x, int32_t k, int32_t n_w, int32_t odd)
{
    uint32_t u = (uint32_t)(uint16_t)x[2 * k];
    if ((odd == 0) || (k < (n_w - 1))) {
        u |= (uint32_t)(uint16_t)x[(2 * k) + 1] << 16U;
    }
    return stoic_dsp_s32(u);
}

/* bias + the dot product of the pixel at x (n_w <= 8 words) with the
 * weight lanes */
STOIC_DSP_FN int32_t pw16_dot(const int16_t *x, int32_t n_w, int32_t odd, stoic_dsp_lanes wv,
                               int32_t bias)
{
    int32_t a = stoic_dsp_smlad(pw16_in(x, 0, n_w, odd), wv.l0, bias);
    if (n_w > 1) {
        a = stoic_dsp_smlad(pw16_in(x, 1, n_w, odd), wv.l1, a);
    }
    if (n_w > 2) {
        a = stoic_dsp_smlad(pw16_in(x, 2, n_w, odd), wv.l2, a);
    }
    if (n_w > 3) {
        a = stoic_dsp_smlad(pw16_in(x, 3, n_w, odd), wv.l3, a);
    }
    if (n_w > 4) {
        a = stoic_dsp_smlad(pw16_in(x, 4, n_w, odd), wv.l4, a);
    }
    if (n_w > 5) {
        a = stoic_dsp_smlad(pw16_in(x, 5, n_w, odd), wv.l5, a);
    }
    if (n_w > 6) {
        a = stoic_dsp_smlad(pw16_in(x, 6, n_w, odd), wv.l6, a);
    }
    if (n_w > 7) {
        a = stoic_dsp_smlad(pw16_in(x, 7, n_w, odd), wv.l7, a);
    }
    return a;
}

STOIC_INLINE void stoic_pw_s16_inl(const stoic_pw_params *p, const int16_t *in,
                                   const int32_t *w, const int32_t *bias, int16_t *out)
{
    int32_t i;
    int32_t o;
    int32_t py;
    int32_t px;
    int32_t n_w;
    int32_t n_g;
    int32_t odd;
    int32_t in_n;
    int32_t out_n;
    int32_t row;
    int32_t b;
    int32_t qm;
    uint32_t e1;
    int32_t y;
    int32_t s;
    stoic_dsp_lanes wv;
    const int16_t *xp;
    const int32_t *wp;
    const int32_t *mp;
    int16_t *op;

    n_w = p->in_words;
    n_g = (n_w + 1) / 2;
    in_n = p->in_n;
    odd = in_n % 2;
    out_n = p->out_n;
    wp = w;
    mp = p->qm;
    for (o = 0; o < out_n; o++) {
        /* the weight lanes of output o, in the order of the input words */
        wv = stoic_dsp_unpack_lanes(wp, n_g);
        wp = &wp[n_g];
        b = bias[o];
        qm = mp[0];
        e1 = stoic_dsp_qm_e(qm);
        mp = &mp[p->qm_step];
        op = &out[o];
        if (p->pool == 0) {
            xp = in;
            for (i = 0; i < p->px; i++) {
                y = stoic_dsp_rq16(pw16_dot(xp, n_w, odd, wv, b) * 2, qm, e1);
                if (p->clamp != 0) {
                    y = pw16_act(y, p->act_min, p->act_max);
                }
                *op = (int16_t)y;
                op = &op[out_n];
                xp = &xp[in_n];
            }
        } else {
            /* windows of rows 2 py, 2 py + 1 and columns 2 px, 2 px + 1 */
            row = p->w * in_n;
            for (py = 0; py < p->pool_h; py++) {
                xp = &in[2 * py * row];
                for (px = 0; px < p->pool_w; px++) {
                    s = pw16_max(pw16_dot(xp, n_w, odd, wv, b),
                                 pw16_dot(&xp[in_n], n_w, odd, wv, b));
                    s = pw16_max(s, pw16_dot(&xp[row], n_w, odd, wv, b));
                    s = pw16_max(s, pw16_dot(&xp[row + in_n], n_w, odd, wv, b));
                    y = stoic_dsp_rq16(s * 2, qm, e1);
                    if (p->clamp != 0) {
                        y = pw16_act(y, p->act_min, p->act_max);
                    }
                    *op = (int16_t)y;
                    op = &op[out_n];
                    xp = &xp[2 * in_n];
                }
            }
        }
    }
}

#endif

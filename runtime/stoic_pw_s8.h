/*
 * stoic runtime: 1x1 convolution (stride 1, no padding, groups 1), int8,
 * for few input channels (in_n <= 16): "pointwise", one output channel at
 * a time with its weights in registers, the pixels in the inner loop;
 * optionally with the 2x2 max pool (stride 2, no padding) that follows it
 * computed in the same pass.
 *
 *   acc[p][o] = bias[o] + sum_i in[p][i] * w[o][i]               (int32)
 *   out[p][o] = clamp(RDBPOT(SRDHM(acc, m[o]), e[o]) + zp_out, act_min, act_max)
 *   pooled:   out[q][o] = the same of max(acc[p][o]) over the 2x2 window of q
 *
 * The pooled form is exact: the output stage is non-decreasing in the
 * accumulator (m[o] > 0, a rounding shift, a zero point, a clamp), so
 * the largest of four requantized values is the requantized largest
 * accumulator. One output stage per window instead of four, and no
 * pooling layer.
 *
 * The input zero point is folded into the bias at generation time. The
 * input is first sign-extended, every pixel, into in_words packed words of
 * two int16 lanes in the scratch buffer: for each group k of four inputs
 * the words (x[4k], x[4k+2]) and (x[4k+1], x[4k+3]) (inputs past in_n
 * are 0). The weights of an output are in_words / 2 int32 words of four
 * int8 each (byte j, as a value, the weight of input 4k + j; zero past
 * in_n): SXTB16 of the word and of the word rotated by 8 bits are the
 * lanes (w[4k], w[4k+2]) and (w[4k+1], w[4k+3]), the order of the input
 * words. So an output costs, per pixel, in_words loads and SMLADs and its
 * output stage; the weights are unpacked once per output channel.
 *
 * Preconditions, proved per layer by the generator (lower.c): every
 * |acc| < 2^30 (bias and partial sums included), the output stage's
 * (stoic_dsp_rq8a). scratch: px * in_words words.
 * Every loop bound comes from the parameter struct.
 */
#ifndef STOIC_PW_S8_H
#define STOIC_PW_S8_H

#include "stoic_rt.h"
#include "stoic_inline.h"
#include "stoic_dsp.h"

/* the activation's clamp, when narrower than [-128, 127] */
static inline int32_t pw8_act(int32_t y, int32_t lo, int32_t hi)
{
    int32_t v = (y < lo) ? lo : y;
    return (v > hi) ? hi : v;
}

/* the larger of a and b */
static inline int32_t pw8_max(int32_t a, int32_t b)
{
    return (b > a) ? b : a;
}

/* bias + the dot product of a pixel's packed input words x[0 .. 2 n_g - 1]
 * with the weight lanes (n_g <= 4 groups of four inputs, two words each) */
static inline int32_t pw8_dot(const int32_t *x, int32_t n_g, stoic_dsp_lanes wv, int32_t bias)
{
    int32_t a = stoic_dsp_smlad(x[0], wv.l0, bias);
    a = stoic_dsp_smlad(x[1], wv.l1, a);
    if (n_g > 1) {
        a = stoic_dsp_smlad(x[2], wv.l2, a);
        a = stoic_dsp_smlad(x[3], wv.l3, a);
    }
    if (n_g > 2) {
        a = stoic_dsp_smlad(x[4], wv.l4, a);
        a = stoic_dsp_smlad(x[5], wv.l5, a);
    }
    if (n_g > 3) {
        a = stoic_dsp_smlad(x[6], wv.l6, a);
        a = stoic_dsp_smlad(x[7], wv.l7, a);
    }
    return a;
}

STOIC_INLINE void stoic_pw_s8_inl(const stoic_pw_params *p, const int8_t *in,
                                  const int32_t *w, const int32_t *bias, int8_t *out,
                                  int32_t *scratch)
{
    int32_t i;
    int32_t k;
    int32_t o;
    int32_t py;
    int32_t px;
    int32_t n_w;
    int32_t n_g;
    int32_t in_n;
    int32_t out_n;
    int32_t row;
    int32_t c1;
    int32_t b;
    int32_t qm;
    uint32_t e1;
    int32_t y;
    int32_t s;
    stoic_dsp_lanes wv;
    const int8_t *x8;
    const int32_t *xp;
    const int32_t *wp;
    const int32_t *mp;
    int32_t *sp;
    int8_t *op;

    n_w = p->in_words;
    n_g = n_w / 2;
    in_n = p->in_n;
    out_n = p->out_n;
    c1 = p->c1;
    /* every pixel's inputs as packed int16 pairs */
    sp = scratch;
    for (i = 0; i < p->px; i++) {
        x8 = &in[i * in_n];
        for (k = 0; k < (in_n / 4); k++) {
            /* four inputs: SXTB16 of their word and of it rotated */
            s = stoic_dsp_word8(&x8[4 * k]);
            sp[0] = stoic_dsp_sxtb16(s);
            sp[1] = stoic_dsp_sxtb16_ror8(s);
            sp = &sp[2];
        }
        if ((in_n % 4) != 0) {
            /* the last one to three inputs, then zeros */
            k = 4 * (in_n / 4);
            s = ((in_n % 4) > 2) ? (int32_t)x8[k + 2] : 0;
            sp[0] = stoic_dsp_pack((int32_t)x8[k], s);
            s = ((in_n % 4) > 1) ? (int32_t)x8[k + 1] : 0;
            sp[1] = stoic_dsp_pack(s, 0);
            sp = &sp[2];
        }
    }
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
            xp = scratch;
            for (i = 0; i < p->px; i++) {
                y = stoic_dsp_rq8a(pw8_dot(xp, n_g, wv, b), qm, e1, c1);
                if (p->clamp != 0) {
                    y = pw8_act(y, p->act_min, p->act_max);
                }
                *op = (int8_t)y;
                op = &op[out_n];
                xp = &xp[n_w];
            }
        } else {
            /* windows of rows 2 py, 2 py + 1 and columns 2 px, 2 px + 1 */
            row = p->w * n_w;
            for (py = 0; py < p->pool_h; py++) {
                xp = &scratch[2 * py * row];
                for (px = 0; px < p->pool_w; px++) {
                    s = pw8_max(pw8_dot(xp, n_g, wv, b), pw8_dot(&xp[n_w], n_g, wv, b));
                    s = pw8_max(s, pw8_dot(&xp[row], n_g, wv, b));
                    s = pw8_max(s, pw8_dot(&xp[row + n_w], n_g, wv, b));
                    y = stoic_dsp_rq8a(s, qm, e1, c1);
                    if (p->clamp != 0) {
                        y = pw8_act(y, p->act_min, p->act_max);
                    }
                    *op = (int8_t)y;
                    op = &op[out_n];
                    xp = &xp[2 * n_w];
                }
            }
        }
    }
}

#endif

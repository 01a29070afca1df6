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
 * two int16 lanes in the scratch buffer (pixel after pixel; with the pool,
 * window after window, the window's four pixels in a row, so that a
 * window's words are one block): for each group k of four inputs
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
 * (stoic_dsp_rq8a). With the pool and in_n 5 .. 8 a window is one
 * stoic_dsp_pw2_win (inline assembly on Thumb-2): the weight lanes
 * doubled, so the dot products are twice the accumulator, the output
 * stage's operand, and the bias added after the maximum (max(b + d) =
 * b + max(d)); the output channel's constants in four words after the
 * packed input. scratch: px * in_words + 4 words.
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

/* the n_w = 2 ceil(in_n / 4) packed words of one pixel's inputs x8 into sp */
STOIC_INLINE void pw8_pack_px(const int8_t *x8, int32_t in_n, int32_t *sp)
{
    int32_t k;
    int32_t s;

    for (k = 0; k < (in_n / 4); k++) {
        /* four inputs: SXTB16 of their word and of it rotated */
        s = stoic_dsp_word8(&x8[4 * k]);
        sp[2 * k] = stoic_dsp_sxtb16(s);
        sp[(2 * k) + 1] = stoic_dsp_sxtb16_ror8(s);
    }
    if ((in_n % 4) != 0) {
        /* the last one to three inputs, then zeros */
        k = 4 * (in_n / 4);
        s = ((in_n % 4) > 2) ? (int32_t)x8[k + 2] : 0;
        sp[k / 2] = stoic_dsp_pack((int32_t)x8[k], s);
        s = ((in_n % 4) > 1) ? (int32_t)x8[k + 1] : 0;
        sp[(k / 2) + 1] = stoic_dsp_pack(s, 0);
    }
}

STOIC_INLINE void stoic_pw_s8_inl(const stoic_pw_params *p, const int8_t *in,
                                  const int32_t *w, const int32_t *bias, int8_t *out,
                                  int32_t *scratch)
{
    int32_t i;
    int32_t o;
    int32_t py;
    int32_t px;
    int32_t n_w;
    int32_t n_g;
    int32_t in_n;
    int32_t out_n;
    int32_t n_win;    /* pooling windows */
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
    int32_t *cb;
    int8_t *op;

    n_w = p->in_words;
    n_g = n_w / 2;
    in_n = p->in_n;
    out_n = p->out_n;
    c1 = p->c1;
    n_win = p->pool_h * p->pool_w;
    if (p->pool == 0) {
        /* every pixel's inputs as packed int16 pairs, pixel after pixel */
        for (i = 0; i < p->px; i++) {
            pw8_pack_px(&in[i * in_n], in_n, &scratch[i * n_w]);
        }
    } else {
        /* window after window (rows 2 py, 2 py + 1, columns 2 px, 2 px + 1),
         * its four pixels in the order (0, 0), (0, 1), (1, 0), (1, 1) */
        for (py = 0; py < (2 * p->pool_h); py++) {
            sp = &scratch[(((py / 2) * p->pool_w * 4) + ((py % 2) * 2)) * n_w];
            x8 = &in[py * p->w * in_n];
            for (px = 0; px < p->pool_w; px++) {
                pw8_pack_px(x8, in_n, sp);
                pw8_pack_px(&x8[in_n], in_n, &sp[n_w]);
                x8 = &x8[2 * in_n];
                sp = &sp[4 * n_w];
            }
        }
    }
    /* the output channel's constants after the packed input (n_g == 2) */
    cb = &scratch[p->px * n_w];
    wp = w;
    mp = p->qm;
    for (o = 0; o < out_n; o++) {
        /* the weight lanes of output o, in the order of the input words */
        wv = stoic_dsp_unpack_lanes(wp, n_g);
        wp = &wp[n_g];
        b = stoic_bias_at(bias, o, p->b16);
        qm = mp[0];
        e1 = stoic_dsp_qm_e(qm);
        mp = &mp[p->qm_step];
        op = &out[o];
        xp = scratch;
        if (p->pool == 0) {
            for (i = 0; i < p->px; i++) {
                y = stoic_dsp_rq8a(pw8_dot(xp, n_g, wv, b), qm, e1, c1);
                if (p->clamp != 0) {
                    y = pw8_act(y, p->act_min, p->act_max);
                }
                *op = (int8_t)y;
                op = &op[out_n];
                xp = &xp[n_w];
            }
        } else if (n_g == 2) {
            /* in_n 5 .. 8: the window in one step (stoic_dsp_pw2_win), with
             * the weights and the bias doubled (the output stage's 2 acc) */
            wv.l0 = stoic_dsp_dbl16(wv.l0);
            wv.l1 = stoic_dsp_dbl16(wv.l1);
            wv.l2 = stoic_dsp_dbl16(wv.l2);
            wv.l3 = stoic_dsp_dbl16(wv.l3);
            cb[0] = 2 * b;
            cb[1] = qm;
            cb[2] = (int32_t)e1;
            cb[3] = stoic_dsp_s32((uint32_t)c1 << e1);
            for (i = 0; i < n_win; i++) {
                y = stoic_dsp_pw2_win(xp, wv.l0, wv.l1, wv.l2, wv.l3, cb);
                if (p->clamp != 0) {
                    y = pw8_act(y, p->act_min, p->act_max);
                }
                *op = (int8_t)y;
                op = &op[out_n];
                xp = &xp[4 * n_w];
            }
        } else {
            for (i = 0; i < n_win; i++) {
                s = pw8_max(pw8_dot(xp, n_g, wv, b), pw8_dot(&xp[n_w], n_g, wv, b));
                s = pw8_max(s, pw8_dot(&xp[2 * n_w], n_g, wv, b));
                s = pw8_max(s, pw8_dot(&xp[3 * n_w], n_g, wv, b));
                y = stoic_dsp_rq8a(s, qm, e1, c1);
                if (p->clamp != 0) {
                    y = pw8_act(y, p->act_min, p->act_max);
                }
                *op = (int8_t)y;
                op = &op[out_n];
                xp = &xp[4 * n_w];
            }
        }
    }
}

#endif

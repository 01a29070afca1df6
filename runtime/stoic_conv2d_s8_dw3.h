/*
 * stoic runtime: 3x3 convolution, stride 1, int8, one input channel per
 * group: depthwise (groups == in_c, with a channel multiplier out_c / in_c)
 * and the first layer of an image network (in_c == groups == 1).
 *
 *   acc[oh][ow][o] = bias[o] + sum_{kh,kw} x[oh + kh - pad_top][ow + kw - pad_left][g] * w[o][kh][kw]
 *   out = clamp(RDBPOT(SRDHM(acc, m[o]), e[o]) + zp_out, act_min, act_max)
 * with g = o / depth_mult the input channel of output channel o, weights OHWI
 * (w[o] is 9 int8), and a tap outside the input standing for zp_in. As in
 * every packed kernel the input zero point is folded into the bias
 * (bias[o] = b[o] - zp_in * sum w[o]), so a padded tap holds the value
 * zp_in itself.
 *
 * Per input channel, the padded plane of that channel is written to the
 * scratch as packed int16 pairs: out_h + 2 rows of nw = 2 n_pass + 1
 * words, word k of plane row r holding the plane columns (2k, 2k + 1),
 * plane row r being input row r - pad_top and plane column c input column
 * c - pad_left, value zp_in outside the input. The words that are zp_in
 * for every channel (padding rows, words right of the input) are written
 * once per call; per channel and input row, the words that hold input
 * values: (zp_in, x[0]) when pad_left = 1, the words of two input
 * columns, and (x[in_w - 1], zp_in) when in_w + pad_left is odd. A pass
 * reads, for output row oh, the words 2 ps .. 2 ps + 2 of the plane rows
 * oh .. oh + 2. Per output channel and kernel row kh its three weights
 * w_j = w[o][kh][j] become the words WA = (w0, w1) and WB = (w1, w2),
 * each weight doubled (kept for the channel's passes): the accumulators
 * hold 2 acc, from twice the bias, the output stage's operand. With the
 * input words X01, X23, X45 of the columns ow .. ow + 5 of a row (ow =
 * 4 ps), its share of the four outputs ow .. ow + 3 is
 *   acc(ow)     += SMLAD(X01, WA) + SMLATB(WB, X23)     (w0 c0 + w1 c1, w2 c2)
 *   acc(ow + 1) += SMLATB(X01, WA) + SMLAD(X23, WB)     (w0 c1, w1 c2 + w2 c3)
 *   acc(ow + 2) += SMLAD(X23, WA) + SMLATB(WB, X45)
 *   acc(ow + 3) += SMLATB(X23, WA) + SMLAD(X45, WB)
 * (SMLATB(x, y) adds hi(x) lo(y)): eight multiply instructions a row for
 * 12 multiply-accumulates, two weight words. Outputs beyond out_w in the
 * last pass are computed (from zp_in columns) and not stored. Every
 * partial sum lies between the doubled accumulator's bounds, 2 (|bias[o]|
 * + 128 sum |w[o]|) < 2^31, which the generator proves (|bias[o]| + 128
 * sum |w[o]| < 2^30) with the output stage's bounds (stoic lower.c),
 * else it uses stoic_conv2d_s8.
 *
 * A channel's passes (dw8_channel_asm) read the channel's block, after the
 * plane in the scratch: its six weight words, twice its bias, the
 * multiplier, e1 and c1 2^e1; the pass itself is stoic_dsp_dw3_pass_nw
 * (stoic_dsp.h; on Thumb-2 one block of inline assembly, 52
 * instructions: 12 loads, 24 multiplies, 16 of output stage). A layer
 * with fewer than DW8_FEW_PASSES passes a channel keeps the block in
 * locals instead (dw8_channel_c), which the compiler holds in registers.
 * scratch: the plane, then the block, 10 words.
 *
 * int4 weights (w4 1): w holds the weights in [-7, 7] two to a byte,
 * weight k of channel o (k = 3 kh + kw) in nibble i = 9 o + k, the low
 * nibble of byte i / 2 for even i, the high one for odd i, each plus 8;
 * a channel's nine are unpacked into int8 before its passes
 * (dw8_w4_unpack: five byte loads and a few shifts a channel, nothing per
 * output).
 *
 * Every loop bound and index comes from the parameter struct; no branch
 * depends on the data.
 */
#ifndef STOIC_CONV2D_S8_DW3_H
#define STOIC_CONV2D_S8_DW3_H

#include "stoic_rt.h"
#include "stoic_inline.h"
#include "stoic_dsp.h"

static inline int32_t dw8_act8(int32_t y, int32_t lo, int32_t hi)
{
    int32_t v = (y < lo) ? lo : y;
    return (v > hi) ? hi : v;
}

/* The words of the plane of input channel g that hold input values (see
 * above); the others are zp_in already. */
STOIC_INLINE void dw8_plane(const stoic_conv2d_dw3_params *p, const int8_t *in, int32_t g,
                            int32_t *plane)
{
    int32_t ih;
    int32_t k;
    const int8_t *src;
    const int8_t *row;
    int32_t *wr;
    int32_t *wrow;

    /* the parameters in locals: the stores below may alias them */
    const int32_t in_h = p->in_h;
    const int32_t pad_left = p->pad_left;
    const int32_t zp = p->zp_in;
    const int32_t step = p->in_c;
    const int32_t step2 = 2 * step;
    const int32_t step4 = 4 * step;
    const int32_t nw = (2 * p->n_pass) + 1;      /* words per plane row */
    const int32_t in_row = p->in_w * step;       /* between two input rows */
    /* words pad_left .. ke - 1 hold two input columns each, in n2 pairs
     * and one more when odd1; the word (x[in_w - 1], zp_in) when odd2 */
    const int32_t ke = (p->in_w + pad_left) / 2;
    const int32_t n2 = (ke - pad_left) / 2;
    const int32_t odd1 = (ke - pad_left) % 2;
    const int32_t odd2 = (p->in_w + pad_left) % 2;

    row = &in[g];
    wrow = &plane[p->pad_top * nw];
    for (ih = 0; ih < in_h; ih++) {
        src = row;
        wr = wrow;
        if (pad_left != 0) {
            wr[0] = stoic_dsp_pack2(zp, (int32_t)src[0]);
            src = &src[step];
            wr = &wr[1];
        }
        for (k = 0; k < n2; k++) {
            wr[0] = stoic_dsp_pack2((int32_t)src[0], (int32_t)src[step]);
            wr[1] = stoic_dsp_pack2((int32_t)src[step2], (int32_t)src[step2 + step]);
            wr = &wr[2];
            src = &src[step4];
        }
        if (odd1 != 0) {
            wr[0] = stoic_dsp_pack2((int32_t)src[0], (int32_t)src[step]);
            wr = &wr[1];
            src = &src[step2];
        }
        if (odd2 != 0) {
            wr[0] = stoic_dsp_pack2((int32_t)src[0], zp);
        }
        row = &row[in_row];
        wrow = &wrow[nw];
    }
}

/* stoic_dsp_w3words with PKHBT (stoic_dsp_pack2d): the doubled weights of a
 * kernel row as the words wa = (w0, w1), wb = (w1, w2) */
STOIC_INLINE void dw8_w3words(const int8_t *wr, int32_t *wa, int32_t *wb)
{
    *wa = stoic_dsp_pack2d(2 * (int32_t)wr[0], (int32_t)wr[1]);
    *wb = stoic_dsp_pack2d(2 * (int32_t)wr[1], (int32_t)wr[2]);
}

/* The four outputs of a pass, stored: all four but in the last pass of a
 * row whose width is not a multiple of 4 (last), out_w % 4 of them; the
 * activation's clamp when narrower than [-128, 127] */
STOIC_INLINE void dw8_store(const stoic_conv2d_dw3_params *p, const int32_t *y, int32_t last,
                            int8_t *op)
{
    const int32_t oc = p->out_c;
    const int32_t rem = p->out_w % 4;
    int32_t v[4];
    int32_t k;

    for (k = 0; k < 4; k++) {
        v[k] = (p->clamp != 0) ? dw8_act8(y[k], p->act_min, p->act_max) : y[k];
    }
    if (last == 0) {
        op[0] = (int8_t)v[0];
        op[oc] = (int8_t)v[1];
        op[2 * oc] = (int8_t)v[2];
        op[3 * oc] = (int8_t)v[3];
    } else {
        op[0] = (int8_t)v[0];
        if (rem > 1) {
            op[oc] = (int8_t)v[1];
        }
        if (rem > 2) {
            op[2 * oc] = (int8_t)v[2];
        }
    }
}

/* Output channel o's passes, the pass in C with the channel's weight words,
 * twice its bias and its output stage in locals: for a layer with few
 * passes a channel (fewer than DW8_FEW_PASSES), where the compiler keeps
 * them in registers across the passes (on Cortex-M4 dsconv's 3x3x16
 * costs 3 951 instructions so, 4 364 with the channel's block of
 * dw8_channel_asm) */
#define DW8_FEW_PASSES 4
STOIC_INLINE void dw8_channel_c(const stoic_conv2d_dw3_params *p, const int32_t *plane,
                                const int8_t *wo, int32_t b2, int32_t qw, int8_t *out_o)
{
    const int32_t nw = (2 * p->n_pass) + 1;
    const int32_t n_full = p->out_w / 4;
    const uint32_t e1 = stoic_dsp_qm_e(qw);
    int32_t wv[6];
    int32_t a[4];
    int32_t ps;
    int32_t oh;
    const int32_t *xr;
    int8_t *op;

    dw8_w3words(wo, &wv[0], &wv[1]);
    dw8_w3words(&wo[3], &wv[2], &wv[3]);
    dw8_w3words(&wo[6], &wv[4], &wv[5]);
    for (ps = 0; ps < p->n_pass; ps++) {
        op = &out_o[4 * ps * p->out_c];
        xr = &plane[2 * ps];
        for (oh = 0; oh < p->out_h; oh++) {
            a[0] = b2;
            a[1] = b2;
            a[2] = b2;
            a[3] = b2;
            stoic_dsp_dw3_row(xr, wv[0], wv[1], &a[0], &a[1], &a[2], &a[3]);
            stoic_dsp_dw3_row(&xr[nw], wv[2], wv[3], &a[0], &a[1], &a[2], &a[3]);
            stoic_dsp_dw3_row(&xr[2 * nw], wv[4], wv[5], &a[0], &a[1], &a[2], &a[3]);
            a[0] = stoic_dsp_rq8(a[0], qw, e1, p->c1);
            a[1] = stoic_dsp_rq8(a[1], qw, e1, p->c1);
            a[2] = stoic_dsp_rq8(a[2], qw, e1, p->c1);
            a[3] = stoic_dsp_rq8(a[3], qw, e1, p->c1);
            dw8_store(p, a, (ps < n_full) ? 0 : 1, op);
            xr = &xr[nw];
            op = &op[p->out_w * p->out_c];
        }
    }
}

/* Output channel o's passes with stoic_dsp_dw3_pass_nw: its block cb (after
 * the plane) holds the weight words of the kernel rows 0, 1, 2, twice the
 * bias, the multiplier, e1 and c1 2^e1, which every pass reads from
 * memory (the registers are the accumulators') */
STOIC_INLINE void dw8_channel_asm(const stoic_conv2d_dw3_params *p, const int32_t *plane,
                                  const int8_t *wo, int32_t b2, int32_t qw, int8_t *out_o,
                                  int32_t *cb)
{
    const int32_t nw = (2 * p->n_pass) + 1;
    const int32_t n_full = p->out_w / 4;
    const uint32_t e1 = stoic_dsp_qm_e(qw);
    int32_t y[4];
    int32_t ps;
    int32_t oh;
    const int32_t *xr;
    int8_t *op;

    dw8_w3words(wo, &cb[0], &cb[1]);
    dw8_w3words(&wo[3], &cb[2], &cb[3]);
    dw8_w3words(&wo[6], &cb[4], &cb[5]);
    cb[6] = b2;
    cb[7] = qw;
    cb[8] = (int32_t)e1;
    cb[9] = stoic_dsp_s32((uint32_t)p->c1 << e1);
    for (ps = 0; ps < p->n_pass; ps++) {
        op = &out_o[4 * ps * p->out_c];
        xr = &plane[2 * ps];
        for (oh = 0; oh < p->out_h; oh++) {
            stoic_dsp_dw3_pass_nw(xr, nw, cb, y);
            dw8_store(p, y, (ps < n_full) ? 0 : 1, op);
            xr = &xr[nw];
            op = &op[p->out_w * p->out_c];
        }
    }
}

/* the nibble of v at bit sh, less 8: an int4 weight */
STOIC_INLINE int8_t dw8_nib(uint32_t v, uint32_t sh)
{
    uint32_t n = (v >> sh) & 0xFU;
    int32_t x = (int32_t)n;

    return (int8_t)(x - 8);
}

/* channel o's nine int4 weights (w4: nibbles 9 o .. 9 o + 8 of w, each
 * plus 8) as int8 in w9: the five bytes that hold them, the first
 * nibble the low one of the first byte for even o, its high one for odd
 * o; the eight nibbles from the first as one word, the ninth apart */
STOIC_INLINE void dw8_w4_unpack(const int8_t *w, int32_t o, int8_t *w9)
{
    const int8_t *b = &w[(9 * o) / 2];
    uint32_t v = (uint32_t)(uint8_t)b[0] | ((uint32_t)(uint8_t)b[1] << 8U) |
                 ((uint32_t)(uint8_t)b[2] << 16U) | ((uint32_t)(uint8_t)b[3] << 24U);
    uint32_t last = (uint32_t)(uint8_t)b[4];

    if ((o % 2) != 0) {
        v = (v >> 4U) | (last << 28U);
        last = last >> 4U;
    }
    w9[0] = dw8_nib(v, 0U);
    w9[1] = dw8_nib(v, 4U);
    w9[2] = dw8_nib(v, 8U);
    w9[3] = dw8_nib(v, 12U);
    w9[4] = dw8_nib(v, 16U);
    w9[5] = dw8_nib(v, 20U);
    w9[6] = dw8_nib(v, 24U);
    w9[7] = dw8_nib(v, 28U);
    w9[8] = dw8_nib(last, 0U);
}

/* scratch: the plane, then the channel's block */
STOIC_INLINE void stoic_conv2d_s8_dw3_inl(const stoic_conv2d_dw3_params *p, const int8_t *in,
                                          const int8_t *w, const int32_t *bias, int8_t *out,
                                          int32_t *scratch)
{
    const int32_t n_plane = ((2 * p->n_pass) + 1) * (p->out_h + 2);   /* words of the plane */
    int32_t g;
    int32_t j;
    int32_t o;
    int32_t k;
    int32_t zz;       /* the word (zp_in, zp_in) */
    int32_t b2;       /* twice the bias: the accumulators hold 2 acc */
    int32_t qw;       /* the packed multiplier and shift of the channel */
    int8_t w9[9];     /* its weights unpacked (int4, w4) */
    const int8_t *wo; /* its nine weights */

    zz = stoic_dsp_opaque(stoic_dsp_pack(p->zp_in, p->zp_in));
    for (k = 0; k < n_plane; k++) {
        scratch[k] = zz;
    }
    for (g = 0; g < p->in_c; g++) {
        dw8_plane(p, in, g, scratch);
        for (j = 0; j < p->depth_mult; j++) {
            o = (g * p->depth_mult) + j;
            b2 = 2 * stoic_bias_at(bias, o, p->b16);
            qw = p->qm[o * p->qm_step];
            if (p->w4 != 0) {
                dw8_w4_unpack(w, o, w9);
                wo = w9;
            } else {
                wo = &w[o * 9];
            }
            if ((p->n_pass * p->out_h) < DW8_FEW_PASSES) {
                dw8_channel_c(p, scratch, wo, b2, qw, &out[o]);
            } else {
                dw8_channel_asm(p, scratch, wo, b2, qw, &out[o], &scratch[n_plane]);
            }
        }
    }
}

#endif

/*
 * stoic runtime: 3x3 convolution, stride 1, 16x8 (int16 activations, int8
 * weights), one input channel per group: depthwise (groups == in_c, with a
 * channel multiplier) and in_c == groups == 1. The geometry, the padded
 * plane and the four outputs per pass are those of
 * stoic_conv2d_s8_dw3.c; the arithmetic is stoic_conv2d_s16's:
 *
 *   acc[oh][ow][o] = bias[o] + sum_{kh,kw} x[oh + kh - pad_top][ow + kw - pad_left][g] * w[o][kh][kw]
 *   out = clamp(sat32(floor((acc m[o] 2^shift[o] + 2^30) / 2^31)), act_min, act_max)
 *
 * zero point 0: a padded tap is 0. The generator proves |bias[o]| +
 * 32768 sum |w[o]| < 2^30, so every partial sum fits int32 and the
 * output stage is stoic_dsp_rq16; otherwise it uses stoic_conv2d_s16.
 *
 * Per kernel row kh the weights are the words WA = (w0, w1) and WB = (w1,
 * w2), doubled (the accumulators hold 2 acc, from twice the bias: 2
 * (|bias[o]| + 32768 sum |w[o]|) < 2^31, the operand of stoic_dsp_rq16),
 * and the four outputs of a pass take their share of the row as
 * stoic_conv2d_s8_dw3's do (SMLAD and SMLATB on the input words X01,
 * X23, X45 of the columns ow .. ow + 5).
 */
#ifndef STOIC_CONV2D_S16_DW3_H
#define STOIC_CONV2D_S16_DW3_H

#include "stoic_rt.h"
#include "stoic_inline.h"
#include "stoic_dsp.h"

static inline int32_t dw16_act16(int32_t y, int32_t clamp, int32_t lo, int32_t hi)
{
    int32_t v = y;
    if (clamp != 0) {
        v = (v < lo) ? lo : v;
        v = (v > hi) ? hi : v;
    }
    return v;
}

/* The words of the plane of input channel g that hold input values, as in
 * stoic_conv2d_s8_dw3.c; the others are zp_in (0) already. */
STOIC_INLINE void dw16_plane(const stoic_conv2d_dw3_params *p, const int16_t *in, int32_t g,
                             int32_t *plane)
{
    int32_t ih;
    int32_t k;
    int32_t step;
    int32_t step2;
    int32_t nw;       /* words per plane row */
    int32_t n2;       /* pairs of words of two input columns each */
    const int16_t *src;
    int32_t *wr;

    /* the parameters in locals: the stores below may alias them */
    const int32_t in_h = p->in_h;
    const int32_t in_w = p->in_w;
    const int32_t pad_left = p->pad_left;
    const int32_t zp = p->zp_in;
    /* words pad_left .. ke - 1 hold two input columns each */
    const int32_t ke = (in_w + pad_left) / 2;

    step = p->in_c;
    step2 = 2 * step;
    nw = (2 * p->n_pass) + 1;
    n2 = (ke - pad_left) / 2;
    for (ih = 0; ih < in_h; ih++) {
        src = &in[(ih * in_w * step) + g];
        wr = &plane[(ih + p->pad_top) * nw];
        if (pad_left != 0) {
            wr[0] = stoic_dsp_pack(zp, (int32_t)src[0]);
            src = &src[step];
        }
        wr = &wr[pad_left];
        for (k = 0; k < n2; k++) {
            wr[0] = stoic_dsp_pack((int32_t)src[0], (int32_t)src[step]);
            wr[1] = stoic_dsp_pack((int32_t)src[step2], (int32_t)src[step2 + step]);
            wr = &wr[2];
            src = &src[2 * step2];
        }
        if (((ke - pad_left) % 2) != 0) {
            wr[0] = stoic_dsp_pack((int32_t)src[0], (int32_t)src[step]);
            wr = &wr[1];
            src = &src[step2];
        }
        if (((in_w + pad_left) % 2) != 0) {
            wr[0] = stoic_dsp_pack((int32_t)src[0], zp);
        }
    }
}

/* scratch: the plane */
STOIC_INLINE void stoic_conv2d_s16_dw3_inl(const stoic_conv2d_dw3_params *p, const int16_t *in,
                                           const int8_t *w, const int32_t *bias, int16_t *out,
                                           int32_t *scratch)
{
    int32_t nw;       /* words per plane row */
    int32_t g;
    int32_t j;
    int32_t o;
    int32_t oh;
    int32_t ps;
    int32_t k;
    int32_t oc;
    int32_t orow;
    int32_t n_full;
    int32_t rem;
    int32_t zz;
    const int8_t *wo;
    const int32_t *xr;
    int32_t b;        /* twice the bias: the accumulators hold 2 acc */
    int32_t a0;
    int32_t a1;
    int32_t a2;
    int32_t a3;
    int32_t wv[6];    /* the weight words (wa, wb) of the kernel rows 0, 1, 2 */
    int32_t m;
    int32_t qw;       /* the packed multiplier and shift of the channel */
    uint32_t e;
    int32_t y0;
    int32_t y1;
    int32_t y2;
    int32_t y3;
    int16_t *op;

    /* the parameters the loops read, in locals: the stores to out may
     * alias the parameter struct, so the compiler would load them again
     * after every store */
    const int32_t out_h = p->out_h;
    const int32_t n_pass = p->n_pass;
    const int32_t in_c = p->in_c;
    const int32_t depth_mult = p->depth_mult;
    const int32_t clamp = p->clamp;
    const int32_t act_min = p->act_min;
    const int32_t act_max = p->act_max;

    nw = (2 * n_pass) + 1;
    oc = p->out_c;
    orow = p->out_w * oc;
    n_full = p->out_w / 4;
    rem = p->out_w % 4;
    /* zp_in is 0 (int16): opaque, so that no compiler turns the loop into
     * a call to memset (stoic_dsp_opaque) */
    zz = stoic_dsp_opaque(stoic_dsp_pack(p->zp_in, p->zp_in));
    for (k = 0; k < (nw * (out_h + 2)); k++) {
        scratch[k] = zz;
    }
    for (g = 0; g < in_c; g++) {
        dw16_plane(p, in, g, scratch);
        for (j = 0; j < depth_mult; j++) {
            o = (g * depth_mult) + j;
            wo = &w[o * 9];
            stoic_dsp_w3words(wo, &wv[0], &wv[1]);
            stoic_dsp_w3words(&wo[3], &wv[2], &wv[3]);
            stoic_dsp_w3words(&wo[6], &wv[4], &wv[5]);
            b = 2 * bias[o];
            qw = p->qm[o * p->qm_step];
            m = qw;
            e = stoic_dsp_qm_e(qw);
            for (ps = 0; ps < n_pass; ps++) {
                op = &out[(4 * ps * oc) + o];
                xr = &scratch[2 * ps];
                for (oh = 0; oh < out_h; oh++) {
                    a0 = b;
                    a1 = b;
                    a2 = b;
                    a3 = b;
                    stoic_dsp_dw3_row(xr, wv[0], wv[1], &a0, &a1, &a2, &a3);
                    stoic_dsp_dw3_row(&xr[nw], wv[2], wv[3], &a0, &a1, &a2, &a3);
                    stoic_dsp_dw3_row(&xr[2 * nw], wv[4], wv[5], &a0, &a1, &a2, &a3);
                    xr = &xr[nw];
                    y0 = dw16_act16(stoic_dsp_rq16(a0, m, e), clamp, act_min, act_max);
                    y1 = dw16_act16(stoic_dsp_rq16(a1, m, e), clamp, act_min, act_max);
                    y2 = dw16_act16(stoic_dsp_rq16(a2, m, e), clamp, act_min, act_max);
                    y3 = dw16_act16(stoic_dsp_rq16(a3, m, e), clamp, act_min, act_max);
                    if (ps < n_full) {
                        op[0] = (int16_t)y0;
                        op[oc] = (int16_t)y1;
                        op[2 * oc] = (int16_t)y2;
                        op[3 * oc] = (int16_t)y3;
                    } else {
                        op[0] = (int16_t)y0;
                        if (rem > 1) {
                            op[oc] = (int16_t)y1;
                        }
                        if (rem > 2) {
                            op[2 * oc] = (int16_t)y2;
                        }
                    }
                    op = &op[orow];
                }
            }
        }
    }
}

#endif

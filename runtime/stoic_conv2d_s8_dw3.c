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
 * scratch as packed int16 pairs: row r holds the columns (2k, 2k + 1) in
 * word k, value zp_in outside the input (written once per call; every
 * channel overwrites the same interior). Then per output channel its nine
 * weights become, per kernel row kh, the words
 *   WA = (w0, 256 w0 + w1),  WB = (256 w1 + w2, 256 w2)     (w_j = w[o][kh][j])
 * with lane values 256 * (weight of output ow + 1) + (weight of output ow)
 * for the input columns ow .. ow + 3 (the weight of ow + 1 at column
 * ow + j is w_(j-1)). For two outputs (ow, ow + 1), ow even:
 *   C += SMLAD(X01, WA) + SMLAD(X23, WB)   = acc(ow) + 256 acc(ow + 1)
 *   A += SMLAD(X01, SXTB16(WA)) + SMLAD(X23, SXTB16(WB))   = acc(ow)
 * (SXTB16 of WA is (w0, w1), of WB (w2, 0)), X01 and X23 the words of
 * input columns ow, ow + 1 and ow + 2, ow + 3. A pass makes four outputs
 * ow .. ow + 3 from three input words per row, X01, X23, X45; outputs
 * beyond out_w in the last pass are computed (from zp_in columns) and not
 * stored. acc(ow + 1) = (C - A) / 256 exactly. The generator proves
 * 257 (|bias[o]| + 128 sum |w[o]|) < 2^31 and the output stage's bounds
 * (stoic lower.c), else it uses stoic_conv2d_s8.
 *
 * Every loop bound and index comes from the parameter struct; no branch
 * depends on the data.
 */
#include "stoic_rt.h"
#include "stoic_dsp.h"

static inline int32_t out8(int32_t a2, int32_t m, uint32_t e, int32_t c1)
{
    return stoic_dsp_sat8(stoic_dsp_rq(a2, m, e, c1));
}

static inline int32_t act8(int32_t y, int32_t lo, int32_t hi)
{
    int32_t v = (y < lo) ? lo : y;
    return (v > hi) ? hi : v;
}

/* scratch: the plane, then the 12 weight words of the current channel */
void stoic_conv2d_s8_dw3(const stoic_conv2d_s8_dw3_params *p, const int8_t *in,
                         const int8_t *w, const int32_t *bias, int8_t *out, int32_t *scratch)
{
    int32_t pw;       /* words per plane row */
    int32_t hp;       /* plane rows */
    int32_t g;
    int32_t j;
    int32_t o;
    int32_t oh;
    int32_t ps;
    int32_t ih;
    int32_t k;
    int32_t n_full;   /* full pairs of input columns in a plane row */
    int32_t zz;       /* the word (zp_in, zp_in) */
    int32_t *wk;
    const int8_t *src;
    const int8_t *wo;
    int32_t *dst;
    const int32_t *xr;
    int32_t b;
    int32_t b257;
    int32_t a0;
    int32_t c0;
    int32_t a1;
    int32_t c1;
    int32_t x01;
    int32_t x23;
    int32_t x45;
    int32_t m;
    uint32_t e;
    int32_t y[4];
    int8_t *op;
    int32_t v0;
    int32_t v1;

    pw = p->plane_w;
    hp = p->out_h + 2;
    wk = &scratch[hp * pw];
    zz = stoic_dsp_pack(p->zp_in, p->zp_in);
    for (k = 0; k < hp * pw; k++) {
        scratch[k] = zz;
    }
    n_full = (p->in_w - p->pad_left) / 2;
    for (g = 0; g < p->in_c; g++) {
        /* the interior of the plane: input channel g */
        for (ih = 0; ih < p->in_h; ih++) {
            src = &in[(ih * p->in_w * p->in_c) + g];
            dst = &scratch[(ih + p->pad_top) * pw];
            if (p->pad_left != 0) {
                dst[0] = stoic_dsp_pack(p->zp_in, (int32_t)src[0]);
                src = &src[p->in_c];
                dst = &dst[1];
            }
            for (k = 0; k < n_full; k++) {
                v0 = (int32_t)src[0];
                v1 = (int32_t)src[p->in_c];
                dst[k] = stoic_dsp_pack(v0, v1);
                src = &src[2 * p->in_c];
            }
            if ((n_full * 2) + p->pad_left < p->in_w) {
                dst[n_full] = stoic_dsp_pack((int32_t)src[0], p->zp_in);
            }
        }
        for (j = 0; j < p->depth_mult; j++) {
            o = (g * p->depth_mult) + j;
            /* the channel's weights as WA, WB, SXTB16(WA), SXTB16(WB) per row */
            wo = &w[o * 9];
            for (k = 0; k < 3; k++) {
                v0 = (int32_t)wo[3 * k];
                v1 = (int32_t)wo[(3 * k) + 1];
                wk[4 * k] = stoic_dsp_pack(v0, (256 * v0) + v1);
                wk[(4 * k) + 1] = stoic_dsp_pack((256 * v1) + (int32_t)wo[(3 * k) + 2],
                                                 256 * (int32_t)wo[(3 * k) + 2]);
                wk[(4 * k) + 2] = stoic_dsp_sxtb16(wk[4 * k]);
                wk[(4 * k) + 3] = stoic_dsp_sxtb16(wk[(4 * k) + 1]);
            }
            b = bias[o];
            b257 = b * 257;
            m = p->mult[o];
            e = (uint32_t)p->rshift[o];
            for (oh = 0; oh < p->out_h; oh++) {
                op = &out[(oh * p->out_w * p->out_c) + o];
                for (ps = 0; ps < p->n_pass; ps++) {
                    a0 = b;
                    c0 = b257;
                    a1 = b;
                    c1 = b257;
                    xr = &scratch[(oh * pw) + (2 * ps)];
                    for (k = 0; k < 3; k++) {
                        x01 = xr[0];
                        x23 = xr[1];
                        x45 = xr[2];
                        c0 = stoic_dsp_smlad(x01, wk[4 * k], c0);
                        c0 = stoic_dsp_smlad(x23, wk[(4 * k) + 1], c0);
                        a0 = stoic_dsp_smlad(x01, wk[(4 * k) + 2], a0);
                        a0 = stoic_dsp_smlad(x23, wk[(4 * k) + 3], a0);
                        c1 = stoic_dsp_smlad(x23, wk[4 * k], c1);
                        c1 = stoic_dsp_smlad(x45, wk[(4 * k) + 1], c1);
                        a1 = stoic_dsp_smlad(x23, wk[(4 * k) + 2], a1);
                        a1 = stoic_dsp_smlad(x45, wk[(4 * k) + 3], a1);
                        xr = &xr[pw];
                    }
                    y[0] = out8(a0 * 2, m, e, p->c1);
                    y[1] = out8(stoic_dsp_floor_shr(c0 - a0, 7U), m, e, p->c1);
                    y[2] = out8(a1 * 2, m, e, p->c1);
                    y[3] = out8(stoic_dsp_floor_shr(c1 - a1, 7U), m, e, p->c1);
                    if (p->clamp != 0) {
                        for (k = 0; k < 4; k++) {
                            y[k] = act8(y[k], p->act_min, p->act_max);
                        }
                    }
                    for (k = 0; (k < 4) && ((4 * ps) + k < p->out_w); k++) {
                        op[((4 * ps) + k) * p->out_c] = (int8_t)y[k];
                    }
                }
            }
        }
    }
}

/*
 * stoic runtime: 2-D convolution, int8, groups 1, packed row pairs: any
 * kernel size, stride and padding, dilation 1 (a wide convolution such as
 * 3x3 over several input channels).
 *
 *   acc[oh][ow][o] = bias[o] + sum_{kh,kw,c} x[oh*sh + kh - pad_top][ow*sw + kw - pad_left][c] * w[o][kh][kw][c]
 *   out = clamp(RDBPOT(SRDHM(acc, m[o]), e[o]) + zp_out, act_min, act_max)
 * (stoic_conv2d_s8's arithmetic, groups 1; a tap outside the input stands
 * for zp_in). The input zero point is folded into the bias, so a padded
 * tap holds zp_in itself.
 *
 * The padded input, as far as the output reads it (img_h x img_w pixels),
 * is first written to the scratch as packed int16 pairs of channels:
 * pixel (r, c) holds cw = ceil(in_c / 2) words (channels 2k, 2k + 1; the
 * lane of a missing last channel is 0 and its weight 0). The taps of one
 * kernel row of an output pixel are then k_w * cw consecutive words, so
 * an output pixel is a dense row read in k_h segments, and the weights are
 * those of stoic_dense_s8_pk over the k_h * k_w * cw words of a patch, in
 * (kh, kw, channel pair) order: two output rows share each lane
 * (256 w[r+1] + w[r]), one SXTB16 and two SMLAD per four
 * multiply-accumulates, four rows per pass. The generator proves the
 * same bounds as for stoic_dense_s8_pk (stoic lower.c), else it uses
 * stoic_conv2d_s8.
 */
#ifndef STOIC_CONV2D_S8_PK_H
#define STOIC_CONV2D_S8_PK_H

#include "stoic_rt.h"
#include "stoic_inline.h"
#include "stoic_dsp.h"

static inline int8_t cpk8_act8(int32_t y, int32_t lo, int32_t hi)
{
    int32_t v = (y < lo) ? lo : y;
    return (int8_t)((v > hi) ? hi : v);
}

/* the padded input as channel pairs (see above) */
static void cpk8_image(const stoic_conv2d_pk_params *p, const int8_t *in, int32_t *img)
{
    int32_t r;
    int32_t cx;
    int32_t k;
    int32_t ih;
    int32_t iw;
    int32_t zz;
    const int8_t *src;
    int32_t *dst;
    /* the parameters in locals: the stores below may alias them */
    const int32_t in_h = p->in_h;
    const int32_t in_w = p->in_w;
    const int32_t in_c = p->in_c;
    const int32_t cw = p->cw;
    const int32_t half = p->in_c / 2;
    const int32_t img_h = p->img_h;
    const int32_t img_w = p->img_w;
    const int32_t pad_top = p->pad_top;
    const int32_t pad_left = p->pad_left;

    zz = stoic_dsp_opaque(stoic_dsp_pack(p->zp_in, p->zp_in));
    dst = img;
    for (r = 0; r < img_h; r++) {
        ih = r - pad_top;
        for (cx = 0; cx < img_w; cx++) {
            iw = cx - pad_left;
            if ((ih >= 0) && (ih < in_h) && (iw >= 0) && (iw < in_w)) {
                src = &in[((ih * in_w) + iw) * in_c];
                for (k = 0; k < half; k++) {
                    dst[k] = stoic_dsp_pack((int32_t)src[2 * k], (int32_t)src[(2 * k) + 1]);
                }
                if (half < cw) {
                    dst[half] = stoic_dsp_pack((int32_t)src[2 * half], 0);
                }
            } else {
                for (k = 0; k < cw; k++) {
                    dst[k] = zz;
                }
            }
            dst = &dst[cw];
        }
    }
}

STOIC_INLINE void stoic_conv2d_s8_pk_inl(const stoic_conv2d_pk_params *p, const int8_t *in,
                                         const int32_t *w, const int32_t *consts, int8_t *out,
                                         int32_t *scratch)
{
    int32_t oh;
    int32_t ow;
    int32_t kh;
    int32_t j;
    int32_t q;
    int32_t seg;      /* words of one kernel row of a patch */
    int32_t seg8;
    int32_t seg4;
    int32_t segr;
    int32_t rowst;    /* words per image row */
    int32_t n_quads;
    int32_t n_pairs;
    int32_t odd_last;
    int32_t k1;
    int32_t clamp;
    const int32_t *xb;
    const int32_t *xp;
    const int32_t *wp;
    const int32_t *bp;
    const int32_t *mp;
    int32_t rw;       /* words of the bias records read */
    int32_t qs4;
    int32_t qs2;
    int8_t *op;
    int32_t a0;
    int32_t c0;
    int32_t a1;
    int32_t c1;
    int32_t x0;
    int32_t y0;
    int32_t y1;
    int32_t y2;
    int32_t y3;

    seg = p->k_w * p->cw;
    seg8 = seg / 8;
    seg4 = (seg % 8) / 4;
    segr = seg % 4;
    rowst = p->img_w * p->cw;
    n_quads = p->out_c / 4;
    n_pairs = ((p->out_c % 4) + 1) / 2;
    odd_last = p->out_c % 2;
    k1 = p->c1;
    clamp = p->clamp;
    qs4 = p->qm_step;
    qs2 = p->qm_step / 2;
    cpk8_image(p, in, scratch);
    for (oh = 0; oh < p->out_h; oh++) {
        for (ow = 0; ow < p->out_w; ow++) {
            xb = &scratch[(oh * p->stride_h * rowst) + (ow * p->stride_w * p->cw)];
            op = &out[((oh * p->out_w) + ow) * p->out_c];
            wp = w;
            bp = consts;
            mp = p->qm;
            for (q = 0; q < n_quads; q++) {
                rw = stoic_bias_rec(bp, p->b16, &a0, &c0);
                rw += stoic_bias_rec(&bp[rw], p->b16, &a1, &c1);
                for (kh = 0; kh < p->k_h; kh++) {
                    xp = &xb[kh * rowst];
                    for (j = seg8; j > 0; j--) {
                        /* eight words: the four-word step twice, one loop test */
                        stoic_dsp_pk_quad4(xp, wp, &a0, &c0, &a1, &c1);
                        stoic_dsp_pk_quad4(&xp[4], &wp[8], &a0, &c0, &a1, &c1);
                        xp = &xp[8];
                        wp = &wp[16];
                    }
                    for (j = seg4; j > 0; j--) {
                        stoic_dsp_pk_quad4(xp, wp, &a0, &c0, &a1, &c1);
                        xp = &xp[4];
                        wp = &wp[8];
                    }
                    for (j = 0; j < segr; j++) {
                        x0 = xp[j];
                        stoic_dsp_pk_mac8(x0, wp[0], &a0, &c0);
                        stoic_dsp_pk_mac8(x0, wp[1], &a1, &c1);
                        wp = &wp[2];
                    }
                }
                y0 = stoic_dsp_rq8a(a0, mp[0], stoic_dsp_qm_e(mp[0]), k1);
                y1 = stoic_dsp_rq8(stoic_dsp_floor_shr(c0 - a0, 7U), mp[1], stoic_dsp_qm_e(mp[1]), k1);
                y2 = stoic_dsp_rq8a(a1, mp[2], stoic_dsp_qm_e(mp[2]), k1);
                y3 = stoic_dsp_rq8(stoic_dsp_floor_shr(c1 - a1, 7U), mp[3], stoic_dsp_qm_e(mp[3]),
                                   k1);
                if (clamp != 0) {
                    y0 = cpk8_act8(y0, p->act_min, p->act_max);
                    y1 = cpk8_act8(y1, p->act_min, p->act_max);
                    y2 = cpk8_act8(y2, p->act_min, p->act_max);
                    y3 = cpk8_act8(y3, p->act_min, p->act_max);
                }
                op[0] = (int8_t)y0;
                op[1] = (int8_t)y1;
                op[2] = (int8_t)y2;
                op[3] = (int8_t)y3;
                op = &op[4];
                bp = &bp[rw];
                mp = &mp[qs4];
            }
            for (q = 0; q < n_pairs; q++) {
                rw = stoic_bias_rec(bp, p->b16, &a0, &c0);
                for (kh = 0; kh < p->k_h; kh++) {
                    xp = &xb[kh * rowst];
                    for (j = 0; j < seg; j++) {
                        stoic_dsp_pk_mac8(xp[j], wp[j], &a0, &c0);
                    }
                    wp = &wp[seg];
                }
                y0 = stoic_dsp_rq8a(a0, mp[0], stoic_dsp_qm_e(mp[0]), k1);
                y1 = stoic_dsp_rq8(stoic_dsp_floor_shr(c0 - a0, 7U), mp[1], stoic_dsp_qm_e(mp[1]), k1);
                if (clamp != 0) {
                    y0 = cpk8_act8(y0, p->act_min, p->act_max);
                    y1 = cpk8_act8(y1, p->act_min, p->act_max);
                }
                op[0] = (int8_t)y0;
                if (((q + 1) < n_pairs) || (odd_last == 0)) {
                    op[1] = (int8_t)y1;
                }
                op = &op[2];
                bp = &bp[rw];
                mp = &mp[qs2];
            }
        }
    }
}

#endif

/*
 * stoic runtime: 2-D convolution, 16x8 (int16 activations, int8 weights),
 * groups 1, packed row pairs: any kernel size, stride and padding,
 * dilation 1. stoic_conv2d_s8_pk.c's layout with stoic_dense_s16_pk.c's
 * arithmetic:
 *
 *   acc[oh][ow][o] = bias[o] + sum_{kh,kw,c} x[oh*sh + kh - pad_top][ow*sw + kw - pad_left][c] * w[o][kh][kw][c]
 *   out = clamp(sat32(floor((acc m[o] 2^shift[o] + 2^30) / 2^31)), act_min, act_max)
 * (stoic_conv2d_s16's arithmetic, groups 1, zero points 0: a padded tap
 * is 0). The shared accumulator of a row pair is 64-bit (SMLALD), the low
 * row's 32-bit (the generator proves |bias| + 32768 sum |w| < 2^30); the
 * records of consts hold (bias[r], bias[r+1]) per row pair.
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
 * multiply-accumulates, four rows per pass. Otherwise the generator uses
 * stoic_conv2d_s16.
 */
#ifndef STOIC_CONV2D_S16_PK_H
#define STOIC_CONV2D_S16_PK_H

#include "stoic_rt.h"
#include "stoic_inline.h"
#include "stoic_dsp.h"

static inline int16_t cpk16_act16(int32_t y, int32_t clamp, int32_t lo, int32_t hi)
{
    int32_t v = y;
    if (clamp != 0) {
        v = (v < lo) ? lo : v;
        v = (v > hi) ? hi : v;
    }
    return (int16_t)v;
}

static inline void cpk16_pk_mac(int32_t x, int32_t w, int32_t *a, int64_t *c)
{
    *c = stoic_dsp_smlald(x, w, *c);
    *a = stoic_dsp_smlad(x, stoic_dsp_sxtb16(w), *a);
}

/* 2 acc[r+1] = (C - A) / 128, exact (stoic_dense_s16_pk.c) */
static inline int32_t cpk16_upper2(int64_t c, int32_t a)
{
    uint64_t d = (uint64_t)c - (uint64_t)a;
    return stoic_dsp_s32((uint32_t)(d >> 7U));
}

/* the padded input as channel pairs (see above) */
static void cpk16_image(const stoic_conv2d_pk_params *p, const int16_t *in, int32_t *img)
{
    int32_t r;
    int32_t cx;
    int32_t k;
    int32_t ih;
    int32_t iw;
    int32_t zz;
    const int16_t *src;
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

STOIC_INLINE void stoic_conv2d_s16_pk_inl(const stoic_conv2d_pk_params *p, const int16_t *in,
                                          const int32_t *w, const int32_t *consts, int16_t *out,
                                          int32_t *scratch)
{
    int32_t oh;
    int32_t ow;
    int32_t kh;
    int32_t j;
    int32_t q;
    int32_t seg;      /* words of one kernel row of a patch */
    int32_t seg4;
    int32_t segr;
    int32_t rowst;    /* words per image row */
    int32_t n_quads;
    int32_t n_pairs;
    int32_t odd_last;
    int32_t clamp;
    const int32_t *xb;
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

    seg = p->k_w * p->cw;
    seg4 = seg / 4;
    segr = seg % 4;
    rowst = p->img_w * p->cw;
    n_quads = p->out_c / 4;
    n_pairs = ((p->out_c % 4) + 1) / 2;
    odd_last = p->out_c % 2;
    clamp = p->clamp;
    qs4 = p->qm_step;
    qs2 = p->qm_step / 2;
    cpk16_image(p, in, scratch);
    for (oh = 0; oh < p->out_h; oh++) {
        for (ow = 0; ow < p->out_w; ow++) {
            xb = &scratch[(oh * p->stride_h * rowst) + (ow * p->stride_w * p->cw)];
            op = &out[((oh * p->out_w) + ow) * p->out_c];
            wp = w;
            bp = consts;
            mp = p->qm;
            for (q = 0; q < n_quads; q++) {
                a0 = bp[0];
                c0 = (int64_t)bp[0] + ((int64_t)bp[1] * 256);
                a1 = bp[2];
                c1 = (int64_t)bp[2] + ((int64_t)bp[3] * 256);
                for (kh = 0; kh < p->k_h; kh++) {
                    xp = &xb[kh * rowst];
                    for (j = seg4; j > 0; j--) {
                        x0 = xp[0];
                        x1 = xp[1];
                        cpk16_pk_mac(x0, wp[0], &a0, &c0);
                        cpk16_pk_mac(x0, wp[1], &a1, &c1);
                        cpk16_pk_mac(x1, wp[2], &a0, &c0);
                        cpk16_pk_mac(x1, wp[3], &a1, &c1);
                        x0 = xp[2];
                        x1 = xp[3];
                        cpk16_pk_mac(x0, wp[4], &a0, &c0);
                        cpk16_pk_mac(x0, wp[5], &a1, &c1);
                        cpk16_pk_mac(x1, wp[6], &a0, &c0);
                        cpk16_pk_mac(x1, wp[7], &a1, &c1);
                        xp = &xp[4];
                        wp = &wp[8];
                    }
                    for (j = 0; j < segr; j++) {
                        x0 = xp[j];
                        cpk16_pk_mac(x0, wp[0], &a0, &c0);
                        cpk16_pk_mac(x0, wp[1], &a1, &c1);
                        wp = &wp[2];
                    }
                }
                y0 = stoic_dsp_rq16(a0 * 2, mp[0], stoic_dsp_qm_e(mp[0]));
                y1 = stoic_dsp_rq16(cpk16_upper2(c0, a0), mp[1], stoic_dsp_qm_e(mp[1]));
                y2 = stoic_dsp_rq16(a1 * 2, mp[2], stoic_dsp_qm_e(mp[2]));
                y3 = stoic_dsp_rq16(cpk16_upper2(c1, a1), mp[3], stoic_dsp_qm_e(mp[3]));
                op[0] = cpk16_act16(y0, clamp, p->act_min, p->act_max);
                op[1] = cpk16_act16(y1, clamp, p->act_min, p->act_max);
                op[2] = cpk16_act16(y2, clamp, p->act_min, p->act_max);
                op[3] = cpk16_act16(y3, clamp, p->act_min, p->act_max);
                op = &op[4];
                bp = &bp[4];
                mp = &mp[qs4];
            }
            for (q = 0; q < n_pairs; q++) {
                a0 = bp[0];
                c0 = (int64_t)bp[0] + ((int64_t)bp[1] * 256);
                for (kh = 0; kh < p->k_h; kh++) {
                    xp = &xb[kh * rowst];
                    for (j = 0; j < seg; j++) {
                        cpk16_pk_mac(xp[j], wp[j], &a0, &c0);
                    }
                    wp = &wp[seg];
                }
                y0 = stoic_dsp_rq16(a0 * 2, mp[0], stoic_dsp_qm_e(mp[0]));
                y1 = stoic_dsp_rq16(cpk16_upper2(c0, a0), mp[1], stoic_dsp_qm_e(mp[1]));
                op[0] = cpk16_act16(y0, clamp, p->act_min, p->act_max);
                if (((q + 1) < n_pairs) || (odd_last == 0)) {
                    op[1] = cpk16_act16(y1, clamp, p->act_min, p->act_max);
                }
                op = &op[2];
                bp = &bp[2];
                mp = &mp[qs2];
            }
        }
    }
}

#endif

/*
 * stoic runtime: dense (fully connected) layer, int8, packed row pairs.
 * Also a 1x1 convolution with stride 1 and no padding (rows = pixels).
 *
 *   acc[r][o] = bias[o] + sum_i in[r][i] * w[o][i]             (int32)
 *   out[r][o] = clamp(RDBPOT(SRDHM(acc, m[o]), e[o]) + zp_out, act_min, act_max)
 *
 * The input zero point is folded into the bias at generation time
 * (bias[o] = b[o] - zp_in * sum_i w[o][i]), so the sum runs over the raw
 * int8 inputs. Each input row is first sign-extended into packed words of
 * two int16 lanes, (in[2j], in[2j+1]), in the scratch buffer.
 *
 * Weights come from the generator in the order the loop reads them. Two
 * output rows r, r+1 share a word: its lane k holds 256 * w[r+1][i] + w[r][i]
 * (|value| <= 32639, an int16) for the inputs i = 2j, 2j+1. Then
 *   C += SMLAD(x, W)          = sum x * (256 w[r+1] + w[r]),
 *   A += SMLAD(x, SXTB16(W))  = sum x * w[r]
 * (the low byte of each lane, sign-extended, is w[r]): one word, one
 * SXTB16 and two SMLAD are four multiply-accumulates, and
 *   acc[r] = A,  acc[r+1] = (C - A) / 256   (exact: C - A = 256 sum x w[r+1]).
 * A starts at bias[r], C at bias[r] + 256 bias[r+1]. These come as one
 * record of consts per pass, the packed multipliers and shifts as words
 * of qm (stoic_rt.h): a pass walks three pointers, the weights, the
 * records and qm (which stands still for a per-tensor scale).
 * The generator proves per layer that no partial C leaves int32
 * (|bias[r]| + sum |x w[r]| + 256 (|bias[r+1]| + sum |x w[r+1]|) < 2^31) and
 * that |acc| < 2^30; otherwise it uses stoic_dense_s8.
 *
 * Loop: four output rows (two pairs) per pass, each input word loaded once
 * for both; a remaining pair (out_n mod 4 >= 2, or an odd last row paired
 * with a zero row, not stored) in a last pass. Weight words of a pass:
 * for each input word j, the word of the first pair then of the second.
 *
 * The output stage is stoic_dsp_rq (stoic_dsp.h): one rounding, no
 * branch. Every loop bound comes from the parameter struct.
 */
#ifndef STOIC_DENSE_S8_PK_H
#define STOIC_DENSE_S8_PK_H

#include "stoic_rt.h"
#include "stoic_inline.h"
#include "stoic_dsp.h"

/* the activation's clamp, when narrower than [-128, 127] */
static inline int8_t dpk8_act8(int32_t y, int32_t lo, int32_t hi)
{
    int32_t v = (y < lo) ? lo : y;
    return (int8_t)((v > hi) ? hi : v);
}

STOIC_INLINE void stoic_dense_s8_pk_inl(const stoic_dense_s8_pk_params *p, const int8_t *in,
                                        const int32_t *w, const int32_t *consts, int8_t *out,
                                        int32_t *scratch)
{
    int32_t r;
    int32_t i;
    int32_t j;
    int32_t q;
    int32_t n_w;
    int32_t n_w8;
    int32_t n_w4;
    int32_t n_wr;
    int32_t half;
    int32_t n_quads;
    int32_t n_pairs;
    int32_t odd_last;
    const int8_t *x8;
    const int32_t *xp;
    const int32_t *wp;
    const int32_t *bp;
    const int32_t *mp;
    int32_t qs4;
    int32_t qs2;
    int8_t *op;
    int32_t a0;
    int32_t c0;
    int32_t a1;
    int32_t c1;
    int32_t x;
    int32_t y0;
    int32_t y1;
    int32_t y2;
    int32_t y3;
    int32_t k1;
    int32_t clamp;

    n_w = p->in_words;
    n_w8 = n_w / 8;
    n_w4 = (n_w % 8) / 4;
    n_wr = n_w % 4;
    half = p->in_n / 2;
    n_quads = p->out_n / 4;
    n_pairs = ((p->out_n % 4) + 1) / 2;
    odd_last = p->out_n % 2;
    k1 = p->c1;
    clamp = p->clamp;
    qs4 = p->qm_step;
    qs2 = p->qm_step / 2;
    for (r = 0; r < p->rows; r++) {
        x8 = &in[r * p->in_n];
        op = &out[r * p->out_n];
        /* the input row as packed int16 pairs */
        for (i = 0; i < half; i++) {
            scratch[i] = stoic_dsp_pack((int32_t)x8[2 * i], (int32_t)x8[(2 * i) + 1]);
        }
        if (half < n_w) {
            scratch[half] = stoic_dsp_pack((int32_t)x8[2 * half], 0);
        }
        wp = w;
        bp = consts;
        mp = p->qm;
        for (q = 0; q < n_quads; q++) {
            a0 = bp[0];
            c0 = bp[1];
            a1 = bp[2];
            c1 = bp[3];
            xp = scratch;
            for (j = n_w8; j > 0; j--) {
                /* eight words: the four-word step twice, one loop test */
                stoic_dsp_pk_quad4(xp, wp, &a0, &c0, &a1, &c1);
                stoic_dsp_pk_quad4(&xp[4], &wp[8], &a0, &c0, &a1, &c1);
                xp = &xp[8];
                wp = &wp[16];
            }
            for (j = n_w4; j > 0; j--) {
                stoic_dsp_pk_quad4(xp, wp, &a0, &c0, &a1, &c1);
                xp = &xp[4];
                wp = &wp[8];
            }
            for (j = 0; j < n_wr; j++) {
                x = xp[j];
                stoic_dsp_pk_mac8(x, wp[0], &a0, &c0);
                stoic_dsp_pk_mac8(x, wp[1], &a1, &c1);
                wp = &wp[2];
            }
            y0 = stoic_dsp_rq8a(a0, mp[0], stoic_dsp_qm_e(mp[0]), k1);
            y1 = stoic_dsp_rq8(stoic_dsp_floor_shr(c0 - a0, 7U), mp[1],
                               stoic_dsp_qm_e(mp[1]), k1);
            y2 = stoic_dsp_rq8a(a1, mp[2], stoic_dsp_qm_e(mp[2]), k1);
            y3 = stoic_dsp_rq8(stoic_dsp_floor_shr(c1 - a1, 7U), mp[3],
                               stoic_dsp_qm_e(mp[3]), k1);
            if (clamp != 0) {
                y0 = dpk8_act8(y0, p->act_min, p->act_max);
                y1 = dpk8_act8(y1, p->act_min, p->act_max);
                y2 = dpk8_act8(y2, p->act_min, p->act_max);
                y3 = dpk8_act8(y3, p->act_min, p->act_max);
            }
            op[0] = (int8_t)y0;
            op[1] = (int8_t)y1;
            op[2] = (int8_t)y2;
            op[3] = (int8_t)y3;
            op = &op[4];
            bp = &bp[4];
            mp = &mp[qs4];
        }
        for (q = 0; q < n_pairs; q++) {
            a0 = bp[0];
            c0 = bp[1];
            xp = scratch;
            for (j = 0; j < n_w; j++) {
                stoic_dsp_pk_mac8(xp[j], wp[j], &a0, &c0);
            }
            wp = &wp[n_w];
            y0 = stoic_dsp_rq8a(a0, mp[0], stoic_dsp_qm_e(mp[0]), k1);
            y1 = stoic_dsp_rq8(stoic_dsp_floor_shr(c0 - a0, 7U), mp[1],
                               stoic_dsp_qm_e(mp[1]), k1);
            if (clamp != 0) {
                y0 = dpk8_act8(y0, p->act_min, p->act_max);
                y1 = dpk8_act8(y1, p->act_min, p->act_max);
            }
            op[0] = (int8_t)y0;
            if (((q + 1) < n_pairs) || (odd_last == 0)) {
                op[1] = (int8_t)y1;
            }
            op = &op[2];
            bp = &bp[2];
            mp = &mp[qs2];
        }
    }
}

#endif

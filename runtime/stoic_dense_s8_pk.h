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
 * Input rows (pixels of a 1x1 convolution) go two at a time while two are
 * left: both packed into the scratch, then per pair of output rows each
 * weight word and its SXTB16 serve both input rows (8 multiply-accumulates
 * from one weight load and one SXTB16, where one input row needs two
 * weight words for them), reading the same weight words a pass of four
 * reads (the first pair's at even offsets, the second's at odd ones);
 * an odd last input row goes the one-row way. The two-row passes unroll
 * four words a step.
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

/* an input row as packed int16 pairs: half pairs, and (x, 0) for an odd last value */
STOIC_INLINE void dpk8_pack(const int8_t *x8, int32_t half, int32_t n_w, int32_t *xs)
{
    int32_t i;
    int32_t v;
    int32_t e;
    int32_t o;

    /* four values a word: SXTB16 of it and of it rotated, then the pairs */
    for (i = 0; i < (half / 2); i++) {
        v = stoic_dsp_word8(&x8[4 * i]);
        e = stoic_dsp_sxtb16(v);
        o = stoic_dsp_sxtb16_ror8(v);
        xs[2 * i] = stoic_dsp_pklo(e, o);
        xs[(2 * i) + 1] = stoic_dsp_pkhi(e, o);
    }
    if ((half % 2) != 0) {
        xs[half - 1] = stoic_dsp_pack((int32_t)x8[2 * (half - 1)], (int32_t)x8[(2 * half) - 1]);
    }
    if (half < n_w) {
        xs[half] = stoic_dsp_pack((int32_t)x8[2 * half], 0);
    }
}

/* one weight word w against the words x0, x1, x2 of three input rows:
 * a and c of each row (C += SMLAD(x, w), A += SMLAD(x, SXTB16(w))) */
static inline void dpk8_w3(int32_t x0, int32_t x1, int32_t x2, int32_t w, int32_t *a0,
                           int32_t *c0, int32_t *a1, int32_t *c1, int32_t *a2, int32_t *c2)
{
    int32_t s = stoic_dsp_sxtb16(w);

    *c0 = stoic_dsp_smlad(x0, w, *c0);
    *c1 = stoic_dsp_smlad(x1, w, *c1);
    *c2 = stoic_dsp_smlad(x2, w, *c2);
    *a0 = stoic_dsp_smlad(x0, s, *a0);
    *a1 = stoic_dsp_smlad(x1, s, *a1);
    *a2 = stoic_dsp_smlad(x2, s, *a2);
}

/* the output stage of one pair of output rows for one input row (a, c):
 * op[0] and op[1] (stored when st1 != 0) */
STOIC_INLINE void dpk8_out2(const stoic_dense_s8_pk_params *p, int32_t a, int32_t c, int32_t m0,
                            int32_t m1, int8_t *op, int32_t st1)
{
    int32_t k1 = p->c1;
    int32_t y0;
    int32_t y1;

    y0 = stoic_dsp_rq8a(a, m0, stoic_dsp_qm_e(m0), k1);
    y1 = stoic_dsp_rq8(stoic_dsp_floor_shr(c - a, 7U), m1, stoic_dsp_qm_e(m1), k1);
    if (p->clamp != 0) {
        y0 = (int32_t)dpk8_act8(y0, p->act_min, p->act_max);
        y1 = (int32_t)dpk8_act8(y1, p->act_min, p->act_max);
    }
    op[0] = (int8_t)y0;
    if (st1 != 0) {
        op[1] = (int8_t)y1;
    }
}

/* One pair of output rows (weight word j at wp[j * ws], bias words bp[0 ..
 * 1], qm words mp[0 .. 1]) for a block of nr (2 or 3) packed input rows,
 * row k at xs[k n_w .. (k + 1) n_w - 1]: outputs op[k out_n], op[k out_n
 * + 1] of input row k, the second row of the pair stored when st1 != 0. */
STOIC_INLINE void dpk8_rows(const stoic_dense_s8_pk_params *p, int32_t nr, const int32_t *xs,
                            const int32_t *wp, int32_t ws, const int32_t *bp, const int32_t *mp,
                            int8_t *op, int32_t st1)
{
    int32_t j;
    int32_t n_w = p->in_words;
    int32_t on = p->out_n;
    const int32_t *x0 = xs;
    const int32_t *wq = wp;
    int32_t a0;
    int32_t c0;
    int32_t a1;
    int32_t c1;
    int32_t a2;
    int32_t c2;

    (void)stoic_bias_rec(bp, p->b16, &a0, &c0);
    a1 = a0;
    c1 = c0;
    a2 = a0;
    c2 = c0;

    if (nr == 3) {
        for (j = n_w / 4; j > 0; j--) {
            dpk8_w3(x0[0], x0[n_w], x0[2 * n_w], wq[0], &a0, &c0, &a1, &c1, &a2, &c2);
            dpk8_w3(x0[1], x0[n_w + 1], x0[(2 * n_w) + 1], wq[ws], &a0, &c0, &a1, &c1, &a2,
                    &c2);
            dpk8_w3(x0[2], x0[n_w + 2], x0[(2 * n_w) + 2], wq[2 * ws], &a0, &c0, &a1, &c1, &a2,
                    &c2);
            dpk8_w3(x0[3], x0[n_w + 3], x0[(2 * n_w) + 3], wq[3 * ws], &a0, &c0, &a1, &c1, &a2,
                    &c2);
            x0 = &x0[4];
            wq = &wq[4 * ws];
        }
        for (j = 0; j < (n_w % 4); j++) {
            dpk8_w3(x0[j], x0[n_w + j], x0[(2 * n_w) + j], wq[j * ws], &a0, &c0, &a1, &c1, &a2,
                    &c2);
        }
        dpk8_out2(p, a2, c2, mp[0], mp[1], &op[2 * on], st1);
    } else {
        for (j = n_w / 4; j > 0; j--) {
            stoic_dsp_pk_mac8(x0[0], wq[0], &a0, &c0);
            stoic_dsp_pk_mac8(x0[n_w], wq[0], &a1, &c1);
            stoic_dsp_pk_mac8(x0[1], wq[ws], &a0, &c0);
            stoic_dsp_pk_mac8(x0[n_w + 1], wq[ws], &a1, &c1);
            stoic_dsp_pk_mac8(x0[2], wq[2 * ws], &a0, &c0);
            stoic_dsp_pk_mac8(x0[n_w + 2], wq[2 * ws], &a1, &c1);
            stoic_dsp_pk_mac8(x0[3], wq[3 * ws], &a0, &c0);
            stoic_dsp_pk_mac8(x0[n_w + 3], wq[3 * ws], &a1, &c1);
            x0 = &x0[4];
            wq = &wq[4 * ws];
        }
        for (j = 0; j < (n_w % 4); j++) {
            stoic_dsp_pk_mac8(x0[j], wq[j * ws], &a0, &c0);
            stoic_dsp_pk_mac8(x0[n_w + j], wq[j * ws], &a1, &c1);
        }
    }
    dpk8_out2(p, a0, c0, mp[0], mp[1], op, st1);
    dpk8_out2(p, a1, c1, mp[0], mp[1], &op[on], st1);
}

/* Every output row for a block of nr (2 or 3) input rows packed in xs:
 * the pairs of each pass of four (weight words at even offsets for the
 * first pair, odd for the second), then the last pairs; outputs from out,
 * out_n a row. */
STOIC_INLINE void dpk8_block(const stoic_dense_s8_pk_params *p, const int32_t *w,
                             const int32_t *consts, const int32_t *xs, int8_t *out, int32_t nr)
{
    int32_t q;
    int32_t st1;
    int32_t n_w = p->in_words;
    int32_t n_quads = p->out_n / 4;
    int32_t n_pairs = ((p->out_n % 4) + 1) / 2;
    int32_t odd_last = p->out_n % 2;
    const int32_t *wp = w;
    const int32_t *bp = consts;
    const int32_t *mp = p->qm;
    int8_t *op = out;
    int32_t rw = stoic_bias_rec_words(p->b16);

    for (q = 0; q < n_quads; q++) {
        dpk8_rows(p, nr, xs, wp, 2, bp, mp, op, 1);
        dpk8_rows(p, nr, xs, &wp[1], 2, &bp[rw], &mp[2], &op[2], 1);
        wp = &wp[2 * n_w];
        bp = &bp[2 * rw];
        mp = &mp[p->qm_step];
        op = &op[4];
    }
    for (q = 0; q < n_pairs; q++) {
        st1 = 1;
        if (((q + 1) == n_pairs) && (odd_last != 0)) {
            st1 = 0;   /* the zero row paired with an odd last row */
        }
        dpk8_rows(p, nr, xs, wp, 1, bp, mp, op, st1);
        wp = &wp[n_w];
        bp = &bp[rw];
        mp = &mp[p->qm_step / 2];
        op = &op[2];
    }
}

STOIC_INLINE void stoic_dense_s8_pk_inl(const stoic_dense_s8_pk_params *p, const int8_t *in,
                                        const int32_t *w, const int32_t *consts, int8_t *out,
                                        int32_t *scratch)
{
    int32_t r;
    int32_t n_r3;     /* passes of three input rows */
    int32_t n_rp;     /* passes of two input rows (0 or 1) */
    int32_t k;
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
    int32_t rw;       /* words of a bias record */
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
    rw = stoic_bias_rec_words(p->b16);
    /* three input rows a pass while three are left, then two when two are */
    n_r3 = p->rows / 3;
    for (r = 0; r < n_r3; r++) {
        x8 = &in[3 * r * p->in_n];
        for (k = 0; k < 3; k++) {
            dpk8_pack(&x8[k * p->in_n], half, n_w, &scratch[k * n_w]);
        }
        dpk8_block(p, w, consts, scratch, &out[3 * r * p->out_n], 3);
    }
    n_rp = (p->rows % 3) / 2;
    for (r = 0; r < n_rp; r++) {
        x8 = &in[3 * n_r3 * p->in_n];
        dpk8_pack(x8, half, n_w, scratch);
        dpk8_pack(&x8[p->in_n], half, n_w, &scratch[n_w]);
        dpk8_block(p, w, consts, scratch, &out[3 * n_r3 * p->out_n], 2);
    }
    /* a last input row (or the only one) */
    for (r = (3 * n_r3) + (2 * n_rp); r < p->rows; r++) {
        x8 = &in[r * p->in_n];
        op = &out[r * p->out_n];
        /* the input row as packed int16 pairs */
        dpk8_pack(x8, half, n_w, scratch);
        wp = w;
        bp = consts;
        mp = p->qm;
        for (q = 0; q < n_quads; q++) {
            /* the int32 records read as four words, as before int16
             * biases: through stoic_bias_rec, gcc 12 allocates the
             * registers of the loop below differently (M4: one more
             * instruction a pass of four outputs, mlp int8 +127) */
            if (rw == 2) {
                a0 = bp[0];
                c0 = bp[1];
                a1 = bp[2];
                c1 = bp[3];
            } else {
                stoic_bias_rec16(bp, p->b16, &a0, &c0);
                stoic_bias_rec16(&bp[1], p->b16, &a1, &c1);
            }
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
            bp = &bp[2 * rw];
            mp = &mp[qs4];
        }
        for (q = 0; q < n_pairs; q++) {
            (void)stoic_bias_rec(bp, p->b16, &a0, &c0);
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
            bp = &bp[rw];
            mp = &mp[qs2];
        }
    }
}

#endif

/*
 * stoic runtime: global average pooling, int8: [hw][c] -> [c].
 *
 * What stoic_avgpool2d_s8 computes for a window that is the whole input
 * (k_h = in_h, k_w = in_w, out 1 x 1, no pads, count_include_pad 1), bit
 * for bit, the variant the generator chooses for global_avg_pool:
 *   acc[k] = sum over j of (in[j][k] + input_offset)                 (int32)
 *          = sum over j of in[j][k] + hw * input_offset  (the same integer)
 *   out[k] = stoic_requant_s8(acc[k], qmul[0], output_offset, act_min, act_max)
 * with hw = in_h * in_w. Four channels per pass over the input (one word
 * of them per pixel, their sums in two packed words of int16 lanes:
 * gap8_sum4), the channels beyond a multiple of 4 one at a time. The
 * generator guarantees |acc| < 2^31 (its overflow bound). The same
 * instructions for every input.
 */
#ifndef STOIC_GAVGPOOL_S8_H
#define STOIC_GAVGPOOL_S8_H

#include "stoic_rt.h"
#include "stoic_inline.h"
#include "stoic_bits.h"
#include "stoic_dsp.h"

/* ---- the output stage -------------------------------------------------------
 * out = clamp(stoic_requantize(acc, m, shift) + output_offset, act_min,
 * act_max), bit for bit, in the fewest instructions the multiplier and the
 * window allow (chosen once per call from the parameters, never from data;
 * small: hw < 2^16, so |acc| <= hw 2^8 < 2^24):
 *  - shift -1 .. -22 (e = -shift), small: stoic_dsp_rq8a (stoic_dsp.h), one
 *    SMLAL and SSAT; its preconditions hold: |c1| 2^(e-1) + |acc| + 2 <
 *    2^31 with c1 = 2 output_offset + 1, |c1| <= 257;
 *  - shift 0, small: RDBPOT(x, 0) = x and SRDHM(acc, m) = floor((2 acc m +
 *    2^31) / 2^32), the high word of one SMLAL, then output_offset, SSAT;
 *  - otherwise stoic_requantize. */
typedef struct {
    int32_t rq;        /* 1: stoic_dsp_rq8a; 2: shift 0; 0: stoic_requantize */
    int32_t m;
    int32_t shift;
    uint32_t e1;       /* -shift - 1 */
    int32_t c1;        /* 2 output_offset + 1 */
    int32_t zp;
    int32_t lo;        /* act_min, act_max */
    int32_t hi;
    int32_t clamp;     /* 1: [act_min, act_max] is narrower than [-128, 127] */
} gap8_stage;

static void gap8_stage_of(gap8_stage *s, const stoic_qmul *q, int32_t small_acc, int32_t zp,
                          int32_t lo, int32_t hi)
{
    s->m = q->m;
    s->shift = q->shift;
    s->e1 = ((0U - (uint32_t)q->shift) - 1U) & 31U;
    s->c1 = (2 * zp) + 1;
    s->zp = zp;
    s->lo = lo;
    s->hi = hi;
    s->rq = 0;
    if ((small_acc != 0) && (q->shift <= -1) && (q->shift >= -22)) {
        s->rq = 1;
    }
    if ((small_acc != 0) && (q->shift == 0)) {
        s->rq = 2;
    }
    s->clamp = 0;
    if ((lo > -128) || (hi < 127)) {
        s->clamp = 1;
    }
}

/* the activation's clamp when narrower than [-128, 127] (y already in it) */
static inline int32_t gap8_act(const gap8_stage *s, int32_t y)
{
    int32_t v = y;
    if (s->clamp != 0) {
        v = v + ((s->lo - v) * stoic_lt_s32(v, s->lo));
        v = v + ((s->hi - v) * stoic_lt_s32(s->hi, v));
    }
    return v;
}

/* s->rq 1 or 2: the output stage inline, one SMLAL and SSAT */
static inline int32_t gap8_stage_fast(const gap8_stage *s, int32_t acc)
{
    int32_t y;

    if (s->rq == 1) {
        y = stoic_dsp_rq8a(acc, s->m, s->e1, s->c1);
    } else {
        y = stoic_dsp_sat8(stoic_dsp_srdhm(acc, s->m) + s->zp);
    }
    return gap8_act(s, y);
}

static int32_t gap8_stage_apply(const gap8_stage *s, int32_t acc)
{
    int32_t y;
    int64_t z;

    if (s->rq != 0) {
        y = gap8_stage_fast(s, acc);
    } else {
        z = (int64_t)stoic_requantize(acc, s->m, s->shift) + (int64_t)s->zp;
        y = gap8_act(s, (int32_t)stoic_clamp_mask_s64(z, -128, 127));
    }
    return y;   /* in [act_min, act_max] */
}

/* the bytes of the word of four channels at x8 added into the lane sums:
 * bytes 0 and 2 into *ev, 1 and 3 into *od (SXTAB16) */
static inline void gap8_add(const int8_t *x8, int32_t *ev, int32_t *od)
{
    int32_t w = stoic_dsp_word8(x8);
    *ev = stoic_dsp_sxtab16(*ev, w);
    *od = stoic_dsp_sxtab16_ror8(*od, w);
}

/* the lane sums read out into s[0 .. 3] (SMLABB / SMLATB with 1) */
static inline void gap8_flush(int32_t ev, int32_t od, int32_t *s)
{
    s[0] = stoic_dsp_smlabb(ev, 1, s[0]);
    s[1] = stoic_dsp_smlabb(od, 1, s[1]);
    s[2] = stoic_dsp_smlatb(ev, 1, s[2]);
    s[3] = stoic_dsp_smlatb(od, 1, s[3]);
}

/* s[k] = offn + the sum over the hw pixels of channel c + k, k = 0 .. 3:
 * in blocks of at most 256 pixels, the word of the four channels of each
 * pixel, its bytes added into two packed words of int16 lanes (SXTAB16:
 * one instruction per two lanes), exact: a lane sums at most 256 values
 * in [-128, 127], within [-32768, 32512] */
static inline void gap8_sum4(const int8_t *in, int32_t hw, int32_t nc, int32_t c, int32_t offn,
                             int32_t *s)
{
    int32_t j;
    int32_t k;
    int32_t i;
    int32_t nb;       /* blocks of 256 pixels */
    int32_t rem;      /* the pixels after them */
    int32_t ev;       /* lane sums of channels (c, c + 2) and (c + 1, c + 3) */
    int32_t od;

    s[0] = offn;
    s[1] = offn;
    s[2] = offn;
    s[3] = offn;
    nb = hw / 256;
    rem = hw % 256;
    i = c;
    for (j = 0; j < nb; j++) {
        ev = 0;
        od = 0;
        for (k = 0; k < 256; k++) {
            gap8_add(&in[i], &ev, &od);
            i += nc;
        }
        gap8_flush(ev, od, s);
    }
    ev = 0;
    od = 0;
    for (k = 0; k < rem; k++) {
        gap8_add(&in[i], &ev, &od);
        i += nc;
    }
    gap8_flush(ev, od, s);
}

STOIC_INLINE void stoic_gavgpool_s8_inl(const stoic_pool2d_q_params *p, const int8_t *in,
                                        int8_t *out)
{
    int32_t hw;
    int32_t nc;
    int32_t c;
    int32_t j;
    int32_t i;
    int32_t c4;       /* channels done four at a time */
    int32_t offn;     /* hw * input_offset */
    int32_t s[4];
    int32_t s0;
    gap8_stage st;

    hw = p->in_h * p->in_w;
    nc = p->c;
    c4 = nc - (nc % 4);
    offn = hw * p->input_offset;
    /* small (the output stage above): hw < 2^16 */
    gap8_stage_of(&st, &p->qmul[0], (hw < 65536) ? 1 : 0, p->output_offset, p->act_min, p->act_max);
    if (st.rq != 0) {
        for (c = 0; c < c4; c += 4) {
            gap8_sum4(in, hw, nc, c, offn, s);
            out[c] = (int8_t)gap8_stage_fast(&st, s[0]);
            out[c + 1] = (int8_t)gap8_stage_fast(&st, s[1]);
            out[c + 2] = (int8_t)gap8_stage_fast(&st, s[2]);
            out[c + 3] = (int8_t)gap8_stage_fast(&st, s[3]);
        }
    } else {
        for (c = 0; c < c4; c += 4) {
            gap8_sum4(in, hw, nc, c, offn, s);
            out[c] = (int8_t)gap8_stage_apply(&st, s[0]);
            out[c + 1] = (int8_t)gap8_stage_apply(&st, s[1]);
            out[c + 2] = (int8_t)gap8_stage_apply(&st, s[2]);
            out[c + 3] = (int8_t)gap8_stage_apply(&st, s[3]);
        }
    }
    for (c = c4; c < nc; c++) {
        s0 = offn;
        i = c;
        for (j = 0; j < hw; j++) {
            s0 = s0 + (int32_t)in[i];
            i += nc;
        }
        out[c] = (int8_t)gap8_stage_apply(&st, s0);
    }
}

#endif

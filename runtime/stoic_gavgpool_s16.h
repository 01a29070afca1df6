/*
 * stoic runtime: global average pooling, int16 (zero points 0): [hw][c] -> [c].
 *
 * What stoic_avgpool2d_s16 computes for a window that is the whole input
 * (k_h = in_h, k_w = in_w, out 1 x 1, no pads, count_include_pad 1), bit
 * for bit, the variant the generator chooses for global_avg_pool:
 *   acc[k] = sum over j of (in[j][k] + input_offset)                 (int32)
 *          = sum over j of in[j][k] + hw * input_offset  (the same integer)
 *   out[k] = clamp(stoic_requantize(acc[k], qmul[0]) + output_offset,
 *                  act_min, act_max)                     (in int64, no wrap)
 * with hw = in_h * in_w. Four channels per pass over the input (their sums
 * in registers), the channels beyond a multiple of 4 one at a time. The
 * generator guarantees |acc| < 2^31 (its overflow bound). The same
 * instructions for every input.
 */
#ifndef STOIC_GAVGPOOL_S16_H
#define STOIC_GAVGPOOL_S16_H

#include "stoic_rt.h"
#include "stoic_inline.h"
#include "stoic_bits.h"
#include "stoic_dsp.h"

/* ---- the output stage -------------------------------------------------------
 * out = clamp(stoic_requantize(acc, m, shift) + output_offset, act_min,
 * act_max) with output_offset 0 (int16 is symmetric, stoic_rt.h), bit for
 * bit, in the fewest instructions the multiplier and the window allow
 * (chosen once per call from the parameters, never from data; small:
 * hw < 2^14, so |acc| <= hw 2^15 < 2^29):
 *  - shift -1 .. -30 (e = -shift), small: as stoic_dsp_rq8s (stoic_dsp.h)
 *    with c1 = 1: floor((2 acc m + 2^31 + H 2^32) / 2^(32 + e)), H =
 *    2^(e-1) - [acc < 0] (2^(e-1) + |acc| + 2 < 2^31), the division as
 *    2^(e-1) then 2, saturated to int16;
 *  - shift 0, small: RDBPOT(x, 0) = x and SRDHM(acc, m) = floor((2 acc m +
 *    2^31) / 2^32), the high word of one SMLAL, saturated;
 *  - otherwise stoic_requantize. */
typedef struct {
    int32_t rq;        /* 1: one rounding; 2: shift 0; 0: stoic_requantize */
    int32_t m;
    int32_t shift;
    uint32_t e1;       /* -shift - 1 */
    int32_t zp;
    int32_t lo;        /* act_min, act_max */
    int32_t hi;
} gap16_stage;

static void gap16_stage_of(gap16_stage *s, const stoic_qmul *q, int32_t small_acc, int32_t zp,
                           int32_t lo, int32_t hi)
{
    s->m = q->m;
    s->shift = q->shift;
    s->e1 = ((0U - (uint32_t)q->shift) - 1U) & 31U;
    s->zp = zp;
    s->lo = lo;
    s->hi = hi;
    s->rq = 0;
    if ((small_acc != 0) && (q->shift <= -1) && (q->shift >= -30)) {
        s->rq = 1;
    }
    if ((small_acc != 0) && (q->shift == 0)) {
        s->rq = 2;
    }
}

static int32_t gap16_stage_apply(const gap16_stage *s, int32_t acc)
{
    int32_t y;
    int64_t z;

    if (s->rq == 1) {
        y = stoic_dsp_rq16z(acc, s->m, s->e1);
    } else if (s->rq == 2) {
        y = stoic_dsp_sat16(stoic_dsp_srdhm(acc, s->m));
    } else {
        z = (int64_t)stoic_requantize(acc, s->m, s->shift) + (int64_t)s->zp;
        y = (int32_t)stoic_clamp_mask_s64(z, -32768, 32767);
    }
    y = y + ((s->lo - y) * stoic_lt_s32(y, s->lo));
    return y + ((s->hi - y) * stoic_lt_s32(s->hi, y));   /* in [act_min, act_max] */
}

STOIC_INLINE void stoic_gavgpool_s16_inl(const stoic_pool2d_q_params *p, const int16_t *in,
                                         int16_t *out)
{
    int32_t hw;
    int32_t nc;
    int32_t c;
    int32_t j;
    int32_t i;
    int32_t c4;       /* channels done four at a time */
    int32_t offn;     /* hw * input_offset */
    int32_t s0;
    int32_t s1;
    int32_t s2;
    int32_t s3;
    gap16_stage st;

    hw = p->in_h * p->in_w;
    nc = p->c;
    c4 = nc - (nc % 4);
    offn = hw * p->input_offset;
    /* small (the output stage above): hw < 2^14 */
    gap16_stage_of(&st, &p->qmul[0], (hw < 16384) ? 1 : 0, p->output_offset, p->act_min,
                   p->act_max);
    for (c = 0; c < c4; c += 4) {
        s0 = offn;
        s1 = offn;
        s2 = offn;
        s3 = offn;
        i = c;
        for (j = 0; j < hw; j++) {
            s0 = s0 + (int32_t)in[i];
            s1 = s1 + (int32_t)in[i + 1];
            s2 = s2 + (int32_t)in[i + 2];
            s3 = s3 + (int32_t)in[i + 3];
            i += nc;
        }
        out[c] = (int16_t)gap16_stage_apply(&st, s0);
        out[c + 1] = (int16_t)gap16_stage_apply(&st, s1);
        out[c + 2] = (int16_t)gap16_stage_apply(&st, s2);
        out[c + 3] = (int16_t)gap16_stage_apply(&st, s3);
    }
    for (c = c4; c < nc; c++) {
        s0 = offn;
        i = c;
        for (j = 0; j < hw; j++) {
            s0 = s0 + (int32_t)in[i];
            i += nc;
        }
        out[c] = (int16_t)gap16_stage_apply(&st, s0);
    }
}

#endif

/*
 * stoic runtime: 2-D average pooling, int16, NHWC, 2x2 windows with stride 2.
 *
 * The variant of stoic_avgpool2d_s16 the generator chooses for k_h = k_w = 2,
 * stride_h = stride_w = 2, dil_h = dil_w = 1 (pads 0 or 1, smaller than the
 * window). Same parameters, same results, bit for bit:
 *   acc = sum over the window's real taps of (in + input_offset)  (int32)
 *   out = clamp(stoic_requantize(acc, qmul[count_include_pad != 0 ? 0 : n])
 *               + output_offset, act_min, act_max)   (in int64: no wrap),
 * n the number of real taps (1, 2 or 4).
 *
 * Every window reads four taps, each weighted by a flag, 1 for a real tap
 * and 0 for one in the padding (whose address is replaced by the window's
 * real tap in the same column or row, so every read is inside the input):
 *   acc = x00 f00 + x01 f01 + x10 f10 + x11 f11 + n * input_offset,
 * the same integer as the sum of the real terms. Which taps are real
 * depends on the window's position only, never on data: the same
 * instructions for every window and every input; the requantization is the
 * constant-time stoic_requantize, the clamp arithmetic selects.
 */
#ifndef STOIC_AVGPOOL2D_S16_2X2_H
#define STOIC_AVGPOOL2D_S16_2X2_H

#include "stoic_rt.h"
#include "stoic_inline.h"
#include "stoic_bits.h"
#include "stoic_dsp.h"

/* ---- the output stage -------------------------------------------------------
 * out = clamp(stoic_requantize(acc, m, shift) + output_offset, act_min,
 * act_max) with output_offset 0 (int16 is symmetric, stoic_rt.h), bit for
 * bit, in the fewest instructions the window's multiplier allows (|acc| <
 * 2^18: four int16 values; the choice depends on the multiplier, never on
 * data):
 *  - shift -1 .. -30 (e = -shift): as stoic_dsp_rq8s (stoic_dsp.h) with
 *    c1 = 1: floor((2 acc m + 2^31 + H 2^32) / 2^(32 + e)), H = 2^(e-1) -
 *    [acc < 0] (2^(e-1) + |acc| + 2 < 2^31), the division as 2^(e-1) then
 *    2 with SSAT;
 *  - shift 0: RDBPOT(x, 0) = x and SRDHM(acc, m) = floor((2 acc m + 2^31) /
 *    2^32), the high word of one SMLAL, then SSAT;
 *  - otherwise stoic_requantize. */
typedef struct {
    int32_t rq;        /* 1: shift -1 .. -30, ap16_rq; 2: shift 0, ap16_e0; 0: general */
    int32_t m;
    int32_t shift;
    uint32_t e1;       /* -shift - 1 */
    int32_t zp;
    int32_t lo;        /* act_min, act_max */
    int32_t hi;
} ap16_stage;

static void ap16_stage_of(ap16_stage *s, const stoic_qmul *q, int32_t zp, int32_t lo, int32_t hi)
{
    s->m = q->m;
    s->shift = q->shift;
    s->e1 = ((0U - (uint32_t)q->shift) - 1U) & 31U;
    s->zp = zp;
    s->lo = lo;
    s->hi = hi;
    s->rq = 0;
    if ((q->shift <= -1) && (q->shift >= -30)) {
        s->rq = 1;
    }
    if (q->shift == 0) {
        s->rq = 2;
    }
}

/* the activation's clamp on a value already in [-32768, 32767] */
static inline int32_t ap16_act(const ap16_stage *s, int32_t y)
{
    int32_t v = y + ((s->lo - y) * stoic_lt_s32(y, s->lo));
    return v + ((s->hi - v) * stoic_lt_s32(s->hi, v));
}

/* s->rq == 1 */
static inline int32_t ap16_rq(const ap16_stage *s, int32_t acc)
{
    return ap16_act(s, stoic_dsp_rq16z(acc, s->m, s->e1));
}

/* s->rq == 2 */
static inline int32_t ap16_e0(const ap16_stage *s, int32_t acc)
{
    return ap16_act(s, stoic_dsp_sat16(stoic_dsp_srdhm(acc, s->m)));
}

/* s->rq == 0 */
static int32_t ap16_stage_apply(const ap16_stage *s, int32_t acc)
{
    int64_t z;

    z = (int64_t)stoic_requantize(acc, s->m, s->shift) + (int64_t)s->zp;
    z = stoic_clamp_mask_s64(z, (int64_t)s->lo, (int64_t)s->hi);
    return (int32_t)z;   /* in [act_min, act_max] */
}

STOIC_INLINE void stoic_avgpool2d_s16_2x2_inl(const stoic_pool2d_q_params *p, const int16_t *in,
                                              int16_t *out)
{
    int32_t oh;
    int32_t ow;
    int32_t c;
    int32_t nc;       /* channels */
    int32_t r0;       /* the window's input rows and columns (padding replaced) */
    int32_t r1;
    int32_t c0;
    int32_t c1;
    int32_t vr0;      /* 1: a real row / column, 0: padding */
    int32_t vr1;
    int32_t vc0;
    int32_t vc1;
    int32_t f00;      /* tap weights, 0 or 1 */
    int32_t f01;
    int32_t f10;
    int32_t f11;
    int32_t n;        /* real taps */
    int32_t notall;   /* 1 when count_include_pad == 0: qmul entry n */
    int32_t offn;     /* n * input_offset */
    int32_t io;       /* index of the output pixel */
    int32_t acc;
    uint32_t cip;
    ap16_stage st;
    const int16_t *t00;  /* the four taps, channel 0 */
    const int16_t *t01;
    const int16_t *t10;
    const int16_t *t11;
    int16_t *o;

    nc = p->c;
    cip = (uint32_t)p->count_include_pad;
    notall = 1 - (int32_t)stoic_nz_u32(cip);
    io = 0;
    for (oh = 0; oh < p->out_h; oh++) {
        stoic_taps2x2(oh, p->pad_top, p->in_h, &r0, &r1, &vr0, &vr1);
        for (ow = 0; ow < p->out_w; ow++) {
            stoic_taps2x2(ow, p->pad_left, p->in_w, &c0, &c1, &vc0, &vc1);
            f00 = vr0 * vc0;
            f01 = vr0 * vc1;
            f10 = vr1 * vc0;
            f11 = vr1 * vc1;
            n = (vr0 + vr1) * (vc0 + vc1);
            offn = n * p->input_offset;
            /* |acc| <= 4 * 2^15 < 2^30 */
            ap16_stage_of(&st, &p->qmul[n * notall], p->output_offset, p->act_min, p->act_max);
            t00 = &in[((r0 * p->in_w) + c0) * nc];
            t01 = &in[((r0 * p->in_w) + c1) * nc];
            t10 = &in[((r1 * p->in_w) + c0) * nc];
            t11 = &in[((r1 * p->in_w) + c1) * nc];
            o = &out[io];
            if (st.rq == 1) {
                /* the flagged sum (all flags 1 inside the input), one SMLAL */
                for (c = 0; c < nc; c++) {
                    acc = ((((int32_t)t00[c] * f00) + ((int32_t)t01[c] * f01)) +
                           (((int32_t)t10[c] * f10) + ((int32_t)t11[c] * f11))) + offn;
                    o[c] = (int16_t)ap16_rq(&st, acc);
                }
            } else if (st.rq == 2) {
                for (c = 0; c < nc; c++) {
                    acc = ((((int32_t)t00[c] * f00) + ((int32_t)t01[c] * f01)) +
                           (((int32_t)t10[c] * f10) + ((int32_t)t11[c] * f11))) + offn;
                    o[c] = (int16_t)ap16_e0(&st, acc);
                }
            } else {
                for (c = 0; c < nc; c++) {
                    acc = ((((int32_t)t00[c] * f00) + ((int32_t)t01[c] * f01)) +
                           (((int32_t)t10[c] * f10) + ((int32_t)t11[c] * f11))) + offn;
                    o[c] = (int16_t)ap16_stage_apply(&st, acc);
                }
            }
            io += nc;
        }
    }
}

#endif

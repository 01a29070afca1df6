/*
 * stoic runtime: 2-D average pooling, int8, NHWC, 2x2 windows with stride 2.
 *
 * The variant of stoic_avgpool2d_s8 the generator chooses for k_h = k_w = 2,
 * stride_h = stride_w = 2, dil_h = dil_w = 1 (pads 0 or 1, smaller than the
 * window). Same parameters, same results, bit for bit:
 *   acc = sum over the window's real taps of (in + input_offset)  (int32)
 *   out = stoic_requant_s8(acc, qmul[count_include_pad != 0 ? 0 : n],
 *                          output_offset, act_min, act_max),
 * n the number of real taps (1, 2 or 4).
 *
 * Every window reads four taps; a tap in the padding reads, instead of the
 * input, the zero point row (the scratch, (c + 3) / 4 words of bytes
 * -input_offset, written once per call), whose values add 0:
 *   acc = x00 + x01 + x10 + x11 + 4 * input_offset,
 * the same integer as the sum of the real terms (four channels at a time
 * where the output stage is one SMLAL: ap8_sum4). Which taps are real
 * depends on the window's position only, never on data: the same
 * instructions for every window and every input; the requantization is the
 * constant-time stoic_requant_s8 of every int8 kernel, in the fastest of
 * three equal forms the window's multiplier allows (below).
 */
#ifndef STOIC_AVGPOOL2D_S8_2X2_H
#define STOIC_AVGPOOL2D_S8_2X2_H

#include "stoic_rt.h"
#include "stoic_inline.h"
#include "stoic_bits.h"
#include "stoic_dsp.h"

/* ---- the output stage -------------------------------------------------------
 * out = clamp(stoic_requantize(acc, m, shift) + output_offset, act_min,
 * act_max), bit for bit, in the fewest instructions the window's multiplier
 * allows (|acc| < 2^10: four int8 values and the offset; the choice depends
 * on the multiplier, never on data):
 *  - shift -1 .. -22 (e = -shift): stoic_dsp_rq8a (stoic_dsp.h), one SMLAL
 *    and SSAT; its preconditions hold: |c1| 2^(e-1) + |acc| + 2 < 2^31
 *    with c1 = 2 output_offset + 1, |c1| <= 257;
 *  - shift 0: RDBPOT(x, 0) = x and SRDHM(acc, m) = floor((2 acc m + 2^31) /
 *    2^32), the high word of one SMLAL, then output_offset and SSAT;
 *  - otherwise stoic_requantize. */
typedef struct {
    int32_t rq;        /* 1: shift -1 .. -22, stoic_dsp_rq8a; 2: shift 0; 0: general */
    int32_t m;
    int32_t shift;
    uint32_t e1;       /* -shift - 1 */
    int32_t c1;        /* 2 output_offset + 1 */
    int32_t zp;
    int32_t lo;        /* act_min, act_max */
    int32_t hi;
    int32_t clamp;     /* 1: [act_min, act_max] is narrower than [-128, 127] */
} ap8_stage;

static void ap8_stage_of(ap8_stage *s, const stoic_qmul *q, int32_t zp, int32_t lo, int32_t hi)
{
    s->m = q->m;
    s->shift = q->shift;
    s->e1 = ((0U - (uint32_t)q->shift) - 1U) & 31U;
    s->c1 = (2 * zp) + 1;
    s->zp = zp;
    s->lo = lo;
    s->hi = hi;
    s->rq = 0;
    if ((q->shift <= -1) && (q->shift >= -22)) {
        s->rq = 1;
    }
    if (q->shift == 0) {
        s->rq = 2;
    }
    s->clamp = 0;
    if ((lo > -128) || (hi < 127)) {
        s->clamp = 1;
    }
}

/* the activation's clamp when narrower than [-128, 127] (y already in it) */
static inline int32_t ap8_stage_act(const ap8_stage *s, int32_t y)
{
    int32_t v = y;
    if (s->clamp != 0) {
        v = v + ((s->lo - v) * stoic_lt_s32(v, s->lo));
        v = v + ((s->hi - v) * stoic_lt_s32(s->hi, v));
    }
    return v;
}

/* s->rq == 1 */
static inline int32_t ap8_stage_rq(const ap8_stage *s, int32_t acc)
{
    return ap8_stage_act(s, stoic_dsp_rq8a(acc, s->m, s->e1, s->c1));
}

/* s->rq == 2 */
static inline int32_t ap8_stage_e0(const ap8_stage *s, int32_t acc)
{
    return ap8_stage_act(s, stoic_dsp_sat8(stoic_dsp_srdhm(acc, s->m) + s->zp));
}

/* s->rq == 0 */
static int32_t ap8_stage_apply(const ap8_stage *s, int32_t acc)
{
    int64_t z;

    z = (int64_t)stoic_requantize(acc, s->m, s->shift) + (int64_t)s->zp;
    z = stoic_clamp_mask_s64(z, (int64_t)s->lo, (int64_t)s->hi);
    return (int32_t)z;   /* in [act_min, act_max] */
}

/* The sums of channels c .. c + 3 over the four taps, each plus offn: the
 * word of the four channels of each tap (a tap in the padding reads the
 * zero point row), its bytes added into two packed words of int16 lanes
 * (SXTAB16: one instruction per two lanes; a lane sums at most four values
 * in [-128, 127], exact). */
STOIC_INLINE void ap8_sum4(const int8_t *const *t, int32_t c, int32_t offn, int32_t *s)
{
    int32_t w0 = stoic_dsp_word8(&t[0][c]);
    int32_t w1 = stoic_dsp_word8(&t[1][c]);
    int32_t w2 = stoic_dsp_word8(&t[2][c]);
    int32_t w3 = stoic_dsp_word8(&t[3][c]);
    int32_t ev;
    int32_t od;

    ev = stoic_dsp_sxtb16(w0);
    od = stoic_dsp_sxtb16_ror8(w0);
    ev = stoic_dsp_sxtab16(ev, w1);
    od = stoic_dsp_sxtab16_ror8(od, w1);
    ev = stoic_dsp_sxtab16(ev, w2);
    od = stoic_dsp_sxtab16_ror8(od, w2);
    ev = stoic_dsp_sxtab16(ev, w3);
    od = stoic_dsp_sxtab16_ror8(od, w3);
    s[0] = stoic_dsp_smlabb(ev, 1, offn);
    s[1] = stoic_dsp_smlabb(od, 1, offn);
    s[2] = stoic_dsp_smlatb(ev, 1, offn);
    s[3] = stoic_dsp_smlatb(od, 1, offn);
}

/* the tap at in + off when real (f = 1), else the zero point row zb */
static inline const int8_t *ap8_tap(const int8_t *in, int32_t off, int32_t f, const int8_t *zb)
{
    return (f != 0) ? &in[off] : zb;
}

/* scratch: (c + 3) / 4 words, the zero point row */
STOIC_INLINE void stoic_avgpool2d_s8_2x2_inl(const stoic_pool2d_q_params *p, const int8_t *in,
                                             int8_t *out, int32_t *scratch)
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
    int32_t n;        /* real taps */
    int32_t notall;   /* 1 when count_include_pad == 0: qmul entry n */
    int32_t off4;     /* 4 * input_offset */
    int32_t io;       /* index of the output pixel */
    int32_t acc;
    int32_t zz;       /* four bytes of the input zero point */
    int32_t zpi;      /* the input zero point */
    uint32_t zbyte;   /* its byte */
    uint32_t cip;
    ap8_stage st;
    const int8_t *zb;   /* the zero point row */
    const int8_t *tt[4];  /* the four taps, channel 0 */
    int32_t c4;         /* channels done four at a time */
    int32_t sv[4];
    int8_t *o;

    nc = p->c;
    c4 = nc - (nc % 4);
    cip = (uint32_t)p->count_include_pad;
    notall = 1 - (int32_t)stoic_nz_u32(cip);
    off4 = 4 * p->input_offset;
    /* a tap in the padding reads the input zero point -input_offset, which
     * adds 0 to its (in + input_offset): the sum of the four taps plus
     * 4 input_offset is the sum over the real taps of (in + input_offset) */
    zpi = -p->input_offset;
    zbyte = (uint32_t)zpi & 0xFFU;
    zz = stoic_dsp_opaque(stoic_dsp_s32(zbyte * 0x01010101U));
    for (c = 0; c < ((nc + 3) / 4); c++) {
        scratch[c] = zz;
    }
    zb = (const int8_t *)scratch;   /* a pointer to a character type (Rule 11.3's exception) */
    io = 0;
    for (oh = 0; oh < p->out_h; oh++) {
        stoic_taps2x2(oh, p->pad_top, p->in_h, &r0, &r1, &vr0, &vr1);
        for (ow = 0; ow < p->out_w; ow++) {
            stoic_taps2x2(ow, p->pad_left, p->in_w, &c0, &c1, &vc0, &vc1);
            n = (vr0 + vr1) * (vc0 + vc1);
            /* |acc| <= 4 * 2^9 < 2^30 */
            ap8_stage_of(&st, &p->qmul[n * notall], p->output_offset, p->act_min, p->act_max);
            tt[0] = ap8_tap(in, ((r0 * p->in_w) + c0) * nc, vr0 * vc0, zb);
            tt[1] = ap8_tap(in, ((r0 * p->in_w) + c1) * nc, vr0 * vc1, zb);
            tt[2] = ap8_tap(in, ((r1 * p->in_w) + c0) * nc, vr1 * vc0, zb);
            tt[3] = ap8_tap(in, ((r1 * p->in_w) + c1) * nc, vr1 * vc1, zb);
            o = &out[io];
            if (st.rq == 1) {
                for (c = 0; c < c4; c += 4) {
                    ap8_sum4(tt, c, off4, sv);
                    o[c] = (int8_t)ap8_stage_rq(&st, sv[0]);
                    o[c + 1] = (int8_t)ap8_stage_rq(&st, sv[1]);
                    o[c + 2] = (int8_t)ap8_stage_rq(&st, sv[2]);
                    o[c + 3] = (int8_t)ap8_stage_rq(&st, sv[3]);
                }
                for (c = c4; c < nc; c++) {
                    acc = (((int32_t)tt[0][c] + (int32_t)tt[1][c]) +
                           ((int32_t)tt[2][c] + (int32_t)tt[3][c])) + off4;
                    o[c] = (int8_t)ap8_stage_rq(&st, acc);
                }
            } else if (st.rq == 2) {
                for (c = 0; c < c4; c += 4) {
                    ap8_sum4(tt, c, off4, sv);
                    o[c] = (int8_t)ap8_stage_e0(&st, sv[0]);
                    o[c + 1] = (int8_t)ap8_stage_e0(&st, sv[1]);
                    o[c + 2] = (int8_t)ap8_stage_e0(&st, sv[2]);
                    o[c + 3] = (int8_t)ap8_stage_e0(&st, sv[3]);
                }
                for (c = c4; c < nc; c++) {
                    acc = (((int32_t)tt[0][c] + (int32_t)tt[1][c]) +
                           ((int32_t)tt[2][c] + (int32_t)tt[3][c])) + off4;
                    o[c] = (int8_t)ap8_stage_e0(&st, acc);
                }
            } else {
                for (c = 0; c < nc; c++) {
                    acc = (((int32_t)tt[0][c] + (int32_t)tt[1][c]) +
                           ((int32_t)tt[2][c] + (int32_t)tt[3][c])) + off4;
                    o[c] = (int8_t)ap8_stage_apply(&st, acc);
                }
            }
            io += nc;
        }
    }
}

#endif

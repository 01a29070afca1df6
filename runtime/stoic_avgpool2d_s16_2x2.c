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
#include "stoic_rt.h"
#include "stoic_bits.h"

/* ---- the output stage -------------------------------------------------------
 * out = clamp(stoic_requantize(acc, m, shift) + output_offset, act_min,
 * act_max), bit for bit, in fewer instructions when shift <= 0 and
 * |acc| < 2^30 (the kernel knows it from the window and the input type):
 * with e = -shift, m in [2^30, 2^31) and SRDHM(acc, m) =
 * floor((acc m + 2^30) / 2^31), RDBPOT(x, e) = floor((x + 2^(e-1) -
 * [x < 0]) / 2^e) for e >= 1 (ties away from zero; x for e = 0), and
 * floors of divisions by powers of two compose, so
 *   y = floor((acc m + 2^30 + c) / 2^(31 + e)),  c = (2^(e-1) - [acc < 0]) 2^31
 * (c = 0 for e = 0; [x < 0] is [acc < 0] except for x = 0, where both
 * round to 0). |acc m + 2^30 + c| < 2^62, so w = floor((...) / 2^31) fits
 * an int32 and y = floor(w / 2^e): one 32x32->64 multiply, a 64-bit
 * addition of a per-window constant, a 64-bit shift by 31 and a 32-bit
 * one by e, each floor an unsigned shift of a biased value (no negative
 * value is shifted). Otherwise stoic_requantize. The choice depends on
 * the multiplier and the geometry, never on data. */
typedef struct {
    int32_t fast;      /* 1: the formula above */
    int32_t m;
    int32_t shift;
    uint32_t e;        /* -shift */
    uint64_t add;      /* 2^30 + 2^(30 + e) [e >= 1] + 2^62 (the bias of the shift by 31) */
    uint32_t neg;      /* 2^31 when e >= 1 (subtracted for acc < 0), else 0 */
    uint32_t bias;     /* 2^31 >> e, less output_offset (mod 2^32) */
    int32_t zp;
    int32_t lo;        /* act_min, act_max */
    int32_t hi;
} ap16_stage;

static void ap16_stage_of(ap16_stage *s, const stoic_qmul *q, int32_t zp, int32_t lo, int32_t hi)
{
    uint32_t e;

    e = 0U - (uint32_t)q->shift;
    s->fast = 0;
    if (q->shift <= 0) { /* |acc| < 2^30: four int8/int16 values and the offset */
        s->fast = 1;
    }
    s->m = q->m;
    s->shift = q->shift;
    s->e = e & 31U;
    s->neg = (s->e != 0U) ? 0x80000000U : 0U;
    s->add = 0x4000000040000000ULL + ((((uint64_t)s->neg) << s->e) >> 1U); /* + 2^(30 + e) */
    s->bias = (0x80000000U >> s->e) - (uint32_t)zp;
    s->zp = zp;
    s->lo = lo;
    s->hi = hi;
}

/* The formula (s->fast != 0). */
static inline int32_t ap16_stage_fast(const ap16_stage *s, int32_t acc)
{
    uint64_t v;
    int64_t p;
    uint32_t w;
    int32_t y;

    /* acc m + 2^30 + c + 2^62 >= 0; its floor / 2^31 is w + 2^31 */
    p = (int64_t)acc * (int64_t)s->m;
    v = (uint64_t)p + (s->add - (uint64_t)((uint32_t)acc & s->neg));
    w = (uint32_t)(v >> 31U);
    y = stoic_s32_of_bits((w >> s->e) - s->bias);    /* floor(w / 2^e) + output_offset */
    y = y + ((s->lo - y) * stoic_lt_s32(y, s->lo));
    return y + ((s->hi - y) * stoic_lt_s32(s->hi, y));   /* in [act_min, act_max] */
}

/* The general output stage (s->fast == 0: a multiplier with shift > 0);
 * the callers take stage_fast otherwise. */
static int32_t ap16_stage_apply(const ap16_stage *s, int32_t acc)
{
    int64_t z;

    z = (int64_t)stoic_requantize(acc, s->m, s->shift) + (int64_t)s->zp;
    z = stoic_clamp_mask_s64(z, (int64_t)s->lo, (int64_t)s->hi);
    return (int32_t)z;   /* in [act_min, act_max] */
}


void stoic_avgpool2d_s16_2x2(const stoic_pool2d_q_params *p, const int16_t *in, int16_t *out)
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
            if ((n == 4) && (st.fast != 0)) {
                /* a window inside the input (the usual case) */
                for (c = 0; c < nc; c++) {
                    acc = (((int32_t)t00[c] + (int32_t)t01[c]) +
                           ((int32_t)t10[c] + (int32_t)t11[c])) + offn;
                    o[c] = (int16_t)ap16_stage_fast(&st, acc);
                }
            } else if (st.fast != 0) {
                /* a window at the border: the flagged sum, the same output
                 * stage (chosen here, per window, not per element) */
                for (c = 0; c < nc; c++) {
                    acc = ((((int32_t)t00[c] * f00) + ((int32_t)t01[c] * f01)) +
                           (((int32_t)t10[c] * f10) + ((int32_t)t11[c] * f11))) + offn;
                    o[c] = (int16_t)ap16_stage_fast(&st, acc);
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

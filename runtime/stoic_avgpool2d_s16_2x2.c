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

/* 1 when a < b, else 0; |a - b| < 2^63 (here |a|, |b| < 2^33). */
static int64_t lt_flag64(int64_t a, int64_t b)
{
    return (int64_t)((uint64_t)(a - b) >> 63U);
}

/* The output stage of stoic_avgpool2d_s16. */
static int16_t out_s16(const stoic_pool2d_q_params *p, int32_t acc, const stoic_qmul *q)
{
    int64_t y;
    int64_t lo;
    int64_t hi;

    lo = (int64_t)p->act_min;
    hi = (int64_t)p->act_max;
    y = (int64_t)stoic_requantize(acc, q->m, q->shift) + (int64_t)p->output_offset;
    y = y + ((lo - y) * lt_flag64(y, lo));
    y = y + ((hi - y) * lt_flag64(hi, y));
    return (int16_t)y;   /* in [act_min, act_max] */
}

/* The two input rows (or columns) of window o along an axis of n inputs,
 * `pad` of padding before: i0 = 2 o - pad and i0 + 1. A tap in the
 * padding (i0 = -1 when pad is 1, i0 + 1 = n at the far end) is replaced by
 * the window's other tap, which is inside (the generator guarantees every
 * window a real cell), and flagged: v0, v1 are 1 for a real tap, 0 for
 * padding. Index arithmetic only, the same instructions for every o. */
static void taps(int32_t o, int32_t pad, int32_t n, int32_t *i0, int32_t *i1, int32_t *v0,
                 int32_t *v1)
{
    int32_t a;
    int32_t b;

    a = (2 * o) - pad;
    b = a + 1;
    *v0 = 1 - (int32_t)((uint32_t)a >> 31U);      /* a >= 0 */
    *v1 = (int32_t)((uint32_t)(b - n) >> 31U);    /* b < n */
    *i0 = a + (1 - *v0);
    *i1 = b - (1 - *v1);
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
    const stoic_qmul *q;
    const int16_t *t00;  /* the four taps, channel 0 */
    const int16_t *t01;
    const int16_t *t10;
    const int16_t *t11;
    int16_t *o;

    nc = p->c;
    cip = (uint32_t)p->count_include_pad;
    notall = 1 - (int32_t)((cip | (0U - cip)) >> 31U);
    io = 0;
    for (oh = 0; oh < p->out_h; oh++) {
        taps(oh, p->pad_top, p->in_h, &r0, &r1, &vr0, &vr1);
        for (ow = 0; ow < p->out_w; ow++) {
            taps(ow, p->pad_left, p->in_w, &c0, &c1, &vc0, &vc1);
            f00 = vr0 * vc0;
            f01 = vr0 * vc1;
            f10 = vr1 * vc0;
            f11 = vr1 * vc1;
            n = (vr0 + vr1) * (vc0 + vc1);
            offn = n * p->input_offset;
            q = &p->qmul[n * notall];
            t00 = &in[((r0 * p->in_w) + c0) * nc];
            t01 = &in[((r0 * p->in_w) + c1) * nc];
            t10 = &in[((r1 * p->in_w) + c0) * nc];
            t11 = &in[((r1 * p->in_w) + c1) * nc];
            o = &out[io];
            for (c = 0; c < nc; c++) {
                acc = ((((int32_t)t00[c] * f00) + ((int32_t)t01[c] * f01)) +
                       (((int32_t)t10[c] * f10) + ((int32_t)t11[c] * f11))) + offn;
                o[c] = out_s16(p, acc, q);
            }
            io += nc;
        }
    }
}

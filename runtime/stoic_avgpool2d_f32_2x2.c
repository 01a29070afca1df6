/*
 * stoic runtime: 2-D average pooling, float32, NHWC, 2x2 windows with
 * stride 2.
 *
 * The variant of stoic_avgpool2d_f32 the generator chooses for k_h = k_w = 2,
 * stride_h = stride_w = 2, dil_h = dil_w = 1 (pads 0 or 1, smaller than the
 * window). Same parameters, same results, bit for bit: the sum starts at
 * +0 and adds the window's real cells row by row, left to right; it is
 * divided by the count (4 with count_include_pad, else the real cells).
 *
 * Windows inside the input add their four cells (from +0: four -0 give
 * +0, as in the general kernel). A window that reaches padding (the
 * position decides, never the data) adds four terms too: a real cell, or
 * +0 in place of one in the padding (its bits masked to zero; the address
 * read is the window's real cell in the same column or row, inside the
 * input). Adding +0 changes no sum: a sum that starts at +0 is never -0
 * in round-to-nearest, and x + (+0) = x for every other x, infinities and
 * NaN included. The count is 1, 2 or 4, so the division is the
 * multiplication by its reciprocal 1, 0.5 or 0.25, exactly (a power of
 * two: both give the exact quotient rounded once, subnormal results and
 * NaN included). The same instructions for every window of a kind and
 * every input.
 */
#include "stoic_rt_f32.h"
#include "stoic_bits.h"

/* MISRA deviation MD-03 (see stoic_math_f32.c): the 32 bits of a float. */
typedef union { /* MISRA deviation MD-03 */
    float f;
    uint32_t u;
} ap_f32_bits;

/* x where mask is all ones, +0 where it is zero */
static float masked(float x, uint32_t mask)
{
    ap_f32_bits b; /* MISRA deviation MD-03 */

    b.f = x;
    b.u = b.u & mask;
    return b.f;
}

void stoic_avgpool2d_f32_2x2(const stoic_pool2d_f32_params *p, const float *in, float *out)
{
    /* 1 / count for count 0..4 (0 and 3 do not occur) */
    static const float recip[5] = { 0.0F, 1.0F, 0.5F, 0.0F, 0.25F };
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
    int32_t n;        /* real cells */
    int32_t io;       /* index of the output pixel */
    uint32_t m00;     /* cell masks: all ones for a real cell */
    uint32_t m01;
    uint32_t m10;
    uint32_t m11;
    const float *t00; /* the four cells, channel 0 */
    const float *t01;
    const float *t10;
    const float *t11;
    float *o;
    float r;          /* 1 / count */
    float sum;

    nc = p->c;
    io = 0;
    for (oh = 0; oh < p->out_h; oh++) {
        stoic_taps2x2(oh, p->pad_top, p->in_h, &r0, &r1, &vr0, &vr1);
        for (ow = 0; ow < p->out_w; ow++) {
            stoic_taps2x2(ow, p->pad_left, p->in_w, &c0, &c1, &vc0, &vc1);
            n = (vr0 + vr1) * (vc0 + vc1);
            t00 = &in[((r0 * p->in_w) + c0) * nc];
            t01 = &in[((r0 * p->in_w) + c1) * nc];
            t10 = &in[((r1 * p->in_w) + c0) * nc];
            t11 = &in[((r1 * p->in_w) + c1) * nc];
            o = &out[io];
            if (n == 4) {
                for (c = 0; c < nc; c++) {
                    sum = 0.0F + t00[c];
                    sum = sum + t01[c];
                    sum = sum + t10[c];
                    sum = sum + t11[c];
                    o[c] = sum * 0.25F;
                }
            } else {
                if (p->count_include_pad != 0) {
                    r = 0.25F;
                } else {
                    r = recip[n];
                }
                m00 = 0U - ((uint32_t)vr0 * (uint32_t)vc0);
                m01 = 0U - ((uint32_t)vr0 * (uint32_t)vc1);
                m10 = 0U - ((uint32_t)vr1 * (uint32_t)vc0);
                m11 = 0U - ((uint32_t)vr1 * (uint32_t)vc1);
                for (c = 0; c < nc; c++) {
                    sum = 0.0F + masked(t00[c], m00);
                    sum = sum + masked(t01[c], m01);
                    sum = sum + masked(t10[c], m10);
                    sum = sum + masked(t11[c], m11);
                    o[c] = sum * r;
                }
            }
            io += nc;
        }
    }
}

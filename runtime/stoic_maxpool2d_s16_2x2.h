/*
 * stoic runtime: 2-D max pooling, int16, NHWC, 2x2 windows with stride 2.
 *
 * The variant of stoic_maxpool2d_s16 the generator chooses for k_h = k_w = 2,
 * stride_h = stride_w = 2, dil_h = dil_w = 1 (pads 0 or 1, smaller than the
 * window). Same parameters, same results, bit for bit:
 *   out[oh][ow][c] = clamp(max over the window's real taps, act_min, act_max).
 *
 * Every window reads four taps. Where the window reaches padding (the
 * first row or column with a pad of 1 before, the last with one after:
 * the position decides, never the data), the tap in the padding is
 * replaced by the window's real tap in the same column (row): a maximum
 * does not change when one of its operands is repeated, so the result is
 * the maximum over the real taps, with the same instructions for every
 * window and every input.
 *
 * The maximum is taken without a branch or a comparison on data. With the
 * DSP extension (Cortex-M4/M7: __ARM_FEATURE_DSP), two channels at a time
 * (an odd last channel alone): SSUB16 sets the GE flags of each halfword
 * lane where a >= b, SEL takes a there and b elsewhere (a lane-wise signed
 * max in two instructions; min with the operands of SEL swapped, for the
 * clamp). The two halfwords of a word are read and written as halfwords
 * combined arithmetically (a compiler merges them into one word access
 * where the core allows unaligned ones).
 * Otherwise, and for the remaining channels, one at a time:
 * m + (x - m) * [m < x], [m < x] the sign bit of the int32 difference read
 * unsigned (no overflow: |m - x| < 2^17). Both compute the same
 * maximum of the same integers.
 */
#ifndef STOIC_MAXPOOL2D_S16_2X2_H
#define STOIC_MAXPOOL2D_S16_2X2_H

#include "stoic_rt.h"
#include "stoic_inline.h"
#include "stoic_bits.h"

#if defined(__ARM_FEATURE_DSP) && (__ARM_FEATURE_DSP == 1)
#include <arm_acle.h>
#define STOIC_POOL_SIMD 1
#else
#define STOIC_POOL_SIMD 0
#endif

#if STOIC_POOL_SIMD
/* two int16 lanes in a word, lane k = halfword k */
static uint32_t mp16_ldw(const int16_t *p)
{
    return (uint32_t)(uint16_t)p[0] | ((uint32_t)(uint16_t)p[1] << 16U);
}

static void mp16_stw(int16_t *p, uint32_t v)
{
    p[0] = (int16_t)(uint16_t)v;
    p[1] = (int16_t)(uint16_t)(v >> 16U);
}

/* lane-wise signed max / min */
static uint32_t mp16_maxw(uint32_t a, uint32_t b)
{
    (void)__ssub16((int16x2_t)a, (int16x2_t)b);
    return (uint32_t)__sel((uint8x4_t)a, (uint8x4_t)b);
}

static uint32_t mp16_minw(uint32_t a, uint32_t b)
{
    (void)__ssub16((int16x2_t)a, (int16x2_t)b);
    return (uint32_t)__sel((uint8x4_t)b, (uint8x4_t)a);
}

/* v in both lanes */
static uint32_t mp16_splat(int32_t v)
{
    return ((uint32_t)v & 0xFFFFU) * 0x00010001U;
}
#endif

STOIC_INLINE void stoic_maxpool2d_s16_2x2_inl(const stoic_pool2d_q_params *p, const int16_t *in,
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
    int32_t v0;       /* real-tap flags (unused: a repeated tap is harmless) */
    int32_t v1;
    int32_t io;       /* index of the output pixel */
    int32_t m;
    const int16_t *t00;  /* the four taps, channel 0 */
    const int16_t *t01;
    const int16_t *t10;
    const int16_t *t11;
    int16_t *o;
#if STOIC_POOL_SIMD
    int32_t cw;       /* channels done 2 at a time */
    uint32_t lo;
    uint32_t hi;
    uint32_t w;
#endif

    nc = p->c;
#if STOIC_POOL_SIMD
    cw = nc - (nc % 2);
    lo = mp16_splat(p->act_min);
    hi = mp16_splat(p->act_max);
#endif
    io = 0;
    for (oh = 0; oh < p->out_h; oh++) {
        stoic_taps2x2(oh, p->pad_top, p->in_h, &r0, &r1, &v0, &v1);
        for (ow = 0; ow < p->out_w; ow++) {
            stoic_taps2x2(ow, p->pad_left, p->in_w, &c0, &c1, &v0, &v1);
            t00 = &in[((r0 * p->in_w) + c0) * nc];
            t01 = &in[((r0 * p->in_w) + c1) * nc];
            t10 = &in[((r1 * p->in_w) + c0) * nc];
            t11 = &in[((r1 * p->in_w) + c1) * nc];
            o = &out[io];
#if STOIC_POOL_SIMD
            for (c = 0; c < cw; c += 2) {
                w = mp16_maxw(mp16_maxw(mp16_ldw(&t00[c]), mp16_ldw(&t01[c])),
                              mp16_maxw(mp16_ldw(&t10[c]), mp16_ldw(&t11[c])));
                mp16_stw(&o[c], mp16_minw(mp16_maxw(w, lo), hi));
            }
#else
            c = 0;
#endif
            for (; c < nc; c++) {
                m = stoic_max_s32(stoic_max_s32((int32_t)t00[c], (int32_t)t01[c]),
                                  stoic_max_s32((int32_t)t10[c], (int32_t)t11[c]));
                o[c] = (int16_t)stoic_clamp_s32(m, p->act_min, p->act_max);
            }
            io += nc;
        }
    }
}

#endif

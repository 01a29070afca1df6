/*
 * stoic runtime: 2-D max pooling, float32, NHWC, 2x2 windows with stride 2.
 *
 * The variant of stoic_maxpool2d_f32 the generator chooses for k_h = k_w = 2,
 * stride_h = stride_w = 2, dil_h = dil_w = 1 (pads 0 or 1, smaller than the
 * window). Same parameters, same results, bit for bit: the maximum over
 * the window's real cells on order keys of the float bits (the functions
 * of stoic_math_f32.c, written out here so that they inline): NaN above
 * everything (its sign cleared; of several, the largest bits), +0 above
 * -0; no comparison of floats and no branch on data.
 *
 * Every window reads four cells. Where the window reaches padding (the
 * position decides, never the data), the cell in the padding is replaced
 * by the window's real cell in the same column (row): the maximum of keys
 * does not change when one is repeated. The same instructions for every
 * window and every input.
 */
#include "stoic_rt_f32.h"
#include "stoic_bits.h"

/* MISRA deviation MD-03 (see stoic_math_f32.c): the 32 bits of a float. */
typedef union { /* MISRA deviation MD-03 */
    float f;
    uint32_t u;
} mp_f32_bits;

#define KEY_SIGN 0x80000000U
#define KEY_ABS  0x7FFFFFFFU
#define KEY_INF  0x7F800000U

/* stoic_f32_order_key, in fewer instructions: with a = |u| (the bits
 * without the sign), the key is a | 2^31 for a positive float and for any
 * NaN (whose sign the key clears), and ~u for a negative non-NaN. */
static uint32_t key_of(float x)
{
    mp_f32_bits b; /* MISRA deviation MD-03 */
    uint32_t a;
    uint32_t num;     /* all ones for a number (not NaN): a < KEY_INF + 1 */
    uint32_t neg;     /* all ones for a negative float */

    b.f = x;
    a = b.u & KEY_ABS;
    num = (uint32_t)(((uint64_t)a - ((uint64_t)KEY_INF + 1U)) >> 32U);
    neg = 0U - (b.u >> 31U);
    return (a | KEY_SIGN) ^ (neg & num);
}

/* stoic_order_key_max */
static uint32_t mpf_key_max(uint32_t ka, uint32_t kb)
{
    uint32_t lt;

    lt = (uint32_t)(((uint64_t)ka - (uint64_t)kb) >> 32U);
    return ka ^ ((ka ^ kb) & lt);
}

/* stoic_f32_from_order_key */
static float from_key(uint32_t k)
{
    mp_f32_bits b; /* MISRA deviation MD-03 */

    b.u = k ^ (((k >> 31U) - 1U) | KEY_SIGN);
    return b.f;
}

void stoic_maxpool2d_f32_2x2(const stoic_pool2d_f32_params *p, const float *in, float *out)
{
    int32_t oh;
    int32_t ow;
    int32_t c;
    int32_t nc;       /* channels */
    int32_t r0;       /* the window's input rows and columns (padding replaced) */
    int32_t r1;
    int32_t c0;
    int32_t c1;
    int32_t v0;       /* real-cell flags (unused: a repeated cell is harmless) */
    int32_t v1;
    int32_t io;       /* index of the output pixel */
    const float *t00; /* the four cells, channel 0 */
    const float *t01;
    const float *t10;
    const float *t11;
    float *o;

    nc = p->c;
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
            for (c = 0; c < nc; c++) {
                o[c] = from_key(mpf_key_max(mpf_key_max(key_of(t00[c]), key_of(t01[c])),
                                            mpf_key_max(key_of(t10[c]), key_of(t11[c]))));
            }
            io += nc;
        }
    }
}

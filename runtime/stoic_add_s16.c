/*
 * stoic runtime: element-wise add of two int16 tensors with rescaling,
 * broadcast of b as stoic_binary_f32 (stoic_rt.h):
 *   x = a[o][i] + a_offset,  y = b[o * b_outer_stride + i] + b_offset,
 *   s = requantize(x * 2^left_shift, a_mul) + requantize(y * 2^left_shift, b_mul),
 *   out[o][i] = clamp(requantize(s, out_mul) + output_offset, act_min, act_max),
 * o < outer, i < inner; requantize is stoic_requantize (int32,
 * stoic_requant.c); int16 offsets are 0 (generator).
 *
 * Why exact: integer operations only, with the rounding of stoic_requantize
 * and nothing else. x and y are in [-32768, 32767] and left_shift is 15, so
 * x * 2^15 is in [-2^30, 2^30) and the two rescaled terms (multipliers at
 * most 1/2) add up without overflow: under the contract the two
 * saturations below never act. They make every parameter value with
 * 0 <= left_shift <= 31 defined: x * 2^left_shift is formed in int64
 * (|x| <= 2^31 + 2^15) and saturated to int32, as stoic_requantize
 * saturates its own left shift; s is formed in int64 and saturated to int32
 * too. The output offset is added in int64 and the result clamped to
 * [act_min, act_max] within [-32768, 32767] (precondition), so the
 * conversion to int16_t is of an in-range value.
 *
 * No branch on data: saturation and clamps are arithmetic selects.
 */
#include "stoic_rt.h"
#include "stoic_bits.h"

#define I32_MAX_64 ((int64_t)2147483647)
#define I32_MIN_64 (-I32_MAX_64 - 1)

/* requantize(sat32(x * 2^left_shift), q): |x| <= 2^31 + 2^15,
 * 0 <= left_shift <= 31. */
static int32_t add16_rescale(int64_t x, int32_t left_shift, const stoic_qmul *q)
{
    int64_t v;

    v = x * (int64_t)stoic_pow2_u32((uint32_t)left_shift);
    v = stoic_clamp_s64(v, I32_MIN_64, I32_MAX_64);
    return stoic_requantize((int32_t)v, q->m, q->shift);
}

void stoic_add_s16(const stoic_binary_q_params *p, const int16_t *a, const int16_t *b,
                   int16_t *out)
{
    int32_t o;
    int32_t i;
    int32_t a_row;  /* index of a[o][0] and out[o][0] */
    int32_t b_row;  /* index of b[o * b_outer_stride] */
    int64_t x;
    int64_t y;
    int64_t s;

    for (o = 0; o < p->outer; o++) {
        a_row = o * p->inner;
        b_row = o * p->b_outer_stride;
        for (i = 0; i < p->inner; i++) {
            x = (int64_t)a[a_row + i] + (int64_t)p->a_offset;
            y = (int64_t)b[b_row + i] + (int64_t)p->b_offset;
            s = (int64_t)add16_rescale(x, p->left_shift, &p->a_mul)
                + (int64_t)add16_rescale(y, p->left_shift, &p->b_mul);
            s = stoic_clamp_s64(s, I32_MIN_64, I32_MAX_64);
            s = (int64_t)stoic_requantize((int32_t)s, p->out_mul.m, p->out_mul.shift)
                + (int64_t)p->output_offset;
            out[a_row + i] = (int16_t)stoic_clamp_s64(s, (int64_t)p->act_min, (int64_t)p->act_max);
        }
    }
}

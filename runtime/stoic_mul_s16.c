/*
 * stoic runtime: element-wise multiply of two int16 tensors, broadcast of b
 * as stoic_binary_f32 (stoic_rt.h):
 *   x = a[o][i] + a_offset,  y = b[o * b_outer_stride + i] + b_offset,
 *   out[o][i] = clamp(requantize(x * y, out_mul) + output_offset, act_min, act_max),
 * o < outer, i < inner (out_mul = s_a s_b / s_out; a_mul, b_mul and
 * left_shift are unused). requantize is stoic_requantize (int32,
 * stoic_requant.c); int16 offsets are 0 (generator).
 *
 * Why exact: integer operations only, with the rounding of stoic_requantize
 * and nothing else. x and y are in [-32768, 32767], so x * y is in
 * [-2^30 + 2^15, 2^30]: exact in int32. For any offsets the product is
 * formed in int64 (|x|, |y| <= 2^31 + 2^15) and saturated to int32 by an
 * arithmetic select, which never acts under the contract but keeps every
 * parameter value defined. The output offset is added in int64 and the
 * result clamped to [act_min, act_max] within [-32768, 32767]
 * (precondition), so the conversion to int16_t is of an in-range value.
 */
#include "stoic_rt.h"
#include "stoic_bits.h"

#define I32_MAX_64 ((int64_t)2147483647)
#define I32_MIN_64 (-I32_MAX_64 - 1)

void stoic_mul_s16(const stoic_binary_q_params *p, const int16_t *a, const int16_t *b,
                   int16_t *out)
{
    int32_t o;
    int32_t i;
    int32_t a_row;  /* index of a[o][0] and out[o][0] */
    int32_t b_row;  /* index of b[o * b_outer_stride] */
    int64_t x;
    int64_t y;
    int64_t v;

    for (o = 0; o < p->outer; o++) {
        a_row = o * p->inner;
        b_row = o * p->b_outer_stride;
        for (i = 0; i < p->inner; i++) {
            x = (int64_t)a[a_row + i] + (int64_t)p->a_offset;
            y = (int64_t)b[b_row + i] + (int64_t)p->b_offset;
            v = stoic_clamp_s64(x * y, I32_MIN_64, I32_MAX_64);
            v = (int64_t)stoic_requantize((int32_t)v, p->out_mul.m, p->out_mul.shift)
                + (int64_t)p->output_offset;
            out[a_row + i] = (int16_t)stoic_clamp_s64(v, (int64_t)p->act_min, (int64_t)p->act_max);
        }
    }
}

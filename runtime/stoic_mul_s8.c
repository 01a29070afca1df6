/*
 * stoic runtime: element-wise multiply of two int8 tensors, broadcast of b
 * as stoic_binary_f32 (stoic_rt.h):
 *   x = a[o][i] + a_offset,  y = b[o * b_outer_stride + i] + b_offset,
 *   out[o][i] = clamp(requantize(x * y, out_mul) + output_offset, act_min, act_max),
 * o < outer, i < inner (out_mul = s_a s_b / s_out; a_mul, b_mul and
 * left_shift are unused). requantize is stoic_requantize; the output stage
 * is stoic_requant_s8, shared by every int8 kernel (stoic_requant.c).
 *
 * Why exact: integer operations only, with the rounding of stoic_requantize
 * and nothing else. x and y are in [-255, 255] (offsets -zp in [-127, 128]),
 * so x * y is in [-65025, 65025]: exact in int32. For any offsets the
 * product is formed in int64 (|x|, |y| <= 2^31 + 2^7) and saturated to
 * int32 by an arithmetic select, which never acts under the contract but
 * keeps every parameter value defined.
 */
#include "stoic_rt.h"
#include "stoic_bits.h"

void stoic_mul_s8(const stoic_binary_q_params *p, const int8_t *a, const int8_t *b, int8_t *out)
{
    int32_t o;
    int32_t i;
    int32_t a_row;  /* index of a[o][0] and out[o][0] */
    int32_t b_row;  /* index of b[o * b_outer_stride] */
    int64_t x;
    int64_t y;

    for (o = 0; o < p->outer; o++) {
        a_row = o * p->inner;
        b_row = o * p->b_outer_stride;
        for (i = 0; i < p->inner; i++) {
            x = (int64_t)a[a_row + i] + (int64_t)p->a_offset;
            y = (int64_t)b[b_row + i] + (int64_t)p->b_offset;
            out[a_row + i] = stoic_requant_s8(stoic_sat_s32(x * y), &p->out_mul, p->output_offset,
                                              p->act_min, p->act_max);
        }
    }
}

/*
 * stoic runtime: element-wise add of two int8 tensors with rescaling,
 * broadcast of b as stoic_binary_f32 (stoic_rt.h):
 *   x = a[o][i] + a_offset,  y = b[o * b_outer_stride + i] + b_offset,
 *   s = requantize(x * 2^left_shift, a_mul) + requantize(y * 2^left_shift, b_mul),
 *   out[o][i] = clamp(requantize(s, out_mul) + output_offset, act_min, act_max),
 * o < outer, i < inner; requantize is stoic_requantize (stoic_requant.c)
 * and the output stage is stoic_requant_s8, shared by every int8 kernel.
 *
 * Why exact: integer operations only, with the rounding of stoic_requantize
 * and nothing else. x and y are in [-255, 255] (offsets -zp in [-127, 128])
 * and left_shift is 20, so x * 2^20 fits int32 and the two rescaled terms
 * (multipliers at most 1/2) add up without overflow: under the contract
 * the two saturations below never act. They make every parameter value
 * with 0 <= left_shift <= 31 defined: x * 2^left_shift is formed in int64
 * (|x| <= 2^31 + 2^7) and saturated to int32, as stoic_requantize saturates
 * its own left shift; s is formed in int64 and saturated to int32 too.
 *
 * No branch on data: saturation is an arithmetic select.
 */
#include "stoic_rt.h"
#include "stoic_bits.h"

/* requantize(stoic_sat_s32(x * 2^left_shift), q): |x| <= 2^31 + 2^7,
 * 0 <= left_shift <= 31. */
static int32_t add8_rescale(int64_t x, int32_t left_shift, const stoic_qmul *q)
{
    int64_t v;

    v = x * (int64_t)stoic_pow2_u32((uint32_t)left_shift);
    return stoic_requantize(stoic_sat_s32(v), q->m, q->shift);
}

void stoic_add_s8(const stoic_binary_q_params *p, const int8_t *a, const int8_t *b, int8_t *out)
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
            s = (int64_t)add8_rescale(x, p->left_shift, &p->a_mul)
                + (int64_t)add8_rescale(y, p->left_shift, &p->b_mul);
            out[a_row + i] = stoic_requant_s8(stoic_sat_s32(s), &p->out_mul, p->output_offset,
                                              p->act_min, p->act_max);
        }
    }
}

/*
 * stoic runtime: requantizing strided copy, int16 to int8 (conversion of a
 * symmetric int16 tensor to an asymmetric int8 one, with the geometry of
 * a concat input or a reshape copy).
 *
 * o < outer, i < in_inner:
 *   x = in[o * in_inner + i] + input_offset          (int16 side: 0),
 *   out[o * out_inner + out_offset + i] =
 *       clamp(stoic_requantize(x, qmul.m, qmul.shift) + output_offset,
 *             act_min, act_max)                       (output_offset = zp_out).
 * Typically M = s_in / s_out is about 2^-8 (shift near -7). The identity
 * multiplier (m = 2^30, shift = 1) saturates int16 to [act_min, act_max].
 * Elements of out outside the written ranges are left untouched; in and
 * out must not overlap. The output stage is stoic_requant_s8: rounding,
 * saturation and the clamp are arithmetic selects, no branch on a value.
 * Preconditions: -128 <= act_min <= act_max <= 127,
 * |input_offset| <= 2^31 - 2^15, shift in [-31, 31].
 */
#include "stoic_rt.h"

void stoic_convert_s16_s8(const stoic_copy_q_params *p, const int16_t *in, int8_t *out)
{
    int32_t o;
    int32_t i;
    int32_t in_row;
    int32_t out_row;
    int32_t x;

    for (o = 0; o < p->outer; o++) {
        in_row = o * p->in_inner;
        out_row = (o * p->out_inner) + p->out_offset;
        for (i = 0; i < p->in_inner; i++) {
            x = (int32_t)in[in_row + i] + p->input_offset;
            out[out_row + i] = stoic_requant_s8(x, &p->qmul, p->output_offset, p->act_min,
                                                p->act_max);
        }
    }
}

/*
 * stoic runtime: requantizing strided copy, int8 to int8 (one input of a
 * concat, a reshape copy, a clamp, a change of scale or zero point).
 *
 * o < outer, i < in_inner:
 *   x = in[o * in_inner + i] + input_offset,
 *   out[o * out_inner + out_offset + i] =
 *       clamp(stoic_requantize(x, qmul.m, qmul.shift) + output_offset,
 *             act_min, act_max).
 * The identity multiplier (m = 2^30, shift = 1) gives requantize(x) = x.
 * Elements of out outside the written ranges are left untouched; in and
 * out must not overlap. The output stage is stoic_requant_s8 (the int8
 * output stage of every kernel), so rounding, saturation and the clamp are
 * arithmetic selects: no branch depends on a value.
 * Preconditions: -128 <= act_min <= act_max <= 127 (so the result fits
 * int8), |input_offset| <= 2^31 - 2^7 (x does not overflow; the generator
 * gives -zp_in in [-127, 128]), shift in [-31, 31].
 */
#include "stoic_rt.h"

void stoic_copy_s8(const stoic_copy_q_params *p, const int8_t *in, int8_t *out)
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

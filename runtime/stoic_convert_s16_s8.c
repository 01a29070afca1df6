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
 *
 * The usual case, shift in [-22, -1] and |input_offset| <= 2^16 (chosen
 * once per call from the parameters, never from data), takes the int8
 * output stage in one rounding of the packed kernels (stoic_dsp_rq8a, one
 * SMLAL and SSAT; its preconditions hold: |x| <= 2^17, |2 zp + 1| 2^21 +
 * 2^17 + 2 < 2^31): the same integer as stoic_requant_s8.
 */
#include "stoic_rt.h"
#include "stoic_bits.h"
#include "stoic_dsp.h"

void stoic_convert_s16_s8(const stoic_copy_q_params *p, const int16_t *in, int8_t *out)
{
    int32_t o;
    int32_t i;
    int32_t in_row;
    int32_t out_row;
    int32_t x;
    int32_t fast;
    uint32_t us;
    uint32_t uo;
    uint64_t ds;
    uint64_t dn;
    uint32_t ok;
    uint32_t e1;      /* -shift - 1 */
    int32_t c1;       /* 2 output_offset + 1 */

    /* shift in [-22, -1] (us = -shift - 1 in [0, 21]) and |input_offset| <=
     * 2^16 (uo in [0, 2^17]): two unsigned range tests as the sign of a
     * 64-bit difference, one branch below, on the parameters only */
    us = (0U - (uint32_t)p->qmul.shift) - 1U;
    uo = (uint32_t)p->input_offset + 65536U;
    ds = (uint64_t)21U - (uint64_t)us;
    dn = (uint64_t)131072U - (uint64_t)uo;
    ok = (1U - (uint32_t)(ds >> 63U)) & (1U - (uint32_t)(dn >> 63U));
    fast = (int32_t)ok;
    e1 = ((0U - (uint32_t)p->qmul.shift) - 1U) & 31U;
    c1 = (2 * p->output_offset) + 1;
    for (o = 0; o < p->outer; o++) {
        in_row = o * p->in_inner;
        out_row = (o * p->out_inner) + p->out_offset;
        if (fast != 0) {
            for (i = 0; i < p->in_inner; i++) {
                x = (int32_t)in[in_row + i] + p->input_offset;
                out[out_row + i] = (int8_t)stoic_clamp_s32(stoic_dsp_rq8a(x, p->qmul.m, e1, c1),
                                                           p->act_min, p->act_max);
            }
        } else {
            for (i = 0; i < p->in_inner; i++) {
                x = (int32_t)in[in_row + i] + p->input_offset;
                out[out_row + i] = stoic_requant_s8(x, &p->qmul, p->output_offset, p->act_min,
                                                    p->act_max);
            }
        }
    }
}

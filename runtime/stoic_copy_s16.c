/*
 * stoic runtime: requantizing strided copy, int16 to int16 (one input of a
 * concat, a reshape copy, a clamp, a change of scale).
 *
 * o < outer, i < in_inner:
 *   x = in[o * in_inner + i] + input_offset           (int16: 0),
 *   out[o * out_inner + out_offset + i] =
 *       clamp(stoic_requantize(x, qmul.m, qmul.shift) + output_offset,
 *             act_min, act_max)                        (int16: offset 0).
 * The requantization is the 32-bit stoic_requantize (double rounding), not
 * the 64-bit one of the int16 dense and conv kernels. The identity
 * multiplier (m = 2^30, shift = 1) gives requantize(x) = x.
 * Elements of out outside the written ranges are left untouched; in and
 * out must not overlap.
 *
 * The clamp: clamp(r + off, lo, hi) = clamp(r, lo - off, hi - off) + off,
 * done on r = requantize(x) as an unsigned key (r + 2^31, whose unsigned
 * order is the order of r), by a max and a min whose condition is the high
 * word of a 64-bit difference. Neither GCC nor clang turns that form into
 * a branch (clang does, on x86, for a loop-carried multiply or and-or
 * select on a sign bit), so no branch depends on a value.
 * Preconditions: -32768 <= act_min <= act_max <= 32767 (so the result
 * fits int16), |input_offset| <= 2^31 - 2^15, |output_offset| <= 2^31 -
 * 2^16 (the bounds lo - off and hi - off are int32), shift in [-31, 31].
 */
#include "stoic_rt.h"
#include "stoic_bits.h"

#define TWO_POW_31 ((int64_t)2147483648)

void stoic_copy_s16(const stoic_copy_q_params *p, const int16_t *in, int16_t *out)
{
    int32_t o;
    int32_t i;
    int32_t in_row;
    int32_t out_row;
    int32_t x;
    uint32_t key_lo;  /* key of act_min - output_offset */
    uint32_t key_hi;  /* key of act_max - output_offset */
    uint32_t k;

    key_lo = ((uint32_t)p->act_min - (uint32_t)p->output_offset) + 0x80000000U;
    key_hi = ((uint32_t)p->act_max - (uint32_t)p->output_offset) + 0x80000000U;
    for (o = 0; o < p->outer; o++) {
        in_row = o * p->in_inner;
        out_row = (o * p->out_inner) + p->out_offset;
        for (i = 0; i < p->in_inner; i++) {
            x = (int32_t)in[in_row + i] + p->input_offset;
            /* the key r + 2^31 (modular conversion, defined) */
            k = (uint32_t)stoic_requantize(x, p->qmul.m, p->qmul.shift) ^ 0x80000000U;
            k = stoic_min_u32(stoic_max_u32(k, key_lo), key_hi);
            /* back to r in int64 (no out-of-range conversion), plus the offset:
             * the sum is in [act_min, act_max] */
            out[out_row + i] = (int16_t)(((int64_t)k - TWO_POW_31) + (int64_t)p->output_offset);
        }
    }
}

/*
 * stoic runtime: element-wise function by interpolated table, int16.
 *
 * Entry k of the 513-entry table is the output for the input
 * q = 128 k - 32768 (entry 512 for the virtual q = 32768). For each element:
 *   u = in[i] + 32768 (in [0, 65535]),  k = u / 128 (in [0, 511]),
 *   f = u % 128,
 *   out[i] = table[k] + floor(((table[k + 1] - table[k]) * f + 64) / 128),
 * i.e. linear interpolation rounded to nearest, ties toward +infinity.
 *
 * Why exact: u is non-negative, so k = u >> 7 and f = u & 127 are the exact
 * quotient and remainder. With d = table[k + 1] - table[k] in
 * [-65535, 65535] and f <= 127, x = d f + 64 is in [-8322881, 8322945];
 * adding 2^23 = 65536 * 128 makes it non-negative, so floor(x / 128) =
 * ((x + 2^23) >> 7) - 65536 exactly, with no shift of a negative value.
 * The interpolated value lies between table[k] and table[k + 1] (the
 * rounded step is between 0 and d inclusive, as f / 128 < 1), so it fits
 * int16_t and the final conversion is of an in-range value: no clamp is
 * needed. Every index is inside the table for every input; the same
 * instructions run for every input. The element computation is
 * stoic_lut_interp_s16 (stoic_bits.h), shared with the int16 recurrent
 * kernels.
 */
#include "stoic_rt.h"
#include "stoic_bits.h"

void stoic_lut_s16(const stoic_lut_s16_params *p, const int16_t *in, int16_t *out)
{
    int32_t i;

    for (i = 0; i < p->n; i++) {
        out[i] = stoic_lut_interp_s16(p->table, in[i]);
    }
}

/*
 * stoic runtime: helpers shared by the float and the integer kernels.
 * No floating point here: an integer-only model can ship this file.
 *
 * Index arithmetic only, and without a division instruction: on
 * Cortex-M (SDIV/UDIV) and most cores a division takes a time that depends
 * on its operands, and a core without one calls a library routine. The
 * run path of a model holds no division (checked on the disassembly by
 * target/, make target-check).
 */
#include "stoic_rt.h"
#include "stoic_bits.h"

/* Taps k in [0, k_n) with 0 <= base + k * dil < in_n: the first in *first,
 * one past the last in *end (empty when *first == *end). base is
 * out_index * stride - pad_before; dil >= 1, in_n >= 1, and
 * |base| + k_n * dil < 2^31 (the generator bounds every index).
 *
 * v(k) = base + k * dil grows with k, so the taps before the input are
 * k < lo with lo = #{k : v(k) < 0}, and the taps not beyond its end are
 * k < hi with hi = #{k : v(k) <= in_n - 1}; every tap counted in lo is
 * counted in hi (in_n >= 1), so lo <= hi. Each count is a sum of sign
 * bits over the k_n taps: no division, no branch on the values. */
void stoic_tap_range(int32_t base, int32_t dil, int32_t k_n, int32_t in_n, int32_t *first,
                     int32_t *end)
{
    int32_t k;
    int32_t v;
    uint32_t lo;
    uint32_t hi;

    lo = 0U;
    hi = 0U;
    v = base;
    for (k = 0; k < k_n; k++) {
        lo = lo + ((uint32_t)v >> 31U);                          /* v < 0 */
        hi = hi + (1U - stoic_lt_u32(in_n - 1, v));    /* v <= in_n - 1 */
        v = v + dil;
    }
    *first = (int32_t)lo;
    *end = (int32_t)hi;
}

/* floor(n / d) for 0 <= n < 2^31 and 1 <= d < 2^31 (index arithmetic of
 * the kernels, e.g. channels per group): restoring binary long division,
 * 31 steps whatever the values, each a shift, a subtraction and a masked
 * select; no division instruction and no branch on the values. At the
 * step for bit b the partial remainder r < d is shifted in with bit b of
 * n; since r < d < 2^31, 2 * r + 1 < 2^32 does not wrap. */
int32_t stoic_div_index(int32_t n, int32_t d)
{
    uint32_t un;
    uint32_t ud;
    uint32_t r;
    uint32_t q;
    uint32_t t;
    uint32_t ge;    /* 1 when r >= d */
    int32_t b;

    un = (uint32_t)n;
    ud = (uint32_t)d;
    r = 0U;
    q = 0U;
    for (b = 30; b >= 0; b--) {
        r = (r << 1U) | ((un >> (uint32_t)b) & 1U);
        t = r - ud;
        ge = 1U - (t >> 31U);            /* r - d >= 0: both below 2^31 */
        r = r ^ ((r ^ t) & (0U - ge));
        q = (q << 1U) | ge;
    }
    return (int32_t)q;
}

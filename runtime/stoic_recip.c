/*
 * stoic runtime: constant-time reciprocal, stoic_recip46(s) = floor(2^46 / s)
 * for 2^15 <= s <= 2^31 - 1 (precondition, stoic_rt.h); the result is in
 * [2^15, 2^31] (2^31 exactly when s = 2^15).
 *
 * Restoring long division of N = 2^46 by s, one quotient bit per step, most
 * significant bit first, in 32-bit unsigned arithmetic:
 *  - The bits of N above bit 31 form floor(N / 2^32) = 2^14 < 2^15 <= s, so
 *    every quotient bit above bit 31 is 0 and the partial remainder entering
 *    the step of bit 31 is r = 2^14, with 0 <= r < s.
 *  - Bits 31 ... 0 of N are all 0. The step of bit i doubles the remainder,
 *    r2 = 2 r (< 2 s < 2^32, no wrap), and when r2 >= s subtracts s and sets
 *    quotient bit i. This keeps 0 <= r < s, so after the 32 steps
 *    q = floor(N / s) and r = N mod s: the textbook invariant of restoring
 *    division, with no rounding anywhere, hence exact.
 *
 * Constant time: exactly 32 steps for every s, and the comparison r2 >= s is
 * read from the borrow of r2 - s (bit 31 of the 32-bit difference: when
 * r2 < s the difference wraps to 2^32 - (s - r2) with 0 < s - r2 < 2^31,
 * bit 31 set; when r2 >= s it is r2 - s < s < 2^31, bit 31 clear). The
 * subtraction of s is masked, not branched. No hardware divide is used (its
 * time depends on the operands on Cortex-M).
 *
 * Outside the precondition the result is meaningless but still defined:
 * the conversion of s to uint32_t is modular and unsigned arithmetic wraps.
 */
#include "stoic_rt.h"

#define RECIP_STEPS 32 /* quotient bits 31 ... 0 */

uint32_t stoic_recip46(int32_t s)
{
    uint32_t d;      /* the divisor s */
    uint32_t r;      /* partial remainder, 0 <= r < d */
    uint32_t r2;     /* 2 r */
    uint32_t ge;     /* quotient bit: 1 when r2 >= d */
    uint32_t mask;   /* all ones when ge == 1, else 0 */
    uint32_t q;
    int32_t step;

    d = (uint32_t)s;
    r = 16384U;      /* floor(2^46 / 2^32) = 2^14 */
    q = 0U;
    for (step = 0; step < RECIP_STEPS; step++) {
        r2 = r << 1U;
        ge = 1U - ((r2 - d) >> 31U);
        mask = 0U - ge;
        r = r2 - (d & mask);
        q = (q << 1U) | ge;
    }
    return q;
}

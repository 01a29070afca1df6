/*
 * stoic runtime: integer requantization primitives (int8/int16 kernels).
 *
 * The integer contract of /work/shared/arithmetic.md (TensorFlow Lite's
 * reference integer kernels), bit for bit:
 *   SRDHM(a, b)   saturating rounding doubling high multiply,
 *   RDBPOT(x, e)  rounding divide by a power of two (ties away from zero),
 *   requantize    RDBPOT(SRDHM(sat32(acc * 2^max(shift,0)), m), max(-shift,0)),
 *   requant_s8    requantize + output zero point, clamped to the activation.
 *
 * Timing: no branch depends on a value. Every select is arithmetic: a
 * condition becomes 0 or 1 (the sign bit of a 64-bit difference, read as
 * an unsigned number) and multiplies the difference of the two choices.
 *
 * Portability: nothing here relies on implementation-defined behaviour.
 * No negative value is shifted: the arithmetic right shift x >> e of
 * RDBPOT is computed on u = x + 2^31, which is non-negative, as
 * (u >> e) - 2^(31 - e) (exact, since 2^e divides 2^31); and x & (2^e - 1)
 * equals u & (2^e - 1) for the same reason. Signed to unsigned conversions
 * are modular (defined); every unsigned to signed conversion is of a value
 * that fits. int64 division truncates toward zero (C99 6.5.5), which is
 * what SRDHM specifies.
 */
#include "stoic_rt.h"

#define TWO_POW_30 ((int64_t)1073741824)
#define TWO_POW_31 ((int64_t)2147483648)
#define I32_MAX_64 ((int64_t)2147483647)
#define I32_MIN_64 (-TWO_POW_31)

/* 1 when a < b, else 0; |a - b| < 2^63 (all callers stay below 2^63). */
static int64_t lt_flag(int64_t a, int64_t b)
{
    return (int64_t)((uint64_t)(a - b) >> 63U);
}

/* min(max(x, lo), hi) for lo <= hi, by arithmetic selects. */
static int64_t clamp64(int64_t x, int64_t lo, int64_t hi)
{
    int64_t y;

    y = x + ((lo - x) * lt_flag(x, lo));
    y = y + ((hi - y) * lt_flag(hi, y));
    return y;
}

int32_t stoic_srdhm(int32_t a, int32_t b)
{
    int64_t p;
    int64_t neg;
    int64_t nudge;
    int64_t q;
    int64_t over;

    p = (int64_t)a * (int64_t)b;          /* exact: |p| <= 2^62 */
    neg = lt_flag(p, 0);                  /* 1 when p < 0 */
    /* 2^30 when p >= 0, 1 - 2^30 when p < 0 (2^30 - (2^31 - 1)) */
    nudge = TWO_POW_30 - (neg * (TWO_POW_31 - 1));
    q = (p + nudge) / TWO_POW_31;         /* truncates toward zero */
    /* |q| <= 2^31 - 1 except for a == b == INT32_MIN, where p = 2^62 and
     * q = 2^31: that one case saturates to INT32_MAX. */
    over = lt_flag(I32_MAX_64, q);
    return (int32_t)(q - over);
}

int32_t stoic_rdbpot(int32_t x, int32_t e)
{
    uint64_t u;     /* x + 2^31, in [0, 2^32) */
    uint64_t mask;
    uint64_t r;
    uint64_t t;
    uint64_t up;
    int64_t fl;     /* floor(x / 2^e), the arithmetic shift x >> e */

    u = (uint64_t)((int64_t)x + TWO_POW_31);
    mask = ((uint64_t)1U << (uint32_t)e) - 1U;
    r = u & mask;                                   /* == x & mask */
    /* (mask >> 1) + (x < 0 ? 1 : 0); bit 31 of u is clear exactly when x < 0 */
    t = (mask >> 1U) + (1U - (u >> 31U));
    up = (t - r) >> 63U;                            /* 1 when r > t (both < 2^32) */
    fl = (int64_t)(u >> (uint32_t)e) - (int64_t)((uint64_t)1U << (uint32_t)(31 - e));
    return (int32_t)(fl + (int64_t)up);             /* in [-2^31, 2^31 - 1] */
}

int32_t stoic_requantize(int32_t acc, int32_t m, int32_t shift)
{
    int32_t neg;    /* 1 when shift < 0 */
    int32_t left;   /* max(shift, 0) */
    int32_t right;  /* max(-shift, 0) */
    int64_t v;

    neg = (int32_t)((uint32_t)shift >> 31U);
    left = shift * (1 - neg);
    right = (-shift) * neg;
    /* |acc| * 2^31 <= 2^62: exact in int64, then saturated to int32 */
    v = (int64_t)acc * (int64_t)((uint64_t)1U << (uint32_t)left);
    v = clamp64(v, I32_MIN_64, I32_MAX_64);
    return stoic_rdbpot(stoic_srdhm((int32_t)v, m), right);
}

int8_t stoic_requant_s8(int32_t acc, const stoic_qmul *q, int32_t output_offset,
                        int32_t act_min, int32_t act_max)
{
    int64_t y;

    /* in int64: requantize may give INT32_MAX, and the offset must not wrap */
    y = (int64_t)stoic_requantize(acc, q->m, q->shift) + (int64_t)output_offset;
    y = clamp64(y, (int64_t)act_min, (int64_t)act_max);
    return (int8_t)y;
}

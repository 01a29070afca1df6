/*
 * stoic runtime: integer requantization primitives (int8/int16 kernels).
 *
 * The integer contract of /work/shared/arithmetic.md (TensorFlow Lite's
 * reference integer kernels), bit for bit:
 *   SRDHM(a, b)   saturating rounding doubling high multiply,
 *   RDBPOT(x, e)  rounding divide by a power of two (ties away from zero),
 *   requantize    RDBPOT(SRDHM(sat32(acc * 2^max(shift,0)), m), max(-shift,0)),
 *   requant_s8    requantize + output zero point, clamped to the activation,
 *   requantize64  sat32(floor((acc * m * 2^shift + 2^30) / 2^31)) for a 64-bit
 *                 accumulator (the int16 kernels), a single exact rounding,
 *   requant_s16   requantize64 clamped to the activation.
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

/* ---- 64-bit requantization (int16 kernels) --------------------------------
 *
 * stoic_requantize64(acc, m, shift) = sat32(floor((acc * m * 2^shift + 2^30) / 2^31))
 * for |acc| <= 2^47, 2^30 <= m <= 2^31 - 1, -31 <= shift <= 31. Why it is
 * exact, step by step (no intermediate value is rounded, none can wrap):
 *
 * 1. Pre-saturation. For shift >= 0 the multiplier M = m * 2^(shift - 31)
 *    is >= 1/2, so |acc| * 2^shift >= 2^32 gives |acc * M| >= 2^31: the
 *    result saturates. Replacing acc by clamp(acc, -2^(32 - shift),
 *    2^(32 - shift)) therefore keeps the result: +2^32 * M >= 2^31 still
 *    saturates to INT32_MAX, and -2^32 * M <= -2^31 (plus the rounding
 *    term 1/2, floor is still <= -2^31) still gives INT32_MIN. For
 *    shift < 0 the clamp is to +-2^47, the precondition (a no-op).
 *    Then x = acc * 2^max(shift, 0) has |x| <= 2^47 (2^32 when shift > 0)
 *    and the result is sat32(floor((x * m + 2^(e - 1)) / 2^e)) with
 *    e = 31 + max(-shift, 0) in [31, 62].
 * 2. x * m can reach 2^78, so m is split in 16-bit halves, m = mh * 2^16 + ml
 *    (mh < 2^15, ml < 2^16): t = x * ml (|t| < 2^63) is written
 *    t = th * 2^16 + tl with th = floor(t / 2^16) and 0 <= tl < 2^16, and
 *    x * m = s * 2^16 + tl with s = x * mh + th (|s| < 2^62 + 2^47).
 * 3. With N = s + 2^(e - 17) (e - 17 >= 14, |N| < 2^63):
 *    x * m + 2^(e - 1) = N * 2^16 + tl, and since 0 <= tl < 2^16 and 2^16
 *    divides 2^e, floor((N * 2^16 + tl) / 2^e) = floor(N / 2^(e - 16)).
 *    (Write N = Q * 2^(e - 16) + R, 0 <= R < 2^(e - 16): the remainder
 *    R * 2^16 + tl is at most 2^e - 1.)
 * 4. floor(v / 2^k) is computed without shifting a negative value: the
 *    unsigned image of v plus 2^63 is the non-negative v + 2^63, and
 *    (v + 2^63) >> k = floor(v / 2^k) + 2^(63 - k) exactly.
 * 5. The quotient (|q| <= 2^47) is saturated to int32 by arithmetic selects.
 */

#define TWO_POW_63_U ((uint64_t)1U << 63U)

/* floor(v / 2^k) for 1 <= k <= 63, for any int64 v (see step 4). */
static int64_t floor_pow2(int64_t v, uint32_t k)
{
    uint64_t u;

    u = (uint64_t)v + TWO_POW_63_U;     /* modular: the value v + 2^63 */
    /* u >> k < 2^63 fits; the difference is floor(v / 2^k), in range */
    return (int64_t)(u >> k) - (int64_t)(TWO_POW_63_U >> k);
}

int32_t stoic_requantize64(int64_t acc, int32_t m, int32_t shift)
{
    int32_t neg;    /* 1 when shift < 0 */
    int32_t left;   /* max(shift, 0) */
    int32_t right;  /* max(-shift, 0) */
    int64_t lim;    /* pre-saturation bound of acc (step 1) */
    int64_t x;      /* acc * 2^left, |x| <= 2^47 */
    uint32_t mu;
    int64_t mh;     /* m = mh * 2^16 + ml */
    int64_t ml;
    int64_t th;     /* floor(x * ml / 2^16) */
    int64_t s;      /* x * m = s * 2^16 + tl */
    uint32_t e;     /* x * m is divided by 2^e, 31 <= e <= 62 */
    int64_t q;

    neg = (int32_t)((uint32_t)shift >> 31U);
    left = shift * (1 - neg);
    right = (-shift) * neg;
    /* 2^(32 - left) when shift >= 0, 2^47 when shift < 0 (left = 0 then) */
    lim = (int64_t)((uint64_t)1U << (uint32_t)((32 - left) + (15 * neg)));
    x = clamp64(acc, -lim, lim) * (int64_t)((uint64_t)1U << (uint32_t)left);
    mu = (uint32_t)m;
    mh = (int64_t)(mu >> 16U);
    ml = (int64_t)(mu & 0xFFFFU);
    th = floor_pow2(x * ml, 16U);
    s = (x * mh) + th;
    e = (uint32_t)(31 + right);
    q = floor_pow2(s + (int64_t)((uint64_t)1U << (e - 17U)), e - 16U);
    q = clamp64(q, I32_MIN_64, I32_MAX_64);
    return (int32_t)q;
}

int16_t stoic_requant_s16(int64_t acc, const stoic_qmul *q, int32_t act_min, int32_t act_max)
{
    int64_t y;

    y = (int64_t)stoic_requantize64(acc, q->m, q->shift);
    y = clamp64(y, (int64_t)act_min, (int64_t)act_max);   /* in [-32768, 32767] */
    return (int16_t)y;
}

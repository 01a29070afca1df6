/*
 * stoic runtime: integer requantization primitives (int8/int16 kernels).
 *
 * The integer contract of ../shared/arithmetic.md (TensorFlow Lite's
 * reference integer kernels), bit for bit:
 *   SRDHM(a, b)   saturating rounding doubling high multiply,
 *   RDBPOT(x, e)  rounding divide by a power of two (ties away from zero),
 *   requantize    RDBPOT(SRDHM(sat32(acc * 2^max(shift,0)), m), max(-shift,0)),
 *   requant_s8    requantize + output zero point, clamped to the activation,
 *   requantize64  sat32(floor((acc * m * 2^shift + 2^30) / 2^31)) for a 64-bit
 *                 accumulator (the int16 kernels), a single exact rounding,
 *   requant_s16   requantize64 clamped to the activation.
 *
 * Timing: the same instructions for every value, on every compiler we
 * know of. The code is written so that a compiler has nothing to lower
 * into a branch or a library call:
 *  - no division and no remainder (arm-none-eabi-gcc 12 lowers a signed
 *    64-bit division by 2^31 to a compare and a conditional branch on the
 *    sign; x86 compilers happen to use a cmov): every floor division by a
 *    power of two is an unsigned shift of a biased value;
 *  - no comparison, no ?:, no if: a condition is a bit of a value (the
 *    sign bit of a difference, read as an unsigned number) and a select
 *    is a mask, x ^ ((x ^ y) & (0 - c));
 *  - no 64-bit shift by a variable amount (a library call on cores without
 *    a 64-bit shifter sequence): variable shifts are 32-bit, by 0..31;
 *    64-bit shifts are by constants, and a 64-bit value is scaled by 2^k
 *    as a multiplication by the 32-bit power of two 1U << k.
 * The QEMU trace test (target/, make target-check) is the judge: on
 * Cortex-M4 and Cortex-M7 the executed instruction path of every int8
 * and int16 example is identical for every input.
 *
 * Portability: nothing here relies on implementation-defined behaviour.
 * No negative value is shifted (signed values are biased into unsigned
 * ones first: x + 2^31 for an int32, v + 2^63 for an int64); signed to
 * unsigned conversions are modular (defined); an unsigned bit pattern is
 * turned into an int32 by s32_of_bits (arithmetic, no conversion of an
 * out-of-range value), and every other unsigned to signed conversion is
 * of a value that fits.
 */
#include "stoic_rt.h"
#include "stoic_bits.h"

#define TWO_POW_31_U ((uint32_t)0x80000000U)
#define TWO_POW_30_U64 ((uint64_t)1073741824U)
#define TWO_POW_63_U64 ((uint64_t)1U << 63U)

/* 0xFFFFFFFF when c == 1, 0 when c == 0 */
static uint32_t mask32(uint32_t c)
{
    return 0U - c;
}

/* floor(v / 2^16) and floor(v / 2^15), floor(v / 2^32) for any int64 v:
 * the unsigned image of v plus 2^63 is the non-negative v + 2^63, and
 * (v + 2^63) >> k = floor(v / 2^k) + 2^(63 - k) exactly. */
static int64_t floor_shr16(int64_t v)
{
    uint64_t u;

    u = ((uint64_t)v + TWO_POW_63_U64) >> 16U;
    return (int64_t)u - (int64_t)140737488355328;   /* 2^47 */
}

static int64_t floor_shr15(int64_t v)
{
    uint64_t u;

    u = ((uint64_t)v + TWO_POW_63_U64) >> 15U;
    return (int64_t)u - (int64_t)281474976710656;   /* 2^48 */
}

static int32_t floor_shr32(int64_t v)
{
    uint64_t u;
    int64_t w;

    u = ((uint64_t)v + TWO_POW_63_U64) >> 32U;
    w = (int64_t)u - (int64_t)2147483648;   /* 2^31 */
    return (int32_t)w;
}

/* sat32(w) for |w| < 2^63: w + 2^31 (mod 2^64) is below 2^32 exactly when
 * w fits an int32; otherwise the result is INT32_MAX or INT32_MIN by the
 * sign of w. */
static int32_t sat32_64(int64_t w)
{
    uint64_t u;
    uint32_t hi;
    uint32_t out;   /* 1 when w does not fit */
    uint32_t sat;   /* bits of INT32_MAX (w > 0) or INT32_MIN (w < 0) */
    uint32_t bits;

    u = (uint64_t)w + (uint64_t)TWO_POW_31_U;
    hi = (uint32_t)(u >> 32U);
    out = (hi | (0U - hi)) >> 31U;
    sat = 0x7FFFFFFFU + (uint32_t)((uint64_t)w >> 63U);
    bits = (uint32_t)u ^ TWO_POW_31_U;          /* the low 32 bits of w */
    bits = bits ^ ((bits ^ sat) & mask32(out));
    return stoic_s32_of_bits(bits);
}

/* SRDHM(a, b) = floor((a * b + 2^30) / 2^31), saturated: with p = a * b,
 * the contract's (p + (p >= 0 ? 2^30 : 1 - 2^30)) / 2^31 truncated toward
 * zero is floor((p + 2^30) / 2^31) (for p < 0 the numerator is negative,
 * and truncating (v + 1 - 2^31) / 2^31 toward zero is ceil((v + 1 - 2^31)
 * / 2^31) = floor(v / 2^31) with v = p + 2^30).
 * p is in [-2^62 + 2^31, 2^62], so u = p + 2^30 + 2^63 is in
 * [2^62, 2^63 + 2^62 + 2^30] and (u >> 31) - 2^32 is the floor, in
 * [-2^31 + 1, 2^31]; its low 32 bits are the result's bits except for
 * 2^31, which only a == b == INT32_MIN gives (p = 2^62; every other p is
 * at most (2^31 - 1)^2 < 2^62 - 2^30): exactly then bits 63 and 62 of u
 * are both set, and 2^31 - 1 = INT32_MAX is returned. */
int32_t stoic_srdhm(int32_t a, int32_t b) /* MISRA deviation MD-05 */
{
    int64_t p;
    uint64_t u;
    uint32_t hi;
    uint32_t over;

    p = (int64_t)a * (int64_t)b;
    u = (uint64_t)p + (TWO_POW_63_U64 + TWO_POW_30_U64);
    hi = (uint32_t)(u >> 32U);
    over = (hi >> 30U) & (hi >> 31U);
    return stoic_s32_of_bits((uint32_t)(u >> 31U) - over);
}

/* RDBPOT(x, e), 0 <= e <= 31: with u = x + 2^31 in [0, 2^32) (the bits of
 * x with bit 31 flipped),
 *   x >> e (arithmetic) = (u >> e) - 2^(31 - e), exact since 2^e divides
 *                         2^31; its bits are the difference mod 2^32;
 *   x & (2^e - 1)       = u & (2^e - 1), for the same reason;
 *   x < 0               exactly when bit 31 of u is clear;
 * and r > t for r < 2^31, t <= 2^30 is the sign bit of t - r. The sum
 * floor + up stays in int32 (up = 1 needs e >= 1, so floor < 2^30). */
int32_t stoic_rdbpot(int32_t x, int32_t e) /* MISRA deviation MD-05 */
{
    uint32_t ue;
    uint32_t u;
    uint32_t mask;
    uint32_t r;
    uint32_t t;
    uint32_t up;
    uint32_t fl;

    ue = (uint32_t)e;
    u = (uint32_t)x ^ TWO_POW_31_U;
    mask = (1U << ue) - 1U;
    r = u & mask;
    t = (mask >> 1U) + (1U - (u >> 31U));
    up = (t - r) >> 31U;
    fl = (u >> ue) - (TWO_POW_31_U >> ue);
    return stoic_s32_of_bits(fl + up);
}

int32_t stoic_requantize(int32_t acc, int32_t m, int32_t shift) /* MISRA deviation MD-05 */
{
    uint32_t us;
    uint32_t neg;   /* 1 when shift < 0 */
    uint32_t left;  /* max(shift, 0) */
    uint32_t right; /* max(-shift, 0) */
    int32_t v;

    us = (uint32_t)shift;
    neg = us >> 31U;
    left = us & mask32(1U - neg);
    right = (0U - us) & mask32(neg);
    /* |acc| * 2^31 <= 2^62: exact in int64, then saturated to int32 */
    v = sat32_64((int64_t)acc * (int64_t)stoic_pow2_u32(left));
    return stoic_rdbpot(stoic_srdhm(v, m), (int32_t)right);
}

int8_t stoic_requant_s8(int32_t acc, const stoic_qmul *q, int32_t output_offset,
                        int32_t act_min, int32_t act_max)
{
    int64_t y;

    /* in int64: requantize may give INT32_MAX, and the offset must not wrap */
    y = (int64_t)stoic_requantize(acc, q->m, q->shift) + (int64_t)output_offset;
    y = stoic_clamp_mask_s64(y, (int64_t)act_min, (int64_t)act_max);
    return (int8_t)y;
}

/* ---- 64-bit requantization (int16 kernels) --------------------------------
 *
 * stoic_requantize64(acc, m, shift) = sat32(floor((acc * m * 2^shift + 2^30) / 2^31))
 * for |acc| <= 2^47, 2^30 <= m <= 2^31 - 1, -31 <= shift <= 31. With
 * left = max(shift, 0), right = max(-shift, 0), e = 31 + right, the result
 * is sat32(floor((acc * 2^left * m + 2^(e - 1)) / 2^e)). Why it is exact,
 * step by step (no intermediate value is rounded, none can wrap):
 *
 * 1. Pre-saturation. For shift >= 0 the multiplier M = m * 2^(shift - 31)
 *    is >= 1/2, so |acc| * 2^shift >= 2^32 gives |acc * M| >= 2^31: the
 *    result saturates. Replacing acc by clamp(acc, -2^(32 - shift),
 *    2^(32 - shift)) therefore keeps the result: +2^32 * M >= 2^31 still
 *    saturates to INT32_MAX, and -2^32 * M <= -2^31 (plus the rounding
 *    term 1/2, floor is still <= -2^31) still gives INT32_MIN. For
 *    shift < 0 the clamp is to +-2^47, the precondition (a no-op).
 *    Then x = acc * 2^left has |x| <= 2^47 (2^32 when shift > 0).
 * 2. x * m can reach 2^78, so m is split in 16-bit halves, m = mh * 2^16 + ml
 *    (mh < 2^15, ml < 2^16): t = x * ml (|t| < 2^63) is written
 *    t = th * 2^16 + tl with th = floor(t / 2^16) and 0 <= tl < 2^16, and
 *    x * m = s * 2^16 + tl with s = x * mh + th (|s| < 2^62 + 2^47).
 * 3. Since 0 <= tl < 2^16 and 2^16 divides both 2^(e - 1) and 2^31:
 *    Q = floor((x * m + 2^(e - 1)) / 2^31) = floor((s + 2^(e - 17)) / 2^15)
 *    (|s + 2^(e - 17)| < 2^63; write N = s + 2^(e - 17) = Q * 2^15 + R,
 *    0 <= R < 2^15: the remainder R * 2^16 + tl is at most 2^31 - 1), and
 *    2^(e - 17) = 2^14 * 2^right.
 * 4. floor(y / 2^e) = floor(Q / 2^right) (floors of divisions by powers of
 *    two compose). |Q| <= 2^47 + 1 is split as Q = Qh * 2^32 + Ql with
 *    Qh = floor(Q / 2^32) (|Qh| <= 2^15 + 1) and 0 <= Ql < 2^32, so
 *    floor(Q / 2^right) = Qh * 2^(32 - right) + (Ql >> right) exactly: a
 *    32-bit shift and a multiplication by 2 * 2^(31 - right), no 64-bit
 *    shift by a variable amount.
 * 5. The quotient (|q| <= 2^47 + 1) is saturated to int32 (sat32_64).
 * Every floor of a division by a constant power of two is an unsigned
 * shift of v + 2^63 (floor_shr15, floor_shr16, floor_shr32).
 */

int32_t stoic_requantize64(int64_t acc, int32_t m, int32_t shift)
{
    uint32_t us;
    uint32_t neg;   /* 1 when shift < 0 */
    uint32_t left;  /* max(shift, 0) */
    uint32_t right; /* max(-shift, 0) */
    int64_t lim;    /* pre-saturation bound of acc (step 1) */
    int64_t lim_neg;
    int64_t x;      /* acc * 2^left, |x| <= 2^47 */
    uint32_t mu;
    int64_t mh;     /* m = mh * 2^16 + ml */
    int64_t ml;
    int64_t th;     /* floor(x * ml / 2^16) */
    int64_t s;      /* x * m = s * 2^16 + tl */
    int64_t q;      /* Q of step 3 */
    int32_t qh;     /* Q = qh * 2^32 + ql */
    uint32_t ql;
    uint64_t d;
    uint32_t mhu;

    us = (uint32_t)shift;
    neg = us >> 31U;
    left = us & mask32(1U - neg);
    right = (0U - us) & mask32(neg);
    /* 2^(32 - left) = 2 * 2^(31 - left) when shift >= 0, 2^47 when shift < 0 */
    lim = (int64_t)stoic_pow2_u32(31U - left) * 2;
    lim_neg = (int64_t)140737488355328;   /* 2^47 */
    d = ((uint64_t)lim_neg - (uint64_t)lim) & (0U - (uint64_t)neg);
    lim = lim + (int64_t)d;
    x = stoic_clamp_mask_s64(acc, -lim, lim) * (int64_t)stoic_pow2_u32(left);
    mu = (uint32_t)m;
    mhu = mu >> 16U;
    mh = (int64_t)mhu;
    mhu = mu & 0xFFFFU;
    ml = (int64_t)mhu;
    th = floor_shr16(x * ml);
    s = (x * mh) + th;
    q = floor_shr15(s + ((int64_t)stoic_pow2_u32(right) * 16384));
    qh = floor_shr32(q);
    ql = (uint32_t)((uint64_t)q & 0xFFFFFFFFU);
    /* floor(q / 2^right) = qh * 2^(32 - right) + (ql >> right) */
    ql = ql >> right;
    q = (((int64_t)qh * (int64_t)stoic_pow2_u32(31U - right)) * 2) + (int64_t)ql;
    return sat32_64(q);
}

int16_t stoic_requant_s16(int64_t acc, const stoic_qmul *q, int32_t act_min, int32_t act_max)
{
    int64_t y;

    y = (int64_t)stoic_requantize64(acc, q->m, q->shift);
    y = stoic_clamp_mask_s64(y, (int64_t)act_min, (int64_t)act_max);   /* in [-32768, 32767] */
    return (int16_t)y;
}

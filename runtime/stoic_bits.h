/*
 * stoic runtime: integer helpers shared by the kernels, without a branch
 * on data (one definition each, instead of a static copy per kernel file:
 * MISRA C:2012 Rule 5.9). static inline (Rule 8.10): each kernel compiles
 * them as before, with the same instructions (checked when they moved
 * here: the object code of every runtime file is unchanged).
 *
 * MISRA C:2012 Rule 10.8: a composite expression is never cast to another
 * essential type category or a wider type. A difference of two signed
 * values is formed on their unsigned images ((uint32_t)a - (uint32_t)b:
 * the same bits as a - b, modulo 2^32, and no signed overflow), and a bit
 * computed in an unsigned variable is converted on its own.
 */
#ifndef STOIC_BITS_H
#define STOIC_BITS_H

#include <stdint.h>

/* 1 when a < b, else 0; |a - b| < 2^31 (the sign bit of a - b) */
static inline uint32_t stoic_lt_u32(int32_t a, int32_t b)
{
    uint32_t d;

    d = (uint32_t)a - (uint32_t)b;
    return d >> 31U;
}

static inline int32_t stoic_lt_s32(int32_t a, int32_t b)
{
    uint32_t f;

    f = stoic_lt_u32(a, b);
    return (int32_t)f;
}

/* 1 when a < b, else 0; |a - b| < 2^63 (the sign bit of a - b) */
static inline uint64_t stoic_lt_u64(int64_t a, int64_t b)
{
    uint64_t d;

    d = (uint64_t)a - (uint64_t)b;
    return d >> 63U;
}

static inline int64_t stoic_lt_s64(int64_t a, int64_t b)
{
    uint64_t f;

    f = stoic_lt_u64(a, b);
    return (int64_t)f;
}

/* min(max(x, lo), hi) for lo <= hi by arithmetic selects; the products
 * (lo - x) * flag and (hi - y) * flag fit (|x| < 2^62 + 2^48, |lo|, |hi|
 * < 2^32 at every call) */
static inline int64_t stoic_clamp_s64(int64_t x, int64_t lo, int64_t hi)
{
    int64_t y;

    y = x + ((lo - x) * stoic_lt_s64(x, lo));
    y = y + ((hi - y) * stoic_lt_s64(hi, y));
    return y;
}

/* x saturated to [INT32_MIN, INT32_MAX], |x| < 2^62 + 2^40 */
static inline int32_t stoic_sat_s32(int64_t x)
{
    int64_t y;

    y = stoic_clamp_s64(x, (int64_t)INT32_MIN, (int64_t)INT32_MAX);
    return (int32_t)y;
}

/* The int32 whose two's complement bits are p: (p mod 2^31) + bit31 *
 * INT32_MIN, without overflow and without converting an out-of-range
 * value (gcc and clang emit no instruction for it). */
static inline int32_t stoic_s32_of_bits(uint32_t p)
{
    uint32_t lo;
    uint32_t hi;

    lo = p & 0x7FFFFFFFU;
    hi = p >> 31U;
    return (int32_t)lo + ((int32_t)hi * INT32_MIN);
}

/* 1 when x != 0, else 0 */
static inline uint32_t stoic_nz_u32(uint32_t x)
{
    return (x | (0U - x)) >> 31U;
}

/* 2^k as a 32-bit unsigned value, 0 <= k <= 31 (a 32-bit shift: no 64-bit
 * shift by a variable amount, which is a library call on some cores) */
static inline uint32_t stoic_pow2_u32(uint32_t k)
{
    return 1U << k;
}

/* min(max(x, lo), hi) for lo <= hi and |x|, |lo|, |hi| < 2^62, by masks on
 * unsigned images: a difference is selected only where it is positive
 * (lo - x when x < lo, y - hi when y > hi), so converting it back to
 * int64 is of a value that fits. */
static inline int64_t stoic_clamp_mask_s64(int64_t x, int64_t lo, int64_t hi)
{
    uint64_t d;
    int64_t y;

    d = ((uint64_t)lo - (uint64_t)x) & (0U - stoic_lt_u64(x, lo));
    y = x + (int64_t)d;
    d = ((uint64_t)y - (uint64_t)hi) & (0U - stoic_lt_u64(hi, y));
    y = y - (int64_t)d;
    return y;
}

/* The interpolated lookup of stoic_lut_s16 (stoic_rt.h) for one value v:
 * table has 513 entries, entry k the output for the input 128 k - 32768;
 * u = v + 32768, k = u / 128, f = u % 128, and the result is
 * table[k] + floor(((table[k + 1] - table[k]) * f + 64) / 128).
 * Exact (stoic_lut_s16.c): u is in [0, 65535], so k = u >> 7 (in
 * [0, 511]) and f = u & 127 are the exact quotient and remainder and both
 * indices are inside the table; x = (t1 - t0) f + 64 is in [-8322881,
 * 8322945], and x + 2^23 is non-negative, so floor(x / 128) =
 * ((x + 2^23) >> 7) - 65536 with no shift of a negative value; the
 * rounded step lies between 0 and t1 - t0, so the result lies between
 * table[k] and table[k + 1] and the conversion to int16_t is of a value
 * that fits. (stoic_lut_s16, the int16 recurrent kernels.) */
static inline int16_t stoic_lut_interp_s16(const int16_t *table, int16_t v)
{
    uint32_t u;     /* v + 32768, in [0, 65535] */
    uint32_t k;     /* u / 128 */
    uint32_t f;     /* u % 128 */
    int32_t t0;
    int32_t t1;
    int32_t x;      /* (t1 - t0) * f + 64 + 2^23, in [65727, 16711553] */
    int32_t step;   /* floor(((t1 - t0) * f + 64) / 128) */
    uint32_t ux;

    u = (uint32_t)v + 32768U;
    k = u >> 7U;
    f = u & 127U;
    t0 = (int32_t)table[k];
    t1 = (int32_t)table[k + 1U];
    x = ((t1 - t0) * (int32_t)f) + 64 + 8388608;
    ux = (uint32_t)x >> 7U;
    step = (int32_t)ux - 65536;
    return (int16_t)(t0 + step);
}

/* The two input rows (or columns) of the 2x2, stride 2 pooling window o
 * along an axis of n inputs, `pad` of padding before: i0 = 2 o - pad and
 * i0 + 1. A tap in the padding (i0 = -1 when pad is 1, i0 + 1 = n at the
 * far end) is replaced by the window's other tap, which is inside (the
 * generator guarantees every window a real cell), and flagged: v0, v1 are
 * 1 for a real tap, 0 for padding. Index arithmetic only, the same
 * instructions for every o. (The six 2x2 pooling kernels.) */
static inline void stoic_taps2x2(int32_t o, int32_t pad, int32_t n, int32_t *i0, int32_t *i1,
                                 int32_t *v0, int32_t *v1)
{
    int32_t a;
    int32_t b;

    a = (2 * o) - pad;
    b = a + 1;
    *v0 = 1 - stoic_lt_s32(a, 0);   /* a >= 0 */
    *v1 = stoic_lt_s32(b, n);       /* b < n */
    *i0 = a + (1 - *v0);
    *i1 = b - (1 - *v1);
}

/* The run [lo, hi) of the last axis that copies input cells in a pad
 * kernel's output row: d with 0 <= d - before < in_n and d < out_n; empty
 * (lo = hi) when the row is outside the input (inside == 0). (The three
 * pad kernels.) */
static inline void stoic_pad_run(int32_t inside, int32_t before, int32_t in_n, int32_t out_n,
                                 int32_t *lo, int32_t *hi)
{
    int32_t a;
    int32_t b;

    a = (before > 0) ? before : 0;
    a = (a < out_n) ? a : out_n;
    b = before + in_n;
    b = (b < out_n) ? b : out_n;
    b = (b > a) ? b : a;
    if (inside == 0) {
        b = a;
    }
    *lo = a;
    *hi = b;
}

/* max(m, x) by an arithmetic select; |x - m| < 2^31 */
static inline int32_t stoic_max_s32(int32_t m, int32_t x)
{
    return m + ((x - m) * stoic_lt_s32(m, x));
}

/* min(max(m, lo), hi) for lo <= hi by arithmetic selects; the differences
 * fit in int32 */
static inline int32_t stoic_clamp_s32(int32_t m, int32_t lo, int32_t hi)
{
    int32_t y;

    y = m + ((lo - m) * stoic_lt_s32(m, lo));
    return y + ((hi - y) * stoic_lt_s32(hi, y));
}

/* max(a, b) and min(a, b) of two unsigned values (order keys) without a
 * comparison operator: the 64-bit difference a - b wraps below zero
 * exactly when a < b, which fills its high word with ones */
static inline uint32_t stoic_max_u32(uint32_t a, uint32_t b)
{
    uint64_t d;
    uint32_t lt;

    d = (uint64_t)a - (uint64_t)b;
    lt = (uint32_t)(d >> 32U);
    return a ^ ((a ^ b) & lt);
}

static inline uint32_t stoic_min_u32(uint32_t a, uint32_t b)
{
    uint64_t d;
    uint32_t lt;

    d = (uint64_t)a - (uint64_t)b;
    lt = (uint32_t)(d >> 32U);
    return b ^ ((a ^ b) & lt);
}

/* The carry of a mixed-radix counter (the sparse conv kernels' tap index,
 * stoic_rt.h): steps times, when *lo >= radix, *lo -= radix and *hi += 1.
 * steps is a constant of the encoding (the most carries one step needs),
 * so the trip count is fixed; the tests compare counters and constants
 * only, never tensor data. */
static inline void stoic_carry(int32_t *lo, int32_t *hi, int32_t radix, int32_t steps)
{
    int32_t s;

    for (s = 0; s < steps; s++) {
        if (*lo >= radix) {
            *lo = *lo - radix;
            *hi = *hi + 1;
        }
    }
}

#endif

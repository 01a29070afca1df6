/*
 * stoic runtime: quantize float32 to int8 (the float boundary of a model:
 * its float wrapper and the float layers of a mixed model).
 *
 * For i < n: t = in[i] * inv_scale (one float32 multiply), rounded to the
 * nearest integer with ties away from zero, plus zero_point, saturated to
 * [q_min, q_max]; NaN gives zero_point; +-inf saturate to q_max / q_min.
 *
 * Branch-free. Since rounding is monotonic and fixes integers,
 *   clamp(round(t) + zp, q_min, q_max) = round(clamp(t, lo, hi)) + zp
 * with the integers lo = q_min - zp and hi = q_max - zp. The clamp is done
 * on order keys (stoic_math_f32.c): unsigned integers whose order is that
 * of the floats and in which every NaN is above +inf, so max and min are
 * integer selects and no float is compared. A NaN key is replaced by the
 * key of 0. The clamped value c (|c| <= max(|lo|, |hi|), far below 2^24)
 * is converted to int32 by truncation, which is defined for it; its
 * fraction f = c - trunc(c) is exact (for |c| >= 1, c/2 <= trunc(c) <= c
 * and Sterbenz's lemma applies; below, trunc(c) is 0), and the rounding
 * adds 1 when f >= 0.5 and subtracts 1 when f <= -0.5, again decided on
 * order keys. Adding 0.5 in float and truncating would be wrong: for
 * c = 0.5 - 2^-25 the sum rounds to 1.0.
 * No out-of-range value is ever converted to an integer type.
 *
 * Floating point: IEEE-754 binary32, round to nearest even, evaluated in
 * float (FLT_EVAL_METHOD 0); the result for a denormal t is 0 whether or
 * not the target flushes denormals to zero.
 * Preconditions: q_min <= zero_point <= q_max (in fact |q - zp| < 2^24
 * suffices), -128 <= q_min <= q_max <= 127.
 */
#include "stoic_rt_f32.h"

/* 1 when a < b (unsigned), else 0: the 64-bit difference wraps. */
static uint32_t q8_key_lt(uint32_t a, uint32_t b)
{
    return (uint32_t)(((uint64_t)a - (uint64_t)b) >> 63U);
}

/* min of two order keys, as the complement of the max of complements. */
static uint32_t q8_key_min(uint32_t a, uint32_t b)
{
    return ~stoic_order_key_max(~a, ~b);
}

void stoic_quantize_s8(const stoic_quantize_params *p, const float *in, int8_t *out)
{
    int32_t i;
    uint32_t key_lo;    /* order key of (float)(q_min - zero_point) */
    uint32_t key_hi;    /* order key of (float)(q_max - zero_point) */
    uint32_t key_inf;   /* order key of +inf */
    uint32_t key_zero;  /* order key of +0 */
    uint32_t key_half;  /* order key of 0.5 */
    uint32_t key_mhalf; /* order key of -0.5 */
    uint32_t k;
    uint32_t nan;       /* 1 when t is a NaN, else 0 */
    float c;            /* t clamped to [lo, hi], NaN replaced by 0 */
    int32_t q;
    uint32_t up;
    uint32_t down;
    int32_t qd;

    qd = p->q_min - p->zero_point;
    key_lo = stoic_f32_order_key((float)qd);
    qd = p->q_max - p->zero_point;
    key_hi = stoic_f32_order_key((float)qd);
    /* the key after that of the largest finite float is that of +inf */
    key_inf = stoic_f32_order_key(STOIC_FLT_MAX) + 1U;
    key_zero = stoic_f32_order_key(0.0F);
    key_half = stoic_f32_order_key(0.5F);
    key_mhalf = stoic_f32_order_key(-0.5F);
    for (i = 0; i < p->n; i++) {
        k = stoic_f32_order_key(in[i] * p->inv_scale);
        nan = q8_key_lt(key_inf, k);
        k = q8_key_min(stoic_order_key_max(k, key_lo), key_hi);
        k = k ^ ((k ^ key_zero) & (0U - nan));
        c = stoic_f32_from_order_key(k);
        q = (int32_t)c;                               /* truncation, |c| < 2^24 */
        k = stoic_f32_order_key(c - (float)q);        /* the exact fraction */
        up = 1U - q8_key_lt(k, key_half);                /* fraction >= 0.5 */
        down = 1U - q8_key_lt(key_mhalf, k);             /* fraction <= -0.5 */
        q = ((q + (int32_t)up) - (int32_t)down) + p->zero_point;
        out[i] = (int8_t)q;
    }
}

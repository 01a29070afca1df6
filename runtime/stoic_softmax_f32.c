/*
 * stoic runtime: softmax over one axis, float32, viewed as
 * [outer][axis_n][inner].
 *
 * For each (o, i): m = max over a of x[a];
 * e[a] = stoic_expf(x[a] - m); s = sum of e[a], a ascending, starting at 0;
 * out[a] = e[a] / s (a division, not a multiplication by 1 / s: one
 * rounding instead of two). Since the largest e[a] is 1, s >= 1.
 * out must not overlap in unless it is the same array (in place is fine).
 *
 * The maximum is taken without a branch on data: on order keys of the float
 * bits (an unsigned integer whose order is the order of the floats, -NaN
 * lowest, +NaN highest), with a borrow mask instead of a comparison
 * operator, so that no compiler, at any optimisation level, turns it into
 * a jump. A NaN input makes its whole softmax vector NaN (via x - m and
 * the sum).
 */
#include "stoic_rt.h"

/* MISRA Ref 19.2.1: deviation from Rule 19.2 (advisory, "union shall not
 * be used"): reinterprets the 32 bits of an IEEE-754 float as an unsigned
 * integer and back, as C99 6.5.2.3 (footnote 82) defines; there is no other
 * way without a library call (memcpy). Both members have size 4. */
typedef union {
    float f;
    uint32_t u;
} softmax_f32_bits;

#define SOFTMAX_SIGN_MASK 0x80000000U

/* Order key of x: -NaN < -inf < ... < -0 < +0 < ... < +inf < +NaN. */
static uint32_t softmax_key(float x)
{
    softmax_f32_bits b; /* MISRA Ref 19.2.1 */
    uint32_t neg;

    b.f = x;
    neg = 0U - (b.u >> 31U);
    return b.u ^ (neg | SOFTMAX_SIGN_MASK);
}

/* The float whose order key is k. */
static float softmax_unkey(uint32_t k)
{
    softmax_f32_bits b; /* MISRA Ref 19.2.1 */
    uint32_t pos;

    pos = k >> 31U;
    b.u = k ^ ((pos - 1U) | SOFTMAX_SIGN_MASK);
    return b.f;
}

/* max(ka, kb) of two keys without a comparison operator: the 64-bit
 * difference ka - kb wraps below zero exactly when ka < kb, which fills
 * its high word with ones; that mask merges kb into ka. (Written this way,
 * neither GCC nor clang turns it into a select they might lower to a
 * branch: clang does so for a loop-carried `a < b ? b : a` on x86.) */
static uint32_t softmax_key_max(uint32_t ka, uint32_t kb)
{
    uint64_t d;
    uint32_t lt;

    d = (uint64_t)ka - (uint64_t)kb;
    lt = (uint32_t)(d >> 32U);
    return ka ^ ((ka ^ kb) & lt);
}

void stoic_softmax_f32(const stoic_softmax_f32_params *p, const float *in, float *out)
{
    int32_t o;
    int32_t i;
    int32_t a;
    int32_t base;   /* index of [o][0][i] */
    int32_t idx;
    uint32_t mk;    /* order key of the running maximum */
    float m;
    float v;
    float s;

    for (o = 0; o < p->outer; o++) {
        for (i = 0; i < p->inner; i++) {
            base = (o * p->axis_n * p->inner) + i;
            mk = softmax_key(in[base]);
            for (a = 1; a < p->axis_n; a++) {
                mk = softmax_key_max(mk, softmax_key(in[base + (a * p->inner)]));
            }
            m = softmax_unkey(mk);
            s = 0.0F;
            for (a = 0; a < p->axis_n; a++) {
                idx = base + (a * p->inner);
                v = in[idx] - m;
                v = stoic_expf(v);
                out[idx] = v;
                s = s + v;
            }
            for (a = 0; a < p->axis_n; a++) {
                idx = base + (a * p->inner);
                out[idx] = out[idx] / s;
            }
        }
    }
}

/*
 * stoic runtime: element-wise float32 math without libm.
 *
 * Every function here computes the same bits on every target whose float is
 * IEEE-754 binary32 with round-to-nearest-even, provided the compiler does
 * not contract a * b + c into a fused multiply-add. Each multiply and each
 * add is therefore written as its own statement (clang contracts only inside
 * one expression by default); build with -ffp-contract=off as well when the
 * compiler is run in a GNU mode, which contracts across statements.
 *
 * No loop, no recursion, no library call. The only branches are the
 * selections `c ? a : b` of clamps, which compilers lower to min/max or
 * conditional-select instructions; the choice between the two tanh formulas
 * and the sign handling are done with bit masks, not with branches.
 *
 * Special values: NaN in gives NaN out; +-inf saturate like the largest
 * finite argument of the same sign.
 */
#include "stoic_rt.h"

/* ---- bit access ------------------------------------------------------ */

/* MISRA Ref 19.2.1: deviation from Rule 19.2 (advisory, "union shall not
 * be used"). The union reinterprets the 32 bits of an IEEE-754 float as an
 * unsigned integer and back, which C99 (6.5.2.3, footnote 82) defines.
 * It is the only way to build 2^k or to move a sign bit without a library
 * call (memcpy) or a loop. Both members have size 4 and no padding. */
typedef union {
    float f;
    uint32_t u;
} stoic_f32_bits;

static uint32_t f32_to_bits(float x)
{
    stoic_f32_bits b; /* MISRA Ref 19.2.1 */
    b.f = x;
    return b.u;
}

static float f32_from_bits(uint32_t u)
{
    stoic_f32_bits b; /* MISRA Ref 19.2.1 */
    b.u = u;
    return b.f;
}

#define F32_SIGN_MASK 0x80000000U
#define F32_ABS_MASK  0x7FFFFFFFU

/* ---- exp ------------------------------------------------------------- */

/* Argument range kept finite and normal: exp(88.7) = 3.3e38 < FLT_MAX,
 * exp(-87.3) = 1.2e-38 > FLT_MIN. Outside, the result saturates at these. */
#define EXP_X_HI    88.7F
#define EXP_X_LO    (-87.3F)
#define EXP_LOG2E   1.44269504088896341F
/* ln 2 = EXP_LN2_HI + EXP_LN2_LO; EXP_LN2_HI (0x3F317200) has 15
 * significant bits, so k * EXP_LN2_HI is exact for |k| < 512. */
#define EXP_LN2_HI  0.693145751953125F
#define EXP_LN2_LO  1.42860682030941723212e-6F
/* k = floor(x * log2e + 0.5) computed as trunc(x * log2e + 128.5) - 128:
 * the sum is positive for every clamped x, so truncation is floor. */
#define EXP_K_BIAS_F 128.5F
#define EXP_K_BIAS   128
#define F32_EXP_BIAS 127
#define F32_MANT_BITS 23U
/* exp(r) = 1 + r + r^2 * P(r), |r| <= ln2 / 2 (Cephes expf coefficients,
 * relative error of the polynomial below 2e-8 on that range). */
#define EXP_P0 1.9875691500E-4F
#define EXP_P1 1.3981999507E-3F
#define EXP_P2 8.3334519073E-3F
#define EXP_P3 4.1665795894E-2F
#define EXP_P4 1.6666665459E-1F
#define EXP_P5 5.0000001201E-1F

/* 2^e for e in [-126, 127] (normal range), built from its exponent bits. */
static float f32_pow2(int32_t e)
{
    int32_t be;
    uint32_t biased;

    be = e + F32_EXP_BIAS;    /* in [1, 254] */
    biased = (uint32_t)be;
    return f32_from_bits(biased << F32_MANT_BITS);
}

float stoic_expf(float x)
{
    float xa;   /* clamped argument, NaN mapped to EXP_X_HI: used for all arithmetic */
    float xn;   /* clamped argument, NaN kept: used only to propagate NaN */
    float kf;
    float t;
    float r;
    float r2;
    float p;
    float y;
    int32_t k;
    int32_t k1;
    int32_t k2;

    /* Clamp. The comparisons are false for NaN: xa gets EXP_X_HI (so the
     * float-to-integer conversion below is always defined), xn stays NaN. */
    xa = (x < EXP_X_HI) ? x : EXP_X_HI;
    xa = (xa > EXP_X_LO) ? xa : EXP_X_LO;
    xn = (x > EXP_X_HI) ? EXP_X_HI : x;
    xn = (xn < EXP_X_LO) ? EXP_X_LO : xn;

    /* x = k * ln2 + r, k in [-126, 128], |r| <= ln2 / 2 (+ rounding). */
    t = xa * EXP_LOG2E;
    t = t + EXP_K_BIAS_F;
    k = (int32_t)t - EXP_K_BIAS;
    kf = (float)k;
    t = kf * EXP_LN2_HI;
    r = xa - t;
    t = kf * EXP_LN2_LO;
    r = r - t;

    /* exp(r), Horner, one operation per statement (no contraction). */
    r2 = r * r;
    p = EXP_P0 * r;
    p = p + EXP_P1;
    p = p * r;
    p = p + EXP_P2;
    p = p * r;
    p = p + EXP_P3;
    p = p * r;
    p = p + EXP_P4;
    p = p * r;
    p = p + EXP_P5;
    p = p * r2;
    p = p + r;
    p = p + 1.0F;

    /* times 2^k = 2^k1 * 2^k2 with k1, k2 in [-63, 64]: 2^128 itself is not
     * a float, and both factors are normal, so both products are exact
     * scalings (the final result is normal by the clamp). */
    k1 = k / 2;
    k2 = k - k1;
    y = p * f32_pow2(k1);
    y = y * f32_pow2(k2);

    /* xn - xn is +0 for every non-NaN xn (xn is finite) and NaN for NaN. */
    t = xn - xn;
    y = y + t;
    return y;
}

/* ---- sigmoid --------------------------------------------------------- */

float stoic_sigmoidf(float x)
{
    uint32_t bx;
    uint32_t neg;   /* 1 for x < 0 (and for -0, -NaN), else 0 */
    uint32_t mask;  /* all ones for x < 0 */
    float ma;       /* -|x| */
    float e;        /* exp(-|x|), in (0, 1] */
    float d;
    float q;        /* e / (1 + e) = sigmoid(-|x|), in (0, 0.5] */
    float pos;      /* 1 - q = sigmoid(|x|) */
    uint32_t yb;

    bx = f32_to_bits(x);
    neg = bx >> 31U;
    mask = 0U - neg;
    ma = f32_from_bits(bx | F32_SIGN_MASK);
    e = stoic_expf(ma);
    d = 1.0F + e;
    q = e / d;
    pos = 1.0F - q;
    /* x < 0: q; else 1 - q. Computing sigmoid(|x|) as 1 - q rather than
     * 1 / (1 + e) keeps the rounding of 1 + e in the small term. */
    yb = (f32_to_bits(q) & mask) | (f32_to_bits(pos) & (~mask));
    return f32_from_bits(yb);
}

/* ---- tanh ------------------------------------------------------------ */

/* Below TANH_SMALL: tanh(a) = a + a^3 * Q(a^2) (Cephes tanhf coefficients).
 * From TANH_SMALL on: tanh(a) = 1 - 2 / (exp(2a) + 1), >= 0.55 there, so the
 * cancellation in 1 - ... costs nothing. */
#define TANH_SMALL 0.625F
#define TANH_Q0 (-5.70498872745E-3F)
#define TANH_Q1 2.06390887954E-2F
#define TANH_Q2 (-5.37397155531E-2F)
#define TANH_Q3 1.33314422036E-1F
#define TANH_Q4 (-3.33332819422E-1F)

float stoic_tanhf(float x)
{
    uint32_t bx;
    uint32_t sign;
    uint32_t ba;
    uint32_t small;  /* 1 when |x| < TANH_SMALL (and not NaN), else 0 */
    uint32_t mask;
    float a;         /* |x| */
    float as;        /* min(|x|, TANH_SMALL): keeps the polynomial finite */
    float z;
    float q;
    float ys;        /* polynomial result */
    float e;
    float yl;        /* exp-based result */
    uint32_t yb;

    bx = f32_to_bits(x);
    sign = bx & F32_SIGN_MASK;
    ba = bx & F32_ABS_MASK;
    a = f32_from_bits(ba);

    /* Both formulas are evaluated; the result is selected with a mask.
     * ba and the bits of TANH_SMALL are below 2^31, so the unsigned
     * difference wraps (top bit 1) exactly when |x| < TANH_SMALL. */
    small = (ba - f32_to_bits(TANH_SMALL)) >> 31U;
    mask = 0U - small;

    as = (a < TANH_SMALL) ? a : TANH_SMALL;
    z = as * as;
    q = TANH_Q0 * z;
    q = q + TANH_Q1;
    q = q * z;
    q = q + TANH_Q2;
    q = q * z;
    q = q + TANH_Q3;
    q = q * z;
    q = q + TANH_Q4;
    q = q * z;
    q = q * as;
    ys = as + q;

    e = a + a;
    e = stoic_expf(e);
    e = e + 1.0F;
    yl = 2.0F / e;
    yl = 1.0F - yl;

    yb = (f32_to_bits(ys) & mask) | (f32_to_bits(yl) & (~mask));
    return f32_from_bits(yb | sign);
}

/* ---- fused activation ------------------------------------------------ */

float stoic_act_apply_f32(const stoic_act_f32 *act, float x)
{
    float y;
    float pos;
    float neg;

    if (act->kind == STOIC_ACT_CLAMP) {
        /* NaN passes both comparisons unchanged. */
        y = (x < act->lo) ? act->lo : x;
        y = (y > act->hi) ? act->hi : y;
    } else if (act->kind == STOIC_ACT_LEAKY) {
        /* Written so that NaN passes through both selections. */
        pos = (x < 0.0F) ? 0.0F : x;
        neg = (x > 0.0F) ? 0.0F : x;
        neg = act->alpha * neg;
        y = pos + neg;
    } else if (act->kind == STOIC_ACT_SIGMOID) {
        y = stoic_sigmoidf(x);
    } else if (act->kind == STOIC_ACT_TANH) {
        y = stoic_tanhf(x);
    } else {
        /* STOIC_ACT_NONE; an unknown kind is rejected by the generator. */
        y = x;
    }
    return y;
}

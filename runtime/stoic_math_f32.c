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
 * No loop, no recursion, no library call, and no branch on data: every
 * data-dependent choice (clamps, the sign, the choice between the two tanh
 * formulas, NaN handling) is a selection with an integer bit mask computed
 * by integer arithmetic, with no comparison operator a compiler could turn
 * into a jump (GCC does turn `x < c ? x : c` into jumps, and then gives the
 * clamped case a shorter path through expf). So the instruction path of
 * these functions is the same for every argument. The only `if`s are on
 * the activation kind, a constant parameter.
 *
 * Special values: NaN in gives NaN out; +-inf saturate like the largest
 * finite argument of the same sign.
 */
#include "stoic_rt_f32.h"

/* ---- bit access ------------------------------------------------------ */

/* MISRA deviation MD-03: deviation from Rule 19.2 (advisory, "union shall not
 * be used"). The union reinterprets the 32 bits of an IEEE-754 float as an
 * unsigned integer and back, which C99 (6.5.2.3, footnote 82) defines.
 * It is the only way to build 2^k or to move a sign bit without a library
 * call (memcpy) or a loop. Both members have size 4 and no padding. */
typedef union { /* MISRA deviation MD-03 */
    float f;
    uint32_t u;
} stoic_f32_bits;

static uint32_t f32_to_bits(float x)
{
    stoic_f32_bits b; /* MISRA deviation MD-03 */
    b.f = x;
    return b.u;
}

static float f32_from_bits(uint32_t u)
{
    stoic_f32_bits b; /* MISRA deviation MD-03 */
    b.u = u;
    return b.f;
}

#define F32_SIGN_MASK 0x80000000U
#define F32_ABS_MASK  0x7FFFFFFFU
#define F32_INF_BITS  0x7F800000U

/* ---- branch-free selection and comparison ------------------------------ */

/* a where mask is all ones, b where it is zero (mask is 0 or ~0). */
static uint32_t sel_bits(uint32_t mask, uint32_t a, uint32_t b)
{
    return (a & mask) | (b & (~mask));
}

/* Order key of a float's bits: an unsigned integer whose order is the
 * order of the floats, -NaN < -inf < ... < -0 < +0 < ... < +inf < +NaN.
 * Negative floats have all bits inverted, positive ones the sign set. */
static uint32_t f32_key(uint32_t b)
{
    uint32_t neg = 0U - (b >> 31U);
    return b ^ (neg | F32_SIGN_MASK);
}

/* All ones when ka < kb (unsigned), else 0, without a comparison operator:
 * the 64-bit difference ka - kb wraps below zero exactly then, which fills
 * its high word with ones. */
static uint32_t lt_mask(uint32_t ka, uint32_t kb)
{
    uint64_t d;

    d = (uint64_t)ka - (uint64_t)kb;
    return (uint32_t)(d >> 32U);
}

/* All ones when the bits are a NaN (|b| > bits of inf), else 0. */
static uint32_t nan_mask(uint32_t b)
{
    return lt_mask(F32_INF_BITS, b & F32_ABS_MASK);
}

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
    uint32_t bx;
    uint32_t ba;    /* bits of the clamped argument */
    uint32_t m;
    float xa;       /* argument clamped into [EXP_X_LO, EXP_X_HI], NaN -> +-bound */
    float xn;       /* the same, but NaN kept: carries NaN into the result */
    float kf;
    float t;
    float r;
    float r2;
    float p;
    float y;
    int32_t k;
    int32_t k1;
    int32_t k2;

    /* Clamp, on order keys: +inf and +NaN are above EXP_X_HI, -inf and
     * -NaN below EXP_X_LO, so the float-to-integer conversion of xa below
     * is always defined. xn is xa except for NaN, which it keeps: NaN
     * reaches the result through the arithmetic on r (a final select
     * instead would let a compiler skip the polynomial for NaN). */
    bx = f32_to_bits(x);
    m = lt_mask(f32_key(f32_to_bits(EXP_X_HI)), f32_key(bx));
    ba = sel_bits(m, f32_to_bits(EXP_X_HI), bx);
    m = lt_mask(f32_key(ba), f32_key(f32_to_bits(EXP_X_LO)));
    ba = sel_bits(m, f32_to_bits(EXP_X_LO), ba);
    xa = f32_from_bits(ba);
    xn = f32_from_bits(sel_bits(nan_mask(bx), bx, ba));

    /* x = k * ln2 + r, k in [-126, 128], |r| <= ln2 / 2 (+ rounding). */
    t = xa * EXP_LOG2E;
    t = t + EXP_K_BIAS_F;
    k = (int32_t)t - EXP_K_BIAS;
    kf = (float)k;
    t = kf * EXP_LN2_HI;
    r = xn - t;
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
    return y;
}

/* ---- sigmoid --------------------------------------------------------- */

float stoic_sigmoidf(float x) /* MISRA deviation MD-05 */
{
    uint32_t bx;
    uint32_t mask;  /* all ones for x < 0 (and for -0, -NaN), else 0 */
    float ma;       /* -|x| */
    float e;        /* exp(-|x|), in (0, 1] */
    float d;
    float q;        /* e / (1 + e) = sigmoid(-|x|), in (0, 0.5] */
    float c;        /* 0 for x < 0, else 1 */
    float qs;       /* q for x < 0, else -q */
    float y;

    bx = f32_to_bits(x);
    mask = 0U - (bx >> 31U);
    ma = f32_from_bits(bx | F32_SIGN_MASK);
    e = stoic_expf(ma);
    d = 1.0F + e;
    q = e / d;
    /* x < 0: 0 + q = q exactly; else 1 + (-q) = 1 - q. The sign and the
     * constant are set with bit masks, and the one addition is always
     * done, so no compiler can skip it for one sign. Computing
     * sigmoid(|x|) as 1 - q rather than 1 / (1 + e) keeps the rounding of
     * 1 + e in the small term. */
    c = f32_from_bits(f32_to_bits(1.0F) & (~mask));
    qs = f32_from_bits(f32_to_bits(q) ^ ((~mask) & F32_SIGN_MASK));
    y = c + qs;
    return y;
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

float stoic_tanhf(float x) /* MISRA deviation MD-05 */
{
    uint32_t bx;
    uint32_t sign;
    uint32_t ba;
    uint32_t mask;   /* all ones when |x| < TANH_SMALL (not NaN), else 0 */
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
     * For non-negative floats (and NaN, above +inf) the bits order as the
     * values do. */
    mask = lt_mask(ba, f32_to_bits(TANH_SMALL));

    as = f32_from_bits(sel_bits(mask, ba, f32_to_bits(TANH_SMALL)));
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

    yb = sel_bits(mask, f32_to_bits(ys), f32_to_bits(yl));
    return f32_from_bits(yb | sign);
}

/* ---- fused activation ------------------------------------------------ */

/* HARD_SIGMOID: t = min(max(alpha * x + beta, 0), 1) on order keys (as
 * CLAMP: -0 below +0, a NaN stays NaN); HARD_SWISH: x * t. No branch on
 * data; out of line so that the common activations of
 * stoic_act_apply_f32 keep their registers. */
float stoic_hard_act_f32(const stoic_act_f32 *act, float x) /* MISRA deviation MD-05 */
{
    float t;
    float y;
    uint32_t bt;
    uint32_t m;

    t = (act->alpha * x) + act->beta;
    bt = f32_to_bits(t);
    m = lt_mask(f32_key(bt), f32_key(f32_to_bits(0.0F)));
    bt = sel_bits(m, f32_to_bits(0.0F), bt);
    m = lt_mask(f32_key(f32_to_bits(1.0F)), f32_key(bt));
    bt = sel_bits(m, f32_to_bits(1.0F), bt);
    m = nan_mask(f32_to_bits(t));
    y = f32_from_bits(sel_bits(m, f32_to_bits(t), bt));
    if (act->kind == STOIC_ACT_HARD_SWISH) {
        y = x * y;
    }
    return y;
}

float stoic_act_apply_f32(const stoic_act_f32 *act, float x)
{
    uint32_t bx;
    uint32_t by;
    uint32_t m;
    float y;

    bx = f32_to_bits(x);
    if (act->kind == STOIC_ACT_CLAMP) {
        /* min(max(x, lo), hi) on order keys (so -0 < +0); NaN stays NaN. */
        m = lt_mask(f32_key(bx), f32_key(f32_to_bits(act->lo)));
        by = sel_bits(m, f32_to_bits(act->lo), bx);
        m = lt_mask(f32_key(f32_to_bits(act->hi)), f32_key(by));
        by = sel_bits(m, f32_to_bits(act->hi), by);
        m = nan_mask(bx);
        y = f32_from_bits(sel_bits(m, bx, by));
    } else if (act->kind == STOIC_ACT_LEAKY) {
        /* max(x, 0) + alpha * min(x, 0) is alpha * x for x < 0, x else:
         * selected by the sign bit (so -0 gives alpha * -0 = -0, and NaN
         * gives NaN either way). */
        y = act->alpha * x;
        m = 0U - (bx >> 31U);
        y = f32_from_bits(sel_bits(m, f32_to_bits(y), bx));
    } else if (act->kind == STOIC_ACT_SIGMOID) {
        y = stoic_sigmoidf(x);
    } else if (act->kind == STOIC_ACT_TANH) {
        y = stoic_tanhf(x);
    } else if (act->kind >= STOIC_ACT_HARD_SIGMOID) {
        /* HARD_SIGMOID, HARD_SWISH: a range test, not two more equality
         * tests, which gcc 12 turns into a jump table (an indirect branch,
         * target-check) */
        y = stoic_hard_act_f32(act, x);
    } else {
        /* STOIC_ACT_NONE; an unknown kind is rejected by the generator. */
        y = x;
    }
    return y;
}

/* ---- helpers shared by the kernels (declared in stoic_rt.h) ----------- */

/* Order key of x: -inf < ... < -0 < +0 < ... < +inf < NaN (a NaN's sign
 * bit is cleared first, so every NaN is above +inf). */
uint32_t stoic_f32_order_key(float x)
{
    uint32_t u;
    uint32_t a;
    uint64_t d;
    uint32_t nan;
    uint32_t neg;

    u = f32_to_bits(x);
    a = u & F32_ABS_MASK;
    /* all ones when |u| > inf bits (NaN): the 64-bit difference wraps */
    d = (uint64_t)F32_INF_BITS - (uint64_t)a;
    nan = (uint32_t)(d >> 32U);
    u = u & (~(nan & F32_SIGN_MASK));
    neg = 0U - (u >> 31U);
    return u ^ (neg | F32_SIGN_MASK);
}

/* The float whose order key is k. */
float stoic_f32_from_order_key(uint32_t k)
{
    uint32_t pos;

    pos = k >> 31U;   /* 1 for keys of floats with the sign bit clear */
    return f32_from_bits(k ^ ((pos - 1U) | F32_SIGN_MASK));
}

/* max(ka, kb) of two keys without a comparison operator: the 64-bit
 * difference ka - kb wraps below zero exactly when ka < kb, which fills
 * its high word with ones; that mask merges kb into ka. (Written this way,
 * neither GCC nor clang turns it into a select they might lower to a
 * branch: clang does so for a loop-carried `a < b ? b : a` on x86.) */
uint32_t stoic_order_key_max(uint32_t ka, uint32_t kb)
{
    uint64_t d;
    uint32_t lt;

    d = (uint64_t)ka - (uint64_t)kb;
    lt = (uint32_t)(d >> 32U);
    return ka ^ ((ka ^ kb) & lt);
}

/*
 * Unit tests of the integer runtime: the requantization primitives
 * (runtime/stoic_requant.c) and the int8 kernels (stoic_dense_s8.c,
 * stoic_conv2d_s8.c), against ../shared/arithmetic.md.
 *
 * Three kinds of evidence:
 *  - hand-derived values, worked out in the comments next to them;
 *  - references written here, independently of the runtime and in a
 *    different form from it (no nudge-and-truncate, no offset shifts, no
 *    masks): SRDHM as floor((a*b + 2^30) / 2^31) with an explicit floor,
 *    RDBPOT on sign and magnitude, saturation and clamps as plain ifs;
 *    checked on 10^5 random arguments each, biased towards extremes and
 *    exact ties;
 *  - the kernels against plain loops in int64 (padding taken literally as
 *    the input value zp_in), bit for bit, on 1000+ random shapes and
 *    parameter sets each.
 * Random cases use a fixed-seed xorshift generator, so every run checks the
 * same cases. Output buffers carry guard bytes, and every kernel runs twice
 * on differently pre-filled outputs: an out-of-bounds or missing write fails.
 */
/* REQ: REQ-ARITH-002 REQ-ARITH-003 */
#include <math.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <CUnit/CUnit.h>
#include "unit.h"
#include "stoic_rt_f32.h"

#define I32MIN INT32_MIN
#define I32MAX INT32_MAX
#define P30 1073741824             /* 2^30 */
#define GUARD 16
#define SENT 0x5A                  /* guard byte */

/* ---- PRNG: xorshift32, fixed seeds ---------------------------------- */

static uint32_t rng_state;

static void rng_seed(uint32_t s)
{
    rng_state = (s == 0u) ? 0x9E3779B9u : s;
}

static uint32_t rng_u32(void)
{
    uint32_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    rng_state = x;
    return x;
}

/* integer uniform in [lo, hi] (hi - lo < 2^32 - 1) */
static int64_t rng_range(int64_t lo, int64_t hi)
{
    uint64_t span = (uint64_t)(hi - lo) + 1u;
    uint64_t u = ((uint64_t)rng_u32() << 32) | rng_u32();
    return lo + (int64_t)(u % span);
}

static int32_t rng_int(int32_t lo, int32_t hi)
{
    return (int32_t)rng_range(lo, hi);
}

/* An int32 from a mix of distributions: uniform over all of int32, small,
 * next to the extremes, and signed powers of two (and their neighbours). */
static int32_t rng_i32_mixed(void)
{
    int32_t v;
    switch (rng_int(0, 5)) {
    case 0:
    case 1: v = (int32_t)rng_range(I32MIN, I32MAX); break;
    case 2: v = rng_int(-70000, 70000); break;
    case 3: v = (rng_int(0, 1) != 0) ? I32MAX - rng_int(0, 3) : I32MIN + rng_int(0, 3); break;
    default: {
        int64_t p = (int64_t)1 << rng_int(0, 31);
        p = (rng_int(0, 1) != 0) ? -p : p;
        p += rng_int(-1, 1);
        v = (int32_t)(p < I32MIN ? I32MIN : (p > I32MAX ? I32MAX : p));
        break;
    }
    }
    return v;
}

/* ===================================================================== */
/* independent references                                                */
/* ===================================================================== */

/* floor(n / d) for d > 0 (C's / truncates toward zero) */
static int64_t floor_div(int64_t n, int64_t d)
{
    int64_t q = n / d;
    if (n % d != 0 && n < 0) {
        q--;
    }
    return q;
}

/* SRDHM. arithmetic.md: (p + nudge) / 2^31 truncated toward zero, nudge
 * 2^30 for p >= 0 and 1 - 2^30 for p < 0. Written differently here:
 *   p >= 0: p + 2^30 >= 0, so truncation is floor: floor((p + 2^30) / 2^31).
 *   p <  0: p + 1 - 2^30 < 0, so truncation is ceil, and for integers
 *           ceil((n - (d - 1)) / d) = floor(n / d) with n = p + 2^30,
 *           d = 2^31: again floor((p + 2^30) / 2^31).
 * So SRDHM is a*b / 2^31 rounded to nearest with ties toward +infinity
 * (+0.5 -> 1, -0.5 -> 0, -1.5 -> -1), saturated for INT32_MIN^2. */
static int32_t ref_srdhm(int32_t a, int32_t b)
{
    int64_t q;
    if (a == I32MIN && b == I32MIN) {
        return I32MAX;
    }
    q = floor_div((int64_t)a * (int64_t)b + P30, (int64_t)2147483648LL);
    return (int32_t)q;
}

/* RDBPOT: x / 2^e rounded to nearest, ties away from zero, on the
 * magnitude: |x| / 2^e rounded half up, then the sign put back. */
static int32_t ref_rdbpot(int32_t x, int32_t e)
{
    int64_t mag, q;
    if (e == 0) {
        return x;
    }
    mag = x < 0 ? -(int64_t)x : (int64_t)x;
    q = (mag + ((int64_t)1 << (e - 1))) >> e;   /* non-negative operand */
    return (int32_t)(x < 0 ? -q : q);
}

static int32_t ref_requantize(int32_t acc, int32_t m, int32_t shift)
{
    int64_t v = acc;
    int32_t s;
    for (s = 0; s < shift; s++) {        /* left shift, saturating */
        v *= 2;
        if (v > I32MAX) {
            v = I32MAX;
        } else if (v < I32MIN) {
            v = I32MIN;
        }
    }
    return ref_rdbpot(ref_srdhm((int32_t)v, m), shift < 0 ? -shift : 0);
}

static int8_t ref_out_s8(int64_t acc, const stoic_qmul *q, int32_t zp_out, int32_t lo, int32_t hi)
{
    int64_t y = (int64_t)ref_requantize((int32_t)acc, q->m, q->shift) + zp_out;
    if (y < lo) {
        y = lo;
    }
    if (y > hi) {
        y = hi;
    }
    return (int8_t)y;
}

/* ===================================================================== */
/* primitives: hand-derived                                              */
/* ===================================================================== */

#define CHECK_EQ(what, got, want) do { \
        int32_t got_ = (got), want_ = (want); \
        if (got_ != want_) { \
            printf("\n  %s: got %ld, want %ld\n", what, (long)got_, (long)want_); \
        } \
        CU_ASSERT_EQUAL(got_, want_); \
    } while (0)

static void test_srdhm_hand(void)
{
    /* INT32_MIN * INT32_MIN = 2^62: the one saturating case -> INT32_MAX */
    CHECK_EQ("srdhm(MIN,MIN)", stoic_srdhm(I32MIN, I32MIN), I32MAX);
    /* (2^31-1)^2 = 2^62 - 2^32 + 1; (p + 2^30) / 2^31 = 2^31 - 2 + (2^30 + 1)/2^31
     * -> 2147483646 */
    CHECK_EQ("srdhm(MAX,MAX)", stoic_srdhm(I32MAX, I32MAX), 2147483646);
    /* -2^31 (2^31 - 1) = -2^62 + 2^31 < 0; nudge 1 - 2^30:
     * (-2^62 + 2^31 + 1 - 2^30) / 2^31 = -2^31 + 1.5 - tiny -> trunc -2147483647 */
    CHECK_EQ("srdhm(MIN,MAX)", stoic_srdhm(I32MIN, I32MAX), -2147483647);
    CHECK_EQ("srdhm(MAX,MIN)", stoic_srdhm(I32MAX, I32MIN), -2147483647);
    /* p = -2^31: (-2^31 + 1 - 2^30) / 2^31 = -1.5 + tiny -> trunc -1 */
    CHECK_EQ("srdhm(MIN,1)", stoic_srdhm(I32MIN, 1), -1);
    /* p = 2^31: (2^31 + 2^30) / 2^31 = 1.5 -> trunc 1 */
    CHECK_EQ("srdhm(MIN,-1)", stoic_srdhm(I32MIN, -1), 1);
    /* p = 2^31 - 1: (2^31 - 1 + 2^30) / 2^31 = 1.5 - tiny -> 1 */
    CHECK_EQ("srdhm(MAX,1)", stoic_srdhm(I32MAX, 1), 1);
    /* p = -(2^31 - 1): (-2^31 + 1 + 1 - 2^30) / 2^31 = -1.5 + tiny -> -1 */
    CHECK_EQ("srdhm(MAX,-1)", stoic_srdhm(I32MAX, -1), -1);
    /* p = 1: (1 + 2^30) / 2^31 < 1 -> 0; p = -1: (-1 + 1 - 2^30) / 2^31 = -0.5 -> 0 */
    CHECK_EQ("srdhm(1,1)", stoic_srdhm(1, 1), 0);
    CHECK_EQ("srdhm(-1,1)", stoic_srdhm(-1, 1), 0);
    CHECK_EQ("srdhm(0,MIN)", stoic_srdhm(0, I32MIN), 0);
    CHECK_EQ("srdhm(MIN,0)", stoic_srdhm(I32MIN, 0), 0);
    /* p = -2^61: (-2^61 + 1 - 2^30) / 2^31 = -2^30 - 0.5 + tiny -> -2^30 */
    CHECK_EQ("srdhm(MIN,2^30)", stoic_srdhm(I32MIN, P30), -1073741824);
    /* ties: p = +-2^30 and +-3*2^30, i.e. a*b/2^31 = +-0.5 and +-1.5.
     *  +0.5: (2^30 + 2^30) / 2^31 = 1                     -> 1
     *  -0.5: (-2^30 + 1 - 2^30) / 2^31 = -1 + 2^-31        -> 0
     *  +1.5: (3*2^30 + 2^30) / 2^31 = 2                    -> 2
     *  -1.5: (-3*2^30 + 1 - 2^30) / 2^31 = -2 + 2^-31      -> -1
     * (positive and negative ties both go toward +infinity) */
    CHECK_EQ("srdhm tie +0.5", stoic_srdhm(32768, 32768), 1);
    CHECK_EQ("srdhm tie -0.5", stoic_srdhm(-32768, 32768), 0);
    CHECK_EQ("srdhm tie +1.5", stoic_srdhm(98304, 32768), 2);
    CHECK_EQ("srdhm tie -1.5", stoic_srdhm(-98304, 32768), -1);
    /* -5 * 2^30 / 2^31 = -2.5: (-5*2^30 + 1 - 2^30) / 2^31 = -3 + 2^-31 -> -2 */
    CHECK_EQ("srdhm tie -2.5", stoic_srdhm(-5, P30), -2);
    /* -7 * 2^29 / 2^31 = -1.75: (-7*2^29 + 1 - 2^30) / 2^31 = -2.25 + tiny -> -2 */
    CHECK_EQ("srdhm -1.75", stoic_srdhm(-7, 536870912), -2);
    /* 1000 * 1518500250 / 2^31 = 1518500250000 / 2147483648 = 707.1068 -> 707, and -707 */
    CHECK_EQ("srdhm(1000,m)", stoic_srdhm(1000, 1518500250), 707);
    CHECK_EQ("srdhm(-1000,m)", stoic_srdhm(-1000, 1518500250), -707);
    /* -1 * -1 = 1 -> 0 (negative operands, positive product) */
    CHECK_EQ("srdhm(-1,-1)", stoic_srdhm(-1, -1), 0);
}

static void test_rdbpot_hand(void)
{
    /* e = 1: ties x/2 = +-0.5, +-1.5, +-2.5 go away from zero */
    CHECK_EQ("rdbpot(1,1)", stoic_rdbpot(1, 1), 1);
    CHECK_EQ("rdbpot(-1,1)", stoic_rdbpot(-1, 1), -1);
    CHECK_EQ("rdbpot(3,1)", stoic_rdbpot(3, 1), 2);
    CHECK_EQ("rdbpot(-3,1)", stoic_rdbpot(-3, 1), -2);
    /* spec for x = -5, e = 1: mask 1, r = -5 & 1 = 1, t = 0 + 1 = 1,
     * -5 >> 1 = -3, r > t false -> -3 */
    CHECK_EQ("rdbpot(5,1)", stoic_rdbpot(5, 1), 3);
    CHECK_EQ("rdbpot(-5,1)", stoic_rdbpot(-5, 1), -3);
    /* e = 2: 6/4 = 1.5 -> 2, 5/4 = 1.25 -> 1, 7/4 = 1.75 -> 2 (and negatives) */
    CHECK_EQ("rdbpot(6,2)", stoic_rdbpot(6, 2), 2);
    CHECK_EQ("rdbpot(-6,2)", stoic_rdbpot(-6, 2), -2);
    CHECK_EQ("rdbpot(5,2)", stoic_rdbpot(5, 2), 1);
    CHECK_EQ("rdbpot(-5,2)", stoic_rdbpot(-5, 2), -1);
    CHECK_EQ("rdbpot(7,2)", stoic_rdbpot(7, 2), 2);
    CHECK_EQ("rdbpot(-7,2)", stoic_rdbpot(-7, 2), -2);
    /* e = 0: identity, extremes included */
    CHECK_EQ("rdbpot(MIN,0)", stoic_rdbpot(I32MIN, 0), I32MIN);
    CHECK_EQ("rdbpot(MAX,0)", stoic_rdbpot(I32MAX, 0), I32MAX);
    CHECK_EQ("rdbpot(-1,0)", stoic_rdbpot(-1, 0), -1);
    /* e = 31: MAX/2^31 = 1 - 2^-31 -> 1; MIN/2^31 = -1 exactly;
     * +-2^30 / 2^31 = +-0.5 -> +-1 (ties away); +-(2^30 - 1) -> 0;
     * -(2^30 + 1) / 2^31 = -0.5 - tiny -> -1; -1 -> 0; 0 -> 0 */
    CHECK_EQ("rdbpot(MAX,31)", stoic_rdbpot(I32MAX, 31), 1);
    CHECK_EQ("rdbpot(MIN,31)", stoic_rdbpot(I32MIN, 31), -1);
    CHECK_EQ("rdbpot(2^30,31)", stoic_rdbpot(P30, 31), 1);
    CHECK_EQ("rdbpot(-2^30,31)", stoic_rdbpot(-P30, 31), -1);
    CHECK_EQ("rdbpot(2^30-1,31)", stoic_rdbpot(P30 - 1, 31), 0);
    CHECK_EQ("rdbpot(-2^30+1,31)", stoic_rdbpot(-P30 + 1, 31), 0);
    CHECK_EQ("rdbpot(-2^30-1,31)", stoic_rdbpot(-P30 - 1, 31), -1);
    CHECK_EQ("rdbpot(-1,31)", stoic_rdbpot(-1, 31), 0);
    CHECK_EQ("rdbpot(0,31)", stoic_rdbpot(0, 31), 0);
    /* e = 1 at the extremes: MIN/2 = -2^30 exactly; MAX/2 = 2^30 - 0.5 -> 2^30;
     * (MIN+1)/2 = -2^30 + 0.5 -> -2^30 */
    CHECK_EQ("rdbpot(MIN,1)", stoic_rdbpot(I32MIN, 1), -1073741824);
    CHECK_EQ("rdbpot(MAX,1)", stoic_rdbpot(I32MAX, 1), 1073741824);
    CHECK_EQ("rdbpot(MIN+1,1)", stoic_rdbpot(I32MIN + 1, 1), -1073741824);
    /* e = 30: MAX/2^30 = 2 - 2^-30 -> 2; MIN/2^30 = -2 */
    CHECK_EQ("rdbpot(MAX,30)", stoic_rdbpot(I32MAX, 30), 2);
    CHECK_EQ("rdbpot(MIN,30)", stoic_rdbpot(I32MIN, 30), -2);
}

static void test_requantize_hand(void)
{
    stoic_qmul q;
    /* M = 2^30 * 2^(-1-31) = 0.25: SRDHM(1000, 2^30) = floor(1001/2) = 500,
     * RDBPOT(500, 1) = 250 */
    CHECK_EQ("req 1000*0.25", stoic_requantize(1000, P30, -1), 250);
    /* M = 0.5, shift 0: 3 * 0.5 = 1.5 -> 2; -3 * 0.5 = -1.5 -> -1 (SRDHM tie) */
    CHECK_EQ("req 3*0.5", stoic_requantize(3, P30, 0), 2);
    CHECK_EQ("req -3*0.5", stoic_requantize(-3, P30, 0), -1);
    /* M = 0.25: SRDHM(-3, 2^30) = -1, RDBPOT(-1, 1) = -0.5 -> -1 (away) */
    CHECK_EQ("req -3*0.25", stoic_requantize(-3, P30, -1), -1);
    /* left shift saturates: 2^20 * 2^12 = 2^32 -> INT32_MAX;
     * SRDHM(2^31 - 1, 2^30) = floor(((2^31-1) 2^30 + 2^30) / 2^31) = 2^30 */
    CHECK_EQ("req sat+", stoic_requantize(1 << 20, P30, 12), 1073741824);
    /* -2^32 -> INT32_MIN; SRDHM(-2^31, 2^30) = -2^30 */
    CHECK_EQ("req sat-", stoic_requantize(-(1 << 20), P30, 12), -1073741824);
    /* shift 31: 1 * 2^31 saturates to 2^31 - 1 -> 2^30; -1 * 2^31 = INT32_MIN
     * exactly -> -2^30 */
    CHECK_EQ("req 1<<31", stoic_requantize(1, P30, 31), 1073741824);
    CHECK_EQ("req -1<<31", stoic_requantize(-1, P30, 31), -1073741824);
    /* MAX << 31 saturates to MAX: SRDHM(MAX, MAX) = 2147483646;
     * MIN << 31 saturates to MIN: SRDHM(MIN, MAX) = -2147483647 */
    CHECK_EQ("req MAX", stoic_requantize(I32MAX, I32MAX, 31), 2147483646);
    CHECK_EQ("req MIN", stoic_requantize(I32MIN, I32MAX, 31), -2147483647);
    /* shift -31: SRDHM(MIN, 2^30) = -2^30, /2^31 = -0.5 -> -1 (away);
     * SRDHM(MAX, MAX) = 2^31 - 2, /2^31 = 1 - 2^-30 -> 1 */
    CHECK_EQ("req MIN>>31", stoic_requantize(I32MIN, P30, -31), -1);
    CHECK_EQ("req MAX>>31", stoic_requantize(I32MAX, I32MAX, -31), 1);
    /* M = 1518500250 * 2^(2-31) = 2.828427 (2 sqrt 2): 100 * M = 282.84 -> 283;
     * 400 * 1518500250 / 2^31 = 282.84 -> 283, and -283 */
    CHECK_EQ("req 100*2sqrt2", stoic_requantize(100, 1518500250, 2), 283);
    CHECK_EQ("req -100*2sqrt2", stoic_requantize(-100, 1518500250, 2), -283);

    /* output stage, zp_out = -3: M = 0.25 */
    q.m = P30;
    q.shift = -1;
    /* 1000 -> 250 - 3 = 247 -> 127 */
    CHECK_EQ("out s8 hi", stoic_requant_s8(1000, &q, -3, -128, 127), 127);
    /* -1000: SRDHM = floor(-999/2) = -500, RDBPOT(-500,1) = -250; -253 -> -128 */
    CHECK_EQ("out s8 lo", stoic_requant_s8(-1000, &q, -3, -128, 127), -128);
    /* 100 -> SRDHM floor(101/2) = 50 -> 25; 25 - 3 = 22 */
    CHECK_EQ("out s8 mid", stoic_requant_s8(100, &q, -3, -128, 127), 22);
    /* relu folded: act_min = zp_out = -3: -100 -> -25 - 3 = -28 -> -3 */
    CHECK_EQ("out s8 relu", stoic_requant_s8(-100, &q, -3, -3, 127), -3);
    /* relu6-like upper bound 20: 100 -> 22 -> 20 */
    CHECK_EQ("out s8 relu6", stoic_requant_s8(100, &q, -3, -3, 20), 20);
    /* the offset must not wrap: requantize gives 2147483646, + 127 -> 127;
     * -2147483647 - 128 (below INT32_MIN in int32) -> -128 */
    q.m = I32MAX;
    q.shift = 31;
    CHECK_EQ("out s8 no wrap+", stoic_requant_s8(I32MAX, &q, 127, -128, 127), 127);
    CHECK_EQ("out s8 no wrap-", stoic_requant_s8(I32MIN, &q, -128, -128, 127), -128);
}

/* ===================================================================== */
/* primitives: random vs references                                      */
/* ===================================================================== */

#define N_PRIM 100000

static void test_srdhm_random(void)
{
    int i, bad = 0, n_tie_pos = 0, n_tie_neg = 0, n_sat = 0;
    rng_seed(801u);
    for (i = 0; i < N_PRIM; i++) {
        int32_t a, b, got, want;
        int64_t p;
        int k = rng_int(0, 9);
        if (k < 6) {
            a = rng_i32_mixed();
            b = rng_i32_mixed();
        } else if (k < 9) {
            /* an exact tie: a = odd_a * 2^s, b = odd_b * 2^(30 - s), so
             * a*b = odd * 2^30 and a*b / 2^31 = odd / 2; |a|, |b| < 2^31 */
            int32_t s = rng_int(0, 30);
            int64_t ha = (int64_t)1 << (30 - s), hb = (int64_t)1 << s;
            a = (int32_t)((2 * rng_range(-ha, ha - 1) + 1) * ((int64_t)1 << s));
            b = (int32_t)((2 * rng_range(-hb, hb - 1) + 1) * ((int64_t)1 << (30 - s)));
        } else {
            a = I32MIN;
            b = (rng_int(0, 1) != 0) ? I32MIN : rng_i32_mixed();
        }
        p = (int64_t)a * (int64_t)b;
        n_tie_pos += (p > 0 && (p % 2147483648LL) == P30);
        n_tie_neg += (p < 0 && (-p % 2147483648LL) == P30);
        n_sat += (a == I32MIN && b == I32MIN);
        got = stoic_srdhm(a, b);
        want = ref_srdhm(a, b);
        if (got != want) {
            if (bad < 5) {
                printf("\n  srdhm(%ld, %ld): got %ld, want %ld\n", (long)a, (long)b,
                       (long)got, (long)want);
            }
            bad++;
        }
    }
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT(n_tie_pos > 5000 && n_tie_neg > 5000 && n_sat > 1000);
}

static void test_rdbpot_random(void)
{
    int i, bad = 0, n_tie_pos = 0, n_tie_neg = 0, n_e0 = 0, n_e31 = 0;
    rng_seed(802u);
    for (i = 0; i < N_PRIM; i++) {
        int32_t e = rng_int(0, 31), x, got, want;
        int k = rng_int(0, 3);
        if (k < 2) {
            x = rng_i32_mixed();
        } else {
            /* a tie or its neighbour: x = q * 2^e + 2^(e-1) + d, d in {-1, 0, 1} */
            int64_t lim = ((int64_t)1 << (31 - e)) - 1;
            int64_t v = rng_range(-lim - 1, lim) * ((int64_t)1 << e);
            v += (e > 0 ? ((int64_t)1 << (e - 1)) : 0) + rng_int(-1, 1) * (k == 3);
            x = (int32_t)(v < I32MIN ? I32MIN : (v > I32MAX ? I32MAX : v));
        }
        if (e > 0 && ((int64_t)x & (((int64_t)1 << e) - 1)) == ((int64_t)1 << (e - 1))) {
            n_tie_pos += (x > 0);
            n_tie_neg += (x < 0);
        }
        n_e0 += (e == 0);
        n_e31 += (e == 31);
        got = stoic_rdbpot(x, e);
        want = ref_rdbpot(x, e);
        if (got != want) {
            if (bad < 5) {
                printf("\n  rdbpot(%ld, %ld): got %ld, want %ld\n", (long)x, (long)e,
                       (long)got, (long)want);
            }
            bad++;
        }
    }
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT(n_tie_pos > 5000 && n_tie_neg > 5000 && n_e0 > 1000 && n_e31 > 1000);
}

static void test_requantize_random(void)
{
    int i, bad = 0, n_sat_left = 0;
    rng_seed(803u);
    for (i = 0; i < N_PRIM; i++) {
        int32_t acc = rng_i32_mixed(), m, shift, got, want;
        int k = rng_int(0, 3);
        if (k < 3) {
            m = rng_int(P30, I32MAX);            /* normalised Q31 multiplier */
        } else {
            m = rng_i32_mixed();                 /* anything, INT32_MIN included */
        }
        shift = (rng_int(0, 1) != 0) ? rng_int(-20, 5) : rng_int(-31, 31);
        n_sat_left += (shift > 0 && ((int64_t)acc * ((int64_t)1 << shift) > I32MAX ||
                                     (int64_t)acc * ((int64_t)1 << shift) < I32MIN));
        got = stoic_requantize(acc, m, shift);
        want = ref_requantize(acc, m, shift);
        if (got != want) {
            if (bad < 5) {
                printf("\n  requantize(%ld, %ld, %ld): got %ld, want %ld\n", (long)acc,
                       (long)m, (long)shift, (long)got, (long)want);
            }
            bad++;
        }
    }
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT(n_sat_left > 5000);
}

/* ===================================================================== */
/* kernels: buffers and shared random parameters                         */
/* ===================================================================== */

static int8_t *s8_out(int32_t n, int fill)
{
    int8_t *b = malloc((size_t)(n + 2 * GUARD));
    if (b == NULL) {
        return NULL;
    }
    memset(b, SENT, (size_t)(n + 2 * GUARD));
    memset(b + GUARD, fill, (size_t)n);
    return b + GUARD;
}

static int s8_guards_ok(const int8_t *p, int32_t n)
{
    int32_t i;
    for (i = 0; i < GUARD; i++) {
        if (p[-1 - i] != SENT || p[n + i] != SENT) {
            return 0;
        }
    }
    return 1;
}

static int8_t *s8_rand(int32_t n, int32_t lo, int32_t hi)
{
    int8_t *b = malloc((size_t)n + 1u);
    int32_t i;
    for (i = 0; i < n; i++) {
        b[i] = (int8_t)rng_int(lo, hi);
    }
    return b;
}

/* quantization parameters of one case */
typedef struct {
    int32_t input_offset, output_offset, act_min, act_max;
    stoic_qmul *qmul;
    int32_t *bias;  /* NULL sometimes */
} qcase;

static void qcase_draw(qcase *q, int32_t n_ch, int32_t acc_terms, int with_bias)
{
    int32_t c, zp_out = rng_int(-128, 127);
    int32_t bias_mag = (rng_int(0, 9) == 0) ? (1 << 24) : (1 << 16);
    int32_t sh0 = rng_int(-20, 5);
    if (rng_int(0, 1) != 0) {
        /* half the cases: a shift centre scaled to the accumulator (typical
         * |acc| ~ sqrt(terms) * 74 * 73 + bias / 2, mapped to about 2^6),
         * so that many outputs fall inside the activation range */
        double typ = 5400.0 * sqrt((double)acc_terms) + (double)bias_mag / 2.0;
        sh0 = 7;
        while (typ > 1.0 && sh0 > -20) {
            typ /= 2.0;
            sh0--;
        }
    }
    q->input_offset = -rng_int(-128, 127);
    q->output_offset = zp_out;
    switch (rng_int(0, 3)) {
    case 0: q->act_min = -128; q->act_max = 127; break;              /* none */
    case 1: q->act_min = zp_out; q->act_max = 127; break;            /* relu */
    case 2: q->act_min = zp_out; q->act_max = zp_out + rng_int(0, 127 - zp_out); break; /* relu6 */
    default:
        q->act_min = rng_int(-128, 127);
        q->act_max = rng_int(q->act_min, 127);
        break;
    }
    q->qmul = malloc(sizeof(stoic_qmul) * (size_t)n_ch);
    q->bias = with_bias ? malloc(sizeof(int32_t) * (size_t)n_ch) : NULL;
    for (c = 0; c < n_ch; c++) {
        int32_t s = sh0 + rng_int(-2, 2);
        q->qmul[c].m = rng_int(P30, I32MAX);
        q->qmul[c].shift = s < -20 ? -20 : (s > 5 ? 5 : s);
        if (q->bias != NULL) {
            q->bias[c] = rng_int(-bias_mag, bias_mag);
        }
    }
}

static void qcase_free(qcase *q)
{
    free(q->qmul);
    free(q->bias);
}

/* compare, count unsaturated outputs; returns number of mismatches */
static int compare_s8(const char *what, int c, const int8_t *got, const int8_t *want,
                      int32_t n)
{
    int32_t i;
    int bad = 0;
    for (i = 0; i < n; i++) {
        if (got[i] != want[i]) {
            if (bad == 0) {
                printf("\n  %s case %d: element %ld got %d want %d\n", what, c, (long)i,
                       got[i], want[i]);
            }
            bad++;
        }
    }
    if (!s8_guards_ok(got, n)) {
        printf("\n  %s case %d: write outside the output\n", what, c);
        bad++;
    }
    return bad;
}

static int n_inner, n_at_bound, n_acc_overflow;

static void count_outputs(const int8_t *want, int32_t n, const qcase *q)
{
    int32_t i;
    for (i = 0; i < n; i++) {
        if (want[i] > q->act_min && want[i] < q->act_max) {
            n_inner++;
        } else {
            n_at_bound++;
        }
    }
}

/* ===================================================================== */
/* dense_s8                                                              */
/* ===================================================================== */

static void ref_dense_s8(const stoic_dense_s8_params *p, const int8_t *in, const int8_t *w,
                         const int32_t *bias, int8_t *out)
{
    int32_t r, o, i;
    int32_t zp_in = -p->input_offset;
    for (r = 0; r < p->rows; r++) {
        for (o = 0; o < p->out_n; o++) {
            int64_t acc = bias != NULL ? bias[o] : 0;
            for (i = 0; i < p->in_n; i++) {
                acc += ((int64_t)in[r * p->in_n + i] - zp_in) * (int64_t)w[o * p->in_n + i];
            }
            n_acc_overflow += (acc > I32MAX || acc < I32MIN);
            out[r * p->out_n + o] = ref_out_s8(acc, &p->qmul[o], p->output_offset,
                                               p->act_min, p->act_max);
        }
    }
}

static int run_dense_s8(const char *what, int c, const stoic_dense_s8_params *p,
                        const int8_t *in, const int8_t *w, const int32_t *bias,
                        const int8_t *want)
{
    int32_t n_out = p->rows * p->out_n;
    int bad = 0, pass;
    for (pass = 0; pass < 2; pass++) {
        int8_t *out = s8_out(n_out, pass == 0 ? 0x11 : 0x6E);
        stoic_dense_s8(p, in, w, bias, out);
        bad += compare_s8(what, c, out, want, n_out);
        free(out - GUARD);
    }
    return bad;
}

static void test_dense_s8_hand(void)
{
    /* in = [1, 2, 3], zp_in = 1 (input_offset -1): in - zp = [0, 1, 2];
     * w = [[1, 2, 3], [-1, 0, 4]], bias = [10, -5]:
     *   acc0 = 10 + 0*1 + 1*2 + 2*3 = 18;  acc1 = -5 + 0 + 0 + 2*4 = 3.
     * qmul0 = (2^30, 0), M = 0.5: SRDHM(18, 2^30) = floor(19/2) = 9;
     * qmul1 = (2^30, 1), M = 1: 3 * 2 = 6, SRDHM(6, 2^30) = floor(7/2) = 3.
     * zp_out = 2: [11, 5]; with act [4, 10]: [10, 5]. Two rows: the second
     * row in = [-128, 127, 0] - 1 = [-129, 126, -1]:
     *   acc0 = 10 - 129 + 252 - 3 = 130 -> SRDHM(130) = floor(131/2) = 65 -> 67
     *   acc1 = -5 + 129 + 0 - 4 = 120 -> 240 -> SRDHM = floor(241/2) = 120 -> 122
     * clamped to [4, 10]: [10, 10]; to [-128, 127]: [67, 122]. */
    static const int8_t in[6] = { 1, 2, 3, -128, 127, 0 };
    static const int8_t w[6] = { 1, 2, 3, -1, 0, 4 };
    static const int32_t bias[2] = { 10, -5 };
    static const stoic_qmul qm[2] = { { P30, 0 }, { P30, 1 } };
    static const int8_t want_full[4] = { 11, 5, 67, 122 };
    static const int8_t want_clip[4] = { 10, 5, 10, 10 };
    stoic_dense_s8_params p;
    p.rows = 2;
    p.in_n = 3;
    p.out_n = 2;
    p.input_offset = -1;
    p.output_offset = 2;
    p.act_min = -128;
    p.act_max = 127;
    p.qmul = qm;
    CU_ASSERT_EQUAL(run_dense_s8("dense_s8 hand", 0, &p, in, w, bias, want_full), 0);
    p.act_min = 4;
    p.act_max = 10;
    CU_ASSERT_EQUAL(run_dense_s8("dense_s8 hand clip", 1, &p, in, w, bias, want_clip), 0);
}

static void test_dense_s8_random(void)
{
    int c, bad = 0, n_null = 0;
    rng_seed(811u);
    n_inner = n_at_bound = n_acc_overflow = 0;
    for (c = 0; c < 1500; c++) {
        stoic_dense_s8_params p;
        qcase q;
        int8_t *in, *w, *want;
        p.rows = rng_int(1, 4);
        p.in_n = (rng_int(0, 9) == 0) ? rng_int(100, 400) : rng_int(1, 40);
        p.out_n = rng_int(1, 12);
        qcase_draw(&q, p.out_n, p.in_n, c % 7 != 6);
        n_null += (q.bias == NULL);
        p.input_offset = q.input_offset;
        p.output_offset = q.output_offset;
        p.act_min = q.act_min;
        p.act_max = q.act_max;
        p.qmul = q.qmul;
        in = s8_rand(p.rows * p.in_n, -128, 127);
        w = s8_rand(p.out_n * p.in_n, -127, 127);
        want = malloc((size_t)(p.rows * p.out_n));
        ref_dense_s8(&p, in, w, q.bias, want);
        count_outputs(want, p.rows * p.out_n, &q);
        bad += run_dense_s8("dense_s8", c, &p, in, w, q.bias, want);
        free(in);
        free(w);
        free(want);
        qcase_free(&q);
    }
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT_EQUAL(n_acc_overflow, 0);  /* the draw respects the overflow bound */
    CU_ASSERT(n_null > 100);
    /* both unsaturated and clamped outputs are well represented */
    CU_ASSERT(n_inner > 5000 && n_at_bound > 5000);
}

/* ===================================================================== */
/* conv2d_s8                                                             */
/* ===================================================================== */

/* Plain loops; a tap outside the input reads the value zp_in, as the
 * contract states, rather than being skipped. */
static void ref_conv2d_s8(const stoic_conv2d_s8_params *p, const int8_t *in, const int8_t *w,
                          const int32_t *bias, int8_t *out)
{
    int32_t icpg = p->in_c / p->groups;
    int32_t ocpg = p->out_c / p->groups;
    int32_t zp_in = -p->input_offset;
    int32_t oh, ow, oc, kh, kw, j;
    for (oh = 0; oh < p->out_h; oh++) {
        for (ow = 0; ow < p->out_w; ow++) {
            for (oc = 0; oc < p->out_c; oc++) {
                int32_t g = oc / ocpg;
                int64_t acc = bias != NULL ? bias[oc] : 0;
                for (kh = 0; kh < p->k_h; kh++) {
                    for (kw = 0; kw < p->k_w; kw++) {
                        int32_t ih = oh * p->stride_h - p->pad_top + kh * p->dil_h;
                        int32_t iw = ow * p->stride_w - p->pad_left + kw * p->dil_w;
                        int inside = ih >= 0 && ih < p->in_h && iw >= 0 && iw < p->in_w;
                        for (j = 0; j < icpg; j++) {
                            int64_t x = inside
                                ? in[(ih * p->in_w + iw) * p->in_c + g * icpg + j] : zp_in;
                            int64_t wv = w[((oc * p->k_h + kh) * p->k_w + kw) * icpg + j];
                            acc += (x - zp_in) * wv;
                        }
                    }
                }
                n_acc_overflow += (acc > I32MAX || acc < I32MIN);
                out[(oh * p->out_w + ow) * p->out_c + oc] =
                    ref_out_s8(acc, &p->qmul[oc], p->output_offset, p->act_min, p->act_max);
            }
        }
    }
}

static int run_conv2d_s8(const char *what, int c, const stoic_conv2d_s8_params *p,
                         const int8_t *in, const int8_t *w, const int32_t *bias,
                         const int8_t *want)
{
    int32_t n_out = p->out_h * p->out_w * p->out_c;
    int bad = 0, pass;
    for (pass = 0; pass < 2; pass++) {
        int8_t *out = s8_out(n_out, pass == 0 ? 0x11 : 0x6E);
        stoic_conv2d_s8(p, in, w, bias, out);
        bad += compare_s8(what, c, out, want, n_out);
        free(out - GUARD);
    }
    return bad;
}

static void conv_s8_plain(stoic_conv2d_s8_params *p)
{
    memset(p, 0, sizeof *p);
    p->stride_h = p->stride_w = 1;
    p->dil_h = p->dil_w = 1;
    p->groups = 1;
    p->act_min = -128;
    p->act_max = 127;
}

static void test_conv2d_s8_hand(void)
{
    /* 3x3x1 input q = [[1,2,3],[4,5,6],[7,8,9]], zp_in = 3 (offset -3):
     * q - zp = [[-2,-1,0],[1,2,3],[4,5,6]]. Kernel 2x2 w = [[1,2],[3,4]],
     * stride 2, pad_top = pad_left = 1 (none after): out 2x2.
     * ih = 2 oh - 1 + kh, iw = 2 ow - 1 + kw:
     *  (0,0): only (kh,kw) = (1,1) -> (0,0): -2*4 = -8
     *  (0,1): kh = 1 -> ih 0; kw 0,1 -> iw 1,2: -1*3 + 0*4 = -3
     *  (1,0): kh 0,1 -> ih 1,2; kw = 1 -> iw 0: 1*2 + 4*4 = 18
     *  (1,1): ih 1,2; iw 1,2: 2*1 + 3*2 + 5*3 + 6*4 = 47
     * bias 5: acc = -3, 2, 23, 52.
     * M = 1 (2^30, shift 1), zp_out = -10: -13, -8, 13, 42.
     * M = 0.5 (2^30, shift 0): SRDHM(acc, 2^30) = floor((acc + 1) / 2):
     *   -3 -> -1 (the tie -1.5 goes toward +inf), 2 -> 1, 23 -> 12, 52 -> 26;
     *   zp_out = -10: -11, -9, 2, 16. */
    static const int8_t in[9] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
    static const int8_t w[4] = { 1, 2, 3, 4 };
    static const int32_t bias[1] = { 5 };
    static const stoic_qmul m1[1] = { { P30, 1 } };
    static const stoic_qmul mh[1] = { { P30, 0 } };
    static const int8_t want1[4] = { -13, -8, 13, 42 };
    static const int8_t wanth[4] = { -11, -9, 2, 16 };
    /* depthwise, channel multiplier 2: input 1x2x2 (pixels [10, -20], [30, 40]),
     * 1x1 kernel, w = [1, -2, 3, 1]: oc 0,1 read c0, oc 2,3 read c1.
     * zp_in = 0, bias none, M = 1, zp_out = 0:
     *   pixel 0: 10, -20, -60, -20;  pixel 1: 30, -60, 120, 40;
     * clamped to [-50, 100]: 10, -20, -50, -20, 30, -50, 100, 40. */
    static const int8_t xd[4] = { 10, -20, 30, 40 };
    static const int8_t wd[4] = { 1, -2, 3, 1 };
    static const stoic_qmul md[4] = { { P30, 1 }, { P30, 1 }, { P30, 1 }, { P30, 1 } };
    static const int8_t wantd[8] = { 10, -20, -50, -20, 30, -50, 100, 40 };
    stoic_conv2d_s8_params p;

    conv_s8_plain(&p);
    p.in_h = p.in_w = 3;
    p.in_c = p.out_c = 1;
    p.k_h = p.k_w = 2;
    p.out_h = p.out_w = 2;
    p.stride_h = p.stride_w = 2;
    p.pad_top = p.pad_left = 1;
    p.input_offset = -3;
    p.output_offset = -10;
    p.qmul = m1;
    CU_ASSERT_EQUAL(run_conv2d_s8("conv_s8 hand M=1", 0, &p, in, w, bias, want1), 0);
    p.qmul = mh;
    CU_ASSERT_EQUAL(run_conv2d_s8("conv_s8 hand M=0.5", 1, &p, in, w, bias, wanth), 0);

    conv_s8_plain(&p);
    p.in_h = p.out_h = 1;
    p.in_w = p.out_w = 2;
    p.in_c = 2;
    p.out_c = 4;
    p.groups = 2;
    p.k_h = p.k_w = 1;
    p.act_min = -50;
    p.act_max = 100;
    p.qmul = md;
    CU_ASSERT_EQUAL(run_conv2d_s8("conv_s8 hand depthwise", 2, &p, xd, wd, NULL, wantd), 0);
}

static int32_t conv_out_size(int32_t in, int32_t before, int32_t after, int32_t k,
                             int32_t dil, int32_t stride)
{
    int32_t span = in + before + after - ((k - 1) * dil + 1);
    return span < 0 ? 0 : span / stride + 1;
}

static void test_conv2d_s8_random(void)
{
    int c, bad = 0;
    int n_depthwise = 0, n_grouped = 0, n_dilated = 0, n_strided = 0, n_padded = 0, n_1d = 0;
    rng_seed(812u);
    n_inner = n_at_bound = n_acc_overflow = 0;
    for (c = 0; c < 1500; c++) {
        stoic_conv2d_s8_params p;
        qcase q;
        int8_t *in, *w, *want;
        int32_t icpg, ocpg, pad_bottom, pad_right, ext_h, ext_w, n_out;
        int mode = rng_int(0, 3);
        if (mode == 0) {            /* plain */
            p.groups = 1;
            icpg = rng_int(1, 6);
            ocpg = rng_int(1, 5);
        } else if (mode == 1) {     /* depthwise, channel multiplier 1..3 */
            p.groups = rng_int(1, 6);
            icpg = 1;
            ocpg = rng_int(1, 3);
        } else {                    /* grouped */
            p.groups = rng_int(2, 4);
            icpg = rng_int(1, 3);
            ocpg = rng_int(1, 3);
        }
        p.in_c = p.groups * icpg;
        p.out_c = p.groups * ocpg;
        p.k_w = rng_int(1, 4);
        p.stride_w = rng_int(1, 3);
        p.dil_w = rng_int(0, 1) ? 1 : rng_int(2, 3);
        p.in_w = rng_int(1, 9);
        ext_w = (p.k_w - 1) * p.dil_w + 1;
        /* pads mostly below the dilated kernel extent, sometimes beyond
         * (windows entirely in the padding: bias only) */
        p.pad_left = rng_int(0, ext_w);
        pad_right = rng_int(0, ext_w);
        if (rng_int(0, 3) == 0) {   /* conv1d */
            p.in_h = 1;
            p.k_h = 1;
            p.stride_h = 1;
            p.dil_h = 1;
            p.pad_top = 0;
            pad_bottom = 0;
            n_1d++;
        } else {
            p.k_h = rng_int(1, 4);
            p.stride_h = rng_int(1, 3);
            p.dil_h = rng_int(0, 1) ? 1 : rng_int(2, 3);
            p.in_h = rng_int(1, 9);
            ext_h = (p.k_h - 1) * p.dil_h + 1;
            p.pad_top = rng_int(0, ext_h);
            pad_bottom = rng_int(0, ext_h);
        }
        p.out_h = conv_out_size(p.in_h, p.pad_top, pad_bottom, p.k_h, p.dil_h, p.stride_h);
        p.out_w = conv_out_size(p.in_w, p.pad_left, pad_right, p.k_w, p.dil_w, p.stride_w);
        if (p.out_h < 1 || p.out_w < 1) {
            c--;            /* kernel does not fit: draw again */
            continue;
        }
        qcase_draw(&q, p.out_c, p.k_h * p.k_w * icpg, c % 7 != 6);
        p.input_offset = q.input_offset;
        p.output_offset = q.output_offset;
        p.act_min = q.act_min;
        p.act_max = q.act_max;
        p.qmul = q.qmul;
        n_depthwise += (p.groups == p.in_c && p.groups > 1);
        n_grouped += (p.groups > 1);
        n_dilated += (p.dil_h > 1 || p.dil_w > 1);
        n_strided += (p.stride_h > 1 || p.stride_w > 1);
        n_padded += (p.pad_top > 0 || p.pad_left > 0 || pad_bottom > 0 || pad_right > 0);
        n_out = p.out_h * p.out_w * p.out_c;
        in = s8_rand(p.in_h * p.in_w * p.in_c, -128, 127);
        w = s8_rand(p.out_c * p.k_h * p.k_w * icpg, -127, 127);
        want = malloc((size_t)n_out);
        ref_conv2d_s8(&p, in, w, q.bias, want);
        count_outputs(want, n_out, &q);
        bad += run_conv2d_s8("conv2d_s8", c, &p, in, w, q.bias, want);
        free(in);
        free(w);
        free(want);
        qcase_free(&q);
    }
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT_EQUAL(n_acc_overflow, 0);
    /* the draw covers every feature */
    CU_ASSERT(n_depthwise >= 100 && n_grouped >= 300 && n_dilated >= 300 &&
              n_strided >= 300 && n_padded >= 300 && n_1d >= 150);
    CU_ASSERT(n_inner > 5000 && n_at_bound > 5000);
}

/* ===================================================================== */

UNIT_SUITE(kernel_s8)
{
    CU_pSuite s = CU_add_suite("kernel_s8", NULL, NULL);
    CU_add_test(s, "SRDHM hand-derived", test_srdhm_hand);
    CU_add_test(s, "RDBPOT hand-derived", test_rdbpot_hand);
    CU_add_test(s, "requantize and int8 output stage hand-derived", test_requantize_hand);
    CU_add_test(s, "SRDHM random vs reference (1e5)", test_srdhm_random);
    CU_add_test(s, "RDBPOT random vs reference (1e5)", test_rdbpot_random);
    CU_add_test(s, "requantize random vs reference (1e5)", test_requantize_random);
    CU_add_test(s, "dense_s8 hand-derived", test_dense_s8_hand);
    CU_add_test(s, "dense_s8 random vs reference", test_dense_s8_random);
    CU_add_test(s, "conv2d_s8 hand-derived", test_conv2d_s8_hand);
    CU_add_test(s, "conv2d_s8 random vs reference", test_conv2d_s8_random);
}

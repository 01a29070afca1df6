/*
 * Unit tests of the 64-bit requantization (stoic_requantize64,
 * stoic_requant_s16 in runtime/stoic_requant.c), the 16x8 dense and conv2d
 * kernels (stoic_dense_s16.c, stoic_conv2d_s16.c) and the int8/int16
 * pooling kernels (stoic_{max,avg}pool2d_s{8,16}.c), against stoic_rt.h and
 * ../shared/arithmetic.md.
 *
 * Evidence:
 *  - hand-derived values, worked out in the comments next to them;
 *  - stoic_requantize64 against a reference in __int128 with a plain floor
 *    division (no splitting, no pre-saturation), on 10^5 random arguments
 *    biased toward exact ties, extremes and the saturation thresholds;
 *  - every kernel against plain loops here (int64 sums, every tap of the
 *    window visited and padding taken literally: skipped / the value zp_in,
 *    plain ifs for max and clamps), bit for bit, on 1500 random shapes and
 *    parameter sets each, fixed seeds. The random draws respect the
 *    header's preconditions (|acc| <= 2^47 for the 16x8 kernels: checked in
 *    the reference and asserted) and cover groups, depthwise, stride,
 *    dilation, asymmetric padding, count_include_pad 0/1, extreme inputs,
 *    extreme multipliers and shifts, and clamping at both ends (counted and
 *    asserted).
 * Output buffers carry guard bytes, and every kernel runs twice on
 * differently pre-filled outputs: an out-of-bounds or a missing write fails.
 */
/* REQ: REQ-ARITH-002 REQ-ARITH-003 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <CUnit/CUnit.h>
#include "unit.h"
#include "qtest.h"
#include "stoic_rt_f32.h"

__extension__ typedef __int128 i128;

#define P30 ((int64_t)1 << 30)
#define P31 ((int64_t)1 << 31)
#define P47 ((int64_t)1 << 47)
#define M_MAX ((int32_t)2147483647)
#define GUARD 16
#define SENT 0x5A

/* ---- PRNG (qtest.h xorshift32), one state for this file ------------- */

static uint32_t rs;

static void seed(uint32_t s)
{
    rs = s;
}

static int64_t rnd(int64_t lo, int64_t hi)
{
    return qt_range(&rs, lo, hi);
}

static int32_t rndi(int32_t lo, int32_t hi)
{
    return (int32_t)qt_range(&rs, lo, hi);
}

/* ===================================================================== */
/* reference of stoic_requantize64                                       */
/* ===================================================================== */

/* floor(n / d), d > 0, on __int128 */
static i128 floor_div128(i128 n, i128 d)
{
    i128 q = n / d;
    if (n % d != 0 && n < 0) {
        q--;
    }
    return q;
}

/* sat32(floor((acc * m * 2^shift + 2^30) / 2^31)), taken literally: for
 * shift < 0 both sides are multiplied by 2^-shift, i.e.
 * floor((acc * m + 2^(30 - shift)) / 2^(31 - shift)). Every value fits in
 * 128 bits (|acc * m * 2^31| < 2^110). */
static int32_t ref_requantize64(int64_t acc, int32_t m, int32_t shift)
{
    i128 num, den, q;
    if (shift >= 0) {
        num = (i128)acc * m * ((i128)1 << shift) + ((i128)1 << 30);
        den = (i128)1 << 31;
    } else {
        num = (i128)acc * m + ((i128)1 << (30 - shift));
        den = (i128)1 << (31 - shift);
    }
    q = floor_div128(num, den);
    if (q > INT32_MAX) {
        q = INT32_MAX;
    }
    if (q < INT32_MIN) {
        q = INT32_MIN;
    }
    return (int32_t)q;
}

/* 1 when acc * m * 2^shift / 2^31 is exactly halfway between integers */
static int is_tie64(int64_t acc, int32_t m, int32_t shift)
{
    i128 v = (i128)acc * m;
    int32_t e = 31 - shift;     /* v / 2^e */
    i128 r;
    if (e <= 0) {
        return 0;
    }
    r = v & (((i128)1 << e) - 1);
    return r == ((i128)1 << (e - 1));
}

/* counters of the output stages of the references */
static long n_lo, n_hi, n_inside, n_sat32, n_acc_bad, n_acc_big;

static int32_t ref_out_s16(int64_t acc, const stoic_qmul *q, int32_t lo, int32_t hi)
{
    int32_t y;
    if (acc > P47 || acc < -P47) {
        n_acc_bad++;
    }
    if (acc > ((int64_t)1 << 40) || acc < -((int64_t)1 << 40)) {
        n_acc_big++;
    }
    y = ref_requantize64(acc, q->m, q->shift);
    if (y == INT32_MAX || y == INT32_MIN) {
        n_sat32++;
    }
    if (y < lo) {
        n_lo++;
        return lo;
    }
    if (y > hi) {
        n_hi++;
        return hi;
    }
    n_inside++;
    return y;
}

#define CHECK_EQ(what, got, want) do { \
        int64_t got_ = (got), want_ = (want); \
        if (got_ != want_) { \
            printf("\n  %s: got %lld, want %lld\n", what, (long long)got_, (long long)want_); \
        } \
        CU_ASSERT_EQUAL(got_, want_); \
    } while (0)

/* ===================================================================== */
/* stoic_requantize64, stoic_requant_s16: hand-derived                    */
/* ===================================================================== */

static void test_requantize64_hand(void)
{
    stoic_qmul q;
    int32_t s;
    /* M = 2^30 * 2^(0 - 31) = 0.5; ties go toward +infinity:
     *  1 * 0.5 = 0.5 -> floor(1) = 1;  -1 * 0.5 = -0.5 -> floor(0) = 0;
     *  3 * 0.5 = 1.5 -> 2;  -3 * 0.5 = -1.5 -> -1;  2 -> 1;  -2 -> -1. */
    CHECK_EQ("r64(1,2^30,0)", stoic_requantize64(1, (int32_t)P30, 0), 1);
    CHECK_EQ("r64(-1,2^30,0)", stoic_requantize64(-1, (int32_t)P30, 0), 0);
    CHECK_EQ("r64(3,2^30,0)", stoic_requantize64(3, (int32_t)P30, 0), 2);
    CHECK_EQ("r64(-3,2^30,0)", stoic_requantize64(-3, (int32_t)P30, 0), -1);
    CHECK_EQ("r64(-2,2^30,0)", stoic_requantize64(-2, (int32_t)P30, 0), -1);
    CHECK_EQ("r64(0,MAX,31)", stoic_requantize64(0, M_MAX, 31), 0);
    /* M = 0.25 (shift -1): -2 * 0.25 = -0.5 -> 0 (one rounding, toward +inf;
     * the int32 stoic_requantize rounds twice and gives -1 here);
     * -6 * 0.25 = -1.5 -> -1;  1 * 0.25 -> floor(0.75) = 0;  2 -> 1;
     * 7 * 0.25 = 1.75 -> 2;  -7 * 0.25 = -1.75 -> -2. */
    CHECK_EQ("r64(-2,2^30,-1)", stoic_requantize64(-2, (int32_t)P30, -1), 0);
    CHECK_EQ("req(-2,2^30,-1)", stoic_requantize(-2, (int32_t)P30, -1), -1);
    CHECK_EQ("r64(-6,2^30,-1)", stoic_requantize64(-6, (int32_t)P30, -1), -1);
    CHECK_EQ("r64(1,2^30,-1)", stoic_requantize64(1, (int32_t)P30, -1), 0);
    CHECK_EQ("r64(2,2^30,-1)", stoic_requantize64(2, (int32_t)P30, -1), 1);
    CHECK_EQ("r64(7,2^30,-1)", stoic_requantize64(7, (int32_t)P30, -1), 2);
    CHECK_EQ("r64(-7,2^30,-1)", stoic_requantize64(-7, (int32_t)P30, -1), -2);
    /* shift 31: acc * m * 2^31 / 2^31 = acc * m exactly (+ 1/2, floored away):
     * 1 -> m, -1 -> -m; 2 * 2^30 = 2^31 saturates; -2 * 2^30 = INT32_MIN exactly. */
    CHECK_EQ("r64(1,MAX,31)", stoic_requantize64(1, M_MAX, 31), M_MAX);
    CHECK_EQ("r64(-1,MAX,31)", stoic_requantize64(-1, M_MAX, 31), -M_MAX);
    CHECK_EQ("r64(2,2^30,31)", stoic_requantize64(2, (int32_t)P30, 31), INT32_MAX);
    CHECK_EQ("r64(-2,2^30,31)", stoic_requantize64(-2, (int32_t)P30, 31), INT32_MIN);
    CHECK_EQ("r64(-2,2^30+1,31)", stoic_requantize64(-2, (int32_t)P30 + 1, 31), INT32_MIN);
    /* |acc| = 2^47 at the extreme shifts:
     * shift 31: 2^47 * 2^30 = 2^77 -> INT32_MAX; -2^77 -> INT32_MIN.
     * shift -31, m = 2^30: 2^47 * 2^30 / 2^62 = 2^15 = 32768, + 0.5 -> 32768;
     *   -32768 + 0.5 = -32767.5 -> floor -32768.
     * shift -31, m = 2^31 - 1: 2^47 (2^31 - 1) / 2^62 = 65536 - 2^-15,
     *   + 0.5 -> floor 65536; negative: -65536 + 2^-15 + 0.5 -> -65536. */
    CHECK_EQ("r64(2^47,2^30,31)", stoic_requantize64(P47, (int32_t)P30, 31), INT32_MAX);
    CHECK_EQ("r64(-2^47,2^30,31)", stoic_requantize64(-P47, (int32_t)P30, 31), INT32_MIN);
    CHECK_EQ("r64(2^47,MAX,31)", stoic_requantize64(P47, M_MAX, 31), INT32_MAX);
    CHECK_EQ("r64(-2^47,MAX,31)", stoic_requantize64(-P47, M_MAX, 31), INT32_MIN);
    CHECK_EQ("r64(2^47,2^30,-31)", stoic_requantize64(P47, (int32_t)P30, -31), 32768);
    CHECK_EQ("r64(-2^47,2^30,-31)", stoic_requantize64(-P47, (int32_t)P30, -31), -32768);
    CHECK_EQ("r64(2^47,MAX,-31)", stoic_requantize64(P47, M_MAX, -31), 65536);
    CHECK_EQ("r64(-2^47,MAX,-31)", stoic_requantize64(-P47, M_MAX, -31), -65536);
    /* shift -31, m = 2^30: acc * 2^-32; acc = 2^31 -> 0.5 -> 1; acc = -2^31 ->
     * -0.5 -> 0; acc = 3 * 2^31 -> 1.5 -> 2; acc = -3 * 2^31 -> -1.5 -> -1;
     * acc = 2^31 - 1 -> just below 0.5 -> 0. */
    CHECK_EQ("r64(2^31,2^30,-31)", stoic_requantize64(P31, (int32_t)P30, -31), 1);
    CHECK_EQ("r64(-2^31,2^30,-31)", stoic_requantize64(-P31, (int32_t)P30, -31), 0);
    CHECK_EQ("r64(3*2^31,2^30,-31)", stoic_requantize64(3 * P31, (int32_t)P30, -31), 2);
    CHECK_EQ("r64(-3*2^31,2^30,-31)", stoic_requantize64(-3 * P31, (int32_t)P30, -31), -1);
    CHECK_EQ("r64(2^31-1,2^30,-31)", stoic_requantize64(P31 - 1, (int32_t)P30, -31), 0);
    /* int32 saturation at shift 0, M = 0.5:
     *  (2^32 - 2) * 0.5 = 2^31 - 1 exactly -> INT32_MAX, not saturated;
     *  (2^32 - 1) * 0.5 = 2^31 - 0.5 -> floor(2^31) -> saturates to INT32_MAX;
     *  -2^32 * 0.5 = -2^31 exactly -> INT32_MIN;
     *  (-2^32 - 2) * 0.5 = -2^31 - 1 -> saturates to INT32_MIN;
     *  (-2^32 + 1) * 0.5 = -2^31 + 0.5 -> floor(-2^31 + 1) = -2147483647. */
    CHECK_EQ("r64(2^32-2)", stoic_requantize64(2 * P31 - 2, (int32_t)P30, 0), INT32_MAX);
    CHECK_EQ("r64(2^32-1)", stoic_requantize64(2 * P31 - 1, (int32_t)P30, 0), INT32_MAX);
    CHECK_EQ("r64(-2^32)", stoic_requantize64(-2 * P31, (int32_t)P30, 0), INT32_MIN);
    CHECK_EQ("r64(-2^32-2)", stoic_requantize64(-2 * P31 - 2, (int32_t)P30, 0), INT32_MIN);
    CHECK_EQ("r64(-2^32+1)", stoic_requantize64(-2 * P31 + 1, (int32_t)P30, 0), -2147483647);
    /* the pre-saturation edge at shift 1 (bound 2^31): -2^31 * 2 * 0.5 =
     * -2^31 exactly; (-2^31 - 1) would be -2^31 - 1 -> INT32_MIN as well;
     * 2^31 - 1 -> (2^32 - 2) * 0.5 = 2^31 - 1; 2^31 -> 2^31 -> INT32_MAX. */
    CHECK_EQ("r64(-2^31,s1)", stoic_requantize64(-P31, (int32_t)P30, 1), INT32_MIN);
    CHECK_EQ("r64(-2^31-1,s1)", stoic_requantize64(-P31 - 1, (int32_t)P30, 1), INT32_MIN);
    CHECK_EQ("r64(2^31-1,s1)", stoic_requantize64(P31 - 1, (int32_t)P30, 1), INT32_MAX);
    CHECK_EQ("r64(2^31,s1)", stoic_requantize64(P31, (int32_t)P30, 1), INT32_MAX);
    /* M = 1518500250 * 2^(2 - 31) = 2.8284271 (2 sqrt 2):
     * 100 -> 282.84 -> 283; -100 -> -283;
     * 10^12 * 1518500250 / 2^60 = 1317.0 ... : 10^12 * 1518500250 = 1.51850025e21,
     * / 2^60 (1.152921504606847e18) = 1317.0967 -> 1317. */
    CHECK_EQ("r64(100,2sqrt2)", stoic_requantize64(100, 1518500250, 2), 283);
    CHECK_EQ("r64(-100,2sqrt2)", stoic_requantize64(-100, 1518500250, 2), -283);
    CHECK_EQ("r64(1e12)", stoic_requantize64(1000000000000LL, 1518500250, -29), 1317);
    CHECK_EQ("r64(-1e12)", stoic_requantize64(-1000000000000LL, 1518500250, -29), -1317);
    /* identity multiplier (2^30, 1): exact for every int32 */
    for (s = -5; s <= 5; s++) {
        CHECK_EQ("r64 identity", stoic_requantize64(s * 123457, (int32_t)P30, 1), s * 123457);
    }
    CHECK_EQ("r64 id MAX", stoic_requantize64(INT32_MAX, (int32_t)P30, 1), INT32_MAX);
    CHECK_EQ("r64 id MIN", stoic_requantize64(INT32_MIN, (int32_t)P30, 1), INT32_MIN);

    /* output stage: M = 0.5 */
    q.m = (int32_t)P30;
    q.shift = 0;
    CHECK_EQ("s16 mid", stoic_requant_s16(201, &q, -32768, 32767), 101);     /* 100.5 -> 101 */
    CHECK_EQ("s16 mid-", stoic_requant_s16(-201, &q, -32768, 32767), -100);  /* -100.5 -> -100 */
    CHECK_EQ("s16 hi", stoic_requant_s16(65536, &q, -32768, 32767), 32767);  /* 32768 */
    CHECK_EQ("s16 hi=", stoic_requant_s16(65534, &q, -32768, 32767), 32767); /* 32767 */
    CHECK_EQ("s16 lo", stoic_requant_s16(-65538, &q, -32768, 32767), -32768); /* -32769 */
    CHECK_EQ("s16 lo=", stoic_requant_s16(-65536, &q, -32768, 32767), -32768);
    CHECK_EQ("s16 relu", stoic_requant_s16(-201, &q, 0, 32767), 0);
    CHECK_EQ("s16 clip", stoic_requant_s16(201, &q, -50, 60), 60);
    /* saturated int32 results are clamped, not truncated */
    q.m = M_MAX;
    q.shift = 31;
    CHECK_EQ("s16 sat+", stoic_requant_s16(P47, &q, -32768, 32767), 32767);
    CHECK_EQ("s16 sat-", stoic_requant_s16(-P47, &q, -32768, 32767), -32768);
    CHECK_EQ("s16 sat- clip", stoic_requant_s16(-P47, &q, -7, 9), -7);
}

/* ===================================================================== */
/* stoic_requantize64: random vs reference                                */
/* ===================================================================== */

#define N_PRIM 100000

static int64_t rnd_acc47(void)
{
    int64_t v;
    switch (rndi(0, 6)) {
    case 0:
        v = rnd(-P47, P47);
        break;
    case 1:
        v = rnd(-100000, 100000);
        break;
    case 2:     /* the ends of the range */
        v = (rndi(0, 1) != 0) ? P47 - rnd(0, 3) : -P47 + rnd(0, 3);
        break;
    case 3: {   /* signed powers of two and neighbours */
        v = (int64_t)1 << rndi(0, 47);
        v = (rndi(0, 1) != 0) ? -v : v;
        v += rndi(-1, 1);
        v = v > P47 ? P47 : (v < -P47 ? -P47 : v);
        break;
    }
    default:    /* log-uniform magnitude */
        v = rnd(0, ((int64_t)1 << rndi(0, 47)));
        v = (rndi(0, 1) != 0) ? -v : v;
        break;
    }
    return v;
}

static int32_t rnd_m(void)
{
    switch (rndi(0, 5)) {
    case 0: return (int32_t)P30 + rndi(0, 2);
    case 1: return M_MAX - rndi(0, 2);
    default: return rndi((int32_t)P30, M_MAX);
    }
}

static void test_requantize64_random(void)
{
    int i, bad = 0;
    long n_tie_pos = 0, n_tie_neg = 0, n_sat_pos = 0, n_sat_neg = 0, n_thresh = 0;
    long n_sh31 = 0, n_shm31 = 0;
    seed(901u);
    for (i = 0; i < N_PRIM; i++) {
        int64_t acc;
        int32_t m, shift, got, want;
        int k = rndi(0, 9);
        if (k < 5) {
            acc = rnd_acc47();
            m = rnd_m();
            shift = (rndi(0, 2) == 0) ? rndi(-31, 31) : rndi(-31, 0);
        } else if (k < 8) {
            /* an exact tie: acc * m = odd * 2^(30 - shift), with m = om * 2^a
             * (om odd, m in [2^30, 2^31)), acc = oa * 2^b (oa odd),
             * a + b = 30 - shift, |acc| <= 2^47 */
            int32_t a, b, lo_a, hi_a;
            int64_t om, oa;
            shift = rndi(-31, 30);
            lo_a = -17 - shift > 0 ? -17 - shift : 0;
            hi_a = 30 - shift < 30 ? 30 - shift : 30;
            a = rndi(lo_a, hi_a);
            b = 30 - shift - a;
            om = (((int64_t)1 << (30 - a)) + rnd(0, ((int64_t)1 << (30 - a)) - 1)) | 1;
            m = (int32_t)(om << a);
            oa = 2 * rnd(0, (((int64_t)1 << (47 - b)) - 1) / 2) + 1;
            acc = oa << b;
            acc = (rndi(0, 1) != 0) ? -acc : acc;
        } else {
            /* near the int32 saturation threshold: acc ~ +-2^31 / M */
            double M;
            m = rnd_m();
            shift = rndi(-16, 31);
            M = (double)m * ldexp(1.0, shift - 31);
            acc = (int64_t)(2147483648.0 / M) + rndi(-3, 3);
            acc = acc > P47 ? P47 : acc;
            acc = (rndi(0, 1) != 0) ? -acc : acc;
            n_thresh++;
        }
        if (is_tie64(acc, m, shift)) {
            n_tie_pos += acc > 0;
            n_tie_neg += acc < 0;
        }
        n_sh31 += shift == 31;
        n_shm31 += shift == -31;
        got = stoic_requantize64(acc, m, shift);
        want = ref_requantize64(acc, m, shift);
        n_sat_pos += want == INT32_MAX;
        n_sat_neg += want == INT32_MIN;
        if (got != want) {
            if (bad < 5) {
                printf("\n  requantize64(%lld, %ld, %ld): got %ld, want %ld\n", (long long)acc,
                       (long)m, (long)shift, (long)got, (long)want);
            }
            bad++;
        }
    }
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT(n_tie_pos > 5000 && n_tie_neg > 5000);
    CU_ASSERT(n_sat_pos > 2000 && n_sat_neg > 2000 && n_thresh > 5000);
    CU_ASSERT(n_sh31 > 500 && n_shm31 > 500);
}

/* ===================================================================== */
/* buffers                                                               */
/* ===================================================================== */

/* n elements of size es, pre-filled with the byte fill, GUARD bytes of SENT
 * on both sides */
static void *out_alloc(int32_t n, size_t es, int fill)
{
    size_t bytes = (size_t)n * es;
    unsigned char *b = malloc(bytes + 2 * GUARD);
    memset(b, SENT, bytes + 2 * GUARD);
    memset(b + GUARD, fill, bytes);
    return b + GUARD;
}

static void out_free(void *p)
{
    free((unsigned char *)p - GUARD);
}

static int guards_ok(const void *p, int32_t n, size_t es)
{
    const unsigned char *b = p;
    size_t bytes = (size_t)n * es, i;
    for (i = 0; i < GUARD; i++) {
        if (b[-1 - (long)i] != SENT || b[bytes + i] != SENT) {
            return 0;
        }
    }
    return 1;
}

/* compare kernel output (int8 or int16, es bytes) with want; mismatches + guard */
static int compare_out(const char *what, int c, const void *got, const int32_t *want,
                       int32_t n, size_t es)
{
    int32_t i;
    int bad = 0;
    for (i = 0; i < n; i++) {
        int32_t g = es == 1 ? ((const int8_t *)got)[i] : ((const int16_t *)got)[i];
        if (g != want[i]) {
            if (bad == 0) {
                printf("\n  %s case %d: element %ld got %ld want %ld\n", what, c, (long)i,
                       (long)g, (long)want[i]);
            }
            bad++;
        }
    }
    if (!guards_ok(got, n, es)) {
        printf("\n  %s case %d: write outside the output\n", what, c);
        bad++;
    }
    return bad;
}

/* random int16 / int8 tensor: uniform, extremes only, near extremes, small */
static int16_t *s16_rand(int32_t n, int mode)
{
    int16_t *b = malloc(sizeof(int16_t) * (size_t)n + 2);
    int32_t i;
    for (i = 0; i < n; i++) {
        int32_t v;
        switch (mode) {
        case 0: v = rndi(-32768, 32767); break;
        case 1: v = rndi(0, 1) ? 32767 : -32768; break;
        case 2: v = rndi(0, 1) ? 32767 - rndi(0, 2) : -32768 + rndi(0, 2); break;
        default: v = rndi(-300, 300); break;
        }
        b[i] = (int16_t)v;
    }
    return b;
}

static int8_t *s8_rand(int32_t n, int mode)
{
    int8_t *b = malloc((size_t)n + 1);
    int32_t i;
    for (i = 0; i < n; i++) {
        int32_t v;
        switch (mode) {
        case 0: v = rndi(-128, 127); break;
        case 1: v = rndi(0, 1) ? 127 : -128; break;
        case 2: v = rndi(0, 1) ? 127 - rndi(0, 2) : -128 + rndi(0, 2); break;
        default: v = rndi(-10, 10); break;
        }
        b[i] = (int8_t)v;
    }
    return b;
}

/* (m, shift) of a positive real M, as the generator would compute it:
 * M = M0 2^e, M0 in [0.5, 1), m = round(M0 2^31); shift clamped to +-31
 * (a clamped shift is still a valid multiplier, just another one) */
static stoic_qmul qmul_of(double M)
{
    stoic_qmul q;
    int e;
    double f = frexp(M, &e);
    int64_t m = llround(f * 2147483648.0);
    if (m == P31) {
        m /= 2;
        e++;
    }
    q.m = (int32_t)m;
    q.shift = e < -31 ? -31 : (e > 31 ? 31 : e);
    return q;
}

/* an extreme multiplier: the ends of the m range and of the shift range */
static stoic_qmul qmul_extreme(void)
{
    stoic_qmul q;
    int k = rndi(0, 3);
    q.m = (k & 1) ? M_MAX : (int32_t)P30;
    switch (rndi(0, 3)) {
    case 0: q.shift = 31; break;
    case 1: q.shift = -31; break;
    default: q.shift = rndi(-31, 31); break;
    }
    if (k == 3) {
        q.m = rnd_m();
    }
    return q;
}

/* activation range within [qmin, qmax] (zp = zero point of the output) */
static void act_draw(int32_t zp, int32_t qmin, int32_t qmax, int32_t *lo, int32_t *hi)
{
    switch (rndi(0, 3)) {
    case 0: *lo = qmin; *hi = qmax; break;                               /* none */
    case 1: *lo = zp; *hi = qmax; break;                                 /* relu */
    case 2: *lo = zp; *hi = zp + rndi(0, (qmax - zp) / 4); break;        /* relu6-like */
    default:
        *lo = rndi(qmin, qmax);
        *hi = rndi(*lo, qmax);
        break;
    }
}

static int32_t conv_out_size(int32_t in, int32_t before, int32_t after, int32_t k,
                             int32_t dil, int32_t stride)
{
    int32_t span = in + before + after - ((k - 1) * dil + 1);
    return span < 0 ? 0 : span / stride + 1;
}

static void reset_counts(void)
{
    n_lo = n_hi = n_inside = n_sat32 = n_acc_bad = n_acc_big = 0;
}

/* per-channel multipliers and bias of one 16x8 case with `terms` products
 * per output. Bias mode: NULL, small, large, or the 2^47 bound minus the
 * largest possible sum of products (so |acc| <= 2^47 always). */
static void q16_draw(int32_t n_ch, int32_t terms, int with_bias, stoic_qmul **qm,
                     int64_t **bias, double *typ_out)
{
    int32_t c;
    int64_t max_sum = (int64_t)terms * 32768 * 128;
    int bmode = rndi(0, 3);
    int64_t bmag = bmode == 0 ? 0 : bmode == 1 ? ((int64_t)1 << 20)
                 : bmode == 2 ? ((int64_t)1 << 38) : P47 - max_sum;
    double typ = 1.4e6 * sqrt((double)terms) + (double)bmag / 2.0;
    int extreme = rndi(0, 5) == 0;
    *qm = malloc(sizeof(stoic_qmul) * (size_t)n_ch);
    *bias = with_bias ? malloc(sizeof(int64_t) * (size_t)n_ch) : NULL;
    for (c = 0; c < n_ch; c++) {
        if (extreme) {
            (*qm)[c] = qmul_extreme();
        } else {
            /* typical accumulator mapped to about 2^13, times 2^[-3, 3] */
            (*qm)[c] = qmul_of(8192.0 / typ * ldexp(1.0 + (double)rndi(0, 999) / 1000.0,
                                                    rndi(-3, 2)));
        }
        if (*bias != NULL) {
            if (bmode == 3 && rndi(0, 1)) {
                (*bias)[c] = rndi(0, 1) ? bmag : -bmag;
            } else {
                (*bias)[c] = rnd(-bmag, bmag);
            }
        }
    }
    *typ_out = typ;
}

/* ===================================================================== */
/* dense_s16                                                             */
/* ===================================================================== */

static void ref_dense_s16(const stoic_dense_s16_params *p, const int16_t *in, const int8_t *w,
                          const int64_t *bias, int32_t *out)
{
    int32_t r, o, i;
    for (r = 0; r < p->rows; r++) {
        for (o = 0; o < p->out_n; o++) {
            int64_t acc = 0;
            if (bias != NULL) {
                acc = bias[o];
            }
            for (i = 0; i < p->in_n; i++) {
                acc += (int64_t)in[r * p->in_n + i] * (int64_t)w[o * p->in_n + i];
            }
            out[r * p->out_n + o] = ref_out_s16(acc, &p->qmul[o], p->act_min, p->act_max);
        }
    }
}

static int run_dense_s16(const char *what, int c, const stoic_dense_s16_params *p,
                         const int16_t *in, const int8_t *w, const int64_t *bias,
                         const int32_t *want)
{
    int32_t n = p->rows * p->out_n;
    int bad = 0, pass;
    for (pass = 0; pass < 2; pass++) {
        int16_t *out = out_alloc(n, 2, pass == 0 ? 0x11 : 0xE6);
        stoic_dense_s16(p, in, w, bias, out);
        bad += compare_out(what, c, out, want, n, 2);
        out_free(out);
    }
    return bad;
}

static void test_dense_s16_hand(void)
{
    /* in rows [300, -200, 100] and [-300, 280, 7]; w = [[3, -4, 5], [1, 1, 1]];
     * bias [-1000, 7]:
     *   row 0: acc0 = -1000 + 900 + 800 + 500 = 1200;  acc1 = 7 + 200 = 207
     *   row 1: acc0 = -1000 - 900 - 1120 + 35 = -2985;  acc1 = 7 - 13 = -6
     * qmul0 = (2^30, -3): M = 1/16: 1200 -> 75; -2985/16 = -186.5625 -> -187.
     * qmul1 = (2^30, -1): M = 1/4: 207 -> 51.75 -> 52; -6 -> -1.5 -> -1 (tie
     * toward +inf). Clamped to [-100, 60]: 60, 52, -100, -1. */
    static const int16_t in[6] = { 300, -200, 100, -300, 280, 7 };
    static const int8_t w[6] = { 3, -4, 5, 1, 1, 1 };
    static const int64_t bias[2] = { -1000, 7 };
    static const stoic_qmul qm[2] = { { 1073741824, -3 }, { 1073741824, -1 } };
    static const int32_t want_full[4] = { 75, 52, -187, -1 };
    static const int32_t want_clip[4] = { 60, 52, -100, -1 };
    /* extremes: in [-32768, -32768], w [-128, -128], no bias: acc = 2^23;
     * (2^30, -8): 2^23 / 2^9 = 16384 */
    static const int16_t xe[2] = { -32768, -32768 };
    static const int8_t we[2] = { -128, -128 };
    static const stoic_qmul qe[1] = { { 1073741824, -8 } };
    static const int32_t want_e[1] = { 16384 };
    stoic_dense_s16_params p;
    p.rows = 2;
    p.in_n = 3;
    p.out_n = 2;
    p.act_min = -32768;
    p.act_max = 32767;
    p.qmul = qm;
    CU_ASSERT_EQUAL(run_dense_s16("dense_s16 hand", 0, &p, in, w, bias, want_full), 0);
    p.act_min = -100;
    p.act_max = 60;
    CU_ASSERT_EQUAL(run_dense_s16("dense_s16 hand clip", 1, &p, in, w, bias, want_clip), 0);
    p.rows = 1;
    p.in_n = 2;
    p.out_n = 1;
    p.act_min = -32768;
    p.act_max = 32767;
    p.qmul = qe;
    CU_ASSERT_EQUAL(run_dense_s16("dense_s16 hand extremes", 2, &p, xe, we, NULL, want_e), 0);
}

static void test_dense_s16_random(void)
{
    int c, bad = 0, n_null = 0;
    seed(911u);
    reset_counts();
    for (c = 0; c < 1500; c++) {
        stoic_dense_s16_params p;
        stoic_qmul *qm;
        int64_t *bias;
        int16_t *in;
        int8_t *w;
        int32_t *want;
        double typ;
        int in_mode = rndi(0, 5) < 3 ? 0 : rndi(1, 3);
        p.rows = rndi(1, 4);
        p.in_n = (rndi(0, 9) == 0) ? rndi(100, 400) : rndi(1, 40);
        p.out_n = rndi(1, 12);
        q16_draw(p.out_n, p.in_n, c % 7 != 6, &qm, &bias, &typ);
        n_null += bias == NULL;
        act_draw(0, -32768, 32767, &p.act_min, &p.act_max);
        p.qmul = qm;
        in = s16_rand(p.rows * p.in_n, in_mode);
        w = s8_rand(p.out_n * p.in_n, in_mode == 1 ? 1 : 0);
        want = malloc(sizeof(int32_t) * (size_t)(p.rows * p.out_n));
        ref_dense_s16(&p, in, w, bias, want);
        bad += run_dense_s16("dense_s16", c, &p, in, w, bias, want);
        free(in);
        free(w);
        free(want);
        free(qm);
        free(bias);
    }
    printf("\n  dense_s16: 1500 cases; outputs inside %ld, clamped low %ld, high %ld; "
           "int32-saturated %ld; |acc| > 2^40: %ld\n", n_inside, n_lo, n_hi, n_sat32, n_acc_big);
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT_EQUAL(n_acc_bad, 0);     /* the draw respects |acc| <= 2^47 */
    CU_ASSERT(n_null > 100);
    CU_ASSERT(n_inside > 5000 && n_lo > 2000 && n_hi > 2000 && n_sat32 > 500 && n_acc_big > 1000);
}

/* ===================================================================== */
/* conv2d_s16                                                            */
/* ===================================================================== */

/* Plain loops over every tap; a tap outside the input is skipped (it
 * stands for q = 0, zero point 0: it contributes nothing). */
static void ref_conv2d_s16(const stoic_conv2d_s16_params *p, const int16_t *in, const int8_t *w,
                           const int64_t *bias, int32_t *out)
{
    int32_t icpg = p->in_c / p->groups;
    int32_t ocpg = p->out_c / p->groups;
    int32_t oh, ow, oc, kh, kw, j;
    for (oh = 0; oh < p->out_h; oh++) {
        for (ow = 0; ow < p->out_w; ow++) {
            for (oc = 0; oc < p->out_c; oc++) {
                int32_t g = oc / ocpg;
                int64_t acc = 0;
                if (bias != NULL) {
                    acc = bias[oc];
                }
                for (kh = 0; kh < p->k_h; kh++) {
                    for (kw = 0; kw < p->k_w; kw++) {
                        int32_t ih = oh * p->stride_h - p->pad_top + kh * p->dil_h;
                        int32_t iw = ow * p->stride_w - p->pad_left + kw * p->dil_w;
                        if (ih < 0 || ih >= p->in_h || iw < 0 || iw >= p->in_w) {
                            continue;
                        }
                        for (j = 0; j < icpg; j++) {
                            int64_t x = in[(ih * p->in_w + iw) * p->in_c + g * icpg + j];
                            int64_t wv = w[((oc * p->k_h + kh) * p->k_w + kw) * icpg + j];
                            acc += x * wv;
                        }
                    }
                }
                out[(oh * p->out_w + ow) * p->out_c + oc] =
                    ref_out_s16(acc, &p->qmul[oc], p->act_min, p->act_max);
            }
        }
    }
}

static int run_conv2d_s16(const char *what, int c, const stoic_conv2d_s16_params *p,
                          const int16_t *in, const int8_t *w, const int64_t *bias,
                          const int32_t *want)
{
    int32_t n = p->out_h * p->out_w * p->out_c;
    int bad = 0, pass;
    for (pass = 0; pass < 2; pass++) {
        int16_t *out = out_alloc(n, 2, pass == 0 ? 0x11 : 0xE6);
        stoic_conv2d_s16(p, in, w, bias, out);
        bad += compare_out(what, c, out, want, n, 2);
        out_free(out);
    }
    return bad;
}

static void test_conv2d_s16_hand(void)
{
    /* 3x3x1 input [[1000, -2000, 3000], [4000, 5000, -6000], [7000, 8000, 9000]],
     * 2x2 kernel w = [[1, 2], [3, 4]], stride 2, pad_top = pad_left = 1:
     * ih = 2 oh - 1 + kh, iw = 2 ow - 1 + kw, out 2x2:
     *  (0,0): (1,1) -> in(0,0): 1000 * 4 = 4000
     *  (0,1): kh = 1 (ih 0), iw 1, 2: -2000 * 3 + 3000 * 4 = 6000
     *  (1,0): ih 1, 2, kw = 1 (iw 0): 4000 * 2 + 7000 * 4 = 36000
     *  (1,1): ih 1, 2, iw 1, 2: 5000 - 12000 + 24000 + 36000 = 53000
     * bias 1 -> 4001, 6001, 36001, 53001; M = 1/2 (2^30, 0):
     * 2000.5 -> 2001, 3000.5 -> 3001, 18000.5 -> 18001, 26500.5 -> 26501. */
    static const int16_t in[9] = { 1000, -2000, 3000, 4000, 5000, -6000, 7000, 8000, 9000 };
    static const int8_t w[4] = { 1, 2, 3, 4 };
    static const int64_t bias[1] = { 1 };
    static const stoic_qmul qm[1] = { { 1073741824, 0 } };
    static const int32_t want[4] = { 2001, 3001, 18001, 26501 };
    stoic_conv2d_s16_params p;
    memset(&p, 0, sizeof p);
    p.in_h = p.in_w = 3;
    p.in_c = p.out_c = 1;
    p.out_h = p.out_w = 2;
    p.k_h = p.k_w = 2;
    p.stride_h = p.stride_w = 2;
    p.dil_h = p.dil_w = 1;
    p.pad_top = p.pad_left = 1;
    p.groups = 1;
    p.act_min = -32768;
    p.act_max = 32767;
    p.qmul = qm;
    CU_ASSERT_EQUAL(run_conv2d_s16("conv2d_s16 hand", 0, &p, in, w, bias, want), 0);
}

static void test_conv2d_s16_random(void)
{
    int c, bad = 0;
    int n_depthwise = 0, n_grouped = 0, n_dilated = 0, n_strided = 0, n_asym = 0, n_1d = 0;
    seed(912u);
    reset_counts();
    for (c = 0; c < 1500; c++) {
        stoic_conv2d_s16_params p;
        stoic_qmul *qm;
        int64_t *bias;
        int16_t *in;
        int8_t *w;
        int32_t *want;
        double typ;
        int32_t icpg, ocpg, pad_bottom, pad_right, ext, n_out;
        int in_mode = rndi(0, 5) < 3 ? 0 : rndi(1, 3);
        int mode = rndi(0, 3);
        if (mode == 0) {
            p.groups = 1;
            icpg = rndi(1, 6);
            ocpg = rndi(1, 5);
        } else if (mode == 1) {     /* depthwise, channel multiplier 1..3 */
            p.groups = rndi(1, 6);
            icpg = 1;
            ocpg = rndi(1, 3);
        } else {
            p.groups = rndi(2, 4);
            icpg = rndi(1, 3);
            ocpg = rndi(1, 3);
        }
        p.in_c = p.groups * icpg;
        p.out_c = p.groups * ocpg;
        p.k_w = rndi(1, 4);
        p.stride_w = rndi(1, 3);
        p.dil_w = rndi(0, 1) ? 1 : rndi(2, 3);
        p.in_w = rndi(1, 9);
        ext = (p.k_w - 1) * p.dil_w + 1;
        p.pad_left = rndi(0, ext);
        pad_right = rndi(0, ext);
        if (rndi(0, 3) == 0) {
            p.in_h = p.k_h = p.stride_h = p.dil_h = 1;
            p.pad_top = pad_bottom = 0;
            n_1d++;
        } else {
            p.k_h = rndi(1, 4);
            p.stride_h = rndi(1, 3);
            p.dil_h = rndi(0, 1) ? 1 : rndi(2, 3);
            p.in_h = rndi(1, 9);
            ext = (p.k_h - 1) * p.dil_h + 1;
            p.pad_top = rndi(0, ext);
            pad_bottom = rndi(0, ext);
        }
        p.out_h = conv_out_size(p.in_h, p.pad_top, pad_bottom, p.k_h, p.dil_h, p.stride_h);
        p.out_w = conv_out_size(p.in_w, p.pad_left, pad_right, p.k_w, p.dil_w, p.stride_w);
        if (p.out_h < 1 || p.out_w < 1) {
            c--;
            continue;
        }
        q16_draw(p.out_c, p.k_h * p.k_w * icpg, c % 7 != 6, &qm, &bias, &typ);
        act_draw(0, -32768, 32767, &p.act_min, &p.act_max);
        p.qmul = qm;
        n_depthwise += (p.groups == p.in_c && p.groups > 1);
        n_grouped += p.groups > 1;
        n_dilated += (p.dil_h > 1 || p.dil_w > 1);
        n_strided += (p.stride_h > 1 || p.stride_w > 1);
        n_asym += (p.pad_top != pad_bottom || p.pad_left != pad_right);
        n_out = p.out_h * p.out_w * p.out_c;
        in = s16_rand(p.in_h * p.in_w * p.in_c, in_mode);
        w = s8_rand(p.out_c * p.k_h * p.k_w * icpg, in_mode == 1 ? 1 : 0);
        want = malloc(sizeof(int32_t) * (size_t)n_out);
        ref_conv2d_s16(&p, in, w, bias, want);
        bad += run_conv2d_s16("conv2d_s16", c, &p, in, w, bias, want);
        free(in);
        free(w);
        free(want);
        free(qm);
        free(bias);
    }
    printf("\n  conv2d_s16: 1500 cases (depthwise %d, grouped %d, dilated %d, strided %d, "
           "asymmetric pad %d, 1-D %d); outputs inside %ld, clamped low %ld, high %ld; "
           "int32-saturated %ld\n", n_depthwise, n_grouped, n_dilated, n_strided, n_asym, n_1d,
           n_inside, n_lo, n_hi, n_sat32);
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT_EQUAL(n_acc_bad, 0);
    CU_ASSERT(n_depthwise >= 100 && n_grouped >= 300 && n_dilated >= 300 &&
              n_strided >= 300 && n_asym >= 300 && n_1d >= 150);
    CU_ASSERT(n_inside > 5000 && n_lo > 2000 && n_hi > 2000 && n_sat32 > 500);
}

/* ===================================================================== */
/* pooling, int8 and int16                                               */
/* ===================================================================== */

/* Plain reference of the four pooling kernels on an int32 copy of the
 * input. Every tap of the window is visited; max ignores padded taps
 * (plain if); avg adds (x + input_offset) for an in-bounds tap and, taken
 * literally, the padded value zp_in + input_offset (= 0) otherwise.
 * Returns 0 when a max window has no in-bounds tap (the generator rejects
 * such pads; the draw is repeated). */
static int ref_pool(const stoic_pool2d_q_params *p, int is_max, const int32_t *in, int32_t *out)
{
    int32_t oh, ow, c, kh, kw;
    int32_t zp_in = -p->input_offset;
    for (oh = 0; oh < p->out_h; oh++) {
        for (ow = 0; ow < p->out_w; ow++) {
            for (c = 0; c < p->c; c++) {
                int64_t acc = 0, y;
                int32_t n = 0, best = 0;
                for (kh = 0; kh < p->k_h; kh++) {
                    for (kw = 0; kw < p->k_w; kw++) {
                        int32_t ih = oh * p->stride_h - p->pad_top + kh * p->dil_h;
                        int32_t iw = ow * p->stride_w - p->pad_left + kw * p->dil_w;
                        int32_t x;
                        if (ih >= 0 && ih < p->in_h && iw >= 0 && iw < p->in_w) {
                            x = in[(ih * p->in_w + iw) * p->c + c];
                            if (n == 0 || x > best) {
                                best = x;
                            }
                            n++;
                        } else {
                            x = zp_in;
                        }
                        acc += (int64_t)x + p->input_offset;
                    }
                }
                if (is_max) {
                    if (n == 0) {
                        return 0;
                    }
                    y = best;
                } else {
                    const stoic_qmul *q = &p->qmul[p->count_include_pad ? 0 : n];
                    y = (int64_t)qt_requantize((int32_t)acc, q->m, q->shift) + p->output_offset;
                }
                if (y < p->act_min) {
                    n_lo++;
                    y = p->act_min;
                } else if (y > p->act_max) {
                    n_hi++;
                    y = p->act_max;
                } else {
                    n_inside++;
                }
                out[(oh * p->out_w + ow) * p->c + c] = (int32_t)y;
            }
        }
    }
    return 1;
}

enum { K_MAX8, K_MAX16, K_AVG8, K_AVG16 };

static int run_pool(int kind, int c, const stoic_pool2d_q_params *p, const int32_t *in32,
                    const int32_t *want)
{
    static const char *names[4] = { "maxpool2d_s8", "maxpool2d_s16", "avgpool2d_s8",
                                     "avgpool2d_s16" };
    int32_t n_x = p->in_h * p->in_w * p->c, n = p->out_h * p->out_w * p->c, i;
    size_t es = (kind == K_MAX8 || kind == K_AVG8) ? 1 : 2;
    void *in = malloc((size_t)n_x * es + 2);
    int bad = 0, pass;
    for (i = 0; i < n_x; i++) {
        if (es == 1) {
            ((int8_t *)in)[i] = (int8_t)in32[i];
        } else {
            ((int16_t *)in)[i] = (int16_t)in32[i];
        }
    }
    for (pass = 0; pass < 2; pass++) {
        void *out = out_alloc(n, es, pass == 0 ? 0x11 : 0xE6);
        switch (kind) {
        case K_MAX8: stoic_maxpool2d_s8(p, in, out); break;
        case K_MAX16: stoic_maxpool2d_s16(p, in, out); break;
        case K_AVG8: stoic_avgpool2d_s8(p, in, out); break;
        default: stoic_avgpool2d_s16(p, in, out); break;
        }
        bad += compare_out(names[kind], c, out, want, n, es);
        out_free(out);
    }
    free(in);
    return bad;
}

static void test_pool_hand(void)
{
    /* max: 3x3x1 [[1, -5, 3], [-128, 127, 0], [7, -8, 9]], 2x2 window,
     * stride 2, pads 1 on every side: out 2x2, ih = 2 oh - 1 + kh:
     *  (0,0): in(0,0) = 1;  (0,1): in(0,1), in(0,2) = -5, 3 -> 3;
     *  (1,0): in(1,0), in(2,0) = -128, 7 -> 7;  (1,1): 127, 0, -8, 9 -> 127.
     * clamped to [-3, 100]: 1, 3, 7, 100. */
    static const int32_t xm[9] = { 1, -5, 3, -128, 127, 0, 7, -8, 9 };
    static const int32_t want_m[4] = { 1, 3, 7, 100 };
    /* all-negative window with padding: max of [-100, -90] is -90, the padding
     * is ignored (not read as 0) */
    static const int32_t xn[2] = { -100, -90 };
    static const int32_t want_n[1] = { -90 };
    /* avg: 2x2x1 [[10, 20], [30, 41]], zp_in 0, 2x2 window, stride 1, pad 1
     * before (none after): out 2x2. Windows: (0,0): {10}, n = 1;
     * (0,1): {10, 20} = 30, n = 2; (1,0): {10, 30} = 40, n = 2; (1,1): 101, n = 4.
     * count_include_pad = 0, entry n = 1/n: (2^30, 1), (2^30, 0), -, (2^30, -1):
     *   10; 15; 20; 101 / 4 = 25.25: SRDHM(101, 2^30) = floor(102 / 2) = 51,
     *   RDBPOT(51, 1) = 25.5 -> 26 (the int32 requantize rounds twice).
     *   zp_out -5: 5, 10, 15, 21.
     * count_include_pad = 1, qmul[0] = 1/4 (2^30, -1):
     *   10 -> SRDHM 5 -> 2.5 -> 3;  30 -> 15 -> 7.5 -> 8;  40 -> 20 -> 10;  101 -> 26.
     *   zp_out -5: -2, 3, 5, 21. */
    static const int32_t xa[4] = { 10, 20, 30, 41 };
    static const stoic_qmul tab0[5] = { { 1073741824, 20 }, { 1073741824, 1 },
                                        { 1073741824, 0 }, { 1431655765, -1 },
                                        { 1073741824, -1 } };
    static const stoic_qmul tab1[5] = { { 1073741824, -1 }, { M_MAX, 20 }, { M_MAX, 20 },
                                        { M_MAX, 20 }, { M_MAX, 20 } };
    static const int32_t want_a0[4] = { 5, 10, 15, 21 };
    static const int32_t want_a1[4] = { -2, 3, 5, 21 };
    stoic_pool2d_q_params p;
    int kind;
    memset(&p, 0, sizeof p);
    p.in_h = p.in_w = 3;
    p.c = 1;
    p.out_h = p.out_w = 2;
    p.k_h = p.k_w = 2;
    p.stride_h = p.stride_w = 2;
    p.dil_h = p.dil_w = 1;
    p.pad_top = p.pad_left = 1;
    p.act_min = -3;
    p.act_max = 100;
    p.input_offset = 77;        /* unused by max */
    p.output_offset = -9;
    for (kind = K_MAX8; kind <= K_MAX16; kind++) {
        CU_ASSERT_EQUAL(run_pool(kind, 0, &p, xm, want_m), 0);
    }
    p.in_h = 1;
    p.in_w = 2;
    p.out_h = p.out_w = 1;
    p.k_h = 1;
    p.k_w = 3;
    p.stride_h = p.stride_w = 1;
    p.pad_top = 0;
    p.pad_left = 1;
    p.act_min = -128;
    p.act_max = 127;
    for (kind = K_MAX8; kind <= K_MAX16; kind++) {
        CU_ASSERT_EQUAL(run_pool(kind, 1, &p, xn, want_n), 0);
    }
    memset(&p, 0, sizeof p);
    p.in_h = p.in_w = 2;
    p.c = 1;
    p.out_h = p.out_w = 2;
    p.k_h = p.k_w = 2;
    p.stride_h = p.stride_w = 1;
    p.dil_h = p.dil_w = 1;
    p.pad_top = p.pad_left = 1;
    p.output_offset = -5;
    p.act_min = -128;
    p.act_max = 127;
    p.qmul = tab0;
    CU_ASSERT_EQUAL(run_pool(K_AVG8, 2, &p, xa, want_a0), 0);
    p.count_include_pad = 1;
    p.qmul = tab1;
    CU_ASSERT_EQUAL(run_pool(K_AVG8, 3, &p, xa, want_a1), 0);
    /* int16, offsets 0: the same sums without the -5: 10, 15, 20, 26 and 3, 8, 10, 26 */
    {
        static const int32_t w16_0[4] = { 10, 15, 20, 26 };
        static const int32_t w16_1[4] = { 3, 8, 10, 26 };
        p.output_offset = 0;
        p.act_min = -32768;
        p.act_max = 32767;
        p.count_include_pad = 0;
        p.qmul = tab0;
        CU_ASSERT_EQUAL(run_pool(K_AVG16, 4, &p, xa, w16_0), 0);
        p.count_include_pad = 1;
        p.qmul = tab1;
        CU_ASSERT_EQUAL(run_pool(K_AVG16, 5, &p, xa, w16_1), 0);
    }
}

/* 1500 random cases of one pooling kernel */
static void pool_random(int kind, uint32_t s)
{
    int is_max = (kind == K_MAX8 || kind == K_MAX16);
    int is16 = (kind == K_MAX16 || kind == K_AVG16);
    int32_t qmin = is16 ? -32768 : -128, qmax = is16 ? 32767 : 127;
    int c, bad = 0;
    int n_dilated = 0, n_strided = 0, n_asym = 0, n_cip0 = 0, n_cip1 = 0, n_big = 0;
    int n_empty_avg = 0, n_extreme = 0;
    seed(s);
    reset_counts();
    for (c = 0; c < 1500; c++) {
        stoic_pool2d_q_params p;
        stoic_qmul *tab = NULL;
        int32_t *in, *want;
        int32_t pad_bottom, pad_right, ext_h, ext_w, n_x, n_out, i, zp_out, kk;
        int in_mode = rndi(0, 5) < 3 ? 0 : rndi(1, 3);
        int ok;
        memset(&p, 0, sizeof p);
        p.c = rndi(1, 5);
        if (rndi(0, 9) == 0) {      /* one big window (global pooling) */
            p.in_h = rndi(1, 12);
            p.in_w = rndi(1, 12);
            p.k_h = p.in_h;
            p.k_w = p.in_w;
            p.stride_h = p.stride_w = 1;
            p.dil_h = p.dil_w = 1;
            p.pad_top = p.pad_left = pad_bottom = pad_right = 0;
            n_big++;
        } else {
            p.k_h = rndi(1, 4);
            p.k_w = rndi(1, 4);
            p.stride_h = rndi(1, 3);
            p.stride_w = rndi(1, 3);
            p.dil_h = rndi(0, 2) ? 1 : rndi(2, 3);
            p.dil_w = rndi(0, 2) ? 1 : rndi(2, 3);
            p.in_h = rndi(1, 9);
            p.in_w = rndi(1, 9);
            if (rndi(0, 4) == 0) {
                p.in_h = p.k_h = p.stride_h = p.dil_h = 1;
            }
            ext_h = (p.k_h - 1) * p.dil_h + 1;
            ext_w = (p.k_w - 1) * p.dil_w + 1;
            /* pads below the window extent; for avg sometimes up to it
             * (windows entirely in the padding) */
            p.pad_top = rndi(0, ext_h - (is_max || rndi(0, 5) ? 1 : 0));
            pad_bottom = rndi(0, ext_h - (is_max || rndi(0, 5) ? 1 : 0));
            p.pad_left = rndi(0, ext_w - (is_max || rndi(0, 5) ? 1 : 0));
            pad_right = rndi(0, ext_w - (is_max || rndi(0, 5) ? 1 : 0));
        }
        p.out_h = conv_out_size(p.in_h, p.pad_top, pad_bottom, p.k_h, p.dil_h, p.stride_h);
        p.out_w = conv_out_size(p.in_w, p.pad_left, pad_right, p.k_w, p.dil_w, p.stride_w);
        if (p.out_h < 1 || p.out_w < 1) {
            c--;
            continue;
        }
        kk = p.k_h * p.k_w;
        p.count_include_pad = is_max ? rndi(0, 1) : (c & 1);
        if (is_max) {
            /* offsets and qmul are unused: garbage offsets, no table */
            p.input_offset = rndi(-1000, 1000);
            p.output_offset = rndi(-1000, 1000);
            p.qmul = NULL;
            zp_out = rndi(qmin, qmax);
        } else {
            /* s_in / s_out log-uniform in [1/8, 8); entry n = ratio / n
             * (count_include_pad = 0), qmul[0] = ratio / (k_h k_w) otherwise.
             * The entries that must not be read get unrelated multipliers. */
            double ratio = ldexp(1.0 + (double)rndi(0, 999) / 1000.0, rndi(-3, 2));
            int extreme = rndi(0, 5) == 0;
            n_extreme += extreme;
            tab = malloc(sizeof(stoic_qmul) * (size_t)(kk + 1));
            for (i = 0; i <= kk; i++) {
                int used = p.count_include_pad ? (i == 0) : (i > 0);
                if (extreme) {
                    tab[i] = qmul_extreme();
                } else if (!used) {
                    tab[i] = qmul_of(ldexp(1.0, rndi(4, 20)));
                } else {
                    tab[i] = qmul_of(ratio / (double)(p.count_include_pad ? kk : i));
                }
            }
            p.qmul = tab;
            if (is16) {
                p.input_offset = 0;
                p.output_offset = 0;
                zp_out = 0;
            } else {
                p.input_offset = -rndi(-128, 127);
                zp_out = rndi(-128, 127);
                p.output_offset = zp_out;
            }
            n_cip0 += p.count_include_pad == 0;
            n_cip1 += p.count_include_pad != 0;
        }
        act_draw(zp_out, qmin, qmax, &p.act_min, &p.act_max);
        n_dilated += (p.dil_h > 1 || p.dil_w > 1);
        n_strided += (p.stride_h > 1 || p.stride_w > 1);
        n_asym += (p.pad_top != pad_bottom || p.pad_left != pad_right);
        n_x = p.in_h * p.in_w * p.c;
        n_out = p.out_h * p.out_w * p.c;
        in = malloc(sizeof(int32_t) * (size_t)n_x);
        for (i = 0; i < n_x; i++) {
            switch (in_mode) {
            case 0: in[i] = rndi(qmin, qmax); break;
            case 1: in[i] = rndi(0, 1) ? qmax : qmin; break;
            case 2: in[i] = rndi(0, 1) ? qmax - rndi(0, 2) : qmin + rndi(0, 2); break;
            default: in[i] = rndi(-10, 10) - p.input_offset * !is_max; break;
            }
            in[i] = in[i] < qmin ? qmin : (in[i] > qmax ? qmax : in[i]);
        }
        want = malloc(sizeof(int32_t) * (size_t)n_out);
        ok = ref_pool(&p, is_max, in, want);
        if (!ok) {              /* a max window without taps: draw again */
            free(in);
            free(want);
            c--;
            continue;
        }
        if (!is_max) {
            int32_t oh, ow;
            for (oh = 0; oh < p.out_h; oh++) {
                for (ow = 0; ow < p.out_w; ow++) {
                    int32_t f, e, g, h;
                    stoic_tap_range(oh * p.stride_h - p.pad_top, p.dil_h, p.k_h, p.in_h, &f, &e);
                    stoic_tap_range(ow * p.stride_w - p.pad_left, p.dil_w, p.k_w, p.in_w, &g, &h);
                    n_empty_avg += (e - f) * (h - g) == 0;
                }
            }
        }
        bad += run_pool(kind, c, &p, in, want);
        free(in);
        free(want);
        free(tab);
    }
    printf("\n  %s: 1500 cases (dilated %d, strided %d, asymmetric pad %d, global %d, "
           "count_include_pad 0/1 %d/%d, extreme multipliers %d, empty windows %d); "
           "outputs inside %ld, clamped low %ld, high %ld\n",
           kind == K_MAX8 ? "maxpool2d_s8" : kind == K_MAX16 ? "maxpool2d_s16"
           : kind == K_AVG8 ? "avgpool2d_s8" : "avgpool2d_s16",
           n_dilated, n_strided, n_asym, n_big, n_cip0, n_cip1, n_extreme, n_empty_avg,
           n_inside, n_lo, n_hi);
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT(n_dilated >= 300 && n_strided >= 500 && n_asym >= 500 && n_big >= 80);
    CU_ASSERT(n_inside > 5000 && n_lo > 1000 && n_hi > 1000);
    if (!is_max) {
        CU_ASSERT(n_cip0 >= 700 && n_cip1 >= 700 && n_extreme >= 150 && n_empty_avg >= 50);
    }
}

static void test_maxpool2d_s8_random(void)
{
    pool_random(K_MAX8, 921u);
}

static void test_maxpool2d_s16_random(void)
{
    pool_random(K_MAX16, 922u);
}

static void test_avgpool2d_s8_random(void)
{
    pool_random(K_AVG8, 923u);
}

static void test_avgpool2d_s16_random(void)
{
    pool_random(K_AVG16, 924u);
}

/* ===================================================================== */

UNIT_SUITE(kernel_q_layer)
{
    CU_pSuite s = CU_add_suite("kernel_q_layer", NULL, NULL);
    CU_add_test(s, "requantize64 and int16 output stage hand-derived", test_requantize64_hand);
    CU_add_test(s, "requantize64 random vs __int128 reference (1e5)", test_requantize64_random);
    CU_add_test(s, "dense_s16 hand-derived", test_dense_s16_hand);
    CU_add_test(s, "dense_s16 random vs reference", test_dense_s16_random);
    CU_add_test(s, "conv2d_s16 hand-derived", test_conv2d_s16_hand);
    CU_add_test(s, "conv2d_s16 random vs reference", test_conv2d_s16_random);
    CU_add_test(s, "pooling int8/int16 hand-derived", test_pool_hand);
    CU_add_test(s, "maxpool2d_s8 random vs reference", test_maxpool2d_s8_random);
    CU_add_test(s, "maxpool2d_s16 random vs reference", test_maxpool2d_s16_random);
    CU_add_test(s, "avgpool2d_s8 random vs reference", test_avgpool2d_s8_random);
    CU_add_test(s, "avgpool2d_s16 random vs reference", test_avgpool2d_s16_random);
}

/*
 * Unit tests of the integer element-wise kernels and their helper:
 * stoic_recip46 (runtime/stoic_recip.c), stoic_lut_s8, stoic_lut_s16,
 * stoic_softmax_s8, stoic_softmax_s16, stoic_add_s8, stoic_add_s16,
 * stoic_mul_s8, stoic_mul_s16, against the formulas of stoic_rt.h.
 *
 * Evidence:
 *  - hand-derived values, worked out in the comments next to them;
 *  - references written here in a deliberately plain form (plain loops,
 *    int64, C's `/` with an explicit floor, plain ifs; the requantize of
 *    qtest.h), calling nothing from runtime/, matched bit for bit on
 *    thousands of random shapes and parameter sets per kernel (fixed
 *    seeds), drawn inside the preconditions of stoic_rt.h but biased to
 *    their extremes: m at 2^30 and 2^31 - 1, shifts at -31 and 31, offsets
 *    at their limits, inputs at the ends of int8/int16, outputs saturating
 *    at both ends of the clamp, broadcast with b_outer_stride 0;
 *  - stoic_recip46 against plain division on every s in two ranges of
 *    2^22 values at both ends of its domain, every power of two and its
 *    neighbours, the divisors next to every quotient jump, and 10^6 random s.
 * Output buffers carry guard bytes on both sides, and every kernel runs
 * twice, on outputs pre-filled with two different patterns: an
 * out-of-bounds or a missing write fails.
 *
 * Contract readings the tests pin down (see also the runtime files):
 *  - add: s = r_a + r_b is taken exactly and saturated to int32 before the
 *    output requantize (never active when a_mul, b_mul <= 1/2 as the
 *    generator computes them; the random "extreme" parameters, with any
 *    shift in [-31, 31], do reach it), and x * 2^left_shift saturates to
 *    int32 like stoic_requantize's own left shift (left_shift in [0, 31]).
 */
/* REQ: REQ-ARITH-003 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <CUnit/CUnit.h>
#include "unit.h"
#include "qtest.h"
#include "stoic_rt_f32.h"

#define P15 32768
#define P30 1073741824
#define I32MAX INT32_MAX
#define GUARD 32
#define SENT 0x5A

/* ===================================================================== */
/* PRNG (qtest.h), buffers, comparison                                   */
/* ===================================================================== */

static uint32_t rng = 1u;

static void seed(uint32_t s)
{
    rng = (s == 0u) ? 0x9E3779B9u : s;
}

static int32_t R(int64_t lo, int64_t hi)
{
    return (int32_t)qt_range(&rng, lo, hi);
}

/* a double uniform in [lo, hi] (for build-time style scales) */
static double RD(double lo, double hi)
{
    return lo + (hi - lo) * ((double)qt_next(&rng) / 4294967295.0);
}

static const unsigned char fills[2] = {0x00u, 0xC3u};

static void *gbuf_new(size_t bytes, unsigned char fill)
{
    unsigned char *b = malloc(bytes + 2u * GUARD);
    if (b == NULL) {
        abort();
    }
    memset(b, SENT, bytes + 2u * GUARD);
    memset(b + GUARD, fill, bytes);
    return b + GUARD;
}

static int gbuf_ok(const void *p, size_t bytes)
{
    const unsigned char *b = p;
    size_t i;
    for (i = 0; i < GUARD; i++) {
        if (b[-1 - (long)i] != SENT || b[bytes + i] != SENT) {
            return 0;
        }
    }
    return 1;
}

static void gbuf_free(void *p)
{
    free((unsigned char *)p - GUARD);
}

static int printed;  /* mismatch reports so far (at most a few per test) */

/* 1 when got and want are the same elements (1 or 2 bytes each). */
static int same_elems(const char *what, long cse, const void *got, const void *want,
                      size_t esz, int32_t n)
{
    int32_t i;
    if (memcmp(got, want, esz * (size_t)n) == 0) {
        return 1;
    }
    for (i = 0; i < n && printed < 5; i++) {
        long g = esz == 1u ? (long)((const int8_t *)got)[i] : (long)((const int16_t *)got)[i];
        long w = esz == 1u ? (long)((const int8_t *)want)[i] : (long)((const int16_t *)want)[i];
        if (g != w) {
            printf("\n  %s case %ld: element %ld: got %ld, want %ld\n", what, cse, (long)i, g, w);
            printed++;
            break;
        }
    }
    return 0;
}

/* Run CALL (which writes to `out`) twice on guarded outputs of n elements
 * of type T pre-filled with the two patterns; count failures in bad. */
#define RUN_CHECKED(T, n, want, what, cse, bad, CALL) do { \
        int pass_; \
        for (pass_ = 0; pass_ < 2; pass_++) { \
            T *out = gbuf_new(sizeof(T) * (size_t)(n), fills[pass_]); \
            CALL; \
            if (!same_elems((what), (long)(cse), out, (want), sizeof(T), (n))) { \
                (bad)++; \
            } else if (!gbuf_ok(out, sizeof(T) * (size_t)(n))) { \
                if (printed < 5) { \
                    printf("\n  %s case %ld: guard bytes overwritten\n", (what), (long)(cse)); \
                    printed++; \
                } \
                (bad)++; \
            } \
            gbuf_free(out); \
        } \
    } while (0)

#define CHECK_EQ(what, got, want) do { \
        long long got_ = (long long)(got), want_ = (long long)(want); \
        if (got_ != want_) { \
            printf("\n  %s: got %lld, want %lld\n", what, got_, want_); \
        } \
        CU_ASSERT_EQUAL(got_, want_); \
    } while (0)

static int8_t *rand_s8(int32_t n)
{
    int8_t *b = malloc((size_t)n + 1u);
    int32_t i;
    for (i = 0; i < n; i++) {
        switch (R(0, 9)) {
        case 0: b[i] = -128; break;
        case 1: b[i] = 127; break;
        default: b[i] = (int8_t)R(-128, 127); break;
        }
    }
    return b;
}

/* int16 values around a random centre with a random spread, and the ends */
static int16_t *rand_s16(int32_t n)
{
    int16_t *b = malloc(sizeof(int16_t) * (size_t)n + 2u);
    int32_t centre = R(-32768, 32767);
    int32_t spread = (int32_t)1 << R(0, 16);
    int32_t i;
    for (i = 0; i < n; i++) {
        switch (R(0, 15)) {
        case 0: b[i] = -32768; break;
        case 1: b[i] = 32767; break;
        case 2: b[i] = (int16_t)R(-32768, 32767); break;
        default:
            b[i] = (int16_t)qt_clamp((int64_t)centre + R(-spread, spread), -32768, 32767);
            break;
        }
    }
    return b;
}

/* (m, shift) of a positive real M as arithmetic.md: M = M0 2^shift,
 * M0 in [0.5, 1), m = round(M0 2^31) (2^31 -> 2^30 with shift + 1).
 * Callers keep shift inside [-31, 31]. */
static stoic_qmul quant_mul(double M)
{
    stoic_qmul q;
    int e;
    double m0 = frexp(M, &e);
    long long m = llround(m0 * 2147483648.0);
    if (m == 2147483648LL) {
        m = P30;
        e++;
    }
    q.m = (int32_t)m;
    q.shift = e;
    if (q.shift < -31) {
        q.shift = -31;
    }
    if (q.shift > 31) {
        q.shift = 31;
    }
    return q;
}

/* m biased to the ends of [2^30, 2^31 - 1] */
static int32_t draw_m(void)
{
    switch (R(0, 5)) {
    case 0: return P30;
    case 1: return I32MAX;
    case 2: return P30 + R(0, 1000);
    case 3: return I32MAX - R(0, 1000);
    default: return R(P30, I32MAX);
    }
}

/* an integer in [lo, hi], biased to its ends */
static int32_t draw_end(int32_t lo, int32_t hi)
{
    switch (R(0, 4)) {
    case 0: return lo;
    case 1: return hi;
    default: return R(lo, hi);
    }
}

/* ===================================================================== */
/* stoic_recip46                                                         */
/* ===================================================================== */

static uint32_t ref_recip46(int64_t s)
{
    return (uint32_t)(((int64_t)1 << 46) / s);   /* s > 0: truncation is floor */
}

static void test_recip46_hand(void)
{
    /* 2^46 / 2^15 = 2^31: the largest result, needs all 32 quotient bits */
    CHECK_EQ("recip46(2^15)", stoic_recip46(P15), 2147483648u);
    /* 2^46 / (2^15 + 1) = 2^31 / (1 + 2^-15) = 2^31 - 2^16 + 2 - 2^-14 + ...
     * -> 2^31 - 2^16 + 1 = 2147418113 */
    CHECK_EQ("recip46(2^15+1)", stoic_recip46(P15 + 1), 2147418113u);
    /* 3 is below the domain [2^15, 2^31 - 1]; 3 * 2^15 is the in-range
     * analogue: 2^46 / (3 * 2^15) = 2^31 / 3 = 715827882 + 2/3 -> 715827882 */
    CHECK_EQ("recip46(3*2^15)", stoic_recip46(3 * P15), 715827882u);
    /* 3 * 2^29: 2^17 / 3 = 43690 + 2/3 -> 43690 */
    CHECK_EQ("recip46(3*2^29)", stoic_recip46(1610612736), 43690u);
    CHECK_EQ("recip46(2^16)", stoic_recip46(65536), 1073741824u);   /* 2^30 */
    CHECK_EQ("recip46(2^30)", stoic_recip46(P30), 65536u);          /* 2^16 */
    /* 2^46 = 2^15 (2^31 - 1) + 2^15 and 2^15 < 2^31 - 1 -> 2^15 */
    CHECK_EQ("recip46(2^31-1)", stoic_recip46(I32MAX), 32768u);
    /* 2^46 / (2^16 - 1) = 2^30 (1 + 2^-16 + 2^-32 + ...) = 2^30 + 2^14 + 0.25.. */
    CHECK_EQ("recip46(65535)", stoic_recip46(65535), 1073758208u);
    /* 2^46 = 70368744177664 -> / 10^6 = 70368744.18 -> 70368744 */
    CHECK_EQ("recip46(10^6)", stoic_recip46(1000000), 70368744u);
}

static void test_recip46_sweep(void)
{
    int64_t s;
    long bad = 0, n = 0;
    int32_t k, d;
    /* every s in [2^15, 2^15 + 2^22) and in [2^31 - 2^22, 2^31 - 1] */
    for (s = P15; s < P15 + (1 << 22); s++, n++) {
        bad += stoic_recip46((int32_t)s) != ref_recip46(s);
    }
    for (s = (int64_t)I32MAX - (1 << 22) + 1; s <= I32MAX; s++, n++) {
        bad += stoic_recip46((int32_t)s) != ref_recip46(s);
    }
    /* every power of two of the domain and its neighbours, and 2^31 - 1 */
    for (k = 15; k <= 31; k++) {
        for (d = -2; d <= 2; d++) {
            s = ((int64_t)1 << k) + d;
            if (s >= P15 && s <= I32MAX) {
                n++;
                bad += stoic_recip46((int32_t)s) != ref_recip46(s);
            }
        }
    }
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT(n > 8000000);
}

static void test_recip46_random(void)
{
    long bad = 0;
    int32_t c;
    seed(0xC0FFEE01u);
    for (c = 0; c < 1000000; c++) {
        int64_t s;
        if (c % 2 == 0) {
            s = R(P15, I32MAX);
        } else {
            /* next to a jump of the quotient: the smallest s with
             * floor(2^46 / s) = q - 1 is floor(2^46 / q) + 1 */
            int64_t q = R(P15 + 1, 2147483648LL);
            s = (((int64_t)1 << 46) / q) + R(-1, 1);
            s = qt_clamp(s, P15, I32MAX);
        }
        if (stoic_recip46((int32_t)s) != ref_recip46(s)) {
            if (bad < 3) {
                printf("\n  recip46(%lld): got %lu, want %lu\n", (long long)s,
                       (unsigned long)stoic_recip46((int32_t)s), (unsigned long)ref_recip46(s));
            }
            bad++;
        }
    }
    CU_ASSERT_EQUAL(bad, 0);
}

/* ===================================================================== */
/* stoic_lut_s8                                                          */
/* ===================================================================== */

static void ref_lut_s8(const int8_t *table, const int8_t *in, int32_t n, int8_t *out)
{
    int32_t i;
    for (i = 0; i < n; i++) {
        int index = in[i] + 128;
        out[i] = table[index];
    }
}

/* f(s_in * (q - zp_in)) rounded to the int8 output (scale, zp), clamped */
static void table_s8(int8_t *t, int kind, double s_in, int zp_in, double s_out, int zp_out)
{
    int k;
    for (k = 0; k < 256; k++) {
        double x = s_in * (double)(k - 128 - zp_in);
        double y = kind == 0 ? 1.0 / (1.0 + exp(-x)) : tanh(x);
        long v = lround(y / s_out) + zp_out;
        t[k] = (int8_t)qt_clamp(v, -128, 127);
    }
}

static void test_lut_s8_hand(void)
{
    int8_t t[256], in[256], out[256 + 1];
    stoic_lut_s8_params p;
    int k;
    /* identity table t[k] = k - 128 gives out = in, for all 256 inputs */
    for (k = 0; k < 256; k++) {
        t[k] = (int8_t)(k - 128);
        in[k] = (int8_t)(127 - k);
    }
    out[256] = 99;
    p.n = 256;
    p.table = t;
    stoic_lut_s8(&p, in, out);
    CU_ASSERT_EQUAL(memcmp(in, out, 256), 0);
    CU_ASSERT_EQUAL(out[256], 99);
    /* sigmoid, input scale 1/16 zp 0, output scale 1/256 zp -128:
     *   q =   0: sigmoid(0) = 0.5       -> 128 - 128 = 0
     *   q =  16: sigmoid(1) = 0.7310586 -> round(187.15) - 128 = 59
     *   q = 127: sigmoid(7.94) = 0.99964 -> round(255.91) - 128 = 128 -> 127
     *   q = -128: sigmoid(-8) = 0.000335 -> round(0.086) - 128 = -128 */
    table_s8(t, 0, 1.0 / 16.0, 0, 1.0 / 256.0, -128);
    in[0] = 0;
    in[1] = 16;
    in[2] = 127;
    in[3] = -128;
    p.n = 4;
    stoic_lut_s8(&p, in, out);
    CHECK_EQ("sigmoid(0)", out[0], 0);
    CHECK_EQ("sigmoid(1)", out[1], 59);
    CHECK_EQ("sigmoid(127/16)", out[2], 127);
    CHECK_EQ("sigmoid(-8)", out[3], -128);
    /* n = 0 writes nothing */
    out[0] = 42;
    p.n = 0;
    stoic_lut_s8(&p, in, out);
    CHECK_EQ("lut n=0", out[0], 42);
}

static void test_lut_s8_random(void)
{
    int32_t c, k, n, bad = 0;
    int8_t t[256];
    seed(0x5EED0008u);
    printed = 0;
    for (c = 0; c < 2000; c++) {
        stoic_lut_s8_params p;
        int8_t *in, *want;
        n = (c % 10 == 0) ? R(256, 4000) : R(1, 300);
        if (c % 3 == 0) {
            for (k = 0; k < 256; k++) {
                t[k] = (int8_t)draw_end(-128, 127);
            }
        } else {
            table_s8(t, c % 3 - 1, RD(0.001, 0.2), R(-128, 127), c % 3 == 1 ? 1.0 / 256.0 : 1.0 / 128.0,
                     c % 3 == 1 ? -128 : 0);
        }
        in = rand_s8(n);
        if (n >= 256) {
            for (k = 0; k < 256; k++) {        /* every input value at least once */
                in[k] = (int8_t)(k - 128);
            }
        }
        want = malloc((size_t)n);
        ref_lut_s8(t, in, n, want);
        p.n = n;
        p.table = t;
        RUN_CHECKED(int8_t, n, want, "lut_s8", c, bad, stoic_lut_s8(&p, in, out));
        free(in);
        free(want);
    }
    CU_ASSERT_EQUAL(bad, 0);
}

/* ===================================================================== */
/* stoic_lut_s16                                                         */
/* ===================================================================== */

static void ref_lut_s16(const int16_t *table, const int16_t *in, int32_t n, int16_t *out)
{
    int32_t i;
    for (i = 0; i < n; i++) {
        int64_t u = (int64_t)in[i] + 32768;     /* >= 0: C's / and % are floor and mod */
        int64_t k = u / 128;
        int64_t f = u % 128;
        int64_t t0 = table[k];
        int64_t t1 = table[k + 1];
        out[i] = (int16_t)(t0 + qt_floor_div((t1 - t0) * f + 64, 128));
    }
}

/* f(x), x = s_in * q at q = 128 k - 32768, rounded to output scale s_out, zp 0 */
static void table_s16(int16_t *t, int kind, double s_in, double s_out)
{
    int k;
    for (k = 0; k <= 512; k++) {
        double x = s_in * (double)(128 * k - 32768);
        double y = kind == 0 ? 1.0 / (1.0 + exp(-x)) : tanh(x);
        t[k] = (int16_t)qt_clamp(lround(y / s_out), -32768, 32767);
    }
}

static int16_t lut16_one(const int16_t *t, int16_t x)
{
    stoic_lut_s16_params p;
    int16_t out[2] = {0, 77};
    p.n = 1;
    p.table = t;
    stoic_lut_s16(&p, &x, out);
    CU_ASSERT_EQUAL(out[1], 77);
    return out[0];
}

static void test_lut_s16_hand(void)
{
    int16_t t[513];
    int k;
    memset(t, 0, sizeof t);
    /* t[0] = 0, t[1] = 128: in = -32768 + f, f < 128, gives
     * floor((128 f + 64) / 128) = f */
    t[1] = 128;
    for (k = 0; k < 128; k++) {
        CHECK_EQ("lut16 slope 1", lut16_one(t, (int16_t)(-32768 + k)), k);
    }
    /* in = -32640 (u = 128, k = 1, f = 0) reads t[1] = 128 exactly */
    CHECK_EQ("lut16 entry 1", lut16_one(t, -32640), 128);
    /* ties (x.5 goes toward +infinity):
     * t[2] = 0, t[3] = 1, f = 64: floor((64 + 64) / 128) = 1      (0.5 -> 1)
     *                     f = 63: floor((63 + 64) / 128) = 0      (0.49 -> 0)
     * t[4] = 0, t[5] = -1, f = 64: floor((-64 + 64) / 128) = 0    (-0.5 -> 0)
     *                      f = 65: floor((-65 + 64) / 128) = -1   (-0.51 -> -1) */
    t[1] = 0;
    t[3] = 1;
    t[5] = -1;
    CHECK_EQ("lut16 tie +0.5", lut16_one(t, (int16_t)(-32768 + 2 * 128 + 64)), 1);
    CHECK_EQ("lut16 +0.49", lut16_one(t, (int16_t)(-32768 + 2 * 128 + 63)), 0);
    CHECK_EQ("lut16 tie -0.5", lut16_one(t, (int16_t)(-32768 + 4 * 128 + 64)), 0);
    CHECK_EQ("lut16 -0.51", lut16_one(t, (int16_t)(-32768 + 4 * 128 + 65)), -1);
    /* extreme step at the top: in = 32767 (u = 65535, k = 511, f = 127)
     * t[511] = -32768, t[512] = 32767: d = 65535,
     *   -32768 + floor((65535 * 127 + 64) / 128) = -32768 + floor(65023.5) = 32255
     * reversed, d = -65535: 32767 + floor(-65022.5) = 32767 - 65023 = -32256 */
    t[511] = -32768;
    t[512] = 32767;
    CHECK_EQ("lut16 top up", lut16_one(t, 32767), 32255);
    t[511] = 32767;
    t[512] = -32768;
    CHECK_EQ("lut16 top down", lut16_one(t, 32767), -32256);
    /* in = 32640 (u = 65408 = 511 * 128, f = 0) reads t[511]; in = -32768 reads t[0] */
    CHECK_EQ("lut16 entry 511", lut16_one(t, 32640), 32767);
    t[0] = -32768;
    CHECK_EQ("lut16 entry 0", lut16_one(t, -32768), -32768);
    /* tanh, input scale 4/32768, output scale 1/32767: tanh(0) = 0 at
     * in = 0 (k = 256, f = 0); at in = 8192 (x = 1, k = 320, f = 0),
     * round(32767 * tanh(1)) = round(24955.2) = 24955 */
    table_s16(t, 1, 4.0 / 32768.0, 1.0 / 32767.0);
    CHECK_EQ("lut16 tanh(0)", lut16_one(t, 0), 0);
    CHECK_EQ("lut16 tanh(1)", lut16_one(t, 8192), 24955);
}

static void test_lut_s16_random(void)
{
    int32_t c, k, n, bad = 0;
    int16_t t[513];
    seed(0x16161616u);
    printed = 0;
    for (c = 0; c < 2000; c++) {
        stoic_lut_s16_params p;
        int16_t *in, *want;
        n = (c % 10 == 0) ? R(500, 5000) : R(1, 300);
        switch (c % 4) {
        case 0:        /* random entries, biased to the ends */
            for (k = 0; k <= 512; k++) {
                t[k] = (int16_t)draw_end(-32768, 32767);
            }
            break;
        case 1:        /* alternating ends: every step is +-65535 */
            for (k = 0; k <= 512; k++) {
                t[k] = (int16_t)(((k + c / 4) % 2 == 0) ? -32768 : 32767);
            }
            break;
        default:       /* sigmoid / tanh from double */
            table_s16(t, c % 4 - 2, RD(0.2, 12.0) / 32768.0, c % 4 == 2 ? 1.0 / 32768.0 : 1.0 / 32767.0);
            break;
        }
        in = rand_s16(n);
        for (k = 0; k < n; k++) {
            switch (R(0, 7)) {    /* f = 0, 64 (a tie when the step is odd), 127 */
            case 0: in[k] = (int16_t)(R(0, 511) * 128 - 32768); break;
            case 1: in[k] = (int16_t)(R(0, 511) * 128 - 32768 + 64); break;
            case 2: in[k] = (int16_t)(R(0, 511) * 128 - 32768 + 127); break;
            default: break;
            }
        }
        want = malloc(sizeof(int16_t) * (size_t)n);
        ref_lut_s16(t, in, n, want);
        p.n = n;
        p.table = t;
        RUN_CHECKED(int16_t, n, want, "lut_s16", c, bad, stoic_lut_s16(&p, in, out));
        free(in);
        free(want);
    }
    CU_ASSERT_EQUAL(bad, 0);
}

/* ===================================================================== */
/* softmax                                                               */
/* ===================================================================== */

/* Reference, plain: index (o * axis_n + j) * inner + i. */
static void ref_softmax_s8(const stoic_softmax_q_params *p, const int8_t *in, int8_t *out)
{
    int32_t o, i, j;
    for (o = 0; o < p->outer; o++) {
        for (i = 0; i < p->inner; i++) {
            int mx = in[(o * p->axis_n) * p->inner + i];
            int64_t S = 0, inv;
            for (j = 0; j < p->axis_n; j++) {
                int q = in[(o * p->axis_n + j) * p->inner + i];
                if (q > mx) {
                    mx = q;
                }
            }
            for (j = 0; j < p->axis_n; j++) {
                int q = in[(o * p->axis_n + j) * p->inner + i];
                S += p->exp_table[mx - q];
            }
            inv = ((int64_t)1 << 46) / S;
            for (j = 0; j < p->axis_n; j++) {
                int32_t at = (o * p->axis_n + j) * p->inner + i;
                int64_t e = p->exp_table[mx - in[at]];
                int64_t y = qt_floor_div(e * inv + ((int64_t)1 << 37), (int64_t)1 << 38) - 128;
                out[at] = (int8_t)qt_clamp(y, -128, 127);
            }
        }
    }
}

static int64_t ref_exp16(const int32_t *t, int64_t d)
{
    int64_t k = d / 128, f = d % 128;
    return t[k] + qt_floor_div((int64_t)(t[k + 1] - t[k]) * f + 64, 128);
}

static void ref_softmax_s16(const stoic_softmax_q_params *p, const int16_t *in, int16_t *out)
{
    int32_t o, i, j;
    for (o = 0; o < p->outer; o++) {
        for (i = 0; i < p->inner; i++) {
            int mx = in[(o * p->axis_n) * p->inner + i];
            int64_t S = 0, inv;
            for (j = 0; j < p->axis_n; j++) {
                int q = in[(o * p->axis_n + j) * p->inner + i];
                if (q > mx) {
                    mx = q;
                }
            }
            for (j = 0; j < p->axis_n; j++) {
                int q = in[(o * p->axis_n + j) * p->inner + i];
                S += ref_exp16(p->exp_table, mx - q);
            }
            inv = ((int64_t)1 << 46) / S;
            for (j = 0; j < p->axis_n; j++) {
                int32_t at = (o * p->axis_n + j) * p->inner + i;
                int64_t e = ref_exp16(p->exp_table, mx - in[at]);
                int64_t y = qt_floor_div(e * inv + ((int64_t)1 << 30), (int64_t)1 << 31);
                out[at] = (int16_t)qt_clamp(y, 0, 32767);
            }
        }
    }
}

/* int8 exp table: round(2^15 exp(-s_in d)), d < 256 */
static void exp_table_s8(int32_t *t, double s_in)
{
    int d;
    for (d = 0; d < 256; d++) {
        t[d] = (int32_t)llround(32768.0 * exp(-s_in * (double)d));
    }
}

/* int16 exp table: round(2^15 exp(-s_in 128 k)), k <= 512 */
static void exp_table_s16(int32_t *t, double s_in)
{
    int k;
    for (k = 0; k <= 512; k++) {
        t[k] = (int32_t)llround(32768.0 * exp(-s_in * 128.0 * (double)k));
    }
}

static int8_t softmax8_one(const int32_t *t, int32_t axis_n, const int8_t *in, int8_t *out)
{
    stoic_softmax_q_params p;
    p.outer = 1;
    p.axis_n = axis_n;
    p.inner = 1;
    p.exp_table = t;
    stoic_softmax_s8(&p, in, out);
    return out[0];
}

static void test_softmax_s8_hand(void)
{
    int32_t t[256];
    int8_t in[4], out[5];
    stoic_softmax_q_params p;
    exp_table_s8(t, 1.0 / 16.0);
    CHECK_EQ("exp table [0]", t[0], 32768);
    out[1] = 55;
    /* one element: e = S = 2^15, inv = 2^31, e inv = 2^46,
     * floor((2^46 + 2^37) / 2^38) - 128 = 256 - 128 = 128 -> clamp 127 */
    in[0] = -77;
    CHECK_EQ("softmax8 single", softmax8_one(t, 1, in, out), 127);
    CHECK_EQ("softmax8 single: no write past", out[1], 55);
    /* two equal: S = 2^16, inv = 2^30, e inv = 2^45,
     * floor((2^45 + 2^37) / 2^38) = floor(128.5) = 128 -> 0 (probability 1/2) */
    in[0] = 5;
    in[1] = 5;
    softmax8_one(t, 2, in, out);
    CHECK_EQ("softmax8 pair[0]", out[0], 0);
    CHECK_EQ("softmax8 pair[1]", out[1], 0);
    /* three equal: S = 3 2^15, inv = floor(2^31 / 3) = 715827882,
     * e inv = 2^15 715827882 = 23456248037376, + 2^37 = 23593686990848,
     * / 2^38 = 85.83 -> 85 - 128 = -43 */
    in[2] = 5;
    softmax8_one(t, 3, in, out);
    CHECK_EQ("softmax8 triple", out[2], -43);
    /* four equal: inv = 2^29, e inv = 2^44, floor(64.5) = 64 -> -64 */
    in[3] = 5;
    softmax8_one(t, 4, in, out);
    CHECK_EQ("softmax8 quad", out[3], -64);
    /* 127 and -128, s_in = 1/16: d = 255, e = round(2^15 exp(-15.94)) =
     * round(0.0039) = 0, so S = 2^15: the max gives 127, the other
     * floor((0 + 2^37) / 2^38) - 128 = -128 */
    in[0] = -128;
    in[1] = 127;
    softmax8_one(t, 2, in, out);
    CHECK_EQ("softmax8 [-128,127][0]", out[0], -128);
    CHECK_EQ("softmax8 [-128,127][1]", out[1], 127);
    /* axis in the middle: outer 1, axis_n 2, inner 2, memory [j][i]:
     * row i = 0 is (10, 10) -> (0, 0); row i = 1 is (3, -100): with a
     * table that is 0 for every d > 0 -> (127, -128) */
    memset(t, 0, sizeof t);
    t[0] = 32768;
    in[0] = 10;
    in[1] = 3;
    in[2] = 10;
    in[3] = -100;
    out[4] = 66;
    p.outer = 1;
    p.axis_n = 2;
    p.inner = 2;
    p.exp_table = t;
    stoic_softmax_s8(&p, in, out);
    CHECK_EQ("softmax8 inner [0]", out[0], 0);
    CHECK_EQ("softmax8 inner [1]", out[1], 127);
    CHECK_EQ("softmax8 inner [2]", out[2], 0);
    CHECK_EQ("softmax8 inner [3]", out[3], -128);
    CHECK_EQ("softmax8 inner: no write past", out[4], 66);
}

static int16_t softmax16_one(const int32_t *t, int32_t axis_n, const int16_t *in, int16_t *out)
{
    stoic_softmax_q_params p;
    p.outer = 1;
    p.axis_n = axis_n;
    p.inner = 1;
    p.exp_table = t;
    stoic_softmax_s16(&p, in, out);
    return out[0];
}

static void test_softmax_s16_hand(void)
{
    int32_t t[513];
    int16_t in[4], out[5];
    memset(t, 0, sizeof t);
    t[0] = 32768;
    out[1] = 55;
    /* one element: floor((2^46 + 2^30) / 2^31) = floor(2^15 + 0.5) = 32768 -> 32767 */
    in[0] = -32768;
    CHECK_EQ("softmax16 single", softmax16_one(t, 1, in, out), 32767);
    CHECK_EQ("softmax16 single: no write past", out[1], 55);
    /* two equal: inv = 2^30, e inv = 2^45, floor(16384.5) = 16384 */
    in[0] = 1000;
    in[1] = 1000;
    softmax16_one(t, 2, in, out);
    CHECK_EQ("softmax16 pair[0]", out[0], 16384);
    CHECK_EQ("softmax16 pair[1]", out[1], 16384);
    /* four equal: inv = 2^29, e inv = 2^44, floor(8192.5) = 8192 */
    in[2] = 1000;
    in[3] = 1000;
    softmax16_one(t, 4, in, out);
    CHECK_EQ("softmax16 quad", out[3], 8192);
    /* interpolation: t[0] = 2^15, t[1] = 0; inputs (0, -64): d = (0, 64),
     * E(64) = 32768 + floor((-32768 * 64 + 64) / 128) = 32768 + floor(-16383.5)
     *       = 16384; S = 49152 = 3 2^14, inv = floor(2^32 / 3) = 1431655765;
     * out0 = floor((2^15 inv + 2^30) / 2^31) = floor(inv / 2^16 + 0.5)
     *      = floor(21845.33 + 0.5) = 21845;
     * out1 = floor(inv / 2^17 + 0.5) = floor(10922.67 + 0.5) = 10923 */
    in[0] = 0;
    in[1] = -64;
    softmax16_one(t, 2, in, out);
    CHECK_EQ("softmax16 interp[0]", out[0], 21845);
    CHECK_EQ("softmax16 interp[1]", out[1], 10923);
    /* largest d = 65535 (k = 511, f = 127): E = t[511] + floor((t[512] -
     * t[511]) 127 + 64) / 128); with t[511] = 0, t[512] = 128: floor(127.5)
     * = 127. Inputs (32767, -32768): S = 32768 + 127 = 32895,
     * inv = floor(2^46 / 32895) = 2139192709 (2^46 / 32895 = 2139192709.6),
     * out1 = floor((127 inv + 2^30) / 2^31) = floor(272751215867 / 2^31)
     *      = floor(127.0097) = 127,
     * out0 = floor((32768 inv + 2^30) / 2^31) = floor(70098140430336 / 2^31)
     *      = floor(32641.9903) = 32641 */
    t[512] = 128;
    in[0] = 32767;
    in[1] = -32768;
    softmax16_one(t, 2, in, out);
    CHECK_EQ("softmax16 d=65535 [0]", out[0], 32641);
    CHECK_EQ("softmax16 d=65535 [1]", out[1], 127);
}

/* one exp table of a random kind: physical from a random s_in, random
 * entries in [0, 2^15] with t[0] = 2^15, or all 2^15 (largest S) */
static void draw_exp_table(int32_t *t, int32_t n_entries, int is16, int kind)
{
    int32_t k;
    if (kind == 0) {
        double s = exp2(RD(-10.0, 3.0));
        if (is16) {
            exp_table_s16(t, s / 128.0);
        } else {
            exp_table_s8(t, s);
        }
    } else {
        for (k = 0; k < n_entries; k++) {
            t[k] = kind == 1 ? draw_end(0, P15) : P15;
        }
        t[0] = P15;
    }
}

static void draw_softmax_shape(stoic_softmax_q_params *p, int32_t c)
{
    p->outer = R(1, 3);
    p->inner = R(1, 3);
    switch (c % 4) {
    case 0: p->axis_n = 1; break;
    case 1: p->axis_n = R(2, 8); break;
    default: p->axis_n = R(1, 300); break;
    }
}

static void test_softmax_s8_random(void)
{
    int32_t c, k, n, bad = 0, total = 0;
    long n_hi = 0, n_lo = 0, n_mid = 0;
    int32_t t[256];
    seed(0x50F7A8u);
    printed = 0;
    for (c = 0; c < 2000; c++) {
        stoic_softmax_q_params p;
        int8_t *in, *want;
        int kind = (c % 5 < 3) ? 0 : (c % 5 == 3 ? 1 : 2);
        draw_exp_table(t, 256, 0, kind);
        draw_softmax_shape(&p, c);
        if (c < 4) {               /* axis_n = 65535: S up to 65535 2^15 = 2^31 - 2^15 */
            p.outer = 1;
            p.inner = 1;
            p.axis_n = 65535;
        }
        p.exp_table = t;
        n = p.outer * p.axis_n * p.inner;
        in = rand_s8(n);
        if (c % 7 == 0 || c == 0) {  /* narrow rows: many non-trivial probabilities */
            int32_t centre = R(-128, 127);
            for (k = 0; k < n; k++) {
                in[k] = (int8_t)qt_clamp(centre + R(-3, 3), -128, 127);
            }
        }
        if (c == 1) {
            memset(in, 127, (size_t)n);
        }
        want = malloc((size_t)n);
        ref_softmax_s8(&p, in, want);
        for (k = 0; k < n; k++) {
            n_hi += want[k] == 127;
            n_lo += want[k] == -128;
            n_mid += want[k] > -128 && want[k] < 127;
        }
        RUN_CHECKED(int8_t, n, want, "softmax_s8", c, bad, stoic_softmax_s8(&p, in, out));
        total++;
        free(in);
        free(want);
    }
    printf("\n  softmax_s8: %ld at 127, %ld at -128, %ld between ", n_hi, n_lo, n_mid);
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT_EQUAL(total, 2000);
    CU_ASSERT(n_hi > 100 && n_lo > 1000 && n_mid > 1000);
}

static void test_softmax_s16_random(void)
{
    int32_t c, k, n, bad = 0;
    long n_hi = 0, n_lo = 0, n_mid = 0;
    int32_t t[513];
    seed(0x50F7A816u);
    printed = 0;
    for (c = 0; c < 2000; c++) {
        stoic_softmax_q_params p;
        int16_t *in, *want;
        int kind = (c % 5 < 3) ? 0 : (c % 5 == 3 ? 1 : 2);
        draw_exp_table(t, 513, 1, kind);
        draw_softmax_shape(&p, c);
        if (c < 4) {
            p.outer = 1;
            p.inner = 1;
            p.axis_n = 65535;
        }
        p.exp_table = t;
        n = p.outer * p.axis_n * p.inner;
        in = rand_s16(n);
        if (c == 1) {
            for (k = 0; k < n; k++) {
                in[k] = 32767;
            }
        }
        if (c % 11 == 2 && n >= 2) {   /* both ends in one row: d = 65535 */
            in[0] = 32767;
            in[n - 1] = -32768;
        }
        want = malloc(sizeof(int16_t) * (size_t)n);
        ref_softmax_s16(&p, in, want);
        for (k = 0; k < n; k++) {
            n_hi += want[k] == 32767;
            n_lo += want[k] == 0;
            n_mid += want[k] > 0 && want[k] < 32767;
        }
        RUN_CHECKED(int16_t, n, want, "softmax_s16", c, bad, stoic_softmax_s16(&p, in, out));
        free(in);
        free(want);
    }
    printf("\n  softmax_s16: %ld at 32767, %ld at 0, %ld between ", n_hi, n_lo, n_mid);
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT(n_hi > 100 && n_lo > 1000 && n_mid > 1000);
}

/* ===================================================================== */
/* add / mul                                                             */
/* ===================================================================== */

static int32_t ref_sat32(int64_t v)
{
    if (v > INT32_MAX) {
        return INT32_MAX;
    }
    if (v < INT32_MIN) {
        return INT32_MIN;
    }
    return (int32_t)v;
}

/* one output element of add (is_add) or mul, straight from stoic_rt.h */
static int64_t ref_binary_one(const stoic_binary_q_params *p, int is_add, int64_t a, int64_t b)
{
    int64_t x = a + p->a_offset;
    int64_t y = b + p->b_offset;
    int64_t s, r;
    if (is_add) {
        int64_t xs = x, ys = y;
        int32_t k;
        for (k = 0; k < p->left_shift; k++) {
            xs = xs * 2;
            ys = ys * 2;
        }
        s = (int64_t)qt_requantize(ref_sat32(xs), p->a_mul.m, p->a_mul.shift)
            + (int64_t)qt_requantize(ref_sat32(ys), p->b_mul.m, p->b_mul.shift);
    } else {
        s = x * y;
    }
    r = (int64_t)qt_requantize(ref_sat32(s), p->out_mul.m, p->out_mul.shift) + p->output_offset;
    return qt_clamp(r, p->act_min, p->act_max);
}

/* Random parameters. Realistic: the multipliers the generator derives from
 * random scales (m sometimes snapped to an end of its range). Extreme: every
 * m and shift biased to the ends of [2^30, 2^31 - 1] and [-31, 31]. */
static void draw_binary(stoic_binary_q_params *p, int is16, int is_add, int extreme,
                        int32_t *b_len)
{
    int32_t qmax = is16 ? 32767 : 127;
    int32_t qmin = -qmax - 1;
    p->outer = R(1, 6);
    p->inner = R(1, 40);
    switch (R(0, 2)) {
    case 0: p->b_outer_stride = 0; break;                    /* broadcast of [inner] */
    case 1: p->b_outer_stride = p->inner; break;             /* same shapes */
    default: p->b_outer_stride = R(0, 2 * p->inner); break;  /* any stride */
    }
    if (R(0, 9) == 0) {   /* same shapes as outer = 1, inner = n */
        p->inner = p->outer * p->inner;
        p->outer = 1;
        p->b_outer_stride = R(0, 1000);
    }
    *b_len = (p->outer - 1) * p->b_outer_stride + p->inner;
    if (is16) {
        p->a_offset = 0;
        p->b_offset = 0;
        p->output_offset = 0;
    } else {
        p->a_offset = draw_end(-127, 128);
        p->b_offset = draw_end(-127, 128);
        p->output_offset = draw_end(-128, 127);
    }
    switch (R(0, 3)) {
    case 0: p->act_min = qmin; p->act_max = qmax; break;
    case 1: p->act_min = p->output_offset; p->act_max = qmax; break;      /* relu */
    default:
        p->act_min = R(qmin, qmax);
        p->act_max = R(p->act_min, qmax);
        break;
    }
    p->left_shift = is16 ? 15 : 20;
    if (extreme) {
        p->a_mul.m = draw_m();
        p->a_mul.shift = draw_end(-31, 31);
        p->b_mul.m = draw_m();
        p->b_mul.shift = draw_end(-31, 31);
        p->out_mul.m = draw_m();
        p->out_mul.shift = draw_end(-31, 31);
        if (R(0, 4) == 0) {
            p->left_shift = draw_end(0, 31);
        }
    } else if (is_add) {
        double sa = exp2(RD(-12.0, 0.0));
        double sb = sa * exp2(RD(-6.0, 6.0));
        double mx = sa > sb ? sa : sb;
        double so = mx * exp2(RD(-2.0, 3.0));
        p->a_mul = quant_mul(sa / (2.0 * mx));
        p->b_mul = quant_mul(sb / (2.0 * mx));
        p->out_mul = quant_mul(2.0 * mx / (exp2((double)p->left_shift) * so));
    } else {
        p->a_mul = quant_mul(0.5);
        p->b_mul = quant_mul(0.5);
        p->out_mul = quant_mul(is16 ? exp2(RD(-24.0, -8.0)) : exp2(RD(-18.0, -4.0)));
    }
    if (!extreme && R(0, 3) == 0) {
        p->out_mul.m = R(0, 1) ? P30 : I32MAX;
    }
}

typedef struct {
    long lo, hi, mid;
} sat_count;

static void run_binary_random(int is16, int is_add, uint32_t s, const char *what)
{
    int32_t c, k, n, b_len, bad = 0;
    sat_count cnt[2];
    seed(s);
    printed = 0;
    memset(cnt, 0, sizeof cnt);
    for (c = 0; c < 3000; c++) {
        stoic_binary_q_params p;
        int extreme = c % 2;
        draw_binary(&p, is16, is_add, extreme, &b_len);
        n = p.outer * p.inner;
        if (is16) {
            int16_t *a = rand_s16(n), *b = rand_s16(b_len);
            int16_t *want = malloc(sizeof(int16_t) * (size_t)n);
            int32_t o, i;
            for (o = 0; o < p.outer; o++) {
                for (i = 0; i < p.inner; i++) {
                    want[o * p.inner + i] = (int16_t)ref_binary_one(&p, is_add, a[o * p.inner + i],
                                                                    b[o * p.b_outer_stride + i]);
                }
            }
            for (k = 0; k < n; k++) {
                cnt[extreme].lo += want[k] == p.act_min;
                cnt[extreme].hi += want[k] == p.act_max;
                cnt[extreme].mid += want[k] > p.act_min && want[k] < p.act_max;
            }
            if (is_add) {
                RUN_CHECKED(int16_t, n, want, what, c, bad, stoic_add_s16(&p, a, b, out));
            } else {
                RUN_CHECKED(int16_t, n, want, what, c, bad, stoic_mul_s16(&p, a, b, out));
            }
            free(a);
            free(b);
            free(want);
        } else {
            int8_t *a = rand_s8(n), *b = rand_s8(b_len);
            int8_t *want = malloc((size_t)n);
            int32_t o, i;
            for (o = 0; o < p.outer; o++) {
                for (i = 0; i < p.inner; i++) {
                    want[o * p.inner + i] = (int8_t)ref_binary_one(&p, is_add, a[o * p.inner + i],
                                                                   b[o * p.b_outer_stride + i]);
                }
            }
            for (k = 0; k < n; k++) {
                cnt[extreme].lo += want[k] == p.act_min;
                cnt[extreme].hi += want[k] == p.act_max;
                cnt[extreme].mid += want[k] > p.act_min && want[k] < p.act_max;
            }
            if (is_add) {
                RUN_CHECKED(int8_t, n, want, what, c, bad, stoic_add_s8(&p, a, b, out));
            } else {
                RUN_CHECKED(int8_t, n, want, what, c, bad, stoic_mul_s8(&p, a, b, out));
            }
            free(a);
            free(b);
            free(want);
        }
    }
    printf("\n  %s: realistic %ld/%ld/%ld, extreme %ld/%ld/%ld (at min/at max/between) ", what,
           cnt[0].lo, cnt[0].hi, cnt[0].mid, cnt[1].lo, cnt[1].hi, cnt[1].mid);
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT(cnt[0].lo > 500 && cnt[0].hi > 500 && cnt[0].mid > 5000);
    CU_ASSERT(cnt[1].lo > 500 && cnt[1].hi > 500 && cnt[1].mid > 500);
}

static void test_add_s8_random(void)
{
    run_binary_random(0, 1, 0xADD08u, "add_s8");
}

static void test_add_s16_random(void)
{
    run_binary_random(1, 1, 0xADD16u, "add_s16");
}

static void test_mul_s8_random(void)
{
    run_binary_random(0, 0, 0x3A108u, "mul_s8");
}

static void test_mul_s16_random(void)
{
    run_binary_random(1, 0, 0x3A116u, "mul_s16");
}

static void binary_params(stoic_binary_q_params *p, int32_t outer, int32_t inner, int32_t stride,
                          int32_t lo, int32_t hi)
{
    memset(p, 0, sizeof *p);
    p->outer = outer;
    p->inner = inner;
    p->b_outer_stride = stride;
    p->act_min = lo;
    p->act_max = hi;
}

static void test_add_hand(void)
{
    stoic_binary_q_params p;
    int8_t a8[6] = {100, -100, 3, -3, 0, 127};
    int8_t b8[6] = {50, -50, 4, 0, -128, 127};
    int8_t o8[7];
    int16_t a16[4] = {30000, -32768, 1234, 0};
    int16_t b16[4] = {30000, -1, -234, 5};
    int16_t o16[5];
    /* Equal scales s_a = s_b = s_out, int8: a_mul = b_mul = 1/2, i.e.
     * (m, shift) = (2^30, 0); out_mul = 2 s / (2^20 s) = 2^-19 = 2^30 2^(-18-31),
     * i.e. (2^30, -18). Then x 2^20 -> SRDHM(x 2^20, 2^30) = x 2^19 exactly,
     * s = (x + y) 2^19, SRDHM(s, 2^30) = floor((x + y) 2^18 + 1/2) =
     * (x + y) 2^18, RDBPOT(., 18) = x + y: out = clamp(a + b). */
    binary_params(&p, 1, 6, 6, -128, 127);
    p.left_shift = 20;
    p.a_mul.m = P30;
    p.b_mul.m = P30;
    p.out_mul.m = P30;
    p.out_mul.shift = -18;
    o8[6] = 9;
    stoic_add_s8(&p, a8, b8, o8);
    CHECK_EQ("add8 100+50 -> 127", o8[0], 127);
    CHECK_EQ("add8 -100-50 -> -128", o8[1], -128);
    CHECK_EQ("add8 3+4", o8[2], 7);
    CHECK_EQ("add8 -3+0", o8[3], -3);
    CHECK_EQ("add8 0-128", o8[4], -128);
    CHECK_EQ("add8 127+127", o8[5], 127);
    CHECK_EQ("add8 no write past", o8[6], 9);
    /* zero points: a_offset 5 (zp_a = -5), b_offset -3, zp_out 10:
     * 3 + 5 + 4 - 3 + 10 = 19; relu-like clamp [10, 127] takes -3+5+0-3+10 = 9 to 10 */
    p.a_offset = 5;
    p.b_offset = -3;
    p.output_offset = 10;
    p.act_min = 10;
    stoic_add_s8(&p, a8, b8, o8);
    CHECK_EQ("add8 zp", o8[2], 19);
    CHECK_EQ("add8 zp relu", o8[3], 10);
    /* s_out = 2 s: out_mul = 2^-20 = (2^30, -19): (x + y) / 2 rounded, ties
     * away from zero (RDBPOT): 3 + 0 = 3 -> 1.5 -> 2; -3 + 0 -> -2 */
    p.a_offset = 0;
    p.b_offset = 0;
    p.output_offset = 0;
    p.act_min = -128;
    p.out_mul.shift = -19;
    b8[2] = 0;
    a8[3] = -3;
    stoic_add_s8(&p, a8, b8, o8);
    CHECK_EQ("add8 half tie +", o8[2], 2);
    CHECK_EQ("add8 half tie -", o8[3], -2);
    /* broadcast: outer 3, inner 2, b_outer_stride 0, b = (1, 2):
     * out[o][i] = a[o][i] + b[i] (equal scales, shift -18 as above) */
    p.out_mul.shift = -18;
    p.outer = 3;
    p.inner = 2;
    p.b_outer_stride = 0;
    {
        int8_t a[6] = {0, 0, 10, 20, -5, -6};
        int8_t b[2] = {1, 2};
        stoic_add_s8(&p, a, b, o8);
        CHECK_EQ("add8 bcast 0", o8[0], 1);
        CHECK_EQ("add8 bcast 1", o8[1], 2);
        CHECK_EQ("add8 bcast 2", o8[2], 11);
        CHECK_EQ("add8 bcast 3", o8[3], 22);
        CHECK_EQ("add8 bcast 4", o8[4], -4);
        CHECK_EQ("add8 bcast 5", o8[5], -4);
        CHECK_EQ("add8 bcast no write past", o8[6], 9);
    }
    /* int16, equal scales: left_shift 15, a_mul = b_mul = (2^30, 0),
     * out_mul = 2 / 2^15 = 2^-14 = (2^30, -13): x 2^15 / 2 = x 2^14,
     * SRDHM((x + y) 2^14, 2^30) = (x + y) 2^13, RDBPOT(., 13) = x + y */
    binary_params(&p, 1, 4, 4, -32768, 32767);
    p.left_shift = 15;
    p.a_mul.m = P30;
    p.b_mul.m = P30;
    p.out_mul.m = P30;
    p.out_mul.shift = -13;
    o16[4] = 9;
    stoic_add_s16(&p, a16, b16, o16);
    CHECK_EQ("add16 30000+30000 -> 32767", o16[0], 32767);
    CHECK_EQ("add16 -32768-1 -> -32768", o16[1], -32768);
    CHECK_EQ("add16 1234-234", o16[2], 1000);
    CHECK_EQ("add16 0+5", o16[3], 5);
    CHECK_EQ("add16 no write past", o16[4], 9);
}

static void test_mul_hand(void)
{
    stoic_binary_q_params p;
    int8_t a8[4] = {3, -3, 127, -128};
    int8_t b8[4] = {5, 5, 127, 127};
    int8_t o8[5];
    int16_t a16[4] = {32767, -32768, -32768, 181};
    int16_t b16[4] = {32767, -32768, 32767, 181};
    int16_t o16[5];
    int8_t all[256], one = 1;
    int k;
    /* out_mul = 1/2 = (2^30, 0): 15 / 2 = 7.5 -> SRDHM ties toward
     * +infinity: floor((15 2^30 + 2^30) / 2^31) = 8; -15 / 2 -> -7 */
    binary_params(&p, 1, 2, 2, -128, 127);
    p.out_mul.m = P30;
    o8[2] = 9;
    stoic_mul_s8(&p, a8, b8, o8);
    CHECK_EQ("mul8 3*5/2", o8[0], 8);
    CHECK_EQ("mul8 -3*5/2", o8[1], -7);
    CHECK_EQ("mul8 no write past", o8[2], 9);
    /* out_mul = 1/4 = (2^30, -1): SRDHM -> 8, RDBPOT(8, 1) = 4 (3.75 -> 4);
     * -15/4: SRDHM -> -7, RDBPOT(-7, 1) = -3.5 -> -4 (away from zero).
     * (Double rounding: the exact -3.75 would also give -4.) */
    p.out_mul.shift = -1;
    stoic_mul_s8(&p, a8, b8, o8);
    CHECK_EQ("mul8 3*5/4", o8[0], 4);
    CHECK_EQ("mul8 -3*5/4", o8[1], -4);
    /* saturation: offsets 128 (zp -128): 255 * 255 / 2 = 32512.5 -> 127;
     * a_offset -127: (-255) * 255 / 2 -> -128 */
    p.out_mul.shift = 0;
    p.inner = 1;
    p.a_offset = 128;
    p.b_offset = 128;
    stoic_mul_s8(&p, a8 + 2, b8 + 2, o8);
    CHECK_EQ("mul8 sat hi", o8[0], 127);
    p.a_offset = -127;
    stoic_mul_s8(&p, a8 + 3, b8 + 3, o8);
    CHECK_EQ("mul8 sat lo", o8[0], -128);
    /* identity: out_mul = 1 = (2^30, 1): SRDHM(2 x, 2^30) = floor(x + 1/2) = x;
     * b broadcast (outer 256, inner 1, stride 0) as the single value 1:
     * out = a for every int8 value */
    binary_params(&p, 256, 1, 0, -128, 127);
    p.out_mul.m = P30;
    p.out_mul.shift = 1;
    for (k = 0; k < 256; k++) {
        all[k] = (int8_t)(k - 128);
    }
    {
        int8_t o[257];
        o[256] = 9;
        stoic_mul_s8(&p, all, &one, o);
        CU_ASSERT_EQUAL(memcmp(o, all, 256), 0);
        CHECK_EQ("mul8 identity no write past", o[256], 9);
    }
    /* int16, out_mul = 2^-15 = (2^30, -14):
     *  32767^2 = 1073676289, / 2^15 = 32766.00003 -> 32766
     *  (-32768)^2 = 2^30, / 2^15 = 32768 -> 32767
     *  -32768 * 32767 / 2^15 = -32767 exactly
     *  181^2 = 32761, / 2^15 = 0.9998 -> 1 */
    binary_params(&p, 1, 4, 4, -32768, 32767);
    p.out_mul.m = P30;
    p.out_mul.shift = -14;
    o16[4] = 9;
    stoic_mul_s16(&p, a16, b16, o16);
    CHECK_EQ("mul16 max^2", o16[0], 32766);
    CHECK_EQ("mul16 min^2", o16[1], 32767);
    CHECK_EQ("mul16 min*max", o16[2], -32767);
    CHECK_EQ("mul16 181^2", o16[3], 1);
    CHECK_EQ("mul16 no write past", o16[4], 9);
}

UNIT_SUITE(kernel_q_elem)
{
    CU_pSuite s = CU_add_suite("integer element-wise kernels (recip, lut, softmax, add, mul)",
                               NULL, NULL);
    CU_add_test(s, "recip46 hand-derived", test_recip46_hand);
    CU_add_test(s, "recip46 sweeps (8.4e6 s) vs division", test_recip46_sweep);
    CU_add_test(s, "recip46 random (1e6) vs division", test_recip46_random);
    CU_add_test(s, "lut_s8 hand-derived", test_lut_s8_hand);
    CU_add_test(s, "lut_s8 random (2000 cases)", test_lut_s8_random);
    CU_add_test(s, "lut_s16 hand-derived", test_lut_s16_hand);
    CU_add_test(s, "lut_s16 random (2000 cases)", test_lut_s16_random);
    CU_add_test(s, "softmax_s8 hand-derived", test_softmax_s8_hand);
    CU_add_test(s, "softmax_s8 random (2000 cases)", test_softmax_s8_random);
    CU_add_test(s, "softmax_s16 hand-derived", test_softmax_s16_hand);
    CU_add_test(s, "softmax_s16 random (2000 cases)", test_softmax_s16_random);
    CU_add_test(s, "add_s8/add_s16 hand-derived", test_add_hand);
    CU_add_test(s, "add_s8 random (3000 cases)", test_add_s8_random);
    CU_add_test(s, "add_s16 random (3000 cases)", test_add_s16_random);
    CU_add_test(s, "mul_s8/mul_s16 hand-derived", test_mul_hand);
    CU_add_test(s, "mul_s8 random (3000 cases)", test_mul_s8_random);
    CU_add_test(s, "mul_s16 random (3000 cases)", test_mul_s16_random);
}

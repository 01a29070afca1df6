/*
 * Unit tests of the integer data-movement kernels and of the float
 * boundary:
 *   stoic_copy_s8, stoic_copy_s16, stoic_convert_s8_s16, stoic_convert_s16_s8
 *   (requantizing strided copy), stoic_pad_s8/_s16, stoic_transpose_s8/_s16,
 *   stoic_quantize_s8/_s16, stoic_dequantize_s8/_s16 (runtime/stoic_rt.h).
 *
 * Evidence:
 *  - hand-derived values, worked out in the comments next to them;
 *  - references written here, deliberately plain and in another form than
 *    the kernels: int64 arithmetic, plain ifs, the requantization of
 *    qtest.h (a loop of saturating doublings, floor division, rounding of
 *    the magnitude), pad and transpose on explicit multi-indices in the
 *    tensor's own rank (the kernels work on rank 4), quantize in double;
 *  - every kernel against its reference, bit for bit, on more than 1000
 *    random shapes and parameter sets (fixed seeds: every run checks the
 *    same cases), with counters asserting that the interesting regions
 *    (saturation at both clamp ends, identity copies, ties, NaN, ...) were
 *    actually reached.
 * Every kernel runs twice per case, on outputs pre-filled with two
 * different byte patterns and surrounded by guard bytes: an out-of-bounds
 * write breaks a guard, a missing write shows as the fill under one of the
 * two patterns, and a write into the gaps a strided copy must leave alone
 * shows as a change of the fill. Inputs are allocated to their exact size
 * (run under valgrind to catch out-of-bounds reads).
 */
/* REQ: REQ-ARITH-003 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <CUnit/CUnit.h>
#include "unit.h"
#include "qtest.h"
#include "stoic_rt_f32.h"

#define P30 1073741824           /* 2^30 */
#define GUARD 32                 /* guard bytes on each side of an output */
#define SENT 0xA5                /* guard byte value */
#define FILL_A 0x3C              /* pre-fill patterns: int8 60 / -61, */
#define FILL_B 0xC3              /* int16 15420 / -15421             */
#define MAX_REPORT 5             /* mismatches printed per test */

static uint32_t rng;

static int32_t rnd(int32_t lo, int32_t hi)
{
    return (int32_t)qt_range(&rng, lo, hi);
}

/* 1 with probability 1/n */
static int one_in(int32_t n)
{
    return rnd(1, n) == 1;
}

/* ===================================================================== */
/* buffers                                                               */
/* ===================================================================== */

/* element access of an int8 (is16 = 0) or int16 (is16 = 1) buffer */
static int64_t get_q(const void *buf, int is16, int64_t idx)
{
    if (is16) {
        return ((const int16_t *)buf)[idx];
    }
    return ((const int8_t *)buf)[idx];
}

static void set_q(void *buf, int is16, int64_t idx, int64_t v)
{
    if (is16) {
        ((int16_t *)buf)[idx] = (int16_t)v;
    } else {
        ((int8_t *)buf)[idx] = (int8_t)v;
    }
}

static int64_t q_min_of(int is16)
{
    return is16 ? INT16_MIN : INT8_MIN;
}

static int64_t q_max_of(int is16)
{
    return is16 ? INT16_MAX : INT8_MAX;
}

/* n random elements of the type, exactly n allocated; a quarter of the
 * values at or next to the type's limits */
static void *rand_q(int is16, int64_t n)
{
    size_t sz = is16 ? 2u : 1u;
    void *b = malloc((size_t)n * sz + (n == 0 ? 1u : 0u));
    int64_t i, lo = q_min_of(is16), hi = q_max_of(is16);
    for (i = 0; i < n; i++) {
        int64_t v;
        switch (rnd(0, 7)) {
        case 0: v = lo + rnd(0, 1); break;
        case 1: v = hi - rnd(0, 1); break;
        default: v = qt_range(&rng, lo, hi); break;
        }
        set_q(b, is16, i, v);
    }
    return b;
}

static unsigned char *out_new(size_t bytes, int fill)
{
    unsigned char *b = malloc(bytes + 2 * GUARD);
    memset(b, SENT, bytes + 2 * GUARD);
    memset(b + GUARD, fill, bytes);
    return b + GUARD;
}

static void out_free(unsigned char *p)
{
    free(p - GUARD);
}

static int guards_ok(const unsigned char *p, size_t bytes)
{
    size_t i;
    for (i = 0; i < GUARD; i++) {
        if (p[-1 - (long)i] != SENT || p[bytes + i] != SENT) {
            return 0;
        }
    }
    return 1;
}

/* A kernel (through a wrapper) or its reference: ctx holds the parameters. */
typedef void (*kern_fn)(const void *ctx, const void *in, void *out);

static int n_bad; /* mismatching cases of the current test */

/* Runs kernel and reference on outputs pre-filled with FILL_A, then
 * FILL_B; the reference writes into a buffer carrying the same fill, so
 * elements the kernel must not write are expected to keep it. Returns 1
 * when both runs match bit for bit and no guard byte changed. */
static int run_twice(const char *what, int case_no, kern_fn kern, kern_fn ref,
                     const void *ctx, const void *in, size_t out_bytes)
{
    static const int fills[2] = { FILL_A, FILL_B };
    int f, ok = 1;
    for (f = 0; f < 2; f++) {
        unsigned char *got = out_new(out_bytes, fills[f]);
        unsigned char *want = malloc(out_bytes + 1u);
        size_t i;
        memset(want, fills[f], out_bytes);
        ref(ctx, in, want);
        kern(ctx, in, got);
        if (!guards_ok(got, out_bytes)) {
            if (n_bad < MAX_REPORT) {
                printf("\n  %s case %d (fill %02x): write outside the output\n", what, case_no,
                       (unsigned)fills[f]);
            }
            ok = 0;
        }
        for (i = 0; i < out_bytes; i++) {
            if (got[i] != want[i]) {
                if (n_bad < MAX_REPORT) {
                    printf("\n  %s case %d (fill %02x): byte %lu is %02x, want %02x\n", what,
                           case_no, (unsigned)fills[f], (unsigned long)i, (unsigned)got[i],
                           (unsigned)want[i]);
                }
                ok = 0;
                break;
            }
        }
        out_free(got);
        free(want);
    }
    if (!ok) {
        n_bad++;
    }
    return ok;
}

/* ===================================================================== */
/* requantizing copy                                                     */
/* ===================================================================== */

typedef struct {
    stoic_copy_q_params p;
    int in16, out16;
} copy_ctx;

/* saturation and coverage counters of the reference (reset per test) */
static long n_sat_lo, n_sat_hi, n_inside;

/* Reference: every element in plain int64; qt_requantize is the requantize
 * of arithmetic.md written as saturating doublings, a floor division and a
 * rounding of the magnitude (qtest.h). */
static void ref_copy(const void *vctx, const void *in, void *out)
{
    const copy_ctx *c = vctx;
    const stoic_copy_q_params *p = &c->p;
    int64_t o, i;
    for (o = 0; o < p->outer; o++) {
        for (i = 0; i < p->in_inner; i++) {
            int64_t x = get_q(in, c->in16, o * p->in_inner + i) + p->input_offset;
            int64_t y = (int64_t)qt_requantize((int32_t)x, p->qmul.m, p->qmul.shift)
                        + p->output_offset;
            if (y < p->act_min) {
                n_sat_lo++;
            } else if (y > p->act_max) {
                n_sat_hi++;
            } else {
                n_inside++;
            }
            y = qt_clamp(y, p->act_min, p->act_max);
            set_q(out, c->out16, o * p->out_inner + p->out_offset + i, y);
        }
    }
}

static void k_copy_s8(const void *c, const void *in, void *out)
{
    stoic_copy_s8(&((const copy_ctx *)c)->p, in, out);
}

static void k_copy_s16(const void *c, const void *in, void *out)
{
    stoic_copy_s16(&((const copy_ctx *)c)->p, in, out);
}

static void k_convert_s8_s16(const void *c, const void *in, void *out)
{
    stoic_convert_s8_s16(&((const copy_ctx *)c)->p, in, out);
}

static void k_convert_s16_s8(const void *c, const void *in, void *out)
{
    stoic_convert_s16_s8(&((const copy_ctx *)c)->p, in, out);
}

/* (m, shift) of a positive real multiplier, as arithmetic.md: M = M0 2^shift,
 * M0 in [0.5, 1), m = round(M0 2^31), 2^31 -> 2^30 with shift + 1. */
static void multiplier_of(double mult, int32_t *m, int32_t *shift)
{
    int e;
    double f = frexp(mult, &e);
    int64_t q = (int64_t)floor(f * 2147483648.0 + 0.5);
    if (q == ((int64_t)1 << 31)) {
        q /= 2;
        e++;
    }
    *m = (int32_t)q;
    *shift = e;
}

/* scale of an int8 asymmetric tensor for a random real range, and its zp */
static double s8_scale(double *zp)
{
    double lo = -ldexp(1.0 + rnd(0, 999) / 1000.0, rnd(-6, 4));
    double hi = ldexp(1.0 + rnd(0, 999) / 1000.0, rnd(-6, 4));
    double scale, z;
    if (one_in(4)) {
        lo = 0.0; /* after a relu */
    }
    scale = (hi - lo) / 255.0;
    z = floor(-128.0 - lo / scale + 0.5);
    *zp = z < -128.0 ? -128.0 : (z > 127.0 ? 127.0 : z);
    return scale;
}

enum { M_IDENTITY, M_REALISTIC, M_SHIFT8, M_EXTREME, M_RANDOM, M_COUNT };

/* shift coverage (reset per test) */
static int seen_shift[63];

static void draw_copy(copy_ctx *c, int in16, int out16, int mode)
{
    stoic_copy_q_params *p = &c->p;
    int32_t omin = (int32_t)q_min_of(out16), omax = (int32_t)q_max_of(out16);
    int32_t zp_in = 0, zp_out = 0;
    c->in16 = in16;
    c->out16 = out16;
    p->outer = rnd(1, 6);
    p->in_inner = rnd(1, 24);
    p->out_inner = p->in_inner + (one_in(2) ? 0 : rnd(1, 9));
    p->out_offset = rnd(0, p->out_inner - p->in_inner);
    /* int8 sides: zero points anywhere in [-128, 127], a quarter at a limit;
     * int16 sides: zero point 0 (symmetric) */
    if (!in16) {
        zp_in = one_in(4) ? (one_in(2) ? -128 : 127) : rnd(-128, 127);
    }
    if (!out16) {
        zp_out = one_in(4) ? (one_in(2) ? -128 : 127) : rnd(-128, 127);
    }
    switch (mode) {
    case M_IDENTITY:
        p->qmul.m = P30;
        p->qmul.shift = 1;
        if (!in16 && !out16) {
            zp_out = zp_in; /* same tensor quantization: an exact copy */
        }
        break;
    case M_REALISTIC: {
        /* M = s_in / s_out from real scales: int8 asymmetric over a range,
         * int16 symmetric over a range up to 4x wider or narrower */
        double zp8, s_in, s_out, s8 = s8_scale(&zp8);
        double s16 = s8 * 255.0 / 65534.0 * ldexp(1.0 + rnd(0, 999) / 1000.0, rnd(-3, 1));
        s_in = in16 ? s16 : s8;
        s_out = out16 ? s16 : s8;
        if (in16 == out16) {
            s_out = s_in * ldexp(1.0 + rnd(0, 999) / 1000.0, rnd(-4, 3));
        }
        if (!out16) {
            zp_out = (int32_t)zp8;
        }
        multiplier_of(s_in / s_out, &p->qmul.m, &p->qmul.shift);
        break;
    }
    case M_SHIFT8:
        /* conversion-like ratios 2^-9 .. 2^8: shift -8 .. +8, both ends often */
        p->qmul.m = one_in(4) ? P30 : rnd(P30, INT32_MAX);
        p->qmul.shift = one_in(3) ? (one_in(2) ? -8 : 8) : rnd(-8, 8);
        break;
    case M_EXTREME: {
        static const int32_t ms[5] = { P30, P30 + 1, INT32_MAX - 1, INT32_MAX, 1518500250 };
        static const int32_t shs[10] = { -31, -30, -29, -16, -1, 0, 1, 16, 30, 31 };
        p->qmul.m = ms[rnd(0, 4)];
        p->qmul.shift = shs[rnd(0, 9)];
        break;
    }
    default:
        p->qmul.m = rnd(P30, INT32_MAX);
        p->qmul.shift = one_in(2) ? rnd(-31, 31) : rnd(-10, 10);
        break;
    }
    p->input_offset = -zp_in;
    p->output_offset = zp_out;
    switch (rnd(0, 4)) {
    case 0:
    case 1:
        p->act_min = omin; /* none */
        p->act_max = omax;
        break;
    case 2:
        p->act_min = zp_out; /* relu */
        p->act_max = omax;
        break;
    case 3: { /* narrow window around the zero point: both ends saturate */
        int32_t below = zp_out - rnd(0, 20), above = zp_out + rnd(0, 20);
        p->act_min = below < omin ? omin : below;
        p->act_max = above > omax ? omax : above;
        break;
    }
    default:
        p->act_min = rnd(omin, omax);
        p->act_max = rnd(p->act_min, omax);
        break;
    }
    if (mode == M_IDENTITY && (one_in(2) || (!in16 && !out16))) {
        p->act_min = omin;
        p->act_max = omax;
    }
    seen_shift[p->qmul.shift + 31] = 1;
}

#define N_COPY 2000

/* 2000 random cases (400 of each multiplier mode) of one copy kernel */
static void copy_random(const char *what, kern_fn kern, int in16, int out16, uint32_t seed)
{
    int c, n_identity_exact = 0;
    rng = seed;
    n_bad = 0;
    n_sat_lo = n_sat_hi = n_inside = 0;
    memset(seen_shift, 0, sizeof seen_shift);
    for (c = 0; c < N_COPY; c++) {
        copy_ctx x;
        int64_t n_in;
        void *in;
        draw_copy(&x, in16, out16, c % M_COUNT);
        n_in = (int64_t)x.p.outer * x.p.in_inner;
        in = rand_q(in16, n_in);
        run_twice(what, c, kern, ref_copy, &x, in,
                  (size_t)((int64_t)x.p.outer * x.p.out_inner * (out16 ? 2 : 1)));
        /* the identity multiplier copies exactly, independently of the
         * reference: out = in + input_offset + output_offset when that fits */
        if (c % M_COUNT == M_IDENTITY && x.p.act_min == q_min_of(out16) &&
            x.p.act_max == q_max_of(out16) && (in16 == out16 || !in16)) {
            size_t ob = (size_t)((int64_t)x.p.outer * x.p.out_inner * (out16 ? 2 : 1));
            unsigned char *got = out_new(ob, FILL_A);
            int64_t o, i;
            int ok = 1;
            kern(&x, in, got);
            for (o = 0; o < x.p.outer; o++) {
                for (i = 0; i < x.p.in_inner; i++) {
                    int64_t v = get_q(in, in16, o * x.p.in_inner + i) + x.p.input_offset +
                                x.p.output_offset;
                    if (get_q(got, out16, o * x.p.out_inner + x.p.out_offset + i) != v) {
                        ok = 0;
                    }
                }
            }
            CU_ASSERT(ok);
            n_identity_exact += ok;
            out_free(got);
        }
        free(in);
    }
    CU_ASSERT_EQUAL(n_bad, 0);
    /* the regions were reached: both clamp ends, unclamped outputs, identity */
    CU_ASSERT(n_sat_lo > 1000 && n_sat_hi > 1000 && n_inside > 10000);
    if (in16 == out16 || !in16) { /* int16 to int8: identity saturates, no exact copy */
        CU_ASSERT(n_identity_exact > 100);
    }
    CU_ASSERT(seen_shift[0] && seen_shift[62] && seen_shift[31 - 8] && seen_shift[31 + 8] &&
              seen_shift[31 + 1] && seen_shift[31]);
    if (n_bad != 0 || !(n_sat_lo > 1000 && n_sat_hi > 1000 && n_inside > 10000)) {
        printf("\n  %s: %d bad cases; below %ld, above %ld, inside %ld, identity %d\n", what,
               n_bad, n_sat_lo, n_sat_hi, n_inside, n_identity_exact);
    }
}

static void test_copy_s8_random(void)
{
    copy_random("copy_s8", k_copy_s8, 0, 0, 1101u);
}

static void test_copy_s16_random(void)
{
    copy_random("copy_s16", k_copy_s16, 1, 1, 1102u);
}

static void test_convert_s8_s16_random(void)
{
    copy_random("convert_s8_s16", k_convert_s8_s16, 0, 1, 1103u);
}

static void test_convert_s16_s8_random(void)
{
    copy_random("convert_s16_s8", k_convert_s16_s8, 1, 0, 1104u);
}

#define CHECK_EQ(what, got, want) do { \
        long got_ = (long)(got), want_ = (long)(want); \
        if (got_ != want_) { \
            printf("\n  %s: got %ld, want %ld\n", what, got_, want_); \
        } \
        CU_ASSERT_EQUAL(got_, want_); \
    } while (0)

static void test_copy_hand(void)
{
    /* copy_s8 of two rows of 3 into rows of 5 at offset 1 (a concat input),
     * M = 0.25 (m = 2^30, shift = -1), zp_in = 2 (input_offset -2),
     * zp_out = -1, clamp [-128, 127]:
     *   in  8 -> x =  6: SRDHM(6, 2^30) = floor((6 + 1) / 2) = 3,
     *                    RDBPOT(3, 1) = 1.5 -> 2 (tie away);   2 - 1 = 1
     *   in -4 -> x = -6: SRDHM = floor((-6 + 1) / 2) = -3,
     *                    RDBPOT(-3, 1) = -1.5 -> -2;          -2 - 1 = -3
     *     (the real value -6 * 0.25 = -1.5; the double rounding gives -2)
     *   in 2  -> x = 0 -> 0 - 1 = -1
     *   in 127 -> x = 125: SRDHM = floor(126 / 2) = 63, RDBPOT(63, 1) = 31.5
     *                    -> 32; 32 - 1 = 31
     *   in -128 -> x = -130: SRDHM = floor(-129 / 2) = -65, RDBPOT = -32.5
     *                    -> -33; -34
     *   in 5 -> x = 3: SRDHM = floor(4 / 2) = 2, RDBPOT(2, 1) = 1; 0
     * Columns 0, 4 of each row are not written (keep 99). */
    static const int8_t in8[6] = { 8, -4, 2, 127, -128, 5 };
    static const int8_t want8[10] = { 99, 1, -3, -1, 99, 99, 31, -34, 0, 99 };
    int8_t out8[10];
    /* convert_s16_s8, M = 2^-8 (m = 2^30, shift = -7), zp_out = 0:
     * SRDHM(x, 2^30) = floor((x + 1) / 2), then RDBPOT(., 7):
     *   32767 -> 16384 -> 128 -> clamp 127;  -32768 -> floor(-32767/2) =
     *   -16384 -> -128;  384 -> 192 -> 1.5 -> 2;  -384 -> floor(-383/2) = -192
     *   -> -2;  383 -> floor(384/2) = 192 -> 2 (383/256 = 1.496: the double
     *   rounding of the contract gives 2, not 1);  127 -> 64 -> 0.5 -> 1 */
    static const int16_t in16[6] = { 32767, -32768, 384, -384, 383, 127 };
    static const int8_t want16to8[6] = { 127, -128, 2, -2, 2, 1 };
    int8_t out16to8[6];
    /* convert_s8_s16, M = 256 (m = 2^30, shift = 9), zp_in = -128
     * (input_offset 128): x = in + 128;
     *   x * 2^9 then SRDHM(., 2^30) = x * 2^8 exactly:
     *   -128 -> 0;  127 -> 255 * 256 = 65280 -> clamp 32767;  0 -> 32768
     *   -> 32767;  -1 -> 127 * 256 = 32512;  -100 -> 28 * 256 = 7168 */
    static const int8_t in8b[5] = { -128, 127, 0, -1, -100 };
    static const int16_t want8to16[5] = { 0, 32767, 32767, 32512, 7168 };
    int16_t out8to16[5];
    /* copy_s16, identity multiplier, clamp [-1000, 1000] */
    static const int16_t in16b[4] = { -32768, 32767, 999, -1001 };
    static const int16_t want16[4] = { -1000, 1000, 999, -1000 };
    int16_t out16[4];
    stoic_copy_q_params p = { 2, 3, 5, 1, -2, -1, { P30, -1 }, -128, 127 };
    int k;

    memset(out8, 99, sizeof out8);
    stoic_copy_s8(&p, in8, out8);
    for (k = 0; k < 10; k++) {
        CHECK_EQ("copy_s8 hand", out8[k], want8[k]);
    }
    p = (stoic_copy_q_params){ 1, 6, 6, 0, 0, 0, { P30, -7 }, -128, 127 };
    stoic_convert_s16_s8(&p, in16, out16to8);
    for (k = 0; k < 6; k++) {
        CHECK_EQ("convert_s16_s8 hand", out16to8[k], want16to8[k]);
    }
    p = (stoic_copy_q_params){ 1, 5, 5, 0, 128, 0, { P30, 9 }, -32768, 32767 };
    stoic_convert_s8_s16(&p, in8b, out8to16);
    for (k = 0; k < 5; k++) {
        CHECK_EQ("convert_s8_s16 hand", out8to16[k], want8to16[k]);
    }
    p = (stoic_copy_q_params){ 1, 4, 4, 0, 0, 0, { P30, 1 }, -1000, 1000 };
    stoic_copy_s16(&p, in16b, out16);
    for (k = 0; k < 4; k++) {
        CHECK_EQ("copy_s16 hand", out16[k], want16[k]);
    }
}

/* ===================================================================== */
/* pad                                                                   */
/* ===================================================================== */

typedef struct {
    stoic_pad_q_params p;
    int is16;
    int rank;                   /* the tensor's own rank, 1..4 */
    int32_t dim[4], bef[4], aft[4]; /* in that rank */
} pad_ctx;

static long n_pad_value, n_pad_copied;

/* Reference in the tensor's own rank: decompose each output index into a
 * multi-index, subtract the pads, and read the input when every index is
 * inside. */
static void ref_pad(const void *vctx, const void *in, void *out)
{
    const pad_ctx *c = vctx;
    int32_t odim[4];
    int64_t n_out = 1, idx;
    int k;
    for (k = 0; k < c->rank; k++) {
        odim[k] = c->dim[k] + c->bef[k] + c->aft[k];
        n_out *= odim[k];
    }
    for (idx = 0; idx < n_out; idx++) {
        int64_t rem = idx, src = 0;
        int32_t oi[4];
        int inside = 1;
        for (k = c->rank - 1; k >= 0; k--) {
            oi[k] = (int32_t)(rem % odim[k]);
            rem /= odim[k];
        }
        for (k = 0; k < c->rank; k++) {
            int32_t ii = oi[k] - c->bef[k];
            if (ii < 0 || ii >= c->dim[k]) {
                inside = 0;
            }
            src = src * c->dim[k] + ii;
        }
        if (inside) {
            set_q(out, c->is16, idx, get_q(in, c->is16, src));
            n_pad_copied++;
        } else {
            set_q(out, c->is16, idx, c->p.value);
            n_pad_value++;
        }
    }
}

static void k_pad_s8(const void *c, const void *in, void *out)
{
    stoic_pad_s8(&((const pad_ctx *)c)->p, in, out);
}

static void k_pad_s16(const void *c, const void *in, void *out)
{
    stoic_pad_s16(&((const pad_ctx *)c)->p, in, out);
}

/* the kernel's parameters: dims right-aligned into rank 4 */
static void pad_fill_params(pad_ctx *c)
{
    int k;
    for (k = 0; k < 4; k++) {
        int src = k - (4 - c->rank);
        c->p.in_dim[k] = src >= 0 ? c->dim[src] : 1;
        c->p.before[k] = src >= 0 ? c->bef[src] : 0;
        c->p.out_dim[k] = src >= 0 ? c->dim[src] + c->bef[src] + c->aft[src] : 1;
    }
}

static int pad_case(const char *what, int case_no, kern_fn kern, pad_ctx *c)
{
    int64_t n_in = 1, n_out = 1;
    int k, ok;
    void *in;
    for (k = 0; k < 4; k++) {
        n_in *= c->p.in_dim[k];
        n_out *= c->p.out_dim[k];
    }
    in = rand_q(c->is16, n_in);
    ok = run_twice(what, case_no, kern, ref_pad, c, in, (size_t)n_out * (c->is16 ? 2u : 1u));
    free(in);
    return ok;
}

static int32_t rand_pad_value(int is16)
{
    int64_t lo = q_min_of(is16), hi = q_max_of(is16);
    switch (rnd(0, 3)) {
    case 0: return (int32_t)lo;
    case 1: return (int32_t)hi;
    default: return (int32_t)qt_range(&rng, lo, hi);
    }
}

#define N_PAD 1500

static void pad_random(const char *what, kern_fn kern, int is16, uint32_t seed)
{
    int c = 0, rank, axis, rep, n_crop = 0;
    rng = seed;
    n_bad = 0;
    n_pad_value = n_pad_copied = 0;
    /* every axis of every rank 1..4 padded alone, before only, after only,
     * and both, on random dims (10 axes * 3 kinds * 5 repeats = 150) */
    for (rep = 0; rep < 5; rep++) {
        for (rank = 1; rank <= 4; rank++) {
            for (axis = 0; axis < rank; axis++) {
                int kind;
                for (kind = 0; kind < 3; kind++) {
                    pad_ctx x;
                    int k;
                    memset(&x, 0, sizeof x);
                    x.is16 = is16;
                    x.rank = rank;
                    for (k = 0; k < rank; k++) {
                        x.dim[k] = rnd(1, 5);
                    }
                    x.bef[axis] = kind == 1 ? 0 : rnd(1, 3);
                    x.aft[axis] = kind == 0 ? 0 : rnd(1, 3);
                    x.p.value = rand_pad_value(is16);
                    pad_fill_params(&x);
                    pad_case(what, c++, kern, &x);
                }
            }
        }
    }
    /* random pads on every axis at once, crops (negative pads) included */
    while (c < N_PAD) {
        pad_ctx x;
        int k;
        memset(&x, 0, sizeof x);
        x.is16 = is16;
        x.rank = rnd(1, 4);
        for (k = 0; k < x.rank; k++) {
            x.dim[k] = rnd(1, 6);
            do {
                x.bef[k] = one_in(5) ? rnd(-2, 0) : rnd(0, 3);
                x.aft[k] = one_in(5) ? rnd(-2, 0) : rnd(0, 3);
            } while (x.dim[k] + x.bef[k] + x.aft[k] < 1);
            n_crop += (x.bef[k] < 0 || x.aft[k] < 0);
        }
        x.p.value = rand_pad_value(is16);
        pad_fill_params(&x);
        pad_case(what, c++, kern, &x);
    }
    CU_ASSERT_EQUAL(n_bad, 0);
    CU_ASSERT(n_pad_value > 10000 && n_pad_copied > 10000 && n_crop > 100);
    if (n_bad != 0) {
        printf("\n  %s: %d bad cases of %d\n", what, n_bad, c);
    }
}

static void test_pad_s8_random(void)
{
    pad_random("pad_s8", k_pad_s8, 0, 1201u);
}

static void test_pad_s16_random(void)
{
    pad_random("pad_s16", k_pad_s16, 1, 1202u);
}

static void test_pad_hand(void)
{
    /* in [2][2] = 1 2 / 3 4, before (1, 0), after (0, 1), value -5:
     * out [3][3] = -5 -5 -5 / 1 2 -5 / 3 4 -5 */
    static const int8_t in8[4] = { 1, 2, 3, 4 };
    static const int8_t want8[9] = { -5, -5, -5, 1, 2, -5, 3, 4, -5 };
    /* int16 rank 1: [3] = 300 -300 7, before 2, after -1 (crops the last):
     * out [4] = v v 300 -300, v = -32768 */
    static const int16_t in16[3] = { 300, -300, 7 };
    static const int16_t want16[4] = { -32768, -32768, 300, -300 };
    int8_t out8[9];
    int16_t out16[4];
    stoic_pad_q_params p = { { 1, 1, 2, 2 }, { 1, 1, 3, 3 }, { 0, 0, 1, 0 }, -5 };
    stoic_pad_q_params q = { { 1, 1, 1, 3 }, { 1, 1, 1, 4 }, { 0, 0, 0, 2 }, -32768 };
    int k;
    stoic_pad_s8(&p, in8, out8);
    for (k = 0; k < 9; k++) {
        CHECK_EQ("pad_s8 hand", out8[k], want8[k]);
    }
    stoic_pad_s16(&q, in16, out16);
    for (k = 0; k < 4; k++) {
        CHECK_EQ("pad_s16 hand", out16[k], want16[k]);
    }
}

/* ===================================================================== */
/* transpose                                                             */
/* ===================================================================== */

typedef struct {
    stoic_transpose_q_params p;
    int is16;
    int rank;
    int32_t dim[4];   /* input dims */
    int perm[4];      /* output axis k is input axis perm[k] */
} tr_ctx;

/* Reference: output element idx -> its multi-index in the output dims ->
 * the input multi-index (iidx[perm[k]] = oidx[k]) -> row-major offset. */
static void ref_transpose(const void *vctx, const void *in, void *out)
{
    const tr_ctx *c = vctx;
    int64_t n = 1, idx;
    int32_t odim[4];
    int k;
    for (k = 0; k < c->rank; k++) {
        odim[k] = c->dim[c->perm[k]];
        n *= c->dim[k];
    }
    for (idx = 0; idx < n; idx++) {
        int32_t oidx[4], iidx[4];
        int64_t rem = idx, src = 0;
        for (k = c->rank - 1; k >= 0; k--) {
            oidx[k] = (int32_t)(rem % odim[k]);
            rem /= odim[k];
        }
        for (k = 0; k < c->rank; k++) {
            iidx[c->perm[k]] = oidx[k];
        }
        for (k = 0; k < c->rank; k++) {
            src = src * c->dim[k] + iidx[k];
        }
        set_q(out, c->is16, idx, get_q(in, c->is16, src));
    }
}

static void k_transpose_s8(const void *c, const void *in, void *out)
{
    stoic_transpose_s8(&((const tr_ctx *)c)->p, in, out);
}

static void k_transpose_s16(const void *c, const void *in, void *out)
{
    stoic_transpose_s16(&((const tr_ctx *)c)->p, in, out);
}

/* the kernel's parameters, as the generator computes them: strides of the
 * row-major input, permuted, right-aligned into rank 4 */
static void tr_fill_params(tr_ctx *c)
{
    int32_t stride[4];
    int k;
    stride[c->rank - 1] = 1;
    for (k = c->rank - 2; k >= 0; k--) {
        stride[k] = stride[k + 1] * c->dim[k + 1];
    }
    for (k = 0; k < 4; k++) {
        int src = k - (4 - c->rank);
        c->p.out_dim[k] = src >= 0 ? c->dim[c->perm[src]] : 1;
        c->p.in_stride[k] = src >= 0 ? stride[c->perm[src]] : 0;
    }
}

/* the next permutation in lexicographic order; 0 after the last */
static int next_perm(int *a, int n)
{
    int i = n - 2, j, t;
    while (i >= 0 && a[i] >= a[i + 1]) {
        i--;
    }
    if (i < 0) {
        return 0;
    }
    j = n - 1;
    while (a[j] <= a[i]) {
        j--;
    }
    t = a[i];
    a[i] = a[j];
    a[j] = t;
    for (i = i + 1, j = n - 1; i < j; i++, j--) {
        t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
    return 1;
}

#define TR_REPEATS 40 /* 40 * (1 + 2 + 6 + 24) = 1320 cases */

static void transpose_random(const char *what, kern_fn kern, int is16, uint32_t seed)
{
    int c = 0, rep, rank, n_perm4 = 0;
    rng = seed;
    n_bad = 0;
    for (rep = 0; rep < TR_REPEATS; rep++) {
        for (rank = 1; rank <= 4; rank++) {
            int perm[4] = { 0, 1, 2, 3 };
            do {
                tr_ctx x;
                int64_t n = 1;
                int k;
                void *in;
                memset(&x, 0, sizeof x);
                x.is16 = is16;
                x.rank = rank;
                for (k = 0; k < rank; k++) {
                    x.dim[k] = rnd(1, rank == 4 ? 5 : 7);
                    x.perm[k] = perm[k];
                    n *= x.dim[k];
                }
                n_perm4 += (rank == 4);
                tr_fill_params(&x);
                in = rand_q(is16, n);
                run_twice(what, c++, kern, ref_transpose, &x, in,
                          (size_t)n * (is16 ? 2u : 1u));
                free(in);
            } while (next_perm(perm, rank));
        }
    }
    CU_ASSERT_EQUAL(c, TR_REPEATS * 33);
    CU_ASSERT_EQUAL(n_perm4, TR_REPEATS * 24);
    CU_ASSERT_EQUAL(n_bad, 0);
    if (n_bad != 0) {
        printf("\n  %s: %d bad cases of %d\n", what, n_bad, c);
    }
}

static void test_transpose_s8_random(void)
{
    transpose_random("transpose_s8", k_transpose_s8, 0, 1301u);
}

static void test_transpose_s16_random(void)
{
    transpose_random("transpose_s16", k_transpose_s16, 1, 1302u);
}

static void test_transpose_hand(void)
{
    /* in [2][3] = 0 1 2 / 3 4 5, perm (1 0): out [3][2] = 0 3 / 1 4 / 2 5 */
    static const int8_t in8[6] = { 0, 1, 2, 3, 4, 5 };
    static const int8_t want8[6] = { 0, 3, 1, 4, 2, 5 };
    /* in [2][1][2] = a b / c d (a=-32768, b=1, c=2, d=32767), perm (2 0 1):
     * out [2][2][1]: out[k][i][0] = in[i][0][k] = a c / b d */
    static const int16_t in16[4] = { -32768, 1, 2, 32767 };
    static const int16_t want16[4] = { -32768, 2, 1, 32767 };
    int8_t out8[6];
    int16_t out16[4];
    stoic_transpose_q_params p = { { 1, 1, 3, 2 }, { 0, 0, 1, 3 }, 0 };
    /* input strides of [2][1][2]: 2, 2, 1; output axes take input axes 2, 0, 1 */
    stoic_transpose_q_params q = { { 1, 2, 2, 1 }, { 0, 1, 2, 2 }, 0 };
    int k;
    stoic_transpose_s8(&p, in8, out8);
    for (k = 0; k < 6; k++) {
        CHECK_EQ("transpose_s8 hand", out8[k], want8[k]);
    }
    stoic_transpose_s16(&q, in16, out16);
    for (k = 0; k < 4; k++) {
        CHECK_EQ("transpose_s16 hand", out16[k], want16[k]);
    }
}

/* ===================================================================== */
/* slice with steps: the transpose kernel as a strided gather            */
/* ===================================================================== */

typedef struct {
    stoic_transpose_q_params p;
    int is16;
    int rank;
    int32_t dim[4];   /* input dims */
    int32_t lo[4], hi[4], step[4]; /* the kept range of each axis and its step */
    int32_t odim[4];
} sl_ctx;

/* Reference: output multi-index o -> input index lo + o * step (step > 0)
 * or hi - 1 + o * step (step < 0) on each axis -> row-major offset. */
static void ref_slice(const void *vctx, const void *in, void *out)
{
    const sl_ctx *c = vctx;
    int64_t n = 1, idx;
    int k;
    for (k = 0; k < c->rank; k++) {
        n *= c->odim[k];
    }
    for (idx = 0; idx < n; idx++) {
        int64_t rem = idx, src = 0;
        int32_t oidx[4];
        for (k = c->rank - 1; k >= 0; k--) {
            oidx[k] = (int32_t)(rem % c->odim[k]);
            rem /= c->odim[k];
        }
        for (k = 0; k < c->rank; k++) {
            int32_t i = c->step[k] > 0 ? c->lo[k] + oidx[k] * c->step[k]
                                       : c->hi[k] - 1 + oidx[k] * c->step[k];
            src = src * c->dim[k] + i;
        }
        set_q(out, c->is16, idx, get_q(in, c->is16, src));
    }
}

static void k_slice_s8(const void *c, const void *in, void *out)
{
    stoic_transpose_s8(&((const sl_ctx *)c)->p, in, out);
}

static void k_slice_s16(const void *c, const void *in, void *out)
{
    stoic_transpose_s16(&((const sl_ctx *)c)->p, in, out);
}

#define SL_CASES 600

static void slice_random(const char *what, kern_fn kern, int is16, uint32_t seed)
{
    int c;
    rng = seed;
    n_bad = 0;
    for (c = 0; c < SL_CASES; c++) {
        sl_ctx x;
        int32_t stride[4];
        int64_t n = 1, no = 1;
        int k;
        void *in;
        memset(&x, 0, sizeof x);
        x.is16 = is16;
        x.rank = rnd(1, 4);
        for (k = 0; k < x.rank; k++) {
            int32_t len, st;
            x.dim[k] = rnd(1, 9);
            x.lo[k] = rnd(0, x.dim[k] - 1);
            x.hi[k] = rnd(x.lo[k] + 1, x.dim[k]);
            st = rnd(1, 4);
            x.step[k] = rnd(0, 1) != 0 ? st : -st;
            len = x.hi[k] - x.lo[k];
            x.odim[k] = (len + st - 1) / st;
            n *= x.dim[k];
            no *= x.odim[k];
        }
        /* the parameters as the generator computes them (lower_strided) */
        stride[x.rank - 1] = 1;
        for (k = x.rank - 2; k >= 0; k--) {
            stride[k] = stride[k + 1] * x.dim[k + 1];
        }
        for (k = 0; k < x.rank; k++) {
            x.p.in_offset += (x.step[k] > 0 ? x.lo[k] : x.hi[k] - 1) * stride[k];
        }
        for (k = 0; k < 4; k++) {
            int src = k - (4 - x.rank);
            x.p.out_dim[k] = src >= 0 ? x.odim[src] : 1;
            x.p.in_stride[k] = src >= 0 ? stride[src] * x.step[src] : 0;
        }
        in = rand_q(is16, n);
        run_twice(what, c, kern, ref_slice, &x, in, (size_t)no * (is16 ? 2u : 1u));
        free(in);
    }
    CU_ASSERT_EQUAL(n_bad, 0);
    if (n_bad != 0) {
        printf("\n  %s: %d bad cases of %d\n", what, n_bad, c);
    }
}

static void test_slice_s8_random(void)
{
    slice_random("slice_s8", k_slice_s8, 0, 1311u);
}

static void test_slice_s16_random(void)
{
    slice_random("slice_s16", k_slice_s16, 1, 1312u);
}

static void test_slice_hand(void)
{
    /* in [2][5] = 0..9; axis 0 [0, 2) step -1 (rows 1, 0), axis 1 [0, 5)
     * step -2 (columns 4, 2, 0): out [2][3] = 9 7 5 / 4 2 0. in_offset:
     * row 1, column 4 = 9; strides -5 and -2 */
    static const int8_t in8[10] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 };
    static const int8_t want8[6] = { 9, 7, 5, 4, 2, 0 };
    stoic_transpose_q_params p = { { 1, 1, 2, 3 }, { 0, 0, -5, -2 }, 9 };
    int8_t out8[6];
    int k;
    stoic_transpose_s8(&p, in8, out8);
    for (k = 0; k < 6; k++) {
        CHECK_EQ("slice_s8 hand", out8[k], want8[k]);
    }
}

/* ===================================================================== */
/* quantize                                                              */
/* ===================================================================== */

typedef struct {
    stoic_quantize_params p;
    int is16;
} qz_ctx;

static long n_qz_nan, n_qz_inf, n_qz_tie, n_qz_near_tie, n_qz_sat_lo, n_qz_sat_hi,
    n_qz_denorm, n_qz_inside;

static float f32_of_bits(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* Reference of one element, in double.
 * t: the float32 product in[i] * inv_scale, rounded once. (double)x *
 * (double)inv is exact (two 24-bit significands give at most 48 bits, and
 * the exponents of two floats, denormals included, stay within double's
 * normal range), so converting it to float rounds the exact product once,
 * to nearest even, overflowing to +-inf: exactly the float32 multiply.
 * Rounding: for |t| < 2^30, |t| + 0.5 is exact in double (t has 24
 * significant bits; for |t| >= 2^-29 the sum needs at most 53; below that
 * the sum stays in [0.5, 1) whatever its rounding), so floor(|t| + 0.5)
 * is |t| rounded half up and the sign put back gives ties away from zero.
 * Outside (-2^30, 2^30) (inf included) the result saturates anyway. */
static int64_t ref_quantize_one(float x, const stoic_quantize_params *p)
{
    double t = (double)(float)((double)x * (double)p->inv_scale);
    double r;
    int64_t q;
    if (isnan(t)) {
        n_qz_nan++;
        return p->zero_point;
    }
    if (isinf(t)) {
        n_qz_inf++;
    }
    if (fpclassify(x) == FP_SUBNORMAL) {
        n_qz_denorm++;
    }
    if (t >= 1073741824.0) {
        q = INT32_MAX;
    } else if (t <= -1073741824.0) {
        q = INT32_MIN;
    } else {
        r = floor(fabs(t) + 0.5);
        if (fabs(t) - floor(fabs(t)) == 0.5) {
            n_qz_tie++;
        } else if (fabs(fabs(t) - floor(fabs(t)) - 0.5) < 1e-3 && fabs(t) > 0.25) {
            n_qz_near_tie++;
        }
        q = (int64_t)(t < 0.0 ? -r : r) + p->zero_point;
    }
    if (q < p->q_min) {
        n_qz_sat_lo++;
        q = p->q_min;
    } else if (q > p->q_max) {
        n_qz_sat_hi++;
        q = p->q_max;
    } else {
        n_qz_inside++;
    }
    return q;
}

static void ref_quantize(const void *vctx, const void *in, void *out)
{
    const qz_ctx *c = vctx;
    int32_t i;
    for (i = 0; i < c->p.n; i++) {
        set_q(out, c->is16, i, ref_quantize_one(((const float *)in)[i], &c->p));
    }
}

static void k_quantize_s8(const void *c, const void *in, void *out)
{
    stoic_quantize_s8(&((const qz_ctx *)c)->p, in, out);
}

static void k_quantize_s16(const void *c, const void *in, void *out)
{
    stoic_quantize_s16(&((const qz_ctx *)c)->p, in, out);
}

/* One input value for the parameters: special values, exact ties and
 * their float neighbours, values in and around the representable range. */
static float quantize_input(const stoic_quantize_params *p)
{
    double scale = 1.0 / (double)p->inv_scale;
    int32_t k;
    float x, tie;
    switch (rnd(0, 15)) {
    case 0: { /* NaN: quiet and signalling, either sign, random payloads */
        uint32_t payload = (uint32_t)rnd(1, 0x7FFFFF);
        return f32_of_bits((one_in(2) ? 0xFF800000u : 0x7F800000u) | payload);
    }
    case 1: return one_in(2) ? f32_of_bits(0x7F800000u) : f32_of_bits(0xFF800000u);
    case 2: return one_in(2) ? FLT_MAX : -FLT_MAX;
    case 3: /* denormals, the smallest normals, signed zeros */
        switch (rnd(0, 3)) {
        case 0: x = f32_of_bits((uint32_t)rnd(1, 0x7FFFFF)); break;
        case 1: x = f32_of_bits(1u); break;
        case 2: x = FLT_MIN; break;
        default: x = 0.0F; break;
        }
        return one_in(2) ? -x : x;
    case 4:
    case 5:
    case 6:
    case 7: /* t = k + 0.5 exactly when inv_scale is a power of two; the
             * float nearest to it otherwise */
        k = rnd(p->q_min - p->zero_point - 2, p->q_max - p->zero_point + 1);
        tie = (float)(((double)k + 0.5) * scale);
        switch (rnd(0, 2)) {
        case 0: return tie;
        case 1: return nextafterf(tie, FLT_MAX);   /* just above */
        default: return nextafterf(tie, -FLT_MAX); /* just below */
        }
    case 8: /* huge, random exponent: overflow of t included */
        return (float)ldexp(one_in(2) ? 1.5 : -1.25, rnd(10, 127));
    default: /* uniform over the range and a little beyond */
        return (float)((double)rnd(-1000000, 1000000) / 1000000.0 *
                       (double)(p->q_max - p->q_min + 40) * 0.5 * scale +
                       (double)(((p->q_max + p->q_min) / 2) - p->zero_point) * scale);
    }
}

static void draw_quantize(qz_ctx *c, int is16)
{
    stoic_quantize_params *p = &c->p;
    int32_t tmin = (int32_t)q_min_of(is16), tmax = (int32_t)q_max_of(is16);
    double zp8, scale;
    c->is16 = is16;
    p->n = rnd(1, 64);
    p->q_min = tmin;
    p->q_max = tmax;
    if (one_in(5)) { /* narrower saturation range (e.g. [-127, 127]) */
        p->q_min = rnd(tmin, tmin + 20);
        p->q_max = rnd(tmax - 20, tmax);
    }
    switch (rnd(0, 3)) {
    case 0: /* power-of-two scale: exact ties */
        scale = ldexp(1.0, rnd(-20, 10));
        break;
    case 1: /* extreme scales: t overflows or underflows */
        scale = ldexp(1.0 + rnd(0, 999) / 1000.0, one_in(2) ? rnd(-126, -100) : rnd(100, 126));
        break;
    default:
        scale = is16 ? ldexp(1.0 + rnd(0, 999) / 1000.0, rnd(-12, 6)) / 32767.0 : s8_scale(&zp8);
        break;
    }
    p->inv_scale = (float)(1.0 / scale);
    if (is16) {
        p->zero_point = one_in(4) ? rnd(p->q_min, p->q_max) : 0;
    } else {
        p->zero_point = one_in(4) ? (one_in(2) ? p->q_min : p->q_max) : rnd(p->q_min, p->q_max);
    }
}

#define N_QZ 1500

static void quantize_random(const char *what, kern_fn kern, int is16, uint32_t seed)
{
    int c;
    rng = seed;
    n_bad = 0;
    n_qz_nan = n_qz_inf = n_qz_tie = n_qz_near_tie = n_qz_sat_lo = n_qz_sat_hi = 0;
    n_qz_denorm = n_qz_inside = 0;
    for (c = 0; c < N_QZ; c++) {
        qz_ctx x;
        float *in;
        int32_t i;
        draw_quantize(&x, is16);
        in = malloc(sizeof(float) * (size_t)x.p.n);
        for (i = 0; i < x.p.n; i++) {
            in[i] = quantize_input(&x.p);
        }
        run_twice(what, c, kern, ref_quantize, &x, in, (size_t)x.p.n * (is16 ? 2u : 1u));
        free(in);
    }
    CU_ASSERT_EQUAL(n_bad, 0);
    /* counts are doubled: the reference runs once per fill */
    CU_ASSERT(n_qz_nan > 500 && n_qz_inf > 500 && n_qz_tie > 1000 && n_qz_near_tie > 1000 &&
              n_qz_sat_lo > 1000 && n_qz_sat_hi > 1000 && n_qz_denorm > 100 &&
              n_qz_inside > 10000);
    if (n_bad != 0 || n_qz_tie <= 1000) {
        printf("\n  %s: %d bad; nan %ld inf %ld tie %ld near %ld lo %ld hi %ld den %ld in %ld\n",
               what, n_bad, n_qz_nan, n_qz_inf, n_qz_tie, n_qz_near_tie, n_qz_sat_lo,
               n_qz_sat_hi, n_qz_denorm, n_qz_inside);
    }
}

static void test_quantize_s8_random(void)
{
    quantize_random("quantize_s8", k_quantize_s8, 0, 1401u);
}

static void test_quantize_s16_random(void)
{
    quantize_random("quantize_s16", k_quantize_s16, 1, 1402u);
}

static void test_quantize_hand(void)
{
    /* inv_scale 1, zero point 0 (t = x):
     *   0.5 -> 1, -0.5 -> -1, 1.5 -> 2, 2.5 -> 3, -2.5 -> -3 (ties away, not
     *   to even); 0.49999997 (0.5 - 2^-25) -> 0 (adding 0.5 in float would
     *   round up to 1.0 and give 1); 0.50000006 -> 1; 126.5 -> 127;
     *   127.5 -> 128 -> saturates 127; -128.5 -> -129 -> -128; -0.0 -> 0;
     *   NaN -> 0; +inf -> 127; -inf -> -128; FLT_MAX -> 127; denormal -> 0;
     *   -1.4999999 -> -1 */
    const float in[17] = { 0.5F, -0.5F, 1.5F, 2.5F, -2.5F, 0.49999997F, 0.50000006F, 126.5F,
                           127.5F, -128.5F, -0.0F, f32_of_bits(0x7FC00000u),
                           f32_of_bits(0x7F800000u), f32_of_bits(0xFF800000u), FLT_MAX,
                           f32_of_bits(1u), -1.4999999F };
    static const int8_t want[17] = { 1, -1, 2, 3, -3, 0, 1, 127, 127, -128, 0, 0, 127, -128,
                                     127, 0, -1 };
    /* inv_scale 10 (scale 0.1), zero point -20, int8:
     *   0.25 * 10 = 2.5 -> 3 - 20 = -17;  -0.25 -> -3 - 20 = -23;
     *   NaN -> -20 (the zero point);  14.7 -> 147 - 20 = 127;
     *   14.8 -> 148 - 20 = 128 -> 127;  -10.8 -> -108 - 20 = -128;
     *   -10.9 -> -129 -> -128;  -inf -> -128 */
    const float in2[8] = { 0.25F, -0.25F, f32_of_bits(0xFFC00001u), 14.7F, 14.8F, -10.8F,
                           -10.9F, f32_of_bits(0xFF800000u) };
    static const int8_t want2[8] = { -17, -23, -20, 127, 127, -128, -128, -128 };
    /* int16, inv_scale 2^-3 (scale 8), zero point 0: 4 -> 0.5 -> 1;
     * -12 -> -1.5 -> -2; 262140 -> 32767.5 -> 32768 -> 32767;
     * -262148 -> -32768.5 -> -32769 -> -32768; 262132 -> 32766.5 -> 32767;
     * NaN -> 0 */
    const float in3[6] = { 4.0F, -12.0F, 262140.0F, -262148.0F, 262132.0F,
                           f32_of_bits(0x7FFFFFFFu) };
    static const int16_t want3[6] = { 1, -2, 32767, -32768, 32767, 0 };
    int8_t out[17];
    int16_t out16[6];
    stoic_quantize_params p = { 17, 1.0F, 0, -128, 127 };
    int k;
    stoic_quantize_s8(&p, in, out);
    for (k = 0; k < 17; k++) {
        CHECK_EQ("quantize_s8 hand", out[k], want[k]);
    }
    p = (stoic_quantize_params){ 8, 10.0F, -20, -128, 127 };
    stoic_quantize_s8(&p, in2, out);
    for (k = 0; k < 8; k++) {
        CHECK_EQ("quantize_s8 hand 2", out[k], want2[k]);
    }
    p = (stoic_quantize_params){ 6, 0.125F, 0, -32768, 32767 };
    stoic_quantize_s16(&p, in3, out16);
    for (k = 0; k < 6; k++) {
        CHECK_EQ("quantize_s16 hand", out16[k], want3[k]);
    }
}

/* ===================================================================== */
/* dequantize                                                            */
/* ===================================================================== */

typedef struct {
    stoic_dequantize_params p;
    int is16;
} dq_ctx;

/* Reference: (in - zp) is an exact integer below 2^17, scale * it is exact
 * in double (24 + 17 bits), and the conversion to float rounds it once, as
 * the float32 multiply does (overflow to inf included). */
static void ref_dequantize(const void *vctx, const void *in, void *out)
{
    const dq_ctx *c = vctx;
    int32_t i;
    for (i = 0; i < c->p.n; i++) {
        int64_t d = get_q(in, c->is16, i) - c->p.zero_point;
        ((float *)out)[i] = (float)((double)c->p.scale * (double)d);
    }
}

static void k_dequantize_s8(const void *c, const void *in, void *out)
{
    stoic_dequantize_s8(&((const dq_ctx *)c)->p, in, out);
}

static void k_dequantize_s16(const void *c, const void *in, void *out)
{
    stoic_dequantize_s16(&((const dq_ctx *)c)->p, in, out);
}

#define N_DQ 1200

static void dequantize_random(const char *what, kern_fn kern, int is16, uint32_t seed)
{
    int c;
    rng = seed;
    n_bad = 0;
    for (c = 0; c < N_DQ; c++) {
        dq_ctx x;
        void *in;
        double zp8;
        x.is16 = is16;
        x.p.n = rnd(1, 64);
        switch (rnd(0, 3)) {
        case 0: x.p.scale = (float)ldexp(1.0, rnd(-20, 4)); break;
        case 1: /* extremes: denormal results, overflow to inf */
            x.p.scale = (float)ldexp(1.0 + rnd(0, 999) / 1000.0,
                                     one_in(2) ? rnd(-149, -126) : rnd(110, 127));
            break;
        default:
            x.p.scale = (float)(is16 ? ldexp(1.0 + rnd(0, 999) / 1000.0, rnd(-12, 6)) / 32767.0
                                     : s8_scale(&zp8));
            break;
        }
        if (one_in(5)) {
            x.p.scale = -x.p.scale; /* not produced by the generator; same formula */
        }
        x.p.zero_point = is16 ? (one_in(4) ? rnd(-32768, 32767) : 0) : rnd(-128, 127);
        in = rand_q(is16, x.p.n);
        run_twice(what, c, kern, ref_dequantize, &x, in, sizeof(float) * (size_t)x.p.n);
        free(in);
    }
    CU_ASSERT_EQUAL(n_bad, 0);
}

static void test_dequantize_s8_random(void)
{
    dequantize_random("dequantize_s8", k_dequantize_s8, 0, 1501u);
}

static void test_dequantize_s16_random(void)
{
    dequantize_random("dequantize_s16", k_dequantize_s16, 1, 1502u);
}

static void test_dequantize_hand(void)
{
    /* scale 0.5, zp -3: 5 -> 0.5 * 8 = 4; -128 -> 0.5 * -125 = -62.5;
     * -3 -> 0 (+0); 127 -> 65 */
    static const int8_t in8[4] = { 5, -128, -3, 127 };
    static const float want8[4] = { 4.0F, -62.5F, 0.0F, 65.0F };
    /* int16, scale 2^-15, zp 0: 32767 -> 0.999969482421875; -32768 -> -1 */
    static const int16_t in16[2] = { 32767, -32768 };
    static const float want16[2] = { 0.999969482421875F, -1.0F };
    float out[4];
    stoic_dequantize_params p = { 4, 0.5F, -3 };
    int k;
    stoic_dequantize_s8(&p, in8, out);
    CU_ASSERT_EQUAL(memcmp(out, want8, sizeof want8), 0);
    p = (stoic_dequantize_params){ 2, 1.0F / 32768.0F, 0 };
    stoic_dequantize_s16(&p, in16, out);
    for (k = 0; k < 2; k++) {
        CU_ASSERT_EQUAL(memcmp(&out[k], &want16[k], sizeof(float)), 0);
    }
}

UNIT_SUITE(kernel_q_move)
{
    CU_pSuite s = CU_add_suite("integer copy, pad, transpose, quantize", NULL, NULL);
    CU_add_test(s, "copy and convert hand-derived", test_copy_hand);
    CU_add_test(s, "copy_s8 random vs reference (2000)", test_copy_s8_random);
    CU_add_test(s, "copy_s16 random vs reference (2000)", test_copy_s16_random);
    CU_add_test(s, "convert_s8_s16 random vs reference (2000)", test_convert_s8_s16_random);
    CU_add_test(s, "convert_s16_s8 random vs reference (2000)", test_convert_s16_s8_random);
    CU_add_test(s, "pad hand-derived", test_pad_hand);
    CU_add_test(s, "pad_s8 every axis, random vs reference (1500)", test_pad_s8_random);
    CU_add_test(s, "pad_s16 every axis, random vs reference (1500)", test_pad_s16_random);
    CU_add_test(s, "transpose hand-derived", test_transpose_hand);
    CU_add_test(s, "transpose_s8 every permutation vs reference (1320)",
                test_transpose_s8_random);
    CU_add_test(s, "transpose_s16 every permutation vs reference (1320)",
                test_transpose_s16_random);
    CU_add_test(s, "slice with steps (transpose kernel) hand-derived", test_slice_hand);
    CU_add_test(s, "slice_s8 with steps, random vs reference (600)", test_slice_s8_random);
    CU_add_test(s, "slice_s16 with steps, random vs reference (600)", test_slice_s16_random);
    CU_add_test(s, "quantize hand-derived", test_quantize_hand);
    CU_add_test(s, "quantize_s8 random vs double reference (1500)", test_quantize_s8_random);
    CU_add_test(s, "quantize_s16 random vs double reference (1500)", test_quantize_s16_random);
    CU_add_test(s, "dequantize hand-derived", test_dequantize_hand);
    CU_add_test(s, "dequantize_s8 random vs reference (1200)", test_dequantize_s8_random);
    CU_add_test(s, "dequantize_s16 random vs reference (1200)", test_dequantize_s16_random);
}

/* The pooling variants the generator chooses from the geometry
 * (stoic_*pool2d_*_2x2, stoic_gavgpool_*) against the general kernels they
 * replace: the same bytes for the same parameters, on random geometries
 * (pads 0 or 1, any channel count, odd and tiny inputs), random data with
 * the extremes of each type, and for float32 the special values (NaN of
 * both signs and several payloads, infinities, signed zeros, subnormals).
 * The general kernels are themselves checked against independent
 * references in test_kernels_f32.c and test_kernels_q_layer.c. */
/* REQ: REQ-ARITH-001 REQ-ARITH-004 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "stoic_rt.h"
#include "stoic_rt_f32.h"
#include "unit.h"

#define MAXN 4096

static uint32_t rs = 2463534242u;
static uint32_t rnd(void)
{
    rs ^= rs << 13;
    rs ^= rs >> 17;
    rs ^= rs << 5;
    return rs;
}

static int32_t rint_in(int32_t lo, int32_t hi)
{
    return lo + (int32_t)(rnd() % (uint32_t)(hi - lo + 1));
}

static float special_f32(void)
{
    static const uint32_t bits[] = { 0x7FC00000u, 0xFFC00000u, 0x7FC00123u, 0xFF812345u,
                                     0x7F800000u, 0xFF800000u, 0x00000000u, 0x80000000u,
                                     0x00000001u, 0x807FFFFFu, 0x7F7FFFFFu, 0xFF7FFFFFu };
    union {
        uint32_t u;
        float f;
    } b;
    uint32_t r = rnd() % 40u;
    if (r < 12u) {
        b.u = bits[r];
        return b.f;
    }
    if (r < 16u) {
        return (rnd() % 2u) != 0u ? 0.0F : -0.0F;
    }
    return ((float)(int32_t)(rnd() % 2001u) - 1000.0F) / 64.0F;
}

/* A random geometry the 2x2 variants accept: k 2x2, stride 2, dilation 1,
 * pads 0 or 1 on each side, every window with a real cell. */
static void geometry(int32_t *in_h, int32_t *in_w, int32_t *c, int32_t *oh, int32_t *ow,
                     int32_t *pt, int32_t *pl)
{
    int32_t pb, pr;
    *in_h = rint_in(1, 9);
    *in_w = rint_in(1, 9);
    *c = rint_in(1, 9);
    *pt = rint_in(0, 1);
    *pl = rint_in(0, 1);
    pb = rint_in(0, 1);
    pr = rint_in(0, 1);
    if (*in_h + *pt + pb < 2) {
        pb = 1; /* a one-row input needs a pad to fill a window */
    }
    if (*in_w + *pl + pr < 2) {
        pr = 1;
    }
    *oh = (*in_h + *pt + pb - 2) / 2 + 1;
    *ow = (*in_w + *pl + pr - 2) / 2 + 1;
}

static void q_params(stoic_pool2d_q_params *p, stoic_qmul *q, int s16)
{
    int32_t in_h, in_w, c, oh, ow, pt, pl, lo = s16 ? -32768 : -128, hi = s16 ? 32767 : 127, k;
    geometry(&in_h, &in_w, &c, &oh, &ow, &pt, &pl);
    memset(p, 0, sizeof *p);
    p->in_h = in_h;
    p->in_w = in_w;
    p->c = c;
    p->out_h = oh;
    p->out_w = ow;
    p->k_h = p->k_w = 2;
    p->stride_h = p->stride_w = 2;
    p->dil_h = p->dil_w = 1;
    p->pad_top = pt;
    p->pad_left = pl;
    p->count_include_pad = rint_in(0, 1);
    p->input_offset = s16 ? 0 : rint_in(-127, 128);
    p->output_offset = s16 ? 0 : rint_in(-128, 127);
    p->act_min = rint_in(0, 3) == 0 ? rint_in(lo, 0) : lo;
    p->act_max = rint_in(0, 3) == 0 ? rint_in(p->act_min, hi) : hi;
    for (k = 0; k < 5; k++) {
        q[k].m = (int32_t)(0x40000000u + (rnd() & 0x3FFFFFFFu));
        /* mostly the usual range; sometimes the far right shifts, which the
         * 2x2 kernels' short output stages do not take (s8 below -22, s16
         * below -30: stoic_requantize) */
        q[k].shift = rint_in(0, 7) == 0 ? rint_in(-31, -20) : rint_in(-8, 1);
    }
    p->qmul = q;
}

static void fill_s8(int8_t *x, int n)
{
    int i;
    for (i = 0; i < n; i++) {
        uint32_t r = rnd() % 8u;
        x[i] = (int8_t)(r == 0u ? -128 : (r == 1u ? 127 : (int32_t)(rnd() % 256u) - 128));
    }
}

static void fill_s16(int16_t *x, int n)
{
    int i;
    for (i = 0; i < n; i++) {
        uint32_t r = rnd() % 8u;
        x[i] = (int16_t)(r == 0u ? -32768 : (r == 1u ? 32767 : (int32_t)(rnd() % 65536u) - 32768));
    }
}

static void test_s8_2x2(void)
{
    static int8_t in[MAXN], a[MAXN], b[MAXN];
    static int32_t zrow[(MAXN + 3) / 4]; /* the 2x2 kernel's scratch: the zero point row */
    stoic_pool2d_q_params p;
    stoic_qmul q[5];
    int it, bad = 0;
    for (it = 0; it < 3000; it++) {
        q_params(&p, q, 0);
        fill_s8(in, p.in_h * p.in_w * p.c);
        memset(a, 0x55, sizeof a);
        memset(b, 0x55, sizeof b);
        stoic_maxpool2d_s8(&p, in, a);
        stoic_maxpool2d_s8_2x2(&p, in, b);
        bad += memcmp(a, b, sizeof a) != 0;
        memset(a, 0x55, sizeof a);
        memset(b, 0x55, sizeof b);
        stoic_avgpool2d_s8(&p, in, a);
        stoic_avgpool2d_s8_2x2(&p, in, b, zrow);
        bad += memcmp(a, b, sizeof a) != 0;
    }
    CU_ASSERT_EQUAL(bad, 0);
}

static void test_s16_2x2(void)
{
    static int16_t in[MAXN], a[MAXN], b[MAXN];
    stoic_pool2d_q_params p;
    stoic_qmul q[5];
    int it, bad = 0;
    for (it = 0; it < 3000; it++) {
        q_params(&p, q, 1);
        fill_s16(in, p.in_h * p.in_w * p.c);
        memset(a, 0x55, sizeof a);
        memset(b, 0x55, sizeof b);
        stoic_maxpool2d_s16(&p, in, a);
        stoic_maxpool2d_s16_2x2(&p, in, b);
        bad += memcmp(a, b, sizeof a) != 0;
        memset(a, 0x55, sizeof a);
        memset(b, 0x55, sizeof b);
        stoic_avgpool2d_s16(&p, in, a);
        stoic_avgpool2d_s16_2x2(&p, in, b);
        bad += memcmp(a, b, sizeof a) != 0;
    }
    CU_ASSERT_EQUAL(bad, 0);
}

static void test_f32_2x2(void)
{
    static float in[MAXN], a[MAXN], b[MAXN];
    stoic_pool2d_f32_params p;
    int it, i, bad = 0;
    for (it = 0; it < 3000; it++) {
        int32_t in_h, in_w, c, oh, ow, pt, pl;
        geometry(&in_h, &in_w, &c, &oh, &ow, &pt, &pl);
        memset(&p, 0, sizeof p);
        p.in_h = in_h;
        p.in_w = in_w;
        p.c = c;
        p.out_h = oh;
        p.out_w = ow;
        p.k_h = p.k_w = 2;
        p.stride_h = p.stride_w = 2;
        p.dil_h = p.dil_w = 1;
        p.pad_top = pt;
        p.pad_left = pl;
        p.count_include_pad = rint_in(0, 1);
        for (i = 0; i < in_h * in_w * c; i++) {
            /* a third of the cases only special values; some all -0 (a sum
             * from +0 gives +0, one from the first cell -0) */
            if (it % 7 == 1) {
                in[i] = -0.0F;
            } else if (it % 3 == 0) {
                in[i] = special_f32();
            } else {
                in[i] = rnd() % 16u == 0u ? special_f32()
                                          : (float)(int32_t)(rnd() % 2001u) / 7.0F - 140.0F;
            }
        }
        memset(a, 0x55, sizeof a);
        memset(b, 0x55, sizeof b);
        stoic_maxpool2d_f32(&p, in, a);
        stoic_maxpool2d_f32_2x2(&p, in, b);
        bad += memcmp(a, b, sizeof a) != 0;
        memset(a, 0x55, sizeof a);
        memset(b, 0x55, sizeof b);
        stoic_avgpool2d_f32(&p, in, a);
        stoic_avgpool2d_f32_2x2(&p, in, b);
        bad += memcmp(a, b, sizeof a) != 0;
    }
    CU_ASSERT_EQUAL(bad, 0);
}

static void test_gavgpool(void)
{
    static int8_t i8[MAXN], a8[MAXN], b8[MAXN];
    static int16_t i16[MAXN], a16[MAXN], b16[MAXN];
    static float f[MAXN], af[MAXN], bf[MAXN];
    stoic_pool2d_q_params p;
    stoic_gavgpool_f32_params pf;
    stoic_qmul q[5];
    int it, bad = 0, j, k;
    for (it = 0; it < 2000; it++) {
        int s16 = it % 2;
        q_params(&p, q, s16);
        p.in_h = rint_in(1, 9);
        p.in_w = rint_in(1, 9);
        p.c = rint_in(1, 13);
        p.k_h = p.in_h;
        p.k_w = p.in_w;
        p.out_h = p.out_w = 1;
        p.stride_h = p.stride_w = 1;
        p.pad_top = p.pad_left = 0;
        p.count_include_pad = 1;
        if (s16) {
            fill_s16(i16, p.in_h * p.in_w * p.c);
            memset(a16, 0x55, sizeof a16);
            memset(b16, 0x55, sizeof b16);
            stoic_avgpool2d_s16(&p, i16, a16);
            stoic_gavgpool_s16(&p, i16, b16);
            bad += memcmp(a16, b16, sizeof a16) != 0;
        } else {
            fill_s8(i8, p.in_h * p.in_w * p.c);
            memset(a8, 0x55, sizeof a8);
            memset(b8, 0x55, sizeof b8);
            stoic_avgpool2d_s8(&p, i8, a8);
            stoic_gavgpool_s8(&p, i8, b8);
            bad += memcmp(a8, b8, sizeof a8) != 0;
        }
        /* float32: against the plain loop, one channel at a time */
        pf.hw = p.in_h * p.in_w;
        pf.c = p.c;
        for (j = 0; j < pf.hw * pf.c; j++) {
            f[j] = (it % 3 == 0) ? special_f32() : (float)(int32_t)(rnd() % 2001u) / 3.0F;
        }
        memset(af, 0x55, sizeof af);
        memset(bf, 0x55, sizeof bf);
        for (k = 0; k < pf.c; k++) {
            float s = 0.0F;
            for (j = 0; j < pf.hw; j++) {
                s = s + f[j * pf.c + k];
            }
            af[k] = s / (float)pf.hw;
        }
        stoic_gavgpool_f32(&pf, f, bf);
        bad += memcmp(af, bf, sizeof af) != 0;
    }
    CU_ASSERT_EQUAL(bad, 0);
}

/* Inputs large enough that the integer kernels take their general output
 * stage (int8: hw >= 2^16; int16: hw >= 2^14), and the largest below;
 * int8 with six channels (four summed in packed int16 lanes, in blocks of
 * 256 pixels, and two one at a time), random and all extreme (a block's
 * lane sum -32768 or 32512). */
static void test_gavgpool_large(void)
{
    static int8_t i8[65536 * 6];
    static int16_t i16[16384 * 2];
    int8_t a8[6], b8[6];
    int16_t a16[2], b16[2];
    stoic_pool2d_q_params p;
    stoic_qmul q[5];
    int it, bad = 0;
    for (it = 0; it < 16; it++) {
        int s16 = it % 2, big = (it / 2) % 2;
        q_params(&p, q, s16);
        p.in_h = s16 ? 128 : 256;
        p.in_w = big ? p.in_h : p.in_h - 1;
        p.c = s16 ? 2 : 6;
        p.k_h = p.in_h;
        p.k_w = p.in_w;
        p.out_h = p.out_w = 1;
        p.stride_h = p.stride_w = 1;
        p.pad_top = p.pad_left = 0;
        p.count_include_pad = 1;
        q[0].shift = rint_in(-22, 0);
        if (s16) {
            fill_s16(i16, p.in_h * p.in_w * p.c);
            stoic_avgpool2d_s16(&p, i16, a16);
            stoic_gavgpool_s16(&p, i16, b16);
            bad += memcmp(a16, b16, sizeof a16) != 0;
        } else {
            fill_s8(i8, p.in_h * p.in_w * p.c);
            if (it >= 8) {
                memset(i8, it >= 12 ? 0x80 : 0x7F, (size_t)(p.in_h * p.in_w * p.c));
            }
            memset(a8, 0x55, sizeof a8);
            memset(b8, 0x5A, sizeof b8);
            stoic_avgpool2d_s8(&p, i8, a8);
            stoic_gavgpool_s8(&p, i8, b8);
            bad += memcmp(a8, b8, sizeof a8) != 0;
        }
    }
    CU_ASSERT_EQUAL(bad, 0);
}

UNIT_SUITE(pool_variants)
{
    CU_pSuite s = CU_add_suite("pool variants", NULL, NULL);
    CU_add_test(s, "max/avg 2x2 int8 == general kernel (3000 geometries)", test_s8_2x2);
    CU_add_test(s, "max/avg 2x2 int16 == general kernel (3000 geometries)", test_s16_2x2);
    CU_add_test(s, "max/avg 2x2 float32 == general kernel, special values (3000)", test_f32_2x2);
    CU_add_test(s, "gavgpool int8/int16 == general kernel, float32 == plain loop (2000)",
                test_gavgpool);
    CU_add_test(s, "gavgpool int8/int16 == general kernel, hw at and above the short output stage's limit",
                test_gavgpool_large);
}

/*
 * Unit tests of the sparse conv2d kernels (unstructured pruning, groups 1):
 * stoic_conv2d_f32_sparse, stoic_conv2d_s8_sparse, stoic_conv2d_s16_sparse
 * (runtime/stoic_conv2d_*_sparse.c), against the contract of stoic_rt.h and
 * stoic_rt_f32.h: bit for bit the dense kernel (groups 1) on the same
 * weights with zeros elsewhere (float: finite inputs, a bias that is not -0).
 *
 * Evidence:
 *  - one hand-checked case (3x3x30 input, 3x3 kernel, T = 270 taps per
 *    channel, so the kept tap at j = 269 needs one filler; pad 1, stride 2;
 *    taps cut off by the padding), outputs worked out in the comment, run on
 *    all three sparse kernels and on the dense ones, and the encoder of this
 *    file checked against the hand encoding;
 *  - N_RANDOM random cases per kernel (fixed seeds): random geometry
 *    (kernel 1x1 .. 5x5, strides and dilations 1 .. 3, asymmetric padding
 *    up to past the kernel's extent, in_c 1 .. 40, so T = k_h * k_w * in_c
 *    goes above 255 and 510 and fillers are needed), random sparsity 0% ..
 *    100% (plus channels with nothing kept, fully dense channels and
 *    channels keeping only the last tap); the dense kernel run on the weight
 *    tensor with zeros, the sparse kernel on the encoding that sp_encode()
 *    builds from it; outputs compared with memcmp. Each sparse run uses
 *    guard bytes and two pre-fill patterns of the output. The draws respect
 *    the headers' preconditions (accumulator bounds, multiplier and shift
 *    ranges, activation ranges; float: finite values whose products and
 *    sums stay finite, bias +0 or nonzero, never -0; inputs include +0 and
 *    -0). Coverage counters are printed and asserted nonzero.
 */
/* REQ: REQ-ARITH-004 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <CUnit/CUnit.h>
#include "unit.h"
#include "qtest.h"
#include "stoic_rt_f32.h"
#include "lower.h"

#define SC_GUARD 32
#define SC_SENT 0xC3
#define N_RANDOM 1000

/* ---- PRNG (qtest.h xorshift32), one state for this file ------------- */

static uint32_t sc_state;

static int32_t ri(int32_t lo, int32_t hi)
{
    return (int32_t)qt_range(&sc_state, lo, hi);
}

/* ===================================================================== */
/* the encoding, from a kept-mask over [out_c][T], T = k_h * k_w * in_c     */
/* ===================================================================== */

typedef struct {
    int32_t n;          /* entries, fillers included */
    int32_t fillers;
    int32_t max_fill;   /* most fillers in one run */
    int32_t *row_start; /* [out_c + 1] */
    uint8_t *delta;     /* [n] */
    int32_t *src;       /* [n]: index oc * T + j in the dense tensor, -1 filler */
} sc_enc;

/* Per channel, j restarts at 0; each kept tap j follows the previous
 * (or 0) by gap = j - prev; while gap > 255, a filler of delta 255 and
 * value 0 is emitted and prev advances by 255. */
static void sp_encode(const unsigned char *kept, int32_t out_c, int32_t T, sc_enc *e)
{
    int32_t o, j, k = 0;
    size_t cap = (size_t)out_c * (size_t)(T + T / 255 + 2) + 1u;
    e->fillers = 0;
    e->max_fill = 0;
    e->row_start = malloc(sizeof(int32_t) * (size_t)(out_c + 1));
    e->delta = malloc(cap);
    e->src = malloc(sizeof(int32_t) * cap);
    for (o = 0; o < out_c; o++) {
        int32_t prev = 0;
        e->row_start[o] = k;
        for (j = 0; j < T; j++) {
            int32_t run = 0;
            if (!kept[(size_t)o * (size_t)T + (size_t)j]) {
                continue;
            }
            while (j - prev > 255) {
                e->delta[k] = 255u;
                e->src[k] = -1;
                k++;
                prev += 255;
                run++;
            }
            e->fillers += run;
            if (run > e->max_fill) {
                e->max_fill = run;
            }
            e->delta[k] = (uint8_t)(j - prev);
            e->src[k] = o * T + j;
            k++;
            prev = j;
        }
    }
    e->row_start[out_c] = k;
    e->n = k;
}

static void sp_free(sc_enc *e)
{
    free(e->row_start);
    free(e->delta);
    free(e->src);
}

/* ===================================================================== */
/* output buffers with guards                                            */
/* ===================================================================== */

static void *g_alloc(size_t bytes, int fill)
{
    unsigned char *b = malloc(bytes + 2 * SC_GUARD);
    memset(b, SC_SENT, bytes + 2 * SC_GUARD);
    memset(b + SC_GUARD, fill, bytes);
    return b + SC_GUARD;
}

static void g_free(void *p)
{
    free((unsigned char *)p - SC_GUARD);
}

/* 0 when the guarded buffer got equals want and its guards are intact */
static int g_check(const char *what, int c, const void *got, const void *want, size_t bytes)
{
    const unsigned char *b = got;
    size_t i;
    int bad = 0;
    if (memcmp(got, want, bytes) != 0) {
        printf("\n  %s case %d: output differs\n", what, c);
        bad = 1;
    }
    for (i = 0; i < SC_GUARD; i++) {
        if (b[-1 - (long)i] != SC_SENT || b[bytes + i] != SC_SENT) {
            printf("\n  %s case %d: write outside the output\n", what, c);
            return 1;
        }
    }
    return bad;
}

static const int sc_fills[2] = { 0x00, 0x5A };

/* ===================================================================== */
/* the hand-checked case                                                 */
/* ===================================================================== */

/* in 3x3x30, k 3x3, stride 2, pad 1 on every side, dilation 1: out 2x2,
 * out_c 2; T = 3 * 3 * 30 = 270, j = (kh * 3 + kw) * 30 + ci.
 *   oc 0: 3 at (kh 2, kw 2, ci 29): j = 269 -> filler 255, then delta 14
 *   oc 1: -2 at (0, 0, 0): j = 0; 7 at (1, 1, 5): j = 125 -> deltas 0, 125
 * row_start {0, 2, 4}, delta {255, 14, 0, 125}, values {0, 3, -2, 7}.
 * Input: with n = ih * 3 + iw + 1, in[ih][iw][0] = n, [5] = -n, [29] = 2n,
 * every other channel 100 (read only by the filler, times 0).
 * base_h = 2 oh - 1, base_w = 2 ow - 1; bias {5, -4}.
 *   oc 0: tap (2, 2) lands on (2 oh + 1, 2 ow + 1): inside only for
 *         (0, 0) -> (1, 1), n = 5, 3 * 10 = 30: out 35; else 5.
 *   oc 1: tap (0, 0) on (2 oh - 1, 2 ow - 1): inside only for (1, 1) ->
 *         (1, 1), -2 * 5 = -10; tap (1, 1) on (2 oh, 2 ow), always inside:
 *         n = 1, 3, 7, 9 -> 7 * -n = -7, -21, -49, -63.
 *         out: -4 - 7 = -11, -4 - 21 = -25, -4 - 49 = -53, -4 - 63 - 10 = -77.
 * out [oh][ow][oc] = {35, -11, 5, -25, 5, -53, 5, -77}. Integer kernels:
 * offsets 0, qmul (2^30, 1) (M = 1); float: no activation. */
static const int32_t hc_rs[3] = { 0, 2, 4 };
static const uint8_t hc_delta[4] = { 255, 14, 0, 125 };
static const int32_t hc_want[8] = { 35, -11, 5, -25, 5, -53, 5, -77 };

static void hc_geom(stoic_conv2d_sparse_q_params *p)
{
    memset(p, 0, sizeof *p);
    p->in_h = 3; p->in_w = 3; p->in_c = 30;
    p->out_h = 2; p->out_w = 2; p->out_c = 2;
    p->k_h = 3; p->k_w = 3;
    p->stride_h = 2; p->stride_w = 2;
    p->dil_h = 1; p->dil_w = 1;
    p->pad_top = 1; p->pad_left = 1;
    p->act_min = -128; p->act_max = 127;
    p->row_start = hc_rs;
    p->delta = hc_delta;
    p->ci_steps = 8;   /* 255 = 8 * 30 + 15: eight ci carries, kw 8 = 2 * 3 + 2: two kw carries */
    p->kw_steps = 2;
}

static int32_t hc_in(int32_t ih, int32_t iw, int32_t ci)
{
    int32_t n = ih * 3 + iw + 1;
    return ci == 0 ? n : (ci == 5 ? -n : (ci == 29 ? 2 * n : 100));
}

static void test_sparse_conv_hand(void)
{
    static const stoic_qmul qm[2] = { { 1073741824, 1 }, { 1073741824, 1 } };
    stoic_conv2d_sparse_q_params p;
    int32_t i, ih, iw, ci;
    int pass;
    int8_t in8[270], w8[540], val8[4] = { 0, 3, -2, 7 }, want8[8], d8[8];
    int16_t in16[270], want16[8], d16[8];
    float inf[270], wf[540], valf[4] = { 0.0F, 3.0F, -2.0F, 7.0F }, wantf[8], df[8];
    int32_t b32[2] = { 5, -4 };
    int64_t b64[2] = { 5, -4 };
    float bf[2] = { 5.0F, -4.0F };
    unsigned char kept[540];
    sc_enc e;

    for (ih = 0; ih < 3; ih++) {
        for (iw = 0; iw < 3; iw++) {
            for (ci = 0; ci < 30; ci++) {
                i = (ih * 3 + iw) * 30 + ci;
                in8[i] = (int8_t)hc_in(ih, iw, ci);
                in16[i] = (int16_t)hc_in(ih, iw, ci);
                inf[i] = (float)hc_in(ih, iw, ci);
            }
        }
    }
    for (i = 0; i < 8; i++) {
        want8[i] = (int8_t)hc_want[i];
        want16[i] = (int16_t)hc_want[i];
        wantf[i] = (float)hc_want[i];
    }
    /* the dense tensor and the encoder */
    memset(w8, 0, sizeof w8);
    w8[269] = 3;
    w8[270 + 0] = -2;
    w8[270 + 125] = 7;
    for (i = 0; i < 540; i++) {
        wf[i] = (float)w8[i];
        kept[i] = (unsigned char)(w8[i] != 0);
    }
    sp_encode(kept, 2, 270, &e);
    CU_ASSERT_EQUAL(e.n, 4);
    CU_ASSERT_EQUAL(e.fillers, 1);
    CU_ASSERT(memcmp(e.row_start, hc_rs, sizeof hc_rs) == 0);
    CU_ASSERT(memcmp(e.delta, hc_delta, sizeof hc_delta) == 0);
    CU_ASSERT(e.src[0] == -1 && e.src[1] == 269 && e.src[2] == 270 && e.src[3] == 395);
    sp_free(&e);

    /* the generator's carry counts, derived by hand above */
    {
        int32_t cs = -1, ks = -1;
        lower_sparse_steps(hc_rs, hc_delta, 2, 30, 3, &cs, &ks);
        CU_ASSERT_EQUAL(cs, 8);
        CU_ASSERT_EQUAL(ks, 2);
    }
    /* too few carries decode the taps elsewhere: with 3, oc 1's j = 125 becomes
     * (kh 1, kw 0, ci 35) instead of (1, 1, 5), and the result changes (7 would
     * still be right: the carries left over catch up at the next entry) */
    hc_geom(&p);
    p.qmul = qm;
    p.ci_steps = 3;
    {
        int8_t *o8 = g_alloc(8, sc_fills[0]);
        stoic_conv2d_s8_sparse(&p, in8, val8, b32, o8);
        CU_ASSERT(memcmp(o8, want8, 8) != 0);
        g_free(o8);
    }
    hc_geom(&p);
    p.qmul = qm;
    for (pass = 0; pass < 2; pass++) {
        int8_t *o8 = g_alloc(8, sc_fills[pass]);
        int16_t *o16 = g_alloc(16, sc_fills[pass]);
        float *of = g_alloc(32, sc_fills[pass]);
        stoic_conv2d_f32_sparse_params pf;
        stoic_conv2d_s8_sparse(&p, in8, val8, b32, o8);
        CU_ASSERT_EQUAL(g_check("s8 hand", pass, o8, want8, 8), 0);
        p.act_min = -32768;
        p.act_max = 32767;
        stoic_conv2d_s16_sparse(&p, in16, val8, b64, o16);
        CU_ASSERT_EQUAL(g_check("s16 hand", pass, o16, want16, 16), 0);
        p.act_min = -128;
        p.act_max = 127;
        memset(&pf, 0, sizeof pf);
        pf.in_h = 3; pf.in_w = 3; pf.in_c = 30; pf.out_h = 2; pf.out_w = 2; pf.out_c = 2;
        pf.k_h = 3; pf.k_w = 3; pf.stride_h = 2; pf.stride_w = 2; pf.dil_h = 1; pf.dil_w = 1;
        pf.pad_top = 1; pf.pad_left = 1;
        pf.act.kind = STOIC_ACT_NONE;
        pf.act.lo = -STOIC_FLT_MAX;
        pf.act.hi = STOIC_FLT_MAX;
        pf.row_start = hc_rs;
        pf.delta = hc_delta;
        pf.ci_steps = 8;
        pf.kw_steps = 2;
        stoic_conv2d_f32_sparse(&pf, inf, valf, bf, of);
        CU_ASSERT_EQUAL(g_check("f32 hand", pass, of, wantf, 32), 0);
        g_free(o8);
        g_free(o16);
        g_free(of);
    }
    /* the dense kernels agree with the hand values */
    {
        stoic_conv2d_s8_params d;
        stoic_conv2d_s16_params q16;
        stoic_conv2d_f32_params df32;
        memset(&d, 0, sizeof d);
        d.in_h = 3; d.in_w = 3; d.in_c = 30; d.out_h = 2; d.out_w = 2; d.out_c = 2;
        d.k_h = 3; d.k_w = 3; d.stride_h = 2; d.stride_w = 2; d.dil_h = 1; d.dil_w = 1;
        d.pad_top = 1; d.pad_left = 1; d.groups = 1;
        d.act_min = -128; d.act_max = 127; d.qmul = qm;
        stoic_conv2d_s8(&d, in8, w8, b32, d8);
        CU_ASSERT(memcmp(d8, want8, sizeof d8) == 0);
        memset(&q16, 0, sizeof q16);
        q16.in_h = 3; q16.in_w = 3; q16.in_c = 30; q16.out_h = 2; q16.out_w = 2;
        q16.out_c = 2; q16.k_h = 3; q16.k_w = 3; q16.stride_h = 2; q16.stride_w = 2;
        q16.dil_h = 1; q16.dil_w = 1; q16.pad_top = 1; q16.pad_left = 1; q16.groups = 1;
        q16.act_min = -32768; q16.act_max = 32767; q16.qmul = qm;
        stoic_conv2d_s16(&q16, in16, w8, b64, d16);
        CU_ASSERT(memcmp(d16, want16, sizeof d16) == 0);
        memset(&df32, 0, sizeof df32);
        df32.in_h = 3; df32.in_w = 3; df32.in_c = 30; df32.out_h = 2; df32.out_w = 2;
        df32.out_c = 2; df32.k_h = 3; df32.k_w = 3; df32.stride_h = 2; df32.stride_w = 2;
        df32.dil_h = 1; df32.dil_w = 1; df32.pad_top = 1; df32.pad_left = 1;
        df32.groups = 1;
        df32.act.kind = STOIC_ACT_NONE;
        df32.act.lo = -STOIC_FLT_MAX;
        df32.act.hi = STOIC_FLT_MAX;
        stoic_conv2d_f32(&df32, inf, wf, bf, df);
        CU_ASSERT(memcmp(df, wantf, sizeof df) == 0);
    }
}

/* ===================================================================== */
/* random cases                                                          */
/* ===================================================================== */

typedef struct {
    int32_t in_h, in_w, in_c, out_h, out_w, out_c, k_h, k_w;
    int32_t stride_h, stride_w, dil_h, dil_w, pad_top, pad_left, pad_bottom, pad_right;
    int32_t T;          /* taps per output channel, k_h * k_w * in_c */
} sc_geo;

/* coverage of the draws */
static long c_t255, c_t510, c_fill, c_multi_fill, c_empty_ch, c_full_ch, c_all_pruned;
static long c_pad_past, c_asym, c_stride, c_dil, c_conv1d, c_null_bias, c_cut_taps;
static long c_out_inside, c_out_total;

static void cov_reset(void)
{
    c_t255 = c_t510 = c_fill = c_multi_fill = c_empty_ch = c_full_ch = c_all_pruned = 0;
    c_pad_past = c_asym = c_stride = c_dil = c_conv1d = c_null_bias = c_cut_taps = 0;
    c_out_inside = c_out_total = 0;
}

static void cov_report(const char *what, int integer)
{
    printf("\n  %s: %d cases; T>255 %ld, T>510 %ld, with fillers %ld, >1 filler in a run %ld,"
           "\n    empty channels %ld, dense channels %ld, all pruned %ld, pad past kernel %ld,"
           "\n    asymmetric pad %ld, stride>1 %ld, dilation>1 %ld, conv1d %ld, no bias %ld,"
           "\n    cases with cut taps %ld",
           what, N_RANDOM, c_t255, c_t510, c_fill, c_multi_fill, c_empty_ch, c_full_ch,
           c_all_pruned, c_pad_past, c_asym, c_stride, c_dil, c_conv1d, c_null_bias,
           c_cut_taps);
    if (integer) {
        printf(", outputs inside the act range %ld of %ld", c_out_inside, c_out_total);
    }
    printf("\n");
    CU_ASSERT(c_t255 > 0 && c_t510 > 0 && c_fill > 0 && c_multi_fill > 0);
    CU_ASSERT(c_empty_ch > 0 && c_full_ch > 0 && c_all_pruned > 0 && c_pad_past > 0);
    CU_ASSERT(c_asym > 0 && c_stride > 0 && c_dil > 0 && c_conv1d > 0 && c_null_bias > 0);
    CU_ASSERT(c_cut_taps > 0);
    if (integer) {
        CU_ASSERT(c_out_inside * 4 > c_out_total);
    }
}

static void geo_draw(sc_geo *g)
{
    int32_t ext_h, ext_w;
    int conv1d = ri(0, 7) == 0;
    g->k_h = conv1d ? 1 : ri(1, 5);
    g->k_w = ri(1, 5);
    g->in_c = ri(0, 2) == 0 ? ri(20, 40) : ri(1, 40);
    g->out_c = ri(1, 5);
    g->stride_h = conv1d ? 1 : ri(1, 3);
    g->stride_w = ri(1, 3);
    g->dil_h = conv1d ? 1 : ri(1, 3);
    g->dil_w = ri(1, 3);
    g->in_h = conv1d ? 1 : ri(1, 7);
    g->in_w = ri(1, 7);
    ext_h = g->dil_h * (g->k_h - 1) + 1;
    ext_w = g->dil_w * (g->k_w - 1) + 1;
    g->pad_top = conv1d ? 0 : ri(0, ext_h);
    g->pad_bottom = conv1d ? 0 : ri(0, ext_h);
    g->pad_left = ri(0, ext_w);
    g->pad_right = ri(0, ext_w);
    if (g->in_h + g->pad_top + g->pad_bottom < ext_h) {
        g->pad_bottom = ext_h - g->in_h - g->pad_top;
    }
    if (g->in_w + g->pad_left + g->pad_right < ext_w) {
        g->pad_right = ext_w - g->in_w - g->pad_left;
    }
    g->out_h = (g->in_h + g->pad_top + g->pad_bottom - ext_h) / g->stride_h + 1;
    g->out_w = (g->in_w + g->pad_left + g->pad_right - ext_w) / g->stride_w + 1;
    g->T = g->k_h * g->k_w * g->in_c;
    c_t255 += g->T > 255;
    c_t510 += g->T > 510;
    c_pad_past += g->pad_top >= ext_h || g->pad_bottom >= ext_h || g->pad_left >= ext_w ||
                  g->pad_right >= ext_w;
    c_asym += g->pad_top != g->pad_bottom || g->pad_left != g->pad_right;
    c_stride += g->stride_h > 1 || g->stride_w > 1;
    c_dil += g->dil_h > 1 || g->dil_w > 1;
    c_conv1d += conv1d;
    c_cut_taps += g->pad_top > 0 || g->pad_left > 0 || g->pad_bottom > 0 || g->pad_right > 0;
}

/* kept mask [out_c][T]: per channel nothing, everything, only the last tap,
 * only the first and last taps, or each tap with probability 1 - s */
static unsigned char *mask_draw(const sc_geo *g)
{
    size_t n = (size_t)g->out_c * (size_t)g->T;
    unsigned char *kept = malloc(n);
    int32_t o, j, sparsity = ri(0, 100);
    int all_pruned = ri(0, 19) == 0;
    long n_kept = 0;
    for (o = 0; o < g->out_c; o++) {
        unsigned char *row = kept + (size_t)o * (size_t)g->T;
        int32_t mode = all_pruned ? 0 : ri(0, 15);
        for (j = 0; j < g->T; j++) {
            switch (mode) {
            case 0: row[j] = 0; break;
            case 1: row[j] = 1; break;
            case 2: row[j] = (unsigned char)(j == g->T - 1); break;
            case 3: row[j] = (unsigned char)(j == 0 || j == g->T - 1); break;
            default: row[j] = (unsigned char)(ri(0, 99) >= sparsity); break;
            }
            n_kept += row[j];
        }
        c_empty_ch += mode == 0;
        c_full_ch += mode == 1;
    }
    c_all_pruned += n_kept == 0;
    return kept;
}

static void enc_count(const sc_enc *e)
{
    c_fill += e->fillers > 0;
    c_multi_fill += e->max_fill > 1;
}

#define GEO_COPY(d, g) do { \
    (d).in_h = (g).in_h; (d).in_w = (g).in_w; (d).in_c = (g).in_c; \
    (d).out_h = (g).out_h; (d).out_w = (g).out_w; (d).out_c = (g).out_c; \
    (d).k_h = (g).k_h; (d).k_w = (g).k_w; (d).stride_h = (g).stride_h; \
    (d).stride_w = (g).stride_w; (d).dil_h = (g).dil_h; (d).dil_w = (g).dil_w; \
    (d).pad_top = (g).pad_top; (d).pad_left = (g).pad_left; } while (0)

static int8_t w8_nonzero(void)
{
    int32_t v;
    if (ri(0, 9) == 0) {
        v = ri(0, 1) ? 127 : -128;
    } else {
        v = ri(-128, 126);
        v += v >= 0;
    }
    return (int8_t)v;
}

static stoic_qmul qmul_rand(int32_t lo_shift, int32_t hi_shift)
{
    stoic_qmul q;
    q.m = ri(1073741824, 2147483647);
    q.shift = ri(0, 7) == 0 ? ri(-31, 31) : ri(lo_shift, hi_shift);
    return q;
}

static void act_rand(int32_t qmin, int32_t qmax, int32_t *lo, int32_t *hi)
{
    if (ri(0, 3) != 0) {
        *lo = qmin;
        *hi = qmax;
    } else {
        *lo = ri(qmin, qmax);
        *hi = ri(*lo, qmax);
    }
}

static void count_inside(int32_t v, int32_t lo, int32_t hi)
{
    c_out_total++;
    c_out_inside += v > lo && v < hi;
}

static void test_s8_sparse_conv_random(void)
{
    int c, bad = 0;
    sc_state = 0x2c8a51u;
    cov_reset();
    for (c = 0; c < N_RANDOM; c++) {
        sc_geo g;
        stoic_conv2d_s8_params d;
        stoic_conv2d_sparse_q_params p;
        unsigned char *kept;
        sc_enc e;
        int32_t i, n_in, n_w, n_out, o;
        int8_t *in, *w, *vals, *want;
        int32_t *bias;
        stoic_qmul *qm;
        int pass;

        geo_draw(&g);
        kept = mask_draw(&g);
        n_in = g.in_h * g.in_w * g.in_c;
        n_w = g.out_c * g.T;
        n_out = g.out_h * g.out_w * g.out_c;
        in = malloc((size_t)n_in);
        w = malloc((size_t)n_w);
        want = malloc((size_t)n_out);
        qm = malloc(sizeof(stoic_qmul) * (size_t)g.out_c);
        bias = ri(0, 5) == 0 ? NULL : malloc(sizeof(int32_t) * (size_t)g.out_c);
        c_null_bias += bias == NULL;
        for (i = 0; i < n_in; i++) {
            in[i] = (int8_t)ri(-128, 127);
        }
        for (i = 0; i < n_w; i++) {
            w[i] = kept[i] ? w8_nonzero() : (int8_t)0;
        }
        for (o = 0; o < g.out_c; o++) {
            qm[o] = qmul_rand(-16, -4);
            if (bias != NULL) {
                bias[o] = ri(-(1 << 20), 1 << 20);
            }
        }
        sp_encode(kept, g.out_c, g.T, &e);
        enc_count(&e);
        vals = malloc((size_t)e.n + 1u);
        for (i = 0; i < e.n; i++) {
            vals[i] = e.src[i] < 0 ? (int8_t)0 : w[e.src[i]];
        }

        memset(&d, 0, sizeof d);
        GEO_COPY(d, g);
        d.groups = 1;
        d.input_offset = ri(-127, 128);
        d.output_offset = ri(-128, 127);
        act_rand(-128, 127, &d.act_min, &d.act_max);
        d.qmul = qm;
        memset(&p, 0, sizeof p);
        GEO_COPY(p, g);
        p.input_offset = d.input_offset;
        p.output_offset = d.output_offset;
        p.act_min = d.act_min;
        p.act_max = d.act_max;
        p.qmul = qm;
        p.row_start = e.row_start;
        p.delta = e.delta;
        lower_sparse_steps(e.row_start, e.delta, g.out_c, g.in_c, g.k_w, &p.ci_steps, &p.kw_steps);

        stoic_conv2d_s8(&d, in, w, bias, want);
        for (i = 0; i < n_out; i++) {
            count_inside(want[i], d.act_min, d.act_max);
        }
        for (pass = 0; pass < 2; pass++) {
            int8_t *out = g_alloc((size_t)n_out, sc_fills[pass]);
            stoic_conv2d_s8_sparse(&p, in, vals, bias, out);
            bad += g_check("conv2d_s8_sparse", c, out, want, (size_t)n_out);
            g_free(out);
        }
        sp_free(&e);
        free(kept);
        free(in);
        free(w);
        free(vals);
        free(want);
        free(qm);
        free(bias);
    }
    cov_report("conv2d_s8_sparse", 1);
    CU_ASSERT_EQUAL(bad, 0);
}

static void test_s16_sparse_conv_random(void)
{
    int c, bad = 0;
    sc_state = 0x5e16c0d3u;
    cov_reset();
    for (c = 0; c < N_RANDOM; c++) {
        sc_geo g;
        stoic_conv2d_s16_params d;
        stoic_conv2d_sparse_q_params p;
        unsigned char *kept;
        sc_enc e;
        int32_t i, n_in, n_w, n_out, o;
        int16_t *in, *want;
        int8_t *w, *vals;
        int64_t *bias;
        stoic_qmul *qm;
        int pass, extreme = ri(0, 5) == 0;

        geo_draw(&g);
        kept = mask_draw(&g);
        n_in = g.in_h * g.in_w * g.in_c;
        n_w = g.out_c * g.T;
        n_out = g.out_h * g.out_w * g.out_c;
        in = malloc(sizeof(int16_t) * (size_t)n_in);
        w = malloc((size_t)n_w);
        want = malloc(sizeof(int16_t) * (size_t)n_out);
        qm = malloc(sizeof(stoic_qmul) * (size_t)g.out_c);
        bias = ri(0, 5) == 0 ? NULL : malloc(sizeof(int64_t) * (size_t)g.out_c);
        c_null_bias += bias == NULL;
        for (i = 0; i < n_in; i++) {
            in[i] = (int16_t)(extreme ? (ri(0, 1) ? 32767 : -32768) : ri(-32768, 32767));
        }
        for (i = 0; i < n_w; i++) {
            w[i] = kept[i] ? w8_nonzero() : (int8_t)0;
        }
        for (o = 0; o < g.out_c; o++) {
            qm[o] = qmul_rand(-14, -2);
            if (bias != NULL) {
                bias[o] = qt_range(&sc_state, -((int64_t)1 << 40), (int64_t)1 << 40);
                if (ri(0, 1)) {
                    bias[o] /= 65536;
                }
            }
        }
        sp_encode(kept, g.out_c, g.T, &e);
        enc_count(&e);
        vals = malloc((size_t)e.n + 1u);
        for (i = 0; i < e.n; i++) {
            vals[i] = e.src[i] < 0 ? (int8_t)0 : w[e.src[i]];
        }

        memset(&d, 0, sizeof d);
        GEO_COPY(d, g);
        d.groups = 1;
        act_rand(-32768, 32767, &d.act_min, &d.act_max);
        d.qmul = qm;
        memset(&p, 0, sizeof p);
        GEO_COPY(p, g);
        p.act_min = d.act_min;
        p.act_max = d.act_max;
        p.qmul = qm;
        p.row_start = e.row_start;
        p.delta = e.delta;
        lower_sparse_steps(e.row_start, e.delta, g.out_c, g.in_c, g.k_w, &p.ci_steps, &p.kw_steps);

        stoic_conv2d_s16(&d, in, w, bias, want);
        for (i = 0; i < n_out; i++) {
            count_inside(want[i], d.act_min, d.act_max);
        }
        for (pass = 0; pass < 2; pass++) {
            int16_t *out = g_alloc(sizeof(int16_t) * (size_t)n_out, sc_fills[pass]);
            stoic_conv2d_s16_sparse(&p, in, vals, bias, out);
            bad += g_check("conv2d_s16_sparse", c, out, want, sizeof(int16_t) * (size_t)n_out);
            g_free(out);
        }
        sp_free(&e);
        free(kept);
        free(in);
        free(w);
        free(vals);
        free(want);
        free(qm);
        free(bias);
    }
    cov_report("conv2d_s16_sparse", 1);
    CU_ASSERT_EQUAL(bad, 0);
}

/* finite float: uniform in (-4, 4), wide exponents (|x| in 2^-40 .. 2^41:
 * every product and sum stays finite), or with +0 and -0 mixed in */
static float f_rand(int mode)
{
    double u = (double)ri(-(1 << 24), (1 << 24) - 1) / (double)(1 << 24);
    if (mode == 1) {
        return (float)(ldexp(1.0 + fabs(u), ri(-40, 40)) * (u < 0.0 ? -1.0 : 1.0));
    }
    if (mode == 2 && ri(0, 3) == 0) {
        return ri(0, 1) ? 0.0F : -0.0F;
    }
    return (float)(4.0 * u);
}

static void act_f32_rand(stoic_act_f32 *a)
{
    a->kind = STOIC_ACT_NONE;
    a->lo = -STOIC_FLT_MAX;
    a->hi = STOIC_FLT_MAX;
    a->alpha = 0.0F;
    switch (ri(0, 5)) {
    case 0:
    case 1: break;
    case 2:
        a->kind = STOIC_ACT_CLAMP;
        a->lo = 0.0F;
        if (ri(0, 1)) {
            a->hi = 6.0F;
        }
        break;
    case 3: a->kind = STOIC_ACT_LEAKY; a->alpha = 0.01F * (float)ri(1, 30); break;
    case 4: a->kind = STOIC_ACT_SIGMOID; break;
    default: a->kind = STOIC_ACT_TANH; break;
    }
}

static void test_f32_sparse_conv_random(void)
{
    int c, bad = 0;
    long n_negzero_in = 0;
    sc_state = 0xf32c0de5u;
    cov_reset();
    for (c = 0; c < N_RANDOM; c++) {
        sc_geo g;
        stoic_conv2d_f32_params d;
        stoic_conv2d_f32_sparse_params p;
        unsigned char *kept;
        sc_enc e;
        int32_t i, n_in, n_w, n_out, o;
        float *in, *w, *vals, *want, *bias;
        int pass, mode = ri(0, 2), bmode = ri(0, 5);

        geo_draw(&g);
        kept = mask_draw(&g);
        n_in = g.in_h * g.in_w * g.in_c;
        n_w = g.out_c * g.T;
        n_out = g.out_h * g.out_w * g.out_c;
        in = malloc(sizeof(float) * (size_t)n_in);
        w = malloc(sizeof(float) * (size_t)n_w);
        want = malloc(sizeof(float) * (size_t)n_out);
        bias = bmode == 0 ? NULL : malloc(sizeof(float) * (size_t)g.out_c);
        c_null_bias += bias == NULL;
        for (i = 0; i < n_in; i++) {
            in[i] = f_rand(mode);
            n_negzero_in += in[i] == 0.0F && signbit(in[i]);
        }
        for (i = 0; i < n_w; i++) {
            float v = f_rand(mode == 2 ? 0 : mode);
            w[i] = kept[i] ? (v != 0.0F ? v : 0.5F) : 0.0F;
        }
        for (o = 0; bias != NULL && o < g.out_c; o++) {
            float v = f_rand(mode == 2 ? 0 : mode);
            bias[o] = (bmode == 1 || v == 0.0F) ? 0.0F : v;   /* never -0 */
        }
        sp_encode(kept, g.out_c, g.T, &e);
        enc_count(&e);
        vals = malloc(sizeof(float) * ((size_t)e.n + 1u));
        for (i = 0; i < e.n; i++) {
            vals[i] = e.src[i] < 0 ? 0.0F : w[e.src[i]];
        }

        memset(&d, 0, sizeof d);
        GEO_COPY(d, g);
        d.groups = 1;
        act_f32_rand(&d.act);
        memset(&p, 0, sizeof p);
        GEO_COPY(p, g);
        p.act = d.act;
        p.row_start = e.row_start;
        p.delta = e.delta;
        lower_sparse_steps(e.row_start, e.delta, g.out_c, g.in_c, g.k_w, &p.ci_steps, &p.kw_steps);

        stoic_conv2d_f32(&d, in, w, bias, want);
        for (pass = 0; pass < 2; pass++) {
            float *out = g_alloc(sizeof(float) * (size_t)n_out, sc_fills[pass]);
            stoic_conv2d_f32_sparse(&p, in, vals, bias, out);
            bad += g_check("conv2d_f32_sparse", c, out, want, sizeof(float) * (size_t)n_out);
            g_free(out);
        }
        sp_free(&e);
        free(kept);
        free(in);
        free(w);
        free(vals);
        free(want);
        free(bias);
    }
    cov_report("conv2d_f32_sparse", 0);
    printf("  conv2d_f32_sparse: -0 inputs drawn %ld\n", n_negzero_in);
    CU_ASSERT(n_negzero_in > 0);
    CU_ASSERT_EQUAL(bad, 0);
}

UNIT_SUITE(kernel_sparse_conv)
{
    CU_pSuite s = CU_add_suite("kernel_sparse_conv", NULL, NULL);
    CU_add_test(s, "conv2d sparse hand-checked (3x3x30, 3x3, filler, padding)",
                test_sparse_conv_hand);
    CU_add_test(s, "conv2d_s8_sparse random vs conv2d_s8 (1000)", test_s8_sparse_conv_random);
    CU_add_test(s, "conv2d_s16_sparse random vs conv2d_s16 (1000)",
                test_s16_sparse_conv_random);
    CU_add_test(s, "conv2d_f32_sparse random vs conv2d_f32 (1000)",
                test_f32_sparse_conv_random);
}

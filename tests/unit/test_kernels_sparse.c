/*
 * Unit tests of the sparse dense kernels (unstructured pruning):
 * stoic_dense_f32_sparse, stoic_dense_s8_sparse, stoic_dense_s16_sparse
 * (runtime/stoic_dense_*_sparse.c), against the contract of stoic_rt.h and
 * stoic_rt_f32.h: bit for bit the dense kernel on the same weights with
 * zeros elsewhere (float: for finite inputs).
 *
 * Evidence:
 *  - hand-written encodings (a 2x300 matrix whose kept weight at column 290
 *    needs one filler entry, a gap of 599 needing two, an empty row, a
 *    fully dense row, gaps of exactly 255 and 256) with outputs worked out
 *    in the comments, and the encoder of this file checked against them;
 *  - 1200 random cases per kernel (fixed seeds): a random weight matrix
 *    with zeros at random places (sparsity 0% to 100%, rows with no kept
 *    weight, fully dense rows, in_n above 255 and above 600, gaps around
 *    255, 510 and beyond), the dense kernel run on it, and the sparse
 *    kernel run on the encoding that encode() below builds from that dense
 *    matrix (rows, uint8 deltas from column 0 at each row start, filler
 *    entries of value 0 for gaps wider than 255). Outputs compared with
 *    memcmp. The random draws respect the headers' preconditions (overflow
 *    bounds of the accumulators, multiplier and shift ranges, activation
 *    ranges). Each sparse run is repeated with the inputs the encoding never
 *    reads replaced (NaN for float): the output must not change.
 * Output buffers carry guard bytes, and every sparse kernel runs twice on
 * differently pre-filled outputs: an out-of-bounds or a missing write fails.
 *
 * Known difference, by the contract (stoic_rt_f32.h): the float sparse
 * kernel skips the products in * 0 of pruned columns; they only matter when
 * the running sum is -0 (bias -0.0 and no nonzero product yet), where a
 * +0 product makes the dense sum +0. test_f32_sparse_negzero documents it;
 * the random draws never use a -0 bias.
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

#define P30 ((int64_t)1 << 30)
#define P31 ((int64_t)1 << 31)
#define P47 ((int64_t)1 << 47)
#define M_MAX ((int32_t)2147483647)
#define GUARD 16
#define SENT 0x5A
#define N_RANDOM 1200

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
/* the encoding, built from a dense matrix                               */
/* ===================================================================== */

/* Sparse form of a matrix [out_n][in_n] whose kept (nonzero) entries are
 * flagged by nz: row_start [out_n + 1], delta and src [n_entries]. src[k]
 * is the index o * in_n + c of the dense weight entry k stands for, or -1
 * for a filler entry (value 0). */
typedef struct {
    int32_t out_n;
    int32_t in_n;
    int32_t n_entries;
    int32_t n_fillers;
    int32_t *row_start;
    uint8_t *delta;
    int32_t *src;
} sp_enc;

/* The column restarts from 0 at each row; an entry at column c after the
 * previous one at column prev has delta c - prev (c for the row's first
 * entry, prev = 0); while the gap is wider than 255, a filler of delta 255
 * (value 0) is put first. */
static void encode(const unsigned char *nz, int32_t out_n, int32_t in_n, sp_enc *e)
{
    int32_t o, c, k = 0;
    /* worst case per row: in_n kept entries and in_n / 255 + 1 fillers */
    size_t cap = (size_t)out_n * (size_t)(in_n + in_n / 255 + 2);
    e->out_n = out_n;
    e->in_n = in_n;
    e->n_fillers = 0;
    e->row_start = malloc(sizeof(int32_t) * (size_t)(out_n + 1));
    e->delta = malloc(cap);
    e->src = malloc(sizeof(int32_t) * cap);
    for (o = 0; o < out_n; o++) {
        int32_t prev = 0;
        e->row_start[o] = k;
        for (c = 0; c < in_n; c++) {
            int32_t gap;
            if (nz[o * in_n + c] == 0) {
                continue;
            }
            gap = c - prev;
            while (gap > 255) {
                e->delta[k] = 255;
                e->src[k] = -1;
                k++;
                e->n_fillers++;
                gap -= 255;
                prev += 255;
            }
            e->delta[k] = (uint8_t)gap;
            e->src[k] = o * in_n + c;
            k++;
            prev = c;
        }
    }
    e->row_start[out_n] = k;
    e->n_entries = k;
}

static void enc_free(sp_enc *e)
{
    free(e->row_start);
    free(e->delta);
    free(e->src);
}

/* the encodings built from each dense matrix type: nonzero = kept */
static void encode_f32(const float *w, int32_t out_n, int32_t in_n, sp_enc *e, float **values)
{
    int32_t i, n = out_n * in_n;
    unsigned char *nz = malloc((size_t)n);
    for (i = 0; i < n; i++) {
        nz[i] = (unsigned char)(w[i] != 0.0F);
    }
    encode(nz, out_n, in_n, e);
    *values = malloc(sizeof(float) * (size_t)(e->n_entries + 1));
    for (i = 0; i < e->n_entries; i++) {
        (*values)[i] = e->src[i] < 0 ? 0.0F : w[e->src[i]];
    }
    free(nz);
}

static void encode_s8(const int8_t *w, int32_t out_n, int32_t in_n, sp_enc *e, int8_t **values)
{
    int32_t i, n = out_n * in_n;
    unsigned char *nz = malloc((size_t)n);
    for (i = 0; i < n; i++) {
        nz[i] = (unsigned char)(w[i] != 0);
    }
    encode(nz, out_n, in_n, e);
    *values = malloc((size_t)(e->n_entries + 1));
    for (i = 0; i < e->n_entries; i++) {
        (*values)[i] = e->src[i] < 0 ? (int8_t)0 : w[e->src[i]];
    }
    free(nz);
}

/* 1 for the input columns no entry of the encoding reads (fillers read
 * theirs) */
static unsigned char *unread_columns(const sp_enc *e)
{
    unsigned char *un = malloc((size_t)e->in_n);
    int32_t o, k;
    memset(un, 1, (size_t)e->in_n);
    for (o = 0; o < e->out_n; o++) {
        int32_t c = 0;
        for (k = e->row_start[o]; k < e->row_start[o + 1]; k++) {
            c += e->delta[k];
            un[c] = 0;
        }
    }
    return un;
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

/* got (with guards) against want, byte for byte; 0 when equal */
static int bits_differ(const char *what, int c, const void *got, const void *want, int32_t n,
                       size_t es)
{
    int bad = 0;
    if (memcmp(got, want, (size_t)n * es) != 0) {
        int32_t i;
        for (i = 0; i < n; i++) {
            if (memcmp((const unsigned char *)got + (size_t)i * es,
                       (const unsigned char *)want + (size_t)i * es, es) != 0) {
                break;
            }
        }
        printf("\n  %s case %d: element %ld differs\n", what, c, (long)i);
        bad++;
    }
    if (!guards_ok(got, n, es)) {
        printf("\n  %s case %d: write outside the output\n", what, c);
        bad++;
    }
    return bad;
}

/* the two pre-fill patterns of every sparse run */
static const int fills[2] = { 0x00, 0xA5 };

typedef void (*sparse_call)(const void *p, const void *in, const void *values,
                            const void *bias, void *out);

static void call_f32(const void *p, const void *in, const void *values, const void *bias,
                     void *out)
{
    stoic_dense_f32_sparse(p, in, values, bias, out);
}

static void call_s8(const void *p, const void *in, const void *values, const void *bias,
                    void *out)
{
    stoic_dense_s8_sparse(p, in, values, bias, out);
}

static void call_s16(const void *p, const void *in, const void *values, const void *bias,
                     void *out)
{
    stoic_dense_s16_sparse(p, in, values, bias, out);
}

/* the sparse kernel, twice (two pre-fills), against want; mismatches */
static int run_sparse(const char *what, int c, sparse_call f, const void *p, const void *in,
                      const void *values, const void *bias, const void *want, int32_t n,
                      size_t es)
{
    int pass, bad = 0;
    for (pass = 0; pass < 2; pass++) {
        void *out = out_alloc(n, es, fills[pass]);
        f(p, in, values, bias, out);
        bad += bits_differ(what, c, out, want, n, es);
        out_free(out);
    }
    return bad;
}

/* ===================================================================== */
/* hand-written encodings                                                */
/* ===================================================================== */

/* The 2x300 matrix of the hand tests (out_n 2, in_n 300):
 *   row 0: 3 at column 290          -> filler (delta 255, value 0), then
 *                                      delta 35 (255 + 35 = 290), value 3
 *   row 1: -2 at 0, 7 at 5, 1 at 255, -1 at 299
 *                                   -> deltas 0, 5, 250, 44 (no filler)
 * row_start = {0, 2, 6}. */
static const int32_t h_rs[3] = { 0, 2, 6 };
static const uint8_t h_delta[6] = { 255, 35, 0, 5, 250, 44 };
static const int32_t h_src[6] = { -1, 290, 300 + 0, 300 + 5, 300 + 255, 300 + 299 };
static const int8_t h_val8[6] = { 0, 3, -2, 7, 1, -1 };
static const float h_valf[6] = { 0.0F, 3.0F, -2.0F, 7.0F, 1.0F, -1.0F };

static int8_t *h_dense8(void)
{
    int8_t *w = calloc(600, 1);
    w[290] = 3;
    w[300 + 0] = -2;
    w[300 + 5] = 7;
    w[300 + 255] = 1;
    w[300 + 299] = -1;
    return w;
}

/* encode() gives the hand encodings */
static void test_encoder_hand(void)
{
    int8_t *w = h_dense8();
    int8_t *v;
    sp_enc e;
    int32_t k;
    unsigned char nz[3 * 600];
    encode_s8(w, 2, 300, &e, &v);
    CU_ASSERT_EQUAL(e.n_entries, 6);
    CU_ASSERT_EQUAL(e.n_fillers, 1);
    CU_ASSERT(memcmp(e.row_start, h_rs, sizeof h_rs) == 0);
    CU_ASSERT(memcmp(e.delta, h_delta, sizeof h_delta) == 0);
    CU_ASSERT(memcmp(e.src, h_src, sizeof h_src) == 0);
    CU_ASSERT(memcmp(v, h_val8, sizeof h_val8) == 0);
    enc_free(&e);
    free(v);
    free(w);

    /* 3 rows of 600: row 0 kept only at 599 (gap 599 = 255 + 255 + 89: two
     * fillers); row 1 empty; row 2 kept at 255 (delta 255, no filler), 511
     * (gap 256: filler 255, then 1), 512 (delta 1) */
    memset(nz, 0, sizeof nz);
    nz[599] = 1;
    nz[1200 + 255] = 1;
    nz[1200 + 511] = 1;
    nz[1200 + 512] = 1;
    encode(nz, 3, 600, &e);
    {
        static const int32_t rs_want[4] = { 0, 3, 3, 7 };
        static const uint8_t d_want[7] = { 255, 255, 89, 255, 255, 1, 1 };
        static const int32_t s_want[7] = { -1, -1, 599, 1455, -1, 1711, 1712 };
        CU_ASSERT_EQUAL(e.n_entries, 7);
        CU_ASSERT_EQUAL(e.n_fillers, 3);
        CU_ASSERT(memcmp(e.row_start, rs_want, sizeof rs_want) == 0);
        CU_ASSERT(memcmp(e.delta, d_want, sizeof d_want) == 0);
        CU_ASSERT(memcmp(e.src, s_want, sizeof s_want) == 0);
    }
    enc_free(&e);

    /* fully dense row: deltas 0, 1, 1, ...; empty matrix: no entry */
    memset(nz, 1, 4);
    encode(nz, 1, 4, &e);
    CU_ASSERT_EQUAL(e.n_entries, 4);
    CU_ASSERT_EQUAL(e.row_start[1], 4);
    for (k = 0; k < 4; k++) {
        CU_ASSERT_EQUAL(e.delta[k], k == 0 ? 0 : 1);
    }
    enc_free(&e);
    memset(nz, 0, 4);
    encode(nz, 2, 2, &e);
    CU_ASSERT_EQUAL(e.n_entries, 0);
    CU_ASSERT(e.row_start[0] == 0 && e.row_start[1] == 0 && e.row_start[2] == 0);
    enc_free(&e);
}

static void test_s8_sparse_hand(void)
{
    /* The 2x300 matrix; input_offset 1 (zp_in -1), output_offset -3,
     * bias {50, -50}; qmul[0] = (2^30, 1): M = 1 (identity); qmul[1] =
     * (2^30, 0): M = 1/2.
     * input row 0: [290] = 10, [0] = 4, [5] = -6, [255] = 20, [299] = -100
     *   o0: 50 + (10 + 1) * 3 = 83            -> 83 - 3 = 80
     *   o1: -50 + 5 * -2 + -5 * 7 + 21 * 1 + -99 * -1 = 25 -> 12.5, tie up
     *       -> 13 - 3 = 10
     * input row 1: [290] = -128, [0] = -30, [5] = 0, [255] = 9, [299] = 50
     *   o0: 50 + -127 * 3 = -331 -> -334 -> clamped to -128
     *   o1: -50 + -29 * -2 + 1 * 7 + 10 * 1 + 51 * -1 = -26 -> -13 - 3 = -16
     * The filler reads column 255 ((20 + 1) * 0 = 0). Every other input
     * column holds 77 (read by nobody: no effect). With act [-20, 15]:
     * 15, 10, -20, -16. No bias: o0 33 - 3 = 30, -381 -> -128; o1 75 ->
     * 37.5 -> 38 - 3 = 35, 24 -> 12 - 3 = 9. */
    static const stoic_qmul qm[2] = { { 1073741824, 1 }, { 1073741824, 0 } };
    static const int32_t bias[2] = { 50, -50 };
    static const int8_t want_full[4] = { 80, 10, -128, -16 };
    static const int8_t want_act[4] = { 15, 10, -20, -16 };
    static const int8_t want_nob[4] = { 30, 35, -128, 9 };
    int8_t in[600];
    int8_t *w = h_dense8();
    int8_t dense_out[4];
    stoic_dense_sparse_q_params p;
    stoic_dense_s8_params d;
    memset(in, 77, sizeof in);
    in[290] = 10; in[0] = 4; in[5] = -6; in[255] = 20; in[299] = -100;
    in[300 + 290] = -128; in[300 + 0] = -30; in[300 + 5] = 0; in[300 + 255] = 9;
    in[300 + 299] = 50;
    p.rows = 2;
    p.in_n = 300;
    p.out_n = 2;
    p.input_offset = 1;
    p.output_offset = -3;
    p.act_min = -128;
    p.act_max = 127;
    p.qmul = qm;
    p.row_start = h_rs;
    p.delta = h_delta;
    CU_ASSERT_EQUAL(run_sparse("s8 hand", 0, call_s8, &p, in, h_val8, bias, want_full, 4, 1), 0);
    /* the dense kernel agrees */
    d.rows = 2; d.in_n = 300; d.out_n = 2; d.input_offset = 1; d.output_offset = -3;
    d.act_min = -128; d.act_max = 127; d.qmul = qm;
    stoic_dense_s8(&d, in, w, bias, dense_out);
    CU_ASSERT(memcmp(dense_out, want_full, 4) == 0);
    p.act_min = -20;
    p.act_max = 15;
    CU_ASSERT_EQUAL(run_sparse("s8 hand act", 1, call_s8, &p, in, h_val8, bias, want_act, 4, 1),
                    0);
    p.act_min = -128;
    p.act_max = 127;
    CU_ASSERT_EQUAL(run_sparse("s8 hand no bias", 2, call_s8, &p, in, h_val8, NULL, want_nob, 4,
                               1), 0);
    free(w);

    /* a row with no entry gives requantize(bias) + zp_out; a fully dense
     * row is the dense kernel: w = [[0 0 0], [2 -1 3]] (row 0 empty),
     * in = [5, 6, -7], offsets 0, identity multipliers, bias {-9, 4}:
     * o0 = -9; o1 = 4 + 10 - 6 - 21 = -13 */
    {
        static const int32_t rs2[3] = { 0, 0, 3 };
        static const uint8_t d2[3] = { 0, 1, 1 };
        static const int8_t v2[3] = { 2, -1, 3 };
        static const int8_t in2[3] = { 5, 6, -7 };
        static const int32_t b2[2] = { -9, 4 };
        static const stoic_qmul qid[2] = { { 1073741824, 1 }, { 1073741824, 1 } };
        static const int8_t want2[2] = { -9, -13 };
        p.rows = 1;
        p.in_n = 3;
        p.out_n = 2;
        p.input_offset = 0;
        p.output_offset = 0;
        p.qmul = qid;
        p.row_start = rs2;
        p.delta = d2;
        CU_ASSERT_EQUAL(run_sparse("s8 hand empty/full", 3, call_s8, &p, in2, v2, b2, want2, 2,
                                   1), 0);
    }
}

static void test_s16_sparse_hand(void)
{
    /* The 2x300 matrix; bias {5, -3}; qmul[0] identity (2^30, 1); qmul[1] =
     * (2^30, -3): M = 2^30 * 2^-34 = 1/16.
     * input row 0: [290] = 1000, [0] = -32768, [5] = 32767, [255] = 2, [299] = -7
     *   o0: 5 + 3000 = 3005
     *   o1: -3 + 65536 + 229369 + 2 + 7 = 294911 -> 18431.94 -> 18432
     * input row 1: [290] = -11000, [0] = 3, [5] = -4, [255] = 100, [299] = 1
     *   o0: 5 - 33000 = -32995 -> clamped to -32768
     *   o1: -3 - 6 - 28 + 100 - 1 = 62 -> 3.875 -> 4
     * Other input columns hold -32768 (unread). Act [-1000, 4]: 4, 4,
     * -1000, 4. */
    static const stoic_qmul qm[2] = { { 1073741824, 1 }, { 1073741824, -3 } };
    static const int64_t bias[2] = { 5, -3 };
    static const int16_t want_full[4] = { 3005, 18432, -32768, 4 };
    static const int16_t want_act[4] = { 4, 4, -1000, 4 };
    int16_t in[600];
    int16_t dense_out[4];
    int8_t *w = h_dense8();
    int32_t i;
    stoic_dense_sparse_q_params p;
    stoic_dense_s16_params d;
    for (i = 0; i < 600; i++) {
        in[i] = -32768;
    }
    in[290] = 1000; in[0] = -32768; in[5] = 32767; in[255] = 2; in[299] = -7;
    in[300 + 290] = -11000; in[300 + 0] = 3; in[300 + 5] = -4; in[300 + 255] = 100;
    in[300 + 299] = 1;
    p.rows = 2;
    p.in_n = 300;
    p.out_n = 2;
    p.input_offset = 0;
    p.output_offset = 0;
    p.act_min = -32768;
    p.act_max = 32767;
    p.qmul = qm;
    p.row_start = h_rs;
    p.delta = h_delta;
    CU_ASSERT_EQUAL(run_sparse("s16 hand", 0, call_s16, &p, in, h_val8, bias, want_full, 4, 2),
                    0);
    d.rows = 2; d.in_n = 300; d.out_n = 2; d.act_min = -32768; d.act_max = 32767; d.qmul = qm;
    stoic_dense_s16(&d, in, w, bias, dense_out);
    CU_ASSERT(memcmp(dense_out, want_full, sizeof dense_out) == 0);
    p.act_min = -1000;
    p.act_max = 4;
    CU_ASSERT_EQUAL(run_sparse("s16 hand act", 1, call_s16, &p, in, h_val8, bias, want_act, 4,
                               2), 0);
    free(w);

    /* two fillers: 1x600, one weight -128 at column 599 (deltas 255, 255,
     * 89), in[599] = -32768, bias 2^47 - 2^22 (the bound): acc = 2^47;
     * (2^30, -31): M = 2^-32, 2^47 * 2^-32 = 32768 -> clamped 32767 */
    {
        static const int32_t rs3[2] = { 0, 3 };
        static const uint8_t d3[3] = { 255, 255, 89 };
        static const int8_t v3[3] = { 0, 0, -128 };
        static const stoic_qmul q3[1] = { { 1073741824, -31 } };
        static const int16_t want3[1] = { 32767 };
        int64_t b3[1];
        b3[0] = P47 - ((int64_t)1 << 22);
        for (i = 0; i < 600; i++) {
            in[i] = 12345;
        }
        in[599] = -32768;
        p.rows = 1;
        p.in_n = 600;
        p.out_n = 1;
        p.act_min = -32768;
        p.act_max = 32767;
        p.qmul = q3;
        p.row_start = rs3;
        p.delta = d3;
        CU_ASSERT_EQUAL(run_sparse("s16 hand 2 fillers", 2, call_s16, &p, in, v3, b3, want3, 1,
                                   2), 0);
    }
}

static void test_f32_sparse_hand(void)
{
    /* The 2x300 matrix (values 0 (filler), 3, -2, 7, 1, -1); bias {0.25, -1}.
     * input row 0: [290] = 1.5, [0] = 2, [5] = -0.5, [255] = 4, [299] = 8
     *   o0: 0.25 + 4 * 0 (filler) + 1.5 * 3 = 4.75
     *   o1: -1 - 4 - 3.5 + 4 - 8 = -12.5
     * input row 1: [290] = -1, [0] = 0.125, [5] = 1, [255] = -2, [299] = 0.5
     *   o0: 0.25 - 3 = -2.75
     *   o1: -1 - 0.25 + 7 - 2 - 0.5 = 3.25
     * (every partial sum is exact in float). Other columns: 1000 (unread;
     * NaN in a second run). relu: 4.75, 0, 0, 3.25. */
    static const float bias[2] = { 0.25F, -1.0F };
    static const float want_none[4] = { 4.75F, -12.5F, -2.75F, 3.25F };
    static const float want_relu[4] = { 4.75F, 0.0F, 0.0F, 3.25F };
    static const int32_t used[5] = { 290, 0, 5, 255, 299 };
    float in[600];
    float in_nan[600];
    float dense_out[4];
    float w[600];
    int32_t i;
    stoic_dense_f32_sparse_params p;
    stoic_dense_f32_params d;
    for (i = 0; i < 600; i++) {
        in[i] = 1000.0F;
        in_nan[i] = (float)NAN;
        w[i] = 0.0F;
    }
    in[290] = 1.5F; in[0] = 2.0F; in[5] = -0.5F; in[255] = 4.0F; in[299] = 8.0F;
    in[300 + 290] = -1.0F; in[300 + 0] = 0.125F; in[300 + 5] = 1.0F; in[300 + 255] = -2.0F;
    in[300 + 299] = 0.5F;
    for (i = 0; i < 5; i++) {
        in_nan[used[i]] = in[used[i]];
        in_nan[300 + used[i]] = in[300 + used[i]];
    }
    for (i = 1; i < 6; i++) {
        w[h_src[i]] = h_valf[i];
    }
    p.rows = 2;
    p.in_n = 300;
    p.out_n = 2;
    p.act.kind = STOIC_ACT_NONE;
    p.act.lo = -STOIC_FLT_MAX;
    p.act.hi = STOIC_FLT_MAX;
    p.act.alpha = 0.0F;
    p.row_start = h_rs;
    p.delta = h_delta;
    CU_ASSERT_EQUAL(run_sparse("f32 hand", 0, call_f32, &p, in, h_valf, bias, want_none, 4, 4),
                    0);
    CU_ASSERT_EQUAL(run_sparse("f32 hand NaN unread", 1, call_f32, &p, in_nan, h_valf, bias,
                               want_none, 4, 4), 0);
    d.rows = 2;
    d.in_n = 300;
    d.out_n = 2;
    d.act = p.act;
    stoic_dense_f32(&d, in, w, bias, dense_out);
    CU_ASSERT(memcmp(dense_out, want_none, sizeof dense_out) == 0);
    p.act.kind = STOIC_ACT_CLAMP;
    p.act.lo = 0.0F;
    CU_ASSERT_EQUAL(run_sparse("f32 hand relu", 2, call_f32, &p, in, h_valf, bias, want_relu, 4,
                               4), 0);

    /* empty row and no bias: +0 (act NONE); fully dense 1x3 row:
     * w = [0.5, -1, 2], in = [2, 3, 0.25]: 0 + 1 - 3 + 0.5 = -1.5 */
    {
        static const int32_t rs2[3] = { 0, 0, 3 };
        static const uint8_t d2[3] = { 0, 1, 1 };
        static const float v2[3] = { 0.5F, -1.0F, 2.0F };
        static const float in2[3] = { 2.0F, 3.0F, 0.25F };
        static const float want2[2] = { 0.0F, -1.5F };
        p.rows = 1;
        p.in_n = 3;
        p.out_n = 2;
        p.act.kind = STOIC_ACT_NONE;
        p.act.lo = -STOIC_FLT_MAX;
        p.row_start = rs2;
        p.delta = d2;
        CU_ASSERT_EQUAL(run_sparse("f32 hand empty/full", 3, call_f32, &p, in2, v2, NULL, want2,
                                   2, 4), 0);
    }
}

/* The one bit-level difference the float contract allows: with bias -0.0,
 * a row with no kept weight gives -0 here, while the dense kernel adds
 * in * 0 = +0 for a pruned column with in >= 0 and gives +0. They compare
 * equal as floats. */
static void test_f32_sparse_negzero(void)
{
    static const int32_t rs0[2] = { 0, 0 };
    static const uint8_t dl[1] = { 0 };
    static const float v[1] = { 0.0F };
    static const float in[2] = { 1.0F, 2.0F };
    static const float w[2] = { 0.0F, 0.0F };
    float bias[1];
    float s_out[1], d_out[1];
    stoic_dense_f32_sparse_params p;
    stoic_dense_f32_params d;
    bias[0] = -0.0F;
    p.rows = 1;
    p.in_n = 2;
    p.out_n = 1;
    p.act.kind = STOIC_ACT_NONE;
    p.act.lo = -STOIC_FLT_MAX;
    p.act.hi = STOIC_FLT_MAX;
    p.act.alpha = 0.0F;
    p.row_start = rs0;
    p.delta = dl;
    d.rows = 1;
    d.in_n = 2;
    d.out_n = 1;
    d.act = p.act;
    stoic_dense_f32_sparse(&p, in, v, bias, s_out);
    stoic_dense_f32(&d, in, w, bias, d_out);
    CU_ASSERT(s_out[0] == 0.0F && signbit(s_out[0]) != 0);
    CU_ASSERT(d_out[0] == 0.0F && signbit(d_out[0]) == 0);
    CU_ASSERT(s_out[0] == d_out[0]);
}

/* ===================================================================== */
/* random cases: shapes and sparsity patterns                            */
/* ===================================================================== */

/* coverage counters of the random shapes (per kernel) */
static long n_in_small, n_in_gt255, n_in_gt600, n_empty_rows, n_full_rows, n_partial_rows;
static long n_all_pruned, n_all_kept, n_with_filler, n_multi_filler, n_delta255, n_gap256;
static long n_null_bias, n_entries_total, n_unread_cases, n_decode_bad;

static void reset_shape_counts(void)
{
    n_in_small = n_in_gt255 = n_in_gt600 = n_empty_rows = n_full_rows = n_partial_rows = 0;
    n_all_pruned = n_all_kept = n_with_filler = n_multi_filler = n_delta255 = n_gap256 = 0;
    n_null_bias = n_entries_total = n_unread_cases = n_decode_bad = 0;
}

/* A random shape and the flags of the kept weights (the caller puts
 * nonzero values there and zeros elsewhere). */
static unsigned char *draw_mask(int32_t *rows, int32_t *in_n, int32_t *out_n)
{
    int32_t o, c, n;
    int mode;
    unsigned char *nz;
    switch (rndi(0, 3)) {
    case 0: *in_n = rndi(1, 16); break;
    case 1: *in_n = rndi(17, 255); break;
    case 2: *in_n = rndi(256, 600); break;
    default: *in_n = rndi(601, 1500); break;
    }
    *rows = rndi(1, 3);
    *out_n = rndi(1, 10);
    n = *out_n * *in_n;
    nz = calloc((size_t)n, 1);
    mode = rndi(0, 9);
    for (o = 0; o < *out_n; o++) {
        unsigned char *row = nz + (size_t)o * (size_t)*in_n;
        int32_t row_mode = rndi(0, 7);  /* 0: empty, 1: full, else the case's mode */
        if (mode == 0 || (mode != 1 && row_mode == 0)) {
            continue;                                       /* 100% sparse */
        }
        if (mode == 1 || row_mode == 1) {
            memset(row, 1, (size_t)*in_n);                  /* 0% sparse */
            continue;
        }
        if (mode <= 4) {
            /* uniform density, drawn per row in [0%, 100%] */
            int32_t per_mille = rndi(0, 1000);
            for (c = 0; c < *in_n; c++) {
                row[c] = (unsigned char)(rndi(0, 999) < per_mille);
            }
        } else if (mode <= 6) {
            /* very sparse: long gaps, fillers */
            int32_t per_mille = rndi(1, 8);
            for (c = 0; c < *in_n; c++) {
                row[c] = (unsigned char)(rndi(0, 999) < per_mille);
            }
        } else {
            /* gaps at the filler boundaries */
            static const int32_t gaps[10] = { 1, 254, 255, 256, 257, 509, 510, 511, 766, 0 };
            c = rndi(0, 1) ? rndi(0, 3) : rndi(250, 260);
            while (c < *in_n) {
                int32_t g = gaps[rndi(0, 9)];
                row[c] = 1;
                c += g != 0 ? g : rndi(1, 900);
            }
        }
    }
    return nz;
}

/* shape counters of one case */
static void count_shape(const unsigned char *nz, const sp_enc *e, int32_t in_n, int32_t out_n)
{
    int32_t o, c, k, kept = 0;
    int filler = 0, multi = 0;
    n_in_small += in_n <= 255;
    n_in_gt255 += in_n > 255;
    n_in_gt600 += in_n > 600;
    for (o = 0; o < out_n; o++) {
        int32_t cnt = 0;
        int32_t col = 0;
        for (c = 0; c < in_n; c++) {
            cnt += nz[o * in_n + c];
        }
        kept += cnt;
        n_empty_rows += cnt == 0;
        n_full_rows += cnt == in_n;
        n_partial_rows += cnt > 0 && cnt < in_n;
        for (k = e->row_start[o]; k < e->row_start[o + 1]; k++) {
            col += e->delta[k];
            if (e->src[k] < 0) {
                filler = 1;
                multi |= k + 1 < e->row_start[o + 1] && e->src[k + 1] < 0;
            } else {
                n_delta255 += e->delta[k] == 255;
                n_gap256 += e->delta[k] == 1 && k > e->row_start[o] && e->src[k - 1] < 0;
                /* the decoded column is the kept weight's column */
                n_decode_bad += o * in_n + col != e->src[k];
            }
        }
    }
    n_all_pruned += kept == 0;
    n_all_kept += kept == out_n * in_n;
    n_with_filler += filler;
    n_multi_filler += multi;
    n_entries_total += e->n_entries;
}

static void print_shape_counts(const char *what)
{
    printf("\n  %s: %d cases (in_n <= 255: %ld, > 255: %ld, > 600: %ld; all pruned %ld, "
           "none pruned %ld; rows empty %ld, full %ld, partial %ld; cases with fillers %ld, "
           "with 2+ consecutive fillers %ld; kept deltas of 255: %ld, gaps of 256: %ld; "
           "no bias %ld; %ld entries)",
           what, N_RANDOM, n_in_small, n_in_gt255, n_in_gt600, n_all_pruned, n_all_kept,
           n_empty_rows, n_full_rows, n_partial_rows, n_with_filler, n_multi_filler,
           n_delta255, n_gap256, n_null_bias, n_entries_total);
}

static void assert_shape_counts(void)
{
    CU_ASSERT(n_in_gt255 >= 400 && n_in_gt600 >= 200 && n_in_small >= 400);
    CU_ASSERT(n_all_pruned >= 60 && n_all_kept >= 60);
    CU_ASSERT(n_empty_rows >= 500 && n_full_rows >= 500 && n_partial_rows >= 2000);
    CU_ASSERT(n_with_filler >= 200 && n_multi_filler >= 50);
    CU_ASSERT(n_delta255 >= 50 && n_gap256 >= 50);
    CU_ASSERT(n_null_bias >= 100);
    CU_ASSERT_EQUAL(n_unread_cases, N_RANDOM);
    CU_ASSERT_EQUAL(n_decode_bad, 0);
}

/* (m, shift) of a positive real M: M = M0 2^e, M0 in [0.5, 1),
 * m = round(M0 2^31), shift clamped to +-31 */
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

/* a multiplier mapping a typical accumulator typ to about target, or
 * (one case in six) the ends of the m and shift ranges */
static stoic_qmul qmul_draw(double typ, double target, int extreme)
{
    stoic_qmul q;
    if (extreme) {
        q.m = rndi(0, 1) ? M_MAX : (int32_t)P30;
        q.shift = rndi(0, 2) == 0 ? 31 : (rndi(0, 1) ? -31 : rndi(-31, 31));
        return q;
    }
    return qmul_of(target / typ * ldexp(1.0 + (double)rndi(0, 999) / 1000.0, rndi(-3, 2)));
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

/* nonzero int8 weight: uniform, or the extremes */
static int8_t w8_draw(int extreme)
{
    int32_t v;
    if (extreme) {
        v = rndi(0, 1) ? 127 : -128;
    } else {
        v = rndi(-128, 126);
        v += v >= 0;            /* skip 0 */
    }
    return (int8_t)v;
}

/* output statistics of the integer cases: clamped at either end or not */
static long n_out_lo, n_out_hi, n_out_in;

static void count_outputs(const int32_t *vals, int32_t n, int32_t lo, int32_t hi)
{
    int32_t i;
    for (i = 0; i < n; i++) {
        n_out_lo += vals[i] == lo;
        n_out_hi += vals[i] == hi;
        n_out_in += vals[i] > lo && vals[i] < hi;
    }
}

/* 1 + mean over the input rows of |acc| of output o (to scale the
 * multiplier so that outputs spread over the range) */
static double mean_abs_acc(int32_t rows, int32_t in_n, int32_t o, const int8_t *w,
                           const int8_t *in, int32_t off, int64_t bias)
{
    int32_t r, i;
    double s = 0.0;
    for (r = 0; r < rows; r++) {
        int64_t acc = bias;
        for (i = 0; i < in_n; i++) {
            acc += (int64_t)(in[r * in_n + i] + off) * w[o * in_n + i];
        }
        s += fabs((double)acc);
    }
    return 1.0 + s / (double)rows;
}

static double mean_abs_acc16(int32_t rows, int32_t in_n, int32_t o, const int8_t *w,
                             const int16_t *in, int64_t bias)
{
    int32_t r, i;
    double s = 0.0;
    for (r = 0; r < rows; r++) {
        int64_t acc = bias;
        for (i = 0; i < in_n; i++) {
            acc += (int64_t)in[r * in_n + i] * w[o * in_n + i];
        }
        s += fabs((double)acc);
    }
    return 1.0 + s / (double)rows;
}

/* ===================================================================== */
/* random: int8                                                          */
/* ===================================================================== */

static void test_s8_sparse_random(void)
{
    int c, bad = 0;
    seed(0x5A8u);
    reset_shape_counts();
    n_out_lo = n_out_hi = n_out_in = 0;
    for (c = 0; c < N_RANDOM; c++) {
        int32_t rows, in_n, out_n, o, i, n_out, n_in;
        unsigned char *nz = draw_mask(&rows, &in_n, &out_n);
        unsigned char *unread;
        int8_t *w, *values, *in, *dense_out;
        int32_t *bias, *vals;
        stoic_qmul *qm;
        sp_enc e;
        stoic_dense_s8_params d;
        stoic_dense_sparse_q_params p;
        int extreme_w = rndi(0, 5) == 0;
        int extreme_in = rndi(0, 5) == 0;
        int extreme_q = rndi(0, 5) == 0;
        int bmode = c % 8 == 7 ? 0 : rndi(1, 3);
        n_out = rows * out_n;
        n_in = rows * in_n;
        w = malloc((size_t)(out_n * in_n));
        for (i = 0; i < out_n * in_n; i++) {
            w[i] = nz[i] != 0 ? w8_draw(extreme_w) : (int8_t)0;
        }
        in = malloc((size_t)n_in);
        for (i = 0; i < n_in; i++) {
            in[i] = (int8_t)(extreme_in ? (rndi(0, 1) ? 127 : -128) : rndi(-128, 127));
        }
        d.rows = rows;
        d.in_n = in_n;
        d.out_n = out_n;
        d.input_offset = extreme_in ? (rndi(0, 1) ? 128 : -127) : rndi(-127, 128);
        d.output_offset = rndi(-128, 127);
        act_draw(d.output_offset, -128, 127, &d.act_min, &d.act_max);
        qm = malloc(sizeof(stoic_qmul) * (size_t)out_n);
        bias = bmode == 0 ? NULL : malloc(sizeof(int32_t) * (size_t)out_n);
        for (o = 0; o < out_n; o++) {
            /* the overflow bound: |bias| + sum |(x + off) * w| <= INT32_MAX,
             * with |x + off| <= 255 */
            int64_t sum_w = 0, room;
            double typ;
            for (i = 0; i < in_n; i++) {
                sum_w += w[o * in_n + i] < 0 ? -w[o * in_n + i] : w[o * in_n + i];
            }
            room = (int64_t)INT32_MAX - 255 * sum_w;
            if (bias != NULL) {
                bias[o] = (int32_t)(bmode == 1 ? rnd(-1000, 1000) : bmode == 2
                                    ? rnd(-room / 64, room / 64) : rnd(-room, room));
            }
            typ = mean_abs_acc(rows, in_n, o, w, in, d.input_offset, bias != NULL ? bias[o] : 0);
            qm[o] = qmul_draw(typ, 100.0, extreme_q);
        }
        d.qmul = qm;
        n_null_bias += bias == NULL;
        encode_s8(w, out_n, in_n, &e, &values);
        count_shape(nz, &e, in_n, out_n);
        p.rows = rows;
        p.in_n = in_n;
        p.out_n = out_n;
        p.input_offset = d.input_offset;
        p.output_offset = d.output_offset;
        p.act_min = d.act_min;
        p.act_max = d.act_max;
        p.qmul = qm;
        p.row_start = e.row_start;
        p.delta = e.delta;
        dense_out = malloc((size_t)n_out);
        stoic_dense_s8(&d, in, w, bias, dense_out);
        bad += run_sparse("s8_sparse", c, call_s8, &p, in, values, bias, dense_out, n_out, 1);
        /* the columns the encoding never reads do not matter */
        unread = unread_columns(&e);
        for (i = 0; i < n_in; i++) {
            if (unread[i % in_n] != 0) {
                in[i] = (int8_t)(~in[i]);
            }
        }
        bad += run_sparse("s8_sparse unread changed", c, call_s8, &p, in, values, bias,
                          dense_out, n_out, 1);
        n_unread_cases++;
        vals = malloc(sizeof(int32_t) * (size_t)n_out);
        for (i = 0; i < n_out; i++) {
            vals[i] = dense_out[i];
        }
        count_outputs(vals, n_out, d.act_min, d.act_max);
        free(vals);
        free(unread);
        free(dense_out);
        enc_free(&e);
        free(values);
        free(bias);
        free(qm);
        free(in);
        free(w);
        free(nz);
    }
    print_shape_counts("dense_s8_sparse");
    printf("; outputs inside %ld, at act_min %ld, at act_max %ld\n", n_out_in, n_out_lo,
           n_out_hi);
    CU_ASSERT_EQUAL(bad, 0);
    assert_shape_counts();
    CU_ASSERT(n_out_in > 2000 && n_out_lo > 500 && n_out_hi > 500);
}

/* ===================================================================== */
/* random: int16                                                         */
/* ===================================================================== */

static void test_s16_sparse_random(void)
{
    int c, bad = 0;
    seed(0x5A16u);
    reset_shape_counts();
    n_out_lo = n_out_hi = n_out_in = 0;
    for (c = 0; c < N_RANDOM; c++) {
        int32_t rows, in_n, out_n, o, i, n_out, n_in;
        unsigned char *nz = draw_mask(&rows, &in_n, &out_n);
        unsigned char *unread;
        int8_t *w, *values;
        int16_t *in, *dense_out;
        int64_t *bias;
        int32_t *vals;
        stoic_qmul *qm;
        sp_enc e;
        stoic_dense_s16_params d;
        stoic_dense_sparse_q_params p;
        int extreme_w = rndi(0, 5) == 0;
        int extreme_in = rndi(0, 5) == 0;
        int extreme_q = rndi(0, 5) == 0;
        int bmode = c % 8 == 7 ? 0 : rndi(1, 3);
        n_out = rows * out_n;
        n_in = rows * in_n;
        w = malloc((size_t)(out_n * in_n));
        for (i = 0; i < out_n * in_n; i++) {
            w[i] = nz[i] != 0 ? w8_draw(extreme_w) : (int8_t)0;
        }
        in = malloc(sizeof(int16_t) * (size_t)n_in);
        for (i = 0; i < n_in; i++) {
            in[i] = (int16_t)(extreme_in ? (rndi(0, 1) ? 32767 : -32768) : rndi(-32768, 32767));
        }
        d.rows = rows;
        d.in_n = in_n;
        d.out_n = out_n;
        act_draw(0, -32768, 32767, &d.act_min, &d.act_max);
        qm = malloc(sizeof(stoic_qmul) * (size_t)out_n);
        bias = bmode == 0 ? NULL : malloc(sizeof(int64_t) * (size_t)out_n);
        for (o = 0; o < out_n; o++) {
            /* the bound: |bias| + sum |x * w| <= 2^47, |x| <= 32768 */
            int64_t sum_w = 0, room;
            double typ;
            for (i = 0; i < in_n; i++) {
                sum_w += w[o * in_n + i] < 0 ? -w[o * in_n + i] : w[o * in_n + i];
            }
            room = P47 - 32768 * sum_w;
            if (bias != NULL) {
                bias[o] = bmode == 1 ? rnd(-100000, 100000) : bmode == 2
                          ? rnd(-((int64_t)1 << 30), (int64_t)1 << 30)
                          : (rndi(0, 3) == 0 ? (rndi(0, 1) ? room : -room) : rnd(-room, room));
            }
            typ = mean_abs_acc16(rows, in_n, o, w, in, bias != NULL ? bias[o] : 0);
            qm[o] = qmul_draw(typ, 12000.0, extreme_q);
        }
        d.qmul = qm;
        n_null_bias += bias == NULL;
        encode_s8(w, out_n, in_n, &e, &values);
        count_shape(nz, &e, in_n, out_n);
        p.rows = rows;
        p.in_n = in_n;
        p.out_n = out_n;
        p.input_offset = 0;
        p.output_offset = 0;
        p.act_min = d.act_min;
        p.act_max = d.act_max;
        p.qmul = qm;
        p.row_start = e.row_start;
        p.delta = e.delta;
        dense_out = malloc(sizeof(int16_t) * (size_t)n_out);
        stoic_dense_s16(&d, in, w, bias, dense_out);
        bad += run_sparse("s16_sparse", c, call_s16, &p, in, values, bias, dense_out, n_out, 2);
        unread = unread_columns(&e);
        for (i = 0; i < n_in; i++) {
            if (unread[i % in_n] != 0) {
                in[i] = (int16_t)(~in[i]);
            }
        }
        bad += run_sparse("s16_sparse unread changed", c, call_s16, &p, in, values, bias,
                          dense_out, n_out, 2);
        n_unread_cases++;
        vals = malloc(sizeof(int32_t) * (size_t)n_out);
        for (i = 0; i < n_out; i++) {
            vals[i] = dense_out[i];
        }
        count_outputs(vals, n_out, d.act_min, d.act_max);
        free(vals);
        free(unread);
        free(dense_out);
        enc_free(&e);
        free(values);
        free(bias);
        free(qm);
        free(in);
        free(w);
        free(nz);
    }
    print_shape_counts("dense_s16_sparse");
    printf("; outputs inside %ld, at act_min %ld, at act_max %ld\n", n_out_in, n_out_lo,
           n_out_hi);
    CU_ASSERT_EQUAL(bad, 0);
    assert_shape_counts();
    CU_ASSERT(n_out_in > 2000 && n_out_lo > 500 && n_out_hi > 500);
}

/* ===================================================================== */
/* random: float                                                         */
/* ===================================================================== */

/* finite float: uniform in [-4, 4), or a log-uniform magnitude in
 * [2^-70, 2^70) (products may underflow, overflow to inf, sums to NaN: the
 * same operations in both kernels), or exact zeros of either sign */
static float f_draw(int mode)
{
    double u = (double)rndi(-(1 << 24), (1 << 24) - 1) / (double)(1 << 24);
    switch (mode) {
    case 0:
        return (float)(4.0 * u);
    case 1:
        return (float)(ldexp(1.0 + fabs(u), rndi(-70, 69)) * (u < 0.0 ? -1.0 : 1.0));
    default:
        if (rndi(0, 3) == 0) {
            return rndi(0, 1) ? 0.0F : -0.0F;
        }
        return (float)(4.0 * u);
    }
}

/* nonzero float weight */
static float wf_draw(int mode)
{
    float v = f_draw(mode == 2 ? 0 : mode);
    return v != 0.0F ? v : 0.5F;
}

static void act_f32_draw(stoic_act_f32 *a)
{
    a->lo = -STOIC_FLT_MAX;
    a->hi = STOIC_FLT_MAX;
    a->alpha = 0.0F;
    switch (rndi(0, 5)) {
    case 0:
    case 1: a->kind = STOIC_ACT_NONE; break;
    case 2:
        a->kind = STOIC_ACT_CLAMP;
        a->lo = 0.0F;
        if (rndi(0, 1)) {
            a->hi = 6.0F;
        }
        break;
    case 3: a->kind = STOIC_ACT_LEAKY; a->alpha = 0.01F * (float)rndi(1, 30); break;
    case 4: a->kind = STOIC_ACT_SIGMOID; break;
    default: a->kind = STOIC_ACT_TANH; break;
    }
}

static void test_f32_sparse_random(void)
{
    int c, bad = 0;
    long n_nonfinite = 0, n_outputs = 0, n_signed_zero_out = 0;
    seed(0x5AF32u);
    reset_shape_counts();
    for (c = 0; c < N_RANDOM; c++) {
        int32_t rows, in_n, out_n, i, n_out, n_in;
        unsigned char *nz = draw_mask(&rows, &in_n, &out_n);
        unsigned char *unread;
        float *w, *values, *in, *bias, *dense_out;
        sp_enc e;
        stoic_dense_f32_params d;
        stoic_dense_f32_sparse_params p;
        int wmode = rndi(0, 5) == 0 ? 1 : rndi(0, 2) == 0 ? 2 : 0;
        int inmode = rndi(0, 5) == 0 ? 1 : rndi(0, 2) == 0 ? 2 : 0;
        int with_bias = c % 8 != 7;
        n_out = rows * out_n;
        n_in = rows * in_n;
        w = malloc(sizeof(float) * (size_t)(out_n * in_n));
        for (i = 0; i < out_n * in_n; i++) {
            w[i] = nz[i] != 0 ? wf_draw(wmode) : 0.0F;
        }
        in = malloc(sizeof(float) * (size_t)n_in);
        for (i = 0; i < n_in; i++) {
            in[i] = f_draw(inmode);
        }
        /* never -0.0 (the documented signed-zero difference) */
        bias = with_bias ? malloc(sizeof(float) * (size_t)out_n) : NULL;
        for (i = 0; with_bias && i < out_n; i++) {
            bias[i] = wf_draw(inmode == 1 ? 1 : 0);
        }
        n_null_bias += bias == NULL;
        d.rows = rows;
        d.in_n = in_n;
        d.out_n = out_n;
        act_f32_draw(&d.act);
        encode_f32(w, out_n, in_n, &e, &values);
        count_shape(nz, &e, in_n, out_n);
        p.rows = rows;
        p.in_n = in_n;
        p.out_n = out_n;
        p.act = d.act;
        p.row_start = e.row_start;
        p.delta = e.delta;
        dense_out = malloc(sizeof(float) * (size_t)n_out);
        stoic_dense_f32(&d, in, w, bias, dense_out);
        bad += run_sparse("f32_sparse", c, call_f32, &p, in, values, bias, dense_out, n_out, 4);
        /* the columns the encoding never reads may even be NaN */
        unread = unread_columns(&e);
        for (i = 0; i < n_in; i++) {
            if (unread[i % in_n] != 0) {
                in[i] = (float)NAN;
            }
        }
        bad += run_sparse("f32_sparse unread NaN", c, call_f32, &p, in, values, bias,
                          dense_out, n_out, 4);
        n_unread_cases++;
        for (i = 0; i < n_out; i++) {
            n_nonfinite += !isfinite(dense_out[i]);
            n_signed_zero_out += dense_out[i] == 0.0F;
        }
        n_outputs += n_out;
        free(unread);
        free(dense_out);
        enc_free(&e);
        free(values);
        free(bias);
        free(in);
        free(w);
        free(nz);
    }
    print_shape_counts("dense_f32_sparse");
    printf("; %ld outputs, %ld of them inf or NaN, %ld zero\n", n_outputs, n_nonfinite,
           n_signed_zero_out);
    CU_ASSERT_EQUAL(bad, 0);
    assert_shape_counts();
}

/* ===================================================================== */

UNIT_SUITE(kernel_sparse)
{
    CU_pSuite s = CU_add_suite("kernel_sparse", NULL, NULL);
    CU_add_test(s, "sparse encoder of the tests, hand-written encodings", test_encoder_hand);
    CU_add_test(s, "dense_s8_sparse hand-derived (2x300, filler)", test_s8_sparse_hand);
    CU_add_test(s, "dense_s16_sparse hand-derived (2x300, fillers)", test_s16_sparse_hand);
    CU_add_test(s, "dense_f32_sparse hand-derived (2x300, filler)", test_f32_sparse_hand);
    CU_add_test(s, "dense_f32_sparse: -0 bias, the documented difference",
                test_f32_sparse_negzero);
    CU_add_test(s, "dense_s8_sparse random vs dense_s8 (1200)", test_s8_sparse_random);
    CU_add_test(s, "dense_s16_sparse random vs dense_s16 (1200)", test_s16_sparse_random);
    CU_add_test(s, "dense_f32_sparse random vs dense_f32 (1200)", test_f32_sparse_random);
}

/*
 * Unit tests of the packed integer kernels and their primitives
 * (runtime/stoic_dsp.h: also the integer LSTM/GRU's rq32 and rdbpot; stoic_dense_s8_pk.c, stoic_dense_s16_pk.c,
 * stoic_conv2d_s8_dw3.c, stoic_conv2d_s16_dw3.c) and of the generator code
 * that chooses them and lays out their constants (generator/lower.c:
 * lower_node, lower_attach).
 *
 * Evidence, against references written here in plain int64 arithmetic
 * (qtest.h's qt_requantize: SRDHM as an explicit floor, RDBPOT on the
 * magnitude; sums as plain loops over the unpacked weights, padding taken
 * literally as the input value zp_in):
 *  - the one-rounding output stages stoic_dsp_rq8 / stoic_dsp_rq16 on 10^6
 *    random arguments each, biased to the extremes of their preconditions,
 *    with exact ties of both roundings constructed on purpose (the test
 *    counts them: a run that hits too few fails);
 *  - every kernel through lower: random quantized layers (shapes, zero
 *    points, multipliers, shifts, activations, extreme weights and inputs)
 *    are lowered, their constants packed by lower_attach, the kernel run
 *    on random inputs, and every output compared bit for bit with the
 *    reference computed from the layer's own unpacked int8 weights, int32/
 *    int64 bias and (m, shift) pairs. Outputs and the scratch carry guard
 *    words. Layers whose bounds do not hold must fall back to the plain
 *    kernels (checked), and enough layers must take the packed path
 *    (counted).
 * On the host this runs the portable C path of stoic_dsp.h; the DSP path
 * (ACLE) is compared with it on Cortex-M4/M7 by make target-check and
 * make target-kernels.
 */
/* REQ: REQ-ARITH-002 REQ-ARITH-004 REQ-ARITH-006 REQ-CMP-005 REQ-CMP-006 REQ-GEN-017 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <CUnit/CUnit.h>
#include "unit.h"
#include "ir.h"
#include "lower.h"
#include "qtest.h"
#include "quant.h"
#include "stoic_dsp.h"

#define GUARD_WORDS 8
#define SENT32 0x5A5A5A5A

/* ---- references ------------------------------------------------------ */

static int32_t sat(int64_t v, int64_t lo, int64_t hi)
{
    return (int32_t)qt_clamp(v, lo, hi);
}

/* int8 output stage before the activation clamp: saturated to int8 */
static int32_t ref_rq8(int64_t acc, int32_t m, int32_t shift, int32_t zp)
{
    return sat((int64_t)qt_requantize((int32_t)acc, m, shift) + zp, -128, 127);
}

/* int16 output stage (stoic_requantize64's contract) before the clamp:
 * floor((acc m 2^shift + 2^30) / 2^31), shift < 0, saturated to int16.
 * |acc| < 2^30 and m < 2^31, so acc * m + 2^(30 - shift) fits int64. */
static int32_t ref_rq16(int64_t acc, int32_t m, int32_t shift)
{
    int32_t e = -shift;
    int64_t q = qt_floor_div(acc * (int64_t)m + ((int64_t)1 << (30 + e)), (int64_t)1 << (31 + e));
    return sat(q, -32768, 32767);
}

/* ---- the primitives ---------------------------------------------------- */

static int64_t pick(uint32_t *s, int64_t lim)
{
    switch (qt_range(s, 0, 5)) {
    case 0:
        return qt_range(s, -lim, lim);
    case 1:
        return qt_range(s, -300, 300);
    case 2:
        return (qt_range(s, 0, 1) != 0 ? lim : -lim) - qt_range(s, 0, 3) * (qt_range(s, 0, 1) ? 1 : -1);
    default: {
        int64_t p = (int64_t)1 << qt_range(s, 0, 29);
        return (qt_range(s, 0, 1) != 0 ? p : -p) + qt_range(s, -1, 1);
    }
    }
}

static int32_t pick_m(uint32_t *s)
{
    switch (qt_range(s, 0, 4)) {
    case 0:
        return 1073741824;            /* 2^30: SRDHM(a, m) = floor((a + 1) / 2) */
    case 1:
        return 2147483647;
    case 2:
        return 1073741824 + (int32_t)qt_range(s, 0, 3);
    default:
        return (int32_t)qt_range(s, 1073741824, 2147483647);
    }
}

static void test_rq8_random(void)
{
    uint32_t s = 0x2545F491u;
    long n, bad = 0, ties_rd = 0, ties_sr = 0, sat_hits = 0;
    for (n = 0; n < 1000000; n++) {
        int32_t e = (int32_t)(qt_range(&s, 0, 3) == 0 ? qt_range(&s, 1, 31) : qt_range(&s, 1, 14));
        int32_t zp = (int32_t)qt_range(&s, -128, 127);
        int32_t m = pick_m(&s);
        int64_t c1 = 2 * (int64_t)zp + 1;
        int64_t lim = 2147483647LL - 3 - (c1 < 0 ? -c1 : c1) * ((int64_t)1 << (e - 1));
        int64_t a;
        int32_t got, want;
        lim = lim < 1073741823LL ? lim : 1073741823LL;
        if (lim <= 0) {
            continue;
        }
        if (m == 1073741824 && qt_range(&s, 0, 1) == 0) {
            /* an exact RDBPOT tie: SRDHM gives s0 = k 2^e +- 2^(e-1) */
            int64_t k = qt_range(&s, -(lim >> e) / 2, (lim >> e) / 2);
            int64_t s0 = k * ((int64_t)1 << e) + (qt_range(&s, 0, 1) ? 1 : -1) * ((int64_t)1 << (e - 1));
            a = 2 * s0 - qt_range(&s, 0, 1); /* floor((a + 1) / 2) = s0 */
        } else {
            a = pick(&s, lim);
        }
        if (a > lim || a < -lim) {
            continue;
        }
        want = ref_rq8(a, m, -e, zp);
        got = stoic_dsp_rq8((int32_t)(2 * a), m, (uint32_t)(e - 1), (int32_t)c1);
        if (m == 1073741824) {
            int64_t s0 = qt_floor_div(a + 1, 2);
            ties_sr += (a % 2) == 0;                                     /* SRDHM x.5 */
            ties_rd += ((s0 % ((int64_t)1 << e)) + ((int64_t)1 << e)) % ((int64_t)1 << e) ==
                       ((int64_t)1 << (e - 1));
        }
        sat_hits += want == -128 || want == 127;
        if (got != want && bad++ < 5) {
            printf("\n  rq8(a=%lld, m=%ld, e=%ld, zp=%ld): got %ld, want %ld", (long long)a,
                   (long)m, (long)e, (long)zp, (long)got, (long)want);
        }
    }
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT(ties_rd > 20000);   /* the cases the single rounding must get right */
    CU_ASSERT(ties_sr > 20000);
    CU_ASSERT(sat_hits > 20000);
}

static void test_rq16_random(void)
{
    uint32_t s = 0x9E3779B9u;
    long n, bad = 0, ties = 0, sat_hits = 0;
    for (n = 0; n < 1000000; n++) {
        int32_t e = (int32_t)(qt_range(&s, 0, 3) == 0 ? qt_range(&s, 1, 30) : qt_range(&s, 1, 16));
        int32_t m = pick_m(&s);
        int64_t lim = 1073741823LL - ((int64_t)1 << (e - 1)) - 3;
        int64_t a;
        int32_t got, want;
        if (m == 1073741824 && qt_range(&s, 0, 1) == 0) {
            /* exact tie: a 2^30 / 2^(31 + e) = k + 1/2 */
            int64_t k = qt_range(&s, -(lim >> (e + 1)) / 2, (lim >> (e + 1)) / 2);
            a = (2 * k + 1) * ((int64_t)1 << e);
        } else {
            a = pick(&s, lim);
        }
        if (a > lim || a < -lim) {
            continue;
        }
        want = ref_rq16(a, m, -e);
        got = stoic_dsp_rq16((int32_t)(2 * a), m, (uint32_t)(e - 1));
        ties += m == 1073741824 && (a % ((int64_t)1 << (e + 1))) != 0 &&
                (a % ((int64_t)1 << e)) == 0;
        sat_hits += want == -32768 || want == 32767;
        if (got != want && bad++ < 5) {
            printf("\n  rq16(a=%lld, m=%ld, e=%ld): got %ld, want %ld", (long long)a, (long)m,
                   (long)e, (long)got, (long)want);
        }
    }
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT(ties > 20000);
    CU_ASSERT(sat_hits > 20000);
}

/* stoic_dsp_rq32 (the integer LSTM/GRU's acc32 path): TensorFlow Lite's
 * 64-bit MultiplyByQuantizedMultiplier, floor((a m 2^shift + 2^30) /
 * 2^31), for |a| < 2^30 and -31 <= shift <= 0, with exact ties built on
 * purpose (m = 2^30: the value is a 2^(shift - 1), a tie when a is an odd
 * multiple of 2^(-shift)) */
static void test_rq32_random(void)
{
    uint32_t s = 0x7F4A7C15u;
    long n, bad = 0, ties = 0;
    for (n = 0; n < 1000000; n++) {
        int32_t e = (int32_t)(qt_range(&s, 0, 3) == 0 ? qt_range(&s, 0, 31) : qt_range(&s, 0, 16));
        int32_t m = pick_m(&s);
        int64_t lim = 1073741823LL;
        int64_t a, want;
        int32_t got;
        if (m == 1073741824 && qt_range(&s, 0, 1) == 0 && e < 29) {
            int64_t k = qt_range(&s, -(lim >> (e + 1)) / 2, (lim >> (e + 1)) / 2);
            a = (2 * k + 1) * ((int64_t)1 << e);
        } else {
            a = pick(&s, lim);
        }
        if (a > lim || a < -lim) {
            continue;
        }
        want = qt_floor_div(a * (int64_t)m + ((int64_t)1 << (30 + e)), (int64_t)1 << (31 + e));
        got = stoic_dsp_rq32((int32_t)a, m, -e);
        ties += m == 1073741824 && e > 0 && (a % ((int64_t)1 << e)) == 0 &&
                (a % ((int64_t)1 << (e + 1))) != 0;
        if (got != want && bad++ < 5) {
            printf("\n  rq32(a=%lld, m=%ld, shift=%ld): got %ld, want %lld", (long long)a,
                   (long)m, (long)-e, (long)got, (long long)want);
        }
    }
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT(ties > 20000);
}

/* stoic_dsp_rdbpot: x / 2^e rounded to nearest, ties away from zero (on the
 * magnitude, as TensorFlow Lite's RoundingDivideByPOT), for 0 <= e <= 30
 * and |x| <= 2^31 - 2^e; ties built on purpose */
static void test_rdbpot_random(void)
{
    uint32_t s = 0x1B873593u;
    long n, bad = 0, ties = 0;
    for (n = 0; n < 1000000; n++) {
        int32_t e = (int32_t)qt_range(&s, 0, 30);
        int64_t lim = 2147483648LL - ((int64_t)1 << e);
        int64_t x, mag, want;
        int32_t got;
        if (e > 0 && qt_range(&s, 0, 2) == 0) {
            int64_t k = qt_range(&s, -(lim >> e) / 2, (lim >> e) / 2);
            x = k * ((int64_t)1 << e) + ((int64_t)1 << (e - 1));
        } else {
            x = qt_range(&s, 0, 3) == 0 ? (qt_range(&s, 0, 1) ? lim : -lim) : pick(&s, lim);
        }
        if (x > lim || x < -lim) {
            continue;
        }
        mag = x < 0 ? -x : x;
        want = (mag + (e > 0 ? ((int64_t)1 << (e - 1)) : 0)) >> e;
        want = x < 0 ? -want : want;
        got = stoic_dsp_rdbpot((int32_t)x, (uint32_t)e);
        ties += e > 0 && (mag % ((int64_t)1 << e)) == ((int64_t)1 << (e - 1));
        if (got != want && bad++ < 5) {
            printf("\n  rdbpot(x=%lld, e=%ld): got %ld, want %lld", (long long)x, (long)e,
                   (long)got, (long long)want);
        }
    }
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT(ties > 100000);
}

/* pack, smlad, smlald, smlabb, smlatb, sxtb16, sxtab16, mid, floor_shr:
 * definitions */
static void test_primitives(void)
{
    uint32_t s = 12345u;
    long n, bad = 0;
    for (n = 0; n < 200000; n++) {
        int32_t l0 = (int32_t)qt_range(&s, -32768, 32767), h0 = (int32_t)qt_range(&s, -32768, 32767);
        int32_t l1 = (int32_t)qt_range(&s, -32768, 32767), h1 = (int32_t)qt_range(&s, -32768, 32767);
        int32_t x = stoic_dsp_pack(l0, h0), y = stoic_dsp_pack(l1, h1);
        int32_t acc = (int32_t)qt_range(&s, -1000000, 1000000);
        int64_t acc64 = qt_range(&s, -((int64_t)1 << 50), (int64_t)1 << 50);
        int32_t b[4], w, k, sh = (int32_t)qt_range(&s, 0, 31);
        int64_t v = qt_range(&s, INT32_MIN, INT32_MAX);
        for (k = 0; k < 4; k++) {
            b[k] = (int32_t)qt_range(&s, -128, 127);
        }
        w = stoic_dsp_pack(b[0] + 256 * b[1], b[2] + 256 * b[3]);
        bad += stoic_dsp_lo16(x) != l0 || stoic_dsp_hi16(x) != h0;
        bad += (int64_t)stoic_dsp_smlad(x, y, acc) != (int64_t)acc + (int64_t)l0 * l1 + (int64_t)h0 * h1;
        bad += stoic_dsp_smlald(x, y, acc64) != acc64 + (int64_t)l0 * l1 + (int64_t)h0 * h1;
        bad += stoic_dsp_smlabb(x, y, acc) != acc + l0 * l1;
        bad += stoic_dsp_smlatb(x, y, acc) != acc + h0 * l1;
        bad += stoic_dsp_lo16(stoic_dsp_sxtb16(w)) != b[0] || stoic_dsp_hi16(stoic_dsp_sxtb16(w)) != b[2];
        {
            /* SXTAB16: each lane plus a sign-extended byte (0 and 2; 1
             * and 3 rotated), modulo 2^16; wb holds the bytes b[0..3] */
            int32_t wb = stoic_dsp_s32((uint32_t)(uint8_t)b[0] | ((uint32_t)(uint8_t)b[1] << 8) |
                                       ((uint32_t)(uint8_t)b[2] << 16) |
                                       ((uint32_t)(uint8_t)b[3] << 24));
            int32_t e = stoic_dsp_sxtab16(x, wb), o = stoic_dsp_sxtab16_ror8(x, wb);
            bad += stoic_dsp_lo16(e) != (int16_t)(uint16_t)(l0 + b[0]) ||
                   stoic_dsp_hi16(e) != (int16_t)(uint16_t)(h0 + b[2]);
            bad += stoic_dsp_lo16(o) != (int16_t)(uint16_t)(l0 + b[1]) ||
                   stoic_dsp_hi16(o) != (int16_t)(uint16_t)(h0 + b[3]);
        }
        bad += stoic_dsp_lo16(stoic_dsp_mid(x, y)) != h0 || stoic_dsp_hi16(stoic_dsp_mid(x, y)) != l1;
        bad += stoic_dsp_floor_shr((int32_t)v, (uint32_t)sh) != qt_floor_div(v, (int64_t)1 << sh);
    }
    CU_ASSERT_EQUAL(bad, 0);
}

/* ---- layers through lower ---------------------------------------------- */

typedef struct {
    int op;            /* IR_OP_DENSE or IR_OP_CONV2D */
    ir_dtype dt;       /* IR_DT_S8 or IR_DT_S16 */
    int32_t rows, in_n, out_n;                    /* dense */
    int32_t in_h, in_w, in_c, out_h, out_w, out_c, kh, kw, groups, pt, pl; /* conv */
    int32_t sh, sw;    /* conv strides (0: 1) */
    int act;           /* 0 none, 1 relu, 2 relu6-like */
    int w4;            /* int4 weights (wbits 4: values in [-7, 7]) */
    int pool;          /* conv: a 2x2 max pool of stride 2 fused (pool_max) */
    int b16;           /* int8: int16 biases asked for (bias16), the folded biases
                        * multiples of 2^s within int16 times 2^s; 2: one of them
                        * off by one (not such a multiple: int32 biases) */
} layer;

/* A quantized one-layer graph as pass_quantize leaves it. */
static ir_graph *build(const layer *L, uint32_t *s, int force_bad)
{
    ir_graph *g = ir_new();
    ir_shape si, so, sw, sb;
    int ni, t, k, one;
    int32_t per = L->op == IR_OP_DENSE ? L->in_n : L->kh * L->kw * (L->in_c / L->groups);
    int32_t oc = L->op == IR_OP_DENSE ? L->out_n : L->out_c;
    int8_t *w = malloc((size_t)oc * (size_t)per);
    stoic_qmul *q = malloc((size_t)oc * sizeof *q);
    void *b = malloc((size_t)oc * 8);
    int64_t bmag = L->dt == IR_DT_S8 ? 200000 : 20000000;
    memset(&si, 0, sizeof si);
    memset(&so, 0, sizeof so);
    if (L->op == IR_OP_DENSE) {
        si.rank = 2, si.d[0] = L->rows, si.d[1] = L->in_n;
        so.rank = 2, so.d[0] = L->rows, so.d[1] = L->out_n;
    } else {
        int32_t f = L->pool ? 2 : 1; /* a fused pool: the output is the pool's */
        si.rank = 3, si.d[0] = L->in_h, si.d[1] = L->in_w, si.d[2] = L->in_c;
        so.rank = 3, so.d[0] = L->out_h / f, so.d[1] = L->out_w / f, so.d[2] = L->out_c;
    }
    sw.rank = 2, sw.d[0] = oc, sw.d[1] = per;
    sb.rank = 1, sb.d[0] = oc;
    for (k = 0; k < oc * per; k++) {
        int64_t r = qt_range(s, 0, 9), wm = L->w4 ? 7 : 127;
        w[k] = (int8_t)(r == 0 ? wm : (r == 1 ? -wm : qt_range(s, -wm, wm)));
    }
    /* one layer in four has one multiplier for every channel (a
     * per-tensor scale: the kernels read one packed word, qm_step 0) */
    one = qt_range(s, 0, 3) == 0;
    for (k = 0; k < oc; k++) {
        int64_t bv = qt_range(s, -bmag, bmag);
        q[k].m = pick_m(s);
        q[k].shift = (int32_t)(qt_range(s, 0, 5) == 0 ? qt_range(s, -20, -1) : qt_range(s, -11, -5));
        /* as pass_quantize leaves a dense/conv layer's output multipliers:
         * packed words, 26 significant bits and the right shift minus one */
        if (quant_multiplier_pack(&q[k].m, &q[k].shift) != 0 || (one && k > 0)) {
            q[k] = q[0];
        }
        if (L->dt == IR_DT_S8) {
            ((int32_t *)b)[k] = (int32_t)bv;
        } else {
            ((int64_t *)b)[k] = bv;
        }
    }
    if (force_bad == 1) {
        q[oc - 1].shift = 0;                      /* the packed output stage needs shift <= -1 */
    } else if (force_bad == 3) {
        q[oc - 1].m ^= 1;                         /* the packed word needs m % 32 = e - 1 */
    } else if (force_bad == 2 && L->dt == IR_DT_S8) {
        ((int32_t *)b)[0] = 1100000000;           /* |acc| can reach 2^30 */
    }
    g->name = ir_strdup("m");
    g->file = ir_strdup("m.xml");
    g->input = ir_add_tensor(g, "x", IR_T_INPUT, 1);
    g->t[g->input].shape = si;
    ni = ir_add_node(g, (ir_op)L->op, "l", L->op == IR_OP_DENSE ? "dense" : "conv2d", 2);
    t = ir_add_tensor(g, "y", IR_T_ACT, 2);
    g->t[t].shape = so;
    g->n[ni].inputs = malloc(sizeof(int));
    g->n[ni].inputs[0] = g->input;
    g->n[ni].n_inputs = 1;
    g->n[ni].output = t;
    g->n[ni].units = L->out_n;
    g->n[ni].filters = L->out_c;
    g->n[ni].kernel[0] = L->kh, g->n[ni].kernel[1] = L->kw;
    g->n[ni].strides[0] = L->sh > 0 ? L->sh : 1;
    g->n[ni].strides[1] = L->sw > 0 ? L->sw : 1;
    g->n[ni].dilations[0] = g->n[ni].dilations[1] = 1;
    g->n[ni].padding = IR_PAD_EXPLICIT;
    g->n[ni].pads[0] = L->pt, g->n[ni].pads[1] = L->pl;
    g->n[ni].groups = L->groups;
    g->n[ni].prec = L->dt;
    g->n[ni].target = L->dt;
    g->n[ni].wbits = L->w4 ? 4 : 0;
    g->n[ni].pool_max = L->pool;
    g->n[ni].act.kind = L->act == 0 ? STOIC_ACT_NONE : STOIC_ACT_CLAMP;
    g->n[ni].act.lo = L->act == 0 ? -STOIC_FLT_MAX : 0.0F;
    g->n[ni].act.hi = L->act == 2 ? 6.0F : STOIC_FLT_MAX;
    g->t[g->input].dtype = g->t[t].dtype = L->dt;
    g->t[g->input].has_q = g->t[t].has_q = 1;
    g->t[g->input].scale = 0.05;
    g->t[t].scale = 0.04;
    g->t[g->input].zp = L->dt == IR_DT_S8 ? (int32_t)qt_range(s, -128, 127) : 0;
    g->t[t].zp = L->dt == IR_DT_S8 ? (int32_t)qt_range(s, -128, 127) : 0;
    if (L->dt == IR_DT_S8 && L->act != 0 && qt_range(s, 0, 1) == 0) {
        g->t[t].zp = -128; /* the usual zero point of a relu output */
    }
    if (L->b16 && L->dt == IR_DT_S8) {
        /* as pass_quantize leaves a bias16 layer: the folded biases f =
         * b - zp_in sum w, lanes of int16 (both ends among them) times
         * 2^s, s mostly small */
        int32_t sh = (int32_t)(qt_range(s, 0, 3) == 0 ? qt_range(s, 4, 14) : qt_range(s, 0, 3));
        for (k = 0; k < oc; k++) {
            int64_t sum = 0, r = qt_range(s, 0, 9), j;
            int64_t f = r == 0 ? -32768 : (r == 1 ? 32767 : qt_range(s, -32768, 32767));
            for (j = 0; j < per; j++) {
                sum += w[(int64_t)k * per + j];
            }
            ((int32_t *)b)[k] = (int32_t)(f * ((int64_t)1 << sh) + (int64_t)g->t[g->input].zp * sum);
        }
        if (L->b16 == 2 && sh > 0) {
            ((int32_t *)b)[qt_range(s, 0, oc - 1)] += 1;
        }
        g->n[ni].bias16 = 1;
        g->n[ni].bias_shift = sh;
    }
    g->n[ni].params[0] = ir_add_qconst(g, "w", &sw, IR_DT_S8, w, 2);
    g->n[ni].params[1] = ir_add_qconst(g, "b", &sb, L->dt == IR_DT_S8 ? IR_DT_S32 : IR_DT_S64, b, 2);
    g->n[ni].params[2] = ir_add_qconst(g, "q", &sb, IR_DT_QMUL, q, 2);
    ir_set_output(g, t);
    ir_link(g);
    free(w);
    free(q);
    free(b);
    return g;
}

/* the reference output of element (r or pixel, o) */
static int32_t ref_layer(const ir_graph *g, const layer *L, const void *x, int32_t pix,
                         int32_t o, int32_t amin, int32_t amax)
{
    const ir_node *n = &g->n[0];
    const int8_t *w = g->t[n->params[0]].qdata;
    const stoic_qmul *q = g->t[n->params[2]].qdata;
    int32_t zp_in = g->t[g->input].zp, zp_out = g->t[g->output].zp;
    int64_t acc = L->dt == IR_DT_S8 ? ((const int32_t *)g->t[n->params[1]].qdata)[o]
                                    : ((const int64_t *)g->t[n->params[1]].qdata)[o];
    int32_t y;
#define XV(i) (L->dt == IR_DT_S8 ? (int64_t)((const int8_t *)x)[i] : (int64_t)((const int16_t *)x)[i])
    if (L->op == IR_OP_DENSE) {
        int32_t i;
        for (i = 0; i < L->in_n; i++) {
            acc += (XV(pix * L->in_n + i) - zp_in) * w[o * L->in_n + i];
        }
    } else {
        int32_t oh = pix / L->out_w, ow = pix % L->out_w, icpg = L->in_c / L->groups;
        int32_t sh = L->sh > 0 ? L->sh : 1, sw = L->sw > 0 ? L->sw : 1;
        int32_t g0 = (o / (L->out_c / L->groups)) * icpg, a, bb, c;
        for (a = 0; a < L->kh; a++) {
            for (bb = 0; bb < L->kw; bb++) {
                int32_t ih = oh * sh + a - L->pt, iw = ow * sw + bb - L->pl;
                if (ih < 0 || ih >= L->in_h || iw < 0 || iw >= L->in_w) {
                    continue; /* the value zp_in: contributes 0 */
                }
                for (c = 0; c < icpg; c++) {
                    acc += (XV((ih * L->in_w + iw) * L->in_c + g0 + c) - zp_in) *
                           w[((o * L->kh + a) * L->kw + bb) * icpg + c];
                }
            }
        }
    }
#undef XV
    y = L->dt == IR_DT_S8 ? ref_rq8(acc, q[o].m, q[o].shift, zp_out) : ref_rq16(acc, q[o].m, q[o].shift);
    return sat(y, amin, amax);
}

static void *arg_ptr(const ir_graph *g, const lower_call *c, int a, void *x, void *y, int32_t *scr)
{
    if (a == LOWER_ARG_SCRATCH) {
        return scr;
    }
    if (LOWER_ARG_IS_OWN(a)) {
        return c->own[LOWER_OWN_INDEX(a)].data;
    }
    if (a == g->input) {
        return x;
    }
    if (a == g->output) {
        return y;
    }
    return g->t[a].qdata;
}

/* int8 packed dense layers also run through stoic_conv2d_s8_pk */
static int n_as_conv;
/* unfused 1x1 layers stoic_pw_s8 / _s16 ran (test_conv_pk) */
static int n_pw;

/* Lowers and runs one layer on `trials` random inputs; returns the
 * kernel lower chose, or -1 after a failed check. */
/* layers the packed kernels ran with one multiplier (qm_step 0) */
static int n_one;
/* layers run with int16 biases (b16 != 0), by kernel */
static int n_b16[LK_COUNT];

/* the b16 of a packed int8 call (0: int32 biases, or no such field) */
static int32_t call_b16(const lower_call *c)
{
    switch (c->k) {
    case LK_DENSE_S8_PK: return c->p.dense_pk.b16;
    case LK_CONV2D_S8_PK: return c->p.conv_pk.b16;
    case LK_DENSE_S4_PK: return c->p.dense4_pk.b16;
    case LK_PW_S8: return c->p.pw.b16;
    case LK_CONV2D_S8_DW3: return c->p.dw3.b16;
    default: return 0;
    }
}

static int run_layer(const layer *L, uint32_t *s, int force_bad, int trials)
{
    ir_graph *g = build(L, s, force_bad);
    lower_call *calls = calloc(LOWER_MAX_CALLS, sizeof *calls);
    int64_t n_in = ir_shape_count(&g->t[g->input].shape), n_out = ir_shape_count(&g->t[g->output].shape);
    size_t es = L->dt == IR_DT_S8 ? 1 : 2;
    int32_t pix = (int32_t)(n_out / (L->op == IR_OP_DENSE ? L->out_n : L->out_c));
    int32_t oc = L->op == IR_OP_DENSE ? L->out_n : L->out_c;
    int nc, k, t, kind = -1, bad = 0;
    void *x = malloc((size_t)n_in * es), *y = malloc((size_t)n_out * es + 64);
    int32_t *scr, amin = 0, amax = 0;
    void *a[LOWER_MAX_ARGS];
    nc = lower_node(g, 0, calls);
    CU_ASSERT_FATAL(nc == 1);
    calls[0].node = 0;
    CU_ASSERT_FATAL(lower_attach(g, &calls[0]) == 0);
    kind = (int)calls[0].k;
    {
        /* int16 biases: only when asked for and every folded bias is a
         * multiple of 2^s, s the shift pass_quantize chose; then half the
         * words (two lanes each) */
        int32_t b16 = call_b16(&calls[0]);
        int ko = calls[0].k == LK_CONV2D_S8_DW3 ? 0 : 1;
        CU_ASSERT(b16 == 0 || (L->b16 != 0 && b16 == (int32_t)1 << g->n[0].bias_shift));
        if (L->b16 == 2 && g->n[0].bias_shift > 0) {
            CU_ASSERT(b16 == 0); /* one bias off the multiple */
        } else if (L->b16 != 0 && L->dt == IR_DT_S8 && kind != LK_DENSE_S8 &&
                   kind != LK_CONV2D_S8) {
            CU_ASSERT(b16 != 0);
        }
        if (b16 != 0) {
            /* per-output and row-pair kernels alike: lanes of outputs
             * (2i, 2i + 1), one word each */
            CU_ASSERT(calls[0].own[ko].n == (oc + 1) / 2);
            n_b16[calls[0].k]++;
        }
        if (calls[0].k == LK_CONV2D_S8_DW3) {
            /* int4: the weights two a byte, nibble i = 9 o + k (the low
             * one first), value + 8; else the layer's int8 tensor */
            const int8_t *wq = g->t[g->n[0].params[0]].qdata;
            CU_ASSERT(calls[0].p.dw3.w4 == (L->w4 ? 1 : 0));
            if (calls[0].p.dw3.w4) {
                const uint8_t *pk = calls[0].own[2].data;
                int64_t i, nbad = 0;
                CU_ASSERT(calls[0].own[2].n == ((int64_t)oc * 9 + 1) / 2);
                for (i = 0; i < (int64_t)oc * 9; i++) {
                    int32_t nib = i % 2 == 0 ? pk[i / 2] & 15 : pk[i / 2] >> 4;
                    nbad += nib - 8 != wq[i];
                }
                CU_ASSERT(nbad == 0);
            }
        }
    }
    {
        /* the packed multipliers: one word each (per-channel, qm_step 4
         * or 1), or the shared one (per-tensor: qm_step 0, 4 or 1 words) */
        const stoic_qmul *q = g->t[g->n[0].params[2]].qdata;
        int same = 1, dw = calls[0].k == LK_CONV2D_S8_DW3 || calls[0].k == LK_CONV2D_S16_DW3;
        int pk = calls[0].k == LK_DENSE_S8_PK || calls[0].k == LK_DENSE_S16_PK ||
                 calls[0].k == LK_CONV2D_S8_PK || calls[0].k == LK_CONV2D_S16_PK;
        int s4 = calls[0].k == LK_DENSE_S4_PK;
        for (k = 1; k < oc; k++) {
            same &= q[k].m == q[0].m && q[k].shift == q[0].shift;
        }
        if (pk || dw) {
            int qk = dw ? 1 : 2;
            int32_t step = dw ? calls[0].p.dw3.qm_step
                              : (calls[0].k == LK_DENSE_S8_PK    ? calls[0].p.dense_pk.qm_step
                                 : calls[0].k == LK_DENSE_S16_PK ? calls[0].p.dense16_pk.qm_step
                                                                 : calls[0].p.conv_pk.qm_step);
            const int32_t *qw = calls[0].own[qk].data;
            CU_ASSERT(step == (same ? 0 : (dw ? 1 : 4)));
            CU_ASSERT(calls[0].own[qk].n == (same ? (dw ? 1 : 4) : (dw ? oc : (oc + 3) / 4 * 4)));
            /* word 0: the multiplier of output 0, whose low 5 bits are
             * its right shift minus one */
            CU_ASSERT(qw[0] == q[0].m && (q[0].m & 31) == -q[0].shift - 1);
            n_one += same;
        }
        if (calls[0].k == LK_PW_S8 || calls[0].k == LK_PW_S16) {
            /* one word per output (qm_step 1) or the shared one (0); the
             * weights four to a word, ceil(in_n / 4) words per output */
            const int32_t *qw = calls[0].own[2].data;
            CU_ASSERT(calls[0].p.pw.qm_step == (same ? 0 : 1));
            CU_ASSERT(calls[0].own[2].n == (same ? 1 : oc));
            CU_ASSERT(qw[0] == q[0].m && qw[calls[0].own[2].n - 1] == q[oc - 1].m);
            CU_ASSERT(calls[0].own[0].n == (int64_t)oc * ((calls[0].p.pw.in_n + 3) / 4));
            CU_ASSERT(calls[0].p.pw.pool == L->pool);
            n_one += same;
        }
        if (s4) {
            /* one word per output (qm_step 1) or the shared one (0) */
            const int32_t *qw = calls[0].own[2].data;
            CU_ASSERT(calls[0].p.dense4_pk.qm_step == (same ? 0 : 1));
            CU_ASSERT(calls[0].own[2].n == (same ? 1 : oc));
            CU_ASSERT(qw[0] == q[0].m && qw[calls[0].own[2].n - 1] == q[oc - 1].m);
            /* two weights per byte: ceil(per / 8) words per output */
            CU_ASSERT(calls[0].own[0].n == (int64_t)oc * ((calls[0].p.dense4_pk.in_n + 7) / 8));
        }
    }
    scr = malloc(((size_t)calls[0].scratch_words + GUARD_WORDS) * sizeof *scr);
    for (k = 0; k < calls[0].n_args; k++) {
        a[k] = arg_ptr(g, &calls[0], calls[0].args[k], x, y, scr);
    }
    switch (calls[0].k) {
    case LK_DENSE_S8_PK:
        amin = calls[0].p.dense_pk.act_min, amax = calls[0].p.dense_pk.act_max;
        break;
    case LK_DENSE_S16_PK:
        amin = calls[0].p.dense16_pk.act_min, amax = calls[0].p.dense16_pk.act_max;
        break;
    case LK_DENSE_S4_PK:
        amin = calls[0].p.dense4_pk.act_min, amax = calls[0].p.dense4_pk.act_max;
        break;
    case LK_PW_S8:
    case LK_PW_S16:
        amin = calls[0].p.pw.act_min, amax = calls[0].p.pw.act_max;
        break;
    case LK_CONV2D_S8_DW3:
    case LK_CONV2D_S16_DW3:
        amin = calls[0].p.dw3.act_min, amax = calls[0].p.dw3.act_max;
        break;
    case LK_CONV2D_S8_PK:
    case LK_CONV2D_S16_PK:
        amin = calls[0].p.conv_pk.act_min, amax = calls[0].p.conv_pk.act_max;
        break;
    case LK_DENSE_S8:
        amin = calls[0].p.dense_s8.act_min, amax = calls[0].p.dense_s8.act_max;
        break;
    case LK_DENSE_S16:
        amin = calls[0].p.dense_s16.act_min, amax = calls[0].p.dense_s16.act_max;
        break;
    case LK_CONV2D_S8:
        amin = calls[0].p.conv2d_s8.act_min, amax = calls[0].p.conv2d_s8.act_max;
        break;
    case LK_CONV2D_S16:
        amin = calls[0].p.conv2d_s16.act_min, amax = calls[0].p.conv2d_s16.act_max;
        break;
    default:
        CU_FAIL("unexpected kernel");
        kind = -1;
        break;
    }
    for (t = 0; t < trials && kind >= 0; t++) {
        int64_t i;
        int32_t p, o;
        for (i = 0; i < n_in; i++) {
            int64_t r = qt_range(s, 0, 7), lo = L->dt == IR_DT_S8 ? -128 : -32768, hi = -lo - 1;
            int64_t v = r == 0 ? lo : (r == 1 ? hi : qt_range(s, lo, hi));
            if (L->dt == IR_DT_S8) {
                ((int8_t *)x)[i] = (int8_t)v;
            } else {
                ((int16_t *)x)[i] = (int16_t)v;
            }
        }
        memset(y, 0x5A, (size_t)n_out * es + 64);
        for (k = 0; k < calls[0].scratch_words + GUARD_WORDS; k++) {
            scr[k] = SENT32;
        }
        switch (calls[0].k) {
        case LK_DENSE_S8_PK: stoic_dense_s8_pk(&calls[0].p.dense_pk, a[0], a[1], a[2], a[3], a[4]); break;
        case LK_DENSE_S16_PK: stoic_dense_s16_pk(&calls[0].p.dense16_pk, a[0], a[1], a[2], a[3], a[4]); break;
        case LK_DENSE_S4_PK: stoic_dense_s4_pk(&calls[0].p.dense4_pk, a[0], a[1], a[2], a[3], a[4]); break;
        case LK_PW_S8: stoic_pw_s8(&calls[0].p.pw, a[0], a[1], a[2], a[3], a[4]); break;
        case LK_PW_S16: stoic_pw_s16(&calls[0].p.pw, a[0], a[1], a[2], a[3]); break;
        case LK_CONV2D_S8_DW3: stoic_conv2d_s8_dw3(&calls[0].p.dw3, a[0], a[1], a[2], a[3], a[4]); break;
        case LK_CONV2D_S16_DW3: stoic_conv2d_s16_dw3(&calls[0].p.dw3, a[0], a[1], a[2], a[3], a[4]); break;
        case LK_CONV2D_S8_PK: stoic_conv2d_s8_pk(&calls[0].p.conv_pk, a[0], a[1], a[2], a[3], a[4]); break;
        case LK_CONV2D_S16_PK: stoic_conv2d_s16_pk(&calls[0].p.conv_pk, a[0], a[1], a[2], a[3], a[4]); break;
        case LK_DENSE_S8: stoic_dense_s8(&calls[0].p.dense_s8, a[0], a[1], a[2], a[3]); break;
        case LK_DENSE_S16: stoic_dense_s16(&calls[0].p.dense_s16, a[0], a[1], a[2], a[3]); break;
        case LK_CONV2D_S8: stoic_conv2d_s8(&calls[0].p.conv2d_s8, a[0], a[1], a[2], a[3]); break;
        case LK_CONV2D_S16: stoic_conv2d_s16(&calls[0].p.conv2d_s16, a[0], a[1], a[2], a[3]); break;
        default: break;
        }
        for (p = 0; p < pix; p++) {
            for (o = 0; o < oc; o++) {
                int32_t want = ref_layer(g, L, x, p, o, amin, amax);
                if (L->pool) {
                    /* the unfused graph: the largest requantized output
                     * of the window of pooled pixel p */
                    int32_t pw2 = L->out_w / 2, c0 = 2 * (p / pw2) * L->out_w + 2 * (p % pw2);
                    int32_t v1 = ref_layer(g, L, x, c0 + 1, o, amin, amax);
                    int32_t v2 = ref_layer(g, L, x, c0 + L->out_w, o, amin, amax);
                    int32_t v3 = ref_layer(g, L, x, c0 + L->out_w + 1, o, amin, amax);
                    want = ref_layer(g, L, x, c0, o, amin, amax);
                    want = v1 > want ? v1 : want;
                    want = v2 > want ? v2 : want;
                    want = v3 > want ? v3 : want;
                }
                int32_t got = L->dt == IR_DT_S8 ? ((int8_t *)y)[p * oc + o] : ((int16_t *)y)[p * oc + o];
                if (got != want && bad++ < 3) {
                    printf("\n  %s kernel %s, pixel/row %ld, output %ld: got %ld, want %ld",
                           L->op == IR_OP_DENSE ? "dense" : "conv", lower_kernel_fn(calls[0].k),
                           (long)p, (long)o, (long)got, (long)want);
                }
            }
        }
        if (calls[0].k == LK_DENSE_S8_PK) {
            /* the same layer through stoic_conv2d_s8_pk (rows x 1 pixels,
             * 1x1 kernel) with the same weight words and records, as lower
             * chooses it when a model links the wide conv kernel only:
             * the same bytes (y was checked against the reference) */
            stoic_conv2d_pk_params cp;
            int8_t *y2 = malloc((size_t)n_out + 64);
            int32_t *scr2;
            lower_conv_pk_of_dense(&calls[0].p.dense_pk, 0, &cp);
            scr2 = malloc(((size_t)cp.img_w * (size_t)cp.cw + GUARD_WORDS) * sizeof *scr2);
            for (k = 0; k < cp.img_w * cp.cw + GUARD_WORDS; k++) {
                scr2[k] = SENT32;
            }
            memset(y2, 0x5A, (size_t)n_out + 64);
            stoic_conv2d_s8_pk(&cp, x, a[1], a[2], y2, scr2);
            for (k = 0; k < (int)n_out + 64; k++) {
                if (y2[k] != ((int8_t *)y)[k] && bad++ < 3) {
                    printf("\n  dense as conv2d_s8_pk, byte %d: got %d, want %d", k, y2[k],
                           ((int8_t *)y)[k]);
                }
            }
            for (k = 0; k < GUARD_WORDS; k++) {
                bad += scr2[cp.img_w * cp.cw + k] != SENT32;
            }
            n_as_conv++;
            free(y2);
            free(scr2);
        }
        for (k = 0; k < 64; k++) {
            bad += ((unsigned char *)y)[(size_t)n_out * es + (size_t)k] != 0x5A;
        }
        for (k = 0; k < GUARD_WORDS; k++) {
            bad += scr[calls[0].scratch_words + k] != SENT32;
        }
    }
    CU_ASSERT_EQUAL(bad, 0);
    lower_release(&calls[0]);
    free(calls);
    free(scr);
    free(x);
    free(y);
    ir_free(g);
    return bad != 0 ? -1 : kind;
}

/* a 3x3 stride-1 convolution with one input channel per group and pads 1
 * (stoic_conv2d_s8_dw3): depthwise (dw: 1 .. 6 channels, multiplier 1 or
 * 2) or the first layer of an image network (one input channel, 1 .. 9
 * outputs); 1 .. 9 rows, 1 .. 11 columns */
static void dw3_geom(layer *L, uint32_t *s, int dw)
{
    int32_t mult;
    L->op = IR_OP_CONV2D;
    L->kh = L->kw = 3;
    L->in_c = dw ? (int32_t)qt_range(s, 1, 6) : 1;
    mult = (int32_t)qt_range(s, 1, dw ? 2 : 9);
    L->groups = L->in_c;
    L->out_c = L->in_c * mult;
    L->pt = L->pl = 1;
    L->in_h = L->out_h = (int32_t)qt_range(s, 1, 9);
    L->in_w = L->out_w = (int32_t)qt_range(s, 1, 11);
}

/* int16 biases (bias16): every int8 packed kernel reads them (dense and
 * conv row pairs, the last pair odd or not, blocks of three, two and one
 * rows; 1x1 plain and pooled; 3x3 depthwise; int4 weights), against the
 * int64 reference with the biases as int32; a bias that is no multiple
 * of 2^s keeps the layer's biases int32 */
static void test_bias16(void)
{
    uint32_t s = 0xB1A516u;
    int n, k, off = 0;
    memset(n_b16, 0, sizeof n_b16);
    for (n = 0; n < 700; n++) {
        layer L;
        memset(&L, 0, sizeof L);
        L.dt = IR_DT_S8;
        L.b16 = qt_range(&s, 0, 7) == 0 ? 2 : 1;
        L.act = (int)qt_range(&s, 0, 2);
        L.kh = L.kw = L.groups = 1;
        switch (n % 7) {
        case 0: /* dense: row pairs (also as conv2d_s8_pk) */
        case 1:
            L.op = IR_OP_DENSE;
            L.rows = (int32_t)qt_range(&s, 1, 7);
            L.in_n = (int32_t)qt_range(&s, 1, 40);
            L.out_n = (int32_t)qt_range(&s, 1, 19);
            L.w4 = n % 7 == 1;
            break;
        case 2: /* conv, groups 1, 3x3 or 2x2, stride 1 or 2 */
            L.op = IR_OP_CONV2D;
            L.kh = L.kw = (int32_t)qt_range(&s, 2, 3);
            L.sh = L.sw = (int32_t)qt_range(&s, 1, 2);
            L.in_h = (int32_t)qt_range(&s, 3, 7);
            L.in_w = (int32_t)qt_range(&s, 3, 7);
            L.in_c = (int32_t)qt_range(&s, 1, 6);
            L.out_c = (int32_t)qt_range(&s, 1, 11);
            L.out_h = (L.in_h - L.kh) / L.sh + 1;
            L.out_w = (L.in_w - L.kw) / L.sw + 1;
            break;
        case 3: /* 1x1: stoic_pw_s8, plain or with its max pool */
        case 4:
            L.op = IR_OP_CONV2D;
            L.pool = n % 7 == 4;
            L.in_h = L.out_h = 2 * (int32_t)qt_range(&s, 1, 4);
            L.in_w = L.out_w = 2 * (int32_t)qt_range(&s, 1, 4);
            L.in_c = (int32_t)qt_range(&s, 1, 16);
            L.out_c = (int32_t)qt_range(&s, 1, 13);
            break;
        default: /* 3x3 depthwise, or one input channel */
            dw3_geom(&L, &s, n % 7 == 5);
            break;
        }
        k = run_layer(&L, &s, 0, 2);
        CU_ASSERT(k >= 0);
        off += L.b16 == 2;
    }
    printf("\n  int16 biases: dense_s8_pk %d, conv2d_s8_pk %d, dense_s4_pk %d, pw_s8 %d, "
           "conv2d_s8_dw3 %d (%d layers with a bias off the multiple)",
           n_b16[LK_DENSE_S8_PK], n_b16[LK_CONV2D_S8_PK], n_b16[LK_DENSE_S4_PK], n_b16[LK_PW_S8],
           n_b16[LK_CONV2D_S8_DW3], off);
    CU_ASSERT(n_b16[LK_DENSE_S8_PK] > 70 && n_b16[LK_CONV2D_S8_PK] > 40 &&
              n_b16[LK_DENSE_S4_PK] > 40 && n_b16[LK_PW_S8] > 120 &&
              n_b16[LK_CONV2D_S8_DW3] > 120);
}

/* int4 weights in the 3x3 kernels of one input channel per group
 * (stoic_conv2d_s8_dw3 with w4: two weights a byte, nibble 9 o + k, low
 * first, plus 8), against the int64 reference; the nibbles checked by
 * hand for one layer; int32 and int16 biases */
static void test_dw3_int4(void)
{
    uint32_t s = 0xD3A40004u;
    int n, k, w4 = 0, other = 0;
    for (n = 0; n < 1000; n++) {
        layer L;
        memset(&L, 0, sizeof L);
        L.dt = IR_DT_S8;
        L.w4 = 1;
        L.b16 = qt_range(&s, 0, 2) == 0;
        L.act = (int)qt_range(&s, 0, 2);
        dw3_geom(&L, &s, n % 3 != 0);
        k = run_layer(&L, &s, 0, 2);
        CU_ASSERT(k >= 0);
        w4 += k == LK_CONV2D_S8_DW3;
        other += k != LK_CONV2D_S8_DW3;
    }
    CU_ASSERT(w4 > 950);
    printf("\n  int4 3x3 (one input channel per group): %d through stoic_conv2d_s8_dw3, %d plain",
           w4, other);
}

static void test_dense_pk(void)
{
    static const ir_dtype dts[2] = { IR_DT_S8, IR_DT_S16 };
    uint32_t s = 0xBADC0DEu;
    int d, n, packed = 0, plain = 0;
    for (d = 0; d < 2; d++) {
        for (n = 0; n < 400; n++) {
            layer L;
            int k;
            memset(&L, 0, sizeof L);
            L.op = IR_OP_DENSE;
            L.dt = dts[d];
            L.rows = (int32_t)qt_range(&s, 1, 8); /* blocks of three, two, one rows */
            L.in_n = (int32_t)(qt_range(&s, 0, 3) == 0 ? qt_range(&s, 1, 300) : qt_range(&s, 1, 40));
            L.out_n = (int32_t)qt_range(&s, 1, 19);
            L.kh = L.kw = L.groups = 1;
            L.act = (int)qt_range(&s, 0, 2);
            k = run_layer(&L, &s, 0, 3);
            CU_ASSERT(k >= 0);
            packed += k == (d == 0 ? LK_DENSE_S8_PK : LK_DENSE_S16_PK);
            plain += k == (d == 0 ? LK_DENSE_S8 : LK_DENSE_S16);
        }
    }
    /* the packed path is the common one; the plain one appears only for
     * layers whose (random, large) bias and weights break its bounds */
    CU_ASSERT(packed > 700);
    CU_ASSERT(n_as_conv > 1000);
    CU_ASSERT(n_one > 100); /* per-tensor scales: qm_step 0 */
    printf("\n  dense: %d packed, %d plain; %d runs also as conv2d_s8_pk; %d with one multiplier",
           packed, plain, n_as_conv, n_one);
}

/* int4 weights (wbits 4): dense layers and 1x1 convolutions through
 * stoic_dense_s4_pk, against the int64 reference; word packing by hand */
static void test_dense_s4(void)
{
    uint32_t s = 0x5EED0004u;
    int n, s4 = 0, plain = 0;
    /* inputs 0 .. 8 of one row: weights -7, 7, 0, 1, -1, 3, -7, 2 and a
     * ninth, 5; nibble j + 4l holds the weight of input 2j + l, plus 8 */
    static const int8_t w9[9] = { -7, 7, 0, 1, -1, 3, -7, 2, 5 };
    /* j = 0: inputs 0, 1 -> nibbles 0, 4: 1, 15; j = 1: inputs 2, 3 ->
     * nibbles 1, 5: 8, 9; j = 2: inputs 4, 5 -> nibbles 2, 6: 7, 11;
     * j = 3: inputs 6, 7 -> nibbles 3, 7: 1, 10 */
    CU_ASSERT_EQUAL((uint32_t)lower_s4_word(w9, 9, 0), 0xAB9F1781U);
    /* word 1: input 8 (nibble 0: 13), the rest zero weights (8) */
    CU_ASSERT_EQUAL((uint32_t)lower_s4_word(w9, 9, 1), 0x8888888DU);
    for (n = 0; n < 600; n++) {
        layer L;
        int k;
        memset(&L, 0, sizeof L);
        L.dt = IR_DT_S8;
        L.w4 = 1;
        L.act = (int)qt_range(&s, 0, 2);
        L.kh = L.kw = L.groups = 1;
        if (n % 3 != 2) {
            L.op = IR_OP_DENSE;
            L.rows = (int32_t)qt_range(&s, 1, 3);
            L.in_n = (int32_t)(qt_range(&s, 0, 3) == 0 ? qt_range(&s, 1, 600) : qt_range(&s, 1, 40));
            L.out_n = (int32_t)qt_range(&s, 1, 19);
        } else {
            L.op = IR_OP_CONV2D;
            L.in_h = L.out_h = (int32_t)qt_range(&s, 1, 4);
            L.in_w = L.out_w = (int32_t)qt_range(&s, 1, 4);
            L.in_c = (int32_t)qt_range(&s, 1, 40);
            L.out_c = (int32_t)qt_range(&s, 1, 19);
        }
        k = run_layer(&L, &s, 0, 3);
        CU_ASSERT(k >= 0);
        s4 += k == LK_DENSE_S4_PK;
        plain += k == LK_DENSE_S8 || k == LK_CONV2D_S8;
    }
    /* the int4 kernel for all but layers whose random bias breaks a bound */
    CU_ASSERT(s4 > 550);
    printf("\n  int4: %d through stoic_dense_s4_pk, %d plain", s4, plain);
}

/* bounds that do not hold: the plain kernels, same results */
static void test_fallback(void)
{
    uint32_t s = 0xFA11BAC4u;
    int n;
    for (n = 0; n < 40; n++) {
        layer L;
        memset(&L, 0, sizeof L);
        L.op = IR_OP_DENSE;
        L.dt = (n % 2) == 0 ? IR_DT_S8 : IR_DT_S16;
        L.rows = 1;
        L.in_n = (int32_t)qt_range(&s, 1, 30);
        L.out_n = (int32_t)qt_range(&s, 2, 9);
        L.kh = L.kw = L.groups = 1;
        CU_ASSERT(run_layer(&L, &s, 1, 2) == (L.dt == IR_DT_S8 ? LK_DENSE_S8 : LK_DENSE_S16));
        CU_ASSERT(run_layer(&L, &s, 3, 2) == (L.dt == IR_DT_S8 ? LK_DENSE_S8 : LK_DENSE_S16));
        if (L.dt == IR_DT_S8) {
            CU_ASSERT(run_layer(&L, &s, 2, 2) == LK_DENSE_S8);
        }
    }
}

static void test_conv_pk(void)
{
    static const ir_dtype dts[2] = { IR_DT_S8, IR_DT_S16 };
    uint32_t s = 0xC0C0A5A5u;
    int d, n, dw = 0, pw = 0, other = 0;
    for (d = 0; d < 2; d++) {
        for (n = 0; n < 300; n++) {
            layer L;
            int k, kind3 = d == 0 ? LK_CONV2D_S8_DW3 : LK_CONV2D_S16_DW3;
            int kind1 = d == 0 ? LK_DENSE_S8_PK : LK_DENSE_S16_PK;
            int32_t pb, pr, mult;
            memset(&L, 0, sizeof L);
            L.op = IR_OP_CONV2D;
            L.dt = dts[d];
            L.in_h = (int32_t)qt_range(&s, 1, 9);
            L.in_w = (int32_t)qt_range(&s, 1, 11);
            L.act = (int)qt_range(&s, 0, 2);
            if (qt_range(&s, 0, 3) == 0) { /* 1x1, a dense layer over the pixels */
                L.kh = L.kw = 1;
                L.in_c = (int32_t)qt_range(&s, 1, 20);
                L.out_c = (int32_t)qt_range(&s, 1, 13);
                L.groups = 1;
                L.out_h = L.in_h, L.out_w = L.in_w;
                k = run_layer(&L, &s, 0, 2);
                CU_ASSERT(k >= 0);
                pw += k == kind1 || k == LK_PW_S8 || k == LK_PW_S16;
                n_pw += k == LK_PW_S8 || k == LK_PW_S16;
                continue;
            }
            L.kh = L.kw = 3;
            L.in_c = (int32_t)qt_range(&s, 1, 5);
            mult = (int32_t)qt_range(&s, 1, 3);
            if (qt_range(&s, 0, 2) == 0) { /* the first layer of an image network */
                L.in_c = 1;
                mult = (int32_t)qt_range(&s, 1, 9);
            }
            L.groups = L.in_c;
            L.out_c = L.in_c * mult;
            L.pt = (int32_t)qt_range(&s, 0, 1);
            L.pl = (int32_t)qt_range(&s, 0, 1);
            pb = (int32_t)qt_range(&s, 0, 1);
            pr = (int32_t)qt_range(&s, 0, 1);
            L.out_h = L.in_h + L.pt + pb - 2;
            L.out_w = L.in_w + L.pl + pr - 2;
            if (L.out_h < 1 || L.out_w < 1) {
                continue;
            }
            k = run_layer(&L, &s, 0, 2);
            CU_ASSERT(k >= 0);
            dw += k == kind3;
            other += k != kind3;
        }
    }
    CU_ASSERT(dw > 250);
    CU_ASSERT(pw > 60);
    printf("\n  conv: %d dw3, %d 1x1 packed, %d plain", dw, pw, other);
}

/* 1x1 convolutions of at most 16 int8 or int16 inputs with their 2x2 max
 * pool fused (stoic_pw_s8 / stoic_pw_s16, pool 1): the same bytes as the
 * unfused layers' reference, the largest requantized output of each
 * window */
static void test_pw_pool(void)
{
    uint32_t s = 0x900150FFu;
    int n, pooled = 0, refused = 0, p16 = 0;
    for (n = 0; n < 600; n++) {
        layer L;
        int k, want;
        memset(&L, 0, sizeof L);
        L.op = IR_OP_CONV2D;
        L.dt = n % 2 == 0 ? IR_DT_S8 : IR_DT_S16;
        want = n % 2 == 0 ? LK_PW_S8 : LK_PW_S16;
        L.kh = L.kw = 1;
        L.groups = 1;
        L.pool = 1;
        L.in_h = L.out_h = 2 * (int32_t)qt_range(&s, 1, 5);
        L.in_w = L.out_w = 2 * (int32_t)qt_range(&s, 1, 5);
        L.in_c = (int32_t)qt_range(&s, 1, 16);
        L.out_c = (int32_t)qt_range(&s, 1, 13);
        L.act = (int)qt_range(&s, 0, 2);
        {
            /* the same layer (the same random numbers): one whose bounds
             * stoic_pw_s8 / _s16 cannot prove lowers to no call
             * (pass_poolfuse does not fuse it) */
            uint32_t s2 = s;
            ir_graph *g = build(&L, &s2, 0);
            lower_call *calls = calloc(LOWER_MAX_CALLS, sizeof *calls);
            int nc = lower_node(g, 0, calls);
            CU_ASSERT(nc == 0 || (nc == 1 && (int)calls[0].k == want));
            free(calls);
            ir_free(g);
            if (nc == 0) {
                refused++;
                continue;
            }
        }
        k = run_layer(&L, &s, 0, 3);
        CU_ASSERT(k == want);
        pooled += k == want;
        p16 += k == want && k == LK_PW_S16;
    }
    CU_ASSERT(pooled + refused == 600 && refused < 30 && p16 > 270);
    printf("\n  1x1 + max pool fused: %d layers (%d int16; %d refused), %d unfused 1x1 by "
           "stoic_pw_s8 / _s16",
           pooled, p16, refused, n_pw);
}

/* groups 1, any kernel, stride and pads: stoic_conv2d_s8_pk / _s16_pk */
static void test_conv_wide(void)
{
    uint32_t s = 0x7E57C0DEu;
    int n, wide = 0, other = 0;
    for (n = 0; n < 600; n++) {
        layer L;
        int k;
        int32_t pb, pr;
        memset(&L, 0, sizeof L);
        L.op = IR_OP_CONV2D;
        L.dt = (n % 3) == 2 ? IR_DT_S16 : IR_DT_S8;
        L.in_h = (int32_t)qt_range(&s, 1, 8);
        L.in_w = (int32_t)qt_range(&s, 1, 8);
        L.in_c = (int32_t)qt_range(&s, 2, 11);
        L.out_c = (int32_t)qt_range(&s, 1, 13);
        L.groups = 1;
        L.kh = (int32_t)qt_range(&s, 1, 4);
        L.kw = (int32_t)qt_range(&s, 1, 4);
        L.sh = (int32_t)qt_range(&s, 1, 3);
        L.sw = (int32_t)qt_range(&s, 1, 3);
        L.pt = (int32_t)qt_range(&s, 0, L.kh - 1);
        L.pl = (int32_t)qt_range(&s, 0, L.kw - 1);
        pb = (int32_t)qt_range(&s, 0, L.kh - 1);
        pr = (int32_t)qt_range(&s, 0, L.kw - 1);
        L.act = (int)qt_range(&s, 0, 2);
        if (L.in_h + L.pt + pb < L.kh || L.in_w + L.pl + pr < L.kw) {
            continue;
        }
        L.out_h = (L.in_h + L.pt + pb - L.kh) / L.sh + 1;
        L.out_w = (L.in_w + L.pl + pr - L.kw) / L.sw + 1;
        k = run_layer(&L, &s, 0, 2);
        CU_ASSERT(k >= 0);
        wide += k == LK_CONV2D_S8_PK || k == LK_CONV2D_S16_PK;
        other += k >= 0 && k != LK_CONV2D_S8_PK && k != LK_CONV2D_S16_PK;
    }
    CU_ASSERT(wide > 300);
    printf("\n  wide conv: %d packed, %d other (1x1 / plain)", wide, other);
}

UNIT_SUITE(kernel_pk)
{
    CU_pSuite s = CU_add_suite("packed int8/int16 kernels (stoic_dsp.h, lower.c)", NULL, NULL);
    CU_add_test(s, "primitives vs their definitions", test_primitives);
    CU_add_test(s, "int8 output stage in one rounding vs TFLite reference (1e6, ties)", test_rq8_random);
    CU_add_test(s, "int16 output stage vs reference (1e6, ties)", test_rq16_random);
    CU_add_test(s, "64-bit multiplier for |a| < 2^30 (rq32) vs reference (1e6, ties)",
                test_rq32_random);
    CU_add_test(s, "rounding divide by 2^e inline vs reference (1e6, ties)", test_rdbpot_random);
    CU_add_test(s, "dense int8/int16 packed, through lower, vs int64 reference", test_dense_pk);
    CU_add_test(s, "int16 biases in every int8 packed kernel, through lower, vs reference",
                test_bias16);
    CU_add_test(s, "int4 weights in the 3x3 depthwise / first-layer kernel vs reference (1000)",
                test_dw3_int4);
    CU_add_test(s, "dense and 1x1 conv with int4 weights, through lower, vs int64 reference",
                test_dense_s4);
    CU_add_test(s, "bounds that fail: plain kernels chosen", test_fallback);
    CU_add_test(s, "conv 3x3 dw / first layer and 1x1, through lower, vs reference", test_conv_pk);
    CU_add_test(s, "conv groups 1, any kernel/stride/pads, through lower, vs reference", test_conv_wide);
    CU_add_test(s, "1x1 conv with its 2x2 max pool fused, through lower, vs unfused reference",
                test_pw_pool);
}

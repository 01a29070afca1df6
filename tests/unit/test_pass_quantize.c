/*
 * pass_quantize on a hand-built dense layer: every number the pass decides
 * (scales, zero points, int8 weights, bias, multipliers, accumulator
 * bound) against values derived by hand in the comments, from
 * ../shared/arithmetic.md; and the convert layers of a mixed graph.
 */
/* REQ: REQ-ARITH-005 REQ-ARITH-006 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <CUnit/CUnit.h>
#include "unit.h"
#include "ir.h"
#include "pass.h"

/* x [4] -> dense fc (2 units) -> y [2]; optionally -> dense fc2 -> z [2] */
static ir_graph *dense_graph(int two)
{
    /* values chosen so that no rounding below is near a tie */
    static const float w[8] = { 0.6F, -0.25F, 1.0F, 0.0F, 0.1F, 0.3F, -0.3F, 0.4F };
    static const float b[2] = { 0.125F, -0.25F };
    ir_graph *g = ir_new();
    ir_shape s4 = { 1, { 4 } }, s2 = { 1, { 2 } }, s24 = { 2, { 2, 4 } }, s22 = { 2, { 2, 2 } };
    int k;
    g->name = ir_strdup("m");
    g->file = ir_strdup("m.xml");
    g->input = ir_add_tensor(g, "x", IR_T_INPUT, 1);
    g->t[g->input].shape = s4;
    for (k = 0; k < (two ? 2 : 1); k++) {
        int ni = ir_add_node(g, IR_OP_DENSE, k == 0 ? "fc" : "fc2", "dense", 2 + k);
        int in = k == 0 ? g->input : g->n[0].output;
        int out = ir_add_tensor(g, k == 0 ? "y" : "z", IR_T_ACT, 2 + k);
        g->t[out].shape = s2;
        g->n[ni].inputs = malloc(sizeof(int));
        g->n[ni].inputs[0] = in;
        g->n[ni].n_inputs = 1;
        g->n[ni].output = out;
        g->n[ni].units = 2;
        g->n[ni].params[0] = ir_add_const(g, k == 0 ? "w" : "w2", k == 0 ? &s24 : &s22, w, 2);
        g->n[ni].params[1] = ir_add_const(g, k == 0 ? "b" : "b2", &s2, b, 2);
        ir_set_output(g, out);
    }
    ir_link(g);
    return g;
}

/* ranges: x [-1, 1], y [-2, 2], z [-1, 1] */
static void ranges(const ir_graph *g, double *lo, double *hi, int *has)
{
    int t;
    for (t = 0; t < g->nt; t++) {
        const char *n = g->t[t].name;
        has[t] = g->t[t].kind != IR_T_CONST;
        lo[t] = strcmp(n, "y") == 0 ? -2.0 : -1.0;
        hi[t] = strcmp(n, "y") == 0 ? 2.0 : 1.0;
    }
}

static void test_int8_dense(void)
{
    ir_graph *g = dense_graph(0);
    double lo[16], hi[16];
    int has[16], fc;
    diag d;
    const int8_t *qw;
    const int32_t *qb;
    const stoic_qmul *qm;
    memset(&d, 0, sizeof d);
    ranges(g, lo, hi, has);
    g->n[0].target = IR_DT_S8;
    CU_ASSERT_FATAL(pass_quantize(g, lo, hi, has, NULL, &d) == 0);
    fc = ir_find_node(g, "fc");
    CU_ASSERT_FATAL(fc >= 0);
    /* x: scale = 2/255; zp = round(-128 - (-1)/(2/255)) = round(-0.5) = -1
     * (half away from zero) */
    CU_ASSERT_EQUAL(g->t[g->input].dtype, IR_DT_S8);
    CU_ASSERT_DOUBLE_EQUAL(g->t[g->input].scale, 2.0 / 255.0, 1e-15);
    CU_ASSERT_EQUAL(g->t[g->input].zp, -1);
    /* y: scale = 4/255, zp = round(-128 + 127.5) = -1 */
    CU_ASSERT_DOUBLE_EQUAL(g->t[g->n[fc].output].scale, 4.0 / 255.0, 1e-15);
    CU_ASSERT_EQUAL(g->t[g->n[fc].output].zp, -1);
    /* weights: channel 0 max 1.0, s = 1/127: 76.2 -> 76, -31.75 -> -32, 127, 0;
     * channel 1 max 0.4F, s = 0.4F/127: 31.75 -> 32, 95.25 -> 95, -95, 127 */
    qw = g->t[g->n[fc].params[0]].qdata;
    CU_ASSERT_EQUAL(g->t[g->n[fc].params[0]].dtype, IR_DT_S8);
    CU_ASSERT(qw[0] == 76 && qw[1] == -32 && qw[2] == 127 && qw[3] == 0);
    CU_ASSERT(qw[4] == 32 && qw[5] == 95 && qw[6] == -95 && qw[7] == 127);
    /* bias: 0.125 / ((2/255)(1/127)) = 0.125 * 255 * 127 / 2 = 2024.0625 -> 2024;
     * -0.25 / ((2/255)(0.4F/127)) = -10120.31 -> -10120 (no bias correction) */
    qb = g->t[g->n[fc].params[1]].qdata;
    CU_ASSERT_EQUAL(g->t[g->n[fc].params[1]].dtype, IR_DT_S32);
    CU_ASSERT_EQUAL(qb[0], 2024);
    CU_ASSERT_EQUAL(qb[1], -10120);
    /* M0 = (2/255)(1/127)/(4/255) = 1/254 = (128/254) 2^-7:
     *   m = round(2^38 / 254) = round(1082196484.03) = 1082196484, shift -7;
     * M1 = 0.4F/254 = (512 0.4F / 254) 2^-9 with 0.4F = 0.4000000059604645:
     *   m = round(2^31 512 0.4F / 254) = round(1731514400.25) = 1731514400, shift -9;
     * a dense layer's output multipliers are packed words: 26 significant
     * bits, 32 round(1082196484 / 32) = 32 * 33818640 = 1082196480
     * (1082196484 / 32 = 33818640.125), plus the right shift minus one,
     * 7 - 1 = 6: 1082196486; 1731514400 = 32 * 54109825, plus 9 - 1 = 8:
     * 1731514408 */
    qm = g->t[g->n[fc].params[2]].qdata;
    CU_ASSERT_EQUAL(qm[0].m, 1082196486);
    CU_ASSERT_EQUAL(qm[0].shift, -7);
    CU_ASSERT_EQUAL(qm[1].m, 1731514408);
    CU_ASSERT_EQUAL(qm[1].shift, -9);
    /* bound: max |q_x - zp_x| = 127 - (-1) = 128;
     * channel 0: 2024 + (76 + 32 + 127 + 0) 128 = 32104;
     * channel 1: 10120 + (32 + 95 + 95 + 127) 128 = 54792 */
    CU_ASSERT_EQUAL(g->n[fc].acc_bound, 54792);
    CU_ASSERT_EQUAL(g->n[fc].acc_limit, 2147483647);
    CU_ASSERT_EQUAL(d.errors, 0);
    ir_free(g);
}

/* int16 biases (bias16) on the int8 dense layer above: zp_x = -1, row sums
 * of the weights 76 - 32 + 127 + 0 = 171 and 32 + 95 - 95 + 127 = 159, so
 * the folded biases are f = qb + 171 and qb + 159 (f = qb - zp_x sum w) */
static void bias16_case(float b1, int32_t want_shift, int32_t want_b0, int32_t want_b1)
{
    ir_graph *g = dense_graph(0);
    double lo[16], hi[16];
    int has[16], fc;
    diag d;
    const int32_t *qb;
    memset(&d, 0, sizeof d);
    ranges(g, lo, hi, has);
    g->n[0].target = IR_DT_S8;
    g->n[0].bias16 = 1;
    g->t[g->n[0].params[1]].data[1] = b1;
    CU_ASSERT_FATAL(pass_quantize(g, lo, hi, has, NULL, &d) == 0);
    fc = ir_find_node(g, "fc");
    qb = g->t[g->n[fc].params[1]].qdata;
    CU_ASSERT_EQUAL(g->n[fc].bias_shift, want_shift);
    CU_ASSERT_EQUAL(qb[0], want_b0);
    CU_ASSERT_EQUAL(qb[1], want_b1);
    ir_free(g);
}

static void test_bias16(void)
{
    /* b1 = -0.25 (test_int8_dense): qb = 2024, -10120; f = 2195, -9961, in
     * int16: s = 0, nothing rounded */
    bias16_case(-0.25F, 0, 2024, -10120);
    /* b1 = -1: qb1 = -255 127 / (2 0.4F) = -40481.249 -> -40481, f1 = -40322
     * beyond int16: s = 1, f rounded to even (ties away from zero): f0 =
     * 2195 -> 2196, qb0 = 2025; f1 even, unchanged; the move, 1 unit,
     * times M0 = 1/254, well below 1/16 of a step */
    bias16_case(-1.0F, 1, 2025, -40481);
    /* b1 = -30: qb1 = -30 40481.249 = -1214437.5 -> -1214437 (the float
     * product rounds below the tie), f1 = -1214278 needs s = 6 (2^6 32767
     * = 2097088 >= 1214278 > 2^5 32767): a move of 2^5 units is 32/254 of
     * channel 0's step, more than 1/16: int32 biases, nothing rounded */
    bias16_case(-30.0F, -1, 2024, -1214437);
}

static void test_int16_dense(void)
{
    ir_graph *g = dense_graph(0);
    double lo[16], hi[16];
    int has[16], fc;
    diag d;
    const int64_t *qb;
    const stoic_qmul *qm;
    memset(&d, 0, sizeof d);
    ranges(g, lo, hi, has);
    g->n[0].target = IR_DT_S16;
    CU_ASSERT_FATAL(pass_quantize(g, lo, hi, has, NULL, &d) == 0);
    fc = ir_find_node(g, "fc");
    /* x: symmetric, scale = 1/32767, zp 0; y: 2/32767 */
    CU_ASSERT_EQUAL(g->t[g->input].dtype, IR_DT_S16);
    CU_ASSERT_DOUBLE_EQUAL(g->t[g->input].scale, 1.0 / 32767.0, 1e-18);
    CU_ASSERT_EQUAL(g->t[g->input].zp, 0);
    CU_ASSERT_DOUBLE_EQUAL(g->t[g->n[fc].output].scale, 2.0 / 32767.0, 1e-18);
    /* bias int64: 0.125 * 32767 * 127 = 520176.125 -> 520176;
     * -0.25 * 32767 * 127 / 0.4F = -2600880.59 -> -2600881 */
    qb = g->t[g->n[fc].params[1]].qdata;
    CU_ASSERT_EQUAL(g->t[g->n[fc].params[1]].dtype, IR_DT_S64);
    CU_ASSERT_EQUAL(qb[0], 520176);
    CU_ASSERT_EQUAL(qb[1], -2600881);
    /* M0 = (1/32767)(1/127)/(2/32767) = 1/254: the int8 case's multiplier */
    qm = g->t[g->n[fc].params[2]].qdata;
    CU_ASSERT_EQUAL(qm[0].m, 1082196486);
    CU_ASSERT_EQUAL(qm[0].shift, -7);
    /* bound (max |q_x| = 32768): 2600881 + 349 * 32768 = 14036913 <= 2^47 */
    CU_ASSERT_EQUAL(g->n[fc].acc_bound, 14036913);
    CU_ASSERT_EQUAL(g->n[fc].acc_limit, (int64_t)1 << 47);
    ir_free(g);
}

static void test_mixed_converts(void)
{
    ir_graph *g = dense_graph(1);
    double lo[16], hi[16];
    int has[16], fc2, cv;
    diag d;
    memset(&d, 0, sizeof d);
    ranges(g, lo, hi, has);
    g->n[0].target = IR_DT_S8;  /* fc: int8 */
    g->n[1].target = IR_DT_F32; /* fc2: float32 */
    CU_ASSERT_FATAL(pass_quantize(g, lo, hi, has, NULL, &d) == 0);
    /* fc2 reads y through a convert layer int8 -> float32 */
    fc2 = ir_find_node(g, "fc2");
    cv = ir_find_node(g, "y.to_float32");
    CU_ASSERT_FATAL(fc2 >= 0 && cv >= 0);
    CU_ASSERT_EQUAL(g->n[cv].op, IR_OP_CONVERT);
    CU_ASSERT_EQUAL(g->t[g->n[cv].inputs[0]].dtype, IR_DT_S8);
    CU_ASSERT_EQUAL(g->t[g->n[cv].output].dtype, IR_DT_F32);
    CU_ASSERT_EQUAL(g->n[fc2].inputs[0], g->n[cv].output);
    CU_ASSERT_EQUAL(g->n[fc2].prec, IR_DT_F32);
    CU_ASSERT_EQUAL(g->t[g->n[fc2].params[0]].dtype, IR_DT_F32);
    /* fc2 int16 after an int8 fc: an int8 -> int16 convert with the
     * multiplier s_y / s_y16 = (4/255) / (2/32767) = 2 * 32767 / 255 */
    ir_free(g);
    g = dense_graph(1);
    ranges(g, lo, hi, has);
    g->n[0].target = IR_DT_S8;
    g->n[1].target = IR_DT_S16;
    CU_ASSERT_FATAL(pass_quantize(g, lo, hi, has, NULL, &d) == 0);
    cv = ir_find_node(g, "y.to_int16");
    CU_ASSERT_FATAL(cv >= 0);
    {
        const stoic_qmul *q = g->t[g->n[cv].params[2]].qdata;
        double M = (double)q->m * pow(2.0, (double)q->shift - 31.0);
        CU_ASSERT_DOUBLE_EQUAL(M, 2.0 * 32767.0 / 255.0, 1e-7);
    }
    ir_free(g);
}

static void test_overflow_refused(void)
{
    /* an int8 dense whose bias alone exceeds int32: 1e6 / ((2/255)(1/127))
     * = 1.6e10 > 2^31 - 1: refused with the layer named */
    ir_graph *g = dense_graph(0);
    double lo[16], hi[16];
    int has[16];
    diag d;
    memset(&d, 0, sizeof d);
    ranges(g, lo, hi, has);
    g->t[g->n[0].params[1]].data[0] = 1e6F;
    g->n[0].target = IR_DT_S8;
    CU_ASSERT(pass_quantize(g, lo, hi, has, NULL, &d) != 0);
    CU_ASSERT_EQUAL(d.errors, 1);
    ir_free(g);
}

static void test_dead_channel(void)
{
    /* channel 1 decayed to ~1e-30: M = (2/255)(0.4e-30/127)/(4/255) < 2^-32
     * has no Q31 form; the channel is quantized to zero weights with M = 1
     * (m = 2^30, shift 1) and its bias in output steps:
     * -0.25 / (4/255) = -15.94 -> -16 */
    ir_graph *g = dense_graph(0);
    double lo[16], hi[16];
    int has[16], k, fc;
    diag d;
    const int8_t *qw;
    const int32_t *qb;
    const stoic_qmul *qm;
    memset(&d, 0, sizeof d);
    d.quiet = 1;
    ranges(g, lo, hi, has);
    for (k = 4; k < 8; k++) {
        g->t[g->n[0].params[0]].data[k] *= 1e-30F;
    }
    g->n[0].target = IR_DT_S8;
    CU_ASSERT_FATAL(pass_quantize(g, lo, hi, has, NULL, &d) == 0);
    fc = ir_find_node(g, "fc");
    qw = g->t[g->n[fc].params[0]].qdata;
    qb = g->t[g->n[fc].params[1]].qdata;
    qm = g->t[g->n[fc].params[2]].qdata;
    CU_ASSERT(qw[4] == 0 && qw[5] == 0 && qw[6] == 0 && qw[7] == 0);
    CU_ASSERT(qw[0] == 76 && qw[2] == 127); /* channel 0 untouched */
    CU_ASSERT_EQUAL(qm[1].m, 1073741824);
    CU_ASSERT_EQUAL(qm[1].shift, 1);
    CU_ASSERT_EQUAL(qb[1], -16);
    ir_free(g);
}

UNIT_SUITE(pass_quantize_tests)
{
    CU_pSuite s = CU_add_suite("pass_quantize hand-derived", NULL, NULL);
    CU_add_test(s, "int8 dense: scales, weights, bias, multipliers, bound", test_int8_dense);
    CU_add_test(s, "int16 biases: the shift, the rounding of the folded bias, the 1/16-step limit",
                test_bias16);
    CU_add_test(s, "int16 dense: int64 bias, multipliers, bound", test_int16_dense);
    CU_add_test(s, "mixed precision: convert layers", test_mixed_converts);
    CU_add_test(s, "accumulator overflow is refused", test_overflow_refused);
    CU_add_test(s, "a dead channel quantizes to zero weights", test_dead_channel);
}

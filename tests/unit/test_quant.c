/* Quantization parameter choice, against values derived by hand from the
 * formulas of ../shared/arithmetic.md. */
/* REQ: REQ-ARITH-005 */
#include <math.h>

#include "quant.h"
#include "unit.h"

static void test_asym_s8(void)
{
    quant_params q;
    /* [-1, 1]: scale 2/255; zp = round(-128 + 127.5) = round(-0.5) = -1 */
    CU_ASSERT_EQUAL(quant_asym_s8(-1.0, 1.0, &q), 0);
    CU_ASSERT_DOUBLE_EQUAL(q.scale, 2.0 / 255.0, 1e-15);
    CU_ASSERT_EQUAL(q.zero_point, -1);
    /* [0, 2.55]: scale 0.01, zp = round(-128 - 0) = -128 */
    CU_ASSERT_EQUAL(quant_asym_s8(0.0, 2.55, &q), 0);
    CU_ASSERT_DOUBLE_EQUAL(q.scale, 0.01, 1e-15);
    CU_ASSERT_EQUAL(q.zero_point, -128);
    /* [0.5, 1] is widened to [0, 1]: scale 1/255, zp -128 */
    CU_ASSERT_EQUAL(quant_asym_s8(0.5, 1.0, &q), 0);
    CU_ASSERT_DOUBLE_EQUAL(q.scale, 1.0 / 255.0, 1e-15);
    CU_ASSERT_EQUAL(q.zero_point, -128);
    /* [-2.55, -1] is widened to [-2.55, 0]: scale 0.01, zp = round(-128 + 255) = 127 */
    CU_ASSERT_EQUAL(quant_asym_s8(-2.55, -1.0, &q), 0);
    CU_ASSERT_EQUAL(q.zero_point, 127);
    /* [-3, 1]: scale 4/255, lo/scale = -191.25, zp = round(63.25) = 63 */
    CU_ASSERT_EQUAL(quant_asym_s8(-3.0, 1.0, &q), 0);
    CU_ASSERT_EQUAL(q.zero_point, 63);
    /* all zeros; reversed and non-finite ranges */
    CU_ASSERT_EQUAL(quant_asym_s8(0.0, 0.0, &q), 0);
    CU_ASSERT_EQUAL(q.zero_point, 0);
    CU_ASSERT_EQUAL(quant_asym_s8(1.0, -1.0, &q), -1);
    CU_ASSERT_EQUAL(quant_asym_s8(-INFINITY, 1.0, &q), -1);
    CU_ASSERT_EQUAL(quant_asym_s8(NAN, 1.0, &q), -1);
}

static void test_sym_s16(void)
{
    quant_params q;
    /* max(|-3|, |2|) = 3: scale 3/32767, zp 0 */
    CU_ASSERT_EQUAL(quant_sym_s16(-3.0, 2.0, &q), 0);
    CU_ASSERT_DOUBLE_EQUAL(q.scale, 3.0 / 32767.0, 1e-18);
    CU_ASSERT_EQUAL(q.zero_point, 0);
    CU_ASSERT_EQUAL(quant_sym_s16(0.0, 0.0, &q), 0);
    CU_ASSERT_DOUBLE_EQUAL(q.scale, 1.0, 0.0);
}

static void test_multiplier(void)
{
    int32_t m = 0, s = 0;
    /* 0.5 = 0.5 * 2^0: m = 2^30 */
    CU_ASSERT_EQUAL(quant_multiplier(0.5, &m, &s), 0);
    CU_ASSERT_EQUAL(m, 1073741824);
    CU_ASSERT_EQUAL(s, 0);
    /* 1.0 = 0.5 * 2^1 */
    CU_ASSERT_EQUAL(quant_multiplier(1.0, &m, &s), 0);
    CU_ASSERT_EQUAL(m, 1073741824);
    CU_ASSERT_EQUAL(s, 1);
    /* 0.75: m = 0.75 * 2^31 = 1610612736 */
    CU_ASSERT_EQUAL(quant_multiplier(0.75, &m, &s), 0);
    CU_ASSERT_EQUAL(m, 1610612736);
    CU_ASSERT_EQUAL(s, 0);
    /* 2^-10 = 0.5 * 2^-9 */
    CU_ASSERT_EQUAL(quant_multiplier(ldexp(1.0, -10), &m, &s), 0);
    CU_ASSERT_EQUAL(m, 1073741824);
    CU_ASSERT_EQUAL(s, -9);
    /* 0.3 = 0.6 * 2^-1: m = round(0.6 * 2^31) = round(1288490188.8) = 1288490189 */
    CU_ASSERT_EQUAL(quant_multiplier(0.3, &m, &s), 0);
    CU_ASSERT_EQUAL(m, 1288490189);
    CU_ASSERT_EQUAL(s, -1);
    /* M0 = 1 - 2^-33 rounds to 2^31: halved, shift + 1 -> 2^30, 1 */
    CU_ASSERT_EQUAL(quant_multiplier(1.0 - ldexp(1.0, -33), &m, &s), 0);
    CU_ASSERT_EQUAL(m, 1073741824);
    CU_ASSERT_EQUAL(s, 1);
    CU_ASSERT_EQUAL(quant_multiplier(0.0, &m, &s), -1);
    CU_ASSERT_EQUAL(quant_multiplier(-1.0, &m, &s), -1);
    CU_ASSERT_EQUAL(quant_multiplier(ldexp(1.0, -40), &m, &s), -1);
}

/* The packed word (stoic_rt.h): 26 significant bits, the right shift
 * minus one in the low 5; derivations by hand. */
static void test_multiplier_pack(void)
{
    int32_t m, s;
    /* 0.3: m = 1288490189, shift -1: 1288490189 / 32 = 40265318.4 ->
     * 40265318 * 32 = 1288490176, + (1 - 1) = 1288490176 */
    m = 1288490189, s = -1;
    CU_ASSERT_EQUAL(quant_multiplier_pack(&m, &s), 0);
    CU_ASSERT_EQUAL(m, 1288490176);
    CU_ASSERT_EQUAL(s, -1);
    /* shift -9: 1731514400 = 32 * 54109825 stays, + 8 */
    m = 1731514400, s = -9;
    CU_ASSERT_EQUAL(quant_multiplier_pack(&m, &s), 0);
    CU_ASSERT_EQUAL(m, 1731514408);
    CU_ASSERT_EQUAL(m & 31, 8);
    /* ties up: 1073741840 = 32 * 33554432.5 -> 33554433 * 32 = 1073741856; shift -31: + 30 */
    m = 1073741840, s = -31;
    CU_ASSERT_EQUAL(quant_multiplier_pack(&m, &s), 0);
    CU_ASSERT_EQUAL(m, 1073741856 + 30);
    /* 2^31 - 1 rounds to 2^31: 2^30 at the next shift, -5 -> -4: + 3 */
    m = 2147483647, s = -5;
    CU_ASSERT_EQUAL(quant_multiplier_pack(&m, &s), 0);
    CU_ASSERT_EQUAL(m, 1073741824 + 3);
    CU_ASSERT_EQUAL(s, -4);
    /* a left shift (shift >= 0): no shift in the word, the low bits 0 */
    m = 1288490189, s = 2;
    CU_ASSERT_EQUAL(quant_multiplier_pack(&m, &s), 0);
    CU_ASSERT_EQUAL(m, 1288490176);
    CU_ASSERT_EQUAL(s, 2);
    /* rounding up at shift 30 leaves the range */
    m = 2147483647, s = 30;
    CU_ASSERT_EQUAL(quant_multiplier_pack(&m, &s), -1);
}

static void test_weights(void)
{
    /* channel 0: max 2.54 -> scale 0.02: 2.54 -> 127, -1.0 -> -50, 0.066 -> round(3.3) = 3;
     * channel 1: all zero -> scale 1, q 0 */
    const float w[6] = { 2.54F, -1.0F, 0.066F, 0.0F, 0.0F, 0.0F };
    int8_t q[6];
    double sc[2];
    quant_weights_s8(w, 2, 3, q, sc);
    CU_ASSERT_DOUBLE_EQUAL(sc[0], 2.54F / 127.0, 1e-12);
    CU_ASSERT_EQUAL(q[0], 127);
    CU_ASSERT_EQUAL(q[1], -50);
    CU_ASSERT_EQUAL(q[2], 3);
    CU_ASSERT_DOUBLE_EQUAL(sc[1], 1.0, 0.0);
    CU_ASSERT_EQUAL(q[3], 0);
}

static void test_ranges(void)
{
    float x[101];
    double lo, hi;
    int i;
    for (i = 0; i <= 100; i++) {
        x[i] = (float)(100 - i); /* 100 .. 0, unsorted order for the sort */
    }
    CU_ASSERT_EQUAL(quant_range_minmax(x, 101, &lo, &hi), 0);
    CU_ASSERT_DOUBLE_EQUAL(lo, 0.0, 0.0);
    CU_ASSERT_DOUBLE_EQUAL(hi, 100.0, 0.0);
    /* p = 5: k = floor(0.05 * 100) = 5 -> 5th smallest is 5, largest-but-5 is 95 */
    CU_ASSERT_EQUAL(quant_range_percentile(x, 101, 5.0, &lo, &hi), 0);
    CU_ASSERT_DOUBLE_EQUAL(lo, 5.0, 0.0);
    CU_ASSERT_DOUBLE_EQUAL(hi, 95.0, 0.0);
    x[3] = NAN;
    CU_ASSERT_EQUAL(quant_range_minmax(x, 101, &lo, &hi), -1);
    CU_ASSERT_EQUAL(quant_range_percentile(x, 101, 5.0, &lo, &hi), -1);
    CU_ASSERT_EQUAL(quant_range_minmax(x, 0, &lo, &hi), -1);
}

UNIT_SUITE(suite_quant)
{
    CU_pSuite s = CU_add_suite("quant params", NULL, NULL);
    CU_add_test(s, "int8 asymmetric activations", test_asym_s8);
    CU_add_test(s, "int16 symmetric activations", test_sym_s16);
    CU_add_test(s, "effective multiplier as Q31 and shift", test_multiplier);
    CU_add_test(s, "packed multiplier and shift in one word", test_multiplier_pack);
    CU_add_test(s, "per-channel symmetric int8 weights", test_weights);
    CU_add_test(s, "calibration ranges", test_ranges);
}

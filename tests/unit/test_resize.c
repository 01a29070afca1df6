/*
 * Unit tests of the resize kernels stoic_resize_f32, stoic_resize_s8,
 * stoic_resize_s16 (runtime/stoic_rt_f32.h, stoic_rt.h).
 *
 * Evidence:
 *  - hand-derived values: the ONNX example of a 2x2 -> 4x4 bilinear
 *    resize (half_pixel; its expected output is the one of ONNX's node test
 *    test_resize_upsample_scales_linear), with the tables worked out in the
 *    comment; an int8 mean of two neighbours and an int8/int16 gather;
 *  - references written here in another form than the kernels: the sum
 *    over the taps in double (float) or int64 / __int128 (integer) on
 *    explicit [h][w][c] indices, the requantization of qtest.h for int8 and
 *    a literal floor division in 128 bits for int16;
 *  - every kernel against its reference, bit for bit for the integer ones,
 *    on 600 random geometries and tables (fixed seeds), nearest (gather)
 *    and weighted, with guards around the output.
 */
/* REQ: REQ-ARITH-001 REQ-ARITH-003 */
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <CUnit/CUnit.h>
#include "unit.h"
#include "qtest.h"
#include "stoic_rt.h"
#include "stoic_rt_f32.h"

typedef __int128 i128;

static void test_f32_onnx_linear(void)
{
    /* in [2][2][1] = 1 2 / 3 4, out 4x4, half_pixel, scale 2:
     * x(o) = (o + 0.5) / 2 - 0.5 = -0.25, 0.25, 0.75, 1.25 on both axes;
     * o = 0: neighbours -1 (clamped to 0) and 0, weights 0.25 0.75;
     * o = 1: 0 and 1, 0.75 0.25; o = 2: 0 and 1, 0.25 0.75;
     * o = 3: 1 and 2 (clamped to 1), 0.75 0.25. Row offsets are index * 2
     * (in_w * c), column offsets index * 1. */
    const float in[4] = { 1, 2, 3, 4 };
    const int32_t row[8] = { 0, 0, 0, 2, 0, 2, 2, 2 };
    const int32_t col[8] = { 0, 0, 0, 1, 0, 1, 1, 1 };
    const float w[8] = { 0.25F, 0.75F, 0.75F, 0.25F, 0.25F, 0.75F, 0.75F, 0.25F };
    const float want[16] = { 1, 1.25F, 1.75F, 2, 1.5F, 1.75F, 2.25F, 2.5F,
                             2.5F, 2.75F, 3.25F, 3.5F, 3, 3.25F, 3.75F, 4 };
    float out[17];
    stoic_resize_f32_params p = { 4, 4, 1, 2, 2 };
    int k;
    out[16] = -7.0F;
    stoic_resize_f32(&p, in, row, col, w, w, out);
    for (k = 0; k < 16; k++) {
        CU_ASSERT_DOUBLE_EQUAL(out[k], want[k], 1e-6);
    }
    CU_ASSERT_EQUAL(out[16], -7.0F);
}

static void test_s8_hand(void)
{
    /* 1-D [2][1] -> [3][1]: in 10 30, zero point -10 (input_offset 10),
     * q = 3 (weights of 8). Output 1 is the mean of both: wr = 8 (t_h 1),
     * wc = 4 4, acc = 32 * 20 + 32 * 40 = 1920 in units of 2^-6; with
     * s_out = s_in the multiplier is 2^-6 = 2^30 / 2^31 * 2^-5: 30, plus
     * the output zero point -10: 20. Outputs 0 and 2 copy (weights 8 0 and
     * 0 8): 10 and 30. A gather of the same input with col 1 0 gives 30 10. */
    const int8_t in[2] = { 10, 30 };
    const int32_t row[1] = { 0 }, wr[1] = { 8 };
    const int32_t col[6] = { 0, 1, 0, 1, 0, 1 }, wc[6] = { 8, 0, 4, 4, 0, 8 };
    const int32_t gcol[2] = { 1, 0 }, one[2] = { 1, 1 };
    int8_t out[4];
    stoic_resize_q_params p = { 1, 3, 1, 1, 2, 0, 10, -10, { 1073741824, -5 }, -128, 127 };
    out[3] = 99;
    stoic_resize_s8(&p, in, row, col, wr, wc, out);
    CU_ASSERT_EQUAL(out[0], 10);
    CU_ASSERT_EQUAL(out[1], 20);
    CU_ASSERT_EQUAL(out[2], 30);
    CU_ASSERT_EQUAL(out[3], 99);
    p.out_w = 2;
    p.t_w = 1;
    p.gather = 1;
    stoic_resize_s8(&p, in, row, gcol, wr, one, out);
    CU_ASSERT_EQUAL(out[0], 30);
    CU_ASSERT_EQUAL(out[1], 10);
    CU_ASSERT_EQUAL(out[2], 30); /* untouched */
}

static void test_s16_hand(void)
{
    /* the same mean in int16 (zero point 0): in 20 40, acc = 32 * 60 =
     * 1920, times 2^-6: 30; the gather 40 20 */
    const int16_t in[2] = { 20, 40 };
    const int32_t row[1] = { 0 }, wr[1] = { 8 };
    const int32_t col[2] = { 0, 1 }, wc[2] = { 4, 4 };
    const int32_t gcol[2] = { 1, 0 }, one[2] = { 1, 1 };
    int16_t out[3];
    stoic_resize_q_params p = { 1, 1, 1, 1, 2, 0, 0, 0, { 1073741824, -5 }, -32768, 32767 };
    out[1] = 99;
    stoic_resize_s16(&p, in, row, col, wr, wc, out);
    CU_ASSERT_EQUAL(out[0], 30);
    CU_ASSERT_EQUAL(out[1], 99);
    p.out_w = 2;
    p.t_w = 1;
    p.gather = 1;
    stoic_resize_s16(&p, in, row, gcol, wr, one, out);
    CU_ASSERT_EQUAL(out[0], 40);
    CU_ASSERT_EQUAL(out[1], 20);
}

static i128 floor_div128(i128 n, i128 d)
{
    i128 q = n / d;
    if (n % d != 0 && n < 0) {
        q--;
    }
    return q;
}

/* sat32(floor((acc * m * 2^shift + 2^30) / 2^31)), literally */
static int64_t ref_rq64(int64_t acc, int32_t m, int32_t shift)
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
    q = q > INT32_MAX ? INT32_MAX : (q < INT32_MIN ? INT32_MIN : q);
    return (int64_t)q;
}

#define MAXO 256
#define GUARDV 77

static void test_random(void)
{
    static float fin[4096], fout[MAXO + 1], fw_r[64], fw_c[64];
    static int8_t in8[4096], out8[MAXO + 1];
    static int16_t in16[4096], out16[MAXO + 1];
    static int32_t row[64], col[64], wr[64], wc[64];
    uint32_t rs = 12345U;
    int iter, bad_f = 0, bad8 = 0, bad16 = 0, gathers = 0, sat = 0;
    for (iter = 0; iter < 600; iter++) {
        int32_t in_h = (int32_t)qt_range(&rs, 1, 6), in_w = (int32_t)qt_range(&rs, 1, 6);
        int32_t c = (int32_t)qt_range(&rs, 1, 4), out_h = (int32_t)qt_range(&rs, 1, 8);
        int32_t out_w = (int32_t)qt_range(&rs, 1, 8);
        int32_t gather = qt_range(&rs, 0, 3) == 0;
        int32_t t_h = gather ? 1 : (int32_t)qt_range(&rs, 1, 4);
        int32_t t_w = gather ? 1 : (int32_t)qt_range(&rs, 1, 4);
        int32_t q = (int32_t)qt_range(&rs, 1, 7), zp = (int32_t)qt_range(&rs, -128, 127);
        int32_t zo = (int32_t)qt_range(&rs, -128, 127), lo = (int32_t)qt_range(&rs, -128, 0);
        int32_t hi = (int32_t)qt_range(&rs, 0, 127);
        stoic_resize_q_params p8, p16;
        stoic_resize_f32_params pf = { out_h, out_w, c, t_h, t_w };
        int32_t k, oh, ow, ch, i, j, n_in = in_h * in_w * c;
        for (k = 0; k < n_in; k++) {
            in8[k] = (int8_t)qt_range(&rs, -128, 127);
            in16[k] = (int16_t)qt_range(&rs, -32768, 32767);
            fin[k] = (float)qt_range(&rs, -1000, 1000) / 64.0F;
        }
        for (k = 0; k < out_h * t_h; k++) {
            row[k] = (int32_t)qt_range(&rs, 0, in_h - 1) * in_w * c;
            wr[k] = gather ? 1 : (int32_t)qt_range(&rs, -(1 << q) / 4, 1 << q);
            fw_r[k] = (float)wr[k] / (float)(1 << q);
        }
        for (k = 0; k < out_w * t_w; k++) {
            col[k] = (int32_t)qt_range(&rs, 0, in_w - 1) * c;
            wc[k] = gather ? 1 : (int32_t)qt_range(&rs, -(1 << q) / 4, 1 << q);
            fw_c[k] = (float)wc[k] / (float)(1 << q);
        }
        p8.out_h = out_h, p8.out_w = out_w, p8.c = c, p8.t_h = t_h, p8.t_w = t_w;
        p8.gather = gather, p8.input_offset = -zp, p8.output_offset = zo;
        p8.qmul.m = (int32_t)qt_range(&rs, 1073741824, 2147483647);
        p8.qmul.shift = (int32_t)qt_range(&rs, -14, 1) - 2 * q / 2;
        p8.act_min = lo, p8.act_max = hi;
        p16 = p8;
        p16.input_offset = 0;
        p16.output_offset = 0;
        p16.act_min = lo * 256;
        p16.act_max = hi * 256 + 255;
        out8[out_h * out_w * c] = GUARDV;
        out16[out_h * out_w * c] = GUARDV;
        fout[out_h * out_w * c] = (float)GUARDV;
        stoic_resize_s8(&p8, in8, row, col, wr, wc, out8);
        stoic_resize_s16(&p16, in16, row, col, wr, wc, out16);
        stoic_resize_f32(&pf, fin, row, col, fw_r, fw_c, fout);
        gathers += gather;
        k = 0;
        for (oh = 0; oh < out_h; oh++) {
            for (ow = 0; ow < out_w; ow++) {
                for (ch = 0; ch < c; ch++) {
                    int64_t a8 = 0, a16 = 0, y8, y16;
                    double af = 0.0;
                    for (i = 0; i < t_h; i++) {
                        for (j = 0; j < t_w; j++) {
                            int32_t at = row[oh * t_h + i] + col[ow * t_w + j] + ch;
                            int64_t w = (int64_t)wr[oh * t_h + i] * wc[ow * t_w + j];
                            a8 += w * ((int64_t)in8[at] - zp);
                            a16 += w * in16[at];
                            af += (double)fw_r[oh * t_h + i] * fw_c[ow * t_w + j] * fin[at];
                        }
                    }
                    if (gather) {
                        int32_t at = row[oh] + col[ow] + ch;
                        y8 = in8[at];
                        y16 = in16[at];
                    } else {
                        y8 = qt_clamp((int64_t)qt_requantize((int32_t)a8, p8.qmul.m,
                                                             p8.qmul.shift) + zo, lo, hi);
                        y16 = qt_clamp(ref_rq64(a16, p16.qmul.m, p16.qmul.shift),
                                       p16.act_min, p16.act_max);
                        sat += y8 == lo || y8 == hi;
                    }
                    bad8 += out8[k] != y8;
                    bad16 += out16[k] != y16;
                    bad_f += fabs((double)fout[k] - af) > 1e-4 * (1.0 + fabs(af));
                    k++;
                }
            }
        }
        bad8 += out8[k] != GUARDV;
        bad16 += out16[k] != GUARDV;
        bad_f += fout[k] != (float)GUARDV;
    }
    CU_ASSERT_EQUAL(bad8, 0);
    CU_ASSERT_EQUAL(bad16, 0);
    CU_ASSERT_EQUAL(bad_f, 0);
    CU_ASSERT(gathers > 100);
    CU_ASSERT(sat > 10);
}

UNIT_SUITE(suite_kernel_resize)
{
    CU_pSuite s = CU_add_suite("kernel_resize", NULL, NULL);
    CU_add_test(s, "f32: ONNX 2x2 -> 4x4 bilinear, hand-derived tables", test_f32_onnx_linear);
    CU_add_test(s, "s8: mean of two neighbours and a gather, hand-derived", test_s8_hand);
    CU_add_test(s, "s16: mean of two neighbours and a gather, hand-derived", test_s16_hand);
    CU_add_test(s, "f32/s8/s16 vs references, 600 random tables", test_random);
}

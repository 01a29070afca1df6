/* Pooling cases no random geometry of test_pool_variants.c reaches, found
 * by the runtime's branch coverage (make coverage, certification/
 * coverage-exceptions.md):
 *  - stoic_gavgpool_s8 on a plane of 4 210 752 pixels and stoic_gavgpool_s16
 *    on 32 768: the smallest planes for which the kernel cannot prove
 *    |acc| < 2^30 and takes stoic_requantize instead of its one-multiply
 *    output stage; the bytes must be the general kernel's
 *    (stoic_avgpool2d_s8/_s16 with the window of the whole plane, itself
 *    checked against int64 references in test_kernels_q_layer.c);
 *  - stoic_avgpool2d_f32 with count_include_pad and a dilation that puts
 *    every column tap of a window in the padding while its row is real:
 *    the average of k_h * k_w padding zeros is +0, against a plain loop
 *    over the taps written here (values are multiples of 1/4 with small
 *    sums: exact in any order). */
/* REQ: REQ-ARITH-001 REQ-ARITH-004 */
#include <stdlib.h>
#include <string.h>

#include "stoic_rt.h"
#include "stoic_rt_f32.h"
#include "unit.h"

static uint32_t seed = 12345u;
static uint32_t rnd(void)
{
    seed = seed * 1664525u + 1013904223u;
    return seed >> 8;
}

/* the whole plane [h][w][c] as one window, count_include_pad */
static void whole_plane(stoic_pool2d_q_params *p, int32_t h, int32_t w, int32_t c,
                        const stoic_qmul *q, int s16)
{
    memset(p, 0, sizeof *p);
    p->in_h = h;
    p->in_w = w;
    p->c = c;
    p->out_h = p->out_w = 1;
    p->k_h = h;
    p->k_w = w;
    p->stride_h = p->stride_w = 1;
    p->dil_h = p->dil_w = 1;
    p->count_include_pad = 1;
    p->input_offset = s16 ? 0 : 128;
    p->output_offset = s16 ? 0 : -3;
    p->act_min = s16 ? -32768 : -128;
    p->act_max = s16 ? 32767 : 127;
    p->qmul = q;
}

static void test_gavgpool_large(void)
{
    /* hw = 4210752 = 64 * 65793 (int8), 32768 = 128 * 256 (int16) */
    const int32_t c8 = 3, c16 = 5;
    int8_t *i8 = malloc(sizeof *i8 * (size_t)4210752 * (size_t)c8);
    int16_t *i16 = malloc(sizeof *i16 * (size_t)32768 * (size_t)c16);
    int8_t a8[3], b8[3];
    int16_t a16[5], b16[5];
    stoic_pool2d_q_params p;
    stoic_qmul q;
    int32_t i, shift;
    int bad = 0, s;
    CU_ASSERT_PTR_NOT_NULL_FATAL(i8);
    CU_ASSERT_PTR_NOT_NULL_FATAL(i16);
    for (s = 0; s < 4; s++) {
        /* all maximal (the extreme |acc|), then random */
        for (i = 0; i < 4210752 * c8; i++) {
            i8[i] = (int8_t)(s == 0 ? 127 : (int32_t)(rnd() % 256u) - 128);
        }
        for (i = 0; i < 32768 * c16; i++) {
            i16[i] = (int16_t)(s == 0 ? 32767 : (s == 1 ? -32768 : (int32_t)(rnd() % 65536u) - 32768));
        }
        for (shift = -8; shift <= 0; shift += 4) {
            q.m = (int32_t)(0x40000000u + (rnd() & 0x3FFFFFFFu));
            q.shift = shift;
            whole_plane(&p, 65793, 64, c8, &q, 0);
            memset(a8, 0x55, sizeof a8);
            memset(b8, 0x55, sizeof b8);
            stoic_avgpool2d_s8(&p, i8, a8);
            stoic_gavgpool_s8(&p, i8, b8);
            bad += memcmp(a8, b8, sizeof a8) != 0;
            whole_plane(&p, 128, 256, c16, &q, 1);
            memset(a16, 0x55, sizeof a16);
            memset(b16, 0x55, sizeof b16);
            stoic_avgpool2d_s16(&p, i16, a16);
            stoic_gavgpool_s16(&p, i16, b16);
            bad += memcmp(a16, b16, sizeof a16) != 0;
        }
    }
    CU_ASSERT_EQUAL(bad, 0);
    free(i8);
    free(i16);
}

/* plain average pool: taps outside the input are 0, divided by k_h * k_w */
static float ref_avg(const stoic_pool2d_f32_params *p, const float *in, int32_t oh, int32_t ow,
                     int32_t ch)
{
    float sum = 0.0F;
    int32_t kh, kw, y, x;
    for (kh = 0; kh < p->k_h; kh++) {
        for (kw = 0; kw < p->k_w; kw++) {
            y = oh * p->stride_h - p->pad_top + kh * p->dil_h;
            x = ow * p->stride_w - p->pad_left + kw * p->dil_w;
            if (y >= 0 && y < p->in_h && x >= 0 && x < p->in_w) {
                sum += in[(y * p->in_w + x) * p->c + ch];
            }
        }
    }
    return sum / (float)(p->k_h * p->k_w);
}

static void test_avgpool_f32_padding_columns(void)
{
    /* in 2x3x2; window 2x2, dilation (1, 4), stride 1, pads left and
     * right 1 (smaller than the window, as the generator requires): the
     * padded width is 5 = the window's extent, so out_w = 1, and the
     * window's column taps are at x = -1 and x = 3: both padding, while
     * both rows are real. */
    stoic_pool2d_f32_params p;
    float in[2 * 3 * 2], out[2], want;
    int32_t i, ow, ch;
    int bad = 0, empty = 0;
    memset(&p, 0, sizeof p);
    p.in_h = 2;
    p.in_w = 3;
    p.c = 2;
    p.k_h = 2;
    p.k_w = 2;
    p.stride_h = p.stride_w = 1;
    p.dil_h = 1;
    p.dil_w = 4;
    p.pad_top = 0;
    p.pad_left = 1;
    p.count_include_pad = 1;
    p.out_h = 1;                     /* (2 - 2) / 1 + 1 */
    p.out_w = 1;                     /* (3 + 1 + 1 - 5) / 1 + 1 */
    for (i = 0; i < 12; i++) {
        in[i] = (float)((int32_t)(rnd() % 41u) - 20) / 4.0F;
    }
    memset(out, 0x55, sizeof out);
    stoic_avgpool2d_f32(&p, in, out);
    for (ow = 0; ow < p.out_w; ow++) {
        int32_t x0 = ow - 1, x1 = ow - 1 + 4;
        if (!(x0 >= 0 && x0 < 3) && !(x1 >= 0 && x1 < 3)) {
            empty++;
        }
        for (ch = 0; ch < 2; ch++) {
            want = ref_avg(&p, in, 0, ow, ch);
            bad += memcmp(&want, &out[ow * 2 + ch], sizeof want) != 0;
        }
    }
    CU_ASSERT_EQUAL(empty, 1);       /* the case this test exists for */
    CU_ASSERT_EQUAL(bad, 0);
}

UNIT_SUITE(pool_edges)
{
    CU_pSuite s = CU_add_suite("pool edges", NULL, NULL);
    CU_add_test(s, "gavgpool int8 (4210752 pixels), int16 (32768) == general kernel",
                test_gavgpool_large);
    CU_add_test(s, "avgpool float32: a window whose columns are all padding", test_avgpool_f32_padding_columns);
}

/*
 * target/dspcases/dspcases.c -- the int8 kernels whose inner passes are
 * inline assembly on Thumb-2 (runtime/stoic_dsp.h: stoic_dsp_dw3_pass_nw,
 * stoic_dsp_pw2_win) and the 2x2 average pool with its zero point row,
 * against an independent reference, on random cases, on every target:
 * the same program is built for the host (the portable C path), Cortex-M4
 * and Cortex-M7 (the DSP path and the assembly, bare metal under QEMU with
 * semihosting) and big-endian PowerPC (portable, qemu-ppc);
 * target/dspcases/run.sh runs them (make target-check).
 *
 * The kernels are the out-of-line ones (stoic_conv2d_s8_dw3.c,
 * stoic_pw_s8.c, stoic_avgpool2d_s8_2x2.c): their parameters are not
 * constants there, so every variant of a pass (a row stride nw of 3, 5,
 * 7, 9 words at immediate offsets, any other through three pointers; a
 * layer of few passes a channel in C) is compiled and chosen at run time,
 * each by some of the cases:
 *  - 3x3 depthwise / one-input-channel convolution: in_h, in_w 1 .. 26,
 *    pads 0 or 1 on each side, in_c 1 .. 4, channel multiplier 1 .. 8;
 *  - 1x1 convolution, in_n 1 .. 16, with and without the fused 2x2 max
 *    pool (in_n 5 .. 8 pooled: the assembly window);
 *  - 2x2 average pool of stride 2, pads 0 or 1, count_include_pad 0 or 1,
 *    shifts -22 .. 2.
 * Weights (the 3x3 ones in one case of three int4, two a byte), inputs,
 * biases (int32, or in one case of three int16 times
 * 2^s, stoic_bias_at), zero points, multipliers and clamps are drawn
 * (inputs and int16 biases also at the extremes); the layouts are made here from the
 * comments of runtime/stoic_rt.h, not by the generator; every output is
 * compared with
 *   ref = clamp(RDBPOT(SRDHM(acc, m), e) + zp_out)
 * computed in int64 the way TensorFlow Lite's reference defines SRDHM and
 * RDBPOT, acc the plain sum over the taps of (x - zp_in) w plus the bias
 * (the pooled 1x1: the largest of the window's four outputs). Prints
 * "dspcases: N cases, M outputs, K mismatches" and exits 0 when K is 0.
 */
#include <stdint.h>

#include "stoic_rt.h"

#ifndef DSP_CASES
#define DSP_CASES 1500
#endif

#include "../s4cases/cases.h"

/* MultiplyByQuantizedMultiplier(acc, m, shift) + zp, clamped */
static int32_t ref_stage(int64_t acc, int32_t m, int32_t shift, int32_t zp, int32_t lo, int32_t hi)
{
    int32_t left = shift > 0 ? shift : 0;
    int32_t right = shift > 0 ? 0 : -shift;
    int32_t y = ref_rdbpot(ref_srdhm(acc * ((int64_t)1 << left), m), (int)right) + zp;
    return y < lo ? lo : (y > hi ? hi : y);
}

static uint32_t outputs;
static uint32_t bad;

static void check(int32_t got, int32_t want, const char *what, int32_t c, int32_t k)
{
    outputs++;
    if (got != want) {
        if (bad < 5U) {
            put_str("dspcases: mismatch in ");
            put_str(what);
            put_num(" case ", (uint32_t)c);
            put_num(" output ", (uint32_t)k);
            put_str("\n");
        }
        bad++;
    }
}

/* a packed multiplier (stoic_rt.h: m in [2^30, 2^31), low 5 bits e - 1) */
static int32_t rnd_qm(void)
{
    int32_t e = rnd_in(1, 20);
    return (int32_t)(0x40000000U + (rnd() & 0x3FFFFFE0U)) | (e - 1);
}

/* an int8 input: random, or an extreme */
static int8_t rnd_x(int32_t kind)
{
    int32_t v = rnd_in(-128, 127);
    if (kind == 1) {
        v = (rnd() & 1U) != 0U ? 127 : -128;
    }
    return (int8_t)v;
}

#define MAX_HW 26
#define MAX_C 32
static int8_t xin[MAX_HW * MAX_HW * MAX_C];
static int8_t yout[MAX_HW * MAX_HW * MAX_C];
static int8_t wdw[MAX_C * 16];
static int8_t w4pk[(MAX_C * 9 + 1) / 2];   /* int4 weights two a byte (dw3, w4) */
static int32_t borig[MAX_C];
static int32_t bias[MAX_C];
static int32_t lane[MAX_C];

/* output o's bias, the weights of o summing to s: borig[o] for the
 * reference; the folded bias borig[o] - zp_in s for the kernel, as
 * bias[o] (b16 0) or, a multiple of b16, as lane[o] = folded / b16 */
static void draw_bias(int32_t o, int32_t s, int32_t zp_in, int32_t b16)
{
    if (b16 == 0) {
        borig[o] = rnd_in(-300000, 300000);
        bias[o] = borig[o] - (zp_in * s);
    } else {
        lane[o] = rnd_lane();
        borig[o] = (lane[o] * b16) + (zp_in * s);
    }
}
static int32_t qm[MAX_C];
static int32_t scratch[4096];
static int32_t wpw[MAX_C * 4];
static stoic_qmul qmul[5];

static void garbage(void)
{
    int32_t i;
    for (i = 0; i < 4096; i++) {
        scratch[i] = (int32_t)rnd();   /* every word read must be written first */
    }
}

static void lo_hi(int32_t *lo, int32_t *hi)
{
    *lo = -128;
    *hi = 127;
    if (rnd_in(0, 2) == 0) {
        *lo = rnd_in(-128, 0);
        *hi = rnd_in(*lo, 127);
    }
}

static void case_dw3(int32_t c)
{
    stoic_conv2d_dw3_params p;
    int32_t in_c = rnd_in(1, 4);
    int32_t dm = (in_c == 1) ? rnd_in(1, 8) : rnd_in(1, 3);
    int32_t out_c = in_c * dm;
    int32_t pt = rnd_in(0, 1);
    int32_t pl = rnd_in(0, 1);
    int32_t pb = rnd_in(0, 1);
    int32_t pr = rnd_in(0, 1);
    int32_t in_h = rnd_in(3 - pt - pb, (c % 5 == 0) ? MAX_HW : 9);
    int32_t in_w = rnd_in(3 - pl - pr, (c % 3 == 0) ? MAX_HW : 12);
    int32_t out_h = in_h + pt + pb - 2;
    int32_t out_w = in_w + pl + pr - 2;
    int32_t zp_in = rnd_in(-128, 127);
    int32_t zp_out = rnd_in(-128, 127);
    int32_t kind = rnd_in(0, 2);
    int32_t one = rnd_in(0, 3) == 0;
    int32_t b16 = rnd_b16();
    int32_t w4 = rnd_in(0, 2) == 0;   /* int4 weights in one case of three */
    int32_t wmax = (w4 != 0) ? 7 : 127;
    int32_t lo;
    int32_t hi;
    int32_t o;
    int32_t i;
    int32_t oh;
    int32_t ow;

    lo_hi(&lo, &hi);
    for (i = 0; i < in_h * in_w * in_c; i++) {
        xin[i] = rnd_x(kind);
    }
    for (o = 0; o < out_c; o++) {
        int32_t s = 0;
        for (i = 0; i < 9; i++) {
            wdw[(o * 9) + i] = (int8_t)((kind == 1) ? ((rnd() & 1U) != 0U ? wmax : -wmax)
                                                    : rnd_in(-wmax, wmax));
            s += (int32_t)wdw[(o * 9) + i];
        }
        draw_bias(o, s, zp_in, b16);
        qm[o] = ((o > 0) && (one != 0)) ? qm[0] : rnd_qm();
    }
    p.in_h = in_h;
    p.in_w = in_w;
    p.in_c = in_c;
    p.out_h = out_h;
    p.out_w = out_w;
    p.out_c = out_c;
    p.depth_mult = dm;
    p.pad_top = pt;
    p.pad_left = pl;
    p.zp_in = zp_in;
    p.n_pass = (out_w + 3) / 4;
    p.act_min = lo;
    p.act_max = hi;
    p.clamp = ((lo > -128) || (hi < 127)) ? 1 : 0;
    p.c1 = (2 * zp_out) + 1;
    p.qm_step = one != 0 ? 0 : 1;
    p.qm = qm;
    p.b16 = b16;
    p.w4 = w4;
    if (b16 != 0) {
        pack_lanes(lane, out_c, bias);
    }
    /* int4: weight i (9 o + k) in nibble i, the low one of byte i / 2
     * first, plus 8 (stoic_rt.h) */
    for (i = 0; i < out_c * 9; i += 2) {
        uint32_t n0 = (uint32_t)((int32_t)wdw[i] + 8);
        uint32_t n1 = (i + 1 < out_c * 9) ? (uint32_t)((int32_t)wdw[i + 1] + 8) : 0U;
        w4pk[i / 2] = (int8_t)(int32_t)(n0 | (n1 << 4U));
    }
    garbage();
    stoic_conv2d_s8_dw3(&p, xin, (w4 != 0) ? w4pk : wdw, bias, yout, scratch);
    for (oh = 0; oh < out_h; oh++) {
        for (ow = 0; ow < out_w; ow++) {
            for (o = 0; o < out_c; o++) {
                int64_t acc = borig[o];
                int32_t g = o / dm;
                int32_t kh;
                int32_t kw;
                int32_t m = qm[o];
                for (kh = 0; kh < 3; kh++) {
                    for (kw = 0; kw < 3; kw++) {
                        int32_t ih = oh + kh - pt;
                        int32_t iw = ow + kw - pl;
                        if ((ih >= 0) && (ih < in_h) && (iw >= 0) && (iw < in_w)) {
                            acc += ((int64_t)xin[(((ih * in_w) + iw) * in_c) + g] - zp_in) *
                                   (int64_t)wdw[(o * 9) + (kh * 3) + kw];
                        }
                    }
                }
                check((int32_t)yout[(((oh * out_w) + ow) * out_c) + o],
                      ref_stage(acc, m, -((m & 31) + 1), zp_out, lo, hi), "dw3", c,
                      (((oh * out_w) + ow) * out_c) + o);
            }
        }
    }
}

static void case_pw(int32_t c)
{
    stoic_pw_params p;
    int32_t pool = rnd_in(0, 1);
    int32_t in_n = (pool != 0 && rnd_in(0, 1) == 0) ? rnd_in(5, 8) : rnd_in(1, 16);
    int32_t out_n = rnd_in(1, MAX_C);
    int32_t h = pool != 0 ? 2 * rnd_in(1, 6) : rnd_in(1, 12);
    int32_t w = pool != 0 ? 2 * rnd_in(1, 6) : rnd_in(1, 12);
    int32_t n_w = 2 * ((in_n + 3) / 4);
    int32_t zp_in = rnd_in(-128, 127);
    int32_t zp_out = rnd_in(-128, 127);
    int32_t kind = rnd_in(0, 2);
    int32_t one = rnd_in(0, 3) == 0;
    int32_t b16 = rnd_b16();
    int32_t lo;
    int32_t hi;
    int32_t o;
    int32_t i;
    int32_t k;
    int32_t q;

    lo_hi(&lo, &hi);
    for (i = 0; i < h * w * in_n; i++) {
        xin[i] = rnd_x(kind);
    }
    for (o = 0; o < out_n; o++) {
        int32_t s = 0;
        for (i = 0; i < 16; i++) {
            wdw[(o * 16) + i] = (int8_t)((i < in_n) ? rnd_in(-127, 127) : 0);
            s += (int32_t)wdw[(o * 16) + i];
        }
        /* per output, n_w / 2 words of four int8, byte j the weight of input 4k + j */
        for (k = 0; k < n_w / 2; k++) {
            uint32_t u = 0U;
            for (i = 0; i < 4; i++) {
                u |= (uint32_t)(uint8_t)wdw[(o * 16) + (4 * k) + i] << (8U * (uint32_t)i);
            }
            wpw[(o * (n_w / 2)) + k] = (int32_t)u;
        }
        draw_bias(o, s, zp_in, b16);
        qm[o] = ((o > 0) && (one != 0)) ? qm[0] : rnd_qm();
    }
    p.px = h * w;
    p.w = w;
    p.pool = pool;
    p.pool_h = pool != 0 ? h / 2 : 0;
    p.pool_w = pool != 0 ? w / 2 : 0;
    p.in_n = in_n;
    p.in_words = n_w;
    p.out_n = out_n;
    p.act_min = lo;
    p.act_max = hi;
    p.clamp = ((lo > -128) || (hi < 127)) ? 1 : 0;
    p.c1 = (2 * zp_out) + 1;
    p.qm_step = one != 0 ? 0 : 1;
    p.qm = qm;
    p.b16 = b16;
    if (b16 != 0) {
        pack_lanes(lane, out_n, bias);
    }
    garbage();
    stoic_pw_s8(&p, xin, wpw, bias, yout, scratch);
    for (q = 0; q < (pool != 0 ? (h / 2) * (w / 2) : h * w); q++) {
        for (o = 0; o < out_n; o++) {
            int32_t best = -1000;
            int32_t t;
            for (t = 0; t < (pool != 0 ? 4 : 1); t++) {
                int32_t px = q;
                int64_t acc = borig[o];
                int32_t y;
                int32_t m = qm[o];
                if (pool != 0) {
                    px = ((((q / (w / 2)) * 2) + (t / 2)) * w) + ((q % (w / 2)) * 2) + (t % 2);
                }
                for (i = 0; i < in_n; i++) {
                    acc += ((int64_t)xin[(px * in_n) + i] - zp_in) * (int64_t)wdw[(o * 16) + i];
                }
                y = ref_stage(acc, m, -((m & 31) + 1), zp_out, lo, hi);
                best = y > best ? y : best;
            }
            check((int32_t)yout[(q * out_n) + o], best, pool != 0 ? "pw pooled" : "pw", c,
                  (q * out_n) + o);
        }
    }
}

static void case_avg(int32_t c)
{
    stoic_pool2d_q_params p;
    int32_t ch = rnd_in(1, MAX_C);
    int32_t pt = rnd_in(0, 1);
    int32_t pl = rnd_in(0, 1);
    int32_t pb = rnd_in(0, 1);
    int32_t pr = rnd_in(0, 1);
    int32_t in_h = rnd_in(2 - pt - pb > 1 ? 2 - pt - pb : 1, 11);
    int32_t in_w = rnd_in(2 - pl - pr > 1 ? 2 - pl - pr : 1, 11);
    int32_t out_h = ((in_h + pt + pb - 2) / 2) + 1;
    int32_t out_w = ((in_w + pl + pr - 2) / 2) + 1;
    int32_t zp_in = rnd_in(-128, 127);
    int32_t zp_out = rnd_in(-128, 127);
    int32_t cip = rnd_in(0, 1);
    int32_t kind = rnd_in(0, 2);
    int32_t lo;
    int32_t hi;
    int32_t i;
    int32_t oh;
    int32_t ow;
    int32_t k;

    lo_hi(&lo, &hi);
    for (i = 0; i < in_h * in_w * ch; i++) {
        xin[i] = rnd_x(kind);
    }
    for (i = 0; i < 5; i++) {
        qmul[i].m = (int32_t)(0x40000000U + (rnd() & 0x3FFFFFFFU));
        qmul[i].shift = rnd_in(-22, 2);
    }
    p.in_h = in_h;
    p.in_w = in_w;
    p.c = ch;
    p.out_h = out_h;
    p.out_w = out_w;
    p.k_h = 2;
    p.k_w = 2;
    p.stride_h = 2;
    p.stride_w = 2;
    p.pad_top = pt;
    p.pad_left = pl;
    p.count_include_pad = cip;
    p.dil_h = 1;
    p.dil_w = 1;
    p.input_offset = -zp_in;
    p.output_offset = zp_out;
    p.act_min = lo;
    p.act_max = hi;
    p.qmul = qmul;
    garbage();
    stoic_avgpool2d_s8_2x2(&p, xin, yout, scratch);
    for (oh = 0; oh < out_h; oh++) {
        for (ow = 0; ow < out_w; ow++) {
            for (k = 0; k < ch; k++) {
                int64_t acc = 0;
                int32_t n = 0;
                int32_t dy;
                int32_t dx;
                const stoic_qmul *q;
                for (dy = 0; dy < 2; dy++) {
                    for (dx = 0; dx < 2; dx++) {
                        int32_t ih = (2 * oh) + dy - pt;
                        int32_t iw = (2 * ow) + dx - pl;
                        if ((ih >= 0) && (ih < in_h) && (iw >= 0) && (iw < in_w)) {
                            acc += (int64_t)xin[(((ih * in_w) + iw) * ch) + k] - zp_in;
                            n++;
                        }
                    }
                }
                q = &qmul[cip != 0 ? 0 : n];
                check((int32_t)yout[(((oh * out_w) + ow) * ch) + k],
                      ref_stage(acc, q->m, q->shift, zp_out, lo, hi), "avgpool", c,
                      (((oh * out_w) + ow) * ch) + k);
            }
        }
    }
}

int main(void)
{
    uint32_t cases = 0U;
    int32_t c;

    rng = 0x9E3779B9U;

    for (c = 0; c < DSP_CASES; c++) {
        if (c % 3 == 0) {
            case_dw3(c);
        } else if (c % 3 == 1) {
            case_pw(c);
        } else {
            case_avg(c);
        }
        cases++;
    }
    put_num("dspcases: ", cases);
    put_num(" cases, ", outputs);
    put_num(" outputs, ", bad);
    put_str(" mismatches\n");
    return bad == 0U ? 0 : 1;
}

/*
 * bench/plainc/pool.c -- plain C loops for one int8 pooling layer (NHWC),
 * the baseline of the pooling target ("no more than plain C
 * loops"): the loops a programmer writes from the operator's definition,
 * compiled like the generated code (arm-none-eabi-gcc -O2) and counted
 * between the probe markers (bench/plainc.sh). Not stoic's code.
 *
 * Shapes from the command line: -DOP=1 max pool, 2 average pool (padded
 * taps count, holding the zero point), 3 global average pool; -DH -DW -DC
 * the input, -DK the window, -DS the stride, -DP the top/left pad, -DOH
 * -DOW the output. Output scale = input scale (the rounding division by
 * the window's size of the reference average pools), so no multiplier:
 * the plain loops are spared a requantization stoic's kernels do.
 */
#include <stdint.h>
#include "probe.h"

static volatile int8_t in[H * W * C];
static volatile int8_t out[OH * OW * C];

static int32_t rdiv(int32_t s, int32_t n)
{
    /* round half away from zero */
    return s >= 0 ? (s + n / 2) / n : -((-s + n / 2) / n);
}

static void pool(const volatile int8_t *x, volatile int8_t *y, int32_t zp)
{
    for (int oh = 0; oh < OH; oh++) {
        for (int ow = 0; ow < OW; ow++) {
            for (int c = 0; c < C; c++) {
                int32_t v;
#if OP == 1
                v = -128;
                for (int ky = 0; ky < K; ky++) {
                    for (int kx = 0; kx < K; kx++) {
                        int ih = S * oh - P + ky, iw = S * ow - P + kx;
                        if (ih >= 0 && ih < H && iw >= 0 && iw < W) {
                            int32_t t = x[(ih * W + iw) * C + c];
                            v = t > v ? t : v;
                        }
                    }
                }
#elif OP == 2
                v = 0;
                for (int ky = 0; ky < K; ky++) {
                    for (int kx = 0; kx < K; kx++) {
                        int ih = S * oh - P + ky, iw = S * ow - P + kx;
                        if (ih >= 0 && ih < H && iw >= 0 && iw < W) {
                            v += x[(ih * W + iw) * C + c] - zp;
                        }
                    }
                }
                v = rdiv(v, K * K) + zp;
#else
                v = 0;
                for (int i = 0; i < H * W; i++) {
                    v += x[i * C + c] - zp;
                }
                v = rdiv(v, H * W) + zp;
#endif
                y[(oh * OW + ow) * C + c] = (int8_t)(v < -128 ? -128 : v > 127 ? 127 : v);
            }
        }
    }
}

int main(void)
{
    for (int i = 0; i < H * W * C; i++) {
        in[i] = (int8_t)(i * 37);
    }
    stoic_probe_begin();
    pool(in, out, -5);
    stoic_probe_end();
    return out[0];
}

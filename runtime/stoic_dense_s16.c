/*
 * stoic runtime: dense (fully connected) layer, 16x8: int16 activations
 * (symmetric, zero point 0), int8 weights, int64 bias, int64 accumulation.
 *
 * acc = bias[o] + sum_i in[r][i] * w[o][i]                        (int64)
 * out[r][o] = stoic_requant_s16(acc, &qmul[o], act_min, act_max)
 *
 * Exact: each product in * w has |in * w| <= 2^15 * 2^7 = 2^22 and is
 * computed in int32; the sum is in int64, and the generator's bound
 * |bias[o]| + sum |in * w| <= 2^47 keeps every partial sum far inside
 * int64, so nothing wraps and the order of accumulation does not change the
 * result. The output stage is stoic_requant_s16 (stoic_requant.c), the
 * exact 64-bit requantization shared by every int16 kernel.
 */
#include <stddef.h>
#include "stoic_rt.h"

void stoic_dense_s16(const stoic_dense_s16_params *p, const int16_t *in, const int8_t *w,
                     const int64_t *bias, int16_t *out)
{
    int32_t r;
    int32_t o;
    int32_t i;
    int32_t in_row;
    int32_t w_row;
    int64_t acc;

    for (r = 0; r < p->rows; r++) {
        in_row = r * p->in_n;
        for (o = 0; o < p->out_n; o++) {
            w_row = o * p->in_n;
            if (bias != NULL) {
                acc = bias[o];
            } else {
                acc = 0;
            }
            for (i = 0; i < p->in_n; i++) {
                acc = acc + ((int64_t)in[in_row + i] * (int64_t)w[w_row + i]);
            }
            out[(r * p->out_n) + o] = stoic_requant_s16(acc, &p->qmul[o], p->act_min,
                                                        p->act_max);
        }
    }
}

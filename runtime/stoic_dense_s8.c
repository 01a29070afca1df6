/*
 * stoic runtime: dense (fully connected) layer, int8.
 *
 * acc = bias[o] + sum_i (in[r][i] + input_offset) * w[o][i]   (int32)
 * out[r][o] = clamp(requantize(acc, qmul[o]) + output_offset, act_min, act_max)
 *
 * Integer sums are exact (the generator's overflow bound keeps every
 * partial sum inside int32, see stoic_rt.h), so the order of accumulation
 * does not change the result. The output stage is stoic_requant_s8, the
 * one shared by every int8 kernel (stoic_requant.c).
 */
#include <stddef.h>
#include "stoic_rt.h"

void stoic_dense_s8(const stoic_dense_s8_params *p, const int8_t *in, const int8_t *w,
                    const int32_t *bias, int8_t *out)
{
    int32_t r;
    int32_t o;
    int32_t i;
    int32_t in_row;
    int32_t w_row;
    int32_t acc;
    int32_t x;

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
                x = (int32_t)in[in_row + i] + p->input_offset;
                acc = acc + (x * (int32_t)w[w_row + i]);
            }
            out[(r * p->out_n) + o] = stoic_requant_s8(acc, &p->qmul[o], p->output_offset,
                                                       p->act_min, p->act_max);
        }
    }
}

/*
 * stoic runtime: dense (fully connected) layer, float32.
 *
 * out[r][o] = act(bias[o] + sum_i in[r][i] * w[o][i]).
 * Accumulation order (shared by the host evaluator and the generated code,
 * which call this very function): bias[o] first (0 when bias is NULL), then
 * i ascending; every product is rounded to float before it is added (the
 * multiply and the add are separate statements, so no fused multiply-add).
 */
#include <stddef.h>
#include "stoic_rt_f32.h"

void stoic_dense_f32(const stoic_dense_f32_params *p, const float *in,
                     const float *w, const float *bias, float *out)
{
    int32_t r;
    int32_t o;
    int32_t i;
    int32_t in_row;
    int32_t w_row;
    float acc;
    float prod;

    for (r = 0; r < p->rows; r++) {
        in_row = r * p->in_n;
        for (o = 0; o < p->out_n; o++) {
            w_row = o * p->in_n;
            if (bias != NULL) {
                acc = bias[o];
            } else {
                acc = 0.0F;
            }
            for (i = 0; i < p->in_n; i++) {
                prod = in[in_row + i] * w[w_row + i];
                acc = acc + prod;
            }
            out[(r * p->out_n) + o] = stoic_act_apply_f32(&p->act, acc);
        }
    }
}

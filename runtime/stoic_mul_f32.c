/*
 * stoic runtime: element-wise multiply with optional broadcast of b, float32.
 * out[o][i] = act(a[o][i] * b[o * b_outer_stride + i]); out may be a.
 */
#include "stoic_rt_f32.h"

void stoic_mul_f32(const stoic_binary_f32_params *p, const float *a, const float *b, float *out)
{
    int32_t o;
    int32_t i;
    int32_t a_row;
    int32_t b_row;
    float y;

    for (o = 0; o < p->outer; o++) {
        a_row = o * p->inner;
        b_row = o * p->b_outer_stride;
        for (i = 0; i < p->inner; i++) {
            y = a[a_row + i] * b[b_row + i];
            out[a_row + i] = stoic_act_apply_f32(&p->act, y);
        }
    }
}

/*
 * stoic runtime: per-channel affine (stand-alone batch norm), float32.
 * out[o][k] = act(in[o][k] * scale[k] + shift[k]): the product is rounded
 * to float before the add (separate statements, no fused multiply-add).
 * out may be in.
 */
#include "stoic_rt_f32.h"

void stoic_affine_f32(const stoic_affine_f32_params *p, const float *in,
                      const float *scale, const float *shift, float *out)
{
    int32_t o;
    int32_t k;
    int32_t row;
    float y;

    for (o = 0; o < p->outer; o++) {
        row = o * p->c;
        for (k = 0; k < p->c; k++) {
            y = in[row + k] * scale[k];
            y = y + shift[k];
            out[row + k] = stoic_act_apply_f32(&p->act, y);
        }
    }
}

/*
 * stoic runtime: stand-alone activation over n elements, float32.
 * out[i] = act(in[i]); in and out may be the same array.
 */
#include "stoic_rt_f32.h"

void stoic_activation_f32(const stoic_activation_f32_params *p, const float *in, float *out)
{
    int32_t i;

    for (i = 0; i < p->n; i++) {
        out[i] = stoic_act_apply_f32(&p->act, in[i]);
    }
}

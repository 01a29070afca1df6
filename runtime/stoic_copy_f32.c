/*
 * stoic runtime: strided copy (one input of a concat, or a reshape copy).
 * out[o * out_inner + out_offset + i] = in[o * in_inner + i],
 * o < outer, i < in_inner. in and out must not overlap.
 */
#include "stoic_rt_f32.h"

void stoic_copy_f32(const stoic_copy_f32_params *p, const float *in, float *out)
{
    int32_t o;
    int32_t i;
    int32_t in_row;
    int32_t out_row;

    for (o = 0; o < p->outer; o++) {
        in_row = o * p->in_inner;
        out_row = (o * p->out_inner) + p->out_offset;
        for (i = 0; i < p->in_inner; i++) {
            out[out_row + i] = in[in_row + i];
        }
    }
}

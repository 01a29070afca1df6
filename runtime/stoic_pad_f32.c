/*
 * stoic runtime: constant pad, float32, rank normalised to 4.
 *
 * out[d0][d1][d2][d3] = in[d0 - before[0]]...[d3 - before[3]] where every
 * index is inside the input, value elsewhere. Whether a position is inside
 * depends on indices and parameters only. A negative before (or after)
 * crops. in and out must not overlap.
 */
#include "stoic_rt_f32.h"

void stoic_pad_f32(const stoic_pad_f32_params *p, const float *in, float *out)
{
    int32_t d0;
    int32_t d1;
    int32_t d2;
    int32_t d3;
    int32_t i0;
    int32_t i1;
    int32_t i2;
    int32_t i3;
    int32_t in0;   /* 1 when i0 is inside the input, else 0 */
    int32_t in1;   /* 1 when i0 and i1 are inside, else 0 */
    int32_t in2;   /* 1 when i0, i1 and i2 are inside, else 0 */
    int32_t o;     /* running output index */
    float v;

    o = 0;
    for (d0 = 0; d0 < p->out_dim[0]; d0++) {
        i0 = d0 - p->before[0];
        if ((i0 >= 0) && (i0 < p->in_dim[0])) {
            in0 = 1;
        } else {
            in0 = 0;
        }
        for (d1 = 0; d1 < p->out_dim[1]; d1++) {
            i1 = d1 - p->before[1];
            if ((in0 != 0) && (i1 >= 0) && (i1 < p->in_dim[1])) {
                in1 = 1;
            } else {
                in1 = 0;
            }
            for (d2 = 0; d2 < p->out_dim[2]; d2++) {
                i2 = d2 - p->before[2];
                if ((in1 != 0) && (i2 >= 0) && (i2 < p->in_dim[2])) {
                    in2 = 1;
                } else {
                    in2 = 0;
                }
                for (d3 = 0; d3 < p->out_dim[3]; d3++) {
                    i3 = d3 - p->before[3];
                    if ((in2 != 0) && (i3 >= 0) && (i3 < p->in_dim[3])) {
                        v = in[(((((i0 * p->in_dim[1]) + i1) * p->in_dim[2]) + i2)
                                * p->in_dim[3]) + i3];
                    } else {
                        v = p->value;
                    }
                    out[o] = v;
                    o++;
                }
            }
        }
    }
}

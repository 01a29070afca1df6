/*
 * stoic runtime: transpose (permutation of up to four axes), int16.
 *
 * out[o0][o1][o2][o3] = in[in_offset + o0 * in_stride[0] + o1 * in_stride[1]
 *                          + o2 * in_stride[2] + o3 * in_stride[3]],
 * ok < out_dim[k]; in_stride[k] is the input stride (in elements) of the
 * input axis that becomes output axis k (a multiple of it, negative for a
 * reversed axis, in a slice with steps; in_offset is then the slice's
 * first element). Loop bounds and strides are
 * constants of the parameter struct; the instruction path does not depend
 * on the data. in and out must not overlap.
 */
#include "stoic_rt.h"

void stoic_transpose_s16(const stoic_transpose_q_params *p, const int16_t *in, int16_t *out)
{
    int32_t o0;
    int32_t o1;
    int32_t o2;
    int32_t o3;
    int32_t src0;
    int32_t src1;
    int32_t src2;
    int32_t dst;

    dst = 0;
    for (o0 = 0; o0 < p->out_dim[0]; o0++) {
        src0 = p->in_offset + (o0 * p->in_stride[0]);
        for (o1 = 0; o1 < p->out_dim[1]; o1++) {
            src1 = src0 + (o1 * p->in_stride[1]);
            for (o2 = 0; o2 < p->out_dim[2]; o2++) {
                src2 = src1 + (o2 * p->in_stride[2]);
                for (o3 = 0; o3 < p->out_dim[3]; o3++) {
                    out[dst] = in[src2 + (o3 * p->in_stride[3])];
                    dst++;
                }
            }
        }
    }
}

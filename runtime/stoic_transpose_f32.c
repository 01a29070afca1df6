/*
 * stoic runtime: transpose (permutation of up to four axes), float32.
 * Used where the layout of a model's data changes, e.g. at the boundary
 * between an ONNX model's channels-first input and stoic's channels-last
 * tensors, and for a slice with steps (a strided gather: in_offset, strides
 * multiplied by the steps, negative for a reversed axis). Loop bounds and strides are constants of the parameter struct;
 * the instruction path does not depend on the data.
 */
#include "stoic_rt_f32.h"

void stoic_transpose_f32(const stoic_transpose_f32_params *p, const float *in, float *out)
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

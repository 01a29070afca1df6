/*
 * stoic runtime: global average pooling, float32: [hw][c] -> [c].
 *
 * out[k] = (sum over j ascending of in[j][k], starting at 0) / hw.
 */
#include "stoic_rt_f32.h"

void stoic_gavgpool_f32(const stoic_gavgpool_f32_params *p, const float *in, float *out)
{
    int32_t k;
    int32_t j;
    float sum;

    for (k = 0; k < p->c; k++) {
        sum = 0.0F;
        for (j = 0; j < p->hw; j++) {
            sum = sum + in[(j * p->c) + k];
        }
        out[k] = sum / (float)p->hw;
    }
}

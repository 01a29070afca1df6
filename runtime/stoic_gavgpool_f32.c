/*
 * stoic runtime: global average pooling, float32: [hw][c] -> [c].
 *
 * out[k] = (sum over j ascending of in[j][k], starting at 0) / hw.
 *
 * Four channels per pass over the input, each with its own sum in the same
 * order (so the same results as one channel at a time), the channels
 * beyond a multiple of 4 one at a time.
 */
#include "stoic_rt_f32.h"

void stoic_gavgpool_f32(const stoic_gavgpool_f32_params *p, const float *in, float *out)
{
    int32_t k;
    int32_t j;
    int32_t i;
    int32_t c4;       /* channels done four at a time */
    float s0;
    float s1;
    float s2;
    float s3;
    float n;

    c4 = p->c - (p->c % 4);
    n = (float)p->hw;
    for (k = 0; k < c4; k += 4) {
        s0 = 0.0F;
        s1 = 0.0F;
        s2 = 0.0F;
        s3 = 0.0F;
        i = k;
        for (j = 0; j < p->hw; j++) {
            s0 = s0 + in[i];
            s1 = s1 + in[i + 1];
            s2 = s2 + in[i + 2];
            s3 = s3 + in[i + 3];
            i += p->c;
        }
        out[k] = s0 / n;
        out[k + 1] = s1 / n;
        out[k + 2] = s2 / n;
        out[k + 3] = s3 / n;
    }
    for (k = c4; k < p->c; k++) {
        s0 = 0.0F;
        i = k;
        for (j = 0; j < p->hw; j++) {
            s0 = s0 + in[i];
            i += p->c;
        }
        out[k] = s0 / n;
    }
}

/*
 * stoic runtime: global average pooling, int8: [hw][c] -> [c].
 *
 * What stoic_avgpool2d_s8 computes for a window that is the whole input
 * (k_h = in_h, k_w = in_w, out 1 x 1, no pads, count_include_pad 1), bit
 * for bit, the variant the generator chooses for global_avg_pool:
 *   acc[k] = sum over j of (in[j][k] + input_offset)                 (int32)
 *          = sum over j of in[j][k] + hw * input_offset  (the same integer)
 *   out[k] = stoic_requant_s8(acc[k], qmul[0], output_offset, act_min, act_max)
 * with hw = in_h * in_w. Four channels per pass over the input (their sums
 * in registers), the channels beyond a multiple of 4 one at a time. The
 * generator guarantees |acc| < 2^31 (its overflow bound). The same
 * instructions for every input.
 */
#include "stoic_rt.h"

void stoic_gavgpool_s8(const stoic_pool2d_q_params *p, const int8_t *in, int8_t *out)
{
    int32_t hw;
    int32_t nc;
    int32_t c;
    int32_t j;
    int32_t i;
    int32_t c4;       /* channels done four at a time */
    int32_t offn;     /* hw * input_offset */
    int32_t s0;
    int32_t s1;
    int32_t s2;
    int32_t s3;
    const stoic_qmul *q;

    hw = p->in_h * p->in_w;
    nc = p->c;
    c4 = nc - (nc % 4);
    offn = hw * p->input_offset;
    q = &p->qmul[0];
    for (c = 0; c < c4; c += 4) {
        s0 = offn;
        s1 = offn;
        s2 = offn;
        s3 = offn;
        i = c;
        for (j = 0; j < hw; j++) {
            s0 = s0 + (int32_t)in[i];
            s1 = s1 + (int32_t)in[i + 1];
            s2 = s2 + (int32_t)in[i + 2];
            s3 = s3 + (int32_t)in[i + 3];
            i += nc;
        }
        out[c] = stoic_requant_s8(s0, q, p->output_offset, p->act_min, p->act_max);
        out[c + 1] = stoic_requant_s8(s1, q, p->output_offset, p->act_min, p->act_max);
        out[c + 2] = stoic_requant_s8(s2, q, p->output_offset, p->act_min, p->act_max);
        out[c + 3] = stoic_requant_s8(s3, q, p->output_offset, p->act_min, p->act_max);
    }
    for (c = c4; c < nc; c++) {
        s0 = offn;
        i = c;
        for (j = 0; j < hw; j++) {
            s0 = s0 + (int32_t)in[i];
            i += nc;
        }
        out[c] = stoic_requant_s8(s0, q, p->output_offset, p->act_min, p->act_max);
    }
}

/*
 * stoic runtime: constant pad, s8, rank normalised to 4.
 *
 * out[d0][d1][d2][d3] = in[d0 - before[0]]...[d3 - before[3]] where every
 * index is inside the input, value elsewhere; out_dim[k] = in_dim[k] +
 * before[k] + after[k]. value is the quantized pad value (the real pad
 * value in the tensor's scale and zero point), in [-128, 127]
 * (precondition). A negative before (or after) crops.
 * in and out must not overlap.
 *
 * Each output row (the last axis) is three runs whose bounds come from
 * the indices and the parameters only, never from data: the cells before
 * the input's row (value), the cells of the row (copied), the cells after
 * it (value); a row outside the input is all value. The fill reads the
 * value from the parameters at every store (an int8 store may alias them,
 * so no compiler turns the run into a call of memset: a loop that only
 * stores a loop-invariant byte is one, with gcc 12 at -O2).
 */
#include "stoic_rt.h"
#include "stoic_bits.h"

void stoic_pad_s8(const stoic_pad_q_params *p, const int8_t *in, int8_t *out)
{
    int32_t d0;
    int32_t d1;
    int32_t d2;
    int32_t d3;
    int32_t i0;
    int32_t i1;
    int32_t i2;
    int32_t in0;   /* 1 when i0 is inside the input, else 0 */
    int32_t in1;   /* 1 when i0 and i1 are inside, else 0 */
    int32_t in2;   /* 1 when i0, i1 and i2 are inside, else 0 */
    int32_t lo;    /* the copied run of the last axis */
    int32_t hi;
    int32_t src;   /* index of in[i0][i1][i2][lo - before[3]] */
    int32_t o;     /* running output index */
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
                stoic_pad_run(in2, p->before[3], p->in_dim[3], p->out_dim[3], &lo, &hi);
                for (d3 = 0; d3 < lo; d3++) {
                    out[o] = (int8_t)p->value;
                    o++;
                }
                if (lo < hi) {
                    src = (((((i0 * p->in_dim[1]) + i1) * p->in_dim[2]) + i2) * p->in_dim[3]) +
                          (lo - p->before[3]);
                    for (d3 = lo; d3 < hi; d3++) {
                        out[o] = in[src];
                        o++;
                        src++;
                    }
                }
                for (d3 = hi; d3 < p->out_dim[3]; d3++) {
                    out[o] = (int8_t)p->value;
                    o++;
                }
            }
        }
    }
}

/*
 * stoic runtime: sparse dense (fully connected) layer, 16x8 (int16
 * activations, int8 weights, int64 bias and accumulation), for unstructured
 * pruning: only the kept weights are stored (stoic_rt.h).
 *
 * Encoding: row o of the weight matrix owns the entries
 * k = row_start[o] .. row_start[o + 1] - 1; entry k is the weight values[k]
 * at column c_k, the column starting from 0 at each row and growing by
 * delta[k] (c = delta[k] for the row's first entry). Gaps wider than 255
 * columns are bridged by filler entries of value 0.
 *
 *   acc = bias[o] + sum_k in[r][c_k] * values[k]                   (int64)
 *   out[r][o] = stoic_requant_s16(acc, &qmul[o], act_min, act_max)
 *
 * Why it equals stoic_dense_s16 on the same weights with zeros elsewhere:
 * a pruned column adds in * 0 = 0 to the dense sum and a filler entry adds
 * the same 0 here, so both accumulators hold the same integer; every
 * product (|in * w| <= 2^22) is exact in int32 and every partial sum is a
 * partial sum of the dense kernel, inside the generator's bound 2^47, so
 * nothing wraps. The output stage is the same function with the same
 * arguments. input_offset and output_offset are not used (zero points 0).
 *
 * Every loop bound and index comes from the parameter struct and the const
 * encoding arrays, fixed at generation; no branch depends on the input.
 */
#include <stddef.h>
#include "stoic_rt.h"

void stoic_dense_s16_sparse(const stoic_dense_sparse_q_params *p, const int16_t *in,
                            const int8_t *values, const int64_t *bias, int16_t *out)
{
    int32_t r;
    int32_t o;
    int32_t k;
    int32_t k_end;
    int32_t col;
    int32_t in_row;
    int64_t acc;

    for (r = 0; r < p->rows; r++) {
        in_row = r * p->in_n;
        for (o = 0; o < p->out_n; o++) {
            if (bias != NULL) {
                acc = bias[o];
            } else {
                acc = 0;
            }
            col = 0;
            k_end = p->row_start[o + 1];
            for (k = p->row_start[o]; k < k_end; k++) {
                col = col + (int32_t)p->delta[k];
                acc = acc + ((int64_t)in[in_row + col] * (int64_t)values[k]);
            }
            out[(r * p->out_n) + o] = stoic_requant_s16(acc, &p->qmul[o], p->act_min,
                                                        p->act_max);
        }
    }
}

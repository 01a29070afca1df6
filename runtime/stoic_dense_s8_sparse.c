/*
 * stoic runtime: sparse dense (fully connected) layer, int8, for
 * unstructured pruning: only the kept weights are stored (stoic_rt.h).
 *
 * Encoding: row o of the weight matrix owns the entries
 * k = row_start[o] .. row_start[o + 1] - 1; entry k is the weight values[k]
 * at column c_k, the column starting from 0 at each row and growing by
 * delta[k] (c = delta[k] for the row's first entry). Gaps wider than 255
 * columns are bridged by filler entries of value 0.
 *
 *   acc = bias[o] + sum_k (in[r][c_k] + input_offset) * values[k]   (int32)
 *   out[r][o] = stoic_requant_s8(acc, &qmul[o], output_offset, act_min, act_max)
 *
 * Why it equals stoic_dense_s8 on the same weights with zeros elsewhere:
 * a pruned column adds (in + input_offset) * 0 = 0 to the dense sum and a
 * filler entry adds the same 0 here, so both accumulators hold the same
 * integer; integer sums are exact. No partial sum can overflow: after each
 * kept column this partial sum equals the dense kernel's partial sum at
 * that column, which the generator's overflow bound (stoic_rt.h) keeps
 * inside int32. The output stage is the same function with the same
 * arguments.
 *
 * Every loop bound and index comes from the parameter struct and the const
 * encoding arrays, fixed at generation; no branch depends on the input.
 */
#include <stddef.h>
#include "stoic_rt.h"

void stoic_dense_s8_sparse(const stoic_dense_sparse_q_params *p, const int8_t *in,
                           const int8_t *values, const int32_t *bias, int8_t *out)
{
    int32_t r;
    int32_t o;
    int32_t k;
    int32_t k_end;
    int32_t col;
    int32_t in_row;
    int32_t acc;
    int32_t x;

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
                x = (int32_t)in[in_row + col] + p->input_offset;
                acc = acc + (x * (int32_t)values[k]);
            }
            out[(r * p->out_n) + o] = stoic_requant_s8(acc, &p->qmul[o], p->output_offset,
                                                       p->act_min, p->act_max);
        }
    }
}

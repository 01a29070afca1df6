/*
 * stoic runtime: sparse dense (fully connected) layer, float32, for
 * unstructured pruning: only the kept weights are stored (stoic_rt_f32.h).
 *
 * Encoding (stoic_rt.h): row o of the weight matrix owns the entries
 * k = row_start[o] .. row_start[o + 1] - 1; entry k is the weight values[k]
 * at column c_k, the column starting from 0 at each row and growing by
 * delta[k] (c = delta[k] for the row's first entry). Gaps wider than 255
 * columns are bridged by filler entries of value 0.
 *
 *   out[r][o] = act(bias[o] + sum_k in[r][c_k] * values[k])
 *
 * Why it equals stoic_dense_f32 on the same weights with zeros elsewhere:
 * the dense kernel starts from the same value (bias[o], or 0 when bias is
 * NULL), visits the columns in increasing order, rounds every product to
 * float before adding it (separate statements, no fused multiply-add), and
 * applies the same activation. This kernel does exactly the same for the
 * kept columns, in the same (increasing) order, and skips the others.
 * A skipped column contributes in * 0 = +-0 in the dense kernel, and
 * acc + (+-0) == acc bit for bit for every acc except acc == -0 (which a
 * +0 product turns into +0); a filler entry is such a product, computed.
 * So the results are equal bit for bit for finite inputs, except for the
 * sign of a zero sum when the running sum is -0 (bias -0 and no nonzero
 * product before it) and a pruned input is >= +0; an infinite input at a
 * pruned column makes the dense result NaN (inf * 0), not this one.
 *
 * Every loop bound and index comes from the parameter struct and the const
 * encoding arrays, fixed at generation; no branch depends on the input.
 */
#include <stddef.h>
#include "stoic_rt_f32.h"

void stoic_dense_f32_sparse(const stoic_dense_f32_sparse_params *p, const float *in,
                            const float *values, const float *bias, float *out)
{
    int32_t r;
    int32_t o;
    int32_t k;
    int32_t k_end;
    int32_t col;
    int32_t in_row;
    float acc;
    float prod;

    for (r = 0; r < p->rows; r++) {
        in_row = r * p->in_n;
        for (o = 0; o < p->out_n; o++) {
            if (bias != NULL) {
                acc = bias[o];
            } else {
                acc = 0.0F;
            }
            col = 0;
            k_end = p->row_start[o + 1];
            for (k = p->row_start[o]; k < k_end; k++) {
                col = col + (int32_t)p->delta[k];
                prod = in[in_row + col] * values[k];
                acc = acc + prod;
            }
            out[(r * p->out_n) + o] = stoic_act_apply_f32(&p->act, acc);
        }
    }
}

/*
 * stoic runtime: element-wise function by table, int8.
 *
 * out[i] = table[in[i] + 128], i < n: the 256-entry table is the function
 * (sigmoid, tanh, leaky relu, ...) evaluated at build time for every
 * possible input and rounded to the output's quantization, so the kernel is
 * exact by construction: it only indexes. in[i] + 128 is in [0, 255] for
 * every int8 value, so every index is inside the table. The same
 * instructions run for every input (one load, one store per element).
 */
#include "stoic_rt.h"

void stoic_lut_s8(const stoic_lut_s8_params *p, const int8_t *in, int8_t *out)
{
    int32_t i;

    for (i = 0; i < p->n; i++) {
        out[i] = p->table[(int32_t)in[i] + 128];
    }
}

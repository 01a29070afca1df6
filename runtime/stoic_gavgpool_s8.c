/*
 * stoic runtime: stoic_gavgpool_s8, the out-of-line form of the kernel
 * stoic_gavgpool_s8_inl (stoic_gavgpool_s8.h, where it is described).
 * Generated code calls stoic_gavgpool_s8_inl, compiled with the layer's
 * parameters as constants (stoic generate --kernels inline, the default);
 * this function is what the host evaluator and --kernels shared call.
 */
#include "stoic_gavgpool_s8.h"

void stoic_gavgpool_s8(const stoic_pool2d_q_params *p, const int8_t *in, int8_t *out)
{
    stoic_gavgpool_s8_inl(p, in, out);
}

/*
 * stoic runtime: stoic_dense_s4_pk, the out-of-line form of the kernel
 * stoic_dense_s4_pk_inl (stoic_dense_s4_pk.h, where it is described).
 * Generated code calls stoic_dense_s4_pk_inl, compiled with the layer's
 * parameters as constants (stoic generate --kernels inline, the default);
 * this function is what the host evaluator and --kernels shared call.
 */
#include "stoic_dense_s4_pk.h"

void stoic_dense_s4_pk(const stoic_dense_s4_pk_params *p, const int8_t *in, const int32_t *w,
                       const int32_t *bias, int8_t *out, int32_t *scratch)
{
    stoic_dense_s4_pk_inl(p, in, w, bias, out, scratch);
}

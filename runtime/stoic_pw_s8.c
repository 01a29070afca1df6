/*
 * stoic runtime: stoic_pw_s8, the out-of-line form of the kernel
 * stoic_pw_s8_inl (stoic_pw_s8.h, where it is described).
 * Generated code calls stoic_pw_s8_inl, compiled with the layer's
 * parameters as constants (stoic generate --kernels inline, the default);
 * this function is what the host evaluator and --kernels shared call.
 */
#include "stoic_pw_s8.h"

void stoic_pw_s8(const stoic_pw_params *p, const int8_t *in, const int32_t *w,
                 const int32_t *bias, int8_t *out, int32_t *scratch)
{
    stoic_pw_s8_inl(p, in, w, bias, out, scratch);
}

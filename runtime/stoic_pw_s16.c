/*
 * stoic runtime: stoic_pw_s16, the out-of-line form of the kernel
 * stoic_pw_s16_inl (stoic_pw_s16.h, where it is described).
 * Generated code calls stoic_pw_s16_inl, compiled with the layer's
 * parameters as constants (stoic generate --kernels inline, the default);
 * this function is what the host evaluator and --kernels shared call.
 */
#include "stoic_pw_s16.h"

void stoic_pw_s16(const stoic_pw_params *p, const int16_t *in, const int32_t *w,
                  const int32_t *bias, int16_t *out)
{
    stoic_pw_s16_inl(p, in, w, bias, out);
}

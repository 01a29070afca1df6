/*
 * stoic runtime: stoic_conv2d_s16_dw3, the out-of-line form of the kernel
 * stoic_conv2d_s16_dw3_inl (stoic_conv2d_s16_dw3.h, where it is described).
 * Generated code calls stoic_conv2d_s16_dw3_inl, compiled with the layer's
 * parameters as constants (stoic generate --kernels inline, the default);
 * this function is what the host evaluator and --kernels shared call.
 */
#include "stoic_conv2d_s16_dw3.h"

void stoic_conv2d_s16_dw3(const stoic_conv2d_dw3_params *p, const int16_t *in, const int8_t *w,
                          const int32_t *bias, int16_t *out, int32_t *scratch)
{
    stoic_conv2d_s16_dw3_inl(p, in, w, bias, out, scratch);
}

/*
 * stoic runtime: stoic_avgpool2d_s8_2x2, the out-of-line form of the kernel
 * stoic_avgpool2d_s8_2x2_inl (stoic_avgpool2d_s8_2x2.h, where it is
 * described). Generated code calls stoic_avgpool2d_s8_2x2_inl, compiled with
 * the layer's parameters as constants (stoic generate --kernels inline, the
 * default); this function is what the host evaluator and --kernels shared
 * call.
 */
#include "stoic_avgpool2d_s8_2x2.h"

void stoic_avgpool2d_s8_2x2(const stoic_pool2d_q_params *p, const int8_t *in, int8_t *out,
                            int32_t *scratch)
{
    stoic_avgpool2d_s8_2x2_inl(p, in, out, scratch);
}

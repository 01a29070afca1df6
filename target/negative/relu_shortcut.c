/*
 * The negative control of the timing test (target/check.sh): an int8
 * output stage with a "ReLU shortcut", the kind of optimisation a
 * well-meaning engineer might write. When the activation clamps at the
 * output zero point (a fused ReLU: act_min == output_offset) and the
 * accumulator is negative, the requantized value is <= 0 (the multiplier
 * is positive), so the result can only be act_min: the requantization is
 * skipped. The outputs stay bit-identical, so no correctness test can see
 * it, but the instruction path now depends on the data.
 *
 * target/target.mk links this file instead of the generated
 * stoic_requant.c into one model (neg_<model>.elf); target/check.sh
 * requires its outputs to equal the host evaluator's and its trace test
 * to FAIL (different PC-trace hashes for different inputs).
 */
#include "stoic_rt.h"

/* The real primitives, the constant-time output stage renamed. */
int8_t stoic_requant_s8_constant_time(int32_t acc, const stoic_qmul *q, int32_t output_offset,
                                      int32_t act_min, int32_t act_max);
#define stoic_requant_s8 stoic_requant_s8_constant_time
#include "stoic_requant.c"
#undef stoic_requant_s8

int8_t stoic_requant_s8(int32_t acc, const stoic_qmul *q, int32_t output_offset,
                        int32_t act_min, int32_t act_max)
{
    int8_t y;

    if ((acc < 0) && (act_min == output_offset)) {
        y = (int8_t)act_min;    /* a branch on the data */
    } else {
        y = stoic_requant_s8_constant_time(acc, q, output_offset, act_min, act_max);
    }
    return y;
}

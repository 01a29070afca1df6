/*
 * The negative control of the timing test, for the packed int8 kernels
 * (runtime/stoic_dsp.h): the same "ReLU shortcut" as relu_shortcut.c, in
 * the one-rounding output stage. For an output zero point of -128 (the
 * usual one after a ReLU) a negative accumulator can only give -128 (the
 * multiplier is positive, so RDBPOT(SRDHM(acc, m), e) <= 0), so the
 * multiply is skipped. Outputs stay bit-identical; the instruction path
 * depends on the data.
 *
 * target/target.mk compiles neg_<model>.elf with -include of this file
 * (and relu_shortcut.c instead of stoic_requant.c): the packed kernels the
 * generated code inlines (stoic_dense_s8_pk.h) then call the shortcut;
 * target/check.sh requires the trace test to FAIL on it.
 */
#if !defined(RELU_SHORTCUT_PK_H) && !defined(__ASSEMBLER__)   /* -include: also startup.S */
#define RELU_SHORTCUT_PK_H
#include "stoic_dsp.h"

static inline int32_t stoic_dsp_rq8_shortcut(int32_t a2, int32_t m, uint32_t e1, int32_t c1)
{
    int32_t y;

    if ((a2 < 0) && (c1 == -255)) {
        y = -128;    /* a branch on the data */
    } else {
        y = stoic_dsp_rq8(a2, m, e1, c1);
    }
    return y;
}

#define stoic_dsp_rq8 stoic_dsp_rq8_shortcut
#endif

/*
 * The packed kernels' output stages (runtime/stoic_dsp.h) as functions of
 * their own, for target/check.sh step 3b: compiled for Cortex-M4/M7 at
 * every optimisation level, they must hold no conditional branch, division
 * or library call (inside the kernels they are inlined into loops, whose
 * own branches the trace test judges).
 */
#include "stoic_dsp.h"

int32_t stoic_check_rq8(int32_t a2, int32_t m, uint32_t e1, int32_t c1);
int32_t stoic_check_rq16(int32_t a2, int32_t m, uint32_t e1);

int32_t stoic_check_rq8(int32_t a2, int32_t m, uint32_t e1, int32_t c1)
{
    return stoic_dsp_rq8(a2, m, e1, c1);
}

int32_t stoic_check_rq16(int32_t a2, int32_t m, uint32_t e1)
{
    return stoic_dsp_rq16(a2, m, e1);
}

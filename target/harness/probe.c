/* The probe's marker functions (probe.h). */
#include <stdint.h>
#include "probe.h"

volatile uint32_t stoic_probe_state;

__attribute__((noinline, noipa)) void stoic_probe_begin(void)
{
    stoic_probe_state = 1U;
}

__attribute__((noinline, noipa)) void stoic_probe_end(void)
{
    stoic_probe_state = 2U;
}

/*
 * ARM semihosting calls (semihost.h). Test infrastructure of the target
 * harness, not part of the runtime.
 */
#include "semihost.h"

uint32_t stoic_semihost_call(uint32_t op, const void *args)
{
    register uint32_t r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = args;

    __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

void stoic_semihost_exit(int32_t code)
{
    uint32_t block[2];

    block[0] = SH_ADP_APPLICATION_EXIT;
    block[1] = (uint32_t)code;
    /* SYS_EXIT_EXTENDED carries the exit code (plain SYS_EXIT on AArch32
     * can only say success or failure). */
    (void)stoic_semihost_call(SH_SYS_EXIT_EXTENDED, block);
    for (;;) {
        /* not reached */
    }
}

void stoic_semihost_fault(uint32_t ipsr)
{
    char msg[] = "fault: exception 00\n";

    msg[17] = (char)('0' + ((ipsr / 10U) % 10U));
    msg[18] = (char)('0' + (ipsr % 10U));
    (void)stoic_semihost_call(SH_SYS_WRITE0, msg);
    stoic_semihost_exit(70);
}

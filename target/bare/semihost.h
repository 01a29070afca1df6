/*
 * ARM semihosting for the bare-metal target programs (QEMU
 * -semihosting-config enable=on,target=native). The operations and their
 * numbers are those of ARM's "Semihosting for AArch32 and AArch64"
 * specification (version 2.0): a BKPT 0xAB with the operation in r0 and
 * the address of its argument block in r1; the result comes back in r0.
 */
#ifndef STOIC_SEMIHOST_H
#define STOIC_SEMIHOST_H

#include <stdint.h>

#define SH_SYS_OPEN          0x01U
#define SH_SYS_CLOSE         0x02U
#define SH_SYS_WRITE0        0x04U
#define SH_SYS_WRITE         0x05U
#define SH_SYS_READ          0x06U
#define SH_SYS_FLEN          0x0CU
#define SH_SYS_EXIT_EXTENDED 0x20U

#define SH_MODE_RB 1U   /* fopen mode "rb" */
#define SH_MODE_WB 5U   /* fopen mode "wb" */

/* ADP_Stopped_ApplicationExit: a normal end, with an exit code. */
#define SH_ADP_APPLICATION_EXIT 0x20026U

uint32_t stoic_semihost_call(uint32_t op, const void *args);

/* Ends the program: QEMU exits with code (0..255). Called by startup.S
 * with main's return value. */
void stoic_semihost_exit(int32_t code);

/* Called by startup.S for any exception: prints its number, exit 70. */
void stoic_semihost_fault(uint32_t ipsr);

#endif /* STOIC_SEMIHOST_H */

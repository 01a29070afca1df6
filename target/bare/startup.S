/*
 * Bare-metal start-up for the QEMU MPS2 boards (mps2-an386: Cortex-M4,
 * mps2-an500: Cortex-M7), ARMv7-M, Thumb-2. Assembled with the core's own
 * -mcpu/-mfpu flags.
 *
 * Reset: enable the FPU (CP10 and CP11 full access in CPACR; harmless on a
 * core without one), copy .data from its load address, clear .bss, call
 * main() and pass its return value to stoic_semihost_exit (semihost.c),
 * which ends QEMU with that exit code. Every exception other than reset
 * ends the run with exit code 70 after printing the exception number.
 */
    .syntax unified
    .thumb

    .section .vectors, "a", %progbits
    .align 2
    .global stoic_vectors
stoic_vectors:
    .word __stack_top__             /* initial main stack pointer */
    .word stoic_reset_handler       /*  1 reset */
    .rept 14
    .word stoic_fault_handler       /*  2 NMI .. 15 SysTick */
    .endr

    .text
    .align 2
    .global stoic_reset_handler
    .type stoic_reset_handler, %function
    .thumb_func
stoic_reset_handler:
    ldr     r0, =0xE000ED88         /* CPACR */
    ldr     r1, [r0]
    orr     r1, r1, #(0xF << 20)    /* CP10, CP11: full access */
    str     r1, [r0]
    dsb
    isb
    ldr     r0, =__data_start__
    ldr     r1, =__data_end__
    ldr     r2, =__data_load__
1:  cmp     r0, r1
    bhs     2f
    ldr     r3, [r2], #4
    str     r3, [r0], #4
    b       1b
2:  ldr     r0, =__bss_start__
    ldr     r1, =__bss_end__
    movs    r3, #0
3:  cmp     r0, r1
    bhs     4f
    str     r3, [r0], #4
    b       3b
4:  bl      main
    bl      stoic_semihost_exit     /* does not return */
5:  b       5b
    .size stoic_reset_handler, . - stoic_reset_handler

    .align 2
    .global stoic_fault_handler
    .type stoic_fault_handler, %function
    .thumb_func
stoic_fault_handler:
    mrs     r0, ipsr                /* the exception number */
    bl      stoic_semihost_fault    /* does not return */
6:  b       6b
    .size stoic_fault_handler, . - stoic_fault_handler
    .ltorg

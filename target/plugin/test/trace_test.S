/*
 * The trace plugin's own test program (target/plugin/test/run.sh): bare
 * metal on mps2-an386 / mps2-an500, linked with target/bare/startup.S,
 * semihost.c and mps2.ld. Hand-written so that the expected counts can be
 * derived by hand, instruction by instruction (the class of each
 * instruction is in its comment: L load/store, B branch, M multiply,
 * O other; D marks a divide, m<n> its memory accesses).
 *
 * main runs four windows, each `tb_begin(); kernel(x); tb_end();` from one
 * call site (run_window), with x = 1, -1, 5, 0. The plugin's window holds:
 *   tb_begin:    bx lr                       B
 *   run_window:  mov r0, r4 ; bl kernel      O B
 *   kernel:      68 instructions (67 for x == 0)
 *   run_window:  bl tb_end                   B
 * kernel, for x != 0 (the sums are in run.sh):
 *   L 20  M 15  O 21  B 12  (D 4), 68 instructions,
 *   memory accesses 25 (26 when x < 0: the conditional store executes).
 * Data-dependent paths:
 *   - x < 0 takes the other arm of a two-armed branch of equal length and
 *     class mix: the same counts, another PC sequence (hash);
 *   - x == 0 takes CBZ over one NOP: one instruction less;
 *   - an IT block with x < 0 as its condition changes neither the count
 *     nor the PC sequence (the plugin sees conditional instructions whether
 *     or not their condition passes), only the memory accesses.
 * So windows 1 and 3 (x = 1, 5) must have equal hashes, window 2 the same
 * counts and a different hash, window 4 one instruction less. (run.sh
 * also derives each window's taken instructions and its segments by the
 * calls of run_window.)
 * Window 5 is straight-line code (run_line) whose PC sequence is known
 * from the symbols alone: tb_begin, tl_a, tl_a + 2, tl_a + 4, tl_a + 6;
 * run.sh computes its FNV-1a hash independently (fnv1a.c).
 */
    .syntax unified
    .thumb

    .bss
    .align 2
scratch:
    .space 32

    .text
    .align 2
    .global main
    .type main, %function
    .thumb_func
main:
    push    {r4, lr}
    movs    r0, #1
    bl      run_window          @ window 1: x = 1
    mvn     r0, #0
    bl      run_window          @ window 2: x = -1
    movs    r0, #5
    bl      run_window          @ window 3: x = 5
    movs    r0, #0
    bl      run_window          @ window 4: x = 0
    bl      run_line            @ window 5: straight line
    movs    r0, #0              @ exit code 0
    pop     {r4, pc}
    .size main, . - main

    .align 2
    .type run_window, %function
    .thumb_func
run_window:
    push    {r4, lr}
    mov     r4, r0
    bl      tb_begin
rw_mov:
    mov     r0, r4              @ O  (in the window)
rw_call:
    bl      kernel              @ B
    bl      tb_end              @ B
    pop     {r4, pc}
    .size run_window, . - run_window

    /* window 5: the PCs tb_begin, tl_a, tl_a + 2, tl_a + 4, tl_a + 6 */
    .align 2
    .type run_line, %function
    .thumb_func
run_line:
    push    {r4, lr}
    bl      tb_begin
    .global tl_a
tl_a:
    nop                         @ O
    muls    r0, r0, r0          @ M
    ldr     r1, [sp]            @ L m1
    bl      tb_end              @ B
    pop     {r4, pc}
    .size run_line, . - run_line

    .align 2
    .global tb_begin
    .type tb_begin, %function
    .thumb_func
tb_begin:
    bx      lr                  @ B  (first instruction of the window)
    .size tb_begin, . - tb_begin

    .align 2
    .global tb_end
    .type tb_end, %function
    .thumb_func
tb_end:
    nop                         @ closes the window (not counted)
    bx      lr
    .size tb_end, . - tb_end

    .align 2
    .type kernel, %function
    .thumb_func
kernel:
    push    {r4, r5, lr}        @ L m3
    ldr     r1, =scratch        @ L m1
    movs    r2, #4              @ O
1:  ldr     r3, [r1]            @ L m1
    muls    r3, r2, r3          @ M
    str     r3, [r1, #4]        @ L m1    | 4 times: L 12 (m12) M 4 O 4 B 4
    ldr.w   r4, [r1, #8]        @ L m1
    subs    r2, #1              @ O
    bne     1b                  @ B
    movs    r2, #3              @ O
2:  mla     r3, r4, r2, r3      @ M
    smull   r4, r5, r3, r2      @ M       | 3 times: M 9 (D 3) O 3 B 3
    udiv    r5, r3, r2          @ M D
    subs    r2, r2, #1          @ O
    bne.w   2b                  @ B
    vldr    s0, [r1]            @ L m1
    vmul.f32 s1, s0, s0         @ M
    vadd.f32 s2, s1, s0         @ O
    vdiv.f32 s3, s2, s1         @ M D
    vstr    s3, [r1, #12]       @ L m1
    vmov    r3, s3              @ O
    cmp     r0, #0              @ O
    ite     lt                  @ O
    movlt   r3, #1              @ O  (seen whether or not x < 0)
    movge   r3, #2              @ O
    it      lt                  @ O
    strlt   r3, [r1, #20]       @ L  m1 only when x < 0
    cmp     r0, #0              @ O
    blt     3f                  @ B  data-dependent branch
    adds    r3, #1              @ O  x >= 0
    b       4f                  @ B
3:  subs    r3, #1              @ O  x < 0
    b       4f                  @ B
4:  cbz     r0, 5f              @ B  data-dependent: skips the nop when x == 0
    nop                         @ O
5:  str.w   r3, [r1, #16]       @ L m1
    movs    r2, #1              @ O
    tbb     [pc, r2]            @ B m1
6:  .byte   (7f - 6b) / 2
    .byte   (8f - 6b) / 2
    .align 1
7:  nop                         @    (table entry 0: not executed)
8:  vpush   {s0}                @ L m1
    vpop    {s0}                @ L m1
    movs    r0, #0              @ O
    pop     {r4, r5, pc}        @ B m3
    .size kernel, . - kernel
    .ltorg

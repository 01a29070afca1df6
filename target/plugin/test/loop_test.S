/*
 * The trace plugin's loop test program (target/plugin/test/run.sh, the
 * plugin's loops= and heads= options): bare metal on mps2-an386 /
 * mps2-an500, linked with target/bare/startup.S, semihost.c and mps2.ld.
 * Hand-written so that every loop's executions can be derived by hand.
 *
 * main opens two windows, each `lt_begin(); lt_run(); lt_end();`. lt_run
 * (the window's root) calls nest(outer, inner), two do-while loops, one
 * inside the other, whose headers are lt_outer and lt_inner:
 *   site A (lt_site_a): nest(3, 4)  outer: 3 executions in 1 entry;
 *                                   inner: 4 per entry, 3 entries, 12 in all
 *   site B (lt_site_b): nest(2, 5)  outer: 2 in 1 entry;
 *                                   inner: 5 per entry, 2 entries, 10 in all
 *   site C (lt_site_c), inside lt_run's own loop (header lt_rootloop, 2
 *   iterations): nest(1, 1) twice  outer and inner: 1 per entry, 2
 *   entries, 2 in all (their back edges are never taken: only the list of
 *   headers tells the plugin that they are loops)
 * and the root loop itself: 2 executions in 1 entry, context "root";
 *   site D (lt_site_d), E (lt_site_e): tail(1), tail(0): two backward
 *   jumps to a shared tail, no loop (no back edge: the tail does not
 *   dominate them); target/loops.awk must find none there
 *   site F (lt_site_f): below(3), a loop (header lt_bhead) entered each
 *   time by a backward jump from its preheader below it (not a back edge),
 *   inside an outer loop whose header is that preheader (lt_bpre) and
 *   whose back edge falls through (latch lt_blatch):
 *                                   lt_bhead: 3 per entry, 2 entries, 6;
 *                                   lt_bpre: 2 per entry, 1 entry, 2
 *   site G (lt_site_g): clatch(3), a loop whose latch is a call returning
 *   into its header (lt_chead; latch lt_clatch):
 *                                   4 per entry, 1 entry, 4
 * Calls from the root: A, B, D, E, F, G once, C twice.
 */
    .syntax unified
    .thumb

    .text
    .align 2
    .global main
    .type main, %function
    .thumb_func
main:
    push    {r4, lr}
    bl      lt_window           @ window 1
    bl      lt_window           @ window 2
    movs    r0, #0              @ exit code 0
    pop     {r4, pc}
    .size main, . - main

    .align 2
    .type lt_window, %function
    .thumb_func
lt_window:
    push    {r4, lr}
    bl      lt_begin
    bl      lt_run
    bl      lt_end
    pop     {r4, pc}
    .size lt_window, . - lt_window

    .align 2
    .global lt_run
    .type lt_run, %function
    .thumb_func
lt_run:
    push    {r4, lr}
    movs    r0, #3
    movs    r1, #4
    .global lt_site_a
lt_site_a:
    bl      nest
    movs    r0, #2
    movs    r1, #5
    .global lt_site_b
lt_site_b:
    bl      nest
    movs    r4, #2
    .global lt_rootloop
lt_rootloop:
    movs    r0, #1
    movs    r1, #1
    .global lt_site_c
lt_site_c:
    bl      nest
    subs    r4, #1
    bne     lt_rootloop
    movs    r0, #1
    .global lt_site_d
lt_site_d:
    bl      tail
    movs    r0, #0
    .global lt_site_e
lt_site_e:
    bl      tail
    movs    r0, #3
    .global lt_site_f
lt_site_f:
    bl      below
    movs    r0, #3
    .global lt_site_g
lt_site_g:
    bl      clatch
    pop     {r4, pc}
    .size lt_run, . - lt_run

    .align 2
    .type tail, %function
    .thumb_func
tail:
    cmp     r0, #0
    beq     2f
    movs    r1, #1
1:  adds    r0, r0, r1          @ the shared tail
    bx      lr
2:  movs    r1, #2
    b       1b                  @ backward, but no loop
    .size tail, . - tail

    .align 2
    .type below, %function
    .thumb_func
below:
    push    {r4, r5}
    movs    r4, #2
    b       lt_bpre
    .global lt_bhead
lt_bhead:
    subs    r5, #1
    bne     lt_bhead
    subs    r4, #1
    .global lt_blatch
lt_blatch:
    beq     3f                  @ falls through into lt_bpre: the outer back edge
    .global lt_bpre
lt_bpre:
    mov     r5, r0
    b       lt_bhead            @ backward into the inner loop: an entry
3:  pop     {r4, r5}
    bx      lr
    .size below, . - below

    .align 2
    .type clatch, %function
    .thumb_func
clatch:
    push    {r4, lr}
    mov     r4, r0
    b       lt_chead
1:  subs    r4, #1
    .global lt_clatch
lt_clatch:
    bl      leaf                @ returns into lt_chead: the back edge
    .global lt_chead
lt_chead:
    cmp     r4, #0
    bne     1b
    pop     {r4, pc}
    .size clatch, . - clatch

    .align 2
    .type leaf, %function
    .thumb_func
leaf:
    bx      lr
    .size leaf, . - leaf

    .align 2
    .type nest, %function
    .thumb_func
nest:
    push    {r4, r5}
    mov     r4, r0
    .global lt_outer
lt_outer:
    mov     r5, r1
    .global lt_inner
lt_inner:
    subs    r5, #1
    bne     lt_inner
    subs    r4, #1
    bne.w   lt_outer
    pop     {r4, r5}
    bx      lr
    .size nest, . - nest

    .align 2
    .global lt_begin
    .type lt_begin, %function
    .thumb_func
lt_begin:
    bx      lr
    .size lt_begin, . - lt_begin

    .align 2
    .global lt_end
    .type lt_end, %function
    .thumb_func
lt_end:
    nop
    bx      lr
    .size lt_end, . - lt_end

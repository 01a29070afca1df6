/*
 * stoic runtime: the primitives of the packed int8 kernels
 * (stoic_dense_s8_pk.c, stoic_conv2d_s8_dw3.c, ...): dual 16-bit
 * multiply-accumulate, byte-pair sign extension, and the single-rounding
 * form of the int8 output stage. Static inline, so each kernel compiles
 * them into its loops.
 *
 * Two implementations of every primitive, bit for bit the same:
 *  - on a core with the DSP extension (__ARM_FEATURE_DSP: Cortex-M4, M7,
 *    M33, ...), the ACLE intrinsics __smlad, __sxtb16 and __ssat, each one
 *    instruction, inline assembly for the instructions GCC does not select
 *    (SMMLAR, the rotated SXTB16, PKHBT, PKHTB), and on Thumb-2 the
 *    hottest passes of the int8 kernels as one block of assembly each
 *    (stoic_dsp_dw3_pass_nw, stoic_dsp_pw2_win: the same instructions,
 *    scheduled so that they need no spill);
 *  - everywhere else, plain C99 on exact integer arithmetic.
 * Both compute exact integers (no intermediate result wraps under the
 * preconditions stated, which the generator proves per layer), so they
 * agree for every input; make target-check compares the Cortex-M4/M7 code
 * (DSP path) with the host evaluator (C path) bit for bit.
 *
 * Packed words. A 32-bit word holds two 16-bit lanes: lane 0 is
 * w mod 2^16 (the low half of its value), lane 1 the high half, each a
 * two's complement int16. Words are int32_t values computed arithmetically
 * (lane0 + 65536 * lane1 with lane0 read as unsigned), so their meaning
 * does not depend on the byte order of the core.
 *
 * DSP path only, recorded in certification/misra/deviations.md: MD-01, the
 * arithmetic right shift of a negative int32 (stoic_dsp_floor_shr and the
 * halving inside SSAT; implementation-defined in C99, documented by GCC
 * and Clang as a sign-extending shift); MD-02, the ACLE intrinsics and
 * __builtin_arm_ssat. The C path uses only shifts of unsigned values and
 * standard C.
 */
#ifndef STOIC_DSP_H
#define STOIC_DSP_H

#include <stdint.h>
#include "stoic_bits.h"
#include "stoic_inline.h"

#if defined(__ARM_FEATURE_DSP) && !defined(STOIC_NO_DSP)
#include <arm_acle.h>
#define STOIC_DSP 1
#else
#define STOIC_DSP 0
#endif

/* The primitives below: one instruction each with STOIC_DSP, left to the
 * compiler's inlining; their portable forms are several, and a compiler
 * whose inlining budget runs out in a large NAME_run (gcc on x86-64) would
 * call them out of line in the innermost loops: always inlined there, as
 * the kernels are (STOIC_INLINE: not at -O0, where forcing them costs the
 * sanitizer builds 2.5 times the compile time and buys nothing). */
#if STOIC_DSP
#define STOIC_DSP_FN static inline
#else
#define STOIC_DSP_FN STOIC_INLINE
#endif

/* The int32 whose two's complement bits are p (no instruction on gcc/clang). */
STOIC_DSP_FN int32_t stoic_dsp_s32(uint32_t p)
{
    uint32_t lo = p & 0x7FFFFFFFU;
    uint32_t hi = p >> 31U;
    return (int32_t)lo + ((int32_t)hi * INT32_MIN);
}

/* lane 0 / lane 1 of a packed word, as int32 */
STOIC_DSP_FN int32_t stoic_dsp_lo16(int32_t w)
{
    uint32_t u = (uint32_t)w & 0xFFFFU;
    uint32_t s = (u & 0x8000U) << 1U;
    return (int32_t)u - (int32_t)s;
}

STOIC_DSP_FN int32_t stoic_dsp_hi16(int32_t w)
{
    uint32_t u = (uint32_t)w >> 16U;
    uint32_t s = (u & 0x8000U) << 1U;
    return (int32_t)u - (int32_t)s;
}

/* The packed word of lanes (lo, hi), both in [-32768, 32767]. */
STOIC_DSP_FN int32_t stoic_dsp_pack(int32_t lo, int32_t hi)
{
    /* exact: l in [0, 65535], hi * 65536 in [-2^31, 2^31 - 65536]; on
     * Cortex-M4 UXTH and ADD ..., LSL #16 */
    uint32_t l = (uint32_t)lo & 0xFFFFU;
    return (int32_t)l + (hi * 65536);
}

/* stoic_dsp_pack of two values loaded apart (the plane of an int8 layer):
 * on the DSP path one PKHBT, where GCC makes two instructions (UXTH, ADD
 * ..., LSL #16). Not where the lanes are neighbours in memory (an int16
 * plane): GCC loads the word whole from stoic_dsp_pack, and the assembly
 * would keep it from doing so. MISRA deviation MD-02. */
STOIC_DSP_FN int32_t stoic_dsp_pack2(int32_t lo, int32_t hi)   /* MISRA deviation MD-06 */
{
#if STOIC_DSP
    int32_t r;
    __asm__("pkhbt %0, %1, %2, lsl #16" : "=r"(r) : "r"(lo), "r"(hi));   /* MISRA deviation MD-02 */
    return r;
#else
    return stoic_dsp_pack(lo, hi);
#endif
}

/* acc + lo(x) * lo(y) + hi(x) * hi(y) (SMLAD); precondition: no partial
 * result leaves int32. */
STOIC_DSP_FN int32_t stoic_dsp_smlad(int32_t x, int32_t y, int32_t acc)
{
#if STOIC_DSP
    return __smlad(x, y, acc);   /* MISRA deviation MD-02 */
#else
    return acc + (stoic_dsp_lo16(x) * stoic_dsp_lo16(y)) +
           (stoic_dsp_hi16(x) * stoic_dsp_hi16(y));
#endif
}

/* The words of three int8 weights w0, w1, w2 (a row of a 3x3 kernel),
 * doubled, that the 3x3 kernels with one input channel per group read:
 * *wa = (2 w0, 2 w1), *wb = (2 w1, 2 w2) (lo, hi); their sums are twice
 * the accumulator, which is what the output stages take. */
STOIC_DSP_FN void stoic_dsp_w3words(const int8_t *wr, int32_t *wa, int32_t *wb)
{
    int32_t v1 = 2 * (int32_t)wr[1];

    *wa = stoic_dsp_pack(2 * (int32_t)wr[0], v1);
    *wb = stoic_dsp_pack(v1, 2 * (int32_t)wr[2]);
}

/* acc + lo(x) * lo(y) + hi(x) * hi(y) in 64 bits (SMLALD); exact. */
STOIC_DSP_FN int64_t stoic_dsp_smlald(int32_t x, int32_t y, int64_t acc)
{
#if STOIC_DSP
    return __smlald(x, y, acc);   /* MISRA deviation MD-02 */
#else
    return acc + (int64_t)(stoic_dsp_lo16(x) * stoic_dsp_lo16(y)) +
           (int64_t)(stoic_dsp_hi16(x) * stoic_dsp_hi16(y));
#endif
}

/* acc + lo(x) * lo(y) (SMLABB) and acc + hi(x) * lo(y) (SMLATB);
 * precondition: the result fits int32. */
STOIC_DSP_FN int32_t stoic_dsp_smlabb(int32_t x, int32_t y, int32_t acc)
{
#if STOIC_DSP
    return __smlabb(x, y, acc);   /* MISRA deviation MD-02 */
#else
    return acc + (stoic_dsp_lo16(x) * stoic_dsp_lo16(y));
#endif
}

STOIC_DSP_FN int32_t stoic_dsp_smlatb(int32_t x, int32_t y, int32_t acc)
{
#if STOIC_DSP
    return __smlatb(x, y, acc);   /* MISRA deviation MD-02 */
#else
    return acc + (stoic_dsp_hi16(x) * stoic_dsp_lo16(y));
#endif
}

/* The share of one kernel row in the four accumulators a0 .. a3 of the
 * 3x3 kernels with one input channel per group: the row's input words
 * xr[0 .. 2] (columns ow .. ow + 5, int16 lanes) against its weight words
 * wa = (w0, w1), wb = (w1, w2) (stoic_dsp_w3words):
 *   a0 += SMLAD(X01, wa) + SMLATB(wb, X23)   (w0 c0 + w1 c1, w2 c2)
 *   a1 += SMLATB(X01, wa) + SMLAD(X23, wb)   (w0 c1, w1 c2 + w2 c3)
 * and a2, a3 the same two columns to the right. */
STOIC_INLINE void stoic_dsp_dw3_row(const int32_t *xr, int32_t wa, int32_t wb, int32_t *a0,
                                    int32_t *a1, int32_t *a2, int32_t *a3)
{
    int32_t x01 = xr[0];
    int32_t x23 = xr[1];
    int32_t x45 = xr[2];

    *a0 = stoic_dsp_smlad(x01, wa, *a0);
    *a1 = stoic_dsp_smlatb(x01, wa, *a1);
    *a0 = stoic_dsp_smlatb(wb, x23, *a0);
    *a1 = stoic_dsp_smlad(x23, wb, *a1);
    *a2 = stoic_dsp_smlad(x23, wa, *a2);
    *a3 = stoic_dsp_smlatb(x23, wa, *a3);
    *a2 = stoic_dsp_smlatb(wb, x45, *a2);
    *a3 = stoic_dsp_smlad(x45, wb, *a3);
}

/* The packed word (hi(x), lo(y)): lanes x1 and y0 of two neighbouring
 * words. */
STOIC_DSP_FN int32_t stoic_dsp_mid(int32_t x, int32_t y)
{
    uint32_t u = ((uint32_t)x >> 16U) | ((uint32_t)y << 16U);
    return stoic_dsp_s32(u);
}

/* The sign-extended bytes 0 and 2 of w as the lanes of a packed word
 * (SXTB16). */
STOIC_DSP_FN int32_t stoic_dsp_sxtb16(int32_t w)
{
#if STOIC_DSP
    return __sxtb16(w);   /* MISRA deviation MD-02 */
#else
    uint32_t u = (uint32_t)w;
    uint32_t l0 = u & 0xFFU;
    uint32_t s0 = (u & 0x80U) << 1U;
    uint32_t l2 = (u >> 16U) & 0xFFU;
    uint32_t s2 = ((u >> 16U) & 0x80U) << 1U;
    int32_t b0 = (int32_t)l0 - (int32_t)s0;
    int32_t b2 = (int32_t)l2 - (int32_t)s2;
    return stoic_dsp_pack(b0, b2);
#endif
}

/* The sign-extended bytes 1 and 3 of w as the lanes of a packed word
 * (SXTB16 with its operand rotated by 8 bits: one instruction). */
STOIC_DSP_FN int32_t stoic_dsp_sxtb16_ror8(int32_t w)   /* MISRA deviation MD-06 */
{
#if STOIC_DSP
    int32_t r;
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(w));   /* MISRA deviation MD-02 */
    return r;
#else
    uint32_t u = (uint32_t)w;
    uint32_t r = (u >> 8U) | (u << 24U);
    return stoic_dsp_sxtb16(stoic_dsp_s32(r));
#endif
}

/* acc + SXTB16(w), lane by lane, each lane modulo 2^16 (SXTAB16): lane 0
 * plus the sign-extended byte 0 of w, lane 1 plus its byte 2. */
STOIC_DSP_FN int32_t stoic_dsp_sxtab16(int32_t acc, int32_t w)
{
#if STOIC_DSP
    return __sxtab16(acc, w);   /* MISRA deviation MD-02 */
#else
    uint32_t a = (uint32_t)acc;
    uint32_t b = (uint32_t)stoic_dsp_sxtb16(w);
    uint32_t lo = (a + b) & 0xFFFFU;
    uint32_t hi = ((a >> 16U) + (b >> 16U)) & 0xFFFFU;
    return stoic_dsp_s32(lo | (hi << 16U));
#endif
}

/* acc + SXTB16(w rotated by 8), lane by lane modulo 2^16: the bytes 1
 * and 3 of w. */
STOIC_DSP_FN int32_t stoic_dsp_sxtab16_ror8(int32_t acc, int32_t w)   /* MISRA deviation MD-06 */
{
#if STOIC_DSP
    int32_t r;
    __asm__("sxtab16 %0, %1, %2, ror #8" : "=r"(r) : "r"(acc), "r"(w));   /* MISRA deviation MD-02 */
    return r;
#else
    uint32_t u = (uint32_t)w;
    uint32_t r = (u >> 8U) | (u << 24U);
    return stoic_dsp_sxtab16(acc, stoic_dsp_s32(r));
#endif
}

/* The value of the four bytes x8[0 .. 3] as a word, x8[0] its low byte
 * (the same value on either byte order; GCC makes one load of it on a
 * little-endian core): four int8 lanes, lane k = byte k. */
STOIC_DSP_FN int32_t stoic_dsp_word8(const int8_t *x8)
{
    uint32_t u = (uint32_t)(uint8_t)x8[0] | ((uint32_t)(uint8_t)x8[1] << 8U) |
                 ((uint32_t)(uint8_t)x8[2] << 16U) | ((uint32_t)(uint8_t)x8[3] << 24U);
    return stoic_dsp_s32(u);
}

/* The lanes of up to sixteen int8 weights held in registers (the 1x1
 * kernels stoic_pw_s8 and stoic_pw_s16: one output channel's weights,
 * unpacked once per pass over the pixels): eight named values, so that
 * the compiler keeps them in registers. */
typedef struct {
    int32_t l0;
    int32_t l1;
    int32_t l2;
    int32_t l3;
    int32_t l4;
    int32_t l5;
    int32_t l6;
    int32_t l7;
} stoic_dsp_lanes;

/* stoic_dsp_pack(lo, 2 hi), |2 hi| <= 32767: PKHBT with the high lane's
 * operand shifted by 17, its doubling free (MISRA deviation MD-02). */
STOIC_DSP_FN int32_t stoic_dsp_pack2d(int32_t lo, int32_t hi)   /* MISRA deviation MD-06 */
{
#if STOIC_DSP
    int32_t r;
    __asm__("pkhbt %0, %1, %2, lsl #17" : "=r"(r) : "r"(lo), "r"(hi));   /* MISRA deviation MD-02 */
    return r;
#else
    return stoic_dsp_pack(lo, 2 * hi);
#endif
}

/* The words (lo(e), lo(o)) and (hi(e), hi(o)) of two packed words: from
 * SXTB16 and SXTB16 ROR #8 of four int8 values x0 .. x3, e = (x0, x2) and
 * o = (x1, x3), the pairs (x0, x1) and (x2, x3). PKHBT and PKHTB on the
 * DSP path (MISRA deviation MD-02). */
STOIC_DSP_FN int32_t stoic_dsp_pklo(int32_t e, int32_t o)   /* MISRA deviation MD-06 */
{
#if STOIC_DSP
    int32_t r;
    __asm__("pkhbt %0, %1, %2, lsl #16" : "=r"(r) : "r"(e), "r"(o));   /* MISRA deviation MD-02 */
    return r;
#else
    return stoic_dsp_pack(stoic_dsp_lo16(e), stoic_dsp_lo16(o));
#endif
}

STOIC_DSP_FN int32_t stoic_dsp_pkhi(int32_t e, int32_t o)   /* MISRA deviation MD-06 */
{
#if STOIC_DSP
    int32_t r;
    __asm__("pkhtb %0, %1, %2, asr #16" : "=r"(r) : "r"(o), "r"(e));   /* MISRA deviation MD-02 */
    return r;
#else
    return stoic_dsp_pack(stoic_dsp_hi16(e), stoic_dsp_hi16(o));
#endif
}

/* Both lanes of w doubled (|lane| <= 16383): SADD16 of w with itself. */
STOIC_DSP_FN int32_t stoic_dsp_dbl16(int32_t w)
{
#if STOIC_DSP
    return __sadd16(w, w);   /* MISRA deviation MD-02 */
#else
    return stoic_dsp_pack(2 * stoic_dsp_lo16(w), 2 * stoic_dsp_hi16(w));
#endif
}

/* The lanes of the n_g (<= 4) weight words at wp: l(2k) = SXTB16(wp[k])
 * (bytes 0 and 2), l(2k + 1) = SXTB16(wp[k] rotated by 8) (bytes 1 and 3);
 * the lanes past 2 n_g are 0. */
STOIC_DSP_FN stoic_dsp_lanes stoic_dsp_unpack_lanes(const int32_t *wp, int32_t n_g)
{
    stoic_dsp_lanes v = { 0, 0, 0, 0, 0, 0, 0, 0 };
    v.l0 = stoic_dsp_sxtb16(wp[0]);
    v.l1 = stoic_dsp_sxtb16_ror8(wp[0]);
    if (n_g > 1) {
        v.l2 = stoic_dsp_sxtb16(wp[1]);
        v.l3 = stoic_dsp_sxtb16_ror8(wp[1]);
    }
    if (n_g > 2) {
        v.l4 = stoic_dsp_sxtb16(wp[2]);
        v.l5 = stoic_dsp_sxtb16_ror8(wp[2]);
    }
    if (n_g > 3) {
        v.l6 = stoic_dsp_sxtb16(wp[3]);
        v.l7 = stoic_dsp_sxtb16_ror8(wp[3]);
    }
    return v;
}

/* acc + the eight products of one int4 weight word w
 * (stoic_dense_s4_pk.c) with the input words x[0 .. 3]: nibble j + 4l of
 * w (bits 4(j + 4l) .. +3) holds the weight of lane l of x[j] plus 8
 * (offset binary, 1 .. 15). Shifted right by 4j and masked with mk =
 * 0x000F000F, the word has the two nibbles of x[j] as its 16-bit lanes,
 * values 0 .. 15: one AND (with a shifted operand) and one SMLAD per two
 * products, no unpacking. The sum is of x (w + 8): the caller subtracts
 * 8 times the sum of the inputs. mk comes from the caller's parameters
 * (in a register, the shift is the AND's operand). */
STOIC_DSP_FN int32_t stoic_dsp_s4mac(const int32_t *x, int32_t w, uint32_t mk, int32_t acc)
{
    uint32_t u = (uint32_t)w;
    uint32_t l0 = u & mk;
    uint32_t l1 = (u >> 4U) & mk;
    uint32_t l2 = (u >> 8U) & mk;
    uint32_t l3 = (u >> 12U) & mk;
    int32_t a;

    /* lanes of at most 15: the casts keep the values */
    a = stoic_dsp_smlad(x[0], (int32_t)l0, acc);
    a = stoic_dsp_smlad(x[1], (int32_t)l1, a);
    a = stoic_dsp_smlad(x[2], (int32_t)l2, a);
    return stoic_dsp_smlad(x[3], (int32_t)l3, a);
}

/* floor(x / 2^e), 0 <= e <= 31 */
STOIC_DSP_FN int32_t stoic_dsp_floor_shr(int32_t x, uint32_t e)
{
#if STOIC_DSP
    return x >> e;   /* MISRA deviation MD-01: arithmetic shift */
#else
    /* (x + 2^31) >> e = floor(x / 2^e) + 2^(31 - e), exactly */
    return stoic_dsp_s32((((uint32_t)x ^ 0x80000000U) >> e) - (0x80000000U >> e));
#endif
}

/* The right shift minus one, e1, of a packed requantization word qm (the
 * multiplier, in [2^30, 2^31), whose low 5 bits the generator makes e1;
 * stoic_rt.h): qm & 31. */
STOIC_DSP_FN uint32_t stoic_dsp_qm_e(int32_t qm)
{
    return (uint32_t)qm & 31U;
}

/* min(max(x, -128), 127) */
STOIC_DSP_FN int32_t stoic_dsp_sat8(int32_t x)
{
#if STOIC_DSP
    return (int32_t)__builtin_arm_ssat(x, 8);   /* MISRA deviation MD-02 */
#else
    int32_t y = x;
    if (y < -128) {
        y = -128;
    }
    if (y > 127) {
        y = 127;
    }
    return y;
#endif
}

/* v, as a value the compiler cannot see through (no instruction): a fill
 * of the scratch with it stays a loop of stores. GCC's loop distribution
 * turns a loop that stores a constant whose bytes are all equal (0: the
 * int16 zero point, or an int8 one) into a call to memset, a library call
 * on the run path, once the kernel is inlined with the layer's constants.
 * On the C path v itself (README: -fno-tree-loop-distribute-patterns).
 * MISRA deviation MD-02 (an empty assembly statement). */
STOIC_DSP_FN int32_t stoic_dsp_opaque(int32_t v)
{
#if STOIC_DSP
    int32_t r = v;
    __asm__("" : "+r"(r));   /* MISRA deviation MD-02 */
    return r;
#else
    return v;
#endif
}

/*
 * The multiply-accumulate of every output stage: the high word of
 * h 2^32 + a m + 2^31 (stoic_dsp_mmlar) or of h 2^32 + a m
 * (stoic_dsp_mmla). On the DSP path one instruction, SMMLAR or SMMLA
 * (Armv7E-M), which neither ACLE nor GCC's instruction selection provide:
 * GCC makes it MOV + SMLAL (the low word of the addend needs its own
 * register, which SMLAL overwrites). Inline assembly, encapsulated in
 * these two functions alone (Dir 4.3; MISRA deviations MD-02, and MD-06:
 * the analyser does not see the assembly's operands); the C path is the
 * definition, and the two are compared as in MD-01.
 */
STOIC_DSP_FN int32_t stoic_dsp_mmlar(int32_t a, int32_t m, int32_t h)   /* MISRA deviation MD-06 */
{
#if STOIC_DSP
    int32_t r;
    __asm__("smmlar %0, %1, %2, %3" : "=r"(r) : "r"(a), "r"(m), "r"(h));   /* MISRA deviation MD-02 */
    return r;
#else
    uint64_t v = ((uint64_t)(uint32_t)h << 32U) | 0x80000000U;
    int64_t p = (int64_t)a * (int64_t)m;
    v += (uint64_t)p;
    return stoic_dsp_s32((uint32_t)(v >> 32U));
#endif
}

STOIC_DSP_FN int32_t stoic_dsp_mmla(int32_t a, int32_t m, int32_t h)   /* MISRA deviation MD-06 */
{
#if STOIC_DSP
    int32_t r;
    __asm__("smmla %0, %1, %2, %3" : "=r"(r) : "r"(a), "r"(m), "r"(h));   /* MISRA deviation MD-02 */
    return r;
#else
    uint64_t v = (uint64_t)(uint32_t)h << 32U;
    int64_t p = (int64_t)a * (int64_t)m;
    v += (uint64_t)p;
    return stoic_dsp_s32((uint32_t)(v >> 32U));
#endif
}

/*
 * The int8 output stage in one rounding. For an accumulator a, a
 * multiplier 2^30 <= m < 2^31 and a right shift e >= 1 (the contract's
 * shift = -e), TensorFlow Lite's
 *     RDBPOT(SRDHM(a, m), e) + zp
 * equals
 *     floor((2am + 2^31 + H * 2^32) / 2^(32 + e)),  H = (2 zp + 1) 2^(e-1) - [a < 0]:
 * SRDHM(a, m) = floor((2am + 2^31) / 2^32) (ties up; m > 0 never
 * saturates), RDBPOT(s, e) = floor((s + 2^(e-1) - [s < 0]) / 2^e) (ties
 * away from zero), floors of divisions by powers of two compose, and
 * [a < 0] may stand for [s < 0] (they differ only when s = 0, where the
 * correction of 1 below a multiple of 2^e changes no floor); zp * 2^e
 * added before the division is zp after it. The division by 2^e is
 * done as 2^(e-1), then 2 with the saturation (SSAT's shifted operand).
 * Arguments: a2 = 2a, sa = a value with the sign of a, e1 = e - 1,
 * hb = c1 2^e1 with c1 = 2 zp + 1 (stoic_dsp_rq8s and stoic_dsp_rq8 take
 * c1 itself). Preconditions (checked by the generator per layer, stoic
 * lower.c): |a| < 2^30, 0 <= e1 <= 30, |c1 * 2^e1| + |a| + 2 < 2^31.
 * Returns y + zp saturated to [-128, 127]. Instructions on Cortex-M4:
 * (lsl,) sub (H), smmlar, asr, ssat.
 */
STOIC_DSP_FN int32_t stoic_dsp_rq8hs(int32_t a2, int32_t sa, int32_t m, uint32_t e1, int32_t hb)
{
    int32_t h;
    int32_t t;
    uint32_t sgn;

    /* sa: a value with the sign of a (a2 or a itself) */
    sgn = (uint32_t)sa >> 31U;
    h = hb - (int32_t)sgn;
    t = stoic_dsp_floor_shr(stoic_dsp_mmlar(a2, m, h), e1);
#if STOIC_DSP
    return (int32_t)__builtin_arm_ssat(t >> 1, 8);   /* SSAT #8, t, ASR #1; MISRA deviation MD-01, MD-02 */
#else
    return stoic_dsp_sat8(stoic_dsp_floor_shr(t, 1U));
#endif
}

/* the output stage with c1 2^e1 given, hb (stoic_dsp_rq8hs) */
STOIC_DSP_FN int32_t stoic_dsp_rq8s(int32_t a2, int32_t sa, int32_t m, uint32_t e1, int32_t c1)
{
    return stoic_dsp_rq8hs(a2, sa, m, e1, stoic_dsp_s32((uint32_t)c1 << e1));
}

/* the output stage from twice the accumulator, a2 = 2a, with hb = c1 2^e1 */
STOIC_DSP_FN int32_t stoic_dsp_rq8h(int32_t a2, int32_t m, uint32_t e1, int32_t hb)
{
    return stoic_dsp_rq8hs(a2, a2, m, e1, hb);
}

/* the output stage from twice the accumulator, a2 = 2a */
STOIC_DSP_FN int32_t stoic_dsp_rq8(int32_t a2, int32_t m, uint32_t e1, int32_t c1)
{
    return stoic_dsp_rq8s(a2, a2, m, e1, c1);
}

/* the output stage from the accumulator a itself (its sign read from a:
 * one instruction fewer on Cortex-M4 than from 2a) */
STOIC_DSP_FN int32_t stoic_dsp_rq8a(int32_t a, int32_t m, uint32_t e1, int32_t c1)
{
    return stoic_dsp_rq8s(a * 2, a, m, e1, c1);
}

/*
 * One pass of the int8 3x3 kernels with one input channel per group
 * (stoic_conv2d_s8_dw3.h): the four outputs y[0 .. 3] of a row from the
 * input words r0[0 .. 2], r1[0 .. 2], r2[0 .. 2] of the kernel rows 0, 1,
 * 2 and the channel's block cb: cb[0 .. 5] the weight words (wa, wb) of
 * the kernel rows, cb[6] twice the bias, cb[7] the packed multiplier m,
 * cb[8] e1 = m & 31, cb[9] c1 * 2^e1 (the output stage's addend before
 * its sign correction). y[k] = stoic_dsp_rq8(2 acc, m, e1, c1), not yet
 * clamped to the activation's range.
 *
 * The C path is the definition: stoic_dsp_dw3_row three times and
 * stoic_dsp_rq8. On Thumb-2 with the DSP extension (Cortex-M4, M7, M33)
 * the same instructions as one block of inline assembly, scheduled so
 * that the pass needs eight registers besides its pointers: 12 loads,
 * 24 multiply-accumulates, 16 instructions of output stage. GCC keeps
 * the six weight words, the bias and the multiplier in registers when it
 * compiles the C path, spills a third of them in every pass and splits
 * paired loads (measured on Cortex-M4: about 70 instructions a pass for
 * the 52 here). Dir 4.3: the assembly alone in this function; MISRA
 * deviations MD-02 and MD-06; make target-check compares it with the C
 * path (the host evaluator) bit for bit.
 */
#if STOIC_DSP && defined(__thumb2__)
/* the pass (below) with the input words of the kernel rows 1 and 2 at the
 * addresses R1, R1B (word 2) and R2, R2B */
#define STOIC_DSP_DW3_ASM(R1, R1B, R2, R2B)   /* MISRA deviation MD-07 */ \
        "ldr    %[a0], [%[cb], #24]\n\t" \
        "ldrd   %[t0], %[t1], [%[r0]]\n\t" \
        "ldrd   %[t2], %[t3], [%[cb]]\n\t" \
        "smlatb %[a1], %[t0], %[t2], %[a0]\n\t" \
        "smlad  %[a2], %[t1], %[t2], %[a0]\n\t" \
        "smlatb %[a3], %[t1], %[t2], %[a0]\n\t" \
        "smlad  %[a0], %[t0], %[t2], %[a0]\n\t" \
        "ldr    %[t0], [%[r0], #8]\n\t" \
        "smlatb %[a0], %[t3], %[t1], %[a0]\n\t" \
        "smlad  %[a1], %[t1], %[t3], %[a1]\n\t" \
        "smlatb %[a2], %[t3], %[t0], %[a2]\n\t" \
        "smlad  %[a3], %[t0], %[t3], %[a3]\n\t" \
        "ldrd   %[t0], %[t1], " R1 "\n\t" \
        "ldrd   %[t2], %[t3], [%[cb], #8]\n\t" \
        "smlad  %[a0], %[t0], %[t2], %[a0]\n\t" \
        "smlatb %[a1], %[t0], %[t2], %[a1]\n\t" \
        "smlad  %[a2], %[t1], %[t2], %[a2]\n\t" \
        "smlatb %[a3], %[t1], %[t2], %[a3]\n\t" \
        "ldr    %[t0], " R1B "\n\t" \
        "smlatb %[a0], %[t3], %[t1], %[a0]\n\t" \
        "smlad  %[a1], %[t1], %[t3], %[a1]\n\t" \
        "smlatb %[a2], %[t3], %[t0], %[a2]\n\t" \
        "smlad  %[a3], %[t0], %[t3], %[a3]\n\t" \
        "ldrd   %[t0], %[t1], " R2 "\n\t" \
        "ldrd   %[t2], %[t3], [%[cb], #16]\n\t" \
        "smlad  %[a0], %[t0], %[t2], %[a0]\n\t" \
        "smlatb %[a1], %[t0], %[t2], %[a1]\n\t" \
        "smlad  %[a2], %[t1], %[t2], %[a2]\n\t" \
        "smlatb %[a3], %[t1], %[t2], %[a3]\n\t" \
        "ldr    %[t0], " R2B "\n\t" \
        "smlatb %[a0], %[t3], %[t1], %[a0]\n\t" \
        "smlad  %[a1], %[t1], %[t3], %[a1]\n\t" \
        "smlatb %[a2], %[t3], %[t0], %[a2]\n\t" \
        "smlad  %[a3], %[t0], %[t3], %[a3]\n\t" \
        "ldrd   %[t0], %[t1], [%[cb], #28]\n\t" \
        "ldr    %[t2], [%[cb], #36]\n\t" \
        "sub    %[t3], %[t2], %[a0], lsr #31\n\t" \
        "smmlar %[a0], %[a0], %[t0], %[t3]\n\t" \
        "sub    %[t3], %[t2], %[a1], lsr #31\n\t" \
        "smmlar %[a1], %[a1], %[t0], %[t3]\n\t" \
        "sub    %[t3], %[t2], %[a2], lsr #31\n\t" \
        "smmlar %[a2], %[a2], %[t0], %[t3]\n\t" \
        "sub    %[t3], %[t2], %[a3], lsr #31\n\t" \
        "smmlar %[a3], %[a3], %[t0], %[t3]\n\t" \
        "asr    %[a0], %[a0], %[t1]\n\t" \
        "asr    %[a1], %[a1], %[t1]\n\t" \
        "asr    %[a2], %[a2], %[t1]\n\t" \
        "asr    %[a3], %[a3], %[t1]\n\t" \
        "ssat   %[a0], #8, %[a0], asr #1\n\t" \
        "ssat   %[a1], #8, %[a1], asr #1\n\t" \
        "ssat   %[a2], #8, %[a2], asr #1\n\t" \
        "ssat   %[a3], #8, %[a3], asr #1"

/* The pass with the kernel rows nw words apart from r0: one pointer, the
 * rows at immediate offsets for nw = 3, 5, 7, 9 (outputs up to 16 wide) */
STOIC_DSP_FN void stoic_dsp_dw3_pass_nw(const int32_t *r0, int32_t nw, const int32_t *cb,
                                        int32_t *y)   /* MISRA deviation MD-06 */
{
    int32_t a0;
    int32_t a1;
    int32_t a2;
    int32_t a3;
    int32_t t0;
    int32_t t1;
    int32_t t2;
    int32_t t3;

    if (nw == 3) {
        __asm__(STOIC_DSP_DW3_ASM("[%[r0], #12]", "[%[r0], #20]", "[%[r0], #24]", "[%[r0], #32]")   /* MISRA deviation MD-02 */
        : [a0] "=&r"(a0), [a1] "=&r"(a1), [a2] "=&r"(a2), [a3] "=&r"(a3),
          [t0] "=&r"(t0), [t1] "=&r"(t1), [t2] "=&r"(t2), [t3] "=&r"(t3)
            : [r0] "r"(r0), [cb] "r"(cb)
            : "memory");
    } else if (nw == 5) {
        __asm__(STOIC_DSP_DW3_ASM("[%[r0], #20]", "[%[r0], #28]", "[%[r0], #40]", "[%[r0], #48]")   /* MISRA deviation MD-02 */
        : [a0] "=&r"(a0), [a1] "=&r"(a1), [a2] "=&r"(a2), [a3] "=&r"(a3),
          [t0] "=&r"(t0), [t1] "=&r"(t1), [t2] "=&r"(t2), [t3] "=&r"(t3)
            : [r0] "r"(r0), [cb] "r"(cb)
            : "memory");
    } else if (nw == 7) {
        __asm__(STOIC_DSP_DW3_ASM("[%[r0], #28]", "[%[r0], #36]", "[%[r0], #56]", "[%[r0], #64]")   /* MISRA deviation MD-02 */
        : [a0] "=&r"(a0), [a1] "=&r"(a1), [a2] "=&r"(a2), [a3] "=&r"(a3),
          [t0] "=&r"(t0), [t1] "=&r"(t1), [t2] "=&r"(t2), [t3] "=&r"(t3)
            : [r0] "r"(r0), [cb] "r"(cb)
            : "memory");
    } else if (nw == 9) {
        __asm__(STOIC_DSP_DW3_ASM("[%[r0], #36]", "[%[r0], #44]", "[%[r0], #72]", "[%[r0], #80]")   /* MISRA deviation MD-02 */
        : [a0] "=&r"(a0), [a1] "=&r"(a1), [a2] "=&r"(a2), [a3] "=&r"(a3),
          [t0] "=&r"(t0), [t1] "=&r"(t1), [t2] "=&r"(t2), [t3] "=&r"(t3)
            : [r0] "r"(r0), [cb] "r"(cb)
            : "memory");
    } else {
        __asm__(STOIC_DSP_DW3_ASM("[%[r1]]", "[%[r1], #8]", "[%[r2]]", "[%[r2], #8]")   /* MISRA deviation MD-02 */
        : [a0] "=&r"(a0), [a1] "=&r"(a1), [a2] "=&r"(a2), [a3] "=&r"(a3),
          [t0] "=&r"(t0), [t1] "=&r"(t1), [t2] "=&r"(t2), [t3] "=&r"(t3)
            : [r0] "r"(r0), [r1] "r"(&r0[nw]), [r2] "r"(&r0[2 * nw]), [cb] "r"(cb)
            : "memory");
    }
    y[0] = a0;
    y[1] = a1;
    y[2] = a2;
    y[3] = a3;
}
#else
STOIC_DSP_FN void stoic_dsp_dw3_pass(const int32_t *r0, const int32_t *r1, const int32_t *r2,
                                     const int32_t *cb, int32_t *y)
{
    int32_t a0 = cb[6];
    int32_t a1 = cb[6];
    int32_t a2 = cb[6];
    int32_t a3 = cb[6];
    int32_t m = cb[7];
    uint32_t e1 = (uint32_t)cb[8];

    stoic_dsp_dw3_row(r0, cb[0], cb[1], &a0, &a1, &a2, &a3);
    stoic_dsp_dw3_row(r1, cb[2], cb[3], &a0, &a1, &a2, &a3);
    stoic_dsp_dw3_row(r2, cb[4], cb[5], &a0, &a1, &a2, &a3);
    y[0] = stoic_dsp_rq8h(a0, m, e1, cb[9]);
    y[1] = stoic_dsp_rq8h(a1, m, e1, cb[9]);
    y[2] = stoic_dsp_rq8h(a2, m, e1, cb[9]);
    y[3] = stoic_dsp_rq8h(a3, m, e1, cb[9]);
}

STOIC_DSP_FN void stoic_dsp_dw3_pass_nw(const int32_t *r0, int32_t nw, const int32_t *cb,
                                        int32_t *y)
{
    stoic_dsp_dw3_pass(r0, &r0[nw], &r0[2 * nw], cb, y);
}
#endif

/*
 * One pooled output of the int8 1x1 convolution with two groups of four
 * inputs (stoic_pw_s8.h, in_n 5 .. 8): the largest of the four pixels'
 * dot products (xa[0 .. 15]: the packed input words of the window's four
 * pixels, four each, against the doubled weight lanes l0 .. l3
 * (stoic_dsp_dbl16), so twice the dot products), plus twice the bias cb[0], through the output stage of the
 * multiplier cb[1], e1 = cb[2] and c1 2^e1 = cb[3] (stoic_dsp_rq8h), not
 * yet clamped to the activation's range. The bias is added after the
 * maximum: max(b + d_k) = b + max(d_k), all exact.
 *
 * The C path is the definition; on Thumb-2 with the DSP extension the
 * same instructions as inline assembly (8 paired loads, 16 SMUAD/SMLAD,
 * three compare-and-select, 9 of output stage), which GCC does not
 * produce from the C (it splits the paired loads and reloads the
 * constants: about 56 instructions a window for the 36 here). Dir 4.3;
 * MISRA deviations MD-02, MD-06; make target-check compares it with the
 * C path bit for bit.
 */
#if STOIC_DSP && defined(__thumb2__)
STOIC_DSP_FN int32_t stoic_dsp_pw2_win(const int32_t *xa, int32_t l0, int32_t l1, int32_t l2,
                                       int32_t l3, const int32_t *cb)   /* MISRA deviation MD-06 */
{
    int32_t mx;
    int32_t ac;
    int32_t t0;
    int32_t t1;

    __asm__(   /* MISRA deviation MD-02 */
        "ldrd   %[t0], %[t1], [%[xa]]\n\t"
        "smuad  %[mx], %[t0], %[l0]\n\t"
        "smlad  %[mx], %[t1], %[l1], %[mx]\n\t"
        "ldrd   %[t0], %[t1], [%[xa], #8]\n\t"
        "smlad  %[mx], %[t0], %[l2], %[mx]\n\t"
        "smlad  %[mx], %[t1], %[l3], %[mx]\n\t"
        "ldrd   %[t0], %[t1], [%[xa], #16]\n\t"
        "smuad  %[ac], %[t0], %[l0]\n\t"
        "smlad  %[ac], %[t1], %[l1], %[ac]\n\t"
        "ldrd   %[t0], %[t1], [%[xa], #24]\n\t"
        "smlad  %[ac], %[t0], %[l2], %[ac]\n\t"
        "smlad  %[ac], %[t1], %[l3], %[ac]\n\t"
        "cmp    %[ac], %[mx]\n\t"
        "it     gt\n\t"
        "movgt  %[mx], %[ac]\n\t"
        "ldrd   %[t0], %[t1], [%[xa], #32]\n\t"
        "smuad  %[ac], %[t0], %[l0]\n\t"
        "smlad  %[ac], %[t1], %[l1], %[ac]\n\t"
        "ldrd   %[t0], %[t1], [%[xa], #40]\n\t"
        "smlad  %[ac], %[t0], %[l2], %[ac]\n\t"
        "smlad  %[ac], %[t1], %[l3], %[ac]\n\t"
        "cmp    %[ac], %[mx]\n\t"
        "it     gt\n\t"
        "movgt  %[mx], %[ac]\n\t"
        "ldrd   %[t0], %[t1], [%[xa], #48]\n\t"
        "smuad  %[ac], %[t0], %[l0]\n\t"
        "smlad  %[ac], %[t1], %[l1], %[ac]\n\t"
        "ldrd   %[t0], %[t1], [%[xa], #56]\n\t"
        "smlad  %[ac], %[t0], %[l2], %[ac]\n\t"
        "smlad  %[ac], %[t1], %[l3], %[ac]\n\t"
        "cmp    %[ac], %[mx]\n\t"
        "it     gt\n\t"
        "movgt  %[mx], %[ac]\n\t"
        "ldrd   %[t0], %[t1], [%[cb]]\n\t"
        "add    %[mx], %[mx], %[t0]\n\t"
        "ldrd   %[t0], %[ac], [%[cb], #8]\n\t"
        "sub    %[ac], %[ac], %[mx], lsr #31\n\t"
        "smmlar %[mx], %[mx], %[t1], %[ac]\n\t"
        "asr    %[mx], %[mx], %[t0]\n\t"
        "ssat   %[mx], #8, %[mx], asr #1"
        : [mx] "=&r"(mx), [ac] "=&r"(ac), [t0] "=&r"(t0), [t1] "=&r"(t1)
        : [xa] "r"(xa), [l0] "r"(l0), [l1] "r"(l1), [l2] "r"(l2), [l3] "r"(l3),
          [cb] "r"(cb)
        : "cc", "memory");
    return mx;
}
#else
/* the dot product of the pixel x[0 .. 3] with the lanes l0 .. l3 */
STOIC_DSP_FN int32_t stoic_dsp_pw2_dot(const int32_t *x, int32_t l0, int32_t l1, int32_t l2,
                                       int32_t l3)
{
    int32_t a = stoic_dsp_smlad(x[0], l0, 0);
    a = stoic_dsp_smlad(x[1], l1, a);
    a = stoic_dsp_smlad(x[2], l2, a);
    return stoic_dsp_smlad(x[3], l3, a);
}

STOIC_DSP_FN int32_t stoic_dsp_pw2_win(const int32_t *xa, int32_t l0, int32_t l1, int32_t l2,
                                       int32_t l3, const int32_t *cb)
{
    int32_t mx = stoic_dsp_pw2_dot(xa, l0, l1, l2, l3);
    int32_t d = stoic_dsp_pw2_dot(&xa[4], l0, l1, l2, l3);
    int32_t a2;

    mx = (d > mx) ? d : mx;
    d = stoic_dsp_pw2_dot(&xa[8], l0, l1, l2, l3);
    mx = (d > mx) ? d : mx;
    d = stoic_dsp_pw2_dot(&xa[12], l0, l1, l2, l3);
    mx = (d > mx) ? d : mx;
    a2 = cb[0] + mx;
    return stoic_dsp_rq8h(a2, cb[1], (uint32_t)cb[2], cb[3]);
}
#endif

/*
 * The int16 output stage (stoic_requant_s16 before the activation clamp)
 * for an accumulator that fits int32: sat16(floor((a m 2^shift + 2^30) /
 * 2^31)) with shift = -e <= -1 is
 *     floor((2am + 2^(31+e)) / 2^(32+e)) = floor(hi / 2^e),
 * hi = floor((2am + 2^(e-1) 2^32) / 2^32): one SMMLA with 2^(e-1).
 * Arguments: a2 = 2a, e1 = e - 1. Preconditions (lower.c): |a| < 2^30,
 * 0 <= e1 <= 29. Returns the value saturated to [-32768, 32767].
 */
STOIC_DSP_FN int32_t stoic_dsp_rq16(int32_t a2, int32_t m, uint32_t e1)
{
    int32_t t;

    t = stoic_dsp_floor_shr(stoic_dsp_mmla(a2, m, stoic_dsp_s32(1U << e1)), e1);
#if STOIC_DSP
    return (int32_t)__builtin_arm_ssat(t >> 1, 16);   /* SSAT #16, t, ASR #1; MISRA deviation MD-01, MD-02 */
#else
    t = stoic_dsp_floor_shr(t, 1U);
    if (t < -32768) {
        t = -32768;
    }
    if (t > 32767) {
        t = 32767;
    }
    return t;
#endif
}

/*
 * TensorFlow Lite's 64-bit MultiplyByQuantizedMultiplier (stoic_requantize64)
 * for an accumulator that fits: sat32(floor((a m 2^shift + 2^30) / 2^31))
 * with |a| < 2^30, 2^30 <= m < 2^31 and -31 <= shift <= 0 (e = -shift) is
 *     floor((2am + 2^(31+e)) / 2^(32+e)) = floor(hi / 2^e),
 * hi = floor((2am + 2^(31+e)) / 2^32) (floors of divisions by powers of two
 * compose), the high word of one SMLAL into (2^(e-1), 0) when e >= 1, into
 * (0, 2^31) when e = 0; |2am| < 2^61, so nothing wraps and nothing
 * saturates (|result| < 2^29). The same instructions for every value.
 */
STOIC_DSP_FN int32_t stoic_dsp_rq32(int32_t a, int32_t m, int32_t shift)
{
    uint32_t e;
    uint32_t hi_add;
    uint32_t lo_add;
    uint64_t v;
    int64_t p;
    int32_t a2;

    e = (0U - (uint32_t)shift) & 31U;
    hi_add = (1U << e) >> 1U;                      /* 2^(e-1), 0 when e = 0 */
    lo_add = (1U - stoic_nz_u32(e)) << 31U;        /* 2^31 when e = 0 */
    v = ((uint64_t)hi_add << 32U) | (uint64_t)lo_add;
    a2 = a * 2;
    p = (int64_t)a2 * (int64_t)m;
    v += (uint64_t)p;
    return stoic_dsp_floor_shr(stoic_dsp_s32((uint32_t)(v >> 32U)), e);
}

/* TensorFlow Lite's RoundingDivideByPOT (stoic_rdbpot: x / 2^e rounded to
 * nearest, ties away from zero), inline, for 0 <= e <= 30 and |x| <=
 * 2^31 - 2^e (so that x + 2^(e-1) fits int32):
 * floor((x + 2^(e-1) - [x < 0]) / 2^e) for e >= 1 (the tie of a negative
 * x is a multiple of 2^e minus 2^(e-1), which the -1 sends down), x for
 * e = 0. */
STOIC_DSP_FN int32_t stoic_dsp_rdbpot(int32_t x, uint32_t e)
{
    uint32_t half = (1U << (e & 31U)) >> 1U;                /* 2^(e-1), 0 for e = 0 */
    uint32_t neg = ((uint32_t)x >> 31U) & stoic_nz_u32(e);  /* [x < 0], 0 for e = 0 */
    return stoic_dsp_floor_shr((x + (int32_t)half) - (int32_t)neg, e);
}

/* one input word x against the word w of an int8 row pair: C += SMLAD(x,
 * w), A += SMLAD(x, SXTB16(w)) (the int8 packed kernels) */
STOIC_DSP_FN void stoic_dsp_pk_mac8(int32_t x, int32_t w, int32_t *a, int32_t *c)
{
    *c = stoic_dsp_smlad(x, w, *c);
    *a = stoic_dsp_smlad(x, stoic_dsp_sxtb16(w), *a);
}

/* min(max(x, -32768), 32767) */
STOIC_DSP_FN int32_t stoic_dsp_sat16(int32_t x)
{
#if STOIC_DSP
    return (int32_t)__builtin_arm_ssat(x, 16);   /* MISRA deviation MD-02 */
#else
    int32_t y = x;
    if (y < -32768) {
        y = -32768;
    }
    if (y > 32767) {
        y = 32767;
    }
    return y;
#endif
}

/* SRDHM(a, m) = floor((2am + 2^31) / 2^32), one SMMLAR with 0
 * (TensorFlow Lite's saturating rounding doubling high multiply; m > 0
 * never saturates); precondition |2a| < 2^31. RDBPOT(x, 0) = x, so this is
 * the whole output stage before the zero point for a shift of 0. */
STOIC_DSP_FN int32_t stoic_dsp_srdhm(int32_t a, int32_t m)
{
    return stoic_dsp_mmlar(a * 2, m, 0);
}

/* RDBPOT(SRDHM(a, m), e) saturated to int16, zero point 0 (the int16
 * average pools' stoic_requantize, not stoic_dsp_rq16's single rounding):
 * stoic_dsp_rq8s's one rounding with c1 = 1, floor((2am + 2^31 + H 2^32) /
 * 2^(32 + e)), H = 2^(e-1) - [a < 0], the division as 2^(e-1) then 2.
 * Arguments: e1 = e - 1. Preconditions: 0 <= e1 <= 29, |a| < 2^29. */
STOIC_DSP_FN int32_t stoic_dsp_rq16z(int32_t a, int32_t m, uint32_t e1)
{
    int32_t h;
    int32_t t;
    uint32_t sb;    /* the sign bit of a */

    sb = (uint32_t)a >> 31U;
    h = stoic_dsp_s32(1U << e1) - (int32_t)sb;
    t = stoic_dsp_floor_shr(stoic_dsp_mmlar(a * 2, m, h), e1);
    return stoic_dsp_sat16(stoic_dsp_floor_shr(t, 1U));
}

/* Four input words x[0..3] against the eight weight words w[0..7] of two
 * row pairs (for each input word, the word of the first pair then of the
 * second): sixteen multiply-accumulates of the packed dense and conv
 * kernels, into (a0, c0) and (a1, c1). */
STOIC_DSP_FN void stoic_dsp_pk_quad4(const int32_t *x, const int32_t *w, int32_t *a0,
                                      int32_t *c0, int32_t *a1, int32_t *c1)
{
    stoic_dsp_pk_mac8(x[0], w[0], a0, c0);
    stoic_dsp_pk_mac8(x[0], w[1], a1, c1);
    stoic_dsp_pk_mac8(x[1], w[2], a0, c0);
    stoic_dsp_pk_mac8(x[1], w[3], a1, c1);
    stoic_dsp_pk_mac8(x[2], w[4], a0, c0);
    stoic_dsp_pk_mac8(x[2], w[5], a1, c1);
    stoic_dsp_pk_mac8(x[3], w[6], a0, c0);
    stoic_dsp_pk_mac8(x[3], w[7], a1, c1);
}

/* Folded biases as int16. A packed int8 kernel reads its folded biases
 * either as int32 values (b16 0) or, at half the bytes, as int16 values
 * two to a word (bias k in lane k % 2 of word k / 2), each to be
 * multiplied by b16 = 2^s (s in [0, 14], a parameter of the layer, never
 * of the data): bias = lane * b16, exact, since the generator proves
 * every bias below 2^30 in magnitude. */
STOIC_DSP_FN int32_t stoic_bias_at(const int32_t *b, int32_t k, int32_t b16)
{
    int32_t v;
    if (b16 == 0) {
        v = b[k];
    } else if ((k % 2) == 0) {
        v = stoic_dsp_lo16(b[k / 2]) * b16;
    } else {
        v = stoic_dsp_hi16(b[k / 2]) * b16;
    }
    return v;
}

/* The biases of outputs 2q and 2q + 1 (*a, *b) from an array of the
 * form of stoic_bias_at: b16 0, int32 words 2q and 2q + 1; else the
 * lanes of word q. */
STOIC_DSP_FN void stoic_bias_two(const int32_t *bias, int32_t q, int32_t b16, int32_t *a,
                                 int32_t *b)
{
    if (b16 == 0) {
        *a = bias[2 * q];
        *b = bias[(2 * q) + 1];
    } else {
        *a = stoic_dsp_lo16(bias[q]) * b16;
        *b = stoic_dsp_hi16(bias[q]) * b16;
    }
}

/* The words of a row pair's bias record (stoic_bias_rec): two int32
 * (b16 0), or one of two int16 lanes. */
STOIC_DSP_FN int32_t stoic_bias_rec_words(int32_t b16)
{
    int32_t n = 2;
    if (b16 != 0) {
        n = 1;
    }
    return n;
}

/* The bias record of a row pair (o, o + 1) of the row-pair kernels
 * (stoic_rt.h) at bp: *a = bias[o], *c = bias[o] + 256 bias[o + 1]; b16
 * 0: the two int32 words bp[0], bp[1] as they are; else the one word
 * bp[0] of lanes (bias[o], bias[o + 1]) / b16 (stoic_bias_rec16, b16 !=
 * 0). Returns the words of the record, stoic_bias_rec_words(b16) (the
 * value spelled out: through the call, gcc 12 schedules the M7 build of
 * the conv kernel's loop differently, 32 instructions more on digits'
 * fc1). */
STOIC_DSP_FN void stoic_bias_rec16(const int32_t *bp, int32_t b16, int32_t *a, int32_t *c)
{
    *a = stoic_dsp_lo16(bp[0]) * b16;
    *c = *a + (stoic_dsp_hi16(bp[0]) * (256 * b16));
}

STOIC_DSP_FN int32_t stoic_bias_rec(const int32_t *bp, int32_t b16, int32_t *a, int32_t *c)
{
    int32_t n;
    if (b16 == 0) {
        *a = bp[0];
        *c = bp[1];
        n = 2;
    } else {
        stoic_bias_rec16(bp, b16, a, c);
        n = 1;
    }
    return n;
}

#endif /* STOIC_DSP_H */

/*
 * target/s4cases/cases.h -- what the random-case programs of make
 * target-check share (s4cases.c, ../dspcases/dspcases.c): output through
 * semihosting on the bare-metal cores and stdio elsewhere, a xorshift
 * generator (its seed set by the program: rng), and TensorFlow Lite's
 * reference SRDHM and RDBPOT in int64.
 */
#ifndef TARGET_CASES_H
#define TARGET_CASES_H

#include <stdint.h>

#if defined(STOIC_BARE)
#include "semihost.h"
static void put_str(const char *s)
{
    (void)stoic_semihost_call(SH_SYS_WRITE0, s);
}
#else
#include <stdio.h>
static void put_str(const char *s)
{
    (void)fputs(s, stdout);
}
#endif

static void put_num(const char *label, uint32_t v)
{
    char buf[16];
    int n = 0;
    int k;
    char out[16];
    uint32_t x = v;
    put_str(label);
    do {
        buf[n] = (char)('0' + (int)(x % 10U));
        n++;
        x /= 10U;
    } while (x != 0U);
    for (k = 0; k < n; k++) {
        out[k] = buf[n - 1 - k];
    }
    out[n] = '\0';
    put_str(out);
}

static uint32_t rng;

static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

/* uniform in [lo, hi] */
static int32_t rnd_in(int32_t lo, int32_t hi)
{
    return lo + (int32_t)(rnd() % (uint32_t)(hi - lo + 1));
}

/* int16 biases (stoic_rt.h b16, stoic_bias_at) in one case of three:
 * b16 = 2^s, s in 0 .. 6; else 0 (int32 biases) */
static int32_t rnd_b16(void)
{
    int32_t b16 = 0;
    if (rnd_in(0, 2) == 0) {
        b16 = (int32_t)(1U << (uint32_t)rnd_in(0, 6));
    }
    return b16;
}

/* an int16 bias lane: random, or one of the two ends */
static int32_t rnd_lane(void)
{
    int32_t r = rnd_in(0, 9);
    return (r == 0) ? -32768 : ((r == 1) ? 32767 : rnd_in(-32768, 32767));
}

/* the int16 lanes of outputs 0 .. n - 1 two to a word, as the kernels
 * read them: lane 0 (the low half) output 2k, lane 1 output 2k + 1 (0
 * past n), words[k] */
static void pack_lanes(const int32_t *lane, int32_t n, int32_t *words)
{
    int32_t k;
    for (k = 0; k < (n + 1) / 2; k++) {
        uint32_t lo = (uint32_t)lane[2 * k] & 0xFFFFU;
        uint32_t hi = ((2 * k) + 1 < n) ? ((uint32_t)lane[(2 * k) + 1] & 0xFFFFU) : 0U;
        words[k] = (int32_t)(lo | (hi << 16U));
    }
}

/* TensorFlow Lite's SaturatingRoundingDoublingHighMul (never saturates
 * here: m > 0) */
static int32_t ref_srdhm(int64_t a, int32_t m)
{
    int64_t ab = a * (int64_t)m;
    int64_t nudge = ab >= 0 ? ((int64_t)1 << 30) : (1 - ((int64_t)1 << 30));
    return (int32_t)((ab + nudge) / ((int64_t)1 << 31));
}

/* TensorFlow Lite's RoundingDivideByPOT */
static int32_t ref_rdbpot(int32_t x, int e)
{
    int32_t mask = (int32_t)(((int64_t)1 << e) - 1);
    int32_t rem = x & mask;
    int32_t thr = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> e) + (rem > thr ? 1 : 0);
}

#endif

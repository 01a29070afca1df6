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

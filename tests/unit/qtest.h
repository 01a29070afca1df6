/* Shared helpers of the integer-kernel unit tests: a fixed-seed PRNG and
 * plain integer arithmetic written for the references (not the runtime's
 * branch-free forms). Header-only, static inline, so each test file keeps
 * its own PRNG state. */
#ifndef STOIC_QTEST_H
#define STOIC_QTEST_H
#include <stdint.h>

/* xorshift32; a fixed seed gives the same cases on every run. */
static inline uint32_t qt_next(uint32_t *state)
{
    uint32_t x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *state = x;
    return x;
}

/* Uniform integer in [lo, hi], hi - lo < 2^63. */
static inline int64_t qt_range(uint32_t *state, int64_t lo, int64_t hi)
{
    uint64_t span = (uint64_t)(hi - lo) + 1u;
    uint64_t u = ((uint64_t)qt_next(state) << 32) | qt_next(state);
    return lo + (int64_t)(u % span);
}

/* floor(n / d) for d > 0 (C's / truncates toward zero). */
static inline int64_t qt_floor_div(int64_t n, int64_t d)
{
    int64_t q = n / d;
    if (n % d != 0 && n < 0) {
        q--;
    }
    return q;
}

static inline int64_t qt_clamp(int64_t x, int64_t lo, int64_t hi)
{
    if (x < lo) {
        return lo;
    }
    if (x > hi) {
        return hi;
    }
    return x;
}

/* Reference requantize of arithmetic.md on plain int64 ops: acc * 2^shift
 * saturated to int32 (shift > 0), SRDHM as floor((p + 2^30) / 2^31)
 * (saturated for INT32_MIN^2), then RDBPOT as rounding of the magnitude
 * half up (ties away from zero). */
static inline int32_t qt_requantize(int32_t acc, int32_t m, int32_t shift)
{
    int64_t v = acc, q, mag;
    int32_t s, e;
    for (s = 0; s < shift; s++) {
        v = qt_clamp(v * 2, INT32_MIN, INT32_MAX);
    }
    if (v == INT32_MIN && m == INT32_MIN) {
        q = INT32_MAX;
    } else {
        q = qt_floor_div(v * (int64_t)m + ((int64_t)1 << 30), (int64_t)1 << 31);
    }
    e = shift < 0 ? -shift : 0;
    if (e == 0) {
        return (int32_t)q;
    }
    mag = q < 0 ? -q : q;
    mag = (mag + ((int64_t)1 << (e - 1))) >> e;
    return (int32_t)(q < 0 ? -mag : mag);
}

#endif

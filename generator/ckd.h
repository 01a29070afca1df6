/* Checked size arithmetic. Every size, element count, byte count, offset
 * and stride that an input can influence is computed through these, so a
 * crafted dimension, pad or offset is refused instead of wrapping.
 *
 * Each returns 0 and stores the exact result, or returns 1 (overflow) and
 * leaves *r unspecified. The generator is C99 built with gcc or clang; both
 * provide the __builtin_*_overflow intrinsics (exact, no UB). */
#ifndef STOIC_CKD_H
#define STOIC_CKD_H

#include <stddef.h>
#include <stdint.h>

static inline int ckd_add_i64(int64_t *r, int64_t a, int64_t b)
{
    return __builtin_add_overflow(a, b, r) ? 1 : 0;
}

static inline int ckd_sub_i64(int64_t *r, int64_t a, int64_t b)
{
    return __builtin_sub_overflow(a, b, r) ? 1 : 0;
}

static inline int ckd_mul_i64(int64_t *r, int64_t a, int64_t b)
{
    return __builtin_mul_overflow(a, b, r) ? 1 : 0;
}

static inline int ckd_add_size(size_t *r, size_t a, size_t b)
{
    return __builtin_add_overflow(a, b, r) ? 1 : 0;
}

static inline int ckd_mul_size(size_t *r, size_t a, size_t b)
{
    return __builtin_mul_overflow(a, b, r) ? 1 : 0;
}

/* n * size bytes as a size_t, refusing negative n and overflow: the
 * argument of every malloc whose count comes from a model. */
static inline int ckd_bytes(size_t *r, int64_t n, size_t size)
{
    if (n < 0 || (uint64_t)n > (uint64_t)SIZE_MAX) {
        return 1;
    }
    return ckd_mul_size(r, (size_t)n, size);
}

/* a * b where the result must also fit an int32_t (element counts and
 * indices of the runtime kernels are int32_t). */
static inline int ckd_mul_i32(int32_t *r, int64_t a, int64_t b)
{
    int64_t p;
    if (ckd_mul_i64(&p, a, b) || p > INT32_MAX || p < INT32_MIN) {
        return 1;
    }
    *r = (int32_t)p;
    return 0;
}

#endif

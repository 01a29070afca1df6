/*
 * stoic runtime: helpers shared by the float and the integer kernels.
 * No floating point here: an integer-only model can ship this file.
 */
#include "stoic_rt.h"

/* Taps k in [0, k_n) with 0 <= base + k * dil < in_n: the first in *first,
 * one past the last in *end (empty when *first == *end). base is
 * out_index * stride - pad_before. Index arithmetic only, no tensor data. */
void stoic_tap_range(int32_t base, int32_t dil, int32_t k_n, int32_t in_n, int32_t *first,
                     int32_t *end)
{
    int32_t lo;
    int32_t hi;

    /* smallest k with base + k * dil >= 0 */
    if (base >= 0) {
        lo = 0;
    } else {
        lo = ((-base) + (dil - 1)) / dil;
    }
    /* one past the largest k with base + k * dil <= in_n - 1 */
    if (base >= in_n) {
        hi = 0;
    } else {
        hi = ((in_n - base) + (dil - 1)) / dil;
    }
    if (hi > k_n) {
        hi = k_n;
    } else {
        /* the window ends before the input does */
    }
    if (lo > hi) {
        lo = hi;
    } else {
        /* ordered */
    }
    *first = lo;
    *end = hi;
}

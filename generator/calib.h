/* Calibration statistics: the range of one tensor chosen from its values on
 * the calibration data, in two passes with bounded memory.
 *
 *   calib_init(&s);
 *   pass 1: calib_observe_range(&s, x, n) for every chunk of values
 *   calib_hist_alloc(&s, nbins)                (when s.count > 0)
 *   pass 2: calib_observe_hist(&s, x, n) for the same values again
 *   calib_choose(&s, method, percentile, int16, &lo, &hi)
 *   calib_free(&s);
 *
 * Memory: nbins counters per tensor; calib_choose needs 6 * (nbins + 1)
 * doubles of scratch for mse. Everything is plain double arithmetic in a
 * fixed order: the same values (in the same chunks) give the same bits.
 * The range is chosen for the schemes of quant.h: int8 asymmetric
 * (quant_asym_s8) or int16 symmetric (quant_sym_s16), and is always widened
 * to contain 0. */
#ifndef STOIC_CALIB_H
#define STOIC_CALIB_H

#include <stdint.h>

typedef enum {
    CALIB_UNSET = -1,
    CALIB_MINMAX = 0,     /* the observed range */
    CALIB_PERCENTILE = 1, /* the (100 - P)-th and P-th percentiles */
    CALIB_MSE = 2         /* least expected squared quantization error */
} calib_method;

typedef struct {
    double lo, hi;     /* pass 1: smallest and largest value; NaN once a NaN was seen
                        * (and +-Inf for infinite values): check isfinite before pass 2 */
    int64_t count;     /* pass 1: values seen */
    int nbins;         /* 0 until calib_hist_alloc */
    uint64_t *bins;    /* pass 2: bin k counts the values in [lo + k w, lo + (k+1) w),
                        * w = (hi - lo) / nbins; the last bin also holds hi (a value
                        * outside [lo, hi] is counted in the nearest end bin; a
                        * non-finite one is ignored). hi == lo: all in bin 0. */
    int64_t zeros;     /* pass 2: values exactly 0 (exactly representable: no rounding
                        * error; mse uses it) */
} calib_stat;

/* "minmax" -> CALIB_MINMAX, "percentile", "mse"; -1 when unknown. */
int calib_method_parse(const char *s);
/* "minmax", "percentile", "mse"; "unset" for CALIB_UNSET, "unknown" otherwise. */
const char *calib_method_name(calib_method m);

void calib_init(calib_stat *s);
void calib_free(calib_stat *s);   /* frees the bins; s can be initialised again */

/* Pass 1: min, max and count of n values. */
void calib_observe_range(calib_stat *s, const float *x, int64_t n);

/* After pass 1 (s->count > 0, s->lo and s->hi finite): nbins >= 1 zeroed
 * counters. Returns 0, or -1 when out of memory or nbins < 1. */
int calib_hist_alloc(calib_stat *s, int nbins);

/* Pass 2: counts the values into the histogram over [s->lo, s->hi]. Does
 * nothing before calib_hist_alloc. */
void calib_observe_hist(calib_stat *s, const float *x, int64_t n);

/* The range [*lo, *hi] (lo <= 0 <= hi) for method m:
 *
 * CALIB_MINMAX: [min, max] of pass 1, widened to contain 0. Needs no
 *   histogram.
 *
 * CALIB_PERCENTILE, percentile P in (50, 100): *hi is the P-th and *lo the
 *   (100 - P)-th percentile of the histogram, then widened to contain 0.
 *   Interpolation: the counts of each bin are taken as spread uniformly over
 *   the bin, so the cumulative distribution F is piecewise linear through
 *   the bin edges; the q-th percentile is the smallest x with
 *   F(x) = q / 100 * N (N = the histogram's total count), i.e. for the first
 *   bin k whose cumulative count C(k+1) reaches t = q / 100 * N,
 *   x = lo + w * (k + (t - C(k)) / count_k). It is within one bin width of
 *   the exact order statistic.
 *
 * CALIB_MSE: the candidate range with the least expected squared error of
 *   quantizing the histogram's values with the target scheme (int16 = 0:
 *   int8 asymmetric as quant_asym_s8; int16 = 1: int16 symmetric as
 *   quant_sym_s16). For a candidate with scale s, the grid's real range
 *   [g_lo, g_hi] (int8: s * (-128 - zp) .. s * (127 - zp), zp as
 *   quant_asym_s8 rounds it; int16: -32768 s .. 32767 s):
 *       E = s^2 / 12 * (in-range count - exact zeros)
 *         + sum over values above g_hi of (x - g_hi)^2
 *         + sum over values below g_lo of (x - g_lo)^2,
 *   with the values of each bin spread uniformly over it (the sums are
 *   exact integrals of that model, from prefix sums, O(1) per candidate).
 *   Candidates, with L = min(lo, 0), H = max(hi, 0):
 *     int8: coarse grid a = L * i / 128, b = H * j / 128 (i, j = 128 .. 0,
 *       the two ends shrunk independently; a zero-width range is skipped),
 *       then a fine grid around the best coarse (i, j):
 *       a = L * (32 i + u) / 4096, b = H * (32 j + v) / 4096,
 *       u, v = 32 .. -32, kept within [L, 0] and [0, H]. The range is [a, b].
 *     int16: A = M * j / 1024 (j = 1024 .. 1), M = max(-L, H), then
 *       A = M * (64 j + v) / 65536 (v = 64 .. -64, 1 <= 64 j + v <= 65536)
 *       around the best j; the range is [max(L, -A), min(H, A)] (its
 *       larger magnitude is A, so quant_sym_s16 gives scale A / 32767).
 *   Candidates are tried widest first; a later one replaces the best only
 *   when strictly better (so ties keep the wider range; min-max, the first,
 *   is kept unless something is better). When min == max the result is
 *   min-max's.
 *   Limits: the two-level search can miss a narrow second minimum between
 *   coarse grid points; the histogram resolves values only to (hi - lo) /
 *   nbins, so a bulk much narrower than that (outliers 1000 times its
 *   spread with 2048 bins) is seen as a few bins.
 *
 * Returns 0, or -1 when nothing was observed, the range is not finite, the
 * method is unknown, percentile is outside (50, 100) for CALIB_PERCENTILE,
 * a histogram is needed but missing or empty, or scratch memory is out. */
int calib_choose(const calib_stat *s, calib_method m, double percentile, int int16, double *lo,
                 double *hi);

#endif

/* Quantization parameters, chosen at build time (../shared/arithmetic.md).
 * Pure functions: the quantize pass and the tests use them. */
#ifndef STOIC_QUANT_H
#define STOIC_QUANT_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    double scale;       /* real = scale * (q - zero_point) */
    int32_t zero_point;
} quant_params;

/* int8 activations, asymmetric: [lo, hi] widened to contain 0;
 * scale = (hi - lo) / 255, zero_point = round(-128 - lo / scale) clamped to
 * [-128, 127] (round half away from zero). A range of width 0 (all zeros)
 * gets scale 1, zero point 0. Returns -1 for a non-finite or reversed range. */
int quant_asym_s8(double lo, double hi, quant_params *q);

/* int16 activations, symmetric: scale = max(|lo|, |hi|) / 32767, zero point
 * 0; scale 1 for an all-zero range. Returns -1 for a non-finite range. */
int quant_sym_s16(double lo, double hi, quant_params *q);

/* The effective multiplier M > 0 as M0 * 2^shift with M0 in [0.5, 1),
 * m = round(M0 * 2^31) (a result of 2^31 is halved and shift incremented).
 * Returns -1 when M is not positive and finite, or the shift leaves
 * [-31, 30] (the multiplier is unrepresentable). */
int quant_multiplier(double M, int32_t *m, int32_t *shift);
/* quant_multiplier's m (in [2^30, 2^31)) made a packed word (stoic_rt.h):
 * rounded to a multiple of 32, to nearest, ties up (2^31 becomes 2^30 at
 * shift + 1), plus, for a right shift (shift <= -1), the right shift
 * minus one in its low 5 bits. That word is the multiplier every kernel
 * uses (a relative change of the scale below 2^-26), and the packed
 * kernels read the shift from it too. -1 when the shift leaves [-31, 30]. */
int quant_multiplier_pack(int32_t *m, int32_t *shift);

/* Per-output-channel symmetric int8 weights: channel c of w (per values
 * each) gets scale_w[c] = max|w_c| / 127 (1 for an all-zero channel) and
 * q = round(w / scale_w[c]) in [-127, 127]. */
void quant_weights_s8(const float *w, int32_t channels, int64_t per, int8_t *q, double *scale);
/* The same with the range [-qmax, qmax] (7: int4 weights held as int8). */
void quant_weights_q(const float *w, int32_t channels, int64_t per, int32_t qmax, int8_t *q,
                     double *scale);

/* Calibration ranges over n values: min and max; or the p-th and
 * (100 - p)-th percentiles (p in (0, 50), e.g. 0.01; values sorted in a
 * scratch copy). Return -1 when n is 0 or a value is not finite. */
int quant_range_minmax(const float *x, size_t n, double *lo, double *hi);
int quant_range_percentile(const float *x, size_t n, double p, double *lo, double *hi);

#endif

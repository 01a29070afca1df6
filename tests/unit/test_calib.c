/* Calibration statistics (generator/calib.c). Hand-derived cases for the
 * two passes and the min-max and percentile ranges; for mse, properties
 * derived on paper and measured checks: the data are quantized and
 * dequantized with the range chosen (quant_asym_s8 / quant_sym_s16 and
 * round-half-away-from-zero with clamping, written here), and the real
 * squared error is compared with min-max's and with the best of a
 * brute-force grid search written here. */
/* REQ: REQ-ARITH-008 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "calib.h"
#include "quant.h"
#include "unit.h"

/* ---- deterministic data ------------------------------------------------ */

static uint64_t rng_state;

static double uniform01(void) /* in (0, 1) */
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return ((double)((rng_state * 2685821657736338717ULL) >> 11) + 0.5) / 9007199254740992.0;
}

static double gauss(void)
{
    double u = uniform01(), v = uniform01();
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

/* Both passes over x in chunks of `chunk` values. */
static void observe_all(calib_stat *s, const float *x, int64_t n, int nbins, int64_t chunk)
{
    int64_t i;
    calib_init(s);
    for (i = 0; i < n; i += chunk) {
        calib_observe_range(s, x + i, n - i < chunk ? n - i : chunk);
    }
    CU_ASSERT_EQUAL_FATAL(calib_hist_alloc(s, nbins), 0);
    for (i = 0; i < n; i += chunk) {
        calib_observe_hist(s, x + i, n - i < chunk ? n - i : chunk);
    }
}

/* ---- the real quantization error (independent of calib.c) -------------- */

static double qdq_s8(double x, const quant_params *p)
{
    double q = round(x / p->scale) + (double)p->zero_point;
    q = q < -128.0 ? -128.0 : (q > 127.0 ? 127.0 : q);
    return p->scale * (q - (double)p->zero_point);
}

static double qdq_s16(double x, const quant_params *p)
{
    double q = round(x / p->scale);
    q = q < -32768.0 ? -32768.0 : (q > 32767.0 ? 32767.0 : q);
    return p->scale * q;
}

/* Sum of squared errors of quantizing x[0..n) with the range [lo, hi]. */
static double real_err(const float *x, int64_t n, double lo, double hi, int int16)
{
    quant_params p;
    double e = 0.0;
    int64_t i;
    if ((int16 ? quant_sym_s16(lo, hi, &p) : quant_asym_s8(lo, hi, &p)) != 0) {
        return HUGE_VAL;
    }
    for (i = 0; i < n; i++) {
        double d = (double)x[i] - (int16 ? qdq_s16((double)x[i], &p) : qdq_s8((double)x[i], &p));
        e += d * d;
    }
    return e;
}

/* The same for int8, fast, for the grid search: x sorted, with prefix sums
 * of x and x^2. The values that quantize to one level q form a run of the
 * sorted array (quantization is monotone); binary search finds it with the
 * same qdq_s8, and the run's error is S2 - 2 v S1 + v^2 n. */
typedef struct {
    const double *x; /* sorted */
    int64_t n;
    const long double *s1, *s2; /* s1[i] = x[0] + ... + x[i-1] */
} sorted_data;

static int64_t first_above(const sorted_data *D, const quant_params *p, double q)
{
    int64_t a = 0, b = D->n; /* first index whose level is > q */
    while (a < b) {
        int64_t m = a + (b - a) / 2;
        double lev = round(D->x[m] / p->scale) + (double)p->zero_point;
        lev = lev < -128.0 ? -128.0 : (lev > 127.0 ? 127.0 : lev);
        if (lev > q) {
            b = m;
        } else {
            a = m + 1;
        }
    }
    return a;
}

static double fast_err_s8(const sorted_data *D, double lo, double hi)
{
    quant_params p;
    long double e = 0.0L;
    int64_t start = 0;
    int q;
    if (quant_asym_s8(lo, hi, &p) != 0) {
        return HUGE_VAL;
    }
    for (q = -128; q <= 127 && start < D->n; q++) {
        int64_t end = first_above(D, &p, (double)q);
        if (end > start) {
            long double v = (long double)(p.scale * ((double)q - (double)p.zero_point));
            long double s1 = D->s1[end] - D->s1[start], s2 = D->s2[end] - D->s2[start];
            long double c = s2 - 2.0L * v * s1 + v * v * (long double)(end - start);
            e += c > 0.0L ? c : 0.0L;
        }
        start = end;
    }
    return (double)e;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : (x > y ? 1 : 0);
}

/* ---- pass 1 and pass 2 -------------------------------------------------- */

static void test_range_pass(void)
{
    static const float a[] = {3.0f, -1.5f, 7.25f}, b[] = {0.0f, -2.0f};
    float bad[3] = {1.0f, 0.0f, 2.0f};
    calib_stat s;
    double lo = 1, hi = 1;
    calib_init(&s);
    CU_ASSERT_EQUAL(s.count, 0);
    CU_ASSERT_PTR_NULL(s.bins);
    CU_ASSERT_EQUAL(calib_choose(&s, CALIB_MINMAX, 0.0, 0, &lo, &hi), -1); /* nothing seen */
    calib_observe_range(&s, a, 3);
    calib_observe_range(&s, b, 0);
    calib_observe_range(&s, b, 2);
    CU_ASSERT_EQUAL(s.count, 5);
    CU_ASSERT_DOUBLE_EQUAL(s.lo, -2.0, 0.0);
    CU_ASSERT_DOUBLE_EQUAL(s.hi, 7.25, 0.0);
    calib_free(&s);

    /* a NaN anywhere makes the range NaN (the caller checks isfinite) */
    bad[1] = NAN;
    calib_init(&s);
    calib_observe_range(&s, bad, 3);
    CU_ASSERT(isnan(s.lo) && isnan(s.hi));
    CU_ASSERT_EQUAL(calib_choose(&s, CALIB_MINMAX, 0.0, 0, &lo, &hi), -1);
    calib_free(&s);
    bad[0] = NAN;
    bad[1] = 0.0f;
    calib_init(&s);
    calib_observe_range(&s, bad, 3); /* NaN first */
    CU_ASSERT(isnan(s.lo) && isnan(s.hi));
    calib_free(&s);
    /* an infinity is kept as the bound */
    bad[0] = 1.0f;
    bad[2] = -INFINITY;
    calib_init(&s);
    calib_observe_range(&s, bad, 3);
    CU_ASSERT(isinf(s.lo) && s.lo < 0 && s.hi == 1.0);
    CU_ASSERT_EQUAL(calib_choose(&s, CALIB_MINMAX, 0.0, 0, &lo, &hi), -1);
    calib_free(&s);
}

static void test_hist_pass(void)
{
    float x[1000], odd[6] = {-5.0f, 0.0f, 2.5f, 5.0f, 99.0f, -99.0f};
    calib_stat s;
    int k;
    for (k = 0; k < 1000; k++) {
        x[k] = (float)k;
    }
    /* 0..999 in 10 bins of width 99.9: bin k = [99.9 k, 99.9 (k+1)) holds
     * 100 k .. 100 k + 99 (999 = hi goes to the last bin) */
    observe_all(&s, x, 1000, 10, 1000);
    CU_ASSERT_EQUAL(s.nbins, 10);
    for (k = 0; k < 10; k++) {
        CU_ASSERT_EQUAL(s.bins[k], 100);
    }
    CU_ASSERT_EQUAL(s.zeros, 1);
    /* pass 2 before calib_hist_alloc does nothing; nbins < 1 is refused */
    calib_free(&s);
    calib_init(&s);
    calib_observe_range(&s, x, 10);
    calib_observe_hist(&s, x, 10);
    CU_ASSERT_PTR_NULL(s.bins);
    CU_ASSERT_EQUAL(calib_hist_alloc(&s, 0), -1);
    calib_free(&s);

    /* [-5, 5] in 4 bins of 2.5: -5 -> 0, 0 -> 2, 2.5 -> 3, 5 -> 3 (hi);
     * values outside the range go to the end bins, a NaN is ignored */
    calib_init(&s);
    calib_observe_range(&s, odd, 4);
    CU_ASSERT_EQUAL(calib_hist_alloc(&s, 4), 0);
    odd[5] = NAN;
    calib_observe_hist(&s, odd, 6);
    CU_ASSERT_EQUAL(s.bins[0], 1);
    CU_ASSERT_EQUAL(s.bins[1], 0);
    CU_ASSERT_EQUAL(s.bins[2], 1);
    CU_ASSERT_EQUAL(s.bins[3], 3);
    CU_ASSERT_EQUAL(s.zeros, 1);
    calib_free(&s);

    /* one value: everything in bin 0 */
    x[0] = x[1] = x[2] = -3.0f;
    observe_all(&s, x, 3, 8, 1);
    CU_ASSERT_EQUAL(s.bins[0], 3);
    CU_ASSERT_EQUAL(s.zeros, 0);
    calib_free(&s);
}

/* ---- min-max and percentile --------------------------------------------- */

static void test_minmax(void)
{
    float x[1000];
    calib_stat s;
    double lo, hi;
    int k;
    for (k = 0; k < 1000; k++) {
        x[k] = (float)k;
    }
    observe_all(&s, x, 1000, 2048, 7);
    CU_ASSERT_EQUAL(calib_choose(&s, CALIB_MINMAX, 0.0, 0, &lo, &hi), 0);
    CU_ASSERT_DOUBLE_EQUAL(lo, 0.0, 0.0);
    CU_ASSERT_DOUBLE_EQUAL(hi, 999.0, 0.0);
    calib_free(&s);
    /* widened to contain 0, on either side; no histogram needed */
    x[0] = 2.0f;
    x[1] = 7.5f;
    calib_init(&s);
    calib_observe_range(&s, x, 2);
    CU_ASSERT_EQUAL(calib_choose(&s, CALIB_MINMAX, 0.0, 1, &lo, &hi), 0);
    CU_ASSERT_DOUBLE_EQUAL(lo, 0.0, 0.0);
    CU_ASSERT_DOUBLE_EQUAL(hi, 7.5, 0.0);
    calib_free(&s);
    x[0] = -5.0f;
    x[1] = -1.0f;
    calib_init(&s);
    calib_observe_range(&s, x, 2);
    CU_ASSERT_EQUAL(calib_choose(&s, CALIB_MINMAX, 0.0, 0, &lo, &hi), 0);
    CU_ASSERT_DOUBLE_EQUAL(lo, -5.0, 0.0);
    CU_ASSERT_DOUBLE_EQUAL(hi, 0.0, 0.0);
    /* unknown methods */
    CU_ASSERT_EQUAL(calib_choose(&s, CALIB_UNSET, 0.0, 0, &lo, &hi), -1);
    CU_ASSERT_EQUAL(calib_choose(&s, (calib_method)7, 0.0, 0, &lo, &hi), -1);
    /* percentile and mse need the histogram */
    CU_ASSERT_EQUAL(calib_choose(&s, CALIB_PERCENTILE, 99.0, 0, &lo, &hi), -1);
    CU_ASSERT_EQUAL(calib_choose(&s, CALIB_MSE, 0.0, 0, &lo, &hi), -1);
    calib_free(&s);
}

static void test_percentile(void)
{
    float x[1000], y[5] = {0.0f, 0.0f, 0.0f, 0.0f, 10.0f};
    calib_stat s;
    double lo, hi, w;
    int k;
    for (k = 0; k < 1000; k++) {
        x[k] = (float)k;
    }
    /* 0..999 in 1000 bins of w = 0.999: bin i holds the value i (999 is
     * clamped into bin 999). P = 99: t = 990 values; the first bin whose
     * cumulative count reaches 990 is bin 989 (counts 0..989), f = 1, so
     * hi = 0.999 * 990 = 989.01, within one bin width of 990. The 1st
     * percentile (t = 10 -> 9.99) is widened to 0. */
    observe_all(&s, x, 1000, 1000, 1000);
    w = 999.0 / 1000.0;
    CU_ASSERT_EQUAL(calib_choose(&s, CALIB_PERCENTILE, 99.0, 0, &lo, &hi), 0);
    CU_ASSERT_DOUBLE_EQUAL(hi, 989.01, 1e-9);
    CU_ASSERT(fabs(hi - 990.0) <= w);
    CU_ASSERT_DOUBLE_EQUAL(lo, 0.0, 0.0);
    calib_free(&s);

    /* 10 bins of 99.9, 100 values each: t = 990 falls in bin 9 after 900,
     * f = 90 / 100: hi = 99.9 * 9.9 = 989.01 again */
    observe_all(&s, x, 1000, 10, 333);
    CU_ASSERT_EQUAL(calib_choose(&s, CALIB_PERCENTILE, 99.0, 0, &lo, &hi), 0);
    CU_ASSERT_DOUBLE_EQUAL(hi, 989.01, 1e-9);
    /* P = 99.95: t = 999.5, f = 99.5 / 100: hi = 99.9 * 9.995 = 998.5005 */
    CU_ASSERT_EQUAL(calib_choose(&s, CALIB_PERCENTILE, 99.95, 0, &lo, &hi), 0);
    CU_ASSERT_DOUBLE_EQUAL(hi, 998.5005, 1e-9);
    calib_free(&s);

    /* -500..499 in 1000 bins (bin i holds i - 500), P = 99:
     * hi = -500 + 0.999 * 990 = 489.01; lo: t = 10 -> bin 9, f = 1:
     * -500 + 0.999 * 10 = -490.01 */
    for (k = 0; k < 1000; k++) {
        x[k] = (float)(k - 500);
    }
    observe_all(&s, x, 1000, 1000, 64);
    CU_ASSERT_EQUAL(calib_choose(&s, CALIB_PERCENTILE, 99.0, 0, &lo, &hi), 0);
    CU_ASSERT_DOUBLE_EQUAL(hi, 489.01, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(lo, -490.01, 1e-9);
    /* P must be in (50, 100) */
    CU_ASSERT_EQUAL(calib_choose(&s, CALIB_PERCENTILE, 50.0, 0, &lo, &hi), -1);
    CU_ASSERT_EQUAL(calib_choose(&s, CALIB_PERCENTILE, 100.0, 0, &lo, &hi), -1);
    CU_ASSERT_EQUAL(calib_choose(&s, CALIB_PERCENTILE, 0.01, 0, &lo, &hi), -1);
    CU_ASSERT_EQUAL(calib_choose(&s, CALIB_PERCENTILE, NAN, 0, &lo, &hi), -1);
    calib_free(&s);

    /* interpolation inside a bin: {0, 0, 0, 0, 10} in 2 bins of 5:
     * bin 0 holds 4, bin 1 holds 1. P = 60: t = 3 in bin 0, f = 3/4,
     * hi = 3.75; (100 - 60) = 40: t = 2, lo = 2.5, widened to 0 */
    observe_all(&s, y, 5, 2, 5);
    CU_ASSERT_EQUAL(calib_choose(&s, CALIB_PERCENTILE, 60.0, 0, &lo, &hi), 0);
    CU_ASSERT_DOUBLE_EQUAL(hi, 3.75, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(lo, 0.0, 0.0);
    /* P = 90: t = 4.5: bin 1, f = 0.5: 7.5 */
    CU_ASSERT_EQUAL(calib_choose(&s, CALIB_PERCENTILE, 90.0, 0, &lo, &hi), 0);
    CU_ASSERT_DOUBLE_EQUAL(hi, 7.5, 1e-12);
    calib_free(&s);
}

/* ---- mse --------------------------------------------------------------- */

static void test_mse_simple(void)
{
    float x[4] = {3.0f, 3.0f, 3.0f, 3.0f};
    float *u;
    calib_stat s;
    double lo, hi;
    int k, n = 200001;
    /* one value: nothing to trade, min-max's range */
    observe_all(&s, x, 4, 2048, 4);
    CU_ASSERT_EQUAL(calib_choose(&s, CALIB_MSE, 0.0, 0, &lo, &hi), 0);
    CU_ASSERT_DOUBLE_EQUAL(lo, 0.0, 0.0);
    CU_ASSERT_DOUBLE_EQUAL(hi, 3.0, 0.0);
    CU_ASSERT_EQUAL(calib_choose(&s, CALIB_MSE, 0.0, 1, &lo, &hi), 0);
    CU_ASSERT_DOUBLE_EQUAL(hi, 3.0, 0.0);
    calib_free(&s);

    /* Uniform on [-1, 1] (N values, density N/2): clipping both ends at c
     * costs N/2 * 2 (1-c)^3 / 3 and makes the int8 step 2c/255, noise
     * N (2c/255)^2 / 12. The derivative vanishes at
     * (1 - c)^2 = c * 8 / (12 * 65025), 1 - c ~ 0.0032: the mse range is
     * within 1% of the full range on each side. For int16 (step c/32767)
     * 1 - c ~ 1e-5. */
    u = malloc((size_t)n * sizeof *u);
    CU_ASSERT_PTR_NOT_NULL_FATAL(u);
    for (k = 0; k < n; k++) {
        u[k] = (float)(-1.0 + 2.0 * (double)k / (double)(n - 1));
    }
    observe_all(&s, u, n, 2048, 4096);
    CU_ASSERT_EQUAL(calib_choose(&s, CALIB_MSE, 0.0, 0, &lo, &hi), 0);
    CU_ASSERT(lo <= -0.99 && lo >= -1.0);
    CU_ASSERT(hi >= 0.99 && hi <= 1.0);
    CU_ASSERT_EQUAL(calib_choose(&s, CALIB_MSE, 0.0, 1, &lo, &hi), 0);
    CU_ASSERT(fmax(-lo, hi) >= 0.999 && fmax(-lo, hi) <= 1.0);
    CU_ASSERT(lo >= -1.0 && hi <= 1.0 && lo <= 0.0 && hi >= 0.0);
    calib_free(&s);
    free(u);
}

/* Gaussian data (sigma 1, 10^6 values) with 7 large outliers: the mse
 * range's real int8 error is below min-max's and within 5% of the best
 * range of a 160 x 160 grid over [min, 0] x [0, max]. */
static void test_mse_gauss_outliers_s8(void)
{
    static const float outl[] = {30.0f, 24.0f, -20.0f, 27.0f, -26.0f, 15.0f, -12.0f};
    const int64_t ng = 1000000, n = ng + 7;
    const int G = 160;
    float *x = malloc((size_t)n * sizeof *x);
    double *xs = malloc((size_t)n * sizeof *xs);
    long double *s1 = malloc((size_t)(n + 1) * sizeof *s1), *s2 = malloc((size_t)(n + 1) * sizeof *s2);
    sorted_data D;
    calib_stat s;
    double lo, hi, mlo, mhi, e_mse, e_mm, best = HUGE_VAL, blo = 0, bhi = 0;
    double lo2, hi2;
    int64_t i;
    int a, b;
    CU_ASSERT_FATAL(x != NULL && xs != NULL && s1 != NULL && s2 != NULL);
    rng_state = 0x9E3779B97F4A7C15ULL;
    for (i = 0; i < ng; i++) {
        x[i] = (float)gauss();
    }
    for (i = 0; i < 7; i++) {
        x[ng + i] = outl[i];
    }
    /* shuffle the outliers in (the passes must not care about the order) */
    for (i = 0; i < 7; i++) {
        int64_t j = (int64_t)(uniform01() * (double)n);
        float t = x[j];
        x[j] = x[ng + i];
        x[ng + i] = t;
    }
    observe_all(&s, x, n, 2048, 10007);
    CU_ASSERT_EQUAL(calib_choose(&s, CALIB_MINMAX, 0.0, 0, &mlo, &mhi), 0);
    CU_ASSERT_EQUAL(calib_choose(&s, CALIB_MSE, 0.0, 0, &lo, &hi), 0);
    CU_ASSERT(lo <= 0.0 && hi >= 0.0 && lo >= mlo && hi <= mhi);

    /* the same data in other chunks: the same bits */
    calib_free(&s);
    observe_all(&s, x, n, 2048, 1);
    CU_ASSERT_EQUAL(calib_choose(&s, CALIB_MSE, 0.0, 0, &lo2, &hi2), 0);
    CU_ASSERT(memcmp(&lo, &lo2, sizeof lo) == 0 && memcmp(&hi, &hi2, sizeof hi) == 0);
    calib_free(&s);

    e_mse = real_err(x, n, lo, hi, 0);
    e_mm = real_err(x, n, mlo, mhi, 0);

    for (i = 0; i < n; i++) {
        xs[i] = (double)x[i];
    }
    qsort(xs, (size_t)n, sizeof *xs, cmp_double);
    s1[0] = s2[0] = 0.0L;
    for (i = 0; i < n; i++) {
        s1[i + 1] = s1[i] + (long double)xs[i];
        s2[i + 1] = s2[i] + (long double)xs[i] * (long double)xs[i];
    }
    D.x = xs;
    D.n = n;
    D.s1 = s1;
    D.s2 = s2;
    /* the fast evaluator agrees with the direct one */
    CU_ASSERT(fabs(fast_err_s8(&D, lo, hi) - e_mse) <= 1e-6 * e_mse);
    CU_ASSERT(fabs(fast_err_s8(&D, mlo, mhi) - e_mm) <= 1e-6 * e_mm);
    for (a = 0; a <= G; a++) {
        for (b = 0; b <= G; b++) {
            double glo = mlo * (double)a / G, ghi = mhi * (double)b / G, e;
            if (!(ghi > glo)) {
                continue;
            }
            e = fast_err_s8(&D, glo, ghi);
            if (e < best) {
                best = e;
                blo = glo;
                bhi = ghi;
            }
        }
    }
    best = real_err(x, n, blo, bhi, 0);
    printf("\n    int8 gauss+outliers: minmax [%g, %g] err %.6g; mse [%g, %g] err %.6g; "
           "grid best [%g, %g] err %.6g ",
           mlo, mhi, e_mm, lo, hi, e_mse, blo, bhi, best);
    CU_ASSERT(e_mse < e_mm);
    CU_ASSERT(e_mse <= 1.05 * best);
    free(x);
    free(xs);
    free(s1);
    free(s2);
}

/* ReLU-like data: half exact zeros, half |gaussian|, two outliers. All
 * ranges are [0, hi]; brute force over hi (direct error, 300 points). */
static void test_mse_relu_s8(void)
{
    const int64_t n = 200002;
    float *x = malloc((size_t)n * sizeof *x);
    calib_stat s;
    double lo, hi, mlo, mhi, e_mse, e_mm, best = HUGE_VAL, bhi = 0;
    int64_t i;
    int b;
    CU_ASSERT_PTR_NOT_NULL_FATAL(x);
    rng_state = 12345;
    for (i = 0; i < n - 2; i++) {
        x[i] = (i % 2) ? (float)fabs(gauss()) : 0.0f;
    }
    x[n - 2] = 16.0f;
    x[n - 1] = 11.0f;
    observe_all(&s, x, n, 2048, 4096);
    CU_ASSERT_EQUAL(s.zeros, (n - 2) / 2);
    CU_ASSERT_EQUAL(calib_choose(&s, CALIB_MINMAX, 0.0, 0, &mlo, &mhi), 0);
    CU_ASSERT_EQUAL(calib_choose(&s, CALIB_MSE, 0.0, 0, &lo, &hi), 0);
    calib_free(&s);
    CU_ASSERT_DOUBLE_EQUAL(lo, 0.0, 0.0);
    e_mse = real_err(x, n, lo, hi, 0);
    e_mm = real_err(x, n, mlo, mhi, 0);
    for (b = 1; b <= 300; b++) {
        double e = real_err(x, n, 0.0, mhi * (double)b / 300.0, 0);
        if (e < best) {
            best = e;
            bhi = mhi * (double)b / 300.0;
        }
    }
    printf("\n    int8 relu: minmax hi %g err %.6g; mse hi %g err %.6g; grid best hi %g err %.6g ",
           mhi, e_mm, hi, e_mse, bhi, best);
    CU_ASSERT(e_mse < e_mm);
    CU_ASSERT(e_mse <= 1.05 * best);
    free(x);
}

/* int16 symmetric: Gaussian data with a heavy tail (a tenth of the values
 * scaled by 10, two by 300). Brute force over the clipping magnitude A
 * (direct error, 400 points); the mse range is within 5% of the best and
 * not worse than min-max's by more than that. */
static void test_mse_s16(void)
{
    const int64_t n = 200000;
    float *x = malloc((size_t)n * sizeof *x);
    calib_stat s;
    double lo, hi, mlo, mhi, e_mse, e_mm, best = HUGE_VAL, bA = 0, M;
    int64_t i;
    int j;
    CU_ASSERT_PTR_NOT_NULL_FATAL(x);
    rng_state = 777;
    for (i = 0; i < n; i++) {
        x[i] = (float)(gauss() * (i % 10 == 0 ? 10.0 : 1.0));
    }
    x[5] = 300.0f;
    x[6] = -250.0f;
    observe_all(&s, x, n, 2048, 999);
    CU_ASSERT_EQUAL(calib_choose(&s, CALIB_MINMAX, 0.0, 1, &mlo, &mhi), 0);
    CU_ASSERT_EQUAL(calib_choose(&s, CALIB_MSE, 0.0, 1, &lo, &hi), 0);
    calib_free(&s);
    CU_ASSERT(lo <= 0.0 && hi >= 0.0 && lo >= mlo && hi <= mhi);
    e_mse = real_err(x, n, lo, hi, 1);
    e_mm = real_err(x, n, mlo, mhi, 1);
    M = fmax(-mlo, mhi);
    for (j = 1; j <= 400; j++) {
        double A = M * (double)j / 400.0, e = real_err(x, n, -A, A, 1);
        if (e < best) {
            best = e;
            bA = A;
        }
    }
    printf("\n    int16: minmax [%g, %g] err %.6g; mse [%g, %g] err %.6g; grid best A %g err %.6g ",
           mlo, mhi, e_mm, lo, hi, e_mse, bA, best);
    CU_ASSERT(e_mse <= 1.05 * best);
    CU_ASSERT(e_mse <= 1.05 * e_mm);
    free(x);
}

UNIT_SUITE(suite_calib)
{
    CU_pSuite s = CU_add_suite("calib", NULL, NULL);
    CU_add_test(s, "pass 1: min, max, count, NaN and Inf", test_range_pass);
    CU_add_test(s, "pass 2: histogram bins by hand", test_hist_pass);
    CU_add_test(s, "min-max ranges", test_minmax);
    CU_add_test(s, "percentile ranges by hand", test_percentile);
    CU_add_test(s, "mse: one value, uniform data", test_mse_simple);
    CU_add_test(s, "mse int8: gaussian with outliers vs min-max and a grid search",
                test_mse_gauss_outliers_s8);
    CU_add_test(s, "mse int8: relu-like data vs min-max and a grid search", test_mse_relu_s8);
    CU_add_test(s, "mse int16: heavy tail vs a grid search", test_mse_s16);
}

#include "calib.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "quant.h"

/* mse candidate grids (calib.h) */
#define S8_COARSE 128     /* steps per end, coarse */
#define S8_FINE 32        /* subdivisions of one coarse step */
#define S16_COARSE 1024
#define S16_FINE 64

int calib_method_parse(const char *s)
{
    if (s == NULL) {
        return -1;
    }
    if (strcmp(s, "minmax") == 0) {
        return CALIB_MINMAX;
    }
    if (strcmp(s, "percentile") == 0) {
        return CALIB_PERCENTILE;
    }
    if (strcmp(s, "mse") == 0) {
        return CALIB_MSE;
    }
    return -1;
}

const char *calib_method_name(calib_method m)
{
    switch (m) {
    case CALIB_UNSET:
        return "unset";
    case CALIB_MINMAX:
        return "minmax";
    case CALIB_PERCENTILE:
        return "percentile";
    case CALIB_MSE:
        return "mse";
    default:
        return "unknown";
    }
}

void calib_init(calib_stat *s)
{
    memset(s, 0, sizeof *s);
    s->lo = 0.0;
    s->hi = 0.0;
    s->bins = NULL;
}

void calib_free(calib_stat *s)
{
    free(s->bins);
    s->bins = NULL;
    s->nbins = 0;
}

void calib_observe_range(calib_stat *s, const float *x, int64_t n)
{
    int64_t i;
    for (i = 0; i < n; i++) {
        double v = (double)x[i];
        if (s->count == 0 || isnan(v)) {
            s->lo = v; /* a NaN stays: no comparison with it is true */
            s->hi = v;
        } else {
            s->lo = v < s->lo ? v : s->lo;
            s->hi = v > s->hi ? v : s->hi;
        }
        s->count++;
    }
}

int calib_hist_alloc(calib_stat *s, int nbins)
{
    free(s->bins);
    s->bins = NULL;
    s->nbins = 0;
    s->zeros = 0;
    if (nbins < 1) {
        return -1;
    }
    s->bins = calloc((size_t)nbins, sizeof *s->bins);
    if (s->bins == NULL) {
        return -1;
    }
    s->nbins = nbins;
    return 0;
}

void calib_observe_hist(calib_stat *s, const float *x, int64_t n)
{
    int64_t i;
    double w;
    int last = s->nbins - 1;
    if (s->bins == NULL || s->nbins < 1 || !isfinite(s->lo) || !isfinite(s->hi)) {
        return;
    }
    w = (s->hi - s->lo) / (double)s->nbins;
    for (i = 0; i < n; i++) {
        double v = (double)x[i], t;
        int k = 0;
        if (!isfinite(v)) {
            continue;
        }
        if (v == 0.0) {
            s->zeros++;
        }
        if (w > 0.0) {
            t = (v - s->lo) / w;
            k = t < 0.0 ? 0 : (t >= (double)last ? last : (int)t);
        }
        s->bins[k]++;
    }
}

/* ---- percentile ------------------------------------------------------- */

/* The smallest x with F(x) = t, F piecewise linear through the bin edges. */
static double inv_cdf(const calib_stat *s, double t)
{
    double w = (s->hi - s->lo) / (double)s->nbins, cum = 0.0, x = s->hi;
    int k;
    for (k = 0; k < s->nbins; k++) {
        double c = (double)s->bins[k];
        if (c > 0.0 && cum + c >= t) {
            double f = (t - cum) / c;
            f = f < 0.0 ? 0.0 : (f > 1.0 ? 1.0 : f);
            x = s->lo + w * ((double)k + f);
            break;
        }
        cum += c;
    }
    return x < s->lo ? s->lo : (x > s->hi ? s->hi : x);
}

static double hist_total(const calib_stat *s)
{
    double n = 0.0;
    int k;
    for (k = 0; k < s->nbins; k++) {
        n += (double)s->bins[k];
    }
    return n;
}

/* ---- mse -------------------------------------------------------------- */

typedef struct {
    double lo, w, top;     /* histogram: first edge, bin width, last edge */
    int n;
    const uint64_t *c;
    double total, zeros;
    double *p0, *p1, *p2;  /* bins [0, k): count, sum of x, sum of x^2 */
    double *q0, *q1, *q2;  /* bins [k, n) */
} mse_ctx;

static int mse_prepare(mse_ctx *X, const calib_stat *s)
{
    int k, n = s->nbins;
    double *buf = malloc(6 * (size_t)(n + 1) * sizeof *buf);
    if (buf == NULL) {
        return -1;
    }
    X->lo = s->lo;
    X->n = n;
    X->w = (s->hi - s->lo) / (double)n;
    X->top = s->hi;
    X->c = s->bins;
    X->p0 = buf;
    X->p1 = buf + (n + 1);
    X->p2 = buf + 2 * (n + 1);
    X->q0 = buf + 3 * (n + 1);
    X->q1 = buf + 4 * (n + 1);
    X->q2 = buf + 5 * (n + 1);
    X->p0[0] = X->p1[0] = X->p2[0] = 0.0;
    for (k = 0; k < n; k++) {
        double m = X->lo + ((double)k + 0.5) * X->w, c = (double)s->bins[k];
        X->p0[k + 1] = X->p0[k] + c;
        X->p1[k + 1] = X->p1[k] + c * m;
        X->p2[k + 1] = X->p2[k] + c * (m * m + X->w * X->w / 12.0);
    }
    X->q0[n] = X->q1[n] = X->q2[n] = 0.0;
    for (k = n - 1; k >= 0; k--) {
        double m = X->lo + ((double)k + 0.5) * X->w, c = (double)s->bins[k];
        X->q0[k] = X->q0[k + 1] + c;
        X->q1[k] = X->q1[k + 1] + c * m;
        X->q2[k] = X->q2[k + 1] + c * (m * m + X->w * X->w / 12.0);
    }
    X->total = X->p0[n];
    X->zeros = (double)s->zeros;
    return 0;
}

/* sum c (x - q)^2 from the moment sums s0, s1, s2 (>= 0 despite rounding) */
static double sq_about(double s0, double s1, double s2, double q)
{
    double v = s2 - 2.0 * q * s1 + q * q * s0;
    return v > 0.0 ? v : 0.0;
}

static int bin_of(const mse_ctx *X, double q)
{
    double t = (q - X->lo) / X->w;
    return t < 0.0 ? 0 : (t >= (double)(X->n - 1) ? X->n - 1 : (int)t);
}

/* The count above q and the sum of (x - q)^2 over it. */
static void above(const mse_ctx *X, double q, double *mass, double *cost)
{
    int k;
    double r, c;
    if (q >= X->top) {
        *mass = *cost = 0.0;
        return;
    }
    if (q < X->lo) {
        *mass = X->q0[0];
        *cost = sq_about(X->q0[0], X->q1[0], X->q2[0], q);
        return;
    }
    k = bin_of(X, q);
    r = X->lo + (double)(k + 1) * X->w - q; /* the part of bin k above q */
    r = r < 0.0 ? 0.0 : (r > X->w ? X->w : r);
    c = (double)X->c[k];
    *mass = c * r / X->w + X->q0[k + 1];
    *cost = c / X->w * r * r * r / 3.0 + sq_about(X->q0[k + 1], X->q1[k + 1], X->q2[k + 1], q);
}

/* The count below q and the sum of (q - x)^2 over it. */
static void below(const mse_ctx *X, double q, double *mass, double *cost)
{
    int k;
    double r, c;
    if (q <= X->lo) {
        *mass = *cost = 0.0;
        return;
    }
    if (q > X->top) {
        *mass = X->p0[X->n];
        *cost = sq_about(X->p0[X->n], X->p1[X->n], X->p2[X->n], q);
        return;
    }
    k = bin_of(X, q);
    r = q - (X->lo + (double)k * X->w); /* the part of bin k below q */
    r = r < 0.0 ? 0.0 : (r > X->w ? X->w : r);
    c = (double)X->c[k];
    *mass = c * r / X->w + X->p0[k];
    *cost = c / X->w * r * r * r / 3.0 + sq_about(X->p0[k], X->p1[k], X->p2[k], q);
}

/* Expected squared error of a grid of step s covering [glo, ghi]. */
static double expected_err(const mse_ctx *X, double s, double glo, double ghi)
{
    double ma, ca, mb, cb, in;
    above(X, ghi, &ma, &ca);
    below(X, glo, &mb, &cb);
    in = X->total - ma - mb - X->zeros;
    in = in > 0.0 ? in : 0.0;
    return s * s / 12.0 * in + ca + cb;
}

static int err_s8(const mse_ctx *X, double a, double b, double *e)
{
    quant_params q;
    if (!(b - a > 0.0) || quant_asym_s8(a, b, &q) != 0) {
        return -1;
    }
    *e = expected_err(X, q.scale, q.scale * (-128.0 - (double)q.zero_point),
                      q.scale * (127.0 - (double)q.zero_point));
    return 0;
}

static int err_s16(const mse_ctx *X, double A, double *e)
{
    quant_params q;
    if (!(A > 0.0) || quant_sym_s16(-A, A, &q) != 0) {
        return -1;
    }
    *e = expected_err(X, q.scale, -32768.0 * q.scale, 32767.0 * q.scale);
    return 0;
}

static void search_s8(const mse_ctx *X, double L, double H, double *lo, double *hi)
{
    const int fine = S8_COARSE * S8_FINE;
    double best = HUGE_VAL, e;
    int i, j, u, v, bi = S8_COARSE, bj = S8_COARSE;
    *lo = L;
    *hi = H;
    for (i = S8_COARSE; i >= 0; i--) {
        for (j = S8_COARSE; j >= 0; j--) {
            double a = L * (double)i / (double)S8_COARSE, b = H * (double)j / (double)S8_COARSE;
            if (err_s8(X, a, b, &e) == 0 && e < best) {
                best = e;
                bi = i;
                bj = j;
                *lo = a;
                *hi = b;
            }
        }
    }
    for (u = S8_FINE; u >= -S8_FINE; u--) {
        int I = bi * S8_FINE + u;
        if (I < 0 || I > fine) {
            continue;
        }
        for (v = S8_FINE; v >= -S8_FINE; v--) {
            int J = bj * S8_FINE + v;
            double a, b;
            if (J < 0 || J > fine) {
                continue;
            }
            a = L * (double)I / (double)fine;
            b = H * (double)J / (double)fine;
            if (err_s8(X, a, b, &e) == 0 && e < best) {
                best = e;
                *lo = a;
                *hi = b;
            }
        }
    }
}

static void search_s16(const mse_ctx *X, double L, double H, double *lo, double *hi)
{
    const int fine = S16_COARSE * S16_FINE;
    double M = -L > H ? -L : H, best = HUGE_VAL, e, A = M;
    int j, v, bj = S16_COARSE;
    for (j = S16_COARSE; j >= 1; j--) {
        double a = M * (double)j / (double)S16_COARSE;
        if (err_s16(X, a, &e) == 0 && e < best) {
            best = e;
            bj = j;
            A = a;
        }
    }
    for (v = S16_FINE; v >= -S16_FINE; v--) {
        int J = bj * S16_FINE + v;
        double a;
        if (J < 1 || J > fine) {
            continue;
        }
        a = M * (double)J / (double)fine;
        if (err_s16(X, a, &e) == 0 && e < best) {
            best = e;
            A = a;
        }
    }
    *lo = L > -A ? L : -A;
    *hi = H < A ? H : A;
}

/* ---- choice ----------------------------------------------------------- */

int calib_choose(const calib_stat *s, calib_method m, double percentile, int int16, double *lo,
                 double *hi)
{
    double L, H;
    if (s->count <= 0 || !isfinite(s->lo) || !isfinite(s->hi) || s->lo > s->hi) {
        return -1;
    }
    L = s->lo < 0.0 ? s->lo : 0.0;
    H = s->hi > 0.0 ? s->hi : 0.0;
    switch (m) {
    case CALIB_MINMAX:
        *lo = L;
        *hi = H;
        return 0;
    case CALIB_PERCENTILE: {
        double n, a, b;
        if (!(percentile > 50.0 && percentile < 100.0) || s->bins == NULL || s->nbins < 1) {
            return -1;
        }
        n = hist_total(s);
        if (!(n > 0.0)) {
            return -1;
        }
        b = inv_cdf(s, percentile / 100.0 * n);
        a = inv_cdf(s, (100.0 - percentile) / 100.0 * n);
        *lo = a < 0.0 ? a : 0.0;
        *hi = b > 0.0 ? b : 0.0;
        return 0;
    }
    case CALIB_MSE: {
        mse_ctx X;
        if (s->bins == NULL || s->nbins < 1) {
            return -1;
        }
        if (!(s->hi > s->lo)) {
            *lo = L; /* one value: min-max loses nothing */
            *hi = H;
            return 0;
        }
        if (mse_prepare(&X, s) != 0) {
            return -1;
        }
        if (!(X.total > 0.0)) {
            free(X.p0);
            return -1;
        }
        if (int16) {
            search_s16(&X, L, H, lo, hi);
        } else {
            search_s8(&X, L, H, lo, hi);
        }
        free(X.p0);
        return 0;
    }
    default:
        return -1;
    }
}

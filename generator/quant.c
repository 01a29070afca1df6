#include "quant.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* round half away from zero, as C99 round() */
static double rnd(double x)
{
    return round(x);
}

int quant_asym_s8(double lo, double hi, quant_params *q)
{
    double zp;
    if (!isfinite(lo) || !isfinite(hi) || lo > hi) {
        return -1;
    }
    lo = lo < 0.0 ? lo : 0.0;
    hi = hi > 0.0 ? hi : 0.0;
    if (hi - lo <= 0.0) {
        q->scale = 1.0;
        q->zero_point = 0;
        return 0;
    }
    q->scale = (hi - lo) / 255.0;
    zp = rnd(-128.0 - lo / q->scale);
    zp = zp < -128.0 ? -128.0 : (zp > 127.0 ? 127.0 : zp);
    q->zero_point = (int32_t)zp;
    return 0;
}

int quant_sym_s16(double lo, double hi, quant_params *q)
{
    double a;
    if (!isfinite(lo) || !isfinite(hi)) {
        return -1;
    }
    a = fabs(lo) > fabs(hi) ? fabs(lo) : fabs(hi);
    q->scale = a > 0.0 ? a / 32767.0 : 1.0;
    q->zero_point = 0;
    return 0;
}

int quant_multiplier(double M, int32_t *m, int32_t *shift)
{
    int e = 0;
    double m0;
    long long qm;
    if (!(M > 0.0) || !isfinite(M)) {
        return -1;
    }
    m0 = frexp(M, &e); /* M = m0 * 2^e, m0 in [0.5, 1) */
    qm = (long long)rnd(m0 * 2147483648.0);
    if (qm == 2147483648LL) {
        qm /= 2;
        e++;
    }
    if (e < -31 || e > 30) {
        return -1;
    }
    *m = (int32_t)qm;
    *shift = (int32_t)e;
    return 0;
}

int quant_multiplier_pack(int32_t *m, int32_t *shift)
{
    int64_t r = (((int64_t)*m + 16) / 32) * 32;
    int32_t e = *shift;
    if (r == 2147483648LL) { /* rounded up to 2^31: 2^30 at the next shift */
        r = 1073741824LL;
        e++;
    }
    if (e > 30) {
        return -1;
    }
    if (e <= -1 && e >= -31) { /* the right shift minus one, in the low 5 bits */
        r += -e - 1;
    }
    *m = (int32_t)r;
    *shift = e;
    return 0;
}

void quant_weights_s8(const float *w, int32_t channels, int64_t per, int8_t *q, double *scale)
{
    quant_weights_q(w, channels, per, 127, q, scale);
}

void quant_weights_q(const float *w, int32_t channels, int64_t per, int32_t qmax, int8_t *q,
                     double *scale)
{
    double qm = (double)qmax;
    int32_t c;
    int64_t i;
    for (c = 0; c < channels; c++) {
        const float *wc = w + (int64_t)c * per;
        double mx = 0.0;
        for (i = 0; i < per; i++) {
            double a = fabs((double)wc[i]);
            mx = a > mx ? a : mx;
        }
        scale[c] = mx > 0.0 ? mx / qm : 1.0;
        for (i = 0; i < per; i++) {
            double v = rnd((double)wc[i] / scale[c]);
            v = v < -qm ? -qm : (v > qm ? qm : v);
            q[(int64_t)c * per + i] = (int8_t)v;
        }
    }
}

int quant_range_minmax(const float *x, size_t n, double *lo, double *hi)
{
    size_t i;
    if (n == 0) {
        return -1;
    }
    *lo = *hi = (double)x[0];
    for (i = 0; i < n; i++) {
        if (!isfinite(x[i])) {
            return -1;
        }
        *lo = (double)x[i] < *lo ? (double)x[i] : *lo;
        *hi = (double)x[i] > *hi ? (double)x[i] : *hi;
    }
    return 0;
}

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return x < y ? -1 : (x > y ? 1 : 0);
}

int quant_range_percentile(const float *x, size_t n, double p, double *lo, double *hi)
{
    float *s;
    size_t i, k;
    if (n == 0 || !(p > 0.0 && p < 50.0)) {
        return -1;
    }
    for (i = 0; i < n; i++) {
        if (!isfinite(x[i])) {
            return -1;
        }
    }
    s = malloc(n * sizeof *s);
    if (s == NULL) {
        return -1;
    }
    memcpy(s, x, n * sizeof *s);
    qsort(s, n, sizeof *s, cmp_float);
    /* nearest rank: the k-th smallest with k = floor(p / 100 * (n - 1)) */
    k = (size_t)floor(p / 100.0 * (double)(n - 1));
    *lo = (double)s[k];
    *hi = (double)s[n - 1 - k];
    free(s);
    return 0;
}

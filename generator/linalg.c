/* Build-time linear algebra on LAPACKE: SVD and least squares (linalg.h). */
#include "linalg.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <lapacke.h>

static int all_finite(const double *v, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        if (!isfinite(v[i])) {
            return 0;
        }
    }
    return 1;
}

/* The last SVDs computed (the budget search factorises the same weight
 * matrices for many candidates): the same matrix gives the same factors,
 * so they are copied, not recomputed. Matrices up to SVD_MEMO_MAX
 * entries; the oldest goes. */
#define SVD_MEMO 8
#define SVD_MEMO_MAX ((size_t)1 << 20)
static struct {
    int m, n;
    double *a, *u, *s, *vt;
} svd_memo[SVD_MEMO];
static int svd_next;

static int memo_find(const double *a, int m, int n, double *u, double *s, double *vt)
{
    int e, k = m < n ? m : n;
    for (e = 0; e < SVD_MEMO; e++) {
        if (svd_memo[e].a != NULL && svd_memo[e].m == m && svd_memo[e].n == n &&
            memcmp(svd_memo[e].a, a, (size_t)m * (size_t)n * sizeof *a) == 0) {
            memcpy(u, svd_memo[e].u, (size_t)m * (size_t)k * sizeof *u);
            memcpy(s, svd_memo[e].s, (size_t)k * sizeof *s);
            memcpy(vt, svd_memo[e].vt, (size_t)k * (size_t)n * sizeof *vt);
            return 1;
        }
    }
    return 0;
}

static void memo_keep(const double *a, int m, int n, const double *u, const double *s,
                      const double *vt)
{
    int e = svd_next, k = m < n ? m : n;
    size_t mn = (size_t)m * (size_t)n;
    if (mn > SVD_MEMO_MAX) {
        return;
    }
    free(svd_memo[e].a);
    free(svd_memo[e].u);
    free(svd_memo[e].s);
    free(svd_memo[e].vt);
    svd_memo[e].a = malloc(mn * sizeof *a);
    svd_memo[e].u = malloc((size_t)m * (size_t)k * sizeof *u);
    svd_memo[e].s = malloc((size_t)k * sizeof *s);
    svd_memo[e].vt = malloc((size_t)k * (size_t)n * sizeof *vt);
    if (svd_memo[e].a == NULL || svd_memo[e].u == NULL || svd_memo[e].s == NULL ||
        svd_memo[e].vt == NULL) {
        free(svd_memo[e].a);
        free(svd_memo[e].u);
        free(svd_memo[e].s);
        free(svd_memo[e].vt);
        memset(&svd_memo[e], 0, sizeof svd_memo[e]);
        return;
    }
    memcpy(svd_memo[e].a, a, mn * sizeof *a);
    memcpy(svd_memo[e].u, u, (size_t)m * (size_t)k * sizeof *u);
    memcpy(svd_memo[e].s, s, (size_t)k * sizeof *s);
    memcpy(svd_memo[e].vt, vt, (size_t)k * (size_t)n * sizeof *vt);
    svd_memo[e].m = m;
    svd_memo[e].n = n;
    svd_next = (e + 1) % SVD_MEMO;
}

int linalg_svd(const double *a, int m, int n, double *u, double *s, double *vt)
{
    int k, i, j;
    double *w;
    lapack_int info;
    if (a == NULL || u == NULL || s == NULL || vt == NULL || m < 1 || n < 1) {
        return -1;
    }
    if (!all_finite(a, (size_t)m * (size_t)n)) {
        return -1;
    }
    if (memo_find(a, m, n, u, s, vt)) {
        return 0;
    }
    k = m < n ? m : n;
    w = malloc((size_t)m * (size_t)n * sizeof *w);
    if (w == NULL) {
        return -1;
    }
    memcpy(w, a, (size_t)m * (size_t)n * sizeof *w);
    info = LAPACKE_dgesdd(LAPACK_ROW_MAJOR, 'S', m, n, w, n, s, u, k, vt, n);
    free(w);
    if (info != 0) {
        return -1;
    }
    /* sign convention: the largest |entry| of each column of U is positive */
    for (i = 0; i < k; i++) {
        int best = 0;
        for (j = 1; j < m; j++) {
            if (fabs(u[(size_t)j * (size_t)k + (size_t)i]) >
                fabs(u[(size_t)best * (size_t)k + (size_t)i])) {
                best = j;
            }
        }
        if (u[(size_t)best * (size_t)k + (size_t)i] < 0.0) {
            for (j = 0; j < m; j++) {
                u[(size_t)j * (size_t)k + (size_t)i] = -u[(size_t)j * (size_t)k + (size_t)i];
            }
            for (j = 0; j < n; j++) {
                vt[(size_t)i * (size_t)n + (size_t)j] = -vt[(size_t)i * (size_t)n + (size_t)j];
            }
        }
    }
    memo_keep(a, m, n, u, s, vt);
    return 0;
}

int linalg_lstsq(const double *a, int m, int n, const double *b, int nrhs, double *x)
{
    int mx;
    double *w, *bb;
    lapack_int info, rank = 0, *jpvt;
    if (a == NULL || b == NULL || x == NULL || m < 1 || n < 1 || nrhs < 1) {
        return -1;
    }
    if (!all_finite(a, (size_t)m * (size_t)n) || !all_finite(b, (size_t)m * (size_t)nrhs)) {
        return -1;
    }
    mx = m > n ? m : n;
    w = malloc((size_t)m * (size_t)n * sizeof *w);
    bb = calloc((size_t)mx * (size_t)nrhs, sizeof *bb);
    jpvt = calloc((size_t)n, sizeof *jpvt); /* all columns free to pivot */
    if (w == NULL || bb == NULL || jpvt == NULL) {
        free(w);
        free(bb);
        free(jpvt);
        return -1;
    }
    memcpy(w, a, (size_t)m * (size_t)n * sizeof *w);
    memcpy(bb, b, (size_t)m * (size_t)nrhs * sizeof *bb);
    info = LAPACKE_dgelsy(LAPACK_ROW_MAJOR, m, n, nrhs, w, n, bb, nrhs, jpvt, LINALG_RCOND,
                          &rank);
    if (info == 0) {
        memcpy(x, bb, (size_t)n * (size_t)nrhs * sizeof *x);
    }
    free(w);
    free(bb);
    free(jpvt);
    return info == 0 ? 0 : -1;
}

int linalg_qr_rows(int64_t m, int n, int nrhs, linalg_rows_fn fill, void *ctx, double *r,
                   double *c)
{
    double *ra, *rb, *w, *bm, *tau;
    size_t nn, nr, ldmax;
    int64_t first;
    int have = 0, rc = 0;
    if (fill == NULL || r == NULL || c == NULL || m < 1 || n < 1 || nrhs < 1) {
        return -1;
    }
    nn = (size_t)n;
    nr = (size_t)nrhs;
    ldmax = nn + LINALG_BLOCK;
    ra = malloc((size_t)LINALG_BLOCK * nn * sizeof *ra);
    rb = malloc((size_t)LINALG_BLOCK * nr * sizeof *rb);
    w = malloc(ldmax * nn * sizeof *w);
    bm = malloc(ldmax * nr * sizeof *bm);
    tau = malloc(nn * sizeof *tau);
    if (ra == NULL || rb == NULL || w == NULL || bm == NULL || tau == NULL) {
        rc = -1;
    }
    memset(r, 0, nn * nn * sizeof *r);
    memset(c, 0, nn * nr * sizeof *c);
    for (first = 0; first < m && rc == 0; first += LINALG_BLOCK) {
        int cnt = (int)(m - first < LINALG_BLOCK ? m - first : LINALG_BLOCK);
        size_t top = have ? nn : 0, p, i, j, kq;
        if (fill(ctx, first, cnt, ra, rb) != 0) {
            rc = -1;
            break;
        }
        /* stack [R C; block] column-major, leading dimension p */
        p = top + (size_t)cnt;
        for (j = 0; j < nn; j++) {
            for (i = 0; i < top; i++) {
                w[i + j * p] = r[i * nn + j];
            }
            for (i = 0; i < (size_t)cnt; i++) {
                w[top + i + j * p] = ra[i * nn + j];
            }
        }
        for (j = 0; j < nr; j++) {
            for (i = 0; i < top; i++) {
                bm[i + j * p] = c[i * nr + j];
            }
            for (i = 0; i < (size_t)cnt; i++) {
                bm[top + i + j * p] = rb[i * nr + j];
            }
        }
        if (!all_finite(w, p * nn) || !all_finite(bm, p * nr)) {
            rc = -1;
            break;
        }
        kq = p < nn ? p : nn;
        if (LAPACKE_dgeqrf(LAPACK_COL_MAJOR, (lapack_int)p, n, w, (lapack_int)p, tau) != 0 ||
            LAPACKE_dormqr(LAPACK_COL_MAJOR, 'L', 'T', (lapack_int)p, nrhs, (lapack_int)kq, w,
                           (lapack_int)p, tau, bm, (lapack_int)p) != 0) {
            rc = -1;
            break;
        }
        memset(r, 0, nn * nn * sizeof *r);
        memset(c, 0, nn * nr * sizeof *c);
        for (i = 0; i < kq; i++) {
            for (j = i; j < nn; j++) {
                r[i * nn + j] = w[i + j * p];
            }
            for (j = 0; j < nr; j++) {
                c[i * nr + j] = bm[i + j * p];
            }
        }
        have = 1;
    }
    free(ra);
    free(rb);
    free(w);
    free(bm);
    free(tau);
    return rc;
}

int linalg_lstsq_rows(int64_t m, int n, int nrhs, linalg_rows_fn fill, void *ctx, double *x)
{
    double *r, *c;
    int rc = -1;
    if (x == NULL || n < 1 || nrhs < 1) {
        return -1;
    }
    r = malloc((size_t)n * (size_t)n * sizeof *r);
    c = malloc((size_t)n * (size_t)nrhs * sizeof *c);
    if (r != NULL && c != NULL && linalg_qr_rows(m, n, nrhs, fill, ctx, r, c) == 0) {
        rc = linalg_lstsq(r, n, n, c, nrhs, x);
    }
    free(r);
    free(c);
    return rc;
}

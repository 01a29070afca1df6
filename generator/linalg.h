/* Dense linear algebra at build time, on LAPACKE (Debian liblapacke-dev,
 * netlib reference LAPACK/BLAS: single-threaded, so results are the same
 * on every run). Matrices are row-major doubles. Every function returns 0,
 * or -1 on invalid sizes, non-finite input, out of memory or a LAPACK
 * failure (no convergence); it prints nothing. */
#ifndef STOIC_LINALG_H
#define STOIC_LINALG_H

#include <stdint.h>

/* Thin SVD A = U diag(s) Vt of the m x n matrix a (not modified), k =
 * min(m, n): u is m x k, s k (descending, >= 0), vt k x n (LAPACKE_dgesdd).
 * Singular vectors are only defined up to sign; each pair (column i of U,
 * row i of Vt) is flipped so that the entry of largest magnitude of U's
 * column (the first one, on ties) is positive, so the factors do not depend
 * on the LAPACK build. */
int linalg_svd(const double *a, int m, int n, double *u, double *s, double *vt);

/* Least squares: x (n x nrhs) minimising ||A X - B||_F, a m x n, b m x nrhs
 * (neither modified), via LAPACKE_dgelsy (a complete orthogonal
 * factorization from QR with column pivoting: several times faster than
 * the SVD-based dgelsd on the refits' systems, the same answer where the
 * system has full rank). Rank deficiency is handled: the leading block of
 * the pivoted R whose condition estimate stays below 1 / LINALG_RCOND is
 * kept, and the minimum-norm solution is returned. Any m >= 1 (m < n gives
 * the minimum-norm solution of the underdetermined system). */
#define LINALG_RCOND 1e-10
int linalg_lstsq(const double *a, int m, int n, const double *b, int nrhs, double *x);

/* Fills rows [first, first + count) of A (count x n, row-major, into a)
 * and of B (count x nrhs, into b). Returns 0, or -1 to abort. */
typedef int (*linalg_rows_fn)(void *ctx, int64_t first, int count, double *a, double *b);

/* Reduces the least-squares problem min ||A X - B||_F, A m x n and B
 * m x nrhs produced by fill in blocks of up to LINALG_BLOCK rows (so m may
 * be large: many samples), to n rows: r (n x n, upper triangular) and c
 * (n x nrhs), row-major, with ||A X - B||_F^2 = ||R X - C||_F^2 + const
 * for every X. Block by block by QR (LAPACKE_dgeqrf, dormqr): [R C; block]
 * = Q [R' C'; 0 *]. No normal equations: the conditioning is A's. The
 * same R and C serve any subset of A's columns (R[:, J] for A[:, J]).
 * Memory O((n + LINALG_BLOCK) (n + nrhs)). 0 or -1. */
#define LINALG_BLOCK 4096
int linalg_qr_rows(int64_t m, int n, int nrhs, linalg_rows_fn fill, void *ctx, double *r,
                   double *c);

/* The least-squares problem of linalg_lstsq with rows produced by fill:
 * linalg_qr_rows, then linalg_lstsq on (R, C) (same rank handling: R has
 * A's singular values). */
int linalg_lstsq_rows(int64_t m, int n, int nrhs, linalg_rows_fn fill, void *ctx, double *x);

#endif

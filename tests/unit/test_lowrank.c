/*
 * linalg (SVD, least squares) and pass_lowrank (factorising a layer, the
 * refits). Every expected value is derived here: matrices with a known
 * spectrum built from Householder reflections, exactly representable
 * linear maps, and double-precision reference layers (dense, convolution
 * with stride, dilation and padding) computed by loops in this file.
 */
/* REQ: REQ-CMP-002 REQ-CMP-004 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <CUnit/CUnit.h>

#include "eval.h"
#include "linalg.h"
#include "lowrank.h"
#include "pass.h"
#include "unit.h"

/* ---- helpers ----------------------------------------------------------- */

static uint64_t rng_state;

static void rng_seed(uint64_t s)
{
    rng_state = s * 2654435761u + 88172645463325252u;
}

/* uniform in [-1, 1) */
static double rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (double)(rng_state >> 11) / 4503599627370496.0 - 1.0;
}

/* an integer in [lo, hi] */
static int rnd_int(int lo, int hi)
{
    int v = lo + (int)((rnd() + 1.0) * 0.5 * (double)(hi - lo + 1));
    return v > hi ? hi : v;
}

static void rnd_fill(double *v, int n)
{
    int i;
    for (i = 0; i < n; i++) {
        v[i] = rnd();
    }
}

/* C = A B, A m x k, B k x n (row-major) */
static void matmul(const double *a, const double *b, double *c, int m, int k, int n)
{
    int i, j, l;
    for (i = 0; i < m; i++) {
        for (j = 0; j < n; j++) {
            double acc = 0.0;
            for (l = 0; l < k; l++) {
                acc += a[i * k + l] * b[l * n + j];
            }
            c[i * n + j] = acc;
        }
    }
}

/* A_r = sum_{i<r} s_i u_i v_i^T from a thin SVD (u m x k, vt k x n) */
static void truncate_svd(const double *u, const double *s, const double *vt, int m, int n, int k,
                         int r, double *ar)
{
    int i, j, l;
    for (i = 0; i < m; i++) {
        for (j = 0; j < n; j++) {
            double acc = 0.0;
            for (l = 0; l < r; l++) {
                acc += u[i * k + l] * s[l] * vt[l * n + j];
            }
            ar[i * n + j] = acc;
        }
    }
}

/* An m x m orthogonal matrix: the product of two Householder reflections
 * I - 2 v v^T / (v^T v) with random v. */
static void orthogonal(double *q, int m)
{
    double *v = malloc((size_t)m * sizeof *v), *h = malloc((size_t)m * (size_t)m * sizeof *h),
           *t = malloc((size_t)m * (size_t)m * sizeof *t);
    int i, j, rep;
    for (i = 0; i < m; i++) {
        for (j = 0; j < m; j++) {
            q[i * m + j] = i == j ? 1.0 : 0.0;
        }
    }
    for (rep = 0; rep < 2; rep++) {
        double vv = 0.0;
        rnd_fill(v, m);
        for (i = 0; i < m; i++) {
            vv += v[i] * v[i];
        }
        for (i = 0; i < m; i++) {
            for (j = 0; j < m; j++) {
                h[i * m + j] = (i == j ? 1.0 : 0.0) - 2.0 * v[i] * v[j] / vv;
            }
        }
        matmul(q, h, t, m, m, m);
        memcpy(q, t, (size_t)m * (size_t)m * sizeof *q);
    }
    free(v);
    free(h);
    free(t);
}

static double frob2_diff(const double *a, const double *b, int n)
{
    double acc = 0.0;
    int i;
    for (i = 0; i < n; i++) {
        acc += (a[i] - b[i]) * (a[i] - b[i]);
    }
    return acc;
}

/* ---- SVD ---------------------------------------------------------------- */

static void check_svd(int m, int n)
{
    int k = m < n ? m : n, i, j;
    double *a = malloc((size_t)(m * n) * sizeof *a), *u = malloc((size_t)(m * k) * sizeof *u),
           *s = malloc((size_t)k * sizeof *s), *vt = malloc((size_t)(k * n) * sizeof *vt),
           *rec = malloc((size_t)(m * n) * sizeof *rec), *u2 = malloc((size_t)(m * k) * sizeof *u2),
           *s2 = malloc((size_t)k * sizeof *s2), *vt2 = malloc((size_t)(k * n) * sizeof *vt2);
    double maxerr = 0.0;
    rnd_fill(a, m * n);
    CU_ASSERT_FATAL(linalg_svd(a, m, n, u, s, vt) == 0);
    truncate_svd(u, s, vt, m, n, k, k, rec);
    for (i = 0; i < m * n; i++) {
        maxerr = fmax(maxerr, fabs(rec[i] - a[i]));
    }
    CU_ASSERT(maxerr < 1e-10);
    for (i = 0; i < k; i++) {
        CU_ASSERT(s[i] >= 0.0);
        if (i > 0) {
            CU_ASSERT(s[i] <= s[i - 1]);
        }
    }
    /* orthonormal columns of U and rows of Vt */
    for (i = 0; i < k; i++) {
        for (j = 0; j < k; j++) {
            double du = 0.0, dv = 0.0, want = i == j ? 1.0 : 0.0;
            int l;
            for (l = 0; l < m; l++) {
                du += u[l * k + i] * u[l * k + j];
            }
            for (l = 0; l < n; l++) {
                dv += vt[i * n + l] * vt[j * n + l];
            }
            CU_ASSERT(fabs(du - want) < 1e-10);
            CU_ASSERT(fabs(dv - want) < 1e-10);
        }
    }
    /* sign convention: the largest |entry| of each column of U is positive */
    for (i = 0; i < k; i++) {
        int best = 0;
        for (j = 1; j < m; j++) {
            if (fabs(u[j * k + i]) > fabs(u[best * k + i])) {
                best = j;
            }
        }
        CU_ASSERT(u[best * k + i] > 0.0);
    }
    /* deterministic: the same bits again; the input is not modified */
    CU_ASSERT_FATAL(linalg_svd(a, m, n, u2, s2, vt2) == 0);
    CU_ASSERT(memcmp(u, u2, (size_t)(m * k) * sizeof *u) == 0);
    CU_ASSERT(memcmp(s, s2, (size_t)k * sizeof *s) == 0);
    CU_ASSERT(memcmp(vt, vt2, (size_t)(k * n) * sizeof *vt) == 0);
    free(a);
    free(u);
    free(s);
    free(vt);
    free(rec);
    free(u2);
    free(s2);
    free(vt2);
}

static void test_svd_random(void)
{
    static const int dims[][2] = { { 1, 1 }, { 1, 6 }, { 6, 1 }, { 5, 3 }, { 3, 5 }, { 7, 7 },
                                   { 20, 13 }, { 13, 40 } };
    size_t i;
    rng_seed(1);
    for (i = 0; i < sizeof dims / sizeof dims[0]; i++) {
        check_svd(dims[i][0], dims[i][1]);
    }
}

static void test_svd_invalid(void)
{
    double a[4] = { 1.0, 2.0, 3.0, 4.0 }, u[4], s[2], vt[4];
    CU_ASSERT(linalg_svd(a, 0, 2, u, s, vt) == -1);
    a[2] = NAN;
    CU_ASSERT(linalg_svd(a, 2, 2, u, s, vt) == -1);
    a[2] = INFINITY;
    CU_ASSERT(linalg_svd(a, 2, 2, u, s, vt) == -1);
}

/* A = Q1 diag(sigma) Q2^T with orthogonal Q1, Q2: the singular values are
 * sigma (sorted), and truncating to rank r leaves exactly the discarded
 * sigma_i^2 as squared Frobenius error. */
static void test_svd_known_spectrum(void)
{
    enum { M = 9, N = 6, K = 6 };
    static const double sigma[K] = { 0.5, 4.0, 0.0, 2.0, 1.0, 0.25 }; /* sorted: 4 2 1 .5 .25 0 */
    static const double sorted[K] = { 4.0, 2.0, 1.0, 0.5, 0.25, 0.0 };
    double q1[M * M], q2[N * N], d[M * N], t[M * N], a[M * N], u[M * K], s[K], vt[K * N],
        ar[M * N];
    int i, j, r;
    rng_seed(2);
    orthogonal(q1, M);
    orthogonal(q2, N);
    memset(d, 0, sizeof d);
    for (i = 0; i < K; i++) {
        d[i * N + i] = sigma[i];
    }
    matmul(q1, d, t, M, M, N);
    for (i = 0; i < M; i++) { /* a = t q2^T */
        for (j = 0; j < N; j++) {
            double acc = 0.0;
            int l;
            for (l = 0; l < N; l++) {
                acc += t[i * N + l] * q2[j * N + l];
            }
            a[i * N + j] = acc;
        }
    }
    CU_ASSERT_FATAL(linalg_svd(a, M, N, u, s, vt) == 0);
    for (i = 0; i < K; i++) {
        CU_ASSERT_DOUBLE_EQUAL(s[i], sorted[i], 1e-12);
    }
    for (r = 0; r <= K; r++) {
        double want = 0.0;
        for (i = r; i < K; i++) {
            want += sorted[i] * sorted[i];
        }
        truncate_svd(u, s, vt, M, N, K, r, ar);
        CU_ASSERT_DOUBLE_EQUAL(frob2_diff(a, ar, M * N), want, 1e-12);
    }
}

/* On random matrices: ||A - A_r||_F^2 = sum_{i>=r} s_i^2 (relative 1e-9). */
static void test_svd_truncation(void)
{
    enum { M = 12, N = 17, K = 12 };
    double a[M * N], u[M * K], s[K], vt[K * N], ar[M * N];
    int i, r;
    rng_seed(3);
    rnd_fill(a, M * N);
    CU_ASSERT_FATAL(linalg_svd(a, M, N, u, s, vt) == 0);
    for (r = 0; r < K; r++) {
        double want = 0.0, got;
        for (i = r; i < K; i++) {
            want += s[i] * s[i];
        }
        truncate_svd(u, s, vt, M, N, K, r, ar);
        got = frob2_diff(a, ar, M * N);
        CU_ASSERT(fabs(got - want) <= 1e-9 * want);
    }
}

/* ---- lowrank_choose_rank ------------------------------------------------ */

static void test_choose_rank(void)
{
    static const double s3[3] = { 3.0, 2.0, 1.0 };          /* squares 9 4 1, total 14 */
    static const double flat[4] = { 2.0, 2.0, 2.0, 2.0 };   /* squares 4 each, total 16 */
    static const double one[3] = { 1.0, 0.0, 0.0 };
    static const double zero[2] = { 0.0, 0.0 };
    CU_ASSERT_EQUAL(lowrank_choose_rank(s3, 3, 0.5), 1);    /* 9 >= 7 */
    CU_ASSERT_EQUAL(lowrank_choose_rank(s3, 3, 9.0 / 14.0), 1);
    CU_ASSERT_EQUAL(lowrank_choose_rank(s3, 3, 0.65), 2);   /* 9 < 9.1, 13 >= 9.1 */
    CU_ASSERT_EQUAL(lowrank_choose_rank(s3, 3, 0.9), 2);    /* 13 >= 12.6 */
    CU_ASSERT_EQUAL(lowrank_choose_rank(s3, 3, 0.95), 3);   /* 13 < 13.3 */
    CU_ASSERT_EQUAL(lowrank_choose_rank(s3, 3, 1.0), 3);
    CU_ASSERT_EQUAL(lowrank_choose_rank(flat, 4, 0.5), 2);  /* 8 >= 8, exactly */
    CU_ASSERT_EQUAL(lowrank_choose_rank(flat, 4, 0.25), 1);
    CU_ASSERT_EQUAL(lowrank_choose_rank(flat, 4, 0.76), 4);  /* 12 < 12.16 */
    CU_ASSERT_EQUAL(lowrank_choose_rank(one, 3, 1.0), 1);   /* zeros add nothing */
    CU_ASSERT_EQUAL(lowrank_choose_rank(zero, 2, 1.0), 1);  /* at least 1 */
    CU_ASSERT_EQUAL(lowrank_choose_rank(s3, 3, 0.0), -1);
    CU_ASSERT_EQUAL(lowrank_choose_rank(s3, 3, 1.5), -1);
    CU_ASSERT_EQUAL(lowrank_choose_rank(s3, 0, 0.5), -1);
}

/* ---- least squares ------------------------------------------------------ */

/* Solves the n x n system g x = h (Gaussian elimination, partial pivoting),
 * nrhs right-hand sides; g and h are overwritten. */
static void gauss(double *g, double *h, int n, int nrhs)
{
    int i, j, c, p;
    for (c = 0; c < n; c++) {
        p = c;
        for (i = c + 1; i < n; i++) {
            if (fabs(g[i * n + c]) > fabs(g[p * n + c])) {
                p = i;
            }
        }
        for (j = 0; j < n; j++) {
            double t = g[c * n + j];
            g[c * n + j] = g[p * n + j];
            g[p * n + j] = t;
        }
        for (j = 0; j < nrhs; j++) {
            double t = h[c * nrhs + j];
            h[c * nrhs + j] = h[p * nrhs + j];
            h[p * nrhs + j] = t;
        }
        for (i = c + 1; i < n; i++) {
            double f = g[i * n + c] / g[c * n + c];
            for (j = c; j < n; j++) {
                g[i * n + j] -= f * g[c * n + j];
            }
            for (j = 0; j < nrhs; j++) {
                h[i * nrhs + j] -= f * h[c * nrhs + j];
            }
        }
    }
    for (c = n - 1; c >= 0; c--) {
        for (j = 0; j < nrhs; j++) {
            double acc = h[c * nrhs + j];
            for (i = c + 1; i < n; i++) {
                acc -= g[c * n + i] * h[i * nrhs + j];
            }
            h[c * nrhs + j] = acc / g[c * n + c];
        }
    }
}

/* The normal equations A^T A x = A^T b, solved here: the reference. */
static void normal_eq(const double *a, int m, int n, const double *b, int nrhs, double *x)
{
    double *g = calloc((size_t)(n * n), sizeof *g);
    int i, j, l;
    memset(x, 0, (size_t)(n * nrhs) * sizeof *x);
    for (i = 0; i < n; i++) {
        for (j = 0; j < n; j++) {
            for (l = 0; l < m; l++) {
                g[i * n + j] += a[l * n + i] * a[l * n + j];
            }
        }
        for (j = 0; j < nrhs; j++) {
            for (l = 0; l < m; l++) {
                x[i * nrhs + j] += a[l * n + i] * b[l * nrhs + j];
            }
        }
    }
    gauss(g, x, n, nrhs);
    free(g);
}

typedef struct {
    const double *a, *b;
    int n, nrhs;
} rows_ctx;

static int copy_rows(void *ctx, int64_t first, int count, double *a, double *b)
{
    const rows_ctx *c = ctx;
    memcpy(a, c->a + first * c->n, (size_t)count * (size_t)c->n * sizeof *a);
    memcpy(b, c->b + first * c->nrhs, (size_t)count * (size_t)c->nrhs * sizeof *b);
    return 0;
}

static void test_lstsq(void)
{
    enum { M = 30, N = 4, R = 2, BIG = 2 * LINALG_BLOCK + 123 };
    double a[M * N], xt[N * R], b[M * R], x[N * R], ref[N * R];
    double *ba, *bb, *bx, *bd, *bref;
    rows_ctx rc;
    int i;
    rng_seed(4);
    /* exact system: X recovered */
    rnd_fill(a, M * N);
    rnd_fill(xt, N * R);
    matmul(a, xt, b, M, N, R);
    CU_ASSERT_FATAL(linalg_lstsq(a, M, N, b, R, x) == 0);
    for (i = 0; i < N * R; i++) {
        CU_ASSERT_DOUBLE_EQUAL(x[i], xt[i], 1e-12);
    }
    /* inconsistent system: the normal equations' solution */
    rnd_fill(b, M * R);
    CU_ASSERT_FATAL(linalg_lstsq(a, M, N, b, R, x) == 0);
    normal_eq(a, M, N, b, R, ref);
    for (i = 0; i < N * R; i++) {
        CU_ASSERT_DOUBLE_EQUAL(x[i], ref[i], 1e-10);
    }
    /* rank deficient (column 3 = column 0): the minimum-norm solution
     * splits the weight of the duplicated column equally */
    for (i = 0; i < M; i++) {
        a[i * N + 3] = a[i * N + 0];
    }
    CU_ASSERT_FATAL(linalg_lstsq(a, M, N, b, R, x) == 0);
    CU_ASSERT_DOUBLE_EQUAL(x[0 * R + 0], x[3 * R + 0], 1e-10);
    CU_ASSERT_DOUBLE_EQUAL(x[0 * R + 1], x[3 * R + 1], 1e-10);
    {
        /* and it solves the problem with column 3 removed, x0 + x3 = y0 */
        double a3[M * 3], x3[3 * R];
        int j;
        for (i = 0; i < M; i++) {
            for (j = 0; j < 3; j++) {
                a3[i * 3 + j] = a[i * N + j];
            }
        }
        normal_eq(a3, M, 3, b, R, x3);
        for (j = 0; j < R; j++) {
            CU_ASSERT_DOUBLE_EQUAL(x[0 * R + j] + x[3 * R + j], x3[0 * R + j], 1e-10);
            CU_ASSERT_DOUBLE_EQUAL(x[1 * R + j], x3[1 * R + j], 1e-10);
            CU_ASSERT_DOUBLE_EQUAL(x[2 * R + j], x3[2 * R + j], 1e-10);
        }
    }
    CU_ASSERT(linalg_lstsq(a, 0, N, b, R, x) == -1);
    b[0] = NAN;
    CU_ASSERT(linalg_lstsq(a, M, N, b, R, x) == -1);

    /* rows in blocks (QR-reduced, three blocks): the same as the normal
     * equations and as linalg_lstsq on all rows at once */
    ba = malloc((size_t)BIG * N * sizeof *ba);
    bb = malloc((size_t)BIG * R * sizeof *bb);
    bx = malloc((size_t)N * R * sizeof *bx);
    bd = malloc((size_t)N * R * sizeof *bd);
    bref = malloc((size_t)N * R * sizeof *bref);
    rnd_fill(ba, BIG * N);
    rnd_fill(bb, BIG * R);
    rc.a = ba;
    rc.b = bb;
    rc.n = N;
    rc.nrhs = R;
    CU_ASSERT_FATAL(linalg_lstsq_rows(BIG, N, R, copy_rows, &rc, bx) == 0);
    CU_ASSERT_FATAL(linalg_lstsq(ba, BIG, N, bb, R, bd) == 0);
    normal_eq(ba, BIG, N, bb, R, bref);
    for (i = 0; i < N * R; i++) {
        CU_ASSERT_DOUBLE_EQUAL(bx[i], bref[i], 1e-10);
        CU_ASSERT_DOUBLE_EQUAL(bx[i], bd[i], 1e-12);
    }
    free(ba);
    free(bb);
    free(bx);
    free(bd);
    free(bref);
}

/* ---- graphs ------------------------------------------------------------- */

static ir_shape shp(int rank, int32_t a, int32_t b, int32_t c, int32_t d)
{
    ir_shape s;
    memset(&s, 0, sizeof s);
    s.rank = rank;
    s.d[0] = a;
    s.d[1] = b;
    s.d[2] = c;
    s.d[3] = d;
    return s;
}

static ir_graph *new_graph(const ir_shape *in)
{
    ir_graph *g = ir_new();
    g->name = ir_strdup("m");
    g->file = ir_strdup("m.xml");
    g->input = ir_add_tensor(g, "x", IR_T_INPUT, 1);
    g->t[g->input].shape = *in;
    return g;
}

/* Adds a layer reading the model input and writing the model output. */
static int add_layer(ir_graph *g, ir_op op, const char *name, const float *w, const ir_shape *ws,
                     const float *b, int32_t out, const ir_shape *os)
{
    ir_shape bs = shp(1, out, 0, 0, 0);
    char pname[64];
    int ni = ir_add_node(g, op, name, op == IR_OP_DENSE ? "dense" : "conv2d", 2);
    int t = ir_add_tensor(g, "y", IR_T_ACT, 2);
    g->t[t].shape = *os;
    g->n[ni].inputs = malloc(sizeof(int));
    g->n[ni].inputs[0] = g->input;
    g->n[ni].n_inputs = 1;
    g->n[ni].output = t;
    snprintf(pname, sizeof pname, "%s.weight", name);
    g->n[ni].params[0] = ir_add_const(g, pname, ws, w, 2);
    snprintf(pname, sizeof pname, "%s.bias", name);
    g->n[ni].params[1] = ir_add_const(g, pname, &bs, b, 2);
    if (op == IR_OP_DENSE) {
        g->n[ni].units = out;
    } else {
        g->n[ni].filters = out;
    }
    ir_set_output(g, t);
    ir_link(g);
    return ni;
}

/* order, plan, verify, and run `count` inputs of n_in values (x) into y */
static void run_graph(ir_graph *g, const float *x, int count, int n_in, float *y, int n_out)
{
    diag d;
    eval_plan p;
    int i;
    memset(&d, 0, sizeof d);
    CU_ASSERT_FATAL(pass_order(g, &d) == 0);
    CU_ASSERT_FATAL(pass_plan(g, &d) == 0);
    CU_ASSERT_FATAL(ir_verify(g, "test_lowrank") == 0);
    CU_ASSERT_FATAL(eval_prepare(g, &p) == 0);
    for (i = 0; i < count; i++) {
        eval_run(&p, x + (size_t)i * (size_t)n_in, y + (size_t)i * (size_t)n_out);
    }
    eval_free(&p);
}

static double act_apply(const stoic_act_f32 *a, double v)
{
    if (a->kind == STOIC_ACT_CLAMP) {
        return fmin(fmax(v, (double)a->lo), (double)a->hi);
    }
    return v;
}

/* ---- dense -------------------------------------------------------------- */

enum { DI = 32, DO = 24, DN = 20 };

/* x [DI] -> dense fc (DO units, relu) -> y [DO], weights w (DO x DI) */
static ir_graph *dense_graph(const double *w, const double *b)
{
    ir_shape in = shp(1, DI, 0, 0, 0), ws = shp(2, DO, DI, 0, 0), os = shp(1, DO, 0, 0, 0);
    float wf[DO * DI], bf[DO];
    ir_graph *g = new_graph(&in);
    int i, ni;
    for (i = 0; i < DO * DI; i++) {
        wf[i] = (float)w[i];
    }
    for (i = 0; i < DO; i++) {
        bf[i] = (float)b[i];
    }
    ni = add_layer(g, IR_OP_DENSE, "fc", wf, &ws, bf, DO, &os);
    g->n[ni].act.kind = STOIC_ACT_CLAMP;
    g->n[ni].act.lo = 0.0F;
    g->n[ni].act_name = ir_strdup("relu");
    return g;
}

/* relu(W x + b) in double, W from floats as the graph holds them */
static void dense_ref(const double *w, const double *b, const float *x, double *y)
{
    int o, j;
    for (o = 0; o < DO; o++) {
        double acc = (double)(float)b[o];
        for (j = 0; j < DI; j++) {
            acc += w[o * DI + j] * (double)x[j];
        }
        y[o] = fmax(acc, 0.0);
    }
}

/* One dense case: split at `rank` (energy when rank is 0), check the
 * structure, and the outputs against relu(W_r x + b), W_r derived here. */
static void dense_case(const double *w, int rank, double energy, int want_rank)
{
    static double b[DO], wr[DO * DI], wf[DO * DI], u[DO * DO], s[DO], vt[DO * DI];
    static float x[DN * DI], y0[DN * DO], y1[DN * DO];
    ir_graph *g;
    diag d;
    int i, o, r = -1, f1, f2;
    double disc = -1.0, want_disc = 0.0, xnorm2, dnorm2;
    memset(&d, 0, sizeof d);
    for (i = 0; i < DO; i++) {
        b[i] = 0.5 * rnd();
    }
    for (i = 0; i < DN * DI; i++) {
        x[i] = (float)rnd();
    }
    for (i = 0; i < DO * DI; i++) {
        wf[i] = (double)(float)w[i];
    }
    g = dense_graph(w, b);
    run_graph(g, x, DN, DI, y0, DO);
    /* the test's reference agrees with the unsplit layer */
    for (i = 0; i < DN; i++) {
        double ref[DO];
        dense_ref(wf, b, x + i * DI, ref);
        for (o = 0; o < DO; o++) {
            CU_ASSERT(fabs((double)y0[i * DO + o] - ref[o]) < 1e-5);
        }
    }
    CU_ASSERT_FATAL(lowrank_node(g, ir_find_node(g, "fc"), rank, energy, &d, &r, &disc) == 0);
    CU_ASSERT_EQUAL(d.errors + d.io_errors + d.warnings, 0);
    CU_ASSERT_EQUAL(r, want_rank);
    run_graph(g, x, DN, DI, y1, DO);
    /* structure: fc.lowrank (DI -> r, no activation) then fc (r -> DO, relu) */
    f1 = ir_find_node(g, "fc.lowrank");
    f2 = ir_find_node(g, "fc");
    CU_ASSERT_FATAL(f1 == 0 && f2 == 1 && g->nn == 2);
    CU_ASSERT_EQUAL(g->n[f1].units, r);
    CU_ASSERT_EQUAL(g->n[f1].rank, r);
    CU_ASSERT_EQUAL(g->n[f2].rank, r);
    CU_ASSERT_EQUAL(g->n[f1].act.kind, STOIC_ACT_NONE);
    CU_ASSERT_EQUAL(g->n[f2].act.kind, STOIC_ACT_CLAMP);
    CU_ASSERT_EQUAL(g->n[f1].inputs[0], g->input);
    CU_ASSERT_EQUAL(g->n[f2].inputs[0], g->n[f1].output);
    CU_ASSERT_EQUAL(g->n[f2].output, g->output);
    CU_ASSERT(g->n[f1].fused != NULL && strcmp(g->n[f1].fused, "fc") == 0);
    CU_ASSERT_EQUAL(g->t[g->n[f1].output].shape.d[0], r);
    CU_ASSERT_EQUAL(ir_node_params(g, f1) + ir_node_params(g, f2),
                    (int64_t)r * (DI + 1) + (int64_t)DO * (r + 1));
    {
        const float *b1 = g->t[g->n[f1].params[1]].data, *b2 = g->t[g->n[f2].params[1]].data;
        for (i = 0; i < r; i++) {
            CU_ASSERT(b1[i] == 0.0F);
        }
        for (i = 0; i < DO; i++) {
            CU_ASSERT(b2[i] == (float)b[i]);
        }
    }
    /* the discarded energy: sum of s_i^2 beyond r of the float weights */
    CU_ASSERT_FATAL(linalg_svd(wf, DO, DI, u, s, vt) == 0);
    for (i = r; i < DO; i++) {
        want_disc += s[i] * s[i];
    }
    CU_ASSERT(fabs(disc - want_disc) <= 1e-9 * want_disc + 1e-12);
    truncate_svd(u, s, vt, DO, DI, DO, r, wr);
    for (i = 0; i < DN; i++) {
        double ref[DO], full[DO];
        dense_ref(wr, b, x + i * DI, ref);
        dense_ref(wf, b, x + i * DI, full);
        xnorm2 = 0.0;
        dnorm2 = 0.0;
        for (o = 0; o < DI; o++) {
            xnorm2 += (double)x[i * DI + o] * (double)x[i * DI + o];
        }
        for (o = 0; o < DO; o++) {
            /* the split computes relu(W_r x + b) up to float rounding */
            CU_ASSERT(fabs((double)y1[i * DO + o] - ref[o]) < 1e-4 * (1.0 + fabs(ref[o])));
            if (want_disc < 1e-20) { /* nothing discarded: the original outputs */
                CU_ASSERT(fabs((double)y1[i * DO + o] - full[o]) <= 1e-4 * (1.0 + fabs(full[o])));
            }
            dnorm2 += ((double)y1[i * DO + o] - (double)y0[i * DO + o]) *
                      ((double)y1[i * DO + o] - (double)y0[i * DO + o]);
        }
        /* relu is 1-Lipschitz: ||y1 - y0|| <= ||(W - W_r) x|| <=
         * ||W - W_r||_F ||x|| = sqrt(discarded) ||x|| (plus float rounding) */
        CU_ASSERT(sqrt(dnorm2) <= sqrt(want_disc * xnorm2) + 1e-4);
    }
    ir_free(g);
}

static void test_lowrank_dense(void)
{
    static double w[DO * DI], p[DO * 3], q[3 * DI];
    rng_seed(5);
    /* a full-rank random weight at rank 4, and at the rank for 80% energy */
    rnd_fill(w, DO * DI);
    dense_case(w, 4, 0.0, 4);
    {
        double u[DO * DO], s[DO], vt[DO * DI], wf[DO * DI];
        int i, want;
        for (i = 0; i < DO * DI; i++) {
            wf[i] = (double)(float)w[i];
        }
        CU_ASSERT_FATAL(linalg_svd(wf, DO, DI, u, s, vt) == 0);
        want = lowrank_choose_rank(s, DO, 0.8);
        CU_ASSERT(want > 4 && want < 12); /* params: want (33 + 24) < 792 */
        dense_case(w, 0, 0.8, want);
    }
    /* W = P Q of rank 3: by energy (all but 1e-9) the split finds rank 3
     * and reproduces the layer (1e-4 relative) */
    rnd_fill(p, DO * 3);
    rnd_fill(q, 3 * DI);
    matmul(p, q, w, DO, 3, DI);
    dense_case(w, 0, 1.0 - 1e-9, 3);
    dense_case(w, 3, 0.0, 3);
}

/* ---- convolution --------------------------------------------------------- */

typedef struct {
    int one_d;
    int32_t h, w, c, f, kh, kw, sh, sw, dh, dw, pads[4];
    int32_t oh, ow;
} conv_geo;

/* y[oy][ox][f] = b[f] + sum W[f][ky][kx][c] x[oy sh - pt + ky dh][ox sw - pl + kx dw][c] */
static void conv_ref(const conv_geo *cg, const double *w, const double *b, const float *x,
                     double *y)
{
    int oy, ox, f, ky, kx, c;
    for (oy = 0; oy < cg->oh; oy++) {
        for (ox = 0; ox < cg->ow; ox++) {
            for (f = 0; f < cg->f; f++) {
                double acc = b[f];
                for (ky = 0; ky < cg->kh; ky++) {
                    int iy = oy * cg->sh - cg->pads[0] + ky * cg->dh;
                    for (kx = 0; kx < cg->kw; kx++) {
                        int ix = ox * cg->sw - cg->pads[1] + kx * cg->dw;
                        if (iy < 0 || iy >= cg->h || ix < 0 || ix >= cg->w) {
                            continue;
                        }
                        for (c = 0; c < cg->c; c++) {
                            acc += w[((f * cg->kh + ky) * cg->kw + kx) * cg->c + c] *
                                   (double)x[(iy * cg->w + ix) * cg->c + c];
                        }
                    }
                }
                y[(oy * cg->ow + ox) * cg->f + f] = acc;
            }
        }
    }
}

/* relu6: the layer carries a fused relu6 (kept by the second factor) */
static void conv_case(conv_geo *cg, const double *w, int rank, int want_rank, int relu6)
{
    enum { CN = 4 };
    int32_t K = cg->kh * cg->kw * cg->c, F = cg->f;
    int n_in = cg->h * cg->w * cg->c, n_out, i, j, r = -1, f1, f2;
    ir_shape in, ws, os;
    ir_graph *g;
    diag d;
    double *b = malloc((size_t)F * sizeof *b), *wf = malloc((size_t)(F * K) * sizeof *wf),
           *wr = malloc((size_t)(F * K) * sizeof *wr), *u = malloc((size_t)(F * F) * sizeof *u),
           *s = malloc((size_t)F * sizeof *s), *vt = malloc((size_t)(F * K) * sizeof *vt), *ref,
           *full, disc = -1.0, want_disc = 0.0;
    stoic_act_f32 act;
    float *x, *y0, *y1, *wfl = malloc((size_t)(F * K) * sizeof *wfl),
                       *bfl = malloc((size_t)F * sizeof *bfl);
    /* output size, derived: (in + pads - ((k - 1) d + 1)) / s + 1 */
    cg->oh = (cg->h + cg->pads[0] + cg->pads[2] - ((cg->kh - 1) * cg->dh + 1)) / cg->sh + 1;
    cg->ow = (cg->w + cg->pads[1] + cg->pads[3] - ((cg->kw - 1) * cg->dw + 1)) / cg->sw + 1;
    n_out = cg->oh * cg->ow * F;
    x = malloc((size_t)(CN * n_in) * sizeof *x);
    y0 = malloc((size_t)(CN * n_out) * sizeof *y0);
    y1 = malloc((size_t)(CN * n_out) * sizeof *y1);
    ref = malloc((size_t)n_out * sizeof *ref);
    full = malloc((size_t)n_out * sizeof *full);
    for (i = 0; i < F; i++) {
        bfl[i] = (float)(0.5 * rnd());
        b[i] = (double)bfl[i];
    }
    for (i = 0; i < F * K; i++) {
        wfl[i] = (float)w[i];
        wf[i] = (double)wfl[i];
    }
    for (i = 0; i < CN * n_in; i++) {
        x[i] = (float)rnd();
    }
    if (cg->one_d) {
        in = shp(2, cg->w, cg->c, 0, 0);
        ws = shp(3, F, cg->kw, cg->c, 0);
        os = shp(2, cg->ow, F, 0, 0);
    } else {
        in = shp(3, cg->h, cg->w, cg->c, 0);
        ws = shp(4, F, cg->kh, cg->kw, cg->c);
        os = shp(3, cg->oh, cg->ow, F, 0);
    }
    g = new_graph(&in);
    i = add_layer(g, cg->one_d ? IR_OP_CONV1D : IR_OP_CONV2D, "cv", wfl, &ws, bfl, F, &os);
    g->n[i].kernel[0] = cg->kh;
    g->n[i].kernel[1] = cg->kw;
    g->n[i].strides[0] = cg->sh;
    g->n[i].strides[1] = cg->sw;
    g->n[i].dilations[0] = cg->dh;
    g->n[i].dilations[1] = cg->dw;
    g->n[i].padding = IR_PAD_EXPLICIT;
    memcpy(g->n[i].pads, cg->pads, sizeof cg->pads);
    if (relu6) {
        g->n[i].act.kind = STOIC_ACT_CLAMP;
        g->n[i].act.lo = 0.0F;
        g->n[i].act.hi = 6.0F;
        g->n[i].act_name = ir_strdup("relu6");
    }
    act = g->n[i].act;
    memset(&d, 0, sizeof d);
    /* pass_shape agrees with the derived output shape */
    CU_ASSERT_FATAL(pass_shape(g, &d) == 0);
    CU_ASSERT(ir_shape_eq(&g->t[g->output].shape, &os));
    run_graph(g, x, CN, n_in, y0, n_out);
    for (i = 0; i < CN; i++) {
        conv_ref(cg, wf, b, x + i * n_in, full);
        for (j = 0; j < n_out; j++) {
            full[j] = act_apply(&act, full[j]);
            CU_ASSERT(fabs((double)y0[i * n_out + j] - full[j]) < 1e-5);
        }
    }
    CU_ASSERT_FATAL(lowrank_node(g, ir_find_node(g, "cv"), rank, 0.5, &d, &r, &disc) == 0);
    CU_ASSERT_EQUAL(d.errors + d.warnings, 0);
    CU_ASSERT_EQUAL(r, want_rank);
    /* shapes re-inferred from the new attributes agree with the ones set */
    {
        ir_shape mid;
        int tm = ir_find_tensor(g, "cv.lowrank");
        CU_ASSERT_FATAL(tm >= 0);
        mid = g->t[tm].shape;
        CU_ASSERT_FATAL(pass_order(g, &d) == 0);
        CU_ASSERT_FATAL(pass_shape(g, &d) == 0);
        tm = ir_find_tensor(g, "cv.lowrank");
        CU_ASSERT(ir_shape_eq(&g->t[tm].shape, &mid));
        CU_ASSERT(ir_shape_eq(&g->t[g->output].shape, &os));
        CU_ASSERT_EQUAL(g->t[tm].shape.d[g->t[tm].shape.rank - 1], r);
    }
    run_graph(g, x, CN, n_in, y1, n_out);
    f1 = ir_find_node(g, "cv.lowrank");
    f2 = ir_find_node(g, "cv");
    CU_ASSERT_FATAL(f1 == 0 && f2 == 1);
    CU_ASSERT_EQUAL(g->n[f1].filters, r);
    CU_ASSERT_EQUAL(g->n[f1].strides[0], cg->sh);
    CU_ASSERT_EQUAL(g->n[f1].strides[1], cg->sw);
    CU_ASSERT_EQUAL(g->n[f1].dilations[0], cg->dh);
    CU_ASSERT_EQUAL(g->n[f1].dilations[1], cg->dw);
    CU_ASSERT(memcmp(g->n[f1].pads, cg->pads, sizeof cg->pads) == 0);
    CU_ASSERT(g->n[f2].kernel[0] == 1 && g->n[f2].kernel[1] == 1);
    CU_ASSERT(g->n[f2].strides[0] == 1 && g->n[f2].strides[1] == 1);
    CU_ASSERT(g->n[f2].pads[0] == 0 && g->n[f2].pads[1] == 0 && g->n[f2].pads[2] == 0 &&
              g->n[f2].pads[3] == 0);
    CU_ASSERT_EQUAL(g->n[f2].filters, F);
    CU_ASSERT(g->n[f1].rank == r && g->n[f2].rank == r);
    CU_ASSERT_EQUAL(g->n[f1].act.kind, STOIC_ACT_NONE);
    CU_ASSERT_EQUAL(g->n[f2].act.kind, act.kind);
    CU_ASSERT(g->n[f2].act.hi == act.hi);
    /* reference: the same convolution with W_r, the truncated SVD of the
     * float weight as an F x K matrix */
    CU_ASSERT_FATAL(linalg_svd(wf, F, K, u, s, vt) == 0);
    for (i = r; i < F; i++) {
        want_disc += s[i] * s[i];
    }
    CU_ASSERT(fabs(disc - want_disc) <= 1e-9 * want_disc + 1e-12);
    truncate_svd(u, s, vt, F, K, F, r, wr);
    for (i = 0; i < CN; i++) {
        conv_ref(cg, wr, b, x + i * n_in, ref);
        for (j = 0; j < n_out; j++) {
            ref[j] = act_apply(&act, ref[j]);
            CU_ASSERT(fabs((double)y1[i * n_out + j] - ref[j]) < 1e-4 * (1.0 + fabs(ref[j])));
            if (want_disc < 1e-20) {
                CU_ASSERT(fabs((double)y1[i * n_out + j] - (double)y0[i * n_out + j]) <
                          1e-4 * (1.0 + fabs((double)y0[i * n_out + j])));
            }
        }
    }
    ir_free(g);
    free(b);
    free(wf);
    free(wr);
    free(u);
    free(s);
    free(vt);
    free(ref);
    free(full);
    free(x);
    free(y0);
    free(y1);
    free(wfl);
    free(bfl);
}

static void test_lowrank_conv2d(void)
{
    /* 9x11x3 input, 8 filters 3x3, strides 2x2, dilations 2x1, pads
     * (1, 2, 2, 0): output (9+3-5)/2+1 = 4 by (11+2-3)/2+1 = 6; K = 27 */
    conv_geo cg = { 0, 9, 11, 3, 8, 3, 3, 2, 2, 2, 1, { 1, 2, 2, 0 }, 0, 0 };
    double w[8 * 27], p[8 * 2], q[2 * 27];
    rng_seed(6);
    rnd_fill(w, 8 * 27);
    conv_case(&cg, w, 3, 3, 0);   /* params 3 (27+1) + 8 (3+1) = 116 < 224 */
    /* W = P Q of rank 2: the rank-2 split reproduces the layer */
    rnd_fill(p, 8 * 2);
    rnd_fill(q, 2 * 27);
    matmul(p, q, w, 8, 2, 27);
    conv_case(&cg, w, 2, 2, 1);
}

static void test_lowrank_conv1d(void)
{
    /* 13x4 input, 10 filters of 3, stride 2, dilation 2, pads (1, 0):
     * output (13+1-5)/2+1 = 5; K = 12 */
    conv_geo cg = { 1, 1, 13, 4, 10, 1, 3, 1, 2, 1, 2, { 0, 1, 0, 0 }, 0, 0 };
    double w[10 * 12];
    rng_seed(7);
    rnd_fill(w, 10 * 12);
    conv_case(&cg, w, 2, 2, 1);   /* params 2 (12+1) + 10 (2+1) = 56 < 130 */
}

/* ---- refusals ----------------------------------------------------------- */

static void test_lowrank_refused(void)
{
    /* dense 6 -> 5 at rank 3: 3 (6+1) + 5 (3+1) = 41 >= 5 (6+1) = 35 */
    ir_shape in = shp(1, 6, 0, 0, 0), ws = shp(2, 5, 6, 0, 0), os = shp(1, 5, 0, 0, 0);
    float w[30], b[5];
    ir_graph *g;
    diag d;
    int i, r = -1, nn, nt;
    double disc = -1.0;
    rng_seed(8);
    for (i = 0; i < 30; i++) {
        w[i] = (float)rnd();
    }
    for (i = 0; i < 5; i++) {
        b[i] = (float)rnd();
    }
    g = new_graph(&in);
    add_layer(g, IR_OP_DENSE, "fc", w, &ws, b, 5, &os);
    nn = g->nn;
    nt = g->nt;
    memset(&d, 0, sizeof d);
    d.quiet = 1;
    CU_ASSERT_EQUAL(lowrank_node(g, 0, 3, 0.0, &d, &r, &disc), 1);
    CU_ASSERT_EQUAL(d.warnings, 1);
    CU_ASSERT_EQUAL(d.errors, 0);
    CU_ASSERT_EQUAL(r, 3);
    CU_ASSERT(disc > 0.0);
    CU_ASSERT(g->nn == nn && g->nt == nt && g->n[0].rank == 0);
    /* the smallest rank that does not pay off: 1 (6+1) + 5 (1+1) = 17 < 35
     * pays; 2: 14 + 15 = 29 < 35 pays; 3 does not */
    CU_ASSERT_EQUAL(lowrank_node(g, 0, 10, 0.0, &d, &r, &disc), 1); /* clamped to 5 */
    CU_ASSERT_EQUAL(r, 5);
    CU_ASSERT(disc < 1e-20);
    CU_ASSERT_EQUAL(d.warnings, 2);
    /* errors: bad energy, negative rank, grouped convolution, not a layer */
    CU_ASSERT_EQUAL(lowrank_node(g, 0, 0, 0.0, &d, NULL, NULL), -1);
    CU_ASSERT_EQUAL(lowrank_node(g, 0, 0, 1.5, &d, NULL, NULL), -1);
    CU_ASSERT_EQUAL(lowrank_node(g, 0, -1, 0.5, &d, NULL, NULL), -1);
    CU_ASSERT_EQUAL(d.errors, 3);
    g->n[0].op = IR_OP_CONV2D;
    g->n[0].groups = 2;
    CU_ASSERT_EQUAL(lowrank_node(g, 0, 1, 0.0, &d, NULL, NULL), -1);
    g->n[0].op = IR_OP_SOFTMAX;
    CU_ASSERT_EQUAL(lowrank_node(g, 0, 1, 0.0, &d, NULL, NULL), -1);
    CU_ASSERT_EQUAL(d.errors, 5);
    /* rank 2 pays: split; splitting a factor again is an error */
    g->n[0].op = IR_OP_DENSE;
    g->n[0].groups = 1;
    CU_ASSERT_EQUAL(lowrank_node(g, 0, 2, 0.0, &d, &r, &disc), 0);
    CU_ASSERT_EQUAL(lowrank_node(g, 0, 1, 0.0, &d, NULL, NULL), -1);
    CU_ASSERT_EQUAL(d.errors, 6);
    ir_free(g);
}

/* ---- refits ------------------------------------------------------------- */

/* y = w z + b with z integers in [-4, 4], w multiples of 1/8 in [-2, 2],
 * b multiples of 1/4: every y is exact in float, so the map is exactly
 * linear in the data. */
static void exact_linear(int64_t n, int r, int out)
{
    double *w = malloc((size_t)(out * r) * sizeof *w), *b = malloc((size_t)out * sizeof *b),
           *wg = malloc((size_t)(out * r) * sizeof *wg), *bg = malloc((size_t)out * sizeof *bg);
    float *z = malloc((size_t)n * (size_t)r * sizeof *z),
          *y = malloc((size_t)n * (size_t)out * sizeof *y);
    int64_t i;
    int o, j;
    for (j = 0; j < out * r; j++) {
        w[j] = (double)rnd_int(-16, 16) / 8.0;
    }
    for (o = 0; o < out; o++) {
        b[o] = (double)rnd_int(-8, 8) / 4.0;
    }
    for (i = 0; i < n; i++) {
        for (j = 0; j < r; j++) {
            z[i * r + j] = (float)rnd_int(-4, 4);
        }
        for (o = 0; o < out; o++) {
            double acc = b[o];
            for (j = 0; j < r; j++) {
                acc += w[o * r + j] * (double)z[i * r + j];
            }
            y[i * out + o] = (float)acc;
            CU_ASSERT((double)y[i * out + o] == acc);
        }
    }
    CU_ASSERT_FATAL(refit_linear(wg, bg, z, y, n, r, out) == 0);
    for (j = 0; j < out * r; j++) {
        CU_ASSERT_DOUBLE_EQUAL(wg[j], w[j], 1e-8);
    }
    for (o = 0; o < out; o++) {
        CU_ASSERT_DOUBLE_EQUAL(bg[o], b[o], 1e-8);
    }
    free(w);
    free(b);
    free(wg);
    free(bg);
    free(z);
    free(y);
}

static double lin_sse(const double *w, const double *b, const float *z, const float *y, int64_t n,
                      int r, int out)
{
    double sse = 0.0;
    int64_t i;
    int o, j;
    for (i = 0; i < n; i++) {
        for (o = 0; o < out; o++) {
            double e = b[o] - (double)y[i * out + o];
            for (j = 0; j < r; j++) {
                e += w[o * r + j] * (double)z[i * r + j];
            }
            sse += e * e;
        }
    }
    return sse;
}

static void test_refit_linear(void)
{
    enum { K = 16, OUT = 6, R = 3, N = 500 };
    static double wt[OUT * K], bt[OUT], u[OUT * OUT], s[OUT], vt[OUT * K], v1[R * K],
        w2[OUT * R], wg[OUT * R], bg[OUT];
    static float z[N * R], y[N * OUT];
    double before, after;
    int i, j, o, l;
    rng_seed(9);
    exact_linear(200, 5, 3);
    exact_linear(2 * LINALG_BLOCK + 77, 4, 2); /* three blocks */
    /* noisy data: a layer W (OUT x K) with bias, its rank-R factors V1 =
     * sqrt(S) Vt, W2 = U sqrt(S); z = V1 x, y = W x + b + noise. Refitting
     * the second factor from (z, y) is the least-squares optimum, so it is
     * no worse than the unrefitted (W2, b) */
    rnd_fill(wt, OUT * K);
    for (o = 0; o < OUT; o++) {
        bt[o] = rnd();
    }
    CU_ASSERT_FATAL(linalg_svd(wt, OUT, K, u, s, vt) == 0);
    for (l = 0; l < R; l++) {
        for (j = 0; j < K; j++) {
            v1[l * K + j] = sqrt(s[l]) * vt[l * K + j];
        }
        for (o = 0; o < OUT; o++) {
            w2[o * R + l] = u[o * OUT + l] * sqrt(s[l]);
        }
    }
    for (i = 0; i < N; i++) {
        double x[K];
        rnd_fill(x, K);
        for (l = 0; l < R; l++) {
            double acc = 0.0;
            for (j = 0; j < K; j++) {
                acc += v1[l * K + j] * x[j];
            }
            z[i * R + l] = (float)acc;
        }
        for (o = 0; o < OUT; o++) {
            double acc = bt[o] + 0.05 * rnd();
            for (j = 0; j < K; j++) {
                acc += wt[o * K + j] * x[j];
            }
            y[i * OUT + o] = (float)acc;
        }
    }
    CU_ASSERT_FATAL(refit_linear(wg, bg, z, y, N, R, OUT) == 0);
    before = lin_sse(w2, bt, z, y, N, R, OUT);
    after = lin_sse(wg, bg, z, y, N, R, OUT);
    CU_ASSERT(after <= before);
    /* optimality: the residual is orthogonal to every column of [z | 1] */
    for (o = 0; o < OUT; o++) {
        for (l = 0; l <= R; l++) {
            double g = 0.0, scale = 0.0;
            for (i = 0; i < N; i++) {
                double e = bg[o] - (double)y[i * OUT + o], zl = l < R ? (double)z[i * R + l] : 1.0;
                for (j = 0; j < R; j++) {
                    e += wg[o * R + j] * (double)z[i * R + j];
                }
                g += e * zl;
                scale += fabs(e * zl);
            }
            CU_ASSERT(fabs(g) <= 1e-9 * scale + 1e-12);
        }
    }
    CU_ASSERT(refit_linear(wg, bg, z, y, 0, R, OUT) == -1);
}

/* dead: input column 1 is always 0 (a dead feature) and its true weights
 * are 0: rank deficient, the minimum-norm solution gives it weight 0 */
static void masked_case(int64_t n, int in, int out, int dead)
{
    double *w = calloc((size_t)(out * in), sizeof *w), *b = malloc((size_t)out * sizeof *b),
           *wg = malloc((size_t)(out * in) * sizeof *wg), *bg = malloc((size_t)out * sizeof *bg);
    unsigned char *keep = malloc((size_t)(out * in));
    float *x = malloc((size_t)n * (size_t)in * sizeof *x),
          *y = malloc((size_t)n * (size_t)out * sizeof *y);
    int64_t i;
    int o, j;
    /* row 0 keeps nothing, row 1 everything, the others about half */
    for (o = 0; o < out; o++) {
        for (j = 0; j < in; j++) {
            keep[o * in + j] = (unsigned char)(o == 0 ? 0 : (o == 1 ? 1 : rnd() > 0.0));
            if (keep[o * in + j] && !(dead && j == 1)) {
                w[o * in + j] = (double)rnd_int(-16, 16) / 8.0;
            }
        }
        b[o] = (double)rnd_int(-8, 8) / 4.0;
    }
    for (i = 0; i < n; i++) {
        for (j = 0; j < in; j++) {
            x[i * in + j] = dead && j == 1 ? 0.0F : (float)rnd_int(-4, 4);
        }
        for (o = 0; o < out; o++) {
            double acc = b[o];
            for (j = 0; j < in; j++) {
                acc += w[o * in + j] * (double)x[i * in + j];
            }
            y[i * out + o] = (float)acc;
        }
    }
    /* wg starts non-zero: masked entries must be written as 0 */
    for (j = 0; j < out * in; j++) {
        wg[j] = 7.0;
    }
    CU_ASSERT_FATAL(refit_masked(wg, bg, keep, x, y, n, in, out) == 0);
    for (j = 0; j < out * in; j++) {
        if (keep[j]) {
            CU_ASSERT_DOUBLE_EQUAL(wg[j], w[j], 1e-8);
        } else {
            CU_ASSERT(wg[j] == 0.0);
        }
    }
    for (o = 0; o < out; o++) {
        CU_ASSERT_DOUBLE_EQUAL(bg[o], b[o], 1e-8);
    }
    free(w);
    free(b);
    free(wg);
    free(bg);
    free(keep);
    free(x);
    free(y);
}

static void test_refit_masked(void)
{
    rng_seed(10);
    masked_case(300, 12, 5, 0);
    masked_case(300, 12, 5, 1);
    masked_case(LINALG_BLOCK + 500, 7, 3, 0); /* more than one block */
}

/* A recurrent layer (lstm, or gru with either reset form) [T I] -> [T H]
 * whose weight and recurrence are random: lowrank_rnn at rank 2 must give
 * the outputs of the same layer with both matrices replaced by their
 * rank-2 SVD truncations (the test's own, built from linalg_svd and
 * multiplied out: one dense factor in front and a projected recurrence on
 * one side, the plain kernel on product matrices on the other). */
#define RT 6
#define RI 8
#define RH 4
static ir_graph *rnn_graph(ir_op op, int lbr, const float *w, const float *r, const float *b)
{
    int G = op == IR_OP_LSTM ? 4 : 3, ni, t;
    ir_shape in = shp(2, RT, RI, 0, 0), ws = shp(2, G * RH, RI, 0, 0);
    ir_shape rs = shp(2, G * RH, RH, 0, 0), bs = shp(1, 2 * G * RH, 0, 0, 0);
    ir_graph *g = new_graph(&in);
    ni = ir_add_node(g, op, "rnn", op == IR_OP_LSTM ? "lstm" : "gru", 2);
    t = ir_add_tensor(g, "y", IR_T_ACT, 2);
    g->t[t].shape = shp(2, RT, RH, 0, 0);
    g->n[ni].inputs = malloc(sizeof(int));
    g->n[ni].inputs[0] = g->input;
    g->n[ni].n_inputs = 1;
    g->n[ni].output = t;
    g->n[ni].units = RH;
    g->n[ni].rnn_lbr = lbr;
    g->n[ni].params[0] = ir_add_const(g, "rnn.weight", &ws, w, 2);
    g->n[ni].params[1] = ir_add_const(g, "rnn.recurrence", &rs, r, 2);
    g->n[ni].params[2] = ir_add_const(g, "rnn.bias", &bs, b, 2);
    ir_set_output(g, t);
    ir_link(g);
    return g;
}

static void truncated(const float *a, int m, int n, int r, float *out)
{
    double ad[64 * 16], u[64 * 16], sv[16], vt[16 * 16], ar[64 * 16];
    int i, k = m < n ? m : n;
    for (i = 0; i < m * n; i++) {
        ad[i] = (double)a[i];
    }
    CU_ASSERT_FATAL(linalg_svd(ad, m, n, u, sv, vt) == 0);
    truncate_svd(u, sv, vt, m, n, k, r, ar);
    for (i = 0; i < m * n; i++) {
        out[i] = (float)ar[i];
    }
}

static void rnn_case(ir_op op, int lbr)
{
    int G = op == IR_OP_LSTM ? 4 : 3, i, r = -1, f;
    static float w[16 * RI], rr[16 * RH], b[32], wt[16 * RI], rt[16 * RH];
    static float x[RT * RI], y1[RT * RH], y2[RT * RH];
    ir_graph *g, *ref;
    diag d;
    double worst = 0.0, disc = -1.0;
    memset(&d, 0, sizeof d);
    for (i = 0; i < G * RH * RI; i++) {
        w[i] = (float)(0.6 * rnd());
    }
    for (i = 0; i < G * RH * RH; i++) {
        rr[i] = (float)(0.6 * rnd());
    }
    for (i = 0; i < 2 * G * RH; i++) {
        b[i] = (float)(0.3 * rnd());
    }
    for (i = 0; i < RT * RI; i++) {
        x[i] = (float)rnd();
    }
    truncated(w, G * RH, RI, 2, wt);
    truncated(rr, G * RH, RH, 2, rt);
    ref = rnn_graph(op, lbr, wt, rt, b);
    run_graph(ref, x, 1, RT * RI, y1, RT * RH);
    g = rnn_graph(op, lbr, w, rr, b);
    CU_ASSERT_FATAL(lowrank_rnn(g, ir_find_node(g, "rnn"), 2, 0.0, &d, &r, &disc) == 0);
    CU_ASSERT_EQUAL(d.errors + d.io_errors + d.warnings, 0);
    CU_ASSERT_EQUAL(r, 2);
    CU_ASSERT(disc > 0.0);
    run_graph(g, x, 1, RT * RI, y2, RT * RH);
    f = ir_find_node(g, "rnn.lowrank");
    CU_ASSERT_FATAL(f >= 0);
    CU_ASSERT_EQUAL(g->n[f].op, IR_OP_DENSE);
    CU_ASSERT_EQUAL(g->n[f].units, 2);
    i = ir_find_node(g, "rnn");
    CU_ASSERT_EQUAL(g->n[i].rnn_rank, 2);
    CU_ASSERT_EQUAL(g->n[i].inputs[0], g->n[f].output);
    CU_ASSERT_EQUAL(g->t[g->n[i].params[0]].shape.d[1], 2);
    CU_ASSERT_EQUAL(g->t[g->n[i].params[1]].shape.d[1], 2);
    CU_ASSERT_EQUAL(g->t[g->n[i].params[6]].shape.d[0], 2);
    CU_ASSERT_EQUAL(g->t[g->n[i].params[6]].shape.d[1], RH);
    for (i = 0; i < RT * RH; i++) {
        double e = fabs((double)y1[i] - (double)y2[i]);
        worst = e > worst ? e : worst;
    }
    CU_ASSERT(worst < 1e-5);
    ir_free(g);
    ir_free(ref);
}

static void test_lowrank_rnn(void)
{
    rng_seed(77);
    rnn_case(IR_OP_LSTM, 0);
    rnn_case(IR_OP_GRU, 0);
    rnn_case(IR_OP_GRU, 1);
}

UNIT_SUITE(lowrank_tests)
{
    CU_pSuite s = CU_add_suite("linalg and pass_lowrank", NULL, NULL);
    CU_add_test(s, "SVD of random matrices: reconstruction, orthonormality, signs, determinism",
                test_svd_random);
    CU_add_test(s, "SVD rejects bad sizes and non-finite input", test_svd_invalid);
    CU_add_test(s, "SVD of a known spectrum; truncation error = discarded sigma^2",
                test_svd_known_spectrum);
    CU_add_test(s, "SVD truncation error on random matrices", test_svd_truncation);
    CU_add_test(s, "lowrank_choose_rank on hand-made spectra", test_choose_rank);
    CU_add_test(s, "least squares: exact, normal equations, rank deficient, in blocks",
                test_lstsq);
    CU_add_test(s, "lowrank_node on dense: outputs vs truncated-SVD reference", test_lowrank_dense);
    CU_add_test(s, "lowrank_node on conv2d (stride, dilation, pads)", test_lowrank_conv2d);
    CU_add_test(s, "lowrank_node on conv1d", test_lowrank_conv1d);
    CU_add_test(s, "lowrank_node refusals and errors", test_lowrank_refused);
    CU_add_test(s, "refit_linear: exact recovery, no worse than unrefitted", test_refit_linear);
    CU_add_test(s, "refit_masked: masked entries 0, exact recovery, dead input", test_refit_masked);
    CU_add_test(s, "lowrank_rnn: input weight and recurrence == their truncations",
                test_lowrank_rnn);
}

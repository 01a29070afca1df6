/* bin/npycmp A.npy B.npy [--rtol R] [--atol A]
 * bin/npycmp --cat OUT.npy [--rows-of R.npy] A.npy [B.npy ...]
 *
 * Compares two .npy arrays of the same shape (any dtype npy_read supports,
 * converted to double). Element i passes if |a-b| <= atol + rtol*|b|; equal
 * values, including equal infinities, always pass; a NaN in either array,
 * or an infinity against any other value, fails. Prints a one-line summary.
 * Exit status: 0 all elements pass, 1 some differ or the shapes differ,
 * 2 bad usage or an unreadable file.
 *
 * --cat writes OUT.npy, float32 of shape [N, K]: row r is row r of A
 * (flattened), then row r of B, ... (each file [N, ...], the same N). The
 * tests use it to put the per-output files of `stoic eval --output ...`
 * of a model with several outputs into one row per sample, as the e2e
 * harness writes them. With --rows-of, N is the first dimension of R.npy
 * instead (each file then holds N rows of any shape: an ONNX test's
 * outputs of one sample whose batch axis stoic keeps are one row). Exit
 * status 0, or 2. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "npy.h"


static void usage(void)
{
    fprintf(stderr, "usage: npycmp A.npy B.npy [--rtol R] [--atol A]"
                    "  (defaults: rtol 1e-5, atol 1e-6)\n"
                    "       npycmp --cat OUT.npy [--rows-of R.npy] A.npy [B.npy ...]\n");
}

static int parse_tol(const char *opt, const char *s, double *v)
{
    char *end;

    errno = 0;
    *v = strtod(s, &end);
    if (end == s || *end != '\0' || errno != 0 || !(*v >= 0.0) || isinf(*v)) {
        fprintf(stderr, "npycmp: %s needs a finite non-negative number, not '%s'\n", opt, s);
        return -1;
    }
    return 0;
}

static double value_at(const npy_array *a, size_t i)
{
    switch (a->dtype) {
    case NPY_F32: return (double)((const float *)a->data)[i];
    case NPY_F64: return ((const double *)a->data)[i];
    case NPY_I32: return (double)((const int32_t *)a->data)[i];
    case NPY_I64: return (double)((const int64_t *)a->data)[i];
    case NPY_U8: return (double)((const uint8_t *)a->data)[i];
    case NPY_I8: return (double)((const int8_t *)a->data)[i];
    }
    return 0.0;
}

static void print_shape(const npy_array *a)
{
    int d;

    putchar('(');
    for (d = 0; d < a->ndim; d++) {
        printf(d == 0 ? "%lld" : ", %lld", (long long)a->shape[d]);
    }
    printf(a->ndim == 1 ? ",)" : ")");
}

/* the C-order multi-index of flat index i, as [i0, i1, ...] */
static void print_index(const npy_array *a, size_t i)
{
    size_t idx[NPY_MAX_DIMS];
    int d;

    for (d = a->ndim - 1; d >= 0; d--) {
        size_t n = (size_t)a->shape[d];
        idx[d] = i % n;
        i /= n;
    }
    putchar('[');
    for (d = 0; d < a->ndim; d++) {
        printf(d == 0 ? "%zu" : ", %zu", idx[d]);
    }
    putchar(']');
}

static int cat(int argc, char **argv)
{
    npy_array a[16];
    float *f[16], *y;
    size_t n = 0, per[16], tot = 0, r;
    int k, m = argc - 3, rc = 0, first = 3;
    npy_array rr;
    int64_t shape[2];
    uint8_t *buf = NULL;
    size_t len = 0;
    char err[512];
    FILE *o;

    if (argc >= 5 && strcmp(argv[3], "--rows-of") == 0) {
        if (npy_read(argv[4], SIZE_MAX, &rr, err, sizeof err) != 0 || rr.ndim < 1 ||
            rr.shape[0] < 1) {
            fprintf(stderr, "npycmp: %s: no rows\n", argv[4]);
            return 2;
        }
        n = (size_t)rr.shape[0];
        npy_free(&rr);
        first = 5;
        m = argc - 5;
    }
    if (m < 1 || m > 16) {
        usage();
        return 2;
    }
    for (k = 0; k < m; k++) {
        if (npy_read(argv[first + k], SIZE_MAX, &a[k], err, sizeof err) != 0) {
            fprintf(stderr, "npycmp: %s\n", err);
            return 2;
        }
        if (first == 3 && (a[k].ndim < 1 || a[k].shape[0] < 1 ||
                           (k > 0 && (size_t)a[k].shape[0] != n))) {
            fprintf(stderr, "npycmp: %s: not [N, ...] with the N of %s\n", argv[first + k],
                    argv[first]);
            return 2;
        }
        if (first == 3) {
            n = (size_t)a[k].shape[0];
        }
        if (a[k].count == 0 || a[k].count % n != 0) {
            fprintf(stderr, "npycmp: %s: %lu elements are not %lu rows\n", argv[first + k],
                    (unsigned long)a[k].count, (unsigned long)n);
            return 2;
        }
        per[k] = a[k].count / n;
        tot += per[k];
        f[k] = npy_to_f32(&a[k]);
        if (f[k] == NULL) {
            fprintf(stderr, "npycmp: out of memory\n");
            return 2;
        }
    }
    y = malloc(n * tot * sizeof *y);
    if (y == NULL) {
        fprintf(stderr, "npycmp: out of memory\n");
        return 2;
    }
    for (r = 0; r < n; r++) {
        size_t at = r * tot;
        for (k = 0; k < m; k++) {
            memcpy(y + at, f[k] + r * per[k], per[k] * sizeof *y);
            at += per[k];
        }
    }
    shape[0] = (int64_t)n;
    shape[1] = (int64_t)tot;
    o = NULL;
    if (npy_encode_f32(shape, 2, y, &buf, &len) != 0 || (o = fopen(argv[2], "wb")) == NULL ||
        fwrite(buf, 1, len, o) != len) {
        fprintf(stderr, "npycmp: %s: cannot write\n", argv[2]);
        rc = 2;
    }
    if (o != NULL && fclose(o) != 0) {
        fprintf(stderr, "npycmp: %s: cannot write\n", argv[2]);
        rc = 2;
    }
    for (k = 0; k < m; k++) {
        free(f[k]);
        npy_free(&a[k]);
    }
    free(y);
    free(buf);
    return rc;
}

int main(int argc, char **argv)
{
    const char *files[2];
    int nfiles = 0, i, d, rc;
    double rtol = 1e-5, atol = 1e-6, max_abs = 0.0, max_rel = 0.0;
    double fa = 0.0, fb = 0.0;
    size_t k, nfail = 0, first = 0;
    npy_array a, b;
    char err[512];

    if (argc >= 2 && strcmp(argv[1], "--cat") == 0) {
        return cat(argc, argv);
    }
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--rtol") == 0 || strcmp(argv[i], "--atol") == 0) {
            if (i + 1 >= argc) {
                usage();
                return 2;
            }
            if (parse_tol(argv[i], argv[i + 1], argv[i][2] == 'r' ? &rtol : &atol) != 0) {
                return 2;
            }
            i++;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            usage();
            return 2;
        } else if (nfiles < 2) {
            files[nfiles++] = argv[i];
        } else {
            usage();
            return 2;
        }
    }
    if (nfiles != 2) {
        usage();
        return 2;
    }

    if (npy_read(files[0], SIZE_MAX, &a, err, sizeof err) != 0) {
        fprintf(stderr, "npycmp: %s\n", err);
        return 2;
    }
    if (npy_read(files[1], SIZE_MAX, &b, err, sizeof err) != 0) {
        fprintf(stderr, "npycmp: %s\n", err);
        npy_free(&a);
        return 2;
    }

    rc = a.ndim == b.ndim ? 0 : 1;
    for (d = 0; rc == 0 && d < a.ndim; d++) {
        if (a.shape[d] != b.shape[d]) {
            rc = 1;
        }
    }
    if (rc != 0) {
        printf("npycmp: %s vs %s: shapes differ: ", files[0], files[1]);
        print_shape(&a);
        printf(" vs ");
        print_shape(&b);
        putchar('\n');
        npy_free(&a);
        npy_free(&b);
        return 1;
    }

    for (k = 0; k < a.count; k++) {
        double x = value_at(&a, k), y = value_at(&b, k), diff, rel;
        int ok;

        if (isnan(x) || isnan(y)) {
            ok = 0;
        } else if (x == y) {
            ok = 1;
            diff = 0.0;
            rel = 0.0;
        } else if (isinf(x) || isinf(y)) {
            ok = 0; /* an infinity only matches the same infinity */
            max_abs = INFINITY;
            max_rel = INFINITY;
        } else {
            diff = fabs(x - y);
            rel = y != 0.0 ? diff / fabs(y) : INFINITY;
            ok = diff <= atol + rtol * fabs(y);
            if (diff > max_abs) {
                max_abs = diff;
            }
            if (rel > max_rel) {
                max_rel = rel;
            }
        }
        if (!ok) {
            if (nfail == 0) {
                first = k;
                fa = x;
                fb = y;
            }
            nfail++;
        }
    }

    printf("npycmp: %s vs %s: %zu elements, max abs err %.6g, max rel err %.6g",
           files[0], files[1], a.count, max_abs, max_rel);
    if (nfail == 0) {
        printf(", all within rtol %g atol %g\n", rtol, atol);
    } else {
        printf(", %zu differ (rtol %g atol %g); first at ", nfail, rtol, atol);
        print_index(&a, first);
        printf(": %.9g vs %.9g\n", fa, fb);
    }
    npy_free(&a);
    npy_free(&b);
    return nfail == 0 ? 0 : 1;
}

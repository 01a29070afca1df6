/* top1 SCORES.npy LABELS.npy: prints the number of rows whose arg-max
 * (first maximum) equals the label, then the number of rows. Test helper. */
#include <stdio.h>
#include <stdlib.h>

#include "npy.h"

int main(int argc, char **argv)
{
    npy_array s, l;
    char err[512];
    float *v;
    int64_t *lab;
    size_t rows, cols, r, j, correct = 0;
    if (argc != 3) {
        fprintf(stderr, "usage: top1 SCORES.npy LABELS.npy\n");
        return 2;
    }
    if (npy_read(argv[1], (size_t)1 << 30, &s, err, sizeof err) != 0 ||
        npy_read(argv[2], (size_t)1 << 30, &l, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return 2;
    }
    if (s.ndim != 2 || l.ndim != 1 || l.shape[0] != s.shape[0]) {
        fprintf(stderr, "top1: shapes do not fit\n");
        return 2;
    }
    rows = (size_t)s.shape[0];
    cols = (size_t)s.shape[1];
    v = npy_to_f32(&s);
    lab = npy_to_i64(&l);
    if (v == NULL || lab == NULL) {
        return 2;
    }
    for (r = 0; r < rows; r++) {
        size_t best = 0;
        for (j = 1; j < cols; j++) {
            best = v[r * cols + j] > v[r * cols + best] ? j : best;
        }
        correct += (int64_t)best == lab[r];
    }
    printf("%zu %zu\n", correct, rows);
    free(v);
    free(lab);
    npy_free(&s);
    npy_free(&l);
    return 0;
}

/* tests/soc/rmse: prints the root-mean-square difference of two .npy
 * arrays with the same number of elements (any numeric dtype), in double,
 * with 6 significant digits. Exit 2 on an unreadable file or a size
 * mismatch. Usage: rmse GOT.npy WANT.npy */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "npy.h"

int main(int argc, char **argv)
{
    npy_array a, b;
    char err[256];
    float *fa, *fb;
    double s = 0.0;
    size_t i;
    if (argc != 3 || npy_read(argv[1], (size_t)1 << 30, &a, err, sizeof err) != 0) {
        fprintf(stderr, "rmse: %s\n", argc != 3 ? "usage: rmse GOT.npy WANT.npy" : err);
        return 2;
    }
    if (npy_read(argv[2], (size_t)1 << 30, &b, err, sizeof err) != 0) {
        fprintf(stderr, "rmse: %s\n", err);
        return 2;
    }
    if (a.count != b.count || a.count == 0) {
        fprintf(stderr, "rmse: %lu and %lu elements\n", (unsigned long)a.count,
                (unsigned long)b.count);
        return 2;
    }
    fa = npy_to_f32(&a);
    fb = npy_to_f32(&b);
    if (fa == NULL || fb == NULL) {
        return 2;
    }
    for (i = 0; i < a.count; i++) {
        double d = (double)fa[i] - (double)fb[i];
        s += d * d;
    }
    printf("%.6g\n", sqrt(s / (double)a.count));
    free(fa);
    free(fb);
    npy_free(&a);
    npy_free(&b);
    return 0;
}

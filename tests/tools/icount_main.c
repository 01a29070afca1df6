/* Runs one inference of a generated model, for instruction counting under
 * callgrind (--toggle-collect=<name>_run). Compiled with -include NAME.h and
 * -DRUN=NAME_run -DIN_SIZE=... -DOUT_SIZE=...
 * usage: icount X.npy ROW     ROW >= 0: that row of X;
 *        ROW -1: zeros, -2: +1e30 everywhere, -3: -1e30, -4: NaN. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "npy.h"

static float in[IN_SIZE];
static float out[OUT_SIZE];

int main(int argc, char **argv)
{
    npy_array x;
    char err[512];
    long row;
    size_t i;
    if (argc != 3) {
        fprintf(stderr, "usage: icount X.npy ROW\n");
        return 2;
    }
    row = strtol(argv[2], NULL, 10);
    if (row >= 0) {
        if (npy_read(argv[1], (size_t)1 << 30, &x, err, sizeof err) != 0 || x.dtype != NPY_F32 ||
            (size_t)(row + 1) * IN_SIZE > x.count) {
            fprintf(stderr, "icount: cannot use row %ld of %s\n", row, argv[1]);
            return 2;
        }
        memcpy(in, (const float *)x.data + (size_t)row * IN_SIZE, sizeof in);
        npy_free(&x);
    } else {
        float v = row == -1 ? 0.0F : row == -2 ? 1e30F : row == -3 ? -1e30F : 0.0F / 0.0F;
        for (i = 0; i < IN_SIZE; i++) {
            in[i] = v;
        }
    }
    RUN(in, out);
    printf("%g\n", (double)out[0]);
    return 0;
}

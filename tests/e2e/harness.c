/*
 * End-to-end test driver: linked with the sources stoic generated with
 * `--name model`. Runs model_run_float on every row of a float32 .npy and
 * writes the outputs as a float32 .npy.
 *
 *   harness INPUT.npy OUTPUT.npy [LIKE.npy]
 *
 * INPUT.npy has shape [N, ...] with MODEL_INPUT_SIZE elements per row.
 * OUTPUT.npy gets shape [N, MODEL_OUTPUT_SIZE]; with LIKE.npy (e.g. the
 * expected outputs) it gets LIKE's shape instead, provided that has the same
 * number of rows and elements -- so tools comparing shapes see [N, ...].
 * Prints "arena BYTES" (MODEL_ARENA_SIZE) on stdout.
 *
 * Build (see tests/e2e/run.sh):
 *   cc -std=c99 -Igenerator -IOUT tests/e2e/harness.c generator/npy.c
 *      generator/fileio.c OUT/*.o -lm
 * Exit: 0 ok, 1 bad data, 3 I/O error.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "npy.h"

#define MAX_NPY_BYTES ((size_t)1 << 30)

int main(int argc, char **argv)
{
    npy_array in;
    npy_array like;
    char err[512];
    float *x = NULL;
    float *y = NULL;
    uint8_t *buf = NULL;
    size_t len = 0;
    size_t n;
    size_t r;
    int64_t shape[NPY_MAX_DIMS];
    int ndim = 2;
    int k;
    FILE *f;

    if (argc != 3 && argc != 4) {
        fprintf(stderr, "usage: %s INPUT.npy OUTPUT.npy [LIKE.npy]\n", argv[0]);
        return 2;
    }
    if (npy_read(argv[1], MAX_NPY_BYTES, &in, err, sizeof err) != 0) {
        fprintf(stderr, "harness: %s\n", err);
        return 1;
    }
    /* rows of MODEL_INPUT_SIZE elements; the file's own first axis need not
     * be the row axis (an ONNX test tensor whose batch axis stoic keeps is
     * one row) */
    if (in.ndim < 1 || in.count == 0 || in.count % (size_t)MODEL_INPUT_SIZE != 0) {
        fprintf(stderr, "harness: %s: %lu elements, not N rows of %lu\n", argv[1],
                (unsigned long)in.count, (unsigned long)MODEL_INPUT_SIZE);
        npy_free(&in);
        return 1;
    }
    n = in.count / (size_t)MODEL_INPUT_SIZE;
    x = npy_to_f32(&in);
    y = (float *)calloc(n * (size_t)MODEL_OUTPUT_SIZE, sizeof(float));
    if (x == NULL || y == NULL) {
        fprintf(stderr, "harness: out of memory\n");
        return 3;
    }
    shape[0] = (int64_t)n;
    shape[1] = (int64_t)MODEL_OUTPUT_SIZE;
    if (argc == 4) {
        if (npy_read(argv[3], MAX_NPY_BYTES, &like, err, sizeof err) != 0) {
            fprintf(stderr, "harness: %s\n", err);
            return 1;
        }
        if (like.ndim < 1 ||
            like.count != n * (size_t)MODEL_OUTPUT_SIZE) {
            fprintf(stderr, "harness: %s: shape does not hold %lu rows of %lu elements\n",
                    argv[3], (unsigned long)n, (unsigned long)MODEL_OUTPUT_SIZE);
            return 1;
        }
        ndim = like.ndim;
        for (k = 0; k < like.ndim; k++) {
            shape[k] = like.shape[k];
        }
        npy_free(&like);
    }

    for (r = 0; r < n; r++) {
        model_run_float(x + r * (size_t)MODEL_INPUT_SIZE, y + r * (size_t)MODEL_OUTPUT_SIZE);
    }

    if (npy_encode_f32(shape, ndim, y, &buf, &len) != 0) {
        fprintf(stderr, "harness: cannot encode the output\n");
        return 3;
    }
    f = fopen(argv[2], "wb");
    if (f == NULL || fwrite(buf, 1, len, f) != len || fclose(f) != 0) {
        fprintf(stderr, "harness: %s: cannot write\n", argv[2]);
        return 3;
    }
    printf("arena %lu\n", (unsigned long)(MODEL_ARENA_SIZE));

    free(buf);
    free(y);
    free(x);
    npy_free(&in);
    return 0;
}

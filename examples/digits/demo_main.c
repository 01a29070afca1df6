/* Demo driver for the generated digits code: runs digits_run on every row
 * of a float32 .npy, prints top-1 accuracy against int64 labels, and writes
 * the outputs as .npy. Host program: uses stoic's own .npy reader. */
#include <stdio.h>
#include <stdlib.h>

#include "digits.h"
#include "fileio.h"
#include "npy.h"

int main(int argc, char **argv)
{
    npy_array x, y;
    char err[512];
    float *out;
    int64_t *labels;
    size_t rows, r, correct = 0;
    uint8_t *buf = NULL;
    size_t len = 0;
    int64_t shape[2];
    if (argc != 4) {
        fprintf(stderr, "usage: %s X.npy LABELS.npy OUT.npy\n", argv[0]);
        return 2;
    }
    if (npy_read(argv[1], (size_t)1 << 30, &x, err, sizeof err) != 0 ||
        npy_read(argv[2], (size_t)1 << 30, &y, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    rows = (size_t)x.shape[0];
    if (x.dtype != NPY_F32 || x.count != rows * DIGITS_INPUT_SIZE || y.count != rows) {
        fprintf(stderr, "demo: data does not fit the model\n");
        return 1;
    }
    labels = npy_to_i64(&y);
    out = malloc(rows * DIGITS_OUTPUT_SIZE * sizeof *out);
    if (labels == NULL || out == NULL) {
        return 3;
    }
    for (r = 0; r < rows; r++) {
        const float *in = (const float *)x.data + r * DIGITS_INPUT_SIZE;
        float *o = out + r * DIGITS_OUTPUT_SIZE;
        size_t j, best = 0;
        digits_run_float(in, o);
        for (j = 1; j < DIGITS_OUTPUT_SIZE; j++) {
            best = o[j] > o[best] ? j : best;
        }
        correct += (int64_t)best == labels[r];
    }
    printf("generated C code: top-1 accuracy %.2f%% (%zu/%zu)\n",
           100.0 * (double)correct / (double)rows, correct, rows);
    shape[0] = (int64_t)rows;
    shape[1] = DIGITS_OUTPUT_SIZE;
    if (npy_encode_f32(shape, 2, out, &buf, &len) != 0 || fileio_write_atomic(argv[3], buf, len) != 0) {
        fprintf(stderr, "demo: cannot write %s\n", argv[3]);
        return 3;
    }
    free(buf);
    free(out);
    free(labels);
    npy_free(&x);
    npy_free(&y);
    return 0;
}

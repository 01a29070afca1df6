/* libFuzzer harness: the .npy reader (generator/npy.c) and its callers for
 * --calib / --val / --input (compress_read_rows) and --labels
 * (compress_read_labels), on a small fixed model (input 2x3).
 *
 * Each input is the bytes of a .npy file. Checked besides the sanitizers:
 *   - npy_read: a failure leaves a message naming the file and no data; a
 *     success has ndim <= NPY_MAX_DIMS, count == the product of the shape
 *     and data; the conversions work;
 *   - a float32 array re-encoded by npy_encode_f32 reads back the same
 *     shape and the same bits;
 *   - compress_read_rows / compress_read_labels fail with a diagnostic or
 *     return what the shape says. */
#include "fuzz_common.h"

#include "compress.h"
#include "diag.h"
#include "ir.h"
#include "npy.h"
#include "pipeline.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_BYTES (1u << 20)

static char npy_path[PATH_MAX], npy2_path[PATH_MAX];
static ir_graph *model;

static const char model_xml[] =
    "<?xml version=\"1.0\"?>\n"
    "<model xmlns=\"urn:stoic:model:1\" name=\"m\">\n"
    "  <input name=\"x\" shape=\"2 3\"/>\n"
    "  <layers>\n"
    "    <relu name=\"r\" inputs=\"x\" output=\"y\"/>\n"
    "  </layers>\n"
    "  <output name=\"y\"/>\n"
    "</model>\n";

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char p[PATH_MAX];
    diag d;
    (void)argc;
    (void)argv;
    memset(&d, 0, sizeof d);
    fz_write(p, sizeof p, "m.xml", model_xml, sizeof model_xml - 1);
    model = pipeline_build(p, &d);
    if (model == NULL) {
        fz_fail("fuzz_npy: the fixed model does not load");
    }
    fz_path(npy_path, sizeof npy_path, "fz.npy");
    fz_path(npy2_path, sizeof npy2_path, "fz2.npy");
    return 0;
}

static void roundtrip(const npy_array *a)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    npy_array b;
    char err[512];
    int k;
    if (npy_encode_f32(a->shape, a->ndim, (const float *)a->data, &buf, &len) != 0) {
        fz_fail("fuzz_npy: npy_encode_f32 refused an array npy_read accepted");
    }
    fz_write(npy2_path, sizeof npy2_path, "fz2.npy", buf, len);
    free(buf);
    if (npy_read(npy2_path, (size_t)-1, &b, err, sizeof err) != 0) {
        fz_fail("fuzz_npy: npy_read refused what npy_encode_f32 wrote: %s", err);
    }
    if (b.dtype != NPY_F32 || b.ndim != a->ndim || b.count != a->count ||
        (a->count > 0 && memcmp(a->data, b.data, a->count * 4) != 0)) {
        fz_fail("fuzz_npy: npy_encode_f32 -> npy_read changed the array");
    }
    for (k = 0; k < a->ndim; k++) {
        if (a->shape[k] != b.shape[k]) {
            fz_fail("fuzz_npy: npy_encode_f32 -> npy_read changed the shape");
        }
    }
    npy_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    npy_array a;
    char err[512];
    diag d;
    int64_t rows = 0, *labels;
    float *x;
    if (size > MAX_BYTES) {
        return 0;
    }
    fz_write(npy_path, sizeof npy_path, "fz.npy", data, size);
    memset(err, 'x', sizeof err);
    if (npy_read(npy_path, MAX_BYTES, &a, err, sizeof err) != 0) {
        if (strncmp(err, npy_path, strlen(npy_path)) != 0 || memchr(err, '\0', sizeof err) == NULL) {
            fz_fail("fuzz_npy: a refused file without a message naming it");
        }
        if (a.data != NULL) {
            fz_fail("fuzz_npy: a refused file left data behind");
        }
    } else {
        size_t count = 1;
        int k;
        float *f;
        int64_t *iv;
        if (a.ndim < 0 || a.ndim > NPY_MAX_DIMS || a.data == NULL) {
            fz_fail("fuzz_npy: bad ndim or no data");
        }
        for (k = 0; k < a.ndim; k++) {
            if (a.shape[k] < 0) {
                fz_fail("fuzz_npy: negative dimension accepted");
            }
            count = a.shape[k] == 0 || count == 0 ? 0 : count * (size_t)a.shape[k];
        }
        if (count != a.count) {
            fz_fail("fuzz_npy: count is not the product of the shape");
        }
        f = npy_to_f32(&a);
        iv = npy_to_i64(&a);
        if (f == NULL || iv == NULL) {
            fz_fail("fuzz_npy: conversion failed");
        }
        free(f);
        free(iv);
        if (a.dtype == NPY_F32) {
            roundtrip(&a);
        }
        rows = a.ndim >= 1 ? a.shape[0] : 0;
        npy_free(&a);
    }

    /* the CLI's readers of calibration / validation rows and labels */
    memset(&d, 0, sizeof d);
    d.quiet = 1;
    x = compress_read_rows(model, npy_path, (int)(size & 1), &rows, &d);
    if (x == NULL && d.errors + d.io_errors == 0) {
        fz_fail("fuzz_npy: compress_read_rows failed without a diagnostic");
    }
    if (x != NULL && (rows < 1 || d.errors != 0)) {
        fz_fail("fuzz_npy: compress_read_rows returned rows with an error");
    }
    free(x);
    memset(&d, 0, sizeof d);
    d.quiet = 1;
    labels = compress_read_labels(npy_path, rows > 0 ? rows : 1, 6, &d);
    if (labels == NULL && d.errors + d.io_errors == 0) {
        fz_fail("fuzz_npy: compress_read_labels failed without a diagnostic");
    }
    free(labels);
    return 0;
}

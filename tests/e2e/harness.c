/*
 * End-to-end test driver: linked with the sources stoic generated with
 * `--name model`. Runs model_run_float on every row of a float32 .npy and
 * writes the outputs as a float32 .npy.
 *
 *   harness INPUT.npy OUTPUT.npy [LIKE.npy]
 *
 * INPUT.npy has shape [N, ...] with MODEL_INPUT_SIZE elements per row.
 * OUTPUT.npy gets shape [N, MODEL_OUTPUT_SIZE]; a model with several
 * outputs (MODEL_NUM_OUTPUTS, at most 4 here) gets its outputs side by side
 * in each row, in graph order: [N, MODEL_OUTPUT0_SIZE + ...]. With LIKE.npy (e.g. the
 * expected outputs) it gets LIKE's shape instead, provided that has the same
 * number of rows and elements -- so tools comparing shapes see [N, ...].
 * Prints "arena BYTES" (MODEL_ARENA_SIZE) on stdout. A model with the
 * streaming API (MODEL_STEPS, README "Streaming") is then run again on
 * every row as a stream -- model_reset, then one model_step_float per time
 * step -- and its outputs must equal model_run_float's bit for bit (exit 4
 * and the first difference otherwise; "stream: N rows equal ..." on
 * stdout).
 *
 *   harness --extremes [--nan]
 *
 *   harness INPUT.npy OUTPUT.npy [LIKE.npy] --extremes [--nan]
 *
 * does both, the rows first (one process: one sanitizer start-up).
 *
 * --extremes runs the model on extreme inputs, for the build with
 * -fsanitize=address,undefined (tests/e2e/run.sh, quant.sh): model_run_float
 * on rows of zeros, +-1e30, +-FLT_MAX, +-FLT_MIN/2 (subnormal), alternating
 * signs and a mix of magnitudes; with --nan (float models) also NaN, +-inf
 * and NaN between large values; for an integer model also model_run on
 * rows at the input type's extremes (all minimum, all maximum, zeros,
 * alternating), and the stream of each float row (a model with the
 * streaming API). Nothing is compared: the run must finish without a
 * sanitizer report. Prints "extremes: N rows".
 *
 * Build, in one piece (the model's sources in OUT):
 *   cc -std=c99 -Igenerator -IOUT tests/e2e/harness.c generator/npy.c
 *      generator/fileio.c OUT_OBJECTS
 * or in two, so that the driver is compiled once for many models
 * (tests/e2e/run.sh): the driver with -DHARNESS_DRIVER (no model.h), and
 * per model only the glue to the model, with -DHARNESS_GLUE -IOUT.
 * Exit: 0 ok, 1 bad data, 2 usage, 3 I/O error, 4 the stream differs.
 */
#include <stddef.h>

#if !defined(HARNESS_DRIVER) && !defined(HARNESS_GLUE)
#define HARNESS_DRIVER
#define HARNESS_GLUE
#endif

/* The model, as the driver sees it. */
extern const size_t harness_in_size;
extern const size_t harness_out_size;
extern const unsigned long harness_arena_size;
/* 0 for a float model, else the bytes of model_run's input elements */
extern const int harness_in_int_bytes;
void harness_run_float(const float *in, float *out);
/* model_run on integer input elements (harness_in_int_bytes each) */
void harness_run_int(const void *in);
/* 1 when the model has the streaming API (MODEL_STEPS): then
 * harness_stream runs model_reset and one model_step_float per time step
 * of a row and puts the outputs in model_run's layout */
extern const int harness_has_step;
void harness_stream(const float *in, float *out);

/* ---- the glue: the only part that includes model.h ----------------------- */
#ifdef HARNESS_GLUE
#include "model.h"

/* An integer model's input type: (type)0.5 is 0. */
#define MODEL_INPUT_IS_INT ((MODEL_INPUT_TYPE)0.5 == (MODEL_INPUT_TYPE)0)

const size_t harness_in_size = (size_t)MODEL_INPUT_SIZE;
#ifndef MODEL_NUM_OUTPUTS
const size_t harness_out_size = (size_t)MODEL_OUTPUT_SIZE;
#else
/* several outputs: where each starts in a row */
#if MODEL_NUM_OUTPUTS > 4
#error "tests/e2e/harness.c takes at most 4 outputs"
#endif
#define H_O1 ((size_t)MODEL_OUTPUT0_SIZE)
#define H_O2 (H_O1 + (size_t)MODEL_OUTPUT1_SIZE)
#if MODEL_NUM_OUTPUTS >= 3
#define H_O3 (H_O2 + (size_t)MODEL_OUTPUT2_SIZE)
#else
#define H_O3 H_O2
#endif
#if MODEL_NUM_OUTPUTS >= 4
#define H_O4 (H_O3 + (size_t)MODEL_OUTPUT3_SIZE)
#else
#define H_O4 H_O3
#endif
const size_t harness_out_size = H_O4;
#endif
const unsigned long harness_arena_size = (unsigned long)(MODEL_ARENA_SIZE);
const int harness_in_int_bytes = MODEL_INPUT_IS_INT ? (int)sizeof(MODEL_INPUT_TYPE) : 0;

#ifndef MODEL_NUM_OUTPUTS
void harness_run_float(const float *in, float *out)
{
    model_run_float(in, out);
}

void harness_run_int(const void *in)
{
    static MODEL_OUTPUT_TYPE out[MODEL_OUTPUT_SIZE];
    model_run((const MODEL_INPUT_TYPE *)in, out);
}
#else
void harness_run_float(const float *in, float *out)
{
#if MODEL_NUM_OUTPUTS == 2
    model_run_float(in, out, out + H_O1);
#elif MODEL_NUM_OUTPUTS == 3
    model_run_float(in, out, out + H_O1, out + H_O2);
#else
    model_run_float(in, out, out + H_O1, out + H_O2, out + H_O3);
#endif
}

void harness_run_int(const void *in)
{
    static MODEL_OUTPUT0_TYPE o0[MODEL_OUTPUT0_SIZE];
    static MODEL_OUTPUT1_TYPE o1[MODEL_OUTPUT1_SIZE];
#if MODEL_NUM_OUTPUTS == 2
    model_run((const MODEL_INPUT_TYPE *)in, o0, o1);
#elif MODEL_NUM_OUTPUTS == 3
    static MODEL_OUTPUT2_TYPE o2[MODEL_OUTPUT2_SIZE];
    model_run((const MODEL_INPUT_TYPE *)in, o0, o1, o2);
#else
    static MODEL_OUTPUT2_TYPE o2[MODEL_OUTPUT2_SIZE];
    static MODEL_OUTPUT3_TYPE o3[MODEL_OUTPUT3_SIZE];
    model_run((const MODEL_INPUT_TYPE *)in, o0, o1, o2, o3);
#endif
}
#endif

/* the streaming API (README "Streaming"): a step's input is the row's
 * elements of one time step (MODEL_STEP_INPUT_INNER contiguous ones per
 * outer position); a per-step output goes to its time step's place, a
 * last-step output is the last step's */
#ifdef MODEL_STEPS
const int harness_has_step = 1;
#define H_STEP_IN(t, si, in)                                                          \
    do {                                                                              \
        size_t o_, i_, in_ = (size_t)MODEL_STEP_INPUT_INNER;                          \
        for (o_ = 0; o_ < (size_t)MODEL_STEP_INPUT_SIZE / in_; o_++) {                \
            for (i_ = 0; i_ < in_; i_++) {                                            \
                (si)[o_ * in_ + i_] = (in)[(o_ * MODEL_STEPS + (t)) * in_ + i_];     \
            }                                                                         \
        }                                                                             \
    } while (0)
#define H_STEP_OUT(t, M, so, out)                                                     \
    do {                                                                              \
        size_t o_, i_, in_ = (size_t)MODEL_##M##_INNER;                               \
        for (o_ = 0; o_ < (size_t)MODEL_##M##_SIZE / in_; o_++) {                     \
            for (i_ = 0; i_ < in_; i_++) {                                            \
                if (MODEL_##M##_PER_STEP) {                                           \
                    (out)[(o_ * MODEL_STEPS + (t)) * in_ + i_] = (so)[o_ * in_ + i_]; \
                } else if ((t) + 1 == MODEL_STEPS) {                                  \
                    (out)[o_ * in_ + i_] = (so)[o_ * in_ + i_];                       \
                }                                                                     \
            }                                                                         \
        }                                                                             \
    } while (0)
void harness_stream(const float *in, float *out)
{
    static float si[MODEL_STEP_INPUT_SIZE];
    size_t t;
#ifndef MODEL_NUM_OUTPUTS
    static float so[MODEL_STEP_OUTPUT_SIZE];
#elif MODEL_NUM_OUTPUTS == 2
    static float so0[MODEL_STEP_OUTPUT0_SIZE], so1[MODEL_STEP_OUTPUT1_SIZE];
#else
#error "tests/e2e/harness.c streams models of at most 2 outputs"
#endif
    model_reset();
    for (t = 0; t < (size_t)MODEL_STEPS; t++) {
        H_STEP_IN(t, si, in);
#ifndef MODEL_NUM_OUTPUTS
        model_step_float(si, so);
        H_STEP_OUT(t, STEP_OUTPUT, so, out);
#else
        model_step_float(si, so0, so1);
        H_STEP_OUT(t, STEP_OUTPUT0, so0, out);
        H_STEP_OUT(t, STEP_OUTPUT1, so1, out + H_O1);
#endif
    }
}
#else
const int harness_has_step = 0;
void harness_stream(const float *in, float *out)
{
    (void)in;
    (void)out;
}
#endif
#endif

/* ---- the driver ------------------------------------------------------------ */
#ifdef HARNESS_DRIVER
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "npy.h"

#define MAX_NPY_BYTES ((size_t)1 << 30)

/* value of element i of float row kind k (kinds from N_FINITE_KINDS on
 * are not finite) */
static float extreme_f32(int k, size_t i)
{
    float sign = (i % 2U) != 0U ? -1.0f : 1.0f;
    switch (k) {
    case 0: return 0.0f;
    case 1: return 1e30f;
    case 2: return -1e30f;
    case 3: return sign * 1e30f;
    case 4: return FLT_MAX;
    case 5: return -FLT_MAX;
    case 6: return -sign * FLT_MAX;
    case 7: return sign * (FLT_MIN / 2.0f);
    case 8: return sign * (float)(i % 7U) * 1e10f;
    case 9: return NAN;
    case 10: return INFINITY;
    case 11: return -INFINITY;
    case 12: return (i % 2U) != 0U ? NAN : 1e30f;
    default: return (i % 3U) == 0U ? -INFINITY : ((i % 3U) == 1U ? INFINITY : NAN);
    }
}
#define N_FINITE_KINDS 9
#define N_ALL_KINDS 14

static int run_extremes(int nan)
{
    size_t n_in = harness_in_size;
    float *x = (float *)calloc(n_in, sizeof(float));
    float *y = (float *)calloc(harness_out_size, sizeof(float));
    int16_t *x16 = (int16_t *)calloc(n_in, sizeof(int16_t));
    int8_t *x8 = (int8_t *)calloc(n_in, sizeof(int8_t));
    int kinds = nan ? N_ALL_KINDS : N_FINITE_KINDS;
    int rows = 0;
    int k;
    size_t i;

    if (x == NULL || y == NULL || x16 == NULL || x8 == NULL) {
        fprintf(stderr, "harness: out of memory\n");
        return 3;
    }
    for (k = 0; k < kinds; k++) {
        for (i = 0; i < n_in; i++) {
            x[i] = extreme_f32(k, i);
        }
        harness_run_float(x, y);
        harness_stream(x, y);
        rows++;
    }
    if (harness_in_int_bytes == 1 || harness_in_int_bytes == 2) {
        /* the range of int8_t or int16_t */
        long lo = harness_in_int_bytes == 1 ? INT8_MIN : INT16_MIN;
        long hi = harness_in_int_bytes == 1 ? INT8_MAX : INT16_MAX;
        for (k = 0; k < 5; k++) {
            for (i = 0; i < n_in; i++) {
                long odd = (long)(i % 2U);
                long v = k == 0 ? lo : k == 1 ? hi : k == 2 ? 0L
                       : k == 3 ? (odd ? lo : hi) : (odd ? hi : lo);
                if (harness_in_int_bytes == 1) {
                    x8[i] = (int8_t)v;
                } else {
                    x16[i] = (int16_t)v;
                }
            }
            harness_run_int(harness_in_int_bytes == 1 ? (const void *)x8 : (const void *)x16);
            rows++;
        }
    } else if (harness_in_int_bytes != 0) {
        fprintf(stderr, "harness: model_run takes %d-byte integers\n", harness_in_int_bytes);
        return 3;
    }
    printf("extremes: %d rows\n", rows);
    free(x);
    free(y);
    free(x16);
    free(x8);
    return 0;
}

static int run_rows(int argc, char **argv);

int main(int argc, char **argv)
{
    int rc;
    int k;
    int nan = 0;
    int rows = argc;

    /* the first "--extremes" ends the rows' arguments */
    for (k = 1; k < argc; k++) {
        if (strcmp(argv[k], "--extremes") == 0) {
            rows = k;
            break;
        }
    }
    if (rows < argc) {
        if (argc - rows > 2 || (argc - rows == 2 && strcmp(argv[rows + 1], "--nan") != 0)) {
            fprintf(stderr, "usage: %s [INPUT.npy OUTPUT.npy [LIKE.npy]] --extremes [--nan]\n",
                    argv[0]);
            return 2;
        }
        nan = argc - rows == 2;
    }
    rc = 0;
    if (rows > 1 || rows == argc) {
        rc = run_rows(rows, argv);
    }
    if (rc == 0 && rows < argc) {
        rc = run_extremes(nan);
    }
    return rc;
}

/* the rows of INPUT.npy through the model (argv[1 .. argc-1]) */
static int run_rows(int argc, char **argv)
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
        fprintf(stderr, "usage: %s INPUT.npy OUTPUT.npy [LIKE.npy]\n"
                        "       %s --extremes [--nan]\n", argv[0], argv[0]);
        return 2;
    }
    if (npy_read(argv[1], MAX_NPY_BYTES, &in, err, sizeof err) != 0) {
        fprintf(stderr, "harness: %s\n", err);
        return 1;
    }
    /* rows of harness_in_size elements; the file's own first axis need not
     * be the row axis (an ONNX test tensor whose batch axis stoic keeps is
     * one row) */
    if (in.ndim < 1 || in.count == 0 || in.count % harness_in_size != 0) {
        fprintf(stderr, "harness: %s: %lu elements, not N rows of %lu\n", argv[1],
                (unsigned long)in.count, (unsigned long)harness_in_size);
        npy_free(&in);
        return 1;
    }
    n = in.count / harness_in_size;
    x = npy_to_f32(&in);
    y = (float *)calloc(n * harness_out_size, sizeof(float));
    if (x == NULL || y == NULL) {
        fprintf(stderr, "harness: out of memory\n");
        return 3;
    }
    shape[0] = (int64_t)n;
    shape[1] = (int64_t)harness_out_size;
    if (argc == 4) {
        if (npy_read(argv[3], MAX_NPY_BYTES, &like, err, sizeof err) != 0) {
            fprintf(stderr, "harness: %s\n", err);
            return 1;
        }
        if (like.ndim < 1 || like.count != n * harness_out_size) {
            fprintf(stderr, "harness: %s: shape does not hold %lu rows of %lu elements\n",
                    argv[3], (unsigned long)n, (unsigned long)harness_out_size);
            return 1;
        }
        ndim = like.ndim;
        for (k = 0; k < like.ndim; k++) {
            shape[k] = like.shape[k];
        }
        npy_free(&like);
    }

    for (r = 0; r < n; r++) {
        harness_run_float(x + r * harness_in_size, y + r * harness_out_size);
    }
    if (harness_has_step) {
        /* model_reset + MODEL_STEPS x model_step_float == model_run_float,
         * bit for bit, on every row */
        float *ys = (float *)calloc(harness_out_size, sizeof(float));
        if (ys == NULL) {
            fprintf(stderr, "harness: out of memory\n");
            return 3;
        }
        for (r = 0; r < n; r++) {
            size_t e;
            const float *yr = y + r * harness_out_size;
            harness_stream(x + r * harness_in_size, ys);
            for (e = 0; e < harness_out_size; e++) {
                if (memcmp(&ys[e], &yr[e], sizeof(float)) != 0) {
                    fprintf(stderr, "harness: row %lu, element %lu: streaming (reset, then "
                            "one step at a time) gives %.9g, the whole sequence %.9g\n",
                            (unsigned long)r, (unsigned long)e, (double)ys[e], (double)yr[e]);
                    return 4;
                }
            }
        }
        printf("stream: %lu rows equal to the whole sequence\n", (unsigned long)n);
        free(ys);
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
    printf("arena %lu\n", harness_arena_size);

    free(buf);
    free(y);
    free(x);
    npy_free(&in);
    return 0;
}
#endif

/* compress: the compression stage of the pipeline (../shared/design.md):
 * policy (CLI options and the compression policy file), calibration on
 * representative inputs, quantization; and the measurement of what it
 * cost against the float model on validation data. */
#ifndef STOIC_COMPRESS_H
#define STOIC_COMPRESS_H

#include <stdint.h>

#include "calib.h"
#include "config.h"
#include "diag.h"
#include "ir.h"

#define COMPRESS_HIST_BINS 2048

typedef struct {
    int precision;        /* cfg_precision from --precision, or CFG_PREC_UNSET */
    const char *calib;    /* --calib X.npy */
    const char *config;   /* --config COMPRESS.xml */
    int method;           /* calib_method from --calibration, or CALIB_UNSET */
    double percentile;    /* --percentile, 0 when not given */
} compress_options;

/* What was applied, for the report. */
typedef struct {
    int quantized;              /* some layer is integer */
    int has_config;
    compress_config cfg;
    const char *calib_path;
    char calib_sha256[65];
    int64_t calib_rows;
    calib_method method;
    double percentile;
    cfg_precision precision;    /* the default precision */
} compress_info;

/* Per-tensor error of the compressed model against the float model. */
typedef struct {
    int node;           /* node of the compressed graph that produces it */
    double signal;      /* sum of squares of the float values */
    double noise;       /* sum of squared differences */
    double max_abs;     /* largest |difference| */
} compress_layer_err;

typedef struct {
    int64_t rows;
    int has_labels;
    int64_t correct_float, correct_quant;
    compress_layer_err *layers; /* one per node of the compressed graph; node -1: no match */
    int n_layers;
} compress_evidence;

/* Does the command line or a policy file ask for any compression? */
int compress_wanted(const compress_options *o);

/* Loads the model and compresses it as asked: returns the planned,
 * compressed graph (a float graph when every layer stays float32), or
 * NULL after reporting errors. info is filled (free with compress_info_free). */
ir_graph *compress_build(const char *model, const compress_options *o, compress_info *info,
                         diag *d);
void compress_info_free(compress_info *info);

/* Reads rows of model input from a float32 .npy ([N, input shape] or
 * [N, input elements], N >= 1; finite values when finite != 0). Returns the data (caller
 * frees) and the number of rows, or NULL after reporting the error. */
float *compress_read_rows(const ir_graph *g, const char *path, int finite, int64_t *rows,
                          diag *d);

/* Runs both graphs on rows of x and measures per-layer error and (with
 * labels) top-1 accuracy of both. 0 or -1 (out of memory, reported). */
int compress_measure(const ir_graph *gf, const ir_graph *gq, const float *x, int64_t rows,
                     const int64_t *labels, compress_evidence *ev, diag *d);
void compress_evidence_free(compress_evidence *ev);

/* 10 log10(signal / noise), capped at 200 dB (no noise). */
double compress_sqnr_db(const compress_layer_err *e);

#endif

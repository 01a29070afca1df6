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
/* The largest top-1 budget (--max-accuracy-drop, <budget max_drop>): a
 * fraction of the validation rows; a user who writes 1 means 1 pp, not
 * 100 %, and above one half nothing is being bounded. */
#define COMPRESS_MAX_TOP1_DROP 0.5

typedef struct {
    int precision;        /* cfg_precision from --precision, or CFG_PREC_UNSET */
    int scales;           /* cfg_scales from --scales, or CFG_SCALES_UNSET */
    int bias;             /* cfg_bias from --bias, or CFG_BIAS_UNSET */
    const char *calib;    /* --calib X.npy */
    const char *config;   /* --config COMPRESS.xml */
    int method;           /* calib_method from --calibration, or CALIB_UNSET */
    double percentile;    /* --percentile, 0 when not given */
    int has_input_range;  /* --input-range LO:HI given */
    double input_range[2];
    cfg_compress cli;     /* --prune, --prune-channels, --prune-norm, --lowrank-rank,
                           * --lowrank-energy (negative: not given) */
    int no_refit;         /* --no-refit: skip the least-squares refits */
    double max_drop;      /* --max-accuracy-drop, negative when not given */
    int metric_mse;       /* --metric mse */
    int minimize_macs;    /* --minimize macs */
    const char *val;      /* --val X.npy (budget search and evidence) */
    const char *labels;   /* --labels L.npy */
} compress_options;

/* The compression of one layer (a dense or conv layer for the pruning and
 * low-rank fields), by name in the float model. */
typedef struct {
    char *name;
    cfg_precision precision;
    cfg_scales scales;    /* its int8 weights: a scale per output channel, or one */
    cfg_bias bias;        /* its folded biases: int32 or int16 */
    double sparsity;      /* unstructured pruning: fraction zeroed (0: none) */
    double channels;      /* structured pruning: fraction of output channels (0: none) */
    int norm;             /* 1 (l1) or 2 (l2) */
    int32_t rank;         /* low-rank: explicit rank (0: none) */
    double energy;        /* low-rank: energy kept (0: none, 1: none) */
    int prunable;         /* dense or conv (groups 1 or depthwise) */
    int channels_asked;   /* channels set for this layer by name (not a default) */
    int is_output;        /* produces the model output */
    /* results (compress_apply) */
    int32_t rank_applied;
    double sparsity_applied;
    int32_t channels_removed;
    double refit_before, refit_after; /* held-out MSE of the layer's pre-activation */
    int refit_kept;       /* 1 kept, 0 not tried, -1 tried and dropped */
} compress_layer;

typedef struct {
    compress_layer *l;
    int n;
} compress_plan;

/* One candidate of the budget search. */
typedef struct {
    char *what;           /* "fc1 sparsity 0.8", ... */
    int64_t bytes;
    int64_t macs;
    double metric;        /* top1: fraction of validation rows whose top-1 changed; or
                           * the outputs' MSE against the float model */
    double drop;          /* top-1 accuracy drop (fraction) */
    int accepted;
    int phase;            /* 0 the start, 1 the sensitivity pass, 2 the joint descent, 3 int4, 4 int16 biases */
    int fits;             /* within the budget on the validation rows */
    int pareto;           /* on the front of (objective, metric) of every candidate */
} compress_candidate;

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
    int has_input_range;        /* --input-range: the input's declared range */
    double input_range[2];
    cfg_precision precision;    /* the default precision */
    cfg_scales scales;          /* the default weight scales */
    cfg_bias bias;              /* the default bias form */
    compress_plan plan;         /* per layer, as applied */
    int refit;                  /* least-squares refits were tried */
    int searched;               /* the plan comes from a budget search */
    double max_drop;
    int metric_mse, minimize_macs;
    double base_metric;         /* the search's reference: float model's metric on val */
    double final_metric;
    double error_ceiling;       /* the search's ceiling on the outputs' relative squared
                                 * error (top-1 budget), or -1: none */
    compress_candidate *cand;   /* every candidate the search evaluated */
    int n_cand;
    float *calib_x;             /* the calibration rows (compress_prepare), or NULL */
    struct compress_cache *cache; /* what every compress_apply of one model shares */
    int eval_cache;             /* evaluations resume from kept activations (evcache.h);
                                 * 0 with STOIC_NO_EVAL_CACHE set (tests compare both) */
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

/* The compression stage is compress_prepare, a plan (the policy's, or
 * one the budget search of search.h chose), then compress_apply. The
 * search calls compress_apply; nothing here calls the search. */

/* Loads the model, resolves the policy into info->plan (every layer's
 * settings), reads the calibration rows into info->calib_x. Returns the
 * float graph (the reference of the search and of the evidence), or NULL
 * after reporting errors. info is filled (free with compress_info_free). */
ir_graph *compress_prepare(const char *model, const compress_options *o, compress_info *info,
                           diag *d);
void compress_info_free(compress_info *info);

/* Applies a plan to the model (low-rank, channel pruning, magnitude
 * pruning, refits, quantization, sparse emission), with info's calibration
 * rows (none: an all-float plan); the plan's result fields are filled.
 * Returns the planned, compressed graph (a float graph when every layer
 * stays float32), or NULL after reporting errors. What does not depend on
 * the plan (the float model's activations the refits fit to) is computed
 * once per info and kept in info->cache. */
ir_graph *compress_apply(const char *model, compress_info *info, compress_plan *p, diag *d);

/* Whether layer n of g has an int4 kernel: dense, and 2-D or 1-D
 * convolution with a 1x1 kernel, stride 1, no padding, groups 1
 * (stoic_dense_s4_pk); 3x3 2-D convolution of stride 1, dilation 1, one
 * input channel per group (stoic_conv2d_s8_dw3 with w4; padding beyond
 * one, which it does not take, leaves the weights int8 in bytes). */
int compress_int4_form(const ir_graph *g, const ir_node *n);
void compress_plan_free(compress_plan *p);
int compress_plan_copy(compress_plan *dst, const compress_plan *src);

/* Weight bytes and MACs of a (compressed) graph. */
int64_t compress_macs(const ir_graph *g);
int64_t compress_node_macs(const ir_graph *g, int node); /* sparse layers: kept entries only */

/* Reads rows of model input from a float32 .npy ([N, input shape] or
 * [N, input elements], N >= 1; finite values when finite != 0). Returns the data (caller
 * frees) and the number of rows, or NULL after reporting the error. */
float *compress_read_rows(const ir_graph *g, const char *path, int finite, int64_t *rows,
                          diag *d);

/* Reads int32/int64 labels of shape [rows], each a class index in
 * [0, classes); NULL after reporting. */
int64_t *compress_read_labels(const char *path, int64_t rows, int64_t classes, diag *d);

/* Reports npy.c's "PATH: byte N: what" as "PATH: byte N: error: what". */
void compress_npy_error(diag *d, const char *msg);

/* Runs both graphs on rows of x and measures per-layer error and (with
 * labels) top-1 accuracy of both. 0 or -1 (out of memory, reported). */
int compress_measure(const ir_graph *gf, const ir_graph *gq, const float *x, int64_t rows,
                     const int64_t *labels, compress_evidence *ev, diag *d);
void compress_evidence_free(compress_evidence *ev);

/* 10 log10(signal / noise), capped at 200 dB (no noise). */
double compress_sqnr_db(const compress_layer_err *e);

#endif

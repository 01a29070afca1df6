/* The compression policy file (schemas/compression.xsd, namespace
 * urn:stoic:compression:1):
 *
 *   <compression xmlns="urn:stoic:compression:1">
 *     <quantization precision="int8" calibration="percentile" percentile="99.99"/>
 *     <layer name="conv1" precision="int16"/>
 *   </compression>
 *
 * Read safely (generator/xml_safe.h: size cap, no DOCTYPE, no network or
 * external entities) and validated against the embedded schema; then
 * checked: layer names are unique, percentile is in (50, 100) (exclusive)
 * and is given only with calibration="percentile". Whether the named layers
 * exist is for the caller, who has the model (cfg_layer.line for its
 * message).
 *
 * Lines are libxml2's element lines, as in the model description's
 * diagnostics: the line on which the element's start tag ends. */
#ifndef STOIC_CONFIG_H
#define STOIC_CONFIG_H

#include <stdint.h>

#include "calib.h"
#include "diag.h"

#define CONFIG_MAX_BYTES (16L * 1024L * 1024L)

typedef enum {
    CFG_PREC_UNSET = -1,
    CFG_PREC_F32 = 0,
    CFG_PREC_INT8 = 1,
    CFG_PREC_INT16 = 2,
    CFG_PREC_INT4 = 3     /* int4 weights (dense, convolution), int8 activations */
} cfg_precision;

/* Pruning and low-rank settings; a negative value is "not set". */
typedef struct {
    double sparsity;         /* unstructured: fraction of weights zeroed */
    double channels;         /* structured: fraction of output channels removed */
    int norm;                /* 1 (l1) or 2 (l2); 0 unset */
    int32_t rank;            /* low-rank: explicit rank (0: off) */
    double energy;           /* low-rank: energy kept (0 < E <= 1) */
} cfg_compress;

/* The weight scales of a dense or conv layer (scales="..."). */
typedef enum {
    CFG_SCALES_UNSET = -1,
    CFG_SCALES_CHANNEL = 0,  /* one per output channel (the default) */
    CFG_SCALES_TENSOR = 1    /* one for the layer */
} cfg_scales;

/* The folded biases of an int8 packed layer (bias="..."). */
typedef enum {
    CFG_BIAS_UNSET = -1,
    CFG_BIAS_INT32 = 0,      /* the default */
    CFG_BIAS_INT16 = 1       /* int16 times 2^s (pass_quantize rounds them) */
} cfg_bias;

typedef struct {
    char *name;              /* layer name as written */
    cfg_precision precision; /* or CFG_PREC_UNSET */
    cfg_scales scales;       /* or CFG_SCALES_UNSET */
    cfg_bias bias;           /* or CFG_BIAS_UNSET */
    cfg_compress c;
    long line;               /* of its <layer> element */
} cfg_layer;

typedef struct {
    char *path;              /* as given to config_load */
    char sha256[65];         /* of the file's bytes, hex, for the report */
    cfg_precision precision; /* <quantization precision>, or CFG_PREC_UNSET */
    cfg_scales scales;       /* <quantization scales>, or CFG_SCALES_UNSET */
    cfg_bias bias;           /* <quantization bias>, or CFG_BIAS_UNSET */
    calib_method calib;      /* <quantization calibration>, or CALIB_UNSET */
    double percentile;       /* <quantization percentile>, 0 = unset */
    long line;               /* of <quantization>, or of <compression> without one */
    cfg_compress defaults;   /* <pruning>, <lowrank> */
    double max_drop;         /* <budget max_drop>, negative when absent */
    int metric_mse;          /* <budget metric="mse"> */
    int minimize_macs;       /* <budget minimize="macs"> */
    long budget_line;
    cfg_layer *layers;       /* in file order */
    int n_layers;
} compress_config;

/* Reads and checks the policy file. Returns 0 (free c with config_free), or
 * -1 after reporting "file:line: error: ..." diagnostics through d (input
 * errors; an I/O error or out of memory through diag_io); then c holds
 * nothing to free (config_free on it is harmless). */
int config_load(const char *path, compress_config *c, diag *d);
void config_free(compress_config *c);
/* All fields "not set". */
void cfg_compress_unset(cfg_compress *c);

/* "int8" -> CFG_PREC_INT8, "int16" -> CFG_PREC_INT16, "int4" -> CFG_PREC_INT4, "float32" ->
 * CFG_PREC_F32; -1 (= CFG_PREC_UNSET) for anything else or NULL. */
int cfg_precision_parse(const char *s);
/* "int32" or "int16" (bias="...", --bias) -> cfg_bias; -1 otherwise */
int cfg_bias_parse(const char *s);
/* "int8", "int16", "int4", "float32"; "unset" for CFG_PREC_UNSET, "unknown" otherwise. */
const char *cfg_precision_name(cfg_precision p);

#endif

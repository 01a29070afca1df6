#include "compress.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckd.h"
#include "eval.h"
#include "evcache.h"
#include "fileio.h"
#include "lowrank.h"
#include "prune.h"
#include "npy.h"
#include "pass.h"
#include "pipeline.h"
#include "sha256.h"

#define NPY_MAX ((size_t)2047 * 1024 * 1024)

/* The default calibration method, chosen by measurement (README,
 * "Calibration"). */
#define DEFAULT_METHOD CALIB_MSE
#define DEFAULT_PERCENTILE 99.99

int compress_wanted(const compress_options *o)
{
    return o->config != NULL || (o->precision != CFG_PREC_UNSET && o->precision != CFG_PREC_F32) ||
           o->cli.sparsity > 0.0 || o->cli.channels > 0.0 || o->cli.rank > 0 ||
           (o->cli.energy > 0.0 && o->cli.energy < 1.0) || o->max_drop >= 0.0;
}

/* ---- what every compress_apply of one model shares ------------------------ */

/* At most this many floats of the float model's activations are kept
 * (the rest is recomputed per plan): 512 MB. */
#define CACHE_MAX_FLOATS ((int64_t)128 * 1024 * 1024)

/* A dense or conv layer of the float model on the calibration rows. */
typedef struct {
    char *name;
    float *z;          /* its inputs, samples x tin (a conv's: im2col rows) */
    float *y;          /* its pre-activation outputs, samples x tout */
    int64_t samples;
    int tin, tout;
} teacher_layer;

/* A layer's refit, for the plan of the layers up to it: what the refit
 * of that layer depends on (its inputs come from the layers before it,
 * its shape and zero pattern from its own settings). */
typedef struct {
    char *key;         /* plan_key of the layers up to it */
    float *w, *b;      /* the refit weights and bias (kept == 1) */
    int64_t nw, nb;
    double before, after;
    int kept;
} refit_entry;

/* A tensor's calibration statistics (both passes) and per-channel sums
 * (last axis), by the content key of its values (evcache.h). */
typedef struct {
    evc_key key;
    calib_stat st;
    double *sum;
    int32_t ch;
    uint64_t tick;
    /* the last range chosen from st (calib_choose), for these settings */
    int chosen, method, int16, choose_rc;
    double percentile, lo, hi;
} stat_entry;

struct compress_cache {
    ir_graph *gt;      /* the float model: the teacher of the refits */
    ir_graph *built;   /* the model as pipeline_build gives it, copied for each quiet apply */
    evc_store *rows;   /* float activations on the calibration rows (refits, calibration) */
    stat_entry *st;    /* calibration statistics, least recently used first out */
    int nst, cap_st;
    uint64_t tick;
    teacher_layer *l;
    int n;
    int64_t floats;    /* held by l */
    refit_entry *r;    /* oldest first */
    int nr;
    int64_t r_floats;  /* held by r, at most REFIT_CACHE_FLOATS */
};

/* Activations kept on the calibration rows (evcache.h): 512 MB; and
 * calibration statistics of at most this many tensors (16 KB each). */
#define ROWS_CACHE_BYTES ((int64_t)512 * 1024 * 1024)
#define STAT_CACHE_MAX 4096

/* Refits kept for reuse (plans sharing the leading layers): 256 MB. */
#define REFIT_CACHE_FLOATS ((int64_t)64 * 1024 * 1024)

static void cache_free(struct compress_cache *c)
{
    int i;
    if (c == NULL) {
        return;
    }
    for (i = 0; i < c->n; i++) {
        free(c->l[i].name);
        free(c->l[i].z);
        free(c->l[i].y);
    }
    free(c->l);
    for (i = 0; i < c->nr; i++) {
        free(c->r[i].key);
        free(c->r[i].w);
        free(c->r[i].b);
    }
    free(c->r);
    for (i = 0; i < c->nst; i++) {
        calib_free(&c->st[i].st);
        free(c->st[i].sum);
    }
    free(c->st);
    evc_free(c->rows);
    ir_free(c->gt);
    ir_free(c->built);
    free(c);
}

/* info's cache, made on first use (NULL: out of memory). */
static struct compress_cache *cache_of(compress_info *info)
{
    if (info->cache == NULL) {
        info->cache = calloc(1, sizeof *info->cache);
    }
    return info->cache;
}

/* The store of activations on the calibration rows of graph g's input,
 * or NULL: evaluations are not resumed (STOIC_NO_EVAL_CACHE, no
 * calibration rows, out of memory). */
static evc_store *rows_store(compress_info *info, const ir_graph *g)
{
    struct compress_cache *c;
    if (!info->eval_cache || info->calib_x == NULL || (c = cache_of(info)) == NULL) {
        return NULL;
    }
    if (c->rows == NULL) {
        c->rows = evc_new(info->calib_x, info->calib_rows, ir_shape_count(&g->t[g->input].shape),
                          ROWS_CACHE_BYTES);
    }
    return c->rows;
}

/* A copy of g that owns everything (ir_clone shares the constants); NULL
 * when out of memory or g has what ir_clone drops (kept channels). */
static ir_graph *deep_copy(const ir_graph *g)
{
    ir_graph *c;
    void **data = calloc((size_t)g->nt + 1, sizeof *data);
    void **qdata = calloc((size_t)g->nt + 1, sizeof *qdata);
    ir_file *files = calloc((size_t)g->n_files + 1, sizeof *files);
    int i, ok = data != NULL && qdata != NULL && files != NULL;
    for (i = 0; ok && i < g->nn; i++) {
        ok = g->n[i].kept == NULL;
    }
    c = ok ? ir_clone(g) : NULL;
    ok = c != NULL;
    for (i = 0; ok && i < g->nt; i++) {
        const ir_tensor *t = &g->t[i];
        size_t bytes = 0;
        if (t->data != NULL) {
            ok = !ckd_bytes(&bytes, ir_shape_count(&t->shape), sizeof(float)) &&
                 (data[i] = malloc(bytes + 1)) != NULL;
            if (ok) {
                memcpy(data[i], t->data, bytes);
            }
        }
        if (ok && t->qdata != NULL) {
            ok = !ckd_bytes(&bytes, ir_shape_count(&t->shape), ir_dtype_size(t->dtype)) &&
                 (qdata[i] = malloc(bytes + 1)) != NULL;
            if (ok) {
                memcpy(qdata[i], t->qdata, bytes);
            }
        }
    }
    for (i = 0; ok && i < g->n_files; i++) {
        files[i] = g->files[i];
        files[i].path = ir_strdup(g->files[i].path);
        ok = g->files[i].path == NULL || files[i].path != NULL;
    }
    if (ok) {
        for (i = 0; i < g->nt; i++) {
            c->t[i].data = data[i];
            c->t[i].qdata = qdata[i];
        }
        c->files = files;
        c->n_files = g->n_files;
        c->borrowed = 0;
        files = NULL;
    } else {
        for (i = 0; data != NULL && qdata != NULL && i < g->nt; i++) {
            free(data[i]);
            free(qdata[i]);
        }
        for (i = 0; files != NULL && i < g->n_files; i++) {
            free(files[i].path);
        }
        ir_free(c); /* borrowed: frees its own names only */
        c = NULL;
    }
    free(files);
    free(data);
    free(qdata);
    return c;
}

/* The model built (pipeline_build). With a quiet d (the search's
 * measurements) a copy of the first build, which stays in info's cache:
 * the weights file is read and hashed once, not per candidate; a build
 * that reports (the chosen plan's) builds anew. */
static ir_graph *build_model(const char *model, compress_info *info, diag *d)
{
    struct compress_cache *c;
    ir_graph *g;
    if (!d->quiet || !info->eval_cache || (c = cache_of(info)) == NULL) {
        return pipeline_build(model, d);
    }
    if (c->built == NULL) {
        c->built = pipeline_build(model, d);
        if (c->built == NULL) {
            return NULL;
        }
    }
    g = deep_copy(c->built);
    return g != NULL ? g : pipeline_build(model, d);
}

void compress_info_free(compress_info *info)
{
    int i;
    if (info->has_config) {
        config_free(&info->cfg);
    }
    info->has_config = 0;
    compress_plan_free(&info->plan);
    for (i = 0; i < info->n_cand; i++) {
        free(info->cand[i].what);
    }
    free(info->cand);
    info->cand = NULL;
    info->n_cand = 0;
    free(info->calib_x);
    info->calib_x = NULL;
    cache_free(info->cache);
    info->cache = NULL;
}

void compress_npy_error(diag *d, const char *msg)
{
    /* npy.c writes "FILE: byte N: what" or "FILE: what"; FILE may hold
     * ": " too, so split at the last "byte N:" or the first ": ". */
    const char *b = strstr(msg, ": byte ");
    const char *colon = b != NULL ? strchr(b + 7, ':') : NULL;
    const char *c = strstr(msg, ": ");
    if (colon != NULL) {
        diag_error_line(d, "%.*s: error:%s", (int)(colon - msg), msg, colon + 1);
    } else if (c != NULL) {
        diag_error_line(d, "%.*s: error: %s", (int)(c - msg), msg, c + 2);
    } else {
        diag_error_line(d, "stoic: error: %s", msg);
    }
}

int64_t *compress_read_labels(const char *path, int64_t rows, int64_t classes, diag *d)
{
    npy_array y;
    char err[512];
    int64_t *labels = NULL;
    memset(&y, 0, sizeof y);
    if (npy_read(path, NPY_MAX, &y, err, sizeof err) != 0) {
        compress_npy_error(d, err);
        return NULL;
    }
    if ((y.dtype != NPY_I32 && y.dtype != NPY_I64) || y.ndim != 1 || y.shape[0] != rows) {
        diag_error(d, path, 0, "labels must be int32 or int64 of shape [%lld]", (long long)rows);
    } else {
        labels = npy_to_i64(&y);
        if (labels == NULL) {
            diag_io(d, NULL, "out of memory");
        } else {
            int64_t r;
            for (r = 0; r < rows; r++) {
                if (labels[r] < 0 || labels[r] >= classes) {
                    diag_error(d, path, 0, "label %lld of row %lld is not a class index of the "
                               "model's output (0 to %lld)", (long long)labels[r], (long long)r,
                               (long long)(classes - 1));
                    free(labels);
                    labels = NULL;
                    break;
                }
            }
        }
    }
    npy_free(&y);
    return labels;
}

float *compress_read_rows(const ir_graph *g, const char *path, int finite, int64_t *rows,
                          diag *d)
{
    npy_array x;
    char err[512];
    int64_t in_n = ir_shape_count(&g->t[g->input].shape);
    int k, ok;
    size_t i;
    float *out = NULL;
    memset(&x, 0, sizeof x);
    if (npy_read(path, NPY_MAX, &x, err, sizeof err) != 0) {
        compress_npy_error(d, err);
        return NULL;
    }
    *rows = x.ndim >= 1 ? x.shape[0] : 0;
    {
        int64_t want = 0;
        ok = x.ndim >= 2 && *rows >= 1 && !ckd_mul_i64(&want, *rows, in_n) &&
             (int64_t)x.count == want;
    }
    if (ok && !(x.ndim == 2 && x.shape[1] == in_n)) {
        /* the input's shape, or that shape without leading axes of size 1
         * (a batch of one that the ONNX import kept: rows [50 3] of a
         * model input [1 50 3]) */
        const ir_shape *is = &g->t[g->input].shape;
        int skip = is->rank - (x.ndim - 1);
        ok = skip >= 0;
        for (k = 0; k < skip && ok; k++) {
            ok = is->d[k] == 1;
        }
        for (k = 1; k < x.ndim && ok; k++) {
            ok = x.shape[k] == is->d[skip + k - 1];
        }
    }
    if (x.dtype != NPY_F32) {
        diag_error(d, path, 0, "data must be float32 ('<f4')");
    } else if (!ok) {
        char sh[64];
        ir_shape_str(&g->t[g->input].shape, sh, sizeof sh);
        diag_error(d, path, 0,
                   "shape does not fit the model input: expected [N, %s] or [N, %lld] with N >= 1",
                   sh, (long long)in_n);
    } else {
        const float *v = x.data;
        for (i = 0; finite && i < x.count; i++) {
            if (!isfinite(v[i])) {
                diag_error(d, path, 0, "row %lld, element %lld is not finite (%g)",
                           (long long)((int64_t)i / in_n), (long long)((int64_t)i % in_n),
                           (double)v[i]);
                break;
            }
        }
        if (!finite || i == x.count) {
            out = x.data;
            x.data = NULL;
        }
    }
    npy_free(&x);
    return out;
}

static int hash_file(const char *path, char hex[65])
{
    char *buf = NULL;
    size_t len = 0;
    if (fileio_read_all(path, NPY_MAX, &buf, &len) != 0) {
        return -1;
    }
    sha256_hex(buf, len, hex);
    free(buf);
    return 0;
}

/* ---- policy -------------------------------------------------------------- */

static ir_dtype dtype_of(cfg_precision p)
{
    return (p == CFG_PREC_INT8 || p == CFG_PREC_INT4) ? IR_DT_S8
                                                      : (p == CFG_PREC_INT16 ? IR_DT_S16 : IR_DT_F32);
}

/* Does the space-separated list s contain name? */
static int in_list(const char *s, const char *name)
{
    size_t n = strlen(name);
    while (s != NULL && *s != '\0') {
        const char *e = strchr(s, ' ');
        size_t len = e != NULL ? (size_t)(e - s) : strlen(s);
        if (len == n && strncmp(s, name, n) == 0) {
            return 1;
        }
        s = e != NULL ? e + 1 : NULL;
    }
    return 0;
}

static int prunable(const ir_graph *g, const ir_node *n)
{
    const ir_shape *is = &g->t[n->inputs[0]].shape;
    int32_t cin = is->d[is->rank - 1];
    return n->op == IR_OP_DENSE || n->op == IR_OP_LSTM || n->op == IR_OP_GRU ||
           ((n->op == IR_OP_CONV2D || n->op == IR_OP_CONV1D) &&
            (n->groups == 1 || (n->groups == cin && n->filters == cin)));
}

int compress_int4_form(const ir_graph *g, const ir_node *n)
{
    const ir_shape *is = &g->t[n->inputs[0]].shape;
    if (n->op == IR_OP_DENSE) {
        return 1;
    }
    if (n->op == IR_OP_CONV2D && n->kernel[0] == 3 && n->kernel[1] == 3 && n->strides[0] == 1 &&
        n->strides[1] == 1 && n->dilations[0] == 1 && n->dilations[1] == 1 &&
        n->groups == is->d[is->rank - 1]) {
        return 1; /* stoic_conv2d_s8_dw3 (w4): depthwise, or one input channel */
    }
    return (n->op == IR_OP_CONV2D || n->op == IR_OP_CONV1D) && n->groups == 1 &&
           n->kernel[0] == 1 && n->kernel[1] == 1 && n->strides[0] == 1 && n->strides[1] == 1 &&
           (n->pads[0] | n->pads[1] | n->pads[2] | n->pads[3]) == 0;
}

static void merge(cfg_compress *dst, const cfg_compress *src)
{
    if (src->sparsity >= 0.0) {
        dst->sparsity = src->sparsity;
    }
    if (src->channels >= 0.0) {
        dst->channels = src->channels;
    }
    if (src->norm > 0) {
        dst->norm = src->norm;
    }
    if (src->rank >= 0) {
        dst->rank = src->rank;
        dst->energy = src->rank > 0 ? -1.0 : dst->energy;
    }
    if (src->energy >= 0.0) {
        dst->energy = src->energy;
        dst->rank = src->energy > 0.0 ? -1 : dst->rank;
    }
}

void compress_plan_free(compress_plan *p)
{
    int i;
    for (i = 0; i < p->n; i++) {
        free(p->l[i].name);
    }
    free(p->l);
    p->l = NULL;
    p->n = 0;
}

int compress_plan_copy(compress_plan *dst, const compress_plan *src)
{
    int i;
    dst->n = 0;
    dst->l = calloc((size_t)src->n + 1, sizeof *dst->l);
    if (dst->l == NULL) {
        return -1;
    }
    for (i = 0; i < src->n; i++) {
        dst->l[i] = src->l[i];
        dst->l[i].name = ir_strdup(src->l[i].name);
        if (dst->l[i].name == NULL) {
            compress_plan_free(dst);
            return -1;
        }
        dst->n++;
    }
    return 0;
}

/* Whether n is one of the layers pass_convt made of the transposed
 * convolution `name` (NAME.rows, NAME.cols, ...: its name, a '.', a
 * suffix without '.', the same XML element as the layer NAME's). */
static int convt_part_of(const ir_graph *g, const ir_node *n, const char *name)
{
    size_t len = strlen(name);
    int i;
    if (strncmp(n->xml_op, "conv_transpose", 14) != 0 || strncmp(n->name, name, len) != 0 ||
        n->name[len] != '.' || strchr(n->name + len + 1, '.') != NULL) {
        return 0;
    }
    for (i = 0; i < g->nn; i++) {
        if (strcmp(g->n[i].name, name) == 0 && strcmp(g->n[i].xml_op, n->xml_op) == 0) {
            return 1;
        }
    }
    return 0;
}

/* The plan of every layer of g: defaults (policy file, then command
 * line), then the policy's per-layer settings. */
static int resolve_plan(const ir_graph *g, const compress_info *info, const compress_options *o,
                        compress_plan *p, diag *d)
{
    int i, k, rc = 0;
    cfg_compress def;
    cfg_compress_unset(&def);
    if (info->has_config) {
        merge(&def, &info->cfg.defaults);
    }
    merge(&def, &o->cli);
    p->l = calloc((size_t)g->nn + 1, sizeof *p->l);
    if (p->l == NULL) {
        diag_io(d, NULL, "out of memory");
        return -1;
    }
    for (i = 0; i < g->nn; i++) {
        const ir_node *n = &g->n[i];
        compress_layer *L = &p->l[p->n++];
        cfg_compress c = def;
        L->name = ir_strdup(n->name);
        if (L->name == NULL) {
            diag_io(d, NULL, "out of memory");
            return -1;
        }
        L->precision = info->precision;
        L->scales = info->scales;
        L->bias = info->bias;
        L->prunable = prunable(g, n);
        L->is_output = ir_output_index(g, n->output) >= 0;
        for (k = 0; info->has_config && k < info->cfg.n_layers; k++) {
            const cfg_layer *C = &info->cfg.layers[k];
            if (convt_part_of(g, n, C->name) && C->precision != CFG_PREC_UNSET) {
                /* the zero insertion of a transposed convolution computes
                 * in its layer's precision (no conversion before the conv) */
                L->precision = C->precision;
            }
            if (strcmp(n->name, C->name) == 0 || in_list(n->fused, C->name)) {
                if ((n->op == IR_OP_LSTM || n->op == IR_OP_GRU) && C->c.sparsity > 0.0) {
                    diag_error(d, info->cfg.path, C->line,
                               "layer '%s' (%s): its kernels are dense, so magnitude pruning "
                               "does not apply; prune its hidden units (channels=\"F\") or "
                               "factorise its recurrence (rank, energy)",
                               C->name, n->xml_op);
                    rc = -1;
                }
                if (C->precision != CFG_PREC_UNSET) {
                    L->precision = C->precision;
                }
                if (C->scales != CFG_SCALES_UNSET) {
                    L->scales = C->scales;
                }
                if (C->bias != CFG_BIAS_UNSET) {
                    L->bias = C->bias;
                }
                L->channels_asked |= C->c.channels > 0.0;
                merge(&c, &C->c);
            }
        }
        if (L->prunable) {
            L->sparsity = c.sparsity > 0.0 ? c.sparsity : 0.0;
            /* a default never removes the model's output channels */
            L->channels = c.channels > 0.0 ? c.channels : 0.0;
            L->norm = c.norm > 0 ? c.norm : 1;
            L->rank = c.rank > 0 ? c.rank : 0;
            L->energy = c.energy > 0.0 && c.energy < 1.0 ? c.energy : 0.0;
            if (n->op == IR_OP_LSTM || n->op == IR_OP_GRU) {
                /* a recurrent layer's kernels are dense: it loses hidden
                 * units (channels) or rank (of its recurrence), not
                 * single weights */
                L->sparsity = 0.0;
            }
        }
    }
    for (k = 0; info->has_config && k < info->cfg.n_layers; k++) {
        const cfg_layer *C = &info->cfg.layers[k];
        int found = 0;
        for (i = 0; i < g->nn; i++) {
            found |= strcmp(g->n[i].name, C->name) == 0 || in_list(g->n[i].fused, C->name);
        }
        if (!found) {
            diag_error(d, info->cfg.path, C->line, "the model has no layer '%s'", C->name);
            rc = -1;
        }
    }
    return rc;
}

static compress_layer *plan_find(const compress_plan *p, const char *name)
{
    int i;
    for (i = 0; i < p->n; i++) {
        if (strcmp(p->l[i].name, name) == 0) {
            return &p->l[i];
        }
    }
    return NULL;
}


/* ---- calibration ---------------------------------------------------------- */

typedef struct {
    calib_stat *st;
    double **sum;       /* per tensor: per-channel sums (last axis), or NULL */
    ir_graph *g;
    int pass;
    float *rnn_buf;     /* the LSTM cell peak's state and output (lstm_cell_peak) */
    /* pass 1's observations, replayed in pass 2 instead of a second run
     * while they fit CALIB_REPLAY_FLOATS (rec_ok 0: run again) */
    float *rec;
    int64_t rec_n, rec_cap;
    int *rec_t;         /* per observation: its tensor and element count */
    int64_t *rec_len;
    int64_t n_obs, cap_obs;
    int rec_ok;
} calib_ctx;

#define CALIB_REPLAY_FLOATS ((int64_t)32 * 1024 * 1024)

/* Keeps one observation of pass 1 for pass 2 (rec_ok 0 when it does not
 * fit, or out of memory: pass 2 then runs the graph again). */
static void calib_record(calib_ctx *c, int t, const float *x, int64_t n)
{
    if (!c->rec_ok) {
        return;
    }
    if (c->rec_n + n > CALIB_REPLAY_FLOATS) {
        c->rec_ok = 0;
        return;
    }
    if (c->rec_n + n > c->rec_cap) {
        int64_t cap = (c->rec_n + n) * 2 < CALIB_REPLAY_FLOATS ? (c->rec_n + n) * 2
                                                               : CALIB_REPLAY_FLOATS;
        float *r = realloc(c->rec, (size_t)cap * sizeof *r);
        if (r == NULL) {
            c->rec_ok = 0;
            return;
        }
        c->rec = r;
        c->rec_cap = cap;
    }
    if (c->n_obs == c->cap_obs) {
        int64_t cap = c->cap_obs > 0 ? c->cap_obs * 2 : 256;
        int *rt = realloc(c->rec_t, (size_t)cap * sizeof *rt);
        int64_t *rl = rt != NULL ? realloc(c->rec_len, (size_t)cap * sizeof *rl) : NULL;
        if (rt != NULL) {
            c->rec_t = rt;
        }
        if (rl == NULL) {
            c->rec_ok = 0;
            return;
        }
        c->rec_len = rl;
        c->cap_obs = cap;
    }
    memcpy(c->rec + c->rec_n, x, (size_t)n * sizeof *x);
    c->rec_t[c->n_obs] = t;
    c->rec_len[c->n_obs] = n;
    c->n_obs++;
    c->rec_n += n;
}

/* The largest |c| of an integer LSTM's cell state over every step of one
 * input sequence x: the float kernel run one step at a time from the
 * layer's initial state (its c0 included), the state read after each
 * step. pass_quantize chooses the cell state's scale from it. buf holds
 * the layer's state (ir_rnn_state_count) and one step's y. */
static double lstm_cell_peak(const ir_graph *g, const ir_node *n, const float *x, float *buf)
{
    const ir_shape *is = &g->t[n->inputs[0]].shape;
    stoic_rnn_f32_params p;
    const float *b = n->params[2] >= 0 ? g->t[n->params[2]].data : NULL;
    const float *init = n->params[3] >= 0 ? g->t[n->params[3]].data : NULL;
    int32_t steps = is->d[0], s, t;
    int64_t k, bh;
    double peak = 0.0;
    p.steps = 1;
    p.batch = is->rank == 3 ? is->d[1] : 1;
    p.in_n = is->d[is->rank - 1];
    p.hidden = n->units;
    p.reverse = 0;
    p.linear_before_reset = 0;
    p.rank = n->rnn_rank;
    p.rb = n->rnn_rank > 0 ? g->t[n->params[6]].data : NULL;
    bh = (int64_t)p.batch * p.hidden;
    for (k = 0; init != NULL && k < bh; k++) {
        double a = fabs((double)init[bh + k]);
        peak = a > peak ? a : peak;
    }
    for (s = 0; s < steps; s++) {
        t = n->rnn_reverse ? steps - 1 - s : s;
        p.init = s == 0 ? 1 : 0;
        stoic_lstm_f32(&p, x + (int64_t)t * p.batch * p.in_n, g->t[n->params[0]].data,
                       g->t[n->params[1]].data, b, init, buf, buf + ir_rnn_state_count(g, n));
        for (k = 0; k < bh; k++) {
            double a = fabs((double)buf[bh + k]);
            peak = a > peak || a != a ? a : peak; /* NaN kept: refused later */
        }
    }
    return peak;
}

static void observe(void *ctx, int t, const void *data, int64_t n)
{
    calib_ctx *c = ctx;
    int i;
    if (c->pass == 1) {
        calib_record(c, t, data, n);
        calib_observe_range(&c->st[t], data, n);
        for (i = 0; i < c->g->nn; i++) {
            ir_node *nd = &c->g->n[i];
            if (nd->op == IR_OP_LSTM && nd->target != IR_DT_F32 && nd->inputs[0] == t) {
                double pk = lstm_cell_peak(c->g, nd, data, c->rnn_buf);
                nd->rnn_cell_max = pk > nd->rnn_cell_max || pk != pk ? pk : nd->rnn_cell_max;
            }
        }
        if (c->sum[t] != NULL) {
            const ir_shape *s = &c->g->t[t].shape;
            int32_t ch = s->d[s->rank - 1];
            const float *x = data;
            int64_t e;
            for (e = 0; e < n; e++) {
                c->sum[t][e % ch] += (double)x[e];
            }
        }
    } else {
        calib_observe_hist(&c->st[t], data, n);
    }
}

/* ---- calibration, resumed (evcache.h) ---------------------------------------- */

static int key_same(const evc_key *x, const evc_key *y)
{
    return x->a == y->a && x->b == y->b;
}

static stat_entry *stat_find(struct compress_cache *c, const evc_key *k)
{
    int i;
    for (i = c->nst - 1; i >= 0; i--) {
        if (key_same(&c->st[i].key, k)) {
            return &c->st[i];
        }
    }
    return NULL;
}

static int stat_have(void *ctx, const evc_key *k)
{
    return stat_find(ctx, k) != NULL;
}

/* Keeps a copy of a tensor's statistics and sums (dropping the least
 * recently used when full); out of memory: not kept. */
static void stat_put(struct compress_cache *c, const evc_key *k, const calib_stat *st,
                     const double *sum, int32_t ch)
{
    stat_entry e;
    memset(&e, 0, sizeof e);
    e.key = *k;
    e.st = *st;
    e.st.bins = st->nbins > 0 ? malloc((size_t)st->nbins * sizeof *st->bins) : NULL;
    e.sum = malloc(((size_t)ch + 1) * sizeof *e.sum);
    e.ch = ch;
    e.tick = ++c->tick;
    if ((st->nbins > 0 && e.st.bins == NULL) || e.sum == NULL) {
        free(e.st.bins);
        free(e.sum);
        return;
    }
    if (st->nbins > 0) {
        memcpy(e.st.bins, st->bins, (size_t)st->nbins * sizeof *st->bins);
    }
    memcpy(e.sum, sum, (size_t)ch * sizeof *sum);
    if (c->nst == STAT_CACHE_MAX) {
        int i, old = 0;
        for (i = 1; i < c->nst; i++) {
            old = c->st[i].tick < c->st[old].tick ? i : old;
        }
        calib_free(&c->st[old].st);
        free(c->st[old].sum);
        c->st[old] = c->st[--c->nst];
    }
    if (c->nst == c->cap_st) {
        int cap = c->cap_st > 0 ? c->cap_st * 2 : 64;
        stat_entry *n = realloc(c->st, (size_t)cap * sizeof *n);
        if (n == NULL) {
            free(e.st.bins);
            free(e.sum);
            return;
        }
        c->st = n;
        c->cap_st = cap;
    }
    c->st[c->nst++] = e;
}

static int32_t channels_of(const ir_shape *s)
{
    return s->rank > 0 ? s->d[s->rank - 1] : 1;
}

/* per-channel sums (last axis) of n values, each channel's in the order
 * observe() sums them (position after position), without its division */
static void sum_channels(double *sum, int32_t ch, const float *x, int64_t n)
{
    int64_t e = 0;
    int32_t k;
    for (; e + ch <= n; e += ch) {
        for (k = 0; k < ch; k++) {
            sum[k] += (double)x[e + k];
        }
    }
    for (k = 0; e < n; e++, k++) {
        sum[k] += (double)x[e];
    }
}

typedef struct {
    calib_stat *st;
    double **sum;        /* per tensor observed: sums of every channel */
    const ir_graph *g;
    int pass;
    const unsigned char *pending; /* pass 2: the tensors still to count */
} resumed_ctx;

static void observe_resumed(void *ctx, int t, const void *data, int64_t n)
{
    resumed_ctx *c = ctx;
    if (c->pass == 1) {
        calib_observe_range(&c->st[t], data, n);
        if (c->sum[t] != NULL) {
            sum_channels(c->sum[t], channels_of(&c->g->t[t].shape), data, n);
        }
    } else if (c->pending[t]) {
        calib_observe_hist(&c->st[t], data, n);
    }
}

/* Calibration statistics of every activation of the float graph g (plan
 * p) on the calibration rows, resumed: the tensors of unchanged leading
 * layers take the statistics kept for their key (or are counted from
 * their kept values), the rest are computed from the first changed node
 * on. The same statistics as calibrate's two passes, value for value.
 * Fills st[], keys[] (each tensor's) and, where sums[t] is not NULL, the
 * per-channel sums.
 * *done 0: not applicable (no store, or a plan evcache cannot key). 0 or
 * -1 (out of memory). */
static int calibrate_resumed(const ir_graph *g, const eval_plan *p, compress_info *info,
                             calib_stat *st, double **sums, evc_key *keys, int *done)
{
    evc_store *s = rows_store(info, g);
    struct compress_cache *cache = info->cache;
    evc_plan k;
    resumed_ctx rc;
    unsigned char *comp = NULL, *pend = NULL;
    int f = 0, t, rerun = 0, ret = 0;
    int64_t r, rb, rows = info->calib_rows;
    *done = 0;
    if (s == NULL) {
        return 0;
    }
    if (evc_plan_init(&k, p) != 0) {
        return -1;
    }
    if (!k.ok) {
        evc_plan_free(&k);
        return 0;
    }
    memset(&rc, 0, sizeof rc);
    rc.st = st;
    rc.g = g;
    rc.sum = calloc((size_t)g->nt + 1, sizeof *rc.sum);
    comp = calloc((size_t)g->nt + 1, 1);
    pend = calloc((size_t)g->nt + 1, 1);
    ret = rc.sum == NULL || comp == NULL || pend == NULL ? -1 : 0;
    for (t = 0; ret == 0 && t < g->nt; t++) {
        if (k.prod[t] >= 0 || t == g->input) {
            rc.sum[t] = calloc((size_t)channels_of(&g->t[t].shape) + 1, sizeof(double));
            ret = rc.sum[t] == NULL ? -1 : 0;
        }
    }
    rc.pass = 1;
    if (ret == 0) {
        f = evc_run(s, &k, g->nn, g->nn - 1, NULL, stat_have, cache, observe_resumed, &rc);
        ret = f < 0 ? -1 : 0;
    }
    /* pass 1 of what the run did not compute: kept statistics, or kept values */
    for (t = 0; ret == 0 && t < g->nt; t++) {
        stat_entry *e;
        const unsigned char *v;
        int32_t ch;
        if (rc.sum[t] == NULL) {
            continue;
        }
        ch = channels_of(&g->t[t].shape);
        if (t == g->input ? f == 0 : k.prod[t] >= f) {
            comp[t] = 1;
            continue;
        }
        e = stat_find(cache, &k.key[t]);
        if (e != NULL && e->ch == ch) {
            st[t] = e->st;
            st[t].bins = NULL;
            if (e->st.nbins > 0) {
                st[t].bins = malloc((size_t)e->st.nbins * sizeof *st[t].bins);
                if (st[t].bins == NULL) {
                    st[t].nbins = 0;
                    ret = -1;
                    break;
                }
                memcpy(st[t].bins, e->st.bins, (size_t)e->st.nbins * sizeof *st[t].bins);
            }
            memcpy(rc.sum[t], e->sum, (size_t)ch * sizeof *e->sum);
            e->tick = ++cache->tick;
            continue;
        }
        v = evc_get(s, &k.key[t], &rb);
        if (v == NULL) { /* evc_run started after it only if held or had */
            ret = -1;
            break;
        }
        comp[t] = 1;
        for (r = 0; r < rows; r++) {
            const float *x = (const float *)(const void *)(v + r * rb);
            int64_t n = rb / (int64_t)sizeof(float);
            calib_observe_range(&st[t], x, n);
            sum_channels(rc.sum[t], ch, x, n);
        }
    }
    /* pass 2: the histograms, from the kept values (or, for what the
     * store had no room for, from a second run starting at the same node) */
    for (t = 0; ret == 0 && t < g->nt; t++) {
        const unsigned char *v;
        if (!comp[t] || st[t].count == 0) {
            continue;
        }
        if (calib_hist_alloc(&st[t], COMPRESS_HIST_BINS) != 0) {
            ret = -1;
            break;
        }
        v = evc_get(s, &k.key[t], &rb);
        if (v == NULL) {
            pend[t] = 1;
            rerun = 1;
            continue;
        }
        for (r = 0; r < rows; r++) {
            calib_observe_hist(&st[t], (const float *)(const void *)(v + r * rb),
                               rb / (int64_t)sizeof(float));
        }
    }
    if (ret == 0 && rerun) {
        rc.pass = 2;
        rc.pending = pend;
        ret = evc_run(s, &k, f, g->nn - 1, NULL, stat_have, cache, observe_resumed, &rc) < 0 ? -1
                                                                                          : 0;
    }
    for (t = 0; t < g->nt; t++) {
        keys[t] = k.key[t];
        if (ret == 0 && comp[t]) {
            stat_put(cache, &k.key[t], &st[t], rc.sum[t], channels_of(&g->t[t].shape));
        }
        if (ret == 0 && sums[t] != NULL && rc.sum[t] != NULL) {
            memcpy(sums[t], rc.sum[t], (size_t)channels_of(&g->t[t].shape) * sizeof(double));
        }
        if (rc.sum != NULL) {
            free(rc.sum[t]);
        }
    }
    free(rc.sum);
    free(comp);
    free(pend);
    evc_plan_free(&k);
    *done = ret == 0;
    return ret;
}

/* calib_choose, or the range chosen last time from the same statistics
 * with the same settings (e: the cache entry of st, or NULL) */
static int choose(stat_entry *e, const calib_stat *st, const compress_info *info, int int16,
                  double *lo, double *hi)
{
    int rc;
    if (e != NULL && e->chosen && e->method == (int)info->method && e->int16 == int16 &&
        e->percentile == info->percentile) {
        *lo = e->lo;
        *hi = e->hi;
        return e->choose_rc;
    }
    rc = calib_choose(st, info->method, info->percentile, int16, lo, hi);
    if (e != NULL) {
        e->chosen = 1;
        e->method = (int)info->method;
        e->int16 = int16;
        e->percentile = info->percentile;
        e->lo = *lo;
        e->hi = *hi;
        e->choose_rc = rc;
    }
    return rc;
}

static int calibrate(ir_graph *g, const float *x, int64_t rows, compress_info *info, diag *d)
{
    eval_plan p;
    calib_ctx c;
    int64_t r, in_n = ir_shape_count(&g->t[g->input].shape);
    int64_t out_n = ir_outputs_count(g); /* every output of a row (eval_run) */
    double *lo = calloc((size_t)g->nt + 1, sizeof *lo), *hi = calloc((size_t)g->nt + 1, sizeof *hi);
    int *has = calloc((size_t)g->nt + 1, sizeof *has);
    float *out = malloc((size_t)out_n * sizeof *out);
    int t, rc = 0, i, nt0, done = 0;
    int64_t rnn_n = 1;
    evc_key *keys = calloc((size_t)g->nt + 1, sizeof *keys);
    memset(&c, 0, sizeof c);
    c.rec_ok = 1;
    c.st = calloc((size_t)g->nt + 1, sizeof *c.st);
    c.sum = calloc((size_t)g->nt + 1, sizeof *c.sum);
    c.g = g;
    for (i = 0; i < g->nn; i++) {
        const ir_node *n = &g->n[i];
        g->n[i].rnn_cell_max = 0.0;
        if (n->op == IR_OP_LSTM) {
            /* the layer's state (ir_rnn_state_count), one step's y [B][H] */
            int64_t bh = ir_shape_count(&g->t[n->output].shape) / g->t[n->output].shape.d[0];
            int64_t need = ir_rnn_state_count(g, n) + bh;
            rnn_n = need > rnn_n ? need : rnn_n;
        }
    }
    c.rnn_buf = malloc((size_t)rnn_n * sizeof(float));
    if (lo == NULL || hi == NULL || has == NULL || out == NULL || c.st == NULL ||
        c.sum == NULL || c.rnn_buf == NULL || keys == NULL || eval_prepare(g, &p) != 0) {
        free(lo), free(hi), free(has), free(out), free(c.st), free(c.sum), free(c.rnn_buf);
        free(keys);
        diag_io(d, NULL, "out of memory");
        return -1;
    }
    /* per-channel means of the inputs of integer dense/conv layers (bias
     * correction) */
    for (i = 0; i < g->nn && rc == 0; i++) {
        const ir_node *n = &g->n[i];
        int in = n->inputs[0];
        if (n->target != IR_DT_F32 && c.sum[in] == NULL &&
            (n->op == IR_OP_DENSE || n->op == IR_OP_CONV2D || n->op == IR_OP_CONV1D)) {
            const ir_shape *s = &g->t[in].shape;
            c.sum[in] = calloc((size_t)s->d[s->rank - 1], sizeof(double));
            rc = c.sum[in] == NULL ? -1 : 0;
        }
    }
    for (t = 0; t < g->nt; t++) {
        calib_init(&c.st[t]);
    }
    if (rc == 0 && x == info->calib_x) {
        rc = calibrate_resumed(g, &p, info, c.st, c.sum, keys, &done);
        if (rc != 0) {
            diag_io(d, NULL, "out of memory");
        }
    }
    for (c.pass = 1; c.pass <= 2 && rc == 0 && !done; c.pass++) {
        if (c.pass == 2 && c.rec_ok) { /* pass 1's values, again */
            int64_t k, off = 0;
            for (k = 0; k < c.n_obs; k++) {
                observe(&c, c.rec_t[k], c.rec + off, c.rec_len[k]);
                off += c.rec_len[k];
            }
        }
        for (r = 0; r < rows && !(c.pass == 2 && c.rec_ok); r++) {
            eval_run_obs(&p, x + r * in_n, out, observe, &c);
        }
        for (t = 0; c.pass == 1 && t < g->nt; t++) {
            if (c.st[t].count > 0 && calib_hist_alloc(&c.st[t], COMPRESS_HIST_BINS) != 0) {
                diag_io(d, NULL, "out of memory");
                rc = -1;
                break;
            }
        }
    }
    for (t = 0; t < g->nt && rc == 0; t++) {
        if (c.st[t].count == 0) {
            continue;
        }
        if (!isfinite(c.st[t].lo) || !isfinite(c.st[t].hi)) {
            diag_error(d, info->calib_path, 0, "tensor '%s' is not finite on the calibration "
                       "data: it cannot be quantized", g->t[t].name);
            rc = -1;
            break;
        }
        if (choose(done ? stat_find(info->cache, &keys[t]) : NULL, &c.st[t], info,
                   g->t[t].producer >= 0 ? g->n[g->t[t].producer].target == IR_DT_S16 : 0,
                   &lo[t], &hi[t]) != 0) {
            diag_error(d, info->calib_path, 0, "tensor '%s': no calibration range", g->t[t].name);
            rc = -1;
            break;
        }
        has[t] = 1;
        if (t == g->input) {
            g->input_calibrated = 1;
            g->input_min = c.st[t].lo;
            g->input_max = c.st[t].hi;
            if (info->has_input_range) { /* the declared range, not the calibrated */
                lo[t] = info->input_range[0];
                hi[t] = info->input_range[1];
                g->input_declared = 1;
                if (c.st[t].lo < lo[t] || c.st[t].hi > hi[t]) {
                    diag_warning(d, info->calib_path, 0, "the calibration data reach [%g, %g], "
                                 "beyond the declared --input-range [%g, %g]: those values "
                                 "saturate", c.st[t].lo, c.st[t].hi, lo[t], hi[t]);
                }
            }
            g->input_lo = lo[t];
            g->input_hi = hi[t];
        }
    }
    eval_free(&p);
    for (t = 0; t < g->nt; t++) {
        calib_free(&c.st[t]);
        if (c.sum[t] != NULL) { /* sums -> means over rows and positions */
            const ir_shape *s = &g->t[t].shape;
            int32_t ch = s->d[s->rank - 1], k;
            double per = (double)rows * (double)(ir_shape_count(s) / ch);
            for (k = 0; k < ch; k++) {
                c.sum[t][k] /= per;
            }
        }
    }
    free(c.st);
    free(keys);
    free(c.rnn_buf);
    free(c.rec);
    free(c.rec_t);
    free(c.rec_len);
    free(out);
    nt0 = g->nt; /* pass_quantize adds tensors */
    if (rc == 0) {
        rc = pass_quantize(g, lo, hi, has, c.sum, d);
    }
    for (t = 0; t < nt0; t++) {
        free(c.sum[t]);
    }
    free(c.sum);
    free(lo);
    free(hi);
    free(has);
    return rc;
}

static int replan(ir_graph *g, const char *after, diag *d)
{
    if (pass_order(g, d) != 0 || pass_plan(g, d) != 0) {
        return -1;
    }
    if (ir_verify(g, after) != 0) {
        d->io_errors++;
        return -1;
    }
    return 0;
}

/* ---- data-aware refit (least squares on calibration data) -------------- */

/* Captures one tensor of every row. */
typedef struct {
    int t;
    float *buf;
    int64_t n;     /* elements per row */
    int64_t row;
} grab_ctx;

static void grab(void *ctx, int t, const void *data, int64_t n)
{
    grab_ctx *c = ctx;
    if (t == c->t && n == c->n) {
        memcpy(c->buf + c->row * n, data, (size_t)n * sizeof(float));
    }
}

/* grab, for a run that calls it row after row */
static void grab_next(void *ctx, int t, const void *data, int64_t n)
{
    grab_ctx *c = ctx;
    if (t == c->t && n == c->n) {
        memcpy(c->buf + c->row * n, data, (size_t)n * sizeof(float));
        c->row++;
    }
}

/* Values of tensor t of a float graph on every calibration row: kept
 * (evcache.h), or computed from the last node whose inputs are kept up to
 * the node that computes t; run whole without a store. */
static float *collect(compress_info *info, const ir_graph *g, int t, const float *x, int64_t rows)
{
    eval_plan p;
    evc_plan k;
    grab_ctx c;
    evc_store *s = x == info->calib_x ? rows_store(info, g) : NULL;
    int64_t in_n = ir_shape_count(&g->t[g->input].shape), rb;
    size_t bytes = 0;
    int done = 0;
    float *out = malloc((size_t)ir_outputs_count(g) * sizeof *out);
    c.t = t;
    c.n = ir_shape_count(&g->t[t].shape);
    c.buf = !ckd_bytes(&bytes, rows * c.n, sizeof(float)) ? malloc(bytes + 1) : NULL;
    if (out == NULL || c.buf == NULL || eval_prepare(g, &p) != 0) {
        free(out);
        free(c.buf);
        return NULL;
    }
    if (s != NULL && evc_plan_init(&k, &p) == 0) {
        const void *held = k.ok ? evc_get(s, &k.key[t], &rb) : NULL;
        if (held != NULL && rb == c.n * (int64_t)sizeof(float)) {
            memcpy(c.buf, held, bytes);
            done = 1;
        } else if (k.ok && t == g->input) {
            memcpy(c.buf, x, bytes);
            done = 1;
        } else if (k.ok && k.prod[t] >= 0) {
            c.row = 0;
            done = evc_run(s, &k, g->nn, k.prod[t], NULL, NULL, NULL, grab_next, &c) >= 0 &&
                   c.row == rows;
        }
        evc_plan_free(&k);
    }
    for (c.row = 0; !done && c.row < rows; c.row++) {
        eval_run_obs(&p, x + c.row * in_n, out, grab, &c);
    }
    eval_free(&p);
    free(out);
    return c.buf;
}

/* mean squared error of z w^T + b against y over rows [r0, r1) */
static double lin_mse(const double *w, const double *b, const float *z, const float *y,
                      int64_t r0, int64_t r1, int in, int out)
{
    double e = 0.0;
    int64_t r;
    int o, j;
    for (r = r0; r < r1; r++) {
        for (o = 0; o < out; o++) {
            double v = b[o];
            for (j = 0; j < in; j++) {
                v += w[o * in + j] * (double)z[r * in + j];
            }
            v -= (double)y[r * out + o];
            e += v * v;
        }
    }
    return r1 > r0 ? e / (double)((r1 - r0) * out) : 0.0;
}

/* Patches of a conv layer's input (im2col): one row per output position
 * and input row, K = k_h * k_w * in_c columns in the weights' order (OHWI),
 * zeros where the window leaves the input. */
static void im2col(const ir_node *n, const ir_shape *is, const ir_shape *os, const float *x,
                   int64_t rows, float *z)
{
    int one_d = n->op == IR_OP_CONV1D;
    int32_t ih = one_d ? 1 : is->d[0], iw = is->d[one_d ? 0 : 1], ic = is->d[is->rank - 1];
    int32_t oh = one_d ? 1 : os->d[0], ow = os->d[one_d ? 0 : 1];
    int32_t kh = n->kernel[0], kw = n->kernel[1], y, xx, a, bb, c;
    int64_t r, k = 0, in_n = (int64_t)ih * iw * ic;
    for (r = 0; r < rows; r++) {
        for (y = 0; y < oh; y++) {
            for (xx = 0; xx < ow; xx++) {
                for (a = 0; a < kh; a++) {
                    for (bb = 0; bb < kw; bb++) {
                        int32_t py = y * n->strides[0] - n->pads[0] + a * n->dilations[0];
                        int32_t px = xx * n->strides[1] - n->pads[1] + bb * n->dilations[1];
                        int in = py >= 0 && py < ih && px >= 0 && px < iw;
                        for (c = 0; c < ic; c++) {
                            z[k++] = in ? x[r * in_n + ((int64_t)py * iw + px) * ic + c] : 0.0F;
                        }
                    }
                }
            }
        }
    }
}

#define REFIT_MAX_SAMPLES 200000

/* The float model's layer tn (dense, or conv with groups 1) on the
 * calibration rows: its inputs z (im2col rows for a conv) and its
 * pre-activation outputs y, every channel. From info's cache, or
 * computed and kept while the cache has room; *tmp holds them otherwise
 * (the caller frees tmp->z and tmp->y). NULL: out of memory. */
static const teacher_layer *teacher(compress_info *info, const ir_graph *gt, int nt,
                                    const float *x, int64_t rows, teacher_layer *tmp)
{
    struct compress_cache *c = info->cache;
    const ir_node *tn = &gt->n[nt];
    int conv = tn->op != IR_OP_DENSE, tout, tin, o, j, i;
    int64_t per = 1, samples, r;
    float *xt, *zt, *y;
    teacher_layer *e;
    for (i = 0; i < c->n; i++) {
        if (strcmp(c->l[i].name, tn->name) == 0) {
            return &c->l[i];
        }
    }
    tout = (int)gt->t[tn->params[0]].shape.d[0];
    tin = (int)(ir_shape_count(&gt->t[tn->params[0]].shape) / tout);
    if (conv) {
        per = ir_shape_count(&gt->t[tn->output].shape) / tout;
    }
    samples = rows * per;
    xt = collect(info, gt, tn->inputs[0], x, rows);
    zt = xt;
    if (conv && xt != NULL) {
        zt = malloc((size_t)(samples * tin) * sizeof *zt);
        if (zt != NULL) {
            im2col(tn, &gt->t[tn->inputs[0]].shape, &gt->t[tn->output].shape, xt, rows, zt);
        }
        free(xt);
    }
    y = malloc((size_t)(samples * tout) * sizeof *y);
    if (zt == NULL || y == NULL) {
        free(zt);
        free(y);
        return NULL;
    }
    {
        const float *tw = gt->t[tn->params[0]].data, *tb = gt->t[tn->params[1]].data;
        for (r = 0; r < samples; r++) {
            for (o = 0; o < tout; o++) {
                double v = (double)tb[o];
                for (j = 0; j < tin; j++) {
                    v += (double)tw[(int64_t)o * tin + j] * (double)zt[r * tin + j];
                }
                y[r * tout + o] = (float)v;
            }
        }
    }
    memset(tmp, 0, sizeof *tmp);
    tmp->z = zt;
    tmp->y = y;
    tmp->samples = samples;
    tmp->tin = tin;
    tmp->tout = tout;
    if (c->floats + samples * (tin + tout) <= CACHE_MAX_FLOATS &&
        (e = realloc(c->l, (size_t)(c->n + 1) * sizeof *e)) != NULL) {
        c->l = e;
        e = &c->l[c->n];
        *e = *tmp;
        e->name = ir_strdup(tn->name);
        if (e->name != NULL) {
            c->n++;
            c->floats += samples * (tin + tout);
            memset(tmp, 0, sizeof *tmp);
            return e;
        }
    }
    return tmp;
}

/* Refits dense or conv layer `name` of student g (groups 1) so that, on the
 * student's own inputs, it reproduces the pre-activation outputs W x + b
 * of the same layer of the teacher (info->cache->gt, the float model) on
 * the teacher's inputs, for the output channels the student kept: the
 * data-aware, build-time form of distillation. A pruned layer keeps its
 * zero pattern; a low-rank layer refits its second factor. Fitted on the
 * first 2/3 of the calibration rows, kept only if it lowers the error on
 * the last third. */
static int refit_layer(ir_graph *g, compress_info *info, compress_layer *L, const float *x,
                       int64_t rows, diag *d)
{
    const ir_graph *gt = info->cache->gt;
    int ns = ir_find_node(g, L->name), nt = ir_find_node(gt, L->name);
    const ir_node *n, *tn;
    const teacher_layer *T = NULL;
    teacher_layer tmp;
    float *xs = NULL, *zs = NULL, *y = NULL;
    double *w = NULL, *b = NULL, *w0 = NULL, *b0 = NULL;
    unsigned char *keep = NULL;
    int in, out, tin, tout, rc = 0, o, j, conv;
    int64_t r, nw, per = 1, samples, fit;
    memset(&tmp, 0, sizeof tmp);
    if (ns < 0 || nt < 0 || g->n[ns].op != gt->n[nt].op || g->n[ns].op == IR_OP_LSTM ||
        g->n[ns].op == IR_OP_GRU || g->n[ns].groups != 1 ||
        gt->n[nt].groups != 1 || !prunable(g, &g->n[ns])) {
        return 0;
    }
    n = &g->n[ns];
    tn = &gt->n[nt];
    conv = n->op != IR_OP_DENSE;
    out = (int)g->t[n->params[0]].shape.d[0];
    in = (int)(ir_shape_count(&g->t[n->params[0]].shape) / out);
    tout = (int)gt->t[tn->params[0]].shape.d[0];
    tin = (int)(ir_shape_count(&gt->t[tn->params[0]].shape) / tout);
    if (conv) {
        per = ir_shape_count(&g->t[n->output].shape) / out; /* output positions */
    } else if (ir_shape_count(&g->t[n->inputs[0]].shape) != in ||
               ir_shape_count(&gt->t[tn->inputs[0]].shape) != tin) {
        return 0; /* a dense over several rows: left alone */
    }
    if (n->rank > 0 && (tn->rank > 0 || strstr(n->name, ".lowrank") != NULL)) {
        return 0;
    }
    samples = rows * per;
    fit = rows * 2 / 3 * per;
    if (rows < 12 || samples * (in + 1) > (int64_t)REFIT_MAX_SAMPLES * 64) {
        return 0;
    }
    nw = (int64_t)out * in;
    T = teacher(info, gt, nt, x, rows, &tmp);
    xs = collect(info, g, n->inputs[0], x, rows);
    y = malloc((size_t)(samples * out) * sizeof *y);
    w = malloc((size_t)nw * sizeof *w);
    w0 = malloc((size_t)nw * sizeof *w0);
    b = malloc((size_t)out * sizeof *b);
    b0 = malloc((size_t)out * sizeof *b0);
    keep = malloc((size_t)nw + 1);
    if (conv && xs != NULL) {
        zs = malloc((size_t)(samples * in) * sizeof *zs);
        if (zs != NULL) {
            im2col(n, &g->t[n->inputs[0]].shape, &g->t[n->output].shape, xs, rows, zs);
        }
    } else {
        zs = xs;
        xs = NULL;
    }
    if (T == NULL || zs == NULL || y == NULL || w == NULL || w0 == NULL || b == NULL ||
        b0 == NULL || keep == NULL || T->samples != samples) {
        diag_io(d, NULL, "out of memory");
        rc = -1;
    } else {
        float *sw = g->t[n->params[0]].data, *sb = g->t[n->params[1]].data;
        for (r = 0; r < samples; r++) { /* teacher pre-activation, kept channels */
            for (o = 0; o < out; o++) {
                y[r * out + o] = T->y[r * tout + (n->kept != NULL ? n->kept[o] : o)];
            }
        }
        for (j = 0; j < nw; j++) {
            w0[j] = (double)sw[j];
            keep[j] = (unsigned char)(n->sparsity > 0.0 ? sw[j] != 0.0F : 1);
        }
        for (o = 0; o < out; o++) {
            b0[o] = (double)sb[o];
        }
        rc = n->sparsity > 0.0 ? refit_masked(w, b, keep, zs, y, fit, in, out)
                               : refit_linear(w, b, zs, y, fit, in, out);
        if (rc == 0) {
            L->refit_before = lin_mse(w0, b0, zs, y, fit, samples, in, out);
            L->refit_after = lin_mse(w, b, zs, y, fit, samples, in, out);
            L->refit_kept = L->refit_after < L->refit_before ? 1 : -1;
            if (L->refit_kept == 1) {
                for (j = 0; j < nw; j++) {
                    sw[j] = (float)w[j];
                }
                for (o = 0; o < out; o++) {
                    sb[o] = (float)b[o];
                }
            }
        } else {
            rc = 0; /* a failed solve keeps the weights as they are */
        }
    }
    free(tmp.z);
    free(tmp.y);
    free(xs);
    free(zs);
    free(y);
    free(w);
    free(w0);
    free(b);
    free(b0);
    free(keep);
    return rc;
}

/* The settings of plan layers 0 .. last that shape layer last's refit,
 * as text (NULL: out of memory). */
static char *plan_key(const compress_plan *p, int last)
{
    size_t cap = 64 + (size_t)(last + 1) * 96, len = 0;
    char *k = malloc(cap);
    int i;
    for (i = 0; k != NULL && i <= last; i++) {
        const compress_layer *L = &p->l[i];
        int w = snprintf(k + len, cap - len, "%.9g,%.9g,%d,%ld,%.9g;", L->sparsity,
                         L->channels, L->norm, (long)L->rank, L->energy);
        if (w < 0 || (size_t)w >= cap - len) {
            free(k);
            return NULL;
        }
        len += (size_t)w;
    }
    return k;
}

/* Layer L's refit from the cache, for the plan key: 1 when restored. */
static int refit_restore(ir_graph *g, compress_layer *L, const struct compress_cache *c,
                         const char *key)
{
    int i, ni = ir_find_node(g, L->name);
    for (i = c->nr - 1; ni >= 0 && i >= 0; i--) {
        const refit_entry *e = &c->r[i];
        ir_tensor *w = &g->t[g->n[ni].params[0]], *b = &g->t[g->n[ni].params[1]];
        if (strcmp(e->key, key) != 0) {
            continue;
        }
        if (e->kept == 1 && (ir_shape_count(&w->shape) != e->nw ||
                             ir_shape_count(&b->shape) != e->nb)) {
            return 0;
        }
        if (e->kept == 1) {
            memcpy(w->data, e->w, (size_t)e->nw * sizeof(float));
            memcpy(b->data, e->b, (size_t)e->nb * sizeof(float));
        }
        L->refit_before = e->before;
        L->refit_after = e->after;
        L->refit_kept = e->kept;
        return 1;
    }
    return 0;
}

/* Keeps layer L's refit (tried: refit_kept != 0) under key; the oldest
 * go when the cache is full. key is taken. */
static void refit_keep(const ir_graph *g, const compress_layer *L, struct compress_cache *c,
                       char *key)
{
    int ni = ir_find_node(g, L->name);
    refit_entry e, *r;
    memset(&e, 0, sizeof e);
    e.key = key;
    e.kept = L->refit_kept;
    e.before = L->refit_before;
    e.after = L->refit_after;
    if (ni >= 0 && e.kept == 1) {
        const ir_tensor *w = &g->t[g->n[ni].params[0]], *b = &g->t[g->n[ni].params[1]];
        e.nw = ir_shape_count(&w->shape);
        e.nb = ir_shape_count(&b->shape);
        e.w = malloc((size_t)e.nw * sizeof(float) + 1);
        e.b = malloc((size_t)e.nb * sizeof(float) + 1);
        if (e.w != NULL && e.b != NULL) {
            memcpy(e.w, w->data, (size_t)e.nw * sizeof(float));
            memcpy(e.b, b->data, (size_t)e.nb * sizeof(float));
        }
    }
    while (c->nr > 0 && c->r_floats + e.nw + e.nb > REFIT_CACHE_FLOATS) {
        c->r_floats -= c->r[0].nw + c->r[0].nb;
        free(c->r[0].key);
        free(c->r[0].w);
        free(c->r[0].b);
        memmove(&c->r[0], &c->r[1], (size_t)(c->nr - 1) * sizeof c->r[0]);
        c->nr--;
    }
    r = (e.kept != 1 || (e.w != NULL && e.b != NULL)) && e.nw + e.nb <= REFIT_CACHE_FLOATS
            ? realloc(c->r, (size_t)(c->nr + 1) * sizeof *r)
            : NULL;
    if (r == NULL) {
        free(e.key);
        free(e.w);
        free(e.b);
        return;
    }
    c->r = r;
    c->r[c->nr++] = e;
    c->r_floats += e.nw + e.nb;
}

/* ---- applying a plan ------------------------------------------------------ */

ir_graph *compress_apply(const char *model, compress_info *info, compress_plan *p, diag *d)
{
    int int8_w; /* layers asked int4 whose kernels take int8 weights */
    int b32 = 0; /* weighted layers asked int16 biases that are not int8 / int4 */
    const float *calib = info->calib_x;
    int64_t rows = info->calib_rows;
    ir_graph *g;
    int i, any = 0, structural = 0;
    g = build_model(model, info, d);
    if (g == NULL) {
        return NULL;
    }
    /* 1. low-rank, 2. channel pruning, 3. magnitude pruning */
    for (i = 0; i < p->n; i++) {
        compress_layer *L = &p->l[i];
        int ni = ir_find_node(g, L->name), r = 0, rc;
        double disc = 0.0;
        L->rank_applied = 0;
        L->sparsity_applied = 0.0;
        L->channels_removed = 0;
        L->refit_kept = 0;
        if (ni < 0 || (L->rank == 0 && L->energy <= 0.0)) {
            continue;
        }
        if (g->n[ni].op == IR_OP_LSTM || g->n[ni].op == IR_OP_GRU) {
            rc = lowrank_rnn(g, ni, L->rank, L->energy, d, &r, &disc);
        } else {
            rc = lowrank_node(g, ni, L->rank, L->energy, d, &r, &disc);
        }
        if (rc < 0) {
            ir_free(g);
            return NULL;
        }
        if (rc == 0) {
            L->rank_applied = r;
            structural = 1;
        }
    }
    if (structural && replan(g, "pass_lowrank", d) != 0) {
        ir_free(g);
        return NULL;
    }
    for (i = 0; i < p->n; i++) {
        compress_layer *L = &p->l[i];
        int ni = ir_find_node(g, L->name);
        if (ni < 0 || L->channels <= 0.0 || (L->is_output && !L->channels_asked)) {
            continue; /* a default never removes the model's output channels */
        }
        if (prune_channels(g, ni, L->channels, L->norm, d) != 0 ||
            replan(g, "pass_prune", d) != 0) {
            ir_free(g);
            return NULL;
        }
        ni = ir_find_node(g, L->name);
        L->channels_removed = ni >= 0 ? g->n[ni].pruned_channels : 0;
        structural = 1;
    }
    for (i = 0; i < p->n; i++) {
        compress_layer *L = &p->l[i];
        int ni = ir_find_node(g, L->name);
        if (ni < 0 || L->sparsity <= 0.0) {
            continue;
        }
        (void)prune_magnitude(g, ni, L->sparsity);
        L->sparsity_applied = g->n[ir_find_node(g, L->name)].sparsity;
        structural = 1;
    }
    /* 4. least-squares refits against the float model (dense layers) */
    if (structural && info->refit && calib != NULL) {
        if (cache_of(info) != NULL && info->cache->gt == NULL) {
            info->cache->gt = pipeline_build(model, d);
        }
        if (info->cache == NULL || info->cache->gt == NULL) {
            if (info->cache == NULL) {
                diag_io(d, NULL, "out of memory");
            }
            ir_free(g);
            return NULL;
        }
        for (i = 0; i < p->n; i++) { /* in graph order: later layers see earlier refits */
            compress_layer *L = &p->l[i];
            char *key = plan_key(p, i);
            if (key != NULL && refit_restore(g, L, info->cache, key)) {
                free(key);
                continue; /* the same leading layers: the same refit */
            }
            if (refit_layer(g, info, L, calib, rows, d) != 0) {
                free(key);
                ir_free(g);
                return NULL;
            }
            if (key != NULL && L->refit_kept != 0) {
                refit_keep(g, L, info->cache, key);
            } else {
                free(key);
            }
        }
    }
    /* 5. precision of every layer (a low-rank factor takes its layer's) */
    int8_w = 0;
    for (i = 0; i < g->nn; i++) {
        char base[512];
        const compress_layer *L;
        size_t len = strlen(g->n[i].name);
        snprintf(base, sizeof base, "%s", g->n[i].name);
        if (len > 8 && strcmp(base + len - 8, ".lowrank") == 0) {
            base[len - 8] = '\0';
        }
        L = plan_find(p, base);
        g->n[i].target = dtype_of(L != NULL ? L->precision : info->precision);
        /* int4 weights: dense and 1x1 convolution layers (the others int8) */
        g->n[i].wbits = 0;
        if ((L != NULL ? L->precision : info->precision) == CFG_PREC_INT4) {
            if (compress_int4_form(g, &g->n[i])) {
                g->n[i].wbits = 4;
            } else if (prunable(g, &g->n[i])) {
                int8_w++;
            }
        }
        g->n[i].wscale_tensor = (L != NULL ? L->scales : info->scales) == CFG_SCALES_TENSOR;
        g->n[i].bias16 = (L != NULL ? L->bias : info->bias) == CFG_BIAS_INT16;
        b32 += g->n[i].bias16 && prunable(g, &g->n[i]) && g->n[i].target != IR_DT_S8;
        any |= g->n[i].target != IR_DT_F32;
    }
    if (b32 > 0) {
        diag_note(d, model, 0,
                  "%d layer%s asked for int16 biases %s none: int16 biases are for int8 (and "
                  "int4-weight) layers; float32 keeps float biases, int16 layers int64 ones",
                  b32, b32 == 1 ? "" : "s", b32 == 1 ? "has" : "have");
    }
    if (int8_w > 0) {
        diag_note(d, model, 0,
                  "%d layer%s asked for int4 keep%s int8 weights: the int4 kernels are for dense "
                  "layers, 1x1 convolutions (stride 1, no padding, groups 1) and 3x3 "
                  "convolutions of stride 1 with one input channel per group",
                  int8_w, int8_w == 1 ? "" : "s", int8_w == 1 ? "s" : "");
    }
    if (any) {
        info->quantized = 1;
        if (calib == NULL) {
            diag_error(d, model, 0, "integer layers need calibration data: give --calib X.npy");
            ir_free(g);
            return NULL;
        }
        if (pass_unfuse(g, d) != 0 || replan(g, "pass_unfuse", d) != 0 ||
            calibrate(g, calib, rows, info, d) != 0 || replan(g, "pass_quantize", d) != 0) {
            ir_free(g);
            return NULL;
        }
    }
    /* 6. sparse emission where it pays */
    if (structural && (pass_sparse(g, d) != 0 || replan(g, "pass_sparse", d) != 0)) {
        ir_free(g);
        return NULL;
    }
    /* 7. a max pool computed with the convolution before it */
    if (info->quantized && (pass_poolfuse(g, d) != 0 || replan(g, "pass_poolfuse", d) != 0)) {
        ir_free(g);
        return NULL;
    }
    return g;
}

ir_graph *compress_prepare(const char *model, const compress_options *o, compress_info *info,
                           diag *d)
{
    ir_graph *g;
    memset(info, 0, sizeof *info);
    info->method = CALIB_UNSET;
    info->precision = CFG_PREC_F32;
    info->scales = CFG_SCALES_CHANNEL;
    info->bias = CFG_BIAS_INT32;
    info->refit = !o->no_refit;
    {
        const char *e = getenv("STOIC_NO_EVAL_CACHE");
        info->eval_cache = e == NULL || e[0] == '\0' || strcmp(e, "0") == 0;
    }
    info->max_drop = o->max_drop;
    info->metric_mse = o->metric_mse;
    info->minimize_macs = o->minimize_macs;
    if (o->config != NULL) {
        if (config_load(o->config, &info->cfg, d) != 0) {
            return NULL;
        }
        info->has_config = 1;
        if (info->cfg.precision != CFG_PREC_UNSET) {
            info->precision = info->cfg.precision;
        }
        if (info->cfg.scales != CFG_SCALES_UNSET) {
            info->scales = info->cfg.scales;
        }
        if (info->cfg.bias != CFG_BIAS_UNSET) {
            info->bias = info->cfg.bias;
        }
        info->method = info->cfg.calib;
        info->percentile = info->cfg.percentile;
        if (info->max_drop < 0.0 && info->cfg.max_drop >= 0.0) {
            info->max_drop = info->cfg.max_drop;
            info->metric_mse = info->cfg.metric_mse;
            info->minimize_macs = info->cfg.minimize_macs;
            if (!info->metric_mse && info->max_drop > COMPRESS_MAX_TOP1_DROP) {
                diag_error(d, o->config, info->cfg.budget_line,
                           "max_drop=\"%g\" is a fraction of the validation rows (0.01 = 1 pp); "
                           "a top-1 budget above %g is refused", info->max_drop,
                           COMPRESS_MAX_TOP1_DROP);
                return NULL;
            }
        }
    }
    if (o->precision != CFG_PREC_UNSET) {
        info->precision = (cfg_precision)o->precision;
    }
    if (o->scales != CFG_SCALES_UNSET) {
        info->scales = (cfg_scales)o->scales;
    }
    if (o->bias != CFG_BIAS_UNSET) {
        info->bias = (cfg_bias)o->bias;
    }
    if (o->method != CALIB_UNSET) {
        info->method = (calib_method)o->method;
    }
    if (o->percentile > 0.0) {
        info->percentile = o->percentile;
    }
    info->has_input_range = o->has_input_range;
    info->input_range[0] = o->input_range[0];
    info->input_range[1] = o->input_range[1];
    if (info->method == CALIB_UNSET) {
        info->method = DEFAULT_METHOD;
    }
    if (info->method == CALIB_PERCENTILE && info->percentile <= 0.0) {
        info->percentile = DEFAULT_PERCENTILE;
    }
    g = pipeline_build(model, d);
    if (g == NULL) {
        return NULL;
    }
    if (resolve_plan(g, info, o, &info->plan, d) != 0) {
        ir_free(g);
        return NULL;
    }
    info->calib_path = o->calib;
    if (o->calib != NULL) {
        if (hash_file(o->calib, info->calib_sha256) != 0) {
            diag_error(d, o->calib, 0, "cannot read: %s", strerror(errno));
            ir_free(g);
            return NULL;
        }
        info->calib_x = compress_read_rows(g, o->calib, 1, &info->calib_rows, d);
        if (info->calib_x == NULL) {
            ir_free(g);
            return NULL;
        }
    }
    return g;
}

/* ---- what a graph costs ---------------------------------------------------- */

int64_t compress_node_macs(const ir_graph *g, int i)
{
    const ir_node *n = &g->n[i];
    const ir_tensor *t;
    if (!n->sparse) {
        return ir_node_macs(g, i);
    }
    /* one multiply-accumulate per kept entry and row (dense) or output
     * position (conv) */
    t = &g->t[n->op == IR_OP_DENSE ? n->inputs[0] : n->output];
    return ir_shape_count(&t->shape) / t->shape.d[t->shape.rank - 1] *
           ir_shape_count(&g->t[n->params[0]].shape);
}

int64_t compress_macs(const ir_graph *g)
{
    int64_t m = 0;
    int i;
    for (i = 0; i < g->nn; i++) {
        m += compress_node_macs(g, i);
    }
    return m;
}

/* ---- measurement ----------------------------------------------------------- */

typedef struct {
    const ir_graph *g;
    float **val;     /* float graph: per-tensor values of the current row */
    const int *map;  /* compressed tensor -> float tensor, -1 */
    compress_layer_err *err; /* per compressed tensor */
} measure_ctx;

static void keep_float(void *ctx, int t, const void *data, int64_t n)
{
    measure_ctx *c = ctx;
    if (c->val[t] != NULL) {
        memcpy(c->val[t], data, (size_t)n * sizeof(float));
    }
}

static void compare_quant(void *ctx, int t, const void *data, int64_t n)
{
    measure_ctx *c = ctx;
    int f = c->map[t];
    int64_t i;
    if (f < 0 || c->val[f] == NULL) {
        return;
    }
    for (i = 0; i < n; i++) {
        double ref = (double)c->val[f][i], q = eval_real(&c->g->t[t], data, i);
        double e = fabs(q - ref);
        c->err[t].signal += ref * ref;
        c->err[t].noise += e * e;
        if (e > c->err[t].max_abs) {
            c->err[t].max_abs = e;
        }
    }
}

static int64_t argmax(const float *v, int64_t n)
{
    int64_t best = 0, j;
    for (j = 1; j < n; j++) {
        if (v[j] > v[best]) {
            best = j;
        }
    }
    return best;
}

int compress_measure(const ir_graph *gf, const ir_graph *gq, const float *x, int64_t rows,
                     const int64_t *labels, compress_evidence *ev, diag *d)
{
    eval_plan pf, pq;
    measure_ctx cf, cq;
    int64_t in_n = ir_shape_count(&gf->t[gf->input].shape), r;
    /* of, oq: every output of a row (eval_run); labels score output 0 */
    int64_t out_n = ir_shape_count(&gf->t[gf->output].shape), all_n = ir_outputs_count(gf);
    float *of = malloc((size_t)all_n * sizeof *of), *oq = malloc((size_t)all_n * sizeof *oq);
    int *map = malloc((size_t)gq->nt * sizeof *map);
    float **val = calloc((size_t)gf->nt, sizeof *val);
    compress_layer_err *err = calloc((size_t)gq->nt, sizeof *err);
    int t, i, rc = 0;
    memset(ev, 0, sizeof *ev);
    if (of == NULL || oq == NULL || map == NULL || val == NULL || err == NULL) {
        rc = -1;
    }
    for (t = 0; rc == 0 && t < gf->nt; t++) {
        if (gf->t[t].kind != IR_T_CONST) {
            val[t] = malloc((size_t)ir_shape_count(&gf->t[t].shape) * sizeof(float));
            rc = val[t] == NULL ? -1 : 0;
        }
    }
    for (t = 0; rc == 0 && t < gq->nt; t++) {
        map[t] = gq->t[t].kind == IR_T_CONST ? -1 : ir_find_tensor(gf, gq->t[t].name);
        if (map[t] >= 0 && !ir_shape_eq(&gf->t[map[t]].shape, &gq->t[t].shape)) {
            map[t] = -1;
        }
    }
    if (rc == 0 && eval_prepare(gf, &pf) != 0) {
        rc = -1;
    } else if (rc == 0 && eval_prepare(gq, &pq) != 0) {
        eval_free(&pf);
        rc = -1;
    }
    if (rc == 0) {
        cf.g = gf;
        cf.val = val;
        cq.g = gq;
        cq.val = val;
        cq.map = map;
        cq.err = err;
        for (r = 0; r < rows; r++) {
            eval_run_obs(&pf, x + r * in_n, of, keep_float, &cf);
            eval_run_obs(&pq, x + r * in_n, oq, compare_quant, &cq);
            if (labels != NULL) {
                ev->correct_float += argmax(of, out_n) == labels[r];
                ev->correct_quant += argmax(oq, out_n) == labels[r];
            }
        }
        eval_free(&pf);
        eval_free(&pq);
        ev->rows = rows;
        ev->has_labels = labels != NULL;
        ev->layers = calloc((size_t)gq->nn + 1, sizeof *ev->layers);
        if (ev->layers == NULL) {
            rc = -1;
        } else {
            ev->n_layers = gq->nn;
            for (i = 0; i < gq->nn; i++) {
                int o = gq->n[i].output;
                ev->layers[i] = err[o];
                ev->layers[i].node = map[o] >= 0 ? i : -1;
            }
        }
    }
    for (t = 0; val != NULL && t < gf->nt; t++) {
        free(val[t]);
    }
    free(val);
    free(map);
    free(err);
    free(of);
    free(oq);
    if (rc != 0) {
        diag_io(d, NULL, "out of memory");
    }
    return rc;
}

void compress_evidence_free(compress_evidence *ev)
{
    free(ev->layers);
    ev->layers = NULL;
}

double compress_sqnr_db(const compress_layer_err *e)
{
    if (e->noise <= 0.0 || e->signal <= 0.0) {
        return e->noise <= 0.0 ? 200.0 : 0.0;
    }
    return fmin(200.0, 10.0 * log10(e->signal / e->noise));
}

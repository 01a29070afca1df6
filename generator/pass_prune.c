/* pass_prune: magnitude pruning and structured channel pruning (prune.h).
 *
 * Magnitude pruning zeroes the smallest weights of one layer in place; the
 * shapes stay, the sparse form (pass_sparse) profits later.
 *
 * Channel pruning removes output channels of one layer and follows them
 * through the graph. It works in two phases so that a refusal leaves the
 * graph untouched:
 *
 * 1. Analysis. Every tensor the removal reaches gets a map over its last
 *    axis (the channel axis in NHWC; for a flattened tensor every element):
 *    entry j is the channel s of the pruned layer's output ("the space")
 *    that element j carries, or -1 for one it does not. Maps only grow
 *    (-1 -> s); a tensor whose map grows is visited again, forward (its
 *    consumers) and backward (its producer), until nothing changes:
 *      - forward through activations, pools, affine/batch_norm, a pad or a
 *        softmax off the channel axis, a depthwise conv (its filters
 *        follow), a reshape whose output's last axis still carries whole
 *        channels (flatten: element (h*W + w)*C + c carries channel c), a
 *        concat (along the channels at its offset, else all operands
 *        alike), and add/mul (all operands alike);
 *      - it stops at a dense or groups == 1 conv, which loses the matching
 *        input columns / input channels;
 *      - backward the same rules in reverse, ending at a dense or
 *        groups == 1 conv, whose output channels are then removed too (a
 *        "source"), or refusing at the model input.
 *    Transposes, softmax or pad on the channel axis, grouped convs,
 *    converts, reshapes that mix channels, and the model output refuse.
 * 2. Choice and edit. Channel s has the norm of its weight rows summed over
 *    all sources (and the pruned layer itself); the round(fraction * C)
 *    smallest go (ties: lower index first; at least one stays). Every new
 *    weight/bias/constant buffer is built first; only then is the graph
 *    edited (shapes, units/filters/groups, reshape shapes, parameters).
 */
#include "prune.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int is_weighted(ir_op op)
{
    return op == IR_OP_DENSE || op == IR_OP_CONV2D || op == IR_OP_CONV1D;
}

/* lstm, gru: G gates (ir.h: weight [G*H I], recurrence [G*H H], bias
 * [2*G*H], initial state [S .. H]) */
static int rnn_gates(ir_op op)
{
    return op == IR_OP_LSTM ? 4 : (op == IR_OP_GRU ? 3 : 0);
}

/* The float weight tensor of a dense/conv node, or NULL. */
static const ir_tensor *weight_of(const ir_graph *g, int ni)
{
    const ir_node *n;
    const ir_tensor *w;
    if (g == NULL || ni < 0 || ni >= g->nn) {
        return NULL;
    }
    n = &g->n[ni];
    if (n->dead || !is_weighted(n->op) || n->params[0] < 0 || n->sparse) {
        return NULL;
    }
    w = &g->t[n->params[0]];
    if (w->dtype != IR_DT_F32 || w->data == NULL) {
        return NULL;
    }
    return w;
}

/* ---------------------------------------------------------------- magnitude */

static const float *sort_w;

static int by_magnitude(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    float fx = fabsf(sort_w[x]), fy = fabsf(sort_w[y]);
    if (fx != fy) {
        return fx < fy ? -1 : 1;
    }
    return x < y ? -1 : (x > y ? 1 : 0);
}

int64_t prune_magnitude(ir_graph *g, int ni, double sparsity)
{
    const ir_tensor *wt = weight_of(g, ni);
    float *w;
    int64_t count, k, j, zeros = 0;
    int64_t *idx;
    if (wt == NULL || !(sparsity >= 0.0 && sparsity <= 1.0)) {
        return -1;
    }
    w = wt->data;
    count = ir_shape_count(&wt->shape);
    k = (int64_t)floor(sparsity * (double)count + 0.5);
    if (k > count) {
        k = count;
    }
    idx = malloc((size_t)(count + 1) * sizeof *idx);
    if (idx == NULL) {
        return -1;
    }
    for (j = 0; j < count; j++) {
        idx[j] = j;
    }
    sort_w = w;
    qsort(idx, (size_t)count, sizeof *idx, by_magnitude);
    sort_w = NULL;
    for (j = 0; j < k; j++) {
        w[idx[j]] = 0.0F;
    }
    free(idx);
    for (j = 0; j < count; j++) {
        zeros += w[j] == 0.0F;
    }
    g->n[ni].sparsity = count > 0 ? (double)zeros / (double)count : 0.0;
    return k;
}

int64_t prune_mask(const ir_graph *g, int ni, unsigned char *keep)
{
    const ir_tensor *wt = weight_of(g, ni);
    int64_t count, j, kept = 0;
    if (wt == NULL || keep == NULL) {
        return -1;
    }
    count = ir_shape_count(&wt->shape);
    for (j = 0; j < count; j++) {
        keep[j] = wt->data[j] != 0.0F;
        kept += keep[j];
    }
    return kept;
}


/* ------------------------------------------------------------------ channels */

typedef struct {
    ir_graph *g;
    diag *d;
    const ir_node *seed;
    int **map;          /* per tensor: NULL, or one entry per element of the last axis */
    int *queued;        /* per tensor: on the work list */
    int *work;          /* work list (stack) of tensors */
    int n_work;
    const ir_node *join; /* the first add/mul/concat that forced channels backward */
    int err;            /* 1: refused (reported); 2: out of memory */
} pctx;

static int32_t last_dim(const ir_graph *g, int t)
{
    const ir_shape *s = &g->t[t].shape;
    return s->rank > 0 ? s->d[s->rank - 1] : 0;
}

static int refuse(pctx *c, const ir_node *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int refuse(pctx *c, const ir_node *at, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    if (c->err != 0) {
        return -1;
    }
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (c->join != NULL && c->join != at) {
        diag_error(c->d, c->g->file, at != NULL ? at->line : 0,
                   "cannot prune the channels of %s '%s': %s (%s '%s' needs its operands to "
                   "lose the same channels)",
                   c->seed->xml_op, c->seed->name, msg, c->join->xml_op, c->join->name);
    } else {
        diag_error(c->d, c->g->file, at != NULL ? at->line : 0,
                   "cannot prune the channels of %s '%s': %s", c->seed->xml_op, c->seed->name,
                   msg);
    }
    c->err = 1;
    return -1;
}

static int oom(pctx *c)
{
    if (c->err == 0) {
        diag_io(c->d, NULL, "out of memory");
        c->err = 2;
    }
    return -1;
}

/* Merges map m (over the last axis of t) into t's map; t is visited
 * (again) when its map grew. `at` is the layer that demands it. */
static int assign(pctx *c, int t, const int *m, const ir_node *at)
{
    ir_graph *g = c->g;
    int32_t n = last_dim(g, t), j;
    int *cur = c->map[t];
    int any = 0, changed = 0;
    if (c->err != 0) {
        return -1;
    }
    for (j = 0; j < n; j++) {
        any |= m[j] >= 0;
    }
    if (!any) {
        return 0;
    }
    if (ir_output_index(g, t) >= 0) {
        return refuse(c, at, "the channels reach the model output '%s' (through %s '%s')",
                      g->t[t].name, at->xml_op, at->name);
    }
    if (g->t[t].kind == IR_T_INPUT) {
        return refuse(c, at, "%s '%s' would need channels removed from the model input '%s'",
                      at->xml_op, at->name, g->t[t].name);
    }
    if (g->t[t].kind == IR_T_CONST && (g->t[t].dtype != IR_DT_F32 || g->t[t].data == NULL)) {
        return refuse(c, at, "%s '%s' reads the non-float constant '%s'", at->xml_op, at->name,
                      g->t[t].name);
    }
    if (cur == NULL) {
        cur = malloc((size_t)n * sizeof *cur + 1);
        if (cur == NULL) {
            return oom(c);
        }
        for (j = 0; j < n; j++) {
            cur[j] = -1;
        }
        c->map[t] = cur;
    }
    for (j = 0; j < n; j++) {
        if (m[j] < 0 || cur[j] == m[j]) {
            continue;
        }
        if (cur[j] >= 0) {
            return refuse(c, at,
                          "%s '%s' would have to match different channels of '%s' (element %ld "
                          "of its last axis)",
                          at->xml_op, at->name, g->t[t].name, (long)j);
        }
        cur[j] = m[j];
        changed = 1;
    }
    if (changed && !c->queued[t]) {
        c->queued[t] = 1;
        c->work[c->n_work++] = t;
    }
    return 0;
}

static int is_depthwise(const ir_graph *g, const ir_node *n)
{
    return (n->op == IR_OP_CONV2D || n->op == IR_OP_CONV1D) && n->groups > 1 &&
           n->groups == last_dim(g, n->inputs[0]) && n->groups == n->filters;
}

/* A layer that keeps its input's last axis element for element (input 0 to
 * the output): 1; a dense or groups == 1 conv (the channels stop): 0; a
 * layer handled on its own (reshape, concat, add, mul): 2; else -1 with
 * *why set. */
static int kind_of(const ir_graph *g, const ir_node *n, const char **why)
{
    int r;
    switch (n->op) {
    case IR_OP_ACTIVATION:
    case IR_OP_MAXPOOL2D:
    case IR_OP_AVGPOOL2D:
    case IR_OP_GAVGPOOL:
    case IR_OP_RESIZE:
    case IR_OP_AFFINE:
    case IR_OP_BATCHNORM:
        return 1;
    case IR_OP_SOFTMAX:
        r = g->t[n->inputs[0]].shape.rank;
        if (n->axis == r - 1 || n->axis == -1) {
            *why = "a softmax over the channel axis";
            return -1;
        }
        return 1;
    case IR_OP_PAD:
        r = g->t[n->inputs[0]].shape.rank;
        if (n->n_padn != 2 * r || n->padn[r - 1] != 0 || n->padn[2 * r - 1] != 0 ||
            (n->is_slice && n->slice_step[r - 1] != 1)) {
            *why = "a pad of the channel axis";
            return -1;
        }
        return 1;
    case IR_OP_DENSE:
    case IR_OP_LSTM:
    case IR_OP_GRU:
        return 0;
    case IR_OP_CONV2D:
    case IR_OP_CONV1D:
        if (n->groups == 1) {
            return 0;
        }
        if (is_depthwise(g, n)) {
            return 1;
        }
        *why = "a grouped (not depthwise) conv";
        return -1;
    case IR_OP_RESHAPE:
    case IR_OP_CONCAT:
    case IR_OP_ADD:
    case IR_OP_MUL:
        return 2;
    case IR_OP_TRANSPOSE:
        *why = "a transpose";
        return -1;
    case IR_OP_CONVERT:
        *why = "a precision convert (quantized graph)";
        return -1;
    default:
        *why = "an unsupported layer";
        return -1;
    }
}

/* Carries the map of tensor `from` through reshape n to tensor `to` (its
 * other side): element i of the flat order is element i % C of the last
 * axis on either side, so every element of to's last axis must carry one
 * channel (or none) throughout. */
static int reshape_map(pctx *c, const ir_node *n, int from, int to)
{
    const ir_graph *g = c->g;
    int32_t cf = last_dim(g, from), ct = last_dim(g, to), j;
    int64_t total = ir_shape_count(&g->t[from].shape), i, a = cf, b = ct, period;
    const int *m = c->map[from];
    int *out;
    int rc = 0;
    while (b != 0) { /* gcd */
        int64_t r = a % b;
        a = b;
        b = r;
    }
    period = (int64_t)cf / a * ct;
    if (period > total) {
        period = total;
    }
    out = malloc((size_t)ct * sizeof *out + 1);
    if (out == NULL) {
        return oom(c);
    }
    for (j = 0; j < ct; j++) {
        out[j] = -2;
    }
    for (i = 0; i < period && rc == 0; i++) {
        int v = m[i % cf];
        int32_t o = (int32_t)(i % ct);
        if (out[o] == -2) {
            out[o] = v;
        } else if (out[o] != v) {
            rc = refuse(c, n, "%s '%s' mixes channels (its last axis does not carry whole "
                        "channels)", n->xml_op, n->name);
        }
    }
    for (j = 0; j < ct; j++) {
        if (out[j] == -2) {
            out[j] = -1;
        }
    }
    if (rc == 0) {
        rc = assign(c, to, out, n);
    }
    free(out);
    return rc;
}

/* Concat along the last axis: the output's map from the inputs' maps
 * (backward = 0), or each input's from the output's (backward = 1). */
static int concat_map(pctx *c, const ir_node *n, int backward)
{
    const ir_graph *g = c->g;
    int32_t cout = last_dim(g, n->output), off = 0, j;
    int k, rc = 0;
    int *m = malloc((size_t)cout * sizeof *m + 1);
    if (m == NULL) {
        return oom(c);
    }
    for (k = 0; k < n->n_inputs && rc == 0; k++) {
        int u = n->inputs[k];
        int32_t cu = last_dim(g, u);
        if (backward) {
            if (c->map[n->output] != NULL) {
                rc = assign(c, u, c->map[n->output] + off, n);
            }
        } else {
            for (j = 0; j < cu; j++) {
                m[off + j] = c->map[u] != NULL ? c->map[u][j] : -1;
            }
        }
        off += cu;
    }
    if (!backward && rc == 0) {
        rc = assign(c, n->output, m, n);
    }
    free(m);
    return rc;
}

/* All operands and the output of n carry the same channels (add, mul, a
 * concat off the channel axis). */
static int same_map(pctx *c, const ir_node *n, int t)
{
    int k, rc = 0;
    int32_t cl = last_dim(c->g, t);
    int *m = malloc((size_t)cl * sizeof *m + 1); /* a copy: assign may grow map[t] */
    if (m == NULL) {
        return oom(c);
    }
    memcpy(m, c->map[t], (size_t)cl * sizeof *m);
    for (k = 0; k < n->n_inputs && rc == 0; k++) {
        if (last_dim(c->g, n->inputs[k]) != cl) {
            rc = refuse(c, n, "%s '%s' broadcasts an operand whose shape would not fit",
                        n->xml_op, n->name);
            break;
        }
        if (n->inputs[k] != t && c->join == NULL) {
            c->join = n;
        }
        rc = assign(c, n->inputs[k], m, n);
    }
    if (rc == 0) {
        rc = assign(c, n->output, m, n);
    }
    free(m);
    return rc;
}

/* Tensor t's map changed: carry it to its producer and its consumers. */
static int visit(pctx *c, int t)
{
    ir_graph *g = c->g;
    const char *why = NULL;
    int p = g->t[t].producer, i, k, kind;
    if (p >= 0) {
        const ir_node *n = &g->n[p];
        kind = kind_of(g, n, &why);
        if (kind < 0) {
            return refuse(c, n, "the channels reach %s '%s', %s", n->xml_op, n->name, why);
        }
        if (kind == 1) {
            if (assign(c, n->inputs[0], c->map[t], n) != 0) {
                return -1;
            }
        } else if (kind == 2) {
            int rc;
            if (n->op == IR_OP_RESHAPE) {
                rc = reshape_map(c, n, t, n->inputs[0]);
            } else if (n->op == IR_OP_CONCAT &&
                       n->axis == g->t[n->output].shape.rank - 1) {
                rc = concat_map(c, n, 1);
            } else {
                rc = same_map(c, n, t);
            }
            if (rc != 0) {
                return -1;
            }
        }
        /* kind 0: a source; its output channels go */
    }
    for (i = 0; i < g->nn; i++) {
        const ir_node *n = &g->n[i];
        int reads = 0, rc = 0;
        if (n->dead) {
            continue;
        }
        for (k = 0; k < n->n_inputs; k++) {
            reads |= n->inputs[k] == t;
        }
        if (!reads) {
            continue;
        }
        kind = kind_of(g, n, &why);
        if (kind < 0) {
            return refuse(c, n, "the channels reach %s '%s', %s", n->xml_op, n->name, why);
        }
        if (kind == 1) {
            rc = assign(c, n->output, c->map[t], n);
        } else if (kind == 2) {
            if (n->op == IR_OP_RESHAPE) {
                rc = reshape_map(c, n, t, n->output);
            } else if (n->op == IR_OP_CONCAT &&
                       n->axis == g->t[n->output].shape.rank - 1) {
                rc = concat_map(c, n, 0);
            } else {
                rc = same_map(c, n, t);
            }
        }
        /* kind 0: the consumer drops input columns / channels */
        if (rc != 0) {
            return -1;
        }
    }
    return 0;
}

/* keep[j] for the last axis of t: 0 when element j carries a removed channel. */
static unsigned char *keep_of(const pctx *c, int t, const unsigned char *removed, int32_t *kept)
{
    int32_t n = last_dim(c->g, t), j;
    unsigned char *k;
    *kept = n;
    if (c->map[t] == NULL) {
        return NULL;
    }
    k = malloc((size_t)n + 1);
    if (k == NULL) {
        return NULL;
    }
    *kept = 0;
    for (j = 0; j < n; j++) {
        int s = c->map[t][j];
        k[j] = (unsigned char)!(s >= 0 && removed[s]);
        *kept += k[j];
    }
    return k;
}

/* A copy of src viewed as [rows][inner][cols] with the rows / columns whose
 * keep flag is 0 left out (NULL: keep all). */
static float *slice3(const float *src, int64_t rows, int64_t inner, int64_t cols,
                     const unsigned char *keep_r, const unsigned char *keep_c)
{
    int64_t r, i, j, o = 0;
    float *dst = malloc((size_t)(rows * inner * cols) * sizeof *dst + 1);
    if (dst == NULL) {
        return NULL;
    }
    for (r = 0; r < rows; r++) {
        if (keep_r != NULL && !keep_r[r]) {
            continue;
        }
        for (i = 0; i < inner; i++) {
            const float *row = src + (r * inner + i) * cols;
            for (j = 0; j < cols; j++) {
                if (keep_c == NULL || keep_c[j]) {
                    dst[o++] = row[j];
                }
            }
        }
    }
    return dst;
}

static int32_t count_keep(const unsigned char *k, int32_t n)
{
    int32_t j, c = 0;
    if (k == NULL) {
        return n;
    }
    for (j = 0; j < n; j++) {
        c += k[j];
    }
    return c;
}

/* The pending edit of one tensor: new data (constants) and/or new shape. */
typedef struct {
    float *data;
    ir_shape shape;
    int reshaped;
} tedit;

/* Plans the new data of constant ti: [rows][inner][cols] with keep flags;
 * the first and the last axis shrink. */
static int plan_const(const ir_graph *g, tedit *e, int ti, const unsigned char *keep_r,
                      const unsigned char *keep_c)
{
    const ir_tensor *t = &g->t[ti];
    int r = t->shape.rank;
    int64_t cols = t->shape.d[r - 1], rows = keep_r != NULL ? t->shape.d[0] : 1;
    int64_t inner = ir_shape_count(&t->shape) / (rows * cols);
    if (e[ti].data != NULL) {
        return 0; /* planned already (a constant read twice) */
    }
    e[ti].data = slice3(t->data, rows, inner, cols, keep_r, keep_c);
    if (e[ti].data == NULL) {
        return -1;
    }
    e[ti].shape = t->shape;
    if (keep_r != NULL) {
        e[ti].shape.d[0] = count_keep(keep_r, t->shape.d[0]);
    }
    e[ti].shape.d[r - 1] = count_keep(keep_c, (int32_t)cols);
    e[ti].reshaped = 1;
    return 0;
}

static double row_norm(const float *w, int64_t n, int norm)
{
    double s = 0.0;
    int64_t i;
    for (i = 0; i < n; i++) {
        s += norm == PRUNE_NORM_L1 ? fabs((double)w[i]) : (double)w[i] * (double)w[i];
    }
    return norm == PRUNE_NORM_L1 ? s : sqrt(s);
}

static const double *sort_score;

static int by_score(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    if (sort_score[x] != sort_score[y]) {
        return sort_score[x] < sort_score[y] ? -1 : 1;
    }
    return x < y ? -1 : (x > y ? 1 : 0);
}

/* Plans the parameters of a recurrent layer that loses hidden units
 * (ko: keep flags of its H outputs) and/or input features (kin): the
 * weight's rows of every gate and its columns, the recurrence's rows and
 * columns, the bias entries (input and recurrent, every gate), the last
 * axis of the initial state. -1: out of memory. */
static int plan_rnn(const ir_graph *g, tedit *e, const ir_node *n, const unsigned char *ko,
                    const unsigned char *kin)
{
    int32_t gates = rnn_gates(n->op), h = n->units, q, j;
    unsigned char *rows = NULL;
    int rc = 0;
    if (ko != NULL) {
        rows = malloc((size_t)(2 * gates * h) + 1);
        if (rows == NULL) {
            return -1;
        }
        for (q = 0; q < 2 * gates; q++) {
            for (j = 0; j < h; j++) {
                rows[q * h + j] = ko[j];
            }
        }
    }
    rc |= plan_const(g, e, n->params[0], rows, kin);
    if (ko != NULL) {
        if (n->rnn_rank > 0) {
            /* low rank: the left factor loses rows, the projection columns */
            rc |= plan_const(g, e, n->params[1], rows, NULL);
            rc |= plan_const(g, e, n->params[6], NULL, ko);
        } else {
            rc |= plan_const(g, e, n->params[1], rows, ko);
        }
        if (n->params[2] >= 0) {
            rc |= plan_const(g, e, n->params[2], NULL, rows);
        }
        if (n->params[3] >= 0) {
            rc |= plan_const(g, e, n->params[3], NULL, ko);
        }
    }
    free(rows);
    return rc;
}

/* The checks of a layer whose parameters change. */
static int check_editable(pctx *c, const ir_node *n)
{
    const ir_graph *g = c->g;
    int k;
    if (n->prec != IR_DT_F32 || n->sparse) {
        return refuse(c, n, "%s '%s' is %s", n->xml_op, n->name,
                      n->sparse ? "emitted sparse" : "quantized");
    }
    for (k = 0; k < IR_MAX_PARAMS; k++) {
        int ti = n->params[k];
        if (ti < 0) {
            continue;
        }
        if (g->t[ti].dtype != IR_DT_F32 || g->t[ti].data == NULL) {
            return refuse(c, n, "%s '%s' has a non-float parameter '%s'", n->xml_op, n->name,
                          g->t[ti].name);
        }
        if (g->t[ti].n_consumers > 1) {
            return refuse(c, n, "%s '%s' shares its parameter '%s' with another layer",
                          n->xml_op, n->name, g->t[ti].name);
        }
    }
    return 0;
}

/* Phase 2: choose the channels, plan every edit, then apply. */
static int choose_and_edit(pctx *c, int32_t nc, double fraction, int norm)
{
    ir_graph *g = c->g;
    double *score = calloc((size_t)nc + 1, sizeof *score);
    int *order = malloc((size_t)nc * sizeof *order + 1);
    unsigned char *removed = calloc((size_t)nc + 1, 1);
    unsigned char **keep = calloc((size_t)g->nt + 1, sizeof *keep);
    int32_t *kept = calloc((size_t)g->nt + 1, sizeof *kept);
    tedit *e = calloc((size_t)g->nt + 1, sizeof *e);
    int32_t k, j;
    int i, ti, rc = 0;
    if (score == NULL || order == NULL || removed == NULL || keep == NULL || kept == NULL ||
        e == NULL) {
        rc = oom(c);
        goto done;
    }
    /* scores: the seed and every source */
    for (i = 0; i < g->nn; i++) {
        const ir_node *n = &g->n[i];
        const ir_tensor *w;
        int64_t rows, per;
        const int *m;
        if (n->dead || !is_weighted(n->op) || c->map[n->output] == NULL ||
            (n->groups != 1 && n != c->seed)) {
            continue;
        }
        w = weight_of(g, i);
        if (w == NULL) {
            rc = refuse(c, n, "%s '%s' has no float weights", n->xml_op, n->name);
            goto done;
        }
        m = c->map[n->output];
        rows = w->shape.d[0];
        per = ir_shape_count(&w->shape) / rows;
        for (j = 0; j < (int32_t)rows; j++) {
            if (m[j] >= 0) {
                score[m[j]] += row_norm(w->data + (int64_t)j * per, per, norm);
            }
        }
    }
    /* a recurrent source: hidden unit j has the rows j of every gate of
     * its weight and recurrence */
    for (i = 0; i < g->nn; i++) {
        const ir_node *n = &g->n[i];
        int gates = rnn_gates(n->op), q;
        const int *m;
        if (n->dead || gates == 0 || c->map[n->output] == NULL) {
            continue;
        }
        m = c->map[n->output];
        for (j = 0; j < n->units; j++) {
            for (q = 0; q < 2 && m[j] >= 0; q++) {
                const ir_tensor *w = &g->t[n->params[q]];
                int64_t per = w->shape.d[1], gi;
                for (gi = 0; gi < gates; gi++) {
                    score[m[j]] += row_norm(w->data + (gi * n->units + j) * per, per, norm);
                }
            }
        }
    }
    k = (int32_t)floor(fraction * (double)nc + 0.5);
    if (k > nc - 1) {
        k = nc - 1;
    }
    for (j = 0; j < nc; j++) {
        order[j] = (int)j;
    }
    sort_score = score;
    qsort(order, (size_t)nc, sizeof *order, by_score);
    sort_score = NULL;
    for (j = 0; j < k; j++) {
        removed[order[j]] = 1;
    }
    /* keep flags of every reached tensor; none may lose all its channels */
    for (ti = 0; ti < g->nt; ti++) {
        kept[ti] = last_dim(g, ti);
        if (c->map[ti] == NULL) {
            continue;
        }
        keep[ti] = keep_of(c, ti, removed, &kept[ti]);
        if (keep[ti] == NULL) {
            rc = oom(c);
            goto done;
        }
        if (kept[ti] == 0) {
            rc = refuse(c, NULL, "'%s' would lose all its channels", g->t[ti].name);
            goto done;
        }
        if (kept[ti] == last_dim(g, ti)) {
            free(keep[ti]);
            keep[ti] = NULL; /* nothing removed here */
        }
    }
    /* the layers whose parameters change: check them all before planning */
    for (i = 0; i < g->nn; i++) {
        const ir_node *n = &g->n[i];
        int edited = 0;
        if (n->dead) {
            continue;
        }
        if (is_weighted(n->op) || rnn_gates(n->op) > 0) {
            edited = keep[n->output] != NULL || keep[n->inputs[0]] != NULL;
        } else if (n->op == IR_OP_AFFINE || n->op == IR_OP_BATCHNORM) {
            edited = keep[n->output] != NULL;
        }
        if (edited && check_editable(c, n) != 0) {
            rc = -1;
            goto done;
        }
    }
    /* plan: new parameter data */
    for (i = 0; i < g->nn && rc == 0; i++) {
        const ir_node *n = &g->n[i];
        const unsigned char *ko = keep[n->output], *kin = keep[n->inputs[0]];
        int p;
        if (n->dead) {
            continue;
        }
        if (is_weighted(n->op) && (ko != NULL || kin != NULL)) {
            if (n->groups != 1) {
                kin = NULL; /* depthwise: one input channel per filter, the rows go */
            }
            /* ko NULL: all rows stay; plan_const then slices the last axis only */
            rc |= plan_const(g, e, n->params[0], ko, kin);
            if (n->params[1] >= 0 && ko != NULL) {
                rc |= plan_const(g, e, n->params[1], NULL, ko);
            }
        } else if (rnn_gates(n->op) > 0 && (ko != NULL || kin != NULL)) {
            rc |= plan_rnn(g, e, n, ko, kin);
        } else if ((n->op == IR_OP_AFFINE || n->op == IR_OP_BATCHNORM) && ko != NULL) {
            for (p = 0; p < IR_MAX_PARAMS; p++) {
                if (n->params[p] >= 0) {
                    rc |= plan_const(g, e, n->params[p], NULL, ko);
                }
            }
        }
    }
    /* constants read as operands (add/mul/concat) */
    for (ti = 0; ti < g->nt && rc == 0; ti++) {
        if (g->t[ti].kind == IR_T_CONST && keep[ti] != NULL) {
            rc |= plan_const(g, e, ti, NULL, keep[ti]);
        }
    }
    if (rc != 0) {
        rc = oom(c);
        goto done;
    }
    /* ---- apply: nothing below can fail ---- */
    for (ti = 0; ti < g->nt; ti++) {
        ir_tensor *t = &g->t[ti];
        if (e[ti].data != NULL) {
            free(t->data);
            t->data = e[ti].data;
            e[ti].data = NULL;
            t->shape = e[ti].shape;
        } else if (keep[ti] != NULL) {
            t->shape.d[t->shape.rank - 1] = kept[ti];
        }
    }
    for (i = 0; i < g->nn; i++) {
        ir_node *n = &g->n[i];
        if (n->dead) {
            continue;
        }
        if ((is_weighted(n->op) || rnn_gates(n->op) > 0) && keep[n->output] != NULL) {
            int32_t before = n->op != IR_OP_CONV2D && n->op != IR_OP_CONV1D ? n->units
                                                                              : n->filters;
            int32_t *list = malloc((size_t)before * sizeof *list), q, m = 0;
            if (list != NULL) { /* original indices of the channels that stay */
                for (q = 0; q < before; q++) {
                    if (keep[n->output][q]) {
                        list[m++] = n->kept != NULL ? n->kept[q] : q;
                    }
                }
            }
            free(n->kept);
            n->kept = list;
            if (n->op != IR_OP_CONV2D && n->op != IR_OP_CONV1D) {
                n->units = kept[n->output];
            } else {
                n->filters = kept[n->output];
                if (n->groups != 1) {
                    n->groups = kept[n->output];
                }
            }
            n->pruned_channels += before - kept[n->output];
        }
        if (is_weighted(n->op) && n->sparsity > 0.0 &&
            (keep[n->output] != NULL || keep[n->inputs[0]] != NULL)) {
            const ir_tensor *w = &g->t[n->params[0]];
            int64_t cnt = ir_shape_count(&w->shape), z = 0, q;
            for (q = 0; q < cnt; q++) {
                z += w->data[q] == 0.0F;
            }
            n->sparsity = cnt > 0 ? (double)z / (double)cnt : 0.0;
        }
        if (n->op == IR_OP_PAD && n->is_slice && keep[n->output] != NULL &&
            n->n_slice == g->t[n->output].shape.rank) {
            n->slice_hi[n->n_slice - 1] = kept[n->output]; /* the whole channel axis */
        }
        if (n->op == IR_OP_RESHAPE && keep[n->output] != NULL && n->new_rank > 0 &&
            n->new_shape[n->new_rank - 1] >= 0) {
            n->new_shape[n->new_rank - 1] = kept[n->output];
        }
    }
    g->planned = 0;
    ir_link(g);
done:
    if (e != NULL) {
        for (ti = 0; ti < g->nt; ti++) {
            free(e[ti].data);
        }
    }
    if (keep != NULL) {
        for (ti = 0; ti < g->nt; ti++) {
            free(keep[ti]);
        }
    }
    free(e);
    free(keep);
    free(kept);
    free(removed);
    free(order);
    free(score);
    return rc;
}

int prune_channels(ir_graph *g, int ni, double fraction, int norm, diag *d)
{
    pctx c;
    const ir_node *n;
    int32_t nc, j;
    int *id = NULL, ti, rc = 0;
    memset(&c, 0, sizeof c);
    c.g = g;
    c.d = d;
    if (ni < 0 || ni >= g->nn || g->n[ni].dead) {
        diag_io(d, g->file, "internal error: prune_channels: no layer %d", ni);
        return -1;
    }
    n = &g->n[ni];
    c.seed = n;
    ir_link(g);
    if (!is_weighted(n->op) && rnn_gates(n->op) == 0) {
        return refuse(&c, n, "only dense, conv2d, conv1d, lstm and gru layers can be pruned");
    }
    if (n->groups != 1 && !is_depthwise(g, n)) {
        return refuse(&c, n, "a grouped (not depthwise) conv");
    }
    if (norm != PRUNE_NORM_L1 && norm != PRUNE_NORM_L2) {
        return refuse(&c, n, "norm %d (expected 1 or 2)", norm);
    }
    if (!(fraction >= 0.0 && fraction <= 1.0)) {
        return refuse(&c, n, "fraction %g outside [0, 1]", fraction);
    }
    if (rnn_gates(n->op) > 0 ? check_editable(&c, n) != 0 : weight_of(g, ni) == NULL) {
        return rnn_gates(n->op) > 0 ? -1 : refuse(&c, n, "no float weights");
    }
    nc = last_dim(g, n->output);
    c.map = calloc((size_t)g->nt + 1, sizeof *c.map);
    c.queued = calloc((size_t)g->nt + 1, sizeof *c.queued);
    c.work = malloc((size_t)g->nt * sizeof *c.work + 1);
    id = malloc((size_t)nc * sizeof *id + 1);
    if (c.map == NULL || c.queued == NULL || c.work == NULL || id == NULL) {
        rc = oom(&c);
    }
    for (j = 0; j < nc && rc == 0; j++) {
        id[j] = (int)j;
    }
    if (rc == 0) {
        rc = assign(&c, n->output, id, n);
    }
    while (rc == 0 && c.n_work > 0) {
        int t = c.work[--c.n_work];
        c.queued[t] = 0;
        rc = visit(&c, t);
    }
    if (rc == 0) {
        rc = choose_and_edit(&c, nc, fraction, norm);
    }
    if (c.map != NULL) {
        for (ti = 0; ti < g->nt; ti++) {
            free(c.map[ti]);
        }
    }
    free(c.map);
    free(c.queued);
    free(c.work);
    free(id);
    return rc != 0 ? -1 : 0;
}

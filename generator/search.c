/* The accuracy-budget search (README "Compression under a budget").
 *
 * Deterministic, in two phases over per-layer knobs. Every candidate is
 * the whole pipeline (low-rank, channel pruning, magnitude pruning,
 * refits, calibration, quantization, sparse emission: compress_apply)
 * applied to the model and measured on the validation rows through the
 * deployed kernels.
 *   0. The starting plan is the policy's (defaults and per-layer
 *      settings); if it already exceeds the budget, its precision is
 *      raised to int16, then to float32, until it fits (float32 always
 *      does: drop 0).
 *   The knobs of a dense or conv layer: output channels removed (0.1,
 *   0.2, ..., 0.8 of them; not the model's outputs), rank (a ladder from
 *   the layer's full rank down by a quarter each step, to 1; dense and
 *   convolutions without groups), sparsity (0.5, 0.6, 0.7, 0.8, 0.85,
 *   0.9, 0.95, 0.97; a layer is either sparse or factorised, and channel
 *   pruning combines with either), precision (int16, int8), one weight
 *   scale for the layer instead of one per output channel (its
 *   multiplier and shift then held once, not per channel). An lstm or
 *   gru: hidden units (0.1, 0.2, 0.3, 0.4, 0.5, 0.75), recurrence
 *   low-rank energy (0.99, 0.95, 0.9, 0.8), precision.
 *   1. Sensitivity: each knob of each layer alone, from the starting
 *      plan, level by level until a level leaves the budget (or does not
 *      build): what it saves, what it costs. Levels beyond the first that
 *      leaves the budget alone are never tried again.
 *   2. Joint descent: from the starting plan, every knob's next level
 *      that the sensitivity pass found saving (prune channels of a layer
 *      already factorised, then refit: the moves combine) is ranked by
 *      its predicted saving per unit of metric spent (saving / (metric
 *      increase + increase of the outputs' squared error relative to
 *      their energy + a quarter of one validation row), from the
 *      sensitivity pass); the moves are measured in that order and the
 *      first that fits and lowers the objective (weight bytes, or MACs)
 *      is accepted. A move that does not is not tried again (nor its
 *      knob's later levels). Ties: the earlier layer and knob. The search
 *      stops when no move is left, or after SEARCH_MAX_EVALS evaluations.
 * The budget is checked on the validation rows: the accepted plan never
 * exceeds it there. Same inputs, same candidates, same plan. Every
 * candidate is recorded (info->cand) with the front of (objective,
 * metric) it belongs to, for the report. */
#include "search.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ckd.h"
#include "eval.h"
#include "evcache.h"
#include "lower.h"

#define SEARCH_MAX_EVALS 600
/* The outputs of the leading layers kept on the validation rows
 * (evcache.h): 512 MB. */
#define VAL_CACHE_BYTES ((int64_t)512 * 1024 * 1024)
/* A move that leaves the budget this many times (from different plans)
 * is not tried again. */
#define SEARCH_MAX_FAILS 2
/* a layer holding less than this fraction of the model's weights (or,
 * with --minimize macs, of its MACs) gets no knob: whatever it does, it
 * can save at most that much, and each level costs an evaluation of the
 * whole model (MobileNetV1 0.25: 19 of its 28 layers) */
#define SEARCH_MIN_SHARE 0.01

enum { K_SPARSITY, K_RANK, K_CHANNELS, K_BITS, K_SCALES, N_KNOBS };
#define MAX_LEVELS 32

static const double sparsity_levels[] = { 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.97 };
static const double energy_levels[] = { 0.99, 0.95, 0.9, 0.8 };
static const double channel_levels[] = { 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8 };
/* hidden units of a recurrent layer: every unit feeds every other */
static const double rnn_channel_levels[] = { 0.1, 0.2, 0.3, 0.4, 0.5, 0.75 };
#define N_LEVELS(a) ((int)(sizeof(a) / sizeof((a)[0])))

static int bits_rank(cfg_precision p)
{
    return p == CFG_PREC_INT4 ? 3 : (p == CFG_PREC_INT8 ? 2 : (p == CFG_PREC_INT16 ? 1 : 0));
}

/* One knob of one layer: its levels, most conservative first, and what
 * each cost alone (the sensitivity pass). */
typedef struct {
    int n;
    double v[MAX_LEVELS];
    int measured[MAX_LEVELS]; /* 1 measured alone */
    int64_t obj[MAX_LEVELS];
    double metric[MAX_LEVELS], nmse[MAX_LEVELS];
    int limit;                /* levels from here on are not tried */
    int fails[MAX_LEVELS];    /* moves to the level that left the budget */
} knob;

typedef struct {
    int rnn;                  /* lstm or gru */
    int lowrankable;          /* dense, conv without groups, lstm, gru */
    int full_rank;            /* min(outputs, inputs) of its weight (dense, conv) */
    knob k[N_KNOBS];
} layer_knobs;

typedef struct {
    const char *model;
    const ir_graph *gf;
    compress_info *info;
    const float *vx;
    const int64_t *vy;
    int64_t vrows;
    float *ref;        /* float model outputs on val */
    int64_t correct_f; /* float model's correct rows */
    double ref_energy; /* sum of squares of the float outputs */
    int64_t *ref_top;  /* the float model's top-1 per row */
    double last_drop;  /* accuracy drop of the last measured plan */
    int evals;
    int expect;        /* evaluations the current phase may still take */
    evc_store *store;  /* kept activations on the validation rows, or NULL */
    double t0;         /* wall clock at the start of the phase (s) */
    int evals0;        /* evaluations before the phase */
    const char *phase;
} search_ctx;

static double now(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) {
        return (double)clock() / (double)CLOCKS_PER_SEC;
    }
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Builds and measures a plan: 0 ok (objective and metric set), -1 the
 * plan does not build. */
static int measure(search_ctx *s, compress_plan *p, int64_t *bytes, int64_t *macs,
                   double *metric, double *nmse)
{
    diag q;
    ir_graph *g;
    eval_plan ep;
    evc_plan k;
    int64_t in_n = ir_shape_count(&s->gf->t[s->gf->input].shape);
    int64_t out_n = ir_shape_count(&s->gf->t[s->gf->output].shape), r, j, correct = 0;
    int64_t flips = 0, all_n = ir_outputs_count(s->gf);
    size_t bytes_out = 0;
    int done = 0;
    /* every output of every row (eval_run); the metric reads output 0 */
    float *out = !ckd_bytes(&bytes_out, s->vrows * all_n, sizeof(float)) ? malloc(bytes_out + 1)
                                                                          : NULL;
    double se = 0.0;
    memset(&q, 0, sizeof q);
    q.quiet = 1;
    s->evals++;
    g = out != NULL ? compress_apply(s->model, s->info, p, &q) : NULL;
    if (g == NULL || eval_prepare(g, &ep) != 0) {
        ir_free(g);
        free(out);
        return -1;
    }
    /* the rows resume after the layers this plan shares with one measured
     * before (evcache.h), or run whole */
    if (s->store != NULL && evc_plan_init(&k, &ep) == 0) {
        done = k.ok && evc_run(s->store, &k, g->nn, g->nn - 1, out, NULL, NULL, NULL, NULL) >= 0;
        evc_plan_free(&k);
    }
    for (r = 0; !done && r < s->vrows; r++) {
        eval_run(&ep, s->vx + r * in_n, out + r * all_n);
    }
    for (r = 0; r < s->vrows; r++) {
        const float *o = out + r * all_n;
        int64_t best = 0;
        for (j = 0; j < out_n; j++) {
            double e = (double)o[j] - (double)s->ref[r * out_n + j];
            se += e * e;
            best = o[j] > o[best] ? j : best;
        }
        correct += s->vy != NULL && best == s->vy[r];
        flips += best != s->ref_top[r];
    }
    eval_free(&ep);
    *bytes = lower_constant_bytes(g, NULL);
    *macs = compress_macs(g);
    /* top1: the fraction of validation rows whose top-1 differs from the
     * float model's. The accuracy drop can never exceed it, and it moves
     * before the drop does (changed rows in both directions cancel in the
     * drop), so bounding it bounds the drop with less noise. */
    *metric = s->info->metric_mse ? se / (double)(s->vrows * out_n)
                                  : (double)flips / (double)s->vrows;
    s->last_drop = (double)(s->correct_f - correct) / (double)s->vrows;
    *nmse = se / (s->ref_energy > 0.0 ? s->ref_energy : 1.0);
    ir_free(g);
    free(out);
    return 0;
}

static int record(compress_info *info, const char *what, int64_t bytes, int64_t macs,
                  double metric, double drop, int phase, int fits)
{
    compress_candidate *c = realloc(info->cand, (size_t)(info->n_cand + 1) * sizeof *c);
    if (c == NULL) {
        return -1;
    }
    info->cand = c;
    c = &info->cand[info->n_cand];
    memset(c, 0, sizeof *c);
    c->what = ir_strdup(what);
    c->bytes = bytes;
    c->macs = macs;
    c->metric = metric;
    c->drop = drop;
    c->phase = phase;
    c->fits = fits;
    if (c->what == NULL) {
        return -1;
    }
    info->n_cand++;
    return 0;
}

static void show(const compress_info *info, const char *what, int64_t bytes, int64_t macs,
                 double metric, double drop, double nmse, int fits)
{
    if (!info->metric_mse) {
        printf("search: %-44s %9lld bytes %11lld MACs  changed %5.2f%% drop %+.2f pp "
               "rel. err %.2e%s\n",
               what, (long long)bytes, (long long)macs, 100.0 * metric, 100.0 * drop, nmse,
               fits == 1 ? "" : (fits == 2 ? "  (over the error ceiling)" : "  (over budget)"));
    } else {
        printf("search: %-44s %9lld bytes %11lld MACs  mse %.6g%s\n", what, (long long)bytes,
               (long long)macs, metric, fits ? "" : "  (over budget)");
    }
    fflush(stdout);
}

/* The progress line before an evaluation (stderr): the phase, what is
 * tried, and the time left if the phase takes every evaluation it may
 * (s->expect) at the pace of its evaluations so far. Not part of the
 * search's record: the times vary from run to run. */
static void progress(search_ctx *s, const char *phase, const char *what)
{
    double el, per;
    int done, lim;
    if (s->phase == NULL || strcmp(s->phase, phase) != 0) {
        s->phase = phase;
        s->t0 = now();
        s->evals0 = s->evals;
    }
    el = now() - s->t0;
    done = s->evals - s->evals0;
    per = done > 0 ? el / (double)done : 0.0;
    /* the limit, or (the int16-bias trial past it) this evaluation */
    lim = s->evals + 1 > SEARCH_MAX_EVALS ? s->evals + 1 : SEARCH_MAX_EVALS;
    if (done > 0) {
        fprintf(stderr, "progress: %s, evaluation %d of at most %d, at most %d more in this "
                "phase (%.2f s each, about %.0f s left): %s\n", phase, s->evals + 1,
                lim, s->expect, per, per * (double)s->expect, what);
    } else {
        fprintf(stderr, "progress: %s, evaluation %d of at most %d, at most %d more in this "
                "phase: %s\n", phase, s->evals + 1, lim, s->expect, what);
    }
    fflush(stderr);
    if (s->expect > 0) {
        s->expect--;
    }
}

/* Sets every layer's precision to p. */
static void all_precision(compress_plan *pl, cfg_precision p)
{
    int i;
    for (i = 0; i < pl->n; i++) {
        pl->l[i].precision = p;
    }
}

static int read_val(search_ctx *s, const compress_options *o, diag *d)
{
    s->vx = compress_read_rows(s->gf, o->val, 1, &s->vrows, d);
    if (s->vx == NULL) {
        return -1;
    }
    if (o->labels == NULL) {
        if (s->info->metric_mse) {
            return 0;
        }
        diag_error(d, o->val, 0, "the accuracy budget needs --labels L.npy (or metric mse)");
        return -1;
    }
    s->vy = compress_read_labels(o->labels, s->vrows,
                                 ir_shape_count(&s->gf->t[s->gf->output].shape), d);
    return s->vy == NULL ? -1 : 0;
}

/* ---- knobs ----------------------------------------------------------------- */


/* The levels of every knob of layer L (node ni of the float model). */
static void knobs_init(const ir_graph *g, int ni, const compress_layer *L, layer_knobs *K)
{
    const ir_node *n = &g->n[ni];
    int j;
    memset(K, 0, sizeof *K);
    K->rnn = n->op == IR_OP_LSTM || n->op == IR_OP_GRU;
    K->lowrankable = n->op == IR_OP_DENSE || K->rnn ||
                     ((n->op == IR_OP_CONV2D || n->op == IR_OP_CONV1D) && n->groups == 1);
    if (!K->rnn) {
        for (j = 0; j < N_LEVELS(sparsity_levels); j++) {
            K->k[K_SPARSITY].v[K->k[K_SPARSITY].n++] = sparsity_levels[j];
        }
    }
    if (K->rnn) {
        for (j = 0; j < N_LEVELS(energy_levels); j++) {
            K->k[K_RANK].v[K->k[K_RANK].n++] = energy_levels[j];
        }
    } else if (K->lowrankable) {
        const ir_tensor *w = &g->t[n->params[0]];
        int64_t out = w->shape.d[0], in = ir_shape_count(&w->shape) / out;
        int r = (int)(out < in ? out : in);
        K->full_rank = r;
        /* a quarter less each step; only ranks that hold fewer weights */
        while (r > 1 && K->k[K_RANK].n < MAX_LEVELS) {
            r = r * 3 / 4 < r - 1 ? r * 3 / 4 : r - 1;
            if ((int64_t)r * (in + out) < in * out) {
                K->k[K_RANK].v[K->k[K_RANK].n++] = (double)r;
            }
        }
    }
    if (!L->is_output) {
        const double *cl = K->rnn ? rnn_channel_levels : channel_levels;
        int nc = K->rnn ? N_LEVELS(rnn_channel_levels) : N_LEVELS(channel_levels);
        for (j = 0; j < nc; j++) {
            K->k[K_CHANNELS].v[K->k[K_CHANNELS].n++] = cl[j];
        }
    }
    K->k[K_BITS].v[K->k[K_BITS].n++] = 1.0; /* int16 (16x8) */
    K->k[K_BITS].v[K->k[K_BITS].n++] = 2.0; /* int8 (int4 weights: the last phase) */
    if (!K->rnn) { /* one weight scale for the layer: one multiplier, not one per channel */
        K->k[K_SCALES].v[K->k[K_SCALES].n++] = 1.0;
    }
    for (j = 0; j < N_KNOBS; j++) {
        K->k[j].limit = K->k[j].n;
    }
}

/* The index of the first level of knob k beyond layer L's setting, or
 * -1 when the knob does not apply to L as it stands (a layer is either
 * sparse or factorised). */
static int next_level(const layer_knobs *K, const compress_layer *L, int k)
{
    const knob *kb = &K->k[k];
    int lv;
    if ((k == K_SPARSITY && (L->rank > 0 || L->energy > 0.0)) ||
        (k == K_RANK && L->sparsity > 0.0)) {
        return -1;
    }
    /* int4 weights and a sparse layer exclude each other: the sparse
     * kernels hold int8 weights */
    if (k == K_SPARSITY && L->precision == CFG_PREC_INT4) {
        return -1;
    }
    for (lv = 0; lv < kb->n; lv++) {
        double v = kb->v[lv];
        int beyond;
        if (k == K_SPARSITY) {
            beyond = v > L->sparsity + 1e-9;
        } else if (k == K_RANK && K->rnn) {
            beyond = L->energy <= 0.0 || v < L->energy - 1e-9;
        } else if (k == K_RANK) {
            beyond = L->rank <= 0 || v < (double)L->rank;
        } else if (k == K_CHANNELS) {
            beyond = v > L->channels + 1e-9;
        } else if (k == K_SCALES) {
            beyond = L->scales != CFG_SCALES_TENSOR;
        } else {
            beyond = v > (double)bits_rank(L->precision);
        }
        if (beyond) {
            return lv;
        }
    }
    return kb->n;
}

/* Sets knob k of layer L to level lv; what: its description. */
static void set_level(const layer_knobs *K, compress_layer *L, int k, int lv, char *what,
                      size_t size)
{
    double v = K->k[k].v[lv];
    if (k == K_SPARSITY) {
        L->sparsity = v;
        snprintf(what, size, "%s sparsity %.2f", L->name, v);
    } else if (k == K_RANK && K->rnn) {
        L->energy = v;
        L->rank = 0;
        snprintf(what, size, "%s low-rank energy %.2f", L->name, v);
    } else if (k == K_RANK) {
        L->rank = (int32_t)v;
        L->energy = 0.0;
        snprintf(what, size, "%s rank %d", L->name, (int)v);
    } else if (k == K_CHANNELS) {
        L->channels = v;
        snprintf(what, size, "%s channels %.2f", L->name, v);
    } else if (k == K_SCALES) {
        L->scales = CFG_SCALES_TENSOR;
        snprintf(what, size, "%s one weight scale", L->name);
    } else {
        L->precision = v > 1.5 ? CFG_PREC_INT8 : CFG_PREC_INT16;
        snprintf(what, size, "%s %s", L->name, cfg_precision_name(L->precision));
    }
}

/* The front of (objective, metric) over every measured candidate: those
 * no other candidate matches or beats in both, one of them strictly. */
static void mark_front(compress_info *info)
{
    int i, j;
    for (i = 0; i < info->n_cand; i++) {
        compress_candidate *c = &info->cand[i];
        int64_t oc = info->minimize_macs ? c->macs : c->bytes;
        c->pareto = c->bytes >= 0;
        for (j = 0; j < info->n_cand && c->pareto; j++) {
            const compress_candidate *e = &info->cand[j];
            int64_t oe = info->minimize_macs ? e->macs : e->bytes;
            if (j != i && e->bytes >= 0 && oe <= oc && e->metric <= c->metric &&
                (oe < oc || e->metric < c->metric || j < i)) {
                c->pareto = 0; /* (equal points: the first one stands) */
            }
        }
    }
}

/* ---- the search ------------------------------------------------------------- */

/* How far past the budget the sensitivity pass walks a knob alone, and
 * the step between the levels it measures (on ladders of more than three
 * levels; the levels between are interpolated). */
#define SENS_REACH 4.0
#define SENS_STRIDE 2
/* The fraction of the model's weights (macs: of its MACs) that node ni
 * of the float model g holds. */
static double layer_share(const ir_graph *g, int ni, int macs)
{
    int64_t mine = 0, all = 0;
    int j;
    for (j = 0; j < g->nn; j++) {
        int64_t v = macs ? cost_node_macs(g, j)
                         : (g->n[j].params[0] >= 0 ? ir_shape_count(&g->t[g->n[j].params[0]].shape)
                                                   : 0);
        all += v;
        mine += j == ni ? v : 0;
    }
    return all > 0 ? (double)mine / (double)all : 1.0;
}

/* Whether layer L of a plan can take int16 biases and does not yet: an
 * int8 or int4-weight dense or conv layer (the packed kernels read them) */
static int bias16_able(const ir_graph *g, const compress_layer *L)
{
    int ni = ir_find_node(g, L->name);
    return ni >= 0 && L->bias != CFG_BIAS_INT16 && L->sparsity <= 0.0 &&
           (L->precision == CFG_PREC_INT8 || L->precision == CFG_PREC_INT4) &&
           (g->n[ni].op == IR_OP_DENSE || g->n[ni].op == IR_OP_CONV2D);
}

/* One step of the last phases (int4 weights, int16 biases): plan *trial
 * (which this takes over) measured, recorded as phase `phase` (name pname
 * on the progress line), and accepted in place of *cur when it saves
 * bytes, fits the budget and stays under the error ceiling. Returns 1
 * when accepted, 0 when not, -1 after an error. */
static int last_phase_try(search_ctx *s, compress_info *info, const char *what, const char *pname,
                          int phase, compress_plan *trial, compress_plan *cur, int64_t *cur_obj,
                          double *cur_metric, double *cur_nmse, double ceiling)
{
    int64_t bb, bm;
    double bmet, bn;
    int fits;
    progress(s, pname, what);
    if (measure(s, trial, &bb, &bm, &bmet, &bn) != 0) {
        show(info, what, 0, 0, 0.0, 0.0, 0.0, 0);
        compress_plan_free(trial);
        return record(info, what, -1, -1, -1.0, 0.0, phase, 0) != 0 ? -1 : 0;
    }
    fits = bmet <= info->max_drop && (ceiling < 0.0 || bn <= ceiling) && bb < *cur_obj;
    show(info, what, bb, bm, bmet, s->last_drop, bn,
         fits ? 1 : (bmet <= info->max_drop ? 2 : 0));
    if (record(info, what, bb, bm, bmet, s->last_drop, phase, fits) != 0) {
        compress_plan_free(trial);
        return -1;
    }
    if (!fits) {
        compress_plan_free(trial);
        return 0;
    }
    info->cand[info->n_cand - 1].accepted = 1;
    printf("search: accepted %s\n", what);
    compress_plan_free(cur);
    *cur = *trial;
    *cur_obj = bb;
    *cur_metric = bmet;
    *cur_nmse = bn;
    return 1;
}

/* The int4 phase (search_plan step 3): for each layer of plan *cur that
 * has an int4 kernel, stays int8 and is not sparse, in the order of its
 * float model's weight count (most first, then layer order), the plan
 * with its weights int4 is measured and accepted when it saves bytes,
 * fits the budget and stays under the error ceiling. */
static int int4_phase(search_ctx *s, const ir_graph *g, compress_info *info, compress_plan *cur,
                      int64_t *cur_obj, double *cur_metric, double *cur_nmse, double ceiling,
                      diag *d)
{
    int *order = calloc((size_t)cur->n + 1, sizeof *order);
    int64_t *cnt = calloc((size_t)cur->n + 1, sizeof *cnt);
    int n = 0, x, y, rc = 0;
    char what[600];
    if (order == NULL || cnt == NULL) {
        free(order);
        free(cnt);
        diag_io(d, NULL, "out of memory");
        return -1;
    }
    for (x = 0; x < cur->n; x++) {
        const compress_layer *L = &cur->l[x];
        int ni = ir_find_node(g, L->name);
        if (!L->prunable || ni < 0 || L->precision != CFG_PREC_INT8 || L->sparsity > 0.0 ||
            !compress_int4_form(g, &g->n[ni]) || g->n[ni].params[0] < 0 ||
            layer_share(g, ni, 0) < SEARCH_MIN_SHARE) {
            continue;
        }
        cnt[x] = ir_shape_count(&g->t[g->n[ni].params[0]].shape);
        for (y = n; y > 0 && cnt[order[y - 1]] < cnt[x]; y--) { /* stable: ties keep layer order */
            order[y] = order[y - 1];
        }
        order[y] = x;
        n++;
    }
    s->expect = n;
    for (y = 0; y < n && rc == 0 && s->evals < SEARCH_MAX_EVALS; y++) {
        compress_plan trial;
        x = order[y];
        if (compress_plan_copy(&trial, cur) != 0) {
            rc = -1;
            break;
        }
        trial.l[x].precision = CFG_PREC_INT4;
        snprintf(what, sizeof what, "%s int4 weights", trial.l[x].name);
        rc = last_phase_try(s, info, what, "int4", 3, &trial, cur, cur_obj, cur_metric, cur_nmse,
                            ceiling);
        rc = rc < 0 ? -1 : 0;
    }
    free(order);
    free(cnt);
    return rc;
}

/* The int16-bias phase (search_plan step 4): the folded biases of every
 * int8 (or int4-weight) dense and conv layer of plan *cur as int16 times
 * a power of two (bias="int16": half their bytes; the rounding moves an
 * output by a fraction of a step, so it seldom costs anything), measured
 * once for all of them (even past the evaluations' limit) and accepted
 * when the plan saves bytes, fits the budget and stays under the error
 * ceiling; when it does not, each layer alone, in layer order (within
 * the limit). */
static int bias16_phase(search_ctx *s, const ir_graph *g, compress_info *info, compress_plan *cur,
                        int64_t *cur_obj, double *cur_metric, double *cur_nmse, double ceiling)
{
    int x, y, n = 0, rc = 0;
    char what[600];
    for (x = 0; x < cur->n; x++) {
        n += bias16_able(g, &cur->l[x]);
    }
    s->expect = n > 1 ? n + 1 : n;
    /* the trial of every layer at once runs even when the evaluations'
     * limit is reached (one more): it is the one that saves the most */
    for (y = n > 1 ? -1 : 0; y < cur->n && rc == 0 && (y < 0 || s->evals < SEARCH_MAX_EVALS);
         y++) {
        compress_plan trial;
        if (y >= 0 && !bias16_able(g, &cur->l[y])) {
            continue;
        }
        if (compress_plan_copy(&trial, cur) != 0) {
            rc = -1;
            break;
        }
        for (x = 0; x < trial.n; x++) {
            if ((y < 0 || x == y) && bias16_able(g, &trial.l[x])) {
                trial.l[x].bias = CFG_BIAS_INT16;
            }
        }
        if (y < 0) {
            snprintf(what, sizeof what, "int16 biases in %d layers", n);
        } else {
            snprintf(what, sizeof what, "%s int16 biases", trial.l[y].name);
        }
        rc = last_phase_try(s, info, what, "bias16", 4, &trial, cur, cur_obj, cur_metric, cur_nmse,
                            ceiling);
        if (rc == 1 && y < 0) {
            rc = 0;
            break; /* every layer at once: done */
        }
        rc = rc < 0 ? -1 : 0;
    }
    return rc;
}

/* The least relative squared error a move is charged: the starting
 * plan's own (the quantization's noise floor; below it a difference is
 * not a cost), and at least SCORE_EPS. */
#define SCORE_EPS 1e-9

typedef struct {
    int i, k, b;          /* layer, knob, level */
    double score;         /* objective saved per relative squared error added */
    int fresh;            /* measured from the present plan (plan, obj, ... hold it) */
    compress_plan plan;
    int64_t obj;
    double metric, nmse;
    int cand;             /* its record in info->cand */
} move;

static double score_of(int64_t saved, double err_added, double err_floor)
{
    return (double)saved / ((err_added > 0.0 ? err_added : 0.0) + err_floor);
}

int search_plan(const char *model, const ir_graph *g, const compress_options *o,
                compress_info *info, diag *d)
{
    search_ctx s;
    compress_plan cur, start, trial;
    eval_plan ep;
    layer_knobs *K = NULL;
    int64_t in_n = ir_shape_count(&g->t[g->input].shape), r, j;
    int64_t out_n = ir_shape_count(&g->t[g->output].shape);
    int64_t cur_obj, cur_bytes = 0, cur_macs = 0, bb, bm, start_obj;
    float *row;
    double cur_metric, bmet, cur_nmse = 0.0, bn = 0.0, start_nmse, err_floor;
    char what[256];
    move *mv = NULL;
    double fail_err[256], ceiling, share;
    int rc = 0, i, k, step, nmov, nfail = 0;
    memset(&s, 0, sizeof s);
    memset(&cur, 0, sizeof cur);
    memset(&start, 0, sizeof start);
    s.model = model;
    s.gf = g;
    s.info = info;
    info->searched = 1;
    if (o->val == NULL) {
        diag_error(d, model, 0, "--max-accuracy-drop needs validation data: --val X.npy "
                   "--labels L.npy");
        return -1;
    }
    if (read_val(&s, o, d) != 0) {
        free((void *)s.vx);
        free((void *)s.vy);
        return -1;
    }
    /* the float model on val: the reference (output 0: row holds all outputs) */
    s.ref = malloc((size_t)(s.vrows * out_n) * sizeof *s.ref);
    s.ref_top = malloc((size_t)s.vrows * sizeof *s.ref_top);
    row = malloc((size_t)ir_outputs_count(g) * sizeof *row);
    if (s.ref == NULL || s.ref_top == NULL || row == NULL || eval_prepare(g, &ep) != 0) {
        free(row);
        free(s.ref);
        free(s.ref_top);
        free((void *)s.vx);
        free((void *)s.vy);
        diag_io(d, NULL, "out of memory");
        return -1;
    }
    for (r = 0; r < s.vrows; r++) {
        int64_t b = 0;
        eval_run(&ep, s.vx + r * in_n, row);
        memcpy(s.ref + r * out_n, row, (size_t)out_n * sizeof *row);
        for (j = 1; j < out_n; j++) {
            b = s.ref[r * out_n + j] > s.ref[r * out_n + b] ? j : b;
        }
        s.correct_f += s.vy != NULL && b == s.vy[r];
        s.ref_top[r] = b;
        for (j = 0; j < out_n; j++) {
            s.ref_energy += (double)s.ref[r * out_n + j] * (double)s.ref[r * out_n + j];
        }
    }
    eval_free(&ep);
    free(row);
    if (info->eval_cache) { /* NULL (out of memory): every plan runs whole */
        s.store = evc_new(s.vx, s.vrows, in_n, VAL_CACHE_BYTES);
    }
    info->base_metric = (double)s.correct_f / (double)s.vrows;
    printf("search: budget %s %g on %lld validation rows (float32 top-1 %.2f%%)\n",
           info->metric_mse ? "mse" : "top-1 changes (bounds the accuracy drop)", info->max_drop,
           (long long)s.vrows,
           100.0 * info->base_metric);

    /* 0. the starting plan, made to fit */
    if (compress_plan_copy(&cur, &info->plan) != 0) {
        rc = -1;
    }
    for (step = 0; rc == 0; step++) {
        const char *lab = step == 0 ? "start: the policy's plan"
                                    : (step == 1 ? "start: int16 everywhere"
                                                 : "start: float32 everywhere");
        int ok, fits;
        s.expect = 3 - step;
        progress(&s, "start", lab);
        ok = measure(&s, &cur, &cur_bytes, &cur_macs, &cur_metric, &cur_nmse) == 0;
        fits = ok && cur_metric <= info->max_drop;
        show(info, lab, cur_bytes, cur_macs, cur_metric, s.last_drop, cur_nmse, fits);
        if (record(info, lab, ok ? cur_bytes : -1, ok ? cur_macs : -1, cur_metric, s.last_drop,
                   0, fits) != 0) {
            rc = -1;
        } else if (fits) {
            break;
        } else if (step == 2) {
            diag_error(d, model, 0, "no plan fits the budget: even float32 fails it");
            rc = -1;
        } else {
            if (step == 0) {
                for (k = 0; k < cur.n; k++) { /* drop the policy's pruning and ranks */
                    cur.l[k].sparsity = cur.l[k].channels = cur.l[k].energy = 0.0;
                    cur.l[k].rank = 0;
                }
            }
            all_precision(&cur, step == 0 ? CFG_PREC_INT16 : CFG_PREC_F32);
        }
    }
    cur_obj = info->minimize_macs ? cur_macs : cur_bytes;
    K = rc == 0 ? calloc((size_t)cur.n + 1, sizeof *K) : NULL;
    if (rc == 0 && K == NULL) {
        diag_io(d, NULL, "out of memory");
        rc = -1;
    }
    for (i = 0; rc == 0 && i < cur.n; i++) {
        compress_layer *L = &cur.l[i];
        int ni = ir_find_node(g, L->name);
        if (!L->prunable || ni < 0) {
            continue;
        }
        share = layer_share(g, ni, info->minimize_macs);
        if (share < SEARCH_MIN_SHARE) {
            printf("search: %s holds %.2f%% of the model's %s: no knob\n", L->name,
                   100.0 * share, info->minimize_macs ? "MACs" : "weights");
            continue;
        }
        knobs_init(g, ni, L, &K[i]);
        if (!K[i].rnn && L->energy > 0.0) { /* the policy's energy: as the rank it gave */
            L->rank = L->rank_applied;
            L->energy = 0.0;
        }
    }
    start_obj = cur_obj;
    start_nmse = cur_nmse;
    err_floor = start_nmse > SCORE_EPS ? start_nmse : SCORE_EPS;
    if (rc == 0 && compress_plan_copy(&start, &cur) != 0) {
        rc = -1;
    }

    /* 1. sensitivity: each knob alone, until it leaves the budget far
     * behind (SENS_REACH times it: what a knob costs alone is an
     * estimate only; with other knobs, a level beyond the budget alone
     * may fit) */
    s.expect = 0;
    for (i = 0; rc == 0 && i < cur.n; i++) {
        for (k = 0; cur.l[i].prunable && k < N_KNOBS; k++) {
            int lv = next_level(&K[i], &cur.l[i], k);
            int left = lv >= 0 ? K[i].k[k].n - lv : 0;
            s.expect += left > 3 ? (left + SENS_STRIDE - 1) / SENS_STRIDE + 1 : left;
        }
    }
    for (i = 0; rc == 0 && i < cur.n; i++) {
        for (k = 0; cur.l[i].prunable && k < N_KNOBS && rc == 0; k++) {
            knob *kb = &K[i].k[k];
            int lv = next_level(&K[i], &start.l[i], k), prev = -1, x;
            /* every SENS_STRIDE-th level (and the last), the levels
             * between interpolated */
            int stride = lv >= 0 && kb->n - lv > 3 ? SENS_STRIDE : 1;
            for (; lv >= 0 && lv < kb->n && rc == 0 && s.evals < SEARCH_MAX_EVALS;
                 lv = lv + stride < kb->n || lv == kb->n - 1 ? lv + stride : kb->n - 1) {
                int64_t obj;
                int fits;
                if (compress_plan_copy(&trial, &start) != 0) {
                    rc = -1;
                    break;
                }
                set_level(&K[i], &trial.l[i], k, lv, what, sizeof what);
                progress(&s, "sensitivity", what);
                if (measure(&s, &trial, &bb, &bm, &bmet, &bn) != 0) {
                    show(info, what, 0, 0, 0.0, 0.0, 0.0, 0);
                    (void)record(info, what, -1, -1, -1.0, 0.0, 1, 0);
                    compress_plan_free(&trial);
                    kb->limit = lv;
                    break;
                }
                compress_plan_free(&trial);
                obj = info->minimize_macs ? bm : bb;
                fits = bmet <= info->max_drop;
                show(info, what, bb, bm, bmet, s.last_drop, bn, fits);
                if (record(info, what, bb, bm, bmet, s.last_drop, 1, fits) != 0) {
                    rc = -1;
                }
                kb->measured[lv] = 1;
                kb->obj[lv] = obj;
                kb->metric[lv] = bmet;
                kb->nmse[lv] = bn;
                for (x = prev + 1; prev >= 0 && x < lv; x++) { /* between: interpolated */
                    double f = (double)(x - prev) / (double)(lv - prev);
                    kb->measured[x] = 2;
                    kb->obj[x] = kb->obj[prev] + (int64_t)((double)(obj - kb->obj[prev]) * f);
                    kb->metric[x] = kb->metric[prev] + (bmet - kb->metric[prev]) * f;
                    kb->nmse[x] = kb->nmse[prev] + (bn - kb->nmse[prev]) * f;
                }
                if (!fits && nfail < (int)(sizeof fail_err / sizeof fail_err[0]) &&
                    (prev < 0 || kb->metric[prev] <= info->max_drop)) {
                    fail_err[nfail++] = bn; /* where this knob alone first leaves it */
                }
                prev = lv;
                if (bmet > SENS_REACH * info->max_drop) {
                    kb->limit = lv;
                    break;
                }
                if (lv == kb->n - 1) {
                    break;
                }
            }
        }
    }

    /* the error ceiling of a top-1 budget: half the median relative
     * error at which a knob alone first left the budget. A few changed
     * rows of a small validation set are noise; a plan whose outputs err
     * more than that ceiling fits by luck and would not on other rows, so
     * the descent does not take it (a mse budget is its own ceiling) */
    ceiling = -1.0;
    if (rc == 0 && !info->metric_mse && nfail > 0) {
        int x, y;
        for (x = 1; x < nfail; x++) { /* insertion sort: a few values */
            double v = fail_err[x];
            for (y = x; y > 0 && fail_err[y - 1] > v; y--) {
                fail_err[y] = fail_err[y - 1];
            }
            fail_err[y] = v;
        }
        ceiling = 0.5 * (nfail % 2 == 1 ? fail_err[nfail / 2]
                                        : 0.5 * (fail_err[nfail / 2 - 1] + fail_err[nfail / 2]));
        printf("search: error ceiling %.3g (half the median relative error at which a knob "
               "alone leaves the budget, over %d knobs)\n", ceiling, nfail);
    }
    info->error_ceiling = ceiling;

    /* 2. joint descent, lazily: a move's score (objective saved per unit
     * of the outputs' relative squared error added) is first predicted
     * from the sensitivity pass, then measured from the present plan when
     * the move comes first; a measured move that still comes first, and
     * fits, is accepted */
    nmov = 0;
    for (i = 0; i < cur.n; i++) {
        nmov += cur.l[i].prunable ? N_KNOBS * MAX_LEVELS : 0;
    }
    mv = calloc((size_t)nmov + 1, sizeof *mv);
    if (rc == 0 && mv == NULL) {
        diag_io(d, NULL, "out of memory");
        rc = -1;
    }
    while (rc == 0 && s.evals < SEARCH_MAX_EVALS) {
        int m, nm = 0, done = 0;
        /* the moves from the present plan: each knob's next level that
         * the sensitivity pass found saving */
        for (i = 0; i < cur.n; i++) {
            for (k = 0; cur.l[i].prunable && k < N_KNOBS; k++) {
                const knob *kb = &K[i].k[k];
                int lv = next_level(&K[i], &cur.l[i], k), a = lv - 1, b;
                int64_t oa;
                double na;
                if (lv < 0) {
                    continue;
                }
                oa = a >= 0 && kb->measured[a] ? kb->obj[a] : start_obj;
                na = a >= 0 && kb->measured[a] ? kb->nmse[a] : start_nmse;
                for (b = lv; b < kb->limit && nm < nmov; b++) {
                    if (!kb->measured[b] || kb->obj[b] >= oa) {
                        continue;
                    }
                    memset(&mv[nm], 0, sizeof mv[nm]);
                    mv[nm].i = i;
                    mv[nm].k = k;
                    mv[nm].b = b;
                    mv[nm].score = score_of(oa - kb->obj[b], kb->nmse[b] - na, err_floor);
                    nm++;
                }
            }
        }
        s.expect = nm;
        while (nm > 0 && rc == 0 && !done && s.evals < SEARCH_MAX_EVALS) {
            int top = 0;
            move *M;
            for (m = 1; m < nm; m++) { /* ties: the earlier layer, knob, level */
                const move *x = &mv[m], *y = &mv[top];
                if (x->score > y->score ||
                    (x->score == y->score &&
                     (x->i < y->i || (x->i == y->i && (x->k < y->k ||
                                                       (x->k == y->k && x->b < y->b)))))) {
                    top = m;
                }
            }
            M = &mv[top];
            if (M->fresh) { /* measured from this plan, and still first */
                info->cand[M->cand].accepted = 1;
                printf("search: accepted %s\n", info->cand[M->cand].what);
                compress_plan_free(&cur);
                cur = M->plan;
                memset(&M->plan, 0, sizeof M->plan);
                cur_obj = M->obj;
                cur_metric = M->metric;
                cur_nmse = M->nmse;
                done = 1;
                break;
            }
            i = M->i;
            k = M->k;
            if (compress_plan_copy(&M->plan, &cur) != 0) {
                rc = -1;
                break;
            }
            set_level(&K[i], &M->plan.l[i], k, M->b, what, sizeof what);
            progress(&s, "joint", what);
            if (measure(&s, &M->plan, &bb, &bm, &bmet, &bn) != 0) {
                show(info, what, 0, 0, 0.0, 0.0, 0.0, 0);
                (void)record(info, what, -1, -1, -1.0, 0.0, 2, 0);
                M->obj = cur_obj; /* dropped below */
                bmet = info->max_drop + 1.0;
            } else {
                int fits = bmet <= info->max_drop && (ceiling < 0.0 || bn <= ceiling);
                M->obj = info->minimize_macs ? bm : bb;
                show(info, what, bb, bm, bmet, s.last_drop, bn,
                     fits ? 1 : (bmet <= info->max_drop ? 2 : 0));
                if (record(info, what, bb, bm, bmet, s.last_drop, 2, fits) != 0) {
                    rc = -1;
                }
            }
            M->cand = info->n_cand - 1;
            M->metric = bmet;
            M->nmse = bn;
            if (ceiling >= 0.0 && bn > ceiling) {
                bmet = info->max_drop + 1.0; /* as if over the budget */
            }
            if (bmet <= info->max_drop && M->obj >= cur_obj) { /* saves nothing here */
                compress_plan_free(&M->plan);
                mv[top] = mv[--nm];
                continue;
            }
            if (bmet > info->max_drop) {
                /* not from this plan, nor the knob's later levels; after
                 * SEARCH_MAX_FAILS such failures, never again (a few
                 * changed rows are noise: from the next plan it may fit) */
                int b = M->b;
                if (++K[i].k[k].fails[b] >= SEARCH_MAX_FAILS) {
                    K[i].k[k].limit = b;
                }
                compress_plan_free(&M->plan);
                mv[top] = mv[--nm];
                for (m = 0; m < nm; m++) {
                    if (mv[m].i == i && mv[m].k == k && mv[m].b >= b) {
                        compress_plan_free(&mv[m].plan);
                        mv[m--] = mv[--nm];
                    }
                }
                continue;
            }
            M->fresh = 1;
            M->score = score_of(cur_obj - M->obj, bn - cur_nmse, err_floor);
        }
        for (m = 0; m < nm; m++) {
            compress_plan_free(&mv[m].plan);
        }
        if (!done) {
            break;
        }
    }
    free(mv);

    /* 3. int4 weights last, layer by layer, the layers with the most
     * weights first: halving a layer's weight bytes costs more error
     * than most structural moves save per unit of it, and taken early it
     * spends the budget the channel and rank moves would use better
     * (measured on examples/mlp: 17x instead of 32x) */
    if (rc == 0 && !info->minimize_macs) {
        rc = int4_phase(&s, g, info, &cur, &cur_obj, &cur_metric, &cur_nmse, ceiling, d);
    }
    /* 4. int16 biases (bytes only) */
    if (rc == 0 && !info->minimize_macs) {
        rc = bias16_phase(&s, g, info, &cur, &cur_obj, &cur_metric, &cur_nmse, ceiling);
    }
    if (rc == 0) {
        mark_front(info);
        compress_plan_free(&info->plan);
        info->plan = cur;
        info->final_metric = cur_metric;
        printf("search: %d candidates evaluated; chosen plan: %s %g (budget %g)\n", s.evals,
               info->metric_mse ? "mse" : "top-1 changed on", cur_metric, info->max_drop);
    } else {
        compress_plan_free(&cur);
    }
    if (s.store != NULL) {
        int64_t a, b, c, e;
        evc_stats(s.store, &a, &b, &c, &e);
        fprintf(stderr, "progress: %lld of %lld evaluations on the validation rows resumed "
                "after unchanged leading layers; %lld of %lld row-node evaluations saved\n",
                (long long)a, (long long)b, (long long)c, (long long)(c + e));
    }
    evc_free(s.store);
    compress_plan_free(&start);
    free(K);
    free(s.ref);
    free(s.ref_top);
    free((void *)s.vx);
    free((void *)s.vy);
    return rc;
}

ir_graph *search_compress(const char *model, const compress_options *o, compress_info *info,
                          diag *d)
{
    ir_graph *g = compress_prepare(model, o, info, d), *out;
    if (g == NULL) {
        return NULL;
    }
    if (info->max_drop >= 0.0 && search_plan(model, g, o, info, d) != 0) {
        ir_free(g);
        return NULL;
    }
    ir_free(g);
    out = compress_apply(model, info, &info->plan, d);
    return out;
}

/* The accuracy-budget search (README "Compression under a budget").
 *
 * Deterministic greedy descent over per-layer settings. Every candidate is
 * the whole pipeline (low-rank, pruning, refits, calibration,
 * quantization, sparse emission) applied to the model and measured on the
 * validation rows through the deployed kernels:
 *   1. the starting plan is the policy's (defaults and per-layer settings);
 *      if it already exceeds the budget, its precision is raised to int16,
 *      then to float32, until it fits (float32 always does: drop 0);
 *   2. each step tries, for every dense/conv layer and each knob, the next
 *      level that changes the objective (levels that change nothing, such
 *      as a sparsity below the sparse form's break-even or a rank that does
 *      not pay, are walked past): sparsity along 0.5, 0.6, 0.7, 0.8, 0.85,
 *      0.9, 0.95, 0.97; a low-rank energy along 0.99, 0.95, 0.9, 0.8
 *      (dense, and convolutions without groups; a layer is either pruned
 *      or factorised); its
 *      precision along float32, int16, int8; with --minimize macs also
 *      output-channel pruning along 0.25, 0.5, 0.75 (for an lstm or gru,
 *      whose kernels are dense, hidden units along 0.1, 0.2, 0.3, 0.4,
 *      0.5, 0.75 take the place of sparsity and low rank, whatever the
 *      objective);
 *   3. of the candidates within the budget that lower the objective (weight
 *      bytes, or MACs), the one saving the most per unit of metric spent
 *      wins (saving / (metric increase + increase of the outputs' squared
 *      error relative to their energy + a quarter of one validation row));
 *      ties: the smaller objective, then the earlier layer and knob. This
 *      spends the budget where it buys the most and keeps a margin against
 *      the noise of a small validation set. The search stops when no
 *      candidate fits and improves, or after SEARCH_MAX_EVALS evaluations.
 * The budget is checked on the validation rows: the accepted plan never
 * exceeds it there. Same inputs, same candidates, same plan. */
#include "compress.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval.h"

#define SEARCH_MAX_EVALS 400

static const double sparsity_levels[] = { 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.97 };
static const double energy_levels[] = { 0.99, 0.95, 0.9, 0.8 };
static const double channel_levels[] = { 0.25, 0.5, 0.75 };
/* hidden units of a recurrent layer: finer, every unit feeds every other */
static const double rnn_channel_levels[] = { 0.1, 0.2, 0.3, 0.4, 0.5, 0.75 };
/* precision steps toward fewer bits (int16 is 16x8: int8 weights) */
static const cfg_precision bits_levels[] = { CFG_PREC_INT16, CFG_PREC_INT8 };

static int bits_rank(cfg_precision p)
{
    return p == CFG_PREC_INT8 ? 2 : (p == CFG_PREC_INT16 ? 1 : 0);
}
#define N_LEVELS(a) ((int)(sizeof(a) / sizeof((a)[0])))

int64_t compress_weight_bytes(const ir_graph *g)
{
    int64_t b = 0;
    int i;
    for (i = 0; i < g->nt; i++) {
        if (g->t[i].kind == IR_T_CONST) {
            b += ir_shape_count(&g->t[i].shape) * (int64_t)ir_dtype_size(g->t[i].dtype);
        }
    }
    return b;
}

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

/* dense, or a convolution with groups 1 (lowrank_node's domain) */
static int lowrankable(const ir_graph *g, const char *name)
{
    int i;
    for (i = 0; i < g->nn; i++) {
        if (strcmp(g->n[i].name, name) == 0) {
            return g->n[i].op == IR_OP_DENSE || g->n[i].op == IR_OP_LSTM ||
                   g->n[i].op == IR_OP_GRU ||
                   ((g->n[i].op == IR_OP_CONV2D || g->n[i].op == IR_OP_CONV1D) &&
                    g->n[i].groups == 1);
        }
    }
    return 0;
}

/* lstm or gru: its knobs are hidden units (channels) and precision */
static int recurrent(const ir_graph *g, const char *name)
{
    int i;
    for (i = 0; i < g->nn; i++) {
        if (strcmp(g->n[i].name, name) == 0) {
            return g->n[i].op == IR_OP_LSTM || g->n[i].op == IR_OP_GRU;
        }
    }
    return 0;
}

typedef struct {
    const char *model;
    const ir_graph *gf;
    compress_info *info;
    const float *calib;
    int64_t calib_rows;
    const float *vx;
    const int64_t *vy;
    int64_t vrows;
    float *ref;        /* float model outputs on val */
    int64_t correct_f; /* float model's correct rows */
    double ref_energy; /* sum of squares of the float outputs */
    int64_t *ref_top;  /* the float model's top-1 per row */
    double last_drop;  /* accuracy drop of the last measured plan */
    int evals;
} search_ctx;

/* Builds and measures a plan: 0 ok (objective and metric set), -1 the
 * plan does not build. */
static int measure(search_ctx *s, compress_plan *p, int64_t *bytes, int64_t *macs,
                   double *metric, double *nmse)
{
    diag q;
    ir_graph *g;
    eval_plan ep;
    int64_t in_n = ir_shape_count(&s->gf->t[s->gf->input].shape);
    int64_t out_n = ir_shape_count(&s->gf->t[s->gf->output].shape), r, j, correct = 0;
    int64_t flips = 0;
    /* every output of a row (eval_run); the metric reads output 0 */
    float *out = malloc((size_t)ir_outputs_count(s->gf) * sizeof *out);
    double se = 0.0;
    memset(&q, 0, sizeof q);
    q.quiet = 1;
    s->evals++;
    g = out != NULL ? compress_apply(s->model, s->info, p, s->calib, s->calib_rows, &q) : NULL;
    if (g == NULL || eval_prepare(g, &ep) != 0) {
        ir_free(g);
        free(out);
        return -1;
    }
    for (r = 0; r < s->vrows; r++) {
        int64_t best = 0;
        eval_run(&ep, s->vx + r * in_n, out);
        for (j = 0; j < out_n; j++) {
            double e = (double)out[j] - (double)s->ref[r * out_n + j];
            se += e * e;
            best = out[j] > out[best] ? j : best;
        }
        correct += s->vy != NULL && best == s->vy[r];
        flips += best != s->ref_top[r];
    }
    eval_free(&ep);
    *bytes = compress_weight_bytes(g);
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
                  double metric, double drop, int accepted)
{
    compress_candidate *c = realloc(info->cand, (size_t)(info->n_cand + 1) * sizeof *c);
    if (c == NULL) {
        return -1;
    }
    info->cand = c;
    c = &info->cand[info->n_cand];
    c->what = ir_strdup(what);
    c->bytes = bytes;
    c->macs = macs;
    c->metric = metric;
    c->drop = drop;
    c->accepted = accepted;
    if (c->what == NULL) {
        return -1;
    }
    info->n_cand++;
    return 0;
}

static void show(const compress_info *info, const char *what, int64_t bytes, int64_t macs,
                 double metric, double drop, int fits)
{
    if (!info->metric_mse) {
        printf("search: %-44s %9lld bytes %11lld MACs  changed %5.2f%% drop %+.2f pp%s\n",
               what, (long long)bytes, (long long)macs, 100.0 * metric, 100.0 * drop,
               fits ? "" : "  (over budget)");
    } else if (info->metric_mse) {
        printf("search: %-44s %9lld bytes %11lld MACs  mse %.6g%s\n", what, (long long)bytes,
               (long long)macs, metric, fits ? "" : "  (over budget)");
    } else {
        printf("search: %-44s %9lld bytes %11lld MACs  drop %+.2f pp%s\n", what,
               (long long)bytes, (long long)macs, 100.0 * metric, fits ? "" : "  (over budget)");
    }
    fflush(stdout);
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

int compress_search(const char *model, const ir_graph *g, const compress_options *o,
                    compress_info *info, const float *calib, int64_t rows, diag *d)
{
    search_ctx s;
    compress_plan cur, trial, best;
    eval_plan ep;
    int64_t in_n = ir_shape_count(&g->t[g->input].shape), r, j;
    int64_t out_n = ir_shape_count(&g->t[g->output].shape);
    int64_t cur_obj, cur_bytes, cur_macs, bb, bm;
    float *row;
    double cur_metric, bmet, cur_nmse = 0.0, bn = 0.0;
    char what[256];
    int rc = 0, i, step;
    memset(&s, 0, sizeof s);
    memset(&cur, 0, sizeof cur);
    s.model = model;
    s.gf = g;
    s.info = info;
    s.calib = calib;
    s.calib_rows = rows;
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
    info->base_metric = (double)s.correct_f / (double)s.vrows;
    printf("search: budget %s %g on %lld validation rows (float32 top-1 %.2f%%)\n",
           info->metric_mse ? "mse" : "top-1 changes (bounds the accuracy drop)", info->max_drop,
           (long long)s.vrows,
           100.0 * info->base_metric);

    /* 1. the starting plan, made to fit */
    if (compress_plan_copy(&cur, &info->plan) != 0) {
        rc = -1;
    }
    for (step = 0; rc == 0; step++) {
        const char *lab = step == 0 ? "start: the policy's plan"
                                    : (step == 1 ? "start: int16 everywhere"
                                                 : "start: float32 everywhere");
        int ok = measure(&s, &cur, &cur_bytes, &cur_macs, &cur_metric, &cur_nmse) == 0;
        int fits = ok && cur_metric <= info->max_drop;
        show(info, lab, cur_bytes, cur_macs, cur_metric, s.last_drop, fits);
        if (record(info, lab, cur_bytes, cur_macs, cur_metric, s.last_drop, fits) != 0) {
            rc = -1;
        } else if (fits) {
            break;
        } else if (step == 2) {
            diag_error(d, model, 0, "no plan fits the budget: even float32 fails it");
            rc = -1;
        } else {
            if (step == 0) {
                int k;
                for (k = 0; k < cur.n; k++) { /* drop the policy's pruning and ranks */
                    cur.l[k].sparsity = cur.l[k].channels = cur.l[k].energy = 0.0;
                    cur.l[k].rank = 0;
                }
            }
            all_precision(&cur, step == 0 ? CFG_PREC_INT16 : CFG_PREC_F32);
        }
    }
    cur_obj = info->minimize_macs ? cur_macs : cur_bytes;
    /* 2. greedy steps */
    while (rc == 0 && s.evals < SEARCH_MAX_EVALS) {
        int found = 0;
        int64_t best_obj = cur_obj;
        double best_score = 0.0, best_nmse = 0.0;
        memset(&best, 0, sizeof best);
        for (i = 0; i < cur.n && rc == 0 && s.evals < SEARCH_MAX_EVALS; i++) {
            const compress_layer *L = &cur.l[i];
            int knob;
            if (!L->prunable) {
                continue;
            }
            const int rnn = recurrent(g, L->name);
            const double *chl = rnn ? rnn_channel_levels : channel_levels;
            for (knob = 0; knob < 4 && rc == 0; knob++) {
                int lv, nlv = knob == 0 ? N_LEVELS(sparsity_levels)
                                        : (knob == 1 ? N_LEVELS(energy_levels)
                                                     : (knob == 2 ? (rnn ? N_LEVELS(rnn_channel_levels)
                                                                         : N_LEVELS(channel_levels))
                                                                  : N_LEVELS(bits_levels)));
                /* the first level beyond the layer's current one */
                for (lv = 0; lv < nlv; lv++) {
                    if (knob == 0   ? sparsity_levels[lv] > L->sparsity + 1e-9
                        : knob == 1 ? (L->energy <= 0.0 || energy_levels[lv] < L->energy - 1e-9)
                        : knob == 2 ? chl[lv] > L->channels + 1e-9
                                    : bits_rank(bits_levels[lv]) > bits_rank(L->precision)) {
                        break;
                    }
                }
                if ((knob == 0 && (L->energy > 0.0 || L->rank > 0 || rnn)) ||
                    (knob == 1 && (L->sparsity > 0.0 || L->rank > 0 || !lowrankable(g, L->name))) ||
                    (knob == 2 && ((!info->minimize_macs && !rnn) ||
                                   L->is_output))) {
                    continue;
                }
                /* walk the knob until a level improves the objective or
                 * leaves the budget (a level below the sparse form's
                 * break-even, or a rank that does not pay, changes nothing) */
                for (; lv < nlv && rc == 0 && s.evals < SEARCH_MAX_EVALS; lv++) {
                    int64_t obj;
                    int fits;
                    if (compress_plan_copy(&trial, &cur) != 0) {
                        rc = -1;
                        break;
                    }
                    if (knob == 0) {
                        trial.l[i].sparsity = sparsity_levels[lv];
                        snprintf(what, sizeof what, "%s sparsity %.2f", L->name,
                                 sparsity_levels[lv]);
                    } else if (knob == 1) {
                        trial.l[i].energy = energy_levels[lv];
                        snprintf(what, sizeof what, "%s low-rank energy %.2f", L->name,
                                 energy_levels[lv]);
                    } else if (knob == 2) {
                        trial.l[i].channels = chl[lv];
                        snprintf(what, sizeof what, "%s channels %.2f", L->name, chl[lv]);
                    } else {
                        trial.l[i].precision = bits_levels[lv];
                        snprintf(what, sizeof what, "%s %s", L->name,
                                 cfg_precision_name(bits_levels[lv]));
                    }
                    if (measure(&s, &trial, &bb, &bm, &bmet, &bn) != 0) {
                        show(info, what, 0, 0, 0.0, 0.0, 0);
                        (void)record(info, what, -1, -1, -1.0, 0.0, 0);
                        compress_plan_free(&trial);
                        break;
                    }
                    obj = info->minimize_macs ? bm : bb;
                    fits = bmet <= info->max_drop;
                    show(info, what, bb, bm, bmet, s.last_drop, fits);
                    if (record(info, what, bb, bm, bmet, s.last_drop, 0) != 0) {
                        rc = -1;
                    }
                    if (fits && obj < cur_obj) {
                        /* saving per unit of metric spent (eps: a quarter
                         * of one validation row, or 1% of the budget) */
                        double eps = info->metric_mse ? info->max_drop / 100.0 + 1e-30
                                                      : 0.25 / (double)s.vrows;
                        double cost = (bmet - cur_metric > 0.0 ? bmet - cur_metric : 0.0) +
                                      (bn - cur_nmse > 0.0 ? bn - cur_nmse : 0.0);
                        double score = (double)(cur_obj - obj) / (cost + eps);
                        if (!found || score > best_score ||
                            (score == best_score && obj < best_obj)) {
                            compress_plan_free(&best);
                            best = trial;
                            memset(&trial, 0, sizeof trial);
                            best_obj = obj;
                            best_score = score;
                            best_nmse = bn;
                            found = info->n_cand; /* 1-based index of the winner */
                        }
                    }
                    compress_plan_free(&trial);
                    if (!fits || obj < cur_obj) {
                        break;
                    }
                }
            }
        }
        if (rc != 0 || !found) {
            compress_plan_free(&best);
            break;
        }
        info->cand[found - 1].accepted = 1;
        printf("search: accepted %s\n", info->cand[found - 1].what);
        compress_plan_free(&cur);
        cur = best;
        cur_obj = best_obj;
        cur_metric = info->cand[found - 1].metric;
        cur_nmse = best_nmse;
    }
    if (rc == 0) {
        compress_plan_free(&info->plan);
        info->plan = cur;
        info->final_metric = cur_metric;
        printf("search: %d candidates evaluated; chosen plan: %s %g (budget %g)\n", s.evals,
               info->metric_mse ? "mse" : "top-1 changed on", cur_metric, info->max_drop);
    } else {
        compress_plan_free(&cur);
    }
    free(s.ref);
    free(s.ref_top);
    free((void *)s.vx);
    free((void *)s.vy);
    return rc;
}

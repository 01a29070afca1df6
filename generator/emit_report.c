/* emit_report: NAME_report.json, the machine-readable record of a run:
 * which model (SHA-256 of every input), the layers after folding and fusing
 * (with the layers they absorbed and their XML lines), per-layer parameter
 * and multiply-accumulate counts, the cost estimates on Cortex-M4/M7 and
 * the worst-case stack (cost.c), and the memory plan. */
#include "emit.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "build_id.h"
#include "cost.h"
#include "json.h"
#include "lower.h"


/* A measured figure as JSON: JSON has no infinity or NaN, so a figure that
 * is not finite (an overflowing float model, an exact match's SQNR) is null. */
static const char *jnum(char *buf, size_t n, const char *fmt, double v)
{
    if (isfinite(v)) {
        snprintf(buf, n, fmt, v);
    } else {
        snprintf(buf, n, "null");
    }
    return buf;
}

static void shape_json(strbuf *b, const ir_shape *s)
{
    int i;
    sb_puts(b, "[");
    for (i = 0; i < s->rank; i++) {
        sb_printf(b, i == 0 ? "%ld" : ", %ld", (long)s->d[i]);
    }
    sb_puts(b, "]");
}

/* The bytes of constants each node's calls read, as emitted
 * (lower_constant_bytes); NULL when out of memory or g is NULL. */
static int64_t *emitted_bytes(const ir_graph *g)
{
    int64_t *b = g != NULL ? calloc((size_t)g->nn + 1, sizeof *b) : NULL;
    if (b != NULL && lower_constant_bytes(g, b) < 0) {
        free(b);
        b = NULL;
    }
    return b;
}

/* Bytes of the weight tensors proper (dense, conv, affine: params[0]),
 * without biases, multipliers and tables. */
static int64_t graph_matrix_bytes(const ir_graph *g)
{
    int64_t b = 0;
    int i;
    for (i = 0; i < g->nn; i++) {
        const ir_node *n = &g->n[i];
        int ti = n->params[0];
        if (ti >= 0 && (n->op == IR_OP_DENSE || n->op == IR_OP_CONV2D || n->op == IR_OP_CONV1D ||
                        n->op == IR_OP_AFFINE)) {
            int64_t cnt = ir_shape_count(&g->t[ti].shape);
            /* int4 weights: two per byte */
            b += n->wbits == 4 && n->prec == IR_DT_S8 && !n->sparse ? (cnt + 1) / 2
                                                      : cnt * (int64_t)ir_dtype_size(g->t[ti].dtype);
        }
    }
    return b;
}

static void quant_json(strbuf *b, const ir_tensor *t)
{
    sb_printf(b, "\"dtype\": \"%s\"", ir_dtype_name(t->dtype));
    if (t->has_q) {
        sb_printf(b, ", \"scale\": %.9g, \"zero_point\": %ld", t->scale, (long)t->zp);
    }
}

/* bytes and MACs of the layer `name` of g: itself and its low-rank factor */
static void layer_cost(const ir_graph *g, const int64_t *per_node, const char *name,
                       int64_t *bytes, int64_t *macs)
{
    int i;
    size_t n = strlen(name);
    *bytes = 0;
    *macs = 0;
    for (i = 0; g != NULL && i < g->nn; i++) {
        const char *m = g->n[i].name;
        if (strcmp(m, name) == 0 || (strncmp(m, name, n) == 0 && strcmp(m + n, ".lowrank") == 0)) {
            *bytes += per_node != NULL ? per_node[i] : 0;
            *macs += compress_node_macs(g, i);
        }
    }
}

/* The candidates on the search's front of (objective, metric), by
 * objective ascending (then metric, then order): indices into
 * "candidates". */
static void pareto_json(strbuf *b, const compress_info *in)
{
    int i, n = 0, last = -1;
    for (;;) { /* selection by (objective, metric, index) after `last` */
        int best = -1;
        for (i = 0; i < in->n_cand; i++) {
            const compress_candidate *c = &in->cand[i];
            int64_t oc = in->minimize_macs ? c->macs : c->bytes;
            int after = last < 0;
            if (!c->pareto) {
                continue;
            }
            if (last >= 0) {
                const compress_candidate *l = &in->cand[last];
                int64_t ol = in->minimize_macs ? l->macs : l->bytes;
                after = oc > ol || (oc == ol && (c->metric > l->metric ||
                                                 (c->metric == l->metric && i > last)));
            }
            if (after) {
                if (best < 0) {
                    best = i;
                } else {
                    const compress_candidate *e = &in->cand[best];
                    int64_t oe = in->minimize_macs ? e->macs : e->bytes;
                    best = oc < oe || (oc == oe && c->metric < e->metric) ? i : best;
                }
            }
        }
        if (best < 0) {
            break;
        }
        sb_printf(b, n == 0 ? "%d" : ", %d", best);
        n++;
        last = best;
    }
}

/* The plan per layer (before/after) and the budget search's candidates. */
static void plan_json(strbuf *b, const emit_options *o, const ir_graph *g)
{
    const compress_info *in = o->info;
    int64_t *pf, *pq;
    int i;
    if (in == NULL || in->plan.n == 0) {
        return;
    }
    pf = emitted_bytes(o->gf);
    pq = emitted_bytes(g);
    if ((o->gf != NULL && pf == NULL) || pq == NULL) {
        b->oom = 1;
    }
    sb_puts(b, ",\n    \"refit\": ");
    sb_puts(b, in->refit ? "true" : "false");
    sb_puts(b, ",\n    \"plan\": [");
    for (i = 0; i < in->plan.n; i++) {
        const compress_layer *L = &in->plan.l[i];
        int64_t b0, m0, b1, m1;
        layer_cost(o->gf, pf, L->name, &b0, &m0);
        layer_cost(g, pq, L->name, &b1, &m1);
        sb_puts(b, i == 0 ? "\n      { \"layer\": " : ",\n      { \"layer\": ");
        sb_json_str(b, L->name);
        sb_printf(b, ", \"precision\": \"%s\", \"sparsity\": %.4f, \"channels_removed\": %ld, "
                     "\"rank\": %ld, \"weight_bytes_before\": %lld, \"weight_bytes_after\": %lld, "
                     "\"macs_before\": %lld, \"macs_after\": %lld",
                  cfg_precision_name(L->precision), L->sparsity_applied, (long)L->channels_removed,
                  (long)L->rank_applied, (long long)b0, (long long)b1, (long long)m0,
                  (long long)m1);
        if (L->refit_kept != 0) {
            char j1[40], j2[40];
            sb_printf(b, ", \"refit\": { \"kept\": %s, \"heldout_mse_before\": %s, "
                         "\"heldout_mse_after\": %s }",
                      L->refit_kept > 0 ? "true" : "false",
                      jnum(j1, sizeof j1, "%.9g", L->refit_before),
                      jnum(j2, sizeof j2, "%.9g", L->refit_after));
        }
        sb_puts(b, " }");
    }
    sb_puts(b, "\n    ]");
    if (in->searched) {
        char j1[40], j2[40], j3[40];
        sb_printf(b, ",\n    \"search\": { \"budget\": %s, \"metric\": \"%s\", "
                     "\"minimize\": \"%s\", \"float32_top1\": %s, \"chosen_metric\": %s, "
                     "\"candidates\": [",
                  jnum(j1, sizeof j1, "%.9g", in->max_drop), in->metric_mse ? "mse" : "top1_changed",
                  in->minimize_macs ? "macs" : "bytes", jnum(j2, sizeof j2, "%.6f", in->base_metric),
                  jnum(j3, sizeof j3, "%.9g", in->final_metric));
        for (i = 0; i < in->n_cand; i++) {
            const compress_candidate *c = &in->cand[i];
            sb_puts(b, i == 0 ? "\n        { \"what\": " : ",\n        { \"what\": ");
            sb_json_str(b, c->what);
            sb_printf(b, ", \"bytes\": %lld, \"macs\": %lld, \"metric\": %s, "
                         "\"top1_drop\": %s, \"phase\": \"%s\", \"fits\": %s, "
                         "\"accepted\": %s, \"pareto\": %s }",
                      (long long)c->bytes, (long long)c->macs, jnum(j1, sizeof j1, "%.9g", c->metric),
                      jnum(j2, sizeof j2, "%.9g", c->drop),
                      c->phase == 0 ? "start"
                                    : (c->phase == 1 ? "sensitivity"
                                                     : (c->phase == 2 ? "joint"
                                                                     : (c->phase == 3 ? "int4"
                                                                                      : "bias16"))),
                      c->fits ? "true" : "false", c->accepted ? "true" : "false",
                      c->pareto ? "true" : "false");
        }
        sb_puts(b, "\n      ],\n      \"pareto_front\": [");
        pareto_json(b, in);
        sb_puts(b, "] }");
    }
    free(pf);
    free(pq);
}

static void compression_json(strbuf *b, const emit_options *o, const ir_graph *g)
{
    const compress_info *in = o->info;
    const compress_evidence *ev = o->ev;
    int64_t wq = lower_constant_bytes(g, NULL);
    int64_t wf = o->gf != NULL ? lower_constant_bytes(o->gf, NULL) : wq;
    int64_t mq = graph_matrix_bytes(g), mf = o->gf != NULL ? graph_matrix_bytes(o->gf) : mq;
    sb_printf(b, "  \"compression\": {\n    \"macs\": %lld, \"float32_macs\": %lld,\n",
              (long long)compress_macs(g), (long long)(o->gf != NULL ? compress_macs(o->gf) : 0));
    sb_puts(b, "    \"quantized\": ");
    sb_puts(b, in != NULL && in->quantized ? "true" : "false");
    if (in != NULL && in->quantized) {
        sb_printf(b, ",\n    \"default_precision\": \"%s\"",
                  cfg_precision_name(in->precision));
        sb_puts(b, ",\n    \"calibration\": { \"data\": ");
        sb_json_str(b, in->calib_path != NULL ? in->calib_path : "");
        sb_printf(b, ", \"sha256\": \"%s\", \"rows\": %lld, \"method\": \"%s\"",
                  in->calib_sha256, (long long)in->calib_rows, calib_method_name(in->method));
        if (in->method == CALIB_PERCENTILE) {
            sb_printf(b, ", \"percentile\": %.9g", in->percentile);
        }
        sb_puts(b, " }");
    }
    if (in != NULL && in->has_config) {
        sb_puts(b, ",\n    \"policy\": { \"file\": ");
        sb_json_str(b, in->cfg.path);
        sb_printf(b, ", \"sha256\": \"%s\", \"layer_overrides\": %d }", in->cfg.sha256,
                  in->cfg.n_layers);
    }
    sb_printf(b, ",\n    \"weight_bytes\": %lld, \"float32_weight_bytes\": %lld, "
                 "\"weight_ratio\": %.6f",
              (long long)mq, (long long)mf, mf > 0 ? (double)mq / (double)mf : 1.0);
    sb_printf(b, ",\n    \"constant_bytes\": %lld, \"float32_constant_bytes\": %lld, "
                 "\"constant_ratio\": %.6f",
              (long long)wq, (long long)wf, wf > 0 ? (double)wq / (double)wf : 1.0);
    if (ev != NULL) {
        sb_printf(b, ",\n    \"validation\": { \"rows\": %lld", (long long)ev->rows);
        if (ev->has_labels) {
            sb_printf(b, ", \"top1_float32\": %.6f, \"top1_compressed\": %.6f, "
                         "\"top1_change_pp\": %.4f",
                      (double)ev->correct_float / (double)ev->rows,
                      (double)ev->correct_quant / (double)ev->rows,
                      100.0 * (double)(ev->correct_quant - ev->correct_float) /
                          (double)ev->rows);
        }
        sb_puts(b, " }");
    }
    plan_json(b, o, g);
    sb_puts(b, "\n  },\n");
}

/* "memory_plan": each arena's size against its lower bound for the
 * schedule (pass_plan), and the layers that run in place. */
static void memory_plan_json(strbuf *b, const ir_graph *g, lower_call calls[LOWER_MAX_CALLS])
{
    int k, i, nc, first = 1, n_in_place = 0, scratch_node = -1;
    int64_t bytes = ir_arena_bytes(g), bound = ir_arena_bound_bytes(g), scratch = 0;
    for (i = 0; i < g->nn; i++) {
        const ir_tensor *y = &g->t[g->n[i].output];
        n_in_place += g->n[i].op != IR_OP_RESHAPE && y->alias_of >= 0;
        /* the packed kernels' scratch (NAME_scratch, NAME_SCRATCH_SIZE):
         * the largest need of one call, as emit_c.c sizes it */
        nc = lower_node(g, i, calls);
        for (k = 0; k < nc; k++) {
            if (calls[k].scratch_words > scratch) {
                scratch = calls[k].scratch_words;
                scratch_node = i;
            }
        }
    }
    sb_printf(b, "\n  ],\n  \"memory_plan\": { \"arena_bytes\": %lld, \"lower_bound_bytes\": %lld, "
                 "\"in_place_layers\": %d, \"scratch_bytes\": %lld, \"scratch_layer\": ",
              (long long)bytes, (long long)bound, n_in_place, (long long)(scratch * 4));
    sb_json_str(b, scratch_node >= 0 ? g->n[scratch_node].name : "");
    sb_puts(b, ", \"arenas\": [");
    for (k = 0; k < IR_DT_COUNT; k++) {
        if (g->arena_n[k] == 0 && g->arena_lb[k] == 0) {
            continue;
        }
        sb_printf(b, "%s{ \"dtype\": \"%s\", \"bytes\": %lld, \"lower_bound_bytes\": %lld }",
                  first ? "" : ", ", ir_dtype_name((ir_dtype)k),
                  (long long)(g->arena_n[k] * (int64_t)ir_dtype_size((ir_dtype)k)),
                  (long long)(g->arena_lb[k] * (int64_t)ir_dtype_size((ir_dtype)k)));
        first = 0;
    }
    sb_puts(b, "] }");
}

static const char *storage_name(ir_storage s)
{
    static const char *const names[] = { "none", "input", "output", "arena", "const" };
    return names[s];
}

/* NAME_plan.xml: the applied compression as a policy file, so the same
 * model can be rebuilt or evaluated on other data (stoic eval --config). */
int emit_plan(const ir_graph *g, const emit_options *o, outdir *st, diag *d)
{
    const compress_info *in = o->info;
    strbuf b;
    char file[256];
    int i, rc;
    (void)g;
    if (in == NULL || in->plan.n == 0) {
        return 0;
    }
    sb_init(&b);
    sb_printf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- The compression stoic %s "
                  "applied to ", STOIC_VERSION);
    sb_safe_label(&b, g->file); /* never raw path bytes in a comment ("--") */
    sb_printf(&b, " (sha256 %s)%s.\n     Rebuild or evaluate with this file as the "
                  "policy file, and the same calibration data. -->\n", g->sha256,
              in->searched ? ", chosen by its budget search" : "");
    sb_puts(&b, "<compression xmlns=\"urn:stoic:compression:1\">\n");
    sb_printf(&b, "  <quantization precision=\"%s\" calibration=\"%s\"",
              cfg_precision_name(in->precision), calib_method_name(in->method));
    if (in->method == CALIB_PERCENTILE) {
        sb_printf(&b, " percentile=\"%.6f\"", in->percentile);
    }
    sb_puts(&b, "/>\n");
    for (i = 0; i < in->plan.n; i++) {
        const compress_layer *L = &in->plan.l[i];
        sb_puts(&b, "  <layer name=");
        sb_xml_attr(&b, L->name);
        sb_printf(&b, " precision=\"%s\"", cfg_precision_name(L->precision));
        if (L->scales == CFG_SCALES_TENSOR) {
            sb_puts(&b, " scales=\"tensor\"");
        }
        if (L->bias == CFG_BIAS_INT16) {
            sb_puts(&b, " bias=\"int16\"");
        }
        if (L->prunable) {
            sb_printf(&b, " sparsity=\"%.6f\" channels=\"%.6f\" norm=\"l%d\" rank=\"%ld\"",
                      L->sparsity, L->is_output ? 0.0 : L->channels, L->norm > 0 ? L->norm : 1,
                      (long)L->rank_applied);
        }
        sb_puts(&b, "/>\n");
    }
    sb_puts(&b, "</compression>\n");
    snprintf(file, sizeof file, "%s_plan.xml", o->name);
    rc = emit_stage(st, o, file, &b, d);
    sb_free(&b);
    return rc;
}

/* ---- cost (cost.c) ----------------------------------------------------- */

static void est_json(strbuf *b, const cost_est *e)
{
    sb_printf(b, "{ \"insns\": %lld, \"cycles\": %lld }", (long long)e->insns,
              (long long)e->cycles);
}

/* ", "loads_stores": {...}": the load/store class of the estimates, per
 * core (a member of its own: bench/report.awk reads "estimate" as four
 * numbers). */
static void ldst_json(strbuf *b, const cost_est e[COST_NCORES], int ok)
{
    int core;
    sb_puts(b, ", \"loads_stores\": ");
    if (!ok) {
        sb_puts(b, "null");
        return;
    }
    for (core = 0; core < COST_NCORES; core++) {
        sb_printf(b, core == 0 ? "{ \"%s\": %lld" : ", \"%s\": %lld", cost_core_name(core),
                  (long long)e[core].c[COST_C_LDST]);
    }
    sb_puts(b, " }");
}

/* The cost-table key of layer i (cost_node_key) from its lowered calls:
 * "" when they are of several kernels (no model for a mix); an integer
 * recurrent layer on its int32 path (acc32, lower.c; a GRU only with
 * linear_before_reset 1) runs other loops than on its 64-bit one: its
 * own entry, KERNEL/acc32. */
/* shared: --kernels shared (emit_options) */
static void layer_key(const ir_graph *g, int i, const lower_call *calls, int nc, int shared,
                      char *key, size_t cap)
{
    const char *kernel = nc > 0 ? lower_kernel_fn(calls[0].k) : "";
    size_t len;
    int f;
    for (f = 1; f < nc; f++) {
        if (calls[f].k != calls[0].k) {
            kernel = NULL;
        }
    }
    cost_node_key(g, i, kernel, key, cap);
    len = strlen(key);
    if (nc > 0 &&
        (calls[0].k == LK_LSTM_S8W || calls[0].k == LK_LSTM_S16 ||
         ((calls[0].k == LK_GRU_S8W || calls[0].k == LK_GRU_S16) &&
          calls[0].p.rnn_q.linear_before_reset != 0)) &&
        calls[0].p.rnn_q.acc32 != 0 && len + 7 < cap) {
        memcpy(key + len, "/acc32", 7);
    }
    /* the out-of-line form of a kernel the cost table knows inlined
     * (lower_kernel_inline): its own key, which nothing fits */
    len = strlen(key);
    if (nc > 0 && lower_kernel_inline(calls[0].k) && !lower_kernel_inlined(calls[0].k, shared) &&
        len + 8 < cap) {
        memcpy(key + len, "/shared", 8);
    }
}

/* The estimate of layer i on each core ("estimate": {...} or null), added
 * into tot[core] (tot_ok[core] cleared when a layer has none). */
static void layer_cost_json(strbuf *b, const ir_graph *g, int i, const lower_call *calls, int nc,
                            int shared, cost_est tot[COST_NCORES], int tot_ok[COST_NCORES])
{
    cost_work w;
    cost_est e[COST_NCORES];
    char key[96];
    int core, f, c, ok = 1;
    layer_key(g, i, calls, nc, shared, key, sizeof key);
    cost_node_work(g, i, nc, &w);
    lower_calls_work(calls, nc, &w);
    sb_puts(b, ", \"work\": { \"kernel\": ");
    sb_json_str(b, key);
    for (f = 0; f < COST_NW; f++) {
        sb_printf(b, ", \"%s\": %lld", cost_feature_name(f), (long long)w.w[f]);
    }
    sb_puts(b, " }, \"estimate\": ");
    for (core = 0; core < COST_NCORES; core++) {
        if (cost_layer_estimate(key, &w, core, &e[core]) != 0) {
            ok = 0;
            tot_ok[core] = 0;
        } else {
            for (c = 0; c < COST_NC; c++) {
                tot[core].c[c] += e[core].c[c];
            }
        }
    }
    if (!ok) {
        sb_puts(b, "null");
        ldst_json(b, e, 0);
        return;
    }
    for (core = 0; core < COST_NCORES; core++) {
        sb_printf(b, core == 0 ? "{ \"%s\": " : ", \"%s\": ", cost_core_name(core));
        est_json(b, &e[core]);
    }
    sb_puts(b, " }");
    ldst_json(b, e, 1);
}

/* The layers' estimates tot plus a function's frame, per core, completed
 * (instructions, cycles) and printed: { "m4": {...}, "m7": {...} }. */
static void frame_totals_json(strbuf *b, cost_est tot[COST_NCORES])
{
    cost_est fr;
    int core, c;
    for (core = 0; core < COST_NCORES; core++) {
        cost_frame_estimate(core, &fr);
        for (c = 0; c < COST_NC; c++) {
            tot[core].c[c] += fr.c[c];
        }
        tot[core].insns = tot[core].c[COST_C_LDST] + tot[core].c[COST_C_BRANCH] +
                          tot[core].c[COST_C_MUL] + tot[core].c[COST_C_OTHER];
        tot[core].cycles = cost_cycles(core, tot[core].c);
        sb_printf(b, core == 0 ? "{ \"%s\": " : ", \"%s\": ", cost_core_name(core));
        est_json(b, &tot[core]);
    }
    sb_puts(b, " }");
}

/* "estimate" of NAME_run (its layers and its frame) and "stack_bytes" of
 * NAME_run and NAME_run_float, per core, for the totals. */
static void totals_cost_json(strbuf *b, const ir_graph *g, int shared,
                             cost_est tot[COST_NCORES], const int tot_ok[COST_NCORES])
{
    lower_call calls[LOWER_MAX_CALLS];
    lower_call io;
    int core, i, k, nc, o;
    sb_puts(b, ", \"estimate\": ");
    if (!tot_ok[COST_M4] || !tot_ok[COST_M7]) {
        sb_puts(b, "null");
        ldst_json(b, tot, 0);
    } else {
        frame_totals_json(b, tot);
        ldst_json(b, tot, 1);
    }
    sb_puts(b, ", \"stack_bytes\": ");
    for (core = 0; core < COST_NCORES; core++) {
        int32_t run = 0, fl = 0, s, inl = 0;
        int args = 0, fargs = 1 + g->n_outputs; /* NAME_run_float calls NAME_run(in, out) */
        int seen[LK_COUNT];
        memset(seen, 0, sizeof seen);
        for (i = 0; i < g->nn && run >= 0 && inl >= 0; i++) {
            nc = lower_node(g, i, calls);
            for (k = 0; k < nc && run >= 0 && inl >= 0; k++) {
                s = cost_kernel_stack(lower_kernel_fn(calls[k].k), core);
                if (lower_kernel_inlined(calls[k].k, shared)) {
                    /* inlined into NAME_run: its frame holds each inlined
                     * kernel's (one bound per kernel: the compiler shares
                     * the slots of one kernel's copies, not assumed of
                     * different kernels) */
                    inl = s < 0 ? -1 : inl + (seen[calls[k].k] ? 0 : s);
                    seen[calls[k].k] = 1;
                } else {
                    run = s < 0 ? -1 : (s > run ? s : run);
                }
                args = calls[k].n_args + 1 > args ? calls[k].n_args + 1 : args;
            }
        }
        run = inl < 0 ? -1 : run + inl;
        if (run >= 0) {
            run += cost_frame_bound(args);
            fl = run;
            if (lower_float_in(g, &io)) {
                s = cost_kernel_stack(lower_kernel_fn(io.k), core);
                fl = s < 0 ? -1 : (s > fl ? s : fl);
                fargs = io.n_args + 1 > fargs ? io.n_args + 1 : fargs;
            }
            for (o = 0; o < g->n_outputs; o++) {
                if (fl >= 0 && lower_float_out(g, o, &io)) {
                    s = cost_kernel_stack(lower_kernel_fn(io.k), core);
                    fl = s < 0 ? -1 : (s > fl ? s : fl);
                    fargs = io.n_args + 1 > fargs ? io.n_args + 1 : fargs;
                }
            }
        }
        if (run < 0 || fl < 0) {
            sb_printf(b, core == 0 ? "{ \"%s\": null" : ", \"%s\": null",
                      cost_core_name(core));
            continue;
        }
        /* NAME_run_float calls the quantize kernel, NAME_run, the dequantize kernel */
        fl += cost_frame_bound(fargs);
        sb_printf(b, core == 0 ? "{ \"%s\": " : ", \"%s\": ", cost_core_name(core));
        sb_printf(b, "{ \"run\": %ld, \"run_float\": %ld }", (long)run, (long)fl);
    }
    sb_puts(b, " }");
}

/* "streaming" (README "Streaming"): null for a model without recurrent
 * layers; why not, for one that does not stream; else the step's sizes,
 * its outputs' time axes, the state, the step's arena, MACs and estimate
 * per core (its layers' and a frame; null when a kernel has no model). */
static void streaming_json(strbuf *b, const ir_graph *g, const step_plan *sp, int shared)
{
    lower_call calls[LOWER_MAX_CALLS];
    cost_est tot[COST_NCORES], e;
    cost_work w;
    char key[96];
    int i, k, core, c, ok = 1;
    int64_t macs = 0, state = 0;
    const ir_graph *gs;
    sb_puts(b, "  \"streaming\": ");
    if (sp == NULL || !sp->present) {
        sb_puts(b, "null,\n");
        return;
    }
    if (!sp->ok) {
        sb_puts(b, "{ \"available\": false, \"reason\": ");
        sb_json_str(b, sp->why);
        sb_puts(b, " },\n");
        return;
    }
    gs = sp->gs;
    sb_printf(b, "{ \"available\": true, \"steps\": %ld, \"input_axis\": %d, "
                 "\"step_input_size\": %lld, \"outputs\": [",
              (long)sp->steps, sp->in_axis, (long long)ir_shape_count(&gs->t[gs->input].shape));
    for (i = 0; i < g->n_outputs; i++) {
        sb_printf(b, "%s{ \"index\": %d, \"per_step\": %s, \"axis\": %d, \"size\": %lld }",
                  i == 0 ? "" : ", ", i, sp->out_axis[i] >= 0 ? "true" : "false",
                  sp->out_axis[i] >= 0 ? sp->out_axis[i] : -1,
                  (long long)ir_shape_count(&gs->t[gs->outputs[i]].shape));
    }
    sb_puts(b, "], \"state\": [");
    for (i = 0, k = 0; i < g->nn; i++) {
        const ir_node *n = &g->n[i];
        if (n->op == IR_OP_LSTM || n->op == IR_OP_GRU) {
            int64_t el = ir_rnn_state_count(g, n);
            sb_puts(b, k++ == 0 ? "{ \"layer\": " : ", { \"layer\": ");
            sb_json_str(b, n->name);
            ir_dtype sd = ir_rnn_state_dtype(n);
            sb_printf(b, ", \"dtype\": \"%s\", \"offset_bytes\": %lld, \"bytes\": %lld",
                      ir_dtype_name(sd), (long long)(n->state_off * (int64_t)ir_dtype_size(sd)),
                      (long long)(el * (int64_t)ir_dtype_size(sd)));
            if (n->op == IR_OP_LSTM && sd == IR_DT_S16) {
                char j1[40];
                sb_printf(b, ", \"cell_scale_log2\": %ld, \"cell_peak_calibrated\": %s",
                          -(long)n->rnn_cell_shift, jnum(j1, sizeof j1, "%.9g", n->rnn_cell_max));
            }
            sb_puts(b, " }");
        }
    }
    for (k = 0; k < IR_DT_COUNT; k++) {
        state += g->state_n[k] * (int64_t)ir_dtype_size((ir_dtype)k);
    }
    memset(tot, 0, sizeof tot);
    for (i = 0; i < gs->nn; i++) {
        int nc = lower_node(gs, i, calls);
        macs += cost_node_macs(gs, i);
        layer_key(gs, i, calls, nc, shared, key, sizeof key);
        cost_node_work(gs, i, nc, &w);
        lower_calls_work(calls, nc, &w);
        for (core = 0; core < COST_NCORES; core++) {
            if (cost_layer_estimate(key, &w, core, &e) != 0) {
                ok = 0;
            } else {
                for (c = 0; c < COST_NC; c++) {
                    tot[core].c[c] += e.c[c];
                }
            }
        }
    }
    sb_printf(b, "], \"state_bytes\": %lld, \"arena_bytes\": %lld, \"macs\": %lld, "
                 "\"estimate\": ", (long long)state, (long long)ir_arena_bytes(gs),
              (long long)macs);
    if (!ok) {
        sb_puts(b, "null");
    } else {
        frame_totals_json(b, tot);
    }
    sb_puts(b, " },\n");
}

/* Where the estimates come from (cost.h). */
static void cost_model_json(strbuf *b)
{
    sb_puts(b, "  \"cost_model\": { \"toolchain\": ");
    sb_json_str(b, cost_table_toolchain);
    sb_puts(b, ", \"runtime_sha256\": ");
    sb_json_str(b, cost_table_runtime_sha256);
    sb_puts(b, ", \"cycles\": \"bench/README.md\", \"cores\": [\"m4\", \"m7\"] },\n");
}

/* ---- identification (issue 11) ------------------------------------------ */

static void input_file_json(strbuf *b, int *first, const char *role, const char *path,
                            const char *sha256)
{
    sb_puts(b, *first ? "\n    { \"role\": " : ",\n    { \"role\": ");
    sb_json_str(b, role);
    sb_puts(b, ", \"path\": ");
    sb_json_str(b, path);
    sb_printf(b, ", \"sha256\": \"%s\" }", sha256);
    *first = 0;
}

/* "build" (the generator's identity), "command_line" (argv, each argument
 * a JSON string) and "inputs" (every file the run read, with its SHA-256). */
static void identity_json(strbuf *b, const ir_graph *g, const emit_options *o)
{
    const compress_info *in = o->info;
    int i, first = 1;
    sb_printf(b, "  \"build\": { \"version\": \"%s\", \"sha256\": \"%s\", "
                 "\"recompute\": \"sh generator/tools/build-id.sh\" },\n",
              STOIC_VERSION, stoic_build_sha256);
    sb_puts(b, "  \"command_line\": [");
    for (i = 0; i < o->argc; i++) {
        if (i > 0) {
            sb_puts(b, ", ");
        }
        /* not the program's path, nor OUTDIR's: the same run into another
         * directory, or by another installation, gives the same bytes */
        sb_json_str(b, i == 0 ? "stoic"
                              : (i > 1 && (strcmp(o->argv[i - 1], "-o") == 0 ||
                                           strcmp(o->argv[i - 1], "--outdir") == 0)
                                     ? "OUTDIR"
                                     : o->argv[i]));
    }
    sb_puts(b, "],\n  \"inputs\": [");
    input_file_json(b, &first, "model", g->file, g->sha256);
    for (i = 0; i < g->n_files; i++) {
        input_file_json(b, &first, "weights", g->files[i].path, g->files[i].sha256);
    }
    if (in != NULL && in->quantized && in->calib_path != NULL) {
        input_file_json(b, &first, "calibration", in->calib_path, in->calib_sha256);
    }
    if (in != NULL && in->has_config) {
        input_file_json(b, &first, "policy", in->cfg.path, in->cfg.sha256);
    }
    if (o->val_path != NULL) {
        input_file_json(b, &first, "validation", o->val_path, o->val_sha256);
    }
    if (o->labels_path != NULL) {
        input_file_json(b, &first, "labels", o->labels_path, o->labels_sha256);
    }
    sb_puts(b, "\n  ],\n");
}

/* "input_domain": what NAME_run and NAME_run_float accept. */
static void domain_json(strbuf *b, const ir_graph *g)
{
    const ir_tensor *x = &g->t[g->input];
    char j1[40], j2[40], j3[40], j4[40];
    sb_puts(b, "  \"input_domain\": { \"tensor\": ");
    sb_json_str(b, x->name);
    sb_printf(b, ", \"dtype\": \"%s\"", ir_dtype_name(x->dtype));
    if (g->input_calibrated) {
        sb_printf(b, ", \"calibration_min\": %s, \"calibration_max\": %s, "
                     "\"calibrated_range\": [%s, %s]",
                  jnum(j1, sizeof j1, "%.9g", g->input_min), jnum(j2, sizeof j2, "%.9g", g->input_max),
                  jnum(j3, sizeof j3, "%.9g", g->input_lo), jnum(j4, sizeof j4, "%.9g", g->input_hi));
        sb_printf(b, ", \"range_source\": \"%s\"",
                  g->input_declared ? "declared (--input-range)" : "calibration");
    }
    if (x->has_q && (x->dtype == IR_DT_S8 || x->dtype == IR_DT_S16)) {
        long qmin = x->dtype == IR_DT_S8 ? -128L : -32768L, qmax = x->dtype == IR_DT_S8 ? 127L : 32767L;
        sb_printf(b, ", \"grid\": { \"scale\": %.9g, \"zero_point\": %ld, \"q_min\": %ld, "
                     "\"q_max\": %ld, \"real_min\": %s, \"real_max\": %s }",
                  x->scale, (long)x->zp, qmin, qmax,
                  jnum(j1, sizeof j1, "%.9g", x->scale * (double)(qmin - x->zp)),
                  jnum(j2, sizeof j2, "%.9g", x->scale * (double)(qmax - x->zp)));
        sb_printf(b, ", \"max_quantization_error\": %s, \"run\": \"any %s value q stands for "
                     "scale * (q - zero_point)\", \"run_float\": \"x is rounded to the grid "
                     "(nearest, ties away from zero): error at most scale / 2 inside [real_min, "
                     "real_max]; outside it saturates to q_min or q_max; NaN gives the zero "
                     "point\", \"outside\": \"saturation\" }",
                  jnum(j3, sizeof j3, "%.9g", x->scale / 2.0), ir_dtype_name(x->dtype));
    } else {
        sb_puts(b, ", \"grid\": null, \"max_quantization_error\": 0, \"run\": \"float32 "
                   "values, no quantization of the input\", \"outside\": \"none: every finite "
                   "float32 is accepted; the layers compute in IEEE-754 binary32\" }");
    }
    sb_puts(b, ",\n");
}

/* The end of the report: "files" (every file staged so far, NAME_timing.md
 * included), then the report itself and NAME_report.html, both rendered
 * from it. b holds the report up to its last member, without the closing
 * brace. */
static int finish_report(strbuf *b, const emit_options *o, outdir *st, diag *d)
{
    strbuf doc, md, html;
    json *rep = NULL;
    char file[256], err[160];
    long line = 0;
    size_t i, len;
    const char *fname, *sha;
    int rc = 0, first = 1;
    sb_init(&doc);
    sb_init(&md);
    sb_init(&html);
    sb_putn(&doc, b->s != NULL ? b->s : "", b->len);
    sb_puts(&doc, "\n}\n");
    if (b->oom || doc.oom) {
        diag_io(d, NULL, "out of memory");
        rc = -1;
    }
    if (rc == 0) {
        rep = json_parse(doc.s, doc.len, &line, err, sizeof err);
        if (rep == NULL) {
            diag_io(d, NULL, "internal error: the report is not JSON (line %ld: %s)", line, err);
            rc = -1;
        }
    }
    if (rc == 0) {
        audit_timing_md(rep, &md);
        snprintf(file, sizeof file, "%s_timing.md", o->name);
        rc = emit_stage(st, o, file, &md, d);
    }
    json_free(rep);
    rep = NULL;
    if (rc == 0) {
        sb_printf(b, ",\n  \"files_note\": \"SHA-256 of every file of OUTDIR but %s_report.json "
                     "(a file cannot hold its own hash), %s_report.html (rendered from this "
                     "report) and SHA256SUMS (which lists all of them)\",\n  \"files\": [",
                  o->name, o->name);
        for (i = 0; outdir_staged(st, i, &fname, &sha, &len) == 0; i++) {
            sb_puts(b, first ? "\n    { \"file\": " : ",\n    { \"file\": ");
            sb_json_str(b, fname);
            sb_printf(b, ", \"sha256\": \"%s\", \"bytes\": %lu }", sha, (unsigned long)len);
            first = 0;
        }
        sb_puts(b, "\n  ]\n}\n");
        snprintf(file, sizeof file, "%s_report.json", o->name);
        rc = emit_stage(st, o, file, b, d);
    }
    if (rc == 0) {
        rep = json_parse(b->s, b->len, &line, err, sizeof err);
        if (rep == NULL) {
            diag_io(d, NULL, "internal error: the report is not JSON (line %ld: %s)", line, err);
            rc = -1;
        } else {
            audit_html(rep, NULL, &html);
            snprintf(file, sizeof file, "%s_report.html", o->name);
            rc = emit_stage(st, o, file, &html, d);
        }
    }
    json_free(rep);
    sb_free(&doc);
    sb_free(&md);
    sb_free(&html);
    return rc;
}

int emit_report(const ir_graph *g, const emit_options *o, outdir *st, diag *d)
{
    strbuf b;
    int i, k, rc;
    int64_t total_params = 0, total_macs = 0, *per_node;
    lower_call calls[LOWER_MAX_CALLS];
    cost_est tot[COST_NCORES];
    int tot_ok[COST_NCORES] = { 1, 1 };
    strbuf lay;
    sb_init(&b);
    sb_init(&lay);
    memset(tot, 0, sizeof tot);
    for (i = 0; i < g->nn; i++) {
        total_params += ir_node_params(g, i);
        total_macs += cost_node_macs(g, i);
    }
    sb_printf(&b, "{\n  \"report_version\": %d,\n  \"tool\": \"stoic\",\n  \"version\": \"%s\",\n"
                  "  \"runtime_abi\": %d,\n",
              STOIC_REPORT_VERSION, STOIC_VERSION, STOIC_RT_ABI);
    identity_json(&b, g, o);
    sb_puts(&b, "  \"model\": {\n    \"name\": ");
    sb_json_str(&b, g->name);
    sb_puts(&b, ",\n    \"file\": ");
    sb_json_str(&b, g->file);
    sb_printf(&b, ",\n    \"sha256\": \"%s\",\n    \"weight_files\": [", g->sha256);
    for (i = 0; i < g->n_files; i++) {
        sb_puts(&b, i == 0 ? "\n      { \"path\": " : ",\n      { \"path\": ");
        sb_json_str(&b, g->files[i].path);
        sb_printf(&b, ", \"sha256\": \"%s\" }", g->files[i].sha256);
    }
    sb_puts(&b, g->n_files > 0 ? "\n    ]\n  },\n" : "]\n  },\n");
    sb_puts(&b, "  \"generated\": { \"name\": ");
    sb_json_str(&b, o->name);
    sb_printf(&b, ", \"precision\": \"%s\" },\n  \"input\": { \"name\": ",
              o->info != NULL && o->info->quantized ? cfg_precision_name(o->info->precision)
                                                    : "float32");
    sb_json_str(&b, g->t[g->input].name);
    sb_puts(&b, ", \"shape\": ");
    shape_json(&b, &g->t[g->input].shape);
    sb_puts(&b, ", ");
    quant_json(&b, &g->t[g->input]);
    sb_puts(&b, " },\n");
    domain_json(&b, g);
    sb_puts(&b, "  \"output\": { \"name\": ");
    sb_json_str(&b, g->t[g->output].name);
    sb_puts(&b, ", \"shape\": ");
    shape_json(&b, &g->t[g->output].shape);
    sb_puts(&b, ", ");
    quant_json(&b, &g->t[g->output]);
    sb_puts(&b, " },\n");
    if (g->n_outputs > 1) { /* every graph output, in order ("output" is output 0) */
        sb_puts(&b, "  \"outputs\": [");
        for (i = 0; i < g->n_outputs; i++) {
            const ir_tensor *ot = &g->t[g->outputs[i]];
            sb_printf(&b, "%s\n    { \"index\": %d, \"name\": ", i == 0 ? "" : ",", i);
            sb_json_str(&b, ot->name);
            sb_puts(&b, ", \"shape\": ");
            shape_json(&b, &ot->shape);
            sb_printf(&b, ", \"size\": %lld, ", (long long)ir_shape_count(&ot->shape));
            quant_json(&b, ot);
            sb_puts(&b, " }");
        }
        sb_puts(&b, "\n  ],\n");
    }
    /* the layers first: their estimates add up to the totals' */
    per_node = emitted_bytes(g);
    if (per_node == NULL) {
        b.oom = 1;
    }
    for (i = 0; i < g->nn; i++) {
        const ir_node *n = &g->n[i];
        int nc = lower_node(g, i, calls);
        strbuf *lb = &lay;
        sb_puts(lb, i == 0 ? "\n    { \"name\": " : ",\n    { \"name\": ");
        sb_json_str(lb, n->name);
        sb_puts(lb, ", \"op\": ");
        sb_json_str(lb, n->xml_op);
        sb_printf(lb, ", \"line\": %ld, \"inputs\": [", n->line);
        for (k = 0; k < n->n_inputs; k++) {
            if (k > 0) {
                sb_puts(lb, ", ");
            }
            sb_json_str(lb, g->t[n->inputs[k]].name);
        }
        sb_puts(lb, "], \"output\": ");
        sb_json_str(lb, g->t[n->output].name);
        sb_puts(lb, ", \"shape\": ");
        shape_json(lb, &g->t[n->output].shape);
        sb_puts(lb, ", \"activation\": ");
        sb_json_str(lb, n->act_name != NULL ? n->act_name : "none");
        sb_puts(lb, ", \"absorbed\": ");
        sb_json_str(lb, n->fused != NULL ? n->fused : "");
        sb_printf(lb, ", \"precision\": \"%s\", ", ir_node_prec_name(g, n));
        quant_json(lb, &g->t[n->output]);
        if (n->params[2] >= 0 && g->t[n->params[2]].dtype == IR_DT_QMUL) {
            const ir_tensor *q = &g->t[n->params[2]];
            const stoic_qmul *m = q->qdata;
            int64_t j, cnt = ir_shape_count(&q->shape);
            sb_puts(lb, ", \"multipliers\": [");
            for (j = 0; j < cnt; j++) {
                sb_printf(lb, j == 0 ? "[%ld, %ld]" : ", [%ld, %ld]", (long)m[j].m,
                          (long)m[j].shift);
            }
            sb_puts(lb, "]");
        }
        if (n->sparse || n->sparsity > 0.0 || n->rank > 0 || n->rnn_rank > 0 ||
            n->pruned_channels > 0) {
            /* a recurrent layer's rank is its recurrence's */
            sb_printf(lb, ", \"sparse_form\": %s, \"sparsity\": %.4f, \"rank\": %ld, "
                          "\"pruned_channels\": %ld",
                      n->sparse ? "true" : "false", n->sparsity,
                      (long)(n->rnn_rank > 0 ? n->rnn_rank : n->rank), (long)n->pruned_channels);
        }
        if (n->prec != IR_DT_F32) {
            const ir_tensor *ot = &g->t[n->output];
            char j1[40];
            sb_printf(lb, ", \"accumulator_bound\": %lld, \"accumulator_limit\": %lld",
                      (long long)n->acc_bound, (long long)n->acc_limit);
            /* README "Quantization error bound" */
            sb_printf(lb, ", \"error_bound\": %s",
                      ot->eb_ok ? jnum(j1, sizeof j1, "%.9g", ot->eb) : "null");
            sb_printf(lb, ", \"error_bound_in_range\": %s",
                      ot->eb_ok ? jnum(j1, sizeof j1, "%.9g", ot->eb_ns) : "null");
        }
        if (n->bias16 && n->prec == IR_DT_S8 &&
            (n->op == IR_OP_DENSE || n->op == IR_OP_CONV2D || n->op == IR_OP_CONV1D)) {
            /* int16 biases asked for: whether the layer holds them (a
             * packed kernel and a shift pass_quantize found), and the
             * shift its folded biases were rounded to */
            int b16 = 0;
            for (k = 0; k < nc; k++) {
                b16 |= n->bias_shift >= 0 && lower_kernel_b16(calls[k].k);
            }
            sb_printf(lb, ", \"bias_bits\": %d", b16 ? 16 : 32);
            if (b16) {
                sb_printf(lb, ", \"bias_shift\": %ld", (long)n->bias_shift);
            }
        }
        if (o->ev != NULL && i < o->ev->n_layers && o->ev->layers[i].node >= 0) {
            char j1[40], j2[40];
            sb_printf(lb, ", \"sqnr_db\": %s, \"max_abs_error\": %s",
                      jnum(j1, sizeof j1, "%.4f", compress_sqnr_db(&o->ev->layers[i])),
                      jnum(j2, sizeof j2, "%.9g", o->ev->layers[i].max_abs));
        }
        sb_printf(lb, ", \"params\": %lld, \"weight_bytes\": %lld, \"macs\": %lld",
                  (long long)ir_node_params(g, i),
                  (long long)(per_node != NULL ? per_node[i] : 0),
                  (long long)cost_node_macs(g, i));
        layer_cost_json(lb, g, i, calls, nc, o->kernels_shared, tot, tot_ok);
        sb_puts(lb, ", \"kernels\": [");
        for (k = 0; k < nc; k++) {
            sb_printf(lb, k == 0 ? "\"%s\"" : ", \"%s\"", lower_kernel_fn(calls[k].k));
        }
        sb_puts(lb, "] }");
    }
    sb_printf(&b, "  \"totals\": { \"layers\": %d, \"params\": %lld, \"weight_bytes\": %lld, "
                  "\"macs\": %lld, \"arena_bytes\": %lld",
              g->nn, (long long)total_params, (long long)lower_constant_bytes(g, NULL),
              (long long)total_macs, (long long)ir_arena_bytes(g));
    totals_cost_json(&b, g, o->kernels_shared, tot, tot_ok);
    sb_puts(&b, " },\n");
    streaming_json(&b, g, o->step, o->kernels_shared);
    cost_model_json(&b);
    compression_json(&b, o, g);
    sb_puts(&b, "  \"layers\": [");
    sb_puts(&b, lay.s != NULL ? lay.s : "");
    if (lay.oom) {
        b.oom = 1;
    }
    sb_free(&lay);
    memory_plan_json(&b, g, calls);
    sb_puts(&b, ",\n  \"memory\": [");
    k = 0;
    for (i = 0; i < g->nt; i++) {
        const ir_tensor *t = &g->t[i];
        if (t->kind != IR_T_ACT && t->kind != IR_T_INPUT) {
            continue;
        }
        sb_puts(&b, k++ == 0 ? "\n    { \"tensor\": " : ",\n    { \"tensor\": ");
        sb_json_str(&b, t->name);
        sb_printf(&b, ", \"storage\": \"%s\", \"arena\": \"%s\", \"offset_bytes\": %lld, "
                      "\"bytes\": %lld, ",
                  storage_name(t->storage), ir_dtype_name(t->dtype),
                  (long long)(t->offset * (int64_t)ir_dtype_size(t->dtype)),
                  (long long)(ir_shape_count(&t->shape) * (int64_t)ir_dtype_size(t->dtype)));
        quant_json(&b, t);
        if (t->alias_of >= 0) {
            sb_puts(&b, ", \"alias_of\": ");
            sb_json_str(&b, g->t[t->alias_of].name);
        }
        sb_printf(&b, ", \"live\": [%d, %d] }", t->first_use, t->last_use);
    }
    sb_puts(&b, "\n  ]");
    free(per_node);
    rc = finish_report(&b, o, st, d);
    sb_free(&b);
    return rc;
}

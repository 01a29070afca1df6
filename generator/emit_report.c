/* emit_report: NAME_report.json, the machine-readable record of a run:
 * which model (SHA-256 of every input), the layers after folding and fusing
 * (with the layers they absorbed and their XML lines), per-layer parameter
 * and multiply-accumulate counts, and the memory plan. */
#include "emit.h"

#include <stdio.h>

#include "lower.h"

static void shape_json(strbuf *b, const ir_shape *s)
{
    int i;
    sb_puts(b, "[");
    for (i = 0; i < s->rank; i++) {
        sb_printf(b, i == 0 ? "%ld" : ", %ld", (long)s->d[i]);
    }
    sb_puts(b, "]");
}

static const char *storage_name(ir_storage s)
{
    static const char *const names[] = { "none", "input", "output", "arena", "const" };
    return names[s];
}

int emit_report(const ir_graph *g, const emit_options *o, fileio_stage *st, diag *d)
{
    strbuf b;
    char file[256];
    int i, k, rc;
    int64_t total_params = 0, total_macs = 0;
    lower_call calls[LOWER_MAX_CALLS];
    sb_init(&b);
    for (i = 0; i < g->nn; i++) {
        total_params += ir_node_params(g, i);
        total_macs += ir_node_macs(g, i);
    }
    sb_printf(&b, "{\n  \"tool\": \"stoic\",\n  \"version\": \"%s\",\n  \"runtime_abi\": %d,\n",
              STOIC_VERSION, STOIC_RT_ABI);
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
    sb_puts(&b, ", \"precision\": \"float32\" },\n  \"input\": { \"name\": ");
    sb_json_str(&b, g->t[g->input].name);
    sb_puts(&b, ", \"shape\": ");
    shape_json(&b, &g->t[g->input].shape);
    sb_puts(&b, ", \"dtype\": \"float32\" },\n  \"output\": { \"name\": ");
    sb_json_str(&b, g->t[g->output].name);
    sb_puts(&b, ", \"shape\": ");
    shape_json(&b, &g->t[g->output].shape);
    sb_puts(&b, ", \"dtype\": \"float32\" },\n");
    sb_printf(&b, "  \"totals\": { \"layers\": %d, \"params\": %lld, \"weight_bytes\": %lld, "
                  "\"macs\": %lld, \"arena_bytes\": %lld },\n",
              g->nn, (long long)total_params, (long long)(total_params * 4),
              (long long)total_macs, (long long)(g->arena_elems * 4));
    sb_puts(&b, "  \"layers\": [");
    for (i = 0; i < g->nn; i++) {
        const ir_node *n = &g->n[i];
        int nc = lower_node(g, i, calls);
        sb_puts(&b, i == 0 ? "\n    { \"name\": " : ",\n    { \"name\": ");
        sb_json_str(&b, n->name);
        sb_puts(&b, ", \"op\": ");
        sb_json_str(&b, n->xml_op);
        sb_printf(&b, ", \"line\": %ld, \"inputs\": [", n->line);
        for (k = 0; k < n->n_inputs; k++) {
            if (k > 0) {
                sb_puts(&b, ", ");
            }
            sb_json_str(&b, g->t[n->inputs[k]].name);
        }
        sb_puts(&b, "], \"output\": ");
        sb_json_str(&b, g->t[n->output].name);
        sb_puts(&b, ", \"shape\": ");
        shape_json(&b, &g->t[n->output].shape);
        sb_puts(&b, ", \"activation\": ");
        sb_json_str(&b, n->act_name != NULL ? n->act_name : "none");
        sb_puts(&b, ", \"absorbed\": ");
        sb_json_str(&b, n->fused != NULL ? n->fused : "");
        sb_printf(&b, ", \"params\": %lld, \"weight_bytes\": %lld, \"macs\": %lld, \"kernels\": [",
                  (long long)ir_node_params(g, i), (long long)(ir_node_params(g, i) * 4),
                  (long long)ir_node_macs(g, i));
        for (k = 0; k < nc; k++) {
            sb_printf(&b, k == 0 ? "\"%s\"" : ", \"%s\"", lower_kernel_fn(calls[k].k));
        }
        sb_puts(&b, "] }");
    }
    sb_puts(&b, "\n  ],\n  \"memory\": [");
    k = 0;
    for (i = 0; i < g->nt; i++) {
        const ir_tensor *t = &g->t[i];
        if (t->kind != IR_T_ACT && t->kind != IR_T_INPUT) {
            continue;
        }
        sb_puts(&b, k++ == 0 ? "\n    { \"tensor\": " : ",\n    { \"tensor\": ");
        sb_json_str(&b, t->name);
        sb_printf(&b, ", \"storage\": \"%s\", \"offset_bytes\": %lld, \"bytes\": %lld",
                  storage_name(t->storage), (long long)(t->offset * 4),
                  (long long)(ir_shape_count(&t->shape) * 4));
        if (t->alias_of >= 0) {
            sb_puts(&b, ", \"alias_of\": ");
            sb_json_str(&b, g->t[t->alias_of].name);
        }
        sb_printf(&b, ", \"live\": [%d, %d] }", t->first_use, t->last_use);
    }
    sb_puts(&b, "\n  ]\n}\n");
    snprintf(file, sizeof file, "%s_report.json", o->name);
    rc = emit_stage(st, o, file, &b, d);
    sb_free(&b);
    return rc;
}

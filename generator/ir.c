#include "ir.h"

#include "ckd.h"
#include "diag.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *ir_strdup(const char *s)
{
    size_t n;
    char *p;
    if (s == NULL) {
        return NULL;
    }
    n = strlen(s) + 1;
    p = malloc(n);
    if (p != NULL) {
        memcpy(p, s, n);
    }
    return p;
}

/* ORDER DT */
static const size_t dt_size[IR_DT_COUNT] = { 4, 1, 2, 4, 8, 8, 1 };
static const char *const dt_c[IR_DT_COUNT] = { "float", "int8_t", "int16_t", "int32_t", "int64_t",
                                               "stoic_qmul", "uint8_t" };
static const char *const dt_name[IR_DT_COUNT] = { "float32", "int8", "int16", "int32", "int64",
                                                  "qmul", "uint8" };

size_t ir_dtype_size(ir_dtype dt)
{
    return dt_size[dt];
}

const char *ir_dtype_c(ir_dtype dt)
{
    return dt_c[dt];
}

const char *ir_dtype_name(ir_dtype dt)
{
    return dt_name[dt];
}

const char *ir_node_prec_name(const ir_graph *g, const ir_node *n)
{
    if (n->op == IR_OP_CONVERT) {
        return dt_name[g->t[n->output].dtype];
    }
    return n->prec == IR_DT_S8 && n->wbits == 4 ? "int4" : dt_name[n->prec];
}

int64_t ir_arena_bytes(const ir_graph *g)
{
    int64_t b = 0;
    int k;
    for (k = 0; k < IR_DT_COUNT; k++) {
        b += g->arena_n[k] * (int64_t)dt_size[k];
    }
    return b;
}

int64_t ir_arena_bound_bytes(const ir_graph *g)
{
    int64_t b = 0;
    int k;
    for (k = 0; k < IR_DT_COUNT; k++) {
        b += g->arena_lb[k] * (int64_t)dt_size[k];
    }
    return b;
}

ir_graph *ir_new(void)
{
    ir_graph *g = calloc(1, sizeof *g);
    if (g != NULL) {
        g->input = -1;
        g->output = -1;
        g->outputs[0] = -1;
    }
    return g;
}

static void free_node(ir_node *n)
{
    free(n->name);
    free(n->xml_op);
    free(n->inputs);
    free(n->act_name);
    free(n->fused);
    free(n->kept);
}

void ir_free(ir_graph *g)
{
    int i;
    if (g == NULL) {
        return;
    }
    for (i = 0; i < g->nt; i++) {
        free(g->t[i].name);
        if (!g->borrowed) {
            free(g->t[i].data);
            free(g->t[i].qdata);
        }
    }
    for (i = 0; i < g->nn; i++) {
        free_node(&g->n[i]);
    }
    for (i = 0; i < g->n_files; i++) {
        free(g->files[i].path);
    }
    free(g->files);
    free(g->t);
    free(g->n);
    free(g->name);
    free(g->file);
    free(g);
}

ir_graph *ir_clone(const ir_graph *g)
{
    ir_graph *c = ir_new();
    int i, ok = c != NULL;
    if (ok) {
        *c = *g;
        c->borrowed = 1;
        c->files = NULL;
        c->n_files = 0;
        c->name = ir_strdup(g->name);
        c->file = ir_strdup(g->file);
        c->t = calloc((size_t)g->nt + 1, sizeof *c->t);
        c->n = calloc((size_t)g->nn + 1, sizeof *c->n);
        c->nt = 0;
        c->nn = 0;
        c->cap_t = g->nt + 1;
        c->cap_n = g->nn + 1;
        ok = (g->name == NULL || c->name != NULL) && (g->file == NULL || c->file != NULL) &&
             c->t != NULL && c->n != NULL;
    }
    for (i = 0; ok && i < g->nt; i++) {
        c->t[i] = g->t[i];
        c->t[i].name = ir_strdup(g->t[i].name);
        c->nt = i + 1;
        ok = g->t[i].name == NULL || c->t[i].name != NULL;
    }
    for (i = 0; ok && i < g->nn; i++) {
        const ir_node *n = &g->n[i];
        ir_node *m = &c->n[i];
        *m = *n;
        m->kept = NULL;
        m->name = ir_strdup(n->name);
        m->xml_op = ir_strdup(n->xml_op);
        m->act_name = ir_strdup(n->act_name);
        m->fused = ir_strdup(n->fused);
        m->inputs = malloc((size_t)n->n_inputs * sizeof *m->inputs + 1);
        c->nn = i + 1;
        ok = (n->name == NULL || m->name != NULL) && (n->xml_op == NULL || m->xml_op != NULL) &&
             m->inputs != NULL && (n->act_name == NULL || m->act_name != NULL) &&
             (n->fused == NULL || m->fused != NULL);
        if (m->inputs != NULL) {
            memcpy(m->inputs, n->inputs, (size_t)n->n_inputs * sizeof *m->inputs);
        }
    }
    if (!ok) {
        ir_free(c);
        c = NULL;
    }
    return c;
}

static int grow(void **arr, int *cap, int need, size_t elem)
{
    int ncap;
    void *p;
    if (need <= *cap) {
        return 0;
    }
    ncap = *cap > 0 ? *cap * 2 : 16;
    while (ncap < need) {
        ncap *= 2;
    }
    p = realloc(*arr, (size_t)ncap * elem);
    if (p == NULL) {
        return -1;
    }
    memset((char *)p + (size_t)*cap * elem, 0, (size_t)(ncap - *cap) * elem);
    *arr = p;
    *cap = ncap;
    return 0;
}

int ir_add_tensor(ir_graph *g, const char *name, ir_tkind kind, long line)
{
    ir_tensor *t;
    if (grow((void **)&g->t, &g->cap_t, g->nt + 1, sizeof *g->t) != 0) {
        return -1;
    }
    t = &g->t[g->nt];
    memset(t, 0, sizeof *t);
    t->name = ir_strdup(name);
    if (t->name == NULL) {
        return -1;
    }
    t->kind = kind;
    t->line = line;
    t->producer = -1;
    t->alias_of = -1;
    t->storage = IR_ST_NONE;
    return g->nt++;
}

/* s and v may point into g (another tensor's shape or data): the shape is
 * copied before ir_add_tensor may move g->t. */
int ir_add_const(ir_graph *g, const char *name, const ir_shape *s, const float *v, long line)
{
    const ir_shape sh = *s;
    int64_t n = ir_shape_count(&sh);
    int ti = ir_add_tensor(g, name, IR_T_CONST, line);
    if (ti < 0) {
        return -1;
    }
    g->t[ti].shape = sh;
    g->t[ti].data = malloc((size_t)n * sizeof(float));
    if (g->t[ti].data == NULL) {
        return -1;
    }
    memcpy(g->t[ti].data, v, (size_t)n * sizeof(float));
    return ti;
}

int ir_add_qconst(ir_graph *g, const char *name, const ir_shape *s, ir_dtype dt, const void *v,
                  long line)
{
    const ir_shape sh = *s; /* s may be another tensor's shape: g->t may move */
    size_t bytes = (size_t)ir_shape_count(&sh) * dt_size[dt];
    int ti = ir_add_tensor(g, name, IR_T_CONST, line);
    if (ti < 0) {
        return -1;
    }
    g->t[ti].shape = sh;
    g->t[ti].dtype = dt;
    g->t[ti].qdata = malloc(bytes + 1);
    if (g->t[ti].qdata == NULL) {
        return -1;
    }
    memcpy(g->t[ti].qdata, v, bytes);
    return ti;
}

int ir_add_node(ir_graph *g, ir_op op, const char *name, const char *xml_op, long line)
{
    ir_node *n;
    int k;
    if (grow((void **)&g->n, &g->cap_n, g->nn + 1, sizeof *g->n) != 0) {
        return -1;
    }
    n = &g->n[g->nn];
    memset(n, 0, sizeof *n);
    n->op = op;
    n->name = ir_strdup(name);
    n->xml_op = ir_strdup(xml_op);
    if (n->name == NULL || n->xml_op == NULL) {
        return -1;
    }
    n->line = line;
    n->output = -1;
    for (k = 0; k < IR_MAX_PARAMS; k++) {
        n->params[k] = -1;
    }
    n->kernel[0] = n->kernel[1] = 1;
    n->strides[0] = n->strides[1] = 1;
    n->dilations[0] = n->dilations[1] = 1;
    n->groups = 1;
    n->axis = -1;
    n->epsilon = 1e-5F;
    n->act.kind = STOIC_ACT_NONE;
    n->act.lo = -STOIC_FLT_MAX;
    n->act.hi = STOIC_FLT_MAX;
    n->act.alpha = 0.0F;
    n->act.beta = 0.0F;
    return g->nn++;
}

int ir_find_tensor(const ir_graph *g, const char *name)
{
    int i;
    for (i = 0; i < g->nt; i++) {
        if (strcmp(g->t[i].name, name) == 0) {
            return i;
        }
    }
    return -1;
}

int ir_find_node(const ir_graph *g, const char *name)
{
    int i;
    for (i = 0; i < g->nn; i++) {
        if (strcmp(g->n[i].name, name) == 0) {
            return i;
        }
    }
    return -1;
}

int64_t ir_shape_count(const ir_shape *s)
{
    int64_t n = 1;
    int i;
    for (i = 0; i < s->rank && n <= IR_MAX_ELEMS; i++) {
        if (s->d[i] < 0 || ckd_mul_i64(&n, n, s->d[i])) {
            n = IR_COUNT_TOO_LARGE;
        }
    }
    return n <= IR_MAX_ELEMS ? n : IR_COUNT_TOO_LARGE;
}

int ir_shape_eq(const ir_shape *a, const ir_shape *b)
{
    int i;
    if (a->rank != b->rank) {
        return 0;
    }
    for (i = 0; i < a->rank; i++) {
        if (a->d[i] != b->d[i]) {
            return 0;
        }
    }
    return 1;
}

void ir_shape_str(const ir_shape *s, char *buf, size_t n)
{
    size_t used = 0;
    int i;
    buf[0] = '\0';
    if (s->rank == 0) {
        snprintf(buf, n, "?");
        return;
    }
    for (i = 0; i < s->rank && used < n; i++) {
        int w = snprintf(buf + used, n - used, i == 0 ? "%ld" : "x%ld", (long)s->d[i]);
        if (w < 0) {
            return;
        }
        used += (size_t)w;
    }
}

const char *ir_op_name(ir_op op)
{
    /* ORDER OP */
    static const char *const names[IR_OP_COUNT] = {
        "dense", "conv2d", "conv1d", "max_pool2d", "avg_pool2d",
        "global_avg_pool", "activation", "softmax", "add", "mul", "concat",
        "reshape", "pad", "batch_norm", "affine", "transpose", "convert",
        "conv_transpose2d", "conv_transpose1d", "resize", "lstm", "gru"
    };
    return (op >= 0 && op < IR_OP_COUNT) ? names[op] : "?";
}

void ir_set_output(ir_graph *g, int t)
{
    g->output = t;
    g->outputs[0] = t;
    g->n_outputs = 1;
}

int ir_output_index(const ir_graph *g, int t)
{
    int k, r = -1;
    for (k = 0; k < g->n_outputs && r < 0; k++) {
        if (g->outputs[k] == t) {
            r = k;
        }
    }
    return r;
}

int64_t ir_output_start(const ir_graph *g, int k)
{
    int64_t s = 0;
    int j;
    for (j = 0; j < k && j < g->n_outputs; j++) {
        s += ir_shape_count(&g->t[g->outputs[j]].shape);
    }
    return s;
}

int64_t ir_outputs_count(const ir_graph *g)
{
    return ir_output_start(g, g->n_outputs);
}

int64_t ir_rnn_state_count(const ir_graph *g, const ir_node *n)
{
    const ir_shape *os = &g->t[n->output].shape;
    int64_t bh = ir_shape_count(os) / os->d[0];
    return 2 * bh + (bh / n->units) * n->rnn_rank * (n->op == IR_OP_GRU && !n->rnn_lbr ? 2 : 1);
}

ir_dtype ir_rnn_state_dtype(const ir_node *n)
{
    return n->prec == IR_DT_F32 ? IR_DT_F32 : IR_DT_S16;
}

int ir_root(const ir_graph *g, int t)
{
    while (g->t[t].alias_of >= 0) {
        t = g->t[t].alias_of;
    }
    return t;
}

int ir_slice_strided(const ir_node *n)
{
    int k, r = 0;
    if (n->op == IR_OP_PAD && n->is_slice) {
        for (k = 0; k < n->n_slice; k++) {
            if (n->slice_step[k] != 1) {
                r = 1;
            }
        }
    }
    return r;
}

int ir_node_append_fused(ir_node *n, const char *name)
{
    size_t a = n->fused != NULL ? strlen(n->fused) : 0;
    char *p = realloc(n->fused, a + strlen(name) + 2);
    if (p == NULL) {
        return -1;
    }
    if (a > 0) {
        p[a] = ' ';
        strcpy(p + a + 1, name);
    } else {
        strcpy(p, name);
    }
    n->fused = p;
    return 0;
}

void ir_link(ir_graph *g)
{
    int i, k;
    for (i = 0; i < g->nt; i++) {
        g->t[i].producer = -1;
        g->t[i].n_consumers = 0;
    }
    for (i = 0; i < g->nn; i++) {
        const ir_node *n = &g->n[i];
        if (n->dead) {
            continue;
        }
        if (n->output >= 0) {
            g->t[n->output].producer = i;
        }
        for (k = 0; k < n->n_inputs; k++) {
            g->t[n->inputs[k]].n_consumers++;
        }
        for (k = 0; k < IR_MAX_PARAMS; k++) {
            if (n->params[k] >= 0) {
                g->t[n->params[k]].n_consumers++;
            }
        }
    }
    for (k = 0; k < g->n_outputs; k++) {
        if (g->outputs[k] >= 0) {
            g->t[g->outputs[k]].n_consumers++;
        }
    }
}

int ir_compact(ir_graph *g)
{
    int *tmap = NULL, *nmap = NULL;
    int i, k, nt = 0, nn = 0;
    ir_link(g);
    tmap = malloc((size_t)(g->nt + 1) * sizeof *tmap);
    nmap = malloc((size_t)(g->nn + 1) * sizeof *nmap);
    if (tmap == NULL || nmap == NULL) {
        free(tmap);
        free(nmap);
        return -1;
    }
    for (i = 0; i < g->nn; i++) {
        if (g->n[i].dead) {
            nmap[i] = -1;
            free_node(&g->n[i]);
        } else {
            nmap[i] = nn;
            g->n[nn++] = g->n[i];
        }
    }
    g->nn = nn;
    for (i = 0; i < g->nt; i++) {
        int keep = (i == g->input) || g->t[i].n_consumers > 0;
        if (keep) {
            tmap[i] = nt;
            g->t[nt++] = g->t[i];
        } else {
            tmap[i] = -1;
            free(g->t[i].name);
            free(g->t[i].data);
            free(g->t[i].qdata);
        }
    }
    g->nt = nt;
    for (i = 0; i < g->nn; i++) {
        ir_node *n = &g->n[i];
        n->output = tmap[n->output];
        for (k = 0; k < n->n_inputs; k++) {
            n->inputs[k] = tmap[n->inputs[k]];
        }
        for (k = 0; k < IR_MAX_PARAMS; k++) {
            if (n->params[k] >= 0) {
                n->params[k] = tmap[n->params[k]];
            }
        }
    }
    for (i = 0; i < g->nt; i++) {
        if (g->t[i].alias_of >= 0) {
            g->t[i].alias_of = tmap[g->t[i].alias_of];
        }
    }
    g->input = tmap[g->input];
    for (k = 0; k < g->n_outputs; k++) {
        g->outputs[k] = tmap[g->outputs[k]];
    }
    g->output = g->outputs[0];
    free(tmap);
    free(nmap);
    ir_link(g);
    return 0;
}

static int fail(const char *pass, const char *what, const char *name)
{
    diag_err("stoic: internal error: IR invariant broken after %s: %s%s%s",
             pass, what, name != NULL ? ": " : "", name != NULL ? name : "");
    return -1;
}

int ir_verify(const ir_graph *g, const char *after_pass)
{
    int i, k;
    int *produced;
    int rc = 0;
    if (g->input < 0 || g->input >= g->nt || g->t[g->input].kind != IR_T_INPUT) {
        return fail(after_pass, "model input is not an input tensor", NULL);
    }
    if (g->n_outputs < 1 || g->n_outputs > IR_MAX_OUTPUTS || g->output != g->outputs[0]) {
        return fail(after_pass, "model outputs not set", NULL);
    }
    for (k = 0; k < g->n_outputs; k++) {
        if (g->outputs[k] < 0 || g->outputs[k] >= g->nt) {
            return fail(after_pass, "model output out of range", NULL);
        }
        if (ir_output_index(g, g->outputs[k]) != k) {
            return fail(after_pass, "model output listed twice", g->t[g->outputs[k]].name);
        }
    }
    produced = calloc((size_t)g->nt + 1, sizeof *produced);
    if (produced == NULL) {
        return fail(after_pass, "out of memory", NULL);
    }
    produced[g->input] = 1;
    for (i = 0; i < g->nt && rc == 0; i++) {
        const ir_tensor *t = &g->t[i];
        if (t->kind == IR_T_CONST) {
            produced[i] = 1;
            if ((t->dtype == IR_DT_F32 ? (void *)t->data : t->qdata) == NULL ||
                t->shape.rank == 0) {
                rc = fail(after_pass, "constant without data or shape", t->name);
            }
        }
        if (t->alias_of >= g->nt) {
            rc = fail(after_pass, "alias out of range", t->name);
        }
    }
    for (i = 0; i < g->nn && rc == 0; i++) {
        const ir_node *n = &g->n[i];
        if (n->dead) {
            continue;
        }
        if (n->output < 0 || n->output >= g->nt || g->t[n->output].kind != IR_T_ACT) {
            rc = fail(after_pass, "node output is not an activation tensor", n->name);
            break;
        }
        if (n->n_inputs < 1) {
            rc = fail(after_pass, "node without inputs", n->name);
            break;
        }
        for (k = 0; k < n->n_inputs; k++) {
            int ti = n->inputs[k];
            if (ti < 0 || ti >= g->nt) {
                rc = fail(after_pass, "node input out of range", n->name);
            } else if (g->t[ti].shape.rank == 0) {
                rc = fail(after_pass, "node input without shape", n->name);
            }
        }
        for (k = 0; k < IR_MAX_PARAMS && rc == 0; k++) {
            int ti = n->params[k];
            if (ti >= g->nt || (ti >= 0 && g->t[ti].kind != IR_T_CONST)) {
                rc = fail(after_pass, "node parameter is not a constant", n->name);
            }
        }
        if (rc != 0) {
            break;
        }
        if (produced[n->output]) {
            rc = fail(after_pass, "tensor produced twice", g->t[n->output].name);
            break;
        }
        produced[n->output] = 1;
        if (g->t[n->output].shape.rank == 0) {
            rc = fail(after_pass, "node output without shape", n->name);
        } else if (ir_shape_count(&g->t[n->output].shape) > IR_MAX_ELEMS) {
            rc = fail(after_pass, "tensor too large", g->t[n->output].name);
        }
    }
    for (k = 0; k < g->n_outputs && rc == 0; k++) {
        if (!produced[g->outputs[k]] || g->t[g->outputs[k]].kind != IR_T_ACT) {
            rc = fail(after_pass, "model output never produced", g->t[g->outputs[k]].name);
        }
    }
    free(produced);
    return rc;
}

static void dump_ints(FILE *f, const char *key, const int32_t *v, int n)
{
    int i;
    fprintf(f, " %s=", key);
    for (i = 0; i < n; i++) {
        fprintf(f, i == 0 ? "%ld" : ",%ld", (long)v[i]);
    }
}

void ir_dump(const ir_graph *g, void *file)
{
    FILE *f = file;
    char sh[64];
    int i, k;
    fprintf(f, "model %s  (%s, sha256 %s)\n", g->name, g->file, g->sha256);
    fprintf(f, "tensors %d\n", g->nt);
    for (i = 0; i < g->nt; i++) {
        const ir_tensor *t = &g->t[i];
        static const char *const kinds[] = { "input", "const", "act" };
        static const char *const st[] = { "-", "input", "output", "arena", "const" };
        ir_shape_str(&t->shape, sh, sizeof sh);
        fprintf(f, "  t%-3d %-5s %-12s %s  line %ld", i, kinds[t->kind], sh, t->name, t->line);
        if (t->dtype != IR_DT_F32) {
            fprintf(f, "  %s", dt_name[t->dtype]);
        }
        if (t->has_q) {
            fprintf(f, " scale=%.9g zp=%ld", t->scale, (long)t->zp);
        }
        if (g->planned) {
            fprintf(f, "  storage=%s", st[t->storage]);
            if (t->storage == IR_ST_OUTPUT && g->n_outputs > 1) {
                fprintf(f, "%d", t->out_index);
            }
            if (t->storage == IR_ST_ARENA || t->alias_of >= 0) {
                fprintf(f, "@%lld", (long long)t->offset);
            }
            if (t->alias_of >= 0) {
                fprintf(f, " alias=t%d", t->alias_of);
            }
            if (t->kind == IR_T_ACT) {
                fprintf(f, " live=[%d,%d]", t->first_use, t->last_use);
            }
        }
        fputc('\n', f);
    }
    fprintf(f, "nodes %d\n", g->nn);
    for (i = 0; i < g->nn; i++) {
        const ir_node *n = &g->n[i];
        fprintf(f, "  n%-3d %s '%s' (%s, line %ld)%s in=", i, ir_op_name(n->op), n->name,
                n->xml_op, n->line, n->dead ? " DEAD" : "");
        for (k = 0; k < n->n_inputs; k++) {
            fprintf(f, k == 0 ? "t%d" : ",t%d", n->inputs[k]);
        }
        fprintf(f, " out=t%d", n->output);
        for (k = 0; k < IR_MAX_PARAMS; k++) {
            if (n->params[k] >= 0) {
                fprintf(f, " p%d=t%d", k, n->params[k]);
            }
        }
        switch (n->op) {
        case IR_OP_DENSE:
            fprintf(f, " units=%ld", (long)n->units);
            break;
        case IR_OP_CONV2D:
        case IR_OP_CONV1D:
            fprintf(f, " filters=%ld groups=%ld", (long)n->filters, (long)n->groups);
            dump_ints(f, "kernel", n->kernel, 2);
            dump_ints(f, "strides", n->strides, 2);
            dump_ints(f, "dilations", n->dilations, 2);
            dump_ints(f, "pads", n->pads, 4);
            if (n->pool_max) {
                fprintf(f, " pool=max2x2");
            }
            break;
        case IR_OP_MAXPOOL2D:
        case IR_OP_AVGPOOL2D:
            dump_ints(f, "kernel", n->kernel, 2);
            dump_ints(f, "strides", n->strides, 2);
            dump_ints(f, "pads", n->pads, 4);
            dump_ints(f, "dilations", n->dilations, 2);
            if (n->op == IR_OP_AVGPOOL2D) {
                fprintf(f, " count_include_pad=%d", n->count_include_pad);
            }
            break;
        case IR_OP_SOFTMAX:
        case IR_OP_CONCAT:
            fprintf(f, " axis=%d", n->axis);
            break;
        case IR_OP_PAD:
            dump_ints(f, "pads", n->padn, n->n_padn);
            fprintf(f, " value=%.9g", (double)n->value);
            if (ir_slice_strided(n)) {
                dump_ints(f, "steps", n->slice_step, n->n_slice);
            }
            break;
        case IR_OP_BATCHNORM:
            fprintf(f, " epsilon=%.9g", (double)n->epsilon);
            break;
        case IR_OP_TRANSPOSE:
            fprintf(f, " perm=");
            for (k = 0; k < n->n_perm; k++) {
                fprintf(f, k == 0 ? "%d" : ",%d", n->perm[k]);
            }
            break;
        case IR_OP_RESIZE:
            fprintf(f, " mode=%d ctm=%d nearest=%d size=", n->rs_mode, n->rs_ctm, n->rs_nearest);
            for (k = 0; k < n->rs_n; k++) {
                fprintf(f, k == 0 ? "%ld" : ",%ld", (long)n->rs_size[k]);
            }
            fprintf(f, " scales=");
            for (k = 0; k < n->rs_n; k++) {
                fprintf(f, k == 0 ? "%.9g" : ",%.9g", n->rs_scale[k]);
            }
            fprintf(f, " cubic_a=%.9g exclude_outside=%d q=%d", n->rs_cubic_a, n->rs_exclude,
                    n->rs_q);
            break;
        case IR_OP_LSTM:
        case IR_OP_GRU:
            fprintf(f, " hidden=%ld reverse=%d", (long)n->units, n->rnn_reverse);
            if (n->op == IR_OP_GRU) {
                fprintf(f, " linear_before_reset=%d", n->rnn_lbr);
            }
            if (n->op == IR_OP_LSTM && n->prec != IR_DT_F32) {
                fprintf(f, " cell_shift=%ld", (long)n->rnn_cell_shift);
            }
            if (n->rnn_rank > 0) {
                fprintf(f, " rank=%ld", (long)n->rnn_rank);
            }
            if (g->planned) {
                fprintf(f, " state_off=%lld", (long long)n->state_off);
            }
            break;
        default:
            break;
        }
        if (n->act.kind != STOIC_ACT_NONE) {
            fprintf(f, " act=%s(lo=%.9g,hi=%.9g,alpha=%.9g)",
                    n->act_name != NULL ? n->act_name : "?", (double)n->act.lo,
                    (double)n->act.hi, (double)n->act.alpha);
        }
        if (n->fused != NULL) {
            fprintf(f, " fused=[%s]", n->fused);
        }
        if (n->prec != IR_DT_F32) {
            fprintf(f, " prec=%s acc_bound=%lld/%lld", dt_name[n->prec], (long long)n->acc_bound,
                    (long long)n->acc_limit);
        }
        fputc('\n', f);
    }
    ir_shape_str(&g->t[g->output].shape, sh, sizeof sh);
    fprintf(f, "input t%d  output t%d (%s)", g->input, g->output, sh);
    for (k = 1; k < g->n_outputs; k++) {
        ir_shape_str(&g->t[g->outputs[k]].shape, sh, sizeof sh);
        fprintf(f, ", output%d t%d (%s)", k, g->outputs[k], sh);
    }
    fputc('\n', f);
    if (g->planned) {
        fprintf(f, "arena %lld float, %lld int8, %lld int16 elements\n",
                (long long)g->arena_n[IR_DT_F32], (long long)g->arena_n[IR_DT_S8],
                (long long)g->arena_n[IR_DT_S16]);
    }
}

int64_t ir_node_params(const ir_graph *g, int node)
{
    int64_t n = 0;
    int k;
    for (k = 0; k < IR_MAX_PARAMS; k++) {
        int ti = g->n[node].params[k];
        if (ti >= 0) {
            n += ir_shape_count(&g->t[ti].shape);
        }
    }
    return n;
}

int64_t ir_node_macs(const ir_graph *g, int node)
{
    const ir_node *n = &g->n[node];
    int64_t out = ir_shape_count(&g->t[n->output].shape);
    int64_t in = ir_shape_count(&g->t[n->inputs[0]].shape);
    switch (n->op) {
    case IR_OP_DENSE:
        return out * g->t[n->inputs[0]].shape.d[g->t[n->inputs[0]].shape.rank - 1];
    case IR_OP_CONV2D:
    case IR_OP_CONV1D: {
        const ir_shape *is = &g->t[n->inputs[0]].shape;
        int32_t cin = is->d[is->rank - 1];
        /* a fused 2x2 max pool: the output has a quarter of the convolution's */
        return out * (n->pool_max ? 4 : 1) * (int64_t)n->kernel[0] * n->kernel[1] *
               (cin / n->groups);
    }
    case IR_OP_MAXPOOL2D:
    case IR_OP_AVGPOOL2D:
        return out * (int64_t)n->kernel[0] * n->kernel[1];
    case IR_OP_GAVGPOOL:
    case IR_OP_SOFTMAX:
        return in;
    case IR_OP_LSTM:
    case IR_OP_GRU: {
        /* every step: G gates of H units, each I input and H recurrent terms;
         * low rank: rank recurrent terms, and the projections (rank x H
         * each: h, and the GRU's work row when linear_before_reset = 0) */
        const ir_shape *is = &g->t[n->inputs[0]].shape;
        int64_t gates = n->op == IR_OP_LSTM ? 4 : 3;
        int64_t proj = n->op == IR_OP_GRU && !n->rnn_lbr ? 2 : 1;
        if (n->rnn_rank > 0) {
            return out * gates * ((int64_t)is->d[is->rank - 1] + n->rnn_rank) +
                   out / n->units * proj * n->rnn_rank * n->units;
        }
        return out * gates * ((int64_t)is->d[is->rank - 1] + n->units);
    }
    default:
        return out;
    }
}

/* C keywords (C99 and C11) and the standard headers' names: a model named
 * after one would not compile, or its NAME.h would shadow the header. */
static const char *const reserved_names[] = {
    "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else",
    "enum", "extern", "float", "for", "goto", "if", "inline", "int", "long", "register",
    "restrict", "return", "short", "signed", "sizeof", "static", "struct", "switch",
    "typedef", "union", "unsigned", "void", "volatile", "while", "_Alignas", "_Alignof",
    "_Atomic", "_Bool", "_Complex", "_Generic", "_Imaginary", "_Noreturn", "_Static_assert",
    "_Thread_local", "assert", "complex", "ctype", "errno", "fenv", "inttypes", "iso646",
    "limits", "locale", "math", "setjmp", "signal", "stdalign", "stdarg", "stdatomic",
    "stdbool", "stddef", "stdint", "stdio", "stdlib", "stdnoreturn", "string", "tgmath",
    "threads", "time", "uchar", "wchar", "wctype", "main", NULL
};

const char *ir_c_name_problem(const char *s)
{
    size_t i, n = strlen(s);
    int k;
    if (n == 0 || n > 48 || !((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z') ||
                              s[0] == '_')) {
        return "is not a C identifier of 1 to 48 characters";
    }
    for (i = 1; i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_')) {
            return "is not a C identifier of 1 to 48 characters";
        }
    }
    if (s[0] == '_' && (s[1] == '_' || (s[1] >= 'A' && s[1] <= 'Z'))) {
        return "is reserved to the C implementation (it starts with '__' or '_' and a capital)";
    }
    if (n >= 5 && (s[0] | 0x20) == 's' && (s[1] | 0x20) == 't' && (s[2] | 0x20) == 'o' &&
        (s[3] | 0x20) == 'i' && (s[4] | 0x20) == 'c') {
        return "starts with 'stoic', the prefix of the runtime's files, symbols and macros";
    }
    for (k = 0; reserved_names[k] != NULL; k++) {
        if (strcmp(s, reserved_names[k]) == 0) {
            return "is a C keyword, the name of a standard header or 'main'";
        }
    }
    return NULL;
}

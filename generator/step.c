/* The streaming API (README "Streaming"): which axis of every tensor is
 * time, whether every layer works step by step, and the graph of one step.
 *
 * A model streams when every layer on the way from its input to its
 * outputs computes each time step from that step alone -- but for the
 * recurrent layers, which carry their state from one step to the next --
 * or reads only the last step. The time axis is found by propagation:
 * from a candidate axis of the input (one whose length is the recurrent
 * layers' step count T), through element-wise layers, dense layers (rows),
 * transposes, reshapes that keep the axis whole, concatenations along
 * another axis and slices, to axis 0 of every recurrent layer's input. A
 * slice that keeps only step T - 1 ends the time axis: what follows is the
 * last step's value, the same in both graphs. A convolution, pooling or
 * resize with a time axis in its input, a dense layer or softmax over the
 * time axis, a reshape that merges it with another axis, a slice keeping
 * other steps, a constant that varies along it, and a recurrent layer that
 * runs backwards (direction reverse, bidirectional) do not stream: the
 * reason is recorded and generate writes no step API (or fails with
 * --step).
 *
 * The step graph is the run graph with the time axis of every tensor set
 * to 1 (the input's, the reshapes' target, the last-step slices read step
 * 0), inferred and planned again: every layer then computes one step, and
 * the recurrent layers continue from their kept state (ir_graph.step:
 * lower.c calls them with init = 0). Tensors keep their indices and
 * constants their values, so the step's calls read the run's constants;
 * the recurrent state has the same layout (pass_plan: per layer 2 * B * H,
 * independent of T), so NAME_run, NAME_step and NAME_reset share it. */
#include "step.h"

#include "pass.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TAX_NONE (-1) /* no time axis: a constant, or independent of the input */

static int refuse(step_plan *sp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int refuse(step_plan *sp, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(sp->why, sizeof sp->why, fmt, ap);
    va_end(ap);
    return -1;
}

static int recurrent(const ir_node *n)
{
    return n->op == IR_OP_LSTM || n->op == IR_OP_GRU;
}

static int64_t prod(const ir_shape *s, int from, int to)
{
    int64_t p = 1;
    int k;
    for (k = from; k < to; k++) {
        p *= s->d[k];
    }
    return p;
}

/* Where the time axis of a reshape's input (axis a of shape in) is in its
 * output shape out: the axis b of length T with as many elements before
 * it as before a; -1 when the reshape splits or merges it. */
static int reshape_axis(const ir_shape *in, int a, const ir_shape *out, int32_t T)
{
    int64_t before = prod(in, 0, a);
    int b;
    for (b = 0; b < out->rank; b++) {
        if (out->d[b] == T && prod(out, 0, b) == before) {
            return b;
        }
    }
    return -1;
}

/* The time axis of node n's output from its inputs' (tax); 0, or -1 with
 * the reason in sp->why. */
static int propagate(const ir_graph *g, const ir_node *n, int *tax, int32_t T, step_plan *sp)
{
    const ir_shape *os = &g->t[n->output].shape;
    const ir_shape *is = &g->t[n->inputs[0]].shape;
    int k, a = TAX_NONE, last = 0, timed = 0;
    const char *op = n->xml_op;
    sp->why_line = n->line; /* the layer a refusal names */
    /* the inputs' time axes (for add and mul aligned to the output's rank
     * from the right, as they broadcast) */
    for (k = 0; k < n->n_inputs; k++) {
        const ir_tensor *x = &g->t[n->inputs[k]];
        int ta = tax[n->inputs[k]], bc = n->op == IR_OP_ADD || n->op == IR_OP_MUL;
        if (ta == STEP_LAST) {
            last = 1;
        } else if (ta != TAX_NONE) {
            int al = bc ? ta + (os->rank - x->shape.rank) : ta;
            if (timed && al != a) {
                return refuse(sp, "%s '%s' combines inputs whose time axes differ", op, n->name);
            }
            a = al;
            timed = 1;
        }
    }
    if (last && timed) {
        return refuse(sp, "%s '%s' combines a sequence with the value of its last step", op,
                      n->name);
    }
    if (last || !timed) {
        tax[n->output] = last ? STEP_LAST : TAX_NONE;
        return 0; /* the same values in both graphs */
    }
    /* an input without a time axis (a constant operand) must not vary
     * along it */
    for (k = 0; k < n->n_inputs && (n->op == IR_OP_ADD || n->op == IR_OP_MUL); k++) {
        const ir_tensor *x = &g->t[n->inputs[k]];
        int xa = a - (os->rank - x->shape.rank);
        if (tax[n->inputs[k]] == TAX_NONE && xa >= 0 && x->shape.d[xa] != 1) {
            return refuse(sp, "%s '%s' reads '%s', which varies along the time axis", op,
                          n->name, x->name);
        }
    }
    switch (n->op) {
    case IR_OP_ACTIVATION:
    case IR_OP_CONVERT:
    case IR_OP_ADD:
    case IR_OP_MUL:
        break;
    case IR_OP_AFFINE:
    case IR_OP_BATCHNORM:
    case IR_OP_DENSE:
        if (a == os->rank - 1) {
            return refuse(sp, "%s '%s' works along the time axis (its last axis)", op, n->name);
        }
        break;
    case IR_OP_SOFTMAX:
        if (n->axis == a) {
            return refuse(sp, "softmax '%s' normalizes along the time axis", n->name);
        }
        break;
    case IR_OP_CONCAT:
        if (n->axis == a) {
            return refuse(sp, "concat '%s' joins along the time axis", n->name);
        }
        break;
    case IR_OP_TRANSPOSE:
        for (k = 0; k < n->n_perm && n->perm[k] != a; k++) {
        }
        a = k;
        break;
    case IR_OP_RESHAPE:
        a = reshape_axis(is, a, os, T);
        if (a < 0) {
            return refuse(sp, "%s '%s' merges the time axis with another axis", op, n->name);
        }
        break;
    case IR_OP_PAD: {
        int32_t lo = -n->padn[a], hi = is->d[a] + n->padn[a + is->rank];
        int step = n->is_slice ? n->slice_step[a] : 1;
        if (n->is_slice && step == 1 && lo == T - 1 && hi == T) {
            a = STEP_LAST;
        } else if (!(step == 1 && lo == 0 && hi == T)) {
            return refuse(sp, "%s '%s' %s the time axis (only all steps or the last one stream)",
                          op, n->name, n->is_slice ? "keeps some steps of" : "pads");
        }
        break;
    }
    case IR_OP_LSTM:
    case IR_OP_GRU:
        if (a != 0) {
            return refuse(sp, "%s '%s' reads a tensor whose time axis is not its first", op,
                          n->name);
        }
        if (n->rnn_reverse) {
            return refuse(sp, "%s '%s' runs backwards in time (direction reverse, or half of a "
                          "bidirectional layer): it needs the whole sequence", op, n->name);
        }
        break;
    default:
        return refuse(sp, "%s '%s' works across the time axis", op, n->name);
    }
    tax[n->output] = a;
    return 0;
}

/* The time axes of every tensor when the input's is `axis`; 0, or -1
 * with the reason. */
static int propagate_all(const ir_graph *g, int axis, int32_t T, int *tax, step_plan *sp)
{
    int i;
    for (i = 0; i < g->nt; i++) {
        tax[i] = TAX_NONE;
    }
    tax[g->input] = axis;
    for (i = 0; i < g->nn; i++) {
        if (propagate(g, &g->n[i], tax, T, sp) != 0) {
            return -1;
        }
    }
    for (i = 0; i < g->n_outputs; i++) {
        if (tax[g->outputs[i]] == TAX_NONE) {
            sp->why_line = g->output_lines[i];
            return refuse(sp, "output '%s' does not depend on the input",
                          g->t[g->outputs[i]].name);
        }
    }
    return 0;
}

/* The step graph of g whose tensors have the time axes tax. */
static ir_graph *step_graph(const ir_graph *g, const int *tax, int32_t T, diag *d)
{
    ir_graph *s = ir_clone(g);
    int i, k;
    if (s == NULL) {
        diag_io(d, NULL, "out of memory");
        return NULL;
    }
    s->step = 1;
    s->planned = 0;
    s->t[s->input].shape.d[tax[g->input]] = 1;
    for (i = 0; i < s->nn; i++) {
        ir_node *n = &s->n[i];
        int a = tax[n->inputs[0]], b = tax[n->output];
        if (a < 0) {
            continue;
        }
        if (n->op == IR_OP_RESHAPE && b >= 0) {
            /* its target as written: T -> 1 (a -1 there infers 1) */
            if (b < n->new_rank && n->new_shape[b] == T) {
                n->new_shape[b] = 1;
            }
        } else if (n->op == IR_OP_PAD && n->is_slice) {
            const ir_shape *is = &s->t[n->inputs[0]].shape;
            int whole = 1;
            n->slice_lo[a] = 0;
            n->slice_hi[a] = 1;
            for (k = 0; k < is->rank; k++) {
                whole &= n->slice_lo[k] == 0 && n->slice_step[k] == 1 &&
                         (k == a || n->slice_hi[k] == is->d[k]);
            }
            if (whole) { /* the last step of one step: the whole input, a view */
                n->op = IR_OP_RESHAPE;
                n->is_slice = 0;
                n->new_rank = is->rank;
                for (k = 0; k < is->rank; k++) {
                    n->new_shape[k] = k == a ? 1 : is->d[k];
                }
            }
        }
    }
    for (i = 0; i < s->nt; i++) {
        if (s->t[i].kind != IR_T_CONST) {
            s->t[i].alias_of = -1;
        }
    }
    if (pass_shape(s, d) == 0) {
        /* a transpose that only moves axes of length 1 now (the time axis
         * among them) keeps the element order: a view, as pass_simplify
         * makes it in the run graph */
        for (i = 0; i < s->nn; i++) {
            ir_node *n = &s->n[i];
            const ir_shape *is = &s->t[n->inputs[0]].shape, *os = &s->t[n->output].shape;
            int prev = -1, keeps = n->op == IR_OP_TRANSPOSE;
            for (k = 0; k < n->n_perm && keeps; k++) {
                if (is->d[n->perm[k]] != 1) {
                    keeps = n->perm[k] > prev;
                    prev = n->perm[k];
                }
            }
            if (keeps) {
                n->op = IR_OP_RESHAPE;
                n->new_rank = os->rank;
                for (k = 0; k < os->rank; k++) {
                    n->new_shape[k] = os->d[k];
                }
            }
        }
    }
    if (pass_shape(s, d) != 0 || pass_plan(s, d) != 0 || ir_verify(s, "step") != 0) {
        diag_io(d, g->file, "internal error: the graph of one time step does not build");
        ir_free(s);
        return NULL;
    }
    for (i = 0; i < s->nt; i++) { /* every time axis is now 1 */
        if (tax[i] >= 0 && s->t[i].shape.d[tax[i]] != 1) {
            diag_io(d, g->file, "internal error: tensor '%s' of the step graph has %ld steps",
                    s->t[i].name, (long)s->t[i].shape.d[tax[i]]);
            ir_free(s);
            return NULL;
        }
    }
    return s;
}

int step_build(const ir_graph *g, step_plan *sp, diag *d)
{
    int i, a, found = -1, *tax, *best = NULL;
    int32_t T = -1;
    long line = 0;
    const ir_shape *in = &g->t[g->input].shape;
    char why[STEP_WHY];
    memset(sp, 0, sizeof *sp);
    for (i = 0; i < g->nn; i++) {
        if (recurrent(&g->n[i])) {
            int32_t t = g->t[g->n[i].inputs[0]].shape.d[0];
            if (sp->present && t != T) {
                snprintf(sp->why, sizeof sp->why, "its recurrent layers run %ld and %ld steps",
                         (long)T, (long)t);
                sp->why_line = g->n[i].line;
                return 0;
            }
            sp->present = 1;
            T = t;
        }
    }
    if (!sp->present) {
        return 0;
    }
    tax = malloc(2 * ((size_t)g->nt + 1) * sizeof *tax);
    if (tax == NULL) {
        diag_io(d, NULL, "out of memory");
        return -1;
    }
    /* every input axis of length T is a candidate; exactly one must work */
    why[0] = '\0';
    for (a = 0; a < in->rank; a++) {
        if (in->d[a] != T) {
            continue;
        }
        if (propagate_all(g, a, T, tax + g->nt + 1, sp) != 0) {
            if (why[0] == '\0') {
                memcpy(why, sp->why, sizeof why);
                line = sp->why_line;
            }
            continue;
        }
        if (found >= 0 && T == 1) {
            continue; /* one step: every candidate gives the same step graph */
        }
        if (found >= 0) {
            snprintf(why, sizeof why, "its time axis is ambiguous (input axes %d and %d both "
                     "have the %ld steps)", found, a, (long)T);
            found = -2;
            break;
        }
        found = a;
        best = tax;
        memcpy(best, tax + g->nt + 1, ((size_t)g->nt + 1) * sizeof *tax);
    }
    if (found < 0) {
        if (why[0] == '\0') {
            snprintf(why, sizeof why, "no input axis has the %ld steps of its recurrent layers",
                     (long)T);
        }
        memcpy(sp->why, why, sizeof sp->why);
        sp->why_line = line;
        free(tax);
        return 0;
    }
    sp->why[0] = '\0';
    sp->steps = T;
    sp->in_axis = found;
    sp->in_inner = prod(in, found + 1, in->rank);
    for (i = 0; i < g->n_outputs; i++) {
        const ir_shape *os = &g->t[g->outputs[i]].shape;
        int oa = best[g->outputs[i]];
        sp->out_axis[i] = oa;
        sp->out_inner[i] = oa >= 0 ? prod(os, oa + 1, os->rank) : ir_shape_count(os);
    }
    sp->gs = step_graph(g, best, T, d);
    free(tax);
    if (sp->gs == NULL) {
        return -1;
    }
    sp->ok = 1;
    return 0;
}

void step_free(step_plan *sp)
{
    ir_free(sp->gs);
    sp->gs = NULL;
    sp->ok = 0;
}

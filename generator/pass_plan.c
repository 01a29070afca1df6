/* pass_plan: where every tensor lives.
 *
 * 1. Aliases. A reshape/flatten moves no data (tensors are flat, row-major):
 *    its output shares its input's storage. The one exception is a reshape
 *    that would make the model output share the model input or a constant;
 *    it stays a copy into the caller's output array. A model with several
 *    outputs copies every reshape that writes an output (each output has
 *    its own caller array: two outputs never share one buffer).
 * 2. In place. An element-wise layer (activation, table, requantizing copy,
 *    add, mul, affine) writes its output over an input of the same element
 *    type and count when nothing reads that input (or a view of it) later
 *    and it is neither the model input nor a model output: the output
 *    becomes an alias of that input. Every such kernel computes output
 *    element i from input elements i only, reading them before it writes
 *    (stoic_rt.h), so the result is the same.
 * 3. Storage. The model input is the caller's `in`, the tensor behind the
 *    model output is the caller's `out` (behind output k the caller's
 *    `outk`, out_index k, when there are several), constants are const arrays, and
 *    every other tensor gets a place in the static arena of its element
 *    type (one arena per type: no pointer casts in the generated code).
 * 4. Liveness. A buffer (a tensor and its aliases) is live from the node
 *    that writes it to the last node that reads it or any alias of it
 *    (inclusive), so a node's inputs and output never share memory unless
 *    it runs in place.
 * 5. Offsets. Every buffer starts on a 4-byte boundary (STOIC_ARENA_ALIGN
 *    bytes: whole words for the kernels' int8/int16 loads). The lower
 *    bound of an arena for this schedule is the largest total of the
 *    buffers live at one node, each rounded up to the alignment but the
 *    one that ends the arena (the one rounded the most): no placement can
 *    do better. Buffers
 *    are placed first-fit (each at the lowest aligned offset where it
 *    overlaps no already placed buffer live at the same time) in several
 *    orders -- largest first (TensorFlow Lite Micro's greedy strategy),
 *    by first use, by size times lifetime, longest lived first -- and the
 *    smallest arena is kept (ties: the earlier order). Deterministic. The
 *    plan and the bound are in the report (NAME_report.json "memory_plan").
 */
#include "pass.h"

#include <stdlib.h>
#include <string.h>

#define STOIC_ARENA_ALIGN 4 /* bytes */
#define N_ORDERS 4

typedef struct {
    int t;
    int64_t size;  /* elements */
    int first, last;
    int64_t off;
} item;

static int sort_key;

static int cmp_items(const void *a, const void *b)
{
    const item *x = a, *y = b;
    int64_t kx, ky;
    switch (sort_key) {
    case 1: /* first use, then largest */
        kx = -(int64_t)x->first;
        ky = -(int64_t)y->first;
        break;
    case 2: /* size times lifetime */
        kx = x->size * (int64_t)(x->last - x->first + 1);
        ky = y->size * (int64_t)(y->last - y->first + 1);
        break;
    case 3: /* longest lived */
        kx = (int64_t)(x->last - x->first);
        ky = (int64_t)(y->last - y->first);
        break;
    default:
        kx = x->size;
        ky = y->size;
        break;
    }
    if (kx != ky) {
        return kx > ky ? -1 : 1;
    }
    if (x->size != y->size) {
        return x->size > y->size ? -1 : 1;
    }
    if (x->first != y->first) {
        return x->first < y->first ? -1 : 1;
    }
    return x->t < y->t ? -1 : (x->t > y->t ? 1 : 0);
}

static int64_t align_up(int64_t v, int64_t a)
{
    return (v + a - 1) / a * a;
}

static int is_elementwise(const ir_node *n)
{
    switch (n->op) {
    case IR_OP_ACTIVATION:
    case IR_OP_ADD:
    case IR_OP_MUL:
    case IR_OP_AFFINE:
        return 1;
    default:
        return 0;
    }
}

/* r is the storage of a graph output (written into the caller's array). */
static int is_output_root(const ir_graph *g, int r)
{
    int k, yes = 0;
    for (k = 0; k < g->n_outputs; k++) {
        yes |= ir_root(g, g->outputs[k]) == r;
    }
    return yes;
}

/* The reshape aliases, then in place (steps 1 and 2). */
static int aliases(ir_graph *g)
{
    int i, k;
    int *last = malloc((size_t)(g->nt + 1) * sizeof *last); /* last reader of each tensor */
    if (last == NULL) {
        return -1;
    }
    for (i = 0; i < g->nt; i++) {
        g->t[i].alias_of = -1;
        last[i] = -1;
    }
    for (i = 0; i < g->nn; i++) {
        const ir_node *n = &g->n[i];
        int r;
        for (k = 0; k < n->n_inputs; k++) {
            last[n->inputs[k]] = i;
        }
        if (n->op != IR_OP_RESHAPE) {
            continue;
        }
        r = ir_root(g, n->inputs[0]);
        if (ir_output_index(g, n->output) >= 0 &&
            (g->t[r].kind != IR_T_ACT || g->n_outputs > 1)) {
            continue; /* copy into the caller's output (with several outputs
                       * each has its own array: never two outputs on one root) */
        }
        g->t[n->output].alias_of = n->inputs[0];
    }
    for (i = 0; i < g->nn; i++) {
        const ir_node *n = &g->n[i];
        int y = n->output;
        if (!is_elementwise(n) || g->t[y].alias_of >= 0) {
            continue;
        }
        for (k = 0; k < n->n_inputs; k++) {
            int a = n->inputs[k], r = ir_root(g, a), j, later = 0;
            if (g->t[r].kind != IR_T_ACT || g->t[a].dtype != g->t[y].dtype ||
                ir_shape_count(&g->t[a].shape) != ir_shape_count(&g->t[y].shape) ||
                is_output_root(g, r)) {
                continue;
            }
            /* no reader of the buffer after node i */
            for (j = 0; j < g->nt && !later; j++) {
                later = last[j] > i && ir_root(g, j) == r;
            }
            if (!later) {
                g->t[y].alias_of = a;
                break;
            }
        }
    }
    free(last);
    return 0;
}

/* First-fit placement of items[] in the order they are in; returns the
 * arena size in elements, offsets in items[].off. */
static int64_t place(item *items, int n_items, int64_t align, item **scratch)
{
    int i, j;
    int64_t top = 0;
    item *placed = *scratch;
    for (i = 0; i < n_items; i++) {
        item *t = &items[i];
        int n_conf = 0;
        int64_t off = 0;
        /* already placed items live at the same time, by offset */
        for (j = 0; j < i; j++) {
            const item *u = &items[j];
            if (u->first <= t->last && t->first <= u->last) {
                int k = n_conf++;
                while (k > 0 && placed[k - 1].off > u->off) {
                    placed[k] = placed[k - 1];
                    k--;
                }
                placed[k] = *u;
            }
        }
        for (j = 0; j < n_conf; j++) {
            const item *u = &placed[j];
            if (off + t->size <= u->off) {
                break; /* fits in the gap before u */
            }
            if (u->off + u->size > off) {
                off = align_up(u->off + u->size, align);
            }
        }
        t->off = off;
        if (off + t->size > top) {
            top = off + t->size;
        }
    }
    return top;
}

/* Plans one arena; returns its size in elements or -1 (out of memory). */
static int64_t plan_arena(ir_graph *g, ir_dtype dt, int64_t *bound)
{
    int i, n_items = 0, o, best_o = 0;
    int64_t align = STOIC_ARENA_ALIGN / (int64_t)ir_dtype_size(dt), best = -1, lb = 0;
    item *items = malloc((size_t)(g->nt + 1) * sizeof *items);
    item *scratch = malloc((size_t)(g->nt + 1) * sizeof *scratch);
    int64_t *live = calloc((size_t)g->nn + 1, sizeof *live);
    int64_t *live_waste = calloc((size_t)g->nn + 1, sizeof *live_waste);
    if (align < 1) {
        align = 1;
    }
    if (items == NULL || scratch == NULL || live == NULL || live_waste == NULL) {
        free(items);
        free(scratch);
        free(live);
        free(live_waste);
        return -1;
    }
    for (i = 0; i < g->nt; i++) {
        const ir_tensor *t = &g->t[i];
        if (t->alias_of < 0 && t->storage == IR_ST_ARENA && t->dtype == dt) {
            int s;
            items[n_items].t = i;
            int64_t cnt = ir_shape_count(&t->shape), waste = align_up(cnt, align) - cnt;
            items[n_items].size = cnt;
            items[n_items].first = t->first_use;
            items[n_items].last = t->last_use;
            items[n_items].off = 0;
            for (s = t->first_use; s <= t->last_use && s < g->nn; s++) {
                live[s] += cnt + waste;
                if (waste > live_waste[s]) {
                    live_waste[s] = waste;
                }
            }
            n_items++;
        }
    }
    /* at node i the live buffers need at least their rounded sizes, less
     * the rounding of the one that ends the arena */
    for (i = 0; i < g->nn; i++) {
        lb = live[i] - live_waste[i] > lb ? live[i] - live_waste[i] : lb;
    }
    *bound = lb;
    for (o = 0; o < N_ORDERS && n_items > 0; o++) {
        int64_t top;
        sort_key = o;
        qsort(items, (size_t)n_items, sizeof *items, cmp_items);
        top = place(items, n_items, align, &scratch);
        if (best < 0 || top < best) {
            best = top;
            best_o = o;
        }
    }
    if (n_items > 0) {
        /* the best order once more, and its offsets into the tensors */
        sort_key = best_o;
        qsort(items, (size_t)n_items, sizeof *items, cmp_items);
        (void)place(items, n_items, align, &scratch);
        for (i = 0; i < n_items; i++) {
            g->t[items[i].t].offset = items[i].off;
        }
    }
    free(items);
    free(scratch);
    free(live);
    free(live_waste);
    return best < 0 ? 0 : best;
}

int pass_plan(ir_graph *g, diag *d)
{
    int i, k, dt;
    if (aliases(g) != 0) {
        diag_io(d, NULL, "out of memory");
        return -1;
    }
    for (i = 0; i < g->nt; i++) {
        ir_tensor *t = &g->t[i];
        t->first_use = 0;
        t->last_use = -1;
        t->offset = 0;
        if (t->kind == IR_T_INPUT) {
            t->storage = IR_ST_INPUT;
        } else if (t->kind == IR_T_CONST) {
            t->storage = IR_ST_CONST;
        } else {
            t->storage = IR_ST_ARENA;
        }
    }
    for (k = 0; k < g->n_outputs; k++) {
        ir_tensor *o = &g->t[ir_root(g, g->outputs[k])];
        o->storage = IR_ST_OUTPUT;
        o->out_index = k;
    }
    for (i = 0; i < g->nn; i++) {
        const ir_node *n = &g->n[i];
        int r = ir_root(g, n->output);
        if (g->t[n->output].alias_of < 0) {
            g->t[r].first_use = i;
        }
        if (g->t[r].last_use < i) {
            g->t[r].last_use = i;
        }
        for (k = 0; k < n->n_inputs; k++) {
            int ri = ir_root(g, n->inputs[k]);
            if (g->t[ri].last_use < i) {
                g->t[ri].last_use = i;
            }
        }
    }
    /* one arena per element type (no casts between pointer types in the
     * generated code), each planned on its own */
    for (dt = 0; dt < IR_DT_COUNT; dt++) {
        int64_t top = plan_arena(g, (ir_dtype)dt, &g->arena_lb[dt]);
        if (top < 0) {
            diag_io(d, NULL, "out of memory");
            return -1;
        }
        g->arena_n[dt] = top;
    }
    g->arena_elems = g->arena_n[IR_DT_F32];
    /* aliases inherit their root's storage and offset */
    for (i = 0; i < g->nt; i++) {
        if (g->t[i].alias_of >= 0) {
            int r = ir_root(g, i);
            g->t[i].storage = g->t[r].storage;
            g->t[i].out_index = g->t[r].out_index;
            g->t[i].offset = g->t[r].offset;
            g->t[i].first_use = g->t[r].first_use;
            g->t[i].last_use = g->t[r].last_use;
        }
    }
    /* the recurrent layers' state (README "Recurrent layers"): static,
     * kept between calls, 2 * B * H elements each ([h][c] or [h][work]),
     * and for a low-rank recurrence B * rank per projection of a step
     * (of h; of the GRU's work row too when linear_before_reset = 0) */
    for (dt = 0; dt < IR_DT_COUNT; dt++) {
        g->state_n[dt] = 0;
    }
    for (i = 0; i < g->nn; i++) {
        ir_node *n = &g->n[i];
        if (n->op == IR_OP_LSTM || n->op == IR_OP_GRU) {
            int64_t per = ir_rnn_state_count(g, n);
            /* float32, or int16 for an integer layer (int8 weights too) */
            ir_dtype sd = ir_rnn_state_dtype(n);
            n->state_off = g->state_n[sd];
            g->state_n[sd] += per;
            if (g->state_n[sd] > IR_MAX_ELEMS / 8) {
                diag_error(d, g->file, n->line, "the recurrent state would exceed 256 MiB");
                d->limits++;
                return -1;
            }
        }
    }
    if ((uint64_t)ir_arena_bytes(g) > 0x7fffffffULL) {
        diag_error(d, g->file, 0, "the activation arena would exceed 2 GiB");
        d->limits++;
        return -1;
    }
    g->planned = 1;
    return 0;
}

/* pass_plan: where every tensor lives.
 *
 * 1. Aliases. A reshape/flatten moves no data (tensors are flat, row-major):
 *    its output shares its input's storage. The one exception is a reshape
 *    that would make the model output share the model input or a constant;
 *    it stays a copy into the caller's output array.
 * 2. Storage. The model input is the caller's `in`, the tensor behind the
 *    model output is the caller's `out`, constants are const arrays, and
 *    every other tensor gets a place in the static arena.
 * 3. Liveness. An arena tensor is live from the node that writes it to the
 *    last node that reads it or any alias of it (inclusive), so a node's
 *    inputs and output never share memory.
 * 4. Offsets, greedily (the approach of TensorFlow Lite Micro's planner):
 *    tensors are placed largest first (ties: earlier first use, then lower
 *    index), each at the lowest offset, aligned to STOIC_ARENA_ALIGN
 *    elements, where it overlaps no already placed tensor live at the same
 *    time. The arena size is the highest end. This is not always optimal,
 *    but it is deterministic and never worse than the sum of all sizes.
 */
#include "pass.h"

#include <stdlib.h>
#include <string.h>

#define STOIC_ARENA_ALIGN 4 /* elements: 16 bytes of float */

typedef struct {
    int t;
    int64_t size;
} item;

static const ir_graph *sort_graph;

static int by_size(const void *a, const void *b)
{
    const item *x = a, *y = b;
    const ir_tensor *tx = &sort_graph->t[x->t], *ty = &sort_graph->t[y->t];
    if (x->size != y->size) {
        return x->size > y->size ? -1 : 1;
    }
    if (tx->first_use != ty->first_use) {
        return tx->first_use < ty->first_use ? -1 : 1;
    }
    return x->t < y->t ? -1 : (x->t > y->t ? 1 : 0);
}

static int64_t align_up(int64_t v)
{
    return (v + STOIC_ARENA_ALIGN - 1) / STOIC_ARENA_ALIGN * STOIC_ARENA_ALIGN;
}

static void aliases(ir_graph *g)
{
    int i;
    for (i = 0; i < g->nt; i++) {
        g->t[i].alias_of = -1;
    }
    for (i = 0; i < g->nn; i++) {
        const ir_node *n = &g->n[i];
        int r;
        if (n->op != IR_OP_RESHAPE) {
            continue;
        }
        r = ir_root(g, n->inputs[0]);
        if (n->output == g->output && g->t[r].kind != IR_T_ACT) {
            continue; /* copy into the caller's output */
        }
        g->t[n->output].alias_of = n->inputs[0];
    }
}

static int64_t place(ir_graph *g, item *items, int n_items)
{
    int i, j;
    int64_t top = 0;
    item *placed = malloc((size_t)(n_items + 1) * sizeof *placed);
    if (placed == NULL) {
        return -1;
    }
    if (n_items == 0) {
        free(placed);
        return 0;
    }
    sort_graph = g;
    qsort(items, (size_t)n_items, sizeof *items, by_size);
    for (i = 0; i < n_items; i++) {
        ir_tensor *t = &g->t[items[i].t];
        int n_conf = 0;
        int64_t off = 0;
        /* tensors placed so far that are live at the same time, by offset */
        for (j = 0; j < i; j++) {
            const ir_tensor *u = &g->t[items[j].t];
            if (u->first_use <= t->last_use && t->first_use <= u->last_use) {
                int k = n_conf++;
                while (k > 0 && g->t[placed[k - 1].t].offset > u->offset) {
                    placed[k] = placed[k - 1];
                    k--;
                }
                placed[k] = items[j];
            }
        }
        for (j = 0; j < n_conf; j++) {
            const ir_tensor *u = &g->t[placed[j].t];
            if (off + items[i].size <= u->offset) {
                break; /* fits in the gap before u */
            }
            if (u->offset + placed[j].size > off) {
                off = align_up(u->offset + placed[j].size);
            }
        }
        t->offset = off;
        if (off + items[i].size > top) {
            top = off + items[i].size;
        }
    }
    free(placed);
    return top;
}

int pass_plan(ir_graph *g, diag *d)
{
    int i, k, n_items = 0, rc, dt;
    item *items;
    aliases(g);
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
    g->t[ir_root(g, g->output)].storage = IR_ST_OUTPUT;
    for (i = 0; i < g->nn; i++) {
        const ir_node *n = &g->n[i];
        int r = ir_root(g, n->output);
        if (g->t[n->output].alias_of < 0) {
            g->t[r].first_use = i;
            if (g->t[r].last_use < i) {
                g->t[r].last_use = i;
            }
        }
        for (k = 0; k < n->n_inputs; k++) {
            int ri = ir_root(g, n->inputs[k]);
            if (g->t[ri].last_use < i) {
                g->t[ri].last_use = i;
            }
        }
    }
    items = malloc((size_t)(g->nt + 1) * sizeof *items);
    if (items == NULL) {
        diag_io(d, NULL, "out of memory");
        return -1;
    }
    /* one arena per element type (no casts between pointer types in the
     * generated code), each planned on its own */
    rc = 0;
    for (dt = 0; dt < IR_DT_COUNT; dt++) {
        int64_t top;
        n_items = 0;
        for (i = 0; i < g->nt; i++) {
            if (g->t[i].alias_of < 0 && g->t[i].storage == IR_ST_ARENA &&
                (int)g->t[i].dtype == dt) {
                items[n_items].t = i;
                items[n_items].size = ir_shape_count(&g->t[i].shape);
                n_items++;
            }
        }
        top = place(g, items, n_items);
        if (top < 0) {
            rc = -1;
        }
        g->arena_n[dt] = top < 0 ? 0 : top;
    }
    g->arena_elems = g->arena_n[IR_DT_F32];
    free(items);
    if (rc != 0) {
        diag_io(d, NULL, "out of memory");
        return -1;
    }
    /* aliases inherit their root's storage and offset */
    for (i = 0; i < g->nt; i++) {
        if (g->t[i].alias_of >= 0) {
            int r = ir_root(g, i);
            g->t[i].storage = g->t[r].storage;
            g->t[i].offset = g->t[r].offset;
            g->t[i].first_use = g->t[r].first_use;
            g->t[i].last_use = g->t[r].last_use;
        }
    }
    if ((uint64_t)ir_arena_bytes(g) > 0x7fffffffULL) {
        diag_error(d, g->file, 0, "the activation arena would exceed 2 GiB");
        return -1;
    }
    g->planned = 1;
    return 0;
}

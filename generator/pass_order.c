/* pass_order: put the nodes in an execution order.
 *
 * Kahn's algorithm, always taking the ready node that comes first in the
 * file, so the order is the file's order whenever that order is valid, and
 * deterministic otherwise. A layer whose output does not contribute to the
 * model output is dropped with a warning (it would be dead code on the ECU).
 */
#include "pass.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Follows unsorted producers from node i until one repeats: that node is
 * on a cycle. Reports the cycle with the layer names. */
static void report_cycle(ir_graph *g, diag *d, const int *done, int start)
{
    int *seen = calloc((size_t)g->nn, sizeof *seen);
    char path[1024];
    int i = start, step = 1, k, first;
    size_t used = 0;
    if (seen == NULL) {
        diag_error(d, g->file, g->n[start].line, "layer '%s' is part of a cycle", g->n[start].name);
        return;
    }
    while (seen[i] == 0) {
        int next = -1;
        seen[i] = step++;
        for (k = 0; k < g->n[i].n_inputs && next < 0; k++) {
            int p = g->t[g->n[i].inputs[k]].producer;
            if (p >= 0 && !done[p]) {
                next = p;
            }
        }
        if (next < 0) {
            break; /* cannot happen: an unsorted node has an unsorted producer */
        }
        i = next;
    }
    first = i;
    path[0] = '\0';
    k = first;
    do {
        int next = -1, j;
        used += (size_t)snprintf(path + used, used < sizeof path ? sizeof path - used : 0,
                                 "'%s' <- ", g->n[k].name);
        for (j = 0; j < g->n[k].n_inputs && next < 0; j++) {
            int p = g->t[g->n[k].inputs[j]].producer;
            if (p >= 0 && !done[p] && seen[p] != 0) {
                next = p;
            }
        }
        k = next;
    } while (k >= 0 && k != first && used < sizeof path);
    if (used < sizeof path) {
        snprintf(path + used, sizeof path - used, "'%s'", g->n[first].name);
    }
    diag_error(d, g->file, g->n[first].line, "layers form a cycle: %s (A <- B: A reads the output of B)", path);
    free(seen);
}

int pass_order(ir_graph *g, diag *d)
{
    int *done, *order, *needed, *stack;
    ir_node *sorted;
    int n = g->nn, count = 0, i, k, rc = 0, sp = 0;
    ir_link(g);
    done = calloc((size_t)n + 1, sizeof *done);
    order = calloc((size_t)n + 1, sizeof *order);
    needed = calloc((size_t)n + 1, sizeof *needed);
    stack = calloc((size_t)n + 1, sizeof *stack);
    sorted = calloc((size_t)n + 1, sizeof *sorted);
    if (done == NULL || order == NULL || needed == NULL || stack == NULL || sorted == NULL) {
        diag_io(d, NULL, "out of memory");
        rc = -1;
        goto out;
    }
    while (count < n) {
        int pick = -1;
        for (i = 0; i < n && pick < 0; i++) {
            int ready = !done[i];
            for (k = 0; k < g->n[i].n_inputs && ready; k++) {
                int p = g->t[g->n[i].inputs[k]].producer;
                if (p >= 0 && !done[p]) {
                    ready = 0;
                }
            }
            if (ready) {
                pick = i;
            }
        }
        if (pick < 0) {
            break;
        }
        done[pick] = 1;
        order[count++] = pick;
    }
    if (count < n) {
        for (i = 0; i < n; i++) {
            if (!done[i]) {
                report_cycle(g, d, done, i);
                break;
            }
        }
        rc = -1;
        goto out;
    }
    /* Which layers contribute to an output? Walk back from every one. */
    for (k = 0; k < g->n_outputs; k++) {
        int p = g->t[g->outputs[k]].producer;
        if (p >= 0 && !needed[p]) {
            stack[sp++] = p;
            needed[p] = 1;
        }
    }
    while (sp > 0) {
        int ni = stack[--sp];
        for (k = 0; k < g->n[ni].n_inputs; k++) {
            int p = g->t[g->n[ni].inputs[k]].producer;
            if (p >= 0 && !needed[p]) {
                needed[p] = 1;
                stack[sp++] = p;
            }
        }
    }
    for (i = 0; i < n; i++) {
        sorted[i] = g->n[order[i]];
        if (!needed[order[i]]) {
            diag_warning(d, g->file, sorted[i].line,
                         "layer '%s' does not contribute to the output%s '%s'%s; dropped",
                         sorted[i].name, g->n_outputs > 1 ? "s" : "", g->t[g->output].name,
                         g->n_outputs > 1 ? ", ..." : "");
            sorted[i].dead = 1;
        }
    }
    memcpy(g->n, sorted, (size_t)n * sizeof *sorted);
    if (ir_compact(g) != 0) {
        diag_io(d, NULL, "out of memory");
        rc = -1;
    }
out:
    free(done);
    free(order);
    free(needed);
    free(stack);
    free(sorted);
    return rc;
}

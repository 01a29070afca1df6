/* pass_permute: a transpose that only reorders what dense layers read
 * becomes a reordering of their weight columns, at build time.
 *
 * The pattern is the importer's NHWC -> NCHW transpose before an ONNX
 * Flatten (stoic computes channels last, ONNX flattens channels first):
 *
 *     x [H W C] -> transpose (2 0 1) -> [C H W] -> flatten -> [K] -> dense
 *
 * More generally: a chain of transposes and reshapes from a tensor x to a
 * tensor y of K = count(x) elements, each intermediate tensor read by the
 * next layer of the chain only, y read only by dense layers that each
 * compute one row (their input is y whole: K = in_n), y not the model
 * output, and at least one transpose in the chain. Element k of y is
 * element src[k] of x (the chain is a permutation of the flat index:
 * reshapes keep it, a transpose maps output coordinates to input ones).
 * Each dense layer's weight W [units K] becomes W'[u][src[k]] = W[u][k],
 * so that sum_k W[u][k] y[k] = sum_j W'[u][j] x[j]; the chain's last layer
 * becomes a reshape of x (an alias: no data moves) and the others are
 * dropped. The dense layers name the transposes and the dropped layers in
 * their "fused" list (a compression policy may still name them).
 *
 * Integer models: the products are the same and an integer sum does not
 * depend on the order, so int8/int16 results are bit for bit those of the
 * transpose. float32 adds the same products in another order (rounding
 * can differ in the last bits). The pass runs before compression, so
 * pruning, low-rank factors and the sparse form work on the reordered
 * weights, and channel pruning can follow channels through the flatten
 * (it refuses transposes).
 */
#include "pass.h"

#include <stdlib.h>
#include <string.h>

#define CHAIN_MAX 16

static int consumers_of(const ir_graph *g, int t, int *nodes, int max)
{
    int i, k, n = 0;
    for (i = 0; i < g->nn; i++) {
        const ir_node *nd = &g->n[i];
        if (nd->dead) {
            continue;
        }
        for (k = 0; k < nd->n_inputs; k++) {
            if (nd->inputs[k] == t) {
                if (n < max) {
                    nodes[n] = i;
                }
                n++;
            }
        }
        for (k = 0; k < IR_MAX_PARAMS; k++) {
            if (nd->params[k] == t) {
                n += max + 1; /* a constant operand: not this pattern */
            }
        }
    }
    return n;
}

/* Maps flat index k of node n's output to the flat index of its input. */
static int64_t back_index(const ir_graph *g, const ir_node *n, int64_t k)
{
    const ir_shape *is = &g->t[n->inputs[0]].shape, *os = &g->t[n->output].shape;
    int64_t oc[IR_MAX_RANK], ic[IR_MAX_RANK], src = 0;
    int a;
    if (n->op != IR_OP_TRANSPOSE) {
        return k;
    }
    for (a = os->rank - 1; a >= 0; a--) {
        oc[a] = k % os->d[a];
        k /= os->d[a];
    }
    for (a = 0; a < os->rank; a++) {
        ic[n->perm[a]] = oc[a];
    }
    for (a = 0; a < is->rank; a++) {
        src = src * is->d[a] + ic[a];
    }
    return src;
}

/* Tries the pattern ending at tensor y; 1 when folded, 0 when not, -1 on
 * an error. */
static int fold_at(ir_graph *g, int y, diag *d)
{
    int chain[CHAIN_MAX], n_chain = 0, dense[8], n_dense, k, any_transpose = 0, t = y;
    int64_t K = ir_shape_count(&g->t[y].shape), j;
    int64_t *src;
    float *w;
    if (ir_output_index(g, y) >= 0 || g->t[y].producer < 0) {
        return 0;
    }
    n_dense = consumers_of(g, y, dense, 8);
    if (n_dense < 1 || n_dense > 8) {
        return 0;
    }
    for (k = 0; k < n_dense; k++) {
        const ir_node *dn = &g->n[dense[k]];
        if (dn->op != IR_OP_DENSE || dn->sparse || dn->params[0] < 0 ||
            g->t[dn->params[0]].data == NULL || g->t[dn->params[0]].dtype != IR_DT_F32 ||
            (int64_t)g->t[y].shape.d[g->t[y].shape.rank - 1] != K ||
            ir_shape_count(&g->t[dn->params[0]].shape) != (int64_t)dn->units * K) {
            return 0;
        }
    }
    /* walk back over transposes and reshapes, each output read once */
    while (n_chain < CHAIN_MAX) {
        int p = g->t[t].producer, c1;
        if (p < 0 || g->n[p].dead ||
            (g->n[p].op != IR_OP_TRANSPOSE && g->n[p].op != IR_OP_RESHAPE)) {
            break;
        }
        if (t != y && (ir_output_index(g, t) >= 0 || consumers_of(g, t, &c1, 1) != 1)) {
            break;
        }
        chain[n_chain++] = p;
        any_transpose |= g->n[p].op == IR_OP_TRANSPOSE;
        t = g->n[p].inputs[0];
    }
    /* drop reshapes at the start of the chain (before the first transpose):
     * they stay as they are */
    while (n_chain > 0 && g->n[chain[n_chain - 1]].op == IR_OP_RESHAPE) {
        t = g->n[chain[n_chain - 1]].output;
        n_chain--;
    }
    if (!any_transpose || n_chain == 0) {
        return 0;
    }
    /* t: the chain's source x; chain[0] writes y, chain[n_chain - 1] reads x */
    src = malloc((size_t)K * sizeof *src);
    w = malloc((size_t)K * sizeof *w);
    if (src == NULL || w == NULL) {
        free(src);
        free(w);
        diag_io(d, NULL, "out of memory");
        return -1;
    }
    for (j = 0; j < K; j++) {
        int64_t s = j;
        for (k = 0; k < n_chain; k++) {
            s = back_index(g, &g->n[chain[k]], s);
        }
        src[j] = s;
    }
    for (k = 0; k < n_dense; k++) {
        ir_node *dn = &g->n[dense[k]];
        float *wd = g->t[dn->params[0]].data;
        int32_t u;
        int c;
        for (u = 0; u < dn->units; u++) {
            float *row = &wd[(int64_t)u * K];
            for (j = 0; j < K; j++) {
                w[src[j]] = row[j];
            }
            memcpy(row, w, (size_t)K * sizeof *w);
        }
        /* the transposes, and every layer of the chain that goes */
        for (c = n_chain - 1; c >= 0; c--) {
            if ((g->n[chain[c]].op == IR_OP_TRANSPOSE || c > 0) &&
                ir_node_append_fused(dn, g->n[chain[c]].name) != 0) {
                free(src);
                free(w);
                diag_io(d, NULL, "out of memory");
                return -1;
            }
        }
    }
    free(src);
    free(w);
    /* the last layer of the chain reshapes x into y; the others go */
    {
        ir_node *last = &g->n[chain[0]];
        const ir_shape *ys = &g->t[y].shape;
        last->op = IR_OP_RESHAPE;
        last->inputs[0] = t;
        last->new_rank = ys->rank;
        for (k = 0; k < ys->rank; k++) {
            last->new_shape[k] = ys->d[k];
        }
        for (k = 1; k < n_chain; k++) {
            g->n[chain[k]].dead = 1;
        }
    }
    ir_link(g);
    return 1;
}

int pass_permute(ir_graph *g, diag *d)
{
    int i;
    ir_link(g);
    for (i = 0; i < g->nn; i++) {
        ir_node *n = &g->n[i];
        if (n->dead || n->op != IR_OP_DENSE) {
            continue;
        }
        if (fold_at(g, n->inputs[0], d) < 0) {
            return -1;
        }
    }
    if (ir_compact(g) != 0) {
        diag_io(d, NULL, "out of memory");
        return -1;
    }
    return 0;
}

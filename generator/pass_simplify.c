/* pass_simplify: layers that move no data, or whose data movement another
 * layer can do for free, disappear before anything is planned, evaluated
 * or emitted (so the host evaluator and the generated code both lose
 * them). Each rule keeps the model's results bit for bit:
 *
 * 1. A transpose of a transpose whose output feeds nothing else is one
 *    transpose (perms composed); the first is dropped.
 * 2. A transpose that only moves axes of size 1 keeps the element order
 *    (e.g. [1 8 8] -> [8 8 1], the channels-first to channels-last change
 *    of a one-channel image; the identity perm is one): it becomes a
 *    reshape, which pass_plan turns into an alias.
 * 3. A pad whose pads are all zero, and a concat of one input, copy their
 *    input: they become reshapes too.
 * 4. A zero pad of the spatial axes only (value 0, the channel axis and,
 *    for conv1d, nothing else padded) whose output feeds only one conv2d /
 *    conv1d, or one avg_pool2d that counts padding (count_include_pad, or
 *    no pads of its own), is folded into that layer's pads: a conv's
 *    padding is zeros, an average that counts padding adds zeros and
 *    divides by the whole window, and the kernels skip padded taps, which
 *    add exactly 0 (float: x + 0 = x, the terms of the real cells are
 *    added in the same order). The pad layer is dropped and the consumer
 *    reads the pad's input. For a pool the combined pads must stay
 *    smaller than the kernel and its dilation be 1 (every window keeps a
 *    real cell, as pass_shape requires of any pool).
 *
 * 5. A reshape to its input's own shape (what rules 2 and 3 leave of an
 *    identity transpose or an all-zero pad) is bypassed: its readers read
 *    its input (so a pad behind it can fold, rule 4). It stays when it
 *    writes the model output.
 * A slice with steps (a strided gather) is none of these.
 * 6. A pad read only by a reshape that just moves axes of size 1 changes
 *    places with it (sink_pad), so that rule 4 can fold it.
 * 7. A crop (a pad whose pads are all <= 0, or an unstrided slice) whose
 *    only input is a transpose read by nothing else runs before it, on the
 *    transpose's input with its ranges moved to the matching axes
 *    (lift_crop): the transpose then moves fewer values, and a transpose
 *    back behind the crop merges with it (rule 1), often into an identity
 *    (rules 2 and 5). This is what an ONNX Gather of the last step does
 *    between the importer's channels-last transposes of a [B T H]
 *    recurrent output: two copies of the whole sequence become none.
 * The rules apply until none does. Dropped layers are named in the
 * "fused" list of the layers that absorbed them (rules 1, 4, 5);
 * rewritten ones keep their name and XML line.
 */
#include "pass.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void to_reshape(ir_graph *g, ir_node *n)
{
    const ir_shape *os = &g->t[n->output].shape;
    int k;
    n->op = IR_OP_RESHAPE;
    n->new_rank = os->rank;
    for (k = 0; k < os->rank; k++) {
        n->new_shape[k] = os->d[k];
    }
    n->n_inputs = 1;
}

/* the only node reading tensor t (not the model output), or -1 */
static int sole_consumer(const ir_graph *g, int t)
{
    int i, k, found = -1, count = 0;
    if (ir_output_index(g, t) >= 0) {
        return -1;
    }
    for (i = 0; i < g->nn; i++) {
        const ir_node *n = &g->n[i];
        if (n->dead) {
            continue;
        }
        for (k = 0; k < n->n_inputs; k++) {
            if (n->inputs[k] == t) {
                found = i;
                count++;
            }
        }
        for (k = 0; k < IR_MAX_PARAMS; k++) {
            if (n->params[k] == t) {
                count++;
            }
        }
    }
    return count == 1 ? found : -1;
}

static int keeps_order(const ir_graph *g, const ir_node *n)
{
    const ir_shape *is = &g->t[n->inputs[0]].shape;
    int k, last = -1;
    for (k = 0; k < n->n_perm; k++) {
        int ax = n->perm[k];
        if (is->d[ax] != 1) {
            if (ax < last) {
                return 0;
            }
            last = ax;
        }
    }
    return 1;
}

/* rule 1: n (a transpose) reads the output of transpose p, read by nothing
 * else: n becomes p's input permuted by the composition. */
static int merge_transposes(ir_graph *g, int ni, diag *d)
{
    ir_node *n = &g->n[ni];
    int p = g->t[n->inputs[0]].producer, k, perm[IR_MAX_RANK];
    ir_node *pn;
    if (p < 0 || g->n[p].dead || g->n[p].op != IR_OP_TRANSPOSE ||
        sole_consumer(g, n->inputs[0]) != ni) {
        return 0;
    }
    pn = &g->n[p];
    /* out[k] = mid[n.perm[k]] = in[p.perm[n.perm[k]]] */
    for (k = 0; k < n->n_perm; k++) {
        perm[k] = pn->perm[n->perm[k]];
    }
    memcpy(n->perm, perm, sizeof perm);
    n->inputs[0] = pn->inputs[0];
    if (ir_node_append_fused(n, pn->name) != 0) {
        diag_io(d, NULL, "out of memory");
        return -1;
    }
    pn->dead = 1;
    ir_link(g);
    return 1;
}

static int pad_is_zero(const ir_node *n)
{
    int k;
    for (k = 0; k < n->n_padn; k++) {
        if (n->padn[k] != 0) {
            return 0;
        }
    }
    return 1;
}

/* rule 4: the pad n, of value 0 on the spatial axes only, into its
 * consumer's pads */
static int fold_pad(ir_graph *g, int ni, diag *d)
{
    ir_node *n = &g->n[ni];
    const ir_shape *is = &g->t[n->inputs[0]].shape;
    int ci = sole_consumer(g, n->output), r = is->rank, k;
    int32_t add[4] = { 0, 0, 0, 0 }; /* top, left, bottom, right */
    ir_node *c;
    if (ci < 0 || n->value != 0.0F || n->n_padn != 2 * r) {
        return 0;
    }
    c = &g->n[ci];
    if (c->inputs[0] != n->output) {
        return 0;
    }
    for (k = 0; k < 2 * r; k++) {
        if (n->padn[k] < 0) {
            return 0; /* a slice (a crop): not padding */
        }
    }
    if ((c->op == IR_OP_CONV2D || c->op == IR_OP_AVGPOOL2D) && r == 3) {
        add[0] = n->padn[0];
        add[1] = n->padn[1];
        add[2] = n->padn[3];
        add[3] = n->padn[4];
        if (n->padn[2] != 0 || n->padn[5] != 0) {
            return 0;
        }
    } else if (c->op == IR_OP_CONV1D && r == 2) {
        add[1] = n->padn[0];
        add[3] = n->padn[2];
        if (n->padn[1] != 0 || n->padn[3] != 0) {
            return 0;
        }
    } else {
        return 0;
    }
    if (c->op == IR_OP_AVGPOOL2D) {
        int own = c->pads[0] != 0 || c->pads[1] != 0 || c->pads[2] != 0 || c->pads[3] != 0;
        if ((own && !c->count_include_pad) || c->dilations[0] != 1 || c->dilations[1] != 1) {
            return 0;
        }
        for (k = 0; k < 4; k++) {
            if ((int64_t)c->pads[k] + add[k] >= (int64_t)c->kernel[k % 2]) {
                return 0;
            }
        }
        c->count_include_pad = 1;
    }
    for (k = 0; k < 4; k++) {
        if ((int64_t)c->pads[k] + add[k] > 65536L) {
            return 0;
        }
    }
    for (k = 0; k < 4; k++) {
        c->pads[k] += add[k];
    }
    c->padding = IR_PAD_EXPLICIT;
    c->inputs[0] = n->inputs[0];
    if (ir_node_append_fused(c, n->name) != 0) {
        diag_io(d, NULL, "out of memory");
        return -1;
    }
    n->dead = 1;
    ir_link(g);
    return 1;
}

/* rule 5: a reshape to its input's own shape (what rules 2 and 3 leave of
 * an identity transpose or a zero pad) is bypassed: its readers read its
 * input and name it; kept when it writes the model output. */
static int bypass(ir_graph *g, int ni, diag *d)
{
    ir_node *n = &g->n[ni];
    int x = n->inputs[0], y = n->output, i, k;
    if (ir_output_index(g, y) >= 0 || !ir_shape_eq(&g->t[x].shape, &g->t[y].shape)) {
        return 0;
    }
    for (i = 0; i < g->nn; i++) {
        ir_node *c = &g->n[i];
        int reads = 0;
        if (c->dead) {
            continue;
        }
        for (k = 0; k < c->n_inputs; k++) {
            if (c->inputs[k] == y) {
                c->inputs[k] = x;
                reads = 1;
            }
        }
        if (reads && (ir_node_append_fused(c, n->name) != 0 ||
                      (n->fused != NULL && ir_node_append_fused(c, n->fused) != 0))) {
            diag_io(d, NULL, "out of memory");
            return -1;
        }
    }
    n->dead = 1;
    ir_link(g);
    return 1;
}

/* rule 6: a pad whose only reader is a reshape that keeps the element
 * order and only moves axes of size 1 (the channels-last change of a
 * one-channel image, [1 H W] -> [H W 1], that the importer puts between a
 * ZeroPad2d and its convolution) changes places with it: the reshape runs
 * on the unpadded input, the pad after it on the matching axes, so rule 4
 * can fold the pad into the convolution. The pad's output axes of size 1
 * must be unpadded; the other axes match in order and size. */
static int sink_pad(ir_graph *g, int ni, diag *d)
{
    ir_node *n = &g->n[ni], *c, tmp;
    int ci = sole_consumer(g, n->output), pa[IR_MAX_RANK], ra[IR_MAX_RANK], np = 0, nr = 0;
    int k, rp, rr, m;
    int32_t pads[2 * IR_MAX_RANK];
    ir_shape ps, rs, ms;
    char *name;
    if (ci < 0 || n->is_slice || g->n[ci].op != IR_OP_RESHAPE ||
        g->n[ci].inputs[0] != n->output) {
        return 0;
    }
    c = &g->n[ci];
    ps = g->t[n->output].shape;
    rs = g->t[c->output].shape;
    rp = ps.rank;
    rr = rs.rank;
    if (n->n_padn != 2 * rp) {
        return 0;
    }
    for (k = 0; k < rp; k++) {
        if (ps.d[k] != 1) {
            pa[np++] = k;
        } else if (n->padn[k] != 0 || n->padn[k + rp] != 0) {
            return 0;
        }
    }
    for (k = 0; k < rr; k++) {
        if (rs.d[k] != 1) {
            ra[nr++] = k;
        }
    }
    if (np != nr) {
        return 0;
    }
    ms = rs;
    for (k = 0; k < 2 * rr; k++) {
        pads[k] = 0;
    }
    for (k = 0; k < np; k++) {
        if (ps.d[pa[k]] != rs.d[ra[k]]) {
            return 0;
        }
        pads[ra[k]] = n->padn[pa[k]];
        pads[ra[k] + rr] = n->padn[pa[k] + rp];
        ms.d[ra[k]] = rs.d[ra[k]] - pads[ra[k]] - pads[ra[k] + rr];
    }
    /* the reshape's new output: the pad's input in the reshape's axes */
    name = malloc(strlen(g->t[n->output].name) + 8);
    if (name == NULL) {
        diag_io(d, NULL, "out of memory");
        return -1;
    }
    snprintf(name, strlen(g->t[n->output].name) + 8, "%s.unpad", g->t[n->output].name);
    m = ir_add_tensor(g, name, IR_T_ACT, g->t[n->output].line);
    free(name);
    if (m < 0) {
        diag_io(d, NULL, "out of memory");
        return -1;
    }
    n = &g->n[ni];
    c = &g->n[ci];
    g->t[m].shape = ms;
    g->t[m].dtype = g->t[n->output].dtype;
    c->inputs[0] = n->inputs[0];
    n->inputs[0] = m;
    n->output = c->output;
    c->output = m;
    c->new_rank = ms.rank;
    for (k = 0; k < ms.rank; k++) {
        c->new_shape[k] = ms.d[k];
    }
    n->n_padn = 2 * rr;
    for (k = 0; k < 2 * rr; k++) {
        n->padn[k] = pads[k];
    }
    /* the reshape now runs first: the two change places in the order */
    tmp = g->n[ni];
    g->n[ni] = g->n[ci];
    g->n[ci] = tmp;
    ir_link(g);
    return 1;
}

/* rule 7: the crop n reads the output of transpose p, read by nothing
 * else: n crops p's input (its ranges on axis perm[k] for axis k), p
 * transposes the cropped values. Tensor m, p's output, becomes the crop's
 * result in p's input axes. */
static int lift_crop(ir_graph *g, int ni)
{
    ir_node *n = &g->n[ni], *p, tmp;
    int pi = g->t[n->inputs[0]].producer, k, r, m;
    int32_t pads[2 * IR_MAX_RANK], lo[IR_MAX_RANK], hi[IR_MAX_RANK];
    ir_shape ms;
    if (pi < 0 || g->n[pi].dead || g->n[pi].op != IR_OP_TRANSPOSE ||
        sole_consumer(g, n->inputs[0]) != ni) {
        return 0;
    }
    p = &g->n[pi];
    m = n->inputs[0];
    r = g->t[m].shape.rank;
    if (n->n_padn != 2 * r || p->n_perm != r || (n->is_slice && n->n_slice != r)) {
        return 0;
    }
    for (k = 0; k < 2 * r; k++) {
        if (n->padn[k] > 0) {
            return 0;
        }
    }
    ms = g->t[p->inputs[0]].shape;
    for (k = 0; k < r; k++) {
        int a = p->perm[k];
        pads[a] = n->padn[k];
        pads[a + r] = n->padn[k + r];
        ms.d[a] = g->t[n->output].shape.d[k];
        lo[a] = n->slice_lo[k];
        hi[a] = n->slice_hi[k];
    }
    for (k = 0; k < 2 * r; k++) {
        n->padn[k] = pads[k];
    }
    if (n->is_slice) {
        for (k = 0; k < r; k++) {
            n->slice_lo[k] = lo[k];
            n->slice_hi[k] = hi[k]; /* the steps are all 1 */
        }
    }
    g->t[m].shape = ms;
    n->inputs[0] = p->inputs[0];
    p->inputs[0] = m;
    p->output = n->output;
    n->output = m;
    /* the crop now runs first: the two change places in the order */
    tmp = g->n[ni];
    g->n[ni] = g->n[pi];
    g->n[pi] = tmp;
    ir_link(g);
    return 1;
}

/* One sweep over the nodes; returns how many rules applied, or -1. */
static int sweep(ir_graph *g, diag *d)
{
    int i, rc, changed = 0;
    for (i = 0; i < g->nn; i++) {
        ir_node *n = &g->n[i];
        rc = 0;
        if (n->dead) {
            continue;
        }
        if (n->op == IR_OP_TRANSPOSE) {
            rc = merge_transposes(g, i, d);
            n = &g->n[i];
            if (rc >= 0 && keeps_order(g, n)) {
                to_reshape(g, n);
                rc = 1;
            }
        } else if (n->op == IR_OP_CONCAT && n->n_inputs == 1) {
            to_reshape(g, n);
            rc = 1;
        } else if (n->op == IR_OP_PAD && !ir_slice_strided(n)) {
            if (pad_is_zero(n)) {
                to_reshape(g, n);
                rc = 1;
            } else {
                rc = lift_crop(g, i);
                if (rc == 0) {
                    rc = fold_pad(g, i, d);
                }
                if (rc == 0) {
                    rc = sink_pad(g, i, d);
                }
            }
        } else if (n->op == IR_OP_RESHAPE) {
            rc = bypass(g, i, d);
        }
        if (rc < 0) {
            return -1;
        }
        changed += rc;
    }
    return changed;
}

int pass_simplify(ir_graph *g, diag *d)
{
    int rc;
    ir_link(g);
    /* every rule removes a node or turns one into a reshape: at most
     * 2 * nn sweeps change anything */
    do {
        rc = sweep(g, d);
    } while (rc > 0);
    if (rc < 0) {
        return -1;
    }
    if (ir_compact(g) != 0) {
        diag_io(d, NULL, "out of memory");
        return -1;
    }
    return 0;
}

/* pass_prune: magnitude pruning and structured channel pruning (prune.h).
 *
 * Magnitude pruning zeroes the smallest weights of one layer in place; the
 * shapes stay, the sparse form (pass_sparse) profits later.
 *
 * Channel pruning removes output channels of one layer and follows them
 * through the graph. It works in two phases so that a refusal leaves the
 * graph untouched:
 *
 * 1. Analysis. Every tensor the removal reaches gets a map over its last
 *    axis (the channel axis in NHWC; for a flattened tensor every element):
 *    entry j is the channel s of the pruned layer's output ("the space")
 *    that element j carries, or -1 for one it does not. Maps only grow
 *    (-1 -> s); a tensor whose map grows is visited again, forward (its
 *    consumers) and backward (its producer), until nothing changes:
 *      - forward through activations, pools, affine/batch_norm, a pad or a
 *        softmax off the channel axis, a depthwise conv (its filters
 *        follow), a reshape whose output's last axis still carries whole
 *        channels (flatten: element (h*W + w)*C + c carries channel c), a
 *        concat (along the channels at its offset, else all operands
 *        alike), and add/mul (all operands alike);
 *      - it stops at a dense or groups == 1 conv, which loses the matching
 *        input columns / input channels;
 *      - backward the same rules in reverse, ending at a dense or
 *        groups == 1 conv, whose output channels are then removed too (a
 *        "source"), or refusing at the model input.
 *    Transposes, softmax or pad on the channel axis, grouped convs,
 *    converts, reshapes that mix channels, and the model output refuse.
 * 2. Choice and edit. Channel s has the norm of its weight rows summed over
 *    all sources (and the pruned layer itself); the round(fraction * C)
 *    smallest go (ties: lower index first; at least one stays). Every new
 *    weight/bias/constant buffer is built first; only then is the graph
 *    edited (shapes, units/filters/groups, reshape shapes, parameters).
 */
#include "prune.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int is_weighted(ir_op op)
{
    return op == IR_OP_DENSE || op == IR_OP_CONV2D || op == IR_OP_CONV1D;
}

/* The float weight tensor of a dense/conv node, or NULL. */
static const ir_tensor *weight_of(const ir_graph *g, int ni)
{
    const ir_node *n;
    const ir_tensor *w;
    if (g == NULL || ni < 0 || ni >= g->nn) {
        return NULL;
    }
    n = &g->n[ni];
    if (n->dead || !is_weighted(n->op) || n->params[0] < 0 || n->sparse) {
        return NULL;
    }
    w = &g->t[n->params[0]];
    if (w->dtype != IR_DT_F32 || w->data == NULL) {
        return NULL;
    }
    return w;
}

/* ---------------------------------------------------------------- magnitude */

static const float *sort_w;

static int by_magnitude(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    float fx = fabsf(sort_w[x]), fy = fabsf(sort_w[y]);
    if (fx != fy) {
        return fx < fy ? -1 : 1;
    }
    return x < y ? -1 : (x > y ? 1 : 0);
}

int64_t prune_magnitude(ir_graph *g, int ni, double sparsity)
{
    const ir_tensor *wt = weight_of(g, ni);
    float *w;
    int64_t count, k, j, zeros = 0;
    int64_t *idx;
    if (wt == NULL || !(sparsity >= 0.0 && sparsity <= 1.0)) {
        return -1;
    }
    w = wt->data;
    count = ir_shape_count(&wt->shape);
    k = (int64_t)floor(sparsity * (double)count + 0.5);
    if (k > count) {
        k = count;
    }
    idx = malloc((size_t)(count + 1) * sizeof *idx);
    if (idx == NULL) {
        return -1;
    }
    for (j = 0; j < count; j++) {
        idx[j] = j;
    }
    sort_w = w;
    qsort(idx, (size_t)count, sizeof *idx, by_magnitude);
    sort_w = NULL;
    for (j = 0; j < k; j++) {
        w[idx[j]] = 0.0F;
    }
    free(idx);
    for (j = 0; j < count; j++) {
        zeros += w[j] == 0.0F;
    }
    g->n[ni].sparsity = count > 0 ? (double)zeros / (double)count : 0.0;
    return k;
}

int64_t prune_mask(const ir_graph *g, int ni, unsigned char *keep)
{
    const ir_tensor *wt = weight_of(g, ni);
    int64_t count, j, kept = 0;
    if (wt == NULL || keep == NULL) {
        return -1;
    }
    count = ir_shape_count(&wt->shape);
    for (j = 0; j < count; j++) {
        keep[j] = wt->data[j] != 0.0F;
        kept += keep[j];
    }
    return kept;
}

/* ------------------------------------------------------------------ channels */

int prune_channels(ir_graph *g, int ni, double fraction, int norm, diag *d)
{
    (void)fraction;
    (void)norm;
    diag_error(d, g->file, ni >= 0 && ni < g->nn ? g->n[ni].line : 0,
               "channel pruning is not implemented yet");
    return -1;
}

/* pass_shape: infer the shape of every tensor, in execution order, and
 * check each layer's attributes and weights against its input shapes.
 * Resolves padding="same"/"valid" into explicit pads (top, left, bottom,
 * right) and negative axes into non-negative ones, so later passes and the
 * kernels see one form only. */
#include "pass.h"

#include "ckd.h"

#include <stdio.h>
#include <string.h>

typedef struct {
    ir_graph *g;
    diag *d;
    const ir_node *n;
} ctx;

static const ir_shape *in_shape(const ctx *c, int k)
{
    return &c->g->t[c->n->inputs[k]].shape;
}

static int err_rank(const ctx *c, const char *what)
{
    char sh[64];
    ir_shape_str(in_shape(c, 0), sh, sizeof sh);
    diag_error(c->d, c->g->file, c->n->line, "%s '%s': input '%s' has shape %s, expected %s",
               c->n->xml_op, c->n->name, c->g->t[c->n->inputs[0]].name, sh, what);
    return -1;
}

/* Checks a param's shape; "expected" is built by the caller. */
static int check_param(const ctx *c, int role, const char *pname, const ir_shape *want)
{
    int ti = c->n->params[role];
    char have[64], exp[64];
    if (ti < 0 || (role == 0 && c->n->sparse)) {
        return 0; /* a sparse layer's weight is its kept entries (pass_sparse) */
    }
    if (ir_shape_eq(&c->g->t[ti].shape, want)) {
        return 0;
    }
    ir_shape_str(&c->g->t[ti].shape, have, sizeof have);
    ir_shape_str(want, exp, sizeof exp);
    diag_error(c->d, c->g->file, c->g->t[ti].line,
               "%s '%s': param '%s' has shape %s, but the layer needs %s", c->n->xml_op,
               c->n->name, pname, have, exp);
    return -1;
}

static ir_shape shape1(int32_t a)
{
    ir_shape s;
    memset(&s, 0, sizeof s);
    s.rank = 1;
    s.d[0] = a;
    return s;
}

/* Output size of one spatial axis; resolves pads for "same"/"valid". */
static int spatial(const ctx *c, ir_node *n, int axis, int32_t in, int32_t *out)
{
    int32_t k = n->kernel[axis], s = n->strides[axis], dl = n->dilations[axis];
    int64_t eff = (int64_t)(k - 1) * dl + 1;
    int64_t o;
    int32_t *before = &n->pads[axis], *after = &n->pads[axis + 2];
    if (n->padding == IR_PAD_SAME) {
        int64_t want = ((int64_t)in + s - 1) / s;
        int64_t total = (want - 1) * s + eff - in;
        if (total < 0) {
            total = 0;
        }
        *before = (int32_t)(total / 2);
        *after = (int32_t)(total - total / 2);
    } else if (n->padding == IR_PAD_VALID) {
        *before = 0;
        *after = 0;
    }
    if ((n->op == IR_OP_MAXPOOL2D || n->op == IR_OP_AVGPOOL2D) &&
        (*before >= k || *after >= k)) {
        diag_error(c->d, c->g->file, n->line,
                   "%s '%s': pads (%ld, %ld) must be smaller than the kernel (%ld)", n->xml_op,
                   n->name, (long)*before, (long)*after, (long)k);
        return -1;
    }
    if ((int64_t)in + *before + *after < eff) {
        diag_error(c->d, c->g->file, n->line,
                   "%s '%s': window of %lld exceeds the padded input of %lld", n->xml_op, n->name,
                   (long long)eff, (long long)((int64_t)in + *before + *after));
        return -1;
    }
    o = ((int64_t)in + *before + *after - eff) / s + 1;
    if (n->op == IR_OP_MAXPOOL2D || n->op == IR_OP_AVGPOOL2D) {
        /* every window must hold a real cell (with dilation, one can fall
         * between the cells of the input): the first tap t at or after
         * position 0, found in O(1) per window (not a loop over the taps:
         * a crafted window of millions would take hours) */
        int64_t i;
        for (i = 0; i < o; i++) {
            int64_t start = i * s - *before;
            int64_t t = start >= 0 ? 0 : (-start + dl - 1) / dl;
            int real = t < k && start + t * dl < in;
            if (!real) {
                diag_error(c->d, c->g->file, n->line,
                           "%s '%s': output %lld of axis %d pools only padding", n->xml_op,
                           n->name, (long long)i, axis);
                return -1;
            }
        }
    }
    *out = (int32_t)o;
    return 0;
}

static int conv_shape(const ctx *c, ir_node *n, ir_shape *out)
{
    const ir_shape *is = in_shape(c, 0);
    int one_d = n->op == IR_OP_CONV1D;
    int32_t h, w, cin, oh = 1, ow = 1;
    ir_shape ws;
    int rc = 0;
    if (is->rank != (one_d ? 2 : 3)) {
        return err_rank(c, one_d ? "[L C]" : "[H W C]");
    }
    h = one_d ? 1 : is->d[0];
    w = is->d[one_d ? 0 : 1];
    cin = is->d[is->rank - 1];
    if (cin % n->groups != 0 || n->filters % n->groups != 0) {
        diag_error(c->d, c->g->file, n->line,
                   "%s '%s': groups=%ld must divide the input channels (%ld) and filters (%ld)",
                   n->xml_op, n->name, (long)n->groups, (long)cin, (long)n->filters);
        return -1;
    }
    memset(&ws, 0, sizeof ws);
    if (one_d) {
        ws.rank = 3;
        ws.d[0] = n->filters;
        ws.d[1] = n->kernel[1];
        ws.d[2] = cin / n->groups;
    } else {
        ws.rank = 4;
        ws.d[0] = n->filters;
        ws.d[1] = n->kernel[0];
        ws.d[2] = n->kernel[1];
        ws.d[3] = cin / n->groups;
    }
    rc |= check_param(c, 0, "weight", &ws);
    ws = shape1(n->filters);
    rc |= check_param(c, 1, "bias", &ws);
    if (rc != 0) {
        return -1;
    }
    if (spatial(c, n, 0, h, &oh) != 0 || spatial(c, n, 1, w, &ow) != 0) {
        return -1;
    }
    memset(out, 0, sizeof *out);
    if (one_d) {
        out->rank = 2;
        out->d[0] = ow;
        out->d[1] = n->filters;
    } else {
        out->rank = 3;
        out->d[0] = oh;
        out->d[1] = ow;
        out->d[2] = n->filters;
    }
    return 0;
}

/* conv_transpose2d / conv_transpose1d: weight [C kh kw filters/groups],
 * out = (in - 1) * s - begin - end + d * (k - 1) + 1 + output_padding */
static int convt_shape(const ctx *c, ir_node *n, ir_shape *out)
{
    const ir_shape *is = in_shape(c, 0);
    int one_d = n->op == IR_OP_CONVT1D, ax;
    int32_t cin, o[2] = { 1, 1 };
    ir_shape ws;
    int rc = 0;
    if (is->rank != (one_d ? 2 : 3)) {
        return err_rank(c, one_d ? "[L C]" : "[H W C]");
    }
    cin = is->d[is->rank - 1];
    if (cin % n->groups != 0 || n->filters % n->groups != 0) {
        diag_error(c->d, c->g->file, n->line,
                   "%s '%s': groups=%ld must divide the input channels (%ld) and filters (%ld)",
                   n->xml_op, n->name, (long)n->groups, (long)cin, (long)n->filters);
        return -1;
    }
    memset(&ws, 0, sizeof ws);
    ws.rank = one_d ? 3 : 4;
    ws.d[0] = cin;
    if (one_d) {
        ws.d[1] = n->kernel[1];
    } else {
        ws.d[1] = n->kernel[0];
        ws.d[2] = n->kernel[1];
    }
    ws.d[ws.rank - 1] = n->filters / n->groups;
    rc |= check_param(c, 0, "weight", &ws);
    ws = shape1(n->filters);
    rc |= check_param(c, 1, "bias", &ws);
    if (rc != 0) {
        return -1;
    }
    for (ax = one_d ? 1 : 0; ax < 2; ax++) {
        int32_t in = one_d ? is->d[0] : is->d[ax];
        /* every factor is at most 2^24 (schema and loader): no overflow */
        int64_t v = (int64_t)(in - 1) * n->strides[ax] - n->pads[ax] - n->pads[ax + 2] +
                    (int64_t)(n->kernel[ax] - 1) * n->dilations[ax] + 1 + n->out_pad[ax];
        if (n->strides[ax] < 1 || n->dilations[ax] < 1 || n->kernel[ax] < 1 ||
            n->out_pad[ax] < 0 || n->pads[ax] < 0 || n->pads[ax + 2] < 0) {
            diag_error(c->d, c->g->file, n->line,
                       "%s '%s': kernel, strides and dilations must be positive, pads and "
                       "output_padding not negative", n->xml_op, n->name);
            return -1;
        }
        if (v < 1 || v > IR_MAX_ELEMS) {
            diag_error(c->d, c->g->file, n->line,
                       "%s '%s': axis %d: output size %lld is not positive (pads %ld %ld "
                       "remove more than the %lld values the layer makes)",
                       n->xml_op, n->name, one_d ? 0 : ax, (long long)v, (long)n->pads[ax],
                       (long)n->pads[ax + 2], (long long)(v + n->pads[ax] + n->pads[ax + 2]));
            return -1;
        }
        o[ax] = (int32_t)v;
    }
    memset(out, 0, sizeof *out);
    if (one_d) {
        out->rank = 2;
        out->d[0] = o[1];
        out->d[1] = n->filters;
    } else {
        out->rank = 3;
        out->d[0] = o[0];
        out->d[1] = o[1];
        out->d[2] = n->filters;
    }
    return 0;
}

static int binary_shape(const ctx *c, ir_node *n, ir_shape *out)
{
    const ir_shape *a = in_shape(c, 0), *b = in_shape(c, 1);
    char sa[64], sb[64];
    if (ir_shape_eq(a, b)) {
        *out = *a;
        return 0;
    }
    if (b->rank == 1 && b->d[0] == a->d[a->rank - 1]) {
        *out = *a;
        return 0;
    }
    if (a->rank == 1 && a->d[0] == b->d[b->rank - 1]) {
        int t = n->inputs[0]; /* commutative: the broadcast operand goes second */
        n->inputs[0] = n->inputs[1];
        n->inputs[1] = t;
        *out = *b;
        return 0;
    }
    ir_shape_str(a, sa, sizeof sa);
    ir_shape_str(b, sb, sizeof sb);
    diag_error(c->d, c->g->file, n->line,
               "%s '%s': input shapes %s and %s are not compatible (same shape, or [C] with C "
               "the other's last dimension)",
               n->xml_op, n->name, sa, sb);
    return -1;
}

static int norm_axis(const ctx *c, ir_node *n, int rank)
{
    int ax = n->axis < 0 ? n->axis + rank : n->axis;
    if (ax < 0 || ax >= rank) {
        diag_error(c->d, c->g->file, n->line, "%s '%s': axis %d is out of range for rank %d",
                   n->xml_op, n->name, n->axis, rank);
        return -1;
    }
    n->axis = ax;
    return 0;
}

static int concat_shape(const ctx *c, ir_node *n, ir_shape *out)
{
    const ir_shape *a = in_shape(c, 0);
    int k, j;
    int64_t sum = 0;
    if (norm_axis(c, n, a->rank) != 0) {
        return -1;
    }
    for (k = 0; k < n->n_inputs; k++) {
        const ir_shape *b = in_shape(c, k);
        int ok = b->rank == a->rank;
        for (j = 0; j < a->rank && ok; j++) {
            if (j != n->axis && b->d[j] != a->d[j]) {
                ok = 0;
            }
        }
        if (!ok) {
            char sa[64], sb[64];
            ir_shape_str(a, sa, sizeof sa);
            ir_shape_str(b, sb, sizeof sb);
            diag_error(c->d, c->g->file, n->line,
                       "concat '%s': input '%s' has shape %s, not matching %s except on axis %d",
                       n->name, c->g->t[n->inputs[k]].name, sb, sa, n->axis);
            return -1;
        }
        sum += b->d[n->axis];
    }
    if (sum > 16777216L) {
        diag_error(c->d, c->g->file, n->line, "concat '%s': result too large", n->name);
        return -1;
    }
    *out = *a;
    out->d[n->axis] = (int32_t)sum;
    return 0;
}

static int reshape_shape(const ctx *c, ir_node *n, ir_shape *out)
{
    int64_t total = ir_shape_count(in_shape(c, 0)), known = 1;
    int k, neg = -1;
    memset(out, 0, sizeof *out);
    out->rank = n->new_rank;
    for (k = 0; k < n->new_rank; k++) {
        if (n->new_shape[k] < 0) {
            neg = k;
        } else {
            if (ckd_mul_i64(&known, known, n->new_shape[k]) || known > IR_MAX_ELEMS) {
                known = IR_COUNT_TOO_LARGE; /* never equal to a valid total */
            }
            out->d[k] = n->new_shape[k];
        }
    }
    if (neg >= 0 && known > 0 && known <= IR_MAX_ELEMS && total % known == 0 &&
        total / known <= 16777216L) {
        out->d[neg] = (int32_t)(total / known);
        known *= out->d[neg]; /* = total */
    }
    if (known != total) {
        char sa[64];
        ir_shape_str(in_shape(c, 0), sa, sizeof sa);
        diag_error(c->d, c->g->file, n->line,
                   "%s '%s': cannot reshape %s (%lld elements) to the requested shape", n->xml_op,
                   n->name, sa, (long long)total);
        return -1;
    }
    return 0;
}

static int pad_shape(const ctx *c, ir_node *n, ir_shape *out)
{
    const ir_shape *a = in_shape(c, 0);
    int k;
    if (n->is_slice) {
        /* the kept range of each axis as a crop: pads -start, end - dim */
        if (n->n_slice != a->rank) {
            diag_error(c->d, c->g->file, n->line,
                       "slice '%s': %d starts and ends, the input of rank %d needs %d", n->name,
                       n->n_slice, a->rank, a->rank);
            return -1;
        }
        for (k = 0; k < a->rank; k++) {
            if (n->slice_hi[k] > a->d[k]) {
                diag_error(c->d, c->g->file, n->line,
                           "slice '%s': axis %d ends at %ld, beyond its %ld values", n->name, k,
                           (long)n->slice_hi[k], (long)a->d[k]);
                return -1;
            }
            n->padn[k] = -n->slice_lo[k];
            n->padn[k + a->rank] = n->slice_hi[k] - a->d[k];
        }
        n->n_padn = 2 * a->rank;
        if (ir_slice_strided(n)) {
            /* every |step|-th value of [lo, hi): ceil((hi - lo) / |step|) */
            *out = *a;
            for (k = 0; k < a->rank; k++) {
                int64_t len = (int64_t)n->slice_hi[k] - n->slice_lo[k];
                int64_t st = n->slice_step[k] < 0 ? -(int64_t)n->slice_step[k]
                                                  : (int64_t)n->slice_step[k];
                out->d[k] = (int32_t)((len + st - 1) / st);
            }
            return 0;
        }
    }
    if (n->n_padn != 2 * a->rank) {
        diag_error(c->d, c->g->file, n->line,
                   "pad '%s': pads has %d values, the input of rank %d needs %d", n->name,
                   n->n_padn, a->rank, 2 * a->rank);
        return -1;
    }
    *out = *a;
    for (k = 0; k < a->rank; k++) {
        int64_t v = (int64_t)a->d[k] + n->padn[k] + n->padn[k + a->rank];
        if (v > 16777216L) {
            diag_error(c->d, c->g->file, n->line, "pad '%s': result too large", n->name);
            return -1;
        }
        out->d[k] = (int32_t)v;
    }
    return 0;
}

static int transpose_shape(const ctx *c, ir_node *n, ir_shape *out)
{
    const ir_shape *a = in_shape(c, 0);
    int seen[IR_MAX_RANK] = { 0, 0, 0, 0 };
    int k, ok = n->n_perm == a->rank;
    for (k = 0; k < n->n_perm && ok; k++) {
        if (n->perm[k] < 0 || n->perm[k] >= a->rank || seen[n->perm[k]]) {
            ok = 0;
        } else {
            seen[n->perm[k]] = 1;
        }
    }
    if (!ok) {
        diag_error(c->d, c->g->file, n->line,
                   "transpose '%s': perm must be a permutation of the %d axes of its input",
                   n->name, a->rank);
        return -1;
    }
    *out = *a;
    for (k = 0; k < a->rank; k++) {
        out->d[k] = a->d[n->perm[k]];
    }
    return 0;
}

static int node_shape(const ctx *c, ir_node *n, ir_shape *out)
{
    const ir_shape *a = in_shape(c, 0);
    ir_shape ws;
    int rc = 0;
    switch (n->op) {
    case IR_OP_DENSE: {
        int32_t k = a->d[a->rank - 1];
        memset(&ws, 0, sizeof ws);
        ws.rank = 2;
        ws.d[0] = n->units;
        ws.d[1] = k;
        rc |= check_param(c, 0, "weight", &ws);
        ws = shape1(n->units);
        rc |= check_param(c, 1, "bias", &ws);
        *out = *a;
        out->d[a->rank - 1] = n->units;
        return rc;
    }
    case IR_OP_CONV2D:
    case IR_OP_CONV1D:
        return conv_shape(c, n, out);
    case IR_OP_MAXPOOL2D:
    case IR_OP_AVGPOOL2D: {
        int32_t oh, ow;
        if (a->rank != 3) {
            return err_rank(c, "[H W C]");
        }
        if (spatial(c, n, 0, a->d[0], &oh) != 0 || spatial(c, n, 1, a->d[1], &ow) != 0) {
            return -1;
        }
        *out = *a;
        out->d[0] = oh;
        out->d[1] = ow;
        return 0;
    }
    case IR_OP_GAVGPOOL:
        /* [H W C] -> [1 1 C]; one-dimensional: [L C] -> [1 C] */
        if (a->rank != 3 && a->rank != 2) {
            return err_rank(c, "[H W C] or [L C]");
        }
        *out = *a;
        out->d[0] = 1;
        if (a->rank == 3) {
            out->d[1] = 1;
        }
        return 0;
    case IR_OP_ACTIVATION:
    case IR_OP_AFFINE:
    case IR_OP_CONVERT: /* the streaming step graph of an integer model (step.c) */
        *out = *a;
        return 0;
    case IR_OP_SOFTMAX:
        *out = *a;
        return norm_axis(c, n, a->rank);
    case IR_OP_ADD:
    case IR_OP_MUL:
        return binary_shape(c, n, out);
    case IR_OP_CONCAT:
        return concat_shape(c, n, out);
    case IR_OP_RESHAPE:
        return reshape_shape(c, n, out);
    case IR_OP_PAD:
        return pad_shape(c, n, out);
    case IR_OP_TRANSPOSE:
        return transpose_shape(c, n, out);
    case IR_OP_CONVT2D:
    case IR_OP_CONVT1D:
        return convt_shape(c, n, out);
    case IR_OP_RESIZE: {
        /* [H W C] -> [size0 size1 C]; one-dimensional: [L C] -> [size0 C] */
        int k;
        if (a->rank != n->rs_n + 1) {
            diag_error(c->d, c->g->file, n->line,
                       "resize '%s': %d output size(s) given for an input of shape rank %d "
                       "(one per spatial axis: [H W C] takes 2, [L C] 1)", n->name, n->rs_n,
                       a->rank);
            return -1;
        }
        *out = *a;
        for (k = 0; k < n->rs_n; k++) {
            out->d[k] = n->rs_size[k];
        }
        return 0;
    }
    case IR_OP_LSTM:
    case IR_OP_GRU: {
        /* [T I] -> [T H]; [T B I] -> [T B H] (B independent sequences) */
        int32_t gates = n->op == IR_OP_LSTM ? 4 : 3, hid = n->units;
        if (a->rank != 2 && a->rank != 3) {
            return err_rank(c, "[T I] (steps, inputs) or [T B I] (steps, sequences, inputs)");
        }
        memset(&ws, 0, sizeof ws);
        ws.rank = 2;
        ws.d[0] = gates * hid;
        ws.d[1] = a->d[a->rank - 1];
        rc |= check_param(c, 0, "weight", &ws);
        ws.d[1] = n->rnn_rank > 0 ? n->rnn_rank : hid;
        rc |= check_param(c, 1, "recurrence", &ws);
        if (n->rnn_rank > 0) { /* the projection of a low-rank recurrence */
            ws.d[0] = n->rnn_rank;
            ws.d[1] = hid;
            rc |= check_param(c, 6, "projection", &ws);
        }
        ws = shape1(2 * gates * hid);
        rc |= check_param(c, 2, "bias", &ws);
        memset(&ws, 0, sizeof ws);
        ws.rank = a->rank;
        ws.d[0] = n->op == IR_OP_LSTM ? 2 : 1;
        ws.d[1] = a->rank == 3 ? a->d[1] : hid;
        ws.d[2] = hid;
        rc |= check_param(c, 3, "initial_state", &ws);
        *out = *a;
        out->d[a->rank - 1] = hid;
        return rc;
    }
    case IR_OP_BATCHNORM:
        ws = shape1(a->d[a->rank - 1]);
        rc |= check_param(c, 0, "scale", &ws);
        rc |= check_param(c, 1, "bias", &ws);
        rc |= check_param(c, 2, "mean", &ws);
        rc |= check_param(c, 3, "var", &ws);
        *out = *a;
        return rc;
    default:
        diag_io(c->d, c->g->file, "internal error: no shape rule for op %d", (int)n->op);
        return -1;
    }
}

int pass_shape(ir_graph *g, diag *d)
{
    int i, rc = 0;
    ctx c;
    c.g = g;
    c.d = d;
    for (i = 0; i < g->nn; i++) {
        ir_node *n = &g->n[i];
        ir_shape out;
        memset(&out, 0, sizeof out);
        c.n = n;
        if (node_shape(&c, n, &out) != 0) {
            rc = -1;
            break; /* later shapes depend on this one */
        }
        if (ir_shape_count(&out) > IR_MAX_ELEMS) {
            diag_error(d, g->file, n->line, "%s '%s': output has too many elements", n->xml_op,
                       n->name);
            rc = -1;
            break;
        }
        g->t[n->output].shape = out;
    }
    return rc;
}

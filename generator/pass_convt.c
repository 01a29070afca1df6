/* pass_convt: a transposed convolution (conv_transpose2d, conv_transpose1d)
 * becomes layers stoic already has, so it gets everything a convolution
 * has (the constant-path kernels, quantization with proved accumulator
 * bounds, pruning, low rank, the cost model, the report) and no new run
 * path code.
 *
 * A transposed convolution with stride s, dilation d, kernel k, pads
 * (b, e) and output_padding op is, per spatial axis: s - 1 zeros inserted
 * between the input's samples, b' = d (k - 1) - b zeros before and
 * e' = d (k - 1) - e + op after, then an ordinary convolution with stride
 * 1 and dilation d whose kernel is the transposed one flipped in space,
 * with its input and output channels swapped within each group:
 *
 *     conv weight [f][y][x][i] = weight [g C/G + i][kh-1-y][kw-1-x][f - g F/G]
 *     (g = f / (F/G), the group of output channel f)
 *
 * The zeros go in with the pad kernel: the input [H W C] seen as
 * [H 1 W C] (a reshape, an alias: no copy) padded by s_h - 1 after the
 * unit axis gives [H s_h W C], which is [H s_h, W, C] with every input row
 * followed by s_h - 1 zero rows; likewise the columns through
 * [H s_h, W, 1, C]. In integer the pad value is the zero point, so the
 * inserted zeros are exact. b' and e' (less the s - 1 zero rows or columns
 * the insertion leaves after the last sample) become the convolution's
 * pads when none is negative, else a pad layer before it that crops
 * (negative pads) and pads.
 *
 * The layers made are named after the transposed convolution (NAME.rows,
 * NAME.cols, NAME.pad, and the reshapes NAME.rows_in, NAME.rows_out, ...),
 * carry its XML element and line, and the convolution keeps its name,
 * bias, activation and weight tensor (rewritten in the conv layout), so
 * --dump-ir and the report trace each back to the layer.
 *
 * Cost: the convolution runs over the zeros too, s_h s_w times the MACs of
 * a direct transposed convolution (README, known limitations), except
 * when the kernel equals the stride (expand_d2s: a 1x1 convolution and a
 * depth-to-space, no zeros).
 */
#include "pass.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int oom(diag *d)
{
    diag_io(d, NULL, "out of memory");
    return -1;
}

/* A new activation tensor named "LAYER.suffix" of shape s; -1 on error. */
static int new_tensor(ir_graph *g, diag *d, int ni, const char *suffix, const ir_shape *s)
{
    char name[512];
    int t;
    snprintf(name, sizeof name, "%s.%s", g->n[ni].name, suffix);
    if (ir_find_tensor(g, name) >= 0) {
        diag_error(d, g->file, g->n[ni].line,
                   "%s '%s': cannot expand: a tensor '%s' already exists", g->n[ni].xml_op,
                   g->n[ni].name, name);
        return -1;
    }
    t = ir_add_tensor(g, name, IR_T_ACT, g->n[ni].line);
    if (t < 0) {
        return oom(d);
    }
    g->t[t].shape = *s;
    return t;
}

/* A new one-input node named "LAYER.suffix" reading in, writing a new
 * tensor of the same name and shape s; returns the node, -1 on error. */
static int new_node_to(ir_graph *g, diag *d, int ni, ir_op op, const char *suffix, int in,
                       const ir_shape *s, int out)
{
    char name[512];
    int t = out >= 0 ? out : new_tensor(g, d, ni, suffix, s), nn;
    ir_node *n;
    if (t < 0) {
        return -1;
    }
    snprintf(name, sizeof name, "%s.%s", g->n[ni].name, suffix);
    nn = ir_add_node(g, op, name, g->n[ni].xml_op, g->n[ni].line);
    if (nn < 0) {
        return oom(d);
    }
    n = &g->n[nn];
    n->inputs = malloc(sizeof(int));
    if (n->inputs == NULL) {
        return oom(d);
    }
    n->inputs[0] = in;
    n->n_inputs = 1;
    n->output = t;
    n->target = g->n[ni].target;
    n->prec = g->n[ni].prec;
    if (op == IR_OP_RESHAPE) {
        int k;
        n->new_rank = s->rank;
        for (k = 0; k < s->rank; k++) {
            n->new_shape[k] = s->d[k];
        }
    }
    return nn;
}

static int new_node(ir_graph *g, diag *d, int ni, ir_op op, const char *suffix, int in,
                    const ir_shape *s)
{
    return new_node_to(g, d, ni, op, suffix, in, s, -1);
}

static ir_shape mk_shape(int rank, int32_t a, int32_t b, int32_t c, int32_t e)
{
    ir_shape s;
    memset(&s, 0, sizeof s);
    s.rank = rank;
    s.d[0] = a;
    s.d[1] = b;
    s.d[2] = c;
    s.d[3] = e;
    return s;
}

/* Inserts s - 1 zeros after every row (axis 0 of [R W C]) of *cur:
 * [R W C] -> [R 1 W C] -> pad -> [R s W C] -> [R s, W, C]. Axis 1 is
 * axis 0 of [R W, 1, C] (the columns), done by the caller with
 * cols != 0. */
static int insert_zeros(ir_graph *g, diag *d, int ni, int *cur, int32_t s, int cols,
                        int one_d)
{
    ir_shape is = g->t[*cur].shape, v, p, o;
    const char *nm[3];
    int n1, n2, n3, ax;
    int64_t big;
    int32_t r, w, c;
    if (one_d) {
        r = is.d[0];
        w = 1;
        c = is.d[1];
    } else {
        r = is.d[0];
        w = is.d[1];
        c = is.d[2];
    }
    if (cols) {
        nm[0] = "cols_in";
        nm[1] = "cols";
        nm[2] = "cols_out";
        v = mk_shape(4, r, w, 1, c);
        p = mk_shape(4, r, w, s, c);
        ax = 2;
        big = (int64_t)w * s;
        o = mk_shape(3, r, (int32_t)((int64_t)w * s), c, 0);
    } else {
        nm[0] = "rows_in";
        nm[1] = "rows";
        nm[2] = "rows_out";
        v = one_d ? mk_shape(3, r, 1, c, 0) : mk_shape(4, r, 1, w, c);
        p = one_d ? mk_shape(3, r, s, c, 0) : mk_shape(4, r, s, w, c);
        ax = 1;
        big = (int64_t)r * s;
        o = one_d ? mk_shape(2, (int32_t)((int64_t)r * s), c, 0, 0)
                  : mk_shape(3, (int32_t)((int64_t)r * s), w, c, 0);
    }
    if (big > 16777216L || ir_shape_count(&p) > IR_MAX_ELEMS) {
        diag_error(d, g->file, g->n[ni].line,
                   "%s '%s': the input with its inserted zeros is too large", g->n[ni].xml_op,
                   g->n[ni].name);
        return -1;
    }
    n1 = new_node(g, d, ni, IR_OP_RESHAPE, nm[0], *cur, &v);
    n2 = n1 < 0 ? -1 : new_node(g, d, ni, IR_OP_PAD, nm[1], g->n[n1].output, &p);
    n3 = n2 < 0 ? -1 : new_node(g, d, ni, IR_OP_RESHAPE, nm[2], g->n[n2].output, &o);
    if (n3 < 0) {
        return -1;
    }
    memset(g->n[n2].padn, 0, sizeof g->n[n2].padn);
    g->n[n2].n_padn = 2 * v.rank;
    g->n[n2].padn[v.rank + ax] = s - 1;
    g->n[n2].value = 0.0F;
    *cur = g->n[n3].output;
    return 0;
}

/* The transposed weight [C kh kw F/G] as the conv weight [F kh kw C/G]. */
static int flip_weight(ir_graph *g, diag *d, ir_node *n, int32_t cin)
{
    ir_tensor *wt = &g->t[n->params[0]];
    int32_t kh = n->kernel[0], kw = n->kernel[1], f = n->filters, grp = n->groups;
    int32_t fg = f / grp, cg = cin / grp, o, y, x, i;
    int64_t cnt = ir_shape_count(&wt->shape);
    float *w = malloc((size_t)cnt * sizeof *w);
    if (w == NULL) {
        return oom(d);
    }
    for (o = 0; o < f; o++) {
        int32_t gi = o / fg, oo = o % fg;
        for (y = 0; y < kh; y++) {
            for (x = 0; x < kw; x++) {
                for (i = 0; i < cg; i++) {
                    int64_t src = (((int64_t)(gi * cg + i) * kh + (kh - 1 - y)) * kw +
                                   (kw - 1 - x)) * fg + oo;
                    int64_t dst = (((int64_t)o * kh + y) * kw + x) * cg + i;
                    w[dst] = wt->data[src];
                }
            }
        }
    }
    free(wt->data);
    wt->data = w;
    if (n->op == IR_OP_CONVT1D) {
        wt->shape = mk_shape(3, f, kw, cg, 0);
    } else {
        wt->shape = mk_shape(4, f, kh, kw, cg);
    }
    return 0;
}

/* Moves the nodes [from, g->nn) to position at, before the node there. */
static int move_nodes(ir_graph *g, diag *d, int at, int from)
{
    int m = g->nn - from;
    ir_node *tmp;
    if (m <= 0) {
        return 0;
    }
    tmp = malloc((size_t)m * sizeof *tmp);
    if (tmp == NULL) {
        return oom(d);
    }
    memcpy(tmp, &g->n[from], (size_t)m * sizeof *tmp);
    memmove(&g->n[at + m], &g->n[at], (size_t)(from - at) * sizeof *tmp);
    memcpy(&g->n[at], tmp, (size_t)m * sizeof *tmp);
    free(tmp);
    return 0;
}

static int expand(ir_graph *g, diag *d, int ni)
{
    int one_d = g->n[ni].op == IR_OP_CONVT1D, first = g->nn, cur = g->n[ni].inputs[0];
    int ax, need_pad = 0, k;
    int32_t cin;
    int64_t pb[2] = { 0, 0 }, pe[2] = { 0, 0 };
    ir_shape is = g->t[cur].shape;
    cin = is.d[is.rank - 1];
    /* rows (2-D: axis 0), then columns (2-D: axis 1; 1-D: the only axis) */
    if (!one_d && g->n[ni].strides[0] > 1 &&
        insert_zeros(g, d, ni, &cur, g->n[ni].strides[0], 0, 0) != 0) {
        return -1;
    }
    if (g->n[ni].strides[1] > 1 &&
        insert_zeros(g, d, ni, &cur, g->n[ni].strides[1], !one_d, one_d) != 0) {
        return -1;
    }
    for (ax = one_d ? 1 : 0; ax < 2; ax++) {
        const ir_node *n = &g->n[ni];
        int64_t span = (int64_t)(n->kernel[ax] - 1) * n->dilations[ax];
        pb[ax] = span - n->pads[ax];
        pe[ax] = span - n->pads[ax + 2] + n->out_pad[ax] - (n->strides[ax] - 1);
        if (pb[ax] < 0 || pe[ax] < 0 || pb[ax] > 65536L || pe[ax] > 65536L) {
            need_pad = 1;
        }
        if (pb[ax] < -16777216L || pe[ax] < -16777216L || pb[ax] > 16777216L ||
            pe[ax] > 16777216L) {
            diag_error(d, g->file, n->line, "%s '%s': kernel, dilation or pads too large",
                       n->xml_op, n->name);
            return -1;
        }
    }
    if (need_pad) {
        ir_shape ps = g->t[cur].shape;
        int np;
        for (ax = one_d ? 1 : 0; ax < 2; ax++) {
            int k2 = one_d ? 0 : ax;
            int64_t v = (int64_t)ps.d[k2] + pb[ax] + pe[ax];
            if (v > 16777216L) {
                diag_error(d, g->file, g->n[ni].line, "%s '%s': the padded input is too large",
                           g->n[ni].xml_op, g->n[ni].name);
                return -1;
            }
            ps.d[k2] = (int32_t)v;
        }
        if (ir_shape_count(&ps) > IR_MAX_ELEMS) {
            diag_error(d, g->file, g->n[ni].line, "%s '%s': the padded input is too large",
                       g->n[ni].xml_op, g->n[ni].name);
            return -1;
        }
        np = new_node(g, d, ni, IR_OP_PAD, "pad", cur, &ps);
        if (np < 0) {
            return -1;
        }
        memset(g->n[np].padn, 0, sizeof g->n[np].padn);
        g->n[np].n_padn = 2 * ps.rank;
        for (ax = one_d ? 1 : 0; ax < 2; ax++) {
            int k2 = one_d ? 0 : ax;
            g->n[np].padn[k2] = (int32_t)pb[ax];
            g->n[np].padn[ps.rank + k2] = (int32_t)pe[ax];
        }
        cur = g->n[np].output;
    }
    {
        ir_node *n = &g->n[ni];
        if (flip_weight(g, d, n, cin) != 0) {
            return -1;
        }
        n->op = one_d ? IR_OP_CONV1D : IR_OP_CONV2D;
        n->inputs[0] = cur;
        n->padding = IR_PAD_EXPLICIT;
        for (k = 0; k < 4; k++) {
            n->pads[k] = need_pad ? 0 : (int32_t)(k < 2 ? pb[k % 2] : pe[k % 2]);
        }
        n->strides[0] = n->strides[1] = 1;
        n->out_pad[0] = n->out_pad[1] = 0;
    }
    return move_nodes(g, d, ni, first);
}

/* Moves the nodes [from, g->nn) to position at, before the node there. */
static int move_after(ir_graph *g, diag *d, int ni, int from)
{
    return move_nodes(g, d, ni + 1, from);
}

/* Kernel equal to the stride, no dilation, no output_padding, groups 1:
 * the windows do not overlap, every input pixel makes its own block of
 * s_h x s_w output pixels. A 1x1 convolution makes the blocks as channels,
 * [H W s_h s_w F], and a depth-to-space moves them into place: [H W s_h
 * s_w F] as [H W s_h (s_w F)], transposed to [H s_h W (s_w F)], is [H s_h,
 * W s_w, F] (1-D: [L (s F)] is [L s, F], a reshape). A crop takes off the
 * pads. The MACs are those of the direct transposed convolution. */
static int is_d2s(const ir_node *n)
{
    int one_d = n->op == IR_OP_CONVT1D, ax;
    if (n->groups != 1) {
        return 0;
    }
    for (ax = one_d ? 1 : 0; ax < 2; ax++) {
        if (n->kernel[ax] != n->strides[ax] || n->dilations[ax] != 1 || n->out_pad[ax] != 0) {
            return 0;
        }
    }
    return n->strides[0] > 1 || n->strides[1] > 1;
}

static int expand_d2s(ir_graph *g, diag *d, int ni)
{
    int one_d = g->n[ni].op == IR_OP_CONVT1D, first = g->nn, y = g->n[ni].output, cur, k;
    int crop = 0, nl;
    int32_t pads[4];
    ir_shape is = g->t[g->n[ni].inputs[0]].shape, bs, s1, s2, fs;
    int32_t sh = g->n[ni].strides[0], sw = g->n[ni].strides[1], f = g->n[ni].filters;
    int32_t cin = is.d[is.rank - 1], h = one_d ? 1 : is.d[0], w = is.d[one_d ? 0 : 1];
    int32_t blk, a, b, o, c;
    int64_t nb = (int64_t)sh * sw * f;
    float *wd, *bd = NULL;
    const ir_tensor *wt = &g->t[g->n[ni].params[0]];
    if (nb > 16777216L || (int64_t)h * sh > 16777216L || (int64_t)w * sw > 16777216L) {
        return 1; /* the general expansion decides */
    }
    blk = (int32_t)nb;
    wd = malloc((size_t)blk * (size_t)cin * sizeof *wd);
    if (wd == NULL) {
        return oom(d);
    }
    /* 1x1 conv weight [(a s_w + b) F + f][c] = weight [c][a][b][f] */
    for (a = 0; a < sh; a++) {
        for (b = 0; b < sw; b++) {
            for (o = 0; o < f; o++) {
                for (c = 0; c < cin; c++) {
                    wd[((int64_t)(a * sw + b) * f + o) * cin + c] =
                        wt->data[(((int64_t)c * sh + a) * sw + b) * f + o];
                }
            }
        }
    }
    if (g->n[ni].params[1] >= 0) {
        const ir_tensor *bt = &g->t[g->n[ni].params[1]];
        bd = malloc((size_t)blk * sizeof *bd);
        if (bd == NULL) {
            free(wd);
            return oom(d);
        }
        for (k = 0; k < blk; k++) {
            bd[k] = bt->data[k % f];
        }
    }
    bs = one_d ? mk_shape(2, w, blk, 0, 0) : mk_shape(3, h, w, blk, 0);
    cur = new_tensor(g, d, ni, "blocks", &bs);
    if (cur < 0) {
        free(wd);
        free(bd);
        return -1;
    }
    {
        ir_node *n = &g->n[ni];
        ir_tensor *t = &g->t[n->params[0]];
        free(t->data);
        t->data = wd;
        t->shape = one_d ? mk_shape(3, blk, 1, cin, 0) : mk_shape(4, blk, 1, 1, cin);
        if (bd != NULL) {
            t = &g->t[n->params[1]];
            free(t->data);
            t->data = bd;
            t->shape = mk_shape(1, blk, 0, 0, 0);
        }
        for (k = 0; k < 4; k++) {
            pads[k] = n->pads[k];
            crop |= pads[k] != 0;
            n->pads[k] = 0;
        }
        n->op = one_d ? IR_OP_CONV1D : IR_OP_CONV2D;
        n->output = cur;
        n->filters = blk;
        n->kernel[0] = n->kernel[1] = 1;
        n->strides[0] = n->strides[1] = 1;
        n->padding = IR_PAD_EXPLICIT;
    }
    /* the block rows into place (2-D), the blocks into pixels */
    if (!one_d) {
        s1 = mk_shape(4, h, w, sh, sw * f);
        s2 = mk_shape(4, h, sh, w, sw * f);
        nl = new_node(g, d, ni, IR_OP_RESHAPE, "blocks_v", cur, &s1);
        nl = nl < 0 ? -1 : new_node(g, d, ni, IR_OP_TRANSPOSE, "d2s", g->n[nl].output, &s2);
        if (nl < 0) {
            return -1;
        }
        g->n[nl].n_perm = 4;
        g->n[nl].perm[0] = 0;
        g->n[nl].perm[1] = 2;
        g->n[nl].perm[2] = 1;
        g->n[nl].perm[3] = 3;
        cur = g->n[nl].output;
        fs = mk_shape(3, h * sh, w * sw, f, 0);
    } else {
        fs = mk_shape(2, w * sw, f, 0, 0);
    }
    nl = new_node_to(g, d, ni, IR_OP_RESHAPE, "d2s_out", cur, &fs, crop ? -1 : y);
    if (nl < 0) {
        return -1;
    }
    cur = g->n[nl].output;
    if (crop) {
        /* pads top left bottom right (1-D: left, right in 1 and 3) */
        nl = new_node_to(g, d, ni, IR_OP_PAD, "crop", cur, &g->t[y].shape, y);
        if (nl < 0) {
            return -1;
        }
        memset(g->n[nl].padn, 0, sizeof g->n[nl].padn);
        g->n[nl].n_padn = 2 * fs.rank;
        if (one_d) {
            g->n[nl].padn[0] = -pads[1];
            g->n[nl].padn[2] = -pads[3];
        } else {
            g->n[nl].padn[0] = -pads[0];
            g->n[nl].padn[1] = -pads[1];
            g->n[nl].padn[3] = -pads[2];
            g->n[nl].padn[4] = -pads[3];
        }
    }
    return move_after(g, d, ni, first) != 0 ? -1 : 0;
}

int pass_convt(ir_graph *g, diag *d)
{
    int i, any = 0;
    for (i = 0; i < g->nn; i++) {
        if (g->n[i].op == IR_OP_CONVT2D || g->n[i].op == IR_OP_CONVT1D) {
            int before = g->nn, rc = is_d2s(&g->n[i]) ? expand_d2s(g, d, i) : 1;
            if (rc < 0 || (rc > 0 && expand(g, d, i) != 0)) {
                return -1;
            }
            i += g->nn - before; /* the layers made now precede the conv */
            any = 1;
        }
    }
    if (!any) {
        return 0;
    }
    ir_link(g);
    /* the shapes again, through the ordinary rules of the layers made */
    return pass_shape(g, d);
}

/* pass_lowrank: low-rank factorisation of dense and convolution layers
 * (truncated SVD of the weight, one layer split into two), and the
 * least-squares refits that repair a factor or a pruned layer from
 * calibration data. See lowrank.h for the contracts.
 *
 * The split of W (out x K) = U S Vt at rank r:
 *   y = act(W x + b) ~ act(U_r sqrt(S_r) (sqrt(S_r) Vt_r x) + b)
 * the inner product being the first layer (K -> r, no bias, no activation),
 * the outer the second (r -> out, the original bias and activation). A
 * convolution's weight rows are its OHWI filters, so the first layer is a
 * convolution with the original geometry and r filters, and the second a
 * 1x1 convolution mixing the r channels into the original filters. The
 * error on the pre-activation is (W - W_r) x, with ||W - W_r||_F^2 the sum
 * of the discarded s_i^2 (Eckart-Young: the best rank-r approximation). */
#include "lowrank.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linalg.h"

int lowrank_choose_rank(const double *s, int k, double energy)
{
    double total = 0.0, part = 0.0;
    int i;
    if (s == NULL || k < 1 || !(energy > 0.0 && energy <= 1.0)) {
        return -1;
    }
    for (i = 0; i < k; i++) {
        total += s[i] * s[i];
    }
    for (i = 0; i < k; i++) {
        if (part >= energy * total) {
            break;
        }
        part += s[i] * s[i];
    }
    return i < 1 ? 1 : i;
}

static int oom(diag *d)
{
    diag_io(d, NULL, "out of memory");
    return -1;
}

/* Adds a float constant named "<layer>.<suffix>"; -1 after reporting. */
static int add_const(ir_graph *g, diag *d, const char *layer, const char *suffix,
                     const ir_shape *s, const float *v, long line)
{
    char name[512];
    int t;
    snprintf(name, sizeof name, "%s.%s", layer, suffix);
    if (ir_find_tensor(g, name) >= 0) {
        diag_error(d, g->file, line, "layer '%s': cannot factorise: a tensor '%s' already exists",
                   layer, name);
        return -1;
    }
    t = ir_add_const(g, name, s, v, line);
    return t < 0 ? oom(d) : t;
}

/* The truncated SVD of the float matrix w (m x n): *u (m x kk), *s (kk),
 * *vt (kk x n) allocated here (the caller frees them, also on failure),
 * kk = min(m, n); the rank r (rank > 0: at most kk; else the energy rule)
 * and the discarded energy to rank_out / discarded (either NULL) and
 * *rp. 0, or -1 reported (what names the matrix in the message). */
static int svd_rank(const ir_graph *g, const ir_node *n, const float *w, int32_t m, int32_t nc,
                    int rank, double energy, const char *what, double **u, double **s,
                    double **vt, int32_t *rp, int *rank_out, double *discarded, diag *d)
{
    int32_t kk = m < nc ? m : nc, i, r;
    double *a = malloc((size_t)m * (size_t)nc * sizeof *a), disc = 0.0;
    int rc = -1;
    *u = malloc((size_t)m * (size_t)kk * sizeof **u);
    *s = malloc((size_t)kk * sizeof **s);
    *vt = malloc((size_t)kk * (size_t)nc * sizeof **vt);
    if (a == NULL || *u == NULL || *s == NULL || *vt == NULL) {
        free(a);
        return oom(d);
    }
    for (i = 0; i < m * nc; i++) {
        a[i] = (double)w[i];
    }
    if (linalg_svd(a, m, nc, *u, *s, *vt) != 0) {
        diag_error(d, g->file, n->line, "layer '%s': the SVD of the %ldx%ld %s failed "
                   "(non-finite weights?)", n->name, (long)m, (long)nc, what);
    } else {
        r = rank > 0 ? (rank < kk ? rank : kk) : lowrank_choose_rank(*s, kk, energy);
        for (i = r; i < kk; i++) {
            disc += (*s)[i] * (*s)[i];
        }
        if (rank_out != NULL) {
            *rank_out = r;
        }
        if (discarded != NULL) {
            *discarded = disc;
        }
        *rp = r;
        rc = 0;
    }
    free(a);
    return rc;
}

/* The first factor of layer ni's split, in front of it: tensor and layer
 * "<name>.lowrank" (shape s_mid), op fop (its element xml_op; a conv
 * copies ni's geometry), weights f1 (s_vt, "<name>.lowrank.vt"), a zero
 * bias zb (r, "<name>.lowrank.bias"), reading ni's input; ni then reads it
 * and its weight becomes f2 (s_u, "<name>.<u_suffix>"). 0, or -1
 * reported (the graph may hold unreferenced additions then). */
static int add_front_factor(ir_graph *g, int ni, ir_op fop, const char *fxml, int32_t r,
                            const ir_shape *s_mid, const ir_shape *s_vt, const float *f1,
                            const float *zb, const ir_shape *s_u, const float *f2,
                            const char *u_suffix, diag *d)
{
    ir_shape s_b;
    char name[512];
    long line = g->n[ni].line;
    int t_mid, t_vt, t_b, t_u, nn;
    memset(&s_b, 0, sizeof s_b);
    s_b.rank = 1;
    s_b.d[0] = r;
    snprintf(name, sizeof name, "%s.lowrank", g->n[ni].name);
    if (ir_find_tensor(g, name) >= 0) {
        diag_error(d, g->file, line, "layer '%s': cannot factorise: a tensor '%s' already exists",
                   g->n[ni].name, name);
        return -1;
    }
    t_mid = ir_add_tensor(g, name, IR_T_ACT, line);
    if (t_mid < 0) {
        return oom(d);
    }
    g->t[t_mid].shape = *s_mid;
    /* ir_add_* may move g->t and g->n: no pointers into them across calls */
    snprintf(name, sizeof name, "%s", g->n[ni].name);
    t_vt = add_const(g, d, name, "lowrank.vt", s_vt, f1, line);
    t_b = t_vt < 0 ? -1 : add_const(g, d, name, "lowrank.bias", &s_b, zb, line);
    t_u = t_b < 0 ? -1 : add_const(g, d, name, u_suffix, s_u, f2, line);
    if (t_u < 0) {
        return -1;
    }
    snprintf(name, sizeof name, "%s.lowrank", g->n[ni].name);
    nn = ir_add_node(g, fop, name, fxml, line);
    if (nn < 0) {
        return oom(d);
    }
    {
        ir_node *o = &g->n[ni], *f = &g->n[nn];
        int conv = fop != IR_OP_DENSE;
        f->inputs = malloc(sizeof(int));
        if (f->inputs == NULL || ir_node_append_fused(f, o->name) != 0) {
            return oom(d);
        }
        f->inputs[0] = o->inputs[0];
        f->n_inputs = 1;
        f->output = t_mid;
        f->params[0] = t_vt;
        f->params[1] = t_b;
        f->units = conv ? 0 : r;
        f->filters = conv ? r : 0;
        if (conv) {
            memcpy(f->kernel, o->kernel, sizeof f->kernel);
            memcpy(f->strides, o->strides, sizeof f->strides);
            memcpy(f->dilations, o->dilations, sizeof f->dilations);
            memcpy(f->pads, o->pads, sizeof f->pads);
            f->padding = o->padding;
        }
        f->groups = 1;
        f->target = o->target;
        f->prec = o->prec;
        f->rank = r;
        o->inputs[0] = t_mid;
        o->params[0] = t_u;
    }
    return 0;
}

int lowrank_node(ir_graph *g, int ni, int rank, double energy, diag *d, int *rank_out,
                 double *discarded)
{
    ir_node *n;
    const ir_tensor *wt;
    double *u = NULL, *s = NULL, *vt = NULL;
    float *f1 = NULL, *f2 = NULL, *zb = NULL;
    int32_t out, K, kk, r, i, j;
    int64_t orig_params, new_params;
    int conv, one_d, rc = -1;
    ir_shape s_vt, s_u, s_mid;
    long line;
    if (g == NULL || ni < 0 || ni >= g->nn) {
        return -1;
    }
    n = &g->n[ni];
    line = n->line;
    conv = n->op == IR_OP_CONV2D || n->op == IR_OP_CONV1D;
    one_d = n->op == IR_OP_CONV1D;
    if (n->op != IR_OP_DENSE && !conv) {
        diag_error(d, g->file, line, "layer '%s': low-rank factorisation applies to dense and "
                   "convolution layers, not %s", n->name, ir_op_name(n->op));
        return -1;
    }
    if (conv && n->groups != 1) {
        diag_error(d, g->file, line, "layer '%s': low-rank factorisation of a grouped "
                   "convolution (groups=%ld) is not supported", n->name, (long)n->groups);
        return -1;
    }
    if (n->rank != 0) {
        diag_error(d, g->file, line, "layer '%s' is already a rank-%ld factor", n->name,
                   (long)n->rank);
        return -1;
    }
    if (n->prec != IR_DT_F32 || n->sparse || n->params[0] < 0 ||
        g->t[n->params[0]].dtype != IR_DT_F32 || g->t[n->params[0]].data == NULL ||
        (n->params[1] >= 0 && g->t[n->params[1]].dtype != IR_DT_F32)) {
        diag_error(d, g->file, line, "layer '%s': low-rank factorisation needs float weights "
                   "(run it before quantization and sparse encoding)", n->name);
        return -1;
    }
    if (rank < 0 || (rank == 0 && !(energy > 0.0 && energy <= 1.0))) {
        diag_error(d, g->file, line, "layer '%s': invalid low-rank request (rank %d, energy %g): "
                   "give a rank > 0, or rank 0 and an energy in (0, 1]", n->name, rank, energy);
        return -1;
    }
    wt = &g->t[n->params[0]];
    out = wt->shape.d[0];
    if (wt->shape.rank < 2 || out < 1 || ir_shape_count(&wt->shape) % out != 0 ||
        g->t[n->inputs[0]].shape.rank < 1 || g->t[n->output].shape.rank < 1) {
        diag_error(d, g->file, line, "layer '%s': weight or tensor shapes not inferred", n->name);
        return -1;
    }
    K = (int32_t)(ir_shape_count(&wt->shape) / out);
    kk = out < K ? out : K;
    if (svd_rank(g, n, wt->data, out, K, rank, energy, "weight", &u, &s, &vt, &r, rank_out,
                 discarded, d) != 0) {
        goto done;
    }
    orig_params = ir_node_params(g, ni);
    new_params = (int64_t)r * (K + 1) + (int64_t)out * (r + 1);
    if (new_params >= orig_params) {
        diag_warning(d, g->file, line,
                     "layer '%s': not factorised: rank %ld factors (%ldx%ld and %ldx%ld, with "
                     "biases) would hold %lld parameters, not fewer than the layer's %lld",
                     n->name, (long)r, (long)r, (long)K, (long)out, (long)r,
                     (long long)new_params, (long long)orig_params);
        rc = 1;
        goto done;
    }

    /* the factors, as floats: sqrt(S) Vt (r x K) and U sqrt(S) (out x r) */
    f1 = malloc((size_t)r * (size_t)K * sizeof *f1);
    f2 = malloc((size_t)out * (size_t)r * sizeof *f2);
    zb = calloc((size_t)r, sizeof *zb);
    if (f1 == NULL || f2 == NULL || zb == NULL) {
        rc = oom(d);
        goto done;
    }
    for (i = 0; i < r; i++) {
        double sq = sqrt(s[i]);
        for (j = 0; j < K; j++) {
            f1[(size_t)i * (size_t)K + (size_t)j] = (float)(sq * vt[(size_t)i * (size_t)K + (size_t)j]);
        }
        for (j = 0; j < out; j++) {
            f2[(size_t)j * (size_t)r + (size_t)i] = (float)(u[(size_t)j * (size_t)kk + (size_t)i] * sq);
        }
    }
    s_vt = wt->shape; /* [r][K] or [r][kh][kw][cin] or [r][kw][cin] */
    s_vt.d[0] = r;
    memset(&s_u, 0, sizeof s_u);
    s_u.rank = conv ? (one_d ? 3 : 4) : 2;
    s_u.d[0] = out;
    for (i = 1; i < s_u.rank - 1; i++) {
        s_u.d[i] = 1;
    }
    s_u.d[s_u.rank - 1] = r;
    s_mid = conv ? g->t[n->output].shape : g->t[n->inputs[0]].shape;
    s_mid.d[s_mid.rank - 1] = r;
    if (add_front_factor(g, ni, g->n[ni].op, g->n[ni].xml_op, r, &s_mid, &s_vt, f1, zb, &s_u,
                         f2, "lowrank.u", d) != 0) {
        goto done;
    }
    {
        ir_node *o = &g->n[ni];
        o->rank = r;
        if (conv) {
            o->kernel[0] = o->kernel[1] = 1;
            o->strides[0] = o->strides[1] = 1;
            o->dilations[0] = o->dilations[1] = 1;
            o->padding = IR_PAD_VALID;
            memset(o->pads, 0, sizeof o->pads);
        }
    }
    ir_link(g);
    rc = 0;
done:
    free(u);
    free(s);
    free(vt);
    free(f1);
    free(f2);
    free(zb);
    return rc;
}

/* The rank-r factors of an SVD of an m x n matrix (u m x kk, s, vt kk x
 * n) as floats: *fa = U_r S_r (m x r, shape sa), *fb = Vt_r (r x n, shape
 * sb); 0, or -1 out of memory (reported; the caller frees both in any
 * case). */
static int us_vt(const double *u, const double *s, const double *vt, int32_t m, int32_t n,
                 int32_t kk, int32_t r, float **fa, float **fb, ir_shape *sa, ir_shape *sb,
                 diag *d)
{
    int32_t i, j;
    memset(sa, 0, sizeof *sa);
    sa->rank = 2;
    sa->d[0] = m;
    sa->d[1] = r;
    *sb = *sa;
    sb->d[0] = r;
    sb->d[1] = n;
    *fa = malloc((size_t)m * (size_t)r * sizeof **fa);
    *fb = malloc((size_t)r * (size_t)n * sizeof **fb);
    if (*fa == NULL || *fb == NULL) {
        return oom(d);
    }
    for (i = 0; i < r; i++) {
        for (j = 0; j < n; j++) {
            (*fb)[(size_t)i * (size_t)n + (size_t)j] =
                (float)vt[(size_t)i * (size_t)n + (size_t)j];
        }
        for (j = 0; j < m; j++) {
            (*fa)[(size_t)j * (size_t)r + (size_t)i] =
                (float)(u[(size_t)j * (size_t)kk + (size_t)i] * s[i]);
        }
    }
    return 0;
}

/* The input weight W [G*H I] of recurrent layer ni as U_r S_r [G*H r]
 * after a dense layer "<name>.lowrank" (I -> r, weights Vt_r, zero bias)
 * that runs on every step's input, when that holds fewer parameters;
 * 0 split, 1 not (nothing changed), -1 reported. */
static int lowrank_rnn_input(ir_graph *g, int ni, int rank, double energy, diag *d)
{
    const ir_node *n = &g->n[ni];
    const ir_tensor *wt = &g->t[n->params[0]];
    double *u = NULL, *s = NULL, *vt = NULL;
    float *f1 = NULL, *f2 = NULL, *zb = NULL;
    int32_t rows = wt->shape.d[0], in = wt->shape.d[1], kk = rows < in ? rows : in, r;
    int rc = -1;
    ir_shape s_vt, s_u, s_mid;
    if (svd_rank(g, n, wt->data, rows, in, rank, energy, "input weight", &u, &s, &vt, &r, NULL,
                 NULL, d) != 0) {
        goto done;
    }
    if ((int64_t)r * (in + 1) + (int64_t)rows * r >= (int64_t)rows * in) {
        rc = 1; /* does not pay (a handful of inputs): left whole */
        goto done;
    }
    zb = calloc((size_t)r, sizeof *zb);
    if (zb == NULL) {
        rc = oom(d);
        goto done;
    }
    if (us_vt(u, s, vt, rows, in, kk, r, &f2, &f1, &s_u, &s_vt, d) != 0) {
        goto done;
    }
    s_mid = g->t[n->inputs[0]].shape;
    s_mid.d[s_mid.rank - 1] = r;
    if (add_front_factor(g, ni, IR_OP_DENSE, "dense", r, &s_mid, &s_vt, f1, zb, &s_u, f2,
                         "weight.lowrank.u", d) != 0) {
        goto done;
    }
    ir_link(g);
    rc = 0;
done:
    free(u);
    free(s);
    free(vt);
    free(f1);
    free(f2);
    free(zb);
    return rc;
}

int lowrank_rnn(ir_graph *g, int ni, int rank, double energy, diag *d, int *rank_out,
                double *discarded)
{
    const ir_node *n = &g->n[ni];
    const ir_tensor *rt;
    double *u = NULL, *s = NULL, *vt = NULL;
    float *fa = NULL, *fb = NULL;
    int32_t rows, h, kk, r;
    int rc = -1, ta, tb, in_rc;
    ir_shape sa, sb;
    char name[512];
    long line = n->line;
    if (n->rnn_rank != 0 || n->prec != IR_DT_F32 || n->params[1] < 0 ||
        g->t[n->params[1]].dtype != IR_DT_F32 || g->t[n->params[1]].data == NULL) {
        diag_error(d, g->file, line, "layer '%s': low-rank factorisation of the recurrence "
                   "needs its float weights, once (run it before quantization)", n->name);
        return -1;
    }
    if (rank < 0 || (rank == 0 && !(energy > 0.0 && energy <= 1.0))) {
        diag_error(d, g->file, line, "layer '%s': invalid low-rank request (rank %d, energy %g)",
                   n->name, rank, energy);
        return -1;
    }
    /* the input weight first (a dense layer in front), where it pays */
    in_rc = lowrank_rnn_input(g, ni, rank, energy, d);
    if (in_rc < 0) {
        return -1;
    }
    n = &g->n[ni];
    rt = &g->t[n->params[1]];
    rows = rt->shape.d[0];
    h = rt->shape.d[1];
    kk = rows < h ? rows : h;
    if (svd_rank(g, n, rt->data, rows, h, rank, energy, "recurrence", &u, &s, &vt, &r,
                 rank_out, discarded, d) != 0) {
        goto done;
    }
    if ((int64_t)r * (rows + h) >= (int64_t)rows * h) {
        diag_warning(d, g->file, line,
                     "layer '%s': recurrence not factorised: rank %ld factors (%ldx%ld and "
                     "%ldx%ld) would hold %lld weights, not fewer than its %lld",
                     n->name, (long)r, (long)rows, (long)r, (long)r, (long)h,
                     (long long)r * (rows + h), (long long)rows * h);
        rc = in_rc; /* 0 when the input weight was split */
        goto done;
    }
    if (us_vt(u, s, vt, rows, h, kk, r, &fa, &fb, &sa, &sb, d) != 0) {
        goto done;
    }
    snprintf(name, sizeof name, "%s", n->name);
    ta = add_const(g, d, name, "recurrence.lowrank.a", &sa, fa, line);
    tb = ta < 0 ? -1 : add_const(g, d, name, "recurrence.lowrank.b", &sb, fb, line);
    if (tb < 0) {
        goto done;
    }
    g->n[ni].params[1] = ta;
    g->n[ni].params[6] = tb;
    g->n[ni].rnn_rank = r;
    ir_link(g);
    rc = 0;
done:
    free(u);
    free(s);
    free(vt);
    free(fa);
    free(fb);
    return rc;
}

/* ---- refits ------------------------------------------------------------ */

typedef struct {
    const float *z, *y;
    int r, out;
} lin_ctx;

static int lin_rows(void *ctx, int64_t first, int count, double *a, double *b)
{
    const lin_ctx *c = ctx;
    int i, j;
    for (i = 0; i < count; i++) {
        const float *zi = c->z + (size_t)(first + i) * (size_t)c->r;
        const float *yi = c->y + (size_t)(first + i) * (size_t)c->out;
        double *ai = a + (size_t)i * (size_t)(c->r + 1);
        for (j = 0; j < c->r; j++) {
            ai[j] = (double)zi[j];
        }
        ai[c->r] = 1.0;
        for (j = 0; j < c->out; j++) {
            b[(size_t)i * (size_t)c->out + (size_t)j] = (double)yi[j];
        }
    }
    return 0;
}

int refit_linear(double *w, double *b, const float *z, const float *y, int64_t n, int r, int out)
{
    lin_ctx c;
    double *x;
    int o, j, rc;
    if (w == NULL || b == NULL || z == NULL || y == NULL || n < 1 || r < 1 || out < 1) {
        return -1;
    }
    x = malloc((size_t)(r + 1) * (size_t)out * sizeof *x);
    if (x == NULL) {
        return -1;
    }
    c.z = z;
    c.y = y;
    c.r = r;
    c.out = out;
    rc = linalg_lstsq_rows(n, r + 1, out, lin_rows, &c, x);
    if (rc == 0) {
        /* x is (r + 1) x out: column o holds row o of w, then b[o] */
        for (o = 0; o < out; o++) {
            for (j = 0; j < r; j++) {
                w[(size_t)o * (size_t)r + (size_t)j] = x[(size_t)j * (size_t)out + (size_t)o];
            }
            b[o] = x[(size_t)r * (size_t)out + (size_t)o];
        }
    }
    free(x);
    return rc;
}

/* refit_masked: the full design [x | 1] (p = in + 1 columns, all outputs
 * as right-hand sides) is reduced once to R (p x p) and C (p x out)
 * (linalg_qr_rows); row o's problem on the columns J_o is then the small
 * least squares min ||R[:, J_o + bias] w - C[:, o]|| (p rows), with the
 * same minimiser as on the samples. */
int refit_masked(double *w, double *b, const unsigned char *keep, const float *x, const float *y,
                 int64_t n, int in, int out)
{
    lin_ctx c;
    double *r = NULL, *cc = NULL, *rj = NULL, *co = NULL, *sol = NULL;
    int *cols = NULL;
    size_t p = (size_t)in + 1, i;
    int o, j, nc, rc = -1;
    if (w == NULL || b == NULL || keep == NULL || x == NULL || y == NULL || n < 1 || in < 1 ||
        out < 1) {
        return -1;
    }
    r = malloc(p * p * sizeof *r);
    cc = malloc(p * (size_t)out * sizeof *cc);
    rj = malloc(p * p * sizeof *rj);
    co = malloc(p * sizeof *co);
    sol = malloc(p * sizeof *sol);
    cols = malloc(p * sizeof *cols);
    if (r == NULL || cc == NULL || rj == NULL || co == NULL || sol == NULL || cols == NULL) {
        goto done;
    }
    c.z = x;
    c.y = y;
    c.r = in;
    c.out = out;
    if (linalg_qr_rows(n, in + 1, out, lin_rows, &c, r, cc) != 0) {
        goto done;
    }
    rc = 0;
    for (o = 0; o < out && rc == 0; o++) {
        double *wo = w + (size_t)o * (size_t)in;
        nc = 0;
        for (j = 0; j < in; j++) {
            wo[j] = 0.0;
            if (keep[(size_t)o * (size_t)in + (size_t)j] != 0) {
                cols[nc++] = j;
            }
        }
        cols[nc++] = in; /* the bias column */
        for (i = 0; i < p; i++) {
            for (j = 0; j < nc; j++) {
                rj[i * (size_t)nc + (size_t)j] = r[i * p + (size_t)cols[j]];
            }
            co[i] = cc[i * (size_t)out + (size_t)o];
        }
        rc = linalg_lstsq(rj, (int)p, nc, co, 1, sol);
        if (rc == 0) {
            for (j = 0; j < nc - 1; j++) {
                wo[cols[j]] = sol[j];
            }
            b[o] = sol[nc - 1];
        }
    }
done:
    free(r);
    free(cc);
    free(rj);
    free(co);
    free(sol);
    free(cols);
    return rc;
}

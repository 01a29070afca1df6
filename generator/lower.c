#include "lower.h"

#include <string.h>

/* ORDER KERNEL */
static const char *const kernel_fn[LK_COUNT] = {
    "stoic_dense_f32", "stoic_conv2d_f32", "stoic_maxpool2d_f32", "stoic_avgpool2d_f32",
    "stoic_gavgpool_f32", "stoic_activation_f32", "stoic_softmax_f32", "stoic_add_f32",
    "stoic_mul_f32", "stoic_affine_f32", "stoic_copy_f32", "stoic_pad_f32", "stoic_transpose_f32"
};
static const char *const kernel_params[LK_COUNT] = {
    "stoic_dense_f32_params", "stoic_conv2d_f32_params", "stoic_pool2d_f32_params",
    "stoic_pool2d_f32_params", "stoic_gavgpool_f32_params", "stoic_activation_f32_params",
    "stoic_softmax_f32_params", "stoic_binary_f32_params", "stoic_binary_f32_params",
    "stoic_affine_f32_params", "stoic_copy_f32_params", "stoic_pad_f32_params",
    "stoic_transpose_f32_params"
};
static const char *const kernel_file[LK_COUNT] = {
    "stoic_dense_f32.c", "stoic_conv2d_f32.c", "stoic_maxpool2d_f32.c", "stoic_avgpool2d_f32.c",
    "stoic_gavgpool_f32.c", "stoic_activation_f32.c", "stoic_softmax_f32.c", "stoic_add_f32.c",
    "stoic_mul_f32.c", "stoic_affine_f32.c", "stoic_copy_f32.c", "stoic_pad_f32.c",
    "stoic_transpose_f32.c"
};

const char *lower_kernel_fn(lower_kernel k)
{
    return kernel_fn[k];
}

const char *lower_kernel_params(lower_kernel k)
{
    return kernel_params[k];
}

const char *lower_kernel_file(lower_kernel k)
{
    return kernel_file[k];
}

static int64_t count_of(const ir_graph *g, int t)
{
    return ir_shape_count(&g->t[t].shape);
}

static const ir_shape *shape_of(const ir_graph *g, int t)
{
    return &g->t[t].shape;
}

static void set_args(lower_call *c, int a0, int a1, int a2, int a3)
{
    int v[LOWER_MAX_ARGS];
    int k;
    v[0] = a0;
    v[1] = a1;
    v[2] = a2;
    v[3] = a3;
    c->n_args = 0;
    for (k = 0; k < LOWER_MAX_ARGS; k++) {
        if (v[k] >= 0) {
            c->args[c->n_args++] = v[k];
        }
    }
}

static void lower_conv(const ir_graph *g, const ir_node *n, lower_call *c)
{
    const ir_shape *is = shape_of(g, n->inputs[0]), *os = shape_of(g, n->output);
    stoic_conv2d_f32_params *p = &c->p.conv2d;
    int one_d = n->op == IR_OP_CONV1D;
    c->k = LK_CONV2D;
    p->in_h = one_d ? 1 : is->d[0];
    p->in_w = is->d[one_d ? 0 : 1];
    p->in_c = is->d[is->rank - 1];
    p->out_h = one_d ? 1 : os->d[0];
    p->out_w = os->d[one_d ? 0 : 1];
    p->out_c = os->d[os->rank - 1];
    p->k_h = n->kernel[0];
    p->k_w = n->kernel[1];
    p->stride_h = n->strides[0];
    p->stride_w = n->strides[1];
    p->dil_h = n->dilations[0];
    p->dil_w = n->dilations[1];
    p->pad_top = n->pads[0];
    p->pad_left = n->pads[1];
    p->groups = n->groups;
    p->act = n->act;
    set_args(c, n->inputs[0], n->params[0], n->params[1], n->output);
}

static void lower_pool(const ir_graph *g, const ir_node *n, lower_call *c)
{
    const ir_shape *is = shape_of(g, n->inputs[0]), *os = shape_of(g, n->output);
    stoic_pool2d_f32_params *p = &c->p.pool2d;
    c->k = n->op == IR_OP_MAXPOOL2D ? LK_MAXPOOL2D : LK_AVGPOOL2D;
    p->in_h = is->d[0];
    p->in_w = is->d[1];
    p->c = is->d[2];
    p->out_h = os->d[0];
    p->out_w = os->d[1];
    p->k_h = n->kernel[0];
    p->k_w = n->kernel[1];
    p->stride_h = n->strides[0];
    p->stride_w = n->strides[1];
    p->pad_top = n->pads[0];
    p->pad_left = n->pads[1];
    p->count_include_pad = n->count_include_pad != 0 ? 1 : 0;
    p->dil_h = n->dilations[0];
    p->dil_w = n->dilations[1];
    set_args(c, n->inputs[0], -1, -1, n->output);
}

static int lower_concat(const ir_graph *g, const ir_node *n, lower_call *calls)
{
    const ir_shape *os = shape_of(g, n->output);
    int32_t outer = 1, inner_unit = 1, offset = 0;
    int k;
    for (k = 0; k < n->axis; k++) {
        outer *= os->d[k];
    }
    for (k = n->axis + 1; k < os->rank; k++) {
        inner_unit *= os->d[k];
    }
    for (k = 0; k < n->n_inputs; k++) {
        stoic_copy_f32_params *p = &calls[k].p.copy;
        int32_t in_inner = shape_of(g, n->inputs[k])->d[n->axis] * inner_unit;
        calls[k].k = LK_COPY;
        p->outer = outer;
        p->in_inner = in_inner;
        p->out_inner = os->d[n->axis] * inner_unit;
        p->out_offset = offset;
        offset += in_inner;
        set_args(&calls[k], n->inputs[k], -1, -1, n->output);
    }
    return n->n_inputs;
}

static void lower_pad(const ir_graph *g, const ir_node *n, lower_call *c)
{
    const ir_shape *is = shape_of(g, n->inputs[0]), *os = shape_of(g, n->output);
    stoic_pad_f32_params *p = &c->p.pad;
    int lead = 4 - is->rank, k;
    c->k = LK_PAD;
    for (k = 0; k < 4; k++) {
        int src = k - lead;
        p->in_dim[k] = src >= 0 ? is->d[src] : 1;
        p->out_dim[k] = src >= 0 ? os->d[src] : 1;
        p->before[k] = src >= 0 ? n->padn[src] : 0;
    }
    p->value = n->value;
    set_args(c, n->inputs[0], -1, -1, n->output);
}

static void lower_transpose(const ir_graph *g, const ir_node *n, lower_call *c)
{
    const ir_shape *is = shape_of(g, n->inputs[0]), *os = shape_of(g, n->output);
    stoic_transpose_f32_params *p = &c->p.transpose;
    int32_t stride[IR_MAX_RANK];
    int lead = 4 - is->rank, k;
    c->k = LK_TRANSPOSE;
    stride[is->rank - 1] = 1;
    for (k = is->rank - 2; k >= 0; k--) {
        stride[k] = stride[k + 1] * is->d[k + 1];
    }
    for (k = 0; k < 4; k++) {
        int src = k - lead;
        p->out_dim[k] = src >= 0 ? os->d[src] : 1;
        p->in_stride[k] = src >= 0 ? stride[n->perm[src]] : 0;
    }
    set_args(c, n->inputs[0], -1, -1, n->output);
}

int lower_node(const ir_graph *g, int ni, lower_call calls[LOWER_MAX_CALLS])
{
    const ir_node *n = &g->n[ni];
    lower_call *c = &calls[0];
    const ir_shape *is = shape_of(g, n->inputs[0]);
    int32_t last = is->d[is->rank - 1];
    int k;
    memset(calls, 0, sizeof *calls);
    switch (n->op) {
    case IR_OP_DENSE:
        c->k = LK_DENSE;
        c->p.dense.rows = (int32_t)(count_of(g, n->inputs[0]) / last);
        c->p.dense.in_n = last;
        c->p.dense.out_n = n->units;
        c->p.dense.act = n->act;
        set_args(c, n->inputs[0], n->params[0], n->params[1], n->output);
        return 1;
    case IR_OP_CONV2D:
    case IR_OP_CONV1D:
        lower_conv(g, n, c);
        return 1;
    case IR_OP_MAXPOOL2D:
    case IR_OP_AVGPOOL2D:
        lower_pool(g, n, c);
        return 1;
    case IR_OP_GAVGPOOL:
        c->k = LK_GAVGPOOL;
        c->p.gavgpool.hw = is->d[0] * is->d[1];
        c->p.gavgpool.c = is->d[2];
        set_args(c, n->inputs[0], -1, -1, n->output);
        return 1;
    case IR_OP_ACTIVATION:
        c->k = LK_ACTIVATION;
        c->p.activation.n = (int32_t)count_of(g, n->inputs[0]);
        c->p.activation.act = n->act;
        set_args(c, n->inputs[0], -1, -1, n->output);
        return 1;
    case IR_OP_SOFTMAX:
        c->k = LK_SOFTMAX;
        c->p.softmax.outer = 1;
        c->p.softmax.inner = 1;
        for (k = 0; k < n->axis; k++) {
            c->p.softmax.outer *= is->d[k];
        }
        for (k = n->axis + 1; k < is->rank; k++) {
            c->p.softmax.inner *= is->d[k];
        }
        c->p.softmax.axis_n = is->d[n->axis];
        set_args(c, n->inputs[0], -1, -1, n->output);
        return 1;
    case IR_OP_ADD:
    case IR_OP_MUL: {
        int64_t na = count_of(g, n->inputs[0]), nb = count_of(g, n->inputs[1]);
        c->k = n->op == IR_OP_ADD ? LK_ADD : LK_MUL;
        if (na == nb) {
            c->p.binary.outer = 1;
            c->p.binary.inner = (int32_t)na;
            c->p.binary.b_outer_stride = (int32_t)na;
        } else {
            c->p.binary.outer = (int32_t)(na / nb);
            c->p.binary.inner = (int32_t)nb;
            c->p.binary.b_outer_stride = 0;
        }
        c->p.binary.act = n->act;
        set_args(c, n->inputs[0], n->inputs[1], -1, n->output);
        return 1;
    }
    case IR_OP_AFFINE:
        c->k = LK_AFFINE;
        c->p.affine.outer = (int32_t)(count_of(g, n->inputs[0]) / last);
        c->p.affine.c = last;
        c->p.affine.act = n->act;
        set_args(c, n->inputs[0], n->params[0], n->params[1], n->output);
        return 1;
    case IR_OP_CONCAT:
        return lower_concat(g, n, calls);
    case IR_OP_RESHAPE:
        if (g->t[n->output].alias_of >= 0) {
            return 0;
        }
        c->k = LK_COPY;
        c->p.copy.outer = 1;
        c->p.copy.in_inner = (int32_t)count_of(g, n->inputs[0]);
        c->p.copy.out_inner = c->p.copy.in_inner;
        c->p.copy.out_offset = 0;
        set_args(c, n->inputs[0], -1, -1, n->output);
        return 1;
    case IR_OP_PAD:
        lower_pad(g, n, c);
        return 1;
    case IR_OP_TRANSPOSE:
        lower_transpose(g, n, c);
        return 1;
    default:
        return -1;
    }
}

/* ---- field listing for the emitter ------------------------------------- */

typedef struct {
    lower_field *f;
    int n, max;
} fl;

static void fi(fl *l, const char *name, long v)
{
    if (l->n < l->max) {
        l->f[l->n].name = name;
        l->f[l->n].is_float = 0;
        l->f[l->n].ival = v;
        l->n++;
    }
}

static void ff(fl *l, const char *name, float v)
{
    if (l->n < l->max) {
        l->f[l->n].name = name;
        l->f[l->n].is_float = 1;
        l->f[l->n].fval = v;
        l->n++;
    }
}

static void fact(fl *l, const stoic_act_f32 *a)
{
    fi(l, "act.kind", (long)a->kind);
    ff(l, "act.lo", a->lo);
    ff(l, "act.hi", a->hi);
    ff(l, "act.alpha", a->alpha);
}

int lower_fields(const lower_call *c, lower_field *f, int max)
{
    fl l;
    int k;
    static const char *const in_dim[4] = { "in_dim[0]", "in_dim[1]", "in_dim[2]", "in_dim[3]" };
    static const char *const out_dim[4] = { "out_dim[0]", "out_dim[1]", "out_dim[2]",
                                            "out_dim[3]" };
    static const char *const before[4] = { "before[0]", "before[1]", "before[2]", "before[3]" };
    static const char *const in_stride[4] = { "in_stride[0]", "in_stride[1]", "in_stride[2]",
                                              "in_stride[3]" };
    l.f = f;
    l.n = 0;
    l.max = max;
    switch (c->k) {
    case LK_DENSE:
        fi(&l, "rows", c->p.dense.rows);
        fi(&l, "in_n", c->p.dense.in_n);
        fi(&l, "out_n", c->p.dense.out_n);
        fact(&l, &c->p.dense.act);
        break;
    case LK_CONV2D: {
        const stoic_conv2d_f32_params *p = &c->p.conv2d;
        fi(&l, "in_h", p->in_h);
        fi(&l, "in_w", p->in_w);
        fi(&l, "in_c", p->in_c);
        fi(&l, "out_h", p->out_h);
        fi(&l, "out_w", p->out_w);
        fi(&l, "out_c", p->out_c);
        fi(&l, "k_h", p->k_h);
        fi(&l, "k_w", p->k_w);
        fi(&l, "stride_h", p->stride_h);
        fi(&l, "stride_w", p->stride_w);
        fi(&l, "dil_h", p->dil_h);
        fi(&l, "dil_w", p->dil_w);
        fi(&l, "pad_top", p->pad_top);
        fi(&l, "pad_left", p->pad_left);
        fi(&l, "groups", p->groups);
        fact(&l, &p->act);
        break;
    }
    case LK_MAXPOOL2D:
    case LK_AVGPOOL2D: {
        const stoic_pool2d_f32_params *p = &c->p.pool2d;
        fi(&l, "in_h", p->in_h);
        fi(&l, "in_w", p->in_w);
        fi(&l, "c", p->c);
        fi(&l, "out_h", p->out_h);
        fi(&l, "out_w", p->out_w);
        fi(&l, "k_h", p->k_h);
        fi(&l, "k_w", p->k_w);
        fi(&l, "stride_h", p->stride_h);
        fi(&l, "stride_w", p->stride_w);
        fi(&l, "pad_top", p->pad_top);
        fi(&l, "pad_left", p->pad_left);
        fi(&l, "count_include_pad", p->count_include_pad);
        fi(&l, "dil_h", p->dil_h);
        fi(&l, "dil_w", p->dil_w);
        break;
    }
    case LK_GAVGPOOL:
        fi(&l, "hw", c->p.gavgpool.hw);
        fi(&l, "c", c->p.gavgpool.c);
        break;
    case LK_ACTIVATION:
        fi(&l, "n", c->p.activation.n);
        fact(&l, &c->p.activation.act);
        break;
    case LK_SOFTMAX:
        fi(&l, "outer", c->p.softmax.outer);
        fi(&l, "axis_n", c->p.softmax.axis_n);
        fi(&l, "inner", c->p.softmax.inner);
        break;
    case LK_ADD:
    case LK_MUL:
        fi(&l, "outer", c->p.binary.outer);
        fi(&l, "inner", c->p.binary.inner);
        fi(&l, "b_outer_stride", c->p.binary.b_outer_stride);
        fact(&l, &c->p.binary.act);
        break;
    case LK_AFFINE:
        fi(&l, "outer", c->p.affine.outer);
        fi(&l, "c", c->p.affine.c);
        fact(&l, &c->p.affine.act);
        break;
    case LK_COPY:
        fi(&l, "outer", c->p.copy.outer);
        fi(&l, "in_inner", c->p.copy.in_inner);
        fi(&l, "out_inner", c->p.copy.out_inner);
        fi(&l, "out_offset", c->p.copy.out_offset);
        break;
    case LK_PAD:
        for (k = 0; k < 4; k++) {
            fi(&l, in_dim[k], c->p.pad.in_dim[k]);
        }
        for (k = 0; k < 4; k++) {
            fi(&l, out_dim[k], c->p.pad.out_dim[k]);
        }
        for (k = 0; k < 4; k++) {
            fi(&l, before[k], c->p.pad.before[k]);
        }
        ff(&l, "value", c->p.pad.value);
        break;
    case LK_TRANSPOSE:
        for (k = 0; k < 4; k++) {
            fi(&l, out_dim[k], c->p.transpose.out_dim[k]);
        }
        for (k = 0; k < 4; k++) {
            fi(&l, in_stride[k], c->p.transpose.in_stride[k]);
        }
        break;
    default:
        break;
    }
    return l.n;
}

#include "lower.h"

#include "resize.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ORDER KERNEL */
static const char *const kernel_fn[] = {
    "stoic_dense_f32", "stoic_conv2d_f32", "stoic_maxpool2d_f32", "stoic_avgpool2d_f32",
    "stoic_gavgpool_f32", "stoic_activation_f32", "stoic_softmax_f32", "stoic_add_f32",
    "stoic_mul_f32", "stoic_affine_f32", "stoic_copy_f32", "stoic_pad_f32", "stoic_transpose_f32",
    "stoic_dense_s8", "stoic_conv2d_s8", "stoic_maxpool2d_s8", "stoic_avgpool2d_s8",
    "stoic_lut_s8", "stoic_softmax_s8", "stoic_add_s8", "stoic_mul_s8", "stoic_copy_s8",
    "stoic_pad_s8", "stoic_transpose_s8",
    "stoic_dense_s16", "stoic_conv2d_s16", "stoic_maxpool2d_s16", "stoic_avgpool2d_s16",
    "stoic_lut_s16", "stoic_softmax_s16", "stoic_add_s16", "stoic_mul_s16", "stoic_copy_s16",
    "stoic_pad_s16", "stoic_transpose_s16",
    "stoic_convert_s8_s16", "stoic_convert_s16_s8", "stoic_quantize_s8", "stoic_quantize_s16",
    "stoic_dequantize_s8", "stoic_dequantize_s16",
    "stoic_dense_f32_sparse", "stoic_dense_s8_sparse", "stoic_dense_s16_sparse",
    "stoic_conv2d_f32_sparse", "stoic_conv2d_s8_sparse", "stoic_conv2d_s16_sparse",
    "stoic_dense_s8_pk", "stoic_conv2d_s8_dw3", "stoic_dense_s16_pk", "stoic_conv2d_s16_dw3",
    "stoic_conv2d_s8_pk", "stoic_conv2d_s16_pk",
    "stoic_maxpool2d_f32_2x2", "stoic_avgpool2d_f32_2x2", "stoic_maxpool2d_s8_2x2",
    "stoic_avgpool2d_s8_2x2", "stoic_maxpool2d_s16_2x2", "stoic_avgpool2d_s16_2x2",
    "stoic_gavgpool_s8", "stoic_gavgpool_s16",
    "stoic_resize_f32", "stoic_resize_s8", "stoic_resize_s16",
    "stoic_lstm_f32", "stoic_gru_f32",
    "stoic_lstm_s16", "stoic_lstm_s8w", "stoic_gru_s16", "stoic_gru_s8w",
    "stoic_dense_s4_pk", "stoic_pw_s8", "stoic_pw_s16"
};
static const char *const kernel_params[] = {
    "stoic_dense_f32_params", "stoic_conv2d_f32_params", "stoic_pool2d_f32_params",
    "stoic_pool2d_f32_params", "stoic_gavgpool_f32_params", "stoic_activation_f32_params",
    "stoic_softmax_f32_params", "stoic_binary_f32_params", "stoic_binary_f32_params",
    "stoic_affine_f32_params", "stoic_copy_f32_params", "stoic_pad_f32_params",
    "stoic_transpose_f32_params",
    "stoic_dense_s8_params", "stoic_conv2d_s8_params", "stoic_pool2d_q_params",
    "stoic_pool2d_q_params", "stoic_lut_s8_params", "stoic_softmax_q_params",
    "stoic_binary_q_params", "stoic_binary_q_params", "stoic_copy_q_params",
    "stoic_pad_q_params", "stoic_transpose_q_params",
    "stoic_dense_s16_params", "stoic_conv2d_s16_params", "stoic_pool2d_q_params",
    "stoic_pool2d_q_params", "stoic_lut_s16_params", "stoic_softmax_q_params",
    "stoic_binary_q_params", "stoic_binary_q_params", "stoic_copy_q_params",
    "stoic_pad_q_params", "stoic_transpose_q_params",
    "stoic_copy_q_params", "stoic_copy_q_params", "stoic_quantize_params",
    "stoic_quantize_params", "stoic_dequantize_params", "stoic_dequantize_params",
    "stoic_dense_f32_sparse_params", "stoic_dense_sparse_q_params", "stoic_dense_sparse_q_params",
    "stoic_conv2d_f32_sparse_params", "stoic_conv2d_sparse_q_params", "stoic_conv2d_sparse_q_params",
    "stoic_dense_s8_pk_params", "stoic_conv2d_dw3_params", "stoic_dense_s16_pk_params",
    "stoic_conv2d_dw3_params", "stoic_conv2d_pk_params", "stoic_conv2d_pk_params",
    "stoic_pool2d_f32_params", "stoic_pool2d_f32_params", "stoic_pool2d_q_params",
    "stoic_pool2d_q_params", "stoic_pool2d_q_params", "stoic_pool2d_q_params",
    "stoic_pool2d_q_params", "stoic_pool2d_q_params",
    "stoic_resize_f32_params", "stoic_resize_q_params", "stoic_resize_q_params",
    "stoic_rnn_f32_params", "stoic_rnn_f32_params",
    "stoic_rnn_q_params", "stoic_rnn_q_params", "stoic_rnn_q_params", "stoic_rnn_q_params",
    "stoic_dense_s4_pk_params", "stoic_pw_params", "stoic_pw_params"
};

/* one name per kernel, no more, no fewer (a missing comma would join two) */
typedef char lower_kernel_fn_complete[(sizeof kernel_fn / sizeof kernel_fn[0] == (size_t)LK_COUNT) ? 1 : -1];
typedef char lower_kernel_params_complete[(sizeof kernel_params / sizeof kernel_params[0] == (size_t)LK_COUNT) ? 1 : -1];

const char *lower_kernel_fn(lower_kernel k)
{
    return kernel_fn[k];
}

const char *lower_kernel_params(lower_kernel k)
{
    return kernel_params[k];
}

void lower_kernel_file(lower_kernel k, char *buf, size_t n)
{
    snprintf(buf, n, "%s.c", kernel_fn[k]);
}

int lower_kernel_dsp(lower_kernel k)
{
    return k == LK_DENSE_S8_PK || k == LK_CONV2D_S8_DW3 || k == LK_DENSE_S16_PK ||
           k == LK_CONV2D_S16_DW3 || k == LK_CONV2D_S8_PK || k == LK_CONV2D_S16_PK ||
           k == LK_DENSE_S4_PK || k == LK_PW_S8 || k == LK_PW_S16;
}

int lower_kernel_inline(lower_kernel k)
{
    /* not the int4 kernel: inlined, gcc 12 spills more of its eight
     * accumulators (M4: mlp int4 105 060 instructions, called 92 337) */
    return (lower_kernel_dsp(k) && k != LK_DENSE_S4_PK) || k == LK_MAXPOOL2D_S8_2X2 ||
           k == LK_AVGPOOL2D_S8_2X2 || k == LK_MAXPOOL2D_S16_2X2 || k == LK_AVGPOOL2D_S16_2X2 ||
           k == LK_GAVGPOOL_S8 || k == LK_GAVGPOOL_S16;
}

int lower_kernel_inlined(lower_kernel k, int shared)
{
    return !shared && lower_kernel_inline(k);
}

int lower_kernel_b16(lower_kernel k)
{
    return k == LK_DENSE_S8_PK || k == LK_CONV2D_S8_PK || k == LK_CONV2D_S8_DW3 ||
           k == LK_PW_S8 || k == LK_DENSE_S4_PK;
}

/* The 14 geometry fields shared by every conv2d parameter struct (all but
 * groups), copied from one struct to another. */
/* The carries of the sparse conv decoding (runtime stoic_conv2d_*_sparse.c):
 * per output channel j starts at 0 with (kh, kw, ci) = 0 and each entry adds
 * delta[k] to ci, then carries ci into kw and kw into kh. *ci_steps and
 * *kw_steps are the most carries of each kind one entry needs, the kernel's
 * fixed trip counts. */
void lower_sparse_steps(const int32_t *row_start, const uint8_t *delta, int32_t out_c,
                        int32_t in_c, int32_t k_w, int32_t *ci_steps, int32_t *kw_steps)
{
    int32_t o, k;
    *ci_steps = 0;
    *kw_steps = 0;
    for (o = 0; o < out_c; o++) {
        int32_t ci = 0, kw = 0;
        for (k = row_start[o]; k < row_start[o + 1]; k++) {
            int32_t n = (ci + (int32_t)delta[k]) / in_c;
            ci = (ci + (int32_t)delta[k]) % in_c;
            kw += n;
            *ci_steps = n > *ci_steps ? n : *ci_steps;
            n = kw / k_w;
            kw %= k_w;
            *kw_steps = n > *kw_steps ? n : *kw_steps;
        }
    }
}

#define COPY_CONV_GEOM(dst, src)                                                               \
    do {                                                                                       \
        (dst)->in_h = (src)->in_h;                                                             \
        (dst)->in_w = (src)->in_w;                                                             \
        (dst)->in_c = (src)->in_c;                                                             \
        (dst)->out_h = (src)->out_h;                                                           \
        (dst)->out_w = (src)->out_w;                                                           \
        (dst)->out_c = (src)->out_c;                                                           \
        (dst)->k_h = (src)->k_h;                                                               \
        (dst)->k_w = (src)->k_w;                                                               \
        (dst)->stride_h = (src)->stride_h;                                                     \
        (dst)->stride_w = (src)->stride_w;                                                     \
        (dst)->dil_h = (src)->dil_h;                                                           \
        (dst)->dil_w = (src)->dil_w;                                                           \
        (dst)->pad_top = (src)->pad_top;                                                       \
        (dst)->pad_left = (src)->pad_left;                                                     \
    } while (0)

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
    int v[4];
    int k;
    v[0] = a0;
    v[1] = a1;
    v[2] = a2;
    v[3] = a3;
    c->n_args = 0;
    for (k = 0; k < 4; k++) {
        if (v[k] >= 0) {
            c->args[c->n_args++] = v[k];
        }
    }
}

/* arguments in call order, LOWER_ARG_NONE ones skipped (packed kernels) */
static void set_args6(lower_call *c, const int *v, int n)
{
    int k;
    c->n_args = 0;
    for (k = 0; k < n && k < LOWER_MAX_ARGS; k++) {
        if (v[k] != LOWER_ARG_NONE) {
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
    /* a convolution with its 2x2 max pool fused (pass_poolfuse) writes
     * the pooled tensor: its own output is twice as high and wide */
    p->out_h = (one_d ? 1 : os->d[0]) * (n->pool_max ? 2 : 1);
    p->out_w = os->d[one_d ? 0 : 1] * (n->pool_max ? 2 : 1);
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

/* The pooling variants (runtime/stoic_*pool2d_*_2x2.c): 2x2 windows,
 * stride 2, no dilation (pads, smaller than the window, are 0 or 1). */
static int is_2x2(int32_t k_h, int32_t k_w, int32_t s_h, int32_t s_w, int32_t d_h, int32_t d_w)
{
    return k_h == 2 && k_w == 2 && s_h == 2 && s_w == 2 && d_h == 1 && d_w == 1;
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
    if (is_2x2(p->k_h, p->k_w, p->stride_h, p->stride_w, p->dil_h, p->dil_w)) {
        c->k = n->op == IR_OP_MAXPOOL2D ? LK_MAXPOOL2D_2X2 : LK_AVGPOOL2D_2X2;
    }
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
    /* an unpadded last axis joins the one before it (the same bytes in the
     * same order): the kernel's rows get longer, e.g. [H W C] padded in H
     * and W runs on rows of W*C elements, not of C */
    for (k = 0; k < 3 && p->in_dim[3] == p->out_dim[3] && p->before[3] == 0; k++) {
        int32_t inner = p->in_dim[3];
        int j;
        p->in_dim[2] *= inner;
        p->out_dim[2] *= inner;
        p->before[2] *= inner;
        for (j = 3; j > 0; j--) {
            p->in_dim[j] = p->in_dim[j - 1];
            p->out_dim[j] = p->out_dim[j - 1];
            p->before[j] = p->before[j - 1];
        }
        p->in_dim[0] = 1;
        p->out_dim[0] = 1;
        p->before[0] = 0;
    }
    p->value = n->value;
    set_args(c, n->inputs[0], -1, -1, n->output);
}

/* The integer LSTM / GRU's acc32 (stoic_rt.h): 1 when every gate row's
 * two accumulators stay below 2^30 for any int16 input and state (|bias|
 * + 32768 sum |weights|, the recurrent row over hidden or, low rank, over
 * rank values) and every qx, qh shift is in [-31, 0]: rq64 is then
 * stoic_dsp_rq32, one SMLAL. */
static int32_t rnn_q_acc32(const ir_graph *g, const ir_node *n, const stoic_rnn_q_params *p,
                           int64_t rows)
{
    const int64_t lim = (int64_t)1 << 30;
    const int w8 = n->prec != IR_DT_S16;
    const void *w = g->t[n->params[0]].qdata;
    const void *r = g->t[n->params[1]].qdata;
    const int64_t vn = p->rank > 0 ? p->rank : p->hidden;
    int64_t J, i;
    for (J = 0; J < rows; J++) {
        int64_t bx = p->bx != NULL ? p->bx[J] : 0;
        int64_t bh = p->bh != NULL ? p->bh[J] : 0;
        int64_t sx = bx < 0 ? -bx : bx;
        int64_t sh = bh < 0 ? -bh : bh;
        for (i = 0; i < p->in_n && sx < lim; i++) {
            int64_t v = w8 ? ((const int8_t *)w)[J * p->in_n + i]
                           : ((const int16_t *)w)[J * p->in_n + i];
            sx += (v < 0 ? -v : v) * 32768;
        }
        for (i = 0; i < vn && sh < lim; i++) {
            int64_t v = w8 ? ((const int8_t *)r)[J * vn + i] : ((const int16_t *)r)[J * vn + i];
            sh += (v < 0 ? -v : v) * 32768;
        }
        if (sx >= lim || sh >= lim || p->qx[J].shift > 0 || p->qx[J].shift < -31 ||
            p->qh[J].shift > 0 || p->qh[J].shift < -31) {
            return 0;
        }
    }
    return 1;
}

/* The transpose kernel, a gather over the output rank normalised to 4:
 * for a transpose, output axis k reads input axis perm[k]; for a slice
 * with steps (ir_slice_strided), input axis k from its first kept value
 * (lo, or hi - 1 for a negative step) every step values. */
static void lower_transpose(const ir_graph *g, const ir_node *n, lower_call *c)
{
    const ir_shape *is = shape_of(g, n->inputs[0]), *os = shape_of(g, n->output);
    stoic_transpose_f32_params *p = &c->p.transpose;
    int32_t stride[IR_MAX_RANK];
    int lead = 4 - is->rank, k, sliced = n->op == IR_OP_PAD;
    c->k = LK_TRANSPOSE;
    stride[is->rank - 1] = 1;
    for (k = is->rank - 2; k >= 0; k--) {
        stride[k] = stride[k + 1] * is->d[k + 1];
    }
    p->in_offset = 0;
    for (k = 0; k < is->rank && sliced; k++) {
        int32_t first = n->slice_step[k] > 0 ? n->slice_lo[k] : n->slice_hi[k] - 1;
        p->in_offset += first * stride[k];
    }
    for (k = 0; k < 4; k++) {
        int src = k - lead;
        p->out_dim[k] = src >= 0 ? os->d[src] : 1;
        if (src < 0) {
            p->in_stride[k] = 0;
        } else if (sliced) {
            p->in_stride[k] = stride[src] * n->slice_step[src];
        } else {
            p->in_stride[k] = stride[n->perm[src]];
        }
    }
    set_args(c, n->inputs[0], -1, -1, n->output);
}

static void lower_resize(const ir_graph *g, const ir_node *n, lower_call *c);

static int lower_node_f32(const ir_graph *g, int ni, lower_call *calls)
{
    const ir_node *n = &g->n[ni];
    lower_call *c = &calls[0];
    const ir_shape *is = shape_of(g, n->inputs[0]);
    int32_t last = is->d[is->rank - 1];
    int k;
    switch (n->op) {
    case IR_OP_DENSE:
        if (n->sparse) {
            c->k = LK_DENSE_F32_SPARSE;
            c->p.dense_sp.rows = (int32_t)(count_of(g, n->inputs[0]) / last);
            c->p.dense_sp.in_n = last;
            c->p.dense_sp.out_n = n->units;
            c->p.dense_sp.act = n->act;
            c->p.dense_sp.row_start = g->t[n->params[4]].qdata;
            c->p.dense_sp.delta = g->t[n->params[5]].qdata;
            c->ref_rows = n->params[4];
            c->ref_delta = n->params[5];
            set_args(c, n->inputs[0], n->params[0], n->params[1], n->output);
            return 1;
        }
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
        if (n->sparse) {
            stoic_conv2d_f32_params f = c->p.conv2d;
            stoic_conv2d_f32_sparse_params *p = &c->p.conv_sp;
            c->k = LK_CONV2D_F32_SPARSE;
            COPY_CONV_GEOM(p, &f);
            p->act = f.act;
            p->row_start = g->t[n->params[4]].qdata;
            p->delta = g->t[n->params[5]].qdata;
            lower_sparse_steps(p->row_start, p->delta, p->out_c, p->in_c, p->k_w, &p->ci_steps,
                               &p->kw_steps);
            c->ref_rows = n->params[4];
            c->ref_delta = n->params[5];
        }
        return 1;
    case IR_OP_MAXPOOL2D:
    case IR_OP_AVGPOOL2D:
        lower_pool(g, n, c);
        return 1;
    case IR_OP_GAVGPOOL:
        /* [H W C], or [L C] as H = L, W = 1 */
        c->k = LK_GAVGPOOL;
        c->p.gavgpool.hw = is->d[0] * (is->rank == 3 ? is->d[1] : 1);
        c->p.gavgpool.c = is->d[is->rank - 1];
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
        if (ir_slice_strided(n)) {
            lower_transpose(g, n, c);
        } else {
            lower_pad(g, n, c);
        }
        return 1;
    case IR_OP_RESIZE:
        lower_resize(g, n, c);
        return 1;
    case IR_OP_TRANSPOSE:
        lower_transpose(g, n, c);
        return 1;
    case IR_OP_LSTM:
    case IR_OP_GRU: {
        /* the whole sequence from the initial state (init = 1; the step
         * graph: one step from the kept state, init = 0); the state stays
         * in NAME_state_float32 (README "Recurrent layers") */
        int v[7];
        c->k = n->op == IR_OP_LSTM ? LK_LSTM : LK_GRU;
        c->p.rnn.steps = is->d[0];
        c->p.rnn.batch = is->rank == 3 ? is->d[1] : 1;
        c->p.rnn.in_n = last;
        c->p.rnn.hidden = n->units;
        c->p.rnn.reverse = n->rnn_reverse;
        c->p.rnn.init = g->step ? 0 : 1; /* NAME_step: from the kept state */
        c->p.rnn.linear_before_reset = n->op == IR_OP_GRU ? n->rnn_lbr : 0;
        c->p.rnn.rank = n->rnn_rank;
        c->p.rnn.rb = n->rnn_rank > 0 ? g->t[n->params[6]].data : NULL;
        c->ref_proj = n->rnn_rank > 0 ? n->params[6] : -1;
        c->state_dt = IR_DT_F32;
        c->state_off = n->state_off;
        v[0] = n->inputs[0];
        v[1] = n->params[0];
        v[2] = n->params[1];
        v[3] = n->params[2] >= 0 ? n->params[2] : LOWER_ARG_NULL;
        v[4] = n->params[3] >= 0 ? n->params[3] : LOWER_ARG_NULL;
        v[5] = LOWER_ARG_STATE;
        v[6] = n->output;
        set_args6(c, v, 7);
        return 1;
    }
    default:
        return -1;
    }
}

/* ---- integer nodes ------------------------------------------------------ */

static int32_t dt_min(ir_dtype dt)
{
    return dt == IR_DT_S16 ? -32768 : -128;
}

static int32_t dt_max(ir_dtype dt)
{
    return dt == IR_DT_S16 ? 32767 : 127;
}

int32_t lower_quantize_value(const ir_tensor *t, double v)
{
    double q = floor(v / t->scale + 0.5) + (double)t->zp;
    double lo = (double)dt_min(t->dtype), hi = (double)dt_max(t->dtype);
    return (int32_t)(q < lo ? lo : (q > hi ? hi : q));
}

/* The output clamp of an integer node: the dtype's range narrowed by a
 * fused relu / relu6 / clip. */
static void act_range(const ir_graph *g, const ir_node *n, int32_t *lo, int32_t *hi)
{
    const ir_tensor *t = &g->t[n->output];
    *lo = dt_min(t->dtype);
    *hi = dt_max(t->dtype);
    if (n->act.kind == STOIC_ACT_CLAMP) {
        if (n->act.lo > -STOIC_FLT_MAX) {
            *lo = lower_quantize_value(t, (double)n->act.lo);
        }
        if (n->act.hi < STOIC_FLT_MAX) {
            *hi = lower_quantize_value(t, (double)n->act.hi);
        }
    }
}

static const stoic_qmul *qmul_of(const ir_graph *g, const ir_node *n)
{
    return n->params[2] >= 0 ? (const stoic_qmul *)g->t[n->params[2]].qdata : NULL;
}

static stoic_qmul qmul_at(const ir_graph *g, const ir_node *n, int k)
{
    const stoic_qmul *q = qmul_of(g, n);
    stoic_qmul id = { 1073741824, 1 }; /* exactly 1 */
    return q != NULL ? q[k] : id;
}

static int32_t off_of(const ir_graph *g, int t)
{
    return g->t[t].dtype == IR_DT_S8 ? g->t[t].zp : 0;
}

/* kernel of precision dt: the int8 one, or the int16 one LK_*_S16 */
static lower_kernel kq(lower_kernel k8, ir_dtype dt)
{
    return dt == IR_DT_S16 ? (lower_kernel)(k8 + (LK_DENSE_S16 - LK_DENSE_S8)) : k8;
}

/* ---- packed int8 kernels ------------------------------------------------ */
/*
 * A packed kernel (stoic_dsp.h) runs when lower can prove its
 * preconditions for the layer's actual constants; otherwise the layer
 * keeps the plain kernel (same results, slower). What is proved, from the
 * quantized weights w (all in [-127, 127]), the bias b folded with the
 * input zero point, b'[o] = b[o] - zp_in * sum_i w[o][i], and inputs
 * q_x in [-128, 127]:
 *   B[o] = |b'[o]| + 128 * sum_i |w[o][i]|   bounds every partial sum of
 *                                           output o, in any order;
 *   B[o] < 2^30                             (the output stage takes 2 acc);
 *   B[r] + 256 B[r + 1] < 2^31              (a pair's shared accumulator);
 *   every shift in [-31, -1], and |2 zp_out + 1| 2^(-shift - 1) + B[o] + 2
 *   < 2^31                                  (stoic_dsp_rq's hi word).
 */
#define PK_LIM31 2147483647LL
#define PK_LIM30 1073741824LL

typedef struct {
    const int8_t *w;       /* [out_n][in_n] */
    const int32_t *b;      /* int8: [out_n] or NULL */
    const int64_t *b64;    /* int16: [out_n] or NULL */
    const stoic_qmul *q;   /* [out_n] */
    int32_t zp_in;
    int32_t zp_out;
    int64_t x_mag;         /* largest |input|: 128 (int8) or 32768 (int16) */
} pk_src;

static int pk_src_of(const ir_graph *g, const ir_node *n, int32_t out_n, int64_t per, pk_src *s)
{
    const ir_tensor *tw, *tq;
    ir_dtype dt = n->prec;
    if ((dt != IR_DT_S8 && dt != IR_DT_S16) || n->sparse || n->params[0] < 0 ||
        n->params[2] < 0) {
        return 0;
    }
    tw = &g->t[n->params[0]];
    tq = &g->t[n->params[2]];
    if (tw->dtype != IR_DT_S8 || tw->qdata == NULL || ir_shape_count(&tw->shape) != out_n * per ||
        tq->dtype != IR_DT_QMUL || ir_shape_count(&tq->shape) != out_n ||
        g->t[n->inputs[0]].dtype != dt || g->t[n->output].dtype != dt) {
        return 0;
    }
    s->w = tw->qdata;
    s->q = tq->qdata;
    s->b = NULL;
    s->b64 = NULL;
    if (n->params[1] >= 0) {
        const ir_tensor *tb = &g->t[n->params[1]];
        if (tb->dtype != (dt == IR_DT_S8 ? IR_DT_S32 : IR_DT_S64) ||
            ir_shape_count(&tb->shape) != out_n) {
            return 0;
        }
        if (dt == IR_DT_S8) {
            s->b = tb->qdata;
        } else {
            s->b64 = tb->qdata;
        }
    }
    s->zp_in = dt == IR_DT_S8 ? g->t[n->inputs[0]].zp : 0;
    s->zp_out = dt == IR_DT_S8 ? g->t[n->output].zp : 0;
    s->x_mag = dt == IR_DT_S8 ? 128 : 32768;
    return 1;
}

/* the folded bias of output o, and its bound B[o] (see above) */
static int64_t pk_bias(const pk_src *s, int32_t o, int64_t per, int64_t *bound)
{
    int64_t sum = 0, mag = 0, b, i;
    for (i = 0; i < per; i++) {
        int32_t v = s->w[(int64_t)o * per + i];
        sum += v;
        mag += v < 0 ? -v : v;
    }
    b = (s->b != NULL ? (int64_t)s->b[o] : (s->b64 != NULL ? s->b64[o] : 0)) -
        (int64_t)s->zp_in * sum;
    *bound = (b < 0 ? -b : b) + s->x_mag * mag;
    return b;
}

/* Whether outputs [0, out_n) with `per` weights each can run packed in
 * row pairs (the pairs (0,1), (2,3), ...; an odd last row pairs with a
 * zero row). */
#define PK_ROW_PAIRS 1  /* rows (0, 1), (2, 3), ... share an accumulator */
static int pk_ok(const pk_src *s, int32_t out_n, int64_t per, int pairs)
{
    int32_t o;
    int64_t i, prev = 0;
    int64_t c1 = 2 * (int64_t)s->zp_out + 1;
    for (i = 0; i < (int64_t)out_n * per; i++) {
        if (s->w[i] < -127) {
            return 0;
        }
    }
    for (o = 0; o < out_n; o++) {
        int64_t bound, e = -(int64_t)s->q[o].shift;
        (void)pk_bias(s, o, per, &bound);
        if (s->q[o].m < (int32_t)PK_LIM30 || e < 1 || e > 31 || (s->q[o].m & 31) != e - 1 ||
            bound >= PK_LIM30 ||
            (c1 < 0 ? -c1 : c1) * ((int64_t)1 << (e - 1)) + bound + 2 >= PK_LIM31) {
            return 0;
        }
        if (pairs == PK_ROW_PAIRS && (o % 2) == 1 && prev + 256 * bound >= PK_LIM31) {
            return 0;
        }
        prev = bound;
    }
    return 1;
}

/* lane i of the packed word of rows (r, r + 1): 256 w[r+1][i] + w[r][i] */
/* Lane i of the words of rows (r, r + 1): the weight index of lane i is i
 * (dense) or, for a convolution packed by channel pairs (ch > 0: ch input
 * channels, cw = (ch + 1) / 2 words per tap), tap i / (2 cw) and channel
 * i % (2 cw), absent when the channel is ch (odd ch). */
static int32_t pk_lane(const pk_src *s, int32_t out_n, int64_t per, int32_t ch, int32_t r,
                       int64_t i)
{
    int32_t lo = 0, hi = 0;
    int64_t k = i;
    if (ch > 0) {
        int64_t cw2 = 2 * (int64_t)((ch + 1) / 2), cc = i % cw2;
        k = cc < ch ? (i / cw2) * ch + cc : per;
    }
    if (k < per) {
        lo = s->w[(int64_t)r * per + k];
        hi = r + 1 < out_n ? s->w[(int64_t)(r + 1) * per + k] : 0;
    }
    return 256 * hi + lo;
}

int32_t lower_s4_word(const int8_t *w, int64_t per, int32_t gi)
{
    uint32_t u = 0;
    int j, l;
    for (j = 0; j < 4; j++) {
        for (l = 0; l < 2; l++) {
            int64_t i = 8 * (int64_t)gi + 2 * j + l;
            uint32_t nib = (uint32_t)((i < per ? (int32_t)w[i] : 0) + 8);
            u |= nib << (4 * (j + 4 * l));
        }
    }
    return (int32_t)u;
}

/* stoic_dsp_pack */
static int32_t pk_word(int32_t lo, int32_t hi)
{
    return (int32_t)((uint32_t)lo & 0xFFFFU) + hi * 65536;
}

static void *own_alloc(lower_call *c, int k, ir_dtype dt, int64_t n, const char *role)
{
    c->own[k].data = calloc((size_t)(n > 0 ? n : 1), ir_dtype_size(dt));
    c->own[k].dtype = dt;
    c->own[k].n = n;
    c->own[k].role = role;
    return c->own[k].data;
}

/* The folded biases of outputs [0, out_n) as own array k (role "c" or
 * "b") of call c, in the form the int8 packed kernels read
 * (stoic_bias_at, stoic_bias_rec): when the call's kernel reads them
 * (lower_kernel_b16), the layer asks for int16 biases (bias16: its
 * biases pass_quantize rounded to multiples of 2^s) and every value is such a multiple within int16 times 2^s, two
 * values a word (lanes: outputs 2i, 2i + 1; an odd last output's partner
 * 0) and *b16 = 2^s; else one int32 per output, or with pairs (the
 * row-pair kernels, out_n rounded up to even) per pair (b0, b0 + 256 b1),
 * int16 kernels (s16) (b0, b1), and *b16 = 0. Returns 0, or -1 when out
 * of memory. */
static int bias_own(const ir_graph *g, lower_call *c, int k, const char *role, const pk_src *s,
                    int32_t out_n, int64_t per, int pairs, int s16, int32_t *b16)
{
    const ir_node *n = &g->n[c->node];
    int32_t o, n_v = pairs ? 2 * ((out_n + 1) / 2) : out_n;
    int64_t *f = calloc((size_t)n_v + 1U, sizeof *f), bd, u = 0;
    int32_t *b;
    if (f == NULL) {
        return -1;
    }
    for (o = 0; o < out_n; o++) {
        f[o] = pk_bias(s, o, per, &bd);
    }
    if (lower_kernel_b16(c->k) && n->bias16 && n->bias_shift >= 0 && n->bias_shift <= 14) {
        u = (int64_t)1 << n->bias_shift;
        for (o = 0; o < out_n && u != 0; o++) {
            if (f[o] % u != 0 || f[o] / u < -32768 || f[o] / u > 32767) {
                u = 0;
            }
        }
    }
    *b16 = (int32_t)u;
    if (u != 0) {
        b = own_alloc(c, k, IR_DT_S32, (n_v + 1) / 2, role);
        for (o = 0; b != NULL && o < n_v; o += 2) {
            b[o / 2] = pk_word((int32_t)(f[o] / u), (int32_t)(f[o + 1] / u));
        }
    } else {
        b = own_alloc(c, k, IR_DT_S32, n_v, role);
        for (o = 0; b != NULL && o < n_v; o++) {
            b[o] = (int32_t)(pairs && !s16 && o % 2 == 1 ? f[o - 1] + 256 * f[o] : f[o]);
        }
    }
    free(f);
    return b == NULL ? -1 : 0;
}

/* The packed multiplier and shift of output o (stoic_rt.h): the
 * multiplier itself, whose low 5 bits are the right shift minus one
 * (pk_ok); a padded row past out_n has 2^30, e1 = 0 (valid, never
 * stored). */
static int32_t pk_qm(const pk_src *s, int32_t out_n, int32_t o)
{
    return o < out_n ? s->q[o].m : (int32_t)PK_LIM30;
}

/* Whether every output of the layer has the same multiplier and shift
 * (a per-tensor scale): the kernels then read one packed word. */
static int pk_one_qm(const pk_src *s, int32_t out_n)
{
    int32_t o;
    for (o = 1; o < out_n; o++) {
        if (s->q[o].m != s->q[0].m || s->q[o].shift != s->q[0].shift) {
            return 0;
        }
    }
    return 1;
}

/* The packed multipliers of a call (own k): per output in output order
 * (padded to `pad` words per pass), step words per pass; or, when every
 * output has the same, `pad` copies of it and step 0. */
static int pk_qm_words(lower_call *c, int k, const pk_src *s, int32_t out_n, int32_t pad,
                       int32_t step, const int32_t **qm, int32_t *qm_step)
{
    int one = pk_one_qm(s, out_n);
    int32_t n = one ? pad : ((out_n + pad - 1) / pad) * pad, o;
    int32_t *q = own_alloc(c, k, IR_DT_S32, n, "qm");
    if (q == NULL) {
        return -1;
    }
    for (o = 0; o < n; o++) {
        q[o] = one ? pk_qm(s, out_n, 0) : pk_qm(s, out_n, o);
    }
    *qm = q;
    *qm_step = one ? 0 : step;
    return 0;
}

/* Whether the int8 dense layers of g go through stoic_conv2d_s8_pk
 * instead of stoic_dense_s8_pk: when some int8 2-D convolution is lowered
 * to stoic_conv2d_s8_pk and none to stoic_dense_s8_pk (no packed 1x1
 * convolution), so the model links one packed row kernel, not two
 * (digits int8: 1 134 bytes of code fewer on Cortex-M4, about 1 % more
 * instructions in its dense layers). Lowers the convolution nodes only,
 * whose lowering never asks this (a dense node's does). */
static int dense_via_conv_pk(const ir_graph *g)
{
    lower_call tmp[LOWER_MAX_CALLS];
    int i, k, nc, conv_pk = 0, dense_pk = 0;
    for (i = 0; i < g->nn; i++) {
        if (g->n[i].op != IR_OP_CONV2D || g->n[i].prec != IR_DT_S8) {
            continue;
        }
        nc = lower_node(g, i, tmp);
        for (k = 0; k < nc; k++) {
            conv_pk |= tmp[k].k == LK_CONV2D_S8_PK;
            dense_pk |= tmp[k].k == LK_DENSE_S8_PK;
        }
    }
    return conv_pk && !dense_pk;
}

void lower_conv_pk_of_dense(const stoic_dense_s8_pk_params *d, int32_t zp_in,
                            stoic_conv2d_pk_params *cp)
{
    stoic_dense_s8_pk_params dd = *d; /* d may share storage with cp (a union) */
    memset(cp, 0, sizeof *cp);
    cp->in_h = 1;
    cp->in_w = dd.rows;
    cp->in_c = dd.in_n;
    cp->out_h = 1;
    cp->out_w = dd.rows;
    cp->out_c = dd.out_n;
    cp->k_h = 1;
    cp->k_w = 1;
    cp->stride_h = 1;
    cp->stride_w = 1;
    cp->zp_in = zp_in;
    cp->cw = dd.in_words;
    cp->img_h = 1;
    cp->img_w = dd.rows;
    cp->act_min = dd.act_min;
    cp->act_max = dd.act_max;
    cp->clamp = dd.clamp;
    cp->c1 = dd.c1;
    cp->qm_step = dd.qm_step;
    cp->qm = dd.qm;
    cp->b16 = dd.b16;
}

/* The arguments of the packed dense kernels (input, own weights, own
 * bias records, output, scratch; no scratch when scratch_words is 0:
 * stoic_pw_s16) and their three own arrays. */
static void dense_pk_args(lower_call *c, const ir_node *n, int64_t scratch_words)
{
    int v[6];
    c->n_own = 3;
    c->scratch_words = scratch_words;
    v[0] = n->inputs[0];
    v[1] = LOWER_ARG_OWN(0);
    v[2] = LOWER_ARG_OWN(1);
    v[3] = n->output;
    v[4] = scratch_words > 0 ? LOWER_ARG_SCRATCH : LOWER_ARG_NONE;
    set_args6(c, v, 5);
}

/* Whether an int4 layer (weights in [-7, 7]) meets stoic_dense_s4_pk's
 * preconditions: the output stage's (pk_ok without row pairs) and every
 * partial sum of x (w + 8) from bias - 8 sum x below 2^31: |bias| +
 * 128 (8 + 15) per < 2^31. */
static int s4_ok(const pk_src *s, int32_t out_n, int64_t per)
{
    int64_t i, bd;
    int32_t o;
    for (i = 0; i < (int64_t)out_n * per; i++) {
        if (s->w[i] < -7 || s->w[i] > 7) {
            return 0;
        }
    }
    for (o = 0; o < out_n; o++) {
        int64_t b = pk_bias(s, o, per, &bd);
        if ((b < 0 ? -b : b) + 128 * 23 * per >= PK_LIM31) {
            return 0;
        }
    }
    return pk_ok(s, out_n, per, 0);
}

/* dense (and 1x1 convolution) with int4 weights: stoic_dense_s4_pk.c */
static int lower_dense_s4(const ir_graph *g, const ir_node *n, lower_call *c, int32_t rows,
                          int32_t in_n, int32_t out_n)
{
    stoic_dense_s4_pk_params *p = &c->p.dense4_pk;
    pk_src s;
    if (n->wbits != 4 || n->prec != IR_DT_S8 || !pk_src_of(g, n, out_n, in_n, &s) ||
        !s4_ok(&s, out_n, in_n)) {
        return 0;
    }
    c->k = LK_DENSE_S4_PK;
    p->rows = rows;
    p->in_n = in_n;
    p->out_n = out_n;
    p->n_g = (in_n + 7) / 8;
    p->in_words = 4 * p->n_g;
    p->mask = 0x000F000F;
    act_range(g, n, &p->act_min, &p->act_max);
    p->clamp = (p->act_min > -128 || p->act_max < 127) ? 1 : 0;
    p->c1 = 2 * s.zp_out + 1;
    p->qm_step = 0;
    p->qm = NULL;
    dense_pk_args(c, n, p->in_words);
    return 1;
}

/* dense (and 1x1 convolution): stoic_dense_s8_pk.c's layout */
static int lower_dense_pk(const ir_graph *g, const ir_node *n, lower_call *c, int32_t rows,
                          int32_t in_n, int32_t out_n)
{
    stoic_dense_s8_pk_params *p = &c->p.dense_pk;
    pk_src s;
    if (lower_dense_s4(g, n, c, rows, in_n, out_n)) {
        return 1;
    }
    if (!pk_src_of(g, n, out_n, in_n, &s) ||
        !pk_ok(&s, out_n, in_n, n->prec == IR_DT_S8 ? PK_ROW_PAIRS : 0)) {
        return 0;
    }
    if (n->prec == IR_DT_S16) {
        stoic_dense_s16_pk_params *p16 = &c->p.dense16_pk;
        c->k = LK_DENSE_S16_PK;
        p16->rows = rows;
        p16->in_n = in_n;
        p16->out_n = out_n;
        p16->in_words = (in_n + 1) / 2;
        act_range(g, n, &p16->act_min, &p16->act_max);
        p16->clamp = (p16->act_min > -32768 || p16->act_max < 32767) ? 1 : 0;
        p16->qm_step = 0;
        p16->qm = NULL;
        dense_pk_args(c, n, p16->in_words);
        return 1;
    }
    c->k = LK_DENSE_S8_PK;
    p->rows = rows;
    p->in_n = in_n;
    p->out_n = out_n;
    p->in_words = (in_n + 1) / 2;
    act_range(g, n, &p->act_min, &p->act_max);
    p->clamp = (p->act_min > -128 || p->act_max < 127) ? 1 : 0;
    p->c1 = 2 * s.zp_out + 1;
    p->qm_step = 0;
    p->qm = NULL;
    /* up to three input rows packed at a time */
    dense_pk_args(c, n, (rows >= 3 ? 3 : rows >= 2 ? 2 : 1) * (int64_t)p->in_words);
    if (n->op == IR_OP_DENSE && dense_via_conv_pk(g)) {
        /* the same weight words and records, through stoic_conv2d_s8_pk */
        lower_conv_pk_of_dense(p, s.zp_in, &c->p.conv_pk);
        c->k = LK_CONV2D_S8_PK;
        c->scratch_words = (int64_t)c->p.conv_pk.img_w * c->p.conv_pk.cw;
    }
    return 1;
}

/* The constants of stoic_dense_s8_pk / _s16_pk / stoic_conv2d_*_pk: the
 * weight words (own 0, nw words per row pair, per weights per output, ch
 * as pk_lane), the bias records of consts (own 1; stoic_rt.h): per row
 * pair two bias words, in pass order; and the packed multipliers and
 * shifts (own 2, qm): four words per pass of four rows (two for a last
 * pair), or four copies of the one word of a per-tensor scale (qm_step
 * 0). An odd last row pairs with a zero row (multiplier 2^30, shift 0:
 * valid, never stored). */
static int pk_rows(const ir_graph *g, lower_call *c, int s16, int32_t out_n, int64_t per,
                   int32_t ch, int32_t nw)
{
    const ir_node *n = &g->n[c->node];
    pk_src s;
    int32_t n_pairs = (out_n + 1) / 2, n_quads = out_n / 4, q, r, j, k = 0;
    int32_t *w;
    const int32_t **qm = c->k == LK_DENSE_S8_PK    ? &c->p.dense_pk.qm
                         : c->k == LK_DENSE_S16_PK ? &c->p.dense16_pk.qm
                                                   : &c->p.conv_pk.qm;
    int32_t *qm_step = c->k == LK_DENSE_S8_PK    ? &c->p.dense_pk.qm_step
                       : c->k == LK_DENSE_S16_PK ? &c->p.dense16_pk.qm_step
                                                 : &c->p.conv_pk.qm_step;
    int32_t b16_none = 0;
    int32_t *b16 = c->k == LK_DENSE_S8_PK    ? &c->p.dense_pk.b16
                   : c->k == LK_DENSE_S16_PK ? &b16_none
                                             : &c->p.conv_pk.b16;
    if (!pk_src_of(g, n, out_n, per, &s)) {
        return -1;
    }
    w = own_alloc(c, 0, IR_DT_S32, (int64_t)n_pairs * nw, "w");
    /* int16: C starts in 64 bits (records (b0, b1)) */
    if (w == NULL || bias_own(g, c, 1, "c", &s, out_n, per, 1, s16, b16) != 0 ||
        pk_qm_words(c, 2, &s, out_n, 4, 4, qm, qm_step) != 0) {
        return -1;
    }
    for (q = 0; q < n_quads; q++) {
        for (j = 0; j < nw; j++) {
            for (r = 4 * q; r < 4 * q + 4; r += 2) {
                w[k++] = pk_word(pk_lane(&s, out_n, per, ch, r, 2 * (int64_t)j),
                                 pk_lane(&s, out_n, per, ch, r, 2 * (int64_t)j + 1));
            }
        }
    }
    for (r = 4 * n_quads; r < out_n; r += 2) {
        for (j = 0; j < nw; j++) {
            w[k++] = pk_word(pk_lane(&s, out_n, per, ch, r, 2 * (int64_t)j),
                             pk_lane(&s, out_n, per, ch, r, 2 * (int64_t)j + 1));
        }
    }
    return 0;
}

static int attach_dense_pk(const ir_graph *g, lower_call *c)
{
    if (c->k == LK_DENSE_S16_PK) {
        const stoic_dense_s16_pk_params *p = &c->p.dense16_pk;
        return pk_rows(g, c, 1, p->out_n, p->in_n, 0, p->in_words);
    } else {
        const stoic_dense_s8_pk_params *p = &c->p.dense_pk;
        return pk_rows(g, c, 0, p->out_n, p->in_n, 0, p->in_words);
    }
}

/* The constants of a kernel with one record per output (stoic_dense_s4_pk,
 * stoic_pw_s8): the weight words (own 0, out_n * words, filled by the
 * caller), the folded biases (own 1, one per output) and the packed
 * multipliers (own 2: one per output, step 1; or one word, step 0).
 * Returns the weight words, NULL after a failure. */
static int32_t *per_output_consts(const ir_graph *g, lower_call *c, int32_t out_n, int64_t per,
                                  int32_t words, const int32_t **qm, int32_t *qm_step,
                                  int32_t *b16, pk_src *s)
{
    int32_t *w;
    if (!pk_src_of(g, &g->n[c->node], out_n, per, s)) {
        return NULL;
    }
    w = own_alloc(c, 0, IR_DT_S32, (int64_t)out_n * words, "w");
    if (w == NULL || bias_own(g, c, 1, "c", s, out_n, per, 0, 0, b16) != 0 ||
        pk_qm_words(c, 2, s, out_n, 1, 1, qm, qm_step) != 0) {
        return NULL;
    }
    return w;
}

/* The constants of stoic_dense_s4_pk (stoic_dense_s4_pk.c): the weight
 * words (own 0: per pass of two rows, for each word g the words of the
 * two rows; then a last odd row's n_g words), the folded biases
 * (own 1, one per output) and the packed multipliers (own 2: one per
 * output, step 1; or one word, step 0). */
static int attach_dense_s4(const ir_graph *g, lower_call *c)
{
    stoic_dense_s4_pk_params *p = &c->p.dense4_pk;
    int32_t out_n = p->out_n, n_g = p->n_g, r, r0, rn = 2, gi, k = 0;
    int64_t per = p->in_n;
    pk_src s;
    int32_t *w = per_output_consts(g, c, out_n, per, n_g, &p->qm, &p->qm_step, &p->b16, &s);
    if (w == NULL) {
        return -1;
    }
    for (r0 = 0; r0 < out_n; r0 += rn) { /* passes of two rows, a last odd row alone */
        rn = r0 + 1 < out_n ? 2 : 1;
        for (gi = 0; gi < n_g; gi++) {
            for (r = r0; r < r0 + rn; r++) {
                w[k++] = lower_s4_word(&s.w[(int64_t)r * per], per, gi);
            }
        }
    }
    return 0;
}

static int attach_conv_pk(const ir_graph *g, lower_call *c)
{
    const stoic_conv2d_pk_params *p = &c->p.conv_pk;
    return pk_rows(g, c, c->k == LK_CONV2D_S16_PK, p->out_c,
                   (int64_t)p->k_h * p->k_w * p->in_c, p->in_c, p->k_h * p->k_w * p->cw);
}

/* groups 1, dilation 1, any kernel, stride, pads: stoic_conv2d_s8_pk.c */
static int lower_conv_pk(const ir_graph *g, const ir_node *n, const stoic_conv2d_f32_params *f,
                         lower_call *c)
{
    stoic_conv2d_pk_params *p = &c->p.conv_pk;
    pk_src s;
    int v[6];
    int64_t per = (int64_t)f->k_h * f->k_w * f->in_c;
    if (f->groups != 1 || f->dil_h != 1 || f->dil_w != 1 || f->pad_top < 0 ||
        f->pad_left < 0 || !pk_src_of(g, n, f->out_c, per, &s) ||
        !pk_ok(&s, f->out_c, per, n->prec == IR_DT_S8 ? PK_ROW_PAIRS : 0)) {
        return 0;
    }
    c->k = n->prec == IR_DT_S8 ? LK_CONV2D_S8_PK : LK_CONV2D_S16_PK;
    p->in_h = f->in_h;
    p->in_w = f->in_w;
    p->in_c = f->in_c;
    p->out_h = f->out_h;
    p->out_w = f->out_w;
    p->out_c = f->out_c;
    p->k_h = f->k_h;
    p->k_w = f->k_w;
    p->stride_h = f->stride_h;
    p->stride_w = f->stride_w;
    p->pad_top = f->pad_top;
    p->pad_left = f->pad_left;
    p->zp_in = s.zp_in;
    p->cw = (f->in_c + 1) / 2;
    p->img_h = (f->out_h - 1) * f->stride_h + f->k_h;
    p->img_w = (f->out_w - 1) * f->stride_w + f->k_w;
    act_range(g, n, &p->act_min, &p->act_max);
    p->clamp = (p->act_min > dt_min(n->prec) || p->act_max < dt_max(n->prec)) ? 1 : 0;
    p->c1 = 2 * s.zp_out + 1;
    p->qm_step = 0;
    p->qm = NULL;
    c->n_own = 3;
    c->scratch_words = (int64_t)p->img_h * p->img_w * p->cw;
    v[0] = n->inputs[0];
    v[1] = LOWER_ARG_OWN(0);
    v[2] = LOWER_ARG_OWN(1);
    v[3] = n->output;
    v[4] = LOWER_ARG_SCRATCH;
    set_args6(c, v, 5);
    return 1;
}

/* 3x3 stride-1 convolution with one input channel per group:
 * stoic_conv2d_s8_dw3.c */
static int lower_conv_dw3(const ir_graph *g, const ir_node *n, const stoic_conv2d_f32_params *f,
                          lower_call *c)
{
    stoic_conv2d_dw3_params *p = &c->p.dw3;
    pk_src s;
    int v[6];
    int64_t k;
    if (n->op != IR_OP_CONV2D || f->k_h != 3 || f->k_w != 3 || f->stride_h != 1 ||
        f->stride_w != 1 || f->dil_h != 1 || f->dil_w != 1 || f->groups != f->in_c ||
        f->out_c % f->groups != 0 || f->pad_top < 0 || f->pad_top > 1 || f->pad_left < 0 ||
        f->pad_left > 1 || f->in_h + f->pad_top > f->out_h + 2 ||
        f->in_w + f->pad_left > f->out_w + 2 || !pk_src_of(g, n, f->out_c, 9, &s) ||
        !pk_ok(&s, f->out_c, 9, 0)) {
        return 0;
    }
    c->k = n->prec == IR_DT_S8 ? LK_CONV2D_S8_DW3 : LK_CONV2D_S16_DW3;
    /* int4 weights: two to a byte (own 2, attach_dw3) */
    p->w4 = n->prec == IR_DT_S8 && n->wbits == 4 ? 1 : 0;
    for (k = 0; p->w4 && k < (int64_t)f->out_c * 9; k++) {
        p->w4 = s.w[k] >= -7 && s.w[k] <= 7; /* pass_quantize's int4 range */
    }
    p->in_h = f->in_h;
    p->in_w = f->in_w;
    p->in_c = f->in_c;
    p->out_h = f->out_h;
    p->out_w = f->out_w;
    p->out_c = f->out_c;
    p->depth_mult = f->out_c / f->groups;
    p->pad_top = f->pad_top;
    p->pad_left = f->pad_left;
    p->zp_in = s.zp_in;
    p->n_pass = (f->out_w + 3) / 4;
    act_range(g, n, &p->act_min, &p->act_max);
    p->clamp = (p->act_min > dt_min(n->prec) || p->act_max < dt_max(n->prec)) ? 1 : 0;
    p->c1 = 2 * s.zp_out + 1;
    p->qm_step = 0;
    p->qm = NULL;
    c->n_own = p->w4 ? 3 : 2;
    /* the plane: out_h + 2 rows of 2 n_pass + 1 words; int8: the channel's
     * block, 10 (stoic_conv2d_s8_dw3.h) */
    c->scratch_words = (int64_t)(p->out_h + 2) * (2 * p->n_pass + 1) +
                       (c->k == LK_CONV2D_S8_DW3 ? 10 : 0);
    v[0] = n->inputs[0];
    v[1] = p->w4 ? LOWER_ARG_OWN(2) : n->params[0];
    v[2] = LOWER_ARG_OWN(0);
    v[3] = n->output;
    v[4] = LOWER_ARG_SCRATCH;
    set_args6(c, v, 5);
    return 1;
}

static int attach_dw3(const ir_graph *g, lower_call *c)
{
    stoic_conv2d_dw3_params *p = &c->p.dw3;
    pk_src s;
    if (!pk_src_of(g, &g->n[c->node], p->out_c, 9, &s)) {
        return -1;
    }
    if (bias_own(g, c, 0, "b", &s, p->out_c, 9, 0, c->k == LK_CONV2D_S16_DW3, &p->b16) != 0 ||
        pk_qm_words(c, 1, &s, p->out_c, 1, 1, &p->qm, &p->qm_step) != 0) {
        return -1;
    }
    if (p->w4) {
        /* weight i (o * 9 + k) in nibble i: byte i / 2, low nibble first,
         * plus 8 (stoic_rt.h) */
        int64_t i, n = (int64_t)p->out_c * 9;
        int8_t *w4 = own_alloc(c, 2, IR_DT_S8, (n + 1) / 2, "w");
        if (w4 == NULL) {
            return -1;
        }
        for (i = 0; i < n; i++) {
            uint32_t nib = (uint32_t)(s.w[i] + 8) << (4U * (uint32_t)(i % 2));
            w4[i / 2] = (int8_t)(uint8_t)((uint32_t)(uint8_t)w4[i / 2] | nib);
        }
    }
    return 0;
}

/* resize: the kernel's geometry; the tables (own 0..3: row and column
 * offsets, row and column weights) are made by lower_attach */
static void lower_resize(const ir_graph *g, const ir_node *n, lower_call *c)
{
    const ir_shape *os = shape_of(g, n->output);
    int32_t t_h, t_w;
    int v[6];
    resize_ntaps(g, n, &t_h, &t_w);
    if (n->prec == IR_DT_F32) {
        stoic_resize_f32_params *p = &c->p.resize;
        c->k = LK_RESIZE;
        p->out_h = os->rank == 2 ? 1 : os->d[0];
        p->out_w = os->d[os->rank - 2];
        p->c = os->d[os->rank - 1];
        p->t_h = t_h;
        p->t_w = t_w;
    } else {
        stoic_resize_q_params *p = &c->p.resize_q;
        c->k = n->prec == IR_DT_S16 ? LK_RESIZE_S16 : LK_RESIZE_S8;
        p->out_h = os->rank == 2 ? 1 : os->d[0];
        p->out_w = os->d[os->rank - 2];
        p->c = os->d[os->rank - 1];
        p->t_h = t_h;
        p->t_w = t_w;
        p->gather = n->rs_mode == IR_RS_NEAREST ? 1 : 0;
        p->input_offset = -g->t[n->inputs[0]].zp;
        p->output_offset = g->t[n->output].zp;
        p->qmul.m = 1073741824; /* 2^30, shift 1: the identity (unused by a gather) */
        p->qmul.shift = 1;
        if (n->params[2] >= 0) {
            p->qmul = ((const stoic_qmul *)g->t[n->params[2]].qdata)[0];
        }
        act_range(g, n, &p->act_min, &p->act_max);
    }
    c->n_own = 4;
    v[0] = n->inputs[0];
    v[1] = LOWER_ARG_OWN(0);
    v[2] = LOWER_ARG_OWN(1);
    v[3] = LOWER_ARG_OWN(2);
    v[4] = LOWER_ARG_OWN(3);
    v[5] = n->output;
    set_args6(c, v, 6);
}

static int attach_resize(const ir_graph *g, lower_call *c)
{
    const ir_node *n = &g->n[c->node];
    resize_plan p;
    int32_t k, nr, nc, *row, *col;
    int fl = c->k == LK_RESIZE;
    void *wr, *wc;
    if (resize_plan_make(g, n, &p) != 0) {
        return -1;
    }
    nr = p.out_h * p.t_h;
    nc = p.out_w * p.t_w;
    row = own_alloc(c, 0, IR_DT_S32, nr, "r");
    col = own_alloc(c, 1, IR_DT_S32, nc, "c");
    wr = own_alloc(c, 2, fl ? IR_DT_F32 : IR_DT_S32, nr, "wr");
    wc = own_alloc(c, 3, fl ? IR_DT_F32 : IR_DT_S32, nc, "wc");
    if (row == NULL || col == NULL || wr == NULL || wc == NULL) {
        resize_plan_free(&p);
        return -1;
    }
    for (k = 0; k < nr; k++) {
        row[k] = p.row[k];
        if (fl) {
            ((float *)wr)[k] = (float)p.wr[k];
        } else {
            ((int32_t *)wr)[k] = resize_wq(p.wr[k], n->rs_q);
        }
    }
    for (k = 0; k < nc; k++) {
        col[k] = p.col[k];
        if (fl) {
            ((float *)wc)[k] = (float)p.wc[k];
        } else {
            ((int32_t *)wc)[k] = resize_wq(p.wc[k], n->rs_q);
        }
    }
    resize_plan_free(&p);
    return 0;
}

static int attach_pw(const ir_graph *g, lower_call *c); /* below lower_pw */

int lower_attach(const ir_graph *g, lower_call *c)
{
    int rc = 0;
    if (c->n_own == 0) {
        return 0;
    }
    switch (c->k) {
    case LK_DENSE_S8_PK:
    case LK_DENSE_S16_PK:
        rc = attach_dense_pk(g, c);
        break;
    case LK_CONV2D_S8_PK:
    case LK_CONV2D_S16_PK:
        rc = attach_conv_pk(g, c);
        break;
    case LK_DENSE_S4_PK:
        rc = attach_dense_s4(g, c);
        break;
    case LK_PW_S8:
    case LK_PW_S16:
        rc = attach_pw(g, c);
        break;
    case LK_CONV2D_S8_DW3:
    case LK_CONV2D_S16_DW3:
        rc = attach_dw3(g, c);
        break;
    case LK_RESIZE:
    case LK_RESIZE_S8:
    case LK_RESIZE_S16:
        rc = attach_resize(g, c);
        break;
    default:
        rc = -1;
        break;
    }
    if (rc != 0) {
        lower_release(c);
    }
    return rc;
}

void lower_release(lower_call *c)
{
    int k;
    for (k = 0; k < LOWER_MAX_OWN; k++) {
        free(c->own[k].data);
        c->own[k].data = NULL;
    }
    if (c->k == LK_CONV2D_S8_DW3 || c->k == LK_CONV2D_S16_DW3) {
        c->p.dw3.qm = NULL;
    } else if (c->k == LK_DENSE_S8_PK) {
        c->p.dense_pk.qm = NULL;
    } else if (c->k == LK_DENSE_S16_PK) {
        c->p.dense16_pk.qm = NULL;
    } else if (c->k == LK_DENSE_S4_PK) {
        c->p.dense4_pk.qm = NULL;
    } else if (c->k == LK_PW_S8 || c->k == LK_PW_S16) {
        c->p.pw.qm = NULL;
    } else if (c->k == LK_CONV2D_S8_PK || c->k == LK_CONV2D_S16_PK) {
        c->p.conv_pk.qm = NULL;
    }
}

void lower_mark_refs(const ir_graph *g, const lower_call *c, char *used_t)
{
    int k;
    const int refs[6] = { c->ref_qmul, c->ref_table, c->ref_rows, c->ref_delta, c->ref_bias,
                          c->ref_proj };
    for (k = 0; k < c->n_args; k++) {
        if (c->args[k] >= 0) {
            used_t[ir_root(g, c->args[k])] = 1;
        }
    }
    for (k = 0; k < 6; k++) {
        if (refs[k] >= 0) {
            used_t[refs[k]] = 1;
        }
    }
}

/* Adds to *bytes (and per_node[node]) the IR constants marked in used_t
 * and not yet counted (counted), as the emitter's weights() prints them. */
static void count_marked(const ir_graph *g, const char *used_t, char *counted, int node,
                         int64_t *bytes, int64_t *per_node)
{
    int t;
    for (t = 0; t < g->nt; t++) {
        if (g->t[t].kind == IR_T_CONST && used_t[ir_root(g, t)] && !counted[t]) {
            int64_t b = ir_shape_count(&g->t[t].shape) * (int64_t)ir_dtype_size(g->t[t].dtype);
            counted[t] = 1;
            *bytes += b;
            if (per_node != NULL && node >= 0) {
                per_node[node] += b;
            }
        }
    }
}

int64_t lower_constant_bytes(const ir_graph *g, int64_t *per_node)
{
    char *used_t = calloc((size_t)g->nt + 1, 1), *counted = calloc((size_t)g->nt + 1, 1);
    lower_call *calls = malloc(LOWER_MAX_CALLS * sizeof *calls);
    int64_t bytes = 0;
    int i, j, k, n, fail = used_t == NULL || counted == NULL || calls == NULL;
    for (i = 0; i < g->nn && !fail; i++) {
        if (per_node != NULL) {
            per_node[i] = 0;
        }
        n = lower_node(g, i, calls);
        for (j = 0; j < n && !fail; j++) {
            calls[j].node = i;
            if (lower_attach(g, &calls[j]) != 0) {
                fail = 1;
                break;
            }
            for (k = 0; k < calls[j].n_own; k++) {
                int64_t b = calls[j].own[k].n * (int64_t)ir_dtype_size(calls[j].own[k].dtype);
                bytes += b;
                if (per_node != NULL) {
                    per_node[i] += b;
                }
            }
            lower_mark_refs(g, &calls[j], used_t);
            lower_release(&calls[j]);
        }
        if (!fail) {
            count_marked(g, used_t, counted, i, &bytes, per_node);
        }
    }
    if (!fail && lower_float_in(g, &calls[0])) {
        lower_mark_refs(g, &calls[0], used_t);
    }
    for (k = 0; !fail && k < g->n_outputs; k++) {
        if (lower_float_out(g, k, &calls[0])) {
            lower_mark_refs(g, &calls[0], used_t);
        }
    }
    if (!fail) {
        count_marked(g, used_t, counted, -1, &bytes, per_node);
    }
    free(used_t);
    free(counted);
    free(calls);
    return fail ? -1 : bytes;
}

/* Whether stoic_pw_s8 runs a 1x1 convolution (stride 1, no padding,
 * groups 1) of in_c <= 8 int8 inputs per pixel, or <= 16 with its max
 * pool fused (unfused, 9 to 16 inputs cost fewer cycles in
 * stoic_dense_s8_pk: dsconv's 1x1 16 -> 24 on 3x3, M4 10 634 cycles
 * against 11 861, M7 7 497 instructions against 7 718); or stoic_pw_s16
 * one of in_c <= 16 int16 inputs (stoic_dense_s16_pk's two accumulators
 * per row pair cost more: dsconv's 1x1 16 -> 24 on 3x3, M4 7 136
 * instructions against 11 186): the pk_ok bounds without
 * row pairs, at least LOWER_PW_MIN_PX pixels (the weights of an output
 * are unpacked once per pass over them), int8: at most
 * LOWER_PW_MAX_SCRATCH words of packed input (px * in_words: twice the
 * input tensor's bytes; int16 reads its input in place).
 * With the max pool fused (pass_poolfuse) the output is the pool's, the
 * convolution's twice as high and wide (lower_conv). Fills c when it does. */
#define LOWER_PW_MIN_PX 4
#define LOWER_PW_MAX_SCRATCH 4096
static int lower_pw(const ir_graph *g, const ir_node *n, const stoic_conv2d_f32_params *f,
                    lower_call *c)
{
    stoic_pw_params *p = &c->p.pw;
    int64_t px = (int64_t)f->out_h * f->out_w;
    int s16 = n->prec == IR_DT_S16;
    int32_t words = s16 ? (f->in_c + 1) / 2 : 2 * ((f->in_c + 3) / 4);
    int64_t packed = s16 ? 0 : px * words;
    int64_t scratch = s16 ? 0 : packed + 4; /* + the constants of an output */
    pk_src s;
    if ((n->prec != IR_DT_S8 && !s16) || n->wbits == 4 || n->op != IR_OP_CONV2D ||
        f->groups != 1 || f->k_h != 1 || f->k_w != 1 || f->stride_h != 1 || f->stride_w != 1 ||
        f->pad_top != 0 || f->pad_left != 0 || f->in_h != f->out_h || f->in_w != f->out_w ||
        f->in_c > (n->pool_max || s16 ? 16 : 8) || px < LOWER_PW_MIN_PX ||
        packed > LOWER_PW_MAX_SCRATCH || !pk_src_of(g, n, f->out_c, f->in_c, &s) ||
        !pk_ok(&s, f->out_c, f->in_c, 0)) {
        return 0;
    }
    memset(p, 0, sizeof *p);
    c->k = s16 ? LK_PW_S16 : LK_PW_S8;
    p->px = (int32_t)px;
    p->w = f->out_w;
    p->pool = n->pool_max ? 1 : 0;
    p->pool_h = n->pool_max ? f->out_h / 2 : 0;
    p->pool_w = n->pool_max ? f->out_w / 2 : 0;
    p->in_n = f->in_c;
    p->in_words = words;
    p->out_n = f->out_c;
    act_range(g, n, &p->act_min, &p->act_max);
    p->clamp = s16 ? (p->act_min > -32768 || p->act_max < 32767)
                   : (p->act_min > -128 || p->act_max < 127);
    p->c1 = 2 * s.zp_out + 1; /* int16: zero point 0 */
    p->qm_step = 0;
    p->qm = NULL;
    dense_pk_args(c, n, scratch); /* the same arguments and own arrays */
    return 1;
}

/* The constants of stoic_pw_s8 and stoic_pw_s16 (stoic_rt.h): per output
 * ceil(in_words / 2) words of four int8 weights (byte j the weight of
 * input 4k + j (int8) or 4k + (0, 2, 1, 3)[j] (int16: SXTB16 then gives
 * the lanes of inputs (4k, 4k + 1), the order of its input words), as a
 * value: the word's meaning does not depend on the byte order; 0 past
 * in_n), own 0; the folded biases, one per output, own 1; the packed
 * multipliers, own 2 (one per output, step 1; or one word, step 0). */
static int attach_pw(const ir_graph *g, lower_call *c)
{
    static const int32_t order[2][4] = { { 0, 1, 2, 3 }, { 0, 2, 1, 3 } };
    stoic_pw_params *p = &c->p.pw;
    int32_t out_n = p->out_n, n_g = (p->in_words + 1) / 2, o, k, j;
    int s16 = c->k == LK_PW_S16;
    int64_t per = p->in_n;
    pk_src s;
    int32_t *w = per_output_consts(g, c, out_n, per, n_g, &p->qm, &p->qm_step, &p->b16, &s);
    if (w == NULL) {
        return -1;
    }
    for (o = 0; o < out_n; o++) {
        for (k = 0; k < n_g; k++) {
            uint32_t u = 0;
            for (j = 0; j < 4; j++) {
                int64_t i = 4 * (int64_t)k + order[s16][j];
                uint32_t byte = i < per ? (uint32_t)(s.w[(int64_t)o * per + i]) & 0xFFU : 0U;
                u |= byte << (8 * j);
            }
            w[(int64_t)o * n_g + k] = (int32_t)u;
        }
    }
    return 0;
}

static void lower_conv_q(const ir_graph *g, const ir_node *n, lower_call *c)
{
    stoic_conv2d_f32_params f;
    lower_call tmp;
    int32_t amin, amax;
    memset(&tmp, 0, sizeof tmp);
    if (n->op == IR_OP_AFFINE) { /* a per-channel 1x1 depthwise convolution */
        const ir_shape *is = shape_of(g, n->inputs[0]);
        int32_t ch = is->d[is->rank - 1];
        memset(&f, 0, sizeof f);
        f.in_h = f.out_h = (int32_t)(count_of(g, n->inputs[0]) / ch);
        f.in_w = f.out_w = 1;
        f.in_c = f.out_c = ch;
        f.k_h = f.k_w = f.stride_h = f.stride_w = f.dil_h = f.dil_w = 1;
        f.groups = ch;
    } else {
        lower_conv(g, n, &tmp);
        f = tmp.p.conv2d;
    }
    if (lower_pw(g, n, &f, c)) {
        return; /* few input channels: the weights of an output in registers */
    }
    if (n->op != IR_OP_AFFINE && f.groups == 1 && f.k_h == 1 && f.k_w == 1 && f.stride_h == 1 &&
        f.stride_w == 1 && f.pad_top == 0 && f.pad_left == 0 && f.in_h == f.out_h &&
        f.in_w == f.out_w &&
        lower_dense_pk(g, n, c, f.out_h * f.out_w, f.in_c, f.out_c)) {
        return; /* a 1x1 convolution is a dense layer over the pixels */
    }
    if (lower_conv_dw3(g, n, &f, c) || lower_conv_pk(g, n, &f, c)) {
        return;
    }
    act_range(g, n, &amin, &amax);
    if (n->sparse) {
        stoic_conv2d_sparse_q_params *p = &c->p.conv_spq;
        c->k = n->prec == IR_DT_S16 ? LK_CONV2D_S16_SPARSE : LK_CONV2D_S8_SPARSE;
        COPY_CONV_GEOM(p, &f);
        p->input_offset = -off_of(g, n->inputs[0]);
        p->output_offset = off_of(g, n->output);
        p->act_min = amin;
        p->act_max = amax;
        p->qmul = qmul_of(g, n);
        p->row_start = g->t[n->params[4]].qdata;
        p->delta = g->t[n->params[5]].qdata;
        lower_sparse_steps(p->row_start, p->delta, p->out_c, p->in_c, p->k_w, &p->ci_steps,
                           &p->kw_steps);
        c->ref_rows = n->params[4];
        c->ref_delta = n->params[5];
    } else if (n->prec == IR_DT_S16) {
        stoic_conv2d_s16_params *p = &c->p.conv2d_s16;
        c->k = LK_CONV2D_S16;
        COPY_CONV_GEOM(p, &f);
        p->groups = f.groups;
        p->act_min = amin;
        p->act_max = amax;
        p->qmul = qmul_of(g, n);
    } else {
        stoic_conv2d_s8_params *p = &c->p.conv2d_s8;
        c->k = LK_CONV2D_S8;
        COPY_CONV_GEOM(p, &f);
        p->groups = f.groups;
        p->input_offset = -off_of(g, n->inputs[0]);
        p->output_offset = off_of(g, n->output);
        p->act_min = amin;
        p->act_max = amax;
        p->qmul = qmul_of(g, n);
    }
    c->ref_qmul = n->params[2];
    set_args(c, n->inputs[0], n->params[0], n->params[1], n->output);
}

static void lower_pool_q(const ir_graph *g, const ir_node *n, lower_call *c)
{
    stoic_pool2d_q_params *p = &c->p.pool_q;
    const ir_shape *is = shape_of(g, n->inputs[0]);
    lower_call tmp;
    memset(&tmp, 0, sizeof tmp);
    if (n->op == IR_OP_GAVGPOOL) {
        /* [H W C], or [L C] as H = L, W = 1 */
        p->in_h = p->k_h = is->d[0];
        p->in_w = p->k_w = is->rank == 3 ? is->d[1] : 1;
        p->c = is->d[is->rank - 1];
        p->out_h = p->out_w = 1;
        p->stride_h = p->stride_w = p->dil_h = p->dil_w = 1;
        p->count_include_pad = 1;
    } else {
        const stoic_pool2d_f32_params *f = &tmp.p.pool2d;
        lower_pool(g, n, &tmp);
        p->in_h = f->in_h, p->in_w = f->in_w, p->c = f->c, p->out_h = f->out_h;
        p->out_w = f->out_w, p->k_h = f->k_h, p->k_w = f->k_w, p->stride_h = f->stride_h;
        p->stride_w = f->stride_w, p->pad_top = f->pad_top, p->pad_left = f->pad_left;
        p->count_include_pad = f->count_include_pad, p->dil_h = f->dil_h, p->dil_w = f->dil_w;
    }
    act_range(g, n, &p->act_min, &p->act_max);
    if (n->op == IR_OP_MAXPOOL2D) {
        c->k = kq(LK_MAXPOOL2D_S8, n->prec);
        p->qmul = NULL;
    } else {
        c->k = kq(LK_AVGPOOL2D_S8, n->prec);
        p->input_offset = -off_of(g, n->inputs[0]);
        p->output_offset = off_of(g, n->output);
        p->qmul = qmul_of(g, n);
        c->ref_qmul = n->params[2];
    }
    if (n->op == IR_OP_GAVGPOOL) {
        c->k = n->prec == IR_DT_S16 ? LK_GAVGPOOL_S16 : LK_GAVGPOOL_S8;
    } else if (is_2x2(p->k_h, p->k_w, p->stride_h, p->stride_w, p->dil_h, p->dil_w)) {
        c->k = n->op == IR_OP_MAXPOOL2D
                   ? (n->prec == IR_DT_S16 ? LK_MAXPOOL2D_S16_2X2 : LK_MAXPOOL2D_S8_2X2)
                   : (n->prec == IR_DT_S16 ? LK_AVGPOOL2D_S16_2X2 : LK_AVGPOOL2D_S8_2X2);
    }
    set_args(c, n->inputs[0], -1, -1, n->output);
    if (c->k == LK_AVGPOOL2D_S8_2X2) {
        /* the scratch: the zero point row, (c + 3) / 4 words */
        int v[3];
        v[0] = n->inputs[0];
        v[1] = n->output;
        v[2] = LOWER_ARG_SCRATCH;
        set_args6(c, v, 3);
        c->scratch_words = ((int64_t)p->c + 3) / 4;
    }
}

static void lower_copy_q(const ir_graph *g, const ir_node *n, int in, lower_call *c,
                         stoic_qmul q, int32_t outer, int32_t in_inner, int32_t out_inner,
                         int32_t out_offset)
{
    stoic_copy_q_params *p = &c->p.copy_q;
    ir_dtype di = g->t[in].dtype, dout = g->t[n->output].dtype;
    c->k = di == dout ? kq(LK_COPY_S8, di)
                      : (di == IR_DT_S8 ? LK_CONVERT_S8_S16 : LK_CONVERT_S16_S8);
    p->outer = outer;
    p->in_inner = in_inner;
    p->out_inner = out_inner;
    p->out_offset = out_offset;
    p->input_offset = -off_of(g, in);
    p->output_offset = off_of(g, n->output);
    p->qmul = q;
    act_range(g, n, &p->act_min, &p->act_max);
    set_args(c, in, -1, -1, n->output);
}

static int lower_node_q(const ir_graph *g, int ni, lower_call calls[LOWER_MAX_CALLS])
{
    const ir_node *n = &g->n[ni];
    lower_call *c = &calls[0];
    const ir_shape *is = shape_of(g, n->inputs[0]);
    int32_t last = is->d[is->rank - 1], cnt = (int32_t)count_of(g, n->inputs[0]);
    lower_call tmp;
    int k;
    memset(&tmp, 0, sizeof tmp);
    switch (n->op) {
    case IR_OP_DENSE:
        if (n->sparse) {
            stoic_dense_sparse_q_params *p = &c->p.dense_spq;
            c->k = n->prec == IR_DT_S16 ? LK_DENSE_S16_SPARSE : LK_DENSE_S8_SPARSE;
            p->rows = cnt / last;
            p->in_n = last;
            p->out_n = n->units;
            p->input_offset = -off_of(g, n->inputs[0]);
            p->output_offset = off_of(g, n->output);
            act_range(g, n, &p->act_min, &p->act_max);
            p->qmul = qmul_of(g, n);
            p->row_start = g->t[n->params[4]].qdata;
            p->delta = g->t[n->params[5]].qdata;
            c->ref_qmul = n->params[2];
            c->ref_rows = n->params[4];
            c->ref_delta = n->params[5];
            set_args(c, n->inputs[0], n->params[0], n->params[1], n->output);
            return 1;
        }
        if (lower_dense_pk(g, n, c, cnt / last, last, n->units)) {
            return 1;
        }
        if (n->prec == IR_DT_S16) {
            stoic_dense_s16_params *p = &c->p.dense_s16;
            c->k = LK_DENSE_S16;
            p->rows = cnt / last;
            p->in_n = last;
            p->out_n = n->units;
            act_range(g, n, &p->act_min, &p->act_max);
            p->qmul = qmul_of(g, n);
        } else {
            stoic_dense_s8_params *p = &c->p.dense_s8;
            c->k = LK_DENSE_S8;
            p->rows = cnt / last;
            p->in_n = last;
            p->out_n = n->units;
            p->input_offset = -off_of(g, n->inputs[0]);
            p->output_offset = off_of(g, n->output);
            act_range(g, n, &p->act_min, &p->act_max);
            p->qmul = qmul_of(g, n);
        }
        c->ref_qmul = n->params[2];
        set_args(c, n->inputs[0], n->params[0], n->params[1], n->output);
        return 1;
    case IR_OP_CONV2D:
    case IR_OP_CONV1D:
    case IR_OP_AFFINE:
        /* a fused max pool only stoic_pw_s8 / _s16 compute: pass_poolfuse
         * fuses no other layer, and none changes after it; were one left,
         * no call (not a kernel writing four times the pool's output) */
        lower_conv_q(g, n, c);
        return n->pool_max && c->k != LK_PW_S8 && c->k != LK_PW_S16 ? 0 : 1;
    case IR_OP_MAXPOOL2D:
    case IR_OP_AVGPOOL2D:
    case IR_OP_GAVGPOOL:
        lower_pool_q(g, n, c);
        return 1;
    case IR_OP_ACTIVATION:
        if (n->params[3] >= 0) {
            c->k = kq(LK_LUT_S8, n->prec);
            if (n->prec == IR_DT_S16) {
                c->p.lut_s16.n = cnt;
                c->p.lut_s16.table = g->t[n->params[3]].qdata;
            } else {
                c->p.lut_s8.n = cnt;
                c->p.lut_s8.table = g->t[n->params[3]].qdata;
            }
            c->ref_table = n->params[3];
            set_args(c, n->inputs[0], -1, -1, n->output);
        } else {
            lower_copy_q(g, n, n->inputs[0], c, qmul_at(g, n, 0), 1, cnt, cnt, 0);
        }
        return 1;
    case IR_OP_SOFTMAX:
        lower_node_f32(g, ni, &tmp);
        c->k = kq(LK_SOFTMAX_S8, n->prec);
        c->p.softmax_q.outer = tmp.p.softmax.outer;
        c->p.softmax_q.axis_n = tmp.p.softmax.axis_n;
        c->p.softmax_q.inner = tmp.p.softmax.inner;
        c->p.softmax_q.exp_table = g->t[n->params[3]].qdata;
        c->ref_table = n->params[3];
        set_args(c, n->inputs[0], -1, -1, n->output);
        return 1;
    case IR_OP_ADD:
    case IR_OP_MUL: {
        stoic_binary_q_params *p = &c->p.binary_q;
        lower_node_f32(g, ni, &tmp);
        c->k = kq(n->op == IR_OP_ADD ? LK_ADD_S8 : LK_MUL_S8, n->prec);
        p->outer = tmp.p.binary.outer;
        p->inner = tmp.p.binary.inner;
        p->b_outer_stride = tmp.p.binary.b_outer_stride;
        p->a_offset = -off_of(g, n->inputs[0]);
        p->b_offset = -off_of(g, n->inputs[1]);
        p->output_offset = off_of(g, n->output);
        p->left_shift = n->op == IR_OP_ADD ? (n->prec == IR_DT_S16 ? 15 : 20) : 0;
        p->a_mul = qmul_at(g, n, 0);
        p->b_mul = qmul_at(g, n, 1);
        p->out_mul = qmul_at(g, n, 2);
        act_range(g, n, &p->act_min, &p->act_max);
        set_args(c, n->inputs[0], n->inputs[1], -1, n->output);
        return 1;
    }
    case IR_OP_CONCAT: {
        int nc = lower_concat(g, n, calls);
        for (k = 0; k < nc; k++) {
            stoic_copy_f32_params f = calls[k].p.copy;
            lower_copy_q(g, n, n->inputs[k], &calls[k], qmul_at(g, n, k), f.outer, f.in_inner,
                         f.out_inner, f.out_offset);
        }
        return nc;
    }
    case IR_OP_RESHAPE:
        if (g->t[n->output].alias_of >= 0) {
            return 0;
        }
        lower_copy_q(g, n, n->inputs[0], c, qmul_at(g, n, 0), 1, cnt, cnt, 0);
        return 1;
    case IR_OP_PAD: {
        stoic_pad_q_params *p = &c->p.pad_q;
        if (ir_slice_strided(n)) {
            lower_transpose(g, n, &tmp);
            c->k = kq(LK_TRANSPOSE_S8, n->prec);
            c->p.transpose_q.in_offset = tmp.p.transpose.in_offset;
            memcpy(c->p.transpose_q.out_dim, tmp.p.transpose.out_dim,
                   sizeof tmp.p.transpose.out_dim);
            memcpy(c->p.transpose_q.in_stride, tmp.p.transpose.in_stride,
                   sizeof tmp.p.transpose.in_stride);
            set_args(c, n->inputs[0], -1, -1, n->output);
            return 1;
        }
        lower_pad(g, n, &tmp);
        c->k = kq(LK_PAD_S8, n->prec);
        memcpy(p->in_dim, tmp.p.pad.in_dim, sizeof p->in_dim);
        memcpy(p->out_dim, tmp.p.pad.out_dim, sizeof p->out_dim);
        memcpy(p->before, tmp.p.pad.before, sizeof p->before);
        p->value = lower_quantize_value(&g->t[n->output], (double)n->value);
        set_args(c, n->inputs[0], -1, -1, n->output);
        return 1;
    }
    case IR_OP_RESIZE:
        lower_resize(g, n, c);
        return 1;
    case IR_OP_TRANSPOSE:
        lower_transpose(g, n, &tmp);
        c->k = kq(LK_TRANSPOSE_S8, n->prec);
        memcpy(c->p.transpose_q.out_dim, tmp.p.transpose.out_dim, sizeof tmp.p.transpose.out_dim);
        memcpy(c->p.transpose_q.in_stride, tmp.p.transpose.in_stride,
               sizeof tmp.p.transpose.in_stride);
        c->p.transpose_q.in_offset = 0;
        set_args(c, n->inputs[0], -1, -1, n->output);
        return 1;
    case IR_OP_LSTM:
    case IR_OP_GRU: {
        /* int16 activations, int8 or int16 weights (pass_quantize's
         * constants: ir.h "Integer lstm/gru"); the state stays in
         * NAME_state_int16 */
        stoic_rnn_q_params *p = &c->p.rnn_q;
        const int lstm = n->op == IR_OP_LSTM;
        const int64_t rows = (int64_t)(lstm ? 4 : 3) * n->units;
        int v[7];
        if (n->prec == IR_DT_S16) {
            c->k = lstm ? LK_LSTM_S16 : LK_GRU_S16;
        } else {
            c->k = lstm ? LK_LSTM_S8W : LK_GRU_S8W;
        }
        p->steps = is->d[0];
        p->batch = is->rank == 3 ? is->d[1] : 1;
        p->in_n = last;
        p->hidden = n->units;
        p->reverse = n->rnn_reverse;
        p->init = g->step ? 0 : 1; /* NAME_step: from the kept state */
        p->linear_before_reset = lstm ? 0 : n->rnn_lbr;
        p->cell_shift = lstm ? n->rnn_cell_shift : 0;
        p->qx = (const stoic_qmul *)g->t[n->params[4]].qdata;
        p->qh = p->qx + rows;
        p->bx = n->params[2] >= 0 ? (const int64_t *)g->t[n->params[2]].qdata : NULL;
        p->bh = p->bx != NULL ? p->bx + rows : NULL;
        p->sigmoid = (const int16_t *)g->t[n->params[5]].qdata;
        p->tanh = p->sigmoid + 513;
        p->rank = n->rnn_rank;
        p->qz = n->rnn_rank > 0 ? p->qh + rows : NULL;
        p->rb16 = n->rnn_rank > 0 && n->prec == IR_DT_S16
                      ? (const int16_t *)g->t[n->params[6]].qdata : NULL;
        p->rb8 = n->rnn_rank > 0 && n->prec != IR_DT_S16
                     ? (const int8_t *)g->t[n->params[6]].qdata : NULL;
        p->acc32 = rnn_q_acc32(g, n, p, rows);
        c->ref_proj = n->rnn_rank > 0 ? n->params[6] : -1;
        c->ref_qmul = n->params[4];
        c->ref_bias = n->params[2];
        c->ref_table = n->params[5];
        c->state_dt = IR_DT_S16;
        c->state_off = n->state_off;
        v[0] = n->inputs[0];
        v[1] = n->params[0];
        v[2] = n->params[1];
        v[3] = n->params[3] >= 0 ? n->params[3] : LOWER_ARG_NULL;
        v[4] = LOWER_ARG_STATE;
        v[5] = n->output;
        set_args6(c, v, 6);
        return 1;
    }
    default:
        return -1;
    }
}

/* A dtype change: float <-> integer, or int8 <-> int16 with rescaling. */
static void lower_quantize(const ir_tensor *to, int32_t n, lower_call *c)
{
    c->k = to->dtype == IR_DT_S16 ? LK_QUANTIZE_S16 : LK_QUANTIZE_S8;
    c->p.quantize.n = n;
    c->p.quantize.inv_scale = (float)(1.0 / to->scale);
    c->p.quantize.zero_point = to->zp;
    c->p.quantize.q_min = dt_min(to->dtype);
    c->p.quantize.q_max = dt_max(to->dtype);
}

static void lower_dequantize(const ir_tensor *from, int32_t n, lower_call *c)
{
    c->k = from->dtype == IR_DT_S16 ? LK_DEQUANTIZE_S16 : LK_DEQUANTIZE_S8;
    c->p.dequantize.n = n;
    c->p.dequantize.scale = (float)from->scale;
    c->p.dequantize.zero_point = from->zp;
}

static int lower_convert(const ir_graph *g, int ni, lower_call *c)
{
    const ir_node *n = &g->n[ni];
    const ir_tensor *in = &g->t[n->inputs[0]], *out = &g->t[n->output];
    int32_t cnt = (int32_t)count_of(g, n->inputs[0]);
    if (in->dtype == IR_DT_F32) {
        lower_quantize(out, cnt, c);
    } else if (out->dtype == IR_DT_F32) {
        lower_dequantize(in, cnt, c);
    } else {
        lower_copy_q(g, n, n->inputs[0], c, qmul_at(g, n, 0), 1, cnt, cnt, 0);
        return 1;
    }
    set_args(c, n->inputs[0], -1, -1, n->output);
    return 1;
}

int lower_float_in(const ir_graph *g, lower_call *c)
{
    const ir_tensor *t = &g->t[g->input];
    memset(c, 0, sizeof *c);
    c->node = -1;
    c->ref_qmul = c->ref_table = -1;
    c->ref_rows = c->ref_delta = c->ref_bias = c->ref_proj = -1;
    if (t->dtype == IR_DT_F32) {
        return 0;
    }
    lower_quantize(t, (int32_t)ir_shape_count(&t->shape), c);
    return 1;
}

int lower_float_out(const ir_graph *g, int k, lower_call *c)
{
    const ir_tensor *t = &g->t[g->outputs[k]];
    memset(c, 0, sizeof *c);
    c->node = -1;
    c->ref_qmul = c->ref_table = -1;
    c->ref_rows = c->ref_delta = c->ref_bias = c->ref_proj = -1;
    if (t->dtype == IR_DT_F32) {
        return 0;
    }
    lower_dequantize(t, (int32_t)ir_shape_count(&t->shape), c);
    return 1;
}

int lower_node(const ir_graph *g, int ni, lower_call calls[LOWER_MAX_CALLS])
{
    const ir_node *n = &g->n[ni];
    int nc, k;
    for (k = 0; k < LOWER_MAX_CALLS; k++) {
        memset(&calls[k], 0, sizeof calls[k]);
        calls[k].ref_qmul = calls[k].ref_table = -1;
        calls[k].ref_rows = calls[k].ref_delta = calls[k].ref_bias = calls[k].ref_proj = -1;
    }
    if (n->op == IR_OP_CONVERT) {
        nc = lower_convert(g, ni, calls);
    } else if (n->prec != IR_DT_F32) {
        nc = lower_node_q(g, ni, calls);
    } else {
        nc = lower_node_f32(g, ni, calls);
    }
    for (k = 0; k < nc; k++) {
        calls[k].node = ni;
    }
    return nc;
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
        l->f[l->n].ref = -1;
        l->f[l->n].own = -1;
        l->f[l->n].is_ptr = 0;
        l->n++;
    }
}

static void ff(fl *l, const char *name, float v)
{
    if (l->n < l->max) {
        l->f[l->n].name = name;
        l->f[l->n].is_float = 1;
        l->f[l->n].fval = v;
        l->f[l->n].ref = -1;
        l->f[l->n].own = -1;
        l->f[l->n].is_ptr = 0;
        l->n++;
    }
}

/* a pointer field: the array of constant tensor ref, or NULL (ref < 0) */
static void fp(fl *l, const char *name, int ref)
{
    if (l->n < l->max) {
        l->f[l->n].name = name;
        l->f[l->n].is_float = 0;
        l->f[l->n].ival = 0;
        l->f[l->n].ref = ref;
        l->f[l->n].own = -1;
        l->f[l->n].is_ptr = 1;
        l->n++;
    }
}

/* a pointer field: element off of the array of constant tensor ref (ref >= 0) */
static void fpo(fl *l, const char *name, int ref, long off)
{
    fp(l, name, ref);
    if (l->n > 0 && l->f[l->n - 1].name == name) {
        l->f[l->n - 1].ival = off;
    }
}

/* a pointer field: the call's own[k] array */
static void fo(fl *l, const char *name, int k)
{
    if (l->n < l->max) {
        l->f[l->n].name = name;
        l->f[l->n].is_float = 0;
        l->f[l->n].ival = 0;
        l->f[l->n].ref = -1;
        l->f[l->n].own = k;
        l->f[l->n].is_ptr = 1;
        l->n++;
    }
}

static void fgeom(fl *l, const int32_t *v, const char *const *names, int n)
{
    int k;
    for (k = 0; k < n; k++) {
        fi(l, names[k], v[k]);
    }
}

static void fact(fl *l, const stoic_act_f32 *a)
{
    fi(l, "act.kind", (long)a->kind);
    ff(l, "act.lo", a->lo);
    ff(l, "act.hi", a->hi);
    ff(l, "act.alpha", a->alpha);
    ff(l, "act.beta", a->beta);
}

/* The 15 geometry fields every conv2d parameter struct starts with. */
static const char *const conv_names[15] = { "in_h", "in_w", "in_c", "out_h", "out_w", "out_c",
                                            "k_h", "k_w", "stride_h", "stride_w", "dil_h",
                                            "dil_w", "pad_top", "pad_left", "groups" };
#define CONV_GEOM(l, p)                                                                        \
    do {                                                                                       \
        const int32_t v_[15] = { (p)->in_h, (p)->in_w, (p)->in_c, (p)->out_h, (p)->out_w,     \
                                 (p)->out_c, (p)->k_h, (p)->k_w, (p)->stride_h, (p)->stride_w, \
                                 (p)->dil_h, (p)->dil_w, (p)->pad_top, (p)->pad_left,         \
                                 (p)->groups };                                                \
        fgeom((l), v_, conv_names, 15);                                                        \
    } while (0)

/* b16 of the packed int8 kernels (stoic_bias_at): printed when the
 * biases are int16 (else 0, the initializer's default) */
static void f_b16(fl *l, int32_t b16)
{
    if (b16 != 0) {
        fi(l, "b16", b16);
    }
}

/* The output-stage fields stoic_dense_s8_pk, stoic_dense_s4_pk and
 * stoic_pw_s8 end their parameters with: act_min, act_max, clamp, c1,
 * qm_step, the packed multipliers (own 2) and b16. */
static void f_rq8(fl *l, int32_t act_min, int32_t act_max, int32_t clamp, int32_t c1,
                  int32_t qm_step, int32_t b16)
{
    fi(l, "act_min", act_min);
    fi(l, "act_max", act_max);
    fi(l, "clamp", clamp);
    fi(l, "c1", c1);
    fi(l, "qm_step", qm_step);
    fo(l, "qm", 2);
    f_b16(l, b16);
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
        CONV_GEOM(&l, p);
        fact(&l, &p->act);
        break;
    }
    case LK_MAXPOOL2D:
    case LK_AVGPOOL2D:
    case LK_MAXPOOL2D_2X2:
    case LK_AVGPOOL2D_2X2: {
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
        fi(&l, "in_offset", c->p.transpose.in_offset);
        break;
    case LK_DENSE_S8:
    case LK_DENSE_S16: {
        const stoic_dense_s8_params *p8 = &c->p.dense_s8;
        const stoic_dense_s16_params *p16 = &c->p.dense_s16;
        int s16 = c->k == LK_DENSE_S16;
        fi(&l, "rows", s16 ? p16->rows : p8->rows);
        fi(&l, "in_n", s16 ? p16->in_n : p8->in_n);
        fi(&l, "out_n", s16 ? p16->out_n : p8->out_n);
        if (!s16) {
            fi(&l, "input_offset", p8->input_offset);
            fi(&l, "output_offset", p8->output_offset);
        }
        fi(&l, "act_min", s16 ? p16->act_min : p8->act_min);
        fi(&l, "act_max", s16 ? p16->act_max : p8->act_max);
        fp(&l, "qmul", c->ref_qmul);
        break;
    }
    case LK_CONV2D_S8: {
        const stoic_conv2d_s8_params *p = &c->p.conv2d_s8;
        CONV_GEOM(&l, p);
        fi(&l, "input_offset", p->input_offset);
        fi(&l, "output_offset", p->output_offset);
        fi(&l, "act_min", p->act_min);
        fi(&l, "act_max", p->act_max);
        fp(&l, "qmul", c->ref_qmul);
        break;
    }
    case LK_CONV2D_S16: {
        const stoic_conv2d_s16_params *p = &c->p.conv2d_s16;
        CONV_GEOM(&l, p);
        fi(&l, "act_min", p->act_min);
        fi(&l, "act_max", p->act_max);
        fp(&l, "qmul", c->ref_qmul);
        break;
    }
    case LK_MAXPOOL2D_S8:
    case LK_AVGPOOL2D_S8:
    case LK_MAXPOOL2D_S16:
    case LK_AVGPOOL2D_S16:
    case LK_MAXPOOL2D_S8_2X2:
    case LK_AVGPOOL2D_S8_2X2:
    case LK_MAXPOOL2D_S16_2X2:
    case LK_AVGPOOL2D_S16_2X2:
    case LK_GAVGPOOL_S8:
    case LK_GAVGPOOL_S16: {
        const stoic_pool2d_q_params *p = &c->p.pool_q;
        static const char *const nm[18] = { "in_h", "in_w", "c", "out_h", "out_w", "k_h", "k_w",
                                            "stride_h", "stride_w", "pad_top", "pad_left",
                                            "count_include_pad", "dil_h", "dil_w",
                                            "input_offset", "output_offset", "act_min",
                                            "act_max" };
        int32_t v[18];
        v[0] = p->in_h, v[1] = p->in_w, v[2] = p->c, v[3] = p->out_h, v[4] = p->out_w;
        v[5] = p->k_h, v[6] = p->k_w, v[7] = p->stride_h, v[8] = p->stride_w;
        v[9] = p->pad_top, v[10] = p->pad_left, v[11] = p->count_include_pad;
        v[12] = p->dil_h, v[13] = p->dil_w, v[14] = p->input_offset, v[15] = p->output_offset;
        v[16] = p->act_min, v[17] = p->act_max;
        fgeom(&l, v, nm, 18);
        fp(&l, "qmul", c->ref_qmul);
        break;
    }
    case LK_LUT_S8:
        fi(&l, "n", c->p.lut_s8.n);
        fp(&l, "table", c->ref_table);
        break;
    case LK_LUT_S16:
        fi(&l, "n", c->p.lut_s16.n);
        fp(&l, "table", c->ref_table);
        break;
    case LK_SOFTMAX_S8:
    case LK_SOFTMAX_S16:
        fi(&l, "outer", c->p.softmax_q.outer);
        fi(&l, "axis_n", c->p.softmax_q.axis_n);
        fi(&l, "inner", c->p.softmax_q.inner);
        fp(&l, "exp_table", c->ref_table);
        break;
    case LK_ADD_S8:
    case LK_MUL_S8:
    case LK_ADD_S16:
    case LK_MUL_S16: {
        const stoic_binary_q_params *p = &c->p.binary_q;
        fi(&l, "outer", p->outer);
        fi(&l, "inner", p->inner);
        fi(&l, "b_outer_stride", p->b_outer_stride);
        fi(&l, "a_offset", p->a_offset);
        fi(&l, "b_offset", p->b_offset);
        fi(&l, "output_offset", p->output_offset);
        fi(&l, "left_shift", p->left_shift);
        fi(&l, "a_mul.m", p->a_mul.m);
        fi(&l, "a_mul.shift", p->a_mul.shift);
        fi(&l, "b_mul.m", p->b_mul.m);
        fi(&l, "b_mul.shift", p->b_mul.shift);
        fi(&l, "out_mul.m", p->out_mul.m);
        fi(&l, "out_mul.shift", p->out_mul.shift);
        fi(&l, "act_min", p->act_min);
        fi(&l, "act_max", p->act_max);
        break;
    }
    case LK_COPY_S8:
    case LK_COPY_S16:
    case LK_CONVERT_S8_S16:
    case LK_CONVERT_S16_S8: {
        const stoic_copy_q_params *p = &c->p.copy_q;
        fi(&l, "outer", p->outer);
        fi(&l, "in_inner", p->in_inner);
        fi(&l, "out_inner", p->out_inner);
        fi(&l, "out_offset", p->out_offset);
        fi(&l, "input_offset", p->input_offset);
        fi(&l, "output_offset", p->output_offset);
        fi(&l, "qmul.m", p->qmul.m);
        fi(&l, "qmul.shift", p->qmul.shift);
        fi(&l, "act_min", p->act_min);
        fi(&l, "act_max", p->act_max);
        break;
    }
    case LK_PAD_S8:
    case LK_PAD_S16:
        fgeom(&l, c->p.pad_q.in_dim, in_dim, 4);
        fgeom(&l, c->p.pad_q.out_dim, out_dim, 4);
        fgeom(&l, c->p.pad_q.before, before, 4);
        fi(&l, "value", c->p.pad_q.value);
        break;
    case LK_TRANSPOSE_S8:
    case LK_TRANSPOSE_S16:
        fgeom(&l, c->p.transpose_q.out_dim, out_dim, 4);
        fgeom(&l, c->p.transpose_q.in_stride, in_stride, 4);
        fi(&l, "in_offset", c->p.transpose_q.in_offset);
        break;
    case LK_QUANTIZE_S8:
    case LK_QUANTIZE_S16:
        fi(&l, "n", c->p.quantize.n);
        ff(&l, "inv_scale", c->p.quantize.inv_scale);
        fi(&l, "zero_point", c->p.quantize.zero_point);
        fi(&l, "q_min", c->p.quantize.q_min);
        fi(&l, "q_max", c->p.quantize.q_max);
        break;
    case LK_DEQUANTIZE_S8:
    case LK_DEQUANTIZE_S16:
        fi(&l, "n", c->p.dequantize.n);
        ff(&l, "scale", c->p.dequantize.scale);
        fi(&l, "zero_point", c->p.dequantize.zero_point);
        break;
    case LK_DENSE_F32_SPARSE:
        fi(&l, "rows", c->p.dense_sp.rows);
        fi(&l, "in_n", c->p.dense_sp.in_n);
        fi(&l, "out_n", c->p.dense_sp.out_n);
        fact(&l, &c->p.dense_sp.act);
        fp(&l, "row_start", c->ref_rows);
        fp(&l, "delta", c->ref_delta);
        break;
    case LK_CONV2D_F32_SPARSE: {
        const stoic_conv2d_f32_sparse_params *p = &c->p.conv_sp;
        static const char *const nm[14] = { "in_h", "in_w", "in_c", "out_h", "out_w", "out_c",
                                            "k_h", "k_w", "stride_h", "stride_w", "dil_h",
                                            "dil_w", "pad_top", "pad_left" };
        const int32_t v[14] = { p->in_h, p->in_w, p->in_c, p->out_h, p->out_w, p->out_c,
                                p->k_h, p->k_w, p->stride_h, p->stride_w, p->dil_h, p->dil_w,
                                p->pad_top, p->pad_left };
        fgeom(&l, v, nm, 14);
        fact(&l, &p->act);
        fp(&l, "row_start", c->ref_rows);
        fp(&l, "delta", c->ref_delta);
        fi(&l, "ci_steps", p->ci_steps);
        fi(&l, "kw_steps", p->kw_steps);
        break;
    }
    case LK_CONV2D_S8_SPARSE:
    case LK_CONV2D_S16_SPARSE: {
        const stoic_conv2d_sparse_q_params *p = &c->p.conv_spq;
        static const char *const nm[18] = { "in_h", "in_w", "in_c", "out_h", "out_w", "out_c",
                                            "k_h", "k_w", "stride_h", "stride_w", "dil_h",
                                            "dil_w", "pad_top", "pad_left", "input_offset",
                                            "output_offset", "act_min", "act_max" };
        const int32_t v[18] = { p->in_h, p->in_w, p->in_c, p->out_h, p->out_w, p->out_c,
                                p->k_h, p->k_w, p->stride_h, p->stride_w, p->dil_h, p->dil_w,
                                p->pad_top, p->pad_left, p->input_offset, p->output_offset,
                                p->act_min, p->act_max };
        fgeom(&l, v, nm, 18);
        fp(&l, "qmul", c->ref_qmul);
        fp(&l, "row_start", c->ref_rows);
        fp(&l, "delta", c->ref_delta);
        fi(&l, "ci_steps", p->ci_steps);
        fi(&l, "kw_steps", p->kw_steps);
        break;
    }
    case LK_DENSE_S8_SPARSE:
    case LK_DENSE_S16_SPARSE: {
        const stoic_dense_sparse_q_params *p = &c->p.dense_spq;
        fi(&l, "rows", p->rows);
        fi(&l, "in_n", p->in_n);
        fi(&l, "out_n", p->out_n);
        fi(&l, "input_offset", p->input_offset);
        fi(&l, "output_offset", p->output_offset);
        fi(&l, "act_min", p->act_min);
        fi(&l, "act_max", p->act_max);
        fp(&l, "qmul", c->ref_qmul);
        fp(&l, "row_start", c->ref_rows);
        fp(&l, "delta", c->ref_delta);
        break;
    }
    case LK_DENSE_S8_PK: {
        const stoic_dense_s8_pk_params *p = &c->p.dense_pk;
        fi(&l, "rows", p->rows);
        fi(&l, "in_n", p->in_n);
        fi(&l, "out_n", p->out_n);
        fi(&l, "in_words", p->in_words);
        f_rq8(&l, p->act_min, p->act_max, p->clamp, p->c1, p->qm_step, p->b16);
        break;
    }
    case LK_DENSE_S4_PK: {
        const stoic_dense_s4_pk_params *p = &c->p.dense4_pk;
        fi(&l, "rows", p->rows);
        fi(&l, "in_n", p->in_n);
        fi(&l, "out_n", p->out_n);
        fi(&l, "in_words", p->in_words);
        fi(&l, "n_g", p->n_g);
        fi(&l, "mask", p->mask);
        f_rq8(&l, p->act_min, p->act_max, p->clamp, p->c1, p->qm_step, p->b16);
        break;
    }
    case LK_PW_S8:
    case LK_PW_S16: {
        const stoic_pw_params *p = &c->p.pw;
        fi(&l, "px", p->px);
        fi(&l, "w", p->w);
        fi(&l, "pool", p->pool);
        fi(&l, "pool_h", p->pool_h);
        fi(&l, "pool_w", p->pool_w);
        fi(&l, "in_n", p->in_n);
        fi(&l, "in_words", p->in_words);
        fi(&l, "out_n", p->out_n);
        f_rq8(&l, p->act_min, p->act_max, p->clamp, p->c1, p->qm_step, p->b16);
        break;
    }
    case LK_DENSE_S16_PK: {
        const stoic_dense_s16_pk_params *p = &c->p.dense16_pk;
        fi(&l, "rows", p->rows);
        fi(&l, "in_n", p->in_n);
        fi(&l, "out_n", p->out_n);
        fi(&l, "in_words", p->in_words);
        fi(&l, "act_min", p->act_min);
        fi(&l, "act_max", p->act_max);
        fi(&l, "clamp", p->clamp);
        fi(&l, "qm_step", p->qm_step);
        fo(&l, "qm", 2);
        break;
    }
    case LK_CONV2D_S8_PK:
    case LK_CONV2D_S16_PK: {
        const stoic_conv2d_pk_params *p = &c->p.conv_pk;
        static const char *const nm[20] = { "in_h", "in_w", "in_c", "out_h", "out_w", "out_c",
                                            "k_h", "k_w", "stride_h", "stride_w", "pad_top",
                                            "pad_left", "zp_in", "cw", "img_h", "img_w",
                                            "act_min", "act_max", "clamp", "c1" };
        const int32_t v[20] = { p->in_h, p->in_w, p->in_c, p->out_h, p->out_w, p->out_c,
                                p->k_h, p->k_w, p->stride_h, p->stride_w, p->pad_top,
                                p->pad_left, p->zp_in, p->cw, p->img_h, p->img_w,
                                p->act_min, p->act_max, p->clamp, p->c1 };
        fgeom(&l, v, nm, 20);
        fi(&l, "qm_step", p->qm_step);
        fo(&l, "qm", 2);
        f_b16(&l, p->b16);
        break;
    }
    case LK_CONV2D_S8_DW3:
    case LK_CONV2D_S16_DW3: {
        const stoic_conv2d_dw3_params *p = &c->p.dw3;
        static const char *const nm[15] = { "in_h", "in_w", "in_c", "out_h", "out_w", "out_c",
                                            "depth_mult", "pad_top", "pad_left", "zp_in",
                                            "n_pass", "act_min", "act_max", "clamp", "c1" };
        const int32_t v[15] = { p->in_h, p->in_w, p->in_c, p->out_h, p->out_w, p->out_c,
                                p->depth_mult, p->pad_top, p->pad_left, p->zp_in,
                                p->n_pass, p->act_min, p->act_max, p->clamp, p->c1 };
        fgeom(&l, v, nm, 15);
        fi(&l, "qm_step", p->qm_step);
        fo(&l, "qm", 1);
        f_b16(&l, p->b16);
        if (p->w4 != 0) {
            fi(&l, "w4", p->w4);
        }
        break;
    }
    case LK_LSTM_S16:
    case LK_LSTM_S8W:
    case LK_GRU_S16:
    case LK_GRU_S8W: {
        const stoic_rnn_q_params *p = &c->p.rnn_q;
        long rows = (long)(c->k == LK_LSTM_S16 || c->k == LK_LSTM_S8W ? 4 : 3) * p->hidden;
        fi(&l, "steps", p->steps);
        fi(&l, "batch", p->batch);
        fi(&l, "in_n", p->in_n);
        fi(&l, "hidden", p->hidden);
        fi(&l, "reverse", p->reverse);
        fi(&l, "init", p->init);
        fi(&l, "linear_before_reset", p->linear_before_reset);
        fi(&l, "cell_shift", p->cell_shift);
        fpo(&l, "qx", c->ref_qmul, 0);
        fpo(&l, "qh", c->ref_qmul, rows);
        fpo(&l, "bx", c->ref_bias, 0);
        fpo(&l, "bh", c->ref_bias, rows);
        fpo(&l, "sigmoid", c->ref_table, 0);
        fpo(&l, "tanh", c->ref_table, 513);
        fi(&l, "rank", p->rank);
        fpo(&l, "qz", p->rank > 0 ? c->ref_qmul : -1, 2 * rows);
        fp(&l, "rb16", p->rb16 != NULL ? c->ref_proj : -1);
        fp(&l, "rb8", p->rb8 != NULL ? c->ref_proj : -1);
        fi(&l, "acc32", p->acc32);
        break;
    }
    case LK_LSTM:
    case LK_GRU:
        fi(&l, "steps", c->p.rnn.steps);
        fi(&l, "batch", c->p.rnn.batch);
        fi(&l, "in_n", c->p.rnn.in_n);
        fi(&l, "hidden", c->p.rnn.hidden);
        fi(&l, "reverse", c->p.rnn.reverse);
        fi(&l, "init", c->p.rnn.init);
        fi(&l, "linear_before_reset", c->p.rnn.linear_before_reset);
        fi(&l, "rank", c->p.rnn.rank);
        fp(&l, "rb", c->ref_proj);
        break;
    case LK_RESIZE:
        fi(&l, "out_h", c->p.resize.out_h);
        fi(&l, "out_w", c->p.resize.out_w);
        fi(&l, "c", c->p.resize.c);
        fi(&l, "t_h", c->p.resize.t_h);
        fi(&l, "t_w", c->p.resize.t_w);
        break;
    case LK_RESIZE_S8:
    case LK_RESIZE_S16: {
        const stoic_resize_q_params *p = &c->p.resize_q;
        fi(&l, "out_h", p->out_h);
        fi(&l, "out_w", p->out_w);
        fi(&l, "c", p->c);
        fi(&l, "t_h", p->t_h);
        fi(&l, "t_w", p->t_w);
        fi(&l, "gather", p->gather);
        fi(&l, "input_offset", p->input_offset);
        fi(&l, "output_offset", p->output_offset);
        fi(&l, "qmul.m", p->qmul.m);
        fi(&l, "qmul.shift", p->qmul.shift);
        fi(&l, "act_min", p->act_min);
        fi(&l, "act_max", p->act_max);
        break;
    }
    default:
        break;
    }
    return l.n;
}

/* See lower.h. The features keep their names (cost.h) but count the
 * loops of the packed kernels. Dense int16 (stoic_dense_s16_pk.c): rows
 * = input rows; pixels = input words packed; group_pixels = passes of
 * four output rows; outputs = passes of two; taps = two-word steps; inner
 * = single words (the remainder of a four-row pass, every word of a
 * two-row pass). Dense int8 (stoic_dense_s8_pk.h: blocks of three input
 * rows, then of two, then a single row): rows = input rows; pixels =
 * input words packed; group_pixels = passes (a pair of output rows for a
 * block of three or two input rows; four or two output rows for a single
 * one); outputs = outputs; kernel_rows = words of the single row's passes
 * of four; taps = words of the pair passes of a block of two and of a
 * single row; inner = words of the pair passes of blocks of three.
 * Convolution (stoic_conv2d_s8_pk.c,
 * stoic_conv2d_s16_pk.c): rows = output positions; pixels = positions of
 * the packed image times its words per position; group_pixels = passes
 * of four output channels; outputs = passes of two; kernel_rows = kernel
 * rows of all passes; taps = four-word steps (an eight-word step counts
 * two); inner = single words. The 3x3 kernels with one input channel per
 * group (stoic_conv2d_*_dw3.c): pixels = the values of the input planes;
 * group_pixels = their strips; outputs = output channels; kernel_rows =
 * their passes; taps = pass bodies (one output row each). int4 dense
 * (stoic_dense_s4_pk.c): rows = input rows; pixels = input pairs packed;
 * kernel_rows = zero words written (once per call); group_pixels =
 * passes of two output rows; outputs = single-row passes; taps = weight
 * words of the two-row passes; inner = those of the single rows. The 2x2 pools
 * (*pool2d_*_2x2.c): rows, positions, outputs only (four taps each). */
void lower_calls_work(const lower_call *calls, int nc, cost_work *w)
{
    int64_t t[COST_NW] = { 0, 0, 0, 0, 0, 0, 0, 0 };
    int i, f, known = 1;
    for (i = 0; i < nc && known; i++) {
        const lower_call *c = &calls[i];
        int64_t q, pr, nw, r;
        t[COST_W_CALLS] += 1;
        if (c->k == LK_DENSE_S8_PK || c->k == LK_DENSE_S16_PK) {
            int s16 = c->k == LK_DENSE_S16_PK;
            int64_t out_n = s16 ? c->p.dense16_pk.out_n : c->p.dense_pk.out_n;
            r = s16 ? c->p.dense16_pk.rows : c->p.dense_pk.rows;
            nw = s16 ? c->p.dense16_pk.in_words : c->p.dense_pk.in_words;
            q = out_n / 4;
            pr = ((out_n % 4) + 1) / 2;
            t[COST_W_ROWS] += r;
            t[COST_W_PIXELS] += r * nw;
            if (s16) {
                t[COST_W_GPIX] += r * q;
                t[COST_W_OUTPUTS] += r * pr;
                t[COST_W_TAPS] += r * q * (nw / 2);
                t[COST_W_INNER] += r * (q * (nw % 2) + pr * nw);
            } else {
                /* blocks of three input rows, then one of two, then one row */
                int64_t n3 = r / 3, n2 = (r % 3) / 2, n1 = r - 3 * n3 - 2 * n2;
                int64_t pp = 2 * q + pr; /* pair passes of a block */
                t[COST_W_GPIX] += n1 * (q + pr) + (n3 + n2) * pp;
                t[COST_W_OUTPUTS] += r * out_n;
                t[COST_W_KROWS] += n1 * q * nw;
                t[COST_W_TAPS] += n2 * pp * nw + n1 * pr * nw;
                t[COST_W_INNER] += n3 * pp * nw;
            }
        } else if (c->k == LK_DENSE_S4_PK) {
            const stoic_dense_s4_pk_params *p = &c->p.dense4_pk;
            int64_t ng = p->n_g;
            r = p->rows;
            q = p->out_n / 2;
            pr = p->out_n % 2;
            t[COST_W_ROWS] += r;
            t[COST_W_PIXELS] += r * (p->in_n / 2);
            t[COST_W_KROWS] += p->in_words - p->in_n / 2;
            t[COST_W_GPIX] += r * q;
            t[COST_W_OUTPUTS] += r * pr;
            t[COST_W_TAPS] += r * q * ng;
            t[COST_W_INNER] += r * pr * ng;
        } else if (c->k == LK_PW_S8 || c->k == LK_PW_S16) {
            const stoic_pw_params *p = &c->p.pw;
            int64_t st = p->pool ? (int64_t)p->pool_h * p->pool_w : p->px;
            t[COST_W_ROWS] += p->pool ? (int64_t)p->out_n * p->pool_h : 0;
            t[COST_W_PIXELS] += (int64_t)p->px * (p->in_words / 2);
            t[COST_W_OUTPUTS] += p->out_n;
            t[COST_W_GPIX] += (int64_t)p->out_n * st;
            t[COST_W_TAPS] += (int64_t)p->out_n * p->px;
            t[COST_W_INNER] += (int64_t)p->out_n * p->px * p->in_words;
        } else if (c->k == LK_CONV2D_S8_PK || c->k == LK_CONV2D_S16_PK) {
            const stoic_conv2d_pk_params *p = &c->p.conv_pk;
            int64_t kh = p->k_h, img = (int64_t)p->img_h * p->img_w;
            int s16 = c->k == LK_CONV2D_S16_PK;
            r = (int64_t)p->out_h * p->out_w;
            nw = (int64_t)p->k_w * p->cw;
            q = p->out_c / 4;
            pr = ((p->out_c % 4) + 1) / 2;
            t[COST_W_ROWS] += r;
            t[COST_W_PIXELS] += img * p->cw;
            t[COST_W_GPIX] += r * q;
            t[COST_W_OUTPUTS] += r * pr;
            t[COST_W_KROWS] += r * (q + pr) * kh;
            if (s16) {
                t[COST_W_TAPS] += r * q * kh * (nw / 4);
            } else {
                t[COST_W_TAPS] += r * q * kh * ((2 * (nw / 8)) + ((nw % 8) / 4));
            }
            t[COST_W_INNER] += r * kh * (q * (nw % 4) + pr * nw);
        } else if (c->k == LK_CONV2D_S8_DW3 || c->k == LK_CONV2D_S16_DW3) {
            const stoic_conv2d_dw3_params *p = &c->p.dw3;
            int64_t np = p->n_pass;
            t[COST_W_PIXELS] += (int64_t)p->in_c * p->in_h * p->in_w;
            t[COST_W_GPIX] += (int64_t)p->in_c * p->in_h * np;
            t[COST_W_OUTPUTS] += p->out_c;
            t[COST_W_KROWS] += (int64_t)p->out_c * np;
            t[COST_W_TAPS] += (int64_t)p->out_c * np * p->out_h;
        } else if (c->k == LK_MAXPOOL2D_2X2 || c->k == LK_AVGPOOL2D_2X2 ||
                   c->k == LK_MAXPOOL2D_S8_2X2 || c->k == LK_AVGPOOL2D_S8_2X2 ||
                   c->k == LK_MAXPOOL2D_S16_2X2 || c->k == LK_AVGPOOL2D_S16_2X2) {
            /* four taps per output, always: rows, positions, outputs */
            int q8 = c->k != LK_MAXPOOL2D_2X2 && c->k != LK_AVGPOOL2D_2X2;
            int64_t oh = q8 ? c->p.pool_q.out_h : c->p.pool2d.out_h;
            int64_t ow = q8 ? c->p.pool_q.out_w : c->p.pool2d.out_w;
            int64_t ch = q8 ? c->p.pool_q.c : c->p.pool2d.c;
            t[COST_W_ROWS] += oh;
            t[COST_W_PIXELS] += oh * ow;
            t[COST_W_OUTPUTS] += oh * ow * ch;
        } else {
            known = 0;
        }
    }
    if (known && nc > 0) {
        for (f = 0; f < COST_NW; f++) {
            w->w[f] = t[f];
        }
    }
}

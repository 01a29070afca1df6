#include "eval.h"

#include <stdlib.h>
#include <string.h>

int eval_prepare(const ir_graph *g, eval_plan *p)
{
    int i, k, cap = 0;
    int64_t scratch = 0;
    memset(p, 0, sizeof *p);
    p->g = g;
    p->input_last = -1;
    for (i = 0; i < g->nn; i++) {
        cap += g->n[i].op == IR_OP_CONCAT ? g->n[i].n_inputs : 1;
    }
    p->calls = calloc((size_t)cap + LOWER_MAX_CALLS, sizeof *p->calls);
    p->node_first = calloc((size_t)g->nn + 1, sizeof *p->node_first);
    p->in_buf = calloc((size_t)ir_shape_count(&g->t[g->input].shape) + 1, sizeof(double));
    if (p->calls == NULL || p->node_first == NULL || p->in_buf == NULL) {
        eval_free(p);
        return -1;
    }
    for (k = 0; k < g->n_outputs; k++) {
        p->out_buf[k] =
            calloc((size_t)ir_shape_count(&g->t[g->outputs[k]].shape) + 1, sizeof(double));
        if (p->out_buf[k] == NULL) {
            eval_free(p);
            return -1;
        }
    }
    for (k = 0; k < IR_DT_COUNT; k++) {
        p->arena[k] = calloc((size_t)g->arena_n[k] + 1, ir_dtype_size((ir_dtype)k));
        p->state[k] = calloc((size_t)g->state_n[k] + 1, ir_dtype_size((ir_dtype)k));
        if (p->arena[k] == NULL || p->state[k] == NULL) {
            eval_free(p);
            return -1;
        }
    }
    for (i = 0; i < g->nn; i++) {
        int n = lower_node(g, i, &p->calls[p->n_calls]);
        if (n < 0) {
            eval_free(p);
            return -1;
        }
        p->node_first[i] = p->n_calls;
        for (k = 0; k < n; k++) {
            lower_call *c = &p->calls[p->n_calls + k];
            c->node = i;
            scratch = c->scratch_words > scratch ? c->scratch_words : scratch;
        }
        p->n_calls += n;
        for (k = p->node_first[i]; k < p->n_calls; k++) {
            int a;
            for (a = 0; a < p->calls[k].n_args; a++) {
                int t = p->calls[k].args[a];
                if (t >= 0 && g->t[t].storage == IR_ST_INPUT) {
                    p->input_last = i;
                }
            }
            if (lower_attach(g, &p->calls[k]) != 0) {
                eval_free(p);
                return -1;
            }
        }
    }
    p->node_first[g->nn] = p->n_calls;
    p->scratch = calloc((size_t)scratch + 1, sizeof *p->scratch);
    if (p->scratch == NULL) {
        eval_free(p);
        return -1;
    }
    p->has_q_in = lower_float_in(g, &p->q_in);
    for (k = 0; k < g->n_outputs; k++) {
        p->has_dq_out[k] = lower_float_out(g, k, &p->dq_out[k]);
    }
    return 0;
}

void eval_free(eval_plan *p)
{
    int k;
    for (k = 0; k < p->n_calls && p->calls != NULL; k++) {
        lower_release(&p->calls[k]);
    }
    free(p->scratch);
    p->scratch = NULL;
    free(p->calls);
    free(p->node_first);
    free(p->in_buf);
    for (k = 0; k < IR_MAX_OUTPUTS; k++) {
        free(p->out_buf[k]);
        p->out_buf[k] = NULL;
    }
    for (k = 0; k < IR_DT_COUNT; k++) {
        free(p->arena[k]);
        p->arena[k] = NULL;
        free(p->state[k]);
        p->state[k] = NULL;
    }
    p->calls = NULL;
    p->node_first = NULL;
    p->in_buf = NULL;
}

static void *ptr(const eval_plan *p, const lower_call *c, int t, const void *in,
                 void *const *outs)
{
    const ir_graph *g = p->g;
    const ir_tensor *x, *r;
    size_t es;
    if (t == LOWER_ARG_SCRATCH) {
        return p->scratch;
    }
    if (t == LOWER_ARG_NULL) {
        return NULL;
    }
    if (t == LOWER_ARG_STATE) {
        return (char *)p->state[c->state_dt] + (size_t)c->state_off * ir_dtype_size(c->state_dt);
    }
    if (LOWER_ARG_IS_OWN(t)) {
        return c->own[LOWER_OWN_INDEX(t)].data;
    }
    x = &g->t[t];
    r = &g->t[ir_root(g, t)];
    es = ir_dtype_size(x->dtype);
    switch (x->storage) {
    case IR_ST_INPUT:
        return (char *)(uintptr_t)in + (size_t)x->offset * es; /* read-only by construction */
    case IR_ST_OUTPUT:
        return (char *)outs[x->out_index] + (size_t)x->offset * es;
    case IR_ST_ARENA:
        return (char *)p->arena[x->dtype] + (size_t)x->offset * es;
    case IR_ST_CONST:
        return r->dtype == IR_DT_F32 ? (void *)r->data : r->qdata;
    default:
        return NULL;
    }
}

double eval_real(const ir_tensor *t, const void *data, int64_t i)
{
    switch (t->dtype) {
    case IR_DT_S8:
        return t->scale * (double)((int32_t)((const int8_t *)data)[i] - t->zp);
    case IR_DT_S16:
        return t->scale * (double)((const int16_t *)data)[i];
    default:
        return (double)((const float *)data)[i];
    }
}

/* Runs one kernel call; a[] are the argument pointers in call order. */
static void run_call(const lower_call *c, void *const *a)
{
    switch (c->k) {
    case LK_DENSE:
        stoic_dense_f32(&c->p.dense, a[0], a[1], a[2], a[3]);
        break;
    case LK_CONV2D:
        stoic_conv2d_f32(&c->p.conv2d, a[0], a[1], a[2], a[3]);
        break;
    case LK_MAXPOOL2D:
        stoic_maxpool2d_f32(&c->p.pool2d, a[0], a[1]);
        break;
    case LK_AVGPOOL2D:
        stoic_avgpool2d_f32(&c->p.pool2d, a[0], a[1]);
        break;
    case LK_GAVGPOOL:
        stoic_gavgpool_f32(&c->p.gavgpool, a[0], a[1]);
        break;
    case LK_ACTIVATION:
        stoic_activation_f32(&c->p.activation, a[0], a[1]);
        break;
    case LK_SOFTMAX:
        stoic_softmax_f32(&c->p.softmax, a[0], a[1]);
        break;
    case LK_ADD:
        stoic_add_f32(&c->p.binary, a[0], a[1], a[2]);
        break;
    case LK_MUL:
        stoic_mul_f32(&c->p.binary, a[0], a[1], a[2]);
        break;
    case LK_AFFINE:
        stoic_affine_f32(&c->p.affine, a[0], a[1], a[2], a[3]);
        break;
    case LK_COPY:
        stoic_copy_f32(&c->p.copy, a[0], a[1]);
        break;
    case LK_PAD:
        stoic_pad_f32(&c->p.pad, a[0], a[1]);
        break;
    case LK_TRANSPOSE:
        stoic_transpose_f32(&c->p.transpose, a[0], a[1]);
        break;
    case LK_DENSE_S8:
        stoic_dense_s8(&c->p.dense_s8, a[0], a[1], a[2], a[3]);
        break;
    case LK_CONV2D_S8:
        stoic_conv2d_s8(&c->p.conv2d_s8, a[0], a[1], a[2], a[3]);
        break;
    case LK_MAXPOOL2D_S8:
        stoic_maxpool2d_s8(&c->p.pool_q, a[0], a[1]);
        break;
    case LK_AVGPOOL2D_S8:
        stoic_avgpool2d_s8(&c->p.pool_q, a[0], a[1]);
        break;
    case LK_LUT_S8:
        stoic_lut_s8(&c->p.lut_s8, a[0], a[1]);
        break;
    case LK_SOFTMAX_S8:
        stoic_softmax_s8(&c->p.softmax_q, a[0], a[1]);
        break;
    case LK_ADD_S8:
        stoic_add_s8(&c->p.binary_q, a[0], a[1], a[2]);
        break;
    case LK_MUL_S8:
        stoic_mul_s8(&c->p.binary_q, a[0], a[1], a[2]);
        break;
    case LK_COPY_S8:
        stoic_copy_s8(&c->p.copy_q, a[0], a[1]);
        break;
    case LK_PAD_S8:
        stoic_pad_s8(&c->p.pad_q, a[0], a[1]);
        break;
    case LK_TRANSPOSE_S8:
        stoic_transpose_s8(&c->p.transpose_q, a[0], a[1]);
        break;
    case LK_DENSE_S16:
        stoic_dense_s16(&c->p.dense_s16, a[0], a[1], a[2], a[3]);
        break;
    case LK_CONV2D_S16:
        stoic_conv2d_s16(&c->p.conv2d_s16, a[0], a[1], a[2], a[3]);
        break;
    case LK_MAXPOOL2D_S16:
        stoic_maxpool2d_s16(&c->p.pool_q, a[0], a[1]);
        break;
    case LK_AVGPOOL2D_S16:
        stoic_avgpool2d_s16(&c->p.pool_q, a[0], a[1]);
        break;
    case LK_LUT_S16:
        stoic_lut_s16(&c->p.lut_s16, a[0], a[1]);
        break;
    case LK_SOFTMAX_S16:
        stoic_softmax_s16(&c->p.softmax_q, a[0], a[1]);
        break;
    case LK_ADD_S16:
        stoic_add_s16(&c->p.binary_q, a[0], a[1], a[2]);
        break;
    case LK_MUL_S16:
        stoic_mul_s16(&c->p.binary_q, a[0], a[1], a[2]);
        break;
    case LK_COPY_S16:
        stoic_copy_s16(&c->p.copy_q, a[0], a[1]);
        break;
    case LK_PAD_S16:
        stoic_pad_s16(&c->p.pad_q, a[0], a[1]);
        break;
    case LK_TRANSPOSE_S16:
        stoic_transpose_s16(&c->p.transpose_q, a[0], a[1]);
        break;
    case LK_CONVERT_S8_S16:
        stoic_convert_s8_s16(&c->p.copy_q, a[0], a[1]);
        break;
    case LK_CONVERT_S16_S8:
        stoic_convert_s16_s8(&c->p.copy_q, a[0], a[1]);
        break;
    case LK_QUANTIZE_S8:
        stoic_quantize_s8(&c->p.quantize, a[0], a[1]);
        break;
    case LK_QUANTIZE_S16:
        stoic_quantize_s16(&c->p.quantize, a[0], a[1]);
        break;
    case LK_DEQUANTIZE_S8:
        stoic_dequantize_s8(&c->p.dequantize, a[0], a[1]);
        break;
    case LK_DEQUANTIZE_S16:
        stoic_dequantize_s16(&c->p.dequantize, a[0], a[1]);
        break;
    case LK_DENSE_F32_SPARSE:
        stoic_dense_f32_sparse(&c->p.dense_sp, a[0], a[1], a[2], a[3]);
        break;
    case LK_DENSE_S8_SPARSE:
        stoic_dense_s8_sparse(&c->p.dense_spq, a[0], a[1], a[2], a[3]);
        break;
    case LK_DENSE_S16_SPARSE:
        stoic_dense_s16_sparse(&c->p.dense_spq, a[0], a[1], a[2], a[3]);
        break;
    case LK_CONV2D_F32_SPARSE:
        stoic_conv2d_f32_sparse(&c->p.conv_sp, a[0], a[1], a[2], a[3]);
        break;
    case LK_CONV2D_S8_SPARSE:
        stoic_conv2d_s8_sparse(&c->p.conv_spq, a[0], a[1], a[2], a[3]);
        break;
    case LK_CONV2D_S16_SPARSE:
        stoic_conv2d_s16_sparse(&c->p.conv_spq, a[0], a[1], a[2], a[3]);
        break;
    case LK_DENSE_S4_PK:
        stoic_dense_s4_pk(&c->p.dense4_pk, a[0], a[1], a[2], a[3], a[4]);
        break;
    case LK_PW_S8:
        stoic_pw_s8(&c->p.pw, a[0], a[1], a[2], a[3], a[4]);
        break;
    case LK_PW_S16:
        stoic_pw_s16(&c->p.pw, a[0], a[1], a[2], a[3]);
        break;
    case LK_DENSE_S8_PK:
        stoic_dense_s8_pk(&c->p.dense_pk, a[0], a[1], a[2], a[3], a[4]);
        break;
    case LK_CONV2D_S8_DW3:
        stoic_conv2d_s8_dw3(&c->p.dw3, a[0], a[1], a[2], a[3], a[4]);
        break;
    case LK_CONV2D_S16_DW3:
        stoic_conv2d_s16_dw3(&c->p.dw3, a[0], a[1], a[2], a[3], a[4]);
        break;
    case LK_CONV2D_S8_PK:
        stoic_conv2d_s8_pk(&c->p.conv_pk, a[0], a[1], a[2], a[3], a[4]);
        break;
    case LK_CONV2D_S16_PK:
        stoic_conv2d_s16_pk(&c->p.conv_pk, a[0], a[1], a[2], a[3], a[4]);
        break;
    case LK_DENSE_S16_PK:
        stoic_dense_s16_pk(&c->p.dense16_pk, a[0], a[1], a[2], a[3], a[4]);
        break;
    case LK_MAXPOOL2D_2X2:
        stoic_maxpool2d_f32_2x2(&c->p.pool2d, a[0], a[1]);
        break;
    case LK_AVGPOOL2D_2X2:
        stoic_avgpool2d_f32_2x2(&c->p.pool2d, a[0], a[1]);
        break;
    case LK_MAXPOOL2D_S8_2X2:
        stoic_maxpool2d_s8_2x2(&c->p.pool_q, a[0], a[1]);
        break;
    case LK_AVGPOOL2D_S8_2X2:
        stoic_avgpool2d_s8_2x2(&c->p.pool_q, a[0], a[1], a[2]);
        break;
    case LK_MAXPOOL2D_S16_2X2:
        stoic_maxpool2d_s16_2x2(&c->p.pool_q, a[0], a[1]);
        break;
    case LK_AVGPOOL2D_S16_2X2:
        stoic_avgpool2d_s16_2x2(&c->p.pool_q, a[0], a[1]);
        break;
    case LK_GAVGPOOL_S8:
        stoic_gavgpool_s8(&c->p.pool_q, a[0], a[1]);
        break;
    case LK_GAVGPOOL_S16:
        stoic_gavgpool_s16(&c->p.pool_q, a[0], a[1]);
        break;
    case LK_RESIZE:
        stoic_resize_f32(&c->p.resize, a[0], a[1], a[2], a[3], a[4], a[5]);
        break;
    case LK_RESIZE_S8:
        stoic_resize_s8(&c->p.resize_q, a[0], a[1], a[2], a[3], a[4], a[5]);
        break;
    case LK_RESIZE_S16:
        stoic_resize_s16(&c->p.resize_q, a[0], a[1], a[2], a[3], a[4], a[5]);
        break;
    case LK_LSTM:
        stoic_lstm_f32(&c->p.rnn, a[0], a[1], a[2], a[3], a[4], a[5], a[6]);
        break;
    case LK_GRU:
        stoic_gru_f32(&c->p.rnn, a[0], a[1], a[2], a[3], a[4], a[5], a[6]);
        break;
    case LK_LSTM_S16:
        stoic_lstm_s16(&c->p.rnn_q, a[0], a[1], a[2], a[3], a[4], a[5]);
        break;
    case LK_LSTM_S8W:
        stoic_lstm_s8w(&c->p.rnn_q, a[0], a[1], a[2], a[3], a[4], a[5]);
        break;
    case LK_GRU_S16:
        stoic_gru_s16(&c->p.rnn_q, a[0], a[1], a[2], a[3], a[4], a[5]);
        break;
    case LK_GRU_S8W:
        stoic_gru_s8w(&c->p.rnn_q, a[0], a[1], a[2], a[3], a[4], a[5]);
        break;
    default:
        break;
    }
}

/* Nodes first .. last of one inference (eval_run_raw for 0 .. nn - 1). */
static void run_nodes(const eval_plan *p, int first, int last, const void *in, void *const *outs,
                      eval_observer obs, void *ctx)
{
    const ir_graph *g = p->g;
    int i, j;
    if (obs != NULL && first == 0) {
        obs(ctx, g->input, in, ir_shape_count(&g->t[g->input].shape));
    }
    for (i = first; i <= last; i++) {
        int t = g->n[i].output;
        for (j = p->node_first[i]; j < p->node_first[i + 1]; j++) {
            const lower_call *c = &p->calls[j];
            void *a[LOWER_MAX_ARGS];
            int k;
            for (k = 0; k < c->n_args; k++) {
                a[k] = ptr(p, c, c->args[k], in, outs);
            }
            for (; k < LOWER_MAX_ARGS; k++) {
                a[k] = NULL;
            }
            run_call(c, a);
        }
        if (obs != NULL) {
            obs(ctx, t, ptr(p, NULL, t, in, outs), ir_shape_count(&g->t[t].shape));
        }
    }
}

void eval_run_raw(const eval_plan *p, const void *in, void *const *outs, eval_observer obs,
                  void *ctx)
{
    run_nodes(p, 0, p->g->nn - 1, in, outs, obs, ctx);
}

void eval_run_part(const eval_plan *p, const float *in, float *out, int first, int last,
                   eval_observer obs, void *ctx)
{
    const ir_graph *g = p->g;
    const void *rin = in;
    void *routs[IR_MAX_OUTPUTS];
    void *a[LOWER_MAX_ARGS];
    int k;
    if (p->has_q_in && (first == 0 || p->input_last >= first)) {
        a[0] = (void *)(uintptr_t)in;
        a[1] = p->in_buf;
        run_call(&p->q_in, a);
        rin = p->in_buf;
    }
    for (k = 0; k < g->n_outputs; k++) {
        routs[k] = p->has_dq_out[k] || out == NULL ? p->out_buf[k]
                                                   : (void *)(out + ir_output_start(g, k));
    }
    run_nodes(p, first, last, rin, routs, obs, ctx);
    for (k = 0; k < g->n_outputs && last == g->nn - 1; k++) {
        if (p->has_dq_out[k]) {
            a[0] = p->out_buf[k];
            a[1] = out + ir_output_start(g, k);
            run_call(&p->dq_out[k], a);
        }
    }
}

void eval_run_obs(const eval_plan *p, const float *in, float *out, eval_observer obs, void *ctx)
{
    eval_run_part(p, in, out, 0, p->g->nn - 1, obs, ctx);
}

void *eval_arena_ptr(const eval_plan *p, int t)
{
    return p->g->t[t].storage == IR_ST_ARENA ? ptr(p, NULL, t, NULL, NULL) : NULL;
}

void eval_run(const eval_plan *p, const float *in, float *out)
{
    eval_run_obs(p, in, out, NULL, NULL);
}

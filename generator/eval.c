#include "eval.h"

#include <stdlib.h>
#include <string.h>

int eval_prepare(const ir_graph *g, eval_plan *p)
{
    int i, cap = 0;
    memset(p, 0, sizeof *p);
    p->g = g;
    for (i = 0; i < g->nn; i++) {
        cap += g->n[i].op == IR_OP_CONCAT ? g->n[i].n_inputs : 1;
    }
    p->calls = calloc((size_t)cap + 1, sizeof *p->calls);
    p->arena = calloc((size_t)g->arena_elems + 1, sizeof(float));
    if (p->calls == NULL || p->arena == NULL) {
        eval_free(p);
        return -1;
    }
    for (i = 0; i < g->nn; i++) {
        int n = lower_node(g, i, &p->calls[p->n_calls]);
        if (n < 0) {
            eval_free(p);
            return -1;
        }
        p->n_calls += n;
    }
    return 0;
}

void eval_free(eval_plan *p)
{
    free(p->calls);
    free(p->arena);
    p->calls = NULL;
    p->arena = NULL;
}

static float *ptr(const eval_plan *p, int t, const float *in, float *out)
{
    const ir_graph *g = p->g;
    const ir_tensor *x = &g->t[t];
    int r = ir_root(g, t);
    switch (x->storage) {
    case IR_ST_INPUT:
        return (float *)(uintptr_t)in + x->offset; /* read-only by construction */
    case IR_ST_OUTPUT:
        return out + x->offset;
    case IR_ST_ARENA:
        return p->arena + x->offset;
    case IR_ST_CONST:
        return g->t[r].data;
    default:
        return NULL;
    }
}

void eval_run(const eval_plan *p, const float *in, float *out)
{
    int i;
    for (i = 0; i < p->n_calls; i++) {
        const lower_call *c = &p->calls[i];
        float *a[LOWER_MAX_ARGS];
        int k;
        for (k = 0; k < c->n_args; k++) {
            a[k] = ptr(p, c->args[k], in, out);
        }
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
        default:
            break;
        }
    }
}

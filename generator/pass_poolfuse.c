/* pass_poolfuse: a 2x2 max pool of stride 2 (no padding, no dilation)
 * whose input is the output of an int8 1x1 convolution that nothing else
 * reads is computed by the convolution's kernel (stoic_pw_s8.h): the
 * convolution keeps the largest accumulator of each window and
 * requantizes it once. Exact: the output stage is non-decreasing in the
 * accumulator (a positive multiplier, a rounding shift, a zero point, a
 * clamp), so the requantized largest accumulator is the largest
 * requantized value; the pool's input and output have the same scale and
 * zero point (pass_quantize), so the pool's output is that value.
 * Fused when lower.c runs the convolution with stoic_pw_s8 and the pool
 * (as pass_quantize left it: the same scale and zero point, even height
 * and width); the pool disappears, its name listed in the convolution's
 * "fused", and the convolution writes the pool's output (ir_node.pool_max).
 * Runs after pass_quantize and pass_sparse, on integer graphs. */
#include "lower.h"
#include "pass.h"

#include <string.h>

/* whether m is a 2x2 max pool of stride 2 without pads and dilation */
static int is_pool2(const ir_node *m)
{
    return m->op == IR_OP_MAXPOOL2D && m->kernel[0] == 2 && m->kernel[1] == 2 &&
           m->strides[0] == 2 && m->strides[1] == 2 && m->dilations[0] == 1 &&
           m->dilations[1] == 1 && m->pads[0] == 0 && m->pads[1] == 0 && m->pads[2] == 0 &&
           m->pads[3] == 0;
}

/* whether the pool m can be computed by the convolution c, whose output
 * tensor t is m's input */
static int fusable(const ir_graph *g, const ir_node *c, const ir_node *m, int t)
{
    const ir_tensor *ti = &g->t[t], *to = &g->t[m->output];
    return c->op == IR_OP_CONV2D && !c->dead && !c->pool_max &&
           (c->prec == IR_DT_S8 || c->prec == IR_DT_S16) && m->prec == c->prec &&
           ti->dtype == c->prec && to->dtype == c->prec &&
           ti->has_q && to->has_q && ti->scale == to->scale && ti->zp == to->zp &&
           ti->n_consumers == 1 && ir_output_index(g, t) < 0 && ti->shape.rank == 3 &&
           to->shape.rank == 3 && ti->shape.d[0] % 2 == 0 && ti->shape.d[1] % 2 == 0 &&
           to->shape.d[0] == ti->shape.d[0] / 2 && to->shape.d[1] == ti->shape.d[1] / 2 &&
           to->shape.d[2] == ti->shape.d[2];
}

int pass_poolfuse(ir_graph *g, diag *d)
{
    int i;
    lower_call calls[LOWER_MAX_CALLS];
    ir_link(g);
    for (i = 0; i < g->nn; i++) {
        ir_node *m = &g->n[i];
        ir_node *c;
        int t, p, nc, ok;
        if (m->dead || !is_pool2(m)) {
            continue;
        }
        t = m->inputs[0];
        p = g->t[t].producer;
        if (p < 0 || !fusable(g, &g->n[p], m, t)) {
            continue;
        }
        /* lowered as fused, it must be stoic_pw_s8 or stoic_pw_s16 */
        c = &g->n[p];
        c->pool_max = 1;
        c->output = m->output;
        nc = lower_node(g, p, calls);
        ok = nc == 1 && (calls[0].k == LK_PW_S8 || calls[0].k == LK_PW_S16) &&
             calls[0].p.pw.pool == 1;
        if (!ok) {
            c->pool_max = 0;
            c->output = t;
            continue;
        }
        if (ir_node_append_fused(c, m->name) != 0) {
            diag_io(d, NULL, "out of memory");
            return -1;
        }
        m->dead = 1;
        ir_link(g);
    }
    if (ir_compact(g) != 0) {
        diag_io(d, NULL, "out of memory");
        return -1;
    }
    return 0;
}

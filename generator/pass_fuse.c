/* pass_fuse: a stand-alone activation whose input is produced by a layer
 * that can apply an activation (dense, conv, add, mul, affine) with none of
 * its own, and that feeds nothing else, is fused into that layer: the
 * kernel applies it to each output element as it is written. */
#include "pass.h"

#include <stdlib.h>
#include <string.h>

static int takes_activation(ir_op op)
{
    return op == IR_OP_DENSE || op == IR_OP_CONV2D || op == IR_OP_CONV1D || op == IR_OP_ADD ||
           op == IR_OP_MUL || op == IR_OP_AFFINE;
}

int pass_fuse(ir_graph *g, diag *d)
{
    int i;
    ir_link(g);
    for (i = 0; i < g->nn; i++) {
        ir_node *a = &g->n[i];
        int in, p;
        if (a->op != IR_OP_ACTIVATION || a->dead) {
            continue;
        }
        in = a->inputs[0];
        p = g->t[in].producer;
        if (p >= 0 && takes_activation(g->n[p].op) && g->n[p].act.kind == STOIC_ACT_NONE &&
            g->t[in].n_consumers == 1 && ir_output_index(g, in) < 0) {
            ir_node *pn = &g->n[p];
            if (ir_node_append_fused(pn, a->name) != 0) {
                diag_io(d, NULL, "out of memory");
                return -1;
            }
            pn->act = a->act;
            pn->act_name = a->act_name;
            a->act_name = NULL;
            pn->output = a->output;
            a->dead = 1;
            ir_link(g);
        }
    }
    if (ir_compact(g) != 0) {
        diag_io(d, NULL, "out of memory");
        return -1;
    }
    return 0;
}

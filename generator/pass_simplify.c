/* pass_simplify: a transpose that only moves axes of size 1 keeps the
 * element order (e.g. [1 8 8] -> [8 8 1], the channels-first to
 * channels-last change of a one-channel image): it becomes a reshape,
 * which pass_plan turns into an alias, so it costs nothing at run time. */
#include "pass.h"

int pass_simplify(ir_graph *g, diag *d)
{
    int i, k;
    (void)d;
    for (i = 0; i < g->nn; i++) {
        ir_node *n = &g->n[i];
        const ir_shape *is;
        int last = -1, keeps_order = 1;
        if (n->op != IR_OP_TRANSPOSE) {
            continue;
        }
        is = &g->t[n->inputs[0]].shape;
        for (k = 0; k < n->n_perm; k++) {
            int ax = n->perm[k];
            if (is->d[ax] != 1) {
                if (ax < last) {
                    keeps_order = 0;
                }
                last = ax;
            }
        }
        if (keeps_order) {
            const ir_shape *os = &g->t[n->output].shape;
            n->op = IR_OP_RESHAPE;
            n->new_rank = os->rank;
            for (k = 0; k < os->rank; k++) {
                n->new_shape[k] = os->d[k];
            }
        }
    }
    return 0;
}

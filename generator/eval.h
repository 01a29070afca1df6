/* The host evaluator: runs a planned graph through the runtime kernels,
 * with the parameters lower.c decides — the same calls the generated code
 * makes, so build-time results are the deployed results, bit for bit. */
#ifndef STOIC_EVAL_H
#define STOIC_EVAL_H

#include "ir.h"
#include "lower.h"

typedef struct {
    const ir_graph *g;
    lower_call *calls;
    int n_calls;
    float *arena;
} eval_plan;

/* Lowers every node once and allocates the arena. 0 or -1 (out of memory). */
int eval_prepare(const ir_graph *g, eval_plan *p);
/* One inference: in has the input's element count, out the output's. */
void eval_run(const eval_plan *p, const float *in, float *out);
void eval_free(eval_plan *p);

#endif

/* The host evaluator: runs a planned graph through the runtime kernels,
 * with the parameters lower.c decides — the same calls the generated code
 * makes, so build-time results are the deployed results, bit for bit.
 * Float and integer (int8/int16, mixed) graphs alike. */
#ifndef STOIC_EVAL_H
#define STOIC_EVAL_H

#include "ir.h"
#include "lower.h"

/* Called with every activation tensor as soon as it is computed (and with
 * the model input first): its index, its storage and element count. */
typedef void (*eval_observer)(void *ctx, int tensor, const void *data, int64_t n);

typedef struct {
    const ir_graph *g;
    lower_call *calls;
    int n_calls;
    int *node_first;      /* calls of node i: [node_first[i], node_first[i + 1]) */
    void *arena[IR_DT_COUNT];
    void *state[IR_DT_COUNT]; /* the recurrent layers' state (g->state_n) */
    lower_call q_in;      /* the float wrapper (lower_float_in / _out) */
    lower_call dq_out[IR_MAX_OUTPUTS]; /* one for each graph output */
    int has_q_in;
    int has_dq_out[IR_MAX_OUTPUTS];
    void *in_buf;         /* typed input and outputs of the float wrapper */
    void *out_buf[IR_MAX_OUTPUTS];
    int32_t *scratch;     /* the packed kernels' scratch (NAME_scratch) */
    int input_last;       /* the last node that reads the model input (-1: none) */
} eval_plan;

/* Lowers every node once and allocates the arenas. 0 or -1 (out of memory). */
int eval_prepare(const ir_graph *g, eval_plan *p);
/* One inference as NAME_run_float: float input (the input's element count)
 * quantized if the model input is an integer tensor, float output: every
 * graph output, one after the other in graph order (ir_outputs_count
 * values; output k from ir_output_start(g, k)). */
void eval_run(const eval_plan *p, const float *in, float *out);
/* The same, calling obs (may be NULL) with every tensor. */
void eval_run_obs(const eval_plan *p, const float *in, float *out, eval_observer obs, void *ctx);
/* One inference as NAME_run: in and outs[k] have the dtypes of the model's
 * input and output k tensors. */
void eval_run_raw(const eval_plan *p, const void *in, void *const *outs, eval_observer obs,
                  void *ctx);
/* Part of one inference, for a caller that resumes a run (evcache.h):
 * nodes first .. last only (the model input observed only when first is
 * 0 and quantized only when a node from first on reads it, the outputs
 * dequantized only when last is the last node); whatever nodes before
 * first wrote must already be in the arena. out may be NULL when last is not the last node. */
void eval_run_part(const eval_plan *p, const float *in, float *out, int first, int last,
                   eval_observer obs, void *ctx);
/* Where tensor t lives in the arena (NULL: not an arena tensor). */
void *eval_arena_ptr(const eval_plan *p, int t);
void eval_free(eval_plan *p);

/* Real value of element i of a tensor's storage (dequantized if integer). */
double eval_real(const ir_tensor *t, const void *data, int64_t i);

#endif

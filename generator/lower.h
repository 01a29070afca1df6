/* lower: one IR node -> the runtime kernel calls that compute it.
 *
 * This is the single place where kernel parameters are decided. The host
 * evaluator (eval.c) passes the resulting structs to the runtime kernels;
 * the emitter (emit_c.c) prints the same structs as `static const`
 * initializers and the same calls. So the evaluator and the generated code
 * run the same kernels with the same parameters, bit for bit. */
#ifndef STOIC_LOWER_H
#define STOIC_LOWER_H

#include "ir.h"
#include "stoic_rt.h"

/* ORDER KERNEL: keep the tables in lower.c in the same order. */
typedef enum {
    LK_DENSE = 0,
    LK_CONV2D,
    LK_MAXPOOL2D,
    LK_AVGPOOL2D,
    LK_GAVGPOOL,
    LK_ACTIVATION,
    LK_SOFTMAX,
    LK_ADD,
    LK_MUL,
    LK_AFFINE,
    LK_COPY,
    LK_PAD,
    LK_TRANSPOSE,
    LK_COUNT
} lower_kernel;

#define LOWER_MAX_ARGS 4
#define LOWER_MAX_CALLS 64 /* concat of 64 inputs */

typedef struct {
    lower_kernel k;
    union {
        stoic_dense_f32_params dense;
        stoic_conv2d_f32_params conv2d;
        stoic_pool2d_f32_params pool2d;
        stoic_gavgpool_f32_params gavgpool;
        stoic_activation_f32_params activation;
        stoic_softmax_f32_params softmax;
        stoic_binary_f32_params binary;
        stoic_affine_f32_params affine;
        stoic_copy_f32_params copy;
        stoic_pad_f32_params pad;
        stoic_transpose_f32_params transpose;
    } p;
    int args[LOWER_MAX_ARGS]; /* tensor indices in call order; the last is the output */
    int n_args;
} lower_call;

/* Fills calls[] for node ni; returns how many (0 for an aliasing reshape). */
int lower_node(const ir_graph *g, int ni, lower_call calls[LOWER_MAX_CALLS]);

const char *lower_kernel_fn(lower_kernel k);     /* "stoic_dense_f32" */
const char *lower_kernel_params(lower_kernel k); /* "stoic_dense_f32_params" */
const char *lower_kernel_file(lower_kernel k);   /* "stoic_dense_f32.c" */

/* Field names and values of a call's parameter struct, in declaration
 * order, for printing. Returns the number of fields written (at most max).
 * Float fields have is_float set; act fields are named "act.kind" etc. */
typedef struct {
    const char *name;
    int is_float;
    long ival;
    float fval;
} lower_field;
int lower_fields(const lower_call *c, lower_field *f, int max);

#endif

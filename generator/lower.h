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
#include "stoic_rt_f32.h"

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
    /* int8 */
    LK_DENSE_S8,
    LK_CONV2D_S8,
    LK_MAXPOOL2D_S8,
    LK_AVGPOOL2D_S8,
    LK_LUT_S8,
    LK_SOFTMAX_S8,
    LK_ADD_S8,
    LK_MUL_S8,
    LK_COPY_S8,
    LK_PAD_S8,
    LK_TRANSPOSE_S8,
    /* int16 (16x8) */
    LK_DENSE_S16,
    LK_CONV2D_S16,
    LK_MAXPOOL2D_S16,
    LK_AVGPOOL2D_S16,
    LK_LUT_S16,
    LK_SOFTMAX_S16,
    LK_ADD_S16,
    LK_MUL_S16,
    LK_COPY_S16,
    LK_PAD_S16,
    LK_TRANSPOSE_S16,
    /* conversions */
    LK_CONVERT_S8_S16,
    LK_CONVERT_S16_S8,
    LK_QUANTIZE_S8,
    LK_QUANTIZE_S16,
    LK_DEQUANTIZE_S8,
    LK_DEQUANTIZE_S16,
    /* sparse dense (pass_sparse) */
    LK_DENSE_F32_SPARSE,
    LK_DENSE_S8_SPARSE,
    LK_DENSE_S16_SPARSE,
    LK_CONV2D_F32_SPARSE,
    LK_CONV2D_S8_SPARSE,
    LK_CONV2D_S16_SPARSE,
    /* pooling variants chosen from the geometry (lower_pool_variant) */
    LK_MAXPOOL2D_2X2,
    LK_AVGPOOL2D_2X2,
    LK_MAXPOOL2D_S8_2X2,
    LK_AVGPOOL2D_S8_2X2,
    LK_MAXPOOL2D_S16_2X2,
    LK_AVGPOOL2D_S16_2X2,
    LK_GAVGPOOL_S8,
    LK_GAVGPOOL_S16,
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
        stoic_dense_s8_params dense_s8;
        stoic_conv2d_s8_params conv2d_s8;
        stoic_dense_s16_params dense_s16;
        stoic_conv2d_s16_params conv2d_s16;
        stoic_pool2d_q_params pool_q;
        stoic_lut_s8_params lut_s8;
        stoic_lut_s16_params lut_s16;
        stoic_softmax_q_params softmax_q;
        stoic_binary_q_params binary_q;
        stoic_copy_q_params copy_q;
        stoic_pad_q_params pad_q;
        stoic_transpose_q_params transpose_q;
        stoic_quantize_params quantize;
        stoic_dequantize_params dequantize;
        stoic_dense_f32_sparse_params dense_sp;
        stoic_dense_sparse_q_params dense_spq;
        stoic_conv2d_f32_sparse_params conv_sp;
        stoic_conv2d_sparse_q_params conv_spq;
    } p;
    int args[LOWER_MAX_ARGS]; /* tensor indices in call order; the last is the output */
    int n_args;
    int node;                 /* the IR node it computes (-1: the float wrapper) */
    /* constant tensors behind the pointer fields of p (-1: none): the
     * multipliers (qmul) and the table (lut, exp_table) */
    int ref_qmul;
    int ref_table;
    int ref_rows;             /* sparse: row starts and column deltas */
    int ref_delta;
} lower_call;

/* The float wrapper of an integer model: quantizes the caller's float
 * input, dequantizes the integer output. Returns 1 and fills *c when the
 * model input (q_in) / output (dq_out) is an integer tensor, else 0. */
int lower_float_in(const ir_graph *g, lower_call *c);
int lower_float_out(const ir_graph *g, lower_call *c);

/* The integer value of real value v in tensor t (rounded, saturated). */
int32_t lower_quantize_value(const ir_tensor *t, double v);

/* Fills calls[] for node ni; returns how many (0 for an aliasing reshape). */
int lower_node(const ir_graph *g, int ni, lower_call calls[LOWER_MAX_CALLS]);

const char *lower_kernel_fn(lower_kernel k);     /* "stoic_dense_f32" */
const char *lower_kernel_params(lower_kernel k); /* "stoic_dense_f32_params" */
/* The runtime file that defines the kernel: its function name plus ".c". */
void lower_kernel_file(lower_kernel k, char *buf, size_t n);

/* Field names and values of a call's parameter struct, in declaration
 * order, for printing. Returns the number of fields written (at most max).
 * Float fields have is_float set; act fields are named "act.kind" etc. */
typedef struct {
    const char *name;
    int is_float;
    long ival;
    float fval;
    int ref; /* pointer field: -1 NULL, else the constant tensor it points to */
    int is_ptr;
} lower_field;
int lower_fields(const lower_call *c, lower_field *f, int max);

#endif

/* lower: one IR node -> the runtime kernel calls that compute it.
 *
 * This is the single place where kernel parameters are decided. The host
 * evaluator (eval.c) passes the resulting structs to the runtime kernels;
 * the emitter (emit_c.c) prints the same structs as `static const`
 * initializers and the same calls. So the evaluator and the generated code
 * run the same kernels with the same parameters, bit for bit. */
#ifndef STOIC_LOWER_H
#define STOIC_LOWER_H

#include "cost.h"
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
    /* packed int8 kernels (stoic_dsp.h), chosen when their preconditions hold */
    LK_DENSE_S8_PK,
    LK_CONV2D_S8_DW3,
    LK_DENSE_S16_PK,
    LK_CONV2D_S16_DW3,
    LK_CONV2D_S8_PK,
    LK_CONV2D_S16_PK,
    /* pooling variants chosen from the geometry (lower_pool_variant) */
    LK_MAXPOOL2D_2X2,
    LK_AVGPOOL2D_2X2,
    LK_MAXPOOL2D_S8_2X2,
    LK_AVGPOOL2D_S8_2X2,
    LK_MAXPOOL2D_S16_2X2,
    LK_AVGPOOL2D_S16_2X2,
    LK_GAVGPOOL_S8,
    LK_GAVGPOOL_S16,
    /* resize (tables made by lower_attach) */
    LK_RESIZE,
    LK_RESIZE_S8,
    LK_RESIZE_S16,
    /* recurrent layers (float32) */
    LK_LSTM,
    LK_GRU,
    /* recurrent layers, int16 activations: int16 or int8 weights */
    LK_LSTM_S16,
    LK_LSTM_S8W,
    LK_GRU_S16,
    LK_GRU_S8W,
    /* int4 weights, int8 activations */
    LK_DENSE_S4_PK,
    /* 1x1 convolution of few input channels, optionally with its 2x2 max pool */
    LK_PW_S8,
    LK_PW_S16,
    LK_COUNT
} lower_kernel;

#define LOWER_MAX_ARGS 8
/* Arguments that are not IR tensors: the scratch buffer (NAME_scratch),
 * and constants made by lower_attach (own[k], printed as NAME_p<call>_<role>). */
#define LOWER_ARG_NONE (-1)
#define LOWER_ARG_SCRATCH (-2)
#define LOWER_ARG_OWN(k) (-3 - (k))
#define LOWER_OWN_INDEX(a) (-3 - (a))
#define LOWER_MAX_OWN 4
#define LOWER_ARG_IS_OWN(a) ((a) <= -3 && (a) > -3 - LOWER_MAX_OWN)
/* a null pointer (an optional array the layer lacks), and the recurrent
 * state of the call's layer (NAME_state_<dtype>[state_off]) */
#define LOWER_ARG_NULL (-4 - LOWER_MAX_OWN)
#define LOWER_ARG_STATE (-5 - LOWER_MAX_OWN)
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
        stoic_dense_s8_pk_params dense_pk;
        stoic_dense_s4_pk_params dense4_pk;
        stoic_pw_params pw;
        stoic_conv2d_dw3_params dw3;
        stoic_dense_s16_pk_params dense16_pk;
        stoic_conv2d_pk_params conv_pk;
        stoic_resize_f32_params resize;
        stoic_resize_q_params resize_q;
        stoic_rnn_f32_params rnn;
        stoic_rnn_q_params rnn_q;
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
    int ref_bias;             /* integer recurrent: the bias (bx then bh) */
    int ref_proj;             /* recurrent, low rank: the projection rb */
    /* Constants a packed kernel reads in its own layout (weights in loop
     * order, folded bias, multipliers, shifts), made from the IR's
     * constants by lower_attach; NULL data until then. */
    struct {
        void *data;
        ir_dtype dtype;       /* IR_DT_S32, IR_DT_S8 (int4 weight pairs), IR_DT_U8 or
                               * IR_DT_F32 (resize weights) */
        int64_t n;
        const char *role;     /* "w", "b", "m", "e" */
    } own[LOWER_MAX_OWN];
    int n_own;
    int64_t scratch_words;    /* int32 words of scratch the kernel needs */
    /* LOWER_ARG_STATE: the element type and offset of the state it reads */
    ir_dtype state_dt;
    int64_t state_off;
} lower_call;

/* The float wrapper of an integer model: quantizes the caller's float
 * input, dequantizes the integer output. Returns 1 and fills *c when the
 * model input (q_in) / output (dq_out) is an integer tensor, else 0. */
int lower_float_in(const ir_graph *g, lower_call *c);
int lower_float_out(const ir_graph *g, int k, lower_call *c); /* output k */

/* The integer value of real value v in tensor t (rounded, saturated). */
int32_t lower_quantize_value(const ir_tensor *t, double v);

/* Fills calls[] for node ni; returns how many (0 for an aliasing reshape).
 * Allocates nothing: a call with n_own > 0 needs lower_attach before it
 * runs or is printed. */
int lower_node(const ir_graph *g, int ni, lower_call calls[LOWER_MAX_CALLS]);

/* The fixed trip counts of the sparse conv kernels' carry loops for the
 * encoding (row_start, delta) of out_c channels (stoic_rt.h). */
void lower_sparse_steps(const int32_t *row_start, const uint8_t *delta, int32_t out_c,
                        int32_t in_c, int32_t k_w, int32_t *ci_steps, int32_t *kw_steps);
/* The parameters of stoic_conv2d_s8_pk that compute the dense layer d
 * (rows pixels of in_n channels in one image row, 1x1 kernel) with d's
 * weight words and records: lower chooses it for the int8 dense layers of
 * a model that links stoic_conv2d_s8_pk and not stoic_dense_s8_pk. */
/* Word gi of an int4 weight row w[0 .. per), w in [-7, 7]
 * (stoic_dense_s4_pk.c): the weight of input 8 gi + 2j + l plus 8 in
 * nibble j + 4l (8 past per). */
int32_t lower_s4_word(const int8_t *w, int64_t per, int32_t gi);

void lower_conv_pk_of_dense(const stoic_dense_s8_pk_params *d, int32_t zp_in,
                            stoic_conv2d_pk_params *cp);
/* Makes the own[] constants of a call (and points its parameter struct
 * at them); 0, or -1 when out of memory. lower_release frees them. */
int lower_attach(const ir_graph *g, lower_call *c);
void lower_release(lower_call *c);

/* Marks in used_t (one flag per tensor of g) the IR constants call c
 * reads: its arguments (by the tensor whose storage each names, ir_root)
 * and the tensors behind its pointer fields. */
void lower_mark_refs(const ir_graph *g, const lower_call *c, char *used_t);
/* The bytes of constants NAME_run reads, as the emitter prints them: the
 * IR constants its calls (and the float wrapper's) reference, each once,
 * and the constants the packed kernels own (weights in loop order, folded
 * biases, multipliers and shifts). per_node (NULL, or g->nn entries):
 * the same per node, an IR constant counted at the first node reading it.
 * -1 when out of memory. */
int64_t lower_constant_bytes(const ir_graph *g, int64_t *per_node);

/* The trip counts of a layer's calls of the packed (stoic_dense_*_pk,
 * stoic_conv2d_*_pk), 3x3 (stoic_conv2d_*_dw3) and 2x2 pooling kernels in
 * place of the operator's (cost_node_work): their loops (passes of four
 * output rows, steps of 8, 4 and 1 words, planes and passes) are not the
 * operator's. Other kernels, or a mix: w as is. */
void lower_calls_work(const lower_call *calls, int nc, cost_work *w);
const char *lower_kernel_fn(lower_kernel k);     /* "stoic_dense_f32" */
const char *lower_kernel_params(lower_kernel k); /* "stoic_dense_f32_params" */
/* The runtime file that defines the kernel: its function name plus ".c". */
void lower_kernel_file(lower_kernel k, char *buf, size_t n);
/* Whether kernel k includes stoic_dsp.h (the packed kernels). */
int lower_kernel_dsp(lower_kernel k);
/* Whether kernel k is defined in its header as a static inline function,
 * lower_kernel_fn(k) + "_inl" (runtime/stoic_rt.h, STOIC_INLINE), that
 * generated code compiles with each layer's parameters as constants. */
int lower_kernel_inline(lower_kernel k);
/* Whether generated code calls kernel k in its inline form: it has one
 * and the kernels are not shared (stoic generate --kernels shared). */
int lower_kernel_inlined(lower_kernel k, int shared);
/* Whether kernel k can read its folded biases as int16 (b16,
 * stoic_bias_at): the int8 packed kernels. */
int lower_kernel_b16(lower_kernel k);

/* Field names and values of a call's parameter struct, in declaration
 * order, for printing. Returns the number of fields written (at most max).
 * Float fields have is_float set; act fields are named "act.kind" etc. */
typedef struct {
    const char *name;
    int is_float;
    long ival;
    float fval;
    int ref; /* pointer field: -1 NULL, else the constant tensor it points to
              * (at element ival of it) */
    int own; /* pointer field to own[own] of the call (ref is -1), else -1 */
    int is_ptr;
} lower_field;
int lower_fields(const lower_call *c, lower_field *f, int max);

#endif

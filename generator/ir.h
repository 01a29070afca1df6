/* The IR: a graph of tensors and nodes that refer to each other by index.
 *
 * Loaded from the model description (xml_load.c), transformed by passes
 * (pass_*.c, one job each, each followed by ir_verify), evaluated on the
 * host (eval.c) and printed as C (emit_c.c). Everything the emitter prints
 * is decided by a pass and recorded here, so `--dump-ir` shows it.
 *
 * Nodes are kept in execution order once pass_order has run. Tensors and
 * nodes are never removed during a pass; a node that disappears (folded,
 * fused) is marked dead and dropped by ir_compact, which renumbers.
 */
#ifndef STOIC_IR_H
#define STOIC_IR_H

#include <stddef.h>
#include <stdint.h>

#include "stoic_rt_f32.h"

#define IR_MAX_RANK 4
#define IR_MAX_PARAMS 7
/* Most graph outputs of one model (README "Model description"). */
#define IR_MAX_OUTPUTS 16
/* Largest element count of one tensor: every index fits an int32_t. */
#define IR_MAX_ELEMS 0x7fffffffL
/* What ir_shape_count returns for a shape with a negative dimension or
 * more than IR_MAX_ELEMS elements: larger than any valid count, and small
 * enough that multiplying it by an element size cannot overflow int64_t. */
#define IR_COUNT_TOO_LARGE (IR_MAX_ELEMS + 1L)

typedef struct {
    int rank; /* 0 = not yet inferred */
    int32_t d[IR_MAX_RANK];
} ir_shape;

/* Element type of a tensor. ORDER DT: keep the tables in ir.c in order. */
typedef enum {
    IR_DT_F32 = 0,
    IR_DT_S8,
    IR_DT_S16,
    IR_DT_S32,
    IR_DT_S64,
    IR_DT_QMUL, /* stoic_qmul {m, shift} pairs: requantization multipliers */
    IR_DT_U8,   /* sparse column deltas */
    IR_DT_COUNT
} ir_dtype;

size_t ir_dtype_size(ir_dtype dt);
const char *ir_dtype_c(ir_dtype dt);    /* "float", "int8_t", ..., "stoic_qmul" */
const char *ir_dtype_name(ir_dtype dt); /* "float32", "int8", ... */

typedef enum {
    IR_T_INPUT = 0, /* the model input */
    IR_T_CONST,     /* weights, biases, <constant> tensors */
    IR_T_ACT        /* produced by a node */
} ir_tkind;

/* Where a tensor lives in the generated code (decided by pass_plan). */
typedef enum {
    IR_ST_NONE = 0,
    IR_ST_INPUT,  /* the caller's input array */
    IR_ST_OUTPUT, /* the caller's output array */
    IR_ST_ARENA,  /* the static arena, at `offset` elements */
    IR_ST_CONST   /* a const array in NAME_weights.c */
} ir_storage;

typedef struct {
    char *name;
    ir_tkind kind;
    ir_shape shape;
    long line;       /* XML line that defined it */
    float *data;     /* IR_T_CONST of dtype float32: shape-count values */
    /* quantization (pass_quantize) */
    ir_dtype dtype;  /* IR_DT_F32 until quantized */
    int has_q;       /* scale and zp are set (integer activations) */
    double scale;    /* real = scale * (q - zp) */
    int32_t zp;
    void *qdata;     /* IR_T_CONST of another dtype: shape-count elements */
    int producer;    /* node index, -1 for input and const */
    int n_consumers; /* computed by ir_link */
    /* planning (pass_plan) */
    int alias_of;    /* tensor whose storage this one shares (reshape), -1 */
    ir_storage storage;
    int64_t offset;  /* in elements, within its storage */
    int out_index;   /* IR_ST_OUTPUT: which graph output's caller array (pass_plan) */
    int first_use;   /* node index that produces it (or 0 for input) */
    int last_use;    /* last node index that reads it */
    /* quantization error bound (pass_quantize, README "Quantization error
     * bound"): for every input inside the declared input domain the float
     * model's values of this tensor lie in [r_lo, r_hi] (r_ok), and the
     * real value of the integer code's tensor differs from the float
     * model's by at most eb (eb_ok); by at most eb_ns when, in addition,
     * no integer tensor's float value leaves its grid (no saturation) */
    int r_ok, eb_ok;
    double r_lo, r_hi, eb, eb_ns;
} ir_tensor;

/* ORDER OP: keep ir_op_name() in ir.c in the same order. */
typedef enum {
    IR_OP_DENSE = 0,
    IR_OP_CONV2D,
    IR_OP_CONV1D,
    IR_OP_MAXPOOL2D,
    IR_OP_AVGPOOL2D,
    IR_OP_GAVGPOOL,
    IR_OP_ACTIVATION, /* relu, relu6, leaky_relu, clip, sigmoid, tanh */
    IR_OP_SOFTMAX,
    IR_OP_ADD,
    IR_OP_MUL,
    IR_OP_CONCAT,
    IR_OP_RESHAPE,    /* reshape and flatten */
    IR_OP_PAD,
    IR_OP_BATCHNORM,  /* before pass_fold */
    IR_OP_AFFINE,     /* per-channel scale and shift (an unfolded batch_norm) */
    IR_OP_TRANSPOSE,
    IR_OP_CONVERT,    /* dtype or scale change (pass_quantize, mixed precision) */
    IR_OP_CONVT2D,    /* conv_transpose2d: until pass_convt (zero insertion + conv2d) */
    IR_OP_CONVT1D,    /* conv_transpose1d: until pass_convt (zero insertion + conv1d) */
    IR_OP_RESIZE,     /* nearest / linear / cubic resize of the spatial axes */
    IR_OP_LSTM,       /* recurrent: [T (B) I] -> [T (B) H], state kept (README "Recurrent layers") */
    IR_OP_GRU,
    IR_OP_COUNT
} ir_op;

typedef enum { IR_PAD_VALID = 0, IR_PAD_SAME, IR_PAD_EXPLICIT } ir_padmode;

typedef struct {
    ir_op op;
    char *name;
    char *xml_op;        /* element name in the model description */
    long line;
    int *inputs;         /* tensor indices */
    int n_inputs;
    int output;          /* tensor index */
    /* const tensors by role: dense/conv: weight, bias; batch_norm: scale,
     * bias, mean, var; affine: scale, shift. -1 when absent. */
    int params[IR_MAX_PARAMS];
    /* attributes (those of its op) */
    int32_t units;       /* dense */
    int32_t filters;     /* conv */
    int32_t kernel[2];   /* conv, pool: kh, kw (conv1d: 1, k) */
    int32_t strides[2];
    int32_t dilations[2];
    ir_padmode padding;
    int32_t pads[4];     /* conv, pool: top, left, bottom, right (resolved by pass_shape) */
    int32_t groups;
    int count_include_pad;
    int axis;            /* softmax, concat: normalised to >= 0 by pass_shape */
    int32_t new_shape[IR_MAX_RANK]; /* reshape: as written (-1 allowed) */
    int new_rank;
    int32_t padn[2 * IR_MAX_RANK];  /* pad: begins then ends, as written */
    int n_padn;
    /* slice (a pad node with negative pads, a crop): the kept range
     * [slice_lo, slice_hi) of each axis as written; pass_shape sets padn */
    int is_slice;
    int32_t slice_lo[IR_MAX_RANK];
    int32_t slice_hi[IR_MAX_RANK];
    int32_t slice_step[IR_MAX_RANK]; /* 1 unless written; negative: the range is
                                      * read from its end (hi - 1) down */
    int n_slice;
    int perm[IR_MAX_RANK]; /* transpose: output axis k is input axis perm[k] */
    int n_perm;
    float value;         /* pad value */
    float epsilon;       /* batch_norm */
    stoic_act_f32 act;   /* fused or stand-alone activation */
    char *act_name;      /* "relu", ... or NULL for none */
    char *fused;         /* names of layers folded or fused into this one, or NULL */
    /* quantization (pass_quantize): the precision the node computes in
     * (IR_DT_F32, IR_DT_S8 or IR_DT_S16). Integer nodes hold their integer
     * constants in params: 0 weights (int8), 1 bias (int32/int64),
     * 2 multipliers (qmul), 3 table (lut, softmax). A dense layer emitted
     * sparse (pass_sparse) holds its kept weights in 0 and their layout in
     * 4 (row_start, int32) and 5 (column deltas, uint8). */
    ir_dtype prec;
    ir_dtype target;     /* the precision asked for (policy), before pass_quantize */
    int wbits;           /* dense/conv int8 layers: 4 for int4 weights (policy
                          * precision="int4": values in [-7, 7]), 0 otherwise */
    int wscale_tensor;   /* dense/conv integer weights: one scale for the layer (policy
                          * scales="tensor"), not one per output channel */
    int bias16;          /* dense/conv int8: folded biases as int16 times 2^bias_shift
                          * (policy bias="int16"; pass_quantize rounds them so) */
    int32_t bias_shift;  /* pass_quantize: that shift (0..14), -1 when they do not fit */
    int64_t acc_bound;   /* largest |accumulator| any input can give (integer) */
    int64_t acc_limit;   /* what the accumulator holds: 2^31 - 1 or 2^47 */
    /* compression (pass_lowrank, pass_prune, pass_sparse): what was done */
    int sparse;          /* emitted in the sparse form (params 4, 5) */
    double sparsity;     /* fraction of zero weights after pruning */
    int32_t rank;        /* low-rank factor: its rank (0: not a factor) */
    int32_t pruned_channels; /* output channels removed by structured pruning */
    int32_t *kept;       /* after channel pruning: the original index of each
                          * remaining output channel (units / filters of them);
                          * NULL when none was removed */
    /* resize: the spatial axes ([H W C]: 2, [L C]: 1), each axis' output
     * size, its scale as written (0: none, out / in is used), the
     * coordinate transformation and rounding (IR_RS_*), cubic_coeff_a,
     * exclude_outside; rs_q: the integer weights' fraction bits
     * (pass_quantize) */
    int rs_mode;
    int rs_n;
    int32_t rs_size[2];
    double rs_scale[2];
    int rs_ctm;
    int rs_nearest;
    double rs_cubic_a;
    int rs_exclude;
    int rs_q;
    /* conv2d, int8 (pass_poolfuse): the 2x2 max pool of stride 2 that
     * read its output is computed with it; the output tensor is the
     * pool's (half the height and width of the convolution's own) */
    int pool_max;
    int dead;
    /* conv_transpose (until pass_convt): output_padding, h then w
     * (1-D: 0, op); pads, strides, dilations, kernel as for a conv */
    int32_t out_pad[2];
    /* lstm, gru: units = hidden size; params 0 weight [G*H I], 1
     * recurrence [G*H H], 2 bias [2*G*H] (input then recurrent biases),
     * 3 initial state [S*B*H] (h0, then c0 for the LSTM); rnn_reverse:
     * the steps run from the last to the first; rnn_lbr: GRU
     * linear_before_reset; state_off (pass_plan): where its recurrent
     * state starts in the model's state array of its precision
     * (float32, or int16 for an integer layer).
     * Integer lstm/gru (pass_quantize): params 0 weight [G*H I] and 1
     * recurrence [G*H H] (int8 or int16 by prec), 2 bias int64 [2*G*H]
     * (bx then bh, README "Recurrent layers"), 3 initial state int16,
     * 4 multipliers [2*G*H] (qx then qh), 5 tables int16 [2*513]
     * (sigmoid then tanh); activations int16 whatever prec; rnn_cell_max:
     * the largest |c| of the LSTM's cell state on the calibration data
     * (compress.c), rnn_cell_shift: the cell state's scale 2^-shift */
    int rnn_reverse;
    int rnn_lbr;
    /* lstm, gru, low rank (compress.c): rnn_rank > 0 when the recurrence
     * is the product of params 1 [G*H rnn_rank] and params 6 [rnn_rank H]
     * (the projection; integer: int8/int16 per row, its multipliers after
     * qx and qh in params 4); 0: params 1 is [G*H H], params 6 absent */
    int32_t rnn_rank;
    int64_t state_off;
    double rnn_cell_max;
    int32_t rnn_cell_shift;
} ir_node;

/* resize modes, coordinate transformations and nearest roundings, in the
 * order of their names in the model description (xml_load.c, resize.c) */
enum { IR_RS_NEAREST = 0, IR_RS_LINEAR, IR_RS_CUBIC };
enum {
    IR_RS_HALF_PIXEL = 0,
    IR_RS_PYTORCH_HALF_PIXEL,
    IR_RS_ALIGN_CORNERS,
    IR_RS_ASYMMETRIC,
    IR_RS_TF_HALF_PIXEL_FOR_NN
};
enum { IR_RS_ROUND_PREFER_FLOOR = 0, IR_RS_ROUND_PREFER_CEIL, IR_RS_FLOOR, IR_RS_CEIL };

typedef struct {
    char *path;
    char sha256[65];
} ir_file;

typedef struct {
    char *name;          /* model name (C identifier) */
    char *file;          /* model description path as given */
    char sha256[65];     /* of the model description file */
    ir_tensor *t;
    int nt, cap_t;
    ir_node *n;
    int nn, cap_n;
    int input;           /* tensor index */
    int output;          /* tensor index of output 0 (== outputs[0]) */
    long output_line;
    int outputs[IR_MAX_OUTPUTS]; /* the graph outputs, in graph order (tensor indices) */
    long output_lines[IR_MAX_OUTPUTS];
    int n_outputs;
    ir_file *files;      /* external weight files */
    int n_files;
    int64_t arena_elems; /* pass_plan: float arena, elements */
    int64_t arena_n[IR_DT_COUNT]; /* pass_plan: elements of each arena (F32, S8, S16) */
    int64_t arena_lb[IR_DT_COUNT]; /* pass_plan: each arena's lower bound for the schedule
                                    * (elements: the most live at one node, rounded) */
    int planned;
    /* pass_plan: elements of the static recurrent state (kept between
     * calls: NAME_state_*), per dtype */
    int64_t state_n[IR_DT_COUNT];
    /* the graph of NAME_step (pass_step.c): its recurrent layers continue
     * from the kept state (lower.c: init = 0) */
    int step;
    int borrowed;        /* data and qdata belong to another graph (ir_clone) */
    /* calibration (compress.c): the input tensor's smallest and largest
     * value on the calibration data, and the range chosen for it (the
     * declared input domain of the report) */
    int input_calibrated;
    double input_min, input_max, input_lo, input_hi;
    int input_declared;  /* input_lo, input_hi are the --input-range given */
} ir_graph;

ir_graph *ir_new(void);
void ir_free(ir_graph *g);
/* A copy of g for a graph derived from it (the streaming step,
 * pass_step.c): its own tensors, nodes and names; the constants' values
 * (data, qdata) are g's, borrowed (g must outlive the copy, which must not
 * change them); no external files; no `kept` lists. NULL when out of
 * memory. */
ir_graph *ir_clone(const ir_graph *g);
char *ir_strdup(const char *s);

/* Adds a tensor / node; returns its index, or -1 when out of memory. */
int ir_add_tensor(ir_graph *g, const char *name, ir_tkind kind, long line);
int ir_add_node(ir_graph *g, ir_op op, const char *name, const char *xml_op, long line);
int ir_find_tensor(const ir_graph *g, const char *name);
/* The index of the node named name, or -1. */
int ir_find_node(const ir_graph *g, const char *name);
/* Adds a constant tensor holding a copy of n values (takes a copy). */
int ir_add_const(ir_graph *g, const char *name, const ir_shape *s, const float *v, long line);
/* Adds a constant of another dtype (a copy of shape-count elements). */
int ir_add_qconst(ir_graph *g, const char *name, const ir_shape *s, ir_dtype dt, const void *v,
                  long line);
/* Total bytes of the arenas (pass_plan). */
int64_t ir_arena_bytes(const ir_graph *g);
/* Total of the arenas' lower bounds, bytes (pass_plan). */
int64_t ir_arena_bound_bytes(const ir_graph *g);

/* The element count of s (1 for rank 0), or IR_COUNT_TOO_LARGE when a
 * dimension is negative or the count exceeds IR_MAX_ELEMS (checked, never
 * wraps). */
int64_t ir_shape_count(const ir_shape *s);
int ir_shape_eq(const ir_shape *a, const ir_shape *b);
/* "8x8x1" into buf */
void ir_shape_str(const ir_shape *s, char *buf, size_t n);
const char *ir_op_name(ir_op op);
/* Why s cannot name a model in generated C (its files NAME.h, NAME.c, ...,
 * its symbols NAME_run, ... and macros NAME_INPUT_SIZE, ...), or NULL when
 * it can: a C identifier of 1..48 characters, not reserved to the C
 * implementation, not a C keyword or standard header name or "main", and
 * not starting with "stoic" in any case (the runtime's files stoic_*.c,
 * guards STOIC_*_H and symbols stoic_*). */
const char *ir_c_name_problem(const char *s);

/* Makes tensor t the model's only output (output 0). */
void ir_set_output(ir_graph *g, int t);
/* Which graph output tensor t is (0 .. n_outputs - 1), or -1. */
int ir_output_index(const ir_graph *g, int t);
/* Element count of all graph outputs together, and where output k starts
 * in that concatenation (graph order): the layout of the float output of
 * eval_run. */
int64_t ir_outputs_count(const ir_graph *g);
int64_t ir_output_start(const ir_graph *g, int k);

/* The element type of a recurrent layer's state (lstm, gru): float32, or
 * int16 for an integer layer (int8 weights too). */
ir_dtype ir_rnn_state_dtype(const ir_node *n);
/* The elements of a recurrent layer's state (pass_plan): [h][c] or
 * [h][work], B * H each, and B * rank per projection of a low-rank
 * recurrence (h's; the GRU's work row's too without linear_before_reset) */
int64_t ir_rnn_state_count(const ir_graph *g, const ir_node *n);

/* The tensor whose storage t shares (follows alias_of); t itself if none. */
int ir_root(const ir_graph *g, int t);

/* Appends a layer name to n->fused (traceability of folding and fusing). */
/* a slice with a step other than 1 on some axis: a strided gather (the
 * transpose kernel with an offset), not a crop */
int ir_slice_strided(const ir_node *n);
int ir_node_append_fused(ir_node *n, const char *name);

/* Recomputes producer and n_consumers of every tensor from the nodes. */
void ir_link(ir_graph *g);
/* Drops dead nodes and unreferenced constant/activation tensors,
 * renumbering everything; keeps order. Returns 0 or -1 (out of memory). */
int ir_compact(ir_graph *g);

/* IR invariants, checked after every pass. Returns 0, or -1 and prints
 * an internal error naming the pass and the broken invariant. */
int ir_verify(const ir_graph *g, const char *after_pass);

/* Deterministic text dump (--dump-ir). */
void ir_dump(const ir_graph *g, void *file /* FILE* */);

/* Multiply-accumulate count and parameter count of a node (for reports). */
int64_t ir_node_macs(const ir_graph *g, int node);
int64_t ir_node_params(const ir_graph *g, int node);

/* The precision a layer computes in, as the CLI and the policy name it:
 * "int4" for int4 weights with int8 activations, else its dtype's name
 * (a conversion: the dtype it converts to). */
const char *ir_node_prec_name(const ir_graph *g, const ir_node *n);

#endif

/*
 * stoic runtime: the float kernels and the float boundary of integer
 * models (quantize, dequantize), and the float helpers they share.
 *
 * Kept apart from stoic_rt.h so that an integer model's run path includes
 * no floating point at all: its generated NAME.c includes this header only
 * when it has float32 layers or compiles the float wrapper (NAME_run_float,
 * absent when NAME_NO_FLOAT is defined); the integer kernels include only
 * stoic_rt.h. Conventions and the ABI version are those of stoic_rt.h.
 */
#ifndef STOIC_RT_F32_H
#define STOIC_RT_F32_H

#include "stoic_rt.h"

/* Fused activation kinds (stoic_act_f32.kind). */
#define STOIC_ACT_NONE    0 /* y = x                                   */
#define STOIC_ACT_CLAMP   1 /* y = min(max(x, lo), hi): relu, relu6, clip */
#define STOIC_ACT_LEAKY   2 /* y = max(x, 0) + alpha * min(x, 0)       */
#define STOIC_ACT_SIGMOID 3 /* y = 1 / (1 + exp(-x))                   */
#define STOIC_ACT_TANH    4 /* y = tanh(x)                             */
#define STOIC_ACT_HARD_SIGMOID 5 /* y = min(max(alpha * x + beta, 0), 1) */
#define STOIC_ACT_HARD_SWISH   6 /* y = x * min(max(alpha * x + beta, 0), 1) */

/* Largest finite float, used as the open end of a clamp (relu: hi = this). */
#define STOIC_FLT_MAX 3.402823466e+38F

/* Activation applied to every output element of a kernel. */
typedef struct {
    int32_t kind;  /* STOIC_ACT_* */
    float lo;      /* CLAMP: lower bound (-STOIC_FLT_MAX for none) */
    float hi;      /* CLAMP: upper bound (STOIC_FLT_MAX for none)  */
    float alpha;   /* LEAKY: slope for negative inputs; HARD_*: slope */
    float beta;    /* HARD_*: offset                               */
} stoic_act_f32;

/* ---- element-wise float math (stoic_math_f32.c) ------------------------ */
/* Self-contained, no libm: same bits on every target with IEEE-754 float. */
float stoic_expf(float x);     /* |rel err| <= 4 ulp for x in [-87, 88]; saturates outside */
float stoic_sigmoidf(float x); /* abs err <= 1e-7 */
float stoic_tanhf(float x);    /* rel err <= 1e-6 for |x| >= 1e-3; abs err <= 1e-7 everywhere */
float stoic_hard_act_f32(const stoic_act_f32 *act, float x); /* HARD_SIGMOID, HARD_SWISH */
float stoic_act_apply_f32(const stoic_act_f32 *act, float x);

/* Helpers the kernels share (stoic_math_f32.c, copied with every model). */
/* An unsigned key whose order is the order of the floats, NaN highest;
 * max on keys needs no comparison of floats, so no branch on data. */
uint32_t stoic_f32_order_key(float x);
float stoic_f32_from_order_key(uint32_t k);
uint32_t stoic_order_key_max(uint32_t ka, uint32_t kb);

/* Bias: dense and conv accept bias == NULL (no bias); the generator always
 * passes an array. Pooling: a window entirely in padding gives 0 (the
 * generator rejects pads that could make one). Kernels never write their
 * output while reading an overlapping input: the planner gives them
 * disjoint buffers, except in place: the element-wise kernels
 * (stoic_activation_f32, stoic_add_f32, stoic_mul_f32, stoic_affine_f32;
 * the integer stoic_lut_*, stoic_add_*, stoic_mul_*, stoic_copy_*) may get
 * an output that is the very array of an input of the same element count.
 * Each computes output element i from input elements i only and reads them
 * before it writes it; they must stay so (pass_plan relies on it). */

/* ---- dense (fully connected), along the last axis ---------------------- */
/* out[r][o] = act(bias[o] + sum_i in[r][i] * w[o][i]),
 * r < rows, o < out_n, i < in_n. w is [out_n][in_n] row-major. */
typedef struct {
    int32_t rows;   /* product of all input dims but the last */
    int32_t in_n;
    int32_t out_n;
    stoic_act_f32 act;
} stoic_dense_f32_params;
void stoic_dense_f32(const stoic_dense_f32_params *p, const float *in,
                     const float *w, const float *bias, float *out);

/* ---- sparse dense (unstructured pruning), float ------------------------ */
/* Storage of the kept weights as stoic_dense_sparse_q_params (row_start,
 * delta, values); out[r][o] = act(bias[o] + sum_k in[r][c_k] * values[k]),
 * summed from the bias in the order of k (increasing column, as the dense
 * kernel sums): bit for bit stoic_dense_f32 on the same weights with zeros
 * elsewhere for finite inputs (adding a zero product leaves a sum unchanged;
 * only 0 * inf, which the dense kernel would turn into NaN, differs). */
typedef struct {
    int32_t rows;
    int32_t in_n;
    int32_t out_n;
    stoic_act_f32 act;
    const int32_t *row_start;   /* [out_n + 1] */
    const uint8_t *delta;       /* [row_start[out_n]] */
} stoic_dense_f32_sparse_params;
void stoic_dense_f32_sparse(const stoic_dense_f32_sparse_params *p, const float *in,
                            const float *values, const float *bias, float *out);

/* ---- sparse conv2d (unstructured pruning), groups 1, float ---------------- */
/* Storage as stoic_conv2d_sparse_q_params; out = act(bias[o] + sum over
 * kept in-bounds taps in * values[k]), summed from the bias in increasing
 * tap index (the dense kernel's order): bit for bit stoic_conv2d_f32 on the
 * same weights with zeros elsewhere, for finite inputs and a bias that is
 * not -0 (the generator writes +0). */
typedef struct {
    int32_t in_h;
    int32_t in_w;
    int32_t in_c;
    int32_t out_h;
    int32_t out_w;
    int32_t out_c;
    int32_t k_h;
    int32_t k_w;
    int32_t stride_h;
    int32_t stride_w;
    int32_t dil_h;
    int32_t dil_w;
    int32_t pad_top;
    int32_t pad_left;
    stoic_act_f32 act;
    const int32_t *row_start;   /* [out_c + 1] */
    const uint8_t *delta;       /* [row_start[out_c]] */
    int32_t ci_steps;           /* the most ci carries one entry needs */
    int32_t kw_steps;           /* the most kw carries one entry needs */
} stoic_conv2d_f32_sparse_params;
void stoic_conv2d_f32_sparse(const stoic_conv2d_f32_sparse_params *p, const float *in,
                             const float *values, const float *bias, float *out);

/* ---- conv2d, NHWC input, OHWI weights, groups ------------------------- */
/* in [in_h][in_w][in_c], w [out_c][k_h][k_w][in_c / groups],
 * bias [out_c], out [out_h][out_w][out_c].
 * Output channel oc belongs to group g = oc / (out_c / groups) and reads
 * input channels g * (in_c / groups) ... + in_c / groups - 1.
 * Input position: ih = oh * stride_h - pad_top + kh * dil_h (likewise w);
 * positions outside the input contribute nothing (zero padding).
 * conv1d is this kernel with in_h = out_h = k_h = 1. */
typedef struct {
    int32_t in_h;
    int32_t in_w;
    int32_t in_c;
    int32_t out_h;
    int32_t out_w;
    int32_t out_c;
    int32_t k_h;
    int32_t k_w;
    int32_t stride_h;
    int32_t stride_w;
    int32_t dil_h;
    int32_t dil_w;
    int32_t pad_top;
    int32_t pad_left;
    int32_t groups;
    stoic_act_f32 act;
} stoic_conv2d_f32_params;
void stoic_conv2d_f32(const stoic_conv2d_f32_params *p, const float *in,
                      const float *w, const float *bias, float *out);

/* ---- 2-D pooling, NHWC ---------------------------------------------- */
/* Window of output (oh, ow): ih = oh * stride_h - pad_top + kh * dil_h, kh < k_h.
 * max: maximum over in-bounds positions (padding is ignored).
 * avg: sum over in-bounds positions divided by
 *      k_h * k_w                 when count_include_pad != 0,
 *      number of in-bounds cells otherwise. */
typedef struct {
    int32_t in_h;
    int32_t in_w;
    int32_t c;
    int32_t out_h;
    int32_t out_w;
    int32_t k_h;
    int32_t k_w;
    int32_t stride_h;
    int32_t stride_w;
    int32_t pad_top;
    int32_t pad_left;
    int32_t count_include_pad; /* avg only: 0 or 1 */
    int32_t dil_h;             /* dilation, >= 1 */
    int32_t dil_w;
} stoic_pool2d_f32_params;
void stoic_maxpool2d_f32(const stoic_pool2d_f32_params *p, const float *in, float *out);
void stoic_avgpool2d_f32(const stoic_pool2d_f32_params *p, const float *in, float *out);
/* The variants for k_h = k_w = 2, stride 2, dilation 1, pads 0 or 1 (same
 * parameters and results bit for bit; see stoic_rt.h). */
void stoic_maxpool2d_f32_2x2(const stoic_pool2d_f32_params *p, const float *in, float *out);
void stoic_avgpool2d_f32_2x2(const stoic_pool2d_f32_params *p, const float *in, float *out);

/* ---- global average pool: [hw][c] -> [c] ------------------------------ */
typedef struct {
    int32_t hw;
    int32_t c;
} stoic_gavgpool_f32_params;
void stoic_gavgpool_f32(const stoic_gavgpool_f32_params *p, const float *in, float *out);

/* ---- standalone activation over n elements ---------------------------- */
typedef struct {
    int32_t n;
    stoic_act_f32 act;
} stoic_activation_f32_params;
void stoic_activation_f32(const stoic_activation_f32_params *p, const float *in, float *out);

/* ---- softmax over one axis: view as [outer][axis_n][inner] ------------- */
typedef struct {
    int32_t outer;
    int32_t axis_n;
    int32_t inner;
} stoic_softmax_f32_params;
void stoic_softmax_f32(const stoic_softmax_f32_params *p, const float *in, float *out);

/* ---- add / mul with optional broadcast of b ------------------------- */
/* out[o][i] = act(a[o][i] OP b[o * b_outer_stride + i]),
 * o < outer, i < inner. Same shapes: outer = 1, inner = n, b_outer_stride = n
 * (any value; o is 0). Per-channel b of [c]: outer = n / c, inner = c,
 * b_outer_stride = 0. */
typedef struct {
    int32_t outer;
    int32_t inner;
    int32_t b_outer_stride;
    stoic_act_f32 act;
} stoic_binary_f32_params;
void stoic_add_f32(const stoic_binary_f32_params *p, const float *a, const float *b, float *out);
void stoic_mul_f32(const stoic_binary_f32_params *p, const float *a, const float *b, float *out);

/* ---- per-channel affine (stand-alone batch norm): [outer][c] ---------- */
/* out[o][k] = act(in[o][k] * scale[k] + shift[k]) */
typedef struct {
    int32_t outer;
    int32_t c;
    stoic_act_f32 act;
} stoic_affine_f32_params;
void stoic_affine_f32(const stoic_affine_f32_params *p, const float *in,
                      const float *scale, const float *shift, float *out);

/* ---- strided copy: one input of a concat, or a reshape copy ----------- */
/* out[o * out_inner + out_offset + i] = in[o * in_inner + i],
 * o < outer, i < in_inner; out_offset + in_inner <= out_inner. */
typedef struct {
    int32_t outer;
    int32_t in_inner;
    int32_t out_inner;
    int32_t out_offset;
} stoic_copy_f32_params;
void stoic_copy_f32(const stoic_copy_f32_params *p, const float *in, float *out);

/* ---- constant pad, rank normalised to 4 -------------------------------- */
/* Dims are right-aligned into 4 (leading dims of size 1 with zero pads).
 * out[d0][d1][d2][d3] = in[d0 - before[0]]...[d3 - before[3]] where inside,
 * value elsewhere. out_dim[k] = in_dim[k] + before[k] + after[k]. */
typedef struct {
    int32_t in_dim[4];
    int32_t out_dim[4];
    int32_t before[4];
    float value;
} stoic_pad_f32_params;
void stoic_pad_f32(const stoic_pad_f32_params *p, const float *in, float *out);

/* ---- transpose (axis permutation), rank normalised to 4 ----------------- */
/* out[o0][o1][o2][o3] = in[in_offset + o0 * in_stride[0] + o1 * in_stride[1]
 *                          + o2 * in_stride[2] + o3 * in_stride[3]],
 * ok < out_dim[k]. in_stride[k] is the input stride (in elements) of the
 * input axis that becomes output axis k; the generator computes it from
 * the permutation (in_offset 0). A slice with steps is the same gather:
 * in_offset its first element, in_stride[k] the axis's stride times its
 * step (negative for a reversed axis). */
typedef struct {
    int32_t out_dim[4];
    int32_t in_stride[4];
    int32_t in_offset;
} stoic_transpose_f32_params;
void stoic_transpose_f32(const stoic_transpose_f32_params *p, const float *in, float *out);


/* ---- float boundary: the float wrapper and float layers of a mixed model */
/* quantize: t = in[i] * inv_scale (float), rounded to the nearest integer
 * (ties away from zero), plus zero_point, saturated to [q_min, q_max];
 * NaN gives zero_point. Branch-free. */
typedef struct {
    int32_t n;
    float inv_scale;  /* 1 / scale */
    int32_t zero_point;
    int32_t q_min;    /* -128 / -32768 */
    int32_t q_max;    /* 127 / 32767 */
} stoic_quantize_params;
void stoic_quantize_s8(const stoic_quantize_params *p, const float *in, int8_t *out);
void stoic_quantize_s16(const stoic_quantize_params *p, const float *in, int16_t *out);

/* dequantize: out[i] = scale * (float)(in[i] - zero_point). */
typedef struct {
    int32_t n;
    float scale;
    int32_t zero_point;
} stoic_dequantize_params;
void stoic_dequantize_s8(const stoic_dequantize_params *p, const int8_t *in, float *out);
void stoic_dequantize_s16(const stoic_dequantize_params *p, const int16_t *in, float *out);

/* ---- recurrent layers: LSTM and GRU (ONNX semantics, default activations) */
/* One call runs `steps` time steps of `batch` independent sequences:
 * x [steps][batch][in_n] -> y [steps][batch][hidden] (the hidden state after
 * each step; reverse = 1 walks the steps from the last to the first, as the
 * reverse direction of ONNX does). The recurrent state lives in `state`,
 * static memory the caller keeps between calls, batch * hidden floats each:
 *   LSTM: [h][c] (hidden state, cell state);
 *   GRU:  [h][u] (hidden state, then a work area of the step).
 * With init = 1 the call first sets h (and c) from `init` ([h0][c0] for the
 * LSTM, [h0] for the GRU), or to zero when init is NULL; with init = 0 it
 * continues from the state as it is (streaming: one step per call). A call
 * with steps = 0 and init = 1 only resets the state.
 * Weights: w [G * hidden][in_n], r [G * hidden][hidden], rows gate by gate
 * in ONNX order (LSTM: i, o, f, c with G = 4; GRU: z, r, h with G = 3);
 * b [2 * G * hidden]: the input biases (Wb) then the recurrent biases (Rb),
 * or NULL for none. Gate pre-activation of unit j: Wb[j] + Rb[j] first, then
 * the input terms, then the recurrent terms, each product rounded to float
 * before it is added (no fused multiply-add), as stoic_dense_f32 does.
 *   LSTM: i, f, o = sigmoid(.), g = tanh(.); c = f * c + i * g;
 *         h = o * tanh(c).
 *   GRU:  z, r = sigmoid(.); linear_before_reset = 0:
 *         n = tanh(Wb_h + Rb_h + W_h x + R_h (r * h));
 *         linear_before_reset = 1:
 *         n = tanh(Wb_h + W_h x + r * (Rb_h + R_h h));
 *         h = (1 - z) * n + z * h.
 * Low rank (rank > 0): the recurrence is the product of r [G * hidden]
 * [rank] and rb [rank][hidden]; each step first forms z = rb . h (rank
 * values, each product rounded before it is added) and the gate rows read
 * z through r as they would read h; a GRU with linear_before_reset = 0
 * forms z2 = rb . (r * h) for its candidate too. z (and z2) live in the
 * state after h and c (LSTM) or h and the work row (GRU), batch * rank
 * values each.
 * The instruction path depends on the parameters only. */
typedef struct {
    int32_t steps;
    int32_t batch;
    int32_t in_n;
    int32_t hidden;
    int32_t reverse;             /* 1: x and y are walked from the last step */
    int32_t init;                /* 1: set the state from init (or zero) first; 0 or 1 */
    int32_t linear_before_reset; /* GRU only */
    int32_t rank;                /* 0: r is [G * hidden][hidden]; else see above */
    const float *rb;             /* [rank][hidden] when rank > 0, else NULL */
} stoic_rnn_f32_params;
/* z[k] = rb[k] . v for k < rank (products rounded, summed in order);
 * returns z (stoic_rnn_f32.c) */
const float *stoic_rnn_f32_project(const stoic_rnn_f32_params *p, const float *v, float *z);
void stoic_lstm_f32(const stoic_rnn_f32_params *p, const float *x, const float *w,
                    const float *r, const float *b, const float *init, float *state,
                    float *y);
void stoic_gru_f32(const stoic_rnn_f32_params *p, const float *x, const float *w,
                   const float *r, const float *b, const float *init, float *state,
                   float *y);

/* ---- resize (nearest, linear, cubic): one fixed linear map per axis ------ */
/* [in_h][in_w][c] -> [out_h][out_w][c] (1-D [L][c]: in_h = out_h = 1, t_h = 1,
 * row[0] = 0, wr[0] = 1). Output row oh reads t_h input rows, at the element
 * offsets row[oh * t_h + i] (input row index * in_w * c), with the weights
 * wr[oh * t_h + i]; output column ow reads t_w input columns at the offsets
 * col[ow * t_w + j] (input column index * c) with the weights wc[ow * t_w + j]:
 *   out[oh][ow][k] = sum_i wr[oh t_h + i] (sum_j wc[ow t_w + j]
 *                        in[row[oh t_h + i] + col[ow t_w + j] + k])
 * The generator computes the tables once (coordinate transformation, nearest
 * rounding, interpolation weights, clamping to the edge, exclude_outside); the
 * kernel's instruction path depends on the parameters only. */
typedef struct {
    int32_t out_h;
    int32_t out_w;
    int32_t c;
    int32_t t_h;  /* taps per output row: 1 (nearest, or an axis kept), 2 (linear), 4 (cubic) */
    int32_t t_w;  /* taps per output column */
} stoic_resize_f32_params;
void stoic_resize_f32(const stoic_resize_f32_params *p, const float *in, const int32_t *row,
                      const int32_t *col, const float *wr, const float *wc, float *out);

#endif /* STOIC_RT_F32_H */

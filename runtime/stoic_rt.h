/*
 * stoic runtime: kernel interface.
 *
 * This header is the contract between the generator (host evaluator and
 * emitter) and the kernels that ship on the ECU. The generator fills these
 * parameter structs once, at build time; the generated code holds them as
 * `static const` objects and passes them to the kernels; the host evaluator
 * passes the very same structs to the very same kernels.
 *
 * Conventions (all kernels):
 *  - Tensors are NHWC without the batch dimension, flattened row-major.
 *  - Every loop bound is a field of a const parameter struct, fixed at
 *    generation time; no bound and no branch depends on tensor values.
 *  - No dynamic memory, no recursion, no library calls, one exit.
 *  - Dimensions are int32_t in [1, 16777216] unless stated otherwise; the
 *    generator guarantees every product of dimensions used as an index is
 *    below 2^31.
 *
 * Change STOIC_RT_ABI whenever a struct or a prototype changes: generated
 * files check it and refuse to compile against another runtime.
 */
#ifndef STOIC_RT_H
#define STOIC_RT_H

#include <stdint.h>

#define STOIC_RT_ABI 6

/* The taps of a window that fall inside the input (index arithmetic;
 * stoic_common.c, copied with every model). */
void stoic_tap_range(int32_t base, int32_t dil, int32_t k_n, int32_t in_n, int32_t *first,
                     int32_t *end);

/* Float kernels and helpers. An integer model's run path needs none of
 * them: the generated code defines STOIC_NO_FLOAT when NAME_NO_FLOAT is
 * defined, and then this header declares no float at all. */
#ifndef STOIC_NO_FLOAT

/* Fused activation kinds (stoic_act_f32.kind). */
#define STOIC_ACT_NONE    0 /* y = x                                   */
#define STOIC_ACT_CLAMP   1 /* y = min(max(x, lo), hi): relu, relu6, clip */
#define STOIC_ACT_LEAKY   2 /* y = max(x, 0) + alpha * min(x, 0)       */
#define STOIC_ACT_SIGMOID 3 /* y = 1 / (1 + exp(-x))                   */
#define STOIC_ACT_TANH    4 /* y = tanh(x)                             */

/* Largest finite float, used as the open end of a clamp (relu: hi = this). */
#define STOIC_FLT_MAX 3.402823466e+38F

/* Activation applied to every output element of a kernel. */
typedef struct {
    int32_t kind;  /* STOIC_ACT_* */
    float lo;      /* CLAMP: lower bound (-STOIC_FLT_MAX for none) */
    float hi;      /* CLAMP: upper bound (STOIC_FLT_MAX for none)  */
    float alpha;   /* LEAKY: slope for negative inputs            */
} stoic_act_f32;

/* ---- element-wise float math (stoic_math_f32.c) ------------------------ */
/* Self-contained, no libm: same bits on every target with IEEE-754 float. */
float stoic_expf(float x);     /* |rel err| <= 4 ulp for x in [-87, 88]; saturates outside */
float stoic_sigmoidf(float x); /* abs err <= 1e-7 */
float stoic_tanhf(float x);    /* rel err <= 1e-6 for |x| >= 1e-3; abs err <= 1e-7 everywhere */
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
 * disjoint buffers. */

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
/* out[o0][o1][o2][o3] = in[o0 * in_stride[0] + o1 * in_stride[1]
 *                          + o2 * in_stride[2] + o3 * in_stride[3]],
 * ok < out_dim[k]. in_stride[k] is the input stride (in elements) of the
 * input axis that becomes output axis k; the generator computes it from
 * the permutation. */
typedef struct {
    int32_t out_dim[4];
    int32_t in_stride[4];
} stoic_transpose_f32_params;
void stoic_transpose_f32(const stoic_transpose_f32_params *p, const float *in, float *out);

#endif /* !STOIC_NO_FLOAT */

/* ======================================================================
 * integer arithmetic (int8 fixed point; /work/shared/arithmetic.md)
 * ====================================================================== */
/* The integer contract of TensorFlow Lite's reference kernels, bit for bit.
 * Quantized value q stands for scale * (q - zero_point). No floating point.
 * Every primitive is a pure function of its arguments, computed with the
 * same instructions for every value (selects are arithmetic, not branches),
 * and relies on no implementation-defined behaviour: no right shift of a
 * negative value, no conversion of an out-of-range value to a signed type. */

/* Effective multiplier M = m * 2^(shift - 31) of one output channel:
 * m = round(M0 * 2^31) with M0 in [0.5, 1), so m in [2^30, 2^31 - 1];
 * shift > 0 is a left shift, shift < 0 a right shift. The generator
 * guarantees -31 <= shift <= 31 (the primitives below assume it). */
typedef struct {
    int32_t m;
    int32_t shift;
} stoic_qmul;

/* Saturating rounding doubling high multiply (stoic_requant.c):
 * INT32_MAX when a == b == INT32_MIN; otherwise, with p = a * b exact in
 * 64 bits, (p + (p >= 0 ? 2^30 : 1 - 2^30)) / 2^31 truncated toward zero.
 * (Equivalently floor((p + 2^30) / 2^31): ties go toward +infinity.) */
int32_t stoic_srdhm(int32_t a, int32_t b);

/* Rounding divide by a power of two, 0 <= e <= 31 (precondition):
 * x / 2^e rounded to nearest, ties away from zero (e = 0 gives x). */
int32_t stoic_rdbpot(int32_t x, int32_t e);

/* RDBPOT(SRDHM(sat32(acc * 2^max(shift, 0)), m), max(-shift, 0)), where
 * sat32 saturates the left shift to [INT32_MIN, INT32_MAX];
 * -31 <= shift <= 31 (precondition). */
int32_t stoic_requantize(int32_t acc, int32_t m, int32_t shift);

/* Output stage of the int8 kernels: y = stoic_requantize(acc, q->m,
 * q->shift) + output_offset (exact, no overflow), then clamped to
 * [act_min, act_max]; -128 <= act_min <= act_max <= 127 (precondition). */
int8_t stoic_requant_s8(int32_t acc, const stoic_qmul *q, int32_t output_offset,
                        int32_t act_min, int32_t act_max);

/* int8 kernels: activations int8, asymmetric per tensor; weights int8,
 * symmetric per output channel (zero point 0); bias int32 per output
 * channel (bias == NULL: no bias; the generator always passes an array);
 * qmul per output channel (a per-tensor multiplier is repeated).
 * input_offset = -zp_in (in [-127, 128]), output_offset = zp_out;
 * relu, relu6 and clip are folded into [act_min, act_max].
 * Accumulation is int32: the generator guarantees (its overflow bound)
 * |bias[o]| + sum |(q_x + input_offset) * q_w| <= INT32_MAX for every
 * output, so no partial sum overflows. */

/* ---- dense (fully connected), int8, along the last axis ------------------- */
/* acc = bias[o] + sum_i (in[r][i] + input_offset) * w[o][i];
 * out[r][o] = clamp(requantize(acc, qmul[o]) + output_offset, act_min, act_max).
 * w is [out_n][in_n] row-major. */
typedef struct {
    int32_t rows;          /* product of all input dims but the last */
    int32_t in_n;
    int32_t out_n;
    int32_t input_offset;  /* -zp_in */
    int32_t output_offset; /* zp_out */
    int32_t act_min;
    int32_t act_max;
    const stoic_qmul *qmul; /* [out_n] */
} stoic_dense_s8_params;
void stoic_dense_s8(const stoic_dense_s8_params *p, const int8_t *in, const int8_t *w,
                    const int32_t *bias, int8_t *out);

/* ---- conv2d, int8, NHWC input, OHWI weights, groups ---------------------- */
/* Geometry exactly as stoic_conv2d_f32 (groups, depthwise, stride,
 * dilation, pad_top/pad_left). A tap outside the input acts as the input
 * value zp_in, i.e. (q_x + input_offset) = 0: it contributes nothing.
 * acc = bias[oc] + sum over taps (in + input_offset) * w; the output stage
 * is that of dense. */
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
    int32_t input_offset;  /* -zp_in */
    int32_t output_offset; /* zp_out */
    int32_t act_min;
    int32_t act_max;
    const stoic_qmul *qmul; /* [out_c] */
} stoic_conv2d_s8_params;
void stoic_conv2d_s8(const stoic_conv2d_s8_params *p, const int8_t *in, const int8_t *w,
                     const int32_t *bias, int8_t *out);

/* ---- 64-bit requantization (int16 activations, stoic_requant.c) ------- */
/* sat32(floor((acc * m * 2^shift + 2^30) / 2^31)): acc times the
 * effective multiplier M = m * 2^(shift - 31), rounded to nearest with ties
 * toward +infinity (TensorFlow Lite's 64-bit MultiplyByQuantizedMultiplier
 * of its 16x8 kernels), saturated to [INT32_MIN, INT32_MAX].
 * Preconditions: |acc| <= 2^47, 2^30 <= m <= 2^31 - 1, -31 <= shift <= 31.
 * Exact: no intermediate result is rounded or wraps. */
int32_t stoic_requantize64(int64_t acc, int32_t m, int32_t shift);

/* Output stage of the int16 kernels (zero point 0):
 * clamp(stoic_requantize64(acc, q->m, q->shift), act_min, act_max);
 * -32768 <= act_min <= act_max <= 32767 (precondition). */
int16_t stoic_requant_s16(int64_t acc, const stoic_qmul *q, int32_t act_min, int32_t act_max);

/* ---- constant-time reciprocal (stoic_recip.c) --------------------------- */
/* floor(2^46 / s) for 2^15 <= s <= 2^31 - 1 (precondition), so the result
 * is in [2^15, 2^31]. Computed by a fixed number of shift-and-subtract
 * steps with arithmetic selects: the same instructions for every s (no
 * hardware divide, whose time depends on its operands on Cortex-M). */
uint32_t stoic_recip46(int32_t s);

/* ---- int16 dense and conv2d (16x8) -------------------------------------- */
/* int16 activations, symmetric (zero point 0); int8 weights, symmetric per
 * output channel; int64 bias (bias == NULL: no bias). Accumulation in
 * int64; the generator guarantees |bias[o]| + sum |q_x * q_w| <= 2^47.
 * acc = bias[o] + sum_i in[r][i] * w[o][i];
 * out = stoic_requant_s16(acc, &qmul[o], act_min, act_max). */
typedef struct {
    int32_t rows;
    int32_t in_n;
    int32_t out_n;
    int32_t act_min;
    int32_t act_max;
    const stoic_qmul *qmul; /* [out_n] */
} stoic_dense_s16_params;
void stoic_dense_s16(const stoic_dense_s16_params *p, const int16_t *in, const int8_t *w,
                     const int64_t *bias, int16_t *out);

/* Geometry exactly as stoic_conv2d_f32; a tap outside the input
 * contributes nothing; acc and output stage as dense_s16. */
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
    int32_t act_min;
    int32_t act_max;
    const stoic_qmul *qmul; /* [out_c] */
} stoic_conv2d_s16_params;
void stoic_conv2d_s16(const stoic_conv2d_s16_params *p, const int16_t *in, const int8_t *w,
                      const int64_t *bias, int16_t *out);

/* ---- 2-D pooling, int8 and int16 ---------------------------------------- */
/* Window geometry exactly as stoic_pool2d_f32_params.
 * max: out = clamp(max over in-bounds taps of in, act_min, act_max); the
 *      output has the input's scale and zero point (offsets, qmul unused;
 *      the generator rejects pads that leave a window empty).
 * avg: acc = sum over in-bounds taps of (in + input_offset)   (int32);
 *      n = number of in-bounds taps;
 *      out = clamp(requantize(acc, qmul[count_include_pad != 0 ? 0 : n])
 *                  + output_offset, act_min, act_max),
 *      qmul[0] = s_in / (s_out * k_h * k_w) when count_include_pad != 0,
 *      else qmul has k_h * k_w + 1 entries, entry n = s_in / (s_out * n)
 *      (entry 0 unused but valid). int16: offsets 0; the generator
 *      guarantees k_h * k_w * 65536 <= 2^31 - 1. Padded taps count as the
 *      real value 0, which is q = zp_in: they add nothing to acc. */
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
    int32_t dil_h;
    int32_t dil_w;
    int32_t input_offset;      /* avg: -zp_in */
    int32_t output_offset;     /* avg: zp_out */
    int32_t act_min;
    int32_t act_max;
    const stoic_qmul *qmul;    /* avg only (max: NULL) */
} stoic_pool2d_q_params;
void stoic_maxpool2d_s8(const stoic_pool2d_q_params *p, const int8_t *in, int8_t *out);
void stoic_avgpool2d_s8(const stoic_pool2d_q_params *p, const int8_t *in, int8_t *out);
void stoic_maxpool2d_s16(const stoic_pool2d_q_params *p, const int16_t *in, int16_t *out);
void stoic_avgpool2d_s16(const stoic_pool2d_q_params *p, const int16_t *in, int16_t *out);

/* ---- element-wise function by table (sigmoid, tanh, leaky relu, ...) ---- */
/* int8: out[i] = table[in[i] + 128], table of 256 entries computed at
 * build time. */
typedef struct {
    int32_t n;
    const int8_t *table; /* [256] */
} stoic_lut_s8_params;
void stoic_lut_s8(const stoic_lut_s8_params *p, const int8_t *in, int8_t *out);

/* int16: interpolated table of 513 entries; entry k is the output for the
 * input q = 128 * k - 32768 (entry 512 for the virtual q = 32768).
 * u = in[i] + 32768, k = u / 128, f = u % 128,
 * out[i] = table[k] + floor(((table[k + 1] - table[k]) * f + 64) / 128). */
typedef struct {
    int32_t n;
    const int16_t *table; /* [513] */
} stoic_lut_s16_params;
void stoic_lut_s16(const stoic_lut_s16_params *p, const int16_t *in, int16_t *out);

/* ---- softmax over one axis, view [outer][axis_n][inner] ----------------- */
/* Per row (fixed outer index and inner index) of axis_n values q_j:
 *   mx = max_j q_j;  d_j = mx - q_j;  e_j = E(d_j);  S = sum_j e_j;
 *   inv = stoic_recip46(S) = floor(2^46 / S);
 * int8:  E(d) = exp_table[d], 256 entries, exp_table[d] =
 *        round(2^15 * exp(-s_in * d)), so exp_table[0] = 2^15;
 *        out_j = clamp(floor((e_j * inv + 2^37) / 2^38) - 128, -128, 127)
 *        (output scale 1/256, zero point -128).
 * int16: E(d) interpolated as stoic_lut_s16 from 513 entries,
 *        k = d / 128, f = d % 128, exp_table[k] = round(2^15 * exp(-s_in * 128 * k)),
 *        E(d) = exp_table[k] + floor(((exp_table[k + 1] - exp_table[k]) * f + 64) / 128);
 *        out_j = clamp(floor((e_j * inv + 2^30) / 2^31), 0, 32767)
 *        (output scale 1/32768, zero point 0).
 * The generator guarantees axis_n <= 65535, so 2^15 <= S <= 2^31 - 1. */
typedef struct {
    int32_t outer;
    int32_t axis_n;
    int32_t inner;
    const int32_t *exp_table; /* int8: [256]; int16: [513] */
} stoic_softmax_q_params;
void stoic_softmax_s8(const stoic_softmax_q_params *p, const int8_t *in, int8_t *out);
void stoic_softmax_s16(const stoic_softmax_q_params *p, const int16_t *in, int16_t *out);

/* ---- add / mul with rescaling, broadcast of b as stoic_binary_f32 ------- */
/* x = a[o][i] + a_offset, y = b[o * b_outer_stride + i] + b_offset;
 * add: s = requantize(x * 2^left_shift, a_mul) + requantize(y * 2^left_shift, b_mul);
 *      out = clamp(requantize(s, out_mul) + output_offset, act_min, act_max)
 *      (a_mul = s_a / (2 max(s_a, s_b)), b_mul likewise, out_mul =
 *      2 max(s_a, s_b) / (2^left_shift s_out); left_shift 20 for int8, 15
 *      for int16).
 * mul: out = clamp(requantize(x * y, out_mul) + output_offset, act_min, act_max)
 *      (out_mul = s_a s_b / s_out; a_mul, b_mul, left_shift unused).
 * requantize is stoic_requantize (int32). int16: offsets 0. */
typedef struct {
    int32_t outer;
    int32_t inner;
    int32_t b_outer_stride;
    int32_t a_offset;      /* -zp_a */
    int32_t b_offset;      /* -zp_b */
    int32_t output_offset; /* zp_out */
    int32_t left_shift;
    stoic_qmul a_mul;
    stoic_qmul b_mul;
    stoic_qmul out_mul;
    int32_t act_min;
    int32_t act_max;
} stoic_binary_q_params;
void stoic_add_s8(const stoic_binary_q_params *p, const int8_t *a, const int8_t *b, int8_t *out);
void stoic_mul_s8(const stoic_binary_q_params *p, const int8_t *a, const int8_t *b, int8_t *out);
void stoic_add_s16(const stoic_binary_q_params *p, const int16_t *a, const int16_t *b,
                   int16_t *out);
void stoic_mul_s16(const stoic_binary_q_params *p, const int16_t *a, const int16_t *b,
                   int16_t *out);

/* ---- requantizing strided copy: concat inputs, reshape copies, clamps,
 *      and conversions between int8 and int16 ------------------------------ */
/* Index geometry as stoic_copy_f32: o < outer, i < in_inner,
 *   x = in[o * in_inner + i] + input_offset,
 *   out[o * out_inner + out_offset + i] =
 *       clamp(requantize(x, qmul.m, qmul.shift) + output_offset, act_min, act_max).
 * The identity multiplier (m = 2^30, shift = 1) copies exactly.
 * int16 sides have offset 0. */
typedef struct {
    int32_t outer;
    int32_t in_inner;
    int32_t out_inner;
    int32_t out_offset;
    int32_t input_offset;  /* -zp_in */
    int32_t output_offset; /* zp_out */
    stoic_qmul qmul;
    int32_t act_min;
    int32_t act_max;
} stoic_copy_q_params;
void stoic_copy_s8(const stoic_copy_q_params *p, const int8_t *in, int8_t *out);
void stoic_copy_s16(const stoic_copy_q_params *p, const int16_t *in, int16_t *out);
void stoic_convert_s8_s16(const stoic_copy_q_params *p, const int8_t *in, int16_t *out);
void stoic_convert_s16_s8(const stoic_copy_q_params *p, const int16_t *in, int8_t *out);

/* ---- constant pad and transpose, int8 and int16 ------------------------- */
/* As stoic_pad_f32 with an integer pad value (the quantized real value). */
typedef struct {
    int32_t in_dim[4];
    int32_t out_dim[4];
    int32_t before[4];
    int32_t value;
} stoic_pad_q_params;
void stoic_pad_s8(const stoic_pad_q_params *p, const int8_t *in, int8_t *out);
void stoic_pad_s16(const stoic_pad_q_params *p, const int16_t *in, int16_t *out);

/* As stoic_transpose_f32. */
typedef struct {
    int32_t out_dim[4];
    int32_t in_stride[4];
} stoic_transpose_q_params;
void stoic_transpose_s8(const stoic_transpose_q_params *p, const int8_t *in, int8_t *out);
void stoic_transpose_s16(const stoic_transpose_q_params *p, const int16_t *in, int16_t *out);

#ifndef STOIC_NO_FLOAT
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
#endif /* !STOIC_NO_FLOAT */

#endif /* STOIC_RT_H */

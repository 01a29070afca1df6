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

#include <stddef.h>
#include <stdint.h>

#define STOIC_RT_ABI 16

/* The taps of a window that fall inside the input (index arithmetic;
 * stoic_common.c, copied with every model). */
void stoic_tap_range(int32_t base, int32_t dil, int32_t k_n, int32_t in_n, int32_t *first,
                     int32_t *end);

/* floor(n / d) for 0 <= n < 2^31, 1 <= d < 2^31, without a division
 * instruction and with the same instructions for any values (index
 * arithmetic of the kernels; stoic_common.c). */
int32_t stoic_div_index(int32_t n, int32_t d);


/* ======================================================================
 * integer arithmetic (int8 fixed point; ../shared/arithmetic.md)
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

/* ---- packed int8 kernels (stoic_dsp.h; chosen by the generator) ---------- */
/* The fast forms of dense and conv2d, for layers where the generator can
 * prove their preconditions (lower.c): the input zero point folded into
 * the bias, weights packed at generation time in the order the loop reads
 * them, the output stage in one rounding (stoic_dsp_rq):
 *   out = clamp(RDBPOT(SRDHM(acc, m[o]), e1[o] + 1) + zp_out, act_min, act_max)
 * with 0 <= e1[o] <= 30 (the contract's shift = -(e1 + 1)) and
 * c1 = 2 zp_out + 1. clamp = 0 when [act_min, act_max] = [-128, 127].
 * The multiplier and shift of an output come packed in one word qm: the
 * multiplier m itself, whose low 5 bits the generator makes the right
 * shift minus one (quant_multiplier_pack: 26 significant bits and e1), so
 * m = qm and e1 = qm & 31 (stoic_dsp_qm_e). The row-pair kernels (dense_*_pk, conv2d_*_pk) read
 * their biases as one stream of int32 records, in pass order: for each
 * pass of four outputs o .. o+3, the bias words of the pair (o, o+1) and
 * of the pair (o+2, o+3) (4 words); for a last pair its two bias words.
 * Bias words: int8 (bias[o], bias[o] + 256 bias[o+1]), int16 (bias[o],
 * bias[o+1]). The qm words of a pass are qm[0 .. 3] (a last pair's
 * qm[0 .. 1]), qm advancing by qm_step words per pass of four (qm_step /
 * 2 per last pair): qm_step 4 for a multiplier per output (qm holds them
 * in output order), 0 for one multiplier for every output (a per-tensor
 * scale: qm holds it four times, and nothing per output). An odd last
 * output is paired with a zero row that is never stored.
 * scratch: int32 words owned by the caller (the generated code's
 * NAME_scratch), at least the kernel's scratch_words. Same results as
 * stoic_dense_s8 / stoic_conv2d_s8 with the unpacked parameters, bit for
 * bit. */

/* dense, and 1x1 convolution with stride 1 and no padding (rows = pixels);
 * layout of w: stoic_dense_s8_pk.c; consts: the bias records above.
 * scratch: in_words (one input row), 2 in_words when rows >= 2. */
typedef struct {
    int32_t rows;
    int32_t in_n;
    int32_t out_n;
    int32_t in_words;      /* (in_n + 1) / 2 */
    int32_t act_min;
    int32_t act_max;
    int32_t clamp;
    int32_t c1;
    int32_t qm_step;       /* 4, or 0 (one multiplier) */
    const int32_t *qm;     /* packed multipliers and shifts */
    int32_t b16;           /* int8: 0, biases int32; else 2^s, biases int16 (stoic_bias_at) */
} stoic_dense_s8_pk_params;
void stoic_dense_s8_pk(const stoic_dense_s8_pk_params *p, const int8_t *in, const int32_t *w,
                       const int32_t *consts, int8_t *out, int32_t *scratch);

/* 1x1 convolution with stride 1 and no padding, groups 1, at most 16
 * input channels, int8 (stoic_pw_s8.h) or 16x8 (int16 activations, int8
 * weights; stoic_pw_s16.h): one output channel per pass over the pixels,
 * its weights unpacked into registers; pool 1: the 2x2 max pool (stride
 * 2) of its output computed with it (out: pool_h x pool_w pixels, h =
 * 2 pool_h and w = 2 pool_w). Weights: per output, ceil(in_words / 2)
 * words of four int8, byte j (as a value) the weight of input 4k + j
 * (int8) or of input 4k + (0, 2, 1, 3)[j] (int16), 0 past in_n; bias: one
 * int32 per output (int8: the input zero point folded in); qm: the packed
 * multipliers, qm_step 1 (one per output) or 0 (one for every output).
 * int8 scratch: px * in_words + 4 words; int16 none. */
typedef struct {
    int32_t px;            /* pixels of the convolution's output (h * w) */
    int32_t w;             /* its width */
    int32_t pool;          /* 1: 2x2 max pool of stride 2 fused, else 0 */
    int32_t pool_h;        /* pool 1: h / 2 and w / 2, else 0 */
    int32_t pool_w;
    int32_t in_n;
    int32_t in_words;      /* int8: 2 ceil(in_n / 4), int16: ceil(in_n / 2) */
    int32_t out_n;
    int32_t act_min;
    int32_t act_max;
    int32_t clamp;
    int32_t c1;            /* int8: 2 output_offset + 1; int16: 1 */
    int32_t qm_step;       /* 1, or 0 (one multiplier) */
    const int32_t *qm;     /* packed multipliers and shifts */
    int32_t b16;           /* int8: 0, biases int32; else 2^s, biases int16 (stoic_bias_at) */
} stoic_pw_params;
void stoic_pw_s8(const stoic_pw_params *p, const int8_t *in, const int32_t *w,
                 const int32_t *bias, int8_t *out, int32_t *scratch);
void stoic_pw_s16(const stoic_pw_params *p, const int16_t *in, const int32_t *w,
                  const int32_t *bias, int16_t *out);

/* dense, and 1x1 convolution with stride 1 and no padding (rows =
 * pixels), int4 weights (symmetric, in [-7, 7]) with int8 activations:
 * eight weights per int32 word (each plus 8), n_g words per output row,
 * in the order of stoic_dense_s4_pk.c; bias: one int32 per output
 * (the input zero point folded in); qm: the packed multipliers, qm_step
 * 1 (one per output) or 0 (one for every output). scratch: in_words. */
typedef struct {
    int32_t rows;
    int32_t in_n;
    int32_t out_n;
    int32_t in_words;      /* 4 * n_g: the input as int16 pairs, zero-padded */
    int32_t n_g;           /* weight words per output row: ceil(in_n / 8) */
    int32_t mask;          /* 0x000F000F (stoic_dsp_s4mac) */
    int32_t act_min;
    int32_t act_max;
    int32_t clamp;
    int32_t c1;
    int32_t qm_step;       /* 1, or 0 (one multiplier) */
    const int32_t *qm;     /* packed multipliers and shifts */
    int32_t b16;           /* int8: 0, biases int32; else 2^s, biases int16 (stoic_bias_at) */
} stoic_dense_s4_pk_params;
void stoic_dense_s4_pk(const stoic_dense_s4_pk_params *p, const int8_t *in, const int32_t *w,
                       const int32_t *bias, int8_t *out, int32_t *scratch);

/* conv2d, groups 1, dilation 1, any kernel size, stride and padding:
 * the padded input (img_h x img_w pixels, as far as the output reads it)
 * as int16 channel pairs (cw = ceil(in_c / 2) words per pixel), then each
 * output pixel a dense row of k_h * k_w * cw words (k_h segments of
 * k_w * cw); w as stoic_dense_s8_pk's over those words, consts the
 * records above.
 * scratch: img_h * img_w * cw words. Layout and proof:
 * stoic_conv2d_s8_pk.c. */
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
    int32_t pad_top;
    int32_t pad_left;
    int32_t zp_in;
    int32_t cw;            /* (in_c + 1) / 2 */
    int32_t img_h;         /* (out_h - 1) * stride_h + k_h */
    int32_t img_w;         /* (out_w - 1) * stride_w + k_w */
    int32_t act_min;
    int32_t act_max;
    int32_t clamp;
    int32_t c1;
    int32_t qm_step;       /* 4, or 0 (one multiplier) */
    const int32_t *qm;     /* packed multipliers and shifts */
    int32_t b16;           /* int8: 0, biases int32; else 2^s, biases int16 (stoic_bias_at) */
} stoic_conv2d_pk_params;
void stoic_conv2d_s8_pk(const stoic_conv2d_pk_params *p, const int8_t *in, const int32_t *w,
                        const int32_t *consts, int8_t *out, int32_t *scratch);
/* The same for 16x8 (zp_in = 0, c1 unused; int16 records):
 * stoic_conv2d_s16's results where the generator proves |bias[o]| +
 * 32768 sum |w[o]| < 2^30. */
void stoic_conv2d_s16_pk(const stoic_conv2d_pk_params *p, const int16_t *in, const int32_t *w,
                         const int32_t *consts, int16_t *out, int32_t *scratch);

/* 3x3 convolution, stride 1, dilation 1, one input channel per group
 * (depthwise with a channel multiplier, or in_c == 1); pad_top and
 * pad_left in {0, 1}; weights OHWI int8 as in stoic_conv2d_s8 (9 per
 * output channel; int8 layers: with w4 1, int4 two to a byte, nibble
 * 9 o + k plus 8, low nibble first), bias folded; channel o's packed multiplier and shift
 * is qm[o * qm_step] (qm_step 0: one for every channel). scratch:
 * (out_h + 2) * (2 * n_pass + 1) + 10 words, n_pass = ceil(out_w / 4).
 * Layout and proof: stoic_conv2d_s8_dw3.h. */
typedef struct {
    int32_t in_h;
    int32_t in_w;
    int32_t in_c;
    int32_t out_h;
    int32_t out_w;
    int32_t out_c;
    int32_t depth_mult;    /* out_c / in_c */
    int32_t pad_top;
    int32_t pad_left;
    int32_t zp_in;
    int32_t n_pass;
    int32_t act_min;
    int32_t act_max;
    int32_t clamp;
    int32_t c1;
    int32_t qm_step;       /* 1 (qm[out_c]), or 0 (qm[1]: one multiplier) */
    const int32_t *qm;     /* packed multipliers and shifts, as the row-pair kernels' */
    int32_t b16;           /* int8: 0, biases int32; else 2^s, biases int16 (stoic_bias_at) */
    int32_t w4;            /* int8: 1, w holds int4 weights two to a byte (stoic_conv2d_s8_dw3.h) */
} stoic_conv2d_dw3_params;
void stoic_conv2d_s8_dw3(const stoic_conv2d_dw3_params *p, const int8_t *in,
                         const int8_t *w, const int32_t *bias, int8_t *out, int32_t *scratch);
/* The same for 16x8 (zp_in = 0, c1 unused): stoic_conv2d_s16's results
 * where the generator proves |bias[o]| + 32768 sum |w[o]| < 2^30.
 * scratch: the plane alone, (out_h + 2) * (2 * n_pass + 1) words. */
void stoic_conv2d_s16_dw3(const stoic_conv2d_dw3_params *p, const int16_t *in,
                          const int8_t *w, const int32_t *bias, int16_t *out, int32_t *scratch);

/* dense and 1x1 convolution, 16x8 (int16 activations, zero points 0):
 * stoic_dense_s16's results where the generator proves |bias[o]| + 32768
 * sum |w[o]| < 2^30; w as stoic_dense_s8_pk's, consts the records above.
 * scratch: in_words. Layout and proof: stoic_dense_s16_pk.c. */
typedef struct {
    int32_t rows;
    int32_t in_n;
    int32_t out_n;
    int32_t in_words;      /* (in_n + 1) / 2 */
    int32_t act_min;
    int32_t act_max;
    int32_t clamp;         /* 0 when [act_min, act_max] = [-32768, 32767] */
    int32_t qm_step;       /* 4, or 0 (one multiplier) */
    const int32_t *qm;     /* packed multipliers and shifts */
} stoic_dense_s16_pk_params;
void stoic_dense_s16_pk(const stoic_dense_s16_pk_params *p, const int16_t *in, const int32_t *w,
                        const int32_t *consts, int16_t *out, int32_t *scratch);

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

/* ---- recurrent layers, int16 activations: LSTM and GRU ----------------- */
/* The integer forms of stoic_lstm_f32 and stoic_gru_f32 (stoic_rt_f32.h):
 * the same shapes, layouts, gate order, direction and initial state.
 * _s16: int16 weights; _s8w: int8 weights; activations always int16
 * (stoic_lstm_q.c, stoic_gru_q.c).
 *
 * x [steps][batch][in_n], y [steps][batch][hidden], w [G * hidden][in_n],
 * r [G * hidden][hidden]: rows gate by gate in ONNX order (LSTM G = 4:
 * i, o, f, c; GRU G = 3: z, r, h); row J of a gate g unit j is
 * J = g * hidden + j. reverse = 1 walks the steps from the last (t =
 * steps - 1 - s). init = 1 first sets the state from init
 * ([S][batch][hidden]: h0, then c0 for the LSTM) or to zeros when init is
 * NULL; init = 0 continues from state (steps = 0, init = 1 only resets:
 * a stream is one reset, then calls of steps = 1, init = 0). state is
 * [2][batch][hidden]: LSTM [h][c], GRU [h][work].
 *
 * Quantization: x int16 symmetric (zero point 0); h and y Q0.15 (scale
 * 2^-15); the LSTM cell state c has the scale 2^-cell_shift; gate
 * pre-activations Q3.12 (scale 2^-12); the tables map Q3.12 to Q0.15.
 * Notation: rq64(a, q) = stoic_requantize64(a, q.m, q.shift) (int32);
 * sat16 clamps to [-32768, 32767]; rd(v, e) = stoic_rdbpot(v, e) (nearest,
 * ties away from zero); LUT(t, v) = stoic_lut_s16's interpolated lookup of
 * the one value v in the table t.
 *
 * For each step t in walk order and each sequence q, with h the
 * sequence's h row before the step (every sum exact, in int64):
 *   ax[J] = bx[J] + sum_i w[J][i] x[t][q][i]   (bx == NULL: 0)
 *   ah[J] = bh[J] + sum_k r[J][k] h[k]         (bh == NULL: 0)
 *   pre[J] = sat16(rq64(ax[J], qx[J]) + rq64(ah[J], qh[J]))
 * LSTM, unit j (rows j, H + j, 2H + j, 3H + j; H = hidden):
 *   i, o, f = LUT(sigmoid, pre[j]), LUT(sigmoid, pre[H + j]),
 *             LUT(sigmoid, pre[2H + j]);  g = LUT(tanh, pre[3H + j]);
 *   c = sat16(rd(f * c, 15) + rd(i * g, 30 - cell_shift))   (in place)
 *   ct = cell_shift >= 12 ? rd(c, cell_shift - 12)
 *                         : sat16(c * 2^(12 - cell_shift))   (Q3.12)
 *   h_new = sat16(rd(o * LUT(tanh, ct), 15))
 * GRU, unit j (rows j, H + j, 2H + j for z, r, h):
 *   z = LUT(sigmoid, pre[j]),  r_j = LUT(sigmoid, pre[H + j]);
 *   linear_before_reset = 1:
 *     hn = sat16(rq64(ah[2H + j], qh[2H + j])),
 *     pre_n = sat16(rq64(ax[2H + j], qx[2H + j]) + rd(r_j * hn, 15));
 *   linear_before_reset = 0: first, for every unit k,
 *     work[k] = sat16(rd(r_k * h[k], 15)); then ah[2H + j] sums
 *     r[2H + j][k] * work[k] instead of h[k], and
 *     pre_n = sat16(rq64(ax[2H + j], qx[2H + j]) + rq64(ah[2H + j], qh[2H + j]));
 *   n = LUT(tanh, pre_n),  h_new = sat16(n + rd(z * (h[j] - n), 15)).
 * h_new of unit j goes to y[t][q][j]; h takes y[t][q] after the sequence's
 * last unit (the recurrent sums read the old h).
 * Low rank (rank > 0): r is [G * H][rank] and each step first projects h
 * (and, GRU linear_before_reset = 0, the work row) through rb [rank][H]:
 *   z[k] = sat16(rq64(sum_i rb[k][i] h[i], qz[k]))   (rb16 or rb8, the
 * other NULL); ah[J] then sums r[J][k] * z[k] over the rank values. z (and
 * the work row's) live in the state after [h][c] or [h][work], batch *
 * rank values each. The generator scales z to cover |rb[k] . h| for any h
 * in [-1, 1]: no clamp acts.
 * The sat16 of the LSTM h_new and of the GRU work change nothing when the
 * tables' entries are in [-32767, 32767] (the generator's tables,
 * round(32767 f)); they keep every narrowing to int16 in range for any
 * table.
 *
 * acc32 = 1 (the generator's proof: |bias| + 32768 sum |weights| < 2^30
 * for every gate row, in both accumulators, and every qx, qh shift <= 0):
 * the LSTM, and the GRU with linear_before_reset 1, form a unit's gate
 * accumulators in int32, in one pass over x and one over h for all its
 * gate rows, and rq64 of each is stoic_dsp_rq32 (stoic_dsp.h), the same
 * integer in one SMLAL and a shift instead of stoic_requantize64's
 * general sequence; the projections (qz) and the GRU with
 * linear_before_reset 0 keep the general path (same results).
 * Preconditions (the generator's): the dimensions as stoic_lstm_f32's
 * (steps >= 0, the others >= 1); |ax|, |ah| <= 2^47 for every row,
 * sequence and step (so no partial sum wraps: each product is at most
 * 2^30; the projections' sums likewise); every qmul as
 * stoic_requantize64's; 0 <= cell_shift <= 15; 0 <= rank;
 * reverse, init and linear_before_reset 0 or 1; tables of 513 entries.
 * The instruction path depends on the parameters only. */
typedef struct {
    int32_t steps;
    int32_t batch;
    int32_t in_n;
    int32_t hidden;
    int32_t reverse;             /* 1: x and y are walked from the last step */
    int32_t init;                /* 1: set the state from init (or zero) first; 0 or 1 */
    int32_t linear_before_reset; /* GRU only */
    int32_t cell_shift;          /* LSTM: the cell state's scale is 2^-cell_shift, 0..15 */
    const stoic_qmul *qx;        /* [G * hidden]: row j's W x + bx accumulator -> Q3.12 */
    const stoic_qmul *qh;        /* [G * hidden]: row j's R h + bh accumulator -> Q3.12 */
    const int64_t *bx;           /* [G * hidden] input bias in W x units, or NULL */
    const int64_t *bh;           /* [G * hidden] recurrent bias in R h units, or NULL */
    const int16_t *sigmoid;      /* [513] interpolated table: Q3.12 -> Q0.15 */
    const int16_t *tanh;         /* [513] interpolated table: Q3.12 -> Q0.15 */
    int32_t rank;                /* 0: r is [G * hidden][hidden]; else low rank */
    const stoic_qmul *qz;        /* [rank]: projection k's accumulator -> z[k] */
    const int16_t *rb16;         /* [rank][hidden], int16 weights, or NULL */
    const int8_t *rb8;           /* [rank][hidden], int8 weights, or NULL */
    int32_t acc32;               /* 1: the generator proves |ax|, |ah| < 2^30 for every row
                                  * and every qx, qh shift <= 0: rq64 by stoic_dsp_rq32 */
} stoic_rnn_q_params;
void stoic_lstm_s16(const stoic_rnn_q_params *p, const int16_t *x, const int16_t *w,
                    const int16_t *r, const int16_t *init, int16_t *state, int16_t *y);
void stoic_lstm_s8w(const stoic_rnn_q_params *p, const int16_t *x, const int8_t *w,
                    const int8_t *r, const int16_t *init, int16_t *state, int16_t *y);
void stoic_gru_s16(const stoic_rnn_q_params *p, const int16_t *x, const int16_t *w,
                   const int16_t *r, const int16_t *init, int16_t *state, int16_t *y);
void stoic_gru_s8w(const stoic_rnn_q_params *p, const int16_t *x, const int8_t *w,
                   const int8_t *r, const int16_t *init, int16_t *state, int16_t *y);
/* What the four share (stoic_rnn_q.c). The weights of an entry point:
 * w16 and r16 (int16 weights) or w8 and r8 (int8), the other pair NULL. */
typedef struct {
    const int16_t *w16;
    const int16_t *r16;
    const int8_t *w8;
    const int8_t *r8;
} stoic_rnn_q_weights;
/* v clamped to [-32768, 32767]; |v| < 2^62 */
int16_t stoic_rnn_q_sat16(int64_t v);
/* The accumulators of row J: *ax = bx[J] + w[J] . xt, *ah = bh[J] + r[J] . v
 * (a NULL bias counts 0); v is h, or the GRU's work row, or (low rank)
 * their projection: vn values (hidden, or rank) */
void stoic_rnn_q_acc(const stoic_rnn_q_params *p, const stoic_rnn_q_weights *wt, int32_t row,
                     const int16_t *xt, const int16_t *v, int32_t vn, int64_t *ax, int64_t *ah);
/* z[k] = sat16(rq64(rb[k] . v, qz[k])) for k < rank; returns z */
const int16_t *stoic_rnn_q_project(const stoic_rnn_q_params *p, const int16_t *v, int16_t *z);
/* rq64 of row J's input (rec = 0) or recurrent (rec = 1) accumulator */
int32_t stoic_rnn_q_rq(const stoic_rnn_q_params *p, int64_t acc, int32_t row, int32_t rec);
/* LUT(table, pre[J]), pre[J] = sat16(rq64(ax[J], qx[J]) + rq64(ah[J], qh[J])) */
int32_t stoic_rnn_q_gate(const stoic_rnn_q_params *p, const stoic_rnn_q_weights *wt,
                         const int16_t *table, int32_t row, const int16_t *xt, const int16_t *v,
                         int32_t vn);
/* acc32 (above): LUT(table, sat16(rq32(ax, qx[J]) + rq32(ah, qh[J]))), the
 * gate of stoic_rnn_q_gate from accumulators the caller formed in int32 */
int32_t stoic_rnn_q_gate32(const stoic_rnn_q_params *p, const int16_t *table, int32_t row,
                           int32_t ax, int32_t ah);
/* init = 1: the first n elements of state from init, or zeros (init
 * NULL); init = 0: nothing */
void stoic_rnn_q_init(const stoic_rnn_q_params *p, const int16_t *init, int16_t *state,
                      int32_t n);

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

/* ---- sparse dense (unstructured pruning), int8 and int16 ---------------- */
/* The weights w [out_n][in_n] stored by rows, only the kept ones: row o
 * owns the entries k = row_start[o] .. row_start[o + 1] - 1; entry k is the
 * weight values[k] at column c_k, where the column runs from 0 at the start
 * of each row and c_k = c_(k-1) + delta[k] (c_(-1) = 0 for the row's first
 * entry: c = delta[k]). A gap wider than 255 columns is bridged by filler
 * entries of value 0 (they add nothing). row_start, delta and values are
 * const arrays fixed at generation: every loop bound and index depends on
 * them only, never on the input, so the instruction path is the same for
 * every input.
 * int8:  acc = bias[o] + sum_k (in[r][c_k] + input_offset) * values[k] (int32);
 *        output stage as stoic_dense_s8.
 * int16: acc = bias[o] + sum_k in[r][c_k] * values[k] (int64);
 *        output stage as stoic_dense_s16.
 * Bit for bit the dense kernel on the same weights with zeros elsewhere. */
typedef struct {
    int32_t rows;
    int32_t in_n;
    int32_t out_n;
    int32_t input_offset;       /* int8: -zp_in; int16: unused (0) */
    int32_t output_offset;      /* int8: zp_out; int16: unused (0) */
    int32_t act_min;
    int32_t act_max;
    const stoic_qmul *qmul;     /* [out_n] */
    const int32_t *row_start;   /* [out_n + 1], row_start[0] = 0 */
    const uint8_t *delta;       /* [row_start[out_n]] */
} stoic_dense_sparse_q_params;
void stoic_dense_s8_sparse(const stoic_dense_sparse_q_params *p, const int8_t *in,
                           const int8_t *values, const int32_t *bias, int8_t *out);
void stoic_dense_s16_sparse(const stoic_dense_sparse_q_params *p, const int16_t *in,
                            const int8_t *values, const int64_t *bias, int16_t *out);

/* ---- sparse conv2d (unstructured pruning), groups 1, int8 and int16 ------ */
/* Geometry exactly as stoic_conv2d_s8 with groups = 1. The kept weights of
 * output channel o are the entries k = row_start[o] .. row_start[o+1] - 1
 * over the flattened tap index j = (kh * k_w + kw) * in_c + ci (OHWI
 * order), coded as in the sparse dense kernels: j runs from 0 at the start
 * of each channel, j_k = j_(k-1) + delta[k], fillers of value 0 bridge gaps
 * over 255. For each output position, a tap outside the input contributes
 * nothing (as in the dense kernel).
 * int8:  acc = bias[o] + sum over kept in-bounds taps (in + input_offset) * values[k];
 *        output stage as stoic_conv2d_s8.
 * int16: acc = bias[o] + sum over kept in-bounds taps in * values[k] (int64);
 *        output stage as stoic_conv2d_s16.
 * Bit for bit the dense kernel on the same weights with zeros elsewhere.
 * Loop bounds and indices depend only on the const arrays and the
 * geometry, never on the input. */
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
    int32_t input_offset;       /* int8: -zp_in; int16: unused (0) */
    int32_t output_offset;      /* int8: zp_out; int16: unused (0) */
    int32_t act_min;
    int32_t act_max;
    const stoic_qmul *qmul;     /* [out_c] */
    const int32_t *row_start;   /* [out_c + 1] */
    const uint8_t *delta;       /* [row_start[out_c]] */
    int32_t ci_steps;           /* the most ci carries one entry needs */
    int32_t kw_steps;           /* the most kw carries one entry needs */
} stoic_conv2d_sparse_q_params;
void stoic_conv2d_s8_sparse(const stoic_conv2d_sparse_q_params *p, const int8_t *in,
                            const int8_t *values, const int32_t *bias, int8_t *out);
void stoic_conv2d_s16_sparse(const stoic_conv2d_sparse_q_params *p, const int16_t *in,
                             const int8_t *values, const int64_t *bias, int16_t *out);

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

/* Variants the generator chooses from the geometry (same parameters, same
 * results bit for bit as the kernels above; the instruction path depends
 * on the parameters only):
 *  _2x2       k_h = k_w = 2, stride_h = stride_w = 2, dil_h = dil_w = 1,
 *             pad_top, pad_left in {0, 1}: interior windows unrolled, the
 *             border rows/columns by the general window code.
 *  gavgpool   the average over the whole input (in_h x in_w = k_h x k_w,
 *             out 1 x 1, count_include_pad 1, no pads): four channels per
 *             pass over the input. */
void stoic_maxpool2d_s8_2x2(const stoic_pool2d_q_params *p, const int8_t *in, int8_t *out);
/* scratch: (c + 3) / 4 words (the zero point row, stoic_avgpool2d_s8_2x2.h) */
void stoic_avgpool2d_s8_2x2(const stoic_pool2d_q_params *p, const int8_t *in, int8_t *out,
                            int32_t *scratch);
void stoic_maxpool2d_s16_2x2(const stoic_pool2d_q_params *p, const int16_t *in, int16_t *out);
void stoic_avgpool2d_s16_2x2(const stoic_pool2d_q_params *p, const int16_t *in, int16_t *out);
void stoic_gavgpool_s8(const stoic_pool2d_q_params *p, const int8_t *in, int8_t *out);
void stoic_gavgpool_s16(const stoic_pool2d_q_params *p, const int16_t *in, int16_t *out);

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
    int32_t in_offset;
} stoic_transpose_q_params;
void stoic_transpose_s8(const stoic_transpose_q_params *p, const int8_t *in, int8_t *out);
void stoic_transpose_s16(const stoic_transpose_q_params *p, const int16_t *in, int16_t *out);


/* ---- resize, int8 and int16 --------------------------------------------- */
/* The tables of stoic_resize_f32 (row, col: element offsets), the weights as
 * integers wr, wc of 2^q (q chosen per layer by the generator).
 * gather 1 (nearest: t_h = t_w = 1, the output on the input's grid):
 *   out[oh][ow][k] = in[row[oh] + col[ow] + k]          (no arithmetic)
 * gather 0:
 *   acc = sum_i sum_j (wr[.] * wc[.]) * (in[row[.] + col[.] + k] + input_offset)
 *   int8:  out = stoic_requant_s8(acc, &qmul, output_offset, act_min, act_max)
 *          (int32 acc; the generator proves |acc| <= 2^31 - 1)
 *   int16: out = stoic_requant_s16(acc, &qmul, act_min, act_max)
 *          (int64 acc; |wr * wc| < 2^31, |acc| <= 2^47, input_offset 0)
 * with qmul the multiplier of s_in / (s_out 2^(2q)). */
typedef struct {
    int32_t out_h;
    int32_t out_w;
    int32_t c;
    int32_t t_h;
    int32_t t_w;
    int32_t gather;
    int32_t input_offset;  /* -zp_in */
    int32_t output_offset; /* zp_out */
    stoic_qmul qmul;
    int32_t act_min;
    int32_t act_max;
} stoic_resize_q_params;
void stoic_resize_s8(const stoic_resize_q_params *p, const int8_t *in, const int32_t *row,
                     const int32_t *col, const int32_t *wr, const int32_t *wc, int8_t *out);
void stoic_resize_s16(const stoic_resize_q_params *p, const int16_t *in, const int32_t *row,
                      const int32_t *col, const int32_t *wr, const int32_t *wc, int16_t *out);

#endif /* STOIC_RT_H */

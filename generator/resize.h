/* resize: the tap tables of a resize layer (one source of truth for the
 * quantize pass, the lowering and so for the evaluator and the emitted
 * code).
 *
 * A resize is separable and its shapes are static, so along one spatial
 * axis output index o reads T input indices idx[o T + t] with weights
 * w[o T + t] (ONNX Resize, opset 11 to 19, computed in double): the
 * coordinate transformation maps o to x in the input (half_pixel,
 * pytorch_half_pixel, align_corners, asymmetric, tf_half_pixel_for_nn;
 * the scale as written, else out / in); nearest picks one index by its
 * rounding mode (T = 1); linear takes the two neighbours of x with
 * 1 - r, r (T = 2); cubic the four with the cubic convolution weights of
 * coefficient a (T = 4), exclude_outside zeroing the weights of indices
 * outside the input and renormalising. Indices are clamped to the edge
 * (ONNX pads with the edge value). A table that is the identity (each
 * output reads its own index with weight 1) has T = 1. */
#ifndef STOIC_RESIZE_H
#define STOIC_RESIZE_H

#include <stdint.h>

#include "ir.h"

#define RESIZE_MAX_TAPS 4

/* The table of spatial axis `axis` of n (input length in_len, output
 * length out_len): fills idx and w (out_len * RESIZE_MAX_TAPS entries
 * each) and returns T. */
int resize_table(const ir_node *n, int axis, int32_t in_len, int32_t out_len, int32_t *idx,
                 double *w);

/* The weights in units of 2^-q, rounded to nearest. */
int32_t resize_wq(double w, int q);

/* The kernel's view of resize node n of g (stoic_resize_*: [in_h][in_w][c]
 * -> [out_h][out_w][c]; a one-dimensional [L C] is in_h = out_h = 1). */
typedef struct {
    int32_t in_h, in_w, c, out_h, out_w;
    int32_t t_h, t_w;   /* taps per output row, column */
    int32_t *row, *col; /* element offsets: out_h * t_h, out_w * t_w */
    double *wr, *wc;    /* weights, as many */
} resize_plan;

/* Fills p (allocating its tables); 0, or -1 when out of memory. */
int resize_plan_make(const ir_graph *g, const ir_node *n, resize_plan *p);
void resize_plan_free(resize_plan *p);

/* The taps per output row and column of n (t_h, t_w of resize_plan),
 * allocating nothing. */
void resize_ntaps(const ir_graph *g, const ir_node *n, int32_t *t_h, int32_t *t_w);

/* Integer weights: the largest fraction bits q <= 14 for which every
 * product |wr_q * wc_q| < 2^31 and the accumulator bound
 * max over outputs of sum |wr_q wc_q| * in_mag stays <= limit; the bound
 * in *bound. -1 when no q >= 1 does. */
int resize_choose_q(const resize_plan *p, int64_t in_mag, int64_t limit, int64_t *bound);

#endif

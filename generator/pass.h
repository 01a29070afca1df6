/* Passes over the IR. Each has one job and one signature; pipeline.c runs
 * them in order and checks the IR invariants (ir_verify) after each.
 * A pass returns 0, or -1 after reporting errors through d. */
#ifndef STOIC_PASS_H
#define STOIC_PASS_H

#include "diag.h"
#include "ir.h"

typedef int (*pass_fn)(ir_graph *g, diag *d);

/* Topological order (stable: file order among ready layers); reports
 * cycles; drops layers whose output does not reach the model output. */
int pass_order(ir_graph *g, diag *d);
/* Infers every tensor's shape; checks weights and attributes against it;
 * resolves "same" padding into explicit pads; normalises axes. */
int pass_shape(ir_graph *g, diag *d);
/* Expands every conv_transpose2d / conv_transpose1d into zero insertion
 * (reshapes and pads) and a conv2d / conv1d with the flipped weights. */
int pass_convt(ir_graph *g, diag *d);
/* Drops layers that move no data or whose data movement another layer
 * does for free: transposes that keep the element order, merged
 * transposes, all-zero pads and one-input concats become reshapes
 * (aliases); a zero spatial pad folds into the next conv's or counting
 * average pool's pads. */
int pass_simplify(ir_graph *g, diag *d);
/* Folds a chain of transposes and reshapes that only reorders the input
 * of dense layers (the NHWC -> NCHW transpose before Flatten) into a
 * permutation of their weight columns. */
int pass_permute(ir_graph *g, diag *d);
/* Gives every dense/conv a bias; folds batch_norm into the preceding
 * dense/conv where possible, else turns it into a per-channel affine. */
int pass_fold(ir_graph *g, diag *d);
/* Fuses a stand-alone activation into the layer that produces its input. */
int pass_fuse(ir_graph *g, diag *d);
/* Memory plan: reshape aliases, storage classes, liveness, and the arena
 * offsets (greedy, largest first, first fitting gap). */
int pass_plan(ir_graph *g, diag *d);

/* Integer layers cannot apply a fused sigmoid, tanh or leaky relu: these
 * become stand-alone (table) layers. Uses each node's target precision. */
int pass_unfuse(ir_graph *g, diag *d);
/* Quantizes the graph to each node's target precision, from the
 * calibrated range [lo[t], hi[t]] of every tensor t with has_range[t]
 * and the per-channel (last axis) means mean[t] (NULL: no bias
 * correction for layers reading t); arrays indexed by tensor, as the graph
 * is on entry. Re-plan after. */
int pass_quantize(ir_graph *g, const double *lo, const double *hi, const int *has_range,
                  double *const *mean, diag *d);
/* Emits dense layers whose weights are mostly zero in the runtime's
 * sparse form when that takes fewer bytes (after pass_quantize). */
int pass_sparse(ir_graph *g, diag *d);
/* Computes a 2x2 max pool of stride 2 with the int8 1x1 convolution whose
 * output only it reads (lower.c: stoic_pw_s8), when that kernel runs the
 * convolution (after pass_quantize and pass_sparse). */
int pass_poolfuse(ir_graph *g, diag *d);

#endif

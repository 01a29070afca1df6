/* Pruning (pass_prune.c): unstructured magnitude pruning of one layer's
 * weights, and structured pruning of a layer's output channels with the
 * edits propagated through the graph.
 *
 * Both work on float graphs (before pass_quantize) after pass_fold (every
 * dense/conv has a bias). Channel pruning changes shapes: re-run pass_order
 * and pass_plan afterwards (it clears g->planned).
 */
#ifndef STOIC_PRUNE_H
#define STOIC_PRUNE_H

#include <stdint.h>

#include "diag.h"
#include "ir.h"

/* Norms for prune_channels. */
#define PRUNE_NORM_L1 1
#define PRUNE_NORM_L2 2

/* Node ni is a dense, conv2d or conv1d layer with float weights: sets to
 * zero the floor(sparsity * count + 0.5) weights of smallest |w| (ties:
 * lower index first, so the choice is deterministic; weights already zero
 * count among the smallest). Sets node->sparsity to the fraction of zero
 * weights afterwards. Returns the number of weights set to zero, or -1
 * (not such a layer, sparsity outside [0, 1], out of memory; the graph is
 * then unchanged). The bias is not touched. */
int64_t prune_magnitude(ir_graph *g, int ni, double sparsity);

/* keep[j] = 1 when weight j of node ni (dense/conv, float) is nonzero, else
 * 0; keep holds the weight's element count. Returns the number kept, or -1
 * when ni is not such a layer. */
int64_t prune_mask(const ir_graph *g, int ni, unsigned char *keep);

/* Structured pruning: removes round(fraction * C) of the C output channels
 * of node ni (dense: units; conv2d/conv1d: filters, groups == 1 or
 * depthwise), those of smallest L1 (norm 1) or L2 (norm 2) weight-row norm
 * (ties: lower index first), keeping at least one, and propagates the
 * removal through the graph (see pass_prune.c): the layer's weight rows and
 * bias entries go; channel-preserving layers downstream shrink with it;
 * the consuming dense/conv layers drop the matching input columns / input
 * channels; add/mul/concat operands that must lose the same channels have
 * their producing layers pruned alike (the channels are then chosen by the
 * norms summed over all producing layers). Sets pruned_channels of every
 * dense/conv whose output channels were removed.
 *
 * Refuses (diag_error naming the layer, graph unchanged, -1) when the
 * channels would reach the model output or the model input, a transpose, a
 * softmax over the channel axis, a pad of the channel axis, a grouped
 * (non-depthwise) conv, a convert, a reshape that mixes channels, or an
 * add/mul whose other operand cannot lose the same channels; also on a
 * quantized or sparse layer, or a weight shared between layers. Out of
 * memory: diag_io, graph unchanged, -1. Returns 0 on success. */
int prune_channels(ir_graph *g, int ni, double fraction, int norm, diag *d);

#endif

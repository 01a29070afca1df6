/* Low-rank factorisation of dense and convolution layers, and the
 * least-squares refits of linear layers (pass_lowrank.c), on linalg.h. */
#ifndef STOIC_LOWRANK_H
#define STOIC_LOWRANK_H

#include <stdint.h>

#include "diag.h"
#include "ir.h"

/* The smallest r with sum_{i<r} s_i^2 >= energy * sum_{i<k} s_i^2, for a
 * spectrum s of k >= 1 values (any order; usually descending), but at
 * least 1 (an all-zero spectrum gives 1). -1 if k < 1 or energy is not in
 * (0, 1]. energy = 1 gives the number of values up to the last nonzero. */
int lowrank_choose_rank(const double *s, int k, double energy);

/* Splits node ni (dense, or conv2d/conv1d with groups 1, float) into two
 * layers from the SVD of its weight W = U S Vt (dense: out x in; conv:
 * out x (k_h k_w in_c), the OHWI rows), truncated to rank r:
 *  - a new node "<name>.lowrank" reading the original input: dense in -> r,
 *    or conv with r filters and the original kernel, strides, dilations,
 *    padding and pads; weights sqrt(S) Vt ("<name>.lowrank.vt"), bias 0
 *    ("<name>.lowrank.bias"), no activation; output tensor "<name>.lowrank";
 *    its `fused` names the original layer;
 *  - node ni itself, keeping its name, output, bias, fused activation and
 *    traceability: dense r -> out, or a 1x1 conv (stride 1, no padding)
 *    with the original filters; weights U sqrt(S) ("<name>.lowrank.u").
 * Both get node->rank = r and the original's XML line, xml_op and target.
 * rank > 0: that rank (at most min(out, K)); rank == 0: the smallest that
 * keeps `energy` of sum s_i^2 (lowrank_choose_rank). *rank_out = r and
 * *discarded = sum_{i>=r} s_i^2 (= ||W - W_r||_F^2) are set whenever the
 * SVD was computed (either may be NULL).
 * Returns 0 (split), 1 (not split: the two layers would hold
 * r (K + 1) + out (r + 1) parameters, biases counted, not fewer than the
 * original's; a warning names the layer and the counts), or -1 (error
 * reported through d). After a split the new node is last in g->n and the
 * replaced weight is unreferenced: the caller re-runs pass_order (which
 * orders and compacts) and pass_plan before evaluating or emitting. */
int lowrank_node(ir_graph *g, int ni, int rank, double energy, diag *d, int *rank_out,
                 double *discarded);

/* Low rank of lstm/gru ni (float, not yet low rank), each matrix at rank r
 * (rank, or the energy rule as lowrank_node, per matrix), where it holds
 * fewer parameters: the input weight W [G*H I] becomes a dense layer
 * "<name>.lowrank" (I -> r, Vt_r, zero bias) on every step's input and
 * W = U_r S_r [G*H r] (silently left whole when that does not pay); the
 * recurrence R [G*H H] the product A B: A = U_r S_r [G*H r] replaces R,
 * B = Vt_r [r H] (orthonormal rows) becomes the projection (params 6),
 * n->rnn_rank = r (a warning names the layer when that does not pay).
 * *rank_out and *discarded are the recurrence's. Returns 0 (a matrix
 * split), 1 (neither) or -1 (reported). After an input split re-run
 * pass_order and pass_plan, as after lowrank_node. */
int lowrank_rnn(ir_graph *g, int ni, int rank, double energy, diag *d, int *rank_out,
                double *discarded);

/* Least-squares refit of a linear layer y = w z + b: w [out][r] row-major
 * and b [out] minimising sum_i ||w z_i + b - y_i||^2 over n samples, z n x r
 * and y n x out (row-major floats), by linalg_lstsq_rows on [z | 1] (rank
 * deficient data gives the minimum-norm solution). 0 or -1. */
int refit_linear(double *w, double *b, const float *z, const float *y, int64_t n, int r, int out);

/* The same for a pruned dense layer (w [out][in]): output row o uses only
 * the columns j with keep[o * in + j] != 0, the others are set to exactly 0;
 * one least-squares problem per output row, x n x in, y n x out. The
 * samples are reduced once by QR to (in + 1) rows (linalg_qr_rows), and
 * row o is solved on the kept columns of R (and the bias column): the same
 * minimiser as on the samples, at a cost independent of n per row.
 * Measured (netlib LAPACK): 784 -> 128, 20% kept, n = 10000: 10 s. 0 or -1. */
int refit_masked(double *w, double *b, const unsigned char *keep, const float *x, const float *y,
                 int64_t n, int in, int out);

#endif

/*
 * pass_prune: magnitude pruning on hand-made weights (counts, which
 * weights go, ties); channel pruning on small models loaded through the
 * pipeline, checked against the original model in which the removed
 * channels' weights and biases were zeroed by hand; refusals.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <CUnit/CUnit.h>
#include "unit.h"
#include "base64.h"
#include "eval.h"
#include "ir.h"
#include "pass.h"
#include "pipeline.h"
#include "prune.h"

/* ------------------------------------------------------------- magnitude */

/* x [n_in] -> dense fc (units) -> y, with the given weights */
static ir_graph *dense_graph(int32_t units, int32_t n_in, const float *w)
{
    ir_graph *g = ir_new();
    ir_shape si = { 1, { n_in } }, so = { 1, { units } }, sw = { 2, { units, n_in } };
    float b[16];
    int ni, out;
    memset(b, 0, sizeof b);
    g->name = ir_strdup("m");
    g->file = ir_strdup("m.xml");
    g->input = ir_add_tensor(g, "x", IR_T_INPUT, 1);
    g->t[g->input].shape = si;
    ni = ir_add_node(g, IR_OP_DENSE, "fc", "dense", 2);
    out = ir_add_tensor(g, "y", IR_T_ACT, 2);
    g->t[out].shape = so;
    g->n[ni].inputs = malloc(sizeof(int));
    g->n[ni].inputs[0] = g->input;
    g->n[ni].n_inputs = 1;
    g->n[ni].output = out;
    g->n[ni].units = units;
    g->n[ni].params[0] = ir_add_const(g, "w", &sw, w, 2);
    g->n[ni].params[1] = ir_add_const(g, "b", &so, b, 2);
    g->output = out;
    ir_link(g);
    return g;
}

static void test_magnitude_counts(void)
{
    static const float w[8] = { 0.5F, -0.1F, 0.3F, -0.7F, 0.2F, 0.05F, -0.4F, 0.6F };
    ir_graph *g = dense_graph(2, 4, w);
    const float *v = g->t[g->n[0].params[0]].data;
    unsigned char keep[8];
    /* 0.25 * 8 = 2: the two smallest |w|: 0.05 (5) and -0.1 (1) */
    CU_ASSERT_EQUAL(prune_magnitude(g, 0, 0.25), 2);
    CU_ASSERT_EQUAL(v[5], 0.0F);
    CU_ASSERT_EQUAL(v[1], 0.0F);
    CU_ASSERT_EQUAL(v[4], 0.2F);
    CU_ASSERT_DOUBLE_EQUAL(g->n[0].sparsity, 0.25, 1e-12);
    CU_ASSERT_EQUAL(prune_mask(g, 0, keep), 6);
    CU_ASSERT_EQUAL(keep[1], 0);
    CU_ASSERT_EQUAL(keep[5], 0);
    CU_ASSERT_EQUAL(keep[0], 1);
    /* 0.5 * 8 = 4: the zeros count among the smallest, then 0.2 (4), 0.3 (2) */
    CU_ASSERT_EQUAL(prune_magnitude(g, 0, 0.5), 4);
    CU_ASSERT_EQUAL(v[4], 0.0F);
    CU_ASSERT_EQUAL(v[2], 0.0F);
    CU_ASSERT_EQUAL(v[6], -0.4F);
    CU_ASSERT_DOUBLE_EQUAL(g->n[0].sparsity, 0.5, 1e-12);
    /* rounding: 0.3 * 8 = 2.4 -> 2; 0.32 * 8 = 2.56 -> 3 (nothing new to zero) */
    CU_ASSERT_EQUAL(prune_magnitude(g, 0, 0.3), 2);
    CU_ASSERT_EQUAL(prune_magnitude(g, 0, 0.32), 3);
    CU_ASSERT_DOUBLE_EQUAL(g->n[0].sparsity, 0.5, 1e-12);
    /* 0 keeps all, 1 zeroes all; bias untouched */
    CU_ASSERT_EQUAL(prune_magnitude(g, 0, 0.0), 0);
    CU_ASSERT_EQUAL(prune_magnitude(g, 0, 1.0), 8);
    CU_ASSERT_DOUBLE_EQUAL(g->n[0].sparsity, 1.0, 1e-12);
    CU_ASSERT_EQUAL(prune_mask(g, 0, keep), 0);
    /* refusals */
    CU_ASSERT_EQUAL(prune_magnitude(g, 0, 1.5), -1);
    CU_ASSERT_EQUAL(prune_magnitude(g, 0, -0.1), -1);
    CU_ASSERT_EQUAL(prune_magnitude(g, 1, 0.5), -1);
    ir_free(g);
}

static void test_magnitude_ties(void)
{
    /* |w| ties: 0.3 at 1, 3, 4 (signs differ); 0.1 at 2 and 5 */
    static const float w[6] = { 0.9F, 0.3F, -0.1F, -0.3F, 0.3F, 0.1F };
    ir_graph *g = dense_graph(2, 3, w);
    const float *v = g->t[g->n[0].params[0]].data;
    /* 0.5 * 6 = 3: 0.1 (2), 0.1 (5), then of the 0.3s the lowest index (1) */
    CU_ASSERT_EQUAL(prune_magnitude(g, 0, 0.5), 3);
    CU_ASSERT_EQUAL(v[0], 0.9F);
    CU_ASSERT_EQUAL(v[1], 0.0F);
    CU_ASSERT_EQUAL(v[2], 0.0F);
    CU_ASSERT_EQUAL(v[3], -0.3F);
    CU_ASSERT_EQUAL(v[4], 0.3F);
    CU_ASSERT_EQUAL(v[5], 0.0F);
    /* one more: 0.3 at 3 before 4 */
    CU_ASSERT_EQUAL(prune_magnitude(g, 0, 4.0 / 6.0), 4);
    CU_ASSERT_EQUAL(v[3], 0.0F);
    CU_ASSERT_EQUAL(v[4], 0.3F);
    CU_ASSERT_DOUBLE_EQUAL(g->n[0].sparsity, 4.0 / 6.0, 1e-12);
    ir_free(g);
}

UNIT_SUITE(suite_prune)
{
    CU_pSuite s = CU_add_suite("prune", NULL, NULL);
    CU_add_test(s, "magnitude: counts, rounding, which weights", test_magnitude_counts);
    CU_add_test(s, "magnitude: ties by lower index", test_magnitude_ties);
}

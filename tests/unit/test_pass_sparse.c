/*
 * pass_sparse: the sparse form of a pruned dense layer computes what the
 * dense layer with zeros computes. The reference is the same graph before
 * the pass (dense kernel, zeros in place), evaluated on random inputs;
 * the pass's encoding is also checked against the weights directly
 * (every kept weight at its column, in order, fillers of value 0).
 */
/* REQ: REQ-ARITH-004 */
#include <stdlib.h>
#include <string.h>
#include <CUnit/CUnit.h>
#include "unit.h"
#include "eval.h"
#include "ir.h"
#include "pass.h"
#include "qtest.h"

/* x [in] -> dense (out units, relu) -> y; weights with density `keep` */
static ir_graph *graph(int32_t in, int32_t out, double keep, uint32_t *seed, float **wcopy)
{
    ir_graph *g = ir_new();
    ir_shape si = { 1, { in } }, so = { 1, { out } }, sw = { 2, { out, in } };
    float *w = malloc((size_t)in * (size_t)out * sizeof *w), *b = malloc((size_t)out * sizeof *b);
    int32_t k;
    int ni, t;
    for (k = 0; k < in * out; k++) {
        int kept = (double)qt_range(seed, 0, 999999) < keep * 1e6;
        w[k] = kept ? (float)(qt_range(seed, -1000, 1000)) / 512.0F : 0.0F;
    }
    for (k = 0; k < out; k++) {
        b[k] = (float)qt_range(seed, -100, 100) / 64.0F;
    }
    g->name = ir_strdup("m");
    g->file = ir_strdup("m.xml");
    g->input = ir_add_tensor(g, "x", IR_T_INPUT, 1);
    g->t[g->input].shape = si;
    ni = ir_add_node(g, IR_OP_DENSE, "fc", "dense", 2);
    t = ir_add_tensor(g, "y", IR_T_ACT, 2);
    g->t[t].shape = so;
    g->n[ni].inputs = malloc(sizeof(int));
    g->n[ni].inputs[0] = g->input;
    g->n[ni].n_inputs = 1;
    g->n[ni].output = t;
    g->n[ni].units = out;
    g->n[ni].act.kind = STOIC_ACT_CLAMP;
    g->n[ni].act.lo = 0.0F;
    g->n[ni].params[0] = ir_add_const(g, "w", &sw, w, 2);
    g->n[ni].params[1] = ir_add_const(g, "b", &so, b, 2);
    ir_set_output(g, t);
    ir_link(g);
    *wcopy = w;
    free(b);
    return g;
}

static void run(const ir_graph *g, const float *x, int rows, int32_t in, int32_t out, float *y)
{
    eval_plan p;
    int r;
    CU_ASSERT_FATAL(eval_prepare(g, &p) == 0);
    for (r = 0; r < rows; r++) {
        eval_run(&p, x + (size_t)r * (size_t)in, y + (size_t)r * (size_t)out);
    }
    eval_free(&p);
}

static void test_sparse_equals_dense(void)
{
    static const int32_t ins[] = { 1, 7, 64, 255, 256, 300, 700 };
    static const double keeps[] = { 0.0, 0.003, 0.02, 0.1, 0.3, 0.45 };
    uint32_t seed = 0xC0FFEEu;
    int a, c, fillers = 0;
    diag d;
    memset(&d, 0, sizeof d);
    for (a = 0; a < (int)(sizeof ins / sizeof ins[0]); a++) {
        for (c = 0; c < (int)(sizeof keeps / sizeof keeps[0]); c++) {
            int32_t in = ins[a], out = (int32_t)qt_range(&seed, 1, 40), o, j;
            float *w, *x, *y0, *y1;
            ir_graph *g = graph(in, out, keeps[c], &seed, &w);
            const int32_t *rs;
            const uint8_t *dl;
            const float *val;
            int rows = 5;
            x = malloc((size_t)rows * (size_t)in * sizeof *x);
            y0 = malloc((size_t)rows * (size_t)out * sizeof *y0);
            y1 = malloc((size_t)rows * (size_t)out * sizeof *y1);
            for (j = 0; j < rows * in; j++) {
                x[j] = (float)qt_range(&seed, -2000, 2000) / 256.0F;
            }
            CU_ASSERT_FATAL(pass_order(g, &d) == 0 && pass_plan(g, &d) == 0);
            run(g, x, rows, in, out, y0);
            CU_ASSERT_FATAL(pass_sparse(g, &d) == 0);
            CU_ASSERT_FATAL(pass_order(g, &d) == 0 && pass_plan(g, &d) == 0);
            CU_ASSERT_FATAL(ir_verify(g, "test") == 0);
            {
                /* the form chosen: sparse exactly when smaller (README):
                 * entries (kept + one filler per 255 columns skipped) * 5
                 * + 4 (out + 1) < 4 out in, counted here from the weights */
                int64_t entries = 0, sparse_b, dense_b = 4 * (int64_t)out * in;
                int any_zero = 0;
                for (o = 0; o < out; o++) {
                    int32_t col = 0;
                    for (j = 0; j < in; j++) {
                        if (w[(size_t)o * (size_t)in + (size_t)j] != 0.0F) {
                            entries += 1 + (j - col) / 255;
                            col = j;
                        } else {
                            any_zero = 1;
                        }
                    }
                }
                sparse_b = entries * 5 + 4 * ((int64_t)out + 1);
                CU_ASSERT_EQUAL(g->n[0].sparse, any_zero && sparse_b < dense_b);
            }
            if (g->n[0].sparse) {
                /* the encoding, decoded here on its own */
                rs = g->t[g->n[0].params[4]].qdata;
                dl = g->t[g->n[0].params[5]].qdata;
                val = g->t[g->n[0].params[0]].data;
                for (o = 0; o < out; o++) {
                    int32_t col = 0, k;
                    float *row = calloc((size_t)in, sizeof *row);
                    for (k = rs[o]; k < rs[o + 1]; k++) {
                        col += dl[k];
                        CU_ASSERT_FATAL(col < in);
                        if (val[k] == 0.0F) {
                            fillers++;
                            CU_ASSERT_EQUAL(dl[k], 255);
                        }
                        row[col] += val[k];
                    }
                    CU_ASSERT(memcmp(row, w + (size_t)o * (size_t)in,
                                     (size_t)in * sizeof *row) == 0);
                    free(row);
                }
            }
            run(g, x, rows, in, out, y1);
            CU_ASSERT(memcmp(y0, y1, (size_t)rows * (size_t)out * sizeof *y0) == 0);
            free(x);
            free(y0);
            free(y1);
            free(w);
            ir_free(g);
        }
    }
    CU_ASSERT(fillers > 0); /* gaps over 255 columns occurred */
}

/* x [h][w][c] -> conv2d (f filters, k x k, stride 2, padding) -> y, weights
 * with density `keep` */
static ir_graph *conv_graph(int32_t h, int32_t c, int32_t f, int32_t k, double keep,
                            uint32_t *seed)
{
    ir_graph *g = ir_new();
    int32_t oh = (h + 2 - k) / 2 + 1, j, cnt = f * k * k * c;
    ir_shape si = { 3, { h, h, c } }, so = { 3, { oh, oh, f } }, sw = { 4, { f, k, k, c } };
    ir_shape sb = { 1, { f } };
    float *w = malloc((size_t)cnt * sizeof *w), *b = malloc((size_t)f * sizeof *b);
    int ni, t;
    for (j = 0; j < cnt; j++) {
        int kept = (double)qt_range(seed, 0, 999999) < keep * 1e6;
        w[j] = kept ? (float)(qt_range(seed, -1000, 1000)) / 512.0F : 0.0F;
    }
    for (j = 0; j < f; j++) {
        b[j] = (float)qt_range(seed, -100, 100) / 64.0F;
    }
    g->name = ir_strdup("m");
    g->file = ir_strdup("m.xml");
    g->input = ir_add_tensor(g, "x", IR_T_INPUT, 1);
    g->t[g->input].shape = si;
    ni = ir_add_node(g, IR_OP_CONV2D, "cv", "conv2d", 2);
    t = ir_add_tensor(g, "y", IR_T_ACT, 2);
    g->t[t].shape = so;
    g->n[ni].inputs = malloc(sizeof(int));
    g->n[ni].inputs[0] = g->input;
    g->n[ni].n_inputs = 1;
    g->n[ni].output = t;
    g->n[ni].filters = f;
    g->n[ni].kernel[0] = g->n[ni].kernel[1] = k;
    g->n[ni].strides[0] = g->n[ni].strides[1] = 2;
    g->n[ni].pads[0] = g->n[ni].pads[1] = g->n[ni].pads[2] = g->n[ni].pads[3] = 1;
    g->n[ni].params[0] = ir_add_const(g, "w", &sw, w, 2);
    g->n[ni].params[1] = ir_add_const(g, "b", &sb, b, 2);
    ir_set_output(g, t);
    ir_link(g);
    free(w);
    free(b);
    return g;
}

static void test_sparse_conv_equals_dense(void)
{
    static const double keeps[] = { 0.01, 0.1, 0.2 };
    uint32_t seed = 0xBADC0DEu;
    int a, c, sparse = 0;
    diag d;
    memset(&d, 0, sizeof d);
    for (a = 0; a < 4; a++) {
        for (c = 0; c < 3; c++) {
            int32_t h = 5 + a * 3, ch = 1 + a * 13, f = 3 + a, k = 3, in_n, out_n, j;
            ir_graph *g = conv_graph(h, ch, f, k, keeps[c], &seed);
            float *x, *y0, *y1;
            int rows = 3;
            in_n = (int32_t)ir_shape_count(&g->t[g->input].shape);
            out_n = (int32_t)ir_shape_count(&g->t[g->output].shape);
            x = malloc((size_t)rows * (size_t)in_n * sizeof *x);
            y0 = malloc((size_t)rows * (size_t)out_n * sizeof *y0);
            y1 = malloc((size_t)rows * (size_t)out_n * sizeof *y1);
            for (j = 0; j < rows * in_n; j++) {
                x[j] = (float)qt_range(&seed, -2000, 2000) / 256.0F;
            }
            CU_ASSERT_FATAL(pass_order(g, &d) == 0 && pass_plan(g, &d) == 0);
            run(g, x, rows, in_n, out_n, y0);
            CU_ASSERT_FATAL(pass_sparse(g, &d) == 0);
            CU_ASSERT_FATAL(pass_order(g, &d) == 0 && pass_plan(g, &d) == 0);
            sparse += g->n[0].sparse;
            run(g, x, rows, in_n, out_n, y1);
            CU_ASSERT(memcmp(y0, y1, (size_t)rows * (size_t)out_n * sizeof *y0) == 0);
            free(x);
            free(y0);
            free(y1);
            ir_free(g);
        }
    }
    CU_ASSERT(sparse >= 8); /* the sparse form was exercised */
}

UNIT_SUITE(pass_sparse_tests)
{
    CU_pSuite s = CU_add_suite("pass_sparse", NULL, NULL);
    CU_add_test(s, "sparse form == dense layer with zeros; encoding decodes to the weights",
                test_sparse_equals_dense);
    CU_add_test(s, "sparse convolution == dense convolution with zeros",
                test_sparse_conv_equals_dense);
}

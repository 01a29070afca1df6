/*
 * evcache: evaluations resumed after unchanged leading layers, on the
 * digits CNN (conv, batch norm folded, pools, a flatten that aliases its
 * input, dense layers) and random rows:
 *  - a run through the store gives eval_run's outputs bit for bit, the
 *    first run from node 0, the same plan again from its last node only;
 *  - a copy of the model with one weight of layer `conv2` changed keys
 *    the tensors before conv2 as the original and every tensor from conv2
 *    on differently; its run starts at conv2 and equals its own full run;
 *  - the rows split between threads (STOIC_THREADS=3) give the same
 *    outputs, and an observer sees every tensor of every row in the order
 *    eval_run_obs shows them, with the same values;
 *  - a run to a middle node (a refit's collect) stops there and keeps what
 *    it computed; a store of 0 bytes keeps nothing and still computes right.
 */
/* REQ: REQ-CMP-005 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <CUnit/CUnit.h>
#include "unit.h"
#include "eval.h"
#include "evcache.h"
#include "ir.h"
#include "pipeline.h"

#define ROWS 9

static ir_graph *load(void)
{
    diag d;
    memset(&d, 0, sizeof d);
    d.quiet = 1;
    return pipeline_build("examples/digits/digits.xml", &d);
}

static float *rows_of(const ir_graph *g, int64_t *in_n)
{
    uint32_t s = 12345U;
    int64_t i, n;
    float *x;
    *in_n = ir_shape_count(&g->t[g->input].shape);
    n = *in_n * ROWS;
    x = malloc((size_t)n * sizeof *x);
    for (i = 0; x != NULL && i < n; i++) {
        s = s * 1664525U + 1013904223U;
        x[i] = (float)(s >> 8) / 16777216.0F * 16.0F;
    }
    return x;
}

/* outputs of every row, each run whole */
static float *full(const eval_plan *p, const float *x, int64_t in_n)
{
    int64_t on = ir_outputs_count(p->g), r;
    float *o = malloc((size_t)(on * ROWS) * sizeof *o);
    for (r = 0; o != NULL && r < ROWS; r++) {
        eval_run(p, x + r * in_n, o + r * on);
    }
    return o;
}

static int same(const float *a, const float *b, int64_t n)
{
    return memcmp(a, b, (size_t)n * sizeof *a) == 0;
}

static void test_resume(void)
{
    ir_graph *g = load(), *h = load();
    eval_plan p, q;
    evc_plan k, kh;
    evc_store *s;
    int64_t in_n, on, t;
    float *x, *ref, *refh, *out;
    int c2, f;
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    CU_ASSERT_PTR_NOT_NULL_FATAL(h);
    x = rows_of(g, &in_n);
    on = ir_outputs_count(g);
    c2 = ir_find_node(h, "conv2");
    CU_ASSERT_FATAL(c2 > 0 && c2 < h->nn - 1);
    h->t[h->n[c2].params[0]].data[3] += 0.25F;
    CU_ASSERT_EQUAL_FATAL(eval_prepare(g, &p), 0);
    CU_ASSERT_EQUAL_FATAL(eval_prepare(h, &q), 0);
    CU_ASSERT_EQUAL_FATAL(evc_plan_init(&k, &p), 0);
    CU_ASSERT_EQUAL_FATAL(evc_plan_init(&kh, &q), 0);
    CU_ASSERT(k.ok);
    CU_ASSERT(kh.ok);
    /* the keys: equal before conv2, different from it on */
    for (t = 0; t < g->nt; t++) {
        int pr = k.prod[t];
        if (pr < 0 && t != g->input) {
            continue;
        }
        CU_ASSERT_EQUAL(pr < c2, k.key[t].a == kh.key[t].a && k.key[t].b == kh.key[t].b);
    }
    ref = full(&p, x, in_n);
    refh = full(&q, x, in_n);
    out = malloc((size_t)(on * ROWS) * sizeof *out);
    s = evc_new(x, ROWS, in_n, (int64_t)64 * 1024 * 1024);
    CU_ASSERT_FATAL(ref != NULL && refh != NULL && out != NULL && s != NULL);
    CU_ASSERT_EQUAL(setenv("STOIC_THREADS", "1", 1), 0);
    /* first run: whole */
    memset(out, 0, (size_t)(on * ROWS) * sizeof *out);
    CU_ASSERT_EQUAL(evc_run(s, &k, g->nn, g->nn - 1, out, NULL, NULL, NULL, NULL), 0);
    CU_ASSERT(same(out, ref, on * ROWS));
    /* the same plan again: only the node that gives the output */
    memset(out, 0, (size_t)(on * ROWS) * sizeof *out);
    CU_ASSERT_EQUAL(evc_run(s, &k, g->nn, g->nn - 1, out, NULL, NULL, NULL, NULL), g->nn - 1);
    CU_ASSERT(same(out, ref, on * ROWS));
    /* conv2 changed: from conv2 on */
    memset(out, 0, (size_t)(on * ROWS) * sizeof *out);
    f = evc_run(s, &kh, h->nn, h->nn - 1, out, NULL, NULL, NULL, NULL);
    CU_ASSERT_EQUAL(f, c2);
    CU_ASSERT(same(out, refh, on * ROWS));
    CU_ASSERT(!same(refh, ref, on * ROWS));
    /* rows split between threads */
    CU_ASSERT_EQUAL(setenv("STOIC_THREADS", "3", 1), 0);
    memset(out, 0, (size_t)(on * ROWS) * sizeof *out);
    CU_ASSERT_EQUAL(evc_run(s, &kh, c2, h->nn - 1, out, NULL, NULL, NULL, NULL), c2);
    CU_ASSERT(same(out, refh, on * ROWS));
    CU_ASSERT_EQUAL(unsetenv("STOIC_THREADS"), 0);
    evc_free(s);
    free(x);
    free(ref);
    free(refh);
    free(out);
    evc_plan_free(&k);
    evc_plan_free(&kh);
    eval_free(&p);
    eval_free(&q);
    ir_free(g);
    ir_free(h);
}

/* An observer's record: the tensors it saw, in order, and a checksum of
 * their values. */
typedef struct {
    int t[4096];
    uint64_t sum[4096];
    int n;
} seen;

static void see(void *ctx, int t, const void *data, int64_t n)
{
    seen *c = ctx;
    const unsigned char *b = data;
    uint64_t h = 1469598103934665603ULL;
    int64_t i;
    for (i = 0; i < n * (int64_t)sizeof(float); i++) {
        h = (h ^ b[i]) * 1099511628211ULL;
    }
    if (c->n < 4096) {
        c->t[c->n] = t;
        c->sum[c->n] = h;
        c->n++;
    }
}

static void test_observer_and_part(void)
{
    ir_graph *g = load();
    eval_plan p;
    evc_plan k;
    evc_store *s, *none;
    int64_t in_n, on, r, rb = 0;
    float *x, *out, *ref;
    seen *a = calloc(1, sizeof *a), *b = calloc(1, sizeof *b);
    const float *held;
    int c2, pool;
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    CU_ASSERT_FATAL(a != NULL && b != NULL);
    x = rows_of(g, &in_n);
    on = ir_outputs_count(g);
    out = malloc((size_t)(on * ROWS) * sizeof *out);
    CU_ASSERT_EQUAL_FATAL(eval_prepare(g, &p), 0);
    CU_ASSERT_EQUAL_FATAL(evc_plan_init(&k, &p), 0);
    ref = full(&p, x, in_n);
    for (r = 0; r < ROWS; r++) {
        eval_run_obs(&p, x + r * in_n, out, see, a);
    }
    /* threads: the observer still sees row after row, in graph order */
    s = evc_new(x, ROWS, in_n, (int64_t)64 * 1024 * 1024);
    CU_ASSERT_EQUAL(setenv("STOIC_THREADS", "2", 1), 0);
    CU_ASSERT_EQUAL(evc_run(s, &k, g->nn, g->nn - 1, out, NULL, NULL, see, b), 0);
    CU_ASSERT_EQUAL(unsetenv("STOIC_THREADS"), 0);
    CU_ASSERT_EQUAL(a->n, b->n);
    CU_ASSERT(memcmp(a->t, b->t, (size_t)a->n * sizeof a->t[0]) == 0);
    CU_ASSERT(memcmp(a->sum, b->sum, (size_t)a->n * sizeof a->sum[0]) == 0);
    CU_ASSERT(same(out, ref, on * ROWS));
    /* a run to the input of conv2 in a fresh store: stops there, keeps it */
    evc_free(s);
    s = evc_new(x, ROWS, in_n, (int64_t)64 * 1024 * 1024);
    c2 = ir_find_node(g, "conv2");
    pool = g->n[c2].inputs[0];
    CU_ASSERT_EQUAL(evc_run(s, &k, g->nn, k.prod[pool], NULL, NULL, NULL, NULL, NULL), 0);
    held = evc_get(s, &k.key[pool], &rb);
    CU_ASSERT_PTR_NOT_NULL(held);
    CU_ASSERT_EQUAL(rb, ir_shape_count(&g->t[pool].shape) * (int64_t)sizeof(float));
    CU_ASSERT_PTR_NULL(evc_get(s, &k.key[g->n[c2].output], &rb));
    /* ... and the run after it starts at conv2 */
    CU_ASSERT_EQUAL(evc_run(s, &k, g->nn, g->nn - 1, out, NULL, NULL, NULL, NULL), c2);
    CU_ASSERT(same(out, ref, on * ROWS));
    /* nothing kept: every run whole, still right */
    none = evc_new(x, ROWS, in_n, 0);
    CU_ASSERT_EQUAL(evc_run(none, &k, g->nn, g->nn - 1, out, NULL, NULL, NULL, NULL), 0);
    CU_ASSERT_EQUAL(evc_run(none, &k, g->nn, g->nn - 1, out, NULL, NULL, NULL, NULL), 0);
    CU_ASSERT(same(out, ref, on * ROWS));
    evc_free(none);
    evc_free(s);
    free(a);
    free(b);
    free(x);
    free(out);
    free(ref);
    evc_plan_free(&k);
    eval_free(&p);
    ir_free(g);
}

UNIT_SUITE(suite_evcache)
{
    CU_pSuite s = CU_add_suite("evcache", NULL, NULL);
    CU_add_test(s, "resumed runs == whole runs, bit for bit", test_resume);
    CU_add_test(s, "observer order with threads, partial runs", test_observer_and_part);
}

/*
 * pass_prune: magnitude pruning on hand-made weights (counts, which
 * weights go, ties); channel pruning on small models loaded through the
 * pipeline, checked against the original model in which the removed
 * channels' weights and biases were zeroed by hand; refusals.
 */
/* REQ: REQ-CMP-001 REQ-CMP-004 */
#include <math.h>
#include <stdarg.h>
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
    ir_set_output(g, out);
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

/* ------------------------------------------------------ channel pruning */

static char tmpdir[256];
static uint32_t rng = 2463534242u;

static uint32_t next_u32(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

static float uniform(float lo, float hi)
{
    return lo + (hi - lo) * (float)(next_u32() % 1000000u) / 1000000.0F;
}

static int setup(void)
{
    const char *t = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/stoic_prune_XXXXXX", t != NULL && *t ? t : "/tmp");
    return mkdtemp(tmpdir) != NULL ? 0 : -1;
}

static int teardown(void)
{
    char p[512];
    snprintf(p, sizeof p, "%s/model.xml", tmpdir);
    remove(p);
    return rmdir(tmpdir);
}

/* A model description assembled in a buffer. */
static char xml[1 << 17];
static size_t xml_len;

static void xadd(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void xadd(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    xml_len += (size_t)vsnprintf(xml + xml_len, sizeof xml - xml_len, fmt, ap);
    va_end(ap);
}

/* <elem name=... shape=... encoding="base64">random values in [lo, hi]</elem> */
static void xdata(const char *elem, const char *name, const char *shape, float lo, float hi)
{
    long n = 1, v;
    const char *p = shape;
    float *f;
    char *b64, *end;
    long i;
    while (*p != '\0') {
        v = strtol(p, &end, 10);
        if (end == p) {
            break;
        }
        n *= v;
        p = end;
    }
    f = malloc((size_t)n * sizeof *f);
    for (i = 0; i < n; i++) {
        f[i] = uniform(lo, hi);
    }
    b64 = base64_encode((const uint8_t *)f, (size_t)n * sizeof *f);
    xadd("<%s name=\"%s\" shape=\"%s\" encoding=\"base64\">%s</%s>\n", elem, name, shape, b64,
         elem);
    free(b64);
    free(f);
}

static void xparam(const char *name, const char *shape)
{
    xdata("param", name, shape, -1.0F, 1.0F);
}

/* The header, up to the input; constants may follow, then <layers>. */
static void xhead(const char *input_shape)
{
    xml_len = 0;
    xadd("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
         "<model xmlns=\"urn:stoic:model:1\" name=\"m\" version=\"1\">\n"
         "<input name=\"x\" shape=\"%s\" dtype=\"float32\"/>\n",
         input_shape);
}

static void xbegin(const char *input_shape)
{
    xhead(input_shape);
    xadd("<layers>\n");
}

/* A conv2d/dense with random weight and bias. */
static void xconv(const char *name, const char *in, const char *out, int filters,
                  int kh, int kw, int cin, int groups, const char *extra)
{
    char sh[64];
    xadd("<conv2d name=\"%s\" inputs=\"%s\" output=\"%s\" filters=\"%d\" kernel=\"%d %d\" "
         "groups=\"%d\" %s>\n",
         name, in, out, filters, kh, kw, groups, extra);
    snprintf(sh, sizeof sh, "%d %d %d %d", filters, kh, kw, cin / groups);
    xparam("weight", sh);
    snprintf(sh, sizeof sh, "%d", filters);
    xparam("bias", sh);
    xadd("</conv2d>\n");
}

static void xdense(const char *name, const char *in, const char *out, int units, int k,
                   const char *extra)
{
    char sh[64];
    xadd("<dense name=\"%s\" inputs=\"%s\" output=\"%s\" units=\"%d\" %s>\n", name, in, out,
         units, extra);
    snprintf(sh, sizeof sh, "%d %d", units, k);
    xparam("weight", sh);
    snprintf(sh, sizeof sh, "%d", units);
    xparam("bias", sh);
    xadd("</dense>\n");
}

/* Writes the model (closing it with output y) and loads it twice. */
static int xload(ir_graph **g, ir_graph **ref)
{
    char path[512];
    FILE *f;
    diag d;
    memset(&d, 0, sizeof d);
    static const char tail[] = "</layers>\n<output name=\"y\"/>\n</model>\n";
    snprintf(path, sizeof path, "%s/model.xml", tmpdir);
    f = fopen(path, "w");
    if (f == NULL) {
        return -1;
    }
    fwrite(xml, 1, xml_len, f);
    fwrite(tail, 1, sizeof tail - 1, f);
    fclose(f);
    *g = pipeline_build(path, &d);
    if (ref != NULL) {
        *ref = pipeline_build(path, &d);
        if (*ref == NULL) {
            return -1;
        }
    }
    return *g != NULL ? 0 : -1;
}


static const ir_tensor *param_of(const ir_graph *g, const char *layer, int k)
{
    int ni = ir_find_node(g, layer);
    return ni >= 0 && g->n[ni].params[k] >= 0 ? &g->t[g->n[ni].params[k]] : NULL;
}

/* The test's own choice of channels: rows of the named layers' weights,
 * norms summed per channel, the k smallest (ties: lower index). */
static void choose(const ir_graph *g, const char *const *layers, int n_layers, int norm,
                   double fraction, unsigned char *removed, int32_t *n_removed)
{
    double score[64];
    int32_t c = param_of(g, layers[0], 0)->shape.d[0], j, k, r;
    int l;
    memset(score, 0, sizeof score);
    for (l = 0; l < n_layers; l++) {
        const ir_tensor *w = param_of(g, layers[l], 0);
        int64_t per = ir_shape_count(&w->shape) / c, q;
        for (j = 0; j < c; j++) {
            double s = 0.0;
            for (q = 0; q < per; q++) {
                double v = (double)w->data[j * per + q];
                s += norm == 1 ? fabs(v) : v * v;
            }
            score[j] += norm == 1 ? s : sqrt(s);
        }
    }
    k = (int32_t)floor(fraction * c + 0.5);
    if (k > c - 1) {
        k = c - 1;
    }
    memset(removed, 0, (size_t)c);
    for (r = 0; r < k; r++) {
        int32_t best = -1;
        for (j = 0; j < c; j++) {
            if (!removed[j] && (best < 0 || score[j] < score[best])) {
                best = j;
            }
        }
        removed[best] = 1;
    }
    *n_removed = k;
}

/* In the reference: the removed channels' weight rows and the first
 * n_vec per-channel parameters (bias; affine scale and shift) set to 0. */
static void zero_channels(ir_graph *g, const char *layer, const unsigned char *removed,
                          int n_vec)
{
    int ni = ir_find_node(g, layer), k;
    const ir_node *n = &g->n[ni];
    int32_t c = g->t[n->params[0]].shape.d[0], j;
    if (n->op == IR_OP_AFFINE) {
        for (k = 0; k < 2; k++) {
            for (j = 0; j < c; j++) {
                if (removed[j]) {
                    g->t[n->params[k]].data[j] = 0.0F;
                }
            }
        }
        return;
    }
    for (j = 0; j < c; j++) {
        const ir_tensor *w = &g->t[n->params[0]];
        int64_t per = ir_shape_count(&w->shape) / c, q;
        if (!removed[j]) {
            continue;
        }
        for (q = 0; q < per; q++) {
            w->data[j * per + q] = 0.0F;
        }
        for (k = 1; k <= n_vec; k++) {
            g->t[n->params[k]].data[j] = 0.0F;
        }
    }
}

/* Shapes consistent (pass_shape infers the same), order, plan, verify. */
static void check_graph(ir_graph *g)
{
    diag d;
    ir_shape *before = malloc((size_t)g->nt * sizeof *before);
    int t;
    memset(&d, 0, sizeof d);
    for (t = 0; t < g->nt; t++) {
        before[t] = g->t[t].shape;
    }
    CU_ASSERT_EQUAL(pass_shape(g, &d), 0);
    for (t = 0; t < g->nt; t++) {
        if (!ir_shape_eq(&before[t], &g->t[t].shape)) {
            char a[64], b[64];
            ir_shape_str(&before[t], a, sizeof a);
            ir_shape_str(&g->t[t].shape, b, sizeof b);
            fprintf(stderr, "tensor %s: pruned %s, inferred %s\n", g->t[t].name, a, b);
            CU_FAIL("shape after pruning differs from the inferred one");
        }
    }
    free(before);
    CU_ASSERT_EQUAL(pass_order(g, &d), 0);
    CU_ASSERT_EQUAL(pass_plan(g, &d), 0);
    CU_ASSERT_EQUAL(ir_verify(g, "prune test"), 0);
    CU_ASSERT_EQUAL(d.errors + d.io_errors, 0);
}

/* Both graphs' outputs on random inputs agree within 1e-5. */
static void check_same(const ir_graph *g, const ir_graph *ref)
{
    eval_plan p, pr;
    int64_t n_in = ir_shape_count(&g->t[g->input].shape);
    int64_t n_out = ir_shape_count(&g->t[g->output].shape), i;
    float *in = malloc((size_t)n_in * sizeof *in), *out = malloc((size_t)n_out * sizeof *out);
    float *want = malloc((size_t)n_out * sizeof *want);
    int iter;
    double worst = 0.0;
    CU_ASSERT_TRUE_FATAL(ir_shape_eq(&g->t[g->output].shape, &ref->t[ref->output].shape));
    CU_ASSERT_EQUAL_FATAL(eval_prepare(g, &p), 0);
    CU_ASSERT_EQUAL_FATAL(eval_prepare(ref, &pr), 0);
    for (iter = 0; iter < 5; iter++) {
        for (i = 0; i < n_in; i++) {
            in[i] = uniform(-2.0F, 2.0F);
        }
        eval_run(&p, in, out);
        eval_run(&pr, in, want);
        for (i = 0; i < n_out; i++) {
            double e = fabs((double)out[i] - (double)want[i]);
            worst = e > worst ? e : worst;
        }
    }
    if (worst > 1e-5) {
        fprintf(stderr, "pruned vs zeroed reference: max difference %g\n", worst);
    }
    CU_ASSERT(worst <= 1e-5);
    eval_free(&p);
    eval_free(&pr);
    free(in);
    free(out);
    free(want);
}

static int32_t out_channels(const ir_graph *g, const char *layer)
{
    const ir_node *n = &g->n[ir_find_node(g, layer)];
    return n->op == IR_OP_DENSE ? n->units : n->filters;
}

/* Prunes `seed` of g; zeroes the same channels of `zeroed` in ref, chosen
 * by the test from the norms of `sources`. */
static void prune_and_compare(ir_graph *g, ir_graph *ref, const char *seed, double fraction,
                              int norm, const char *const *sources, int n_sources,
                              const char *const *zeroed, int n_zeroed)
{
    unsigned char removed[64];
    int32_t k, c = out_channels(g, seed);
    diag d;
    int z;
    memset(&d, 0, sizeof d);
    choose(ref, sources, n_sources, norm, fraction, removed, &k);
    CU_ASSERT_TRUE(k > 0);
    for (z = 0; z < n_zeroed; z++) {
        zero_channels(ref, zeroed[z], removed, 1);
    }
    CU_ASSERT_EQUAL_FATAL(prune_channels(g, ir_find_node(g, seed), fraction, norm, &d), 0);
    CU_ASSERT_EQUAL(d.errors + d.io_errors, 0);
    CU_ASSERT_EQUAL(out_channels(g, seed), c - k);
    CU_ASSERT_EQUAL(g->n[ir_find_node(g, seed)].pruned_channels, k);
    check_graph(g);
}

static void test_channels_chain(void)
{
    /* conv -> max_pool -> relu -> conv */
    static const char *const c1[] = { "c1" };
    ir_graph *g, *ref;
    xbegin("8 8 3");
    xconv("c1", "x", "h1", 6, 3, 3, 3, 1, "padding=\"same\"");
    xadd("<max_pool2d name=\"mp\" inputs=\"h1\" output=\"h2\" kernel=\"2 2\" strides=\"2 2\"/>\n");
    xadd("<relu name=\"r\" inputs=\"h2\" output=\"h3\"/>\n");
    xadd("<avg_pool2d name=\"ap\" inputs=\"h3\" output=\"h4\" kernel=\"2 2\" strides=\"1 1\" "
         "padding=\"same\"/>\n");
    xconv("c2", "h4", "y", 4, 3, 3, 6, 1, "padding=\"same\"");
    CU_ASSERT_EQUAL_FATAL(xload(&g, &ref), 0);
    prune_and_compare(g, ref, "c1", 0.5, 1, c1, 1, c1, 1);
    CU_ASSERT_EQUAL(param_of(g, "c2", 0)->shape.d[3], 3);
    check_same(g, ref);
    ir_free(g);
    ir_free(ref);
}

static void test_channels_flatten_dense(void)
{
    static const char *const c1[] = { "c1" };
    ir_graph *g, *ref;
    xbegin("4 3 2");
    xconv("c1", "x", "h1", 5, 3, 3, 2, 1, "padding=\"same\" activation=\"relu\"");
    xadd("<flatten name=\"f\" inputs=\"h1\" output=\"h2\"/>\n");
    xdense("d", "h2", "y", 3, 4 * 3 * 5, "");
    CU_ASSERT_EQUAL_FATAL(xload(&g, &ref), 0);
    prune_and_compare(g, ref, "c1", 0.4, 2, c1, 1, c1, 1);
    CU_ASSERT_EQUAL(param_of(g, "d", 0)->shape.d[1], 4 * 3 * 3);
    check_same(g, ref);
    ir_free(g);
    ir_free(ref);
}

static void test_channels_dense_dense(void)
{
    static const char *const d1[] = { "d1" };
    ir_graph *g, *ref;
    xbegin("6");
    xdense("d1", "x", "h1", 8, 6, "activation=\"relu\"");
    xdense("d2", "h1", "y", 3, 8, "");
    CU_ASSERT_EQUAL_FATAL(xload(&g, &ref), 0);
    prune_and_compare(g, ref, "d1", 0.25, 1, d1, 1, d1, 1);
    CU_ASSERT_EQUAL(param_of(g, "d2", 0)->shape.d[1], 6);
    CU_ASSERT_EQUAL(param_of(g, "d1", 1)->shape.d[0], 6);
    check_same(g, ref);
    ir_free(g);
    ir_free(ref);
}

static void test_channels_residual(void)
{
    /* c0 -> h0 -> c1 -> c2 -> add(h2, h0) -> c3: pruning c2 prunes c0 too */
    static const char *const src[] = { "c2", "c0" };
    ir_graph *g, *ref;
    xbegin("6 6 3");
    xconv("c0", "x", "h0", 4, 1, 1, 3, 1, "activation=\"relu\"");
    xconv("c1", "h0", "h1", 4, 3, 3, 4, 1, "padding=\"same\" activation=\"relu\"");
    xconv("c2", "h1", "h2", 4, 3, 3, 4, 1, "padding=\"same\"");
    xadd("<add name=\"res\" inputs=\"h2 h0\" output=\"h3\" activation=\"relu\"/>\n");
    xconv("c3", "h3", "y", 2, 1, 1, 4, 1, "");
    CU_ASSERT_EQUAL_FATAL(xload(&g, &ref), 0);
    prune_and_compare(g, ref, "c2", 0.5, 1, src, 2, src, 2);
    CU_ASSERT_EQUAL(out_channels(g, "c0"), 2);
    CU_ASSERT_EQUAL(g->n[ir_find_node(g, "c0")].pruned_channels, 2);
    CU_ASSERT_EQUAL(param_of(g, "c1", 0)->shape.d[3], 2);
    CU_ASSERT_EQUAL(out_channels(g, "c1"), 4);
    CU_ASSERT_EQUAL(param_of(g, "c3", 0)->shape.d[3], 2);
    check_same(g, ref);
    ir_free(g);
    ir_free(ref);
}

static void test_channels_concat(void)
{
    /* concat(ca, cb) -> cc: prune ca (offset 0), then cb (offset after ca) */
    static const char *const ca[] = { "ca" }, *const cb[] = { "cb" };
    ir_graph *g, *ref;
    xbegin("5 5 2");
    xconv("ca", "x", "a", 4, 3, 3, 2, 1, "padding=\"same\" activation=\"relu\"");
    xconv("cb", "x", "b", 3, 1, 1, 2, 1, "");
    xadd("<concat name=\"cat\" inputs=\"a b\" output=\"c\"/>\n");
    xconv("cc", "c", "y", 2, 3, 3, 7, 1, "padding=\"same\"");
    CU_ASSERT_EQUAL_FATAL(xload(&g, &ref), 0);
    prune_and_compare(g, ref, "ca", 0.5, 2, ca, 1, ca, 1);
    CU_ASSERT_EQUAL(param_of(g, "cc", 0)->shape.d[3], 5);
    check_same(g, ref);
    prune_and_compare(g, ref, "cb", 0.34, 1, cb, 1, cb, 1);
    CU_ASSERT_EQUAL(param_of(g, "cc", 0)->shape.d[3], 4);
    check_same(g, ref);
    ir_free(g);
    ir_free(ref);
}

static void test_channels_depthwise(void)
{
    /* c1 -> depthwise dw -> c2: dw's filters follow c1's channels */
    static const char *const c1[] = { "c1" }, *const both[] = { "c1", "dw" };
    static const char *const dw_first[] = { "dw", "c1" };
    ir_graph *g, *ref;
    xbegin("6 6 3");
    xconv("c1", "x", "h1", 4, 1, 1, 3, 1, "activation=\"relu\"");
    xconv("dw", "h1", "h2", 4, 3, 3, 4, 4, "padding=\"same\" activation=\"relu\"");
    xconv("c2", "h2", "y", 2, 1, 1, 4, 1, "");
    CU_ASSERT_EQUAL_FATAL(xload(&g, &ref), 0);
    prune_and_compare(g, ref, "c1", 0.5, 1, c1, 1, both, 2);
    CU_ASSERT_EQUAL(out_channels(g, "dw"), 2);
    CU_ASSERT_EQUAL(g->n[ir_find_node(g, "dw")].groups, 2);
    CU_ASSERT_EQUAL(param_of(g, "c2", 0)->shape.d[3], 2);
    check_same(g, ref);
    ir_free(g);
    ir_free(ref);
    /* pruning the depthwise conv itself: its input channels go, so c1's
     * output channels too; chosen by the norms of both */
    rng = 99u;
    CU_ASSERT_EQUAL_FATAL(xload(&g, &ref), 0);
    prune_and_compare(g, ref, "dw", 0.25, 2, dw_first, 2, dw_first, 2);
    CU_ASSERT_EQUAL(out_channels(g, "c1"), 3);
    CU_ASSERT_EQUAL(out_channels(g, "dw"), 3);
    check_same(g, ref);
    ir_free(g);
    ir_free(ref);
}

static void test_channels_affine(void)
{
    /* conv (relu, so batch_norm stays an affine) -> batch_norm -> conv */
    static const char *const c1[] = { "c1" }, *const zeroed[] = { "c1", "bn" };
    ir_graph *g, *ref;
    xbegin("5 5 2");
    xconv("c1", "x", "h1", 4, 3, 3, 2, 1, "padding=\"same\" activation=\"relu\"");
    xadd("<batch_norm name=\"bn\" inputs=\"h1\" output=\"h2\">\n");
    xparam("scale", "4");
    xparam("bias", "4");
    xparam("mean", "4");
    xdata("param", "var", "4", 0.5F, 2.0F);
    xadd("</batch_norm>\n");
    xconv("c2", "h2", "y", 3, 3, 3, 4, 1, "padding=\"same\"");
    CU_ASSERT_EQUAL_FATAL(xload(&g, &ref), 0);
    CU_ASSERT_EQUAL_FATAL(g->n[ir_find_node(g, "bn")].op, IR_OP_AFFINE);
    prune_and_compare(g, ref, "c1", 0.5, 1, c1, 1, zeroed, 2);
    CU_ASSERT_EQUAL(param_of(g, "bn", 0)->shape.d[0], 2);
    CU_ASSERT_EQUAL(param_of(g, "bn", 1)->shape.d[0], 2);
    check_same(g, ref);
    ir_free(g);
    ir_free(ref);
}

static void test_channels_const_operand_gap(void)
{
    /* conv -> add [C] constant -> mul [H W C] constant -> global_avg_pool
     * -> reshape [C] -> dense: the constants lose the channels' entries,
     * the reshape's shape follows */
    static const char *const c1[] = { "c1" };
    ir_graph *g, *ref;
    unsigned char removed[64];
    int32_t k;
    const char *names[2] = { "offs", "gain" };
    int q;
    xhead("4 4 2");
    xdata("constant", "offs", "5", -1.0F, 1.0F);
    xdata("constant", "gain", "4 4 5", -1.0F, 1.0F);
    xadd("<layers>\n");
    xconv("c1", "x", "h1", 5, 3, 3, 2, 1, "padding=\"same\"");
    xadd("<add name=\"a\" inputs=\"h1 offs\" output=\"h2\" activation=\"relu\"/>\n");
    xadd("<mul name=\"m\" inputs=\"h2 gain\" output=\"h3\"/>\n");
    xadd("<global_avg_pool name=\"gap\" inputs=\"h3\" output=\"h4\"/>\n");
    xadd("<reshape name=\"rs\" inputs=\"h4\" output=\"h5\" shape=\"5\"/>\n");
    xdense("d", "h5", "y", 3, 5, "");
    CU_ASSERT_EQUAL_FATAL(xload(&g, &ref), 0);
    choose(ref, c1, 1, 1, 0.4, removed, &k);
    for (q = 0; q < 2; q++) {
        ir_tensor *t = &ref->t[ir_find_tensor(ref, names[q])];
        int64_t n = ir_shape_count(&t->shape), e;
        for (e = 0; e < n; e++) {
            if (removed[e % 5]) {
                t->data[e] = 0.0F;
            }
        }
    }
    prune_and_compare(g, ref, "c1", 0.4, 1, c1, 1, c1, 1);
    CU_ASSERT_EQUAL(g->t[ir_find_tensor(g, "offs")].shape.d[0], 5 - k);
    CU_ASSERT_EQUAL(g->t[ir_find_tensor(g, "gain")].shape.d[2], 5 - k);
    CU_ASSERT_EQUAL(g->n[ir_find_node(g, "rs")].new_shape[0], 5 - k);
    CU_ASSERT_EQUAL(param_of(g, "d", 0)->shape.d[1], 5 - k);
    check_same(g, ref);
    ir_free(g);
    ir_free(ref);
}

static void test_channels_concat_add(void)
{
    /* add(concat(ca, cb), cd) -> ce: pruning ca takes the same channels
     * from the first four of cd's */
    ir_graph *g, *ref;
    diag d;
    memset(&d, 0, sizeof d);
    xbegin("5 5 2");
    xconv("ca", "x", "a", 4, 3, 3, 2, 1, "padding=\"same\"");
    xconv("cb", "x", "b", 3, 1, 1, 2, 1, "");
    xadd("<concat name=\"cat\" inputs=\"a b\" output=\"c\"/>\n");
    xconv("cd", "x", "dd", 7, 1, 1, 2, 1, "");
    xadd("<add name=\"s\" inputs=\"c dd\" output=\"e\" activation=\"relu\"/>\n");
    xconv("ce", "e", "y", 2, 1, 1, 7, 1, "");
    CU_ASSERT_EQUAL_FATAL(xload(&g, &ref), 0);
    CU_ASSERT_EQUAL_FATAL(prune_channels(g, ir_find_node(g, "ca"), 0.5, 2, &d), 0);
    CU_ASSERT_EQUAL(out_channels(g, "ca"), 2);
    CU_ASSERT_EQUAL(out_channels(g, "cb"), 3);
    CU_ASSERT_EQUAL(out_channels(g, "cd"), 5);
    CU_ASSERT_EQUAL(g->n[ir_find_node(g, "cd")].pruned_channels, 2);
    CU_ASSERT_EQUAL(param_of(g, "ce", 0)->shape.d[3], 5);
    check_graph(g);
    ir_free(g);
    ir_free(ref);
}

/* ir_dump into a string, to see that a refusal changed nothing. */
static char *dump(const ir_graph *g)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    ir_dump(g, f);
    fclose(f);
    return buf;
}

/* Prunes `seed` and expects a refusal with an error, the graph unchanged
 * (its dump and its weights). */
static void expect_refusal(ir_graph *g, const char *seed)
{
    char *before = dump(g), *after;
    float *w[16];
    int64_t cnt[16];
    int t, nw = 0;
    diag d;
    memset(&d, 0, sizeof d);
    for (t = 0; t < g->nt && nw < 16; t++) {
        if (g->t[t].kind == IR_T_CONST) {
            cnt[nw] = ir_shape_count(&g->t[t].shape);
            w[nw] = malloc((size_t)cnt[nw] * sizeof(float));
            memcpy(w[nw], g->t[t].data, (size_t)cnt[nw] * sizeof(float));
            nw++;
        }
    }
    CU_ASSERT_EQUAL(prune_channels(g, ir_find_node(g, seed), 0.5, 1, &d), -1);
    CU_ASSERT_EQUAL(d.errors, 1);
    after = dump(g);
    CU_ASSERT_STRING_EQUAL(before, after);
    for (t = 0, nw = 0; t < g->nt && nw < 16; t++) {
        if (g->t[t].kind == IR_T_CONST) {
            CU_ASSERT_EQUAL(memcmp(w[nw], g->t[t].data, (size_t)cnt[nw] * sizeof(float)), 0);
            free(w[nw]);
            nw++;
        }
    }
    free(before);
    free(after);
}

static void test_channels_refused(void)
{
    ir_graph *g;
    /* the channels reach the model output (through a relu and a pool) */
    xbegin("6 6 3");
    xconv("c1", "x", "h1", 4, 3, 3, 3, 1, "padding=\"same\"");
    xadd("<relu name=\"r\" inputs=\"h1\" output=\"h2\"/>\n");
    xadd("<max_pool2d name=\"mp\" inputs=\"h2\" output=\"y\" kernel=\"2 2\" strides=\"2 2\"/>\n");
    CU_ASSERT_EQUAL_FATAL(xload(&g, NULL), 0);
    expect_refusal(g, "c1");
    ir_free(g);
    /* add with the model input as the other operand */
    xbegin("6 6 4");
    xconv("c1", "x", "h1", 4, 3, 3, 4, 1, "padding=\"same\" activation=\"relu\"");
    xconv("c2", "h1", "h2", 4, 3, 3, 4, 1, "padding=\"same\"");
    xadd("<add name=\"res\" inputs=\"h2 x\" output=\"h3\" activation=\"relu\"/>\n");
    xconv("c3", "h3", "y", 2, 1, 1, 4, 1, "");
    CU_ASSERT_EQUAL_FATAL(xload(&g, NULL), 0);
    expect_refusal(g, "c2");
    /* c1 is fine: c2 takes its channels */
    {
        diag d;
        memset(&d, 0, sizeof d);
        CU_ASSERT_EQUAL(prune_channels(g, ir_find_node(g, "c1"), 0.5, 1, &d), 0);
        check_graph(g);
    }
    ir_free(g);
    /* softmax over the channel axis; a transpose; a grouped conv */
    xbegin("6");
    xdense("d1", "x", "h1", 8, 6, "");
    xadd("<softmax name=\"sm\" inputs=\"h1\" output=\"h2\"/>\n");
    xdense("d2", "h2", "y", 3, 8, "");
    CU_ASSERT_EQUAL_FATAL(xload(&g, NULL), 0);
    expect_refusal(g, "d1");
    ir_free(g);
    xbegin("4 4 2");
    xconv("c1", "x", "h1", 4, 1, 1, 2, 1, "");
    xadd("<transpose name=\"tr\" inputs=\"h1\" output=\"h2\" perm=\"2 0 1\"/>\n");
    xdense("d", "h2", "y", 3, 4, "");
    CU_ASSERT_EQUAL_FATAL(xload(&g, NULL), 0);
    expect_refusal(g, "c1");
    ir_free(g);
    xbegin("4 4 2");
    xconv("c1", "x", "h1", 4, 1, 1, 2, 1, "activation=\"relu\"");
    xconv("gc", "h1", "h2", 4, 3, 3, 4, 2, "padding=\"same\"");
    xconv("c2", "h2", "y", 2, 1, 1, 4, 1, "");
    CU_ASSERT_EQUAL_FATAL(xload(&g, NULL), 0);
    expect_refusal(g, "c1");
    expect_refusal(g, "gc");
    ir_free(g);
}

/* An lstm or gru with random weight [G*H I], recurrence [G*H H], bias
 * [2*G*H] (and, given init_b, an initial state [S init_b H]). */
static void xrnn(const char *op, const char *name, const char *in, const char *out, int hidden,
                 int n_in, const char *extra, int init_b)
{
    int gates = strcmp(op, "lstm") == 0 ? 4 : 3;
    char sh[64];
    xadd("<%s name=\"%s\" inputs=\"%s\" output=\"%s\" hidden=\"%d\" %s>\n", op, name, in, out,
         hidden, extra);
    snprintf(sh, sizeof sh, "%d %d", gates * hidden, n_in);
    xparam("weight", sh);
    snprintf(sh, sizeof sh, "%d %d", gates * hidden, hidden);
    xparam("recurrence", sh);
    snprintf(sh, sizeof sh, "%d", 2 * gates * hidden);
    xparam("bias", sh);
    if (init_b > 0) {
        snprintf(sh, sizeof sh, "%d %d %d", gates == 4 ? 2 : 1, init_b, hidden);
        xdata("param", "initial_state", sh, -0.5F, 0.5F);
    }
    xadd("</%s>\n", op);
}

/* The test's choice of hidden units of a recurrent layer: per unit j, the
 * norms of rows j of every gate of its weight and of its recurrence,
 * summed; the k smallest (ties: lower index). In ref, the chosen units'
 * rows of weight and recurrence and their bias entries (input and
 * recurrent, every gate) are set to 0: such a unit's gates are constant
 * (sigmoid 0.5, candidate tanh 0) and, from a zero state, its h stays 0
 * at every step (LSTM: c = 0.5 c + 0.5 * 0; GRU: h = 0.5 * 0 + 0.5 h), so
 * it adds nothing to any other unit or consumer: the pruned model must
 * compute what ref computes. Returns k. */
static int32_t zero_units(ir_graph *ref, const char *layer, double fraction, int norm,
                          unsigned char *removed)
{
    const ir_node *n = &ref->n[ir_find_node(ref, layer)];
    int gates = n->op == IR_OP_LSTM ? 4 : 3, q, gi;
    int32_t h = n->units, j, k, r;
    double score[64];
    memset(score, 0, sizeof score);
    for (j = 0; j < h; j++) {
        for (q = 0; q < 2; q++) {
            const ir_tensor *w = &ref->t[n->params[q]];
            int64_t per = w->shape.d[1], e;
            for (gi = 0; gi < gates; gi++) {
                double s = 0.0;
                for (e = 0; e < per; e++) {
                    double v = (double)w->data[((int64_t)gi * h + j) * per + e];
                    s += norm == 1 ? fabs(v) : v * v;
                }
                score[j] += norm == 1 ? s : sqrt(s);
            }
        }
    }
    k = (int32_t)floor(fraction * h + 0.5);
    memset(removed, 0, 64);
    for (r = 0; r < k; r++) {
        int32_t best = -1;
        for (j = 0; j < h; j++) {
            if (!removed[j] && (best < 0 || score[j] < score[best])) {
                best = j;
            }
        }
        removed[best] = 1;
    }
    for (j = 0; j < h; j++) {
        if (!removed[j]) {
            continue;
        }
        for (q = 0; q < 2; q++) {
            const ir_tensor *w = &ref->t[n->params[q]];
            int64_t per = w->shape.d[1], e;
            for (gi = 0; gi < gates; gi++) {
                for (e = 0; e < per; e++) {
                    w->data[((int64_t)gi * h + j) * per + e] = 0.0F;
                }
            }
        }
        for (gi = 0; gi < 2 * gates; gi++) {
            ref->t[n->params[2]].data[gi * h + j] = 0.0F;
        }
    }
    return k;
}

static void prune_rnn_and_compare(ir_graph *g, ir_graph *ref, const char *seed, double fraction,
                                  int norm)
{
    unsigned char removed[64];
    int32_t h = g->n[ir_find_node(g, seed)].units, k;
    diag d;
    memset(&d, 0, sizeof d);
    k = zero_units(ref, seed, fraction, norm, removed);
    CU_ASSERT_TRUE(k > 0);
    CU_ASSERT_EQUAL_FATAL(prune_channels(g, ir_find_node(g, seed), fraction, norm, &d), 0);
    CU_ASSERT_EQUAL(d.errors + d.io_errors, 0);
    CU_ASSERT_EQUAL(g->n[ir_find_node(g, seed)].units, h - k);
    CU_ASSERT_EQUAL(g->n[ir_find_node(g, seed)].pruned_channels, k);
    check_graph(g);
    check_same(g, ref);
}

static void xrnn_tail(const char *in, int hidden)
{
    char a[64];
    snprintf(a, sizeof a, "6 2 %d", hidden);
    xadd("<slice name=\"last\" inputs=\"%s\" output=\"s\" starts=\"5 0 0\" ends=\"%s\"/>\n", in,
         a);
    snprintf(a, sizeof a, "2 %d", hidden);
    xadd("<reshape name=\"sq\" inputs=\"s\" output=\"s2\" shape=\"%s\"/>\n", a);
    xdense("d", "s2", "y", 3, hidden, "");
}

static void test_channels_rnn(void)
{
    ir_graph *g, *ref;
    int pass;
    /* x [T=6 B=2 3] -> lstm (8) -> gru (6) -> last step -> dense: each
     * recurrent layer pruned, the next one losing the matching columns */
    for (pass = 0; pass < 2; pass++) {
        xbegin("6 2 3");
        xrnn("lstm", "l1", "x", "h1", 8, 3, "", 0);
        xrnn("gru", "g2", "h1", "h2", 6, 8, pass == 0 ? "" : "linear_before_reset=\"true\"", 0);
        xrnn_tail("h2", 6);
        CU_ASSERT_EQUAL_FATAL(xload(&g, &ref), 0);
        if (pass == 0) {
            prune_rnn_and_compare(g, ref, "l1", 0.5, 1);
            CU_ASSERT_EQUAL(param_of(g, "l1", 0)->shape.d[0], 16);
            CU_ASSERT_EQUAL(param_of(g, "l1", 1)->shape.d[1], 4);
            CU_ASSERT_EQUAL(param_of(g, "l1", 2)->shape.d[0], 32);
            CU_ASSERT_EQUAL(param_of(g, "g2", 0)->shape.d[1], 4);
        } else {
            prune_rnn_and_compare(g, ref, "g2", 0.34, 2);
            CU_ASSERT_EQUAL(param_of(g, "g2", 0)->shape.d[0], 12);
            CU_ASSERT_EQUAL(param_of(g, "g2", 1)->shape.d[1], 4);
            CU_ASSERT_EQUAL(param_of(g, "d", 0)->shape.d[1], 4);
        }
        ir_free(g);
        ir_free(ref);
    }
    /* bidirectional: a forward and a reverse lstm joined along the
     * features; pruning one leaves the other's half of the dense alone */
    xbegin("6 2 3");
    xrnn("lstm", "lf", "x", "hf", 5, 3, "", 0);
    xrnn("lstm", "lb", "x", "hb", 4, 3, "direction=\"reverse\"", 0);
    xadd("<concat name=\"cat\" inputs=\"hf hb\" output=\"h\" axis=\"2\"/>\n");
    xrnn_tail("h", 9);
    CU_ASSERT_EQUAL_FATAL(xload(&g, &ref), 0);
    prune_rnn_and_compare(g, ref, "lb", 0.5, 1);
    CU_ASSERT_EQUAL(param_of(g, "d", 0)->shape.d[1], 7);
    ir_free(g);
    ir_free(ref);
    /* an initial state loses the pruned units' entries (last axis) */
    xbegin("6 2 3");
    xrnn("lstm", "l1", "x", "h1", 8, 3, "", 2);
    xrnn_tail("h1", 8);
    CU_ASSERT_EQUAL_FATAL(xload(&g, &ref), 0);
    {
        unsigned char removed[64];
        diag d;
        const ir_tensor *i0 = param_of(ref, "l1", 3), *i1;
        int64_t a, j, o = 0;
        int ok = 1;
        memset(&d, 0, sizeof d);
        (void)zero_units(ref, "l1", 0.25, 1, removed);
        CU_ASSERT_EQUAL_FATAL(prune_channels(g, ir_find_node(g, "l1"), 0.25, 1, &d), 0);
        check_graph(g);
        i1 = param_of(g, "l1", 3);
        CU_ASSERT_EQUAL(i1->shape.d[2], 6);
        CU_ASSERT_EQUAL(ir_shape_count(&i1->shape), 2 * 2 * 6);
        for (a = 0; a < 4; a++) { /* h0 and c0 of 2 sequences */
            for (j = 0; j < 8; j++) {
                if (!removed[j]) {
                    ok &= i1->data[o++] == i0->data[a * 8 + j];
                }
            }
        }
        CU_ASSERT_TRUE(ok);
    }
    ir_free(g);
    ir_free(ref);
    /* the recurrent output is the model output: refused */
    xbegin("6 2 3");
    xrnn("gru", "g", "x", "y", 4, 3, "", 0);
    CU_ASSERT_EQUAL_FATAL(xload(&g, NULL), 0);
    expect_refusal(g, "g");
    ir_free(g);
}

UNIT_SUITE(suite_prune)
{
    CU_pSuite s = CU_add_suite("prune", setup, teardown);
    CU_add_test(s, "magnitude: counts, rounding, which weights", test_magnitude_counts);
    CU_add_test(s, "magnitude: ties by lower index", test_magnitude_ties);
    CU_add_test(s, "channels: conv -> max_pool -> relu -> avg_pool -> conv", test_channels_chain);
    CU_add_test(s, "channels: conv -> flatten -> dense", test_channels_flatten_dense);
    CU_add_test(s, "channels: dense -> dense", test_channels_dense_dense);
    CU_add_test(s, "channels: residual add prunes both producers", test_channels_residual);
    CU_add_test(s, "channels: concat of two convs", test_channels_concat);
    CU_add_test(s, "channels: depthwise conv follows / is pruned", test_channels_depthwise);
    CU_add_test(s, "channels: conv -> batch_norm (affine) -> conv", test_channels_affine);
    CU_add_test(s, "channels: constant operands, global_avg_pool, reshape",
                test_channels_const_operand_gap);
    CU_add_test(s, "channels: concat feeding an add", test_channels_concat_add);
    CU_add_test(s, "channels: refusals leave the graph unchanged", test_channels_refused);
    CU_add_test(s, "channels: hidden units of lstm and gru (stacked, bidirectional, state)",
                test_channels_rnn);
}

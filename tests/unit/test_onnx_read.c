/* ONNX reading (generator/onnx_read.c). The models are encoded byte by byte
 * in this file from the protobuf wire format (varint keys, varints,
 * length-delimited fields, fixed 32/64-bit values) and the ONNX field
 * numbers, and each decoded structure is checked field by field against
 * the values encoded. Also: malformed wire data, unsupported versions and
 * tensors, every truncation and byte flip of a small model, and a real
 * model from the ONNX backend test data (Debian's libonnx-testdata). */
/* REQ: REQ-IMP-007 */
#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "onnx_read.h"
#include "unit.h"

#define TESTDATA "/usr/share/libonnx-testdata/data/node"

static char tmpdir[256];
static char path[512];

static int suite_init(void)
{
    const char *t = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/stoic_onnx_XXXXXX", t != NULL && *t ? t : "/tmp");
    return mkdtemp(tmpdir) != NULL ? 0 : -1;
}

static int suite_clean(void)
{
    DIR *d = opendir(tmpdir);
    struct dirent *e;
    char p[600];

    if (d == NULL) {
        return -1;
    }
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            snprintf(p, sizeof p, "%s/%s", tmpdir, e->d_name);
            unlink(p);
        }
    }
    closedir(d);
    return rmdir(tmpdir);
}

/* ------------------------------------------------ protobuf wire encoding */

enum { WT_VARINT = 0, WT_64 = 1, WT_LEN = 2, WT_32 = 5 };

typedef struct {
    uint8_t *b;
    size_t n, cap;
} pb;

static pb pb_new(void)
{
    pb p;
    p.cap = 256;
    p.n = 0;
    p.b = (uint8_t *)malloc(p.cap);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p.b);
    return p;
}

static void pb_free(pb *p)
{
    free(p->b);
    p->b = NULL;
    p->n = p->cap = 0;
}

static void pb_raw(pb *p, const void *data, size_t n)
{
    if (p->n + n > p->cap) {
        while (p->n + n > p->cap) {
            p->cap *= 2;
        }
        p->b = (uint8_t *)realloc(p->b, p->cap);
        CU_ASSERT_PTR_NOT_NULL_FATAL(p->b);
    }
    if (n > 0) {
        memcpy(p->b + p->n, data, n);
    }
    p->n += n;
}

static void pb_byte(pb *p, unsigned c)
{
    uint8_t b = (uint8_t)c;
    pb_raw(p, &b, 1);
}

static void pb_varint(pb *p, uint64_t v)
{
    while (v >= 0x80) {
        pb_byte(p, (unsigned)(v & 0x7f) | 0x80u);
        v >>= 7;
    }
    pb_byte(p, (unsigned)v);
}

static void pb_key(pb *p, unsigned field, unsigned wt)
{
    pb_varint(p, ((uint64_t)field << 3) | wt);
}

/* varint field (negative int64 values as their two's complement) */
static void pb_int(pb *p, unsigned field, int64_t v)
{
    pb_key(p, field, WT_VARINT);
    pb_varint(p, (uint64_t)v);
}

static void pb_bytes(pb *p, unsigned field, const void *data, size_t n)
{
    pb_key(p, field, WT_LEN);
    pb_varint(p, n);
    pb_raw(p, data, n);
}

static void pb_str(pb *p, unsigned field, const char *s)
{
    pb_bytes(p, field, s, strlen(s));
}

/* embeds child as a length-delimited field and frees it */
static void pb_msg(pb *p, unsigned field, pb *child)
{
    pb_bytes(p, field, child->b, child->n);
    pb_free(child);
}

static void le32(uint8_t *o, uint32_t u)
{
    o[0] = (uint8_t)u;
    o[1] = (uint8_t)(u >> 8);
    o[2] = (uint8_t)(u >> 16);
    o[3] = (uint8_t)(u >> 24);
}

static void le64(uint8_t *o, uint64_t u)
{
    le32(o, (uint32_t)u);
    le32(o + 4, (uint32_t)(u >> 32));
}

static uint32_t f32_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}

static uint64_t f64_bits(double f)
{
    uint64_t u;
    memcpy(&u, &f, 8);
    return u;
}

/* a fixed32 field holding a float (optional float / unpacked repeated float) */
static void pb_float(pb *p, unsigned field, float f)
{
    uint8_t o[4];
    pb_key(p, field, WT_32);
    le32(o, f32_bits(f));
    pb_raw(p, o, 4);
}

/* packed repeated float */
static void pb_floats_packed(pb *p, unsigned field, const float *v, size_t n)
{
    size_t i;
    uint8_t o[4];
    pb_key(p, field, WT_LEN);
    pb_varint(p, 4 * n);
    for (i = 0; i < n; i++) {
        le32(o, f32_bits(v[i]));
        pb_raw(p, o, 4);
    }
}

/* packed repeated double */
static void pb_doubles_packed(pb *p, unsigned field, const double *v, size_t n)
{
    size_t i;
    uint8_t o[8];
    pb_key(p, field, WT_LEN);
    pb_varint(p, 8 * n);
    for (i = 0; i < n; i++) {
        le64(o, f64_bits(v[i]));
        pb_raw(p, o, 8);
    }
}

/* packed repeated varints (int32/int64/uint64) */
static void pb_ints_packed(pb *p, unsigned field, const int64_t *v, size_t n)
{
    pb body = pb_new();
    size_t i;
    for (i = 0; i < n; i++) {
        pb_varint(&body, (uint64_t)v[i]);
    }
    pb_msg(p, field, &body);
}

/* ------------------------------------------------------ ONNX messages */

/* field numbers (ONNX IR specification) */
enum {
    M_IR = 1, M_PRODUCER = 2, M_PRODUCER_VERSION = 3, M_GRAPH = 7, M_OPSET = 8,
    OS_DOMAIN = 1, OS_VERSION = 2,
    G_NODE = 1, G_NAME = 2, G_INIT = 5, G_INPUT = 11, G_OUTPUT = 12, G_VALUE_INFO = 13,
    N_INPUT = 1, N_OUTPUT = 2, N_NAME = 3, N_OP = 4, N_ATTR = 5, N_DOC = 6, N_DOMAIN = 7,
    A_NAME = 1, A_F = 2, A_I = 3, A_S = 4, A_T = 5, A_G = 6, A_FLOATS = 7, A_INTS = 8,
    A_STRINGS = 9, A_TYPE = 20,
    T_DIMS = 1, T_DTYPE = 2, T_FLOAT = 4, T_INT32 = 5, T_STRING = 6, T_INT64 = 7, T_NAME = 8,
    T_RAW = 9, T_DOUBLE = 10, T_UINT64 = 11, T_EXTERNAL = 13, T_LOCATION = 14,
    V_NAME = 1, V_TYPE = 2, TP_TENSOR = 1, TT_ELEM = 1, TT_SHAPE = 2, S_DIM = 1,
    D_VALUE = 1, D_PARAM = 2
};

static void add_dims(pb *t, const int64_t *dims, int ndim)
{
    int i;
    for (i = 0; i < ndim; i++) {
        pb_int(t, T_DIMS, dims[i]); /* unpacked, as onnx writes them */
    }
}

/* TensorProto FLOAT with raw_data */
static pb tensor_f32_raw(const char *name, const int64_t *dims, int ndim, const float *v, size_t n)
{
    pb t = pb_new();
    size_t i;
    uint8_t o[4];
    pb body = pb_new();
    add_dims(&t, dims, ndim);
    pb_int(&t, T_DTYPE, ONNX_FLOAT);
    pb_str(&t, T_NAME, name);
    for (i = 0; i < n; i++) {
        le32(o, f32_bits(v[i]));
        pb_raw(&body, o, 4);
    }
    pb_msg(&t, T_RAW, &body);
    return t;
}

/* TensorProto of dtype with raw_data given as bytes */
static pb tensor_raw(const char *name, int32_t dtype, const int64_t *dims, int ndim,
                     const void *raw, size_t len)
{
    pb t = pb_new();
    add_dims(&t, dims, ndim);
    pb_int(&t, T_DTYPE, dtype);
    pb_str(&t, T_NAME, name);
    pb_bytes(&t, T_RAW, raw, len);
    return t;
}

/* ValueInfoProto of a tensor: dims >= 0 are values, -1 unknown, -2 the
 * symbolic name param */
static pb value_info(const char *name, int32_t elem, const int64_t *dims, int ndim,
                     const char *param)
{
    pb v = pb_new(), tp = pb_new(), tt = pb_new(), sh = pb_new();
    int i;
    pb_str(&v, V_NAME, name);
    pb_int(&tt, TT_ELEM, elem);
    for (i = 0; i < ndim; i++) {
        pb dm = pb_new();
        if (dims[i] >= 0) {
            pb_int(&dm, D_VALUE, dims[i]);
        } else if (dims[i] == -2) {
            pb_str(&dm, D_PARAM, param);
        }
        pb_msg(&sh, S_DIM, &dm);
    }
    pb_msg(&tt, TT_SHAPE, &sh);
    pb_msg(&tp, TP_TENSOR, &tt);
    pb_msg(&v, V_TYPE, &tp);
    return v;
}

/* ModelProto: ir_version, opset_import {"" opset} (plus extra_opset bytes if
 * given), producer, then the graph last (consumed) */
static pb model(int64_t ir, int64_t opset, pb *graph)
{
    pb m = pb_new(), os = pb_new();
    pb_int(&m, M_IR, ir);
    pb_str(&os, OS_DOMAIN, "");
    pb_int(&os, OS_VERSION, opset);
    pb_msg(&m, M_OPSET, &os);
    pb_str(&m, M_PRODUCER, "stoic-test");
    pb_str(&m, M_PRODUCER_VERSION, "0.1");
    if (graph != NULL) {
        pb_msg(&m, M_GRAPH, graph);
    }
    return m;
}

/* A graph with one Relu node x -> y, x and y FLOAT [1, 4], and the given
 * initializer (consumed) unless NULL. */
static pb relu_graph(pb *init)
{
    pb g = pb_new(), n = pb_new(), v;
    static const int64_t dims[2] = {1, 4};
    pb_str(&n, N_INPUT, "x");
    pb_str(&n, N_OUTPUT, "y");
    pb_str(&n, N_NAME, "relu");
    pb_str(&n, N_OP, "Relu");
    pb_msg(&g, G_NODE, &n);
    pb_str(&g, G_NAME, "g");
    if (init != NULL) {
        pb_msg(&g, G_INIT, init);
    }
    v = value_info("x", ONNX_FLOAT, dims, 2, NULL);
    pb_msg(&g, G_INPUT, &v);
    v = value_info("y", ONNX_FLOAT, dims, 2, NULL);
    pb_msg(&g, G_OUTPUT, &v);
    return g;
}

/* ------------------------------------------------------ stderr capture */

static int saved_stderr = -1;
static char captured[8192];

static void cap_begin(void)
{
    char p[600];
    int fd;
    snprintf(p, sizeof p, "%s/stderr.txt", tmpdir);
    fflush(stderr);
    saved_stderr = dup(2);
    fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd >= 0) {
        dup2(fd, 2);
        close(fd);
    }
}

static const char *cap_end(void)
{
    char p[600];
    FILE *f;
    size_t n = 0;
    fflush(stderr);
    if (saved_stderr >= 0) {
        dup2(saved_stderr, 2);
        close(saved_stderr);
        saved_stderr = -1;
    }
    snprintf(p, sizeof p, "%s/stderr.txt", tmpdir);
    f = fopen(p, "rb");
    if (f != NULL) {
        n = fread(captured, 1, sizeof captured - 1, f);
        fclose(f);
    }
    captured[n] = '\0';
    return captured;
}

/* Asserts that the messages contain want (prints them when not). */
static void expect_msg(const char *msgs, const char *want, int line)
{
    if (strstr(msgs, want) == NULL) {
        printf("\n  line %d: expected \"%s\" in:\n%s", line, want, msgs);
        CU_FAIL("message not as expected");
    }
}

/* Reads p as a model; it must fail with an input error whose message
 * contains want. */
static void model_fails(const pb *p, const char *want, int line)
{
    diag d = {0};
    onnx_model *m;
    cap_begin();
    m = onnx_read_mem("t.onnx", p->b, p->n, &d);
    expect_msg(cap_end(), want, line);
    CU_ASSERT_PTR_NULL(m);
    CU_ASSERT(d.errors > 0);
    CU_ASSERT_EQUAL(d.io_errors, 0);
    onnx_model_free(m);
}

/* The same for p as a serialized TensorProto. */
static void tensor_fails(const pb *p, const char *want, int line)
{
    diag d = {0};
    onnx_tensor t;
    int rc;
    cap_begin();
    rc = onnx_read_tensor_mem("t.pb", p->b, p->n, &t, &d);
    expect_msg(cap_end(), want, line);
    CU_ASSERT_EQUAL(rc, -1);
    CU_ASSERT(d.errors > 0);
    CU_ASSERT_PTR_NULL(t.f32);
    CU_ASSERT_PTR_NULL(t.name);
}

#define MODEL_FAILS(p, want) model_fails(p, want, __LINE__)
#define TENSOR_FAILS(p, want) tensor_fails(p, want, __LINE__)

static onnx_model *read_ok(const pb *p)
{
    diag d = {0};
    onnx_model *m = onnx_read_mem("t.onnx", p->b, p->n, &d);
    CU_ASSERT_PTR_NOT_NULL(m);
    CU_ASSERT_EQUAL(d.errors + d.io_errors, 0);
    return m;
}

static void write_file(const char *name, const pb *p)
{
    FILE *f;
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    f = fopen(path, "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_EQUAL(fwrite(p->b, 1, p->n, f), p->n);
    CU_ASSERT_EQUAL(fclose(f), 0);
}

/* ------------------------------------------------------------- tests */

/* A model with every part the reader keeps, read from a file. */
static void test_model_structure(void)
{
    pb m = pb_new(), os = pb_new(), g = pb_new(), n = pb_new(), n2 = pb_new(), v, t;
    static const int64_t in_dims[3] = {-2, 3, -1}, out_dims[2] = {-2, 3}, w_dims[2] = {3, 1};
    static const float w[3] = {0.5f, -1.25f, 3.0f};
    diag d = {0};
    onnx_model *mo;
    const onnx_node *nd;
    const onnx_tensor *wt;

    pb_int(&m, M_IR, 8);
    pb_str(&m, M_PRODUCER, "stoic-test");
    pb_str(&m, M_PRODUCER_VERSION, "1.2.3");
    pb_str(&os, OS_DOMAIN, "com.example");
    pb_int(&os, OS_VERSION, 1);
    pb_msg(&m, M_OPSET, &os);
    os = pb_new();
    pb_str(&os, OS_DOMAIN, "ai.onnx");
    pb_int(&os, OS_VERSION, 13);
    pb_msg(&m, M_OPSET, &os);

    /* node 0: MatMul x, w -> h */
    pb_str(&n, N_INPUT, "x");
    pb_str(&n, N_INPUT, "w");
    pb_str(&n, N_OUTPUT, "h");
    pb_str(&n, N_NAME, "mm");
    pb_str(&n, N_OP, "MatMul");
    pb_str(&n, N_DOC, "ignored doc string");
    pb_msg(&g, G_NODE, &n);
    /* node 1: a custom-domain op with an omitted optional input, no name */
    pb_str(&n2, N_INPUT, "h");
    pb_str(&n2, N_INPUT, "");
    pb_str(&n2, N_INPUT, "w");
    pb_str(&n2, N_OUTPUT, "y");
    pb_str(&n2, N_OUTPUT, "aux");
    pb_str(&n2, N_OP, "Frobnicate");
    pb_str(&n2, N_DOMAIN, "com.example");
    pb_msg(&g, G_NODE, &n2);
    pb_str(&g, G_NAME, "main_graph");
    t = tensor_f32_raw("w", w_dims, 2, w, 3);
    pb_msg(&g, G_INIT, &t);
    v = value_info("x", ONNX_FLOAT, in_dims, 3, "batch");
    pb_msg(&g, G_INPUT, &v);
    v = value_info("y", ONNX_FLOAT, out_dims, 2, "batch");
    pb_msg(&g, G_OUTPUT, &v);
    /* aux: no type at all */
    v = pb_new();
    pb_str(&v, V_NAME, "aux");
    pb_msg(&g, G_OUTPUT, &v);
    /* h: typed, no shape */
    v = pb_new();
    {
        pb tp = pb_new(), tt = pb_new();
        pb_int(&tt, TT_ELEM, ONNX_INT64);
        pb_msg(&tp, TP_TENSOR, &tt);
        pb_msg(&v, V_TYPE, &tp);
    }
    pb_str(&v, V_NAME, "h");
    pb_msg(&g, G_VALUE_INFO, &v);
    pb_msg(&m, M_GRAPH, &g);
    write_file("structure.onnx", &m);
    pb_free(&m);

    mo = onnx_read(path, &d);
    CU_ASSERT_PTR_NOT_NULL_FATAL(mo);
    CU_ASSERT_EQUAL(d.errors + d.io_errors, 0);
    CU_ASSERT_EQUAL(mo->ir_version, 8);
    CU_ASSERT_EQUAL(mo->opset, 13);
    CU_ASSERT_STRING_EQUAL(mo->producer, "stoic-test 1.2.3");
    CU_ASSERT_STRING_EQUAL(mo->graph_name, "main_graph");

    CU_ASSERT_EQUAL_FATAL(mo->n_nodes, 2);
    nd = &mo->nodes[0];
    CU_ASSERT_STRING_EQUAL(nd->name, "mm");
    CU_ASSERT_STRING_EQUAL(nd->op_type, "MatMul");
    CU_ASSERT_STRING_EQUAL(nd->domain, "");
    CU_ASSERT_EQUAL_FATAL(nd->n_inputs, 2);
    CU_ASSERT_STRING_EQUAL(nd->inputs[0], "x");
    CU_ASSERT_STRING_EQUAL(nd->inputs[1], "w");
    CU_ASSERT_EQUAL_FATAL(nd->n_outputs, 1);
    CU_ASSERT_STRING_EQUAL(nd->outputs[0], "h");
    CU_ASSERT_EQUAL(nd->n_attrs, 0);
    CU_ASSERT_PTR_NULL(onnx_node_attr(nd, "alpha"));
    nd = &mo->nodes[1];
    CU_ASSERT_STRING_EQUAL(nd->name, "");
    CU_ASSERT_STRING_EQUAL(nd->op_type, "Frobnicate");
    CU_ASSERT_STRING_EQUAL(nd->domain, "com.example");
    CU_ASSERT_EQUAL_FATAL(nd->n_inputs, 3);
    CU_ASSERT_STRING_EQUAL(nd->inputs[0], "h");
    CU_ASSERT_STRING_EQUAL(nd->inputs[1], "");
    CU_ASSERT_STRING_EQUAL(nd->inputs[2], "w");
    CU_ASSERT_EQUAL_FATAL(nd->n_outputs, 2);
    CU_ASSERT_STRING_EQUAL(nd->outputs[1], "aux");

    CU_ASSERT_EQUAL_FATAL(mo->n_inits, 1);
    wt = onnx_model_init(mo, "w");
    CU_ASSERT_PTR_EQUAL_FATAL(wt, &mo->inits[0]);
    CU_ASSERT_PTR_NULL(onnx_model_init(mo, "x"));
    CU_ASSERT_EQUAL(wt->dtype, ONNX_FLOAT);
    CU_ASSERT_EQUAL_FATAL(wt->ndim, 2);
    CU_ASSERT_EQUAL(wt->dims[0], 3);
    CU_ASSERT_EQUAL(wt->dims[1], 1);
    CU_ASSERT_EQUAL_FATAL(wt->count, 3);
    CU_ASSERT(memcmp(wt->f32, w, sizeof w) == 0);
    CU_ASSERT_PTR_NULL(wt->i64);

    CU_ASSERT_EQUAL_FATAL(mo->n_inputs, 1);
    CU_ASSERT_STRING_EQUAL(mo->inputs[0].name, "x");
    CU_ASSERT_EQUAL(mo->inputs[0].elem_type, ONNX_FLOAT);
    CU_ASSERT_EQUAL(mo->inputs[0].has_shape, 1);
    CU_ASSERT_EQUAL_FATAL(mo->inputs[0].ndim, 3);
    CU_ASSERT_EQUAL(mo->inputs[0].dims[0], -1);
    CU_ASSERT_STRING_EQUAL(mo->inputs[0].dim_params[0], "batch");
    CU_ASSERT_EQUAL(mo->inputs[0].dims[1], 3);
    CU_ASSERT_PTR_NULL(mo->inputs[0].dim_params[1]);
    CU_ASSERT_EQUAL(mo->inputs[0].dims[2], -1);
    CU_ASSERT_PTR_NULL(mo->inputs[0].dim_params[2]);
    CU_ASSERT_EQUAL_FATAL(mo->n_outputs, 2);
    CU_ASSERT_STRING_EQUAL(mo->outputs[0].name, "y");
    CU_ASSERT_EQUAL(mo->outputs[0].ndim, 2);
    CU_ASSERT_STRING_EQUAL(mo->outputs[1].name, "aux");
    CU_ASSERT_EQUAL(mo->outputs[1].elem_type, 0);
    CU_ASSERT_EQUAL(mo->outputs[1].has_shape, 0);
    CU_ASSERT_EQUAL_FATAL(mo->n_value_info, 1);
    CU_ASSERT_STRING_EQUAL(mo->value_info[0].name, "h");
    CU_ASSERT_EQUAL(mo->value_info[0].elem_type, ONNX_INT64);
    CU_ASSERT_EQUAL(mo->value_info[0].has_shape, 0);
    onnx_model_free(mo);
}

/* Every attribute type, packed and unpacked repeated fields. */
static void test_attributes(void)
{
    pb g = pb_new(), n = pb_new(), a, t, m;
    static const float fl[3] = {1.5f, -2.0f, 0.25f};
    static const int64_t in[4] = {-1, 0, 7, INT64_MAX};
    static const int64_t tdims[1] = {2};
    static const float tv[2] = {4.0f, -8.0f};
    onnx_model *mo;
    const onnx_node *nd;
    const onnx_attr *at;

    pb_str(&n, N_INPUT, "x");
    pb_str(&n, N_OUTPUT, "y");
    pb_str(&n, N_NAME, "n");
    pb_str(&n, N_OP, "Custom");
    a = pb_new();
    pb_str(&a, A_NAME, "alpha");
    pb_float(&a, A_F, 0.125f);
    pb_int(&a, A_TYPE, ONNX_ATTR_FLOAT);
    pb_msg(&n, N_ATTR, &a);
    a = pb_new();
    pb_int(&a, A_TYPE, ONNX_ATTR_INT); /* type before name: order is free */
    pb_str(&a, A_NAME, "axis");
    pb_int(&a, A_I, -3);
    pb_msg(&n, N_ATTR, &a);
    a = pb_new();
    pb_str(&a, A_NAME, "mode");
    pb_bytes(&a, A_S, "ab\0c", 4);
    pb_int(&a, A_TYPE, ONNX_ATTR_STRING);
    pb_msg(&n, N_ATTR, &a);
    a = pb_new();
    pb_str(&a, A_NAME, "value");
    t = tensor_f32_raw("", tdims, 1, tv, 2);
    pb_msg(&a, A_T, &t);
    pb_int(&a, A_TYPE, ONNX_ATTR_TENSOR);
    pb_msg(&n, N_ATTR, &a);
    a = pb_new(); /* FLOATS packed */
    pb_str(&a, A_NAME, "scales");
    pb_floats_packed(&a, A_FLOATS, fl, 3);
    pb_int(&a, A_TYPE, ONNX_ATTR_FLOATS);
    pb_msg(&n, N_ATTR, &a);
    a = pb_new(); /* FLOATS unpacked, as the ONNX python package writes them */
    pb_str(&a, A_NAME, "scales2");
    pb_float(&a, A_FLOATS, fl[0]);
    pb_float(&a, A_FLOATS, fl[1]);
    pb_float(&a, A_FLOATS, fl[2]);
    pb_int(&a, A_TYPE, ONNX_ATTR_FLOATS);
    pb_msg(&n, N_ATTR, &a);
    a = pb_new(); /* INTS unpacked */
    pb_str(&a, A_NAME, "pads");
    pb_int(&a, A_INTS, in[0]);
    pb_int(&a, A_INTS, in[1]);
    pb_int(&a, A_INTS, in[2]);
    pb_int(&a, A_INTS, in[3]);
    pb_int(&a, A_TYPE, ONNX_ATTR_INTS);
    pb_msg(&n, N_ATTR, &a);
    a = pb_new(); /* INTS packed */
    pb_str(&a, A_NAME, "pads2");
    pb_ints_packed(&a, A_INTS, in, 4);
    pb_int(&a, A_TYPE, ONNX_ATTR_INTS);
    pb_msg(&n, N_ATTR, &a);
    a = pb_new();
    pb_str(&a, A_NAME, "names");
    pb_str(&a, A_STRINGS, "first");
    pb_str(&a, A_STRINGS, "");
    pb_str(&a, A_STRINGS, "third");
    pb_int(&a, A_TYPE, ONNX_ATTR_STRINGS);
    pb_msg(&n, N_ATTR, &a);
    a = pb_new(); /* GRAPH: the subgraph (field 6) is not in the subset: skipped */
    pb_str(&a, A_NAME, "body");
    {
        pb sub = relu_graph(NULL);
        pb_msg(&a, A_G, &sub);
    }
    pb_int(&a, A_TYPE, ONNX_ATTR_GRAPH);
    pb_msg(&n, N_ATTR, &a);
    pb_msg(&g, G_NODE, &n);
    m = model(7, 17, &g);

    mo = read_ok(&m);
    pb_free(&m);
    CU_ASSERT_PTR_NOT_NULL_FATAL(mo);
    CU_ASSERT_EQUAL(mo->opset, 17);
    CU_ASSERT_STRING_EQUAL(mo->producer, "stoic-test 0.1");
    CU_ASSERT_EQUAL_FATAL(mo->n_nodes, 1);
    nd = &mo->nodes[0];
    CU_ASSERT_EQUAL(nd->n_attrs, 10);

    at = onnx_node_attr(nd, "alpha");
    CU_ASSERT_PTR_NOT_NULL_FATAL(at);
    CU_ASSERT_EQUAL(at->type, ONNX_ATTR_FLOAT);
    CU_ASSERT(at->f == 0.125f);
    at = onnx_node_attr(nd, "axis");
    CU_ASSERT_PTR_NOT_NULL_FATAL(at);
    CU_ASSERT_EQUAL(at->type, ONNX_ATTR_INT);
    CU_ASSERT_EQUAL(at->i, -3);
    at = onnx_node_attr(nd, "mode");
    CU_ASSERT_PTR_NOT_NULL_FATAL(at);
    CU_ASSERT_EQUAL(at->type, ONNX_ATTR_STRING);
    CU_ASSERT_EQUAL(at->s_len, 4);
    CU_ASSERT(memcmp(at->s, "ab\0c", 5) == 0);
    at = onnx_node_attr(nd, "value");
    CU_ASSERT_PTR_NOT_NULL_FATAL(at);
    CU_ASSERT_EQUAL(at->type, ONNX_ATTR_TENSOR);
    CU_ASSERT_PTR_NOT_NULL_FATAL(at->t);
    CU_ASSERT_EQUAL(at->t->ndim, 1);
    CU_ASSERT_EQUAL(at->t->dims[0], 2);
    CU_ASSERT_EQUAL_FATAL(at->t->count, 2);
    CU_ASSERT(at->t->f32[0] == 4.0f && at->t->f32[1] == -8.0f);
    at = onnx_node_attr(nd, "scales");
    CU_ASSERT_PTR_NOT_NULL_FATAL(at);
    CU_ASSERT_EQUAL(at->type, ONNX_ATTR_FLOATS);
    CU_ASSERT_EQUAL_FATAL(at->n_floats, 3);
    CU_ASSERT(memcmp(at->floats, fl, sizeof fl) == 0);
    CU_ASSERT_PTR_NULL(at->t);
    at = onnx_node_attr(nd, "scales2");
    CU_ASSERT_PTR_NOT_NULL_FATAL(at);
    CU_ASSERT_EQUAL_FATAL(at->n_floats, 3);
    CU_ASSERT(memcmp(at->floats, fl, sizeof fl) == 0);
    at = onnx_node_attr(nd, "pads");
    CU_ASSERT_PTR_NOT_NULL_FATAL(at);
    CU_ASSERT_EQUAL(at->type, ONNX_ATTR_INTS);
    CU_ASSERT_EQUAL_FATAL(at->n_ints, 4);
    CU_ASSERT(memcmp(at->ints, in, sizeof in) == 0);
    at = onnx_node_attr(nd, "pads2");
    CU_ASSERT_PTR_NOT_NULL_FATAL(at);
    CU_ASSERT_EQUAL_FATAL(at->n_ints, 4);
    CU_ASSERT(memcmp(at->ints, in, sizeof in) == 0);
    at = onnx_node_attr(nd, "names");
    CU_ASSERT_PTR_NOT_NULL_FATAL(at);
    CU_ASSERT_EQUAL(at->type, ONNX_ATTR_STRINGS);
    CU_ASSERT_EQUAL_FATAL(at->n_strings, 3);
    CU_ASSERT_STRING_EQUAL(at->strings[0], "first");
    CU_ASSERT_STRING_EQUAL(at->strings[1], "");
    CU_ASSERT_STRING_EQUAL(at->strings[2], "third");
    at = onnx_node_attr(nd, "body");
    CU_ASSERT_PTR_NOT_NULL_FATAL(at);
    CU_ASSERT_EQUAL(at->type, ONNX_ATTR_GRAPH);
    CU_ASSERT_PTR_NULL(onnx_node_attr(nd, "missing"));
    CU_ASSERT_STRING_EQUAL(onnx_attr_type_name(ONNX_ATTR_STRINGS), "STRINGS");
    onnx_model_free(mo);
}

/* Tensor encodings: raw_data of every supported type (little-endian), the
 * typed fields, scalars, empty tensors, special float values. */
static void test_tensor_values(void)
{
    static const int64_t d23[2] = {2, 3}, d2[1] = {2}, d3[1] = {3}, d03[2] = {0, 3};
    float fv[6];
    uint8_t raw[64];
    onnx_tensor t;
    diag d = {0};
    pb p;
    size_t i;

    /* FLOAT raw: signs, -0, NaN, infinities, denormal */
    fv[0] = 1.0f;
    fv[1] = -0.0f;
    fv[2] = (float)NAN;
    fv[3] = (float)INFINITY;
    fv[4] = -(float)INFINITY;
    fv[5] = 1e-40f;
    p = tensor_f32_raw("f", d23, 2, fv, 6);
    CU_ASSERT_EQUAL_FATAL(onnx_read_tensor_mem("t.pb", p.b, p.n, &t, &d), 0);
    pb_free(&p);
    CU_ASSERT_STRING_EQUAL(t.name, "f");
    CU_ASSERT_EQUAL(t.count, 6);
    CU_ASSERT(memcmp(t.f32, fv, sizeof fv) == 0);
    onnx_tensor_free(&t);
    CU_ASSERT_PTR_NULL(t.f32);

    /* FLOAT float_data (packed) */
    p = pb_new();
    add_dims(&p, d3, 1);
    pb_int(&p, T_DTYPE, ONNX_FLOAT);
    pb_floats_packed(&p, T_FLOAT, fv, 3);
    CU_ASSERT_EQUAL_FATAL(onnx_read_tensor_mem("t.pb", p.b, p.n, &t, &d), 0);
    pb_free(&p);
    CU_ASSERT_STRING_EQUAL(t.name, "");
    CU_ASSERT(memcmp(t.f32, fv, 3 * sizeof(float)) == 0);
    onnx_tensor_free(&t);

    /* INT64 raw: -2, 2^53 + 1 (float rounds, int64 exact) */
    le64(raw, (uint64_t)(int64_t)-2);
    le64(raw + 8, ((uint64_t)1 << 53) + 1);
    p = tensor_raw("i", ONNX_INT64, d2, 1, raw, 16);
    CU_ASSERT_EQUAL_FATAL(onnx_read_tensor_mem("t.pb", p.b, p.n, &t, &d), 0);
    pb_free(&p);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t.i64);
    CU_ASSERT_EQUAL(t.i64[0], -2);
    CU_ASSERT_EQUAL(t.i64[1], ((int64_t)1 << 53) + 1);
    CU_ASSERT(t.f32[0] == -2.0f);
    CU_ASSERT(t.f32[1] == 9007199254740992.0f);
    onnx_tensor_free(&t);

    /* INT64 int64_data; a scalar (no dims) */
    p = pb_new();
    pb_int(&p, T_DTYPE, ONNX_INT64);
    pb_int(&p, T_INT64, INT64_MIN);
    CU_ASSERT_EQUAL_FATAL(onnx_read_tensor_mem("t.pb", p.b, p.n, &t, &d), 0);
    pb_free(&p);
    CU_ASSERT_EQUAL(t.ndim, 0);
    CU_ASSERT_EQUAL_FATAL(t.count, 1);
    CU_ASSERT_EQUAL(t.i64[0], INT64_MIN);
    onnx_tensor_free(&t);

    /* INT8 in int32_data (negative values: 10-byte varints) */
    {
        static const int64_t v[3] = {-128, 0, 127};
        p = pb_new();
        add_dims(&p, d3, 1);
        pb_int(&p, T_DTYPE, ONNX_INT8);
        pb_ints_packed(&p, T_INT32, v, 3);
        CU_ASSERT_EQUAL_FATAL(onnx_read_tensor_mem("t.pb", p.b, p.n, &t, &d), 0);
        pb_free(&p);
        CU_ASSERT(t.i64[0] == -128 && t.i64[1] == 0 && t.i64[2] == 127);
        CU_ASSERT(t.f32[0] == -128.0f && t.f32[2] == 127.0f);
        onnx_tensor_free(&t);
    }

    /* INT8, UINT8, BOOL, INT16, UINT16, INT32, UINT32 raw */
    raw[0] = 0x80;
    raw[1] = 0x7f;
    raw[2] = 0xff;
    p = tensor_raw("", ONNX_INT8, d3, 1, raw, 3);
    CU_ASSERT_EQUAL_FATAL(onnx_read_tensor_mem("t.pb", p.b, p.n, &t, &d), 0);
    pb_free(&p);
    CU_ASSERT(t.i64[0] == -128 && t.i64[1] == 127 && t.i64[2] == -1);
    onnx_tensor_free(&t);
    p = tensor_raw("", ONNX_UINT8, d3, 1, raw, 3);
    CU_ASSERT_EQUAL_FATAL(onnx_read_tensor_mem("t.pb", p.b, p.n, &t, &d), 0);
    pb_free(&p);
    CU_ASSERT(t.i64[0] == 128 && t.i64[1] == 127 && t.i64[2] == 255);
    CU_ASSERT(t.f32[2] == 255.0f);
    onnx_tensor_free(&t);
    raw[0] = 1;
    raw[1] = 0;
    p = tensor_raw("", ONNX_BOOL, d2, 1, raw, 2);
    CU_ASSERT_EQUAL_FATAL(onnx_read_tensor_mem("t.pb", p.b, p.n, &t, &d), 0);
    pb_free(&p);
    CU_ASSERT(t.i64[0] == 1 && t.i64[1] == 0 && t.f32[0] == 1.0f);
    onnx_tensor_free(&t);
    raw[0] = 0x00; raw[1] = 0x80; /* -32768 */
    raw[2] = 0xff; raw[3] = 0x7f; /* 32767 */
    p = tensor_raw("", ONNX_INT16, d2, 1, raw, 4);
    CU_ASSERT_EQUAL_FATAL(onnx_read_tensor_mem("t.pb", p.b, p.n, &t, &d), 0);
    pb_free(&p);
    CU_ASSERT(t.i64[0] == -32768 && t.i64[1] == 32767);
    onnx_tensor_free(&t);
    p = tensor_raw("", ONNX_UINT16, d2, 1, raw, 4);
    CU_ASSERT_EQUAL_FATAL(onnx_read_tensor_mem("t.pb", p.b, p.n, &t, &d), 0);
    pb_free(&p);
    CU_ASSERT(t.i64[0] == 32768 && t.i64[1] == 32767);
    onnx_tensor_free(&t);
    le32(raw, 0x80000000u);
    le32(raw + 4, 0x01020304u);
    p = tensor_raw("", ONNX_INT32, d2, 1, raw, 8);
    CU_ASSERT_EQUAL_FATAL(onnx_read_tensor_mem("t.pb", p.b, p.n, &t, &d), 0);
    pb_free(&p);
    CU_ASSERT(t.i64[0] == INT32_MIN && t.i64[1] == 0x01020304);
    onnx_tensor_free(&t);
    p = tensor_raw("", ONNX_UINT32, d2, 1, raw, 8);
    CU_ASSERT_EQUAL_FATAL(onnx_read_tensor_mem("t.pb", p.b, p.n, &t, &d), 0);
    pb_free(&p);
    CU_ASSERT(t.i64[0] == 0x80000000LL && t.i64[1] == 0x01020304);
    onnx_tensor_free(&t);

    /* UINT64 in uint64_data, UINT32 in uint64_data */
    {
        static const int64_t v[2] = {0, INT64_MAX};
        p = pb_new();
        add_dims(&p, d2, 1);
        pb_int(&p, T_DTYPE, ONNX_UINT64);
        pb_ints_packed(&p, T_UINT64, v, 2);
        CU_ASSERT_EQUAL_FATAL(onnx_read_tensor_mem("t.pb", p.b, p.n, &t, &d), 0);
        pb_free(&p);
        CU_ASSERT(t.i64[0] == 0 && t.i64[1] == INT64_MAX);
        onnx_tensor_free(&t);
    }

    /* DOUBLE: double_data and raw_data */
    {
        static const double v[3] = {0.1, -1e30, 3.0};
        p = pb_new();
        add_dims(&p, d3, 1);
        pb_int(&p, T_DTYPE, ONNX_DOUBLE);
        pb_doubles_packed(&p, T_DOUBLE, v, 3);
        CU_ASSERT_EQUAL_FATAL(onnx_read_tensor_mem("t.pb", p.b, p.n, &t, &d), 0);
        pb_free(&p);
        CU_ASSERT_PTR_NULL(t.i64);
        CU_ASSERT(t.f32[0] == 0.1f && t.f32[1] == -1e30f && t.f32[2] == 3.0f);
        onnx_tensor_free(&t);
        for (i = 0; i < 3; i++) {
            le64(raw + 8 * i, f64_bits(v[i]));
        }
        p = tensor_raw("", ONNX_DOUBLE, d3, 1, raw, 24);
        CU_ASSERT_EQUAL_FATAL(onnx_read_tensor_mem("t.pb", p.b, p.n, &t, &d), 0);
        pb_free(&p);
        CU_ASSERT(t.f32[0] == 0.1f && t.f32[1] == -1e30f && t.f32[2] == 3.0f);
        onnx_tensor_free(&t);
    }

    /* an empty tensor: dims [0, 3], no data */
    p = pb_new();
    add_dims(&p, d03, 2);
    pb_int(&p, T_DTYPE, ONNX_FLOAT);
    CU_ASSERT_EQUAL_FATAL(onnx_read_tensor_mem("t.pb", p.b, p.n, &t, &d), 0);
    pb_free(&p);
    CU_ASSERT_EQUAL(t.ndim, 2);
    CU_ASSERT_EQUAL(t.count, 0);
    CU_ASSERT_PTR_NOT_NULL(t.f32);
    onnx_tensor_free(&t);
    CU_ASSERT_EQUAL(d.errors + d.io_errors, 0);
    CU_ASSERT_STRING_EQUAL(onnx_dtype_name(ONNX_BFLOAT16), "BFLOAT16");
    CU_ASSERT_STRING_EQUAL(onnx_dtype_name(-1), "?");
}

/* Fields outside the subset (doc strings, metadata, unknown numbers of
 * every wire type) are skipped. */
static void test_unknown_fields(void)
{
    pb g = relu_graph(NULL), m, meta = pb_new();
    uint8_t o[8];
    onnx_model *mo;

    pb_str(&g, 10, "graph doc string");
    pb_int(&g, 1000, 5);
    m = model(4, 11, &g);
    pb_str(&m, 6, "model doc string");
    pb_int(&m, 5, 42); /* model_version */
    pb_str(&meta, 1, "key");
    pb_str(&meta, 2, "value");
    pb_msg(&m, 14, &meta); /* metadata_props */
    pb_key(&m, 99, WT_64);
    le64(o, 0x0102030405060708u);
    pb_raw(&m, o, 8);
    pb_key(&m, 98, WT_32);
    pb_raw(&m, o, 4);
    pb_key(&m, 536870911, WT_VARINT); /* the largest field number */
    pb_varint(&m, UINT64_MAX);
    mo = read_ok(&m);
    pb_free(&m);
    CU_ASSERT_PTR_NOT_NULL_FATAL(mo);
    CU_ASSERT_EQUAL(mo->ir_version, 4);
    CU_ASSERT_EQUAL(mo->opset, 11);
    CU_ASSERT_EQUAL(mo->n_nodes, 1);
    CU_ASSERT_STRING_EQUAL(mo->nodes[0].op_type, "Relu");
    onnx_model_free(mo);
}

/* IR version, opset, graph presence. */
static void test_versions(void)
{
    pb g, m, os;
    onnx_model *mo;

    g = relu_graph(NULL);
    m = model(99, 13, &g);
    MODEL_FAILS(&m, "t.onnx: error: IR version 99 is not supported (3..10)");
    pb_free(&m);
    g = relu_graph(NULL);
    m = model(2, 13, &g);
    MODEL_FAILS(&m, "IR version 2 is not supported (3..10)");
    pb_free(&m);
    /* IR versions 9 and 10 (issue 12) are read; 11 is not */
    g = relu_graph(NULL);
    m = model(11, 13, &g);
    MODEL_FAILS(&m, "t.onnx: error: IR version 11 is not supported (3..10)");
    pb_free(&m);
    {
        int64_t irv;
        for (irv = 9; irv <= 10; irv++) {
            g = relu_graph(NULL);
            m = model(irv, 13, &g);
            mo = read_ok(&m);
            CU_ASSERT_PTR_NOT_NULL_FATAL(mo);
            CU_ASSERT_EQUAL(mo->ir_version, irv);
            onnx_model_free(mo);
            pb_free(&m);
        }
    }
    g = relu_graph(NULL);
    m = model(8, 99, &g);
    MODEL_FAILS(&m, "t.onnx: error: opset 99 is not supported (up to 17)");
    pb_free(&m);
    g = relu_graph(NULL);
    m = model(8, 18, &g);
    MODEL_FAILS(&m, "opset 18 is not supported (up to 17)");
    pb_free(&m);
    g = relu_graph(NULL);
    m = model(8, 0, &g);
    MODEL_FAILS(&m, "opset 0 is not valid");
    pb_free(&m);
    m = model(8, 13, NULL);
    MODEL_FAILS(&m, "t.onnx: error: the model has no graph");
    pb_free(&m);
    /* no ir_version at all */
    g = relu_graph(NULL);
    m = pb_new();
    os = pb_new();
    pb_int(&os, OS_VERSION, 13);
    pb_msg(&m, M_OPSET, &os);
    pb_msg(&m, M_GRAPH, &g);
    MODEL_FAILS(&m, "IR version 0 is not supported (3..10)");
    pb_free(&m);
    /* the default domain imported twice */
    g = relu_graph(NULL);
    m = model(8, 13, &g);
    os = pb_new();
    pb_str(&os, OS_DOMAIN, "ai.onnx");
    pb_int(&os, OS_VERSION, 12);
    pb_msg(&m, M_OPSET, &os);
    MODEL_FAILS(&m, "opset_import lists the default domain twice");
    pb_free(&m);
    /* no default-domain opset: an error only when a node is in it */
    g = relu_graph(NULL);
    m = pb_new();
    pb_int(&m, M_IR, 8);
    pb_msg(&m, M_GRAPH, &g);
    MODEL_FAILS(&m, "node 0 ('relu') is in the default domain, but the model imports no opset of it");
    pb_free(&m);
    g = pb_new();
    {
        pb n = pb_new();
        pb_str(&n, N_OP, "Adam");
        pb_str(&n, N_DOMAIN, "ai.onnx.preview.training");
        pb_msg(&g, G_NODE, &n);
    }
    m = pb_new();
    os = pb_new();
    pb_str(&os, OS_DOMAIN, "ai.onnx.preview.training");
    pb_int(&os, OS_VERSION, 1);
    pb_msg(&m, M_OPSET, &os);
    pb_int(&m, M_IR, 8);
    pb_msg(&m, M_GRAPH, &g);
    mo = read_ok(&m);
    pb_free(&m);
    CU_ASSERT_PTR_NOT_NULL_FATAL(mo);
    CU_ASSERT_EQUAL(mo->opset, 0);
    CU_ASSERT_STRING_EQUAL(mo->nodes[0].domain, "ai.onnx.preview.training");
    CU_ASSERT_STRING_EQUAL(mo->producer, "");
    onnx_model_free(mo);
    /* the bounds themselves are accepted */
    g = relu_graph(NULL);
    m = model(3, 1, &g);
    mo = read_ok(&m);
    pb_free(&m);
    onnx_model_free(mo);
}

/* Malformed wire data, reported with the byte offset. */
static void test_wire_errors(void)
{
    pb m, g;
    static const uint8_t group[] = {0x0b};                         /* field 1, wire type 3 */
    static const uint8_t wt7[] = {0x0f};                           /* field 1, wire type 7 */
    static const uint8_t field0[] = {0x00, 0x01};                  /* field 0 */
    static const uint8_t open_varint[] = {0x08, 0x80};             /* ir_version, unterminated */
    static const uint8_t long_varint[] = {0x08, 0xff, 0xff, 0xff, 0xff, 0xff,
                                          0xff, 0xff, 0xff, 0xff, 0x7f}; /* 65+ bits */
    static const uint8_t open_key[] = {0x08, 0x07, 0x80};          /* key unterminated */
    static const uint8_t fixed_short[] = {0x08, 0x07, 0x99, 0x06, 0x01, 0x02}; /* field 99 64-bit */
    static const uint8_t graph_long[] = {0x08, 0x07, 0x3a, 0x64, 0x0a, 0x00, 0x12, 0x00, 0x00};
    static const uint8_t len_huge[] = {0x08, 0x07, 0x3a, 0xff, 0xff, 0xff, 0xff, 0x7f};

#define RAW_FAILS(arr, want) do { pb r_ = pb_new(); pb_raw(&r_, arr, sizeof arr); \
        model_fails(&r_, want, __LINE__); pb_free(&r_); } while (0)
    RAW_FAILS(group, "t.onnx: byte 0: error: field 'ir_version' (1) of ModelProto uses the group "
                     "wire type, which is not supported");
    RAW_FAILS(wt7, "t.onnx: byte 0: error: invalid wire type 7");
    RAW_FAILS(field0, "t.onnx: byte 0: error: invalid field number 0 in ModelProto");
    RAW_FAILS(open_varint, "t.onnx: byte 1: error: truncated varint in field 'ir_version' (1)");
    RAW_FAILS(long_varint, "t.onnx: byte 1: error: malformed varint in field 'ir_version' (1)");
    RAW_FAILS(open_key, "t.onnx: byte 2: error: truncated field key in ModelProto");
    RAW_FAILS(fixed_short, "t.onnx: byte 4: error: truncated 64-bit value in field 99 of ModelProto");
    RAW_FAILS(graph_long, "t.onnx: byte 3: error: field 'graph' (7) of ModelProto is 100 bytes "
                          "long, past the end of the file (byte 9)");
    RAW_FAILS(len_huge, "t.onnx: byte 3: error: malformed length in field 'graph' (7)");

    /* wrong wire types for known fields */
    m = pb_new();
    pb_str(&m, M_IR, "8");
    MODEL_FAILS(&m, "t.onnx: byte 0: error: field 'ir_version' (1) of ModelProto has wire type "
                    "length-delimited, expected varint");
    pb_free(&m);
    m = pb_new();
    pb_int(&m, M_IR, 8);
    pb_int(&m, M_GRAPH, 1);
    MODEL_FAILS(&m, "t.onnx: byte 2: error: field 'graph' (7) of ModelProto has wire type varint, "
                    "expected length-delimited");
    pb_free(&m);
    /* nested: a float attribute sent as a varint, offset inside the graph */
    g = pb_new();
    {
        pb n = pb_new(), a = pb_new();
        pb_str(&a, A_NAME, "alpha");
        pb_int(&a, A_F, 1);
        pb_msg(&n, N_ATTR, &a);
        pb_str(&n, N_OP, "LeakyRelu");
        pb_msg(&g, G_NODE, &n);
    }
    m = model(8, 13, &g);
    MODEL_FAILS(&m, "error: field 'f' (2) of AttributeProto has wire type varint, expected 32-bit");
    pb_free(&m);
    /* dims as fixed32 */
    m = pb_new();
    pb_float(&m, T_DIMS, 1.0f);
    TENSOR_FAILS(&m, "t.pb: byte 0: error: field 'dims' (1) of TensorProto has wire type 32-bit, "
                     "expected varint");
    pb_free(&m);
    /* packed floats whose length is not a multiple of 4 */
    m = pb_new();
    pb_bytes(&m, T_FLOAT, "abcdef", 6);
    TENSOR_FAILS(&m, "t.pb: byte 1: error: packed field 'float_data' (4) of TensorProto is 6 bytes "
                     "long, not a multiple of 4");
    pb_free(&m);
    /* a packed varint run that ends inside a varint */
    m = pb_new();
    pb_bytes(&m, T_DIMS, "\x01\x82", 2);
    TENSOR_FAILS(&m, "t.pb: byte 3: error: truncated varint in packed field 'dims' (1)");
    pb_free(&m);
    /* a NUL byte inside a string */
    m = pb_new();
    pb_bytes(&m, T_NAME, "a\0b", 3);
    TENSOR_FAILS(&m, "t.pb: byte 2: error: field 'name' (8) of TensorProto contains a NUL byte");
    pb_free(&m);
    /* empty input: no IR version, no graph */
    m = pb_new();
    MODEL_FAILS(&m, "the model has no graph");
    pb_free(&m);
#undef RAW_FAILS
}

/* Tensors the reader rejects, in a model and on their own. */
static void test_tensor_errors(void)
{
    static const int64_t d2[1] = {2}, d22[2] = {2, 2}, huge[1] = {(int64_t)1 << 40};
    static const int64_t big3[3] = {1 << 20, 1 << 20, 1 << 20}, neg[2] = {2, -1};
    static const int64_t nine[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
    static const float fv[4] = {1, 2, 3, 4};
    uint8_t raw[16];
    pb t, g, m;

    /* raw_data length mismatch, through a model */
    t = tensor_f32_raw("w", d22, 2, fv, 3);
    g = relu_graph(&t);
    m = model(8, 13, &g);
    MODEL_FAILS(&m, "t.onnx: error: initializer 'w': raw_data has 12 bytes, expected 16 "
                    "(4 FLOAT elements of 4 bytes)");
    pb_free(&m);
    /* absurd dims */
    t = tensor_f32_raw("w", huge, 1, fv, 1);
    g = relu_graph(&t);
    m = model(8, 13, &g);
    MODEL_FAILS(&m, "initializer 'w': dimension 0 is too large (1099511627776; at most 2^31 elements)");
    pb_free(&m);
    t = tensor_f32_raw("w", big3, 3, fv, 1);
    TENSOR_FAILS(&t, "t.pb: error: tensor 'w' has more than 2^31 elements");
    pb_free(&t);
    t = tensor_f32_raw("w", neg, 2, fv, 2);
    TENSOR_FAILS(&t, "tensor 'w': dimension 1 is negative (-1)");
    pb_free(&t);
    t = tensor_f32_raw("w", nine, 9, fv, 1);
    TENSOR_FAILS(&t, "tensor 'w' has 9 dimensions (at most 8 are supported)");
    pb_free(&t);
    /* typed data of the wrong count, in the wrong field, next to raw_data */
    t = pb_new();
    add_dims(&t, d22, 2);
    pb_int(&t, T_DTYPE, ONNX_FLOAT);
    pb_floats_packed(&t, T_FLOAT, fv, 3);
    TENSOR_FAILS(&t, "tensor has 3 values in float_data, expected 4");
    pb_free(&t);
    t = pb_new();
    add_dims(&t, d2, 1);
    pb_int(&t, T_DTYPE, ONNX_FLOAT);
    pb_int(&t, T_INT64, 1);
    pb_int(&t, T_INT64, 2);
    TENSOR_FAILS(&t, "tensor: int64_data holds no FLOAT values (they belong in float_data or raw_data)");
    pb_free(&t);
    t = tensor_f32_raw("", d2, 1, fv, 2);
    pb_float(&t, T_FLOAT, 1.0f);
    pb_float(&t, T_FLOAT, 2.0f);
    TENSOR_FAILS(&t, "tensor has both raw_data and float_data");
    pb_free(&t);
    /* external data */
    t = pb_new();
    add_dims(&t, d2, 1);
    pb_int(&t, T_DTYPE, ONNX_FLOAT);
    pb_str(&t, T_NAME, "ext");
    {
        pb kv = pb_new();
        pb_str(&kv, 1, "location");
        pb_str(&kv, 2, "weights.bin");
        pb_msg(&t, T_EXTERNAL, &kv);
    }
    pb_int(&t, T_LOCATION, 1);
    g = relu_graph(&t);
    m = model(8, 13, &g);
    MODEL_FAILS(&m, "t.onnx: error: initializer 'ext': external tensor data is not supported");
    pb_free(&m);
    /* unsupported and missing data types */
    t = pb_new();
    pb_int(&t, T_DTYPE, ONNX_STRING);
    pb_str(&t, T_STRING, "hello");
    TENSOR_FAILS(&t, "tensor: data type STRING (8) is not supported");
    pb_free(&t);
    memset(raw, 0, sizeof raw);
    t = tensor_raw("h", ONNX_FLOAT16, d2, 1, raw, 4);
    TENSOR_FAILS(&t, "tensor 'h': data type FLOAT16 (10) is not supported");
    pb_free(&t);
    t = tensor_raw("h", ONNX_BFLOAT16, d2, 1, raw, 4);
    TENSOR_FAILS(&t, "data type BFLOAT16 (16) is not supported");
    pb_free(&t);
    t = tensor_raw("c", ONNX_COMPLEX64, d2, 1, raw, 16);
    TENSOR_FAILS(&t, "data type COMPLEX64 (14) is not supported");
    pb_free(&t);
    t = tensor_raw("c", 99, d2, 1, raw, 16);
    TENSOR_FAILS(&t, "data type ? (99) is not supported");
    pb_free(&t);
    t = pb_new();
    add_dims(&t, d2, 1);
    pb_raw(&t, "", 0);
    TENSOR_FAILS(&t, "tensor has no data type");
    pb_free(&t);
    /* values outside their type's range */
    t = pb_new();
    pb_int(&t, T_DTYPE, ONNX_INT8);
    pb_int(&t, T_INT32, 300);
    TENSOR_FAILS(&t, "tensor: value 300 (element 0) is out of the INT8 range");
    pb_free(&t);
    raw[0] = 0;
    raw[1] = 2;
    t = tensor_raw("b", ONNX_BOOL, d2, 1, raw, 2);
    TENSOR_FAILS(&t, "tensor 'b': value 2 (element 1) is out of the BOOL range");
    pb_free(&t);
    le64(raw, (uint64_t)1 << 63);
    t = tensor_raw("u", ONNX_UINT64, d2 + 0, 0, raw, 8);
    TENSOR_FAILS(&t, "tensor 'u': value 9223372036854775808 (element 0) does not fit int64");
    pb_free(&t);
    {
        static const double big[1] = {1e300};
        t = pb_new();
        pb_int(&t, T_DTYPE, ONNX_DOUBLE);
        pb_doubles_packed(&t, T_DOUBLE, big, 1);
        TENSOR_FAILS(&t, "tensor: DOUBLE value 1e+300 (element 0) is out of the float range");
        pb_free(&t);
    }
}

/* Graph-level structure errors. */
static void test_graph_errors(void)
{
    static const int64_t nine[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
    pb g, m, n, a, v;

    g = pb_new();
    n = pb_new();
    pb_str(&n, N_NAME, "nameless_op");
    pb_msg(&g, G_NODE, &n);
    m = model(8, 13, &g);
    MODEL_FAILS(&m, "node 0 ('nameless_op') has no op_type");
    pb_free(&m);

    g = pb_new();
    n = pb_new();
    pb_str(&n, N_NAME, "c");
    pb_str(&n, N_OP, "Constant");
    a = pb_new();
    pb_str(&a, A_NAME, "value");
    pb_int(&a, A_TYPE, ONNX_ATTR_TENSOR);
    pb_msg(&n, N_ATTR, &a);
    pb_msg(&g, G_NODE, &n);
    m = model(8, 13, &g);
    MODEL_FAILS(&m, "attribute 'value' of node 'c' (Constant) is of type TENSOR but holds no tensor");
    pb_free(&m);

    g = pb_new();
    n = pb_new();
    pb_str(&n, N_OP, "Relu");
    a = pb_new();
    pb_int(&a, A_TYPE, ONNX_ATTR_INT);
    pb_msg(&n, N_ATTR, &a);
    pb_msg(&g, G_NODE, &n);
    m = model(8, 13, &g);
    MODEL_FAILS(&m, "attribute 0 of node '' (Relu) has no name");
    pb_free(&m);

    g = pb_new();
    v = value_info("x", ONNX_FLOAT, nine, 9, NULL);
    pb_msg(&g, G_INPUT, &v);
    m = model(8, 13, &g);
    MODEL_FAILS(&m, "graph input 'x' has 9 dimensions (at most 8 are supported)");
    pb_free(&m);

    g = pb_new();
    v = pb_new();
    pb_int(&v, V_TYPE + 100, 1);
    pb_msg(&g, G_OUTPUT, &v);
    m = model(8, 13, &g);
    MODEL_FAILS(&m, "graph output 0 has no name");
    pb_free(&m);

    {
        static const int64_t d1[1] = {1};
        static const float f1[1] = {1};
        pb t = tensor_f32_raw("", d1, 1, f1, 1);
        g = relu_graph(&t);
        m = model(8, 13, &g);
        MODEL_FAILS(&m, "initializer 0 has no name");
        pb_free(&m);
    }
}

/* A small valid model with two initializers and attributes. */
static pb small_model(void)
{
    static const int64_t d4[1] = {4};
    static const float fv[4] = {0.5f, -0.5f, 1.5f, -1.5f};
    pb t = tensor_f32_raw("w", d4, 1, fv, 4), g = relu_graph(&t), a = pb_new(), n = pb_new();
    pb t2 = pb_new();
    add_dims(&t2, d4, 1);
    pb_int(&t2, T_DTYPE, ONNX_FLOAT);
    pb_str(&t2, T_NAME, "b");
    pb_floats_packed(&t2, T_FLOAT, fv, 4);
    pb_msg(&g, G_INIT, &t2);
    pb_str(&n, N_INPUT, "y");
    pb_str(&n, N_OUTPUT, "z");
    pb_str(&n, N_OP, "LeakyRelu");
    pb_str(&a, A_NAME, "alpha");
    pb_float(&a, A_F, 0.1f);
    pb_int(&a, A_TYPE, ONNX_ATTR_FLOAT);
    pb_msg(&n, N_ATTR, &a);
    pb_msg(&g, G_NODE, &n);
    return model(8, 13, &g);
}

/* Every proper prefix of a model whose graph comes last fails cleanly
 * (a prefix that ends between top-level fields lacks the graph; one that
 * ends inside it cuts a length-delimited field). */
static void test_truncation(void)
{
    pb m = small_model();
    diag d = {0};
    onnx_model *mo;
    size_t cut, failed = 0, with_offset = 0;
    const char *msgs;

    mo = read_ok(&m);
    CU_ASSERT_PTR_NOT_NULL(mo);
    CU_ASSERT_EQUAL(mo != NULL ? mo->n_inits : 0, 2);
    onnx_model_free(mo);
    for (cut = 0; cut < m.n; cut++) {
        int before = d.errors;
        d.printed = 0; /* one diagnostic per cut; the cap is per run */
        cap_begin();
        mo = onnx_read_mem("t.onnx", m.b, cut, &d);
        msgs = cap_end();
        if (mo == NULL && d.errors > before && d.io_errors == 0) {
            failed++;
        }
        if (strstr(msgs, ": byte ") != NULL) {
            with_offset++;
        }
        onnx_model_free(mo);
    }
    CU_ASSERT_EQUAL(failed, m.n);
    CU_ASSERT(with_offset > m.n / 2);
    /* through a file too */
    write_file("truncated.onnx", &m);
    {
        pb half = pb_new();
        pb_raw(&half, m.b, m.n / 2);
        write_file("truncated.onnx", &half);
        pb_free(&half);
    }
    cap_begin();
    mo = onnx_read(path, &d);
    msgs = cap_end();
    CU_ASSERT_PTR_NULL(mo);
    expect_msg(msgs, "truncated.onnx: byte ", __LINE__);
    pb_free(&m);
}

/* Every single-byte corruption either fails with an input error or reads
 * as a model (a changed value, a skipped field): never both, never neither. */
static void test_byte_flips(void)
{
    pb m = small_model();
    size_t i, failed = 0;
    unsigned mask;
    onnx_model *mo;

    cap_begin();
    for (i = 0; i < m.n; i++) {
        for (mask = 0x01; mask <= 0x80; mask <<= 1) {
            diag d = {0};
            m.b[i] ^= (uint8_t)mask;
            mo = onnx_read_mem("t.onnx", m.b, m.n, &d);
            m.b[i] ^= (uint8_t)mask;
            CU_ASSERT_EQUAL(d.io_errors, 0);
            CU_ASSERT((mo == NULL) == (d.errors > 0));
            failed += mo == NULL;
            onnx_model_free(mo);
        }
    }
    cap_end();
    CU_ASSERT(failed > 0);
    pb_free(&m);
}

/* A file of tiny fields that protobuf-c would each give memory of its own
 * is refused before unpacking (16777216 + 1 unknown two-byte fields). */
static void test_too_many_fields(void)
{
    const size_t n = (size_t)16777216 + 1;
    uint8_t *b = (uint8_t *)malloc(2 * n);
    diag d = {0};
    onnx_model *m;
    size_t i;

    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    for (i = 0; i < n; i++) {
        b[2 * i] = 15 << 3; /* field 15, varint */
        b[2 * i + 1] = 0;
    }
    cap_begin();
    m = onnx_read_mem("t.onnx", b, 2 * n, &d);
    expect_msg(cap_end(), "t.onnx: byte 33554432: error: more than 16777216 messages, strings "
                          "and unknown fields", __LINE__);
    CU_ASSERT_PTR_NULL(m);
    free(b);
}

static void test_unreadable(void)
{
    diag d = {0};
    onnx_tensor t;
    const char *msgs;

    snprintf(path, sizeof path, "%s/does_not_exist.onnx", tmpdir);
    cap_begin();
    CU_ASSERT_PTR_NULL(onnx_read(path, &d));
    CU_ASSERT_EQUAL(onnx_read_tensor(tmpdir, &t, &d), -1);
    msgs = cap_end();
    expect_msg(msgs, "does_not_exist.onnx: error: cannot read: No such file or directory", __LINE__);
    expect_msg(msgs, ": error: cannot read: Is a directory", __LINE__);
    CU_ASSERT_EQUAL(d.errors, 2);
    CU_ASSERT_EQUAL(d.io_errors, 0);
    onnx_model_free(NULL);
}

/* The ONNX backend test data: node/test_relu. Expected values from
 *   /usr/bin/python3 -c 'import onnx; m = onnx.load(".../test_relu/model.onnx"); print(m)'
 * (onnx 1.12): ir_version 7, opset_import { domain "" version 14 }, one
 * node Relu(x) -> y without a name, input x and output y FLOAT [3, 4, 5];
 * input_0.pb: TensorProto "x", FLOAT, dims [3, 4, 5], raw_data of 240
 * bytes, first value 1.764052391052246 (onnx.numpy_helper.to_array). */
static void test_real_relu(void)
{
    diag d = {0};
    onnx_model *m;
    onnx_tensor x, y;
    size_t i;
    int i_ok = 1;

    m = onnx_read(TESTDATA "/test_relu/model.onnx", &d);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    CU_ASSERT_EQUAL(m->ir_version, 7);
    CU_ASSERT_EQUAL(m->opset, 14);
    CU_ASSERT_EQUAL_FATAL(m->n_nodes, 1);
    CU_ASSERT_STRING_EQUAL(m->nodes[0].op_type, "Relu");
    CU_ASSERT_STRING_EQUAL(m->nodes[0].name, "");
    CU_ASSERT_EQUAL_FATAL(m->nodes[0].n_inputs, 1);
    CU_ASSERT_STRING_EQUAL(m->nodes[0].inputs[0], "x");
    CU_ASSERT_STRING_EQUAL(m->nodes[0].outputs[0], "y");
    CU_ASSERT_EQUAL(m->n_inits, 0);
    CU_ASSERT_EQUAL_FATAL(m->n_inputs, 1);
    CU_ASSERT_STRING_EQUAL(m->inputs[0].name, "x");
    CU_ASSERT_EQUAL(m->inputs[0].elem_type, ONNX_FLOAT);
    CU_ASSERT_EQUAL_FATAL(m->inputs[0].ndim, 3);
    CU_ASSERT(m->inputs[0].dims[0] == 3 && m->inputs[0].dims[1] == 4 && m->inputs[0].dims[2] == 5);
    CU_ASSERT_EQUAL_FATAL(m->n_outputs, 1);
    CU_ASSERT_STRING_EQUAL(m->outputs[0].name, "y");
    CU_ASSERT_EQUAL(m->outputs[0].ndim, 3);
    onnx_model_free(m);

    CU_ASSERT_EQUAL_FATAL(onnx_read_tensor(TESTDATA "/test_relu/test_data_set_0/input_0.pb", &x, &d), 0);
    CU_ASSERT_EQUAL_FATAL(onnx_read_tensor(TESTDATA "/test_relu/test_data_set_0/output_0.pb", &y, &d), 0);
    CU_ASSERT_STRING_EQUAL(x.name, "x");
    CU_ASSERT_EQUAL(x.dtype, ONNX_FLOAT);
    CU_ASSERT_EQUAL_FATAL(x.ndim, 3);
    CU_ASSERT(x.dims[0] == 3 && x.dims[1] == 4 && x.dims[2] == 5);
    CU_ASSERT_EQUAL_FATAL(x.count, 60);
    CU_ASSERT_EQUAL_FATAL(y.count, 60);
    CU_ASSERT(x.f32[0] == 1.764052391052246f);
    /* the expected output is Relu of the input, element by element */
    for (i = 0; i < 60; i++) {
        i_ok &= y.f32[i] == (x.f32[i] > 0.0f ? x.f32[i] : 0.0f);
    }
    CU_ASSERT(i_ok);
    onnx_tensor_free(&x);
    onnx_tensor_free(&y);
    CU_ASSERT_EQUAL(d.errors + d.io_errors, 0);
}

/* node/test_reshape_negative_dim/test_data_set_0/input_1.pb: the INT64
 * shape tensor "shape", dims [3], values [2, -1, 2] (numpy_helper.to_array). */
static void test_real_int64(void)
{
    diag d = {0};
    onnx_tensor t;
    CU_ASSERT_EQUAL_FATAL(onnx_read_tensor(TESTDATA "/test_reshape_negative_dim/test_data_set_0/input_1.pb",
                                           &t, &d), 0);
    CU_ASSERT_STRING_EQUAL(t.name, "shape");
    CU_ASSERT_EQUAL(t.dtype, ONNX_INT64);
    CU_ASSERT_EQUAL(t.ndim, 1);
    CU_ASSERT_EQUAL_FATAL(t.count, 3);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t.i64);
    CU_ASSERT(t.i64[0] == 2 && t.i64[1] == -1 && t.i64[2] == 2);
    CU_ASSERT(t.f32[1] == -1.0f);
    onnx_tensor_free(&t);
}

UNIT_SUITE(onnx_reader)
{
    CU_pSuite s = CU_add_suite("onnx_reader", suite_init, suite_clean);
    CU_add_test(s, "model structure, field by field", test_model_structure);
    CU_add_test(s, "attributes of every kind", test_attributes);
    CU_add_test(s, "tensor values of every supported type", test_tensor_values);
    CU_add_test(s, "unknown fields are skipped", test_unknown_fields);
    CU_add_test(s, "IR version, opset, graph", test_versions);
    CU_add_test(s, "malformed wire data with byte offsets", test_wire_errors);
    CU_add_test(s, "rejected tensors", test_tensor_errors);
    CU_add_test(s, "graph structure errors", test_graph_errors);
    CU_add_test(s, "every truncation fails cleanly", test_truncation);
    CU_add_test(s, "every bit flip: error xor model", test_byte_flips);
    CU_add_test(s, "too many fields", test_too_many_fields);
    CU_add_test(s, "unreadable files", test_unreadable);
    CU_add_test(s, "real model: node/test_relu", test_real_relu);
    CU_add_test(s, "real tensor: INT64 shape", test_real_int64);
}

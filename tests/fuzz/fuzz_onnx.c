/* libFuzzer harness: the ONNX reader and importer (generator/onnx_read.c,
 * generator/import_onnx.c), as `stoic import` runs them.
 *
 * Each input is an ONNX file: it is read as a single TensorProto
 * (onnx_read_tensor_mem, the --freeze path), then imported (import_onnx,
 * which writes MODEL.xml and MODEL.bin) and, when the import succeeds, the
 * written description is loaded through the whole pipeline, as cmd_import
 * does. Checked besides the sanitizers:
 *   - a failing import reported an error and wrote nothing;
 *   - what the importer writes loads (the CLI calls anything else an
 *     internal error, exit 3).
 *
 * Structure-aware mutation (LLVMFuzzerCustomMutator): an input that decodes
 * as a ModelProto (protobuf-c, build/onnx.pb-c.h) is mutated as a graph --
 * op types from the importer's list, attributes the importer reads (with
 * interesting values), input/output wiring, value and initializer shapes,
 * initializer data and types, Constant nodes, opset and IR version, node
 * order -- and re-encoded, so most inputs get past the wire format into the
 * graph code. One mutation in eight (and every input that does not decode)
 * is libFuzzer's own byte-level mutation, which keeps the wire parser
 * fuzzed. The messages are unpacked into a bump arena (free is a no-op), so
 * mutated fields can point anywhere in it and everything goes at once. */
#include <math.h>

#include "fuzz_common.h"

#include "diag.h"
#include "import_onnx.h"
#include "ir.h"
#include "onnx.pb-c.h"
#include "onnx_read.h"
#include "pipeline.h"

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);
size_t LLVMFuzzerCustomCrossOver(const uint8_t *d1, size_t s1, const uint8_t *d2, size_t s2,
                                 uint8_t *out, size_t max_out, unsigned int seed);

#define ONNX_FUZZ_MAX (256u * 1024u)

/* ---- the harness ---------------------------------------------------------- */

static char onnx_path[PATH_MAX], xml_path[PATH_MAX], bin_path[PATH_MAX];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fz_path(onnx_path, sizeof onnx_path, "fz.onnx");
    fz_path(xml_path, sizeof xml_path, "fz.xml");
    fz_path(bin_path, sizeof bin_path, "fz.bin");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    diag d;
    onnx_tensor t;
    import_options io;
    struct stat sb;
    int rc;
    if (size > ONNX_FUZZ_MAX) {
        return 0;
    }
    memset(&d, 0, sizeof d);
    d.quiet = 1;
    if (onnx_read_tensor_mem("fz.pb", data, size, &t, &d) == 0) {
        onnx_tensor_free(&t);
    } else if (d.errors + d.io_errors == 0) {
        fz_fail("fuzz_onnx: onnx_read_tensor_mem failed without a diagnostic");
    }

    fz_write(onnx_path, sizeof onnx_path, "fz.onnx", data, size);
    memset(&d, 0, sizeof d);
    d.quiet = 1;
    memset(&io, 0, sizeof io);
    io.onnx_path = onnx_path;
    io.xml_path = xml_path;
    io.name = "fz";
    rc = import_onnx(&io, &d);
    if (rc != 0) {
        if (d.errors + d.io_errors == 0) {
            fz_fail("fuzz_onnx: import failed without a diagnostic");
        }
        if (stat(xml_path, &sb) == 0 || stat(bin_path, &sb) == 0) {
            fz_fail("fuzz_onnx: a failed import left a file behind");
        }
    } else {
        ir_graph *g;
        diag d2;
        memset(&d2, 0, sizeof d2);
        d2.quiet = 1;
        g = pipeline_build(xml_path, &d2);
        /* a valid model larger than stoic's limits (a 2 GiB arena): stoic
         * import refuses it as bad input (exit 1), as main.c does */
        if (g == NULL && !(d2.limits > 0 && d2.io_errors == 0)) {
            fz_fail("fuzz_onnx: the imported description does not load "
                                "(stoic import: internal error, exit 3)");
        }
        ir_free(g);
    }
    (void)unlink(xml_path);
    (void)unlink(bin_path);
    return 0;
}

/* ---- a bump arena as the protobuf-c allocator ----------------------------- */

typedef struct chunk {
    struct chunk *next;
    size_t used, cap;
    union { long double ld; void *p; long long ll; } data[];
} chunk;

typedef struct {
    chunk *head;
} arena;

static void *ar_alloc(void *ad, size_t n)
{
    arena *a = ad;
    chunk *c = a->head;
    n = (n + 15) & ~(size_t)15;
    if (c == NULL || c->cap - c->used < n) {
        size_t cap = n > 65536 ? n : 65536;
        c = malloc(sizeof *c + cap);
        if (c == NULL) {
            return NULL;
        }
        c->next = a->head;
        c->used = 0;
        c->cap = cap;
        a->head = c;
    }
    c->used += n;
    return (char *)c->data + c->used - n;
}

static void ar_free(void *ad, void *p)
{
    (void)ad;
    (void)p;
}

static void ar_release(arena *a)
{
    while (a->head != NULL) {
        chunk *c = a->head;
        a->head = c->next;
        free(c);
    }
}

typedef struct {
    arena ar;
    ProtobufCAllocator pa;
    uint64_t rnd;
} mctx;

static void *M_alloc(mctx *m, size_t n)
{
    void *p = ar_alloc(&m->ar, n > 0 ? n : 1);
    if (p == NULL) {
        abort(); /* out of memory in the mutator itself */
    }
    memset(p, 0, n > 0 ? n : 1);
    return p;
}

static char *M_strdup(mctx *m, const char *s)
{
    size_t n;
    if (s == NULL) {
        s = ""; /* an optional string field the decoded model leaves unset */
    }
    n = strlen(s) + 1;
    char *p = M_alloc(m, n);
    memcpy(p, s, n);
    return p;
}

static uint64_t R(mctx *m, uint64_t n)
{
    return n == 0 ? 0 : fz_rand(&m->rnd) % n;
}

/* Grows an array of pointers by one (a copy in the arena). */
static void *grow_ptrs(mctx *m, void *arr, size_t n, void *item)
{
    void **a = M_alloc(m, (n + 1) * sizeof *a);
    if (n > 0) {
        memcpy(a, arr, n * sizeof *a);
    }
    a[n] = item;
    return a;
}

/* ---- vocabulary ----------------------------------------------------------- */

static const char *const OPS[] = {
    "Gemm", "MatMul", "Conv", "MaxPool", "AveragePool", "GlobalAveragePool", "Relu",
    "LeakyRelu", "Clip", "Sigmoid", "Tanh", "Softmax", "Add", "Mul", "Concat", "Flatten",
    "Reshape", "Pad", "BatchNormalization", "Identity", "Dropout", "Constant", "Unsqueeze",
    "Squeeze", "Transpose", "LSTM", "GRU", "Gather",
    /* a few the importer refuses */
    "Sub", "Gelu", "ConvTranspose", "Resize"
};
#define N_OPS (sizeof OPS / sizeof OPS[0])

static const char *const ATTRS[] = {
    "auto_pad", "dilations", "group", "kernel_shape", "pads", "strides", "ceil_mode",
    "count_include_pad", "storage_order", "alpha", "beta", "transA", "transB", "broadcast",
    "axis", "axes", "perm", "epsilon", "momentum", "training_mode", "mode", "value",
    "value_float", "value_floats", "value_int", "value_ints", "min", "max", "allowzero",
    "spatial", "consumed_inputs", "ratio", "seed", "hidden_size", "direction", "layout",
    "linear_before_reset", "activations", "clip", "input_forget"
};
#define N_ATTRS (sizeof ATTRS / sizeof ATTRS[0])

static const char *const STRINGS[] = {
    "NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID", "constant", "reflect", "edge", "", "x",
    "forward", "reverse", "bidirectional", "Sigmoid", "Tanh"
};
#define N_STRINGS (sizeof STRINGS / sizeof STRINGS[0])

static int64_t interesting_int(mctx *m)
{
    static const int64_t v[] = {
        0, 1, 2, 3, 4, -1, -2, -3, -4, 5, 7, 8, 16, 255, 256, 65535, 65536, 16777216,
        2147483647, -2147483647 - 1, 4294967296LL, INT64_MAX, INT64_MIN, (int64_t)1 << 40
    };
    if (R(m, 3) == 0) {
        return (int64_t)R(m, 9) - 4;
    }
    return v[R(m, sizeof v / sizeof v[0])];
}

static float interesting_float(mctx *m)
{
    static const float v[] = { 0.0F, 1.0F, -1.0F, 0.5F, 6.0F, 1e-5F, 0.01F, -0.0F, 1e30F,
                               -1e30F, 3.4e38F, 1e-40F };
    switch (R(m, 4)) {
    case 0:
        return (float)((double)R(m, 2001) / 1000.0 - 1.0);
    case 1:
        return R(m, 2) ? INFINITY : NAN;
    default:
        return v[R(m, sizeof v / sizeof v[0])];
    }
}

/* ---- the graph's value names ---------------------------------------------- */

typedef struct {
    const char **s;
    size_t n;
} names;

static void names_add(mctx *m, names *nm, const char *s)
{
    if (s == NULL) {
        return;
    }
    nm->s = grow_ptrs(m, (void *)nm->s, nm->n, (void *)(uintptr_t)s);
    nm->n++;
}

static names value_names(mctx *m, const Onnx__GraphProto *g)
{
    names nm = { NULL, 0 };
    size_t i, k;
    for (i = 0; i < g->n_input; i++) {
        names_add(m, &nm, g->input[i]->name);
    }
    for (i = 0; i < g->n_initializer; i++) {
        names_add(m, &nm, g->initializer[i]->name);
    }
    for (i = 0; i < g->n_node; i++) {
        for (k = 0; k < g->node[i]->n_output; k++) {
            names_add(m, &nm, g->node[i]->output[k]);
        }
    }
    return nm;
}

static const char *any_name(mctx *m, const Onnx__GraphProto *g)
{
    names nm = value_names(m, g);
    if (nm.n == 0 || R(m, 16) == 0) {
        return R(m, 2) ? "" : "x";
    }
    return nm.s[R(m, nm.n)];
}

static char *fresh_name(mctx *m)
{
    char buf[32];
    snprintf(buf, sizeof buf, "fz%u", (unsigned)R(m, 100000));
    return M_strdup(m, buf);
}

/* ---- tensors -------------------------------------------------------------- */

static Onnx__TensorProto *new_tensor(mctx *m, const char *name, int rank, const int64_t *dims,
                                     int dtype)
{
    Onnx__TensorProto *t = M_alloc(m, sizeof *t);
    int64_t count = 1;
    size_t k, c;
    onnx__tensor_proto__init(t);
    t->name = M_strdup(m, name);
    t->n_dims = (size_t)rank;
    t->dims = M_alloc(m, (size_t)(rank > 0 ? rank : 1) * sizeof *t->dims);
    for (k = 0; k < (size_t)rank; k++) {
        t->dims[k] = dims[k];
        count = dims[k] >= 0 && dims[k] <= 4096 && count <= 4096 ? count * dims[k] : 4097;
    }
    /* usually data that matches the dims; sometimes one element off */
    c = (size_t)(count <= 4096 ? count : 16);
    if (R(m, 10) == 0) {
        c = R(m, 2) ? c + 1 : (c > 0 ? c - 1 : 0);
    }
    t->has_data_type = 1;
    t->data_type = dtype;
    switch (dtype) {
    case ONNX_INT64:
        t->n_int64_data = c;
        t->int64_data = M_alloc(m, (c + 1) * sizeof *t->int64_data);
        for (k = 0; k < c; k++) {
            t->int64_data[k] = R(m, 4) ? (int64_t)R(m, 5) - 1 : interesting_int(m);
        }
        break;
    case ONNX_INT32:
    case ONNX_INT8:
    case ONNX_UINT8:
    case ONNX_BOOL:
        t->n_int32_data = c;
        t->int32_data = M_alloc(m, (c + 1) * sizeof *t->int32_data);
        for (k = 0; k < c; k++) {
            t->int32_data[k] = (int32_t)R(m, 7) - 3;
        }
        break;
    case ONNX_DOUBLE:
        t->n_double_data = c;
        t->double_data = M_alloc(m, (c + 1) * sizeof *t->double_data);
        for (k = 0; k < c; k++) {
            t->double_data[k] = (double)interesting_float(m);
        }
        break;
    default:
        if (R(m, 2)) {
            t->n_float_data = c;
            t->float_data = M_alloc(m, (c + 1) * sizeof *t->float_data);
            for (k = 0; k < c; k++) {
                t->float_data[k] = R(m, 8) ? (float)((double)R(m, 2001) / 1000.0 - 1.0)
                                           : interesting_float(m);
            }
        } else {
            t->has_raw_data = 1;
            t->raw_data.len = 4 * c;
            t->raw_data.data = M_alloc(m, 4 * c + 1);
            for (k = 0; k < c; k++) {
                float v = (float)((double)R(m, 2001) / 1000.0 - 1.0);
                memcpy(t->raw_data.data + 4 * k, &v, 4);
            }
        }
        break;
    }
    return t;
}

static int random_dims(mctx *m, int64_t *dims)
{
    int rank = (int)R(m, 5), k;
    for (k = 0; k < rank; k++) {
        dims[k] = R(m, 8) == 0 ? interesting_int(m) : 1 + (int64_t)R(m, 4);
    }
    return rank;
}

/* ---- attributes ----------------------------------------------------------- */

static Onnx__AttributeProto *new_attr(mctx *m, const char *name)
{
    Onnx__AttributeProto *a = M_alloc(m, sizeof *a);
    size_t k, n;
    onnx__attribute_proto__init(a);
    a->name = M_strdup(m, name);
    a->has_type = 1;
    switch (R(m, 7)) {
    case 0:
        a->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT;
        a->has_i = 1;
        a->i = interesting_int(m);
        break;
    case 1:
    case 2:
        a->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS;
        n = R(m, 9);
        a->n_ints = n;
        a->ints = M_alloc(m, (n + 1) * sizeof *a->ints);
        for (k = 0; k < n; k++) {
            a->ints[k] = R(m, 3) ? (int64_t)R(m, 4) : interesting_int(m);
        }
        break;
    case 3:
        a->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT;
        a->has_f = 1;
        a->f = interesting_float(m);
        break;
    case 4: {
        const char *s = STRINGS[R(m, N_STRINGS)];
        a->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING;
        a->has_s = 1;
        a->s.len = strlen(s);
        a->s.data = (uint8_t *)M_strdup(m, s);
        break;
    }
    case 5:
        a->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS;
        n = R(m, 5);
        a->n_floats = n;
        a->floats = M_alloc(m, (n + 1) * sizeof *a->floats);
        for (k = 0; k < n; k++) {
            a->floats[k] = interesting_float(m);
        }
        break;
    default: {
        int64_t dims[4];
        int rank = random_dims(m, dims);
        a->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR;
        a->t = new_tensor(m, "", rank, dims, R(m, 3) ? ONNX_FLOAT : ONNX_INT64);
        break;
    }
    }
    if (R(m, 20) == 0) {
        a->type = (Onnx__AttributeProto__AttributeType)R(m, 15); /* type and value disagree */
    }
    return a;
}

/* Tweaks an existing attribute's value in place (a copy of its arrays). */
static void tweak_attr(mctx *m, Onnx__AttributeProto *a)
{
    if (a->n_ints > 0) {
        int64_t *v = M_alloc(m, a->n_ints * sizeof *v);
        memcpy(v, a->ints, a->n_ints * sizeof *v);
        v[R(m, a->n_ints)] = R(m, 2) ? interesting_int(m) : (int64_t)R(m, 5);
        if (R(m, 4) == 0) {
            a->n_ints = R(m, a->n_ints + 2); /* shorter, or (from arena zeros) one longer */
            if (a->n_ints > 0) {
                int64_t *w = M_alloc(m, a->n_ints * sizeof *w);
                memcpy(w, v, (a->n_ints <= 1 ? a->n_ints : a->n_ints - 1) * sizeof *w);
                v = w;
            }
        }
        a->ints = v;
    } else if (a->has_i) {
        a->i = interesting_int(m);
    } else if (a->has_f) {
        a->f = interesting_float(m);
    } else if (a->has_s) {
        const char *s = STRINGS[R(m, N_STRINGS)];
        a->s.len = strlen(s);
        a->s.data = (uint8_t *)M_strdup(m, s);
    } else if (a->t != NULL && a->t->n_dims > 0) {
        int64_t *d = M_alloc(m, a->t->n_dims * sizeof *d);
        memcpy(d, a->t->dims, a->t->n_dims * sizeof *d);
        d[R(m, a->t->n_dims)] = interesting_int(m);
        a->t->dims = d;
    } else {
        a->has_i = 1;
        a->i = interesting_int(m);
    }
}

/* ---- nodes ---------------------------------------------------------------- */

static Onnx__NodeProto *new_node(mctx *m, const Onnx__GraphProto *g)
{
    Onnx__NodeProto *n = M_alloc(m, sizeof *n);
    size_t k, ni;
    onnx__node_proto__init(n);
    n->op_type = M_strdup(m, OPS[R(m, N_OPS)]);
    n->name = fresh_name(m);
    ni = strcmp(n->op_type, "Constant") == 0 ? 0 : 1 + R(m, 3);
    n->n_input = ni;
    n->input = M_alloc(m, (ni + 1) * sizeof *n->input);
    for (k = 0; k < ni; k++) {
        n->input[k] = M_strdup(m, any_name(m, g));
    }
    n->n_output = 1;
    n->output = M_alloc(m, sizeof *n->output);
    n->output[0] = fresh_name(m);
    if (strcmp(n->op_type, "Constant") == 0) {
        int64_t dims[4];
        int rank = random_dims(m, dims);
        Onnx__AttributeProto *a = M_alloc(m, sizeof *a);
        onnx__attribute_proto__init(a);
        a->name = M_strdup(m, "value");
        a->has_type = 1;
        a->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR;
        a->t = new_tensor(m, "", rank, dims, R(m, 2) ? ONNX_INT64 : ONNX_FLOAT);
        n->n_attribute = 1;
        n->attribute = M_alloc(m, sizeof *n->attribute);
        n->attribute[0] = a;
    } else if (R(m, 2)) {
        n->n_attribute = 1;
        n->attribute = M_alloc(m, sizeof *n->attribute);
        n->attribute[0] = new_attr(m, ATTRS[R(m, N_ATTRS)]);
    }
    return n;
}

static void insert_node(mctx *m, Onnx__GraphProto *g, size_t at, Onnx__NodeProto *n)
{
    Onnx__NodeProto **a = M_alloc(m, (g->n_node + 1) * sizeof *a);
    if (at > g->n_node) {
        at = g->n_node;
    }
    if (at > 0) {
        memcpy(a, g->node, at * sizeof *a);
    }
    a[at] = n;
    if (g->n_node > at) {
        memcpy(a + at + 1, g->node + at, (g->n_node - at) * sizeof *a);
    }
    g->node = a;
    g->n_node++;
}

static char **copy_strs(mctx *m, char **s, size_t n, size_t extra)
{
    char **a = M_alloc(m, (n + extra + 1) * sizeof *a);
    if (n > 0) {
        memcpy(a, s, n * sizeof *a);
    }
    return a;
}

/* ---- value infos ---------------------------------------------------------- */

static Onnx__ValueInfoProto *new_value_info(mctx *m, const char *name, int rank,
                                            const int64_t *dims)
{
    Onnx__ValueInfoProto *v = M_alloc(m, sizeof *v);
    Onnx__TypeProto *tp = M_alloc(m, sizeof *tp);
    Onnx__TypeProto__Tensor *tt = M_alloc(m, sizeof *tt);
    Onnx__TensorShapeProto *sh = M_alloc(m, sizeof *sh);
    int k;
    onnx__value_info_proto__init(v);
    onnx__type_proto__init(tp);
    onnx__type_proto__tensor__init(tt);
    onnx__tensor_shape_proto__init(sh);
    v->name = M_strdup(m, name);
    v->type = tp;
    tp->tensor_type = tt;
    tt->has_elem_type = 1;
    tt->elem_type = R(m, 10) ? ONNX_FLOAT : (int32_t)R(m, 17);
    tt->shape = sh;
    sh->n_dim = (size_t)rank;
    sh->dim = M_alloc(m, (size_t)(rank + 1) * sizeof *sh->dim);
    for (k = 0; k < rank; k++) {
        Onnx__TensorShapeProto__Dimension *d = M_alloc(m, sizeof *d);
        onnx__tensor_shape_proto__dimension__init(d);
        if (k == 0 && R(m, 3) == 0) {
            d->dim_param = M_strdup(m, "N");
        } else {
            d->has_dim_value = 1;
            d->dim_value = dims[k];
        }
        sh->dim[k] = d;
    }
    return v;
}

static void tweak_shape(mctx *m, Onnx__ValueInfoProto *v)
{
    Onnx__TensorShapeProto *sh;
    if (v->type == NULL || v->type->tensor_type == NULL) {
        return;
    }
    if (R(m, 8) == 0) {
        v->type->tensor_type->has_elem_type = 1;
        v->type->tensor_type->elem_type = (int32_t)R(m, 17);
        return;
    }
    sh = v->type->tensor_type->shape;
    if (sh == NULL || sh->n_dim == 0 || R(m, 6) == 0) {
        int64_t dims[4];
        int rank = random_dims(m, dims);
        Onnx__ValueInfoProto *nv = new_value_info(m, v->name, rank, dims);
        v->type = nv->type;
        return;
    } else {
        Onnx__TensorShapeProto__Dimension *d = M_alloc(m, sizeof *d);
        Onnx__TensorShapeProto__Dimension **a = M_alloc(m, sh->n_dim * sizeof *a);
        Onnx__TensorShapeProto *ns = M_alloc(m, sizeof *ns);
        size_t k = R(m, sh->n_dim);
        memcpy(a, sh->dim, sh->n_dim * sizeof *a);
        onnx__tensor_shape_proto__dimension__init(d);
        if (R(m, 5) == 0) {
            d->dim_param = M_strdup(m, R(m, 2) ? "N" : "batch");
        } else {
            d->has_dim_value = 1;
            d->dim_value = R(m, 3) ? 1 + (int64_t)R(m, 6) : interesting_int(m);
        }
        a[k] = d;
        *ns = *sh;
        ns->dim = a;
        v->type->tensor_type->shape = ns;
    }
}

/* ---- the mutations -------------------------------------------------------- */

static void mutate_once(mctx *m, Onnx__ModelProto *mp, uint8_t *scratch, size_t scratch_max)
{
    Onnx__GraphProto *g = mp->graph;
    size_t i, k;
    if (g == NULL) {
        g = M_alloc(m, sizeof *g);
        onnx__graph_proto__init(g);
        mp->graph = g;
    }
    switch (R(m, 20)) {
    case 0: /* op type */
        if (g->n_node > 0) {
            g->node[R(m, g->n_node)]->op_type = M_strdup(m, OPS[R(m, N_OPS)]);
            break;
        }
        /* fall through */
    case 1: { /* a new node, usually consumed by a later node or as the output */
        Onnx__NodeProto *n = new_node(m, g);
        size_t at = R(m, g->n_node + 1);
        insert_node(m, g, at, n);
        if (R(m, 2) && at + 1 < g->n_node) {
            Onnx__NodeProto *c = g->node[at + 1 + R(m, g->n_node - at - 1)];
            if (c->n_input > 0) {
                char **in = copy_strs(m, c->input, c->n_input, 0);
                in[R(m, c->n_input)] = n->output[0];
                c->input = in;
            }
        } else if (g->n_output > 0 && R(m, 2)) {
            g->output[0]->name = n->output[0];
        }
        break;
    }
    case 2: /* delete a node */
        if (g->n_node > 0) {
            i = R(m, g->n_node);
            memmove(g->node + i, g->node + i + 1, (g->n_node - i - 1) * sizeof *g->node);
            g->n_node--;
        }
        break;
    case 3:
    case 4: /* rewire an input */
        if (g->n_node > 0) {
            Onnx__NodeProto *n = g->node[R(m, g->n_node)];
            char **in = copy_strs(m, n->input, n->n_input, 1);
            switch (R(m, 4)) {
            case 0:
                in[n->n_input++] = M_strdup(m, any_name(m, g));
                break;
            case 1:
                if (n->n_input > 0) {
                    n->n_input--;
                }
                break;
            default:
                if (n->n_input > 0) {
                    in[R(m, n->n_input)] = M_strdup(m, any_name(m, g));
                }
                break;
            }
            n->input = in;
        }
        break;
    case 5: /* rename an output (duplicates, cycles, dangling names) */
        if (g->n_node > 0) {
            Onnx__NodeProto *n = g->node[R(m, g->n_node)];
            char **out = copy_strs(m, n->output, n->n_output, 1);
            if (n->n_output == 0 || R(m, 4) == 0) {
                out[n->n_output++] = fresh_name(m);
            } else {
                out[R(m, n->n_output)] = M_strdup(m, any_name(m, g));
            }
            n->output = out;
        }
        break;
    case 6:
    case 7: { /* add or replace an attribute */
        Onnx__NodeProto *n;
        Onnx__AttributeProto *a;
        if (g->n_node == 0) {
            break;
        }
        n = g->node[R(m, g->n_node)];
        a = new_attr(m, n->n_attribute > 0 && R(m, 2) ? n->attribute[R(m, n->n_attribute)]->name
                                                      : ATTRS[R(m, N_ATTRS)]);
        for (k = 0; k < n->n_attribute; k++) {
            if (n->attribute[k]->name != NULL && strcmp(n->attribute[k]->name, a->name) == 0 &&
                R(m, 4) != 0) {
                break;
            }
        }
        if (k < n->n_attribute) {
            Onnx__AttributeProto **arr = M_alloc(m, n->n_attribute * sizeof *arr);
            memcpy(arr, n->attribute, n->n_attribute * sizeof *arr);
            arr[k] = a;
            n->attribute = arr;
        } else {
            n->attribute = grow_ptrs(m, n->attribute, n->n_attribute, a);
            n->n_attribute++;
        }
        break;
    }
    case 8: /* tweak an attribute's value */
    case 9:
        for (k = 0; k < 4 && g->n_node > 0; k++) {
            Onnx__NodeProto *n = g->node[R(m, g->n_node)];
            if (n->n_attribute > 0) {
                tweak_attr(m, n->attribute[R(m, n->n_attribute)]);
                break;
            }
        }
        break;
    case 10: /* delete an attribute */
        if (g->n_node > 0) {
            Onnx__NodeProto *n = g->node[R(m, g->n_node)];
            if (n->n_attribute > 0) {
                i = R(m, n->n_attribute);
                Onnx__AttributeProto **arr = M_alloc(m, n->n_attribute * sizeof *arr);
                memcpy(arr, n->attribute, n->n_attribute * sizeof *arr);
                memmove(arr + i, arr + i + 1, (n->n_attribute - i - 1) * sizeof *arr);
                n->attribute = arr;
                n->n_attribute--;
            }
        }
        break;
    case 11: /* a graph input's shape or type */
        if (g->n_input > 0) {
            tweak_shape(m, g->input[R(m, g->n_input)]);
        } else {
            int64_t dims[4] = { 1, 3, 4, 4 };
            Onnx__ValueInfoProto *v = new_value_info(m, "x", 4, dims);
            g->input = grow_ptrs(m, g->input, g->n_input, v);
            g->n_input++;
        }
        break;
    case 12: /* an output's or value_info's shape */
        if (g->n_output > 0 && R(m, 2)) {
            tweak_shape(m, g->output[R(m, g->n_output)]);
        } else if (g->n_value_info > 0) {
            tweak_shape(m, g->value_info[R(m, g->n_value_info)]);
        }
        break;
    case 13: { /* an initializer's dims and data (reshaped, retyped or new) */
        int64_t dims[4];
        int rank = random_dims(m, dims);
        static const int types[] = { ONNX_FLOAT, ONNX_FLOAT, ONNX_FLOAT, ONNX_INT64,
                                     ONNX_INT32, ONNX_DOUBLE, ONNX_UINT8, ONNX_BOOL,
                                     ONNX_FLOAT16, ONNX_STRING };
        int dt = types[R(m, sizeof types / sizeof types[0])];
        if (g->n_initializer > 0 && R(m, 3) != 0) {
            i = R(m, g->n_initializer);
            if (R(m, 2) && g->initializer[i]->n_dims > 0) {
                /* keep the rank, change one dim */
                rank = (int)(g->initializer[i]->n_dims < 4 ? g->initializer[i]->n_dims : 4);
                for (k = 0; k < (size_t)rank; k++) {
                    dims[k] = g->initializer[i]->dims[k];
                }
                dims[R(m, (uint64_t)rank)] = R(m, 4) ? 1 + (int64_t)R(m, 4) : interesting_int(m);
                dt = g->initializer[i]->data_type;
            }
            g->initializer[i] = new_tensor(m, g->initializer[i]->name != NULL
                                                  ? g->initializer[i]->name : "", rank, dims, dt);
        } else {
            Onnx__TensorProto *t = new_tensor(m, R(m, 3) ? fresh_name(m) : any_name(m, g), rank,
                                              dims, dt);
            g->initializer = grow_ptrs(m, g->initializer, g->n_initializer, t);
            g->n_initializer++;
            if (g->n_node > 0) { /* used by some node */
                Onnx__NodeProto *n = g->node[R(m, g->n_node)];
                char **in = copy_strs(m, n->input, n->n_input, 1);
                if (n->n_input == 0 || R(m, 2)) {
                    in[n->n_input++] = t->name;
                } else {
                    in[R(m, n->n_input)] = t->name;
                }
                n->input = in;
            }
        }
        break;
    }
    case 14: /* opset and IR version */
        if (mp->n_opset_import > 0 && R(m, 3) != 0) {
            Onnx__OperatorSetIdProto *o = M_alloc(m, sizeof *o);
            *o = *mp->opset_import[R(m, mp->n_opset_import)];
            o->has_version = 1;
            o->version = R(m, 3) ? 1 + (int64_t)R(m, 18) : interesting_int(m);
            mp->opset_import = grow_ptrs(m, mp->opset_import, mp->n_opset_import, o);
            mp->opset_import[0] = o;
        } else {
            mp->has_ir_version = 1;
            mp->ir_version = R(m, 3) ? 1 + (int64_t)R(m, 9) : interesting_int(m);
        }
        break;
    case 15: /* the graph output */
        if (g->n_output > 0 && R(m, 3) != 0) {
            Onnx__ValueInfoProto *v = M_alloc(m, sizeof *v);
            *v = *g->output[R(m, g->n_output)];
            v->name = M_strdup(m, any_name(m, g));
            g->output = grow_ptrs(m, g->output, g->n_output, v); /* v appended */
            if (R(m, 3) == 0) {
                g->n_output++; /* a second output */
            } else {
                g->output[0] = v;
            }
        } else if (g->n_output > 0) {
            g->n_output--;
        } else {
            int64_t dims[2] = { 1, 4 };
            g->output = grow_ptrs(m, g->output, 0, new_value_info(m, any_name(m, g), 2, dims));
            g->n_output = 1;
        }
        break;
    case 16: /* swap two nodes (breaks the topological order) */
        if (g->n_node > 1) {
            Onnx__NodeProto **a = M_alloc(m, g->n_node * sizeof *a), *t;
            size_t x = R(m, g->n_node), y = R(m, g->n_node);
            memcpy(a, g->node, g->n_node * sizeof *a);
            t = a[x];
            a[x] = a[y];
            a[y] = t;
            g->node = a;
        }
        break;
    case 17: /* duplicate a node (duplicate output names) or a Constant shape operand */
        if (g->n_node > 0 && R(m, 2)) {
            Onnx__NodeProto *n = M_alloc(m, sizeof *n);
            *n = *g->node[R(m, g->n_node)];
            if (R(m, 2)) {
                n->output = copy_strs(m, n->output, n->n_output, 0);
                if (n->n_output > 0) {
                    n->output[0] = fresh_name(m);
                }
            }
            insert_node(m, g, R(m, g->n_node + 1), n);
        } else {
            int64_t dims[1];
            Onnx__NodeProto *n = M_alloc(m, sizeof *n);
            Onnx__AttributeProto *a = M_alloc(m, sizeof *a);
            onnx__node_proto__init(n);
            onnx__attribute_proto__init(a);
            n->op_type = M_strdup(m, "Constant");
            n->n_output = 1;
            n->output = M_alloc(m, sizeof *n->output);
            n->output[0] = fresh_name(m);
            a->name = M_strdup(m, "value");
            a->has_type = 1;
            a->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR;
            dims[0] = 1 + (int64_t)R(m, 4);
            a->t = new_tensor(m, "", 1, dims, ONNX_INT64);
            n->n_attribute = 1;
            n->attribute = M_alloc(m, sizeof *n->attribute);
            n->attribute[0] = a;
            insert_node(m, g, 0, n);
            if (g->n_node > 1) { /* as the shape/axes/pads operand of some node */
                Onnx__NodeProto *c = g->node[1 + R(m, g->n_node - 1)];
                char **in = copy_strs(m, c->input, c->n_input, 1);
                if (c->n_input < 2) {
                    in[c->n_input++] = n->output[0];
                } else {
                    in[1 + R(m, c->n_input - 1)] = n->output[0];
                }
                c->input = in;
            }
        }
        break;
    default: { /* byte-level mutation of one name */
        char **slot = NULL;
        char buf[64];
        size_t len;
        if (g->n_node > 0) {
            Onnx__NodeProto *n = g->node[R(m, g->n_node)];
            if (n->n_input > 0 && R(m, 2)) {
                n->input = copy_strs(m, n->input, n->n_input, 0);
                slot = &n->input[R(m, n->n_input)];
            } else if (n->op_type != NULL) {
                slot = &n->op_type;
            }
        }
        if (slot == NULL || *slot == NULL || scratch_max < sizeof buf) {
            break;
        }
        len = strlen(*slot);
        if (len >= sizeof buf) {
            len = sizeof buf - 1;
        }
        memcpy(buf, *slot, len);
        len = LLVMFuzzerMutate((uint8_t *)buf, len, sizeof buf - 1);
        buf[len] = '\0';
        *slot = M_strdup(m, buf);
        (void)scratch;
        break;
    }
    }
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
    mctx m;
    Onnx__ModelProto *mp;
    size_t n, k, rounds;
    memset(&m, 0, sizeof m);
    m.rnd = (uint64_t)seed * 0x9e3779b97f4a7c15ULL + 1;
    if (R(&m, 8) == 0) {
        return LLVMFuzzerMutate(data, size, max_size);
    }
    m.pa.alloc = ar_alloc;
    m.pa.free = ar_free;
    m.pa.allocator_data = &m.ar;
    mp = onnx__model_proto__unpack(&m.pa, size, data);
    if (mp == NULL) {
        ar_release(&m.ar);
        return LLVMFuzzerMutate(data, size, max_size);
    }
    rounds = 1 + R(&m, 3);
    for (k = 0; k < rounds; k++) {
        mutate_once(&m, mp, data, max_size);
    }
    n = onnx__model_proto__get_packed_size(mp);
    if (n > max_size) {
        ar_release(&m.ar);
        return LLVMFuzzerMutate(data, size, max_size);
    }
    n = onnx__model_proto__pack(mp, data);
    ar_release(&m.ar);
    return n;
}

/* Cross-over: the first model with some nodes and initializers of the
 * second appended (names kept, so they may wire into the first's values). */
size_t LLVMFuzzerCustomCrossOver(const uint8_t *d1, size_t s1, const uint8_t *d2, size_t s2,
                                 uint8_t *out, size_t max_out, unsigned int seed)
{
    mctx m;
    Onnx__ModelProto *a, *b;
    size_t n, k;
    memset(&m, 0, sizeof m);
    m.rnd = (uint64_t)seed * 0x9e3779b97f4a7c15ULL + 7;
    m.pa.alloc = ar_alloc;
    m.pa.free = ar_free;
    m.pa.allocator_data = &m.ar;
    a = onnx__model_proto__unpack(&m.pa, s1, d1);
    b = onnx__model_proto__unpack(&m.pa, s2, d2);
    if (a == NULL || b == NULL || a->graph == NULL || b->graph == NULL) {
        ar_release(&m.ar);
        n = s1 < max_out ? s1 : max_out;
        memcpy(out, d1, n);
        return n;
    }
    if (b->graph->n_node > 0) {
        size_t from = R(&m, b->graph->n_node), cnt = 1 + R(&m, 3);
        for (k = from; k < b->graph->n_node && k < from + cnt; k++) {
            insert_node(&m, a->graph, R(&m, a->graph->n_node + 1), b->graph->node[k]);
        }
    }
    for (k = 0; k < b->graph->n_initializer && k < 4; k++) {
        a->graph->initializer = grow_ptrs(&m, a->graph->initializer, a->graph->n_initializer,
                                          b->graph->initializer[k]);
        a->graph->n_initializer++;
    }
    n = onnx__model_proto__get_packed_size(a);
    if (n > max_out) {
        ar_release(&m.ar);
        n = s1 < max_out ? s1 : max_out;
        memcpy(out, d1, n);
        return n;
    }
    n = onnx__model_proto__pack(a, out);
    ar_release(&m.ar);
    return n;
}

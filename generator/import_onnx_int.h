/* import_onnx_int.h: internal interface of the ONNX importer, shared by
 * import_onnx.c (the driver: graph walk, folding, writing) and the
 * per-operator-family translation files import_onnx_*.c. Not a public
 * interface. */
#ifndef STOIC_IMPORT_ONNX_INT_H
#define STOIC_IMPORT_ONNX_INT_H

#include <stddef.h>
#include <stdint.h>

#include "import_onnx.h"
#include "ir.h"
#include "onnx_read.h"
#include "strbuf.h"

#define MAXD ONNX_MAX_DIMS
#define IMP_MAX_RANK 4 /* stoic tensors, without the batch axis */
/* What a model description can hold (schemas/model.xsd): a dimension,
 * kernel size, stride or dilation (type dim) and a pad (type padValue). */
#define IMP_MAX_DIM 16777216L
#define IMP_MAX_PAD 65536L
/* ... and at most 4096 layers and 1024 constants. */
#define IMP_MAX_LAYERS 4096
#define IMP_MAX_KONSTS 1024
/* Most ONNX nodes read (the walk's look-ups are linear, so this also
 * bounds its time); well above what 4096 layers need. */
#define IMP_MAX_NODES 16384
/* Most elements of one folded result (import_onnx_fold.c): shape
 * arithmetic needs few; a mistaken or hostile model cannot make the
 * importer evaluate large tensors. */
#define IMP_MAX_FOLD 4194304L

typedef struct {
    char *name;       /* ONNX name */
    int is_const;
    int ndim;
    int64_t d[MAXD];  /* full ONNX shape; a symbolic batch counts as 1 */
    float *f;         /* constant values */
    int64_t *iv;      /* constant integer values (shape operands), or NULL */
    /* names owned by the name table (imp.tnames), never freed here: */
    const char *nat;  /* stoic tensor holding it, natural (ONNX) axis order */
    const char *cl;   /* stoic tensor holding it, channels last */
    int layer;        /* index of the layer that wrote it, -1 */
    int uses;         /* ONNX node inputs reading it (+1 for the graph output) */
} value;

typedef struct {
    char *pname;
    int rank;
    int32_t shape[IMP_MAX_RANK];
    float *data;
} lparam;

typedef struct {
    const char *elem;
    char *name;
    char *inputs;
    char *output;
    strbuf attrs;
    lparam p[4];
    int np;
    int dead;
    int idx;          /* its index in imp.l */
} layer;

typedef struct {
    const char *name; /* owned by the name table (imp.tnames) */
    int rank;
    int32_t shape[IMP_MAX_RANK];
    float *data;
} konst;

typedef struct {
    const import_options *o;
    diag *d;
    onnx_model *m;
    /* Values and layers are allocated one by one and listed by pointer:
     * a value * or layer * stays valid while the lists grow (operators
     * hold their inputs' pointers across define_out and new_layer). */
    value **v;
    int nv, capv;
    layer **l;
    int nl, capl;
    konst *k;
    int nk, capk;
    char **tnames; /* stoic tensor names in use */
    int nt, capt;
    int drop;      /* the batch axis is dropped */
    int touched;   /* some node mixes samples */
    const onnx_node *cur;
    int failed;
    char src_sha[65]; /* of the very bytes that were parsed */
    const char *sym_batch; /* the input's symbolic batch dimension (its name), or NULL */
    char **folded; /* names of the nodes folded at import (emission walk) */
    int nfolded, capfolded;
} imp;


typedef int (*op_fn)(imp *I, const onnx_node *n, int emit);

/* helpers (import_onnx_util.c) */
const char *node_name(const onnx_node *n);
int unsupported(imp *I, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int imp_oom(imp *I);
void *imp_grow(imp *I, void *arr, int *cap, int need, size_t elem);
char *imp_dup(const char *s);
value *imp_find(imp *I, const char *name);
value *add_value(imp *I, const char *name);
int64_t count_of(int ndim, const int64_t *d);
int copy_const(imp *I, const value *x, value *y, int64_t c);
void *alloc_n(imp *I, int64_t n, size_t size);
value *add_const(imp *I, const char *name, const onnx_tensor *t);
int const_gather(imp *I, const value *x, value *y, const int64_t *idx, int64_t c);
value *input_value(imp *I, const onnx_node *n, size_t k);
const char *tensor_name(imp *I, const char *base, const char *suffix);
int ishape(const imp *I, const value *v, int cl, int32_t *out);
int has_cl(const imp *I, const value *v);
int iaxis(const imp *I, int a, int ndim, int cl);
void shape_str(const int32_t *s, int r, char *buf, size_t n);
layer *new_layer(imp *I, const char *elem, const char *base, const char *suffix);
void lattr(layer *l, const char *key, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void lattr_float(layer *l, const char *key, float v);
int64_t count32(int rank, const int32_t *shape);
int lparam_add(imp *I, layer *l, const char *pname, int rank, const int32_t *shape,
               float *data);
int set_io(imp *I, layer *l, const char *inputs, const char *output);
const char *add_konst(imp *I, const char *base, int rank, const int32_t *shape,
                      float *data);
const char *imp_act(imp *I, value *v, int cl);
value *define_out(imp *I, const onnx_node *n, size_t k, int ndim, const int64_t *d);
int64_t attr_i(const onnx_node *n, const char *name, int64_t dflt);
float attr_f(const onnx_node *n, const char *name, float dflt);
int attr_ints(const onnx_node *n, const char *name, int64_t *v, int max);
const char *attr_s(const onnx_node *n, const char *name, const char *dflt);
int known_attrs(imp *I, const onnx_node *n, const char *const *names);
int imp_broadcast(imp *I, const value *a, const value *b, int *ndim, int64_t *d);
float *expand_const(imp *I, const value *c, int ndim, const int64_t *d);
float *to_layout(imp *I, const float *full, int ndim, const int64_t *d, int cl,
                 int32_t *shape, int *rank);
void imp_touch(imp *I);
int norm_axis(imp *I, int64_t a, int ndim, int *out);
int prefer_cl(const value *x);
int need_act(imp *I, const value *v, const char *what);
int need_const(imp *I, const value *v, const char *what);
int need_scalar(imp *I, const value *v, const char *what);

/* convolution and pooling (import_onnx_conv.c) */
int op_conv(imp *I, const onnx_node *n, int emit);
int op_pool(imp *I, const onnx_node *n, int emit);
int op_gap(imp *I, const onnx_node *n, int emit);
int op_reduce(imp *I, const onnx_node *n, int emit);

/* element-wise (import_onnx_elem.c) */
int op_unary(imp *I, const onnx_node *n, int emit);
int op_softmax(imp *I, const onnx_node *n, int emit);
int op_binary(imp *I, const onnx_node *n, int emit);

/* shape operators (import_onnx_shape.c) */
int op_concat(imp *I, const onnx_node *n, int emit);
int op_reshape(imp *I, const onnx_node *n, int emit);
int op_flatten(imp *I, const onnx_node *n, int emit);
int op_squeeze_unsqueeze(imp *I, const onnx_node *n, int emit);
int op_transpose(imp *I, const onnx_node *n, int emit);
int op_pad(imp *I, const onnx_node *n, int emit);
int op_slice(imp *I, const onnx_node *n, int emit);
int op_split(imp *I, const onnx_node *n, int emit);
int gather_act(imp *I, const onnx_node *n, int emit, value *x, int axis, int64_t at,
               int scalar);

/* dense and batch norm (import_onnx_dense.c) */
int op_batchnorm(imp *I, const onnx_node *n, int emit);
int op_matmul(imp *I, const onnx_node *n, int emit);
int op_gemm(imp *I, const onnx_node *n, int emit);

/* constants (import_onnx_const.c) */
int op_identity(imp *I, const onnx_node *n, int emit);
int op_constant_of_shape(imp *I, const onnx_node *n, int emit);
int op_cast(imp *I, const onnx_node *n, int emit);
int op_constant(imp *I, const onnx_node *n, int emit);

/* constant folding (import_onnx_fold.c) */
value *fold_define(imp *I, const onnx_node *n, size_t k, int ndim, const int64_t *d);
int fold_arith(imp *I, const onnx_node *n);
int op_shape(imp *I, const onnx_node *n, int emit);
int op_gather(imp *I, const onnx_node *n, int emit);
int op_range(imp *I, const onnx_node *n, int emit);
int op_expand(imp *I, const onnx_node *n, int emit);
int op_where(imp *I, const onnx_node *n, int emit);
int op_arith(imp *I, const onnx_node *n, int emit);

/* transposed convolution (import_onnx_convt.c) */
int op_conv_transpose(imp *I, const onnx_node *n, int emit);

/* the driver (import_onnx.c) */
int uses_of(const onnx_model *m, const char *name);

/* Resize, Upsample (import_onnx_resize.c) */
int op_resize(imp *I, const onnx_node *n, int emit);

/* LSTM, GRU (import_onnx_rnn.c) */
int op_rnn(imp *I, const onnx_node *n, int emit);

#endif

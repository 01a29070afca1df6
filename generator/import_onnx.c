/* import_onnx: ONNX -> stoic model description. See import_onnx.h.
 *
 * Two walks over the ONNX nodes (which ONNX keeps in topological order):
 *  1. shapes and constants: the full ONNX shape of every value, constant
 *     folding of what acts on constants only (Constant, Identity, Reshape,
 *     Squeeze, Unsqueeze, Transpose, Flatten, Concat, and the shape
 *     arithmetic of exporters: ConstantOfShape, Slice, Cast), and whether
 *     any node mixes samples along the batch axis;
 *  2. emission: stoic layers, with transposes where the layout changes.
 * The layers are kept in memory (a MatMul followed by the Add of a bias
 * becomes one dense layer) and written out at the end, the XML and the
 * weights file together, atomically.
 */
#include "import_onnx.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ckd.h"
#include "emit.h"
#include "fileio.h"
#include "ir.h"
#include "onnx_read.h"
#include "sha256.h"
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
} imp;

/* ---- diagnostics ------------------------------------------------------ */

static const char *node_name(const onnx_node *n)
{
    if (n->name != NULL && n->name[0] != '\0') {
        return n->name;
    }
    return n->n_outputs > 0 ? n->outputs[0] : "?";
}

/* "MODEL.onnx: error: node 'name' (OpType): what". Names and strings of
 * the ONNX file in the message (at most 100 bytes of a node name) have
 * their control characters replaced by '?', so a message stays one line
 * of plain text whatever the file holds. */
static int unsupported(imp *I, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int unsupported(imp *I, const char *fmt, ...)
{
    char msg[512], line[768];
    size_t i;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (I->cur != NULL) {
        snprintf(line, sizeof line, "node '%.100s' (%.100s): %s", node_name(I->cur),
                 I->cur->op_type, msg);
    } else {
        snprintf(line, sizeof line, "%s", msg);
    }
    for (i = 0; line[i] != '\0'; i++) {
        unsigned char c = (unsigned char)line[i];
        if (c < 0x20 || c == 0x7f) {
            line[i] = '?';
        }
    }
    diag_error(I->d, I->o->onnx_path, 0, "%s", line);
    I->failed = 1;
    return -1;
}

static int oom(imp *I)
{
    diag_io(I->d, NULL, "out of memory");
    I->failed = 1;
    return -1;
}

static void *grow(imp *I, void *arr, int *cap, int need, size_t elem)
{
    void *p;
    int ncap;
    size_t bytes;
    if (need <= *cap) {
        return arr;
    }
    if (need > INT_MAX / 2) {
        (void)oom(I);
        return NULL;
    }
    ncap = *cap > 0 ? *cap * 2 : 32;
    while (ncap < need) {
        ncap *= 2;
    }
    if (ckd_bytes(&bytes, ncap, elem)) {
        (void)oom(I);
        return NULL;
    }
    p = realloc(arr, bytes);
    if (p == NULL) {
        (void)oom(I);
        return NULL;
    }
    memset((char *)p + (size_t)*cap * elem, 0, (size_t)(ncap - *cap) * elem);
    *cap = ncap;
    return p;
}

static char *dup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p != NULL) {
        memcpy(p, s, n);
    }
    return p;
}

/* ---- values ------------------------------------------------------------- */

static value *find(imp *I, const char *name)
{
    int i;
    for (i = I->nv - 1; i >= 0; i--) {
        if (strcmp(I->v[i]->name, name) == 0) {
            return I->v[i];
        }
    }
    return NULL;
}

static value *add_value(imp *I, const char *name)
{
    value *v;
    value **nvp = grow(I, I->v, &I->capv, I->nv + 1, sizeof *I->v);
    if (nvp == NULL) {
        return NULL;
    }
    I->v = nvp;
    v = calloc(1, sizeof *v);
    if (v == NULL) {
        (void)oom(I);
        return NULL;
    }
    I->v[I->nv++] = v;
    v->name = dup(name);
    v->layer = -1;
    if (v->name == NULL) {
        (void)oom(I);
        return NULL;
    }
    return v;
}

/* The element count of an ONNX shape, checked (it never wraps):
 * IR_COUNT_TOO_LARGE when a dimension is negative, else 0 when one is 0,
 * else the count, or IR_COUNT_TOO_LARGE when it exceeds IR_MAX_ELEMS. */
static int64_t count_of(int ndim, const int64_t *d)
{
    int64_t n = 1;
    int k;
    for (k = 0; k < ndim; k++) {
        if (d[k] < 0) {
            return IR_COUNT_TOO_LARGE;
        }
    }
    for (k = 0; k < ndim; k++) {
        if (d[k] == 0) {
            return 0;
        }
    }
    for (k = 0; k < ndim; k++) {
        if (ckd_mul_i64(&n, n, d[k]) || n > IR_MAX_ELEMS) {
            return IR_COUNT_TOO_LARGE;
        }
    }
    return n;
}

/* Every value's shape: dimensions 0..IR_MAX_ELEMS and at most IR_MAX_ELEMS
 * elements, so counts, indices and the int32 stoic shapes never wrap.
 * (Activations are held to the model description's 1..IMP_MAX_DIM after
 * each node, in walk.) */
static int shape_ok(imp *I, int ndim, const int64_t *d, const char *what, const char *name)
{
    int k;
    for (k = 0; k < ndim; k++) {
        if (d[k] < 0 || d[k] > IR_MAX_ELEMS) {
            return unsupported(I, "%s '%s': dimension %d (%lld) is out of range (0..%ld)", what,
                               name, k, (long long)d[k], IR_MAX_ELEMS);
        }
    }
    if (count_of(ndim, d) > IR_MAX_ELEMS) {
        return unsupported(I, "%s '%s' has more than %ld elements", what, name, IR_MAX_ELEMS);
    }
    return 0;
}

/* malloc of n values of size `size`, n from a checked shape (0 -> 1). */
static void *alloc_n(imp *I, int64_t n, size_t size)
{
    size_t bytes;
    void *p;
    if (ckd_bytes(&bytes, n > 0 ? n : 1, size)) {
        (void)oom(I);
        return NULL;
    }
    p = malloc(bytes);
    if (p == NULL) {
        (void)oom(I);
    }
    return p;
}

/* A constant value from an ONNX tensor (copied). */
static value *add_const(imp *I, const char *name, const onnx_tensor *t)
{
    value *v;
    if (t->ndim < 0 || t->ndim > MAXD ||
        shape_ok(I, t->ndim, t->dims, "constant", name) != 0 ||
        count_of(t->ndim, t->dims) != (int64_t)t->count) {
        if (!I->failed) {
            (void)unsupported(I, "constant '%s': shape and data do not agree", name);
        }
        return NULL;
    }
    v = add_value(I, name);
    if (v == NULL) {
        return NULL;
    }
    v->is_const = 1;
    v->ndim = t->ndim;
    memcpy(v->d, t->dims, sizeof v->d);
    v->f = alloc_n(I, (int64_t)t->count, sizeof *v->f);
    if (v->f == NULL) {
        return NULL;
    }
    memcpy(v->f, t->f32, t->count * sizeof *v->f);
    if (t->i64 != NULL) {
        v->iv = alloc_n(I, (int64_t)t->count, sizeof *v->iv);
        if (v->iv == NULL) {
            return NULL;
        }
        memcpy(v->iv, t->i64, t->count * sizeof *v->iv);
    }
    return v;
}

/* y (defined, of c elements) becomes the constant whose element i is
 * element idx[i] of the constant x (its integer values too, if it has). */
static int const_gather(imp *I, const value *x, value *y, const int64_t *idx, int64_t c)
{
    int64_t i;
    y->is_const = 1;
    y->f = alloc_n(I, c, sizeof *y->f);
    if (y->f == NULL) {
        return -1;
    }
    if (x->iv != NULL) {
        y->iv = alloc_n(I, c, sizeof *y->iv);
        if (y->iv == NULL) {
            return -1;
        }
    }
    for (i = 0; i < c; i++) {
        y->f[i] = x->f[idx[i]];
        if (y->iv != NULL) {
            y->iv[i] = x->iv[idx[i]];
        }
    }
    return 0;
}

static value *input_value(imp *I, const onnx_node *n, size_t k)
{
    value *v;
    if (k >= n->n_inputs || n->inputs[k][0] == '\0') {
        return NULL;
    }
    v = find(I, n->inputs[k]);
    if (v == NULL) {
        (void)unsupported(I, "input '%s' is not defined before this node", n->inputs[k]);
    }
    return v;
}

/* ---- stoic names -------------------------------------------------------- */

static int name_taken(const imp *I, const char *s)
{
    int i;
    for (i = 0; i < I->nt; i++) {
        if (strcmp(I->tnames[i], s) == 0) {
            return 1;
        }
    }
    return 0;
}

/* A fresh stoic tensor name from base: at most 100 bytes of it, each byte
 * outside the model schema's name characters [A-Za-z0-9_.:/-] (control
 * characters, quotes, '*', non-ASCII, ...) and the second '-' of "--"
 * replaced by '_', plus the suffix, then "_2", "_3", ... until it is
 * unique: a valid name of at most 128 characters. The name table owns the string: callers may keep the
 * pointer (it lives until free_layers) but never free it; a structure that
 * frees its strings stores a copy. */
static const char *tensor_name(imp *I, const char *base, const char *suffix)
{
    char buf[160], cand[200];
    size_t i, n = 0;
    int k;
    char **nt;
    for (i = 0; base[i] != '\0' && n < 100; i++) {
        char c = base[i];
        int ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                 c == '_' || c == '.' || c == ':' || c == '/' || c == '-';
        if (c == '-' && n > 0 && buf[n - 1] == '-') {
            ok = 0; /* no "--": the name may be quoted in an XML comment */
        }
        buf[n++] = ok ? c : '_';
    }
    if (n == 0) {
        buf[n++] = 't';
    }
    buf[n] = '\0';
    snprintf(cand, sizeof cand, "%s%s", buf, suffix);
    for (k = 2; name_taken(I, cand); k++) {
        snprintf(cand, sizeof cand, "%s%s_%d", buf, suffix, k);
    }
    nt = grow(I, I->tnames, &I->capt, I->nt + 1, sizeof *I->tnames);
    if (nt == NULL) {
        return NULL;
    }
    I->tnames = nt;
    I->tnames[I->nt] = dup(cand);
    if (I->tnames[I->nt] == NULL) {
        (void)oom(I);
        return NULL;
    }
    return I->tnames[I->nt++];
}

/* ---- internal shapes and axes ------------------------------------------- */

/* The stoic shape of value v in the natural or channels-last layout. */
static int ishape(const imp *I, const value *v, int cl, int32_t *out)
{
    int start = I->drop && v->ndim > 0 ? 1 : 0, r = 0, k, c0 = I->drop ? 0 : 1;
    int32_t tmp[MAXD];
    for (k = start; k < v->ndim; k++) {
        tmp[r++] = (int32_t)v->d[k];
    }
    if (r == 0) {
        tmp[r++] = 1;
    }
    if (cl && r >= 2 && c0 < r) {
        int32_t c = tmp[c0];
        for (k = c0; k + 1 < r; k++) {
            tmp[k] = tmp[k + 1];
        }
        tmp[r - 1] = c;
    }
    memcpy(out, tmp, (size_t)r * sizeof *out);
    return r;
}

static int has_cl(const imp *I, const value *v)
{
    int32_t s[MAXD];
    return ishape(I, v, 0, s) >= 2;
}

/* The stoic axis of ONNX axis a (already non-negative) of a value with
 * ndim ONNX axes, or -1 for the dropped batch axis. */
static int iaxis(const imp *I, int a, int ndim, int cl)
{
    int r = I->drop ? ndim - 1 : ndim;
    if (I->drop && a == 0) {
        return -1;
    }
    if (!cl || r < 2) {
        return I->drop ? a - 1 : a;
    }
    if (a == 1) { /* the ONNX channel axis goes last */
        return r - 1;
    }
    if (I->drop) {
        return a - 2;
    }
    return a == 0 ? 0 : a - 1;
}

static void shape_str(const int32_t *s, int r, char *buf, size_t n)
{
    size_t used = 0;
    int k;
    buf[0] = '\0';
    for (k = 0; k < r && used < n; k++) {
        used += (size_t)snprintf(buf + used, n - used, k == 0 ? "%ld" : " %ld", (long)s[k]);
    }
}

/* ---- layers ------------------------------------------------------------- */

static layer *new_layer(imp *I, const char *elem, const char *base, const char *suffix)
{
    layer *l, **nl = grow(I, I->l, &I->capl, I->nl + 1, sizeof *I->l);
    const char *name;
    int k, i;
    char cand[200];
    if (nl == NULL) {
        return NULL;
    }
    I->l = nl;
    l = calloc(1, sizeof *l);
    if (l == NULL) {
        (void)oom(I);
        return NULL;
    }
    I->l[I->nl] = l;
    I->nl++; /* listed at once, so free_layers frees it on any failure below */
    l->idx = I->nl - 1;
    l->elem = elem;
    sb_init(&l->attrs);
    /* layer names: their own name space, same character rules */
    name = tensor_name(I, base, suffix); /* reserve as a tensor name too: simpler, still unique */
    if (name == NULL) {
        return NULL;
    }
    snprintf(cand, sizeof cand, "%s", name);
    for (k = 2;; k++) {
        int clash = 0;
        for (i = 0; i < I->nl && !clash; i++) {
            clash = I->l[i]->name != NULL && strcmp(I->l[i]->name, cand) == 0;
        }
        if (!clash) {
            break;
        }
        snprintf(cand, sizeof cand, "%s_%d", name, k);
    }
    l->name = dup(cand);
    if (l->name == NULL) {
        (void)oom(I);
        return NULL;
    }
    return l;
}

static void lattr(layer *l, const char *key, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void lattr(layer *l, const char *key, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    sb_printf(&l->attrs, " %s=\"%s\"", key, buf);
}

static void lattr_float(layer *l, const char *key, float v)
{
    strbuf b;
    sb_init(&b);
    sb_c_float_lit(&b, v);
    if (b.s != NULL) {
        b.s[b.len - 1] = '\0'; /* drop the C suffix F */
        lattr(l, key, "%s", b.s);
    }
    sb_free(&b);
}

/* The element count of a stoic shape (as count_of: checked, saturating). */
static int64_t count32(int rank, const int32_t *shape)
{
    int64_t d[MAXD];
    int k;
    for (k = 0; k < rank && k < MAXD; k++) {
        d[k] = shape[k];
    }
    return count_of(k, d);
}

/* Weights must be finite (as in any model description). */
static int finite_data(imp *I, const float *data, int rank, const int32_t *shape,
                       const char *what)
{
    int64_t n = count32(rank, shape), i;
    if (n > IR_MAX_ELEMS) {
        return unsupported(I, "%s has more than %ld values", what, IR_MAX_ELEMS);
    }
    for (i = 0; i < n; i++) {
        if (!isfinite(data[i])) {
            return unsupported(I, "%s value %lld is not finite", what, (long long)i);
        }
    }
    return 0;
}

static int lparam_add(imp *I, layer *l, const char *pname, int rank, const int32_t *shape,
                      float *data)
{
    lparam *p;
    if (finite_data(I, data, rank, shape, pname) != 0) {
        free(data);
        return -1;
    }
    p = &l->p[l->np++];
    p->pname = dup(pname);
    p->rank = rank;
    memcpy(p->shape, shape, (size_t)rank * sizeof *shape);
    p->data = data;
    return p->pname == NULL ? oom(I) : 0;
}

static int set_io(imp *I, layer *l, const char *inputs, const char *output)
{
    l->inputs = dup(inputs);
    l->output = dup(output);
    return (l->inputs == NULL || l->output == NULL) ? oom(I) : 0;
}

/* A stoic constant tensor; returns its name. */
static const char *add_konst(imp *I, const char *base, int rank, const int32_t *shape,
                             float *data)
{
    konst *nk;
    const char *name;
    int k;
    for (k = 0; k < rank; k++) {
        if (shape[k] < 1) {
            free(data);
            (void)unsupported(I, "constant '%s' has no elements (a dimension is 0)", base);
            return NULL;
        }
    }
    if (finite_data(I, data, rank, shape, "constant") != 0) {
        free(data);
        return NULL;
    }
    nk = grow(I, I->k, &I->capk, I->nk + 1, sizeof *I->k);
    if (nk == NULL) {
        free(data);
        return NULL;
    }
    I->k = nk;
    name = tensor_name(I, base, "");
    if (name == NULL) {
        free(data);
        return NULL;
    }
    I->k[I->nk].name = name;
    I->k[I->nk].rank = rank;
    memcpy(I->k[I->nk].shape, shape, (size_t)rank * sizeof *shape);
    I->k[I->nk].data = data;
    I->nk++;
    return name;
}

/* The stoic tensor holding activation v in the wanted layout; writes a
 * transpose layer the first time a layout is asked for. */
static const char *act(imp *I, value *v, int cl)
{
    int32_t s[MAXD];
    int r = ishape(I, v, 0, s), k, c0 = I->drop ? 0 : 1;
    const char *have;
    const char *name;
    char perm[64];
    layer *l;
    size_t used = 0;
    if (r < 2) {
        cl = 0;
    }
    if (cl && v->cl != NULL) {
        return v->cl;
    }
    if (!cl && v->nat != NULL) {
        return v->nat;
    }
    have = cl ? v->nat : v->cl;
    if (have == NULL) {
        (void)unsupported(I, "value '%s' is not available", v->name);
        return NULL;
    }
    perm[0] = '\0';
    for (k = 0; k < r; k++) {
        int ax;
        if (cl) { /* natural -> channels last: the channel axis c0 goes last */
            ax = k < c0 ? k : (k == r - 1 ? c0 : k + 1);
        } else { /* channels last -> natural: the last axis comes back to c0 */
            ax = k < c0 ? k : (k == c0 ? r - 1 : k - 1);
        }
        used += (size_t)snprintf(perm + used, sizeof perm - used, k == 0 ? "%d" : " %d", ax);
    }
    name = tensor_name(I, v->name, cl ? ".nhwc" : ".nchw");
    l = name != NULL ? new_layer(I, "transpose", v->name, cl ? ".to_nhwc" : ".to_nchw") : NULL;
    if (l == NULL || set_io(I, l, have, name) != 0) {
        return NULL;
    }
    lattr(l, "perm", "%s", perm);
    if (cl) {
        v->cl = name;
    } else {
        v->nat = name;
    }
    return name;
}

static int uses_of(const onnx_model *m, const char *name);

/* A new value for the node's output k, with its full ONNX shape. */
static value *define_out(imp *I, const onnx_node *n, size_t k, int ndim, const int64_t *d)
{
    value *v;
    if (k >= n->n_outputs || n->outputs[k][0] == '\0') {
        return NULL;
    }
    if (ndim < 0 || ndim > MAXD || shape_ok(I, ndim, d, "output", n->outputs[k]) != 0) {
        if (!I->failed) {
            (void)unsupported(I, "output '%s' has rank %d", n->outputs[k], ndim);
        }
        return NULL;
    }
    if (find(I, n->outputs[k]) != NULL) {
        /* ONNX graphs are in single static assignment form (onnx.checker) */
        (void)unsupported(I, "'%s' is assigned twice (an ONNX graph defines each name once)",
                          n->outputs[k]);
        return NULL;
    }
    v = add_value(I, n->outputs[k]);
    if (v != NULL) {
        v->ndim = ndim;
        memcpy(v->d, d, (size_t)ndim * sizeof *d);
        v->uses = uses_of(I->m, v->name);
    }
    return v;
}

/* ---- attributes ---------------------------------------------------------- */

static int64_t attr_i(const onnx_node *n, const char *name, int64_t dflt)
{
    const onnx_attr *a = onnx_node_attr(n, name);
    return a != NULL && a->type == ONNX_ATTR_INT ? a->i : dflt;
}

static float attr_f(const onnx_node *n, const char *name, float dflt)
{
    const onnx_attr *a = onnx_node_attr(n, name);
    return a != NULL && a->type == ONNX_ATTR_FLOAT ? a->f : dflt;
}

/* ints attribute into v (the first max values); returns the number of
 * values the attribute has (which may be more than max: callers check it
 * before they read v), or -1 if absent */
static int attr_ints(const onnx_node *n, const char *name, int64_t *v, int max)
{
    const onnx_attr *a = onnx_node_attr(n, name);
    size_t k;
    if (a == NULL || a->type != ONNX_ATTR_INTS) {
        return -1;
    }
    for (k = 0; k < a->n_ints && (int)k < max; k++) {
        v[k] = a->ints[k];
    }
    return a->n_ints < (size_t)INT_MAX ? (int)a->n_ints : INT_MAX;
}

static const char *attr_s(const onnx_node *n, const char *name, const char *dflt)
{
    const onnx_attr *a = onnx_node_attr(n, name);
    return a != NULL && a->type == ONNX_ATTR_STRING && a->s != NULL ? a->s : dflt;
}

/* Rejects attributes the importer does not know for this op. */
static int known_attrs(imp *I, const onnx_node *n, const char *const *names)
{
    size_t k;
    int j, ok;
    for (k = 0; k < n->n_attrs; k++) {
        ok = 0;
        for (j = 0; names[j] != NULL && !ok; j++) {
            ok = strcmp(n->attrs[k].name, names[j]) == 0;
        }
        if (!ok) {
            return unsupported(I, "attribute '%s' is not supported", n->attrs[k].name);
        }
    }
    return 0;
}

/* ---- shapes of element-wise broadcasting ------------------------------- */

static int broadcast(imp *I, const value *a, const value *b, int *ndim, int64_t *d)
{
    int r = a->ndim > b->ndim ? a->ndim : b->ndim, k;
    for (k = 0; k < r; k++) {
        int ia = k - (r - a->ndim), ib = k - (r - b->ndim);
        int64_t x = ia >= 0 ? a->d[ia] : 1, y = ib >= 0 ? b->d[ib] : 1;
        if (x != y && x != 1 && y != 1) {
            return unsupported(I, "shapes of '%s' and '%s' do not broadcast", a->name, b->name);
        }
        d[k] = x == 1 ? y : x;
    }
    *ndim = r;
    return 0;
}

/* Values of constant c broadcast to the full ONNX shape (ndim, d). */
static float *expand_const(imp *I, const value *c, int ndim, const int64_t *d)
{
    int64_t n = count_of(ndim, d), i;
    float *out = alloc_n(I, n, sizeof *out);
    int k;
    if (out == NULL) {
        return NULL;
    }
    for (i = 0; i < n; i++) {
        int64_t rem = i, src = 0, stride = 1;
        for (k = ndim - 1; k >= 0; k--) {
            int64_t idx = rem % d[k];
            int ck = k - (ndim - c->ndim);
            rem /= d[k];
            if (ck >= 0) {
                src += (c->d[ck] == 1 ? 0 : idx) * stride;
                stride *= c->d[ck];
            }
        }
        out[i] = c->f[src];
    }
    return out;
}

/* Permutes full ONNX-shaped data (without the batch axis when dropped) into
 * the stoic layout; returns the stoic shape's rank in *rank. */
static float *to_layout(imp *I, const float *full, int ndim, const int64_t *d, int cl,
                        int32_t *shape, int *rank)
{
    value tmp;
    int64_t n;
    int64_t i;
    int r, k, c0 = I->drop ? 0 : 1;
    float *out;
    int32_t nat[MAXD];
    memset(&tmp, 0, sizeof tmp);
    tmp.ndim = ndim;
    memcpy(tmp.d, d, (size_t)ndim * sizeof *d);
    r = ishape(I, &tmp, 0, nat);
    *rank = ishape(I, &tmp, cl, shape);
    n = count_of(ndim, d);
    if (I->drop && ndim > 0 && d[0] > 0) {
        n /= d[0];
    }
    out = alloc_n(I, n, sizeof *out);
    if (out == NULL) {
        return NULL;
    }
    if (!cl || r < 2) {
        memcpy(out, full, (size_t)n * sizeof *out);
        return out;
    }
    for (i = 0; i < n; i++) { /* i indexes the natural order */
        int64_t rem = i, idx[MAXD], dst = 0;
        for (k = r - 1; k >= 0; k--) {
            idx[k] = rem % nat[k];
            rem /= nat[k];
        }
        for (k = 0; k < r; k++) { /* channels-last position */
            int ax = k < c0 ? k : (k == r - 1 ? c0 : k + 1);
            dst = dst * nat[ax] + idx[ax];
        }
        out[dst] = full[i];
    }
    return out;
}

/* ---- the batch axis -------------------------------------------------- */

static void touch(imp *I)
{
    I->touched = 1;
}

/* ---- operators ------------------------------------------------------------ */

typedef int (*op_fn)(imp *I, const onnx_node *n, int emit);

static int need_act(imp *I, const value *v, const char *what)
{
    if (v == NULL) {
        return unsupported(I, "missing input %s", what);
    }
    if (v->is_const) {
        return unsupported(I, "input %s '%s' is a constant; stoic needs it computed at run time",
                           what, v->name);
    }
    return 0;
}

static int need_const(imp *I, const value *v, const char *what)
{
    if (v == NULL) {
        return unsupported(I, "missing input %s", what);
    }
    if (!v->is_const) {
        return unsupported(I, "input %s '%s' must be a constant (initializer)", what, v->name);
    }
    return 0;
}

/* A constant with exactly one value (its f[0] is read). */
static int need_scalar(imp *I, const value *v, const char *what)
{
    if (need_const(I, v, what) != 0) {
        return -1;
    }
    if (count_of(v->ndim, v->d) != 1) {
        return unsupported(I, "input %s '%s' must hold one value", what, v->name);
    }
    return 0;
}

static int no_batch_mix_in_conv(imp *I)
{
    if (!I->drop) {
        return unsupported(I, "the model mixes samples along the batch axis elsewhere, "
                              "so this node would need a batched convolution");
    }
    return 0;
}

/* Conv, MaxPool, AveragePool: spatial attributes into the layer. */
static int spatial_attrs(imp *I, const onnx_node *n, layer *l, int sp, const int64_t *in_sp,
                         const int64_t *k, int64_t *out_sp, int pool)
{
    int64_t strides[2] = { 1, 1 }, dil[2] = { 1, 1 }, pads[4] = { 0, 0, 0, 0 };
    const char *ap = attr_s(n, "auto_pad", "NOTSET");
    int i, np, ceil_mode = pool && attr_i(n, "ceil_mode", 0) != 0;
    np = attr_ints(n, "strides", strides, 2);
    if (np >= 0 && np != sp) {
        return unsupported(I, "strides has %d values, expected %d", np, sp);
    }
    np = attr_ints(n, "dilations", dil, 2);
    if (np >= 0 && np != sp) {
        return unsupported(I, "dilations has %d values, expected %d", np, sp);
    }
    np = attr_ints(n, "pads", pads, 4);
    if (np >= 0 && np != 2 * sp) {
        return unsupported(I, "pads has %d values, expected %d", np, 2 * sp);
    }
    /* ranges first (a model description holds no more), so the window
     * arithmetic below cannot overflow */
    for (i = 0; i < sp; i++) {
        if (strides[i] < 1 || strides[i] > IMP_MAX_DIM) {
            return unsupported(I, "strides value %lld is out of range (1..%ld)",
                               (long long)strides[i], IMP_MAX_DIM);
        }
        if (dil[i] < 1 || dil[i] > IMP_MAX_DIM) {
            return unsupported(I, "dilations value %lld is out of range (1..%ld)",
                               (long long)dil[i], IMP_MAX_DIM);
        }
        if (k[i] < 1 || k[i] > IMP_MAX_DIM) {
            return unsupported(I, "kernel size %lld is out of range (1..%ld)", (long long)k[i],
                               IMP_MAX_DIM);
        }
    }
    for (i = 0; i < 2 * sp; i++) {
        if (pads[i] < 0) {
            return unsupported(I, "negative pads are not supported");
        }
        if (pads[i] > IMP_MAX_PAD) {
            return unsupported(I, "pads value %lld is out of range (0..%ld)", (long long)pads[i],
                               IMP_MAX_PAD);
        }
    }
    for (i = 0; i < sp; i++) {
        int64_t eff, total;
        /* (k - 1) * dil + 1 <= 2^48: no overflow after the range checks */
        if (ckd_mul_i64(&eff, k[i] - 1, dil[i]) || ckd_add_i64(&eff, eff, 1)) {
            return unsupported(I, "kernel size times dilation is too large");
        }
        if (strcmp(ap, "SAME_UPPER") == 0 || strcmp(ap, "SAME_LOWER") == 0) {
            int64_t o = (in_sp[i] + strides[i] - 1) / strides[i];
            total = (o - 1) * strides[i] + eff - in_sp[i];
            if (total < 0) {
                total = 0;
            }
            pads[i] = strcmp(ap, "SAME_UPPER") == 0 ? total / 2 : total - total / 2;
            pads[i + sp] = total - pads[i];
        } else if (strcmp(ap, "VALID") == 0) {
            pads[i] = pads[i + sp] = 0;
        } else if (strcmp(ap, "NOTSET") != 0) {
            return unsupported(I, "auto_pad '%s' is not supported", ap);
        }
        if (pads[i] > IMP_MAX_PAD || pads[i + sp] > IMP_MAX_PAD) {
            return unsupported(I, "auto_pad %s needs pads %lld %lld, out of range (0..%ld)", ap,
                               (long long)pads[i], (long long)pads[i + sp], IMP_MAX_PAD);
        }
        if (pool && (pads[i] >= k[i] || pads[i + sp] >= k[i])) {
            return unsupported(I, "pads must be smaller than the kernel");
        }
        if (in_sp[i] + pads[i] + pads[i + sp] < eff) {
            return unsupported(I, "the window is larger than the padded input");
        }
        out_sp[i] = (in_sp[i] + pads[i] + pads[i + sp] - eff) / strides[i] + 1;
        if (ceil_mode) {
            /* ceil: one more window where a partial one remains, but never
             * one that starts in the end padding; it gets extra end padding,
             * which pooling ignores */
            int64_t span = in_sp[i] + pads[i] + pads[i + sp] - eff;
            int64_t o = (span + strides[i] - 1) / strides[i] + 1, extra;
            if ((o - 1) * strides[i] >= in_sp[i] + pads[i]) {
                o--;
            }
            extra = (o - 1) * strides[i] + eff - (in_sp[i] + pads[i] + pads[i + sp]);
            if (extra > 0) {
                if (strcmp(n->op_type, "AveragePool") == 0 &&
                    attr_i(n, "count_include_pad", 0) != 0) {
                    return unsupported(I, "ceil_mode=1 with count_include_pad=1 is not supported");
                }
                pads[i + sp] += extra;
                if (pads[i + sp] >= k[i] || pads[i + sp] > IMP_MAX_PAD) {
                    return unsupported(I, "ceil_mode=1 here needs more end padding than the "
                                          "kernel is wide");
                }
            }
            out_sp[i] = o;
        }
    }
    if (l != NULL) {
        if (sp == 2) {
            lattr(l, "strides", "%lld %lld", (long long)strides[0], (long long)strides[1]);
            lattr(l, "dilations", "%lld %lld", (long long)dil[0], (long long)dil[1]);
            lattr(l, "padding", "explicit");
            lattr(l, "pads", "%lld %lld %lld %lld", (long long)pads[0], (long long)pads[1],
                  (long long)pads[2], (long long)pads[3]);
        } else if (pool) { /* 1-D pool as a 2-D pool over [1 L C] */
            lattr(l, "strides", "1 %lld", (long long)strides[0]);
            lattr(l, "dilations", "1 %lld", (long long)dil[0]);
            lattr(l, "padding", "explicit");
            lattr(l, "pads", "0 %lld 0 %lld", (long long)pads[0], (long long)pads[1]);
        } else {
            lattr(l, "stride", "%lld", (long long)strides[0]);
            lattr(l, "dilation", "%lld", (long long)dil[0]);
            lattr(l, "padding", "explicit");
            lattr(l, "pads", "%lld %lld", (long long)pads[0], (long long)pads[1]);
        }
    }
    return 0;
}

/* Conv and pooling: the layer (when emitting; its layout change listed
 * first), the spatial attributes and the output value with `channels`. */
static value *spatial_layer(imp *I, const onnx_node *n, int emit, const char *elem, value *x,
                            int sp, const int64_t *k, int64_t channels, int pool, int *li)
{
    int64_t out_sp[2], od[MAXD];
    layer *l = NULL;
    int i;
    value *y;
    *li = -1;
    if (emit) {
        if (no_batch_mix_in_conv(I) != 0 || act(I, x, 1) == NULL) {
            return NULL;
        }
        l = new_layer(I, elem, node_name(n), "");
        if (l == NULL) {
            return NULL;
        }
        *li = l->idx;
    }
    if (spatial_attrs(I, n, l, sp, &x->d[2], k, out_sp, pool) != 0) {
        return NULL;
    }
    od[0] = x->d[0];
    od[1] = channels;
    for (i = 0; i < sp; i++) {
        od[2 + i] = out_sp[i];
    }
    y = define_out(I, n, 0, x->ndim, od);
    if (y == NULL && !I->failed) {
        (void)unsupported(I, "no output");
    }
    return y;
}

static int op_conv(imp *I, const onnx_node *n, int emit)
{
    static const char *const known[] = { "auto_pad", "dilations", "group", "kernel_shape",
                                         "pads", "strides", NULL };
    value *x = input_value(I, n, 0), *w = input_value(I, n, 1), *b = input_value(I, n, 2), *y;
    int64_t group = attr_i(n, "group", 1), k[2];
    int sp, i, li;
    if (known_attrs(I, n, known) != 0 || need_act(I, x, "X") != 0 || need_const(I, w, "W") != 0) {
        return -1;
    }
    if (b != NULL && need_const(I, b, "B") != 0) {
        return -1;
    }
    sp = x->ndim - 2;
    if (sp < 1 || sp > 2 || w->ndim != x->ndim) {
        return unsupported(I, "only 1-D and 2-D convolutions are supported (input rank %d)",
                           x->ndim);
    }
    if (group < 1 || group > x->d[1] || x->d[1] % group != 0 || w->d[0] % group != 0 ||
        w->d[1] != x->d[1] / group) {
        return unsupported(I, "group %lld does not fit %lld input channels and weight shape",
                           (long long)group, (long long)x->d[1]);
    }
    if (b != NULL && (b->ndim != 1 || b->d[0] != w->d[0])) {
        return unsupported(I, "bias shape does not match the filters");
    }
    for (i = 0; i < sp; i++) {
        k[i] = w->d[2 + i];
    }
    {
        int64_t ks[2];
        int nk = attr_ints(n, "kernel_shape", ks, 2);
        if (nk >= 0 && (nk != sp || ks[0] != k[0] || (sp == 2 && ks[1] != k[1]))) {
            return unsupported(I, "kernel_shape does not match the weight shape");
        }
    }
    y = spatial_layer(I, n, emit, sp == 2 ? "conv2d" : "conv1d", x, sp, k, w->d[0], 0, &li);
    if (y == NULL) {
        return -1;
    }
    if (emit) {
        layer *l = I->l[li];
        /* weight [M C/g kh kw] -> [M kh kw C/g] */
        int64_t m = w->d[0], c = w->d[1], kh = sp == 2 ? k[0] : 1, kw = sp == 2 ? k[1] : k[0];
        int64_t oc, ic, a, bb;
        int32_t ws[4];
        float *wd = alloc_n(I, count_of(w->ndim, w->d), sizeof *wd);
        const char *in = act(I, x, 1);
        const char *out = tensor_name(I, y->name, "");
        if (wd == NULL || in == NULL || out == NULL) {
            free(wd);
            return -1;
        }
        for (oc = 0; oc < m; oc++) {
            for (ic = 0; ic < c; ic++) {
                for (a = 0; a < kh; a++) {
                    for (bb = 0; bb < kw; bb++) {
                        wd[((oc * kh + a) * kw + bb) * c + ic] =
                            w->f[((oc * c + ic) * kh + a) * kw + bb];
                    }
                }
            }
        }
        lattr(l, "filters", "%lld", (long long)m);
        if (sp == 2) {
            lattr(l, "kernel", "%lld %lld", (long long)kh, (long long)kw);
        } else {
            lattr(l, "kernel", "%lld", (long long)kw);
        }
        lattr(l, "groups", "%lld", (long long)group);
        ws[0] = (int32_t)m;
        if (sp == 2) {
            ws[1] = (int32_t)kh;
            ws[2] = (int32_t)kw;
            ws[3] = (int32_t)c;
        } else {
            ws[1] = (int32_t)kw;
            ws[2] = (int32_t)c;
        }
        if (set_io(I, l, in, out) != 0 || lparam_add(I, l, "weight", sp + 2, ws, wd) != 0) {
            return -1;
        }
        if (b != NULL) {
            float *bd = alloc_n(I, m, sizeof *bd);
            if (bd == NULL) {
                return -1;
            }
            memcpy(bd, b->f, (size_t)m * sizeof *bd);
            if (lparam_add(I, l, "bias", 1, ws, bd) != 0) {
                return -1;
            }
        }
        y->cl = out;
        y->layer = l->idx;
    }
    return 0;
}

static int op_pool(imp *I, const onnx_node *n, int emit)
{
    static const char *const known[] = { "auto_pad", "ceil_mode", "count_include_pad",
                                         "dilations", "kernel_shape", "pads", "storage_order",
                                         "strides", NULL };
    value *x = input_value(I, n, 0), *y;
    int is_max = strcmp(n->op_type, "MaxPool") == 0, sp, li;
    int64_t k[2];
    if (known_attrs(I, n, known) != 0 || need_act(I, x, "X") != 0) {
        return -1;
    }
    if (attr_i(n, "storage_order", 0) != 0) {
        return unsupported(I, "storage_order=1 is not supported");
    }
    if (n->n_outputs > 1 && n->outputs[1][0] != '\0') {
        return unsupported(I, "the Indices output is not supported");
    }
    sp = x->ndim - 2;
    if (sp < 1 || sp > 2) {
        return unsupported(I, "only 1-D and 2-D pooling is supported (input rank %d)", x->ndim);
    }
    if (attr_ints(n, "kernel_shape", k, 2) != sp) {
        return unsupported(I, "kernel_shape must have %d values", sp);
    }
    y = spatial_layer(I, n, emit, is_max ? "max_pool2d" : "avg_pool2d", x, sp, k, x->d[1], 1,
                      &li);
    if (y == NULL) {
        return -1;
    }
    if (emit) {
        layer *l = I->l[li];
        int64_t out_l = y->d[2];
        const char *in = act(I, x, 1);
        const char *out = tensor_name(I, y->name, "");
        if (in == NULL || out == NULL) {
            return -1;
        }
        if (sp == 2) {
            lattr(l, "kernel", "%lld %lld", (long long)k[0], (long long)k[1]);
        } else {
            lattr(l, "kernel", "1 %lld", (long long)k[0]);
        }
        if (!is_max && attr_i(n, "count_include_pad", 0) != 0) {
            lattr(l, "count_include_pad", "true");
        }
        if (sp == 2) {
            if (set_io(I, l, in, out) != 0) {
                return -1;
            }
        } else { /* [L C] -> [1 L C] -> pool -> [OL C] */
            layer *r1, *r2;
            const char *t1 = tensor_name(I, y->name, ".as2d_in"), *t2 = tensor_name(I, y->name, ".as2d");
            r1 = t1 != NULL && t2 != NULL ? new_layer(I, "reshape", node_name(n), ".to2d") : NULL;
            if (r1 == NULL || set_io(I, r1, in, t1) != 0) {
                return -1;
            }
            lattr(r1, "shape", "1 %lld %lld", (long long)x->d[2], (long long)x->d[1]);
            if (set_io(I, l, t1, t2) != 0) {
                return -1;
            }
            r2 = new_layer(I, "reshape", node_name(n), ".to1d");
            if (r2 == NULL || set_io(I, r2, t2, out) != 0) {
                return -1;
            }
            lattr(r2, "shape", "%lld %lld", (long long)out_l, (long long)x->d[1]);
            /* listing order does not matter: stoic sorts layers by their data flow */
        }
        y->cl = out;
    }
    return 0;
}

static int op_gap(imp *I, const onnx_node *n, int emit)
{
    value *x = input_value(I, n, 0), *y;
    int64_t od[MAXD];
    int k;
    if (need_act(I, x, "X") != 0) {
        return -1;
    }
    if (x->ndim != 4) {
        return unsupported(I, "only 2-D global average pooling is supported");
    }
    od[0] = x->d[0];
    od[1] = x->d[1];
    for (k = 2; k < x->ndim; k++) {
        od[k] = 1;
    }
    y = define_out(I, n, 0, x->ndim, od);
    if (y == NULL) {
        return I->failed ? -1 : unsupported(I, "no output");
    }
    if (emit) {
        layer *l;
        const char *in;
        const char *out;
        if (no_batch_mix_in_conv(I) != 0) {
            return -1;
        }
        in = act(I, x, 1);
        out = tensor_name(I, y->name, "");
        l = in != NULL && out != NULL ? new_layer(I, "global_avg_pool", node_name(n), "") : NULL;
        if (l == NULL || set_io(I, l, in, out) != 0) {
            return -1;
        }
        y->cl = out;
    }
    return 0;
}

/* Layout-agnostic ops keep their input's layout. */
static int prefer_cl(const value *x)
{
    return x->cl != NULL;
}

static int op_unary(imp *I, const onnx_node *n, int emit)
{
    value *x = input_value(I, n, 0), *y;
    const char *elem = NULL;
    layer *l;
    const char *in;
    const char *out;
    int cl;
    float lo = -INFINITY, hi = INFINITY;
    if (need_act(I, x, "X") != 0) {
        return -1;
    }
    if (strcmp(n->op_type, "Relu") == 0) {
        elem = "relu";
    } else if (strcmp(n->op_type, "Sigmoid") == 0) {
        elem = "sigmoid";
    } else if (strcmp(n->op_type, "Tanh") == 0) {
        elem = "tanh";
    } else if (strcmp(n->op_type, "LeakyRelu") == 0) {
        elem = "leaky_relu";
        if (!isfinite(attr_f(n, "alpha", 0.01F))) {
            return unsupported(I, "alpha %g is not finite", (double)attr_f(n, "alpha", 0.01F));
        }
    } else { /* Clip: attributes before opset 11, inputs after */
        value *mn = input_value(I, n, 1), *mx = input_value(I, n, 2);
        elem = "clip";
        if (I->failed) {
            return -1;
        }
        if (I->m->opset < 11) {
            lo = attr_f(n, "min", -INFINITY);
            hi = attr_f(n, "max", INFINITY);
        } else {
            if ((mn != NULL && need_scalar(I, mn, "min") != 0) ||
                (mx != NULL && need_scalar(I, mx, "max") != 0)) {
                return -1;
            }
            lo = mn != NULL ? mn->f[0] : -INFINITY;
            hi = mx != NULL ? mx->f[0] : INFINITY;
        }
        if (isnan(lo) || isnan(hi) || lo > hi || lo == INFINITY || hi == -INFINITY) {
            return unsupported(I, "min %g and max %g do not bound a range", (double)lo,
                               (double)hi);
        }
        if (lo == 0.0F && hi == 6.0F) {
            elem = "relu6";
        }
    }
    y = define_out(I, n, 0, x->ndim, x->d);
    if (y == NULL) {
        return I->failed ? -1 : unsupported(I, "no output");
    }
    if (!emit) {
        return 0;
    }
    cl = prefer_cl(x);
    in = act(I, x, cl);
    out = tensor_name(I, y->name, "");
    l = in != NULL && out != NULL ? new_layer(I, elem, node_name(n), "") : NULL;
    if (l == NULL || set_io(I, l, in, out) != 0) {
        return -1;
    }
    if (strcmp(elem, "leaky_relu") == 0) {
        lattr_float(l, "alpha", attr_f(n, "alpha", 0.01F));
    } else if (strcmp(elem, "clip") == 0) {
        if (lo > -INFINITY) {
            lattr_float(l, "min", lo);
        }
        if (hi < INFINITY) {
            lattr_float(l, "max", hi);
        }
    }
    if (cl && has_cl(I, x)) {
        y->cl = out;
    } else {
        y->nat = out;
    }
    return 0;
}

static int norm_axis(imp *I, int64_t a, int ndim, int *out)
{
    if (a < 0) {
        a += ndim;
    }
    if (a < 0 || a >= ndim) {
        return unsupported(I, "axis %lld is out of range", (long long)a);
    }
    *out = (int)a;
    return 0;
}

static int op_softmax(imp *I, const onnx_node *n, int emit)
{
    value *x = input_value(I, n, 0), *y;
    int axis = 0;
    int64_t dflt = I->m->opset < 13 ? 1 : -1;
    layer *l;
    const char *in;
    const char *out;
    if (need_act(I, x, "X") != 0 || norm_axis(I, attr_i(n, "axis", dflt), x->ndim, &axis) != 0) {
        return -1;
    }
    if (I->m->opset < 13 && axis != x->ndim - 1) {
        /* before opset 13: softmax over all axes from `axis` on together */
        return unsupported(I, "softmax (opset %lld) over axes %d..%d together is not supported",
                           (long long)I->m->opset, axis, x->ndim - 1);
    }
    if (axis == 0) {
        touch(I);
    }
    y = define_out(I, n, 0, x->ndim, x->d);
    if (y == NULL) {
        return I->failed ? -1 : unsupported(I, "no output");
    }
    if (!emit) {
        return 0;
    }
    in = act(I, x, 0);
    out = tensor_name(I, y->name, "");
    l = in != NULL && out != NULL ? new_layer(I, "softmax", node_name(n), "") : NULL;
    if (l == NULL || set_io(I, l, in, out) != 0) {
        return -1;
    }
    lattr(l, "axis", "%d", iaxis(I, axis, x->ndim, 0));
    y->nat = out;
    return 0;
}

/* Add and Mul: an activation with an activation of the same shape, or with
 * a constant (broadcast). A MatMul/Gemm result plus a bias vector becomes
 * the bias of that dense layer. */
static int op_binary(imp *I, const onnx_node *n, int emit)
{
    value *a = input_value(I, n, 0), *b = input_value(I, n, 1), *y;
    int is_add = strcmp(n->op_type, "Add") == 0, nd = 0, cl;
    int64_t od[MAXD];
    layer *l;
    const char *ia, *ib;
    const char *out;
    if (a == NULL || b == NULL) {
        return unsupported(I, "needs two inputs");
    }
    if (a->is_const && b->is_const) {
        return unsupported(I, "an operation on two constants is not folded by the importer");
    }
    if (a->is_const) { /* keep the activation first */
        value *t = a;
        a = b;
        b = t;
    }
    if (broadcast(I, a, b, &nd, od) != 0) {
        return -1;
    }
    if (nd != a->ndim || count_of(nd, od) != count_of(a->ndim, a->d)) {
        return unsupported(I, "the result is larger than the activation input (broadcasting "
                              "an activation is not supported)");
    }
    if (!b->is_const && (b->ndim != a->ndim || count_of(b->ndim, b->d) != count_of(nd, od))) {
        return unsupported(I, "two computed inputs must have the same shape");
    }
    if (b->is_const && b->ndim == nd && nd > 0 && b->d[0] != 1) {
        touch(I); /* the constant differs between samples */
    }
    y = define_out(I, n, 0, nd, od);
    if (y == NULL) {
        return I->failed ? -1 : unsupported(I, "no output");
    }
    if (!emit) {
        return 0;
    }
    cl = prefer_cl(a) && has_cl(I, a);
    ia = act(I, a, cl);
    if (ia == NULL) {
        return -1;
    }
    if (!b->is_const) {
        ib = act(I, b, cl);
    } else {
        /* Constant operand: a per-channel vector when it varies only along
         * the stoic last axis, else the full per-sample tensor. */
        int32_t shape[MAXD], vshape[1];
        int rank, k, per_channel = 1, last_onnx;
        float *full = expand_const(I, b, nd, od), *lay;
        int64_t inner;
        if (full == NULL) {
            return -1;
        }
        rank = 0;
        lay = to_layout(I, full, nd, od, cl, shape, &rank);
        free(full);
        if (lay == NULL) {
            return -1;
        }
        /* the ONNX axis that is the stoic last axis */
        last_onnx = cl ? 1 : nd - 1;
        for (k = 0; k < b->ndim; k++) {
            int onnx_ax = k + (nd - b->ndim);
            if (b->d[k] != 1 && onnx_ax != last_onnx) {
                per_channel = 0;
            }
        }
        inner = shape[rank - 1];
        /* MatMul/Gemm + Add of a bias: fold into the dense layer */
        if (is_add && per_channel && a->layer >= 0 && a->uses == 1 &&
            strcmp(I->l[a->layer]->elem, "dense") == 0 && I->l[a->layer]->np == 1 &&
            strcmp(I->l[a->layer]->output, ia) == 0) {
            l = I->l[a->layer];
            vshape[0] = (int32_t)inner;
            if (lparam_add(I, l, "bias", 1, vshape, lay) != 0) {
                return -1;
            }
            /* the layer owns its output string; the name itself is owned
             * by the name table (I->tnames), like every value's nat/cl */
            out = tensor_name(I, y->name, "");
            if (out == NULL) {
                return -1;
            }
            free(l->output);
            l->output = dup(out);
            if (l->output == NULL) {
                return oom(I);
            }
            y->nat = out;
            y->layer = a->layer;
            return 0;
        }
        if (per_channel && rank >= 1) {
            float *vec = alloc_n(I, inner, sizeof *vec);
            if (vec == NULL) {
                free(lay);
                return -1;
            }
            memcpy(vec, lay, (size_t)inner * sizeof *vec);
            free(lay);
            vshape[0] = (int32_t)inner;
            ib = add_konst(I, b->name, 1, vshape, vec);
        } else {
            ib = add_konst(I, b->name, rank, shape, lay);
        }
    }
    out = tensor_name(I, y->name, "");
    if (ib == NULL || out == NULL) {
        return -1;
    }
    l = new_layer(I, is_add ? "add" : "mul", node_name(n), "");
    if (l == NULL) {
        return -1;
    }
    {
        char ins[600];
        snprintf(ins, sizeof ins, "%s %s", ia, ib);
        if (set_io(I, l, ins, out) != 0) {
            return -1;
        }
    }
    if (cl) {
        y->cl = out;
    } else {
        y->nat = out;
    }
    return 0;
}

/* Concat of constants only (shape arithmetic): folded. Returns 0 when
 * folded, 1 when some input is computed (a concat layer), -1 on error. */
static int concat_consts(imp *I, const onnx_node *n, int axis)
{
    value *x0 = input_value(I, n, 0), *y;
    int64_t od[MAXD], outer = 1, inner = 1, c, o, j, at = 0;
    int all_int = 1, k;
    size_t i;
    memcpy(od, x0->d, sizeof od);
    od[axis] = 0;
    for (i = 0; i < n->n_inputs; i++) {
        value *x = input_value(I, n, i);
        if (x == NULL || !x->is_const) {
            return x == NULL ? (I->failed ? -1 : unsupported(I, "input %lu is missing",
                                                            (unsigned long)i)) : 1;
        }
        if (x->ndim != x0->ndim) {
            return unsupported(I, "inputs of different rank");
        }
        for (k = 0; k < x->ndim; k++) {
            if (k != axis && x->d[k] != x0->d[k]) {
                return unsupported(I, "input shapes differ outside the axis");
            }
        }
        if (ckd_add_i64(&od[axis], od[axis], x->d[axis]) || od[axis] > IR_MAX_ELEMS) {
            return unsupported(I, "the result is too large");
        }
        all_int = all_int && x->iv != NULL;
    }
    y = define_out(I, n, 0, x0->ndim, od);
    if (y == NULL) {
        return I->failed ? -1 : unsupported(I, "no output");
    }
    for (k = 0; k < axis; k++) {
        outer *= od[k];
    }
    for (k = axis + 1; k < x0->ndim; k++) {
        inner *= od[k];
    }
    c = count_of(x0->ndim, od);
    y->is_const = 1;
    y->f = alloc_n(I, c, sizeof *y->f);
    y->iv = all_int ? alloc_n(I, c, sizeof *y->iv) : NULL;
    if (y->f == NULL || (all_int && y->iv == NULL)) {
        return -1;
    }
    for (o = 0; o < outer; o++) {
        for (i = 0; i < n->n_inputs; i++) {
            const value *x = input_value(I, n, i);
            int64_t blk = x->d[axis] * inner;
            for (j = 0; j < blk; j++) {
                y->f[at] = x->f[o * blk + j];
                if (all_int) {
                    y->iv[at] = x->iv[o * blk + j];
                }
                at++;
            }
        }
    }
    return 0;
}

static int op_concat(imp *I, const onnx_node *n, int emit)
{
    value *x0 = input_value(I, n, 0), *y;
    int axis = 0, cl = 1, k;
    int64_t od[MAXD];
    size_t i;
    strbuf ins;
    layer *l;
    const char *out;
    if (x0 == NULL || norm_axis(I, attr_i(n, "axis", 0), x0->ndim, &axis) != 0) {
        return x0 == NULL ? unsupported(I, "needs inputs") : -1;
    }
    if (n->n_inputs > 64) {
        return unsupported(I, "more than 64 inputs");
    }
    if (x0->is_const) {
        int r = concat_consts(I, n, axis);
        if (r <= 0) {
            return r;
        }
    }
    memcpy(od, x0->d, sizeof od);
    od[axis] = 0;
    for (i = 0; i < n->n_inputs; i++) {
        value *x = input_value(I, n, i);
        if (x == NULL) {
            return I->failed ? -1 : unsupported(I, "input %lu is missing", (unsigned long)i);
        }
        if (x->ndim != x0->ndim) {
            return unsupported(I, "inputs of different rank");
        }
        for (k = 0; k < x->ndim; k++) {
            if (k != axis && x->d[k] != x0->d[k]) {
                return unsupported(I, "input shapes differ outside the axis");
            }
        }
        od[axis] += x->d[axis];
        cl = cl && !x->is_const && x->cl != NULL;
        if (x->is_const && x->ndim > 0 && x->d[0] != 1) {
            touch(I); /* a constant that differs between samples */
        }
    }
    if (axis == 0) {
        touch(I);
    }
    y = define_out(I, n, 0, x0->ndim, od);
    if (y == NULL) {
        return I->failed ? -1 : unsupported(I, "no output");
    }
    if (!emit) {
        return 0;
    }
    cl = cl && has_cl(I, x0);
    sb_init(&ins);
    for (i = 0; i < n->n_inputs; i++) {
        value *x = input_value(I, n, i);
        const char *t;
        if (x->is_const) {
            int32_t shape[MAXD];
            int rank;
            float *lay = to_layout(I, x->f, x->ndim, x->d, cl, shape, &rank);
            t = lay != NULL ? add_konst(I, x->name, rank, shape, lay) : NULL;
        } else {
            t = act(I, x, cl);
        }
        if (t == NULL) {
            sb_free(&ins);
            return -1;
        }
        sb_printf(&ins, i == 0 ? "%s" : " %s", t);
    }
    out = tensor_name(I, y->name, "");
    l = out != NULL ? new_layer(I, "concat", node_name(n), "") : NULL;
    if (l == NULL || set_io(I, l, ins.s, out) != 0) {
        sb_free(&ins);
        return -1;
    }
    sb_free(&ins);
    lattr(l, "axis", "%d", iaxis(I, axis, x0->ndim, cl));
    if (cl) {
        y->cl = out;
    } else {
        y->nat = out;
    }
    return 0;
}

/* A reshape of an activation (natural layout), from the full new shape. */
static int emit_reshape(imp *I, const onnx_node *n, value *x, value *y)
{
    int32_t s[MAXD];
    int r = ishape(I, y, 0, s), k;
    char buf[128];
    size_t used = 0;
    const char *in = act(I, x, 0);
    const char *out = tensor_name(I, y->name, "");
    layer *l = in != NULL && out != NULL ? new_layer(I, "reshape", node_name(n), "") : NULL;
    if (l == NULL || set_io(I, l, in, out) != 0) {
        return -1;
    }
    if (r > IMP_MAX_RANK) {
        return unsupported(I, "rank %d tensors are not supported (at most %d)", r, IMP_MAX_RANK);
    }
    buf[0] = '\0';
    for (k = 0; k < r; k++) {
        used += (size_t)snprintf(buf + used, sizeof buf - used, k == 0 ? "%ld" : " %ld",
                                 (long)s[k]);
    }
    lattr(l, "shape", "%s", buf);
    y->nat = out;
    return 0;
}

/* Reshape-like ops (Reshape, Flatten, Squeeze, Unsqueeze): the new full
 * shape od; folds constants; an activation becomes a reshape layer. */
static int reshape_to(imp *I, const onnx_node *n, value *x, int nd, const int64_t *od, int emit)
{
    value *y;
    if (count_of(nd, od) != count_of(x->ndim, x->d)) {
        return unsupported(I, "the new shape has a different element count");
    }
    if (!x->is_const && (nd == 0 || x->ndim == 0 || od[0] != x->d[0])) {
        touch(I); /* moves data across the batch axis */
    }
    y = define_out(I, n, 0, nd, od);
    if (y == NULL) {
        return I->failed ? -1 : unsupported(I, "no output");
    }
    if (x->is_const) {
        int64_t c = count_of(nd, od);
        y->is_const = 1;
        y->f = alloc_n(I, c, sizeof *y->f);
        if (y->f == NULL) {
            return -1;
        }
        memcpy(y->f, x->f, (size_t)c * sizeof *y->f);
        if (x->iv != NULL) {
            y->iv = alloc_n(I, c, sizeof *y->iv);
            if (y->iv == NULL) {
                return -1;
            }
            memcpy(y->iv, x->iv, (size_t)c * sizeof *y->iv);
        }
        return 0;
    }
    return emit ? emit_reshape(I, n, x, y) : 0;
}

static int op_reshape(imp *I, const onnx_node *n, int emit)
{
    value *x = input_value(I, n, 0), *s = input_value(I, n, 1);
    int64_t od[MAXD], known = 1;
    int nd, k, neg = -1, allowzero = attr_i(n, "allowzero", 0) != 0;
    if (x == NULL || need_const(I, s, "shape") != 0) {
        return x == NULL ? unsupported(I, "missing input") : -1;
    }
    if (s->iv == NULL || s->ndim != 1 || s->d[0] > MAXD) {
        return unsupported(I, "the shape input must be an int64 vector of at most %d", MAXD);
    }
    nd = (int)s->d[0];
    for (k = 0; k < nd; k++) {
        od[k] = s->iv[k];
        if (od[k] == 0 && !allowzero) {
            if (k >= x->ndim) {
                return unsupported(I, "shape has 0 at axis %d beyond the input's rank", k);
            }
            od[k] = x->d[k];
        }
        if (od[k] == -1) {
            if (neg >= 0) {
                return unsupported(I, "more than one -1 in the shape");
            }
            neg = k;
        } else if (od[k] < 0) {
            return unsupported(I, "negative dimension in the shape");
        } else if (od[k] > IR_MAX_ELEMS || ckd_mul_i64(&known, known, od[k])) {
            return unsupported(I, "shape value %lld is out of range (the new shape has more "
                                  "than %ld elements)", (long long)od[k], IR_MAX_ELEMS);
        }
    }
    if (neg >= 0) {
        if (known == 0) {
            return unsupported(I, "cannot infer -1 next to a zero dimension");
        }
        od[neg] = count_of(x->ndim, x->d) / known;
    }
    return reshape_to(I, n, x, nd, od, emit);
}

static int op_flatten(imp *I, const onnx_node *n, int emit)
{
    value *x = input_value(I, n, 0);
    int axis = 0;
    int64_t od[2];
    if (x == NULL) {
        return I->failed ? -1 : unsupported(I, "missing input");
    }
    if (norm_axis(I, attr_i(n, "axis", 1), x->ndim + 1, &axis) != 0) {
        return -1;
    }
    od[0] = count_of(axis, x->d);
    od[1] = count_of(x->ndim - axis, &x->d[axis]);
    return reshape_to(I, n, x, 2, od, emit);
}

static int op_squeeze_unsqueeze(imp *I, const onnx_node *n, int emit)
{
    value *x = input_value(I, n, 0), *ax = input_value(I, n, 1);
    int unsq = strcmp(n->op_type, "Unsqueeze") == 0;
    int64_t axes[MAXD], od[MAXD];
    int na, nd, k, j, mark[2 * MAXD];
    if (x == NULL) {
        return unsupported(I, "missing input");
    }
    if (ax != NULL) {
        if (need_const(I, ax, "axes") != 0) {
            return -1;
        }
        if (ax->iv == NULL || ax->ndim != 1 || ax->d[0] > MAXD) {
            return unsupported(I, "axes must be an int64 vector");
        }
        na = (int)ax->d[0];
        for (k = 0; k < na; k++) {
            axes[k] = ax->iv[k];
        }
    } else {
        na = attr_ints(n, "axes", axes, MAXD);
        if (na > MAXD) {
            return unsupported(I, "axes has %d values (at most %d)", na, MAXD);
        }
    }
    memset(mark, 0, sizeof mark);
    if (unsq) {
        nd = x->ndim + (na > 0 ? na : 0);
        if (na < 1 || nd > MAXD) {
            return unsupported(I, "needs axes (and at most %d dimensions)", MAXD);
        }
        for (k = 0; k < na; k++) {
            int a = 0;
            if (norm_axis(I, axes[k], nd, &a) != 0) {
                return -1;
            }
            if (mark[a]) {
                return unsupported(I, "axes lists axis %d twice", a);
            }
            mark[a] = 1;
        }
        for (k = 0, j = 0; k < nd; k++) {
            od[k] = mark[k] ? 1 : x->d[j++];
        }
    } else {
        nd = 0;
        if (na < 0) { /* all axes of size 1 */
            for (k = 0; k < x->ndim; k++) {
                mark[k] = x->d[k] == 1;
            }
        } else {
            for (k = 0; k < na; k++) {
                int a = 0;
                if (norm_axis(I, axes[k], x->ndim, &a) != 0) {
                    return -1;
                }
                if (x->d[a] != 1) {
                    return unsupported(I, "cannot squeeze axis %d of size %lld", a,
                                       (long long)x->d[a]);
                }
                if (mark[a]) {
                    return unsupported(I, "axes lists axis %d twice", a);
                }
                mark[a] = 1;
            }
        }
        for (k = 0; k < x->ndim; k++) {
            if (!mark[k]) {
                od[nd++] = x->d[k];
            }
        }
    }
    return reshape_to(I, n, x, nd, od, emit);
}

static int op_transpose(imp *I, const onnx_node *n, int emit)
{
    value *x = input_value(I, n, 0), *y;
    int64_t perm[MAXD], od[MAXD];
    int np, k;
    if (x == NULL) {
        return unsupported(I, "missing input");
    }
    np = attr_ints(n, "perm", perm, MAXD);
    if (np < 0) {
        np = x->ndim;
        for (k = 0; k < np; k++) {
            perm[k] = np - 1 - k;
        }
    }
    if (np != x->ndim) {
        return unsupported(I, "perm does not match the rank");
    }
    {
        int seen[MAXD];
        memset(seen, 0, sizeof seen);
        for (k = 0; k < np; k++) {
            if (perm[k] < 0 || perm[k] >= np || seen[perm[k]]) {
                return unsupported(I, "perm is not a permutation");
            }
            seen[perm[k]] = 1;
            od[k] = x->d[perm[k]];
        }
    }
    if (!x->is_const && np > 0 && perm[0] != 0) {
        touch(I);
    }
    y = define_out(I, n, 0, np, od);
    if (y == NULL) {
        return I->failed ? -1 : unsupported(I, "no output");
    }
    if (x->is_const) {
        int64_t c = count_of(np, od), i, *map = alloc_n(I, c, sizeof *map);
        int rc;
        if (map == NULL) {
            return -1;
        }
        for (i = 0; i < c; i++) {
            int64_t rem = i, src = 0, idx[MAXD], in_idx[MAXD];
            for (k = np - 1; k >= 0; k--) {
                idx[k] = rem % od[k];
                rem /= od[k];
            }
            for (k = 0; k < np; k++) {
                in_idx[perm[k]] = idx[k];
            }
            for (k = 0; k < np; k++) {
                src = src * x->d[k] + in_idx[k];
            }
            map[i] = src;
        }
        rc = const_gather(I, x, y, map, c);
        free(map);
        return rc;
    }
    if (np - (I->drop ? 1 : 0) <= 1) {
        /* at most one axis in the model: the transpose is the identity */
        y->nat = x->nat;
        y->cl = x->cl;
        return 0;
    }
    if (emit) {
        const char *in = act(I, x, 0);
        const char *out = tensor_name(I, y->name, "");
        layer *l = in != NULL && out != NULL ? new_layer(I, "transpose", node_name(n), "") : NULL;
        char buf[64];
        size_t used = 0;
        int base = I->drop ? 1 : 0;
        if (l == NULL || set_io(I, l, in, out) != 0) {
            return -1;
        }
        buf[0] = '\0';
        for (k = base; k < np; k++) {
            used += (size_t)snprintf(buf + used, sizeof buf - used, k == base ? "%lld" : " %lld",
                                     (long long)(perm[k] - base));
        }
        lattr(l, "perm", "%s", buf);
        y->nat = out;
    }
    return 0;
}

static int op_pad(imp *I, const onnx_node *n, int emit)
{
    value *x = input_value(I, n, 0), *pv = input_value(I, n, 1), *cv = input_value(I, n, 2), *y;
    int64_t pads[2 * MAXD], od[MAXD];
    float pad_value = 0.0F;
    int np, k, cl;
    const char *mode = attr_s(n, "mode", "constant");
    if (need_act(I, x, "data") != 0) {
        return -1;
    }
    if (strcmp(mode, "constant") != 0) {
        return unsupported(I, "mode '%s' is not supported (only constant)", mode);
    }
    if (I->m->opset < 11) {
        np = attr_ints(n, "pads", pads, 2 * MAXD);
        pad_value = attr_f(n, "value", 0.0F);
    } else {
        if (need_const(I, pv, "pads") != 0) {
            return -1;
        }
        if (pv->iv == NULL || pv->ndim != 1 || pv->d[0] > 2 * MAXD) {
            return unsupported(I, "pads must be an int64 vector");
        }
        np = (int)pv->d[0];
        for (k = 0; k < np; k++) {
            pads[k] = pv->iv[k];
        }
        if (cv != NULL) {
            if (need_scalar(I, cv, "constant_value") != 0) {
                return -1;
            }
            pad_value = cv->f[0];
        }
        if (n->n_inputs > 3 && n->inputs[3][0] != '\0') {
            return unsupported(I, "the axes input is not supported");
        }
    }
    if (!isfinite(pad_value)) {
        return unsupported(I, "the pad value %g is not finite", (double)pad_value);
    }
    if (np != 2 * x->ndim) {
        return unsupported(I, "pads has %d values for rank %d", np, x->ndim);
    }
    for (k = 0; k < x->ndim; k++) {
        if (pads[k] < 0 || pads[k + x->ndim] < 0) {
            return unsupported(I, "negative pads (cropping) are not supported");
        }
        if (pads[k] > IMP_MAX_PAD || pads[k + x->ndim] > IMP_MAX_PAD) {
            return unsupported(I, "pads value %lld is out of range (0..%ld)",
                               (long long)(pads[k] > IMP_MAX_PAD ? pads[k] : pads[k + x->ndim]),
                               IMP_MAX_PAD);
        }
        if (ckd_add_i64(&od[k], x->d[k], pads[k]) ||
            ckd_add_i64(&od[k], od[k], pads[k + x->ndim])) {
            return unsupported(I, "the padded size is too large");
        }
    }
    if (x->ndim > 0 && (pads[0] != 0 || pads[x->ndim] != 0)) {
        touch(I);
    }
    y = define_out(I, n, 0, x->ndim, od);
    if (y == NULL) {
        return I->failed ? -1 : unsupported(I, "no output");
    }
    if (emit) {
        int32_t is[MAXD];
        int r, a;
        int64_t ip[2 * MAXD];
        const char *in;
        const char *out;
        layer *l;
        char buf[160];
        size_t used = 0;
        cl = prefer_cl(x) && has_cl(I, x);
        in = act(I, x, cl);
        out = tensor_name(I, y->name, "");
        l = in != NULL && out != NULL ? new_layer(I, "pad", node_name(n), "") : NULL;
        if (l == NULL || set_io(I, l, in, out) != 0) {
            return -1;
        }
        r = ishape(I, x, cl, is);
        for (a = 0; a < 2 * r; a++) {
            ip[a] = 0;
        }
        for (k = 0; k < x->ndim; k++) {
            int ia = iaxis(I, k, x->ndim, cl);
            if (ia >= 0) {
                ip[ia] = pads[k];
                ip[ia + r] = pads[k + x->ndim];
            }
        }
        buf[0] = '\0';
        for (a = 0; a < 2 * r; a++) {
            used += (size_t)snprintf(buf + used, sizeof buf - used, a == 0 ? "%lld" : " %lld",
                                     (long long)ip[a]);
        }
        lattr(l, "pads", "%s", buf);
        if (pad_value != 0.0F) {
            lattr_float(l, "value", pad_value);
        }
        if (cl) {
            y->cl = out;
        } else {
            y->nat = out;
        }
    }
    return 0;
}

static int op_batchnorm(imp *I, const onnx_node *n, int emit)
{
    static const char *const roles[4] = { "scale", "bias", "mean", "var" };
    value *x = input_value(I, n, 0), *p[4], *y;
    int k;
    if (need_act(I, x, "X") != 0) {
        return -1;
    }
    if (attr_i(n, "training_mode", 0) != 0 || n->n_outputs > 1) {
        return unsupported(I, "training mode is not supported (inference only)");
    }
    if (x->ndim < 2) {
        return unsupported(I, "input of rank %d", x->ndim);
    }
    if (!isfinite(attr_f(n, "epsilon", 1e-5F)) || attr_f(n, "epsilon", 1e-5F) < 0.0F) {
        return unsupported(I, "epsilon %g is not a finite non-negative number",
                           (double)attr_f(n, "epsilon", 1e-5F));
    }
    for (k = 0; k < 4; k++) {
        p[k] = input_value(I, n, (size_t)k + 1);
        if (need_const(I, p[k], roles[k]) != 0) {
            return -1;
        }
        if (p[k]->ndim != 1 || p[k]->d[0] != x->d[1]) {
            return unsupported(I, "%s must have one value per channel", roles[k]);
        }
    }
    {
        int64_t c;
        float eps = attr_f(n, "epsilon", 1e-5F);
        for (c = 0; c < p[3]->d[0]; c++) {
            if (!(p[3]->f[c] + eps > 0.0F)) {
                return unsupported(I, "var + epsilon is %g for channel %lld (must be positive)",
                                   (double)(p[3]->f[c] + eps), (long long)c);
            }
        }
    }
    y = define_out(I, n, 0, x->ndim, x->d);
    if (y == NULL) {
        return I->failed ? -1 : unsupported(I, "no output");
    }
    if (emit) {
        const char *in = act(I, x, 1);
        const char *out = tensor_name(I, y->name, "");
        layer *l = in != NULL && out != NULL ? new_layer(I, "batch_norm", node_name(n), "") : NULL;
        int32_t cs = (int32_t)x->d[1];
        if (l == NULL || set_io(I, l, in, out) != 0) {
            return -1;
        }
        lattr_float(l, "epsilon", attr_f(n, "epsilon", 1e-5F));
        for (k = 0; k < 4; k++) {
            float *c = alloc_n(I, cs, sizeof *c);
            if (c == NULL) {
                return -1;
            }
            memcpy(c, p[k]->f, (size_t)cs * sizeof *c);
            if (lparam_add(I, l, roles[k], 1, &cs, c) != 0) {
                return -1;
            }
        }
        if (has_cl(I, x)) {
            y->cl = out;
        } else {
            y->nat = out;
        }
    }
    return 0;
}

/* A dense layer y = x W^T (+ b) from a [K N] or [N K] constant. */
static int emit_dense(imp *I, const onnx_node *n, const char *in, value *y, const float *w,
                      int64_t k_in, int64_t n_out, int w_is_kn, float alpha, const float *bias,
                      float beta, const char *suffix)
{
    int32_t ws[2];
    int64_t kn = 0;
    float *wd = ckd_mul_i64(&kn, k_in, n_out) ? NULL : alloc_n(I, kn, sizeof *wd);
    const char *out = tensor_name(I, y->name, suffix);
    layer *l;
    int64_t i, j;
    if (wd == NULL) {
        return I->failed ? -1 : oom(I);
    }
    l = in != NULL && out != NULL ? new_layer(I, "dense", node_name(n), "") : NULL;
    if (l == NULL || set_io(I, l, in, out) != 0) {
        free(wd);
        return -1;
    }
    for (i = 0; i < n_out; i++) {
        for (j = 0; j < k_in; j++) {
            float v = w_is_kn ? w[j * n_out + i] : w[i * k_in + j];
            wd[i * k_in + j] = alpha == 1.0F ? v : (float)((double)alpha * (double)v);
        }
    }
    lattr(l, "units", "%lld", (long long)n_out);
    ws[0] = (int32_t)n_out;
    ws[1] = (int32_t)k_in;
    if (lparam_add(I, l, "weight", 2, ws, wd) != 0) {
        return -1;
    }
    if (bias != NULL) {
        float *bd = alloc_n(I, n_out, sizeof *bd);
        if (bd == NULL) {
            return -1;
        }
        for (i = 0; i < n_out; i++) {
            bd[i] = beta == 1.0F ? bias[i] : (float)((double)beta * (double)bias[i]);
        }
        if (lparam_add(I, l, "bias", 1, ws, bd) != 0) {
            return -1;
        }
    }
    y->nat = out;
    y->layer = l->idx;
    return 0;
}

static int op_matmul(imp *I, const onnx_node *n, int emit)
{
    value *a = input_value(I, n, 0), *b = input_value(I, n, 1), *y;
    int64_t od[MAXD];
    if (need_act(I, a, "A") != 0 || need_const(I, b, "B") != 0) {
        return -1;
    }
    if (b->ndim != 2 || a->ndim < 1 || a->d[a->ndim - 1] != b->d[0]) {
        return unsupported(I, "only activation x constant [K N] matrix products are supported");
    }
    if (a->ndim < 2) {
        return unsupported(I, "a 1-D activation operand is not supported");
    }
    memcpy(od, a->d, sizeof od);
    od[a->ndim - 1] = b->d[1];
    y = define_out(I, n, 0, a->ndim, od);
    if (y == NULL) {
        return I->failed ? -1 : unsupported(I, "no output");
    }
    if (!emit) {
        return 0;
    }
    {
        const char *in = act(I, a, 0);
        return in != NULL ? emit_dense(I, n, in, y, b->f, b->d[0], b->d[1], 1, 1.0F, NULL, 1.0F, "")
                          : -1;
    }
}

static int op_gemm(imp *I, const onnx_node *n, int emit)
{
    static const char *const known[] = { "alpha", "beta", "transA", "transB", "broadcast", NULL };
    value *a = input_value(I, n, 0), *b = input_value(I, n, 1), *c = input_value(I, n, 2), *y;
    int64_t ta = attr_i(n, "transA", 0), tb = attr_i(n, "transB", 0), k_in, n_out, od[2];
    float alpha = attr_f(n, "alpha", 1.0F), beta = attr_f(n, "beta", 1.0F);
    float *bias = NULL;
    const value *matrix_bias = NULL;
    int rc;
    if (known_attrs(I, n, known) != 0 || need_act(I, a, "A") != 0 ||
        need_const(I, b, "B") != 0) {
        return -1;
    }
    if (a->ndim != 2 || b->ndim != 2) {
        return unsupported(I, "A and B must be matrices");
    }
    if (ta != 0) {
        touch(I); /* A's rows are its samples: transposing it mixes them */
    }
    k_in = ta ? a->d[0] : a->d[1];
    n_out = tb ? b->d[0] : b->d[1];
    if ((tb ? b->d[1] : b->d[0]) != k_in) {
        return unsupported(I, "A and B do not fit");
    }
    if (c != NULL) {
        int64_t i;
        if (need_const(I, c, "C") != 0) {
            return -1;
        }
        if (count_of(c->ndim, c->d) == 1) {
            bias = alloc_n(I, n_out, sizeof *bias);
            if (bias != NULL) {
                for (i = 0; i < n_out; i++) {
                    bias[i] = c->f[0];
                }
            }
        } else if (count_of(c->ndim, c->d) == n_out && c->d[c->ndim - 1] == n_out) {
            bias = alloc_n(I, n_out, sizeof *bias);
            if (bias != NULL) {
                memcpy(bias, c->f, (size_t)n_out * sizeof *bias);
            }
        } else if (count_of(c->ndim, c->d) == (ta ? a->d[1] : a->d[0]) * n_out) {
            touch(I); /* a bias per row: rows are samples */
            matrix_bias = c;
        } else {
            return unsupported(I, "bias C does not broadcast to [M N]");
        }
        if (bias == NULL && matrix_bias == NULL) {
            return -1; /* alloc_n reported it */
        }
    }
    od[0] = ta ? a->d[1] : a->d[0];
    od[1] = n_out;
    y = define_out(I, n, 0, 2, od);
    if (y == NULL) {
        free(bias);
        return I->failed ? -1 : unsupported(I, "no output");
    }
    if (!emit) {
        free(bias);
        return 0;
    }
    {
        const char *in = act(I, a, 0);
        if (in != NULL && ta) { /* batch kept: A is one sample [K M] -> [M K] */
            const char *t = tensor_name(I, a->name, ".T");
            layer *l = t != NULL ? new_layer(I, "transpose", node_name(n), ".transA") : NULL;
            if (l == NULL || set_io(I, l, in, t) != 0) {
                free(bias);
                return -1;
            }
            lattr(l, "perm", "1 0");
            in = t;
        }
        rc = in != NULL ? emit_dense(I, n, in, y, b->f, k_in, n_out, tb ? 0 : 1, alpha, bias,
                                     beta, matrix_bias != NULL ? ".mm" : "")
                        : -1;
    }
    free(bias);
    if (rc == 0 && matrix_bias != NULL) { /* + beta * C, one row per sample row */
        int64_t cnt = od[0] * n_out, i;
        int32_t cs[2];
        float *cd = expand_const(I, matrix_bias, 2, od);
        const char *cname;
        char ins[600];
        const char *out = tensor_name(I, y->name, "");
        layer *l;
        if (cd == NULL || out == NULL) {
            free(cd);
            return -1;
        }
        for (i = 0; i < cnt; i++) {
            cd[i] = beta == 1.0F ? cd[i] : (float)((double)beta * (double)cd[i]);
        }
        cs[0] = (int32_t)od[0];
        cs[1] = (int32_t)n_out;
        cname = add_konst(I, matrix_bias->name, 2, cs, cd);
        l = cname != NULL ? new_layer(I, "add", node_name(n), ".bias") : NULL;
        if (l == NULL) {
            return -1;
        }
        snprintf(ins, sizeof ins, "%s %s", y->nat, cname);
        if (set_io(I, l, ins, out) != 0) {
            return -1;
        }
        y->nat = out;
        y->layer = -1;
    }
    return rc;
}

/* Identity, Dropout (inference): the output is the input. */
static int op_identity(imp *I, const onnx_node *n, int emit)
{
    value *x = input_value(I, n, 0), *y;
    (void)emit;
    if (x == NULL) {
        return unsupported(I, "missing input");
    }
    if (n->n_outputs > 1 && n->outputs[1][0] != '\0') {
        return unsupported(I, "the mask output is not supported");
    }
    if (strcmp(n->op_type, "Dropout") == 0 && n->n_inputs > 2 && n->inputs[2][0] != '\0') {
        value *t = input_value(I, n, 2);
        if (t == NULL || !t->is_const || count_of(t->ndim, t->d) != 1 || t->f[0] != 0.0F) {
            return unsupported(I, "training_mode must be a constant false");
        }
    }
    y = define_out(I, n, 0, x->ndim, x->d);
    if (y == NULL) {
        return I->failed ? -1 : unsupported(I, "no output");
    }
    y->is_const = x->is_const;
    if (x->is_const) {
        int64_t c = count_of(x->ndim, x->d);
        y->f = alloc_n(I, c, sizeof *y->f);
        if (y->f == NULL) {
            return -1;
        }
        memcpy(y->f, x->f, (size_t)c * sizeof *y->f);
        if (x->iv != NULL) {
            y->iv = alloc_n(I, c, sizeof *y->iv);
            if (y->iv == NULL) {
                return -1;
            }
            memcpy(y->iv, x->iv, (size_t)c * sizeof *y->iv);
        }
    }
    y->nat = x->nat;
    y->cl = x->cl;
    return 0;
}

/* ConstantOfShape: a constant of the shape given by a constant int64
 * vector, every element the attribute value's one element (float 0 by
 * default). */
static int op_constant_of_shape(imp *I, const onnx_node *n, int emit)
{
    value *s = input_value(I, n, 0), *y;
    const onnx_attr *a = onnx_node_attr(n, "value");
    int64_t od[MAXD], c, i;
    int nd, k;
    float fv = 0.0F;
    int64_t iv = 0;
    int is_int = 0;
    (void)emit;
    if (need_const(I, s, "input") != 0) {
        return -1;
    }
    if (s->iv == NULL || s->ndim != 1 || s->d[0] > MAXD) {
        return unsupported(I, "the shape input must be an int64 vector of at most %d", MAXD);
    }
    if (a != NULL) {
        if (a->type != ONNX_ATTR_TENSOR || a->t == NULL || a->t->count != 1) {
            return unsupported(I, "value must be a tensor of one element");
        }
        fv = a->t->f32[0];
        if (a->t->i64 != NULL) {
            iv = a->t->i64[0];
            is_int = 1;
        } else if (!isfinite(fv)) {
            return unsupported(I, "value %g is not finite", (double)fv);
        }
    }
    nd = (int)s->d[0];
    for (k = 0; k < nd; k++) {
        od[k] = s->iv[k];
    }
    y = define_out(I, n, 0, nd, od); /* checks every dimension and the count */
    if (y == NULL) {
        return I->failed ? -1 : unsupported(I, "no output");
    }
    c = count_of(nd, od);
    y->is_const = 1;
    y->f = alloc_n(I, c, sizeof *y->f);
    y->iv = is_int ? alloc_n(I, c, sizeof *y->iv) : NULL;
    if (y->f == NULL || (is_int && y->iv == NULL)) {
        return -1;
    }
    for (i = 0; i < c; i++) {
        y->f[i] = fv;
        if (is_int) {
            y->iv[i] = iv;
        }
    }
    return 0;
}

/* A Slice parameter vector (opset >= 10: constant int64 input k; before:
 * the attribute), or -1 for an absent optional one. */
static int slice_param(imp *I, const onnx_node *n, size_t k, const char *attr, int64_t *v)
{
    if (I->m->opset < 10) {
        int c = attr_ints(n, attr, v, MAXD);
        if (c > MAXD) {
            return unsupported(I, "%s has %d values (at most %d)", attr, c, MAXD);
        }
        return c;
    } else {
        value *p = input_value(I, n, k);
        int j;
        if (p == NULL) {
            return -1;
        }
        if (need_const(I, p, attr) != 0) {
            return -2;
        }
        if (p->iv == NULL || p->ndim != 1 || p->d[0] > MAXD) {
            return unsupported(I, "%s must be an integer vector of at most %d", attr, MAXD);
        }
        for (j = 0; j < (int)p->d[0]; j++) {
            v[j] = p->iv[j];
        }
        return (int)p->d[0];
    }
}

/* Slice of a constant (shape arithmetic), ONNX semantics: negative starts
 * and ends count from the end, both are clamped, steps may be negative. */
static int op_slice(imp *I, const onnx_node *n, int emit)
{
    value *x = input_value(I, n, 0), *y;
    int64_t starts[MAXD], ends[MAXD], axes[MAXD], steps[MAXD];
    int64_t first[MAXD], step[MAXD], od[MAXD], c, i;
    int ns, ne, na, nst, k, j;
    (void)emit;
    if (x == NULL) {
        return unsupported(I, "missing input");
    }
    if (!x->is_const) {
        return unsupported(I, "slicing a computed tensor is not supported (only constants, "
                              "folded)");
    }
    ns = slice_param(I, n, 1, "starts", starts);
    ne = slice_param(I, n, 2, "ends", ends);
    if (ns < 0 || ne < 0 || I->failed) {
        return I->failed ? -1 : unsupported(I, "needs starts and ends");
    }
    na = slice_param(I, n, 3, "axes", axes);
    nst = I->m->opset < 10 ? -1 : slice_param(I, n, 4, "steps", steps);
    if (I->failed || na < -1 || nst < -1) {
        return -1;
    }
    if (ne != ns || (na >= 0 && na != ns) || (nst >= 0 && nst != ns)) {
        return unsupported(I, "starts, ends, axes and steps differ in length");
    }
    for (k = 0; k < x->ndim; k++) {
        first[k] = 0;
        step[k] = 1;
        od[k] = x->d[k];
    }
    {
        int seen[MAXD];
        memset(seen, 0, sizeof seen);
        for (j = 0; j < ns; j++) {
            int a = j;
            int64_t dim, st, en, s = nst >= 0 ? steps[j] : 1;
            if (na >= 0 && norm_axis(I, axes[j], x->ndim, &a) != 0) {
                return -1;
            }
            if (a >= x->ndim) {
                return unsupported(I, "more starts than axes");
            }
            if (seen[a]) {
                return unsupported(I, "axis %d is sliced twice", a);
            }
            seen[a] = 1;
            if (s == 0) {
                return unsupported(I, "a step of 0");
            }
            dim = x->d[a];
            st = starts[j];
            en = ends[j];
            if (st < 0) {
                st = st < -dim ? -1 : st + dim;
            }
            if (en < 0) {
                en = en < -dim ? -1 : en + dim;
            }
            if (s > 0) {
                st = st < 0 ? 0 : (st > dim ? dim : st);
                en = en < 0 ? 0 : (en > dim ? dim : en);
                od[a] = en > st ? (en - st + s - 1) / s : 0;
            } else {
                st = st < 0 ? -1 : (st > dim - 1 ? dim - 1 : st);
                en = en < -1 ? -1 : (en > dim - 1 ? dim - 1 : en);
                /* s >= INT64_MIN + 1 (a step of INT64_MIN: one element at most) */
                od[a] = st > en ? (s == INT64_MIN ? 1 : (st - en + (-s) - 1) / (-s)) : 0;
            }
            first[a] = st;
            step[a] = s;
        }
    }
    y = define_out(I, n, 0, x->ndim, od);
    if (y == NULL) {
        return I->failed ? -1 : unsupported(I, "no output");
    }
    c = count_of(x->ndim, od);
    {
        int64_t *idx = alloc_n(I, c, sizeof *idx);
        int rc;
        if (idx == NULL) {
            return -1;
        }
        for (i = 0; i < c; i++) {
            int64_t rem = i, src = 0, oc[MAXD];
            for (k = x->ndim - 1; k >= 0; k--) {
                oc[k] = rem % od[k];
                rem /= od[k];
            }
            for (k = 0; k < x->ndim; k++) {
                src = src * x->d[k] + first[k] + oc[k] * step[k];
            }
            idx[i] = src;
        }
        rc = const_gather(I, x, y, idx, c);
        free(idx);
        return rc;
    }
}

/* Cast: folded on constants (to float, double, int32, int64, bool: what
 * shape arithmetic casts to); on a computed float tensor to float or
 * double it is the identity (stoic computes in float32). */
static int op_cast(imp *I, const onnx_node *n, int emit)
{
    value *x = input_value(I, n, 0), *y;
    int64_t to = attr_i(n, "to", 0), c, i;
    /* ONNX TensorProto.DataType: FLOAT 1, INT32 6, INT64 7, BOOL 9, DOUBLE 11 */
    int to_int = to == 6 || to == 7 || to == 9, to_float = to == 1 || to == 11;
    (void)emit;
    if (x == NULL) {
        return unsupported(I, "missing input");
    }
    if (!to_int && !to_float) {
        return unsupported(I, "cast to type %lld is not supported", (long long)to);
    }
    if (!x->is_const) {
        if (!to_float) {
            return unsupported(I, "a computed tensor can only be cast to float");
        }
        y = define_out(I, n, 0, x->ndim, x->d);
        if (y == NULL) {
            return I->failed ? -1 : unsupported(I, "no output");
        }
        y->nat = x->nat;
        y->cl = x->cl;
        return 0;
    }
    y = define_out(I, n, 0, x->ndim, x->d);
    if (y == NULL) {
        return I->failed ? -1 : unsupported(I, "no output");
    }
    c = count_of(x->ndim, x->d);
    y->is_const = 1;
    y->f = alloc_n(I, c, sizeof *y->f);
    y->iv = to_int ? alloc_n(I, c, sizeof *y->iv) : NULL;
    if (y->f == NULL || (to_int && y->iv == NULL)) {
        return -1;
    }
    for (i = 0; i < c; i++) {
        if (!to_int) {
            y->f[i] = x->f[i];
            continue;
        }
        if (x->iv != NULL) {
            y->iv[i] = x->iv[i];
        } else if (!isfinite(x->f[i]) || fabs((double)x->f[i]) >= 9.2e18) {
            return unsupported(I, "value %g cannot be cast to an integer", (double)x->f[i]);
        } else {
            y->iv[i] = (int64_t)x->f[i]; /* truncation toward zero, as ONNX casts */
        }
        if (to == 6 && (y->iv[i] < INT32_MIN || y->iv[i] > INT32_MAX)) {
            return unsupported(I, "value %lld does not fit int32", (long long)y->iv[i]);
        }
        if (to == 9) {
            y->iv[i] = y->iv[i] != 0 ? 1 : 0;
        }
        y->f[i] = (float)y->iv[i];
    }
    return 0;
}

static int op_constant(imp *I, const onnx_node *n, int emit)
{
    const onnx_attr *a = onnx_node_attr(n, "value");
    onnx_tensor t;
    value *y;
    (void)emit;
    memset(&t, 0, sizeof t);
    if (find(I, n->outputs[0]) != NULL) {
        return unsupported(I, "'%s' is assigned twice (an ONNX graph defines each name once)",
                           n->outputs[0]);
    }
    if (a != NULL && a->type == ONNX_ATTR_TENSOR && a->t != NULL) {
        y = add_const(I, n->outputs[0], a->t);
        return y != NULL ? 0 : -1;
    }
    a = onnx_node_attr(n, "value_float");
    if (a == NULL) {
        a = onnx_node_attr(n, "value_floats");
    }
    if (a == NULL) {
        a = onnx_node_attr(n, "value_int");
    }
    if (a == NULL) {
        a = onnx_node_attr(n, "value_ints");
    }
    if (a == NULL) {
        return unsupported(I, "only tensor, float(s) and int(s) constants are supported");
    }
    if (a->type != ONNX_ATTR_FLOAT && a->type != ONNX_ATTR_INT &&
        a->type != ONNX_ATTR_FLOATS && a->type != ONNX_ATTR_INTS) {
        return unsupported(I, "attribute '%s' has type %s", a->name,
                           onnx_attr_type_name(a->type));
    }
    y = add_value(I, n->outputs[0]);
    if (y == NULL) {
        return -1;
    }
    y->is_const = 1;
    /* integer values (shape operands) only for the int forms: a float is
     * never converted to an integer (no undefined conversion of NaN or
     * of a value out of the int64 range) */
    if (a->type == ONNX_ATTR_FLOAT || a->type == ONNX_ATTR_INT) {
        y->ndim = 0;
        y->f = alloc_n(I, 1, sizeof *y->f);
        if (y->f == NULL) {
            return -1;
        }
        y->f[0] = a->type == ONNX_ATTR_FLOAT ? a->f : (float)a->i;
        if (a->type == ONNX_ATTR_INT) {
            y->iv = alloc_n(I, 1, sizeof *y->iv);
            if (y->iv == NULL) {
                return -1;
            }
            y->iv[0] = a->i;
        }
    } else {
        size_t c = a->type == ONNX_ATTR_FLOATS ? a->n_floats : a->n_ints, i;
        if (c > (size_t)IR_MAX_ELEMS) {
            return unsupported(I, "more than %ld values", IR_MAX_ELEMS);
        }
        y->ndim = 1;
        y->d[0] = (int64_t)c;
        y->f = alloc_n(I, (int64_t)c, sizeof *y->f);
        if (y->f == NULL) {
            return -1;
        }
        if (a->type == ONNX_ATTR_INTS) {
            y->iv = alloc_n(I, (int64_t)c, sizeof *y->iv);
            if (y->iv == NULL) {
                return -1;
            }
        }
        for (i = 0; i < c; i++) {
            y->f[i] = a->type == ONNX_ATTR_FLOATS ? a->floats[i] : (float)a->ints[i];
            if (y->iv != NULL) {
                y->iv[i] = a->ints[i];
            }
        }
    }
    return 0;
}

/* The operators stoic imports, with the most inputs and outputs the ONNX
 * operator has (in any opset): a node with more is malformed. */
static const struct {
    const char *op;
    op_fn fn;
    unsigned max_in, max_out;
} op_table[] = {
    { "Conv", op_conv, 3, 1 },
    { "MaxPool", op_pool, 1, 2 },
    { "AveragePool", op_pool, 1, 1 },
    { "GlobalAveragePool", op_gap, 1, 1 },
    { "Relu", op_unary, 1, 1 },
    { "LeakyRelu", op_unary, 1, 1 },
    { "Sigmoid", op_unary, 1, 1 },
    { "Tanh", op_unary, 1, 1 },
    { "Clip", op_unary, 3, 1 },
    { "Softmax", op_softmax, 1, 1 },
    { "Add", op_binary, 2, 1 },
    { "Mul", op_binary, 2, 1 },
    { "Concat", op_concat, 64, 1 },
    { "Reshape", op_reshape, 2, 1 },
    { "Flatten", op_flatten, 1, 1 },
    { "Squeeze", op_squeeze_unsqueeze, 2, 1 },
    { "Unsqueeze", op_squeeze_unsqueeze, 2, 1 },
    { "Transpose", op_transpose, 1, 1 },
    { "Pad", op_pad, 4, 1 },
    { "BatchNormalization", op_batchnorm, 5, 5 },
    { "MatMul", op_matmul, 2, 1 },
    { "Gemm", op_gemm, 3, 1 },
    { "Identity", op_identity, 1, 1 },
    { "Dropout", op_identity, 3, 2 },
    { "Constant", op_constant, 0, 1 },
    { "ConstantOfShape", op_constant_of_shape, 1, 1 },
    { "Slice", op_slice, 5, 1 },
    { "Cast", op_cast, 1, 1 },
};

static int find_op(const char *op)
{
    size_t i;
    for (i = 0; i < sizeof op_table / sizeof op_table[0]; i++) {
        if (strcmp(op_table[i].op, op) == 0) {
            return (int)i;
        }
    }
    return -1;
}

/* ---- the walk -------------------------------------------------------- */

/* Frees the values from index `from` on. */
static void free_values(imp *I, int from)
{
    int i;
    for (i = from; i < I->nv; i++) {
        free(I->v[i]->name);
        free(I->v[i]->f);
        free(I->v[i]->iv);
        free(I->v[i]);
        I->v[i] = NULL;
    }
    if (from < I->nv) {
        I->nv = from;
    }
}

static void free_layers(imp *I)
{
    int i, k;
    for (i = 0; i < I->nl; i++) {
        layer *l = I->l[i];
        free(l->name);
        free(l->inputs);
        free(l->output);
        sb_free(&l->attrs);
        for (k = 0; k < l->np; k++) {
            free(l->p[k].pname);
            free(l->p[k].data);
        }
        free(l);
        I->l[i] = NULL;
    }
    I->nl = 0;
    for (i = 0; i < I->nk; i++) {
        free(I->k[i].data);
    }
    I->nk = 0;
    for (i = 0; i < I->nt; i++) {
        free(I->tnames[i]);
    }
    I->nt = 0;
}

static int is_init(const onnx_model *m, const char *name)
{
    return onnx_model_init(m, name) != NULL;
}

/* One walk over the graph; emit=0 finds shapes and the batch decision. */
static int walk(imp *I, int emit, value **in_v)
{
    const onnx_model *m = I->m;
    size_t i;
    *in_v = NULL;
    for (i = 0; i < m->n_inits; i++) {
        size_t j;
        for (j = 0; j < i; j++) {
            if (strcmp(m->inits[j].name, m->inits[i].name) == 0) {
                return unsupported(I, "initializer '%s' is defined twice", m->inits[i].name);
            }
        }
        if (add_const(I, m->inits[i].name, &m->inits[i]) == NULL) {
            return -1;
        }
    }
    for (i = 0; i < m->n_inputs; i++) {
        const onnx_value_info *vi = &m->inputs[i];
        value *v;
        int j;
        if (is_init(m, vi->name) || (find(I, vi->name) != NULL && find(I, vi->name)->is_const)) {
            continue; /* an initializer, or frozen by --freeze */
        }
        if (*in_v != NULL) {
            return unsupported(I, "the model has more than one input ('%s', '%s'); freeze the "
                                  "others with --freeze NAME=TENSOR.pb",
                               (*in_v)->name, vi->name);
        }
        if (!vi->has_shape || (vi->elem_type != ONNX_FLOAT && vi->elem_type != 0)) {
            return unsupported(I, "input '%s' must be a float tensor with a known shape",
                               vi->name);
        }
        v = add_value(I, vi->name);
        if (v == NULL) {
            return -1;
        }
        v->ndim = vi->ndim;
        for (j = 0; j < vi->ndim; j++) {
            v->d[j] = vi->dims[j];
            if (v->d[j] < 0 && j == 0) {
                v->d[j] = 1; /* symbolic batch */
            } else if (v->d[j] < 1) {
                return unsupported(I, "input '%s': dimension %d is dynamic or zero (%s)",
                                   vi->name, j, vi->dim_params[j] != NULL ? vi->dim_params[j] : "?");
            } else if (v->d[j] > IMP_MAX_DIM) {
                return unsupported(I, "input '%s': dimension %d (%lld) is out of range (1..%ld)",
                                   vi->name, j, (long long)v->d[j], IMP_MAX_DIM);
            }
        }
        if (count_of(v->ndim, v->d) > IR_MAX_ELEMS) {
            return unsupported(I, "input '%s' has more than %ld elements", vi->name,
                               IR_MAX_ELEMS);
        }
        *in_v = v;
    }
    if (*in_v == NULL) {
        return unsupported(I, "the model has no input to compute from");
    }
    if (emit) {
        const char *t = tensor_name(I, (*in_v)->name, "");
        int32_t s[MAXD];
        if (t == NULL) {
            return -1;
        }
        (*in_v)->nat = t;
        if (ishape(I, *in_v, 0, s) > IMP_MAX_RANK) {
            return unsupported(I, "input of rank %d (at most %d without the batch axis)",
                               (*in_v)->ndim, IMP_MAX_RANK);
        }
    }
    for (i = 0; i < m->n_nodes; i++) {
        const onnx_node *n = &m->nodes[i];
        op_fn fn;
        int op;
        I->cur = n;
        if (n->domain != NULL && n->domain[0] != '\0' && strcmp(n->domain, "ai.onnx") != 0) {
            return unsupported(I, "operator domain '%s' is not supported", n->domain);
        }
        op = find_op(n->op_type);
        if (op < 0) {
            return unsupported(I, "operator %s is not supported", n->op_type);
        }
        fn = op_table[op].fn;
        if (n->n_inputs > op_table[op].max_in || n->n_outputs > op_table[op].max_out) {
            return unsupported(I, "%lu inputs and %lu outputs: %s has at most %u and %u",
                               (unsigned long)n->n_inputs, (unsigned long)n->n_outputs,
                               n->op_type, op_table[op].max_in, op_table[op].max_out);
        }
        if (n->n_outputs < 1) {
            return unsupported(I, "node without outputs");
        }
        if (fn(I, n, emit) != 0 || I->failed) {
            /* every refusal names its reason; this one is the last resort */
            return I->failed ? -1 : unsupported(I, "cannot be imported");
        }
        {
            value *y = find(I, n->outputs[0]);
            int32_t s[MAXD];
            int k;
            if (y != NULL && !y->is_const && ishape(I, y, 0, s) > IMP_MAX_RANK) {
                return unsupported(I, "rank %d tensors are not supported", y->ndim);
            }
            /* a computed tensor must fit the model description's dim type */
            for (k = 0; y != NULL && !y->is_const && k < y->ndim; k++) {
                if (y->d[k] < 1 || y->d[k] > IMP_MAX_DIM) {
                    return unsupported(I, "output '%s': dimension %d (%lld) is out of range "
                                          "(1..%ld)", y->name, k, (long long)y->d[k],
                                       IMP_MAX_DIM);
                }
            }
        }
    }
    I->cur = NULL;
    return 0;
}

/* Number of node inputs (and graph outputs) reading each value name. */
static int uses_of(const onnx_model *m, const char *name)
{
    size_t i, k;
    int u = 0;
    for (i = 0; i < m->n_nodes; i++) {
        for (k = 0; k < m->nodes[i].n_inputs; k++) {
            u += strcmp(m->nodes[i].inputs[k], name) == 0;
        }
    }
    for (i = 0; i < m->n_outputs; i++) {
        u += strcmp(m->outputs[i].name, name) == 0;
    }
    return u;
}

/* ---- writing ------------------------------------------------------------ */

/* Length of the well-formed UTF-8 sequence at s, or 0. */
static int utf8_len(const unsigned char *s)
{
    int n, k;
    unsigned cp;
    if (s[0] < 0x80) {
        return 1;
    }
    if (s[0] >= 0xC2 && s[0] <= 0xDF) {
        n = 2;
        cp = s[0] & 0x1Fu;
    } else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
        n = 3;
        cp = s[0] & 0x0Fu;
    } else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
        n = 4;
        cp = s[0] & 0x07u;
    } else {
        return 0;
    }
    for (k = 1; k < n; k++) {
        if ((s[k] & 0xC0) != 0x80) {
            return 0;
        }
        cp = (cp << 6) | (s[k] & 0x3Fu);
    }
    if ((n == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (n == 4 && (cp < 0x10000 || cp > 0x10FFFF))) {
        return 0;
    }
    return n;
}

/* Text for an XML attribute or element: escaped; bytes that are not
 * well-formed UTF-8 (a producer string is the ONNX file's, unchecked)
 * become '?'. */
static void xml_text(strbuf *b, const char *s)
{
    for (; *s != '\0'; s++) {
        int n = utf8_len((const unsigned char *)s);
        if (n == 0) {
            sb_putn(b, "?", 1);
            continue;
        }
        if (n > 1) {
            sb_putn(b, s, (size_t)n);
            s += n - 1;
            continue;
        }
        switch (*s) {
        case '&':
            sb_puts(b, "&amp;");
            break;
        case '<':
            sb_puts(b, "&lt;");
            break;
        case '>':
            sb_puts(b, "&gt;");
            break;
        case '"':
            sb_puts(b, "&quot;");
            break;
        default:
            if ((unsigned char)*s >= 0x20 || *s == '\n') {
                sb_putn(b, s, 1);
            }
            break;
        }
    }
}

/* Provenance text (a path, the producer's name) in the description: at
 * most max bytes of it, printable ASCII letters, digits and " ._:/+()@,=-"
 * kept, every other byte (control characters, quotes, '<', '&', '*',
 * non-ASCII) written as '_', and no "--", so nothing of the ONNX file can
 * end the element, open markup or close a comment if the text is ever
 * quoted in one. */
static void prov_text(strbuf *b, const char *s, size_t max)
{
    size_t i;
    char prev = '\0';
    for (i = 0; s[i] != '\0' && i < max; i++) {
        char c = s[i];
        int ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                 (c != '\0' && strchr(" ._:/+()@,=-", c) != NULL);
        if (!ok || (c == '-' && prev == '-')) {
            c = '_';
        }
        sb_putn(b, &c, 1);
        prev = c;
    }
    if (s[i] != '\0') {
        sb_puts(b, "...");
    }
}

static void put_f32le(strbuf *bin, const float *v, int64_t n)
{
    int64_t i;
    for (i = 0; i < n; i++) {
        uint32_t u;
        char b[4];
        memcpy(&u, &v[i], sizeof u);
        b[0] = (char)(u & 0xffU);
        b[1] = (char)((u >> 8) & 0xffU);
        b[2] = (char)((u >> 16) & 0xffU);
        b[3] = (char)((u >> 24) & 0xffU);
        sb_putn(bin, b, 4);
    }
}

typedef struct {
    const char *src;
    const char *sha;
    int too_large;    /* the offsets passed INT64_MAX (never with real memory) */
} binref;

static void data_attrs(strbuf *x, strbuf *bin, binref *r, int rank, const int32_t *shape,
                       const float *data, int64_t *off, int pass)
{
    char sh[128];
    int64_t n = count32(rank, shape), bytes; /* <= IR_MAX_ELEMS: finite_data checked */
    shape_str(shape, rank, sh, sizeof sh);
    sb_printf(x, " shape=\"%s\" src=\"", sh);
    xml_text(x, r->src);
    sb_printf(x, "\" offset=\"%lld\" count=\"%lld\" sha256=\"%s\"", (long long)*off,
              (long long)n, r->sha);
    if (pass == 0) {
        put_f32le(bin, data, n);
    }
    if (ckd_mul_i64(&bytes, n, 4) || ckd_add_i64(off, *off, bytes)) {
        r->too_large = 1;
        *off = 0;
    }
}

/* Writes the weights (pass 0) or the XML (pass 1, with the file's hash). */
static void write_model(imp *I, strbuf *x, strbuf *bin, binref *r, const char *model_name,
                        const value *in, const char *out_name, const char *src_sha, int pass)
{
    int64_t off = 0;
    int i, k;
    int32_t s[MAXD];
    int rank = ishape(I, in, 0, s);
    char sh[128];
    if (pass == 1) {
        sb_puts(x, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        sb_printf(x, "<model xmlns=\"urn:stoic:model:1\" name=\"%s\" version=\"1\">\n", model_name);
        sb_puts(x, "  <description>Imported by stoic " STOIC_VERSION " from ");
        {
            /* the file's base name and hash: where it lay is not part of the model */
            const char *b = strrchr(I->o->onnx_path, '/');
            prov_text(x, b != NULL ? b + 1 : I->o->onnx_path, 200);
        }
        sb_printf(x, " (sha256 %s); producer ", src_sha);
        prov_text(x, I->m->producer != NULL && I->m->producer[0] != '\0' ? I->m->producer
                                                                         : "unknown", 100);
        sb_printf(x, "; ONNX IR %lld, opset %lld. Input and output keep the ONNX model's element "
                     "order (channels first); transpose layers change the layout where stoic "
                     "needs channels last. Batch axis: %s.</description>\n",
                  (long long)I->m->ir_version, (long long)I->m->opset,
                  I->drop ? "dropped (one call per sample)" : "kept (the whole tensor is one sample)");
        shape_str(s, rank, sh, sizeof sh);
        sb_puts(x, "  <input name=\"");
        xml_text(x, in->nat);
        sb_printf(x, "\" shape=\"%s\" dtype=\"float32\"/>\n", sh);
    }
    for (i = 0; i < I->nk; i++) {
        if (pass == 1) {
            sb_puts(x, "  <constant name=\"");
            xml_text(x, I->k[i].name);
            sb_puts(x, "\"");
        }
        data_attrs(x, bin, r, I->k[i].rank, I->k[i].shape, I->k[i].data, &off, pass);
        if (pass == 1) {
            sb_puts(x, "/>\n");
        }
    }
    if (pass == 1) {
        sb_puts(x, "  <layers>\n");
    }
    for (i = 0; i < I->nl; i++) {
        const layer *l = I->l[i];
        if (l->dead) {
            continue;
        }
        if (pass == 1) {
            sb_printf(x, "    <%s name=\"", l->elem);
            xml_text(x, l->name);
            sb_puts(x, "\" inputs=\"");
            xml_text(x, l->inputs);
            sb_puts(x, "\" output=\"");
            xml_text(x, l->output);
            sb_puts(x, "\"");
            if (l->attrs.s != NULL) {
                sb_puts(x, l->attrs.s);
            }
            sb_puts(x, l->np > 0 ? ">\n" : "/>\n");
        }
        for (k = 0; k < l->np; k++) {
            if (pass == 1) {
                sb_printf(x, "      <param name=\"%s\"", l->p[k].pname);
            }
            data_attrs(x, bin, r, l->p[k].rank, l->p[k].shape, l->p[k].data, &off, pass);
            if (pass == 1) {
                sb_puts(x, "/>\n");
            }
        }
        if (pass == 1 && l->np > 0) {
            sb_printf(x, "    </%s>\n", l->elem);
        }
    }
    if (pass == 1) {
        sb_puts(x, "  </layers>\n  <output name=\"");
        xml_text(x, out_name);
        sb_puts(x, "\"/>\n</model>\n");
    }
}

/* A model name: a C identifier of at most 48 characters (model.xsd). */
static int valid_model_name(const char *s)
{
    size_t i;
    for (i = 0; s[i] != '\0'; i++) {
        char c = s[i];
        int ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' ||
                 (i > 0 && c >= '0' && c <= '9');
        if (!ok || i >= 48) {
            return 0;
        }
    }
    return i > 0;
}

/* The model name: --name (checked by import_onnx), else from the -o file
 * name: its base name up to the first '.', other characters than letters,
 * digits and '_' (and a leading digit) replaced by '_', at most 47
 * characters, "m" if nothing is left. */
static void model_name_from(const import_options *o, char *buf, size_t n)
{
    const char *base = strrchr(o->xml_path, '/');
    size_t i, k = 0;
    base = base != NULL ? base + 1 : o->xml_path;
    if (o->name != NULL) {
        snprintf(buf, n, "%s", o->name);
        return;
    }
    for (i = 0; base[i] != '\0' && base[i] != '.' && k + 1 < n && k < 47; i++) {
        char c = base[i];
        int ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' ||
                 (k > 0 && c >= '0' && c <= '9');
        buf[k++] = ok ? c : '_';
    }
    if (k == 0) {
        buf[k++] = 'm';
    }
    buf[k] = '\0';
}

/* The weights file beside the XML: NAME.xml -> NAME.bin, else XML.bin.
 * Returns -1 when the path does not fit buf. */
static int bin_path_of(const char *xml_path, char *buf, size_t n)
{
    size_t len = strlen(xml_path);
    int w;
    if (len > 4 && strcmp(xml_path + len - 4, ".xml") == 0) {
        w = snprintf(buf, n, "%.*s.bin", (int)(len - 4), xml_path);
    } else {
        w = snprintf(buf, n, "%s.bin", xml_path);
    }
    return w < 0 || (size_t)w >= n ? -1 : 0;
}

/* Refuses outputs that are an input: the XML or the weights file (an
 * existing file, by device and inode, so also through a link) being the
 * ONNX model or a --freeze tensor file. Writing them would destroy the
 * input (and the import could not be repeated). */
static int check_outputs(const import_options *o, const char *bin_path, diag *d)
{
    const char *outs[2];
    int i, j;
    outs[0] = o->xml_path;
    outs[1] = bin_path;
    for (i = 0; i < 2; i++) {
        struct stat so;
        if (stat(outs[i], &so) != 0) {
            continue; /* a new file: no input */
        }
        for (j = -1; j < o->n_freeze; j++) {
            const char *in = j < 0 ? o->onnx_path : o->freeze_files[j];
            struct stat si;
            if (stat(in, &si) == 0 && si.st_dev == so.st_dev && si.st_ino == so.st_ino) {
                diag_error(d, outs[i], 0, "writing the %s here would overwrite the input %s%s; "
                           "choose another -o", i == 0 ? "model description" : "weights file",
                           j < 0 ? "model " : "--freeze tensor ", in);
                return -1;
            }
        }
    }
    return 0;
}

static int finish(imp *I, const value *in, const char *out_name)
{
    strbuf x, bin;
    char bin_path[4096], model_name[64], sha[65];
    const char *src_sha = I->src_sha;
    const char *bin_base;
    binref r;
    fileio_stage *st;
    int rc = 0;
    int i, nlive = 0;
    if (bin_path_of(I->o->xml_path, bin_path, sizeof bin_path) != 0) {
        return unsupported(I, "-o: the path is too long");
    }
    for (i = 0; i < I->nl; i++) {
        nlive += !I->l[i]->dead;
    }
    if (nlive > IMP_MAX_LAYERS || I->nk > IMP_MAX_KONSTS) {
        return unsupported(I, "the model needs %d layers and %d constants; a model description "
                              "holds at most %d and %d", nlive, I->nk, IMP_MAX_LAYERS,
                           IMP_MAX_KONSTS);
    }
    bin_base = strrchr(bin_path, '/');
    bin_base = bin_base != NULL ? bin_base + 1 : bin_path;
    model_name_from(I->o, model_name, sizeof model_name);
    sb_init(&x);
    sb_init(&bin);
    r.src = bin_base;
    r.sha = "";
    r.too_large = 0;
    write_model(I, &x, &bin, &r, model_name, in, out_name, src_sha, 0);
    sha256_hex(bin.s != NULL ? bin.s : "", bin.len, sha);
    r.sha = sha;
    sb_free(&x); /* pass 0 wrote only the weights that count */
    sb_init(&x);
    write_model(I, &x, &bin, &r, model_name, in, out_name, src_sha, 1);
    if (r.too_large) {
        rc = unsupported(I, "the weights are too large");
    } else if (x.oom || bin.oom) {
        rc = oom(I);
    } else {
        st = fileio_stage_new();
        if (st == NULL || fileio_stage_add(st, bin_path, bin.s != NULL ? bin.s : "", bin.len) != 0 ||
            fileio_stage_add(st, I->o->xml_path, x.s, x.len) != 0) {
            diag_io(I->d, I->o->xml_path, "cannot write: %s", strerror(errno));
            if (st != NULL) {
                fileio_stage_abort(st);
            }
            rc = -1;
        } else if (fileio_stage_commit(st) != 0) {
            diag_io(I->d, I->o->xml_path, "cannot write: %s", strerror(errno));
            rc = -1;
        }
    }
    sb_free(&x);
    sb_free(&bin);
    return rc;
}

int import_onnx(const import_options *o, diag *d)
{
    imp I;
    value *in_v = NULL, *out_v;
    const char *out_name;
    int rc = -1, i;
    memset(&I, 0, sizeof I);
    I.o = o;
    I.d = d;
    {
        char bin_path[4096];
        if (bin_path_of(o->xml_path, bin_path, sizeof bin_path) != 0) {
            diag_error(d, o->xml_path, 0, "-o: the path is too long");
            return -1;
        }
        if (check_outputs(o, bin_path, d) != 0) {
            return -1;
        }
    }
    if (o->name != NULL && !valid_model_name(o->name)) {
        char q[64];
        size_t k;
        snprintf(q, sizeof q, "%s", o->name);
        for (k = 0; q[k] != '\0'; k++) {
            if ((unsigned char)q[k] < 0x20 || q[k] == 0x7f) {
                q[k] = '?';
            }
        }
        diag_error(d, o->onnx_path, 0, "--name '%s%s' is not a valid model name (a C "
                   "identifier: a letter or '_', then letters, digits or '_', at most 48)", q,
                   strlen(o->name) >= sizeof q ? "..." : "");
        return -1;
    }
    {
        /* read once: the model is parsed from, and its provenance hash
         * taken of, the same bytes */
        char *src = NULL;
        size_t src_len = 0;
        int rr = fileio_read_all(o->onnx_path, ONNX_MAX_FILE_BYTES, &src, &src_len);
        if (rr == -2) {
            diag_error(d, o->onnx_path, 0, "file larger than %zu bytes", ONNX_MAX_FILE_BYTES);
            return -1;
        }
        if (rr != 0) {
            if (errno == ENOMEM) {
                diag_io(d, o->onnx_path, "out of memory");
            } else {
                diag_error(d, o->onnx_path, 0, "cannot read: %s", strerror(errno));
            }
            return -1;
        }
        sha256_hex(src, src_len, I.src_sha);
        I.m = onnx_read_mem(o->onnx_path, (const uint8_t *)src, src_len, d);
        free(src);
    }
    if (I.m == NULL) {
        return -1;
    }
    /* --freeze: graph inputs that become constants */
    for (i = 0; i < o->n_freeze; i++) {
        onnx_tensor t;
        size_t j;
        int found = 0;
        memset(&t, 0, sizeof t);
        for (j = 0; j < I.m->n_inputs; j++) {
            found |= strcmp(I.m->inputs[j].name, o->freeze_names[i]) == 0;
        }
        if (!found) {
            diag_error(d, o->onnx_path, 0, "--freeze: the model has no input '%s'",
                       o->freeze_names[i]);
            goto out;
        }
        if (onnx_read_tensor(o->freeze_files[i], &t, d) != 0) {
            goto out;
        }
        if (add_const(&I, o->freeze_names[i], &t) == NULL) {
            onnx_tensor_free(&t);
            goto out;
        }
        onnx_tensor_free(&t);
    }
    if (I.m->n_nodes > IMP_MAX_NODES) {
        diag_error(d, o->onnx_path, 0, "the model has %lu nodes; stoic imports at most %d",
                   (unsigned long)I.m->n_nodes, IMP_MAX_NODES);
        goto out;
    }
    if (I.m->n_outputs != 1) {
        diag_error(d, o->onnx_path, 0, "the model has %lu outputs; stoic models have one",
                   (unsigned long)I.m->n_outputs);
        goto out;
    }
    /* walk 1: shapes, constants, and whether samples mix */
    {
        int nfrozen = I.nv;
        I.drop = 1;
        if (walk(&I, 0, &in_v) != 0) {
            goto out;
        }
        I.drop = !I.touched;
        /* walk 2 starts again from the frozen inputs */
        free_values(&I, nfrozen);
    }
    if (walk(&I, 1, &in_v) != 0) {
        goto out;
    }
    out_v = find(&I, I.m->outputs[0].name);
    if (out_v == NULL || out_v->is_const) {
        (void)unsupported(&I, "output '%s' is not computed from the input",
                          I.m->outputs[0].name);
        goto out;
    }
    out_name = out_v->nat;
    if (out_v->nat != NULL && strcmp(out_v->nat, in_v->nat) == 0) {
        /* the output is the input itself: a copy */
        int32_t s[MAXD];
        int r = ishape(&I, out_v, 0, s), k;
        char buf[128];
        size_t used = 0;
        const char *t = tensor_name(&I, out_v->name, ".out");
        layer *l = t != NULL ? new_layer(&I, "reshape", out_v->name, ".copy") : NULL;
        if (l == NULL || set_io(&I, l, in_v->nat, t) != 0) {
            goto out;
        }
        buf[0] = '\0';
        for (k = 0; k < r; k++) {
            used += (size_t)snprintf(buf + used, sizeof buf - used, k == 0 ? "%ld" : " %ld",
                                     (long)s[k]);
        }
        lattr(l, "shape", "%s", buf);
        out_name = t; /* out_v may be in_v itself, whose name stays */
    } else if (out_v->nat == NULL) {
        out_name = act(&I, out_v, 0); /* bring it to the ONNX element order */
        if (out_name == NULL) {
            goto out;
        }
    }
    rc = finish(&I, in_v, out_name);
out:
    if (I.failed && rc == 0) {
        rc = -1;
    }
    free_values(&I, 0);
    free_layers(&I);
    free(I.v);
    free(I.l);
    free(I.k);
    free(I.tnames);
    onnx_model_free(I.m);
    return rc;
}

/* import_onnx_util: the importer's shared helpers: diagnostics, values and
 * constants, stoic names, shapes and axes, layers, attributes, broadcasting
 * and layouts. See import_onnx.c for the walk. */
#include "import_onnx_int.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ckd.h"
#include "ir.h"
#include "onnx_read.h"
#include "strbuf.h"

/* ---- diagnostics ------------------------------------------------------ */

const char *node_name(const onnx_node *n)
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
int unsupported(imp *I, const char *fmt, ...)
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

int imp_oom(imp *I)
{
    diag_io(I->d, NULL, "out of memory");
    I->failed = 1;
    return -1;
}

void *imp_grow(imp *I, void *arr, int *cap, int need, size_t elem)
{
    void *p;
    int ncap;
    size_t bytes;
    if (need <= *cap) {
        return arr;
    }
    if (need > INT_MAX / 2) {
        (void)imp_oom(I);
        return NULL;
    }
    ncap = *cap > 0 ? *cap * 2 : 32;
    while (ncap < need) {
        ncap *= 2;
    }
    if (ckd_bytes(&bytes, ncap, elem)) {
        (void)imp_oom(I);
        return NULL;
    }
    p = realloc(arr, bytes);
    if (p == NULL) {
        (void)imp_oom(I);
        return NULL;
    }
    memset((char *)p + (size_t)*cap * elem, 0, (size_t)(ncap - *cap) * elem);
    *cap = ncap;
    return p;
}

char *imp_dup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p != NULL) {
        memcpy(p, s, n);
    }
    return p;
}

/* ---- values ------------------------------------------------------------- */

value *imp_find(imp *I, const char *name)
{
    int i;
    for (i = I->nv - 1; i >= 0; i--) {
        if (strcmp(I->v[i]->name, name) == 0) {
            return I->v[i];
        }
    }
    return NULL;
}

value *add_value(imp *I, const char *name)
{
    value *v;
    value **nvp = imp_grow(I, I->v, &I->capv, I->nv + 1, sizeof *I->v);
    if (nvp == NULL) {
        return NULL;
    }
    I->v = nvp;
    v = calloc(1, sizeof *v);
    if (v == NULL) {
        (void)imp_oom(I);
        return NULL;
    }
    I->v[I->nv++] = v;
    v->name = imp_dup(name);
    v->layer = -1;
    if (v->name == NULL) {
        (void)imp_oom(I);
        return NULL;
    }
    return v;
}

/* The element count of an ONNX shape, checked (it never wraps):
 * IR_COUNT_TOO_LARGE when a dimension is negative, else 0 when one is 0,
 * else the count, or IR_COUNT_TOO_LARGE when it exceeds IR_MAX_ELEMS. */
/* y's values: the first c of constant x's (floats, and the integer
 * values of a shape operand when x has them) */
int copy_const(imp *I, const value *x, value *y, int64_t c)
{
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

int64_t count_of(int ndim, const int64_t *d)
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
void *alloc_n(imp *I, int64_t n, size_t size)
{
    size_t bytes;
    void *p;
    if (ckd_bytes(&bytes, n > 0 ? n : 1, size)) {
        (void)imp_oom(I);
        return NULL;
    }
    p = malloc(bytes);
    if (p == NULL) {
        (void)imp_oom(I);
    }
    return p;
}

/* A constant value from an ONNX tensor (copied). */
value *add_const(imp *I, const char *name, const onnx_tensor *t)
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
int const_gather(imp *I, const value *x, value *y, const int64_t *idx, int64_t c)
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

value *input_value(imp *I, const onnx_node *n, size_t k)
{
    value *v;
    if (k >= n->n_inputs || n->inputs[k][0] == '\0') {
        return NULL;
    }
    v = imp_find(I, n->inputs[k]);
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
const char *tensor_name(imp *I, const char *base, const char *suffix)
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
    nt = imp_grow(I, I->tnames, &I->capt, I->nt + 1, sizeof *I->tnames);
    if (nt == NULL) {
        return NULL;
    }
    I->tnames = nt;
    I->tnames[I->nt] = imp_dup(cand);
    if (I->tnames[I->nt] == NULL) {
        (void)imp_oom(I);
        return NULL;
    }
    return I->tnames[I->nt++];
}

/* ---- internal shapes and axes ------------------------------------------- */

/* The stoic shape of value v in the natural or channels-last layout. */
int ishape(const imp *I, const value *v, int cl, int32_t *out)
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

int has_cl(const imp *I, const value *v)
{
    int32_t s[MAXD];
    return ishape(I, v, 0, s) >= 2;
}

/* The stoic axis of ONNX axis a (already non-negative) of a value with
 * ndim ONNX axes, or -1 for the dropped batch axis. */
int iaxis(const imp *I, int a, int ndim, int cl)
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

void shape_str(const int32_t *s, int r, char *buf, size_t n)
{
    size_t used = 0;
    int k;
    buf[0] = '\0';
    for (k = 0; k < r && used < n; k++) {
        used += (size_t)snprintf(buf + used, n - used, k == 0 ? "%ld" : " %ld", (long)s[k]);
    }
}

/* ---- layers ------------------------------------------------------------- */

layer *new_layer(imp *I, const char *elem, const char *base, const char *suffix)
{
    layer *l, **nl = imp_grow(I, I->l, &I->capl, I->nl + 1, sizeof *I->l);
    const char *name;
    int k, i;
    char cand[200];
    if (nl == NULL) {
        return NULL;
    }
    I->l = nl;
    l = calloc(1, sizeof *l);
    if (l == NULL) {
        (void)imp_oom(I);
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
    l->name = imp_dup(cand);
    if (l->name == NULL) {
        (void)imp_oom(I);
        return NULL;
    }
    return l;
}

void lattr(layer *l, const char *key, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    sb_printf(&l->attrs, " %s=\"%s\"", key, buf);
}

void lattr_float(layer *l, const char *key, float v)
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
int64_t count32(int rank, const int32_t *shape)
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

int lparam_add(imp *I, layer *l, const char *pname, int rank, const int32_t *shape,
               float *data)
{
    lparam *p;
    if (finite_data(I, data, rank, shape, pname) != 0) {
        free(data);
        return -1;
    }
    p = &l->p[l->np++];
    p->pname = imp_dup(pname);
    p->rank = rank;
    memcpy(p->shape, shape, (size_t)rank * sizeof *shape);
    p->data = data;
    return p->pname == NULL ? imp_oom(I) : 0;
}

int set_io(imp *I, layer *l, const char *inputs, const char *output)
{
    l->inputs = imp_dup(inputs);
    l->output = imp_dup(output);
    return (l->inputs == NULL || l->output == NULL) ? imp_oom(I) : 0;
}

/* A stoic constant tensor; returns its name. */
const char *add_konst(imp *I, const char *base, int rank, const int32_t *shape,
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
    nk = imp_grow(I, I->k, &I->capk, I->nk + 1, sizeof *I->k);
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
const char *imp_act(imp *I, value *v, int cl)
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

/* A new value for the node's output k, with its full ONNX shape. */
value *define_out(imp *I, const onnx_node *n, size_t k, int ndim, const int64_t *d)
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
    if (imp_find(I, n->outputs[k]) != NULL) {
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

int64_t attr_i(const onnx_node *n, const char *name, int64_t dflt)
{
    const onnx_attr *a = onnx_node_attr(n, name);
    return a != NULL && a->type == ONNX_ATTR_INT ? a->i : dflt;
}

float attr_f(const onnx_node *n, const char *name, float dflt)
{
    const onnx_attr *a = onnx_node_attr(n, name);
    return a != NULL && a->type == ONNX_ATTR_FLOAT ? a->f : dflt;
}

/* ints attribute into v (the first max values); returns the number of
 * values the attribute has (which may be more than max: callers check it
 * before they read v), or -1 if absent */
int attr_ints(const onnx_node *n, const char *name, int64_t *v, int max)
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

const char *attr_s(const onnx_node *n, const char *name, const char *dflt)
{
    const onnx_attr *a = onnx_node_attr(n, name);
    return a != NULL && a->type == ONNX_ATTR_STRING && a->s != NULL ? a->s : dflt;
}

/* Rejects attributes the importer does not know for this op. */
int known_attrs(imp *I, const onnx_node *n, const char *const *names)
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

int imp_broadcast(imp *I, const value *a, const value *b, int *ndim, int64_t *d)
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
float *expand_const(imp *I, const value *c, int ndim, const int64_t *d)
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
float *to_layout(imp *I, const float *full, int ndim, const int64_t *d, int cl,
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

void imp_touch(imp *I)
{
    I->touched = 1;
}

int norm_axis(imp *I, int64_t a, int ndim, int *out)
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

/* Layout-agnostic ops keep their input's layout. */
int prefer_cl(const value *x)
{
    return x->cl != NULL;
}

int need_act(imp *I, const value *v, const char *what)
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

int need_const(imp *I, const value *v, const char *what)
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
int need_scalar(imp *I, const value *v, const char *what)
{
    if (need_const(I, v, what) != 0) {
        return -1;
    }
    if (count_of(v->ndim, v->d) != 1) {
        return unsupported(I, "input %s '%s' must hold one value", what, v->name);
    }
    return 0;
}

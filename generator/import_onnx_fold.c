/* import_onnx_fold: constant folding of the shape arithmetic exporters
 * write (issue 12): Shape (of any value whose shape is static), Gather,
 * Range, Expand, Equal, Where, and Add, Sub, Mul, Div, Mod of two
 * constants. Each is evaluated at import time; its result is a constant
 * (the walk lists the node as folded). Identity, Reshape, Flatten,
 * Squeeze, Unsqueeze, Transpose, Concat, Slice, Cast and ConstantOfShape
 * fold in their own files when their inputs are constants.
 *
 * Integers are computed in int64 with every operation checked (ckd.h):
 * an overflow, a division by zero, an index out of range are refused
 * naming the node. A folded result holds at most IMP_MAX_FOLD elements.
 * Integer Div truncates toward zero (as the ONNX reference and runtimes
 * compute it); integer Mod with fmod=0 takes the divisor's sign. */
#include "import_onnx_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ckd.h"

/* A folded output: every dimension 0..IR_MAX_ELEMS, at most IMP_MAX_FOLD
 * elements, then define_out. */
value *fold_define(imp *I, const onnx_node *n, size_t k, int ndim, const int64_t *d)
{
    int64_t c = 1;
    int j;
    value *y;
    if (ndim < 0 || ndim > MAXD) {
        (void)unsupported(I, "the folded result has rank %d (at most %d)", ndim, MAXD);
        return NULL;
    }
    for (j = 0; j < ndim; j++) {
        if (d[j] < 0) {
            (void)unsupported(I, "the folded result has a negative dimension (%lld)",
                              (long long)d[j]);
            return NULL;
        }
    }
    for (j = 0; j < ndim && c != 0; j++) {
        if (d[j] == 0) {
            c = 0;
        } else if (ckd_mul_i64(&c, c, d[j]) || c > IMP_MAX_FOLD) {
            (void)unsupported(I, "the folded result would have more than %ld elements (the "
                                 "most the importer evaluates)", IMP_MAX_FOLD);
            return NULL;
        }
    }
    for (j = 0; j < ndim && c == 0; j++) {
        if (d[j] > IMP_MAX_FOLD) {
            (void)unsupported(I, "the folded result has a dimension of %lld (at most %ld)",
                              (long long)d[j], IMP_MAX_FOLD);
            return NULL;
        }
    }
    y = define_out(I, n, k, ndim, d);
    if (y == NULL && !I->failed) {
        (void)unsupported(I, "no output");
    }
    return y;
}

/* The values of y (defined, c elements): float always, int64 when is_int. */
static int fold_alloc(imp *I, value *y, int is_int)
{
    int64_t c = count_of(y->ndim, y->d);
    y->is_const = 1;
    y->f = alloc_n(I, c, sizeof *y->f);
    y->iv = is_int ? alloc_n(I, c, sizeof *y->iv) : NULL;
    return y->f == NULL || (is_int && y->iv == NULL) ? -1 : 0;
}

static int need_fold_input(imp *I, const value *v, const char *what)
{
    if (v == NULL) {
        return I->failed ? -1 : unsupported(I, "missing input %s", what);
    }
    if (!v->is_const) {
        return unsupported(I, "input %s '%s' is computed: %s is only supported on constants "
                              "(folded at import)", what, v->name, I->cur->op_type);
    }
    return 0;
}

/* The index in v (broadcast to the shape (nd, od)) of output element i. */
static int64_t bcast_index(const value *v, int nd, const int64_t *od, int64_t i)
{
    int64_t src = 0, stride = 1, rem = i;
    int k;
    for (k = nd - 1; k >= 0; k--) {
        int64_t idx = rem % od[k];
        int vk = k - (nd - v->ndim);
        rem /= od[k];
        if (vk >= 0) {
            src += (v->d[vk] == 1 ? 0 : idx) * stride;
            stride *= v->d[vk];
        }
    }
    return src;
}

/* Multidirectional broadcast of the shapes of vals[0..nv-1]. */
static int bcast_shape(imp *I, value *const *vals, int nv, int *nd, int64_t *od)
{
    int r = 0, j, k;
    for (j = 0; j < nv; j++) {
        r = vals[j]->ndim > r ? vals[j]->ndim : r;
    }
    for (k = 0; k < r; k++) {
        od[k] = 1;
        for (j = 0; j < nv; j++) {
            int vk = k - (r - vals[j]->ndim);
            int64_t x = vk >= 0 ? vals[j]->d[vk] : 1;
            if (x != 1 && od[k] != 1 && x != od[k]) {
                return unsupported(I, "the shapes of the inputs do not broadcast (axis %d: %lld "
                                      "and %lld)", k, (long long)od[k], (long long)x);
            }
            if (x != 1) {
                od[k] = x;
            }
        }
    }
    *nd = r;
    return 0;
}

/* Shape (start and end attributes from opset 15): the shape of any value,
 * as an int64 vector. A computed value's first axis is the batch; when
 * the model's batch is symbolic, its size is not known here. */
int op_shape(imp *I, const onnx_node *n, int emit)
{
    value *x = input_value(I, n, 0), *y;
    int64_t start = attr_i(n, "start", 0), end = attr_i(n, "end", INT64_MAX), d1;
    int k;
    (void)emit;
    if (x == NULL) {
        return I->failed ? -1 : unsupported(I, "missing input");
    }
    start = start < 0 ? start + x->ndim : start;
    end = end < 0 ? end + x->ndim : end;
    start = start < 0 ? 0 : (start > x->ndim ? x->ndim : start);
    end = end < 0 ? 0 : (end > x->ndim ? x->ndim : end);
    if (!x->is_const && I->sym_batch != NULL && start == 0 && end > 0) {
        return unsupported(I, "the shape of '%s' includes the symbolic batch dimension '%s'; "
                              "export the model with a fixed batch size (1)", x->name,
                           I->sym_batch);
    }
    d1 = end > start ? end - start : 0;
    y = fold_define(I, n, 0, 1, &d1);
    if (y == NULL || fold_alloc(I, y, 1) != 0) {
        return -1;
    }
    for (k = 0; k < (int)d1; k++) {
        y->iv[k] = x->d[start + k];
        y->f[k] = (float)y->iv[k];
    }
    return 0;
}

/* Gather of constants: data[..., indices[...], ...] along axis. */
int op_gather(imp *I, const onnx_node *n, int emit)
{
    value *x = input_value(I, n, 0), *ix = input_value(I, n, 1), *y;
    int axis = 0, nd, k, j;
    int64_t od[MAXD], outer = 1, inner = 1, ni, dim, c, o, t;
    if (x != NULL && !x->is_const && ix != NULL && ix->is_const && ix->iv != NULL &&
        ix->ndim <= 1 && count_of(ix->ndim, ix->d) == 1) {
        /* one position of a computed tensor: a slice (import_onnx_shape.c) */
        int64_t at;
        if (norm_axis(I, attr_i(n, "axis", 0), x->ndim, &axis) != 0) {
            return -1;
        }
        at = ix->iv[0] < 0 ? ix->iv[0] + x->d[axis] : ix->iv[0];
        if (at < 0 || at >= x->d[axis]) {
            return unsupported(I, "index %lld is out of range for axis %d of size %lld",
                               (long long)ix->iv[0], axis, (long long)x->d[axis]);
        }
        return gather_act(I, n, emit, x, axis, at, ix->ndim == 0);
    }
    if (need_fold_input(I, x, "data") != 0 || need_fold_input(I, ix, "indices") != 0) {
        return -1;
    }
    if (ix->iv == NULL) {
        return unsupported(I, "indices '%s' must be integers", ix->name);
    }
    if (norm_axis(I, attr_i(n, "axis", 0), x->ndim, &axis) != 0) {
        return -1;
    }
    nd = x->ndim - 1 + ix->ndim;
    if (nd > MAXD) {
        return unsupported(I, "the result has rank %d (at most %d)", nd, MAXD);
    }
    for (k = 0, j = 0; k < x->ndim; k++) {
        if (k == axis) {
            int m;
            for (m = 0; m < ix->ndim; m++) {
                od[j++] = ix->d[m];
            }
        } else {
            od[j++] = x->d[k];
        }
    }
    for (k = 0; k < axis; k++) {
        outer *= x->d[k];
    }
    for (k = axis + 1; k < x->ndim; k++) {
        inner *= x->d[k];
    }
    dim = x->d[axis];
    ni = count_of(ix->ndim, ix->d);
    for (t = 0; t < ni; t++) {
        if (ix->iv[t] < -dim || ix->iv[t] >= dim) {
            return unsupported(I, "index %lld is out of range for axis %d of size %lld",
                               (long long)ix->iv[t], axis, (long long)dim);
        }
    }
    y = fold_define(I, n, 0, nd, od);
    if (y == NULL || fold_alloc(I, y, x->iv != NULL) != 0) {
        return -1;
    }
    c = 0;
    for (o = 0; o < outer; o++) {
        for (t = 0; t < ni; t++) {
            int64_t at = ix->iv[t] < 0 ? ix->iv[t] + dim : ix->iv[t], e;
            for (e = 0; e < inner; e++) {
                int64_t src = (o * dim + at) * inner + e;
                y->f[c] = x->f[src];
                if (y->iv != NULL) {
                    y->iv[c] = x->iv[src];
                }
                c++;
            }
        }
    }
    return 0;
}

/* Range(start, limit, delta): scalars; integers (checked) or floats. */
int op_range(imp *I, const onnx_node *n, int emit)
{
    static const char *const what[3] = { "start", "limit", "delta" };
    value *p[3], *y;
    int64_t cnt = 0, i;
    int k, is_int = 1;
    (void)emit;
    for (k = 0; k < 3; k++) {
        p[k] = input_value(I, n, (size_t)k);
        if (need_fold_input(I, p[k], what[k]) != 0) {
            return -1;
        }
        if (count_of(p[k]->ndim, p[k]->d) != 1) {
            return unsupported(I, "%s '%s' must hold one value", what[k], p[k]->name);
        }
        is_int = is_int && p[k]->iv != NULL;
    }
    if (is_int) {
        int64_t s = p[0]->iv[0], l = p[1]->iv[0], dl = p[2]->iv[0], diff;
        if (dl == 0) {
            return unsupported(I, "delta is 0");
        }
        if (ckd_sub_i64(&diff, l, s)) {
            return unsupported(I, "limit - start overflows int64");
        }
        if (dl > 0) {
            cnt = diff > 0 ? (diff - 1) / dl + 1 : 0;
        } else {
            /* diff < 0: -(diff + 1) and -(dl + 1) never overflow */
            cnt = diff < 0 ? (-(diff + 1)) / (-(dl + 1) + 1) + 1 : 0;
        }
    } else {
        double s = (double)p[0]->f[0], l = (double)p[1]->f[0], dl = (double)p[2]->f[0], q;
        if (!isfinite(s) || !isfinite(l) || !isfinite(dl)) {
            return unsupported(I, "start, limit and delta must be finite");
        }
        if (dl == 0.0) {
            return unsupported(I, "delta is 0");
        }
        q = ceil((l - s) / dl);
        if (!(q <= (double)IMP_MAX_FOLD)) {
            return unsupported(I, "the folded result would have more than %ld elements (the "
                                  "most the importer evaluates)", IMP_MAX_FOLD);
        }
        cnt = q > 0.0 ? (int64_t)q : 0;
    }
    y = fold_define(I, n, 0, 1, &cnt);
    if (y == NULL || fold_alloc(I, y, is_int) != 0) {
        return -1;
    }
    for (i = 0; i < cnt; i++) {
        if (is_int) {
            /* start + i * delta lies between start and limit: no overflow */
            y->iv[i] = p[0]->iv[0] + i * p[2]->iv[0];
            y->f[i] = (float)y->iv[i];
        } else {
            y->f[i] = (float)((double)p[0]->f[0] + (double)i * (double)p[2]->f[0]);
        }
    }
    return 0;
}

/* Expand of a constant to a shape (multidirectional broadcast). */
int op_expand(imp *I, const onnx_node *n, int emit)
{
    value *x = input_value(I, n, 0), *s = input_value(I, n, 1), *y;
    value tmp;
    value *vals[2];
    int64_t od[MAXD], c, i;
    int nd = 0, k;
    (void)emit;
    if (need_fold_input(I, x, "input") != 0 || need_fold_input(I, s, "shape") != 0) {
        return -1;
    }
    if (s->iv == NULL || s->ndim != 1 || s->d[0] > MAXD) {
        return unsupported(I, "the shape input must be an int64 vector of at most %d", MAXD);
    }
    memset(&tmp, 0, sizeof tmp);
    tmp.ndim = (int)s->d[0];
    for (k = 0; k < tmp.ndim; k++) {
        if (s->iv[k] < 0) {
            return unsupported(I, "the shape has a negative dimension (%lld)",
                               (long long)s->iv[k]);
        }
        tmp.d[k] = s->iv[k];
    }
    vals[0] = x;
    vals[1] = &tmp;
    if (bcast_shape(I, vals, 2, &nd, od) != 0) {
        return -1;
    }
    y = fold_define(I, n, 0, nd, od);
    if (y == NULL || fold_alloc(I, y, x->iv != NULL) != 0) {
        return -1;
    }
    c = count_of(nd, od);
    for (i = 0; i < c; i++) {
        int64_t src = bcast_index(x, nd, od, i);
        y->f[i] = x->f[src];
        if (y->iv != NULL) {
            y->iv[i] = x->iv[src];
        }
    }
    return 0;
}

/* Where(condition, X, Y) of constants. */
int op_where(imp *I, const onnx_node *n, int emit)
{
    static const char *const what[3] = { "condition", "X", "Y" };
    value *p[3], *y;
    int64_t od[MAXD], c, i;
    int nd = 0, k;
    (void)emit;
    for (k = 0; k < 3; k++) {
        p[k] = input_value(I, n, (size_t)k);
        if (need_fold_input(I, p[k], what[k]) != 0) {
            return -1;
        }
    }
    if (p[0]->iv == NULL) {
        return unsupported(I, "condition '%s' must be boolean", p[0]->name);
    }
    if (bcast_shape(I, p, 3, &nd, od) != 0) {
        return -1;
    }
    y = fold_define(I, n, 0, nd, od);
    if (y == NULL || fold_alloc(I, y, p[1]->iv != NULL && p[2]->iv != NULL) != 0) {
        return -1;
    }
    c = count_of(nd, od);
    for (i = 0; i < c; i++) {
        const value *src = p[0]->iv[bcast_index(p[0], nd, od, i)] != 0 ? p[1] : p[2];
        int64_t at = bcast_index(src, nd, od, i);
        y->f[i] = src->f[at];
        if (y->iv != NULL) {
            y->iv[i] = src->iv[at];
        }
    }
    return 0;
}

enum { AR_ADD, AR_SUB, AR_MUL, AR_DIV, AR_MOD, AR_EQ };

/* One integer operation, checked; 0, or -1 after reporting. */
static int int_op(imp *I, int op, int fmod_c, int64_t a, int64_t b, int64_t *r)
{
    int ovf = 0;
    switch (op) {
    case AR_ADD:
        ovf = ckd_add_i64(r, a, b);
        break;
    case AR_SUB:
        ovf = ckd_sub_i64(r, a, b);
        break;
    case AR_MUL:
        ovf = ckd_mul_i64(r, a, b);
        break;
    case AR_DIV:
    case AR_MOD:
        if (b == 0) {
            return unsupported(I, "integer division by zero");
        }
        if (a == INT64_MIN && b == -1) {
            if (op == AR_DIV) {
                ovf = 1;
            } else {
                *r = 0;
            }
            break;
        }
        if (op == AR_DIV) {
            *r = a / b; /* truncation toward zero */
        } else {
            *r = a % b; /* C: the dividend's sign (fmod=1) */
            if (!fmod_c && *r != 0 && ((*r < 0) != (b < 0))) {
                *r += b; /* fmod=0: the divisor's sign */
            }
        }
        break;
    default:
        *r = a == b;
        break;
    }
    if (ovf) {
        return unsupported(I, "%lld and %lld: the result overflows int64", (long long)a,
                           (long long)b);
    }
    return 0;
}

static float float_op(int op, float a, float b)
{
    switch (op) {
    case AR_ADD:
        return a + b;
    case AR_SUB:
        return a - b;
    case AR_MUL:
        return a * b;
    case AR_DIV:
        return a / b;
    case AR_MOD:
        return fmodf(a, b);
    default:
        return a == b ? 1.0F : 0.0F;
    }
}

/* Add, Sub, Mul, Div, Mod, Equal of two constants (broadcast). */
int fold_arith(imp *I, const onnx_node *n)
{
    static const char *const ops[6] = { "Add", "Sub", "Mul", "Div", "Mod", "Equal" };
    value *p[2], *y;
    int64_t od[MAXD], c, i;
    int nd = 0, op = 0, k, is_int, fmod_c = attr_i(n, "fmod", 0) != 0;
    for (k = 0; k < 6; k++) {
        if (strcmp(n->op_type, ops[k]) == 0) {
            op = k;
        }
    }
    for (k = 0; k < 2; k++) {
        p[k] = input_value(I, n, (size_t)k);
        if (need_fold_input(I, p[k], k == 0 ? "A" : "B") != 0) {
            return -1;
        }
    }
    is_int = p[0]->iv != NULL && p[1]->iv != NULL;
    if (op == AR_MOD && !is_int && !fmod_c) {
        return unsupported(I, "Mod of floats needs fmod=1");
    }
    if (bcast_shape(I, p, 2, &nd, od) != 0) {
        return -1;
    }
    y = fold_define(I, n, 0, nd, od);
    if (y == NULL || fold_alloc(I, y, is_int || op == AR_EQ) != 0) {
        return -1;
    }
    c = count_of(nd, od);
    for (i = 0; i < c; i++) {
        int64_t ia = bcast_index(p[0], nd, od, i), ib = bcast_index(p[1], nd, od, i);
        if (is_int) {
            if (int_op(I, op, fmod_c, p[0]->iv[ia], p[1]->iv[ib], &y->iv[i]) != 0) {
                return -1;
            }
            y->f[i] = (float)y->iv[i];
        } else {
            y->f[i] = float_op(op, p[0]->f[ia], p[1]->f[ib]);
            if (op == AR_EQ) {
                y->iv[i] = y->f[i] != 0.0F;
            }
        }
    }
    return 0;
}

/* Sub, Div, Mod, Equal: folded on constants only (stoic has no layer for
 * them on computed tensors). */
int op_arith(imp *I, const onnx_node *n, int emit)
{
    (void)emit;
    return fold_arith(I, n);
}

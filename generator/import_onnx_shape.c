/* import_onnx_shape: Concat, Reshape, Flatten, Squeeze, Unsqueeze,
 * Transpose, Pad, Slice. */
#include "import_onnx_int.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ckd.h"
#include "ir.h"
#include "onnx_read.h"
#include "strbuf.h"

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

int op_concat(imp *I, const onnx_node *n, int emit)
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
            imp_touch(I); /* a constant that differs between samples */
        }
    }
    if (axis == 0) {
        imp_touch(I);
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
            t = imp_act(I, x, cl);
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
    const char *in = imp_act(I, x, 0);
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
        imp_touch(I); /* moves data across the batch axis */
    }
    y = define_out(I, n, 0, nd, od);
    if (y == NULL) {
        return I->failed ? -1 : unsupported(I, "no output");
    }
    if (x->is_const) {
        y->is_const = 1;
        return copy_const(I, x, y, count_of(nd, od));
    }
    return emit ? emit_reshape(I, n, x, y) : 0;
}

int op_reshape(imp *I, const onnx_node *n, int emit)
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

int op_flatten(imp *I, const onnx_node *n, int emit)
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

int op_squeeze_unsqueeze(imp *I, const onnx_node *n, int emit)
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

int op_transpose(imp *I, const onnx_node *n, int emit)
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
        imp_touch(I);
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
        const char *in = imp_act(I, x, 0);
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

int op_pad(imp *I, const onnx_node *n, int emit)
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
        imp_touch(I);
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
        in = imp_act(I, x, cl);
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

/* Slice of a computed tensor into output k_out of node n: a slice layer
 * (steps when one is not 1, nothing empty; a slice of the batch axis keeps
 * the batch axis), in the tensor's
 * stoic layout (channels last when the value has it). Slice, Split. */
static int slice_layer(imp *I, const onnx_node *n, size_t k_out, int emit, value *x,
                       const int64_t *first, const int64_t *step, const int64_t *od)
{
    value *y;
    int32_t shape[MAXD];
    int64_t lo[MAXD], hi[MAXD], st[MAXD];
    int k, rank, cl, sa, strided = 0;
    layer *l;
    const char *in, *out;
    strbuf sb_lo, sb_hi;
    if (need_act(I, x, "data") != 0) {
        return -1;
    }
    for (k = 0; k < x->ndim; k++) {
        if (od[k] == 0) {
            return unsupported(I, "an empty slice (axis %d)", k);
        }
    }
    if (x->ndim > 0 && od[0] != x->d[0]) {
        /* a slice of the batch axis picks samples: the batch axis is kept */
        imp_touch(I);
        if (I->drop && emit) {
            return unsupported(I, "a slice of the batch axis");
        }
    }
    y = define_out(I, n, k_out, x->ndim, od);
    if (y == NULL) {
        return I->failed ? -1 : unsupported(I, "no output");
    }
    if (!emit) {
        return 0;
    }
    cl = has_cl(I, x);
    in = imp_act(I, x, cl);
    out = tensor_name(I, y->name, "");
    if (in == NULL || out == NULL) {
        return -1;
    }
    rank = ishape(I, x, cl, shape);
    for (k = 0; k < rank; k++) {
        lo[k] = 0;
        hi[k] = shape[k];
        st[k] = 1;
    }
    for (k = 0; k < x->ndim; k++) {
        sa = iaxis(I, k, x->ndim, cl);
        if (sa >= 0 && sa < rank) {
            /* the kept range [lo, hi) in the model description: from the
             * first value up (step > 0) or from the last value down */
            int64_t s = od[k] == 1 ? 1 : step[k];
            int64_t last = first[k] + (od[k] - 1) * s;
            lo[sa] = s > 0 ? first[k] : last;
            hi[sa] = (s > 0 ? last : first[k]) + 1;
            st[sa] = s;
            strided |= s != 1;
        }
    }
    {
        char suffix[24] = "";
        if (k_out > 0) {
            snprintf(suffix, sizeof suffix, ".%lu", (unsigned long)k_out);
        }
        l = new_layer(I, "slice", node_name(n), suffix);
    }
    if (l == NULL || set_io(I, l, in, out) != 0) {
        return -1;
    }
    sb_init(&sb_lo);
    sb_init(&sb_hi);
    for (k = 0; k < rank; k++) {
        sb_printf(&sb_lo, k == 0 ? "%lld" : " %lld", (long long)lo[k]);
        sb_printf(&sb_hi, k == 0 ? "%lld" : " %lld", (long long)hi[k]);
    }
    lattr(l, "starts", "%s", sb_lo.s != NULL ? sb_lo.s : "");
    lattr(l, "ends", "%s", sb_hi.s != NULL ? sb_hi.s : "");
    sb_free(&sb_lo);
    sb_free(&sb_hi);
    if (strided) {
        sb_init(&sb_lo);
        for (k = 0; k < rank; k++) {
            sb_printf(&sb_lo, k == 0 ? "%lld" : " %lld", (long long)st[k]);
        }
        lattr(l, "steps", "%s", sb_lo.s != NULL ? sb_lo.s : "");
        sb_free(&sb_lo);
    }
    if (cl) {
        y->cl = out;
    } else {
        y->nat = out;
    }
    return 0;
}

/* Gather of a computed tensor at one constant position `at` of `axis`
 * (torch's x[:, -1] picking the last step): a slice of that position, and
 * for a scalar index a reshape that drops the axis. */
int gather_act(imp *I, const onnx_node *n, int emit, value *x, int axis, int64_t at, int scalar)
{
    int64_t first[MAXD], step[MAXD], od[MAXD];
    int32_t s[MAXD];
    value *y;
    int k, r;
    for (k = 0; k < x->ndim; k++) {
        first[k] = 0;
        step[k] = 1;
        od[k] = x->d[k];
    }
    first[axis] = at;
    od[axis] = 1;
    if (slice_layer(I, n, 0, emit, x, first, step, od) != 0) {
        return -1;
    }
    if (!scalar) {
        return 0;
    }
    y = imp_find(I, n->outputs[0]);
    if (y == NULL) {
        return unsupported(I, "no output");
    }
    {
        const char *in = emit ? imp_act(I, y, 0) : NULL;
        const char *out;
        char buf[64];
        size_t used = 0;
        layer *l;
        if (emit && in == NULL) {
            return -1;
        }
        for (k = axis; k + 1 < y->ndim; k++) {
            y->d[k] = y->d[k + 1];
        }
        y->ndim--;
        r = ishape(I, y, 0, s);
        if (r < 1) {
            return unsupported(I, "the result has no axis left in the model");
        }
        if (!emit) {
            return 0;
        }
        buf[0] = '\0';
        for (k = 0; k < r; k++) {
            used += (size_t)snprintf(buf + used, sizeof buf - used, k == 0 ? "%ld" : " %ld",
                                     (long)s[k]);
        }
        out = tensor_name(I, y->name, ".drop");
        l = out != NULL ? new_layer(I, "reshape", node_name(n), ".drop") : NULL;
        if (l == NULL || set_io(I, l, in, out) != 0) {
            return -1;
        }
        lattr(l, "shape", "%s", buf);
        y->nat = out;
        y->cl = NULL;
    }
    return 0;
}

/* Slice of a constant (shape arithmetic), ONNX semantics: negative starts
 * and ends count from the end, both are clamped, steps may be negative. */
int op_slice(imp *I, const onnx_node *n, int emit)
{
    value *x = input_value(I, n, 0), *y;
    int64_t starts[MAXD], ends[MAXD], axes[MAXD], steps[MAXD];
    int64_t first[MAXD], step[MAXD], od[MAXD], c, i;
    int ns, ne, na, nst, k, j;
    if (x == NULL) {
        return unsupported(I, "missing input");
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
    if (!x->is_const) {
        return slice_layer(I, n, 0, emit, x, first, step, od);
    }
    (void)emit;
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

/* Split of a computed tensor along one axis: a slice layer per output
 * (the sizes from the split attribute, before opset 13, or input, or equal
 * parts: num_outputs from opset 18, else as many as the node's outputs). */
int op_split(imp *I, const onnx_node *n, int emit)
{
    static const char *const known[] = { "axis", "split", "num_outputs", NULL };
    value *x = input_value(I, n, 0), *sp = input_value(I, n, 1);
    int64_t sizes[64], first[MAXD], step[MAXD], od[MAXD], at = 0, dim;
    int axis, k, ns, nout = (int)n->n_outputs;
    if (known_attrs(I, n, known) != 0 || need_act(I, x, "input") != 0 ||
        norm_axis(I, attr_i(n, "axis", 0), x->ndim, &axis) != 0) {
        return -1;
    }
    if (nout < 1 || nout > 64) {
        return unsupported(I, "%d outputs (1 to 64)", nout);
    }
    dim = x->d[axis];
    if (sp != NULL) {
        if (need_const(I, sp, "split") != 0) {
            return -1;
        }
        if (sp->iv == NULL || sp->ndim != 1 || sp->d[0] != nout) {
            return unsupported(I, "split must be a constant vector of one size per output");
        }
        for (k = 0; k < nout; k++) {
            sizes[k] = sp->iv[k];
        }
        ns = nout;
    } else {
        ns = attr_ints(n, "split", sizes, 64);
        if (ns < 0) {
            /* equal parts, the last one smaller when the axis does not divide */
            int64_t part = (dim + nout - 1) / nout;
            for (k = 0; k < nout; k++) {
                sizes[k] = dim - (int64_t)k * part < part ? dim - (int64_t)k * part : part;
            }
            ns = nout;
        }
    }
    if (ns != nout) {
        return unsupported(I, "%d split sizes for %d outputs", ns, nout);
    }
    for (k = 0; k < nout; k++) {
        if (sizes[k] <= 0 || sizes[k] > dim - at) {
            return unsupported(I, "split sizes that do not add up to the axis (%lld)",
                               (long long)dim);
        }
        at += sizes[k];
    }
    if (at != dim) {
        return unsupported(I, "split sizes that do not add up to the axis (%lld)", (long long)dim);
    }
    at = 0;
    for (k = 0; k < nout; k++) {
        int j;
        for (j = 0; j < x->ndim; j++) {
            first[j] = 0;
            step[j] = 1;
            od[j] = x->d[j];
        }
        first[axis] = at;
        od[axis] = sizes[k];
        at += sizes[k];
        if (slice_layer(I, n, (size_t)k, emit, x, first, step, od) != 0) {
            return -1;
        }
    }
    return 0;
}

/* import_onnx_const: Identity, Dropout, Constant, ConstantOfShape, Cast. */
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

/* Identity, Dropout (inference): the output is the input. */
int op_identity(imp *I, const onnx_node *n, int emit)
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
    if (x->is_const && copy_const(I, x, y, count_of(x->ndim, x->d)) != 0) {
        return -1;
    }
    y->nat = x->nat;
    y->cl = x->cl;
    return 0;
}

/* ConstantOfShape: a constant of the shape given by a constant int64
 * vector, every element the attribute value's one element (float 0 by
 * default). */
int op_constant_of_shape(imp *I, const onnx_node *n, int emit)
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
    y = fold_define(I, n, 0, nd, od); /* checks every dimension and the count */
    if (y == NULL) {
        return -1;
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

/* Cast: folded on constants (to float, double, int32, int64, bool: what
 * shape arithmetic casts to); on a computed float tensor to float or
 * double it is the identity (stoic computes in float32). */
int op_cast(imp *I, const onnx_node *n, int emit)
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

int op_constant(imp *I, const onnx_node *n, int emit)
{
    const onnx_attr *a = onnx_node_attr(n, "value");
    onnx_tensor t;
    value *y;
    (void)emit;
    memset(&t, 0, sizeof t);
    if (imp_find(I, n->outputs[0]) != NULL) {
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

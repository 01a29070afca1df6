/* import_onnx_resize: Resize (opset 10 to 19) and Upsample (opset 7, 9)
 * of [N C L] and [N C H W] activations to the resize layer (nearest,
 * linear, cubic), in channels-last order ([L C], [H W C]).
 *
 * The scales (or sizes) must be constants (after the importer's folding)
 * and keep the batch and channel axes (scale 1, size unchanged). Refused
 * with a message naming the node: tf_crop_and_resize (its
 * extrapolation_value outside the crop is no linear map of the input),
 * and from opset 18 antialias = 1, axes and keep_aspect_ratio_policy other
 * than stretch. Opset 10 Resize and Upsample map coordinates as
 * asymmetric with nearest rounding down (ONNX Upsample semantics). */
#include "import_onnx_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "onnx_read.h"

static const char *const ctm_names[5] = { "half_pixel", "pytorch_half_pixel", "align_corners",
                                          "asymmetric", "tf_half_pixel_for_nn" };
static const char *const nearest_names[4] = { "round_prefer_floor", "round_prefer_ceil", "floor",
                                              "ceil" };

static int pick(const char *s, const char *const *names, int n)
{
    int k;
    for (k = 0; k < n; k++) {
        if (strcmp(s, names[k]) == 0) {
            return k;
        }
    }
    return -1;
}

/* a constant input that is present and not empty */
static const value *const_input(imp *I, const onnx_node *n, size_t k)
{
    const value *v = input_value(I, n, k);
    if (v == NULL || count_of(v->ndim, v->d) == 0) {
        return NULL;
    }
    return v;
}

int op_resize(imp *I, const onnx_node *n, int emit)
{
    static const char *const known[] = { "mode", "coordinate_transformation_mode",
                                         "nearest_mode", "cubic_coeff_a", "exclude_outside",
                                         "extrapolation_value", "antialias", "axes",
                                         "keep_aspect_ratio_policy", "scales", NULL };
    int up = strcmp(n->op_type, "Upsample") == 0, old = up || I->m->opset < 11;
    value *x = input_value(I, n, 0), *y;
    const value *sc = NULL, *sz = NULL;
    const char *mode = attr_s(n, "mode", "nearest");
    const char *ctm = old ? "asymmetric" : attr_s(n, "coordinate_transformation_mode",
                                                  "half_pixel");
    const char *nm = old ? "floor" : attr_s(n, "nearest_mode", "round_prefer_floor");
    double scale[MAXD];
    int64_t od[MAXD];
    int k, sp, given_scales = 0;
    if (known_attrs(I, n, known) != 0 || need_act(I, x, "X") != 0) {
        return -1;
    }
    if (strcmp(mode, "bilinear") == 0 && up) {
        mode = "linear"; /* Upsample-7 spelling */
    }
    if (pick(mode, (const char *const[]){ "nearest", "linear", "cubic" }, 3) < 0 ||
        (up && strcmp(mode, "cubic") == 0)) {
        return unsupported(I, "mode '%s' is not supported (nearest, linear%s)", mode,
                           up ? "" : ", cubic");
    }
    if (strcmp(ctm, "tf_crop_and_resize") == 0) {
        return unsupported(I, "coordinate_transformation_mode tf_crop_and_resize is not "
                              "supported (its extrapolation_value outside the crop is not a "
                              "resize of the input)");
    }
    if (pick(ctm, ctm_names, 5) < 0) {
        return unsupported(I, "coordinate_transformation_mode '%s' is not supported", ctm);
    }
    if (pick(nm, nearest_names, 4) < 0) {
        return unsupported(I, "nearest_mode '%s' is not supported", nm);
    }
    if (attr_i(n, "antialias", 0) != 0) {
        return unsupported(I, "antialias=1 is not supported");
    }
    {
        int64_t ax[MAXD];
        if (attr_ints(n, "axes", ax, MAXD) > 0) {
            return unsupported(I, "the axes attribute is not supported (give scales or sizes "
                                  "for every axis)");
        }
    }
    if (strcmp(attr_s(n, "keep_aspect_ratio_policy", "stretch"), "stretch") != 0) {
        return unsupported(I, "keep_aspect_ratio_policy '%s' is not supported (only stretch)",
                           attr_s(n, "keep_aspect_ratio_policy", "stretch"));
    }
    if (x->ndim != 3 && x->ndim != 4) {
        return unsupported(I, "only the resize of [N C L] and [N C H W] values is supported "
                              "(input rank %d)", x->ndim);
    }
    sp = x->ndim - 2;
    /* the scales or sizes */
    if (up && I->m->opset < 9) {
        int ns;
        {
            /* Upsample-7: scales as a float attribute list */
            const onnx_attr *a = NULL;
            size_t j;
            for (j = 0; j < n->n_attrs; j++) {
                if (strcmp(n->attrs[j].name, "scales") == 0) {
                    a = &n->attrs[j];
                }
            }
            ns = a != NULL ? (int)a->n_floats : 0;
            if (ns != x->ndim) {
                return unsupported(I, "scales must have one value per axis (%d)", x->ndim);
            }
            for (k = 0; k < ns; k++) {
                scale[k] = (double)a->floats[k];
            }
        }
        given_scales = 1;
    } else {
        const value *vs = input_value(I, n, up || I->m->opset < 11 ? 1 : 2);
        const value *vz = (up || I->m->opset < 11) ? NULL : input_value(I, n, 3);
        if (I->failed) {
            return -1;
        }
        if (vs != NULL && !vs->is_const) {
            return unsupported(I, "input scales '%s' must be a constant (initializer or folded)",
                               vs->name);
        }
        if (vz != NULL && !vz->is_const) {
            return unsupported(I, "input sizes '%s' must be a constant (initializer or folded)",
                               vz->name);
        }
        sc = const_input(I, n, up || I->m->opset < 11 ? 1 : 2);
        sz = (up || I->m->opset < 11) ? NULL : const_input(I, n, 3);
        if ((sc == NULL) == (sz == NULL)) {
            return unsupported(I, "exactly one of scales and sizes must be given");
        }
        if (sc != NULL) {
            if (count_of(sc->ndim, sc->d) != x->ndim) {
                return unsupported(I, "scales must have one value per axis (%d)", x->ndim);
            }
            for (k = 0; k < x->ndim; k++) {
                scale[k] = (double)sc->f[k];
            }
            given_scales = 1;
        } else {
            if (count_of(sz->ndim, sz->d) != x->ndim) {
                return unsupported(I, "sizes must have one value per axis (%d)", x->ndim);
            }
            for (k = 0; k < x->ndim; k++) {
                od[k] = sz->iv != NULL ? sz->iv[k] : (int64_t)sz->f[k];
            }
        }
    }
    if (given_scales) {
        for (k = 0; k < x->ndim; k++) {
            if (!(scale[k] > 0.0) || !isfinite(scale[k]) || scale[k] > 16777216.0) {
                return unsupported(I, "scale %g of axis %d is not a positive number", scale[k], k);
            }
            if (up && scale[k] < 1.0) {
                return unsupported(I, "Upsample scale %g of axis %d is below 1", scale[k], k);
            }
            od[k] = (int64_t)floor(scale[k] * (double)x->d[k]);
        }
    }
    for (k = 0; k < 2; k++) {
        if (od[k] != x->d[k] || (given_scales && scale[k] != 1.0)) {
            return unsupported(I, "the resize changes the %s axis (scale %g, size %lld); only "
                                  "the spatial axes can be resized",
                               k == 0 ? "batch" : "channel",
                               given_scales ? scale[k] : (double)od[k] / (double)x->d[k],
                               (long long)od[k]);
        }
    }
    for (k = 2; k < x->ndim; k++) {
        if (od[k] < 1 || od[k] > IMP_MAX_DIM) {
            return unsupported(I, "output size %lld of axis %d is out of range [1, %ld]",
                               (long long)od[k], k, IMP_MAX_DIM);
        }
    }
    y = define_out(I, n, 0, x->ndim, od);
    if (y == NULL) {
        return I->failed ? -1 : unsupported(I, "no output");
    }
    if (emit) {
        const char *in = imp_act(I, x, 1), *out = tensor_name(I, y->name, "");
        layer *l;
        if (!I->drop) {
            return unsupported(I, "the model mixes samples along the batch axis elsewhere, "
                                  "so this node would need a batched resize");
        }
        l = new_layer(I, "resize", node_name(n), "");
        if (in == NULL || out == NULL || l == NULL || set_io(I, l, in, out) != 0) {
            return -1;
        }
        lattr(l, "mode", "%s", mode);
        if (sp == 2) {
            lattr(l, "size", "%lld %lld", (long long)od[2], (long long)od[3]);
        } else {
            lattr(l, "size", "%lld", (long long)od[2]);
        }
        if (given_scales) {
            if (sp == 2) {
                lattr(l, "scales", "%.9g %.9g", scale[2], scale[3]);
            } else {
                lattr(l, "scales", "%.9g", scale[2]);
            }
        }
        lattr(l, "coordinate_transformation_mode", "%s", ctm);
        if (strcmp(mode, "nearest") == 0) {
            lattr(l, "nearest_mode", "%s", nm);
        }
        if (strcmp(mode, "cubic") == 0) {
            lattr(l, "cubic_coeff_a", "%.9g", (double)attr_f(n, "cubic_coeff_a", -0.75F));
        }
        if (!old && attr_i(n, "exclude_outside", 0) != 0) {
            lattr(l, "exclude_outside", "true");
        }
        y->cl = out;
    }
    return 0;
}

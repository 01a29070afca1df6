/* import_onnx_rnn.c: ONNX LSTM and GRU -> stoic lstm / gru layers
 * (README "Recurrent layers", "ONNX import").
 *
 * The time axis is the first axis of X (layout 0) or the second (layout 1,
 * moved first by a transpose), so the node always mixes the first axis:
 * the importer keeps the batch axis as part of the one sample (imp_touch),
 * and X is [T B I] with B independent sequences. One stoic layer per
 * direction ([T B I] -> [T B H]); then
 *   Y   [T D B H]: each direction's [T 1 B H] (reshape), concatenated on
 *                  axis 1 when bidirectional;
 *   Y_h [D B H]:   the last step each direction computed (forward: step
 *                  T - 1, reverse: step 0), a slice, concatenated on axis 0;
 *   layout 1: Y [B T D H] and Y_h [B D H] by a transpose.
 * Y_c (the last cell state) is not available: a model that reads it is
 * refused. Activations other than the defaults, clip, input_forget,
 * peepholes other than zero and sequence_lens other than T for every
 * sequence are refused with the reason. */
#include "import_onnx_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Checks the activations attribute: the defaults, once per direction. */
static int default_acts(imp *I, const onnx_node *n, int lstm, int dirs)
{
    const onnx_attr *a = onnx_node_attr(n, "activations");
    static const char *const want_lstm[3] = { "Sigmoid", "Tanh", "Tanh" };
    static const char *const want_gru[2] = { "Sigmoid", "Tanh" };
    const char *const *want = lstm ? want_lstm : want_gru;
    size_t per = lstm ? 3 : 2, k;
    if (a == NULL) {
        return 0;
    }
    if (a->type != ONNX_ATTR_STRINGS || a->n_strings != per * (size_t)dirs) {
        return unsupported(I, "activations: expected %lu names", (unsigned long)(per * (size_t)dirs));
    }
    for (k = 0; k < a->n_strings; k++) {
        if (strcmp(a->strings[k], want[k % per]) != 0) {
            return unsupported(I, "activation '%.40s' is not supported (stoic's recurrent layers "
                                  "use the defaults: %s)",
                               a->strings[k], lstm ? "Sigmoid, Tanh, Tanh" : "Sigmoid, Tanh");
        }
    }
    return 0;
}

static int all_zero(const value *v)
{
    int64_t k, c = count_of(v->ndim, v->d);
    for (k = 0; k < c; k++) {
        if (v->f[k] != 0.0F) {
            return 0;
        }
    }
    return 1;
}

/* rows [d * per, (d + 1) * per) of a constant, copied (lparam_add owns it) */
static float *slab(imp *I, const value *v, int d, int64_t per)
{
    float *p = alloc_n(I, per, sizeof *p);
    if (p != NULL) {
        memcpy(p, v->f + (size_t)d * (size_t)per, (size_t)per * sizeof *p);
    }
    return p;
}

/* Emits one direction's layer; returns the name of its output [T B H]. */
static const char *emit_dir(imp *I, const onnx_node *n, int lstm, const char *in, int d,
                            int reverse, int64_t B, int64_t nin, int64_t H,
                            const value *w, const value *r, const value *b, const value *h0,
                            const value *c0, int lbr)
{
    int64_t G = lstm ? 4 : 3;
    char suffix[16];
    const char *out;
    layer *l;
    int32_t s[3];
    float *p;
    snprintf(suffix, sizeof suffix, ".dir%d", d);
    out = tensor_name(I, n->outputs[0][0] != '\0' ? n->outputs[0] : node_name(n), suffix);
    l = out != NULL ? new_layer(I, lstm ? "lstm" : "gru", node_name(n), d == 0 ? "" : suffix)
                    : NULL;
    if (l == NULL || set_io(I, l, in, out) != 0) {
        return NULL;
    }
    lattr(l, "hidden", "%lld", (long long)H);
    if (reverse) {
        lattr(l, "direction", "reverse");
    }
    if (!lstm && lbr) {
        lattr(l, "linear_before_reset", "true");
    }
    s[0] = (int32_t)(G * H);
    s[1] = (int32_t)nin;
    p = slab(I, w, d, G * H * nin);
    if (p == NULL || lparam_add(I, l, "weight", 2, s, p) != 0) {
        return NULL;
    }
    s[1] = (int32_t)H;
    p = slab(I, r, d, G * H * H);
    if (p == NULL || lparam_add(I, l, "recurrence", 2, s, p) != 0) {
        return NULL;
    }
    if (b != NULL) {
        s[0] = (int32_t)(2 * G * H);
        p = slab(I, b, d, 2 * G * H);
        if (p == NULL || lparam_add(I, l, "bias", 1, s, p) != 0) {
            return NULL;
        }
    }
    if (h0 != NULL || c0 != NULL) {
        int64_t per = B * H, S = lstm ? 2 : 1;
        p = alloc_n(I, S * per, sizeof *p);
        if (p == NULL) {
            return NULL;
        }
        memset(p, 0, (size_t)(S * per) * sizeof *p);
        if (h0 != NULL) {
            memcpy(p, h0->f + (size_t)d * (size_t)per, (size_t)per * sizeof *p);
        }
        if (lstm && c0 != NULL) {
            memcpy(p + per, c0->f + (size_t)d * (size_t)per, (size_t)per * sizeof *p);
        }
        s[0] = (int32_t)S;
        s[1] = (int32_t)B;
        s[2] = (int32_t)H;
        if (lparam_add(I, l, "initial_state", 3, s, p) != 0) {
            return NULL;
        }
    }
    return out;
}

/* A layer `elem` from `in` to a new tensor named after base + suffix. */
static const char *emit_simple(imp *I, const onnx_node *n, const char *elem, const char *in,
                               const char *base, const char *suffix, const char *key,
                               const char *val)
{
    const char *out = tensor_name(I, base, suffix);
    layer *l = out != NULL ? new_layer(I, elem, node_name(n), suffix) : NULL;
    if (l == NULL || set_io(I, l, in, out) != 0) {
        return NULL;
    }
    if (key != NULL) {
        lattr(l, key, "%s", val);
    }
    return out;
}

/* One output from the directions' parts: concatenated on `axis` when
 * there are two, then (layout 1) transposed by `perm`; NULL on failure. */
static const char *join_dirs(imp *I, const onnx_node *n, const char *const *parts, int D,
                             const char *suffix, const char *axis, const char *perm)
{
    const char *base = node_name(n);
    const char *out = parts[0];
    char ins[700], tsuffix[16];
    if (D == 2) {
        snprintf(ins, sizeof ins, "%s %s", parts[0], parts[1]);
        out = emit_simple(I, n, "concat", ins, base, suffix, "axis", axis);
    }
    if (out != NULL && perm != NULL) {
        snprintf(tsuffix, sizeof tsuffix, "%s_b", suffix);
        out = emit_simple(I, n, "transpose", out, base, tsuffix, "perm", perm);
    }
    return out;
}

int op_rnn(imp *I, const onnx_node *n, int emit)
{
    static const char *const known_lstm[] = { "activations", "direction", "hidden_size",
                                              "input_forget", "layout", NULL };
    static const char *const known_gru[] = { "activations", "direction", "hidden_size",
                                             "layout", "linear_before_reset", NULL };
    int lstm = strcmp(n->op_type, "LSTM") == 0;
    value *x = input_value(I, n, 0), *w = input_value(I, n, 1), *r = input_value(I, n, 2);
    value *b = input_value(I, n, 3), *sl = input_value(I, n, 4), *h0 = input_value(I, n, 5);
    value *c0 = lstm ? input_value(I, n, 6) : NULL, *pp = lstm ? input_value(I, n, 7) : NULL;
    value *y, *yh;
    const char *dir = attr_s(n, "direction", "forward");
    int64_t H = attr_i(n, "hidden_size", 0), layout = attr_i(n, "layout", 0);
    int64_t lbr = lstm ? 0 : attr_i(n, "linear_before_reset", 0), G = lstm ? 4 : 3;
    int64_t T, B, nin, k, od[4];
    int D, bidir, d, rev[2];
    const char *outs[2], *yn, *yhn = NULL;
    if (known_attrs(I, n, lstm ? known_lstm : known_gru) != 0 || need_act(I, x, "X") != 0 ||
        need_const(I, w, "W") != 0 || need_const(I, r, "R") != 0) {
        return -1;
    }
    if (strcmp(dir, "forward") != 0 && strcmp(dir, "reverse") != 0 &&
        strcmp(dir, "bidirectional") != 0) {
        return unsupported(I, "direction '%.40s' is not one of forward, reverse, bidirectional",
                           dir);
    }
    bidir = strcmp(dir, "bidirectional") == 0;
    D = bidir ? 2 : 1;
    /* direction 0 runs backwards for "reverse", direction 1 always does */
    rev[0] = strcmp(dir, "reverse") == 0;
    rev[1] = 1;
    if (default_acts(I, n, lstm, D) != 0) {
        return -1;
    }
    if (onnx_node_attr(n, "clip") != NULL || onnx_node_attr(n, "activation_alpha") != NULL ||
        onnx_node_attr(n, "activation_beta") != NULL) {
        return unsupported(I, "clip and activation parameters are not supported");
    }
    if (lstm && attr_i(n, "input_forget", 0) != 0) {
        return unsupported(I, "input_forget (coupled input and forget gates) is not supported");
    }
    if (layout != 0 && layout != 1) {
        return unsupported(I, "layout %lld is not 0 or 1", (long long)layout);
    }
    if (lbr != 0 && lbr != 1) {
        return unsupported(I, "linear_before_reset %lld is not 0 or 1", (long long)lbr);
    }
    if (x->ndim != 3) {
        return unsupported(I, "X must have rank 3 ([seq batch input], layout 0)");
    }
    T = layout == 0 ? x->d[0] : x->d[1];
    B = layout == 0 ? x->d[1] : x->d[0];
    nin = x->d[2];
    if (H < 1 || H > IMP_MAX_DIM || G * H > IMP_MAX_DIM) {
        return unsupported(I, "hidden_size %lld is out of range (1 to %ld gate rows)",
                           (long long)H, IMP_MAX_DIM);
    }
    if (w->ndim != 3 || w->d[0] != D || w->d[1] != G * H || w->d[2] != nin) {
        return unsupported(I, "W must be [%d %lld %lld]", D, (long long)(G * H), (long long)nin);
    }
    if (r->ndim != 3 || r->d[0] != D || r->d[1] != G * H || r->d[2] != H) {
        return unsupported(I, "R must be [%d %lld %lld]", D, (long long)(G * H), (long long)H);
    }
    if (b != NULL && (need_const(I, b, "B") != 0 || b->ndim != 2 || b->d[0] != D ||
                      b->d[1] != 2 * G * H)) {
        return I->failed ? -1 : unsupported(I, "B must be [%d %lld]", D, (long long)(2 * G * H));
    }
    if (sl != NULL) {
        if (need_const(I, sl, "sequence_lens") != 0) {
            return -1;
        }
        if (count_of(sl->ndim, sl->d) != B) {
            return unsupported(I, "sequence_lens must hold one length per sequence");
        }
        for (k = 0; k < B; k++) {
            int64_t len = sl->iv != NULL ? sl->iv[k] : (int64_t)sl->f[k];
            if (len != T) {
                return unsupported(I, "sequence_lens: sequence %lld has length %lld; stoic runs "
                                      "every sequence for all %lld steps",
                                   (long long)k, (long long)len, (long long)T);
            }
        }
    }
    {
        value *st[2];
        const char *nm[2] = { "initial_h", "initial_c" };
        st[0] = h0;
        st[1] = c0;
        for (k = 0; k < 2; k++) {
            const value *v = st[k];
            if (v == NULL) {
                continue;
            }
            if (need_const(I, v, nm[k]) != 0) {
                return -1;
            }
            if (count_of(v->ndim, v->d) != D * B * H || v->ndim != 3 ||
                v->d[layout == 0 ? 0 : 1] != D) {
                return unsupported(I, "%s must be [%d %lld %lld] (layout %lld)", nm[k], D,
                                   (long long)B, (long long)H, (long long)layout);
            }
            if (layout == 1 && D > 1 && B > 1) {
                return unsupported(I, "%s with layout 1, two directions and several sequences "
                                      "is not supported", nm[k]);
            }
        }
    }
    /* an all-zero initial state (torch writes one, expanded to the batch)
     * is the default: no constant for it */
    if (h0 != NULL && h0->is_const && all_zero(h0)) {
        h0 = NULL;
    }
    if (c0 != NULL && c0->is_const && all_zero(c0)) {
        c0 = NULL;
    }
    if (pp != NULL) {
        if (need_const(I, pp, "P") != 0) {
            return -1;
        }
        for (k = 0; k < count_of(pp->ndim, pp->d); k++) {
            if (pp->f[k] != 0.0F) {
                return unsupported(I, "peephole weights P are not supported (all zero ones are)");
            }
        }
    }
    if (lstm && n->n_outputs > 2 && n->outputs[2][0] != '\0' && uses_of(I->m, n->outputs[2]) > 0) {
        return unsupported(I, "output Y_c (the last cell state) is read by the model; stoic "
                              "provides Y and Y_h");
    }
    imp_touch(I); /* the first axis is time: the node mixes it */
    if (layout == 0) {
        od[0] = T;
        od[1] = D;
        od[2] = B;
    } else {
        od[0] = B;
        od[1] = T;
        od[2] = D;
    }
    od[3] = H;
    y = define_out(I, n, 0, 4, od);
    if (y != NULL && y->uses == 0) {
        y = NULL; /* not read: nothing emitted for it */
    }
    if (layout == 0) {
        od[0] = D;
        od[1] = B;
    } else {
        od[0] = B;
        od[1] = D;
    }
    od[2] = H;
    yh = define_out(I, n, 1, 3, od);
    if (yh != NULL && yh->uses == 0) {
        yh = NULL;
    }
    if (I->failed || (y == NULL && yh == NULL)) {
        return I->failed ? -1 : unsupported(I, "no output");
    }
    if (!emit) {
        return 0;
    }
    {
        const char *in = imp_act(I, x, 0);
        char buf[64];
        const char *base = node_name(n);
        if (in == NULL) {
            return -1;
        }
        if (layout == 1) {
            in = emit_simple(I, n, "transpose", in, base, ".time_first", "perm", "1 0 2");
            if (in == NULL) {
                return -1;
            }
        }
        for (d = 0; d < D; d++) {
            outs[d] = emit_dir(I, n, lstm, in, d, rev[d], B, nin, H, w, r, b, h0, c0,
                               (int)lbr);
            if (outs[d] == NULL) {
                return -1;
            }
        }
        if (y != NULL) {
            const char *parts[2];
            snprintf(buf, sizeof buf, "%lld 1 %lld %lld", (long long)T, (long long)B,
                     (long long)H);
            for (d = 0; d < D; d++) {
                parts[d] = emit_simple(I, n, "reshape", outs[d], base, d == 0 ? ".y0" : ".y1",
                                       "shape", buf);
                if (parts[d] == NULL) {
                    return -1;
                }
            }
            yn = join_dirs(I, n, parts, D, ".y", "1", layout == 1 ? "2 0 1 3" : NULL);
            if (yn == NULL) {
                return -1;
            }
            y->nat = yn;
        }
        if (yh != NULL) {
            const char *parts[2];
            for (d = 0; d < D; d++) {
                int reverse = rev[d];
                char st[64], en[64];
                layer *l;
                const char *o = tensor_name(I, base, d == 0 ? ".h0" : ".h1");
                l = o != NULL ? new_layer(I, "slice", base, d == 0 ? ".last0" : ".last1") : NULL;
                if (l == NULL || set_io(I, l, outs[d], o) != 0) {
                    return -1;
                }
                snprintf(st, sizeof st, "%lld 0 0", (long long)(reverse ? 0 : T - 1));
                snprintf(en, sizeof en, "%lld %lld %lld", (long long)(reverse ? 1 : T),
                         (long long)B, (long long)H);
                lattr(l, "starts", "%s", st);
                lattr(l, "ends", "%s", en);
                parts[d] = o;
            }
            yhn = join_dirs(I, n, parts, D, ".y_h", "0", layout == 1 ? "1 0 2" : NULL);
            if (yhn == NULL) {
                return -1;
            }
            yh->nat = yhn;
        }
    }
    return 0;
}

/* import_onnx: ONNX -> stoic model description. See import_onnx.h.
 *
 * This file is the driver: the operator table, the walk and the writing.
 * The operators are translated by family in import_onnx_conv.c (Conv,
 * pools), import_onnx_elem.c (activations, Softmax, Add, Mul),
 * import_onnx_shape.c (Concat, Reshape, Flatten, Squeeze, Unsqueeze,
 * Transpose, Pad, Slice), import_onnx_dense.c (MatMul, Gemm,
 * BatchNormalization), import_onnx_const.c (Constant, ConstantOfShape,
 * Cast, Identity) and import_onnx_fold.c (constant folding: Shape, Gather,
 * Range, Expand, Equal, Where, arithmetic); import_onnx_util.c holds what
 * they share, import_onnx_int.h their interface.
 *
 * Two walks over the ONNX nodes (which ONNX keeps in topological order):
 *  1. shapes and constants: the full ONNX shape of every value, constant
 *     folding of every node whose inputs are all constants (initializers,
 *     Constant nodes, folded results, the Shape of any value: shapes are
 *     static), and whether any node mixes samples along the batch axis;
 *  2. emission: stoic layers, with transposes where the layout changes;
 *     the nodes whose outputs are all constants are listed as folded.
 * The layers are kept in memory (a MatMul followed by the Add of a bias
 * becomes one dense layer, a bias-less Conv followed by the Add of a
 * per-channel constant one convolution with that bias) and written out at
 * the end, the XML and the weights file together, atomically.
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
#include "import_onnx_int.h"

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
    { "GlobalMaxPool", op_gap, 1, 1 },
    { "ReduceMean", op_reduce, 2, 1 },
    { "ReduceMax", op_reduce, 2, 1 },
    { "ReduceSum", op_reduce, 2, 1 },
    { "Relu", op_unary, 1, 1 },
    { "LeakyRelu", op_unary, 1, 1 },
    { "Sigmoid", op_unary, 1, 1 },
    { "Tanh", op_unary, 1, 1 },
    { "HardSigmoid", op_unary, 1, 1 },
    { "HardSwish", op_unary, 1, 1 },
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
    { "Split", op_split, 2, 64 },
    { "Cast", op_cast, 1, 1 },
    { "Shape", op_shape, 1, 1 },
    { "Gather", op_gather, 2, 1 },
    { "Range", op_range, 3, 1 },
    { "Expand", op_expand, 2, 1 },
    { "Where", op_where, 3, 1 },
    { "Equal", op_arith, 2, 1 },
    { "Sub", op_arith, 2, 1 },
    { "Div", op_arith, 2, 1 },
    { "Mod", op_arith, 2, 1 },
    { "ConvTranspose", op_conv_transpose, 3, 1 },
    { "Resize", op_resize, 4, 1 },
    { "Upsample", op_resize, 2, 1 },
    { "LSTM", op_rnn, 8, 3 },
    { "GRU", op_rnn, 6, 2 },
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

/* Whether every output of node n is a constant: it was evaluated at
 * import (folded) and is no part of the generated code. */
static int folded_node(imp *I, const onnx_node *n)
{
    size_t k;
    int any = 0;
    for (k = 0; k < n->n_outputs; k++) {
        const value *v = n->outputs[k][0] != '\0' ? imp_find(I, n->outputs[k]) : NULL;
        if (v != NULL) {
            if (!v->is_const) {
                return 0;
            }
            any = 1;
        }
    }
    return any;
}

static int note_folded(imp *I, const onnx_node *n)
{
    char **nf = imp_grow(I, I->folded, &I->capfolded, I->nfolded + 1, sizeof *I->folded);
    if (nf == NULL) {
        return -1;
    }
    I->folded = nf;
    I->folded[I->nfolded] = imp_dup(node_name(n));
    if (I->folded[I->nfolded] == NULL) {
        return imp_oom(I);
    }
    I->nfolded++;
    return 0;
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
        if (is_init(m, vi->name) || (imp_find(I, vi->name) != NULL && imp_find(I, vi->name)->is_const)) {
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
                I->sym_batch = vi->dim_params[j] != NULL ? vi->dim_params[j] : "?";
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
            static const char *const transformer[] = {
                "LayerNormalization", "Attention", "MultiHeadAttention", "Einsum",
                "SkipLayerNormalization", "GroupNormalization", "Gelu", NULL
            };
            int t;
            for (t = 0; transformer[t] != NULL; t++) {
                if (strcmp(n->op_type, transformer[t]) == 0) {
                    return unsupported(I, "operator %s is not supported: transformer blocks "
                                          "(attention, layer normalization) are outside "
                                          "stoic's operator list",
                                       n->op_type);
                }
            }
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
        if (emit && strcmp(n->op_type, "Constant") != 0 && folded_node(I, n) &&
            note_folded(I, n) != 0) {
            return -1;
        }
        {
            value *y = imp_find(I, n->outputs[0]);
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
int uses_of(const onnx_model *m, const char *name)
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
                        const value *in, const char *const *out_names, int n_out,
                        const char *src_sha, int pass)
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
        if (I->nfolded > 0) { /* the names reduced to a safe form: no "--" */
            sb_printf(x, "  <!-- %d ONNX node%s folded at import (evaluated on constants):\n",
                      I->nfolded, I->nfolded == 1 ? "" : "s");
            for (i = 0; i < I->nfolded; i++) {
                sb_puts(x, "       ");
                prov_text(x, I->folded[i], 100);
                sb_puts(x, "\n");
            }
            sb_puts(x, "  -->\n");
        }
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
        sb_puts(x, "  </layers>\n");
        for (i = 0; i < n_out; i++) { /* the graph outputs, in graph order */
            sb_puts(x, "  <output name=\"");
            xml_text(x, out_names[i]);
            sb_puts(x, "\"/>\n");
        }
        sb_puts(x, "</model>\n");
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

static int finish(imp *I, const value *in, const char *const *out_names, int n_out)
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
    write_model(I, &x, &bin, &r, model_name, in, out_names, n_out, src_sha, 0);
    sha256_hex(bin.s != NULL ? bin.s : "", bin.len, sha);
    r.sha = sha;
    sb_free(&x); /* pass 0 wrote only the weights that count */
    sb_init(&x);
    write_model(I, &x, &bin, &r, model_name, in, out_names, n_out, src_sha, 1);
    if (r.too_large) {
        rc = unsupported(I, "the weights are too large");
    } else if (x.oom || bin.oom) {
        rc = imp_oom(I);
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
    const char *out_names[IR_MAX_OUTPUTS];
    int n_out = 0, oj;
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
    if (I.m->n_outputs < 1 || I.m->n_outputs > IR_MAX_OUTPUTS) {
        diag_error(d, o->onnx_path, 0, "the model has %lu outputs; stoic models have 1 to %d",
                   (unsigned long)I.m->n_outputs, IR_MAX_OUTPUTS);
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
    /* every graph output, in graph order */
    for (n_out = 0; n_out < (int)I.m->n_outputs; n_out++) {
        const char *out_name;
        int dup = 0;
        out_v = imp_find(&I, I.m->outputs[n_out].name);
        if (out_v == NULL || out_v->is_const) {
            (void)unsupported(&I, "output '%s' is not computed from the input (a constant)",
                              I.m->outputs[n_out].name);
            goto out;
        }
        out_name = out_v->nat;
        for (oj = 0; oj < n_out && out_name != NULL; oj++) {
            dup |= strcmp(out_names[oj], out_name) == 0;
        }
        if (out_v->nat != NULL && (strcmp(out_v->nat, in_v->nat) == 0 || dup)) {
            /* the output is the input itself, or a tensor an earlier output
             * already names (an Identity of it): a copy */
            int32_t s[MAXD];
            int r = ishape(&I, out_v, 0, s), k;
            char buf[128];
            size_t used = 0;
            const char *t = tensor_name(&I, out_v->name, ".out");
            layer *l = t != NULL ? new_layer(&I, "reshape", out_v->name, ".copy") : NULL;
            if (l == NULL || set_io(&I, l, out_v->nat, t) != 0) {
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
            out_name = imp_act(&I, out_v, 0); /* bring it to the ONNX element order */
            if (out_name == NULL) {
                goto out;
            }
        }
        out_names[n_out] = out_name;
    }
    rc = finish(&I, in_v, out_names, n_out);
    if (rc == 0 && I.nfolded > 0) {
        strbuf b;
        sb_init(&b);
        for (i = 0; i < I.nfolded && i < 8; i++) {
            sb_puts(&b, i == 0 ? "" : " ");
            prov_text(&b, I.folded[i], 60);
        }
        if (I.nfolded > 8) {
            sb_printf(&b, " and %d more", I.nfolded - 8);
        }
        diag_note(d, o->onnx_path, 0, "%d node%s folded at import (listed in the description): "
                  "%s", I.nfolded, I.nfolded == 1 ? "" : "s", b.s != NULL ? b.s : "");
        sb_free(&b);
    }
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
    for (i = 0; i < I.nfolded; i++) {
        free(I.folded[i]);
    }
    free(I.folded);
    onnx_model_free(I.m);
    return rc;
}

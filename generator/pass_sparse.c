/* pass_sparse: a dense layer, or a convolution without groups (its
 * weights per output channel flattened in OHWI order), whose weights are
 * mostly zero (after
 * pruning and quantization) is emitted in the sparse form of the runtime
 * (stoic_rt.h, "sparse dense"): its kept weights row by row, a uint8
 * column delta per entry (filler entries of value 0 bridge gaps wider than
 * 255 columns) and an int32 start per row. The form is chosen when it takes
 * fewer bytes than the dense matrix:
 *
 *     dense  = out * in * v
 *     sparse = entries * (v + 1) + 4 * (out + 1)
 *
 * with v the bytes of one weight (1 for int8, 4 for float32) and entries
 * the kept weights plus fillers. Without fillers the break-even density is
 * v / (v + 1) minus the row starts: about 50% for int8 and 80% for float32.
 * The kernel's work is proportional to the entries, and its loop bounds
 * are the constant row starts: the instruction path does not depend on the
 * input. Runs after pass_quantize (the weights' final values and type are
 * known: a weight that quantizes to 0 is not kept). */
#include "pass.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* entries of row o (kept weights + fillers) */
static int64_t row_entries(const ir_tensor *w, int64_t o, int32_t in, int *keep)
{
    int64_t n = 0, j, col = 0;
    for (j = 0; j < in; j++) {
        int nz = w->dtype == IR_DT_F32 ? w->data[o * in + j] != 0.0F
                                       : ((const int8_t *)w->qdata)[o * in + j] != 0;
        if (keep != NULL) {
            keep[j] = nz;
        }
        if (nz) {
            n += (j - col) / 255 + 1;
            col = j;
        }
    }
    return n;
}

static int encode(ir_graph *g, int ni, int64_t entries)
{
    ir_node *n = &g->n[ni];
    const ir_tensor *w = &g->t[n->params[0]];
    int32_t out = w->shape.d[0], in = (int32_t)(ir_shape_count(&w->shape) / out);
    size_t vb = ir_dtype_size(w->dtype);
    /* A layer pruned to nothing has no entries: its arrays keep one zero
     * element (C has no empty arrays) that no row reads, and the output
     * is the bias alone. Zeroed, so the emitted bytes are always the same. */
    size_t ne = entries > 0 ? (size_t)entries : 1;
    int32_t *rs = calloc((size_t)out + 1, sizeof *rs);
    uint8_t *delta = calloc(ne, 1);
    char *vals = calloc(ne, vb);
    int *keep = calloc((size_t)in, sizeof *keep);
    int64_t k = 0, o, j;
    int tv, tr, td, rc = 0;
    char name[512];
    ir_shape s;
    ir_dtype wdt = w->dtype;
    long line = w->line;
    if (rs == NULL || delta == NULL || vals == NULL || keep == NULL) {
        free(rs), free(delta), free(vals), free(keep);
        return -1;
    }
    for (o = 0; o < out; o++) {
        int64_t col = 0;
        rs[o] = (int32_t)k;
        (void)row_entries(w, o, in, keep);
        for (j = 0; j < in; j++) {
            if (!keep[j]) {
                continue;
            }
            while (j - col > 255) { /* filler: value 0, 255 columns on */
                delta[k] = 255;
                memset(vals + (size_t)k * vb, 0, vb);
                col += 255;
                k++;
            }
            delta[k] = (uint8_t)(j - col);
            memcpy(vals + (size_t)k * vb,
                   wdt == IR_DT_F32 ? (const char *)&w->data[o * in + j]
                                    : (const char *)w->qdata + (size_t)(o * in + j) * vb,
                   vb);
            col = j;
            k++;
        }
    }
    rs[out] = (int32_t)k;
    memset(&s, 0, sizeof s);
    s.rank = 1;
    s.d[0] = (int32_t)(entries > 0 ? entries : 1);
    snprintf(name, sizeof name, "%s.values", g->t[n->params[0]].name);
    if (wdt == IR_DT_F32) {
        tv = ir_add_const(g, name, &s, (const float *)(const void *)vals, line);
    } else {
        tv = ir_add_qconst(g, name, &s, wdt, vals, line);
    }
    snprintf(name, sizeof name, "%s.deltas", g->n[ni].name);
    td = tv < 0 ? -1 : ir_add_qconst(g, name, &s, IR_DT_U8, delta, line);
    s.d[0] = out + 1;
    snprintf(name, sizeof name, "%s.row_start", g->n[ni].name);
    tr = td < 0 ? -1 : ir_add_qconst(g, name, &s, IR_DT_S32, rs, line);
    if (tr < 0) {
        rc = -1;
    } else {
        n = &g->n[ni];
        if (wdt == IR_DT_F32) { /* a -0 bias would differ from the dense kernel's sum */
            float *b = g->t[n->params[1]].data;
            int32_t q;
            for (q = 0; q < out; q++) {
                b[q] = b[q] == 0.0F ? 0.0F : b[q];
            }
        }
        n->params[0] = tv;
        n->params[4] = tr;
        n->params[5] = td;
        n->sparse = 1;
    }
    free(rs);
    free(delta);
    free(vals);
    free(keep);
    return rc;
}

int pass_sparse(ir_graph *g, diag *d)
{
    int i, n0 = g->nn;
    for (i = 0; i < n0; i++) {
        const ir_node *n = &g->n[i];
        const ir_tensor *w;
        int32_t out, in;
        int64_t entries = 0, o, dense, sparse, zeros = 0, j;
        size_t vb;
        if (!(n->op == IR_OP_DENSE ||
              ((n->op == IR_OP_CONV2D || n->op == IR_OP_CONV1D) && n->groups == 1)) ||
            n->sparse || n->params[0] < 0) {
            continue;
        }
        w = &g->t[n->params[0]];
        if ((w->dtype != IR_DT_F32 && w->dtype != IR_DT_S8) ||
            (n->op == IR_OP_DENSE && w->shape.rank != 2)) {
            continue;
        }
        out = w->shape.d[0];
        in = (int32_t)(ir_shape_count(&w->shape) / out); /* conv: k_h * k_w * in_c */
        for (j = 0; j < (int64_t)out * in; j++) {
            zeros += w->dtype == IR_DT_F32 ? w->data[j] == 0.0F
                                           : ((const int8_t *)w->qdata)[j] == 0;
        }
        if (zeros == 0) {
            continue;
        }
        for (o = 0; o < out; o++) {
            entries += row_entries(w, o, in, NULL);
        }
        vb = ir_dtype_size(w->dtype);
        dense = (int64_t)out * in * (int64_t)vb;
        sparse = entries * (int64_t)(vb + 1) + 4 * ((int64_t)out + 1);
        if (sparse >= dense) {
            continue;
        }
        if (entries == 0) {
            diag_warning(d, g->file, n->line, "%s '%s': every weight is zero (pruned or "
                         "quantized to zero); its output is its bias alone, for every input",
                         n->xml_op, n->name);
        }
        if (encode(g, i, entries) != 0) {
            diag_io(d, NULL, "out of memory");
            return -1;
        }
    }
    ir_link(g);
    if (ir_compact(g) != 0) {
        diag_io(d, NULL, "out of memory");
        return -1;
    }
    return 0;
}

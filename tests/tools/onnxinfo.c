/* onnxinfo MODEL.onnx: prints what an ONNX model holds, one fact a line,
 * through the reader stoic import uses (generator/onnx_read.c):
 *
 *   ir N
 *   opset N
 *   node NAME OPTYPE [DOMAIN]       DOMAIN only when not the default one
 *   input NAME ELEMTYPE SHAPE       graph inputs (IR < 4: initializers too)
 *   output NAME ELEMTYPE SHAPE
 *   init NAME DTYPE SHAPE           initializers
 *
 * NAME is "-" when empty; bytes outside '!'..'~' and '\' print as \xHH.
 * SHAPE is "[d0,d1,...]" ("[]" for a scalar; a symbolic dimension prints
 * its name, an unknown one "?"), or "?" when the shape is not known.
 * ELEMTYPE/DTYPE is the ONNX name (FLOAT, INT64, ..., UNDEFINED).
 * Exit codes as bin/stoic: 0, 1 invalid model, 2 usage, 3 out of memory. */
#include <stdio.h>
#include <string.h>

#include "diag.h"
#include "onnx_read.h"

static void put_name(const char *s)
{
    if (s == NULL || *s == '\0') {
        fputs("-", stdout);
        return;
    }
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        if (c > 0x20 && c < 0x7f && c != '\\') {
            putchar(c);
        } else {
            printf("\\x%02x", c);
        }
    }
}

static void put_dims(int ndim, const int64_t *dims, char *const *params)
{
    int i;
    putchar('[');
    for (i = 0; i < ndim; i++) {
        if (i > 0) {
            putchar(',');
        }
        if (dims[i] >= 0) {
            printf("%lld", (long long)dims[i]);
        } else if (params != NULL && params[i] != NULL) {
            put_name(params[i]);
        } else {
            putchar('?');
        }
    }
    putchar(']');
}

static void put_values(const char *kind, const onnx_value_info *v, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        printf("%s ", kind);
        put_name(v[i].name);
        printf(" %s ", onnx_dtype_name(v[i].elem_type));
        if (v[i].has_shape) {
            put_dims(v[i].ndim, v[i].dims, v[i].dim_params);
        } else {
            putchar('?');
        }
        putchar('\n');
    }
}

int main(int argc, char **argv)
{
    diag d = {0};
    onnx_model *m;
    size_t i;

    if (argc != 2 || argv[1][0] == '-') {
        fprintf(stderr, "usage: onnxinfo MODEL.onnx\n");
        return STOIC_EXIT_USAGE;
    }
    m = onnx_read(argv[1], &d);
    if (m == NULL) {
        return diag_exit_code(&d);
    }
    printf("ir %lld\nopset %lld\n", (long long)m->ir_version, (long long)m->opset);
    for (i = 0; i < m->n_nodes; i++) {
        const onnx_node *n = &m->nodes[i];
        fputs("node ", stdout);
        put_name(n->name);
        putchar(' ');
        put_name(n->op_type);
        if (n->domain[0] != '\0' && strcmp(n->domain, "ai.onnx") != 0) {
            putchar(' ');
            put_name(n->domain);
        }
        putchar('\n');
    }
    put_values("input", m->inputs, m->n_inputs);
    put_values("output", m->outputs, m->n_outputs);
    for (i = 0; i < m->n_inits; i++) {
        const onnx_tensor *t = &m->inits[i];
        fputs("init ", stdout);
        put_name(t->name);
        printf(" %s ", onnx_dtype_name(t->dtype));
        put_dims(t->ndim, t->dims, NULL);
        putchar('\n');
    }
    onnx_model_free(m);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "onnxinfo: cannot write the output\n");
        return STOIC_EXIT_IO;
    }
    return STOIC_EXIT_OK;
}

/* onnx_freeze MODEL.onnx OUT.onnx [INPUT_k.pb]...: the model with graph
 * inputs 1.. replaced by initializers holding the given TensorProtos (in
 * graph-input order, skipping inputs that are already initializers), as
 * `stoic import --freeze` would; used once to make the ONNX fuzz seeds from
 * the ONNX backend tests (tests/fuzz/tools/mkseeds.sh). Built with
 * protobuf-c against build/onnx.pb-c.h; exits 1 on any problem. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onnx.pb-c.h"

static uint8_t *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    uint8_t *b;
    long len;
    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 ||
        fseek(f, 0, SEEK_SET) != 0) {
        perror(path);
        exit(1);
    }
    b = malloc((size_t)len + 1);
    if (b == NULL || fread(b, 1, (size_t)len, f) != (size_t)len) {
        perror(path);
        exit(1);
    }
    fclose(f);
    *n = (size_t)len;
    return b;
}

static int is_init(const Onnx__GraphProto *g, const char *name)
{
    size_t i;
    for (i = 0; i < g->n_initializer; i++) {
        if (g->initializer[i]->name != NULL && strcmp(g->initializer[i]->name, name) == 0) {
            return 1;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    size_t n, i, k = 0;
    uint8_t *b;
    Onnx__ModelProto *m;
    Onnx__GraphProto *g;
    Onnx__ValueInfoProto **keep;
    size_t n_keep = 0;
    int a = 3;
    FILE *f;
    if (argc < 3) {
        fprintf(stderr, "usage: onnx_freeze MODEL.onnx OUT.onnx [INPUT_k.pb]...\n");
        return 2;
    }
    b = slurp(argv[1], &n);
    m = onnx__model_proto__unpack(NULL, n, b);
    if (m == NULL || m->graph == NULL) {
        fprintf(stderr, "%s: not an ONNX model\n", argv[1]);
        return 1;
    }
    g = m->graph;
    keep = calloc(g->n_input + 1, sizeof *keep);
    g->initializer = realloc(g->initializer,
                             (g->n_initializer + (size_t)argc) * sizeof *g->initializer);
    for (i = 0; i < g->n_input; i++) {
        if (is_init(g, g->input[i]->name)) {
            keep[n_keep++] = g->input[i];
            continue;
        }
        if (k++ == 0 || a >= argc) {
            keep[n_keep++] = g->input[i]; /* the data input, or nothing to freeze it to */
            continue;
        }
        {
            size_t tn;
            uint8_t *tb = slurp(argv[a++], &tn);
            Onnx__TensorProto *t = onnx__tensor_proto__unpack(NULL, tn, tb);
            if (t == NULL) {
                fprintf(stderr, "%s: not a TensorProto\n", argv[a - 1]);
                return 1;
            }
            t->name = g->input[i]->name;
            g->initializer[g->n_initializer++] = t;
        }
    }
    g->input = keep;
    g->n_input = n_keep;
    n = onnx__model_proto__get_packed_size(m);
    b = malloc(n);
    onnx__model_proto__pack(m, b);
    f = fopen(argv[2], "wb");
    if (f == NULL || fwrite(b, 1, n, f) != n || fclose(f) != 0) {
        perror(argv[2]);
        return 1;
    }
    return 0;
}

/* A structure-aware mutator for model descriptions (fuzz_model,
 * fuzz_generate): LLVMFuzzerCustomMutator works on the text as attributes
 * and elements, so most mutants stay well-formed and schema-valid and reach
 * the loader's semantic checks and the passes, not only the XML parser:
 *   - an attribute's value replaced by one of its kind: dimension lists for
 *     shape, kernel, strides, pads, perm (small, sometimes 0, -1 or huge),
 *     integers for units, filters, groups, axis, offset, count; names of
 *     tensors of the model for inputs and output; enumerations for
 *     activation and padding; floats (NaN, infinities, -0, 1e38) for alpha,
 *     min, max, value, epsilon;
 *   - a layer duplicated, deleted, moved, or renamed to another operator;
 *   - a <param>'s data replaced by base64 floats, as many as its shape says
 *     (sometimes one more or one fewer);
 *   - fuzz_generate's "<!-- fuzz: ... -->" options;
 * and, one call in six (or when nothing applies), libFuzzer's own byte
 * mutation. Included once, by the harness that defines the entry point. */
#ifndef STOIC_FUZZ_XML_MUTATOR_H
#define STOIC_FUZZ_XML_MUTATOR_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);

typedef struct {
    uint64_t s;
    char *buf;        /* the text, NUL-terminated, owned */
    size_t len;
} xm_ctx;

static uint64_t xm_r(xm_ctx *m, uint64_t n)
{
    uint64_t x = m->s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    m->s = x;
    return n == 0 ? 0 : (x * 2685821657736338717ULL) % n;
}

/* Replaces [a, b) of the text by s. */
static void xm_splice(xm_ctx *m, size_t a, size_t b, const char *s, size_t n)
{
    char *nb = malloc(m->len - (b - a) + n + 1);
    if (nb == NULL) {
        abort();
    }
    memcpy(nb, m->buf, a);
    memcpy(nb + a, s, n);
    memcpy(nb + a + n, m->buf + b, m->len - b);
    m->len = m->len - (b - a) + n;
    nb[m->len] = '\0';
    free(m->buf);
    m->buf = nb;
}

/* ---- attributes ------------------------------------------------------------ */

typedef struct {
    size_t name, name_len; /* attribute name */
    size_t val, val_end;   /* its value, between the quotes */
} xm_attr;

#define XM_MAX_ATTRS 512

/* Attributes inside tags: NAME="VALUE" after a space. */
static int xm_attrs(const xm_ctx *m, xm_attr *a, int max)
{
    int n = 0, in_tag = 0;
    size_t i;
    for (i = 0; i < m->len && n < max; i++) {
        char c = m->buf[i];
        if (c == '<') {
            in_tag = m->buf[i + 1] != '!' && m->buf[i + 1] != '?';
        } else if (c == '>') {
            in_tag = 0;
        } else if (in_tag && c == '=' && m->buf[i + 1] == '"') {
            size_t s = i, e;
            while (s > 0 && (m->buf[s - 1] == '_' || (m->buf[s - 1] >= 'a' && m->buf[s - 1] <= 'z') ||
                             (m->buf[s - 1] >= 'A' && m->buf[s - 1] <= 'Z') ||
                             (m->buf[s - 1] >= '0' && m->buf[s - 1] <= '9'))) {
                s--;
            }
            e = i + 2;
            while (e < m->len && m->buf[e] != '"') {
                e++;
            }
            if (e >= m->len || s == i) {
                continue;
            }
            a[n].name = s;
            a[n].name_len = i - s;
            a[n].val = i + 2;
            a[n].val_end = e;
            n++;
            i = e;
        }
    }
    return n;
}

static int xm_is(const xm_ctx *m, const xm_attr *a, const char *name)
{
    return a->name_len == strlen(name) && memcmp(m->buf + a->name, name, a->name_len) == 0;
}

static long xm_int(xm_ctx *m)
{
    static const long big[] = { 0, -1, -2, 65535, 65536, 16777216, 16777217, 2147483647,
                                -2147483647 - 1, 4294967296L };
    switch (xm_r(m, 8)) {
    case 0:
        return big[xm_r(m, sizeof big / sizeof big[0])];
    case 1:
        return 1 + (long)xm_r(m, 64);
    default:
        return 1 + (long)xm_r(m, 6);
    }
}

static void xm_int_list(xm_ctx *m, char *out, size_t n, int min_len, int max_len)
{
    int len = min_len + (int)xm_r(m, (uint64_t)(max_len - min_len + 1)), k;
    size_t used = 0;
    out[0] = '\0';
    for (k = 0; k < len && used + 24 < n; k++) {
        used += (size_t)snprintf(out + used, n - used, k == 0 ? "%ld" : " %ld", xm_int(m));
    }
}

static const char *xm_float(xm_ctx *m)
{
    static const char *const f[] = { "0", "1", "-1", "0.5", "6", "0.01", "1e-5", "-0", "NaN",
                                     "INF", "-INF", "1e38", "-3.4e38", "1e-45", "100" };
    return f[xm_r(m, sizeof f / sizeof f[0])];
}

/* Names of the model's tensors: values of name= (on <input>, <constant>) and output=. */
static int xm_names(const xm_ctx *m, const xm_attr *a, int n, const xm_attr **out, int max)
{
    int k, c = 0;
    for (k = 0; k < n && c < max; k++) {
        if (xm_is(m, &a[k], "output") ||
            (xm_is(m, &a[k], "name") && a[k].val_end > a[k].val)) {
            out[c++] = &a[k];
        }
    }
    return c;
}

static void xm_attr_value(xm_ctx *m, const xm_attr *a, const xm_attr *all, int n_all)
{
    char v[256];
    const xm_attr *names[256];
    int nn = xm_names(m, all, n_all, names, 256), k;
    static const char *const acts[] = { "none", "relu", "relu6", "leaky_relu", "clip",
                                        "sigmoid", "tanh" };
    static const char *const pads[] = { "valid", "same", "explicit" };
    v[0] = '\0';
    if (xm_is(m, a, "shape") || xm_is(m, a, "strides") || xm_is(m, a, "dilations") ||
        (xm_is(m, a, "kernel") && xm_r(m, 2))) {
        xm_int_list(m, v, sizeof v, 1, xm_r(m, 4) ? 4 : 5);
    } else if (xm_is(m, a, "pads")) {
        xm_int_list(m, v, sizeof v, 2, 8);
    } else if (xm_is(m, a, "perm")) {
        int len = 1 + (int)xm_r(m, 4);
        size_t used = 0;
        for (k = 0; k < len; k++) {
            used += (size_t)snprintf(v + used, sizeof v - used, k == 0 ? "%d" : " %d",
                                     (int)xm_r(m, 5));
        }
    } else if (xm_is(m, a, "inputs")) {
        int len = 1 + (int)xm_r(m, 3);
        size_t used = 0;
        for (k = 0; k < len && nn > 0; k++) {
            const xm_attr *p = names[xm_r(m, (uint64_t)nn)];
            int l = (int)(p->val_end - p->val);
            if (l > 60) {
                l = 60;
            }
            used += (size_t)snprintf(v + used, sizeof v - used, k == 0 ? "%.*s" : " %.*s", l,
                                     m->buf + p->val);
        }
    } else if ((xm_is(m, a, "output") || xm_is(m, a, "name")) && nn > 0 && xm_r(m, 3)) {
        const xm_attr *p = names[xm_r(m, (uint64_t)nn)];
        snprintf(v, sizeof v, "%.*s", (int)(p->val_end - p->val > 60 ? 60 : p->val_end - p->val),
                 m->buf + p->val);
    } else if (xm_is(m, a, "output") || xm_is(m, a, "name")) {
        snprintf(v, sizeof v, "t%u", (unsigned)xm_r(m, 1000));
    } else if (xm_is(m, a, "activation")) {
        snprintf(v, sizeof v, "%s", acts[xm_r(m, 7)]);
    } else if (xm_is(m, a, "padding")) {
        snprintf(v, sizeof v, "%s", pads[xm_r(m, 3)]);
    } else if (xm_is(m, a, "alpha") || xm_is(m, a, "min") || xm_is(m, a, "max") ||
               xm_is(m, a, "value") || xm_is(m, a, "epsilon")) {
        snprintf(v, sizeof v, "%s", xm_float(m));
    } else if (xm_is(m, a, "count_include_pad")) {
        snprintf(v, sizeof v, "%s", xm_r(m, 2) ? "true" : "false");
    } else if (xm_is(m, a, "axis")) {
        snprintf(v, sizeof v, "%d", (int)xm_r(m, 9) - 4);
    } else {
        snprintf(v, sizeof v, "%ld", xm_int(m));
    }
    xm_splice(m, a->val, a->val_end, v, strlen(v));
}

/* A new attribute on the tag that holds a (before its name). */
static void xm_add_attr(xm_ctx *m, const xm_attr *a)
{
    static const char *const add[] = {
        " padding=\"same\"", " padding=\"explicit\" pads=\"1 1 1 1\"", " strides=\"2 2\"",
        " dilations=\"2 2\"", " groups=\"2\"", " activation=\"relu\"",
        " activation=\"leaky_relu\" alpha=\"0.2\"", " activation=\"clip\" min=\"-1\" max=\"1\"",
        " axis=\"0\"", " count_include_pad=\"true\"", " stride=\"2\"", " dilation=\"2\"",
        " pads=\"1 2\"", " epsilon=\"0\"", " value=\"NaN\"", " alpha=\"-1\""
    };
    const char *s = add[xm_r(m, sizeof add / sizeof add[0])];
    xm_splice(m, a->name - 1, a->name - 1, s, strlen(s));
}

/* ---- layers ------------------------------------------------------------------ */

typedef struct {
    size_t start, end;   /* the element, from '<' to after its end */
    size_t name, name_len;
    int self_closing;
} xm_el;

#define XM_MAX_ELS 256

static int xm_layers(const xm_ctx *m, xm_el *e, int max)
{
    const char *l = strstr(m->buf, "<layers>"), *end;
    size_t i;
    int n = 0;
    if (l == NULL || (end = strstr(l, "</layers>")) == NULL) {
        return 0;
    }
    i = (size_t)(l - m->buf) + 8;
    while (i < (size_t)(end - m->buf) && n < max) {
        size_t j;
        char close[64];
        const char *c;
        if (m->buf[i] != '<' || m->buf[i + 1] == '/' || m->buf[i + 1] == '!') {
            i++;
            continue;
        }
        e[n].start = i;
        e[n].name = i + 1;
        for (j = i + 1; j < m->len && m->buf[j] != ' ' && m->buf[j] != '>' && m->buf[j] != '/';
             j++) {
        }
        e[n].name_len = j - e[n].name;
        while (j < m->len && m->buf[j] != '>') {
            j++;
        }
        if (j >= m->len || e[n].name_len == 0 || e[n].name_len > 40) {
            break;
        }
        if (m->buf[j - 1] == '/') {
            e[n].self_closing = 1;
            e[n].end = j + 1;
        } else {
            snprintf(close, sizeof close, "</%.*s>", (int)e[n].name_len, m->buf + e[n].name);
            c = strstr(m->buf + j, close);
            if (c == NULL) {
                break;
            }
            e[n].self_closing = 0;
            e[n].end = (size_t)(c - m->buf) + strlen(close);
        }
        i = e[n].end;
        n++;
    }
    return n;
}

static const char *const XM_OPS[] = {
    "dense", "conv2d", "conv1d", "max_pool2d", "avg_pool2d", "global_avg_pool", "relu",
    "relu6", "leaky_relu", "clip", "sigmoid", "tanh", "softmax", "add", "mul", "concat",
    "reshape", "flatten", "pad", "batch_norm", "transpose"
};

static void xm_layer_op(xm_ctx *m, const xm_el *e)
{
    const char *op = XM_OPS[xm_r(m, sizeof XM_OPS / sizeof XM_OPS[0])];
    size_t nl = e->name_len;
    if (!e->self_closing) { /* the end tag first: offsets before it stay */
        xm_splice(m, e->end - nl - 1, e->end - 1, op, strlen(op));
    }
    xm_splice(m, e->name, e->name + nl, op, strlen(op));
}

/* ---- weights ----------------------------------------------------------------- */

/* A <param>'s text: base64 of as many floats as its shape says. */
static void xm_param_data(xm_ctx *m)
{
    const char *p = m->buf, *q;
    int n = 0, pick, k;
    long count = 1, d;
    char *b64, *s, *endp;
    uint8_t *bytes;
    while ((p = strstr(p, "<param ")) != NULL) {
        n++;
        p++;
    }
    if (n == 0) {
        return;
    }
    pick = (int)xm_r(m, (uint64_t)n);
    p = m->buf;
    for (k = 0; k <= pick; k++) {
        p = strstr(p, "<param ") + 1;
    }
    q = strchr(p, '>');
    s = strstr(p, "shape=\"");
    if (q == NULL || q[-1] == '/' || s == NULL || s > q) {
        return;
    }
    s += 7;
    while (*s != '"') {
        d = strtol(s, &endp, 10);
        if (endp == s || d <= 0 || count > 4096 / d) {
            return;
        }
        count *= d;
        s = endp;
        while (*s == ' ') {
            s++;
        }
    }
    if (xm_r(m, 6) == 0) {
        count += xm_r(m, 2) ? 1 : -1;
    }
    if (count < 0) {
        return;
    }
    bytes = malloc((size_t)count * 4 + 1);
    if (bytes == NULL) {
        abort();
    }
    for (k = 0; k < count; k++) {
        float v = xm_r(m, 16) == 0 ? (xm_r(m, 2) ? 1e30F : 0.0F)
                                   : (float)((double)xm_r(m, 2001) / 1000.0 - 1.0);
        memcpy(bytes + 4 * k, &v, 4);
    }
    b64 = base64_encode(bytes, (size_t)count * 4);
    free(bytes);
    if (b64 == NULL) {
        abort();
    }
    {
        size_t a = (size_t)(q - m->buf) + 1;
        const char *e = strstr(m->buf + a, "</param>");
        if (e != NULL) {
            xm_splice(m, a, (size_t)(e - m->buf), b64, strlen(b64));
        }
    }
    free(b64);
}

/* ---- fuzz_generate's options ------------------------------------------------- */

static void xm_options(xm_ctx *m)
{
    static const char *const opt[] = { "int8", "int16", "float32", "prune=0.5", "prune=0.9",
                                       "prune=1", "channels=0.25", "channels=0.5", "rank=1",
                                       "rank=2", "energy=0.9", "energy=0.5", "l2", "norefit",
                                       "minmax", "percentile", "mse" };
    char c[200];
    const char *p = strstr(m->buf, "<!-- fuzz:"), *e;
    int n = 1 + (int)xm_r(m, 3), k;
    size_t used = (size_t)snprintf(c, sizeof c, "<!-- fuzz:");
    for (k = 0; k < n; k++) {
        used += (size_t)snprintf(c + used, sizeof c - used, " %s",
                                 opt[xm_r(m, sizeof opt / sizeof opt[0])]);
    }
    used += (size_t)snprintf(c + used, sizeof c - used, " -->");
    if (p != NULL && (e = strstr(p, "-->")) != NULL) {
        xm_splice(m, (size_t)(p - m->buf), (size_t)(e - m->buf) + 3, c, used);
    } else if ((p = strstr(m->buf, "<model")) != NULL) {
        xm_splice(m, (size_t)(p - m->buf), (size_t)(p - m->buf), c, used);
    }
}

/* ---- the mutator -------------------------------------------------------------- */

static int xm_with_options; /* fuzz_generate sets it */

static void xm_once(xm_ctx *m)
{
    xm_attr a[XM_MAX_ATTRS];
    xm_el e[XM_MAX_ELS];
    int na = xm_attrs(m, a, XM_MAX_ATTRS), ne = xm_layers(m, e, XM_MAX_ELS);
    switch (xm_r(m, xm_with_options ? 11 : 10)) {
    case 0:
    case 1:
    case 2:
    case 3:
        if (na > 0) {
            xm_attr_value(m, &a[xm_r(m, (uint64_t)na)], a, na);
        }
        break;
    case 4:
        if (na > 0) {
            xm_add_attr(m, &a[xm_r(m, (uint64_t)na)]);
        }
        break;
    case 5: /* duplicate a layer */
        if (ne > 0) {
            const xm_el *s = &e[xm_r(m, (uint64_t)ne)], *at = &e[xm_r(m, (uint64_t)ne)];
            size_t n = s->end - s->start;
            char *copy = malloc(n + 1);
            if (copy == NULL) {
                abort();
            }
            memcpy(copy, m->buf + s->start, n);
            xm_splice(m, at->start, at->start, copy, n);
            free(copy);
        }
        break;
    case 6: /* delete a layer */
        if (ne > 1) {
            const xm_el *s = &e[xm_r(m, (uint64_t)ne)];
            xm_splice(m, s->start, s->end, "", 0);
        }
        break;
    case 7: /* move a layer to the front or back of another */
        if (ne > 1) {
            size_t i = xm_r(m, (uint64_t)ne), j = xm_r(m, (uint64_t)ne);
            size_t n = e[i].end - e[i].start, at = xm_r(m, 2) ? e[j].start : e[j].end;
            char *copy = malloc(n + 1);
            if (copy == NULL || i == j) {
                free(copy);
                break;
            }
            memcpy(copy, m->buf + e[i].start, n);
            if (at > e[i].start) {
                xm_splice(m, at, at, copy, n);
                xm_splice(m, e[i].start, e[i].end, "", 0);
            } else {
                xm_splice(m, e[i].start, e[i].end, "", 0);
                xm_splice(m, at, at, copy, n);
            }
            free(copy);
        }
        break;
    case 8:
        if (ne > 0) {
            xm_layer_op(m, &e[xm_r(m, (uint64_t)ne)]);
        }
        break;
    case 9:
        xm_param_data(m);
        break;
    default:
        xm_options(m);
        break;
    }
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
    xm_ctx m;
    int k, rounds;
    size_t n;
    m.s = (uint64_t)seed * 0x9e3779b97f4a7c15ULL + 3;
    if (xm_r(&m, 6) == 0 || size == 0 || memchr(data, '\0', size) != NULL) {
        return LLVMFuzzerMutate(data, size, max_size);
    }
    m.buf = malloc(size + 1);
    if (m.buf == NULL) {
        abort();
    }
    memcpy(m.buf, data, size);
    m.buf[size] = '\0';
    m.len = size;
    rounds = 1 + (int)xm_r(&m, 3);
    for (k = 0; k < rounds; k++) {
        xm_once(&m);
    }
    if (m.len > max_size || (m.len == size && memcmp(m.buf, data, size) == 0)) {
        free(m.buf);
        return LLVMFuzzerMutate(data, size, max_size);
    }
    n = m.len;
    memcpy(data, m.buf, n);
    free(m.buf);
    return n;
}

#endif

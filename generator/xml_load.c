/* realpath */
#define _XOPEN_SOURCE 700
#include "xml_load.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/tree.h>

#include "base64.h"
#include "ckd.h"
#include "fileio.h"
#include "sha256.h"
#include "xml_safe.h"

#define NS "urn:stoic:model:1"

typedef struct {
    char *path;      /* resolved path */
    uint8_t *data;
    size_t len;
    char sha256[65];
    int failed;      /* could not be read: reported once */
} ext_file;

typedef struct {
    const xmlNode *root; /* of the document */
    const char *path; /* model path as given */
    diag *d;
    ir_graph *g;
    ext_file *ext;
    int n_ext;
    int oom;
} loader;

/* ---- small helpers --------------------------------------------------- */

static long line_of(const xmlNode *n)
{
    return xml_safe_line(n);
}

/* Attribute value (malloc'd) or NULL. */
static char *attr(const xmlNode *n, const char *name)
{
    xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
    char *s = NULL;
    if (v != NULL) {
        s = ir_strdup((const char *)v);
        xmlFree(v);
    }
    return s;
}

static int is_el(const xmlNode *n, const char *name)
{
    return xml_safe_is_el(n, NS, name);
}

/* Splits a whitespace-separated list of integers; returns the count or -1. */
static int parse_ints(const char *s, long *v, int max)
{
    int n = 0;
    const char *p = s;
    while (*p != '\0') {
        char *end;
        long x;
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') {
            p++;
        }
        if (*p == '\0') {
            break;
        }
        errno = 0;
        x = strtol(p, &end, 10);
        if (end == p || errno != 0 || n >= max) {
            return -1;
        }
        v[n++] = x;
        p = end;
    }
    return n;
}

/* Integer attribute with a default; the schema has checked the syntax. */
static int attr_ints(loader *L, const xmlNode *n, const char *name, long *v, int count,
                     const long *dflt)
{
    char *s = attr(n, name);
    int k, rc = 0;
    if (s == NULL) {
        for (k = 0; k < count; k++) {
            v[k] = dflt[k];
        }
        return 0;
    }
    if (parse_ints(s, v, count) != count) {
        diag_error(L->d, L->path, line_of(n), "attribute '%s': expected %d integer(s), got '%s'",
                   name, count, s);
        rc = -1;
    }
    free(s);
    return rc;
}

static int attr_float(loader *L, const xmlNode *n, const char *name, float *v, float dflt)
{
    char *s = attr(n, name);
    int rc = 0;
    if (s == NULL) {
        *v = dflt;
        return 0;
    }
    {
        char *end;
        double x = strtod(s, &end);
        while (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r') {
            end++;
        }
        if (end == s || *end != '\0' || isnan(x)) {
            diag_error(L->d, L->path, line_of(n), "attribute '%s': '%s' is not a number", name, s);
            rc = -1;
        } else if (isinf(x)) {
            *v = x > 0 ? STOIC_FLT_MAX : -STOIC_FLT_MAX;
        } else if (fabs(x) > (double)STOIC_FLT_MAX) {
            diag_error(L->d, L->path, line_of(n), "attribute '%s': %s is out of float range",
                       name, s);
            rc = -1;
        } else {
            *v = (float)x;
        }
    }
    free(s);
    return rc;
}

static int attr_bool(const xmlNode *n, const char *name, int dflt)
{
    char *s = attr(n, name);
    int v = dflt;
    if (s != NULL) {
        v = (strcmp(s, "true") == 0 || strcmp(s, "1") == 0) ? 1 : 0;
        free(s);
    }
    return v;
}

static int to_i32(loader *L, const xmlNode *n, const char *what, long x, int32_t *out)
{
    if (x < -2147483647L || x > 2147483647L) {
        diag_error(L->d, L->path, line_of(n), "%s: %ld is out of range", what, x);
        return -1;
    }
    *out = (int32_t)x;
    return 0;
}

static int parse_shape(loader *L, const xmlNode *n, ir_shape *s)
{
    long v[IR_MAX_RANK + 1];
    char *txt = attr(n, "shape");
    int k, r;
    if (txt == NULL) {
        diag_error(L->d, L->path, line_of(n), "missing attribute 'shape'");
        return -1;
    }
    r = parse_ints(txt, v, IR_MAX_RANK + 1);
    free(txt);
    if (r < 1 || r > IR_MAX_RANK) {
        diag_error(L->d, L->path, line_of(n), "shape must have 1 to %d dimensions", IR_MAX_RANK);
        return -1;
    }
    s->rank = r;
    for (k = 0; k < r; k++) {
        if (v[k] < 1 || v[k] > 16777216L) {
            diag_error(L->d, L->path, line_of(n), "shape dimension %ld is out of range", v[k]);
            return -1;
        }
        s->d[k] = (int32_t)v[k];
    }
    if (ir_shape_count(s) > IR_MAX_ELEMS) {
        diag_error(L->d, L->path, line_of(n), "shape has more than %ld elements", IR_MAX_ELEMS);
        return -1;
    }
    return 0;
}

/* ---- weights ---------------------------------------------------------- */

static char *weights_root; /* realpath of --weights-root, or NULL */

int xml_load_set_weights_root(const char *dir)
{
    char *r = dir != NULL ? realpath(dir, NULL) : NULL;
    struct stat st;
    if (dir != NULL && (r == NULL || stat(r, &st) != 0 || !S_ISDIR(st.st_mode))) {
        free(r);
        return -1;
    }
    free(weights_root);
    weights_root = r;
    return 0;
}

/* The directory weight files must be in: --weights-root, or the model's
 * own directory; canonical (realpath), malloc'd. */
static char *root_dir(const char *model_path)
{
    const char *slash = strrchr(model_path, '/');
    char *dir, *r;
    if (weights_root != NULL) {
        return ir_strdup(weights_root);
    }
    if (slash == NULL) {
        return realpath(".", NULL);
    }
    dir = malloc((size_t)(slash - model_path) + 2);
    if (dir == NULL) {
        return NULL;
    }
    memcpy(dir, model_path, (size_t)(slash - model_path) + 1);
    dir[(slash - model_path) + 1] = '\0';
    r = realpath(dir, NULL);
    free(dir);
    return r;
}

/* src relative to the model's directory (or absolute), as given. */
static char *join_path(const char *model_path, const char *src)
{
    const char *slash = strrchr(model_path, '/');
    size_t dir_len = slash != NULL ? (size_t)(slash - model_path) + 1 : 0;
    char *p;
    if (src[0] == '/' || dir_len == 0) {
        return ir_strdup(src);
    }
    p = malloc(dir_len + strlen(src) + 1);
    if (p != NULL) {
        memcpy(p, model_path, dir_len);
        strcpy(p + dir_len, src);
    }
    return p;
}

/* The largest end (offset + 4 * count) of any element of the document
 * whose src resolves to the file real: how much of it the model can use.
 * -1 when no such element has a usable offset and count (each reports its
 * own error). Recursive over the element tree, whose depth the safe
 * parser caps (xml_safe.c). */
static int64_t needed_bytes(const loader *L, const xmlNode *n, const char *real)
{
    int64_t best = -1;
    for (; n != NULL; n = n->next) {
        if (n->type == XML_ELEMENT_NODE) {
            char *s = attr(n, "src");
            char *j = s != NULL ? join_path(L->path, s) : NULL;
            char *r = j != NULL ? realpath(j, NULL) : NULL;
            if (r != NULL && strcmp(r, real) == 0) {
                char *o = attr(n, "offset"), *c = attr(n, "count"), *e1 = NULL, *e2 = NULL;
                long long off, cnt;
                int64_t end;
                errno = 0;
                off = o != NULL ? strtoll(o, &e1, 10) : -1;
                cnt = c != NULL ? strtoll(c, &e2, 10) : -1;
                if (errno == 0 && off >= 0 && cnt >= 0 && *e1 == '\0' && *e2 == '\0' &&
                    !ckd_mul_i64(&end, cnt, 4) && !ckd_add_i64(&end, end, off) && end > best) {
                    best = end;
                }
                free(o);
                free(c);
            }
            free(s);
            free(j);
            free(r);
            {
                int64_t sub = needed_bytes(L, n->children, real);
                best = sub > best ? sub : best;
            }
        }
    }
    return best;
}

/* Opens a weight file: inside the allowed directory tree (after resolving
 * every symbolic link and "..": a src cannot reach any other file on the
 * machine), a regular file (not a FIFO, a device or /dev/stdin, which
 * could block or never end), and no longer than the model's parameters
 * need. Its bytes are then read and hashed. Reports and returns NULL. */
static ext_file *get_ext(loader *L, const xmlNode *n, const char *src)
{
    char *path = join_path(L->path, src), *real = NULL, *root = NULL;
    ext_file *e;
    int i, rc = -1, fd = -1;
    char *buf = NULL;
    size_t len = 0, rl;
    struct stat st;
    int64_t need;
    if (path == NULL) {
        L->oom = 1;
        return NULL;
    }
    for (i = 0; i < L->n_ext; i++) {
        if (strcmp(L->ext[i].path, path) == 0) {
            free(path);
            return L->ext[i].failed ? NULL : &L->ext[i];
        }
    }
    e = realloc(L->ext, (size_t)(L->n_ext + 1) * sizeof *e);
    if (e == NULL) {
        free(path);
        L->oom = 1;
        return NULL;
    }
    L->ext = e;
    e = &L->ext[L->n_ext++];
    memset(e, 0, sizeof *e);
    e->path = path;
    e->failed = 1;
    root = root_dir(L->path);
    real = realpath(path, NULL);
    rl = root != NULL ? strlen(root) : 0;
    need = real != NULL ? needed_bytes(L, L->root, real) : -1;
    if (root == NULL || real == NULL) {
        diag_error(L->d, L->path, line_of(n), "weight file '%s' cannot be read: %s", src,
                   strerror(errno));
    } else if (strncmp(real, root, rl) != 0 || (real[rl] != '/' && rl != 1)) {
        diag_error(L->d, L->path, line_of(n),
                   "weight file '%s' is outside %s, the directory tree weight files must be in "
                   "(the model's directory; --weights-root DIR names another)", src, root);
    } else if ((fd = open(real, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
               fstat(fd, &st) != 0) {
        diag_error(L->d, L->path, line_of(n), "weight file '%s' cannot be read: %s", src,
                   strerror(errno));
    } else if (!S_ISREG(st.st_mode)) {
        diag_error(L->d, L->path, line_of(n), "weight file '%s' is not a regular file", src);
    } else if (need >= 0 && (uintmax_t)st.st_size > (uintmax_t)need) {
        diag_error(L->d, L->path, line_of(n),
                   "weight file '%s' has %lld bytes, more than the %lld the model's parameters "
                   "use", src, (long long)st.st_size, (long long)need);
    } else {
        rc = fileio_read_fd(fd, (size_t)XML_LOAD_MAX_WEIGHT_FILE, &buf, &len);
        if (rc == -1) {
            diag_error(L->d, L->path, line_of(n), "weight file '%s' cannot be read: %s", src,
                       strerror(errno));
        } else if (rc == -2) {
            diag_error(L->d, L->path, line_of(n), "weight file '%s' is larger than %ld bytes",
                       src, XML_LOAD_MAX_WEIGHT_FILE);
        }
    }
    if (fd >= 0) {
        close(fd);
    }
    free(root);
    free(real);
    if (rc != 0) {
        return NULL;
    }
    e->failed = 0;
    e->data = (uint8_t *)buf;
    e->len = len;
    sha256_hex(buf, len, e->sha256);
    return e;
}

static float *bytes_to_floats(const uint8_t *b, int64_t count)
{
    float *v = malloc((size_t)(count > 0 ? count : 1) * sizeof(float));
    int64_t i;
    if (v == NULL) {
        return NULL;
    }
    for (i = 0; i < count; i++) {
        uint32_t u = (uint32_t)b[4 * i] | ((uint32_t)b[4 * i + 1] << 8) |
                     ((uint32_t)b[4 * i + 2] << 16) | ((uint32_t)b[4 * i + 3] << 24);
        memcpy(&v[i], &u, sizeof u);
    }
    return v;
}

/* Decodes the data of a <param> or <constant>; returns count floats or NULL. */
static float *load_data(loader *L, const xmlNode *n, const char *what, const ir_shape *s)
{
    int64_t count = ir_shape_count(s);
    char *enc = attr(n, "encoding");
    char *src = attr(n, "src");
    float *v = NULL;
    long line = line_of(n);
    if (enc != NULL && src != NULL) {
        diag_error(L->d, L->path, line, "%s: give either inline data (encoding) or src, not both",
                   what);
    } else if (enc != NULL) {
        xmlChar *txt = xmlNodeGetContent(n);
        uint8_t *bytes = NULL;
        size_t nbytes = 0, off = 0;
        const char *t = txt != NULL ? (const char *)txt : "";
        if (base64_decode(t, strlen(t), &bytes, &nbytes, &off) != 0) {
            diag_error(L->d, L->path, line, "%s: invalid base64 data at character %lu", what,
                       (unsigned long)off);
        } else if ((int64_t)nbytes != count * 4) {
            diag_error(L->d, L->path, line,
                       "%s: %lu bytes of inline data, but shape needs %lld float32 values (%lld bytes)",
                       what, (unsigned long)nbytes, (long long)count, (long long)(count * 4));
        } else {
            v = bytes_to_floats(bytes, count);
            if (v == NULL) {
                L->oom = 1;
            }
        }
        free(bytes);
        xmlFree(txt);
    } else if (src != NULL) {
        char *off_s = attr(n, "offset"), *cnt_s = attr(n, "count"), *sha = attr(n, "sha256");
        if (off_s == NULL || cnt_s == NULL || sha == NULL) {
            diag_error(L->d, L->path, line,
                       "%s: external data needs the attributes offset, count and sha256", what);
        } else {
            char *end1 = NULL, *end2 = NULL;
            long long off, cnt;
            int64_t last = -1;
            ext_file *e;
            errno = 0;
            off = strtoll(off_s, &end1, 10);
            cnt = strtoll(cnt_s, &end2, 10);
            if (errno != 0 || *end1 != '\0' || *end2 != '\0' || off < 0 ||
                ckd_mul_i64(&last, cnt, 4) || ckd_add_i64(&last, last, off)) {
                last = -1; /* reported as too short below */
            }
            if (cnt != count) {
                diag_error(L->d, L->path, line,
                           "%s: count=\"%s\" does not match shape (%lld elements)", what, cnt_s,
                           (long long)count);
            } else if ((e = get_ext(L, n, src)) != NULL) {
                if (strcmp(e->sha256, sha) != 0) {
                    /* the file's own hash is not printed: it would tell
                     * the hash of any file a src can name */
                    diag_error(L->d, L->path, line,
                               "%s: weight file '%s' does not match the sha256 the model gives",
                               what, src);
                } else if (last < 0) {
                    diag_error(L->d, L->path, line,
                               "%s: weight file '%s' is too short: offset %s is out of range "
                               "(has %lu bytes)", what, src, off_s, (unsigned long)e->len);
                } else if ((uint64_t)last > (uint64_t)e->len) {
                    diag_error(L->d, L->path, line,
                               "%s: weight file '%s' is too short: needs bytes %lld..%lld, has %lu",
                               what, src, off, (long long)last, (unsigned long)e->len);
                } else {
                    v = bytes_to_floats(e->data + off, count);
                    if (v == NULL) {
                        L->oom = 1;
                    }
                }
            }
        }
        free(off_s);
        free(cnt_s);
        free(sha);
    } else {
        diag_error(L->d, L->path, line,
                   "%s: no data: give base64 text with encoding=\"base64\", or src, offset, count and sha256",
                   what);
    }
    if (v != NULL) {
        int64_t i;
        for (i = 0; i < count; i++) {
            if (!isfinite(v[i])) {
                diag_error(L->d, L->path, line, "%s: value %lld is not finite (%g)", what,
                           (long long)i, (double)v[i]);
                free(v);
                v = NULL;
                break;
            }
        }
    }
    free(enc);
    free(src);
    return v;
}

/* A const tensor from a <param> or <constant> element. */
static int load_const(loader *L, const xmlNode *n, const char *tname, const char *what)
{
    ir_shape s;
    float *v;
    int ti;
    if (parse_shape(L, n, &s) != 0) {
        return -1;
    }
    v = load_data(L, n, what, &s);
    if (v == NULL) {
        return -1;
    }
    ti = ir_add_tensor(L->g, tname, IR_T_CONST, line_of(n));
    if (ti < 0) {
        free(v);
        L->oom = 1;
        return -1;
    }
    L->g->t[ti].shape = s;
    L->g->t[ti].data = v;
    return ti;
}

/* One of the names (an enumeration of the schema), its index; dflt when
 * the attribute is absent, -1 (with an error) when it is none of them. */
static int attr_enum(loader *L, const xmlNode *el, const char *name, const char *const *names,
                     int n, int dflt)
{
    char *s = attr(el, name);
    int k, r = dflt;
    if (s != NULL) {
        r = -1;
        for (k = 0; k < n; k++) {
            if (strcmp(s, names[k]) == 0) {
                r = k;
            }
        }
        if (r < 0) {
            diag_error(L->d, L->path, line_of(el), "resize: %s: unknown value", name);
        }
        free(s);
    }
    return r;
}

/* resize: mode, size, scales, coordinate mapping (IR_RS_*) */
static int load_resize(loader *L, const xmlNode *el, ir_node *nd)
{
    static const char *const modes[3] = { "nearest", "linear", "cubic" };
    static const char *const ctms[5] = { "half_pixel", "pytorch_half_pixel", "align_corners",
                                         "asymmetric", "tf_half_pixel_for_nn" };
    static const char *const nms[4] = { "round_prefer_floor", "round_prefer_ceil", "floor",
                                        "ceil" };
    long v[3];
    char *s = attr(el, "size");
    int r = s != NULL ? parse_ints(s, v, 2) : -1, k, rc = 0;
    float a;
    free(s);
    if (r < 1) {
        diag_error(L->d, L->path, line_of(el), "resize: size needs one or two output sizes");
        return -1;
    }
    nd->rs_n = r;
    for (k = 0; k < r; k++) {
        if (v[k] < 1 || v[k] > 16777216L) {
            diag_error(L->d, L->path, line_of(el), "resize: size %ld is out of range", v[k]);
            return -1;
        }
        nd->rs_size[k] = (int32_t)v[k];
        nd->rs_scale[k] = 0.0;
    }
    s = attr(el, "scales");
    if (s != NULL) {
        const char *p = s;
        int m = 0;
        while (*p != '\0' && rc == 0) {
            char *end;
            double x;
            while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') {
                p++;
            }
            if (*p == '\0') {
                break;
            }
            x = strtod(p, &end);
            if (end == p || m >= r || !(x > 0.0) || x > 16777216.0) {
                rc = -1;
                break;
            }
            nd->rs_scale[m++] = (double)(float)x; /* ONNX scales are float32 */
            p = end;
        }
        if (rc != 0 || m != r) {
            diag_error(L->d, L->path, line_of(el),
                       "resize: scales needs one positive number per output size (%d)", r);
            rc = -1;
        }
        free(s);
    }
    nd->rs_mode = attr_enum(L, el, "mode", modes, 3, IR_RS_NEAREST);
    nd->rs_ctm = attr_enum(L, el, "coordinate_transformation_mode", ctms, 5, IR_RS_HALF_PIXEL);
    nd->rs_nearest = attr_enum(L, el, "nearest_mode", nms, 4, IR_RS_ROUND_PREFER_FLOOR);
    rc |= attr_float(L, el, "cubic_coeff_a", &a, -0.75F);
    nd->rs_cubic_a = (double)a;
    nd->rs_exclude = attr_bool(el, "exclude_outside", 0);
    if (nd->rs_mode < 0 || nd->rs_ctm < 0 || nd->rs_nearest < 0) {
        rc = -1;
    }
    return rc;
}

/* ---- layers ----------------------------------------------------------- */

typedef struct {
    const char *element;
    ir_op op;
    const char *params[IR_MAX_PARAMS]; /* roles, in params[] order */
    int n_required;                    /* the first n are required */
} op_desc;

static const op_desc ops[] = {
    { "dense", IR_OP_DENSE, { "weight", "bias", NULL, NULL }, 1 },
    { "conv2d", IR_OP_CONV2D, { "weight", "bias", NULL, NULL }, 1 },
    { "conv1d", IR_OP_CONV1D, { "weight", "bias", NULL, NULL }, 1 },
    { "max_pool2d", IR_OP_MAXPOOL2D, { NULL, NULL, NULL, NULL }, 0 },
    { "avg_pool2d", IR_OP_AVGPOOL2D, { NULL, NULL, NULL, NULL }, 0 },
    { "global_avg_pool", IR_OP_GAVGPOOL, { NULL, NULL, NULL, NULL }, 0 },
    { "relu", IR_OP_ACTIVATION, { NULL, NULL, NULL, NULL }, 0 },
    { "relu6", IR_OP_ACTIVATION, { NULL, NULL, NULL, NULL }, 0 },
    { "leaky_relu", IR_OP_ACTIVATION, { NULL, NULL, NULL, NULL }, 0 },
    { "clip", IR_OP_ACTIVATION, { NULL, NULL, NULL, NULL }, 0 },
    { "sigmoid", IR_OP_ACTIVATION, { NULL, NULL, NULL, NULL }, 0 },
    { "tanh", IR_OP_ACTIVATION, { NULL, NULL, NULL, NULL }, 0 },
    { "hard_sigmoid", IR_OP_ACTIVATION, { NULL, NULL, NULL, NULL }, 0 },
    { "hard_swish", IR_OP_ACTIVATION, { NULL, NULL, NULL, NULL }, 0 },
    { "softmax", IR_OP_SOFTMAX, { NULL, NULL, NULL, NULL }, 0 },
    { "add", IR_OP_ADD, { NULL, NULL, NULL, NULL }, 0 },
    { "mul", IR_OP_MUL, { NULL, NULL, NULL, NULL }, 0 },
    { "concat", IR_OP_CONCAT, { NULL, NULL, NULL, NULL }, 0 },
    { "reshape", IR_OP_RESHAPE, { NULL, NULL, NULL, NULL }, 0 },
    { "flatten", IR_OP_RESHAPE, { NULL, NULL, NULL, NULL }, 0 },
    { "pad", IR_OP_PAD, { NULL, NULL, NULL, NULL }, 0 },
    { "slice", IR_OP_PAD, { NULL, NULL, NULL, NULL }, 0 },
    { "batch_norm", IR_OP_BATCHNORM, { "scale", "bias", "mean", "var" }, 4 },
    { "transpose", IR_OP_TRANSPOSE, { NULL, NULL, NULL, NULL }, 0 },
    { "conv_transpose2d", IR_OP_CONVT2D, { "weight", "bias", NULL, NULL }, 1 },
    { "conv_transpose1d", IR_OP_CONVT1D, { "weight", "bias", NULL, NULL }, 1 },
    { "resize", IR_OP_RESIZE, { NULL, NULL, NULL, NULL }, 0 },
    { "lstm", IR_OP_LSTM, { "weight", "recurrence", "bias", "initial_state" }, 2 },
    { "gru", IR_OP_GRU, { "weight", "recurrence", "bias", "initial_state" }, 2 },
};

/* Sets an activation by name ("relu", ...), reading alpha/min/max from el. */
static int set_activation(loader *L, const xmlNode *el, ir_node *nd, const char *kind)
{
    stoic_act_f32 *a = &nd->act;
    int rc = 0;
    /* attribute, the activations it applies to */
    static const char *const only[4][3] = { { "alpha", "leaky_relu", "hard_sigmoid" },
                                            { "beta", "hard_sigmoid", "hard_sigmoid" },
                                            { "min", "clip", "clip" },
                                            { "max", "clip", "clip" } };
    int k;
    for (k = 0; k < 4; k++) {
        xmlChar *v = xmlGetProp(el, (const xmlChar *)only[k][0]);
        if (v != NULL && strcmp(kind, only[k][1]) != 0 && strcmp(kind, only[k][2]) != 0) {
            if (strcmp(only[k][1], only[k][2]) != 0) {
                diag_error(L->d, L->path, line_of(el),
                           "attribute '%s' applies only to the %s and %s activations, not '%s'",
                           only[k][0], only[k][1], only[k][2], kind);
            } else {
                diag_error(L->d, L->path, line_of(el),
                           "attribute '%s' applies only to the %s activation, not '%s'",
                           only[k][0], only[k][1], kind);
            }
            rc = -1;
        }
        xmlFree(v);
    }
    if (rc != 0 || strcmp(kind, "none") == 0) {
        return rc;
    }
    if (strcmp(kind, "relu") == 0) {
        a->kind = STOIC_ACT_CLAMP;
        a->lo = 0.0F;
    } else if (strcmp(kind, "relu6") == 0) {
        a->kind = STOIC_ACT_CLAMP;
        a->lo = 0.0F;
        a->hi = 6.0F;
    } else if (strcmp(kind, "clip") == 0) {
        a->kind = STOIC_ACT_CLAMP;
        rc |= attr_float(L, el, "min", &a->lo, -STOIC_FLT_MAX);
        rc |= attr_float(L, el, "max", &a->hi, STOIC_FLT_MAX);
        if (rc == 0 && a->lo > a->hi) {
            diag_error(L->d, L->path, line_of(el), "clip: min (%g) is greater than max (%g)",
                       (double)a->lo, (double)a->hi);
            rc = -1;
        }
    } else if (strcmp(kind, "leaky_relu") == 0) {
        a->kind = STOIC_ACT_LEAKY;
        rc |= attr_float(L, el, "alpha", &a->alpha, 0.01F);
    } else if (strcmp(kind, "sigmoid") == 0) {
        a->kind = STOIC_ACT_SIGMOID;
    } else if (strcmp(kind, "tanh") == 0) {
        a->kind = STOIC_ACT_TANH;
    } else if (strcmp(kind, "hard_sigmoid") == 0) {
        /* ONNX HardSigmoid's defaults */
        a->kind = STOIC_ACT_HARD_SIGMOID;
        rc |= attr_float(L, el, "alpha", &a->alpha, 0.2F);
        rc |= attr_float(L, el, "beta", &a->beta, 0.5F);
    } else if (strcmp(kind, "hard_swish") == 0) {
        /* ONNX HardSwish: x * HardSigmoid(x) with alpha 1/6, beta 0.5 */
        a->kind = STOIC_ACT_HARD_SWISH;
        a->alpha = 1.0F / 6.0F;
        a->beta = 0.5F;
    } else {
        diag_error(L->d, L->path, line_of(el), "unknown activation '%s'", kind);
        return -1;
    }
    nd->act_name = ir_strdup(kind);
    if (nd->act_name == NULL) {
        L->oom = 1;
        rc = -1;
    }
    return rc;
}

static int pair_attr(loader *L, const xmlNode *el, const char *name, int32_t v[2],
                     long d0, long d1)
{
    long dflt[2], x[2];
    dflt[0] = d0;
    dflt[1] = d1;
    if (attr_ints(L, el, name, x, 2, dflt) != 0) {
        return -1;
    }
    if (to_i32(L, el, name, x[0], &v[0]) != 0 || to_i32(L, el, name, x[1], &v[1]) != 0) {
        return -1;
    }
    return 0;
}

static int padding_attr(loader *L, const xmlNode *el, ir_node *nd, int one_d)
{
    char *p = attr(el, "padding");
    char *pads = attr(el, "pads");
    int rc = 0;
    nd->padding = IR_PAD_VALID;
    if (p != NULL && strcmp(p, "same") == 0) {
        nd->padding = IR_PAD_SAME;
    } else if (p != NULL && strcmp(p, "explicit") == 0) {
        nd->padding = IR_PAD_EXPLICIT;
    }
    if (nd->padding == IR_PAD_EXPLICIT) {
        long v[4];
        int want = one_d ? 2 : 4, k;
        if (pads == NULL || parse_ints(pads, v, 4) != want) {
            diag_error(L->d, L->path, line_of(el),
                       "padding=\"explicit\" needs pads with %d values", want);
            rc = -1;
        } else if (one_d) {
            nd->pads[0] = 0;
            nd->pads[1] = (int32_t)v[0];
            nd->pads[2] = 0;
            nd->pads[3] = (int32_t)v[1];
        } else {
            for (k = 0; k < 4; k++) {
                nd->pads[k] = (int32_t)v[k];
            }
        }
    } else if (pads != NULL) {
        diag_error(L->d, L->path, line_of(el), "pads is only allowed with padding=\"explicit\"");
        rc = -1;
    }
    free(p);
    free(pads);
    return rc;
}

static int layer_attrs(loader *L, const xmlNode *el, ir_node *nd)
{
    int rc = 0;
    long v[2 * IR_MAX_RANK];
    long one = 1;
    char *s;
    switch (nd->op) {
    case IR_OP_DENSE:
        rc |= attr_ints(L, el, "units", v, 1, &one);
        rc |= to_i32(L, el, "units", v[0], &nd->units);
        break;
    case IR_OP_CONV2D:
        rc |= attr_ints(L, el, "filters", v, 1, &one);
        rc |= to_i32(L, el, "filters", v[0], &nd->filters);
        rc |= pair_attr(L, el, "kernel", nd->kernel, 1, 1);
        rc |= pair_attr(L, el, "strides", nd->strides, 1, 1);
        rc |= pair_attr(L, el, "dilations", nd->dilations, 1, 1);
        rc |= attr_ints(L, el, "groups", v, 1, &one);
        rc |= to_i32(L, el, "groups", v[0], &nd->groups);
        rc |= padding_attr(L, el, nd, 0);
        break;
    case IR_OP_CONV1D:
        rc |= attr_ints(L, el, "filters", v, 1, &one);
        rc |= to_i32(L, el, "filters", v[0], &nd->filters);
        nd->kernel[0] = nd->strides[0] = nd->dilations[0] = 1;
        rc |= attr_ints(L, el, "kernel", v, 1, &one);
        rc |= to_i32(L, el, "kernel", v[0], &nd->kernel[1]);
        rc |= attr_ints(L, el, "stride", v, 1, &one);
        rc |= to_i32(L, el, "stride", v[0], &nd->strides[1]);
        rc |= attr_ints(L, el, "dilation", v, 1, &one);
        rc |= to_i32(L, el, "dilation", v[0], &nd->dilations[1]);
        rc |= attr_ints(L, el, "groups", v, 1, &one);
        rc |= to_i32(L, el, "groups", v[0], &nd->groups);
        rc |= padding_attr(L, el, nd, 1);
        break;
    case IR_OP_MAXPOOL2D:
    case IR_OP_AVGPOOL2D:
        rc |= pair_attr(L, el, "kernel", nd->kernel, 1, 1);
        s = attr(el, "strides");
        if (s == NULL) {
            diag_error(L->d, L->path, line_of(el), "%s: missing attribute 'strides'", nd->xml_op);
            rc = -1;
        }
        free(s);
        rc |= pair_attr(L, el, "strides", nd->strides, 1, 1);
        rc |= pair_attr(L, el, "dilations", nd->dilations, 1, 1);
        rc |= padding_attr(L, el, nd, 0);
        nd->count_include_pad = attr_bool(el, "count_include_pad", 0);
        break;
    case IR_OP_ACTIVATION:
        rc |= set_activation(L, el, nd, nd->xml_op);
        break;
    case IR_OP_SOFTMAX:
    case IR_OP_CONCAT: {
        long dflt = -1;
        rc |= attr_ints(L, el, "axis", v, 1, &dflt);
        nd->axis = (int)v[0];
        break;
    }
    case IR_OP_RESHAPE:
        if (strcmp(nd->xml_op, "flatten") == 0) {
            nd->new_rank = 1;
            nd->new_shape[0] = -1;
        } else {
            int k, r, neg = 0;
            s = attr(el, "shape");
            r = s != NULL ? parse_ints(s, v, IR_MAX_RANK) : -1;
            free(s);
            if (r < 1) {
                diag_error(L->d, L->path, line_of(el), "reshape: shape needs 1 to %d values",
                           IR_MAX_RANK);
                rc = -1;
                break;
            }
            nd->new_rank = r;
            for (k = 0; k < r; k++) {
                if (v[k] == 0 || v[k] < -1) {
                    diag_error(L->d, L->path, line_of(el),
                               "reshape: dimension %ld is not allowed (positive, or one -1)", v[k]);
                    rc = -1;
                }
                neg += v[k] == -1;
                nd->new_shape[k] = (int32_t)v[k];
            }
            if (neg > 1) {
                diag_error(L->d, L->path, line_of(el), "reshape: at most one dimension may be -1");
                rc = -1;
            }
        }
        break;
    case IR_OP_PAD: {
        int k, r;
        if (strcmp(nd->xml_op, "slice") == 0) {
            /* starts and ends per axis, step 1: a pad with negative pads */
            long e[IR_MAX_RANK];
            char *se = attr(el, "ends");
            s = attr(el, "starts");
            r = s != NULL ? parse_ints(s, v, IR_MAX_RANK) : -1;
            k = se != NULL ? parse_ints(se, e, IR_MAX_RANK) : -1;
            free(s);
            free(se);
            if (r < 1 || k != r) {
                diag_error(L->d, L->path, line_of(el),
                           "slice: starts and ends need one value per axis (1 to %d), as many "
                           "of each", IR_MAX_RANK);
                rc = -1;
                break;
            }
            nd->is_slice = 1;
            nd->n_slice = r;
            for (k = 0; k < r; k++) {
                if (v[k] < 0 || e[k] <= v[k] || e[k] > 16777216L) {
                    diag_error(L->d, L->path, line_of(el),
                               "slice: axis %d: start %ld and end %ld do not give a range "
                               "0 <= start < end", k, v[k], e[k]);
                    rc = -1;
                    break;
                }
                nd->slice_lo[k] = (int32_t)v[k];
                nd->slice_hi[k] = (int32_t)e[k];
                nd->slice_step[k] = 1;
            }
            /* steps: every step-th value of the range, from its start up,
             * or (negative) from its last value down */
            se = attr(el, "steps");
            if (rc == 0 && se != NULL) {
                k = parse_ints(se, e, IR_MAX_RANK);
                if (k != r) {
                    diag_error(L->d, L->path, line_of(el),
                               "slice: steps needs one value per axis, as many as starts (%d)",
                               r);
                    rc = -1;
                }
                for (k = 0; rc == 0 && k < r; k++) {
                    if (e[k] == 0 || e[k] < -16777216L || e[k] > 16777216L) {
                        diag_error(L->d, L->path, line_of(el),
                                   "slice: axis %d: step %ld (nonzero, at most 16777216 in "
                                   "magnitude)", k, e[k]);
                        rc = -1;
                    } else {
                        nd->slice_step[k] = (int32_t)e[k];
                    }
                }
            }
            free(se);
            break;
        }
        s = attr(el, "pads");
        r = s != NULL ? parse_ints(s, v, 2 * IR_MAX_RANK) : -1;
        free(s);
        if (r < 2 || (r % 2) != 0) {
            diag_error(L->d, L->path, line_of(el), "pad: pads needs an even number of values");
            rc = -1;
            break;
        }
        nd->n_padn = r;
        for (k = 0; k < r; k++) {
            nd->padn[k] = (int32_t)v[k];
        }
        rc |= attr_float(L, el, "value", &nd->value, 0.0F);
        break;
    }
    case IR_OP_TRANSPOSE: {
        int k, r;
        s = attr(el, "perm");
        r = s != NULL ? parse_ints(s, v, IR_MAX_RANK) : -1;
        free(s);
        if (r < 1) {
            diag_error(L->d, L->path, line_of(el), "transpose: perm needs 1 to %d axes",
                       IR_MAX_RANK);
            rc = -1;
            break;
        }
        nd->n_perm = r;
        for (k = 0; k < r; k++) {
            nd->perm[k] = (int)v[k];
        }
        break;
    }
    case IR_OP_CONVT2D: {
        /* pads top left bottom right; output_padding h w */
        static const long zeros[4] = { 0, 0, 0, 0 };
        int k;
        rc |= attr_ints(L, el, "filters", v, 1, &one);
        rc |= to_i32(L, el, "filters", v[0], &nd->filters);
        rc |= pair_attr(L, el, "kernel", nd->kernel, 1, 1);
        rc |= pair_attr(L, el, "strides", nd->strides, 1, 1);
        rc |= pair_attr(L, el, "dilations", nd->dilations, 1, 1);
        rc |= pair_attr(L, el, "output_padding", nd->out_pad, 0, 0);
        rc |= attr_ints(L, el, "groups", v, 1, &one);
        rc |= to_i32(L, el, "groups", v[0], &nd->groups);
        rc |= attr_ints(L, el, "pads", v, 4, zeros);
        for (k = 0; k < 4 && rc == 0; k++) {
            rc |= to_i32(L, el, "pads", v[k], &nd->pads[k]);
        }
        nd->padding = IR_PAD_EXPLICIT;
        break;
    }
    case IR_OP_CONVT1D: {
        /* 1-D as 2-D over [1 L]: pads left right; output_padding */
        static const long zeros[2] = { 0, 0 };
        rc |= attr_ints(L, el, "filters", v, 1, &one);
        rc |= to_i32(L, el, "filters", v[0], &nd->filters);
        rc |= attr_ints(L, el, "kernel", v, 1, &one);
        rc |= to_i32(L, el, "kernel", v[0], &nd->kernel[1]);
        rc |= attr_ints(L, el, "stride", v, 1, &one);
        rc |= to_i32(L, el, "stride", v[0], &nd->strides[1]);
        rc |= attr_ints(L, el, "dilation", v, 1, &one);
        rc |= to_i32(L, el, "dilation", v[0], &nd->dilations[1]);
        rc |= attr_ints(L, el, "output_padding", v, 1, zeros);
        rc |= to_i32(L, el, "output_padding", v[0], &nd->out_pad[1]);
        rc |= attr_ints(L, el, "groups", v, 1, &one);
        rc |= to_i32(L, el, "groups", v[0], &nd->groups);
        rc |= attr_ints(L, el, "pads", v, 2, zeros);
        rc |= to_i32(L, el, "pads", v[0], &nd->pads[1]);
        rc |= to_i32(L, el, "pads", v[1], &nd->pads[3]);
        nd->padding = IR_PAD_EXPLICIT;
        break;
    }
    case IR_OP_RESIZE:
        rc |= load_resize(L, el, nd);
        break;
    case IR_OP_LSTM:
    case IR_OP_GRU:
        rc |= attr_ints(L, el, "hidden", v, 1, &one);
        rc |= to_i32(L, el, "hidden", v[0], &nd->units);
        s = attr(el, "direction");
        nd->rnn_reverse = s != NULL && strcmp(s, "reverse") == 0;
        free(s);
        nd->rnn_lbr = attr_bool(el, "linear_before_reset", 0);
        break;
    case IR_OP_BATCHNORM:
        rc |= attr_float(L, el, "epsilon", &nd->epsilon, 1e-5F);
        if (rc == 0 && !(nd->epsilon >= 0.0F)) {
            diag_error(L->d, L->path, line_of(el), "batch_norm: epsilon must not be negative");
            rc = -1;
        }
        break;
    default:
        break;
    }
    if (nd->op == IR_OP_DENSE || nd->op == IR_OP_CONV2D || nd->op == IR_OP_CONV1D ||
        nd->op == IR_OP_ADD || nd->op == IR_OP_MUL || nd->op == IR_OP_CONVT2D ||
        nd->op == IR_OP_CONVT1D) {
        s = attr(el, "activation");
        if (s != NULL) {
            rc |= set_activation(L, el, nd, s);
            free(s);
        }
    }
    return rc != 0 ? -1 : 0;
}

static int load_params(loader *L, const xmlNode *el, ir_node *nd, const op_desc *od)
{
    const xmlNode *c;
    int rc = 0, k;
    for (c = el->children; c != NULL; c = c->next) {
        char *pname, tname[300], what[300];
        int role = -1, ti;
        if (!is_el(c, "param")) {
            continue;
        }
        pname = attr(c, "name");
        for (k = 0; k < IR_MAX_PARAMS && pname != NULL; k++) {
            if (od->params[k] != NULL && strcmp(od->params[k], pname) == 0) {
                role = k;
            }
        }
        if (role < 0) {
            diag_error(L->d, L->path, line_of(c), "%s '%s': unknown param '%s'", od->element,
                       nd->name, pname != NULL ? pname : "");
            rc = -1;
        } else if (nd->params[role] >= 0) {
            diag_error(L->d, L->path, line_of(c), "%s '%s': duplicate param '%s'", od->element,
                       nd->name, pname);
            rc = -1;
        } else {
            snprintf(tname, sizeof tname, "%s.%s", nd->name, pname);
            snprintf(what, sizeof what, "%s '%s' param '%s'", od->element, nd->name, pname);
            ti = load_const(L, c, tname, what);
            if (ti < 0) {
                rc = -1;
            } else {
                /* L->g->n may have moved: index by node number */
                nd->params[role] = ti;
            }
        }
        free(pname);
    }
    for (k = 0; k < od->n_required; k++) {
        if (nd->params[k] < 0 && rc == 0) {
            diag_error(L->d, L->path, nd->line, "%s '%s': missing param '%s'", od->element,
                       nd->name, od->params[k]);
            rc = -1;
        }
    }
    return rc;
}

static const op_desc *find_op(const char *element)
{
    size_t i;
    for (i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        if (strcmp(ops[i].element, element) == 0) {
            return &ops[i];
        }
    }
    return NULL;
}

/* Splits the inputs attribute into names (pointers into s, NUL-separated). */
static int split_names(char *s, char **names, int max)
{
    int n = 0;
    char *p = s;
    while (*p != '\0') {
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') {
            *p++ = '\0';
        }
        if (*p == '\0') {
            break;
        }
        if (n >= max) {
            return -1;
        }
        names[n++] = p;
        while (*p != '\0' && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') {
            p++;
        }
    }
    return n;
}

static int add_layer(loader *L, const xmlNode *el)
{
    const op_desc *od = find_op((const char *)el->name);
    char *name = attr(el, "name"), *out = attr(el, "output");
    int ni = -1, ti, k, rc = 0;
    long line = line_of(el);
    if (od == NULL || name == NULL || out == NULL) {
        diag_error(L->d, L->path, line, "unknown layer '%s'", (const char *)el->name);
        free(name);
        free(out);
        return -1;
    }
    for (k = 0; k < L->g->nn; k++) {
        if (strcmp(L->g->n[k].name, name) == 0) {
            diag_error(L->d, L->path, line, "duplicate layer name '%s' (first defined on line %ld)",
                       name, L->g->n[k].line);
            rc = -1;
        }
    }
    ti = ir_find_tensor(L->g, out);
    if (ti >= 0) {
        diag_error(L->d, L->path, line,
                   "duplicate tensor '%s': it is already defined on line %ld", out,
                   L->g->t[ti].line);
        rc = -1;
    }
    if (rc == 0) {
        ni = ir_add_node(L->g, od->op, name, od->element, line);
        ti = ni >= 0 ? ir_add_tensor(L->g, out, IR_T_ACT, line) : -1;
        if (ni < 0 || ti < 0) {
            L->oom = 1;
            rc = -1;
        } else {
            L->g->n[ni].output = ti;
            rc = layer_attrs(L, el, &L->g->n[ni]);
            if (load_params(L, el, &L->g->n[ni], od) != 0) {
                rc = -1;
            }
        }
    }
    free(name);
    free(out);
    return rc;
}

static int is_param(const ir_graph *g, int ti)
{
    int i, k;
    for (i = 0; i < g->nn; i++) {
        for (k = 0; k < IR_MAX_PARAMS; k++) {
            if (g->n[i].params[k] == ti) {
                return 1;
            }
        }
    }
    return 0;
}

static int resolve_inputs(loader *L, const xmlNode *el, ir_node *nd)
{
    char *s = attr(el, "inputs");
    char *names[65];
    int n, k, rc = 0;
    size_t want_min = 1, want_max = 1;
    if (s == NULL) {
        diag_error(L->d, L->path, nd->line, "missing attribute 'inputs'");
        return -1;
    }
    n = split_names(s, names, 64);
    if (nd->op == IR_OP_ADD || nd->op == IR_OP_MUL) {
        want_min = want_max = 2;
    } else if (nd->op == IR_OP_CONCAT) {
        want_max = 64;
    }
    if (n < (int)want_min || n > (int)want_max) {
        if (want_min == want_max) {
            diag_error(L->d, L->path, nd->line, "%s '%s' takes %lu input(s), %d given", nd->xml_op,
                       nd->name, (unsigned long)want_min, n);
        } else {
            diag_error(L->d, L->path, nd->line, "%s '%s' takes 1 to %lu inputs, %d given",
                       nd->xml_op, nd->name, (unsigned long)want_max, n);
        }
        free(s);
        return -1;
    }
    nd->inputs = malloc((size_t)n * sizeof(int));
    if (nd->inputs == NULL) {
        free(s);
        L->oom = 1;
        return -1;
    }
    nd->n_inputs = n;
    for (k = 0; k < n; k++) {
        int ti = ir_find_tensor(L->g, names[k]);
        if (ti >= 0 && is_param(L->g, ti)) {
            ti = -1; /* a layer's own weights are not tensors other layers can read */
        }
        if (ti < 0) {
            diag_error(L->d, L->path, nd->line, "%s '%s': unknown tensor '%s'", nd->xml_op,
                       nd->name, names[k]);
            rc = -1;
        }
        nd->inputs[k] = ti;
    }
    free(s);
    return rc;
}

static ir_graph *build(loader *L, xmlNode *root)
{
    xmlNode *c, *layers = NULL, *out_el = NULL, *out_els[IR_MAX_OUTPUTS];
    int n_out = 0;
    char *s;
    int rc = 0, k;
    ir_graph *g = L->g;
    s = attr(root, "name");
    g->name = s != NULL ? s : ir_strdup("model");
    if (g->name != NULL && ir_c_name_problem(g->name) != NULL) {
        diag_error(L->d, L->path, line_of(root), "model name '%s' %s", g->name, ir_c_name_problem(g->name));
        rc = -1;
    }
    for (c = root->children; c != NULL; c = c->next) {
        if (is_el(c, "input")) {
            char *nm = attr(c, "name");
            int ti = nm != NULL ? ir_add_tensor(g, nm, IR_T_INPUT, line_of(c)) : -1;
            free(nm);
            if (ti < 0) {
                L->oom = 1;
                return NULL;
            }
            g->input = ti;
            if (parse_shape(L, c, &g->t[ti].shape) != 0) {
                rc = -1;
            }
        } else if (is_el(c, "constant")) {
            char *nm = attr(c, "name"), what[300];
            if (nm != NULL && ir_find_tensor(g, nm) >= 0) {
                diag_error(L->d, L->path, line_of(c),
                           "duplicate tensor '%s': it is already defined on line %ld", nm,
                           g->t[ir_find_tensor(g, nm)].line);
                rc = -1;
            } else if (nm != NULL) {
                snprintf(what, sizeof what, "constant '%s'", nm);
                if (load_const(L, c, nm, what) < 0) {
                    rc = -1;
                }
            }
            free(nm);
        } else if (is_el(c, "layers")) {
            layers = c;
        } else if (is_el(c, "output")) {
            if (n_out == IR_MAX_OUTPUTS) {
                diag_error(L->d, L->path, line_of(c), "more than %d outputs", IR_MAX_OUTPUTS);
                return NULL;
            }
            out_el = out_el == NULL ? c : out_el;
            out_els[n_out++] = c;
        }
    }
    if (layers == NULL || out_el == NULL || g->input < 0) {
        diag_error(L->d, L->path, line_of(root), "model needs input, layers and output");
        return NULL;
    }
    /* Pass 1: every layer and its output tensor (any order in the file). */
    for (c = layers->children; c != NULL; c = c->next) {
        if (c->type == XML_ELEMENT_NODE && add_layer(L, c) != 0) {
            rc = -1;
        }
    }
    /* Pass 2: resolve inputs by name. */
    if (rc == 0) {
        k = 0;
        for (c = layers->children; c != NULL; c = c->next) {
            if (c->type == XML_ELEMENT_NODE) {
                if (resolve_inputs(L, c, &g->n[k]) != 0) {
                    rc = -1;
                }
                k++;
            }
        }
    }
    for (k = 0; k < n_out && rc == 0; k++) {
        long ln = line_of(out_els[k]);
        s = attr(out_els[k], "name");
        if (s != NULL) {
            int ti = ir_find_tensor(g, s);
            if (ti < 0) {
                diag_error(L->d, L->path, ln, "output: unknown tensor '%s'", s);
                rc = -1;
            } else if (g->t[ti].kind == IR_T_INPUT) {
                diag_error(L->d, L->path, ln, "output '%s' is the model input", s);
                rc = -1;
            } else if (g->t[ti].kind != IR_T_ACT) {
                diag_error(L->d, L->path, ln, "output '%s' is not produced by any layer", s);
                rc = -1;
            } else if (ir_output_index(g, ti) >= 0) {
                diag_error(L->d, L->path, ln, "output '%s' is named twice (also on line %ld)", s,
                           g->output_lines[ir_output_index(g, ti)]);
                rc = -1;
            } else {
                g->outputs[g->n_outputs] = ti;
                g->output_lines[g->n_outputs] = ln;
                g->n_outputs++;
            }
        }
        free(s);
    }
    if (rc == 0) {
        g->output = g->outputs[0];
        g->output_line = g->output_lines[0];
    }
    if (rc != 0 || L->oom) {
        return NULL;
    }
    for (k = 0; k < L->n_ext; k++) {
        ir_file *f = realloc(g->files, (size_t)(g->n_files + 1) * sizeof *f);
        if (f == NULL) {
            L->oom = 1;
            return NULL;
        }
        g->files = f;
        f[g->n_files].path = ir_strdup(L->ext[k].path);
        memcpy(f[g->n_files].sha256, L->ext[k].sha256, 65);
        g->n_files++;
    }
    return g;
}

static const xml_safe_spec model_spec = {
    "model.xsd", NS, "model", "model description", "model", XML_LOAD_MAX_BYTES
};

ir_graph *xml_load(const char *path, diag *d)
{
    loader L;
    char sha[65];
    int k;
    xmlDocPtr doc;
    xmlNode *root;
    ir_graph *res = NULL;

    memset(&L, 0, sizeof L);
    L.path = path;
    L.d = d;
    doc = xml_safe_parse(path, &model_spec, sha, d);
    if (doc != NULL) {
        root = xmlDocGetRootElement(doc);
        L.g = ir_new();
        if (L.g == NULL) {
            L.oom = 1;
        } else {
            L.g->file = ir_strdup(path);
            memcpy(L.g->sha256, sha, sizeof sha);
            L.root = root;
            res = build(&L, root);
        }
    }
    if (L.oom) {
        diag_io(d, path, "out of memory");
        res = NULL;
    }
    if (res == NULL) {
        ir_free(L.g);
    }
    for (k = 0; k < L.n_ext; k++) {
        free(L.ext[k].path);
        free(L.ext[k].data);
    }
    free(L.ext);
    if (doc != NULL) {
        xmlFreeDoc(doc);
    }
    return res;
}

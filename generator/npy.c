/* NumPy .npy reading and float32 writing.
 *
 * File layout (numpy.lib.format): the magic "\x93NUMPY", a major and a minor
 * version byte, the header length (2 bytes little-endian for version 1.0,
 * 4 bytes for 2.0 and 3.0), the header (an ASCII -- for 3.0 UTF-8 -- Python
 * dict literal with the keys 'descr', 'fortran_order' and 'shape', padded
 * with spaces and ended by '\n'), then the raw array data.
 *
 * The reader treats the file as hostile: every length and offset is checked
 * and every error names the file offset of the problem. */
#include "npy.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"

#ifdef __GNUC__
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#else
#define PRINTF_LIKE(f, a)
#endif

static const unsigned char MAGIC[6] = { 0x93, 'N', 'U', 'M', 'P', 'Y' };

typedef struct {
    const char *path;
    char *err;
    size_t errlen;
} errctx;

static void set_err(const errctx *e, size_t off, const char *fmt, ...) PRINTF_LIKE(3, 4);

static void set_err(const errctx *e, size_t off, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (e->err == NULL || e->errlen == 0) {
        return;
    }
    n = snprintf(e->err, e->errlen, "%s: byte %zu: ", e->path, off);
    if (n < 0 || (size_t)n >= e->errlen) {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(e->err + n, e->errlen - (size_t)n, fmt, ap);
    va_end(ap);
}

static size_t itemsize_of(npy_dtype t)
{
    switch (t) {
    case NPY_F32: case NPY_I32: return 4;
    case NPY_F64: case NPY_I64: return 8;
    case NPY_U8: case NPY_I8: return 1;
    }
    return 0;
}

/* ---- header dict parser ------------------------------------------------ */

typedef struct {
    const unsigned char *s; /* the whole file */
    size_t pos, end;        /* current offset, end of header (file offsets) */
    const errctx *e;
} parser;

static int is_ws(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void skip_ws(parser *p)
{
    while (p->pos < p->end && is_ws(p->s[p->pos])) {
        p->pos++;
    }
}

/* Peeks the next non-blank character; -1 at the end of the header. */
static int peek(parser *p)
{
    skip_ws(p);
    return p->pos < p->end ? (int)p->s[p->pos] : -1;
}

static int expect(parser *p, char c, const char *what)
{
    if (peek(p) != (unsigned char)c) {
        if (p->pos >= p->end) {
            set_err(p->e, p->pos, "header ends where %s was expected", what);
        } else {
            set_err(p->e, p->pos, "expected %s in the header dict", what);
        }
        return -1;
    }
    p->pos++;
    return 0;
}

/* A quoted string without escapes, at most cap-1 characters. */
static int parse_string(parser *p, char *out, size_t cap, const char *what)
{
    size_t start, n = 0;
    int q = peek(p);

    if (q != '\'' && q != '"') {
        set_err(p->e, p->pos, "expected %s (a quoted string)", what);
        return -1;
    }
    start = p->pos++;
    while (p->pos < p->end && p->s[p->pos] != (unsigned char)q) {
        unsigned char c = p->s[p->pos];
        if (c == '\\' || c == '\n' || c < 0x20 || c >= 0x7f) {
            set_err(p->e, p->pos, "unsupported character in %s", what);
            return -1;
        }
        if (n + 1 >= cap) {
            set_err(p->e, start, "%s is too long", what);
            return -1;
        }
        out[n++] = (char)c;
        p->pos++;
    }
    if (p->pos >= p->end) {
        set_err(p->e, start, "unterminated string in the header");
        return -1;
    }
    p->pos++;
    out[n] = '\0';
    return 0;
}

static int starts_with_word(const parser *p, const char *w)
{
    size_t n = strlen(w);
    if (p->end - p->pos < n || memcmp(p->s + p->pos, w, n) != 0) {
        return 0;
    }
    /* not followed by an identifier character */
    if (p->pos + n < p->end) {
        unsigned char c = p->s[p->pos + n];
        if (c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
            (c >= 'A' && c <= 'Z')) {
            return 0;
        }
    }
    return 1;
}

static int parse_descr(parser *p, npy_dtype *t)
{
    static const struct { const char *s; npy_dtype t; } known[] = {
        { "<f4", NPY_F32 }, { "<f8", NPY_F64 }, { "<i4", NPY_I32 },
        { "<i8", NPY_I64 }, { "|u1", NPY_U8 }, { "<u1", NPY_U8 },
        { "|i1", NPY_I8 }, { "<i1", NPY_I8 }
    };
    char d[32];
    size_t at, i;
    int c = peek(p);

    at = p->pos;
    if (c != '\'' && c != '"') {
        set_err(p->e, at, "'descr' is not a string (structured dtypes are not supported)");
        return -1;
    }
    if (parse_string(p, d, sizeof d, "'descr'") != 0) {
        return -1;
    }
    for (i = 0; i < sizeof known / sizeof known[0]; i++) {
        if (strcmp(d, known[i].s) == 0) {
            *t = known[i].t;
            return 0;
        }
    }
    if (d[0] == '>') {
        set_err(p->e, at, "big-endian dtype '%s' is not supported", d);
    } else {
        set_err(p->e, at, "unsupported dtype '%s' (expected <f4, <f8, <i4, <i8, |u1 or |i1)", d);
    }
    return -1;
}

static int parse_fortran(parser *p)
{
    size_t at;

    peek(p);
    at = p->pos;
    if (starts_with_word(p, "False")) {
        p->pos += 5;
        return 0;
    }
    if (starts_with_word(p, "True")) {
        set_err(p->e, at, "'fortran_order': True is not supported (write C order)");
        return -1;
    }
    set_err(p->e, at, "'fortran_order' must be True or False");
    return -1;
}

static int parse_dim(parser *p, int64_t *v)
{
    size_t at = p->pos;
    int64_t x = 0;

    if (p->pos < p->end && p->s[p->pos] == '-') {
        set_err(p->e, at, "negative dimension in 'shape'");
        return -1;
    }
    if (p->pos >= p->end || p->s[p->pos] < '0' || p->s[p->pos] > '9') {
        set_err(p->e, at, "expected a dimension (a non-negative integer) in 'shape'");
        return -1;
    }
    while (p->pos < p->end && p->s[p->pos] >= '0' && p->s[p->pos] <= '9') {
        int digit = p->s[p->pos] - '0';
        if (x > (INT64_MAX - digit) / 10) {
            set_err(p->e, at, "dimension in 'shape' is too large");
            return -1;
        }
        x = x * 10 + digit;
        p->pos++;
    }
    /* Python 2 long suffix, as written by old numpy versions */
    if (p->pos < p->end && (p->s[p->pos] == 'L' || p->s[p->pos] == 'l')) {
        p->pos++;
    }
    *v = x;
    return 0;
}

static int parse_shape(parser *p, npy_array *a, size_t dim_off[NPY_MAX_DIMS])
{
    int c, n = 0, comma_after_last = 0;

    if (peek(p) != '(') {
        set_err(p->e, p->pos, "'shape' is not a tuple");
        return -1;
    }
    p->pos++;
    for (;;) {
        c = peek(p);
        if (c == ')') {
            break;
        }
        if (n > 0 && !comma_after_last) {
            set_err(p->e, p->pos, "expected ',' or ')' in 'shape'");
            return -1;
        }
        if (c < 0) {
            set_err(p->e, p->pos, "header ends inside 'shape'");
            return -1;
        }
        if (n == NPY_MAX_DIMS) {
            set_err(p->e, p->pos, "'shape' has more than %d dimensions", NPY_MAX_DIMS);
            return -1;
        }
        dim_off[n] = p->pos;
        if (parse_dim(p, &a->shape[n]) != 0) {
            return -1;
        }
        n++;
        comma_after_last = 0;
        if (peek(p) == ',') {
            p->pos++;
            comma_after_last = 1;
        }
    }
    if (n == 1 && !comma_after_last) {
        /* "(3)" is the integer 3 in Python, not a tuple */
        set_err(p->e, p->pos, "'shape' is not a tuple (one dimension needs a trailing comma)");
        return -1;
    }
    p->pos++; /* ')' */
    a->ndim = n;
    return 0;
}

static int parse_header(parser *p, npy_array *a, size_t dim_off[NPY_MAX_DIMS])
{
    enum { K_DESCR = 1, K_FORTRAN = 2, K_SHAPE = 4 };
    unsigned seen = 0;
    char key[32];

    if (peek(p) != '{') {
        set_err(p->e, p->pos, "header is not a Python dict literal (expected '{')");
        return -1;
    }
    p->pos++;
    for (;;) {
        size_t key_off;
        unsigned k;

        if (peek(p) == '}') {
            break;
        }
        key_off = p->pos;
        if (parse_string(p, key, sizeof key, "a header key") != 0) {
            return -1;
        }
        if (strcmp(key, "descr") == 0) {
            k = K_DESCR;
        } else if (strcmp(key, "fortran_order") == 0) {
            k = K_FORTRAN;
        } else if (strcmp(key, "shape") == 0) {
            k = K_SHAPE;
        } else {
            set_err(p->e, key_off, "unknown header key '%s'", key);
            return -1;
        }
        if (seen & k) {
            set_err(p->e, key_off, "duplicate header key '%s'", key);
            return -1;
        }
        seen |= k;
        if (expect(p, ':', "':'") != 0) {
            return -1;
        }
        if (k == K_DESCR) {
            if (parse_descr(p, &a->dtype) != 0) {
                return -1;
            }
        } else if (k == K_FORTRAN) {
            if (parse_fortran(p) != 0) {
                return -1;
            }
        } else if (parse_shape(p, a, dim_off) != 0) {
            return -1;
        }
        if (peek(p) == ',') {
            p->pos++;
        } else if (peek(p) != '}') {
            if (p->pos >= p->end) {
                set_err(p->e, p->pos, "header ends inside the dict");
            } else {
                set_err(p->e, p->pos, "expected ',' or '}' in the header dict");
            }
            return -1;
        }
    }
    if (!(seen & K_DESCR)) {
        set_err(p->e, p->pos, "header dict has no 'descr' key");
        return -1;
    }
    if (!(seen & K_FORTRAN)) {
        set_err(p->e, p->pos, "header dict has no 'fortran_order' key");
        return -1;
    }
    if (!(seen & K_SHAPE)) {
        set_err(p->e, p->pos, "header dict has no 'shape' key");
        return -1;
    }
    p->pos++; /* '}' */
    if (peek(p) >= 0) {
        set_err(p->e, p->pos, "unexpected text after the header dict");
        return -1;
    }
    return 0;
}

/* ---- little-endian decoding -------------------------------------------- */

static uint32_t le32(const unsigned char *b)
{
    return (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) |
           ((uint32_t)b[3] << 24);
}

static uint64_t le64(const unsigned char *b)
{
    return (uint64_t)le32(b) | ((uint64_t)le32(b + 4) << 32);
}

static void decode_data(npy_dtype t, const unsigned char *src, size_t count, void *dst)
{
    size_t i;

    switch (t) {
    case NPY_F32: case NPY_I32:
        for (i = 0; i < count; i++) {
            uint32_t u = le32(src + 4 * i);
            memcpy((unsigned char *)dst + 4 * i, &u, 4);
        }
        break;
    case NPY_F64: case NPY_I64:
        for (i = 0; i < count; i++) {
            uint64_t u = le64(src + 8 * i);
            memcpy((unsigned char *)dst + 8 * i, &u, 8);
        }
        break;
    case NPY_U8: case NPY_I8:
        if (count > 0) {
            memcpy(dst, src, count);
        }
        break;
    }
}

/* ---- reading ----------------------------------------------------------- */

int npy_read(const char *path, size_t max_bytes, npy_array *a, char *err, size_t errlen)
{
    errctx e;
    parser p;
    char *buf = NULL;
    const unsigned char *s;
    size_t len, prefix, hlen, data_off, data_len, nbytes, isz, i;
    size_t dim_off[NPY_MAX_DIMS];
    int rc, zero = 0;

    e.path = path;
    e.err = err;
    e.errlen = errlen;
    memset(a, 0, sizeof *a);
    if (err != NULL && errlen > 0) {
        err[0] = '\0';
    }

    rc = fileio_read_all(path, max_bytes, &buf, &len);
    if (rc == -2) {
        if (err != NULL && errlen > 0) {
            snprintf(err, errlen, "%s: larger than the limit of %zu bytes", path, max_bytes);
        }
        return -1;
    }
    if (rc != 0) {
        if (err != NULL && errlen > 0) {
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
        }
        return -1;
    }
    s = (const unsigned char *)buf;

    for (i = 0; i < sizeof MAGIC; i++) {
        if (i >= len) {
            set_err(&e, len, "file ends inside the .npy magic");
            goto fail;
        }
        if (s[i] != MAGIC[i]) {
            set_err(&e, i, "bad magic: not a .npy file");
            goto fail;
        }
    }
    if (len < 8) {
        set_err(&e, len, "file ends before the format version");
        goto fail;
    }
    if (s[6] < 1 || s[6] > 3 || s[7] != 0) {
        set_err(&e, 6, "unsupported .npy format version %u.%u (expected 1.0, 2.0 or 3.0)",
                (unsigned)s[6], (unsigned)s[7]);
        goto fail;
    }
    prefix = s[6] == 1 ? 10 : 12;
    if (len < prefix) {
        set_err(&e, len, "file ends inside the header length");
        goto fail;
    }
    hlen = s[6] == 1 ? (size_t)((unsigned)s[8] | ((unsigned)s[9] << 8)) : (size_t)le32(s + 8);
    if (hlen > len - prefix) {
        set_err(&e, len, "file ends inside the header (header length %zu, only %zu bytes left)",
                hlen, len - prefix);
        goto fail;
    }
    data_off = prefix + hlen;

    p.s = s;
    p.pos = prefix;
    p.end = data_off;
    p.e = &e;
    if (parse_header(&p, a, dim_off) != 0) {
        goto fail;
    }

    /* element count and byte size, overflow-checked. A zero dimension makes
     * the array empty, but the other dimensions must still be sizes the
     * callers can multiply: their product (times the item size) is checked
     * as if the zero were not there, as npy_encode_f32 checks it. */
    isz = itemsize_of(a->dtype);
    a->count = 1;
    nbytes = isz;
    for (i = 0; i < (size_t)a->ndim; i++) {
        uint64_t d = (uint64_t)a->shape[i];
        if (d == 0) {
            zero = 1;
            continue;
        }
        if (d > (uint64_t)SIZE_MAX || nbytes > SIZE_MAX / (size_t)d) {
            set_err(&e, dim_off[i], "'shape' is too large: the array size overflows");
            goto fail;
        }
        a->count *= (size_t)d;
        nbytes *= (size_t)d;
    }
    if (zero) {
        a->count = 0;
        nbytes = 0;
    }

    data_len = len - data_off;
    if (data_len < nbytes) {
        set_err(&e, len, "file ends inside the data (shape needs %zu bytes, file has %zu)",
                nbytes, data_len);
        goto fail;
    }
    if (data_len > nbytes) {
        set_err(&e, data_off + nbytes, "%zu bytes of extra data after the array (shape needs %zu)",
                data_len - nbytes, nbytes);
        goto fail;
    }

    a->data = malloc(nbytes > 0 ? nbytes : 1);
    if (a->data == NULL) {
        if (err != NULL && errlen > 0) {
            snprintf(err, errlen, "%s: out of memory", path);
        }
        goto fail;
    }
    decode_data(a->dtype, s + data_off, a->count, a->data);
    free(buf);
    return 0;

fail:
    free(buf);
    npy_free(a);
    return -1;
}

/* ---- conversions ------------------------------------------------------- */

static double element_f64(const npy_array *a, size_t i)
{
    switch (a->dtype) {
    case NPY_F32: return (double)((const float *)a->data)[i];
    case NPY_F64: return ((const double *)a->data)[i];
    case NPY_I32: return (double)((const int32_t *)a->data)[i];
    case NPY_I64: return (double)((const int64_t *)a->data)[i];
    case NPY_U8: return (double)((const uint8_t *)a->data)[i];
    case NPY_I8: return (double)((const int8_t *)a->data)[i];
    }
    return 0.0;
}

float *npy_to_f32(const npy_array *a)
{
    float *out;
    size_t i;

    if (a->count > SIZE_MAX / sizeof *out) {
        return NULL;
    }
    out = (float *)malloc(a->count > 0 ? a->count * sizeof *out : 1);
    if (out == NULL) {
        return NULL;
    }
    for (i = 0; i < a->count; i++) {
        out[i] = a->dtype == NPY_F32 ? ((const float *)a->data)[i]
                                     : (float)element_f64(a, i);
    }
    return out;
}

/* Floats are truncated toward zero; NaN becomes 0 and values outside the
 * int64 range saturate (a C conversion would be undefined). */
static int64_t f64_to_i64(double v)
{
    if (v != v) {
        return 0;
    }
    if (v >= 9223372036854775808.0) {
        return INT64_MAX;
    }
    if (v < -9223372036854775808.0) {
        return INT64_MIN;
    }
    return (int64_t)v;
}

int64_t *npy_to_i64(const npy_array *a)
{
    int64_t *out;
    size_t i;

    if (a->count > SIZE_MAX / sizeof *out) {
        return NULL;
    }
    out = (int64_t *)malloc(a->count > 0 ? a->count * sizeof *out : 1);
    if (out == NULL) {
        return NULL;
    }
    for (i = 0; i < a->count; i++) {
        switch (a->dtype) {
        case NPY_I64: out[i] = ((const int64_t *)a->data)[i]; break;
        case NPY_I32: out[i] = ((const int32_t *)a->data)[i]; break;
        case NPY_U8: out[i] = ((const uint8_t *)a->data)[i]; break;
        case NPY_I8: out[i] = ((const int8_t *)a->data)[i]; break;
        case NPY_F32: case NPY_F64: out[i] = f64_to_i64(element_f64(a, i)); break;
        }
    }
    return out;
}

/* ---- writing ----------------------------------------------------------- */

int npy_encode_f32(const int64_t *shape, int ndim, const float *data,
                   uint8_t **buf, size_t *len)
{
    char hdr[512];
    size_t hl, total, count = 1, nbytes, i, pad;
    uint8_t *b;
    int n, zero = 0;

    *buf = NULL;
    *len = 0;
    if (ndim < 0 || ndim > NPY_MAX_DIMS || (ndim > 0 && shape == NULL)) {
        return -1;
    }
    for (i = 0; i < (size_t)ndim; i++) {
        if (shape[i] < 0) {
            return -1;
        }
    }
    /* as npy_read: the product of the non-zero dimensions must fit */
    for (i = 0; i < (size_t)ndim; i++) {
        uint64_t d = (uint64_t)shape[i];
        if (d == 0) {
            zero = 1;
            continue;
        }
        if (d > (uint64_t)SIZE_MAX || count > SIZE_MAX / 4 / (size_t)d) {
            return -1;
        }
        count *= (size_t)d;
    }
    if (zero) {
        count = 0;
    }
    if (count > 0 && data == NULL) {
        return -1;
    }
    nbytes = count * 4;

    /* the dict exactly as numpy writes it */
    n = snprintf(hdr, sizeof hdr, "{'descr': '<f4', 'fortran_order': False, 'shape': (");
    hl = (size_t)n;
    for (i = 0; i < (size_t)ndim; i++) {
        n = snprintf(hdr + hl, sizeof hdr - hl, i == 0 ? "%lld" : ", %lld",
                     (long long)shape[i]);
        hl += (size_t)n;
    }
    n = snprintf(hdr + hl, sizeof hdr - hl, ndim == 1 ? ",), }" : "), }");
    hl += (size_t)n;
    /* pad with spaces so that the data starts at a multiple of 64; the
     * header ends with '\n' */
    pad = 63 - (10 + hl) % 64; /* spaces; +1 for the newline */
    hl += pad + 1;
    if (nbytes > SIZE_MAX - 10 - hl) {
        return -1;
    }
    total = 10 + hl + nbytes;
    b = (uint8_t *)malloc(total);
    if (b == NULL) {
        return -1;
    }
    memcpy(b, MAGIC, 6);
    b[6] = 1;
    b[7] = 0;
    b[8] = (uint8_t)(hl & 0xffu);
    b[9] = (uint8_t)(hl >> 8);
    memcpy(b + 10, hdr, hl - pad - 1);
    memset(b + 10 + hl - pad - 1, ' ', pad);
    b[10 + hl - 1] = '\n';
    for (i = 0; i < count; i++) {
        uint32_t u;
        uint8_t *o = b + 10 + hl + 4 * i;
        memcpy(&u, &data[i], 4);
        o[0] = (uint8_t)u;
        o[1] = (uint8_t)(u >> 8);
        o[2] = (uint8_t)(u >> 16);
        o[3] = (uint8_t)(u >> 24);
    }
    *buf = b;
    *len = total;
    return 0;
}

void npy_free(npy_array *a)
{
    if (a == NULL) {
        return;
    }
    free(a->data);
    a->data = NULL;
    a->count = 0;
}

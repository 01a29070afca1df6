/* Reading ONNX files (see onnx_read.h).
 *
 * Three steps:
 *  1. wire check: one pass over the bytes with the protobuf-c descriptors of
 *     generator/onnx.proto, so a malformed file is reported with the byte
 *     offset and the field where it goes wrong (protobuf-c only says that
 *     unpacking failed);
 *  2. protobuf-c unpacks the message (unknown fields are skipped);
 *  3. conversion into the plain-C structures of onnx_read.h, with the
 *     semantic checks (versions, shapes, element types, data sizes).
 * Tensor bytes (raw_data) are decoded as little-endian explicitly, so the
 * result does not depend on the host's byte order. */
#include "onnx_read.h"

#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>

#include "fileio.h"
#include "onnx.pb-c.h"

/* float and double are IEEE 754 binary32 and binary64 (raw_data decoding). */
typedef char onnx_float_is_32_bits[(sizeof(float) == 4 && FLT_MANT_DIG == 24) ? 1 : -1];
typedef char onnx_double_is_64_bits[(sizeof(double) == 8 && DBL_MANT_DIG == 53) ? 1 : -1];

/* Deepest message nesting the wire check follows (the schema has at most 5). */
#define WIRE_MAX_DEPTH 32
/* Longest name quoted in a message. */
#define QUOTE_MAX 100
/* Most fields that protobuf-c gives memory of their own (messages, strings,
 * byte strings, unknown fields): a two-byte field can cost a hundred bytes
 * of memory, so this bounds what a file of a few bytes per field can
 * demand (real models have far fewer). */
#define WIRE_MAX_OWNED 16777216UL

typedef struct {
    const char *path;
    diag *d;
    int oom;          /* out of memory seen (and reported) */
    int alloc_failed; /* set by the protobuf-c allocator */
    unsigned long owned; /* fields counted against WIRE_MAX_OWNED */
} rd;

/* ---------------------------------------------------------------- messages */

/* Reports an input error; off == (size_t)-1 when the byte offset is not
 * known. Bytes of the file that end up in the message (names) are made
 * printable. */
static void rd_error(rd *r, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void rd_error(rd *r, size_t off, const char *fmt, ...)
{
    char msg[768];
    char *where = NULL;
    size_t i;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    for (i = 0; msg[i] != '\0'; i++) {
        unsigned char c = (unsigned char)msg[i];
        if (c < 0x20 || c == 0x7f) {
            msg[i] = '?';
        }
    }
    if (off != (size_t)-1) {
        size_t n = strlen(r->path) + 32;
        where = (char *)malloc(n);
        if (where != NULL) {
            snprintf(where, n, "%s: byte %zu", r->path, off);
        }
    }
    diag_error(r->d, where != NULL ? where : r->path, 0, "%s", msg);
    free(where);
}

static void rd_oom(rd *r)
{
    if (!r->oom) {
        r->oom = 1;
        diag_io(r->d, r->path, "out of memory");
    }
}

/* ------------------------------------------------------------ allocation */

static void *rd_calloc(rd *r, size_t n, size_t size)
{
    void *p;
    if (n == 0) {
        n = 1;
    }
    if (size != 0 && n > SIZE_MAX / size) {
        rd_oom(r);
        return NULL;
    }
    p = calloc(n, size);
    if (p == NULL) {
        rd_oom(r);
    }
    return p;
}

static char *rd_strndup(rd *r, const char *s, size_t n)
{
    char *p = (char *)rd_calloc(r, n + 1, 1);
    if (p != NULL && n > 0) {
        memcpy(p, s, n);
    }
    return p;
}

/* A copy of s ("" for NULL). */
static char *rd_strdup(rd *r, const char *s)
{
    return rd_strndup(r, s != NULL ? s : "", s != NULL ? strlen(s) : 0);
}

/* protobuf-c allocator that remembers a failure, so "out of memory" is not
 * reported as a corrupted file. */
static void *pb_alloc(void *data, size_t size)
{
    void *p = malloc(size != 0 ? size : 1);
    if (p == NULL) {
        ((rd *)data)->alloc_failed = 1;
    }
    return p;
}

static void pb_free(void *data, void *p)
{
    (void)data;
    free(p);
}

/* ------------------------------------------------------------ wire check */

static const char *wire_name(unsigned wt)
{
    switch (wt) {
    case 0: return "varint";
    case 1: return "64-bit";
    case 2: return "length-delimited";
    case 5: return "32-bit";
    default: return "invalid";
    }
}

/* The wire type a value of type t is encoded with. */
static unsigned wire_type_of(ProtobufCType t)
{
    switch (t) {
    case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_FIXED32:
    case PROTOBUF_C_TYPE_FLOAT:
        return 5;
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_FIXED64:
    case PROTOBUF_C_TYPE_DOUBLE:
        return 1;
    case PROTOBUF_C_TYPE_STRING:
    case PROTOBUF_C_TYPE_BYTES:
    case PROTOBUF_C_TYPE_MESSAGE:
        return 2;
    default:
        return 0;
    }
}

/* Reads a varint of at most max_bytes bytes at *pos (< end). Returns 0, -1
 * when the data ends inside it, -2 when it is longer than max_bytes or does
 * not fit 64 bits. */
static int read_varint(const uint8_t *p, size_t end, size_t *pos, int max_bytes,
                       uint64_t *v)
{
    uint64_t x = 0;
    int i;
    for (i = 0; i < max_bytes; i++) {
        uint8_t b;
        if (*pos + (size_t)i >= end) {
            return -1;
        }
        b = p[*pos + (size_t)i];
        if (i == 9 && b > 1) {
            return -2;
        }
        x |= (uint64_t)(b & 0x7f) << (7 * i);
        if ((b & 0x80) == 0) {
            *pos += (size_t)i + 1;
            *v = x;
            return 0;
        }
    }
    return *pos + (size_t)i >= end ? -1 : -2;
}

/* Describes field number fnum of message desc for messages (in buf). */
static const char *field_desc(char *buf, size_t n, const ProtobufCMessageDescriptor *desc,
                              const ProtobufCFieldDescriptor *fd, uint64_t fnum)
{
    if (fd != NULL) {
        snprintf(buf, n, "field '%s' (%u) of %s", fd->name, (unsigned)fd->id, desc->short_name);
    } else {
        snprintf(buf, n, "field %llu of %s", (unsigned long long)fnum, desc->short_name);
    }
    return buf;
}

/* Checks bytes [start, end) of data as a message of type desc. */
static int wire_check(rd *r, const uint8_t *data, const ProtobufCMessageDescriptor *desc,
                      size_t start, size_t end, int depth)
{
    size_t pos = start;
    char what[200];
#define WHAT field_desc(what, sizeof what, desc, fd, fnum)

    if (depth > WIRE_MAX_DEPTH) {
        rd_error(r, start, "messages nested more than %d deep", WIRE_MAX_DEPTH);
        return -1;
    }
    while (pos < end) {
        size_t key_off = pos, val_off, pay_start = 0, pay_len = 0;
        uint64_t key, v, fnum;
        unsigned wt;
        const ProtobufCFieldDescriptor *fd;
        int rc;

        rc = read_varint(data, end, &pos, 5, &key);
        if (rc != 0) {
            rd_error(r, key_off, "%s field key in %s", rc == -1 ? "truncated" : "malformed",
                     desc->short_name);
            return -1;
        }
        fnum = key >> 3;
        wt = (unsigned)(key & 7);
        if (fnum == 0 || fnum > 0x1fffffffu) {
            rd_error(r, key_off, "invalid field number %llu in %s", (unsigned long long)fnum,
                     desc->short_name);
            return -1;
        }
        fd = protobuf_c_message_descriptor_get_field(desc, (unsigned)fnum);
        val_off = pos;
        switch (wt) {
        case 0:
            rc = read_varint(data, end, &pos, 10, &v);
            if (rc != 0) {
                rd_error(r, val_off, "%s varint in %s", rc == -1 ? "truncated" : "malformed",
                         WHAT);
                return -1;
            }
            break;
        case 1:
        case 5:
            if (end - pos < (wt == 1 ? 8u : 4u)) {
                rd_error(r, val_off, "truncated %s value in %s", wire_name(wt), WHAT);
                return -1;
            }
            pos += wt == 1 ? 8u : 4u;
            break;
        case 2:
            /* protobuf-c reads lengths as 32-bit varints of at most 5 bytes */
            rc = read_varint(data, end, &pos, 5, &v);
            if (rc != 0 || v > UINT32_MAX) {
                rd_error(r, val_off, "%s length in %s", rc == -1 ? "truncated" : "malformed",
                         WHAT);
                return -1;
            }
            if (v > end - pos) {
                rd_error(r, val_off, "%s is %llu bytes long, past the end of %s (byte %zu)",
                         WHAT, (unsigned long long)v,
                         depth == 0 ? "the file" : "the enclosing message", end);
                return -1;
            }
            pay_start = pos;
            pay_len = (size_t)v;
            pos += pay_len;
            break;
        case 3:
        case 4:
            rd_error(r, key_off, "%s uses the group wire type, which is not supported", WHAT);
            return -1;
        default:
            rd_error(r, key_off, "invalid wire type %u in %s", wt, WHAT);
            return -1;
        }
        if (fd == NULL || fd->type == PROTOBUF_C_TYPE_MESSAGE ||
            fd->type == PROTOBUF_C_TYPE_STRING || fd->type == PROTOBUF_C_TYPE_BYTES) {
            if (++r->owned > WIRE_MAX_OWNED) {
                rd_error(r, key_off, "more than %lu messages, strings and unknown fields",
                         WIRE_MAX_OWNED);
                return -1;
            }
        }
        if (fd == NULL) {
            continue; /* unknown field: kept aside by protobuf-c */
        }
        if (wt != wire_type_of(fd->type)) {
            unsigned ewt = wire_type_of(fd->type);
            size_t i;
            if (fd->label != PROTOBUF_C_LABEL_REPEATED || ewt == 2 || wt != 2) {
                rd_error(r, key_off, "%s has wire type %s, expected %s", WHAT, wire_name(wt),
                         wire_name(ewt));
                return -1;
            }
            /* packed repeated scalars */
            if (ewt == 0) {
                i = pay_start;
                while (i < pay_start + pay_len) {
                    size_t at = i;
                    rc = read_varint(data, pay_start + pay_len, &i, 10, &v);
                    if (rc != 0) {
                        rd_error(r, at, "%s varint in packed %s",
                                 rc == -1 ? "truncated" : "malformed", WHAT);
                        return -1;
                    }
                }
            } else if (pay_len % (ewt == 1 ? 8u : 4u) != 0) {
                rd_error(r, val_off, "packed %s is %zu bytes long, not a multiple of %u",
                         WHAT, pay_len, ewt == 1 ? 8u : 4u);
                return -1;
            }
            continue;
        }
        if (fd->type == PROTOBUF_C_TYPE_MESSAGE) {
            if (wire_check(r, data, (const ProtobufCMessageDescriptor *)fd->descriptor,
                           pay_start, pay_start + pay_len, depth + 1) != 0) {
                return -1;
            }
        } else if (fd->type == PROTOBUF_C_TYPE_STRING &&
                   memchr(data + pay_start, 0, pay_len) != NULL) {
            rd_error(r, pay_start, "%s contains a NUL byte", WHAT);
            return -1;
        }
    }
    return 0;
#undef WHAT
}

/* Checks and unpacks data as a message of type desc; NULL after reporting. */
static ProtobufCMessage *unpack(rd *r, const ProtobufCMessageDescriptor *desc,
                                const uint8_t *data, size_t len)
{
    ProtobufCAllocator a;
    ProtobufCMessage *m;

    if (wire_check(r, data, desc, 0, len, 0) != 0) {
        return NULL;
    }
    a.alloc = pb_alloc;
    a.free = pb_free;
    a.allocator_data = r;
    r->alloc_failed = 0;
    m = protobuf_c_message_unpack(desc, &a, len, data);
    if (m == NULL) {
        if (r->alloc_failed) {
            rd_oom(r);
        } else {
            rd_error(r, (size_t)-1, "not a valid ONNX protobuf (truncated or corrupted)");
        }
    }
    return m;
}

static void pb_release(ProtobufCMessage *m)
{
    if (m != NULL) {
        protobuf_c_message_free_unpacked(m, NULL);
    }
}

/* ----------------------------------------------------------------- names */

static const char *const dtype_names[] = {
    "UNDEFINED", "FLOAT", "UINT8", "INT8", "UINT16", "INT16", "INT32", "INT64",
    "STRING", "BOOL", "FLOAT16", "DOUBLE", "UINT32", "UINT64", "COMPLEX64",
    "COMPLEX128", "BFLOAT16", "FLOAT8E4M3FN", "FLOAT8E4M3FNUZ", "FLOAT8E5M2",
    "FLOAT8E5M2FNUZ", "UINT4", "INT4", "FLOAT4E2M1"
};

const char *onnx_dtype_name(int32_t dtype)
{
    if (dtype >= 0 && (size_t)dtype < sizeof dtype_names / sizeof dtype_names[0]) {
        return dtype_names[dtype];
    }
    return "?";
}

static const char *const attr_type_names[] = {
    "UNDEFINED", "FLOAT", "INT", "STRING", "TENSOR", "GRAPH", "FLOATS", "INTS",
    "STRINGS", "TENSORS", "GRAPHS", "SPARSE_TENSOR", "SPARSE_TENSORS",
    "TYPE_PROTO", "TYPE_PROTOS"
};

const char *onnx_attr_type_name(int32_t type)
{
    if (type >= 0 && (size_t)type < sizeof attr_type_names / sizeof attr_type_names[0]) {
        return attr_type_names[type];
    }
    return "?";
}

/* Bytes per element of a supported type, 0 for an unsupported one. */
static size_t dtype_size(int32_t dtype)
{
    switch (dtype) {
    case ONNX_UINT8: case ONNX_INT8: case ONNX_BOOL:
        return 1;
    case ONNX_UINT16: case ONNX_INT16:
        return 2;
    case ONNX_FLOAT: case ONNX_INT32: case ONNX_UINT32:
        return 4;
    case ONNX_INT64: case ONNX_UINT64: case ONNX_DOUBLE:
        return 8;
    default:
        return 0;
    }
}

/* --------------------------------------------------------------- tensors */

static uint16_t le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
           ((uint32_t)p[3] << 24);
}

static uint64_t le64(const uint8_t *p)
{
    return (uint64_t)le32(p) | ((uint64_t)le32(p + 4) << 32);
}

/* Two's complement reinterpretation, without implementation-defined casts. */
static int64_t s64_of(uint64_t u)
{
    return u <= (uint64_t)INT64_MAX ? (int64_t)u : -(int64_t)(UINT64_MAX - u) - 1;
}

/* The range an integer type's values must lie in. */
static void int_range(int32_t dtype, int64_t *lo, int64_t *hi)
{
    switch (dtype) {
    case ONNX_BOOL:   *lo = 0; *hi = 1; break;
    case ONNX_UINT8:  *lo = 0; *hi = UINT8_MAX; break;
    case ONNX_INT8:   *lo = INT8_MIN; *hi = INT8_MAX; break;
    case ONNX_UINT16: *lo = 0; *hi = UINT16_MAX; break;
    case ONNX_INT16:  *lo = INT16_MIN; *hi = INT16_MAX; break;
    case ONNX_INT32:  *lo = INT32_MIN; *hi = INT32_MAX; break;
    case ONNX_UINT32: *lo = 0; *hi = UINT32_MAX; break;
    default:          *lo = INT64_MIN; *hi = INT64_MAX; break;
    }
}

/* The typed field that holds values of dtype (TensorProto spec). */
enum { F_FLOAT, F_INT32, F_STRING, F_INT64, F_DOUBLE, F_UINT64, F_COUNT };
static const char *const field_names[F_COUNT] = {
    "float_data", "int32_data", "string_data", "int64_data", "double_data", "uint64_data"
};

static int typed_field_of(int32_t dtype)
{
    switch (dtype) {
    case ONNX_FLOAT: return F_FLOAT;
    case ONNX_DOUBLE: return F_DOUBLE;
    case ONNX_INT64: return F_INT64;
    case ONNX_UINT32: case ONNX_UINT64: return F_UINT64;
    default: return F_INT32;
    }
}

/* Converts the TensorProto tp into *t (zeroed on entry). what names the
 * tensor in messages ("initializer 'w'"). */
static int decode_tensor(rd *r, const Onnx__TensorProto *tp, onnx_tensor *t, const char *what)
{
    size_t n_typed[F_COUNT], esize, count = 1, k;
    int32_t dtype;
    int own, f, i;
    int is_int;

    t->name = rd_strdup(r, tp->name);
    if (t->name == NULL) {
        return -1;
    }
    dtype = tp->has_data_type ? tp->data_type : ONNX_UNDEFINED;
    t->dtype = dtype;
    if (tp->has_data_location && tp->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL) {
        rd_error(r, (size_t)-1, "%s: external tensor data is not supported", what);
        return -1;
    }
    if (tp->has_data_location && tp->data_location != ONNX__TENSOR_PROTO__DATA_LOCATION__DEFAULT) {
        rd_error(r, (size_t)-1, "%s: unknown data_location %d", what, (int)tp->data_location);
        return -1;
    }
    if (tp->n_external_data > 0) {
        rd_error(r, (size_t)-1, "%s: external tensor data is not supported", what);
        return -1;
    }
    if (tp->n_dims > ONNX_MAX_DIMS) {
        rd_error(r, (size_t)-1, "%s has %zu dimensions (at most %d are supported)", what,
                 tp->n_dims, ONNX_MAX_DIMS);
        return -1;
    }
    t->ndim = (int)tp->n_dims;
    for (i = 0; i < t->ndim; i++) {
        int64_t dv = tp->dims[i];
        if (dv < 0) {
            rd_error(r, (size_t)-1, "%s: dimension %d is negative (%lld)", what, i, (long long)dv);
            return -1;
        }
        if ((uint64_t)dv > (uint64_t)ONNX_MAX_ELEMENTS) {
            rd_error(r, (size_t)-1, "%s: dimension %d is too large (%lld; at most 2^31 elements)",
                     what, i, (long long)dv);
            return -1;
        }
        t->dims[i] = dv;
    }
    for (i = 0; i < t->ndim; i++) {
        if (t->dims[i] == 0) {
            count = 0;
        }
    }
    for (i = 0; i < t->ndim && count != 0; i++) {
        size_t dv = (size_t)t->dims[i];
        if (count > ONNX_MAX_ELEMENTS / dv) {
            rd_error(r, (size_t)-1, "%s has more than 2^31 elements", what);
            return -1;
        }
        count *= dv;
    }
    t->count = count;
    if (dtype == ONNX_UNDEFINED) {
        rd_error(r, (size_t)-1, "%s has no data type", what);
        return -1;
    }
    esize = dtype_size(dtype);
    if (esize == 0) {
        rd_error(r, (size_t)-1, "%s: data type %s (%d) is not supported", what,
                 onnx_dtype_name(dtype), (int)dtype);
        return -1;
    }
    n_typed[F_FLOAT] = tp->n_float_data;
    n_typed[F_INT32] = tp->n_int32_data;
    n_typed[F_STRING] = tp->n_string_data;
    n_typed[F_INT64] = tp->n_int64_data;
    n_typed[F_DOUBLE] = tp->n_double_data;
    n_typed[F_UINT64] = tp->n_uint64_data;
    own = typed_field_of(dtype);
    for (f = 0; f < F_COUNT; f++) {
        if (n_typed[f] == 0) {
            continue;
        }
        if (tp->has_raw_data) {
            rd_error(r, (size_t)-1, "%s has both raw_data and %s", what, field_names[f]);
            return -1;
        }
        if (f != own) {
            rd_error(r, (size_t)-1, "%s: %s holds no %s values (they belong in %s or raw_data)",
                     what, field_names[f], onnx_dtype_name(dtype), field_names[own]);
            return -1;
        }
    }
    if (tp->has_raw_data) {
        if (tp->raw_data.len / esize != count || tp->raw_data.len % esize != 0) {
            rd_error(r, (size_t)-1,
                     "%s: raw_data has %zu bytes, expected %llu (%zu %s elements of %zu bytes)",
                     what, tp->raw_data.len, (unsigned long long)count * esize, count,
                     onnx_dtype_name(dtype), esize);
            return -1;
        }
    } else if (n_typed[own] != count) {
        rd_error(r, (size_t)-1, "%s has %zu values in %s, expected %zu", what, n_typed[own],
                 field_names[own], count);
        return -1;
    }
    is_int = dtype != ONNX_FLOAT && dtype != ONNX_DOUBLE;
    t->f32 = (float *)rd_calloc(r, count, sizeof(float));
    if (t->f32 == NULL) {
        return -1;
    }
    if (is_int) {
        t->i64 = (int64_t *)rd_calloc(r, count, sizeof(int64_t));
        if (t->i64 == NULL) {
            return -1;
        }
    }
    for (k = 0; k < count; k++) {
        const uint8_t *p = tp->has_raw_data ? tp->raw_data.data + k * esize : NULL;
        if (dtype == ONNX_FLOAT) {
            if (p != NULL) {
                uint32_t u = le32(p);
                memcpy(&t->f32[k], &u, sizeof u);
            } else {
                t->f32[k] = tp->float_data[k];
            }
        } else if (dtype == ONNX_DOUBLE) {
            double dv;
            if (p != NULL) {
                uint64_t u = le64(p);
                memcpy(&dv, &u, sizeof u);
            } else {
                dv = tp->double_data[k];
            }
            if (isfinite(dv) && fabs(dv) > (double)FLT_MAX) {
                rd_error(r, (size_t)-1, "%s: DOUBLE value %g (element %zu) is out of the float range",
                         what, dv, k);
                return -1;
            }
            t->f32[k] = (float)dv;
        } else {
            int64_t v, lo, hi;
            uint64_t u = 0;
            int is_u64 = 0;
            if (p != NULL) {
                switch (dtype) {
                case ONNX_UINT8: case ONNX_BOOL: v = p[0]; break;
                case ONNX_INT8: v = p[0] >= 0x80 ? (int64_t)p[0] - 0x100 : (int64_t)p[0]; break;
                case ONNX_UINT16: v = le16(p); break;
                case ONNX_INT16: {
                    uint16_t h = le16(p);
                    v = h >= 0x8000u ? (int64_t)h - 0x10000 : (int64_t)h;
                    break;
                }
                case ONNX_INT32: {
                    uint32_t w = le32(p);
                    v = w >= 0x80000000u ? (int64_t)w - 0x100000000 : (int64_t)w;
                    break;
                }
                case ONNX_UINT32: v = le32(p); break;
                case ONNX_UINT64: u = le64(p); is_u64 = 1; v = 0; break;
                default: v = s64_of(le64(p)); break; /* INT64 */
                }
            } else if (own == F_INT64) {
                v = tp->int64_data[k];
            } else if (own == F_UINT64) {
                u = tp->uint64_data[k];
                is_u64 = 1;
                v = 0;
            } else {
                v = tp->int32_data[k];
            }
            if (is_u64) {
                if (u > (uint64_t)INT64_MAX) {
                    rd_error(r, (size_t)-1, "%s: value %llu (element %zu) does not fit int64",
                             what, (unsigned long long)u, k);
                    return -1;
                }
                v = (int64_t)u;
            }
            int_range(dtype, &lo, &hi);
            if (v < lo || v > hi) {
                rd_error(r, (size_t)-1, "%s: value %lld (element %zu) is out of the %s range",
                         what, (long long)v, k, onnx_dtype_name(dtype));
                return -1;
            }
            t->i64[k] = v;
            t->f32[k] = (float)v;
        }
    }
    return 0;
}

void onnx_tensor_free(onnx_tensor *t)
{
    if (t != NULL) {
        free(t->name);
        free(t->f32);
        free(t->i64);
        memset(t, 0, sizeof *t);
    }
}

/* -------------------------------------------------------------- the model */

/* Quoting of a name in messages: at most QUOTE_MAX bytes ("%.*s"). */
#define Q(s) QUOTE_MAX, ((s) != NULL ? (s) : "")

static int decode_value_info(rd *r, const Onnx__ValueInfoProto *v, onnx_value_info *o,
                             const char *kind, size_t idx)
{
    const Onnx__TypeProto__Tensor *tt;
    size_t i;

    if (v->name == NULL || v->name[0] == '\0') {
        rd_error(r, (size_t)-1, "%s %zu has no name", kind, idx);
        return -1;
    }
    o->name = rd_strdup(r, v->name);
    if (o->name == NULL) {
        return -1;
    }
    tt = v->type != NULL ? v->type->tensor_type : NULL;
    if (tt == NULL) {
        return 0;
    }
    o->elem_type = tt->has_elem_type ? tt->elem_type : 0;
    if (tt->shape == NULL) {
        return 0;
    }
    if (tt->shape->n_dim > ONNX_MAX_DIMS) {
        rd_error(r, (size_t)-1, "%s '%.*s' has %zu dimensions (at most %d are supported)", kind,
                 Q(v->name), tt->shape->n_dim, ONNX_MAX_DIMS);
        return -1;
    }
    o->has_shape = 1;
    o->ndim = (int)tt->shape->n_dim;
    for (i = 0; i < tt->shape->n_dim; i++) {
        const Onnx__TensorShapeProto__Dimension *dm = tt->shape->dim[i];
        o->dims[i] = -1;
        if (dm->has_dim_value && (dm->dim_value < 0 ||
                                  (uint64_t)dm->dim_value > (uint64_t)ONNX_MAX_ELEMENTS)) {
            rd_error(r, (size_t)-1, "%s '%.*s': dimension %zu (%lld) is out of range (0..2^31)",
                     kind, Q(v->name), i, (long long)dm->dim_value);
            return -1;
        }
        if (dm->has_dim_value) {
            o->dims[i] = dm->dim_value;
        } else if (!dm->has_dim_value && dm->dim_param != NULL && dm->dim_param[0] != '\0') {
            o->dim_params[i] = rd_strdup(r, dm->dim_param);
            if (o->dim_params[i] == NULL) {
                return -1;
            }
        }
    }
    return 0;
}

static void free_value_info(onnx_value_info *v)
{
    int i;
    free(v->name);
    for (i = 0; i < ONNX_MAX_DIMS; i++) {
        free(v->dim_params[i]);
    }
}

static int decode_attr(rd *r, const Onnx__AttributeProto *a, onnx_attr *o,
                       const Onnx__NodeProto *np, size_t idx)
{
    char what[400];
    size_t i;

    if (a->name == NULL || a->name[0] == '\0') {
        rd_error(r, (size_t)-1, "attribute %zu of node '%.*s' (%.*s) has no name", idx,
                 Q(np->name), Q(np->op_type));
        return -1;
    }
    snprintf(what, sizeof what, "attribute '%.*s' of node '%.*s' (%.*s)", Q(a->name),
             Q(np->name), Q(np->op_type));
    o->name = rd_strdup(r, a->name);
    if (o->name == NULL) {
        return -1;
    }
    o->type = a->has_type ? (int32_t)a->type : ONNX_ATTR_UNDEFINED;
    o->f = a->f;
    o->i = a->i;
    o->s = rd_strndup(r, a->has_s ? (const char *)a->s.data : "", a->has_s ? a->s.len : 0);
    if (o->s == NULL) {
        return -1;
    }
    o->s_len = a->has_s ? a->s.len : 0;
    if (a->n_floats > 0) {
        o->floats = (float *)rd_calloc(r, a->n_floats, sizeof(float));
        if (o->floats == NULL) {
            return -1;
        }
        memcpy(o->floats, a->floats, a->n_floats * sizeof(float));
        o->n_floats = a->n_floats;
    }
    if (a->n_ints > 0) {
        o->ints = (int64_t *)rd_calloc(r, a->n_ints, sizeof(int64_t));
        if (o->ints == NULL) {
            return -1;
        }
        memcpy(o->ints, a->ints, a->n_ints * sizeof(int64_t));
        o->n_ints = a->n_ints;
    }
    if (a->n_strings > 0) {
        o->strings = (char **)rd_calloc(r, a->n_strings, sizeof(char *));
        if (o->strings == NULL) {
            return -1;
        }
        o->n_strings = a->n_strings;
        for (i = 0; i < a->n_strings; i++) {
            o->strings[i] = rd_strndup(r, (const char *)a->strings[i].data, a->strings[i].len);
            if (o->strings[i] == NULL) {
                return -1;
            }
        }
    }
    if (o->type == ONNX_ATTR_TENSOR) {
        if (a->t == NULL) {
            rd_error(r, (size_t)-1, "%s is of type TENSOR but holds no tensor", what);
            return -1;
        }
        o->t = (onnx_tensor *)rd_calloc(r, 1, sizeof(onnx_tensor));
        if (o->t == NULL) {
            return -1;
        }
        if (decode_tensor(r, a->t, o->t, what) != 0) {
            return -1;
        }
    }
    return 0;
}

static void free_attr(onnx_attr *a)
{
    size_t i;
    free(a->name);
    free(a->s);
    free(a->floats);
    free(a->ints);
    for (i = 0; i < a->n_strings; i++) {
        free(a->strings[i]);
    }
    free(a->strings);
    if (a->t != NULL) {
        onnx_tensor_free(a->t);
        free(a->t);
    }
}

/* Copies n strings into a new array *out. */
static int copy_strings(rd *r, char *const *in, size_t n, char ***out)
{
    size_t i;
    *out = (char **)rd_calloc(r, n, sizeof(char *));
    if (*out == NULL) {
        return -1;
    }
    for (i = 0; i < n; i++) {
        (*out)[i] = rd_strdup(r, in[i]);
        if ((*out)[i] == NULL) {
            return -1;
        }
    }
    return 0;
}

static int decode_node(rd *r, const Onnx__NodeProto *np, onnx_node *o, size_t idx)
{
    size_t i;

    if (np->op_type == NULL || np->op_type[0] == '\0') {
        rd_error(r, (size_t)-1, "node %zu ('%.*s') has no op_type", idx, Q(np->name));
        return -1;
    }
    o->name = rd_strdup(r, np->name);
    o->op_type = rd_strdup(r, np->op_type);
    o->domain = rd_strdup(r, np->domain);
    if (o->name == NULL || o->op_type == NULL || o->domain == NULL) {
        return -1;
    }
    /* (on failure free_node frees what was copied: the arrays start zeroed) */
    o->n_inputs = np->n_input;
    o->n_outputs = np->n_output;
    if (copy_strings(r, np->input, np->n_input, &o->inputs) != 0 ||
        copy_strings(r, np->output, np->n_output, &o->outputs) != 0) {
        return -1;
    }
    o->attrs = (onnx_attr *)rd_calloc(r, np->n_attribute, sizeof(onnx_attr));
    if (o->attrs == NULL) {
        return -1;
    }
    o->n_attrs = np->n_attribute;
    for (i = 0; i < np->n_attribute; i++) {
        if (decode_attr(r, np->attribute[i], &o->attrs[i], np, i) != 0) {
            return -1;
        }
    }
    return 0;
}

static void free_node(onnx_node *n)
{
    size_t i;
    free(n->name);
    free(n->op_type);
    free(n->domain);
    for (i = 0; n->inputs != NULL && i < n->n_inputs; i++) {
        free(n->inputs[i]);
    }
    free(n->inputs);
    for (i = 0; n->outputs != NULL && i < n->n_outputs; i++) {
        free(n->outputs[i]);
    }
    free(n->outputs);
    for (i = 0; n->attrs != NULL && i < n->n_attrs; i++) {
        free_attr(&n->attrs[i]);
    }
    free(n->attrs);
}

void onnx_model_free(onnx_model *m)
{
    size_t i;
    if (m == NULL) {
        return;
    }
    free(m->producer);
    free(m->graph_name);
    for (i = 0; m->nodes != NULL && i < m->n_nodes; i++) {
        free_node(&m->nodes[i]);
    }
    free(m->nodes);
    for (i = 0; m->inits != NULL && i < m->n_inits; i++) {
        onnx_tensor_free(&m->inits[i]);
    }
    free(m->inits);
    for (i = 0; m->inputs != NULL && i < m->n_inputs; i++) {
        free_value_info(&m->inputs[i]);
    }
    free(m->inputs);
    for (i = 0; m->outputs != NULL && i < m->n_outputs; i++) {
        free_value_info(&m->outputs[i]);
    }
    free(m->outputs);
    for (i = 0; m->value_info != NULL && i < m->n_value_info; i++) {
        free_value_info(&m->value_info[i]);
    }
    free(m->value_info);
    free(m);
}

/* Model-level checks: IR version, opset. Reports every problem found. */
static int check_versions(rd *r, const Onnx__ModelProto *mp, onnx_model *m)
{
    int ok = 1, found = 0;
    size_t i;

    m->ir_version = mp->has_ir_version ? mp->ir_version : 0;
    if (m->ir_version < ONNX_IR_MIN || m->ir_version > ONNX_IR_MAX) {
        rd_error(r, (size_t)-1, "IR version %lld is not supported (%d..%d)",
                 (long long)m->ir_version, ONNX_IR_MIN, ONNX_IR_MAX);
        ok = 0;
    }
    for (i = 0; i < mp->n_opset_import; i++) {
        const Onnx__OperatorSetIdProto *os = mp->opset_import[i];
        const char *dom = os->domain != NULL ? os->domain : "";
        if (dom[0] != '\0' && strcmp(dom, "ai.onnx") != 0) {
            continue;
        }
        if (found) {
            rd_error(r, (size_t)-1, "opset_import lists the default domain twice");
            ok = 0;
            break;
        }
        found = 1;
        m->opset = os->has_version ? os->version : 0;
        if (m->opset < 1) {
            rd_error(r, (size_t)-1, "opset %lld is not valid", (long long)m->opset);
            ok = 0;
        } else if (m->opset > ONNX_OPSET_MAX) {
            rd_error(r, (size_t)-1, "opset %lld is not supported (up to %d)",
                     (long long)m->opset, ONNX_OPSET_MAX);
            ok = 0;
        }
    }
    if (!found && mp->graph != NULL) {
        /* a model of other domains only: the importer rejects its nodes */
        for (i = 0; i < mp->graph->n_node; i++) {
            const Onnx__NodeProto *np = mp->graph->node[i];
            if (np->domain == NULL || np->domain[0] == '\0' || strcmp(np->domain, "ai.onnx") == 0) {
                rd_error(r, (size_t)-1,
                         "node %zu ('%.*s') is in the default domain, but the model imports "
                         "no opset of it", i, Q(np->name));
                ok = 0;
                break;
            }
        }
    }
    return ok ? 0 : -1;
}

static int decode_graph(rd *r, const Onnx__GraphProto *g, onnx_model *m)
{
    char what[200];
    size_t i;

    m->graph_name = rd_strdup(r, g->name);
    if (m->graph_name == NULL) {
        return -1;
    }
    m->nodes = (onnx_node *)rd_calloc(r, g->n_node, sizeof(onnx_node));
    m->inits = (onnx_tensor *)rd_calloc(r, g->n_initializer, sizeof(onnx_tensor));
    m->inputs = (onnx_value_info *)rd_calloc(r, g->n_input, sizeof(onnx_value_info));
    m->outputs = (onnx_value_info *)rd_calloc(r, g->n_output, sizeof(onnx_value_info));
    m->value_info = (onnx_value_info *)rd_calloc(r, g->n_value_info, sizeof(onnx_value_info));
    if (m->nodes == NULL || m->inits == NULL || m->inputs == NULL || m->outputs == NULL ||
        m->value_info == NULL) {
        return -1;
    }
    m->n_nodes = g->n_node;
    m->n_inits = g->n_initializer;
    m->n_inputs = g->n_input;
    m->n_outputs = g->n_output;
    m->n_value_info = g->n_value_info;
    for (i = 0; i < g->n_node; i++) {
        if (decode_node(r, g->node[i], &m->nodes[i], i) != 0) {
            return -1;
        }
    }
    for (i = 0; i < g->n_initializer; i++) {
        const Onnx__TensorProto *tp = g->initializer[i];
        if (tp->name == NULL || tp->name[0] == '\0') {
            rd_error(r, (size_t)-1, "initializer %zu has no name", i);
            return -1;
        }
        snprintf(what, sizeof what, "initializer '%.*s'", Q(tp->name));
        if (decode_tensor(r, tp, &m->inits[i], what) != 0) {
            return -1;
        }
    }
    for (i = 0; i < g->n_input; i++) {
        if (decode_value_info(r, g->input[i], &m->inputs[i], "graph input", i) != 0) {
            return -1;
        }
    }
    for (i = 0; i < g->n_output; i++) {
        if (decode_value_info(r, g->output[i], &m->outputs[i], "graph output", i) != 0) {
            return -1;
        }
    }
    for (i = 0; i < g->n_value_info; i++) {
        if (decode_value_info(r, g->value_info[i], &m->value_info[i], "value_info", i) != 0) {
            return -1;
        }
    }
    return 0;
}

static char *producer_of(rd *r, const Onnx__ModelProto *mp)
{
    const char *n = mp->producer_name != NULL ? mp->producer_name : "";
    const char *v = mp->producer_version != NULL ? mp->producer_version : "";
    size_t len = strlen(n) + 1 + strlen(v) + 1;
    char *p = (char *)rd_calloc(r, len, 1);
    if (p != NULL) {
        snprintf(p, len, "%s%s%s", n, n[0] != '\0' && v[0] != '\0' ? " " : "", v);
    }
    return p;
}

onnx_model *onnx_read_mem(const char *path, const uint8_t *data, size_t len, diag *d)
{
    rd r;
    Onnx__ModelProto *mp;
    onnx_model *m;
    int ok;

    memset(&r, 0, sizeof r);
    r.path = path;
    r.d = d;
    mp = (Onnx__ModelProto *)unpack(&r, &onnx__model_proto__descriptor, data, len);
    if (mp == NULL) {
        return NULL;
    }
    m = (onnx_model *)rd_calloc(&r, 1, sizeof *m);
    if (m == NULL) {
        pb_release(&mp->base);
        return NULL;
    }
    ok = check_versions(&r, mp, m) == 0;
    if (mp->graph == NULL) {
        rd_error(&r, (size_t)-1, "the model has no graph");
        ok = 0;
    }
    if (ok) {
        m->producer = producer_of(&r, mp);
        ok = m->producer != NULL && decode_graph(&r, mp->graph, m) == 0;
    }
    pb_release(&mp->base);
    if (!ok) {
        onnx_model_free(m);
        return NULL;
    }
    return m;
}

int onnx_read_tensor_mem(const char *path, const uint8_t *data, size_t len,
                         onnx_tensor *t, diag *d)
{
    rd r;
    Onnx__TensorProto *tp;
    char what[200];
    int rc;

    memset(t, 0, sizeof *t);
    memset(&r, 0, sizeof r);
    r.path = path;
    r.d = d;
    tp = (Onnx__TensorProto *)unpack(&r, &onnx__tensor_proto__descriptor, data, len);
    if (tp == NULL) {
        return -1;
    }
    if (tp->name != NULL && tp->name[0] != '\0') {
        snprintf(what, sizeof what, "tensor '%.*s'", Q(tp->name));
    } else {
        snprintf(what, sizeof what, "tensor");
    }
    rc = decode_tensor(&r, tp, t, what);
    pb_release(&tp->base);
    if (rc != 0) {
        onnx_tensor_free(t);
    }
    return rc;
}

/* Reads path into *buf; reports and returns -1 on failure. */
static int read_file(const char *path, char **buf, size_t *len, diag *d)
{
    int rc = fileio_read_all(path, ONNX_MAX_FILE_BYTES, buf, len);
    if (rc == -2) {
        diag_error(d, path, 0, "file larger than %zu bytes", ONNX_MAX_FILE_BYTES);
        return -1;
    }
    if (rc != 0) {
        if (errno == ENOMEM) {
            diag_io(d, path, "out of memory");
        } else {
            diag_error(d, path, 0, "cannot read: %s", strerror(errno));
        }
        return -1;
    }
    return 0;
}

onnx_model *onnx_read(const char *path, diag *d)
{
    char *buf;
    size_t len;
    onnx_model *m;

    if (read_file(path, &buf, &len, d) != 0) {
        return NULL;
    }
    m = onnx_read_mem(path, (const uint8_t *)buf, len, d);
    free(buf);
    return m;
}

int onnx_read_tensor(const char *path, onnx_tensor *t, diag *d)
{
    char *buf;
    size_t len;
    int rc;

    memset(t, 0, sizeof *t);
    if (read_file(path, &buf, &len, d) != 0) {
        return -1;
    }
    rc = onnx_read_tensor_mem(path, (const uint8_t *)buf, len, t, d);
    free(buf);
    return rc;
}

const onnx_attr *onnx_node_attr(const onnx_node *n, const char *name)
{
    size_t i;
    for (i = 0; i < n->n_attrs; i++) {
        if (strcmp(n->attrs[i].name, name) == 0) {
            return &n->attrs[i];
        }
    }
    return NULL;
}

const onnx_tensor *onnx_model_init(const onnx_model *m, const char *name)
{
    size_t i;
    for (i = 0; i < m->n_inits; i++) {
        if (strcmp(m->inits[i].name, name) == 0) {
            return &m->inits[i];
        }
    }
    return NULL;
}

/* Reading ONNX files: a plain-C view of a model (or of one serialized
 * TensorProto), so the importer never sees protobuf-c types.
 *
 * The reader checks the file's wire format (with byte offsets), decodes it
 * with protobuf-c (generator/onnx.proto, a subset of the ONNX schema), and
 * checks what every consumer relies on: supported IR version and opset,
 * tensor shapes and data that agree, supported element types. What an
 * operator means is left to the importer. */
#ifndef STOIC_ONNX_READ_H
#define STOIC_ONNX_READ_H
#include <stddef.h>
#include <stdint.h>

#include "diag.h"

#define ONNX_MAX_DIMS 8
/* Largest file onnx_read / onnx_read_tensor accept. */
#define ONNX_MAX_FILE_BYTES ((size_t)1 << 30)
/* Largest element count of a tensor. */
#define ONNX_MAX_ELEMENTS ((size_t)1 << 31)
/* Supported IR versions and default-domain opsets. */
#define ONNX_IR_MIN 3
#define ONNX_IR_MAX 10
#define ONNX_OPSET_MAX 17

/* TensorProto.DataType codes */
enum {
    ONNX_UNDEFINED = 0, ONNX_FLOAT = 1, ONNX_UINT8 = 2, ONNX_INT8 = 3,
    ONNX_UINT16 = 4, ONNX_INT16 = 5, ONNX_INT32 = 6, ONNX_INT64 = 7,
    ONNX_STRING = 8, ONNX_BOOL = 9, ONNX_FLOAT16 = 10, ONNX_DOUBLE = 11,
    ONNX_UINT32 = 12, ONNX_UINT64 = 13, ONNX_COMPLEX64 = 14,
    ONNX_COMPLEX128 = 15, ONNX_BFLOAT16 = 16
};

/* AttributeProto.AttributeType codes */
enum {
    ONNX_ATTR_UNDEFINED = 0, ONNX_ATTR_FLOAT = 1, ONNX_ATTR_INT = 2,
    ONNX_ATTR_STRING = 3, ONNX_ATTR_TENSOR = 4, ONNX_ATTR_GRAPH = 5,
    ONNX_ATTR_FLOATS = 6, ONNX_ATTR_INTS = 7, ONNX_ATTR_STRINGS = 8,
    ONNX_ATTR_TENSORS = 9, ONNX_ATTR_GRAPHS = 10, ONNX_ATTR_SPARSE_TENSOR = 11,
    ONNX_ATTR_SPARSE_TENSORS = 12, ONNX_ATTR_TYPE_PROTO = 13,
    ONNX_ATTR_TYPE_PROTOS = 14
};

/* A dense tensor with its values. Supported element types: FLOAT, DOUBLE,
 * INT8, UINT8, INT16, UINT16, INT32, UINT32, INT64, UINT64 (values up to
 * INT64_MAX), BOOL. */
typedef struct {
    char *name;               /* "" when the tensor has none */
    int32_t dtype;            /* ONNX TensorProto.DataType */
    int ndim;
    int64_t dims[ONNX_MAX_DIMS];
    size_t count;             /* product of dims (1 for a scalar), <= ONNX_MAX_ELEMENTS */
    /* count values converted to float (never NULL, even when count is 0):
     * FLOAT as is (NaN and infinities kept); DOUBLE rounded to nearest (a
     * finite value beyond the float range is an error); integer and BOOL
     * values rounded to nearest (exact up to 2^24 in magnitude). */
    float *f32;
    /* count values as int64 for the integer types and BOOL (0 or 1);
     * NULL for FLOAT and DOUBLE. */
    int64_t *i64;
} onnx_tensor;

typedef struct {
    char *name;
    int32_t type;             /* ONNX AttributeProto.AttributeType */
    float f;
    int64_t i;
    char *s;                  /* NUL-terminated copy of the bytes of s ("" if absent) */
    size_t s_len;             /* number of bytes in s (it may hold NUL bytes) */
    float *floats; size_t n_floats;
    int64_t *ints; size_t n_ints;
    char **strings; size_t n_strings;   /* NUL-terminated copies (STRINGS) */
    onnx_tensor *t;           /* the value of a TENSOR attribute, else NULL */
} onnx_attr;

typedef struct {
    char *name, *op_type, *domain;      /* name and domain "" when absent */
    char **inputs; size_t n_inputs;     /* "" for an omitted optional input */
    char **outputs; size_t n_outputs;
    onnx_attr *attrs; size_t n_attrs;
} onnx_node;

typedef struct {
    char *name;
    int32_t elem_type;        /* 0 when unknown (or not a tensor type) */
    int has_shape;
    int ndim;
    int64_t dims[ONNX_MAX_DIMS];     /* 0..ONNX_MAX_ELEMENTS (checked); -1 where symbolic or unknown */
    char *dim_params[ONNX_MAX_DIMS]; /* symbolic name or NULL */
} onnx_value_info;

typedef struct {
    int64_t ir_version;
    int64_t opset;            /* version of the default domain ("" or "ai.onnx"); 0 when the
                                 model imports none (then no node is in it) */
    char *producer;           /* "name version" ("name" or "" when parts are absent) */
    char *graph_name;         /* "" when absent */
    onnx_node *nodes; size_t n_nodes;
    onnx_tensor *inits; size_t n_inits;
    onnx_value_info *inputs; size_t n_inputs;     /* graph inputs (may include initializers in IR < 4) */
    onnx_value_info *outputs; size_t n_outputs;
    onnx_value_info *value_info; size_t n_value_info;
} onnx_model;

/* Reads and checks an ONNX model file (at most ONNX_MAX_FILE_BYTES).
 * Errors go through d as "PATH: error: ..." or "PATH: byte N: error: ...".
 * Returns NULL on error (d->errors or, out of memory, d->io_errors). */
onnx_model *onnx_read(const char *path, diag *d);

/* Reads a single serialized TensorProto (the ONNX test suite's input_0.pb
 * etc.) into *t. Returns 0, or -1 after reporting (then *t is empty). */
int onnx_read_tensor(const char *path, onnx_tensor *t, diag *d);

/* The same from bytes in memory; path only names them in messages. */
onnx_model *onnx_read_mem(const char *path, const uint8_t *data, size_t len, diag *d);
int onnx_read_tensor_mem(const char *path, const uint8_t *data, size_t len,
                         onnx_tensor *t, diag *d);

const onnx_attr *onnx_node_attr(const onnx_node *n, const char *name);   /* NULL if absent */
const onnx_tensor *onnx_model_init(const onnx_model *m, const char *name); /* NULL if absent */

/* "FLOAT", "INT64", ... ("?" for an unknown code) */
const char *onnx_dtype_name(int32_t dtype);
/* "FLOAT", "INTS", ... ("?" for an unknown code) */
const char *onnx_attr_type_name(int32_t type);

void onnx_model_free(onnx_model *m);   /* m may be NULL */
void onnx_tensor_free(onnx_tensor *t); /* frees the members and empties *t */

#endif

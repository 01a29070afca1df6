/* NumPy .npy files (format versions 1.0, 2.0 and 3.0), C order only. */
#ifndef STOIC_NPY_H
#define STOIC_NPY_H
#include <stddef.h>
#include <stdint.h>

#define NPY_MAX_DIMS 8

typedef enum {
    NPY_F32 = 0, /* '<f4' */
    NPY_F64,     /* '<f8' */
    NPY_I32,     /* '<i4' */
    NPY_I64,     /* '<i8' */
    NPY_U8,      /* '|u1' */
    NPY_I8       /* '|i1' */
} npy_dtype;

typedef struct {
    npy_dtype dtype;
    int ndim;                    /* 0 .. NPY_MAX_DIMS */
    int64_t shape[NPY_MAX_DIMS];
    size_t count;                /* product of shape (1 for ndim 0) */
    void *data;                  /* count elements of dtype, host byte order */
} npy_array;

/* Reads a .npy file of at most max_bytes. Returns 0, or -1 with a message
 * "PATH: byte N: what is wrong" (or "PATH: why it cannot be read") in err.
 * Rejects: bad magic, unknown version, malformed header dict, fortran_order
 * True, big-endian or unsupported dtypes, data shorter or longer than the
 * shape says, sizes that overflow. */
int npy_read(const char *path, size_t max_bytes, npy_array *a, char *err, size_t errlen);

/* Converts any numeric array to float32 (malloc'd; caller frees) /
 * to int64 labels. Return NULL on OOM. */
float *npy_to_f32(const npy_array *a);
int64_t *npy_to_i64(const npy_array *a);

/* Encodes a float32 array (version 1.0 header, '<f4', C order) into a
 * malloc'd buffer; returns 0 or -1 (OOM / bad shape). */
int npy_encode_f32(const int64_t *shape, int ndim, const float *data,
                   uint8_t **buf, size_t *len);

void npy_free(npy_array *a);

#endif

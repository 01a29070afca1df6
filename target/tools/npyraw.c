/* bin/npyraw: .npy files to and from the target harness's raw files
 * (float32 little-endian, rows one after the other; target/harness/harness.c).
 *
 *   npyraw rows IN.npy FIRST COUNT OUT.raw [OUT.npy]
 *       rows FIRST .. FIRST+COUNT-1 of IN.npy (first axis; any numeric
 *       dtype, converted to float32) as OUT.raw, and with OUT.npy the same
 *       rows as a float32 .npy of IN's shape with COUNT rows (the input
 *       of stoic eval for exactly those rows)
 *   npyraw raw IN.npy OUT.raw
 *       every value of IN.npy as float32 little-endian (an expected output
 *       of stoic eval, compared byte for byte with the target's)
 *   npyraw cmpf32 A.raw B.raw
 *       compares two raw float32 files value by value: equal bits, or both
 *       NaN (IEEE 754 leaves the sign and payload of a NaN that an
 *       operation creates to the processor: 0x7fc00000 on ARM and PowerPC,
 *       0xffc00000 on x86); prints how many NaN differ in their bits.
 *       Exit 0 when equal so, 1 otherwise
 *
 * The byte order of OUT.raw is little-endian on any host. Exit: 0 done,
 * 1 bad data (unreadable, too few rows), 2 usage, 3 cannot write. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "npy.h"

#define MAX_NPY_BYTES ((size_t)1 << 30)

static void usage(void)
{
    fprintf(stderr, "usage: npyraw rows IN.npy FIRST COUNT OUT.raw [OUT.npy]\n"
                    "       npyraw raw IN.npy OUT.raw\n"
                    "       npyraw cmpf32 A.raw B.raw\n");
}

static int parse_count(const char *s, size_t *v)
{
    char *end;
    unsigned long long x = strtoull(s, &end, 10);

    if (*s == '\0' || *end != '\0' || x > (1ULL << 30)) {
        fprintf(stderr, "npyraw: not a count: '%s'\n", s);
        return -1;
    }
    *v = (size_t)x;
    return 0;
}

static int write_raw(const char *path, const float *v, size_t n)
{
    FILE *f = fopen(path, "wb");
    size_t i;
    uint32_t u;
    uint8_t b[4];

    if (f == NULL) {
        fprintf(stderr, "npyraw: cannot write %s\n", path);
        return -1;
    }
    for (i = 0; i < n; i++) {
        memcpy(&u, &v[i], sizeof u);
        b[0] = (uint8_t)(u & 0xFFU);
        b[1] = (uint8_t)((u >> 8) & 0xFFU);
        b[2] = (uint8_t)((u >> 16) & 0xFFU);
        b[3] = (uint8_t)(u >> 24);
        if (fwrite(b, 1, 4, f) != 4) {
            break;
        }
    }
    if (fclose(f) != 0 || i != n) {
        fprintf(stderr, "npyraw: cannot write %s\n", path);
        return -1;
    }
    return 0;
}

static int read_raw(const char *path, uint8_t **buf, size_t *len)
{
    char *b = NULL;
    int rc = fileio_read_all(path, MAX_NPY_BYTES, &b, len);

    if (rc != 0) {
        fprintf(stderr, "npyraw: cannot read %s\n", path);
        return -1;
    }
    *buf = (uint8_t *)b;
    return 0;
}

static uint32_t word_le(const uint8_t *b)
{
    return (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) | ((uint32_t)b[3] << 24);
}

static int is_nan_bits(uint32_t u)
{
    return (u & 0x7F800000U) == 0x7F800000U && (u & 0x007FFFFFU) != 0U;
}

static int cmp_f32(const char *pa, const char *pb)
{
    uint8_t *a = NULL;
    uint8_t *b = NULL;
    size_t la = 0;
    size_t lb = 0;
    size_t i;
    size_t nan_bits = 0;
    size_t differ = 0;
    size_t first = 0;
    uint32_t ua;
    uint32_t ub;

    if (read_raw(pa, &a, &la) != 0 || read_raw(pb, &b, &lb) != 0) {
        free(a);
        return 2;
    }
    if (la != lb || la % 4U != 0U) {
        printf("npyraw: %s (%zu bytes) vs %s (%zu bytes): not the same number of float32\n",
               pa, la, pb, lb);
        free(a);
        free(b);
        return 1;
    }
    for (i = 0; i < la; i += 4U) {
        ua = word_le(a + i);
        ub = word_le(b + i);
        if (ua == ub) {
            continue;
        }
        if (is_nan_bits(ua) && is_nan_bits(ub)) {
            nan_bits++;
        } else {
            if (differ == 0) {
                first = i / 4U;
            }
            differ++;
        }
    }
    if (differ != 0) {
        printf("npyraw: %s vs %s: %zu of %zu values differ, the first at %zu\n", pa, pb, differ,
               la / 4U, first);
    } else {
        printf("npyraw: %s vs %s: %zu values equal (%zu NaN with other sign or payload bits)\n",
               pa, pb, la / 4U, nan_bits);
    }
    free(a);
    free(b);
    return differ == 0 ? 0 : 1;
}

static int write_file(const char *path, const uint8_t *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    int ok;

    if (f == NULL) {
        fprintf(stderr, "npyraw: cannot write %s\n", path);
        return -1;
    }
    ok = fwrite(data, 1, n, f) == n;
    if (fclose(f) != 0 || !ok) {
        fprintf(stderr, "npyraw: cannot write %s\n", path);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    npy_array a;
    char err[512];
    float *v;
    size_t first = 0;
    size_t count = 0;
    size_t per_row;
    int64_t shape[NPY_MAX_DIMS];
    uint8_t *buf = NULL;
    size_t len = 0;
    int rc = 0;
    int d;

    if (argc == 4 && strcmp(argv[1], "cmpf32") == 0) {
        return cmp_f32(argv[2], argv[3]);
    }
    if (argc >= 2 && strcmp(argv[1], "rows") == 0 && (argc == 6 || argc == 7)) {
        if (parse_count(argv[3], &first) != 0 || parse_count(argv[4], &count) != 0) {
            return 2;
        }
    } else if (argc == 4 && strcmp(argv[1], "raw") == 0) {
        /* all of it */
    } else {
        usage();
        return 2;
    }
    if (npy_read(argv[2], MAX_NPY_BYTES, &a, err, sizeof err) != 0) {
        fprintf(stderr, "npyraw: %s\n", err);
        return 1;
    }
    v = npy_to_f32(&a);
    if (v == NULL) {
        fprintf(stderr, "npyraw: out of memory\n");
        npy_free(&a);
        return 3;
    }
    if (argv[1][1] == 'a') {
        rc = write_raw(argv[3], v, a.count) == 0 ? 0 : 3;
    } else if (a.ndim < 1 || a.shape[0] <= 0 || (size_t)a.shape[0] < first + count) {
        fprintf(stderr, "npyraw: %s has fewer than %zu rows\n", argv[2], first + count);
        rc = 1;
    } else {
        per_row = a.count / (size_t)a.shape[0];
        rc = write_raw(argv[5], v + first * per_row, count * per_row) == 0 ? 0 : 3;
        if (rc == 0 && argc == 7) {
            for (d = 0; d < a.ndim; d++) {
                shape[d] = a.shape[d];
            }
            shape[0] = (int64_t)count;
            if (npy_encode_f32(shape, a.ndim, v + first * per_row, &buf, &len) != 0) {
                fprintf(stderr, "npyraw: out of memory\n");
                rc = 3;
            } else {
                rc = write_file(argv[6], buf, len) == 0 ? 0 : 3;
                free(buf);
            }
        }
    }
    free(v);
    npy_free(&a);
    return rc;
}

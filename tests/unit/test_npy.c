/* .npy reading and writing. Files are built byte by byte from the format
 * description (numpy.lib.format) and written to a temporary directory. */
/* REQ: REQ-IMP-008 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "npy.h"
#include "unit.h"

#define MAX_BYTES ((size_t)1 << 20)

static char tmpdir[256];
static char path[512];

static int suite_init(void)
{
    const char *t = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/stoic_npy_XXXXXX", t != NULL && *t ? t : "/tmp");
    return mkdtemp(tmpdir) != NULL ? 0 : -1;
}

static int suite_clean(void)
{
    DIR *d = opendir(tmpdir);
    struct dirent *e;
    char p[600];

    if (d == NULL) {
        return -1;
    }
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            snprintf(p, sizeof p, "%s/%s", tmpdir, e->d_name);
            unlink(p);
        }
    }
    closedir(d);
    return rmdir(tmpdir);
}

/* writes n raw bytes to tmpdir/name; sets path */
static void write_raw(const char *name, const void *bytes, size_t n)
{
    FILE *f;
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    f = fopen(path, "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    if (n > 0) {
        CU_ASSERT_EQUAL(fwrite(bytes, 1, n, f), n);
    }
    CU_ASSERT_EQUAL(fclose(f), 0);
}

/* Builds a .npy file: magic, version major.0, header length (2 bytes LE
 * for version 1, 4 bytes LE otherwise), the header text as given, data.
 * Returns the file offset where the header text starts. */
static size_t write_npy(const char *name, int major, const char *header,
                        const void *data, size_t data_len)
{
    unsigned char buf[4096];
    size_t hl = strlen(header), n = 0;

    memcpy(buf, "\x93NUMPY", 6);
    buf[6] = (unsigned char)major;
    buf[7] = 0;
    n = 8;
    buf[n++] = (unsigned char)(hl & 0xff);
    buf[n++] = (unsigned char)(hl >> 8);
    if (major != 1) {
        buf[n++] = 0;
        buf[n++] = 0;
    }
    CU_ASSERT_FATAL(n + hl + data_len <= sizeof buf);
    memcpy(buf + n, header, hl);
    if (data_len > 0) {
        memcpy(buf + n + hl, data, data_len);
    }
    write_raw(name, buf, n + hl + data_len);
    return n;
}

/* The dict of a C-order 2x3 float32 array exactly as numpy writes it,
 * padded with 58 spaces and a newline to a header of 118 (0x76) bytes, so
 * that the data starts at offset 128. */
#define F32_2X3_HEADER                                                    \
    "\x93NUMPY\x01\x00\x76\x00"                                         \
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"       \
    "                                                          \n"
/* 1.0, 2.0, -1.5, 0.5, 3.0, 0.25 as IEEE 754 binary32, little-endian */
#define F32_2X3_DATA                                                      \
    "\x00\x00\x80\x3f" "\x00\x00\x00\x40" "\x00\x00\xc0\xbf"           \
    "\x00\x00\x00\x3f" "\x00\x00\x40\x40" "\x00\x00\x80\x3e"
static const char F32_2X3[] = F32_2X3_HEADER F32_2X3_DATA;
static const float F32_2X3_VALUES[6] = { 1.0f, 2.0f, -1.5f, 0.5f, 3.0f, 0.25f };

static void test_read_f32_2x3(void)
{
    npy_array a;
    char err[256];
    const float *v;
    int i;

    CU_ASSERT_EQUAL(sizeof F32_2X3 - 1, 128u + 24u);
    write_raw("f32.npy", F32_2X3, sizeof F32_2X3 - 1);
    CU_ASSERT_EQUAL_FATAL(npy_read(path, MAX_BYTES, &a, err, sizeof err), 0);
    CU_ASSERT_EQUAL(a.dtype, NPY_F32);
    CU_ASSERT_EQUAL(a.ndim, 2);
    CU_ASSERT_EQUAL(a.shape[0], 2);
    CU_ASSERT_EQUAL(a.shape[1], 3);
    CU_ASSERT_EQUAL(a.count, 6u);
    v = (const float *)a.data;
    for (i = 0; i < 6; i++) {
        CU_ASSERT_EQUAL(v[i], F32_2X3_VALUES[i]);
    }
    npy_free(&a);
    CU_ASSERT_PTR_NULL(a.data);
}

static void test_encode_matches_numpy(void)
{
    static const int64_t shape[2] = { 2, 3 };
    uint8_t *buf;
    size_t len;

    CU_ASSERT_EQUAL_FATAL(npy_encode_f32(shape, 2, F32_2X3_VALUES, &buf, &len), 0);
    CU_ASSERT_EQUAL(len, sizeof F32_2X3 - 1);
    if (len == sizeof F32_2X3 - 1) {
        CU_ASSERT_EQUAL(memcmp(buf, F32_2X3, len), 0);
    }
    free(buf);
}

static void roundtrip(const int64_t *shape, int ndim, size_t count)
{
    float *data = malloc(count > 0 ? count * sizeof *data : 1);
    uint8_t *buf;
    size_t len, i;
    npy_array a;
    char err[256];
    int d;

    CU_ASSERT_PTR_NOT_NULL_FATAL(data);
    for (i = 0; i < count; i++) {
        data[i] = (float)i * 0.37f - 5.0f;
    }
    CU_ASSERT_EQUAL_FATAL(npy_encode_f32(shape, ndim, data, &buf, &len), 0);
    /* version 1.0, data 64-byte aligned, header ends with a newline */
    CU_ASSERT_EQUAL(buf[6], 1);
    CU_ASSERT_EQUAL((len - count * 4) % 64, 0u);
    CU_ASSERT_EQUAL(buf[len - count * 4 - 1], '\n');
    write_raw("roundtrip.npy", buf, len);
    free(buf);
    CU_ASSERT_EQUAL_FATAL(npy_read(path, MAX_BYTES, &a, err, sizeof err), 0);
    CU_ASSERT_EQUAL(a.dtype, NPY_F32);
    CU_ASSERT_EQUAL(a.ndim, ndim);
    for (d = 0; d < ndim; d++) {
        CU_ASSERT_EQUAL(a.shape[d], shape[d]);
    }
    CU_ASSERT_EQUAL(a.count, count);
    if (a.count == count && count > 0) {
        CU_ASSERT_EQUAL(memcmp(a.data, data, count * 4), 0);
    }
    npy_free(&a);
    free(data);
}

static void test_roundtrip(void)
{
    static const int64_t s1[1] = { 7 };
    static const int64_t s4[4] = { 2, 3, 4, 5 };
    static const int64_t s0[2] = { 3, 0 };
    static const int64_t s8[8] = { 1, 2, 1, 2, 1, 2, 1, 3 };
    roundtrip(NULL, 0, 1);
    roundtrip(s1, 1, 7);
    roundtrip(s4, 4, 120);
    roundtrip(s0, 2, 0);
    roundtrip(s8, 8, 24);
}

static void test_encode_rejects(void)
{
    static const int64_t neg[2] = { 2, -1 };
    static const int64_t huge[2] = { INT64_MAX, 4 };
    float x = 0;
    uint8_t *buf = (uint8_t *)1;
    size_t len;

    CU_ASSERT_EQUAL(npy_encode_f32(neg, 2, &x, &buf, &len), -1);
    CU_ASSERT_EQUAL(npy_encode_f32(huge, 2, &x, &buf, &len), -1);
    CU_ASSERT_EQUAL(npy_encode_f32(neg, NPY_MAX_DIMS + 1, &x, &buf, &len), -1);
    CU_ASSERT_EQUAL(npy_encode_f32(neg, -1, &x, &buf, &len), -1);
}

static void test_read_i8_scalar_versions(void)
{
    /* 1, -2, 2^40 as little-endian int64 */
    static const unsigned char i64[24] = {
        1, 0, 0, 0, 0, 0, 0, 0,
        0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0, 0, 0, 0, 0, 1, 0, 0
    };
    /* 0.1 (0x3fb999999999999a) and -2.0 (0xc000000000000000) as <f8 */
    static const unsigned char f64[16] = {
        0x9a, 0x99, 0x99, 0x99, 0x99, 0x99, 0xb9, 0x3f,
        0, 0, 0, 0, 0, 0, 0, 0xc0
    };
    /* -100000 (0xfffe7960) and 7 as <i4 */
    static const unsigned char i32[8] = { 0x60, 0x79, 0xfe, 0xff, 7, 0, 0, 0 };
    static const unsigned char u8[1] = { 200 };
    static const unsigned char s8[3] = { 0x80, 0x7f, 0xff };
    npy_array a;
    char err[256];
    int64_t *l;
    float *f;

    /* keys in another order, double quotes, extra blanks, trailing comma */
    write_npy("i64.npy", 1, "{ \"shape\" : ( 3 , ) ,'fortran_order':False,\n 'descr':'<i8' }\n",
              i64, sizeof i64);
    CU_ASSERT_EQUAL_FATAL(npy_read(path, MAX_BYTES, &a, err, sizeof err), 0);
    CU_ASSERT_EQUAL(a.dtype, NPY_I64);
    CU_ASSERT_EQUAL(a.ndim, 1);
    CU_ASSERT_EQUAL(a.count, 3u);
    CU_ASSERT_EQUAL(((int64_t *)a.data)[0], 1);
    CU_ASSERT_EQUAL(((int64_t *)a.data)[1], -2);
    CU_ASSERT_EQUAL(((int64_t *)a.data)[2], (int64_t)1 << 40);
    npy_free(&a);

    /* version 2.0: 4-byte header length */
    write_npy("f64.npy", 2, "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }\n",
              f64, sizeof f64);
    CU_ASSERT_EQUAL_FATAL(npy_read(path, MAX_BYTES, &a, err, sizeof err), 0);
    CU_ASSERT_EQUAL(a.dtype, NPY_F64);
    CU_ASSERT_EQUAL(((double *)a.data)[0], 0.1);
    CU_ASSERT_EQUAL(((double *)a.data)[1], -2.0);
    f = npy_to_f32(&a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_EQUAL(f[0], 0.1f);
    CU_ASSERT_EQUAL(f[1], -2.0f);
    free(f);
    npy_free(&a);

    /* version 3.0, a 1x2 int32 */
    write_npy("i32.npy", 3, "{'descr': '<i4', 'fortran_order': False, 'shape': (1, 2)}\n",
              i32, sizeof i32);
    CU_ASSERT_EQUAL_FATAL(npy_read(path, MAX_BYTES, &a, err, sizeof err), 0);
    CU_ASSERT_EQUAL(a.dtype, NPY_I32);
    CU_ASSERT_EQUAL(a.ndim, 2);
    CU_ASSERT_EQUAL(((int32_t *)a.data)[0], -100000);
    CU_ASSERT_EQUAL(((int32_t *)a.data)[1], 7);
    l = npy_to_i64(&a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(l);
    CU_ASSERT_EQUAL(l[0], -100000);
    CU_ASSERT_EQUAL(l[1], 7);
    free(l);
    npy_free(&a);

    /* a 0-d (scalar) uint8 */
    write_npy("u8.npy", 1, "{'descr': '|u1', 'fortran_order': False, 'shape': (), }\n",
              u8, sizeof u8);
    CU_ASSERT_EQUAL_FATAL(npy_read(path, MAX_BYTES, &a, err, sizeof err), 0);
    CU_ASSERT_EQUAL(a.dtype, NPY_U8);
    CU_ASSERT_EQUAL(a.ndim, 0);
    CU_ASSERT_EQUAL(a.count, 1u);
    CU_ASSERT_EQUAL(((uint8_t *)a.data)[0], 200);
    l = npy_to_i64(&a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(l);
    CU_ASSERT_EQUAL(l[0], 200);
    free(l);
    npy_free(&a);

    /* int8, in both spellings */
    write_npy("i8.npy", 1, "{'descr': '|i1', 'fortran_order': False, 'shape': (3,), }\n",
              s8, sizeof s8);
    CU_ASSERT_EQUAL_FATAL(npy_read(path, MAX_BYTES, &a, err, sizeof err), 0);
    CU_ASSERT_EQUAL(a.dtype, NPY_I8);
    CU_ASSERT_EQUAL(((int8_t *)a.data)[0], -128);
    CU_ASSERT_EQUAL(((int8_t *)a.data)[1], 127);
    CU_ASSERT_EQUAL(((int8_t *)a.data)[2], -1);
    f = npy_to_f32(&a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_EQUAL(f[0], -128.0f);
    CU_ASSERT_EQUAL(f[2], -1.0f);
    free(f);
    npy_free(&a);
    write_npy("i8b.npy", 1, "{'descr': '<i1', 'fortran_order': False, 'shape': (3,), }\n",
              s8, sizeof s8);
    CU_ASSERT_EQUAL(npy_read(path, MAX_BYTES, &a, err, sizeof err), 0);
    CU_ASSERT_EQUAL(a.dtype, NPY_I8);
    npy_free(&a);

    /* an empty array: shape (0, 4) */
    write_npy("empty.npy", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 4), }\n",
              NULL, 0);
    CU_ASSERT_EQUAL_FATAL(npy_read(path, MAX_BYTES, &a, err, sizeof err), 0);
    CU_ASSERT_EQUAL(a.ndim, 2);
    CU_ASSERT_EQUAL(a.count, 0u);
    npy_free(&a);
}

/* Reading the current file must fail with "PATH: byte OFF: ..." */
static void expect_error(size_t off, const char *what)
{
    npy_array a;
    char err[512], prefix[600];
    int rc;

    memset(err, 0, sizeof err);
    rc = npy_read(path, MAX_BYTES, &a, err, sizeof err);
    CU_ASSERT_EQUAL(rc, -1);
    CU_ASSERT_PTR_NULL(a.data);
    snprintf(prefix, sizeof prefix, "%s: byte %zu: ", path, off);
    if (strncmp(err, prefix, strlen(prefix)) != 0) {
        fprintf(stderr, "\n  %s: expected \"%s...\", got \"%s\"\n", what, prefix, err);
        CU_FAIL("wrong error message or offset");
    }
    if (rc == 0) {
        npy_free(&a);
    }
}

/* the offset in the file of needle, a substring of header (which starts
 * at file offset base) */
static size_t at(size_t base, const char *header, const char *needle)
{
    const char *p = strstr(header, needle);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    return base + (size_t)(p - header);
}

static void test_malformed(void)
{
    static const unsigned char d24[28] = { 0 };
    char buf[256];
    const char *h;
    size_t base;

    /* bad magic: the sixth byte is 'X' */
    memcpy(buf, F32_2X3, sizeof F32_2X3 - 1);
    buf[5] = 'X';
    write_raw("magic.npy", buf, sizeof F32_2X3 - 1);
    expect_error(5, "bad magic");
    write_raw("text.npy", "hello world", 11);
    expect_error(0, "not npy at all");

    /* empty file and truncated magic */
    write_raw("zero.npy", "", 0);
    expect_error(0, "empty file");
    write_raw("short.npy", "\x93NUM", 4);
    expect_error(4, "truncated magic");
    write_raw("short2.npy", "\x93NUMPY\x01\x00\x76", 9);
    expect_error(9, "truncated header length");

    /* truncated header: the length says 118, the file ends after 50 */
    write_raw("trunchdr.npy", F32_2X3, 50);
    expect_error(50, "truncated header");

    /* truncated data: 20 of 24 bytes; extra data: 28 bytes */
    write_raw("truncdata.npy", F32_2X3, 128 + 20);
    expect_error(148, "truncated data");
    memcpy(buf, F32_2X3, sizeof F32_2X3 - 1);
    memcpy(buf + sizeof F32_2X3 - 1, "\0\0\0\0", 4);
    write_raw("extra.npy", buf, sizeof F32_2X3 - 1 + 4);
    expect_error(152, "extra data");

    /* bad versions: 4.0 and 1.1 */
    memcpy(buf, F32_2X3, sizeof F32_2X3 - 1);
    buf[6] = 4;
    write_raw("v4.npy", buf, sizeof F32_2X3 - 1);
    expect_error(6, "version 4.0");
    buf[6] = 1;
    buf[7] = 1;
    write_raw("v11.npy", buf, sizeof F32_2X3 - 1);
    expect_error(6, "version 1.1");

    h = "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }\n";
    base = write_npy("fortran.npy", 1, h, d24, 24);
    expect_error(at(base, h, "True"), "fortran_order True");

    h = "{'descr': '>f4', 'fortran_order': False, 'shape': (2, 3), }\n";
    base = write_npy("bigendian.npy", 1, h, d24, 24);
    expect_error(at(base, h, "'>f4'"), "big-endian");

    h = "{'descr': '<c8', 'fortran_order': False, 'shape': (3,), }\n";
    base = write_npy("complex.npy", 1, h, d24, 24);
    expect_error(at(base, h, "'<c8'"), "unknown dtype");

    h = "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (6,), }\n";
    base = write_npy("structured.npy", 1, h, d24, 24);
    expect_error(at(base, h, "[("), "structured dtype");

    h = "{'descr': '<f4', 'fortran_order': False, }\n";
    base = write_npy("noshape.npy", 1, h, d24, 24);
    expect_error(at(base, h, "}"), "missing shape");

    h = "{'descr': '<f4', 'shape': (6,), }\n";
    base = write_npy("nofortran.npy", 1, h, d24, 24);
    expect_error(at(base, h, "}"), "missing fortran_order");

    h = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, -3), }\n";
    base = write_npy("negdim.npy", 1, h, d24, 24);
    expect_error(at(base, h, "-3"), "negative dimension");

    /* 2^32 * 2^32 elements: the byte count overflows at the second dim */
    h = "{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296), }\n";
    base = write_npy("overflow.npy", 1, h, d24, 24);
    expect_error(at(base, h, "4294967296)"), "size overflow");

    /* a dimension beyond int64 */
    h = "{'descr': '<u1', 'fortran_order': False, 'shape': (99999999999999999999,), }\n";
    base = write_npy("hugedim.npy", 1, h, d24, 24);
    expect_error(at(base, h, "999"), "dimension beyond int64");

    h = "{'descr': '<f4', 'fortran_order': False, 'shape': (1,1,1,1,1,1,1,1,6), }\n";
    base = write_npy("ninedims.npy", 1, h, d24, 24);
    expect_error(at(base, h, "6)"), "nine dimensions");

    h = "{'descr': '<f4', 'fortran_order': False, 'shape': (6), }\n";
    base = write_npy("nottuple.npy", 1, h, d24, 24);
    expect_error(at(base, h, "), }"), "shape (6) is not a tuple");

    h = "[('descr', '<f4'), ('fortran_order', False), ('shape', (6,))]\n";
    base = write_npy("list.npy", 1, h, d24, 24);
    expect_error(base, "header is a list");

    h = "{'descr': '<f4', 'fortran_order': False, 'shape': (6,), 'x': 1}\n";
    base = write_npy("unknownkey.npy", 1, h, d24, 24);
    expect_error(at(base, h, "'x'"), "unknown key");

    h = "{'descr': '<f4', 'shape': (6,), 'fortran_order': False, 'shape': (6,)}\n";
    base = write_npy("dupkey.npy", 1, h, d24, 24);
    expect_error(at(base, h, "'shape': (6,)}"), "duplicate key");

    h = "{'descr': '<f4', 'fortran_order': False, 'shape': (6,), } x\n";
    base = write_npy("trailing.npy", 1, h, d24, 24);
    expect_error(at(base, h, "x\n"), "text after the dict");

    h = "{'descr': '<f4', 'fortran_order': False, 'shape': (6,\n";
    base = write_npy("unclosed.npy", 1, h, d24, 24);
    expect_error(base + strlen(h), "header ends inside shape");

    h = "{'descr': '<f4' 'fortran_order': False, 'shape': (6,)}\n";
    base = write_npy("nocomma.npy", 1, h, d24, 24);
    expect_error(at(base, h, "'fortran"), "missing comma");

    h = "";
    base = write_npy("emptyhdr.npy", 1, h, d24, 24);
    expect_error(base, "empty header");
}

static void test_unreadable(void)
{
    npy_array a;
    char err[512], big[200];

    snprintf(path, sizeof path, "%s/does-not-exist.npy", tmpdir);
    CU_ASSERT_EQUAL(npy_read(path, MAX_BYTES, &a, err, sizeof err), -1);
    CU_ASSERT_EQUAL(strncmp(err, path, strlen(path)), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "No such file"));

    /* larger than max_bytes */
    write_raw("f32.npy", F32_2X3, sizeof F32_2X3 - 1);
    CU_ASSERT_EQUAL(npy_read(path, 100, &a, err, sizeof err), -1);
    CU_ASSERT_EQUAL(strncmp(err, path, strlen(path)), 0);

    /* a short error buffer is truncated, not overrun */
    memset(big, 'z', sizeof big);
    CU_ASSERT_EQUAL(npy_read(path, 100, &a, big, 8), -1);
    CU_ASSERT_EQUAL(strlen(big), 7u);
    CU_ASSERT_EQUAL(big[8], 'z');
}

UNIT_SUITE(npy)
{
    CU_pSuite s = CU_add_suite("npy", suite_init, suite_clean);
    CU_add_test(s, "read a hand-built 2x3 <f4", test_read_f32_2x3);
    CU_add_test(s, "encode 2x3 <f4 as numpy does", test_encode_matches_numpy);
    CU_add_test(s, "encode/read round trip", test_roundtrip);
    CU_add_test(s, "encode rejects bad shapes", test_encode_rejects);
    CU_add_test(s, "other dtypes, versions 2.0 and 3.0", test_read_i8_scalar_versions);
    CU_add_test(s, "malformed files", test_malformed);
    CU_add_test(s, "unreadable files", test_unreadable);
}

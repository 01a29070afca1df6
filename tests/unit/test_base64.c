/* Base64 against the RFC 4648 section 10 test vectors, and malformed input. */
/* REQ: REQ-IMP-002 */
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "unit.h"

static const struct { const char *plain, *b64; } RFC[] = {
    { "", "" },
    { "f", "Zg==" },
    { "fo", "Zm8=" },
    { "foo", "Zm9v" },
    { "foob", "Zm9vYg==" },
    { "fooba", "Zm9vYmE=" },
    { "foobar", "Zm9vYmFy" }
};
#define N_RFC (sizeof RFC / sizeof RFC[0])

static void test_encode_rfc(void)
{
    size_t i;
    for (i = 0; i < N_RFC; i++) {
        char *s = base64_encode((const uint8_t *)RFC[i].plain, strlen(RFC[i].plain));
        CU_ASSERT_PTR_NOT_NULL_FATAL(s);
        CU_ASSERT_STRING_EQUAL(s, RFC[i].b64);
        free(s);
    }
}

/* decodes s and compares with the expected bytes */
static void check_decode(const char *s, const char *expect, size_t expect_len)
{
    uint8_t *out = (uint8_t *)1;
    size_t n = 99, off = 99;
    int rc = base64_decode(s, strlen(s), &out, &n, &off);

    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_EQUAL(n, expect_len);
    if (rc == 0 && n == expect_len && expect_len > 0) {
        CU_ASSERT_PTR_NOT_NULL_FATAL(out);
        CU_ASSERT_EQUAL(memcmp(out, expect, expect_len), 0);
    }
    if (rc == 0) {
        free(out);
    }
}

static void test_decode_rfc(void)
{
    size_t i;
    for (i = 0; i < N_RFC; i++) {
        check_decode(RFC[i].b64, RFC[i].plain, strlen(RFC[i].plain));
    }
}

static void test_decode_whitespace(void)
{
    check_decode("Zm9v\r\nYmFy\n", "foobar", 6);
    check_decode(" Z m 9 v Y g = = ", "foob", 4);
    check_decode("\tZm9\nv", "foo", 3);
    check_decode(" \r\n\t", "", 0);
}

static void test_decode_trailing_bits(void)
{
    /* "Zh==": 'Z'=25 'h'=33 -> 011001 100001: one byte 0x66, the unused
     * low bits (0001) are not zero; accepted */
    check_decode("Zh==", "f", 1);
    check_decode("Zm9=", "fo", 2);
}

static void test_roundtrip_all_bytes(void)
{
    uint8_t data[256], *out = NULL;
    size_t n, off, len;
    int i;

    for (i = 0; i < 256; i++) {
        data[i] = (uint8_t)i;
    }
    for (len = 0; len <= 256; len += 1 + len / 8) {
        char *s = base64_encode(data + (256 - len), len);
        CU_ASSERT_PTR_NOT_NULL_FATAL(s);
        CU_ASSERT_EQUAL(strlen(s), (len + 2) / 3 * 4);
        CU_ASSERT_EQUAL(base64_decode(s, strlen(s), &out, &n, &off), 0);
        CU_ASSERT_EQUAL(n, len);
        if (len > 0) {
            CU_ASSERT_EQUAL(memcmp(out, data + (256 - len), len), 0);
        }
        free(out);
        out = NULL;
        free(s);
    }
}

/* decoding s must fail at offset expect_off */
static void check_error(const char *s, size_t expect_off)
{
    uint8_t *out = (uint8_t *)1;
    size_t n = 0, off = 12345;
    int rc = base64_decode(s, strlen(s), &out, &n, &off);

    CU_ASSERT_EQUAL(rc, -1);
    CU_ASSERT_PTR_NULL(out);
    CU_ASSERT_EQUAL(off, expect_off);
    if (rc == 0) {
        free(out);
    }
}

static void test_decode_errors(void)
{
    check_error("Zm9v!mFy", 4);    /* bad character */
    check_error("Zm9vYmF-", 7);    /* '-' is base64url, not standard */
    check_error("Zm9\001", 3);     /* control character */
    check_error("Zm\xc3\xa9", 2);  /* non-ASCII */
    check_error("Zg=", 3);         /* 3 symbols: length, offset len */
    check_error("Zm9vY", 5);
    check_error("Z m 9 v Y", 9);
    check_error("Zg==Zg==", 2);    /* padding in the middle */
    check_error("Zg=A", 2);        /* data after padding */
    check_error("=AAA", 0);        /* '=' as the first symbol */
    check_error("A===", 1);        /* '=' as the second symbol */
    check_error("Zm8==", 4);       /* three symbols and two '=' */
    check_error("Zm9v=", 4);       /* '=' starting a new quantum */
}

UNIT_SUITE(base64)
{
    CU_pSuite s = CU_add_suite("base64", NULL, NULL);
    CU_add_test(s, "encode RFC 4648 vectors", test_encode_rfc);
    CU_add_test(s, "decode RFC 4648 vectors", test_decode_rfc);
    CU_add_test(s, "decode skips whitespace", test_decode_whitespace);
    CU_add_test(s, "decode ignores non-zero trailing bits", test_decode_trailing_bits);
    CU_add_test(s, "round trip", test_roundtrip_all_bytes);
    CU_add_test(s, "decode errors and offsets", test_decode_errors);
}

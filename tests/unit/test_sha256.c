/* SHA-256 against the FIPS 180-2 / NIST example vectors. */
/* REQ: REQ-RPT-001 REQ-RPT-002 */
#include <stdlib.h>
#include <string.h>

#include "sha256.h"
#include "unit.h"

static void check_hex(const char *msg, size_t n, const char *expect)
{
    char hex[65];
    sha256_hex(msg, n, hex);
    CU_ASSERT_STRING_EQUAL(hex, expect);
}

static void test_empty(void)
{
    check_hex("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    check_hex(NULL, 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void test_abc(void)
{
    check_hex("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void test_448bit(void)
{
    const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    CU_ASSERT_EQUAL(strlen(m), 56u);
    check_hex(m, strlen(m), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void test_million_a(void)
{
    const char *expect = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
    char *m = malloc(1000000);
    char hex[65];
    uint8_t d[32];
    sha256_ctx c;
    int i;

    CU_ASSERT_FATAL(m != NULL);
    memset(m, 'a', 1000000);
    check_hex(m, 1000000, expect);
    /* the same in odd-sized pieces */
    sha256_init(&c);
    for (i = 0; i < 1000000; i += 997) {
        sha256_update(&c, m + i, (size_t)(1000000 - i < 997 ? 1000000 - i : 997));
    }
    sha256_final(&c, d);
    sha256_digest_hex(d, hex);
    CU_ASSERT_STRING_EQUAL(hex, expect);
    free(m);
}

/* Messages around the padding boundaries (55/56 bytes: the length still
 * fits / no longer fits in the last block; 64: exactly one block).
 * Expected digests from an independent implementation (Python hashlib). */
static void test_padding_boundaries(void)
{
    static const struct { size_t n; const char *hex; } v[] = {
        { 55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318" },
        { 56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a" },
        { 63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34" },
        { 64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb" },
        { 65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0" },
        { 119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb" },
        { 120, "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c" }
    };
    char m[128];
    size_t i;

    memset(m, 'a', sizeof m);
    for (i = 0; i < sizeof v / sizeof v[0]; i++) {
        check_hex(m, v[i].n, v[i].hex);
    }
}

/* Splitting the input anywhere must not change the digest. */
static void test_chunked(void)
{
    uint8_t msg[200], whole[32], part[32];
    sha256_ctx c;
    size_t s, t, i;

    for (i = 0; i < sizeof msg; i++) {
        msg[i] = (uint8_t)(i * 37u + 11u);
    }
    sha256_init(&c);
    sha256_update(&c, msg, sizeof msg);
    sha256_final(&c, whole);

    for (s = 0; s <= sizeof msg; s++) {
        sha256_init(&c);
        sha256_update(&c, msg, s);
        sha256_update(&c, msg + s, sizeof msg - s);
        sha256_final(&c, part);
        CU_ASSERT_EQUAL(memcmp(whole, part, 32), 0);
    }
    /* three pieces, with empty updates in between */
    for (s = 0; s <= sizeof msg; s += 7) {
        for (t = s; t <= sizeof msg; t += 13) {
            sha256_init(&c);
            sha256_update(&c, msg, s);
            sha256_update(&c, msg + s, 0);
            sha256_update(&c, msg + s, t - s);
            sha256_update(&c, msg + t, sizeof msg - t);
            sha256_final(&c, part);
            CU_ASSERT_EQUAL(memcmp(whole, part, 32), 0);
        }
    }
    /* one byte at a time */
    sha256_init(&c);
    for (i = 0; i < sizeof msg; i++) {
        sha256_update(&c, msg + i, 1);
    }
    sha256_final(&c, part);
    CU_ASSERT_EQUAL(memcmp(whole, part, 32), 0);
}

static void test_digest_hex(void)
{
    uint8_t d[32];
    char hex[65];
    int i;

    for (i = 0; i < 32; i++) {
        d[i] = (uint8_t)(i * 8 + 7);
    }
    d[0] = 0x00;
    d[31] = 0xff;
    sha256_digest_hex(d, hex);
    CU_ASSERT_EQUAL(strlen(hex), 64u);
    CU_ASSERT_EQUAL(strncmp(hex, "000f171f", 8), 0);
    CU_ASSERT_STRING_EQUAL(hex + 62, "ff");
}

UNIT_SUITE(sha256)
{
    CU_pSuite s = CU_add_suite("sha256", NULL, NULL);
    CU_add_test(s, "empty message", test_empty);
    CU_add_test(s, "abc", test_abc);
    CU_add_test(s, "448-bit message", test_448bit);
    CU_add_test(s, "one million 'a'", test_million_a);
    CU_add_test(s, "padding boundaries", test_padding_boundaries);
    CU_add_test(s, "chunked updates", test_chunked);
    CU_add_test(s, "digest to hex", test_digest_hex);
}

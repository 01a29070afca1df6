/* diag_escape: what an input puts in a message cannot forge a line or a
 * terminal escape. Expected strings written by hand from the rule in
 * diag.h (control bytes, DEL, C1 controls, invalid UTF-8 and backslash
 * become \xHH; valid UTF-8 stays). */
/* REQ: REQ-ERR-003 */
#include <string.h>

#include "diag.h"
#include "unit.h"

static void check(const char *in, const char *want)
{
    char out[256];
    size_t n = diag_escape(in, out, sizeof out);
    CU_ASSERT_STRING_EQUAL(out, want);
    CU_ASSERT_EQUAL(n, strlen(want));
}

static void test_plain(void)
{
    check("", "");
    check("model.xml:3: error: dense 'fc'", "model.xml:3: error: dense 'fc'");
    check("~ !\"#$%&'()*+,-./09:;<=>?@AZ[]^_`az{|}", "~ !\"#$%&'()*+,-./09:;<=>?@AZ[]^_`az{|}");
}

static void test_controls(void)
{
    check("a\nb", "a\\x0ab");
    check("\n::error file=x::forged", "\\x0a::error file=x::forged");
    check("\r\n##vso[task.setvariable]", "\\x0d\\x0a##vso[task.setvariable]");
    check("\033[31mred\033[0m", "\\x1b[31mred\\x1b[0m");
    check("\t\x01\x1f\x7f", "\\x09\\x01\\x1f\\x7f");
    check("back\\slash", "back\\x5cslash");
}

static void test_utf8(void)
{
    check("M\xc3\xbcnchen \xe2\x82\xac \xf0\x9f\x9a\x97", "M\xc3\xbcnchen \xe2\x82\xac \xf0\x9f\x9a\x97");
    check("\xc2\x9b" "31m", "\\xc2\\x9b31m");        /* U+009B CSI, a C1 control */
    check("\xc2\x85", "\\xc2\\x85");                  /* U+0085 NEL */
    check("\xc2\xa0", "\xc2\xa0");                    /* U+00A0 is printable */
    check("\xff\xfe", "\\xff\\xfe");                  /* never UTF-8 */
    check("\xc0\xaf", "\\xc0\\xaf");                  /* overlong '/' */
    check("\xe0\x80\xaf", "\\xe0\\x80\\xaf");         /* overlong, 3 bytes */
    check("\xed\xa0\x80", "\\xed\\xa0\\x80");         /* a surrogate */
    check("\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80"); /* above U+10FFFF */
    check("\xe2\x82", "\\xe2\\x82");                  /* cut sequence at the end */
    check("\xe2\x82x", "\\xe2\\x82x");                /* cut sequence before ASCII */
}

static void test_cut(void)
{
    char out[8];
    CU_ASSERT_EQUAL(diag_escape("abcdefghij", out, sizeof out), 7u);
    CU_ASSERT_STRING_EQUAL(out, "abcd...");
    CU_ASSERT_EQUAL(diag_escape("a\n\nb", out, sizeof out), 4u); /* never half an escape */
    CU_ASSERT_STRING_EQUAL(out, "a...");
    CU_ASSERT_EQUAL(diag_escape("ab\n", out, 6), 5u); /* "ab" + no room for \x0a */
    CU_ASSERT_STRING_EQUAL(out, "ab...");
    CU_ASSERT_EQUAL(diag_escape("abc", out, 4), 3u);  /* fits exactly */
    CU_ASSERT_STRING_EQUAL(out, "abc");
    CU_ASSERT_EQUAL(diag_escape("abc", out, 1), 0u);
    CU_ASSERT_STRING_EQUAL(out, "");
}

/* Over DIAG_MAX_PRINTED diagnostics are counted, not printed. */
static void test_cap(void)
{
    diag d = {0};
    int i;
    d.quiet = 1; /* warnings are not printed at all then; errors are */
    for (i = 0; i < 3 * DIAG_MAX_PRINTED; i++) {
        diag_warning(&d, "f", 1, "w");
    }
    CU_ASSERT_EQUAL(d.warnings, 3 * DIAG_MAX_PRINTED);
    CU_ASSERT_EQUAL(d.printed, 0);
    CU_ASSERT_EQUAL(diag_exit_code(&d), STOIC_EXIT_OK);
}

UNIT_SUITE(diag_escape_suite)
{
    CU_pSuite s = CU_add_suite("diag", NULL, NULL);
    CU_add_test(s, "plain text unchanged", test_plain);
    CU_add_test(s, "control characters escaped", test_controls);
    CU_add_test(s, "UTF-8 kept, C1 and invalid escaped", test_utf8);
    CU_add_test(s, "cut at the buffer size", test_cut);
    CU_add_test(s, "quiet warnings not counted as printed", test_cap);
}

/* The template engine: substitution, and its two strictness rules. */
#include <stdlib.h>
#include <string.h>

#include "tmpl.h"
#include "unit.h"

static void test_substitutes(void)
{
    tmpl_var v[] = { { "a", "X", 0 }, { "bb", "yy", 0 } };
    strbuf out;
    diag d;
    memset(&d, 0, sizeof d);
    d.quiet = 1;
    sb_init(&out);
    CU_ASSERT_EQUAL(tmpl_render_text("t", "1{{a}}2{{bb}}3{{a}}", v, 2, &out, &d), 0);
    CU_ASSERT_STRING_EQUAL(out.s, "1X2yy3X");
    sb_free(&out);
}

static void test_unknown_key_fails(void)
{
    tmpl_var v[] = { { "a", "X", 0 } };
    strbuf out;
    diag d;
    memset(&d, 0, sizeof d);
    sb_init(&out);
    CU_ASSERT_EQUAL(tmpl_render_text("t", "line1\n{{a}}{{nope}}", v, 1, &out, &d), -1);
    CU_ASSERT_EQUAL(d.io_errors, 1);
    sb_free(&out);
}

static void test_unused_key_fails(void)
{
    tmpl_var v[] = { { "a", "X", 0 }, { "unused", "Y", 0 } };
    strbuf out;
    diag d;
    memset(&d, 0, sizeof d);
    sb_init(&out);
    CU_ASSERT_EQUAL(tmpl_render_text("t", "{{a}}", v, 2, &out, &d), -1);
    CU_ASSERT_EQUAL(d.io_errors, 1);
    sb_free(&out);
}

static void test_unterminated_fails(void)
{
    tmpl_var v[] = { { "a", "X", 0 } };
    strbuf out;
    diag d;
    memset(&d, 0, sizeof d);
    sb_init(&out);
    CU_ASSERT_EQUAL(tmpl_render_text("t", "{{a}} {{a\n}}", v, 1, &out, &d), -1);
    sb_free(&out);
}

static void test_c_float_round_trips(void)
{
    /* every printed literal must read back to the same float */
    static const float vals[] = { 0.0F, -0.0F, 1.0F, -2.5F, 0.1F, 3.14159274F, 1e-38F,
                                  1.17549435e-38F, 1.4e-45F, 16777217.0F, 3.0e38F };
    size_t i;
    for (i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        strbuf b;
        float back;
        sb_init(&b);
        sb_c_float(&b, vals[i]);
        CU_ASSERT_EQUAL(b.s[b.len - 1], 'F');
        b.s[b.len - 1] = '\0';
        back = strtof(b.s, NULL);
        CU_ASSERT_EQUAL(memcmp(&back, &vals[i], sizeof back), 0);
        CU_ASSERT_PTR_NOT_NULL(strpbrk(b.s, ".e")); /* "1F" would not be C */
        sb_free(&b);
    }
}

UNIT_SUITE(suite_tmpl)
{
    CU_pSuite s = CU_add_suite("tmpl", NULL, NULL);
    CU_add_test(s, "substitutes every placeholder", test_substitutes);
    CU_add_test(s, "unknown key is an error", test_unknown_key_fails);
    CU_add_test(s, "unused key is an error", test_unused_key_fails);
    CU_add_test(s, "unterminated placeholder is an error", test_unterminated_fails);
    CU_add_test(s, "C float literals round-trip", test_c_float_round_trips);
}

/* ship.c's macros (README "Ship only what runs"; MISRA C:2012 Rule 2.5):
 * on the embedded runtime, a shipped subset of stoic_math_f32.c keeps the
 * macros its functions use and loses the others, with the comments above
 * them; a header loses the macros nothing shipped uses, unless another
 * text (the generated code) uses them. The expected sets are read off
 * runtime/stoic_math_f32.c and runtime/stoic_rt_f32.h by hand. */
#include <string.h>

#include "ship.h"
#include "unit.h"

static const ship_file *find(const ship_file *f, int n, const char *name)
{
    int i;
    for (i = 0; i < n; i++) {
        if (strcmp(f[i].name, name) == 0) {
            return &f[i];
        }
    }
    return NULL;
}

static int has(const strbuf *b, const char *s)
{
    return b->s != NULL && strstr(b->s, s) != NULL;
}

/* an integer model: stoic_math_f32.c holds only the float wrapper's
 * order-key helpers */
static void test_int_subset(void)
{
    const char *run[] = { "stoic_maxpool2d_s8" };
    const char *wrap[] = { "stoic_quantize_s8", "stoic_dequantize_s8" };
    ship_file *f = NULL;
    const ship_file *m;
    char err[128];
    strbuf h;
    int n = ship_runtime(run, 1, wrap, 2, "X_NO_FLOAT", &f, err, sizeof err);
    CU_ASSERT_FATAL(n > 0);
    m = find(f, n, "stoic_math_f32.c");
    CU_ASSERT_FATAL(m != NULL);
    CU_ASSERT(has(&m->text, "uint32_t stoic_f32_order_key(float x)"));
    CU_ASSERT(!has(&m->text, "float stoic_expf(float x)"));
    /* used by the order-key helpers: kept */
    CU_ASSERT(has(&m->text, "#define F32_SIGN_MASK"));
    CU_ASSERT(has(&m->text, "#define F32_ABS_MASK"));
    CU_ASSERT(has(&m->text, "#define F32_INF_BITS"));
    /* expf's and tanh's constants, and the comments above them: gone */
    CU_ASSERT(!has(&m->text, "EXP_"));
    CU_ASSERT(!has(&m->text, "TANH_"));
    CU_ASSERT(!has(&m->text, "F32_EXP_BIAS"));
    CU_ASSERT(!has(&m->text, "F32_MANT_BITS"));
    CU_ASSERT(!has(&m->text, "Cephes"));
    CU_ASSERT(!has(&m->text, "Argument range kept finite"));
    CU_ASSERT(!has(&m->text, "\n\n\n"));

    /* the header: no STOIC_ACT_* (only stoic_act_apply_f32 uses them) */
    CU_ASSERT_FATAL(ship_header("stoic_rt_f32.h", f, n, NULL, 0, &h, err, sizeof err) == 0);
    CU_ASSERT(!has(&h, "#define STOIC_ACT_"));
    CU_ASSERT(!has(&h, "Fused activation kinds"));
    CU_ASSERT(has(&h, "#define STOIC_RT_F32_H"));
    CU_ASSERT(has(&h, "#define STOIC_FLT_MAX"));
    sb_free(&h);

    /* a generated text that names one of them keeps that one (and the
     * comment above the block) */
    {
        strbuf g;
        const strbuf *gen[1];
        sb_init(&g);
        sb_puts(&g, "static const stoic_act_f32 a = { STOIC_ACT_CLAMP, 0.0F, 6.0F, 0.0F };\n");
        gen[0] = &g;
        CU_ASSERT_FATAL(ship_header("stoic_rt_f32.h", f, n, gen, 1, &h, err, sizeof err) == 0);
        CU_ASSERT(has(&h, "#define STOIC_ACT_CLAMP"));
        CU_ASSERT(!has(&h, "#define STOIC_ACT_TANH"));
        CU_ASSERT(has(&h, "Fused activation kinds"));
        sb_free(&h);
        sb_free(&g);
    }
    ship_free(f, n);
}

/* a float model: everything of stoic_math_f32.c the activations use stays,
 * and the header keeps the kinds stoic_act_apply_f32 names; STOIC_ACT_NONE
 * only the generated code names (its parameter structs) */
static void test_float(void)
{
    const char *run[] = { "stoic_dense_f32" };
    ship_file *f = NULL;
    const ship_file *m;
    char err[128];
    strbuf h;
    int n = ship_runtime(run, 1, NULL, 0, NULL, &f, err, sizeof err);
    CU_ASSERT_FATAL(n > 0);
    m = find(f, n, "stoic_math_f32.c");
    CU_ASSERT_FATAL(m != NULL);
    CU_ASSERT(has(&m->text, "#define EXP_P0"));
    CU_ASSERT(has(&m->text, "#define TANH_Q4"));
    CU_ASSERT(has(&m->text, "#define F32_MANT_BITS"));
    CU_ASSERT_FATAL(ship_header("stoic_rt_f32.h", f, n, NULL, 0, &h, err, sizeof err) == 0);
    CU_ASSERT(!has(&h, "#define STOIC_ACT_NONE"));
    CU_ASSERT(has(&h, "#define STOIC_ACT_CLAMP"));
    CU_ASSERT(has(&h, "#define STOIC_ACT_TANH"));
    CU_ASSERT(has(&h, "Fused activation kinds"));
    sb_free(&h);
    CU_ASSERT(ship_header("no_such.h", f, n, NULL, 0, &h, err, sizeof err) == -1);
    ship_free(f, n);
}

UNIT_SUITE(suite_ship)
{
    CU_pSuite s = CU_add_suite("ship", NULL, NULL);
    CU_add_test(s, "integer subset: unused macros left out", test_int_subset);
    CU_add_test(s, "float model: macros kept", test_float);
}

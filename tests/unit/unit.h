/* Unit-test registration: each tests/unit/test_*.c file registers its
 * suites with UNIT_SUITE(name) { CU_pSuite s = CU_add_suite(...); ... }.
 * bin/unit_tests runs them all (CUnit basic interface) and exits non-zero
 * on any failure. */
#ifndef STOIC_UNIT_H
#define STOIC_UNIT_H
#include <CUnit/CUnit.h>

typedef void (*unit_adder)(void);
void unit_register(const char *name, unit_adder add);

/* Defines `static void name(void)` and registers it before main() runs. */
#define UNIT_SUITE(name) \
    static void name(void); \
    static void name##_reg(void) __attribute__((constructor)); \
    static void name##_reg(void) { unit_register(#name, name); } \
    static void name(void)

#endif

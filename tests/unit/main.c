/* bin/unit_tests: runs every registered CUnit suite.
 * Usage: bin/unit_tests [SUITE-NAME-SUBSTRING] */
#include <stdio.h>
#include <string.h>
#include <CUnit/Basic.h>
#include "unit.h"

#define MAX_ADDERS 256
static struct { const char *name; unit_adder add; } adders[MAX_ADDERS];
static int n_adders;

void unit_register(const char *name, unit_adder add)
{
    if (n_adders < MAX_ADDERS) {
        adders[n_adders].name = name;
        adders[n_adders].add = add;
        n_adders++;
    } else {
        fprintf(stderr, "unit_tests: too many suites\n");
    }
}

int main(int argc, char **argv)
{
    unsigned failed;
    int i;
    if (CU_initialize_registry() != CUE_SUCCESS) {
        return 3;
    }
    for (i = 0; i < n_adders; i++) {
        if (argc < 2 || strstr(adders[i].name, argv[1]) != NULL) {
            adders[i].add();
        }
    }
    CU_basic_set_mode(CU_BRM_NORMAL);
    CU_basic_run_tests();
    failed = CU_get_number_of_failures() + CU_get_number_of_suites_failed();
    CU_cleanup_registry();
    return failed == 0 ? 0 : 1;
}

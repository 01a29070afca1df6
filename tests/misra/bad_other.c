/* A second translation unit with a helper of the same internal name
 * (tests/misra/run.sh; Rule 5.9 is a whole-program rule). */
#include <stdint.h>

int32_t bad_other(int64_t a, int64_t b);

static int64_t lt_flag(int64_t a, int64_t b)          /* expect: 5.9 */
{
    uint64_t d;

    d = (uint64_t)a - (uint64_t)b;
    return (int64_t)(d >> 63U);                       /* expect: 10.8; MISRA deviation MD-01 */
}

int32_t bad_other(int64_t a, int64_t b)
{
    int64_t f;

    f = lt_flag(a, b);   /* MISRA deviation MD-02 */
    return (int32_t)f;
}

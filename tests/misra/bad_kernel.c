/*
 * A deliberately non-compliant runtime-like kernel (tests/misra/run.sh):
 * each line with an expect comment must give a finding of each rule it lists
 * (the rules' own definitions, not the tool's output, decide the marks).
 */
#include <stdint.h>
#include <stdlib.h>

typedef union {                                       /* expect: 19.2 */
    float f;
    uint32_t u;
} bad_bits;

static int64_t lt_flag(int64_t a, int64_t b)          /* expect: 5.9 */
{
    return (int64_t)((uint64_t)(a - b) >> 63U);       /* expect: 10.8 */
}

int32_t bad_kernel(int32_t n, const int32_t *x);
int32_t bad_kernel(int32_t n, const int32_t *x)
{
    int32_t i;
    int32_t s = 0;
    uint32_t big = 0x80000000;                        /* expect: 7.2 */
    int32_t *p = malloc(4U);                          /* expect: 21.3 11.5 */

    for (i = 0; i < n; i++)                           /* expect: 15.6 */
        s = s + x[i];
    if (s > 100) {
        return s;                                     /* expect: 15.5 */
    }
    switch (n) {                                      /* expect: 16.4 */
    case 1:
        s = s + 1;
        break;
    case 2:
        s = s + 2;
        break;
    }
    goto done;                                        /* expect: 15.1 */
done:
    s = s + (int32_t)lt_flag((int64_t)s, 3) + (int32_t)(big >> 31U) + *p;   /* expect: 10.8 */
    return s;
}

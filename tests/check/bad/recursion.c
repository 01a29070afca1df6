/* expect: check.recursion */
#include <stdint.h>
static int32_t depth(int32_t n)
{
    int32_t r = 0;
    if (n > 0) {
        r = 1 + depth(n - 1);
    }
    return r;
}
void bad_run(const int8_t in[4], int8_t out[4]);
void bad_run(const int8_t in[4], int8_t out[4])
{
    out[0] = (int8_t)depth((int32_t)in[0]);
}

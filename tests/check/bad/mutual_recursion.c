/* expect: check.recursion */
#include <stdint.h>
static int32_t odd(int32_t n);
static int32_t even(int32_t n)
{
    int32_t r = 1;
    if (n > 0) {
        r = odd(n - 1);
    }
    return r;
}
static int32_t odd(int32_t n)
{
    int32_t r = 0;
    if (n > 0) {
        r = even(n - 1);
    }
    return r;
}
void bad_run(const int8_t in[4], int8_t out[4]);
void bad_run(const int8_t in[4], int8_t out[4])
{
    out[0] = (int8_t)even((int32_t)in[0]);
}

/* expect: check.function-pointer */
#include <stdint.h>
static int8_t twice(int8_t x)
{
    return (int8_t)(x * 2);
}
void bad_run(const int8_t in[4], int8_t out[4]);
void bad_run(const int8_t in[4], int8_t out[4])
{
    int8_t (*f)(int8_t) = &twice;
    out[0] = f(in[0]);
}

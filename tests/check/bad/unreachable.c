/* expect: check.unreachable */
#include <stdint.h>
int8_t bad_unused(int8_t x);
int8_t bad_unused(int8_t x)
{
    return x;
}
void bad_run(const int8_t in[4], int8_t out[4]);
void bad_run(const int8_t in[4], int8_t out[4])
{
    out[0] = in[0];
}

/* expect: check.float */
#include <stdint.h>
static int8_t half(int8_t x)
{
    float h = (float)x * 0.5f;
    return (int8_t)h;
}
void bad_run(const int8_t in[4], int8_t out[4]);
void bad_run(const int8_t in[4], int8_t out[4])
{
    out[0] = half(in[0]);
}

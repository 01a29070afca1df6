/* expect: check.vla */
#include <stdint.h>
static int8_t pick(int32_t n, const int8_t *in)
{
    int8_t a[n];
    a[0] = in[0];
    return a[0];
}
void bad_run(const int8_t in[4], int8_t out[4]);
void bad_run(const int8_t in[4], int8_t out[4])
{
    out[0] = pick(4, in);
}

/* expect: check.single-exit */
#include <stdint.h>
static int8_t sat(int32_t x)
{
    if (x > 127) {
        return 127;
    }
    return (int8_t)x;
}
void bad_run(const int8_t in[4], int8_t out[4]);
void bad_run(const int8_t in[4], int8_t out[4])
{
    out[0] = sat((int32_t)in[0] * 2);
}

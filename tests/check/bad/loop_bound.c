/* expect: check.loop-bound */
#include <stdint.h>
void bad_run(const int8_t in[4], int8_t out[4]);
void bad_run(const int8_t in[4], int8_t out[4])
{
    int32_t i;
    int32_t n = (int32_t)in[0] & 3;   /* from the data */
    for (i = 0; i < n; i++) {
        out[i] = in[i];
    }
}

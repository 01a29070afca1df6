/* expect: check.loop */
#include <stdint.h>
void bad_run(const int8_t in[4], int8_t out[4]);
void bad_run(const int8_t in[4], int8_t out[4])
{
    int32_t i = 0;
    while (i < 4) {
        out[i] = in[i];
        i++;
    }
}

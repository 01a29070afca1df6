/* expect: check.loop-counter */
#include <stdint.h>
void bad_run(const int8_t in[4], int8_t out[4]);
void bad_run(const int8_t in[4], int8_t out[4])
{
    int32_t i;
    for (i = 0; i < 4; i++) {
        out[i] = in[i];
        if (in[i] == 0) {
            i = i + 1;
        }
    }
}

/* expect: check.single-exit */
#include <stdint.h>
void bad_run(const int8_t in[4], int8_t out[4]);
void bad_run(const int8_t in[4], int8_t out[4])
{
    if (in[0] == 0) {
        return;
    }
    out[0] = in[0];
}

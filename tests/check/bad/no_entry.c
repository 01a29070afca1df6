/* expect: check.entry check.unreachable */
#include <stdint.h>
void bad_start(const int8_t in[4], int8_t out[4]);
void bad_start(const int8_t in[4], int8_t out[4])
{
    out[0] = in[0];
}

/* expect: check.library-call */
#include <stdint.h>
#include <stdlib.h>
void bad_run(const int8_t in[4], int8_t out[4]);
void bad_run(const int8_t in[4], int8_t out[4])
{
    out[0] = (int8_t)abs((int)in[0]);
}

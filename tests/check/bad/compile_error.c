/* expect: check.compile */
#include <stdint.h>
void bad_run(const int8_t in[4], int8_t out[4]);
void bad_run(const int8_t in[4], int8_t out[4])
{
    out[0] = in[0] + undeclared_name;
}

/* expect: check.goto */
#include <stdint.h>
void bad_run(const int8_t in[4], int8_t out[4]);
void bad_run(const int8_t in[4], int8_t out[4])
{
    out[0] = in[0];
    if (in[1] > 0) {
        goto done;
    }
    out[1] = in[1];
done:
    out[2] = in[2];
}

/* expect: check.function-pointer */
#include <stdint.h>
typedef struct {
    int32_t n;
    void (*hook)(void);
} params;
static const params P = { 4, 0 };
void bad_run(const int8_t in[4], int8_t out[4]);
void bad_run(const int8_t in[4], int8_t out[4])
{
    out[0] = (int8_t)(in[0] + P.n);
}

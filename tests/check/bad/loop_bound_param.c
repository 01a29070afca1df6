/* expect: check.loop-bound */
#include <stdint.h>
typedef struct {
    int32_t n;
} params;
static params P = { 4 };   /* not const: written at run time, not a parameter */
static void copy(params *p, const int8_t *in, int8_t *out)
{
    int32_t i;
    for (i = 0; i < p->n; i++) {
        out[i] = in[i];
    }
}
void bad_run(const int8_t in[4], int8_t out[4]);
void bad_run(const int8_t in[4], int8_t out[4])
{
    copy(&P, in, out);
}

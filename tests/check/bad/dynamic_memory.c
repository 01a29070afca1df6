/* expect: check.dynamic-memory */
#include <stddef.h>
#include <stdint.h>
static uint8_t pool[16];
void *malloc(size_t n);
void *malloc(size_t n)
{
    (void)n;
    return pool;
}
void bad_run(const int8_t in[4], int8_t out[4]);
void bad_run(const int8_t in[4], int8_t out[4])
{
    int8_t *p = malloc(4U);
    p[0] = in[0];
    out[0] = p[0];
}

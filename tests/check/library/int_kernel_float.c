/* expect: check.float check.loop-bound check.unreachable */
/* a kernel library (stoic check --library): every external function is an
 * entry point; stoic_k_s8 takes and returns no floating point, so the float
 * it reaches through scale() is a finding; stoic_k_f32 may use float; the
 * static helper unused() is reached by nobody; the loop bound read from
 * the data is a finding in any mode. */
#include <stdint.h>

void stoic_k_s8(const int8_t *in, int8_t *out, int32_t n);
void stoic_k_f32(const float *in, float *out, int32_t n);

static int32_t scale(int32_t x)
{
    float f = (float)x * 0.5F;
    return (int32_t)f;
}

static int32_t unused(int32_t x)
{
    return x + 1;
}

void stoic_k_s8(const int8_t *in, int8_t *out, int32_t n)
{
    int32_t i;
    for (i = 0; i < n; i++) {
        out[i] = (int8_t)scale((int32_t)in[i]);
    }
}

void stoic_k_f32(const float *in, float *out, int32_t n)
{
    int32_t i;
    for (i = 0; i < (int32_t)in[0]; i++) {
        out[i] = in[i] * 2.0F;
    }
    (void)n;
}

/*
 * stoic runtime: dequantize int8 to float32 (the float boundary of a
 * model: its float wrapper and the float layers of a mixed model).
 *
 * out[i] = scale * (float)(in[i] - zero_point), i < n. The difference is
 * an exact integer (|in - zp| < 2^24 for any zero point of the int8 or
 * int16 range, so its conversion to float is exact); the one rounding is
 * that of the float32 multiply. No branch.
 */
#include "stoic_rt_f32.h"

void stoic_dequantize_s8(const stoic_dequantize_params *p, const int8_t *in, float *out)
{
    int32_t i;
    int32_t d;

    for (i = 0; i < p->n; i++) {
        d = (int32_t)in[i] - p->zero_point;
        out[i] = p->scale * (float)d;
    }
}

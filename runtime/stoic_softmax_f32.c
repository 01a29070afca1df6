/*
 * stoic runtime: softmax over one axis, float32, viewed as
 * [outer][axis_n][inner].
 *
 * For each (o, i): m = max over a of x[a] (starting at a = 0, `x > m`);
 * e[a] = stoic_expf(x[a] - m); s = sum of e[a], a ascending, starting at 0;
 * out[a] = e[a] / s (a division, not a multiplication by 1 / s: one
 * rounding instead of two). Since the largest e[a] is 1, s >= 1.
 * out must not overlap in unless it is the same array (in place is fine).
 */
#include "stoic_rt.h"

void stoic_softmax_f32(const stoic_softmax_f32_params *p, const float *in, float *out)
{
    int32_t o;
    int32_t i;
    int32_t a;
    int32_t base;   /* index of [o][0][i] */
    int32_t idx;
    float m;
    float v;
    float s;

    for (o = 0; o < p->outer; o++) {
        for (i = 0; i < p->inner; i++) {
            base = (o * p->axis_n * p->inner) + i;
            m = in[base];
            for (a = 1; a < p->axis_n; a++) {
                v = in[base + (a * p->inner)];
                m = (v > m) ? v : m;
            }
            s = 0.0F;
            for (a = 0; a < p->axis_n; a++) {
                idx = base + (a * p->inner);
                v = in[idx] - m;
                v = stoic_expf(v);
                out[idx] = v;
                s = s + v;
            }
            for (a = 0; a < p->axis_n; a++) {
                idx = base + (a * p->inner);
                out[idx] = out[idx] / s;
            }
        }
    }
}

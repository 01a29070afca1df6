/*
 * stoic runtime: softmax over one axis, float32, viewed as
 * [outer][axis_n][inner].
 *
 * For each (o, i): m = max over a of x[a];
 * e[a] = stoic_expf(x[a] - m); s = sum of e[a], a ascending, starting at 0;
 * out[a] = e[a] / s (a division, not a multiplication by 1 / s: one
 * rounding instead of two). Since the largest e[a] is 1, s >= 1.
 * out must not overlap in unless it is the same array (in place is fine).
 *
 * The maximum is taken without a branch on data: on order keys of the float
 * bits (stoic_f32_order_key: an unsigned integer whose order is the order
 * of the floats, NaN highest), with a borrow mask instead of a comparison
 * operator, so that no compiler, at any optimisation level, turns it into
 * a jump. A NaN input makes its whole softmax vector NaN (via x - m and
 * the sum).
 */
#include "stoic_rt_f32.h"

void stoic_softmax_f32(const stoic_softmax_f32_params *p, const float *in, float *out)
{
    int32_t o;
    int32_t i;
    int32_t a;
    int32_t base;   /* index of [o][0][i] */
    int32_t idx;
    uint32_t mk;    /* order key of the running maximum */
    float m;
    float v;
    float s;

    for (o = 0; o < p->outer; o++) {
        for (i = 0; i < p->inner; i++) {
            base = (o * p->axis_n * p->inner) + i;
            mk = stoic_f32_order_key(in[base]);
            for (a = 1; a < p->axis_n; a++) {
                mk = stoic_order_key_max(mk, stoic_f32_order_key(in[base + (a * p->inner)]));
            }
            m = stoic_f32_from_order_key(mk);
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

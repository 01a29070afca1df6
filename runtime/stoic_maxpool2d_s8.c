/*
 * stoic runtime: 2-D max pooling, int8, NHWC.
 *
 * out[oh][ow][c] = clamp(max over the in-bounds taps of the window, act_min,
 * act_max), the window being ih = oh * stride_h - pad_top + kh * dil_h
 * (kh < k_h), likewise iw; padded taps are ignored. The output has the
 * input's scale and zero point, so no requantization: input_offset,
 * output_offset and qmul are unused.
 *
 * Exact: a maximum of integers and a clamp, both by arithmetic selects.
 * The in-bounds range of kh (kw) comes from the output index and the
 * parameters (stoic_tap_range); the maximum is taken without a branch or a
 * comparison on data: m + (x - m) * [m < x], with [m < x] the sign bit of
 * the int32 difference m - x (|m - x| < 2^16, no overflow), read unsigned.
 * The running maximum starts at -128, the smallest int8, so a window
 * with at least one tap gives its true maximum. A window without any
 * in-bounds tap (the generator rejects pads that could make one) gives
 * clamp(-128, act_min, act_max) = act_min.
 */
#include "stoic_rt.h"
#include "stoic_bits.h"

void stoic_maxpool2d_s8(const stoic_pool2d_q_params *p, const int8_t *in, int8_t *out)
{
    int32_t oh;
    int32_t ow;
    int32_t c;
    int32_t kh;
    int32_t kw;
    int32_t base_h;
    int32_t base_w;
    int32_t kh0;
    int32_t kh1;
    int32_t kw0;
    int32_t kw1;
    int32_t out_pix;
    int32_t in_idx;
    int32_t x;
    int32_t m;        /* running maximum */

    for (oh = 0; oh < p->out_h; oh++) {
        base_h = (oh * p->stride_h) - p->pad_top;
        stoic_tap_range(base_h, p->dil_h, p->k_h, p->in_h, &kh0, &kh1);
        for (ow = 0; ow < p->out_w; ow++) {
            base_w = (ow * p->stride_w) - p->pad_left;
            stoic_tap_range(base_w, p->dil_w, p->k_w, p->in_w, &kw0, &kw1);
            out_pix = ((oh * p->out_w) + ow) * p->c;
            for (c = 0; c < p->c; c++) {
                m = -128;
                for (kh = kh0; kh < kh1; kh++) {
                    for (kw = kw0; kw < kw1; kw++) {
                        in_idx = ((((base_h + (kh * p->dil_h)) * p->in_w) +
                                   (base_w + (kw * p->dil_w))) * p->c) + c;
                        x = (int32_t)in[in_idx];
                        m = m + ((x - m) * stoic_lt_s32(m, x));
                    }
                }
                m = m + ((p->act_min - m) * stoic_lt_s32(m, p->act_min));
                m = m + ((p->act_max - m) * stoic_lt_s32(p->act_max, m));
                out[out_pix + c] = (int8_t)m;   /* in [act_min, act_max] */
            }
        }
    }
}

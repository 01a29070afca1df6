/*
 * stoic runtime: 2-D average pooling, int16 (symmetric, zero points 0), NHWC.
 *
 * Window ih = oh * stride_h - pad_top + kh * dil_h (kh < k_h), likewise iw.
 *   acc = sum over in-bounds taps of (in + input_offset)           (int32)
 *   n   = number of in-bounds taps
 *   out = clamp(stoic_requantize(acc, qmul[count_include_pad != 0 ? 0 : n])
 *               + output_offset, act_min, act_max)
 * (offsets are 0 for int16; they are applied as the contract writes them).
 * The division by the count is folded into the multiplier table, as in
 * stoic_avgpool2d_s8; the requantization is the int32 stoic_requantize,
 * since the sum is an int32 (the generator guarantees
 * k_h * k_w * 65536 <= 2^31 - 1, so |acc| <= k_h * k_w * 2^15 < 2^31).
 *
 * Exact: a padded tap stands for the real value 0, q = 0, which adds
 * nothing, so it is skipped (stoic_tap_range, index arithmetic only); the
 * sum of integers is exact; requantize is exact integer arithmetic; the
 * offset is added and the clamp taken in int64 by arithmetic selects, so
 * nothing wraps. The table index n * (1 - [count_include_pad != 0]) is
 * computed arithmetically. A window without in-bounds taps gives
 * clamp(output_offset), the real value 0.
 */
#include "stoic_rt.h"
#include "stoic_bits.h"

void stoic_avgpool2d_s16(const stoic_pool2d_q_params *p, const int16_t *in, int16_t *out)
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
    uint32_t cip;
    int32_t all;      /* 1 when count_include_pad != 0 */
    int32_t idx;      /* qmul entry of the window */
    int32_t acc;
    int64_t y;
    int64_t lo;
    int64_t hi;

    cip = (uint32_t)p->count_include_pad;
    all = (int32_t)stoic_nz_u32(cip);
    lo = (int64_t)p->act_min;
    hi = (int64_t)p->act_max;
    for (oh = 0; oh < p->out_h; oh++) {
        base_h = (oh * p->stride_h) - p->pad_top;
        stoic_tap_range(base_h, p->dil_h, p->k_h, p->in_h, &kh0, &kh1);
        for (ow = 0; ow < p->out_w; ow++) {
            base_w = (ow * p->stride_w) - p->pad_left;
            stoic_tap_range(base_w, p->dil_w, p->k_w, p->in_w, &kw0, &kw1);
            out_pix = ((oh * p->out_w) + ow) * p->c;
            idx = ((kh1 - kh0) * (kw1 - kw0)) * (1 - all);
            for (c = 0; c < p->c; c++) {
                acc = 0;
                for (kh = kh0; kh < kh1; kh++) {
                    for (kw = kw0; kw < kw1; kw++) {
                        in_idx = ((((base_h + (kh * p->dil_h)) * p->in_w) +
                                   (base_w + (kw * p->dil_w))) * p->c) + c;
                        acc = acc + ((int32_t)in[in_idx] + p->input_offset);
                    }
                }
                y = (int64_t)stoic_requantize(acc, p->qmul[idx].m, p->qmul[idx].shift) +
                    (int64_t)p->output_offset;
                y = y + ((lo - y) * stoic_lt_s64(y, lo));
                y = y + ((hi - y) * stoic_lt_s64(hi, y));
                out[out_pix + c] = (int16_t)y;   /* in [act_min, act_max] */
            }
        }
    }
}

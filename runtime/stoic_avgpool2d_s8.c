/*
 * stoic runtime: 2-D average pooling, int8, NHWC.
 *
 * Window ih = oh * stride_h - pad_top + kh * dil_h (kh < k_h), likewise iw.
 *   acc = sum over in-bounds taps of (in + input_offset)           (int32)
 *   n   = number of in-bounds taps
 *   out = clamp(requantize(acc, qmul[count_include_pad != 0 ? 0 : n])
 *               + output_offset, act_min, act_max)
 * The division by the count is folded into the multiplier: qmul[0] is
 * s_in / (s_out * k_h * k_w) when count_include_pad != 0, else entry n is
 * s_in / (s_out * n); the generator computes the table.
 *
 * Exact: a padded tap stands for the real value 0, q = zp_in, whose term
 * zp_in + input_offset is 0, so it is skipped (the in-bounds range of kh,
 * kw comes from stoic_tap_range, index arithmetic only). The sum is an
 * int32 sum of terms in [-255, 255]; the output stage is stoic_requant_s8,
 * the exact integer requantization of every int8 kernel. The table index is
 * computed arithmetically, n * (1 - [count_include_pad != 0]), so the
 * instruction path is the same for every window and every input. A window
 * without in-bounds taps (acc = 0, n = 0) gives clamp(output_offset), the
 * real value 0.
 */
#include "stoic_rt.h"
#include "stoic_bits.h"

void stoic_avgpool2d_s8(const stoic_pool2d_q_params *p, const int8_t *in, int8_t *out)
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

    cip = (uint32_t)p->count_include_pad;
    all = (int32_t)stoic_nz_u32(cip);
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
                out[out_pix + c] = stoic_requant_s8(acc, &p->qmul[idx], p->output_offset,
                                                    p->act_min, p->act_max);
            }
        }
    }
}

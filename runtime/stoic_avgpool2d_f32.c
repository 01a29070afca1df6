/*
 * stoic runtime: 2-D average pooling, float32, NHWC.
 *
 * out[oh][ow][c] = (sum of the in-bounds cells of the window
 * ih = oh * stride_h - pad_top + kh (kh < k_h), likewise iw) / divisor,
 * divisor = k_h * k_w when count_include_pad != 0, else the number of
 * in-bounds cells. The sum starts at 0 and adds kh ascending, kw ascending;
 * then one division. The in-bounds range of kh (kw) is computed from the
 * output index and the parameters, not from tensor data. A window without
 * any in-bounds cell (impossible when every pad is smaller than the kernel,
 * which the generator guarantees) gives 0 in both count modes.
 */
#include "stoic_rt_f32.h"

void stoic_avgpool2d_f32(const stoic_pool2d_f32_params *p, const float *in, float *out)
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
    int32_t count;
    int32_t out_pix;
    int32_t in_idx;
    float sum;
    float y;

    for (oh = 0; oh < p->out_h; oh++) {
        base_h = (oh * p->stride_h) - p->pad_top;
        stoic_tap_range(base_h, p->dil_h, p->k_h, p->in_h, &kh0, &kh1);
        for (ow = 0; ow < p->out_w; ow++) {
            base_w = (ow * p->stride_w) - p->pad_left;
            stoic_tap_range(base_w, p->dil_w, p->k_w, p->in_w, &kw0, &kw1);
            out_pix = ((oh * p->out_w) + ow) * p->c;
            if (p->count_include_pad != 0) {
                count = p->k_h * p->k_w;
            } else {
                count = (kh1 - kh0) * (kw1 - kw0);
            }
            for (c = 0; c < p->c; c++) {
                sum = 0.0F;
                for (kh = kh0; kh < kh1; kh++) {
                    for (kw = kw0; kw < kw1; kw++) {
                        in_idx = ((((base_h + (kh * p->dil_h)) * p->in_w) + (base_w + (kw * p->dil_w))) * p->c) + c;
                        sum = sum + in[in_idx];
                    }
                }
                if ((count > 0) && (kh0 < kh1) && (kw0 < kw1)) {
                    y = sum / (float)count;
                } else {
                    y = 0.0F;
                }
                out[out_pix + c] = y;
            }
        }
    }
}

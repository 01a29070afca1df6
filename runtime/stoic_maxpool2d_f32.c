/*
 * stoic runtime: 2-D max pooling, float32, NHWC.
 *
 * out[oh][ow][c] = max over the in-bounds cells of the window
 * ih = oh * stride_h - pad_top + kh (kh < k_h), likewise iw; padded cells
 * are ignored. The in-bounds range of kh (kw) is computed from the output
 * index and the parameters, not from tensor data.
 * The maximum is taken without a branch on data: on order keys of the
 * float bits (an unsigned integer whose order is the order of the floats),
 * with a borrow mask instead of a comparison operator, so that no compiler,
 * at any optimisation level, turns it into a jump; the instruction path is
 * the same for every input. A NaN anywhere in a window gives NaN.
 * A window without any in-bounds cell (impossible when every pad is smaller
 * than the kernel, which the generator guarantees) gives 0.
 */
#include "stoic_rt_f32.h"

void stoic_maxpool2d_f32(const stoic_pool2d_f32_params *p, const float *in, float *out)
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
    uint32_t m;       /* order key of the running maximum */
    float y;

    for (oh = 0; oh < p->out_h; oh++) {
        base_h = (oh * p->stride_h) - p->pad_top;
        stoic_tap_range(base_h, p->dil_h, p->k_h, p->in_h, &kh0, &kh1);
        for (ow = 0; ow < p->out_w; ow++) {
            base_w = (ow * p->stride_w) - p->pad_left;
            stoic_tap_range(base_w, p->dil_w, p->k_w, p->in_w, &kw0, &kw1);
            out_pix = ((oh * p->out_w) + ow) * p->c;
            for (c = 0; c < p->c; c++) {
                m = 0U;       /* below the key of every float */
                for (kh = kh0; kh < kh1; kh++) {
                    for (kw = kw0; kw < kw1; kw++) {
                        in_idx = ((((base_h + (kh * p->dil_h)) * p->in_w) + (base_w + (kw * p->dil_w))) * p->c) + c;
                        m = stoic_order_key_max(m, stoic_f32_order_key(in[in_idx]));
                    }
                }
                if ((kh0 < kh1) && (kw0 < kw1)) {
                    y = stoic_f32_from_order_key(m);
                } else {
                    y = 0.0F;
                }
                out[out_pix + c] = y;
            }
        }
    }
}

/*
 * stoic runtime: 2-D convolution, 16x8: int16 activations (symmetric, zero
 * point 0), int8 weights (OHWI), int64 bias, int64 accumulation. NHWC
 * input, groups (depthwise with channel multiplier is groups == in_c),
 * stride, dilation, padding; the geometry is that of stoic_conv2d_f32 and
 * stoic_conv2d_s8. conv1d is this kernel with in_h = out_h = k_h = 1.
 *
 * acc = bias[oc] + sum over in-bounds taps in * w                  (int64)
 * out = stoic_requant_s16(acc, &qmul[oc], act_min, act_max)
 *
 * Padding: a tap outside the input stands for the real value 0, q = 0 (zero
 * point 0), whose term is 0, so it is skipped: the range of kh (kw) whose
 * input row (column) lies inside the input comes from the output index and
 * the parameters (stoic_tap_range), never from tensor data.
 * Exact: each product (|in * w| <= 2^22) is computed in int32, the sum in
 * int64; the generator's bound |bias| + sum |in * w| <= 2^47 keeps every
 * partial sum inside int64, so the order of accumulation does not matter.
 */
#include <stddef.h>
#include "stoic_rt.h"

void stoic_conv2d_s16(const stoic_conv2d_s16_params *p, const int16_t *in, const int8_t *w,
                      const int64_t *bias, int16_t *out)
{
    int32_t oh;
    int32_t ow;
    int32_t oc;
    int32_t kh;
    int32_t kw;
    int32_t ic;
    int32_t icpg;     /* input channels per group */
    int32_t ocpg;     /* output channels per group */
    int32_t ic0;      /* first input channel of the group of oc */
    int32_t g;        /* group */
    int32_t j;        /* output channel within the group */
    int32_t base_h;
    int32_t base_w;
    int32_t kh0;
    int32_t kh1;
    int32_t kw0;
    int32_t kw1;
    int32_t ih;
    int32_t iw;
    int32_t in_pix;   /* index of in[ih][iw][ic0] */
    int32_t w_tap;    /* index of w[oc][kh][kw][0] */
    int32_t out_pix;  /* index of out[oh][ow][0] */
    int64_t acc;

    icpg = stoic_div_index(p->in_c, p->groups);
    ocpg = stoic_div_index(p->out_c, p->groups);
    for (oh = 0; oh < p->out_h; oh++) {
        base_h = (oh * p->stride_h) - p->pad_top;
        stoic_tap_range(base_h, p->dil_h, p->k_h, p->in_h, &kh0, &kh1);
        for (ow = 0; ow < p->out_w; ow++) {
            base_w = (ow * p->stride_w) - p->pad_left;
            stoic_tap_range(base_w, p->dil_w, p->k_w, p->in_w, &kw0, &kw1);
            out_pix = ((oh * p->out_w) + ow) * p->out_c;
            for (g = 0; g < p->groups; g++) {
                ic0 = g * icpg;
                for (j = 0; j < ocpg; j++) {
                    oc = (g * ocpg) + j;
                    if (bias != NULL) {
                        acc = bias[oc];
                    } else {
                        acc = 0;
                    }
                    for (kh = kh0; kh < kh1; kh++) {
                        ih = base_h + (kh * p->dil_h);
                        for (kw = kw0; kw < kw1; kw++) {
                            iw = base_w + (kw * p->dil_w);
                            in_pix = (((ih * p->in_w) + iw) * p->in_c) + ic0;
                            w_tap = ((((oc * p->k_h) + kh) * p->k_w) + kw) * icpg;
                            for (ic = 0; ic < icpg; ic++) {
                                acc = acc + ((int64_t)in[in_pix + ic] * (int64_t)w[w_tap + ic]);
                            }
                        }
                    }
                    out[out_pix + oc] = stoic_requant_s16(acc, &p->qmul[oc], p->act_min,
                                                          p->act_max);
                }
            }
        }
    }
}

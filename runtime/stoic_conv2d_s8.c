/*
 * stoic runtime: 2-D convolution, int8, NHWC input, OHWI weights, groups
 * (depthwise with channel multiplier is groups == in_c), stride, dilation,
 * padding. conv1d is this kernel with in_h = out_h = k_h = 1. The geometry
 * is that of stoic_conv2d_f32.
 *
 * acc = bias[oc] + sum over taps (in + input_offset) * w             (int32)
 * out = clamp(requantize(acc, qmul[oc]) + output_offset, act_min, act_max)
 *
 * Padding: a tap outside the input stands for the input value zp_in, whose
 * term (zp_in + input_offset) * w is 0, so it is skipped: the range of kh
 * (kw) whose input row (column) lies inside the input is computed from the
 * output index and the parameters (stoic_tap_range), without any test on
 * tensor data. Integer sums are exact (the generator's overflow bound), so
 * the order of accumulation does not change the result.
 */
#include <stddef.h>
#include "stoic_rt.h"

void stoic_conv2d_s8(const stoic_conv2d_s8_params *p, const int8_t *in, const int8_t *w,
                     const int32_t *bias, int8_t *out)
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
    int32_t acc;
    int32_t x;

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
                                x = (int32_t)in[in_pix + ic] + p->input_offset;
                                acc = acc + (x * (int32_t)w[w_tap + ic]);
                            }
                        }
                    }
                    out[out_pix + oc] = stoic_requant_s8(acc, &p->qmul[oc], p->output_offset,
                                                         p->act_min, p->act_max);
                }
            }
        }
    }
}

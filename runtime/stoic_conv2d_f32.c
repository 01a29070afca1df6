/*
 * stoic runtime: 2-D convolution, float32, NHWC input, OHWI weights, groups
 * (depthwise with channel multiplier is groups == in_c), stride, dilation,
 * zero padding. conv1d is this kernel with in_h = out_h = k_h = 1.
 *
 * Accumulation order (shared by the host evaluator and the generated code,
 * which call this very function): bias[oc] first (0 when bias is NULL),
 * then kh ascending, kw ascending, ic ascending over the in-bounds taps;
 * every product is rounded to float before it is added (separate
 * statements, no fused multiply-add).
 *
 * Padding: the range of kh (kw) whose input row (column) lies inside the
 * input is computed from the output index and the parameters, so taps
 * outside the input are skipped without any test on tensor data.
 */
#include <stddef.h>
#include "stoic_rt_f32.h"

void stoic_conv2d_f32(const stoic_conv2d_f32_params *p, const float *in,
                      const float *w, const float *bias, float *out)
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
    float acc;
    float prod;

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
                        acc = 0.0F;
                    }
                    for (kh = kh0; kh < kh1; kh++) {
                        ih = base_h + (kh * p->dil_h);
                        for (kw = kw0; kw < kw1; kw++) {
                            iw = base_w + (kw * p->dil_w);
                            in_pix = (((ih * p->in_w) + iw) * p->in_c) + ic0;
                            w_tap = ((((oc * p->k_h) + kh) * p->k_w) + kw) * icpg;
                            for (ic = 0; ic < icpg; ic++) {
                                prod = in[in_pix + ic] * w[w_tap + ic];
                                acc = acc + prod;
                            }
                        }
                    }
                    out[out_pix + oc] = stoic_act_apply_f32(&p->act, acc);
                }
            }
        }
    }
}

/*
 * stoic runtime: sparse 2-D convolution, 16x8, groups 1, for unstructured
 * pruning: int16 activations (symmetric, zero point 0), int8 weights, only
 * the kept ones stored (stoic_rt.h), int64 bias and accumulation. NHWC
 * input, stride, dilation, padding; the geometry is that of
 * stoic_conv2d_s16.
 *
 * Encoding: output channel oc owns the entries
 * k = row_start[oc] .. row_start[oc + 1] - 1; entry k is the weight
 * values[k] at the flattened tap index j_k = (kh * k_w + kw) * in_c + ci
 * (OHWI order), j starting from 0 at each channel and growing by delta[k].
 * Gaps wider than 255 are bridged by filler entries of value 0.
 *
 *   acc = bias[oc] + sum over in-bounds entries in * values[k]      (int64)
 *   out = stoic_requant_s16(acc, &qmul[oc], act_min, act_max)
 *
 * Why it equals stoic_conv2d_s16 (groups 1) on the same weights with zeros
 * elsewhere: both skip the taps outside the input (the same
 * stoic_tap_range); an in-bounds pruned tap adds in * 0 = 0 to the dense
 * sum and a filler adds the same 0 here. Each product (|in * w| <= 2^22)
 * is exact in int32, the sum in int64; the generator's bound
 * |bias| + sum |in * w| <= 2^47 keeps every partial sum inside int64. The
 * output stage is the same function with the same arguments.
 *
 * The decoding of j into (kh, kw, ci) and the in-bounds test depend only
 * on the const encoding and the geometry, never on tensor data.
 *
 * Decoding without a division: (kh, kw, ci) follow j as it grows by
 * delta[k], ci carried into kw and kw into kh (after each step
 * j = (kh * k_w + kw) * in_c + ci with ci < in_c and kw < k_w); the
 * carry loops run ci_steps and kw_steps times per entry, constants the
 * generator counts on the encoding (the most carries any entry needs), so
 * the carries are for loops with a fixed trip count.
 */
#include <stddef.h>
#include "stoic_bits.h"
#include "stoic_rt.h"

void stoic_conv2d_s16_sparse(const stoic_conv2d_sparse_q_params *p, const int16_t *in,
                             const int8_t *values, const int64_t *bias, int16_t *out)
{
    int32_t oh;
    int32_t ow;
    int32_t oc;
    int32_t k;
    int32_t k_end;
    int32_t kh;
    int32_t kw;
    int32_t ci;
    int32_t base_h;
    int32_t base_w;
    int32_t kh0;
    int32_t kh1;
    int32_t kw0;
    int32_t kw1;
    int32_t ih;
    int32_t iw;
    int32_t in_idx;   /* index of in[ih][iw][ci] */
    int32_t out_pix;  /* index of out[oh][ow][0] */
    int64_t acc;

    for (oh = 0; oh < p->out_h; oh++) {
        base_h = (oh * p->stride_h) - p->pad_top;
        stoic_tap_range(base_h, p->dil_h, p->k_h, p->in_h, &kh0, &kh1);
        for (ow = 0; ow < p->out_w; ow++) {
            base_w = (ow * p->stride_w) - p->pad_left;
            stoic_tap_range(base_w, p->dil_w, p->k_w, p->in_w, &kw0, &kw1);
            out_pix = ((oh * p->out_w) + ow) * p->out_c;
            for (oc = 0; oc < p->out_c; oc++) {
                if (bias != NULL) {
                    acc = bias[oc];
                } else {
                    acc = 0;
                }
                /* (kh, kw, ci) of the tap index j, kept in step with j: no division */
                kh = 0;
                kw = 0;
                ci = 0;
                k_end = p->row_start[oc + 1];
                for (k = p->row_start[oc]; k < k_end; k++) {
                    ci = ci + (int32_t)p->delta[k];
                    stoic_carry(&ci, &kw, p->in_c, p->ci_steps);
                    stoic_carry(&kw, &kh, p->k_w, p->kw_steps);
                    if ((kh >= kh0) && (kh < kh1) && (kw >= kw0) && (kw < kw1)) {
                        ih = base_h + (kh * p->dil_h);
                        iw = base_w + (kw * p->dil_w);
                        in_idx = (((ih * p->in_w) + iw) * p->in_c) + ci;
                        acc = acc + ((int64_t)in[in_idx] * (int64_t)values[k]);
                    } else {
                        /* tap outside the input: contributes nothing */
                    }
                }
                out[out_pix + oc] = stoic_requant_s16(acc, &p->qmul[oc], p->act_min,
                                                      p->act_max);
            }
        }
    }
}

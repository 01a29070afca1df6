/*
 * stoic runtime: sparse 2-D convolution, float32, groups 1, for
 * unstructured pruning: only the kept weights are stored (stoic_rt_f32.h).
 * NHWC input, stride, dilation, zero padding; the geometry is that of
 * stoic_conv2d_f32.
 *
 * Encoding: output channel oc owns the entries
 * k = row_start[oc] .. row_start[oc + 1] - 1; entry k is the weight
 * values[k] at the flattened tap index j_k = (kh * k_w + kw) * in_c + ci
 * (OHWI order), j starting from 0 at each channel and growing by delta[k].
 * Gaps wider than 255 are bridged by filler entries of value 0.
 *
 * Accumulation order: bias[oc] first (0 when bias is NULL), then the
 * entries in increasing j, which is the dense kernel's order (kh, kw, ic
 * ascending); every product is rounded to float before it is added. The
 * dense kernel adds in * 0 for a pruned tap: for a finite input that is
 * +0 or -0, which leaves the running sum unchanged unless the sum is -0;
 * the sum starts at a bias that is not -0 (or at +0) and a sum of two
 * floats is -0 only when both are, so it never is. A filler adds in * 0 at
 * its own tap, as the dense kernel does. Hence bit for bit
 * stoic_conv2d_f32 on the same weights with zeros elsewhere.
 *
 * Padding: the range of kh (kw) whose input row (column) lies inside the
 * input comes from the output index and the parameters (stoic_tap_range);
 * an entry whose (kh, kw) lies outside it is skipped, as the dense kernel
 * skips the tap. The decoding of j and that test depend only on the const
 * encoding and the geometry, never on tensor data.
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
#include "stoic_rt_f32.h"

void stoic_conv2d_f32_sparse(const stoic_conv2d_f32_sparse_params *p, const float *in,
                             const float *values, const float *bias, float *out)
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
    float acc;
    float prod;

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
                    acc = 0.0F;
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
                        prod = in[in_idx] * values[k];
                        acc = acc + prod;
                    } else {
                        /* tap outside the input: contributes nothing */
                    }
                }
                out[out_pix + oc] = stoic_act_apply_f32(&p->act, acc);
            }
        }
    }
}

/*
 * stoic runtime: 2-D max pooling, float32, NHWC.
 *
 * out[oh][ow][c] = max over the in-bounds cells of the window
 * ih = oh * stride_h - pad_top + kh (kh < k_h), likewise iw; padded cells
 * are ignored. The in-bounds range of kh (kw) is computed from the output
 * index and the parameters, not from tensor data.
 * The maximum starts at the first in-bounds cell and is then taken over kh
 * ascending, kw ascending with `v > m`, so a NaN in the first cell of a
 * window propagates and a later NaN is ignored. A window without any
 * in-bounds cell (impossible when every pad is smaller than the kernel,
 * which the generator guarantees) gives 0.
 */
#include "stoic_rt.h"

/* Window rows (columns) k in [0, k_n) with 0 <= base + k < in_n:
 * [*first, *end), empty when *first == *end. */
static void maxpool_tap_range(int32_t base, int32_t k_n, int32_t in_n,
                              int32_t *first, int32_t *end)
{
    int32_t lo;
    int32_t hi;

    if (base >= 0) {
        lo = 0;
    } else {
        lo = -base;
    }
    hi = in_n - base;
    if (hi > k_n) {
        hi = k_n;
    } else {
        /* window ends at or beyond the input's end */
    }
    if (lo > hi) {
        lo = hi;
    } else {
        /* ordered */
    }
    *first = lo;
    *end = hi;
}

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
    float m;
    float v;

    for (oh = 0; oh < p->out_h; oh++) {
        base_h = (oh * p->stride_h) - p->pad_top;
        maxpool_tap_range(base_h, p->k_h, p->in_h, &kh0, &kh1);
        for (ow = 0; ow < p->out_w; ow++) {
            base_w = (ow * p->stride_w) - p->pad_left;
            maxpool_tap_range(base_w, p->k_w, p->in_w, &kw0, &kw1);
            out_pix = ((oh * p->out_w) + ow) * p->c;
            for (c = 0; c < p->c; c++) {
                if ((kh0 < kh1) && (kw0 < kw1)) {
                    in_idx = ((((base_h + kh0) * p->in_w) + (base_w + kw0)) * p->c) + c;
                    m = in[in_idx];
                } else {
                    m = 0.0F;
                }
                for (kh = kh0; kh < kh1; kh++) {
                    for (kw = kw0; kw < kw1; kw++) {
                        in_idx = ((((base_h + kh) * p->in_w) + (base_w + kw)) * p->c) + c;
                        v = in[in_idx];
                        m = (v > m) ? v : m;
                    }
                }
                out[out_pix + c] = m;
            }
        }
    }
}

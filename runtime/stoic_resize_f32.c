/*
 * stoic runtime: resize (nearest, linear, cubic), float32.
 *
 * [in_h][in_w][c] -> [out_h][out_w][c], separable: output row oh reads the
 * t_h input rows at the element offsets row[oh * t_h + i] with the weights
 * wr[oh * t_h + i], output column ow the t_w input columns at the offsets
 * col[ow * t_w + j] with the weights wc[ow * t_w + j]:
 *   out[oh][ow][k] = sum_i wr[.] * (sum_j wc[.] * in[row[.] + col[.] + k])
 * (the order of ONNX's reference: the last axis first). The generator
 * computes the tables (offsets inside the input, clamped to the edge), so
 * every index is in range (precondition). Loop bounds are parameters; the
 * instruction path does not depend on the data. in and out must not
 * overlap.
 */
#include "stoic_rt_f32.h"

void stoic_resize_f32(const stoic_resize_f32_params *p, const float *in, const int32_t *row,
                      const int32_t *col, const float *wr, const float *wc, float *out)
{
    int32_t oh;
    int32_t ow;
    int32_t k;
    int32_t i;
    int32_t j;
    int32_t rb;    /* first entry of row's taps */
    int32_t cb;    /* first entry of col's taps */
    int32_t src;
    int32_t dst;
    float acc;
    float part;

    dst = 0;
    for (oh = 0; oh < p->out_h; oh++) {
        rb = oh * p->t_h;
        for (ow = 0; ow < p->out_w; ow++) {
            cb = ow * p->t_w;
            for (k = 0; k < p->c; k++) {
                acc = 0.0F;
                for (i = 0; i < p->t_h; i++) {
                    src = row[rb + i] + k;
                    part = 0.0F;
                    for (j = 0; j < p->t_w; j++) {
                        part += wc[cb + j] * in[src + col[cb + j]];
                    }
                    acc += wr[rb + i] * part;
                }
                out[dst] = acc;
                dst++;
            }
        }
    }
}

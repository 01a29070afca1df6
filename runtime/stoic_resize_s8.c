/*
 * stoic runtime: resize (nearest, linear, cubic), int8_t.
 *
 * The tables of stoic_resize_f32 (row, col: element offsets into
 * [in_h][in_w][c], inside the input: precondition), with integer weights
 * wr, wc in units of 2^-q.
 * gather 1 (nearest, t_h = t_w = 1; the output keeps the input's scale and
 * zero point): out[oh][ow][k] = in[row[oh] + col[ow] + k], no arithmetic.
 * gather 0:
 *   acc = sum_i sum_j (wr[oh t_h + i] * wc[ow t_w + j])
 *                     * (in[row[oh t_h + i] + col[ow t_w + j] + k] + input_offset)
 *   (int32: the generator proves |acc| <= 2^31 - 1 (its overflow bound))
 *   out[oh][ow][k] = stoic_requant_s8(acc, &p->qmul, p->output_offset, p->act_min, p->act_max)
 * Loop bounds are parameters; the choice between the two loops is made
 * from a parameter, never from the data. in and out must not overlap.
 */
#include "stoic_rt.h"

void stoic_resize_s8(const stoic_resize_q_params *p, const int8_t *in, const int32_t *row,
                     const int32_t *col, const int32_t *wr, const int32_t *wc, int8_t *out)
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
    int32_t acc;

    dst = 0;
    if (p->gather != 0) {
        for (oh = 0; oh < p->out_h; oh++) {
            for (ow = 0; ow < p->out_w; ow++) {
                src = row[oh] + col[ow];
                for (k = 0; k < p->c; k++) {
                    out[dst] = in[src];
                    dst++;
                    src++;
                }
            }
        }
    } else {
        for (oh = 0; oh < p->out_h; oh++) {
            rb = oh * p->t_h;
            for (ow = 0; ow < p->out_w; ow++) {
                cb = ow * p->t_w;
                for (k = 0; k < p->c; k++) {
                    acc = 0;
                    for (i = 0; i < p->t_h; i++) {
                        src = row[rb + i] + k;
                        for (j = 0; j < p->t_w; j++) {
                            acc += (wr[rb + i] * wc[cb + j]) * ((int32_t)in[src + col[cb + j]] + p->input_offset);
                        }
                    }
                    out[dst] = stoic_requant_s8(acc, &p->qmul, p->output_offset, p->act_min, p->act_max);
                    dst++;
                }
            }
        }
    }
}

/*
 * stoic runtime: LSTM layer, float32 (stoic_rt_f32.h, "recurrent layers").
 *
 * Per step and sequence, unit by unit: the four gate pre-activations of
 * unit j (rows j, H + j, 2H + j, 3H + j of w and r: gates i, o, f, c), the
 * cell state c[j] updated in place, the new hidden state written to y; the
 * previous hidden state h is read for every unit and replaced by the new
 * one (copied from y) only after the last unit of the step.
 */
#include <stddef.h>
#include "stoic_rt_f32.h"

/* Pre-activation of one gate row: bias (Wb + Rb), then w row . x, then
 * r row . v (v: h, or z of vn = rank values); each product rounded before
 * it is added. */
static float lstm_f32_row(const stoic_rnn_f32_params *p, const float *xt, const float *h,
                          int32_t vn, const float *w, const float *r, const float *b,
                          int32_t row)
{
    int32_t i;
    int32_t w_row = row * p->in_n;
    int32_t r_row = row * vn;
    int32_t gh = 4 * p->hidden;
    float acc;
    float prod;

    if (b != NULL) {
        acc = b[row] + b[gh + row];
    } else {
        acc = 0.0F;
    }
    for (i = 0; i < p->in_n; i++) {
        prod = xt[i] * w[w_row + i];
        acc = acc + prod;
    }
    for (i = 0; i < vn; i++) {
        prod = h[i] * r[r_row + i];
        acc = acc + prod;
    }
    return acc;
}

void stoic_lstm_f32(const stoic_rnn_f32_params *p, const float *x, const float *w,
                    const float *r, const float *b, const float *init, float *state,
                    float *y)
{
    int32_t n = p->batch * p->hidden;
    int32_t k;
    int32_t s;
    int32_t t;
    int32_t q;
    int32_t j;
    int32_t hid = p->hidden;
    float *h;
    float *c;
    const float *xt;
    float *yt;
    float zero;
    int32_t zero_i;
    float gi;
    float go;
    float gf;
    float gc;
    float keep;
    float add;
    const float *v; /* what the gate rows read: h, or z (low rank) */
    int32_t vn;

    if (p->init != 0) {
        if (init != NULL) {
            for (k = 0; k < (2 * n); k++) {
                state[k] = init[k];
            }
        } else {
            /* zero, computed from the parameters (init is 1 here), so that
             * no compiler turns the loop into a call of memset */
            zero_i = p->init - 1;
            zero = (float)zero_i;
            for (k = 0; k < (2 * n); k++) {
                state[k] = zero;
            }
        }
    }
    for (s = 0; s < p->steps; s++) {
        if (p->reverse != 0) {
            t = (p->steps - 1) - s;
        } else {
            t = s;
        }
        for (q = 0; q < p->batch; q++) {
            h = &state[q * hid];
            c = &state[n + (q * hid)];
            xt = &x[((t * p->batch) + q) * p->in_n];
            yt = &y[((t * p->batch) + q) * hid];
            if (p->rank > 0) {
                v = stoic_rnn_f32_project(p, h, &state[(2 * n) + (q * p->rank)]);
                vn = p->rank;
            } else {
                v = h;
                vn = hid;
            }
            for (j = 0; j < hid; j++) {
                gi = stoic_sigmoidf(lstm_f32_row(p, xt, v, vn, w, r, b, j));
                go = stoic_sigmoidf(lstm_f32_row(p, xt, v, vn, w, r, b, hid + j));
                gf = stoic_sigmoidf(lstm_f32_row(p, xt, v, vn, w, r, b, (2 * hid) + j));
                gc = stoic_tanhf(lstm_f32_row(p, xt, v, vn, w, r, b, (3 * hid) + j));
                keep = gf * c[j];
                add = gi * gc;
                c[j] = keep + add;
                yt[j] = go * stoic_tanhf(c[j]);
            }
            for (j = 0; j < hid; j++) {
                h[j] = yt[j];
            }
        }
    }
}

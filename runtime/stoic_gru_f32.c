/*
 * stoic runtime: GRU layer, float32 (stoic_rt_f32.h, "recurrent layers").
 *
 * Per step and sequence: with linear_before_reset = 0 the reset gate of
 * every unit is computed first and r * h stored in the work area u (the
 * candidate of unit j reads all of it); then unit by unit the update gate,
 * the candidate and the new hidden state, written to y; the previous hidden
 * state h is replaced (copied from y) only after the last unit of the step.
 */
#include <stddef.h>
#include "stoic_rt_f32.h"

/* Dot product of w row `row` with x plus r row `row` with v (h or the
 * work row u; low rank: their projections, rank values), added to acc in
 * that order; each product rounded before it is added. */
static float gru_f32_row(const stoic_rnn_f32_params *p, float acc0, const float *xt,
                         const float *v, int32_t vn, const float *w, const float *r,
                         int32_t row, int32_t use_x, int32_t use_v)
{
    int32_t i;
    int32_t w_row = row * p->in_n;
    int32_t r_row = row * vn;
    float acc = acc0;
    float prod;

    if (use_x != 0) {
        for (i = 0; i < p->in_n; i++) {
            prod = xt[i] * w[w_row + i];
            acc = acc + prod;
        }
    }
    if (use_v != 0) {
        for (i = 0; i < vn; i++) {
            prod = v[i] * r[r_row + i];
            acc = acc + prod;
        }
    }
    return acc;
}

/* Wb[row] + Rb[row] (both = 1), Wb[row] (wb only) or Rb[row]; 0 without b. */
static float gru_f32_bias(const stoic_rnn_f32_params *p, const float *b, int32_t row,
                          int32_t wb, int32_t rb)
{
    int32_t gh = 3 * p->hidden;
    float acc = 0.0F;

    if (b != NULL) {
        if ((wb != 0) && (rb != 0)) {
            acc = b[row] + b[gh + row];
        } else if (wb != 0) {
            acc = b[row];
        } else {
            acc = b[gh + row];
        }
    }
    return acc;
}

void stoic_gru_f32(const stoic_rnn_f32_params *p, const float *x, const float *w,
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
    float *u;
    const float *xt;
    float *yt;
    float zero;
    int32_t zero_i;
    float gz;
    float gr;
    float cand;
    float rec;
    float prod;
    float one_minus;
    float keep;
    const float *vh; /* what the gate rows read for h: h, or rb . h */
    const float *vu; /* for the work row u: u, or rb . u */
    int32_t vn;      /* their length: hidden, or rank */

    if (p->init != 0) {
        if (init != NULL) {
            for (k = 0; k < n; k++) {
                state[k] = init[k];
            }
        } else {
            /* zero, computed from the parameters (init is 1 here), so that
             * no compiler turns the loop into a call of memset */
            zero_i = p->init - 1;
            zero = (float)zero_i;
            for (k = 0; k < n; k++) {
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
            u = &state[n + (q * hid)];
            xt = &x[((t * p->batch) + q) * p->in_n];
            yt = &y[((t * p->batch) + q) * hid];
            vh = h;
            vu = u;
            vn = hid;
            if (p->rank > 0) {
                vh = stoic_rnn_f32_project(p, h, &state[(2 * n) + (q * p->rank)]);
                vn = p->rank;
            }
            if (p->linear_before_reset == 0) {
                for (j = 0; j < hid; j++) {
                    gr = stoic_sigmoidf(gru_f32_row(p, gru_f32_bias(p, b, hid + j, 1, 1), xt,
                                                    vh, vn, w, r, hid + j, 1, 1));
                    u[j] = gr * h[j];
                }
                if (p->rank > 0) {
                    vu = stoic_rnn_f32_project(
                        p, u, &state[(2 * n) + ((p->batch + q) * p->rank)]);
                }
            }
            for (j = 0; j < hid; j++) {
                gz = stoic_sigmoidf(gru_f32_row(p, gru_f32_bias(p, b, j, 1, 1), xt, vh, vn, w,
                                                r, j, 1, 1));
                if (p->linear_before_reset == 0) {
                    cand = gru_f32_row(p, gru_f32_bias(p, b, (2 * hid) + j, 1, 1), xt, vu, vn,
                                       w, r, (2 * hid) + j, 1, 1);
                } else {
                    gr = stoic_sigmoidf(gru_f32_row(p, gru_f32_bias(p, b, hid + j, 1, 1), xt,
                                                    vh, vn, w, r, hid + j, 1, 1));
                    rec = gru_f32_row(p, gru_f32_bias(p, b, (2 * hid) + j, 0, 1), xt, vh, vn,
                                      w, r, (2 * hid) + j, 0, 1);
                    prod = gr * rec;
                    cand = gru_f32_row(p, gru_f32_bias(p, b, (2 * hid) + j, 1, 0), xt, vh, vn,
                                       w, r, (2 * hid) + j, 1, 0);
                    cand = cand + prod;
                }
                cand = stoic_tanhf(cand);
                one_minus = 1.0F - gz;
                keep = gz * h[j];
                prod = one_minus * cand;
                yt[j] = prod + keep;
            }
            for (j = 0; j < hid; j++) {
                h[j] = yt[j];
            }
        }
    }
}

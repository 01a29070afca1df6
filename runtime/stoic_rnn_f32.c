/*
 * stoic runtime: what the float LSTM and GRU (stoic_lstm_f32.c,
 * stoic_gru_f32.c) share: the projection of a low-rank recurrence
 * (stoic_rt_f32.h, "recurrent layers").
 */
#include <stddef.h>
#include "stoic_rt_f32.h"

const float *stoic_rnn_f32_project(const stoic_rnn_f32_params *p, const float *v, float *z)
{
    int32_t k;
    int32_t i;
    int32_t row;
    float acc;
    float prod;

    for (k = 0; k < p->rank; k++) {
        row = k * p->hidden;
        acc = 0.0F;
        for (i = 0; i < p->hidden; i++) {
            prod = p->rb[row + i] * v[i];
            acc = acc + prod;
        }
        z[k] = acc;
    }
    return z;
}

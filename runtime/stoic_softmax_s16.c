/*
 * stoic runtime: softmax over one axis, int16, viewed as [outer][axis_n][inner].
 *
 * For each row (o, i) of axis_n values q_j (stoic_rt.h):
 *   mx = max_j q_j;  d_j = mx - q_j (in [0, 65535]);
 *   k = d_j / 128, f = d_j % 128,
 *   e_j = exp_table[k] + floor(((exp_table[k + 1] - exp_table[k]) f + 64) / 128)
 *         (513 entries, exp_table[k] = round(2^15 exp(-s_in 128 k)));
 *   S = sum_j e_j;   inv = stoic_recip46(S) = floor(2^46 / S);
 *   out_j = clamp(floor((e_j * inv + 2^30) / 2^31), 0, 32767)
 *   (output scale 1/32768, zero point 0).
 *
 * Why exact: d_j >= 0, so k = d_j >> 7 and f = d_j & 127 are the exact
 * quotient and remainder, and k + 1 <= 512. The interpolation step is
 * computed in int64 on x = (t1 - t0) f + 64, |x| < 2^39 for any int32
 * table; floor(x / 128) = ((x + 2^40) >> 7) - 2^33 with x + 2^40 > 0, so no
 * negative value is shifted. The interpolated e_j lies between t0 and t1,
 * hence fits int32. With the table in [0, 2^15] and axis_n <= 65535,
 * S is in [2^15, 2^31 - 1] and e_j * inv <= 2^46 is exact in 64 bits; the
 * floor of a non-negative value by 2^31 is a right shift. The value before
 * the clamp is in [0, 32768].
 *
 * No branch on data: the maximum is a running arithmetic select, the
 * clamps are selects, every table index is in range for every input. The
 * e_j are recomputed in the output pass (no scratch buffer).
 *
 * Defined for any table (out of contract the output is meaningless, never
 * undefined): the sum is taken in int64 and clamped to [2^15, 2^31 - 1]
 * (a no-op under the contract) before its conversion to int32_t, and the
 * product e_j * inv is taken modulo 2^64 (unsigned).
 */
#include "stoic_rt.h"
#include "stoic_bits.h"

#define EXP_ONE     ((int64_t)32768)      /* 2^15 */
#define S_MAX       ((int64_t)2147483647) /* 2^31 - 1 */
#define STEP_BIAS   ((int64_t)1099511627776) /* 2^40 */
#define STEP_UNBIAS ((int64_t)8589934592)    /* 2^40 / 128 = 2^33 */
#define OUT_ROUND   ((uint64_t)1073741824U)  /* 2^30 */
#define OUT_SHIFT   31U

/* E(d) for 0 <= d <= 65535: the interpolated exp table. */
static int64_t exp_interp(const int32_t *table, int64_t d)
{
    uint32_t u;
    uint32_t k;
    uint32_t uf;    /* the fraction, 0..127 */
    int64_t f;
    int64_t t0;
    int64_t t1;
    int64_t x;
    uint64_t ux;    /* x / 128, as the unsigned image of x */

    u = (uint32_t)d;
    k = u >> 7U;
    uf = u & 127U;
    f = (int64_t)uf;
    t0 = (int64_t)table[k];
    t1 = (int64_t)table[k + 1U];
    x = ((t1 - t0) * f) + 64 + STEP_BIAS;
    ux = (uint64_t)x >> 7U;
    return t0 + ((int64_t)ux - STEP_UNBIAS);
}

void stoic_softmax_s16(const stoic_softmax_q_params *p, const int16_t *in, int16_t *out)
{
    int32_t o;
    int32_t i;
    int32_t j;
    int32_t base;   /* index of [o][0][i] */
    int32_t idx;
    int64_t mx;     /* running maximum of the row */
    int64_t q;
    int64_t sum;    /* S */
    uint32_t inv;   /* floor(2^46 / S) */
    int64_t e;
    uint64_t uy;    /* the rounded quotient, < 2^33 (a 64-bit value >> 31) */
    int64_t y;

    for (o = 0; o < p->outer; o++) {
        for (i = 0; i < p->inner; i++) {
            base = (o * p->axis_n * p->inner) + i;
            mx = (int64_t)in[base];
            for (j = 1; j < p->axis_n; j++) {
                q = (int64_t)in[base + (j * p->inner)];
                mx = mx + ((q - mx) * stoic_lt_s64(mx, q));
            }
            sum = 0;
            for (j = 0; j < p->axis_n; j++) {
                q = (int64_t)in[base + (j * p->inner)];
                sum = sum + exp_interp(p->exp_table, mx - q);
            }
            sum = stoic_clamp_s64(sum, EXP_ONE, S_MAX);
            inv = stoic_recip46((int32_t)sum);
            for (j = 0; j < p->axis_n; j++) {
                idx = base + (j * p->inner);
                e = exp_interp(p->exp_table, mx - (int64_t)in[idx]);
                uy = (((uint64_t)e * (uint64_t)inv) + OUT_ROUND) >> OUT_SHIFT;
                y = (int64_t)uy;
                out[idx] = (int16_t)stoic_clamp_s64(y, 0, 32767);
            }
        }
    }
}

/*
 * stoic runtime: global average pooling, int16 (zero points 0): [hw][c] -> [c].
 *
 * What stoic_avgpool2d_s16 computes for a window that is the whole input
 * (k_h = in_h, k_w = in_w, out 1 x 1, no pads, count_include_pad 1), bit
 * for bit, the variant the generator chooses for global_avg_pool:
 *   acc[k] = sum over j of (in[j][k] + input_offset)                 (int32)
 *          = sum over j of in[j][k] + hw * input_offset  (the same integer)
 *   out[k] = clamp(stoic_requantize(acc[k], qmul[0]) + output_offset,
 *                  act_min, act_max)                     (in int64, no wrap)
 * with hw = in_h * in_w. Four channels per pass over the input (their sums
 * in registers), the channels beyond a multiple of 4 one at a time. The
 * generator guarantees |acc| < 2^31 (its overflow bound). The same
 * instructions for every input.
 */
#include "stoic_rt.h"
#include "stoic_bits.h"

/* ---- the output stage -------------------------------------------------------
 * out = clamp(stoic_requantize(acc, m, shift) + output_offset, act_min,
 * act_max), bit for bit, in fewer instructions when shift <= 0 and
 * |acc| < 2^30 (the kernel knows it from the window and the input type):
 * with e = -shift, m in [2^30, 2^31) and SRDHM(acc, m) =
 * floor((acc m + 2^30) / 2^31), RDBPOT(x, e) = floor((x + 2^(e-1) -
 * [x < 0]) / 2^e) for e >= 1 (ties away from zero; x for e = 0), and
 * floors of divisions by powers of two compose, so
 *   y = floor((acc m + 2^30 + c) / 2^(31 + e)),  c = (2^(e-1) - [acc < 0]) 2^31
 * (c = 0 for e = 0; [x < 0] is [acc < 0] except for x = 0, where both
 * round to 0). |acc m + 2^30 + c| < 2^62, so w = floor((...) / 2^31) fits
 * an int32 and y = floor(w / 2^e): one 32x32->64 multiply, a 64-bit
 * addition of a per-window constant, a 64-bit shift by 31 and a 32-bit
 * one by e, each floor an unsigned shift of a biased value (no negative
 * value is shifted). Otherwise stoic_requantize. The choice depends on
 * the multiplier and the geometry, never on data. */
typedef struct {
    int32_t fast;      /* 1: the formula above */
    int32_t m;
    int32_t shift;
    uint32_t e;        /* -shift */
    uint64_t add;      /* 2^30 + 2^(30 + e) [e >= 1] + 2^62 (the bias of the shift by 31) */
    uint32_t neg;      /* 2^31 when e >= 1 (subtracted for acc < 0), else 0 */
    uint32_t bias;     /* 2^31 >> e, less output_offset (mod 2^32) */
    int32_t zp;
    int32_t lo;        /* act_min, act_max */
    int32_t hi;
} gap16_stage;

static void gap16_stage_of(gap16_stage *s, const stoic_qmul *q, int32_t small_acc, int32_t zp,
                           int32_t lo, int32_t hi)
{
    uint32_t e;

    e = 0U - (uint32_t)q->shift;
    s->fast = 0;
    if ((q->shift <= 0) && (small_acc != 0)) {
        s->fast = 1;
    }
    s->m = q->m;
    s->shift = q->shift;
    s->e = e & 31U;
    s->neg = (s->e != 0U) ? 0x80000000U : 0U;
    s->add = 0x4000000040000000ULL + ((((uint64_t)s->neg) << s->e) >> 1U); /* + 2^(30 + e) */
    s->bias = (0x80000000U >> s->e) - (uint32_t)zp;
    s->zp = zp;
    s->lo = lo;
    s->hi = hi;
}

/* The formula (s->fast != 0). */
static int32_t gap16_stage_fast(const gap16_stage *s, int32_t acc)
{
    uint64_t v;
    int64_t p;
    uint32_t w;
    int32_t y;

    /* acc m + 2^30 + c + 2^62 >= 0; its floor / 2^31 is w + 2^31 */
    p = (int64_t)acc * (int64_t)s->m;
    v = (uint64_t)p + (s->add - (uint64_t)((uint32_t)acc & s->neg));
    w = (uint32_t)(v >> 31U);
    y = stoic_s32_of_bits((w >> s->e) - s->bias);    /* floor(w / 2^e) + output_offset */
    y = y + ((s->lo - y) * stoic_lt_s32(y, s->lo));
    return y + ((s->hi - y) * stoic_lt_s32(s->hi, y));   /* in [act_min, act_max] */
}

static int32_t gap16_stage_apply(const gap16_stage *s, int32_t acc)
{
    int32_t y;
    int64_t z;

    if (s->fast != 0) {
        y = gap16_stage_fast(s, acc);
    } else {
        z = (int64_t)stoic_requantize(acc, s->m, s->shift) + (int64_t)s->zp;
        z = stoic_clamp_mask_s64(z, (int64_t)s->lo, (int64_t)s->hi);
        y = (int32_t)z;
    }
    return y;   /* in [act_min, act_max] */
}


void stoic_gavgpool_s16(const stoic_pool2d_q_params *p, const int16_t *in, int16_t *out)
{
    int32_t hw;
    int32_t nc;
    int32_t c;
    int32_t j;
    int32_t i;
    int32_t c4;       /* channels done four at a time */
    int32_t offn;     /* hw * input_offset */
    int32_t s0;
    int32_t s1;
    int32_t s2;
    int32_t s3;
    gap16_stage st;

    hw = p->in_h * p->in_w;
    nc = p->c;
    c4 = nc - (nc % 4);
    offn = hw * p->input_offset;
    /* |acc| <= hw * 32768 < 2^30 for hw < 32768 */
    gap16_stage_of(&st, &p->qmul[0], (hw < 32768) ? 1 : 0, p->output_offset, p->act_min,
                   p->act_max);
    for (c = 0; c < c4; c += 4) {
        s0 = offn;
        s1 = offn;
        s2 = offn;
        s3 = offn;
        i = c;
        for (j = 0; j < hw; j++) {
            s0 = s0 + (int32_t)in[i];
            s1 = s1 + (int32_t)in[i + 1];
            s2 = s2 + (int32_t)in[i + 2];
            s3 = s3 + (int32_t)in[i + 3];
            i += nc;
        }
        out[c] = (int16_t)gap16_stage_apply(&st, s0);
        out[c + 1] = (int16_t)gap16_stage_apply(&st, s1);
        out[c + 2] = (int16_t)gap16_stage_apply(&st, s2);
        out[c + 3] = (int16_t)gap16_stage_apply(&st, s3);
    }
    for (c = c4; c < nc; c++) {
        s0 = offn;
        i = c;
        for (j = 0; j < hw; j++) {
            s0 = s0 + (int32_t)in[i];
            i += nc;
        }
        out[c] = (int16_t)gap16_stage_apply(&st, s0);
    }
}

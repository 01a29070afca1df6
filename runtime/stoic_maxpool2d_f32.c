/*
 * stoic runtime: 2-D max pooling, float32, NHWC.
 *
 * out[oh][ow][c] = max over the in-bounds cells of the window
 * ih = oh * stride_h - pad_top + kh (kh < k_h), likewise iw; padded cells
 * are ignored. The in-bounds range of kh (kw) is computed from the output
 * index and the parameters, not from tensor data.
 * The maximum is taken without a branch on data: on order keys of the
 * float bits (an unsigned integer whose order is the order of the floats),
 * with a borrow mask instead of a comparison operator, so that no compiler,
 * at any optimisation level, turns it into a jump; the instruction path is
 * the same for every input. A NaN anywhere in a window gives NaN.
 * A window without any in-bounds cell (impossible when every pad is smaller
 * than the kernel, which the generator guarantees) gives 0.
 */
#include "stoic_rt.h"

/* MISRA Ref 19.2.1: deviation from Rule 19.2 (advisory, "union shall not
 * be used"): reinterprets the 32 bits of an IEEE-754 float as an unsigned
 * integer and back, as C99 6.5.2.3 (footnote 82) defines; there is no other
 * way without a library call (memcpy). Both members have size 4. */
typedef union {
    float f;
    uint32_t u;
} maxpool_f32_bits;

#define MAXPOOL_SIGN_MASK 0x80000000U
#define MAXPOOL_ABS_MASK  0x7FFFFFFFU
#define MAXPOOL_INF_BITS  0x7F800000U

/* Order key of x: -inf < ... < -0 < +0 < ... < +inf < NaN (a NaN's sign
 * bit is cleared first, so every NaN is above +inf). */
static uint32_t maxpool_key(float x)
{
    maxpool_f32_bits b; /* MISRA Ref 19.2.1 */
    uint32_t u;
    uint32_t a;
    uint64_t d;
    uint32_t nan;
    uint32_t neg;

    b.f = x;
    u = b.u;
    a = u & MAXPOOL_ABS_MASK;
    /* all ones when |u| > inf bits (NaN): the 64-bit difference wraps */
    d = (uint64_t)MAXPOOL_INF_BITS - (uint64_t)a;
    nan = (uint32_t)(d >> 32U);
    u = u & (~(nan & MAXPOOL_SIGN_MASK));
    neg = 0U - (u >> 31U);
    return u ^ (neg | MAXPOOL_SIGN_MASK);
}

/* The float whose order key is k. */
static float maxpool_unkey(uint32_t k)
{
    maxpool_f32_bits b; /* MISRA Ref 19.2.1 */
    uint32_t pos;

    pos = k >> 31U;   /* 1 for keys of floats with the sign bit clear */
    b.u = k ^ ((pos - 1U) | MAXPOOL_SIGN_MASK);
    return b.f;
}

/* max(ka, kb) of two keys without a comparison operator: the 64-bit
 * difference ka - kb wraps below zero exactly when ka < kb, which fills
 * its high word with ones; that mask merges kb into ka. (Written this way,
 * neither GCC nor clang turns it into a select they might lower to a
 * branch: clang does so for a loop-carried `a < b ? b : a` on x86.) */
static uint32_t maxpool_key_max(uint32_t ka, uint32_t kb)
{
    uint64_t d;
    uint32_t lt;

    d = (uint64_t)ka - (uint64_t)kb;
    lt = (uint32_t)(d >> 32U);
    return ka ^ ((ka ^ kb) & lt);
}

/* Window rows (columns) k in [0, k_n) with 0 <= base + k < in_n:
 * [*first, *end), empty when *first == *end. */
static void maxpool_tap_range(int32_t base, int32_t dil, int32_t k_n, int32_t in_n,
                              int32_t *first, int32_t *end)
{
    int32_t lo;
    int32_t hi;

    /* smallest k with base + k * dil >= 0 */
    if (base >= 0) {
        lo = 0;
    } else {
        lo = ((-base) + (dil - 1)) / dil;
    }
    /* one past the largest k with base + k * dil <= in_n - 1 */
    if (base >= in_n) {
        hi = 0;
    } else {
        hi = ((in_n - base) + (dil - 1)) / dil;
    }
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
    uint32_t m;       /* order key of the running maximum */
    float y;

    for (oh = 0; oh < p->out_h; oh++) {
        base_h = (oh * p->stride_h) - p->pad_top;
        maxpool_tap_range(base_h, p->dil_h, p->k_h, p->in_h, &kh0, &kh1);
        for (ow = 0; ow < p->out_w; ow++) {
            base_w = (ow * p->stride_w) - p->pad_left;
            maxpool_tap_range(base_w, p->dil_w, p->k_w, p->in_w, &kw0, &kw1);
            out_pix = ((oh * p->out_w) + ow) * p->c;
            for (c = 0; c < p->c; c++) {
                m = 0U;       /* below the key of every float */
                for (kh = kh0; kh < kh1; kh++) {
                    for (kw = kw0; kw < kw1; kw++) {
                        in_idx = ((((base_h + (kh * p->dil_h)) * p->in_w) + (base_w + (kw * p->dil_w))) * p->c) + c;
                        m = maxpool_key_max(m, maxpool_key(in[in_idx]));
                    }
                }
                if ((kh0 < kh1) && (kw0 < kw1)) {
                    y = maxpool_unkey(m);
                } else {
                    y = 0.0F;
                }
                out[out_pix + c] = y;
            }
        }
    }
}

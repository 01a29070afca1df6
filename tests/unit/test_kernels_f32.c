/*
 * Unit tests of the float32 runtime kernels (runtime/stoic_*_f32.c).
 *
 * Every kernel is checked against a reference written here, independently,
 * from the semantics stated in runtime/stoic_rt.h: plain nested loops in
 * double, with bounds checks instead of precomputed ranges. Random cases use
 * a fixed-seed xorshift generator, so every run checks the same cases.
 * Tolerances are rounding-error bounds of the float computation (unit
 * roundoff U = 2^-24 times the accumulation length times the sum of the
 * absolute values of the terms), not fudge factors: any indexing, padding,
 * grouping or broadcasting mistake is orders of magnitude larger.
 *
 * Output buffers carry guard cells before and after, filled with a
 * sentinel, and are pre-filled with NaN: a kernel that writes out of bounds
 * or leaves an element unwritten fails.
 *
 * The hand-derived cases give expected numbers worked out in comments.
 */
/* REQ: REQ-ARITH-001 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <CUnit/CUnit.h>
#include "unit.h"
#include "stoic_rt_f32.h"

#define U_RND (1.0 / 16777216.0)  /* 2^-24, unit roundoff of float */
#define GUARD 16
#define SENTINEL 12345.5f

/* ---- PRNG: xorshift32, fixed seeds ---------------------------------- */

static uint32_t rng_state;

static void rng_seed(uint32_t s)
{
    rng_state = (s == 0u) ? 0x9E3779B9u : s;
}

static uint32_t rng_u32(void)
{
    uint32_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    rng_state = x;
    return x;
}

/* integer uniform in [lo, hi] */
static int32_t rng_int(int32_t lo, int32_t hi)
{
    uint32_t span = (uint32_t)(hi - lo) + 1u;
    return lo + (int32_t)(rng_u32() % span);
}

/* float uniform in [lo, hi) */
static float rng_float(float lo, float hi)
{
    double u = (double)(rng_u32() >> 8) / 16777216.0;
    return (float)((double)lo + u * ((double)hi - (double)lo));
}

/* ---- buffers with guards -------------------------------------------- */

/* n usable floats, GUARD sentinels on either side. Returns the usable part. */
static float *buf_out(int32_t n)
{
    float *b = malloc(sizeof(float) * (size_t)(n + 2 * GUARD));
    int32_t i;
    if (b == NULL) {
        return NULL;
    }
    for (i = 0; i < n + 2 * GUARD; i++) {
        b[i] = SENTINEL;
    }
    for (i = 0; i < n; i++) {
        b[GUARD + i] = (float)NAN;
    }
    return b + GUARD;
}

static int buf_guards_ok(const float *p, int32_t n)
{
    int32_t i;
    for (i = 0; i < GUARD; i++) {
        if (p[-1 - i] != SENTINEL || p[n + i] != SENTINEL) {
            return 0;
        }
    }
    return 1;
}

static void buf_free(float *p)
{
    if (p != NULL) {
        free(p - GUARD);
    }
}

/* exact-size input buffer with random values in [lo, hi) */
static float *buf_rand(int32_t n, float lo, float hi)
{
    float *b = malloc(sizeof(float) * (size_t)n);
    int32_t i;
    if (b == NULL) {
        return NULL;
    }
    for (i = 0; i < n; i++) {
        b[i] = rng_float(lo, hi);
    }
    return b;
}

/* ---- reference activation ------------------------------------------- */

static stoic_act_f32 rand_act(void)
{
    stoic_act_f32 a;
    a.kind = rng_int(0, 6);
    a.lo = -STOIC_FLT_MAX;
    a.hi = STOIC_FLT_MAX;
    a.alpha = 0.0f;
    a.beta = 0.0f;
    if (a.kind == STOIC_ACT_CLAMP) {
        switch (rng_int(0, 3)) {
        case 0: a.lo = 0.0f; break;                           /* relu */
        case 1: a.lo = 0.0f; a.hi = 0.25f; break;             /* relu6-like */
        case 2: a.lo = rng_float(-1.0f, 0.0f); a.hi = rng_float(0.0f, 1.0f); break;
        default: a.hi = rng_float(-0.5f, 0.5f); break;        /* min only */
        }
    } else if (a.kind == STOIC_ACT_LEAKY) {
        a.alpha = rng_float(0.0f, 0.5f);
    } else if (a.kind == STOIC_ACT_HARD_SIGMOID) {
        a.alpha = rng_float(0.05f, 0.5f);
        a.beta = rng_float(0.0f, 1.0f);
    } else if (a.kind == STOIC_ACT_HARD_SWISH) {
        a.alpha = 1.0f / 6.0f;
        a.beta = 0.5f;
    }
    return a;
}

static double ref_act(const stoic_act_f32 *a, double x)
{
    switch (a->kind) {
    case STOIC_ACT_CLAMP:
        if (x < (double)a->lo) return (double)a->lo;
        if (x > (double)a->hi) return (double)a->hi;
        return x;
    case STOIC_ACT_LEAKY:
        return x >= 0.0 ? x : (double)a->alpha * x;
    case STOIC_ACT_SIGMOID:
        return 1.0 / (1.0 + exp(-x));
    case STOIC_ACT_TANH:
        return tanh(x);
    case STOIC_ACT_HARD_SIGMOID:
    case STOIC_ACT_HARD_SWISH: {
        /* ONNX: min(max(alpha x + beta, 0), 1), times x for hard swish */
        double t = (double)a->alpha * x + (double)a->beta;
        t = t < 0.0 ? 0.0 : (t > 1.0 ? 1.0 : t);
        return a->kind == STOIC_ACT_HARD_SWISH ? x * t : t;
    }
    default:
        return x;
    }
}

/* Tolerance on act(x) when x is known to within err: Lipschitz constant
 * times err, plus the activation's own error (contract in stoic_rt.h),
 * plus one rounding of the result. */
static double act_tol(const stoic_act_f32 *a, double err, double ref)
{
    double lip = 1.0;
    double own = 0.0;
    if (a->kind == STOIC_ACT_SIGMOID) {
        lip = 0.25;
        own = 1e-7;
    } else if (a->kind == STOIC_ACT_TANH) {
        own = 1e-7;
    } else if (a->kind == STOIC_ACT_LEAKY && fabs((double)a->alpha) > 1.0) {
        lip = fabs((double)a->alpha);
    } else if (a->kind == STOIC_ACT_HARD_SIGMOID) {
        lip = fabs((double)a->alpha);
        own = 1.2e-7; /* alpha x + beta rounded once, near 1 at most */
    } else if (a->kind == STOIC_ACT_HARD_SWISH) {
        lip = 1.5; /* t + alpha x, |x| <= 3 on the ramp */
        own = 3e-7; /* |x| <= 3 times the rounding of t */
    }
    return lip * err + own + 2.0 * U_RND * fabs(ref) + 1e-37;
}

/* Compare got[i] with ref[i] within tol[i]; report the first mismatch. */
static int check_close(const char *what, int case_no, const float *got,
                       const double *ref, const double *tol, int32_t n)
{
    int32_t i;
    for (i = 0; i < n; i++) {
        double g = (double)got[i];
        if (!(fabs(g - ref[i]) <= tol[i])) {
            fprintf(stderr, "\n%s case %d: element %ld: got %.9g, want %.9g (tol %.3g)\n",
                    what, case_no, (long)i, g, ref[i], tol[i]);
            return 0;
        }
    }
    if (!buf_guards_ok(got, n)) {
        fprintf(stderr, "\n%s case %d: write outside the output\n", what, case_no);
        return 0;
    }
    return 1;
}

/* Exact comparison (bitwise for non-NaN values, NaN equals NaN). */
static int check_exact(const char *what, int case_no, const float *got,
                       const float *want, int32_t n)
{
    int32_t i;
    for (i = 0; i < n; i++) {
        if (!(got[i] == want[i] || (isnan(got[i]) && isnan(want[i])))) {
            fprintf(stderr, "\n%s case %d: element %ld: got %.9g, want %.9g\n",
                    what, case_no, (long)i, (double)got[i], (double)want[i]);
            return 0;
        }
    }
    if (!buf_guards_ok(got, n)) {
        fprintf(stderr, "\n%s case %d: write outside the output\n", what, case_no);
        return 0;
    }
    return 1;
}

static int near(float got, double want, double tol)
{
    return fabs((double)got - want) <= tol;
}

/* ulp of the float nearest to r (r a normal float magnitude) */
static double ulp_of(double r)
{
    int e;
    (void)frexp(fabs(r), &e);   /* |r| in [2^(e-1), 2^e) */
    if (e - 1 < -126) {
        e = -125;
    }
    return ldexp(1.0, e - 1 - 23);
}

/* ===================================================================== */
/* element-wise math                                                      */
/* ===================================================================== */

static void test_expf_accuracy(void)
{
    /* A dense uniform sweep of [-87, 88], a geometric sweep of small |x|
     * and random floats: max error against exp() in double, in ulps of the
     * exact result. Contract: <= 4 ulp. */
    const int32_t n_grid = 3000000;
    double worst = 0.0;
    double worst_x = 0.0;
    int32_t i;
    rng_seed(11u);
    for (i = 0; i < 3 * n_grid; i++) {
        float x;
        double r;
        double e;
        if (i < n_grid) {
            x = (float)(-87.0 + 175.0 * (double)i / (double)(n_grid - 1));
        } else if (i < 2 * n_grid) {
            /* +-[1e-10, 1] geometrically */
            double t = (double)(i - n_grid) / (double)n_grid;
            x = (float)pow(10.0, -10.0 + 10.0 * t);
            if ((i & 1) != 0) {
                x = -x;
            }
        } else {
            x = rng_float(-87.0f, 88.0f);
        }
        r = exp((double)x);
        e = fabs((double)stoic_expf(x) - r) / ulp_of(r);
        if (e > worst) {
            worst = e;
            worst_x = (double)x;
        }
    }
    printf("\n    stoic_expf: max error %.3f ulp (at x = %.9g)", worst, worst_x);
    CU_ASSERT(worst <= 4.0);
}

static void test_expf_special(void)
{
    float big;
    float tiny;
    /* exp(0) = 1, exp(1) = e, exp(-ln 2) = 1/2, exp(10 ln 2) = 1024 */
    CU_ASSERT(stoic_expf(0.0f) == 1.0f);
    CU_ASSERT(near(stoic_expf(1.0f), 2.718281828459045, 4.0 * ulp_of(2.718281828459045)));
    CU_ASSERT(near(stoic_expf(-0.693147180559945f), 0.5, 4.0 * ulp_of(0.5)));
    CU_ASSERT(near(stoic_expf(6.93147180559945f), 1024.0, 4.0 * ulp_of(1024.0)));
    /* edges of the contract range */
    CU_ASSERT(near(stoic_expf(88.0f), exp(88.0), 4.0 * ulp_of(exp(88.0))));
    CU_ASSERT(near(stoic_expf(-87.0f), exp(-87.0), 4.0 * ulp_of(exp(-87.0))));
    /* saturation: finite, monotone, no overflow to inf or to garbage */
    big = stoic_expf(1000.0f);
    CU_ASSERT(isfinite(big) && big >= 3.0e38f);
    CU_ASSERT(stoic_expf((float)INFINITY) == big);
    CU_ASSERT(stoic_expf(89.0f) == big);
    CU_ASSERT(stoic_expf(88.7f) <= big);
    tiny = stoic_expf(-1000.0f);
    CU_ASSERT(tiny >= 0.0f && tiny < 1.3e-38f);
    CU_ASSERT(stoic_expf(-(float)INFINITY) == tiny);
    CU_ASSERT(isnan(stoic_expf((float)NAN)));
}

static void test_sigmoid_accuracy(void)
{
    /* Dense sweep of [-40, 40] plus random: abs error <= 1e-7 (contract). */
    const int32_t n_grid = 4000000;
    double worst = 0.0;
    double worst_x = 0.0;
    int32_t i;
    rng_seed(12u);
    for (i = 0; i < n_grid + 1000000; i++) {
        float x;
        double r;
        double e;
        if (i < n_grid) {
            x = (float)(-40.0 + 80.0 * (double)i / (double)(n_grid - 1));
        } else {
            x = rng_float(-100.0f, 100.0f);
        }
        r = 1.0 / (1.0 + exp(-(double)x));
        e = fabs((double)stoic_sigmoidf(x) - r);
        if (e > worst) {
            worst = e;
            worst_x = (double)x;
        }
    }
    printf("\n    stoic_sigmoidf: max abs error %.3g (at x = %.9g)", worst, worst_x);
    CU_ASSERT(worst <= 1e-7);
}

static void test_sigmoid_special(void)
{
    /* sigmoid(0) = 1/2 exactly; sigmoid(ln 3) = 1/(1 + 1/3) = 3/4;
     * sigmoid(-ln 3) = 1/4; the tails go to 1 and 0. */
    CU_ASSERT(stoic_sigmoidf(0.0f) == 0.5f);
    CU_ASSERT(stoic_sigmoidf(-0.0f) == 0.5f);
    CU_ASSERT(near(stoic_sigmoidf(1.0986122886681098f), 0.75, 1e-7));
    CU_ASSERT(near(stoic_sigmoidf(-1.0986122886681098f), 0.25, 1e-7));
    CU_ASSERT(stoic_sigmoidf(50.0f) == 1.0f);
    CU_ASSERT(stoic_sigmoidf((float)INFINITY) == 1.0f);
    CU_ASSERT(stoic_sigmoidf(-(float)INFINITY) >= 0.0f);
    CU_ASSERT(stoic_sigmoidf(-(float)INFINITY) < 1e-37f);
    /* relative accuracy in the lower tail: sigmoid(-20) = 2.0611536e-9 */
    CU_ASSERT(near(stoic_sigmoidf(-20.0f), 2.0611536181902037e-9, 2.0611536e-9 * 1e-6));
    CU_ASSERT(isnan(stoic_sigmoidf((float)NAN)));
}

static void test_tanh_accuracy(void)
{
    /* Dense sweep of [-12, 12], geometric sweep of |x| in [1e-3, 12] (relative
     * error) and of |x| in [1e-30, 1e-3] (absolute error).
     * Contract: abs error <= 1e-7 everywhere, rel error <= 1e-6 for
     * |x| >= 1e-3. */
    const int32_t n_grid = 4000000;
    double worst_abs = 0.0;
    double worst_rel = 0.0;
    double wa_x = 0.0;
    double wr_x = 0.0;
    int32_t i;
    for (i = 0; i < 3 * n_grid; i++) {
        float x;
        double r;
        double e;
        if (i < n_grid) {
            x = (float)(-12.0 + 24.0 * (double)i / (double)(n_grid - 1));
        } else if (i < 2 * n_grid) {
            double t = (double)(i - n_grid) / (double)n_grid;
            x = (float)(1e-3 * pow(12000.0, t));
        } else {
            double t = (double)(i - 2 * n_grid) / (double)n_grid;
            x = (float)pow(10.0, -30.0 + 27.0 * t);
        }
        if ((i & 1) != 0) {
            x = -x;
        }
        r = tanh((double)x);
        e = fabs((double)stoic_tanhf(x) - r);
        if (e > worst_abs) {
            worst_abs = e;
            wa_x = (double)x;
        }
        if (fabsf(x) >= 1e-3f && r != 0.0 && e / fabs(r) > worst_rel) {
            worst_rel = e / fabs(r);
            wr_x = (double)x;
        }
    }
    printf("\n    stoic_tanhf: max abs error %.3g (at x = %.9g), max rel error %.3g (at x = %.9g)",
           worst_abs, wa_x, worst_rel, wr_x);
    CU_ASSERT(worst_abs <= 1e-7);
    CU_ASSERT(worst_rel <= 1e-6);
}

static void test_tanh_special(void)
{
    /* tanh(ln 3) = (9 - 1)/(9 + 1) = 0.8 (exp branch);
     * tanh(ln 3 / 2) = (3 - 1)/(3 + 1) = 0.5 (polynomial branch, 0.549);
     * odd; tanh(+-0) = +-0; saturates at +-1. */
    CU_ASSERT(near(stoic_tanhf(1.0986122886681098f), 0.8, 1e-7));
    CU_ASSERT(near(stoic_tanhf(-1.0986122886681098f), -0.8, 1e-7));
    CU_ASSERT(near(stoic_tanhf(0.5493061443340549f), 0.5, 1e-7));
    CU_ASSERT(stoic_tanhf(-0.3f) == -stoic_tanhf(0.3f));
    CU_ASSERT(stoic_tanhf(-3.0f) == -stoic_tanhf(3.0f));
    CU_ASSERT(stoic_tanhf(0.0f) == 0.0f && !signbit(stoic_tanhf(0.0f)));
    CU_ASSERT(stoic_tanhf(-0.0f) == 0.0f && signbit(stoic_tanhf(-0.0f)));
    CU_ASSERT(stoic_tanhf(1e-20f) == 1e-20f);
    CU_ASSERT(stoic_tanhf(20.0f) == 1.0f);
    CU_ASSERT(stoic_tanhf(-(float)INFINITY) == -1.0f);
    CU_ASSERT(isnan(stoic_tanhf((float)NAN)));
    /* continuity across the switch of formulas (0.625) */
    CU_ASSERT(near(stoic_tanhf(0.62499994f), tanh(0.62499994), 1e-7));
    CU_ASSERT(near(stoic_tanhf(0.625f), tanh(0.625), 1e-7));
}

static void test_act_apply(void)
{
    stoic_act_f32 a;
    /* none */
    a.kind = STOIC_ACT_NONE;
    a.lo = 0.0f;
    a.hi = 1.0f;
    a.alpha = 0.5f;
    CU_ASSERT(stoic_act_apply_f32(&a, -3.5f) == -3.5f);
    /* relu6: clamp to [0, 6]: -1 -> 0, 7 -> 6, 3 -> 3 */
    a.kind = STOIC_ACT_CLAMP;
    a.lo = 0.0f;
    a.hi = 6.0f;
    CU_ASSERT(stoic_act_apply_f32(&a, -1.0f) == 0.0f);
    CU_ASSERT(stoic_act_apply_f32(&a, 7.0f) == 6.0f);
    CU_ASSERT(stoic_act_apply_f32(&a, 3.0f) == 3.0f);
    /* relu: hi = FLT_MAX, keeps large values */
    a.hi = STOIC_FLT_MAX;
    CU_ASSERT(stoic_act_apply_f32(&a, 1e30f) == 1e30f);
    /* leaky 0.1: -2 -> -0.2, 3 -> 3 */
    a.kind = STOIC_ACT_LEAKY;
    a.alpha = 0.1f;
    CU_ASSERT(stoic_act_apply_f32(&a, -2.0f) == 0.1f * -2.0f);
    CU_ASSERT(near(stoic_act_apply_f32(&a, -2.0f), -0.2, 1e-7));
    CU_ASSERT(stoic_act_apply_f32(&a, 3.0f) == 3.0f);
    /* NaN is not turned into a plausible number by relu or leaky */
    CU_ASSERT(isnan(stoic_act_apply_f32(&a, (float)NAN)));
    a.kind = STOIC_ACT_CLAMP;
    CU_ASSERT(isnan(stoic_act_apply_f32(&a, (float)NAN)));
    a.kind = STOIC_ACT_LEAKY;
    /* sigmoid and tanh are the math functions */
    a.kind = STOIC_ACT_SIGMOID;
    CU_ASSERT(stoic_act_apply_f32(&a, 0.7f) == stoic_sigmoidf(0.7f));
    a.kind = STOIC_ACT_TANH;
    CU_ASSERT(stoic_act_apply_f32(&a, 0.7f) == stoic_tanhf(0.7f));
    /* hard sigmoid and hard swish, values worked out by hand: alpha 0.2,
     * beta 0.5: x = 1 gives 0.7; x = -2.5 gives 0 (below the ramp, also
     * -0 is +0); x = 3 gives 1; hard swish (1/6, 0.5): x = 3 gives 3,
     * x = -3 gives -0 * ... = 0, x = 1 gives 1 * (1/6 + 0.5) */
    a.kind = STOIC_ACT_HARD_SIGMOID;
    a.alpha = 0.2f;
    a.beta = 0.5f;
    CU_ASSERT(stoic_act_apply_f32(&a, 1.0f) == (0.2f * 1.0f) + 0.5f);
    CU_ASSERT(stoic_act_apply_f32(&a, -2.5f) == 0.0f);
    CU_ASSERT(!signbit(stoic_act_apply_f32(&a, -2.5f)));
    CU_ASSERT(stoic_act_apply_f32(&a, 3.0f) == 1.0f);
    CU_ASSERT(stoic_act_apply_f32(&a, 1e30f) == 1.0f);
    CU_ASSERT(stoic_act_apply_f32(&a, -1e30f) == 0.0f);
    CU_ASSERT(isnan(stoic_act_apply_f32(&a, (float)NAN)));
    a.kind = STOIC_ACT_HARD_SWISH;
    a.alpha = 1.0f / 6.0f;
    a.beta = 0.5f;
    CU_ASSERT(stoic_act_apply_f32(&a, 3.0f) == 3.0f);
    CU_ASSERT(stoic_act_apply_f32(&a, 10.0f) == 10.0f);
    CU_ASSERT(stoic_act_apply_f32(&a, -3.0f) == 0.0f);
    CU_ASSERT(stoic_act_apply_f32(&a, -10.0f) == 0.0f);
    CU_ASSERT(near(stoic_act_apply_f32(&a, 1.0f), 2.0 / 3.0, 1e-7));
    CU_ASSERT(near(stoic_act_apply_f32(&a, -1.5f), -0.375, 1e-7));
    CU_ASSERT(isnan(stoic_act_apply_f32(&a, (float)NAN)));
}

/* ===================================================================== */
/* dense                                                                  */
/* ===================================================================== */

static void ref_dense(const stoic_dense_f32_params *p, const float *in, const float *w,
                      const float *bias, double *ref, double *tol)
{
    int32_t r, o, i;
    for (r = 0; r < p->rows; r++) {
        for (o = 0; o < p->out_n; o++) {
            double s = bias != NULL ? (double)bias[o] : 0.0;
            double sa = fabs(s);
            for (i = 0; i < p->in_n; i++) {
                double t = (double)in[r * p->in_n + i] * (double)w[o * p->in_n + i];
                s += t;
                sa += fabs(t);
            }
            ref[r * p->out_n + o] = ref_act(&p->act, s);
            tol[r * p->out_n + o] = act_tol(&p->act, (double)(p->in_n + 2) * U_RND * sa,
                                            ref[r * p->out_n + o]);
        }
    }
}

static void test_dense_hand(void)
{
    /* in = [1, 2]; w = [[1, 1], [2, -1]]; bias = [0.5, -1]
     * pre-activation: [0.5 + 1 + 2, -1 + 2 - 2] = [3.5, -1]; relu: [3.5, 0].
     * Second row in = [-1, 4]: [0.5 - 1 + 4, -1 - 2 - 4] = [3.5, -7] -> [3.5, 0]. */
    static const float in[4] = {1.0f, 2.0f, -1.0f, 4.0f};
    static const float w[4] = {1.0f, 1.0f, 2.0f, -1.0f};
    static const float bias[2] = {0.5f, -1.0f};
    static const float want[4] = {3.5f, 0.0f, 3.5f, 0.0f};
    static const float want_nobias[4] = {3.0f, 0.0f, 3.0f, -6.0f}; /* act none */
    stoic_dense_f32_params p;
    float *out = buf_out(4);
    p.rows = 2;
    p.in_n = 2;
    p.out_n = 2;
    p.act.kind = STOIC_ACT_CLAMP;
    p.act.lo = 0.0f;
    p.act.hi = STOIC_FLT_MAX;
    p.act.alpha = 0.0f;
    stoic_dense_f32(&p, in, w, bias, out);
    CU_ASSERT(check_exact("dense hand", 0, out, want, 4));
    p.act.kind = STOIC_ACT_NONE;
    stoic_dense_f32(&p, in, w, NULL, out);
    CU_ASSERT(check_exact("dense hand no bias", 1, out, want_nobias, 4));
    buf_free(out);
}

static void test_dense_random(void)
{
    int c;
    rng_seed(101u);
    for (c = 0; c < 300; c++) {
        stoic_dense_f32_params p;
        float *in, *w, *bias, *out;
        double *ref, *tol;
        int32_t n_out;
        p.rows = rng_int(1, 6);
        p.in_n = rng_int(1, 80);
        p.out_n = rng_int(1, 20);
        p.act = rand_act();
        n_out = p.rows * p.out_n;
        in = buf_rand(p.rows * p.in_n, -1.0f, 1.0f);
        w = buf_rand(p.out_n * p.in_n, -1.0f, 1.0f);
        bias = (c % 5 == 4) ? NULL : buf_rand(p.out_n, -1.0f, 1.0f);
        out = buf_out(n_out);
        ref = malloc(sizeof(double) * (size_t)n_out);
        tol = malloc(sizeof(double) * (size_t)n_out);
        stoic_dense_f32(&p, in, w, bias, out);
        ref_dense(&p, in, w, bias, ref, tol);
        CU_ASSERT(check_close("dense", c, out, ref, tol, n_out));
        free(in);
        free(w);
        free(bias);
        buf_free(out);
        free(ref);
        free(tol);
    }
}

/* ===================================================================== */
/* conv2d                                                                 */
/* ===================================================================== */

static void ref_conv2d(const stoic_conv2d_f32_params *p, const float *in, const float *w,
                       const float *bias, double *ref, double *tol)
{
    int32_t icpg = p->in_c / p->groups;
    int32_t ocpg = p->out_c / p->groups;
    int32_t oh, ow, oc, kh, kw, j;
    for (oh = 0; oh < p->out_h; oh++) {
        for (ow = 0; ow < p->out_w; ow++) {
            for (oc = 0; oc < p->out_c; oc++) {
                int32_t g = oc / ocpg;
                double s = bias != NULL ? (double)bias[oc] : 0.0;
                double sa = fabs(s);
                int32_t terms = 1;
                int32_t o = (oh * p->out_w + ow) * p->out_c + oc;
                for (kh = 0; kh < p->k_h; kh++) {
                    for (kw = 0; kw < p->k_w; kw++) {
                        int32_t ih = oh * p->stride_h - p->pad_top + kh * p->dil_h;
                        int32_t iw = ow * p->stride_w - p->pad_left + kw * p->dil_w;
                        if (ih < 0 || ih >= p->in_h || iw < 0 || iw >= p->in_w) {
                            continue;
                        }
                        for (j = 0; j < icpg; j++) {
                            double x = (double)in[(ih * p->in_w + iw) * p->in_c + g * icpg + j];
                            double wv = (double)w[((oc * p->k_h + kh) * p->k_w + kw) * icpg + j];
                            s += x * wv;
                            sa += fabs(x * wv);
                            terms++;
                        }
                    }
                }
                ref[o] = ref_act(&p->act, s);
                tol[o] = act_tol(&p->act, (double)(terms + 1) * U_RND * sa, ref[o]);
            }
        }
    }
}

static void run_conv2d_case(const char *what, int c, const stoic_conv2d_f32_params *p,
                            int with_bias)
{
    int32_t n_in = p->in_h * p->in_w * p->in_c;
    int32_t n_w = p->out_c * p->k_h * p->k_w * (p->in_c / p->groups);
    int32_t n_out = p->out_h * p->out_w * p->out_c;
    float *in = buf_rand(n_in, -1.0f, 1.0f);
    float *w = buf_rand(n_w, -1.0f, 1.0f);
    float *bias = with_bias ? buf_rand(p->out_c, -1.0f, 1.0f) : NULL;
    float *out = buf_out(n_out);
    double *ref = malloc(sizeof(double) * (size_t)n_out);
    double *tol = malloc(sizeof(double) * (size_t)n_out);
    stoic_conv2d_f32(p, in, w, bias, out);
    ref_conv2d(p, in, w, bias, ref, tol);
    CU_ASSERT(check_close(what, c, out, ref, tol, n_out));
    free(in);
    free(w);
    free(bias);
    buf_free(out);
    free(ref);
    free(tol);
}

/* output size: floor((in + before + after - ((k - 1) * dil + 1)) / stride) + 1,
 * or 0 when the dilated kernel does not fit */
static int32_t conv_out_size(int32_t in, int32_t before, int32_t after, int32_t k,
                             int32_t dil, int32_t stride)
{
    int32_t span = in + before + after - ((k - 1) * dil + 1);
    return span < 0 ? 0 : span / stride + 1;
}

static void test_conv2d_random(void)
{
    int c;
    int n_depthwise = 0, n_grouped = 0, n_dilated = 0, n_strided = 0, n_padded = 0, n_1d = 0;
    rng_seed(202u);
    for (c = 0; c < 400; c++) {
        stoic_conv2d_f32_params p;
        int32_t icpg, ocpg, pad_bottom, pad_right, ext_h, ext_w;
        int mode = rng_int(0, 3);
        if (mode == 0) {            /* plain */
            p.groups = 1;
            icpg = rng_int(1, 5);
            ocpg = rng_int(1, 5);
        } else if (mode == 1) {     /* depthwise, channel multiplier 1..3 */
            p.groups = rng_int(1, 6);
            icpg = 1;
            ocpg = rng_int(1, 3);
        } else {                    /* grouped */
            p.groups = rng_int(2, 4);
            icpg = rng_int(1, 3);
            ocpg = rng_int(1, 3);
        }
        p.in_c = p.groups * icpg;
        p.out_c = p.groups * ocpg;
        p.k_w = rng_int(1, 4);
        p.stride_w = rng_int(1, 3);
        p.dil_w = rng_int(0, 1) ? 1 : rng_int(2, 3);
        p.in_w = rng_int(1, 10);
        ext_w = (p.k_w - 1) * p.dil_w + 1;
        /* pads mostly below the dilated kernel extent, sometimes beyond
         * (windows entirely in the padding: bias only) */
        p.pad_left = rng_int(0, ext_w);
        pad_right = rng_int(0, ext_w);
        if (rng_int(0, 3) == 0) {   /* conv1d */
            p.in_h = 1;
            p.k_h = 1;
            p.stride_h = 1;
            p.dil_h = 1;
            p.pad_top = 0;
            pad_bottom = 0;
            n_1d++;
        } else {
            p.k_h = rng_int(1, 4);
            p.stride_h = rng_int(1, 3);
            p.dil_h = rng_int(0, 1) ? 1 : rng_int(2, 3);
            p.in_h = rng_int(1, 10);
            ext_h = (p.k_h - 1) * p.dil_h + 1;
            p.pad_top = rng_int(0, ext_h);
            pad_bottom = rng_int(0, ext_h);
        }
        p.out_h = conv_out_size(p.in_h, p.pad_top, pad_bottom, p.k_h, p.dil_h, p.stride_h);
        p.out_w = conv_out_size(p.in_w, p.pad_left, pad_right, p.k_w, p.dil_w, p.stride_w);
        if (p.out_h < 1 || p.out_w < 1) {
            c--;            /* kernel does not fit: draw again */
            continue;
        }
        p.act = rand_act();
        n_depthwise += (p.groups == p.in_c && p.groups > 1);
        n_grouped += (p.groups > 1);
        n_dilated += (p.dil_h > 1 || p.dil_w > 1);
        n_strided += (p.stride_h > 1 || p.stride_w > 1);
        n_padded += (p.pad_top > 0 || p.pad_left > 0 || pad_bottom > 0 || pad_right > 0);
        run_conv2d_case("conv2d", c, &p, c % 7 != 6);
    }
    /* the draw covers every feature */
    CU_ASSERT(n_depthwise >= 40 && n_grouped >= 100 && n_dilated >= 100 &&
              n_strided >= 100 && n_padded >= 100 && n_1d >= 40);
}

static void conv_params_plain(stoic_conv2d_f32_params *p)
{
    p->in_h = 3;
    p->in_w = 3;
    p->in_c = 1;
    p->out_c = 1;
    p->k_h = 2;
    p->k_w = 2;
    p->stride_h = 1;
    p->stride_w = 1;
    p->dil_h = 1;
    p->dil_w = 1;
    p->pad_top = 0;
    p->pad_left = 0;
    p->groups = 1;
    p->act.kind = STOIC_ACT_NONE;
    p->act.lo = 0.0f;
    p->act.hi = 0.0f;
    p->act.alpha = 0.0f;
}

static void test_conv2d_hand(void)
{
    /* input 3x3x1 = [[1,2,3],[4,5,6],[7,8,9]], kernel 2x2 = [[1,2],[3,4]] */
    static const float in[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    static const float w[4] = {1, 2, 3, 4};
    static const float bias_half[1] = {0.5f};
    stoic_conv2d_f32_params p;
    float *out = buf_out(4);

    /* valid, stride 1, output 2x2:
     * (0,0): 1*1 + 2*2 + 4*3 + 5*4 = 37     (0,1): 2 + 6 + 15 + 24 = 47
     * (1,0): 4 + 10 + 21 + 32 = 67          (1,1): 5 + 12 + 24 + 36 = 77
     * plus bias 0.5 */
    {
        static const float want[4] = {37.5f, 47.5f, 67.5f, 77.5f};
        conv_params_plain(&p);
        p.out_h = 2;
        p.out_w = 2;
        stoic_conv2d_f32(&p, in, w, bias_half, out);
        CU_ASSERT(check_exact("conv hand valid", 0, out, want, 4));
    }
    /* pad top/left 1, stride 2, output 2x2 (ih = 2*oh - 1 + kh):
     * (0,0): only ih=0, iw=0 with kh=kw=1: 4*1 = 4
     * (0,1): ih=0 (kh=1); iw=1,2 (kw=0,1): 3*2 + 4*3 = 18
     * (1,0): ih=1,2 (kh=0,1); iw=0 (kw=1): 2*4 + 4*7 = 36
     * (1,1): ih=1,2; iw=1,2: 1*5 + 2*6 + 3*8 + 4*9 = 77 */
    {
        static const float want[4] = {4.0f, 18.0f, 36.0f, 77.0f};
        conv_params_plain(&p);
        p.stride_h = 2;
        p.stride_w = 2;
        p.pad_top = 1;
        p.pad_left = 1;
        p.out_h = 2;
        p.out_w = 2;
        stoic_conv2d_f32(&p, in, w, NULL, out);
        CU_ASSERT(check_exact("conv hand pad stride", 1, out, want, 4));
    }
    /* same, with relu6 (clamp [0, 6]) and a bias of -10:
     * [-6, 8, 26, 67] -> [0, 6, 6, 6] */
    {
        static const float bias_m10[1] = {-10.0f};
        static const float want[4] = {0.0f, 6.0f, 6.0f, 6.0f};
        p.act.kind = STOIC_ACT_CLAMP;
        p.act.lo = 0.0f;
        p.act.hi = 6.0f;
        stoic_conv2d_f32(&p, in, w, bias_m10, out);
        CU_ASSERT(check_exact("conv hand relu6", 2, out, want, 4));
    }
    buf_free(out);

    /* conv1d, dilation 2: x = [1,2,3,4,5], w = [1, 10]:
     * out[i] = x[i] + 10 * x[i + 2] = [31, 42, 53] */
    {
        static const float x[5] = {1, 2, 3, 4, 5};
        static const float w1[2] = {1, 10};
        static const float want[3] = {31.0f, 42.0f, 53.0f};
        float *o = buf_out(3);
        conv_params_plain(&p);
        p.in_h = 1;
        p.in_w = 5;
        p.k_h = 1;
        p.k_w = 2;
        p.dil_w = 2;
        p.out_h = 1;
        p.out_w = 3;
        stoic_conv2d_f32(&p, x, w1, NULL, o);
        CU_ASSERT(check_exact("conv1d hand dilation", 3, o, want, 3));
        buf_free(o);
    }
    /* depthwise, 2 channels, multiplier 2, 1x1 kernel, 1x2 pixels:
     * in = [[1, 10], [2, 20]] (pixel-major, channel last)
     * w [4][1][1][1] = [1, -1, 2, 3]: oc 0,1 read channel 0; oc 2,3 channel 1
     * pixel 0: [1*1, 1*-1, 10*2, 10*3] = [1, -1, 20, 30]
     * pixel 1: [2, -2, 40, 60] */
    {
        static const float x[4] = {1, 10, 2, 20};
        static const float wd[4] = {1, -1, 2, 3};
        static const float want[8] = {1, -1, 20, 30, 2, -2, 40, 60};
        float *o = buf_out(8);
        conv_params_plain(&p);
        p.in_h = 1;
        p.in_w = 2;
        p.in_c = 2;
        p.out_c = 4;
        p.groups = 2;
        p.k_h = 1;
        p.k_w = 1;
        p.out_h = 1;
        p.out_w = 2;
        stoic_conv2d_f32(&p, x, wd, NULL, o);
        CU_ASSERT(check_exact("conv depthwise hand", 4, o, want, 8));
        buf_free(o);
    }
    /* accumulation order bias, kh, kw, ic: with 1x1 kernel, 3 channels,
     * bias 1, products [2^24, 1, -2^24]: ((1 + 2^24) + 1) - 2^24 in float:
     * 1 + 2^24 rounds to 2^24 (tie to even), + 1 -> 2^24 again, - 2^24 -> 0.
     * Any other order (e.g. products first) gives 1 or 2. */
    {
        static const float x[3] = {16777216.0f, 1.0f, -16777216.0f};
        static const float w1[3] = {1, 1, 1};
        static const float b1[1] = {1.0f};
        static const float want[1] = {0.0f};
        float *o = buf_out(1);
        conv_params_plain(&p);
        p.in_h = 1;
        p.in_w = 1;
        p.in_c = 3;
        p.k_h = 1;
        p.k_w = 1;
        p.out_h = 1;
        p.out_w = 1;
        stoic_conv2d_f32(&p, x, w1, b1, o);
        CU_ASSERT(check_exact("conv order", 5, o, want, 1));
        buf_free(o);
    }
}

/* ===================================================================== */
/* pooling                                                                */
/* ===================================================================== */

static void ref_pool(const stoic_pool2d_f32_params *p, const float *in, int is_max,
                     double *ref, double *tol)
{
    int32_t oh, ow, c, kh, kw;
    for (oh = 0; oh < p->out_h; oh++) {
        for (ow = 0; ow < p->out_w; ow++) {
            for (c = 0; c < p->c; c++) {
                int32_t o = (oh * p->out_w + ow) * p->c + c;
                double s = 0.0, sa = 0.0, m = -INFINITY;
                int32_t cnt = 0;
                for (kh = 0; kh < p->k_h; kh++) {
                    for (kw = 0; kw < p->k_w; kw++) {
                        int32_t ih = oh * p->stride_h - p->pad_top + kh * p->dil_h;
                        int32_t iw = ow * p->stride_w - p->pad_left + kw * p->dil_w;
                        double v;
                        if (ih < 0 || ih >= p->in_h || iw < 0 || iw >= p->in_w) {
                            continue;
                        }
                        v = (double)in[(ih * p->in_w + iw) * p->c + c];
                        s += v;
                        sa += fabs(v);
                        m = v > m ? v : m;
                        cnt++;
                    }
                }
                if (cnt == 0) {
                    /* a window entirely in padding (possible with dilation):
                     * 0 by the kernel contract (stoic_rt.h) */
                    ref[o] = 0.0;
                    tol[o] = 0.0;
                } else if (is_max) {
                    ref[o] = m;
                    tol[o] = 0.0;
                } else {
                    double div = p->count_include_pad ? (double)(p->k_h * p->k_w) : (double)cnt;
                    ref[o] = s / div;
                    tol[o] = ((double)(cnt + 1) * U_RND * sa) / div + 2.0 * U_RND * fabs(ref[o]);
                }
            }
        }
    }
}

static void test_pool_random(void)
{
    int c;
    int n_pad = 0, n_cip = 0, n_gap = 0, n_overlap = 0;
    rng_seed(303u);
    for (c = 0; c < 300; c++) {
        stoic_pool2d_f32_params p;
        int32_t pad_bottom, pad_right, n_in, n_out;
        float *in, *out;
        double *ref, *tol;
        int is_max;
        p.c = rng_int(1, 5);
        p.k_h = rng_int(1, 4);
        p.k_w = rng_int(1, 4);
        p.stride_h = rng_int(1, 3);
        p.stride_w = rng_int(1, 3);
        p.in_h = rng_int(1, 9);
        p.in_w = rng_int(1, 9);
        /* pads smaller than the kernel (ONNX): every window has a real cell */
        p.pad_top = rng_int(0, p.k_h - 1);
        p.pad_left = rng_int(0, p.k_w - 1);
        pad_bottom = rng_int(0, p.k_h - 1);
        pad_right = rng_int(0, p.k_w - 1);
        p.count_include_pad = rng_int(0, 1);
        p.dil_h = rng_int(1, 2);
        p.dil_w = rng_int(1, 2);
        p.out_h = conv_out_size(p.in_h, p.pad_top, pad_bottom, p.k_h, p.dil_h, p.stride_h);
        p.out_w = conv_out_size(p.in_w, p.pad_left, pad_right, p.k_w, p.dil_w, p.stride_w);
        if (p.out_h < 1 || p.out_w < 1) {
            c--;
            continue;
        }
        n_pad += (p.pad_top + p.pad_left + pad_bottom + pad_right > 0);
        n_cip += p.count_include_pad;
        n_gap += (p.stride_h > p.k_h || p.stride_w > p.k_w);
        n_overlap += (p.stride_h < p.k_h || p.stride_w < p.k_w);
        n_in = p.in_h * p.in_w * p.c;
        n_out = p.out_h * p.out_w * p.c;
        /* negative values too, so that a padding cell counted as 0 in the
         * max would show */
        in = buf_rand(n_in, -2.0f, 1.0f);
        out = buf_out(n_out);
        ref = malloc(sizeof(double) * (size_t)n_out);
        tol = malloc(sizeof(double) * (size_t)n_out);
        for (is_max = 0; is_max < 2; is_max++) {
            if (is_max) {
                stoic_maxpool2d_f32(&p, in, out);
            } else {
                stoic_avgpool2d_f32(&p, in, out);
            }
            ref_pool(&p, in, is_max, ref, tol);
            CU_ASSERT(check_close(is_max ? "maxpool" : "avgpool", c, out, ref, tol, n_out));
        }
        free(in);
        buf_free(out);
        free(ref);
        free(tol);
    }
    CU_ASSERT(n_pad >= 100 && n_cip >= 100 && n_gap >= 30 && n_overlap >= 100);
}

static void pool_params_3x3(stoic_pool2d_f32_params *p)
{
    /* 3x3 input, 2x2 window, stride 2, pad top/left 1, bottom/right 0:
     * output floor((3 + 1 - 2) / 2) + 1 = 2 per axis */
    p->in_h = 3;
    p->in_w = 3;
    p->c = 1;
    p->out_h = 2;
    p->out_w = 2;
    p->k_h = 2;
    p->k_w = 2;
    p->stride_h = 2;
    p->stride_w = 2;
    p->pad_top = 1;
    p->pad_left = 1;
    p->count_include_pad = 0;
    p->dil_h = 1;
    p->dil_w = 1;
}

static void test_pool_hand(void)
{
    static const float in[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    static const float neg[9] = {-1, -2, -3, -4, -5, -6, -7, -8, -9};
    stoic_pool2d_f32_params p;
    float *out = buf_out(4);
    /* windows (ih = 2*oh - 1 + kh, likewise iw) over [[1,2,3],[4,5,6],[7,8,9]]:
     * (0,0): {1}            sum 1,  1 real cell
     * (0,1): {2, 3}         sum 5,  2 real cells
     * (1,0): {4, 7}         sum 11, 2 real cells
     * (1,1): {5, 6, 8, 9}   sum 28, 4 real cells
     * count_include_pad = 0: [1/1, 5/2, 11/2, 28/4] = [1, 2.5, 5.5, 7]
     * count_include_pad = 1: [1/4, 5/4, 11/4, 28/4] = [0.25, 1.25, 2.75, 7] */
    {
        static const float want0[4] = {1.0f, 2.5f, 5.5f, 7.0f};
        static const float want1[4] = {0.25f, 1.25f, 2.75f, 7.0f};
        pool_params_3x3(&p);
        stoic_avgpool2d_f32(&p, in, out);
        CU_ASSERT(check_exact("avgpool hand exclude pad", 0, out, want0, 4));
        p.count_include_pad = 1;
        stoic_avgpool2d_f32(&p, in, out);
        CU_ASSERT(check_exact("avgpool hand include pad", 1, out, want1, 4));
    }
    /* max over the same windows of the negated input: padding is ignored,
     * so the results stay negative: [-1, -2, -4, -5] */
    {
        static const float want[4] = {-1.0f, -2.0f, -4.0f, -5.0f};
        pool_params_3x3(&p);
        stoic_maxpool2d_f32(&p, neg, out);
        CU_ASSERT(check_exact("maxpool hand", 2, out, want, 4));
    }
    buf_free(out);
    /* two channels, 2x2 window, stride 1, no pad, 2x3 input:
     * ch0 = [[1,2,3],[4,5,6]], ch1 = 10 * ch0 (interleaved, channel last)
     * avg: ch0 [(1+2+4+5)/4, (2+3+5+6)/4] = [3, 4], ch1 [30, 40]
     * max: ch0 [5, 6], ch1 [50, 60] */
    {
        static const float x[12] = {1, 10, 2, 20, 3, 30, 4, 40, 5, 50, 6, 60};
        static const float want_avg[4] = {3, 30, 4, 40};
        static const float want_max[4] = {5, 50, 6, 60};
        float *o = buf_out(4);
        p.in_h = 2;
        p.in_w = 3;
        p.c = 2;
        p.out_h = 1;
        p.out_w = 2;
        p.k_h = 2;
        p.k_w = 2;
        p.stride_h = 1;
        p.stride_w = 1;
        p.pad_top = 0;
        p.pad_left = 0;
        p.count_include_pad = 0;
        stoic_avgpool2d_f32(&p, x, o);
        CU_ASSERT(check_exact("avgpool hand channels", 3, o, want_avg, 4));
        stoic_maxpool2d_f32(&p, x, o);
        CU_ASSERT(check_exact("maxpool hand channels", 4, o, want_max, 4));
        buf_free(o);
    }
    /* A window entirely in the padding (not produced by the generator, whose
     * pads are smaller than the kernel) gives 0, never NaN:
     * 1x1 input [5], 1x1 window, pad_top 1: out rows ih = -1 (empty), 0. */
    {
        static const float x[1] = {5.0f};
        static const float want[2] = {0.0f, 5.0f};
        float *o = buf_out(2);
        p.in_h = 1;
        p.in_w = 1;
        p.c = 1;
        p.out_h = 2;
        p.out_w = 1;
        p.k_h = 1;
        p.k_w = 1;
        p.stride_h = 1;
        p.stride_w = 1;
        p.pad_top = 1;
        p.pad_left = 0;
        p.count_include_pad = 0;
        stoic_avgpool2d_f32(&p, x, o);
        CU_ASSERT(check_exact("avgpool empty window", 5, o, want, 2));
        p.count_include_pad = 1;
        stoic_avgpool2d_f32(&p, x, o);
        CU_ASSERT(check_exact("avgpool empty window cip", 6, o, want, 2));
        stoic_maxpool2d_f32(&p, x, o);
        CU_ASSERT(check_exact("maxpool empty window", 7, o, want, 2));
        buf_free(o);
    }
}

static void test_pool_special(void)
{
    /* max over special values, 1x4 input, 1x2 windows, stride 2 (two
     * windows per row), 4 rows:
     * [-inf, 1] -> 1;  [-inf, -inf] -> -inf;  [-0, +0] -> 0;
     * [2, -NaN] -> NaN; [+NaN, 3] -> NaN;  [-5, -3] -> -3;
     * [1e-45 (denormal), -1e-45] -> 1e-45;  [-FLT_MAX, -inf] -> -FLT_MAX */
    float x[16];
    stoic_pool2d_f32_params p;
    float *o = buf_out(8);
    x[0] = -(float)INFINITY; x[1] = 1.0f;
    x[2] = -(float)INFINITY; x[3] = -(float)INFINITY;
    x[4] = -0.0f;            x[5] = 0.0f;
    x[6] = 2.0f;             x[7] = -(float)NAN;
    x[8] = (float)NAN;       x[9] = 3.0f;
    x[10] = -5.0f;           x[11] = -3.0f;
    x[12] = 1e-45f;          x[13] = -1e-45f;
    x[14] = -STOIC_FLT_MAX;  x[15] = -(float)INFINITY;
    p.in_h = 4;
    p.in_w = 4;
    p.c = 1;
    p.out_h = 4;
    p.out_w = 2;
    p.k_h = 1;
    p.k_w = 2;
    p.stride_h = 1;
    p.stride_w = 2;
    p.pad_top = 0;
    p.pad_left = 0;
    p.count_include_pad = 0;
    p.dil_h = 1;
    p.dil_w = 1;
    stoic_maxpool2d_f32(&p, x, o);
    CU_ASSERT(o[0] == 1.0f);
    CU_ASSERT(o[1] == -(float)INFINITY);
    CU_ASSERT(o[2] == 0.0f);
    CU_ASSERT(isnan(o[3]));
    CU_ASSERT(isnan(o[4]));
    CU_ASSERT(o[5] == -3.0f);
    CU_ASSERT(o[6] == 1e-45f);
    CU_ASSERT(o[7] == -STOIC_FLT_MAX);
    CU_ASSERT(buf_guards_ok(o, 8));
    buf_free(o);
}

/* ===================================================================== */
/* global average pool                                                    */
/* ===================================================================== */

static void test_gavgpool(void)
{
    int c;
    /* hand: hw = 4, c = 2, in = [1,10, 2,20, 3,30, 4,40]:
     * [(1+2+3+4)/4, (10+20+30+40)/4] = [2.5, 25] */
    {
        static const float x[8] = {1, 10, 2, 20, 3, 30, 4, 40};
        static const float want[2] = {2.5f, 25.0f};
        stoic_gavgpool_f32_params p;
        float *o = buf_out(2);
        p.hw = 4;
        p.c = 2;
        stoic_gavgpool_f32(&p, x, o);
        CU_ASSERT(check_exact("gavgpool hand", 0, o, want, 2));
        buf_free(o);
    }
    rng_seed(404u);
    for (c = 0; c < 200; c++) {
        stoic_gavgpool_f32_params p;
        float *in, *out;
        double ref[64], tol[64];
        int32_t k, j;
        p.hw = rng_int(1, 400);
        p.c = rng_int(1, 64);
        in = buf_rand(p.hw * p.c, -1.0f, 2.0f);
        out = buf_out(p.c);
        stoic_gavgpool_f32(&p, in, out);
        for (k = 0; k < p.c; k++) {
            double s = 0.0, sa = 0.0;
            for (j = 0; j < p.hw; j++) {
                s += (double)in[j * p.c + k];
                sa += fabs((double)in[j * p.c + k]);
            }
            ref[k] = s / (double)p.hw;
            tol[k] = (double)(p.hw + 1) * U_RND * sa / (double)p.hw + 2.0 * U_RND * fabs(ref[k]);
        }
        CU_ASSERT(check_close("gavgpool", c, out, ref, tol, p.c));
        free(in);
        buf_free(out);
    }
}

/* ===================================================================== */
/* activation                                                             */
/* ===================================================================== */

static void test_activation(void)
{
    int c;
    /* hand: leaky 0.25 over [-4, -1, 0, 2] = [-1, -0.25, 0, 2] */
    {
        static const float x[4] = {-4, -1, 0, 2};
        static const float want[4] = {-1.0f, -0.25f, 0.0f, 2.0f};
        stoic_activation_f32_params p;
        float *o = buf_out(4);
        p.n = 4;
        p.act.kind = STOIC_ACT_LEAKY;
        p.act.lo = 0.0f;
        p.act.hi = 0.0f;
        p.act.alpha = 0.25f;
        stoic_activation_f32(&p, x, o);
        CU_ASSERT(check_exact("activation hand", 0, o, want, 4));
        buf_free(o);
    }
    rng_seed(505u);
    for (c = 0; c < 250; c++) {
        stoic_activation_f32_params p;
        float *in, *out;
        double *ref, *tol;
        int32_t i;
        int in_place = (c % 4 == 3);
        p.n = rng_int(1, 300);
        p.act = rand_act();
        in = buf_rand(p.n, -8.0f, 8.0f);
        out = buf_out(p.n);
        ref = malloc(sizeof(double) * (size_t)p.n);
        tol = malloc(sizeof(double) * (size_t)p.n);
        for (i = 0; i < p.n; i++) {
            ref[i] = ref_act(&p.act, (double)in[i]);
            tol[i] = act_tol(&p.act, 0.0, ref[i]);
        }
        if (in_place) {
            for (i = 0; i < p.n; i++) {
                out[i] = in[i];
            }
            stoic_activation_f32(&p, out, out);
        } else {
            stoic_activation_f32(&p, in, out);
        }
        CU_ASSERT(check_close("activation", c, out, ref, tol, p.n));
        free(in);
        buf_free(out);
        free(ref);
        free(tol);
    }
}

/* ===================================================================== */
/* softmax                                                                */
/* ===================================================================== */

static void ref_softmax(const stoic_softmax_f32_params *p, const float *in, double *ref,
                        double *tol)
{
    int32_t o, i, a;
    for (o = 0; o < p->outer; o++) {
        for (i = 0; i < p->inner; i++) {
            double m = -INFINITY, s = 0.0, s_err = 0.0;
            for (a = 0; a < p->axis_n; a++) {
                double v = (double)in[(o * p->axis_n + a) * p->inner + i];
                m = v > m ? v : m;
            }
            for (a = 0; a < p->axis_n; a++) {
                double d = (double)in[(o * p->axis_n + a) * p->inner + i] - m;
                double e = exp(d);
                s += e;
                /* error of each float term: rounding of x - m (|d| U),
                 * stoic_expf (4 ulp <= 8 U) */
                s_err += e * (fabs(d) * U_RND + 8.0 * U_RND);
            }
            for (a = 0; a < p->axis_n; a++) {
                int32_t k = (o * p->axis_n + a) * p->inner + i;
                double d = (double)in[k] - m;
                double rel = fabs(d) * U_RND + 8.0 * U_RND       /* this term */
                             + s_err / s + (double)(p->axis_n + 1) * U_RND /* sum */
                             + 2.0 * U_RND;                       /* division */
                ref[k] = exp(d) / s;
                /* exp saturates at exp(-87.3) ~ 1.2e-38 instead of 0 */
                tol[k] = 1.5 * rel * ref[k] + 2e-38;
            }
        }
    }
}

static void test_softmax_hand(void)
{
    stoic_softmax_f32_params p;
    /* [0, ln 2]: exp = [1, 2], sum 3: [1/3, 2/3] */
    {
        static const float x[2] = {0.0f, 0.69314718055994531f};
        float *o = buf_out(2);
        p.outer = 1;
        p.axis_n = 2;
        p.inner = 1;
        stoic_softmax_f32(&p, x, o);
        CU_ASSERT(near(o[0], 1.0 / 3.0, 1e-7) && near(o[1], 2.0 / 3.0, 1e-7));
        buf_free(o);
    }
    /* [1000, 1000.5]: the maximum is subtracted first, so this is
     * [1, e^0.5] / (1 + e^0.5) = [0.37754067, 0.62245933]; without it both
     * exponentials would saturate and give [0.5, 0.5]. */
    {
        static const float x[2] = {1000.0f, 1000.5f};
        float *o = buf_out(2);
        stoic_softmax_f32(&p, x, o);
        CU_ASSERT(near(o[0], 0.3775406687981454, 1e-7) && near(o[1], 0.6224593312018546, 1e-7));
        buf_free(o);
    }
    /* axis in the middle: [outer 1][axis 2][inner 2], in = [0, 5, ln 2, 5]:
     * column i = 0 is [0, ln 2] -> [1/3, 2/3]; column i = 1 is [5, 5] -> [1/2, 1/2];
     * laid out: [1/3, 1/2, 2/3, 1/2] */
    {
        static const float x[4] = {0.0f, 5.0f, 0.69314718055994531f, 5.0f};
        float *o = buf_out(4);
        p.outer = 1;
        p.axis_n = 2;
        p.inner = 2;
        stoic_softmax_f32(&p, x, o);
        CU_ASSERT(near(o[0], 1.0 / 3.0, 1e-7) && near(o[1], 0.5, 1e-7) &&
                  near(o[2], 2.0 / 3.0, 1e-7) && near(o[3], 0.5, 1e-7));
        CU_ASSERT(buf_guards_ok(o, 4));
        buf_free(o);
    }
    /* NaN poisons its own vector only: [outer 2][axis 2][inner 1],
     * in = [1, NaN, 0, ln 2] -> [NaN, NaN, 1/3, 2/3]; -inf gets (almost) 0:
     * [-inf, 0] -> [~0 (at most exp(-87.3) = 1.2e-38), 1] */
    {
        float x[6];
        float *o = buf_out(6);
        x[0] = 1.0f;
        x[1] = (float)NAN;
        x[2] = 0.0f;
        x[3] = 0.69314718055994531f;
        x[4] = -(float)INFINITY;
        x[5] = 0.0f;
        p.outer = 3;
        p.axis_n = 2;
        p.inner = 1;
        stoic_softmax_f32(&p, x, o);
        CU_ASSERT(isnan(o[0]) && isnan(o[1]));
        CU_ASSERT(near(o[2], 1.0 / 3.0, 1e-7) && near(o[3], 2.0 / 3.0, 1e-7));
        CU_ASSERT(o[4] >= 0.0f && o[4] < 1.3e-38f && o[5] == 1.0f);
        CU_ASSERT(buf_guards_ok(o, 6));
        buf_free(o);
    }
    /* a single element is 1 exactly: exp(0) / exp(0) */
    {
        static const float x[3] = {-7.0f, 3.0f, 1e30f};
        static const float want[3] = {1.0f, 1.0f, 1.0f};
        float *o = buf_out(3);
        p.outer = 3;
        p.axis_n = 1;
        p.inner = 1;
        stoic_softmax_f32(&p, x, o);
        CU_ASSERT(check_exact("softmax n=1", 0, o, want, 3));
        buf_free(o);
    }
}

static void test_softmax_random(void)
{
    int c;
    rng_seed(606u);
    for (c = 0; c < 250; c++) {
        stoic_softmax_f32_params p;
        float *in, *out;
        double *ref, *tol;
        int32_t n;
        float scale;
        p.outer = rng_int(1, 4);
        p.axis_n = rng_int(1, 40);
        p.inner = rng_int(1, 6);
        n = p.outer * p.axis_n * p.inner;
        scale = (c % 3 == 0) ? 1.0f : (c % 3 == 1 ? 10.0f : 150.0f);
        in = buf_rand(n, -scale, scale);
        out = buf_out(n);
        ref = malloc(sizeof(double) * (size_t)n);
        tol = malloc(sizeof(double) * (size_t)n);
        ref_softmax(&p, in, ref, tol);
        if (c % 5 == 4) {   /* in place */
            int32_t i;
            for (i = 0; i < n; i++) {
                out[i] = in[i];
            }
            stoic_softmax_f32(&p, out, out);
        } else {
            stoic_softmax_f32(&p, in, out);
        }
        CU_ASSERT(check_close("softmax", c, out, ref, tol, n));
        free(in);
        buf_free(out);
        free(ref);
        free(tol);
    }
}

/* ===================================================================== */
/* add, mul                                                               */
/* ===================================================================== */

static void test_binary_hand(void)
{
    /* a = [[1, 2, 3], [4, 5, 6]], per-channel b = [10, 20, 30]
     * (outer 2, inner 3, b_outer_stride 0):
     * add: [[11, 22, 33], [14, 25, 36]]; mul: [[10, 40, 90], [40, 100, 180]]
     * mul with clamp [0, 50]: [[10, 40, 50], [40, 50, 50]] */
    static const float a[6] = {1, 2, 3, 4, 5, 6};
    static const float b[3] = {10, 20, 30};
    static const float want_add[6] = {11, 22, 33, 14, 25, 36};
    static const float want_mul[6] = {10, 40, 50, 40, 50, 50};
    stoic_binary_f32_params p;
    float *o = buf_out(6);
    p.outer = 2;
    p.inner = 3;
    p.b_outer_stride = 0;
    p.act.kind = STOIC_ACT_NONE;
    p.act.lo = 0.0f;
    p.act.hi = 50.0f;
    p.act.alpha = 0.0f;
    stoic_add_f32(&p, a, b, o);
    CU_ASSERT(check_exact("add hand", 0, o, want_add, 6));
    p.act.kind = STOIC_ACT_CLAMP;
    stoic_mul_f32(&p, a, b, o);
    CU_ASSERT(check_exact("mul hand", 1, o, want_mul, 6));
    /* same shapes: outer 1, inner 6, b = a: add doubles, mul squares */
    {
        static const float want2[6] = {2, 4, 6, 8, 10, 12};
        static const float want3[6] = {1, 4, 9, 16, 25, 36};
        p.outer = 1;
        p.inner = 6;
        p.b_outer_stride = 6;
        p.act.kind = STOIC_ACT_NONE;
        stoic_add_f32(&p, a, a, o);
        CU_ASSERT(check_exact("add hand same", 2, o, want2, 6));
        stoic_mul_f32(&p, a, a, o);
        CU_ASSERT(check_exact("mul hand same", 3, o, want3, 6));
    }
    buf_free(o);
}

static void test_binary_random(void)
{
    int c;
    int n_bcast = 0;
    rng_seed(707u);
    for (c = 0; c < 400; c++) {
        stoic_binary_f32_params p;
        float *a, *b, *out;
        double *ref, *tol;
        int32_t n, nb, o, i;
        int is_mul = c & 1;
        int mode = rng_int(0, 2);
        int in_place = (c % 6 == 5);
        p.outer = rng_int(1, 8);
        p.inner = rng_int(1, 20);
        if (mode == 0) {            /* same shape, flattened */
            p.inner = p.outer * p.inner;
            p.outer = 1;
            p.b_outer_stride = rng_int(0, 3) * p.inner;   /* o is 0: any value */
            nb = p.inner;
        } else if (mode == 1) {     /* per-channel broadcast */
            p.b_outer_stride = 0;
            nb = p.inner;
            n_bcast++;
        } else {                    /* same shape as [outer][inner] */
            p.b_outer_stride = p.inner;
            nb = p.outer * p.inner;
        }
        p.act = rand_act();
        n = p.outer * p.inner;
        a = buf_rand(n, -2.0f, 2.0f);
        b = buf_rand(nb, -2.0f, 2.0f);
        out = buf_out(n);
        ref = malloc(sizeof(double) * (size_t)n);
        tol = malloc(sizeof(double) * (size_t)n);
        for (o = 0; o < p.outer; o++) {
            for (i = 0; i < p.inner; i++) {
                double x = (double)a[o * p.inner + i];
                double y = (double)b[o * p.b_outer_stride + i];
                double v = is_mul ? x * y : x + y;
                ref[o * p.inner + i] = ref_act(&p.act, v);
                tol[o * p.inner + i] = act_tol(&p.act, U_RND * fabs(v), ref[o * p.inner + i]);
            }
        }
        if (in_place) {
            for (i = 0; i < n; i++) {
                out[i] = a[i];
            }
        }
        if (is_mul) {
            stoic_mul_f32(&p, in_place ? out : a, b, out);
        } else {
            stoic_add_f32(&p, in_place ? out : a, b, out);
        }
        CU_ASSERT(check_close(is_mul ? "mul" : "add", c, out, ref, tol, n));
        free(a);
        free(b);
        buf_free(out);
        free(ref);
        free(tol);
    }
    CU_ASSERT(n_bcast >= 100);
}

/* ===================================================================== */
/* affine                                                                 */
/* ===================================================================== */

static void test_affine(void)
{
    int c;
    /* hand: in = [[1, 2], [-3, 0.5]], scale = [2, 3], shift = [1, -1]:
     * [[1*2 + 1, 2*3 - 1], [-3*2 + 1, 0.5*3 - 1]] = [[3, 5], [-5, 0.5]] */
    {
        static const float x[4] = {1, 2, -3, 0.5f};
        static const float sc[2] = {2, 3};
        static const float sh[2] = {1, -1};
        static const float want[4] = {3, 5, -5, 0.5f};
        stoic_affine_f32_params p;
        float *o = buf_out(4);
        p.outer = 2;
        p.c = 2;
        p.act.kind = STOIC_ACT_NONE;
        p.act.lo = 0.0f;
        p.act.hi = 0.0f;
        p.act.alpha = 0.0f;
        stoic_affine_f32(&p, x, sc, sh, o);
        CU_ASSERT(check_exact("affine hand", 0, o, want, 4));
        buf_free(o);
    }
    rng_seed(808u);
    for (c = 0; c < 200; c++) {
        stoic_affine_f32_params p;
        float *in, *sc, *sh, *out;
        double *ref, *tol;
        int32_t n, o, k;
        p.outer = rng_int(1, 30);
        p.c = rng_int(1, 24);
        p.act = rand_act();
        n = p.outer * p.c;
        in = buf_rand(n, -3.0f, 3.0f);
        sc = buf_rand(p.c, -2.0f, 2.0f);
        sh = buf_rand(p.c, -1.0f, 1.0f);
        out = buf_out(n);
        ref = malloc(sizeof(double) * (size_t)n);
        tol = malloc(sizeof(double) * (size_t)n);
        for (o = 0; o < p.outer; o++) {
            for (k = 0; k < p.c; k++) {
                double t = (double)in[o * p.c + k] * (double)sc[k];
                double v = t + (double)sh[k];
                ref[o * p.c + k] = ref_act(&p.act, v);
                tol[o * p.c + k] = act_tol(&p.act, U_RND * (2.0 * fabs(t) + fabs(v)),
                                           ref[o * p.c + k]);
            }
        }
        stoic_affine_f32(&p, in, sc, sh, out);
        CU_ASSERT(check_close("affine", c, out, ref, tol, n));
        free(in);
        free(sc);
        free(sh);
        buf_free(out);
        free(ref);
        free(tol);
    }
}

/* ===================================================================== */
/* copy                                                                   */
/* ===================================================================== */

static void test_copy(void)
{
    int c;
    /* hand: concat on the last axis of A [2][2] = [[1,2],[3,4]] and
     * B [2][1] = [[5],[6]] into [2][3]: [[1,2,5],[3,4,6]] */
    {
        static const float a[4] = {1, 2, 3, 4};
        static const float b[2] = {5, 6};
        static const float want[6] = {1, 2, 5, 3, 4, 6};
        stoic_copy_f32_params p;
        float *o = buf_out(6);
        p.outer = 2;
        p.in_inner = 2;
        p.out_inner = 3;
        p.out_offset = 0;
        stoic_copy_f32(&p, a, o);
        p.in_inner = 1;
        p.out_offset = 2;
        stoic_copy_f32(&p, b, o);
        CU_ASSERT(check_exact("copy hand concat", 0, o, want, 6));
        buf_free(o);
    }
    rng_seed(909u);
    for (c = 0; c < 200; c++) {
        stoic_copy_f32_params p;
        float *in, *out, *want;
        int32_t n_out, o, i;
        p.outer = rng_int(1, 10);
        p.in_inner = rng_int(1, 20);
        p.out_inner = p.in_inner + rng_int(0, 10);
        p.out_offset = rng_int(0, p.out_inner - p.in_inner);
        n_out = p.outer * p.out_inner;
        in = buf_rand(p.outer * p.in_inner, -1.0f, 1.0f);
        out = buf_out(n_out);
        want = malloc(sizeof(float) * (size_t)n_out);
        for (i = 0; i < n_out; i++) {
            out[i] = -7.0f;     /* the other inputs' slots must stay as they are */
            want[i] = -7.0f;
        }
        for (o = 0; o < p.outer; o++) {
            for (i = 0; i < p.in_inner; i++) {
                want[o * p.out_inner + p.out_offset + i] = in[o * p.in_inner + i];
            }
        }
        stoic_copy_f32(&p, in, out);
        CU_ASSERT(check_exact("copy", c, out, want, n_out));
        free(in);
        buf_free(out);
        free(want);
    }
}

/* ===================================================================== */
/* pad                                                                    */
/* ===================================================================== */

static void test_pad(void)
{
    int c;
    int n_crop = 0;
    /* hand: [2][2] = [[1,2],[3,4]] (dims right-aligned: [1][1][2][2]),
     * pad 1 before and after on both axes with 9:
     * [[9,9,9,9],[9,1,2,9],[9,3,4,9],[9,9,9,9]] */
    {
        static const float x[4] = {1, 2, 3, 4};
        static const float want[16] = {9, 9, 9, 9, 9, 1, 2, 9, 9, 3, 4, 9, 9, 9, 9, 9};
        stoic_pad_f32_params p;
        float *o = buf_out(16);
        int32_t k;
        for (k = 0; k < 4; k++) {
            p.in_dim[k] = 1;
            p.out_dim[k] = 1;
            p.before[k] = 0;
        }
        p.in_dim[2] = 2;
        p.in_dim[3] = 2;
        p.out_dim[2] = 4;
        p.out_dim[3] = 4;
        p.before[2] = 1;
        p.before[3] = 1;
        p.value = 9.0f;
        stoic_pad_f32(&p, x, o);
        CU_ASSERT(check_exact("pad hand", 0, o, want, 16));
        buf_free(o);
    }
    rng_seed(1010u);
    for (c = 0; c < 250; c++) {
        stoic_pad_f32_params p;
        float *in, *out, *want;
        int32_t k, n_in = 1, n_out = 1, d0, d1, d2, d3;
        int32_t rank = rng_int(1, 4);
        for (k = 0; k < 4; k++) {
            if (k < 4 - rank) {     /* leading dims of size 1, no pads */
                p.in_dim[k] = 1;
                p.before[k] = 0;
                p.out_dim[k] = 1;
            } else {
                int32_t after;
                p.in_dim[k] = rng_int(1, 5);
                if (rng_int(0, 4) == 0) {
                    /* negative pads crop: out_dim = in + before + after >= 1 */
                    do {
                        p.before[k] = rng_int(-2, 2);
                        after = rng_int(-2, 2);
                    } while (p.in_dim[k] + p.before[k] + after < 1);
                    n_crop += (p.before[k] < 0 || after < 0);
                } else {
                    p.before[k] = rng_int(0, 3);
                    after = rng_int(0, 3);
                }
                p.out_dim[k] = p.in_dim[k] + p.before[k] + after;
            }
            n_in *= p.in_dim[k];
            n_out *= p.out_dim[k];
        }
        p.value = rng_float(-5.0f, 5.0f);
        in = buf_rand(n_in, -1.0f, 1.0f);
        out = buf_out(n_out);
        want = malloc(sizeof(float) * (size_t)n_out);
        for (d0 = 0; d0 < p.out_dim[0]; d0++)
        for (d1 = 0; d1 < p.out_dim[1]; d1++)
        for (d2 = 0; d2 < p.out_dim[2]; d2++)
        for (d3 = 0; d3 < p.out_dim[3]; d3++) {
            int32_t i0 = d0 - p.before[0], i1 = d1 - p.before[1];
            int32_t i2 = d2 - p.before[2], i3 = d3 - p.before[3];
            int32_t o = ((d0 * p.out_dim[1] + d1) * p.out_dim[2] + d2) * p.out_dim[3] + d3;
            if (i0 >= 0 && i0 < p.in_dim[0] && i1 >= 0 && i1 < p.in_dim[1] &&
                i2 >= 0 && i2 < p.in_dim[2] && i3 >= 0 && i3 < p.in_dim[3]) {
                want[o] = in[((i0 * p.in_dim[1] + i1) * p.in_dim[2] + i2) * p.in_dim[3] + i3];
            } else {
                want[o] = p.value;
            }
        }
        stoic_pad_f32(&p, in, out);
        CU_ASSERT(check_exact("pad", c, out, want, n_out));
        free(in);
        buf_free(out);
        free(want);
    }
    CU_ASSERT(n_crop >= 20);
}

/* ===================================================================== */

UNIT_SUITE(kernel_f32_math)
{
    CU_pSuite s = CU_add_suite("kernel_f32_math", NULL, NULL);
    CU_add_test(s, "stoic_expf accuracy (dense sweep, <= 4 ulp)", test_expf_accuracy);
    CU_add_test(s, "stoic_expf special values and saturation", test_expf_special);
    CU_add_test(s, "stoic_sigmoidf accuracy (abs <= 1e-7)", test_sigmoid_accuracy);
    CU_add_test(s, "stoic_sigmoidf special values", test_sigmoid_special);
    CU_add_test(s, "stoic_tanhf accuracy (abs <= 1e-7, rel <= 1e-6)", test_tanh_accuracy);
    CU_add_test(s, "stoic_tanhf special values", test_tanh_special);
    CU_add_test(s, "stoic_act_apply_f32 kinds", test_act_apply);
}

UNIT_SUITE(kernel_f32_layers)
{
    CU_pSuite s = CU_add_suite("kernel_f32_layers", NULL, NULL);
    CU_add_test(s, "dense hand-derived", test_dense_hand);
    CU_add_test(s, "dense random vs reference", test_dense_random);
    CU_add_test(s, "conv2d hand-derived", test_conv2d_hand);
    CU_add_test(s, "conv2d random vs reference", test_conv2d_random);
    CU_add_test(s, "pool hand-derived", test_pool_hand);
    CU_add_test(s, "max/avg pool random vs reference", test_pool_random);
    CU_add_test(s, "maxpool special values (inf, NaN, signed zero)", test_pool_special);
    CU_add_test(s, "global avg pool", test_gavgpool);
    CU_add_test(s, "activation", test_activation);
    CU_add_test(s, "softmax hand-derived", test_softmax_hand);
    CU_add_test(s, "softmax random vs reference", test_softmax_random);
    CU_add_test(s, "add/mul hand-derived", test_binary_hand);
    CU_add_test(s, "add/mul random vs reference", test_binary_random);
    CU_add_test(s, "affine", test_affine);
    CU_add_test(s, "copy", test_copy);
    CU_add_test(s, "pad", test_pad);
}

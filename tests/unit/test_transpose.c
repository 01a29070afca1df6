/* stoic_transpose_f32 against a straightforward reference: for random
 * shapes of rank 1..4 and random permutations, out[idx] must equal
 * in[idx permuted back], computed here with explicit multi-indices. */
/* REQ: REQ-ARITH-001 */
#include <string.h>

#include "stoic_rt_f32.h"
#include "unit.h"

static unsigned rng = 2463534242u;
static unsigned next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

static void test_hand_2x3(void)
{
    /* in [2][3] = 0 1 2 / 3 4 5, perm (1 0): out [3][2] = 0 3 / 1 4 / 2 5 */
    const float in[6] = { 0, 1, 2, 3, 4, 5 };
    const float want[6] = { 0, 3, 1, 4, 2, 5 };
    float out[6];
    stoic_transpose_f32_params p = { { 1, 1, 3, 2 }, { 0, 0, 1, 3 }, 0 };
    stoic_transpose_f32(&p, in, out);
    CU_ASSERT_EQUAL(memcmp(out, want, sizeof out), 0);
}

static void test_random(void)
{
    static float in[4096], out[4096 + 1];
    int iter;
    for (iter = 0; iter < 500; iter++) {
        int rank = 1 + (int)(next() % 4), k, perm[4], dims[4], odims[4], stride[4];
        long n = 1, i;
        stoic_transpose_f32_params p;
        p.in_offset = 0;
        for (k = 0; k < rank; k++) {
            dims[k] = 1 + (int)(next() % 7);
            n *= dims[k];
            perm[k] = k;
        }
        for (k = rank - 1; k > 0; k--) { /* Fisher-Yates */
            int j = (int)(next() % (unsigned)(k + 1)), t = perm[k];
            perm[k] = perm[j];
            perm[j] = t;
        }
        for (i = 0; i < n; i++) {
            in[i] = (float)i;
        }
        out[n] = -1.0F; /* guard */
        stride[rank - 1] = 1;
        for (k = rank - 2; k >= 0; k--) {
            stride[k] = stride[k + 1] * dims[k + 1];
        }
        for (k = 0; k < 4; k++) {
            int src = k - (4 - rank);
            p.out_dim[k] = src >= 0 ? dims[perm[src]] : 1;
            p.in_stride[k] = src >= 0 ? stride[perm[src]] : 0;
        }
        for (k = 0; k < rank; k++) {
            odims[k] = dims[perm[k]];
        }
        stoic_transpose_f32(&p, in, out);
        for (i = 0; i < n; i++) {
            /* multi-index of output element i, then the input element */
            int oidx[4], iidx[4];
            long rem = i, src = 0;
            for (k = rank - 1; k >= 0; k--) {
                oidx[k] = (int)(rem % odims[k]);
                rem /= odims[k];
            }
            for (k = 0; k < rank; k++) {
                iidx[perm[k]] = oidx[k];
            }
            for (k = 0; k < rank; k++) {
                src = src * dims[k] + iidx[k];
            }
            if (out[i] != in[src]) {
                CU_FAIL("transpose element differs from the reference");
                break;
            }
        }
        CU_ASSERT_EQUAL(out[n], -1.0F);
    }
}

/* a slice with steps: in [3][4] = 0..11, axis 0 [0, 3) step 2 (rows 0,
 * 2), axis 1 [1, 4) step -2 (columns 3, 1): out [2][2] = 3 1 / 11 9;
 * in_offset 3 (row 0, column 3), strides 8 and -2 */
static void test_hand_strided(void)
{
    const float in[12] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 };
    const float want[4] = { 3, 1, 11, 9 };
    float out[4];
    stoic_transpose_f32_params p = { { 1, 1, 2, 2 }, { 0, 0, 8, -2 }, 3 };
    stoic_transpose_f32(&p, in, out);
    CU_ASSERT_EQUAL(memcmp(out, want, sizeof out), 0);
}

UNIT_SUITE(suite_kernel_transpose)
{
    CU_pSuite s = CU_add_suite("kernel transpose", NULL, NULL);
    CU_add_test(s, "hand-derived 2x3", test_hand_2x3);
    CU_add_test(s, "random shapes and permutations vs reference", test_random);
    CU_add_test(s, "hand-derived slice with steps (offset, negative stride)",
                test_hand_strided);
}

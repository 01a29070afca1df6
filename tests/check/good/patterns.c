/* Every pattern README "stoic check" accepts, in one model file: no finding. */
#include <stdint.h>
#define N 4
typedef struct {
    int32_t rows;
    int32_t cols;
    const int32_t *start;   /* rows + 1 entries */
} params;
static const int32_t starts[3] = { 0, 1, 3 };
static const params P = { 2, 2, starts };
static void range(int32_t base, int32_t k_n, int32_t *first, int32_t *end)
{
    int32_t k;
    int32_t lo = 0;
    int32_t hi = 0;
    for (k = 0; k < k_n; k++) {
        lo = lo + ((base + k) < 0 ? 1 : 0);
        hi = hi + 1;
    }
    *first = lo;
    *end = hi;
}
static int32_t twice(int32_t x)
{
    return 2 * x;
}
#define STEP(x) do { (x) = (x) + 1; } while (0)
static void kernel(const params *p, const int8_t *in, int8_t *out)
{
    int32_t r;
    int32_t k;
    int32_t j;
    int32_t c2 = twice(p->cols);
    int32_t k0;
    int32_t k1;
    int32_t acc = 0;
    for (r = 0; r < p->rows; r++) {
        int32_t end = p->start[r + 1];
        range(r - 1, p->cols, &k0, &k1);
        for (k = p->start[r]; k < end; k++) {
            acc = acc + in[k];
        }
        for (j = k0; j < k1; j++) {
            STEP(acc);
        }
        for (j = c2; j > 0; j -= 2) {
            acc = acc + 1;
        }
    }
    for (r = N - 1; r >= 0; --r) {
        out[r] = (int8_t)acc;
    }
}
void good_run(const int8_t in[N], int8_t out[N]);
void good_run(const int8_t in[N], int8_t out[N])
{
    kernel(&P, in, out);
}

/*
 * target/s4cases/s4cases.c -- runtime/stoic_dense_s4_pk.c against an
 * independent reference, on random cases, on every target: the same
 * program is built for the host (the portable C path), Cortex-M4 and
 * Cortex-M7 (the ACLE path, bare metal under QEMU with semihosting) and
 * big-endian PowerPC (portable, qemu-ppc). target/s4cases/run.sh runs
 * them (make target-check).
 *
 * Each case draws rows, in_n (1 .. 1100; one case in seven 500 or more),
 * out_n (1 .. 13: passes of two and a last row), int4
 * weights in [-7, 7] (runs of -7 and 7 too), int8 inputs (random or
 * extreme; the largest sums: +-7 against inputs at the extreme of the
 * weight's sign), zero points, biases (int32, or in one case of three
 * int16 lanes times 2^s, two to a word: stoic_rt.h b16), a packed
 * multiplier with its shift
 * (stoic_rt.h), a clamp; packs the weights in the documented layout
 * (here, from the comment of stoic_dense_s4_pk.c, not from the
 * generator) and folds the input zero point into the biases; and
 * compares every output with
 *   ref = clamp(RDBPOT(SRDHM(b + sum (x - zp_in) w, m), e) + zp_out)
 * computed in int64 the way TensorFlow Lite's reference defines SRDHM
 * (saturating rounding doubling high multiply, truncating division with
 * a nudge) and RDBPOT (rounding divide by a power of two, ties away from
 * zero). Prints "s4cases: N cases, M outputs, K mismatches" and exits 0
 * when K is 0.
 */
#include <stdint.h>

#include "stoic_rt.h"

#ifndef S4_CASES
#define S4_CASES 1200
#endif

#define MAX_ROWS 3
#define MAX_IN 1100
#define MAX_OUT 13
#define MAX_G ((MAX_IN + 7) / 8)

#include "cases.h"

static int8_t w8[MAX_OUT][MAX_IN];
static int32_t b_orig[MAX_OUT];
static int32_t qm[MAX_OUT];
static int8_t x8[MAX_ROWS * MAX_IN];
static int8_t y8[MAX_ROWS * MAX_OUT];
static int32_t wpk[MAX_OUT * MAX_G];
static int32_t bias[MAX_OUT];
static int32_t lane[MAX_OUT];
static int32_t scratch[4 * MAX_G];

/* word g of row o, as the comment of stoic_dense_s4_pk.c lays it out */
static int32_t pack_word(int32_t o, int32_t in_n, int32_t g)
{
    uint32_t u = 0U;
    int32_t j;
    int32_t l;
    for (j = 0; j < 4; j++) {
        for (l = 0; l < 2; l++) {
            int32_t i = (8 * g) + (2 * j) + l;
            uint32_t nib = (uint32_t)(((i < in_n) ? (int32_t)w8[o][i] : 0) + 8);
            u |= nib << (uint32_t)(4 * (j + (4 * l)));
        }
    }
    return (int32_t)u;
}

int main(void)
{
    uint32_t cases = 0U;
    uint32_t outputs = 0U;
    uint32_t bad = 0U;
    int32_t c;

    rng = 0x2545F491U;

    for (c = 0; c < S4_CASES; c++) {
        stoic_dense_s4_pk_params p;
        int32_t rows = rnd_in(1, MAX_ROWS);
        int32_t in_n = (c % 7 == 0) ? rnd_in(500, MAX_IN) : rnd_in(1, 120);
        int32_t out_n = rnd_in(1, MAX_OUT);
        int32_t zp_in = rnd_in(-128, 127);
        int32_t zp_out = rnd_in(-128, 127);
        int32_t kind = rnd_in(0, 4);
        int32_t one = rnd_in(0, 3) == 0;
        int32_t b16 = rnd_b16();   /* int16 biases in one case of three */
        int32_t o;
        int32_t i;
        int32_t r;
        int32_t g;
        int32_t k = 0;
        int32_t n_g = (in_n + 7) / 8;
        int32_t lo = -128;
        int32_t hi = 127;

        if (rnd_in(0, 2) == 0) {
            lo = rnd_in(-128, 0);
            hi = rnd_in(lo, 127);
        }
        for (o = 0; o < out_n; o++) {
            for (i = 0; i < in_n; i++) {
                w8[o][i] = (int8_t)((kind == 3) ? ((rnd() & 1U) != 0U ? 7 : -7) : rnd_in(-7, 7));
            }
            b_orig[o] = rnd_in(-200000, 200000);
        }
        for (i = 0; i < rows * in_n; i++) {
            x8[i] = (int8_t)((kind == 2) ? ((rnd() & 1U) != 0U ? 127 : -128) : rnd_in(-128, 127));
        }
        if (kind == 4) {
            /* the largest sums: weights +-7, every input of row 0 at the
             * extreme of its weight's sign for output 0 */
            for (o = 0; o < out_n; o++) {
                for (i = 0; i < in_n; i++) {
                    w8[o][i] = (int8_t)((rnd() & 1U) != 0U ? 7 : -7);
                }
            }
            for (i = 0; i < in_n; i++) {
                x8[i] = (int8_t)(w8[0][i] > 0 ? 127 : -128);
            }
        }
        for (o = 0; o < out_n; o++) {
            int32_t e = rnd_in(1, 22);
            int32_t m = (int32_t)(0x40000000U + (rnd() & 0x3FFFFFE0U));
            if ((o > 0) && (one != 0)) {
                qm[o] = qm[0];
            } else {
                qm[o] = m | (e - 1);
            }
        }
        /* the layout: passes of two rows (words in (g, row) order), then a last row */
        for (o = 0; o + 2 <= out_n; o += 2) {
            for (g = 0; g < n_g; g++) {
                for (r = 0; r < 2; r++) {
                    wpk[k] = pack_word(o + r, in_n, g);
                    k++;
                }
            }
        }
        for (o = out_n - (out_n % 2); o < out_n; o++) {
            for (g = 0; g < n_g; g++) {
                wpk[k] = pack_word(o, in_n, g);
                k++;
            }
        }
        for (o = 0; o < out_n; o++) {
            int32_t s = 0;
            for (i = 0; i < in_n; i++) {
                s += (int32_t)w8[o][i];
            }
            if (b16 == 0) {
                bias[o] = b_orig[o] - (zp_in * s);
            } else {
                /* the folded bias a multiple of b16: lane o times b16 */
                lane[o] = rnd_lane();
                b_orig[o] = (lane[o] * b16) + (zp_in * s);
            }
        }
        if (b16 != 0) {
            pack_lanes(lane, out_n, bias);
        }
        p.rows = rows;
        p.in_n = in_n;
        p.out_n = out_n;
        p.n_g = n_g;
        p.in_words = 4 * n_g;
        p.mask = 0x000F000F;
        p.act_min = lo;
        p.act_max = hi;
        p.clamp = ((lo > -128) || (hi < 127)) ? 1 : 0;
        p.c1 = (2 * zp_out) + 1;
        p.qm_step = one != 0 ? 0 : 1;
        p.qm = qm;
        p.b16 = b16;
        /* scratch holds garbage: the kernel must write every word it reads */
        for (i = 0; i < 4 * MAX_G; i++) {
            scratch[i] = (int32_t)rnd();
        }
        stoic_dense_s4_pk(&p, x8, wpk, bias, y8, scratch);
        for (r = 0; r < rows; r++) {
            for (o = 0; o < out_n; o++) {
                int64_t acc = b_orig[o];
                int32_t m = qm[o];
                int32_t e = (m & 31) + 1;
                int32_t y;
                for (i = 0; i < in_n; i++) {
                    acc += ((int64_t)x8[(r * in_n) + i] - zp_in) * (int64_t)w8[o][i];
                }
                y = ref_rdbpot(ref_srdhm(acc, m), (int)e) + zp_out;
                y = y < lo ? lo : (y > hi ? hi : y);
                outputs++;
                if ((int32_t)y8[(r * out_n) + o] != y) {
                    if (bad < 5U) {
                        put_num("s4cases: mismatch in case ", (uint32_t)c);
                        put_num(" row ", (uint32_t)r);
                        put_num(" output ", (uint32_t)o);
                        put_str("\n");
                    }
                    bad++;
                }
            }
        }
        cases++;
    }
    put_num("s4cases: ", cases);
    put_num(" cases, ", outputs);
    put_num(" outputs, ", bad);
    put_str(" mismatches\n");
    return bad == 0U ? 0 : 1;
}

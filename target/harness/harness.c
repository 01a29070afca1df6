/*
 * The target harness: runs one generated model on a target (Cortex-M4 and
 * Cortex-M7 under qemu-system-arm with semihosting, PowerPC under
 * qemu-ppc, or the build host) and writes its outputs, for comparison with
 * the host evaluator and between targets.
 *
 * Build (target/target.mk): the generated sources of model NAME, this file,
 * probe.c, one hio_*.c, and
 *   -DMODEL=NAME -DMODEL_UC=NAME_UPPER_CASE -I<OUTDIR> -I<dir of harness_cfg.h>
 * harness_cfg.h (written by target/target.mk from NAME.h and NAME.c) says
 * whether the model's input is quantized and, if so, how: HARNESS_QIN,
 * HARNESS_QUANTIZE and harness_p_qin, a copy of the model's own input
 * quantization parameters (NAME_p_qin), so real rows are quantized exactly
 * as NAME_run_float quantizes them.
 *
 * Files, in the working directory; every value little-endian whatever the
 * target's byte order (the host converts .npy files to and from these):
 *   in.raw         rows of NAME_INPUT_SIZE float32: the correctness rows
 *   out.raw        written: NAME_run_float of each row, NAME_OUTPUT_SIZE float32
 *                  (several outputs: all of them side by side, in graph order)
 *   probe_in.raw   rows of float32: real rows for the timing probe (at most 8 used)
 *   probe_out.raw  written: the output of every probe run of NAME_run, in
 *                  its output type (float32, int8 or int16)
 *   probe_fout.raw written (integer models): the float32 output of every
 *                  probe run of NAME_run_float
 *
 * Timing probe: each probe run is
 *   stoic_probe_begin(); NAME_run(in, out); stoic_probe_end();
 * from one call site (a function that is never inlined or cloned), so the
 * instructions between the markers are NAME_run's and the same few of
 * the call around it. The console gets one line per run, in order:
 *   probe K FUNCTION LABEL
 * K counts from 1 like the windows of the trace plugin. FUNCTION is "run"
 * (NAME_run on inputs of its own type: for an integer model the extremes
 * of the integer type, the zero point, random vectors and quantized real
 * rows; for a float model zeros, the largest finite values, infinities,
 * NaN, denormals, random and real rows) or "run_float" (an integer
 * model's float wrapper NAME_run_float on the float inputs: the wrapper
 * quantizes, so its integer core sees only what the quantization gives).
 *
 * A model with the streaming API (HARNESS_STEP, README "Streaming") also
 * gets "reset" and "step" probes: NAME_reset, then NAME_step on the same
 * patterns (the state carried from one to the next), then each real row
 * as a stream (NAME_reset, one NAME_step per time step), the step outputs
 * written to probe_sout.raw; when every output is the last step's
 * (HARNESS_STEP_LAST) a stream's output must equal NAME_run's on the
 * same row, byte for byte.
 *
 * Exit code: 0 done; 1 a missing input file or a partial row; 3 a write
 * error; 4 a stream that differs from the whole sequence.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "hio.h"
#include "probe.h"
#include "stoic_rt.h"

#define STR2(x) #x
#define STR(x) STR2(x)
#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)

#include STR(MODEL.h)
#include "harness_cfg.h"

#define RUN CAT(MODEL, _run)
#define RUN_FLOAT CAT(MODEL, _run_float)
#define IN_N ((uint32_t)CAT(MODEL_UC, _INPUT_SIZE))
/* every output of the model, side by side in graph order (harness_cfg.h) */
#define OUT_N ((uint32_t)HARNESS_OUT_N)
typedef CAT(MODEL_UC, _INPUT_TYPE) in_t;
typedef HARNESS_OUT_TYPE out_t;

/* 1 when the element type is a floating type */
#define IS_FLOAT(t) (((t)0.5F) != (t)0)

#if HARNESS_STEP
/* the streaming API (README "Streaming") */
#define STEP CAT(MODEL, _step)
#define RESET CAT(MODEL, _reset)
#define STEP_IN_N ((uint32_t)CAT(MODEL_UC, _STEP_INPUT_SIZE))
#define STEP_INNER ((uint32_t)CAT(MODEL_UC, _STEP_INPUT_INNER))
#define STEPS ((uint32_t)CAT(MODEL_UC, _STEPS))
#define SOUT_N ((uint32_t)HARNESS_STEP_OUT_N)
#endif

#define PROBE_ROWS_MAX 8U
#define BYTES_MAX ((IN_N > OUT_N) ? (4U * IN_N) : (4U * OUT_N))

static in_t g_in[IN_N];
static out_t g_out[OUT_N];
static float g_fin[IN_N];
static float g_fout[OUT_N];
static uint8_t g_bytes[BYTES_MAX];
static hio_file g_probe_out;
#if HARNESS_QIN
static hio_file g_probe_fout;
#endif
#if HARNESS_STEP
static in_t g_sin[STEP_IN_N];
static out_t g_sout[SOUT_N];
static hio_file g_probe_sout;
#endif
static uint32_t g_probe_k;
static int32_t g_status;
static uint32_t g_rng;

/* ---- console ---------------------------------------------------------- */

static void put_u32(uint32_t v)
{
    char buf[11];
    uint32_t i = 10U;

    buf[10] = '\0';
    do {
        i--;
        buf[i] = (char)('0' + (v % 10U));
        v /= 10U;
    } while (v != 0U && i > 0U);
    hio_puts(&buf[i]);
}

/* ---- little-endian encoding ------------------------------------------- */

static float get_f32(const uint8_t *b)
{
    uint32_t u = (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) |
                 ((uint32_t)b[3] << 24);
    float f;

    memcpy(&f, &u, sizeof f);
    return f;
}

static void put_f32(uint8_t *b, float f)
{
    uint32_t u;

    memcpy(&u, &f, sizeof u);
    b[0] = (uint8_t)(u & 0xFFU);
    b[1] = (uint8_t)((u >> 8) & 0xFFU);
    b[2] = (uint8_t)((u >> 16) & 0xFFU);
    b[3] = (uint8_t)(u >> 24);
}

/* Writes n bytes to a probe/out file; remembers a failure. */
static void write_bytes(hio_file *f, uint32_t n)
{
    if (hio_write(f, g_bytes, n) != 0) {
        g_status = 3;
    }
}

static void write_floats(hio_file *f, const float *v, uint32_t n)
{
    uint32_t i;

    for (i = 0U; i < n; i++) {
        put_f32(&g_bytes[4U * i], v[i]);
    }
    write_bytes(f, 4U * n);
}

/* n output values in their own type, little-endian */
static void write_out(hio_file *f, const out_t *v, uint32_t n)
{
    uint32_t i;
    uint32_t u;

    if (IS_FLOAT(out_t)) {
        for (i = 0U; i < n; i++) {
            put_f32(&g_bytes[4U * i], (float)v[i]);
        }
        write_bytes(f, 4U * n);
    } else {
        for (i = 0U; i < n; i++) {
            u = (uint32_t)(int32_t)v[i];
            g_bytes[sizeof(out_t) * i] = (uint8_t)(u & 0xFFU);
            if (sizeof(out_t) == 2U) {
                g_bytes[(sizeof(out_t) * i) + 1U] = (uint8_t)((u >> 8) & 0xFFU);
            }
        }
        write_bytes(f, (uint32_t)sizeof(out_t) * n);
    }
}

/* ---- the probe runs (one call site each: never inlined, never cloned) -- */

static void probe_line(const char *fn, const char *label)
{
    g_probe_k++;
    hio_puts("probe ");
    put_u32(g_probe_k);
    hio_puts(" ");
    hio_puts(fn);
    hio_puts(" ");
    hio_puts(label);
    hio_puts("\n");
}

__attribute__((noinline, noipa)) static void probe_run(const char *label)
{
    stoic_probe_begin();
    RUN(g_in, HARNESS_OUTS(g_out));
    stoic_probe_end();
    write_out(&g_probe_out, g_out, OUT_N);
    probe_line("run", label);
}

#if HARNESS_STEP
__attribute__((noinline, noipa)) static void probe_step(const char *label)
{
    stoic_probe_begin();
    STEP(g_sin, HARNESS_STEP_OUTS(g_sout));
    stoic_probe_end();
    write_out(&g_probe_sout, g_sout, SOUT_N);
    probe_line("step", label);
}

__attribute__((noinline, noipa)) static void probe_reset(const char *label)
{
    stoic_probe_begin();
    RESET();
    stoic_probe_end();
    probe_line("reset", label);
}
#endif

#if HARNESS_QIN
__attribute__((noinline, noipa)) static void probe_run_float(const char *label)
{
    stoic_probe_begin();
    RUN_FLOAT(g_fin, HARNESS_OUTS(g_fout));
    stoic_probe_end();
    write_floats(&g_probe_fout, g_fout, OUT_N);
    probe_line("run_float", label);
}
#endif

/* ---- input patterns ----------------------------------------------------- */

static uint32_t rng_next(void)
{
    /* xorshift32 (Marsaglia 2003) */
    g_rng ^= g_rng << 13;
    g_rng ^= g_rng >> 17;
    g_rng ^= g_rng << 5;
    return g_rng;
}

/* uniform in [lo, hi] (hi - lo < 2^31) */
static int32_t rng_range(int32_t lo, int32_t hi)
{
    uint32_t span = (uint32_t)(hi - lo) + 1U;

    return lo + (int32_t)(rng_next() % span);
}

static float rng_unit(void)
{
    return (float)(rng_next() >> 8) * (1.0F / 16777216.0F);
}

/* kinds of integer and float patterns */
enum { P_ZERO, P_MIN, P_MAX, P_ALT_MIN_MAX, P_ALT_MAX_MIN, P_RAND, P_NEAR, P_RAMP, P_CONST };

static void fill_int(int32_t kind, int32_t lo, int32_t hi, int32_t zp)
{
    uint32_t i;
    int32_t v;

    for (i = 0U; i < IN_N; i++) {
        switch (kind) {
        case P_MIN: v = lo; break;
        case P_MAX: v = hi; break;
        case P_ALT_MIN_MAX: v = ((i & 1U) == 0U) ? lo : hi; break;
        case P_ALT_MAX_MIN: v = ((i & 1U) == 0U) ? hi : lo; break;
        case P_RAND: v = rng_range(lo, hi); break;
        case P_NEAR:
            v = zp + rng_range(-2, 2);
            v = (v < lo) ? lo : ((v > hi) ? hi : v);
            break;
        case P_RAMP: v = lo + (int32_t)(i % (uint32_t)((hi - lo) + 1)); break;
        case P_CONST: v = zp; break;
        default: v = 0; break;
        }
        g_in[i] = (in_t)v;
    }
}

static void fill_float(float *dst, int32_t kind, float a, float b)
{
    uint32_t i;

    for (i = 0U; i < IN_N; i++) {
        switch (kind) {
        case P_CONST: dst[i] = a; break;
        case P_ALT_MIN_MAX: dst[i] = ((i & 1U) == 0U) ? a : b; break;
        case P_RAND: dst[i] = a + ((b - a) * rng_unit()); break;
        default: dst[i] = 0.0F; break;
        }
    }
}

/* The float inputs: zeros, signed zero, the largest finite values,
 * alternating extremes, infinities, NaN, the smallest denormal, random. */
static void float_patterns(float *dst, void (*run)(const char *))
{
    float inf;
    float nan;
    float denorm;
    uint32_t u;

    u = 0x7F800000U;
    memcpy(&inf, &u, sizeof inf);
    u = 0x7FC00000U;
    memcpy(&nan, &u, sizeof nan);
    u = 0x00000001U;
    memcpy(&denorm, &u, sizeof denorm);
    fill_float(dst, P_CONST, 0.0F, 0.0F);
    run("zeros");
    fill_float(dst, P_CONST, -0.0F, 0.0F);
    run("negative-zeros");
    fill_float(dst, P_CONST, 3.402823466e+38F, 0.0F);
    run("max");
    fill_float(dst, P_CONST, -3.402823466e+38F, 0.0F);
    run("lowest");
    fill_float(dst, P_ALT_MIN_MAX, 3.402823466e+38F, -3.402823466e+38F);
    run("alternating-max-lowest");
    fill_float(dst, P_ALT_MIN_MAX, -1.0e6F, 1.0e6F);
    run("alternating-1e6");
    fill_float(dst, P_CONST, denorm, 0.0F);
    run("denormal");
    fill_float(dst, P_CONST, inf, 0.0F);
    run("inf");
    fill_float(dst, P_CONST, -inf, 0.0F);
    run("minus-inf");
    fill_float(dst, P_CONST, nan, 0.0F);
    run("nan");
    g_rng = 0x1234567U;
    fill_float(dst, P_RAND, -1000.0F, 1000.0F);
    run("random-1000");
    fill_float(dst, P_RAND, 0.0F, 1.0F);
    run("random-unit");
}

#if HARNESS_QIN
static void run_float_pattern(const char *label)
{
    probe_run_float(label);
}
#endif

static void run_pattern(const char *label)
{
    probe_run(label);
}

#if HARNESS_STEP
/* one step on the first STEP_IN_N values of a pattern */
static void step_pattern(const char *label)
{
    memcpy(g_sin, g_in, sizeof g_sin);
    probe_step(label);
}
#endif

/* The integer inputs of model_run's type: the extremes of the type, their
 * alternations, the zero point, random vectors, near the zero point, a
 * ramp. */
static void int_patterns(int32_t zp, void (*run)(const char *))
{
    int32_t lo = (sizeof(in_t) == 1U) ? -128 : -32768;
    int32_t hi = (sizeof(in_t) == 1U) ? 127 : 32767;

    fill_int(P_ZERO, lo, hi, zp);
    run("zeros");
    fill_int(P_MIN, lo, hi, zp);
    run("min");
    fill_int(P_MAX, lo, hi, zp);
    run("max");
    fill_int(P_ALT_MIN_MAX, lo, hi, zp);
    run("alternating-min-max");
    fill_int(P_ALT_MAX_MIN, lo, hi, zp);
    run("alternating-max-min");
    fill_int(P_CONST, lo, hi, zp);
    run("zero-point");
    g_rng = 0x9E3779B9U;
    fill_int(P_RAND, lo, hi, zp);
    run("random-1");
    fill_int(P_RAND, lo, hi, zp);
    run("random-2");
    fill_int(P_RAND, lo, hi, zp);
    run("random-3");
    fill_int(P_NEAR, lo, hi, zp);
    run("near-zero-point");
    fill_int(P_RAMP, lo, hi, zp);
    run("ramp");
}

/* Reads real row r of probe_in.raw (float32) into g_fin and, in
 * model_run's type, g_in; 0, or 1 when there is no such row. */
static int32_t real_row(hio_file *fi)
{
    uint32_t i;
    int32_t got = hio_read(fi, g_bytes, 4U * IN_N);

    if (got != (int32_t)(4U * IN_N)) {
        return 1;
    }
    for (i = 0U; i < IN_N; i++) {
        g_fin[i] = get_f32(&g_bytes[4U * i]);
    }
#if HARNESS_QIN
    HARNESS_QUANTIZE(&harness_p_qin, g_fin, g_in);
#else
    memcpy(g_in, g_fin, sizeof g_in);
#endif
    return 0;
}

#if HARNESS_STEP
/* The step probes: model_step on every pattern (the state carried from
 * one to the next, extremes included), then each real row as a stream
 * (model_reset, one model_step per time step); when every output is the
 * last step's (HARNESS_STEP_LAST), the stream's outputs must equal
 * model_run's on the same row, byte for byte. 0, or the exit code. */
static int32_t step_probes(int32_t zp)
{
    hio_file fi;
    uint32_t r;
    uint32_t t;
    uint32_t o;
    uint32_t i;

    if (hio_open_write("probe_sout.raw", &g_probe_sout) != 0) {
        hio_puts("harness: cannot write probe_sout.raw\n");
        return 3;
    }
    probe_reset("initial");
    if (IS_FLOAT(in_t)) {
        float_patterns((float *)(void *)g_in, step_pattern);
    } else {
        int_patterns(zp, step_pattern);
    }
    if (hio_open_read("probe_in.raw", &fi) == 0) {
        for (r = 0U; r < PROBE_ROWS_MAX; r++) {
            if (real_row(&fi) != 0) {
                break;
            }
            RUN(g_in, HARNESS_OUTS(g_out));
            probe_reset("real-row");
            for (t = 0U; t < STEPS; t++) {
                for (o = 0U; o < (STEP_IN_N / STEP_INNER); o++) {
                    for (i = 0U; i < STEP_INNER; i++) {
                        g_sin[(o * STEP_INNER) + i] =
                            g_in[(((o * STEPS) + t) * STEP_INNER) + i];
                    }
                }
                probe_step("real-row");
            }
            if (HARNESS_STEP_LAST && memcmp(g_sout, g_out, sizeof g_sout) != 0) {
                hio_puts("harness: the stream of a real row differs from its whole sequence\n");
                g_status = 4;
            }
        }
        hio_close(&fi);
    }
    hio_close(&g_probe_sout);
    return 0;
}
#endif

/* ---- main --------------------------------------------------------------- */

static int32_t correctness_rows(void)
{
    hio_file fi;
    hio_file fo;
    int32_t got;
    uint32_t rows = 0U;
    uint32_t i;
    int32_t rc = 0;

    if (hio_open_read("in.raw", &fi) != 0) {
        hio_puts("harness: cannot open in.raw\n");
        return 1;
    }
    if (hio_open_write("out.raw", &fo) != 0) {
        hio_puts("harness: cannot write out.raw\n");
        hio_close(&fi);
        return 3;
    }
    for (;;) {
        got = hio_read(&fi, g_bytes, 4U * IN_N);
        if (got != (int32_t)(4U * IN_N)) {
            break;
        }
        for (i = 0U; i < IN_N; i++) {
            g_fin[i] = get_f32(&g_bytes[4U * i]);
        }
        RUN_FLOAT(g_fin, HARNESS_OUTS(g_fout));
        write_floats(&fo, g_fout, OUT_N);
        rows++;
    }
    if (got != 0) {
        hio_puts("harness: in.raw ends in a partial row\n");
        rc = 1;
    }
    hio_close(&fi);
    hio_close(&fo);
    hio_puts("rows ");
    put_u32(rows);
    hio_puts("\n");
    return rc;
}

static int32_t probe_runs(void)
{
    hio_file fi;
    uint32_t r;
    int32_t zp = 0;

    if (hio_open_write("probe_out.raw", &g_probe_out) != 0) {
        hio_puts("harness: cannot write probe_out.raw\n");
        return 3;
    }
#if HARNESS_QIN
    zp = harness_p_qin.zero_point;
#endif
    if (IS_FLOAT(in_t)) {
        float_patterns((float *)(void *)g_in, run_pattern);
    } else {
        int_patterns(zp, run_pattern);
    }
    if (hio_open_read("probe_in.raw", &fi) != 0) {
        hio_puts("harness: cannot open probe_in.raw\n");
        hio_close(&g_probe_out);
        return 1;
    }
    for (r = 0U; r < PROBE_ROWS_MAX; r++) {
        if (real_row(&fi) != 0) {
            break;
        }
        run_pattern("real-row");
    }
    hio_close(&fi);
#if HARNESS_STEP
    if (step_probes(zp) != 0) {
        hio_close(&g_probe_out);
        return 3;
    }
#endif
#if HARNESS_QIN
    /* the float wrapper of an integer model: float inputs, then the same real rows */
    if (hio_open_write("probe_fout.raw", &g_probe_fout) != 0) {
        hio_puts("harness: cannot write probe_fout.raw\n");
        hio_close(&g_probe_out);
        return 3;
    }
    float_patterns(g_fin, run_float_pattern);
    if (hio_open_read("probe_in.raw", &fi) == 0) {
        for (r = 0U; r < PROBE_ROWS_MAX; r++) {
            if (real_row(&fi) != 0) {
                break;
            }
            run_float_pattern("real-row");
        }
        hio_close(&fi);
    }
    hio_close(&g_probe_fout);
#endif
    hio_close(&g_probe_out);
    return 0;
}

int main(void)
{
    int32_t rc;

    g_status = 0;
    rc = correctness_rows();
    if (rc == 0) {
        rc = probe_runs();
    }
    if (rc == 0) {
        rc = g_status;
    }
    hio_puts((rc == 0) ? "harness: done\n" : "harness: failed\n");
    return (int)rc;
}

/* cost: what a planned graph costs on the ECU cores, as the generator
 * knows it before any compiler has seen the generated code (issue 10).
 *
 * Three figures per model, all in NAME_report.json:
 *   - multiply-accumulates per layer (dense and convolutions only: copies,
 *     pools and element-wise layers do no MAC);
 *   - an instruction and cycle estimate per layer and for NAME_run, on
 *     Cortex-M4 and Cortex-M7;
 *   - the worst-case stack of NAME_run and NAME_run_float.
 *
 * How the estimate is computed. Every runtime kernel is a nest of loops
 * whose trip counts the generator knows exactly from the layer's shapes
 * (cost_node_work: calls, rows, pixels, group pixels, outputs, kernel
 * rows, taps, innermost iterations). Compiled code without data-dependent
 * branches executes, per instruction class, a count that is linear in
 * those trip counts; the coefficients of each kernel (per core and class;
 * a float32 kernel per kind of fused activation: cost_node_key)
 * are in the table generator/cost_table.c, fitted by `make bench-fit` on
 * the per-call instruction counts the trace plugin measured for the
 * tests/e2e cases. The estimate of a layer is that linear form, rounded;
 * its cycles come from the class counts through the cost model of
 * bench/README.md (cost_cycles). `make bench` compares every estimate
 * with the measured figures of the examples (cases the fit never saw).
 *
 * The stack: the table holds, per kernel and core, the worst-case stack of
 * the kernel and everything it calls (arm-none-eabi-gcc -fstack-usage and
 * -fcallgraph-info of the runtime, the generated code's flags). NAME_run
 * only calls kernels, one after the other, so its worst case is its own
 * frame plus the deepest kernel it calls; its frame is bounded without
 * compiling it (cost_frame_bound): a function that holds nothing but
 * pointers across calls saves at most the eight callee-saved core
 * registers and LR, keeps the stack 8-byte aligned and reserves the
 * arguments beyond the fourth. make bench checks the bound against the
 * measured frames.
 *
 * The table is valid for the runtime and compiler it was fitted with
 * (cost_table_runtime_sha256, cost_table_toolchain); `make bench` fails
 * when the runtime changed since, and `make bench-fit` refits it. */
#ifndef STOIC_COST_H
#define STOIC_COST_H

#include <stdint.h>

#include "ir.h"

/* ORDER COST_W: the trip counts a kernel's cost is linear in (names in cost.c) */
typedef enum {
    COST_W_CALLS = 0, /* kernel calls */
    COST_W_ROWS,      /* outermost rows (out_h; dense: input rows) */
    COST_W_PIXELS,    /* output positions (out_h * out_w; element-wise: outputs / last dim) */
    COST_W_GPIX,      /* output positions times groups (convolutions) */
    COST_W_OUTPUTS,   /* output elements */
    COST_W_KROWS,     /* windows: in-bounds kernel rows summed over the outputs */
    COST_W_TAPS,      /* windows: in-bounds taps summed over the outputs */
    COST_W_INNER,     /* innermost iterations: MACs of dense/conv, window cells of pools */
    COST_NW
} cost_feature;

typedef enum { COST_M4 = 0, COST_M7, COST_NCORES } cost_core;

/* ORDER COST_C: per class, as the trace plugin counts them */
typedef enum {
    COST_C_LDST = 0, /* load/store instructions */
    COST_C_BRANCH,   /* branch instructions */
    COST_C_MUL,      /* multiplies (and divides) */
    COST_C_OTHER,    /* everything else */
    COST_C_DIV,      /* of the multiplies, divides and square roots */
    COST_C_MEM,      /* memory accesses */
    COST_C_TAKEN,    /* instructions taken (the next one executed is not the next in memory) */
    COST_NC
} cost_class;

typedef struct {
    int64_t w[COST_NW];
} cost_work;

typedef struct {
    int64_t c[COST_NC];
    int64_t insns;  /* ldst + branch + mul + other */
    int64_t cycles; /* cost_cycles */
} cost_est;

/* One kernel of the table (cost_table.c). */
typedef struct {
    const char *kernel;                        /* runtime function: "stoic_dense_s8" */
    int32_t fitted;                            /* calls it was fitted on (0: no instruction model) */
    int32_t stack[COST_NCORES];                /* worst-case stack with its callees, bytes; -1 unknown */
    double coef[COST_NCORES][COST_NC][COST_NW];
} cost_kernel;

extern const cost_kernel cost_kernels[];
extern const int cost_n_kernels;
/* NAME_run's own instructions (prologue, argument set-up not attributed to a call,
 * epilogue) and the probe's call around it, per core and class */
extern const double cost_frame[COST_NCORES][COST_NC];
extern const char cost_table_toolchain[];      /* compiler and flags of the fit */
extern const char cost_table_runtime_sha256[]; /* sha256 of the runtime it was fitted on */

const char *cost_feature_name(int f); /* "calls", "rows", ... */
const char *cost_core_name(int core); /* "m4", "m7" */

/* Multiply-accumulates of a node: dense and convolutions (sparse: the
 * kept entries), lstm and gru (every step's gate products), 0 for every
 * other layer. */
int64_t cost_node_macs(const ir_graph *g, int node);

/* The trip counts of node's kernel calls (ncalls: what lower_node gave). */
void cost_node_work(const ir_graph *g, int node, int ncalls, cost_work *w);

/* The table's key of a layer run by kernel (lower_kernel_fn of its calls;
 * NULL for a layer of mixed kernels: no key): the kernel's name, and for
 * a float32 layer with a fused activation "/" and the activation's kind
 * ("stoic_dense_f32/sigmoid"), whose cost per output differs by kind. */
void cost_node_key(const ir_graph *g, int node, const char *kernel, char *buf, size_t n);

/* The estimate of one layer from its key: 0, or -1 when the key is not in
 * the table (no estimate). A layer without calls (an aliasing reshape)
 * costs nothing. */
int cost_layer_estimate(const char *key, const cost_work *w, int core, cost_est *e);

/* NAME_run's frame (cost_frame), rounded. */
void cost_frame_estimate(int core, cost_est *e);

/* The cycles of class counts c under the cost model of bench/README.md. */
int64_t cost_cycles(int core, const int64_t c[COST_NC]);

/* Worst-case stack of a kernel with its callees: bytes, or -1 unknown. */
int32_t cost_kernel_stack(const char *kernel, int core);

/* A bound of the stack frame of a function that only calls, with at
 * most max_args arguments a call (AAPCS: 4 in registers): r4-r11 and lr
 * saved (36 bytes), the outgoing arguments beyond the fourth, rounded up
 * to 8 bytes. */
int32_t cost_frame_bound(int max_args);

#endif

/* evcache: evaluation that resumes where a plan first differs (issue 14).
 *
 * The budget search evaluates hundreds of plans that differ from one
 * another in one layer: the same rows (calibration, validation) go
 * through the same leading layers again and again. This keeps, for one
 * set of rows, the values every evaluated tensor took on every row, by a
 * content key, and starts the next evaluation at the last node boundary
 * where every tensor still to be read is already held: a plan that
 * changes layer k recomputes from layer k only.
 *
 * The key of a tensor is a 128-bit hash of everything its values depend
 * on, read from the lowered calls (lower.h) that compute it, exactly as
 * eval.c runs them: each call's kernel and parameter fields
 * (lower_fields: every field the generated code's initializer prints),
 * the bytes of the constants it reads (weights, biases, multipliers,
 * tables, the packed arrays lower_attach made), its output's dtype,
 * shape and quantization, and the keys of the tensors it reads; the model
 * input's key covers its quantization. A key that matches is the same
 * computation on the same inputs, and the kernels are deterministic: the
 * resumed run gives the values a full run gives, bit for bit (the search
 * compares the two in tests/compress/run.sh). No kernel may read arena
 * memory it has not written in the same inference (the generated code
 * reuses its arena with whatever the last inference left), so what the
 * arena holds outside the restored tensors does not matter.
 *
 * Plans with recurrent state (lstm, gru) are not keyed (evc_plan.ok 0):
 * their callers run them whole. */
#ifndef STOIC_EVCACHE_H
#define STOIC_EVCACHE_H

#include <stdint.h>

#include "eval.h"

typedef struct {
    uint64_t a, b;
} evc_key;

/* A prepared plan's keys. */
typedef struct {
    const eval_plan *p;
    int ok;          /* every tensor keyed, no recurrent state */
    evc_key *key;    /* per tensor of p->g (zero: a constant) */
    int *last;       /* per tensor: the last node reading it (-1: none) */
    int *prod;       /* per tensor: the node computing it (-1: the input, a constant) */
} evc_plan;

/* Keys every tensor of p's graph (p stays owned by the caller and must
 * outlive k). 0, or -1 when out of memory. */
int evc_plan_init(evc_plan *k, const eval_plan *p);
void evc_plan_free(evc_plan *k);

/* The held values of one set of rows (rows x the model input's elements,
 * float32, not copied: x must outlive the store), at most max_bytes of
 * them beyond what one evaluation needs (least recently used first out;
 * 0: nothing is kept between evaluations). */
typedef struct evc_store evc_store;
evc_store *evc_new(const float *x, int64_t rows, int64_t in_n, int64_t max_bytes);
void evc_free(evc_store *s);

/* Whether the caller has what it needs of a tensor it does not see
 * computed (evc_run's need_before). */
typedef int (*evc_have)(void *ctx, const evc_key *key);

/* Runs every row of s through k's plan, nodes first .. last, where first
 * is the latest node boundary (at most max_first) at which s holds every
 * tensor computed before and read from first on (and, with have, every
 * tensor computed before it is held or have() says the caller has it);
 * with out, every graph output is computed in this run; without, first
 * may be last + 1 (nothing left to compute: nothing runs).
 * obs sees, row after row, the model input (first 0) and each tensor
 * computed. out (NULL, or rows x ir_outputs_count when last is the last
 * node): the outputs, row after row. The tensors computed are held
 * (while they fit) for the next runs and for evc_get until the next run.
 * Returns first, or -1 when out of memory. */
int evc_run(evc_store *s, const evc_plan *k, int max_first, int last, float *out,
            evc_have have, void *have_ctx, eval_observer obs, void *ctx);

/* The values of the tensor with this key on every row (row r at
 * r * *row_bytes), when s holds them; NULL otherwise. Valid until the
 * next evc_run. */
const void *evc_get(const evc_store *s, const evc_key *key, int64_t *row_bytes);

/* Evaluations the store resumed past node 0, and node evaluations it
 * saved (rows x nodes skipped), for the search's summary. */
void evc_stats(const evc_store *s, int64_t *resumed, int64_t *runs, int64_t *nodes_saved,
               int64_t *nodes_run);

#endif

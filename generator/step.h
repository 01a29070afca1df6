/* The streaming API of a recurrent model (issue 13, README "Streaming"):
 * NAME_reset() and NAME_step(), one time step per call, derived from the
 * final graph of NAME_run. */
#ifndef STOIC_STEP_H
#define STOIC_STEP_H

#include "diag.h"
#include "ir.h"

#define STEP_WHY 320
#define STEP_LAST (-2) /* an output that is the last step's value */

typedef struct {
    int present;         /* the model has a recurrent layer */
    int ok;              /* the streaming API exists (gs below) */
    char why[STEP_WHY];  /* why not, when present && !ok */
    long why_line;       /* the line of the layer it names (0: none) */
    int32_t steps;       /* T: the steps of one NAME_run */
    int in_axis;         /* the input's time axis */
    int64_t in_inner;    /* input elements after the time axis */
    /* per graph output: its time axis (NAME_run gives every step's value,
     * NAME_step that of the current step), or STEP_LAST (NAME_run gives
     * the last step's value, NAME_step the current step's) */
    int out_axis[IR_MAX_OUTPUTS];
    int64_t out_inner[IR_MAX_OUTPUTS];
    ir_graph *gs;        /* the step graph: T = 1, planned; NULL when !ok */
} step_plan;

/* Decides whether g (final: every pass done, planned) streams and, when
 * it does, builds the step graph: g with the time axis of every tensor
 * that has one set to 1, the last-step slices reading step 0, the
 * recurrent layers continuing from the kept state; shapes inferred and
 * planned again. The tensors keep their indices, so the constants are
 * g's. 0, or -1 after reporting an internal error or lack of memory
 * through d (a model that does not stream is not an error: sp->why). */
int step_build(const ir_graph *g, step_plan *sp, diag *d);
void step_free(step_plan *sp);

#endif /* STOIC_STEP_H */

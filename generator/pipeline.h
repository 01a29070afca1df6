/* The pipeline: load the model description, then run the passes in order,
 * checking the IR invariants after each. */
#ifndef STOIC_PIPELINE_H
#define STOIC_PIPELINE_H

#include "diag.h"
#include "ir.h"

/* Returns the planned graph, or NULL after reporting errors. */
ir_graph *pipeline_build(const char *model_path, diag *d);

#endif

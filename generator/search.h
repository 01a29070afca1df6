/* search: the accuracy-budget search (README "Compression under a
 * budget"), and the compression stage that runs it.
 *
 * One direction: the search proposes plans and measures each through
 * compress_apply (compress.h); nothing in compress.c calls the search. */
#ifndef STOIC_SEARCH_H
#define STOIC_SEARCH_H

#include "compress.h"

/* The compression stage of the pipeline: compress_prepare; when a budget
 * is set (--max-accuracy-drop, or the policy's <budget>), the budget
 * search replaces info->plan by the plan it chooses; then compress_apply
 * of info->plan. Returns the compressed graph, or NULL after reporting
 * errors; info is filled (free with compress_info_free). */
ir_graph *search_compress(const char *model, const compress_options *o, compress_info *info,
                          diag *d);

/* The budget search alone: from the resolved plan in info->plan, finds
 * the per-layer plan of least weight bytes (or MACs) whose validation
 * metric stays within info->max_drop; writes it to info->plan and every
 * candidate to info->cand. g is the float model (compress_prepare's). */
int search_plan(const char *model, const ir_graph *g, const compress_options *o,
                compress_info *info, diag *d);

#endif

/* Emitters: print what the passes decided. They decide nothing. */
#ifndef STOIC_EMIT_H
#define STOIC_EMIT_H

#include "compress.h"
#include "diag.h"
#include "outdir.h"
#include "ir.h"
#include "step.h"
#include "strbuf.h"

#define STOIC_VERSION "0.1.0"
/* The format of NAME_report.json: raised when a field changes meaning or
 * goes away (README "The report"). */
#define STOIC_REPORT_VERSION 1

typedef struct {
    const char *name; /* C prefix of the generated symbols */
    const compress_info *info;    /* what compression applied (NULL: none) */
    const compress_evidence *ev;  /* measured on validation data (NULL: none) */
    const ir_graph *gf;           /* the float model it was measured against */
    int argc;                     /* the command line, for the report */
    char *const *argv;
    const char *val_path;         /* --val and --labels (NULL: not given) */
    const char *labels_path;
    char val_sha256[65];
    char labels_sha256[65];
    const step_plan *step;        /* the streaming API (NULL: not looked for) */
    int kernels_shared;           /* --kernels shared: every call of a kernel calls
                                   * its one out-of-line form (lower_kernel_inline) */
} emit_options;

/* Renders NAME.h, NAME.c, NAME_weights.h, NAME_weights.c and the runtime
 * copies into the stage. 0 or -1 (reported). */
int emit_c(const ir_graph *g, const emit_options *o, outdir *st, diag *d);
/* Renders NAME_report.json into the stage, with the SHA-256 of every file
 * staged before it; then NAME_timing.md and NAME_report.html from it
 * (emit_audit.c). Call it last. */
int emit_report(const ir_graph *g, const emit_options *o, outdir *st, diag *d);

/* Renders NAME_plan.xml (the applied compression as a policy file). */
int emit_plan(const ir_graph *g, const emit_options *o, outdir *st, diag *d);

/* Stages OUTDIR/file with the buffer's contents (reports failures). */
int emit_stage(outdir *st, const emit_options *o, const char *file, const strbuf *b,
               diag *d);

#endif

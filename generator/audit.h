/* The audit documents rendered from NAME_report.json (emit_audit.c):
 * NAME_timing.md for a timing analyst, NAME_report.html for an auditor.
 * Both read only the parsed report (json.h), so every figure in them is
 * one the report holds; generate renders them from the report it just
 * wrote, stoic report renders the HTML again with the results of stoic
 * check and MISRA. */
#ifndef STOIC_AUDIT_H
#define STOIC_AUDIT_H

#include "diag.h"
#include "json.h"
#include "strbuf.h"

typedef struct {
    const json *check;  /* results of stoic check (NULL: not run) */
    const json *misra;  /* results of the MISRA checker (NULL: not run) */
    int verified;       /* OUTDIR's files were compared with the report */
    int n_files, n_match;
    char *differ;       /* names of the files that differ or are missing, one per line */
} audit_extra;

/* NAME_timing.md: per layer and whole, MACs, loads/stores, instruction and
 * cycle estimates on Cortex-M4 and M7, the worst-case stack. */
void audit_timing_md(const json *report, strbuf *out);

/* NAME_report.html: self-contained (no script, no external reference),
 * every string of the report escaped. x may be NULL (tools not run). */
void audit_html(const json *report, const audit_extra *x, strbuf *out);

/* Why a results file is not in the shared format ({"tool", "version",
 * "findings": [{"file", "line", "column", "rule", "severity", "message",
 * "deviation"}], "summary"}), reported as path:line: error; 0 when it is. */
int audit_results_problem(const json *r, const char *path, diag *d);

/* Compares the SHA-256 of each file the report lists (and of the report,
 * with SHA256SUMS) with OUTDIR's files; fills x. */
void audit_verify_outdir(const json *report, const char *outdir, audit_extra *x);
void audit_extra_free(audit_extra *x);

#endif

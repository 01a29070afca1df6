/* Ship only what runs (README "Ship only what runs"): the runtime .c files
 * a model's run path uses, with only the functions it reaches. */
#ifndef STOIC_SHIP_H
#define STOIC_SHIP_H

#include <stddef.h>

#include "strbuf.h"

typedef struct {
    char name[64];   /* e.g. "stoic_requant.c" */
    strbuf text;     /* what OUTDIR gets */
} ship_file;

/* run: the kernel functions NAME_run calls; wrap: those the float wrapper
 * NAME_run_float calls besides. The functions of the embedded runtime .c
 * files they reach (a static function resolves in its own file first) are
 * shipped, every other function definition is left out with its comment.
 * nofloat: "NAME_NO_FLOAT" for an integer model: a file whose shipped
 * functions only the float wrapper reaches is compiled only without that
 * macro; NULL for a model with float layers. Fills *out (ship_free) and
 * returns the number of files, or -1 with a message in err. */
int ship_runtime(const char *const *run, int n_run, const char *const *wrap, int n_wrap,
                 const char *nofloat, ship_file **out, char *err, size_t errcap);
void ship_free(ship_file *f, int n);

/* The text OUTDIR gets of the embedded runtime header name: the header
 * without the macros that none of the nf shipped files (ship_runtime), no
 * other runtime header, no template, none of the ngen generated texts gen
 * and nothing else kept in the header uses (MISRA C:2012 Rule 2.5).
 * Fills out (sb_free); 0, or -1 with a message in err. */
int ship_header(const char *name, const ship_file *files, int nf, const strbuf *const *gen,
                int ngen, strbuf *out, char *err, size_t errcap);

#endif

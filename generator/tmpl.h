/* A small strict template engine for the emitted files' skeletons.
 *
 * A template is text with {{key}} placeholders. Rendering fails, with
 * "template:line: error: ...", on a placeholder that has no value and on a
 * value that the template never uses — so a template and its emitter cannot
 * drift apart silently. Templates are compiled into the binary from
 * templates/. */
#ifndef STOIC_TMPL_H
#define STOIC_TMPL_H

#include "diag.h"
#include "strbuf.h"

typedef struct {
    const char *key;
    const char *value;
    int used;
} tmpl_var;

/* Renders the embedded template `name` into out. 0 or -1 (reported). */
int tmpl_render(const char *name, tmpl_var *vars, int n_vars, strbuf *out, diag *d);
/* Same, for template text given directly (tests). */
int tmpl_render_text(const char *name, const char *text, tmpl_var *vars, int n_vars,
                     strbuf *out, diag *d);

#endif

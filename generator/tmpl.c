#include "tmpl.h"
#include <stdio.h>

#include <string.h>

#include "embedded.h"

int tmpl_render_text(const char *name, const char *text, tmpl_var *vars, int n_vars,
                     strbuf *out, diag *d)
{
    const char *p = text;
    long line = 1;
    int i, rc = 0;
    char tname[128], where[160];
    snprintf(tname, sizeof tname, "templates/%s", name);
    for (i = 0; i < n_vars; i++) {
        vars[i].used = 0;
    }
    while (*p != '\0') {
        const char *open = strstr(p, "{{");
        const char *close;
        const char *q;
        size_t klen;
        int found = -1;
        if (open == NULL) {
            sb_puts(out, p);
            break;
        }
        for (q = p; q < open; q++) {
            line += *q == '\n';
        }
        sb_putn(out, p, (size_t)(open - p));
        close = strstr(open + 2, "}}");
        if (close == NULL || memchr(open, '\n', (size_t)(close - open)) != NULL) {
            snprintf(where, sizeof where, "%s:%ld", tname, line);
            diag_io(d, where, "unterminated placeholder");
            return -1;
        }
        klen = (size_t)(close - open - 2);
        for (i = 0; i < n_vars; i++) {
            if (strlen(vars[i].key) == klen && memcmp(vars[i].key, open + 2, klen) == 0) {
                found = i;
            }
        }
        if (found < 0) {
            snprintf(where, sizeof where, "%s:%ld", tname, line);
            diag_io(d, where, "unknown key '%.*s'", (int)klen, open + 2);
            rc = -1;
        } else {
            sb_puts(out, vars[found].value);
            vars[found].used = 1;
        }
        p = close + 2;
    }
    for (i = 0; i < n_vars; i++) {
        if (!vars[i].used) {
            diag_io(d, tname, "key '%s' is given but the template does not use it", vars[i].key);
            rc = -1;
        }
    }
    return rc;
}

int tmpl_render(const char *name, tmpl_var *vars, int n_vars, strbuf *out, diag *d)
{
    const stoic_embedded_file *f = stoic_embedded_find(name);
    if (f == NULL) {
        diag_io(d, NULL, "internal error: template '%s' is not compiled in", name);
        return -1;
    }
    return tmpl_render_text(name, (const char *)f->data, vars, n_vars, out, d);
}

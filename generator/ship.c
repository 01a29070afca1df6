/* Ship only what runs: a scan of the embedded runtime sources for their
 * function definitions and the names each body uses, the closure from the
 * kernels a model calls, and the shipped text of each file needed.
 *
 * The runtime's own layout is what the scan relies on (checked by
 * stoic check on every example's output: a function left out that is
 * needed does not compile or link, one shipped that is not reached is a
 * check.unreachable finding): a function definition is a ")" followed by
 * "{" at file scope; its unit runs from the line after the previous
 * file-scope ";", "}" or preprocessor line (so its leading comment goes
 * with it) to the line of its closing "}".
 *
 * The macros go the same way (MISRA C:2012 Rule 2.5, no unused macro): a
 * #define at file scope of a shipped .c file that nothing left in that
 * file uses is left out, and so is a #define of a header that no shipped
 * file, no other header, no template and no generated text uses
 * (ship_header). A comment directly above such macros
 * goes with them when every macro it precedes is left out.
 *
 * A kernel defined in a header (stoic_X.h, a static inline stoic_X_inl,
 * with stoic_X.c its out-of-line form) is scanned and shipped the same
 * way: a model that calls stoic_X_inl gets the header, one that calls
 * stoic_X gets both. */
#include "ship.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "embedded.h"

typedef struct {
    int file;
    char name[64];
    int is_static;
    size_t start, end;          /* the unit: comment and definition */
    size_t body, body_end;      /* the body's braces */
    int in_run, in_all;
} ship_def;

typedef struct {
    const stoic_embedded_file *ef;
    char *mask; /* the text with comments, strings and characters blanked */
} ship_src;

static int is_id0(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_';
}

static int is_id(char ch)
{
    return is_id0(ch) || (ch >= '0' && ch <= '9');
}

/* Comments, string and character literals blanked (newlines kept). */
static char *mask_text(const char *s, size_t n)
{
    char *m = malloc(n + 1);
    size_t i = 0;
    if (m == NULL) {
        return NULL;
    }
    memcpy(m, s, n);
    m[n] = '\0';
    while (i < n) {
        if (s[i] == '/' && i + 1 < n && s[i + 1] == '*') {
            size_t j = i + 2;
            while (j + 1 < n && !(s[j] == '*' && s[j + 1] == '/')) {
                j++;
            }
            j = j + 2 <= n ? j + 2 : n;
            for (; i < j; i++) {
                m[i] = s[i] == '\n' ? '\n' : ' ';
            }
        } else if (s[i] == '/' && i + 1 < n && s[i + 1] == '/') {
            for (; i < n && s[i] != '\n'; i++) {
                m[i] = ' ';
            }
        } else if (s[i] == '"' || s[i] == '\'') {
            char q = s[i];
            m[i++] = ' ';
            while (i < n && s[i] != q && s[i] != '\n') {
                if (s[i] == '\\' && i + 1 < n) {
                    m[i++] = ' ';
                }
                m[i++] = ' ';
            }
            if (i < n) {
                m[i++] = ' ';
            }
        } else {
            i++;
        }
    }
    return m;
}

static size_t line_after(const char *m, size_t n, size_t i)
{
    while (i < n && m[i] != '\n') {
        i++;
    }
    return i < n ? i + 1 : n;
}

/* The function definitions of file fi. */
static int scan_file(const ship_src *src, int fi, ship_def **defs, int *nd, int *cap)
{
    const char *m = src->mask;
    size_t n = src->ef->len, i = 0, unit = 0;
    int depth = 0, bol = 1;
    char last = '\0'; /* the last significant character at file scope */
    while (i < n) {
        char ch = m[i];
        if (bol && depth == 0) {
            size_t j = i;
            while (j < n && (m[j] == ' ' || m[j] == '\t')) {
                j++;
            }
            if (j < n && m[j] == '#') { /* a preprocessor line, continuations too */
                while (j < n && m[j] != '\n') {
                    if (m[j] == '\\' && j + 1 < n && m[j + 1] == '\n') {
                        j++;
                    }
                    j++;
                }
                i = j < n ? j + 1 : n;
                unit = i;
                continue;
            }
        }
        bol = ch == '\n';
        if (depth == 0 && ch == '{' && last == ')') {
            /* a function definition: its name is the identifier before the
             * first "(" of the header */
            ship_def *d;
            size_t h = unit, b = i, p, e;
            int dd = 0;
            while (h < b && m[h] != '(') {
                h++;
            }
            p = h;
            while (p > unit && (m[p - 1] == ' ' || m[p - 1] == '\n' || m[p - 1] == '\t')) {
                p--;
            }
            e = p;
            while (p > unit && is_id(m[p - 1])) {
                p--;
            }
            for (e = i; e < n; e++) {
                if (m[e] == '{') {
                    dd++;
                } else if (m[e] == '}') {
                    dd--;
                    if (dd == 0) {
                        break;
                    }
                }
            }
            if (e >= n || p == h || (size_t)(h - p) >= sizeof d->name) {
                return -1;
            }
            if (*nd >= *cap) {
                int nc = *cap > 0 ? *cap * 2 : 64;
                ship_def *q = realloc(*defs, (size_t)nc * sizeof *q);
                if (q == NULL) {
                    return -1;
                }
                *defs = q;
                *cap = nc;
            }
            d = &(*defs)[(*nd)++];
            memset(d, 0, sizeof *d);
            d->file = fi;
            {
                size_t k = p, l = 0;
                while (k < n && is_id(m[k]) && l + 1 < sizeof d->name) {
                    d->name[l++] = m[k++];
                }
                d->name[l] = '\0';
            }
            {
                size_t k = unit;
                while (k < b && (m[k] == ' ' || m[k] == '\n' || m[k] == '\t')) {
                    k++;
                }
                d->is_static = strncmp(m + k, "static", 6) == 0 && !is_id(m[k + 6]);
            }
            d->start = unit;
            d->body = i;
            d->body_end = e;
            d->end = line_after(m, n, e);
            i = d->end;
            unit = i;
            last = '}';
            bol = 1;
            continue;
        }
        if (ch == '{') {
            depth++;
        } else if (ch == '}') {
            depth--;
        }
        if (depth == 0 && (ch == ';' || ch == '}')) {
            unit = line_after(m, n, i);
        }
        if (depth == 0 && ch != ' ' && ch != '\n' && ch != '\t' && ch != '\r') {
            last = ch;
        }
        i++;
    }
    return 0;
}

static int resolve(const ship_def *defs, int nd, int file, const char *name)
{
    int i;
    for (i = 0; i < nd; i++) {
        if (defs[i].is_static && defs[i].file == file && strcmp(defs[i].name, name) == 0) {
            return i;
        }
    }
    for (i = 0; i < nd; i++) {
        if (!defs[i].is_static && strcmp(defs[i].name, name) == 0) {
            return i;
        }
    }
    return -1;
}

/* Marks (flag 0: in_run, 1: in_all) what the start names reach. */
static int closure(ship_def *defs, int nd, const ship_src *src, const char *const *start,
                   int n_start, int which)
{
    int *stack = malloc((size_t)(nd + 1) * sizeof *stack);
    int ns = 0, i;
    if (stack == NULL) {
        return -1;
    }
    for (i = 0; i < n_start; i++) {
        int d = resolve(defs, nd, -1, start[i]);
        if (d < 0) {
            free(stack);
            return -2 - i;
        }
        if (!(which ? defs[d].in_all : defs[d].in_run)) {
            *(which ? &defs[d].in_all : &defs[d].in_run) = 1;
            stack[ns++] = d;
        }
    }
    while (ns > 0) {
        const ship_def *d = &defs[stack[--ns]];
        const char *m = src[d->file].mask;
        size_t k = d->body;
        while (k < d->body_end) {
            if (is_id0(m[k]) && (k == 0 || !is_id(m[k - 1]))) {
                char id[64];
                size_t l = 0;
                int t;
                while (k < d->body_end && is_id(m[k])) {
                    if (l + 1 < sizeof id) {
                        id[l++] = m[k];
                    }
                    k++;
                }
                id[l] = '\0';
                t = resolve(defs, nd, d->file, id);
                if (t >= 0 && !(which ? defs[t].in_all : defs[t].in_run)) {
                    *(which ? &defs[t].in_all : &defs[t].in_run) = 1;
                    stack[ns++] = t;
                }
            } else {
                k++;
            }
        }
    }
    free(stack);
    return 0;
}

/* ---- macros ---------------------------------------------------------- */

typedef struct {
    char name[64];
    size_t start, end; /* the #define line and its continuation lines */
    int drop;
} ship_macro;

/* The #define lines of the masked text m (a name longer than the buffer is
 * not a candidate: it is kept). */
static int find_macros(const char *m, size_t n, ship_macro **out, int *nm)
{
    size_t i = 0;
    int cap = 0;
    *out = NULL;
    *nm = 0;
    while (i < n) {
        size_t j = i, e;
        while (j < n && (m[j] == ' ' || m[j] == '\t')) {
            j++;
        }
        e = i;
        while (e < n && m[e] != '\n') {
            if (m[e] == '\\' && e + 1 < n && m[e + 1] == '\n') {
                e++;
            }
            e++;
        }
        e = e < n ? e + 1 : n;
        if (j < n && m[j] == '#') {
            size_t k = j + 1, l = 0;
            while (k < n && (m[k] == ' ' || m[k] == '\t')) {
                k++;
            }
            if (k + 6 < n && strncmp(m + k, "define", 6) == 0 && !is_id(m[k + 6])) {
                ship_macro *d;
                k += 6;
                while (k < n && (m[k] == ' ' || m[k] == '\t')) {
                    k++;
                }
                if (*nm >= cap) {
                    int nc = cap > 0 ? cap * 2 : 32;
                    ship_macro *q = realloc(*out, (size_t)nc * sizeof *q);
                    if (q == NULL) {
                        return -1;
                    }
                    *out = q;
                    cap = nc;
                }
                d = &(*out)[*nm];
                while (k < n && is_id(m[k]) && l + 1 < sizeof d->name) {
                    d->name[l++] = m[k++];
                }
                d->name[l] = '\0';
                if (l > 0 && !(k < n && is_id(m[k]))) {
                    d->start = i;
                    d->end = e;
                    d->drop = 0;
                    (*nm)++;
                }
            }
        }
        i = e;
    }
    return 0;
}

/* Occurrences of the identifier id in m outside the ranges of the macros
 * skip (when not NULL: the macro `self`, those marked drop and those named
 * id). */
static int count_id(const char *m, size_t n, const char *id, const ship_macro *skip, int ns,
                    int self)
{
    size_t k = 0, l = strlen(id);
    int c = 0, r;
    while (k < n) {
        if (is_id0(m[k]) && (k == 0 || !is_id(m[k - 1]))) {
            size_t e = k;
            while (e < n && is_id(m[e])) {
                e++;
            }
            if (e - k == l && strncmp(m + k, id, l) == 0) {
                int skipped = 0;
                for (r = 0; r < ns && !skipped; r++) {
                    /* the macro itself, one dropped, or another definition of
                     * the same name (#if ... #define X a #else #define X b) */
                    skipped = (r == self || skip[r].drop == 1 || strcmp(skip[r].name, id) == 0) &&
                              k >= skip[r].start && k < skip[r].end;
                }
                c += !skipped;
            }
            k = e;
        } else {
            k++;
        }
    }
    return c;
}

/* A line holding only (part of) a comment: blank once masked, not before. */
static int comment_line(const char *text, const char *m, size_t a, size_t b)
{
    int blank_m = 1, blank_t = 1;
    size_t k;
    for (k = a; k < b; k++) {
        blank_m &= m[k] == ' ' || m[k] == '\t' || m[k] == '\n' || m[k] == '\r';
        blank_t &= text[k] == ' ' || text[k] == '\t' || text[k] == '\n' || text[k] == '\r';
    }
    return blank_m && !blank_t;
}

/* text without the macros marked drop; a run of comment lines directly
 * above macros goes too when every macro of the run of macro and comment
 * lines that follows (up to its last macro) is dropped. */
static void put_without(strbuf *out, const char *text, const char *m, size_t n,
                        const ship_macro *mac, int nm)
{
    size_t pos = 0;
    int i = 0;
    while (i < nm) {
        /* the block: macros i..j-1 separated only by comment lines */
        size_t a = mac[i].start;
        int j = i + 1, all = mac[i].drop;
        while (j < nm) {
            size_t k = mac[j - 1].end;
            while (k < mac[j].start) {
                size_t e = line_after(m, n, k);
                if (!comment_line(text, m, k, e)) {
                    break;
                }
                k = e;
            }
            if (k != mac[j].start) {
                break;
            }
            all &= mac[j].drop;
            j++;
        }
        /* the comment lines directly above the block */
        while (a > pos) {
            size_t s = a - 1;
            while (s > pos && m[s - 1] != '\n') {
                s--;
            }
            if (!comment_line(text, m, s, a)) {
                break;
            }
            a = s;
        }
        /* from the line where a comment starts (not the tail of one that
         * starts after code) */
        while (a < mac[i].start) {
            size_t k = a;
            while (text[k] == ' ' || text[k] == '\t') {
                k++;
            }
            if (text[k] == '/' && (text[k + 1] == '*' || text[k + 1] == '/')) {
                break;
            }
            a = line_after(m, n, a);
        }
        if (all) {
            sb_putn(out, text + pos, a - pos);
            pos = mac[j - 1].end;
            if (a >= 2 && text[a - 1] == '\n' && text[a - 2] == '\n' && pos < n &&
                text[pos] == '\n') {
                pos++; /* one blank line, not two */
            }
        } else {
            for (; i < j; i++) {
                if (mac[i].drop) {
                    sb_putn(out, text + pos, mac[i].start - pos);
                    pos = mac[i].end;
                }
            }
        }
        i = j;
    }
    sb_putn(out, text + pos, n - pos);
}

/* b without the macros nothing else in it uses (a macro used only by such
 * macros goes too). */
static int drop_macros_c(strbuf *b)
{
    char *m = mask_text(b->s != NULL ? b->s : "", b->len);
    ship_macro *mac = NULL;
    int nm = 0, i, changed = 1, any = 0;
    if (m == NULL || find_macros(m, b->len, &mac, &nm) != 0) {
        free(m);
        free(mac);
        return -1;
    }
    while (changed) {
        changed = 0;
        for (i = 0; i < nm; i++) {
            if (!mac[i].drop && count_id(m, b->len, mac[i].name, mac, nm, i) == 0) {
                mac[i].drop = 1;
                changed = 1;
                any = 1;
            }
        }
    }
    if (any) {
        strbuf nb;
        sb_init(&nb);
        put_without(&nb, b->s, m, b->len, mac, nm);
        sb_free(b);
        *b = nb;
    }
    free(m);
    free(mac);
    return 0;
}

/* One text to search for uses of a header's macros, masked. */
typedef struct {
    char *m;
    size_t n;
} ship_text;

static int add_text(ship_text *t, int *nt, const char *s, size_t n)
{
    t[*nt].m = mask_text(s != NULL ? s : "", s != NULL ? n : 0);
    t[*nt].n = s != NULL ? n : 0;
    if (t[*nt].m == NULL) {
        return -1;
    }
    (*nt)++;
    return 0;
}

/* A kernel's header (stoic_inline.h, STOIC_INLINE): stoic_X.h next to a
 * stoic_X.c. Its functions are scanned and shipped as a .c file's are. */
static int kernel_header(const char *name)
{
    char c[64];
    size_t l = strlen(name);
    unsigned u;
    if (l < 3 || l >= sizeof c || strcmp(name + l - 2, ".h") != 0) {
        return 0;
    }
    memcpy(c, name, l + 1);
    c[l - 1] = 'c';
    for (u = 0; u < stoic_embedded_count; u++) {
        if (strcmp(stoic_embedded_files[u].name, c) == 0) {
            return 1;
        }
    }
    return 0;
}

int ship_header(const char *name, const ship_file *files, int nf, const strbuf *const *gen,
                int ngen, strbuf *out, char *err, size_t errcap)
{
    const stoic_embedded_file *ef = stoic_embedded_find(name);
    char *m = NULL;
    ship_macro *mac = NULL;
    ship_text *t = NULL;
    int nm = 0, nt = 0, i, k, changed = 1, rc = 0;
    unsigned u;
    size_t n;
    sb_init(out);
    if (ef == NULL) {
        snprintf(err, errcap, "runtime file '%s' is not compiled in", name);
        return -1;
    }
    n = (size_t)ef->len;
    t = calloc(stoic_embedded_count + (size_t)nf + (size_t)ngen + 1, sizeof *t);
    m = mask_text((const char *)ef->data, n);
    if (t == NULL || m == NULL || find_macros(m, n, &mac, &nm) != 0) {
        rc = -1;
    }
    /* the other runtime headers (all of them, shipped or not; a kernel's
     * header only as shipped, among the files), the templates, the
     * shipped files, the generated texts */
    for (u = 0; u < stoic_embedded_count && rc == 0; u++) {
        const stoic_embedded_file *f = &stoic_embedded_files[u];
        size_t l = strlen(f->name);
        if ((strncmp(f->name, "stoic_", 6) == 0 && l > 2 && strcmp(f->name + l - 2, ".h") == 0 &&
             f != ef && !kernel_header(f->name)) ||
            (l > 5 && strcmp(f->name + l - 5, ".tmpl") == 0)) {
            rc = add_text(t, &nt, (const char *)f->data, (size_t)f->len);
        }
    }
    for (k = 0; k < nf && rc == 0; k++) {
        rc = add_text(t, &nt, files[k].text.s, files[k].text.len);
    }
    for (k = 0; k < ngen && rc == 0; k++) {
        rc = add_text(t, &nt, gen[k]->s, gen[k]->len);
    }
    /* a candidate (-1): used in none of them; it goes when this header
     * uses it only in other candidates that go */
    for (i = 0; i < nm && rc == 0; i++) {
        int other = 0;
        for (k = 0; k < nt && !other; k++) {
            other = count_id(t[k].m, t[k].n, mac[i].name, NULL, 0, -1) > 0;
        }
        mac[i].drop = other ? 0 : -1;
    }
    while (changed && rc == 0) {
        changed = 0;
        for (i = 0; i < nm; i++) {
            if (mac[i].drop == -1) {
                mac[i].drop = 0;
                if (count_id(m, n, mac[i].name, mac, nm, i) == 0) {
                    mac[i].drop = 1;
                    changed = 1;
                } else {
                    mac[i].drop = -1;
                }
            }
        }
    }
    for (i = 0; i < nm; i++) {
        mac[i].drop = mac[i].drop == 1;
    }
    if (rc == 0) {
        put_without(out, (const char *)ef->data, m, n, mac, nm);
        rc = out->oom ? -1 : 0;
    }
    if (rc != 0) {
        snprintf(err, errcap, "out of memory");
        sb_free(out);
    }
    for (k = 0; k < nt; k++) {
        free(t[k].m);
    }
    free(t);
    free(m);
    free(mac);
    return rc;
}

void ship_free(ship_file *f, int n)
{
    int i;
    for (i = 0; i < n; i++) {
        sb_free(&f[i].text);
    }
    free(f);
}

int ship_runtime(const char *const *run, int n_run, const char *const *wrap, int n_wrap,
                 const char *nofloat, ship_file **out, char *err, size_t errcap)
{
    ship_src *src = calloc(stoic_embedded_count + 1, sizeof *src);
    ship_def *defs = NULL;
    ship_file *files = NULL;
    int nsrc = 0, nd = 0, cap = 0, nf = 0, i, rc = 0;
    unsigned u;
    *out = NULL;
    if (src == NULL) {
        snprintf(err, errcap, "out of memory");
        return -1;
    }
    for (u = 0; u < stoic_embedded_count && rc == 0; u++) {
        const stoic_embedded_file *ef = &stoic_embedded_files[u];
        size_t l = strlen(ef->name);
        if (strncmp(ef->name, "stoic_", 6) != 0 || l < 3 ||
            (strcmp(ef->name + l - 2, ".c") != 0 && !kernel_header(ef->name))) {
            continue;
        }
        src[nsrc].ef = ef;
        src[nsrc].mask = mask_text((const char *)ef->data, (size_t)ef->len);
        if (src[nsrc].mask == NULL || scan_file(&src[nsrc], nsrc, &defs, &nd, &cap) != 0) {
            snprintf(err, errcap, "cannot scan runtime file '%s'", ef->name);
            rc = -1;
        }
        nsrc++;
    }
    if (rc == 0) {
        int r = closure(defs, nd, src, run, n_run, 0);
        if (r == 0) {
            r = closure(defs, nd, src, run, n_run, 1);
        }
        if (r == 0) {
            r = closure(defs, nd, src, wrap, n_wrap, 1);
        }
        if (r != 0) {
            snprintf(err, errcap, "a kernel of the model is not defined in the runtime");
            rc = -1;
        }
    }
    if (rc == 0) {
        files = calloc((size_t)nsrc + 1, sizeof *files);
        if (files == NULL) {
            snprintf(err, errcap, "out of memory");
            rc = -1;
        }
    }
    for (i = 0; i < nsrc && rc == 0; i++) {
        const char *text = (const char *)src[i].ef->data;
        size_t pos = 0;
        int j, any = 0, any_run = 0;
        strbuf *b;
        for (j = 0; j < nd; j++) {
            if (defs[j].file == i) {
                any |= defs[j].in_all;
                any_run |= defs[j].in_run;
            }
        }
        if (!any) {
            continue;
        }
        b = &files[nf].text;
        snprintf(files[nf].name, sizeof files[nf].name, "%s", src[i].ef->name);
        sb_init(b);
        nf++;
        if (nofloat != NULL && !any_run) {
            sb_printf(b, "/* stoic generate: only the float wrapper (NAME_run_float) uses this "
                         "file; it is not\n * compiled with %s. */\n#ifdef %s\n"
                         "#include \"stoic_rt.h\"\n#else\n", nofloat, nofloat);
        }
        for (j = 0; j < nd; j++) {
            if (defs[j].file != i) {
                continue;
            }
            if (!defs[j].in_all) {
                /* left out: not reached from NAME_run or NAME_run_float */
                sb_putn(b, text + pos, defs[j].start - pos);
                pos = defs[j].end;
            } else if (nofloat != NULL && any_run && !defs[j].in_run) {
                /* only the float wrapper reaches it */
                sb_putn(b, text + pos, defs[j].start - pos);
                sb_printf(b, "#ifndef %s\n", nofloat);
                sb_putn(b, text + defs[j].start, defs[j].end - defs[j].start);
                sb_printf(b, "#endif /* %s */\n", nofloat);
                pos = defs[j].end;
            }
        }
        sb_putn(b, text + pos, (size_t)src[i].ef->len - pos);
        if (nofloat != NULL && !any_run) {
            sb_printf(b, "#endif /* %s */\n", nofloat);
        }
        if (!b->oom && drop_macros_c(b) != 0) {
            b->oom = 1;
        }
        if (b->oom) {
            snprintf(err, errcap, "out of memory");
            rc = -1;
        }
    }
    for (i = 0; i < nsrc; i++) {
        free(src[i].mask);
    }
    free(src);
    free(defs);
    if (rc != 0) {
        ship_free(files, nf);
        return -1;
    }
    *out = files;
    return nf;
}

/* Diagnostics: one format, one place that escapes what an input put in a
 * message, one cap on how many are printed. */
#include "diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "strbuf.h"

size_t diag_escape(const char *s, char *out, size_t cap)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    size_t o = 0, back[4] = {0, 0, 0, 0};
    unsigned k = 0;
    if (cap == 0) {
        return 0;
    }
    while (*p != '\0') {
        uint32_t cp = 0;
        size_t u = *p >= 0x80U ? sb_utf8_len((const char *)p, &cp) : 0;
        if (cp >= 0x80U && cp <= 0x9FU) {
            u = 0; /* a C1 control: some terminals obey it like ESC */
        }
        size_t need = u > 0 ? u : (*p < 0x20U || *p >= 0x7FU || *p == '\\') ? 4 : 1;
        if (o + need + 1 > cap) {
            /* cut: step back over whole items until "..." fits (items are
             * at most 4 bytes, so the last 4 starts suffice) */
            unsigned j;
            for (j = 0; j < 4 && o + 4 > cap && o > 0; j++) {
                o = back[(k - 1U - j) & 3U];
            }
            if (o + 4 <= cap) {
                memcpy(out + o, "...", 3);
                o += 3;
            }
            break;
        }
        back[k & 3U] = o;
        k++;
        if (u > 0) {
            memcpy(out + o, p, u);
            p += u;
        } else if (need == 4) {
            out[o] = '\\';
            out[o + 1] = 'x';
            out[o + 2] = hex[*p >> 4];
            out[o + 3] = hex[*p & 15U];
            p++;
        } else {
            out[o] = (char)*p;
            p++;
        }
        o += need;
    }
    out[o] = '\0';
    return o;
}

/* Formats, escapes and prints one line to f. */
static void vline(FILE *f, const char *fmt, va_list ap)
{
    char raw[4096], safe[4 * 4096];
    (void)vsnprintf(raw, sizeof raw, fmt, ap);
    (void)diag_escape(raw, safe, sizeof safe);
    fputs(safe, f);
    fputc('\n', f);
}

static void line(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void line(FILE *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vline(f, fmt, ap);
    va_end(ap);
}

/* Prints "file:line: kind: message" unless the cap is reached. */
static int over_cap(diag *d)
{
    if (d->printed >= DIAG_MAX_PRINTED) {
        d->suppressed++;
        return 1;
    }
    d->printed++;
    return 0;
}

static void emit(diag *d, const char *file, long ln, const char *kind, const char *fmt,
                 va_list ap)
{
    char msg[4096];
    if (over_cap(d)) {
        return;
    }
    (void)vsnprintf(msg, sizeof msg, fmt, ap);
    if (file != NULL && ln > 0) {
        line(stderr, "%s:%ld: %s: %s", file, ln, kind, msg);
    } else if (file != NULL) {
        line(stderr, "%s: %s: %s", file, kind, msg);
    } else {
        line(stderr, "stoic: %s: %s", kind, msg);
    }
}

void diag_error(diag *d, const char *file, long ln, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emit(d, file, ln, "error", fmt, ap);
    va_end(ap);
    d->errors++;
}

void diag_warning(diag *d, const char *file, long ln, const char *fmt, ...)
{
    va_list ap;
    d->warnings++;
    if (!d->quiet) {
        va_start(ap, fmt);
        emit(d, file, ln, "warning", fmt, ap);
        va_end(ap);
    }
}

void diag_note(diag *d, const char *file, long ln, const char *fmt, ...)
{
    va_list ap;
    if (!d->quiet) {
        va_start(ap, fmt);
        emit(d, file, ln, "note", fmt, ap);
        va_end(ap);
    }
}

void diag_io(diag *d, const char *file, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emit(d, file, 0, "error", fmt, ap);
    va_end(ap);
    d->io_errors++;
}

void diag_error_line(diag *d, const char *fmt, ...)
{
    va_list ap;
    if (!over_cap(d)) {
        va_start(ap, fmt);
        vline(stderr, fmt, ap);
        va_end(ap);
    }
    d->errors++;
}

void diag_out(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vline(stdout, fmt, ap);
    va_end(ap);
}

void diag_err(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vline(stderr, fmt, ap);
    va_end(ap);
}

int diag_exit_code(const diag *d)
{
    if (d->io_errors > 0) {
        return STOIC_EXIT_IO;
    }
    if (d->errors > 0) {
        return STOIC_EXIT_INPUT;
    }
    return STOIC_EXIT_OK;
}

void diag_finish(const diag *d)
{
    if (d->suppressed > 0) {
        line(stderr, "stoic: note: %ld more diagnostics not shown (%d errors, %d warnings in all)",
             d->suppressed, d->errors + d->io_errors, d->warnings);
    }
}

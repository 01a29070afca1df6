#include "diag.h"

#include <stdarg.h>
#include <stdio.h>

static void emit(const char *file, long line, const char *kind,
                 const char *fmt, va_list ap)
{
    if (file != NULL && line > 0) {
        fprintf(stderr, "%s:%ld: %s: ", file, line, kind);
    } else if (file != NULL) {
        fprintf(stderr, "%s: %s: ", file, kind);
    } else {
        fprintf(stderr, "stoic: %s: ", kind);
    }
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void diag_error(diag *d, const char *file, long line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emit(file, line, "error", fmt, ap);
    va_end(ap);
    d->errors++;
}

void diag_warning(diag *d, const char *file, long line, const char *fmt, ...)
{
    va_list ap;
    d->warnings++;
    if (!d->quiet) {
        va_start(ap, fmt);
        emit(file, line, "warning", fmt, ap);
        va_end(ap);
    }
}

void diag_note(diag *d, const char *file, long line, const char *fmt, ...)
{
    va_list ap;
    if (!d->quiet) {
        va_start(ap, fmt);
        emit(file, line, "note", fmt, ap);
        va_end(ap);
    }
}

void diag_io(diag *d, const char *file, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emit(file, 0, "error", fmt, ap);
    va_end(ap);
    d->io_errors++;
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

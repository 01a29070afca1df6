/* Diagnostics in compiler format: "file:line: error: message".
 * Every message for the user goes through here, so the format is one. */
#ifndef STOIC_DIAG_H
#define STOIC_DIAG_H

/* Exit codes of bin/stoic (README "Exit codes"). ORDER EXIT: keep in sync. */
#define STOIC_EXIT_OK     0
#define STOIC_EXIT_INPUT  1   /* the model, a weight file or a data file is invalid */
#define STOIC_EXIT_USAGE  2   /* unknown command or option, missing argument */
#define STOIC_EXIT_IO     3   /* cannot write, out of memory, internal error */

typedef struct {
    int errors;       /* input errors reported */
    int io_errors;    /* I/O or internal errors reported */
    int warnings;
    int quiet;        /* suppress warnings and notes */
} diag;

/* line <= 0: no line ("file: error: ..."). */
void diag_error(diag *d, const char *file, long line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void diag_warning(diag *d, const char *file, long line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void diag_note(diag *d, const char *file, long line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* An I/O or internal failure (exit code 3). file may be NULL. */
void diag_io(diag *d, const char *file, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The exit code for what was reported so far. */
int diag_exit_code(const diag *d);

#endif

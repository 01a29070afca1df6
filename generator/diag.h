/* Diagnostics in compiler format: "file:line: error: message".
 * Every message for the user goes through here, so the format is one. */
#ifndef STOIC_DIAG_H
#define STOIC_DIAG_H

/* Exit codes of bin/stoic (README "Exit codes"). ORDER EXIT: keep in sync. */
#define STOIC_EXIT_OK     0
#define STOIC_EXIT_INPUT  1   /* the model, a weight file or a data file is invalid */
#define STOIC_EXIT_USAGE  2   /* unknown command or option, missing argument */
#define STOIC_EXIT_IO     3   /* cannot write, out of memory, internal error */

#include <stddef.h>
#include <stdint.h>

/* At most this many diagnostics are printed in a run; the rest are counted
 * and summed up by diag_finish (a file with 100,000 faults prints a page). */
#define DIAG_MAX_PRINTED 50

typedef struct {
    int errors;       /* input errors reported */
    int limits;       /* of them: a limit of stoic exceeded by a valid model (too large) */
    int io_errors;    /* I/O or internal errors reported */
    int warnings;
    int quiet;        /* suppress warnings and notes */
    int printed;      /* diagnostics printed so far */
    long suppressed;  /* diagnostics not printed: over DIAG_MAX_PRINTED */
} diag;

/* Every message printed by stoic goes through diag_escape: whatever an
 * input or a path put in it, the printed line has no control character
 * (bytes below 0x20, DEL, and C1 controls as UTF-8), no invalid UTF-8 and
 * no backslash that is not an escape: each such byte is written "\xHH".
 * So a name or path cannot forge a line (CI workflow commands such as
 * "::error", "##vso[...]") or send a terminal escape. Writes at most cap
 * bytes with the NUL ("..." marks a cut); returns the length. */
size_t diag_escape(const char *s, char *out, size_t cap);

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

/* An input error whose whole line, "file: byte N: error: ...", was
 * formatted by the caller (a reader that builds its own position). */
void diag_error_line(diag *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* One line of normal output (stdout) or of plain stderr text, escaped like
 * a diagnostic; the newline is added. */
void diag_out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void diag_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The exit code for what was reported so far. */
int diag_exit_code(const diag *d);
/* At the end of a run: says how many diagnostics the cap held back. */
void diag_finish(const diag *d);

#endif

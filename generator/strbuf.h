/* A growing text buffer for the emitters. An allocation failure is
 * remembered (oom) and checked once at the end. */
#ifndef STOIC_STRBUF_H
#define STOIC_STRBUF_H
#include <stddef.h>

typedef struct {
    char *s;
    size_t len, cap;
    int oom;
} strbuf;

void sb_init(strbuf *b);
void sb_free(strbuf *b);
void sb_putn(strbuf *b, const char *s, size_t n);
void sb_puts(strbuf *b, const char *s);
void sb_printf(strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* s as a JSON string literal, with quotes */
void sb_json_str(strbuf *b, const char *s);
/* A float as a C literal that reads back to the same float ("1.5F"),
 * STOIC_FLT_MAX for the open end of a clamp. */
void sb_c_float(strbuf *b, float v);
/* The same, always a numeric literal (for files without stoic_rt.h). */
void sb_c_float_lit(strbuf *b, float v);

#endif

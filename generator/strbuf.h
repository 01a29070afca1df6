/* A growing text buffer for the emitters. An allocation failure is
 * remembered (oom) and checked once at the end. */
#ifndef STOIC_STRBUF_H
#define STOIC_STRBUF_H
#include <stddef.h>
#include <stdint.h>

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
/* The length (1..4) of the well-formed UTF-8 character at s, its code
 * point in *cp; 0 at the end of s or where the bytes are not UTF-8. */
size_t sb_utf8_len(const char *s, uint32_t *cp);
/* s as a JSON string literal, with quotes: quote, backslash and control
 * characters (C0, DEL, C1, U+2028/9) escaped, bytes that are not UTF-8
 * written as U+FFFD. Anything from an input goes into JSON this way. */
void sb_json_str(strbuf *b, const char *s);
/* s as an XML attribute value, with quotes: & < > " ' and control
 * characters as character references; what XML 1.0 cannot hold (other
 * C0 controls, bytes that are not UTF-8) as U+FFFD. */
void sb_xml_attr(strbuf *b, const char *s);
/* A path reduced to a label safe in any comment (C, XML) and any log:
 * its base name, at most 64 characters of [A-Za-z0-9._-], every other
 * byte and the second of two '-' written '_'. Paths from the command
 * line or a model (model file, weight files, calibration data, policy)
 * appear in generated C and XML comments only so, beside their SHA-256. */
void sb_safe_label(strbuf *b, const char *path);
/* A float as a C literal that reads back to the same float ("1.5F"),
 * STOIC_FLT_MAX for the open end of a clamp. */
void sb_c_float(strbuf *b, float v);
/* The same, always a numeric literal (for files without stoic_rt.h). */
void sb_c_float_lit(strbuf *b, float v);

#endif

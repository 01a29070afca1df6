#include "strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stoic_rt_f32.h"

void sb_init(strbuf *b)
{
    memset(b, 0, sizeof *b);
}

void sb_free(strbuf *b)
{
    free(b->s);
    memset(b, 0, sizeof *b);
}

static int reserve(strbuf *b, size_t extra)
{
    size_t need = b->len + extra + 1, ncap;
    char *p;
    if (b->oom) {
        return -1;
    }
    if (need <= b->cap) {
        return 0;
    }
    ncap = b->cap > 0 ? b->cap : 256;
    while (ncap < need) {
        ncap *= 2;
    }
    p = realloc(b->s, ncap);
    if (p == NULL) {
        b->oom = 1;
        return -1;
    }
    b->s = p;
    b->cap = ncap;
    return 0;
}

void sb_putn(strbuf *b, const char *s, size_t n)
{
    if (reserve(b, n) == 0) {
        memcpy(b->s + b->len, s, n);
        b->len += n;
        b->s[b->len] = '\0';
    }
}

void sb_puts(strbuf *b, const char *s)
{
    sb_putn(b, s, strlen(s));
}

void sb_printf(strbuf *b, const char *fmt, ...)
{
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || reserve(b, (size_t)n) != 0) {
        b->oom = 1;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void sb_json_str(strbuf *b, const char *s)
{
    const unsigned char *p = (const unsigned char *)(s != NULL ? s : "");
    sb_putn(b, "\"", 1);
    for (; *p != '\0'; p++) {
        if (*p == '"' || *p == '\\') {
            sb_printf(b, "\\%c", *p);
        } else if (*p < 0x20) {
            sb_printf(b, "\\u%04x", (unsigned)*p);
        } else {
            sb_putn(b, (const char *)p, 1);
        }
    }
    sb_putn(b, "\"", 1);
}

void sb_c_float(strbuf *b, float v)
{
    if (v >= STOIC_FLT_MAX) {
        sb_puts(b, "STOIC_FLT_MAX");
    } else if (v <= -STOIC_FLT_MAX) {
        sb_puts(b, "-STOIC_FLT_MAX");
    } else {
        sb_c_float_lit(b, v);
    }
}

void sb_c_float_lit(strbuf *b, float v)
{
    char buf[48];
    snprintf(buf, sizeof buf, "%.9g", (double)v);
    sb_puts(b, buf);
    if (strpbrk(buf, ".e") == NULL) {
        sb_puts(b, ".0");
    }
    sb_puts(b, "F");
}

#include "strbuf.h"

#include <stdarg.h>
#include <stdint.h>
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

size_t sb_utf8_len(const char *str, uint32_t *cp)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t n, i;
    uint32_t c;
    if (s[0] < 0x80U) {
        *cp = s[0];
        return s[0] != 0U ? 1 : 0;
    }
    if (s[0] >= 0xC2U && s[0] <= 0xDFU) {
        n = 2;
        c = s[0] & 0x1FU;
    } else if (s[0] >= 0xE0U && s[0] <= 0xEFU) {
        n = 3;
        c = s[0] & 0x0FU;
    } else if (s[0] >= 0xF0U && s[0] <= 0xF4U) {
        n = 4;
        c = s[0] & 0x07U;
    } else {
        return 0;
    }
    for (i = 1; i < n; i++) {
        if ((s[i] & 0xC0U) != 0x80U) {
            return 0;
        }
        c = (c << 6) | (s[i] & 0x3FU);
    }
    if ((n == 3 && c < 0x800U) || (n == 4 && (c < 0x10000U || c > 0x10FFFFU)) ||
        (c >= 0xD800U && c <= 0xDFFFU)) {
        return 0;
    }
    *cp = c;
    return n;
}

void sb_json_str(strbuf *b, const char *s)
{
    const char *p = s != NULL ? s : "";
    sb_putn(b, "\"", 1);
    while (*p != '\0') {
        uint32_t cp = 0;
        size_t n = sb_utf8_len(p, &cp);
        if (n == 0) { /* not UTF-8: JSON text must be */
            sb_puts(b, "\\ufffd");
            p++;
        } else if (cp == '"' || cp == '\\') {
            sb_printf(b, "\\%c", (char)cp);
            p++;
        } else if (cp < 0x20U || (cp >= 0x7FU && cp <= 0x9FU) || cp == 0x2028U ||
                   cp == 0x2029U) {
            sb_printf(b, "\\u%04x", (unsigned)cp);
            p += n;
        } else {
            sb_putn(b, p, n);
            p += n;
        }
    }
    sb_putn(b, "\"", 1);
}

void sb_xml_attr(strbuf *b, const char *s)
{
    const char *p = s != NULL ? s : "";
    sb_putn(b, "\"", 1);
    while (*p != '\0') {
        uint32_t cp = 0;
        size_t n = sb_utf8_len(p, &cp);
        if (n == 0 || (cp < 0x20U && cp != 0x9U && cp != 0xAU && cp != 0xDU) ||
            cp == 0xFFFEU || cp == 0xFFFFU) {
            sb_puts(b, "&#xfffd;"); /* not a character XML 1.0 can hold */
            p += n > 0 ? n : 1;
        } else if (cp < 0x20U || cp == '&' || cp == '<' || cp == '>' || cp == '"' ||
                   cp == '\'') {
            sb_printf(b, "&#x%x;", (unsigned)cp);
            p += n;
        } else {
            sb_putn(b, p, n);
            p += n;
        }
    }
    sb_putn(b, "\"", 1);
}

void sb_safe_label(strbuf *b, const char *path)
{
    const char *base = strrchr(path, '/');
    size_t i, n = 0;
    char prev = '\0';
    base = base != NULL ? base + 1 : path;
    for (i = 0; base[i] != '\0' && n < 64; i++) {
        char c = base[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || (c == '-' && prev != '-'))) {
            c = '_';
        }
        sb_putn(b, &c, 1);
        prev = c;
        n++;
    }
    if (n == 0) {
        sb_putn(b, "_", 1);
    }
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

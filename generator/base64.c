/* Base64, RFC 4648 section 4 (standard alphabet, '=' padding). */
#include "base64.h"

#include <stdlib.h>

static const char ALPHABET[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* 0..63 for alphabet characters, 64 for '=', 65 for whitespace, 66 otherwise */
#define V_PAD 64
#define V_WS 65
#define V_BAD 66

static unsigned value_of(unsigned char ch)
{
    if (ch >= 'A' && ch <= 'Z') {
        return (unsigned)(ch - 'A');
    }
    if (ch >= 'a' && ch <= 'z') {
        return (unsigned)(ch - 'a') + 26u;
    }
    if (ch >= '0' && ch <= '9') {
        return (unsigned)(ch - '0') + 52u;
    }
    switch (ch) {
    case '+': return 62u;
    case '/': return 63u;
    case '=': return V_PAD;
    case ' ': case '\t': case '\r': case '\n': return V_WS;
    default: return V_BAD;
    }
}

static int fail(size_t off, size_t *err_off, uint8_t **out, size_t *out_len)
{
    if (err_off != NULL) {
        *err_off = off;
    }
    *out = NULL;
    *out_len = 0;
    return -1;
}

int base64_decode(const char *src, size_t len, uint8_t **out, size_t *out_len,
                  size_t *err_off)
{
    size_t i, nsym = 0, npad = 0, first_pad = 0, o = 0, max_out;
    unsigned quad[4];
    unsigned q = 0;
    uint8_t *buf;

    /* Pass 1: validate, count symbols. Padding may only appear as the last
     * one or two symbols of the whole input. */
    for (i = 0; i < len; i++) {
        unsigned v = value_of((unsigned char)src[i]);
        if (v == V_WS) {
            continue;
        }
        if (v == V_BAD) {
            return fail(i, err_off, out, out_len);
        }
        if (v == V_PAD) {
            /* '=' can only be the 3rd or 4th symbol of a quantum; this also
             * rejects a third '=' and "xxx==" (second '=' at position 1). */
            if (nsym % 4 < 2) {
                return fail(i, err_off, out, out_len);
            }
            if (npad == 0) {
                first_pad = i;
            }
            npad++;
        } else if (npad > 0) {
            /* data after padding: the padding was in the middle */
            return fail(first_pad, err_off, out, out_len);
        }
        nsym++;
    }
    if (nsym % 4 != 0) {
        return fail(len, err_off, out, out_len);
    }
    max_out = nsym / 4 * 3;
    *out_len = max_out - npad;
    if (*out_len == 0) {
        *out = NULL;
        return 0;
    }
    buf = (uint8_t *)malloc(max_out);
    if (buf == NULL) {
        return fail(0, err_off, out, out_len);
    }
    for (i = 0; i < len; i++) {
        unsigned v = value_of((unsigned char)src[i]);
        if (v == V_WS) {
            continue;
        }
        quad[q++] = v == V_PAD ? 0u : v;
        if (q == 4) {
            uint32_t bits = ((uint32_t)quad[0] << 18) | ((uint32_t)quad[1] << 12) |
                            ((uint32_t)quad[2] << 6) | (uint32_t)quad[3];
            buf[o++] = (uint8_t)(bits >> 16);
            buf[o++] = (uint8_t)(bits >> 8);
            buf[o++] = (uint8_t)bits;
            q = 0;
        }
    }
    *out = buf;
    return 0;
}

char *base64_encode(const uint8_t *data, size_t n)
{
    size_t groups = n / 3 + (n % 3 != 0), i, o = 0;
    char *s;

    if (groups > ((size_t)-1 - 1) / 4) {
        return NULL;
    }
    s = (char *)malloc(groups * 4 + 1);
    if (s == NULL) {
        return NULL;
    }
    for (i = 0; i + 3 <= n; i += 3) {
        uint32_t bits = ((uint32_t)data[i] << 16) | ((uint32_t)data[i + 1] << 8) |
                        (uint32_t)data[i + 2];
        s[o++] = ALPHABET[(bits >> 18) & 63u];
        s[o++] = ALPHABET[(bits >> 12) & 63u];
        s[o++] = ALPHABET[(bits >> 6) & 63u];
        s[o++] = ALPHABET[bits & 63u];
    }
    if (n - i == 1) {
        uint32_t bits = (uint32_t)data[i] << 16;
        s[o++] = ALPHABET[(bits >> 18) & 63u];
        s[o++] = ALPHABET[(bits >> 12) & 63u];
        s[o++] = '=';
        s[o++] = '=';
    } else if (n - i == 2) {
        uint32_t bits = ((uint32_t)data[i] << 16) | ((uint32_t)data[i + 1] << 8);
        s[o++] = ALPHABET[(bits >> 18) & 63u];
        s[o++] = ALPHABET[(bits >> 12) & 63u];
        s[o++] = ALPHABET[(bits >> 6) & 63u];
        s[o++] = '=';
    }
    s[o] = '\0';
    return s;
}

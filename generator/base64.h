/* Base64 (RFC 4648, standard alphabet, '=' padding) decoding of inline weights. */
#ifndef STOIC_BASE64_H
#define STOIC_BASE64_H
#include <stddef.h>
#include <stdint.h>

/* Decodes src[0..len); ASCII whitespace anywhere is skipped.
 * On success returns 0 and sets *out (malloc'd, caller frees; may be NULL when
 * *out_len is 0) and *out_len. On a bad character, bad padding or a length
 * that is not a multiple of 4 returns -1, sets *err_off to the offset in src
 * of the offending character (len for a bad length) and *out to NULL. */
int base64_decode(const char *src, size_t len, uint8_t **out, size_t *out_len,
                  size_t *err_off);
/* Encodes n bytes; returns a malloc'd NUL-terminated string (NULL on OOM). */
char *base64_encode(const uint8_t *data, size_t n);

#endif

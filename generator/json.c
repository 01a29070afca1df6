/* json: see json.h. A recursive-descent reader whose depth is capped at
 * JSON_MAX_DEPTH, so a hostile file cannot exhaust the stack. */
#include "json.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

typedef struct {
    const char *s;
    size_t len, i;
    long line;
    char *err;
    size_t cap;
    int failed;
} reader;

static void fail(reader *r, const char *what)
{
    if (!r->failed) {
        snprintf(r->err, r->cap, "%s", what);
        r->failed = 1;
    }
}

static void skip_ws(reader *r)
{
    while (r->i < r->len) {
        char c = r->s[r->i];
        if (c == '\n') {
            r->line++;
        } else if (c != ' ' && c != '\t' && c != '\r') {
            break;
        }
        r->i++;
    }
}

static json *new_value(reader *r, json_kind k)
{
    json *v = calloc(1, sizeof *v);
    if (v == NULL) {
        fail(r, "out of memory");
        return NULL;
    }
    v->kind = k;
    v->line = r->line;
    return v;
}

static int hex4(reader *r, uint32_t *out)
{
    uint32_t v = 0;
    int k;
    if (r->i + 4 > r->len) {
        return -1;
    }
    for (k = 0; k < 4; k++) {
        char c = r->s[r->i + (size_t)k];
        v <<= 4;
        if (c >= '0' && c <= '9') {
            v |= (uint32_t)(c - '0');
        } else if (c >= 'a' && c <= 'f') {
            v |= (uint32_t)(c - 'a' + 10);
        } else if (c >= 'A' && c <= 'F') {
            v |= (uint32_t)(c - 'A' + 10);
        } else {
            return -1;
        }
    }
    r->i += 4;
    *out = v;
    return 0;
}

static void put_utf8(strbuf *b, uint32_t cp)
{
    char u[4];
    if (cp == 0 || (cp >= 0xD800U && cp <= 0xDFFFU) || cp > 0x10FFFFU) {
        cp = 0xFFFDU;
    }
    if (cp < 0x80U) {
        u[0] = (char)cp;
        sb_putn(b, u, 1);
    } else if (cp < 0x800U) {
        u[0] = (char)(0xC0U | (cp >> 6));
        u[1] = (char)(0x80U | (cp & 0x3FU));
        sb_putn(b, u, 2);
    } else if (cp < 0x10000U) {
        u[0] = (char)(0xE0U | (cp >> 12));
        u[1] = (char)(0x80U | ((cp >> 6) & 0x3FU));
        u[2] = (char)(0x80U | (cp & 0x3FU));
        sb_putn(b, u, 3);
    } else {
        u[0] = (char)(0xF0U | (cp >> 18));
        u[1] = (char)(0x80U | ((cp >> 12) & 0x3FU));
        u[2] = (char)(0x80U | ((cp >> 6) & 0x3FU));
        u[3] = (char)(0x80U | (cp & 0x3FU));
        sb_putn(b, u, 4);
    }
}

/* A string at r->i (the opening quote), decoded; NULL on a fault. */
static char *read_string(reader *r)
{
    strbuf b;
    sb_init(&b);
    r->i++;
    for (;;) {
        unsigned char c;
        if (r->i >= r->len) {
            fail(r, "unterminated string");
            break;
        }
        c = (unsigned char)r->s[r->i];
        if (c == '"') {
            r->i++;
            sb_puts(&b, ""); /* an empty string still gets a buffer */
            if (b.oom) {
                fail(r, "out of memory");
                break;
            }
            return b.s;
        }
        if (c < 0x20U) {
            fail(r, "control character in a string");
            break;
        }
        if (c == '\\') {
            char e;
            r->i++;
            e = r->i < r->len ? r->s[r->i] : '\0';
            r->i++;
            if (e == 'u') {
                uint32_t cp, lo;
                if (hex4(r, &cp) != 0) {
                    fail(r, "bad \\u escape");
                    break;
                }
                if (cp >= 0xD800U && cp <= 0xDBFFU && r->i + 6 <= r->len &&
                    r->s[r->i] == '\\' && r->s[r->i + 1] == 'u') {
                    size_t at = r->i;
                    r->i += 2;
                    if (hex4(r, &lo) == 0 && lo >= 0xDC00U && lo <= 0xDFFFU) {
                        cp = 0x10000U + ((cp - 0xD800U) << 10) + (lo - 0xDC00U);
                    } else {
                        r->i = at;
                    }
                }
                put_utf8(&b, cp);
            } else {
                const char *from = "\"\\/bfnrt", *to = "\"\\/\b\f\n\r\t";
                const char *p = e != '\0' ? strchr(from, e) : NULL;
                if (p == NULL) {
                    fail(r, "bad escape in a string");
                    break;
                }
                sb_putn(&b, &to[p - from], 1);
            }
        } else {
            uint32_t cp;
            size_t n = sb_utf8_len(r->s + r->i, &cp);
            if (n == 0 || r->i + n > r->len) {
                fail(r, "a string that is not UTF-8");
                break;
            }
            sb_putn(&b, r->s + r->i, n);
            r->i += n;
        }
    }
    sb_free(&b);
    return NULL;
}

static json *read_value(reader *r, int depth);

static int append(reader *r, json *v, json *item, char *key)
{
    json **ni;
    char **nk = NULL;
    ni = realloc(v->item, (size_t)(v->n + 1) * sizeof *ni);
    if (ni == NULL) {
        fail(r, "out of memory");
        return -1;
    }
    v->item = ni;
    if (v->kind == JSON_OBJECT) {
        nk = realloc(v->key, (size_t)(v->n + 1) * sizeof *nk);
        if (nk == NULL) {
            fail(r, "out of memory");
            return -1;
        }
        v->key = nk;
        nk[v->n] = key;
    }
    ni[v->n] = item;
    v->n++;
    return 0;
}

static json *read_container(reader *r, int depth)
{
    int obj = r->s[r->i] == '{';
    json *v = new_value(r, obj ? JSON_OBJECT : JSON_ARRAY);
    char close = obj ? '}' : ']';
    if (v == NULL) {
        return NULL;
    }
    r->i++;
    skip_ws(r);
    if (r->i < r->len && r->s[r->i] == close) {
        r->i++;
        return v;
    }
    for (;;) {
        char *key = NULL;
        json *item;
        skip_ws(r);
        if (obj) {
            if (r->i >= r->len || r->s[r->i] != '"') {
                fail(r, "expected a member name (a string)");
                break;
            }
            key = read_string(r);
            if (key == NULL) {
                break;
            }
            skip_ws(r);
            if (r->i >= r->len || r->s[r->i] != ':') {
                free(key);
                fail(r, "expected ':' after a member name");
                break;
            }
            r->i++;
        }
        item = read_value(r, depth + 1);
        if (item == NULL || append(r, v, item, key) != 0) {
            json_free(item);
            free(key);
            break;
        }
        skip_ws(r);
        if (r->i < r->len && r->s[r->i] == ',') {
            r->i++;
            continue;
        }
        if (r->i < r->len && r->s[r->i] == close) {
            r->i++;
            return v;
        }
        fail(r, obj ? "expected ',' or '}'" : "expected ',' or ']'");
        break;
    }
    json_free(v);
    return NULL;
}

static json *read_number(reader *r)
{
    size_t s = r->i, k;
    json *v;
    char buf[64];
    char *end = NULL;
    if (r->i < r->len && r->s[r->i] == '-') {
        r->i++;
    }
    if (r->i < r->len && r->s[r->i] == '0') {
        r->i++;
    } else if (r->i < r->len && r->s[r->i] >= '1' && r->s[r->i] <= '9') {
        while (r->i < r->len && r->s[r->i] >= '0' && r->s[r->i] <= '9') {
            r->i++;
        }
    } else {
        fail(r, "expected a value");
        return NULL;
    }
    if (r->i < r->len && r->s[r->i] == '.') {
        r->i++;
        k = r->i;
        while (r->i < r->len && r->s[r->i] >= '0' && r->s[r->i] <= '9') {
            r->i++;
        }
        if (k == r->i) {
            fail(r, "a digit must follow '.'");
            return NULL;
        }
    }
    if (r->i < r->len && (r->s[r->i] == 'e' || r->s[r->i] == 'E')) {
        r->i++;
        if (r->i < r->len && (r->s[r->i] == '+' || r->s[r->i] == '-')) {
            r->i++;
        }
        k = r->i;
        while (r->i < r->len && r->s[r->i] >= '0' && r->s[r->i] <= '9') {
            r->i++;
        }
        if (k == r->i) {
            fail(r, "a digit must follow the exponent");
            return NULL;
        }
    }
    if (r->i - s >= sizeof buf) {
        fail(r, "a number of more than 63 characters");
        return NULL;
    }
    memcpy(buf, r->s + s, r->i - s);
    buf[r->i - s] = '\0';
    v = new_value(r, JSON_NUMBER);
    if (v == NULL) {
        return NULL;
    }
    errno = 0;
    v->num = strtod(buf, &end);
    v->str = malloc(strlen(buf) + 1);
    if (v->str == NULL) {
        fail(r, "out of memory");
        json_free(v);
        return NULL;
    }
    strcpy(v->str, buf);
    if (!isfinite(v->num)) {
        fail(r, "a number out of range");
        json_free(v);
        return NULL;
    }
    return v;
}

static json *read_value(reader *r, int depth)
{
    static const char *const words[3] = { "null", "false", "true" };
    int k;
    skip_ws(r);
    if (depth > JSON_MAX_DEPTH) {
        fail(r, "nested deeper than 64 levels");
        return NULL;
    }
    if (r->i >= r->len) {
        fail(r, "unexpected end of the text");
        return NULL;
    }
    switch (r->s[r->i]) {
    case '{':
    case '[':
        return read_container(r, depth);
    case '"': {
        json *v = new_value(r, JSON_STRING);
        if (v != NULL) {
            v->str = read_string(r);
            if (v->str == NULL) {
                json_free(v);
                v = NULL;
            }
        }
        return v;
    }
    default:
        break;
    }
    for (k = 0; k < 3; k++) {
        size_t n = strlen(words[k]);
        if (r->len - r->i >= n && memcmp(r->s + r->i, words[k], n) == 0) {
            r->i += n;
            return new_value(r, (json_kind)k);
        }
    }
    return read_number(r);
}

json *json_parse(const char *text, size_t len, long *line, char *err, size_t cap)
{
    reader r;
    json *v;
    memset(&r, 0, sizeof r);
    r.s = text;
    r.len = len;
    r.line = 1;
    r.err = err;
    r.cap = cap;
    if (cap > 0) {
        err[0] = '\0';
    }
    v = read_value(&r, 0);
    if (v != NULL) {
        skip_ws(&r);
        if (r.i < r.len) {
            fail(&r, "text after the value");
            json_free(v);
            v = NULL;
        }
    }
    *line = r.line;
    return v;
}

void json_free(json *v)
{
    int k;
    if (v == NULL) {
        return;
    }
    for (k = 0; k < v->n; k++) {
        json_free(v->item[k]);
        if (v->key != NULL) {
            free(v->key[k]);
        }
    }
    free(v->item);
    free(v->key);
    free(v->str);
    free(v);
}

const json *json_get(const json *v, const char *key)
{
    int k;
    if (v == NULL || v->kind != JSON_OBJECT) {
        return NULL;
    }
    for (k = 0; k < v->n; k++) {
        if (strcmp(v->key[k], key) == 0) {
            return v->item[k];
        }
    }
    return NULL;
}

const json *json_at(const json *v, int i)
{
    if (v == NULL || v->kind != JSON_ARRAY || i < 0 || i >= v->n) {
        return NULL;
    }
    return v->item[i];
}

const char *json_str(const json *v, const char *def)
{
    return v != NULL && v->kind == JSON_STRING ? v->str : def;
}

double json_num(const json *v, double def)
{
    return v != NULL && v->kind == JSON_NUMBER ? v->num : def;
}

int json_len(const json *v)
{
    return v != NULL && v->kind == JSON_ARRAY ? v->n : 0;
}

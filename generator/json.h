/* A small JSON reader (RFC 8259) for the audit report: stoic report reads
 * NAME_report.json and the JSON results of stoic check and MISRA; generate
 * renders NAME_timing.md and NAME_report.html from the report it just wrote,
 * so every figure in them is one the report holds.
 *
 * Strict: one value, no trailing text, no comments, no NaN; strings must be
 * UTF-8 (a \u0000 or a lone surrogate becomes U+FFFD, so every string is a
 * NUL-terminated UTF-8 C string); nesting at most JSON_MAX_DEPTH. Objects
 * keep their members in order (a repeated key: the first one is found). */
#ifndef STOIC_JSON_H
#define STOIC_JSON_H

#include <stddef.h>

#define JSON_MAX_DEPTH 64

typedef enum { JSON_NULL = 0, JSON_FALSE, JSON_TRUE, JSON_NUMBER, JSON_STRING, JSON_ARRAY,
               JSON_OBJECT } json_kind;

typedef struct json json;
struct json {
    json_kind kind;
    double num;     /* JSON_NUMBER */
    char *str;      /* JSON_STRING: the decoded text; JSON_NUMBER: as written */
    json **item;    /* JSON_ARRAY, JSON_OBJECT: n values */
    char **key;     /* JSON_OBJECT: n keys */
    int n;
    long line;      /* where the value starts */
};

/* Parses text[0..len). NULL on a syntax error or out of memory: then *line
 * is the line of the fault and err (cap bytes) says what it is. */
json *json_parse(const char *text, size_t len, long *line, char *err, size_t cap);
void json_free(json *v);

/* Member `key` of an object (NULL when v is not an object or has none). */
const json *json_get(const json *v, const char *key);
/* Item i of an array, or NULL. */
const json *json_at(const json *v, int i);
/* The string of a JSON_STRING, else def. */
const char *json_str(const json *v, const char *def);
/* The number of a JSON_NUMBER, else def. */
double json_num(const json *v, double def);
/* Array length (0 when v is not an array). */
int json_len(const json *v);

#endif

/* libclang loaded on demand for stoic check (clang_dl.c). */
#ifndef STOIC_CLANG_DL_H
#define STOIC_CLANG_DL_H

#include <stddef.h>

/* Loads libclang and every function check.c calls; 0, or -1 with the
 * reason in err. Idempotent. */
int clang_dl_load(char *err, size_t n);

#endif

/* stoic check OUTDIR: the property checker on libclang (README "stoic check"). */
#ifndef STOIC_CHECK_H
#define STOIC_CHECK_H

#include "diag.h"

/* Parses every .c file of outdir, builds the whole-program call graph from
 * the entry points (NAME_run, NAME_run_float) and checks the rules of
 * README "stoic check". Findings on stderr in GCC format and, when json is
 * not NULL, as JSON in that file. Returns the exit code: 0 clean, 1 on a
 * finding, 3 when outdir cannot be read or json cannot be written. With
 * library != 0 (--library: a directory of kernels such as runtime/), every
 * external function is an entry point, an integer one when nothing it takes
 * or returns is floating point. */
int check_outdir(const char *dirpath, const char *json, int quiet, int library);

#endif

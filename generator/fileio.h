/* Whole-file reading with a size cap, and atomic writing (temp + rename). */
#ifndef STOIC_FILEIO_H
#define STOIC_FILEIO_H
#include <stddef.h>

/* Reads all of path, at most max_bytes. Returns 0 and a malloc'd buffer
 * (with one extra NUL byte after *len bytes), -1 when it cannot be read
 * (errno set), -2 when it is larger than max_bytes. */
int fileio_read_all(const char *path, size_t max_bytes, char **buf, size_t *len);
/* The same from an open descriptor (not closed). */
int fileio_read_fd(int fd, size_t max_bytes, char **buf, size_t *len);

/* Writes data to "<path>.tmp.<pid>" and renames it onto path. On failure
 * nothing is left behind and path is untouched; returns 0 or -1 (errno). */
int fileio_write_atomic(const char *path, const void *data, size_t n);

/* Staged output set: files are written to temporary names as they are
 * added; commit renames them all into place; abort removes them. So a run
 * that fails before commit leaves the output directory as it was. */
typedef struct fileio_stage fileio_stage;
fileio_stage *fileio_stage_new(void);
int fileio_stage_add(fileio_stage *s, const char *path, const void *data, size_t n);
int fileio_stage_commit(fileio_stage *s); /* frees s; 0 or -1 */
void fileio_stage_abort(fileio_stage *s); /* frees s */

#endif

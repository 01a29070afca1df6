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

/* Writes data to a new temporary file "<path>.tmp.XXXXXX" (mkstemp: never
 * a planted file or link) and renames it onto path. On failure nothing is
 * left behind and path is untouched; returns 0 or -1 (errno). */
int fileio_write_atomic(const char *path, const void *data, size_t n);

/* Creates name in the directory dirfd with data: O_CREAT | O_EXCL |
 * O_NOFOLLOW (an existing file or link there is an error, never followed
 * or truncated). 0, or -1 with errno and nothing left. */
int fileio_write_new(int dirfd, const char *name, const void *data, size_t n);

/* Removal on signals: fileio_cleanup_install sets handlers for SIGINT,
 * SIGTERM, SIGHUP and SIGPIPE that remove every path pushed and not yet
 * released (newest first), then end the process with the signal. push
 * returns a mark (or -1, errno); release(mark) forgets the entries from
 * mark on, once they are committed or removed. The temporary files of
 * fileio_write_atomic and of a stage are registered so. */
void fileio_cleanup_install(void);
int fileio_cleanup_push(const char *path, int is_dir);
void fileio_cleanup_release(int mark);
/* hold blocks those signals, resume delivers what arrived meanwhile:
 * around the creation of a file or directory and the push of its path, so
 * that a signal never finds a created path not yet registered (found by
 * tests/atomic: a SIGTERM between mkdtemp and the push left the staging
 * directory). Not nested. */
void fileio_cleanup_hold(void);
void fileio_cleanup_resume(void);

/* Staged output set beside other files (stoic import's MODEL.xml and
 * MODEL.bin): files are written to temporary names as they are added;
 * commit renames them all into place, putting the replaced files back if
 * a rename fails (all new or all old); abort removes them. So a run that
 * fails before commit leaves the directory as it was. */
typedef struct fileio_stage fileio_stage;
fileio_stage *fileio_stage_new(void);
int fileio_stage_add(fileio_stage *s, const char *path, const void *data, size_t n);
int fileio_stage_commit(fileio_stage *s); /* frees s; 0 or -1 */
void fileio_stage_abort(fileio_stage *s); /* frees s */

#endif

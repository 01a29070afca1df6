/* The output directory of `stoic generate` as one transaction.
 *
 * OUTDIR is either exactly as it was before the run, or exactly the
 * complete output of the run, at every instant, even if the generator is
 * killed (SIGKILL included), a rename fails or the disk fills up:
 *
 *   begin   resolve OUTDIR (a symbolic link to a directory is followed);
 *           take an exclusive lock (flock on PARENT/.BASE.stoic-lock): a
 *           second stoic writing the same OUTDIR is refused at once;
 *           remove what a killed earlier run left beside OUTDIR; refuse an
 *           OUTDIR that holds anything stoic did not write (a file not
 *           listed in its SHA256SUMS, a subdirectory, or any file when
 *           there is no SHA256SUMS); make a fresh private staging
 *           directory PARENT/.BASE.stoic-XXXXXX (mkdtemp).
 *   add     write one file into the staging directory (O_CREAT | O_EXCL |
 *           O_NOFOLLOW: nothing planted there can be followed).
 *   commit  write SHA256SUMS (sha256sum -c format, every file but itself),
 *           then swap the staging directory in with one atomic rename:
 *           renameat2(RENAME_EXCHANGE) with an existing OUTDIR,
 *           RENAME_NOREPLACE without one; then remove the old directory
 *           and the lock file. Where the file system cannot exchange, two
 *           renames with the old directory put back if the second fails
 *           (only a kill between the two can then leave OUTDIR missing,
 *           with its old contents beside it).
 *   abort   remove the staging directory and the lock file.
 *
 * SIGINT, SIGTERM, SIGHUP and SIGPIPE remove the staging directory and the
 * lock file (fileio_cleanup_*), then end the process with the signal. So
 * OUTDIR holds exactly what one run produced: files of an earlier build
 * with another precision or model are gone, and two concurrent runs cannot
 * mix their files. */
#ifndef STOIC_OUTDIR_H
#define STOIC_OUTDIR_H

#include <stddef.h>

#include "diag.h"

/* The manifest every output directory holds. */
#define OUTDIR_MANIFEST "SHA256SUMS"

typedef struct outdir outdir;

/* NULL after reporting (exit code 3: cannot write the output). */
outdir *outdir_begin(const char *path, diag *d);
/* Writes name (a plain file name) into the staging directory. 0, or -1
 * after reporting. */
int outdir_add(outdir *o, const char *name, const void *data, size_t n, diag *d);
/* The i-th file staged so far (in the order added): its name, SHA-256
 * (hex) and size. 0, or -1 when there is no such file. */
int outdir_staged(const outdir *o, size_t i, const char **name, const char **sha256,
                  size_t *bytes);
/* Makes the staged files OUTDIR; frees o. 0, or -1 after reporting (then
 * OUTDIR is as before). */
int outdir_commit(outdir *o, diag *d);
/* Drops the staged files; frees o. NULL is ignored. */
void outdir_abort(outdir *o);

#endif

/* The output directory as one transaction (outdir.h). */
#define _GNU_SOURCE /* renameat2, RENAME_EXCHANGE, RENAME_NOREPLACE */
#include "outdir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "sha256.h"
#include "strbuf.h"

typedef struct {
    char *name;
    char sha256[65];
    size_t bytes;
} out_file;

struct outdir {
    char *path;    /* OUTDIR as given (for messages) */
    char *target;  /* canonical OUTDIR */
    char *parent;  /* its canonical parent directory */
    char *base;    /* its last component */
    char *lock;    /* PARENT/.BASE.stoic-lock */
    char *stage;   /* PARENT/.BASE.stoic-XXXXXX */
    int lock_fd;
    int stage_fd;
    int mark;      /* fileio cleanup entries from here on are ours */
    out_file *files;
    size_t n, cap;
};

static char *cat3(const char *a, const char *b, const char *c)
{
    size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
    char *p = malloc(la + lb + lc + 1);
    if (p != NULL) {
        memcpy(p, a, la);
        memcpy(p + la, b, lb);
        memcpy(p + la + lb, c, lc + 1);
    }
    return p;
}

static char *dup_str(const char *s)
{
    return cat3(s, "", "");
}

/* OUTDIR made canonical: an existing OUTDIR (or link to one) by realpath;
 * a new one as realpath(its parent) + "/" + its last component. */
static int resolve(outdir *o, diag *d)
{
    char *p = dup_str(o->path), *slash, *real = NULL;
    size_t n;
    struct stat st;
    int rc = -1;
    if (p == NULL) {
        diag_io(d, NULL, "out of memory");
        return -1;
    }
    n = strlen(p);
    while (n > 1 && p[n - 1] == '/') {
        p[--n] = '\0';
    }
    if (stat(p, &st) == 0) {
        if (!S_ISDIR(st.st_mode)) {
            diag_io(d, o->path, "not a directory");
        } else if ((real = realpath(p, NULL)) == NULL) {
            diag_io(d, o->path, "cannot resolve the output directory: %s", strerror(errno));
        } else {
            o->target = real;
            rc = 0;
        }
    } else if (errno != ENOENT) {
        diag_io(d, o->path, "cannot use the output directory: %s", strerror(errno));
    } else {
        const char *base;
        slash = strrchr(p, '/');
        base = slash != NULL ? slash + 1 : p;
        if (slash != NULL) {
            *slash = '\0';
        }
        real = realpath(slash == NULL ? "." : (slash == p ? "/" : p), NULL);
        if (strcmp(base, ".") == 0 || strcmp(base, "..") == 0 || base[0] == '\0') {
            diag_io(d, o->path, "not a name for a new output directory");
        } else if (real == NULL) {
            diag_io(d, o->path, "cannot create the output directory: its parent: %s",
                    strerror(errno));
        } else {
            o->target = cat3(real, strcmp(real, "/") == 0 ? "" : "/", base);
            rc = o->target != NULL ? 0 : -1;
        }
        free(real);
    }
    free(p);
    if (rc == 0) {
        slash = strrchr(o->target, '/');
        if (slash == NULL || slash[1] == '\0' || strcmp(o->target, "/") == 0) {
            diag_io(d, o->path, "the root directory cannot be the output directory");
            return -1;
        }
        o->base = dup_str(slash + 1);
        o->parent = slash == o->target ? dup_str("/") : NULL;
        if (o->parent == NULL && slash != o->target) {
            *slash = '\0';
            o->parent = dup_str(o->target);
            *slash = '/';
        }
        if (o->base == NULL || o->parent == NULL) {
            diag_io(d, NULL, "out of memory");
            rc = -1;
        }
    }
    return rc;
}

/* flock on PARENT/.BASE.stoic-lock, made or reused; the file is removed
 * again at the end (after checking, under the lock, that the path still
 * names the file locked: another run may have removed and remade it). */
static int take_lock(outdir *o, diag *d)
{
    int tries;
    o->lock = cat3(o->parent, strcmp(o->parent, "/") == 0 ? "." : "/.", o->base);
    if (o->lock != NULL) {
        char *l = cat3(o->lock, ".stoic-lock", "");
        free(o->lock);
        o->lock = l;
    }
    if (o->lock == NULL) {
        diag_io(d, NULL, "out of memory");
        return -1;
    }
    for (tries = 0; tries < 10; tries++) {
        struct stat a, b;
        int fd = open(o->lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0) {
            diag_io(d, o->lock, "cannot make the lock file of the output directory: %s",
                    strerror(errno));
            return -1;
        }
        if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
            int e = errno;
            close(fd);
            if (e == EWOULDBLOCK) {
                diag_io(d, o->path, "another stoic is writing this output directory (lock %s); "
                        "nothing written", o->lock);
            } else {
                diag_io(d, o->lock, "cannot lock: %s", strerror(e));
            }
            return -1;
        }
        if (fstat(fd, &a) == 0 && lstat(o->lock, &b) == 0 && a.st_dev == b.st_dev &&
            a.st_ino == b.st_ino) {
            o->lock_fd = fd;
            return 0;
        }
        close(fd); /* removed by its holder meanwhile: take the new one */
    }
    diag_io(d, o->lock, "cannot lock: the lock file keeps changing");
    return -1;
}

static void drop_lock(outdir *o)
{
    if (o->lock_fd >= 0) {
        (void)unlink(o->lock);
        close(o->lock_fd);
        o->lock_fd = -1;
    }
}

/* Removes the plain files of dir and dir itself (stoic writes no
 * subdirectories). */
static void remove_tree(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    DIR *dp = fd >= 0 ? fdopendir(fd) : NULL;
    struct dirent *e;
    if (dp == NULL) {
        if (fd >= 0) {
            close(fd);
        }
        (void)unlink(dir); /* not a directory (or gone) */
        return;
    }
    while ((e = readdir(dp)) != NULL) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            (void)unlinkat(fd, e->d_name, 0);
        }
    }
    closedir(dp);
    (void)rmdir(dir);
}

/* Under the lock nobody else writes beside OUTDIR: what a killed run left
 * there (staging directories, old directories of a swap) is removed; an
 * old OUTDIR found only beside it (a kill between the two renames of the
 * fallback swap) is put back first. */
static void clean_leftovers(outdir *o)
{
    DIR *dp = opendir(o->parent);
    struct dirent *e;
    char *prefix = cat3(".", o->base, ".stoic-");
    size_t pl = prefix != NULL ? strlen(prefix) : 0;
    struct stat st;
    int have = stat(o->target, &st) == 0;
    if (dp == NULL || prefix == NULL) {
        free(prefix);
        if (dp != NULL) {
            closedir(dp);
        }
        return;
    }
    while ((e = readdir(dp)) != NULL) {
        if (strncmp(e->d_name, prefix, pl) == 0 && strcmp(e->d_name + pl, "lock") != 0) {
            char *p = cat3(o->parent, "/", e->d_name);
            if (p != NULL) {
                size_t l = strlen(e->d_name);
                if (!have && l > 4 && strcmp(e->d_name + l - 4, ".old") == 0 &&
                    rename(p, o->target) == 0) {
                    have = 1; /* the old OUTDIR, put back */
                } else {
                    remove_tree(p);
                }
                free(p);
            }
        }
    }
    closedir(dp);
    free(prefix);
}

/* The names a SHA256SUMS lists (malloc'd, one string "\nname\nname\n"). */
static char *manifest_names(const char *dir)
{
    char *path = cat3(dir, "/", OUTDIR_MANIFEST), *buf = NULL, *line;
    size_t len = 0;
    strbuf names;
    sb_init(&names);
    sb_puts(&names, "\n");
    if (path == NULL || fileio_read_all(path, 1 << 20, &buf, &len) != 0) {
        free(path);
        sb_free(&names);
        return NULL;
    }
    for (line = buf; line != NULL && *line != '\0';) {
        char *nl = strchr(line, '\n');
        if (nl != NULL) {
            *nl = '\0';
        }
        if (strlen(line) > 66 && line[64] == ' ' && line[65] == ' ') {
            sb_puts(&names, line + 66);
            sb_puts(&names, "\n");
        }
        line = nl != NULL ? nl + 1 : NULL;
    }
    free(buf);
    free(path);
    return names.s;
}

/* An existing OUTDIR must hold only what stoic wrote: every entry a plain
 * file listed in its SHA256SUMS (or SHA256SUMS itself). */
static int check_foreign(outdir *o, diag *d)
{
    DIR *dp = opendir(o->target);
    struct dirent *e;
    char *names;
    int n_foreign = 0;
    strbuf foreign;
    if (dp == NULL) {
        if (errno == ENOENT) {
            return 0;
        }
        diag_io(d, o->path, "cannot read the output directory: %s", strerror(errno));
        return -1;
    }
    names = manifest_names(o->target);
    sb_init(&foreign);
    while ((e = readdir(dp)) != NULL) {
        char key[300];
        struct stat st;
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
            continue;
        }
        snprintf(key, sizeof key, "\n%.280s\n", e->d_name);
        if (strcmp(e->d_name, OUTDIR_MANIFEST) == 0 && names != NULL) {
            continue;
        }
        if (names != NULL && strstr(names, key) != NULL &&
            fstatat(dirfd(dp), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
            S_ISREG(st.st_mode)) {
            continue;
        }
        if (n_foreign < 5) {
            sb_puts(&foreign, n_foreign > 0 ? "', '" : "'");
            sb_puts(&foreign, e->d_name);
        }
        n_foreign++;
    }
    closedir(dp);
    free(names);
    if (n_foreign > 0) {
        sb_puts(&foreign, "'");
        diag_io(d, o->path, "the output directory holds %d entr%s stoic did not write (%s%s); "
                "stoic replaces the whole directory, so it takes a new or empty directory or "
                "one it generated (with its %s): nothing written", n_foreign,
                n_foreign == 1 ? "y" : "ies", foreign.s != NULL ? foreign.s : "",
                n_foreign > 5 ? ", ..." : "", OUTDIR_MANIFEST);
    }
    sb_free(&foreign);
    return n_foreign > 0 ? -1 : 0;
}

outdir *outdir_begin(const char *path, diag *d)
{
    outdir *o = calloc(1, sizeof *o);
    char *tmpl;
    int mark_stage;
    if (o == NULL || (o->path = dup_str(path)) == NULL) {
        free(o);
        diag_io(d, NULL, "out of memory");
        return NULL;
    }
    o->lock_fd = -1;
    o->stage_fd = -1;
    o->mark = -1;
    fileio_cleanup_install();
    if (resolve(o, d) != 0) {
        outdir_abort(o);
        return NULL;
    }
    fileio_cleanup_hold(); /* the lock file is registered as soon as it exists */
    if (take_lock(o, d) != 0) {
        fileio_cleanup_resume();
        outdir_abort(o);
        return NULL;
    }
    o->mark = fileio_cleanup_push(o->lock, 0);
    fileio_cleanup_resume();
    clean_leftovers(o);
    if (o->mark < 0 || check_foreign(o, d) != 0) {
        if (o->mark < 0) {
            diag_io(d, NULL, "out of memory");
        }
        outdir_abort(o);
        return NULL;
    }
    tmpl = cat3(o->parent, strcmp(o->parent, "/") == 0 ? "." : "/.", o->base);
    o->stage = tmpl != NULL ? cat3(tmpl, ".stoic-", "XXXXXX") : NULL;
    free(tmpl);
    fileio_cleanup_hold(); /* the staging directory is registered as soon as it exists */
    if (o->stage == NULL || mkdtemp(o->stage) == NULL) {
        int e = errno;
        fileio_cleanup_resume();
        diag_io(d, o->path, "cannot make a staging directory beside the output directory: %s",
                o->stage != NULL ? strerror(e) : "out of memory");
        free(o->stage);
        o->stage = NULL;
        outdir_abort(o);
        return NULL;
    }
    mark_stage = fileio_cleanup_push(o->stage, 1);
    fileio_cleanup_resume();
    if (mark_stage < 0 ||
        (o->stage_fd = open(o->stage, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
        diag_io(d, o->stage, "cannot use the staging directory: %s", strerror(errno));
        outdir_abort(o);
        return NULL;
    }
    return o;
}

int outdir_add(outdir *o, const char *name, const void *data, size_t n, diag *d)
{
    char *p;
    if (strchr(name, '/') != NULL || strcmp(name, OUTDIR_MANIFEST) == 0 || name[0] == '.') {
        diag_io(d, name, "internal error: not a name for a generated file");
        return -1;
    }
    if (o->n == o->cap) {
        size_t nc = o->cap > 0 ? 2 * o->cap : 16;
        out_file *f = realloc(o->files, nc * sizeof *f);
        if (f == NULL) {
            diag_io(d, NULL, "out of memory");
            return -1;
        }
        o->files = f;
        o->cap = nc;
    }
    p = cat3(o->stage, "/", name);
    if (p == NULL || fileio_cleanup_push(p, 0) < 0 ||
        (o->files[o->n].name = dup_str(name)) == NULL) {
        free(p);
        diag_io(d, NULL, "out of memory");
        return -1;
    }
    free(p);
    sha256_hex(data, n, o->files[o->n].sha256);
    o->files[o->n].bytes = n;
    o->n++;
    if (fileio_write_new(o->stage_fd, name, data, n) != 0) {
        diag_io(d, o->path, "cannot write %s: %s", name, strerror(errno));
        return -1;
    }
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const out_file *)a)->name, ((const out_file *)b)->name);
}

/* The swap: rename the staging directory to OUTDIR in one step. Returns 0
 * with *old the path of the replaced directory (malloc'd, NULL if there
 * was none), or -1 with errno and OUTDIR as before. */
static int swap_in(outdir *o, char **old)
{
    struct stat st;
    *old = NULL;
    if (stat(o->target, &st) != 0) {
        if (renameat2(AT_FDCWD, o->stage, AT_FDCWD, o->target, RENAME_NOREPLACE) == 0) {
            return 0;
        }
        if (errno != EINVAL && errno != ENOSYS) {
            return -1;
        }
        return rename(o->stage, o->target); /* no NOREPLACE here; we hold the lock */
    }
    if (renameat2(AT_FDCWD, o->stage, AT_FDCWD, o->target, RENAME_EXCHANGE) == 0) {
        *old = dup_str(o->stage); /* the old OUTDIR is now at the staging path */
        return 0;
    }
    if (errno != EINVAL && errno != ENOSYS) {
        return -1;
    }
    /* No exchange on this file system: two renames, undone on failure. */
    *old = cat3(o->stage, ".old", "");
    if (*old == NULL) {
        errno = ENOMEM;
        return -1;
    }
    if (rename(o->target, *old) != 0) {
        int e = errno;
        free(*old);
        *old = NULL;
        errno = e;
        return -1;
    }
    if (rename(o->stage, o->target) != 0) {
        int e = errno;
        (void)rename(*old, o->target);
        free(*old);
        *old = NULL;
        errno = e;
        return -1;
    }
    return 0;
}

int outdir_commit(outdir *o, diag *d)
{
    strbuf m;
    size_t i;
    char *old = NULL, *mp;
    int rc = 0;
    mode_t um = umask(0);
    (void)umask(um);
    qsort(o->files, o->n, sizeof *o->files, by_name);
    sb_init(&m);
    for (i = 0; i < o->n; i++) {
        sb_printf(&m, "%s  %s\n", o->files[i].sha256, o->files[i].name);
    }
    mp = cat3(o->stage, "/", OUTDIR_MANIFEST);
    if (m.oom || mp == NULL || fileio_cleanup_push(mp, 0) < 0) {
        diag_io(d, NULL, "out of memory");
        rc = -1;
    } else if (fileio_write_new(o->stage_fd, OUTDIR_MANIFEST, m.s != NULL ? m.s : "", m.len) !=
               0) {
        diag_io(d, o->path, "cannot write %s: %s", OUTDIR_MANIFEST, strerror(errno));
        rc = -1;
    } else if (fchmod(o->stage_fd, (mode_t)(0777 & ~um)) != 0) {
        diag_io(d, o->path, "cannot set the mode of the output directory: %s", strerror(errno));
        rc = -1;
    }
    free(mp);
    sb_free(&m);
    /* Signals held from the swap until the old files are gone: a SIGTERM
     * between the swap and the removal left the old output beside OUTDIR
     * (the kill test hit it on a loaded machine); it is delivered after. */
    fileio_cleanup_hold();
    if (rc == 0 && swap_in(o, &old) != 0) {
        int e = errno;
        diag_io(d, o->path, "cannot move the generated files into place: %s (the output "
                "directory is as it was)", strerror(e));
        rc = -1;
    }
    if (rc != 0) {
        outdir_abort(o);
        fileio_cleanup_resume();
        return -1;
    }
    /* Committed: from here a signal must not remove the new OUTDIR's files
     * (they are no longer at the staging path), only the lock. */
    fileio_cleanup_release(o->mark + 1);
    if (old != NULL) {
        remove_tree(old);
        free(old);
    }
    free(o->stage);
    o->stage = NULL;
    outdir_abort(o); /* frees; only the lock is left to drop */
    fileio_cleanup_resume();
    return 0;
}

void outdir_abort(outdir *o)
{
    size_t i;
    if (o == NULL) {
        return;
    }
    if (o->stage_fd >= 0) {
        close(o->stage_fd);
    }
    if (o->stage != NULL) {
        remove_tree(o->stage);
    }
    drop_lock(o);
    if (o->mark >= 0) {
        fileio_cleanup_release(o->mark);
    }
    for (i = 0; i < o->n; i++) {
        free(o->files[i].name);
    }
    free(o->files);
    free(o->path);
    free(o->target);
    free(o->parent);
    free(o->base);
    free(o->lock);
    free(o->stage);
    free(o);
}

int outdir_staged(const outdir *o, size_t i, const char **name, const char **sha256,
                  size_t *bytes)
{
    if (o == NULL || i >= o->n) {
        return -1;
    }
    *name = o->files[i].name;
    *sha256 = o->files[i].sha256;
    *bytes = o->files[i].bytes;
    return 0;
}

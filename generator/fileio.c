/* Whole-file reading with a cap; atomic and staged writing (temp + rename). */
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

int fileio_read_all(const char *path, size_t max_bytes, char **buf, size_t *len)
{
    int fd, rc, e;
    *buf = NULL;
    *len = 0;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return -1;
    }
    rc = fileio_read_fd(fd, max_bytes, buf, len);
    e = errno;
    close(fd);
    errno = e;
    return rc;
}

int fileio_read_fd(int fd, size_t max_bytes, char **buf, size_t *len)
{
    struct stat st;
    char *p = NULL;
    size_t cap, used = 0;
    int e;

    *buf = NULL;
    *len = 0;
    if (fstat(fd, &st) != 0) {
        return -1;
    }
    if (S_ISDIR(st.st_mode)) {
        errno = EISDIR;
        return -1;
    }
    if (S_ISREG(st.st_mode) && st.st_size >= 0 &&
        (uintmax_t)st.st_size > (uintmax_t)max_bytes) {
        return -2;
    }
    /* The size is only a hint (the file may change, or not be regular):
     * read until EOF, never keeping more than max_bytes + 1 bytes. */
    cap = S_ISREG(st.st_mode) ? (size_t)st.st_size + 1 : 4096;
    if (max_bytes < SIZE_MAX && cap > max_bytes + 1) {
        cap = max_bytes + 1;
    }
    for (;;) {
        ssize_t r;
        if (p == NULL || used == cap) {
            char *q;
            if (p != NULL) {
                /* here used == cap <= max_bytes */
                size_t limit = max_bytes < SIZE_MAX ? max_bytes + 1 : SIZE_MAX;
                cap = cap <= limit / 2 ? cap * 2 : limit;
                if (cap == used) {
                    errno = ENOMEM;
                    goto fail;
                }
            }
            q = (char *)realloc(p, cap);
            if (q == NULL) {
                errno = ENOMEM;
                goto fail;
            }
            p = q;
        }
        r = read(fd, p + used, cap - used);
        if (r < 0) {
            if (errno == EINTR) {
                continue;
            }
            goto fail;
        }
        if (r == 0) {
            break;
        }
        used += (size_t)r;
        if (used > max_bytes) {
            free(p);
            return -2;
        }
    }
    if (used == cap) {
        char *q = (char *)realloc(p, cap + 1);
        if (q == NULL) {
            free(p);
            errno = ENOMEM;
            return -1;
        }
        p = q;
    }
    p[used] = '\0';
    *buf = p;
    *len = used;
    return 0;

fail:
    e = errno;
    free(p);
    errno = e;
    return -1;
}

/* ---- removal on signals ---------------------------------------------- */

/* Files and directories this process has created and not yet committed:
 * a signal handler removes them (newest first, so files go before their
 * directory) and ends the process with the same signal. Only
 * async-signal-safe calls in the handler (unlink, rmdir, signal, raise). */
#define CLEANUP_MAX 1024
static char *volatile cleanup_path[CLEANUP_MAX];
static volatile sig_atomic_t cleanup_dir[CLEANUP_MAX];
static volatile sig_atomic_t cleanup_n;

static void on_signal(int sig)
{
    sig_atomic_t i;
    for (i = cleanup_n; i > 0; i--) {
        char *p = cleanup_path[i - 1];
        if (p != NULL) {
            if (cleanup_dir[i - 1]) {
                (void)rmdir(p);
            } else {
                (void)unlink(p);
            }
        }
    }
    (void)signal(sig, SIG_DFL);
    (void)raise(sig);
}

void fileio_cleanup_install(void)
{
    static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };
    size_t k;
    for (k = 0; k < sizeof sigs / sizeof sigs[0]; k++) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sigfillset(&sa.sa_mask); /* one cleanup at a time */
        (void)sigaction(sigs[k], &sa, NULL);
    }
}

static sigset_t held_mask;

void fileio_cleanup_hold(void)
{
    sigset_t set;
    (void)sigemptyset(&set);
    (void)sigaddset(&set, SIGINT);
    (void)sigaddset(&set, SIGTERM);
    (void)sigaddset(&set, SIGHUP);
    (void)sigaddset(&set, SIGPIPE);
    (void)sigprocmask(SIG_BLOCK, &set, &held_mask);
}

void fileio_cleanup_resume(void)
{
    (void)sigprocmask(SIG_SETMASK, &held_mask, NULL);
}

int fileio_cleanup_push(const char *path, int is_dir)
{
    size_t n = strlen(path) + 1;
    char *p;
    sig_atomic_t k = cleanup_n;
    if (k >= CLEANUP_MAX || (p = (char *)malloc(n)) == NULL) {
        errno = ENOMEM;
        return -1;
    }
    memcpy(p, path, n);
    cleanup_dir[k] = is_dir;
    cleanup_path[k] = p;
    cleanup_n = k + 1; /* published last: the handler sees complete entries */
    return (int)k;
}

void fileio_cleanup_release(int mark)
{
    while (mark >= 0 && cleanup_n > mark) {
        sig_atomic_t k = cleanup_n - 1;
        char *p = cleanup_path[k];
        cleanup_n = k; /* unpublished first */
        cleanup_path[k] = NULL;
        free(p);
    }
}

/* ---- writing ----------------------------------------------------------- */

static mode_t file_mode(void)
{
    static int done;
    static mode_t mode;
    if (!done) {
        mode_t m = umask(0);
        (void)umask(m);
        mode = (mode_t)(0666 & ~m);
        done = 1;
    }
    return mode;
}

/* Writes all n bytes to fd and closes it; 0, or -1 with errno (fd closed
 * either way). */
static int write_all_close(int fd, const void *data, size_t n)
{
    const char *p = (const char *)data;
    int e;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) {
                continue;
            }
            e = errno;
            close(fd);
            errno = e;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return close(fd);
}

/* Creates a new temporary file "<path>.tmp.XXXXXX" (mkstemp: a fresh,
 * unpredictable name opened with O_CREAT | O_EXCL, so a planted file or
 * symbolic link is never followed or truncated), registered for removal
 * on signals, with data written and the mode a plain creat would give.
 * Returns the malloc'd name, or NULL with errno (nothing left behind). */
static char *write_temp(const char *path, const void *data, size_t n)
{
    size_t len = strlen(path) + 16;
    char *t = (char *)malloc(len);
    int fd, e, mark;
    if (t == NULL) {
        errno = ENOMEM;
        return NULL;
    }
    snprintf(t, len, "%s.tmp.XXXXXX", path);
    fileio_cleanup_hold();
    fd = mkstemp(t);
    if (fd < 0) {
        e = errno;
        fileio_cleanup_resume();
        free(t);
        errno = e;
        return NULL;
    }
    mark = fileio_cleanup_push(t, 0);
    fileio_cleanup_resume();
    if (mark < 0 || fchmod(fd, file_mode()) != 0) {
        e = errno;
        close(fd);
        errno = e;
    } else if (write_all_close(fd, data, n) == 0) {
        return t;
    }
    e = errno;
    unlink(t);
    fileio_cleanup_release(mark);
    free(t);
    errno = e;
    return NULL;
}

int fileio_write_new(int dirfd, const char *name, const void *data, size_t n)
{
    int fd, e;
    fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, file_mode());
    if (fd < 0) {
        return -1;
    }
    if (write_all_close(fd, data, n) != 0) {
        e = errno;
        (void)unlinkat(dirfd, name, 0);
        errno = e;
        return -1;
    }
    return 0;
}

int fileio_write_atomic(const char *path, const void *data, size_t n)
{
    int mark = (int)cleanup_n;
    char *tmp = write_temp(path, data, n);
    int e;

    if (tmp == NULL) {
        return -1;
    }
    if (rename(tmp, path) != 0) {
        e = errno;
        unlink(tmp);
        fileio_cleanup_release(mark);
        free(tmp);
        errno = e;
        return -1;
    }
    fileio_cleanup_release(mark);
    free(tmp);
    return 0;
}

typedef struct {
    char *path;
    char *tmp;
    char *backup; /* a hard link to the file path replaces, or NULL */
} staged_file;

struct fileio_stage {
    staged_file *files;
    size_t n, cap;
    int mark; /* cleanup entries from here on are this stage's */
};

fileio_stage *fileio_stage_new(void)
{
    fileio_stage *s = (fileio_stage *)calloc(1, sizeof *s);
    if (s == NULL) {
        errno = ENOMEM;
    } else {
        s->mark = (int)cleanup_n;
    }
    return s;
}

static char *dup_string(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = (char *)malloc(n);
    if (d != NULL) {
        memcpy(d, s, n);
    }
    return d;
}

int fileio_stage_add(fileio_stage *s, const char *path, const void *data, size_t n)
{
    staged_file f;
    size_t i;

    if (s == NULL || path == NULL) {
        errno = EINVAL;
        return -1;
    }
    for (i = 0; i < s->n; i++) {
        if (strcmp(s->files[i].path, path) == 0) {
            errno = EEXIST;
            return -1;
        }
    }
    if (s->n == s->cap) {
        size_t ncap = s->cap ? s->cap * 2 : 8;
        staged_file *nf = (staged_file *)realloc(s->files, ncap * sizeof *nf);
        if (nf == NULL) {
            errno = ENOMEM;
            return -1;
        }
        s->files = nf;
        s->cap = ncap;
    }
    f.backup = NULL;
    f.path = dup_string(path);
    if (f.path == NULL) {
        errno = ENOMEM;
        return -1;
    }
    f.tmp = write_temp(path, data, n);
    if (f.tmp == NULL) {
        int e = errno;
        free(f.path);
        errno = e;
        return -1;
    }
    s->files[s->n++] = f;
    return 0;
}

static void stage_free(fileio_stage *s)
{
    size_t i;
    fileio_cleanup_release(s->mark);
    for (i = 0; i < s->n; i++) {
        free(s->files[i].path);
        free(s->files[i].tmp);
        free(s->files[i].backup);
    }
    free(s->files);
    free(s);
}

/* Keeps the file at path reachable under a new name "<path>.tmp.XXXXXX"
 * (a hard link), so a failed commit can put it back. 0 when there is no
 * file at path (nothing to keep) or it was linked; -1 with errno. */
static int keep_old(staged_file *f)
{
    struct stat st;
    size_t len = strlen(f->path) + 16;
    int tries;
    if (lstat(f->path, &st) != 0) {
        return errno == ENOENT ? 0 : -1;
    }
    f->backup = (char *)malloc(len);
    if (f->backup == NULL) {
        errno = ENOMEM;
        return -1;
    }
    for (tries = 0; tries < 100; tries++) {
        char *t = f->tmp + strlen(f->tmp) - 6; /* the stage's own random suffix, varied */
        snprintf(f->backup, len, "%s.tmp.%.5s%c", f->path, t, (char)('a' + tries % 26));
        int r;
        fileio_cleanup_hold();
        r = link(f->path, f->backup);
        if (r == 0) {
            r = fileio_cleanup_push(f->backup, 0) < 0 ? -1 : 0;
            fileio_cleanup_resume();
            return r;
        }
        r = errno;
        fileio_cleanup_resume();
        errno = r;
        if (r != EEXIST) {
            break;
        }
    }
    free(f->backup);
    f->backup = NULL;
    return -1;
}

int fileio_stage_commit(fileio_stage *s)
{
    size_t i, done = 0;
    int rc = 0, e = 0;

    if (s == NULL) {
        errno = EINVAL;
        return -1;
    }
    /* Keep the files about to be replaced; rename the new ones in; on a
     * failure put the old ones back, so the set is all new or all old. */
    for (i = 0; i < s->n && rc == 0; i++) {
        if (keep_old(&s->files[i]) != 0) {
            rc = -1;
            e = errno;
        }
    }
    for (i = 0; i < s->n && rc == 0; i++) {
        if (rename(s->files[i].tmp, s->files[i].path) != 0) {
            rc = -1;
            e = errno;
        } else {
            done = i + 1;
        }
    }
    for (i = 0; i < s->n; i++) {
        staged_file *f = &s->files[i];
        if (rc != 0 && i < done) { /* undo: the old file back, or none */
            if (f->backup != NULL) {
                (void)rename(f->backup, f->path);
            } else {
                (void)unlink(f->path);
            }
        } else if (rc != 0) {
            (void)unlink(f->tmp);
        }
        if (f->backup != NULL) {
            (void)unlink(f->backup);
        }
    }
    stage_free(s);
    if (rc != 0) {
        errno = e;
    }
    return rc;
}

void fileio_stage_abort(fileio_stage *s)
{
    size_t i;
    int e = errno;

    if (s == NULL) {
        return;
    }
    for (i = 0; i < s->n; i++) {
        unlink(s->files[i].tmp);
    }
    stage_free(s);
    errno = e;
}

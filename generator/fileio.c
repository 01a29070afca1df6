/* Whole-file reading with a cap; atomic and staged writing (temp + rename). */
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
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

/* "<path>.tmp.<pid>", malloc'd; NULL with errno ENOMEM. */
static char *temp_name(const char *path)
{
    size_t n = strlen(path) + 32;
    char *t = (char *)malloc(n);
    if (t == NULL) {
        errno = ENOMEM;
        return NULL;
    }
    snprintf(t, n, "%s.tmp.%ld", path, (long)getpid());
    return t;
}

/* Writes data to tmp (created or truncated). On failure removes tmp and
 * returns -1 with errno from the first failing call. */
static int write_file(const char *tmp, const void *data, size_t n)
{
    const char *p = (const char *)data;
    int fd, e;

    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0666);
    if (fd < 0) {
        return -1;
    }
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) {
                continue;
            }
            goto fail;
        }
        p += w;
        n -= (size_t)w;
    }
    if (close(fd) != 0) {
        fd = -1;
        goto fail;
    }
    return 0;

fail:
    e = errno;
    if (fd >= 0) {
        close(fd);
    }
    unlink(tmp);
    errno = e;
    return -1;
}

int fileio_write_atomic(const char *path, const void *data, size_t n)
{
    char *tmp = temp_name(path);
    int e;

    if (tmp == NULL) {
        return -1;
    }
    if (write_file(tmp, data, n) != 0) {
        goto fail;
    }
    if (rename(tmp, path) != 0) {
        e = errno;
        unlink(tmp);
        errno = e;
        goto fail;
    }
    free(tmp);
    return 0;

fail:
    e = errno;
    free(tmp);
    errno = e;
    return -1;
}

typedef struct {
    char *path;
    char *tmp;
} staged_file;

struct fileio_stage {
    staged_file *files;
    size_t n, cap;
};

fileio_stage *fileio_stage_new(void)
{
    fileio_stage *s = (fileio_stage *)calloc(1, sizeof *s);
    if (s == NULL) {
        errno = ENOMEM;
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
    int e;

    if (s == NULL || path == NULL) {
        errno = EINVAL;
        return -1;
    }
    /* The same path twice would share one temp name: refuse. */
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
    f.path = dup_string(path);
    f.tmp = temp_name(path);
    if (f.path == NULL || f.tmp == NULL) {
        free(f.path);
        free(f.tmp);
        errno = ENOMEM;
        return -1;
    }
    if (write_file(f.tmp, data, n) != 0) {
        e = errno;
        free(f.path);
        free(f.tmp);
        errno = e;
        return -1;
    }
    s->files[s->n++] = f;
    return 0;
}

static void stage_free(fileio_stage *s)
{
    size_t i;
    for (i = 0; i < s->n; i++) {
        free(s->files[i].path);
        free(s->files[i].tmp);
    }
    free(s->files);
    free(s);
}

int fileio_stage_commit(fileio_stage *s)
{
    size_t i;
    int rc = 0, e = 0;

    if (s == NULL) {
        errno = EINVAL;
        return -1;
    }
    /* On a failed rename the files not yet renamed are removed; the ones
     * already renamed stay (a rename cannot be undone). */
    for (i = 0; i < s->n; i++) {
        if (rc == 0 && rename(s->files[i].tmp, s->files[i].path) != 0) {
            rc = -1;
            e = errno;
        }
        if (rc != 0) {
            unlink(s->files[i].tmp);
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

/* Shared by the libFuzzer harnesses (tests/fuzz/fuzz_*.c); included once
 * per harness.
 *
 * The generator's loaders take paths, so each harness writes its input into
 * a private directory made by mkdtemp (under /dev/shm when it exists: no
 * disk traffic) and removed at exit. Reading is confined to that directory:
 * the harnesses link with -Wl,--wrap=fileio_read_all, and the wrapper below
 * refuses (EACCES) every path that does not resolve inside it -- a fuzzed
 * model's src="/dev/zero" or src="../../x" reads nothing outside. */
#ifndef STOIC_FUZZ_COMMON_H
#define STOIC_FUZZ_COMMON_H

#include <dirent.h>
#include <stdarg.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "fileio.h"

/* The harness's own messages: stderr as it was before libFuzzer's
 * -close_fd_mask closed it (fz_tmpdir, called from every
 * LLVMFuzzerInitialize, keeps a copy), so a failed check says which. */
static int fz_msg_fd = 2;

__attribute__((noreturn, format(printf, 1, 2), unused)) static void fz_fail(const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(msg, sizeof msg - 1, fmt, ap);
    va_end(ap);
    if (n < 0) {
        n = 0;
    } else if (n > (int)sizeof msg - 2) {
        n = (int)sizeof msg - 2;
    }
    msg[n++] = '\n';
    if (write(fz_msg_fd, msg, (size_t)n) < 0) {
        /* nothing more to do */
    }
    abort();
}

static char fz_dir[PATH_MAX];
static size_t fz_dir_len;

static void fz_rmtree(const char *path)
{
    DIR *dir = opendir(path);
    struct dirent *e;
    char sub[PATH_MAX];
    if (dir == NULL) {
        (void)unlink(path);
        return;
    }
    while ((e = readdir(dir)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
            continue;
        }
        snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
        if (unlink(sub) != 0) {
            fz_rmtree(sub);
        }
    }
    closedir(dir);
    (void)rmdir(path);
}

static void fz_cleanup(void)
{
    if (fz_dir_len > 0) {
        fz_rmtree(fz_dir);
    }
}

/* A harness that crashed (libFuzzer ends the process without exit
 * handlers) leaves its directory behind: directories of processes that no
 * longer exist are removed when the next harness starts. */
static void fz_remove_stale(const char *base)
{
    DIR *dir = opendir(base);
    struct dirent *e;
    char sub[PATH_MAX];
    if (dir == NULL) {
        return;
    }
    while ((e = readdir(dir)) != NULL) {
        long pid;
        char rest[16];
        if (sscanf(e->d_name, "stoic-fuzz-%ld-%15s", &pid, rest) == 2 && pid > 0 &&
            kill((pid_t)pid, 0) != 0 && errno == ESRCH) {
            snprintf(sub, sizeof sub, "%s/%s", base, e->d_name);
            fz_rmtree(sub);
        }
    }
    closedir(dir);
}

/* The private directory (created on first use; its real path). */
static const char *fz_tmpdir(void)
{
    char tmpl[PATH_MAX];
    struct stat sb;
    const char *base;
    if (fz_dir_len > 0) {
        return fz_dir;
    }
    fz_msg_fd = dup(2);
    if (fz_msg_fd < 0) {
        fz_msg_fd = 2;
    }
    base = stat("/dev/shm", &sb) == 0 && S_ISDIR(sb.st_mode) && access("/dev/shm", W_OK) == 0
               ? "/dev/shm" : "/tmp";
    fz_remove_stale(base);
    snprintf(tmpl, sizeof tmpl, "%s/stoic-fuzz-%ld-XXXXXX", base, (long)getpid());
    if (mkdtemp(tmpl) == NULL || realpath(tmpl, fz_dir) == NULL) {
        perror("fuzz: mkdtemp");
        abort();
    }
    fz_dir_len = strlen(fz_dir);
    atexit(fz_cleanup);
    return fz_dir;
}

/* tmpdir/name into buf. */
static const char *fz_path(char *buf, size_t n, const char *name)
{
    snprintf(buf, n, "%s/%s", fz_tmpdir(), name);
    return buf;
}

/* Writes data to tmpdir/name; the path into buf. Aborts on failure (the
 * harness cannot go on without its file). */
__attribute__((unused)) static const char *fz_write(char *buf, size_t n, const char *name, const void *data, size_t len)
{
    int fd;
    const char *p = (const char *)data;
    fz_path(buf, n, name);
    fd = open(buf, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) {
        perror(buf);
        abort();
    }
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0) {
            if (errno == EINTR) {
                continue;
            }
            perror(buf);
            abort();
        }
        p += w;
        len -= (size_t)w;
    }
    close(fd);
    return buf;
}

/* Reads are confined to the private directory. */
int __real_fileio_read_all(const char *path, size_t max_bytes, char **buf, size_t *len);
int __wrap_fileio_read_all(const char *path, size_t max_bytes, char **buf, size_t *len);
int __wrap_fileio_read_all(const char *path, size_t max_bytes, char **buf, size_t *len)
{
    char real[PATH_MAX];
    struct stat sb;
    *buf = NULL;
    *len = 0;
    if (realpath(path, real) == NULL) {
        return -1; /* errno from realpath: ENOENT, ENOTDIR, ... */
    }
    if (fz_dir_len == 0 || strncmp(real, fz_dir, fz_dir_len) != 0 || real[fz_dir_len] != '/' ||
        stat(real, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        errno = EACCES;
        return -1;
    }
    return __real_fileio_read_all(real, max_bytes, buf, len);
}

/* A deterministic pseudo-random sequence (xorshift64*) from a seed. */
__attribute__((unused)) static uint64_t fz_rand(uint64_t *s)
{
    uint64_t x = *s != 0 ? *s : 0x9e3779b97f4a7c15ULL;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 2685821657736338717ULL;
}

__attribute__((unused)) static uint64_t fz_hash(const uint8_t *data, size_t n)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    size_t i;
    for (i = 0; i < n; i++) {
        h = (h ^ data[i]) * 1099511628211ULL;
    }
    return h;
}

/* A float32 .npy of shape [rows, n] with values in [-1, 1) from seed, into
 * tmpdir/name; 0, or -1 when too large. */
__attribute__((unused)) static int fz_write_rows_npy(char *path, size_t pn, const char *name, int64_t rows, int64_t n,
                             uint64_t seed)
{
    char hdr[128];
    size_t hl, total, k, count;
    uint8_t *b;
    int h;
    if (rows <= 0 || n <= 0 || n > (1 << 20) || rows > 64) {
        return -1;
    }
    count = (size_t)(rows * n);
    h = snprintf(hdr, sizeof hdr, "{'descr': '<f4', 'fortran_order': False, 'shape': (%lld, %lld), }",
                 (long long)rows, (long long)n);
    hl = (size_t)h;
    while ((10 + hl + 1) % 64 != 0) {
        hdr[hl++] = ' ';
    }
    hdr[hl++] = '\n';
    total = 10 + hl + 4 * count;
    b = malloc(total);
    if (b == NULL) {
        return -1;
    }
    memcpy(b, "\x93NUMPY\x01\x00", 8);
    b[8] = (uint8_t)(hl & 0xff);
    b[9] = (uint8_t)(hl >> 8);
    memcpy(b + 10, hdr, hl);
    for (k = 0; k < count; k++) {
        float v = (float)((double)(fz_rand(&seed) >> 11) / 9007199254740992.0 * 2.0 - 1.0);
        memcpy(b + 10 + hl + 4 * k, &v, 4);
    }
    fz_write(path, pn, name, b, total);
    free(b);
    return 0;
}

#endif

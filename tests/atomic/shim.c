/* An LD_PRELOAD shim for the output-atomicity test (tests/atomic/run.sh):
 * makes rename-family calls fail on demand.
 *   STOIC_FAIL_RENAME=N   the N-th call (1-based, counted over rename,
 *                         renameat and renameat2) fails with EIO
 *   STOIC_NO_EXCHANGE=1   renameat2 with flags fails with EINVAL, as on a
 *                         file system without RENAME_EXCHANGE: the
 *                         generator takes its two-rename fallback
 *   STOIC_TERM_AFTER=F    F one of mkdtemp, mkstemp, flock: raise SIGTERM
 *                         right after the first successful call of F (the
 *                         path it created exists; the generator may not
 *                         have registered it for removal yet)
 *   STOIC_TERM_AFTER=rename with STOIC_TERM_AFTER_N=N: raise SIGTERM right
 *                         after the N-th successful rename-family call
 * Everything else goes to the C library's functions. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <stdio.h>
#include <stdlib.h>

static int calls;

static int should_fail(void)
{
    const char *n = getenv("STOIC_FAIL_RENAME");
    calls++;
    return n != NULL && atoi(n) == calls;
}

/* r: a rename-family call's result */
static int after_rename(int r)
{
    static int ok;
    const char *t = getenv("STOIC_TERM_AFTER");
    const char *n = getenv("STOIC_TERM_AFTER_N");
    if (r == 0 && t != NULL && strcmp(t, "rename") == 0) {
        ok++;
        if (ok == (n != NULL ? atoi(n) : 1)) {
            (void)raise(SIGTERM);
        }
    }
    return r;
}

int rename(const char *a, const char *b)
{
    int (*real)(const char *, const char *) =
        (int (*)(const char *, const char *))dlsym(RTLD_NEXT, "rename");
    if (should_fail()) {
        errno = EIO;
        return -1;
    }
    return after_rename(real(a, b));
}

int renameat(int fa, const char *a, int fb, const char *b)
{
    int (*real)(int, const char *, int, const char *) =
        (int (*)(int, const char *, int, const char *))dlsym(RTLD_NEXT, "renameat");
    if (should_fail()) {
        errno = EIO;
        return -1;
    }
    return after_rename(real(fa, a, fb, b));
}

int renameat2(int fa, const char *a, int fb, const char *b, unsigned int flags)
{
    int (*real)(int, const char *, int, const char *, unsigned int) =
        (int (*)(int, const char *, int, const char *, unsigned int))dlsym(RTLD_NEXT,
                                                                           "renameat2");
    const char *nx = getenv("STOIC_NO_EXCHANGE");
    if (flags != 0 && nx != NULL && nx[0] == '1') {
        errno = EINVAL;
        return -1;
    }
    if (should_fail()) {
        errno = EIO;
        return -1;
    }
    return after_rename(real(fa, a, fb, b, flags));
}

static void term_after(const char *fn)
{
    static int done;
    const char *t = getenv("STOIC_TERM_AFTER");
    if (!done && t != NULL && strcmp(t, fn) == 0) {
        done = 1;
        (void)raise(SIGTERM);
    }
}

char *mkdtemp(char *tmpl)
{
    static char *(*real)(char *);
    char *r;
    if (real == NULL) {
        real = (char *(*)(char *))dlsym(RTLD_NEXT, "mkdtemp");
    }
    r = real(tmpl);
    if (r != NULL) {
        term_after("mkdtemp");
    }
    return r;
}

int mkstemp(char *tmpl)
{
    static int (*real)(char *);
    int r;
    if (real == NULL) {
        real = (int (*)(char *))dlsym(RTLD_NEXT, "mkstemp");
    }
    r = real(tmpl);
    if (r >= 0) {
        term_after("mkstemp");
    }
    return r;
}

int flock(int fd, int op)
{
    static int (*real)(int, int);
    int r;
    if (real == NULL) {
        real = (int (*)(int, int))dlsym(RTLD_NEXT, "flock");
    }
    r = real(fd, op);
    if (r == 0) {
        term_after("flock");
    }
    return r;
}

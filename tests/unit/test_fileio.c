/* fileio: capped reading, atomic writing, staged output sets. */
/* REQ: REQ-ERR-005 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fileio.h"
#include "unit.h"

static char dir[256];

static int suite_init(void)
{
    const char *t = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/stoic_fileio_XXXXXX", t != NULL && *t ? t : "/tmp");
    return mkdtemp(dir) != NULL ? 0 : -1;
}

/* removes everything in d (one level of subdirectories) */
static void empty_dir(const char *d)
{
    DIR *h = opendir(d);
    struct dirent *e;
    char p[600];

    if (h == NULL) {
        return;
    }
    while ((e = readdir(h)) != NULL) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            snprintf(p, sizeof p, "%s/%s", d, e->d_name);
            if (unlink(p) != 0) {
                empty_dir(p);
                rmdir(p);
            }
        }
    }
    closedir(h);
}

static int suite_clean(void)
{
    empty_dir(dir);
    return rmdir(dir);
}

/* dir/name; the result lives until the fourth call after this one */
static const char *in_dir(const char *name)
{
    static char p[4][512];
    static int k;
    k = (k + 1) % 4;
    snprintf(p[k], sizeof p[k], "%s/%s", dir, name);
    return p[k];
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* the sorted names in dir, joined by '\n', into out */
static void listing(char *out, size_t cap)
{
    char *names[64];
    size_t n = 0, i, used = 0;
    DIR *h = opendir(dir);
    struct dirent *e;

    CU_ASSERT_PTR_NOT_NULL_FATAL(h);
    while ((e = readdir(h)) != NULL && n < 64) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            size_t l = strlen(e->d_name) + 1;
            names[n] = malloc(l);
            CU_ASSERT_PTR_NOT_NULL_FATAL(names[n]);
            memcpy(names[n], e->d_name, l);
            n++;
        }
    }
    closedir(h);
    qsort(names, n, sizeof names[0], cmp_str);
    out[0] = '\0';
    for (i = 0; i < n; i++) {
        int w = snprintf(out + used, cap - used, "%s\n", names[i]);
        if (w > 0 && (size_t)w < cap - used) {
            used += (size_t)w;
        }
        free(names[i]);
    }
}

static void write_plain(const char *p, const char *s)
{
    FILE *f = fopen(p, "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs(s, f);
    CU_ASSERT_EQUAL(fclose(f), 0);
}

/* the file at p holds exactly s */
static void check_content(const char *p, const char *s)
{
    char *buf = NULL;
    size_t len = 0;

    CU_ASSERT_EQUAL_FATAL(fileio_read_all(p, 1 << 20, &buf, &len), 0);
    CU_ASSERT_EQUAL(len, strlen(s));
    CU_ASSERT_STRING_EQUAL(buf, s);
    free(buf);
}

static void test_read_all(void)
{
    char data[100], *buf = (char *)1;
    size_t len = 7;
    FILE *f;
    int i;

    for (i = 0; i < 100; i++) {
        data[i] = (char)('A' + i % 26);
    }
    data[50] = '\0'; /* binary content is kept */
    f = fopen(in_dir("hundred"), "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_EQUAL(fwrite(data, 1, 100, f), 100u);
    CU_ASSERT_EQUAL(fclose(f), 0);

    CU_ASSERT_EQUAL(fileio_read_all(in_dir("hundred"), 100, &buf, &len), 0);
    CU_ASSERT_EQUAL(len, 100u);
    CU_ASSERT_EQUAL(memcmp(buf, data, 100), 0);
    CU_ASSERT_EQUAL(buf[100], '\0');
    free(buf);

    /* one byte over the cap */
    CU_ASSERT_EQUAL(fileio_read_all(in_dir("hundred"), 99, &buf, &len), -2);
    CU_ASSERT_EQUAL(fileio_read_all(in_dir("hundred"), 0, &buf, &len), -2);

    /* a stream without a size: the cap still applies */
    CU_ASSERT_EQUAL(fileio_read_all("/dev/zero", 10000, &buf, &len), -2);

    /* an empty file */
    write_plain(in_dir("empty"), "");
    CU_ASSERT_EQUAL(fileio_read_all(in_dir("empty"), 0, &buf, &len), 0);
    CU_ASSERT_EQUAL(len, 0u);
    CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
    CU_ASSERT_EQUAL(buf[0], '\0');
    free(buf);

    errno = 0;
    CU_ASSERT_EQUAL(fileio_read_all(in_dir("missing"), 100, &buf, &len), -1);
    CU_ASSERT_EQUAL(errno, ENOENT);
    errno = 0;
    CU_ASSERT_EQUAL(fileio_read_all(dir, 100, &buf, &len), -1);
    CU_ASSERT_EQUAL(errno, EISDIR);

    unlink(in_dir("hundred"));
    unlink(in_dir("empty"));
}

/* a child process writes n bytes of 'x' into the FIFO at p */
static pid_t fifo_writer(const char *p, size_t n)
{
    pid_t pid = fork();
    if (pid == 0) {
        char chunk[1000];
        FILE *f = fopen(p, "wb");
        size_t i;
        memset(chunk, 'x', sizeof chunk);
        for (i = 0; f != NULL && i < n; i += sizeof chunk) {
            fwrite(chunk, 1, n - i < sizeof chunk ? n - i : sizeof chunk, f);
        }
        if (f != NULL) {
            fclose(f);
        }
        _exit(0);
    }
    return pid;
}

/* A FIFO has no size: read_all must read to EOF and still stop at the cap. */
static void test_read_all_fifo(void)
{
    char p[512], *buf = NULL;
    size_t len = 0, i, nx = 0;
    pid_t pid;
    int rc;

    snprintf(p, sizeof p, "%s", in_dir("fifo"));
    CU_ASSERT_EQUAL_FATAL(mkfifo(p, 0600), 0);

    pid = fifo_writer(p, 10000);
    CU_ASSERT_FATAL(pid > 0);
    CU_ASSERT_EQUAL(fileio_read_all(p, 10000, &buf, &len), 0);
    CU_ASSERT_EQUAL(len, 10000u);
    for (i = 0; buf != NULL && i < len; i++) {
        nx += buf[i] == 'x';
    }
    CU_ASSERT_EQUAL(nx, 10000u);
    CU_ASSERT_EQUAL(buf != NULL ? buf[len] : 1, '\0');
    free(buf);
    waitpid(pid, NULL, 0);

    pid = fifo_writer(p, 10000);
    CU_ASSERT_FATAL(pid > 0);
    rc = fileio_read_all(p, 9999, &buf, &len);
    CU_ASSERT_EQUAL(rc, -2);
    if (rc == 0) {
        free(buf);
    }
    waitpid(pid, NULL, 0); /* may have died of SIGPIPE */
    unlink(p);
}

static void test_write_atomic(void)
{
    char before[4096], after[4096], p[512];

    snprintf(p, sizeof p, "%s", in_dir("out.txt"));

    write_plain(p, "old content that is longer than the new one\n");
    listing(before, sizeof before);
    CU_ASSERT_EQUAL(fileio_write_atomic(p, "new\n", 4), 0);
    check_content(p, "new\n");
    listing(after, sizeof after);
    CU_ASSERT_STRING_EQUAL(after, before); /* no temp file left */

    /* creates a missing file; an empty write gives an empty file */
    CU_ASSERT_EQUAL(fileio_write_atomic(in_dir("fresh"), "", 0), 0);
    check_content(in_dir("fresh"), "");
    unlink(in_dir("fresh"));

    /* failure: the directory does not exist */
    errno = 0;
    CU_ASSERT_EQUAL(fileio_write_atomic(in_dir("nodir/x.txt"), "x", 1), -1);
    CU_ASSERT_EQUAL(errno, ENOENT);

    /* failure at the rename: the target is a non-empty directory. The temp
     * file must be gone and the directory as it was. */
    CU_ASSERT_EQUAL_FATAL(mkdir(in_dir("sub"), 0777), 0);
    write_plain(in_dir("sub/keep"), "k");
    listing(before, sizeof before);
    errno = 0;
    CU_ASSERT_EQUAL(fileio_write_atomic(in_dir("sub"), "x", 1), -1);
    CU_ASSERT_NOT_EQUAL(errno, 0);
    listing(after, sizeof after);
    CU_ASSERT_STRING_EQUAL(after, before);
    check_content(in_dir("sub/keep"), "k");
    unlink(in_dir("sub/keep"));
    rmdir(in_dir("sub"));
    unlink(p);
}

static void test_stage_abort(void)
{
    char before[4096], after[4096];
    fileio_stage *s;

    write_plain(in_dir("existing.c"), "original\n");
    listing(before, sizeof before);

    s = fileio_stage_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_EQUAL(fileio_stage_add(s, in_dir("a.c"), "int a;\n", 7), 0);
    CU_ASSERT_EQUAL(fileio_stage_add(s, in_dir("existing.c"), "replaced\n", 9), 0);
    CU_ASSERT_EQUAL(fileio_stage_add(s, in_dir("b.h"), "", 0), 0);
    /* nothing is in place before commit */
    CU_ASSERT_EQUAL(access(in_dir("a.c"), F_OK), -1);
    check_content(in_dir("existing.c"), "original\n");
    /* a failing add reports errno and leaves the stage usable */
    errno = 0;
    CU_ASSERT_EQUAL(fileio_stage_add(s, in_dir("nodir/c.c"), "x", 1), -1);
    CU_ASSERT_EQUAL(errno, ENOENT);
    errno = 0;
    CU_ASSERT_EQUAL(fileio_stage_add(s, in_dir("a.c"), "again", 5), -1);
    CU_ASSERT_EQUAL(errno, EEXIST);
    fileio_stage_abort(s);

    listing(after, sizeof after);
    CU_ASSERT_STRING_EQUAL(after, before);
    check_content(in_dir("existing.c"), "original\n");
    unlink(in_dir("existing.c"));

    fileio_stage_abort(fileio_stage_new()); /* empty stage */
    fileio_stage_abort(NULL);
}

static void test_stage_commit(void)
{
    char names[4096];
    fileio_stage *s;

    write_plain(in_dir("model.c"), "stale\n");
    s = fileio_stage_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_EQUAL(fileio_stage_add(s, in_dir("model.c"), "fresh\n", 6), 0);
    CU_ASSERT_EQUAL(fileio_stage_add(s, in_dir("model.h"), "#pragma once\n", 13), 0);
    CU_ASSERT_EQUAL(fileio_stage_add(s, in_dir("stoic_rt.h"), "rt\n", 3), 0);
    CU_ASSERT_EQUAL(fileio_stage_commit(s), 0);

    listing(names, sizeof names);
    if (strcmp(names, "model.c\nmodel.h\nstoic_rt.h\n") != 0) {
        fprintf(stderr, "\n  directory holds:\n%s", names);
    }
    CU_ASSERT_STRING_EQUAL(names, "model.c\nmodel.h\nstoic_rt.h\n");
    check_content(in_dir("model.c"), "fresh\n");
    check_content(in_dir("model.h"), "#pragma once\n");
    check_content(in_dir("stoic_rt.h"), "rt\n");
    unlink(in_dir("model.c"));
    unlink(in_dir("model.h"));
    unlink(in_dir("stoic_rt.h"));

    s = fileio_stage_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_EQUAL(fileio_stage_commit(s), 0); /* empty stage */
}

UNIT_SUITE(fileio)
{
    CU_pSuite s = CU_add_suite("fileio", suite_init, suite_clean);
    CU_add_test(s, "read_all and its cap", test_read_all);
    CU_add_test(s, "read_all from a FIFO", test_read_all_fifo);
    CU_add_test(s, "write_atomic", test_write_atomic);
    CU_add_test(s, "stage abort leaves the directory as it was", test_stage_abort);
    CU_add_test(s, "stage commit puts every file in place", test_stage_commit);
}

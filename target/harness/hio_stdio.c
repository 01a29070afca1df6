/* hio.h over the C library (PowerPC under qemu-ppc; the build host). */
#include <stdio.h>
#include "hio.h"

static int32_t open_mode(const char *name, const char *mode, hio_file *f)
{
    f->fd = -1;
    f->fp = fopen(name, mode);
    return (f->fp == NULL) ? -1 : 0;
}

int32_t hio_open_read(const char *name, hio_file *f)
{
    return open_mode(name, "rb", f);
}

int32_t hio_open_write(const char *name, hio_file *f)
{
    return open_mode(name, "wb", f);
}

int32_t hio_read(hio_file *f, void *buf, uint32_t n)
{
    size_t got = fread(buf, 1U, (size_t)n, (FILE *)f->fp);

    return ferror((FILE *)f->fp) ? -1 : (int32_t)got;
}

int32_t hio_write(hio_file *f, const void *buf, uint32_t n)
{
    return (fwrite(buf, 1U, (size_t)n, (FILE *)f->fp) == (size_t)n) ? 0 : -1;
}

void hio_close(hio_file *f)
{
    (void)fclose((FILE *)f->fp);
    f->fp = NULL;
}

void hio_puts(const char *s)
{
    (void)fputs(s, stdout);
    (void)fflush(stdout);
}

/* hio.h over ARM semihosting (bare-metal boards). */
#include <stddef.h>
#include "hio.h"
#include "semihost.h"

static uint32_t str_len(const char *s)
{
    uint32_t n = 0U;

    while (s[n] != '\0') {
        n++;
    }
    return n;
}

static int32_t open_mode(const char *name, uint32_t mode, hio_file *f)
{
    uint32_t block[3];
    uint32_t h;

    block[0] = (uint32_t)(uintptr_t)name;
    block[1] = mode;
    block[2] = str_len(name);
    h = stoic_semihost_call(SH_SYS_OPEN, block);
    f->fp = NULL;
    f->fd = (int32_t)h;
    return (h == 0xFFFFFFFFU) ? -1 : 0;
}

int32_t hio_open_read(const char *name, hio_file *f)
{
    return open_mode(name, SH_MODE_RB, f);
}

int32_t hio_open_write(const char *name, hio_file *f)
{
    return open_mode(name, SH_MODE_WB, f);
}

int32_t hio_read(hio_file *f, void *buf, uint32_t n)
{
    uint32_t block[3];
    uint32_t left;

    block[0] = (uint32_t)f->fd;
    block[1] = (uint32_t)(uintptr_t)buf;
    block[2] = n;
    left = stoic_semihost_call(SH_SYS_READ, block);   /* bytes not read */
    return (left > n) ? -1 : (int32_t)(n - left);
}

int32_t hio_write(hio_file *f, const void *buf, uint32_t n)
{
    uint32_t block[3];

    block[0] = (uint32_t)f->fd;
    block[1] = (uint32_t)(uintptr_t)buf;
    block[2] = n;
    return (stoic_semihost_call(SH_SYS_WRITE, block) == 0U) ? 0 : -1;
}

void hio_close(hio_file *f)
{
    uint32_t block[1];

    block[0] = (uint32_t)f->fd;
    (void)stoic_semihost_call(SH_SYS_CLOSE, block);
    f->fd = -1;
}

void hio_puts(const char *s)
{
    (void)stoic_semihost_call(SH_SYS_WRITE0, s);
}

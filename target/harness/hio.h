/*
 * Files and console of the target harness, one interface over two
 * implementations: semihosting on the bare-metal boards (hio_semihost.c)
 * and the C library on hosted targets (hio_stdio.c: PowerPC under
 * qemu-ppc, and the build host). Names are relative to the working
 * directory of QEMU (or of the program).
 */
#ifndef STOIC_HIO_H
#define STOIC_HIO_H

#include <stdint.h>

typedef struct {
    int32_t fd;     /* semihosting handle */
    void *fp;       /* FILE * */
} hio_file;

/* 0 on success, -1 when the file cannot be opened. */
int32_t hio_open_read(const char *name, hio_file *f);
int32_t hio_open_write(const char *name, hio_file *f);
/* Reads up to n bytes: the number read (less than n at the end of the
 * file), or -1 on an error. */
int32_t hio_read(hio_file *f, void *buf, uint32_t n);
/* Writes n bytes: 0, or -1 on an error. */
int32_t hio_write(hio_file *f, const void *buf, uint32_t n);
void hio_close(hio_file *f);
/* Writes a string to the console (stdout). */
void hio_puts(const char *s);

#endif /* STOIC_HIO_H */

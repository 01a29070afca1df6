/* corrupt IN OUTDIR COUNT SEED: writes COUNT corrupted copies of IN as
 * OUTDIR/IN-BASENAME.NNNN, deterministically from SEED, and prints one line
 * per copy: "FILE KIND OFFSET" (KIND: truncate, flip, insert, delete, set,
 * varint).
 *
 *   truncate  the first OFFSET bytes (offsets spread over the whole file)
 *   flip      one byte XORed with a non-zero mask
 *   insert    1..8 pseudo-random bytes inserted before OFFSET
 *   delete    1..8 bytes removed at OFFSET
 *   set       1..4 bytes overwritten with 0x00, 0x7f, 0x80 or 0xff (varints
 *             and lengths made huge, unterminated or zero)
 *   varint    one varint value of the protobuf structure (found by parsing
 *             the file as nested messages wherever the bytes allow it:
 *             dimensions, types, versions, attribute values, lengths)
 *             replaced by a nearby or an extreme value, so the structure
 *             usually stays valid and the meaning changes
 *
 * A test helper for the reader's fuzz check (tests/onnx/corrupt.sh).
 * Exit codes: 0, 2 usage, 3 I/O error. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"

static uint64_t rng_state;

/* splitmix64: a fixed, portable sequence for a given seed */
static uint64_t rng(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static size_t below(size_t n)
{
    return n == 0 ? 0 : (size_t)(rng() % n);
}

/* Varints of the file's protobuf structure: offset and length in bytes. */
#define MAX_VARINTS 100000
static size_t vi_off[MAX_VARINTS], vi_len[MAX_VARINTS], n_vi;

static int varint_at(const uint8_t *p, size_t end, size_t *pos, uint64_t *v)
{
    uint64_t x = 0;
    int i;
    for (i = 0; i < 10 && *pos + (size_t)i < end; i++) {
        x |= (uint64_t)(p[*pos + (size_t)i] & 0x7f) << (7 * i);
        if ((p[*pos + (size_t)i] & 0x80) == 0) {
            *pos += (size_t)i + 1;
            *v = x;
            return 0;
        }
    }
    return -1;
}

/* Whether [s, e) parses as a sequence of protobuf fields; when record is
 * set, records its varints and descends into length-delimited fields that
 * parse as messages themselves. */
static int scan(const uint8_t *p, size_t s, size_t e, int depth, int record)
{
    size_t pos = s;
    while (pos < e) {
        uint64_t key, v;
        size_t at;
        if (varint_at(p, e, &pos, &key) != 0 || (key >> 3) == 0) {
            return 0;
        }
        at = pos;
        switch (key & 7) {
        case 0:
            if (varint_at(p, e, &pos, &v) != 0) {
                return 0;
            }
            break;
        case 1:
        case 5:
            if (e - pos < ((key & 7) == 1 ? 8u : 4u)) {
                return 0;
            }
            pos += (key & 7) == 1 ? 8u : 4u;
            break;
        case 2:
            if (varint_at(p, e, &pos, &v) != 0 || v > e - pos) {
                return 0;
            }
            if (record && depth < 8 && v > 0 && scan(p, pos, pos + (size_t)v, depth + 1, 0)) {
                scan(p, pos, pos + (size_t)v, depth + 1, 1);
            }
            pos += (size_t)v;
            break;
        default:
            return 0;
        }
        if (record && (key & 7) != 1 && (key & 7) != 5 && n_vi < MAX_VARINTS) {
            /* the value of a varint field, or the length of a field */
            vi_off[n_vi] = at;
            vi_len[n_vi] = pos - at;
            if ((key & 7) == 2) {
                size_t q = at;
                varint_at(p, e, &q, &v);
                vi_len[n_vi] = q - at;
            }
            n_vi++;
        }
    }
    return 1;
}

static size_t put_varint(uint8_t *o, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        o[n++] = (uint8_t)((v & 0x7f) | 0x80);
        v >>= 7;
    }
    o[n++] = (uint8_t)v;
    return n;
}

int main(int argc, char **argv)
{
    static const char *const kinds[] = {"truncate", "flip", "insert", "delete", "set", "varint"};
    static const uint8_t fills[] = {0x00, 0x7f, 0x80, 0xff};
    char *in, *end;
    uint8_t *out;
    size_t len, count, i;
    const char *base;
    char path[4096];

    if (argc != 5) {
        fprintf(stderr, "usage: corrupt IN OUTDIR COUNT SEED\n");
        return 2;
    }
    count = (size_t)strtoul(argv[3], &end, 10);
    if (*end != '\0' || count == 0 || count > 100000) {
        fprintf(stderr, "corrupt: bad COUNT '%s'\n", argv[3]);
        return 2;
    }
    rng_state = (uint64_t)strtoull(argv[4], &end, 10);
    if (*end != '\0') {
        fprintf(stderr, "corrupt: bad SEED '%s'\n", argv[4]);
        return 2;
    }
    if (fileio_read_all(argv[1], (size_t)1 << 28, &in, &len) != 0) {
        fprintf(stderr, "corrupt: cannot read %s\n", argv[1]);
        return 3;
    }
    if (len == 0) {
        fprintf(stderr, "corrupt: %s is empty\n", argv[1]);
        free(in);
        return 2;
    }
    out = (uint8_t *)malloc(len + 16);
    if (out == NULL) {
        free(in);
        return 3;
    }
    scan((const uint8_t *)in, 0, len, 0, 1);
    base = strrchr(argv[1], '/');
    base = base != NULL ? base + 1 : argv[1];
    for (i = 0; i < count; i++) {
        size_t kind = i % 6, off, n = 0, k, olen;
        switch (kind) {
        case 0: /* truncation points spread evenly, plus jitter */
            off = (len * (i / 6)) / ((count + 5) / 6) + below(7);
            off = off < len ? off : len - 1;
            memcpy(out, in, off);
            olen = off;
            break;
        case 1:
            off = below(len);
            memcpy(out, in, len);
            out[off] ^= (uint8_t)(1 + below(255));
            olen = len;
            break;
        case 2:
            off = below(len + 1);
            n = 1 + below(8);
            memcpy(out, in, off);
            for (k = 0; k < n; k++) {
                out[off + k] = (uint8_t)rng();
            }
            memcpy(out + off + n, in + off, len - off);
            olen = len + n;
            break;
        case 3:
            off = below(len);
            n = 1 + below(8);
            n = n < len - off ? n : len - off;
            memcpy(out, in, off);
            memcpy(out + off, in + off + n, len - off - n);
            olen = len - n;
            break;
        case 5:
            if (n_vi > 0) {
                static const uint64_t extreme[] = {
                    0, 1, 0x7f, 0x80, 0x7fffffffu, 0x80000000u, 0xffffffffu,
                    (uint64_t)1 << 32, (uint64_t)1 << 40, (uint64_t)1 << 62,
                    (uint64_t)1 << 63, UINT64_MAX
                };
                uint8_t nv[10];
                size_t m = below(n_vi), nl;
                size_t q = vi_off[m];
                uint64_t v = 0, w;
                varint_at((const uint8_t *)in, len, &q, &v);
                switch (below(4)) {
                case 0: w = v + 1; break;
                case 1: w = v - 1; break;
                case 2: w = v * 2 + below(3); break;
                default: w = extreme[below(sizeof extreme / sizeof extreme[0])]; break;
                }
                off = vi_off[m];
                nl = put_varint(nv, w);
                memcpy(out, in, off);
                memcpy(out + off, nv, nl);
                memcpy(out + off + nl, in + off + vi_len[m], len - off - vi_len[m]);
                olen = len - vi_len[m] + nl;
                break;
            }
            /* no structure found: fall through to "set" */
            kind = 4;
            /* fall through */
        default:
            off = below(len);
            n = 1 + below(4);
            memcpy(out, in, len);
            for (k = 0; k < n && off + k < len; k++) {
                out[off + k] = fills[below(4)];
            }
            olen = len;
            break;
        }
        snprintf(path, sizeof path, "%s/%s.%04zu", argv[2], base, i);
        if (fileio_write_atomic(path, out, olen) != 0) {
            fprintf(stderr, "corrupt: cannot write %s: %s\n", path, strerror(errno));
            free(in);
            free(out);
            return 3;
        }
        printf("%s %s %zu\n", path, kinds[kind], off);
    }
    free(in);
    free(out);
    return 0;
}

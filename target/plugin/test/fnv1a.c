/* fnv1a ADDR...: FNV-1a 64 of the addresses (each as 4 bytes,
 * little-endian), as 16 hex digits: the hash stoic_trace.c computes over a
 * window's PCs, implemented again for its test. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    int i;
    int b;

    for (i = 1; i < argc; i++) {
        unsigned long a = strtoul(argv[i], NULL, 0) & ~1UL;

        for (b = 0; b < 4; b++) {
            h ^= (a >> (8 * b)) & 0xFFU;
            h *= 0x100000001b3ULL;
        }
    }
    printf("%016" PRIx64 "\n", h);
    return 0;
}

/*
 * bench/tools/cyclecheck.c: the generator's cycle model (cost_cycles in
 * generator/cost.c) on class counts read from stdin, one set a line:
 *   CORE LDST BRANCH MUL OTHER DIV MEM TAKEN
 * prints the cycles, one a line (bench/test.sh compares them with
 * bench/model.awk's). Exit status 1 on a malformed line.
 */
#include <stdio.h>
#include <string.h>

#include "cost.h"

int main(void)
{
    char core[8];
    long long v[COST_NC];
    int64_t c[COST_NC];
    int k, n;

    for (;;) {
        n = scanf("%7s %lld %lld %lld %lld %lld %lld %lld", core, &v[0], &v[1], &v[2], &v[3],
                  &v[4], &v[5], &v[6]);
        if (n == EOF) {
            break;
        }
        if (n != 8) {
            fprintf(stderr, "cyclecheck: bad line\n");
            return 1;
        }
        /* input order: ldst branch mul other div mem taken = COST_C order */
        for (k = 0; k < COST_NC; k++) {
            c[k] = (int64_t)v[k];
        }
        printf("%lld\n",
               (long long)cost_cycles(strcmp(core, "m7") == 0 ? COST_M7 : COST_M4, c));
    }
    return 0;
}

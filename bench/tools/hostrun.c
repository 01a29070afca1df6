/*
 * bench/tools/hostrun.c: one call of a generated model's NAME_run on the
 * build host, for callgrind (make bench: valgrind --tool=callgrind
 * --toggle-collect=NAME_run). The input is all zeros: the instruction
 * path of NAME_run is the same for every input.
 *
 * Build: cc -std=c99 -O2 -DMODEL=NAME -DMODEL_UC=NAME_UPPER -I<OUTDIR>
 *        bench/tools/hostrun.c <OUTDIR>/*.c
 */
#include <stdio.h>

#define STR2(x) #x
#define STR(x) STR2(x)
#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)

#include STR(MODEL.h)

#define RUN CAT(MODEL, _run)
#define IN_N CAT(MODEL_UC, _INPUT_SIZE)
#define OUT_N CAT(MODEL_UC, _OUTPUT_SIZE)
typedef CAT(MODEL_UC, _INPUT_TYPE) in_t;
typedef CAT(MODEL_UC, _OUTPUT_TYPE) out_t;

static in_t g_in[IN_N];
static out_t g_out[OUT_N];

int main(void)
{
    RUN(g_in, g_out);
    /* use the output, so the call is not optimised away */
    printf("%g\n", (double)g_out[0]);
    return 0;
}

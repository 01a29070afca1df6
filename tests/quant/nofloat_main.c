/* Links the integer run path compiled with -DDIGITS_NO_FLOAT and runs it
 * once on an all-zero-point input: it must build and run without any
 * floating point. Exit 0 when the outputs stay in range (always true for
 * int8; the point is that it links and runs). */
#include "digits.h"

static DIGITS_INPUT_TYPE in[SIZE_IN];
static DIGITS_OUTPUT_TYPE out[DIGITS_OUTPUT_SIZE];

int main(void)
{
    uint32_t i;
    int32_t sum = 0;
    for (i = 0U; i < (uint32_t)SIZE_IN; i++) {
        in[i] = (DIGITS_INPUT_TYPE)(i % 7U);
    }
    digits_run(in, out);
    for (i = 0U; i < (uint32_t)DIGITS_OUTPUT_SIZE; i++) {
        sum += out[i];
    }
    return sum == 0x7fffffff ? 1 : 0;
}

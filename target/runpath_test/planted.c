/* target/runpath_test.sh: one function per case, m_CASE, the root of the
 * walk; target/runpath.awk must report exactly what each plants. */
#include <stdint.h>

typedef int32_t (*op_fn)(int32_t);

/* not inlined, so the walk has calls to follow */
#define NOINLINE __attribute__((noinline))

static NOINLINE int32_t twice(int32_t x)
{
    return 2 * x;
}

volatile op_fn hook = twice;
volatile int32_t sink;

/* clean: direct calls, returns by bx lr and pop {..., pc} */
int32_t m_clean(int32_t x);
int32_t m_clean(int32_t x)
{
    int32_t y = twice(x);
    sink = y;
    return twice(y + x);
}

/* an indirect call: blx rN */
int32_t m_indirect_call(int32_t x);
NOINLINE int32_t m_indirect_call(int32_t x)
{
    int32_t y = hook(x);
    sink = y;
    return y + 1;
}

/* an indirect tail call: bx rN */
int32_t m_indirect_tail(int32_t x);
int32_t m_indirect_tail(int32_t x)
{
    return hook(x);
}

/* a switch with a jump table: tbb */
int32_t m_jump_table(int32_t k, int32_t x);
int32_t m_jump_table(int32_t k, int32_t x)
{
    switch (k) {
    case 0: x += 3; break;
    case 1: x -= 7; break;
    case 2: x *= 5; break;
    case 3: x ^= 9; break;
    case 4: x = x >> 2; break;
    case 5: x = ~x; break;
    default: x = 0; break;
    }
    return x;
}

/* a division instruction: sdiv */
int32_t m_division(int32_t a, int32_t b);
int32_t m_division(int32_t a, int32_t b)
{
    return a / b;
}

/* a compiler helper: 64-bit division, __aeabi_ldivmod */
int64_t m_helper(int64_t a, int64_t b);
int64_t m_helper(int64_t a, int64_t b)
{
    return a / b;
}

/* the indirect call one level down: found by following the calls */
int32_t m_deep(int32_t x);
int32_t m_deep(int32_t x)
{
    sink = x;
    return m_indirect_call(x) + 1;
}

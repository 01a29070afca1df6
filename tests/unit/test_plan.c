/* The memory planner: a hand-derived plan, and on random graphs the
 * property that matters: no two tensors live at the same time overlap. */
/* REQ: REQ-MEM-001 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pass.h"
#include "unit.h"

static ir_shape vec(int32_t n)
{
    ir_shape s;
    memset(&s, 0, sizeof s);
    s.rank = 1;
    s.d[0] = n;
    return s;
}

/* Adds a relu node reading `in` (tensor) and writing a new tensor of n. */
static int chain(ir_graph *g, int in, int32_t n, const char *name)
{
    int ni = ir_add_node(g, IR_OP_ACTIVATION, name, "relu", 1);
    int t = ir_add_tensor(g, name, IR_T_ACT, 1);
    g->n[ni].inputs = malloc(sizeof(int));
    g->n[ni].inputs[0] = in;
    g->n[ni].n_inputs = 1;
    g->n[ni].output = t;
    g->t[t].shape = vec(n);
    return t;
}

static void test_hand_plan(void)
{
    /* x(100) -> a(100) -> b(10) -> c(100) -> y(5)
     * live: a [0,1], b [1,2], c [2,3]; y is the caller's output.
     * Largest first: a at 0; c (no overlap with a in time) at 0;
     * b overlaps both in time -> first gap after 0..100 -> 100.
     * Arena = 110 elements. */
    ir_graph *g = ir_new();
    diag d;
    int x, a, b, c, y;
    memset(&d, 0, sizeof d);
    x = ir_add_tensor(g, "x", IR_T_INPUT, 1);
    g->t[x].shape = vec(100);
    g->input = x;
    a = chain(g, x, 100, "a");
    b = chain(g, a, 10, "b");
    c = chain(g, b, 100, "c");
    y = chain(g, c, 5, "y");
    ir_set_output(g, y);
    ir_link(g);
    CU_ASSERT_EQUAL_FATAL(pass_plan(g, &d), 0);
    CU_ASSERT_EQUAL(g->t[x].storage, IR_ST_INPUT);
    CU_ASSERT_EQUAL(g->t[y].storage, IR_ST_OUTPUT);
    CU_ASSERT_EQUAL(g->t[a].offset, 0);
    CU_ASSERT_EQUAL(g->t[c].offset, 0);
    CU_ASSERT_EQUAL(g->t[b].offset, 100);
    CU_ASSERT_EQUAL(g->arena_elems, 110);
    CU_ASSERT_EQUAL(g->t[b].first_use, 1);
    CU_ASSERT_EQUAL(g->t[b].last_use, 2);
    ir_free(g);
}

static uint32_t rng = 12345u;
static uint32_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

static void test_random_no_overlap(void)
{
    int iter;
    for (iter = 0; iter < 300; iter++) {
        ir_graph *g = ir_new();
        diag d;
        int n = 2 + (int)(next() % 20), i, j, x;
        int64_t sum = 0;
        memset(&d, 0, sizeof d);
        x = ir_add_tensor(g, "x", IR_T_INPUT, 1);
        g->t[x].shape = vec(4);
        g->input = x;
        for (i = 0; i < n; i++) {
            /* read any earlier tensor: a DAG with long and short lives */
            int src = (int)(next() % (unsigned)g->nt);
            char name[16];
            sprintf(name, "t%d", i);
            chain(g, src, 1 + (int32_t)(next() % 64), name);
        }
        ir_set_output(g, g->nt - 1);
        ir_link(g);
        CU_ASSERT_EQUAL_FATAL(pass_plan(g, &d), 0);
        for (i = 0; i < g->nt; i++) {
            const ir_tensor *s = &g->t[i];
            if (s->storage != IR_ST_ARENA) {
                continue;
            }
            sum += ir_shape_count(&s->shape);
            CU_ASSERT(s->offset + ir_shape_count(&s->shape) <= g->arena_elems);
            for (j = i + 1; j < g->nt; j++) {
                const ir_tensor *u = &g->t[j];
                if (ir_root(g, i) == ir_root(g, j)) {
                    continue; /* one buffer: in place */
                }
                int time = s->first_use <= u->last_use && u->first_use <= s->last_use;
                int space = s->offset < u->offset + ir_shape_count(&u->shape) &&
                            u->offset < s->offset + ir_shape_count(&s->shape);
                if (u->storage == IR_ST_ARENA && time && space) {
                    CU_FAIL("two live tensors share arena memory");
                }
            }
        }
        /* never worse than giving every tensor its own slot, never
         * better than the lower bound */
        CU_ASSERT(g->arena_elems <= sum);
        CU_ASSERT(g->arena_elems >= g->arena_lb[IR_DT_F32]);
        ir_free(g);
    }
}

/* Adds a node of op reading in0 (and in1 >= 0) and writing a new tensor of
 * n elements of type dt. */
static int node2(ir_graph *g, ir_op op, int in0, int in1, int32_t n, ir_dtype dt,
                 const char *name)
{
    int ni = ir_add_node(g, op, name, "x", 1);
    int t = ir_add_tensor(g, name, IR_T_ACT, 1);
    g->n[ni].inputs = malloc(2 * sizeof(int));
    g->n[ni].inputs[0] = in0;
    g->n[ni].inputs[1] = in1;
    g->n[ni].n_inputs = in1 >= 0 ? 2 : 1;
    g->n[ni].output = t;
    g->t[t].shape = vec(n);
    g->t[t].dtype = dt;
    return t;
}

static void test_in_place(void)
{
    /* x(8) -dense-> a(100) -relu-> b(100) -add(b, a2)-> c(100) -dense-> y(5)
     *           \-dense-> a2(100) (read by the add)
     * b runs in place over a (a is read by nothing later); the add writes c
     * over b (its first input, dead after it), not over a2's buffer... which
     * is dead too but comes second. Buffers: {a, b, c} and a2, live
     * together at nodes 1..3: 200 elements, the lower bound. Without in
     * place: a, b, a2 or b, a2, c at once: 300. */
    ir_graph *g = ir_new();
    diag d;
    int x, a, a2, b, c, y;
    memset(&d, 0, sizeof d);
    x = ir_add_tensor(g, "x", IR_T_INPUT, 1);
    g->t[x].shape = vec(8);
    g->input = x;
    a = node2(g, IR_OP_DENSE, x, -1, 100, IR_DT_F32, "a");
    a2 = node2(g, IR_OP_DENSE, x, -1, 100, IR_DT_F32, "a2");
    b = node2(g, IR_OP_ACTIVATION, a, -1, 100, IR_DT_F32, "b");
    c = node2(g, IR_OP_ADD, b, a2, 100, IR_DT_F32, "c");
    y = node2(g, IR_OP_DENSE, c, -1, 5, IR_DT_F32, "y");
    ir_set_output(g, y);
    ir_link(g);
    CU_ASSERT_EQUAL_FATAL(pass_plan(g, &d), 0);
    CU_ASSERT_EQUAL(g->t[b].alias_of, a);
    CU_ASSERT_EQUAL(g->t[c].alias_of, b);
    CU_ASSERT_EQUAL(g->t[a2].alias_of, -1);
    CU_ASSERT_EQUAL(g->t[c].offset, g->t[a].offset);
    CU_ASSERT_EQUAL(g->arena_lb[IR_DT_F32], 200);
    CU_ASSERT_EQUAL(g->arena_elems, 200);
    CU_ASSERT_EQUAL(g->t[y].storage, IR_ST_OUTPUT);
    ir_free(g);
}

static void test_not_in_place(void)
{
    /* a(6) -relu-> b(6) -add(b, a)-> y: a is read after the relu, so b
     * cannot overwrite it; the add may overwrite neither a nor b... the
     * output is the caller's. int8: sizes round to whole words (8), the
     * bound leaves out the rounding of the buffer that ends the arena:
     * 8 + 6 = 14 bytes. And an int16 layer reading an int8 tensor never
     * runs in place (another arena). */
    ir_graph *g = ir_new();
    diag d;
    int x, a, b, y, h;
    memset(&d, 0, sizeof d);
    x = ir_add_tensor(g, "x", IR_T_INPUT, 1);
    g->t[x].shape = vec(6);
    g->t[x].dtype = IR_DT_S8;
    g->input = x;
    a = node2(g, IR_OP_DENSE, x, -1, 6, IR_DT_S8, "a");
    b = node2(g, IR_OP_ACTIVATION, a, -1, 6, IR_DT_S8, "b");
    h = node2(g, IR_OP_ADD, b, a, 6, IR_DT_S8, "h");
    y = node2(g, IR_OP_ACTIVATION, h, -1, 6, IR_DT_S16, "y");
    ir_set_output(g, y);
    ir_link(g);
    CU_ASSERT_EQUAL_FATAL(pass_plan(g, &d), 0);
    CU_ASSERT_EQUAL(g->t[b].alias_of, -1);
    CU_ASSERT_EQUAL(g->t[h].alias_of, b); /* b and a are dead after the add */
    CU_ASSERT_EQUAL(g->t[y].alias_of, -1);
    CU_ASSERT_EQUAL(g->arena_lb[IR_DT_S8], 14);
    CU_ASSERT_EQUAL(g->arena_n[IR_DT_S8], 14);
    CU_ASSERT(g->t[a].offset % 4 == 0 && g->t[b].offset % 4 == 0);
    CU_ASSERT_EQUAL(g->arena_n[IR_DT_S16], 0);
    CU_ASSERT_EQUAL(g->t[y].storage, IR_ST_OUTPUT);
    ir_free(g);
}

static void test_several_outputs(void)
{
    /* x(8) -dense-> a(6) [output 1] -relu-> b(6) -dense-> y(3) [output 0]
     *                      a -reshape-> v(6) [output 2]
     * The relu would run in place over a (nothing reads a later but the
     * reshape, which only aliases), but a is an output: b gets its own
     * buffer. v is an output too: a copy into its own caller array, not an
     * alias of a. Each output root is IR_ST_OUTPUT with its index; ir_verify
     * holds, and lists them in graph order. */
    ir_graph *g = ir_new();
    diag d;
    int x, a, b, y, v, rn;
    memset(&d, 0, sizeof d);
    x = ir_add_tensor(g, "x", IR_T_INPUT, 1);
    g->t[x].shape = vec(8);
    g->input = x;
    a = node2(g, IR_OP_DENSE, x, -1, 6, IR_DT_F32, "a");
    b = node2(g, IR_OP_ACTIVATION, a, -1, 6, IR_DT_F32, "b");
    y = node2(g, IR_OP_DENSE, b, -1, 3, IR_DT_F32, "y");
    v = node2(g, IR_OP_RESHAPE, a, -1, 6, IR_DT_F32, "v");
    rn = g->nn - 1;
    g->n[rn].new_rank = 1;
    g->n[rn].new_shape[0] = 6;
    ir_set_output(g, y);
    g->outputs[1] = a;
    g->outputs[2] = v;
    g->n_outputs = 3;
    ir_link(g);
    CU_ASSERT_EQUAL(ir_verify(g, "test"), 0);
    CU_ASSERT_EQUAL(ir_output_index(g, v), 2);
    CU_ASSERT_EQUAL(ir_output_index(g, b), -1);
    CU_ASSERT_EQUAL(ir_outputs_count(g), 15);
    CU_ASSERT_EQUAL(ir_output_start(g, 2), 9);
    CU_ASSERT_EQUAL_FATAL(pass_plan(g, &d), 0);
    CU_ASSERT_EQUAL(g->t[b].alias_of, -1);
    CU_ASSERT_EQUAL(g->t[v].alias_of, -1);
    CU_ASSERT_EQUAL(g->t[b].storage, IR_ST_ARENA);
    CU_ASSERT(g->t[y].storage == IR_ST_OUTPUT && g->t[y].out_index == 0);
    CU_ASSERT(g->t[a].storage == IR_ST_OUTPUT && g->t[a].out_index == 1);
    CU_ASSERT(g->t[v].storage == IR_ST_OUTPUT && g->t[v].out_index == 2);
    /* an output listed twice breaks the IR */
    g->outputs[2] = a;
    CU_ASSERT_NOT_EQUAL(ir_verify(g, "test"), 0);
    ir_free(g);
}

UNIT_SUITE(suite_plan)
{
    CU_pSuite s = CU_add_suite("plan", NULL, NULL);
    CU_add_test(s, "hand-derived plan of a chain", test_hand_plan);
    CU_add_test(s, "random DAGs: live tensors never overlap", test_random_no_overlap);
    CU_add_test(s, "in place: element-wise layers over a dead input", test_in_place);
    CU_add_test(s, "not in place: a later reader, another arena; the bound", test_not_in_place);
    CU_add_test(s, "several outputs: own arrays, never in place over one", test_several_outputs);
}

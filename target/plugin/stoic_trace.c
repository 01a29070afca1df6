/*
 * stoic_trace: a QEMU TCG plugin (API version 1, qemu_plugin_v1.h) that
 * measures the executed instruction path of an ARMv7-M (Thumb-2) program
 * between two marker functions.
 *
 *   qemu-system-arm -M mps2-an386 -icount shift=0 -semihosting ... \
 *       -plugin file=stoic_trace.so,begin=0xADDR,end=0xADDR[,out=trace.txt][,dump=FILE]
 *               [,run=0xLO:0xHI]
 *
 * begin and end are the addresses of the marker functions (stoic_probe_begin
 * and stoic_probe_end, from nm; the Thumb bit is ignored). A window opens
 * when the first instruction of begin executes and closes when the first
 * instruction of end executes: it holds begin's own instructions, its
 * return, everything the program executes up to the call of end, and that
 * call. A program may open any number of windows, one after the other;
 * one line is written per closed window:
 *
 *   window N insns T ldst L branch B mul M other O div D mem A hash H taken X
 *
 *   T      instructions executed in the window; T = L + B + M + O
 *   L      loads and stores (LDR*, STR*, LDM, STM, PUSH, POP without PC,
 *          LDRD/STRD, exclusives, VLDR, VSTR, VLDM, VSTM, VPUSH, VPOP)
 *   B      instructions that may change the PC: B, B<c>, BL, BX, BLX,
 *          CBZ, CBNZ, TBB, TBH, POP/LDM with PC, LDR PC, MOV/ADD PC
 *   M      multiplies, multiply-accumulates and divides, integer (MUL,
 *          MLA, MLS, SMULL, SMLAL, SMLAD, SMMUL, ..., SDIV, UDIV) and
 *          floating point (VMUL, VNMUL, VMLA, VMLS, VNMLA, VNMLS, VFMA,
 *          VFMS, VFNMA, VFNMS, VDIV, VSQRT)
 *   O      everything else
 *   D      of M, the divides and square roots (SDIV, UDIV, VDIV, VSQRT)
 *   A      memory accesses made (one per register of LDM/STM/PUSH/POP); a
 *          conditional load or store whose condition fails makes none
 *   H      FNV-1a 64 over the executed PCs, each as 4 bytes little-endian,
 *          in execution order (16 hex digits)
 *   X      instructions taken: the next instruction executed is not the one
 *          that follows it in memory (taken branches, calls, returns; a
 *          branch to the very next instruction counts as not taken: no
 *          compiler emits one). The last instruction of the window (the
 *          call of end) is counted: its successor is end's first instruction.
 *
 * Calls (run=0xLO:0xHI, the address range of the function under test,
 * e.g. NAME_run from nm -S): each window is also split into segments by
 * the call structure of that function, and after its window line one line
 * per segment is written, in order:
 *
 *   segment K insns T ldst L branch B mul M other O div D mem A taken X
 *
 * Segment 0 holds what runs before the first instruction inside the range
 * (the begin marker's return and the call); every return into the range
 * from outside it (a callee returning) starts the next segment. So with
 * NAME_run a sequence of calls c1..cn, segment k (1..n) is cn's argument
 * set-up in NAME_run followed by the whole call (the kernel and whatever
 * it calls), segment 1 also NAME_run's prologue, and segment n+1 the
 * epilogue and the return to the caller up to the call of end (absent
 * when cn is a tail call: then segment n holds it). The segments add up to
 * the window. A taken instruction counts in the segment of its own
 * instruction; a memory access in that of the instruction making it.
 *
 * With segs=FILE as well (lines "n N", then "0xPC K" with 1 <= K <= N,
 * e.g. target/segmap.sh: the instructions of the function under test that
 * belong to its K-th call, inlined or not) the segments go by address
 * instead: every window has segments 0 .. N; an instruction inside the
 * range counts in the segment the file gives it (0 when it gives none), an
 * instruction outside it in the segment of the last instruction inside it
 * that ran (0 before the first one): a callee in the segment of its call.
 *
 * The class is decoded from the instruction bytes (ARMv7-M Architecture
 * Reference Manual, A5 "The Thumb instruction set encoding" and A7.5/A6
 * floating-point encodings), once per translation. An instruction is
 * counted when it is executed whether or not its condition passes: QEMU
 * calls the plugin before the condition check of an instruction in an IT
 * block (its PC is in the sequence either way), so a predicated select
 * is one path; a skipped load or store shows in A.
 *
 * With dump=FILE it also writes "PC CLASS" for every instruction it
 * translates (the test compares these with objdump's mnemonics). With
 * prof=FILE it writes at exit "PC COUNT" for every instruction executed
 * inside a window, the executions summed over all windows (a profile:
 * target/layers.sh PROF=FILE puts the counts next to the disassembly).
 *
 * Loops (loops=FILE,heads=HFILE; HFILE holds one loop back edge a line,
 * "0xHEAD 0xLATCH": the natural loops of the program's control-flow graph,
 * from the disassembly, target/loops.awk): the
 * plugin follows the calls of each window with a shadow stack (BL and
 * BLX push the return address; reaching the address on top pops it), so
 * it knows the window's root (the function the code between the markers
 * calls, e.g. NAME_run) and, for an instruction deeper than the root, the
 * root's call that leads to it (its context: the address of that BL).
 * Code of the root itself has the context "root". A header executes
 * either as an iteration (the previous instruction was a taken direct
 * branch at or after it: the back edge) or as an entry (anything else).
 * After each window's line, FILE gets
 *
 *   loops W root 0xADDR
 *   loop W CTX head 0xH max N total T entries E
 *   call W 0xSITE count C
 *
 * per header executed in the window and context (CTX is 0xSITE or root):
 * N the most executions of the header per entry (the loop bound counted
 * at the header, aiT's "end" form), T all its executions, E its entries;
 * and per call site of the root, C the calls made from it. Sorted by
 * context, then header.
 *
 * Errors (a begin inside an open window, an end without one, a window
 * still open at exit) are written as lines starting with "error"; a
 * consumer must treat them as failures. At exit: "windows N errors E".
 * Deterministic: use -icount shift=0 and a single vCPU.
 *
 * Host code (a shared object loaded by QEMU), not target code: it uses
 * the C library freely.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qemu_plugin_v1.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

enum { CLS_LDST, CLS_BRANCH, CLS_MUL, CLS_OTHER, CLS_N };
/* BL, BLX (register) */
enum { KIND_NONE, KIND_CALL };
static const char *const g_cls_name[CLS_N] = { "ldst", "branch", "mul", "other" };

typedef struct insn_rec {
    uint32_t pc;
    uint32_t cls;
    uint32_t div;
    uint32_t len;            /* 2 or 4 bytes */
    uint32_t kind;           /* KIND_CALL: a call (loops=) */
    uint32_t head;           /* a loop header of heads=FILE */
    uint32_t seg;            /* its segment (segs=FILE), 0 when none */
    uint64_t hits;           /* executions inside a window (prof=FILE) */
    struct insn_rec *next;   /* every record, to free at exit */
} insn_rec;

/* the counts of a window or of a segment */
typedef struct {
    uint64_t total;
    uint64_t cls[CLS_N];
    uint64_t div;
    uint64_t mem;
    uint64_t taken;
} counts;

static uint32_t g_begin;
static uint32_t g_end;
static FILE *g_out;
static FILE *g_dump;       /* dump=FILE: "PC CLASS" of every translated instruction */
static FILE *g_prof;       /* prof=FILE: "PC COUNT" of every instruction executed in a window */
static insn_rec *g_recs;

static int g_active;
static uint64_t g_windows;
static uint64_t g_errors;
static uint64_t g_short;   /* instructions whose data QEMU gave too short */
static counts g_win;       /* the open window's counts */
static uint64_t g_hash;
static int g_have_prev;    /* an instruction of this window executed before */
static uint32_t g_prev_next; /* the address that follows it in memory */

/* run=LO:HI: segments by the call structure of [LO, HI) */
static int g_split;
static uint32_t g_run_lo;
static uint32_t g_run_hi;
static counts *g_seg;      /* the open window's segments */
/* segs=FILE: segments by address; the segment of each address it lists
 * (sorted by address) */
static int g_segmap;
static uint32_t *g_map_pc;
static uint32_t *g_map_seg;
static size_t g_map_n;
static size_t g_map_segs;  /* N: segments 0 .. N */
static size_t g_cur;       /* the segment of the instruction executing */
static size_t g_prev_seg;  /* the segment of the window's previous instruction */
static size_t g_nseg;      /* segments used (the current one is g_nseg - 1) */
static size_t g_capseg;
static int g_entered;      /* the window has executed an instruction in range */
static int g_prev_in;      /* the previous instruction was in range */

/* loops=FILE,heads=FILE */
#define LOOP_CAP 16384U      /* records per window (a power of two) */
#define HEAD_CAP 32768U      /* loop headers and back edges (a power of two) */
#define STACK_CAP 64U
#define CTX_ROOT 0xFFFFFFFFU
typedef struct {
    uint32_t ctx;            /* the root's call site, or CTX_ROOT */
    uint32_t head;
    uint64_t max;
    uint64_t cur;            /* executions in the present entry */
    uint64_t total;
    uint64_t entries;
    int used;
} loop_rec;
typedef struct {
    uint32_t site;
    uint64_t count;
    int used;
} call_rec;
static FILE *g_loops;
static uint64_t *g_keys;     /* the loop set (has_key), open addressing, 0 = empty */
static loop_rec *g_lrec;
static call_rec *g_crec;
static size_t g_nlrec;
static size_t g_ncrec;
static uint32_t g_stack_ret[STACK_CAP];
static uint32_t g_stack_site[STACK_CAP];
static size_t g_depth;
static size_t g_lost;        /* calls deeper than STACK_CAP */
static uint32_t g_root;
static uint32_t g_prev_pc;

#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

/* ---- Thumb-2 decoding (ARMv7-M ARM, A5.1-A5.3, A6.4, A7.5) ------------- */

/* The 32-bit coprocessor space: floating point on ARMv7-M. */
static uint32_t classify_coproc(uint32_t h1, uint32_t h2, uint32_t *div)
{
    uint32_t cls = CLS_OTHER;
    uint32_t opc1;

    if ((h1 & 0x0200U) == 0U) {
        /* op1 = 0xxxxx: LDC/STC (VLDR, VSTR, VLDM, VSTM, VPUSH, VPOP),
         * except 000x0x (undefined, MCRR/MRRC: VMOV of two core registers) */
        if ((h1 & 0x03A0U) != 0U) {
            cls = CLS_LDST;
        }
    } else if ((h1 & 0x1300U) == 0x0200U && (h2 & 0x0010U) == 0U) {
        /* op1 = 10xxxx, op = 0, T = 0 (0xEExx): CDP, the floating-point
         * data processing (A6.4 table: opc1 = h1[7:4], pattern of bits 3,
         * 1, 0). The T = 1 form (0xFExx: CDP2) holds FPv5's VSEL, VMAXNM,
         * VMINNM, VRINT and VCVT with rounding: other. */
        opc1 = (h1 >> 4) & 0xBU;
        if (opc1 == 0x0U || opc1 == 0x1U || opc1 == 0x2U || opc1 == 0x9U || opc1 == 0xAU) {
            cls = CLS_MUL;   /* VMLA/VMLS, VNMLA/VNMLS, VMUL/VNMUL, VFNMA/VFNMS, VFMA/VFMS */
        } else if (opc1 == 0x8U) {
            cls = CLS_MUL;   /* VDIV */
            *div = 1U;
        } else if (opc1 == 0xBU && (h1 & 0xFU) == 0x1U && (h2 & 0x00C0U) == 0x00C0U) {
            cls = CLS_MUL;   /* VSQRT */
            *div = 1U;
        } else {
            /* VADD, VSUB, VMOV, VABS, VNEG, VCMP, VCVT */
        }
    } else {
        /* MCR/MRC (VMOV core <-> single, VMRS, VMSR), undefined */
    }
    return cls;
}

static uint32_t classify32(uint32_t h1, uint32_t h2, uint32_t *div)
{
    uint32_t op1 = (h1 >> 11) & 3U;
    uint32_t cls = CLS_OTHER;

    if (op1 == 1U) {
        if ((h1 & 0xFE40U) == 0xE800U) {
            /* load/store multiple (LDM, STM, PUSH.W, POP.W) */
            cls = ((h1 & 0x0010U) != 0U && (h2 & 0x8000U) != 0U) ? CLS_BRANCH : CLS_LDST;
        } else if ((h1 & 0xFE40U) == 0xE840U) {
            /* load/store dual or exclusive, table branch */
            cls = ((h1 & 0xFFF0U) == 0xE8D0U && (h2 & 0xFFE0U) == 0xF000U) ? CLS_BRANCH : CLS_LDST;
        } else if ((h1 & 0x0400U) != 0U) {
            cls = classify_coproc(h1, h2, div);
        } else {
            /* data processing (shifted register) */
        }
    } else if (op1 == 2U) {
        if ((h2 & 0x8000U) != 0U) {
            /* branches and miscellaneous control */
            if ((h2 & 0x5000U) != 0U) {
                cls = CLS_BRANCH;            /* B.W (T4), BL */
            } else if ((h1 & 0x0380U) != 0x0380U) {
                cls = CLS_BRANCH;            /* B<c>.W (T3) */
            } else {
                /* MSR, MRS, hints, barriers, UDF */
            }
        } else {
            /* data processing (modified or plain immediate): SSAT, USAT, ... */
        }
    } else if (op1 == 3U) {
        if ((h1 & 0x0400U) != 0U) {
            cls = classify_coproc(h1, h2, div);
        } else if ((h1 & 0xFE00U) == 0xF800U) {
            /* load/store single (and PLD/PLI); LDR.W into the PC is a branch */
            cls = ((h1 & 0xFF70U) == 0xF850U && (h2 >> 12) == 0xFU) ? CLS_BRANCH : CLS_LDST;
        } else if ((h1 & 0xFF80U) == 0xFB00U) {
            cls = CLS_MUL;                   /* multiply, multiply-accumulate, abs. difference */
        } else if ((h1 & 0xFF80U) == 0xFB80U) {
            cls = CLS_MUL;                   /* long multiply, long MAC, divide */
            if ((h1 & 0xFFD0U) == 0xFB90U && (h2 & 0x00F0U) == 0x00F0U) {
                *div = 1U;                   /* SDIV (FB9x), UDIV (FBBx) */
            }
        } else {
            /* data processing (register): extends, SXTB16, shifts, ... */
        }
    } else {
        /* op1 == 0 is a 16-bit instruction; not reached */
    }
    return cls;
}

static uint32_t classify16(uint32_t h)
{
    uint32_t cls = CLS_OTHER;

    if ((h & 0xF000U) == 0xD000U && (h & 0x0E00U) != 0x0E00U) {
        cls = CLS_BRANCH;    /* B<c> (not UDF, SVC) */
    } else if ((h & 0xF800U) == 0xE000U) {
        cls = CLS_BRANCH;    /* B */
    } else if ((h & 0xFF00U) == 0x4700U) {
        cls = CLS_BRANCH;    /* BX, BLX (register) */
    } else if ((h & 0xF500U) == 0xB100U) {
        cls = CLS_BRANCH;    /* CBZ, CBNZ */
    } else if ((h & 0xFF00U) == 0xBD00U) {
        cls = CLS_BRANCH;    /* POP with PC */
    } else if ((h & 0xFD00U) == 0x4400U && (h & 0x0087U) == 0x0087U) {
        cls = CLS_BRANCH;    /* ADD PC, Rm / MOV PC, Rm */
    } else if ((h & 0xFFC0U) == 0x4340U) {
        cls = CLS_MUL;       /* MULS */
    } else if ((h & 0xF000U) == 0x5000U || (h & 0xE000U) == 0x6000U ||
               (h & 0xF000U) == 0x8000U || (h & 0xF000U) == 0x9000U ||
               (h & 0xF800U) == 0x4800U || (h & 0xF000U) == 0xC000U ||
               (h & 0xFE00U) == 0xB400U || (h & 0xFF00U) == 0xBC00U) {
        cls = CLS_LDST;      /* LDR/STR (register, immediate, SP, literal), LDM/STM, PUSH, POP */
    } else {
        /* data processing, IT, hints, ... */
    }
    return cls;
}

/* BL, BLX (register): the calls the shadow stack follows (A5.3.4, A6.7) */
static uint32_t insn_kind(uint32_t h1, uint32_t h2)
{
    uint32_t kind = KIND_NONE;

    if ((h1 >> 11) >= 0x1DU) {
        if ((h1 & 0xF800U) == 0xF000U && (h2 & 0xD000U) == 0xD000U) {
            kind = KIND_CALL;
        }
    } else if ((h1 & 0xFF87U) == 0x4780U) {
        kind = KIND_CALL;
    } else {
        /* not a call */
    }
    return kind;
}

/* ---- callbacks ---------------------------------------------------------- */

static void put_counts(const counts *c)
{
    fprintf(g_out,
            " insns %" PRIu64 " ldst %" PRIu64 " branch %" PRIu64 " mul %" PRIu64
            " other %" PRIu64 " div %" PRIu64 " mem %" PRIu64,
            c->total, c->cls[CLS_LDST], c->cls[CLS_BRANCH], c->cls[CLS_MUL], c->cls[CLS_OTHER],
            c->div, c->mem);
}

static void loops_close(void);

static void window_close(void)
{
    size_t k;

    fprintf(g_out, "window %" PRIu64, g_windows);
    put_counts(&g_win);
    fprintf(g_out, " hash %016" PRIx64 " taken %" PRIu64 "\n", g_hash, g_win.taken);
    for (k = 0; g_split && k < g_nseg; k++) {
        fprintf(g_out, "segment %zu", k);
        put_counts(&g_seg[k]);
        fprintf(g_out, " taken %" PRIu64 "\n", g_seg[k].taken);
    }
    fflush(g_out);
    if (g_loops != NULL) {
        loops_close();
    }
    g_active = 0;
}

/* starts segment g_nseg (zeroed) */
static void segment_open(void)
{
    counts *n;

    if (g_nseg == g_capseg) {
        g_capseg = (g_capseg == 0U) ? 64U : 2U * g_capseg;
        n = realloc(g_seg, g_capseg * sizeof *n);
        if (n == NULL) {
            fprintf(stderr, "stoic_trace: out of memory\n");
            exit(3);
        }
        g_seg = n;
    }
    memset(&g_seg[g_nseg], 0, sizeof g_seg[g_nseg]);
    g_nseg++;
}


/* ---- loops=FILE ----------------------------------------------------------- */

static uint32_t mix32(uint32_t x)
{
    x ^= x >> 16;
    x *= 0x7feb352dU;
    x ^= x >> 15;
    x *= 0x846ca68bU;
    x ^= x >> 16;
    return x;
}

/* The loop set of heads=FILE: for each back edge the key (HEAD << 32) |
 * LATCH, and for each header HEAD << 32 (a latch is never 0) */
static uint32_t key_slot(uint64_t key)
{
    return mix32((uint32_t)(key >> 32) ^ mix32((uint32_t)key)) & (HEAD_CAP - 1U);
}

static int has_key(uint64_t key)
{
    uint32_t i = key_slot(key);

    while (g_keys[i] != 0U) {
        if (g_keys[i] == key) {
            return 1;
        }
        i = (i + 1U) & (HEAD_CAP - 1U);
    }
    return 0;
}

static void add_key(uint64_t key, size_t *n)
{
    uint32_t i = key_slot(key);

    while (g_keys[i] != 0U) {
        if (g_keys[i] == key) {
            return;
        }
        i = (i + 1U) & (HEAD_CAP - 1U);
    }
    if (*n + 1U >= HEAD_CAP / 2U) {
        fprintf(stderr, "stoic_trace: more than %u loop headers and back edges\n", HEAD_CAP / 2U);
        exit(3);
    }
    g_keys[i] = key;
    (*n)++;
}

static loop_rec *loop_of(uint32_t ctx, uint32_t head)
{
    uint32_t i = mix32(head ^ mix32(ctx)) & (LOOP_CAP - 1U);

    while (g_lrec[i].used) {
        if (g_lrec[i].ctx == ctx && g_lrec[i].head == head) {
            return &g_lrec[i];
        }
        i = (i + 1U) & (LOOP_CAP - 1U);
    }
    if (g_nlrec + 1U >= LOOP_CAP / 2U) {
        fprintf(stderr, "stoic_trace: more than %u loops in a window\n", LOOP_CAP / 2U);
        exit(3);
    }
    g_nlrec++;
    g_lrec[i].used = 1;
    g_lrec[i].ctx = ctx;
    g_lrec[i].head = head;
    return &g_lrec[i];
}

static void call_from(uint32_t site)
{
    uint32_t i = mix32(site) & (LOOP_CAP - 1U);

    while (g_crec[i].used && g_crec[i].site != site) {
        i = (i + 1U) & (LOOP_CAP - 1U);
    }
    if (!g_crec[i].used) {
        if (g_ncrec + 1U >= LOOP_CAP / 2U) {
            fprintf(stderr, "stoic_trace: more than %u call sites in a window\n", LOOP_CAP / 2U);
            exit(3);
        }
        g_ncrec++;
        g_crec[i].used = 1;
        g_crec[i].site = site;
    }
    g_crec[i].count++;
}

static void loops_open(void)
{
    memset(g_lrec, 0, LOOP_CAP * sizeof *g_lrec);
    memset(g_crec, 0, LOOP_CAP * sizeof *g_crec);
    g_nlrec = 0;
    g_ncrec = 0;
    g_depth = 0;
    g_root = 0;
}

static int cmp_loop(const void *a, const void *b)
{
    const loop_rec *x = a;
    const loop_rec *y = b;

    if (x->used != y->used) {
        return x->used ? -1 : 1;
    }
    if (x->ctx != y->ctx) {
        return x->ctx < y->ctx ? -1 : 1;
    }
    return (x->head > y->head) - (x->head < y->head);
}

static int cmp_call(const void *a, const void *b)
{
    const call_rec *x = a;
    const call_rec *y = b;

    if (x->used != y->used) {
        return x->used ? -1 : 1;
    }
    return (x->site > y->site) - (x->site < y->site);
}

static void loops_close(void)
{
    size_t i;

    qsort(g_lrec, LOOP_CAP, sizeof *g_lrec, cmp_loop);
    qsort(g_crec, LOOP_CAP, sizeof *g_crec, cmp_call);
    fprintf(g_loops, "loops %" PRIu64 " root 0x%08" PRIx32 "\n", g_windows, g_root);
    for (i = 0; i < g_nlrec; i++) {
        loop_rec *l = &g_lrec[i];
        if (l->cur > l->max) {
            l->max = l->cur;
        }
        if (l->ctx == CTX_ROOT) {
            fprintf(g_loops, "loop %" PRIu64 " root", g_windows);
        } else {
            fprintf(g_loops, "loop %" PRIu64 " 0x%08" PRIx32, g_windows, l->ctx);
        }
        fprintf(g_loops, " head 0x%08" PRIx32 " max %" PRIu64 " total %" PRIu64 " entries %" PRIu64 "\n",
                l->head, l->max, l->total, l->entries);
    }
    for (i = 0; i < g_ncrec; i++) {
        fprintf(g_loops, "call %" PRIu64 " 0x%08" PRIx32 " count %" PRIu64 "\n", g_windows,
                g_crec[i].site, g_crec[i].count);
    }
    if (g_lost != 0U) {
        fprintf(g_out, "error window %" PRIu64 ": calls nested deeper than %u\n", g_windows,
                STACK_CAP);
        g_errors++;
        g_lost = 0;
    }
    fflush(g_loops);
}

/* one executed instruction of an open window (pc), for loops= */
static void loops_exec(const insn_rec *r)
{
    uint32_t pc = r->pc;
    uint32_t ctx;
    loop_rec *l;

    uint32_t prev = g_prev_pc;

    /* a return: the address on top of the shadow stack; in the caller's
     * frame the call was the instruction before */
    if (g_depth > 0U && g_depth <= STACK_CAP && pc == g_stack_ret[g_depth - 1U]) {
        g_depth--;
        prev = g_stack_site[g_depth];
    }
    if (g_depth == 1U && g_root == 0U) {
        g_root = pc;         /* the first instruction of the root */
    }
    if (r->head && g_depth >= 1U) {
        ctx = (g_depth >= 2U) ? g_stack_site[1] : CTX_ROOT;
        l = loop_of(ctx, pc);
        l->total++;
        if (g_have_prev && has_key(((uint64_t)pc << 32) | prev)) {
            l->cur++;        /* the back edge: one more iteration */
        } else {
            if (l->cur > l->max) {
                l->max = l->cur;
            }
            l->cur = 1U;     /* an entry */
            l->entries++;
        }
    }
    if (r->kind == KIND_CALL) {
        if (g_depth < STACK_CAP) {
            g_stack_ret[g_depth] = pc + r->len;
            g_stack_site[g_depth] = pc;
            if (g_depth == 1U) {
                call_from(pc);
            }
            g_depth++;
        } else {
            g_lost++;
        }
    }
    g_prev_pc = pc;
}

static void on_exec(unsigned int vcpu, void *udata)
{
    insn_rec *r = udata;
    counts *seg = NULL;
    uint32_t pc;
    int in_run;
    int i;

    (void)vcpu;
    /* the previous instruction of the window was taken when this one is
     * not the next in memory (counted before the window may close) */
    if (g_active && g_have_prev && r->pc != g_prev_next) {
        g_win.taken++;
        if (g_segmap) {
            g_seg[g_prev_seg].taken++;
        } else if (g_split) {
            g_seg[g_nseg - 1U].taken++;
        } else {
            /* no segments */
        }
    }
    if (r->pc == g_end) {
        if (g_active) {
            window_close();
        } else {
            fprintf(g_out, "error end marker executed outside a window\n");
            g_errors++;
        }
        return;
    }
    if (r->pc == g_begin) {
        if (g_active) {
            fprintf(g_out, "error begin marker executed inside window %" PRIu64 "\n", g_windows);
            g_errors++;
        }
        g_active = 1;
        g_windows++;
        memset(&g_win, 0, sizeof g_win);
        g_hash = FNV_OFFSET;
        g_have_prev = 0;
        g_nseg = 0;
        g_entered = 0;
        g_prev_in = 0;
        if (g_segmap) {
            while (g_nseg <= g_map_segs) {
                segment_open();
            }
            g_cur = 0U;
        } else if (g_split) {
            segment_open();
        } else {
            /* no segments */
        }
        if (g_loops != NULL) {
            loops_open();
        }
    }
    if (g_active) {
        pc = r->pc;
        if (g_segmap) {
            if ((pc >= g_run_lo) && (pc < g_run_hi)) {
                g_cur = r->seg;
            }
            seg = &g_seg[g_cur];
            seg->total++;
            seg->cls[r->cls]++;
            seg->div += r->div;
            g_prev_seg = g_cur;
        } else if (g_split) {
            in_run = (pc >= g_run_lo) && (pc < g_run_hi);
            if (in_run && !g_prev_in && g_entered) {
                segment_open();      /* a callee returned into the range */
            }
            if (in_run && !g_entered) {
                g_entered = 1;
                segment_open();      /* the first instruction in range */
            }
            g_prev_in = in_run;
            seg = &g_seg[g_nseg - 1U];
            seg->total++;
            seg->cls[r->cls]++;
            seg->div += r->div;
        }
        g_win.total++;
        r->hits++;
        g_win.cls[r->cls]++;
        g_win.div += r->div;
        for (i = 0; i < 4; i++) {
            g_hash ^= (uint64_t)((pc >> (8 * i)) & 0xFFU);
            g_hash *= FNV_PRIME;
        }
        if (g_loops != NULL) {
            loops_exec(r);
        }
        g_have_prev = 1;
        g_prev_next = pc + r->len;
    }
}

static void on_mem(unsigned int vcpu, qemu_plugin_meminfo_t info, uint64_t vaddr, void *udata)
{
    (void)vcpu;
    (void)info;
    (void)vaddr;
    (void)udata;
    if (g_active) {
        g_win.mem++;
        if (g_segmap) {
            g_seg[g_cur].mem++;
        } else if (g_split) {
            g_seg[g_nseg - 1U].mem++;
        } else {
            /* no segments */
        }
    }
}

/* the segment segs=FILE gives address pc (0: none) */
static uint32_t seg_of(uint32_t pc)
{
    size_t lo = 0U;
    size_t hi = g_map_n;
    size_t mid;
    uint32_t k = 0U;

    while (lo < hi) {
        mid = lo + ((hi - lo) / 2U);
        if (g_map_pc[mid] < pc) {
            lo = mid + 1U;
        } else {
            hi = mid;
        }
    }
    if ((lo < g_map_n) && (g_map_pc[lo] == pc)) {
        k = g_map_seg[lo];
    }
    return k;
}

static void on_tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    size_t n = qemu_plugin_tb_n_insns(tb);
    size_t i;

    (void)id;
    for (i = 0; i < n; i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        const uint8_t *b = qemu_plugin_insn_data(insn);
        size_t size = qemu_plugin_insn_size(insn);
        insn_rec *r = calloc(1, sizeof *r);
        uint32_t h1;

        if (r == NULL) {
            fprintf(stderr, "stoic_trace: out of memory\n");
            exit(3);
        }
        r->pc = (uint32_t)qemu_plugin_insn_vaddr(insn);
        h1 = (size >= 2U) ? ((uint32_t)b[0] | ((uint32_t)b[1] << 8)) : 0U;
        /* The length comes from the first halfword (A5.1: 0b11101, 0b11110,
         * 0b11111 in bits 15..11 start a 32-bit instruction), not from
         * qemu_plugin_insn_size(): QEMU 7.2 appends the halfword it reads
         * ahead at the end of a translation block to the last
         * instruction's data (a 32-bit instruction then shows 6 bytes). */
        r->len = ((h1 >> 11) >= 0x1DU) ? 4U : 2U;
        if ((h1 >> 11) >= 0x1DU) {
            if (size >= 4U) {
                r->cls = classify32(h1, (uint32_t)b[2] | ((uint32_t)b[3] << 8), &r->div);
            } else {
                r->cls = CLS_OTHER;
                g_short++;
            }
        } else if (size >= 2U) {
            r->cls = classify16(h1);
        } else {
            r->cls = CLS_OTHER;
            g_short++;
        }
        r->kind = insn_kind(h1, (size >= 4U) ? ((uint32_t)b[2] | ((uint32_t)b[3] << 8)) : 0U);
        r->head = (g_keys != NULL) && has_key((uint64_t)r->pc << 32);
        r->seg = seg_of(r->pc);
        if (g_dump != NULL) {
            fprintf(g_dump, "%08" PRIx32 " %s\n", r->pc, g_cls_name[r->cls]);
        }
        r->next = g_recs;
        g_recs = r;
        qemu_plugin_register_vcpu_insn_exec_cb(insn, on_exec, QEMU_PLUGIN_CB_NO_REGS, r);
        if (r->cls == CLS_LDST || r->cls == CLS_BRANCH) {
            qemu_plugin_register_vcpu_mem_cb(insn, on_mem, QEMU_PLUGIN_CB_NO_REGS,
                                             QEMU_PLUGIN_MEM_RW, NULL);
        }
    }
}

static void on_qemu_exit(qemu_plugin_id_t id, void *udata)
{
    insn_rec *r;

    (void)id;
    (void)udata;
    if (g_active) {
        fprintf(g_out, "error window %" PRIu64 " still open at exit\n", g_windows);
        g_errors++;
    }
    if (g_short != 0U) {
        fprintf(g_out, "error %" PRIu64 " translated instructions with too few bytes to decode\n",
                g_short);
        g_errors++;
    }
    fprintf(g_out, "windows %" PRIu64 " errors %" PRIu64 "\n", g_windows, g_errors);
    fflush(g_out);
    if (g_out != stderr) {
        fclose(g_out);
        g_out = stderr;
    }
    if (g_dump != NULL) {
        fclose(g_dump);
        g_dump = NULL;
    }
    if (g_loops != NULL) {
        fclose(g_loops);
        g_loops = NULL;
    }
    free(g_keys);
    free(g_lrec);
    free(g_crec);
    g_keys = NULL;
    g_lrec = NULL;
    g_crec = NULL;
    if (g_prof != NULL) {
        /* one line per translation of an instruction: a consumer adds the
         * lines of one PC (an instruction may be translated again) */
        for (r = g_recs; r != NULL; r = r->next) {
            if (r->hits != 0U) {
                fprintf(g_prof, "%08" PRIx32 " %" PRIu64 "\n", r->pc, r->hits);
            }
        }
        fclose(g_prof);
        g_prof = NULL;
    }
    while (g_recs != NULL) {
        r = g_recs->next;
        free(g_recs);
        g_recs = r;
    }
    free(g_seg);
    g_seg = NULL;
}

static int parse_addr(const char *s, uint32_t *v)
{
    char *end;
    unsigned long long x = strtoull(s, &end, 0);

    if (*s == '\0' || *end != '\0' || x > 0xFFFFFFFFULL) {
        return -1;
    }
    *v = (uint32_t)x & ~1U;   /* the Thumb bit of a function symbol */
    return 0;
}

/* run=LO:HI, LO < HI */
static int parse_range(const char *s, uint32_t *lo, uint32_t *hi)
{
    char buf[64];
    char *colon;
    size_t n = strlen(s);

    if (n >= sizeof buf) {
        return -1;
    }
    memcpy(buf, s, n + 1U);
    colon = strchr(buf, ':');
    if (colon == NULL) {
        return -1;
    }
    *colon = '\0';
    if (parse_addr(buf, lo) != 0 || parse_addr(colon + 1, hi) != 0 || *lo >= *hi) {
        return -1;
    }
    return 0;
}

/* segs=FILE: "n N", then "0xPC K" lines by increasing address, 1 <= K <= N */
static int read_segs(const char *path)
{
    FILE *f = fopen(path, "r");
    char line[64];
    size_t lno = 0U;
    size_t cap = 0U;
    unsigned long nseg = 0UL;
    unsigned long k;
    uint32_t a;
    char *sp;
    char *end;
    int rc = 0;

    if (f == NULL) {
        fprintf(stderr, "stoic_trace: cannot read %s\n", path);
        return -1;
    }
    while (rc == 0 && fgets(line, sizeof line, f) != NULL) {
        lno++;
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '\0') {
            continue;
        }
        if (nseg == 0UL) {
            /* the first line: the number of segments after segment 0 */
            nseg = (strncmp(line, "n ", 2) == 0) ? strtoul(line + 2, &end, 10) : 0UL;
            if (nseg == 0UL || nseg > 100000UL || *end != '\0') {
                fprintf(stderr, "stoic_trace: %s:%zu: not \"n N\" (1 <= N <= 100000): '%s'\n",
                        path, lno, line);
                rc = -1;
            }
            g_map_segs = (size_t)nseg;
            continue;
        }
        sp = strchr(line, ' ');
        if (sp != NULL) {
            *sp = '\0';
            k = strtoul(sp + 1, &end, 10);
        }
        if (sp == NULL || parse_addr(line, &a) != 0 || *end != '\0' || k < 1UL || k > nseg ||
            (g_map_n > 0U && a <= g_map_pc[g_map_n - 1U])) {
            fprintf(stderr, "stoic_trace: %s:%zu: not \"0xPC K\" (1 <= K <= %lu, addresses "
                            "increasing)\n", path, lno, nseg);
            rc = -1;
            continue;
        }
        if (g_map_n == cap) {
            uint32_t *np;
            uint32_t *ns;
            cap = (cap == 0U) ? 1024U : 2U * cap;
            np = realloc(g_map_pc, cap * sizeof *np);
            if (np != NULL) {
                g_map_pc = np;
            }
            ns = realloc(g_map_seg, cap * sizeof *ns);
            if (ns != NULL) {
                g_map_seg = ns;
            }
            if (np == NULL || ns == NULL) {
                fprintf(stderr, "stoic_trace: out of memory\n");
                rc = -1;
                continue;
            }
        }
        g_map_pc[g_map_n] = a;
        g_map_seg[g_map_n] = (uint32_t)k;
        g_map_n++;
    }
    fclose(f);
    if (rc == 0 && nseg == 0UL) {
        fprintf(stderr, "stoic_trace: %s: empty (no \"n N\" line)\n", path);
        rc = -1;
    }
    g_segmap = (rc == 0);
    return rc;
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
                                           int argc, char **argv)
{
    int have_begin = 0;
    int have_end = 0;
    const char *out = NULL;
    const char *dump = NULL;
    const char *prof = NULL;
    const char *segs = NULL;
    const char *loops = NULL;
    const char *heads = NULL;
    int i;

    (void)info;
    for (i = 0; i < argc; i++) {
        if (strncmp(argv[i], "begin=", 6) == 0 && parse_addr(argv[i] + 6, &g_begin) == 0) {
            have_begin = 1;
        } else if (strncmp(argv[i], "end=", 4) == 0 && parse_addr(argv[i] + 4, &g_end) == 0) {
            have_end = 1;
        } else if (strncmp(argv[i], "out=", 4) == 0 && argv[i][4] != '\0') {
            out = argv[i] + 4;
        } else if (strncmp(argv[i], "dump=", 5) == 0 && argv[i][5] != '\0') {
            dump = argv[i] + 5;
        } else if (strncmp(argv[i], "prof=", 5) == 0 && argv[i][5] != '\0') {
            prof = argv[i] + 5;
        } else if (strncmp(argv[i], "loops=", 6) == 0 && argv[i][6] != '\0') {
            loops = argv[i] + 6;
        } else if (strncmp(argv[i], "heads=", 6) == 0 && argv[i][6] != '\0') {
            heads = argv[i] + 6;
        } else if (strncmp(argv[i], "segs=", 5) == 0 && argv[i][5] != '\0') {
            segs = argv[i] + 5;
        } else if (strncmp(argv[i], "run=", 4) == 0 &&
                   parse_range(argv[i] + 4, &g_run_lo, &g_run_hi) == 0) {
            g_split = 1;
        } else {
            fprintf(stderr, "stoic_trace: bad argument '%s' (begin=ADDR end=ADDR [out=FILE] "
                            "[dump=FILE] [prof=FILE] [run=LO:HI [segs=FILE]] [loops=FILE heads=FILE])\n", argv[i]);
            return -1;
        }
    }
    if (!have_begin || !have_end || g_begin == g_end) {
        fprintf(stderr, "stoic_trace: needs begin=ADDR and end=ADDR, two different addresses\n");
        return -1;
    }
    g_out = stderr;
    if (out != NULL) {
        g_out = fopen(out, "w");
        if (g_out == NULL) {
            fprintf(stderr, "stoic_trace: cannot write %s\n", out);
            return -1;
        }
    }
    if (dump != NULL) {
        g_dump = fopen(dump, "w");
        if (g_dump == NULL) {
            fprintf(stderr, "stoic_trace: cannot write %s\n", dump);
            return -1;
        }
    }
    if (prof != NULL) {
        g_prof = fopen(prof, "w");
        if (g_prof == NULL) {
            fprintf(stderr, "stoic_trace: cannot write %s\n", prof);
            return -1;
        }
    }
    if (segs != NULL && (!g_split || read_segs(segs) != 0)) {
        if (!g_split) {
            fprintf(stderr, "stoic_trace: segs=FILE needs run=LO:HI\n");
        }
        return -1;
    }
    if ((loops == NULL) != (heads == NULL)) {
        fprintf(stderr, "stoic_trace: loops=FILE needs heads=FILE, and heads= loops=\n");
        return -1;
    }
    if (loops != NULL) {
        FILE *h = fopen(heads, "r");
        char line[64];
        size_t n = 0;
        size_t lno = 0;
        uint32_t a;
        uint32_t lat;
        char *sp;

        g_keys = calloc(HEAD_CAP, sizeof *g_keys);
        g_lrec = calloc(LOOP_CAP, sizeof *g_lrec);
        g_crec = calloc(LOOP_CAP, sizeof *g_crec);
        if (g_keys == NULL || g_lrec == NULL || g_crec == NULL) {
            fprintf(stderr, "stoic_trace: out of memory\n");
            return -1;
        }
        if (h == NULL) {
            fprintf(stderr, "stoic_trace: cannot read %s\n", heads);
            return -1;
        }
        while (fgets(line, sizeof line, h) != NULL) {
            lno++;
            line[strcspn(line, "\r\n")] = '\0';
            if (line[0] == '\0') {
                continue;
            }
            sp = strchr(line, ' ');
            if (sp != NULL) {
                *sp = '\0';
            }
            if (sp == NULL || parse_addr(line, &a) != 0 || a == 0U ||
                parse_addr(sp + 1, &lat) != 0 || lat == 0U) {
                fprintf(stderr, "stoic_trace: %s:%zu: not \"0xHEAD 0xLATCH\": '%s'\n", heads, lno,
                        line);
                fclose(h);
                return -1;
            }
            add_key((uint64_t)a << 32, &n);
            add_key(((uint64_t)a << 32) | lat, &n);
        }
        fclose(h);
        g_loops = fopen(loops, "w");
        if (g_loops == NULL) {
            fprintf(stderr, "stoic_trace: cannot write %s\n", loops);
            return -1;
        }
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_tb_trans);
    qemu_plugin_register_atexit_cb(id, on_qemu_exit, NULL);
    return 0;
}

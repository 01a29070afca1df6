/* libFuzzer harness: `stoic generate` on small fuzzed models, without the
 * compiler: load -> passes -> (compression) -> emit_c, emit_report,
 * emit_plan, then checks that every size the emitter wrote agrees with the
 * IR and that the memory plan holds.
 *
 * Each input is a model description (XML). An XML comment in it may ask
 * for compression, as the command line would:
 *     <!-- fuzz: int8 prune=0.5 channels=0.25 rank=2 energy=0.9 l2 norefit
 *                minmax|percentile|mse -->
 * (also int16, float32); any of these runs search_compress with 4
 * calibration rows written by the harness, and measures the compressed
 * model against the float one on those rows (the report's evidence).
 * Models over a small budget (elements, MACs, layers) are skipped, so one
 * run stays cheap. Mutation is structure-aware (xml_mutator.h), the options
 * comment included.
 *
 * The generated files are captured in memory: the harness links with
 * -Wl,--wrap=outdir_add (same contract: a plain name, not SHA256SUMS, each
 * name once), so no output directory is made. Checked besides the sanitizers:
 *   - generation succeeds for every model the pipeline accepted (no
 *     internal error), twice, byte for byte the same;
 *   - NAME.h: NAME_INPUT_SIZE, NAME_OUTPUT_SIZE are the IR's element counts,
 *     NAME_ARENA_SIZE is ir_arena_bytes and the sum of the arenas' bytes;
 *   - NAME.c: one arena array per element type in use, of the planned
 *     length; every &NAME_arena[off], &in[off], &out[off] inside its array;
 *     every NAME_tI it names is declared;
 *   - NAME_weights.h / NAME_weights.c: the same constants, each of the IR
 *     tensor's type and element count, with exactly that many initializers;
 *   - NAME_report.json (and NAME_plan.xml's presence) is valid JSON;
 *   - the plan: every arena tensor inside its arena, tensors live at the
 *     same time (recomputed from the nodes) never overlap, a node's output
 *     never shares memory with its inputs (aliasing reshapes aside);
 *   - the host evaluator runs one input with arenas and I/O buffers
 *     allocated to exactly the planned sizes (ASan sees any overrun). */
#include <ctype.h>
#include <math.h>

#include "fuzz_common.h"

#include "compress.h"
#include "search.h"
#include "diag.h"
#include "emit.h"
#include "eval.h"
#include "ir.h"
#include "lower.h"
#include "pipeline.h"
#include "sha256.h"
#include "xml_mutator.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ELEMS (1 << 15)  /* all tensors together */
#define MAX_MACS (1 << 18)
#define MAX_LAYERS 48

static char model_path[PATH_MAX], calib_path[PATH_MAX];

#define fail(fmt, arg) fz_fail("fuzz_generate: " fmt, arg)

/* ---- captured output ------------------------------------------------------- */

typedef struct {
    char *path; /* the file's name in OUTDIR */
    char *data; /* NUL-terminated copy */
    size_t n;
} cap_file;

#define MAX_CAPS 96
static cap_file caps[MAX_CAPS];
static int n_caps;

int __wrap_outdir_add(outdir *o, const char *name, const void *data, size_t n, diag *d);
int __wrap_outdir_add(outdir *o, const char *name, const void *data, size_t n, diag *d)
{
    int k;
    (void)o;
    /* outdir_add's contract: a plain name, not the manifest, each once */
    if (strchr(name, '/') != NULL || strcmp(name, OUTDIR_MANIFEST) == 0 || name[0] == '.') {
        diag_io(d, name, "internal error: not a name for a generated file");
        return -1;
    }
    for (k = 0; k < n_caps; k++) {
        if (strcmp(caps[k].path, name) == 0) {
            diag_io(d, name, "cannot write %s: %s", name, strerror(EEXIST));
            return -1;
        }
    }
    if (n_caps == MAX_CAPS) {
        fail("more than %s staged files", "96");
    }
    caps[n_caps].path = strdup(name);
    caps[n_caps].data = malloc(n + 1);
    if (caps[n_caps].path == NULL || caps[n_caps].data == NULL) {
        abort();
    }
    memcpy(caps[n_caps].data, data, n);
    caps[n_caps].data[n] = '\0';
    caps[n_caps].n = n;
    n_caps++;
    return 0;
}

/* The files staged so far (emit_report lists them with their SHA-256). */
int __wrap_outdir_staged(const outdir *o, size_t i, const char **name, const char **sha256,
                         size_t *bytes);
int __wrap_outdir_staged(const outdir *o, size_t i, const char **name, const char **sha256,
                         size_t *bytes)
{
    static char hex[65];
    (void)o;
    if (i >= (size_t)n_caps) {
        return -1;
    }
    sha256_hex(caps[i].data, caps[i].n, hex);
    *name = caps[i].path;
    *sha256 = hex;
    *bytes = caps[i].n;
    return 0;
}

static void caps_free(cap_file *c, int n)
{
    int k;
    for (k = 0; k < n; k++) {
        free(c[k].path);
        free(c[k].data);
    }
}

static const cap_file *cap_find(const char *file)
{
    int k;
    for (k = 0; k < n_caps; k++) {
        if (strcmp(caps[k].path, file) == 0) {
            return &caps[k];
        }
    }
    return NULL;
}

/* ---- options from the input ------------------------------------------------ */

static int parse_options(const char *text, compress_options *o)
{
    const char *p = strstr(text, "<!-- fuzz:");
    const char *end;
    int want = 0;
    memset(o, 0, sizeof *o);
    o->precision = CFG_PREC_UNSET;
    o->method = CALIB_UNSET;
    o->max_drop = -1.0;
    cfg_compress_unset(&o->cli);
    if (p == NULL) {
        return 0;
    }
    end = strstr(p, "-->");
    p += 10;
    while (p != NULL && end != NULL && p < end) {
        char tok[32];
        double v;
        size_t n = 0;
        while (p < end && isspace((unsigned char)*p)) {
            p++;
        }
        while (p < end && !isspace((unsigned char)*p) && n + 1 < sizeof tok) {
            tok[n++] = *p++;
        }
        tok[n] = '\0';
        if (n == 0) {
            break;
        }
        want = 1;
        if (strcmp(tok, "int8") == 0) {
            o->precision = CFG_PREC_INT8;
        } else if (strcmp(tok, "int16") == 0) {
            o->precision = CFG_PREC_INT16;
        } else if (strcmp(tok, "float32") == 0) {
            o->precision = CFG_PREC_F32;
        } else if (strcmp(tok, "minmax") == 0) {
            o->method = CALIB_MINMAX;
        } else if (strcmp(tok, "percentile") == 0) {
            o->method = CALIB_PERCENTILE;
        } else if (strcmp(tok, "mse") == 0) {
            o->method = CALIB_MSE;
        } else if (strcmp(tok, "l2") == 0) {
            o->cli.norm = 2;
        } else if (strcmp(tok, "norefit") == 0) {
            o->no_refit = 1;
        } else if (sscanf(tok, "prune=%lf", &v) == 1 && v >= 0.0 && v <= 1.0) {
            o->cli.sparsity = v;
        } else if (sscanf(tok, "channels=%lf", &v) == 1 && v >= 0.0 && v <= 1.0) {
            o->cli.channels = v;
        } else if (sscanf(tok, "energy=%lf", &v) == 1 && v >= 0.0 && v <= 1.0) {
            o->cli.energy = v;
            o->cli.rank = -1;
        } else if (sscanf(tok, "rank=%lf", &v) == 1 && v >= 0.0 && v <= 65535.0 &&
                   v == floor(v)) {
            o->cli.rank = (int32_t)v;
            o->cli.energy = -1.0;
        }
    }
    return want && compress_wanted(o);
}

/* ---- the plan -------------------------------------------------------------- */

static int64_t count_of(const ir_graph *g, int t)
{
    return ir_shape_count(&g->t[t].shape);
}

static void check_plan(const ir_graph *g)
{
    int i, j, k;
    int *def = malloc((size_t)g->nt * sizeof *def), *last = malloc((size_t)g->nt * sizeof *last);
    int64_t n_in = count_of(g, g->input), n_out;
    if (def == NULL || last == NULL) {
        abort();
    }
    for (i = 0; i < g->nt; i++) {
        const ir_tensor *t = &g->t[i];
        int64_t n = count_of(g, i);
        def[i] = -1;
        last[i] = -1;
        if (n < 0 || n > IR_MAX_ELEMS) {
            fail("tensor '%s' has a bad element count", t->name);
        }
        if (t->offset < 0) {
            fail("tensor '%s' has a negative offset", t->name);
        }
        switch (t->storage) {
        case IR_ST_ARENA:
            if (t->dtype < 0 || t->dtype >= IR_DT_COUNT || t->offset + n > g->arena_n[t->dtype]) {
                fail("tensor '%s' ends beyond its arena", t->name);
            }
            break;
        case IR_ST_INPUT:
            if (t->offset + n > n_in) {
                fail("tensor '%s' ends beyond the input array", t->name);
            }
            break;
        case IR_ST_OUTPUT: /* its own output's caller array */
            n_out = t->out_index >= 0 && t->out_index < g->n_outputs
                        ? count_of(g, g->outputs[t->out_index]) : -1;
            if (t->offset + n > n_out) {
                fail("tensor '%s' ends beyond the output array", t->name);
            }
            break;
        case IR_ST_CONST:
            if (t->kind != IR_T_CONST && ir_root(g, i) == i) {
                fail("tensor '%s' is const storage but not a constant", t->name);
            }
            break;
        default:
            if (t->kind == IR_T_ACT && t->n_consumers > 0) {
                fail("tensor '%s' is read but has no storage", t->name);
            }
            break;
        }
    }
    /* liveness, from the nodes alone */
    for (i = 0; i < g->nn; i++) {
        const ir_node *n = &g->n[i];
        int r = ir_root(g, n->output);
        if (def[r] < 0 || (g->t[n->output].alias_of < 0 && def[r] > i)) {
            def[r] = i;
        }
        if (last[r] < i) {
            last[r] = i;
        }
        for (k = 0; k < n->n_inputs; k++) {
            int ri = ir_root(g, n->inputs[k]);
            if (last[ri] < i) {
                last[ri] = i;
            }
            /* a node never writes over what it reads (aliasing reshapes move nothing) */
            if (g->t[n->output].alias_of < 0 && ri != r &&
                g->t[ri].storage == g->t[r].storage && g->t[r].storage == IR_ST_ARENA &&
                g->t[ri].dtype == g->t[r].dtype &&
                g->t[ri].offset < g->t[r].offset + count_of(g, r) &&
                g->t[r].offset < g->t[ri].offset + count_of(g, ri)) {
                fail("layer '%s' writes over its own input", n->name);
            }
            if (g->t[n->output].alias_of < 0 && ri == r) {
                fail("layer '%s' writes its own input", n->name);
            }
        }
    }
    for (i = 0; i < g->nt; i++) {
        const ir_tensor *a = &g->t[i];
        if (a->storage != IR_ST_ARENA || ir_root(g, i) != i || def[i] < 0) {
            continue;
        }
        for (j = i + 1; j < g->nt; j++) {
            const ir_tensor *b = &g->t[j];
            if (b->storage != IR_ST_ARENA || ir_root(g, j) != j || def[j] < 0 ||
                b->dtype != a->dtype) {
                continue;
            }
            if (def[i] <= last[j] && def[j] <= last[i] &&
                a->offset < b->offset + count_of(g, j) && b->offset < a->offset + count_of(g, i)) {
                dprintf(fz_msg_fd, "fuzz_generate: '%s' [%lld, +%lld) live %d..%d and '%s' "
                                "[%lld, +%lld) live %d..%d\n",
                        a->name, (long long)a->offset, (long long)count_of(g, i), def[i], last[i],
                        b->name, (long long)b->offset, (long long)count_of(g, j), def[j], last[j]);
                fail("two tensors live at the same time share arena memory (%s)", a->name);
            }
        }
    }
    free(def);
    free(last);
}

/* ---- the emitted text ------------------------------------------------------ */

static long long define_value(const char *h, const char *macro)
{
    char key[200];
    const char *p;
    long long v;
    snprintf(key, sizeof key, "#define %s ", macro);
    p = strstr(h, key);
    if (p == NULL || sscanf(p + strlen(key), " %lldU", &v) != 1) {
        fail("NAME.h lacks #define %s", macro);
    }
    return v;
}

/* Number of top-level initializers between '{' at p and its '}'. */
static long long count_inits(const char *p, const char **endp)
{
    int depth = 0, any = 0;
    long long n = 0;
    for (; *p != '\0'; p++) {
        if (*p == '{') {
            depth++;
            if (depth == 2) {
                any = 1;
            }
        } else if (*p == '}') {
            depth--;
            if (depth == 0) {
                *endp = p;
                return any ? n + 1 : 0;
            }
        } else if (*p == ',' && depth == 1) {
            n++;
        } else if (depth == 1 && !isspace((unsigned char)*p)) {
            any = 1;
        }
    }
    fail("unterminated initializer in %s", "NAME_weights.c");
    return -1;
}

/* A packed kernel's constant (lower_attach): NAME_p<call>_<role>, as
 * declared in NAME_weights.h. */
#define MAX_OWN_SYMS 512
typedef struct {
    char sym[160];
    char type[32];
    long long cnt;
    int defined;
} own_sym;

static int is_own_sym(const char *sym, const char *name, size_t nl)
{
    int k, used = 0;
    char role[16];
    return strncmp(sym, name, nl) == 0 &&
           sscanf(sym + nl, "_p%d_%15[a-z]%n", &k, role, &used) == 2 && sym[nl + (size_t)used] == '\0';
}

/* The IR constants the calls read: those NAME_weights.c must define (a
 * layer run by a packed kernel reads its own copies instead). */
static void used_consts(const ir_graph *g, char *used)
{
    lower_call *calls = calloc(LOWER_MAX_CALLS, sizeof *calls);
    int i, j, k;
    if (calls == NULL) {
        fail("out of memory in %s", "used_consts");
    }
    for (i = 0; i < g->nn; i++) {
        int nc = lower_node(g, i, calls);
        for (j = 0; j < nc; j++) {
            const lower_call *c = &calls[j];
            for (k = 0; k < c->n_args; k++) {
                if (c->args[k] >= 0) {
                    used[ir_root(g, c->args[k])] = 1;
                }
            }
            if (c->ref_qmul >= 0) {
                used[c->ref_qmul] = 1;
            }
            if (c->ref_table >= 0) {
                used[c->ref_table] = 1;
            }
            if (c->ref_rows >= 0) {
                used[c->ref_rows] = 1;
            }
            if (c->ref_delta >= 0) {
                used[c->ref_delta] = 1;
            }
        }
    }
    free(calls);
}

static void check_weights(const ir_graph *g, const char *name, const char *wh, const char *wc)
{
    char pat[160];
    int i, n_decl = 0, n_def = 0, n_own = 0, k;
    const char *p;
    size_t nl = strlen(name);
    own_sym *own = calloc(MAX_OWN_SYMS, sizeof *own);
    char *used = calloc((size_t)g->nt + 1, 1);
    if (own == NULL || used == NULL) {
        fail("out of memory in %s", "check_weights");
    }
    used_consts(g, used);
    /* every declaration and definition names a constant of that type and
     * count: an IR constant, or a packed kernel's own (declared once,
     * defined once with as many initializers) */
    for (p = wh; (p = strstr(p, "extern const ")) != NULL; p++) {
        char type[32], sym[160];
        long long cnt;
        int t;
        if (sscanf(p, "extern const %31s %159[A-Za-z0-9_][%lld];", type, sym, &cnt) != 3) {
            fail("unparsable declaration in NAME_weights.h near '%.60s'", p);
        }
        if (is_own_sym(sym, name, nl)) {
            if (n_own >= MAX_OWN_SYMS || cnt < 1) {
                fail("NAME_weights.h: packed constant %s", sym);
            }
            for (k = 0; k < n_own; k++) {
                if (strcmp(own[k].sym, sym) == 0) {
                    fail("NAME_weights.h declares %s twice", sym);
                }
            }
            snprintf(own[n_own].sym, sizeof own[n_own].sym, "%s", sym);
            snprintf(own[n_own].type, sizeof own[n_own].type, "%s", type);
            own[n_own].cnt = cnt;
            n_own++;
            continue;
        }
        if (strncmp(sym, name, nl) != 0 || sscanf(sym + nl, "_t%d", &t) != 1 || t < 0 ||
            t >= g->nt) {
            fail("NAME_weights.h declares an unknown symbol %s", sym);
        }
        if (g->t[t].kind != IR_T_CONST || strcmp(type, ir_dtype_c(g->t[t].dtype)) != 0 ||
            cnt != count_of(g, t)) {
            fail("NAME_weights.h: the declaration of %s does not match the IR", sym);
        }
        n_decl++;
    }
    for (p = wc; (p = strstr(p, "\nconst ")) != NULL; p++) {
        char type[32], sym[160];
        long long cnt, got;
        const char *end = NULL, *brace;
        int t;
        if (sscanf(p, "\nconst %31s %159[A-Za-z0-9_][%lld] = {", type, sym, &cnt) != 3) {
            fail("unparsable definition in NAME_weights.c near '%.60s'", p);
        }
        brace = strchr(p + 1, '{');
        got = count_inits(brace, &end);
        if (got != cnt) {
            dprintf(fz_msg_fd, "fuzz_generate: %s[%lld] has %lld initializers\n", sym, cnt, got);
            fail("NAME_weights.c: wrong number of initializers for %s", sym);
        }
        p = end;
        if (is_own_sym(sym, name, nl)) {
            for (k = 0; k < n_own && strcmp(own[k].sym, sym) != 0; k++) {
            }
            if (k == n_own || own[k].defined || own[k].cnt != cnt ||
                strcmp(own[k].type, type) != 0) {
                fail("NAME_weights.c: %s does not match its declaration", sym);
            }
            own[k].defined = 1;
            continue;
        }
        if (strncmp(sym, name, nl) != 0 || sscanf(sym + nl, "_t%d", &t) != 1 || t < 0 ||
            t >= g->nt) {
            fail("NAME_weights.c defines an unknown symbol %s", sym);
        }
        if (g->t[t].kind != IR_T_CONST || strcmp(type, ir_dtype_c(g->t[t].dtype)) != 0 ||
            cnt != count_of(g, t)) {
            fail("NAME_weights.c: the definition of %s does not match the IR", sym);
        }
        n_def++;
    }
    for (k = 0; k < n_own; k++) {
        if (!own[k].defined) {
            fail("NAME_weights.c does not define %s", own[k].sym);
        }
    }
    /* every IR constant a call reads is emitted, and only those */
    for (i = 0; i < g->nt; i++) {
        if (g->t[i].kind == IR_T_CONST) {
            snprintf(pat, sizeof pat, " %s_t%d[", name, i);
            if (used[ir_root(g, i)]) {
                if (strstr(wh, pat) == NULL || strstr(wc, pat) == NULL) {
                    fail("constant '%s' is not emitted", g->t[i].name);
                }
                n_decl--;
                n_def--;
            } else if (strstr(wh, pat) != NULL || strstr(wc, pat) != NULL) {
                fail("constant '%s' is emitted but no call reads it", g->t[i].name);
            }
        }
    }
    if (n_decl != 0 || n_def != 0) {
        fail("NAME_weights.h/.c emit a constant %s", "twice");
    }
    free(own);
    free(used);
}

static const char *suffix_dt(const char *s, ir_dtype *dt)
{
    if (strncmp(s, "_s8[", 4) == 0) {
        *dt = IR_DT_S8;
        return s + 3;
    }
    if (strncmp(s, "_s16[", 5) == 0) {
        *dt = IR_DT_S16;
        return s + 4;
    }
    if (s[0] == '[') {
        *dt = IR_DT_F32;
        return s;
    }
    return NULL;
}

static void check_c(const ir_graph *g, const char *name, const char *c, const char *wh,
                    long long n_in, long long n_out)
{
    char pat[200];
    const char *p;
    int seen[IR_DT_COUNT] = { 0 }, k;
    size_t nl = strlen(name);
    /* arena definitions: "static T NAME_arena[_s8|_s16][N];" lines */
    snprintf(pat, sizeof pat, " %s_arena", name);
    for (p = c; (p = strstr(p, "\nstatic ")) != NULL; p++) {
        const char *eol = strchr(p + 1, '\n'), *a = strstr(p + 1, pat), *q;
        ir_dtype dt;
        long long v;
        if (a == NULL || (eol != NULL && a > eol)) {
            continue;
        }
        q = suffix_dt(a + strlen(pat), &dt);
        if (q == NULL || sscanf(q, "[%lld]", &v) != 1) {
            fail("bad arena definition near '%.60s'", p + 1);
        }
        if (strncmp(p + 8, ir_dtype_c(dt), strlen(ir_dtype_c(dt))) != 0) {
            fail("arena of the wrong element type near '%.60s'", p + 1);
        }
        if (seen[dt]++ || v != g->arena_n[dt]) {
            fail("arena %s defined twice or with the wrong length", ir_dtype_name(dt));
        }
    }
    for (k = 0; k < IR_DT_COUNT; k++) {
        if ((g->arena_n[k] > 0) != (seen[k] > 0)) {
            fail("arena %s: planned and defined differ", ir_dtype_name((ir_dtype)k));
        }
    }
    /* uses: &NAME_arena..[off], &in[off], &out[off] */
    snprintf(pat, sizeof pat, "&%s_arena", name);
    for (p = c; (p = strstr(p, pat)) != NULL; p++) {
        ir_dtype dt;
        const char *q = suffix_dt(p + strlen(pat), &dt);
        long long off;
        if (q == NULL || sscanf(q, "[%lld]", &off) != 1 || off < 0 || off >= g->arena_n[dt]) {
            fail("arena offset out of range near '%.60s'", p);
        }
    }
    for (p = c; (p = strstr(p, "&in[")) != NULL; p++) {
        long long off;
        if (sscanf(p, "&in[%lld]", &off) != 1 || off < 0 || off >= n_in) {
            fail("input offset out of range near '%.40s'", p);
        }
    }
    for (p = c; (p = strstr(p, "&out[")) != NULL; p++) {
        long long off;
        if (sscanf(p, "&out[%lld]", &off) != 1 || off < 0 || off >= n_out) {
            fail("output offset out of range near '%.40s'", p);
        }
    }
    /* constants it names are declared */
    snprintf(pat, sizeof pat, "%s_t", name);
    for (p = c; (p = strstr(p, pat)) != NULL; p++) {
        int t;
        char decl[200];
        if ((p > c && (isalnum((unsigned char)p[-1]) || p[-1] == '_')) ||
            sscanf(p + nl, "_t%d", &t) != 1) {
            continue;
        }
        snprintf(decl, sizeof decl, " %s_t%d[", name, t);
        if (strstr(wh, decl) == NULL) {
            fail("NAME.c uses an undeclared constant near '%.40s'", p);
        }
    }
}

/* A small JSON validator (RFC 8259 syntax; no NaN, no Infinity). */
static const char *json_value(const char *p, int depth);
static const char *json_bad; /* where it first failed */

static const char *json_fail(const char *p)
{
    if (json_bad == NULL) {
        json_bad = p;
    }
    return NULL;
}

static const char *json_ws(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') {
        p++;
    }
    return p;
}

static const char *json_string(const char *p)
{
    if (*p != '"') {
        return json_fail(p);
    }
    for (p++; *p != '"'; p++) {
        if ((unsigned char)*p < 0x20) {
            return json_fail(p);
        }
        if (*p == '\\') {
            p++;
            if (*p == 'u') {
                int k;
                for (k = 1; k <= 4; k++) {
                    if (!isxdigit((unsigned char)p[k])) {
                        return json_fail(p);
                    }
                }
                p += 4;
            } else if (strchr("\"\\/bfnrt", *p) == NULL || *p == '\0') {
                return json_fail(p);
            }
        }
    }
    return p + 1;
}

static const char *json_number(const char *p)
{
    const char *s = p;
    if (*p == '-') {
        p++;
    }
    if (*p == '0') {
        p++;
    } else if (*p >= '1' && *p <= '9') {
        while (isdigit((unsigned char)*p)) {
            p++;
        }
    } else {
        return json_fail(p);
    }
    if (*p == '.') {
        p++;
        if (!isdigit((unsigned char)*p)) {
            return json_fail(p);
        }
        while (isdigit((unsigned char)*p)) {
            p++;
        }
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-') {
            p++;
        }
        if (!isdigit((unsigned char)*p)) {
            return json_fail(p);
        }
        while (isdigit((unsigned char)*p)) {
            p++;
        }
    }
    return p > s ? p : NULL;
}

static const char *json_value(const char *p, int depth)
{
    p = json_ws(p);
    if (depth > 64) {
        return json_fail(p);
    }
    if (*p == '{' || *p == '[') {
        char close = *p == '{' ? '}' : ']';
        int obj = *p == '{';
        p = json_ws(p + 1);
        if (*p == close) {
            return p + 1;
        }
        for (;;) {
            if (obj) {
                p = json_string(json_ws(p));
                if (p == NULL) {
                    return json_fail(p);
                }
                p = json_ws(p);
                if (*p != ':') {
                    return json_fail(p);
                }
                p++;
            }
            p = json_value(p, depth + 1);
            if (p == NULL) {
                return json_fail(p);
            }
            p = json_ws(p);
            if (*p == ',') {
                p++;
                continue;
            }
            return *p == close ? p + 1 : NULL;
        }
    }
    if (*p == '"') {
        return json_string(p);
    }
    if (strncmp(p, "true", 4) == 0 || strncmp(p, "null", 4) == 0) {
        return p + 4;
    }
    if (strncmp(p, "false", 5) == 0) {
        return p + 5;
    }
    return json_number(p);
}

static void check_json(const char *s)
{
    const char *e;
    json_bad = NULL;
    e = json_value(s, 0);
    if (e == NULL || *json_ws(e) != '\0') {
        const char *at = e != NULL ? e : (json_bad != NULL ? json_bad : s);
        fz_fail("fuzz_generate: NAME_report.json is not valid JSON at byte %ld: '%.60s'",
                (long)(at - s), at > s + 40 ? at - 40 : s);
    }
}

/* ---- the harness ----------------------------------------------------------- */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fz_path(model_path, sizeof model_path, "fz.xml");
    fz_path(calib_path, sizeof calib_path, "calib.npy");
    xm_with_options = 1;
    return 0;
}

static int too_big(const ir_graph *g)
{
    int64_t elems = 0, macs = 0;
    int i;
    if (g->nn > MAX_LAYERS) {
        return 1;
    }
    for (i = 0; i < g->nt; i++) {
        elems += count_of(g, i);
        if (elems > MAX_ELEMS) {
            return 1;
        }
    }
    for (i = 0; i < g->nn; i++) {
        macs += ir_node_macs(g, i);
        if (macs > MAX_MACS) {
            return 1;
        }
    }
    return 0;
}

/* Emits g into the captured set; returns 0 or -1 with diagnostics. The
 * outdir is never begun: every outdir_add is captured by the wrapper. */
static int emit_all(const ir_graph *g, const ir_graph *gf, const compress_info *info,
                    const compress_evidence *ev, diag *d)
{
    emit_options eo;
    outdir *od = (outdir *)(void *)&eo; /* a token, never dereferenced */
    int rc;
    memset(&eo, 0, sizeof eo);
    eo.name = g->name;
    eo.info = info;
    eo.ev = ev;
    eo.gf = gf;
    rc = emit_c(g, &eo, od, d);
    if (rc == 0 && info->plan.n > 0) {
        rc = emit_plan(g, &eo, od, d);
    }
    if (rc == 0) { /* last, as stoic generate: it lists the files before it */
        rc = emit_report(g, &eo, od, d);
    }
    return rc;
}

static void run_exact(const ir_graph *g, uint64_t seed)
{
    eval_plan p;
    int k;
    int64_t n_in = count_of(g, g->input), n_out = ir_outputs_count(g); /* every output */
    float *in = malloc((size_t)n_in * sizeof *in), *out = malloc((size_t)n_out * sizeof *out);
    if (in == NULL || out == NULL || eval_prepare(g, &p) != 0) {
        abort();
    }
    for (k = 0; k < IR_DT_COUNT; k++) {
        size_t bytes = (size_t)g->arena_n[k] * ir_dtype_size((ir_dtype)k);
        free(p.arena[k]);
        p.arena[k] = malloc(bytes > 0 ? bytes : 1);
        if (p.arena[k] == NULL) {
            abort();
        }
        memset(p.arena[k], 0xa5, bytes);
    }
    free(p.in_buf);
    p.in_buf = malloc((size_t)n_in * ir_dtype_size(g->t[g->input].dtype));
    if (p.in_buf == NULL) {
        abort();
    }
    for (k = 0; k < g->n_outputs; k++) {
        int o = g->outputs[k];
        free(p.out_buf[k]);
        p.out_buf[k] = malloc((size_t)count_of(g, o) * ir_dtype_size(g->t[o].dtype));
        if (p.out_buf[k] == NULL) {
            abort();
        }
    }
    for (k = 0; k < n_in; k++) {
        in[k] = (float)((double)(fz_rand(&seed) >> 11) / 9007199254740992.0 * 4.0 - 2.0);
    }
    eval_run(&p, in, out);
    eval_free(&p);
    free(in);
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    diag d;
    ir_graph *g, *gq = NULL;
    const ir_graph *ge;
    compress_options o;
    compress_info info;
    compress_evidence ev, *evp = NULL;
    cap_file first[MAX_CAPS];
    int n_first, k, want;
    char *text;
    const cap_file *h, *c, *wh, *wc, *rep;
    char file[256], NAME[128];
    long long n_in, n_out, arena;
    uint64_t seed = fz_hash(data, size);

    if (size > 64 * 1024) {
        return 0;
    }
    text = malloc(size + 1);
    if (text == NULL) {
        abort();
    }
    memcpy(text, data, size);
    text[size] = '\0';
    want = parse_options(text, &o);
    free(text);
    fz_write(model_path, sizeof model_path, "fz.xml", data, size);
    memset(&d, 0, sizeof d);
    d.quiet = 1;
    g = pipeline_build(model_path, &d);
    if (g == NULL) {
        return 0; /* fuzz_model checks the refusals */
    }
    if (too_big(g)) {
        ir_free(g);
        return 0;
    }
    memset(&info, 0, sizeof info);
    memset(&ev, 0, sizeof ev);
    if (want) {
        int64_t rows = 4;
        float *x;
        if (fz_write_rows_npy(calib_path, sizeof calib_path, "calib.npy", rows,
                              count_of(g, g->input), seed) != 0) {
            ir_free(g);
            return 0;
        }
        o.calib = calib_path;
        gq = search_compress(model_path, &o, &info, &d);
        if (d.io_errors != 0) {
            fail("search_compress reported an internal error or out of memory%s", "");
        }
        if (gq == NULL) {
            if (d.errors == 0) {
                fail("search_compress failed without a diagnostic%s", "");
            }
            ir_free(g);
            compress_info_free(&info);
            return 0;
        }
        if (ir_verify(gq, "fuzz_generate") != 0) {
            fail("search_compress returned a broken IR%s", "");
        }
        x = compress_read_rows(g, calib_path, 1, &rows, &d);
        if (x == NULL || compress_measure(g, gq, x, rows, NULL, &ev, &d) != 0) {
            fail("measuring on the calibration rows failed%s", "");
        }
        free(x);
        evp = &ev;
    }
    ge = gq != NULL ? gq : g;

    /* emit twice: the same bytes */
    n_caps = 0;
    if (emit_all(ge, g, &info, evp, &d) != 0) {
        fail("generation failed for a model the pipeline accepted%s", "");
    }
    n_first = n_caps;
    memcpy(first, caps, (size_t)n_caps * sizeof *caps);
    n_caps = 0;
    if (emit_all(ge, g, &info, evp, &d) != 0 || n_caps != n_first) {
        fail("the second generation differs%s", "");
    }
    for (k = 0; k < n_caps; k++) {
        if (strcmp(caps[k].path, first[k].path) != 0 || caps[k].n != first[k].n ||
            memcmp(caps[k].data, first[k].data, caps[k].n) != 0) {
            fail("generating twice gives different bytes in %s", caps[k].path);
        }
    }
    caps_free(first, n_first);

    /* what the files say against the IR */
    snprintf(file, sizeof file, "%s.h", ge->name);
    h = cap_find(file);
    snprintf(file, sizeof file, "%s.c", ge->name);
    c = cap_find(file);
    snprintf(file, sizeof file, "%s_weights.h", ge->name);
    wh = cap_find(file);
    snprintf(file, sizeof file, "%s_weights.c", ge->name);
    wc = cap_find(file);
    snprintf(file, sizeof file, "%s_report.json", ge->name);
    rep = cap_find(file);
    if (h == NULL || c == NULL || wh == NULL || wc == NULL || rep == NULL) {
        fail("a generated file is missing%s", "");
    }
    for (k = 0; ge->name[k] != '\0' && k < 127; k++) {
        NAME[k] = (char)toupper((unsigned char)ge->name[k]);
    }
    NAME[k] = '\0';
    snprintf(file, sizeof file, "%s_INPUT_SIZE", NAME);
    n_in = define_value(h->data, file);
    snprintf(file, sizeof file, "%s_OUTPUT%s_SIZE", NAME, ge->n_outputs > 1 ? "0" : "");
    n_out = define_value(h->data, file); /* output 0 (out0 with several) */
    snprintf(file, sizeof file, "%s_ARENA_SIZE", NAME);
    arena = define_value(h->data, file);
    {
        long long sum = 0;
        for (k = 0; k < IR_DT_COUNT; k++) {
            sum += (long long)ge->arena_n[k] * (long long)ir_dtype_size((ir_dtype)k);
        }
        if (n_in != count_of(ge, ge->input) || n_out != count_of(ge, ge->output) ||
            arena != ir_arena_bytes(ge) || arena != sum) {
            fail("NAME.h sizes do not match the IR%s", "");
        }
    }
    check_weights(ge, ge->name, wh->data, wc->data);
    check_c(ge, ge->name, c->data, wh->data, n_in, n_out);
    check_json(rep->data);
    check_plan(ge);
    caps_free(caps, n_caps);
    n_caps = 0;

    run_exact(ge, seed);

    compress_evidence_free(&ev);
    compress_info_free(&info);
    ir_free(gq);
    ir_free(g);
    return 0;
}

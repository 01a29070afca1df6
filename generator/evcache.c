/* evcache: evaluation that resumes where a plan first differs (evcache.h). */
#include "evcache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ckd.h"

/* Rows are split between at most this many threads (STOIC_THREADS=N
 * sets it, 1: none; by default the processors online, at most 4). Each
 * row is computed alone and lands in its own place: the results do not
 * depend on the split. */
#define EVC_MAX_THREADS 8

/* ---- keys ------------------------------------------------------------------ */

/* A 128-bit hash of a word stream: two multiply-rotate lanes (MurmurHash3's
 * constants), mixed at the end. Not cryptographic; two different
 * computations meeting on all 128 bits is not a practical concern for the
 * few thousand keys of a search. */
typedef struct {
    uint64_t a, b, n;
} hstate;

#define C1 0x87c37b91114253d5ULL
#define C2 0x4cf5ad432745937fULL

static uint64_t rotl(uint64_t x, int r)
{
    return (x << r) | (x >> (64 - r));
}

static uint64_t fmix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

static void h_init(hstate *h, uint64_t tag)
{
    h->a = 0x9e3779b97f4a7c15ULL ^ tag;
    h->b = 0x243f6a8885a308d3ULL + tag;
    h->n = 0;
}

static void h_word(hstate *h, uint64_t w)
{
    h->a ^= rotl(w * C1, 31) * C2;
    h->a = rotl(h->a, 27) + h->b;
    h->a = h->a * 5 + 0x52dce729;
    h->b ^= rotl(w * C2, 33) * C1;
    h->b = rotl(h->b, 31) + h->a;
    h->b = h->b * 5 + 0x38495ab5;
    h->n++;
}

static void h_bytes(hstate *h, const void *data, size_t len)
{
    const unsigned char *p = data;
    uint64_t w;
    size_t i;
    for (i = 0; i + 8 <= len; i += 8) {
        memcpy(&w, p + i, 8);
        h_word(h, w);
    }
    w = 0;
    if (i < len) {
        memcpy(&w, p + i, len - i);
    }
    h_word(h, w ^ ((uint64_t)len << 56));
}

static void h_double(hstate *h, double v)
{
    uint64_t w;
    memcpy(&w, &v, sizeof w);
    h_word(h, w);
}

static void h_key(hstate *h, const evc_key *k)
{
    h_word(h, k->a);
    h_word(h, k->b);
}

static evc_key h_done(const hstate *h)
{
    evc_key k;
    uint64_t a = h->a ^ h->n, b = h->b ^ h->n;
    a += b;
    b += a;
    a = fmix(a);
    b = fmix(b);
    a += b;
    b += a;
    k.a = a;
    k.b = b;
    return k;
}

static int key_set(const evc_key *k)
{
    return (k->a | k->b) != 0;
}

static int key_eq(const evc_key *x, const evc_key *y)
{
    return x->a == y->a && x->b == y->b;
}

enum { TAG_INPUT = 1, TAG_NODE, TAG_ALIAS, TAG_CONST, TAG_CALL, TAG_OUT, TAG_ARG };

/* What a tensor's values are made of besides their computation: dtype,
 * shape, quantization. */
static void h_tensor(hstate *h, const ir_tensor *t)
{
    int k;
    h_word(h, (uint64_t)t->dtype);
    h_word(h, (uint64_t)t->shape.rank);
    for (k = 0; k < t->shape.rank; k++) {
        h_word(h, (uint64_t)(int64_t)t->shape.d[k]);
    }
    h_word(h, (uint64_t)t->has_q);
    h_double(h, t->scale);
    h_word(h, (uint64_t)(int64_t)t->zp);
}

typedef struct {
    const ir_graph *g;
    evc_key *ckey;    /* per tensor: content hash of a constant (lazily) */
} kctx;

static evc_key const_key(kctx *c, int t)
{
    const ir_graph *g = c->g;
    int r = ir_root(g, t);
    if (!key_set(&c->ckey[r])) {
        const ir_tensor *x = &g->t[r];
        const void *data = x->dtype == IR_DT_F32 ? (const void *)x->data : x->qdata;
        size_t bytes = 0;
        hstate h;
        h_init(&h, TAG_CONST);
        h_tensor(&h, x);
        if (data != NULL && !ckd_bytes(&bytes, ir_shape_count(&x->shape), ir_dtype_size(x->dtype))) {
            h_bytes(&h, data, bytes);
        }
        c->ckey[r] = h_done(&h);
    }
    return c->ckey[r];
}

/* Hashes call cl's kernel, parameter fields and arguments into h; 0, or
 * -1 when it reads a tensor without a key (or recurrent state). */
static int h_call(hstate *h, kctx *c, const evc_key *key, const lower_call *cl, int out)
{
    lower_field f[64];
    int n, k;
    memset(f, 0, sizeof f); /* a float field leaves ival unset */
    n = lower_fields(cl, f, 64);
    if (n >= 64) {
        return -1;
    }
    h_word(h, TAG_CALL);
    h_word(h, (uint64_t)cl->k);
    for (k = 0; k < n; k++) {
        h_bytes(h, f[k].name, strlen(f[k].name));
        h_word(h, (uint64_t)((f[k].is_ptr << 1) | f[k].is_float));
        if (f[k].is_float) {
            uint32_t u;
            memcpy(&u, &f[k].fval, sizeof u);
            h_word(h, u);
        } else {
            h_word(h, (uint64_t)(int64_t)f[k].ival);
        }
        if (f[k].is_ptr && f[k].ref >= 0) {
            evc_key ck;
            if (c->g->t[f[k].ref].kind == IR_T_CONST) {
                ck = const_key(c, f[k].ref);
            } else if (key_set(&key[f[k].ref])) {
                ck = key[f[k].ref];
            } else {
                return -1;
            }
            h_key(h, &ck);
        } else if (f[k].is_ptr && f[k].own >= 0) {
            size_t bytes = 0;
            const void *d = cl->own[f[k].own].data;
            if (d == NULL ||
                ckd_bytes(&bytes, cl->own[f[k].own].n, ir_dtype_size(cl->own[f[k].own].dtype))) {
                return -1;
            }
            h_word(h, (uint64_t)cl->own[f[k].own].dtype);
            h_bytes(h, d, bytes);
        }
    }
    h_word(h, (uint64_t)cl->n_args);
    for (k = 0; k < cl->n_args; k++) {
        int a = cl->args[k];
        h_word(h, TAG_ARG);
        if (a == LOWER_ARG_STATE) {
            return -1;
        } else if (a < 0) {
            h_word(h, (uint64_t)(int64_t)a);
        } else if (c->g->t[a].kind == IR_T_CONST) {
            evc_key ck = const_key(c, a);
            h_key(h, &ck);
        } else if (a == out) {
            h_word(h, TAG_OUT);
        } else if (key_set(&key[a])) {
            h_key(h, &key[a]);
        } else {
            return -1;
        }
    }
    return 0;
}

void evc_plan_free(evc_plan *k)
{
    free(k->key);
    free(k->last);
    free(k->prod);
    k->key = NULL;
    k->last = NULL;
    k->prod = NULL;
    k->ok = 0;
}

int evc_plan_init(evc_plan *k, const eval_plan *p)
{
    const ir_graph *g = p->g;
    kctx c;
    hstate h;
    int i, j, a, d;
    memset(k, 0, sizeof *k);
    k->p = p;
    k->key = calloc((size_t)g->nt + 1, sizeof *k->key);
    k->last = malloc(((size_t)g->nt + 1) * sizeof *k->last);
    k->prod = malloc(((size_t)g->nt + 1) * sizeof *k->prod);
    c.g = g;
    c.ckey = calloc((size_t)g->nt + 1, sizeof *c.ckey);
    if (k->key == NULL || k->last == NULL || k->prod == NULL || c.ckey == NULL) {
        free(c.ckey);
        evc_plan_free(k);
        return -1;
    }
    k->ok = 1;
    for (d = 0; d < IR_DT_COUNT; d++) {
        k->ok &= g->state_n[d] == 0;
    }
    for (i = 0; i < g->nt; i++) {
        k->last[i] = -1;
        k->prod[i] = -1;
    }
    for (i = 0; i < g->nn; i++) {
        k->prod[g->n[i].output] = i;
        /* the integer lstm's cell range is observed step by step
         * (compress.c), not from its output */
        k->ok &= g->n[i].op != IR_OP_LSTM && g->n[i].op != IR_OP_GRU;
    }
    /* the model input: its dtype and quantization (the float wrapper's) */
    h_init(&h, TAG_INPUT);
    h_tensor(&h, &g->t[g->input]);
    h_word(&h, (uint64_t)p->has_q_in);
    if (p->has_q_in && h_call(&h, &c, k->key, &p->q_in, -1) != 0) {
        k->ok = 0;
    }
    k->key[g->input] = h_done(&h);
    for (i = 0; i < g->nn && k->ok; i++) {
        const ir_node *n = &g->n[i];
        int out = n->output, f0 = p->node_first[i], f1 = p->node_first[i + 1];
        if (f0 == f1) { /* an alias (reshape): the same bytes */
            int in = n->n_inputs > 0 ? n->inputs[0] : -1;
            if (in < 0 || g->t[in].kind == IR_T_CONST || !key_set(&k->key[in])) {
                k->ok = 0;
                break;
            }
            h_init(&h, TAG_ALIAS);
            h_key(&h, &k->key[in]);
            k->last[in] = i > k->last[in] ? i : k->last[in];
        } else {
            h_init(&h, TAG_NODE);
            for (j = f0; j < f1 && k->ok; j++) {
                const lower_call *cl = &p->calls[j];
                if (h_call(&h, &c, k->key, cl, out) != 0) {
                    k->ok = 0;
                }
                for (a = 0; a < cl->n_args; a++) {
                    int t = cl->args[a];
                    if (t >= 0 && t != out && g->t[t].kind != IR_T_CONST) {
                        k->last[t] = i;
                    }
                }
            }
        }
        h_tensor(&h, &g->t[out]);
        k->key[out] = h_done(&h);
    }
    free(c.ckey);
    return 0;
}

/* ---- the store --------------------------------------------------------------- */

typedef struct {
    evc_key key;
    unsigned char *data; /* rows x row_bytes */
    int64_t row_bytes, bytes;
    uint64_t tick;       /* last used */
} entry;

struct evc_store {
    const float *x;
    int64_t rows, in_n, max_bytes;
    entry *e;
    int n, cap;
    int64_t bytes;
    uint64_t tick;
    int64_t resumed, runs, saved, run_nodes;
};

evc_store *evc_new(const float *x, int64_t rows, int64_t in_n, int64_t max_bytes)
{
    evc_store *s = calloc(1, sizeof *s);
    if (s != NULL) {
        s->x = x;
        s->rows = rows;
        s->in_n = in_n;
        s->max_bytes = max_bytes;
    }
    return s;
}

void evc_free(evc_store *s)
{
    int i;
    if (s == NULL) {
        return;
    }
    for (i = 0; i < s->n; i++) {
        free(s->e[i].data);
    }
    free(s->e);
    free(s);
}

static entry *find(const evc_store *s, const evc_key *k)
{
    int i;
    for (i = s->n - 1; i >= 0; i--) {
        if (key_eq(&s->e[i].key, k)) {
            return &s->e[i];
        }
    }
    return NULL;
}

const void *evc_get(const evc_store *s, const evc_key *key, int64_t *row_bytes)
{
    const entry *e = find(s, key);
    if (e == NULL) {
        return NULL;
    }
    *row_bytes = e->row_bytes;
    return e->data;
}

void evc_stats(const evc_store *s, int64_t *resumed, int64_t *runs, int64_t *nodes_saved,
               int64_t *nodes_run)
{
    *resumed = s->resumed;
    *runs = s->runs;
    *nodes_saved = s->saved;
    *nodes_run = s->run_nodes;
}

/* Drops the least recently used entries not used in this run (tick)
 * until the store holds at most keep bytes. */
static void trim(evc_store *s, int64_t keep)
{
    while (s->bytes > keep) {
        int i, old = -1;
        for (i = 0; i < s->n; i++) {
            if (s->e[i].tick != s->tick && (old < 0 || s->e[i].tick < s->e[old].tick)) {
                old = i;
            }
        }
        if (old < 0) {
            break;
        }
        s->bytes -= s->e[old].bytes;
        free(s->e[old].data);
        s->e[old] = s->e[--s->n];
    }
}

/* Whether the run may start at node f: every tensor computed before f and
 * read from f on is held in the arena's layout, every graph output is
 * computed from f on (outs: the run gives the outputs), and with have,
 * every tensor computed before f is held or had. */
static int can_start(const evc_store *s, const evc_plan *k, int f, int outs, evc_have have,
                     void *have_ctx)
{
    const ir_graph *g = k->p->g;
    int t;
    if (f == 0) {
        return 1;
    }
    if (have != NULL && find(s, &k->key[g->input]) == NULL && !have(have_ctx, &k->key[g->input])) {
        return 0;
    }
    for (t = 0; t < g->nt; t++) {
        int pr = k->prod[t];
        int held;
        if (pr < 0 || pr >= f) {
            continue;
        }
        if (outs && ir_output_index(g, t) >= 0) {
            return 0;
        }
        held = find(s, &k->key[t]) != NULL;
        if (k->last[t] >= f && (!held || eval_arena_ptr(k->p, t) == NULL)) {
            return 0;
        }
        if (have != NULL && !held && !have(have_ctx, &k->key[t])) {
            return 0;
        }
    }
    return 1;
}

typedef struct {
    entry **slot;       /* per tensor: where this run keeps it, or NULL */
    int64_t row;
    eval_observer obs;
    void *ctx;
} run_ctx;

static void run_obs(void *ctx, int t, const void *data, int64_t n)
{
    run_ctx *c = ctx;
    entry *e = c->slot[t];
    if (e != NULL) {
        memcpy(e->data + c->row * e->row_bytes, data, (size_t)e->row_bytes);
    }
    if (c->obs != NULL) {
        c->obs(c->ctx, t, data, n);
    }
}

/* One share of a run's rows: [r0, r1) through plan p (its own arena). */
typedef struct {
    const evc_store *s;
    const evc_plan *k;
    const eval_plan *p;
    const int *live;
    int nlive, f, last;
    int64_t r0, r1;
    float *out;
    run_ctx rc;
} share;

static void run_share(share *w)
{
    const ir_graph *g = w->k->p->g;
    int64_t r, out_n = ir_outputs_count(g);
    int i;
    for (r = w->r0; r < w->r1; r++) {
        w->rc.row = r;
        for (i = 0; i < w->nlive; i++) {
            int64_t rb = 0;
            const unsigned char *d = evc_get(w->s, &w->k->key[w->live[i]], &rb);
            memcpy(eval_arena_ptr(w->p, w->live[i]), d + r * rb, (size_t)rb);
        }
        eval_run_part(w->p, w->s->x + r * w->s->in_n, w->out != NULL ? w->out + r * out_n : NULL,
                      w->f, w->last, run_obs, &w->rc);
    }
}

static void *share_main(void *arg)
{
    run_share(arg);
    return NULL;
}

static int threads_wanted(void)
{
    const char *e = getenv("STOIC_THREADS");
    long n = e != NULL && e[0] != '\0' ? strtol(e, NULL, 10) : sysconf(_SC_NPROCESSORS_ONLN);
    if (e == NULL || e[0] == '\0') {
        n = n > 4 ? 4 : n;
    }
    return n < 1 ? 1 : (n > EVC_MAX_THREADS ? EVC_MAX_THREADS : (int)n);
}

/* The tensor values obs sees for row r, in the order a run shows them:
 * from what the run kept (or the store held), for a run whose rows were
 * split between threads. */
static void replay(const evc_store *s, const evc_plan *k, int f, int last, int64_t r,
                   eval_observer obs, void *ctx)
{
    const ir_graph *g = k->p->g;
    int i;
    for (i = f == 0 ? -1 : f; i <= last; i++) {
        int t = i < 0 ? g->input : g->n[i].output;
        int64_t rb = 0;
        const unsigned char *d = evc_get(s, &k->key[t], &rb);
        obs(ctx, t, d + r * rb, ir_shape_count(&g->t[t].shape));
    }
}

int evc_run(evc_store *s, const evc_plan *k, int max_first, int last, float *out,
            evc_have have, void *have_ctx, eval_observer obs, void *ctx)
{
    const ir_graph *g = k->p->g;
    int f, t, i, nnew = 0, *live = NULL, nlive = 0, nth = 1, all_kept, unkept = 0;
    int64_t r, want = 0;
    entry *fresh = NULL, **slot = NULL;
    eval_plan extra[EVC_MAX_THREADS];
    share sh[EVC_MAX_THREADS];
    pthread_t th[EVC_MAX_THREADS];
    int started[EVC_MAX_THREADS];
    s->tick++;
    /* with out, the run computes the outputs; without, it may have
     * nothing left to compute (last + 1) */
    f = max_first < last + (out == NULL) ? max_first : last + (out == NULL);
    f = f < 0 ? 0 : f;
    while (f > 0 && (!k->ok || !can_start(s, k, f, out != NULL, have, have_ctx))) {
        f--;
    }
    live = malloc(((size_t)g->nt + 1) * sizeof *live);
    slot = calloc((size_t)g->nt + 1, sizeof *slot);
    fresh = calloc((size_t)g->nt + 1, sizeof *fresh);
    if (live == NULL || slot == NULL || fresh == NULL) {
        free(live);
        free(slot);
        free(fresh);
        return -1;
    }
    /* what is restored at f (used now: kept), and what this run computes */
    for (t = 0; t < g->nt; t++) {
        const ir_tensor *x = &g->t[t];
        int pr = k->prod[t];
        entry *e = k->ok ? find(s, &k->key[t]) : NULL;
        if (e != NULL && (t == g->input ? f > 0 : (pr >= 0 && pr < f))) {
            e->tick = s->tick; /* used by this run: restored, or had by the caller */
        }
        if (pr >= 0 && pr < f && k->last[t] >= f) {
            live[nlive++] = t;
        }
        if (k->ok && e == NULL && ((t == g->input && f == 0) || (pr >= f && pr <= last))) {
            int64_t rb = 0, all = 0;
            for (i = 0; i < nnew && !key_eq(&fresh[i].key, &k->key[t]); i++) {
            }
            if (i < nnew) {
                continue; /* the same values as a tensor before it */
            }
            if (ckd_mul_i64(&rb, ir_shape_count(&x->shape), (int64_t)ir_dtype_size(x->dtype)) ||
                ckd_mul_i64(&all, rb, s->rows)) {
                unkept = 1;
                continue;
            }
            fresh[nnew].key = k->key[t];
            fresh[nnew].row_bytes = rb;
            fresh[nnew].bytes = all;
            slot[t] = &fresh[nnew];
            nnew++;
            want += all;
        } else if (k->ok && e != NULL && ((t == g->input && f == 0) || (pr >= f && pr <= last))) {
            e->tick = s->tick; /* computed again (the same values): kept as is */
        }
    }
    /* room for what is computed, in graph order while it fits */
    trim(s, s->max_bytes - want > 0 ? s->max_bytes - want : 0);
    want = s->bytes;
    all_kept = k->ok && !unkept;
    if (s->cap - s->n < nnew) { /* room in the table first: nothing fails after the run */
        int cap = s->n + nnew + 64;
        entry *e = realloc(s->e, (size_t)cap * sizeof *e);
        if (e == NULL) {
            free(live);
            free(slot);
            free(fresh);
            return -1;
        }
        s->e = e;
        s->cap = cap;
    }
    for (i = 0; i < nnew; i++) {
        size_t bytes = 0;
        if (want + fresh[i].bytes > s->max_bytes || ckd_bytes(&bytes, fresh[i].bytes, 1) ||
            (fresh[i].data = malloc(bytes + 1)) == NULL) {
            all_kept = 0;
            break; /* this and the later ones are not kept */
        }
        want += fresh[i].bytes;
    }
    for (t = 0; t < g->nt; t++) {
        if (slot[t] != NULL && slot[t]->data == NULL) {
            slot[t] = NULL;
        }
    }
    /* the rows split between threads, each with its own arena, when what
     * obs must see can be replayed in row order from what the run keeps */
    if (k->ok && f <= last && (all_kept || obs == NULL)) {
        nth = threads_wanted();
        nth = (int64_t)nth > s->rows / 4 ? (int)(s->rows / 4) : nth;
        nth = nth < 1 ? 1 : nth;
    }
    memset(started, 0, sizeof started);
    for (i = 0; i < nth; i++) {
        sh[i].s = s;
        sh[i].k = k;
        sh[i].p = k->p;
        if (i > 0 && eval_prepare(g, &extra[i]) != 0) {
            nth = i; /* out of memory: fewer threads */
            break;
        }
        if (i > 0) {
            sh[i].p = &extra[i];
        }
        sh[i].live = live;
        sh[i].nlive = nlive;
        sh[i].f = f;
        sh[i].last = last;
        sh[i].out = out;
        sh[i].rc.slot = slot;
        sh[i].rc.obs = nth == 1 ? obs : NULL;
        sh[i].rc.ctx = ctx;
    }
    for (i = 0; i < nth; i++) {
        sh[i].r0 = s->rows * i / nth;
        sh[i].r1 = s->rows * (i + 1) / nth;
        sh[i].rc.obs = nth == 1 ? obs : NULL;
    }
    for (i = 1; i < nth; i++) {
        started[i] = f <= last && pthread_create(&th[i], NULL, share_main, &sh[i]) == 0;
    }
    if (f <= last) {
        run_share(&sh[0]);
    }
    for (i = 1; i < nth; i++) {
        if (started[i]) {
            (void)pthread_join(th[i], NULL);
        } else if (f <= last) {
            run_share(&sh[i]); /* no thread: here */
        }
        eval_free(&extra[i]);
    }
    s->runs++;
    s->resumed += f > 0;
    s->saved += (int64_t)f * s->rows;
    s->run_nodes += (int64_t)(last + 1 - f) * s->rows;
    /* keep what was computed */
    for (i = 0; i < nnew; i++) {
        if (fresh[i].data == NULL) {
            continue;
        }
        fresh[i].tick = s->tick;
        s->e[s->n++] = fresh[i];
        s->bytes += fresh[i].bytes;
    }
    /* obs, row after row, when the rows were split */
    for (r = 0; nth > 1 && obs != NULL && r < s->rows; r++) {
        replay(s, k, f, last, r, obs, ctx);
    }
    free(live);
    free(slot);
    free(fresh);
    return f;
}

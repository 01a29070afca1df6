/* stoic check OUTDIR: the property checker (README "stoic check").
 *
 * Every .c file of OUTDIR is parsed with libclang (C99, -I OUTDIR), the
 * function definitions of OUTDIR's files are collected once each (by USR:
 * a static inline function of a header is one function), then:
 *   - per function: goto, while/do loops, for loops (counter and bound,
 *     see loop_check), returns (single exit), allocation calls, indirect
 *     calls, and the first floating-point type or literal;
 *   - per declaration anywhere in OUTDIR's files: function-pointer types
 *     and variably modified types;
 *   - on the call graph from the entry points (NAME_run, NAME_run_float,
 *     and the streaming API's NAME_step, NAME_step_float, NAME_reset):
 *     recursion, calls of functions not defined in OUTDIR, floating point
 *     reached from an integer NAME_run, functions no entry point reaches.
 * The generator's own code: recursion over the syntax tree is fine here. */
#include "check.h"

#include <clang-c/Index.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "clang_dl.h"
#include "fileio.h"
#include "emit.h"
#include "strbuf.h"

#define CHECK_MAX_FILES 4096

typedef struct {
    char *file;
    unsigned line, col;
    const char *rule;
    char *msg;
} finding;

typedef struct {
    CXCursor var;   /* the variable written */
    CXCursor at;    /* the writing expression or declaration */
    CXCursor rhs;   /* the value assigned (kind W_ASSIGN) */
    int kind;
} write_rec;

enum { W_ASSIGN, W_FORINC, W_OUT, W_OTHER };

typedef struct {
    char *callee_usr;
    char *callee_name;
    int callee; /* index in fns, -1: not defined in OUTDIR */
    int ref;    /* the function's name used other than in a call (its address) */
    char *file;
    unsigned line, col;
} call_rec;

typedef struct {
    char *usr, *name, *file;
    unsigned line, col;
    CXCursor cur;
    int is_static, in_header;
    int entry;          /* 1: NAME_run or NAME_run_float (NAME_step...); 2: an integer
                         * NAME_run (NAME_step, NAME_reset) */
    int reached, reached_int;
    int has_float;
    char *float_file;
    unsigned float_line, float_col;
    call_rec *calls;
    int n_calls, cap_calls;
} fn_rec;

typedef struct {
    const char *outdir;
    size_t olen;
    finding *f;
    int nf, capf;
    fn_rec *fns;
    int nfn, capfn;
    /* per-function walk state */
    int cur;
    write_rec *w;
    int nw, capw;
    CXCursor *forinc;
    int nforinc, capforinc;
    CXCursor *fors;
    int nfors, capfors;
    CXCursor *rets;
    int nrets, caprets;
    CXCursor *di;   /* locals known to be data-independent */
    int ndi, capdi;
    int oom;
    int library;    /* every external function is an entry point (a library) */
} ctx;

#define GROW(arr, n, cap, C)                                                         \
    do {                                                                             \
        if ((n) >= (cap)) {                                                          \
            int nc_ = (cap) > 0 ? (cap) * 2 : 16;                                   \
            void *p_ = realloc((arr), (size_t)nc_ * sizeof *(arr));                  \
            if (p_ == NULL) {                                                        \
                (C)->oom = 1;                                                        \
                break;                                                               \
            }                                                                        \
            (arr) = p_;                                                              \
            (cap) = nc_;                                                             \
        }                                                                            \
    } while (0)

static char *xstrdup(ctx *c, const char *s)
{
    char *r = strdup(s != NULL ? s : "");
    if (r == NULL) {
        c->oom = 1;
    }
    return r;
}

/* The cursor's expansion location; 1 when it lies in a file of OUTDIR. */
static int loc_of(const ctx *c, CXCursor cur, char *file, size_t cap, unsigned *line,
                  unsigned *col)
{
    CXSourceLocation l = clang_getCursorLocation(cur);
    CXFile f;
    unsigned off;
    CXString s;
    const char *n;
    int in = 0;
    clang_getExpansionLocation(l, &f, line, col, &off);
    if (f == NULL) {
        if (cap > 0) {
            file[0] = '\0';
        }
        return 0;
    }
    s = clang_getFileName(f);
    n = clang_getCString(s);
    if (n != NULL) {
        snprintf(file, cap, "%s", n);
        in = strncmp(n, c->outdir, c->olen) == 0 && n[c->olen] == '/' &&
             strchr(n + c->olen + 1, '/') == NULL;
    }
    clang_disposeString(s);
    return in;
}

static void add_finding(ctx *c, const char *file, unsigned line, unsigned col, const char *rule,
                        const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static void add_finding(ctx *c, const char *file, unsigned line, unsigned col, const char *rule,
                        const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    GROW(c->f, c->nf, c->capf, c);
    if (c->oom) {
        return;
    }
    c->f[c->nf].file = xstrdup(c, file);
    c->f[c->nf].line = line;
    c->f[c->nf].col = col;
    c->f[c->nf].rule = rule;
    c->f[c->nf].msg = xstrdup(c, msg);
    c->nf++;
}

static void finding_at(ctx *c, CXCursor cur, const char *rule, const char *msg)
{
    char file[4096];
    unsigned line = 0, col = 0;
    (void)loc_of(c, cur, file, sizeof file, &line, &col);
    add_finding(c, file, line, col, rule, "%s", msg);
}

static char *cursor_name(ctx *c, CXCursor cur)
{
    CXString s = clang_getCursorSpelling(cur);
    char *r = xstrdup(c, clang_getCString(s));
    clang_disposeString(s);
    return r;
}

static char *cursor_usr(ctx *c, CXCursor cur)
{
    CXString s = clang_getCursorUSR(cur);
    char *r = xstrdup(c, clang_getCString(s));
    clang_disposeString(s);
    return r;
}

/* ---- children ------------------------------------------------------------ */

typedef struct {
    CXCursor *k;
    int n, cap;
    int oom;
} kids;

static enum CXChildVisitResult kid_cb(CXCursor cur, CXCursor parent, CXClientData data)
{
    kids *k = data;
    (void)parent;
    if (k->n >= k->cap) {
        int nc = k->cap > 0 ? k->cap * 2 : 8;
        CXCursor *p = realloc(k->k, (size_t)nc * sizeof *p);
        if (p == NULL) {
            k->oom = 1;
            return CXChildVisit_Break;
        }
        k->k = p;
        k->cap = nc;
    }
    k->k[k->n++] = cur;
    return CXChildVisit_Continue;
}

static kids kids_of(CXCursor cur)
{
    kids k;
    memset(&k, 0, sizeof k);
    clang_visitChildren(cur, kid_cb, &k);
    return k;
}

/* Parentheses, implicit conversions and casts taken off. */
static CXCursor strip(CXCursor cur)
{
    for (;;) {
        enum CXCursorKind kd = clang_getCursorKind(cur);
        kids k;
        if (kd != CXCursor_UnexposedExpr && kd != CXCursor_ParenExpr &&
            kd != CXCursor_CStyleCastExpr) {
            return cur;
        }
        k = kids_of(cur);
        if (k.n == 0) {
            free(k.k);
            return cur;
        }
        cur = k.k[k.n - 1];
        free(k.k);
    }
}

/* The operator of a binary (which = 0) or unary (which = 1) operator
 * expression, from its tokens. */
static void op_of(CXCursor cur, int unary, char *op, size_t cap)
{
    CXTranslationUnit tu = clang_Cursor_getTranslationUnit(cur);
    CXToken *t = NULL;
    unsigned nt = 0, i;
    CXSourceRange r = clang_getCursorExtent(cur);
    op[0] = '\0';
    clang_tokenize(tu, r, &t, &nt);
    if (nt == 0) {
        return;
    }
    if (unary) {
        CXString s = clang_getTokenSpelling(tu, t[0]);
        if (clang_getTokenKind(t[0]) == CXToken_Punctuation) {
            snprintf(op, cap, "%s", clang_getCString(s));
        } else {
            CXString e = clang_getTokenSpelling(tu, t[nt - 1]);
            snprintf(op, cap, "%s", clang_getCString(e));
            clang_disposeString(e);
        }
        clang_disposeString(s);
    } else {
        kids k = kids_of(cur);
        if (k.n >= 1) {
            unsigned end;
            clang_getExpansionLocation(clang_getRangeEnd(clang_getCursorExtent(k.k[0])), NULL,
                                       NULL, NULL, &end);
            for (i = 0; i < nt; i++) {
                unsigned off;
                clang_getExpansionLocation(clang_getTokenLocation(tu, t[i]), NULL, NULL, NULL,
                                           &off);
                if (off >= end && clang_getTokenKind(t[i]) == CXToken_Punctuation) {
                    CXString s = clang_getTokenSpelling(tu, t[i]);
                    snprintf(op, cap, "%s", clang_getCString(s));
                    clang_disposeString(s);
                    break;
                }
            }
        }
        free(k.k);
    }
    clang_disposeTokens(tu, t, nt);
}

static unsigned offset_of(CXSourceLocation l)
{
    unsigned off = 0;
    clang_getExpansionLocation(l, NULL, NULL, NULL, &off);
    return off;
}

static int within(CXCursor inner, CXCursor outer)
{
    CXSourceRange ro = clang_getCursorExtent(outer);
    unsigned a = offset_of(clang_getRangeStart(ro)), b = offset_of(clang_getRangeEnd(ro));
    unsigned x = offset_of(clang_getCursorLocation(inner));
    return x >= a && x < b;
}

static int in_list(const CXCursor *l, int n, CXCursor c)
{
    int i;
    for (i = 0; i < n; i++) {
        if (clang_equalCursors(l[i], c)) {
            return 1;
        }
    }
    return 0;
}

/* ---- types ---------------------------------------------------------------- */

static int is_float_kind(enum CXTypeKind k)
{
    return k == CXType_Float || k == CXType_Double || k == CXType_LongDouble ||
           k == CXType_Half || k == CXType_Float16 || k == CXType_Float128 ||
           k == CXType_Complex;
}

/* 1: the type, or a type it holds through pointers and arrays, is one
 * that hit accepts (the walk of the three type rules below). */
static int type_holds(CXType t, int (*hit)(enum CXTypeKind))
{
    int depth;
    for (depth = 0; depth < 16; depth++) {
        t = clang_getCanonicalType(t);
        if (hit(t.kind)) {
            return 1;
        }
        if (t.kind == CXType_Pointer) {
            t = clang_getPointeeType(t);
        } else if (t.kind == CXType_ConstantArray || t.kind == CXType_IncompleteArray ||
                   t.kind == CXType_VariableArray) {
            t = clang_getArrayElementType(t);
        } else {
            return 0;
        }
    }
    return 0;
}

static int kind_is_fn(enum CXTypeKind k)
{
    return k == CXType_FunctionProto || k == CXType_FunctionNoProto;
}

static int kind_is_vla(enum CXTypeKind k)
{
    return k == CXType_VariableArray || k == CXType_DependentSizedArray;
}

/* 1: the type is or holds (through pointers and arrays) a float type. */
static int type_has_float(CXType t)
{
    return type_holds(t, is_float_kind);
}

/* 1: a function type or a pointer to one (through pointers and arrays). */
static int type_is_fnptr(CXType t)
{
    return type_holds(t, kind_is_fn);
}

static int type_is_vla(CXType t)
{
    return type_holds(t, kind_is_vla);
}

/* ---- declarations anywhere in OUTDIR's files ------------------------------ */

static int find_fn(const ctx *c, const char *usr)
{
    int i;
    for (i = 0; i < c->nfn; i++) {
        if (strcmp(c->fns[i].usr, usr) == 0) {
            return i;
        }
    }
    return -1;
}

static enum CXChildVisitResult tu_cb(CXCursor cur, CXCursor parent, CXClientData data)
{
    ctx *c = data;
    char file[4096];
    unsigned line = 0, col = 0;
    enum CXCursorKind kd = clang_getCursorKind(cur);
    (void)parent;
    if (!loc_of(c, cur, file, sizeof file, &line, &col)) {
        return CXChildVisit_Continue; /* system headers and anything outside OUTDIR */
    }
    if (kd == CXCursor_VarDecl || kd == CXCursor_ParmDecl || kd == CXCursor_FieldDecl ||
        kd == CXCursor_CStyleCastExpr || kd == CXCursor_TypedefDecl) {
        CXType t = kd == CXCursor_TypedefDecl ? clang_getTypedefDeclUnderlyingType(cur)
                                              : clang_getCursorType(cur);
        if (type_is_fnptr(t)) {
            finding_at(c, cur, "check.function-pointer",
                       "a function-pointer type: calls must be direct");
        }
        if (type_is_vla(t)) {
            finding_at(c, cur, "check.vla", "a variable-length array type");
        }
    }
    if (kd == CXCursor_FunctionDecl && clang_isCursorDefinition(cur)) {
        char *usr = cursor_usr(c, cur);
        if (usr != NULL && find_fn(c, usr) < 0) {
            fn_rec *f;
            size_t fl = strlen(file);
            CXType rt = clang_getCursorResultType(cur);
            GROW(c->fns, c->nfn, c->capfn, c);
            if (c->oom) {
                free(usr);
                return CXChildVisit_Break;
            }
            f = &c->fns[c->nfn++];
            memset(f, 0, sizeof *f);
            f->usr = usr;
            f->name = cursor_name(c, cur);
            f->file = xstrdup(c, file);
            f->line = line;
            f->col = col;
            f->cur = cur;
            f->is_static = clang_getCursorLinkage(cur) == CXLinkage_Internal;
            f->in_header = fl > 2 && strcmp(file + fl - 2, ".h") == 0;
            if (type_is_fnptr(rt)) {
                finding_at(c, cur, "check.function-pointer",
                           "the function returns a function pointer");
            }
        } else {
            free(usr);
        }
    }
    return CXChildVisit_Recurse;
}

static void for_parts(CXCursor cur, CXCursor part[4]);

/* ---- one function's body ---------------------------------------------------- */

static const char *const alloc_fns[] = {
    "malloc", "calloc", "realloc", "free", "aligned_alloc", "alloca", "__builtin_alloca",
    "strdup", "strndup", "posix_memalign", "reallocarray", "valloc", "memalign", "pvalloc",
    "__builtin_malloc", "__builtin_free", "__builtin_alloca_with_align",
};

static void add_write(ctx *c, CXCursor var, CXCursor at, CXCursor rhs, int kind)
{
    GROW(c->w, c->nw, c->capw, c);
    if (c->oom) {
        return;
    }
    c->w[c->nw].var = var;
    c->w[c->nw].at = at;
    c->w[c->nw].rhs = rhs;
    c->w[c->nw].kind = kind;
    c->nw++;
}

/* The variable an lvalue expression names directly, or a null cursor. */
static CXCursor lvalue_var(CXCursor e)
{
    e = strip(e);
    if (clang_getCursorKind(e) == CXCursor_DeclRefExpr) {
        CXCursor r = clang_getCursorReferenced(e);
        enum CXCursorKind k = clang_getCursorKind(r);
        if (k == CXCursor_VarDecl || k == CXCursor_ParmDecl) {
            return r;
        }
    }
    return clang_getNullCursor();
}

/* do ... while (0) */
static int do_once(CXCursor cur)
{
    kids k = kids_of(cur);
    int r = 0;
    if (k.n == 2) {
        CXCursor e = strip(k.k[1]);
        if (clang_getCursorKind(e) == CXCursor_IntegerLiteral) {
            CXEvalResult ev = clang_Cursor_Evaluate(e);
            r = ev != NULL && clang_EvalResult_getKind(ev) == CXEval_Int &&
                clang_EvalResult_getAsLongLong(ev) == 0;
            if (ev != NULL) {
                clang_EvalResult_dispose(ev);
            }
        }
    }
    free(k.k);
    return r;
}

static void note_float(ctx *c, fn_rec *f, CXCursor cur)
{
    if (!f->has_float) {
        char file[4096];
        f->has_float = 1;
        (void)loc_of(c, cur, file, sizeof file, &f->float_line, &f->float_col);
        f->float_file = xstrdup(c, file);
    }
}

static void walk(ctx *c, fn_rec *f, CXCursor cur, CXCursor parent)
{
    enum CXCursorKind kd = clang_getCursorKind(cur);
    kids k;
    int i;
    char op[8];
    if (kd == CXCursor_FloatingLiteral) {
        note_float(c, f, cur);
    } else if (clang_isExpression(kd) || clang_isDeclaration(kd)) {
        CXType t = clang_getCursorType(cur);
        if (type_has_float(t)) {
            note_float(c, f, cur);
        }
    }
    switch (kd) {
    case CXCursor_GotoStmt:
    case CXCursor_IndirectGotoStmt:
        finding_at(c, cur, "check.goto", "a goto statement");
        break;
    case CXCursor_WhileStmt:
        finding_at(c, cur, "check.loop", "a while loop: every loop must be a for loop "
                                         "with a data-independent bound");
        break;
    case CXCursor_DoStmt:
        if (do_once(cur)) {
            break; /* do { ... } while (0): a macro's statement, runs once */
        }
        finding_at(c, cur, "check.loop", "a do loop: every loop must be a for loop "
                                         "with a data-independent bound");
        break;
    case CXCursor_ForStmt:
        GROW(c->fors, c->nfors, c->capfors, c);
        if (!c->oom) {
            c->fors[c->nfors++] = cur;
        }
        break;
    case CXCursor_ReturnStmt:
        GROW(c->rets, c->nrets, c->caprets, c);
        if (!c->oom) {
            c->rets[c->nrets++] = cur;
        }
        break;
    case CXCursor_CallExpr: {
        CXCursor r = clang_getCursorReferenced(cur);
        if (clang_Cursor_isNull(r) || clang_getCursorKind(r) != CXCursor_FunctionDecl) {
            finding_at(c, cur, "check.function-pointer",
                       "an indirect call: calls must name the function");
        } else {
            char *name = cursor_name(c, r);
            size_t a;
            char file[4096];
            call_rec *cr;
            for (a = 0; name != NULL && a < sizeof alloc_fns / sizeof alloc_fns[0]; a++) {
                if (strcmp(name, alloc_fns[a]) == 0) {
                    char msg[256];
                    snprintf(msg, sizeof msg, "dynamic memory: a call of '%s'", name);
                    finding_at(c, cur, "check.dynamic-memory", msg);
                }
            }
            GROW(f->calls, f->n_calls, f->cap_calls, c);
            if (c->oom) {
                free(name);
                break;
            }
            cr = &f->calls[f->n_calls++];
            memset(cr, 0, sizeof *cr);
            cr->callee_usr = cursor_usr(c, r);
            cr->callee_name = name;
            cr->callee = -1;
            (void)loc_of(c, cur, file, sizeof file, &cr->line, &cr->col);
            cr->file = xstrdup(c, file);
        }
        break;
    }
    case CXCursor_DeclRefExpr: {
        /* a function named, not called: its address is taken (a function
         * pointer, reported where its type is); it counts as reached */
        CXCursor r = clang_getCursorReferenced(cur);
        if (clang_getCursorKind(r) == CXCursor_FunctionDecl &&
            clang_getCursorKind(parent) != CXCursor_CallExpr) {
            GROW(f->calls, f->n_calls, f->cap_calls, c);
            if (!c->oom) {
                call_rec *cr = &f->calls[f->n_calls++];
                char file[4096];
                memset(cr, 0, sizeof *cr);
                cr->callee_usr = cursor_usr(c, r);
                cr->callee_name = cursor_name(c, r);
                cr->callee = -1;
                cr->ref = 1;
                (void)loc_of(c, cur, file, sizeof file, &cr->line, &cr->col);
                cr->file = xstrdup(c, file);
            }
        }
        break;
    }
    case CXCursor_VarDecl: {
        CXCursor init = clang_Cursor_getVarDeclInitializer(cur);
        if (!clang_Cursor_isNull(init)) {
            add_write(c, cur, cur, init, W_ASSIGN);
        }
        break;
    }
    case CXCursor_BinaryOperator: {
        op_of(cur, 0, op, sizeof op);
        if (strcmp(op, "=") == 0) {
            kids b = kids_of(cur);
            if (b.n == 2) {
                CXCursor v = lvalue_var(b.k[0]);
                if (!clang_Cursor_isNull(v)) {
                    add_write(c, v, cur, b.k[1], W_ASSIGN);
                }
            }
            free(b.k);
        }
        break;
    }
    case CXCursor_CompoundAssignOperator: {
        kids b = kids_of(cur);
        if (b.n == 2) {
            CXCursor v = lvalue_var(b.k[0]);
            if (!clang_Cursor_isNull(v)) {
                add_write(c, v, cur, clang_getNullCursor(),
                          in_list(c->forinc, c->nforinc, cur) ? W_FORINC : W_OTHER);
            }
        }
        free(b.k);
        break;
    }
    case CXCursor_UnaryOperator: {
        kids b = kids_of(cur);
        op_of(cur, 1, op, sizeof op);
        if (b.n == 1) {
            CXCursor v = lvalue_var(b.k[0]);
            if (!clang_Cursor_isNull(v) && (strcmp(op, "++") == 0 || strcmp(op, "--") == 0)) {
                add_write(c, v, cur, clang_getNullCursor(),
                          in_list(c->forinc, c->nforinc, cur) ? W_FORINC : W_OTHER);
            } else if (!clang_Cursor_isNull(v) && strcmp(op, "&") == 0) {
                /* &x as an argument of a call: an out-parameter */
                add_write(c, v, cur, parent,
                          clang_getCursorKind(parent) == CXCursor_CallExpr ? W_OUT : W_OTHER);
            }
        }
        free(b.k);
        break;
    }
    default:
        break;
    }
    if (kd == CXCursor_ForStmt) {
        /* the increment, marked so the walk below records it as the
         * loop's own update */
        CXCursor part[4];
        for_parts(cur, part);
        if (!clang_Cursor_isNull(part[2])) {
            GROW(c->forinc, c->nforinc, c->capforinc, c);
            if (!c->oom) {
                c->forinc[c->nforinc++] = part[2];
            }
        }
    }
    k = kids_of(cur);
    for (i = 0; i < k.n; i++) {
        CXCursor ch = k.k[i];
        /* an implicit conversion between the call and &x */
        CXCursor par = cur;
        if (clang_getCursorKind(cur) == CXCursor_UnexposedExpr &&
            clang_getCursorKind(parent) == CXCursor_CallExpr) {
            par = parent;
        }
        walk(c, f, ch, par);
    }
    free(k.k);
}

/* The parts of a for statement: init, cond, inc (null cursors when
 * absent) and body, told apart by where the two semicolons of the
 * header are. */
static void for_parts(CXCursor cur, CXCursor part[4])
{
    CXTranslationUnit tu = clang_Cursor_getTranslationUnit(cur);
    CXToken *t = NULL;
    unsigned nt = 0, i, semi[2] = { 0, 0 }, rpar = 0;
    int depth = 0, ns = 0, j;
    kids k = kids_of(cur);
    for (j = 0; j < 4; j++) {
        part[j] = clang_getNullCursor();
    }
    clang_tokenize(tu, clang_getCursorExtent(cur), &t, &nt);
    for (i = 0; i < nt; i++) {
        CXString s = clang_getTokenSpelling(tu, t[i]);
        const char *sp = clang_getCString(s);
        unsigned off = offset_of(clang_getTokenLocation(tu, t[i]));
        if (strcmp(sp, "(") == 0) {
            depth++;
        } else if (strcmp(sp, ")") == 0) {
            depth--;
            if (depth == 0 && rpar == 0) {
                rpar = off;
            }
        } else if (strcmp(sp, ";") == 0 && depth == 1 && ns < 2) {
            semi[ns++] = off;
        }
        clang_disposeString(s);
        if (rpar != 0) {
            break;
        }
    }
    clang_disposeTokens(tu, t, nt);
    for (j = 0; j < k.n; j++) {
        unsigned off = offset_of(clang_getRangeStart(clang_getCursorExtent(k.k[j])));
        int slot = ns < 2 || rpar == 0 ? 3 : off < semi[0] ? 0 : off < semi[1] ? 1 : off < rpar ? 2 : 3;
        part[slot] = k.k[j];
    }
    free(k.k);
}

/* ---- data-independent values -------------------------------------------------
 *
 * A value is data-independent (DI) in a function F when it is
 *   - an integer constant expression: literal, enum constant, sizeof, a
 *     macro expanding to these;
 *   - a const-qualified variable of file scope;
 *   - a value parameter of F that F never writes;
 *   - data reached through a pointer-to-const struct parameter that F never
 *     writes (p->f, p->f.g, p->t[i], p->a->b: every pointer on the way
 *     points to const, every index is DI): the kernel parameters, decided
 *     at generation time;
 *   - a local variable whose every write is an assignment (or initializer)
 *     of a DI value, the update of a for loop of which it is the counter,
 *     or an out-parameter of a call of a function defined in OUTDIR whose
 *     arguments are DI (least fixed point: a local assigned from itself is
 *     not DI);
 *   - an arithmetic, bitwise, relational or conditional expression, a cast,
 *     or a call of a function defined in OUTDIR, of DI operands.
 * The data a kernel reads or writes (in, out, the arena, weights through
 * pointer-to-scalar parameters) is never DI: a loop bounded by DI values
 * runs a number of times that does not depend on the data. */

static int is_di(ctx *c, fn_rec *f, CXCursor e);

static int var_written(ctx *c, CXCursor v)
{
    int i;
    for (i = 0; i < c->nw; i++) {
        if (clang_equalCursors(c->w[i].var, v) &&
            !clang_equalCursors(c->w[i].at, v)) { /* the initializer of a local is its own */
            return 1;
        }
    }
    return 0;
}

/* A pointer-to-const parameter never written: the root of parameter data. */
static int const_ptr_param(ctx *c, CXCursor v)
{
    CXType t = clang_getCanonicalType(clang_getCursorType(v));
    if (clang_getCursorKind(v) != CXCursor_ParmDecl || t.kind != CXType_Pointer) {
        return 0;
    }
    t = clang_getPointeeType(t);
    if (!clang_isConstQualifiedType(t)) {
        return 0;
    }
    t = clang_getCanonicalType(t);
    return t.kind == CXType_Record && !var_written(c, v);
}

/* e is an lvalue or pointer within the parameter data (see above). */
static int param_data(ctx *c, fn_rec *f, CXCursor e)
{
    enum CXCursorKind kd;
    kids k;
    int r = 0;
    e = strip(e);
    kd = clang_getCursorKind(e);
    if (kd == CXCursor_DeclRefExpr) {
        CXCursor v = clang_getCursorReferenced(e);
        return const_ptr_param(c, v);
    }
    k = kids_of(e);
    if (kd == CXCursor_MemberRefExpr && k.n >= 1) {
        CXType bt = clang_getCanonicalType(clang_getCursorType(strip(k.k[0])));
        r = param_data(c, f, k.k[0]);
        if (r && bt.kind == CXType_Pointer) {
            r = clang_isConstQualifiedType(clang_getPointeeType(bt)) != 0U;
        }
    } else if (kd == CXCursor_ArraySubscriptExpr && k.n == 2) {
        CXType bt = clang_getCanonicalType(clang_getCursorType(strip(k.k[0])));
        r = param_data(c, f, k.k[0]) && is_di(c, f, k.k[1]);
        if (r && bt.kind == CXType_Pointer) {
            r = clang_isConstQualifiedType(clang_getPointeeType(bt)) != 0U;
        }
    }
    free(k.k);
    return r;
}

static int defined_here(ctx *c, CXCursor fdecl)
{
    char *usr = cursor_usr(c, fdecl);
    int r = usr != NULL && find_fn(c, usr) >= 0;
    free(usr);
    return r;
}

static int is_di(ctx *c, fn_rec *f, CXCursor e)
{
    enum CXCursorKind kd;
    kids k;
    int r = 0, i;
    char op[8];
    e = strip(e);
    kd = clang_getCursorKind(e);
    switch (kd) {
    case CXCursor_IntegerLiteral:
    case CXCursor_CharacterLiteral:
    case CXCursor_UnaryExpr: /* sizeof, alignof */
        return 1;
    case CXCursor_DeclRefExpr: {
        CXCursor v = clang_getCursorReferenced(e);
        enum CXCursorKind vk = clang_getCursorKind(v);
        CXType t = clang_getCanonicalType(clang_getCursorType(v));
        if (vk == CXCursor_EnumConstantDecl) {
            return 1;
        }
        if (vk == CXCursor_VarDecl && clang_Cursor_hasVarDeclGlobalStorage(v) == 1) {
            return clang_isConstQualifiedType(t) && t.kind != CXType_Pointer;
        }
        if (vk == CXCursor_ParmDecl) {
            return t.kind != CXType_Pointer && t.kind != CXType_ConstantArray &&
                   t.kind != CXType_IncompleteArray && !var_written(c, v);
        }
        if (vk == CXCursor_VarDecl) {
            return in_list(c->di, c->ndi, v);
        }
        return 0;
    }
    case CXCursor_MemberRefExpr:
    case CXCursor_ArraySubscriptExpr:
        return param_data(c, f, e);
    case CXCursor_BinaryOperator:
        op_of(e, 0, op, sizeof op);
        if (strcmp(op, "=") == 0 || strcmp(op, ",") == 0) {
            return 0;
        }
        break;
    case CXCursor_UnaryOperator:
        op_of(e, 1, op, sizeof op);
        if (strcmp(op, "&") == 0) {
            k = kids_of(e);
            r = k.n == 1 && param_data(c, f, k.k[0]);
            free(k.k);
            return r;
        }
        if (strcmp(op, "-") != 0 && strcmp(op, "+") != 0 && strcmp(op, "~") != 0 &&
            strcmp(op, "!") != 0) {
            return 0;
        }
        break;
    case CXCursor_ConditionalOperator:
        break;
    case CXCursor_CallExpr: {
        CXCursor fd = clang_getCursorReferenced(e);
        int na = clang_Cursor_getNumArguments(e);
        if (clang_Cursor_isNull(fd) || !defined_here(c, fd)) {
            return 0;
        }
        for (i = 0; i < na; i++) {
            if (!is_di(c, f, clang_Cursor_getArgument(e, (unsigned)i))) {
                return 0;
            }
        }
        return 1;
    }
    default:
        return 0;
    }
    k = kids_of(e);
    r = k.n > 0;
    for (i = 0; i < k.n && r; i++) {
        r = is_di(c, f, k.k[i]);
    }
    free(k.k);
    return r;
}

/* The least fixed point of the DI locals. */
static void di_locals(ctx *c, fn_rec *f)
{
    int changed = 1, i, j;
    c->ndi = 0;
    while (changed && !c->oom) {
        changed = 0;
        for (i = 0; i < c->nw; i++) {
            CXCursor v = c->w[i].var;
            int ok = 1;
            if (clang_getCursorKind(v) != CXCursor_VarDecl ||
                clang_Cursor_hasVarDeclGlobalStorage(v) == 1 || in_list(c->di, c->ndi, v)) {
                continue;
            }
            for (j = 0; j < c->nw && ok; j++) {
                const write_rec *w = &c->w[j];
                if (!clang_equalCursors(w->var, v)) {
                    continue;
                }
                if (w->kind == W_ASSIGN) {
                    ok = is_di(c, f, w->rhs);
                } else if (w->kind == W_OUT) {
                    CXCursor fd = clang_getCursorReferenced(w->rhs);
                    int na = clang_Cursor_getNumArguments(w->rhs), a;
                    ok = !clang_Cursor_isNull(fd) && defined_here(c, fd);
                    for (a = 0; a < na && ok; a++) {
                        CXCursor arg = strip(clang_Cursor_getArgument(w->rhs, (unsigned)a));
                        if (clang_getCursorKind(arg) == CXCursor_UnaryOperator) {
                            kids u = kids_of(arg);
                            char op[8];
                            op_of(arg, 1, op, sizeof op);
                            if (strcmp(op, "&") == 0 && u.n == 1 &&
                                clang_getCursorKind(strip(u.k[0])) == CXCursor_DeclRefExpr) {
                                free(u.k);
                                continue; /* another out-parameter */
                            }
                            free(u.k);
                        }
                        ok = is_di(c, f, arg);
                    }
                } else if (w->kind != W_FORINC) {
                    ok = 0;
                }
            }
            if (ok) {
                GROW(c->di, c->ndi, c->capdi, c);
                if (!c->oom) {
                    c->di[c->ndi++] = v;
                    changed = 1;
                }
            }
        }
    }
}

/* ---- loops ------------------------------------------------------------------ */

static int is_rel(const char *op)
{
    return strcmp(op, "<") == 0 || strcmp(op, "<=") == 0 || strcmp(op, ">") == 0 ||
           strcmp(op, ">=") == 0 || strcmp(op, "!=") == 0;
}

/* Every for loop: for (V = DI; V rel DI; V++ | V-- | V += K | V -= K)
 * (or the bound on the left; the init may be absent or a declaration of
 * V with a DI initializer; K an integer constant expression) and no write
 * of V in the body. */
static void loop_check(ctx *c, fn_rec *f, CXCursor loop)
{
    CXCursor part[4], v = clang_getNullCursor(), bound = clang_getNullCursor();
    char op[8];
    kids k;
    int i, inc_ok = 0;
    for_parts(loop, part);
    if (clang_Cursor_isNull(part[1]) || clang_getCursorKind(part[1]) != CXCursor_BinaryOperator) {
        finding_at(c, loop, "check.loop", "a for loop without a comparison as its condition");
        return;
    }
    op_of(part[1], 0, op, sizeof op);
    k = kids_of(part[1]);
    if (!is_rel(op) || k.n != 2) {
        free(k.k);
        finding_at(c, loop, "check.loop", "the loop condition is not a comparison of the "
                                          "counter with a bound");
        return;
    }
    /* the counter: the side the increment writes */
    for (i = 0; i < 2 && clang_Cursor_isNull(v); i++) {
        CXCursor cand = lvalue_var(k.k[i]);
        int j;
        if (clang_Cursor_isNull(cand)) {
            continue;
        }
        for (j = 0; j < c->nw; j++) {
            if (c->w[j].kind == W_FORINC && clang_equalCursors(c->w[j].var, cand) &&
                !clang_Cursor_isNull(part[2]) && within(c->w[j].at, part[2])) {
                v = cand;
                bound = k.k[1 - i];
            }
        }
    }
    free(k.k);
    if (clang_Cursor_isNull(v)) {
        finding_at(c, loop, "check.loop", "the loop has no counter: the condition must compare "
                                          "the variable the increment steps");
        return;
    }
    /* the increment: ++, -- or +=/-= an integer constant */
    {
        CXCursor inc = part[2];
        enum CXCursorKind ik = clang_getCursorKind(inc);
        if (ik == CXCursor_UnaryOperator) {
            op_of(inc, 1, op, sizeof op);
            inc_ok = strcmp(op, "++") == 0 || strcmp(op, "--") == 0;
        } else if (ik == CXCursor_CompoundAssignOperator) {
            kids b = kids_of(inc);
            op_of(inc, 0, op, sizeof op);
            inc_ok = (strcmp(op, "+=") == 0 || strcmp(op, "-=") == 0) && b.n == 2 &&
                     clang_getCursorKind(strip(b.k[1])) == CXCursor_IntegerLiteral;
            free(b.k);
        }
        if (!inc_ok) {
            finding_at(c, loop, "check.loop", "the loop increment must be ++, -- or += / -= an "
                                              "integer literal of the counter");
        }
    }
    if (!is_di(c, f, bound)) {
        finding_at(c, bound, "check.loop-bound",
                   "the loop bound is not data-independent (README \"stoic check\": a "
                   "literal, a macro constant, a field of a const parameter struct, or a "
                   "local computed only from those)");
    }
    /* the start value */
    if (!clang_Cursor_isNull(part[0])) {
        CXCursor init = part[0];
        int ok = 0;
        if (clang_getCursorKind(init) == CXCursor_BinaryOperator) {
            kids b = kids_of(init);
            op_of(init, 0, op, sizeof op);
            ok = strcmp(op, "=") == 0 && b.n == 2 && clang_equalCursors(lvalue_var(b.k[0]), v) &&
                 is_di(c, f, b.k[1]);
            free(b.k);
        } else if (clang_getCursorKind(init) == CXCursor_DeclStmt) {
            kids b = kids_of(init);
            ok = b.n == 1 && clang_equalCursors(b.k[0], v) &&
                 !clang_Cursor_isNull(clang_Cursor_getVarDeclInitializer(v)) &&
                 is_di(c, f, clang_Cursor_getVarDeclInitializer(v));
            free(b.k);
        }
        if (!ok) {
            finding_at(c, init, "check.loop-bound",
                       "the loop start must set the counter to a data-independent value");
        }
    }
    /* the counter is not written in the body */
    for (i = 0; i < c->nw; i++) {
        if (clang_equalCursors(c->w[i].var, v) && !clang_Cursor_isNull(part[3]) &&
            within(c->w[i].at, part[3])) {
            finding_at(c, c->w[i].at, "check.loop-counter",
                       "the loop counter is written in the loop body");
        }
    }
}

/* ---- one function, the graph, the report ------------------------------------ */

static void analyze_fn(ctx *c, fn_rec *f)
{
    kids k;
    int i;
    c->nw = c->nforinc = c->nfors = c->nrets = c->ndi = 0;
    if (type_has_float(clang_getCursorResultType(f->cur))) {
        note_float(c, f, f->cur);
    }
    walk(c, f, f->cur, clang_getNullCursor());
    di_locals(c, f);
    for (i = 0; i < c->nfors; i++) {
        loop_check(c, f, c->fors[i]);
    }
    /* single exit: at most one return, as the last statement */
    k = kids_of(f->cur);
    if (c->nrets > 1) {
        for (i = 1; i < c->nrets; i++) {
            finding_at(c, c->rets[i], "check.single-exit",
                       "a second return: a function has one exit, at its end");
        }
    } else if (c->nrets == 1 && k.n > 0) {
        kids b = kids_of(k.k[k.n - 1]); /* the body */
        if (b.n == 0 || !clang_equalCursors(b.k[b.n - 1], c->rets[0])) {
            finding_at(c, c->rets[0], "check.single-exit",
                       "a return before the end of the function: one exit, at its end");
        }
        free(b.k);
    }
    free(k.k);
}

static int name_ends(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);
    return a > b && strcmp(s + a - b, suf) == 0;
}

static int is_model_file(const char *path)
{
    const char *b = strrchr(path, '/');
    b = b != NULL ? b + 1 : path;
    return strncmp(b, "stoic_", 6) != 0;
}

/* Marks what entry e reaches (flag 1: any entry; 2: an integer NAME_run). */
static void reach(ctx *c, int e, int integer)
{
    int *stack = malloc((size_t)(c->nfn + 1) * sizeof *stack);
    int n = 0, i;
    char *seen = calloc((size_t)c->nfn + 1, 1);
    if (stack == NULL || seen == NULL) {
        c->oom = 1;
        free(stack);
        free(seen);
        return;
    }
    stack[n++] = e;
    seen[e] = 1;
    while (n > 0) {
        fn_rec *f = &c->fns[stack[--n]];
        f->reached = 1;
        if (integer) {
            f->reached_int = 1;
        }
        for (i = 0; i < f->n_calls; i++) {
            int g = f->calls[i].callee;
            if (g >= 0 && !seen[g]) {
                seen[g] = 1;
                stack[n++] = g;
            }
        }
    }
    free(stack);
    free(seen);
}

/* 1: f reaches itself through the call graph. */
static int recursive(ctx *c, int f0)
{
    int *stack = malloc((size_t)(c->nfn + 1) * sizeof *stack);
    char *seen = calloc((size_t)c->nfn + 1, 1);
    int n = 0, i, r = 0;
    if (stack == NULL || seen == NULL) {
        c->oom = 1;
        free(stack);
        free(seen);
        return 0;
    }
    stack[n++] = f0;
    while (n > 0 && !r) {
        fn_rec *f = &c->fns[stack[--n]];
        for (i = 0; i < f->n_calls; i++) {
            int g = f->calls[i].callee;
            if (g == f0) {
                r = 1;
            } else if (g >= 0 && !seen[g]) {
                seen[g] = 1;
                stack[n++] = g;
            }
        }
    }
    free(stack);
    free(seen);
    return r;
}

static void graph_checks(ctx *c)
{
    int i, j, n_entry = 0;
    for (i = 0; i < c->nfn; i++) {
        fn_rec *f = &c->fns[i];
        for (j = 0; j < f->n_calls; j++) {
            f->calls[j].callee = find_fn(c, f->calls[j].callee_usr);
        }
    }
    for (i = 0; i < c->nfn; i++) {
        fn_rec *f = &c->fns[i];
        if (f->is_static || f->in_header) {
            continue;
        }
        if (c->library) {
            /* a library function: an integer entry when nothing it takes or
             * returns is floating point */
            int k, n = clang_Cursor_getNumArguments(f->cur), fl = 0;
            for (k = 0; k < n; k++) {
                fl |= type_has_float(clang_getCursorType(clang_Cursor_getArgument(f->cur, (unsigned)k)));
            }
            fl |= type_has_float(clang_getCursorResultType(f->cur));
            f->entry = fl ? 1 : 2;
        } else if (!is_model_file(f->file)) {
            continue;
        } else if (name_ends(f->name, "_run_float") || name_ends(f->name, "_step_float")) {
            f->entry = 1;
        } else if (name_ends(f->name, "_reset")) {
            f->entry = 3; /* the streaming API's reset: below, as NAME_run */
        } else if (name_ends(f->name, "_run") || name_ends(f->name, "_step")) {
            /* an integer model: the input is not floating point */
            CXCursor p0 = clang_Cursor_getArgument(f->cur, 0);
            f->entry = !clang_Cursor_isNull(p0) && type_has_float(clang_getCursorType(p0)) ? 1 : 2;
        }
    }
    for (i = 0; i < c->nfn; i++) {
        /* NAME_reset: floating point only where NAME_run has it */
        if (c->fns[i].entry == 3) {
            int j2, e = 2;
            for (j2 = 0; j2 < c->nfn; j2++) {
                if (name_ends(c->fns[j2].name, "_run") && c->fns[j2].entry == 1) {
                    e = 1;
                }
            }
            c->fns[i].entry = e;
        }
    }
    for (i = 0; i < c->nfn; i++) {
        if (c->fns[i].entry != 0) {
            n_entry++;
            reach(c, i, c->fns[i].entry == 2);
        }
    }
    if (n_entry == 0) {
        add_finding(c, c->outdir, 0, 0, "check.entry",
                    c->library ? "no entry point: no external function is defined"
                               : "no entry point: no function NAME_run or NAME_run_float is "
                                 "defined in a model file (a .c file not named stoic_*)");
    }
    for (i = 0; i < c->nfn; i++) {
        fn_rec *f = &c->fns[i];
        if (recursive(c, i)) {
            add_finding(c, f->file, f->line, f->col, "check.recursion",
                        "'%s' calls itself through the call graph", f->name);
        }
        if (!f->reached) {
            /* a static inline function of a header compiles to nothing where
             * it is not called */
            if (!(f->in_header && f->is_static)) {
                add_finding(c, f->file, f->line, f->col, "check.unreachable",
                            "'%s' is shipped but no entry point reaches it", f->name);
            }
            continue;
        }
        for (j = 0; j < f->n_calls; j++) {
            if (f->calls[j].callee < 0 && !f->calls[j].ref) {
                add_finding(c, f->calls[j].file, f->calls[j].line, f->calls[j].col,
                            "check.library-call",
                            "'%s' calls '%s', which is not defined in OUTDIR (run path)", f->name,
                            f->calls[j].callee_name);
            }
        }
        if (f->reached_int && f->has_float) {
            add_finding(c, f->float_file, f->float_line, f->float_col, "check.float",
                        c->library ? "floating point in '%s', reached from an integer entry "
                                     "point (nothing it takes or returns is floating point)"
                                   : "floating point in '%s', reached from the integer NAME_run",
                        f->name);
        }
    }
}

static int cmp_finding(const void *a, const void *b)
{
    const finding *x = a, *y = b;
    int r = strcmp(x->file, y->file);
    if (r == 0) {
        r = x->line < y->line ? -1 : x->line > y->line ? 1 : 0;
    }
    if (r == 0) {
        r = x->col < y->col ? -1 : x->col > y->col ? 1 : 0;
    }
    if (r == 0) {
        r = strcmp(x->rule, y->rule);
    }
    if (r == 0) {
        r = strcmp(x->msg, y->msg);
    }
    return r;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_ctx(ctx *c)
{
    int i, j;
    for (i = 0; i < c->nf; i++) {
        free(c->f[i].file);
        free(c->f[i].msg);
    }
    for (i = 0; i < c->nfn; i++) {
        for (j = 0; j < c->fns[i].n_calls; j++) {
            free(c->fns[i].calls[j].callee_usr);
            free(c->fns[i].calls[j].callee_name);
            free(c->fns[i].calls[j].file);
        }
        free(c->fns[i].calls);
        free(c->fns[i].usr);
        free(c->fns[i].name);
        free(c->fns[i].file);
        free(c->fns[i].float_file);
    }
    free(c->f);
    free(c->fns);
    free(c->w);
    free(c->forinc);
    free(c->fors);
    free(c->rets);
    free(c->di);
}

int check_outdir(const char *dirpath, const char *json, int quiet, int library)
{
    ctx c;
    DIR *dir;
    struct dirent *de;
    char *names[CHECK_MAX_FILES];
    CXTranslationUnit tus[CHECK_MAX_FILES];
    int nn = 0, i, nout = 0, rc = STOIC_EXIT_OK;
    char od[4096], inc[4200];
    size_t ol;
    struct stat st;
    CXIndex idx;
    strbuf js;

    memset(&c, 0, sizeof c);
    c.library = library;
    {
        char why[512];
        if (clang_dl_load(why, sizeof why) != 0) {
            diag_err("stoic check: error: %s", why);
            return STOIC_EXIT_IO;
        }
    }
    snprintf(od, sizeof od, "%s", dirpath);
    ol = strlen(od);
    while (ol > 1 && od[ol - 1] == '/') {
        od[--ol] = '\0';
    }
    if (stat(od, &st) != 0 || !S_ISDIR(st.st_mode) || (dir = opendir(od)) == NULL) {
        diag_err("%s: error: cannot read the output directory: %s", od,
                 errno != 0 ? strerror(errno) : "not a directory");
        return STOIC_EXIT_IO;
    }
    while ((de = readdir(dir)) != NULL) {
        size_t l = strlen(de->d_name);
        if (l > 2 && strcmp(de->d_name + l - 2, ".c") == 0 && de->d_name[0] != '.') {
            if (nn >= CHECK_MAX_FILES) {
                break;
            }
            names[nn] = strdup(de->d_name);
            if (names[nn] == NULL) {
                break;
            }
            nn++;
        }
    }
    closedir(dir);
    if (nn == 0) {
        diag_err("%s: error: no .c file: not an output directory of stoic generate", od);
        return STOIC_EXIT_IO;
    }
    qsort(names, (size_t)nn, sizeof names[0], cmp_str);
    c.outdir = od;
    c.olen = ol;
    snprintf(inc, sizeof inc, "-I%s", od);
    idx = clang_createIndex(0, 0);
    for (i = 0; i < nn; i++) {
        char path[8192];
        const char *args[] = { "-std=c99", "-pedantic", inc, "-ferror-limit=0" };
        unsigned d, nd;
        snprintf(path, sizeof path, "%s/%s", od, names[i]);
        tus[i] = clang_parseTranslationUnit(idx, path, args, 4, NULL, 0,
                                            CXTranslationUnit_DetailedPreprocessingRecord);
        if (tus[i] == NULL) {
            add_finding(&c, path, 0, 0, "check.compile", "libclang cannot parse the file");
            continue;
        }
        nd = clang_getNumDiagnostics(tus[i]);
        for (d = 0; d < nd; d++) {
            CXDiagnostic dg = clang_getDiagnostic(tus[i], d);
            if (clang_getDiagnosticSeverity(dg) >= CXDiagnostic_Error) {
                CXString s = clang_getDiagnosticSpelling(dg);
                CXFile f;
                unsigned line = 0, col = 0;
                char file[8192];
                clang_getExpansionLocation(clang_getDiagnosticLocation(dg), &f, &line, &col, NULL);
                snprintf(file, sizeof file, "%s", path);
                if (f != NULL) {
                    CXString fn = clang_getFileName(f);
                    snprintf(file, sizeof file, "%s", clang_getCString(fn));
                    clang_disposeString(fn);
                }
                add_finding(&c, file, line, col, "check.compile", "does not compile: %s",
                            clang_getCString(s));
                clang_disposeString(s);
            }
            clang_disposeDiagnostic(dg);
        }
        clang_visitChildren(clang_getTranslationUnitCursor(tus[i]), tu_cb, &c);
    }
    for (i = 0; i < c.nfn && !c.oom; i++) {
        analyze_fn(&c, &c.fns[i]);
    }
    if (!c.oom) {
        graph_checks(&c);
    }
    /* sorted, each finding once (a header's function is seen from every file) */
    if (c.nf > 0) {
        qsort(c.f, (size_t)c.nf, sizeof c.f[0], cmp_finding);
        for (i = 0; i < c.nf; i++) {
            if (nout > 0 && cmp_finding(&c.f[nout - 1], &c.f[i]) == 0) {
                free(c.f[i].file);
                free(c.f[i].msg);
                continue;
            }
            c.f[nout++] = c.f[i];
        }
        c.nf = nout;
    }
    if (c.oom) {
        diag_err("stoic: error: out of memory");
        rc = STOIC_EXIT_IO;
    }
    for (i = 0; i < c.nf; i++) {
        const finding *f = &c.f[i];
        if (f->line > 0) {
            diag_err("%s:%u:%u: error: [%s] %s", f->file, f->line, f->col, f->rule, f->msg);
        } else {
            diag_err("%s: error: [%s] %s", f->file, f->rule, f->msg);
        }
    }
    if (!quiet || c.nf > 0) {
        diag_err("stoic check: %s: %d files, %d functions, %d finding%s", od, nn, c.nfn, c.nf,
                 c.nf == 1 ? "" : "s");
    }
    if (rc == STOIC_EXIT_OK && json != NULL) {
        sb_init(&js);
        sb_printf(&js, "{\n  \"tool\": \"stoic check\",\n  \"version\": \"%s\",\n  \"findings\": [",
                  STOIC_VERSION);
        for (i = 0; i < c.nf; i++) {
            const finding *f = &c.f[i];
            sb_puts(&js, i == 0 ? "\n    { \"file\": " : ",\n    { \"file\": ");
            sb_json_str(&js, f->file);
            sb_printf(&js, ", \"line\": %u, \"column\": %u, \"rule\": ", f->line, f->col);
            sb_json_str(&js, f->rule);
            sb_puts(&js, ", \"severity\": \"error\", \"message\": ");
            sb_json_str(&js, f->msg);
            sb_puts(&js, " }");
        }
        sb_printf(&js, "%s],\n  \"summary\": { \"files\": %d, \"functions\": %d, \"findings\": %d }\n}\n",
                  c.nf > 0 ? "\n  " : "", nn, c.nfn, c.nf);
        if (js.oom || fileio_write_atomic(json, js.s, js.len) != 0) {
            diag_err("%s: error: cannot write: %s", json, js.oom ? "out of memory" : strerror(errno));
            rc = STOIC_EXIT_IO;
        }
        sb_free(&js);
    }
    if (rc == STOIC_EXIT_OK && c.nf > 0) {
        rc = STOIC_EXIT_INPUT;
    }
    for (i = 0; i < nn; i++) {
        if (tus[i] != NULL) {
            clang_disposeTranslationUnit(tus[i]);
        }
        free(names[i]);
    }
    clang_disposeIndex(idx);
    free_ctx(&c);
    return rc;
}

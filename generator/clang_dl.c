/* clang_dl: libclang, loaded when `stoic check` runs (dlopen), not when
 * any stoic command starts.
 *
 * Linked at build time, libclang-14 (with libLLVM-14 behind it: about 560
 * thousand relocations) cost every stoic process about 57 ms to start,
 * whatever the command: validate, eval and generate too, thousands of
 * times in make check. Here the 52 functions generator/check.c calls are
 * defined with libclang's own prototypes (clang-c/Index.h), each calling
 * through a table that clang_dl_load fills from the library; check_outdir
 * calls clang_dl_load first and reports a missing library as an error.
 * The list is checked by the build: a function check.c calls that is not
 * here does not link (libclang is not on the link line). */
#include "clang_dl.h"

#include <clang-c/Index.h>
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

/* Every function check.c calls: X(kind, return type, name, (parameters),
 * (arguments)); kind CLANG_DL_R returns a value, CLANG_DL_V returns none.
 * One list gives the names dlsym looks up, the index into fns and the
 * definition of each function (below). */
#define CLANG_DL_LIST(X) \
    X(CLANG_DL_R, CXEvalResult, clang_Cursor_Evaluate, (CXCursor a0), (a0)) \
    X(CLANG_DL_R, CXCursor, clang_Cursor_getArgument, (CXCursor a0, unsigned a1), (a0, a1)) \
    X(CLANG_DL_R, int, clang_Cursor_getNumArguments, (CXCursor a0), (a0)) \
    X(CLANG_DL_R, CXTranslationUnit, clang_Cursor_getTranslationUnit, (CXCursor a0), (a0)) \
    X(CLANG_DL_R, CXCursor, clang_Cursor_getVarDeclInitializer, (CXCursor a0), (a0)) \
    X(CLANG_DL_R, int, clang_Cursor_hasVarDeclGlobalStorage, (CXCursor a0), (a0)) \
    X(CLANG_DL_R, int, clang_Cursor_isNull, (CXCursor a0), (a0)) \
    X(CLANG_DL_V, void, clang_EvalResult_dispose, (CXEvalResult a0), (a0)) \
    X(CLANG_DL_R, long long, clang_EvalResult_getAsLongLong, (CXEvalResult a0), (a0)) \
    X(CLANG_DL_R, CXEvalResultKind, clang_EvalResult_getKind, (CXEvalResult a0), (a0)) \
    X(CLANG_DL_R, CXIndex, clang_createIndex, (int a0, int a1), (a0, a1)) \
    X(CLANG_DL_V, void, clang_disposeDiagnostic, (CXDiagnostic a0), (a0)) \
    X(CLANG_DL_V, void, clang_disposeIndex, (CXIndex a0), (a0)) \
    X(CLANG_DL_V, void, clang_disposeString, (CXString a0), (a0)) \
    X(CLANG_DL_V, void, clang_disposeTokens, (CXTranslationUnit a0, CXToken *a1, unsigned a2), (a0, a1, a2)) \
    X(CLANG_DL_V, void, clang_disposeTranslationUnit, (CXTranslationUnit a0), (a0)) \
    X(CLANG_DL_R, unsigned, clang_equalCursors, (CXCursor a0, CXCursor a1), (a0, a1)) \
    X(CLANG_DL_R, CXType, clang_getArrayElementType, (CXType a0), (a0)) \
    X(CLANG_DL_R, const char *, clang_getCString, (CXString a0), (a0)) \
    X(CLANG_DL_R, CXType, clang_getCanonicalType, (CXType a0), (a0)) \
    X(CLANG_DL_R, CXSourceRange, clang_getCursorExtent, (CXCursor a0), (a0)) \
    X(CLANG_DL_R, enum CXCursorKind, clang_getCursorKind, (CXCursor a0), (a0)) \
    X(CLANG_DL_R, enum CXLinkageKind, clang_getCursorLinkage, (CXCursor a0), (a0)) \
    X(CLANG_DL_R, CXSourceLocation, clang_getCursorLocation, (CXCursor a0), (a0)) \
    X(CLANG_DL_R, CXCursor, clang_getCursorReferenced, (CXCursor a0), (a0)) \
    X(CLANG_DL_R, CXType, clang_getCursorResultType, (CXCursor a0), (a0)) \
    X(CLANG_DL_R, CXString, clang_getCursorSpelling, (CXCursor a0), (a0)) \
    X(CLANG_DL_R, CXType, clang_getCursorType, (CXCursor a0), (a0)) \
    X(CLANG_DL_R, CXString, clang_getCursorUSR, (CXCursor a0), (a0)) \
    X(CLANG_DL_R, CXDiagnostic, clang_getDiagnostic, (CXTranslationUnit a0, unsigned a1), (a0, a1)) \
    X(CLANG_DL_R, CXSourceLocation, clang_getDiagnosticLocation, (CXDiagnostic a0), (a0)) \
    X(CLANG_DL_R, enum CXDiagnosticSeverity, clang_getDiagnosticSeverity, (CXDiagnostic a0), (a0)) \
    X(CLANG_DL_R, CXString, clang_getDiagnosticSpelling, (CXDiagnostic a0), (a0)) \
    X(CLANG_DL_V, void, clang_getExpansionLocation, (CXSourceLocation a0, CXFile *a1, unsigned *a2, unsigned *a3, unsigned *a4), (a0, a1, a2, a3, a4)) \
    X(CLANG_DL_R, CXString, clang_getFileName, (CXFile a0), (a0)) \
    X(CLANG_DL_R, CXCursor, clang_getNullCursor, (void), ()) \
    X(CLANG_DL_R, unsigned, clang_getNumDiagnostics, (CXTranslationUnit a0), (a0)) \
    X(CLANG_DL_R, CXType, clang_getPointeeType, (CXType a0), (a0)) \
    X(CLANG_DL_R, CXSourceLocation, clang_getRangeEnd, (CXSourceRange a0), (a0)) \
    X(CLANG_DL_R, CXSourceLocation, clang_getRangeStart, (CXSourceRange a0), (a0)) \
    X(CLANG_DL_R, CXTokenKind, clang_getTokenKind, (CXToken a0), (a0)) \
    X(CLANG_DL_R, CXSourceLocation, clang_getTokenLocation, (CXTranslationUnit a0, CXToken a1), (a0, a1)) \
    X(CLANG_DL_R, CXString, clang_getTokenSpelling, (CXTranslationUnit a0, CXToken a1), (a0, a1)) \
    X(CLANG_DL_R, CXCursor, clang_getTranslationUnitCursor, (CXTranslationUnit a0), (a0)) \
    X(CLANG_DL_R, CXType, clang_getTypedefDeclUnderlyingType, (CXCursor a0), (a0)) \
    X(CLANG_DL_R, unsigned, clang_isConstQualifiedType, (CXType a0), (a0)) \
    X(CLANG_DL_R, unsigned, clang_isCursorDefinition, (CXCursor a0), (a0)) \
    X(CLANG_DL_R, unsigned, clang_isDeclaration, (enum CXCursorKind a0), (a0)) \
    X(CLANG_DL_R, unsigned, clang_isExpression, (enum CXCursorKind a0), (a0)) \
    X(CLANG_DL_R, CXTranslationUnit, clang_parseTranslationUnit, (CXIndex a0, const char *a1, const char *const *a2, int a3, struct CXUnsavedFile *a4, unsigned a5, unsigned a6), (a0, a1, a2, a3, a4, a5, a6)) \
    X(CLANG_DL_V, void, clang_tokenize, (CXTranslationUnit a0, CXSourceRange a1, CXToken **a2, unsigned *a3), (a0, a1, a2, a3)) \
    X(CLANG_DL_R, unsigned, clang_visitChildren, (CXCursor a0, CXCursorVisitor a1, CXClientData a2), (a0, a1, a2))

enum clang_dl_index {
#define CLANG_DL_ENUM(kind, ret, name, params, args) IX_##name,
    CLANG_DL_LIST(CLANG_DL_ENUM)
#undef CLANG_DL_ENUM
    CLANG_DL_N
};

static const char *const names[CLANG_DL_N] = {
#define CLANG_DL_NAME(kind, ret, name, params, args) #name,
    CLANG_DL_LIST(CLANG_DL_NAME)
#undef CLANG_DL_NAME
};

static void *fns[CLANG_DL_N];
static void *lib;

int clang_dl_load(char *err, size_t n)
{
    /* the Debian package libclang1-14's names for it, most specific first */
    static const char *const sonames[] = { "libclang-14.so.13", "libclang-14.so.1",
                                           "libclang-14.so", "libclang.so.1" };
    size_t k;
    if (lib != NULL) {
        return 0;
    }
    for (k = 0; k < sizeof sonames / sizeof sonames[0] && lib == NULL; k++) {
        lib = dlopen(sonames[k], RTLD_NOW | RTLD_LOCAL);
    }
    if (lib == NULL) {
        snprintf(err, n, "cannot load libclang-14 (Debian package libclang1-14): %s",
                 dlerror());
        return -1;
    }
    for (k = 0; k < CLANG_DL_N; k++) {
        fns[k] = dlsym(lib, names[k]);
        if (fns[k] == NULL) {
            snprintf(err, n, "libclang has no function %s: not libclang 14?", names[k]);
            dlclose(lib);
            lib = NULL;
            return -1;
        }
    }
    return 0;
}

/* A function's pointer type, and its definition: the pointer comes out of
 * fns by memcpy (ISO C has no conversion between void * and a function
 * pointer; POSIX guarantees the representation). */
#define CLANG_DL_R(ret, name, params, args) \
    typedef ret(*fn_##name) params; \
    ret name params \
    { \
        fn_##name f; \
        memcpy(&f, &fns[IX_##name], sizeof f); \
        return f args; \
    }
#define CLANG_DL_V(ret, name, params, args) \
    typedef ret(*fn_##name) params; \
    ret name params \
    { \
        fn_##name f; \
        memcpy(&f, &fns[IX_##name], sizeof f); \
        f args; \
    }
#define CLANG_DL_DEFINE(kind, ret, name, params, args) kind(ret, name, params, args)
CLANG_DL_LIST(CLANG_DL_DEFINE)

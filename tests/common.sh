# Shared by the test scripts (sourced from the repository root): the job
# count, the generator builds, the sanitizer settings, the runtime and the
# harness compiled once per build, and the parallel case runner.

# Cases run JOBS at a time (default: the number of CPUs).
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}

# Every import, validate, eval and generate runs through the generator
# built with AddressSanitizer and UndefinedBehaviorSanitizer; the normal
# build (STOIC_PLAIN) regenerates files for the byte-identity comparisons,
# so each of those also checks the two builds against each other.
STOIC=${STOIC:-bin/stoic-asan}
STOIC_PLAIN=${STOIC_PLAIN:-bin/stoic}

# A sanitizer report exits with 97 (ASan, LeakSanitizer) or 98 (UBSan),
# never with an exit code a test expects (1 is "bad input").
ASAN_OPTIONS=${ASAN_OPTIONS:-exitcode=97:detect_leaks=1}
UBSAN_OPTIONS=${UBSAN_OPTIONS:-exitcode=98:halt_on_error=1:print_stacktrace=1}
export ASAN_OPTIONS UBSAN_OPTIONS
# The sanitized harness of the generated code runs without LeakSanitizer
# (ASan's and UBSan's other checks stay on): the generated code cannot
# allocate (no object of it refers to malloc, calloc, realloc or free:
# the e2e scripts check it), so a leak check would only test the
# harness's own .npy reading, at two thirds of the run's time (scanning
# the sanitizer runtime's own data: 38 of 57 ms).
HARNESS_ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0"

# The strict flags every generated file must compile with, silently.
# (-pipe: gcc hands the assembly to as through a pipe, not a temporary
# file: a fifth less CPU per compilation of a generated file, of which
# make check runs thousands; it changes nothing in what is compiled or
# reported, and clang, which assembles internally, ignores it.)
STRICT="-std=c99 -pedantic -Wall -Wextra -Wconversion -Wshadow -Werror -pipe"
# The build of the generated code under the sanitizers (-O0: half the
# compile time of -O1; the sanitizers check the same operations).
SANITIZE="-O0 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all"
# The test harness (tests/e2e/harness.c) and its support files.
HARNESS_CFLAGS="-std=c99 -Wall -Wextra -D_POSIX_C_SOURCE=200809L -Igenerator -pipe"

# The compilers (detected once; the parallel jobs inherit the result).
CC=${CC:-cc}
if [ -z "${STOIC_TEST_ENV:-}" ]; then
    CLANG=${CLANG-clang}
    if [ -n "$CLANG" ] && ! command -v "$CLANG" >/dev/null 2>&1; then
        CLANG=
    fi
    # The sanitized build of the generated code uses clang when it is
    # installed (a second compiler), else CC; its link flags: san_ldflags.
    SAN_CC=${SAN_CC:-${CLANG:-$CC}}
    STOIC_TEST_ENV=1
    export CC CLANG SAN_CC JOBS STOIC STOIC_PLAIN STOIC_TEST_ENV
fi

# san_ldflags: sets and exports SAN_LDFLAGS, the flags that link the
# sanitized build (SAN_CC), once (the parallel jobs inherit them); only
# the scripts that link it call this (a few compilations to find out).
# The linker: gold, else lld, when installed and SAN_CC links with it.
# Against the shared sanitizer runtime (below) a case's link is small, and
# its cost the linker's start: ld.gold 0.06 s of CPU and 1,700 page faults
# a link, ld.lld 0.15 s and 4,000 (it loads LLVM's shared libraries),
# ld.bfd 0.19 s (measured on a quantized e2e case, 5 December 2026; about
# 500 such links a make check).
san_ldflags() {
    [ -z "${SAN_LDFLAGS_SET:-}" ] || return 0
    SAN_LDFLAGS=
    for _ld in gold lld; do
        if command -v "ld.$_ld" >/dev/null 2>&1 &&
           echo 'int main(void) { return 0; }' | "$SAN_CC" -x c -fuse-ld=$_ld -o /dev/null - >/dev/null 2>&1; then
            SAN_LDFLAGS=-fuse-ld=$_ld
            break
        fi
    done
    # clang's sanitizer runtime as the shared library it ships
    # (-shared-libsan; found through the executable's run path) rather
    # than its static archive, which every link reads whole: the same
    # runtime, a third less of a link. Only when such a program runs and
    # reports (a heap overflow: exit 97, or UBSan's 98 when both runtimes
    # are one).
    _rt=$("$SAN_CC" -print-file-name=libclang_rt.asan-x86_64.so 2>/dev/null)
    if [ "${_rt#/}" != "$_rt" ] && [ -f "$_rt" ]; then
        _d=$(mktemp -d "${TMPDIR:-/tmp}/stoic_libsan.XXXXXX") && {
            printf '#include <stdlib.h>\nint main(int c, char **v) { char *p = malloc(4); p[c + 3] = 1; (void)v; free(p); return 0; }\n' >"$_d/t.c"
            # shellcheck disable=SC2086
            if "$SAN_CC" -fsanitize=address,undefined $SAN_LDFLAGS -shared-libsan \
                   -Wl,-rpath,"${_rt%/*}" -o "$_d/t" "$_d/t.c" >/dev/null 2>&1; then
                "$_d/t" >/dev/null 2>&1
                case $? in 97|98) SAN_LDFLAGS="$SAN_LDFLAGS -shared-libsan -Wl,-rpath,${_rt%/*}" ;; esac
            fi
            rm -rf "$_d"
        }
    fi
    SAN_LDFLAGS_SET=1
    export SAN_LDFLAGS SAN_LDFLAGS_SET
}

# sanitizer_report FILE...: true when a file holds a sanitizer report
sanitizer_report() {
    grep -qE 'runtime error:|Sanitizer|==[0-9]+==ERROR' "$@" 2>/dev/null
}

# build_once DIR CC [FLAGS...]: what every case of a build shares,
# compiled once, in parallel: every runtime/*.c with the strict flags to
# DIR/rt/NAME.o (for out_compile to reuse), and the harness's driver
# (harness.c -DHARNESS_DRIVER), npy.c and fileio.c to DIR/*.o. FLAGS are
# added to both. A runtime file that does not compile, or prints anything,
# fails: status 1, the reason and logs in DIR/fail.log.
build_once() {
    _bd=$1
    CCX=$2
    shift 2
    XFLAGS="$*"
    export STRICT HARNESS_CFLAGS CCX XFLAGS
    rm -rf "$_bd"
    mkdir -p "$_bd/rt" "$_bd/cache" || return 1
    {
        for _s in runtime/*.c; do
            echo "$_bd/rt/$(basename "$_s" .c).o $_s strict"
        done
        echo "$_bd/npy.o generator/npy.c harness"
        echo "$_bd/fileio.o generator/fileio.c harness"
        echo "$_bd/driver.o tests/e2e/harness.c harness -DHARNESS_DRIVER"
    } | xargs -P "$JOBS" -L 1 sh -c '
        o=$1 s=$2 kind=$3 d=$4
        if [ "$kind" = strict ]; then flags=$STRICT; else flags=$HARNESS_CFLAGS; fi
        # shellcheck disable=SC2086
        if ! $CCX $flags $d $XFLAGS -c -o "$o" "$s" >"$o.log" 2>&1; then
            echo "$CCX $flags $XFLAGS -c $s fails:" >>"${o%/*}/fail.$$"
        elif [ "$kind" = strict ] && [ -s "$o.log" ]; then
            echo "$CCX $flags $XFLAGS -c $s prints diagnostics:" >>"${o%/*}/fail.$$"
        else
            exit 0
        fi
        cat "$o.log" >>"${o%/*}/fail.$$"' sh
    cat "$_bd"/fail.* "$_bd"/rt/fail.* >"$_bd/fail.log" 2>/dev/null
    [ ! -s "$_bd/fail.log" ]
}
# rt_sums FILE: the SHA-256 of every runtime file, for rt_plan
rt_sums() {
    (cd runtime && sha256sum stoic_*) >"$1"
}

# rt_plan OUT SUMS PLAN: which files of OUT to compile. A runtime file that
# is a byte-identical copy of runtime/ (the same SHA-256 as in SUMS, from
# rt_sums), in an OUT whose runtime headers are byte-identical copies too,
# is not compiled again: its object from build_once (same compiler, same
# flags) is linked instead. Writes to PLAN a line per OUT/*.c:
# "reuse NAME" or "compile NAME SHA256" (the file's, for out_compile's
# cache).
rt_plan() {
    (cd "$1" && sha256sum -- *.c stoic_*.h 2>/dev/null) |
        awk 'NR == FNR { sum[$2] = $1; next }
             { name[++n] = $2; fsum[n] = $1; same[n] = ($2 in sum) && sum[$2] == $1
               if ($2 ~ /\.h$/ && !same[n]) hdr = 1 }
             END { for (i = 1; i <= n; i++) if (name[i] ~ /\.c$/)
                       print (same[i] && name[i] ~ /^stoic_/ && !hdr ? "reuse " name[i] : "compile " name[i] " " fsum[i]) }' \
            "$2" - >"$3"
}

# out_compile OUT PLAN BUILDDIR OBJDIR CC FLAGS...: the files of OUT the
# plan says to compile, to OBJDIR/*.o, silently; writes the objects to
# link (these and the reused runtime objects of BUILDDIR/rt) to
# OBJDIR/objs. With BUILDDIR/cache (build_once makes it), a shipped
# runtime file (stoic_*.c) that an earlier case compiled silently with the
# same flags and runtime headers links that case's object instead (keyed
# by the SHA-256 of the flags and OUT's stoic_*.h, computed once per call,
# and the file's from PLAN). On failure: status 1, the reason in
# $oc_reason and the log in $oc_log.
oc_reason=
oc_log=
out_compile() {
    _out=$1
    _plan=$2
    _bd=$3
    _od=$4
    shift 4
    mkdir -p "$_od" || return 1
    : >"$_od/objs"
    if [ ! -s "$_plan" ]; then
        oc_reason="no .c file in the output directory"
        oc_log=
        return 1
    fi
    # the object cache: a shipped runtime file that an earlier case
    # compiled silently, with the same flags and the same runtime headers,
    # is not compiled again (the shipped files are cut to what each model
    # calls, so most are not copies of runtime/, but many cases ship the
    # same cut; they include only stoic_*.h). The key: the SHA-256 of the
    # flags and the headers, then the file's (from the plan).
    _ck=
    if [ -d "$_bd/cache" ] && grep -q '^compile stoic_' "$_plan"; then
        _ck=$( { echo "$*"; cat "$_out"/stoic_*.h; } | sha256sum)
        _ck=${_ck%% *}
    fi
    while read -r _how _f _sum; do
        _b=${_f%.c}
        if [ "$_how" = reuse ]; then
            echo "$_bd/rt/$_b.o" >>"$_od/objs"
            continue
        fi
        _key=
        if [ -n "$_ck" ] && [ -n "$_sum" ] && [ "${_f#stoic_}" != "$_f" ]; then
            _key=$_ck-$_sum
            if [ -f "$_bd/cache/$_key.o" ]; then
                echo "$_bd/cache/$_key.o" >>"$_od/objs"
                continue
            fi
        fi
        if ! "$@" -c -o "$_od/$_b.o" "$_out/$_f" >"$_od/$_b.log" 2>&1; then
            oc_reason="$1: compiling $_out/$_f fails"
            oc_log=$_od/$_b.log
            return 1
        fi
        if [ -s "$_od/$_b.log" ]; then
            oc_reason="$1 prints diagnostics for $_out/$_f"
            oc_log=$_od/$_b.log
            return 1
        fi
        if [ -n "$_key" ] && cp "$_od/$_b.o" "$_bd/cache/$_key.o.$$" 2>/dev/null; then
            mv -f "$_bd/cache/$_key.o.$$" "$_bd/cache/$_key.o" # atomic: parallel cases
        fi
        echo "$_od/$_b.o" >>"$_od/objs"
    done <"$_plan"
    return 0
}

# link_capture BUILDDIR CC FLAGS...: when CC is clang, the command its
# driver runs to link objects with FLAGS (clang -###: the linker, the
# sanitizer runtime, the start files and libraries, the same arguments
# in the same order) is written once to BUILDDIR/link.sh, the objects
# its arguments and the executable $LINK_OUT; harness_link then runs it
# instead of the driver, whose own start-up (loading LLVM, 80-90 ms) is
# most of a link. Anything unexpected in the capture: no link.sh, the
# driver links (the same command).
link_capture() {
    _bd=$1
    shift
    rm -f "$_bd/link.sh"
    "$1" --version 2>/dev/null | grep -q clang || return 0
    : >"$_bd/link-in.o"
    "$@" -### -o "$_bd/link-out" "$_bd/link-in.o" >"$_bd/link.cmd" 2>&1 || return 0
    _l=$(tail -n 1 "$_bd/link.cmd")
    case $_l in
    ' "/'*'" '*'"-o" "'"$_bd/link-out"'" '*'"'"$_bd/link-in.o"'"'*) ;;
    *) return 0 ;;
    esac
    # the capture quotes every argument, with \ before " \ and $
    {
        printf '# the link of %s, captured by link_capture (tests/common.sh)\n' "$*"
        printf '%s\n' "$_l" | awk -v o="\"$_bd/link-out\"" -v i="\"$_bd/link-in.o\"" '
            function sub_all(s, from, to,    k, r) {
                r = ""
                while ((k = index(s, from)) > 0) {
                    r = r substr(s, 1, k - 1) to
                    s = substr(s, k + length(from))
                }
                return r s
            }
            { print "exec" sub_all(sub_all($0, o, "\"$LINK_OUT\""), i, "\"$@\"") }'
    } >"$_bd/link.sh.$$" &&
        grep -q ' "\$LINK_OUT" ' "$_bd/link.sh.$$" && grep -q ' "\$@" ' "$_bd/link.sh.$$" &&
        mv "$_bd/link.sh.$$" "$_bd/link.sh"
    rm -f "$_bd/link.sh.$$"
}

# harness_link OUT BUILDDIR OBJDIR EXE LOG CC FLAGS...: the harness for the
# model in OUT: its glue (harness.c -DHARNESS_GLUE) compiled and linked
# with BUILDDIR's driver and support objects and OBJDIR/objs (by the
# command of BUILDDIR/link.sh when link_capture wrote one, else by CC).
harness_link() {
    _out=$1
    _bd=$2
    _od=$3
    _exe=$4
    _log=$5
    shift 5
    if [ -f "$_bd/link.sh" ]; then
        # shellcheck disable=SC2046
        "$@" -Wno-unused-command-line-argument $HARNESS_CFLAGS -DHARNESS_GLUE -I"$_out" \
            -c -o "$_od/glue.o" tests/e2e/harness.c >"$_log" 2>&1 &&
            LINK_OUT=$_exe sh "$_bd/link.sh" "$_od/glue.o" "$_bd/driver.o" "$_bd/npy.o" \
                "$_bd/fileio.o" $(cat "$_od/objs") >>"$_log" 2>&1
        return
    fi
    # shellcheck disable=SC2046
    "$@" $HARNESS_CFLAGS -DHARNESS_GLUE -I"$_out" -o "$_exe" tests/e2e/harness.c \
        "$_bd/driver.o" "$_bd/npy.o" "$_bd/fileio.o" $(cat "$_od/objs") >"$_log" 2>&1
}

# cc_syntax OUT PLAN WORKDIR CACHEDIR: every file PLAN (rt_plan) has
# compiled passes cc's strict checks silently ($CC $STRICT -fsyntax-only:
# each file alone, so an include it lacks shows; the warnings are the
# front end's). A shipped runtime file (stoic_*.c) that an earlier check
# of this run passed, with the same text and the same runtime headers
# (stoic_*.h, all it includes besides the C library), is not checked
# again: the same input to the same compiler gives the same diagnostics
# (CACHEDIR/KEY, KEY the SHA-256 of the flags and the headers, then the
# file's, from the plan). Status 1 with oc_reason and oc_log set when a
# file fails.
cc_syntax() {
    _ck=$( { echo "$CC $STRICT -fsyntax-only"; cat "$1"/stoic_*.h; } | sha256sum)
    _ck=${_ck%% *}
    while read -r _how _f _sum; do
        [ "$_how" = compile ] || continue
        _key=
        case $_f in stoic_*)
            _key=$4/$_ck-$_sum
            [ ! -f "$_key" ] || continue ;;
        esac
        # shellcheck disable=SC2086
        if ! $CC $STRICT -fsyntax-only "$1/$_f" >"$3/cc-$_f.log" 2>&1 || [ -s "$3/cc-$_f.log" ]; then
            oc_reason="$CC: $_f does not pass the strict flags"
            oc_log=$3/cc-$_f.log
            return 1
        fi
        [ -z "$_key" ] || : >"$_key"
    done <"$2"
    return 0
}

# build_link OUT PLAN BUILDDIR OBJDIR EXE LOG LDFLAGS CC FLAGS...: the files
# of OUT compiled strictly ($STRICT FLAGS) and silently, and the harness
# for them linked to EXE (FLAGS LDFLAGS; the link's output in LOG): that
# is out_compile, then harness_link. With BUILDDIR/link.sh (link_capture:
# CC is clang), the files that are not runtime files (model.c,
# model_weights.c) and the harness glue are first compiled as ONE
# translation unit, OBJDIR/unity.c, their text one after the other: one compiler
# start-up instead of three (clang's, 80-90 ms, is most of each such
# compilation). The code, the warnings asked for and the sanitizers'
# instrumentation are those of the files; what only a file compiled
# alone can show (an include it lacks) gcc shows, which compiles every
# file on its own with the same strict flags. A unit that does not compile
# silently is compiled file by file, and that decides. Status 1: a file
# does not compile ($oc_reason, $oc_log); 2: the link fails (LOG).
build_link() {
    _out=$1
    _plan=$2
    _bd=$3
    _od=$4
    _exe=$5
    _log=$6
    _ldf=$7
    _cc=$8
    shift 8
    if [ -f "$_bd/link.sh" ] && grep -q '^compile [^s]' "$_plan"; then
        mkdir -p "$_od" || return 1
        : >"$_od/plan-rt"
        # the files' text, each after a #line naming it (its diagnostics
        # and debug information name the file), not #include: clang warns
        # of an unused static only in the main file
        # shellcheck disable=SC2046
        awk 'FNR == 1 && FILENAME == "tests/e2e/harness.c" { print "#define HARNESS_GLUE" }
             FNR == 1 { printf "#line 1 \"%s\"\n", FILENAME }
             { print }' $(awk -v o="$_out" -v r="$_od/plan-rt" \
                '$1 == "compile" && $2 !~ /^stoic_/ { print o "/" $2; next } { print >r }' "$_plan") \
            tests/e2e/harness.c >"$_od/unity.c" || return 1
        # shellcheck disable=SC2086
        if "$_cc" $STRICT "$@" -I"$_out" -c -o "$_od/unity.o" "$_od/unity.c" \
                >"$_od/unity.log" 2>&1 && [ ! -s "$_od/unity.log" ]; then
            if [ -s "$_od/plan-rt" ]; then
                # shellcheck disable=SC2086
                out_compile "$_out" "$_od/plan-rt" "$_bd" "$_od" "$_cc" $STRICT "$@" || return 1
            else
                : >"$_od/objs"
            fi
            # shellcheck disable=SC2046
            LINK_OUT=$_exe sh "$_bd/link.sh" "$_od/unity.o" "$_bd/driver.o" "$_bd/npy.o" \
                "$_bd/fileio.o" $(cat "$_od/objs") >"$_log" 2>&1 || return 2
            return 0
        fi
        # not silently as one unit: file by file (below) decides
        rm -f "$_od/unity.o"
    fi
    # shellcheck disable=SC2086
    out_compile "$_out" "$_plan" "$_bd" "$_od" "$_cc" $STRICT "$@" || return 1
    # shellcheck disable=SC2086
    harness_link "$_out" "$_bd" "$_od" "$_exe" "$_log" "$_cc" "$@" $_ldf || return 2
}

# dynamic_memory_symbols OBJ...: the symbols of the objects named malloc,
# calloc, realloc or free, printed as "OBJ: NAME"; status 0 when there is
# one, 1 when none, 2 when an argument is not an object readelf reads.
# (readelf -Ws: the symbol table, as nm lists it, without nm's start-up:
# binutils' nm loads every linker plugin of /usr/lib/bfd-plugins, LLVM's
# among them, 50 ms a call.)
dynamic_memory_symbols() {
    LC_ALL=C readelf -Ws -- "$@" 2>&1 |
        awk -v f="$1" '/^File: / { f = $2; next }
             /^readelf: / { bad = 1; print; next }
             $1 ~ /^[0-9]+:$/ && $8 ~ /^_?(malloc|calloc|realloc|free)(@.*)?$/ { print f ": " $8; n++ }
             END { exit bad ? 2 : n ? 0 : 1 }'
}
# has_dynamic_memory OBJ...: true when an object refers to malloc & co.
# (or is not an object readelf reads: the check cannot pass unread)
has_dynamic_memory() {
    dynamic_memory_symbols "$@" >/dev/null
    [ $? -ne 1 ]
}

# absent_calls MODEL_C ABSENT: the calls in the generated MODEL_C of any
# kernel whose name starts with a line of the file ABSENT (a layer that
# must cost nothing: elided or folded by the generator's passes), printed;
# status 0 when there is one.
absent_calls() {
    _found=1
    while IFS= read -r _k; do
        [ -n "$_k" ] || continue
        if grep -n "^ *$_k[a-z0-9_]*(" "$1"; then
            _found=0
        fi
    done <"$2"
    return $_found
}

# arena_bound REPORT: the arena of a generated model against the lower
# bound for its schedule (NAME_report.json "memory_plan"): prints both;
# status 0 when the arena is within 5 % of the bound.
arena_bound() {
    _l=$(sed -n 's/.*"memory_plan": { "arena_bytes": \([0-9]*\), "lower_bound_bytes": \([0-9]*\),.*/\1 \2/p' "$1")
    [ -n "$_l" ] || { echo "no memory_plan in $1"; return 1; }
    # shellcheck disable=SC2086
    set -- $_l
    echo "arena $1 bytes, lower bound $2 bytes"
    [ $(($1 * 100)) -le $(($2 * 105)) ]
}

# scratch_plan REPORT HEADER: the packed kernels' scratch in the report's
# "memory_plan" (scratch_bytes) is the NAME_SCRATCH_SIZE of the header
# (the buffer NAME.c declares); prints both; status 0 when equal.
scratch_plan() {
    _r=$(sed -n 's/.*"memory_plan": {.*"scratch_bytes": \([0-9]*\),.*/\1/p' "$1")
    _h=$(sed -n 's/^#define [A-Z0-9_]*_SCRATCH_SIZE \([0-9]*\)U$/\1/p' "$2")
    echo "report scratch_bytes '$_r', header SCRATCH_SIZE '$_h'"
    [ -n "$_r" ] && [ "$_r" = "$_h" ]
}

# par_cases SCRIPT RESDIR LIST: runs "sh SCRIPT --one JOB" for every line
# JOB of the file LIST, JOBS at a time. Each writes its verdict to
# RESDIR/JOB (spaces and slashes as _): a first line "PASS ..." or
# "FAIL ...", then any log lines. Then prints the verdicts in the order
# of LIST -- only the failures when QUIET=1 -- and sets par_passed and
# par_failed.
par_cases() {
    _script=$1
    _res=$2
    _list=$3
    mkdir -p "$_res" || return 2
    tr '\n' '\0' <"$_list" | xargs -0 -P "$JOBS" -I{} sh "$_script" --one {}
    par_passed=0
    par_failed=0
    # the verdicts' file names, a line per job (spaces and slashes as _)
    tr ' /' '__' <"$_list" >"$_res/.names" || return 2
    while IFS= read -r _c && IFS= read -r _n <&3; do
        _r=$_res/$_n
        _v=
        [ -f "$_r" ] && IFS= read -r _v <"$_r"
        case $_v in
        PASS*)
            par_passed=$((par_passed + 1))
            [ "${QUIET:-0}" = 1 ] || printf '%s\n' "$_v" ;;
        *)
            par_failed=$((par_failed + 1))
            if [ -f "$_r" ]; then
                cat "$_r"
            else
                echo "FAIL $_c: no verdict (the case's run was interrupted?)"
            fi ;;
        esac
    done <"$_list" 3<"$_res/.names"
    rm -f "$_res/.names"
}

# eval_to MODEL.xml OUT.npy [STOIC-EVAL-OPTIONS...]: stoic eval MODEL with
# one --output per graph output (<output> elements of MODEL, in graph
# order); with several, their rows are put side by side into OUT.npy
# ([N, total], bin/npycmp --cat), the layout of the e2e harness's output.
# The exit status of stoic eval (or 2 when --cat fails).
eval_to() {
    _m=$1
    _o=$2
    shift 2
    _n=$(grep -c '<output ' "$_m")
    if [ "$_n" -le 1 ]; then
        "$STOIC" eval "$_m" "$@" --output "$_o"
        return $?
    fi
    _k=0
    _outs=
    _files=
    while [ "$_k" -lt "$_n" ]; do
        _outs="$_outs --output $_o.$_k.npy"
        _files="$_files $_o.$_k.npy"
        _k=$((_k + 1))
    done
    # shellcheck disable=SC2086
    "$STOIC" eval "$_m" "$@" $_outs || return $?
    # shellcheck disable=SC2086
    ${NPYCMP:-bin/npycmp} --cat "$_o" $_files || return 2
}

#!/bin/sh
# certification/qualify.sh -- make qualify: the qualification run.
#
#   1. records the tool's identity before the run (git commit, whether the
#      tree differs from it, SHA-256 over the sources bin/stoic is built
#      from) and the environment (OS, compilers, QEMU, cppcheck, libxml2,
#      ...) in build/qualify/env.tsv;
#   2. runs `make check` (every part; its results stay in build/check/),
#      and records its exit status, duration and the SHA-256 of the
#      binaries it tested;
#   3. writes the links of certification/trace.sh --tsv to
#      build/qualify/trace.tsv (a requirement without a test stops here);
#   4. writes build/qualify/qualification-report.md with
#      certification/qual-report.sh and copies it to
#      certification/qualification-report.md (commit it as the record).
# Exit status: 0 when the verdict is PASS, 1 otherwise.
# QUALIFY_SKIP_CHECK=1 skips step 2 and reports the run build/check/ holds
# (its exit status from build/qualify/check.rc).
set -u
LC_ALL=C
export LC_ALL
Q=build/qualify
mkdir -p "$Q" || exit 3
MAKE=${MAKE:-make}

# tool NAME COMMAND...: the first line COMMAND prints, or "not installed"
tool() {
    _n=$1
    shift
    if command -v "$1" >/dev/null 2>&1; then
        _v=$("$@" 2>&1 | sed -n '/./{p;q;}')
    else
        _v="not installed"
    fi
    printf 'environment\t%s\t%s\n' "$_n" "$_v"
}
pkg() { # NAME PACKAGE: the Debian package's version
    _v=$(dpkg-query -W -f '${Version}' "$2" 2>/dev/null) || _v="not installed"
    printf 'environment\t%s\t%s\n' "$1" "${_v:-not installed}"
}
sources() { # the files bin/stoic is built from (tracked), one per line
    git ls-files generator runtime schemas templates Makefile 2>/dev/null | sort
}

{
    printf 'identity\t%s\t%s\n' "git commit" "$(git rev-parse HEAD 2>/dev/null || echo unknown)"
    n=$(git status --porcelain --untracked-files=no -- generator runtime schemas templates Makefile 2>/dev/null | wc -l)
    if [ "$n" -eq 0 ]; then st="clean: the sources are the commit's"; else st="MODIFIED: $n source file(s) differ from the commit"; fi
    printf 'identity\t%s\t%s\n' "working tree" "$st"
    printf 'identity\t%s\t%s\n' "SHA-256 of the sources" \
        "$(sources | tr '\n' '\0' | xargs -0 sha256sum | sha256sum | awk '{ print $1 }') ($(sources | wc -l) files of generator/, runtime/, schemas/, templates/, Makefile: sha256sum of the sorted list)"
    printf 'environment\t%s\t%s\n' "OS" "$(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME")"
    printf 'environment\t%s\t%s\n' "kernel" "$(uname -srm)"
    printf 'environment\t%s\t%s\n' "CPUs" "$(nproc 2>/dev/null)"
    tool "cc" "${CC:-cc}" --version
    tool "clang" clang --version
    tool "arm-none-eabi-gcc" arm-none-eabi-gcc --version
    tool "powerpc-linux-gnu-gcc" powerpc-linux-gnu-gcc --version
    tool "qemu-system-arm" qemu-system-arm --version
    tool "qemu-ppc" qemu-ppc --version
    tool "cppcheck" cppcheck --version
    tool "libxml2 (xml2-config)" xml2-config --version
    pkg "CUnit (libcunit1-dev)" libcunit1-dev
    pkg "protobuf-c (libprotobuf-c-dev)" libprotobuf-c-dev
    pkg "LAPACKE (liblapacke-dev)" liblapacke-dev
    tool "valgrind" valgrind --version
    tool "gcovr" gcovr --version
    tool "python3" /usr/bin/python3 --version
    pkg "numpy (python3-numpy)" python3-numpy
    pkg "ONNX test data (libonnx-testdata)" libonnx-testdata
} >"$Q/env.tsv.new" || exit 3

if [ "${QUALIFY_SKIP_CHECK:-0}" = 1 ]; then
    rc=$(cat "$Q/check.rc" 2>/dev/null || echo "")
    t=$(cat "$Q/check.seconds" 2>/dev/null || echo "")
    when=$(cat "$Q/check.date" 2>/dev/null || echo "")
else
    when=$(date -u '+%Y-%m-%d %H:%M:%S UTC')
    start=$(date +%s)
    $MAKE --no-print-directory check
    rc=$?
    t=$(($(date +%s) - start))
    echo "$rc" >"$Q/check.rc"
    echo "$t" >"$Q/check.seconds"
    echo "$when" >"$Q/check.date"
fi
{
    cat "$Q/env.tsv.new"
    printf 'identity\t%s\t%s\n' "stoic --version" "$(bin/stoic --version 2>/dev/null || echo 'not built')"
    for b in bin/stoic bin/stoic-asan bin/unit_tests; do
        printf 'identity\t%s\t%s\n' "SHA-256 of $b" "$(sha256sum "$b" 2>/dev/null | awk '{ print $1 }')"
    done
    printf 'run\t%s\t%s\n' "date" "$when"
    printf 'run\t%s\t%s\n' "command" "make qualify (make check JOBS=${JOBS:-$(nproc)})"
    printf 'run\t%s\t%s\n' "duration of make check" "${t:+$t s}"
    printf 'run\t%s\t%s\n' "make check exit status" "$rc"
} >"$Q/env.tsv" && rm -f "$Q/env.tsv.new" || exit 3

sh certification/trace.sh --tsv >"$Q/trace.tsv" || exit 1
sh certification/qual-report.sh "$Q/env.tsv" "$Q/trace.tsv" build/check >"$Q/qualification-report.md" || exit 3
cp "$Q/qualification-report.md" certification/qualification-report.md || exit 3
verdict=$(sed -n 's/^\*\*\(PASS\|FAIL\)\*\*.*/\1/p' "$Q/qualification-report.md")
echo "qualify: verdict ${verdict:-unknown}; report in certification/qualification-report.md"
[ "$verdict" = PASS ]

#!/bin/sh
# The runtime and harness objects that several parts of make check share,
# built once per run instead of once per part (run from the repository
# root; the Makefile's parts rt-san and rt-o1 run it, before the parts
# that use them, and pass the directory on in STOIC_SUPPORT_SAN or
# STOIC_SUPPORT_O1; a script run alone builds its own, as before).
#   sh tests/support.sh san DIR  the sanitized build of tests/e2e/run.sh
#                                and tests/e2e/quant.sh: build_once with
#                                $SAN_CC $SANITIZE, and link_capture
#   sh tests/support.sh o1 DIR   the cc -O1 build of tests/onnx/patterns.sh
#                                (onnx-patterns, onnx-models) and
#                                tests/onnx/conformance.sh: build_once
#                                with $CC -O1
# Each part used the very same commands on the very same files; the
# directory is made afresh every run (never reused across runs), and the
# object cache in it (out_compile) is keyed by the flags, the file and its
# runtime headers, so parts that share it only gain hits.
# Exit 1, with the compiler's output, when the runtime or the harness does
# not compile silently (the parts that need it then do not run: make check
# reports them as not run).
set -u
. tests/common.sh
kind=${1:-}
dir=${2:-}
[ -n "$dir" ] || { echo "usage: sh tests/support.sh san|o1 DIR" >&2; exit 2; }
case $kind in
san)
    san_ldflags
    # shellcheck disable=SC2086
    build_once "$dir" "$SAN_CC" $SANITIZE &&
        link_capture "$dir" "$SAN_CC" $SANITIZE $SAN_LDFLAGS
    ;;
o1)
    build_once "$dir" "$CC" -O1
    ;;
*)
    echo "usage: sh tests/support.sh san|o1 DIR" >&2
    exit 2
    ;;
esac
rc=$?
if [ $rc -ne 0 ]; then
    echo "FAIL runtime: the runtime or the harness does not compile (silently)"
    head -n 25 "$dir/fail.log" 2>/dev/null | sed 's/^/    | /'
    exit 1
fi
echo "support $kind: $(ls "$dir"/rt/*.o | wc -l) runtime objects and the harness driver in $dir"

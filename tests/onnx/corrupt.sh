#!/bin/sh
# Fuzz check of the ONNX reader (generator/onnx_read.c) and of `stoic
# import` (generator/import_onnx.c, then the whole pipeline): deterministic
# corruptions of real models (truncations, bit flips, inserted, deleted and
# overwritten bytes; tests/tools/corrupt.c) read by onnxinfo built with
# AddressSanitizer and UndefinedBehaviorSanitizer. Every run must end with
# exit code 0 (still a model) or 1 (an input error, with a message); a
# crash, a sanitizer report (they exit with 97 or 98), a leak (checked on
# every 8th run: LeakSanitizer doubles the time of a run) or any other exit
# code is a failure. The runs are shared among the CPUs. Failing inputs are kept in out/onnx_corrupt/.
# Needs bin/onnxinfo-asan and bin/corrupt (make e2e builds them).
# Usage: sh tests/onnx/corrupt.sh [COUNT-PER-MODEL]
# REQ: REQ-IMP-007 REQ-ERR-006
set -u
cd "$(dirname "$0")/../.." || exit 2

COUNT=${1:-200}
INFO=bin/onnxinfo-asan
IMPORT=bin/stoic-asan   # stoic import under the sanitizers, on the same files
TD=/usr/share/libonnx-testdata/data
MODELS="examples/digits/digits.onnx
$TD/node/test_constant/model.onnx
$TD/node/test_maxpool_2d_pads/model.onnx
$TD/pytorch-converted/test_Conv2d/model.onnx"
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}

# distinct exit codes for sanitizer reports, so they never pass as exit 1
UBSAN_OPTIONS=halt_on_error=1:exitcode=98:print_stacktrace=1
export UBSAN_OPTIONS
ASAN_LEAKS=exitcode=97:detect_leaks=1
ASAN_NO_LEAKS=exitcode=97:detect_leaks=0

for t in $INFO bin/corrupt; do
    if [ ! -x $t ]; then
        echo "corrupt.sh: $t is missing (make $t)" >&2
        exit 2
    fi
done

work=$(mktemp -d "${TMPDIR:-/tmp}/stoic_corrupt.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
trap 'exit 2' INT TERM
: >"$work/list"
fail=0

seed=0
for m in $MODELS; do
    seed=$((seed + 1))
    if [ ! -f "$m" ]; then
        echo "FAIL: $m is missing"
        fail=$((fail + 1))
        continue
    fi
    if ! ASAN_OPTIONS=$ASAN_LEAKS $INFO "$m" >/dev/null 2>"$work/err"; then
        echo "FAIL: the intact $m does not read:"
        sed 's/^/    /' "$work/err"
        fail=$((fail + 1))
        continue
    fi
    mkdir -p "$work/c$seed"
    if ! bin/corrupt "$m" "$work/c$seed" "$COUNT" "$seed" >>"$work/list"; then
        echo "FAIL: bin/corrupt $m"
        fail=$((fail + 1))
    fi
done

# worker J: runs every JOBS-th line of the list, from line J; writes
# "pass N" and the failure reports to $work/result.J
worker() {
    j=$1
    n=0
    p=0
    awk -v j="$j" -v k="$JOBS" '(NR - 1) % k == j' "$work/list" | while read -r file kind off; do
        n=$((n + 1))
        if [ $((n % 8)) -eq 1 ]; then
            ASAN_OPTIONS=$ASAN_LEAKS
        else
            ASAN_OPTIONS=$ASAN_NO_LEAKS
        fi
        export ASAN_OPTIONS
        $INFO "$file" >/dev/null 2>"$work/err.$j"
        rc=$?
        ok=0
        line=
        read -r line <"$work/err.$j"
        if [ $rc -eq 0 ] && [ -z "$line" ]; then
            ok=1
        elif [ $rc -eq 1 ]; then
            case $line in *': error: '*) ok=1 ;; esac
        fi
        if [ $ok -eq 1 ] && [ -x "$IMPORT" ]; then
            # the importer on the same file: an error (exit 1) or a model
            # (exit 0); never a crash, a sanitizer report or exit 3
            rm -rf "$work/imp.$j"
            mkdir -p "$work/imp.$j"
            $IMPORT import "$file" -o "$work/imp.$j/m.xml" >/dev/null 2>"$work/err.$j"
            rc=$?
            line=
            read -r line <"$work/err.$j"
            ok=0
            if [ $rc -eq 0 ]; then
                ok=1
            elif [ $rc -eq 1 ]; then
                case $line in *': error: '*) ok=1 ;; esac
                [ -z "$(ls "$work/imp.$j")" ] || ok=0 # nothing written on error
            fi
        fi
        if [ $ok -eq 1 ]; then
            p=$((p + 1))
            echo "pass $p" >"$work/count.$j"
        else
            mkdir -p out/onnx_corrupt
            cp "$file" out/onnx_corrupt/
            echo "FAIL: $(basename "$file"): $kind at byte $off: exit $rc" \
                 "(input kept in out/onnx_corrupt/)"
            head -n 5 "$work/err.$j" | sed 's/^/    /'
        fi
    done >"$work/result.$j"
}

j=0
while [ $j -lt "$JOBS" ]; do
    worker $j &
    j=$((j + 1))
done
wait

pass=0
j=0
while [ $j -lt "$JOBS" ]; do
    if [ -f "$work/count.$j" ]; then
        pass=$((pass + $(sed 's/pass //' "$work/count.$j")))
    fi
    if [ -s "$work/result.$j" ]; then
        cat "$work/result.$j"
        fail=$((fail + $(grep -c '^FAIL' "$work/result.$j")))
    fi
    j=$((j + 1))
done

echo "onnx corrupt: $pass passed, $fail failed"
[ $fail -eq 0 ] && [ $pass -gt 0 ]

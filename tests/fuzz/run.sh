#!/bin/sh
# make fuzz / make fuzz-crashes (tests/fuzz/fuzz.mk).
#
#   sh tests/fuzz/run.sh SECONDS HARNESS...   for each harness: run it over
#       tests/fuzz/regress/HARNESS (every input once: none may crash), then
#       fuzz it for SECONDS on one core from a copy of tests/fuzz/corpus/HARNESS
#       (build/fuzz/corpus/HARNESS; new inputs stay there), with its dictionary.
#       One line per harness; exits 1 when anything crashed, leaked, timed out
#       or tripped a sanitizer, after printing the report and the reproducer.
#   sh tests/fuzz/run.sh --crashes HARNESS... runs the open reproducers of
#       tests/fuzz/crashes/HARNESS one by one and says which still crash (a
#       fixed one belongs in tests/fuzz/regress/HARNESS); never fails.
# REQ: REQ-ERR-006
set -u
export UBSAN_OPTIONS="print_stacktrace=1:${UBSAN_OPTIONS:-}"
FD=${FUZZ_DIR:-build/fuzz}
# -close_fd_mask=3: the generator's diagnostics are silenced; libFuzzer and the
# sanitizers keep their output. Leaks are errors (detect_leaks is on under ASan).
OPTS="-close_fd_mask=3 -timeout=60 -rss_limit_mb=2048 -print_final_stats=1"
mkdir -p "$FD/log"

if [ "${1:-}" = "--crashes" ]; then
    shift
    for h in "$@"; do
        for f in tests/fuzz/crashes/"$h"/*; do
            [ -f "$f" ] || continue
            if "$FD/fuzz_$h" $OPTS "$f" >"$FD/log/crash.log" 2>&1; then
                echo "fixed     $f"
            else
                top=$(grep -m1 -E 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error|^fuzz_[a-z]*: ' \
                      "$FD/log/crash.log" | sed 's/^==[0-9]*==//' | cut -c1-110)
                echo "CRASHES   $f: $top"
            fi
        done
    done
    exit 0
fi

SECONDS_EACH=$1
shift
fail=0
nfail=0
for h in "$@"; do
    bin=$FD/fuzz_$h
    log=$FD/log/$h.log
    dict=
    [ -f "tests/fuzz/$h.dict" ] && dict="-dict=tests/fuzz/$h.dict"
    # 1. the regression inputs
    if [ -n "$(ls tests/fuzz/regress/"$h" 2>/dev/null)" ]; then
        n=$(ls tests/fuzz/regress/"$h" | wc -l)
        if ! "$bin" $OPTS -runs=0 tests/fuzz/regress/"$h" >"$log" 2>&1; then
            echo "fuzz_$h: FAILED on its regression inputs (tests/fuzz/regress/$h):"
            grep -E 'Running|ERROR|SUMMARY|runtime error|fuzz_[a-z]*: |#[0-9]+ 0x' "$log" | grep -v ' in fuzzer::\| in __\| in main \| in _start\| in raise\| in abort' | sed 's/ (\/[^)]*BuildId[^)]*)//; s/ (BuildId: [0-9a-f]*)//' | head -24
            fail=1
            continue
        fi
    else
        n=0
    fi
    # 2. fuzzing from the committed corpus
    rm -rf "$FD/corpus/$h" "$FD/artifacts/$h"
    mkdir -p "$FD/corpus/$h" "$FD/artifacts/$h"
    "$bin" $OPTS $dict -max_total_time="$SECONDS_EACH" -artifact_prefix="$FD/artifacts/$h/" \
        "$FD/corpus/$h" tests/fuzz/corpus/"$h" >"$log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    last=$(grep -E '^#[0-9]+.* cov: ' "$log" | tail -1)
    cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
    ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
    corp=$(echo "$last" | sed -n 's/.* corp: \([0-9]*\/[0-9a-zA-Z]*\).*/\1/p')
    if [ $rc -ne 0 ]; then
        art=$(ls "$FD/artifacts/$h"/* 2>/dev/null | head -1)
        echo "fuzz_$h: FAILED after ${execs:-?} execs (exit $rc); reproducer: ${art:-none}"
        grep -E 'ERROR|SUMMARY|runtime error|fuzz_[a-z]*: |#[0-9]+ 0x' "$log" | grep -v ' in fuzzer::\| in __\| in main \| in _start\| in raise\| in abort' | sed 's/ (\/[^)]*BuildId[^)]*)//; s/ (BuildId: [0-9a-f]*)//' | head -24
        echo "  (full log: $log; replay: $bin $art)"
        fail=1
        nfail=$((nfail + 1))
        continue
    fi
    printf 'fuzz_%-9s %9s execs in %ss, cov %s ft %s, corpus %s (units/bytes), %s regression inputs, 0 crashes\n' \
        "$h:" "${execs:-?}" "$SECONDS_EACH" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$n"
done
echo "fuzz: $# harnesses, $nfail failed (${SECONDS_EACH} s each)"
exit $fail

#!/bin/sh
# certification/coverage.sh [--check] -- structural coverage of runtime/
# (make coverage; make check-coverage runs --check).
#
# The runtime built with gcov instrumentation (certification/qual.mk:
# build/coverage/runtime/*.o, -O1 --coverage) is run by
#   1. the unit tests (bin/unit_tests-cov: every kernel against its
#      independent reference);
#   2. the host evaluator (bin/stoic-cov eval: the generator built with
#      ASan/UBSan, its runtime instrumented), which calls the runtime's
#      kernels with the parameter structs the generated code passes
#      (README, "What a run does": lower): every e2e case of
#      tests/e2e/cases in float32, int8 and int16 (calibrated on its own
#      input, as tests/e2e/quant.sh; the pairs of
#      tests/e2e/quant_unsupported.txt skipped), and the examples in
#      int8/int16, pruned (sparse kernels) and low-rank;
# then gcovr (Debian's gcovr) reads the counts: statements (lines) and
# branches per file of runtime/, and the lines and branches not covered.
# The evaluator runs without LeakSanitizer (ASan's and UBSan's other
# checks stay on): a leak check at exit is a third of such a run, and each
# of these evaluations is leak-checked elsewhere in make check, under
# bin/stoic-asan: float32 on every e2e case (tests/e2e/run.sh), int8 and
# int16 on every case in one precision and on every operator in both
# (tests/e2e/quant.sh), the examples quantized, pruned and low-rank
# (tests/quant, tests/compress).
#
# Without --check: writes certification/coverage.md (the figures, every
# gap, whether certification/coverage-exceptions.md justifies it) and
# certification/coverage.tsv (the figures make check holds to). This is
# the one command that refreshes them after a change of runtime/.
# With --check: writes build/coverage/coverage.{md,tsv} and fails when a
# file's statement or branch coverage is below the committed
# certification/coverage.tsv, or a file appeared or disappeared; first it
# checks that the comparison fails on a doctored baseline (the test can
# fail).
# REQ: REQ-QUAL-003
set -u
LC_ALL=C
export LC_ALL
. tests/common.sh
mode=${1:-write}
D=build/coverage
CASES=tests/e2e/cases
UNSUP=tests/e2e/quant_unsupported.txt
STOIC_COV=${STOIC_COV:-bin/stoic-cov}
for b in bin/unit_tests-cov "$STOIC_COV"; do
    [ -x "$b" ] || { echo "coverage: $b missing (make coverage builds it)"; exit 2; }
done
command -v gcovr >/dev/null 2>&1 || { echo "coverage: gcovr missing (make deps installs it)"; exit 2; }

# Zero the counters: only this run counts.
find $D/runtime -name '*.gcda' -exec rm -f {} + 2>/dev/null
rm -rf $D/run
mkdir -p $D/run || exit 3

# 1. unit tests
if ! bin/unit_tests-cov >$D/run/unit.log 2>&1; then
    echo "coverage: the unit tests failed:"
    tail -n 30 $D/run/unit.log
    exit 1
fi

# 2. the evaluator: one line per run, "DIR|ARGS"
{
    for c in $(ls $CASES); do
        m=$CASES/$c/model.xml
        x=$CASES/$c/input.npy
        [ -f "$m" ] && [ -f "$x" ] || continue
        echo "$c-f32|eval $m --input $x"
        for p in int8 int16; do
            grep -q "^$c $p " $UNSUP 2>/dev/null && continue
            echo "$c-$p|eval $m --input $x --precision $p --calib $x"
        done
    done
    for e in digits mlp; do
        for p in int8 int16; do
            echo "$e-$p|eval examples/$e/$e.xml --input examples/$e/val_x.npy --precision $p --calib examples/$e/calib_x.npy"
        done
    done
    for p in float32 int8 int16; do
        echo "mlp-sparse-$p|eval examples/mlp/mlp.xml --input examples/mlp/val_x.npy --precision $p --calib examples/mlp/calib_x.npy --prune 0.9"
        echo "digits-sparse-$p|eval examples/digits/digits.xml --input examples/digits/val_x.npy --precision $p --calib examples/digits/calib_x.npy --prune 0.9"
        echo "mlp-lowrank-$p|eval examples/mlp/mlp.xml --input examples/mlp/val_x.npy --precision $p --calib examples/mlp/calib_x.npy --lowrank-energy 0.9"
    done
} >$D/run/list
# no leak check (see the header); a sanitizer report still fails the run
ASAN_OPTIONS=exitcode=97:detect_leaks=0
export STOIC_COV D ASAN_OPTIONS
tr '\n' '\0' <$D/run/list | xargs -0 -P "$JOBS" -I{} sh -c '
    name=${1%%|*} args=${1#*|}
    # shellcheck disable=SC2086
    if ! $STOIC_COV $args >"$D/run/$name.log" 2>&1; then echo "$name: stoic $args failed" >>"$D/run/failed"; fi' sh {}
if [ -s $D/run/failed ]; then
    echo "coverage: evaluator runs failed:"
    cat $D/run/failed
    exit 1
fi
runs=$(wc -l <$D/run/list)

# 3. gcovr
if ! gcovr --root . --filter 'runtime/' --object-directory $D --json $D/run/gcovr.json \
        >$D/run/gcovr.log 2>&1; then
    echo "coverage: gcovr failed:"
    cat $D/run/gcovr.log
    exit 3
fi

if [ "$mode" = --check ]; then
    /usr/bin/python3 certification/coverage.py $D/run/gcovr.json certification/coverage-exceptions.md \
        $D/coverage.md $D/coverage.tsv "$runs" || exit 3
    # the comparison must be able to fail: this run's figures with one
    # statement fewer covered in the first file, against this run's
    awk -F '\t' -v OFS='\t' 'NR == 2 { $2 = $2 - 1 } { print }' $D/coverage.tsv >$D/doctored.tsv
    if /usr/bin/python3 certification/coverage.py --compare $D/coverage.tsv $D/doctored.tsv >$D/doctored.log 2>&1; then
        echo "FAIL coverage: the comparison accepted a measurement below its baseline"
        exit 1
    fi
    echo "PASS the comparison fails on one statement less: $(head -n 1 $D/doctored.log)"
    /usr/bin/python3 certification/coverage.py --compare certification/coverage.tsv $D/coverage.tsv
else
    /usr/bin/python3 certification/coverage.py $D/run/gcovr.json certification/coverage-exceptions.md \
        certification/coverage.md certification/coverage.tsv "$runs" || exit 3
    sed -n 's/^\*\*Total\*\*.*/&/p; /^Gaps not justified/p' certification/coverage.md
    echo "coverage: certification/coverage.md and coverage.tsv written (commit them)"
fi

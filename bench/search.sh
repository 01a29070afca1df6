#!/bin/sh
# bench/search.sh -- make bench-search: how long the budget search takes,
# and what it finds (README "Compression under a budget", issue 14).
#
# For each case below, `bin/stoic generate ... --max-accuracy-drop 0.01`
# (int8, the normal build) is run RUNS times (default 3); the smallest
# wall time and its user CPU time are kept (the other runs measure the
# machine's noise, not the search). Then, on the case's held-back rows
# (never given to the search), the generated plan's top-1 against
# float32 (`stoic eval --config OUTDIR/NAME_plan.xml`). Writes
# bench/SEARCH.md. Timing is a measurement, not a test: nothing fails on
# a slow machine; the figures say which machine (nproc, CPU model, load).
#
# Cases:
#   mlp        examples/mlp, validation split 270 rows, test split 450
#   dsconv     examples/dsconv, validation split even rows (225) for the
#              search, odd rows (225) held back
#   mobilenet  a MobileNetV1 0.25 at 96x96 (bench/mobilenet/make.py, made
#              once into build/mobilenet; skipped with a message when
#              PyTorch is missing), --metric mse --max-accuracy-drop 3e-6
#              (about twice the int8 model's own MSE), 200 validation
#              rows, 64 calibration rows; held back: 200 other rows, the
#              chosen plan's MSE against float32 on them. One run (RUNS_MN,
#              default 1): it takes minutes.
# Environment: RUNS (3), RUNS_MN (1), OUT (build/bench-search),
# STOIC_NO_EVAL_CACHE (set: every evaluation runs whole, for comparison).
set -u
RUNS=${RUNS:-3}
RUNS_MN=${RUNS_MN:-1}
OUT=${OUT:-build/bench-search}
PY=/usr/bin/python3
rm -rf "$OUT"
mkdir -p "$OUT"

# run_case NAME MODEL CALIB VAL_X VAL_Y|- TEST_X TEST_Y|- RUNS BUDGET
# (VAL_Y "-": --metric mse, scored by the MSE on TEST_X against float32)
run_case() {
    name=$1 model=$2 calib=$3 vx=$4 vy=$5 tx=$6 ty=$7 runs=$8 budget=$9
    if [ "$vy" = - ]; then set -- --metric mse; else set -- --labels "$vy"; fi
    best=
    user=
    r=0
    while [ $r -lt "$runs" ]; do
        r=$((r + 1))
        d=$OUT/$name-$r
        /usr/bin/time -f '%e %U' -o "$d.time" bin/stoic generate "$model" -o "$d" --name model \
            --precision int8 --calib "$calib" --max-accuracy-drop "$budget" --val "$vx" \
            "$@" >"$d.log" 2>"$d.err" || { echo "bench-search: $name: generate failed" >&2; return 1; }
        t=$(tail -n 1 "$d.time")
        w=${t% *}
        if [ -z "$best" ] || awk -v a="$w" -v b="$best" 'BEGIN { exit !(a < b) }'; then
            best=$w
            user=${t#* }
            keep=$d
        fi
    done
    bin/stoic eval "$model" --input "$tx" --output "$OUT/$name-f32.npy" >/dev/null 2>&1 &&
    bin/stoic eval "$model" --config "$keep/model_plan.xml" --calib "$calib" --input "$tx" \
        --output "$OUT/$name-q.npy" >/dev/null 2>&1 || { echo "bench-search: $name: eval failed" >&2; return 1; }
    $PY - "$name" "$keep" "$best" "$user" "$OUT/$name-f32.npy" "$OUT/$name-q.npy" "$ty" <<'EOF' >>"$OUT/rows.md"
import json, sys
import numpy as np
name, keep, wall, user, f, q, ty = sys.argv[1:]
r = json.load(open(keep + '/model_report.json'))['compression']
s = r['search']
fo, qo = np.load(f), np.load(q)
if ty == '-':
    score = 'MSE %.3g (val %.3g)' % (((qo - fo) ** 2).mean(), s['chosen_metric'])
else:
    y = np.load(ty)
    score = 'top-1 %+.2f pp' % (100 * ((qo.argmax(1) == y).mean() - (fo.argmax(1) == y).mean()))
n = sum(1 for c in s['candidates'] if c['phase'] != 'start')
print('| %s | %s s | %s s | %d | %d | %d | %.1fx | %s |' % (
    name, wall, user, n, r['float32_constant_bytes'], r['constant_bytes'],
    r['float32_constant_bytes'] / r['constant_bytes'], score))
EOF
}

$PY -c "
import numpy as np
x = np.load('examples/dsconv/val_x.npy'); y = np.load('examples/dsconv/val_y.npy')
np.save('$OUT/ds_sval_x.npy', x[0::2]); np.save('$OUT/ds_sval_y.npy', y[0::2])
np.save('$OUT/ds_test_x.npy', x[1::2]); np.save('$OUT/ds_test_y.npy', y[1::2])" || exit 1
bin/stoic import examples/dsconv/dsconv.onnx -o "$OUT/dsconv.xml" >/dev/null 2>&1 || exit 1

: >"$OUT/rows.md"
M=examples/mlp
run_case mlp $M/mlp.xml $M/calib_x.npy $M/val_x.npy $M/val_y.npy $M/test_x.npy \
    $M/test_y.npy "$RUNS" 0.01 || exit 1
run_case dsconv "$OUT/dsconv.xml" examples/dsconv/calib_x.npy "$OUT/ds_sval_x.npy" \
    "$OUT/ds_sval_y.npy" "$OUT/ds_test_x.npy" "$OUT/ds_test_y.npy" "$RUNS" 0.01 || exit 1
MN=build/mobilenet
mn_note=
if [ ! -f $MN/test_x.npy ] && ! $PY -c 'import torch' 2>/dev/null; then
    mn_note="mobilenet: skipped, PyTorch is missing (Debian: python3-torch) to make it with bench/mobilenet/make.py"
    echo "bench-search: $mn_note" >&2
else
    if [ ! -f $MN/test_x.npy ]; then
        $PY bench/mobilenet/make.py $MN >/dev/null || exit 1
    fi
    bin/stoic import $MN/mobilenet.onnx -o $MN/mobilenet.xml >/dev/null 2>&1 || exit 1
    run_case mobilenet $MN/mobilenet.xml $MN/calib_x.npy $MN/val_x.npy - $MN/test_x.npy - \
        "$RUNS_MN" 3e-6 || exit 1
fi

cpu=$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1)
{
    echo "# The budget search, timed"
    echo
    echo "Written by \`make bench-search\` (\`bench/search.sh\`); do not edit."
    echo
    echo "- Measured at commit $(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)," \
         "$(nproc) cores ($cpu), load average before the runs:" \
         "$(cut -d' ' -f1-3 /proc/loadavg)."
    echo "- \`stoic generate MODEL --precision int8 --calib ... --max-accuracy-drop D\`" \
         "(the normal build): mlp and dsconv D = 0.01 (top-1), the fastest of $RUNS runs;" \
         "mobilenet \`--metric mse\`, D = 3e-6, $RUNS_MN run(s). One process; each evaluation" \
         "resumes after the layers it shares with one before and splits its rows between" \
         "threads (two here; the user CPU time counts both: on a shared machine it is the" \
         "steadier figure, the wall time depends on a second core being free)."
    echo "- Held back: the chosen plan on rows the search never saw, against float32" \
         "(top-1 change; mobilenet: the outputs' MSE, and the MSE the search measured on" \
         "its validation rows)."
    [ -z "${STOIC_NO_EVAL_CACHE:-}" ] ||
        echo "- STOIC_NO_EVAL_CACHE was set: every evaluation ran whole (nothing resumed)."
    [ -z "$mn_note" ] || echo "- $mn_note."
    echo
    echo "| case | wall | user CPU | candidates | float32 bytes | bytes | smaller | held back |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    cat "$OUT/rows.md"
    echo
    echo "Targets (issue 14): the MLP search in at most 5 s, a small CNN in 20 s, a MobileNetV1"
    echo "0.25 at 96x96 with 200 validation rows in 5 minutes, on a 2-core machine; at least"
    echo "25x (MLP) and 10x (dsconv) at a loss of at most 1 pp."
} >bench/SEARCH.md
cat bench/SEARCH.md

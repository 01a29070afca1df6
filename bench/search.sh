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
#   mlp      examples/mlp, validation split 270 rows, test split 450
#   dsconv   examples/dsconv, validation split even rows (225) for the
#            search, odd rows (225) held back
# Environment: RUNS (3), OUT (build/bench-search).
set -u
RUNS=${RUNS:-3}
OUT=${OUT:-build/bench-search}
PY=/usr/bin/python3
rm -rf "$OUT"
mkdir -p "$OUT"

# case NAME MODEL CALIB VAL_X VAL_Y TEST_X TEST_Y
run_case() {
    name=$1 model=$2 calib=$3 vx=$4 vy=$5 tx=$6 ty=$7
    best=
    user=
    r=0
    while [ $r -lt "$RUNS" ]; do
        r=$((r + 1))
        d=$OUT/$name-$r
        /usr/bin/time -f '%e %U' -o "$d.time" bin/stoic generate "$model" -o "$d" --name model \
            --precision int8 --calib "$calib" --max-accuracy-drop 0.01 --val "$vx" \
            --labels "$vy" >"$d.log" 2>&1 || { echo "bench-search: $name: generate failed" >&2; return 1; }
        set -- $(cat "$d.time")
        if [ -z "$best" ] || awk -v a="$1" -v b="$best" 'BEGIN { exit !(a < b) }'; then
            best=$1
            user=$2
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
y = np.load(ty)
fa = (np.load(f).argmax(1) == y).mean()
qa = (np.load(q).argmax(1) == y).mean()
n = sum(1 for c in s['candidates'] if c['phase'] != 'start')
print('| %s | %s s | %s s | %d | %d | %d | %.1fx | %+.2f pp |' % (
    name, wall, user, n, r['float32_constant_bytes'], r['constant_bytes'],
    r['float32_constant_bytes'] / r['constant_bytes'], 100 * (qa - fa)))
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
run_case mlp $M/mlp.xml $M/calib_x.npy $M/val_x.npy $M/val_y.npy $M/test_x.npy $M/test_y.npy || exit 1
run_case dsconv "$OUT/dsconv.xml" examples/dsconv/calib_x.npy "$OUT/ds_sval_x.npy" \
    "$OUT/ds_sval_y.npy" "$OUT/ds_test_x.npy" "$OUT/ds_test_y.npy" || exit 1

cpu=$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1)
{
    echo "# The budget search, timed"
    echo
    echo "Written by \`make bench-search\` (\`bench/search.sh\`); do not edit."
    echo
    echo "- Measured at commit $(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)," \
         "$(nproc) cores ($cpu), load average before the runs:" \
         "$(cut -d' ' -f1-3 /proc/loadavg)."
    echo "- \`stoic generate MODEL --precision int8 --calib ... --max-accuracy-drop 0.01\`" \
         "(the normal build), the fastest of $RUNS runs; the search is one process on one core."
    echo "- Top-1 change: the chosen plan on the held-back rows the search never saw," \
         "against float32."
    echo
    echo "| case | wall | user CPU | candidates | float32 bytes | bytes | smaller | top-1 change (held back) |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    cat "$OUT/rows.md"
    echo
    echo "Targets (issue 14): the MLP search in at most 5 s, a small CNN in 20 s, on a 2-core"
    echo "machine; at least 25x (MLP) and 10x (dsconv) at a loss of at most 1 pp."
} >bench/SEARCH.md
cat bench/SEARCH.md

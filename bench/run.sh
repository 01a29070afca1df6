#!/bin/sh
# bench/run.sh [VARIANT...] -- make bench: measures every build of
# target/variants.txt (bench/measure.sh, BENCH_JOBS at a time), writes
# bench/results.tsv and bench/RESULTS.md, and fails when
#   - a figure regressed by more than 1 % against the committed
#     bench/results.tsv (git's HEAD version; BENCH_BASELINE=FILE names
#     another; none at all: nothing to compare, a note) (bench/compare.awk),
#   - the generator's estimates in NAME_report.json are off (whole NAME_run
#     by more than 10 %) or its stack bound is below the measurement
#     (bench/estimates.awk), or the cost table was fitted on another
#     runtime than runtime/ (make bench-fit refits it),
#   - a measurement failed (then nothing is written).
# The files are written in every other case, so `git diff bench/` shows
# what changed; the figures are exact and the output depends on them and
# on the commit only (a second run gives the same files).
#
# Environment: TGT (build/target: make cross's builds), BENCH_OUT
# (build/bench), BENCH_JOBS (2), TGT_VARIANTS_FILE (target/variants.txt),
# BENCH_BASELINE, BENCH_RESULTS_DIR (bench: where results.tsv and
# RESULTS.md are written), BENCH_EST_TOL (10).
set -eu
TGT=${TGT:-build/target}
OUT=${BENCH_OUT:-build/bench}
JOBS=${BENCH_JOBS:-2}
VFILE=${TGT_VARIANTS_FILE:-target/variants.txt}
RD=${BENCH_RESULTS_DIR:-bench}
t0=$(date +%s)
if [ $# -gt 0 ]; then
    variants="$*"
else
    variants=$(awk '!/^#/ && NF { print $1 }' "$VFILE")
fi
mkdir -p "$OUT"

# ---- measure ---------------------------------------------------------------
echo "$variants" | tr ' ' '\n' | grep . |
    TGT=$TGT OUT=$OUT xargs -P "$JOBS" -I{} sh bench/measure.sh {} 2> "$OUT/measure.log" || true
failed=""
for v in $variants; do
    f=$OUT/$v/figures.tsv
    if [ ! -s "$f" ] || grep -q '	error	' "$f"; then
        failed="$failed $v"
    fi
done
if [ -n "$failed" ]; then
    echo "bench: FAIL: the measurement failed for:$failed"
    sed 's/^/    /' "$OUT/measure.log" | head -20
    exit 1
fi

gccv=$(arm-none-eabi-gcc -dumpversion)
qemuv=$(qemu-system-arm --version | sed -n '1s/.*version \([^ ]*\).*/\1/p')
hostv=$(${HOST_CC:-cc} --version | head -1)
vgv=$(valgrind --version)
tools="Toolchain: arm-none-eabi-gcc $gccv; QEMU $qemuv (\`-icount shift=0\`, \`target/plugin/stoic_trace.c\`); host: $hostv \`-O2\`, $vgv"
rev=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
# the tree differs from the commit (bench's own output files aside)
if [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null | grep -v ' bench/RESULTS.md$' | grep -v ' bench/results.tsv$')" ]; then
    rev="$rev with uncommitted changes"
fi
commit="Measured at commit $rev."

tsv=$OUT/results.tsv
{
    echo "# stoic make bench: VARIANT SCOPE METRIC VALUE (bench/README.md). Do not edit."
    echo "# $tools"
    for v in $variants; do cat "$OUT/$v/figures.tsv"; done
} > "$tsv"

# ---- compare with the committed figures -------------------------------------
base=$OUT/baseline.tsv
rc=0
if [ -n "${BENCH_BASELINE:-}" ]; then
    cp "$BENCH_BASELINE" "$base"
elif git cat-file -e "HEAD:$RD/results.tsv" 2>/dev/null; then
    git show "HEAD:$RD/results.tsv" > "$base"
elif [ -f "$RD/results.tsv" ]; then
    cp "$RD/results.tsv" "$base"
else
    : > "$base"
    echo "bench: no committed $RD/results.tsv: nothing to compare with (commit this run's)"
fi
awk -F '\t' -f bench/compare.awk "$base" "$tsv" > "$OUT/compare.txt" || rc=1
grep -v -e '^improved' -e '^new' -e '^gone' "$OUT/compare.txt" || true
nchg=$(grep -c -e '^improved' -e '^new' -e '^gone' "$OUT/compare.txt" || true)
[ "$nchg" -gt 0 ] && echo "bench: $nchg figures improved, new or gone: $OUT/compare.txt"

# ---- the generator's estimates ------------------------------------------------
awk -F '\t' -v tol="${BENCH_EST_TOL:-10}" -f bench/estimates.awk "$tsv" > "$OUT/estimates.txt" || rc=1
grep -v '^note' "$OUT/estimates.txt" || true
sha=$(sh bench/runtime-sha.sh)
first=$(echo $variants | cut -d' ' -f1)
table=$(sed -n 's/.*"cost_model": { "toolchain": "[^"]*", "runtime_sha256": "\([^"]*\)".*/\1/p' \
        "$TGT/gen/$first/${first}_report.json")
if [ "$table" != "$sha" ]; then
    echo "bench: FAIL: generator/cost_table.c was fitted on another runtime (${table:-none} is not $sha):"
    echo "    run make bench-fit, rebuild bin/stoic, then make bench"
    rc=1
fi

# ---- write -------------------------------------------------------------------
mkdir -p "$RD"
cp "$tsv" "$RD/results.tsv"
awk -F '\t' -v commit="$commit" -v tools="$tools" -f bench/render.awk "$tsv" > "$RD/RESULTS.md.tmp"
mv "$RD/RESULTS.md.tmp" "$RD/RESULTS.md"
echo "bench: wrote $RD/RESULTS.md and $RD/results.tsv ($(echo $variants | wc -w) builds, $(( $(date +%s) - t0 )) s)"
[ $rc -eq 0 ] && echo "bench: ok" || echo "bench: FAILED"
exit $rc

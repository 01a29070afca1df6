#!/bin/sh
# bench/fit.sh [--refit | CASE...] -- make bench-fit: refits generator/cost_table.c,
# the generator's cost table (generator/cost.h), on the current runtime
# and compiler. Run it after a change of runtime/ (make bench says so).
#
#  1. Every tests/e2e case (or the CASEs given) in float32, int8 and int16
#     (calibrated on its own input, as target/kernels.sh does), the dense
#     and 1x1 ones also with int4 weights, and those
#     with dense or convolution layers also pruned to 90 % (the sparse
#     kernels), is generated
#     and built for Cortex-M4 and M7 (target/target.mk, under $K) and run
#     under the trace plugin split by NAME_run's calls (bench/measure.sh,
#     parts qemu and frame): per layer its kernel, its trip counts (from
#     NAME_report.json) and its measured counts per class; per model what
#     NAME_run runs outside its calls and its stack frame. The examples
#     are not in the fit: make bench checks the table on them.
#  2. runtime/*.c is compiled for M4 and M7 with the generated code's
#     flags and -fcallgraph-info=su: the worst-case stack of every runtime
#     function with its callees (bench/stack.awk).
#  3. bench/tools/costfit fits and writes generator/cost_table.c (or
#     $COST_TABLE), with the compiler's version and the runtime's
#     fingerprint (bench/runtime-sha.sh).
# --add CASE...: builds and measures only those cases (new ones, or ones
# whose generated code changed), keeps the last run's measurements of the
# others (the runtime must be the one they were measured on), and fits on
# all of them: for a new test case, in a minute.
# --refit: no build and no measurement: the last run's measurements with
# the trip counts of the current generator (each model generated again;
# one whose C sources changed is left out) -- for a change of the trip
# counts or of the fit, in a minute instead of half an hour.
# Environment: BENCH_FIT_DIR (build/bench-fit), BENCH_JOBS (2).
set -eu
K=${BENCH_FIT_DIR:-build/bench-fit}
JOBS=${BENCH_JOBS:-2}
TABLE=${COST_TABLE:-generator/cost_table.c}
CASES=tests/e2e/cases
UNSUP=tests/e2e/quant_unsupported.txt
M4_FLAGS="-mcpu=cortex-m4 -mthumb -mfpu=fpv4-sp-d16 -mfloat-abi=hard"
M7_FLAGS="-mcpu=cortex-m7 -mthumb -mfpu=fpv5-d16 -mfloat-abi=hard"
CFLAGS_GEN="-std=c99 -O2 -g -ffp-contract=off -pedantic -Wall -Wextra -Wconversion -Wshadow -Werror"
mkdir -p "$K"
RT=$(pwd)/runtime
t0=$(date +%s)
rows=$K/rows.tsv
vf=$K/variants.txt
refit=0
add=0
if [ "${1:-}" = --add ]; then
    add=1
    shift
    [ $# -gt 0 ] || { echo "bench-fit: --add needs the cases to measure"; exit 1; }
    [ -s "$vf" ] || { echo "bench-fit: --add: no $vf (run make bench-fit first)"; exit 1; }
    old_sha=$(sed -n 's/^const char cost_table_runtime_sha256\[\] = "\(.*\)";$/\1/p' "$TABLE")
    [ "$old_sha" = "$(sh bench/runtime-sha.sh)" ] ||
        { echo "bench-fit: --add: the runtime changed since the last fit (run make bench-fit)"; exit 1; }
    cp "$vf" "$vf.old"
fi
if [ "${1:-}" = --refit ]; then
    refit=1
    [ -s "$vf" ] || { echo "bench-fit: --refit: no $vf (run make bench-fit first)"; exit 1; }
    shift
fi

# ---- 1. the e2e cases, built and measured -----------------------------------
if [ $refit -eq 0 ]; then
    if [ $# -gt 0 ]; then
        list="$*"
    else
        list=$(cd "$CASES" && for d in *; do [ -f "$d/model.xml" ] && echo "$d"; done)
    fi
    : > "$vf"
    for c in $list; do
        # with dense or conv layers also pruned to 90 %: the sparse kernels
        pruned=""
        grep -q -e '<dense' -e '<conv' "$CASES/$c/model.xml" && pruned="pf32 ps8 ps16"
        # int4 weights: the cases of the layers that have an int4 kernel
        int4=""
        case $c in dense*|*1x1*) int4="s4" ;; esac
        for p in f32 s8 s16 $int4 $pruned; do
            cal="--calib $CASES/$c/input.npy"
            case $p in
                f32) opts="" ;;
                s8) opts="--precision int8 $cal" ;;
                s16) opts="--precision int16 $cal" ;;
                s4) opts="--precision int4 $cal" ;;
                pf32) opts="--prune 0.9 $cal" ;;
                ps8) opts="--prune 0.9 --precision int8 $cal" ;;
                ps16) opts="--prune 0.9 --precision int16 $cal" ;;
            esac
            prec=$(echo "$p" | sed 's/^p//; s/^s/int/; s/^f32$/float32/')
            [ "$prec" = int4 ] && prec=int8 # the int4 cases: int8 activations
            grep -q "^$c $prec " "$UNSUP" 2>/dev/null && continue
            echo "f_${c}_$p $CASES/$c/model.xml $CASES/$c/input.npy $opts" >> "$vf"
        done
    done
    names=$(awk '{ print $1 }' "$vf")
    if [ $add -eq 1 ]; then
        # the measured cases of the last run that are not measured again
        awk 'NR == FNR { new[$1] = 1; next } !($1 in new)' "$vf" "$vf.old" > "$vf.keep"
        cat "$vf.keep" >> "$vf"
    fi
    elfs=$(for n in $names; do echo "$K/m4/$n.elf $K/m7/$n.elf"; done)
    echo "bench-fit: building $(echo "$names" | wc -w) models for M4 and M7 under $K"
    # shellcheck disable=SC2086
    make -s -j"$JOBS" TGT="$K" TGT_VARIANTS_FILE="$vf" TGT_STOIC=bin/stoic $elfs "$K/stoic_trace.so"
    echo "bench-fit: measuring $(echo "$names" | wc -w) models"
    echo "$names" | tr ' ' '\n' | grep . |
        TGT=$K OUT=$K/m BENCH_PARTS=qemu xargs -P "$JOBS" -I{} sh bench/measure.sh {} 2> "$K/measure.log" || true
    grep -h "bench:" "$K/measure.log" | head -20 || true
    names=$(awk '{ print $1 }' "$vf")
else
    # the trip counts of the current generator, on the last measurements:
    # each model generated again, its C sources compared with the measured
    # ones (a change of the generated code needs the full run)
    names=$(awk '{ print $1 }' "$vf")
    echo "bench-fit: --refit: generating $(echo "$names" | wc -w) models again for their reports"
    mkdir -p "$K/regen"
    stale=0
    for n in $names; do
        line=$(awk -v v="$n" '$1 == v' "$vf")
        # shellcheck disable=SC2086
        set -- $line
        model=$2
        shift 3
        rm -rf "$K/regen/$n"
        bin/stoic generate "$model" -o "$K/regen/$n" --name "$n" "$@" > /dev/null 2>&1 || { stale=$((stale + 1)); continue; }
        same=1
        for f in "$K/gen/$n"/*.c "$K/gen/$n"/*.h; do
            cmp -s "$f" "$K/regen/$n/$(basename "$f")" || same=0
        done
        if [ $same -eq 1 ] && [ -d "$K/m/$n" ]; then
            awk -f bench/report.awk "$K/regen/$n/${n}_report.json" > "$K/m/$n/report.tsv"
        else
            stale=$((stale + 1))
            rm -rf "$K/m/$n"
        fi
    done
    [ $stale -eq 0 ] || echo "bench-fit: --refit: $stale models generate other code now: left out (run make bench-fit)"
fi

: > "$rows"
for n in $names; do
    d=$K/m/$n
    [ -f "$d/figures.tsv" ] || continue
    grep -q '	error	' "$d/figures.tsv" && continue
    # one row per layer with a key in the cost table (one kind of kernel), per core
    awk -F '\t' '
        FILENAME == ARGV[1] && $1 == "layer" && $6 != "-" { kern[$3] = $6; work[$3] = $8; order[++n] = $3 }
        FILENAME == ARGV[2] {
            if ($2 ~ /^layer:/) { l = substr($2, 7); val[l, $3] = $4 }
            else if ($2 == "frame") val["\001frame", $3] = $4
            else if ($2 == "net") val["\001net", $3] = $4
        }
        END {
            split("ldst branch mul other div mem taken", cl, " ")
            for (c = 1; c <= 2; c++) {
                core = (c == 1) ? "m4" : "m7"
                if (!(("\001net", core ".insns") in val)) continue
                for (i = 1; i <= n; i++) {
                    l = order[i]
                    if (!((l, core ".insns") in val)) continue
                    line = "row\t" kern[l] "\t" core
                    m = split(work[l], w, ",")
                    for (j = 1; j <= m; j++) line = line "\t" w[j]
                    for (j = 1; j <= 7; j++) line = line "\t" val[l, core "." cl[j]]
                    print line
                }
                line = "frame\t" core
                for (j = 1; j <= 7; j++) line = line "\t" val["\001frame", core "." cl[j]]
                print line
            }
        }' "$d/report.tsv" "$d/figures.tsv" >> "$rows"
done
echo "bench-fit: $(grep -c '^row' "$rows") layer measurements from $(ls "$K/m" | wc -l) models"

# ---- 2. the runtime's stack, per function with its callees ------------------
for core in m4 m7; do
    case $core in m4) flags=$M4_FLAGS ;; m7) flags=$M7_FLAGS ;; esac
    d=$(pwd)/$K/rt-$core
    rm -rf "$d"
    mkdir -p "$d"
    for f in runtime/*.c; do
        # shellcheck disable=SC2086
        (cd "$d" && arm-none-eabi-gcc $flags $CFLAGS_GEN -I"$RT" -c \
            -fstack-usage -fcallgraph-info=su -o "$(basename "$f" .c).o" "$RT/$(basename "$f")")
    done
    fns=$(cat "$d"/*.su | awk -F '\t' '{ n = $1; sub(/.*:/, "", n); print n }' | LC_ALL=C sort -u)
    # shellcheck disable=SC2086
    awk -v roots="$(echo $fns)" -f bench/stack.awk "$d"/*.ci > "$d/stack.txt" ||
        { echo "bench-fit: runtime stack ($core):"; grep '^error' "$d/stack.txt"; exit 1; }
    awk -v core="$core" '$1 == "stack" { printf "stack\t%s\t%s\t%s\n", $2, core, $3 }' "$d/stack.txt" >> "$rows"
done

# ---- 3. the fit ----------------------------------------------------------------
mkdir -p bin
cc -std=c99 -O2 -Wall -Wextra -Wconversion -Wshadow -Werror -o bin/costfit bench/tools/costfit.c -lm
tool="arm-none-eabi-gcc $(arm-none-eabi-gcc -dumpversion) $CFLAGS_GEN (target/target.mk), M4: $M4_FLAGS; M7: $M7_FLAGS"
bin/costfit "$tool" "$(sh bench/runtime-sha.sh)" < "$rows" > "$TABLE.tmp"
mv "$TABLE.tmp" "$TABLE"
echo "bench-fit: wrote $TABLE in $(( $(date +%s) - t0 )) s (rebuild bin/stoic, then make bench)"

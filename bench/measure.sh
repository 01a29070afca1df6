#!/bin/sh
# bench/measure.sh VARIANT -- every figure of one build, measured (make bench,
# make bench-fit). Writes $OUT/VARIANT/figures.tsv, one figure a line:
#   VARIANT SCOPE METRIC VALUE        (tab-separated)
# SCOPE is "net" (the whole NAME_run), "frame" (NAME_run's own instructions
# and the probe's call around it: what no layer accounts for) or
# "layer:NAME"; METRIC and VALUE as in bench/README.md.
#
# The build is the one make cross made for target-check: $TGT/gen/VARIANT
# (stoic generate), $TGT/{m4,m7}/VARIANT.elf. What it measures:
#  - M4 and M7: the harness under qemu-system-arm -icount shift=0 with the
#    trace plugin (stoic_trace.so) told NAME_run's address range (run=) and
#    which of its instructions belong to which kernel call (segs=,
#    target/segmap.sh, from the debug information: a kernel inlined into
#    NAME_run counts as its call), so the first probe window of NAME_run
#    (inputs all zeros: the path is the same for every input, target-check
#    proves it) comes split by the calls, matched in order with the layers'
#    kernels in NAME_report.json; segment 0 is NAME_run's own (prologue,
#    epilogue). Every NAME_run window must be identical.
#  - flash and RAM: every generated .c compiled as make cross compiles it,
#    plus -fstack-usage -fcallgraph-info=su; arm-none-eabi-size of each
#    object (code: .text; constants: .rodata; RAM: .data, .bss; the arena:
#    NAME_ARENA_SIZE of NAME.h); the worst-case stack of NAME_run and
#    NAME_run_float from the call graph (bench/stack.awk).
#  - the host: one NAME_run under callgrind (bench/tools/hostrun.c, cc -O2).
#  - the generator's own estimates, from NAME_report.json.
#
# Environment: TGT (build/target), OUT (build/bench), STOIC_PLUGIN
# ($TGT/stoic_trace.so), BENCH_PARTS ("qemu size host": which parts),
# HOST_CC (cc).
set -eu
v=$1
TGT=${TGT:-build/target}
OUT=${OUT:-build/bench}
PARTS=${BENCH_PARTS:-qemu size host}
HOST_CC=${HOST_CC:-cc}
gen=$TGT/gen/$v
O=$OUT/$v
rm -rf "$O"
mkdir -p "$O"
TA=$(cd "$TGT" && pwd)
OA=$(cd "$O" && pwd)
GA=$TA/gen/$v
PLUGIN=${STOIC_PLUGIN:-$TA/stoic_trace.so}
fig=$OA/figures.tsv
: > "$fig"
err() { echo "bench: $v: $*" >&2; echo "$v	net	error	1" >> "$fig"; fail=1; }
put() { printf '%s\t%s\t%s\t%s\n' "$v" "$1" "$2" "$3" >> "$fig"; }
fail=0

M4_FLAGS="-mcpu=cortex-m4 -mthumb -mfpu=fpv4-sp-d16 -mfloat-abi=hard"
M7_FLAGS="-mcpu=cortex-m7 -mthumb -mfpu=fpv5-d16 -mfloat-abi=hard"
# the generated code's flags (target/target.mk TGT_CFLAGS)
CFLAGS_GEN="-std=c99 -O2 -g -ffp-contract=off -pedantic -Wall -Wextra -Wconversion -Wshadow -Werror"

report=$gen/${v}_report.json
[ -f "$report" ] || { err "no $report (make cross first)"; exit 1; }
awk -f bench/report.awk "$report" > "$OA/report.tsv"

# ---- the generator's figures ----------------------------------------------
awk -F '\t' -v v="$v" '
    function put(s, m, x) { printf "%s\t%s\t%s\t%s\n", v, s, m, x }
    $1 == "layer" {
        s = "layer:" $3
        put(s, "index", $2); put(s, "op", $4); put(s, "kernels", $5); put(s, "macs", $7)
        if ($9 != "-") {
            split($9, e, ",")
            put(s, "est.m4.insns", e[1]); put(s, "est.m4.cycles", e[2])
            put(s, "est.m7.insns", e[3]); put(s, "est.m7.cycles", e[4])
        }
    }
    $1 == "net" {
        put("net", "macs", $2)
        if ($4 != "-") {
            split($4, e, ",")
            put("net", "est.m4.insns", e[1]); put("net", "est.m4.cycles", e[2])
            put("net", "est.m7.insns", e[3]); put("net", "est.m7.cycles", e[4])
        }
        split($5, st, ",")
        if (st[1] != "-") { put("net", "est.m4.stack.run", st[1]); put("net", "est.m4.stack.run_float", st[2]) }
        if (st[3] != "-") { put("net", "est.m7.stack.run", st[3]); put("net", "est.m7.stack.run_float", st[4]) }
    }' "$OA/report.tsv" >> "$fig"

# the arena: NAME_ARENA_SIZE of the generated header (the report must agree)
arena=$(sed -n 's/^#define [A-Z0-9_]*_ARENA_SIZE  *\([0-9]*\)U*$/\1/p' "$gen/$v.h")
if [ -z "$arena" ]; then
    err "no NAME_ARENA_SIZE in $gen/$v.h"
elif [ "$arena" != "$(awk -F '\t' '$1 == "net" { print $3 }' "$OA/report.tsv")" ]; then
    err "NAME_ARENA_SIZE $arena differs from the report's arena_bytes"
else
    put net ram.arena "$arena"
fi

# ---- QEMU: M4 and M7, split by NAME_run's calls ----------------------------
qemu_core() { # CORE
    core=$1
    elf=$TA/$core/$v.elf
    d=$OA/$core
    mkdir -p "$d"
    : > "$d/in.raw"
    : > "$d/probe_in.raw"
    board=mps2-an386
    [ "$core" = m7 ] && board=mps2-an500
    syms=$(arm-none-eabi-nm -S "$elf")
    addr() { echo "$syms" | awk -v s="$1" '$NF == s { print "0x" $1; exit }'; }
    range=$(echo "$syms" | awk -v s="${v}_run" '$NF == s { print $1, $2; exit }')
    [ -n "$range" ] || { err "$core: no ${v}_run in $elf"; return; }
    lo=$((0x${range% *}))
    hi=$((lo + 0x${range#* }))
    # which of NAME_run's instructions belong to which kernel call (inlined or not)
    sh target/segmap.sh "$elf" "$GA/$v.c" "${v}_run" > "$d/segs.txt" ||
        { err "$core: no segment map of ${v}_run"; return; }
    (cd "$d" && timeout 600 qemu-system-arm -M $board -nographic -monitor none -serial none \
        -icount shift=0 -semihosting-config enable=on,target=native \
        -plugin "$PLUGIN,begin=$(addr stoic_probe_begin),end=$(addr stoic_probe_end),out=trace.txt,run=$(printf '0x%x:0x%x' $lo $hi),segs=segs.txt" \
        -kernel "$elf" > console.txt 2>&1) || { err "$core: the harness failed"; tail -3 "$d/console.txt" >&2; return; }
    # the windows of NAME_run: all identical; the first with its segments
    awk -v core="$core" -v v="$v" -v layers="$OA/report.tsv" -f bench/model.awk -f bench/segments.awk \
        "$d/console.txt" "$d/trace.txt" > "$d/figures.tsv" ||
        { err "$core: $(grep '^error' "$d/figures.tsv" | head -3 | tr '\n' ' ')"; return; }
    grep -v '^error' "$d/figures.tsv" >> "$fig"
}


# ---- flash, RAM, stack: the generated sources for each core ------------------
size_core() { # CORE
    core=$1
    case $core in m4) flags=$M4_FLAGS ;; m7) flags=$M7_FLAGS ;; esac
    d=$OA/obj-$core
    mkdir -p "$d"
    for f in "$gen"/*.c; do
        b=$(basename "$f" .c)
        # shellcheck disable=SC2086
        (cd "$d" && arm-none-eabi-gcc $flags $CFLAGS_GEN -I"$GA" -c \
            -fstack-usage -fcallgraph-info=su -o "$b.o" "$GA/$b.c") ||
            { err "$core: cannot compile $b.c"; return; }
    done
    arm-none-eabi-size -A "$d"/*.o | awk -v v="$v" -v core="$core" -v model="$v" '
        / :$/ { f = $1; sub(/.*\//, "", f); next }
        $1 ~ /^\.text/ { if (f == model ".o") code_model += $2; else if (f ~ /^stoic_/) code_rt += $2; else code_other += $2 }
        $1 ~ /^\.rodata/ { if (f == model "_weights.o") c_w += $2; else if (f == model ".o") c_p += $2; else c_rt += $2 }
        $1 ~ /^\.data/ { data += $2 }
        $1 ~ /^\.bss/ { bss += $2 }
        END {
            p = v "\tnet\t" core "."
            print p "flash.code.model\t" code_model + 0
            print p "flash.code.runtime\t" code_rt + 0
            print p "flash.const.weights\t" c_w + 0
            print p "flash.const.params\t" c_p + 0
            print p "flash.const.runtime\t" c_rt + 0
            print p "ram.data\t" data + 0
            print p "ram.bss\t" bss + 0
        }' >> "$fig"
    if awk -v roots="${v}_run ${v}_run_float" -f bench/stack.awk "$d"/*.ci > "$d/stack.txt"; then
        awk -v v="$v" -v core="$core" -v run="${v}_run" '
            $1 == "stack" { m = ($2 == run) ? "run" : "run_float"
                            printf "%s\tnet\t%s.stack.%s\t%s\n", v, core, m, $3 }' "$d/stack.txt" >> "$fig"
        awk -v v="$v" -v core="$core" -v run="${v}_run" '
            $1 == "stack" { m = ($2 == run) ? "run" : "run_float"
                            printf "%s\tnet\t%s.stack.%s.path\t%s\n", v, core, m, $4 }' "$d/stack.txt" >> "$fig"
    else
        err "$core: stack: $(grep '^error' "$d/stack.txt" | head -3 | tr '\n' ' ')"
    fi
    # NAME_run's and NAME_run_float's own frames (to compare with cost_frame_bound)
    awk -v v="$v" -v core="$core" -F '\t' '
        { n = $1; sub(/.*:/, "", n) }
        n == v "_run" { printf "%s\tnet\t%s.frame.run\t%s\n", v, core, $2 }
        n == v "_run_float" { printf "%s\tnet\t%s.frame.run_float\t%s\n", v, core, $2 }' \
        "$d/$v.su" >> "$fig"
}

# ---- the host: callgrind ------------------------------------------------------
host_part() {
    d=$OA/host
    mkdir -p "$d"
    uc=$(echo "$v" | tr 'a-z' 'A-Z')
    # shellcheck disable=SC2086
    $HOST_CC -std=c99 -O2 -g -ffp-contract=off -DMODEL="$v" -DMODEL_UC="$uc" -I"$gen" \
        -o "$d/hostrun" bench/tools/hostrun.c "$gen"/*.c ||
        { err "host: cannot build bench/tools/hostrun.c"; return; }
    if valgrind --tool=callgrind --toggle-collect="${v}_run" --callgrind-out-file="$d/cg.out" \
        "$d/hostrun" > "$d/run.log" 2>&1; then
        n=$(sed -n 's/^summary: *//p; s/^totals: *//p' "$d/cg.out" | head -1)
        [ -n "$n" ] && put net host.ir "$n" || err "host: no count in callgrind's output"
    else
        err "host: callgrind failed"
    fi
}

for p in $PARTS; do
    case $p in
        qemu) qemu_core m4; qemu_core m7 ;;
        size) size_core m4; size_core m7 ;;
        host) host_part ;;
    esac
done
exit $fail

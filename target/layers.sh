#!/bin/sh
# target/layers.sh NAME MODEL INPUT.npy [stoic generate options] -- the
# instructions of each layer of NAME_run on Cortex-M4 (or CORE=m7), as
# target/check.sh builds and runs it (arm-none-eabi-gcc, TGT_OPT or -O2,
# QEMU mps2 with the trace plugin). A measuring tool, not a test.
#
# It generates MODEL into $LAYERS_DIR (build/layers)/NAME, puts every kernel
# call of NAME_run between two extra marker functions (and one empty pair
# first, whose count is the markers' own cost), runs the harness under the
# plugin with those markers and prints, for the first probe run of NAME_run,
# one line per call: instructions (markers' cost subtracted), then the
# call's comment (the layer). The last line is the sum. The harness's
# first probe input is used; the count is the same for every input (make
# target-check checks that on the unpatched code).
#
# With PROF=FILE it also writes FILE, a profile: the disassembly of every
# function executed inside the markers, each instruction with the number of
# times it ran (over all the layer windows of the run), hottest function
# first.
#
# Needs bin/stoic (or STOIC), bin/npyraw and build/target/stoic_trace.so
# (make bin/npyraw target-plugin).
set -eu
[ $# -ge 3 ] || { echo "usage: target/layers.sh NAME MODEL INPUT.npy [generate options]" >&2; exit 2; }
name=$1 model=$2 input=$3
shift 3
core=${CORE:-m4}
W=${LAYERS_DIR:-build/layers}/$name
STOIC=${STOIC:-bin/stoic}
rm -rf "$W"
mkdir -p "$W/cfg" "$W/run"
W=$(cd "$W" && pwd)
"$STOIC" generate "$model" -o "$W/gen" --name "$name" "$@" > "$W/generate.log"
sh target/harness/cfg.sh "$name" "$W/gen" > "$W/cfg/harness_cfg.h"
# every kernel call of NAME_run between the layer markers
awk -v fn="${name}_run" '
    $0 ~ "^void " fn "\\(" { print "void stoic_layer_begin(void);\nvoid stoic_layer_end(void);"; inrun = 1 }
    inrun && /^{$/ { print; print "    stoic_layer_begin();\n    stoic_layer_end();"; next }
    inrun && /^}$/ { inrun = 0 }
    inrun && /^    stoic_[a-z0-9_]*\(/ { print "    stoic_layer_begin();"; print; print "    stoic_layer_end();"; next }
    { print }' "$W/gen/$name.c" > "$W/gen/$name.c.new"
mv "$W/gen/$name.c.new" "$W/gen/$name.c"
cat > "$W/layer_marks.c" <<'EOF'
#include <stdint.h>
void stoic_layer_begin(void);
void stoic_layer_end(void);
volatile uint32_t stoic_layer_state;
__attribute__((noinline, noipa)) void stoic_layer_begin(void) { stoic_layer_state = 1U; }
__attribute__((noinline, noipa)) void stoic_layer_end(void) { stoic_layer_state = 2U; }
EOF
case $core in
    m4) flags="-mcpu=cortex-m4 -mthumb -mfpu=fpv4-sp-d16 -mfloat-abi=hard" board=mps2-an386 ;;
    m7) flags="-mcpu=cortex-m7 -mthumb -mfpu=fpv5-d16 -mfloat-abi=hard" board=mps2-an500 ;;
    *) echo "layers.sh: CORE is m4 or m7" >&2; exit 2 ;;
esac
uc=$(echo "$name" | tr a-z A-Z)
# shellcheck disable=SC2086
arm-none-eabi-gcc $flags -std=c99 ${TGT_OPT:--O2} -g -ffp-contract=off -pedantic -Wall -Wextra \
    -Wconversion -Wshadow -Werror -DMODEL="$name" -DMODEL_UC="$uc" -I"$W/gen" -I"$W/cfg" \
    -Itarget/harness -Itarget/bare -nostartfiles -T target/bare/mps2.ld -Wl,--gc-sections \
    -o "$W/$name.elf" target/bare/startup.S target/bare/semihost.c target/harness/hio_semihost.c \
    target/harness/harness.c target/harness/probe.c "$W/layer_marks.c" "$W/gen"/*.c
bin/npyraw rows "$input" 0 1 "$W/run/in.raw" "$W/run/rows.npy"
bin/npyraw rows "$input" 0 1 "$W/run/probe_in.raw" "$W/run/probe_rows.npy"
sym() { arm-none-eabi-nm "$W/$name.elf" | awk -v s="$1" '$3 == s { print "0x" $1 }'; }
plugin=${TRACE_PLUGIN:-$(cd build/target && pwd)/stoic_trace.so}
profarg=
[ -z "${PROF:-}" ] || profarg=",prof=prof.txt"
(cd "$W/run" && timeout 600 qemu-system-arm -M $board -nographic -monitor none -serial none \
    -icount shift=0 -semihosting-config enable=on,target=native \
    -plugin "$plugin,begin=$(sym stoic_layer_begin),end=$(sym stoic_layer_end),out=trace.txt$profarg" \
    -kernel "../$name.elf" > console.txt 2>&1)
awk -v fn="${name}_run" '
    $0 ~ "^void " fn "\\(" { inrun = 1 }
    inrun && /^}$/ { inrun = 0 }
    inrun && /^    \/\* / { c = $0; sub(/^    \/\* /, "", c); sub(/ \*\/$/, "", c) }
    inrun && /^    stoic_[a-z0-9_]*\(/ && !/stoic_layer_/ { k = $0; sub(/^    /, "", k); sub(/\(.*/, "", k); print k "\t" c }
' "$W/gen/$name.c" > "$W/calls.txt"
n=$(wc -l < "$W/calls.txt")
awk -v n="$n" -v calls="$W/calls.txt" '
    BEGIN { while ((getline l < calls) > 0) { split(l, f, "\t"); k[++m] = f[1]; c[m] = f[2] } }
    $1 == "window" && $2 == 1 { base = $4 }
    $1 == "window" && $2 >= 2 && $2 <= n + 1 {
        i = $2 - 1; v = $4 - base; tot += v
        printf "%9d  %-24s %s\n", v, k[i], c[i]
    }
    END { printf "%9d  total of %d calls (markers: %d instructions per window, subtracted)\n", tot, n, base }
' "$W/run/trace.txt"
if [ -n "${PROF:-}" ]; then
    arm-none-eabi-objdump -d --no-show-raw-insn "$W/$name.elf" > "$W/run/dis.txt"
    awk -v prof="$W/run/prof.txt" '
        BEGIN { while ((getline l < prof) > 0) { split(l, f, " "); h[f[1]] += f[2] } }
        /^[0-9a-f]+ <.*>:$/ { fn = $2; n++; name[n] = fn; next }
        /^ *[0-9a-f]+:\t/ {
            a = $1; sub(/:$/, "", a); while (length(a) < 8) a = "0" a
            body[n] = body[n] sprintf("%10s  %s\n", (a in h) ? h[a] : "", $0)
            if (a in h) tot[n] += h[a]
        }
        END {
            print "# instructions executed inside the layer windows (target/layers.sh PROF=FILE)"
            for (i = 1; i <= n; i++) if (tot[i] > 0) printf "%10d  %s\n", tot[i], name[i] | "sort -rn"
            close("sort -rn")
            for (i = 1; i <= n; i++) if (tot[i] > 0) { printf "\n%s %d\n%s", name[i], tot[i], body[i] }
        }' "$W/run/dis.txt" > "$PROF"
fi

#!/bin/sh
# bench/plainc.sh -- the baseline of the pooling target: plain C loops
# (bench/plainc/pool.c) for each int8 pooling layer of the examples,
# compiled as the generated code is (arm-none-eabi-gcc -O2, Cortex-M4) and
# counted under QEMU with the trace plugin, next to the instructions of
# stoic's kernel for the same layer (bench/results.tsv, make bench).
# Writes the table to stdout (make bench-plainc: bench/PLAINC.md).
#
#   sh bench/plainc.sh [RESULTS.tsv]
#
# Environment: TGT (build/target), PLAINC_DIR (build/plainc), PLAINC_REUSE.
# Needs arm-none-eabi-gcc, qemu-system-arm and build/target/stoic_trace.so
# (make target-plugin). Exit 1 when a build or a run fails.
set -eu
res=${1:-bench/results.tsv}
TGT=${TGT:-build/target}
W=${PLAINC_DIR:-build/plainc}
mkdir -p "$W"
plugin=$(cd "$TGT" && pwd)/stoic_trace.so
[ -f "$plugin" ] || { echo "bench/plainc.sh: no $plugin (make target-plugin)" >&2; exit 1; }
cc=${TGT_ARM_CC:-arm-none-eabi-gcc}
# variant, layer, op (1 max, 2 average, 3 global average), H W C K S P OH OW
layers='digits_s8 pool1 1 8 8 8 2 2 0 4 4
digits_s8 pool2 1 4 4 16 2 2 0 2 2
dsconv_s8 /features/features.10/features.10.0/AveragePool 2 4 4 16 2 2 1 3 3
dsconv_s8 /features/features.17/GlobalAveragePool 3 3 3 24 3 1 0 1 1'
echo "| layer | input elements | plain C loops (M4 instructions) | per input element | stoic (M4 instructions, make bench) | per input element | stoic / plain C |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
echo "$layers" | while read -r v l op h w c k s p oh ow; do
    n=$(echo "$v $l" | tr -c 'a-zA-Z0-9_\n' '_')
    elf=$W/$n.elf
    # PLAINC_REUSE=1: the programs of a previous run in the same directory
    [ "${PLAINC_REUSE:-0}" = 1 ] && [ -f "$elf" ] || "$cc" -mcpu=cortex-m4 -mthumb -mfpu=fpv4-sp-d16 -mfloat-abi=hard -std=c99 -O2 \
        -DOP="$op" -DH="$h" -DW="$w" -DC="$c" -DK="$k" -DS="$s" -DP="$p" -DOH="$oh" -DOW="$ow" \
        -Itarget/bare -Itarget/harness -nostartfiles -T target/bare/mps2.ld -Wl,--gc-sections \
        -o "$elf" target/bare/startup.S target/bare/semihost.c target/harness/probe.c \
        bench/plainc/pool.c
    sym() { arm-none-eabi-nm "$elf" | awk -v s="$1" '$3 == s { print "0x" $1 }'; }
    rm -f "$W/$n.trace"
    timeout 120 qemu-system-arm -M mps2-an386 -nographic -monitor none -serial none \
        -icount shift=0 -semihosting-config enable=on,target=native \
        -plugin "$plugin,begin=$(sym stoic_probe_begin),end=$(sym stoic_probe_end),out=$W/$n.trace" \
        -kernel "$elf" > /dev/null 2>&1 || true
    plain=$(awk '$1 == "window" { print $4 }' "$W/$n.trace" 2>/dev/null)
    [ -n "$plain" ] || { echo "bench/plainc.sh: no count for $v $l" >&2; exit 1; }
    ours=$(awk -F '\t' -v v="$v" -v l="layer:$l" '$1 == v && $2 == l && $3 == "m4.insns" { print $4 }' "$res")
    awk -v v="$v" -v l="$l" -v e=$((h * w * c)) -v pl="$plain" -v o="${ours:-}" 'BEGIN {
        if (o == "") printf "| %s %s | %d | %d | %.1f | – | – | – |\n", v, l, e, pl, pl / e
        else printf "| %s %s | %d | %d | %.1f | %d | %.1f | %.2f |\n", v, l, e, pl, pl / e, o, o / e, o / pl }'
done

#!/bin/sh
# target/kernels.sh [CASE...] -- make target-kernels: every runtime kernel on
# the target. Each end-to-end case of tests/e2e/cases (one model per
# operator and feature), in float32, int8 and int16 (calibrated on its own
# input, as tests/e2e/quant.sh does; the pairs listed in
# tests/e2e/quant_unsupported.txt are skipped), goes through target/check.sh
# on Cortex-M4 and Cortex-M7: outputs bit-identical to stoic eval on the
# case's input, one PC-trace hash for every probe input, no division or
# helper call on the run path. Longer than make target-check (about 400
# builds); not part of it.
set -eu
K=${TGT_KERNELS:-build/target-kernels}
CASES=tests/e2e/cases
UNSUP=tests/e2e/quant_unsupported.txt
mkdir -p "$K"
vf=$K/variants.txt
if [ $# -gt 0 ]; then
    list="$*"
else
    list=$(cd "$CASES" && for d in *; do [ -f "$d/model.xml" ] && echo "$d"; done)
fi
: > "$vf"
for c in $list; do
    for p in f32 s8 s16; do
        case $p in
            f32) opts="" ;;
            s8) opts="--precision int8 --calib $CASES/$c/input.npy" ;;
            s16) opts="--precision int16 --calib $CASES/$c/input.npy" ;;
        esac
        prec=$(echo "$p" | sed 's/^s/int/')
        grep -q "^$c $prec " "$UNSUP" 2>/dev/null && continue
        echo "k_${c}_$p $CASES/$c/model.xml $CASES/$c/input.npy $opts" >> "$vf"
    done
done
names=$(awk '{ print $1 }' "$vf")
elfs=$(for n in $names; do echo "$K/m4/$n.elf $K/m7/$n.elf"; done)
# shellcheck disable=SC2086
make -s -j"${TARGET_JOBS:-2}" TGT="$K" TGT_VARIANTS_FILE="$vf" $elfs "$K/stoic_trace.so" \
    bin/npyraw bin/stoic bin/npycmp
# shellcheck disable=SC2086
TGT="$K" TGT_VARIANTS_FILE="$vf" TGT_CHECK_CORES="m4 m7" TGT_NEG= TARGET_ROWS=all \
    sh target/check.sh $names

#!/bin/sh
# make misra: cppcheck's MISRA C:2012 addon on runtime/ and on the output of
# every build of certification/misra/variants.txt (generated here with the
# sanitizer build of stoic), with the project's rule texts; findings minus
# the deviations of deviations.md -> build/misra/misra.json; exit 1 on any
# undeviated finding, a deviation that matches nothing, or a stale
# suppressions.txt / compliance.md. Run from the repository root.
#
#   sh certification/misra/run.sh [--update | --strict]
#
# --update rewrites certification/misra/suppressions.txt, compliance.md and
# open-findings.txt instead of failing when they differ from what the
# sources give. Without --strict, an undeviated finding listed in
# open-findings.txt (known, not yet fixed or deviated) does not fail, every
# other one does, and so does a listed one that is no longer found;
# --strict fails on every undeviated finding.
set -u
. tests/common.sh
M=certification/misra
B=${MISRA_BUILD:-build/misra}
PY=${PYTHON:-/usr/bin/python3}
TOOL="$PY $M/misra_tool.py"
# a generated file larger than this is not analysed (recorded in the log):
# mlp_f32_weights.c (266,610 float constants, 0.8 MB) alone takes cppcheck
# over 8 minutes, mlp_s8_weights.c and mlp_s16_weights.c (160 KB) 6.5 s
# each; they are tables of constants, and smaller weight files of every
# kind come from the same emitter code and are analysed (digits_s8 and
# _s16, mlp_s4, mlp_sp8, mlp_lr8, digits_f32, ...; none has a finding)
MAX_BYTES=${MISRA_MAX_BYTES:-100000}
UPDATE=0
STRICT=0
[ "${1:-}" = "--update" ] && UPDATE=1
[ "${1:-}" = "--strict" ] && STRICT=1

ADDON=
for d in /usr/lib/*/cppcheck/addons /usr/share/cppcheck/addons; do
    [ -f "$d/misra.py" ] && ADDON=$d/misra.py && break
done
if [ -z "$ADDON" ] || ! command -v cppcheck >/dev/null 2>&1; then
    echo "misra: error: cppcheck and its MISRA addon are needed (Debian: cppcheck; make deps)"
    exit 1
fi
VERSION=$(cppcheck --version | sed 's/^Cppcheck //')
mkdir -p "$B/res" "$B/out" "$B/app" "$B/cache"
rm -f "$B"/res/*.txt

# 1. rule texts, the addon's own list of rules, the addon's configuration
$TOOL ruletexts $M/guidelines.txt "$B/rule-texts.txt" || exit 1
$PY -c "import sys; sys.path.insert(0, '$(dirname "$ADDON")'); import misra; \
print('\n'.join(misra.getAddonRules()))" > "$B/addon-rules.txt" || exit 1
printf '{ "script": "%s", "args": [ "--rule-texts=%s" ] }\n' "$ADDON" "$(pwd)/$B/rule-texts.txt" \
    > "$B/misra-addon.json"
# the cache (cppcheck --cppcheck-build-dir) is per unit and per rule texts
KEY=$( { cat "$B/rule-texts.txt" "$ADDON"; echo "$PY"; } | sha256sum | cut -c1-12)

# 2. the suppressions, generated from the deviation register
rc=0
$TOOL suppressions $M/deviations.md $M/variants.txt . > "$B/suppressions.txt" || exit 1
if ! cmp -s "$B/suppressions.txt" $M/suppressions.txt; then
    if [ $UPDATE = 1 ]; then
        cp "$B/suppressions.txt" $M/suppressions.txt
        echo "misra: wrote $M/suppressions.txt"
    else
        echo "misra: error: $M/suppressions.txt differs from what deviations.md gives" \
             "(never edit it: make misra-update)"
        diff $M/suppressions.txt "$B/suppressions.txt" | head -20
        rc=1
    fi
fi

# 3. the outputs, generated in parallel
if [ ! -f "$B/dsconv.xml" ] || [ examples/dsconv/dsconv.onnx -nt "$B/dsconv.xml" ]; then
    $STOIC import examples/dsconv/dsconv.onnx -o "$B/dsconv.xml" >"$B/import.log" 2>&1 ||
        { cat "$B/import.log"; exit 1; }
fi
awk '!/^#/ && NF' $M/variants.txt | sed "s|@B@|$B|" > "$B/variants.list"
# shellcheck disable=SC2016
# A runtime file an output holds as an identical copy of runtime/ is then
# removed from it (listed in out/NAME.rt) and analysed as runtime/FILE:
# runtime/'s analysis is reused, and NAME.c's #include "stoic_rt.h" finds
# runtime/stoic_rt.h (-Iruntime), the very file the kernels include.
if ! xargs -P "$JOBS" -L 1 sh -c 'n=$1; m=$2; shift 2; rm -rf "$0/out/$n"
        "$STOIC" generate "$m" -o "$0/out/$n" --name "$n" "$@" >"$0/out/$n.log" 2>&1 ||
        { echo "misra: error: stoic generate $n failed:"; cat "$0/out/$n.log"; exit 255; }
        : > "$0/out/$n.rt"
        for f in "$0/out/$n"/stoic_*; do
            if cmp -s "$f" "runtime/${f##*/}"; then echo "runtime/${f##*/}" >> "$0/out/$n.rt"; rm "$f"; fi
        done' "$B" \
        < "$B/variants.list"; then
    exit 1
fi

# 4. one cppcheck per unit (runtime/, each output), JOBS at a time. Each
# output is analysed with a stand-in for the application that integrates
# it ($B/app/NAME_app.c: it calls NAME_run and NAME_run_float, and
# NAME_reset, NAME_step and NAME_step_float when NAME.h has the streaming
# API, and uses the macros of NAME.h), so the API is not reported as unused
# (2.5, 8.7); the
# stand-in's own findings are not counted.
for n in $(cut -d' ' -f1 "$B/variants.list"); do
    NAMEU=$(echo "$n" | tr 'a-z' 'A-Z')
    cat > "$B/app/${n}_app.c.tmp" <<EOF
/* Stands for the application that integrates $n (make misra). */
#include "$n.h"
void ${n}_app_step(void);
static ${NAMEU}_INPUT_TYPE ${n}_app_in[${NAMEU}_INPUT_SIZE];
static ${NAMEU}_OUTPUT_TYPE ${n}_app_out[${NAMEU}_OUTPUT_SIZE];
static uint32_t ${n}_app_ram = (uint32_t)${NAMEU}_ARENA_SIZE + (uint32_t)${NAMEU}_SCRATCH_SIZE;
#ifndef ${NAMEU}_NO_FLOAT
static float ${n}_app_fin[${NAMEU}_INPUT_SIZE];
static float ${n}_app_fout[${NAMEU}_OUTPUT_SIZE];
#endif
#ifdef ${NAMEU}_STEPS
static ${NAMEU}_INPUT_TYPE ${n}_app_sin[${NAMEU}_STEP_INPUT_SIZE];
static ${NAMEU}_OUTPUT_TYPE ${n}_app_sout[${NAMEU}_STEP_OUTPUT_SIZE];
static float ${n}_app_sfin[${NAMEU}_STEP_INPUT_SIZE];
static float ${n}_app_sfout[${NAMEU}_STEP_OUTPUT_SIZE];
static uint32_t ${n}_app_state = (uint32_t)${NAMEU}_STATE_SIZE + (uint32_t)${NAMEU}_STEPS +
    (uint32_t)${NAMEU}_STEP_INPUT_INNER + (uint32_t)${NAMEU}_STEP_OUTPUT_PER_STEP +
    (uint32_t)${NAMEU}_STEP_OUTPUT_INNER;
#endif
void ${n}_app_step(void)
{
    ${n}_app_ram = ${n}_app_ram + 1U;
    ${n}_run(${n}_app_in, ${n}_app_out);
#ifndef ${NAMEU}_NO_FLOAT
    ${n}_run_float(${n}_app_fin, ${n}_app_fout);
#endif
#ifdef ${NAMEU}_STEPS
    ${n}_app_state = ${n}_app_state + 1U;
    ${n}_reset();
    ${n}_step(${n}_app_sin, ${n}_app_sout);
    ${n}_step_float(${n}_app_sfin, ${n}_app_sfout);
#endif
}
EOF
    cmp -s "$B/app/${n}_app.c.tmp" "$B/app/${n}_app.c" || mv "$B/app/${n}_app.c.tmp" "$B/app/${n}_app.c"
    rm -f "$B/app/${n}_app.c.tmp"
done
# runtime/ first (JOBS cppcheck jobs); then each output, JOBS at a time,
# with a copy of runtime/'s cache: a runtime file an output holds as an
# identical copy is analysed under its runtime/ name (its analysis is
# reused; the whole-program rules still see every file of the output).
# runtime/ alone is not a program (the generated NAME.c calls its kernels
# and uses its types and macros): the rules on unused declarations and on
# linkage (2.3, 2.4, 2.5, 8.7) are taken from the outputs only.
# shellcheck disable=SC2016
unit='
    u=$1; B=$2; KEY=$3; MAXB=$4; J=$5
    res=$B/res/$u.txt; : > "$res.tmp"
    files=; hdrs=
    if [ "$u" = runtime ]; then
        files=$(ls runtime/*.c); hdrs=$(ls runtime/*.h); extra=; inc=runtime
    else
        dir=$B/out/$u; extra=$B/app/${u}_app.c; inc=$dir
        mkdir -p "$B/cache/$KEY/$u"
        # (not its .dump files: a unit whose analysis is reused needs only
        # its .a1 results and .ctu-info, and the dumps are 3 MB each; no
        # braces pair here: xargs -I would replace them)
        if [ ! -f "$B/cache/$KEY/$u/files.txt" ]; then
            set --
            for c in "$B/cache/$KEY/runtime"/*; do
                case $c in *.dump) ;; *) set -- "$@" "$c" ;; esac
            done
            cp "$@" "$B/cache/$KEY/$u/" || exit 1
        fi
        for f in "$dir"/*.c "$dir"/*.h $(cat "$dir.rt"); do
            g=$f
            case $f in
            *.h) hdrs="$hdrs $g" ;;
            *) if [ "$(wc -c < "$f")" -gt "$MAXB" ]; then
                   echo "misra: note: $f not analysed: $(wc -c < "$f") bytes (MISRA_MAX_BYTES=$MAXB)" >&2
               else
                   files="$files $g"
               fi ;;
            esac
        done
    fi
    for f in $files $hdrs; do printf "FILE\t%s\n" "$f" >> "$res.tmp"; done
    mkdir -p "$B/cache/$KEY/$u"
    # -U__thumb2__: cppcheck would check one more configuration of every
    # file that includes stoic_dsp.h, __thumb2__ alone, in which STOIC_DSP
    # is 0 (no __ARM_FEATURE_DSP) and the code is the default: the
    # same findings (336 on 5 December 2026, compared) for 15 % less CPU
    # shellcheck disable=SC2086
    cppcheck --addon="$B/misra-addon.json" --addon-python="$PY" --std=c99 -q -j "$J" -U__thumb2__ \
        --cppcheck-build-dir="$B/cache/$KEY/$u" \
        -I"$inc" -Iruntime --template="{file}\t{line}\t{column}\t{id}\t{severity}\t{message}" \
        $files $extra 2>&1 | grep -v "^$B/app/" |
        if [ "$u" = runtime ]; then grep -Ev "misra-c2012-(2\.3|2\.4|2\.5|8\.7)	"; else cat; fi >> "$res.tmp"
    mv "$res.tmp" "$res"'
PY=$PY sh -c "$unit" sh runtime "$B" "$KEY" "$MAX_BYTES" "$JOBS"
cut -d' ' -f1 "$B/variants.list" | PY=$PY xargs -P "$JOBS" -I{} sh -c "$unit" sh {} "$B" "$KEY" "$MAX_BYTES" 1

# 5. the findings, the deviations, the JSON
OPEN=$M/open-findings.txt
[ $STRICT = 1 ] || [ $UPDATE = 1 ] && OPEN=
MISRA_OPEN=$OPEN MISRA_VARIANTS=$M/variants.txt \
    $TOOL report $M/suppressions.txt $M/deviations.md $M/guidelines.txt "$VERSION" "$B/misra.json" \
    "$B"/res/*.txt || { [ $UPDATE = 1 ] || rc=1; }
if [ $UPDATE = 1 ]; then
    $TOOL openlist "$B/misra.json" $M/variants.txt > $M/open-findings.txt
    echo "misra: wrote $M/open-findings.txt ($(grep -vc '^#' $M/open-findings.txt) open findings)"
fi

# 6. the compliance matrix
$TOOL compliance $M/guidelines.txt "$B/addon-rules.txt" $M/deviations.md "$B/misra.json" \
    > "$B/compliance.md" || rc=1
if ! cmp -s "$B/compliance.md" $M/compliance.md; then
    if [ $UPDATE = 1 ]; then
        cp "$B/compliance.md" $M/compliance.md
        echo "misra: wrote $M/compliance.md"
    else
        echo "misra: error: $M/compliance.md differs from what this run gives (make misra-update)"
        diff $M/compliance.md "$B/compliance.md" | head -20
        rc=1
    fi
fi
exit $rc

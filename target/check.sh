#!/bin/sh
# target/check.sh VARIANT... -- the target test (make target-check).
#
# For every variant of target/variants.txt (built by make cross into
# $TGT/{m4,m7,ppc}/NAME.elf, and for the host into $TGT/host/NAME):
#
#  1. Bit-identical outputs. The first TARGET_ROWS rows (default 100) of the
#     variant's validation input run through NAME_run_float on Cortex-M4
#     (qemu-system-arm -M mps2-an386), Cortex-M7 (-M mps2-an500), big-endian
#     PowerPC (qemu-ppc) and the host; each output file must equal, byte
#     for byte, `stoic eval` of the same rows with the same options. Every
#     file the harness reads or writes is little-endian on every target.
#  2. Deterministic timing. The harness runs NAME_run between the probe
#     markers on 11 synthetic inputs (for an integer model: zeros, the
#     type's minimum and maximum, both alternations of them, the zero point,
#     three random vectors, values near the zero point, a ramp; for a float
#     model: zeros, -0, +-FLT_MAX, alternating extremes, +-1e6, a denormal,
#     +-inf, NaN, two random vectors) and 4 real rows (quantized by the
#     model's own input quantization for an integer model), and an integer
#     model's float wrapper NAME_run_float on the float inputs and the real
#     rows; a model with the streaming API (README "Streaming") also
#     NAME_reset and NAME_step on the same patterns and on the real rows as
#     streams (target/harness/harness.c), the stream of a real row equal to
#     NAME_run's output when every output is the last step's. On M4 and
#     M7, under the trace plugin (-icount shift=0), every
#     window of one function must have the same instruction count, class
#     counts, memory accesses and PC-trace hash. The outputs of all probe
#     runs must be identical on M4, M7, PowerPC and the host.
#  3. No division instruction and no compiler-helper or library call on the
#     run path of NAME_run and NAME_run_float (and NAME_step, NAME_reset)
#     (target/runpath.awk on the
#     M4 and M7 disassembly, following every call from those functions);
#     and runtime/stoic_requant.c has no conditional branch, division or
#     helper call when compiled for M4 and M7 at -O0, -O1, -O2, -O3, -Os.
#     The loop annotations for aiT: per entry function (NAME_run,
#     NAME_run_float, NAME_step, NAME_reset), the natural loops of the
#     functions it reaches (target/loops.awk) with the bounds the plugin
#     measured per call site (loops=, heads=), the same in every probe run,
#     written as AIS by target/ais.awk to $TGT/ais/{m4,m7}/NAME.ais (README
#     "Loop annotations for aiT").
#  4. The negative control: TGT_NEG (default mlp_s8) built with the
#     data-dependent output stages of target/negative/relu_shortcut.c and
#     relu_shortcut_pk.h (the packed kernels' output stage) must
#     still give bit-identical outputs, and step 2 must FAIL on it (its
#     hashes differ between inputs): the test can see what it looks for.
#
# Environment: TGT (build/target), TARGET_ROWS (100; "all": the whole
# validation file, whose first 4 rows are then the probe's real rows too),
# TARGET_JOBS (2: QEMU runs in parallel), TGT_NEG (mlp_s8; empty: no
# negative control), TGT_VARIANTS_FILE (target/variants.txt),
# TGT_CHECK_CORES ("m4 m7 ppc host"; m4 is always needed). Exit status 0
# when everything holds.
# REQ: REQ-GEN-001 REQ-GEN-006 REQ-DET-001 REQ-DET-002 REQ-TGT-001 REQ-GEN-013 REQ-DET-006 REQ-GEN-016
set -eu

B=${TGT:-build/target}
ROWS=${TARGET_ROWS:-100}
JOBS=${TARGET_JOBS:-2}
NEG=${TGT_NEG-mlp_s8}
VFILE=${TGT_VARIANTS_FILE:-target/variants.txt}
CORES=${TGT_CHECK_CORES:-m4 m7 ppc host}
PROBE_ROWS=4
W=$B/check

# ---- one QEMU (or host) run: check.sh --run NAME CORE ELF DIR -----------
if [ "${1:-}" = "--run" ]; then
    v=$2 core=$3 elf=$4 dir=$5
    plugin=$TGT_PLUGIN
    cd "$dir"
    sym() { arm-none-eabi-nm "$elf" | awk -v s="$1" '$3 == s { print "0x" $1 }'; }
    start=$(date +%s.%N)
    rc=0
    case $core in
        m4|m7)
            board=mps2-an386
            [ "$core" = m7 ] && board=mps2-an500
            # the loops of the binary (target/loops.awk), measured per call site
            sh "$TGT_SRC/target/funcs.sh" "$elf" > syms.txt
            arm-none-eabi-objdump -d --no-show-raw-insn "$elf" > dis.txt
            awk -v syms=syms.txt -f "$TGT_SRC/target/funcs.awk" -f "$TGT_SRC/target/loops.awk" dis.txt > loops-static.txt
            awk '{ print "0x" $1, "0x" $4 }' loops-static.txt > heads.txt
            timeout 600 qemu-system-arm -M $board -nographic -monitor none -serial none \
                -icount shift=0 -semihosting-config enable=on,target=native \
                -plugin "$plugin,begin=$(sym stoic_probe_begin),end=$(sym stoic_probe_end),out=trace.txt,loops=loops.txt,heads=heads.txt" \
                -kernel "$elf" > console.txt 2>&1 || rc=$?
            ;;
        ppc) timeout 600 qemu-ppc "$elf" > console.txt 2>&1 || rc=$? ;;
        host) timeout 600 "$elf" > console.txt 2>&1 || rc=$? ;;
    esac
    end=$(date +%s.%N)
    echo "$rc" > rc
    awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f\n", b - a }' > seconds
    exit 0
fi

VARIANTS="$*"
BA=$(cd "$B" && pwd)
TGT_PLUGIN=$BA/stoic_trace.so
TGT_SRC=$(pwd)
export TGT_PLUGIN TGT_SRC
rm -rf "$W"
mkdir -p "$W"
t0=$(date +%s)
fail=0
note() { echo "target-check: $*"; }
bad() { echo "target-check: FAIL: $*"; fail=1; }

# ---- 1. inputs and expected outputs (host) --------------------------------
for v in "$@"; do
    line=$(awk -v v="$v" '$1 == v' "$VFILE" | sed "s|@TGT@|$B|g")
    [ -n "$line" ] || { bad "$v: not in $VFILE"; continue; }
    # shellcheck disable=SC2086
    set -- $line
    model=$2 val=$3
    shift 3
    d=$W/$v
    mkdir -p "$d"
    vu=$(echo "$v" | tr a-z A-Z)
    insize=$(sed -n "s/^#define ${vu}_INPUT_SIZE  *\([0-9]*\)U.*/\1/p" "$B/gen/$v/$v.h")
    if [ "$ROWS" = all ]; then
        bin/npyraw raw "$val" "$d/in.raw"
        cp "$val" "$d/rows.npy"
        head -c $((PROBE_ROWS * insize * 4)) "$d/in.raw" > "$d/probe_in.raw"
    else
        bin/npyraw rows "$val" 0 "$ROWS" "$d/in.raw" "$d/rows.npy"
        bin/npyraw rows "$val" "$ROWS" "$PROBE_ROWS" "$d/probe_in.raw"
    fi
    echo $(( $(wc -c < "$d/in.raw") / (insize * 4) )) > "$d/nrows"
    nout=$(grep -c '<output ' "$model")
    if [ "$nout" -le 1 ]; then
        "${STOIC:-bin/stoic-asan}" eval "$model" --input "$d/rows.npy" --output "$d/expected.npy" "$@" > "$d/eval.log"
    else # several outputs: one --output each, side by side as the harness writes them
        outs=$(k=0; while [ $k -lt "$nout" ]; do echo "$d/expected.$k.npy"; k=$((k + 1)); done)
        # shellcheck disable=SC2046,SC2086
        "${STOIC:-bin/stoic-asan}" eval "$model" --input "$d/rows.npy" $(printf ' --output %s' $outs) "$@" > "$d/eval.log"
        # shellcheck disable=SC2086
        bin/npycmp --cat "$d/expected.npy" $outs
    fi
    bin/npyraw raw "$d/expected.npy" "$d/expected.raw"
done
# shellcheck disable=SC2086
set -- $VARIANTS

# ---- 2. the runs, in parallel ---------------------------------------------
: > "$W/jobs"
for v in "$@"; do
    for core in $CORES; do
        case $core in
            host) elf=$BA/host/$v ;;
            *) elf=$BA/$core/$v.elf ;;
        esac
        mkdir -p "$W/$v/$core"
        ln -s ../in.raw ../probe_in.raw "$W/$v/$core/"
        echo "$v $core $elf $W/$v/$core" >> "$W/jobs"
    done
done
for core in ${NEG:+m4 m7}; do
    mkdir -p "$W/$NEG/neg-$core"
    ln -s ../in.raw ../probe_in.raw "$W/$NEG/neg-$core/"
    echo "$NEG $core $BA/$core/neg_$NEG.elf $W/$NEG/neg-$core" >> "$W/jobs"
done
t1=$(date +%s)
xargs -P "$JOBS" -L 1 sh "$0" --run < "$W/jobs"
t2=$(date +%s)

# ---- 3. checks --------------------------------------------------------------
# libgcc, libc and libm symbols of each core's multilib, for runpath.awk
for core in m4 m7; do
    case $core in
        m4) flags="-mcpu=cortex-m4 -mthumb -mfpu=fpv4-sp-d16 -mfloat-abi=hard" ;;
        m7) flags="-mcpu=cortex-m7 -mthumb -mfpu=fpv5-d16 -mfloat-abi=hard" ;;
    esac
    # shellcheck disable=SC2086
    arm-none-eabi-nm --defined-only -g \
        "$(arm-none-eabi-gcc $flags -print-libgcc-file-name)" \
        "$(arm-none-eabi-gcc $flags -print-file-name=libc.a)" \
        "$(arm-none-eabi-gcc $flags -print-file-name=libm.a)" 2>/dev/null |
        awk 'NF == 3 { print $3 }' | sort -u > "$W/libsyms-$core"
done

# windows of one run, grouped by the function they ran: prints one line per
# group, "FN n N insns I ldst L branch B mul M other O div D mem A hash H",
# and "mismatch FN label ..." for each window that differs from the group's
# first; exit 1 on a mismatch, a plugin error or a count that does not add up.
windows() {
    awk '
        FILENAME == ARGV[1] { file = 1 }
        FILENAME == ARGV[2] { file = 2 }
        file == 1 && $1 == "probe" { fn[$2] = $3; label[$2] = $4; np++ }
        file == 2 && $1 == "window" {
            k = $2; sig = $0; sub(/^window [0-9]+ /, "", sig)
            if ($4 + 0 != $6 + $8 + $10 + $12) { print "error window " k ": classes do not add up"; bad = 1 }
            f = fn[k]
            if (f == "") { print "error window " k " without a probe line"; bad = 1; next }
            if (!(f in first)) { first[f] = sig; order[++nf] = f; firstlabel[f] = label[k] }
            else if (sig != first[f]) {
                print "mismatch " f " " label[k] " (window " k "): " sig; bad = 1
            }
            n[f]++; nw++
        }
        file == 2 && $1 == "error" { print; bad = 1 }
        file == 2 && $1 == "windows" && $4 != 0 { bad = 1 }
        END {
            if (nw != np) { print "error " nw " windows for " np " probe runs"; bad = 1 }
            for (i = 1; i <= nf; i++) { f = order[i]; print f " n " n[f] " " first[f] }
            exit bad
        }' "$1/console.txt" "$1/trace.txt"
}

# the comment lines at the top of an AIS file: ais_head VARIANT CORE ROOT
ais_head() {
    case $2 in
        m4) fl="-mcpu=cortex-m4 -mthumb -mfpu=fpv4-sp-d16 -mfloat-abi=hard" ;;
        m7) fl="-mcpu=cortex-m7 -mthumb -mfpu=fpv5-d16 -mfloat-abi=hard" ;;
    esac
    echo "# Loop annotations for the aiT timing analyser (AbsInt AIS) of $3, written by"
    echo "# stoic's target check (target/check.sh, target/ais.awk); do not edit."
    echo "# Binary: $1.elf, SHA-256 $(sha256sum "$BA/$2/$1.elf" | cut -c1-64), core $2"
    echo "# ($(arm-none-eabi-gcc --version | head -1); $fl ${TGT_OPT:--O2} -g -ffp-contract=off)."
    echo "# The generated code of $1 ($B/gen/$1), the harness and the bare-metal layer."
    echo "# Loops: the natural loops (back edges to a dominating header) of every function $3"
    echo "# reaches (target/loops.awk on the disassembly). Bounds: measured by the trace plugin on every probe run of $3"
    echo "# (all equal: target/check.sh requires one instruction path for every input), counted"
    echo "# at the loop header (end: executions of the header per entry); per call site of $3"
    echo "# in the comments and, as flow constraints, the header's executions per call."
}

summary=$W/summary.txt
: > "$summary"
for v in "$@"; do
    d=$W/$v
    rowbytes=$(( $(wc -c < "$d/expected.raw") / $(cat "$d/nrows") ))
    for core in $CORES; do
        r=$d/$core
        if [ "$(cat "$r/rc")" != 0 ]; then
            bad "$v $core: the program failed (exit $(cat "$r/rc")):"
            sed 's/^/    /' "$r/console.txt" | tail -5
            continue
        fi
        if ! cmp -s "$r/out.raw" "$d/expected.raw"; then
            at=$(cmp "$r/out.raw" "$d/expected.raw" 2>&1 | sed -n 's/.*byte \([0-9]*\).*/\1/p')
            bad "$v $core: outputs differ from stoic eval (first at byte ${at:-?}, row $(( (${at:-1} - 1) / rowbytes )))"
        fi
        if [ "$core" != m4 ]; then
            # integer outputs byte for byte; float outputs too, except that any
            # NaN equals any NaN (its sign and payload are the processor's)
            if grep -q 'HARNESS_QIN 0' "$B/gen/$v.cfg/harness_cfg.h"; then
                same=$(bin/npyraw cmpf32 "$r/probe_out.raw" "$d/m4/probe_out.raw") || bad "$v $core: $same"
            else
                cmp -s "$r/probe_out.raw" "$d/m4/probe_out.raw" ||
                    bad "$v $core: probe outputs of ${v}_run differ from Cortex-M4's"
                same=$(bin/npyraw cmpf32 "$r/probe_fout.raw" "$d/m4/probe_fout.raw") || bad "$v $core: $same"
            fi
            if [ -f "$d/m4/probe_sout.raw" ]; then # the streaming API's step outputs
                if grep -q 'HARNESS_QIN 0' "$B/gen/$v.cfg/harness_cfg.h"; then
                    same=$(bin/npyraw cmpf32 "$r/probe_sout.raw" "$d/m4/probe_sout.raw") ||
                        bad "$v $core: ${v}_step: $same"
                else
                    cmp -s "$r/probe_sout.raw" "$d/m4/probe_sout.raw" ||
                        bad "$v $core: probe outputs of ${v}_step differ from Cortex-M4's"
                fi
            fi
        fi
        case $core in m4|m7) ;; *) continue ;; esac
        if ! windows "$r" > "$r/windows.txt"; then
            bad "$v $core: the instruction path depends on the input:"
            grep -E '^(mismatch|error)' "$r/windows.txt" | head -6 | sed 's/^/    /'
        fi
        grep -vE '^(mismatch|error)' "$r/windows.txt" | sed "s/^/$v $core /" >> "$summary"
        nrun=$(awk '$1 == "run" { print $3 }' "$r/windows.txt")
        if [ "${nrun:-0}" -lt 12 ]; then
            bad "$v $core: only ${nrun:-0} probe runs of ${v}_run (at least 12)"
        fi
        roots="${v}_run"
        grep -q "run_float" "$r/windows.txt" && roots="$roots ${v}_run_float"
        if grep -q 'HARNESS_STEP 1' "$B/gen/$v.cfg/harness_cfg.h"; then
            # the streaming API: its functions' paths too, and enough steps
            nstep=$(awk '$1 == "step" { print $3 }' "$r/windows.txt")
            if [ "${nstep:-0}" -lt 12 ] || ! grep -q '^reset ' "$r/windows.txt"; then
                bad "$v $core: only ${nstep:-0} probe runs of ${v}_step (at least 12), or no ${v}_reset"
            fi
            roots="$roots ${v}_step ${v}_reset"
        fi
        if ! awk -v roots="$roots" -v libs="$W/libsyms-$core" -f target/runpath.awk "$r/dis.txt" > "$r/runpath.txt"; then
            bad "$v $core: division or helper call on the run path:"
            grep violation "$r/runpath.txt" | head -6 | sed 's/^/    /'
        fi
        # the loop annotations for aiT, one file per entry function (target/ais.awk)
        mkdir -p "$B/ais/$core"
        for root in $roots; do
            rpath=$(awk -v roots="$root" -v libs=/dev/null -f target/runpath.awk "$r/dis.txt" | sed -n 's/^path: *//p')
            case $root in ${v}_run) ais=$v.ais ;; *) ais=$root.ais ;; esac
            if awk -v syms="$r/syms.txt" -v loops="$r/loops-static.txt" -v path="$rpath" -v root="$root" \
                   -v head="$(ais_head "$v" "$core" "$root")" -f target/funcs.awk -f target/ais.awk "$r/loops.txt" > "$r/$ais" 2> "$r/ais.err"; then
                cp "$r/$ais" "$B/ais/$core/$ais"
            else
                bad "$v $core: the loop annotations of $root: $(head -3 "$r/ais.err")"
            fi
        done
    done
    [ -f "$d/m4/runpath.txt" ] && note "$v: run path$(sed -n 's/^path://p' "$d/m4/runpath.txt")"
done

# ---- 3b. the requantization without a branch at every optimisation level --
# The trace above judges the -O2 build; the integer requantization
# (runtime/stoic_requant.c, and the packed kernels' output stages of
# runtime/stoic_dsp.h through target/tools/dsp_rq.c) must not turn into a
# conditional branch, a division or a library call at any level either.
for core in m4 m7; do
    case $core in
        m4) flags="-mcpu=cortex-m4 -mthumb -mfpu=fpv4-sp-d16 -mfloat-abi=hard" ;;
        m7) flags="-mcpu=cortex-m7 -mthumb -mfpu=fpv5-d16 -mfloat-abi=hard" ;;
    esac
    for o in -O0 -O1 -O2 -O3 -Os; do
      for src in runtime/stoic_requant.c target/tools/dsp_rq.c; do
        obj=$W/requant-$core$o.o
        # shellcheck disable=SC2086
        arm-none-eabi-gcc $flags $o -std=c99 -Iruntime -c $src -o "$obj"
        found=$(arm-none-eabi-objdump -d --no-show-raw-insn "$obj" | awk -F '\t' '
            NF >= 2 {
                m = $2; gsub(/ /, "", m)
                if (m ~ /^(b(eq|ne|cs|hs|cc|lo|mi|pl|vs|vc|hi|ls|ge|lt|gt|le)(\.[nw])?|cbn?z|sdiv|udiv)$/) c[m]++
                if (m ~ /^(bl|b|b\.w|b\.n)$/ && $3 ~ /<__|<mem/) c["call " $3]++
            }
            END { for (k in c) printf "%s x%d; ", k, c[k] }')
        [ -z "$found" ] || bad "$src for $core at $o: $found"
      done
    done
done

# ---- 4. the negative control -------------------------------------------------
for core in ${NEG:+m4 m7}; do
    r=$W/$NEG/neg-$core
    if [ "$(cat "$r/rc")" != 0 ]; then
        bad "negative control $core: the program failed"
    elif ! cmp -s "$r/out.raw" "$W/$NEG/expected.raw"; then
        bad "negative control $core: outputs differ from stoic eval (it must only change the timing)"
    elif windows "$r" > "$r/windows.txt"; then
        bad "negative control $core: neg_$NEG (a branch on the data) was NOT detected"
    else
        ndist=$(awk '$1 == "window" { for (i = 3; i < NF; i++) if ($i == "hash") h[$(i + 1)] = 1 } END { print length(h) }' "$r/trace.txt")
        range=$(awk '$1 == "window" { if (lo == "" || $4 < lo) lo = $4; if ($4 > hi) hi = $4 }
                     END { print lo " to " hi }' "$r/trace.txt")
        note "negative control $core: detected as expected (outputs bit-identical to stoic eval;" \
             "$ndist distinct PC-trace hashes, instruction counts from $range)"
    fi
done

# ---- summary ---------------------------------------------------------------
t3=$(date +%s)
echo
echo "variant     core fn        runs  insns     ldst     branch   mul      other    div mem       hash"
awk '{ printf "%-11s %-4s %-9s %4s  %-9s %-8s %-8s %-8s %-8s %-3s %-9s %s\n",
       $1, $2, $3, $5, $7, $9, $11, $13, $15, $17, $19, $21 }' "$summary"
echo
note "$# variants x ($CORES)${NEG:+ + negative control}; $ROWS rows each;" \
     "prepare $((t1 - t0)) s, runs $((t2 - t1)) s ($JOBS in parallel), checks $((t3 - t2)) s"
if [ $fail -ne 0 ]; then
    note "FAILED"
    exit 1
fi
note "all outputs bit-identical to stoic eval on: $CORES;" \
     "one instruction path per function for every input on M4 and M7; no division or helper call"

#!/bin/sh
# Output atomicity (issue 9, defects 5-7): OUTDIR is, after every trial,
# either exactly as it was or exactly the complete new output.
#
#   1. rename failures: an LD_PRELOAD shim (tests/atomic/shim.c) fails the
#      N-th rename of a generate (N = 1..4), with and without the file
#      system's RENAME_EXCHANGE (the two-rename fallback); into an existing
#      OUTDIR and into a new one. Then the same for stoic import's pair
#      MODEL.xml + MODEL.bin. At least one trial per mode must hit a rename.
#   2. kills: KILLS runs (default 200) of generate, each killed after a
#      random delay spread over the whole run (the seed is fixed: the same
#      delays every time), 3 in 4 by SIGKILL and 1 in 4 by SIGTERM,
#      alternating between two outputs (float32 and int8 of the digits
#      model), in two parallel streams. After a SIGTERM nothing may be left
#      beside OUTDIR either (the staging directory and the lock file are
#      removed by the signal handler); what a SIGKILL leaves beside it is
#      removed by the next run. Some runs must be killed and some complete.
#   3. a planted symbolic link where a temporary or lock file could go is
#      never followed.
#   4. two generates into one OUTDIR at once, 20 times: the second is
#      refused by the lock or runs after the first; OUTDIR never mixes them.
#   5. a SIGTERM right after the staging directory, the lock file (generate)
#      or a temporary file (import) is created, before the generator can
#      have registered it (the shim raises it inside mkdtemp, flock,
#      mkstemp): the run ends by the signal and leaves nothing. (A random
#      kill of part 2 once hit that window on a loaded machine.) And a
#      SIGTERM right after the swap of the new output into place (both
#      modes): OUTDIR is the new output, the old one is not left beside it.
# Every run goes through the ASan/UBSan generator.
# Usage: sh tests/atomic/run.sh     Environment: STOIC, KILLS, CC.
# REQ: REQ-RPT-002 REQ-ERR-001 REQ-ERR-005
set -u
STOIC=${STOIC:-bin/stoic-asan}
KILLS=${KILLS:-200}
CC=${CC:-cc}
W=build/atomic
M=examples/digits
export ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=0
rm -rf "$W"
mkdir -p "$W"
$CC -shared -fPIC -O2 -Wall -Wextra -Werror -o "$W/shim.so" tests/atomic/shim.c -ldl || exit 2
SHIM=$(pwd)/$W/shim.so

failed=0
fail() { echo "FAIL $*"; failed=$((failed + 1)); }

gen_a() { "$STOIC" generate "$M/digits.xml" -o "$1" --name digits; }
gen_b() { "$STOIC" generate "$M/digits.xml" -o "$1" --name digits --precision int8 \
              --calib "$M/calib_x.npy"; }

# A digest of a directory's file names and contents ("missing" if none).
snap() {
    if [ -d "$1" ]; then
        (cd "$1" && ls -A | LC_ALL=C sort && ls -A | LC_ALL=C sort | xargs -r sha256sum) |
            sha256sum | cut -c1-16
    else
        echo missing
    fi
}
# What is left beside OUTDIR d: staging directories, lock files.
beside() {
    ls -A "$(dirname "$1")" | grep -F ".$(basename "$1").stoic-" || true
}

gen_a "$W/refA" >/dev/null 2>&1 || { echo "cannot generate reference A"; exit 1; }
gen_b "$W/refB" >/dev/null 2>&1 || { echo "cannot generate reference B"; exit 1; }
SA=$(snap "$W/refA")
SB=$(snap "$W/refB")
[ "$SA" != "$SB" ] || { echo "the two outputs are equal"; exit 1; }
(cd "$W/refB" && sha256sum -c --quiet SHA256SUMS) || fail "SHA256SUMS of a fresh output does not check"

# ---- 1. rename failures --------------------------------------------------
for mode in exchange fallback; do
    hit=0
    nx=0
    [ $mode = fallback ] && nx=1
    for n in 1 2 3 4; do
        for start in old new; do
            d=$W/ren-$mode-$n-$start/out
            mkdir -p "$(dirname "$d")"
            [ $start = old ] && { gen_a "$d" >/dev/null 2>&1 || fail "setup $d"; }
            before=$(snap "$d")
            STOIC_FAIL_RENAME=$n STOIC_NO_EXCHANGE=$nx LD_PRELOAD=$SHIM gen_b "$d" \
                >"$d.log" 2>&1
            rc=$?
            after=$(snap "$d")
            if [ $rc -eq 3 ]; then
                hit=$((hit + 1))
                [ "$after" = "$before" ] || fail "rename $n failed ($mode, $start OUTDIR): OUTDIR changed"
            elif [ $rc -eq 0 ]; then
                [ "$after" = "$SB" ] || fail "rename $n ($mode, $start): exit 0 but OUTDIR is not the new output"
            else
                fail "rename $n ($mode, $start): exit $rc"; sed 's/^/    | /' "$d.log" | head -5
            fi
            [ -z "$(beside "$d")" ] || fail "rename $n ($mode, $start): left beside OUTDIR: $(beside "$d")"
        done
    done
    [ $hit -gt 0 ] || fail "$mode: no trial hit a rename"
    echo "rename failures ($mode): $hit of 8 trials failed a rename; OUTDIR unchanged in each"
done

# import: MODEL.xml and MODEL.bin are both old or both new
hit=0
for n in 1 2 3; do
    d=$W/imp-$n
    mkdir -p "$d"
    "$STOIC" import "$M/digits.onnx" -o "$d/m.xml" --name first >/dev/null 2>&1 || fail "import setup"
    before=$(cat "$d/m.xml" "$d/m.bin" | sha256sum)
    STOIC_FAIL_RENAME=$n LD_PRELOAD=$SHIM "$STOIC" import "$M/digits.onnx" -o "$d/m.xml" \
        --name second >"$d.log" 2>&1
    rc=$?
    after=$(cat "$d/m.xml" "$d/m.bin" | sha256sum)
    if [ $rc -ne 0 ]; then
        hit=$((hit + 1))
        [ "$after" = "$before" ] || fail "import, rename $n failed: m.xml/m.bin changed"
    else
        grep -q 'name="second"' "$d/m.xml" || fail "import, rename $n: exit 0 but m.xml is old"
    fi
    [ "$(ls "$d")" = "$(printf 'm.bin\nm.xml')" ] || fail "import, rename $n: left $(ls "$d" | tr '\n' ' ')"
done
[ $hit -gt 0 ] || fail "import: no trial hit a rename"
echo "rename failures (import): $hit of 3 trials failed a rename; the pair unchanged in each"

# ---- 2. kills ------------------------------------------------------------
t0=$(date +%s%N)
gen_b "$W/timing" >/dev/null 2>&1
dur=$(( ($(date +%s%N) - t0) / 1000000 ))
max=$(( dur * 13 / 10 + 1 ))

stream() { # stream S TRIALS -> lines "ok|FAIL ...", "killed|completed"
    s=$1
    d=$W/kill-$s/out
    mkdir -p "$W/kill-$s"
    gen_a "$d" >/dev/null 2>&1
    i=0
    while [ $i -lt "$2" ]; do
        delay=$(awk -v s=$s -v i=$i -v m=$max 'BEGIN { srand(1000 * s + i); printf "%.3f", rand() * m / 1000 }')
        sig=KILL
        [ $((i % 4)) -eq 3 ] && sig=TERM
        pre=$(beside "$d") # what earlier SIGKILLs left: the next run removes it
        # stoic itself in the background (not a function: its subshell would
        # take the signal and leave stoic running)
        if [ $((i % 2)) -eq 0 ]; then
            "$STOIC" generate "$M/digits.xml" -o "$d" --name digits --precision int8 \
                --calib "$M/calib_x.npy" >/dev/null 2>&1 &
        else
            "$STOIC" generate "$M/digits.xml" -o "$d" --name digits >/dev/null 2>&1 &
        fi
        pid=$!
        sleep "$delay"
        kill -s $sig $pid 2>/dev/null
        wait $pid
        rc=$?
        now=$(snap "$d")
        case $rc in 0) echo completed ;; 137|143) echo killed ;; *) echo "FAIL trial $s.$i: exit $rc" ;; esac
        if [ "$now" != "$SA" ] && [ "$now" != "$SB" ]; then
            echo "FAIL trial $s.$i (SIG$sig after ${delay}s): OUTDIR is neither the old nor a complete new output"
            ls -A "$d" 2>&1 | head -5 | sed 's/^/    | /'
        fi
        if [ $sig = TERM ] && [ $rc -eq 143 ]; then
            new=$(beside "$d" | grep -vxF "$pre" || true)
            [ -z "$pre" ] && new=$(beside "$d")
            [ -z "$new" ] ||
                echo "FAIL trial $s.$i (SIGTERM after ${delay}s): left beside OUTDIR: $(echo $new)"
        fi
        i=$((i + 1))
    done
    # the next run clears what SIGKILLs left beside OUTDIR
    gen_a "$d" >/dev/null 2>&1 || echo "FAIL stream $s: a run after the kills failed"
    [ -z "$(beside "$d")" ] || echo "FAIL stream $s: a normal run left $(beside "$d" | tr '\n' ' ')"
}
half=$(( (KILLS + 1) / 2 ))
stream 1 $half >"$W/kills1.log" 2>&1 &
p1=$!
stream 2 $((KILLS - half)) >"$W/kills2.log" 2>&1
wait $p1
cat "$W/kills1.log" "$W/kills2.log" >"$W/kills.log"
grep '^FAIL' "$W/kills.log"
kfail=$(grep -c '^FAIL' "$W/kills.log")
killed=$(grep -c '^killed' "$W/kills.log")
completed=$(grep -c '^completed' "$W/kills.log")
failed=$((failed + kfail))
echo "kills: $((killed + completed)) runs (one takes ${dur} ms; delays 0..${max} ms): $killed killed, $completed completed; $kfail failures"
[ "$killed" -gt 0 ] && [ "$completed" -gt 0 ] || fail "kills: need both killed and completed runs"
[ $((killed + completed + kfail)) -ge "$KILLS" ] || fail "kills: fewer than $KILLS trials ran"

# ---- 3. planted links ----------------------------------------------------
d=$W/plant/out
mkdir -p "$W/plant"
echo precious >"$W/plant/target"
ln -s "$(pwd)/$W/plant/target" "$W/plant/.out.stoic-lock"
gen_a "$d" >"$W/plant.log" 2>&1
rc=$?
[ "$(cat "$W/plant/target")" = precious ] || fail "a planted lock-file link was followed"
[ $rc -ne 0 ] || fail "a planted lock-file link was accepted (exit 0)"
rm -f "$W/plant/.out.stoic-lock"
echo precious2 >"$W/plant/t2"
"$STOIC" eval "$M/digits.xml" --input "$M/calib_x.npy" --output "$W/plant/y.npy" >/dev/null 2>&1 ||
    fail "eval --output"
ls "$W/plant" | grep -q tmp && fail "eval --output left a temporary file"
echo "planted links: not followed"

# ---- 4. concurrent runs -----------------------------------------------------
# Two generates into one OUTDIR at once: the lock refuses the second (exit
# 3, "another stoic") or they run one after the other; OUTDIR is always
# one run's complete output, never a mix (its report describes its code).
d=$W/conc/out
mkdir -p "$W/conc"
refused=0
i=0
while [ $i -lt 20 ]; do
    "$STOIC" generate "$M/digits.xml" -o "$d" --name digits >"$W/conc/a.log" 2>&1 &
    pa=$!
    "$STOIC" generate "$M/digits.xml" -o "$d" --name digits --precision int8 \
        --calib "$M/calib_x.npy" >"$W/conc/b.log" 2>&1 &
    pb=$!
    wait $pa; ra=$?
    wait $pb; rb=$?
    for r in $ra $rb; do [ $r -eq 0 ] || [ $r -eq 3 ] || fail "concurrent run $i: exit $r"; done
    if [ $ra -eq 3 ] || [ $rb -eq 3 ]; then
        refused=$((refused + 1))
        grep -qh 'another stoic is writing this output directory' "$W/conc/a.log" "$W/conc/b.log" ||
            fail "concurrent run $i: exit 3 without the lock message"
    fi
    now=$(snap "$d")
    [ "$now" = "$SA" ] || [ "$now" = "$SB" ] || fail "concurrent run $i: OUTDIR mixes two runs"
    i=$((i + 1))
done
echo "concurrent runs: 20 pairs, $refused refused by the lock, OUTDIR one complete output after each"

# ---- 5. a signal in the window between a creation and its registration ----
n5=0
f5=$failed
for f in mkdtemp flock; do
    d=$W/win-$f/out
    mkdir -p "$W/win-$f"
    STOIC_TERM_AFTER=$f LD_PRELOAD=$SHIM "$STOIC" generate "$M/digits.xml" -o "$d" \
        --name digits >"$W/win-$f.log" 2>&1
    rc=$?
    [ $rc -eq 143 ] || fail "SIGTERM after $f: exit $rc, not 143 (the signal)"
    left=$(ls -A "$W/win-$f")
    [ -z "$left" ] || fail "SIGTERM after $f: left $(echo $left)"
    n5=$((n5 + 1))
done
# after the swap, before the old output is removed: OUTDIR complete and new,
# nothing beside it (two-rename fallback: the old output is renamed aside
# by the first rename, the stage into place by the second)
for mode in exchange fallback; do
    d=$W/win-swap-$mode/out
    mkdir -p "$W/win-swap-$mode"
    gen_a "$d" >/dev/null 2>&1 || fail "swap window setup"
    nx=0; n=1
    [ $mode = fallback ] && { nx=1; n=2; }
    STOIC_NO_EXCHANGE=$nx STOIC_TERM_AFTER=rename STOIC_TERM_AFTER_N=$n LD_PRELOAD=$SHIM \
        gen_b "$d" >"$W/win-swap-$mode.log" 2>&1
    rc=$?
    [ $rc -eq 143 ] || fail "SIGTERM after the swap ($mode): exit $rc, not 143 (the signal)"
    [ "$(snap "$d")" = "$SB" ] || fail "SIGTERM after the swap ($mode): OUTDIR is not the new output"
    left=$(ls -A "$W/win-swap-$mode" | grep -v '^out$')
    [ -z "$left" ] || fail "SIGTERM after the swap ($mode): left $(echo $left)"
    n5=$((n5 + 1))
done
d=$W/win-mkstemp
mkdir -p "$d"
STOIC_TERM_AFTER=mkstemp LD_PRELOAD=$SHIM "$STOIC" import "$M/digits.onnx" -o "$d/m.xml" \
    >"$d.log" 2>&1
rc=$?
[ $rc -eq 143 ] || fail "import, SIGTERM after mkstemp: exit $rc, not 143 (the signal)"
left=$(ls -A "$d")
[ -z "$left" ] || fail "import, SIGTERM after mkstemp: left $(echo $left)"
[ $failed -eq $f5 ] && echo "signal between creation and registration, and between the swap and the removal of the old output: $((n5 + 1)) runs ($n5 generate, 1 import), nothing left"

if [ $failed -eq 0 ]; then echo "atomic output: all checks passed"; else echo "atomic output: $failed failures"; fi
[ $failed -eq 0 ]

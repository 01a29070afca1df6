#!/bin/sh
# stoic check (README "stoic check"):
#  - each tests/check/bad/*.c, alone in an output directory, gives exactly
#    the findings its first line names ("expect: RULE..."), exit 1, in GCC
#    format and in the JSON file;
#  - tests/check/good/*.c (every accepted pattern) gives none;
#  - --library (every external function an entry point): a crafted kernel
#    library gives exactly its expected findings, and runtime/ none;
#  - usage errors exit 2; a missing or empty OUTDIR exits 3 and writes no
#    JSON;
#  - the output of every example (digits, mlp, dsconv) in float32, int8
#    and int16, and compressed variants, and of a model with three outputs
#    (tests/e2e/cases/two_heads_shared_trunk), gives no finding (exit 0), and
#    with -DNAME_NO_FLOAT no file of an integer model's output holds a
#    float or double token after preprocessing, and it still compiles;
#    and no file of it defines a macro that nothing in the output uses
#    (MISRA C:2012 Rule 2.5: gcc -Wunused-macros on every .c file, and for
#    the runtime headers every #define's name elsewhere in the output,
#    comments stripped; NAME.h's macros are the application's).
# Every stoic run goes through $STOIC (bin/stoic-asan; tests/common.sh).
set -u
. tests/common.sh
W=build/check-stoic
rm -rf $W
mkdir -p $W
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "PASS $1"; }
ko() { fail=$((fail + 1)); echo "FAIL $1"; shift; for l in "$@"; do sed 's/^/    /' "$l"; done; }

# ---- the bad files: exactly the expected rules -------------------------------
for f in tests/check/bad/*.c tests/check/good/*.c; do
    n=$(basename "$f" .c)
    kind=$(basename "$(dirname "$f")")
    d=$W/$kind-$n
    mkdir -p "$d/out"
    cp "$f" "$d/out/model.c"
    expect=$(sed -n '1s/.*expect: \([^*]*\)\*\/.*/\1/p' "$f" | tr ' ' '\n' | grep . | sort -u | tr '\n' ' ')
    $STOIC check "$d/out" --json "$d/check.json" >"$d/stdout" 2>"$d/stderr"
    rc=$?
    got=$(sed -n 's/^[^ ]*:[0-9]*:[0-9]*: error: \[\([a-z.-]*\)\].*/\1/p; s/^[^ ]*: error: \[\([a-z.-]*\)\].*/\1/p' \
          "$d/stderr" | sort -u | tr '\n' ' ')
    jgot=$(${PYTHON:-/usr/bin/python3} -c '
import json, sys
j = json.load(open(sys.argv[1]))
assert j["tool"] == "stoic check" and j["summary"]["findings"] == len(j["findings"])
for f in j["findings"]:
    assert set(f) == {"file", "line", "column", "rule", "severity", "message"}, f
print(" ".join(sorted(set(f["rule"] for f in j["findings"]))))
' "$d/check.json" 2>>"$d/stderr")
    if [ "$kind" = good ]; then
        want_rc=0
        expect=""
    else
        want_rc=1
    fi
    if [ $rc -eq $want_rc ] && [ "$got" = "$expect" ] && [ "$jgot " = "$expect" ] ||
       { [ $rc -eq $want_rc ] && [ -z "$expect" ] && [ -z "$got" ] && [ -z "$jgot" ]; }; then
        ok "$kind/$n.c: exit $rc, findings: ${got:-none}"
    else
        echo "    want exit $want_rc [$expect], got exit $rc [$got] json [$jgot]" >"$d/why"
        ko "$kind/$n.c" "$d/why" "$d/stderr"
    fi
done

# ---- --library: the kernel library, and a crafted one --------------------------
t=$W/library
mkdir -p $t/lib
cp tests/check/library/int_kernel_float.c $t/lib/
expect=$(sed -n '1s/.*expect: \([^*]*\)\*\/.*/\1/p' $t/lib/int_kernel_float.c | tr ' ' '\n' | grep . | sort -u | tr '\n' ' ')
$STOIC check $t/lib --library >$t/o1 2>$t/e1; r1=$?
got=$(sed -n 's/^[^ ]*:[0-9]*:[0-9]*: error: \[\([a-z.-]*\)\].*/\1/p' $t/e1 | sort -u | tr '\n' ' ')
if [ $r1 -eq 1 ] && [ "$got" = "$expect" ] && [ "$(grep -c 'error:' $t/e1)" -eq 3 ]; then
    ok "library/int_kernel_float.c --library: exit 1, findings: $got"
else
    echo "    want exit 1 [$expect] (3 findings), got exit $r1 [$got]" >$t/why
    ko "library/int_kernel_float.c --library" $t/why $t/e1
fi
# runtime/ as a whole: every external kernel an entry point, no finding
$STOIC check runtime --library --json $t/runtime.json >$t/o2 2>$t/e2; r2=$?
if [ $r2 -eq 0 ] && grep -q '"findings": 0' $t/runtime.json; then
    ok "runtime/ --library: 0 findings ($(tail -n 1 $t/e2 | sed 's/.*: \([0-9]* files\)/\1/'))"
else
    ko "runtime/ --library: exit $r2" $t/e2
fi

# ---- usage and I/O errors -------------------------------------------------------
t=$W/usage
mkdir -p $t/empty
$STOIC check >$t/o1 2>&1; r1=$?
$STOIC check $t/empty --bogus >$t/o2 2>&1; r2=$?
$STOIC check $t/empty --json >$t/o3 2>&1; r3=$?
$STOIC check $t/missing --json $t/missing.json >$t/o4 2>&1; r4=$?
$STOIC check $t/empty --json $t/empty.json >$t/o5 2>&1; r5=$?
if [ "$r1 $r2 $r3 $r4 $r5" = "2 2 2 3 3" ] && [ ! -e $t/missing.json ] && [ ! -e $t/empty.json ] &&
   grep -q "cannot read the output directory" $t/o4 && grep -q "no .c file" $t/o5; then
    ok "usage errors exit 2; a missing or empty OUTDIR exits 3, no JSON written"
else
    echo "    exits: $r1 $r2 $r3 $r4 $r5 (want 2 2 2 3 3)" >$t/why
    ko "usage and I/O errors" $t/why $t/o4 $t/o5
fi

# ---- every example's output ------------------------------------------------------
# name|model|options
cases() {
    for p in float32 int8 int16; do
        echo "digits-$p|examples/digits/digits.xml|--precision $p --calib examples/digits/calib_x.npy"
        echo "mlp-$p|examples/mlp/mlp.xml|--precision $p --calib examples/mlp/calib_x.npy"
        echo "dsconv-$p|$W/dsconv.xml|--precision $p --calib examples/dsconv/calib_x.npy"
    done
    echo "mlp-int8-sparse|examples/mlp/mlp.xml|--precision int8 --calib examples/mlp/calib_x.npy --prune 0.6"
    echo "mlp-float32-lowrank|examples/mlp/mlp.xml|--lowrank-rank 8"
    echo "digits-int8-pruned|examples/digits/digits.xml|--precision int8 --calib examples/digits/calib_x.npy --prune 0.5 --prune-channels 0.25"
    echo "digits-int8-sparse|examples/digits/digits.xml|--precision int8 --calib examples/digits/calib_x.npy --prune 0.8"
    echo "digits-float32-sparse|examples/digits/digits.xml|--prune 0.8"
    for p in float32 int8 int16; do # several outputs (issue 12)
        echo "heads-$p|tests/e2e/cases/two_heads_shared_trunk/model.xml|--precision $p --calib tests/e2e/cases/two_heads_shared_trunk/input.npy"
    done
    # the resize layer (issue 12): bilinear after a conv, nearest (a gather), cubic
    R=tests/e2e/cases
    for p in float32 int8 int16; do
        echo "resize-linear-$p|$R/resize_linear_align_corners/model.xml|--precision $p --calib $R/resize_linear_align_corners/input.npy"
        echo "resize-nearest-$p|$R/resize_nearest_2x/model.xml|--precision $p --calib $R/resize_nearest_2x/input.npy"
        echo "resize-cubic-$p|$R/resize_cubic_down/model.xml|--precision $p --calib $R/resize_cubic_down/input.npy"
    done
    # recurrent layers with the streaming API (issue 13): NAME_step,
    # NAME_step_float and NAME_reset are entry points
    echo "stream-float32|$R/rnn_stream_batch_first/model.xml|--step"
    echo "stream-stack-float32|$R/rnn_stack_last_step_head/model.xml|--step"
}
if ! $STOIC import examples/dsconv/dsconv.onnx -o $W/dsconv.xml --name dsconv >$W/import.log 2>&1; then
    ko "import examples/dsconv/dsconv.onnx" $W/import.log
fi
export W STOIC CC STRICT
cases | xargs -P "$JOBS" -I{} sh -c '
    IFS="|" read -r n m o <<CASE
{}
CASE
    d=$W/ex-$n
    mkdir -p $d
    {
        # shellcheck disable=SC2086
        $STOIC generate $m -o $d/out --name m_$(echo $n | tr - _) $o -q >$d/gen.log 2>&1 || { echo gen; exit; }
        $STOIC check $d/out --json $d/check.json >$d/check.log 2>&1 || { echo check; exit; }
        # no unused macro: .c files by gcc, headers by their uses in the output
        : >$d/macros.log
        for c in $d/out/*.c; do
            $CC -std=c99 -fsyntax-only -Wunused-macros -Werror -I$d/out $c >>$d/macros.log 2>&1
        done
        for c in $d/out/*.c $d/out/*.h; do
            $CC -fpreprocessed -dD -E -P $c 2>/dev/null
        done >$d/nocomments.txt
        for h in $d/out/stoic_*.h; do
            $CC -fpreprocessed -dD -E -P $h 2>/dev/null |
                sed -n "s/^[ 	]*#[ 	]*define[ 	][ 	]*\([A-Za-z_][A-Za-z0-9_]*\).*/\1/p" |
                while read -r mac; do
                    [ "$(grep -ow "$mac" $d/nocomments.txt | wc -l)" -ge 2 ] ||
                        echo "$h: macro $mac is defined but not used" >>$d/macros.log
                done
        done
        if [ -s $d/macros.log ]; then echo macros; exit; fi
        NAME=$(echo m_$n | tr a-z- A-Z_)
        if grep -q "its run path needs floating point" $d/out/*.c; then
            echo ok-float; exit
        fi
        # -DNAME_NO_FLOAT: no float or double token in any preprocessed file
        for c in $d/out/*.c; do
            $CC -std=c99 -E -P -D${NAME}_NO_FLOAT -I$d/out $c 2>>$d/nofloat.log |
                grep -nwE "float|double" | sed "s|^|$c: |" >>$d/nofloat.log
            # shellcheck disable=SC2086
            $CC $STRICT -D${NAME}_NO_FLOAT -I$d/out -c -o $d/$(basename $c .c).o $c >>$d/nofloat.log 2>&1
        done
        if [ -s $d/nofloat.log ]; then echo nofloat; exit; fi
        echo ok-int
    } >$d/result
'
for n in $(cases | cut -d'|' -f1); do
    d=$W/ex-$n
    r=$(cat $d/result 2>/dev/null)
    case "$r" in
        ok-float) ok "$n: stoic check 0 findings ($(tail -n 1 $d/check.log | sed 's/.*: \([0-9]* files\)/\1/')); no unused macro" ;;
        ok-int) ok "$n: stoic check 0 findings ($(tail -n 1 $d/check.log | sed 's/.*: \([0-9]* files\)/\1/')); no unused macro; -DNAME_NO_FLOAT: no float/double in any file" ;;
        gen) ko "$n: generate" $d/gen.log ;;
        check) ko "$n: stoic check" $d/check.log ;;
        macros) ko "$n: a file of the output defines a macro nothing uses" $d/macros.log ;;
        *) ko "$n: -DNAME_NO_FLOAT leaves floating point or does not compile" $d/nofloat.log ;;
    esac
done

echo "stoic check: $pass passed, $fail failed"
[ $fail -eq 0 ]

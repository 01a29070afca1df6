#!/bin/sh
# The trace plugin's own test (make target-plugin-check, part of
# make target-check): runs target/plugin/test/trace_test.S on both QEMU
# boards with the plugin and compares every window with the counts derived
# by hand in the program's comments, and window 5's hash with an
# independent FNV-1a over its known PC sequence. The runs split the
# windows by the calls of run_window (run=, as make bench does with
# NAME_run): the segments are compared with hand-derived counts too, and
# a run without run= must give the same window lines and no segment.
# Segments by address (segs=): a map of run_window's instructions, the
# counts derived by hand; a map with a segment out of range is refused.
#
#   sh target/plugin/test/run.sh BUILD_DIR [ELF...]
# BUILD_DIR holds stoic_trace.so, trace_test.elf and fnv1a (target.mk).
# Each ELF (a compiled model with the target harness) is then run with the
# plugin's dump=FILE, and the class the plugin decoded for every
# instruction it translated must equal the class of objdump's mnemonic
# for it (classify.awk): the decoder checked on real compiler output.
# Loops (loop_test.S): target/loops.awk finds exactly the program's loops
# and latches, and the plugin's loops= the executions derived by hand.
# REQ: REQ-DET-004 REQ-DET-006
set -eu
B=${1:-build/target}
[ $# -gt 0 ] && shift
ELF=$B/trace_test.elf
W=$B/plugin-test
mkdir -p "$W"
sym() { arm-none-eabi-nm "$ELF" | awk -v s="$1" '$3 == s { print "0x" $1 }'; }
begin=$(sym tb_begin)
end=$(sym tb_end)
tl_a=$(sym tl_a)
# run_window's address range LO:HI for run= (nm -S: address, size)
rw=$(arm-none-eabi-nm -S "$ELF" | awk '$4 == "run_window" { print $1, $2 }')
[ -n "$rw" ] && rw=$(printf '0x%x:0x%x' $((0x${rw% *})) $((0x${rw% *} + 0x${rw#* })))
[ -n "$begin" ] && [ -n "$end" ] && [ -n "$tl_a" ] && [ -n "$rw" ] ||
    { echo "plugin test: symbols missing in $ELF"; exit 1; }
a0=$(printf '0x%x' $((tl_a)))
a2=$(printf '0x%x' $((tl_a + 2)))
a4=$(printf '0x%x' $((tl_a + 4)))
a6=$(printf '0x%x' $((tl_a + 6)))
h5=$("$B/fnv1a" "$begin" "$a0" "$a2" "$a4" "$a6")

# Derivation (trace_test.S): kernel for x != 0 is L 20, M 15, O 21, B 12
# (D 4) = 68 instructions with 25 memory accesses (26 for x < 0); the
# window adds tb_begin's bx lr, run_window's mov and two bl: B 3, O 1.
# Taken: kernel's loops 3 + 2 back edges, one of blt (x < 0) or b 4f over
# the other arm (x > 0; for x < 0 its b 4f goes to the next instruction:
# not taken), tbb, pop {pc}: 8 (9 when cbz jumps, x == 0); the window adds
# tb_begin's bx lr, bl kernel, bl tb_end: 11 (12).
# Segments by run_window's calls: 0 is tb_begin's bx lr (before the first
# instruction of run_window), 1 run_window's mov, bl kernel and the kernel,
# 2 the bl tb_end after the return. Window 5 (run_line) never enters
# run_window: one segment.
cat > "$W/expected" <<EXP
window 1 insns 72 ldst 20 branch 15 mul 15 other 22 div 4 mem 25 taken 11
segment 0 insns 1 ldst 0 branch 1 mul 0 other 0 div 0 mem 0 taken 1
segment 1 insns 70 ldst 20 branch 13 mul 15 other 22 div 4 mem 25 taken 9
segment 2 insns 1 ldst 0 branch 1 mul 0 other 0 div 0 mem 0 taken 1
window 2 insns 72 ldst 20 branch 15 mul 15 other 22 div 4 mem 26 taken 11
segment 0 insns 1 ldst 0 branch 1 mul 0 other 0 div 0 mem 0 taken 1
segment 1 insns 70 ldst 20 branch 13 mul 15 other 22 div 4 mem 26 taken 9
segment 2 insns 1 ldst 0 branch 1 mul 0 other 0 div 0 mem 0 taken 1
window 3 insns 72 ldst 20 branch 15 mul 15 other 22 div 4 mem 25 taken 11
segment 0 insns 1 ldst 0 branch 1 mul 0 other 0 div 0 mem 0 taken 1
segment 1 insns 70 ldst 20 branch 13 mul 15 other 22 div 4 mem 25 taken 9
segment 2 insns 1 ldst 0 branch 1 mul 0 other 0 div 0 mem 0 taken 1
window 4 insns 71 ldst 20 branch 15 mul 15 other 21 div 4 mem 25 taken 12
segment 0 insns 1 ldst 0 branch 1 mul 0 other 0 div 0 mem 0 taken 1
segment 1 insns 69 ldst 20 branch 13 mul 15 other 21 div 4 mem 25 taken 10
segment 2 insns 1 ldst 0 branch 1 mul 0 other 0 div 0 mem 0 taken 1
window 5 insns 5 ldst 1 branch 2 mul 1 other 1 div 0 mem 1 hash $h5 taken 2
segment 0 insns 5 ldst 1 branch 2 mul 1 other 1 div 0 mem 1 taken 2
windows 5 errors 0
EXP

# Segments by address (segs=, as make bench does with target/segmap.sh):
# the map puts run_window's mov in segment 2 and its bl kernel in 1; an
# instruction outside run_window counts in the segment of the last one
# inside it that ran (0 before the first). So segment 0 is tb_begin's bx
# lr and the bl tb_end after the return, 1 the bl kernel and the kernel,
# 2 the mov; window 5 is all segment 0.
rw_mov=$(sym rw_mov)
rw_call=$(sym rw_call)
[ -n "$rw_mov" ] && [ -n "$rw_call" ] || { echo "plugin test: symbols missing in $ELF"; exit 1; }
printf 'n 2\n%s 2\n%s 1\n' "$(printf '0x%x' $((rw_mov)))" "$(printf '0x%x' $((rw_call)))" > "$W/segs.txt"
cat > "$W/expected.segs" <<EXP
window 1 insns 72 ldst 20 branch 15 mul 15 other 22 div 4 mem 25 taken 11
segment 0 insns 2 ldst 0 branch 2 mul 0 other 0 div 0 mem 0 taken 2
segment 1 insns 69 ldst 20 branch 13 mul 15 other 21 div 4 mem 25 taken 9
segment 2 insns 1 ldst 0 branch 0 mul 0 other 1 div 0 mem 0 taken 0
window 2 insns 72 ldst 20 branch 15 mul 15 other 22 div 4 mem 26 taken 11
segment 0 insns 2 ldst 0 branch 2 mul 0 other 0 div 0 mem 0 taken 2
segment 1 insns 69 ldst 20 branch 13 mul 15 other 21 div 4 mem 26 taken 9
segment 2 insns 1 ldst 0 branch 0 mul 0 other 1 div 0 mem 0 taken 0
window 3 insns 72 ldst 20 branch 15 mul 15 other 22 div 4 mem 25 taken 11
segment 0 insns 2 ldst 0 branch 2 mul 0 other 0 div 0 mem 0 taken 2
segment 1 insns 69 ldst 20 branch 13 mul 15 other 21 div 4 mem 25 taken 9
segment 2 insns 1 ldst 0 branch 0 mul 0 other 1 div 0 mem 0 taken 0
window 4 insns 71 ldst 20 branch 15 mul 15 other 21 div 4 mem 25 taken 12
segment 0 insns 2 ldst 0 branch 2 mul 0 other 0 div 0 mem 0 taken 2
segment 1 insns 68 ldst 20 branch 13 mul 15 other 20 div 4 mem 25 taken 10
segment 2 insns 1 ldst 0 branch 0 mul 0 other 1 div 0 mem 0 taken 0
window 5 insns 5 ldst 1 branch 2 mul 1 other 1 div 0 mem 1 hash $h5 taken 2
segment 0 insns 5 ldst 1 branch 2 mul 1 other 1 div 0 mem 1 taken 2
segment 1 insns 0 ldst 0 branch 0 mul 0 other 0 div 0 mem 0 taken 0
segment 2 insns 0 ldst 0 branch 0 mul 0 other 0 div 0 mem 0 taken 0
windows 5 errors 0
EXP
# a map the plugin must refuse (a segment above N), with its line
printf 'n 1\n%s 2\n' "$(printf '0x%x' $((rw_call)))" > "$W/segs.bad"

# qrun BOARD ELF LOG PLUGIN-ARGS: the program under the plugin on a board
qrun() {
    qemu-system-arm -M "$1" -nographic -monitor none -serial none -icount shift=0 \
        -semihosting-config enable=on,target=native -plugin "$B/stoic_trace.so,$4" \
        -kernel "$2" > "$3" 2>&1
}

fail=0
for board in mps2-an386 mps2-an500; do
    out=$W/$board.txt
    rm -f "$out"
    if ! qrun "$board" "$ELF" "$W/$board.log" "begin=$begin,end=$end,out=$out,run=$rw"; then
        echo "plugin test: $board: the program failed"; cat "$W/$board.log"; fail=1; continue
    fi
    # without run=: the same window lines, no segment; prof=: per PC
    if ! qrun "$board" "$ELF" "$W/$board.log" "begin=$begin,end=$end,out=$out.nosplit,prof=$out.prof"; then
        echo "plugin test: $board: the program failed"; cat "$W/$board.log"; fail=1; continue
    fi
    if ! qrun "$board" "$ELF" "$W/$board.log" "begin=$begin,end=$end,out=$out.segs,run=$rw,segs=$W/segs.txt"; then
        echo "plugin test: $board: the program failed (segs=)"; cat "$W/$board.log"; fail=1; continue
    fi
    got=$(awk '/^window [1-4] / { sub(/ hash [0-9a-f]+/, "") } { print }' "$out.segs")
    if [ "$got" != "$(cat "$W/expected.segs")" ]; then
        echo "plugin test: $board: segments by address (segs=) differ from the hand-derived counts"
        echo "$got" | diff "$W/expected.segs" - || true
        fail=1
        continue
    fi
    if qrun "$board" "$ELF" "$W/$board.bad.log" "begin=$begin,end=$end,out=$out.bad,run=$rw,segs=$W/segs.bad" ||
        ! grep -q "segs.bad:2: " "$W/$board.bad.log"; then
        echo "plugin test: $board: a segment map with K > N was not refused with its line number"
        cat "$W/$board.bad.log"; fail=1; continue
    fi
    if [ "$(grep -v '^segment ' "$out")" != "$(cat "$out.nosplit")" ]; then
        echo "plugin test: $board: splitting into segments (run=) changed the window lines"
        fail=1
        continue
    fi
    # the profile: its counts add up to the windows' instructions, and the
    # begin marker's first instruction ran once per window
    psum=$(awk '{ s += $2 } END { print s + 0 }' "$out.prof")
    wsum=$(awk '$1 == "window" { s += $4 } END { print s + 0 }' "$out")
    bcnt=$(awk -v b="$begin" '("0x" $1) == b || ("0x" $1) == tolower(b) { s += $2 } END { print s + 0 }' "$out.prof")
    if [ "$psum" != "$wsum" ] || [ "$bcnt" != 5 ]; then
        echo "plugin test: $board: prof= counts $psum instructions ($bcnt at the begin marker), the windows $wsum (5)"
        fail=1
        continue
    fi
    # the counts of windows 1-4 (their hashes are compared below), window 5 whole
    got=$(awk '/^window [1-4] / { sub(/ hash [0-9a-f]+/, "") } { print }' "$out")
    if [ "$got" != "$(cat "$W/expected")" ]; then
        echo "plugin test: $board: windows differ from the hand-derived counts"
        echo "$got" | diff "$W/expected" - || true
        fail=1
        continue
    fi
    h() { awk -v w="$1" '$1 == "window" && $2 == w { for (i = 3; i < NF; i++) if ($i == "hash") print $(i + 1) }' "$out"; }
    if [ "$(h 1)" != "$(h 3)" ]; then
        echo "plugin test: $board: the same path (x = 1, x = 5) gave two hashes"; fail=1
    elif [ "$(h 1)" = "$(h 2)" ]; then
        echo "plugin test: $board: the other arm of the branch (x = -1) left the hash unchanged"; fail=1
    elif [ "$(h 1)" = "$(h 4)" ] || [ "$(h 2)" = "$(h 4)" ]; then
        echo "plugin test: $board: the CBZ path (x = 0) did not change the hash"; fail=1
    else
        echo "plugin test: $board: 5 windows and their segments as derived by hand; x = -1 changes the hash at equal counts"
    fi
done

# Loops (loops=, heads=; target/plugin/test/loop_test.S): the headers
# target/loops.awk finds in the program's own functions, and per context
# (the root's call site, or root) each header's largest executions per
# entry, all executions and entries, and the calls per site, derived by
# hand in loop_test.S; the same in both windows, on both boards.
LELF=$B/loop_test.elf
lsym() { arm-none-eabi-nm "$LELF" | awk -v s="$1" '$3 == s { print "0x" $1 }'; }  # 8 hex digits
sh target/funcs.sh "$LELF" > "$W/loop.syms"
arm-none-eabi-objdump -d --no-show-raw-insn "$LELF" | awk -v syms="$W/loop.syms" -f target/funcs.awk -f target/loops.awk > "$W/loop.loops"
awk '{ print "0x" $1, "0x" $4 }' "$W/loop.loops" > "$W/loop.heads"
# HEAD FUNCTION LATCH ("?": the latch has no symbol), sorted
got=$(awk '$2 ~ /^(lt_run|nest|tail|below|clatch|leaf)$/ { print "0x" $1, $2, "0x" $4 }' "$W/loop.loops")
want=$(printf '%s lt_run ?\n%s nest ?\n%s nest ?\n%s below ?\n%s below %s\n%s clatch %s\n' \
    "$(lsym lt_rootloop)" "$(lsym lt_outer)" "$(lsym lt_inner)" "$(lsym lt_bhead)" \
    "$(lsym lt_bpre)" "$(lsym lt_blatch)" "$(lsym lt_chead)" "$(lsym lt_clatch)" | sort)
got=$(echo "$got" | awk -v w="$want" '
    BEGIN { n = split(w, l, "\n"); for (i = 1; i <= n; i++) { split(l[i], f, " "); if (f[3] == "?") q[f[1]] = 1 } }
    ($1 in q) { $3 = "?" } { print }' | sort)
if [ "$got" != "$want" ]; then
    echo "plugin test: loops.awk found other loops in loop_test.S:"; echo "$got"; echo "expected:"; echo "$want"
    fail=1
fi
sa=$(lsym lt_site_a) sb=$(lsym lt_site_b) sc=$(lsym lt_site_c)
sf=$(lsym lt_site_f) sg=$(lsym lt_site_g)
ho=$(lsym lt_outer) hi=$(lsym lt_inner)
: > "$W/loop.expected"
for w in 1 2; do
    cat >> "$W/loop.expected" <<EXP
loops $w root $(lsym lt_run)
loop $w $sa head $ho max 3 total 3 entries 1
loop $w $sa head $hi max 4 total 12 entries 3
loop $w $sb head $ho max 2 total 2 entries 1
loop $w $sb head $hi max 5 total 10 entries 2
loop $w $sc head $ho max 1 total 2 entries 2
loop $w $sc head $hi max 1 total 2 entries 2
loop $w $sf head $(lsym lt_bhead) max 3 total 6 entries 2
loop $w $sf head $(lsym lt_bpre) max 2 total 2 entries 1
loop $w $sg head $(lsym lt_chead) max 4 total 4 entries 1
loop $w root head $(lsym lt_rootloop) max 2 total 2 entries 1
call $w $sa count 1
call $w $sb count 1
call $w $sc count 2
call $w $(lsym lt_site_d) count 1
call $w $(lsym lt_site_e) count 1
call $w $sf count 1
call $w $sg count 1
EXP
done
for board in mps2-an386 mps2-an500; do
    if ! qrun "$board" "$LELF" "$W/loop-$board.log" \
        "begin=$(lsym lt_begin),end=$(lsym lt_end),out=$W/loop-$board.txt,loops=$W/loop-$board.loops,heads=$W/loop.heads"; then
        echo "plugin test: loop_test on $board: the program failed"; fail=1; continue
    fi
    if ! cmp -s "$W/loop-$board.loops" "$W/loop.expected" || ! grep -q '^windows 2 errors 0$' "$W/loop-$board.txt"; then
        echo "plugin test: loop_test on $board: loops differ from the hand-derived ones:"
        diff "$W/loop.expected" "$W/loop-$board.loops" | head -20 || true
        fail=1
    else
        echo "plugin test: loop_test on $board: every loop's bound per entry, executions and entries per call site as derived by hand"
    fi
done

# target/ais.awk on those measurements: the annotation lines derived by
# hand from loop_test.S (offsets from the symbols), and a failure when a
# second run differs from the first or a loop lies off the path
off() { echo $(( $(lsym "$1") - $(lsym "$2") )); }
sd=$(off lt_site_a lt_run) se=$(off lt_site_b lt_run) sfc=$(off lt_site_c lt_run)
sff=$(off lt_site_f lt_run) sfg=$(off lt_site_g lt_run)
ais() { awk -v syms="$W/loop.syms" -v loops="$W/loop.loops" -v path="$1" -v root=lt_run -v head="# test" \
        -f target/funcs.awk -f target/ais.awk "$2"; }
cat > "$W/ais.expected" <<EXP
loop "below" + $(off lt_bhead below) bytes max 3 end ;
flow 1 ("below" + $(off lt_bhead below) bytes) <= 6 ("lt_run" + $sff bytes) ;
loop "below" + $(off lt_bpre below) bytes max 2 end ;
flow 1 ("below" + $(off lt_bpre below) bytes) <= 2 ("lt_run" + $sff bytes) ;
loop "clatch" + $(off lt_chead clatch) bytes max 4 end ;
flow 1 ("clatch" + $(off lt_chead clatch) bytes) <= 4 ("lt_run" + $sfg bytes) ;
loop "lt_run" + $(off lt_rootloop lt_run) bytes max 2 end ;
flow 1 ("lt_run" + $(off lt_rootloop lt_run) bytes) <= 2 ("lt_run") ;
loop "nest" + $(off lt_outer nest) bytes max 3 end ;
flow 1 ("nest" + $(off lt_outer nest) bytes) <= 3 ("lt_run" + $sd bytes) + 2 ("lt_run" + $se bytes) + 1 ("lt_run" + $sfc bytes) ;
loop "nest" + $(off lt_inner nest) bytes max 5 end ;
flow 1 ("nest" + $(off lt_inner nest) bytes) <= 12 ("lt_run" + $sd bytes) + 10 ("lt_run" + $se bytes) + 1 ("lt_run" + $sfc bytes) ;
EXP
if ! ais "nest tail below clatch leaf" "$W/loop-mps2-an386.loops" > "$W/loop.ais" 2> "$W/ais.err" ||
   ! grep -E '^(loop|flow|instruction) ' "$W/loop.ais" | cmp -s - "$W/ais.expected"; then
    echo "plugin test: ais.awk: the annotations of loop_test differ from the hand-derived ones:"
    grep -E '^(loop|flow|instruction) ' "$W/loop.ais" | diff "$W/ais.expected" - | head -10 || true
    cat "$W/ais.err"
    fail=1
elif awk '$1 == "loop" && $2 == 2 && $5 == "'"$(lsym lt_inner)"'" && $3 == "'"$sa"'" { $7 = 5 } { print }' \
        "$W/loop-mps2-an386.loops" > "$W/loop.bad1" && ais "nest tail below clatch leaf" "$W/loop.bad1" > /dev/null 2>&1; then
    echo "plugin test: ais.awk accepted a second run whose loop bound differs"; fail=1
elif ais "nest tail below" "$W/loop-mps2-an386.loops" > /dev/null 2>&1; then
    echo "plugin test: ais.awk accepted a measured loop (clatch) off the path"; fail=1
else
    echo "plugin test: ais.awk: loop_test's annotations as derived by hand; a run that differs and a loop off the path are refused"
fi

for prog in trace_test "$@"; do
    [ "$prog" = trace_test ] && prog=$ELF
    board=mps2-an386
    case $prog in */m7/*) board=mps2-an500 ;; esac
    name=$(echo "$prog" | sed 's|.*/\([^/]*\)/\([^/]*\)\.elf$|\1-\2|')
    d=$W/dump-$name
    mkdir -p "$d"
    # the model programs read in.raw and probe_in.raw: 4 rows of zeros of
    # the examples' 64 inputs
    head -c 1024 /dev/zero > "$d/in.raw"
    head -c 1024 /dev/zero > "$d/probe_in.raw"
    psym() { arm-none-eabi-nm "$prog" | awk -v s="$1" '$3 == s { print "0x" $1 }'; }
    pb=$(psym stoic_probe_begin)
    pe=$(psym stoic_probe_end)
    [ -n "$pb" ] || { pb=$begin; pe=$end; }
    so=$(cd "$B" && pwd)/stoic_trace.so
    pa=$(cd "$(dirname "$prog")" && pwd)/$(basename "$prog")
    (cd "$d" && qemu-system-arm -M "$board" -nographic -monitor none -serial none -icount shift=0 \
        -semihosting-config enable=on,target=native \
        -plugin "$so,begin=$pb,end=$pe,out=trace.txt,dump=dump.txt" \
        -kernel "$pa" > log.txt 2>&1) || true
    if arm-none-eabi-objdump -d --no-show-raw-insn "$prog" |
       awk -f target/plugin/test/classify.awk "$d/dump.txt" - > "$d/classify.txt"; then
        echo "plugin test: $name on $board: $(tail -1 "$d/classify.txt")"
    else
        echo "plugin test: $name on $board: the decoded classes differ from the mnemonics':"
        head -10 "$d/classify.txt" | sed 's/^/    /'
        fail=1
    fi
done
exit $fail

#!/bin/sh
# The trace plugin's own test (make target-plugin-check, part of
# make target-check): runs target/plugin/test/trace_test.S on both QEMU
# boards with the plugin and compares every window with the counts derived
# by hand in the program's comments, and window 5's hash with an
# independent FNV-1a over its known PC sequence. The runs split the
# windows by the calls of run_window (run=, as make bench does with
# NAME_run): the segments are compared with hand-derived counts too, and
# a run without run= must give the same window lines and no segment.
#
#   sh target/plugin/test/run.sh BUILD_DIR [ELF...]
# BUILD_DIR holds stoic_trace.so, trace_test.elf and fnv1a (target.mk).
# Each ELF (a compiled model with the target harness) is then run with the
# plugin's dump=FILE, and the class the plugin decoded for every
# instruction it translated must equal the class of objdump's mnemonic
# for it (classify.awk): the decoder checked on real compiler output.
# REQ: REQ-DET-004
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

fail=0
for board in mps2-an386 mps2-an500; do
    out=$W/$board.txt
    rm -f "$out"
    if ! qemu-system-arm -M "$board" -nographic -monitor none -serial none -icount shift=0 \
        -semihosting-config enable=on,target=native \
        -plugin "$B/stoic_trace.so,begin=$begin,end=$end,out=$out,run=$rw" \
        -kernel "$ELF" > "$W/$board.log" 2>&1; then
        echo "plugin test: $board: the program failed"; cat "$W/$board.log"; fail=1; continue
    fi
    # without run=: the same window lines, no segment; prof=: per PC
    if ! qemu-system-arm -M "$board" -nographic -monitor none -serial none -icount shift=0 \
        -semihosting-config enable=on,target=native \
        -plugin "$B/stoic_trace.so,begin=$begin,end=$end,out=$out.nosplit,prof=$out.prof" \
        -kernel "$ELF" > "$W/$board.log" 2>&1; then
        echo "plugin test: $board: the program failed"; cat "$W/$board.log"; fail=1; continue
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

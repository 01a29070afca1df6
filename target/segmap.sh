#!/bin/sh
# target/segmap.sh ELF NAME.c FUNCTION -- the segment map of FUNCTION for
# the trace plugin's segs=FILE (target/plugin/stoic_trace.c): which of
# FUNCTION's instructions belong to its K-th kernel call.
#
# The kernel calls are the lines of FUNCTION in NAME.c that start a call
# of a stoic_* function (as target/layers.sh and bench/segments.awk count
# them), K = 1 .. N in order. An instruction of FUNCTION belongs to call K
# when the debug information (addr2line -i: the chain of inlined calls)
# places it, in FUNCTION's own frame, on call K's line: the argument
# set-up and the branch of a call, or the body of a kernel inlined there
# (stoic generate --kernels inline). Other instructions (prologue,
# epilogue, what the compiler left on other lines) are in no call: the
# plugin counts them in segment 0. Prints "n N", then "0xPC K" lines by
# increasing address. ELF must be built with -g.
set -eu
[ $# -eq 3 ] || { echo "usage: target/segmap.sh ELF NAME.c FUNCTION" >&2; exit 2; }
elf=$1 src=$2 fn=$3
base=$(basename "$src")
lines=$(awk -v fn="$fn" '
    $0 ~ "^void " fn "\\(" { inrun = 1; next }
    inrun && /^}$/ { inrun = 0 }
    inrun && /^    stoic_[a-z0-9_]*\(/ { print NR }' "$src")
n=$(echo "$lines" | grep -c . || true)
[ "$n" -ge 1 ] || { echo "segmap: no kernel call in $fn of $src" >&2; exit 1; }
echo "n $n"
arm-none-eabi-objdump -d --no-show-raw-insn "$elf" |
    awk -v fn="<$fn>:" '
        /^[0-9a-f]+ <.*>:$/ { inf = ($2 == fn); next }
        inf && /^ *[0-9a-f]+:\t/ { a = $1; sub(/:$/, "", a); print "0x" a }' |
    arm-none-eabi-addr2line -e "$elf" -a -i -p |
    awk -v base="$base" -v lines="$lines" '
        BEGIN { m = split(lines, l, "\n"); for (i = 1; i <= m; i++) k[l[i]] = i }
        # "0xADDR: FILE:LINE ..." starts an address, " (inlined by) FILE:LINE ..." its callers
        function loc(s,   t) {
            sub(/ \(discriminator [0-9]+\)/, "", s)
            t = s; sub(/.*\//, "", t)           # the file name and line
            return t
        }
        function flush() { if (addr != "" && (out in k)) printf "%s %d\n", addr, k[out] }
        /^0x[0-9a-f]+: / {
            flush()
            addr = $1; sub(/:$/, "", addr); sub(/^0x0*/, "0x", addr)
            rest = $0; sub(/^0x[0-9a-f]+: /, "", rest); sub(/^.* at /, "", rest)
            out = ""
            t = loc(rest); split(t, f, ":"); if (f[1] == base) out = f[2] + 0
            next
        }
        /^ \(inlined by\) / {
            rest = $0; sub(/^ \(inlined by\) /, "", rest); sub(/^.* at /, "", rest)
            t = loc(rest); split(t, f, ":"); if (f[1] == base) out = f[2] + 0
        }
        END { flush() }'

# target/runpath.awk: the run path of a model in an ARM disassembly, and
# what may not be on it.
#
#   arm-none-eabi-objdump -d --no-show-raw-insn ELF |
#       awk -v roots="NAME_run" -v libs=LIBSYMS -f target/runpath.awk
#
# Follows every direct call and tail call (bl, b, b.w, cbz, ... to another
# function's symbol) from the root functions and reports, for each function
# reached:
#   - a division instruction (sdiv, udiv: 2 to 12 cycles on Cortex-M, by
#     the operands' values),
#   - a call to a compiler helper or library routine: a function whose name
#     starts with "__" (__aeabi_*, __divdi3, __gnu_*, ...) or that is
#     defined in the core's libgcc, libc or libm (LIBSYMS: one name a line,
#     from nm of those libraries),
#   - an indirect call or jump: a function pointer or a jump table, which
#     the generated code must not have. Precisely: the returns are bx lr,
#     pop {..., pc}, ldmia sp!, {..., pc} (the same pop), ldr pc, [sp], #4
#     (a one-register pop) and mov pc, lr; every other instruction that
#     takes the next PC from a register, memory or a table is an indirect
#     branch: blx rN, bx rN (N other than lr), any other instruction whose
#     destination is pc (mov, add, ldr, ...), ldm rN, {..., pc} from a
#     register other than sp, and tbb / tbh (a switch's jump table).
# target/runpath_test.sh plants each of these (and a division and a
# helper call) and checks that this walk reports them.
# Prints "path: F1 F2 ..." (the functions reached, in the order found) and
# one line per violation; exit status 1 when there is any.
BEGIN {
    FS = "\t"
    while ((getline name < libs) > 0) {
        lib[name] = 1
    }
}

/^[0-9a-f]+ <[^>]+>:$/ {
    fn = $0
    sub(/^[0-9a-f]+ </, "", fn)
    sub(/>:$/, "", fn)
    defined[fn] = 1
    next
}

fn != "" && NF >= 2 && $1 ~ /^ *[0-9a-f]+:$/ {
    m = $2
    gsub(/ /, "", m)
    ops = (NF >= 3) ? $3 : ""
    if (m ~ /^(sdiv|udiv)(\.w)?$/) {
        bad[fn] = bad[fn] "; " m " at " $1
    }
    if (m ~ /^(blx|bx)(\.n)?$/ && ops !~ /^lr/) {
        bad[fn] = bad[fn] "; indirect " m " " ops
    }
    # a write of the PC other than a return (ldr pc, [sp], #4 is a one-register pop)
    if (ops ~ /^pc,/ && !(m ~ /^mov/ && ops ~ /^pc, lr$/) &&
        !(m ~ /^ldr/ && ops ~ /^pc, \[sp\], #4$/)) {
        bad[fn] = bad[fn] "; indirect " m " " ops
    }
    # a load of several registers with the PC: a return only from the stack
    if (m ~ /^(ldm|pop)/ && ops ~ /pc\}/ && !(m ~ /^pop/ || ops ~ /^sp!, \{/)) {
        bad[fn] = bad[fn] "; indirect " m " " ops
    }
    # a table branch: a switch's jump table
    if (m ~ /^tb[bh](\.w)?$/) {
        bad[fn] = bad[fn] "; indirect " m " " ops " (a jump table)"
    }
    if (m ~ /^(b|cb)/ && match(ops, /<[^>]+>/)) {
        t = substr(ops, RSTART + 1, RLENGTH - 2)
        sub(/\+0x[0-9a-f]+$/, "", t)
        if (t != fn && index(edges[fn], " " t " ") == 0) {
            edges[fn] = edges[fn] " " t " "
        }
    }
}

END {
    n = split(roots, q, " ")
    for (i = 1; i <= n; i++) {
        seen[q[i]] = 1
    }
    head = 1
    path = ""
    fail = 0
    while (head <= n) {
        f = q[head]
        head++
        path = path " " f
        if (!(f in defined)) {
            print "violation: " f ": not defined in the program"
            fail = 1
        }
        if (f ~ /^__/ || (f in lib)) {
            print "violation: call to " f " (a compiler helper or library routine)"
            fail = 1
        }
        if (f in bad) {
            print "violation: " f substr(bad[f], 2)
            fail = 1
        }
        k = split(edges[f], c, " ")
        for (j = 1; j <= k; j++) {
            if (c[j] != "" && !(c[j] in seen)) {
                seen[c[j]] = 1
                n++
                q[n] = c[j]
            }
        }
    }
    print "path:" path
    exit fail
}

# target/ais.awk: the loop annotations of one entry function for the aiT
# timing analyser (AbsInt's AIS format), from the loops of the binary and
# the trace plugin's measurements of them.
#
#   awk -v syms=SYMS -v loops=LOOPS -v path="F1 F2 ..." -v root=FN \
#       -v head=HEADER -f target/funcs.awk -f target/ais.awk PLUGIN_LOOPS > FN.ais
#
# SYMS     target/funcs.sh of the binary (its functions and their sizes)
# LOOPS    target/loops.awk of its disassembly: "HEAD FUNCTION OFFSET LATCH"
# path     the functions FN reaches (target/runpath.awk), FN among them
# root     the entry function (NAME_run, NAME_run_float, NAME_step, ...)
# head     comment lines for the top of the file (binary, compiler, core)
# PLUGIN_LOOPS  the plugin's loops=FILE ("loops W root 0xA", "loop W CTX
#          head 0xH max N total T entries E", "call W 0xSITE count C"): the
#          windows whose root is FN are used, every one of them.
#
# Writes, per loop header of a function on the path (sorted by function,
# then offset):
#   - comments: the header, its back edges, and per call site of FN (the
#     call instruction as FN + offset) the most executions of the header
#     per entry, its executions per call and its entries per call;
#   - loop "F" + OFF bytes max N end ;      N the most executions of the
#     header per entry over every context (aiT's "end": the loop counted at
#     its header);
#   - flow 1 ("F" + OFF bytes) <= T1 ("FN" + S1 bytes) + ... ;  the header's
#     executions bounded by its executions per call from each call site of
#     FN times that call site's executions (for code of FN itself: per
#     entry of FN, ("FN"));
#   - a header no window executed: instruction "F" + OFF bytes is never
#     executed ; (make target-check requires one instruction path for every
#     input, so what one run does not execute, no run executes).
# Exit 1, with a message on stderr, when a window of FN differs from the
# first (the loops depend on the input), when no window ran FN, or when a
# measured loop is not in a function of the path (the call graph missed
# it).
BEGIN {
    load_funcs(syms)
    for (i = 1; i <= nf; i++) if (fname[i] == root) rootk = i
    if (!rootk) { print "ais.awk: " root " is not a function of the binary" > "/dev/stderr"; bad = 1; exit 1 }
    np = split(path, pp, " ")
    for (i = 1; i <= np; i++) onpath[pp[i]] = 1
    onpath[root] = 1
    while ((getline l < loops) > 0) {
        split(l, f, " ")
        h = hex(f[1])
        if (!(f[2] in onpath)) continue
        if (!(h in hfn)) { hfn[h] = f[2]; hoff[h] = f[3] + 0; nh++; hl[nh] = h }
        latches[h] = latches[h] sprintf(" 0x%08x", hex(f[4]))
    }
}

$1 == "loops" {
    w = $2
    inroot = (hex(substr($4, 3)) == lo[rootk])
    if (inroot) { nw++; cur = w }
    next
}
($1 == "loop" || $1 == "call") && inroot {
    if ($2 != cur) next
    sig = $0
    sub(/^[a-z]+ [0-9]+ /, "", sig)
    win[nw] = win[nw] sig "\n"
    if ($1 == "call") { calls[$3] = $5; next }
    ctx = $3; h = hex(substr($5, 3))
    key = ctx SUBSEP h
    if (!(h in hfn)) {
        k = func_of(h)
        printf "ais.awk: %s: a loop at 0x%08x (%s) is not on the path of the call graph\n", root, h, \
            (k ? fname[k] : "?") > "/dev/stderr"
        bad = 1
        next
    }
    if (nw == 1) {
        mx[key] = $7; tot[key] = $9; ent[key] = $11
        if ($7 + 0 > hmax[h] + 0) hmax[h] = $7 + 0
        hseen[h] = 1
        nctx[h]++; ctxs[h, nctx[h]] = ctx
    }
}

END {
    if (bad) exit 1
    if (nw == 0) { print "ais.awk: no window ran " root > "/dev/stderr"; exit 1 }
    for (i = 2; i <= nw; i++) if (win[i] != win[1]) {
        print "ais.awk: " root ": the loops of run " i " differ from those of run 1 (they depend on the input)" > "/dev/stderr"
        exit 1
    }
    # sorted by function, then offset
    for (i = 1; i <= nh; i++) ord[i] = hl[i]
    for (i = 2; i <= nh; i++) {
        x = ord[i]
        for (j = i - 1; j >= 1 && later(ord[j], x); j--) ord[j + 1] = ord[j]
        ord[j + 1] = x
    }
    printf "%s\n", head
    printf "# %d loops in the %d functions %s reaches; %d executed.\n", nh, np + 0, root, count_seen()
    for (i = 1; i <= nh; i++) {
        h = ord[i]
        pt = sprintf("\"%s\" + %d bytes", hfn[h], hoff[h])
        printf "\n# %s + %d (header 0x%08x; back edge from%s)\n", hfn[h], hoff[h], h, latches[h]
        if (!(h in hseen)) {
            printf "#   not executed by %s\n", root
            printf "instruction %s is never executed ;\n", pt
            continue
        }
        rhs = ""
        for (c = 1; c <= nctx[h]; c++) {
            ctx = ctxs[h, c]; key = ctx SUBSEP h
            if (ctx == "root") {
                printf "#   in %s itself: at most %d per entry, %d per call of %s (%d entries)\n", \
                    root, mx[key], tot[key], root, ent[key]
                term = sprintf("%d (\"%s\")", tot[key], root)
            } else {
                site = hex(substr(ctx, 3)) - lo[rootk]
                n = calls[ctx] + 0
                if (n < 1) { print "ais.awk: no call counted at " ctx > "/dev/stderr"; exit 1 }
                pc = int((tot[key] + n - 1) / n)
                printf "#   call at %s + %d: at most %d per entry, %d per call (%d entries in %d call%s)\n", \
                    root, site, mx[key], pc, ent[key], n, (n > 1 ? "s" : "")
                term = sprintf("%d (\"%s\" + %d bytes)", pc, root, site)
            }
            rhs = rhs (rhs == "" ? "" : " + ") term
        }
        printf "loop %s max %d end ;\n", pt, hmax[h]
        printf "flow 1 (%s) <= %s ;\n", pt, rhs
    }
}

function count_seen(    n, k) { n = 0; for (k in hseen) n++; return n }
function later(a, b) { return hfn[a] > hfn[b] || (hfn[a] == hfn[b] && hoff[a] > hoff[b]) }

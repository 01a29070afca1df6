# target/loops.awk: the loops of an ARM (Thumb-2) program, from its
# disassembly: the natural loops of each function's control-flow graph.
#
#   sh target/funcs.sh ELF > SYMS
#   arm-none-eabi-objdump -d --no-show-raw-insn ELF |
#       awk -v syms=SYMS -f target/funcs.awk -f target/loops.awk
#
# Per function (target/funcs.sh: the ELF's FUNC symbols with their sizes;
# labels and data do not split a function): basic blocks from the branches (b, b<cond>, cbz,
# cbnz, returns: bx, pop/ldm with pc, ldr/mov into pc, tbb/tbh, which end
# a block without a successor in the function, or with the next
# instruction as one when conditional in an IT block; a call returns to
# the next instruction; a branch out of the function is a tail call), the
# dominators (Cooper, Harvey and Kennedy's iteration over the reverse
# postorder), and every back edge: an edge u -> h where h dominates u. h
# is a loop header; the back edge is taken at the last instruction of u
# (its latch: a branch, or the instruction before the header when u falls
# through into it, or a call that returns into it). A backward jump to a
# shared tail is no loop; a loop the compiler unrolled away is none
# either: what counts is the code. One line per back edge:
#
#   HEAD FUNCTION OFFSET LATCH
#
# HEAD and LATCH 8 hex digits (no 0x), OFFSET the header's distance from
# the function's first instruction in bytes; sorted by header, then latch.
# A function whose first instruction is not at its symbol is skipped with
# a message on stderr (not met in the binaries built here).
BEGIN {
    FS = "\t"
    if (load_funcs(syms) == 0) { print "loops.awk: no function with a size in " syms > "/dev/stderr"; exit 2 }
    COND = "(eq|ne|cs|hs|cc|lo|mi|pl|vs|vc|hi|ls|ge|lt|gt|le)"
    cur = 0
    n = 0
}

/^ *[0-9a-f]+:\t/ && NF >= 2 {
    at = $1
    gsub(/[ :]/, "", at)
    a = hex(at)
    m = $2
    gsub(/ /, "", m)
    if (m ~ /^\./) next                       # .word, .short: a literal pool
    k = func_of(a)
    if (k != cur) { flush(); cur = k; n = 0 }
    if (k == 0) next
    n++
    ad[n] = a
    mn[n] = m
    op[n] = (NF >= 3) ? $3 : ""
}

END { flush() }

# the instructions of function cur, ad[1..n]: its loops
function flush(    i, j, t, nb, b, s, changed, x, y, p, st, sp, vis, nr, u, v, e, base) {
    if (cur == 0 || n == 0) return
    base = lo[cur]
    if (ad[1] != base) {
        printf "loops.awk: %s: no instruction at its symbol, skipped\n", fname[cur] > "/dev/stderr"
        return
    }
    split("", lead); split("", kind); split("", tgt)
    for (i = 1; i <= n; i++) idx[ad[i]] = i
    lead[1] = 1
    for (i = 1; i <= n; i++) {
        kind[i] = ""
        t = -1
        if (match(op[i], /(^|, )[0-9a-f]+ </)) {
            x = substr(op[i], RSTART, RLENGTH)
            sub(/^, /, "", x); sub(/ <$/, "", x)
            t = hex(x)
        }
        if (mn[i] ~ /^bl(x)?$/ || mn[i] ~ ("^blx?" COND "$")) {
            kind[i] = "call"
        } else if (mn[i] ~ /^b(\.[nw])?$/) {
            kind[i] = "jump"
        } else if (mn[i] ~ ("^b" COND "(\\.[nw])?$") || mn[i] ~ /^cbn?z$/) {
            kind[i] = "cond"
        } else if (mn[i] ~ /^tb[bh]/ || mn[i] ~ /^bx/ || mn[i] ~ /^blx/ ||
                   op[i] ~ /^pc,/ || op[i] ~ /pc\}/) {
            # a return or an indirect branch; conditional in an IT block when
            # the mnemonic carries a condition
            kind[i] = (mn[i] ~ ("^(bx|pop|ldm[a-z]*|ldr|mov)" COND "(\\.[nw])?$")) ? "condret" : "ret"
        }
        tgt[i] = -1
        if ((kind[i] == "jump" || kind[i] == "cond") && t >= 0 && (t in idx)) {
            tgt[i] = idx[t]
            lead[idx[t]] = 1
        }
        if (kind[i] != "" && kind[i] != "call" && i < n) lead[i + 1] = 1
    }
    # blocks: bstart[b] .. bend[b]; succ lists
    nb = 0
    for (i = 1; i <= n; i++) {
        if (i in lead) { nb++; bstart[nb] = i; bof[i] = nb }
        bof[i] = nb
        bend[nb] = i
    }
    for (b = 1; b <= nb; b++) {
        i = bend[b]
        ns[b] = 0
        if (tgt[i] >= 0) { ns[b]++; sc[b, ns[b]] = bof[tgt[i]] }
        if ((kind[i] == "" || kind[i] == "call" || kind[i] == "cond" || kind[i] == "condret") && b < nb) {
            ns[b]++; sc[b, ns[b]] = b + 1
        }
    }
    # reverse postorder from block 1 (iterative depth-first search)
    split("", vis); split("", post); nr = 0
    sp = 1; st[1] = 1; it[1] = 0; vis[1] = 1
    while (sp > 0) {
        u = st[sp]
        if (it[sp] < ns[u]) {
            it[sp]++
            v = sc[u, it[sp]]
            if (!(v in vis)) { vis[v] = 1; sp++; st[sp] = v; it[sp] = 0 }
        } else {
            nr++; post[nr] = u; pnum[u] = nr; sp--
        }
    }
    # predecessors
    split("", np)
    for (b = 1; b <= nb; b++) if (b in vis) for (j = 1; j <= ns[b]; j++) { v = sc[b, j]; np[v]++; pr[v, np[v]] = b }
    # immediate dominators (Cooper, Harvey, Kennedy)
    split("", idom)
    idom[1] = 1
    changed = 1
    while (changed) {
        changed = 0
        for (x = nr - 1; x >= 1; x--) {
            b = post[x]
            if (b == 1) continue
            y = -1
            for (j = 1; j <= np[b]; j++) {
                p = pr[b, j]
                if (!(p in idom)) continue
                y = (y < 0) ? p : meet(p, y)
            }
            if (y >= 0 && (!(b in idom) || idom[b] != y)) { idom[b] = y; changed = 1 }
        }
    }
    # back edges u -> v with v dominating u
    for (u = 1; u <= nb; u++) {
        if (!(u in vis)) continue
        for (j = 1; j <= ns[u]; j++) {
            v = sc[u, j]
            if (dominates(v, u)) {
                printf "%08x %s %d %08x\n", ad[bstart[v]], fname[cur], ad[bstart[v]] - base, ad[bend[u]] | "sort"
            }
        }
    }
    for (i = 1; i <= n; i++) delete idx[ad[i]]
}

function meet(a, b) {
    while (a != b) {
        while (pnum[a] < pnum[b]) a = idom[a]
        while (pnum[b] < pnum[a]) b = idom[b]
    }
    return a
}

function dominates(a, b) {
    while (1) {
        if (a == b) return 1
        if (b == 1) return 0
        b = idom[b]
    }
}

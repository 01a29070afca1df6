# bench/render.awk -- bench/RESULTS.md from the figures of make bench.
#
#   awk -F '\t' -v commit=TEXT -v tools=TEXT -f bench/render.awk results.tsv
#
# results.tsv: "VARIANT SCOPE METRIC VALUE" lines (bench/measure.sh) and
# comment lines (#). The output depends on the figures and the two
# strings only: the same figures give the same bytes.

/^#/ { next }
NF == 4 {
    v = $1
    if (!(v in seenv)) { seenv[v] = 1; vs[++nv] = v }
    val[v, $2, $3] = $4
    if ($2 ~ /^layer:/ && $3 == "index") { nl[v]++; lay[v, $4] = substr($2, 7) }
}

function has(v, s, m) { return ((v, s, m) in val) && val[v, s, m] != "" }
function g(v, s, m) { return has(v, s, m) ? val[v, s, m] : "" }
# an integer with a thin space every three digits ("340 244"), or "–"
function n(x,    s, out, neg) {
    if (x == "" || x == "-") return "–"
    s = sprintf("%d", x); neg = ""
    if (substr(s, 1, 1) == "-") { neg = "−"; s = substr(s, 2) }
    out = ""
    while (length(s) > 3) { out = " " substr(s, length(s) - 2) out; s = substr(s, 1, length(s) - 3) }
    return neg s out
}
function ratio(a, b) { return (a == "" || b == "" || b + 0 == 0) ? "–" : sprintf("%.2f", a / b) }
function pct(a, b) { return (a == "" || b == "" || b + 0 == 0) ? "–" : sprintf("%.1f", 100 * a / b) }
# the estimate against the measurement: "+3.1 %"
function dev(e, m) {
    if (e == "" || m == "" || m + 0 == 0) return "–"
    return sprintf("%+.1f %%", 100 * (e - m) / m)
}
function mix(v, s, c,    t) {
    t = g(v, s, c ".insns")
    if (t == "") return "–"
    return pct(g(v, s, c ".ldst"), t) " · " pct(g(v, s, c ".branch"), t) " · " \
           pct(g(v, s, c ".mul"), t) " · " pct(g(v, s, c ".other"), t)
}
function pair(a, b) { return (a == b || b == "") ? n(a) : n(a) " / " n(b) }
# a layer name in a table cell: | would end the cell
function cell(s) { gsub(/\|/, "\\|", s); return s }

END {
    print "# stoic benchmarks"
    print ""
    print "Written by `make bench` (`bench/run.sh`); do not edit. The same figures,"
    print "machine-readable, are in `bench/results.tsv`; `make bench` fails when one"
    print "of them regresses by more than 1 % against the committed file. How each"
    print "figure is measured, the cycle model and what it ignores: `bench/README.md`."
    print ""
    print "- " commit
    print "- " tools
    print "- Builds: `target/variants.txt` (mlp, digits, dsconv imported from its ONNX file;"
    print "  float32, int8, int16; mlp pruned to 90 % in int8), generated and compiled as"
    print "  `make cross` does (`-O2`), run under QEMU with the trace plugin."
    print "- Instructions: executed by `NAME_run` between the probe markers (about 10 of"
    print "  them are the probe's call), exact and the same for every input. Cycles:"
    print "  the cost model of `bench/README.md` applied to the measured counts."
    print ""
    print "## Whole network"
    print ""
    print "| build | MACs | M4 instructions | per MAC | M4 cycles | per MAC | M7 instructions | M7 cycles | host instructions (callgrind) |"
    print "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    for (i = 1; i <= nv; i++) {
        v = vs[i]; m = g(v, "net", "macs")
        printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", v, n(m),
            n(g(v, "net", "m4.insns")), ratio(g(v, "net", "m4.insns"), m),
            n(g(v, "net", "m4.cycles")), ratio(g(v, "net", "m4.cycles"), m),
            n(g(v, "net", "m7.insns")), n(g(v, "net", "m7.cycles")), n(g(v, "net", "host.ir"))
    }
    print ""
    print "## Instruction mix (whole network)"
    print ""
    print "Percent of the instructions: load/store · branch · multiply · other; then"
    print "the taken instructions (branches that jump, calls, returns), the divides"
    print "and the memory accesses (one per register of LDM/STM/PUSH/POP)."
    print ""
    print "| build | core | ld/st · branch · mul · other (%) | taken | div | memory accesses |"
    print "| --- | --- | --- | ---: | ---: | ---: |"
    for (i = 1; i <= nv; i++) {
        v = vs[i]
        for (c = 1; c <= 2; c++) {
            core = (c == 1) ? "m4" : "m7"
            printf "| %s | %s | %s | %s | %s | %s |\n", v, toupper(core), mix(v, "net", core),
                n(g(v, "net", core ".taken")), n(g(v, "net", core ".div")), n(g(v, "net", core ".mem"))
        }
    }
    print ""
    print "## Flash, RAM and stack"
    print ""
    print "Bytes, from `arm-none-eabi-size` of each generated file compiled for the core"
    print "(M4 / M7 where they differ). Code: `NAME.c` (`NAME_run`, `NAME_run_float`) and"
    print "the runtime kernels it links; constants: `NAME_weights.c` (weights, biases,"
    print "multipliers, tables), the kernel parameter structs in `NAME.c`, the runtime's"
    print "own tables. RAM: the activation arena (`NAME_ARENA_SIZE`) and all static"
    print "data (the arena and the float wrapper's buffers). Stack: the worst case"
    print "along the call graph (`-fstack-usage`, `-fcallgraph-info`), no interrupt."
    print ""
    print "| build | code: model | code: runtime | const: weights | const: params | const: runtime | RAM: arena | RAM: static | stack `NAME_run` | stack `NAME_run_float` |"
    print "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    for (i = 1; i <= nv; i++) {
        v = vs[i]
        printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", v,
            pair(g(v, "net", "m4.flash.code.model"), g(v, "net", "m7.flash.code.model")),
            pair(g(v, "net", "m4.flash.code.runtime"), g(v, "net", "m7.flash.code.runtime")),
            pair(g(v, "net", "m4.flash.const.weights"), g(v, "net", "m7.flash.const.weights")),
            pair(g(v, "net", "m4.flash.const.params"), g(v, "net", "m7.flash.const.params")),
            pair(g(v, "net", "m4.flash.const.runtime"), g(v, "net", "m7.flash.const.runtime")),
            n(g(v, "net", "ram.arena")),
            pair(g(v, "net", "m4.ram.bss") + g(v, "net", "m4.ram.data"), g(v, "net", "m7.ram.bss") + g(v, "net", "m7.ram.data")),
            pair(g(v, "net", "m4.stack.run"), g(v, "net", "m7.stack.run")),
            pair(g(v, "net", "m4.stack.run_float"), g(v, "net", "m7.stack.run_float"))
    }
    print ""
    print "## The generator's estimates against the measurements"
    print ""
    print "`NAME_report.json` estimates instructions and cycles per layer and for"
    print "`NAME_run` (generator/cost.h: the table `generator/cost_table.c`, fitted by"
    print "`make bench-fit` on the tests/e2e cases, never on these models) and the"
    print "worst-case stack. Estimate, and its difference to the measurement:"
    print ""
    print "| build | M4 instructions | M4 cycles | M7 instructions | M7 cycles | stack M4 | stack M7 |"
    print "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
    for (i = 1; i <= nv; i++) {
        v = vs[i]
        printf "| %s", v
        split("m4.insns m4.cycles m7.insns m7.cycles", ms, " ")
        for (k = 1; k <= 4; k++) {
            e = g(v, "net", "est." ms[k])
            printf " | %s (%s)", n(e), dev(e, g(v, "net", ms[k]))
        }
        for (c = 1; c <= 2; c++) {
            core = (c == 1) ? "m4" : "m7"
            e = g(v, "net", "est." core ".stack.run")
            printf " | %s (%s)", n(e), (e == "") ? "–" : sprintf("%+d", e - g(v, "net", core ".stack.run"))
        }
        print " |"
    }
    print ""
    print "## Per layer"
    print ""
    print "Each layer's figures are those of its kernel calls, each with its argument"
    print "set-up in `NAME_run` (the trace plugin splits the run at every return into"
    print "`NAME_run`); the last row is what no layer accounts for: `NAME_run`'s prologue"
    print "and epilogue and the probe's call. Mix: percent load/store · branch ·"
    print "multiply · other on M4. Estimate: the generator's M4 instruction estimate"
    print "and its difference to the measurement."
    for (i = 1; i <= nv; i++) {
        v = vs[i]
        print ""
        print "### " v
        print ""
        print "| # | layer | op | kernel | MACs | M4 instructions | per MAC | M4 mix (%) | M4 cycles | M7 instructions | M7 cycles | estimate M4 |"
        print "| ---: | --- | --- | --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |"
        for (k = 0; k < nl[v]; k++) {
            l = lay[v, k]; s = "layer:" l
            m = g(v, s, "macs"); t = g(v, s, "m4.insns"); e = g(v, s, "est.m4.insns")
            kern = g(v, s, "kernels"); gsub(/,/, ", ", kern)
            printf "| %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", k, cell(l),
                g(v, s, "op"), (kern == "-") ? "(none: shares its input)" : kern,
                (m + 0 > 0) ? n(m) : "", n(t), (m + 0 > 0) ? ratio(t, m) : "", mix(v, s, "m4"),
                n(g(v, s, "m4.cycles")), n(g(v, s, "m7.insns")), n(g(v, s, "m7.cycles")),
                (kern == "-") ? "" : (e == "") ? "–" : n(e) " (" dev(e, t) ")"
        }
        s = "frame"
        printf "| | (`NAME_run` itself, the probe's call) | | | | %s | | %s | %s | %s | %s | |\n",
            n(g(v, s, "m4.insns")), mix(v, s, "m4"), n(g(v, s, "m4.cycles")),
            n(g(v, s, "m7.insns")), n(g(v, s, "m7.cycles"))
        m = g(v, "net", "macs"); t = g(v, "net", "m4.insns"); e = g(v, "net", "est.m4.insns")
        printf "| | **total** | | | %s | %s | %s | %s | %s | %s | %s | %s |\n", n(m), n(t), ratio(t, m),
            mix(v, "net", "m4"), n(g(v, "net", "m4.cycles")), n(g(v, "net", "m7.insns")),
            n(g(v, "net", "m7.cycles")), (e == "") ? "–" : n(e) " (" dev(e, t) ")"
    }
}

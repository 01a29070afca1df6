# bench/estimates.awk -- the generator's estimates (NAME_report.json)
# against the measured figures (make bench): the check of the cost model.
#
#   awk -F '\t' [-v tol=10] [-v ltol=25] -f bench/estimates.awk results.tsv
#
# For every build: the instruction and cycle estimates of the whole
# NAME_run on M4 and M7 must be within tol percent (default 10) of the
# measurement, and the worst-case stack estimates of NAME_run and
# NAME_run_float must not be below the measured worst case (they are
# bounds). A build without an estimate fails (a kernel the cost table does
# not know: make bench-fit), except one whose recurrent layer (op lstm or
# gru) has no estimate of its own: a path no measured layer fits (a
# low-rank recurrence, generator/cost.c), which is noted; its stack bounds
# are checked all the same. Layers whose instruction estimate is off by
# more than ltol percent (default 25) are listed, without failing. Exit
# status 1 when a check fails.
BEGIN { if (tol == "") tol = 10; if (ltol == "") ltol = 25 }
/^#/ { next }
NF == 4 {
    if (!($1 in seen)) { seen[$1] = 1; vs[++nv] = $1 }
    val[$1, $2, $3] = $4
    if ($2 ~ /^layer:/ && $3 == "index") lays[$1] = lays[$1] "\t" $2
    if ($2 ~ /^layer:/ && $3 == "op" && ($4 == "lstm" || $4 == "gru")) rl[$1, $2] = $4
}
function dev(e, m) { return (m + 0 == 0) ? 0 : 100 * (e - m) / m }
END {
    for (x in rl) {
        split(x, xs, SUBSEP)
        if (!((xs[1], xs[2], "est.m4.insns") in val)) rnn[xs[1]] = rl[x] " layer " substr(xs[2], 7)
    }
    for (i = 1; i <= nv; i++) {
        v = vs[i]
        split("m4.insns m4.cycles m7.insns m7.cycles", ms, " ")
        for (k = 1; k <= 4; k++) {
            if (!((v, "net", ms[k]) in val)) continue
            if (!((v, "net", "est." ms[k]) in val)) {
                if (v in rnn) {
                    if (k == 1) print "note " v ": no instruction or cycle estimate (the " rnn[v] " has none: a path no measured layer fits)"
                    nrnn++; continue
                }
                print "FAIL " v ": no " ms[k] " estimate in the report (a kernel the cost table does not know: make bench-fit)"
                bad++; continue
            }
            d = dev(val[v, "net", "est." ms[k]], val[v, "net", ms[k]])
            if (d > tol || d < -tol) {
                printf "FAIL %s: estimated %s %d, measured %d (%+.1f %%, more than %s %%): refit with make bench-fit\n",
                    v, ms[k], val[v, "net", "est." ms[k]], val[v, "net", ms[k]], d, tol
                bad++
            }
            nchk++
        }
        split("m4.stack.run m4.stack.run_float m7.stack.run m7.stack.run_float", ss, " ")
        for (k = 1; k <= 4; k++) {
            if (!((v, "net", ss[k]) in val)) continue
            if (!((v, "net", "est." ss[k]) in val)) {
                print "FAIL " v ": no " ss[k] " estimate in the report"; bad++; continue
            }
            if (val[v, "net", "est." ss[k]] + 0 < val[v, "net", ss[k]] + 0) {
                printf "FAIL %s: %s estimated %d bytes, below the measured worst case %d\n",
                    v, ss[k], val[v, "net", "est." ss[k]], val[v, "net", ss[k]]
                bad++
            }
            nchk++
        }
        n = split(lays[v], ls, "\t")
        for (j = 2; j <= n; j++) {
            s = ls[j]
            if (!((v, s, "est.m4.insns") in val) || !((v, s, "m4.insns") in val)) continue
            d = dev(val[v, s, "est.m4.insns"], val[v, s, "m4.insns"])
            if (d > ltol || d < -ltol)
                printf "note %s %s: estimated %d M4 instructions, measured %d (%+.1f %%)\n",
                    v, substr(s, 7), val[v, s, "est.m4.insns"], val[v, s, "m4.insns"], d
        }
    }
    printf "estimates: %d checks on %d builds, %d failed (whole NAME_run within %s %%, stack not below the measurement); %d not made (recurrent layers without an estimate)\n",
        nchk, nv, bad, tol, nrnn + 0
    exit bad > 0
}

# bench/segments.awk -- the per-layer figures of one core from a run of the
# target harness under the trace plugin with run= and segs= (bench/measure.sh):
#
#   awk -v core=m4 -v v=VARIANT -v layers=REPORT.TSV -f bench/model.awk \
#       -f bench/segments.awk console.txt trace.txt
#
# console.txt: the harness's "probe K FUNCTION LABEL" lines; trace.txt: the
# plugin's window and segment lines. The windows of NAME_run (FUNCTION
# "run") must all be identical (the path does not depend on the input);
# the first one's segments are matched with the kernel calls of the layers
# in REPORT.TSV (bench/report.awk), in order: segment k is call k (its
# argument set-up and the kernel, inlined or called; segs=FILE, one segment
# per call after segment 0), segment 0 NAME_run's own instructions and the
# probe's call.
# Prints "VARIANT SCOPE CORE.METRIC VALUE" lines (scopes net, frame,
# layer:NAME; metrics insns ldst branch mul other div mem taken cycles);
# "error ..." lines and exit status 1 when something does not match.
FILENAME == ARGV[1] && $1 == "probe" { fn[$2] = $3; next }
FILENAME == ARGV[2] && $1 == "window" {
    w = $2; inrun = (fn[w] == "run")
    if (!inrun) next
    sig = $0; sub(/^window [0-9]+ /, "", sig)
    if (first == "") { first = sig; fw = w; for (i = 3; i < NF; i += 2) win[$i] = $(i + 1) }
    else if (sig != first) { print "error window " w " differs from window " fw; bad = 1 }
    next
}
FILENAME == ARGV[2] && $1 == "segment" && inrun && w == fw {
    k = $2; ns = k + 1
    for (i = 3; i < NF; i += 2) seg[k, $i] = $(i + 1)
    next
}
FILENAME == ARGV[2] && $1 == "error" { print; bad = 1 }
function put(s, m, x) { printf "%s\t%s\t%s.%s\t%s\n", v, s, core, m, x }
function cyc(a) { return cycles(core, a["ldst"], a["branch"], a["mul"], a["other"], a["div"], a["mem"], a["taken"]) }
END {
    if (first == "") { print "error no window of " v "_run"; exit 1 }
    nc = 0
    while ((getline line < layers) > 0) {
        split(line, f, "\t")
        if (f[1] != "layer" || f[5] == "-") continue
        m = split(f[5], ks, ",")
        for (j = 1; j <= m; j++) { nc++; lay[nc] = f[3] }
    }
    if (ns != nc + 1) {
        print "error " ns " segments for " nc " kernel calls of " v "_run"
        exit 1
    }
    split("insns ldst branch mul other div mem taken", cl, " ")
    for (c = 1; c <= 8; c++) {
        m = cl[c]
        put("net", m, win[m])
        fr[m] = seg[0, m]
        put("frame", m, fr[m])
        for (j = 1; j <= nc; j++) sum[lay[j], m] += seg[j, m]
    }
    put("net", "cycles", cyc(win))
    put("frame", "cycles", cyc(fr))
    for (j = 1; j <= nc; j++) {
        if (lay[j] in seen) continue
        seen[lay[j]] = 1
        for (c = 1; c <= 8; c++) { t[cl[c]] = sum[lay[j], cl[c]]; put("layer:" lay[j], cl[c], t[cl[c]]) }
        put("layer:" lay[j], "cycles", cyc(t))
    }
    exit bad
}

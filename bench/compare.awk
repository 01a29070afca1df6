# bench/compare.awk -- new figures against a baseline (make bench).
#
#   awk -F '\t' [-v tol=1] -f bench/compare.awk BASELINE.tsv NEW.tsv
#
# Both files: "VARIANT SCOPE METRIC VALUE" lines (bench/measure.sh);
# lines starting with # are comments. Compared are the figures where less
# is better and that are exact (instructions and modelled cycles of the
# whole NAME_run and of each layer, on M4 and M7; host instructions;
# flash, RAM and stack bytes): a figure that grew by more than tol percent
# (default 1) is a regression; one that shrank is an improvement (the
# committed file should be updated: commit the new bench/results.tsv and
# bench/RESULTS.md). Class counts, MACs and the generator's estimates are
# not compared (a shift between classes is no regression; the cycles
# weigh it). Prints one line per regression, improvement, figure only in
# one of the files, then a summary; exit status 1 when any regressed.
BEGIN { if (tol == "") tol = 1 }
/^#/ { next }
function compared(s, m) {
    if (m ~ /^(m4|m7)\.(insns|cycles)$/) return (s == "net" || s ~ /^layer:/)
    if (s != "net") return 0
    return m ~ /^(m4|m7)\.(flash\.(code|const)\.[a-z]+|ram\.(bss|data)|stack\.run|stack\.run_float)$/ ||
           m == "host.ir" || m == "ram.arena"
}
NF == 4 && FILENAME == ARGV[1] { if (compared($2, $3)) { old[$1 "\t" $2 "\t" $3] = $4; ko[++no] = $1 "\t" $2 "\t" $3 } next }
NF == 4 && FILENAME == ARGV[2] { if (compared($2, $3)) { new[$1 "\t" $2 "\t" $3] = $4; kn[++nn] = $1 "\t" $2 "\t" $3 } next }
function show(k) { gsub(/\t/, " ", k); return k }
END {
    for (i = 1; i <= nn; i++) {
        k = kn[i]
        if (!(k in old)) { print "new       " show(k) ": " new[k]; nnew++; continue }
        a = old[k] + 0; b = new[k] + 0; ncmp++
        if (b * 100 > a * (100 + tol)) {
            printf "REGRESSED %s: %d -> %d (%s)\n", show(k), a, b,
                (a > 0) ? sprintf("%+.2f %%", 100 * (b - a) / a) : "from 0"
            nreg++
        } else if (b < a) {
            printf "improved  %s: %d -> %d (%+.2f %%)\n", show(k), a, b, 100 * (b - a) / a
            nimp++
        } else if (b > a) {
            nwithin++
        }
    }
    for (i = 1; i <= no; i++) {
        if (!(ko[i] in new)) { print "gone      " show(ko[i]) ": was " old[ko[i]]; ngone++ }
    }
    printf "compare: %d figures compared: %d regressed by more than %s %%, %d grew within it, %d improved; %d new, %d gone\n",
        ncmp, nreg, tol, nwithin, nimp, nnew, ngone
    if (nimp > 0 || nnew > 0 || ngone > 0)
        print "compare: note: figures changed for the better or appeared: commit the new bench/results.tsv and bench/RESULTS.md to make them the baseline"
    exit nreg > 0
}

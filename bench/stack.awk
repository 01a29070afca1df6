# bench/stack.awk -- worst-case stack from GCC's call-graph files.
#
#   awk -v roots="F G" -f bench/stack.awk FILE.ci...
#
# FILE.ci: written by gcc -fcallgraph-info=su, one per translation unit:
# a node per function defined there ("NAME\nFILE:LINE:COL\nN bytes
# (static)") or called from there (no size), an edge per call site. The
# worst-case stack of F is its own frame plus the largest worst case of
# the functions it calls (no recursion: a cycle is an error). For each
# root prints
#   stack ROOT BYTES PATH        PATH: the deepest chain, F>G>H
# and "error ..." for a recursion, a frame that is not static (alloca, VLA)
# or a called function defined in none of the files (a library routine);
# exit status 1 on any error.
BEGIN { nerr = 0 }
/^node: \{ title: "/ {
    t = $0
    sub(/^node: \{ title: "/, "", t)
    name = t
    sub(/".*/, "", name)
    sub(/^.*\.c:/, "", name)   # a static function: gcc writes FILE.c:NAME
    gsub(/\.[0-9]+/, "", name)  # a clone (NAME.constprop.0.isra.0): as -fstack-usage names it
    if (t ~ /[0-9]+ bytes \(/) {
        n = t
        sub(/ bytes \(.*/, "", n)
        sub(/.*\\n/, "", n)
        kind = t
        sub(/.* bytes \(/, "", kind)
        sub(/\).*/, "", kind)
        # a static function of one name in two files: the larger frame
        if (!(name in frame) || n + 0 > frame[name]) frame[name] = n + 0
        if (kind != "static") dyn[name] = kind
    }
    next
}
/^edge: \{ sourcename: "/ {
    t = $0
    sub(/^edge: \{ sourcename: "/, "", t)
    src = t
    sub(/".*/, "", src)
    sub(/^[^"]*" targetname: "/, "", t)
    dst = t
    sub(/".*/, "", dst)
    sub(/^.*\.c:/, "", src)
    sub(/^.*\.c:/, "", dst)
    gsub(/\.[0-9]+/, "", src)
    gsub(/\.[0-9]+/, "", dst)
    if (index(edges[src], " " dst " ") == 0) edges[src] = edges[src] " " dst " "
    next
}
function worst(f,    n, i, c, w, best, bp) {
    if (f in done) return done[f]
    if (f in onpath) { print "error recursion through " f; nerr++; return 0 }
    if (!(f in frame)) { print "error " f ": called, but defined in none of the files"; nerr++; done[f] = 0; path[f] = f "?"; return 0 }
    if (f in dyn) { print "error " f ": stack frame " dyn[f] " (not static)"; nerr++ }
    onpath[f] = 1
    best = 0; bp = ""
    n = split(edges[f], c, " ")
    for (i = 1; i <= n; i++) {
        if (c[i] == "") continue
        w = worst(c[i])
        if (w > best || bp == "") { best = w; bp = path[c[i]] }
    }
    delete onpath[f]
    done[f] = frame[f] + best
    path[f] = (bp == "") ? f : f ">" bp
    return done[f]
}
END {
    n = split(roots, r, " ")
    for (i = 1; i <= n; i++) {
        # a root named as -fstack-usage names a clone (NAME.part.0): the
        # function of the call graph, once
        f = r[i]
        gsub(/\.[0-9]+/, "", f)
        if (f in printed) continue
        printed[f] = 1
        w = worst(f)
        print "stack " f " " w " " path[f]
    }
    exit nerr > 0
}

# bench/report.awk -- the figures make bench needs from a NAME_report.json
# written by stoic generate (one layer per line, as emit_report.c prints
# them; layer and tensor names are of the schema's [A-Za-z0-9_.:/-], never
# escaped). Prints tab-separated lines:
#   layer INDEX NAME OP KERNELS KEY MACS WORK EST
#       KERNELS  the kernel calls, comma-separated ("-" for none)
#       KEY      the layer's key in the generator's cost table ("-" for none)
#       WORK     the 8 trip counts of "work", comma-separated
#       EST      m4 insns, m4 cycles, m7 insns, m7 cycles, comma-separated, or "-"
#   net macs MACS arena ARENA est EST stack M4RUN,M4FLOAT,M7RUN,M7FLOAT ("-" unknown)
#   model toolchain TEXT                       (the cost table's compiler)
function after(s, key,    i) {
    i = index(s, "\"" key "\": ")
    if (i == 0) return ""
    return substr(s, i + length(key) + 4)
}
function str(s, key,    v) {
    v = after(s, key)
    if (substr(v, 1, 1) != "\"") return ""
    v = substr(v, 2)
    return substr(v, 1, index(v, "\"") - 1)
}
function num(s, key,    v) {
    v = after(s, key)
    if (!match(v, /^-?[0-9]+/)) return "-"
    return substr(v, 1, RLENGTH)
}
# the numbers of an object value up to its closing brace, comma-separated
# ("-" when null)
function nums(s, key,    v, depth, i, c, out, tok) {
    v = after(s, key)
    if (substr(v, 1, 4) == "null" || v == "") return "-"
    depth = 0; out = ""; tok = ""
    for (i = 1; i <= length(v); i++) {
        c = substr(v, i, 1)
        if (c == "{") depth++
        else if (c == "}") { depth--; if (depth == 0) break }
        if (c ~ /[0-9-]/) tok = tok c
        else if (tok != "") { out = out (out == "" ? "" : ",") tok; tok = "" }
        if (c == "\"") {   # skip keys and strings
            i++
            while (i <= length(v) && substr(v, i, 1) != "\"") i++
        } else if (c == "n" && substr(v, i, 4) == "null") {
            out = out (out == "" ? "" : ",") "-"; i += 3
        }
    }
    if (tok != "") out = out (out == "" ? "" : ",") tok
    return out
}
/^  "totals": / {
    macs = num($0, "macs"); arena = num($0, "arena_bytes")
    est = nums($0, "estimate"); st = nums($0, "stack_bytes")
    if (st !~ /^[0-9-]+,[0-9-]+,[0-9-]+,[0-9-]+$/) {
        # {"m4": null, "m7": {...}} and the like: per core
        n = split(st, a, ",")
        st = (n == 4) ? st : "-,-,-,-"
    }
}
/^  "cost_model": / { tool = str($0, "toolchain") }
/^    \{ "name": "/ && index($0, "\"kernels\": [") {
    k = after($0, "kernels")
    k = substr(k, 2, index(k, "]") - 2)
    gsub(/[" ]/, "", k)
    if (k == "") k = "-"
    w = nums($0, "work")
    key = str(after($0, "work"), "kernel")
    printf "layer\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", idx++, str($0, "name"), str($0, "op"), k,
        (key == "") ? "-" : key, num($0, "macs"), w, nums($0, "estimate")
}
END {
    printf "net\t%s\t%s\t%s\t%s\n", macs, arena, est, st
    printf "model\t%s\n", (tool == "") ? "-" : tool
}

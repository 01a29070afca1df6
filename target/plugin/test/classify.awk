# target/plugin/test/classify.awk: the probe's instruction classes again,
# from objdump's mnemonics instead of the encoding (an independent
# classification to check stoic_trace.c's decoder against):
#
#   awk -f classify.awk DUMP <(arm-none-eabi-objdump -d --no-show-raw-insn ELF)
#
# DUMP holds "PC CLASS" lines (stoic_trace.so dump=FILE). Prints every PC
# whose two classes differ and a summary line; exit 1 on a difference.
function cls(m, ops,    b) {
    b = m
    sub(/\.(w|n)$/, "", b)
    if (b ~ /^b(eq|ne|cs|hs|cc|lo|mi|pl|vs|vc|hi|ls|ge|lt|gt|le|al)?$/) return "branch"
    if (b ~ /^(bl|blx|bx)(eq|ne|cs|hs|cc|lo|mi|pl|vs|vc|hi|ls|ge|lt|gt|le)?$/) return "branch"
    if (b ~ /^(cbz|cbnz|tbb|tbh)$/) return "branch"
    if (b ~ /^(pop|ldm|ldr)/ && (ops ~ /[ {]pc}/ || ops ~ /^pc,/)) return "branch"
    if (b ~ /^(mov|add)/ && ops ~ /^pc,/) return "branch"
    if (b ~ /^(ldr|str|ldm|stm|push|pop|pld|pli|vldr|vstr|vldm|vstm|vpush|vpop)/) return "ldst"
    if (b ~ /^(mul|mla|mls|smul|smla|smls|smmul|smmla|smmls|smuad|smusd|umull|umlal|umaal|sdiv|udiv|usad8|usada8|vmul|vnmul|vmla|vmls|vnmla|vnmls|vfma|vfms|vfnma|vfnms|vdiv|vsqrt)/) return "mul"
    return "other"
}
BEGIN { FS = "\t" }
FNR == NR {
    split($0, f, " ")
    plugin[f[1]] = f[2]
    next
}
NF >= 2 && $1 ~ /^ *[0-9a-f]+:$/ {
    a = $1
    gsub(/[ :]/, "", a)
    a = substr("00000000" a, length(a) + 1)
    m = $2
    gsub(/ /, "", m)
    mn[a] = m
    op[a] = (NF >= 3) ? $3 : ""
}
END {
    bad = 0
    n = 0
    for (a in plugin) {
        n++
        if (!(a in mn)) {
            print "pc " a ": not an instruction in the disassembly"
            bad++
            continue
        }
        c = cls(mn[a], op[a])
        if (c != plugin[a]) {
            print "pc " a ": " mn[a] " " op[a] ": plugin " plugin[a] ", mnemonic " c
            bad++
        } else {
            seen[c " " mn[a]] = 1
        }
    }
    m = 0
    for (k in seen) m++
    print n " instructions, " m " distinct (class, mnemonic) pairs, " bad " differ"
    exit bad != 0
}

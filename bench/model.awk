# bench/model.awk -- the cycle model of bench/README.md, for awk scripts
# (awk -f bench/model.awk -f SCRIPT). Keep it equal to cost_cycles() in
# generator/cost.c: bench/test.sh checks that the two agree.
#
# cycles(core, ldst, branch, mul, other, div, mem, taken):
#   m4: one cycle per instruction, + 1 per memory access, + 2 per taken
#       instruction (pipeline refill P, 1 to 3), + 13 per divide;
#   m7: one cycle per instruction (single issue), + 1 per two memory
#       accesses beyond one per load/store instruction, + 1 per taken
#       instruction, + 13 per divide.
function cycles(core, ldst, branch, mul, other, div, mem, taken,    insns, extra) {
    insns = ldst + branch + mul + other
    if (core == "m7") {
        extra = mem - ldst
        extra = (extra > 0) ? int((extra + 1) / 2) : 0
        return insns + extra + taken + 13 * div
    }
    return insns + mem + 2 * taken + 13 * div
}

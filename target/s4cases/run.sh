#!/bin/sh
# target/s4cases/run.sh TGT [PROG] -- runs target/s4cases/s4cases.c (the
# int4 kernel against its independent reference on random cases, with
# int32 and int16 biases), or
# PROG (dspcases: target/dspcases/dspcases.c, the kernels with inline
# assembly passes), as built by target/target.mk on Cortex-M4 and
# Cortex-M7 (QEMU mps2 boards, semihosting), big-endian PowerPC
# (qemu-ppc) and the host; each must print "PROG: N cases, M outputs,
# 0 mismatches" with N >= 1000 and exit 0. Part of make target-check.
# REQ: REQ-CMP-005 REQ-CMP-006
set -eu
T=${1:?usage: target/s4cases/run.sh TGT [PROG]}
P=${2:-s4cases}
fail=0
for core in m4 m7 ppc host; do
    rc=0
    case $core in
        m4|m7)
            board=mps2-an386
            [ "$core" = m7 ] && board=mps2-an500
            out=$(timeout 300 qemu-system-arm -M $board -nographic -monitor none -serial none \
                -semihosting-config enable=on,target=native -kernel "$T/$core/$P.elf" 2>&1) || rc=$?
            ;;
        ppc) out=$(timeout 300 qemu-ppc "$T/ppc/$P.elf" 2>&1) || rc=$? ;;
        host) out=$(timeout 300 "$T/host/$P" 2>&1) || rc=$? ;;
    esac
    line=$(printf '%s\n' "$out" | tail -n 1)
    n=$(printf '%s\n' "$line" | awk -v p="$P:" '$1 == p && $3 == "cases," && $7 == "mismatches" && $6 == 0 { print $2 }')
    if [ "$rc" -ne 0 ] || [ -z "$n" ] || [ "$n" -lt 1000 ]; then
        printf '%s\n' "$out" | head -n 8 | sed "s/^/$P: $core: /"
        echo "$P: FAIL: $core (exit $rc)"
        fail=1
    else
        echo "$P: $core: $line"
    fi
done
exit $fail

#!/bin/sh
# target/runpath_test.sh: the negative controls of the run-path walk
# (target/runpath.awk; make check-runpath). target/runpath_test/planted.c,
# compiled for Cortex-M4 and Cortex-M7 at -O2 and linked with libgcc, has
# one root function per case; the walk from each must report exactly the
# planted violation (an indirect call, an indirect tail call, a jump table,
# a division, a compiler helper call, an indirect call reached through a
# direct one) and nothing from the clean root.
set -u
W=${TGT:-build/target}/runpath_test
rm -rf "$W"
mkdir -p "$W"
pass=0
fail=0
# root|what the violation line must contain (empty: no violation)
cases='m_clean|
m_indirect_call|indirect blx
m_indirect_tail|indirect bx
m_jump_table|a jump table
m_division|sdiv
m_helper|call to __aeabi_ldivmod
m_deep|m_indirect_call indirect blx'
for core in m4 m7; do
    case $core in
        m4) flags="-mcpu=cortex-m4 -mthumb -mfpu=fpv4-sp-d16 -mfloat-abi=hard" ;;
        m7) flags="-mcpu=cortex-m7 -mthumb -mfpu=fpv5-d16 -mfloat-abi=hard" ;;
    esac
    # libgcc's and libc's symbols, as target/check.sh lists them
    # shellcheck disable=SC2086
    arm-none-eabi-nm --defined-only -g "$(arm-none-eabi-gcc $flags -print-libgcc-file-name)" \
        "$(arm-none-eabi-gcc $flags -print-file-name=libc.a)" 2>/dev/null |
        awk 'NF == 3 { print $3 }' | sort -u > "$W/libsyms-$core"
    # shellcheck disable=SC2086
    if ! arm-none-eabi-gcc $flags -std=c99 -O2 -nostdlib -Wl,--entry=m_clean \
         -Wl,--unresolved-symbols=ignore-all -o "$W/planted-$core.elf" \
         target/runpath_test/planted.c -lgcc >"$W/cc-$core.log" 2>&1; then
        fail=$((fail + 1))
        echo "FAIL $core: planted.c does not build"
        sed 's/^/    /' "$W/cc-$core.log"
        continue
    fi
    arm-none-eabi-objdump -d --no-show-raw-insn "$W/planted-$core.elf" > "$W/planted-$core.dis"
    echo "$cases" | while IFS='|' read -r root want; do
        out=$W/$core-$root.txt
        awk -v roots="$root" -v libs="$W/libsyms-$core" -f target/runpath.awk \
            "$W/planted-$core.dis" > "$out"
        rc=$?
        nv=$(grep -c violation "$out")
        if [ -z "$want" ] && [ $rc -eq 0 ] && [ "$nv" -eq 0 ]; then
            echo "PASS $core $root: no violation ($(sed -n 's/^path: *//p' "$out"))"
        elif [ -n "$want" ] && [ $rc -eq 1 ] && grep violation "$out" | grep -qF "$want"; then
            echo "PASS $core $root: $(grep violation "$out" | head -1)"
        else
            echo "FAIL $core $root: want '${want:-no violation}', exit $rc:"
            sed 's/^/    /' "$out"
        fi
    done > "$W/$core.results"
    cat "$W/$core.results"
    pass=$((pass + $(grep -c '^PASS' "$W/$core.results")))
    fail=$((fail + $(grep -c '^FAIL' "$W/$core.results")))
done
# the PC writes of target/runpath_test/synthetic.dis: the returns are none
syn='f_ret|
f_ldm|indirect ldmia.w r3, {r4, pc}
f_addpc|indirect add pc, r3
f_ldrpc|indirect ldr.w pc, [r3, #4]
f_tbh|a jump table
f_movpc|indirect mov pc, r2'
echo "$syn" | while IFS='|' read -r root want; do
    out=$W/syn-$root.txt
    grep -v '^#' target/runpath_test/synthetic.dis |
        awk -v roots="$root" -v libs=/dev/null -f target/runpath.awk > "$out"
    rc=$?
    if [ -z "$want" ] && [ $rc -eq 0 ] && ! grep -q violation "$out"; then
        echo "PASS synthetic $root: returns only, no violation"
    elif [ -n "$want" ] && [ $rc -eq 1 ] && grep violation "$out" | grep -qF "$want"; then
        echo "PASS synthetic $root: $(grep violation "$out" | head -1)"
    else
        echo "FAIL synthetic $root: want '${want:-no violation}', exit $rc:"
        sed 's/^/    /' "$out"
    fi
done > "$W/syn.results"
cat "$W/syn.results"
pass=$((pass + $(grep -c '^PASS' "$W/syn.results")))
fail=$((fail + $(grep -c '^FAIL' "$W/syn.results")))
echo "run-path walk: $pass passed, $fail failed"
[ $fail -eq 0 ]

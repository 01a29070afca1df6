#!/bin/sh
# target/funcs.sh ELF -- the functions of an ELF (symbols of type FUNC with
# a size), one a line in the format of `nm -S`: ADDRESS SIZE t NAME (hex,
# 8 digits; the Thumb bit of the address kept as readelf gives it). Data in
# a code section (constant tables the linker script puts there) and labels
# are not functions. For target/loops.awk and target/ais.awk.
set -eu
arm-none-eabi-readelf -sW "$1" | awk '
    $4 == "FUNC" && $3 != "0" {
        s = $3
        n = (s ~ /^0x/) ? hexval(substr(s, 3)) : s + 0
        printf "%s %08x t %s\n", $2, n, $8
    }
    function hexval(h,    i, v) {
        v = 0
        for (i = 1; i <= length(h); i++) v = v * 16 + index("0123456789abcdef", substr(tolower(h), i, 1)) - 1
        return v
    }'

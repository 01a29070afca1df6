# target/funcs.awk: functions shared by target/loops.awk and target/ais.awk
# (awk -f target/funcs.awk -f target/loops.awk ...).
#
# load_funcs(FILE): the functions of target/funcs.sh's list (ADDRESS SIZE t
# NAME, hex) into lo[1..nf], hi[1..nf] (the address range, Thumb bit
# cleared) and fname[1..nf]; returns nf.
# func_of(X): the index of the function holding address X, 0 if none.
# hex(S): the value of the hex digits S, -1 if S has another character.
function load_funcs(file,    l, f) {
    nf = 0
    while ((getline l < file) > 0) {
        split(l, f, " ")
        if (f[4] == "" || f[3] !~ /^[tTwW]$/) continue
        nf++
        lo[nf] = hex(f[1]) - hex(f[1]) % 2
        hi[nf] = lo[nf] + hex(f[2])
        fname[nf] = f[4]
    }
    close(file)
    return nf
}

function func_of(x,    i) {
    for (i = 1; i <= nf; i++) if (x >= lo[i] && x < hi[i]) return i
    return 0
}

function hex(s,    i, v, c) {
    v = 0
    s = tolower(s)
    for (i = 1; i <= length(s); i++) {
        c = index("0123456789abcdef", substr(s, i, 1)) - 1
        if (c < 0) return -1
        v = v * 16 + c
    }
    return v
}

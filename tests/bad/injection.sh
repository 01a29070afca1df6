#!/bin/sh
# Hostile names (issue 9, defect 4): a model directory, model file, weight
# file, calibration file and policy file whose names hold "*/", a newline
# and "#define", "--", "-->", quotes, a backslash, ESC and non-ASCII. Used
# by core.cases:
#   sh tests/bad/injection.sh pre W    makes them under W, prints nothing
#   sh tests/bad/injection.sh post W   checks W/out (generated from them)
# post fails unless: every .c compiles with -Werror; the preprocessed
# sources define no macro the names carried; NAME_plan.xml is well-formed
# and stoic takes it back as a policy; the report is valid JSON that gives
# the model path byte for byte.
# REQ: REQ-GEN-011 REQ-RPT-001
set -eu
step=$1
W=$2
# in a directory path ('/' separates directories) and in file names
evil_dir=$(printf 'a*/\n#define INJECTED 1\n/* --> -- "q" \\ \033[31m \303\274')
evil=$(printf '*\n#define INJECTED 2\n--> -- "q" \\ \303\274 ')
case $step in
pre)
    dir="$W/d$evil_dir"
    mkdir -p "$dir/x*"
    # the weight file: src="x*/w<evil>.bin", XML-escaped (ESC cannot be in
    # an XML 1.0 document at all, so the file names avoid it)
    cp tests/bad/files/ext/w.bin "$dir/x*/w$evil.bin"
    /usr/bin/python3 -c "
import sys
from xml.sax.saxutils import quoteattr
src = ('x*/w' + sys.argv[3] + '.bin').replace('\\n', '&#10;')
m = open(sys.argv[1]).read().replace('src=\"w.bin\"', 'src=' + quoteattr(src).replace('&amp;#10;', '&#10;'))
open(sys.argv[2], 'w').write(m)" tests/bad/files/ext/ok.xml "$dir/m$evil.xml" "$evil"
    /usr/bin/python3 -c "
import numpy as np, sys
np.save(sys.argv[1], np.random.default_rng(3).standard_normal((16, 2)).astype(np.float32))" \
        "$dir/c$evil.npy"
    printf '<compression xmlns="urn:stoic:compression:1">\n  <quantization precision="int8"/>\n  <pruning sparsity="0.5"/>\n</compression>\n' >"$dir/p$evil.xml"
    grep -q 'INJECTED 2' "$dir/m$evil.xml"
    printf '%s' "$dir/m$evil.xml" >"$W/model.path"
    printf '%s' "$dir/c$evil.npy" >"$W/calib.path"
    printf '%s' "$dir/p$evil.xml" >"$W/policy.path"
    ;;
post)
    out=$W/out
    for f in "$out"/*.c; do
        cc -std=c99 -pedantic -Wall -Wextra -Werror -c -o /dev/null "$f"
        if cc -std=c99 -E -dM "$f" | grep -q INJECTED; then
            echo "$f: a name defined a macro"; exit 1
        fi
    done
    if grep -rl "$(printf '\033')" "$out"; then echo "ESC in the output"; exit 1; fi
    xmllint --noout "$out"/m_plan.xml
    "$STOIC" eval "$(cat "$W/model.path")" --input "$(cat "$W/calib.path")" \
        --calib "$(cat "$W/calib.path")" --config "$out/m_plan.xml" >/dev/null
    /usr/bin/python3 -c "
import json, sys
r = json.load(open(sys.argv[1]))
want = open(sys.argv[2], 'rb').read().decode('utf-8', 'surrogateescape')
got = r['model']['file']
assert got == want, (got, want)
" "$out/m_report.json" "$W/model.path"
    ;;
esac

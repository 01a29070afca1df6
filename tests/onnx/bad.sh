#!/bin/sh
# ONNX models stoic import must refuse (tests/onnx/make_bad.py): exit code 1,
# a "MODEL.onnx: error: ..." line containing bad/NAME.expect, and nothing
# written (neither the XML nor the weights file).
# REQ: REQ-IMP-006 REQ-IMP-010 REQ-ERR-004
set -u
W=build/onnx_bad
rm -rf $W
pass=0
fail=0
for f in tests/onnx/bad/*.onnx; do
    name=$(basename $f .onnx)
    want=$(cat tests/onnx/bad/$name.expect)
    mkdir -p $W/$name
    ${STOIC:-bin/stoic-asan} import $f -o $W/$name/m.xml >$W/$name.out 2>$W/$name.err
    rc=$?
    if [ $rc -eq 1 ] && grep -F "$f: error: " $W/$name.err | grep -qF "$want" &&
       [ -z "$(ls $W/$name)" ]; then
        pass=$((pass + 1))
        echo "PASS $name"
    else
        fail=$((fail + 1))
        echo "FAIL $name: exit $rc, wanted \"$want\""
        sed 's/^/    /' $W/$name.err
        ls $W/$name | sed 's/^/    written: /'
    fi
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]

#!/bin/sh
# The audit report (issue 11, item 5), checked against independent
# computations: tests/audit/check_report.py (sha256 of every input and
# generated file by hashlib, the calibration data's range by numpy, the
# build identity by generator/tools/build-id.sh, the command line as run),
# MACs counted from the models' shapes here, two calibrations giving two
# banners, byte-identical reports from both builds, NAME_report.html
# well-formed (xmllint) with no external reference, a hostile path escaped,
# and stoic report with check and MISRA results (bad ones refused).
set -eu
. tests/common.sh
W=build/audit
rm -rf "$W"
mkdir -p "$W"
PY=${PYTHON:-/usr/bin/python3}
BUILD_ID=$(sh generator/tools/build-id.sh)
export BUILD_ID
fails=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fails=$((fails + 1)); }

# gen OUT ARGS...: generate with ARGS (-o OUT among them), the arguments
# kept NUL-separated in OUT.args for the check
gen() {
    _o=$1
    shift
    printf '%s\0' "$@" -q >"$_o.args"
    "$STOIC" "$@" -q >"$_o.log" 2>&1 || { cat "$_o.log"; return 1; }
}

D=examples/digits
# digits: conv1 8x8x8 outputs x 3x3x1 taps = 4608, conv2 4x4x16 x 3x3x8 =
# 18432, fc1 64x32 = 2048, fc2 32x10 = 320; pools and flatten none: 25408
gen "$W/d8" generate $D/digits.xml -o "$W/d8" --precision int8 --calib $D/calib_x.npy \
    --val $D/val_x.npy --labels $D/val_y.npy &&
    "$PY" tests/audit/check_report.py "$W/d8" digits "$W/d8.args" 25408 &&
    ok "digits int8: identification, domain, files, MACs, timing.md, HTML" ||
    bad "digits int8 report"
# another calibration (the validation rows): other banners, other report
gen "$W/d8b" generate $D/digits.xml -o "$W/d8b" --precision int8 --calib $D/val_x.npy &&
    "$PY" tests/audit/check_report.py "$W/d8b" digits "$W/d8b.args" 25408 &&
    ! cmp -s "$W/d8/digits.c" "$W/d8b/digits.c" &&
    [ "$(sed -n '/\*\//q;p' "$W/d8/digits_weights.c")" != "$(sed -n '/\*\//q;p' "$W/d8b/digits_weights.c")" ] &&
    ok "two calibrations: two banners" || bad "two calibrations: the banners do not differ"
# int16 with a policy file
printf '<compression xmlns="urn:stoic:compression:1">\n  <quantization precision="int16"/>\n</compression>\n' >"$W/p16.xml"
gen "$W/d16" generate $D/digits.xml -o "$W/d16" --config "$W/p16.xml" --calib $D/calib_x.npy &&
    "$PY" tests/audit/check_report.py "$W/d16" digits "$W/d16.args" 25408 &&
    ok "digits int16 with a policy" || bad "digits int16 with a policy"
# mlp float32: 64x300 + 300x100 + 100x10 = 50200 MACs, no grid
gen "$W/mf" generate examples/mlp/mlp.xml -o "$W/mf" &&
    "$PY" tests/audit/check_report.py "$W/mf" mlp "$W/mf.args" 50200 &&
    ok "mlp float32" || bad "mlp float32"

# byte-identical: the plain build into another directory, the same bytes;
# the sanitized build again into the first, the same bytes
"$STOIC_PLAIN" generate $D/digits.xml -o "$W/d8p" --precision int8 --calib $D/calib_x.npy \
    --val $D/val_x.npy --labels $D/val_y.npy -q >/dev/null 2>&1 &&
    cmp "$W/d8p/digits_report.json" "$W/d8/digits_report.json" &&
    cmp "$W/d8p/digits_report.html" "$W/d8/digits_report.html" &&
    cmp "$W/d8p/digits_timing.md" "$W/d8/digits_timing.md" &&
    "$STOIC" generate $D/digits.xml -o "$W/d8" --precision int8 --calib $D/calib_x.npy \
    --val $D/val_x.npy --labels $D/val_y.npy -q >/dev/null 2>&1 &&
    cmp "$W/d8p/digits_report.json" "$W/d8/digits_report.json" &&
    ok "both builds, two directories: the same report, timing and HTML" ||
    bad "reports differ between builds or directories"

# the XHTML is well-formed XML and parses as HTML
xmllint --noout "$W/d8/digits_report.html" &&
    ! xmllint --html --noout "$W/d8/digits_report.html" 2>&1 | grep 'error' |
      grep -v 'Tag \(nav\|svg\|rect\|text\|title\) invalid' | grep -q . && ok "HTML well-formed (xmllint)" || bad "HTML not well-formed"

# a hostile path: markup, quotes, ampersand, a newline, ESC, non-ASCII
evil=$(printf '<script>alert(1)</script> "q" &amp; \047\n\033[31m \303\274')
mkdir -p "$W/$evil"
cp $D/digits.xml $D/digits.bin "$W/$evil/"
cp $D/calib_x.npy "$W/$evil/c<b>.npy"
gen "$W/ev" generate "$W/$evil/digits.xml" -o "$W/ev" --precision int8 --calib "$W/$evil/c<b>.npy" &&
    "$PY" tests/audit/check_report.py "$W/ev" digits "$W/ev.args" 25408 &&
    xmllint --noout "$W/ev/digits_report.html" &&
    ! grep -q '<script\|<b>\|&amp; '"'" "$W/ev/digits_report.html" &&
    ! grep -q "$(printf '\033')" "$W/ev/digits_report.html" "$W/ev/digits_timing.md" &&
    grep -q '&#60;script&#62;alert(1)&#60;/script&#62; &#34;q&#34; &#38;amp; &#39;$' "$W/ev/digits_report.html" &&
    grep -q '^&#xfffd;\[31m '"$(printf '\303\274')"'/c&#60;b&#62;.npy' "$W/ev/digits_report.html" &&
    ok "hostile path escaped in the HTML" || bad "hostile path"

# stoic report: tool results in the shared format; OUTDIR verified
cat >"$W/check.json" <<'J'
{ "tool": "stoic check", "version": "0.1.0",
  "findings": [
    { "file": "digits.c", "line": 12, "column": 5, "rule": "no-recursion", "severity": "error",
      "message": "<img src=x onerror=alert(1)> & \"quoted\"", "deviation": null },
    { "file": "stoic_common.c", "line": 3, "column": 1, "rule": "single-exit", "severity": "error",
      "message": "two returns", "deviation": "DEV-7" } ],
  "summary": { "files": 17, "findings": 2 } }
J
printf '{"tool": "cppcheck misra", "version": "2.10", "findings": [], "summary": {"findings": 0}}\n' >"$W/misra.json"
N=$("$PY" -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["files"]) + 1)' "$W/d8/digits_report.json")
"$STOIC" report "$W/d8" -o "$W/r.html" --check "$W/check.json" --misra "$W/misra.json" >"$W/r.log" 2>&1 &&
    xmllint --noout "$W/r.html" &&
    grep -q "wrote .*($N of $N files of build/audit/d8 match" "$W/r.log" &&
    grep -q "$N of $N files of the output directory" "$W/r.html" &&
    grep -q '&#60;img src=x onerror=alert(1)&#62; &#38; &#34;quoted&#34;' "$W/r.html" &&
    ! grep -q '<img' "$W/r.html" &&
    grep -q '<th>findings</th><td class="n">2</td>' "$W/r.html" &&
    grep -q '<th>with a deviation</th><td class="n">1</td>' "$W/r.html" &&
    grep -q 'no undeviated finding' "$W/r.html" &&
    [ "$(grep -c 'class="na">Not run' "$W/d8/digits_report.html")" = 2 ] &&
    [ "$(grep -c 'class="na">Not run' "$W/r.html")" = 0 ] &&
    ok "stoic report with check and MISRA results" || { cat "$W/r.log"; bad "stoic report"; }
# a changed file of OUTDIR is named
cp -r "$W/d8" "$W/d8t" && echo ' ' >>"$W/d8t/digits.c" &&
    "$STOIC" report "$W/d8t" -o "$W/t.html" >"$W/t.log" 2>&1 &&
    grep -q "$((N - 1)) of $N files" "$W/t.log" && grep -q 'Differ or missing: <code>digits.c</code>' "$W/t.html" &&
    ok "stoic report names a changed file" || bad "stoic report: changed file not found"
# refused: bad JSON (file:line), wrong shape, -o into OUTDIR, no -o, not an OUTDIR
printf '{"tool": "x",\n "findings": [1,\n' >"$W/broken.json"
printf '{"tool": "x", "findings": [\n {"file": "a.c", "line": "7"}]}\n' >"$W/shape.json"
expect() { # expect CODE PATTERN ARGS...
    _c=$1 _p=$2
    shift 2
    set +e
    "$STOIC" "$@" >"$W/x.log" 2>&1
    _rc=$?
    set -e
    if [ $_rc -eq "$_c" ] && grep -q "$_p" "$W/x.log"; then ok "refused ($_c): $_p"; else
        cat "$W/x.log"; bad "expected exit $_c and '$_p', got $_rc"; fi
}
expect 1 "^build/audit/broken.json:3: error: not JSON" report "$W/d8" -o "$W/y.html" --check "$W/broken.json"
expect 1 '^build/audit/shape.json:2: error: finding 1: "rule" must be a string' report "$W/d8" -o "$W/y.html" --misra "$W/shape.json"
expect 2 "must name a file outside OUTDIR" report "$W/d8" -o "$W/d8/x.html"
expect 2 "missing -o REPORT.html" report "$W/d8"
expect 1 "no NAME_report.json" report "$W" -o "$W/y.html"
[ ! -e "$W/y.html" ] && [ ! -e "$W/d8/x.html" ] && ok "nothing written when refused" || bad "written when refused"

# several outputs (issue 12): the report lists every output in the order of
# the model's <output> elements, with the header's sizes and the float
# wrapper's own dequantization parameters; "output" is output 0; the HTML
# summary has a row per output
H=tests/e2e/cases/two_heads_shared_trunk
gen "$W/h8" generate $H/model.xml -o "$W/h8" --name heads --precision int8 --calib $H/input.npy &&
    "$PY" - "$W/h8" $H/model.xml <<'PYEOF' && ok "three outputs: report, header, float wrapper, HTML agree" || bad "three outputs: report"
import json, re, sys
out, model = sys.argv[1], sys.argv[2]
r = json.load(open(out + "/heads_report.json"))
h = open(out + "/heads.h").read()
c = open(out + "/heads.c").read()
html = open(out + "/heads_report.html").read()
names = re.findall(r'<output name="([^"]*)"/>', open(model).read())
o = r["outputs"]
assert [x["name"] for x in o] == names and [x["index"] for x in o] == [0, 1, 2], o
assert {k: v for k, v in o[0].items() if k not in ("index", "size")} == r["output"], r["output"]
assert "#define HEADS_NUM_OUTPUTS 3U" in h
for k, x in enumerate(o):
    n = 1
    for d in x["shape"]:
        n *= d
    assert x["size"] == n == int(re.search(r"HEADS_OUTPUT%d_SIZE (\d+)U" % k, h).group(1)), x
    m = re.search(r"heads_p_qout%d = \{\s*\.n = (\d+),\s*\.scale = ([-0-9.e]+)F,\s*\.zero_point = (-?\d+)" % k, c)
    assert int(m.group(1)) == n and abs(float(m.group(2)) - x["scale"]) <= 1e-7 * x["scale"], (m.groups(), x)
    assert int(m.group(3)) == x["zero_point"], (m.groups(), x)
    assert ("<tr><th>output %d</th><td><code>%s</code>" % (k, x["name"])) in html
assert len(set((x["scale"], x["zero_point"]) for x in o)) == 3  # each its own
PYEOF

[ $fails -eq 0 ] && echo "audit: all passed" || { echo "audit: $fails failed"; exit 1; }

"""tests/audit/check_report.py OUTDIR NAME ARGS_FILE [MACS]: checks the
identification fields of OUTDIR/NAME_report.json, NAME_timing.md and
NAME_report.html against independent computations (hashlib over the files,
numpy over the calibration data, generator/tools/build-id.sh run by the
caller into $BUILD_ID, the command line the caller ran). Exits non-zero
with a message on the first mismatch."""
import hashlib, json, os, re, sys

import numpy as np

out, name, args_file = sys.argv[1], sys.argv[2], sys.argv[3]
want_macs = int(sys.argv[4]) if len(sys.argv) > 4 else None
r = json.load(open(os.path.join(out, name + "_report.json"), encoding="utf-8"))


def sha(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def fail(msg):
    print("%s: %s" % (out, msg))
    sys.exit(1)


if r.get("report_version") != 1:
    fail("report_version %r" % r.get("report_version"))
if r["build"]["sha256"] != os.environ["BUILD_ID"]:
    fail("build.sha256 %s, build-id.sh says %s" % (r["build"]["sha256"], os.environ["BUILD_ID"]))
if r["build"]["version"] != r["version"]:
    fail("build.version")
# the command line: the arguments as given (NUL-separated file), "stoic" first
args = open(args_file, "rb").read().decode("utf-8", "surrogateescape").split("\0")[:-1]
want = ["OUTDIR" if i > 0 and args[i - 1] in ("-o", "--outdir") else a for i, a in enumerate(args)]
if r["command_line"] != ["stoic"] + want:
    fail("command_line %r, ran %r" % (r["command_line"], args))
# every input with the SHA-256 of the file it names
roles = {}
for f in r["inputs"]:
    roles.setdefault(f["role"], []).append(f["path"])
    if sha(f["path"]) != f["sha256"]:
        fail("input %s %s: sha256 differs" % (f["role"], f["path"]))
for opt, role in (("--calib", "calibration"), ("--config", "policy"), ("--val", "validation"),
                  ("--labels", "labels")):
    if opt in args and roles.get(role) != [args[args.index(opt) + 1]]:
        fail("role %s: %r" % (role, roles.get(role)))
if roles.get("model") != [r["model"]["file"]]:
    fail("model input")
# every generated file but the report, its HTML and SHA256SUMS
listed = {f["file"]: f for f in r["files"]}
present = set(os.listdir(out)) - {name + "_report.json", name + "_report.html", "SHA256SUMS"}
if set(listed) != present:
    fail("files: listed %s, present %s" % (sorted(listed), sorted(present)))
for fn, f in listed.items():
    data = open(os.path.join(out, fn), "rb").read()
    if hashlib.sha256(data).hexdigest() != f["sha256"] or len(data) != f["bytes"]:
        fail("file %s: sha256 or size differs" % fn)
# the C banners name the calibration data and the policy by SHA-256
for role in ("calibration", "policy"):
    for p in roles.get(role, []):
        for c in (name + ".c", name + ".h", name + "_weights.c"):
            head = open(os.path.join(out, c), encoding="utf-8").read().split("*/")[0]
            if sha(p) not in head:
                fail("%s banner lacks the %s sha256" % (c, role))
# the input domain
d, x = r["input_domain"], r["input"]
if "--calib" in args:
    cal = np.load(args[args.index("--calib") + 1]).astype(np.float64)
    if abs(d["calibration_min"] - cal.min()) > 1e-6 or abs(d["calibration_max"] - cal.max()) > 1e-6:
        fail("calibration min/max %r %r, data %r %r" % (d["calibration_min"],
             d["calibration_max"], cal.min(), cal.max()))
    lo, hi = d["calibrated_range"]
    if not (lo <= 0.0 <= hi and lo >= min(cal.min(), 0) - 1e-6 and hi <= max(cal.max(), 0) + 1e-6):
        fail("calibrated range %r outside the data's" % ((lo, hi),))
if x["dtype"] in ("int8", "int16"):
    g = d["grid"]
    qmin, qmax = (-128, 127) if x["dtype"] == "int8" else (-32768, 32767)
    if g["scale"] != x["scale"] or g["zero_point"] != x["zero_point"] or \
       (g["q_min"], g["q_max"]) != (qmin, qmax):
        fail("grid %r against input %r" % (g, x))
    for k, q in (("real_min", qmin), ("real_max", qmax)):
        if abs(g[k] - g["scale"] * (q - g["zero_point"])) > 1e-6 * max(1.0, abs(g[k])):
            fail("grid %s" % k)
    if abs(d["max_quantization_error"] - g["scale"] / 2) > 1e-9 or d["outside"] != "saturation":
        fail("max_quantization_error / outside")
else:
    if d["grid"] is not None or d["max_quantization_error"] != 0:
        fail("float input with a grid")
# MACs: multiply-accumulates only (the caller's count from the shapes)
if want_macs is not None and r["totals"]["macs"] != want_macs:
    fail("totals.macs %d, want %d" % (r["totals"]["macs"], want_macs))
if r["totals"]["macs"] != sum(L["macs"] for L in r["layers"]):
    fail("totals.macs is not the layers' sum")
for L in r["layers"]:
    if L["op"] in ("max_pool2d", "avg_pool2d", "flatten", "reshape", "pad", "global_avg_pool2d") \
       and L["macs"] != 0:
        fail("layer %s (%s) counts %d MACs" % (L["name"], L["op"], L["macs"]))
# NAME_timing.md: a row per layer with the report's figures
md = open(os.path.join(out, name + "_timing.md"), encoding="utf-8").read()


def cell(v):
    return "\u2014" if v is None else str(v)


def mdesc(s):
    return re.sub(r"([!-/:-@\[-`{-~])", r"\\\1", s)


for i, L in enumerate(r["layers"]):
    e = L.get("estimate") or {}
    ls = L.get("loads_stores") or {}
    row = "| %d | %s | %s | %s | %d" % (i, mdesc(L["name"]), mdesc(L["op"]),
                                       mdesc(L["work"]["kernel"]), L["macs"])
    for core in ("m4", "m7"):
        c = e.get(core) or {}
        row += " | %s | %s | %s" % (cell(c.get("insns")), cell(ls.get(core)), cell(c.get("cycles")))
    if row + " |\n" not in md:
        fail("timing.md lacks the row %r" % row)
if "| multiply-accumulates | %d | %d |" % (r["totals"]["macs"], r["totals"]["macs"]) not in md:
    fail("timing.md: whole-run MACs")
# NAME_report.html: self-contained, every layer and input, nothing external
h = open(os.path.join(out, name + "_report.html"), encoding="utf-8").read()
for bad in ("<script", "<link", "<iframe", "<img", "<object", "url(", "http:", "https:", "src=",
            "@import"):
    if bad in h.lower():
        fail("the HTML holds %r" % bad)
for L in r["layers"]:
    if '<td class="w">%s</td>' % L["name"] not in h:
        fail("the HTML lacks layer %s" % L["name"])
for f in r["inputs"] + r["files"]:
    if f["sha256"] not in h:
        fail("the HTML lacks the sha256 of %r" % f)
for sec in ("Summary", "Identification", "Input domain", "Layers", "Error against float32",
            "Activation arena", "Cost per layer", "stoic check", "MISRA C:2012"):
    if sec not in h:
        fail("the HTML lacks the section %s" % sec)
if h.count("<svg") < 2:
    fail("the HTML has fewer than 2 plots")
print("ok %s" % out)

#!/bin/sh
# make audit-screenshots: the HTML report of each example (digits int8 with
# validation data, dsconv int16, mlp float32) rendered by headless Chromium
# into build/audit-shots/*.png, to look at. Not part of make check.
set -eu
W=build/audit-shots
rm -rf "$W"
mkdir -p "$W"
command -v chromium >/dev/null || { echo "chromium is not installed (apt-get install chromium)"; exit 1; }
D=examples/digits
bin/stoic generate $D/digits.xml -o "$W/digits" --precision int8 --calib $D/calib_x.npy \
    --val $D/val_x.npy --labels $D/val_y.npy -q >/dev/null
bin/stoic generate examples/mlp/mlp.xml -o "$W/mlp" -q >/dev/null
for m in digits mlp; do
    chromium --headless --no-sandbox --disable-gpu --window-size=1200,4200 \
        --screenshot="$W/$m.png" "file://$(pwd)/$W/$m/${m}_report.html" >/dev/null 2>&1
    echo "$W/$m.png"
done

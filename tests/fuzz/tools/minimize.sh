#!/bin/sh
# Rebuilds the committed seed corpora: for each harness, libFuzzer's
# -merge=1 -use_counters=0 keeps a small set of inputs that covers every
# edge reached by the committed corpus, the raw seeds (tests/fuzz/tools/
# mkseeds.sh, in build/fuzz/seeds/NAME) and what fuzzing found below 4 KB
# (build/fuzz/corpus/NAME, e.g. after a long run). Inputs that crash are
# left out by the merge. Usage: sh tests/fuzz/tools/minimize.sh [NAME...]
set -eu
FD=${FUZZ_DIR:-build/fuzz}
[ $# -gt 0 ] || set -- model config onnx npy generate
for h in "$@"; do
    new=$FD/merge/$h
    rm -rf "$new"
    mkdir -p "$new"
    small=$FD/merge/$h.found
    rm -rf "$small"
    mkdir -p "$small"
    [ -d "$FD/corpus/$h" ] && find "$FD/corpus/$h" -type f -size -4000c -exec cp {} "$small/" \;
    src="$small"
    for d in tests/fuzz/corpus/"$h" "$FD/seeds/$h"; do
        [ -d "$d" ] && src="$src $d"
    done
    # shellcheck disable=SC2086
    "$FD/fuzz_$h" -merge=1 -use_counters=0 -close_fd_mask=3 -timeout=60 -rss_limit_mb=2048 \
        "$new" $src >"$FD/log/merge_$h.log" 2>&1
    rm -rf tests/fuzz/corpus/"$h"
    mkdir -p tests/fuzz/corpus/"$h"
    cp "$new"/* tests/fuzz/corpus/"$h"/
    echo "$h: $(ls tests/fuzz/corpus/"$h" | wc -l) inputs, $(cat tests/fuzz/corpus/"$h"/* | wc -c) bytes"
done

#!/bin/sh
# Rebuilds the committed seed corpora: for each harness, libFuzzer's
# -merge=1 keeps the smallest set of inputs that covers every feature
# (edges, counters) of the raw seeds (tests/fuzz/tools/mkseeds.sh, in
# build/fuzz/seeds/NAME) and of what fuzzing found (build/fuzz/corpus/NAME,
# e.g. after a long run). Usage: sh tests/fuzz/tools/minimize.sh [NAME...]
set -eu
FD=${FUZZ_DIR:-build/fuzz}
[ $# -gt 0 ] || set -- model config onnx npy generate
for h in "$@"; do
    new=$FD/merge/$h
    rm -rf "$new"
    mkdir -p "$new"
    src=""
    for d in tests/fuzz/corpus/"$h" "$FD/seeds/$h" "$FD/corpus/$h"; do
        [ -d "$d" ] && src="$src $d"
    done
    # shellcheck disable=SC2086
    "$FD/fuzz_$h" -merge=1 -close_fd_mask=3 -timeout=60 -rss_limit_mb=2048 "$new" $src \
        >"$FD/log/merge_$h.log" 2>&1
    rm -rf tests/fuzz/corpus/"$h"
    mkdir -p tests/fuzz/corpus/"$h"
    cp "$new"/* tests/fuzz/corpus/"$h"/
    echo "$h: $(ls tests/fuzz/corpus/"$h" | wc -l) inputs, $(cat tests/fuzz/corpus/"$h"/* | wc -c) bytes"
done

#!/bin/sh
# bench/runtime-sha.sh: the fingerprint of the runtime a cost table was
# fitted on: the SHA-256 of `sha256sum` of every runtime/*.c and *.h, in
# byte order of their names (generator/cost_table.c records it; make bench
# compares).
set -eu
cd "${1:-.}/runtime"
LC_ALL=C sha256sum $(LC_ALL=C ls ./*.c ./*.h | LC_ALL=C sort) | sha256sum | cut -c1-64

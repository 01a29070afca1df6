#!/bin/sh
# generator/tools/build-id.sh [ROOT]: the build identity of bin/stoic, the
# SHA-256 of the listing `sha256sum FILE...` of every source it is built
# from -- generator/*.c *.h *.proto, generator/tools/*, runtime/*.c *.h,
# schemas/*.xsd, templates/*.tmpl -- in byte order of the paths. The
# Makefile embeds it (build/build_id.c); every NAME_report.json gives it as
# build.sha256. An assessor recomputes it from a source tree with this
# script (or the same command by hand) and compares.
set -eu
cd "${1:-.}"
LC_ALL=C
export LC_ALL
ls generator/*.c generator/*.h generator/*.proto generator/tools/* runtime/*.c runtime/*.h \
   schemas/*.xsd templates/*.tmpl | sort | xargs sha256sum | sha256sum | cut -c1-64

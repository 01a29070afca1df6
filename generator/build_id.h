/* The build identity of this bin/stoic: the SHA-256 of its sources
 * (generator/tools/build-id.sh), computed by the Makefile at build time
 * into build/build_id.c. */
#ifndef STOIC_BUILD_ID_H
#define STOIC_BUILD_ID_H

extern const char stoic_build_sha256[];

#endif

# stoic — build, test, demo.  See README.md.
#
#   make          build bin/stoic
#   make deps     install missing Debian packages (apt-get; needs root)
#   make check    every test: CUnit unit tests, end-to-end tests (in parallel)
#   make demo     generate, compile and run the digits example
#   make bench    measure the examples on Cortex-M4/M7, write bench/RESULTS.md
#                 (bench/bench.mk; make bench-fit refits the generator's cost table)
#   make qualify  make check, then certification/qualification-report.md; also
#                 make trace, make coverage (certification/qual.mk)
#   make V=1 ...  show the full compiler commands
#   make JOBS=N   parallel jobs for make check (default: the number of CPUs)

CC       ?= cc
PYTHON   ?= /usr/bin/python3
JOBS     ?= $(shell nproc 2>/dev/null || echo 2)
export JOBS

# One line per build step ("CC build/generator/ir.o"); V=1 prints the commands.
V ?= 0
ifeq ($(V),1)
Q :=
say =
else
Q := @
say = @printf '%-7s%s\n' '$(1)' '$(2)';
endif
XML_CFLAGS := $(shell xml2-config --cflags 2>/dev/null)
XML_LIBS   := $(shell xml2-config --libs 2>/dev/null)
# libclang (Debian libclang-14-dev), for stoic check (generator/check.c).
# Its headers come with XML_CFLAGS, so every build of the generator's
# sources (bin/stoic, bin/stoic-asan, unit tests, fuzzers) finds them. The
# library is not linked: stoic check loads it (generator/clang_dl.c), so
# that no other command pays its start-up (57 ms a process).
CLANG_DIR  ?= /usr/lib/llvm-14
XML_CFLAGS += -isystem $(CLANG_DIR)/include
CLANG_LIBS  = -ldl

WARN     = -Wall -Wextra -Wconversion -Wshadow -Werror -Wstrict-prototypes \
           -Wmissing-prototypes -Wundef
CFLAGS  ?= -O2 -g
GEN_CFLAGS = -std=c99 $(WARN) $(CFLAGS) -D_POSIX_C_SOURCE=200809L \
             -Igenerator -Iruntime -Ibuild $(XML_CFLAGS)
# The runtime ships on the ECU: strict C99, pedantic.
RT_CFLAGS  = -std=c99 -pedantic $(WARN) $(CFLAGS) -Iruntime
LDLIBS     = $(XML_LIBS) -lprotobuf-c -llapacke -lm -lpthread $(CLANG_LIBS)

# Debian packages the build, the tests and the demo need.
# (The sanitized test programs of make check link with ld.gold, part of
# binutils, else with lld: tests/common.sh san_ldflags.)
DEB_PKGS = build-essential libxml2-dev libxml2-utils libcunit1-dev valgrind clang lld \
           libprotobuf-c-dev protobuf-c-compiler libonnx-testdata python3-numpy \
           liblapacke-dev libclang-14-dev $(TGT_DEB_PKGS) $(MISRA_DEB_PKGS)

RT_SRC   = $(sort $(wildcard runtime/*.c))
RT_HDR   = $(sort $(wildcard runtime/*.h))
GEN_SRC  = $(sort $(filter-out generator/main.c,$(wildcard generator/*.c)))
GEN_HDR  = $(sort $(wildcard generator/*.h))
UNIT_SRC = $(sort $(wildcard tests/unit/*.c))

RT_OBJ   = $(RT_SRC:%.c=build/%.o)
GEN_OBJ  = $(GEN_SRC:%.c=build/%.o) build/embedded.o build/onnx.pb-c.o build/build_id.o
UNIT_OBJ = $(UNIT_SRC:%.c=build/%.o)

# Files compiled into bin/stoic: the schema and the runtime sources it copies
# into every output directory.
EMBED_FILES = $(sort $(wildcard schemas/*.xsd)) $(RT_HDR) $(RT_SRC) $(sort $(wildcard templates/*.tmpl))

.PHONY: all deps check check-build check-parts unit e2e quant compress onnx hardening demo clean clang-lint
all: bin/stoic

deps:
	@missing=""; for p in $(DEB_PKGS); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

bin/embed: generator/tools/embed.c
	$(Q)mkdir -p bin
	$(call say,CC,$@)$(CC) -std=c99 $(WARN) $(CFLAGS) -o $@ $<

build/embedded.c: bin/embed $(EMBED_FILES)
	$(Q)mkdir -p build
	$(call say,EMBED,$@)bin/embed $(EMBED_FILES) > $@.tmp && mv $@.tmp $@

build/embedded.o: build/embedded.c
	$(call say,CC,$@)$(CC) -std=c99 $(CFLAGS) -Igenerator -c -o $@ $<

# The ONNX schema subset (generator/onnx.proto) as C, with protobuf-c. The
# generated code is compiled without -Werror; generator objects may include
# onnx.pb-c.h, so it is generated before any of them.
build/%.pb-c.c build/%.pb-c.h: generator/%.proto
	$(Q)mkdir -p build
	$(call say,PROTOC,$<)protoc-c --c_out=build -Igenerator $<

build/onnx.pb-c.o: build/onnx.pb-c.c build/onnx.pb-c.h
	$(call say,CC,$@)$(CC) -std=c99 $(CFLAGS) -Ibuild -c -o $@ $<

$(GEN_OBJ) $(UNIT_OBJ): build/onnx.pb-c.h

build/runtime/%.o: runtime/%.c $(RT_HDR)
	$(Q)mkdir -p $(dir $@)
	$(call say,CC,$@)$(CC) $(RT_CFLAGS) -c -o $@ $<

build/generator/%.o: generator/%.c $(GEN_HDR) $(RT_HDR)
	$(Q)mkdir -p $(dir $@)
	$(call say,CC,$@)$(CC) $(GEN_CFLAGS) -c -o $@ $<

build/tests/%.o: tests/%.c $(GEN_HDR) $(RT_HDR)
	$(Q)mkdir -p $(dir $@)
	$(call say,CC,$@)$(CC) $(GEN_CFLAGS) -Wno-missing-prototypes -c -o $@ $<

bin/stoic: build/generator/main.o $(GEN_OBJ) $(RT_OBJ)
	$(Q)mkdir -p bin
	$(call say,LINK,$@)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

bin/unit_tests: $(UNIT_OBJ) $(GEN_OBJ) $(RT_OBJ)
	$(Q)mkdir -p bin
	$(call say,LINK,$@)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS) -lcunit

bin/npycmp: tests/tools/npycmp.c generator/npy.c generator/npy.h generator/fileio.c
	$(Q)mkdir -p bin
	$(call say,CC,$@)$(CC) $(GEN_CFLAGS) -o $@ tests/tools/npycmp.c generator/npy.c generator/fileio.c -lm

bin/top1: tests/tools/top1.c generator/npy.c generator/npy.h generator/fileio.c
	$(Q)mkdir -p bin
	$(call say,CC,$@)$(CC) $(GEN_CFLAGS) -o $@ tests/tools/top1.c generator/npy.c generator/fileio.c -lm

# ONNX test tools: the reader (generator/onnx_read.c) on its own.
ONNX_TOOL_SRC = generator/onnx_read.c generator/diag.c generator/strbuf.c generator/fileio.c
ONNX_TOOL_DEP = $(ONNX_TOOL_SRC) generator/onnx_read.h generator/diag.h generator/fileio.h \
                build/onnx.pb-c.h

bin/onnxinfo: tests/tools/onnxinfo.c $(ONNX_TOOL_DEP) build/onnx.pb-c.o
	$(Q)mkdir -p bin
	$(call say,CC,$@)$(CC) $(GEN_CFLAGS) -o $@ tests/tools/onnxinfo.c $(ONNX_TOOL_SRC) build/onnx.pb-c.o -lprotobuf-c

bin/pb2npy: tests/tools/pb2npy.c $(ONNX_TOOL_DEP) generator/npy.c generator/npy.h build/onnx.pb-c.o
	$(Q)mkdir -p bin
	$(call say,CC,$@)$(CC) $(GEN_CFLAGS) -o $@ tests/tools/pb2npy.c $(ONNX_TOOL_SRC) generator/npy.c \
	    build/onnx.pb-c.o -lprotobuf-c -lm

bin/corrupt: tests/tools/corrupt.c generator/fileio.c generator/fileio.h
	$(Q)mkdir -p bin
	$(call say,CC,$@)$(CC) $(GEN_CFLAGS) -o $@ tests/tools/corrupt.c generator/fileio.c

# The generator under AddressSanitizer and UndefinedBehaviorSanitizer: every
# import, validate, eval and generate of `make check` runs through it. One
# object per source (build/asan/), so it builds in parallel and rebuilds
# only what changed.
SAN_FLAGS = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
SAN_CFLAGS = -std=c99 $(WARN) $(SAN_FLAGS) -D_POSIX_C_SOURCE=200809L -Igenerator -Iruntime -Ibuild \
             $(XML_CFLAGS)
ASAN_OBJ = $(patsubst %.c,build/asan/%.o,generator/main.c $(GEN_SRC) $(RT_SRC)) \
           build/asan/embedded.o build/asan/onnx.pb-c.o build/asan/build_id.o

build/asan/generator/%.o: generator/%.c $(GEN_HDR) $(RT_HDR) build/onnx.pb-c.h
	$(Q)mkdir -p $(dir $@)
	$(call say,CC,$@)$(CC) $(SAN_CFLAGS) -c -o $@ $<

build/asan/runtime/%.o: runtime/%.c $(RT_HDR)
	$(Q)mkdir -p $(dir $@)
	$(call say,CC,$@)$(CC) $(SAN_CFLAGS) -c -o $@ $<

build/asan/%.o: build/%.c build/onnx.pb-c.h
	$(Q)mkdir -p $(dir $@)
	$(call say,CC,$@)$(CC) $(SAN_CFLAGS) -c -o $@ $<

# How the sanitized programs of make check are linked (not what they
# check: the same instrumentation and the same sanitizer runtime). make
# check starts bin/stoic-asan some 4000 times, and a start of the PIE
# linked with gcc's shared libasan and libubsan was 0.16 s of CPU for a
# small generate, half of it the start and the exit: the dynamic loader
# applying 124,000 relative relocations (the UBSan check sites' data),
# and LeakSanitizer's exit scan reading the 6 MB .bss of libubsan.so
# (a module of its own, so its globals are scanned as the program's).
# Linked -no-pie with the static runtimes (one copy of sanitizer_common,
# excluded from the scan): 0.11 s. Only when CC has the static runtimes
# (gcc prints their paths; without them it prints the bare name, not a
# file here; clang links its own statically already).
SAN_LINK := -no-pie $(shell a=$$($(CC) -print-file-name=libasan.a 2>/dev/null); \
    u=$$($(CC) -print-file-name=libubsan.a 2>/dev/null); \
    [ -f "$$a" ] && [ -f "$$u" ] && echo -static-libasan -static-libubsan)

bin/stoic-asan: $(ASAN_OBJ)
	$(Q)mkdir -p bin
	$(call say,LINK,$@)$(CC) $(SAN_FLAGS) $(SAN_LINK) -o $@ $^ $(LDLIBS)

# onnxinfo under the sanitizers, for the corrupted-file check (tests/onnx/corrupt.sh).
bin/onnxinfo-asan: tests/tools/onnxinfo.c $(ONNX_TOOL_DEP) build/onnx.pb-c.c
	$(Q)mkdir -p bin
	$(call say,CC,$@)$(CC) -std=c99 $(WARN) $(SAN_FLAGS) -D_POSIX_C_SOURCE=200809L -Igenerator -Iruntime -Ibuild \
	    $(SAN_LINK) -o $@ tests/tools/onnxinfo.c $(ONNX_TOOL_SRC) build/onnx.pb-c.c -lprotobuf-c

# The generator and the runtime must also compile cleanly with clang.
clang-lint: build/embedded.c build/onnx.pb-c.h
	@for f in $(GEN_SRC) generator/main.c; do \
	  clang -std=c99 $(WARN) -O2 -D_POSIX_C_SOURCE=200809L -Igenerator -Iruntime -Ibuild \
	    $(XML_CFLAGS) -fsyntax-only $$f || exit 1; done
	@for f in $(RT_SRC); do clang $(RT_CFLAGS) -fsyntax-only $$f || exit 1; done
	@echo "clang: generator and runtime compile cleanly"

# Fuzzing (issue 9): make fuzz, make fuzz-build (tests/fuzz/fuzz.mk).
include tests/fuzz/fuzz.mk
# The generated code on the target cores (issue 10): make cross, make
# target-check (target/target.mk).
include target/target.mk
# Benchmarks (issue 10): make bench, make bench-fit (bench/bench.mk).
include bench/bench.mk
# Tool qualification (issue 11): make trace, make qualify, make coverage
# (certification/qual.mk).
include certification/qual.mk
# The audit report: the build identity, make check-audit (generator/audit.mk).
include generator/audit.mk
# MISRA C:2012 (issue 11): make misra, make misra-update (certification/misra/misra.mk).
include certification/misra/misra.mk

# ---- tests -------------------------------------------------------------------
#
# make check: the build (in parallel), then every part below as its own
# target, JOBS at a time (make -j), each part's output shown in one piece
# when it ends (make -O) and kept in build/check/PART.log, then a summary:
# a line per part with its time and its last line. Most scripts also run
# their cases JOBS at a time. One part alone: make check-PART (e.g. make
# check-e2e), or its script (sh tests/e2e/run.sh [CASE...]).
#
# The parts, longest first (make starts them in this order, JOBS at a
# time, so the short ones fill in at the end): compress is the longest
# serial one; misra is long from a fresh clone (no cppcheck cache). Before
# them rt-san and rt-o1 (tests/support.sh): the runtime and harness
# objects that e2e and e2e-quant (sanitized), and conformance,
# onnx-patterns and onnx-models (cc -O1) each compiled for themselves
# before, compiled once per run for the parts that use them.
# (The order by the CPU seconds each part took in a run from a fresh
# clone; fuzz, whose 50 s are mostly waiting on its fixed-time runs, in
# the middle, where another part uses the other core.) make check runs
# rt-san and rt-o1 first, on their own (CHECK_SUP_PARTS), then the others
# with CHECK_SUP_DONE=1: as prerequisites in the same make -j, the parts
# waiting on them were put off to the end, the two longest among them.
CHECK_SUP_PARTS = rt-san rt-o1
CHECK_PARTS = compress e2e-quant e2e conformance onnx-patterns misra stoic-check \
              coverage onnx-models target atomic fuzz corrupt malformed bad soc quant example \
              clang-lint runpath unit audit qual bench onnx-bad
CHECK_BINS  = bin/stoic bin/stoic-asan bin/npycmp bin/top1 bin/onnxinfo bin/onnxinfo-asan \
              bin/pb2npy bin/corrupt bin/unit_tests

check: deps
	@$(MAKE) --no-print-directory -j$(JOBS) check-build
	@rm -f build/check/*.status build/check/*.cpu; start=$$(date +%s); \
	if $(MAKE) --no-print-directory -k -j$(JOBS) -O $(CHECK_SUP_PARTS:%=check-%); then \
	  done=CHECK_SUP_DONE=1; else done=; fi; \
	$(MAKE) --no-print-directory -k -j$(JOBS) -O $$done check-parts; rc=$$?; \
	echo "== make check: $$(( $$(date +%s) - start )) s for the tests, $(JOBS) jobs," \
	     "CPU $$(cat $(CHECK_SUP_PARTS:%=build/check/%.cpu) $(CHECK_PARTS:%=build/check/%.cpu) 2>/dev/null | awk '{ c += $$1 } END { print c + 0 }') s"; \
	for p in $(CHECK_SUP_PARTS) $(CHECK_PARTS); do \
	  cat build/check/$$p.status 2>/dev/null || echo "FAIL  $$p: did not run"; done; \
	exit $$rc

check-build: all $(CHECK_BINS) build/embedded.c fuzz-build $(TGT_CHECK_BUILD)

check-parts: $(CHECK_PARTS:%=check-%)
.PHONY: $(CHECK_SUP_PARTS:%=check-%) $(CHECK_PARTS:%=check-%)

# $(call part,NAME,COMMAND[,SUMMARY]): runs COMMAND, output to
# build/check/NAME.log, then prints it; build/check/NAME.status gets
# "ok|FAIL NAME TIME SUMMARY", SUMMARY the log's last line unless a command
# on the log is given; build/check/NAME.cpu the processor time COMMAND
# took (user + system, in s: the shell's times for its children; the
# machine may be shared, so this is the figure to compare, not TIME)
define part
	@mkdir -p build/check; start=$$(date +%s); \
	( $(2) ) >build/check/$(1).log 2>&1; rc=$$?; \
	t=$$(( $$(date +%s) - start )); times >build/check/$(1).times; \
	awk 'NR == 2 { for (i = 1; i <= NF; i++) { split($$i, a, "m"); c += a[1] * 60 + a[2] } \
	              printf "%.0f\n", c }' build/check/$(1).times >build/check/$(1).cpu; \
	echo "== $(1): $(2)  ($$t s, CPU $$(cat build/check/$(1).cpu) s)"; cat build/check/$(1).log; \
	if [ $$rc -eq 0 ]; then st=ok; else st=FAIL; fi; \
	printf '%-5s %-11s %4s s  %s\n' $$st $(1) $$t \
	    "$$($(or $(3),tail -n 1) build/check/$(1).log | tr -s ' ' | tr '\n' ' ')" \
	    >build/check/$(1).status; \
	exit $$rc
endef

# CUnit: the tested code's own diagnostics on stderr are expected (error
# paths under test); they go to build/check/unit-stderr.log.
check-unit: bin/unit_tests
	$(call part,unit,bin/unit_tests 2>build/check/unit-stderr.log,grep -E '^ *(tests|asserts) ')
check-clang-lint: build/embedded.c build/onnx.pb-c.h
	$(call part,clang-lint,$(MAKE) --no-print-directory -s clang-lint)
# the objects several parts share, made afresh each run (tests/support.sh);
# a part alone (make check-e2e) makes them first; make check has made
# them before (CHECK_SUP_DONE=1)
CHECK_SUP = build/check/support
RT_SAN = $(if $(CHECK_SUP_DONE),,check-rt-san)
RT_O1  = $(if $(CHECK_SUP_DONE),,check-rt-o1)
check-rt-san:
	$(call part,rt-san,sh tests/support.sh san $(CHECK_SUP)/san)
check-rt-o1:
	$(call part,rt-o1,sh tests/support.sh o1 $(CHECK_SUP)/o1)
check-e2e: bin/stoic bin/stoic-asan bin/npycmp $(RT_SAN)
	$(call part,e2e,STOIC_SUPPORT_SAN=$(CHECK_SUP)/san sh tests/e2e/run.sh)
check-malformed: bin/stoic-asan
	$(call part,malformed,sh tests/malformed/run.sh)
check-example: bin/stoic bin/stoic-asan bin/npycmp bin/top1
	$(call part,example,sh tests/example/run.sh)
# 100 corruptions per model in make check; the soak: make corrupt-soak
# (CORRUPT_COUNT per model, default 2000)
CORRUPT_COUNT ?= 2000
check-corrupt: bin/stoic-asan bin/onnxinfo-asan bin/corrupt
	$(call part,corrupt,sh tests/onnx/corrupt.sh 100)
corrupt-soak: bin/stoic-asan bin/onnxinfo-asan bin/corrupt
	sh tests/onnx/corrupt.sh $(CORRUPT_COUNT)
.PHONY: corrupt-soak
check-quant: bin/stoic bin/stoic-asan bin/npycmp bin/top1
	$(call part,quant,sh tests/quant/run.sh)
check-e2e-quant: bin/stoic bin/stoic-asan bin/npycmp $(RT_SAN)
	$(call part,e2e-quant,STOIC_SUPPORT_SAN=$(CHECK_SUP)/san sh tests/e2e/quant.sh)
# every e2e case in int8 and in int16 (make check: each case in one of them)
check-e2e-quant-full: bin/stoic bin/stoic-asan bin/npycmp
	QUANT_PRECISIONS=both sh tests/e2e/quant.sh
.PHONY: check-e2e-quant-full
check-compress: bin/stoic bin/stoic-asan bin/npycmp bin/top1
	$(call part,compress,sh tests/compress/run.sh)
check-onnx-bad: bin/stoic-asan
	$(call part,onnx-bad,sh tests/onnx/bad.sh)
check-onnx-patterns: bin/stoic bin/stoic-asan bin/npycmp $(RT_O1)
	$(call part,onnx-patterns,STOIC_SUPPORT_O1=$(CHECK_SUP)/o1 sh tests/onnx/patterns.sh)

# the model set of issue 12 (tests/onnx/make_models.py): float32 within
# 1e-5 relative of torch (atol 1e-6), int8 and int16 bit-exact with stoic eval
ONNX_MODELS = kws_dscnn_13 kws_dscnn_17 resnet8_13 resnet8_17 anomaly_ae_13 anomaly_ae_17 \
              mbv1_025_13 mbv1_025_17 keras_mlp_13 keras_mlp_17 conv_ae_13 conv_ae_17
check-onnx-models: bin/stoic bin/stoic-asan bin/npycmp $(RT_O1)
	$(call part,onnx-models,STOIC_SUPPORT_O1=$(CHECK_SUP)/o1 D=tests/onnx/models W=build/onnx_models RTOL=1e-5 ATOL=1e-6 \
	    MODELS="$(ONNX_MODELS)" sh tests/onnx/patterns.sh)
# examples/soc (issue 13): the recurrent state-of-charge estimators
check-soc: bin/stoic bin/stoic-asan bin/npycmp
	$(call part,soc,sh tests/soc/run.sh,tail -n 1)
check-conformance: bin/stoic-asan bin/onnxinfo bin/pb2npy bin/npycmp $(RT_O1)
	$(call part,conformance,STOIC_SUPPORT_O1=$(CHECK_SUP)/o1 QUIET=1 sh tests/onnx/conformance.sh)
check-bad: bin/stoic-asan
	$(call part,bad,sh tests/bad/run.sh)
check-atomic: bin/stoic-asan
	$(call part,atomic,sh tests/atomic/run.sh)
# The generated code on Cortex-M4, Cortex-M7 and PowerPC under QEMU
# (target/target.mk, target/check.sh): the trace plugin's own test, then
# the random-case kernel programs (int4; the assembly passes), the
# examples' outputs, timing traces and run paths.
check-target: $(TGT_CHECK_BUILD) $(TGT)/stoic_trace.so
	$(call part,target,sh target/plugin/test/run.sh $(TGT) $(TGT_PLUGIN_ELFS) && sh target/s4cases/run.sh $(TGT) && sh target/s4cases/run.sh $(TGT) dspcases && $(TGT_CHECK_RUN))
# libFuzzer (tests/fuzz/fuzz.mk): the regression inputs, then a smoke run of
# CHECK_FUZZ_SECONDS (6) per harness from the committed corpora (the soak:
# make fuzz FUZZ_SECONDS=...).
CHECK_FUZZ_SECONDS ?= 6
check-fuzz: fuzz-build
	$(call part,fuzz,FUZZ_DIR=$(FUZZ_DIR) sh tests/fuzz/run.sh $(CHECK_FUZZ_SECONDS) $(FUZZ_HARNESSES))

# stoic check and the run-path walk's negative controls (issue 11).
include tests/check/check.mk

# Groups of parts (make -jN runs a group's parts in parallel).
unit: check-unit
e2e: check-e2e check-malformed check-example check-corrupt
# Quantization (issue 4): the digits example in int8, int16 and mixed
# precision, NAME_NO_FLOAT, bad calibration data; every e2e case quantized.
quant: check-quant check-e2e-quant
# Pruning, low-rank and the accuracy budget (issue 5).
compress: check-compress
# ONNX conformance: the backend node tests and PyTorch-converted tests of
# Debian's libonnx-testdata, imported, generated, compiled and run; and the
# ONNX models import must refuse.
onnx: check-onnx-bad check-onnx-patterns check-onnx-models check-conformance
# Hardening (issue 9): the bad-input corpus and the output directory's
# atomicity (kills, failed renames, concurrent runs).
hardening: check-bad check-atomic check-fuzz

demo: deps
	$(MAKE) all bin/npycmp bin/top1
	sh examples/digits/demo.sh
	sh examples/soc/demo.sh

clean:
	rm -rf bin build out


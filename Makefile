# stoic — build, test, demo.  See README.md.
#
#   make          build bin/stoic
#   make deps     install missing Debian packages (apt-get; needs root)
#   make check    every test: CUnit unit tests, end-to-end tests
#   make demo     generate, compile and run the digits example

CC       ?= cc
PYTHON   ?= /usr/bin/python3
XML_CFLAGS := $(shell xml2-config --cflags 2>/dev/null)
XML_LIBS   := $(shell xml2-config --libs 2>/dev/null)

WARN     = -Wall -Wextra -Wconversion -Wshadow -Werror -Wstrict-prototypes \
           -Wmissing-prototypes -Wundef
CFLAGS  ?= -O2 -g
GEN_CFLAGS = -std=c99 $(WARN) $(CFLAGS) -D_POSIX_C_SOURCE=200809L \
             -Igenerator -Iruntime -Ibuild $(XML_CFLAGS)
# The runtime ships on the ECU: strict C99, pedantic.
RT_CFLAGS  = -std=c99 -pedantic $(WARN) $(CFLAGS) -Iruntime
LDLIBS     = $(XML_LIBS) -lprotobuf-c -llapacke -lm

# Debian packages the build, the tests and the demo need.
DEB_PKGS = build-essential libxml2-dev libxml2-utils libcunit1-dev valgrind clang \
           libprotobuf-c-dev protobuf-c-compiler libonnx-testdata python3-numpy \
           liblapacke-dev

RT_SRC   = $(sort $(wildcard runtime/*.c))
RT_HDR   = $(sort $(wildcard runtime/*.h))
GEN_SRC  = $(sort $(filter-out generator/main.c,$(wildcard generator/*.c)))
GEN_HDR  = $(sort $(wildcard generator/*.h))
UNIT_SRC = $(sort $(wildcard tests/unit/*.c))

RT_OBJ   = $(RT_SRC:%.c=build/%.o)
GEN_OBJ  = $(GEN_SRC:%.c=build/%.o) build/embedded.o build/onnx.pb-c.o
UNIT_OBJ = $(UNIT_SRC:%.c=build/%.o)

# Files compiled into bin/stoic: the schema and the runtime sources it copies
# into every output directory.
EMBED_FILES = $(sort $(wildcard schemas/*.xsd)) $(RT_HDR) $(RT_SRC) $(sort $(wildcard templates/*.tmpl))

.PHONY: all deps check unit e2e quant compress onnx hardening demo clean clang-lint
all: bin/stoic

deps:
	@missing=""; for p in $(DEB_PKGS); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

bin/embed: generator/tools/embed.c
	@mkdir -p bin
	$(CC) -std=c99 $(WARN) $(CFLAGS) -o $@ $<

build/embedded.c: bin/embed $(EMBED_FILES)
	@mkdir -p build
	bin/embed $(EMBED_FILES) > $@.tmp && mv $@.tmp $@

build/embedded.o: build/embedded.c
	$(CC) -std=c99 $(CFLAGS) -Igenerator -c -o $@ $<

# The ONNX schema subset (generator/onnx.proto) as C, with protobuf-c. The
# generated code is compiled without -Werror; generator objects may include
# onnx.pb-c.h, so it is generated before any of them.
build/%.pb-c.c build/%.pb-c.h: generator/%.proto
	@mkdir -p build
	protoc-c --c_out=build -Igenerator $<

build/onnx.pb-c.o: build/onnx.pb-c.c build/onnx.pb-c.h
	$(CC) -std=c99 $(CFLAGS) -Ibuild -c -o $@ $<

$(GEN_OBJ) $(UNIT_OBJ): build/onnx.pb-c.h

build/runtime/%.o: runtime/%.c $(RT_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(RT_CFLAGS) -c -o $@ $<

build/generator/%.o: generator/%.c $(GEN_HDR) $(RT_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(GEN_CFLAGS) -c -o $@ $<

build/tests/%.o: tests/%.c $(GEN_HDR) $(RT_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(GEN_CFLAGS) -Wno-missing-prototypes -c -o $@ $<

bin/stoic: build/generator/main.o $(GEN_OBJ) $(RT_OBJ)
	@mkdir -p bin
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

bin/unit_tests: $(UNIT_OBJ) $(GEN_OBJ) $(RT_OBJ)
	@mkdir -p bin
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS) -lcunit

bin/npycmp: tests/tools/npycmp.c generator/npy.c generator/npy.h generator/fileio.c
	@mkdir -p bin
	$(CC) $(GEN_CFLAGS) -o $@ tests/tools/npycmp.c generator/npy.c generator/fileio.c -lm

unit: bin/unit_tests
	bin/unit_tests

e2e: bin/stoic bin/stoic-asan bin/npycmp bin/top1 bin/onnxinfo-asan bin/corrupt
	sh tests/e2e/run.sh
	sh tests/malformed/run.sh
	sh tests/example/run.sh
	sh tests/onnx/corrupt.sh

# Quantization (issue 4): the digits example in int8, int16 and mixed
# precision, NAME_NO_FLOAT, bad calibration data; every e2e case quantized.
quant: bin/stoic bin/stoic-asan bin/npycmp bin/top1
	sh tests/quant/run.sh
	sh tests/e2e/quant.sh

# Pruning, low-rank and the accuracy budget (issue 5).
compress: bin/stoic bin/stoic-asan bin/npycmp bin/top1
	sh tests/compress/run.sh

check: deps
	$(MAKE) all
	$(MAKE) clang-lint
	$(MAKE) unit
	$(MAKE) e2e
	$(MAKE) quant
	$(MAKE) compress
	$(MAKE) onnx
	$(MAKE) hardening

# Hardening (issue 9): the bad-input corpus and the output directory's
# atomicity (kills, failed renames, concurrent runs).
hardening: bin/stoic-asan
	sh tests/bad/run.sh
	sh tests/atomic/run.sh

# ONNX conformance: the backend node tests and PyTorch-converted tests of
# Debian's libonnx-testdata, imported, generated, compiled and run.
onnx: bin/stoic bin/stoic-asan bin/onnxinfo bin/pb2npy bin/npycmp
	sh tests/onnx/bad.sh
	sh tests/onnx/patterns.sh
	sh tests/onnx/conformance.sh

demo: deps
	$(MAKE) all bin/npycmp bin/top1
	sh examples/digits/demo.sh

clean:
	rm -rf bin build out

bin/top1: tests/tools/top1.c generator/npy.c generator/npy.h generator/fileio.c
	@mkdir -p bin
	$(CC) $(GEN_CFLAGS) -o $@ tests/tools/top1.c generator/npy.c generator/fileio.c -lm

# ONNX test tools: the reader (generator/onnx_read.c) on its own.
ONNX_TOOL_SRC = generator/onnx_read.c generator/diag.c generator/strbuf.c generator/fileio.c
ONNX_TOOL_DEP = $(ONNX_TOOL_SRC) generator/onnx_read.h generator/diag.h generator/fileio.h \
                build/onnx.pb-c.h

bin/onnxinfo: tests/tools/onnxinfo.c $(ONNX_TOOL_DEP) build/onnx.pb-c.o
	@mkdir -p bin
	$(CC) $(GEN_CFLAGS) -o $@ tests/tools/onnxinfo.c $(ONNX_TOOL_SRC) build/onnx.pb-c.o -lprotobuf-c

bin/pb2npy: tests/tools/pb2npy.c $(ONNX_TOOL_DEP) generator/npy.c generator/npy.h build/onnx.pb-c.o
	@mkdir -p bin
	$(CC) $(GEN_CFLAGS) -o $@ tests/tools/pb2npy.c $(ONNX_TOOL_SRC) generator/npy.c \
	    build/onnx.pb-c.o -lprotobuf-c -lm

bin/corrupt: tests/tools/corrupt.c generator/fileio.c generator/fileio.h
	@mkdir -p bin
	$(CC) $(GEN_CFLAGS) -o $@ tests/tools/corrupt.c generator/fileio.c

# The generator under AddressSanitizer and UndefinedBehaviorSanitizer; the
# malformed-input suite and the example run with it in `make check`.
SAN_FLAGS = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
bin/stoic-asan: build/embedded.c build/onnx.pb-c.c build/onnx.pb-c.h generator/main.c $(GEN_SRC) $(GEN_HDR) $(RT_SRC) $(RT_HDR)
	@mkdir -p bin
	$(CC) -std=c99 $(WARN) $(SAN_FLAGS) -D_POSIX_C_SOURCE=200809L -Igenerator -Iruntime -Ibuild \
	    $(XML_CFLAGS) -o $@ generator/main.c $(GEN_SRC) build/embedded.c build/onnx.pb-c.c $(RT_SRC) $(LDLIBS)

# onnxinfo under the sanitizers, for the corrupted-file check (tests/onnx/corrupt.sh).
bin/onnxinfo-asan: tests/tools/onnxinfo.c $(ONNX_TOOL_DEP) build/onnx.pb-c.c
	@mkdir -p bin
	$(CC) -std=c99 $(WARN) $(SAN_FLAGS) -D_POSIX_C_SOURCE=200809L -Igenerator -Iruntime -Ibuild \
	    -o $@ tests/tools/onnxinfo.c $(ONNX_TOOL_SRC) build/onnx.pb-c.c -lprotobuf-c

# The generator and the runtime must also compile cleanly with clang.
clang-lint: build/embedded.c build/onnx.pb-c.h
	@for f in $(GEN_SRC) generator/main.c; do \
	  clang -std=c99 $(WARN) -O2 -D_POSIX_C_SOURCE=200809L -Igenerator -Iruntime -Ibuild \
	    $(XML_CFLAGS) -fsyntax-only $$f || exit 1; done
	@for f in $(RT_SRC); do clang $(RT_CFLAGS) -fsyntax-only $$f || exit 1; done
	@echo "clang: generator and runtime compile cleanly"
include target/target.mk

# Fuzzing (issue 9): libFuzzer harnesses for every input of the generator.
# Included by the Makefile (it uses GEN_SRC, RT_SRC, WARN, XML_CFLAGS, LDLIBS
# and the rules for build/embedded.c and build/onnx.pb-c.[ch]).
#
#   make fuzz-build                 build/fuzz/fuzz_{model,config,onnx,npy,generate}
#   make fuzz [FUZZ_SECONDS=30]     run each harness over its regression inputs
#                                   (tests/fuzz/regress/NAME), then fuzz it for
#                                   FUZZ_SECONDS from tests/fuzz/corpus/NAME; fails on
#                                   any crash, leak, timeout or sanitizer report; one
#                                   line per harness: execs, coverage, corpus
#   make fuzz-crashes               run the open reproducers (tests/fuzz/crashes/NAME):
#                                   which still crash (informational, never fails)
#
# The generator's objects are rebuilt with clang under
# -fsanitize=fuzzer-no-link,address,undefined in build/fuzz/ (the runtime too:
# the host evaluator runs its kernels). See tests/fuzz/README.md.

FUZZ_CC       ?= clang
FUZZ_SECONDS  ?= 30
FUZZ_DIR       = build/fuzz
FUZZ_HARNESSES = model config onnx npy generate
FUZZ_SAN       = -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS    = -std=c99 -g -O1 -fno-omit-frame-pointer $(FUZZ_SAN) \
                 -D_POSIX_C_SOURCE=200809L $(filter-out -Werror,$(WARN))
FUZZ_INC       = -Igenerator -Iruntime -Ibuild $(XML_CFLAGS)
FUZZ_GEN_OBJ   = $(GEN_SRC:%.c=$(FUZZ_DIR)/%.o) $(FUZZ_DIR)/embedded.o $(FUZZ_DIR)/onnx.pb-c.o \
                 $(FUZZ_DIR)/build_id.o
FUZZ_RT_OBJ    = $(RT_SRC:%.c=$(FUZZ_DIR)/%.o)
FUZZ_BINS      = $(FUZZ_HARNESSES:%=$(FUZZ_DIR)/fuzz_%)
# Reads stay in the harness's private directory; fuzz_generate captures the
# generated files in memory (tests/fuzz/fuzz_common.h, fuzz_generate.c).
FUZZ_WRAP      = -Wl,--wrap=fileio_read_all
FUZZ_WRAP_generate = -Wl,--wrap=outdir_add -Wl,--wrap=outdir_staged

.PHONY: fuzz fuzz-build fuzz-crashes
# objects reached only through the pattern rules: keep them between builds
.SECONDARY: $(FUZZ_GEN_OBJ) $(FUZZ_RT_OBJ) $(FUZZ_HARNESSES:%=$(FUZZ_DIR)/fuzz_%.o)

fuzz-build: $(FUZZ_BINS)

$(FUZZ_DIR)/generator/%.o: generator/%.c $(GEN_HDR) $(RT_HDR) build/onnx.pb-c.h
	$(Q)mkdir -p $(dir $@)
	$(call say,CC,$@)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(FUZZ_INC) -c -o $@ $<

$(FUZZ_DIR)/runtime/%.o: runtime/%.c $(RT_HDR)
	$(Q)mkdir -p $(dir $@)
	$(call say,CC,$@)$(FUZZ_CC) $(FUZZ_CFLAGS) -pedantic -fsanitize=fuzzer-no-link -Iruntime -c -o $@ $<

$(FUZZ_DIR)/embedded.o: build/embedded.c
	$(Q)mkdir -p $(dir $@)
	$(call say,CC,$@)$(FUZZ_CC) -std=c99 -O1 -Igenerator -c -o $@ $<

$(FUZZ_DIR)/build_id.o: build/build_id.c
	$(Q)mkdir -p $(dir $@)
	$(call say,CC,$@)$(FUZZ_CC) -std=c99 -O1 -Igenerator -c -o $@ $<

$(FUZZ_DIR)/onnx.pb-c.o: build/onnx.pb-c.c build/onnx.pb-c.h
	$(Q)mkdir -p $(dir $@)
	$(call say,CC,$@)$(FUZZ_CC) -std=c99 -g -O1 $(FUZZ_SAN) -fsanitize=fuzzer-no-link -Ibuild -c -o $@ $<

$(FUZZ_DIR)/fuzz_%.o: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_common.h tests/fuzz/fixed_models.h \
                      tests/fuzz/xml_mutator.h \
                      $(GEN_HDR) $(RT_HDR) build/onnx.pb-c.h
	$(Q)mkdir -p $(dir $@)
	$(call say,CC,$@)$(FUZZ_CC) $(FUZZ_CFLAGS) -D_XOPEN_SOURCE=700 -fsanitize=fuzzer-no-link \
	    $(FUZZ_INC) -c -o $@ $<

$(FUZZ_DIR)/fuzz_%: $(FUZZ_DIR)/fuzz_%.o $(FUZZ_GEN_OBJ) $(FUZZ_RT_OBJ)
	$(call say,LINK,$@)$(FUZZ_CC) -g $(FUZZ_SAN) -fsanitize=fuzzer $(FUZZ_WRAP) $(FUZZ_WRAP_$*) \
	    -o $@ $^ $(LDLIBS)

fuzz: fuzz-build
	FUZZ_DIR=$(FUZZ_DIR) sh tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_HARNESSES)

fuzz-crashes: fuzz-build
	FUZZ_DIR=$(FUZZ_DIR) sh tests/fuzz/run.sh --crashes $(FUZZ_HARNESSES)

# target/target.mk -- the generated code on the cores it ships on (issue 10).
# Included by the top-level Makefile.
#
#   make cross                every example of target/variants.txt generated once and
#                             built for Cortex-M4F and Cortex-M7 (bare metal, QEMU mps2-an386 /
#                             mps2-an500, semihosting) and big-endian PowerPC (static, qemu-ppc)
#   make target-plugin        the QEMU TCG plugin build/target/stoic_trace.so
#   make target-plugin-check  the plugin's own test (hand-derived counts, a data-dependent branch)
#   make target-check         cross, the plugin test, then target/check.sh: outputs bit-identical
#                             to stoic eval on M4, M7, PowerPC (and the host); the same PC-trace
#                             hash for every probe input on M4 and M7; no division and no helper
#                             call in the run path; the negative control detected; the loop
#                             annotations for aiT, $(TGT)/ais/{m4,m7}/NAME.ais
#   make target-kernels       every tests/e2e case in float32, int8 and int16 through the same
#                             checks on M4 and M7 (target/kernels.sh; minutes, not in target-check)
#   make target-deps          install the Debian packages these need (apt-get; root)
#
# Everything is written under build/target (TGT).

TGT          ?= build/target
# import, generate and eval run through the sanitizer build, like the rest of make check
TGT_STOIC    ?= bin/stoic-asan
TGT_ARM_CC   ?= arm-none-eabi-gcc
TGT_PPC_CC   ?= powerpc-linux-gnu-gcc
TGT_HOST_CC  ?= $(CC)
TGT_DEB_PKGS  = gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm qemu-user \
                gcc-powerpc-linux-gnu libc6-dev-powerpc-cross

# The cores. Cortex-M4F: single-precision FPU; Cortex-M7: double-precision FPU.
TGT_FLAGS_m4  = -mcpu=cortex-m4 -mthumb -mfpu=fpv4-sp-d16 -mfloat-abi=hard
TGT_FLAGS_m7  = -mcpu=cortex-m7 -mthumb -mfpu=fpv5-d16 -mfloat-abi=hard
TGT_OPT      ?= -O2
# The generated code's documented build flags, and its strict warnings.
TGT_CFLAGS    = -std=c99 $(TGT_OPT) -g -ffp-contract=off -pedantic -Wall -Wextra \
                -Wconversion -Wshadow -Werror
TGT_BARE_LD   = -nostartfiles -T target/bare/mps2.ld -Wl,--gc-sections

TGT_VARIANTS_FILE ?= target/variants.txt
TGT_VARIANTS := $(shell awk '!/^\#/ && NF { print $$1 }' $(TGT_VARIANTS_FILE))
TGT_CORES     = m4 m7 ppc
TGT_NEG       = mlp_s8

TGT_BARE_SRC  = target/bare/startup.S target/bare/semihost.c target/harness/hio_semihost.c
TGT_HARN_SRC  = target/harness/harness.c target/harness/probe.c
TGT_SRC_DEPS  = $(TGT_BARE_SRC) $(TGT_HARN_SRC) target/harness/hio_stdio.c target/bare/mps2.ld \
                target/bare/semihost.h target/harness/hio.h target/harness/probe.h

.PHONY: cross target-check target-plugin target-plugin-check target-kernels target-deps

cross: $(foreach c,$(TGT_CORES),$(TGT_VARIANTS:%=$(TGT)/$(c)/%.elf))

target-plugin: $(TGT)/stoic_trace.so

# the decoder is also checked on every instruction of three compiled models
TGT_PLUGIN_ELFS = $(TGT)/m4/dsconv_s8.elf $(TGT)/m7/dsconv_f32.elf $(TGT)/m4/digits_s16.elf

target-plugin-check: $(TGT)/stoic_trace.so $(TGT)/trace_test.elf $(TGT)/loop_test.elf $(TGT)/fnv1a \
                     $(TGT_PLUGIN_ELFS)
	sh target/plugin/test/run.sh $(TGT) $(TGT_PLUGIN_ELFS)

# everything target-check runs, built (make check builds it with the rest, in parallel)
# the int4 kernel against its reference on random cases, on every core
TGT_S4 = $(TGT)/m4/s4cases.elf $(TGT)/m7/s4cases.elf $(TGT)/ppc/s4cases.elf $(TGT)/host/s4cases
TGT_S4_DEPS = target/s4cases/s4cases.c target/s4cases/cases.h runtime/stoic_dense_s4_pk.c runtime/stoic_rt.h \
              runtime/stoic_dsp.h
# the kernels with inline-assembly passes against their reference, likewise
TGT_DSPC = $(TGT)/m4/dspcases.elf $(TGT)/m7/dspcases.elf $(TGT)/ppc/dspcases.elf $(TGT)/host/dspcases
TGT_DSPC_SRC = target/dspcases/dspcases.c runtime/stoic_conv2d_s8_dw3.c runtime/stoic_pw_s8.c \
               runtime/stoic_avgpool2d_s8_2x2.c runtime/stoic_requant.c
TGT_DSPC_DEPS = $(TGT_DSPC_SRC) target/s4cases/cases.h runtime/stoic_rt.h runtime/stoic_dsp.h runtime/stoic_bits.h \
                runtime/stoic_inline.h runtime/stoic_conv2d_s8_dw3.h runtime/stoic_pw_s8.h \
                runtime/stoic_avgpool2d_s8_2x2.h
TGT_CHECK_BUILD = cross $(TGT)/stoic_trace.so $(TGT)/trace_test.elf $(TGT)/loop_test.elf $(TGT)/fnv1a $(TGT_PLUGIN_ELFS) $(TGT_S4) $(TGT_DSPC) \
                  $(TGT_VARIANTS:%=$(TGT)/host/%) $(TGT)/m4/neg_$(TGT_NEG).elf \
                  $(TGT)/m7/neg_$(TGT_NEG).elf $(TGT_STOIC) bin/npyraw
TGT_CHECK_RUN = TGT=$(TGT) STOIC=$(TGT_STOIC) TGT_NEG=$(TGT_NEG) \
                TGT_VARIANTS_FILE=$(TGT_VARIANTS_FILE) sh target/check.sh $(TGT_VARIANTS)

target-check: target-plugin-check $(TGT_CHECK_BUILD)
	sh target/s4cases/run.sh $(TGT)
	sh target/s4cases/run.sh $(TGT) dspcases
	$(TGT_CHECK_RUN)

$(TGT)/m4/s4cases.elf $(TGT)/m7/s4cases.elf: $(TGT)/%/s4cases.elf: $(TGT_S4_DEPS) target/bare/startup.S \
                                          target/bare/semihost.c target/bare/semihost.h target/bare/mps2.ld
	$(Q)mkdir -p $(@D)
	$(call say,CC,$@)$(TGT_ARM_CC) $(TGT_FLAGS_$*) $(TGT_CFLAGS) -DSTOIC_BARE -Iruntime -Itarget/bare \
	    $(TGT_BARE_LD) -o $@ target/bare/startup.S target/bare/semihost.c target/s4cases/s4cases.c \
	    runtime/stoic_dense_s4_pk.c

$(TGT)/ppc/s4cases.elf: $(TGT_S4_DEPS)
	$(Q)mkdir -p $(@D)
	$(call say,CC,$@)$(TGT_PPC_CC) -static $(TGT_CFLAGS) -Iruntime -o $@ target/s4cases/s4cases.c \
	    runtime/stoic_dense_s4_pk.c

$(TGT)/host/s4cases: $(TGT_S4_DEPS)
	$(Q)mkdir -p $(@D)
	$(call say,CC,$@)$(TGT_HOST_CC) $(TGT_CFLAGS) -Iruntime -o $@ target/s4cases/s4cases.c \
	    runtime/stoic_dense_s4_pk.c

$(TGT)/m4/dspcases.elf $(TGT)/m7/dspcases.elf: $(TGT)/%/dspcases.elf: $(TGT_DSPC_DEPS) target/bare/startup.S \
                                          target/bare/semihost.c target/bare/semihost.h target/bare/mps2.ld
	$(Q)mkdir -p $(@D)
	$(call say,CC,$@)$(TGT_ARM_CC) $(TGT_FLAGS_$*) $(TGT_CFLAGS) -DSTOIC_BARE -Iruntime -Itarget/bare \
	    $(TGT_BARE_LD) -o $@ target/bare/startup.S target/bare/semihost.c $(TGT_DSPC_SRC)

$(TGT)/ppc/dspcases.elf: $(TGT_DSPC_DEPS)
	$(Q)mkdir -p $(@D)
	$(call say,CC,$@)$(TGT_PPC_CC) -static $(TGT_CFLAGS) -Iruntime -o $@ $(TGT_DSPC_SRC)

$(TGT)/host/dspcases: $(TGT_DSPC_DEPS)
	$(Q)mkdir -p $(@D)
	$(call say,CC,$@)$(TGT_HOST_CC) $(TGT_CFLAGS) -Iruntime -o $@ $(TGT_DSPC_SRC)

target-kernels: bin/stoic bin/npyraw
	sh target/kernels.sh

target-deps:
	@missing=""; for p in $(TGT_DEB_PKGS); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

# ---- generated code: once per variant --------------------------------------

$(TGT)/dsconv.xml: examples/dsconv/dsconv.onnx $(TGT_STOIC)
	$(Q)mkdir -p $(@D)
	$(call say,IMPORT,$@)$(TGT_STOIC) import $< -o $@ > /dev/null

# the recurrent state-of-charge estimators (issue 13), imported as dsconv is
$(TGT)/soc_gru.xml $(TGT)/soc_lstm.xml: $(TGT)/soc_%.xml: examples/soc/soc_%_13.onnx $(TGT_STOIC)
	$(Q)mkdir -p $(@D)
	$(call say,IMPORT,$@)$(TGT_STOIC) import $< -o $@ > /dev/null

# gen/NAME: stoic generate with the variant's options; gen/NAME.cfg/harness_cfg.h:
# how the harness quantizes real rows (target/harness/cfg.sh).
$(TGT)/gen/%.stamp: $(TGT_STOIC) $(TGT_VARIANTS_FILE) target/harness/cfg.sh $(TGT)/dsconv.xml \
                    $(TGT)/soc_gru.xml $(TGT)/soc_lstm.xml \
                    $(wildcard examples/*/*.xml examples/*/*.bin examples/*/calib_x.npy)
	$(Q)mkdir -p $(TGT)/gen
	$(call say,GEN,$(TGT)/gen/$*)set -e; line=$$(awk -v v='$*' '$$1 == v' $(TGT_VARIANTS_FILE) | sed 's|@TGT@|$(TGT)|g'); \
	  test -n "$$line" || { echo "target.mk: no variant $* in $(TGT_VARIANTS_FILE)"; exit 1; }; \
	  set -- $$line; model=$$2; shift 3; \
	  $(if $(Q),,echo "stoic generate $$model --name $* $$*";) \
	  $(TGT_STOIC) generate $$model -o $(TGT)/gen/$* --name $* "$$@" > $(TGT)/gen/$*.log; \
	  mkdir -p $(TGT)/gen/$*.cfg; \
	  sh target/harness/cfg.sh $* $(TGT)/gen/$* > $(TGT)/gen/$*.cfg/harness_cfg.h
	@touch $@

TGT_MODEL_DEFS = -DMODEL=$* -DMODEL_UC=$$(echo $* | tr a-z A-Z) -I$(TGT)/gen/$* -I$(TGT)/gen/$*.cfg \
                 -Itarget/harness -Itarget/bare

# ---- one ELF per variant and core -------------------------------------------

$(TGT)/m4/%.elf: $(TGT)/gen/%.stamp $(TGT_SRC_DEPS)
	$(Q)mkdir -p $(@D)
	$(call say,CC,$@)$(TGT_ARM_CC) $(TGT_FLAGS_m4) $(TGT_CFLAGS) $(TGT_MODEL_DEFS) $(TGT_BARE_LD) -o $@ \
	    $(TGT_BARE_SRC) $(TGT_HARN_SRC) $(TGT)/gen/$*/*.c

$(TGT)/m7/%.elf: $(TGT)/gen/%.stamp $(TGT_SRC_DEPS)
	$(Q)mkdir -p $(@D)
	$(call say,CC,$@)$(TGT_ARM_CC) $(TGT_FLAGS_m7) $(TGT_CFLAGS) $(TGT_MODEL_DEFS) $(TGT_BARE_LD) -o $@ \
	    $(TGT_BARE_SRC) $(TGT_HARN_SRC) $(TGT)/gen/$*/*.c

$(TGT)/ppc/%.elf: $(TGT)/gen/%.stamp $(TGT_SRC_DEPS)
	$(Q)mkdir -p $(@D)
	$(call say,CC,$@)$(TGT_PPC_CC) -static $(TGT_CFLAGS) $(TGT_MODEL_DEFS) -o $@ \
	    target/harness/hio_stdio.c $(TGT_HARN_SRC) $(TGT)/gen/$*/*.c

# the same harness on the build host: a fourth opinion on the probe outputs
$(TGT)/host/%: $(TGT)/gen/%.stamp $(TGT_SRC_DEPS)
	$(Q)mkdir -p $(@D)
	$(call say,CC,$@)$(TGT_HOST_CC) $(TGT_CFLAGS) $(TGT_MODEL_DEFS) -o $@ \
	    target/harness/hio_stdio.c $(TGT_HARN_SRC) $(TGT)/gen/$*/*.c

# The negative control: the model with a data-dependent output stage
# (target/negative/relu_shortcut.c instead of the generated stoic_requant.c;
# relu_shortcut_pk.h, included first, for the packed kernels' output stage).
TGT_NEG_SRC = target/negative/relu_shortcut.c
TGT_NEG_OUT = grep -v '/stoic_requant\.c$$'
# generate ships only what runs: when the model's output has no
# stoic_requant.c (packed kernels only), relu_shortcut.c includes runtime/'s
# (-Iruntime comes after the output directory's -I)
TGT_NEG_INC = -Iruntime -include target/negative/relu_shortcut_pk.h
$(TGT)/m4/neg_%.elf: $(TGT)/gen/%.stamp $(TGT_SRC_DEPS) $(TGT_NEG_SRC) target/negative/relu_shortcut_pk.h
	$(Q)mkdir -p $(@D)
	$(call say,CC,$@)$(TGT_ARM_CC) $(TGT_FLAGS_m4) $(TGT_CFLAGS) $(TGT_MODEL_DEFS) $(TGT_BARE_LD) -o $@ \
	    $(TGT_BARE_SRC) $(TGT_HARN_SRC) $(TGT_NEG_SRC) $(TGT_NEG_INC) \
	    $$(ls $(TGT)/gen/$*/*.c | $(TGT_NEG_OUT))

$(TGT)/m7/neg_%.elf: $(TGT)/gen/%.stamp $(TGT_SRC_DEPS) $(TGT_NEG_SRC) target/negative/relu_shortcut_pk.h
	$(Q)mkdir -p $(@D)
	$(call say,CC,$@)$(TGT_ARM_CC) $(TGT_FLAGS_m7) $(TGT_CFLAGS) $(TGT_MODEL_DEFS) $(TGT_BARE_LD) -o $@ \
	    $(TGT_BARE_SRC) $(TGT_HARN_SRC) $(TGT_NEG_SRC) $(TGT_NEG_INC) \
	    $$(ls $(TGT)/gen/$*/*.c | $(TGT_NEG_OUT))

# ---- the trace plugin and its test -------------------------------------------

$(TGT)/stoic_trace.so: target/plugin/stoic_trace.c target/plugin/qemu_plugin_v1.h
	$(Q)mkdir -p $(@D)
	$(call say,CC,$@)$(TGT_HOST_CC) -std=c99 -O2 -shared -fPIC -fvisibility=hidden $(WARN) -o $@ $<

$(TGT)/trace_test.elf: target/plugin/test/trace_test.S target/bare/startup.S target/bare/semihost.c \
                       target/bare/semihost.h target/bare/mps2.ld
	$(Q)mkdir -p $(@D)
	$(call say,CC,$@)$(TGT_ARM_CC) $(TGT_FLAGS_m4) $(TGT_CFLAGS) -Itarget/bare $(TGT_BARE_LD) -o $@ \
	    target/bare/startup.S target/bare/semihost.c target/plugin/test/trace_test.S

$(TGT)/loop_test.elf: target/plugin/test/loop_test.S target/bare/startup.S target/bare/semihost.c \
                      target/bare/semihost.h target/bare/mps2.ld
	$(Q)mkdir -p $(@D)
	$(call say,CC,$@)$(TGT_ARM_CC) $(TGT_FLAGS_m4) $(TGT_CFLAGS) -Itarget/bare $(TGT_BARE_LD) -o $@ \
	    target/bare/startup.S target/bare/semihost.c target/plugin/test/loop_test.S

$(TGT)/fnv1a: target/plugin/test/fnv1a.c
	$(Q)mkdir -p $(@D)
	$(call say,CC,$@)$(TGT_HOST_CC) -std=c99 -O2 $(WARN) -o $@ $<

# ---- host tool: .npy <-> the harness's little-endian raw files --------------

bin/npyraw: target/tools/npyraw.c generator/npy.c generator/npy.h generator/fileio.c
	$(Q)mkdir -p bin
	$(call say,CC,$@)$(CC) $(GEN_CFLAGS) -o $@ target/tools/npyraw.c generator/npy.c generator/fileio.c -lm

.SECONDARY: $(TGT_VARIANTS:%=$(TGT)/gen/%.stamp)

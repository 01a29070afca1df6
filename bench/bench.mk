# bench/bench.mk -- make bench, make bench-fit (bench/README.md). Included
# by the top-level Makefile after target/target.mk (it uses TGT,
# TGT_VARIANTS and the builds of make cross).
#
#   make bench       every build of target/variants.txt measured on M4 and M7
#                    (QEMU, trace plugin), on the host (callgrind), flash, RAM,
#                    stack; writes bench/RESULTS.md and bench/results.tsv; fails
#                    when a figure regressed by more than 1 % against the
#                    committed bench/results.tsv, or when the generator's
#                    estimates are off (bench/run.sh)
#   make bench-fit   refits generator/cost_table.c, the generator's cost table,
#                    on the tests/e2e cases (bench/fit.sh; minutes)
#   make bench-search times the budget search on examples/mlp,
#                    examples/dsconv and a MobileNetV1 0.25 (made with PyTorch
#                    by bench/mobilenet/make.py; skipped without it) and writes
#                    bench/SEARCH.md (bench/search.sh; minutes)
#   make bench-plainc the pooling target's baseline: plain C loops for each int8
#                    pooling layer of the examples on M4 next to stoic's kernel
#                    (bench/results.tsv); writes bench/PLAINC.md (bench/plainc.sh)
#   make check-bench the part of make check: the comparison shown to fail on a
#                    doctored baseline, the cycle model of the generator equal
#                    to bench/model.awk, the measurement of one build (bench/test.sh)

BENCH ?= build/bench

.PHONY: bench bench-fit bench-search bench-plainc

bench: $(foreach c,m4 m7,$(TGT_VARIANTS:%=$(TGT)/$(c)/%.elf)) $(TGT)/stoic_trace.so
	TGT=$(TGT) BENCH_OUT=$(BENCH) TGT_VARIANTS_FILE=$(TGT_VARIANTS_FILE) sh bench/run.sh $(TGT_VARIANTS)

bench-fit: bin/stoic
	sh bench/fit.sh

bench-search: bin/stoic
	sh bench/search.sh

bench-plainc: $(TGT)/stoic_trace.so
	{ printf '%s\n\n' '# Pooling: stoic against plain C loops' \
	    'Written by `make bench-plainc` (`bench/plainc.sh`); do not edit. Cortex-M4 instructions, QEMU with the trace plugin; plain C loops: `bench/plainc/pool.c` (arm-none-eabi-gcc -O2, output scale = input scale: no requantization), stoic: the layer in `bench/results.tsv` (`make bench`).'; \
	  TGT=$(TGT) sh bench/plainc.sh; } > bench/PLAINC.md.tmp && mv bench/PLAINC.md.tmp bench/PLAINC.md

# the generator's cycle model, for the check that it equals bench/model.awk
bin/bench-cyclecheck: bench/tools/cyclecheck.c $(GEN_OBJ) $(RT_OBJ)
	$(Q)mkdir -p bin
	$(call say,LINK,$@)$(CC) $(GEN_CFLAGS) -o $@ $< $(GEN_OBJ) $(RT_OBJ) $(LDLIBS)

check-build: bin/bench-cyclecheck

check-bench: bin/bench-cyclecheck $(TGT)/m4/mlp_s8.elf $(TGT)/m7/mlp_s8.elf $(TGT)/stoic_trace.so
	$(call part,bench,TGT=$(TGT) sh bench/test.sh)

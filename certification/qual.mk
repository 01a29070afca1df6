# The tool-qualification kit (issue 11, item 6; certification/README.md).
#
#   make trace      certification/traceability.md from requirements.md and
#                   the REQ: annotations of the tests (fails on a requirement
#                   without a test or an unknown id)
#   make qualify    make check, then certification/qualification-report.md
#                   from its recorded results (certification/qualify.sh)
#   make coverage   statement and branch coverage of runtime/ by the unit
#                   tests and the host evaluator on the e2e cases and the
#                   examples: certification/coverage.md and coverage.tsv
#                   (the committed figures make check-coverage holds to)
#
# make check runs the parts qual (certification/tests/run.sh: the matrix is
# up to date, the trace and report scripts on fixtures, README claims) and
# coverage (certification/coverage.sh --check).

DEB_PKGS += gcovr
.PHONY: trace qualify coverage check-qual check-coverage

trace:
	@sh certification/trace.sh

qualify:
	@sh certification/qualify.sh

# The runtime with gcov instrumentation, linked into the unit tests and
# into the ASan/UBSan generator (whose evaluator runs the runtime's kernels
# with the generated code's parameters); both write their counts to
# build/coverage/runtime/*.gcda. -O1: at -O0 gcc orders the operands of a
# float sum so that a NaN propagates another payload than the unit tests'
# -O2 references expect (memcmp tells them apart). Not under the
# sanitizers: their checks are branches of their own (a shift's range),
# which would count as branches of the runtime.
COV_DIR     = build/coverage
COV_FLAGS   = -O1 -g --coverage
COV_RT_OBJ  = $(RT_SRC:%.c=$(COV_DIR)/%.o)
COV_BINS    = bin/unit_tests-cov bin/stoic-cov

$(COV_DIR)/runtime/%.o: runtime/%.c $(RT_HDR)
	$(Q)mkdir -p $(dir $@)
	$(call say,CC,$@)$(CC) -std=c99 -pedantic $(WARN) $(COV_FLAGS) -Iruntime -c -o $@ $<

bin/unit_tests-cov: $(UNIT_OBJ) $(GEN_OBJ) $(COV_RT_OBJ)
	$(Q)mkdir -p bin
	$(call say,LINK,$@)$(CC) $(COV_FLAGS) -o $@ $^ $(LDLIBS) -lcunit

bin/stoic-cov: $(filter-out build/asan/runtime/%,$(ASAN_OBJ)) $(COV_RT_OBJ)
	$(Q)mkdir -p bin
	$(call say,LINK,$@)$(CC) $(SAN_FLAGS) $(SAN_LINK) --coverage -o $@ $^ $(LDLIBS)

coverage: $(COV_BINS)
	@sh certification/coverage.sh

check-build: $(COV_BINS)

check-qual: bin/stoic-asan
	$(call part,qual,sh certification/tests/run.sh)
check-coverage: $(COV_BINS)
	$(call part,coverage,sh certification/coverage.sh --check)

# certification/misra/misra.mk -- MISRA C:2012 analysis (issue 11, item 1).
# Included by the top-level Makefile.
#
#   make misra          cppcheck's MISRA addon on runtime/ and every output of
#                       certification/misra/variants.txt; build/misra/misra.json;
#                       fails on a finding neither deviated (deviations.md) nor
#                       listed as open (open-findings.txt), on an unused deviation,
#                       on a stale suppressions.txt / compliance.md / open list
#   make misra-strict   the same, but every undeviated finding fails (the goal)
#   make misra-update   regenerate suppressions.txt, compliance.md, open-findings.txt
#   make misra-test     the self-test (tests/misra/run.sh): a bad kernel's findings,
#                       an unused deviation, a missing tag, the open list
MISRA_DEB_PKGS = cppcheck

.PHONY: misra misra-strict misra-update misra-test check-misra
misra: bin/stoic-asan
	sh certification/misra/run.sh
misra-strict: bin/stoic-asan
	sh certification/misra/run.sh --strict
misra-update: bin/stoic-asan
	sh certification/misra/run.sh --update
misra-test:
	sh tests/misra/run.sh
check-misra: bin/stoic-asan
	$(call part,misra,sh tests/misra/run.sh && sh certification/misra/run.sh,tail -n 2)

# stoic check and the run-path walk's negative controls (issue 11; README
# "stoic check"). Included by the Makefile after its part macro.
#
#   make check-stoic-check  the bad files, the accepted patterns, and every
#                           example's output (tests/check/run.sh)
#   make check-runpath      target/runpath.awk on planted indirect calls,
#                           jump tables, divisions and helper calls
#                           (target/runpath_test.sh)
.PHONY: check-stoic-check check-runpath
check-stoic-check: bin/stoic bin/stoic-asan
	$(call part,stoic-check,sh tests/check/run.sh)
check-runpath:
	$(call part,runpath,sh target/runpath_test.sh)

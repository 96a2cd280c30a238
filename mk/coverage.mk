# mk/coverage.mk - `make coverage`: RTL line/toggle/user coverage and gcov of the C code, one lcov report.
# The instrumented tree is build/cov (COVERAGE=1, mk/build.mk); the suite and the firmware ELF it
# loads come from the normal build. tools/coverage.sh runs and reports (docs/verification.md).
COV_SEEDS ?= 20

coverage: deps all ## RTL line/toggle and C line coverage over the suite and COV_SEEDS soak seeds: build/cov/html
	@$(call DEPS_INSTALL,$(COV_PKGS))
	@$(MAKE) --no-print-directory COVERAGE=1 build/cov/tests/vdpu_tests build/cov/vdpu
	@tools/coverage.sh build/cov $(COV_SEEDS)

# `make mutate`: single-point RTL mutations caught or not by the random cosim, then by the directed suites
# (tools/mutate.py; the test binary is needed for the directed part)
MUTANTS   ?= 20
MUT_SEEDS ?= 20
mutate: deps all $(TESTS) ## plant MUTANTS single-point RTL mutations (queue engine and its submodules, queue context, CSR block); score the random cosim and the directed suites against them
	@$(call DEPS_INSTALL,python3)
	@tools/mutate.py --mutants $(MUTANTS) --seeds $(MUT_SEEDS) --seed $(SEED)

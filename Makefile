# vdpu - top-level index. `make help` lists the targets and knobs.
.DEFAULT_GOAL := help
SHELL := /bin/bash

SEED   ?= 1
ENGINE ?= cosim
WAVES  ?= 0
JOBS   ?= 2
SEEDS  ?= 20
# first soak seed: past the seeds make test already runs (1..208)
SOAK_FROM ?= 1001
# the commit `make bench` measures against (built once in build/bench-base/): main when the speed issue was filed
BASE ?= 1c64f62

# COVERAGE=1 builds the instrumented tree of `make coverage` beside the normal one
BUILD := $(if $(filter 1,$(COVERAGE)),build/cov,build)
include mk/deps.mk
include mk/build.mk
include mk/fw.mk
include mk/iss_tests.mk
include mk/report.mk
include mk/vhost.mk
include mk/coverage.mk
include mk/fuzz.mk

help: ## this list
	@echo "vdpu - cycle-accurate virtio-pci DPU function simulator"
	@echo
	@echo "targets:"
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z-]+):.*## (.*)/  \1\t\2/' | expand -t 14
	@echo
	@echo "knobs: SEED=$(SEED) ENGINE=$(ENGINE) (model|rtl|cosim) WAVES=$(WAVES) (1: waves/run.fst)"
	@echo "       SEEDS=$(SEEDS) SOAK_FROM=$(SOAK_FROM) (soak) JOBS=$(JOBS) (parallel test processes)"
	@echo "       BASE=$(BASE) (the commit make bench compares with) COV_SEEDS=$(COV_SEEDS) (coverage soak)"
	@echo "       MUTANTS=$(MUTANTS) MUT_SEEDS=$(MUT_SEEDS) (mutate: sites drawn from SEED, MUT_SEEDS seeds per random workload, then the directed suites)"
	@echo "       FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_TARGETS='$(FUZZ_TARGETS)' (make fuzz; dev_cosim: the RTL flavour)"

deps: ## install missing Debian packages (apt-get, idempotent)
	@$(DEPS_CHECK)

all: deps $(VDPU) $(VHOST_BIN) $(FW_ELF) ## build the simulator, RTL engine, firmware and generated files

run: deps $(VDPU) $(FW_ELF) ## build everything, bring the device up, then a short loopback on split and packed rings with their DMA side by side
	$(VDPU) run --engine $(ENGINE) --seed $(SEED) $(if $(filter 1,$(WAVES)),--wave waves/run.fst)
	@echo; echo "== the data path: 200 loopback frames of 256 B per ring layout, every feature, P = B = 8 ($(ENGINE))"
	@set -o pipefail; $(VDPU) compare --ring split,packed --features all --workload loopback --pkt-size 256 \
	  --rtt 200 --prefetch 8 --used-batch 8 --design cross --engine $(ENGINE) --packets 200 --seed $(SEED) \
	  --dir $(BUILD)/run-compare | sed -n '/^DMA requests per packet/,/^$$/p;/^Link bytes/,/^$$/p;/^compare:/p'

test: deps $(VDPU) $(VHOST_BIN) $(FW_ELF) $(TESTS) $(DRV_TESTS) $(GUEST) $(GEN)/register-map.md ## build and run the whole test suite (DPDK testpmd and a Linux guest in QEMU as real clients)
	@TEST_JOBS=$(JOBS) tests/run_all.sh $(TESTS) $(DRV_TESTS)

soak: deps $(VDPU) $(FW_ELF) ## longer random cosim: SEEDS seeds from SOAK_FROM (register, init, traffic), coverage-steered
	@tools/soak.sh $(VDPU) $(SOAK_FROM) $(SEEDS) $(BUILD)/fcov.json

digests: deps $(VDPU) $(FW_ELF) ## the six 72,000-frame runs on model and RTL against their recorded digests (a refactor must keep them)
	@tools/digests.sh $(VDPU)

lint: deps $(GEN)/vdpu_regmap_pkg.sv $(GEN)/vdpu_top_ports.svh ## verilator --lint-only -Wall on all RTL
	$(VERILATOR) --lint-only -Wall $(RTL_FLAGS) $(RTL_SRCS) --top-module vdpu_top

bench: deps $(VDPU) $(FW_ELF) $(BUILD)/iss/loop_bench.elf ## speed figures beside those of BASE (ratios), firmware init, ISS
	@tools/bench_compare.sh $(BUILD) $(BASE)
	@set -o pipefail; $(VDPU) run -q --engine model --queues 2 | grep -E "DRIVER_OK|firmware:" | sed 's/^/bench: init, 2 queues: /'
	@set -o pipefail; $(VDPU) iss $(BUILD)/iss/loop_bench.elf | sed 's/^/bench: iss: /' 

docs: $(GEN)/register-map.md ## regenerate docs/register-map.md
	cp $(GEN)/register-map.md docs/register-map.md

clean: ## remove build/
	rm -rf $(BUILD)

.PHONY: help deps all run test soak digests lint bench docs clean

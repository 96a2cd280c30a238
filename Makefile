# vdpu - top-level index. `make help` lists the targets and knobs.
.DEFAULT_GOAL := help
SHELL := /bin/bash

SEED   ?= 1
ENGINE ?= cosim
WAVES  ?= 0
JOBS   ?= 2
SEEDS  ?= 20

BUILD := build
include mk/deps.mk
include mk/build.mk
include mk/fw.mk
include mk/iss_tests.mk

help: ## this list
	@echo "vdpu - cycle-accurate virtio-pci DPU function simulator"
	@echo
	@echo "targets:"
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z-]+):.*## (.*)/  \1\t\2/' | expand -t 14
	@echo
	@echo "knobs: SEED=$(SEED) ENGINE=$(ENGINE) (model|rtl|cosim) WAVES=$(WAVES) (1: waves/run.fst) SEEDS=$(SEEDS)"

deps: ## install missing Debian packages (apt-get, idempotent)
	@$(DEPS_CHECK)

all: deps $(VDPU) $(FW_ELF) ## build the simulator, RTL engine, firmware and generated files

run: deps $(VDPU) $(FW_ELF) ## build everything and run the default simulation
	$(VDPU) run --engine $(ENGINE) --seed $(SEED) $(if $(filter 1,$(WAVES)),--wave waves/run.fst)

test: deps $(VDPU) $(FW_ELF) $(TESTS) $(GEN)/register-map.md ## build and run the whole test suite
	@tests/run_all.sh $(TESTS)

lint: deps $(GEN)/vdpu_regmap_pkg.sv $(GEN)/vdpu_top_ports.svh ## verilator --lint-only -Wall on all RTL
	$(VERILATOR) --lint-only -Wall $(RTL_FLAGS) $(RTL_SRCS) --top-module vdpu_top

bench: deps $(VDPU) ## simulated cycles per second: model, rtl, cosim
	@$(VDPU) bench

docs: $(GEN)/register-map.md ## regenerate docs/register-map.md
	cp $(GEN)/register-map.md docs/register-map.md

clean: ## remove build/
	rm -rf $(BUILD)

.PHONY: help deps all run test lint bench docs clean

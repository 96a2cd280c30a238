# mk/build.mk - how every artifact is built: generated register map, RTL engine, model, harness, tests.
GEN       := $(BUILD)/gen
OBJ       := $(BUILD)/obj
VDPU      := $(BUILD)/vdpu
VERILATOR ?= verilator
VLT_DIR   := $(BUILD)/verilated
VLT_TR_DIR := $(BUILD)/verilated-trace

CC      := gcc
CXX     := g++
CWARN   := -Wall -Wextra -Werror
CFLAGS  ?= -O2 -g
# sim/ has one folder per role (harness, host, cpu, cli, report, vhost); every folder is on the include path
SIM_DIRS := $(patsubst %/,%,$(sort $(dir $(wildcard sim/*/*.c sim/*/*.h))))
SIM_INC  := $(addprefix -I,$(SIM_DIRS))
CFLAGS  += -std=c11 -D_GNU_SOURCE $(CWARN) -MMD -MP -Iinclude -I$(GEN) $(SIM_INC) -Imodel
# x86-64: block copies and clears of a few hundred bytes to a few KiB (the model's per-edge register copy,
# the harness's per-cycle input clear) as vector code or a libc call instead of `rep movs/stos`, whose
# start-up cost was 5% of the model's time (perf: the input clear alone 4.4% of a register workload)
ifeq ($(shell uname -m),x86_64)
CFLAGS  += -mmemcpy-strategy=vector_loop:256:noalign,libcall:-1:noalign \
           -mmemset-strategy=vector_loop:256:noalign,libcall:-1:noalign
endif
# link-time optimization: the model's blocks, the harness and the firmware CPU each a file, called per
# simulated cycle across files (the CPU's interrupt line, the CLINT, the model's edge steps) - inlined at
# link. Not in the coverage build (gcov counts per object).
LTO     := $(if $(filter 1,$(COVERAGE)),,-flto=auto)
CFLAGS  += $(LTO)
LDLIBS  := -lelf -lcjson -lpcap -lz -lpthread -lm

# COVERAGE=1 (`make coverage`, in build/cov): gcov on every C object, Verilator line, toggle and user
# coverage on the untraced RTL model; each RTL instance writes its counts when destroyed (rtl_shim.cpp)
# Verilator cannot make a model both --coverage and --savable, so the coverage build's RTL takes no
# checkpoint (the suite's checkpoint tests run the normal build's vdpu).
VLT_SAVE := --savable
ifeq ($(COVERAGE),1)
CFLAGS   += --coverage
LDLIBS   += --coverage
VLT_COV  := --coverage-line --coverage-toggle --coverage-user
VLT_SAVE :=
SHIM_COV := -DVM_COVERAGE=1
endif

# ---- generated register map -------------------------------------------------
GEN_FILES := $(GEN)/vdpu_regmap.h $(GEN)/vdpu_regmap_pkg.sv $(GEN)/vdpu_top_ports.svh \
             $(GEN)/vdpu_shim_ports.inc $(GEN)/register-map.md
$(BUILD)/regmap_gen: tools/regmap_gen.c regmap/vdpu_regmap.def
	@mkdir -p $(@D)
	$(CC) -std=c11 $(CWARN) -O1 -Iregmap $< -o $@
$(GEN)/vdpu_regmap.h:        $(BUILD)/regmap_gen ; @mkdir -p $(@D) && $< c $@
$(GEN)/vdpu_regmap_pkg.sv:   $(BUILD)/regmap_gen ; @mkdir -p $(@D) && $< sv $@
$(GEN)/vdpu_top_ports.svh:   $(BUILD)/regmap_gen ; @mkdir -p $(@D) && $< svh $@
$(GEN)/vdpu_shim_ports.inc:  $(BUILD)/regmap_gen ; @mkdir -p $(@D) && $< shim $@
$(GEN)/register-map.md:      $(BUILD)/regmap_gen ; @mkdir -p $(@D) && $< md $@

# ---- RTL engine (Verilator) -------------------------------------------------
# The package comes first; each module lives in rtl/<module>.sv.
RTL_SRCS  := $(GEN)/vdpu_regmap_pkg.sv $(sort $(wildcard rtl/*.sv))
RTL_FLAGS := -I$(GEN) -Irtl rtl/lint_waivers.vlt
# Two Verilated models of the same RTL: the one every run uses, without tracing (no signal-activity
# bookkeeping at all), and the --trace-fst one (class Vvdpu_top_tr) that only a run with --wave
# loads. X handling and assertions as fast as Verilator can make them (the RTL resets every
# register it reads; `make lint` is the RTL's check).
VLT_OPT   := OPT_FAST=-O3 OPT_GLOBAL=-O2 OPT_SLOW=-O1
VLT_FAST  := --x-assign fast --x-initial fast --noassert -O3
$(VLT_DIR)/Vvdpu_top.mk: $(RTL_SRCS) $(wildcard rtl/*.svh) $(GEN)/vdpu_top_ports.svh rtl/lint_waivers.vlt mk/build.mk
	@rm -rf $(VLT_DIR)
	$(VERILATOR) --cc $(VLT_SAVE) $(VLT_FAST) $(VLT_COV) --top-module vdpu_top -Mdir $(VLT_DIR) $(RTL_FLAGS) $(RTL_SRCS)
$(VLT_TR_DIR)/Vvdpu_top_tr.mk: $(RTL_SRCS) $(wildcard rtl/*.svh) $(GEN)/vdpu_top_ports.svh rtl/lint_waivers.vlt
	@rm -rf $(VLT_TR_DIR)
	$(VERILATOR) --cc --trace-fst $(VLT_FAST) --top-module vdpu_top --prefix Vvdpu_top_tr -Mdir $(VLT_TR_DIR) \
	  $(RTL_FLAGS) $(RTL_SRCS)
# The untraced model is --savable (checkpoints: operator<< / >> on the model, no cost per cycle); the
# traced one is not, so a run writing waves takes no checkpoint.
# Verilator 5.006 ships no libverilated.a: build its runtime objects from the generated makefile
# (the traced model's, which has the FST writer too; the untraced one's for the save/restore streams).
VLT_LIB    := $(VLT_DIR)/Vvdpu_top__ALL.a
VLT_TR_LIB := $(VLT_TR_DIR)/Vvdpu_top_tr__ALL.a
VLT_RT     := $(VLT_TR_DIR)/verilated.o $(VLT_TR_DIR)/verilated_fst_c.o $(VLT_TR_DIR)/verilated_threads.o
VLT_FAST_RT := $(if $(VLT_COV),$(VLT_DIR)/verilated_cov.o) $(VLT_DIR)/verilated_save.o
$(VLT_LIB): $(VLT_DIR)/Vvdpu_top.mk
	$(MAKE) -s -C $(VLT_DIR) -f Vvdpu_top.mk $(VLT_OPT) Vvdpu_top__ALL.a $(notdir $(VLT_FAST_RT)) >/dev/null
$(VLT_TR_LIB): $(VLT_TR_DIR)/Vvdpu_top_tr.mk
	$(MAKE) -s -C $(VLT_TR_DIR) -f Vvdpu_top_tr.mk $(VLT_OPT) Vvdpu_top_tr__ALL.a $(notdir $(VLT_RT)) >/dev/null
$(VLT_RT): $(VLT_TR_LIB)
# built by the recipe above (and removed with the directory when the RTL changes): without this, an
# incremental -j build after an RTL edit stops with "No rule to make target .../verilated_save.o"
$(VLT_FAST_RT): $(VLT_LIB)
VLT_INC := -I/usr/share/verilator/include -I/usr/share/verilator/include/vltstd
SHIM_CXX = $(CXX) -std=c++17 -O2 -g $(CWARN) -Wno-unused-parameter -MMD -MP -Iinclude -I$(GEN) $(VLT_INC)
$(OBJ)/sim/harness/rtl_shim.o: sim/harness/rtl_shim.cpp $(VLT_LIB) $(GEN)/vdpu_shim_ports.inc $(GEN)/vdpu_regmap.h
	@mkdir -p $(@D)
	$(SHIM_CXX) -I$(VLT_DIR) -DSHIM_TRACE=0 $(SHIM_COV) -c $< -o $@
$(OBJ)/sim/harness/rtl_shim_trace.o: sim/harness/rtl_shim.cpp $(VLT_TR_LIB) $(GEN)/vdpu_shim_ports.inc $(GEN)/vdpu_regmap.h
	@mkdir -p $(@D)
	$(SHIM_CXX) -I$(VLT_TR_DIR) -DSHIM_TRACE=1 -c $< -o $@
RTL_OBJS := $(OBJ)/sim/harness/rtl_shim.o $(OBJ)/sim/harness/rtl_shim_trace.o $(VLT_LIB) $(VLT_TR_LIB) $(VLT_RT) \
            $(VLT_FAST_RT)

# ---- C objects: model/, sim/ ------------------------------------------------
MODEL_SRCS := $(sort $(wildcard model/*.c))
# sim/vhost/ links DPDK and builds its own executable (mk/vhost.mk); sim/cli/main.c is vdpu's main
SIM_SRCS   := $(sort $(filter-out sim/cli/main.c sim/vhost/%,$(wildcard sim/*/*.c)))
LIB_OBJS   := $(MODEL_SRCS:%.c=$(OBJ)/%.o) $(SIM_SRCS:%.c=$(OBJ)/%.o) $(RTL_OBJS)
$(OBJ)/%.o: %.c $(GEN)/vdpu_regmap.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@

$(VDPU): $(OBJ)/sim/cli/main.o $(LIB_OBJS)
	$(CXX) $(LTO) -O2 $^ $(LDLIBS) -o $@

# ---- tests (one Criterion binary, so the run ends with one synthesis line) --
# the fuzz targets' entry points too: the suite replays their seed corpus and pinned findings
TEST_SRCS := $(sort $(wildcard tests/*.c)) fuzz/fuzz_dev.c fuzz/fuzz_file.c
TESTS     := $(BUILD)/tests/vdpu_tests
$(OBJ)/tests/%.o: tests/%.c $(GEN)/vdpu_regmap.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Itests -Ifuzz -c $< -o $@
# the generated register-map table is an input of the suite (regmap::docs_table_is_generated_and_current
# compares docs/register-map.md with it): built with the binary, so a hand run of it after a regmap change
# sees what `make test` sees (order-only: not linked)
$(TESTS): $(TEST_SRCS:%.c=$(OBJ)/%.o) $(LIB_OBJS) | $(GEN)/register-map.md
	@mkdir -p $(@D)
	$(CXX) $(LTO) -O2 $^ -lcriterion $(LDLIBS) -o $@

-include $(shell find $(OBJ) -name '*.d' 2>/dev/null)

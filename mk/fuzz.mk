# mk/fuzz.mk - libFuzzer targets (clang, -fsanitize=fuzzer,address,undefined) in their own object
# directory, build/fuzz/: the normal build is untouched. docs/verification.md says what they check.
FUZZ_DIR     := $(BUILD)/fuzz
FUZZ_CC      := clang
FUZZ_CXX     := clang++
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= dev elf pcap sweep
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_CFLAGS  := -O1 -g $(FUZZ_SAN) -fsanitize=fuzzer-no-link -std=c11 -D_GNU_SOURCE -DLIBFUZZER $(CWARN) -MMD -MP \
                -Iinclude -I$(GEN) $(SIM_INC) -Imodel -Ifuzz
# the model, harness, host and report code (not the CLI: the targets are their own mains)
FUZZ_LIB_OBJS := $(patsubst %.c,$(FUZZ_DIR)/obj/%.o,$(MODEL_SRCS) $(filter-out sim/cli/%,$(SIM_SRCS)))
$(FUZZ_DIR)/obj/%.o: %.c $(GEN)/vdpu_regmap.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@
# the per-cycle code (model, bus, link, ports): edge coverage without comparison tracing, which
# cost 40% of the device target's time in its cycle loop
FUZZ_NOCMP := -fsanitize-coverage=inline-8bit-counters,pc-table -fno-sanitize-coverage=trace-cmp
$(FUZZ_DIR)/obj/model/%.o: model/%.c $(GEN)/vdpu_regmap.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_NOCMP) -c $< -o $@
$(FUZZ_DIR)/obj/sim/harness/%.o: sim/harness/%.c $(GEN)/vdpu_regmap.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_NOCMP) -c $< -o $@
$(FUZZ_DIR)/obj/fuzz/fuzz_dev_cosim.o: fuzz/fuzz_dev.c $(GEN)/vdpu_regmap.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -DFUZZ_COSIM -c $< -o $@
$(FUZZ_DIR)/obj/fuzz/fuzz_%_file.o: fuzz/fuzz_file.c $(GEN)/vdpu_regmap.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -DFUZZ_$(shell echo $* | tr a-z A-Z) -c $< -o $@
# the RTL objects of the normal build (g++, not instrumented) link in: session.c can make every engine
FUZZ_LINK = $(FUZZ_CXX) -fsanitize=fuzzer $(FUZZ_SAN) $^ $(LDLIBS) -o $@
$(FUZZ_DIR)/fuzz_dev: $(FUZZ_DIR)/obj/fuzz/fuzz_dev.o $(FUZZ_LIB_OBJS) $(RTL_OBJS) ; $(FUZZ_LINK)
$(FUZZ_DIR)/fuzz_dev_cosim: $(FUZZ_DIR)/obj/fuzz/fuzz_dev_cosim.o $(FUZZ_LIB_OBJS) $(RTL_OBJS) ; $(FUZZ_LINK)
$(FUZZ_DIR)/fuzz_elf: $(FUZZ_DIR)/obj/fuzz/fuzz_elf_file.o $(FUZZ_LIB_OBJS) $(RTL_OBJS) ; $(FUZZ_LINK)
$(FUZZ_DIR)/fuzz_pcap: $(FUZZ_DIR)/obj/fuzz/fuzz_pcap_file.o $(FUZZ_LIB_OBJS) $(RTL_OBJS) ; $(FUZZ_LINK)
$(FUZZ_DIR)/fuzz_sweep: $(FUZZ_DIR)/obj/fuzz/fuzz_sweep_file.o $(FUZZ_LIB_OBJS) $(RTL_OBJS) ; $(FUZZ_LINK)
FUZZ_BINS := $(addprefix $(FUZZ_DIR)/fuzz_,dev dev_cosim elf pcap sweep)

fuzz-build: deps $(FUZZ_BINS) ## build the libFuzzer targets (clang, ASan + UBSan) into build/fuzz/
fuzz: fuzz-build ## fuzz each of FUZZ_TARGETS for FUZZ_SECONDS (seeds fuzz/corpus/, crashes fuzz/findings/); exec/s
	@tools/fuzz_run.sh $(FUZZ_DIR) $(FUZZ_SECONDS) $(FUZZ_TARGETS)
fuzz-smoke: fuzz-build ## CI: every target (the cosim flavour too) a fixed number of runs from seed 1, seeds first
	@tools/fuzz_run.sh $(FUZZ_DIR) smoke dev elf pcap sweep dev_cosim

fuzz-save: fuzz-build ## fold the working corpora FROM="DIR..." into fuzz/corpus/dev.tar.xz (merged, minimized)
	@tools/fuzz_save.sh $(FUZZ_DIR) dev $(FROM)

.PHONY: fuzz fuzz-build fuzz-smoke fuzz-save
-include $(shell find $(FUZZ_DIR)/obj -name '*.d' 2>/dev/null)

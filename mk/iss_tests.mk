# mk/iss_tests.mk - the ISS self-checking programs: tests/iss/*.S -> build/iss/*.elf (run by tests/test_iss_progs.c).
RV_CC      ?= riscv64-unknown-elf-gcc
# -march without _zicsr: the programs enable it with `.option arch, +zicsr` (keeps multilib selection working)
RV_CFLAGS  := -march=rv32imc -mabi=ilp32 -nostdlib -nostartfiles -Wl,--no-warn-rwx-segments -Itests/iss
ISS_SRCS   := $(sort $(wildcard tests/iss/*.S))
ISS_ELFS   := $(ISS_SRCS:tests/iss/%.S=$(BUILD)/iss/%.elf)

$(BUILD)/iss/%.elf: tests/iss/%.S tests/iss/iss_test.h tests/iss/link.ld
	@mkdir -p $(@D)
	$(RV_CC) $(RV_CFLAGS) -T tests/iss/link.ld $< -o $@

iss-tests: $(ISS_ELFS) ## build the ISS test programs (build/iss/*.elf)

test: $(ISS_ELFS)

.PHONY: iss-tests

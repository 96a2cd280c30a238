# mk/fw.mk - the control-plane firmware (fw/ -> build/fw/vdpu-fw.elf) and its host-built policy unit.
FW_CC     ?= riscv64-unknown-elf-gcc
FW_SIZE   ?= riscv64-unknown-elf-size
FW_ELF    := $(BUILD)/fw/vdpu-fw.elf
FW_OBJDIR := $(BUILD)/fw/obj
# -march without _zicsr keeps picolibc's multilib selection; CSR instructions use `.option arch, +zicsr`.
# Integer-only printf (the specs file maps vfprintf to __i_vfprintf when this is defined at link time too).
FW_ARCH   := -march=rv32imc -mabi=ilp32 --specs=picolibc.specs -DPICOLIBC_INTEGER_PRINTF_SCANF
FW_CFLAGS := $(FW_ARCH) -Os -g -Wall -Wextra -Werror -ffunction-sections -fdata-sections -MMD -MP -I$(GEN) -Iinclude -Ifw
FW_LDFLAGS := $(FW_ARCH) -nostartfiles -T fw/link.ld -Wl,--gc-sections \
              -Wl,-Map,$(BUILD)/fw/vdpu-fw.map
FW_SRCS   := fw/crt0.S fw/main.c fw/trap.c fw/device.c fw/events.c fw/ctrlq.c fw/migstate.c fw/policy.c fw/console.c
FW_OBJS   := $(patsubst fw/%,$(FW_OBJDIR)/%.o,$(FW_SRCS))

$(FW_OBJDIR)/%.c.o: fw/%.c $(GEN)/vdpu_regmap.h
	@mkdir -p $(@D)
	$(FW_CC) $(FW_CFLAGS) -c $< -o $@
$(FW_OBJDIR)/%.S.o: fw/%.S
	@mkdir -p $(@D)
	$(FW_CC) $(FW_CFLAGS) -c $< -o $@

$(FW_ELF): $(FW_OBJS) fw/link.ld $(GEN)/vdpu_regmap.h
	$(FW_CC) $(FW_LDFLAGS) $(FW_OBJS) -o $@
	@$(FW_SIZE) $@

fw: $(FW_ELF) ## build the control-plane firmware (build/fw/vdpu-fw.elf)

# The policy is pure C: the unit tests link the same fw/policy.c, built for the host.
$(TESTS): $(OBJ)/fw/policy.o
$(OBJ)/tests/test_fw_policy.o: CFLAGS += -Ifw

-include $(wildcard $(FW_OBJDIR)/*.d)

.PHONY: fw

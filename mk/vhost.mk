# mk/vhost.mk - the vhost-user bridge: sim/vhost/ is the only code that sees DPDK, and it builds its own
# executable (build/vdpu-vhost-user, run as `vdpu vhost-user`), so the simulator and the tests never load DPDK.
VHOST_BIN   := $(BUILD)/vdpu-vhost-user
VHOST_SRCS  := $(sort $(wildcard sim/vhost/*.c))
VHOST_OBJS  := $(VHOST_SRCS:%.c=$(OBJ)/%.o)
DPDK_CFLAGS  = $(shell pkg-config --cflags libdpdk 2>/dev/null)
DPDK_LIBS   := -lrte_vhost -lrte_eal

# only vhost_rte.c includes DPDK's headers, and it alone gets DPDK's flags
$(OBJ)/sim/vhost/vhost_rte.o: CFLAGS += $(DPDK_CFLAGS)
$(VHOST_BIN): $(VHOST_OBJS) $(LIB_OBJS)
	$(CXX) $(LTO) -O2 $^ $(DPDK_LIBS) $(LDLIBS) -o $@

# ---- real clients (DPDK testpmd; QEMU + Linux in test-drivers): their own Criterion binary, one case
# at a time (each runs a bridge and a frontend that polls a core)
DRV_TEST_SRCS := $(sort $(wildcard tests/drivers/*.c))
DRV_TESTS     := $(BUILD)/tests/vdpu_driver_tests
$(OBJ)/tests/drivers/%.o: tests/drivers/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Itests/drivers -c $< -o $@
$(DRV_TESTS): $(DRV_TEST_SRCS:%.c=$(OBJ)/%.o)
	@mkdir -p $(@D)
	$(CC) $(LTO) -O2 $^ -lcriterion -lpcap -lcjson -o $@

# ---- the Linux guest of the QEMU cases: Debian's cloud kernel (downloaded, not installed) + busybox
GUEST_DIR := $(BUILD)/guest
GUEST     := $(GUEST_DIR)/vmlinuz $(GUEST_DIR)/initrd.gz
$(GUEST_DIR)/initrd.gz: tools/mkinitrd.sh tests/guest/init
	@tools/mkinitrd.sh $(GUEST_DIR)
$(GUEST_DIR)/vmlinuz: $(GUEST_DIR)/initrd.gz

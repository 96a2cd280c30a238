# mk/deps.mk - install missing Debian packages non-interactively; near-instant when present.
DEB_PKGS := verilator libcriterion-dev pkg-config zlib1g-dev libelf-dev gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf gdb-multiarch libpcap-dev libcjson-dev tshark gnuplot-nox \
            clang libclang-rt-14-dev llvm \
            dpdk-dev libdpdk-dev qemu-system-x86 busybox-static cpio xz-utils
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# $(call DEPS_INSTALL,packages): install those missing (make coverage adds its own, COV_PKGS)
define DEPS_INSTALL
missing=""; for p in $(1); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; done; \
if [ -n "$$missing" ]; then echo "deps: installing$$missing"; \
  export DEBIAN_FRONTEND=noninteractive; \
  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq --no-install-recommends $$missing >/dev/null || { echo "deps: apt-get install failed for:$$missing" >&2; exit 1; }; fi
endef
DEPS_CHECK = $(call DEPS_INSTALL,$(DEB_PKGS))
COV_PKGS := lcov

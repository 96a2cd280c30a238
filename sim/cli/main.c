/* main.c - the vdpu command: dispatch to subcommands. */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* `vdpu vhost-user` is its own executable (it links DPDK; nothing else here does): run it from
 * next to this one. */
static int exec_vhost_user(char **argv)
{
    char exe[PATH_MAX], path[PATH_MAX + 32];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) {
        fprintf(stderr, "vdpu: cannot find my own executable\n");
        return VDPU_EXIT_FAIL;
    }
    exe[n] = 0;
    snprintf(path, sizeof path, "%s/vdpu-vhost-user", dirname(exe));
    argv[0] = path;
    execv(path, argv);
    fprintf(stderr, "vdpu: cannot run %s (build it with make; it needs DPDK's libdpdk-dev)\n", path);
    return VDPU_EXIT_FAIL;
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: vdpu <command> [options]\n"
            "\n"
            "Cycle-accurate simulator of a DPU's virtio-pci (virtio-net) function: SystemVerilog RTL\n"
            "(Verilator) checked in lockstep against a C behavioral model.\n"
            "\n"
            "commands:\n"
            "  run      enumerate the device like Linux, discover the virtio structures, run a workload\n"
            "  bench    simulated device cycles per second of each engine on a fixed register workload\n"
            "  iss      run a bare-metal RV32IMC ELF on the firmware CPU's instruction-set simulator\n"
            "  compare  sweep ring layouts, features and queue-engine parameters; DMA per packet vs the spec\n"
            "           minimum, throughput, tables, CSV/JSON and plots\n"
            "  fcov     print the functional coverage db of net-random runs (run --fcov, make soak)\n"
            "  state    check and print a device state saved at a live migration (run --state-out)\n"
            "  vhost-user  serve the device to a real virtio driver (DPDK virtio-user, QEMU + Linux) over a\n"
            "           vhost-user socket\n"
            "  help     this text\n"
            "\n"
            "'vdpu <command> --help' describes each command's options.\n");
}

static int dispatch(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "vdpu: missing command: run, iss, bench, compare, vhost-user or help (see 'vdpu help')\n");
        return VDPU_EXIT_USAGE;
    }
    const char *c = argv[1];
    if (!strcmp(c, "run")) return cmd_run(argc - 1, argv + 1);
    if (!strcmp(c, "bench")) return cmd_bench(argc - 1, argv + 1);
    if (!strcmp(c, "iss")) return cmd_iss(argc - 1, argv + 1);
    if (!strcmp(c, "compare")) return cmd_compare(argc - 1, argv + 1);
    if (!strcmp(c, "fcov")) return cmd_fcov(argc - 1, argv + 1);
    if (!strcmp(c, "state")) return cmd_state(argc - 1, argv + 1);
    if (!strcmp(c, "vhost-user")) return exec_vhost_user(argv + 1);
    if (!strcmp(c, "help") || !strcmp(c, "--help") || !strcmp(c, "-h")) {
        usage(stdout);
        return VDPU_EXIT_OK;
    }
    fprintf(stderr, "vdpu: unknown command '%s' (see 'vdpu help')\n", c);
    return VDPU_EXIT_USAGE;
}

/* Every command's output is checked: standard output that could not be written (a full disk,
 * /dev/full, a closed pipe) fails the command with a one-line error, whatever it found. */
int main(int argc, char **argv)
{
    int rc = dispatch(argc, argv);
    errno = 0;
    if (fflush(stdout) || ferror(stdout)) {
        fprintf(stderr, "vdpu: cannot write standard output: %s\n", errno ? strerror(errno) : "a write failed");
        return rc ? rc : VDPU_EXIT_FAIL;
    }
    return rc;
}

/* main.c - the vdpu command: dispatch to subcommands. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

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
            "  help     this text\n"
            "\n"
            "'vdpu <command> --help' describes each command's options.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "vdpu: missing command: run, iss, bench, compare or help (see 'vdpu help')\n");
        return VDPU_EXIT_USAGE;
    }
    const char *c = argv[1];
    if (!strcmp(c, "run")) return cmd_run(argc - 1, argv + 1);
    if (!strcmp(c, "bench")) return cmd_bench(argc - 1, argv + 1);
    if (!strcmp(c, "iss")) return cmd_iss(argc - 1, argv + 1);
    if (!strcmp(c, "compare")) return cmd_compare(argc - 1, argv + 1);
    if (!strcmp(c, "help") || !strcmp(c, "--help") || !strcmp(c, "-h")) {
        usage(stdout);
        return VDPU_EXIT_OK;
    }
    fprintf(stderr, "vdpu: unknown command '%s' (see 'vdpu help')\n", c);
    return VDPU_EXIT_USAGE;
}

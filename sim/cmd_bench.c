/* cmd_bench.c - `vdpu bench`: simulated device cycles per second of each engine on a fixed workload. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "randacc.h"
#include "session.h"

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void bench_usage(FILE *f)
{
    fprintf(f,
            "usage: vdpu bench [options]\n"
            "\n"
            "Runs the fixed register-access workload (enumeration, MSI-X setup, then seeded random\n"
            "config/BAR accesses with firmware activity) on each engine and prints simulated device\n"
            "cycles per wall-clock second. A figure to track, not a pass/fail check.\n"
            "\n"
            "options:\n"
            "  -n, --accesses N   random accesses per engine (default 20000)\n"
            "  -e, --engine E     only this engine (model, rtl or cosim; default all three)\n"
            "  -s, --seed N       seed of the random accesses (default 1; keep it fixed to compare figures)\n"
            "  -h, --help         this text\n");
}

int cmd_bench(int argc, char **argv)
{
    static const struct option opts[] = {
        {"accesses", required_argument, 0, 'n'}, {"engine", required_argument, 0, 'e'},
        {"seed", required_argument, 0, 's'},
        {"help", no_argument, 0, 'h'},           {0, 0, 0, 0},
    };
    uint64_t accesses = 20000, seed = 1;
    int only = -1;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":n:e:s:h", opts, NULL)) != -1) {
        enum vdpu_engine e;
        switch (c) {
        case 'n': if (!cli_u64("bench", "--accesses", optarg, &accesses)) return VDPU_EXIT_USAGE; break;
        case 's': if (!cli_u64("bench", "--seed", optarg, &seed)) return VDPU_EXIT_USAGE; break;
        case 'e':
            if (!vdpu_engine_parse(optarg, &e)) return cli_usage_error("bench", "unknown engine '%s'", optarg);
            only = (int)e;
            break;
        case 'h': bench_usage(stdout); return VDPU_EXIT_OK;
        case ':': return cli_usage_error("bench", "option %s needs a value", argv[optind - 1]);
        default: return cli_usage_error("bench", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc) return cli_usage_error("bench", "unexpected argument '%s'", argv[optind]);
    printf("bench: register-access workload, %llu random accesses, seed %llu\n", (unsigned long long)accesses,
           (unsigned long long)seed);
    int rc = VDPU_EXIT_OK;
    for (int e = 0; e < 3; e++) {
        if (only >= 0 && e != only) continue;
        struct vdpu_opts o;
        vdpu_opts_default(&o);
        o.engine = (enum vdpu_engine)e;
        vdpu_session_t s;
        if (vdpu_session_open(&s, &o)) return VDPU_EXIT_FAIL;
        double t0 = now_s();
        struct randacc_stats st;
        int r = pci_enumerate(&s.bus, VDPU_MMIO_BASE, &s.pci, NULL);
        if (!r) r = pci_msix_setup(&s.bus, &s.pci, NULL);
        if (!r) r = randacc_run(&s, seed, accesses, &st);
        bool ok = vdpu_session_finish(&s) && !r;
        double dt = now_s() - t0;
        uint64_t cyc = s.bus.dev->cycle;
        printf("bench: %-5s %10llu cycles in %7.3f s = %8.3f Mcycles/s  (%.0f accesses/s)%s\n",
               vdpu_engine_name(o.engine), (unsigned long long)cyc, dt, (double)cyc / dt / 1e6,
               (double)accesses / dt, ok ? "" : "  FAILED");
        if (!ok) rc = VDPU_EXIT_FAIL;
        vdpu_session_close(&s);
    }
    return rc;
}

/* cmd_run.c - `vdpu run`: enumerate, discover, run a workload on one engine, print the digest. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "randacc.h"
#include "session.h"
#include "virtio_disc.h"

static void run_usage(FILE *f)
{
    fprintf(f,
            "usage: vdpu run [options]\n"
            "\n"
            "Enumerate the device like Linux (config scan, BAR sizing and assignment, capability walk,\n"
            "MSI-X setup), discover the virtio structures, then run the workload. Ends with a digest\n"
            "of the transaction log: same options and seed => same digest.\n"
            "\n"
            "options:\n"
            "  -e, --engine ENGINE    model | rtl | cosim (default cosim: RTL checked against the model)\n"
            "  -s, --seed N           seed of every random choice (default 1); printed\n"
            "  -w, --workload NAME    discover (default): discovery and a config interrupt\n"
            "                         random: discovery, then --accesses random legal/illegal accesses\n"
            "  -n, --accesses N       accesses of the random workload (default 10000)\n"
            "      --wave FILE        write an FST wave of the RTL (rtl and cosim engines)\n"
            "      --wave-from CYCLE  first cycle of the wave window (default 0)\n"
            "      --wave-to CYCLE    end of the wave window, exclusive (default: end of run)\n"
            "      --trace            print one line per port transaction ([txn] cyc=...)\n"
            "  -q, --quiet            no discovery report\n"
            "      --inject-fault F   test-only: make the model wrong (vendor-id | isr-noclear | msix-data)\n"
            "                         so cosim must report a mismatch\n"
            "  -h, --help             this text\n"
            "\n"
            "exit status: 0 clean run, 1 mismatch or device/host check failed, 2 bad arguments\n");
}

enum { OPT_WAVE = 256, OPT_WAVE_FROM, OPT_WAVE_TO, OPT_TRACE, OPT_FAULT };

static const struct option run_opts[] = {
    {"engine", required_argument, 0, 'e'},   {"seed", required_argument, 0, 's'},
    {"workload", required_argument, 0, 'w'}, {"accesses", required_argument, 0, 'n'},
    {"wave", required_argument, 0, OPT_WAVE}, {"wave-from", required_argument, 0, OPT_WAVE_FROM},
    {"wave-to", required_argument, 0, OPT_WAVE_TO}, {"trace", no_argument, 0, OPT_TRACE},
    {"quiet", no_argument, 0, 'q'},          {"inject-fault", required_argument, 0, OPT_FAULT},
    {"help", no_argument, 0, 'h'},           {0, 0, 0, 0},
};

static bool parse_fault(const char *s, int *f)
{
    static const char *const names[] = {"none", "vendor-id", "isr-noclear", "msix-data"};
    for (int i = 0; i < 4; i++)
        if (!strcmp(s, names[i])) {
            *f = i;
            return true;
        }
    return false;
}

int cmd_run(int argc, char **argv)
{
    struct vdpu_opts o;
    vdpu_opts_default(&o);
    const char *workload = "discover";
    uint64_t accesses = 10000;
    bool quiet = false, wave_to_set = false;
    char rerun[512];

    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":e:s:w:n:qh", run_opts, NULL)) != -1) {
        switch (c) {
        case 'e':
            if (!vdpu_engine_parse(optarg, &o.engine))
                return cli_usage_error("run", "unknown engine '%s' (model, rtl or cosim)", optarg);
            break;
        case 's': if (!cli_u64("run", "--seed", optarg, &o.seed)) return VDPU_EXIT_USAGE; break;
        case 'w':
            if (strcmp(optarg, "discover") && strcmp(optarg, "random"))
                return cli_usage_error("run", "unknown workload '%s' (discover or random)", optarg);
            workload = optarg;
            break;
        case 'n': if (!cli_u64("run", "--accesses", optarg, &accesses)) return VDPU_EXIT_USAGE; break;
        case OPT_WAVE: o.wave = optarg; break;
        case OPT_WAVE_FROM: if (!cli_u64("run", "--wave-from", optarg, &o.wave_from)) return VDPU_EXIT_USAGE; break;
        case OPT_WAVE_TO:
            if (!cli_u64("run", "--wave-to", optarg, &o.wave_to)) return VDPU_EXIT_USAGE;
            wave_to_set = true;
            break;
        case OPT_TRACE: o.trace = stdout; break;
        case 'q': quiet = true; break;
        case OPT_FAULT:
            if (!parse_fault(optarg, &o.fault))
                return cli_usage_error("run", "unknown fault '%s' (vendor-id, isr-noclear, msix-data)", optarg);
            break;
        case 'h': run_usage(stdout); return VDPU_EXIT_OK;
        case ':': return cli_usage_error("run", "option %s needs a value", argv[optind - 1]);
        default: return cli_usage_error("run", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc) return cli_usage_error("run", "unexpected argument '%s'", argv[optind]);
    if (o.wave && o.engine == VDPU_ENGINE_MODEL)
        return cli_usage_error("run", "--wave needs the rtl or cosim engine (the model has no signals)");
    if (wave_to_set && o.wave_to <= o.wave_from)
        return cli_usage_error("run", "--wave-to must be greater than --wave-from");
    if (o.fault && o.engine == VDPU_ENGINE_RTL)
        return cli_usage_error("run", "--inject-fault changes the model; use --engine model or cosim");
    if (o.wave) {
        FILE *t = fopen(o.wave, "w");
        if (!t) return cli_usage_error("run", "cannot write wave file '%s'", o.wave);
        fclose(t);
    }
    snprintf(rerun, sizeof rerun, "vdpu run --engine %s --seed %llu --workload %s --accesses %llu",
             vdpu_engine_name(o.engine), (unsigned long long)o.seed, workload, (unsigned long long)accesses);
    o.rerun = rerun;

    printf("vdpu run: engine %s, seed %llu, workload %s\n", vdpu_engine_name(o.engine), (unsigned long long)o.seed,
           workload);
    vdpu_session_t s;
    if (vdpu_session_open(&s, &o)) return VDPU_EXIT_FAIL;
    FILE *rep = quiet ? NULL : stdout;
    int rc = pci_enumerate(&s.bus, VDPU_MMIO_BASE, &s.pci, rep);
    if (!rc) rc = pci_msix_setup(&s.bus, &s.pci, rep);
    struct virtio_disc_result vr;
    if (!rc) rc = virtio_discover(&s, &vr, rep);
    struct randacc_stats st = {0};
    if (!rc && !strcmp(workload, "random")) {
        rc = randacc_run(&s, o.seed, accesses, &st);
        printf("random: %llu accesses (%llu config, %llu BAR; %llu reads, %llu writes), %llu firmware CSR ops, %llu UR\n",
               (unsigned long long)st.accesses, (unsigned long long)st.cfg, (unsigned long long)st.mem,
               (unsigned long long)st.reads, (unsigned long long)st.writes, (unsigned long long)st.fw_ops,
               (unsigned long long)st.ur);
    }
    bool clean = vdpu_session_finish(&s) && rc == 0;
    uint64_t ndiag = 0;
    for (unsigned i = 0; i < VDPU_DIAG_COUNT; i++) ndiag += s.bus.diag_count[i];
    printf("cycles %llu (%.3f us at 250 MHz), transactions %llu, diagnostics %llu, MSI-X messages %llu, events "
           "serviced %llu\n",
           (unsigned long long)s.bus.dev->cycle, (double)s.bus.dev->cycle / 250.0, (unsigned long long)s.bus.ntxn,
           (unsigned long long)ndiag, (unsigned long long)s.mem.msi_total, (unsigned long long)s.fw.events_handled);
    if (ndiag) {
        printf("diagnostics by code:");
        for (unsigned i = 0; i < VDPU_DIAG_COUNT; i++)
            if (s.bus.diag_count[i]) printf(" %s=%llu", vdpu_diag_names[i], (unsigned long long)s.bus.diag_count[i]);
        printf("\n");
    }
    if (s.bus.stopped) fprintf(stderr, "vdpu run: stopped: %s\n", s.bus.stop_reason);
    printf("digest %016llx seed %llu engine %s\n", (unsigned long long)s.bus.digest, (unsigned long long)o.seed,
           vdpu_engine_name(o.engine));
    printf("result: %s\n", clean ? "PASS" : "FAIL");
    vdpu_session_close(&s);
    return clean ? VDPU_EXIT_OK : VDPU_EXIT_FAIL;
}

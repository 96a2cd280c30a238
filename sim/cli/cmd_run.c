/* cmd_run.c - `vdpu run`: enumerate, bring the device up with the control-plane firmware, run a workload. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fcov.h"
#include "gdb_stub.h"
#include "netrand.h"
#include "out_file.h"
#include "pcap_io.h"
#include "randacc.h"
#include "randinit.h"
#include "run_args.h"
#include "run_workloads.h"
#include "session.h"
#include "session_ckpt.h"
#include "virtio_disc.h"
#include "virtio_drv.h"

/* the debugger sits between the firmware SoC and its CPU */
struct gdb_ctx {
    gdb_stub_t *stub;
    fw_soc_t *soc;
    vdpu_bus_t *bus;
};

static bool gdb_mem_read(void *ctx, uint32_t a, void *buf, size_t n) { return fw_soc_debug_read(ctx, a, buf, n); }
static bool gdb_mem_write(void *ctx, uint32_t a, const void *buf, size_t n)
{
    return fw_soc_debug_write(ctx, a, buf, n);
}

static void gdb_hook(void *ctx, rv_cpu_t *cpu)
{
    struct gdb_ctx *g = ctx;
    if (g->soc->last == RV_EBREAK) gdb_stub_request_halt(g->stub); /* an ebreak compiled into firmware */
    gdb_before_step(g->stub, cpu);
    if (gdb_stub_killed(g->stub)) vdpu_bus_stop(g->bus, "killed by the debugger");
}

/* Attach GDB (TCP, or the stdio stub made before any output) to the session's CPU. */
static int attach_gdb(struct gdb_ctx *g, vdpu_session_t *s, uint64_t port)
{
    char err[200];
    if (port) {
        g->stub = gdb_stub_listen_tcp((uint16_t)port, err, sizeof err);
        if (!g->stub) {
            fprintf(stderr, "vdpu run: %s\n", err);
            return -1;
        }
    }
    if (!g->stub) return 0;
    g->soc = s->soc;
    g->bus = &s->bus;
    struct gdb_target tgt = {s->soc, &s->soc->cpu, gdb_mem_read, gdb_mem_write};
    gdb_stub_attach(g->stub, &tgt);
    s->soc->cpu.debug_ebreak = true;
    s->soc->before_step = gdb_hook;
    s->soc->before_step_ctx = g;
    return 0;
}

/* --fcov: the run's configuration and outcome, for the coverage db */
struct fcov_run {
    struct fcov_db db;
    struct netrand_cfg cfg;
    struct netrand_result res;
};

/* The workload itself, once the device is enumerated: 0 when it passed. */
static int run_workload(vdpu_session_t *s, struct run_args *a, struct injector *inj, FILE *rep, struct fcov_run *fc)
{
    struct run_cfg *c = &a->c;
    const struct vdpu_opts *o = &a->dev.o;
    bool net = !strncmp(c->workload, "net-", 4);
    if (!strcmp(c->workload, "net-random"))
        return netrand_workload(s, o->seed, stdout, fc ? &fc->cfg : NULL, fc ? &fc->res : NULL);
    if (net) {
        c->net.seed = o->seed;
        c->net.workload = !strcmp(c->workload, "net-tx") ? NET_TX : !strcmp(c->workload, "net-rx") ? NET_RX : NET_LOOPBACK;
        return run_workload_net(s, c, o, inj, rep);
    }
    if (!strcmp(c->workload, "init")) return run_workload_init(s, c, inj, rep);
    if (!strcmp(c->workload, "random-init")) {
        struct randinit_stats st;
        int rc = randinit_run(s, o->seed, &st);
        static const char *const res[] = {"DRIVER_OK", "refused"};
        printf("random-init: %u random accesses, randomized init %s%s%s, clean init %s\n", st.actions,
               st.first >= 0 ? res[st.first] : "FAILED", st.first == DRV_REFUSED ? ": " : "", st.refusal,
               st.recovery >= 0 ? res[st.recovery] : "FAILED");
        run_events(s, NULL, c);
        return rc;
    }
    struct virtio_disc_result vr;
    int rc = virtio_discover(s, &vr, rep);
    if (!rc && !strcmp(c->workload, "random")) {
        struct randacc_stats st = {0};
        rc = randacc_run(s, o->seed, c->accesses, &st);
        printf("random: %llu accesses (%llu config, %llu BAR; %llu reads, %llu writes), %llu firmware CSR ops, "
               "%llu UR\n",
               (unsigned long long)st.accesses, (unsigned long long)st.cfg, (unsigned long long)st.mem,
               (unsigned long long)st.reads, (unsigned long long)st.writes, (unsigned long long)st.fw_ops,
               (unsigned long long)st.ur);
    }
    run_events(s, NULL, c);
    return rc;
}

/* The end-of-run summary: cycles, firmware, diagnostics, digest. */
static void run_report(const vdpu_session_t *s, const struct vdpu_opts *o)
{
    uint64_t ndiag = 0;
    for (unsigned i = 0; i < VDPU_DIAG_COUNT; i++) ndiag += s->bus.diag_count[i];
    printf("cycles %llu (%.3f us at 250 MHz), transactions %llu, diagnostics %llu, MSI-X messages %llu\n",
           (unsigned long long)s->bus.dev->cycle, (double)s->bus.dev->cycle / 250.0, (unsigned long long)s->bus.ntxn,
           (unsigned long long)ndiag, (unsigned long long)s->mem.msi_total);
    if (s->bus.skipped)
        printf("idle skipping: %llu of those cycles were quiet and skipped (%.1f%%; %llu while a timer ran; --no-skip "
               "evaluates them)\n",
               (unsigned long long)s->bus.skipped, 100.0 * (double)s->bus.skipped / (double)s->bus.dev->cycle,
               (unsigned long long)s->bus.skipped_timed);
    if (s->soc)
        printf("firmware: %llu instructions, %llu CSR reads, %llu CSR writes\n",
               (unsigned long long)s->soc->cpu.retired, (unsigned long long)s->soc->csr_reads,
               (unsigned long long)s->soc->csr_writes);
    if (ndiag) {
        printf("diagnostics by code:");
        for (unsigned i = 0; i < VDPU_DIAG_COUNT; i++)
            if (s->bus.diag_count[i]) printf(" %s=%llu", vdpu_diag_names[i], (unsigned long long)s->bus.diag_count[i]);
        printf("\n");
    }
    if (s->bus.stopped) fprintf(stderr, "vdpu run: stopped: %s\n", s->bus.stop_reason);
    printf("digest %016llx seed %llu engine %s\n", (unsigned long long)s->bus.digest, (unsigned long long)o->seed,
           vdpu_engine_name(o->engine));
}

/* SIGINT/SIGTERM: the bus stops at its next cycle and the run ends as a failed one would, so what
 * was measured is written (report, JSON, pcap, a closed FST); a second signal kills at once. */
static volatile sig_atomic_t run_signal;

static void on_signal(int sig) { run_signal = sig; }

static void catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* The options a checkpoint stores and a restore takes from it: all but where the outputs go and the
 * checkpoint options themselves (a restored run chooses those anew); *takes_value: the next word is its value. */
static bool run_output_option(const char *arg, bool *takes_value)
{
    static const char *const with_value[] = {"--json", "--pcap-out", "--checkpoint", "--checkpoint-at", "--restore"};
    *takes_value = false;
    if (!strcmp(arg, "-q") || !strcmp(arg, "--quiet")) return true;
    for (unsigned i = 0; i < sizeof with_value / sizeof with_value[0]; i++) {
        size_t n = strlen(with_value[i]);
        if (!strncmp(arg, with_value[i], n) && (arg[n] == 0 || arg[n] == '=')) {
            *takes_value = arg[n] == 0;
            return true;
        }
    }
    return false;
}

/* argv[1..] without the output and checkpoint options, into out (argc entries): their count */
static unsigned run_kept_args(int argc, char **argv, const char **out)
{
    unsigned n = 0;
    for (int i = 1; i < argc; i++) {
        bool value;
        if (run_output_option(argv[i], &value)) i += value;
        else out[n++] = argv[i];
    }
    return n;
}

/* --restore FILE: read the checkpoint, then parse its run's arguments, its seed and the output options
 * given here as this run's. The merged argv and the checkpoint stay alive for the whole run. */
static int restore_args(int argc, char **argv, struct run_args *a, ckpt_t *k, char ***merged)
{
    char err[400];
    const char *path = a->restore;
    if (ckpt_read_file(k, path, run_ckpt_layout(), err, sizeof err)) {
        fprintf(stderr, "vdpu run: %s\n", err);
        return VDPU_EXIT_USAGE;
    }
    size_t alen;
    const char *args = ckpt_get_any(k, "ARGS", &alen);
    const uint64_t *seed = ckpt_get(k, "SEED", sizeof *seed);
    if (!args || !seed || (alen && args[alen - 1])) {
        if (!k->failed) snprintf(k->error, sizeof k->error, "its arguments are not NUL-terminated");
        fprintf(stderr, "vdpu run: checkpoint '%s': %s\n", path, k->error);
        return VDPU_EXIT_USAGE;
    }
    unsigned nstored = 0;
    for (size_t i = 0; i < alen; i++) nstored += args[i] == 0;
    static char seedbuf[24];
    snprintf(seedbuf, sizeof seedbuf, "%llu", (unsigned long long)*seed);
    char **m = calloc(nstored + 3 + (size_t)argc + 1, sizeof *m);
    if (!m) {
        fprintf(stderr, "vdpu run: out of memory\n");
        return VDPU_EXIT_FAIL;
    }
    unsigned n = 0;
    m[n++] = argv[0];
    for (size_t i = 0; i < alen; i += strlen(args + i) + 1) m[n++] = (char *)(args + i);
    m[n++] = "--seed";
    m[n++] = seedbuf;
    for (int i = 1; i < argc; i++) { /* the output options given with --restore */
        bool value;
        if (!strncmp(argv[i], "--restore", 9)) i += argv[i][9] == 0;
        else if (run_output_option(argv[i], &value)) {
            m[n++] = argv[i];
            if (value && i + 1 < argc) m[n++] = argv[++i];
        }
    }
    run_args_free(a);
    int rc = run_args_parse((int)n, m, a);
    if (rc >= 0) {
        fprintf(stderr, "vdpu run: checkpoint '%s': its run's arguments do not parse here\n", path);
        free(m);
        return rc;
    }
    *merged = m;
    a->c.restore = k;
    a->restore = path;
    return -1;
}

int cmd_run(int argc, char **argv)
{
    static struct run_args a; /* large: not on the stack */
    static ckpt_t restore_k;
    char **merged = NULL;
    int prc = run_args_parse(argc, argv, &a);
    if (prc < 0 && a.restore) prc = restore_args(argc, argv, &a, &restore_k, &merged);
    if (prc >= 0) {
        run_args_free(&a);
        ckpt_free(&restore_k);
        free(merged);
        return prc;
    }
    struct run_cfg *c = &a.c;
    struct vdpu_opts *o = &a.dev.o;
    char err[4200];
    /* what a checkpoint of this run stores: its own arguments (a restored run's: those of its checkpoint) */
    int kc = argc;
    char **kv = argv;
    if (merged) {
        for (kc = 0; merged[kc];) kc++;
        kv = merged;
    }
    a.merged = merged;
    a.kept = calloc((size_t)kc + 1, sizeof *a.kept);
    if (!a.kept) {
        fprintf(stderr, "vdpu run: out of memory\n");
        run_args_free(&a);
        return VDPU_EXIT_FAIL;
    }
    c->ckpt_nargs = run_kept_args(kc, kv, a.kept);
    c->ckpt_args = a.kept;

    /* every output is checked before anything runs (and every write to it after) */
    if ((c->json && out_probe(c->json, "JSON", err, sizeof err)) ||
        (c->state_out && out_probe(c->state_out, "the state", err, sizeof err)) ||
        (c->checkpoint && out_probe(c->checkpoint, "the checkpoint", err, sizeof err))) {
        fprintf(stderr, "vdpu run: %s\n", err);
        run_args_free(&a);
        return VDPU_EXIT_USAGE;
    }
    pcap_sink_t *pcap = NULL;
    if (c->pcap_out && !(pcap = pcap_sink_open(c->pcap_out, err, sizeof err))) {
        fprintf(stderr, "vdpu run: %s\n", err);
        run_args_free(&a);
        return VDPU_EXIT_USAGE;
    }
    struct gdb_ctx g = {0};
    if (a.gdb_stdio) g.stub = gdb_stub_stdio(); /* before any output: it moves our stdout to stderr */
    struct fcov_run *fc = NULL;
    if (c->fcov) { /* steer the seed before anything is drawn from it */
        fc = calloc(1, sizeof *fc);
        if (!fc || fcov_load(&fc->db, c->fcov, err, sizeof err)) {
            fprintf(stderr, "vdpu run: %s\n", fc ? err : "out of memory");
            free(fc);
            pcap_sink_close(pcap, err, sizeof err);
            run_args_free(&a);
            return VDPU_EXIT_USAGE;
        }
        uint64_t steered = fcov_steer(&fc->db, o->seed, FCOV_STEER_CANDS);
        if (steered != o->seed)
            printf("fcov: seed %llu steered to %llu, which hits more bins the db lacks (rerun: --seed %llu)\n",
                   (unsigned long long)o->seed, (unsigned long long)steered, (unsigned long long)steered);
        o->seed = steered;
    }
    if (!strcmp(c->workload, "net-random")) netrand_session_opts(o->seed, o); /* the seed's ENG_PARAM */
    char wire[32];
    netport_wire_format(o->wire_mbps, wire, sizeof wire);
    printf("vdpu run: engine %s, seed %llu, workload %s, firmware %s, wire %s%s\n", vdpu_engine_name(o->engine),
           (unsigned long long)o->seed, c->workload, o->fw_path ? o->fw_path : "builtin", wire,
           o->wire_mbps ? " Gbit/s" : "");
    vdpu_session_t s;
    if (vdpu_session_open(&s, o)) {
        pcap_sink_close(pcap, err, sizeof err);
        free(fc);
        run_args_free(&a);
        return VDPU_EXIT_FAIL;
    }
    if (attach_gdb(&g, &s, a.gdb_port)) {
        vdpu_session_close(&s);
        pcap_sink_close(pcap, err, sizeof err);
        free(fc);
        run_args_free(&a);
        return VDPU_EXIT_FAIL;
    }
    catch_signals();
    s.bus.interrupt = &run_signal;
    FILE *rep = c->quiet ? NULL : stdout;
    struct injector inj = {c, NULL};
    s.bus.on_cycle = run_inject;
    s.bus.on_cycle_ctx = &inj;
    int rc;
    if (c->restore) { /* the enumerated, initialized device and its traffic, as the checkpoint has them */
        rc = vdpu_session_load(&s, c->restore, err, sizeof err);
        if (rc) fprintf(stderr, "vdpu run: %s\n", err);
        else printf("vdpu run: restored from %s at cycle %llu\n", a.restore, (unsigned long long)s.dev->cycle);
    } else {
        rc = pci_enumerate(&s.bus, VDPU_MMIO_BASE, &s.pci, rep);
        if (!rc && c->drv.use_msix) rc = pci_msix_setup(&s.bus, &s.pci, rep);
        if (c->rtt) s.bus.link.p.rtt = c->rtt;
    }
    if (pcap) {
        s.bus.net.tap = pcap_sink_frame;
        s.bus.net.tap_ctx = pcap;
    }
    if (!rc) rc = run_workload(&s, &a, &inj, rep, fc);
    bool clean = vdpu_session_finish(&s) && rc == 0;
    if (fc && clean) { /* a failed run's bins are not coverage */
        struct fcov_sample smp;
        fcov_sample_of(&fc->cfg, &fc->res, &smp);
        unsigned fresh = fcov_add(&fc->db, &smp), hit, total;
        fcov_totals(&fc->db, &hit, &total);
        if (fcov_save(&fc->db, c->fcov, err, sizeof err)) {
            fprintf(stderr, "vdpu run: %s\n", err);
            clean = false;
        } else {
            printf("fcov: %u new bin%s; %u of %u bins hit over %llu run(s) (%s)\n", fresh, fresh == 1 ? "" : "s", hit,
                   total, (unsigned long long)fc->db.runs, c->fcov);
        }
    }
    free(fc);
    run_report(&s, o);
    if (pcap) {
        uint64_t frames = pcap_sink_frames(pcap);
        if (pcap_sink_close(pcap, err, sizeof err)) {
            fprintf(stderr, "vdpu run: %s\n", err);
            clean = false;
        } else {
            printf("pcap: %llu frames written to %s\n", (unsigned long long)frames, c->pcap_out);
        }
    }
    vdpu_session_close(&s); /* closes the FST */
    if (o->wave && vdpu_rtl_wave_check(o->wave, err, sizeof err)) {
        fprintf(stderr, "vdpu run: %s\n", err);
        clean = false;
    }
    int sig = run_signal;
    if (sig) printf("interrupted by signal %d: the report, JSON, pcap and wave above hold what ran until then\n", sig);
    printf("result: %s\n", clean && !sig ? "PASS" : "FAIL");
    fflush(stdout);
    if (g.stub) {
        gdb_stub_report_exit(g.stub, clean ? 0 : 1);
        gdb_stub_close(g.stub);
    }
    run_args_free(&a);
    if (sig) return 128 + sig; /* as a shell reports a process the signal ended */
    return clean ? VDPU_EXIT_OK : VDPU_EXIT_FAIL;
}

/* cmd_bench.c - `vdpu bench`: simulated device cycles per second of each engine on a fixed workload. */
#include <getopt.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "eng_storage.h"
#include "randacc.h"
#include "session.h"
#include "specmin.h"
#include "virtio_ctrl.h"
#include "virtio_net.h"
#include "virtio_net_mq.h"
#include "virtio_spec.h"

static bool negotiated(const virtio_drv_t *d, unsigned bit) { return (d->negotiated[bit / 32] >> (bit % 32)) & 1; }

/* The frame rate (Mpps at 250 MHz) the link allows for the spec-minimum traffic of this run's configuration. */
static double link_bound_mpps(const vdpu_session_t *s, const virtio_drv_t *d, enum drv_ring ring, unsigned size,
                              enum specmin_dir dir, double *min_req)
{
    struct specmin_cfg c;
    specmin_cfg_default(&c);
    c.packed = ring == DRV_RING_PACKED;
    c.event_idx = negotiated(d, VIRTIO_RING_F_EVENT_IDX);
    c.in_order = negotiated(d, VIRTIO_F_IN_ORDER);
    c.notif_data = negotiated(d, VIRTIO_F_NOTIFICATION_DATA);
    c.prefetch = s->opts.prefetch ? s->opts.prefetch : 1;
    c.batch = s->opts.used_batch ? s->opts.used_batch : 1;
    c.pkt_size = size;
    c.dir = dir;
    c.mps = s->bus.link.p.mps;
    c.mrrs = s->bus.link.p.mrrs;
    c.rcb = s->bus.link.p.rcb;
    c.tlp_overhead = s->bus.link.p.tlp_overhead;
    c.bytes_per_cycle = s->bus.link.p.bytes_per_cycle;
    struct specmin m;
    specmin_compute(&c, &m);
    if (min_req) *min_req = m.requests;
    return specmin_link_bound(&m) * 250.0;
}

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
            "  -n, --accesses N   random accesses per engine (default 200000)\n"
            "  -p, --packets N    64-byte TX packets per engine and ring (default 20000)\n"
            "  -e, --engine E     only this engine (model, rtl or cosim; default all three)\n"
            "  -s, --seed N       seed of the random accesses (default 1; keep it fixed to compare figures)\n"
            "  -h, --help         this text\n");
}

/* The options of a bench session on engine e with the real firmware; false (said) when it is not built. */
static bool bench_opts(struct vdpu_opts *o, enum vdpu_engine e)
{
    vdpu_opts_default(o);
    o->engine = e;
    o->fw_path = vdpu_default_fw_path();
    o->fw_console = NULL;
    if (!o->fw_path) fprintf(stderr, "vdpu bench: build/fw/vdpu-fw.elf is missing (run make)\n");
    return o->fw_path != NULL;
}

/* The driver brings the device up on this ring layout: enumeration, MSI-X, init to DRIVER_OK. */
/* qsize 0: the driver's default (256) */
static bool bench_up(vdpu_session_t *s, virtio_drv_t *d, enum drv_ring ring, unsigned qsize)
{
    struct drv_params p;
    drv_params_default(&p);
    p.ring = ring;
    if (qsize) p.qsize = qsize;
    return !pci_enumerate(&s->bus, VDPU_MMIO_BASE, &s->pci, NULL) && !pci_msix_setup(&s->bus, &s->pci, NULL) &&
           virtio_drv_init(d, s, &p) == DRV_OK;
}

/* 64-byte TX through the queue engine on one engine: simulated packets per wall-clock second. */
static int bench_net_tx(enum vdpu_engine e, enum drv_ring ring, uint64_t packets, unsigned size, uint64_t seed)
{
    struct vdpu_opts o;
    if (!bench_opts(&o, e)) return -1;
    vdpu_session_t s;
    if (vdpu_session_open(&s, &o)) return -1;
    virtio_drv_t *d = calloc(1, sizeof *d);
    virtio_net_t *n = calloc(1, sizeof *n);
    int rc = -1;
    if (d && n && bench_up(&s, d, ring, 0)) {
        struct net_params np = {NET_TX, packets, size, seed, 100000 + packets * 20000};
        uint64_t c0 = s.bus.dev->cycle;
        double t0 = now_s();
        if (!virtio_net_open(n, d, &np) && !virtio_net_run(n)) {
            double dt = now_s() - t0;
            uint64_t cyc = s.bus.dev->cycle - c0;
            double mpps = (double)packets / ((double)cyc / 250e6) / 1e6;
            printf("bench: %-5s %-6s 64 B TX %6llu packets in %7.3f s = %9.0f packets/s  (%.3f Mpps simulated)\n",
                   vdpu_engine_name(e), ring == DRV_RING_PACKED ? "packed" : "split", (unsigned long long)packets, dt,
                   (double)packets / dt, mpps);
            rc = 0;
        }
        virtio_net_close(n);
    }
    if (rc) fprintf(stderr, "vdpu bench: net TX on %s failed\n", vdpu_engine_name(e));
    free(n);
    free(d);
    if (!vdpu_session_finish(&s)) rc = -1;
    vdpu_session_close(&s);
    return rc;
}

static unsigned storage_of(unsigned p, unsigned b, unsigned m, unsigned k)
{
    struct eng_storage es;
    eng_storage_of(p, b, m, k, &es);
    return es.total;
}

/* Frames a data-path run moves: long enough for steady state, 2,000 frames a 200-cycle round trip, so that
 * the ramp (the first reads, the RX run-ahead and the fetches filling, a few round trips) and the drain are a
 * few per cent of the run at every rtt (at rtt 1000, 2,000 frames understated packed 256-byte RX by 11%). */
static uint64_t bench_packets(unsigned rtt) { return 2000ull * (rtt > 200 ? (rtt + 199) / 200 : 1); }

/* A data-path session on the model (simulated time: every engine says the same) with P = B = `pb`, `mr` TX
 * payload reads outstanding, TX fetch `k` and link round trip `rtt`; false (said) when it cannot open. */
static bool bench_session(vdpu_session_t *s, struct vdpu_opts *o, unsigned pb, unsigned mr, unsigned k,
                          unsigned rtt)
{
    if (!bench_opts(o, VDPU_ENGINE_MODEL)) return false;
    o->prefetch = o->used_batch = pb;
    o->max_reads = mr;
    o->tx_fetch = k;
    if (vdpu_session_open(s, o)) return false;
    s->bus.link.p.rtt = rtt;
    return true;
}

/* One data-path configuration on a bench_session, every feature. One table row: the frame rate, DMA
 * requests per packet beside the spec minimum, and the link-bound rate of the minimum's traffic. */
static int bench_data_path(enum drv_ring ring, enum net_workload w, unsigned size, unsigned rtt, unsigned pb,
                           unsigned mr, unsigned k, uint64_t seed)
{
    const uint64_t packets = bench_packets(rtt);
    struct vdpu_opts o;
    vdpu_session_t s;
    if (!bench_session(&s, &o, pb, mr, k, rtt)) return -1;
    virtio_drv_t *d = calloc(1, sizeof *d);
    virtio_net_t *n = calloc(1, sizeof *n);
    int rc = -1;
    /* the largest rings the device offers: at rtt 1000 a 256-entry ring holds too few receive buffers for
     * the link (the driver's refill loop is two round trips and more), and the rows are of the engine */
    if (d && n && bench_up(&s, d, ring, VDPU_QSIZE_MAX)) {
        struct net_params np = {w, packets, size, seed, 1000000 + packets * 50000};
        uint64_t c0 = s.bus.dev->cycle, r0 = 0;
        for (unsigned k = 0; k < VDPU_PURP_COUNT; k++)
            if (k != VDPU_PURP_FW) r0 += s.bus.link.st.total[k].requests;
        if (!virtio_net_open(n, d, &np) && !virtio_net_run(n)) {
            uint64_t cyc = s.bus.dev->cycle - c0, req = 0;
            for (unsigned k = 0; k < VDPU_PURP_COUNT; k++)
                if (k != VDPU_PURP_FW) req += s.bus.link.st.total[k].requests;
            double mpps = (double)packets / ((double)cyc / 250e6) / 1e6, min_req = 0;
            double bound = link_bound_mpps(&s, d, ring, size, w == NET_RX ? SPECMIN_RX : SPECMIN_TX, &min_req);
            printf("bench: data path %-6s %-2s %4u B  rtt %4u  P %2u M %2u K %2u: %7.3f Mpps %6.2f Gbit/s %6.0f cycles/pkt  "
                   "%5.2f req/pkt (min %4.2f, %4.2fx)  link bound %7.3f Mpps, %3.0f%%  storage %u B\n",
                   ring == DRV_RING_PACKED ? "packed" : "split", w == NET_RX ? "RX" : "TX", size, rtt, pb, mr, k, mpps,
                   mpps * 1e6 * size * 8 / 1e9, (double)cyc / (double)packets, (double)(req - r0) / (double)packets,
                   min_req, min_req > 0 ? (double)(req - r0) / (double)packets / min_req : 0.0, bound,
                   bound > 0 ? 100.0 * mpps / bound : 0.0, storage_of(o.prefetch, o.used_batch, mr, k));
            rc = 0;
        }
        virtio_net_close(n);
    }
    if (rc) fprintf(stderr, "vdpu bench: data path %s failed\n", w == NET_RX ? "RX" : "TX");
    free(n);
    free(d);
    if (!vdpu_session_finish(&s)) rc = -1;
    vdpu_session_close(&s);
    return rc;
}

/* TX over `pairs` transmitqs (the multiqueue driver: flows spread over them; two need VQ_PAIRS_SET 2 on the
 * control queue) on the model, P = B = K = ENG_PARAM_MAX, every read tag: the frame rate (Mpps, simulated; < 0:
 * the run failed), the link bound of its spec-minimum traffic and the frames each transmitq carried. 256-entry
 * rings: two pairs and the control queue fit the host memory. */
static double bench_txqs(enum drv_ring ring, unsigned size, unsigned rtt, unsigned pairs, uint64_t seed,
                         double *bound, uint64_t tx[2])
{
    const uint64_t packets = bench_packets(rtt);
    double mpps = -1;
    struct vdpu_opts o;
    vdpu_session_t s;
    if (!bench_session(&s, &o, VDPU_ENG_PARAM_MAX, VDPU_ENG_MAX_READS, VDPU_ENG_PARAM_MAX, rtt)) return -1;
    virtio_drv_t *d = calloc(1, sizeof *d);
    virtio_net_mq_t *m = calloc(1, sizeof *m);
    virtio_ctrl_t *q = calloc(1, sizeof *q);
    if (d && m && q && bench_up(&s, d, ring, 256) &&
        (pairs < 2 || (virtio_ctrl_open(q, d) == 0 && virtio_ctrl_apply(q, "pairs=2") == 0))) {
        struct net_params np = {NET_TX, packets, size, seed, 1000000 + packets * 50000};
        struct net_opts no;
        memset(&no, 0, sizeof no);
        uint64_t c0 = s.bus.dev->cycle;
        if (!virtio_net_mq_open(m, d, &np, &no, pairs) && !virtio_net_mq_run(m)) {
            mpps = (double)packets / ((double)(s.bus.dev->cycle - c0) / 250e6) / 1e6;
            for (unsigned k = 0; k < 2; k++) tx[k] = k < pairs ? m->tx_sent[k] : 0;
            *bound = link_bound_mpps(&s, d, ring, size, SPECMIN_TX, NULL);
        }
        virtio_net_mq_close(m);
    }
    if (mpps < 0) {
        const char *why = m && m->n.error[0] ? m->n.error : q && q->error[0] ? q->error : "";
        fprintf(stderr, "vdpu bench: TX over %u transmitqs failed%s%s\n", pairs, *why ? ": " : "", why);
    }
    free(q);
    free(m);
    free(d);
    if (!vdpu_session_finish(&s)) mpps = -1;
    vdpu_session_close(&s);
    return mpps;
}

int cmd_bench(int argc, char **argv)
{
    static const struct option opts[] = {
        {"accesses", required_argument, 0, 'n'}, {"engine", required_argument, 0, 'e'},
        {"seed", required_argument, 0, 's'}, {"packets", required_argument, 0, 'p'},
        {"help", no_argument, 0, 'h'},           {0, 0, 0, 0},
    };
    uint64_t accesses = 200000, packets = 20000, seed = 1;
    int only = -1;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":n:e:s:p:h", opts, NULL)) != -1) {
        enum vdpu_engine e;
        switch (c) {
        case 'n': if (!cli_u64("bench", "--accesses", optarg, &accesses)) return VDPU_EXIT_USAGE; break;
        case 's': if (!cli_u64("bench", "--seed", optarg, &seed)) return VDPU_EXIT_USAGE; break;
        case 'p': if (!cli_u64_range("bench", "--packets", optarg, 1, 10000000, &packets)) return VDPU_EXIT_USAGE; break;
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
    for (int e = 0; e < 3; e++) {
        if (only >= 0 && e != only) continue;
        for (int r = 0; r < 2; r++)
            if (bench_net_tx((enum vdpu_engine)e, r ? DRV_RING_PACKED : DRV_RING_SPLIT, packets, 64, seed))
                rc = VDPU_EXIT_FAIL;
    }
    /* the data path itself (simulated time, so the fast model says the same as the RTL): P = B = 8, TX with
     * 1 and 8 payload reads outstanding, and with 32 and TX fetch 8; TX at P = B = K = ENG_PARAM_MAX (15)
     * with every read tag M may take (ENG_MAX_READS, 127); RX, and RX at P = B = ENG_PARAM_MAX; 64-, 256- and
     * 1500-byte frames; round trips of 200 and 1000 cycles */
    static const unsigned sizes[] = {64, 256, 1500}, rtts[] = {200, 1000}, mrs[] = {1, 8};
    printf("bench: queue engine data path on the model: every feature, %u-entry rings, 2,000 frames per 200 cycles of round trip\n",
           VDPU_QSIZE_MAX);
    for (int r = 0; r < 2; r++)
        for (unsigned i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
            for (unsigned j = 0; j < 2; j++) {
                enum drv_ring ring = r ? DRV_RING_PACKED : DRV_RING_SPLIT;
                for (unsigned k = 0; k < 2; k++)
                    if (bench_data_path(ring, NET_TX, sizes[i], rtts[j], 8, mrs[k], 1, seed)) rc = VDPU_EXIT_FAIL;
                if (bench_data_path(ring, NET_TX, sizes[i], rtts[j], 8, 32, 8, seed)) rc = VDPU_EXIT_FAIL;
                if (bench_data_path(ring, NET_TX, sizes[i], rtts[j], VDPU_ENG_PARAM_MAX, VDPU_ENG_MAX_READS,
                                    VDPU_ENG_PARAM_MAX, seed))
                    rc = VDPU_EXIT_FAIL;
                if (bench_data_path(ring, NET_RX, sizes[i], rtts[j], 8, 1, 1, seed)) rc = VDPU_EXIT_FAIL;
                if (bench_data_path(ring, NET_RX, sizes[i], rtts[j], VDPU_ENG_PARAM_MAX, 1, 1, seed))
                    rc = VDPU_EXIT_FAIL;
            }
    /* what one service at a time costs (the decoupled stages of docs/design/pipeline.md are not built): the
     * same TX traffic on one transmitq and spread over two, which the engine serves by turns */
    printf("bench: two transmitqs on the model: TX on one transmitq and over two, P = B = K = %u, M %u, 256-entry rings\n",
           VDPU_ENG_PARAM_MAX, VDPU_ENG_MAX_READS);
    static const unsigned txq_sizes[] = {64, 1500};
    for (int r = 0; r < 2; r++)
        for (unsigned i = 0; i < 2; i++)
            for (unsigned j = 0; j < 2; j++) {
                enum drv_ring ring = r ? DRV_RING_PACKED : DRV_RING_SPLIT;
                uint64_t one[2], two[2];
                double bound = 0;
                double a = bench_txqs(ring, txq_sizes[i], rtts[j], 1, seed, &bound, one);
                double b = bench_txqs(ring, txq_sizes[i], rtts[j], 2, seed, &bound, two);
                if (a < 0 || b < 0) {
                    rc = VDPU_EXIT_FAIL;
                    continue;
                }
                printf("bench: two transmitqs %-6s TX %4u B  rtt %4u: one %7.3f Mpps (%3.0f%%), two %7.3f Mpps (%3.0f%%), "
                       "%.2fx; link bound %7.3f Mpps; frames per transmitq %llu / %llu\n",
                       r ? "packed" : "split", txq_sizes[i], rtts[j], a, bound > 0 ? 100.0 * a / bound : 0.0, b,
                       bound > 0 ? 100.0 * b / bound : 0.0, b / a, bound, (unsigned long long)two[0],
                       (unsigned long long)two[1]);
            }
    return rc;
}

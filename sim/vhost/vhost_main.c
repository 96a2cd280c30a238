/* vhost_main.c - `vdpu vhost-user`: the simulated device as a vhost-user backend for real virtio drivers. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bridge.h"
#include "cli.h"
#include "dev_args.h"
#include "dma_report.h"
#include "pci_enum.h"
#include "vhost_rte.h"
#include "virtio_features.h"
#include "virtio_spec.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: vdpu vhost-user --socket PATH [options]\n"
            "\n"
            "The simulated device as a vhost-user backend: a real virtio driver (DPDK's virtio-user PMD,\n"
            "QEMU with Linux's virtio_net in a guest) drives it. The device walks the frontend's rings\n"
            "itself; the firmware on the embedded CPU decides every negotiation (the bridge replays the\n"
            "frontend's set-up as the register sequence of a Linux driver). See docs/real-drivers.md.\n"
            "\n"
            "socket:\n"
            "  -S, --socket PATH      the vhost-user unix socket: created and listened on (server), or\n"
            "                         with --client the frontend's, connected to and reconnected\n"
            "      --client           connect to the frontend's socket instead of listening\n"
            "      --exit-after N     exit once N frontend connections have ended (default: serve until\n"
            "                         SIGINT or SIGTERM)\n"
            "network port:\n"
            "      --loopback         transmitted frames come back to the receive queue (default)\n"
            "      --sink             transmitted frames are counted and dropped\n"
            "      --pcap-out FILE    write every transmitted frame to a pcap file\n"
            "      --pcap-in FILE     offer the frames of an Ethernet pcap to the receive queue, once the\n"
            "                         frontend has posted receive buffers on receiveq 0\n"
            "output:\n"
            "      --json FILE        the run's DMA accounting as JSON (the vdpu run schema, workload\n"
            "                         \"vhost-user\")\n"
            "  -v, --verbose          rte_vhost's message log and the bridge's steps, with CRC-32s of the\n"
            "                         frontend's memory at each stop and start (a live migration's source\n"
            "                         stop and destination start must match; one pass over guest memory)\n"
            "  -h, --help             this text\n");
    dev_args_usage(f);
    fprintf(f, "\nexit status: 0 clean, 1 a check failed (cosim mismatch, memory guard, device error), 2 bad arguments\n");
}

enum { OPT_CLIENT = DEV_OPT_END, OPT_EXIT_AFTER, OPT_LOOPBACK, OPT_SINK, OPT_PCAP_OUT, OPT_PCAP_IN, OPT_JSON };

static const struct option long_opts[] = {
    DEV_ARGS_LONGOPTS,
    {"socket", required_argument, 0, 'S'},       {"client", no_argument, 0, OPT_CLIENT},
    {"exit-after", required_argument, 0, OPT_EXIT_AFTER}, {"loopback", no_argument, 0, OPT_LOOPBACK},
    {"sink", no_argument, 0, OPT_SINK},          {"pcap-out", required_argument, 0, OPT_PCAP_OUT},
    {"pcap-in", required_argument, 0, OPT_PCAP_IN}, {"json", required_argument, 0, OPT_JSON},
    {"verbose", no_argument, 0, 'v'},            {"help", no_argument, 0, 'h'},
    {0, 0, 0, 0},
};

static bridge_t br;

static void on_signal(int sig)
{
    (void)sig;
    bridge_quit(&br);
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static bool writable(const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) return false;
    return fclose(f) == 0;
}

int main(int argc, char **argv)
{
    struct dev_args a;
    struct vhost_rte_params vp = {.max_pairs = VDPU_MAX_QP};
    struct br_params bp = {.loopback = true};
    const char *json = NULL, *pcap_in = NULL;
    bool sink = false, loop = false;
    uint64_t v;
    char err[300];
    dev_args_default(&a);
    setvbuf(stdout, NULL, _IOLBF, 0);

    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, ":e:s:S:vh", long_opts, NULL)) != -1) {
        if (ch == 'h') {
            usage(stdout);
            return VDPU_EXIT_OK;
        }
        if (ch == ':') return cli_usage_error("vhost-user", "option %s needs a value", argv[optind - 1]);
        if (ch == '?') return cli_usage_error("vhost-user", "unknown option '%s'", argv[optind - 1]);
        int d = dev_args_option("vhost-user", ch, optarg, &a);
        if (d < 0) return VDPU_EXIT_USAGE;
        if (d > 0) continue;
        switch (ch) {
        case 'S': vp.socket = optarg; break;
        case OPT_CLIENT: vp.client = true; break;
        case OPT_EXIT_AFTER:
            if (!cli_u64("vhost-user", "--exit-after", optarg, &v)) return VDPU_EXIT_USAGE;
            if (v < 1 || v > 1000000) return cli_usage_error("vhost-user", "--exit-after must be 1..1000000");
            vp.exit_after = (unsigned)v;
            break;
        case OPT_LOOPBACK: loop = true; break;
        case OPT_SINK: sink = true; break;
        case OPT_PCAP_OUT: bp.pcap_out = optarg; break;
        case OPT_PCAP_IN: pcap_in = optarg; break;
        case OPT_JSON: json = optarg; break;
        case 'v': vp.verbose = bp.verbose = true; break;
        }
    }
    if (optind < argc) return cli_usage_error("vhost-user", "unexpected argument '%s'", argv[optind]);
    if (!vp.socket) return cli_usage_error("vhost-user", "--socket PATH is required");
    if (strlen(vp.socket) >= 108) return cli_usage_error("vhost-user", "--socket path longer than a unix socket allows");
    if (sink && loop) return cli_usage_error("vhost-user", "--loopback and --sink exclude each other");
    bp.loopback = !sink;
    if (a.fw_builtin)
        return cli_usage_error("vhost-user", "the builtin firmware role has no data plane: the bridge needs the "
                                             "firmware ELF");
    int rc = dev_args_finish("vhost-user", &a);
    if (rc) return rc;
    if (json && !writable(json)) return cli_usage_error("vhost-user", "cannot write '%s'", json);
    if (pcap_in && pcap_frames_load(pcap_in, 1514, &bp.rx, err, sizeof err)) {
        fprintf(stderr, "vdpu vhost-user: %s\n", err);
        return VDPU_EXIT_USAGE;
    }
    vp.max_pairs = a.o.max_qp;

    /* host memory: the frontend's regions come and go with connections; the session's own RAM
     * (the bridge's control queue) sits where no frontend address can be, and the device may
     * touch any address (the memory guard is the region table) */
    struct vdpu_opts *o = &a.o;
    o->ram_base = BR_RAM_BASE;
    o->ram_size = BR_RAM_SIZE;
    o->window_base = 0;
    o->window_size = ~0ull;
    o->msi_base = BR_MSI_BASE;
    o->rerun = "vdpu vhost-user (a real frontend: not reproducible by seed)";
    char wire[32];
    netport_wire_format(o->wire_mbps, wire, sizeof wire);
    printf("vdpu vhost-user: engine %s, firmware %s, socket %s%s, wire %s%s\n", vdpu_engine_name(o->engine),
           o->fw_path, vp.socket, vp.client ? " (client)" : "", wire, o->wire_mbps ? " Gbit/s" : "");

    vdpu_session_t s;
    if (vdpu_session_open(&s, o)) return VDPU_EXIT_FAIL;
    if (a.rtt) s.bus.link.p.rtt = a.rtt;
    if (pci_enumerate(&s.bus, VDPU_MMIO_BASE, &s.pci, bp.verbose ? stdout : NULL) ||
        pci_msix_setup(&s.bus, &s.pci, bp.verbose ? stdout : NULL)) {
        fprintf(stderr, "vdpu vhost-user: device enumeration failed\n");
        vdpu_session_close(&s);
        return VDPU_EXIT_FAIL;
    }
    if (bridge_init(&br, &s, &bp)) {
        bridge_fini(&br);
        vdpu_session_close(&s);
        return VDPU_EXIT_FAIL;
    }
    char names[512];
    uint32_t w[4] = {(uint32_t)br.offer, (uint32_t)(br.offer >> 32), 0, 0};
    virtio_feature_list(w, names, sizeof names);
    printf("vdpu vhost-user: offering %s\n", names);

    char prefix[64];
    snprintf(prefix, sizeof prefix, "vdpu-vhost-%d", (int)getpid());
    vp.eal_prefix = prefix;
    if (vhost_rte_open(&br, &vp)) {
        bridge_fini(&br);
        vdpu_session_close(&s);
        return VDPU_EXIT_FAIL;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    printf("vdpu vhost-user: socket %s: %s\n", vp.socket,
           vp.client ? "client of the frontend's server (reconnects when it comes back)" : "listening");

    double t0 = now_s();
    bridge_run(&br);
    double wall = now_s() - t0;

    bridge_shutdown(&br);      /* the device stops before rte_vhost lets go of the frontend */
    vhost_rte_close();
    bool clean = vdpu_session_finish(&s) && !br.failed && !s.bus.stopped;
    struct run_summary sum = {
        .engine = vdpu_engine_name(o->engine), .workload = "vhost-user",
        .ring = br.dp.ring == DRV_RING_PACKED ? "packed" : "split", .seed = o->seed, .packets = br.total.tx_frames,
        .bytes = br.total.tx_bytes, .cycles = s.bus.dev->cycle, .msix = s.mem.msi_total, .pkt_size = 0,
        .prefetch = o->prefetch, .used_batch = o->used_batch, .max_reads = o->max_reads, .tx_fetch = o->tx_fetch,
        .coal_frames = o->coal_frames, .coal_cycles = o->coal_cycles, .rx_buf_size = 0, .pairs = br.pairs ? br.pairs : 1,
        .qsize = br.fe.vring[0].size};
    memcpy(sum.features, br.drv.negotiated, sizeof sum.features);
    printf("vdpu vhost-user: %llu connection(s); network port: %llu frames transmitted (%llu bytes), %llu received "
           "(%llu bytes); %llu kicks, %llu calls\n",
           (unsigned long long)br.connections, (unsigned long long)br.total.tx_frames,
           (unsigned long long)br.total.tx_bytes, (unsigned long long)s.bus.net.rx_frames,
           (unsigned long long)s.bus.net.rx_bytes, (unsigned long long)br.total.kicks,
           (unsigned long long)br.total.calls);
    if (br.total.tx_frames || s.bus.net.rx_frames) dma_report_table(stdout, &s.bus.link.st, &s.bus.link.p, &sum);
    if (json && dma_report_json(json, &s.bus.link.st, &s.bus.link.p, &sum)) clean = false;
    printf("cycles %llu (%.3f ms simulated) in %.2f s wall, transactions %llu\n", (unsigned long long)s.bus.dev->cycle,
           (double)s.bus.dev->cycle / 250000.0, wall, (unsigned long long)s.bus.ntxn);
    if (s.bus.stopped) fprintf(stderr, "vdpu vhost-user: stopped: %s\n", s.bus.stop_reason);
    printf("digest %016llx engine %s (a real frontend's timing: not reproducible)\n", (unsigned long long)s.bus.digest,
           vdpu_engine_name(o->engine));
    bridge_fini(&br);
    if (br.out_failed) clean = false;
    vdpu_session_close(&s);
    pcap_frames_free(&bp.rx);
    printf("result: %s\n", clean ? "PASS" : "FAIL");
    if (fflush(stdout) || ferror(stdout)) return VDPU_EXIT_FAIL;
    return clean ? VDPU_EXIT_OK : VDPU_EXIT_FAIL;
}

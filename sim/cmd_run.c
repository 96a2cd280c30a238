/* cmd_run.c - `vdpu run`: enumerate, bring the device up with the control-plane firmware, run a workload. */
#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "gdb_stub.h"
#include "netrand.h"
#include "pcap_io.h"
#include "randacc.h"
#include "virtio_ctrl.h"
#include "virtio_net_mq.h"
#include "randinit.h"
#include "run_workloads.h"
#include "virtio_ctrl.h"
#include "session.h"
#include "virtio_disc.h"
#include "virtio_drv.h"
#include "virtio_features.h"
#include "virtio_net.h"
#include "virtio_spec.h"

static void run_usage(FILE *f)
{
    fprintf(f,
            "usage: vdpu run [options]\n"
            "\n"
            "Enumerate the device like Linux (config scan, BAR sizing and assignment, capability walk,\n"
            "MSI-X setup), then run the workload with the control-plane firmware on the embedded CPU.\n"
            "Ends with a digest of the transaction log: same options and seed => same digest.\n"
            "\n"
            "engine and determinism:\n"
            "  -e, --engine ENGINE    model | rtl | cosim (default cosim: RTL checked against the model)\n"
            "  -s, --seed N           seed of every random choice (default 1); printed\n"
            "workload:\n"
            "  -w, --workload NAME    init (default): virtio init to DRIVER_OK, timeline, config interrupts\n"
            "                         discover: read the device's offer and config, raise a config interrupt\n"
            "                         random: discovery, then --accesses random legal/illegal accesses\n"
            "                         random-init: a random (legal and illegal) driver init sequence,\n"
            "                         then a clean init that must reach DRIVER_OK (firmware never wedges)\n"
            "                         net-tx | net-rx | net-loopback: init, then --packets frames through\n"
            "                         the queue engine, every frame checked (count, order, bytes); ends\n"
            "                         with the DMA table\n"
            "                         net-random: traffic with everything drawn from --seed (ring, queue\n"
            "                         size, frames, descriptor chains, rtt, TX/RX/loopback, prefetch and\n"
            "                         used batch unless given; a quarter of the seeds also reset the\n"
            "                         device once or twice mid-traffic, a fifth end over two queue pairs\n"
            "                         with receive steering), printed; every frame checked\n"
            "      --packets N        frames of a net-* workload (default 1000)\n"
            "      --pkt-size N|imix|random  frame bytes, 14..1514 (default 64); imix: 64/576/1500 in 7:4:1;\n"
            "                         random: uniform 14..1514 from the seed\n"
            "      --json FILE        write the DMA accounting and throughput as JSON (net-* workloads)\n"
            "      --rtt N            DMA read round trip in device cycles (default 200)\n"
            "      --intx             no MSI-X: the driver takes interrupts from INTx and the ISR\n"
            "      --prefetch N       queue engine: descriptors (packed) / ring entries (split) per read, 1..8\n"
            "      --used-batch N     queue engine: used elements per write-back (split rings; packed\n"
            "                         too with IN_ORDER), 1..8\n"
            "      --max-reads N      queue engine: TX payload reads outstanding per queue, 1..8 (default 1)\n"
            "      --coalesce F,C     queue interrupt coalescing: raise after F interrupts (1..255, 0: no\n"
            "                         limit) or C cycles after the first deferred one (1..16777215);\n"
            "                         default off\n"
            "      --rx-buf-size N    bytes per receive buffer, 12..4096 (default 2048); below 1526 frames\n"
            "                         span several buffers, which needs MRG_RXBUF (the device uses at\n"
            "                         most 16 per frame and drops a frame that needs more)\n"
            "      --ctrl LIST        control-queue commands sent after DRIVER_OK, before traffic (init and\n"
            "                         net-* workloads), in order, each must be acked OK: mac=XX:XX:XX:XX:XX:XX\n"
            "                         (MAC_ADDR_SET), promisc=0|1, allmulti=0|1 (CTRL_RX), pairs=N\n"
            "                         (VQ_PAIRS_SET); e.g. --ctrl mac=52:54:00:00:00:01,promisc=1,pairs=2\n"
            "      --pairs N          net-tx/rx/loopback over N queue pairs: VQ_PAIRS_SET N on the control\n"
            "                         queue (as --ctrl pairs=N, which alone does the same), then UDP flows\n"
            "                         spread over the N transmitqs by flow, receive buffers on all N\n"
            "                         receiveqs; checked per flow (count, order, bytes) and per receiveq:\n"
            "                         loopback frames on the receiveq paired with their transmitq, frames\n"
            "                         from the wire (unknown flows) on receiveq 0. Frames >= 60 bytes\n"
            "                         (the flow header)\n"
            "      --pcap-out FILE    write every frame the device transmits to a pcap file\n"
            "      --pcap-in FILE     send the frames of an Ethernet pcap (14..1514 bytes each) instead of\n"
            "                         generated ones; --packets defaults to the number of frames in it\n"
            "  -n, --accesses N       accesses of the random workload (default 10000)\n"
            "      --cycles N         keep running until cycle N after the workload (default: just past\n"
            "                         the last injected event)\n"
            "driver (host side):\n"
            "      --ring split|packed  ring layout the driver asks for (default split)\n"
            "      --queues N         virtqueues the driver sets up (default: all it negotiates)\n"
            "      --qsize N          queue size the driver asks for (default 256)\n"
            "device and firmware:\n"
            "      --fw FILE|builtin  firmware ELF for the embedded CPU (default build/fw/vdpu-fw.elf);\n"
            "                         builtin: the harness's pass-through firmware role, no CPU (control\n"
            "                         plane only: not for the net-* workloads)\n"
            "      --features LIST    offered features: spec names separated by commas (replace the\n"
            "                         default) or +NAME/-NAME (relative to it); e.g. -RING_PACKED,-MQ\n"
            "      --mac XX:XX:XX:XX:XX:XX   device MAC (default 52:3e:16:00:01:00)\n"
            "      --mtu N            device MTU (default 1500)\n"
            "      --max-qp N         max_virtqueue_pairs the device offers, 1..%u (default %u); with MQ the\n"
            "                         control queue follows the last pair\n"
            "      --link up|down     initial link status of the network port (default up)\n"
            "      --link-flap-at C   take the link down at cycle C and up again 2000 cycles later\n"
            "      --dp-error-at C    report an internal data-path error at cycle C (DEVICE_NEEDS_RESET)\n"
            "      --fw-verbose       firmware logs every control-plane step on its console ([fw] lines)\n"
            "      --fw-trace         one line per embedded-CPU instruction ([fw-cpu] ...)\n"
            "      --gdb PORT         serve GDB for the embedded CPU on 127.0.0.1:PORT; the CPU starts\n"
            "                         halted and all simulated time is frozen while it is halted\n"
            "      --gdb-stdio        the same on stdin/stdout (target remote | vdpu run ...); the\n"
            "                         simulator's own output then goes to stderr\n"
            "debugging:\n"
            "      --wave FILE        write an FST wave of the RTL (rtl and cosim engines)\n"
            "      --wave-from CYCLE  first cycle of the wave window (default 0)\n"
            "      --wave-to CYCLE    end of the wave window, exclusive (default: end of run)\n"
            "      --trace            print one line per port transaction ([txn] cyc=...)\n"
            "  -q, --quiet            no discovery report or timeline\n"
            "      --inject-fault F   test-only: make the model wrong (vendor-id | isr-noclear | msix-data)\n"
            "                         so cosim must report a mismatch\n"
            "  -h, --help             this text\n"
            "\n"
            "exit status: 0 clean run, 1 mismatch, refused init or failed check, 2 bad arguments\n",
            VDPU_MAX_QP, VDPU_CSR_NET_MAX_QP_RESET);
}

enum {
    OPT_WAVE = 256, OPT_WAVE_FROM, OPT_WAVE_TO, OPT_TRACE, OPT_FAULT, OPT_RING, OPT_QUEUES, OPT_QSIZE, OPT_FW,
    OPT_FEATURES, OPT_MAC, OPT_MTU, OPT_MAXQP, OPT_LINK, OPT_PACKETS, OPT_PKTSIZE, OPT_JSON, OPT_RTT, OPT_PREFETCH, OPT_BATCH,
    OPT_PCAP_OUT, OPT_INTX, OPT_PCAP_IN, OPT_FLAP, OPT_DPERR, OPT_FWVERB, OPT_FWTRACE, OPT_CYCLES, OPT_GDB, OPT_GDBSTDIO, OPT_CTRL, OPT_PAIRS,
    OPT_RXBUF, OPT_COAL, OPT_MAXRD,
};

static const struct option run_opts[] = {
    {"engine", required_argument, 0, 'e'},    {"seed", required_argument, 0, 's'},
    {"workload", required_argument, 0, 'w'},  {"accesses", required_argument, 0, 'n'},
    {"wave", required_argument, 0, OPT_WAVE}, {"wave-from", required_argument, 0, OPT_WAVE_FROM},
    {"wave-to", required_argument, 0, OPT_WAVE_TO}, {"trace", no_argument, 0, OPT_TRACE},
    {"quiet", no_argument, 0, 'q'},           {"inject-fault", required_argument, 0, OPT_FAULT},
    {"ring", required_argument, 0, OPT_RING}, {"queues", required_argument, 0, OPT_QUEUES},
    {"qsize", required_argument, 0, OPT_QSIZE}, {"fw", required_argument, 0, OPT_FW},
    {"features", required_argument, 0, OPT_FEATURES}, {"mac", required_argument, 0, OPT_MAC},
    {"mtu", required_argument, 0, OPT_MTU},   {"max-qp", required_argument, 0, OPT_MAXQP},   {"link", required_argument, 0, OPT_LINK},
    {"packets", required_argument, 0, OPT_PACKETS}, {"pkt-size", required_argument, 0, OPT_PKTSIZE},
    {"json", required_argument, 0, OPT_JSON}, {"rtt", required_argument, 0, OPT_RTT},
    {"prefetch", required_argument, 0, OPT_PREFETCH}, {"used-batch", required_argument, 0, OPT_BATCH},
    {"pcap-out", required_argument, 0, OPT_PCAP_OUT}, {"intx", no_argument, 0, OPT_INTX},
    {"ctrl", required_argument, 0, OPT_CTRL}, {"pairs", required_argument, 0, OPT_PAIRS},
    {"pcap-in", required_argument, 0, OPT_PCAP_IN},   {"link-flap-at", required_argument, 0, OPT_FLAP},
    {"dp-error-at", required_argument, 0, OPT_DPERR}, {"fw-verbose", no_argument, 0, OPT_FWVERB},
    {"fw-trace", no_argument, 0, OPT_FWTRACE}, {"cycles", required_argument, 0, OPT_CYCLES},
    {"gdb", required_argument, 0, OPT_GDB},   {"gdb-stdio", no_argument, 0, OPT_GDBSTDIO},
    {"rx-buf-size", required_argument, 0, OPT_RXBUF}, {"coalesce", required_argument, 0, OPT_COAL},
    {"max-reads", required_argument, 0, OPT_MAXRD},
    {"help", no_argument, 0, 'h'},            {0, 0, 0, 0},
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

static int hexval(char c) { return isdigit((unsigned char)c) ? c - '0' : isxdigit((unsigned char)c) ? (c | 0x20) - 'a' + 10 : -1; }

/* exactly XX:XX:XX:XX:XX:XX, hex digits only */
static bool parse_mac(const char *s, uint8_t mac[6])
{
    if (strlen(s) != 17) return false;
    for (int i = 0; i < 6; i++) {
        int h = hexval(s[3 * i]), l = hexval(s[3 * i + 1]);
        if (h < 0 || l < 0 || (i < 5 && s[3 * i + 2] != ':')) return false;
        mac[i] = (uint8_t)(h << 4 | l);
    }
    return true;
}

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

/* The queue pairs a --ctrl list leaves active: its last pairs=N (0: it sets none). The list was
 * checked by virtio_ctrl_check. */
static unsigned ctrl_pairs(const char *list)
{
    unsigned pairs = 0;
    for (const char *p = list; p && *p;) {
        if (!strncmp(p, "pairs=", 6)) pairs = (unsigned)strtoul(p + 6, NULL, 10);
        p = strchr(p, ',');
        if (p) p++;
    }
    return pairs;
}

int cmd_run(int argc, char **argv)
{
    struct vdpu_opts o;
    vdpu_opts_default(&o);
    struct run_cfg c = {.workload = "init", .accesses = 10000};
    c.net.packets = 1000;
    c.net.pkt_size = 64;
    drv_params_default(&c.drv);
    bool wave_to_set = false, wave_from_set = false, fw_builtin = false, gdb_stdio = false;
    bool drv_opts = false, accesses_set = false;
    uint64_t gdb_port = 0;
    const char *fw = NULL, *features = NULL;
    uint64_t v;
    char rerun[512], err[200], ctrl_buf[600];
    uint64_t pairs_opt = 0;

    optind = 1;
    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, ":e:s:w:n:qh", run_opts, NULL)) != -1) {
        switch (ch) {
        case 'e':
            if (!vdpu_engine_parse(optarg, &o.engine))
                return cli_usage_error("run", "unknown engine '%s' (model, rtl or cosim)", optarg);
            break;
        case 's': if (!cli_u64("run", "--seed", optarg, &o.seed)) return VDPU_EXIT_USAGE; break;
        case 'w':
            if (strcmp(optarg, "init") && strcmp(optarg, "discover") && strcmp(optarg, "random") &&
                strcmp(optarg, "random-init") && strcmp(optarg, "net-tx") && strcmp(optarg, "net-rx") &&
                strcmp(optarg, "net-loopback") && strcmp(optarg, "net-random"))
                return cli_usage_error("run", "unknown workload '%s' (init, discover, random, random-init, net-tx, "
                                              "net-rx, net-loopback, net-random)", optarg);
            c.workload = optarg;
            break;
        case 'n':
            if (!cli_u64("run", "--accesses", optarg, &c.accesses)) return VDPU_EXIT_USAGE;
            accesses_set = true;
            break;
        case OPT_CYCLES: if (!cli_u64("run", "--cycles", optarg, &c.until)) return VDPU_EXIT_USAGE; break;
        case OPT_WAVE: o.wave = optarg; break;
        case OPT_WAVE_FROM:
            if (!cli_u64("run", "--wave-from", optarg, &o.wave_from)) return VDPU_EXIT_USAGE;
            wave_from_set = true;
            break;
        case OPT_WAVE_TO:
            if (!cli_u64("run", "--wave-to", optarg, &o.wave_to)) return VDPU_EXIT_USAGE;
            wave_to_set = true;
            break;
        case OPT_TRACE: o.trace = stdout; break;
        case 'q': c.quiet = true; break;
        case OPT_FAULT:
            if (!parse_fault(optarg, &o.fault))
                return cli_usage_error("run", "unknown fault '%s' (vendor-id, isr-noclear, msix-data)", optarg);
            break;
        case OPT_RING:
            drv_opts = true;
            if (!strcmp(optarg, "split")) c.drv.ring = DRV_RING_SPLIT;
            else if (!strcmp(optarg, "packed")) c.drv.ring = DRV_RING_PACKED;
            else return cli_usage_error("run", "unknown ring layout '%s' (split or packed)", optarg);
            break;
        case OPT_QUEUES:
            drv_opts = true;
            if (!cli_u64("run", "--queues", optarg, &v)) return VDPU_EXIT_USAGE;
            if (v < 1 || v > VDPU_NUM_QUEUES)
                return cli_usage_error("run", "--queues must be 1..%u", VDPU_NUM_QUEUES);
            c.drv.queues = (unsigned)v;
            break;
        case OPT_QSIZE:
            drv_opts = true;
            if (!cli_u64("run", "--qsize", optarg, &v)) return VDPU_EXIT_USAGE;
            if (v < 1 || v > 32768) return cli_usage_error("run", "--qsize must be 1..32768");
            c.drv.qsize = (unsigned)v;
            break;
        case OPT_FW: fw = optarg; fw_builtin = !strcmp(optarg, "builtin"); break;
        case OPT_FEATURES: features = optarg; break;
        case OPT_MAC:
            if (!parse_mac(optarg, o.mac)) return cli_usage_error("run", "bad MAC '%s' (XX:XX:XX:XX:XX:XX)", optarg);
            break;
        case OPT_MTU:
            if (!cli_u64("run", "--mtu", optarg, &v)) return VDPU_EXIT_USAGE;
            if (v < 68 || v > 65535) return cli_usage_error("run", "--mtu must be 68..65535");
            o.mtu = (uint16_t)v;
            break;
        case OPT_MAXQP:
            if (!cli_u64("run", "--max-qp", optarg, &v)) return VDPU_EXIT_USAGE;
            if (v < 1 || v > VDPU_MAX_QP) return cli_usage_error("run", "--max-qp must be 1..%u", VDPU_MAX_QP);
            o.max_qp = (uint16_t)v;
            break;
        case OPT_PACKETS:
            if (!cli_u64("run", "--packets", optarg, &c.net.packets)) return VDPU_EXIT_USAGE;
            if (c.net.packets < 1) return cli_usage_error("run", "--packets must be at least 1");
            c.packets_set = true;
            c.net_opts = true;
            break;
        case OPT_PKTSIZE:
            c.net_opts = true;
            if (!strcmp(optarg, "imix")) {
                c.net.pkt_size = 0;
                break;
            }
            if (!strcmp(optarg, "random")) { /* uniform 14..1514, from the seed */
                c.net.pkt_size = 0;
                c.pkt_random = true;
                break;
            }
            if (!cli_u64("run", "--pkt-size", optarg, &v)) return VDPU_EXIT_USAGE;
            if (v < 14 || v > 1514) return cli_usage_error("run", "--pkt-size must be 14..1514, imix or random");
            c.net.pkt_size = (unsigned)v;
            break;
        case OPT_JSON: c.json = optarg; c.net_opts = true; break;
        case OPT_MAXRD:
            if (!cli_u64("run", "--max-reads", optarg, &v)) return VDPU_EXIT_USAGE;
            if (v < 1 || v > 8) return cli_usage_error("run", "--max-reads takes 1..8");
            o.max_reads = (unsigned)v;
            break;
        case OPT_COAL: {
            char *end;
            unsigned long f = strtoul(optarg, &end, 0), cy;
            if (end == optarg || *end != ',' || f > 255)
                return cli_usage_error("run", "--coalesce takes FRAMES,CYCLES (frames 0..255)");
            const char *cs = end + 1;
            cy = strtoul(cs, &end, 0);
            if (end == cs || *end || cy < 1 || cy > 0xffffff)
                return cli_usage_error("run", "--coalesce takes FRAMES,CYCLES (cycles 1..16777215)");
            o.coal_frames = (unsigned)f;
            o.coal_cycles = (unsigned)cy;
            break;
        }
        case OPT_RXBUF:
            if (!cli_u64("run", "--rx-buf-size", optarg, &v)) return VDPU_EXIT_USAGE;
            if (v < NET_HDR_LEN || v > NET_REGION) return cli_usage_error("run", "--rx-buf-size must be 12..4096");
            c.rx_buf_size = (unsigned)v;
            c.net_opts = true;
            break;
        case OPT_RTT:
            if (!cli_u64("run", "--rtt", optarg, &v)) return VDPU_EXIT_USAGE;
            if (v < 1 || v > 100000) return cli_usage_error("run", "--rtt must be 1..100000 cycles");
            c.rtt = (unsigned)v;
            break;
        case OPT_PREFETCH:
        case OPT_BATCH:
            if (!cli_u64("run", ch == OPT_PREFETCH ? "--prefetch" : "--used-batch", optarg, &v)) return VDPU_EXIT_USAGE;
            if (v < 1 || v > 8) return cli_usage_error("run", "--prefetch and --used-batch take 1..8");
            if (ch == OPT_PREFETCH) o.prefetch = (unsigned)v;
            else o.used_batch = (unsigned)v;
            break;
        case OPT_PCAP_OUT: c.pcap_out = optarg; break;
        case OPT_PCAP_IN: c.pcap_in = optarg; break;
        case OPT_INTX: c.drv.use_msix = false; break;
        case OPT_LINK:
            if (!strcmp(optarg, "up")) o.link_up = true;
            else if (!strcmp(optarg, "down")) o.link_up = false;
            else return cli_usage_error("run", "--link must be up or down, not '%s'", optarg);
            break;
        case OPT_FLAP:
            if (!cli_u64("run", "--link-flap-at", optarg, &c.flap_at)) return VDPU_EXIT_USAGE;
            c.flap = true;
            break;
        case OPT_DPERR:
            if (!cli_u64("run", "--dp-error-at", optarg, &c.dperr_at)) return VDPU_EXIT_USAGE;
            c.dperr = true;
            break;
        case OPT_FWVERB: o.fw_verbose = true; break;
        case OPT_FWTRACE: o.fw_trace = stdout; break;
        case OPT_GDB:
            if (!cli_u64("run", "--gdb", optarg, &gdb_port)) return VDPU_EXIT_USAGE;
            if (gdb_port < 1 || gdb_port > 65535) return cli_usage_error("run", "--gdb port must be 1..65535");
            break;
        case OPT_GDBSTDIO: gdb_stdio = true; break;
        case OPT_CTRL: {
            const char *bad = virtio_ctrl_check(optarg);
            if (bad) return cli_usage_error("run", "%s", bad);
            c.ctrl = optarg;
            break;
        }
        case OPT_PAIRS:
            if (!cli_u64("run", "--pairs", optarg, &pairs_opt)) return VDPU_EXIT_USAGE;
            if (pairs_opt < 1 || pairs_opt > NET_MQ_MAX_PAIRS)
                return cli_usage_error("run", "--pairs must be 1..%u", NET_MQ_MAX_PAIRS);
            break;
        case 'h': run_usage(stdout); return VDPU_EXIT_OK;
        case ':': return cli_usage_error("run", "option %s needs a value", argv[optind - 1]);
        default: return cli_usage_error("run", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc) return cli_usage_error("run", "unexpected argument '%s'", argv[optind]);
    if (o.wave && o.engine == VDPU_ENGINE_MODEL)
        return cli_usage_error("run", "--wave needs the rtl or cosim engine (the model has no signals)");
    /* options that would be silently ignored are errors */
    if ((wave_from_set || wave_to_set) && !o.wave) return cli_usage_error("run", "--wave-from/--wave-to need --wave FILE");
    bool net = !strncmp(c.workload, "net-", 4);
    if (!strcmp(c.workload, "net-random") && (c.net_opts || drv_opts || c.rtt))
        return cli_usage_error("run", "net-random draws frames, ring, queue size and rtt from --seed: no "
                                      "--packets/--pkt-size/--json/--ring/--queues/--qsize/--rtt");
    if ((c.net_opts || c.pcap_out || c.pcap_in) && !net)
        return cli_usage_error("run", "--packets/--pkt-size/--json/--pcap-in/--pcap-out are for the net-* workloads");
    if (pairs_opt) { /* --pairs N: VQ_PAIRS_SET N after the --ctrl commands (the driver's own last word) */
        unsigned cp = ctrl_pairs(c.ctrl);
        if (!net || !strcmp(c.workload, "net-random"))
            return cli_usage_error("run", "--pairs is for net-tx, net-rx and net-loopback");
        if (cp && cp != pairs_opt) return cli_usage_error("run", "--pairs %llu contradicts --ctrl pairs=%u",
                                                          (unsigned long long)pairs_opt, cp);
        if (!cp) {
            snprintf(ctrl_buf, sizeof ctrl_buf, "%s%spairs=%llu", c.ctrl ? c.ctrl : "", c.ctrl ? "," : "",
                     (unsigned long long)pairs_opt);
            c.ctrl = ctrl_buf;
        }
    }
    c.pairs = ctrl_pairs(c.ctrl);
    if (c.pairs > o.max_qp)
        return cli_usage_error("run", "%u queue pairs asked for, but the device offers max_virtqueue_pairs %u (--max-qp)",
                               c.pairs, o.max_qp);
    if (net && c.pairs > NET_MQ_MAX_PAIRS)
        return cli_usage_error("run", "the net driver handles at most %u queue pairs", NET_MQ_MAX_PAIRS);
    if (net && c.pairs > 1) {
        if (c.pcap_in) return cli_usage_error("run", "--pcap-in sends fixed frames; with several pairs the driver "
                                                     "generates flows (no --pcap-in)");
        if (c.rx_buf_size)
            return cli_usage_error("run", "--rx-buf-size is for one queue pair: the multiqueue driver posts "
                                          "full-size receive buffers");
        if (!c.pkt_random && c.net.pkt_size && c.net.pkt_size < NET_MQ_MIN_FRAME)
            return cli_usage_error("run", "with several pairs frames carry IPv4/UDP flows: --pkt-size must be >= %u",
                                   NET_MQ_MIN_FRAME);
    }
    if (c.pcap_in) {
        if (pcap_frames_load(c.pcap_in, 1514, &c.replay, err, sizeof err)) {
            fprintf(stderr, "vdpu run: %s\n", err);
            return VDPU_EXIT_USAGE;
        }
        if (!c.packets_set) c.net.packets = c.replay.n;
    }
    if (drv_opts && strcmp(c.workload, "init") && !net)
        return cli_usage_error("run", "--ring/--queues/--qsize shape the init workload, not '%s'", c.workload);
    if (accesses_set && strcmp(c.workload, "random"))
        return cli_usage_error("run", "--accesses is for --workload random");
    if (wave_to_set && o.wave_to <= o.wave_from)
        return cli_usage_error("run", "--wave-to must be greater than --wave-from");
    if (o.fault && o.engine == VDPU_ENGINE_RTL)
        return cli_usage_error("run", "--inject-fault changes the model; use --engine model or cosim");
    if (features) {
        uint32_t def[4], sup[4];
        memcpy(def, o.features, sizeof def);
        memcpy(sup, o.features, sizeof sup); /* the reset offer is everything the device implements */
        if (virtio_features_parse(features, def, sup, o.features, err, sizeof err))
            return cli_usage_error("run", "--features: %s", err);
    }
    if (strcmp(c.workload, "init") && strcmp(c.workload, "random-init") && !net) {
        /* register-level workloads play firmware themselves (HOST_IRQ, random CSR traffic) */
        if (fw && !fw_builtin)
            return cli_usage_error("run", "workload %s drives the firmware port itself: it runs with --fw builtin",
                                   c.workload);
        fw_builtin = true;
    }
    if (fw_builtin && net)
        return cli_usage_error("run", "the builtin firmware role has no data plane (it never enables the queue "
                                      "engine): net-* workloads need the firmware ELF");
    if (fw_builtin && (o.fw_verbose || o.fw_trace))
        return cli_usage_error("run", "--fw-verbose/--fw-trace need real firmware, not the builtin role");
    if (!fw_builtin) {
        o.fw_path = fw ? fw : vdpu_default_fw_path();
        if (!o.fw_path) return cli_usage_error("run", "no firmware: build/fw/vdpu-fw.elf is missing (run make, or --fw builtin)");
        struct elf_image probe; /* a bad ELF is a bad argument: say so before anything runs */
        memset(&probe, 0, sizeof probe);
        if (elf_load(o.fw_path, &probe, err, sizeof err)) {
            fprintf(stderr, "vdpu run: %s\n", err);
            return VDPU_EXIT_USAGE;
        }
        elf_free(&probe);
    }
    if ((gdb_port || gdb_stdio) && fw_builtin)
        return cli_usage_error("run", "--gdb debugs the embedded CPU: it needs real firmware, not --fw builtin");
    if (gdb_port && gdb_stdio) return cli_usage_error("run", "use either --gdb PORT or --gdb-stdio");
    if (o.wave) {
        FILE *t = fopen(o.wave, "w");
        if (!t) return cli_usage_error("run", "cannot write wave file '%s'", o.wave);
        fclose(t);
    }
    uint64_t last_event = c.flap ? c.flap_at + 2000 : 0;
    if (c.dperr && c.dperr_at > last_event) last_event = c.dperr_at;
    if (!c.until && last_event) c.until = last_event + 20000;
    /* the rerun hint of a mismatch report: this very command line, with the seed made explicit */
    size_t at = (size_t)snprintf(rerun, sizeof rerun, "vdpu run --seed %llu", (unsigned long long)o.seed);
    for (int i = 1; i < argc && at < sizeof rerun; i++)
        if (strcmp(argv[i], "--seed") && strcmp(argv[i], "-s") && (i == 1 || (strcmp(argv[i - 1], "--seed") &&
                                                                              strcmp(argv[i - 1], "-s"))) &&
            strncmp(argv[i], "--seed=", 7))
            at += (size_t)snprintf(rerun + at, sizeof rerun - at, " %s", argv[i]);
    o.rerun = rerun;

    pcap_sink_t *pcap = NULL;
    if (c.pcap_out && !(pcap = pcap_sink_open(c.pcap_out, err, sizeof err))) {
        fprintf(stderr, "vdpu run: %s\n", err);
        return VDPU_EXIT_USAGE;
    }
    struct gdb_ctx g = {0};
    if (gdb_stdio) g.stub = gdb_stub_stdio(); /* before any output: it moves our stdout to stderr */
    if (!strcmp(c.workload, "net-random")) netrand_session_opts(o.seed, &o); /* the seed's ENG_PARAM */
    printf("vdpu run: engine %s, seed %llu, workload %s, firmware %s\n", vdpu_engine_name(o.engine),
           (unsigned long long)o.seed, c.workload, o.fw_path ? o.fw_path : "builtin");
    vdpu_session_t s;
    if (vdpu_session_open(&s, &o)) {
        pcap_sink_close(pcap);
        return VDPU_EXIT_FAIL;
    }
    if (gdb_port) {
        g.stub = gdb_stub_listen_tcp((uint16_t)gdb_port, err, sizeof err);
        if (!g.stub) {
            fprintf(stderr, "vdpu run: %s\n", err);
            vdpu_session_close(&s);
            return VDPU_EXIT_FAIL;
        }
    }
    if (g.stub) {
        g.soc = s.soc;
        g.bus = &s.bus;
        struct gdb_target tgt = {s.soc, &s.soc->cpu, gdb_mem_read, gdb_mem_write};
        gdb_stub_attach(g.stub, &tgt);
        s.soc->cpu.debug_ebreak = true;
        s.soc->before_step = gdb_hook;
        s.soc->before_step_ctx = &g;
    }
    FILE *rep = c.quiet ? NULL : stdout;
    struct injector inj = {&c, NULL};
    s.bus.on_cycle = run_inject;
    s.bus.on_cycle_ctx = &inj;
    int rc = pci_enumerate(&s.bus, VDPU_MMIO_BASE, &s.pci, rep);
    if (!rc && c.drv.use_msix) rc = pci_msix_setup(&s.bus, &s.pci, rep);
    if (c.rtt) s.bus.link.p.rtt = c.rtt;
    if (pcap) {
        s.bus.net.tap = pcap_sink_frame;
        s.bus.net.tap_ctx = pcap;
    }
    if (!rc && !strcmp(c.workload, "net-random")) {
        rc = netrand_workload(&s, o.seed, stdout);
    } else if (!rc && net) {
        c.net.seed = o.seed;
        c.net.workload = !strcmp(c.workload, "net-tx") ? NET_TX : !strcmp(c.workload, "net-rx") ? NET_RX : NET_LOOPBACK;
        rc = run_workload_net(&s, &c, &o, &inj, rep);
    } else if (!rc && !strcmp(c.workload, "init")) {
        rc = run_workload_init(&s, &c, &inj, rep);
    } else if (!rc && !strcmp(c.workload, "random-init")) {
        struct randinit_stats st;
        rc = randinit_run(&s, o.seed, &st);
        static const char *const res[] = {"DRIVER_OK", "refused"};
        printf("random-init: %u random accesses, randomized init %s%s%s, clean init %s\n", st.actions,
               st.first >= 0 ? res[st.first] : "FAILED", st.first == DRV_REFUSED ? ": " : "", st.refusal,
               st.recovery >= 0 ? res[st.recovery] : "FAILED");
        run_events(&s, NULL, &c);
    } else if (!rc) {
        struct virtio_disc_result vr;
        rc = virtio_discover(&s, &vr, rep);
        if (!rc && !strcmp(c.workload, "random")) {
            struct randacc_stats st = {0};
            rc = randacc_run(&s, o.seed, c.accesses, &st);
            printf("random: %llu accesses (%llu config, %llu BAR; %llu reads, %llu writes), %llu firmware CSR ops, "
                   "%llu UR\n",
                   (unsigned long long)st.accesses, (unsigned long long)st.cfg, (unsigned long long)st.mem,
                   (unsigned long long)st.reads, (unsigned long long)st.writes, (unsigned long long)st.fw_ops,
                   (unsigned long long)st.ur);
        }
        run_events(&s, NULL, &c);
    }
    bool clean = vdpu_session_finish(&s) && rc == 0;
    uint64_t ndiag = 0;
    for (unsigned i = 0; i < VDPU_DIAG_COUNT; i++) ndiag += s.bus.diag_count[i];
    printf("cycles %llu (%.3f us at 250 MHz), transactions %llu, diagnostics %llu, MSI-X messages %llu\n",
           (unsigned long long)s.bus.dev->cycle, (double)s.bus.dev->cycle / 250.0, (unsigned long long)s.bus.ntxn,
           (unsigned long long)ndiag, (unsigned long long)s.mem.msi_total);
    if (s.soc)
        printf("firmware: %llu instructions, %llu CSR reads, %llu CSR writes\n",
               (unsigned long long)s.soc->cpu.retired, (unsigned long long)s.soc->csr_reads,
               (unsigned long long)s.soc->csr_writes);
    if (ndiag) {
        printf("diagnostics by code:");
        for (unsigned i = 0; i < VDPU_DIAG_COUNT; i++)
            if (s.bus.diag_count[i]) printf(" %s=%llu", vdpu_diag_names[i], (unsigned long long)s.bus.diag_count[i]);
        printf("\n");
    }
    if (s.bus.stopped) fprintf(stderr, "vdpu run: stopped: %s\n", s.bus.stop_reason);
    printf("digest %016llx seed %llu engine %s\n", (unsigned long long)s.bus.digest, (unsigned long long)o.seed,
           vdpu_engine_name(o.engine));
    if (pcap) {
        printf("pcap: %llu frames written to %s\n", (unsigned long long)pcap_sink_frames(pcap), c.pcap_out);
        pcap_sink_close(pcap);
    }
    printf("result: %s\n", clean ? "PASS" : "FAIL");
    fflush(stdout);
    if (g.stub) {
        gdb_stub_report_exit(g.stub, clean ? 0 : 1);
        gdb_stub_close(g.stub);
    }
    vdpu_session_close(&s);
    pcap_frames_free(&c.replay);
    return clean ? VDPU_EXIT_OK : VDPU_EXIT_FAIL;
}

/* run_args.c - `vdpu run`: usage, option parsing and the cross-checks that make ignored options errors. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "run_args.h"
#include "virtio_ctrl.h"
#include "virtio_net_mq.h"
#include "virtio_spec.h"

void run_usage(FILE *f)
{
    fprintf(f,
            "usage: vdpu run [options]\n"
            "\n"
            "Enumerate the device like Linux (config scan, BAR sizing and assignment, capability walk,\n"
            "MSI-X setup), then run the workload with the control-plane firmware on the embedded CPU.\n"
            "Ends with a digest of the transaction log: same options and seed => same digest.\n"
            "\n"
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
            "                         with receive steering, a sixth start with a PCIe fault the device\n"
            "                         must answer with DEVICE_NEEDS_RESET, see --pcie-fault), printed;\n"
            "                         every frame checked\n"
            "      --fcov FILE        net-random: functional coverage db (JSON, created if missing): the\n"
            "                         seed is steered to the one of 8 derived from it that hits the most\n"
            "                         bins the db lacks (printed: it alone reproduces the run), and the\n"
            "                         run's bins are added (vdpu fcov FILE prints the table)\n"
            "      --packets N        frames of a net-* workload, 1..1000000000 (default 1000)\n"
            "      --pkt-size N|imix|random  frame bytes, 14..1514 (default 64); imix: 64/576/1500 in 7:4:1;\n"
            "                         random: uniform 14..1514 from the seed\n"
            "      --json FILE        write the DMA accounting and throughput as JSON (net-* workloads)\n"
            "      --intx             no MSI-X: the driver takes interrupts from INTx and the ISR\n"
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
            "      --link-flap-at C   take the link down at cycle C and up again 2000 cycles later\n"
            "      --dp-error-at C    report an internal data-path error at cycle C (DEVICE_NEEDS_RESET)\n"
            "      --migrate-at C[,C...]  live-migrate the device during net-tx/rx/loopback traffic at these\n"
            "                         cycles (ascending, at most 8): stop, save the state, a fresh device\n"
            "                         with freshly booted firmware, restore, run (docs/migration.md); the\n"
            "                         driver notices nothing and every frame is still checked\n"
            "      --migrate-to E[,E...]  the engine of each new device, model|rtl|cosim (one name: all;\n"
            "                         default: rtl from model, model from rtl, cosim from cosim)\n"
            "      --state-out FILE   write the device state each migration moves to FILE (the last one\n"
            "                         stays; vdpu state FILE prints it)\n"
            "      --migrate-rounds N pre-copy first, 1..16 rounds 10000 cycles apart, with the device's\n"
            "                         dirty page log; after the stop the copy must equal the source\n"
            "                         memory byte for byte (default 0: stop and switch at once)\n"
            "      --checkpoint FILE  save the whole run (device, host memory, link, network port, firmware\n"
            "                         CPU, driver model, generators) to FILE; net-tx/rx/loopback traffic,\n"
            "                         not with --migrate-at or --wave (docs/migration.md)\n"
            "      --checkpoint-at C  ... at the traffic's first turn at or after cycle C; the run goes on\n"
            "      --restore FILE     go on from a checkpoint, bit-exactly (the same transactions and digest\n"
            "                         as the run that saved it); the options come from FILE: only -q, --json,\n"
            "                         --pcap-out (frames from the restore on) and --checkpoint/-at go with it\n"
            "                         (cycles: at most 2^48 = 281474976710656, 13 days at 250 MHz)\n"
            "driver (host side):\n"
            "      --ring split|packed  ring layout the driver asks for (default split)\n"
            "      --queues N         virtqueues the driver sets up (default: all it negotiates)\n"
            "      --qsize N          queue size the driver asks for (default 256)\n"
            "firmware debugging:\n"
            "      --gdb PORT         serve GDB for the embedded CPU on 127.0.0.1:PORT; the CPU starts\n"
            "                         halted and all simulated time is frozen while it is halted\n"
            "      --gdb-stdio        the same on stdin/stdout (target remote | vdpu run ...); the\n"
            "                         simulator's own output then goes to stderr\n"
            "  -q, --quiet            no discovery report or timeline\n"
            "  -h, --help             this text\n");
    dev_args_usage(f);
    fprintf(f, "\nexit status: 0 clean run, 1 mismatch, refused init, failed check or an output not written, 2 bad\n"
               "arguments, 128+N stopped by signal N (SIGINT, SIGTERM: what was measured is written)\n");
}

static int parse_migrate_at(const char *arg, struct run_args *a);
static int parse_migrate_to(const char *arg, struct run_args *a);

enum {
    OPT_RING = DEV_OPT_END, OPT_QUEUES, OPT_QSIZE, OPT_PACKETS, OPT_PKTSIZE, OPT_JSON, OPT_PCAP_OUT,
    OPT_INTX, OPT_PCAP_IN, OPT_FLAP, OPT_DPERR, OPT_CYCLES, OPT_GDB, OPT_GDBSTDIO, OPT_CTRL, OPT_PAIRS, OPT_RXBUF,
    OPT_FCOV, OPT_MIGRATE_AT, OPT_MIGRATE_TO, OPT_MIGRATE_ROUNDS, OPT_STATE_OUT, OPT_CKPT, OPT_CKPT_AT, OPT_RESTORE,
};

static const struct option run_opts[] = {
    DEV_ARGS_LONGOPTS,
    {"workload", required_argument, 0, 'w'},  {"accesses", required_argument, 0, 'n'},
    {"quiet", no_argument, 0, 'q'},
    {"ring", required_argument, 0, OPT_RING}, {"queues", required_argument, 0, OPT_QUEUES},
    {"qsize", required_argument, 0, OPT_QSIZE},
    {"packets", required_argument, 0, OPT_PACKETS}, {"pkt-size", required_argument, 0, OPT_PKTSIZE},
    {"json", required_argument, 0, OPT_JSON},
    {"pcap-out", required_argument, 0, OPT_PCAP_OUT}, {"intx", no_argument, 0, OPT_INTX},
    {"migrate-at", required_argument, 0, OPT_MIGRATE_AT}, {"migrate-to", required_argument, 0, OPT_MIGRATE_TO},
    {"migrate-rounds", required_argument, 0, OPT_MIGRATE_ROUNDS}, {"state-out", required_argument, 0, OPT_STATE_OUT},
    {"ctrl", required_argument, 0, OPT_CTRL}, {"pairs", required_argument, 0, OPT_PAIRS},
    {"pcap-in", required_argument, 0, OPT_PCAP_IN},   {"link-flap-at", required_argument, 0, OPT_FLAP},
    {"dp-error-at", required_argument, 0, OPT_DPERR}, {"cycles", required_argument, 0, OPT_CYCLES},
    {"gdb", required_argument, 0, OPT_GDB},   {"gdb-stdio", no_argument, 0, OPT_GDBSTDIO},
    {"rx-buf-size", required_argument, 0, OPT_RXBUF}, {"fcov", required_argument, 0, OPT_FCOV},
    {"checkpoint", required_argument, 0, OPT_CKPT}, {"checkpoint-at", required_argument, 0, OPT_CKPT_AT},
    {"restore", required_argument, 0, OPT_RESTORE},
    {"help", no_argument, 0, 'h'},            {0, 0, 0, 0},
};

static bool known_workload(const char *w)
{
    static const char *const names[] = {"init", "discover", "random", "random-init", "net-tx", "net-rx",
                                        "net-loopback", "net-random"};
    for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(w, names[i])) return true;
    return false;
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

/* net-rx/net-loopback --pcap-in: every frame must pass the device's receive filter as the run leaves
 * it (the device MAC, --ctrl mac=/promisc=/allmulti=; broadcast always, multicast with allmulti, on
 * by default), or the driver would wait for frames the device dropped. -1 to go on. */
static int check_rx_filter(struct run_args *a)
{
    struct run_cfg *c = &a->c;
    uint8_t mac[6];
    memcpy(mac, a->dev.o.mac, 6);
    bool promisc = false, allmulti = true;
    virtio_ctrl_rx_state(c->ctrl, mac, &promisc, &allmulti);
    if (promisc) return -1;
    for (size_t i = 0; i < c->replay.n; i++) {
        const uint8_t *d = c->replay.data[i];
        bool bcast = true;
        for (unsigned k = 0; k < 6; k++) bcast = bcast && d[k] == 0xff;
        if (bcast || ((d[0] & 1) && allmulti) || !memcmp(d, mac, 6)) continue;
        return cli_usage_error("run", "frame %zu of %s is addressed to %02x:%02x:%02x:%02x:%02x:%02x: the device's "
                                      "receive filter would drop it (the device MAC is %02x:%02x:%02x:%02x:%02x:%02x%s; "
                                      "--ctrl promisc=1 accepts every frame)",
                               i + 1, c->pcap_in, d[0], d[1], d[2], d[3], d[4], d[5], mac[0], mac[1], mac[2], mac[3],
                               mac[4], mac[5], d[0] & 1 ? ", multicast needs allmulti=1" : "");
    }
    return -1;
}

/* One run-specific option: -1 to go on, else the exit status. */
static int run_option(int ch, const char *arg, struct run_args *a)
{
    struct run_cfg *c = &a->c;
    uint64_t v;
    switch (ch) {
    case 'w':
        if (!known_workload(arg))
            return cli_usage_error("run", "unknown workload '%s' (init, discover, random, random-init, net-tx, "
                                          "net-rx, net-loopback, net-random)", arg);
        c->workload = arg;
        break;
    case 'n':
        if (!cli_u64("run", "--accesses", arg, &c->accesses)) return VDPU_EXIT_USAGE;
        a->accesses_set = true;
        break;
    case OPT_CYCLES: if (!cli_u64_range("run", "--cycles", arg, 0, CLI_MAX_CYCLE, &c->until)) return VDPU_EXIT_USAGE; break;
    case 'q': c->quiet = true; break;
    case OPT_RING:
        a->drv_opts = true;
        if (!strcmp(arg, "split")) c->drv.ring = DRV_RING_SPLIT;
        else if (!strcmp(arg, "packed")) c->drv.ring = DRV_RING_PACKED;
        else return cli_usage_error("run", "unknown ring layout '%s' (split or packed)", arg);
        break;
    case OPT_QUEUES:
        a->drv_opts = true;
        if (!cli_u64("run", "--queues", arg, &v)) return VDPU_EXIT_USAGE;
        if (v < 1 || v > VDPU_NUM_QUEUES) return cli_usage_error("run", "--queues must be 1..%u", VDPU_NUM_QUEUES);
        c->drv.queues = (unsigned)v;
        a->queues_set = true;
        break;
    case OPT_QSIZE:
        a->drv_opts = true;
        if (!cli_u64("run", "--qsize", arg, &v)) return VDPU_EXIT_USAGE;
        if (v < 1 || v > 32768) return cli_usage_error("run", "--qsize must be 1..32768");
        c->drv.qsize = (unsigned)v;
        break;
    case OPT_PACKETS:
        if (!cli_u64_range("run", "--packets", arg, 1, RUN_MAX_PACKETS, &c->net.packets)) return VDPU_EXIT_USAGE;
        c->packets_set = true;
        c->net_opts = true;
        break;
    case OPT_PKTSIZE:
        c->net_opts = true;
        a->pkt_size_set = true;
        if (!strcmp(arg, "imix")) {
            c->net.pkt_size = 0;
            break;
        }
        if (!strcmp(arg, "random")) { /* uniform 14..1514, from the seed */
            c->net.pkt_size = 0;
            c->pkt_random = true;
            break;
        }
        if (!cli_u64("run", "--pkt-size", arg, &v)) return VDPU_EXIT_USAGE;
        if (v < 14 || v > 1514) return cli_usage_error("run", "--pkt-size must be 14..1514, imix or random");
        c->net.pkt_size = (unsigned)v;
        break;
    case OPT_JSON: c->json = arg; c->net_opts = true; break;
    case OPT_FCOV: c->fcov = arg; break;
    case OPT_RXBUF:
        if (!cli_u64("run", "--rx-buf-size", arg, &v)) return VDPU_EXIT_USAGE;
        if (v < NET_HDR_LEN || v > NET_REGION) return cli_usage_error("run", "--rx-buf-size must be 12..4096");
        c->rx_buf_size = (unsigned)v;
        c->net_opts = true;
        break;
    case OPT_PCAP_OUT: c->pcap_out = arg; break;
    case OPT_PCAP_IN: c->pcap_in = arg; break;
    case OPT_INTX: c->drv.use_msix = false; break;
    case OPT_FLAP:
        if (!cli_u64_range("run", "--link-flap-at", arg, 0, CLI_MAX_CYCLE, &c->flap_at)) return VDPU_EXIT_USAGE;
        c->flap = true;
        break;
    case OPT_MIGRATE_AT: return parse_migrate_at(arg, a);
    case OPT_MIGRATE_TO: return parse_migrate_to(arg, a);
    case OPT_STATE_OUT: c->state_out = arg; break;
    case OPT_CKPT: c->checkpoint = arg; break;
    case OPT_CKPT_AT:
        if (!cli_u64_range("run", "--checkpoint-at", arg, 0, CLI_MAX_CYCLE, &c->checkpoint_at)) return VDPU_EXIT_USAGE;
        a->checkpoint_at_set = true;
        break;
    case OPT_RESTORE: a->restore = arg; break;
    case OPT_MIGRATE_ROUNDS:
        if (!cli_u64_range("run", "--migrate-rounds", arg, 0, 16, &v)) return VDPU_EXIT_USAGE;
        c->migrate_rounds = (unsigned)v;
        break;
    case OPT_DPERR:
        if (!cli_u64_range("run", "--dp-error-at", arg, 0, CLI_MAX_CYCLE, &c->dperr_at)) return VDPU_EXIT_USAGE;
        c->dperr = true;
        break;
    case OPT_GDB:
        if (!cli_u64("run", "--gdb", arg, &a->gdb_port)) return VDPU_EXIT_USAGE;
        if (a->gdb_port < 1 || a->gdb_port > 65535) return cli_usage_error("run", "--gdb port must be 1..65535");
        break;
    case OPT_GDBSTDIO: a->gdb_stdio = true; break;
    case OPT_CTRL: {
        const char *bad = virtio_ctrl_check(arg);
        if (bad) return cli_usage_error("run", "%s", bad);
        c->ctrl = arg;
        break;
    }
    case OPT_PAIRS:
        if (!cli_u64("run", "--pairs", arg, &a->pairs_opt)) return VDPU_EXIT_USAGE;
        if (a->pairs_opt < 1 || a->pairs_opt > NET_MQ_MAX_PAIRS)
            return cli_usage_error("run", "--pairs must be 1..%u", NET_MQ_MAX_PAIRS);
        break;
    }
    return -1;
}

/* --pairs N joins the --ctrl list as its last pairs=N (the driver's own last word). */
static int merge_pairs(struct run_args *a, bool net)
{
    struct run_cfg *c = &a->c;
    if (a->pairs_opt) {
        unsigned cp = ctrl_pairs(c->ctrl);
        if (!net || !strcmp(c->workload, "net-random"))
            return cli_usage_error("run", "--pairs is for net-tx, net-rx and net-loopback");
        if (cp && cp != a->pairs_opt)
            return cli_usage_error("run", "--pairs %llu contradicts --ctrl pairs=%u", (unsigned long long)a->pairs_opt, cp);
        if (!cp) {
            if (asprintf(&a->ctrl_buf, "%s%spairs=%llu", c->ctrl ? c->ctrl : "", c->ctrl ? "," : "",
                         (unsigned long long)a->pairs_opt) < 0) {
                a->ctrl_buf = NULL;
                fprintf(stderr, "vdpu run: out of memory\n");
                return VDPU_EXIT_FAIL;
            }
            c->ctrl = a->ctrl_buf;
        }
    }
    c->pairs = ctrl_pairs(c->ctrl);
    return -1;
}

/* Options that would be silently ignored, or contradict each other, are usage errors. */
/* --migrate-at C[,C...]: ascending cycles, at most RUN_MAX_MIGRATIONS */
static int parse_migrate_at(const char *arg, struct run_args *a)
{
    struct run_cfg *c = &a->c;
    char buf[512], *save = NULL;
    if (strlen(arg) >= sizeof buf) return cli_usage_error("run", "--migrate-at: list too long");
    strcpy(buf, arg);
    c->migrations = 0;
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (c->migrations == RUN_MAX_MIGRATIONS)
            return cli_usage_error("run", "--migrate-at: at most %u migrations", RUN_MAX_MIGRATIONS);
        uint64_t v;
        if (!cli_u64_range("run", "--migrate-at", t, 1, CLI_MAX_CYCLE, &v)) return VDPU_EXIT_USAGE;
        if (c->migrations && v <= c->migrate_at[c->migrations - 1])
            return cli_usage_error("run", "--migrate-at: cycles must ascend (%llu after %llu)", (unsigned long long)v,
                                   (unsigned long long)c->migrate_at[c->migrations - 1]);
        c->migrate_at[c->migrations++] = v;
    }
    if (!c->migrations) return cli_usage_error("run", "--migrate-at needs at least one cycle");
    return -1;
}

/* --migrate-to E[,E...]: engine names, kept in a->migrate_to until run_check matches them to the points */
static int parse_migrate_to(const char *arg, struct run_args *a)
{
    char buf[256], *save = NULL;
    if (strlen(arg) >= sizeof buf) return cli_usage_error("run", "--migrate-to: list too long");
    strcpy(buf, arg);
    a->migrate_to_n = 0;
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (a->migrate_to_n == RUN_MAX_MIGRATIONS)
            return cli_usage_error("run", "--migrate-to: at most %u engines", RUN_MAX_MIGRATIONS);
        if (!vdpu_engine_parse(t, &a->migrate_to[a->migrate_to_n]))
            return cli_usage_error("run", "--migrate-to: unknown engine '%s' (model, rtl or cosim)", t);
        a->migrate_to_n++;
    }
    if (!a->migrate_to_n) return cli_usage_error("run", "--migrate-to needs an engine");
    return -1;
}

/* --checkpoint / --checkpoint-at: where a checkpoint can be taken */
static int check_checkpoint(struct run_args *a, bool net)
{
    struct run_cfg *c = &a->c;
    if (!c->checkpoint && !a->checkpoint_at_set) return -1;
    if (!c->checkpoint || !a->checkpoint_at_set) return cli_usage_error("run", "--checkpoint and --checkpoint-at go together");
    if (!net || !strcmp(c->workload, "net-random"))
        return cli_usage_error("run", "--checkpoint is for net-tx, net-rx and net-loopback");
    if (c->migrations) return cli_usage_error("run", "--checkpoint and --migrate-at: not in one run");
    if (a->dev.o.wave) return cli_usage_error("run", "--checkpoint and --wave: the traced RTL model cannot be saved");
    return -1;
}

/* the destination engines of the --migrate-at points */
static int check_migrations(struct run_args *a, bool net)
{
    struct run_cfg *c = &a->c;
    if (!c->migrations) {
        if (a->migrate_to_n || c->migrate_rounds || c->state_out)
            return cli_usage_error("run", "--migrate-to, --migrate-rounds and --state-out need --migrate-at");
        return -1;
    }
    if (!net || !strcmp(c->workload, "net-random"))
        return cli_usage_error("run", "--migrate-at is for net-tx, net-rx and net-loopback");
    if (c->pairs > 1) return cli_usage_error("run", "--migrate-at: one queue pair only (no --pairs)");
    if (a->migrate_to_n > 1 && a->migrate_to_n != c->migrations)
        return cli_usage_error("run", "--migrate-to names %u engines for %u --migrate-at points (give one, or one each)",
                               a->migrate_to_n, c->migrations);
    enum vdpu_engine e = a->dev.o.engine;
    for (unsigned i = 0; i < c->migrations; i++) {
        if (a->migrate_to_n) e = a->migrate_to[a->migrate_to_n == 1 ? 0 : i];
        else e = e == VDPU_ENGINE_MODEL ? VDPU_ENGINE_RTL : e == VDPU_ENGINE_RTL ? VDPU_ENGINE_MODEL : VDPU_ENGINE_COSIM;
        c->migrate_to[i] = e;
    }
    return -1;
}

static int run_check(struct run_args *a)
{
    struct run_cfg *c = &a->c;
    struct vdpu_opts *o = &a->dev.o;
    char err[200];
    bool net = !strncmp(c->workload, "net-", 4);
    if (c->fcov && strcmp(c->workload, "net-random"))
        return cli_usage_error("run", "--fcov collects the coverage of net-random only");
    if (!strcmp(c->workload, "net-random") && (c->net_opts || a->drv_opts || a->dev.rtt || c->pcap_in))
        return cli_usage_error("run", "net-random draws frames, ring, queue size and rtt from --seed: no "
                                      "--packets/--pkt-size/--json/--pcap-in/--ring/--queues/--qsize/--rtt");
    if (c->rx_buf_size && !strcmp(c->workload, "net-tx"))
        return cli_usage_error("run", "--rx-buf-size sizes receive buffers: net-tx posts none (net-rx, net-loopback)");
    if (c->pcap_in && a->pkt_size_set)
        return cli_usage_error("run", "--pkt-size and --pcap-in both say what the frames are: give one");
    if ((c->net_opts || c->pcap_out || c->pcap_in) && !net)
        return cli_usage_error("run", "--packets/--pkt-size/--json/--pcap-in/--pcap-out are for the net-* workloads");
    int rc = merge_pairs(a, net);
    if (rc >= 0) return rc;
    rc = check_migrations(a, net);
    if (rc >= 0) return rc;
    rc = check_checkpoint(a, net);
    if (rc >= 0) return rc;
    if (c->pairs > o->max_qp)
        return cli_usage_error("run", "%u queue pairs asked for, but the device offers max_virtqueue_pairs %u (--max-qp)",
                               c->pairs, o->max_qp);
    if (net && c->pairs > NET_MQ_MAX_PAIRS)
        return cli_usage_error("run", "the net driver handles at most %u queue pairs", NET_MQ_MAX_PAIRS);
    if (net && c->pairs > 1) {
        if (c->pcap_in) return cli_usage_error("run", "--pcap-in sends fixed frames; with several pairs the driver "
                                                      "generates flows (no --pcap-in)");
        if (c->rx_buf_size)
            return cli_usage_error("run", "--rx-buf-size is for one queue pair: the multiqueue driver posts "
                                          "full-size receive buffers");
        if (!c->pkt_random && c->net.pkt_size && c->net.pkt_size < NET_MQ_MIN_FRAME)
            return cli_usage_error("run", "with several pairs frames carry IPv4/UDP flows: --pkt-size must be >= %u",
                                   NET_MQ_MIN_FRAME);
    }
    if (c->pcap_in) {
        if (pcap_frames_load(c->pcap_in, 1514, &c->replay, err, sizeof err)) {
            fprintf(stderr, "vdpu run: %s\n", err);
            return VDPU_EXIT_USAGE;
        }
        if (!c->packets_set) c->net.packets = c->replay.n;
    }
    if (a->drv_opts && strcmp(c->workload, "init") && !net)
        return cli_usage_error("run", "--ring/--queues/--qsize shape the init workload, not '%s'", c->workload);
    if (a->accesses_set && strcmp(c->workload, "random")) return cli_usage_error("run", "--accesses is for --workload random");
    if (strcmp(c->workload, "init") && strcmp(c->workload, "random-init") && !net) {
        /* register-level workloads play firmware themselves (HOST_IRQ, random CSR traffic) */
        if (a->dev.fw && !a->dev.fw_builtin)
            return cli_usage_error("run", "workload %s drives the firmware port itself: it runs with --fw builtin",
                                   c->workload);
        a->dev.fw_builtin = true;
    }
    if (a->dev.fw_builtin && net)
        return cli_usage_error("run", "the builtin firmware role has no data plane (it never enables the queue "
                                      "engine): net-* workloads need the firmware ELF");
    rc = dev_args_finish("run", &a->dev);
    if (rc) return rc;
    if (net && a->queues_set) {
        /* the net driver needs a receiveq and a transmitq per pair, and the control queue (index
         * 2 * max_virtqueue_pairs with MQ, else 2) for --ctrl; --queues N sets up queues 0..N-1 */
        unsigned need = 2 * (c->pairs ? c->pairs : 1);
        bool mq = (o->features[VIRTIO_NET_F_MQ / 32] >> (VIRTIO_NET_F_MQ % 32)) & 1;
        if (c->ctrl && need < 2u * (mq ? o->max_qp : 1) + 1) need = 2u * (mq ? o->max_qp : 1) + 1;
        if (c->drv.queues < need)
            return cli_usage_error("run", "%s needs --queues %u or more (receiveq and transmitq%s%s), not %u",
                                   c->workload, need, c->pairs > 1 ? " of every pair" : "",
                                   c->ctrl ? ", and the control queue for --ctrl" : "", c->drv.queues);
    }
    if (c->pcap_in && strcmp(c->workload, "net-tx")) {
        rc = check_rx_filter(a);
        if (rc >= 0) return rc;
    }
    if ((a->gdb_port || a->gdb_stdio) && a->dev.fw_builtin)
        return cli_usage_error("run", "--gdb debugs the embedded CPU: it needs real firmware, not --fw builtin");
    if (a->gdb_port && a->gdb_stdio) return cli_usage_error("run", "use either --gdb PORT or --gdb-stdio");
    uint64_t last_event = c->flap ? c->flap_at + 2000 : 0;
    if (c->dperr && c->dperr_at > last_event) last_event = c->dperr_at;
    if (!c->until && last_event) c->until = last_event + 20000;
    c->rtt = a->dev.rtt;
    return -1;
}

/* The rerun hint of a mismatch report: this very command line, with the seed made explicit. */
static int make_rerun(int argc, char **argv, struct run_args *a)
{
    size_t len = 64; /* "vdpu run --seed N" */
    for (int i = 1; i < argc; i++) len += strlen(argv[i]) + 1;
    a->rerun = malloc(len);
    if (!a->rerun) {
        fprintf(stderr, "vdpu run: out of memory\n");
        return VDPU_EXIT_FAIL;
    }
    size_t at = (size_t)snprintf(a->rerun, len, "vdpu run --seed %llu", (unsigned long long)a->dev.o.seed);
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--seed") && strcmp(argv[i], "-s") &&
            (i == 1 || (strcmp(argv[i - 1], "--seed") && strcmp(argv[i - 1], "-s"))) && strncmp(argv[i], "--seed=", 7))
            at += (size_t)snprintf(a->rerun + at, len - at, " %s", argv[i]);
    a->dev.o.rerun = a->rerun;
    return -1;
}

void run_args_free(struct run_args *a)
{
    free(a->rerun);
    free(a->ctrl_buf);
    a->rerun = a->ctrl_buf = NULL;
    free(a->merged);
    free(a->kept);
    a->merged = NULL;
    a->kept = NULL;
    if (a->c.restore) ckpt_free(a->c.restore);
    a->c.restore = NULL;
    pcap_frames_free(&a->c.replay);
}

int run_args_parse(int argc, char **argv, struct run_args *a)
{
    memset(a, 0, sizeof *a);
    dev_args_default(&a->dev);
    a->c.workload = "init";
    a->c.accesses = 10000;
    a->c.net.packets = 1000;
    a->c.net.pkt_size = 64;
    drv_params_default(&a->c.drv);

    optind = 1;
    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, ":e:s:w:n:qh", run_opts, NULL)) != -1) {
        if (ch == 'h') {
            run_usage(stdout);
            return VDPU_EXIT_OK;
        }
        if (ch == ':') return cli_usage_error("run", "option %s needs a value", argv[optind - 1]);
        if (ch == '?') return cli_usage_error("run", "unknown option '%s'", argv[optind - 1]);
        if (!a->not_with_restore && ch != OPT_RESTORE && ch != 'q' && ch != OPT_JSON && ch != OPT_PCAP_OUT &&
            ch != OPT_CKPT && ch != OPT_CKPT_AT)
            a->not_with_restore = optarg && optarg == argv[optind - 1] && optind >= 2 ? argv[optind - 2] : argv[optind - 1];
        int d = dev_args_option("run", ch, optarg, &a->dev);
        if (d < 0) return VDPU_EXIT_USAGE;
        if (d > 0) continue;
        int rc = run_option(ch, optarg, a);
        if (rc >= 0) return rc;
    }
    if (optind < argc) return cli_usage_error("run", "unexpected argument '%s'", argv[optind]);
    if (a->restore) { /* the run's options are the checkpoint's: cmd_run parses them with these */
        if (a->not_with_restore)
            return cli_usage_error("run", "%s with --restore: the run's options come from the checkpoint (only -q, "
                                          "--json, --pcap-out, --checkpoint and --checkpoint-at go with it)",
                                   a->not_with_restore);
        return -1;
    }
    int rc = run_check(a);
    if (rc >= 0) return rc;
    return make_rerun(argc, argv, a);
}

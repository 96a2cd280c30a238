/* dev_args.c - parse and check the device, engine and firmware options shared by run and vhost-user. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dev_args.h"
#include "virtio_features.h"

_Static_assert(CLI_WIRE_MIN_MBPS == NET_WIRE_MIN_MBPS && CLI_WIRE_MAX_MBPS == NET_WIRE_MAX_MBPS,
               "--wire-gbps accepts what the network port models");

void dev_args_default(struct dev_args *a)
{
    memset(a, 0, sizeof *a);
    vdpu_opts_default(&a->o);
}

static int hexval(char c) { return isdigit((unsigned char)c) ? c - '0' : isxdigit((unsigned char)c) ? (c | 0x20) - 'a' + 10 : -1; }

bool dev_args_parse_mac(const char *s, uint8_t mac[6])
{
    if (strlen(s) != 17) return false;
    for (int i = 0; i < 6; i++) {
        int h = hexval(s[3 * i]), l = hexval(s[3 * i + 1]);
        if (h < 0 || l < 0 || (i < 5 && s[3 * i + 2] != ':')) return false;
        mac[i] = (uint8_t)(h << 4 | l);
    }
    return true;
}

/* --coalesce FRAMES,CYCLES: decimal or 0x-hex like every other number option */
static int parse_coalesce(const char *cmd, const char *arg, struct vdpu_opts *o)
{
    char buf[64];
    const char *comma = strchr(arg, ',');
    if (!comma || (size_t)(comma - arg) >= sizeof buf)
        return cli_usage_error(cmd, "--coalesce takes FRAMES,CYCLES (frames 0..255)"), -1;
    memcpy(buf, arg, (size_t)(comma - arg));
    buf[comma - arg] = 0;
    uint64_t f, cy;
    if (!cli_u64(cmd, "--coalesce", buf, &f) || !cli_u64(cmd, "--coalesce", comma + 1, &cy)) return -1;
    if (f > 255) return cli_usage_error(cmd, "--coalesce takes FRAMES,CYCLES (frames 0..255)"), -1;
    if (cy < 1 || cy > 0xffffff) return cli_usage_error(cmd, "--coalesce takes FRAMES,CYCLES (cycles 1..16777215)"), -1;
    o->coal_frames = (unsigned)f;
    o->coal_cycles = (unsigned)cy;
    return 1;
}

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

int dev_args_option(const char *cmd, int ch, const char *arg, struct dev_args *a)
{
    struct vdpu_opts *o = &a->o;
    uint64_t v;
    switch (ch) {
    case 'e':
        if (!vdpu_engine_parse(arg, &o->engine))
            return cli_usage_error(cmd, "unknown engine '%s' (model, rtl or cosim)", arg), -1;
        return 1;
    case 's': return cli_u64(cmd, "--seed", arg, &o->seed) ? 1 : -1;
    case DEV_OPT_WAVE: o->wave = arg; return 1;
    case DEV_OPT_WAVE_FROM:
        a->wave_from_set = true;
        return cli_u64_range(cmd, "--wave-from", arg, 0, CLI_MAX_CYCLE, &o->wave_from) ? 1 : -1;
    case DEV_OPT_WAVE_TO:
        a->wave_to_set = true;
        return cli_u64_range(cmd, "--wave-to", arg, 1, CLI_MAX_CYCLE, &o->wave_to) ? 1 : -1;
    case DEV_OPT_TRACE: o->trace = stdout; return 1;
    case DEV_OPT_FW:
        a->fw = arg;
        a->fw_builtin = !strcmp(arg, "builtin");
        return 1;
    case DEV_OPT_FEATURES: a->features = arg; return 1;
    case DEV_OPT_MAC:
        if (!dev_args_parse_mac(arg, o->mac)) return cli_usage_error(cmd, "bad MAC '%s' (XX:XX:XX:XX:XX:XX)", arg), -1;
        return 1;
    case DEV_OPT_MTU:
        if (!cli_u64(cmd, "--mtu", arg, &v)) return -1;
        /* the spec's 68..65535, and a frame of mtu + 14 (+ 4, 802.1Q) behind the 12-byte header fits
         * the device's 9216-byte frame buffers */
        if (v < 68 || v > VDPU_MTU_MAX)
            return cli_usage_error(cmd, "--mtu must be 68..%u (frames of mtu + 18 behind the 12-byte header fit the 9216-byte frame buffer)",
                                   VDPU_MTU_MAX), -1;
        o->mtu = (uint16_t)v;
        return 1;
    case DEV_OPT_MAXQP:
        if (!cli_u64(cmd, "--max-qp", arg, &v)) return -1;
        if (v < 1 || v > VDPU_MAX_QP) return cli_usage_error(cmd, "--max-qp must be 1..%u", VDPU_MAX_QP), -1;
        o->max_qp = (uint16_t)v;
        return 1;
    case DEV_OPT_LINK:
        if (!strcmp(arg, "up")) o->link_up = true;
        else if (!strcmp(arg, "down")) o->link_up = false;
        else return cli_usage_error(cmd, "--link must be up or down, not '%s'", arg), -1;
        return 1;
    case DEV_OPT_FWVERB: o->fw_verbose = true; return 1;
    case DEV_OPT_FWTRACE: o->fw_trace = stdout; return 1;
    case DEV_OPT_PREFETCH:
    case DEV_OPT_BATCH:
        if (!cli_u64(cmd, ch == DEV_OPT_PREFETCH ? "--prefetch" : "--used-batch", arg, &v)) return -1;
        if (v < 1 || v > VDPU_ENG_PARAM_MAX)
            return cli_usage_error(cmd, "--prefetch and --used-batch take 1..%u", VDPU_ENG_PARAM_MAX), -1;
        if (ch == DEV_OPT_PREFETCH) o->prefetch = (unsigned)v;
        else o->used_batch = (unsigned)v;
        a->eng_opts = true;
        return 1;
    case DEV_OPT_TAGS:
    case DEV_OPT_MAXRD: {
        const char *name = ch == DEV_OPT_TAGS ? "--tags" : "--max-reads";
        if (!cli_u64(cmd, name, arg, &v)) return -1;
        if (v < 1 || v > VDPU_ENG_MAX_READS) return cli_usage_error(cmd, "%s takes 1..%u", name, VDPU_ENG_MAX_READS), -1;
        o->max_reads = (unsigned)v;
        a->eng_opts = true;
        return 1;
    }
    case DEV_OPT_TXFETCH:
        if (!cli_u64(cmd, "--tx-fetch", arg, &v)) return -1;
        if (v < 1 || v > VDPU_ENG_PARAM_MAX)
            return cli_usage_error(cmd, "--tx-fetch takes 1..%u", VDPU_ENG_PARAM_MAX), -1;
        o->tx_fetch = (unsigned)v;
        a->eng_opts = true;
        return 1;
    case DEV_OPT_COAL:
        a->eng_opts = true;
        return parse_coalesce(cmd, arg, o);
    case DEV_OPT_RTT:
        if (!cli_u64(cmd, "--rtt", arg, &v)) return -1;
        if (v < 1 || v > 100000) return cli_usage_error(cmd, "--rtt must be 1..100000 cycles"), -1;
        a->rtt = (unsigned)v;
        return 1;
    case DEV_OPT_NOSKIP: o->no_skip = true; return 1;
    case DEV_OPT_WIRE: return cli_wire_gbps(cmd, "--wire-gbps", arg, &o->wire_mbps) ? 1 : -1;
    case DEV_OPT_PCIE_FAULT: {
        char err[160];
        if (link_faults_parse(arg, &o->pcie_faults, err, sizeof err))
            return cli_usage_error(cmd, "--pcie-fault: %s", err), -1;
        return 1;
    }
    case DEV_OPT_FAULT:
        if (!parse_fault(arg, &o->fault))
            return cli_usage_error(cmd, "unknown fault '%s' (vendor-id, isr-noclear, msix-data)", arg), -1;
        return 1;
    default: return 0;
    }
}

int dev_args_finish(const char *cmd, struct dev_args *a)
{
    struct vdpu_opts *o = &a->o;
    char err[300];
    if (o->fault && o->engine != VDPU_ENGINE_COSIM)
        return cli_usage_error(cmd, "--inject-fault makes the model wrong so that cosim reports a mismatch: it "
                                    "needs --engine cosim");
    if (o->wave && o->engine == VDPU_ENGINE_MODEL)
        return cli_usage_error(cmd, "--wave needs the rtl or cosim engine (the model has no signals)");
    if ((a->wave_from_set || a->wave_to_set) && !o->wave) return cli_usage_error(cmd, "--wave-from/--wave-to need --wave FILE");
    if (a->wave_to_set && o->wave_to <= o->wave_from) return cli_usage_error(cmd, "--wave-to must be greater than --wave-from");
    if (a->features) {
        uint32_t def[4], sup[4];
        memcpy(def, o->features, sizeof def);
        memcpy(sup, o->features, sizeof sup); /* the reset offer is everything the device implements */
        if (virtio_features_parse(a->features, def, sup, o->features, err, sizeof err))
            return cli_usage_error(cmd, "--features: %s", err);
    }
    if (a->fw_builtin && (o->fw_verbose || o->fw_trace))
        return cli_usage_error(cmd, "--fw-verbose/--fw-trace need real firmware, not the builtin role");
    if (!a->fw_builtin) {
        o->fw_path = a->fw ? a->fw : vdpu_default_fw_path();
        if (!o->fw_path) return cli_usage_error(cmd, "no firmware: build/fw/vdpu-fw.elf is missing (run make, or --fw builtin)");
        /* a bad firmware is a bad argument: every check the session makes of it, before anything runs */
        if (vdpu_fw_probe(o->fw_path, err, sizeof err)) {
            fprintf(stderr, "vdpu %s: %s\n", cmd, err);
            return VDPU_EXIT_USAGE;
        }
    }
    if (o->wave) {
        FILE *t = fopen(o->wave, "w");
        if (!t) return cli_usage_error(cmd, "cannot write wave file '%s'", o->wave);
        fclose(t);
    }
    return 0;
}

void dev_args_usage(FILE *f)
{
    fprintf(f,
            "engine and determinism:\n"
            "  -e, --engine ENGINE    model | rtl | cosim (default cosim: RTL checked against the model)\n"
            "  -s, --seed N           seed of every random choice (default 1); printed\n"
            "device, firmware and queue engine:\n"
            "      --fw FILE|builtin  firmware ELF for the embedded CPU (default build/fw/vdpu-fw.elf);\n"
            "                         builtin: the harness's pass-through firmware role, no CPU (control\n"
            "                         plane only: not for traffic)\n"
            "      --features LIST    offered features: spec names separated by commas (replace the\n"
            "                         default) or +NAME/-NAME (relative to it); e.g. -RING_PACKED,-MQ\n"
            "      --mac XX:XX:XX:XX:XX:XX   device MAC (default 52:3e:16:00:01:00)\n"
            "      --mtu N            device MTU, 68..9186 (default 1500)\n"
            "      --max-qp N         max_virtqueue_pairs the device offers, 1..%u (default %u); with MQ the\n"
            "                         control queue follows the last pair\n"
            "      --link up|down     initial link status of the network port (default up)\n"
            "      --prefetch N       queue engine: descriptors (packed) / ring entries (split) per read, 1..%u\n"
            "      --used-batch N     queue engine: used elements per write-back (split rings; packed\n"
            "                         too with IN_ORDER), 1..%u\n"
            "      --tags N           queue engine: read tags for TX payload, i.e. reads outstanding per\n"
            "                         descriptor (%u bytes each), 1..%u (default 1); --max-reads is the\n"
            "                         older name\n"
            "      --tx-fetch K       queue engine, TX with --tags above 1 on packed rings and split rings\n"
            "                         with IN_ORDER: read the payload of up to K cached one-descriptor\n"
            "                         frames in one go, 1..%u (default 1: one frame at a time); see\n"
            "                         docs/queue-engine.md \"TX fetch\"\n"
            "      --coalesce F,C     queue interrupt coalescing: raise after F interrupts (1..255, 0: no\n"
            "                         limit) or C cycles after the first deferred one (1..16777215);\n"
            "                         default off\n"
            "      --rtt N            DMA read round trip in device cycles (default 200)\n"
            "      --wire-gbps G      the network port's wire rate, 0.1..64 Gbit/s (exact to 1 Mbit/s, e.g.\n"
            "                         10 or 25.5; default unlimited: frames move at the port's 32 bytes a\n"
            "                         cycle, 64 Gbit/s at 250 MHz, with no Ethernet overhead). Each frame\n"
            "                         costs its bytes plus 24 (preamble and SFD 8, FCS 4, inter-frame gap\n"
            "                         12): TX beats are taken (ntx_ready) only as fast as the wire sends them\n"
            "                         (behind a 4096-byte MAC FIFO), and a frame from the wire (rx workload,\n"
            "                         loopback, --pcap-in) is offered once it has arrived whole\n"
            "      --pcie-fault LIST  PCIe faults the link injects, KIND@N[,KIND@N...]: the Nth DMA read of\n"
            "                         the run (queue engine and firmware channel, counted from 1) gets\n"
            "                         KIND: ca / ur (one Completer Abort / Unsupported Request completion),\n"
            "                         poison (its first beat poisoned), timeout (no completion at all),\n"
            "                         drop (its last beat lost), dup (its last beat delivered twice),\n"
            "                         poison-last (its last beat poisoned, the beats before it good),\n"
            "                         late (good, 50,000 cycles after its round trip, the reads after it\n"
            "                         passing it: no error, the traffic must go on);\n"
            "                         random: one fault, kind (not poison-last or late) and read (1..64) from\n"
            "                         --seed; none: no fault\n"
            "                         (net-random otherwise draws one for some seeds). The device stops\n"
            "                         the queue and sets DEVICE_NEEDS_RESET; net-* workloads then check\n"
            "                         that, reset the device and run their traffic again\n"
            "      --fw-verbose       firmware logs every control-plane step on its console ([fw] lines)\n"
            "      --fw-trace         one line per embedded-CPU instruction ([fw-cpu] ...)\n"
            "debugging:\n"
            "      --wave FILE        write an FST wave of the RTL (rtl and cosim engines)\n"
            "      --wave-from CYCLE  first cycle of the wave window (default 0)\n"
            "      --wave-to CYCLE    end of the wave window, exclusive (default: end of run)\n"
            "      --trace            print one line per port transaction ([txn] cyc=...)\n"
            "      --no-skip          evaluate every cycle: no idle skipping (the same transactions and\n"
            "                         digest, slower; to compare)\n"
            "      --inject-fault F   test-only: make the model wrong (vendor-id | isr-noclear | msix-data)\n"
            "                         so cosim must report a mismatch\n",
            VDPU_MAX_QP, VDPU_CSR_NET_MAX_QP_RESET, VDPU_ENG_PARAM_MAX, VDPU_ENG_PARAM_MAX, VDPU_DMA_RD_MAX,
            VDPU_ENG_MAX_READS, VDPU_ENG_PARAM_MAX);
}

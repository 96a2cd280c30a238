/* test_wire.c - the network port's wire rate (--wire-gbps): exact RX delivery times, TX backpressure,
 * wire-bound frame rates, loopback through the wire, command-line errors, cosim equality. */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "netport.h"

#define VDPU "./build/vdpu"

/* ---- the netport alone: delivery cycles from first principles ----------------------------------- */

/* Frames of len bytes queued at cycle t0 on an idle wire of rate Mbit/s: frame k's FCS is in after
 * k whole slots (len + 24 bytes) and its own preamble, bytes and FCS (len + 12), at 2000/rate cycles
 * a byte; it is offered from the first whole cycle at or after that. */
static uint64_t due_of(uint64_t t0, unsigned k, unsigned len, uint64_t rate)
{
    uint64_t units = ((uint64_t)k * (len + 24) + len + 12) * 2000;
    return t0 + (units + rate - 1) / rate;
}

Test(wire, rx_delivery_cycles_exact)
{
    static const struct { uint32_t rate; unsigned len; } cases[] = {
        {10000, 100}, {10000, 1500}, {25500, 64}, {100, 14}, {64000, 1514}, {40000, 9216}, {1, 0}};
    for (unsigned c = 0; cases[c].rate != 1; c++) {
        netport_t *n = calloc(1, sizeof *n);
        cr_assert(n);
        netport_init(n);
        uint64_t clock = 1000;
        n->clock = &clock;
        n->wire_mbps = cases[c].rate;
        static uint8_t f[NET_MAX_FRAME];
        for (unsigned k = 0; k < 5; k++) cr_assert(netport_inject(n, f, cases[c].len));
        vdpu_nrx_t beat;
        for (unsigned k = 0; k < 5; k++) {
            uint64_t due = due_of(1000, k, cases[c].len, cases[c].rate);
            cr_assert_eq(netport_rx_next_due(n), due, "rate %u len %u frame %u: due %llu, want %llu", cases[c].rate,
                         cases[c].len, k, (unsigned long long)netport_rx_next_due(n), (unsigned long long)due);
            cr_assert(!netport_rx_due(n, due - 1) && !netport_rx_beat(n, due - 1, &beat), "offered before delivery");
            cr_assert(netport_rx_due(n, due) && netport_rx_beat(n, due, &beat));
            for (unsigned off = 0; off < cases[c].len; off += 32) netport_rx_taken(n);
        }
        cr_assert_eq(n->rx_frames, 5);
        /* an idle wire: a frame queued later starts then, not back to back with the old ones */
        clock = 1000000;
        cr_assert(netport_inject(n, f, cases[c].len));
        cr_assert_eq(netport_rx_next_due(n), due_of(1000000, 0, cases[c].len, cases[c].rate));
        netport_fini(n);
        free(n);
    }
}

/* unlimited (the default): every frame at once, TX always taken, as before the wire existed */
Test(wire, unlimited_is_immediate)
{
    netport_t *n = calloc(1, sizeof *n);
    cr_assert(n);
    netport_init(n);
    uint64_t clock = 77;
    n->clock = &clock;
    uint8_t f[64] = {0};
    cr_assert(netport_inject(n, f, 64) && netport_inject(n, f, 64));
    cr_assert_eq(netport_rx_next_due(n), 0);
    cr_assert(netport_tx_ready(n, 0));
    netport_fini(n);
    free(n);
}

/* TX at 1 Gbit/s (2 cycles a byte): the wire's time is charged beat by beat, the frame
 * with its 24 bytes of overhead; once the FIFO is full ntx_ready follows the wire exactly */
Test(wire, tx_ready_follows_the_wire)
{
    netport_t *n = calloc(1, sizeof *n);
    cr_assert(n);
    netport_init(n);
    n->wire_mbps = 1000; /* 2 cycles a byte */
    vdpu_ntx_t b;
    memset(&b, 0, sizeof b);
    b.keep = 0xffffffffu;
    uint64_t cyc = 0, taken = 0, refused = 0, bytes = 0;
    /* 10 frames of 1000 bytes (31 full beats + 8 bytes), offered every cycle */
    for (unsigned f = 0; f < 10; f++)
        for (unsigned off = 0; off < 1000;) {
            while (!netport_tx_ready(n, cyc)) cyc++, refused++;
            unsigned k = 1000 - off < 32 ? 1000 - off : 32;
            b.keep = k == 32 ? 0xffffffffu : (1u << k) - 1;
            b.last = off + k == 1000;
            netport_tx_beat(n, &b, cyc);
            off += k;
            bytes += k;
            taken++;
            cyc++;
        }
    cr_assert_eq(n->tx_frames, 10);
    cr_assert_gt(refused, 0, "the wire never held a beat back");
    /* the wire ends 10 * (1000 + 24) bytes after cycle 0, at 2 cycles a byte */
    cr_assert_eq(n->tx_free.cyc, 2 * 10 * 1024);
    cr_assert_eq(n->tx_free.rem, 0);
    /* the last beat was taken when what remained fit the FIFO: at most FIFO + 32 bytes before the end */
    cr_assert_geq(cyc + 2ull * (NET_WIRE_TX_FIFO + NET_WIRE_OVERHEAD), n->tx_free.cyc);
    netport_fini(n);
    free(n);
}

/* ---- sessions: the device against the wire -------------------------------------------------------- */

#define MAX_FRAMES 512
struct wire_log {
    struct tctx *t;
    void (*prev)(void *ctx, const vdpu_txn_t *tx);
    void *prev_ctx;
    uint64_t tx_last[MAX_FRAMES], tx_first[MAX_FRAMES], rx_first[MAX_FRAMES];
    unsigned ntx, nrx;
    bool tx_mid, rx_mid;
};

static void log_txn(void *ctx, const vdpu_txn_t *tx)
{
    struct wire_log *w = ctx;
    if (tx->chan == VDPU_CH_NTX) {
        if (!w->tx_mid && w->ntx < MAX_FRAMES) w->tx_first[w->ntx] = tx->cycle;
        w->tx_mid = !tx->u.ntx.last;
        if (tx->u.ntx.last && w->ntx < MAX_FRAMES) w->tx_last[w->ntx++] = tx->cycle;
    } else if (tx->chan == VDPU_CH_NRX) {
        if (!w->rx_mid && w->nrx < MAX_FRAMES) w->rx_first[w->nrx++] = tx->cycle;
        w->rx_mid = !tx->u.nrx.last;
    }
    w->prev(w->prev_ctx, tx);
}

/* a device fast enough to be wire-bound at 10 Gbit/s with 1500-byte frames: prefetch and used batch
 * 8, 8 payload reads outstanding, a 20-cycle round trip (17 Gbit/s TX without a wire rate) */
static void open_fast(struct tctx *t, enum vdpu_engine e, uint32_t wire_mbps)
{
    struct vdpu_opts o;
    vdpu_opts_default(&o);
    o.prefetch = o.used_batch = o.max_reads = 8;
    o.wire_mbps = wire_mbps;
    t_open_fw(t, e, &o);
    t->b->link.p.rtt = 20;
}

/* a test on each engine with the fast device and a 10 Gbit/s wire */
#define WIRE_TEST(name, ...)                                                                                        \
    static void name##_body(struct tctx *T);                                                                         \
    Test(wire, name##_model, ##__VA_ARGS__) { struct tctx t; open_fast(&t, VDPU_ENGINE_MODEL, 10000); name##_body(&t); t_close(&t); } \
    Test(wire, name##_rtl, ##__VA_ARGS__) { struct tctx t; open_fast(&t, VDPU_ENGINE_RTL, 10000); name##_body(&t); t_close(&t); }     \
    Test(wire, name##_cosim, ##__VA_ARGS__) { struct tctx t; open_fast(&t, VDPU_ENGINE_COSIM, 10000); name##_body(&t); t_close(&t); } \
    static void name##_body(struct tctx *T)

static struct wire_log *attach(struct tctx *t)
{
    struct wire_log *w = calloc(1, sizeof *w);
    cr_assert(w);
    w->t = t;
    w->prev = t->b->on_txn;
    w->prev_ctx = t->b->on_txn_ctx;
    t->b->on_txn = log_txn;
    t->b->on_txn_ctx = w;
    return w;
}

static void detach(struct tctx *t, struct wire_log *w)
{
    t->b->on_txn = w->prev;
    t->b->on_txn_ctx = w->prev_ctx;
    free(w);
}

static void run_traffic(struct tctx *t, enum net_workload wl, uint64_t packets, unsigned size)
{
    struct drv_params p;
    drv_params_default(&p);
    struct net_params np = {wl, packets, size, 11, 100000 + packets * 20000};
    struct traffic_result r = t_traffic(t, &p, &np);
    cr_assert_eq(r.packets, packets);
}

/* frames per second between the ends of frame `from` and the last one (steady state) */
static double rate_of(const uint64_t *at, unsigned from, unsigned n)
{
    return (double)(n - 1 - from) / ((double)(at[n - 1] - at[from]) / 250e6);
}

#define WIRE_10G_1500 (10e9 / (8.0 * (1500 + 24)))

/* 1500-byte TX at 10 Gbit/s: the wire's frame rate to 1%, and the wire held the device back */
WIRE_TEST(tx_1500_at_10g_is_wire_bound, .timeout = 120)
{
    struct wire_log *w = attach(T);
    run_traffic(T, NET_TX, 160, 1500);
    cr_assert_eq(w->ntx, 160);
    double fps = rate_of(w->tx_last, 40, w->ntx);
    cr_log_info("%s: %.0f frames/s, wire %.0f (%.3f%%); %llu cycles ntx_valid && !ntx_ready", vdpu_engine_name(T->engine),
                fps, WIRE_10G_1500, 100 * fps / WIRE_10G_1500, (unsigned long long)T->b->net.tx_wire_stalls);
    cr_assert(fps > 0.99 * WIRE_10G_1500 && fps < 1.01 * WIRE_10G_1500, "%.0f frames/s, the wire allows %.0f", fps,
              WIRE_10G_1500);
    cr_assert_gt(T->b->net.tx_wire_stalls, 1000, "ntx_valid with ntx_ready low (the wire busy): %llu cycles",
                 (unsigned long long)T->b->net.tx_wire_stalls);
    detach(T, w);
}

/* 1500-byte RX at 10 Gbit/s: no frame is offered before the wire could have delivered it (frame k
 * no earlier than k back-to-back slots after the traffic started), and the device keeps up with it */
WIRE_TEST(rx_1500_at_10g_is_paced, .timeout = 120)
{
    struct wire_log *w = attach(T);
    uint64_t c0 = T->b->dev->cycle; /* the wire carries nothing before the traffic */
    run_traffic(T, NET_RX, 160, 1500);
    cr_assert_eq(w->nrx, 160);
    for (unsigned k = 0; k < w->nrx; k++)
        cr_assert_geq(w->rx_first[k], due_of(c0, k, 1500, 10000), "frame %u offered at cycle %llu, before the wire "
                      "could deliver it (%llu)", k, (unsigned long long)w->rx_first[k],
                      (unsigned long long)due_of(c0, k, 1500, 10000));
    double fps = rate_of(w->rx_first, 40, w->nrx);
    cr_log_info("%s: RX %.0f frames/s, wire %.0f (%.3f%%)", vdpu_engine_name(T->engine), fps, WIRE_10G_1500,
                100 * fps / WIRE_10G_1500);
    cr_assert(fps < 1.01 * WIRE_10G_1500 && fps > 0.99 * WIRE_10G_1500, "%.0f frames/s, the wire allows %.0f", fps,
              WIRE_10G_1500);
    detach(T, w);
}

/* loopback through a 10 Gbit/s cable: frame k comes back no earlier than its FCS could have been sent
 * (the wire starts no earlier than frame 0's first beat, back to back from there), every frame intact */
WIRE_TEST(loopback_through_the_wire, .timeout = 120)
{
    struct wire_log *w = attach(T);
    run_traffic(T, NET_LOOPBACK, 80, 1500);
    cr_assert_eq(w->ntx, 80);
    cr_assert_eq(w->nrx, 80);
    for (unsigned k = 0; k < w->nrx; k++) {
        uint64_t fcs = w->tx_first[0] + (((uint64_t)k * 1524 + 1512) * 2000 + 9999) / 10000;
        cr_assert_gt(w->rx_first[k], w->tx_last[k], "frame %u back before it left", k);
        cr_assert_geq(w->rx_first[k], fcs, "frame %u back at cycle %llu, before its FCS was on the wire (%llu)", k,
                      (unsigned long long)w->rx_first[k], (unsigned long long)fcs);
    }
    cr_assert_gt(T->b->net.tx_wire_stalls, 0);
    detach(T, w);
}

/* ---- the command line ------------------------------------------------------------------------------ */

static unsigned lines(const char *s)
{
    unsigned n = 0;
    for (; *s; s++) n += *s == '\n';
    return n;
}

Test(wire, cli_bad_rates_exit_2_with_one_line, .timeout = 60)
{
    static const char *const bad[] = {"0", "-1", "abc", "1000", "64.001", "0.09", "10.0005", "10.", "", "1e1", " 10"};
    static char out[4096], cmd[256];
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *cmds[] = {"run -q --engine model --workload net-tx --packets 1", "compare --packets 1 --dir build/wire-cmp"};
        for (unsigned c = 0; c < 2; c++) {
            snprintf(cmd, sizeof cmd, VDPU " %s --wire-gbps '%s'", cmds[c], bad[i]);
            cr_assert_eq(sh(cmd, out, sizeof out), 2, "%s: %s", cmd, out);
            cr_assert_eq(lines(out), 1, "%s: one line, got: %s", cmd, out);
            cr_assert(strstr(out, "--wire-gbps"), "%s: the error names the option: %s", cmd, out);
        }
    }
    static char help[65536];
    cr_assert_eq(sh(VDPU " run --help", help, sizeof help), 0);
    cr_assert(strstr(help, "--wire-gbps G"), "documented in vdpu run --help");
    cr_assert_eq(sh(VDPU " compare --help", help, sizeof help), 0);
    cr_assert(strstr(help, "--wire-gbps G"), "documented in vdpu compare --help");
}

/* the rate in the run line, the DMA table and the JSON params; the same digest on every engine */
Test(wire, cli_reports_rate_and_cosim_agrees, .timeout = 120)
{
    static char out[3][16384];
    static const char *const eng[] = {"model", "rtl", "cosim"};
    char cmd[512], dig[3][32];
    for (unsigned e = 0; e < 3; e++) {
        snprintf(cmd, sizeof cmd, VDPU " run -q --engine %s --workload net-loopback --packets 40 --pkt-size imix "
                                   "--wire-gbps 25.5 --max-reads 4 --rtt 50 --json build/test-wire-%s.json",
                 eng[e], eng[e]);
        cr_assert_eq(sh(cmd, out[e], sizeof out[e]), 0, "%s", out[e]);
        cr_assert(strstr(out[e], ", wire 25.5 Gbit/s\n"), "run line: %s", out[e]);
        cr_assert(strstr(out[e], "  wire: 25.5 Gbit/s bounds "), "DMA table: %s", out[e]);
        const char *d = strstr(out[e], "\ndigest ");
        cr_assert(d);
        snprintf(dig[e], sizeof dig[e], "%.24s", d + 1);
    }
    cr_assert_str_eq(dig[0], dig[1], "model and rtl digests differ");
    cr_assert_str_eq(dig[0], dig[2], "model and cosim digests differ");
    cJSON *root = t_json_file("build/test-wire-cosim.json");
    cJSON *par = cJSON_GetObjectItem(root, "params"), *wm = cJSON_GetObjectItem(par, "wire_mbps");
    cr_assert(cJSON_IsNumber(wm) && wm->valuedouble == 25500, "params.wire_mbps");
    double bytes = cJSON_GetObjectItem(root, "bytes")->valuedouble, pk = cJSON_GetObjectItem(root, "packets")->valuedouble;
    cJSON *wp = cJSON_GetObjectItem(root, "wire_mpps");
    cr_assert(cJSON_IsNumber(wp), "wire_mpps");
    double want = 25500.0 / (8 * (bytes / pk + 24));
    cr_assert(wp->valuedouble > want * 0.999999 && wp->valuedouble < want * 1.000001, "wire_mpps %f, want %f",
              wp->valuedouble, want);
    cr_assert_leq(cJSON_GetObjectItem(root, "mpps")->valuedouble, wp->valuedouble, "faster than the wire");
    cJSON_Delete(root);
}

/* without the option the run line says unlimited and there is no wire line; 64 Gbit/s is a real limit
 * (frames arrive whole, with 24 bytes of overhead each), so an RX run's digest differs */
Test(wire, default_is_unlimited, .timeout = 120)
{
    static char a[16384], b[16384];
    cr_assert_eq(sh(VDPU " run -q --engine model --workload net-rx --packets 30 --pkt-size 1500", a, sizeof a), 0, "%s", a);
    cr_assert(strstr(a, ", wire unlimited\n"), "%s", a);
    cr_assert(!strstr(a, "  wire: "), "no wire line without a rate: %s", a);
    cr_assert_eq(sh(VDPU " run -q --engine model --workload net-rx --packets 30 --pkt-size 1500 --wire-gbps 64", b,
                    sizeof b), 0, "%s", b);
    cr_assert_str_neq(strstr(a, "\ndigest "), strstr(b, "\ndigest "), "a 64 Gbit/s wire changed nothing");
}

/* vdpu compare --wire-gbps: every point runs with the rate, the tables show the frame rate it allows
 * beside Mpps (1500 bytes at 10 Gbit/s: 0.820), the CSV has it, and --merge-only reads it back */
Test(wire, compare_runs_points_with_the_rate, .timeout = 120)
{
    static char out[65536], csv[8192];
    const char *sweep = VDPU " compare -j1 --packets 30 --dir build/wire-cmp --ring split --features none --workload tx "
                               "--pkt-size 64,1500 --rtt 20 --prefetch 8 --used-batch 8 --max-reads 8 --wire-gbps 10 "
                               "--csv build/wire-cmp.csv";
    cr_assert_eq(sh(sweep, out, sizeof out), 0, "%s", out);
    cr_assert(strstr(out, "2 passed, 0 failed, wire 10 Gbit/s"), "%s", out);
    cr_assert(strstr(out, "    Mpps   bound    wire  Gbit/s"), "link-bound and wire columns beside Mpps: %s", out);
    /* 1512 bytes in three reads: 24 completions of a header cycle and two data cycles (72), a descriptor (2),
     * an eighth of a ring read (2 / 8): 250 MHz / 74.26 cycles */
    cr_assert(strstr(out, " 3.367 "), "the link-bound rate of 1500-byte split frames without features: %s", out);
    cr_assert(strstr(out, " 0.820 "), "the wire-bound rate of 1500-byte frames: %s", out);
    cr_assert_eq(sh("head -1 build/wire-cmp.csv", csv, sizeof csv), 0);
    cr_assert(strstr(csv, ",wire_mbps,wire_mpps"), "%s", csv);
    cr_assert_eq(sh("grep -c -- '--wire-gbps 10.000 ' build/wire-cmp/points.txt", csv, sizeof csv), 0, "%s", csv);
    cr_assert_eq(atoi(csv), 2, "every point runs with the rate: %s", csv);
    cr_assert_eq(sh(VDPU " compare --merge-only build/wire-cmp", out, sizeof out), 0, "%s", out);
    cr_assert(strstr(out, "wire 10 Gbit/s") && strstr(out, " 0.820 "), "the manifest keeps the rate: %s", out);
    /* without the option: no wire column, as before */
    cr_assert_eq(sh(VDPU " compare -j1 --packets 10 --dir build/wire-cmp --ring split --features none --workload tx "
                    "--pkt-size 64", out, sizeof out), 0, "%s", out);
    cr_assert(!strstr(out, " wire") && strstr(out, "    Mpps   bound  Gbit/s"), "%s", out);
    cr_assert_eq(sh(VDPU " compare --merge-only build/wire-cmp --wire-gbps 10", out, sizeof out), 2, "%s", out);
}

/* the frames of a pcap, timestamps left out: the record lengths and bytes, in order */
static size_t pcap_frames(const char *path, unsigned char *out, size_t cap, unsigned *count)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s", path);
    unsigned char hdr[24], rec[16];
    cr_assert_eq(fread(hdr, 1, sizeof hdr, f), sizeof hdr, "%s: no pcap header", path);
    size_t n = 0;
    *count = 0;
    while (fread(rec, 1, sizeof rec, f) == sizeof rec) {
        uint32_t len = (uint32_t)rec[8] | (uint32_t)rec[9] << 8 | (uint32_t)rec[10] << 16 | (uint32_t)rec[11] << 24;
        cr_assert(len <= 65535 && n + 4 + len <= cap, "%s: record of %u bytes", path, len);
        memcpy(out + n, &len, 4);
        cr_assert_eq(fread(out + n + 4, 1, len, f), len, "%s: short record", path);
        n += 4 + len;
        ++*count;
    }
    fclose(f);
    return n;
}

/* a wire faster than the device paces nothing the driver sees: loopback of IMIX frames through a
 * 64 Gbit/s cable sends and brings back the same frames (the workload checks every frame received
 * for order and bytes; the transmitted ones are compared here) as the unlimited port, on model and rtl */
Test(wire, faster_wire_delivers_the_same_frames, .timeout = 120)
{
    static const char *const eng[] = {"model", "rtl"};
    static char out[16384];
    static unsigned char fa[1 << 17], fb[1 << 17];
    char cmd[512];
    for (unsigned e = 0; e < 2; e++) {
        unsigned ca, cb;
        snprintf(cmd, sizeof cmd, VDPU " run -q --engine %s --workload net-loopback --packets 60 --pkt-size imix "
                                   "--seed 3 --pcap-out build/test-wire-free-%s.pcap", eng[e], eng[e]);
        cr_assert_eq(sh(cmd, out, sizeof out), 0, "%s", out);
        cr_assert(strstr(out, ", wire unlimited\n"), "%s", out);
        snprintf(cmd, sizeof cmd, VDPU " run -q --engine %s --workload net-loopback --packets 60 --pkt-size imix "
                                   "--seed 3 --wire-gbps 64 --pcap-out build/test-wire-64-%s.pcap", eng[e], eng[e]);
        cr_assert_eq(sh(cmd, out, sizeof out), 0, "%s", out);
        cr_assert(strstr(out, ", wire 64 Gbit/s\n"), "%s", out);
        snprintf(cmd, sizeof cmd, "build/test-wire-free-%s.pcap", eng[e]);
        size_t na = pcap_frames(cmd, fa, sizeof fa, &ca);
        snprintf(cmd, sizeof cmd, "build/test-wire-64-%s.pcap", eng[e]);
        size_t nb = pcap_frames(cmd, fb, sizeof fb, &cb);
        cr_assert_eq(ca, 60, "%s: %u frames sent without a wire rate", eng[e], ca);
        cr_assert_eq(cb, 60, "%s: %u frames sent at 64 Gbit/s", eng[e], cb);
        cr_assert(na == nb && memcmp(fa, fb, na) == 0, "%s: the frames differ with a 64 Gbit/s wire", eng[e]);
    }
}

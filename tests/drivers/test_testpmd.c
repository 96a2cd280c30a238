/* test_testpmd.c - DPDK 22.11's virtio-user PMD (testpmd) drives the simulated device through `vdpu vhost-user`. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "drv_case.h"

enum fwd { FWD_RXONLY, FWD_TXONLY, FWD_IO };

struct tp_case {
    const char *engine;
    bool packed, in_order, mrg;
    unsigned queues;
    enum fwd fwd;
    unsigned bursts;       /* rxonly: tx_first bursts of 32 */
    const char *pcap_in;   /* io: frames the wire offers (written by the test) */
    unsigned pcap_frames;
    bool tx_fetch;         /* the engine with 32 read tags, P = 8 and TX fetch 8 (docs/queue-engine.md) */
};

static void run_case(const struct tp_case *c)
{
    struct bridge_run b;
    struct proc tp = {0}; /* not spawned yet */
    char tplog[160], devargs[160], pcap_in[160] = "";
    const char *extra[12] = {0};
    unsigned ne = 0;
    bool ok = false;
    cr_assert(bridge_prepare(&b, "tp"));
    if (c->fwd != FWD_RXONLY) extra[ne++] = "--sink";
    if (c->tx_fetch) {
        static const char *const eng[] = {"--tags", "32", "--prefetch", "8", "--tx-fetch", "8"};
        for (unsigned i = 0; i < sizeof eng / sizeof eng[0]; i++) extra[ne++] = eng[i];
    }
    if (c->fwd == FWD_IO) {
        snprintf(pcap_in, sizeof pcap_in, "%s/rx.pcap", b.dir);
        cr_assert(write_capture(pcap_in, c->pcap_frames));
        extra[ne++] = "--pcap-in";
        extra[ne++] = pcap_in;
    }
    if (!bridge_launch(&b, c->engine, extra)) {
        bridge_cleanup(&b, true);
        cr_assert(false, "the bridge did not start");
    }
    snprintf(tplog, sizeof tplog, "%s/testpmd.log", b.dir);
    snprintf(devargs, sizeof devargs, ",queues=%u,packed_vq=%d,in_order=%d,mrg_rxbuf=%d%s", c->queues, c->packed,
             c->in_order, c->mrg, c->queues > 1 ? ",cq=1" : "");
    struct port_stats st = {0}, st2 = {0};
    uint64_t expect_tx = 0;
    int64_t expect_rx = -1;
    if (tp_spawn(&tp, b.sock, devargs, c->queues, tplog)) goto out;
    if (!bridge_wait_started(&b, 120)) {
        cr_log_error("the device never started for testpmd");
        goto out;
    }
    switch (c->fwd) {
    case FWD_RXONLY: /* K bursts of 32 frames, looped back to testpmd's receive queue */
        if (!tp_rxonly_burst(&tp, c->bursts, &st)) goto out;
        expect_tx = st.tx;
        expect_rx = (int64_t)st.tx;
        break;
    case FWD_TXONLY: /* transmit for a while, into the sink */
        proc_send(&tp, "set fwd txonly");
        proc_send(&tp, "start");
        sleep(2);
        proc_send(&tp, "stop");
        if (!tp_stats(&tp, &st)) goto out;
        expect_tx = st.tx;
        break;
    case FWD_IO: /* the capture comes in, testpmd sends every frame back out */
        proc_send(&tp, "set fwd io");
        proc_send(&tp, "start");
        expect_tx = c->pcap_frames;
        expect_rx = c->pcap_frames;
        break;
    }
    if (!bridge_wait_idle(&b, expect_tx, expect_rx, 180)) {
        cr_log_error("the device never reached %llu frames out / %lld in (last idle report %llu / %llu)",
                     (unsigned long long)expect_tx, (long long)expect_rx, (unsigned long long)b.idle_tx,
                     (unsigned long long)b.idle_rx);
        goto out;
    }
    if (expect_rx > 0 && !tp_wait_rx(&tp, (uint64_t)expect_rx, 30)) {
        cr_log_error("testpmd never took the %lld frames the device delivered", (long long)expect_rx);
        goto out;
    }
    int tps = tp_finish(&tp, &st2);
    int bs = bridge_end(&b, 60);
    cr_expect_eq(tps, 0, "testpmd exit status %d", tps);
    cr_expect_eq(bs, 0, "bridge exit status %d", bs);
    /* the counts, exactly: testpmd's against the device's network port and the capture */
    cr_expect_eq(st2.tx, b.tx_frames, "testpmd TX-packets %llu, device transmitted %llu", (unsigned long long)st2.tx,
                 (unsigned long long)b.tx_frames);
    uint64_t pbytes = 0;
    int64_t pn = pcap_count(b.pcap_out, &pbytes);
    cr_expect_eq((uint64_t)pn, st2.tx, "pcap-out holds %lld frames, testpmd sent %llu", (long long)pn,
                 (unsigned long long)st2.tx);
    cr_expect_eq(pbytes, st2.tx_bytes, "pcap-out holds %llu bytes, testpmd sent %llu", (unsigned long long)pbytes,
                 (unsigned long long)st2.tx_bytes);
    if (expect_rx >= 0)
        cr_expect_eq(st2.rx, b.rx_frames, "testpmd RX-packets %llu, device received %llu", (unsigned long long)st2.rx,
                     (unsigned long long)b.rx_frames);
    cr_expect(st2.tx > 0, "no traffic at all");
    /* GET_VRING_BASE got the device's own positions (read after SUSPEND: every buffer consumed was
     * used): one buffer per frame of these sizes, 256-entry rings; packed: bit 15 = wrap counter */
    if (c->queues == 1) {
        uint64_t n[2] = {st2.rx, st2.tx};
        for (unsigned v = 0; v < 2; v++) {
            int want = c->packed ? (int)((n[v] % 256) | (((n[v] / 256) % 2 == 0) ? 0x8000 : 0)) : (int)(n[v] % 65536);
            cr_expect_eq(b.stop_avail[v], want, "vring %u stopped at avail 0x%x, want 0x%x", v, b.stop_avail[v], want);
            cr_expect_eq(b.stop_used[v], want, "vring %u stopped at used 0x%x, want 0x%x", v, b.stop_used[v], want);
        }
    }
    static const char *const fwd_name[] = {"rxonly+loopback", "txonly+sink", "io+pcap-in"};
    matrix_line("testpmd | %s | in_order=%d mrg_rxbuf=%d queues=%u%s | %s | %s | tx %llu rx %llu | %llu cycles | %.2f s",
                c->packed ? "packed" : "split", c->in_order, c->mrg, c->queues, c->tx_fetch ? " tx-fetch=8" : "",
                fwd_name[c->fwd], c->engine,
                (unsigned long long)st2.tx, (unsigned long long)st2.rx, (unsigned long long)b.cycles, b.wall);
    ok = tps == 0 && bs == 0 && st2.tx == b.tx_frames && (uint64_t)pn == st2.tx &&
         (expect_rx < 0 || st2.rx == b.rx_frames);
out:
    case_finish(&b, &tp, "testpmd log", tplog, ok);
}

#define TP(name, ...)                                                                                      \
    Test(testpmd, name, .timeout = 600) { run_case(&(struct tp_case){__VA_ARGS__}); }

TP(split_model_rxonly, .engine = "model", .packed = false, .in_order = false, .mrg = false, .queues = 1,
   .fwd = FWD_RXONLY, .bursts = 8)
TP(split_inorder_mrg_model_rxonly, .engine = "model", .packed = false, .in_order = true, .mrg = true, .queues = 1,
   .fwd = FWD_RXONLY, .bursts = 8)
TP(packed_model_rxonly, .engine = "model", .packed = true, .in_order = false, .mrg = true, .queues = 1,
   .fwd = FWD_RXONLY, .bursts = 8)
TP(packed_inorder_model_rxonly, .engine = "model", .packed = true, .in_order = true, .mrg = false, .queues = 1,
   .fwd = FWD_RXONLY, .bursts = 8)
TP(split_model_txonly, .engine = "model", .packed = false, .in_order = true, .mrg = true, .queues = 1,
   .fwd = FWD_TXONLY)
TP(packed_model_io_pcap, .engine = "model", .packed = true, .in_order = true, .mrg = true, .queues = 1, .fwd = FWD_IO,
   .pcap_frames = 200) /* fewer than the receive ring holds: no drop even if testpmd lags */
TP(split_rtl_rxonly, .engine = "rtl", .packed = false, .in_order = true, .mrg = true, .queues = 1, .fwd = FWD_RXONLY,
   .bursts = 4)
TP(packed_rtl_rxonly, .engine = "rtl", .packed = true, .in_order = false, .mrg = false, .queues = 1, .fwd = FWD_RXONLY,
   .bursts = 4)
TP(split_cosim_io_pcap, .engine = "cosim", .packed = false, .in_order = false, .mrg = true, .queues = 1, .fwd = FWD_IO,
   .pcap_frames = 100)
/* TX fetch under a real driver, RTL checked against the model: DPDK pushes the virtio-net header in front
 * of the frame (one descriptor a packet), so its bursts are fetched eight at a time */
TP(packed_inorder_cosim_rxonly_tx_fetch, .engine = "cosim", .packed = true, .in_order = true, .mrg = false,
   .queues = 1, .fwd = FWD_RXONLY, .bursts = 4, .tx_fetch = true)
TP(split_inorder_cosim_rxonly_tx_fetch, .engine = "cosim", .packed = false, .in_order = true, .mrg = false,
   .queues = 1, .fwd = FWD_RXONLY, .bursts = 4, .tx_fetch = true)
TP(packed_cosim_rxonly, .engine = "cosim", .packed = true, .in_order = true, .mrg = true, .queues = 1,
   .fwd = FWD_RXONLY, .bursts = 2)
/* 4 bursts on each of the 2 queues: 256 frames, which one 256-entry receive ring holds even if steering
 * sends every flow to the same pair; with 8 (512 frames) a fast enough device filled a ring before testpmd
 * refilled it and dropped frames testpmd then waited for (1 run in 3 on a loaded machine) */
TP(split_two_pairs_model, .engine = "model", .packed = false, .in_order = true, .mrg = true, .queues = 2,
   .fwd = FWD_RXONLY, .bursts = 4)

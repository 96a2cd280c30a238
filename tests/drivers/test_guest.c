/* test_guest.c - Linux's virtio_net in a QEMU guest (TCG) drives the simulated device through `vdpu vhost-user`. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "drv_case.h"

#define GUEST_DIR "build/guest"
#define RX_FRAMES 64 /* frames the wire offers the guest (its receive ring holds 256) */
#define PINGS 20     /* ICMP echo requests the guest sends */

struct guest_stats {
    unsigned long long tx, rx, tx_bytes, rx_bytes;
};

struct guest_case {
    const char *engine;
    bool packed;
    unsigned pairs;    /* queue pairs, 0 = 1 (mq=on with 2: the guest has 2 vCPUs and uses both) */
    bool loopback;     /* the guest's frames come back to it (else the wire is a sink) */
    unsigned ping_size; /* ICMP data bytes (56 by default; 1472 fills a 1500 MTU) */
    bool stop_cont;    /* QEMU's `stop` and `cont` once the guest received the capture: the bridge stops
                        * the device at GET_VRING_BASE and resumes its rings where the guest left them */
};

static void run_guest(const struct guest_case *c)
{
    const char *engine = c->engine;
    unsigned pairs = c->pairs ? c->pairs : 1;
    bool packed = c->packed;
    struct bridge_run b;
    struct proc q = {0}; /* not spawned yet */
    char qlog[160], pcap_in[160], append[256], dev[200], mem[96], chardev[200], netdev[96], smp[16], line[512];
    char mon[200], monsock[160];
    bool ok = false;
    cr_assert(bridge_prepare(&b, "guest"));
    snprintf(pcap_in, sizeof pcap_in, "%s/rx.pcap", b.dir);
    cr_assert(write_capture(pcap_in, RX_FRAMES));
    const char *extra[] = {"--pcap-in", pcap_in, c->loopback ? NULL : "--sink", NULL};
    if (!bridge_launch(&b, engine, extra)) {
        bridge_cleanup(&b, true);
        cr_assert(false, "the bridge did not start");
    }
    snprintf(qlog, sizeof qlog, "%s/qemu.log", b.dir);
    unsigned size = c->ping_size ? c->ping_size : 56;
    snprintf(append, sizeof append, "console=ttyS0 quiet panic=-1 ipv6.disable=1 vg_rx=%u vg_n=%u vg_size=%u", RX_FRAMES,
             PINGS, size);
    snprintf(netdev, sizeof netdev, "vhost-user,id=n0,chardev=c0,queues=%u", pairs);
    snprintf(smp, sizeof smp, "%u", pairs);
    snprintf(mem, sizeof mem, "memory-backend-memfd,id=mem,size=%s,share=on", GUEST_RAM);
    snprintf(chardev, sizeof chardev, "socket,id=c0,path=%s", b.sock);
    /* vectors=0: QEMU 7.2 under TCG crashes when the guest enables MSI-X on a vhost-user device
     * (docs/real-drivers.md); INTx works */
    snprintf(dev, sizeof dev, "virtio-net-pci,netdev=n0,mac=52:54:00:12:34:56,packed=%s,vectors=0%s",
             packed ? "on" : "off", pairs > 1 ? ",mq=on" : "");
    snprintf(monsock, sizeof monsock, "%s/mon.sock", b.dir);
    snprintf(mon, sizeof mon, "unix:%s,server=on,wait=off", monsock);
    char *argv[] = {"timeout", "-k", "5", "300", "qemu-system-x86_64", "-machine", "q35", "-accel", "tcg", "-cpu",
                    "qemu64", "-smp", smp, "-m", GUEST_RAM, "-nodefaults", "-display", "none", "-serial", "stdio",
                    "-no-reboot", "-kernel", GUEST_DIR "/vmlinuz", "-initrd", GUEST_DIR "/initrd.gz", "-append", append,
                    "-object", mem, "-numa", "node,memdev=mem", "-chardev", chardev, "-netdev",
                    netdev, "-device", dev, "-monitor", mon, NULL};
    struct guest_stats g = {0};
    if (proc_spawn(&q, "qemu", argv, false, qlog)) goto out;
    if (!proc_expect(&q, "VG-IFUP", 240, NULL, 0)) {
        cr_log_error("the guest's virtio_net interface never came up");
        goto out;
    }
    if (c->stop_cont) {
        /* the guest has the capture: its receive ring is 64 buffers in; stopped and continued, the
         * device must go on from there (and from wherever its transmit ring is) */
        if (!proc_expect(&q, "VG-STATS received", 240, NULL, 0) || !qemu_monitor(monsock, "stop", NULL, 0) ||
            !proc_expect(&b.p, "stopped at avail", 60, NULL, 0) || !qemu_monitor(monsock, "cont", NULL, 0) ||
            !proc_expect(&b.p, "rings resumed where the frontend left them", 60, NULL, 0)) {
            cr_log_error("stop / cont: the bridge did not stop and resume the device");
            goto out;
        }
    }
    if (!proc_expect(&q, "VG-STATS final", 240, line, sizeof line) ||
        sscanf(strstr(line, "tx_packets="), "tx_packets=%llu rx_packets=%llu tx_bytes=%llu rx_bytes=%llu", &g.tx, &g.rx,
               &g.tx_bytes, &g.rx_bytes) != 4) {
        cr_log_error("no final counters from the guest");
        goto out;
    }
    int qs = proc_wait(&q, 60);
    int bs = bridge_end(&b, 60);
    uint64_t pbytes = 0, cbytes = 0;
    int64_t pn = pcap_count(b.pcap_out, &pbytes), cn = pcap_count(pcap_in, &cbytes);
    cr_expect_eq(qs, 0, "QEMU exit status %d", qs);
    cr_expect_eq(bs, 0, "bridge exit status %d", bs);
    cr_expect_eq(g.tx, PINGS, "the guest sent %llu frames, %u pings", g.tx, PINGS);
    cr_expect_eq(g.tx, b.tx_frames, "guest tx_packets %llu, device transmitted %llu", g.tx,
                 (unsigned long long)b.tx_frames);
    cr_expect_eq(g.tx, (unsigned long long)pn, "guest tx_packets %llu, pcap-out %lld", g.tx, (long long)pn);
    cr_expect_eq(g.tx_bytes, pbytes, "guest tx_bytes %llu, pcap-out %llu", g.tx_bytes, (unsigned long long)pbytes);
    /* loopback: its own frames come back too */
    unsigned long long want_rx = RX_FRAMES + (c->loopback ? PINGS : 0), want_rx_bytes = cbytes + (c->loopback ? pbytes : 0);
    cr_expect_eq(g.rx, want_rx, "guest rx_packets %llu, want %llu", g.rx, want_rx);
    cr_expect_eq(g.rx, b.rx_frames, "guest rx_packets %llu, device received %llu", g.rx, (unsigned long long)b.rx_frames);
    cr_expect_eq(g.rx_bytes, want_rx_bytes, "guest rx_bytes %llu, want %llu", g.rx_bytes, want_rx_bytes);
    matrix_line("linux virtio_net (QEMU TCG, INTx) | %s | queues=%u ping %u B | %s+pcap-in | %s | tx %llu rx %llu | %llu "
                "cycles | %.2f s", packed ? "packed" : "split", pairs, size, c->loopback ? "loopback" : "sink", engine,
                g.tx, g.rx, (unsigned long long)b.cycles, b.wall);
    ok = qs == 0 && bs == 0 && g.tx == PINGS && g.tx == b.tx_frames && (int64_t)g.tx == pn && g.tx_bytes == pbytes &&
         g.rx == want_rx && g.rx == b.rx_frames && g.rx_bytes == want_rx_bytes && cn == RX_FRAMES;
out:
    case_finish(&b, &q, "QEMU console", qlog, ok);
}

#define GUEST(name, ...)                                                                                   \
    Test(guest, name, .timeout = 600) { run_guest(&(struct guest_case){__VA_ARGS__}); }

GUEST(split_model, .engine = "model", .packed = false)
GUEST(packed_model, .engine = "model", .packed = true)
GUEST(split_rtl, .engine = "rtl", .packed = false)
GUEST(packed_rtl, .engine = "rtl", .packed = true)
GUEST(packed_cosim, .engine = "cosim", .packed = true)
GUEST(split_two_pairs_loopback_mtu_model, .engine = "model", .packed = false, .pairs = 2, .loopback = true,
      .ping_size = 1472)
GUEST(packed_two_pairs_loopback_mtu_rtl, .engine = "rtl", .packed = true, .pairs = 2, .loopback = true,
      .ping_size = 1472)
GUEST(split_stop_cont_loopback_model, .engine = "model", .packed = false, .loopback = true, .stop_cont = true)
GUEST(packed_stop_cont_loopback_rtl, .engine = "rtl", .packed = true, .loopback = true, .stop_cont = true)

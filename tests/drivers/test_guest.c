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

static void run_guest(const char *engine, bool packed)
{
    struct bridge_run b;
    struct proc q = {0}; /* not spawned yet */
    char qlog[160], pcap_in[160], append[256], dev[160], mem[96], chardev[200], line[512];
    bool ok = false;
    cr_assert(bridge_prepare(&b, "guest"));
    snprintf(pcap_in, sizeof pcap_in, "%s/rx.pcap", b.dir);
    cr_assert(write_capture(pcap_in, RX_FRAMES));
    const char *extra[] = {"--sink", "--pcap-in", pcap_in, NULL};
    if (!bridge_launch(&b, engine, extra)) {
        bridge_cleanup(&b, true);
        cr_assert(false, "the bridge did not start");
    }
    snprintf(qlog, sizeof qlog, "%s/qemu.log", b.dir);
    snprintf(append, sizeof append, "console=ttyS0 quiet panic=-1 ipv6.disable=1 vg_rx=%u vg_n=%u", RX_FRAMES, PINGS);
    snprintf(mem, sizeof mem, "memory-backend-memfd,id=mem,size=128M,share=on");
    snprintf(chardev, sizeof chardev, "socket,id=c0,path=%s", b.sock);
    /* vectors=0: QEMU 7.2 under TCG crashes when the guest enables MSI-X on a vhost-user device
     * (docs/real-drivers.md); INTx works */
    snprintf(dev, sizeof dev, "virtio-net-pci,netdev=n0,mac=52:54:00:12:34:56,packed=%s,vectors=0", packed ? "on" : "off");
    char *argv[] = {"timeout", "-k", "5", "300", "qemu-system-x86_64", "-machine", "q35", "-accel", "tcg", "-cpu",
                    "qemu64", "-smp", "1", "-m", "128M", "-nodefaults", "-display", "none", "-serial", "stdio",
                    "-no-reboot", "-kernel", GUEST_DIR "/vmlinuz", "-initrd", GUEST_DIR "/initrd.gz", "-append", append,
                    "-object", mem, "-numa", "node,memdev=mem", "-chardev", chardev, "-netdev",
                    "vhost-user,id=n0,chardev=c0", "-device", dev, NULL};
    struct guest_stats g = {0};
    if (proc_spawn(&q, "qemu", argv, false, qlog)) goto out;
    if (!proc_expect(&q, "VG-IFUP", 240, NULL, 0)) {
        cr_log_error("the guest's virtio_net interface never came up");
        goto out;
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
    cr_expect_eq(g.rx, RX_FRAMES, "guest rx_packets %llu of %u offered", g.rx, RX_FRAMES);
    cr_expect_eq(g.rx, b.rx_frames, "guest rx_packets %llu, device received %llu", g.rx, (unsigned long long)b.rx_frames);
    cr_expect_eq(g.rx_bytes, cbytes, "guest rx_bytes %llu, the capture %llu", g.rx_bytes, (unsigned long long)cbytes);
    matrix_line("linux virtio_net (QEMU TCG, INTx) | %s | | sink+pcap-in | %s | tx %llu rx %llu | %llu cycles | %.2f s",
                packed ? "packed" : "split", engine, g.tx, g.rx, (unsigned long long)b.cycles, b.wall);
    ok = qs == 0 && bs == 0 && g.tx == PINGS && g.tx == b.tx_frames && (int64_t)g.tx == pn && g.tx_bytes == pbytes &&
         g.rx == RX_FRAMES && g.rx == b.rx_frames && g.rx_bytes == cbytes && cn == RX_FRAMES;
out:
    if (!ok) {
        char tail[3000];
        proc_log_tail(qlog, tail, sizeof tail);
        fprintf(stderr, "--- QEMU console (%s):\n%s\n---\n", qlog, tail);
    }
    proc_kill(&q);
    bridge_cleanup(&b, !ok);
    cr_assert(ok, "Linux guest case failed (logs above)");
}

Test(guest, split_model, .timeout = 600) { run_guest("model", false); }
Test(guest, packed_model, .timeout = 600) { run_guest("model", true); }
Test(guest, split_rtl, .timeout = 600) { run_guest("rtl", false); }
Test(guest, packed_rtl, .timeout = 600) { run_guest("rtl", true); }
Test(guest, packed_cosim, .timeout = 600) { run_guest("cosim", true); }

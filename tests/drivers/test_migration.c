/* test_migration.c - a QEMU guest (Linux virtio_net) live-migrated between two `vdpu vhost-user` backends. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "drv_case.h"

#define GUEST_DIR "build/guest"
#define RX_FRAMES 64 /* frames the source's wire offers the guest before the migration */
#define PINGS 100    /* ICMP echo requests the guest sends, looped back by the wire: across the migration */

/* A file's text (the bridge's log), or "" */
static const char *slurp(const char *path)
{
    static char buf[1 << 20];
    buf[0] = 0;
    FILE *f = fopen(path, "r");
    if (!f) return buf;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    fclose(f);
    return buf;
}

/* The blocks of the source's "memory crc at the stop" line that differ from the destination's "... at the
 * start" (sim/vhost/bridge.h, bridge_memory_crc_start); -1 if either line is missing. Warns of each. */
static int memory_blocks_differ(const char *src_log, const char *dst_log)
{
    static char a[8192], b[8192];
    const char *la = strstr(src_log, "memory crc at the stop"), *lb = strstr(dst_log, "memory crc at the start");
    if (!la || !lb) return -1;
    sscanf(la, "%8191[^\n]", a);
    sscanf(lb, "%8191[^\n]", b);
    const char *pa = strchr(a, ':'), *pb = strchr(b, ':');
    int differ = 0, n = 0;
    unsigned long long ga, gb;
    unsigned ca, cb;
    int ka, kb;
    while (pa && pb && sscanf(pa + 1, " %llx:%x%n", &ga, &ca, &ka) == 2 && sscanf(pb + 1, " %llx:%x%n", &gb, &cb, &kb) == 2) {
        if (ga != gb || ca != cb) {
            differ++;
            cr_log_warn("guest memory block at 0x%llx: crc 0x%08x at the source's stop, 0x%08x at the destination's start",
                        ga, ca, cb);
        }
        pa += ka;
        pb += kb;
        n++;
    }
    return n ? differ : -1;
}

/* The pages the source's device wrote while QEMU logged ("device page crc at the stop:" lines) whose CRC
 * differs at the destination's start ("memory page crc at the start from 0x<gpa>:" lines, 512 CRCs each):
 * a device write the destination's image lacks. -1 if either side printed none. */
static int device_pages_differ(const char *src_log, const char *dst_log, unsigned *checked)
{
    int differ = 0;
    *checked = 0;
    for (const char *l = strstr(src_log, "device page crc at the stop:"); l;
         l = strstr(l + 1, "device page crc at the stop:")) {
        const char *p = strchr(l, ':') + 1, *eol = strchr(l, '\n');
        unsigned long long gpa;
        unsigned crc;
        int k;
        while ((!eol || p < eol) && sscanf(p, " %llx:%x%n", &gpa, &crc, &k) == 2) {
            p += k;
            /* the destination's line holding this page */
            unsigned long long base = gpa & ~((512ull << 12) - 1);
            char key[80];
            snprintf(key, sizeof key, "memory page crc at the start from 0x%llx:", base);
            const char *d = strstr(dst_log, key);
            if (!d) return -1;
            d += strlen(key) + 8 * ((gpa - base) >> 12);
            unsigned dst = 0;
            if (sscanf(d, "%8x", &dst) != 1) return -1;
            (*checked)++;
            if (dst != crc) {
                differ++;
                cr_log_error("guest page 0x%llx, written by the source's device: crc 0x%08x at its stop, 0x%08x at the "
                             "destination's start", gpa, crc, dst);
            }
        }
    }
    return *checked ? differ : -1;
}

/* Both comparisons of the guest's memory across the switch (the bridges' logs); *dev_pages as
 * device_pages_differ, *blocks as memory_blocks_differ. */
static void compare_memory(const struct bridge_run *a, const struct bridge_run *b, int *dev_pages, unsigned *checked,
                           int *blocks)
{
    char *src_log = strdup(slurp(a->log)); /* slurp's buffer is reused for the destination's */
    *checked = 0;
    *dev_pages = src_log ? device_pages_differ(src_log, slurp(b->log), checked) : -1;
    *blocks = src_log ? memory_blocks_differ(src_log, slurp(b->log)) : -1;
    free(src_log);
}

/*
 * The source QEMU runs the guest on bridge A (its wire offers RX_FRAMES, then loops back what the guest
 * sends); once the guest received them, `migrate` moves it to a destination QEMU (-incoming) on bridge B
 * while it pings. QEMU's pre-copy reads the log the source bridge fills from the device's dirty page log
 * (VHOST_F_LOG_ALL, LOG_SHMFD); at the switch, GET_VRING_BASE stops device A (the last marks land in the
 * log first) and SET_VRING_BASE resumes device B's rings where A left them. The guest notices nothing:
 * every frame sent comes back once, and the two devices' counts add up to the guest's.
 */
static void run_migration(const char *engine, bool packed, unsigned pairs)
{
    struct bridge_run a, b;
    struct proc qs = {0}, qd = {0};
    char pcap_in[160], qslog[160], qdlog[160], append[256], dev[200], mem[96], chs[200], chd[200], mons[200],
        mond[200], monsock_s[160], monsock_d[160], incoming[200], migrate[220], line[512], reply[4096], netdev[80],
        smp[8];
    bool ok = false, migrated = false, compared = false;
    unsigned dev_checked = 0;
    int dev_pages = -1, blocks = -1;
    cr_assert(bridge_prepare(&a, "mig-src") && bridge_prepare(&b, "mig-dst"));
    snprintf(pcap_in, sizeof pcap_in, "%s/rx.pcap", a.dir);
    cr_assert(write_capture(pcap_in, RX_FRAMES));
    const char *extra_a[] = {"--pcap-in", pcap_in, "--loopback", "-v", NULL}, *extra_b[] = {"--loopback", "-v", NULL};
    if (!bridge_launch(&a, engine, extra_a) || !bridge_launch(&b, engine, extra_b)) {
        bridge_cleanup(&b, true);
        bridge_cleanup(&a, true);
        cr_assert(false, "the bridges did not start");
    }
    snprintf(qslog, sizeof qslog, "%s/qemu.log", a.dir);
    snprintf(qdlog, sizeof qdlog, "%s/qemu.log", b.dir);
    snprintf(append, sizeof append,
             "console=ttyS0 quiet panic=-1 ipv6.disable=1 vg_rx=%u vg_n=%u vg_size=56 vg_hold=2", RX_FRAMES, PINGS);
    snprintf(mem, sizeof mem, "memory-backend-memfd,id=mem,size=%s,share=on", GUEST_RAM);
    snprintf(chs, sizeof chs, "socket,id=c0,path=%s", a.sock);
    snprintf(chd, sizeof chd, "socket,id=c0,path=%s", b.sock);
    /* vectors=0: INTx (QEMU 7.2 under TCG crashes on MSI-X with vhost-user, docs/real-drivers.md); with two
     * pairs the guest has two vCPUs and uses both queue pairs */
    snprintf(dev, sizeof dev, "virtio-net-pci,netdev=n0,mac=52:54:00:12:34:56,packed=%s,vectors=0%s", packed ? "on" : "off",
             pairs > 1 ? ",mq=on" : "");
    snprintf(netdev, sizeof netdev, "vhost-user,id=n0,chardev=c0,queues=%u", pairs);
    snprintf(smp, sizeof smp, "%u", pairs);
    snprintf(monsock_s, sizeof monsock_s, "%s/mon.sock", a.dir);
    snprintf(monsock_d, sizeof monsock_d, "%s/mon.sock", b.dir);
    snprintf(mons, sizeof mons, "unix:%s,server=on,wait=off", monsock_s);
    snprintf(mond, sizeof mond, "unix:%s,server=on,wait=off", monsock_d);
    snprintf(incoming, sizeof incoming, "unix:%s/mig.sock", b.dir);
    snprintf(migrate, sizeof migrate, "migrate -d unix:%s/mig.sock", b.dir);
#define QEMU_ARGS(ch, mon)                                                                                          \
    "timeout", "-k", "5", "400", "qemu-system-x86_64", "-machine", "q35", "-accel", "tcg", "-cpu", "qemu64", "-smp", \
        smp, "-m", GUEST_RAM, "-nodefaults", "-display", "none", "-serial", "stdio", "-no-reboot", "-kernel",          \
        GUEST_DIR "/vmlinuz", "-initrd", GUEST_DIR "/initrd.gz", "-append", append, "-object", mem, "-numa",       \
        "node,memdev=mem", "-chardev", ch, "-netdev", netdev, "-device", dev, "-monitor", mon
    char *argv_s[] = {QEMU_ARGS(chs, mons), NULL};
    char *argv_d[] = {QEMU_ARGS(chd, mond), "-incoming", incoming, NULL};
    struct {
        unsigned long long tx, rx;
    } g = {0};
    if (proc_spawn(&qd, "qemu-dst", argv_d, false, qdlog) || proc_spawn(&qs, "qemu-src", argv_s, false, qslog)) goto out;
    if (!proc_expect(&qs, "VG-STATS received", 240, NULL, 0)) {
        cr_log_error("the guest did not receive the capture on the source");
        goto out;
    }
    if (!qemu_monitor(monsock_s, migrate, NULL, 0)) goto out;
    /* the migration's status, until QEMU says it completed */
    bool done = false;
    for (int i = 0; i < 600 && !done; i++) {
        if (!qemu_monitor(monsock_s, "info migrate", reply, sizeof reply)) goto out;
        if (strstr(reply, "Migration status: failed") || strstr(reply, "Migration status: cancelled")) {
            cr_log_error("QEMU's migration failed: %s", reply);
            goto out;
        }
        done = strstr(reply, "Migration status: completed") != NULL;
        if (!done) usleep(200000);
    }
    if (!done) {
        cr_log_error("the migration did not complete: %s", reply);
        goto out;
    }
    cr_log_info("migration: %s", reply);
    qemu_monitor(monsock_s, "quit", NULL, 0); /* the source is paused for good: its bridge ends */
    migrated = true;
    if (!proc_expect(&qd, "VG-STATS final", 120, line, sizeof line) ||
        sscanf(strstr(line, "tx_packets="), "tx_packets=%llu rx_packets=%llu", &g.tx, &g.rx) != 2) {
        cr_log_error("no final counters from the guest on the destination");
        goto out;
    }
    int qd_st = proc_wait(&qd, 60), qs_st = proc_wait(&qs, 60);
    int as = bridge_end(&a, 60), bs = bridge_end(&b, 60);
    const char *alog = slurp(a.log);
    unsigned long long marked = 0;
    const char *off = strstr(alog, "dirty page log off: ");
    if (off) sscanf(off, "dirty page log off: %llu pages", &marked);
    bool on = strstr(alog, "dirty page log on: ") != NULL;
    bool resumed = strstr(slurp(b.log), "rings resumed where the frontend left them") != NULL;
    cr_expect_eq(qd_st, 0, "destination QEMU exit status %d", qd_st);
    cr_expect(qs_st == 0 || qs_st == 128 + 15, "source QEMU exit status %d", qs_st);
    cr_expect_eq(as, 0, "source bridge exit status %d", as);
    cr_expect_eq(bs, 0, "destination bridge exit status %d", bs);
    cr_expect(on && marked > 0, "the source's device logged the pages it wrote during the migration (%llu)", marked);
    cr_expect(resumed, "the destination's device resumed the rings where the source left them");
    /* the guest's memory at the source's stop and at the destination's start (nothing runs in between):
     * every page the source's device wrote must be equal (else the dirty log lost it); other differences
     * are guest-CPU pages QEMU's pre-copy did not resend (docs/real-drivers.md), reported, not the device's */
    compare_memory(&a, &b, &dev_pages, &dev_checked, &blocks);
    compared = true;
    cr_expect_eq(dev_pages, 0, "the %u pages the source's device wrote are equal at the destination's start (%d differ; "
                               "-1: a bridge printed no page crc)", dev_checked, dev_pages);
    if (blocks && dev_pages == 0)
        cr_log_warn("%d blocks of guest memory differ between the source's stop and the destination's start, none in a "
                    "page the device wrote: QEMU's pre-copy lost guest-CPU pages (docs/real-drivers.md)", blocks);
    cr_expect_eq(g.tx, PINGS, "the guest sent %llu frames, %u pings", g.tx, PINGS);
    cr_expect_eq(g.tx, a.tx_frames + b.tx_frames, "guest tx %llu = source %llu + destination %llu", g.tx,
                 (unsigned long long)a.tx_frames, (unsigned long long)b.tx_frames);
    cr_expect_eq(g.rx, RX_FRAMES + PINGS, "guest rx %llu, want %u (the capture and its looped-back pings)", g.rx,
                 RX_FRAMES + PINGS);
    cr_expect_eq(g.rx, a.rx_frames + b.rx_frames, "guest rx %llu = source %llu + destination %llu", g.rx,
                 (unsigned long long)a.rx_frames, (unsigned long long)b.rx_frames);
    matrix_line("linux virtio_net live migration (QEMU TCG, 2 bridges) | %s | queues=%u | %s | tx %llu = %llu + %llu, rx %llu = "
                "%llu + %llu | %llu pages logged, %u device pages equal after | %.2f + %.2f s",
                packed ? "packed" : "split", pairs, engine, g.tx, (unsigned long long)a.tx_frames,
                (unsigned long long)b.tx_frames, g.rx, (unsigned long long)a.rx_frames, (unsigned long long)b.rx_frames,
                marked, dev_pages == 0 ? dev_checked : 0, a.wall, b.wall);
    ok = qd_st == 0 && as == 0 && bs == 0 && on && marked > 0 && resumed && dev_pages == 0 &&
         g.tx == PINGS &&
         g.tx == a.tx_frames + b.tx_frames && g.rx == RX_FRAMES + PINGS && g.rx == a.rx_frames + b.rx_frames;
out:
    proc_kill(&qs);
    if (!ok && migrated) { /* which guest memory the destination got wrong, whatever failed after the switch */
        if (!compared) compare_memory(&a, &b, &dev_pages, &dev_checked, &blocks);
        fprintf(stderr, "--- guest memory at the source's stop vs the destination's start: %d of %u device pages and %d "
                        "blocks differ (-1: a bridge printed no crc)\n", dev_pages, dev_checked, blocks);
    }
    if (!ok) {
        char tail[3000];
        proc_log_tail(qslog, tail, sizeof tail);
        fprintf(stderr, "--- source QEMU console (%s):\n%s\n---\n", qslog, tail);
    }
    bridge_cleanup(&a, !ok);
    case_finish(&b, &qd, "destination QEMU console", qdlog, ok);
}

Test(migration, split_model, .timeout = 900) { run_migration("model", false, 1); }
Test(migration, packed_rtl, .timeout = 900) { run_migration("rtl", true, 1); }
Test(migration, split_two_pairs_rtl, .timeout = 900) { run_migration("rtl", false, 2); }

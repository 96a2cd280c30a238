/* test_vqstate.c - the vendor data capability (VIRTIO_PCI_CAP_VENDOR_CFG) and the VQSTATE region it
 * names (docs/device-behavior.md "VQSTATE"): the capability found by a walk and its fields, the
 * region's reads of the queue engine's position, its diagnostics, and after traffic (split and packed,
 * with the ring wrapping) the position equal to what the driver knows; on model, rtl and cosim. */
#include <stdlib.h>
#include <string.h>

#include "hand_ring.h"
#include "harness.h"
#include "virtio_net.h"
#include "virtio_suspend.h"

#define VQS(r) (VDPU_BAR_VQSTATE_OFF + VDPU_VQSTATE_##r)
#define WRAP (1u << VDPU_VQSTATE_WRAP_BIT)
#define CC(f) VDPU_COMMON_##f

/* Walk the list from the capabilities pointer the way a driver does; the offset of the first
 * vendor-specific capability of cfg_type `type`, 0 if none. */
static uint8_t find_virtio_cap(struct tctx *t, uint8_t type)
{
    cr_assert(cfg_rd(t, 0x06, 2) & 0x10, "capability list present");
    uint8_t p = (uint8_t)cfg_rd(t, 0x34, 1);
    for (unsigned ttl = 0; p >= 0x40 && ttl < 48; ttl++) {
        cr_assert_eq(p % 4, 0, "capability at 0x%02x not dword-aligned", p);
        if (cfg_rd(t, p, 1) == 0x09 && cfg_rd(t, p + 3, 1) == type) return p;
        p = (uint8_t)cfg_rd(t, p + 1, 1);
    }
    cr_assert_eq(p, 0, "the list terminates");
    return 0;
}

ENGINE_TEST(vqstate, vendor_data_capability_fields)
{
    uint8_t p = find_virtio_cap(T, VIRTIO_PCI_CAP_VENDOR_CFG);
    cr_assert_neq(p, 0, "a vendor data capability is in the list");
    cr_assert_eq(p, VDPU_CFG_VNDR_VNDR);
    uint32_t len = cfg_rd(T, p + 2, 1);
    cr_assert_eq(len, sizeof(struct vdpu_vndr_vqstate_cap));
    cr_assert_eq(len % 4, 0, "cap_len a multiple of 4");
    uint32_t vid = cfg_rd(T, p + VDPU_VNDR_OFF(hdr.vendor_id), 2);
    cr_assert_neq(vid, 0x1AF4, "vendor_id must not be 0x1AF4");
    cr_assert_eq(vid, VDPU_VNDR_DATA_ID);
    cr_assert_eq(cfg_rd(T, p + VDPU_VNDR_OFF(format), 1), VDPU_VNDR_DATA_FMT);
    cr_assert_eq(cfg_rd(T, p + VDPU_VNDR_OFF(bar), 1), 0, "BAR0");
    cr_assert_eq(cfg_rd(T, p + VDPU_VNDR_OFF(magic), 4), 0x56445055, "'VDPU'");
    cr_assert_eq(cfg_rd(T, p + VDPU_VNDR_OFF(offset), 4), 0x6000);
    cr_assert_eq(cfg_rd(T, p + VDPU_VNDR_OFF(length), 4), 8);
    cr_assert_eq(cfg_rd(T, p + 1, 1), VDPU_CFG_MIGC_VNDR, "the migration region's capability (format 2) follows");
    /* the whole capability as dwords, twice: reads have no side effects */
    uint32_t a[5], b[5];
    for (unsigned i = 0; i < 5; i++) a[i] = cfg_rd(T, (uint16_t)(p + 4 * i), 4);
    for (unsigned i = 0; i < 5; i++) b[i] = cfg_rd(T, (uint16_t)(p + 4 * i), 4);
    cr_assert_arr_eq(a, b, sizeof a);
    expect_no_diag(T);
    /* read-only */
    cfg_wr(T, p + VDPU_VNDR_OFF(offset), 4, 0x1234);
    expect_diag(T, VDPU_DIAG_CFG_RO_WRITE, p + VDPU_VNDR_OFF(offset));
    cr_assert_eq(cfg_rd(T, p + VDPU_VNDR_OFF(offset), 4), 0x6000);
    cfg_wr(T, p + VDPU_VNDR_OFF(hdr.vendor_id), 2, 0x1AF4);
    expect_diag(T, VDPU_DIAG_CFG_RO_WRITE, p + VDPU_VNDR_OFF(hdr.vendor_id));
    cr_assert_eq(cfg_rd(T, p + VDPU_VNDR_OFF(hdr.vendor_id), 2), VDPU_VNDR_DATA_ID);
    /* byte accesses inside it are plain storage, not the PCI cfg window next door */
    cr_assert_eq(cfg_rd(T, p, 1), 0x09);
    cr_assert_eq(cfg_rd(T, p + 2, 2), 9u << 8 | len);
    expect_no_diag(T);
    /* and the enumeration records the region */
    t_enumerate(T);
    cr_assert(T->s.pci.vndr_found);
    cr_assert_eq(T->s.pci.vndr_cap, p);
    cr_assert_eq(T->s.pci.vqstate, T->bar + VDPU_BAR_VQSTATE_OFF);
}

/* The offer includes VIRTIO_F_SUSPEND (bit 43) by default. */
ENGINE_TEST(vqstate, suspend_feature_offered)
{
    t_enumerate(T);
    bar_wr(T, CC(DFSELECT), 4, VIRTIO_F_SUSPEND / 32);
    cr_assert(bar_rd(T, CC(DF), 4) & (1u << (VIRTIO_F_SUSPEND % 32)), "device_feature offers SUSPEND");
}

ENGINE_TEST(vqstate, region_reads_and_diagnostics)
{
    t_enumerate(T);
    /* reset: index 0, wrap counters 1 */
    for (unsigned q = 0; q < VDPU_NUM_QUEUES; q++) {
        bar_wr(T, CC(Q_SELECT), 2, q);
        cr_assert_eq(bar_rd(T, VQS(AVAIL), 4), WRAP, "queue %u avail state after reset", q);
        cr_assert_eq(bar_rd(T, VQS(USED), 4), WRAP, "queue %u used state after reset", q);
    }
    expect_no_diag(T);
    /* an invalid queue_select reads 0, like common cfg */
    bar_wr(T, CC(Q_SELECT), 2, VDPU_NUM_QUEUES);
    cr_assert_eq(bar_rd(T, VQS(AVAIL), 4), 0);
    cr_assert_eq(bar_rd(T, VQS(USED), 4), 0);
    bar_wr(T, CC(Q_SELECT), 2, 0xFFFF);
    cr_assert_eq(bar_rd(T, VQS(USED), 4), 0);
    expect_no_diag(T);
    bar_wr(T, CC(Q_SELECT), 2, 1);
    /* writes of the legal size: read-only */
    bar_wr(T, VQS(AVAIL), 4, 0x1234);
    expect_diag(T, VDPU_DIAG_BAR_RO_WRITE, VQS(AVAIL));
    bar_wr(T, VQS(USED), 4, 0);
    expect_diag(T, VDPU_DIAG_BAR_RO_WRITE, VQS(USED));
    cr_assert_eq(bar_rd(T, VQS(AVAIL), 4), WRAP, "unchanged");
    /* other sizes and offsets */
    static const struct { uint32_t off; unsigned size; } bad[] = {
        {VQS(AVAIL), 8}, {VQS(AVAIL), 2}, {VQS(AVAIL), 1}, {VQS(AVAIL) + 2, 2}, {VQS(USED) + 1, 1}, {VQS(USED), 2},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_assert_eq(bar_rd(T, bad[i].off, bad[i].size), 0);
        expect_diag(T, VDPU_DIAG_BAR_BAD_SIZE, bad[i].off);
        bar_wr(T, bad[i].off, bad[i].size, ~0ull);
        expect_diag(T, VDPU_DIAG_BAR_BAD_SIZE, bad[i].off);
    }
    /* past the region: a hole */
    cr_assert_eq(bar_rd(T, VQS(USED) + 4, 4), 0);
    expect_diag(T, VDPU_DIAG_BAR_HOLE, VQS(USED) + 4);
    /* through the PCI cfg access window as well */
    cfg_wr(T, VDPU_CFG_PCICFG_BAR, 1, 0);
    cfg_wr(T, VDPU_CFG_PCICFG_OFF, 4, VQS(USED));
    cfg_wr(T, VDPU_CFG_PCICFG_LENGTH, 4, 4);
    cr_assert_eq(cfg_rd(T, VDPU_CFG_PCICFG_DATA, 4), WRAP);
    cfg_wr(T, VDPU_CFG_PCICFG_DATA, 4, 5);
    expect_diag(T, VDPU_DIAG_BAR_RO_WRITE, VQS(USED));
}

/* Playing the firmware: a hand-built split transmitq, 5 buffers -> AVAIL and USED both 5; packed with
 * QN = 8 slots and 11 buffers -> slot 3 with both wrap counters flipped. */
static void hand_tx(struct tctx *t, bool packed, unsigned nbuf)
{
    engine_up(t, packed, 0x11, 0);
    uint8_t frame[BUF_LEN];
    memset(frame, 0, sizeof frame);
    memset(frame + 12, 0xA5, sizeof frame - 12);
    for (unsigned i = 0; i < nbuf; i++) {
        uint16_t slot = (uint16_t)(i % QN);
        uint64_t a = BUFS + 0x100u * slot;
        hm_w(t, a, frame, sizeof frame);
        if (packed) {
            bool wrap = (i / QN) % 2 == 0;
            uint16_t fl = wrap ? 1u << 7 : 1u << 15; /* AVAIL = wrap, USED = !wrap */
            desc_w(t, slot, a, BUF_LEN, slot, fl);
        } else {
            desc_w(t, slot, a, BUF_LEN, 0, 0);
            hm_w16(t, RING_DRV + 4 + 2 * slot, slot);
            hm_w16(t, RING_DRV + 2, (uint16_t)(i + 1));
        }
        if (i % QN == QN - 1 || i == nbuf - 1) kick(t); /* the driver refills a ring it got back */
    }
}

ENGINE_TEST(vqstate, hand_ring_split_position)
{
    hand_tx(T, false, 5);
    bar_wr(T, CC(Q_SELECT), 2, Q_TX);
    cr_assert_eq(bar_rd(T, VQS(AVAIL), 4), WRAP | 5, "5 buffers consumed (split: wrap bit keeps its reset 1)");
    cr_assert_eq(bar_rd(T, VQS(USED), 4), WRAP | 5);
    cr_assert_eq(hm_r16(T, RING_DEV + 2), 5, "the used idx the device wrote");
    bar_wr(T, CC(Q_SELECT), 2, 0);
    cr_assert_eq(bar_rd(T, VQS(AVAIL), 4), WRAP, "the other queue did not move");
    expect_no_diag(T);
}

ENGINE_TEST(vqstate, hand_ring_packed_position_after_wrap)
{
    hand_tx(T, true, 11);
    bar_wr(T, CC(Q_SELECT), 2, Q_TX);
    cr_assert_eq(bar_rd(T, VQS(AVAIL), 4), 3, "slot 11 - 8 = 3, avail wrap counter flipped to 0");
    cr_assert_eq(bar_rd(T, VQS(USED), 4), 3, "used slot and wrap counter likewise");
    expect_no_diag(T);
}

/* Live reads while the engine works through packed chains of two descriptors: the avail position moves
 * past a chain's first descriptor before the chain is used (the registers are distinct and current),
 * and the reads disturb nothing (cosim compares every transaction). */
ENGINE_TEST(vqstate, live_position_during_packed_chains)
{
    engine_up(T, true, 0x11, 0);
    uint8_t frame[BUF_LEN];
    memset(frame, 0, sizeof frame);
    memset(frame + 12, 0x5A, sizeof frame - 12);
    for (uint16_t b = 0; b < 3; b++) {
        uint64_t a = BUFS + 0x100u * b;
        hm_w(T, a, frame, sizeof frame);
        desc_w(T, (uint16_t)(2 * b), a, 32, 0, 1u << 7 | 1u /* AVAIL | NEXT */);
        desc_w(T, (uint16_t)(2 * b + 1), a + 32, BUF_LEN - 32, b, 1u << 7);
    }
    bar_wr(T, CC(Q_SELECT), 2, Q_TX);
    bar_wr(T, VDPU_BAR_NOTIFY_OFF + Q_TX * VDPU_NOTIFY_MULT, 2, Q_TX);
    unsigned ahead = 0, samples = 0;
    uint32_t av = 0, us = 0;
    for (uint64_t end = T->b->dev->cycle + 6000; T->b->dev->cycle < end; samples++) {
        av = (uint32_t)bar_rd(T, VQS(AVAIL), 4);
        us = (uint32_t)bar_rd(T, VQS(USED), 4);
        cr_assert_eq(av & WRAP, WRAP);
        cr_assert_eq(us & WRAP, WRAP);
        cr_assert_geq((uint16_t)av, (uint16_t)us, "the device never uses what it has not consumed");
        if ((uint16_t)av > (uint16_t)us) ahead++;
    }
    cr_assert_gt(ahead, 0, "seen a chain consumed in part and not used yet (%u samples)", samples);
    cr_assert_eq(av, WRAP | 6, "3 chains of 2 slots consumed");
    cr_assert_eq(us, WRAP | 6, "and used");
    expect_no_diag(T);
}

/* ---- after real traffic, real firmware ---- */

struct run {
    virtio_drv_t d;
    virtio_net_t n;
};

static struct run *traffic(struct tctx *t, enum drv_ring ring, unsigned qsize, enum net_workload w, uint64_t packets)
{
    struct run *r = calloc(1, sizeof *r);
    cr_assert_not_null(r);
    struct drv_params p;
    drv_params_default(&p);
    p.ring = ring;
    p.qsize = qsize;
    t_enumerate(t);
    cr_assert_eq(pci_msix_setup(t->b, &t->s.pci, NULL), 0);
    cr_assert_eq(virtio_drv_init(&r->d, &t->s, &p), DRV_OK, "init: %s", r->d.refusal);
    struct net_params np = {w, packets, 64, 7, 400000 + packets * 20000};
    cr_assert_eq(virtio_net_open(&r->n, &r->d, &np), 0, "%s", r->n.error);
    cr_assert_eq(virtio_net_run(&r->n), 0, "traffic: %s", r->n.error);
    run_cycles(t, 2000); /* the read that finds the ring empty */
    return r;
}

static void done(struct run *r)
{
    virtio_net_close(&r->n);
    free(r);
}

static void state(struct run *r, unsigned q, uint16_t *ai, bool *aw, uint16_t *ui, bool *uw)
{
    cr_assert_eq(virtio_drv_queue_state(&r->d, q, ai, aw, ui, uw), DRV_OK, "%s", r->d.refusal);
}

ENGINE_TEST_REALFW(vqstate, split_tx_position_is_what_the_driver_knows, .timeout = 300)
{
    struct run *r = traffic(T, DRV_RING_SPLIT, 64, NET_TX, 150); /* the 16-bit index passes 64 twice */
    uint16_t ai, ui;
    bool aw, uw;
    state(r, 1, &ai, &aw, &ui, &uw);
    cr_assert_eq(ai, 150, "last_avail = buffers the device consumed");
    cr_assert_eq(ui, 150, "used idx = buffers used");
    cr_assert_eq(ai, r->n.tx.avail_idx, "the driver made exactly these available");
    cr_assert_eq(ui, r->n.tx.last_used, "and reaped exactly these");
    uint16_t ring_used;
    cr_assert(host_mem_read(&T->s.mem, r->n.tx.device + 2, &ring_used, 2));
    cr_assert_eq(ui, ring_used, "the used idx in the ring");
    state(r, 0, &ai, NULL, &ui, NULL);
    cr_assert_eq(ai, 0, "TX traffic consumed no receive buffer");
    cr_assert_eq(ui, 0);
    done(r);
}

ENGINE_TEST_REALFW(vqstate, packed_tx_position_after_wraps, .timeout = 300)
{
    struct run *r = traffic(T, DRV_RING_PACKED, 16, NET_TX, 100);
    uint16_t ai, ui;
    bool aw, uw;
    state(r, 1, &ai, &aw, &ui, &uw);
    /* one descriptor per buffer: 100 slots = 6 laps of 16 and 4 */
    cr_assert_eq(ai, 100 % 16);
    cr_assert_eq(aw, (100 / 16) % 2 == 0, "avail wrap counter flipped 6 times");
    cr_assert_eq(ai, r->n.tx.next_avail, "next slot the driver makes available");
    cr_assert_eq(aw, r->n.tx.avail_wrap);
    cr_assert_eq(ui, r->n.tx.next_used, "next used slot the driver reads");
    cr_assert_eq(uw, r->n.tx.used_wrap);
    cr_assert_geq(r->n.tx.ring_laps, 6, "the ring wrapped");
    done(r);
}

ENGINE_TEST_REALFW(vqstate, loopback_rx_position, .timeout = 300)
{
    struct run *r = traffic(T, DRV_RING_SPLIT, 32, NET_LOOPBACK, 80);
    uint16_t ai, ui;
    bool aw, uw;
    state(r, 0, &ai, &aw, &ui, &uw);
    cr_assert_eq(ai, 80, "one receive buffer per frame");
    cr_assert_eq(ui, 80);
    cr_assert_eq(ui, r->n.rx.last_used);
    cr_assert_gt(r->n.rx.avail_idx, ai, "the driver keeps receive buffers posted beyond them");
    state(r, 1, &ai, NULL, &ui, NULL);
    cr_assert_eq(ai, 80);
    cr_assert_eq(ui, 80);
    done(r);
}

ENGINE_TEST_REALFW(vqstate, packed_loopback_rx_position, .timeout = 300)
{
    struct run *r = traffic(T, DRV_RING_PACKED, 16, NET_LOOPBACK, 40);
    uint16_t ai, ui;
    bool aw, uw;
    state(r, 0, &ai, &aw, &ui, &uw);
    cr_assert_eq(ui, r->n.rx.next_used);
    cr_assert_eq(uw, r->n.rx.used_wrap);
    cr_assert_eq(ai, ui, "every receive buffer consumed is used");
    cr_assert_eq(aw, uw);
    cr_assert_eq(ai, 40 % 16);
    cr_assert_eq(aw, (40 / 16) % 2 == 0);
    done(r);
}

/* The enumeration skips the capability gracefully: a device without it (test-only model fault: the
 * list ends before it) or with another vendor's format (vendor_id 0x8086) still enumerates, with no
 * region recorded, and the helper refuses. Model only: the faults exist in the C model alone. */
static void enumerate_faulty(int fault)
{
    struct vdpu_opts o;
    vdpu_session_t *s = calloc(1, sizeof *s);
    cr_assert_not_null(s);
    vdpu_opts_default(&o);
    o.engine = VDPU_ENGINE_MODEL;
    o.fault = fault;
    o.fw_auto = true;
    o.rerun = "(criterion test)";
    cr_assert_eq(vdpu_session_open(s, &o), 0);
    char out[4096];
    FILE *f = fmemopen(out, sizeof out, "w");
    cr_assert_not_null(f);
    cr_assert_eq(pci_enumerate(&s->bus, VDPU_MMIO_BASE, &s->pci, f), 0, "enumeration works without the region");
    fclose(f);
    cr_assert_not(s->pci.vndr_found);
    cr_assert_eq(s->pci.vqstate, 0);
    cr_assert(strstr(out, "(no vqstate region)"), "%s", out);
    if (fault == VDPU_FAULT_VNDR_FOREIGN) cr_assert(strstr(out, "vendor_id 0x8086: not vdpu's format, skipped"), "%s", out);
    else cr_assert_null(strstr(out, "vendor data"), "%s", out);
    virtio_drv_t *d = calloc(1, sizeof *d);
    cr_assert_not_null(d);
    d->s = s;
    uint16_t ai = 7;
    cr_assert_eq(virtio_drv_queue_state(d, 1, &ai, NULL, NULL, NULL), DRV_REFUSED);
    cr_assert_eq(ai, 7, "nothing written");
    cr_assert(strstr(d->refusal, "VQSTATE"), "%s", d->refusal);
    free(d);
    vdpu_session_close(s);
    free(s);
}

Test(vqstate, enumeration_without_the_capability) { enumerate_faulty(VDPU_FAULT_NO_VNDR_CAP); }
Test(vqstate, enumeration_skips_a_foreign_vendor_data_capability) { enumerate_faulty(VDPU_FAULT_VNDR_FOREIGN); }

/* ---- live reads during traffic: model and RTL keep the same ring position at every cycle ---- */

struct poller {
    struct tctx *t;
    virtio_drv_t *d;
    uint64_t next, reads, ahead;
};

/* every 37 cycles, the position of receiveq 0 or transmitq 0 (cosim compares every completion): the
 * avail and used positions never lie more than a ring apart. Inside a service they may differ either
 * way: consumed buffers not used yet (a packed chain, a held batch), or a received frame's buffers
 * made used one by one before last_avail moves past all of them at its last used entry (MRG_RXBUF). */
static void poll_turn(virtio_net_t *n, void *ctx)
{
    struct poller *p = ctx;
    uint64_t now = p->t->b->dev->cycle;
    if (now < p->next) return;
    p->next = now + 37;
    struct net_vq *q = p->reads % 2 ? &n->tx : &n->rx;
    uint16_t ai, ui;
    bool aw, uw;
    cr_assert_eq(virtio_drv_queue_state(p->d, q->idx, &ai, &aw, &ui, &uw), DRV_OK);
    uint32_t lap = q->packed ? 2u * q->size : 0x10000u;
    uint32_t a = q->packed ? ai + (aw ? 0u : q->size) : ai, u = q->packed ? ui + (uw ? 0u : q->size) : ui;
    uint32_t d = (a + lap - u) % lap;
    cr_assert(d <= q->size || lap - d <= q->size, "queue %u: avail %u/%d used %u/%d", q->idx, ai, aw, ui, uw);
    if (d) p->ahead++;
    p->reads++;
}

struct poll_cfg {
    enum drv_ring ring;
    enum net_workload w;
    unsigned qsize, rx_buf, max_reads, prefetch, batch;
    enum net_chain chain;
    bool ahead; /* positions differ inside a service (not split with B = 1 and one buffer per frame) */
};

static void poll_open(struct tctx *t, enum vdpu_engine e, const struct poll_cfg *c)
{
    struct vdpu_opts o;
    vdpu_opts_default(&o);
    o.prefetch = c->prefetch;
    o.used_batch = c->batch;
    o.max_reads = c->max_reads;
    t_open_fw(t, e, &o);
}

static void poll_body(struct tctx *t, const struct poll_cfg *c)
{
    virtio_drv_t *d = calloc(1, sizeof *d);
    virtio_net_t *n = calloc(1, sizeof *n);
    cr_assert(d && n);
    struct drv_params p;
    drv_params_default(&p);
    p.ring = c->ring;
    p.qsize = c->qsize;
    t_drv_up(t, d, &p);
    struct poller pl = {t, d, 0, 0, 0};
    struct net_opts o;
    memset(&o, 0, sizeof o);
    o.on_turn = poll_turn;
    o.on_turn_ctx = &pl;
    o.rx_buf_size = c->rx_buf;
    o.tx_chain = o.rx_chain = c->chain;
    o.pkt_random = true;
    struct net_params np = {c->w, 60, 0, 13, 4000000};
    cr_assert_eq(virtio_net_open_opts(n, d, &np, &o), 0, "%s", n->error);
    cr_assert_eq(virtio_net_run(n), 0, "traffic: %s %s", n->error, t->b->stopped ? t->b->stop_reason : "");
    cr_assert_gt(pl.reads, 100);
    if (c->ahead) cr_assert_gt(pl.ahead, 0, "some reads fell inside a buffer's service");
    virtio_net_close(n);
    free(n);
    free(d);
}

#define POLL_TEST(name, ...)                                                                                          \
    static const struct poll_cfg name##_cfg = __VA_ARGS__;                                                           \
    Test(vqstate, name##_model, .timeout = 600) { struct tctx t; poll_open(&t, VDPU_ENGINE_MODEL, &name##_cfg); poll_body(&t, &name##_cfg); t_close(&t); } \
    Test(vqstate, name##_rtl, .timeout = 600) { struct tctx t; poll_open(&t, VDPU_ENGINE_RTL, &name##_cfg); poll_body(&t, &name##_cfg); t_close(&t); }     \
    Test(vqstate, name##_cosim, .timeout = 600) { struct tctx t; poll_open(&t, VDPU_ENGINE_COSIM, &name##_cfg); poll_body(&t, &name##_cfg); t_close(&t); }

POLL_TEST(live_split_tx_batched, {DRV_RING_SPLIT, NET_TX, 64, 0, 1, 4, 4, NET_CHAIN_RANDOM, true})
POLL_TEST(live_packed_tx_in_order, {DRV_RING_PACKED, NET_TX, 32, 0, 1, 4, 4, NET_CHAIN_RANDOM, true})
POLL_TEST(live_split_tx_max_reads, {DRV_RING_SPLIT, NET_TX, 64, 0, 4, 1, 1, NET_CHAIN_HDR, false})
POLL_TEST(live_split_loopback_mrg, {DRV_RING_SPLIT, NET_LOOPBACK, 64, 256, 1, 2, 2, NET_CHAIN_RANDOM, true})
POLL_TEST(live_packed_loopback_mrg, {DRV_RING_PACKED, NET_LOOPBACK, 64, 256, 2, 4, 1, NET_CHAIN_RANDOM, true})

/* Restore (live migration's last step on the device): firmware writes a disabled queue's ring position
 * (Q_AVAIL_POS / Q_USED_POS), enables it, and the engine carries on from there - here a split transmitq
 * whose 16-bit indices stand 2 short of the wrap, so the next 4 buffers take avail idx and used idx
 * across 65,535 -> 0, at ring slots (idx % QN). Writing an enabled queue's position is refused. */
static void restore_at(struct tctx *t, bool packed, uint32_t avail_pos, uint32_t used_pos)
{
    engine_up(t, packed, 0x11, 0);
    csr_wr(t, VDPU_CSR_FW_QSEL, Q_TX);
    csr_wr(t, VDPU_CSR_Q_AVAIL_POS, avail_pos);
    cr_assert_eq(csr_rd(t, VDPU_CSR_FW_ERR) >> 16, 1, "enabled: the position is the engine's");
    cr_assert_eq(csr_rd(t, VDPU_CSR_FW_ERR) & 0xff, VDPU_FWERR_Q_LIVE);
    cr_assert_eq(csr_rd(t, VDPU_CSR_Q_AVAIL_POS), WRAP, "unchanged");
    csr_wr(t, VDPU_CSR_Q_ENABLE, 0);
    csr_wr(t, VDPU_CSR_Q_AVAIL_POS, avail_pos);
    csr_wr(t, VDPU_CSR_Q_USED_POS, used_pos);
    cr_assert_eq(csr_rd(t, VDPU_CSR_FW_ERR) >> 16, 1, "disabled: taken");
    cr_assert_eq(csr_rd(t, VDPU_CSR_Q_AVAIL_POS), avail_pos);
    cr_assert_eq(csr_rd(t, VDPU_CSR_Q_USED_POS), used_pos);
    csr_wr(t, VDPU_CSR_Q_ENABLE, 1);
    bar_wr(t, CC(Q_SELECT), 2, Q_TX);
    cr_assert_eq(bar_rd(t, VQS(AVAIL), 4), avail_pos, "VQSTATE shows the restored position");
    cr_assert_eq(bar_rd(t, VQS(USED), 4), used_pos);
}

ENGINE_TEST(vqstate, restored_split_position_carries_on_across_the_wrap)
{
    restore_at(T, false, WRAP | 65534, WRAP | 65534);
    uint8_t frame[BUF_LEN];
    memset(frame, 0, sizeof frame);
    memset(frame + 12, 0x5A, sizeof frame - 12);
    for (uint16_t k = 0; k < 4; k++) { /* the driver's view: avail idx 65534 + k at ring slot (65534 + k) % QN */
        uint16_t idx = (uint16_t)(65534 + k), slot = idx % QN;
        uint64_t a = BUFS + 0x100u * slot;
        hm_w(T, a, frame, sizeof frame);
        desc_w(T, slot, a, BUF_LEN, 0, 0);
        hm_w16(T, RING_DRV + 4 + 2 * slot, slot);
    }
    hm_w16(T, RING_DRV + 2, 2); /* 65534 + 4 */
    hm_w16(T, RING_DEV + 2, 65534); /* the used idx the source device had written */
    kick(T);
    cr_assert_eq(bar_rd(T, VQS(AVAIL), 4), WRAP | 2, "4 buffers consumed across the wrap");
    cr_assert_eq(bar_rd(T, VQS(USED), 4), WRAP | 2);
    cr_assert_eq(hm_r16(T, RING_DEV + 2), 2, "the used idx written: 65534 + 4");
    for (uint16_t k = 0; k < 4; k++) {
        uint16_t slot = (uint16_t)(65534 + k) % QN;
        cr_assert_eq(hm_r32(T, RING_DEV + 4 + 8 * slot), slot, "used element %u names its buffer", k);
    }
    cr_assert_eq(T->b->net.tx_frames, 4, "4 frames on the wire");
    expect_no_diag(T);
}

/* Packed: restored at slot QN - 2 with the avail/used wrap counters 0 (the source's second lap): the
 * next 4 buffers sit at slots 6, 7 (AVAIL = 0) and 0, 1 (AVAIL = 1, the third lap); the used
 * descriptors carry the matching counters and the position ends at slot 2 with both counters 1. */
ENGINE_TEST(vqstate, restored_packed_position_carries_on_across_the_ring_end)
{
    restore_at(T, true, QN - 2, QN - 2);
    uint8_t frame[BUF_LEN];
    memset(frame, 0, sizeof frame);
    memset(frame + 12, 0x3C, sizeof frame - 12);
    for (unsigned k = 0; k < 4; k++) {
        uint16_t slot = (uint16_t)((QN - 2 + k) % QN);
        bool wrap = k >= 2; /* the driver's avail wrap counter: 0 until the ring end, then 1 */
        uint64_t a = BUFS + 0x100u * slot;
        hm_w(T, a, frame, sizeof frame);
        desc_w(T, slot, a, BUF_LEN, (uint16_t)(10 + k), wrap ? 1u << 7 : 1u << 15);
    }
    kick(T);
    cr_assert_eq(bar_rd(T, VQS(AVAIL), 4), WRAP | 2, "slot 2, the avail wrap counter back to 1");
    cr_assert_eq(bar_rd(T, VQS(USED), 4), WRAP | 2);
    for (unsigned k = 0; k < 4; k++) {
        uint16_t slot = (uint16_t)((QN - 2 + k) % QN), fl = hm_r16(T, RING_DESC + 16u * slot + 14);
        bool w = k >= 2;
        cr_assert_eq(hm_r16(T, RING_DESC + 16u * slot + 12), 10 + k, "used id at slot %u", slot);
        cr_assert_eq(!!(fl & 1u << 7), w, "AVAIL flag of the used descriptor at slot %u", slot);
        cr_assert_eq(!!(fl & 1u << 15), w, "USED flag of the used descriptor at slot %u", slot);
    }
    cr_assert_eq(T->b->net.tx_frames, 4);
    expect_no_diag(T);
}

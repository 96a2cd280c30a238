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
    cr_assert_eq(cfg_rd(T, p + 1, 1), 0, "it ends the list");
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
        mem_w(t, a, frame, sizeof frame);
        if (packed) {
            bool wrap = (i / QN) % 2 == 0;
            uint16_t fl = wrap ? 1u << 7 : 1u << 15; /* AVAIL = wrap, USED = !wrap */
            desc_w(t, slot, a, BUF_LEN, slot, fl);
        } else {
            desc_w(t, slot, a, BUF_LEN, 0, 0);
            w16(t, RING_DRV + 4 + 2 * slot, slot);
            w16(t, RING_DRV + 2, (uint16_t)(i + 1));
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
    cr_assert_eq(r16(T, RING_DEV + 2), 5, "the used idx the device wrote");
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

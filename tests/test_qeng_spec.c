/* test_qeng_spec.c - data-path spec conformance (docs/queue-engine.md): the split used-buffer
 * notification decided on avail flags read after the used idx write (the firmware's control queue
 * too), the receive MTU check, frames
 * for a receiveq that is not enabled (or before DRIVER_OK) dropped instead of waiting, coalesced
 * interrupts of a reset queue dropped, the MRG_RXBUF give-back of a frame dropped on receiveq 2. On
 * model, rtl and cosim with the real firmware; the host driver model brings the device to DRIVER_OK
 * and the tests build the rings by hand in the areas it set up. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "link.h"
#include "virtio_ctrl.h"
#include "virtio_drv.h"
#include "virtio_suspend.h"

#define QN      16u
#define NQ      4u           /* data queues 0..3 (two pairs) */
#define BUFS    0x200000ull  /* TX buffers */
#define RXB     0x300000ull  /* RX buffers (the device may write them) */
#define F_NEXT  1u
#define F_WRITE 2u
#define P_AVAIL (1u << 7)
#define P_USED  (1u << 15)
#define HDR     12u
#define SETTLE  30000u
#define CMD_CYCLES 200000

enum { NO_EVIDX = 1, NO_MTU = 2 }; /* features the driver leaves out */

struct dreq {
    uint8_t wr, purp;
    uint16_t queue, len;
    uint64_t addr;
};

struct sp {
    struct tctx *t;
    virtio_drv_t d;
    bool packed;
    uint16_t avail_idx[NQ];  /* split: the driver's avail idx per queue */
    uint16_t next_avail[NQ]; /* packed: the driver's next slot ... */
    bool wrap[NQ];           /* ... and its wrap counter */
    struct dreq rec[256];
    unsigned nrec;
    bool mid;
    void (*prev)(void *, const vdpu_txn_t *);
    void *prev_ctx;
    uint8_t hook_purp;         /* at the first request of this purpose ... */
    void (*hook)(struct sp *); /* ... this runs (once) */
    unsigned wire_n;
    unsigned wire_len;      /* the last frame on the wire ... */
    uint8_t wire_last[9216]; /* ... and its bytes */
};

/* ---- plumbing ---------------------------------------------------------------------------------- */

static void on_txn(void *ctx, const vdpu_txn_t *tx)
{
    struct sp *v = ctx;
    if (v->prev) v->prev(v->prev_ctx, tx);
    if (tx->chan != VDPU_CH_DMAREQ) return;
    const vdpu_dmareq_t *r = &tx->u.dmareq;
    bool first = !v->mid;
    v->mid = !r->last;
    if (first && v->hook && r->purpose == VDPU_PURP_FW && v->hook_purp == VDPU_PURP_FW && r->type == VDPU_DMA_WR) {
        void (*f)(struct sp *) = v->hook; /* the firmware's first write (the control queue's ack) */
        v->hook = NULL;
        f(v);
    }
    if (!first || r->purpose == VDPU_PURP_MSIX || r->purpose == VDPU_PURP_FW) return;
    if (v->nrec < sizeof v->rec / sizeof v->rec[0])
        v->rec[v->nrec++] = (struct dreq){r->type == VDPU_DMA_WR, r->purpose, r->queue, r->len, r->addr};
    if (v->hook && r->purpose == v->hook_purp) {
        void (*f)(struct sp *) = v->hook;
        v->hook = NULL;
        f(v);
    }
}

static void on_wire(void *ctx, const uint8_t *f, unsigned len, uint64_t cycle)
{
    struct sp *v = ctx;
    (void)cycle;
    v->wire_n++;
    v->wire_len = len;
    memcpy(v->wire_last, f, len < sizeof v->wire_last ? len : sizeof v->wire_last);
}

static void mem_w(struct sp *v, uint64_t a, const void *p, size_t n) { hm_w(v->t, a, p, n); }
static void w16(struct sp *v, uint64_t a, uint16_t x) { hm_w16(v->t, a, x); }
static uint16_t r16(struct sp *v, uint64_t a) { return hm_r16(v->t, a); }
static uint32_t r32(struct sp *v, uint64_t a) { return hm_r32(v->t, a); }

static const struct drv_queue *dq(struct sp *v, unsigned q) { return &v->d.q[q]; }

/* Init to DRIVER_OK with QN-entry queues; NOTIFICATION_DATA and IN_ORDER left out (their sequences are
 * in test_notif_data.c / test_in_order.c), EVENT_IDX and MTU as `drop` says. */
static struct sp *up(struct tctx *t, bool packed, unsigned drop)
{
    struct sp *v = calloc(1, sizeof *v);
    cr_assert(v);
    v->t = t;
    v->packed = packed;
    struct drv_params p;
    drv_params_default(&p);
    p.ring = packed ? DRV_RING_PACKED : DRV_RING_SPLIT;
    p.qsize = QN;
    if (drop & NO_EVIDX) p.drop[0] |= 1u << VIRTIO_RING_F_EVENT_IDX;
    if (drop & NO_MTU) p.drop[0] |= 1u << VIRTIO_NET_F_MTU;
    p.drop[VIRTIO_F_NOTIFICATION_DATA / 32] |= 1u << (VIRTIO_F_NOTIFICATION_DATA % 32);
    p.drop[VIRTIO_F_IN_ORDER / 32] |= 1u << (VIRTIO_F_IN_ORDER % 32);
    t_enumerate(t);
    cr_assert_eq(pci_msix_setup(t->b, &t->s.pci, NULL), 0);
    cr_assert_eq(virtio_drv_init(&v->d, &t->s, &p), DRV_OK, "init: %s", v->d.refusal);
    link_t *l = &t->b->link;
    for (unsigned q = 0; q < NQ; q++) {
        const struct drv_queue *x = dq(v, q);
        cr_assert_eq(x->size, QN);
        hm_rings_by_hand(t, x, packed);
        v->wrap[q] = true;
    }
    cr_assert(link_grant(l, RXB, 0x10000));
    v->prev = t->b->on_txn;
    v->prev_ctx = t->b->on_txn_ctx;
    t->b->on_txn = on_txn;
    t->b->on_txn_ctx = v;
    t->b->net.tap = on_wire;
    t->b->net.tap_ctx = v;
    run_cycles(t, 2000);
    v->nrec = 0;
    return v;
}

static void down(struct sp *v)
{
    v->t->b->on_txn = v->prev;
    v->t->b->on_txn_ctx = v->prev_ctx;
    v->t->b->net.tap = NULL;
    cr_assert(!v->t->b->link.error[0], "%s", v->t->b->link.error);
    free(v);
}

static uint64_t irqs(struct sp *v, unsigned q) { return v->t->s.mem.msi_count[PCI_MSI_DATA_BASE + dq(v, q)->vector]; }

static void settle(struct sp *v)
{
    run_cycles(v->t, SETTLE);
    cr_assert(!v->t->b->stopped, "%s", v->t->b->stop_reason);
}

static void kick(struct sp *v, unsigned q)
{
    uint64_t a = v->t->s.pci.vcap[VIRTIO_PCI_CAP_NOTIFY_CFG].addr + (uint64_t)dq(v, q)->notify_off * v->t->s.pci.notify_mult;
    cr_assert(host_mem_wr(v->t->b, a, 2, q), "doorbell: %s", v->t->b->stop_reason);
    settle(v);
}

static void inject(struct sp *v, const uint8_t *f, unsigned len)
{
    cr_assert(netport_inject(&v->t->b->net, f, len));
    settle(v);
}

/* a broadcast frame of len bytes (not IP: steered by its MACs), ethertype `type` */
static void bcast_frame(uint8_t *f, unsigned len, uint16_t type)
{
    for (unsigned i = 0; i < len; i++) f[i] = (uint8_t)(i * 5 + 3);
    memset(f, 0xFF, 6);
    f[6] = 0x02; /* a locally administered unicast source */
    f[12] = (uint8_t)(type >> 8);
    f[13] = (uint8_t)type;
}

static void raw_desc(struct sp *v, uint64_t at, uint64_t addr, uint32_t len, uint16_t a, uint16_t b)
{
    uint8_t d[16];
    for (unsigned i = 0; i < 8; i++) d[i] = (uint8_t)(addr >> (8 * i));
    for (unsigned i = 0; i < 4; i++) d[8 + i] = (uint8_t)(len >> (8 * i));
    d[12] = (uint8_t)a;
    d[13] = (uint8_t)(a >> 8);
    d[14] = (uint8_t)b;
    d[15] = (uint8_t)(b >> 8);
    mem_w(v, at, d, 16);
}

/* split: descriptor i (one buffer) made available */
static void spost(struct sp *v, unsigned q, uint16_t i, uint64_t addr, uint32_t len, uint16_t flags)
{
    const struct drv_queue *x = dq(v, q);
    raw_desc(v, x->desc + 16ull * i, addr, len, flags, 0);
    w16(v, x->driver + 4 + 2ull * (v->avail_idx[q] % QN), i);
    v->avail_idx[q]++;
    w16(v, x->driver + 2, v->avail_idx[q]);
}

/* packed: a one-descriptor buffer in the driver's next slot */
static void ppost(struct sp *v, unsigned q, uint64_t addr, uint32_t len, uint16_t id, uint16_t flags)
{
    const struct drv_queue *x = dq(v, q);
    raw_desc(v, x->desc + 16ull * v->next_avail[q], addr, len, id, (uint16_t)(flags | (v->wrap[q] ? P_AVAIL : P_USED)));
    if (++v->next_avail[q] == QN) {
        v->next_avail[q] = 0;
        v->wrap[q] = !v->wrap[q];
    }
}

/* a 64-byte TX frame (12-byte header first) at addr */
static void tx_buf(struct sp *v, uint64_t addr, const uint8_t *frame, unsigned len)
{
    uint8_t b[2048] = {0};
    memcpy(b + HDR, frame, len);
    mem_w(v, addr, b, HDR + len);
}

static uint16_t drops(struct sp *v) { return (uint16_t)(peek_csr(v->t, VDPU_CSR_ENG_STATUS) >> 16); }

#define E(w, P, a, l) {(w), VDPU_PURP_##P, 0, (l), (a)}

static void expect_seq(struct sp *v, unsigned q, const struct dreq *exp, unsigned n)
{
    bool ok = v->nrec == n;
    for (unsigned i = 0; ok && i < n; i++)
        ok = v->rec[i].wr == exp[i].wr && v->rec[i].purp == exp[i].purp && v->rec[i].addr == exp[i].addr &&
             v->rec[i].len == exp[i].len && v->rec[i].queue == q;
    if (!ok) {
        static char got[8192], want[8192];
        size_t o = 0;
        for (unsigned i = 0; i < v->nrec && o + 64 < sizeof got; i++)
            o += (size_t)snprintf(got + o, sizeof got - o, "\n  %s %-10s 0x%llx len %u q %u", v->rec[i].wr ? "WR" : "RD",
                                  vdpu_purp_names[v->rec[i].purp], (unsigned long long)v->rec[i].addr, v->rec[i].len,
                                  v->rec[i].queue);
        o = 0;
        for (unsigned i = 0; i < n && o + 64 < sizeof want; i++)
            o += (size_t)snprintf(want + o, sizeof want - o, "\n  %s %-10s 0x%llx len %u", exp[i].wr ? "WR" : "RD",
                                  vdpu_purp_names[exp[i].purp], (unsigned long long)exp[i].addr, exp[i].len);
        cr_assert_fail("DMA sequence of queue %u differs\ngot %u:%s\nexpected %u:%s", q, v->nrec, got, n, want);
    }
    v->nrec = 0;
}

#define EXPECT(v, q, ...)                                                                                            \
    do {                                                                                                             \
        const struct dreq exp_[] = {__VA_ARGS__};                                                                    \
        expect_seq((v), (q), exp_, sizeof exp_ / sizeof exp_[0]);                                                    \
    } while (0)

/* ====================================================================================================
 * (f) split, no EVENT_IDX: "After the device writes a descriptor index into the used ring: ... If flags
 * is 0, the device MUST send a notification" (split-ring.tex). Flags that suppressed at the service's
 * AVAIL read are read again after the used idx write.
 * ==================================================================================================== */

static void clear_no_interrupt(struct sp *v, unsigned q) { w16(v, dq(v, q)->driver, 0); }
static void clear_tx_flags(struct sp *v) { clear_no_interrupt(v, 1); }
static void clear_rx_flags(struct sp *v) { clear_no_interrupt(v, 0); }

/* NO_INTERRUPT set when the device reads the avail idx, cleared by the driver while the buffer is in
 * service (at its descriptor read): the interrupt is sent */
ENGINE_TEST_REALFW(qeng_spec, split_tx_no_interrupt_cleared_during_service, .timeout = 300)
{
    struct sp *v = up(T, false, NO_EVIDX);
    const struct drv_queue *x = dq(v, 1);
    uint8_t f[60];
    bcast_frame(f, sizeof f, 0x88B5);
    tx_buf(v, BUFS, f, sizeof f);
    w16(v, x->driver, 1); /* VRING_AVAIL_F_NO_INTERRUPT */
    spost(v, 1, 3, BUFS, HDR + sizeof f, 0);
    v->hook_purp = VDPU_PURP_DESC;
    v->hook = clear_tx_flags;
    uint64_t i0 = irqs(v, 1);
    kick(v, 1);
    cr_assert_eq(v->wire_n, 1);
    cr_assert_eq(irqs(v, 1), i0 + 1, "flags 0 after the used write: the interrupt is owed");
    EXPECT(v, 1, E(0, AVAIL_IDX, x->driver, 4), E(0, AVAIL_RING, x->driver + 4, 2), E(0, DESC, x->desc + 48, 16),
           E(0, PAYLOAD_RD, BUFS, HDR + 60), E(1, USED, x->device + 4, 8), E(1, USED_IDX, x->device + 2, 2),
           E(0, EVENT, x->driver, 2), /* the flags after the used idx write */
           E(0, AVAIL_IDX, x->driver, 4));
    down(v);
}

/* flags still 1 at the re-read: no interrupt (the same sequence); flags 0 throughout: the interrupt
 * without any extra read (the sequence of P = B = 1, counts unchanged) */
ENGINE_TEST_REALFW(qeng_spec, split_tx_flags_reread_only_when_suppressed, .timeout = 300)
{
    struct sp *v = up(T, false, NO_EVIDX);
    const struct drv_queue *x = dq(v, 1);
    uint8_t f[60];
    bcast_frame(f, sizeof f, 0x88B5);
    tx_buf(v, BUFS, f, sizeof f);
    w16(v, x->driver, 1);
    spost(v, 1, 3, BUFS, HDR + sizeof f, 0);
    uint64_t i0 = irqs(v, 1);
    kick(v, 1);
    EXPECT(v, 1, E(0, AVAIL_IDX, x->driver, 4), E(0, AVAIL_RING, x->driver + 4, 2), E(0, DESC, x->desc + 48, 16),
           E(0, PAYLOAD_RD, BUFS, HDR + 60), E(1, USED, x->device + 4, 8), E(1, USED_IDX, x->device + 2, 2),
           E(0, EVENT, x->driver, 2), E(0, AVAIL_IDX, x->driver, 4));
    cr_assert_eq(irqs(v, 1), i0, "flags 1 at the re-read: suppressed");
    w16(v, x->driver, 0);
    spost(v, 1, 4, BUFS, HDR + sizeof f, 0);
    kick(v, 1);
    EXPECT(v, 1, E(0, AVAIL_IDX, x->driver, 4), E(0, AVAIL_RING, x->driver + 6, 2), E(0, DESC, x->desc + 64, 16),
           E(0, PAYLOAD_RD, BUFS, HDR + 60), E(1, USED, x->device + 12, 8), E(1, USED_IDX, x->device + 2, 2),
           E(0, AVAIL_IDX, x->driver, 4));
    cr_assert_eq(irqs(v, 1), i0 + 1);
    cr_assert_eq(v->wire_n, 2);
    down(v);
}

/* RX: the same rule for a received frame (NO_INTERRUPT cleared while its payload is written) */
ENGINE_TEST_REALFW(qeng_spec, split_rx_no_interrupt_cleared_during_service, .timeout = 300)
{
    struct sp *v = up(T, false, NO_EVIDX);
    const struct drv_queue *x = dq(v, 0);
    w16(v, x->driver, 1);
    spost(v, 0, 5, RXB, 2048, F_WRITE);
    v->hook_purp = VDPU_PURP_PAYLOAD_WR;
    v->hook = clear_rx_flags;
    uint64_t i0 = irqs(v, 0);
    uint8_t f[100];
    bcast_frame(f, sizeof f, 0x88B5);
    inject(v, f, sizeof f);
    cr_assert_eq(r32(v, x->device + 4), 5);
    cr_assert_eq(r32(v, x->device + 8), HDR + 100);
    cr_assert_eq(irqs(v, 0), i0 + 1, "flags 0 after the used write: the interrupt is owed");
    EXPECT(v, 0, E(0, AVAIL_IDX, x->driver, 4), E(0, AVAIL_RING, x->driver + 4, 2), E(0, DESC, x->desc + 80, 16),
           E(1, PAYLOAD_WR, RXB, HDR + 100), E(1, USED, x->device + 4, 8), E(1, USED_IDX, x->device + 2, 2),
           E(0, EVENT, x->driver, 2));
    down(v);
}

/* The firmware's control queue (fw/ctrlq.c) follows the same rule: NO_INTERRUPT cleared while the
 * command runs (at the ack write) - the used buffer notification comes. */
static uint64_t ctrlq_flags_at;
static void clear_ctrlq_flags(struct sp *v) { w16(v, ctrlq_flags_at, 0); }

ENGINE_TEST_REALFW(qeng_spec, split_ctrlq_no_interrupt_cleared_during_command, .timeout = 300)
{
    struct sp *v = up(T, false, NO_EVIDX);
    virtio_ctrl_t c;
    cr_assert_eq(virtio_ctrl_open(&c, &v->d), 0, "%s", c.error);
    ctrlq_flags_at = c.driver;
    w16(v, c.driver, 1); /* VRING_AVAIL_F_NO_INTERRUPT */
    uint64_t *msi = &T->s.mem.msi_count[PCI_MSI_DATA_BASE + v->d.q[c.q].vector];
    uint64_t i0 = *msi;
    uint16_t pairs = 2;
    uint8_t ack = 0xEE;
    cr_assert_eq(virtio_ctrl_cmd(&c, VNET_CTRL_MQ, VNET_CTRL_MQ_VQ_PAIRS_SET, &pairs, 2, &ack, CMD_CYCLES), 0, "%s",
                 c.error);
    cr_assert_eq(ack, VNET_OK);
    run_cycles(T, 2000);
    cr_assert_eq(*msi, i0, "flags 1 throughout: no interrupt");
    v->hook_purp = VDPU_PURP_FW;
    v->hook = clear_ctrlq_flags;
    cr_assert_eq(virtio_ctrl_cmd(&c, VNET_CTRL_MQ, VNET_CTRL_MQ_VQ_PAIRS_SET, &pairs, 2, &ack, CMD_CYCLES), 0, "%s",
                 c.error);
    cr_assert_eq(ack, VNET_OK);
    cr_assert_null(v->hook, "the firmware wrote the ack");
    run_cycles(T, 2000);
    cr_assert_eq(*msi, i0 + 1, "flags 0 after the used write: the interrupt is owed");
    down(v);
}

/* ====================================================================================================
 * (g) VIRTIO_NET_F_MTU: "The device MUST NOT pass received packets that exceed mtu (plus low level
 * ethernet header length) size with gso_type NONE or ECN after VIRTIO_NET_F_MTU has been successfully
 * negotiated" (net description.tex). mtu 1500: up to 1514 bytes, 1518 with an 802.1Q tag.
 * ==================================================================================================== */

static void mtu_frames(struct tctx *T, bool negotiated)
{
    struct sp *v = up(T, false, NO_EVIDX | (negotiated ? 0 : NO_MTU));
    const struct drv_queue *x = dq(v, 0);
    cr_assert_eq(peek_csr(T, VDPU_CSR_NET_MTU), 1500);
    cr_assert_eq(peek_csr(T, VDPU_CSR_ENG_CTRL) >> VDPU_ENGCTRL_MTU & 1u, negotiated, "ENG_CTRL[7] = MTU negotiated");
    for (uint16_t i = 0; i < 4; i++) spost(v, 0, i, RXB + 0x2000ull * i, 0x2000, F_WRITE);
    static uint8_t f[1600];
    const struct { unsigned len; uint16_t type; bool pass; } c[] = {
        {1514, 0x88B5, true}, {1515, 0x88B5, false}, {1518, 0x8100, true}, {1519, 0x8100, false}};
    unsigned used = 0, dropped = 0;
    uint16_t d0 = drops(v);
    for (unsigned k = 0; k < 4; k++) {
        bcast_frame(f, c[k].len, c[k].type);
        inject(v, f, c[k].len);
        if (c[k].pass || !negotiated) {
            cr_assert_eq(r16(v, x->device + 2), ++used, "frame of %u bytes delivered", c[k].len);
            cr_assert_eq(r32(v, x->device + 4 + 8 * (used - 1) + 4), HDR + c[k].len);
        } else {
            cr_assert_eq(r16(v, x->device + 2), used, "frame of %u bytes passed", c[k].len);
            dropped++;
        }
        cr_assert_eq(drops(v), d0 + dropped, "ENG_STATUS counts the dropped frames");
    }
    v->nrec = 0;
    down(v);
}

ENGINE_TEST_REALFW(qeng_spec, rx_longer_than_mtu_dropped, .timeout = 300) { mtu_frames(T, true); }
ENGINE_TEST_REALFW(qeng_spec, rx_mtu_not_negotiated_passes_long_frames, .timeout = 300) { mtu_frames(T, false); }

/* ====================================================================================================
 * (h) a received frame whose receiveq is not enabled (reset) is dropped, not left waiting: "If all
 * receive queues are being reset, the device MUST drop the packet" (net description.tex); and before
 * DRIVER_OK (the engine off) frames are dropped at the port.
 * ==================================================================================================== */

ENGINE_TEST_REALFW(qeng_spec, rx_receiveq_reset_drops_frames, .timeout = 300)
{
    struct sp *v = up(T, false, NO_EVIDX);
    uint64_t q;
    cr_assert_eq(drv_wr(&v->d, VDPU_COMMON_Q_SELECT, 2, 0), 0);
    cr_assert_eq(drv_wr(&v->d, VDPU_COMMON_Q_RESET, 2, 1), 0);
    cr_assert_eq(drv_rd(&v->d, VDPU_COMMON_Q_ENABLE, 2, &q), 0);
    cr_assert_eq(q, 0, "receiveq 0 disabled by its reset");
    uint16_t d0 = drops(v);
    uint64_t rx0 = T->b->net.rx_frames;
    uint8_t f[80];
    for (unsigned k = 0; k < 3; k++) {
        bcast_frame(f, sizeof f, 0x88B5);
        cr_assert(netport_inject(&T->b->net, f, sizeof f));
    }
    settle(v);
    cr_assert_eq(T->b->net.rx_frames, rx0 + 3, "the wire is not held: the device took all three");
    cr_assert_eq(drops(v), d0 + 3, "and dropped them");
    cr_assert_eq(v->nrec, 0, "no DMA for a queue in reset");
    down(v);
}

ENGINE_TEST_REALFW(qeng_spec, rx_before_driver_ok_dropped, .timeout = 300)
{
    run_cycles(T, 20000); /* the engine is off until DRIVER_OK */
    uint8_t f[80];
    bcast_frame(f, sizeof f, 0x88B5);
    uint64_t rx0 = T->b->net.rx_frames;
    cr_assert(netport_inject(&T->b->net, f, sizeof f));
    cr_assert(netport_inject(&T->b->net, f, sizeof f));
    run_cycles(T, 5000);
    cr_assert_eq(T->b->net.rx_frames, rx0 + 2, "the wire is not held before DRIVER_OK");
    cr_assert_eq(peek_csr(T, VDPU_CSR_ENG_STATUS) >> 16, 2, "both dropped and counted");
    /* after DRIVER_OK with a buffer posted: nothing old arrives, a new frame does */
    struct sp *v = up(T, false, NO_EVIDX);
    const struct drv_queue *x = dq(v, 0);
    spost(v, 0, 0, RXB, 2048, F_WRITE);
    spost(v, 0, 1, RXB + 0x1000, 2048, F_WRITE);
    settle(v);
    cr_assert_eq(r16(v, x->device + 2), 0, "no frame from before DRIVER_OK");
    f[20] = 0x77;
    inject(v, f, sizeof f);
    cr_assert_eq(r16(v, x->device + 2), 1);
    uint8_t got[80];
    cr_assert(host_mem_read(&T->s.mem, RXB + HDR, got, sizeof got));
    cr_assert(!memcmp(got, f, sizeof f), "the new frame");
    down(v);
}

/* ====================================================================================================
 * (k) coalescing: "After a queue has been reset by the driver, the device MUST NOT ... notify the
 * driver for it" (content.tex, Virtqueue Reset): a deferred interrupt of the queue is dropped.
 * ==================================================================================================== */

#define COAL_CYCLES 300000u

static void coal_open(struct tctx *t, enum vdpu_engine e)
{
    struct vdpu_opts o;
    vdpu_opts_default(&o);
    o.coal_frames = 0; /* the timer only */
    o.coal_cycles = COAL_CYCLES;
    t_open_fw(t, e, &o);
}

static void coal_reset_body(struct tctx *T, bool packed, bool reset)
{
    struct sp *v = up(T, packed, NO_EVIDX);
    const struct drv_queue *x = dq(v, 1);
    uint8_t f[60];
    bcast_frame(f, sizeof f, 0x88B5);
    tx_buf(v, BUFS, f, sizeof f);
    if (packed)
        ppost(v, 1, BUFS, HDR + sizeof f, 7, 0);
    else
        spost(v, 1, 7, BUFS, HDR + sizeof f, 0);
    uint64_t i0 = irqs(v, 1);
    kick(v, 1);
    cr_assert_eq(v->wire_n, 1);
    cr_assert_eq(packed ? r16(v, x->desc + 12) : r16(v, x->device + 2), packed ? 7 : 1, "used");
    cr_assert_eq(irqs(v, 1), i0, "deferred by the coalescer");
    if (reset) cr_assert_eq(virtio_drv_queue_reset(&v->d, 1), DRV_OK);
    run_cycles(T, COAL_CYCLES + 20000);
    cr_assert_eq(irqs(v, 1), i0 + (reset ? 0 : 1), "%s", reset ? "an interrupt for a queue reset since" : "the timer fires");
    down(v);
}

#define COAL_RESET_TEST(name, PACKED, RESET)                                                                         \
    Test(qeng_spec, name##_model, .timeout = 300) { struct tctx t; coal_open(&t, VDPU_ENGINE_MODEL); coal_reset_body(&t, PACKED, RESET); t_close(&t); } \
    Test(qeng_spec, name##_rtl, .timeout = 300) { struct tctx t; coal_open(&t, VDPU_ENGINE_RTL); coal_reset_body(&t, PACKED, RESET); t_close(&t); }     \
    Test(qeng_spec, name##_cosim, .timeout = 300) { struct tctx t; coal_open(&t, VDPU_ENGINE_COSIM); coal_reset_body(&t, PACKED, RESET); t_close(&t); }

COAL_RESET_TEST(coalesced_irq_dropped_by_queue_reset_split, false, true)
COAL_RESET_TEST(coalesced_irq_dropped_by_queue_reset_packed, true, true)
COAL_RESET_TEST(coalesced_irq_fires_without_reset, false, false)

/* ====================================================================================================
 * (l) packed MRG_RXBUF, two pairs: a frame steered to receiveq 2 runs out of buffers; the slots of the
 * buffers it filled go back to receiveq 2 (its own position at the pick, not receiveq 0's).
 * ==================================================================================================== */

/* IPv4/UDP broadcast frame of len bytes: the steering key is its addresses and ports */
static void udp_frame(uint8_t *f, unsigned len)
{
    bcast_frame(f, len, 0x0800);
    static const uint8_t ip[] = {0x45, 0, 0, 0, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, 0x04, 0xD2, 0x16, 0x2E};
    memcpy(f + 14, ip, sizeof ip);
}

ENGINE_TEST_REALFW(qeng_spec, packed_mrg_drop_on_receiveq2_gives_back_receiveq2, .timeout = 300)
{
    struct sp *v = up(T, true, 0);
    virtio_ctrl_t c;
    cr_assert_eq(virtio_ctrl_open(&c, &v->d), 0, "%s", c.error);
    uint16_t pairs = 2;
    uint8_t ack = 0xEE;
    cr_assert_eq(virtio_ctrl_cmd(&c, VNET_CTRL_MQ, VNET_CTRL_MQ_VQ_PAIRS_SET, &pairs, 2, &ack, CMD_CYCLES), 0, "%s",
                 c.error);
    cr_assert_eq(ack, VNET_OK);
    cr_assert_eq(peek_csr(T, VDPU_CSR_ENG_CTRL) >> VDPU_ENGCTRL_MRG_RXBUF & 1u, 1u);
    static uint8_t f[300];
    /* receiveq 0 takes one frame of an unknown flow (the flow table is still empty): its position is 1 */
    ppost(v, 0, RXB, 2048, 1, F_WRITE);
    bcast_frame(f, 60, 0x88B5);
    inject(v, f, 60);
    cr_assert_eq(r16(v, dq(v, 0)->desc + 12), 1, "receiveq 0 used buffer 1");
    /* transmitq 2 (queue 3) sends a flow: the table steers its frames to receiveq 2 */
    udp_frame(f, 60);
    tx_buf(v, BUFS, f, 60);
    ppost(v, 3, BUFS, HDR + 60, 9, 0);
    kick(v, 3);
    cr_assert_eq(v->wire_n, 1);
    /* receiveq 2: two buffers of 64 bytes, position 0; a 200-byte frame of the flow needs 212 */
    const struct drv_queue *x = dq(v, 2);
    ppost(v, 2, RXB + 0x1000, 64, 10, F_WRITE);
    ppost(v, 2, RXB + 0x1100, 64, 11, F_WRITE);
    uint16_t d0 = drops(v);
    v->nrec = 0;
    udp_frame(f, 200);
    inject(v, f, 200);
    cr_assert_eq(drops(v), d0 + 1, "the frame ran out of buffers: dropped");
    bool rx2 = false;
    for (unsigned i = 0; i < v->nrec; i++) rx2 |= v->rec[i].queue == 2 && v->rec[i].purp == VDPU_PURP_PAYLOAD_WR;
    cr_assert(rx2, "it was steered to receiveq 2 and filled its buffers");
    uint16_t avail = 0xFFFF;
    bool wrap = false;
    cr_assert_eq(virtio_drv_queue_state(&v->d, 2, &avail, &wrap, NULL, NULL), DRV_OK);
    cr_assert_eq(avail, 0, "receiveq 2's two slots went back to it (its position at the pick)");
    cr_assert(wrap);
    /* the next frame of the flow (100 bytes + header: both 64-byte buffers) starts at slot 0 */
    ppost(v, 2, RXB + 0x1200, 2048, 12, F_WRITE);
    v->nrec = 0;
    udp_frame(f, 100);
    inject(v, f, 100);
    cr_assert_eq(r16(v, x->desc + 12), 10, "slot 0: buffer 10");
    cr_assert_eq(r32(v, x->desc + 8), 64);
    cr_assert_eq(r16(v, x->desc + 16 + 12), 11, "slot 1: buffer 11");
    cr_assert_eq(r32(v, x->desc + 16 + 8), HDR + 100 - 64);
    cr_assert_eq(r16(v, x->desc + 14) & (P_AVAIL | P_USED), P_AVAIL | P_USED, "slot 0 used");
    cr_assert_eq(drops(v), d0 + 1);
    down(v);
}

/* ====================================================================================================
 * (m) automatic receive steering, two pairs: "If the destination receive queue is being reset ..., the
 * device SHOULD re-select another random queue. If all receive queues are being reset, the device MUST
 * drop the packet" (net description.tex). Frames of an unknown flow are for receiveq 0; with receiveq 0
 * reset they go to receiveq 2 (the lowest usable receiveq; until the review they were dropped), with
 * both reset they are dropped. The other direction (receiveq 2 reset -> receiveq 0) is
 * mq/disabled_receiveq_falls_back_to_receiveq0.
 * ==================================================================================================== */

static void pairs_2(struct sp *v)
{
    virtio_ctrl_t c;
    cr_assert_eq(virtio_ctrl_open(&c, &v->d), 0, "%s", c.error);
    uint16_t pairs = 2;
    uint8_t ack = 0xEE;
    cr_assert_eq(virtio_ctrl_cmd(&c, VNET_CTRL_MQ, VNET_CTRL_MQ_VQ_PAIRS_SET, &pairs, 2, &ack, CMD_CYCLES), 0, "%s",
                 c.error);
    cr_assert_eq(ack, VNET_OK);
    cr_assert_eq(peek_csr(v->t, VDPU_CSR_MQ_PAIRS), 2);
}

static void queue_reset_now(struct sp *v, unsigned q)
{
    uint64_t e = 1;
    cr_assert_eq(drv_wr(&v->d, VDPU_COMMON_Q_SELECT, 2, q), 0);
    cr_assert_eq(drv_wr(&v->d, VDPU_COMMON_Q_RESET, 2, 1), 0);
    cr_assert_eq(drv_rd(&v->d, VDPU_COMMON_Q_RESET, 2, &e), 0);
    cr_assert_eq(e, 0, "queue %u reset done", q);
    cr_assert_eq(drv_rd(&v->d, VDPU_COMMON_Q_ENABLE, 2, &e), 0);
    cr_assert_eq(e, 0, "queue %u disabled by its reset", q);
}

static void reselect_body(struct tctx *T, bool packed)
{
    struct sp *v = up(T, packed, NO_EVIDX);
    pairs_2(v);
    queue_reset_now(v, 0);
    const struct drv_queue *x = dq(v, 2);
    if (packed) {
        ppost(v, 2, RXB, 2048, 4, F_WRITE);
        ppost(v, 2, RXB + 0x1000, 2048, 5, F_WRITE);
    } else {
        spost(v, 2, 0, RXB, 2048, F_WRITE);
        spost(v, 2, 1, RXB + 0x1000, 2048, F_WRITE);
    }
    uint16_t d0 = drops(v);
    uint8_t f[80], got[80];
    bcast_frame(f, sizeof f, 0x88B5); /* not IP, flow table empty: for receiveq 0 */
    v->nrec = 0;
    inject(v, f, sizeof f);
    cr_assert_eq(drops(v), d0, "re-selected, not dropped");
    if (packed) {
        cr_assert_eq(r16(v, x->desc + 12), 4, "receiveq 2 used its buffer 4");
        cr_assert_eq(r32(v, x->desc + 8), HDR + sizeof f);
    } else {
        cr_assert_eq(r16(v, x->device + 2), 1, "receiveq 2 used a buffer");
        cr_assert_eq(r32(v, x->device + 8), HDR + sizeof f);
    }
    cr_assert(host_mem_read(&T->s.mem, RXB + HDR, got, sizeof got));
    cr_assert(!memcmp(got, f, sizeof f), "the frame");
    for (unsigned i = 0; i < v->nrec; i++) cr_assert_eq(v->rec[i].queue, 2, "every DMA on receiveq 2");
    /* receiveq 2 reset too: every receive queue is being reset -> dropped, the wire is not held */
    queue_reset_now(v, 2);
    uint64_t rx0 = T->b->net.rx_frames;
    v->nrec = 0;
    f[20] ^= 0xFF;
    inject(v, f, sizeof f);
    cr_assert_eq(T->b->net.rx_frames, rx0 + 1, "the device took the frame");
    cr_assert_eq(drops(v), d0 + 1, "and dropped it");
    cr_assert_eq(v->nrec, 0, "no DMA");
    down(v);
}

ENGINE_TEST_REALFW(qeng_spec, rx_reset_receiveq0_reselects_receiveq2_split, .timeout = 300) { reselect_body(T, false); }
ENGINE_TEST_REALFW(qeng_spec, rx_reset_receiveq0_reselects_receiveq2_packed, .timeout = 300) { reselect_body(T, true); }

/* ====================================================================================================
 * (n) VIRTIO_NET_F_MTU at the largest mtu the device offers (VDPU_MTU_MAX, 9186): "The device MUST
 * forward transmitted packets of up to mtu (plus low level ethernet header length) size with gso_type
 * NONE or ECN, and do so without fragmentation, after VIRTIO_NET_F_MTU has been successfully
 * negotiated" (net description.tex). Frames of mtu + 14 and, 802.1Q-tagged, mtu + 18 bytes leave the
 * device whole; the same sizes are received whole, one byte more is dropped (NET-CFG-5). The CLI and
 * firmware refuse larger mtu values (fw_policy/mtu_bounds), whose frames would not fit the 9216-byte
 * frame buffers.
 * ==================================================================================================== */

static void mtu_max_open_reads(struct tctx *t, enum vdpu_engine e, unsigned max_reads)
{
    struct vdpu_opts o;
    vdpu_opts_default(&o);
    o.mtu = VDPU_MTU_MAX;
    o.max_reads = max_reads;
    t_open_fw(t, e, &o);
}

static void mtu_max_open(struct tctx *t, enum vdpu_engine e) { mtu_max_open_reads(t, e, 1); }
/* 8 payload reads outstanding: a frame of 9,200 bytes is 18 reads of 512, 8 of them in flight at once
 * (with 1500-byte frames at most 3 are); 16 and 32 (--tags): 16, then all 18 */
static void mtu_max_open8(struct tctx *t, enum vdpu_engine e) { mtu_max_open_reads(t, e, 8); }
static void mtu_max_open16(struct tctx *t, enum vdpu_engine e) { mtu_max_open_reads(t, e, 16); }
static void mtu_max_open32(struct tctx *t, enum vdpu_engine e) { mtu_max_open_reads(t, e, 32); }

static void mtu_max_body(struct tctx *T)
{
    struct sp *v = up(T, false, NO_EVIDX);
    cr_assert_eq(peek_csr(T, VDPU_CSR_NET_MTU), VDPU_MTU_MAX);
    cr_assert_eq(peek_csr(T, VDPU_CSR_ENG_CTRL) >> VDPU_ENGCTRL_MTU & 1u, 1u, "MTU negotiated");
    static uint8_t b[HDR + VDPU_MTU_MAX + 18];
    const unsigned len[2] = {VDPU_MTU_MAX + 14, VDPU_MTU_MAX + 18};
    /* M, the payload reads the engine may have in flight (ENG_PARAM[14:8], 0 as 1) */
    unsigned m = (peek_csr(T, VDPU_CSR_ENG_PARAM) & VDPU_ENG_PARAM_MAX_READS) >> VDPU_ENG_PARAM_MAX_READS_LSB;
    m = m ? m : 1;
    T->b->link.st.rd_peak = 0;
    for (unsigned k = 0; k < 2; k++) {
        memset(b, 0, HDR);
        bcast_frame(b + HDR, len[k], k ? 0x8100 : 0x88B5);
        uint64_t at = BUFS + 0x4000ull * k;
        mem_w(v, at, b, HDR + len[k]);
        spost(v, 1, (uint16_t)k, at, HDR + len[k], 0);
        kick(v, 1);
        cr_assert_eq(v->wire_n, k + 1, "frame of %u bytes sent", len[k]);
        cr_assert_eq(v->wire_len, len[k], "in one piece");
        cr_assert(!memcmp(v->wire_last, b + HDR, len[k]), "byte for byte");
    }
    cr_assert_eq(r16(v, dq(v, 1)->device + 2), 2);
    /* each frame is one descriptor of 12 + 9,200 or 9,204 bytes: 18 reads of up to 512 */
    cr_assert_eq(T->b->link.st.rd_peak, m < 18 ? m : 18, "%u reads allowed, %u in flight at most", m,
                 T->b->link.st.rd_peak);
    const struct drv_queue *x = dq(v, 0);
    for (uint16_t i = 0; i < 3; i++) spost(v, 0, i, RXB + 0x4000ull * i, 0x4000, F_WRITE);
    uint16_t d0 = drops(v);
    for (unsigned k = 0; k < 2; k++) {
        bcast_frame(b, len[k], k ? 0x8100 : 0x88B5);
        inject(v, b, len[k]);
        cr_assert_eq(r16(v, x->device + 2), k + 1, "frame of %u bytes received", len[k]);
        cr_assert_eq(r32(v, x->device + 4 + 8 * k + 4), HDR + len[k]);
    }
    bcast_frame(b, len[0] + 1, 0x88B5);
    inject(v, b, len[0] + 1);
    cr_assert_eq(r16(v, x->device + 2), 2, "one byte over: not passed");
    cr_assert_eq(drops(v), d0 + 1);
    down(v);
}

#define MTU_MAX_TEST(name, open)                                                                                     \
    Test(qeng_spec, name##_model, .timeout = 300) { struct tctx t; open(&t, VDPU_ENGINE_MODEL); mtu_max_body(&t); t_close(&t); } \
    Test(qeng_spec, name##_rtl, .timeout = 300) { struct tctx t; open(&t, VDPU_ENGINE_RTL); mtu_max_body(&t); t_close(&t); }     \
    Test(qeng_spec, name##_cosim, .timeout = 300) { struct tctx t; open(&t, VDPU_ENGINE_COSIM); mtu_max_body(&t); t_close(&t); }

MTU_MAX_TEST(frames_of_the_largest_mtu_whole, mtu_max_open)
MTU_MAX_TEST(frames_of_the_largest_mtu_whole_8_reads, mtu_max_open8)
MTU_MAX_TEST(frames_of_the_largest_mtu_whole_16_reads, mtu_max_open16)
MTU_MAX_TEST(frames_of_the_largest_mtu_whole_32_reads, mtu_max_open32)

/* ====================================================================================================
 * (o) packed: "the device MUST NOT change a descriptor after it made it used" - a used descriptor
 * belongs to the driver. A frame spread over four receive buffers (MRG_RXBUF) and three transmitted
 * buffers: one used-descriptor write per slot; the driver then writes its own values into those slots
 * (as it does when it reuses them) and more traffic on the same queues leaves them alone.
 * ==================================================================================================== */

ENGINE_TEST_REALFW(qeng_spec, packed_used_descriptor_never_rewritten, .timeout = 300)
{
    struct sp *v = up(T, true, 0);
    cr_assert_eq(peek_csr(T, VDPU_CSR_ENG_CTRL) >> VDPU_ENGCTRL_MRG_RXBUF & 1u, 1u);
    const unsigned nslot[2] = {4, 3}; /* receiveq 0, transmitq 0 */
    for (uint16_t i = 0; i < 4; i++) ppost(v, 0, RXB + 0x100ull * i, 64, (uint16_t)(20 + i), F_WRITE);
    static uint8_t f[200];
    bcast_frame(f, 200, 0x88B5); /* 212 bytes with the header: four 64-byte buffers */
    inject(v, f, 200);
    for (uint16_t i = 0; i < 3; i++) {
        bcast_frame(f, 60, 0x88B5);
        tx_buf(v, BUFS + 0x100ull * i, f, 60);
        ppost(v, 1, BUFS + 0x100ull * i, HDR + 60, (uint16_t)(30 + i), 0);
    }
    kick(v, 1);
    cr_assert_eq(v->wire_n, 3);
    for (unsigned qi = 0; qi < 2; qi++) {
        const struct drv_queue *x = dq(v, qi);
        for (unsigned s = 0; s < nslot[qi]; s++) {
            cr_assert_eq(r16(v, x->desc + 16 * s + 14) & (P_AVAIL | P_USED), P_AVAIL | P_USED, "queue %u slot %u used", qi, s);
            unsigned w = 0;
            for (unsigned i = 0; i < v->nrec; i++)
                w += v->rec[i].wr && v->rec[i].addr >= x->desc + 16 * s && v->rec[i].addr < x->desc + 16 * (s + 1);
            cr_assert_eq(w, 1, "queue %u slot %u: one write (its used descriptor)", qi, s);
        }
    }
    /* the driver's values in the used slots (not made available: flags still say used) */
    uint8_t mine[16];
    for (unsigned i = 0; i < 16; i++) mine[i] = (uint8_t)(0xA0 + i);
    mine[14] = 0x80, mine[15] = 0x80; /* AVAIL and USED set: this lap's used state */
    for (unsigned qi = 0; qi < 2; qi++)
        for (unsigned s = 0; s < nslot[qi]; s++) mem_w(v, dq(v, qi)->desc + 16 * s, mine, 16);
    v->nrec = 0;
    ppost(v, 0, RXB + 0x800, 2048, 40, F_WRITE);
    bcast_frame(f, 60, 0x88B5);
    inject(v, f, 60);
    cr_assert_eq(r16(v, dq(v, 0)->desc + 16 * 4 + 12), 40, "the next frame in slot 4");
    tx_buf(v, BUFS + 0x800, f, 60);
    ppost(v, 1, BUFS + 0x800, HDR + 60, 41, 0);
    kick(v, 1);
    cr_assert_eq(v->wire_n, 4);
    for (unsigned qi = 0; qi < 2; qi++)
        for (unsigned s = 0; s < nslot[qi]; s++) {
            uint8_t now[16];
            cr_assert(host_mem_read(&T->s.mem, dq(v, qi)->desc + 16 * s, now, 16));
            cr_assert(!memcmp(now, mine, 16), "queue %u slot %u changed after it was used", qi, s);
        }
    down(v);
}

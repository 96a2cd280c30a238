/* test_net_violations.c - directed descriptor/buffer violations on model, rtl and cosim with the real
 * firmware. A bad buffer is posted by hand (descriptors and avail entries written straight into host
 * memory, then a doorbell); the device must stop the queue with the right QERR code, tell the host
 * (DEVICE_NEEDS_RESET + config interrupt), write nothing anywhere (no used entry, no payload, no
 * frame on the wire, no queue interrupt, no further DMA for the queue), and work again after a
 * reset and re-initialization. */
#include <string.h>

#include "harness.h"
#include "virtio_net.h"

#define VQSIZE 16
#define DESC_NEXT 1u
#define DESC_WRITE 2u
#define DESC_INDIRECT 4u
#define P_AVAIL (1u << 7)
#define P_USED (1u << 15)
#define RAM_END (VDPU_HOST_RAM_BASE + VDPU_HOST_RAM_SIZE)

struct vctx {
    struct tctx *t;
    virtio_net_t *n;
    struct net_vq *q;          /* the queue the bad buffer goes to */
    uint64_t may_lo, may_hi;   /* a range the device may write before it finds the violation (RX data) */
    unsigned good;             /* good buffers posted ahead of the bad one (TX): completed normally */
};

/* ---- the firmware owns the CSR port: borrow it for one read between two firmware accesses ---- */


/* ---- host memory snapshots ------------------------------------------------------------------------
 * The link's memory guard already fails the run on any device write outside the granted areas (used
 * rings, receive buffers); those all lie in the rings-and-buffers span above 1 MiB or in the top
 * 64 KiB of RAM, so snapshots of these two spans catch every write the guard lets through. */

struct snap {
    uint64_t lo[2], hi[2];
    uint8_t *buf[2];
};

static void snap_take(struct tctx *t, const virtio_drv_t *d, struct snap *sn)
{
    sn->lo[0] = 0xF0000;
    sn->hi[0] = d->ram_next + 0x10000;
    sn->lo[1] = RAM_END - 0x10000;
    sn->hi[1] = RAM_END;
    for (int i = 0; i < 2; i++) {
        sn->buf[i] = malloc(sn->hi[i] - sn->lo[i]);
        cr_assert(sn->buf[i]);
        cr_assert(host_mem_read(&t->s.mem, sn->lo[i], sn->buf[i], sn->hi[i] - sn->lo[i]));
    }
}

/* every byte changed since `a` must lie in one of the n allowed ranges [lo, hi) */
static void snap_check(struct tctx *t, const struct snap *a, const uint64_t (*ok)[2], unsigned n)
{
    struct snap b = *a;
    for (int i = 0; i < 2; i++) {
        uint64_t len = a->hi[i] - a->lo[i];
        b.buf[i] = malloc(len);
        cr_assert(b.buf[i]);
        cr_assert(host_mem_read(&t->s.mem, a->lo[i], b.buf[i], len));
        for (uint64_t k = 0; k < len; k++) {
            if (a->buf[i][k] == b.buf[i][k]) continue;
            uint64_t addr = a->lo[i] + k;
            bool allowed = false;
            for (unsigned j = 0; j < n; j++) allowed |= addr >= ok[j][0] && addr < ok[j][1];
            if (!allowed)
                cr_assert_fail("host memory changed at 0x%llx (0x%02x -> 0x%02x)", (unsigned long long)addr,
                               a->buf[i][k], b.buf[i][k]);
        }
        free(b.buf[i]);
    }
}

static void snap_free(struct snap *sn)
{
    for (int i = 0; i < 2; i++) free(sn->buf[i]);
}

/* ---- writing rings by hand ------------------------------------------------------------------- */

static void w16(struct vctx *v, uint64_t a, uint16_t x) { host_mem_write(&v->t->s.mem, a, &x, 2); }
static void w32(struct vctx *v, uint64_t a, uint32_t x) { host_mem_write(&v->t->s.mem, a, &x, 4); }
static void w64(struct vctx *v, uint64_t a, uint64_t x) { host_mem_write(&v->t->s.mem, a, &x, 8); }

/* a valid frame (12-byte header, 64-byte frame) at the start of buffer region i of the queue */
static uint64_t vbuf(struct vctx *v, unsigned i)
{
    uint64_t a = v->q->bufs + (uint64_t)i * NET_REGION;
    uint8_t f[NET_HDR_LEN + 64];
    memset(f, 0, sizeof f);
    memcpy(f + NET_HDR_LEN, v->n->d->mac, 6);
    f[NET_HDR_LEN + 12] = 0x88;
    f[NET_HDR_LEN + 13] = 0xb5;
    if (!v->q->rx) host_mem_write(&v->t->s.mem, a, f, sizeof f);
    return a;
}

static void sdesc(struct vctx *v, uint16_t i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
    uint64_t d = v->q->desc + 16ull * i;
    w64(v, d, addr);
    w32(v, d + 8, len);
    w16(v, d + 12, flags);
    w16(v, d + 14, next);
}

/* split: make `head` available (ring entry, then idx) */
static void savail(struct vctx *v, uint16_t head)
{
    struct net_vq *q = v->q;
    w16(v, q->driver + 4 + 2ull * (q->avail_idx % q->size), head);
    q->avail_idx++;
    w16(v, q->driver + 2, q->avail_idx);
}

/* packed: descriptor in the driver's next slot, available in the current wrap; advances */
static void pdesc(struct vctx *v, uint64_t addr, uint32_t len, uint16_t id, uint16_t flags)
{
    struct net_vq *q = v->q;
    uint64_t d = q->desc + 16ull * q->next_avail;
    w64(v, d, addr);
    w32(v, d + 8, len);
    w16(v, d + 12, id);
    w16(v, d + 14, (uint16_t)(flags | (q->avail_wrap ? P_AVAIL : P_USED)));
    if (++q->next_avail == q->size) {
        q->next_avail = 0;
        q->avail_wrap = !q->avail_wrap;
    }
}

/* ---- the scenario ------------------------------------------------------------------------------ */

static void traffic(struct tctx *t, virtio_net_t *n, virtio_drv_t *d, uint64_t frames, const char *when)
{
    struct net_params np = {NET_LOOPBACK, frames, 0, 11, 100000 + frames * 20000};
    cr_assert_eq(virtio_net_open(n, d, &np), 0, "%s: %s", when, n->error);
    int rc = virtio_net_run(n);
    cr_assert_eq(rc, 0, "%s: traffic failed: %s %s", when, n->error, t->b->stopped ? t->b->stop_reason : "");
    cr_assert_eq(virtio_net_packets(n), frames);
}

/* init to DRIVER_OK (queue size 16, INDIRECT_DESC and MRG_RXBUF not negotiated: an INDIRECT descriptor
 * and a too-short receive chain are then the driver's violations), queues opened by the net driver with nothing posted, or after `pre` frames */
static void bring_up(struct tctx *t, enum drv_ring ring, unsigned pre, struct drv_params *p, virtio_drv_t *d,
                     virtio_net_t *n)
{
    drv_params_default(p);
    p->ring = ring;
    p->qsize = VQSIZE;
    p->accept[VIRTIO_RING_F_INDIRECT_DESC / 32] &= ~(1u << (VIRTIO_RING_F_INDIRECT_DESC % 32));
    /* without MRG_RXBUF a receive chain too short for the frame is the driver's violation (with it,
     * the frame goes on in the next buffer: test_mrg_rxbuf.c) */
    p->accept[VIRTIO_NET_F_MRG_RXBUF / 32] &= ~(1u << (VIRTIO_NET_F_MRG_RXBUF % 32));
    /* the hand-made buffers sit anywhere in the table, which IN_ORDER forbids (its own violation,
     * QERR_CHAIN: tests/test_split_in_order.c) */
    p->accept[VIRTIO_F_IN_ORDER / 32] &= ~(1u << (VIRTIO_F_IN_ORDER % 32));
    t_drv_up(t, d, p);
    if (pre) {
        traffic(t, n, d, pre, "traffic before the violation");
    } else {
        struct net_params np = {NET_RX, 1, 64, 11, 100000};
        cr_assert_eq(virtio_net_open(n, d, &np), 0, "%s", n->error);
    }
    cr_assert_eq(peek_csr(t, VDPU_CSR_QERR), 0);
}

static void violation(struct tctx *t, enum drv_ring ring, bool rx, uint8_t code, unsigned pre,
                      void (*post)(struct vctx *))
{
    virtio_drv_t *d = calloc(1, sizeof *d);
    virtio_net_t *n = calloc(1, sizeof *n);
    cr_assert(d && n);
    struct drv_params p;
    bring_up(t, ring, pre, &p, d, n);

    struct vctx v = {t, n, rx ? &n->rx : &n->tx, 0, 0, 0};
    unsigned qi = v.q->idx;
    post(&v);
    host_mem_t *m = &t->s.mem;
    struct snap before;
    snap_take(t, d, &before);
    uint64_t cfg_irqs = m->msi_count[PCI_MSI_DATA_BASE + 0];
    uint64_t q_irqs = m->msi_count[PCI_MSI_DATA_BASE + v.q->vector];
    uint64_t wire = t->b->net.tx_frames;
    cr_assert(host_mem_wr(t->b, v.q->notify, 2, qi), "doorbell: %s", t->b->stop_reason);
    if (rx) {
        uint8_t f[64];
        memset(f, 0x3c, sizeof f);
        memcpy(f, d->mac, 6);
        cr_assert(netport_inject(&t->b->net, f, sizeof f));
    }

    /* the host sees DEVICE_NEEDS_RESET and a config interrupt */
    uint8_t st = 0;
    for (unsigned i = 0; i < 200 && !t->b->stopped; i++) {
        vdpu_bus_run_cycles(t->b, 500);
        st = drv_status(d);
        if ((st & VIRTIO_CONFIG_S_NEEDS_RESET) && m->msi_count[PCI_MSI_DATA_BASE + 0] > cfg_irqs) break;
    }
    cr_assert(!t->b->stopped, "run stopped: %s", t->b->stop_reason);
    cr_assert(st & VIRTIO_CONFIG_S_NEEDS_RESET, "device_status 0x%02x: no DEVICE_NEEDS_RESET", st);
    cr_assert_gt(m->msi_count[PCI_MSI_DATA_BASE + 0], cfg_irqs, "no config interrupt");
    virtio_drv_poll(d);

    /* the violation, as the device recorded it */
    uint32_t qerr = peek_csr(t, VDPU_CSR_QERR), info = peek_csr(t, VDPU_CSR_ERR_INFO);
    cr_assert_eq(qerr, 1u << qi, "QERR 0x%x, expected queue %u", qerr, qi);
    cr_assert_eq(info & 0xff, code, "ERR_INFO code %u, expected %u", info & 0xff, code);
    cr_assert_eq((info >> 8) & 0xffff, qi, "ERR_INFO queue %u, expected %u", (info >> 8) & 0xffff, qi);

    /* the queue stays stopped: another doorbell (and, on RX, another frame) gets no DMA at all */
    struct dma_count qd[VDPU_PURP_COUNT];
    memcpy(qd, t->b->link.st.by[qi], sizeof qd);
    cr_assert(host_mem_wr(t->b, v.q->notify, 2, qi)); /* (RX: the frame is still waiting in the device) */
    vdpu_bus_run_cycles(t->b, 3000);
    for (unsigned k = 0; k < VDPU_PURP_COUNT; k++)
        cr_assert_eq(t->b->link.st.by[qi][k].requests, qd[k].requests, "DMA (purpose %u) for a stopped queue", k);

    /* nothing written anywhere: no used entry, no payload (RX: at most inside the bad buffer) */
    /* good buffers ahead of the bad one: completed, their used entries are the only writes */
    uint64_t used_lo = v.q->packed ? v.q->desc : v.q->device;
    uint64_t used_hi = used_lo + (v.q->packed ? 16ull * v.q->size : 6 + 8ull * v.q->size);
    if (v.good) {
        cr_assert_eq(t->b->net.tx_frames, wire + v.good, "the good buffers ahead of the bad one go out");
        for (unsigned i = 0; i < v.good; i++) {
            uint16_t id, fl;
            if (v.q->packed) {
                host_mem_read(m, v.q->desc + 16ull * i + 12, &id, 2);
                host_mem_read(m, v.q->desc + 16ull * i + 14, &fl, 2);
                cr_assert_eq(fl & (P_AVAIL | P_USED), P_AVAIL | P_USED, "good buffer %u not used", i);
            } else {
                host_mem_read(m, v.q->device + 4 + 8ull * i, &id, 2);
            }
            cr_assert_eq(id, i, "used entry %u has id %u", i, id);
        }
        if (!v.q->packed) {
            uint16_t uidx;
            host_mem_read(m, v.q->device + 2, &uidx, 2);
            cr_assert_eq(uidx, v.good, "used idx %u: the bad buffer must not be used", uidx);
        } else {
            uint16_t fl;
            host_mem_read(m, v.q->desc + 16ull * v.good + 14, &fl, 2);
            cr_assert_neq(fl & (P_AVAIL | P_USED), P_AVAIL | P_USED, "the bad buffer was marked used");
        }
    }
    const uint64_t ok[2][2] = {{v.may_lo, v.may_hi}, {used_lo, v.good ? used_hi : used_lo}};
    snap_check(t, &before, ok, 2);
    snap_free(&before);
    uint64_t q_irqs_now = m->msi_count[PCI_MSI_DATA_BASE + v.q->vector];
    if (!v.good) cr_assert_eq(q_irqs_now, q_irqs, "a queue interrupt for an abandoned buffer");
    else cr_assert(q_irqs_now > q_irqs && q_irqs_now <= q_irqs + v.good, "queue interrupts %llu for %u good buffers",
                   (unsigned long long)(q_irqs_now - q_irqs), v.good);
    cr_assert_eq(t->b->net.tx_frames, wire + v.good, "a frame of the bad buffer went out on the wire");
    cr_assert(!t->b->link.error[0], "%s", t->b->link.error);

    /* a reset recovers it: QERR cleared, traffic flows again */
    virtio_net_close(n);
    cr_assert_eq(virtio_drv_reset(d), DRV_OK, "reset: %s", d->refusal);
    cr_assert_eq(peek_csr(t, VDPU_CSR_QERR), 0, "QERR survives the reset");
    cr_assert_eq(virtio_drv_init(d, &t->s, &p), DRV_OK, "re-init: %s", d->refusal);
    traffic(t, n, d, 20, "traffic after the reset");
    virtio_net_close(n);
    free(n);
    free(d);
}

/* ---- the legal side of the boundaries: the buffer completes, the device stays healthy ----------- */

static struct {
    uint8_t f[NET_MAX_FRAME + 32];
    unsigned len, n;
} wire_cap;

static void cap_tap(void *ctx, const uint8_t *f, unsigned len, uint64_t cycle)
{
    (void)ctx;
    (void)cycle;
    memcpy(wire_cap.f, f, len);
    wire_cap.len = len;
    wire_cap.n++;
}

/* The buffer posted by `post` must complete: TX: one frame on the wire, the posted bytes after the
 * header (v->may_lo..may_hi: the one contiguous TX buffer); RX: used length 12 + 64, header and frame
 * in [may_lo, may_hi), nothing else written. */
static void boundary(struct tctx *t, enum drv_ring ring, bool rx, void (*post)(struct vctx *))
{
    virtio_drv_t *d = calloc(1, sizeof *d);
    virtio_net_t *n = calloc(1, sizeof *n);
    cr_assert(d && n);
    struct drv_params p;
    bring_up(t, ring, 0, &p, d, n);
    memset(&wire_cap, 0, sizeof wire_cap);
    t->b->net.tap = cap_tap;
    struct vctx v = {t, n, rx ? &n->rx : &n->tx, 0, 0, 0};
    post(&v);
    host_mem_t *m = &t->s.mem;
    struct snap before;
    snap_take(t, d, &before);
    uint8_t tx[NET_MAX_FRAME + 32];
    if (!rx) cr_assert(host_mem_read(m, v.may_lo + NET_HDR_LEN, tx, v.may_hi - v.may_lo - NET_HDR_LEN));
    uint8_t f[64];
    for (unsigned i = 0; i < sizeof f; i++) f[i] = (uint8_t)(i * 7 + 1);
    memcpy(f, d->mac, 6);
    cr_assert(host_mem_wr(t->b, v.q->notify, 2, v.q->idx));
    if (rx) cr_assert(netport_inject(&t->b->net, f, sizeof f));
    vdpu_bus_run_cycles(t->b, 20000);
    cr_assert(!t->b->stopped, "%s", t->b->stop_reason);
    cr_assert_eq(drv_status(d) & VIRTIO_CONFIG_S_NEEDS_RESET, 0, "a legal buffer made the device fail");
    cr_assert_eq(peek_csr(t, VDPU_CSR_QERR), 0);
    uint64_t used_lo = v.q->packed ? v.q->desc : v.q->device;
    uint64_t used_hi = used_lo + (v.q->packed ? 16ull * v.q->size : 6 + 8ull * v.q->size);
    uint32_t ulen;
    host_mem_read(m, v.q->packed ? v.q->desc + 8 : v.q->device + 8, &ulen, 4);
    if (!v.q->packed) {
        uint16_t uidx;
        host_mem_read(m, v.q->device + 2, &uidx, 2);
        cr_assert_eq(uidx, 1, "used idx %u", uidx);
    }
    if (rx) {
        cr_assert_eq(ulen, NET_HDR_LEN + sizeof f, "RX used length %u", ulen);
        uint8_t got[NET_HDR_LEN + 64];
        cr_assert(host_mem_read(m, v.may_lo, got, sizeof got));
        cr_assert_eq(got[10], 1, "num_buffers");
        cr_assert_eq(memcmp(got + NET_HDR_LEN, f, sizeof f), 0, "RX frame bytes");
    } else {
        cr_assert_eq(ulen, 0);
        cr_assert_eq(wire_cap.n, 1, "frames on the wire: %u", wire_cap.n);
        uint64_t flen = v.may_hi - v.may_lo - NET_HDR_LEN;
        cr_assert_eq(wire_cap.len, flen, "wire frame %u bytes, expected %llu", wire_cap.len, (unsigned long long)flen);
        cr_assert_eq(memcmp(wire_cap.f, tx, flen), 0, "wire frame bytes differ from the buffer");
    }
    const uint64_t ok[2][2] = {{used_lo, used_hi}, {v.may_lo, rx ? v.may_hi : v.may_lo}};
    snap_check(t, &before, ok, 2);
    snap_free(&before);
    t->b->net.tap = NULL;
    virtio_net_close(n);
    free(n);
    free(d);
}

#define BOUNDARY(name, ring, rx)                                                                                     \
    static void name##_post(struct vctx *v);                                                                         \
    ENGINE_TEST_REALFW(net_bounds, name, .timeout = 120) { boundary(T, ring, rx, name##_post); }                     \
    static void name##_post(struct vctx *v)

/* a TX buffer of `total` bytes in k pieces at the start of the transmit buffers (contiguous) */
static void tx_pieces(struct vctx *v, uint32_t total, unsigned k)
{
    uint64_t a = v->q->bufs;
    uint8_t *buf = malloc(total);
    cr_assert(buf);
    for (uint32_t i = 0; i < total; i++) buf[i] = (uint8_t)(i * 13 + 5);
    memset(buf, 0, NET_HDR_LEN);
    host_mem_write(&v->t->s.mem, a, buf, total);
    free(buf);
    uint32_t off = 0;
    for (unsigned i = 0; i < k; i++) {
        uint32_t len = i + 1 < k ? total / k : total - off;
        bool more = i + 1 < k;
        if (v->q->packed) {
            struct net_vq *q = v->q;
            uint64_t d = q->desc + 16ull * q->next_avail;
            w64(v, d, a + off);
            w32(v, d + 8, len);
            w16(v, d + 12, 0);
            w16(v, d + 14, (uint16_t)((more ? DESC_NEXT : 0) | (i ? P_AVAIL : 0))); /* head last, below */
            q->next_avail++;
        } else {
            sdesc(v, (uint16_t)i, a + off, len, more ? DESC_NEXT : 0, (uint16_t)(i + 1));
        }
        off += len;
    }
    if (v->q->packed) w16(v, v->q->desc + 14, (uint16_t)((k > 1 ? DESC_NEXT : 0) | P_AVAIL));
    else savail(v, 0);
    v->may_lo = a;
    v->may_hi = a + total;
}

#define VIOLATION(name, ring, rx, code, pre)                                                                         \
    static void name##_post(struct vctx *v);                                                                         \
    ENGINE_TEST_REALFW(net_violation, name, .timeout = 120)                                                         \
    {                                                                                                                \
        violation(T, ring, rx, code, pre, name##_post);                                                              \
    }                                                                                                                \
    static void name##_post(struct vctx *v)

#define SPLIT DRV_RING_SPLIT
#define PACKED DRV_RING_PACKED
#define TXQ false
#define RXQ true

/* ---- split, transmitq ---- */
VIOLATION(split_tx_zero_len, SPLIT, TXQ, VDPU_QERR_ZERO_LEN, 0)
{
    sdesc(v, 0, vbuf(v, 0), 0, 0, 0);
    savail(v, 0);
}
VIOLATION(split_tx_zero_len_in_chain, SPLIT, TXQ, VDPU_QERR_ZERO_LEN, 0)
{
    sdesc(v, 3, vbuf(v, 0), NET_HDR_LEN, DESC_NEXT, 9);
    sdesc(v, 9, vbuf(v, 0) + NET_HDR_LEN, 0, 0, 0);
    savail(v, 3);
}
VIOLATION(split_tx_addr_straddles_window_end, SPLIT, TXQ, VDPU_QERR_ADDR, 0)
{
    sdesc(v, 0, RAM_END - 32, 64, 0, 0);
    savail(v, 0);
}
VIOLATION(split_tx_addr_wraps_64bit, SPLIT, TXQ, VDPU_QERR_ADDR, 0)
{
    sdesc(v, 0, 0xFFFFFFFFFFFFFFC0ull, 0x80, 0, 0);
    savail(v, 0);
}
VIOLATION(split_tx_addr_far_outside, SPLIT, TXQ, VDPU_QERR_ADDR, 0)
{
    sdesc(v, 0, 1ull << 40, 76, 0, 0);
    savail(v, 0);
}
VIOLATION(split_tx_addr_in_chain, SPLIT, TXQ, VDPU_QERR_ADDR, 0)
{
    sdesc(v, 5, vbuf(v, 0), NET_HDR_LEN, DESC_NEXT, 6);
    sdesc(v, 6, RAM_END, 64, 0, 0);
    savail(v, 5);
}
VIOLATION(split_tx_writable_buffer, SPLIT, TXQ, VDPU_QERR_DIR, 0)
{
    sdesc(v, 0, vbuf(v, 0), NET_HDR_LEN + 64, DESC_WRITE, 0);
    savail(v, 0);
}
VIOLATION(split_tx_loop_self, SPLIT, TXQ, VDPU_QERR_LOOP, 0)
{
    sdesc(v, 2, vbuf(v, 0), 16, DESC_NEXT, 2);
    savail(v, 2);
}
VIOLATION(split_tx_loop_back, SPLIT, TXQ, VDPU_QERR_LOOP, 0)
{
    sdesc(v, 0, vbuf(v, 0), 16, DESC_NEXT, 1);
    sdesc(v, 1, vbuf(v, 0) + 16, 16, DESC_NEXT, 2);
    sdesc(v, 2, vbuf(v, 0) + 32, 16, DESC_NEXT, 0);
    savail(v, 0);
}
VIOLATION(split_tx_avail_id_out_of_range, SPLIT, TXQ, VDPU_QERR_ID, 0)
{
    sdesc(v, 0, vbuf(v, 0), NET_HDR_LEN + 64, 0, 0);
    savail(v, VQSIZE);
}
VIOLATION(split_tx_avail_id_ffff, SPLIT, TXQ, VDPU_QERR_ID, 0)
{
    savail(v, 0xFFFF);
}
VIOLATION(split_tx_next_out_of_range, SPLIT, TXQ, VDPU_QERR_ID, 0)
{
    sdesc(v, 0, vbuf(v, 0), NET_HDR_LEN, DESC_NEXT, VQSIZE);
    savail(v, 0);
}
VIOLATION(split_tx_avail_idx_jump, SPLIT, TXQ, VDPU_QERR_IDX, 0)
{
    for (uint16_t i = 0; i < VQSIZE; i++) sdesc(v, i, vbuf(v, i), NET_HDR_LEN + 64, 0, 0);
    w16(v, v->q->driver + 2, VQSIZE + 1); /* N + 1 buffers "available" */
}
VIOLATION(split_tx_avail_idx_jump_after_traffic, SPLIT, TXQ, VDPU_QERR_IDX, 5)
{
    /* last_avail is 5 now: idx 5 + N + 1 */
    w16(v, v->q->driver + 2, (uint16_t)(v->q->avail_idx + VQSIZE + 1));
}
VIOLATION(split_tx_indirect, SPLIT, TXQ, VDPU_QERR_INDIRECT, 0)
{
    sdesc(v, 0, vbuf(v, 0), 16, DESC_INDIRECT, 0);
    savail(v, 0);
}
VIOLATION(split_tx_too_short, SPLIT, TXQ, VDPU_QERR_LEN, 0)
{
    sdesc(v, 0, vbuf(v, 0), NET_HDR_LEN + 13, 0, 0);
    savail(v, 0);
}
VIOLATION(split_tx_too_short_chain, SPLIT, TXQ, VDPU_QERR_LEN, 0)
{
    sdesc(v, 7, vbuf(v, 0), NET_HDR_LEN, DESC_NEXT, 4);
    sdesc(v, 4, vbuf(v, 0) + NET_HDR_LEN, 13, 0, 0);
    savail(v, 7);
}
VIOLATION(split_tx_longer_than_frame_buffer, SPLIT, TXQ, VDPU_QERR_LEN, 0)
{
    sdesc(v, 0, vbuf(v, 0), 4000, DESC_NEXT, 1);
    sdesc(v, 1, vbuf(v, 1), 4000, DESC_NEXT, 2);
    sdesc(v, 2, vbuf(v, 2), 4000, 0, 0);
    savail(v, 0);
}

VIOLATION(split_tx_bad_after_good_buffers, SPLIT, TXQ, VDPU_QERR_ZERO_LEN, 0)
{
    /* one doorbell for four buffers: three complete, the fourth stops the queue */
    for (uint16_t i = 0; i < 3; i++) {
        sdesc(v, i, vbuf(v, i), NET_HDR_LEN + 64, 0, 0);
        savail(v, i);
    }
    sdesc(v, 3, vbuf(v, 3), 0, 0, 0);
    savail(v, 3);
    v->good = 3;
}

/* ---- split, receiveq ---- */
VIOLATION(split_rx_readable_buffer, SPLIT, RXQ, VDPU_QERR_DIR, 0)
{
    sdesc(v, 0, vbuf(v, 0), NET_BUF_SIZE, 0, 0);
    savail(v, 0);
}
VIOLATION(split_rx_addr_past_window, SPLIT, RXQ, VDPU_QERR_ADDR, 0)
{
    sdesc(v, 0, RAM_END, NET_BUF_SIZE, DESC_WRITE, 0);
    savail(v, 0);
}
VIOLATION(split_rx_too_short, SPLIT, RXQ, VDPU_QERR_LEN, 0)
{
    uint64_t a = vbuf(v, 0);
    sdesc(v, 0, a, 40, DESC_WRITE, 0); /* 12 + 64 bytes do not fit */
    savail(v, 0);
    v->may_lo = a;
    v->may_hi = a + 40;
}
VIOLATION(split_rx_zero_len, SPLIT, RXQ, VDPU_QERR_ZERO_LEN, 0)
{
    sdesc(v, 0, vbuf(v, 0), 0, DESC_WRITE, 0);
    savail(v, 0);
}

/* ---- packed, transmitq ---- */
VIOLATION(packed_tx_zero_len, PACKED, TXQ, VDPU_QERR_ZERO_LEN, 0)
{
    pdesc(v, vbuf(v, 0), 0, 0, 0);
}
VIOLATION(packed_tx_zero_len_in_chain, PACKED, TXQ, VDPU_QERR_ZERO_LEN, 0)
{
    pdesc(v, vbuf(v, 0), NET_HDR_LEN, 0x1234, DESC_NEXT);
    pdesc(v, vbuf(v, 0) + NET_HDR_LEN, 0, 0, 0);
}
VIOLATION(packed_tx_addr_straddles_window_end, PACKED, TXQ, VDPU_QERR_ADDR, 0)
{
    pdesc(v, RAM_END - 1, 2, 0, 0);
}
VIOLATION(packed_tx_addr_wraps_64bit, PACKED, TXQ, VDPU_QERR_ADDR, 0)
{
    pdesc(v, 0xFFFFFFFFFFFFFFFFull, 0x100, 0, 0);
}
VIOLATION(packed_tx_writable_buffer, PACKED, TXQ, VDPU_QERR_DIR, 0)
{
    pdesc(v, vbuf(v, 0), NET_HDR_LEN + 64, 0, DESC_WRITE);
}
VIOLATION(packed_tx_indirect, PACKED, TXQ, VDPU_QERR_INDIRECT, 0)
{
    pdesc(v, vbuf(v, 0), 16, 0, DESC_INDIRECT);
}
VIOLATION(packed_tx_too_short, PACKED, TXQ, VDPU_QERR_LEN, 0)
{
    pdesc(v, vbuf(v, 0), NET_HDR_LEN, 0, DESC_NEXT);
    pdesc(v, vbuf(v, 0) + NET_HDR_LEN, 13, 0, 0);
}
VIOLATION(packed_tx_chain_into_unavailable, PACKED, TXQ, VDPU_QERR_CHAIN, 0)
{
    pdesc(v, vbuf(v, 0), NET_HDR_LEN + 64, 0, DESC_NEXT); /* the next slot was never made available */
}
VIOLATION(packed_tx_chain_into_unavailable_across_wrap, PACKED, TXQ, VDPU_QERR_CHAIN, VQSIZE - 1)
{
    /* slot N-1 chains into slot 0, which still holds last round's used descriptor */
    cr_assert_eq(v->q->next_avail, VQSIZE - 1);
    pdesc(v, vbuf(v, 0), NET_HDR_LEN + 64, 0, DESC_NEXT);
}
VIOLATION(packed_tx_chain_whole_ring, PACKED, TXQ, VDPU_QERR_CHAIN, 0)
{
    /* every slot chained, the last one too: the chain runs into slot 0 of the next lap */
    for (unsigned i = 0; i < VQSIZE; i++) pdesc(v, vbuf(v, 0) + 16 * i, 16, (uint16_t)i, DESC_NEXT);
}

VIOLATION(packed_tx_bad_after_good_buffers, PACKED, TXQ, VDPU_QERR_DIR, 0)
{
    for (uint16_t i = 0; i < 3; i++) pdesc(v, vbuf(v, i), NET_HDR_LEN + 64, i, 0);
    pdesc(v, vbuf(v, 3), NET_HDR_LEN + 64, 3, DESC_WRITE);
    v->good = 3;
}

/* ---- packed, receiveq ---- */
VIOLATION(packed_rx_readable_buffer, PACKED, RXQ, VDPU_QERR_DIR, 0)
{
    pdesc(v, vbuf(v, 0), NET_BUF_SIZE, 0, 0);
}
VIOLATION(packed_rx_addr_past_window, PACKED, RXQ, VDPU_QERR_ADDR, 0)
{
    pdesc(v, RAM_END, NET_BUF_SIZE, 0, DESC_WRITE);
}
VIOLATION(packed_rx_too_short, PACKED, RXQ, VDPU_QERR_LEN, 0)
{
    uint64_t a = vbuf(v, 0);
    pdesc(v, a, 20, 0x55, DESC_WRITE | DESC_NEXT);
    pdesc(v, a + 64, 20, 0, DESC_WRITE);
    v->may_lo = a;
    v->may_hi = a + 84;
}
VIOLATION(packed_rx_chain_into_unavailable, PACKED, RXQ, VDPU_QERR_CHAIN, 0)
{
    uint64_t a = vbuf(v, 0);
    pdesc(v, a, 40, 0, DESC_WRITE | DESC_NEXT);
    v->may_lo = a;
    v->may_hi = a + 40;
}

/* ---- boundaries: the smallest and largest legal buffers, and one byte beyond ---- */
BOUNDARY(split_tx_smallest_frame, SPLIT, TXQ) { tx_pieces(v, NET_HDR_LEN + 14, 2); }
BOUNDARY(packed_tx_smallest_frame, PACKED, TXQ) { tx_pieces(v, NET_HDR_LEN + 14, 3); }
BOUNDARY(split_tx_fills_frame_buffer, SPLIT, TXQ) { tx_pieces(v, 9216, 3); }
BOUNDARY(packed_tx_fills_frame_buffer, PACKED, TXQ) { tx_pieces(v, 9216, 4); }
VIOLATION(split_tx_frame_buffer_plus_one, SPLIT, TXQ, VDPU_QERR_LEN, 0) { tx_pieces(v, 9217, 3); }
VIOLATION(packed_tx_frame_buffer_plus_one, PACKED, TXQ, VDPU_QERR_LEN, 0) { tx_pieces(v, 9217, 4); }
VIOLATION(split_tx_one_byte_short, SPLIT, TXQ, VDPU_QERR_LEN, 0) { tx_pieces(v, NET_HDR_LEN + 13, 1); }
BOUNDARY(split_rx_exact_fit, SPLIT, RXQ)
{
    uint64_t a = vbuf(v, 0);
    sdesc(v, 0, a, 40, DESC_WRITE | DESC_NEXT, 1);
    sdesc(v, 1, a + 40, NET_HDR_LEN + 64 - 40, DESC_WRITE, 0);
    savail(v, 0);
    v->may_lo = a;
    v->may_hi = a + NET_HDR_LEN + 64;
}
BOUNDARY(packed_rx_exact_fit, PACKED, RXQ)
{
    uint64_t a = vbuf(v, 0);
    pdesc(v, a, NET_HDR_LEN + 64, 0, DESC_WRITE);
    v->may_lo = a;
    v->may_hi = a + NET_HDR_LEN + 64;
}
BOUNDARY(split_rx_buffer_ends_at_window_end, SPLIT, RXQ)
{
    uint64_t a = RAM_END - (NET_HDR_LEN + 64);
    link_grant(&v->t->b->link, a, NET_HDR_LEN + 64);
    sdesc(v, 0, a, NET_HDR_LEN + 64, DESC_WRITE, 0);
    savail(v, 0);
    v->may_lo = a;
    v->may_hi = RAM_END;
}
VIOLATION(split_rx_one_byte_short, SPLIT, RXQ, VDPU_QERR_LEN, 0)
{
    uint64_t a = vbuf(v, 0);
    sdesc(v, 0, a, 40, DESC_WRITE | DESC_NEXT, 1);
    sdesc(v, 1, a + 40, NET_HDR_LEN + 63 - 40, DESC_WRITE, 0);
    savail(v, 0);
    v->may_lo = a;
    v->may_hi = a + NET_HDR_LEN + 63;
}
VIOLATION(packed_rx_one_byte_short, PACKED, RXQ, VDPU_QERR_LEN, 0)
{
    uint64_t a = vbuf(v, 0);
    pdesc(v, a, NET_HDR_LEN + 63, 0, DESC_WRITE);
    v->may_lo = a;
    v->may_hi = a + NET_HDR_LEN + 63;
}

/* A device reset while the engine reads a looping receive chain to its end (each descriptor one round
 * trip; at 2,000 cycles a round trip a 256-descriptor walk outlasts the firmware's 100 us quiesce bound
 * before a reset 20 times): whatever the reset finds in flight, the device afterwards initializes and
 * carries traffic, and nothing is written outside the driver's grants (fuzz/regress/dev/
 * quiesce_behind_a_looping_rx_chain showed the walk; this is the real firmware behind it). */
ENGINE_TEST_REALFW(net_violations, reset_during_a_looping_rx_chain_walk, .timeout = 300)
{
    virtio_drv_t *d = calloc(1, sizeof *d);
    virtio_net_t *n = calloc(1, sizeof *n);
    cr_assert(d && n);
    struct drv_params p;
    bring_up(T, DRV_RING_SPLIT, 0, &p, d, n);
    /* 256 descriptors: the walk to QERR_LOOP takes 256 round trips, 20 times the firmware's bound */
    virtio_net_close(n);
    memset(n, 0, sizeof *n);
    p.qsize = 256;
    cr_assert_eq(virtio_drv_init(d, &T->s, &p), DRV_OK, "%s", d->refusal);
    struct net_params np = {NET_RX, 1, 64, 11, 100000};
    cr_assert_eq(virtio_net_open(n, d, &np), 0, "%s", n->error);
    T->b->link.p.rtt = 2000;
    t_console_on(T);
    struct vctx v = {T, n, &n->rx, 0, 0, 0};
    sdesc(&v, 0, vbuf(&v, 0), 512, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 0); /* next: itself */
    savail(&v, 0);
    cr_assert(host_mem_wr(T->b, v.q->notify, 2, v.q->idx));
    uint8_t f[64];
    memset(f, 0x3c, sizeof f);
    memcpy(f, d->mac, 6);
    cr_assert(netport_inject(&T->b->net, f, sizeof f));
    vdpu_bus_run_cycles(T->b, 9000); /* the frame written, the walk under way */
    uint64_t desc_reads = T->b->link.st.total[VDPU_PURP_DESC].requests;
    cr_assert_geq(desc_reads, 2, "the engine reads on along the chain");
    enum drv_result r = virtio_drv_reset(d);
    cr_assert_eq(r, DRV_OK, "reset: %s", d->refusal);
    cr_assert(strstr(t_console_text(T), "not quiesced"), "the firmware's bound ran out first: %s", t_console_text(T));
    cr_assert_lt(T->b->link.st.total[VDPU_PURP_DESC].requests, 64, "the reset came long before the walk's end");
    vdpu_bus_run_cycles(T->b, 60000);
    cr_assert(!T->b->stopped, "%s", T->b->stop_reason);
    cr_assert(!T->b->link.error[0], "%s", T->b->link.error);
    virtio_net_close(n);
    T->b->link.p.rtt = 200;
    cr_assert_eq(virtio_drv_init(d, &T->s, &p), DRV_OK, "re-init: %s", d->refusal);
    cr_assert_eq(drv_status(d) & VIRTIO_CONFIG_S_NEEDS_RESET, 0, "the re-initialized device is healthy (0x%02x)",
                 drv_status(d));
    traffic(T, n, d, 20, "traffic after the reset");
    cr_assert_eq(drv_status(d) & VIRTIO_CONFIG_S_NEEDS_RESET, 0, "still healthy after traffic (0x%02x)", drv_status(d));
    virtio_net_close(n);
    free(n);
    free(d);
}

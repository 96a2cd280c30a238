/* test_indirect_event_idx.c - queue engine (docs/queue-engine.md): INDIRECT_DESC and EVENT_IDX on model, rtl and
 * cosim with the real firmware. The host driver model brings the device to DRIVER_OK (the firmware then
 * starts the engine with ENG_CTRL[2]/[3] from the negotiated features); the test builds the rings by hand
 * in the areas the driver set up, rings the doorbell and checks the exact DMA sequence (every request but
 * MSI-X, in order), the frames on the wire, the used entries, the interrupts and, for violations, the
 * QERR code the host sees as DEVICE_NEEDS_RESET. */
#include <string.h>

#include "harness.h"
#include "link.h"
#include "rng.h"
#include "virtio_drv.h"

#define QN       16u
#define RXQ      0u
#define TXQ      1u
#define BUFS     0x200000ull /* TX buffers */
#define TBL      0x280000ull /* indirect tables */
#define TBL2     0x290000ull
#define RXB      0x300000ull /* RX buffers (the device may write them) */
#define RAM_END  (VDPU_HOST_RAM_BASE + VDPU_HOST_RAM_SIZE)
#define F_NEXT   1u
#define F_WRITE  2u
#define F_IND    4u
#define P_AVAIL  (1u << 7)
#define P_USED   (1u << 15)
#define HDR      12u
#define SETTLE   30000u /* cycles for one service to finish (a read is ~210 cycles) */

enum { NO_IND = 1, NO_EVIDX = 2 }; /* features the driver leaves out */
enum { RD = 0, WR = 1 };

/* One DMA request as the link took it (first beat of a write). */
struct dreq {
    uint8_t wr, purp;
    uint16_t queue, len;
    uint64_t addr;
    uint16_t d16; /* first two data bytes (writes) */
};

struct feat_rig {
    struct tctx *t;
    virtio_drv_t d;
    bool packed;
    uint16_t avail_idx[2];          /* split: the driver's avail idx per queue */
    uint16_t next_avail[2];         /* packed: the driver's next slot ... */
    bool wrap[2];                   /* ... and its wrap counter */
    struct dreq rec[512];
    unsigned nrec;
    bool mid;                       /* the next DMA beat continues a write */
    void (*prev)(void *, const vdpu_txn_t *);
    void *prev_ctx;
    void (*on_ae)(struct feat_rig *);     /* called once at the first avail_event write */
    uint8_t wire[2][2048];          /* the first two frames on the wire */
    unsigned wire_len[2], wire_n;
    /* random test: the frames expected on the wire, in order */
    uint8_t exp[16][1024];
    unsigned exp_len[16], exp_h, exp_n, wire_bad;
};

/* ---- plumbing ---------------------------------------------------------------------------------- */

static void on_txn(void *ctx, const vdpu_txn_t *tx)
{
    struct feat_rig *v = ctx;
    if (v->prev) v->prev(v->prev_ctx, tx);
    if (tx->chan != VDPU_CH_DMAREQ) return;
    const vdpu_dmareq_t *r = &tx->u.dmareq;
    bool first = !v->mid;
    v->mid = !r->last;
    if (!first || r->purpose == VDPU_PURP_MSIX || r->purpose == VDPU_PURP_FW) return;
    if (v->nrec < sizeof v->rec / sizeof v->rec[0]) {
        struct dreq *q = &v->rec[v->nrec++];
        q->wr = r->type == VDPU_DMA_WR;
        q->purp = r->purpose;
        q->queue = r->queue;
        q->len = r->len;
        q->addr = r->addr;
        q->d16 = (uint16_t)(r->data[0] | r->data[1] << 8);
    }
    if (r->type == VDPU_DMA_WR && r->purpose == VDPU_PURP_EVENT && v->on_ae) {
        void (*f)(struct feat_rig *) = v->on_ae;
        v->on_ae = NULL;
        f(v);
    }
}

static void on_wire(void *ctx, const uint8_t *f, unsigned len, uint64_t cycle)
{
    struct feat_rig *v = ctx;
    (void)cycle;
    if (v->wire_n < 2 && len <= sizeof v->wire[0]) {
        memcpy(v->wire[v->wire_n], f, len);
        v->wire_len[v->wire_n] = len;
    }
    v->wire_n++;
    if (v->exp_n) {
        unsigned h = v->exp_h;
        if (len != v->exp_len[h] || memcmp(f, v->exp[h], len)) v->wire_bad++;
        v->exp_h = (h + 1) % 16;
        v->exp_n--;
    }
}

static void mem_w(struct feat_rig *v, uint64_t a, const void *p, size_t n) { hm_w(v->t, a, p, n); }
static void w16(struct feat_rig *v, uint64_t a, uint16_t x) { hm_w16(v->t, a, x); }
static uint16_t r16(struct feat_rig *v, uint64_t a) { return hm_r16(v->t, a); }
static uint32_t r32(struct feat_rig *v, uint64_t a) { return hm_r32(v->t, a); }

static const struct drv_queue *dq(struct feat_rig *v, unsigned q) { return &v->d.q[q]; }

/* Init to DRIVER_OK with queue size qsize (INDIRECT_DESC and EVENT_IDX negotiated unless dropped). */
static struct feat_rig *up(struct tctx *t, bool packed, unsigned drop, unsigned qsize)
{
    struct feat_rig *v = calloc(1, sizeof *v);
    cr_assert(v);
    v->t = t;
    v->packed = packed;
    struct drv_params p;
    drv_params_default(&p);
    p.ring = packed ? DRV_RING_PACKED : DRV_RING_SPLIT;
    p.qsize = qsize;
    if (drop & NO_IND) p.drop[0] |= 1u << VIRTIO_RING_F_INDIRECT_DESC;
    if (drop & NO_EVIDX) p.drop[0] |= 1u << VIRTIO_RING_F_EVENT_IDX;
    /* the sequences below are those without NOTIFICATION_DATA (with it: tests/test_notif_data.c) */
    p.drop[VIRTIO_F_NOTIFICATION_DATA / 32] |= 1u << (VIRTIO_F_NOTIFICATION_DATA % 32);
    /* ... and without IN_ORDER's batched write-back (with it: tests/test_in_order.c) */
    p.drop[VIRTIO_F_IN_ORDER / 32] |= 1u << (VIRTIO_F_IN_ORDER % 32);
    t_enumerate(t);
    cr_assert_eq(pci_msix_setup(t->b, &t->s.pci, NULL), 0);
    cr_assert_eq(virtio_drv_init(&v->d, &t->s, &p), DRV_OK, "init: %s", v->d.refusal);
    cr_assert_eq(!!(v->d.negotiated[0] & 1u << VIRTIO_RING_F_INDIRECT_DESC), !(drop & NO_IND));
    cr_assert_eq(!!(v->d.negotiated[0] & 1u << VIRTIO_RING_F_EVENT_IDX), !(drop & NO_EVIDX));
    link_t *l = &t->b->link;
    for (unsigned q = 0; q < 2; q++) {
        const struct drv_queue *x = dq(v, q);
        cr_assert_eq(x->size, qsize);
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

static void down(struct feat_rig *v)
{
    v->t->b->on_txn = v->prev;
    v->t->b->on_txn_ctx = v->prev_ctx;
    v->t->b->net.tap = NULL;
    cr_assert(!v->t->b->link.error[0], "%s", v->t->b->link.error);
    free(v);
}

static uint64_t irqs(struct feat_rig *v, unsigned q) { return v->t->s.mem.msi_count[PCI_MSI_DATA_BASE + dq(v, q)->vector]; }

static void kick(struct feat_rig *v, unsigned q)
{
    uint64_t a = v->t->s.pci.vcap[VIRTIO_PCI_CAP_NOTIFY_CFG].addr + (uint64_t)dq(v, q)->notify_off * v->t->s.pci.notify_mult;
    cr_assert(host_mem_wr(v->t->b, a, 2, q), "doorbell: %s", v->t->b->stop_reason);
    run_cycles(v->t, SETTLE);
    cr_assert(!v->t->b->stopped, "%s", v->t->b->stop_reason);
}

/* an RX frame of len bytes, byte i = i * 5 + 3 */
static void rx_frame(struct feat_rig *v, unsigned len)
{
    uint8_t f[256];
    for (unsigned i = 0; i < len; i++) f[i] = (uint8_t)(i * 5 + 3);
    cr_assert(netport_inject(&v->t->b->net, f, len));
    run_cycles(v->t, SETTLE);
    cr_assert(!v->t->b->stopped, "%s", v->t->b->stop_reason);
}

/* TX bytes: header (zero) then frame byte i = i * 3 + 1, cut over pieces; piece k at addr[k] */
static void tx_bytes(struct feat_rig *v, unsigned n, const uint64_t *addr, const uint32_t *len)
{
    unsigned pos = 0;
    for (unsigned k = 0; k < n; k++) {
        uint8_t b[2048];
        for (unsigned i = 0; i < len[k]; i++, pos++) b[i] = pos < HDR ? 0 : (uint8_t)((pos - HDR) * 3 + 1);
        mem_w(v, addr[k], b, len[k]);
    }
}

static void expect_frame(struct feat_rig *v, unsigned k, unsigned flen)
{
    cr_assert_gt(v->wire_n, k, "frame %u not on the wire", k);
    cr_assert_eq(v->wire_len[k], flen, "frame %u: %u bytes, expected %u", k, v->wire_len[k], flen);
    for (unsigned i = 0; i < flen; i++) cr_assert_eq(v->wire[k][i], (uint8_t)(i * 3 + 1), "frame %u byte %u", k, i);
}

/* descriptor / table entry: split {addr, len, flags, next}; packed {addr, len, id, flags} */
static void raw_desc(struct feat_rig *v, uint64_t at, uint64_t addr, uint32_t len, uint16_t a, uint16_t b)
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

static void sdesc(struct feat_rig *v, unsigned q, uint16_t i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
    raw_desc(v, dq(v, q)->desc + 16ull * i, addr, len, flags, next);
}

/* table entry i of the table at tbl, in the ring layout's format */
static void tent(struct feat_rig *v, uint64_t tbl, unsigned i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
    if (v->packed) raw_desc(v, tbl + 16ull * i, addr, len, 0xBEEF /* id: ignored */, flags);
    else raw_desc(v, tbl + 16ull * i, addr, len, flags, next);
}

/* split: make head available */
static void savail(struct feat_rig *v, unsigned q, uint16_t head)
{
    const struct drv_queue *x = dq(v, q);
    w16(v, x->driver + 4 + 2ull * (v->avail_idx[q] % x->size), head);
    v->avail_idx[q]++;
    w16(v, x->driver + 2, v->avail_idx[q]);
}

/* packed: a descriptor in the driver's next slot, available in the current lap */
static void pdesc(struct feat_rig *v, unsigned q, uint64_t addr, uint32_t len, uint16_t id, uint16_t flags)
{
    const struct drv_queue *x = dq(v, q);
    raw_desc(v, x->desc + 16ull * v->next_avail[q], addr, len, id,
             (uint16_t)(flags | (v->wrap[q] ? P_AVAIL : P_USED)));
    if (++v->next_avail[q] == x->size) {
        v->next_avail[q] = 0;
        v->wrap[q] = !v->wrap[q];
    }
}

/* split: used_event (after the avail ring) / avail_event (after the used ring) */
static uint64_t used_event_at(struct feat_rig *v, unsigned q) { return dq(v, q)->driver + 4 + 2ull * dq(v, q)->size; }
static uint64_t avail_event_at(struct feat_rig *v, unsigned q) { return dq(v, q)->device + 4 + 8ull * dq(v, q)->size; }

/* ---- the DMA sequence ----------------------------------------------------------------------------- */

#define E(w, P, a, l) {(w), VDPU_PURP_##P, 0, (l), (a), 0}

static void fmt_seq(char *buf, size_t n, const struct dreq *s, unsigned cnt)
{
    size_t o = 0;
    for (unsigned i = 0; i < cnt && o + 64 < n; i++)
        o += (size_t)snprintf(buf + o, n - o, "\n  %2u %s %-10s 0x%llx len %u", i, s[i].wr ? "WR" : "RD",
                              vdpu_purp_names[s[i].purp], (unsigned long long)s[i].addr, s[i].len);
}

/* The requests since the last call are exactly `exp` (queue q): purpose, direction, address, length. */
static void expect_seq(struct feat_rig *v, unsigned q, const struct dreq *exp, unsigned n)
{
    bool ok = v->nrec == n;
    for (unsigned i = 0; ok && i < n; i++)
        ok = v->rec[i].wr == exp[i].wr && v->rec[i].purp == exp[i].purp && v->rec[i].addr == exp[i].addr &&
             v->rec[i].len == exp[i].len && v->rec[i].queue == q;
    if (!ok) {
        static char got[16384], want[16384];
        fmt_seq(got, sizeof got, v->rec, v->nrec);
        fmt_seq(want, sizeof want, exp, n);
        cr_assert_fail("DMA sequence of queue %u differs\ngot %u:%s\nexpected %u:%s", q, v->nrec, got, n, want);
    }
    v->nrec = 0;
}

#define EXPECT(v, q, ...)                                                                                            \
    do {                                                                                                             \
        const struct dreq exp_[] = {__VA_ARGS__};                                                                    \
        expect_seq((v), (q), exp_, sizeof exp_ / sizeof exp_[0]);                                                    \
    } while (0)

/* ---- the firmware owns the CSR port: borrow it for one read between two firmware accesses ------ */


/* ENG_CTRL as the firmware left it at DRIVER_OK */
static void expect_eng_ctrl(struct feat_rig *v, unsigned drop)
{
    uint32_t want = 1u | (v->packed ? 2u : 0u) | (drop & NO_IND ? 0u : 4u) | (drop & NO_EVIDX ? 0u : 8u) |
                    1u << VDPU_ENGCTRL_MRG_RXBUF | 1u << VDPU_ENGCTRL_MTU; /* negotiated by default */
    cr_assert_eq(peek_csr(v->t, VDPU_CSR_ENG_CTRL), want);
}

/* The violation was found: the host sees DEVICE_NEEDS_RESET and a config interrupt; the device recorded
 * code for queue q; nothing went on the wire and no used entry was written. */
static void expect_violation(struct feat_rig *v, unsigned q, uint8_t code, uint64_t cfg_irqs)
{
    uint8_t st = 0;
    for (unsigned i = 0; i < 100 && !v->t->b->stopped; i++) {
        st = drv_status(&v->d);
        if ((st & VIRTIO_CONFIG_S_NEEDS_RESET) && v->t->s.mem.msi_count[PCI_MSI_DATA_BASE + 0] > cfg_irqs) break;
        run_cycles(v->t, 500);
    }
    cr_assert(st & VIRTIO_CONFIG_S_NEEDS_RESET, "device_status 0x%02x: no DEVICE_NEEDS_RESET", st);
    cr_assert_gt(v->t->s.mem.msi_count[PCI_MSI_DATA_BASE + 0], cfg_irqs, "no config interrupt");
    uint32_t qerr = peek_csr(v->t, VDPU_CSR_QERR), info = peek_csr(v->t, VDPU_CSR_ERR_INFO);
    cr_assert_eq(qerr, 1u << q, "QERR 0x%x", qerr);
    cr_assert_eq(info & 0xff, code, "ERR_INFO code %u, expected %u", info & 0xff, code);
    cr_assert_eq((info >> 8) & 0xffff, q);
    cr_assert_eq(v->wire_n, 0, "a frame of the bad buffer went out");
    for (unsigned i = 0; i < v->nrec; i++)
        cr_assert(v->rec[i].purp != VDPU_PURP_USED && v->rec[i].purp != VDPU_PURP_USED_IDX, "used write-back");
}

/* the same with the queue-engine parameters the firmware programs (ENG_PARAM) */
#define FEATURE_PARAM_TEST(name, P, B) ENGINE_TEST_PARAMS(indirect_event_idx, name, P, B, .timeout = 300)

/* ====================================================================================================
 * INDIRECT_DESC
 * ==================================================================================================== */

/* split TX, head 3 names a table of 2 (header, frame): desc read, table read, payloads */
ENGINE_TEST_REALFW(indirect_event_idx, split_tx_indirect_2, .timeout = 300)
{
    struct feat_rig *v = up(T, false, NO_EVIDX, QN);
    expect_eng_ctrl(v, NO_EVIDX);
    const struct drv_queue *x = dq(v, TXQ);
    uint64_t a[2] = {BUFS, BUFS + 0x100};
    uint32_t l[2] = {HDR, 60};
    tx_bytes(v, 2, a, l);
    tent(v, TBL, 0, a[0], l[0], F_NEXT, 1);
    tent(v, TBL, 1, a[1], l[1], 0, 0);
    sdesc(v, TXQ, 3, TBL, 32, F_IND, 0);
    savail(v, TXQ, 3);
    uint64_t i0 = irqs(v, TXQ);
    kick(v, TXQ);
    EXPECT(v, TXQ, E(RD, AVAIL_IDX, x->driver, 4), E(RD, AVAIL_RING, x->driver + 4, 2), E(RD, DESC, x->desc + 48, 16),
           E(RD, INDIRECT, TBL, 32), E(RD, PAYLOAD_RD, a[0], 12), E(RD, PAYLOAD_RD, a[1], 60),
           E(WR, USED, x->device + 4, 8), E(WR, USED_IDX, x->device + 2, 2), E(RD, AVAIL_IDX, x->driver, 4));
    expect_frame(v, 0, 60);
    cr_assert_eq(r32(v, x->device + 4), 3, "used id: the ring descriptor's head");
    cr_assert_eq(r32(v, x->device + 8), 0);
    cr_assert_eq(r16(v, x->device + 2), 1);
    cr_assert_eq(irqs(v, TXQ), i0 + 1);
    down(v);
}

/* split TX, a table of 3 whose chain jumps (0 -> 2 -> 1): one table read, entries from it */
ENGINE_TEST_REALFW(indirect_event_idx, split_tx_indirect_3, .timeout = 300)
{
    struct feat_rig *v = up(T, false, NO_EVIDX, QN);
    const struct drv_queue *x = dq(v, TXQ);
    uint64_t a[3] = {BUFS, BUFS + 0x200, BUFS + 0x100}; /* chain order */
    uint32_t l[3] = {HDR, 20, 40};
    tx_bytes(v, 3, a, l);
    tent(v, TBL, 0, a[0], l[0], F_NEXT, 2);
    tent(v, TBL, 2, a[1], l[1], F_NEXT, 1);
    tent(v, TBL, 1, a[2], l[2], 0, 0);
    sdesc(v, TXQ, 0, TBL, 48, F_IND, 0);
    savail(v, TXQ, 0);
    kick(v, TXQ);
    EXPECT(v, TXQ, E(RD, AVAIL_IDX, x->driver, 4), E(RD, AVAIL_RING, x->driver + 4, 2), E(RD, DESC, x->desc, 16),
           E(RD, INDIRECT, TBL, 48), E(RD, PAYLOAD_RD, a[0], 12), E(RD, PAYLOAD_RD, a[1], 20),
           E(RD, PAYLOAD_RD, a[2], 40), E(WR, USED, x->device + 4, 8), E(WR, USED_IDX, x->device + 2, 2),
           E(RD, AVAIL_IDX, x->driver, 4));
    expect_frame(v, 0, 60);
    /* a second buffer, direct this time, then one more through a table: the ring goes on */
    uint64_t b = BUFS + 0x1000;
    uint32_t bl = HDR + 60;
    tx_bytes(v, 1, &b, &bl);
    sdesc(v, TXQ, 1, b, bl, 0, 0);
    savail(v, TXQ, 1);
    kick(v, TXQ);
    EXPECT(v, TXQ, E(RD, AVAIL_IDX, x->driver, 4), E(RD, AVAIL_RING, x->driver + 6, 2), E(RD, DESC, x->desc + 16, 16),
           E(RD, PAYLOAD_RD, b, 72), E(WR, USED, x->device + 12, 8), E(WR, USED_IDX, x->device + 2, 2),
           E(RD, AVAIL_IDX, x->driver, 4));
    expect_frame(v, 1, 60);
    down(v);
}

/* split TX, a table of 40 (queue size 64): blocks of at most 32 entries, a new block read whenever
 * the chain reaches an entry outside the last one (0..31, 39, 32..38) */
ENGINE_TEST_REALFW(indirect_event_idx, split_tx_indirect_blocks, .timeout = 300)
{
    struct feat_rig *v = up(T, false, NO_EVIDX, 64);
    const struct drv_queue *x = dq(v, TXQ);
    static const uint16_t order[40] = {0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13,
                                       14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27,
                                       28, 29, 30, 31, 39, 32, 33, 34, 35, 36, 37, 38};
    uint64_t a[40];
    uint32_t l[40];
    for (unsigned k = 0; k < 40; k++) {
        a[k] = BUFS + 0x40ull * k;
        l[k] = k == 0 ? HDR : 2;
    }
    tx_bytes(v, 40, a, l);
    for (unsigned k = 0; k < 40; k++)
        tent(v, TBL, order[k], a[k], l[k], k < 39 ? F_NEXT : 0, k < 39 ? order[k + 1] : 0);
    sdesc(v, TXQ, 5, TBL, 16 * 40, F_IND, 0);
    savail(v, TXQ, 5);
    kick(v, TXQ);
    struct dreq exp[64];
    unsigned n = 0;
    exp[n++] = (struct dreq)E(RD, AVAIL_IDX, x->driver, 4);
    exp[n++] = (struct dreq)E(RD, AVAIL_RING, x->driver + 4, 2);
    exp[n++] = (struct dreq)E(RD, DESC, x->desc + 80, 16);
    exp[n++] = (struct dreq)E(RD, INDIRECT, TBL, 512);
    for (unsigned k = 0; k < 32; k++) exp[n++] = (struct dreq)E(RD, PAYLOAD_RD, a[k], (uint16_t)l[k]);
    exp[n++] = (struct dreq)E(RD, INDIRECT, TBL + 16 * 39, 16);
    exp[n++] = (struct dreq)E(RD, PAYLOAD_RD, a[32], 2);
    exp[n++] = (struct dreq)E(RD, INDIRECT, TBL + 16 * 32, 128);
    for (unsigned k = 33; k < 40; k++) exp[n++] = (struct dreq)E(RD, PAYLOAD_RD, a[k], 2);
    exp[n++] = (struct dreq)E(WR, USED, x->device + 4, 8);
    exp[n++] = (struct dreq)E(WR, USED_IDX, x->device + 2, 2);
    exp[n++] = (struct dreq)E(RD, AVAIL_IDX, x->driver, 4);
    expect_seq(v, TXQ, exp, n);
    expect_frame(v, 0, 78);
    down(v);
}

/* packed TX: slot 0 names a table of 3 (NEXT inside is ignored, every entry is used); the used
 * descriptor carries the ring descriptor's id and the buffer takes one slot */
ENGINE_TEST_REALFW(indirect_event_idx, packed_tx_indirect, .timeout = 300)
{
    struct feat_rig *v = up(T, true, NO_EVIDX, QN);
    expect_eng_ctrl(v, NO_EVIDX);
    const struct drv_queue *x = dq(v, TXQ);
    uint64_t a[3] = {BUFS, BUFS + 0x100, BUFS + 0x200};
    uint32_t l[3] = {HDR, 30, 30};
    tx_bytes(v, 3, a, l);
    tent(v, TBL, 0, a[0], l[0], F_NEXT, 0);
    tent(v, TBL, 1, a[1], l[1], 0, 0);
    tent(v, TBL, 2, a[2], l[2], F_NEXT, 0); /* the table ends here all the same */
    pdesc(v, TXQ, TBL, 48, 7, F_IND);
    uint64_t i0 = irqs(v, TXQ);
    kick(v, TXQ);
    EXPECT(v, TXQ, E(RD, DESC, x->desc, 16), E(RD, INDIRECT, TBL, 48), E(RD, PAYLOAD_RD, a[0], 12),
           E(RD, PAYLOAD_RD, a[1], 30), E(RD, PAYLOAD_RD, a[2], 30), E(WR, USED, x->desc + 8, 8),
           E(RD, EVENT, x->driver, 4), E(RD, DESC, x->desc + 16, 16));
    expect_frame(v, 0, 60);
    cr_assert_eq(r32(v, x->desc + 8), 0);
    cr_assert_eq(r16(v, x->desc + 12), 7, "used id: the ring descriptor's");
    cr_assert_eq(r16(v, x->desc + 14), P_AVAIL | P_USED);
    cr_assert_eq(irqs(v, TXQ), i0 + 1);
    /* the next buffer is in slot 1 */
    uint64_t b = BUFS + 0x1000;
    uint32_t bl = HDR + 60;
    tx_bytes(v, 1, &b, &bl);
    pdesc(v, TXQ, b, bl, 8, 0);
    kick(v, TXQ);
    EXPECT(v, TXQ, E(RD, DESC, x->desc + 16, 16), E(RD, PAYLOAD_RD, b, 72), E(WR, USED, x->desc + 24, 8),
           E(RD, EVENT, x->driver, 4), E(RD, DESC, x->desc + 32, 16));
    cr_assert_eq(r16(v, x->desc + 16 + 12), 8);
    down(v);
}

/* split TX: direct descriptors may come before the one naming a table (the spec's "zero or more
 * normal chained descriptors followed by a single INDIRECT") */
ENGINE_TEST_REALFW(indirect_event_idx, split_tx_direct_then_indirect, .timeout = 300)
{
    struct feat_rig *v = up(T, false, NO_EVIDX, QN);
    const struct drv_queue *x = dq(v, TXQ);
    uint64_t a[3] = {BUFS, BUFS + 0x100, BUFS + 0x200};
    uint32_t l[3] = {HDR, 30, 30};
    tx_bytes(v, 3, a, l);
    sdesc(v, TXQ, 0, a[0], l[0], F_NEXT, 4);
    sdesc(v, TXQ, 4, TBL, 32, F_IND, 0);
    tent(v, TBL, 0, a[1], l[1], F_NEXT, 1);
    tent(v, TBL, 1, a[2], l[2], 0, 0);
    savail(v, TXQ, 0);
    kick(v, TXQ);
    EXPECT(v, TXQ, E(RD, AVAIL_IDX, x->driver, 4), E(RD, AVAIL_RING, x->driver + 4, 2), E(RD, DESC, x->desc, 16),
           E(RD, PAYLOAD_RD, a[0], 12), E(RD, DESC, x->desc + 64, 16), E(RD, INDIRECT, TBL, 32),
           E(RD, PAYLOAD_RD, a[1], 30), E(RD, PAYLOAD_RD, a[2], 30), E(WR, USED, x->device + 4, 8),
           E(WR, USED_IDX, x->device + 2, 2), E(RD, AVAIL_IDX, x->driver, 4));
    expect_frame(v, 0, 60);
    cr_assert_eq(r32(v, x->device + 4), 0);
    down(v);
}

/* packed TX: a direct descriptor, then one naming a table: the buffer takes two slots, its id is the
 * last ring descriptor's */
ENGINE_TEST_REALFW(indirect_event_idx, packed_tx_direct_then_indirect, .timeout = 300)
{
    struct feat_rig *v = up(T, true, NO_EVIDX, QN);
    const struct drv_queue *x = dq(v, TXQ);
    uint64_t a[3] = {BUFS, BUFS + 0x100, BUFS + 0x200};
    uint32_t l[3] = {HDR, 30, 30};
    tx_bytes(v, 3, a, l);
    tent(v, TBL, 0, a[1], l[1], 0, 0);
    tent(v, TBL, 1, a[2], l[2], 0, 0);
    pdesc(v, TXQ, a[0], l[0], 1, F_NEXT);
    pdesc(v, TXQ, TBL, 32, 2, F_IND);
    uint64_t b = BUFS + 0x1000;
    uint32_t bl = HDR + 60;
    tx_bytes(v, 1, &b, &bl);
    pdesc(v, TXQ, b, bl, 3, 0);
    kick(v, TXQ);
    EXPECT(v, TXQ, E(RD, DESC, x->desc, 16), E(RD, PAYLOAD_RD, a[0], 12), E(RD, DESC, x->desc + 16, 16),
           E(RD, INDIRECT, TBL, 32), E(RD, PAYLOAD_RD, a[1], 30), E(RD, PAYLOAD_RD, a[2], 30),
           E(WR, USED, x->desc + 8, 8), E(RD, EVENT, x->driver, 4), E(RD, DESC, x->desc + 32, 16),
           E(RD, PAYLOAD_RD, b, 72), E(WR, USED, x->desc + 32 + 8, 8), E(RD, EVENT, x->driver, 4),
           E(RD, DESC, x->desc + 48, 16));
    cr_assert_eq(r16(v, x->desc + 12), 2, "the last ring descriptor's id");
    cr_assert_eq(r16(v, x->desc + 32 + 12), 3, "the next buffer's used descriptor two slots on");
    cr_assert_eq(v->wire_n, 2);
    expect_frame(v, 0, 60);
    down(v);
}

/* packed with prefetch 4: the table read does not disturb the descriptor cache (slot 1 comes from it) */
FEATURE_PARAM_TEST(packed_tx_indirect_prefetch, 4, 1)
{
    struct feat_rig *v = up(T, true, NO_EVIDX, QN);
    const struct drv_queue *x = dq(v, TXQ);
    uint64_t a[2] = {BUFS, BUFS + 0x100};
    uint32_t l[2] = {HDR, 60};
    tx_bytes(v, 2, a, l);
    tent(v, TBL, 0, a[0], l[0], 0, 0);
    tent(v, TBL, 1, a[1], l[1], 0, 0);
    pdesc(v, TXQ, TBL, 32, 5, F_IND);
    uint64_t b = BUFS + 0x1000;
    uint32_t bl = HDR + 60;
    tx_bytes(v, 1, &b, &bl);
    pdesc(v, TXQ, b, bl, 6, 0);
    kick(v, TXQ);
    EXPECT(v, TXQ, E(RD, DESC, x->desc, 64), E(RD, INDIRECT, TBL, 32), E(RD, PAYLOAD_RD, a[0], 12),
           E(RD, PAYLOAD_RD, a[1], 60), E(WR, USED, x->desc + 8, 8), E(RD, EVENT, x->driver, 4),
           E(RD, PAYLOAD_RD, b, 72), E(WR, USED, x->desc + 24, 8), E(RD, EVENT, x->driver, 4));
    cr_assert_eq(v->wire_n, 2);
    cr_assert_eq(r16(v, x->desc + 16 + 12), 6);
    down(v);
}

/* split RX into a table (the ring descriptor's WRITE flag is ignored): header in entry 0, the frame
 * in entry 1; used length = bytes written into the table's buffers */
ENGINE_TEST_REALFW(indirect_event_idx, split_rx_indirect, .timeout = 300)
{
    struct feat_rig *v = up(T, false, NO_EVIDX, QN);
    const struct drv_queue *x = dq(v, RXQ);
    tent(v, TBL, 0, RXB, HDR, F_WRITE | F_NEXT, 1);
    tent(v, TBL, 1, RXB + 0x100, 200, F_WRITE, 0);
    sdesc(v, RXQ, 2, TBL, 32, F_IND | F_WRITE, 0);
    savail(v, RXQ, 2);
    uint64_t i0 = irqs(v, RXQ);
    rx_frame(v, 64);
    EXPECT(v, RXQ, E(RD, AVAIL_IDX, x->driver, 4), E(RD, AVAIL_RING, x->driver + 4, 2), E(RD, DESC, x->desc + 32, 16),
           E(RD, INDIRECT, TBL, 32), E(WR, PAYLOAD_WR, RXB, 12), E(WR, PAYLOAD_WR, RXB + 0x100, 64),
           E(WR, USED, x->device + 4, 8), E(WR, USED_IDX, x->device + 2, 2));
    cr_assert_eq(r32(v, x->device + 4), 2);
    cr_assert_eq(r32(v, x->device + 8), HDR + 64);
    cr_assert_eq(r16(v, RXB + 10), 1, "num_buffers");
    for (unsigned i = 0; i < 64; i++) {
        uint8_t b;
        host_mem_read(&T->s.mem, RXB + 0x100 + i, &b, 1);
        cr_assert_eq(b, (uint8_t)(i * 5 + 3), "frame byte %u", i);
    }
    cr_assert_eq(irqs(v, RXQ), i0 + 1);
    down(v);
}

/* packed RX into a table of 3: the frame spans two entries, the third is read and checked, not written */
ENGINE_TEST_REALFW(indirect_event_idx, packed_rx_indirect, .timeout = 300)
{
    struct feat_rig *v = up(T, true, NO_EVIDX, QN);
    const struct drv_queue *x = dq(v, RXQ);
    tent(v, TBL, 0, RXB, 40, F_WRITE, 0);
    tent(v, TBL, 1, RXB + 0x100, 40, F_WRITE, 0);
    tent(v, TBL, 2, RXB + 0x200, 40, F_WRITE, 0);
    pdesc(v, RXQ, TBL, 48, 9, F_IND);
    rx_frame(v, 64);
    EXPECT(v, RXQ, E(RD, DESC, x->desc, 16), E(RD, INDIRECT, TBL, 48), E(WR, PAYLOAD_WR, RXB, 40),
           E(WR, PAYLOAD_WR, RXB + 0x100, 36), E(WR, USED, x->desc + 8, 8), E(RD, EVENT, x->driver, 4));
    cr_assert_eq(r32(v, x->desc + 8), HDR + 64);
    cr_assert_eq(r16(v, x->desc + 12), 9);
    cr_assert_eq(r16(v, x->desc + 14), P_AVAIL | P_USED | F_WRITE);
    down(v);
}

/* ---- violations --------------------------------------------------------------------------------- */

enum vkind {
    V_IND_NEXT,      /* INDIRECT | NEXT */
    V_LEN_NOT16,     /* len not a multiple of 16 */
    V_LEN_ZERO,
    V_LEN_TOO_MANY,  /* more entries than queue_size */
    V_OUTSIDE,       /* table straddles the end of the host window */
    V_NESTED,        /* an INDIRECT entry inside the table */
    V_NEXT_OUT,      /* split: next >= entries */
    V_LOOP,          /* split: 0 -> 1 -> 0 */
    V_NOT_NEGOTIATED,
    V_RX_DIR,        /* RX: a table entry without WRITE */
};

#define T_CFG_IRQS(v) ((v)->t->s.mem.msi_count[PCI_MSI_DATA_BASE + 0])

static void violation(struct tctx *t, bool packed, enum vkind k, uint8_t code)
{
    bool rx = k == V_RX_DIR;
    unsigned q = rx ? RXQ : TXQ;
    struct feat_rig *v = up(t, packed, k == V_NOT_NEGOTIATED ? NO_IND : 0, QN);
    const struct drv_queue *x = dq(v, q);
    uint64_t a[2] = {BUFS, BUFS + 0x100};
    uint32_t l[2] = {HDR, 60};
    tx_bytes(v, 2, a, l);
    uint16_t wr = rx ? F_WRITE : 0;
    tent(v, TBL, 0, rx ? RXB : a[0], l[0], (uint16_t)(wr | F_NEXT), 1);
    tent(v, TBL, 1, rx ? RXB + 0x100 : a[1], l[1], wr, 0);
    uint64_t ta = TBL;
    uint32_t tl = 32;
    uint16_t fl = F_IND;
    unsigned payloads = 0; /* payload reads before the violation is found */
    bool table_read = true;
    switch (k) {
    case V_IND_NEXT: fl |= F_NEXT; table_read = false; break;
    case V_LEN_NOT16: tl = 24; table_read = false; break;
    case V_LEN_ZERO: tl = 0; table_read = false; break;
    case V_LEN_TOO_MANY: tl = 16 * (QN + 1); table_read = false; break;
    case V_OUTSIDE: ta = RAM_END - 16; table_read = false; break;
    case V_NESTED: tent(v, TBL, 1, TBL2, 32, F_IND, 0); payloads = 1; break;
    case V_NEXT_OUT: tent(v, TBL, 0, a[0], l[0], F_NEXT, 2); break;
    case V_LOOP: tent(v, TBL, 1, a[1], l[1], F_NEXT, 0); payloads = 2; break;
    case V_NOT_NEGOTIATED: table_read = false; break;
    case V_RX_DIR: tent(v, TBL, 0, RXB, l[0], F_NEXT, 1); break;
    }
    if (packed) pdesc(v, q, ta, tl, 0, fl);
    else {
        sdesc(v, q, 0, ta, tl, fl, 1);
        savail(v, q, 0);
    }
    uint64_t cfg = T_CFG_IRQS(v);
    uint64_t i0 = irqs(v, q);
    if (rx) rx_frame(v, 64);
    else kick(v, q);
    struct dreq exp[8];
    unsigned n = 0;
    if (!packed) {
        exp[n++] = (struct dreq)E(RD, AVAIL_IDX, x->driver, 4);
        exp[n++] = (struct dreq)E(RD, AVAIL_RING, x->driver + 4, 2);
    }
    exp[n++] = (struct dreq)E(RD, DESC, x->desc, 16);
    if (table_read) exp[n++] = (struct dreq)E(RD, INDIRECT, TBL, 32);
    for (unsigned i = 0; i < payloads; i++) exp[n++] = (struct dreq)E(RD, PAYLOAD_RD, a[i], (uint16_t)l[i]);
    expect_violation(v, q, code, cfg); /* (runs on: no further DMA may show up in the sequence) */
    expect_seq(v, q, exp, n);
    cr_assert_eq(irqs(v, q), i0, "a queue interrupt for an abandoned buffer");
    down(v);
}

#define VIOLATION(name, packed, kind, code)                                                                          \
    ENGINE_TEST_REALFW(indirect_event_idx, name, .timeout = 300) { violation(T, packed, kind, VDPU_QERR_##code); }

VIOLATION(split_ind_with_next, false, V_IND_NEXT, INDIRECT)
VIOLATION(split_ind_len_not_x16, false, V_LEN_NOT16, LEN)
VIOLATION(split_ind_len_zero, false, V_LEN_ZERO, LEN)
VIOLATION(split_ind_more_than_qsize, false, V_LEN_TOO_MANY, LEN)
VIOLATION(split_ind_outside_window, false, V_OUTSIDE, ADDR)
VIOLATION(split_ind_nested, false, V_NESTED, INDIRECT)
VIOLATION(split_ind_next_out_of_table, false, V_NEXT_OUT, ID)
VIOLATION(split_ind_loop, false, V_LOOP, LOOP)
VIOLATION(split_ind_not_negotiated, false, V_NOT_NEGOTIATED, INDIRECT)
VIOLATION(split_rx_ind_entry_not_writable, false, V_RX_DIR, DIR)
VIOLATION(packed_ind_with_next, true, V_IND_NEXT, INDIRECT)
VIOLATION(packed_ind_len_not_x16, true, V_LEN_NOT16, LEN)
VIOLATION(packed_ind_outside_window, true, V_OUTSIDE, ADDR)
VIOLATION(packed_ind_nested, true, V_NESTED, INDIRECT)
VIOLATION(packed_ind_not_negotiated, true, V_NOT_NEGOTIATED, INDIRECT)

/* ====================================================================================================
 * EVENT_IDX, split
 * ==================================================================================================== */

static void post_plain(struct feat_rig *v, uint16_t head, uint64_t at)
{
    uint32_t bl = HDR + 60;
    tx_bytes(v, 1, &at, &bl);
    sdesc(v, TXQ, head, at, bl, 0, 0);
    savail(v, TXQ, head);
}

/* used_event ahead of the new used idx: no interrupt; the queue found empty: avail_event = last_avail
 * is written, the avail idx read once more */
ENGINE_TEST_REALFW(indirect_event_idx, split_evidx_future_suppresses, .timeout = 300)
{
    struct feat_rig *v = up(T, false, 0, QN);
    expect_eng_ctrl(v, 0);
    const struct drv_queue *x = dq(v, TXQ);
    w16(v, used_event_at(v, TXQ), 5);
    post_plain(v, 0, BUFS);
    uint64_t i0 = irqs(v, TXQ);
    kick(v, TXQ);
    EXPECT(v, TXQ, E(RD, AVAIL_IDX, x->driver, 4), E(RD, AVAIL_RING, x->driver + 4, 2), E(RD, DESC, x->desc, 16),
           E(RD, PAYLOAD_RD, BUFS, 72), E(WR, USED, x->device + 4, 8), E(WR, USED_IDX, x->device + 2, 2),
           E(RD, EVENT, x->driver + 4 + 2 * QN, 2), E(RD, AVAIL_IDX, x->driver, 4),
           E(WR, EVENT, x->device + 4 + 8 * QN, 2), E(RD, AVAIL_IDX, x->driver, 4));
    cr_assert_eq(irqs(v, TXQ), i0, "used_event 5 is not reached by used idx 1");
    cr_assert_eq(r16(v, avail_event_at(v, TXQ)), 1, "avail_event = the next avail index");
    cr_assert_eq(r16(v, x->device + 2), 1);
    expect_frame(v, 0, 60);
    down(v);
}

/* used_event == the old used idx interrupts; a stale one does not; NO_INTERRUPT is ignored */
ENGINE_TEST_REALFW(indirect_event_idx, split_evidx_equal_interrupts, .timeout = 300)
{
    struct feat_rig *v = up(T, false, 0, QN);
    const struct drv_queue *x = dq(v, TXQ);
    w16(v, x->driver, 1); /* VRING_AVAIL_F_NO_INTERRUPT: ignored with EVENT_IDX */
    static const uint16_t ue[4] = {0, 1, 1, 0xFFFF};
    static const unsigned want[4] = {1, 1, 0, 0};
    for (unsigned k = 0; k < 4; k++) {
        w16(v, used_event_at(v, TXQ), ue[k]); /* used idx goes k -> k + 1 */
        post_plain(v, (uint16_t)k, BUFS + 0x100ull * k);
        uint64_t i0 = irqs(v, TXQ);
        kick(v, TXQ);
        cr_assert_eq(irqs(v, TXQ) - i0, want[k], "buffer %u, used_event %u", k, ue[k]);
        cr_assert_eq(r16(v, avail_event_at(v, TXQ)), k + 1);
    }
    down(v);
}

static void post_second(struct feat_rig *v) { post_plain(v, 1, BUFS + 0x100); }

/* a buffer posted between the avail_event write and the re-read is served in the same service */
ENGINE_TEST_REALFW(indirect_event_idx, split_evidx_post_between, .timeout = 300)
{
    struct feat_rig *v = up(T, false, 0, QN);
    const struct drv_queue *x = dq(v, TXQ);
    post_plain(v, 0, BUFS);
    v->on_ae = post_second;
    kick(v, TXQ);
    EXPECT(v, TXQ, E(RD, AVAIL_IDX, x->driver, 4), E(RD, AVAIL_RING, x->driver + 4, 2), E(RD, DESC, x->desc, 16),
           E(RD, PAYLOAD_RD, BUFS, 72), E(WR, USED, x->device + 4, 8), E(WR, USED_IDX, x->device + 2, 2),
           E(RD, EVENT, x->driver + 4 + 2 * QN, 2), E(RD, AVAIL_IDX, x->driver, 4),
           E(WR, EVENT, x->device + 4 + 8 * QN, 2), /* avail_event = 1; the second buffer appears now */
           E(RD, AVAIL_IDX, x->driver, 4), E(RD, AVAIL_RING, x->driver + 6, 2), E(RD, DESC, x->desc + 16, 16),
           E(RD, PAYLOAD_RD, BUFS + 0x100, 72), E(WR, USED, x->device + 12, 8), E(WR, USED_IDX, x->device + 2, 2),
           E(RD, EVENT, x->driver + 4 + 2 * QN, 2), E(RD, AVAIL_IDX, x->driver, 4),
           E(WR, EVENT, x->device + 4 + 8 * QN, 2), E(RD, AVAIL_IDX, x->driver, 4));
    cr_assert_eq(v->wire_n, 2);
    expect_frame(v, 1, 60);
    cr_assert_eq(r16(v, avail_event_at(v, TXQ)), 2);
    cr_assert_eq(r16(v, x->device + 2), 2);
    down(v);
}

/* RX: used_event decides the interrupt too; an empty RX queue drops the frame without avail_event */
ENGINE_TEST_REALFW(indirect_event_idx, split_rx_evidx, .timeout = 300)
{
    struct feat_rig *v = up(T, false, 0, QN);
    const struct drv_queue *x = dq(v, RXQ);
    w16(v, used_event_at(v, RXQ), 3);
    sdesc(v, RXQ, 0, RXB, 256, F_WRITE, 0);
    savail(v, RXQ, 0);
    uint64_t i0 = irqs(v, RXQ);
    rx_frame(v, 64);
    EXPECT(v, RXQ, E(RD, AVAIL_IDX, x->driver, 4), E(RD, AVAIL_RING, x->driver + 4, 2), E(RD, DESC, x->desc, 16),
           E(WR, PAYLOAD_WR, RXB, 76), E(WR, USED, x->device + 4, 8), E(WR, USED_IDX, x->device + 2, 2),
           E(RD, EVENT, x->driver + 4 + 2 * QN, 2));
    cr_assert_eq(irqs(v, RXQ), i0);
    rx_frame(v, 64);
    EXPECT(v, RXQ, E(RD, AVAIL_IDX, x->driver, 4));
    cr_assert_eq(peek_csr(T, VDPU_CSR_ENG_STATUS) >> 16, 1, "the frame was dropped");
    cr_assert_eq(r16(v, avail_event_at(v, RXQ)), 0, "no avail_event for RX");
    down(v);
}

/* with a used batch of 2 and 3 buffers: the avail_event write and re-read come before the last batch */
FEATURE_PARAM_TEST(split_evidx_batch, 1, 2)
{
    struct feat_rig *v = up(T, false, 0, QN);
    const struct drv_queue *x = dq(v, TXQ);
    for (uint16_t k = 0; k < 3; k++) post_plain(v, k, BUFS + 0x100ull * k);
    uint64_t i0 = irqs(v, TXQ);
    kick(v, TXQ);
    EXPECT(v, TXQ, E(RD, AVAIL_IDX, x->driver, 4), E(RD, AVAIL_RING, x->driver + 4, 2), E(RD, DESC, x->desc, 16),
           E(RD, PAYLOAD_RD, BUFS, 72), E(RD, AVAIL_RING, x->driver + 6, 2), E(RD, DESC, x->desc + 16, 16),
           E(RD, PAYLOAD_RD, BUFS + 0x100, 72), E(WR, USED, x->device + 4, 16), E(WR, USED_IDX, x->device + 2, 2),
           E(RD, EVENT, x->driver + 4 + 2 * QN, 2), E(RD, AVAIL_RING, x->driver + 8, 2),
           E(RD, DESC, x->desc + 32, 16), E(RD, PAYLOAD_RD, BUFS + 0x200, 72), E(RD, AVAIL_IDX, x->driver, 4),
           E(WR, EVENT, x->device + 4 + 8 * QN, 2), E(RD, AVAIL_IDX, x->driver, 4),
           E(WR, USED, x->device + 20, 8), E(WR, USED_IDX, x->device + 2, 2), E(RD, EVENT, x->driver + 4 + 2 * QN, 2));
    cr_assert_eq(irqs(v, TXQ) - i0, 1, "used_event 0: the first batch (0 -> 2) interrupts, the second (2 -> 3) not");
    cr_assert_eq(r16(v, avail_event_at(v, TXQ)), 3);
    cr_assert_eq(r16(v, x->device + 2), 3);
    down(v);
}


/* ====================================================================================================
 * EVENT_IDX, packed: desc-specific driver event suppression (flags 2, off_wrap)
 * ==================================================================================================== */

static void pevent(struct feat_rig *v, uint16_t off, bool wrap, uint16_t flags)
{
    w16(v, dq(v, TXQ)->driver, (uint16_t)(off | (wrap ? 0x8000u : 0)));
    w16(v, dq(v, TXQ)->driver + 2, flags);
}

static void ppost(struct feat_rig *v, unsigned k)
{
    uint64_t at = BUFS + 0x100ull * (k % 32);
    uint32_t bl = HDR + 60;
    tx_bytes(v, 1, &at, &bl);
    pdesc(v, TXQ, at, bl, (uint16_t)k, 0);
}

/* interrupt only for the buffer that uses slot 2 of the first lap */
ENGINE_TEST_REALFW(indirect_event_idx, packed_evidx_desc_specific, .timeout = 300)
{
    struct feat_rig *v = up(T, true, 0, QN);
    expect_eng_ctrl(v, 0);
    const struct drv_queue *x = dq(v, TXQ);
    pevent(v, 2, true, 2);
    for (unsigned k = 0; k < 4; k++) ppost(v, k);
    uint64_t i0 = irqs(v, TXQ);
    kick(v, TXQ);
    struct dreq exp[32];
    unsigned n = 0;
    for (unsigned k = 0; k < 4; k++) {
        exp[n++] = (struct dreq)E(RD, DESC, x->desc + 16 * k, 16);
        exp[n++] = (struct dreq)E(RD, PAYLOAD_RD, BUFS + 0x100 * k, 72);
        exp[n++] = (struct dreq)E(WR, USED, x->desc + 16 * k + 8, 8);
        exp[n++] = (struct dreq)E(RD, EVENT, x->driver, 4);
    }
    exp[n++] = (struct dreq)E(RD, DESC, x->desc + 64, 16);
    expect_seq(v, TXQ, exp, n);
    cr_assert_eq(irqs(v, TXQ) - i0, 1);
    cr_assert_eq(v->wire_n, 4);
    down(v);
}

/* off_wrap in the next lap: the first lap's slot 1 does not count; the second lap's does */
ENGINE_TEST_REALFW(indirect_event_idx, packed_evidx_next_lap, .timeout = 300)
{
    struct feat_rig *v = up(T, true, 0, QN);
    pevent(v, 1, false, 2);
    for (unsigned k = 0; k < QN; k++) ppost(v, k);
    uint64_t i0 = irqs(v, TXQ);
    kick(v, TXQ);
    cr_assert_eq(v->wire_n, QN);
    cr_assert_eq(irqs(v, TXQ), i0, "slot 1 of the first lap is not the one asked for");
    ppost(v, QN);
    kick(v, TXQ);
    cr_assert_eq(irqs(v, TXQ), i0, "slot 0 of the second lap: not yet");
    ppost(v, QN + 1);
    kick(v, TXQ);
    cr_assert_eq(irqs(v, TXQ), i0 + 1, "slot 1 of the second lap");
    down(v);
}

/* a chain across the ring end (slots 15, 0, 1) covers slot 0 of the next lap: one interrupt */
ENGINE_TEST_REALFW(indirect_event_idx, packed_evidx_chain_across_wrap, .timeout = 300)
{
    struct feat_rig *v = up(T, true, 0, QN);
    pevent(v, 0, false, 2);
    for (unsigned k = 0; k < QN - 1; k++) ppost(v, k);
    uint64_t i0 = irqs(v, TXQ);
    kick(v, TXQ);
    cr_assert_eq(irqs(v, TXQ), i0);
    uint64_t a[3] = {BUFS + 0x3000, BUFS + 0x3100, BUFS + 0x3200};
    uint32_t l[3] = {HDR, 30, 30};
    tx_bytes(v, 3, a, l);
    pdesc(v, TXQ, a[0], l[0], 99, F_NEXT);
    pdesc(v, TXQ, a[1], l[1], 99, F_NEXT);
    pdesc(v, TXQ, a[2], l[2], 99, 0);
    v->wire_n = 0;
    kick(v, TXQ);
    expect_frame(v, 0, 60);
    cr_assert_eq(irqs(v, TXQ), i0 + 1);
    cr_assert_eq(r16(v, dq(v, TXQ)->desc + 15 * 16 + 12), 99, "used descriptor in the chain's first slot");
    down(v);
}

/* without EVENT_IDX, flags 2 is not special: every buffer interrupts (v1) */
ENGINE_TEST_REALFW(indirect_event_idx, packed_desc_flags_without_evidx, .timeout = 300)
{
    struct feat_rig *v = up(T, true, NO_EVIDX, QN);
    pevent(v, 9, true, 2);
    uint64_t i0 = irqs(v, TXQ);
    for (unsigned k = 0; k < 3; k++) {
        ppost(v, k);
        kick(v, TXQ);
    }
    cr_assert_eq(irqs(v, TXQ) - i0, 3);
    down(v);
}

/* ENG_CTRL[7:0] are defined ([6] IN_ORDER, [7] MTU), the rest reads 0 */
ENGINE_TEST(indirect_event_idx, eng_ctrl_csr)
{
    csr_wr(T, VDPU_CSR_ENG_CTRL, 0xFFFFFFFCu);
    cr_assert_eq(csr_rd(T, VDPU_CSR_ENG_CTRL), 0xFC);
    csr_wr(T, VDPU_CSR_ENG_CTRL, 0);
}

/* ====================================================================================================
 * Random: buffers as direct chains, tables (split: the chain inside in a random order) or both, TX and
 * RX, random event suppression; cosim checks RTL against the model edge for edge, the test checks the
 * frames and the used lengths
 * ==================================================================================================== */

#define RQN 64u

struct piece {
    uint64_t addr;
    uint32_t len;
};

/* cut total bytes into n pieces of at least 1 byte, placed from base with gaps of 0..15 bytes */
static void cut(rng_t *r, unsigned total, unsigned n, uint64_t base, struct piece *pc)
{
    unsigned rem = total - n;
    uint64_t at = base;
    for (unsigned k = 0; k < n; k++) {
        unsigned x = k + 1 == n ? rem : rng_below(r, 2 * rem / (n - k) + 1);
        if (x > rem) x = rem;
        rem -= x;
        at += rng_below(r, 16);
        pc[k].addr = at;
        pc[k].len = 1 + x;
        at += pc[k].len;
    }
}

/* One buffer: nd direct descriptors then, if nt, one naming a table of nt entries. Split: ring
 * descriptors from *di on, the table chain in a random order starting at entry 0; packed: slots from the
 * driver's next one, every ring descriptor with id. Returns the head (split) and the ring slots used. */
static unsigned rnd_buffer(struct feat_rig *v, rng_t *r, unsigned q, unsigned nd, unsigned nt, const struct piece *pc,
                           uint64_t tbl, uint16_t *di, uint16_t id, uint16_t *head)
{
    uint16_t w = q == RXQ ? F_WRITE : 0;
    uint16_t perm[64];
    for (unsigned i = 0; i < nt; i++) perm[i] = (uint16_t)i;
    if (!v->packed)
        for (unsigned i = nt; i > 2; i--) { /* shuffle entries 1..nt-1 */
            unsigned j = 1 + rng_below(r, i - 1);
            uint16_t t = perm[i - 1];
            perm[i - 1] = perm[j];
            perm[j] = t;
        }
    for (unsigned i = 0; i < nt; i++) {
        bool more = i + 1 < nt;
        uint16_t fl = (uint16_t)(w | (v->packed ? (rng_pct(r, 30) ? F_NEXT : 0) : (more ? F_NEXT : 0)));
        tent(v, tbl, perm[i], pc[nd + i].addr, pc[nd + i].len, fl, more ? perm[i + 1] : 0);
    }
    unsigned ring = nd + (nt ? 1 : 0);
    *head = *di;
    for (unsigned k = 0; k < ring; k++) {
        bool last = k + 1 == ring, ind = nt && last;
        uint64_t a = ind ? tbl : pc[k].addr;
        uint32_t l = ind ? 16 * nt : pc[k].len;
        uint16_t fl = (uint16_t)((ind ? F_IND | (rng_pct(r, 50) ? F_WRITE : 0) : w) | (last ? 0 : F_NEXT));
        if (v->packed) pdesc(v, q, a, l, id, fl);
        else sdesc(v, q, (uint16_t)(*di + k), a, l, fl, (uint16_t)(*di + k + 1));
    }
    *di = (uint16_t)(*di + ring);
    return ring;
}

static void rnd_shape(rng_t *r, unsigned *nd, unsigned *nt, unsigned total)
{
    unsigned shape = rng_below(r, 3); /* direct, table, both */
    *nd = shape == 1 ? 0 : 1 + rng_below(r, shape == 0 ? 3 : 2);
    *nt = shape == 0 ? 0 : 1 + rng_below(r, rng_pct(r, 25) ? RQN : 40);
    if (*nd + *nt > total) *nt = total - *nd;
}

static void run_until(struct feat_rig *v, bool (*done)(struct feat_rig *))
{
    for (unsigned i = 0; i < 100 && !done(v) && !v->t->b->stopped; i++) run_cycles(v->t, 5000);
    run_cycles(v->t, 3000);
    cr_assert(!v->t->b->stopped, "%s", v->t->b->stop_reason);
}

static bool frames_out(struct feat_rig *v) { return v->exp_n == 0; }

static uint16_t rx_used_target; /* split: the used idx to reach; packed: the slot of the used descriptor */
static bool rx_used_wrap;       /* packed: its used wrap counter */
static bool rx_used(struct feat_rig *v)
{
    const struct drv_queue *x = dq(v, RXQ);
    if (!v->packed) return r16(v, x->device + 2) == rx_used_target;
    uint16_t fl = r16(v, x->desc + 16ull * rx_used_target + 14);
    return !!(fl & P_AVAIL) == rx_used_wrap && !!(fl & P_USED) == rx_used_wrap;
}

static void random_features(struct tctx *T, bool packed, uint64_t seed)
{
    rng_t r = {seed * 0x51ed27ull + (packed ? 7 : 0)};
    struct feat_rig *v = up(T, packed, 0, RQN);
    uint16_t used_slot[2] = {0, 0};
    bool used_wrap[2] = {true, true};
    for (unsigned round = 0; round < 24; round++) {
        /* event suppression, anything goes: the interrupts are compared by cosim */
        for (unsigned q = 0; q < 2; q++) {
            if (packed) {
                w16(v, dq(v, q)->driver, (uint16_t)rng_next(&r));
                w16(v, dq(v, q)->driver + 2, (uint16_t)rng_below(&r, 3));
            } else {
                w16(v, used_event_at(v, q), (uint16_t)(r16(v, dq(v, q)->device + 2) + rng_below(&r, 4) - 1));
                w16(v, dq(v, q)->driver, (uint16_t)rng_below(&r, 2));
            }
        }
        if (rng_pct(&r, 70)) { /* TX: 1..4 buffers, one doorbell */
            unsigned nb = 1 + rng_below(&r, 4);
            uint16_t di = 0;
            for (unsigned j = 0; j < nb; j++) {
                unsigned total = HDR + 14 + rng_below(&r, 600), nd, nt;
                rnd_shape(&r, &nd, &nt, total);
                struct piece pc[RQN + 3];
                cut(&r, total, nd + nt, BUFS + 0x2000ull * j, pc);
                uint8_t b[1024];
                for (unsigned i = 0; i < total; i++) b[i] = i < HDR ? 0 : (uint8_t)(rng_next(&r));
                for (unsigned k = 0, o = 0; k < nd + nt; o += pc[k].len, k++) mem_w(v, pc[k].addr, b + o, pc[k].len);
                unsigned t = (v->exp_h + v->exp_n) % 16;
                memcpy(v->exp[t], b + HDR, total - HDR);
                v->exp_len[t] = total - HDR;
                v->exp_n++;
                uint16_t head;
                unsigned slots = rnd_buffer(v, &r, TXQ, nd, nt, pc, TBL + 0x1000ull * j, &di, (uint16_t)j, &head);
                if (!packed) savail(v, TXQ, head);
                (void)slots;
            }
            kick(v, TXQ);
            run_until(v, frames_out);
            cr_assert_eq(v->exp_n, 0, "round %u: %u frames missing", round, v->exp_n);
            cr_assert_eq(v->wire_bad, 0, "round %u: a frame differs", round);
        } else { /* RX: one buffer, one frame that fits */
            unsigned flen = 14 + rng_below(&r, 500), cap = HDR + flen + rng_below(&r, 64), nd, nt;
            rnd_shape(&r, &nd, &nt, cap);
            struct piece pc[RQN + 3];
            cut(&r, cap, nd + nt, RXB, pc);
            uint16_t di = 0, head;
            unsigned slots = rnd_buffer(v, &r, RXQ, nd, nt, pc, TBL, &di, 77, &head);
            uint16_t slot = used_slot[RXQ];
            if (packed) {
                rx_used_target = slot;
                rx_used_wrap = used_wrap[RXQ];
                used_slot[RXQ] = (uint16_t)(slot + slots);
                if (used_slot[RXQ] >= RQN) {
                    used_slot[RXQ] = (uint16_t)(used_slot[RXQ] - RQN);
                    used_wrap[RXQ] = !used_wrap[RXQ];
                }
            } else {
                savail(v, RXQ, head);
                rx_used_target = (uint16_t)(r16(v, dq(v, RXQ)->device + 2) + 1);
            }
            uint8_t f[600];
            for (unsigned i = 0; i < flen; i++) f[i] = (uint8_t)rng_next(&r);
            memset(f, 0xFF, 6); /* broadcast: the RX filter passes it (the filter is tested in test_ctrlq.c) */
            cr_assert(netport_inject(&T->b->net, f, flen));
            run_until(v, rx_used);
            cr_assert(rx_used(v), "round %u: the RX buffer was not used", round);
            uint32_t ulen = packed ? r32(v, dq(v, RXQ)->desc + 16ull * slot + 8)
                                   : r32(v, dq(v, RXQ)->device + 8 + 8ull * ((rx_used_target - 1) % RQN));
            cr_assert_eq(ulen, HDR + flen, "round %u: RX used length", round);
        }
        cr_assert_eq(peek_csr(T, VDPU_CSR_QERR), 0, "round %u: a legal buffer was refused", round);
    }
    const struct link_stats *st = &T->b->link.st;
    cr_log_info("random %s seed %llu: %llu table reads, %llu event, %llu payload reads, %llu payload writes, %llu msix",
                packed ? "packed" : "split", (unsigned long long)seed,
                (unsigned long long)st->total[VDPU_PURP_INDIRECT].requests,
                (unsigned long long)st->total[VDPU_PURP_EVENT].requests,
                (unsigned long long)st->total[VDPU_PURP_PAYLOAD_RD].requests,
                (unsigned long long)st->total[VDPU_PURP_PAYLOAD_WR].requests,
                (unsigned long long)st->total[VDPU_PURP_MSIX].requests);
    cr_assert_gt(st->total[VDPU_PURP_INDIRECT].requests, 10);
    down(v);
}

#define RANDOM_V3(name, packed, seed) \
    Test(indirect_event_idx_random, name, .timeout = 600) { struct tctx t; t_open_fw(&t, VDPU_ENGINE_COSIM, NULL); random_features(&t, packed, seed); t_close(&t); }

RANDOM_V3(split_1, false, 1)
RANDOM_V3(split_2, false, 2)
RANDOM_V3(split_3, false, 3)
RANDOM_V3(split_4, false, 4)
RANDOM_V3(split_5, false, 5)
RANDOM_V3(packed_1, true, 1)
RANDOM_V3(packed_2, true, 2)
RANDOM_V3(packed_3, true, 3)
RANDOM_V3(packed_4, true, 4)
RANDOM_V3(packed_5, true, 5)

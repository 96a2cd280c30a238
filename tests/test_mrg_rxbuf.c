/* test_mrg_rxbuf.c - MRG_RXBUF (docs/queue-engine.md "MRG_RXBUF"): received frames spanning several
 * buffers, on model, rtl and cosim with the real firmware. Driver traffic with small receive buffers
 * (every frame reassembled from num_buffers used entries and checked byte for byte) with exact DMA
 * counts, and hand-built rings for running out of buffers mid-frame and the 16-buffer limit. */
#include <string.h>

#include "hand_queue.h"
#include "harness.h"
#include "link.h"
#include "virtio_net.h"

#define VQSIZE 16
#define DESC_NEXT 1u
#define DESC_WRITE 2u
#define P_AVAIL (1u << 7)
#define P_USED (1u << 15)

static void drv_defaults(struct drv_params *p, enum drv_ring ring, bool mrg)
{
    drv_params_default(p);
    p->ring = ring;
    p->drop[0] |= 1u << VIRTIO_RING_F_EVENT_IDX; /* the counts below are those without event suppression */
    if (!mrg) p->accept[VIRTIO_NET_F_MRG_RXBUF / 32] &= ~(1u << (VIRTIO_NET_F_MRG_RXBUF % 32));
    /* ... and without IN_ORDER's split fetching (tests/test_split_in_order.c) */
    p->drop[VIRTIO_F_IN_ORDER / 32] |= 1u << (VIRTIO_F_IN_ORDER % 32);
}

static struct traffic_result rx_traffic(struct tctx *t, enum drv_ring ring, bool mrg, uint64_t frames, unsigned size,
                                        unsigned bufsz, enum net_chain chain)
{
    struct drv_params p;
    drv_defaults(&p, ring, mrg);
    struct net_params np = {NET_RX, frames, size, 5, 50000 + frames * 30000};
    struct net_opts o;
    memset(&o, 0, sizeof o);
    o.rx_buf_size = bufsz;
    o.rx_chain = chain;
    return t_traffic_opts(t, &p, &np, &o);
}

/* 1000-byte frames into 256-byte buffers: 12 + 1000 = 256 + 256 + 256 + 244, num_buffers 4. Per
 * frame: one avail idx read, 4 ring entries, 4 descriptors, 4 payload writes and the num_buffers
 * patch, 4 used elements, one used idx. */
ENGINE_TEST_REALFW(mrg_rxbuf, split_1000_in_256, .timeout = 300)
{
    struct traffic_result r = rx_traffic(T, DRV_RING_SPLIT, true, 20, 1000, 256, NET_CHAIN_ONE);
    cr_assert_eq(r.packets, 20);
    cr_assert_eq(r.rx_merged, 20);
    cr_assert_eq(r.rx_bufs_used, 80);
    cr_assert_eq(REQ(r, AVAIL_IDX), 20);
    cr_assert_eq(REQ(r, AVAIL_RING), 80);
    cr_assert_eq(REQ(r, DESC), 80);
    cr_assert_eq(REQ(r, PAYLOAD_WR), 100);
    cr_assert_eq(r.c[VDPU_PURP_PAYLOAD_WR].bytes, 20 * (1012 + 1));
    cr_assert_eq(REQ(r, USED), 80);
    cr_assert_eq(r.c[VDPU_PURP_USED].bytes, 80 * 8);
    cr_assert_eq(REQ(r, USED_IDX), 20);
    cr_assert_eq(REQ(r, EVENT), 0);
    cr_assert_leq(REQ(r, MSIX), 20, "one interrupt decision per frame");
    cr_assert_geq(REQ(r, MSIX), 1);
}

/* packed: 4 descriptor reads, 4 payload writes + the patch, 4 used descriptors and one event read per
 * frame */
ENGINE_TEST_REALFW(mrg_rxbuf, packed_1000_in_256, .timeout = 300)
{
    struct traffic_result r = rx_traffic(T, DRV_RING_PACKED, true, 20, 1000, 256, NET_CHAIN_ONE);
    cr_assert_eq(r.packets, 20);
    cr_assert_eq(r.rx_merged, 20);
    cr_assert_eq(REQ(r, DESC), 80);
    cr_assert_eq(REQ(r, PAYLOAD_WR), 100);
    cr_assert_eq(REQ(r, USED), 80);
    cr_assert_eq(REQ(r, USED_IDX), 0);
    cr_assert_eq(REQ(r, EVENT), 20);
    cr_assert_leq(REQ(r, MSIX), 20);
}

/* With RX batching (P = B = 8) spanning frames follow each other inside one RX service (RX_NEXT): each
 * frame's buffer count and slots start from zero again, not from the previous frame's (a packed frame's
 * used descriptors go to the slots of its own buffers, after the held batch). */
static void spanning_back_to_back(struct tctx *t, enum drv_ring ring)
{
    struct traffic_result r = rx_traffic(t, ring, true, 40, 1000, 256, NET_CHAIN_ONE);
    cr_assert_eq(r.packets, 40);
    cr_assert_eq(r.rx_merged, 40);
    cr_assert_eq(r.rx_bufs_used, 160);
    cr_assert_eq(REQ(r, PAYLOAD_WR), 200);
}

ENGINE_TEST_PARAMS(mrg_rxbuf, split_spanning_frames_batched, 8, 8, .timeout = 300) { spanning_back_to_back(T, DRV_RING_SPLIT); }
ENGINE_TEST_PARAMS(mrg_rxbuf, packed_spanning_frames_batched, 8, 8, .timeout = 300) { spanning_back_to_back(T, DRV_RING_PACKED); }

/* Frames that fit one buffer with MRG_RXBUF negotiated: exactly the one-buffer sequence (num_buffers 1
 * from the stream, no patch write): per frame avail idx, ring entry, descriptor, ceil(1012 / 256) = 4
 * payload writes, used element, used idx. */
ENGINE_TEST_REALFW(mrg_rxbuf, fitting_frames_unchanged, .timeout = 300)
{
    struct traffic_result r = rx_traffic(T, DRV_RING_SPLIT, true, 20, 1000, 0, NET_CHAIN_ONE);
    cr_assert_eq(r.packets, 20);
    cr_assert_eq(r.rx_merged, 0);
    cr_assert_eq(r.rx_bufs_used, 20);
    cr_assert_eq(REQ(r, AVAIL_IDX), 20);
    cr_assert_eq(REQ(r, AVAIL_RING), 20);
    cr_assert_eq(REQ(r, DESC), 20);
    cr_assert_eq(REQ(r, PAYLOAD_WR), 80);
    cr_assert_eq(REQ(r, USED), 20);
    cr_assert_eq(REQ(r, USED_IDX), 20);
}

/* Random piece shapes (the header often cut across descriptors, so num_buffers' byte lands in any
 * piece), IMIX sizes, 200-byte buffers: every frame reassembled and checked. */
ENGINE_TEST_REALFW(mrg_rxbuf, split_random_pieces, .timeout = 300)
{
    struct traffic_result r = rx_traffic(T, DRV_RING_SPLIT, true, 40, 0, 200, NET_CHAIN_RANDOM);
    cr_assert_eq(r.packets, 40);
    cr_assert_gt(r.rx_merged, 0);
    cr_assert_gt(r.rx_bufs_used, 40);
}

ENGINE_TEST_REALFW(mrg_rxbuf, packed_random_pieces, .timeout = 300)
{
    struct traffic_result r = rx_traffic(T, DRV_RING_PACKED, true, 40, 0, 200, NET_CHAIN_RANDOM);
    cr_assert_eq(r.packets, 40);
    cr_assert_gt(r.rx_merged, 0);
    cr_assert_gt(r.rx_bufs_used, 40);
}

/* Loopback with the smallest buffer the spec allows around full frames: 1514-byte frames in 96-byte
 * buffers take exactly the device's 16 buffers (12 + 1514 = 15 * 96 + 86). */
ENGINE_TEST_REALFW(mrg_rxbuf, loopback_16_buffers, .timeout = 300)
{
    struct drv_params p;
    drv_defaults(&p, DRV_RING_SPLIT, true);
    struct net_params np = {NET_LOOPBACK, 10, 1514, 9, 600000};
    struct net_opts o;
    memset(&o, 0, sizeof o);
    o.rx_buf_size = 96;
    struct traffic_result r = t_traffic_opts(T, &p, &np, &o);
    cr_assert_eq(r.packets, 10);
    cr_assert_eq(r.rx_merged, 10);
    cr_assert_eq(r.rx_bufs_used, 160);
}

/* Without MRG_RXBUF the driver cannot use buffers smaller than a full frame. */
ENGINE_TEST_REALFW(mrg_rxbuf, small_buffers_need_mrg, .timeout = 120)
{
    struct drv_params p;
    drv_defaults(&p, DRV_RING_SPLIT, false);
    virtio_drv_t *d = calloc(1, sizeof *d);
    virtio_net_t *n = calloc(1, sizeof *n);
    cr_assert(d && n);
    t_drv_up(T, d, &p);
    struct net_params np = {NET_RX, 1, 64, 1, 100000};
    struct net_opts o;
    memset(&o, 0, sizeof o);
    o.rx_buf_size = 256;
    cr_assert_neq(virtio_net_open_opts(n, d, &np, &o), 0);
    cr_assert(strstr(n->error, "MRG_RXBUF"), "%s", n->error);
    virtio_net_close(n);
    free(n);
    free(d);
}

/* ---- hand-built rings: running out of buffers, the 16-buffer limit ------------------------------- */

static uint16_t r16(struct hctx *h, uint64_t a) { return hm_r16(h->t, a); }
static uint32_t r32(struct hctx *h, uint64_t a) { return hm_r32(h->t, a); }

/* buffer i made available (hand_queue.h), its region poisoned first: bytes the device did not write stay 0xA5 */
static void post_buf(struct hctx *h, uint16_t i, uint32_t len)
{
    uint8_t poison[NET_REGION];
    memset(poison, 0xA5, sizeof poison);
    host_mem_write(&h->t->s.mem, hbuf(h, i), poison, sizeof poison);
    h_post(h, i, len);
}

static void h_open(struct hctx *h, struct tctx *t, enum drv_ring ring)
{
    struct drv_params p;
    drv_defaults(&p, ring, true);
    p.qsize = VQSIZE;
    h_open_params(h, t, &p, NET_RX);
}

static void frame(struct hctx *h, uint8_t *f, unsigned len)
{
    memcpy(f, h->d->mac, 6);
    for (unsigned i = 6; i < len; i++) f[i] = (uint8_t)(i * 7 + 3);
}

/* inject the frame and run until the engine is idle again with the network port's buffer free */
static void deliver(struct hctx *h, const uint8_t *f, unsigned len)
{
    cr_assert(netport_inject(&h->t->b->net, f, len));
    vdpu_bus_run_cycles(h->t->b, 20000);
    cr_assert(!h->t->b->stopped, "%s", h->t->b->stop_reason);
    cr_assert_eq(h->t->b->net.rx_n, 0, "the frame was not taken");
}

static uint64_t reqs(struct tctx *t, const struct dma_count *before, unsigned purp)
{
    return t->b->link.st.total[purp].requests - before[purp].requests;
}

/* Two 256-byte buffers for a 1000-byte frame: both filled, then no buffer for the rest: the frame is
 * dropped and counted, nothing used. Two more buffers posted: the next 1000-byte frame takes all four
 * (the first two again, from their start), num_buffers 4. */
static void out_of_buffers(struct tctx *t, enum drv_ring ring)
{
    struct hctx h;
    h_open(&h, t, ring);
    uint8_t f[1000];
    frame(&h, f, sizeof f);
    post_buf(&h, 0, 256);
    post_buf(&h, 1, 256);
    struct dma_count b0[VDPU_PURP_COUNT];
    memcpy(b0, t->b->link.st.total, sizeof b0);
    uint32_t st0 = peek_csr(t, VDPU_CSR_ENG_STATUS);
    uint64_t irq0 = t->s.mem.msi_count[PCI_MSI_DATA_BASE + h.q->vector];
    deliver(&h, f, sizeof f);
    cr_assert_eq((peek_csr(t, VDPU_CSR_ENG_STATUS) >> 16) - (st0 >> 16), 1, "the frame is dropped and counted");
    cr_assert_eq(peek_csr(t, VDPU_CSR_QERR), 0, "running out of buffers is no violation");
    cr_assert_eq(reqs(t, b0, VDPU_PURP_PAYLOAD_WR), 2, "both buffers filled");
    cr_assert_eq(reqs(t, b0, VDPU_PURP_USED), 0, "nothing made used");
    cr_assert_eq(reqs(t, b0, VDPU_PURP_USED_IDX), 0);
    cr_assert_eq(t->s.mem.msi_count[PCI_MSI_DATA_BASE + h.q->vector], irq0, "no interrupt");
    if (ring == DRV_RING_SPLIT) {
        cr_assert_eq(reqs(t, b0, VDPU_PURP_AVAIL_IDX), 2, "the avail idx read again before giving up");
        cr_assert_eq(reqs(t, b0, VDPU_PURP_AVAIL_RING), 2);
        cr_assert_eq(reqs(t, b0, VDPU_PURP_DESC), 2);
        cr_assert_eq(r16(&h, h.q->device + 2), 0, "used idx");
    } else {
        cr_assert_eq(reqs(t, b0, VDPU_PURP_DESC), 3, "two buffers and the unavailable slot");
        cr_assert_eq(r16(&h, h.q->desc + 14) & (P_AVAIL | P_USED), P_AVAIL, "slot 0 still available");
    }

    post_buf(&h, 2, 256);
    post_buf(&h, 3, 256);
    uint8_t g[1000];
    frame(&h, g, sizeof g);
    g[100] ^= 0xFF; /* a different frame */
    memcpy(b0, t->b->link.st.total, sizeof b0);
    deliver(&h, g, sizeof g);
    cr_assert_eq((peek_csr(t, VDPU_CSR_ENG_STATUS) >> 16) - (st0 >> 16), 1, "delivered this time");
    cr_assert_eq(reqs(t, b0, VDPU_PURP_PAYLOAD_WR), 5, "four buffers and the num_buffers patch");
    cr_assert_eq(reqs(t, b0, VDPU_PURP_USED), 4);
    static const uint32_t lens[4] = {256, 256, 256, 1012 - 768};
    for (unsigned k = 0; k < 4; k++) {
        uint32_t id, len;
        if (ring == DRV_RING_SPLIT) {
            id = r32(&h, h.q->device + 4 + 8ull * k);
            len = r32(&h, h.q->device + 8 + 8ull * k);
        } else {
            uint64_t d = h.q->desc + 16ull * k;
            id = r16(&h, d + 12);
            len = r32(&h, d + 8);
            cr_assert_eq(r16(&h, d + 14), P_AVAIL | P_USED | DESC_WRITE, "used descriptor %u flags", k);
        }
        cr_assert_eq(id, k, "used entry %u: buffer %u", k, id);
        cr_assert_eq(len, lens[k], "used entry %u: length %u", k, len);
    }
    if (ring == DRV_RING_SPLIT) cr_assert_eq(r16(&h, h.q->device + 2), 4, "used idx moves by the frame's buffers");
    /* header: num_buffers 4, the rest 0; the frame across the buffers */
    uint8_t got[1012];
    for (unsigned k = 0; k < 4; k++) host_mem_read(&t->s.mem, hbuf(&h, k), got + 256 * k, lens[k]);
    for (unsigned i = 0; i < 10; i++) cr_assert_eq(got[i], 0);
    cr_assert_eq(got[10], 4, "num_buffers");
    cr_assert_eq(got[11], 0);
    cr_assert(!memcmp(got + NET_HDR_LEN, g, sizeof g), "frame bytes across the buffers");
    cr_assert_gt(t->s.mem.msi_count[PCI_MSI_DATA_BASE + h.q->vector], irq0, "one interrupt for the frame");
    h_close(&h);
}

ENGINE_TEST_REALFW(mrg_rxbuf, split_out_of_buffers, .timeout = 120) { out_of_buffers(T, DRV_RING_SPLIT); }
ENGINE_TEST_REALFW(mrg_rxbuf, packed_out_of_buffers, .timeout = 120) { out_of_buffers(T, DRV_RING_PACKED); }

/* A frame that would need more than 16 buffers: dropped after the 16th is filled; the buffers stay
 * available and a frame that fits 16 of them follows. */
static void too_many_buffers(struct tctx *t, enum drv_ring ring)
{
    struct hctx h;
    h_open(&h, t, ring);
    for (uint16_t i = 0; i < VQSIZE; i++) post_buf(&h, i, 64);
    uint8_t f[1514];
    frame(&h, f, sizeof f);
    struct dma_count b0[VDPU_PURP_COUNT];
    memcpy(b0, t->b->link.st.total, sizeof b0);
    uint32_t st0 = peek_csr(t, VDPU_CSR_ENG_STATUS);
    deliver(&h, f, sizeof f); /* 12 + 1514 bytes would need 24 */
    cr_assert_eq((peek_csr(t, VDPU_CSR_ENG_STATUS) >> 16) - (st0 >> 16), 1, "dropped and counted");
    cr_assert_eq(reqs(t, b0, VDPU_PURP_PAYLOAD_WR), 16, "16 buffers filled, then given up");
    cr_assert_eq(reqs(t, b0, VDPU_PURP_DESC), 16);
    cr_assert_eq(reqs(t, b0, VDPU_PURP_USED), 0);
    if (ring == DRV_RING_SPLIT) cr_assert_eq(reqs(t, b0, VDPU_PURP_AVAIL_IDX), 1);
    /* 12 + 1012 = 16 * 64: exactly 16 buffers */
    memcpy(b0, t->b->link.st.total, sizeof b0);
    deliver(&h, f, 1012);
    cr_assert_eq((peek_csr(t, VDPU_CSR_ENG_STATUS) >> 16) - (st0 >> 16), 1);
    cr_assert_eq(reqs(t, b0, VDPU_PURP_USED), 16);
    uint8_t nb = 0;
    host_mem_read(&t->s.mem, hbuf(&h, 0) + 10, &nb, 1);
    cr_assert_eq(nb, 16, "num_buffers");
    h_close(&h);
}

ENGINE_TEST_REALFW(mrg_rxbuf, split_more_than_16, .timeout = 120) { too_many_buffers(T, DRV_RING_SPLIT); }
ENGINE_TEST_REALFW(mrg_rxbuf, packed_more_than_16, .timeout = 120) { too_many_buffers(T, DRV_RING_PACKED); }

/* The wire overruns small receive buffers: frames that find too few are dropped whole (never a
 * partial frame), the rest arrive intact and in order. */
ENGINE_TEST_REALFW(mrg_rxbuf, overrun_small_buffers, .timeout = 300)
{
    struct drv_params p;
    drv_defaults(&p, DRV_RING_PACKED, true);
    struct net_params np = {NET_RX, 60, 0, 21, 60 * 40000};
    struct net_opts o;
    memset(&o, 0, sizeof o);
    o.rx_buf_size = 300;
    o.rx_overrun = true;
    o.pkt_random = true;
    virtio_drv_t *d = calloc(1, sizeof *d);
    virtio_net_t *n = calloc(1, sizeof *n);
    cr_assert(d && n);
    t_drv_up(T, d, &p);
    cr_assert_eq(virtio_net_open_opts(n, d, &np, &o), 0, "%s", n->error);
    T->b->link.p.rtt = 20; /* a fast device empties the few buffers long before the next refill */
    uint64_t drops0 = peek_csr(T, VDPU_CSR_ENG_STATUS) >> 16;
    cr_assert_eq(virtio_net_run(n), 0, "%s", n->error);
    cr_assert_eq(n->rx_frames + n->dropped, 60);
    cr_assert_eq((peek_csr(T, VDPU_CSR_ENG_STATUS) >> 16) - drops0, n->dropped, "every frame missing was counted");
    cr_assert_gt(n->rx_frames, 0);
    cr_assert_gt(n->dropped, 0, "the overrun must drop some frames");
    cr_assert_gt(n->rx_merged, 0);
    virtio_net_close(n);
    free(n);
    free(d);
}

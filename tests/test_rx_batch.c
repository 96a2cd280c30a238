/* test_rx_batch.c - RX batching (docs/queue-engine.md "RX batching"): an RX service prefetches P ring
 * entries / descriptors and serves up to B frames; split holds their used elements (each with its own
 * length) and writes them in one request plus one used idx write, packed holds their used descriptors
 * and writes buffers 1..n-1 in one request, then buffer 0's; the held batch is written when the
 * port goes idle (no frame left waiting forever for its used entry and interrupt); MRG_RXBUF commits
 * after the held batch. Hand-built receive rings with P = B = 8 on model, rtl and cosim, and exact
 * counts with the real driver. */
#include <string.h>

#include "hand_queue.h"
#include "harness.h"
#include "link.h"
#include "virtio_net.h"

#define VQSIZE 16
#define DESC_WRITE 2u
#define P_AVAIL (1u << 7)
#define P_USED (1u << 15)

#define RXB_TEST(name, ...) ENGINE_TEST_PARAMS(rx_batch, name, 8, 8, ##__VA_ARGS__)

/* MRG_RXBUF negotiated, no EVENT_IDX (the driver event structure / avail flags left at 0: interrupts on) */
static void h_open(struct hctx *h, struct tctx *t, enum drv_ring ring)
{
    struct drv_params p;
    drv_params_default(&p);
    p.ring = ring;
    p.drop[0] |= 1u << VIRTIO_RING_F_EVENT_IDX;
    /* the counts are those of ring-entry prefetch: without IN_ORDER's split fetching (tests/test_split_in_order.c) */
    p.drop[VIRTIO_F_IN_ORDER / 32] |= 1u << (VIRTIO_F_IN_ORDER % 32);
    p.qsize = VQSIZE;
    h_open_params(h, t, &p, NET_RX);
    cr_assert_eq(peek_csr(t, VDPU_CSR_ENG_PARAM) & 0xFFu, 0x88u, "P = B = 8");
}

/* frame k of len bytes to the device's MAC */
static void frame(struct hctx *h, uint8_t *f, unsigned len, unsigned k)
{
    memcpy(f, h->d->mac, 6);
    for (unsigned i = 6; i < len; i++) f[i] = (uint8_t)(i * 7 + 3 + 31 * k);
}

static uint64_t reqs(struct tctx *t, const struct dma_count *before, unsigned purp)
{
    return t->b->link.st.total[purp].requests - before[purp].requests;
}

static uint64_t bytes(struct tctx *t, const struct dma_count *before, unsigned purp)
{
    return t->b->link.st.total[purp].bytes - before[purp].bytes;
}

static uint64_t r64(struct tctx *t, uint64_t a) { return (uint64_t)hm_r32(t, a + 4) << 32 | hm_r32(t, a); }

static uint64_t irqs(struct hctx *h) { return h->t->s.mem.msi_count[PCI_MSI_DATA_BASE + h->q->vector]; }

/* the used entry of used slot k: {id, len} (packed: also the flags, which must be those of the first lap) */
static void used_at(struct hctx *h, unsigned k, uint32_t *id, uint32_t *len)
{
    if (!h->q->packed) {
        *id = hm_r32(h->t, h->q->device + 4 + 8ull * k);
        *len = hm_r32(h->t, h->q->device + 8 + 8ull * k);
        return;
    }
    uint64_t d = h->q->desc + 16ull * k;
    *id = hm_r16(h->t, d + 12);
    *len = hm_r32(h->t, d + 8);
    cr_assert_eq(hm_r16(h->t, d + 14), P_AVAIL | P_USED | DESC_WRITE, "used descriptor %u flags", k);
}

/* Runs `cycles`; the port offers a frame's next beat `gap` cycles after its last one was taken, and the
 * next frame's first beat right after a frame's last (0: every beat back to back, as queued) - frames back
 * to back on a wire slower than the device, beat by beat, so that the next frame is often partly in its
 * buffer with no beat offered. */
static void run_port(struct tctx *t, uint64_t cycles, unsigned gap)
{
    if (!gap) {
        vdpu_bus_run_cycles(t->b, cycles);
        return;
    }
    netport_t *p = &t->b->net;
    for (uint64_t c = 0; c < cycles && !t->b->stopped; c++) {
        unsigned n0 = p->rx_n, off0 = p->rx_off;
        vdpu_bus_step(t->b);
        if (p->rx_n && p->rx_n == n0 && p->rx_off != off0) p->rxq[p->rx_head].due = t->b->dev->cycle + gap;
    }
}

/* Five frames of different lengths arrive back to back (all queued on the port at once) into 16
 * posted buffers of 1600 bytes. One RX service serves all five: one avail read, one ring read of 8
 * entries (split) / one block of 8 descriptors (packed), a descriptor each. The five used entries stay
 * in the batch while frames keep arriving and are written, each with its own length, when the port goes
 * idle - with one interrupt decision. Split: one 40-byte request and one used idx write. Packed:
 * descriptors 1..4 whole in one 64-byte request, then descriptor 0's 8 bytes (its address untouched),
 * one event read. `gap` > 0: the frames arrive a beat every `gap` cycles, the device done with a frame
 * long before the next is in; a frame still arriving (partly in its buffer, or its first beat offered)
 * keeps the service waiting rather than ending it, so the counts are the same. */
static void five_frames(struct tctx *t, enum drv_ring ring, unsigned gap)
{
    static const unsigned lens[5] = {60, 100, 200, 1000, 1514};
    static const unsigned chunks[5] = {1, 1, 1, 4, 6}; /* ceil((12 + len) / 256) payload writes */
    struct hctx h;
    h_open(&h, t, ring);
    for (uint16_t i = 0; i < VQSIZE; i++) h_post(&h, i, 1600);
    struct dma_count b0[VDPU_PURP_COUNT];
    memcpy(b0, t->b->link.st.total, sizeof b0);
    uint64_t irq0 = irqs(&h);
    uint8_t f[5][1514];
    for (unsigned k = 0; k < 5; k++) {
        frame(&h, f[k], lens[k], k);
        cr_assert(netport_inject(&t->b->net, f[k], lens[k]));
    }
    run_port(t, 30000, gap);
    cr_assert(!t->b->stopped, "%s", t->b->stop_reason);
    cr_assert_eq(t->b->net.rx_n, 0, "every frame taken");
    cr_assert_eq(peek_csr(t, VDPU_CSR_ENG_STATUS) >> 16, 0, "nothing dropped");
    cr_assert_eq(peek_csr(t, VDPU_CSR_ENG_STATUS) & 1u, 1u, "the engine is idle: the service ended");
    unsigned pw = 0;
    for (unsigned k = 0; k < 5; k++) pw += chunks[k];
    cr_assert_eq(reqs(t, b0, VDPU_PURP_PAYLOAD_WR), pw);
    if (ring == DRV_RING_SPLIT) {
        cr_assert_eq(reqs(t, b0, VDPU_PURP_AVAIL_IDX), 1, "one service");
        cr_assert_eq(reqs(t, b0, VDPU_PURP_AVAIL_RING), 1);
        cr_assert_eq(bytes(t, b0, VDPU_PURP_AVAIL_RING), 16, "8 ring entries in one read");
        cr_assert_eq(reqs(t, b0, VDPU_PURP_DESC), 5);
        cr_assert_eq(reqs(t, b0, VDPU_PURP_USED), 1, "the batch in one write");
        cr_assert_eq(bytes(t, b0, VDPU_PURP_USED), 5 * 8);
        cr_assert_eq(reqs(t, b0, VDPU_PURP_USED_IDX), 1);
        cr_assert_eq(hm_r16(t, h.q->device + 2), 5, "used idx");
        cr_assert_eq(irqs(&h) - irq0, 1, "one interrupt for the batch, after the flush");
    } else {
        /* and the 8 after them read ahead when frame 4 starts with half the cache left (the first RX
         * run-ahead read, 8-15, not used: the traffic stops; none after it - those go out only once a
         * run-ahead read was taken as the cache) */
        cr_assert_eq(reqs(t, b0, VDPU_PURP_DESC), 2, "one block of 8 descriptors, one read ahead");
        cr_assert_eq(bytes(t, b0, VDPU_PURP_DESC), 2 * 8 * 16);
        cr_assert_eq(reqs(t, b0, VDPU_PURP_USED), 2, "buffers 1..4 in one write, then buffer 0's: %llu", (unsigned long long)reqs(t, b0, VDPU_PURP_USED));
        cr_assert_eq(bytes(t, b0, VDPU_PURP_USED), 4 * 16 + 8);
        cr_assert_eq(reqs(t, b0, VDPU_PURP_EVENT), 1, "one event read for the batch");
        cr_assert_eq(irqs(&h) - irq0, 1);
        cr_assert_eq(r64(t, h.q->desc), hbuf(&h, 0), "slot 0: only len, id, flags written");
        cr_assert_eq(r64(t, h.q->desc + 16), 0, "slots 1..4 written whole (address unused)");
    }
    for (unsigned k = 0; k < 5; k++) {
        uint32_t id, len;
        used_at(&h, k, &id, &len);
        cr_assert_eq(id, k, "used entry %u: buffer %u", k, id);
        cr_assert_eq(len, 12 + lens[k], "used entry %u: length %u", k, len);
        uint8_t got[12 + 1514];
        host_mem_read(&t->s.mem, hbuf(&h, k), got, 12 + lens[k]);
        cr_assert_eq(got[10], 1, "num_buffers of frame %u", k);
        cr_assert(!memcmp(got + 12, f[k], lens[k]), "frame %u bytes", k);
    }
    h_close(&h);
}

RXB_TEST(split_five_frames, .timeout = 120) { five_frames(T, DRV_RING_SPLIT, 0); }
RXB_TEST(packed_five_frames, .timeout = 120) { five_frames(T, DRV_RING_PACKED, 0); }
RXB_TEST(split_five_frames_arriving_slowly, .timeout = 120) { five_frames(T, DRV_RING_SPLIT, 40); }
RXB_TEST(packed_five_frames_arriving_slowly, .timeout = 120) { five_frames(T, DRV_RING_PACKED, 40); }

/* 8 frames fill a batch: written at once (64 bytes); the service goes on (no transmitq waits) with the
 * next 3 frames, a second batch, written when the port goes idle: one avail read and its refresh, two ring
 * reads. */
RXB_TEST(split_full_then_partial, .timeout = 120)
{
    struct hctx h;
    h_open(&h, T, DRV_RING_SPLIT);
    for (uint16_t i = 0; i < VQSIZE; i++) h_post(&h, i, 1600);
    struct dma_count b0[VDPU_PURP_COUNT];
    memcpy(b0, T->b->link.st.total, sizeof b0);
    uint64_t irq0 = irqs(&h);
    uint8_t f[11][64];
    for (unsigned k = 0; k < 11; k++) {
        frame(&h, f[k], 64, k);
        cr_assert(netport_inject(&T->b->net, f[k], 64));
    }
    vdpu_bus_run_cycles(T->b, 40000);
    cr_assert_eq(T->b->net.rx_n, 0);
    /* the service's avail read, and its refresh once half the ring's offered buffers are taken (docs/
     * queue-engine.md "RX avail refresh"; it finds no more): no second service */
    cr_assert_eq(reqs(T, b0, VDPU_PURP_AVAIL_IDX), 2, "one service: it goes on after the written batch");
    cr_assert_eq(reqs(T, b0, VDPU_PURP_AVAIL_RING), 2);
    cr_assert_eq(bytes(T, b0, VDPU_PURP_AVAIL_RING), 16 + 16, "8 entries each (the ring offers 16)");
    cr_assert_eq(reqs(T, b0, VDPU_PURP_USED), 2);
    cr_assert_eq(bytes(T, b0, VDPU_PURP_USED), 8 * 8 + 3 * 8);
    cr_assert_eq(reqs(T, b0, VDPU_PURP_USED_IDX), 2);
    cr_assert_eq(hm_r16(T, h.q->device + 2), 11);
    cr_assert_eq(irqs(&h) - irq0, 2, "one interrupt per batch");
    for (unsigned k = 0; k < 11; k++) {
        uint32_t id, len;
        used_at(&h, k, &id, &len);
        cr_assert_eq(id, k);
        cr_assert_eq(len, 12 + 64);
    }
    h_close(&h);
}

/* MRG_RXBUF after a held batch (256-byte buffers): frames of 60 and 100 bytes fit a buffer each and
 * stay in the batch; a 600-byte frame takes three (256, 256, 100). Its commit writes num_buffers 3,
 * then the held batch (split: one request; packed: descriptor 1, then 0), then its three used entries
 * after it (buffer 0's last), then (split) one used idx write moving by all five; one interrupt
 * decision. */
static void mrg_after_batch(struct tctx *t, enum drv_ring ring)
{
    static const unsigned lens[3] = {60, 100, 600};
    static const uint32_t ulen[5] = {72, 112, 256, 256, 100};
    struct hctx h;
    h_open(&h, t, ring);
    for (uint16_t i = 0; i < VQSIZE; i++) h_post(&h, i, 256);
    struct dma_count b0[VDPU_PURP_COUNT];
    memcpy(b0, t->b->link.st.total, sizeof b0);
    uint64_t irq0 = irqs(&h);
    uint8_t f[3][600];
    for (unsigned k = 0; k < 3; k++) {
        frame(&h, f[k], lens[k], k);
        cr_assert(netport_inject(&t->b->net, f[k], lens[k]));
    }
    vdpu_bus_run_cycles(t->b, 30000);
    cr_assert_eq(t->b->net.rx_n, 0);
    cr_assert_eq(peek_csr(t, VDPU_CSR_ENG_STATUS) >> 16, 0, "nothing dropped");
    cr_assert_eq(reqs(t, b0, VDPU_PURP_PAYLOAD_WR), 1 + 1 + 3 + 1, "the merged frame: 3 buffers and the patch");
    if (ring == DRV_RING_SPLIT) {
        cr_assert_eq(reqs(t, b0, VDPU_PURP_USED), 1 + 3, "the held batch in one write, the frame's 3");
        cr_assert_eq(bytes(t, b0, VDPU_PURP_USED), 5 * 8);
        cr_assert_eq(reqs(t, b0, VDPU_PURP_USED_IDX), 1);
        cr_assert_eq(hm_r16(t, h.q->device + 2), 5, "used idx moves by the batch and the frame's buffers");
        cr_assert_eq(irqs(&h) - irq0, 1);
    } else {
        cr_assert_eq(reqs(t, b0, VDPU_PURP_USED), 2 + 3);
        cr_assert_eq(bytes(t, b0, VDPU_PURP_USED), 16 + 8 + 3 * 8);
        cr_assert_eq(reqs(t, b0, VDPU_PURP_EVENT), 1);
        cr_assert_eq(irqs(&h) - irq0, 1);
    }
    for (unsigned k = 0; k < 5; k++) {
        uint32_t id, len;
        used_at(&h, k, &id, &len);
        cr_assert_eq(id, k, "used entry %u: buffer %u", k, id);
        cr_assert_eq(len, ulen[k], "used entry %u: length %u", k, len);
    }
    uint8_t nb[3];
    host_mem_read(&t->s.mem, hbuf(&h, 0) + 10, &nb[0], 1);
    host_mem_read(&t->s.mem, hbuf(&h, 1) + 10, &nb[1], 1);
    host_mem_read(&t->s.mem, hbuf(&h, 2) + 10, &nb[2], 1);
    cr_assert_eq(nb[0], 1);
    cr_assert_eq(nb[1], 1);
    cr_assert_eq(nb[2], 3, "num_buffers of the merged frame");
    uint8_t got[612];
    for (unsigned k = 0; k < 3; k++) host_mem_read(&t->s.mem, hbuf(&h, 2 + k), got + 256 * k, ulen[2 + k]);
    cr_assert(!memcmp(got + 12, f[2], 600), "the merged frame's bytes");
    h_close(&h);
}

RXB_TEST(split_mrg_after_held_batch, .timeout = 120) { mrg_after_batch(T, DRV_RING_SPLIT); }
RXB_TEST(packed_mrg_after_frames, .timeout = 120) { mrg_after_batch(T, DRV_RING_PACKED); }

/* The ring runs out with a batch held: 3 buffers posted, 5 frames (the avail refresh at the 2nd frame
 * finds no more). The 4th frame's avail read finds the ring empty: the frame is dropped and counted and
 * the held batch of 3 is written first (no frame waits for its used entry), with its interrupt; the 5th
 * is dropped by a service of its own. */
RXB_TEST(split_drop_writes_held_batch, .timeout = 120)
{
    struct hctx h;
    h_open(&h, T, DRV_RING_SPLIT);
    for (uint16_t i = 0; i < 3; i++) h_post(&h, i, 1600);
    struct dma_count b0[VDPU_PURP_COUNT];
    memcpy(b0, T->b->link.st.total, sizeof b0);
    uint64_t irq0 = irqs(&h);
    uint8_t f[5][64];
    for (unsigned k = 0; k < 5; k++) {
        frame(&h, f[k], 64, k);
        cr_assert(netport_inject(&T->b->net, f[k], 64));
    }
    vdpu_bus_run_cycles(T->b, 30000);
    cr_assert_eq(T->b->net.rx_n, 0);
    cr_assert_eq(peek_csr(T, VDPU_CSR_ENG_STATUS) >> 16, 2, "two frames dropped and counted");
    cr_assert_eq(peek_csr(T, VDPU_CSR_QERR), 0);
    cr_assert_eq(reqs(T, b0, VDPU_PURP_USED), 1);
    cr_assert_eq(bytes(T, b0, VDPU_PURP_USED), 3 * 8);
    cr_assert_eq(reqs(T, b0, VDPU_PURP_USED_IDX), 1);
    cr_assert_eq(hm_r16(T, h.q->device + 2), 3);
    cr_assert_eq(irqs(&h) - irq0, 1);
    cr_assert_eq(reqs(T, b0, VDPU_PURP_AVAIL_IDX), 4,
                 "the service's, its refresh (3 offered: under half the ring), the 4th frame's re-read, the 5th's");
    h_close(&h);
}

/* packed: the same with 3 buffers for 5 frames: the 4th frame's cached descriptor is not available; it
 * was read before the frame came, so slot 3 is read again (as split re-reads the avail idx), still not
 * available: the frame is dropped and the held batch of 3 written (descriptors 1, 2 in one request, then
 * 0) with one event read and interrupt; the 5th frame's own descriptor read finds slot 3 unavailable:
 * dropped too. */
RXB_TEST(packed_drop_writes_held_batch, .timeout = 120)
{
    struct hctx h;
    h_open(&h, T, DRV_RING_PACKED);
    for (uint16_t i = 0; i < 3; i++) h_post(&h, i, 1600);
    struct dma_count b0[VDPU_PURP_COUNT];
    memcpy(b0, T->b->link.st.total, sizeof b0);
    uint64_t irq0 = irqs(&h);
    uint8_t f[5][64];
    for (unsigned k = 0; k < 5; k++) {
        frame(&h, f[k], 64, k);
        cr_assert(netport_inject(&T->b->net, f[k], 64));
    }
    vdpu_bus_run_cycles(T->b, 30000);
    cr_assert_eq(T->b->net.rx_n, 0);
    cr_assert_eq(peek_csr(T, VDPU_CSR_ENG_STATUS) >> 16, 2, "two frames dropped and counted");
    cr_assert_eq(peek_csr(T, VDPU_CSR_QERR), 0);
    cr_assert_eq(reqs(T, b0, VDPU_PURP_DESC), 3, "the block of 8 (3 available), slot 3 read again for the 4th frame, then for the 5th");
    cr_assert_eq(reqs(T, b0, VDPU_PURP_USED), 2);
    cr_assert_eq(bytes(T, b0, VDPU_PURP_USED), 2 * 16 + 8);
    cr_assert_eq(reqs(T, b0, VDPU_PURP_EVENT), 1);
    cr_assert_eq(irqs(&h) - irq0, 1);
    for (unsigned k = 0; k < 3; k++) {
        uint32_t id, len;
        used_at(&h, k, &id, &len);
        cr_assert_eq(id, k);
        cr_assert_eq(len, 12 + 64);
    }
    cr_assert_eq(hm_r16(T, h.q->desc + 16 * 3 + 14), 0, "slot 3 untouched (never made available)");
    h_close(&h);
}

/* packed, the ring end: a held batch never crosses it. 5 frames (slots 0..4), then the slots 0..4 of the
 * next lap are posted again and 14 frames arrive: batches at slots 5..12 (full), 13..15 (written because
 * the next used slot would wrap) and 0..2 of the second lap (port idle) - two writes and one event read
 * each; the second lap's used descriptors carry the flipped wrap counter (AVAIL = USED = 0). */
RXB_TEST(packed_batch_cut_at_ring_end, .timeout = 120)
{
    struct hctx h;
    h_open(&h, T, DRV_RING_PACKED);
    for (uint16_t i = 0; i < VQSIZE; i++) h_post(&h, i, 1600);
    uint8_t f[64];
    for (unsigned k = 0; k < 5; k++) {
        frame(&h, f, 64, k);
        cr_assert(netport_inject(&T->b->net, f, 64));
    }
    vdpu_bus_run_cycles(T->b, 30000);
    for (uint16_t i = 0; i < 5; i++) h_post(&h, i, 1600); /* buffers 0..4 again, used in the first lap */
    struct dma_count b0[VDPU_PURP_COUNT];
    memcpy(b0, T->b->link.st.total, sizeof b0);
    uint64_t irq0 = irqs(&h);
    for (unsigned k = 0; k < 14; k++) {
        frame(&h, f, 64, 5 + k);
        cr_assert(netport_inject(&T->b->net, f, 64));
    }
    vdpu_bus_run_cycles(T->b, 60000);
    cr_assert_eq(T->b->net.rx_n, 0);
    cr_assert_eq(peek_csr(T, VDPU_CSR_ENG_STATUS) >> 16, 0, "nothing dropped");
    cr_assert_eq(reqs(T, b0, VDPU_PURP_USED), 6, "three batches, two writes each");
    cr_assert_eq(bytes(T, b0, VDPU_PURP_USED), (7 * 16 + 8) + (2 * 16 + 8) + (2 * 16 + 8));
    cr_assert_eq(reqs(T, b0, VDPU_PURP_EVENT), 3);
    cr_assert_eq(irqs(&h) - irq0, 3);
    for (unsigned k = 5; k < VQSIZE; k++) {
        uint32_t id, len;
        used_at(&h, k, &id, &len);
        cr_assert_eq(id, k, "slot %u: buffer %u", k, id);
        cr_assert_eq(len, 12 + 64);
    }
    for (unsigned k = 0; k < 3; k++) {
        uint64_t d = h.q->desc + 16ull * k;
        cr_assert_eq(hm_r16(T, d + 12), k, "second lap slot %u", k);
        cr_assert_eq(hm_r32(T, d + 8), 12 + 64);
        cr_assert_eq(hm_r16(T, d + 14), DESC_WRITE, "second lap: used with wrap counter 0");
    }
    h_close(&h);
}

/* ---- the real driver: EVENT_IDX decides once per batch ---------------------------------------------- */

RXB_TEST(split_event_idx_per_batch, .timeout = 300)
{
    struct drv_params p;
    drv_params_default(&p);
    p.ring = DRV_RING_SPLIT;
    p.drop[VIRTIO_F_NOTIFICATION_DATA / 32] |= 1u << (VIRTIO_F_NOTIFICATION_DATA % 32);
    struct net_params np = {NET_RX, 40, 64, 3, 50000 + 40 * 20000};
    struct traffic_result r = t_traffic(T, &p, &np);
    cr_assert_eq(r.packets, 40);
    cr_assert_eq(REQ(r, USED), 5);
    cr_assert_eq(REQ(r, USED_IDX), 5);
    cr_assert_eq(REQ(r, EVENT), 5, "one used_event read per written batch");
    cr_assert_eq(REQ(r, AVAIL_IDX), 1, "one service: it goes on after each written batch");
    cr_assert_leq(REQ(r, MSIX), 5);
}

/* A frame that needs more than MRG_MAX (16) buffers while a batch is held: the frame is dropped after the
 * 16th buffer is filled (nothing of it used), and the held batch - the two frames before it - is
 * written at once with its interrupt, before anything else. Queue of 32: 2 buffers of 256 bytes, 20 of 64. */
static void mrg_overflow_with_batch(struct tctx *t, enum drv_ring ring)
{
    struct hctx h;
    struct drv_params p;
    drv_params_default(&p);
    p.ring = ring;
    p.drop[0] |= 1u << VIRTIO_RING_F_EVENT_IDX;
    p.drop[VIRTIO_F_IN_ORDER / 32] |= 1u << (VIRTIO_F_IN_ORDER % 32);
    p.qsize = 32;
    h_open_params(&h, t, &p, NET_RX);
    for (uint16_t i = 0; i < 2; i++) h_post(&h, i, 256);
    for (uint16_t i = 2; i < 22; i++) h_post(&h, i, 64);
    struct dma_count b0[VDPU_PURP_COUNT];
    memcpy(b0, t->b->link.st.total, sizeof b0);
    uint64_t irq0 = irqs(&h);
    static const unsigned lens[3] = {60, 100, 1514};
    static uint8_t f[3][1514];
    for (unsigned k = 0; k < 3; k++) {
        frame(&h, f[k], lens[k], k);
        cr_assert(netport_inject(&t->b->net, f[k], lens[k]));
    }
    /* the two small frames' used entries are written as soon as the big one is given up (not at the
     * port-idle flush): within a few round trips of the drop */
    for (unsigned i = 0; i < 300 && (peek_csr(t, VDPU_CSR_ENG_STATUS) >> 16) == 0; i++) vdpu_bus_run_cycles(t->b, 100);
    cr_assert_eq(peek_csr(t, VDPU_CSR_ENG_STATUS) >> 16, 1, "the big frame dropped");
    vdpu_bus_run_cycles(t->b, 1500);
    uint64_t used_now = reqs(t, b0, VDPU_PURP_USED);
    cr_assert_gt(used_now, 0, "the held batch written right after the drop");
    vdpu_bus_run_cycles(t->b, 26000);
    cr_assert_eq(t->b->net.rx_n, 0);
    cr_assert_eq(peek_csr(t, VDPU_CSR_ENG_STATUS) >> 16, 1, "the big frame dropped and counted");
    cr_assert_eq(peek_csr(t, VDPU_CSR_QERR), 0);
    cr_assert_eq(reqs(t, b0, VDPU_PURP_PAYLOAD_WR), 1 + 1 + 16, "two frames, then 16 buffers of the big one");
    cr_assert_eq(irqs(&h) - irq0, 1, "one interrupt for the batch");
    for (unsigned k = 0; k < 2; k++) {
        uint32_t id, len;
        used_at(&h, k, &id, &len);
        cr_assert_eq(id, k, "used entry %u: buffer %u", k, id);
        cr_assert_eq(len, 12 + lens[k], "used entry %u: length %u", k, len);
    }
    if (ring == DRV_RING_SPLIT) {
        cr_assert_eq(hm_r16(t, h.q->device + 2), 2, "only the batch is used");
        cr_assert_eq(reqs(t, b0, VDPU_PURP_USED), 1, "the batch in one write");
    }
    cr_assert_eq(used_now, reqs(t, b0, VDPU_PURP_USED), "the batch went out right after the drop");
    h_close(&h);
}

RXB_TEST(split_mrg_overflow_writes_held_batch, .timeout = 120) { mrg_overflow_with_batch(T, DRV_RING_SPLIT); }
RXB_TEST(packed_mrg_overflow_writes_held_batch, .timeout = 120) { mrg_overflow_with_batch(T, DRV_RING_PACKED); }

/* test_notif_data.c - NOTIFICATION_DATA (docs/queue-engine.md "NOTIFICATION_DATA"): the doorbell value
 * tells the engine how far the driver has made buffers available. Exact DMA counts with and without
 * the feature (driver traffic), hand-built rings for doorbells one by one and during a service, and
 * lying or stale values, on model, rtl and cosim with the real firmware. */
#include <string.h>

#include "hand_queue.h"
#include "harness.h"
#include "link.h"
#include "virtio_net.h"

#define VQSIZE 16

static void drv_defaults(struct drv_params *p, enum drv_ring ring, bool nd)
{
    drv_params_default(p);
    p->ring = ring;
    p->drop[0] |= 1u << VIRTIO_RING_F_EVENT_IDX; /* with EVENT_IDX the service end reads the avail idx anyway */
    if (!nd) p->accept[VIRTIO_F_NOTIFICATION_DATA / 32] &= ~(1u << (VIRTIO_F_NOTIFICATION_DATA % 32));
    /* the counts are those of avail ring reads: without IN_ORDER's split fetching (tests/test_split_in_order.c) */
    p->drop[VIRTIO_F_IN_ORDER / 32] |= 1u << (VIRTIO_F_IN_ORDER % 32);
}

static struct traffic_result tx_traffic(struct tctx *t, enum drv_ring ring, bool nd, uint64_t frames)
{
    struct drv_params p;
    drv_defaults(&p, ring, nd);
    struct net_params np = {NET_TX, frames, 64, 7, 50000 + frames * 20000};
    return t_traffic(t, &p, &np);
}

/* 40 frames posted before the one kick (data: avail idx 40): the service reads the avail idx once;
 * when it has used 40 entries the data says there are no more: it leaves without the second read. */
ENGINE_TEST_REALFW(notif_data, split_tx_one_kick, .timeout = 300)
{
    struct traffic_result r = tx_traffic(T, DRV_RING_SPLIT, true, 40);
    cr_assert_eq(r.packets, 40);
    cr_assert_eq(REQ(r, AVAIL_IDX), 1);
    cr_assert_eq(REQ(r, AVAIL_RING), 40);
    cr_assert_eq(REQ(r, DESC), 40);
    cr_assert_eq(REQ(r, PAYLOAD_RD), 40);
    cr_assert_eq(REQ(r, USED), 40);
    cr_assert_eq(REQ(r, USED_IDX), 40);
}

/* the same without the feature: the service ends with the avail read that finds the ring empty */
ENGINE_TEST_REALFW(notif_data, split_tx_one_kick_without, .timeout = 300)
{
    struct traffic_result r = tx_traffic(T, DRV_RING_SPLIT, false, 40);
    cr_assert_eq(r.packets, 40);
    cr_assert_eq(REQ(r, AVAIL_IDX), 2);
    cr_assert_eq(REQ(r, AVAIL_RING), 40);
}

/* packed: next_off/next_wrap say slot 40 is not available: 40 descriptor reads, not 41 */
ENGINE_TEST_REALFW(notif_data, packed_tx_one_kick, .timeout = 300)
{
    struct traffic_result r = tx_traffic(T, DRV_RING_PACKED, true, 40);
    cr_assert_eq(r.packets, 40);
    cr_assert_eq(REQ(r, DESC), 40);
    cr_assert_eq(REQ(r, USED), 40);
}

ENGINE_TEST_REALFW(notif_data, packed_tx_one_kick_without, .timeout = 300)
{
    struct traffic_result r = tx_traffic(T, DRV_RING_PACKED, false, 40);
    cr_assert_eq(r.packets, 40);
    cr_assert_eq(REQ(r, DESC), 41);
}

/* prefetch 4: reads limited to the slots the data names: 10 blocks of 4 (without: floor(40/4) + 1) */
ENGINE_TEST_PARAMS(notif_data, packed_tx_prefetch4, 4, 1, .timeout = 300)
{
    struct traffic_result r = tx_traffic(T, DRV_RING_PACKED, true, 40);
    cr_assert_eq(r.packets, 40);
    cr_assert_eq(REQ(r, DESC), 10);
    cr_assert_eq(r.c[VDPU_PURP_DESC].bytes, 40 * 16);
}

/* ---- hand-built transmit rings ------------------------------------------------------------------- */

static uint16_t r16(struct hctx *h, uint64_t a) { return hm_r16(h->t, a); }

static void h_open(struct hctx *h, struct tctx *t, enum drv_ring ring, bool nd)
{
    struct drv_params p;
    drv_defaults(&p, ring, nd);
    p.qsize = VQSIZE;
    h_open_params(h, t, &p, NET_TX);
}

/* buffer i: header + a 64-byte frame to the device, one descriptor; made available (split: desc i,
 * ring entry, idx; packed: the next slot, id i) */
static void post_tx(struct hctx *h, uint16_t i)
{
    uint8_t f[NET_HDR_LEN + 64];
    memset(f, 0, sizeof f);
    memcpy(f + NET_HDR_LEN, h->d->mac, 6);
    f[NET_HDR_LEN + 12] = 0x88;
    f[NET_HDR_LEN + 13] = 0xb5;
    f[NET_HDR_LEN + 20] = (uint8_t)i;
    host_mem_write(&h->t->s.mem, hbuf(h, i), f, sizeof f);
    h_post(h, i, sizeof f);
}

/* a doorbell with NOTIFICATION_DATA `data` (split: avail idx; packed: next_off | next_wrap << 15) */
static void doorbell(struct hctx *h, uint16_t data)
{
    cr_assert(host_mem_wr(h->t->b, h->q->notify, 4, h->q->idx | (uint32_t)data << 16), "%s", h->t->b->stop_reason);
}

static uint16_t nd_now(struct hctx *h)
{
    return h->q->packed ? (uint16_t)(h->q->next_avail | (h->q->avail_wrap ? 0x8000u : 0)) : h->q->avail_idx;
}

/* run until the engine is idle for a while (the service and its wind-down are over) */
static void settle(struct hctx *h)
{
    for (unsigned i = 0; i < 200; i++) {
        vdpu_bus_run_cycles(h->t->b, 200);
        if (peek_csr(h->t, VDPU_CSR_ENG_STATUS) & 1u) {
            vdpu_bus_run_cycles(h->t->b, 2000);
            if (peek_csr(h->t, VDPU_CSR_ENG_STATUS) & 1u) return;
        }
    }
    cr_assert_fail("the queue engine never went idle");
}

static uint64_t reqs(struct hctx *h, const struct dma_count *before, unsigned purp)
{
    return h->t->b->link.st.total[purp].requests - before[purp].requests;
}

/* One buffer, one doorbell, the engine idle in between, ten times: one avail read per buffer (at the
 * pick; the data tells the service end there is nothing more). Without the feature: two. */
static void one_by_one(struct tctx *t, bool nd)
{
    struct hctx h;
    h_open(&h, t, DRV_RING_SPLIT, nd);
    struct dma_count b0[VDPU_PURP_COUNT];
    memcpy(b0, t->b->link.st.total, sizeof b0);
    for (uint16_t i = 0; i < 10; i++) {
        post_tx(&h, i);
        doorbell(&h, nd_now(&h));
        settle(&h);
    }
    cr_assert_eq(t->b->net.tx_frames - h.wire0, 10);
    cr_assert_eq(reqs(&h, b0, VDPU_PURP_AVAIL_IDX), nd ? 10 : 20);
    cr_assert_eq(reqs(&h, b0, VDPU_PURP_AVAIL_RING), 10);
    cr_assert_eq(reqs(&h, b0, VDPU_PURP_USED_IDX), 10);
    cr_assert_eq(r16(&h, h.q->device + 2), 10);
    h_close(&h);
}

ENGINE_TEST_REALFW(notif_data, split_one_by_one, .timeout = 120) { one_by_one(T, true); }
ENGINE_TEST_REALFW(notif_data, split_one_by_one_without, .timeout = 120) { one_by_one(T, false); }

/* Buffers posted while a service runs: their doorbell's data lets the service go on without an avail
 * read; the kick it also set brings one more service, whose avail read finds the ring empty. */
ENGINE_TEST_REALFW(notif_data, split_doorbell_during_service, .timeout = 120)
{
    struct hctx h;
    h_open(&h, T, DRV_RING_SPLIT, true);
    struct dma_count b0[VDPU_PURP_COUNT];
    memcpy(b0, T->b->link.st.total, sizeof b0);
    post_tx(&h, 0);
    doorbell(&h, nd_now(&h));
    /* the engine is busy with buffer 0 (its avail read was answered long ago: idx 1) */
    for (unsigned i = 0; i < 100 && reqs(&h, b0, VDPU_PURP_DESC) == 0; i++) vdpu_bus_run_cycles(T->b, 10);
    cr_assert_eq(reqs(&h, b0, VDPU_PURP_DESC), 1);
    post_tx(&h, 1);
    post_tx(&h, 2);
    doorbell(&h, nd_now(&h));
    settle(&h);
    cr_assert_eq(T->b->net.tx_frames - h.wire0, 3);
    cr_assert_eq(reqs(&h, b0, VDPU_PURP_AVAIL_IDX), 2, "the pick's read, and the next service's");
    cr_assert_eq(reqs(&h, b0, VDPU_PURP_AVAIL_RING), 3);
    cr_assert_eq(r16(&h, h.q->device + 2), 3);
    cr_assert_eq(peek_csr(T, VDPU_CSR_QERR), 0);
    h_close(&h);
}

/* A value more than a ring ahead of what the engine consumed: the driver lies, QERR_IDX (after the
 * buffer really posted went out). */
ENGINE_TEST_REALFW(notif_data, split_lie_beyond_ring, .timeout = 120)
{
    struct hctx h;
    h_open(&h, T, DRV_RING_SPLIT, true);
    post_tx(&h, 0);
    doorbell(&h, (uint16_t)(h.q->avail_idx + VQSIZE + 3));
    settle(&h);
    cr_assert_eq(T->b->net.tx_frames - h.wire0, 1);
    cr_assert_eq(peek_csr(T, VDPU_CSR_QERR), 1u << h.q->idx);
    uint32_t info = peek_csr(T, VDPU_CSR_ERR_INFO);
    cr_assert_eq(info & 0xff, VDPU_QERR_IDX);
    cr_assert_eq((info >> 8) & 0xffff, h.q->idx);
    h_close(&h);
}

/* A value within the ring but beyond the entries written: the ring is the truth for content - the
 * entry there (zeroed ring: id 0, whose descriptor is still intact) is used as it stands; then the
 * engine is idle, no violation, nothing hangs. */
ENGINE_TEST_REALFW(notif_data, split_lie_within_ring, .timeout = 120)
{
    struct hctx h;
    h_open(&h, T, DRV_RING_SPLIT, true);
    post_tx(&h, 0);
    doorbell(&h, (uint16_t)(h.q->avail_idx + 1));
    settle(&h);
    cr_assert_eq(peek_csr(T, VDPU_CSR_QERR), 0);
    cr_assert_eq(r16(&h, h.q->device + 2), 2, "the entry the data named was used");
    cr_assert_eq(T->b->net.tx_frames - h.wire0, 2);
    h_close(&h);
}

/* A stale value (behind what the engine consumed, as a late doorbell): no information, no violation. */
ENGINE_TEST_REALFW(notif_data, split_stale_value, .timeout = 120)
{
    struct hctx h;
    h_open(&h, T, DRV_RING_SPLIT, true);
    post_tx(&h, 0);
    post_tx(&h, 1);
    doorbell(&h, (uint16_t)(h.q->avail_idx - 1)); /* the doorbell of buffer 0 only */
    settle(&h);
    cr_assert_eq(T->b->net.tx_frames - h.wire0, 2, "the avail read finds both");
    cr_assert_eq(peek_csr(T, VDPU_CSR_QERR), 0);
    doorbell(&h, 0); /* far behind now (idx 2): ignored, the kick's avail read finds nothing new */
    settle(&h);
    cr_assert_eq(T->b->net.tx_frames - h.wire0, 2);
    cr_assert_eq(peek_csr(T, VDPU_CSR_QERR), 0);
    h_close(&h);
}

/* packed: data naming slots the driver never made available: the descriptor there is read and found
 * unavailable (the ring is the truth); the engine goes idle. */
ENGINE_TEST_REALFW(notif_data, packed_lie, .timeout = 120)
{
    struct hctx h;
    h_open(&h, T, DRV_RING_PACKED, true);
    struct dma_count b0[VDPU_PURP_COUNT];
    memcpy(b0, T->b->link.st.total, sizeof b0);
    post_tx(&h, 0);
    doorbell(&h, (uint16_t)(3 | 0x8000u)); /* "slots 0..2 available" */
    settle(&h);
    cr_assert_eq(T->b->net.tx_frames - h.wire0, 1);
    cr_assert_eq(reqs(&h, b0, VDPU_PURP_DESC), 2, "slot 0, then slot 1 found unavailable");
    cr_assert_eq(peek_csr(T, VDPU_CSR_QERR), 0);
    /* an offset beyond the ring says nothing: the next buffer is served normally */
    post_tx(&h, 1);
    doorbell(&h, (uint16_t)(VQSIZE + 5));
    settle(&h);
    cr_assert_eq(T->b->net.tx_frames - h.wire0, 2);
    cr_assert_eq(peek_csr(T, VDPU_CSR_QERR), 0);
    h_close(&h);
}

/* packed, one by one: the read after each buffer is skipped (the data says the next slot is not
 * available): one descriptor read per buffer, 10 instead of 20. */
ENGINE_TEST_REALFW(notif_data, packed_one_by_one, .timeout = 120)
{
    struct hctx h;
    h_open(&h, T, DRV_RING_PACKED, true);
    struct dma_count b0[VDPU_PURP_COUNT];
    memcpy(b0, T->b->link.st.total, sizeof b0);
    for (uint16_t i = 0; i < 10; i++) {
        post_tx(&h, i);
        doorbell(&h, nd_now(&h));
        settle(&h);
    }
    cr_assert_eq(T->b->net.tx_frames - h.wire0, 10);
    cr_assert_eq(reqs(&h, b0, VDPU_PURP_DESC), 10);
    cr_assert_eq(reqs(&h, b0, VDPU_PURP_USED), 10);
    h_close(&h);
}

/* A doorbell with new data at every edge of a service that passes the old value: buffer A is made
 * available with a doorbell (data k + 1), B and C follow in the ring before the service's avail read
 * (split: it finds k + 3) but their doorbell (data k + 3) comes d cycles later, for every d from 0 to the
 * cycle C's frame is out (measured first), so that for some d it lands on the very edge the engine
 * moves past k + 1. The old value is retired there, the new one must stay (docs/queue-engine.md
 * "NOTIFICATION_DATA": a same-edge doorbell with a different value keeps it): cosim compares the two
 * engines' choice at that edge, and every engine must send every frame with no violation. */
static void three_buffers(struct hctx *h, uint16_t *n)
{
    post_tx(h, (*n)++ % VQSIZE);
    doorbell(h, nd_now(h));
    post_tx(h, (*n)++ % VQSIZE);
    post_tx(h, (*n)++ % VQSIZE);
}

static void doorbell_at_every_edge(struct tctx *t, enum drv_ring ring)
{
    struct hctx h;
    h_open(&h, t, ring, true);
    uint16_t n = 0;
    /* the span: from A's doorbell until the last frame the service can know of is out (split: C, the
     * avail read finds it; packed: A, the data says the slot after it is not available), and its
     * used write */
    three_buffers(&h, &n);
    uint64_t c0 = t->b->dev->cycle, known = ring == DRV_RING_SPLIT ? n : n - 2u;
    for (unsigned i = 0; i < 100000 && t->b->net.tx_frames - h.wire0 < known; i++) vdpu_bus_run_cycles(t->b, 1);
    cr_assert_eq(t->b->net.tx_frames - h.wire0, known);
    uint64_t span = t->b->dev->cycle - c0 + 2u * t->b->link.p.rtt;
    cr_assert_gt(span, 3u * t->b->link.p.rtt, "a service of dependent reads");
    doorbell(&h, nd_now(&h));
    settle(&h);
    for (uint64_t d = 0; d <= span; d++) {
        three_buffers(&h, &n);
        vdpu_bus_run_cycles(t->b, d);
        doorbell(&h, nd_now(&h));
        settle(&h);
        cr_assert_eq(t->b->net.tx_frames - h.wire0, n, "d %llu", (unsigned long long)d);
    }
    cr_assert_eq(peek_csr(t, VDPU_CSR_QERR), 0);
    h_close(&h);
}

ENGINE_TEST_REALFW(notif_data, split_doorbell_at_every_edge, .timeout = 600) { doorbell_at_every_edge(T, DRV_RING_SPLIT); }
ENGINE_TEST_REALFW(notif_data, packed_doorbell_at_every_edge, .timeout = 600) { doorbell_at_every_edge(T, DRV_RING_PACKED); }

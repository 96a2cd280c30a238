/* test_qeng_params.c - the queue engine's descriptor prefetch P and used batch B (docs/queue-engine.md)
 * from ENG_PARAM; exact DMA counts with real traffic, and hand-built rings for the cache's edge cases. */
#include <string.h>

#include "hand_ring.h"
#include "harness.h"
#include "link.h"
#include "virtio_net.h"

/* ---- real firmware and driver, ENG_PARAM programmed by the firmware from the options ---------- */

#define PARAM_TEST(name, P, B, ...) ENGINE_TEST_PARAMS(qeng_params, name, P, B, ##__VA_ARGS__)

static struct traffic_result traffic(struct tctx *t, enum drv_ring ring, unsigned qsize, enum net_workload w,
                                     uint64_t packets, unsigned pkt_size)
{
    struct drv_params p;
    drv_params_default(&p);
    p.ring = ring;
    p.drop[0] |= 1u << VIRTIO_RING_F_EVENT_IDX; /* the counts below are those without event suppression */
    /* the counts are those without NOTIFICATION_DATA (with it: tests/test_notif_data.c) */
    p.drop[VIRTIO_F_NOTIFICATION_DATA / 32] |= 1u << (VIRTIO_F_NOTIFICATION_DATA % 32);
    /* ... and without IN_ORDER's batched write-back (with it: tests/test_in_order.c) */
    p.drop[VIRTIO_F_IN_ORDER / 32] |= 1u << (VIRTIO_F_IN_ORDER % 32);
    if (qsize) p.qsize = qsize;
    struct net_params np = {w, packets, pkt_size, 7, 50000 + packets * 20000};
    return t_traffic(t, &p, &np);
}

#define BYTES(r, P) ((r).c[VDPU_PURP_##P].bytes)

/* 40 frames posted before the one kick: ring entries 4 per read, used elements 4 per write */
PARAM_TEST(split_tx_p4_b4, 4, 4, .timeout = 300)
{
    struct traffic_result r = traffic(T, DRV_RING_SPLIT, 0, NET_TX, 40, 64);
    cr_assert_eq(r.packets, 40);
    cr_assert_eq(REQ(r, AVAIL_IDX), 2);
    cr_assert_eq(REQ(r, AVAIL_RING), 10);
    cr_assert_eq(BYTES(r, AVAIL_RING), 80);
    cr_assert_eq(REQ(r, DESC), 40);
    cr_assert_eq(REQ(r, PAYLOAD_RD), 40);
    cr_assert_eq(REQ(r, USED), 10);
    cr_assert_eq(BYTES(r, USED), 40 * 8);
    cr_assert_eq(REQ(r, USED_IDX), 10);
    cr_assert_leq(REQ(r, MSIX), 10, "one interrupt decision per batch");
    cr_assert_geq(REQ(r, MSIX), 1);
}

/* P and B not dividing 40: the last ring read holds 1 entry, the last batch (1 element) is
 * written when the avail re-read finds the queue empty */
PARAM_TEST(split_tx_p3_b3, 3, 3, .timeout = 300)
{
    struct traffic_result r = traffic(T, DRV_RING_SPLIT, 0, NET_TX, 40, 64);
    cr_assert_eq(r.packets, 40);
    cr_assert_eq(REQ(r, AVAIL_IDX), 2);
    cr_assert_eq(REQ(r, AVAIL_RING), 14);
    cr_assert_eq(BYTES(r, AVAIL_RING), 80);
    cr_assert_eq(REQ(r, USED), 14);
    cr_assert_eq(BYTES(r, USED), 40 * 8);
    cr_assert_eq(REQ(r, USED_IDX), 14);
}

/* The largest ring the device offers (QSIZE_MAX, 1024 since 2026-12-07: at a round trip of 1,000 cycles a
 * 256-entry ring held too few receive buffers to keep the link busy): loopback over more than two laps, every
 * frame checked, so that an index or wrap counter kept to the old 256 entries would show. */
_Static_assert(VDPU_QSIZE_MAX == 1024, "the largest ring is 1024 entries");
static void lap_the_largest_ring(struct tctx *t, enum drv_ring ring)
{
    const unsigned frames = 2 * VDPU_QSIZE_MAX + 100;
    struct traffic_result r = traffic(t, ring, VDPU_QSIZE_MAX, NET_LOOPBACK, frames, 64);
    cr_assert_eq(r.qsize, VDPU_QSIZE_MAX, "the device took queue size %u", r.qsize);
    cr_assert_eq(r.packets, frames);
    cr_assert_eq(REQ(r, PAYLOAD_WR), frames, "one payload write a received frame");
}
PARAM_TEST(split_loopback_laps_the_largest_ring, 8, 8, .timeout = 300) { lap_the_largest_ring(T, DRV_RING_SPLIT); }
PARAM_TEST(packed_loopback_laps_the_largest_ring, 8, 8, .timeout = 300) { lap_the_largest_ring(T, DRV_RING_PACKED); }

/* ENG_PARAM fields: 0 acts as 1; 15, the most a 4-bit field holds, is ENG_PARAM_MAX: batches of 15, 15, 10 */
_Static_assert(VDPU_ENG_PARAM_MAX == 15, "B = 15 acts as 15");
PARAM_TEST(split_tx_p0_b15, 0, 15, .timeout = 300)
{
    struct traffic_result r = traffic(T, DRV_RING_SPLIT, 0, NET_TX, 40, 64);
    cr_assert_eq(r.packets, 40);
    cr_assert_eq(REQ(r, AVAIL_RING), 40);
    cr_assert_eq(REQ(r, USED), 3);
    cr_assert_eq(BYTES(r, USED), 40 * 8);
    cr_assert_eq(REQ(r, USED_IDX), 3);
}

/* P = B = 15 (ENG_PARAM_MAX): packed, blocks of fifteen descriptors - slots 0-14, 15-29, 30-44 (the last
 * finding slot 40 empty) - and one used descriptor per buffer; the cache, the batch and the used write
 * at their widest */
PARAM_TEST(packed_tx_p15_b15, 15, 15, .timeout = 300)
{
    struct traffic_result r = traffic(T, DRV_RING_PACKED, 0, NET_TX, 40, 64);
    cr_assert_eq(r.packets, 40);
    cr_assert_eq(REQ(r, DESC), 3);
    cr_assert_eq(BYTES(r, DESC), 3 * 15 * 16);
    cr_assert_eq(REQ(r, PAYLOAD_RD), 40);
    cr_assert_eq(REQ(r, USED), 40);
}

/* packed: floor(40/P) + 1 descriptor blocks of P, the last one finding the first empty slot */
PARAM_TEST(packed_tx_p4_b4, 4, 4, .timeout = 300)
{
    struct traffic_result r = traffic(T, DRV_RING_PACKED, 0, NET_TX, 40, 64);
    cr_assert_eq(r.packets, 40);
    cr_assert_eq(REQ(r, DESC), 11);
    cr_assert_eq(BYTES(r, DESC), 11 * 64);
    cr_assert_eq(REQ(r, PAYLOAD_RD), 40);
    cr_assert_eq(REQ(r, USED), 40, "packed: one used descriptor per buffer whatever B is");
    cr_assert_eq(REQ(r, EVENT), 40);
}

/* the 14th block (slots 39..41) holds two stale slots: the service ends without another read */
PARAM_TEST(packed_tx_p3, 3, 1, .timeout = 300)
{
    struct traffic_result r = traffic(T, DRV_RING_PACKED, 0, NET_TX, 40, 64);
    cr_assert_eq(r.packets, 40);
    cr_assert_eq(REQ(r, DESC), 14);
    cr_assert_eq(BYTES(r, DESC), 14 * 48);
    cr_assert_eq(REQ(r, USED), 40);
}

/* RX batches like TX (docs/queue-engine.md "RX batching"): the 30 frames arrive back to back, so the
 * RX service writes a batch of B = 8 of them at a time (8, 8, 8 and the last 6, written when the port
 * goes idle) and goes on after each written batch (no transmitq waits): one avail read (it offers
 * every posted buffer), one ring read of 8 entries per batch, one used write of every element and one
 * used idx write per batch */
PARAM_TEST(split_rx_batched, 8, 8, .timeout = 300)
{
    struct traffic_result r = traffic(T, DRV_RING_SPLIT, 0, NET_RX, 30, 64);
    cr_assert_eq(r.packets, 30);
    cr_assert_eq(REQ(r, AVAIL_IDX), 1, "one service");
    cr_assert_eq(REQ(r, AVAIL_RING), 4);
    cr_assert_eq(BYTES(r, AVAIL_RING), 4 * 16);
    cr_assert_eq(REQ(r, DESC), 30);
    cr_assert_eq(REQ(r, PAYLOAD_WR), 30);
    cr_assert_eq(REQ(r, USED), 4);
    cr_assert_eq(BYTES(r, USED), 30 * 8, "every element, each with its own length");
    cr_assert_eq(REQ(r, USED_IDX), 4);
    cr_assert_leq(REQ(r, MSIX), 4, "one interrupt decision per batch");
    cr_assert_geq(REQ(r, MSIX), 1);
}

/* packed: one block of 8 descriptors per 8 frames, read ahead by the sixteen RX run-ahead reads: 8-15 ...
 * 128-135 as frame 4 starts with half of the first block left, then one more as a frame takes a block
 * (frames 8, 16, 24: 136-143, 144-151, 152-159): 1 + 16 + 3 reads, the last sixteen blocks not used; per batch the used descriptors of
 * buffers 1..n-1 in one write, buffer 0's in a second, one event read */
PARAM_TEST(packed_rx_batched, 8, 8, .timeout = 300)
{
    struct traffic_result r = traffic(T, DRV_RING_PACKED, 0, NET_RX, 30, 64);
    cr_assert_eq(r.packets, 30);
    _Static_assert(VDPU_RX_AHEAD_READS == 16, "the descriptor reads are argued for sixteen run-ahead reads");
    cr_assert_eq(REQ(r, DESC), 20, "%llu descriptor reads", (unsigned long long)REQ(r, DESC));
    cr_assert_eq(BYTES(r, DESC), 20 * 8 * 16);
    cr_assert_eq(REQ(r, USED), 8);
    cr_assert_eq(BYTES(r, USED), 3 * (7 * 16 + 8) + 5 * 16 + 8);
    cr_assert_eq(REQ(r, EVENT), 4);
    cr_assert_leq(REQ(r, MSIX), 4);
    cr_assert_geq(REQ(r, MSIX), 1);
}

/* P = B = 15 (ENG_PARAM_MAX), the widest batches: split, two batches of fifteen, each element written with
 * its length in one 120-byte used write of four beats (the RTL's whole-beat element vector); packed, per
 * batch the used descriptors of buffers 1..14 in one 224-byte write of seven beats, buffer 0's in a
 * second (8 bytes: id, len, flags), one event read */
PARAM_TEST(split_rx_p15_b15, 15, 15, .timeout = 300)
{
    struct traffic_result r = traffic(T, DRV_RING_SPLIT, 0, NET_RX, 30, 64);
    cr_assert_eq(r.packets, 30);
    cr_assert_eq(REQ(r, AVAIL_IDX), 1, "one service");
    cr_assert_eq(REQ(r, AVAIL_RING), 2);
    cr_assert_eq(BYTES(r, AVAIL_RING), 2 * 30);
    cr_assert_eq(REQ(r, USED), 2);
    cr_assert_eq(BYTES(r, USED), 30 * 8, "every element, each with its own length");
    cr_assert_eq(REQ(r, USED_IDX), 2);
}

PARAM_TEST(packed_rx_p15_b15, 15, 15, .timeout = 300)
{
    struct traffic_result r = traffic(T, DRV_RING_PACKED, 0, NET_RX, 30, 64);
    cr_assert_eq(r.packets, 30);
    cr_assert_eq(REQ(r, USED), 4);
    cr_assert_eq(BYTES(r, USED), 2 * (14 * 16 + 8));
    cr_assert_eq(REQ(r, EVENT), 2);
}

/* P = B = 1: an RX service is one frame, as before batching (the base rules' counts) */
PARAM_TEST(split_rx_b1_unchanged, 1, 1, .timeout = 300)
{
    struct traffic_result r = traffic(T, DRV_RING_SPLIT, 0, NET_RX, 30, 64);
    cr_assert_eq(r.packets, 30);
    cr_assert_eq(REQ(r, AVAIL_IDX), 30);
    cr_assert_eq(REQ(r, AVAIL_RING), 30);
    cr_assert_eq(BYTES(r, AVAIL_RING), 60);
    cr_assert_eq(REQ(r, USED), 30);
    cr_assert_eq(REQ(r, USED_IDX), 30);
}

PARAM_TEST(packed_rx_b1_unchanged, 1, 1, .timeout = 300)
{
    struct traffic_result r = traffic(T, DRV_RING_PACKED, 0, NET_RX, 30, 64);
    cr_assert_eq(r.packets, 30);
    cr_assert_eq(REQ(r, DESC), 30);
    cr_assert_eq(BYTES(r, DESC), 30 * 16);
}

/* small rings: reads and batches cut at the ring end, wrap counters flip many times */
PARAM_TEST(loopback_imix_split_q8, 3, 5, .timeout = 300)
{
    struct traffic_result r = traffic(T, DRV_RING_SPLIT, 8, NET_LOOPBACK, 200, 0);
    cr_assert_eq(r.packets, 200);
}

PARAM_TEST(loopback_imix_packed_q8, 8, 8, .timeout = 300)
{
    struct traffic_result r = traffic(T, DRV_RING_PACKED, 8, NET_LOOPBACK, 200, 0);
    cr_assert_eq(r.packets, 200);
}

/* ---- the test plays the firmware: hand-built rings ------------------------------------------- */


ENGINE_TEST(qeng_params, eng_param_csr)
{
    cr_assert_eq(csr_rd(T, VDPU_CSR_ENG_PARAM), 0x11);
    csr_wr(T, VDPU_CSR_ENG_PARAM, 0xA5C3F00Fu);
    cr_assert_eq(csr_rd(T, VDPU_CSR_ENG_PARAM), 0xA5C3F00Fu, "plain 32-bit storage");
}

/* split, P = 4: ids 0, 1, 9, 2 read at once; the bad third one is found when it is used */
static void split_bad_cached_id(struct tctx *t, uint32_t param, uint16_t used_expected)
{
    engine_up(t, false, param, 0);
    static const uint16_t ids[4] = {0, 1, 9, 2};
    for (uint16_t i = 0; i < 4; i++) {
        if (ids[i] < QN) desc_w(t, ids[i], BUFS + 0x1000u * ids[i], BUF_LEN, 0, 0);
        hm_w16(t, RING_DRV + 4 + 2u * i, ids[i]);
    }
    hm_w16(t, RING_DRV + 2, 4);
    kick(t);
    cr_assert_eq(reqs(t, VDPU_PURP_AVAIL_RING), 1);
    cr_assert_eq(t->b->link.st.total[VDPU_PURP_AVAIL_RING].bytes, 8);
    cr_assert_eq(reqs(t, VDPU_PURP_DESC), 2);
    cr_assert_eq(reqs(t, VDPU_PURP_PAYLOAD_RD), 2);
    cr_assert_eq(csr_rd(t, VDPU_CSR_QERR), 1u << Q_TX);
    cr_assert_eq(csr_rd(t, VDPU_CSR_ERR_INFO), VDPU_QERR_ID | Q_TX << 8);
    cr_assert_eq(hm_r16(t, RING_DEV + 2), used_expected);
}

ENGINE_TEST(qeng_params, split_bad_cached_id_b1)
{
    split_bad_cached_id(T, 0x14, 2); /* B = 1: both good buffers were used */
}

ENGINE_TEST(qeng_params, split_bad_cached_id_b4)
{
    split_bad_cached_id(T, 0x44, 0); /* B = 4: the unwritten batch goes with the violation */
    cr_assert_eq(reqs(T, VDPU_PURP_USED) + reqs(T, VDPU_PURP_USED_IDX), 0);
}

#define PK_AVAIL (1u << 7) /* wrap counter 1: available = AVAIL set, USED clear */

/* packed, P = 4: a stale cached slot ends the service without a read; the slot posted later is read
 * again after the next doorbell; a chain continuing into a stale cached slot is QERR_CHAIN */
ENGINE_TEST(qeng_params, packed_stale_cache)
{
    engine_up(T, true, 0x14, 0);
    desc_w(T, 0, BUFS, BUF_LEN, 10, PK_AVAIL);
    desc_w(T, 1, BUFS + 0x1000, BUF_LEN, 11, PK_AVAIL);
    kick(T);
    cr_assert_eq(reqs(T, VDPU_PURP_DESC), 1, "slots 0..3 in one read, slot 2 stale: no re-read");
    cr_assert_eq(reqs(T, VDPU_PURP_USED), 2);
    cr_assert_eq(hm_r16(T, RING_DESC + 16 * 1 + 12), 11, "used descriptor in slot 1 carries id 11");

    desc_w(T, 2, BUFS + 0x2000, BUF_LEN, 12, PK_AVAIL);
    kick(T);
    cr_assert_eq(reqs(T, VDPU_PURP_DESC), 2);
    cr_assert_eq(T->b->link.st.total[VDPU_PURP_DESC].bytes, 128);
    cr_assert_eq(reqs(T, VDPU_PURP_USED), 3);
    cr_assert_eq(hm_r16(T, RING_DESC + 16 * 2 + 14), PK_AVAIL | 1u << 15, "slot 2 used");
    cr_assert_eq(csr_rd(T, VDPU_CSR_QERR), 0);

    desc_w(T, 3, BUFS + 0x3000, 40, 13, PK_AVAIL | 1u /* NEXT */);
    kick(T);
    cr_assert_eq(reqs(T, VDPU_PURP_DESC), 3, "slots 3..6 in one read; slot 4 comes from the cache");
    cr_assert_eq(reqs(T, VDPU_PURP_USED), 3);
    cr_assert_eq(csr_rd(T, VDPU_CSR_QERR), 1u << Q_TX);
    cr_assert_eq(csr_rd(T, VDPU_CSR_ERR_INFO), VDPU_QERR_CHAIN | Q_TX << 8);
}

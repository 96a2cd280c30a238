/* test_in_order.c - VIRTIO_F_IN_ORDER batched used write-back (docs/queue-engine.md "IN_ORDER"): one
 * used entry (split) / used descriptor (packed) per batch of up to B transmit buffers, naming the
 * batch's last buffer; receive buffers keep one entry each. Exact DMA counts with the real firmware
 * and driver (which reaps the batches in order and checks every frame), and hand-built rings for the
 * ring wrap, chains and a queue that runs empty mid-batch. */
#include <string.h>

#include "hand_ring.h"
#include "harness.h"
#include "link.h"
#include "virtio_net.h"

#define IO_TEST(name, P, B, ...) ENGINE_TEST_PARAMS(in_order, name, P, B, ##__VA_ARGS__)

/* IN_ORDER negotiated (the driver accepts it by default); the counts are those without event
 * suppression and NOTIFICATION_DATA, as in tests/test_qeng_params.c */
static struct traffic_result traffic_o(struct tctx *t, enum drv_ring ring, unsigned qsize, enum net_workload w,
                                       uint64_t packets, unsigned pkt_size, const struct net_opts *o)
{
    struct drv_params p;
    drv_params_default(&p);
    p.ring = ring;
    p.drop[0] |= 1u << VIRTIO_RING_F_EVENT_IDX;
    p.drop[VIRTIO_F_NOTIFICATION_DATA / 32] |= 1u << (VIRTIO_F_NOTIFICATION_DATA % 32);
    if (qsize) p.qsize = qsize;
    struct net_params np = {w, packets, pkt_size, 7, 50000 + packets * 20000};
    struct traffic_result r = t_traffic_opts(t, &p, &np, o);
    cr_assert_eq(peek_csr(t, VDPU_CSR_ENG_CTRL) >> VDPU_ENGCTRL_IN_ORDER & 1u, 1u,
                 "firmware sets ENG_CTRL.IN_ORDER when the feature is negotiated");
    return r;
}

static struct traffic_result traffic(struct tctx *t, enum drv_ring ring, unsigned qsize, enum net_workload w,
                                     uint64_t packets, unsigned pkt_size)
{
    return traffic_o(t, ring, qsize, w, packets, pkt_size, NULL);
}

#define BYTES(r, P) ((r).c[VDPU_PURP_##P].bytes)

/* 64 frames, B = 8: eight used writes of one element (the batch's last id), eight used idx writes */
IO_TEST(split_tx_b8, 8, 8, .timeout = 300)
{
    struct traffic_result r = traffic(T, DRV_RING_SPLIT, 0, NET_TX, 64, 64);
    cr_assert_eq(r.packets, 64);
    cr_assert_eq(REQ(r, USED), 8);
    cr_assert_eq(BYTES(r, USED), 8 * 8, "one 8-byte element per batch");
    cr_assert_eq(REQ(r, USED_IDX), 8);
    /* split IN_ORDER fetch: one ring entry names the first head (the queue was just enabled), then
     * the descriptors in table order, eight per read */
    cr_assert_eq(REQ(r, AVAIL_RING), 1);
    cr_assert_eq(BYTES(r, AVAIL_RING), 2);
    cr_assert_eq(REQ(r, DESC), 8);
    cr_assert_eq(BYTES(r, DESC), 64 * 16);
    cr_assert_eq(REQ(r, PAYLOAD_RD), 64);
    cr_assert_leq(REQ(r, MSIX), 8, "one interrupt decision per batch");
    cr_assert_geq(REQ(r, MSIX), 1);
}

/* B not dividing the frames: 13 batches of 3 and the last buffer alone when the queue is empty */
IO_TEST(split_tx_b3, 3, 3, .timeout = 300)
{
    struct traffic_result r = traffic(T, DRV_RING_SPLIT, 0, NET_TX, 40, 64);
    cr_assert_eq(r.packets, 40);
    cr_assert_eq(REQ(r, AVAIL_IDX), 2);
    cr_assert_eq(REQ(r, USED), 14);
    cr_assert_eq(BYTES(r, USED), 14 * 8);
    cr_assert_eq(REQ(r, USED_IDX), 14);
}

/* IN_ORDER without batching (B = 1): the used write-back of batching without IN_ORDER (one element
 * per buffer); the fetch is IN_ORDER's (one ring entry, then four consecutive descriptors per read) */
IO_TEST(split_tx_b1_unchanged, 4, 1, .timeout = 300)
{
    struct traffic_result r = traffic(T, DRV_RING_SPLIT, 0, NET_TX, 40, 64);
    cr_assert_eq(r.packets, 40);
    cr_assert_eq(REQ(r, AVAIL_IDX), 2);
    cr_assert_eq(REQ(r, AVAIL_RING), 1);
    cr_assert_eq(REQ(r, DESC), 10);
    cr_assert_eq(BYTES(r, DESC), 40 * 16);
    cr_assert_eq(REQ(r, USED), 40);
    cr_assert_eq(BYTES(r, USED), 40 * 8);
    cr_assert_eq(REQ(r, USED_IDX), 40);
}

/* packed, B = 8: one used descriptor, one event read and at most one interrupt per batch */
IO_TEST(packed_tx_b8, 8, 8, .timeout = 300)
{
    struct traffic_result r = traffic(T, DRV_RING_PACKED, 0, NET_TX, 64, 64);
    cr_assert_eq(r.packets, 64);
    cr_assert_eq(REQ(r, USED), 8);
    cr_assert_eq(BYTES(r, USED), 8 * 8);
    cr_assert_eq(REQ(r, EVENT), 8);
    cr_assert_eq(REQ(r, PAYLOAD_RD), 64);
    cr_assert_leq(REQ(r, MSIX), 8);
    cr_assert_geq(REQ(r, MSIX), 1);
}

/* packed, B = 1: one used descriptor and event read per buffer, as without IN_ORDER
 * (qeng_params/packed_tx_p4_b4) */
IO_TEST(packed_tx_b1_unchanged, 4, 1, .timeout = 300)
{
    struct traffic_result r = traffic(T, DRV_RING_PACKED, 0, NET_TX, 40, 64);
    cr_assert_eq(r.packets, 40);
    cr_assert_eq(REQ(r, DESC), 11);
    cr_assert_eq(REQ(r, USED), 40);
    cr_assert_eq(REQ(r, EVENT), 40);
}

/* packed, B = 4, 40 frames in random chains (1..4 descriptors, some across the ring end): a used
 * descriptor per 4 buffers, written over the batch's first slot; the driver skips every slot */
IO_TEST(packed_tx_chains_b4, 8, 4, .timeout = 300)
{
    struct net_opts o;
    memset(&o, 0, sizeof o);
    o.tx_chain = NET_CHAIN_RANDOM;
    struct traffic_result r = traffic_o(T, DRV_RING_PACKED, 32, NET_TX, 40, 64, &o);
    cr_assert_eq(r.packets, 40);
    cr_assert_eq(REQ(r, USED), 10);
    cr_assert_eq(REQ(r, EVENT), 10);
}

/* receive buffers are batched like without IN_ORDER, never skipped: a skipped buffer counts as
 * "used (read or written) by the device completely", which a receive buffer with a 64-byte frame is
 * not, so every element is written with its length (4 batches of 8, 8, 8, 6) */
IO_TEST(split_rx_every_element, 8, 8, .timeout = 300)
{
    struct traffic_result r = traffic(T, DRV_RING_SPLIT, 0, NET_RX, 30, 64);
    cr_assert_eq(r.packets, 30);
    /* split IN_ORDER fetch on RX too: one ring entry in all, a read of eight descriptors per eight
     * frames, read ahead by the sixteen RX run-ahead reads (8-15 ... 128-135 as frame 4 starts, then one
     * as a frame takes a block: at frames 8, 16, 24, 136-159 - the driver offers every posted buffer):
     * 1 + 16 + 3 reads, the last sixteen blocks not used */
    _Static_assert(VDPU_RX_AHEAD_READS == 16, "the descriptor reads below are argued for sixteen run-ahead reads");
    cr_assert_eq(REQ(r, AVAIL_RING), 1);
    cr_assert_eq(REQ(r, DESC), 20, "%llu descriptor reads", (unsigned long long)REQ(r, DESC));
    cr_assert_eq(BYTES(r, DESC), 20 * 8 * 16);
    cr_assert_eq(REQ(r, USED), 4);
    cr_assert_eq(BYTES(r, USED), 30 * 8);
    cr_assert_eq(REQ(r, USED_IDX), 4);
}

IO_TEST(packed_rx_every_buffer, 8, 8, .timeout = 300)
{
    struct traffic_result r = traffic(T, DRV_RING_PACKED, 0, NET_RX, 30, 64);
    cr_assert_eq(r.packets, 30);
    cr_assert_eq(REQ(r, USED), 8, "two writes per batch");
    cr_assert_eq(BYTES(r, USED), 3 * (7 * 16 + 8) + 5 * 16 + 8, "a used descriptor for every buffer");
    cr_assert_eq(REQ(r, EVENT), 4);
}

/* small rings: batches across the ring end many times, both directions, every frame checked */
IO_TEST(loopback_imix_split_q8, 3, 5, .timeout = 300)
{
    struct traffic_result r = traffic(T, DRV_RING_SPLIT, 8, NET_LOOPBACK, 200, 0);
    cr_assert_eq(r.packets, 200);
}

IO_TEST(loopback_imix_packed_q8, 8, 8, .timeout = 300)
{
    struct net_opts o;
    memset(&o, 0, sizeof o);
    o.tx_chain = NET_CHAIN_RANDOM;
    struct traffic_result r = traffic_o(T, DRV_RING_PACKED, 8, NET_LOOPBACK, 200, 0, &o);
    cr_assert_eq(r.packets, 200);
}

/* ---- the test plays the firmware: hand-built rings ------------------------------------------- */

#define PK_AVAIL  (1u << 7)
#define PK_USED   (1u << 15)
#define SENTINEL  0xEEEEu


static uint64_t used_elem_id(struct tctx *t, unsigned slot)
{
    return hm_r16(t, RING_DEV + 4 + 8u * slot);
}

/* split, N = 8, B = 4: buffers k = 0..9 use descriptor k % 8. Six buffers: a full batch (entry at
 * slot 0 naming buffer 3) and two more written when the queue is found empty (slot 4, buffer 5).
 * Four more (ring slots 6, 7, 0, 1): one batch across the ring end - one element at slot 6 naming
 * buffer 9 (descriptor 1), none at slot 7; without IN_ORDER it would be cut into two writes. */
ENGINE_TEST(in_order, split_batch_across_ring_end)
{
    engine_up(T, false, 0x48, 1u << VDPU_ENGCTRL_IN_ORDER);
    for (unsigned s = 0; s < QN; s++) hm_w16(T, RING_DEV + 4 + 8u * s, SENTINEL);
    for (uint16_t k = 0; k < 6; k++) {
        desc_w(T, k % QN, BUFS + 0x1000u * k, BUF_LEN, 0, 0);
        hm_w16(T, RING_DRV + 4 + 2u * (k % QN), k % QN);
    }
    hm_w16(T, RING_DRV + 2, 6);
    kick(T);
    cr_assert_eq(reqs(T, VDPU_PURP_USED), 2);
    cr_assert_eq(T->b->link.st.total[VDPU_PURP_USED].bytes, 16);
    cr_assert_eq(reqs(T, VDPU_PURP_USED_IDX), 2);
    cr_assert_eq(hm_r16(T, RING_DEV + 2), 6);
    cr_assert_eq(used_elem_id(T, 0), 3, "the first batch's one entry names its last buffer");
    cr_assert_eq(used_elem_id(T, 1), SENTINEL, "skipped buffers get no entry");
    cr_assert_eq(used_elem_id(T, 4), 5, "the second batch's entry sits at its first buffer's slot");

    for (uint16_t k = 6; k < 10; k++) {
        desc_w(T, k % QN, BUFS + 0x1000u * k, BUF_LEN, 0, 0);
        hm_w16(T, RING_DRV + 4 + 2u * (k % QN), k % QN);
    }
    hm_w16(T, RING_DRV + 2, 10);
    kick(T);
    cr_assert_eq(reqs(T, VDPU_PURP_USED), 3, "one write for the batch across the ring end");
    cr_assert_eq(reqs(T, VDPU_PURP_USED_IDX), 3);
    cr_assert_eq(hm_r16(T, RING_DEV + 2), 10);
    cr_assert_eq(used_elem_id(T, 6), 1, "buffer 9 (descriptor 1) at slot 6");
    cr_assert_eq(used_elem_id(T, 7), SENTINEL);
    cr_assert_eq(csr_rd(T, VDPU_CSR_QERR), 0);
}

/* packed, N = 8, B = 4, P = 8: chains of 2, 1 and 3 descriptors (ids 10, 11, 12) and the queue runs
 * empty mid-batch: one used descriptor at slot 0 naming buffer 12, one event read. Then a chain of
 * 3 across the ring end (slots 6, 7, 0; id 13) and one at slot 1 (id 14): one used descriptor at slot
 * 6 (wrap 1) naming 14; the used wrap counter flips (the next used descriptor, at slot 2, has wrap 0). */
ENGINE_TEST(in_order, packed_chains_empty_mid_batch_and_wrap)
{
    engine_up(T, true, 0x48, 1u << VDPU_ENGCTRL_IN_ORDER);
    desc_w(T, 1, BUFS + 0x1000, 40, 0xBAD, PK_AVAIL);
    desc_w(T, 0, BUFS, 32, 0xBAD, PK_AVAIL | 1u /* NEXT */);
    desc_w(T, 2, BUFS + 0x2000, BUF_LEN, 11, PK_AVAIL);
    desc_w(T, 3, BUFS + 0x3000, 20, 0xBAD, PK_AVAIL | 1u);
    desc_w(T, 4, BUFS + 0x4000, 20, 0xBAD, PK_AVAIL | 1u);
    desc_w(T, 5, BUFS + 0x5000, 40, 12, PK_AVAIL);
    hm_w16(T, RING_DESC + 16 * 1 + 12, 10); /* chain 1's id in its last descriptor */
    kick(T);
    cr_assert_eq(reqs(T, VDPU_PURP_DESC), 1);
    cr_assert_eq(reqs(T, VDPU_PURP_USED), 1, "three buffers, one used descriptor");
    cr_assert_eq(reqs(T, VDPU_PURP_EVENT), 1);
    cr_assert_eq(hm_r16(T, RING_DESC + 16 * 0 + 12), 12, "slot 0 names the batch's last buffer");
    cr_assert_eq(hm_r16(T, RING_DESC + 16 * 0 + 14), PK_AVAIL | PK_USED);
    cr_assert_eq(hm_r16(T, RING_DESC + 16 * 2 + 14), PK_AVAIL, "slot 2 (buffer 11) skipped, not written");
    cr_assert_eq(hm_r16(T, RING_DESC + 16 * 3 + 14), PK_AVAIL | 1u, "slot 3 (buffer 12's first) not written");

    /* driver wrap counter: slots 6, 7 in lap 1 (AVAIL set), slots 0, 1 in lap 0 (USED set) */
    desc_w(T, 7, BUFS + 0x7000, 20, 0xBAD, PK_AVAIL | 1u);
    desc_w(T, 0, BUFS + 0x8000, 40, 13, PK_USED);
    desc_w(T, 1, BUFS + 0x9000, BUF_LEN, 14, PK_USED);
    desc_w(T, 6, BUFS + 0x6000, 20, 0xBAD, PK_AVAIL | 1u);
    kick(T);
    cr_assert_eq(reqs(T, VDPU_PURP_USED), 2);
    cr_assert_eq(reqs(T, VDPU_PURP_EVENT), 2);
    cr_assert_eq(hm_r16(T, RING_DESC + 16 * 6 + 12), 14, "slot 6 names buffer 14");
    cr_assert_eq(hm_r16(T, RING_DESC + 16 * 6 + 14), PK_AVAIL | PK_USED);
    cr_assert_eq(hm_r16(T, RING_DESC + 16 * 1 + 14), PK_USED, "slot 1 (buffer 14) skipped, not written");

    desc_w(T, 2, BUFS + 0x2000, BUF_LEN, 15, PK_USED);
    kick(T);
    cr_assert_eq(reqs(T, VDPU_PURP_USED), 3);
    cr_assert_eq(hm_r16(T, RING_DESC + 16 * 2 + 12), 15);
    cr_assert_eq(hm_r16(T, RING_DESC + 16 * 2 + 14), 0, "used in lap 0: AVAIL and USED clear");
    cr_assert_eq(csr_rd(T, VDPU_CSR_QERR), 0);
}

/* packed, N = 8, B = 4, P = 8, with NOTIFICATION_DATA: the doorbell's data says where the available
 * buffers end, so the service stops there without reading the next slot; the batch it holds is
 * written then and moves the device's used position past every slot of the batch (virtio 1.2,
 * packed virtqueues, in-order: one used descriptor at the batch's first slot, naming its last
 * buffer; the next one follows the batch). Three buffers (slots 0-2, ids 20-22, data: next_off 3,
 * wrap 1): one used descriptor at slot 0 naming 22. Two more (slots 3-4, ids 23-24, data 5): the
 * next at slot 3 naming 24, slot 0 left as it was, slots 2 and 4 not written. */
static void doorbell_data(struct tctx *t, uint16_t data)
{
    bar_wr(t, VDPU_BAR_NOTIFY_OFF + Q_TX * VDPU_NOTIFY_MULT, 4, Q_TX | (uint32_t)data << 16);
    run_cycles(t, 8000);
}

ENGINE_TEST(in_order, packed_notif_data_batch_ends_at_data)
{
    engine_up(T, true, 0x48, 1u << VDPU_ENGCTRL_IN_ORDER | 1u << VDPU_ENGCTRL_NOTIF_DATA);
    uint64_t wire0 = T->b->net.tx_frames;
    for (uint16_t s = 0; s < 3; s++) desc_w(T, s, BUFS + 0x1000u * s, BUF_LEN, (uint16_t)(20 + s), PK_AVAIL);
    doorbell_data(T, 3 | 0x8000u);
    cr_assert_eq(T->b->net.tx_frames - wire0, 3);
    cr_assert_eq(reqs(T, VDPU_PURP_USED), 1, "the batch of three is written when the data says no more");
    cr_assert_eq(hm_r16(T, RING_DESC + 16 * 0 + 12), 22, "slot 0 names the batch's last buffer");
    cr_assert_eq(hm_r16(T, RING_DESC + 16 * 0 + 14), PK_AVAIL | PK_USED);
    cr_assert_eq(hm_r16(T, RING_DESC + 16 * 2 + 14), PK_AVAIL, "slot 2 skipped, not written");

    for (uint16_t s = 3; s < 5; s++) desc_w(T, s, BUFS + 0x1000u * s, BUF_LEN, (uint16_t)(20 + s), PK_AVAIL);
    doorbell_data(T, 5 | 0x8000u);
    cr_assert_eq(T->b->net.tx_frames - wire0, 5);
    cr_assert_eq(reqs(T, VDPU_PURP_USED), 2);
    cr_assert_eq(hm_r16(T, RING_DESC + 16 * 3 + 12), 24, "the second batch's descriptor follows the first batch");
    cr_assert_eq(hm_r16(T, RING_DESC + 16 * 3 + 14), PK_AVAIL | PK_USED);
    cr_assert_eq(hm_r16(T, RING_DESC + 16 * 0 + 12), 22, "slot 0 not written again");
    cr_assert_eq(hm_r16(T, RING_DESC + 16 * 4 + 14), PK_AVAIL, "slot 4 skipped, not written");
    cr_assert_eq(csr_rd(T, VDPU_CSR_QERR), 0);
}

/* test_split_in_order.c - split IN_ORDER fetching (docs/queue-engine.md "Split IN_ORDER: heads in table
 * order"): with VIRTIO_F_IN_ORDER the driver uses descriptors in table order, so the engine takes the
 * heads from its own position (no avail ring read once it knows it) and reads up to P consecutive
 * descriptors per request, cut at the table end; a chain whose next is not the following descriptor
 * is QERR_CHAIN. Hand-built transmitq of QN = 8 entries, P = B = 8, every engine. */
#include "hand_ring.h"
#include "harness.h"
#include "link.h"

#define P8B8      0x88u
#define IN_ORDER  (1u << VDPU_ENGCTRL_IN_ORDER)
#define F_NEXT    1u

static uint64_t bytes(struct tctx *t, unsigned purp)
{
    return t->b->link.st.total[purp].bytes;
}

/* buffers k0..k1-1, one descriptor each, descriptor k % QN, avail entries in ring order */
static void post_singles(struct tctx *t, uint16_t k0, uint16_t k1)
{
    for (uint16_t k = k0; k < k1; k++) {
        desc_w(t, k % QN, BUFS + 0x1000u * k, BUF_LEN, 0, 0);
        hm_w16(t, RING_DRV + 4 + 2u * (k % QN), k % QN);
    }
    hm_w16(t, RING_DRV + 2, k1);
}

/* Six buffers: the first head comes from one avail ring entry (the position is unknown after the
 * queue was enabled), then one DESC read of six descriptors. Four more (descriptors 6, 7, 0, 1): no
 * ring read, the descriptors in two reads cut at the table end. */
ENGINE_TEST(split_in_order, tx_singles_and_table_end)
{
    engine_up(T, false, P8B8, IN_ORDER);
    uint64_t wire0 = T->b->net.tx_frames;
    post_singles(T, 0, 6);
    kick(T);
    cr_assert_eq(T->b->net.tx_frames - wire0, 6);
    cr_assert_eq(reqs(T, VDPU_PURP_AVAIL_RING), 1, "one entry names where the table order starts");
    cr_assert_eq(bytes(T, VDPU_PURP_AVAIL_RING), 2);
    cr_assert_eq(reqs(T, VDPU_PURP_DESC), 1, "six consecutive descriptors in one read");
    cr_assert_eq(bytes(T, VDPU_PURP_DESC), 6 * 16);
    cr_assert_eq(reqs(T, VDPU_PURP_AVAIL_IDX), 2, "the first read, and the one that finds the queue empty");
    cr_assert_eq(reqs(T, VDPU_PURP_USED), 1);
    cr_assert_eq(bytes(T, VDPU_PURP_USED), 8);
    cr_assert_eq(hm_r16(T, RING_DEV + 2), 6);

    post_singles(T, 6, 10);
    kick(T);
    cr_assert_eq(T->b->net.tx_frames - wire0, 10);
    cr_assert_eq(reqs(T, VDPU_PURP_AVAIL_RING), 1, "the head is known: no ring read");
    cr_assert_eq(reqs(T, VDPU_PURP_DESC), 3, "descriptors 6-7, then 0-1: cut at the table end");
    cr_assert_eq(bytes(T, VDPU_PURP_DESC), 6 * 16 + 2 * 16 + 2 * 16);
    cr_assert_eq(reqs(T, VDPU_PURP_USED), 2);
    cr_assert_eq(hm_r16(T, RING_DEV + 4 + 8 * 6), 1, "the batch's entry names descriptor 1 (buffer 9)");
    cr_assert_eq(hm_r16(T, RING_DEV + 2), 10);
    cr_assert_eq(csr_rd(T, VDPU_CSR_QERR), 0);
}

/* The same rings without IN_ORDER: the requests of ring-entry prefetch (one ring read of 6 ids, a
 * descriptor read per buffer; then ring reads of 2 + 2 ids cut at the ring end). */
ENGINE_TEST(split_in_order, without_in_order_unchanged)
{
    engine_up(T, false, P8B8, 0);
    post_singles(T, 0, 6);
    kick(T);
    cr_assert_eq(reqs(T, VDPU_PURP_AVAIL_RING), 1);
    cr_assert_eq(bytes(T, VDPU_PURP_AVAIL_RING), 12);
    cr_assert_eq(reqs(T, VDPU_PURP_DESC), 6);
    cr_assert_eq(bytes(T, VDPU_PURP_DESC), 6 * 16);
    post_singles(T, 6, 10);
    kick(T);
    cr_assert_eq(reqs(T, VDPU_PURP_AVAIL_RING), 3);
    cr_assert_eq(reqs(T, VDPU_PURP_DESC), 10);
    cr_assert_eq(hm_r16(T, RING_DEV + 2), 10);
    cr_assert_eq(csr_rd(T, VDPU_CSR_QERR), 0);
}

/* Chains: buffer 0 = descriptors 0 -> 1 -> 2, buffer 1 = 3, buffer 2 = 4 -> 5 (24 bytes each
 * descriptor). Reads: 0-2 (three buffers offered), 3-4 (two left), 5 (one left). Then buffer 3 =
 * 6 -> 7 -> 0 across the table end (next of descriptor 7 is 0), one buffer offered: one descriptor
 * per read. The frames are the chains' bytes. */
ENGINE_TEST(split_in_order, tx_chains_and_wrap)
{
    engine_up(T, false, P8B8, IN_ORDER);
    uint64_t wire0 = T->b->net.tx_frames;
    desc_w(T, 0, BUFS + 0x0000, 24, F_NEXT, 1);
    desc_w(T, 1, BUFS + 0x1000, 24, F_NEXT, 2);
    desc_w(T, 2, BUFS + 0x2000, 24, 0, 0);
    desc_w(T, 3, BUFS + 0x3000, BUF_LEN, 0, 0);
    desc_w(T, 4, BUFS + 0x4000, 24, F_NEXT, 5);
    desc_w(T, 5, BUFS + 0x5000, 24, 0, 0);
    hm_w16(T, RING_DRV + 4, 0);
    hm_w16(T, RING_DRV + 6, 3);
    hm_w16(T, RING_DRV + 8, 4);
    hm_w16(T, RING_DRV + 2, 3);
    kick(T);
    cr_assert_eq(T->b->net.tx_frames - wire0, 3);
    cr_assert_eq(reqs(T, VDPU_PURP_AVAIL_RING), 1);
    cr_assert_eq(reqs(T, VDPU_PURP_DESC), 3);
    cr_assert_eq(bytes(T, VDPU_PURP_DESC), 3 * 16 + 2 * 16 + 16);
    cr_assert_eq(reqs(T, VDPU_PURP_PAYLOAD_RD), 6, "every descriptor's data is read");
    cr_assert_eq(hm_r16(T, RING_DEV + 4), 4, "one used entry naming buffer 2's head");
    cr_assert_eq(hm_r16(T, RING_DEV + 2), 3);

    desc_w(T, 6, BUFS + 0x6000, 24, F_NEXT, 7);
    desc_w(T, 7, BUFS + 0x7000, 24, F_NEXT, 0);
    desc_w(T, 0, BUFS + 0x8000, 24, 0, 0);
    hm_w16(T, RING_DRV + 10, 6);
    hm_w16(T, RING_DRV + 2, 4);
    kick(T);
    cr_assert_eq(T->b->net.tx_frames - wire0, 4);
    cr_assert_eq(reqs(T, VDPU_PURP_AVAIL_RING), 1, "the head (6) follows from the chains before");
    cr_assert_eq(reqs(T, VDPU_PURP_DESC), 6);
    cr_assert_eq(hm_r16(T, RING_DEV + 4 + 8 * 3), 6);
    cr_assert_eq(hm_r16(T, RING_DEV + 2), 4);
    cr_assert_eq(csr_rd(T, VDPU_CSR_QERR), 0);
}

/* A chain whose next is not the following descriptor breaks the table order the driver promised
 * ("driver MUST set next ... to x + 1", split-ring.tex): QERR_CHAIN, nothing used. Without IN_ORDER
 * the same chain (0 -> 5) is a valid buffer. */
static void broken_chain(struct tctx *t)
{
    desc_w(t, 0, BUFS, 24, F_NEXT, 5);
    desc_w(t, 5, BUFS + 0x5000, BUF_LEN, 0, 0);
    hm_w16(t, RING_DRV + 4, 0);
    hm_w16(t, RING_DRV + 2, 1);
    kick(t);
}

ENGINE_TEST(split_in_order, next_out_of_order_is_qerr_chain)
{
    engine_up(T, false, P8B8, IN_ORDER);
    uint64_t wire0 = T->b->net.tx_frames;
    broken_chain(T);
    cr_assert_eq(csr_rd(T, VDPU_CSR_QERR), 1u << Q_TX);
    cr_assert_eq(csr_rd(T, VDPU_CSR_ERR_INFO) & 0xFFu, VDPU_QERR_CHAIN);
    cr_assert_eq(T->b->net.tx_frames - wire0, 0);
    cr_assert_eq(reqs(T, VDPU_PURP_USED), 0);
}

ENGINE_TEST(split_in_order, next_out_of_order_fine_without_in_order)
{
    engine_up(T, false, P8B8, 0);
    uint64_t wire0 = T->b->net.tx_frames;
    broken_chain(T);
    cr_assert_eq(csr_rd(T, VDPU_CSR_QERR), 0);
    cr_assert_eq(T->b->net.tx_frames - wire0, 1);
}

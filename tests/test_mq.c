/* test_mq.c - multiqueue receive steering: flows back on the receiveq of their transmitq, unknown flows and one pair on receiveq 0, table clears. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "virtio_ctrl.h"
#include "virtio_net_mq.h"
#include "virtio_suspend.h"

#define CMD_CYCLES 200000

struct mq_env {
    virtio_drv_t d;
    virtio_ctrl_t c;
    virtio_net_mq_t m;
};

static void drv_up(struct tctx *t, struct mq_env *e, enum drv_ring ring)
{
    struct drv_params p;
    drv_params_default(&p);
    p.ring = ring;
    cr_assert_eq(virtio_drv_init(&e->d, &t->s, &p), DRV_OK, "init: %s", e->d.refusal);
    cr_assert_eq(virtio_ctrl_open(&e->c, &e->d), 0, "%s", e->c.error);
}

static struct mq_env *mq_up(struct tctx *t, enum drv_ring ring)
{
    struct mq_env *e = calloc(1, sizeof *e);
    cr_assert(e);
    t_enumerate(t);
    cr_assert_eq(pci_msix_setup(t->b, &t->s.pci, NULL), 0);
    drv_up(t, e, ring);
    return e;
}

static void pairs_set(struct mq_env *e, uint16_t pairs)
{
    uint8_t ack = 0xEE;
    cr_assert_eq(virtio_ctrl_cmd(&e->c, VNET_CTRL_MQ, VNET_CTRL_MQ_VQ_PAIRS_SET, &pairs, 2, &ack, CMD_CYCLES), 0, "%s",
                 e->c.error);
    cr_assert_eq(ack, VNET_OK);
}

/* Traffic on the driver's pairs; the driver's own checks (per flow, per receiveq) must pass. */
static void traffic(struct mq_env *e, enum net_workload w, uint64_t packets, unsigned pairs)
{
    struct net_params np = {w, packets, 0 /* IMIX */, 11, 50000 + packets * 20000};
    cr_assert_eq(virtio_net_mq_open(&e->m, &e->d, &np, NULL, pairs), 0, "%s", e->m.n.error);
    cr_assert_eq(virtio_net_mq_run(&e->m), 0, "%s", e->m.n.error);
}

static unsigned popcount(uint32_t v)
{
    unsigned n = 0;
    for (; v; v &= v - 1) n++;
    return n;
}

/* Two pairs in loopback: each flow comes back on the receiveq paired with its transmitq, so every
 * receiveq gets exactly what its transmitq sent, and both pairs carry traffic. */
static void loopback_two_pairs(struct tctx *T, enum drv_ring ring)
{
    struct mq_env *e = mq_up(T, ring);
    pairs_set(e, 2);
    cr_assert_eq(peek_csr(T, VDPU_CSR_MQ_PAIRS), 2);
    cr_assert_eq(peek_csr(T, VDPU_CSR_MQ_FLOWS), 0, "VQ_PAIRS_SET empties the flow table");
    traffic(e, NET_LOOPBACK, 200, 2);
    for (unsigned k = 0; k < 2; k++) {
        cr_assert_gt(e->m.tx_sent[k], 20, "pair %u carries flows", k);
        cr_assert_eq(e->m.rx_got[k], e->m.tx_sent[k], "receiveq %u gets what transmitq %u sent", 2 * k, 2 * k + 1);
    }
    /* the generator's 8 flows differ in one nibble of a port: 8 distinct entries */
    cr_assert_eq(popcount(peek_csr(T, VDPU_CSR_MQ_FLOWS)), NET_MQ_FLOWS);
    virtio_net_mq_close(&e->m);
    free(e);
}

ENGINE_TEST_REALFW(mq, loopback_two_pairs_split, .timeout = 300) { loopback_two_pairs(T, DRV_RING_SPLIT); }
ENGINE_TEST_REALFW(mq, loopback_two_pairs_packed, .timeout = 300) { loopback_two_pairs(T, DRV_RING_PACKED); }

/* Frames from the wire of flows nothing was transmitted for go to receiveq 0 (the driver checks
 * the receiveq of every frame), with buffers posted on both receiveqs. */
ENGINE_TEST_REALFW(mq, unknown_flows_from_the_wire_on_receiveq0, .timeout = 300)
{
    struct mq_env *e = mq_up(T, DRV_RING_SPLIT);
    pairs_set(e, 2);
    traffic(e, NET_RX, 100, 2);
    cr_assert_eq(e->m.rx_got[0], 100);
    cr_assert_eq(e->m.rx_got[1], 0);
    cr_assert(e->m.rx[1].outstanding > 0, "receiveq 2 had buffers and got nothing");
    cr_assert_eq(peek_csr(T, VDPU_CSR_MQ_FLOWS), 0, "received frames write no entries");
    virtio_net_mq_close(&e->m);
    free(e);
}

/* Known flows, then VQ_PAIRS_SET 1: the table empties and the same flows from the wire go to
 * receiveq 0 although receiveq 2 still has buffers. */
ENGINE_TEST_REALFW(mq, pairs_back_to_one_steers_to_receiveq0, .timeout = 300)
{
    struct mq_env *e = mq_up(T, DRV_RING_SPLIT);
    pairs_set(e, 2);
    traffic(e, NET_LOOPBACK, 100, 2);
    cr_assert_gt(e->m.rx_got[1], 0);
    cr_assert_neq(peek_csr(T, VDPU_CSR_MQ_FLOWS), 0);
    pairs_set(e, 1);
    cr_assert_eq(peek_csr(T, VDPU_CSR_MQ_PAIRS), 1);
    cr_assert_eq(peek_csr(T, VDPU_CSR_MQ_FLOWS), 0);
    uint64_t got1 = e->m.rx_got[1];
    /* the same driver, now receiving from the wire: every frame must come on receiveq 0 */
    e->m.n.p.workload = NET_RX;
    e->m.n.p.packets = e->m.rx_frames + 100;
    T->b->net.loopback = false;
    cr_assert_eq(virtio_net_mq_run(&e->m), 0, "%s", e->m.n.error);
    cr_assert_eq(e->m.rx_got[1], got1, "nothing more on receiveq 2");
    cr_assert(e->m.rx[1].outstanding > 0);
    virtio_net_mq_close(&e->m);
    free(e);
}

/* One pair (no VQ_PAIRS_SET) and a driver that breaks the spec's "transmitq1 only" rule by sending
 * half its flows on transmitq 2 (queue 3): those write no entries, and loopback frames of every
 * flow come back on receiveq 0 (the spec: after reset the device queues packets on receiveq1 only). */
ENGINE_TEST_REALFW(mq, one_pair_keeps_receiveq0, .timeout = 300)
{
    struct mq_env *e = mq_up(T, DRV_RING_SPLIT);
    cr_assert_eq(peek_csr(T, VDPU_CSR_MQ_PAIRS), 1, "reset value");
    struct net_params np = {NET_LOOPBACK, 100, 0, 11, 50000 + 100 * 20000};
    cr_assert_eq(virtio_net_mq_open(&e->m, &e->d, &np, NULL, 2), 0, "%s", e->m.n.error);
    e->m.rx_all_q0 = true;
    cr_assert_eq(virtio_net_mq_run(&e->m), 0, "%s", e->m.n.error);
    cr_assert_gt(e->m.tx_sent[1], 20, "transmitq 2 was used");
    cr_assert_eq(e->m.rx_got[0], 100);
    cr_assert_eq(e->m.rx_got[1], 0);
    /* only the flows of transmitq 1 (pair 0 < MQ_PAIRS) wrote entries: flows 0, 2, 4, 6 */
    cr_assert_eq(popcount(peek_csr(T, VDPU_CSR_MQ_FLOWS)), NET_MQ_FLOWS / 2);
    virtio_net_mq_close(&e->m);
    free(e);
}

/* DEV_RESET (the driver's re-initialization) empties the table and sets one pair: no
 * VQ_PAIRS_SET in between, so the cleared table is the reset's doing. */
ENGINE_TEST_REALFW(mq, device_reset_clears_the_table, .timeout = 300)
{
    struct mq_env *e = mq_up(T, DRV_RING_SPLIT);
    pairs_set(e, 2);
    traffic(e, NET_LOOPBACK, 60, 2);
    cr_assert_neq(peek_csr(T, VDPU_CSR_MQ_FLOWS), 0);
    virtio_net_mq_close(&e->m);
    drv_up(T, e, DRV_RING_SPLIT); /* reset, features, queues, DRIVER_OK */
    cr_assert_eq(peek_csr(T, VDPU_CSR_MQ_PAIRS), 1);
    cr_assert_eq(peek_csr(T, VDPU_CSR_MQ_FLOWS), 0);
    /* and the flows known before the reset are unknown after it: from the wire, on receiveq 0 */
    pairs_set(e, 2);
    traffic(e, NET_RX, 40, 2);
    cr_assert_eq(e->m.rx_got[0], 40);
    virtio_net_mq_close(&e->m);
    free(e);
}

/* Known flows, then receiveq 2 is reset (RING_RESET: disabled, its buffers forgotten) while two
 * pairs stay active and the table keeps its entries: frames of the flows steered to pair 1 must
 * not be lost or stall the engine; the device re-selects receiveq 0 for them (the spec: a device
 * SHOULD re-select another queue when the destination is being reset). */
ENGINE_TEST_REALFW(mq, disabled_receiveq_falls_back_to_receiveq0, .timeout = 300)
{
    struct mq_env *e = mq_up(T, DRV_RING_SPLIT);
    pairs_set(e, 2);
    traffic(e, NET_LOOPBACK, 100, 2);
    cr_assert_gt(e->m.rx_got[1], 0, "pair 1 carried flows, so the table steers them to receiveq 2");
    uint32_t flows = (uint32_t)peek_csr(T, VDPU_CSR_MQ_FLOWS);
    cr_assert_neq(flows, 0);
    uint64_t v;
    cr_assert_eq(drv_wr(&e->d, VDPU_COMMON_Q_SELECT, 2, 2), 0);
    cr_assert_eq(drv_wr(&e->d, VDPU_COMMON_Q_RESET, 2, 1), 0);
    cr_assert_eq(drv_rd(&e->d, VDPU_COMMON_Q_RESET, 2, &v), 0);
    cr_assert_eq(v, 0, "queue reset completed");
    cr_assert_eq(drv_rd(&e->d, VDPU_COMMON_Q_ENABLE, 2, &v), 0);
    cr_assert_eq(v, 0, "receiveq 2 disabled");
    cr_assert_eq(peek_csr(T, VDPU_CSR_MQ_PAIRS), 2, "a queue reset is not a VQ_PAIRS_SET");
    cr_assert_eq(peek_csr(T, VDPU_CSR_MQ_FLOWS), flows, "the table keeps its entries");
    uint64_t got0 = e->m.rx_got[0], got1 = e->m.rx_got[1];
    /* the same flows from the wire: every frame must come on receiveq 0, none lost */
    e->m.n.p.workload = NET_RX;
    e->m.n.p.packets = e->m.rx_frames + 100;
    T->b->net.loopback = false;
    cr_assert_eq(virtio_net_mq_run(&e->m), 0, "%s", e->m.n.error);
    cr_assert_eq(e->m.rx_got[0], got0 + 100, "all 100 on receiveq 0");
    cr_assert_eq(e->m.rx_got[1], got1, "nothing on the reset receiveq 2");
    cr_assert_eq(peek_csr(T, VDPU_CSR_ENG_STATUS) >> 16, 0, "no frame dropped");
    virtio_net_mq_close(&e->m);
    free(e);
}

/* Firmware reads and writes the flow table entry by entry (STEER_IDX / STEER_ENT: live migration saves
 * and restores it): the entries traffic learned read back as MQ_FLOWS shows them, each naming a pair
 * in use; a written entry shows in MQ_FLOWS and reads back; STEER_IDX keeps 4 bits; an MQ_PAIRS
 * write empties the table whatever firmware wrote; and an entry written for a flow steers it - frames
 * of flows that only the wire sends go to the pair firmware named, not to receiveq 0. */
ENGINE_TEST_REALFW(mq, firmware_reads_and_writes_the_flow_table, .timeout = 300)
{
    struct mq_env *e = mq_up(T, DRV_RING_SPLIT);
    pairs_set(e, 2);
    traffic(e, NET_LOOPBACK, 80, 2);
    uint32_t flows = peek_csr(T, VDPU_CSR_MQ_FLOWS), seen = 0;
    uint8_t learned[VDPU_STEER_ENTRIES];
    for (unsigned i = 0; i < VDPU_STEER_ENTRIES; i++) {
        poke_csr(T, VDPU_CSR_STEER_IDX, i);
        cr_assert_eq(peek_csr(T, VDPU_CSR_STEER_IDX), i);
        learned[i] = (uint8_t)peek_csr(T, VDPU_CSR_STEER_ENT);
        if (learned[i] & 0x80) {
            seen |= 1u << i;
            cr_assert_lt(learned[i] & 0x7F, 2, "entry %u names pair %u", i, learned[i] & 0x7F);
        }
    }
    cr_assert_eq(seen, flows, "the entries read back are the ones MQ_FLOWS shows");
    virtio_net_mq_close(&e->m);
    drv_up(T, e, DRV_RING_SPLIT); /* fresh rings for the traffic below (the reset empties the table) */
    pairs_set(e, 2);
    cr_assert_eq(peek_csr(T, VDPU_CSR_MQ_FLOWS), 0);
    poke_csr(T, VDPU_CSR_STEER_IDX, 0x13);
    cr_assert_eq(peek_csr(T, VDPU_CSR_STEER_IDX), 3, "4 bits");
    poke_csr(T, VDPU_CSR_STEER_ENT, 0x81);
    cr_assert_eq(peek_csr(T, VDPU_CSR_STEER_ENT), 0x81);
    cr_assert_eq(peek_csr(T, VDPU_CSR_MQ_FLOWS), 1u << 3);
    poke_csr(T, VDPU_CSR_STEER_ENT, 0);
    cr_assert_eq(peek_csr(T, VDPU_CSR_MQ_FLOWS), 0);
    /* every entry: pair 1; frames from the wire (flows nothing transmitted) now go to pair 1 (receiveq 2) */
    for (unsigned i = 0; i < VDPU_STEER_ENTRIES; i++) {
        poke_csr(T, VDPU_CSR_STEER_IDX, i);
        poke_csr(T, VDPU_CSR_STEER_ENT, 0x81);
    }
    cr_assert_eq(peek_csr(T, VDPU_CSR_MQ_FLOWS), (1u << VDPU_STEER_ENTRIES) - 1);
    struct net_params np = {NET_RX, 30, 0, 11, 50000 + 30 * 20000};
    cr_assert_eq(virtio_net_mq_open(&e->m, &e->d, &np, NULL, 2), 0, "%s", e->m.n.error);
    cr_assert_neq(virtio_net_mq_run(&e->m), 0, "the driver expects the wire's flows on receiveq 0");
    cr_assert(strstr(e->m.n.error, "arrived on receiveq 1, expected receiveq 0"), "%s", e->m.n.error);
    virtio_net_mq_close(&e->m);
    pairs_set(e, 2);
    cr_assert_eq(peek_csr(T, VDPU_CSR_MQ_FLOWS), 0, "an MQ_PAIRS write empties what firmware wrote");
    free(e);
}

/* test_ctrlq.c - the control virtqueue (firmware over its DMA channel), the RX filter its commands set, malformed chains. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "virtio_ctrl.h"

#define CMD_CYCLES 200000 /* one command: a dozen DMA round trips and firmware work, with margin */

struct ctrl_env {
    virtio_drv_t d;
    virtio_ctrl_t c;
};

static struct ctrl_env *ctrl_up(struct tctx *t, enum drv_ring ring, bool event_idx)
{
    struct ctrl_env *e = calloc(1, sizeof *e);
    cr_assert(e);
    struct drv_params p;
    drv_params_default(&p);
    p.ring = ring;
    if (!event_idx) p.drop[0] |= 1u << VIRTIO_RING_F_EVENT_IDX;
    t_enumerate(t);
    cr_assert_eq(pci_msix_setup(t->b, &t->s.pci, NULL), 0);
    cr_assert_eq(virtio_drv_init(&e->d, &t->s, &p), DRV_OK, "init: %s", e->d.refusal);
    cr_assert_eq(virtio_ctrl_open(&e->c, &e->d), 0, "%s", e->c.error);
    return e;
}

static uint8_t cmd(struct ctrl_env *e, uint8_t cls, uint8_t op, const void *data, unsigned len)
{
    uint8_t ack = 0xEE;
    cr_assert_eq(virtio_ctrl_cmd(&e->c, cls, op, data, len, &ack, CMD_CYCLES), 0, "%s", e->c.error);
    return ack;
}

static const uint8_t new_mac[6] = {0x52, 0x54, 0x00, 0xAB, 0xCD, 0x01};

static void commands(struct tctx *T, enum drv_ring ring)
{
    struct ctrl_env *e = ctrl_up(T, ring, true);
    uint8_t one = 1, zero = 0, two[2] = {1, 1};
    cr_assert_eq(cmd(e, VNET_CTRL_MAC, VNET_CTRL_MAC_ADDR_SET, new_mac, 6), VNET_OK);
    cr_assert_eq(peek_csr(T, VDPU_CSR_NET_MAC_LO), 0xAB005452u);
    cr_assert_eq(peek_csr(T, VDPU_CSR_NET_MAC_HI), 0x01CDu);
    cr_assert_eq(bar_rd(T, VDPU_BAR_DEVCFG_OFF + VDPU_NETCFG_MAC3, 1), 0xAB, "config space mac follows");
    cr_assert_eq(cmd(e, VNET_CTRL_MAC, VNET_CTRL_MAC_ADDR_SET, new_mac, 5), VNET_ERR, "5-byte MAC");
    cr_assert_eq(cmd(e, VNET_CTRL_RX, VNET_CTRL_RX_PROMISC, &one, 1), VNET_OK);
    cr_assert_eq(peek_csr(T, VDPU_CSR_RXF_CTRL) & 1, 1);
    cr_assert_eq(cmd(e, VNET_CTRL_RX, VNET_CTRL_RX_ALLMULTI, &zero, 1), VNET_OK);
    cr_assert_eq(peek_csr(T, VDPU_CSR_RXF_CTRL), 1, "promisc on, allmulti off");
    cr_assert_eq(cmd(e, VNET_CTRL_RX, VNET_CTRL_RX_PROMISC, two, 2), VNET_ERR, "two data bytes");
    cr_assert_eq(cmd(e, VNET_CTRL_RX, VNET_CTRL_RX_PROMISC, (uint8_t[]){2}, 1), VNET_ERR, "not 0 or 1");
    cr_assert_eq(cmd(e, VNET_CTRL_RX, 7, &one, 1), VNET_ERR, "unknown RX command");
    cr_assert_eq(cmd(e, 9, 0, &one, 1), VNET_ERR, "unknown class");
    uint16_t pairs = 2;
    cr_assert_eq(cmd(e, VNET_CTRL_MQ, VNET_CTRL_MQ_VQ_PAIRS_SET, &pairs, 2), VNET_OK);
    pairs = 1;
    cr_assert_eq(cmd(e, VNET_CTRL_MQ, VNET_CTRL_MQ_VQ_PAIRS_SET, &pairs, 2), VNET_OK);
    pairs = 0;
    cr_assert_eq(cmd(e, VNET_CTRL_MQ, VNET_CTRL_MQ_VQ_PAIRS_SET, &pairs, 2), VNET_ERR, "0 pairs");
    pairs = VDPU_MAX_QP + 1;
    cr_assert_eq(cmd(e, VNET_CTRL_MQ, VNET_CTRL_MQ_VQ_PAIRS_SET, &pairs, 2), VNET_ERR, "above max_virtqueue_pairs");
    /* MAC_TABLE_SET: one unicast, one multicast */
    uint8_t tbl[4 + 6 + 4 + 6] = {1, 0, 0, 0, 0x02, 0, 0, 0, 0, 0x09, 1, 0, 0, 0, 0x33, 0x33, 0, 0, 0, 1};
    cr_assert_eq(cmd(e, VNET_CTRL_MAC, VNET_CTRL_MAC_TABLE_SET, tbl, sizeof tbl), VNET_OK);
    cr_assert_eq(peek_csr(T, VDPU_CSR_RXF_MAC_LO0), 0x00000002u);
    cr_assert_eq(peek_csr(T, VDPU_CSR_RXF_MAC_HI0), 0x80000900u);
    cr_assert_eq(peek_csr(T, VDPU_CSR_RXF_MAC_HI1), 0x80000100u);
    cr_assert_eq(peek_csr(T, VDPU_CSR_RXF_MAC_HI2), 0, "unused entries invalid");
    cr_assert_eq(cmd(e, VNET_CTRL_MAC, VNET_CTRL_MAC_TABLE_SET, tbl, sizeof tbl - 1), VNET_ERR, "layout/length mismatch");
    cr_assert_eq(e->c.irqs, e->c.cmds, "every used entry interrupts the driver (EVENT_IDX armed)");
    cr_assert_eq(peek_csr(T, VDPU_CSR_FW_ERR), 0, "no firmware-side error");
    free(e);
}

ENGINE_TEST_REALFW(ctrlq, split_commands, .timeout = 600) { commands(T, DRV_RING_SPLIT); }
ENGINE_TEST_REALFW(ctrlq, packed_commands, .timeout = 600) { commands(T, DRV_RING_PACKED); }

/* One MAC_ADDR_SET, counted under purpose fw (no EVENT_IDX). Split: avail, ring entry, 3 descriptors,
 * header, data, ack, used element, used idx, and the avail re-read that finds the ring empty.
 * Packed: 3 descriptors, header, data, ack, used descriptor, driver event, the slot that is empty. */
static void fw_dma_counts(struct tctx *T, enum drv_ring ring)
{
    struct ctrl_env *e = ctrl_up(T, ring, false);
    struct link_stats before = T->b->link.st;
    cr_assert_eq(cmd(e, VNET_CTRL_MAC, VNET_CTRL_MAC_ADDR_SET, new_mac, 6), VNET_OK);
    vdpu_bus_run_cycles(T->b, 3000);
    struct link_stats st;
    link_stats_since(&T->b->link.st, &before, &st);
    const struct dma_count *fw = &st.total[VDPU_PURP_FW];
    if (ring == DRV_RING_SPLIT) {
        cr_assert_eq(fw->requests, 11);
        cr_assert_eq(fw->bytes, 4 + 2 + 3 * 16 + 2 + 6 + 1 + 8 + 2 + 4);
    } else {
        cr_assert_eq(fw->requests, 9);
        cr_assert_eq(fw->bytes, 3 * 16 + 2 + 6 + 1 + 8 + 4 + 16);
    }
    for (unsigned p = 0; p < VDPU_PURP_COUNT; p++)
        if (p != VDPU_PURP_FW && p != VDPU_PURP_MSIX) cr_assert_eq(st.total[p].requests, 0, "purpose %u", p);
    cr_assert_eq(st.total[VDPU_PURP_MSIX].requests, 1, "one interrupt for the command");
    free(e);
}

ENGINE_TEST_REALFW(ctrlq, split_fw_dma_counts, .timeout = 600) { fw_dma_counts(T, DRV_RING_SPLIT); }
ENGINE_TEST_REALFW(ctrlq, packed_fw_dma_counts, .timeout = 600) { fw_dma_counts(T, DRV_RING_PACKED); }

/* ---- RX filter: frames from the wire; passed ones find no receive buffer (ENG_STATUS drop count),
 * filtered ones are counted in RXF_DROPPED ---- */

struct rx_counts { uint32_t passed, filtered; };

static struct rx_counts rx_counts(struct tctx *t)
{
    return (struct rx_counts){peek_csr(t, VDPU_CSR_ENG_STATUS) >> 16, peek_csr(t, VDPU_CSR_RXF_DROPPED)};
}

/* Send one 64-byte frame to dst; expect it to pass (true) or be filtered. */
static void frame_to(struct tctx *t, const uint8_t dst[6], bool pass, const char *what)
{
    uint8_t f[64] = {0};
    memcpy(f, dst, 6);
    f[6] = 0x02;
    f[11] = 0x77;
    f[12] = 0x88;
    f[13] = 0xb5;
    struct rx_counts a = rx_counts(t);
    cr_assert(netport_inject(&t->b->net, f, sizeof f));
    vdpu_bus_run_cycles(t->b, 3000);
    struct rx_counts b = rx_counts(t);
    cr_assert_eq(b.passed - a.passed, pass ? 1u : 0u, "%s: passed", what);
    cr_assert_eq(b.filtered - a.filtered, pass ? 0u : 1u, "%s: filtered", what);
}

ENGINE_TEST_REALFW(ctrlq, rx_filter, .timeout = 600)
{
    struct ctrl_env *e = ctrl_up(T, DRV_RING_SPLIT, true);
    const uint8_t *own = e->d.mac, other[6] = {0x02, 0x11, 0x22, 0x33, 0x44, 0x55},
                  bcast[6] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}, mcast[6] = {0x33, 0x33, 0, 0, 0, 0x16};
    uint8_t on = 1, off = 0;
    /* reset state: own MAC, broadcast and all multicast pass, other unicast does not */
    cr_assert_eq(peek_csr(T, VDPU_CSR_RXF_CTRL), VDPU_CSR_RXF_CTRL_RESET);
    frame_to(T, own, true, "own MAC");
    frame_to(T, other, false, "other unicast");
    frame_to(T, bcast, true, "broadcast");
    frame_to(T, mcast, true, "multicast, allmulti on (reset)");
    cr_assert_eq(cmd(e, VNET_CTRL_RX, VNET_CTRL_RX_ALLMULTI, &off, 1), VNET_OK);
    frame_to(T, mcast, false, "multicast, allmulti off");
    frame_to(T, bcast, true, "broadcast, allmulti off");
    uint8_t tbl[4 + 4 + 6] = {0, 0, 0, 0, 1, 0, 0, 0, 0x33, 0x33, 0, 0, 0, 0x16};
    cr_assert_eq(cmd(e, VNET_CTRL_MAC, VNET_CTRL_MAC_TABLE_SET, tbl, sizeof tbl), VNET_OK);
    frame_to(T, mcast, true, "multicast in the table");
    cr_assert_eq(cmd(e, VNET_CTRL_RX, VNET_CTRL_RX_ALLMULTI, &on, 1), VNET_OK);
    cr_assert_eq(cmd(e, VNET_CTRL_RX, VNET_CTRL_RX_PROMISC, &on, 1), VNET_OK);
    frame_to(T, other, true, "other unicast, promiscuous");
    cr_assert_eq(cmd(e, VNET_CTRL_RX, VNET_CTRL_RX_PROMISC, &off, 1), VNET_OK);
    frame_to(T, other, false, "other unicast, promiscuous off again");
    cr_assert_eq(cmd(e, VNET_CTRL_MAC, VNET_CTRL_MAC_ADDR_SET, other, 6), VNET_OK);
    frame_to(T, other, true, "the MAC set by MAC_ADDR_SET");
    frame_to(T, own, false, "the previous MAC");
    /* a device reset restores the configured MAC and the reset filter */
    cr_assert_eq(virtio_drv_reset(&e->d), DRV_OK);
    cr_assert_eq(peek_csr(T, VDPU_CSR_RXF_CTRL), VDPU_CSR_RXF_CTRL_RESET);
    cr_assert_eq(peek_csr(T, VDPU_CSR_RXF_MAC_HI0), 0, "empty MAC table after reset");
    cr_assert_eq(peek_csr(T, VDPU_CSR_NET_MAC_LO), VDPU_CSR_NET_MAC_LO_RESET);
    free(e);
}

/* ---- malformed chains: DEVICE_NEEDS_RESET, FW_ERR names CTRLQ, the firmware keeps running ---- */

static void malformed(struct tctx *T, enum drv_ring ring, enum ctrl_fault f)
{
    struct ctrl_env *e = ctrl_up(T, ring, true);
    uint8_t on = 1, ack = 0;
    e->c.fault = f;
    cr_assert_neq(virtio_ctrl_cmd(&e->c, VNET_CTRL_RX, VNET_CTRL_RX_PROMISC, &on, 1, &ack, 20000), 0,
                  "a malformed chain is never used");
    cr_assert(drv_status(&e->d) & VIRTIO_CONFIG_S_NEEDS_RESET, "DEVICE_NEEDS_RESET");
    cr_assert_eq(peek_csr(T, VDPU_CSR_FW_ERR) & 0xFF, VDPU_FWERR_CTRLQ);
    cr_assert_eq(peek_csr(T, VDPU_CSR_RXF_CTRL) & 1, 0, "the command was not executed");
    /* recovery: reset and init again, then a good command works */
    free(e);
    e = ctrl_up(T, ring, true);
    cr_assert_eq(cmd(e, VNET_CTRL_RX, VNET_CTRL_RX_PROMISC, &on, 1), VNET_OK);
    free(e);
}

ENGINE_TEST_REALFW(ctrlq, split_bad_next_needs_reset, .timeout = 600) { malformed(T, DRV_RING_SPLIT, CTRL_FAULT_BAD_NEXT); }
ENGINE_TEST_REALFW(ctrlq, packed_chain_needs_reset, .timeout = 600) { malformed(T, DRV_RING_PACKED, CTRL_FAULT_BAD_NEXT); }
ENGINE_TEST_REALFW(ctrlq, split_zero_len_needs_reset, .timeout = 600) { malformed(T, DRV_RING_SPLIT, CTRL_FAULT_ZERO_LEN); }
ENGINE_TEST_REALFW(ctrlq, packed_no_ack_needs_reset, .timeout = 600) { malformed(T, DRV_RING_PACKED, CTRL_FAULT_NO_ACK); }

/* ---- the channel itself, driven by the test in the firmware's place ---- */

static uint32_t dma_wait(struct tctx *T)
{
    uint32_t st;
    for (unsigned i = 0; i < 2000 && ((st = csr_rd(T, VDPU_CSR_FWDMA_STATUS)) & 1); i++) run_cycles(T, 1);
    return st;
}

static void dma_start(struct tctx *T, uint64_t addr, uint32_t len, bool write)
{
    csr_wr(T, VDPU_CSR_FWDMA_ADDR_LO, (uint32_t)addr);
    csr_wr(T, VDPU_CSR_FWDMA_ADDR_HI, (uint32_t)(addr >> 32));
    csr_wr(T, VDPU_CSR_FWDMA_LEN, len);
    csr_wr(T, VDPU_CSR_FWDMA_CTRL, 1u | (write ? 2u : 0u));
}

ENGINE_TEST(ctrlq, fw_dma_channel)
{
    uint8_t pat[64];
    for (unsigned i = 0; i < sizeof pat; i++) pat[i] = (uint8_t)(0x40 + 3 * i);
    cr_assert(host_mem_write(&T->s.mem, 0x2000, pat, sizeof pat));
    csr_wr(T, VDPU_CSR_HOSTMEM_SIZE_LO, 1u << 20);
    /* a 64-byte read: two completion beats into FWDMA_DATA */
    dma_start(T, 0x2000, 64, false);
    cr_assert_eq(dma_wait(T), 0, "done, no error");
    for (unsigned w = 0; w < 16; w++) {
        uint32_t exp = (uint32_t)pat[4 * w] | (uint32_t)pat[4 * w + 1] << 8 | (uint32_t)pat[4 * w + 2] << 16 |
                       (uint32_t)pat[4 * w + 3] << 24;
        cr_assert_eq(csr_rd(T, VDPU_CSR_FWDMA_DATA0 + 4 * w), exp, "word %u", w);
    }
    /* a 40-byte write back elsewhere: two beats, bytes past the length untouched */
    static const uint8_t ones[64] = {[0 ... 63] = 0xEE};
    cr_assert(host_mem_write(&T->s.mem, 0x3000, ones, sizeof ones));
    cr_assert(link_grant(&T->b->link, 0x3000, 40));
    dma_start(T, 0x3000, 40, true);
    cr_assert_eq(dma_wait(T), 0);
    run_cycles(T, 50);
    uint8_t got[64];
    cr_assert(host_mem_read(&T->s.mem, 0x3000, got, sizeof got));
    cr_assert_eq(memcmp(got, pat, 40), 0);
    cr_assert_eq(got[40], 0xEE);
    /* outside the host memory window, bad lengths: error at once, nothing on the DMA port */
    uint64_t reqs = T->b->link.st.total[VDPU_PURP_FW].requests;
    dma_start(T, (1u << 20) - 8, 16, false);
    cr_assert_eq(csr_rd(T, VDPU_CSR_FWDMA_STATUS), 2u | (uint32_t)VDPU_FWDMA_ERR_WINDOW << 8);
    dma_start(T, 0x2000, 0, false);
    cr_assert_eq(csr_rd(T, VDPU_CSR_FWDMA_STATUS), 2u | (uint32_t)VDPU_FWDMA_ERR_LEN << 8);
    dma_start(T, 0x2000, VDPU_FWDMA_BYTES + 1, true);
    cr_assert_eq(csr_rd(T, VDPU_CSR_FWDMA_STATUS), 2u | (uint32_t)VDPU_FWDMA_ERR_LEN << 8);
    cr_assert_eq(T->b->link.st.total[VDPU_PURP_FW].requests, reqs, "nothing sent");
    /* a start while busy is ignored and named in FW_ERR */
    dma_start(T, 0x2000, 8, false);
    csr_wr(T, VDPU_CSR_FWDMA_CTRL, 1);
    cr_assert_eq(csr_rd(T, VDPU_CSR_FW_ERR) & 0xFF, VDPU_FWERR_FWDMA_BUSY);
    cr_assert_eq(dma_wait(T), 0);
    cr_assert_eq(T->b->link.st.total[VDPU_PURP_FW].requests, reqs + 1, "one read");
}

/* test_fw_events.c - policy writes become firmware events; dependent reads are held until firmware commits. */
#include "harness.h"

#define CC(f) (VDPU_BAR_COMMON_OFF + VDPU_COMMON_##f)

static void expect_event(struct tctx *t, unsigned kind, unsigned queue, uint32_t data)
{
    cr_assert_neq(csr_rd(t, VDPU_CSR_EV_COUNT) & 0xff, 0, "event FIFO empty, expected %s", vdpu_ev_names[kind]);
    uint32_t info = csr_rd(t, VDPU_CSR_EV_HEAD_INFO);
    cr_assert_eq(info & 0xff, kind, "event kind %u, expected %s", info & 0xff, vdpu_ev_names[kind]);
    cr_assert_eq(info >> 8, queue, "event queue/select");
    cr_assert_eq(csr_rd(t, VDPU_CSR_EV_HEAD_DATA), data, "event data");
    csr_wr(t, VDPU_CSR_EV_CTRL, 1);
}

ENGINE_TEST(events, every_policy_write_is_an_event)
{
    t_enumerate(T);
    bar_wr(T, CC(STATUS), 1, 0x01);
    bar_wr(T, CC(MSIX), 2, 3);
    bar_wr(T, CC(GFSELECT), 4, 1);
    bar_wr(T, CC(GF), 4, 0x5);
    bar_wr(T, CC(Q_SELECT), 2, 3);
    bar_wr(T, CC(Q_SIZE), 2, 64);
    bar_wr(T, CC(Q_MSIX), 2, 4);
    bar_wr(T, CC(Q_ENABLE), 2, 1);
    bar_wr(T, CC(Q_RESET), 2, 1);
    cr_assert_eq(csr_rd(T, VDPU_CSR_EV_COUNT), 7);
    expect_event(T, VDPU_EV_STATUS, 0, 1);
    expect_event(T, VDPU_EV_MSIX_CONFIG, 0, 3);
    expect_event(T, VDPU_EV_DRV_FEATURE, 1, 5);
    expect_event(T, VDPU_EV_Q_SIZE, 3, 64);
    expect_event(T, VDPU_EV_Q_MSIX, 3, 4);
    expect_event(T, VDPU_EV_Q_ENABLE, 3, 1);
    expect_event(T, VDPU_EV_Q_RESET, 3, 1);
    cr_assert_eq(csr_rd(T, VDPU_CSR_EV_COUNT), 0);
    /* nothing was committed: visible values unchanged */
    cr_assert_eq(bar_rd(T, CC(STATUS), 1), 0);
    cr_assert_eq(bar_rd(T, CC(Q_SIZE), 2), VDPU_QSIZE_MAX);
    cr_assert_eq(bar_rd(T, CC(Q_ENABLE), 2), 0);
    expect_no_diag(T);
}

ENGINE_TEST(events, held_read_until_firmware_commits)
{
    t_enumerate(T);
    csr_wr(T, VDPU_CSR_IRQ_ENABLE, 3);
    bar_wr(T, CC(STATUS), 1, 0x03);
    run_cycles(T, 2);
    cr_assert_eq(T->b->out.fw_irq & 1, 1, "event IRQ to the firmware CPU");
    int tag = host_link_submit(T->b, VDPU_HL_MEM_RD, 1, T->bar + CC(STATUS), 0);
    run_cycles(T, 200);
    cr_assert(!T->b->tags[tag].done, "status read must be held while the event is pending");
    cr_assert_eq(T->b->out.fw_irq, 3, "held-read IRQ raised too");
    cr_assert_eq(csr_rd(T, VDPU_CSR_HOLD_STATUS) & 1, 1);
    csr_wr(T, VDPU_CSR_DEVICE_STATUS, 0x03);
    cr_assert(!T->b->tags[tag].done, "commit alone does not release: the event is still in the FIFO");
    csr_wr(T, VDPU_CSR_EV_CTRL, 1);
    run_cycles(T, 4);
    cr_assert(T->b->tags[tag].done, "released after the pop");
    uint64_t v;
    cr_assert_eq(host_link_wait(T->b, tag, &v), VDPU_CPL_SC);
    cr_assert_eq(v, 0x03, "the read returns the committed value");
    cr_assert_eq(T->b->out.fw_irq, 0);
    /* reads of plain storage are never held */
    bar_wr(T, CC(Q_SIZE), 2, 16);
    cr_assert_eq(bar_rd(T, CC(Q_DESCLO), 4), 0);
    cr_assert_eq(bar_rd(T, CC(NUMQ), 2), VDPU_NUM_QUEUES);
    expect_no_diag(T);
}

ENGINE_TEST(events, held_read_timeout)
{
    t_enumerate(T);
    csr_wr(T, VDPU_CSR_HOLD_TIMEOUT, 40);
    csr_wr(T, VDPU_CSR_DEVICE_STATUS, 0x01);
    bar_wr(T, CC(Q_SELECT), 2, 1);
    bar_wr(T, CC(Q_ENABLE), 2, 1);
    cr_assert_eq(bar_rd(T, CC(STATUS), 1), 0x01, "timeout completes with the uncommitted value");
    /* accepted at cycle a, hold_cnt counts 1..40 on edges a+1..a+40, the edge a+41 completes,
     * so the completion is seen in cycle a+42 (docs/device-behavior.md) */
    uint64_t acc = last_txn_cycle(T, VDPU_CH_HREQ), cpl = last_txn_cycle(T, VDPU_CH_HCPL);
    cr_assert_eq(cpl - acc, 40 + 2, "held for exactly the timeout (%llu cycles)", (unsigned long long)(cpl - acc));
    expect_diag(T, VDPU_DIAG_HELD_TIMEOUT, CC(STATUS));
    cr_assert_eq(csr_rd(T, VDPU_CSR_HOLD_STATUS), 1u << 16, "one timeout counted, nothing held now");
    cr_assert_eq(csr_rd(T, VDPU_CSR_DIAG_LAST), ((uint32_t)CC(STATUS) << 16) | VDPU_DIAG_HELD_TIMEOUT);
}

/* Sixteen policy writes fill the event FIFO; none is held or dropped. */
static void fill_fifo(struct tctx *t)
{
    for (unsigned i = 0; i < VDPU_EVQ_DEPTH; i++) bar_wr(t, CC(MSIX), 2, i % VDPU_NUM_VECTORS);
    expect_no_diag(t);
    cr_assert_eq(csr_rd(t, VDPU_CSR_EV_COUNT), VDPU_EVQ_DEPTH, "full, no overflow");
}

/* A pushing write into a full FIFO is held (backpressure), never dropped; one pop lets it in. */
ENGINE_TEST(events, fifo_overflow)
{
    t_enumerate(T);
    csr_wr(T, VDPU_CSR_IRQ_ENABLE, 3);
    fill_fifo(T);
    /* the 17th write is device_status = 0: a reset the driver must not lose */
    cr_assert_eq(host_link_submit(T->b, VDPU_HL_MEM_WR, 1, T->bar + CC(STATUS), 0), 0);
    /* (behind it a write outside common cfg: common cfg writes wait for the reset, RESET_PENDING) */
    cr_assert_eq(host_link_submit(T->b, VDPU_HL_MEM_WR, 4, T->bar + VDPU_BAR_MSIX_TBL_OFF + 8, 0x1234), 0);
    run_cycles(T, 200);
    cr_assert_eq(T->b->hq_n, 1, "the request behind the held write is not accepted");
    cr_assert_eq(T->b->out.fw_irq, 3, "held IRQ raised");
    cr_assert_eq(csr_rd(T, VDPU_CSR_HOLD_STATUS), 1, "held, no timeout");
    cr_assert_eq(csr_rd(T, VDPU_CSR_EV_COUNT), VDPU_EVQ_DEPTH, "neither applied nor dropped");
    expect_no_diag(T);
    cr_assert_eq(T->b->hq_n, 1);

    csr_wr(T, VDPU_CSR_EV_CTRL, 1);
    uint64_t pop = last_txn_cycle(T, VDPU_CH_FWREQ);
    run_cycles(T, 2);
    cr_assert_eq(T->b->hq_n, 0);
    /* pop at edge E (cycle pop), held write applied at E+1, the next request accepted in cycle pop+2 */
    cr_assert_eq(last_txn_cycle(T, VDPU_CH_HREQ), pop + 2, "held write applied one edge after the pop");
    cr_assert_eq(csr_rd(T, VDPU_CSR_EV_COUNT), VDPU_EVQ_DEPTH, "one popped, the held one pushed");
    cr_assert_eq(csr_rd(T, VDPU_CSR_HOLD_STATUS), 0);
    expect_no_diag(T);
    for (unsigned i = 1; i < VDPU_EVQ_DEPTH; i++) expect_event(T, VDPU_EV_MSIX_CONFIG, 0, i % VDPU_NUM_VECTORS);
    expect_event(T, VDPU_EV_STATUS, 0, 0);
    cr_assert_eq(csr_rd(T, VDPU_CSR_EV_COUNT), 0);
    cr_assert_eq(bar_rd(T, VDPU_BAR_MSIX_TBL_OFF + 8, 4), 0x1234);
    cr_assert_eq(csr_rd(T, VDPU_CSR_DIAG_COUNT), 0);
}

/* With no room before HOLD_TIMEOUT, the held write is applied with its event dropped. */
ENGINE_TEST(events, held_write_timeout_drops_event)
{
    t_enumerate(T);
    csr_wr(T, VDPU_CSR_HOLD_TIMEOUT, 10);
    bar_wr(T, CC(GFSELECT), 4, 1);
    fill_fifo(T);
    cr_assert_eq(host_link_submit(T->b, VDPU_HL_MEM_WR, 4, T->bar + CC(GF), 0xABC), 0);
    cr_assert_eq(host_link_submit(T->b, VDPU_HL_MEM_WR, 2, T->bar + CC(Q_SELECT), 2), 0);
    run_cycles(T, 5);
    cr_assert_eq(T->b->hq_n, 1, "held");
    uint64_t held = last_txn_cycle(T, VDPU_CH_HREQ);
    run_cycles(T, 20);
    cr_assert_eq(T->b->hq_n, 0, "released by the timeout");
    /* accepted at edge A, hold_cnt reaches 10 before edge A+11, the next request goes in the cycle after */
    cr_assert_eq(last_txn_cycle(T, VDPU_CH_HREQ), held + 10 + 2, "held for HOLD_TIMEOUT");
    expect_diag(T, VDPU_DIAG_EVQ_OVERFLOW, CC(GF));
    cr_assert_eq(csr_rd(T, VDPU_CSR_EV_COUNT), 0x100 | VDPU_EVQ_DEPTH, "full and overflowed");
    cr_assert_eq(csr_rd(T, VDPU_CSR_HOLD_STATUS), 1u << 16, "one timeout counted, nothing held now");
    cr_assert_eq(csr_rd(T, VDPU_CSR_DIAG_LAST), ((uint32_t)CC(GF) << 16) | VDPU_DIAG_EVQ_OVERFLOW);
    cr_assert_eq(bar_rd(T, CC(GF), 4), 0xABC, "driver_feature is stored even though its event was dropped");
    csr_wr(T, VDPU_CSR_EV_CTRL, 3);
    cr_assert_eq(csr_rd(T, VDPU_CSR_EV_COUNT), VDPU_EVQ_DEPTH - 1, "pop + overflow clear");
    expect_event(T, VDPU_EV_MSIX_CONFIG, 0, 1);
    cr_assert_eq(csr_rd(T, VDPU_CSR_DIAG_COUNT), 1);
}

/* A CFG_WR through the PCI cfg window is held the same way and completes only when applied. */
ENGINE_TEST(events, held_window_write_completes_after_pop)
{
    t_enumerate(T);
    cfg_wr(T, 0x94, 1, 0);           /* pci_cfg bar */
    cfg_wr(T, 0x98, 4, CC(STATUS)); /* offset */
    cfg_wr(T, 0x9C, 4, 1);           /* length */
    fill_fifo(T);
    int tag = host_link_submit(T->b, VDPU_HL_CFG_WR, 1, 0xA0, 0);
    cr_assert_geq(tag, 0);
    run_cycles(T, 100);
    cr_assert(!T->b->tags[tag].done, "no completion while the write is held");
    cr_assert_eq(csr_rd(T, VDPU_CSR_HOLD_STATUS), 1);
    cr_assert(!T->b->tags[tag].done);
    csr_wr(T, VDPU_CSR_EV_CTRL, 1);
    uint64_t pop = last_txn_cycle(T, VDPU_CH_FWREQ);
    run_cycles(T, 4);
    cr_assert(T->b->tags[tag].done, "completed after the pop");
    /* applied at edge E+1, completion visible (and taken) in cycle pop+2 */
    cr_assert_eq(last_txn_cycle(T, VDPU_CH_HCPL), pop + 2);
    cr_assert_eq(host_link_wait(T->b, tag, NULL), VDPU_CPL_SC);
    cr_assert_eq(csr_rd(T, VDPU_CSR_EV_COUNT), VDPU_EVQ_DEPTH);
    expect_no_diag(T);
    for (unsigned i = 1; i < VDPU_EVQ_DEPTH; i++) expect_event(T, VDPU_EV_MSIX_CONFIG, 0, i % VDPU_NUM_VECTORS);
    expect_event(T, VDPU_EV_STATUS, 0, 0);
    csr_wr(T, VDPU_CSR_DEV_RESET, VDPU_DEV_RESET_VIRTIO); /* the reset served: common cfg writes taken again */
    /* writes that push no event are never held, full FIFO or not */
    fill_fifo(T);
    bar_wr(T, CC(Q_SELECT), 2, 3);
    bar_wr(T, VDPU_BAR_MSIX_TBL_OFF + 8, 4, 0x1234);
    cfg_wr(T, 0x98, 4, CC(Q_SELECT));
    cfg_wr(T, 0x9C, 4, 2);
    cfg_wr(T, 0xA0, 2, 2);
    cr_assert_eq(bar_rd(T, CC(Q_SELECT), 2), 2);
    cr_assert_eq(bar_rd(T, VDPU_BAR_MSIX_TBL_OFF + 8, 4), 0x1234);
    cr_assert_eq(csr_rd(T, VDPU_CSR_HOLD_STATUS), 0);
    expect_no_diag(T);
}

ENGINE_TEST(events, dev_reset_clears_virtio_state)
{
    t_enumerate(T);
    csr_wr(T, VDPU_CSR_DEVICE_STATUS, 0x0F);
    csr_wr(T, VDPU_CSR_MSIX_CONFIG, 2);
    csr_wr(T, VDPU_CSR_FW_QSEL, 2);
    csr_wr(T, VDPU_CSR_Q_SIZE, 64);
    csr_wr(T, VDPU_CSR_Q_DESC_LO, 0x9000); /* before the enable: an enabled queue's rings are fixed */
    csr_wr(T, VDPU_CSR_Q_ENABLE, 1);
    csr_wr(T, VDPU_CSR_CONFIG_GEN, 5);
    bar_wr(T, CC(Q_SELECT), 2, 2);
    cr_assert_eq(bar_rd(T, CC(Q_SIZE), 2), 64);
    cr_assert_eq(bar_rd(T, CC(Q_DESCLO), 4), 0x9000);
    cr_assert_eq(bar_rd(T, CC(STATUS), 1), 0x0F);
    csr_wr(T, VDPU_CSR_DEV_RESET, 1);
    cr_assert_eq(bar_rd(T, CC(STATUS), 1), 0);
    cr_assert_eq(bar_rd(T, CC(MSIX), 2), 0xFFFF);
    cr_assert_eq(bar_rd(T, CC(Q_SELECT), 2), 0);
    bar_wr(T, CC(Q_SELECT), 2, 2);
    cr_assert_eq(bar_rd(T, CC(Q_SIZE), 2), VDPU_QSIZE_MAX);
    cr_assert_eq(bar_rd(T, CC(Q_ENABLE), 2), 0);
    cr_assert_eq(bar_rd(T, CC(Q_DESCLO), 4), 0);
    cr_assert_eq(bar_rd(T, CC(CFGGENERATION), 1), 5, "config_generation survives a reset");
}

ENGINE_TEST(events, firmware_csr_errors)
{
    cr_assert_eq(csr_rd(T, VDPU_CSR_ID), VDPU_CSR_ID_VALUE);
    cr_assert_eq(csr_rd(T, VDPU_CSR_PARAMS), VDPU_CSR_PARAMS_RESET);
    cr_assert_eq(csr_rd(T, 0xF00), 0);
    cr_assert_eq(csr_rd(T, VDPU_CSR_FW_ERR), (1u << 16) | VDPU_FWERR_BAD_CSR);
    csr_wr(T, VDPU_CSR_ID, 0);
    cr_assert_eq(csr_rd(T, VDPU_CSR_FW_ERR), (2u << 16) | VDPU_FWERR_BAD_CSR);
    cr_assert_eq(csr_rd(T, VDPU_CSR_ID), VDPU_CSR_ID_VALUE);
    csr_wr(T, VDPU_CSR_FW_QSEL, VDPU_NUM_QUEUES);
    csr_wr(T, VDPU_CSR_Q_SIZE, 4);
    cr_assert_eq(csr_rd(T, VDPU_CSR_FW_ERR) & 0xff, VDPU_FWERR_BAD_QSEL);
    csr_wr(T, VDPU_CSR_SCRATCH, 0xCAFEF00D);
    cr_assert_eq(csr_rd(T, VDPU_CSR_SCRATCH), 0xCAFEF00D);
}

/* Every per-queue CSR read with FW_QSEL naming no queue returns 0 and counts FWERR_BAD_QSEL, whatever the
 * last real queue holds; the queue's own registers are untouched (the decoder must not fall through to a
 * neighbouring queue's context, and the read data must not leak the decoder's value). */
ENGINE_TEST(events, per_queue_csr_reads_with_qsel_out_of_range)
{
    static const uint16_t per_q[] = {VDPU_CSR_Q_SIZE,     VDPU_CSR_Q_MSIX,     VDPU_CSR_Q_ENABLE,   VDPU_CSR_Q_RESET,
                                     VDPU_CSR_Q_DESC_LO,  VDPU_CSR_Q_DESC_HI,  VDPU_CSR_Q_AVAIL_LO, VDPU_CSR_Q_AVAIL_HI,
                                     VDPU_CSR_Q_USED_LO,  VDPU_CSR_Q_USED_HI,  VDPU_CSR_Q_AVAIL_POS, VDPU_CSR_Q_KICK,
                                     VDPU_CSR_Q_USED_POS};
    const unsigned n = sizeof per_q / sizeof per_q[0];
    uint32_t was[sizeof per_q / sizeof per_q[0]];
    csr_wr(T, VDPU_CSR_FW_QSEL, VDPU_NUM_QUEUES - 1);
    csr_wr(T, VDPU_CSR_Q_SIZE, 64);
    csr_wr(T, VDPU_CSR_Q_MSIX, 3);
    csr_wr(T, VDPU_CSR_Q_DESC_LO, 0x9000);
    csr_wr(T, VDPU_CSR_Q_DESC_HI, 0x1);
    csr_wr(T, VDPU_CSR_Q_AVAIL_LO, 0xA000);
    csr_wr(T, VDPU_CSR_Q_AVAIL_HI, 0x2);
    csr_wr(T, VDPU_CSR_Q_USED_LO, 0xB000);
    csr_wr(T, VDPU_CSR_Q_USED_HI, 0x3);
    csr_wr(T, VDPU_CSR_Q_AVAIL_POS, 0x10007);
    csr_wr(T, VDPU_CSR_Q_USED_POS, 0x5);
    for (unsigned i = 0; i < n; i++) was[i] = csr_rd(T, per_q[i]);
    cr_assert_eq(was[0], 64);
    cr_assert_eq(was[10], 0x10007);
    uint32_t errs = csr_rd(T, VDPU_CSR_FW_ERR) >> 16;
    static const uint32_t bad_sel[] = {VDPU_NUM_QUEUES, VDPU_NUM_QUEUES + 1, 0xFFFF};
    for (unsigned s = 0; s < sizeof bad_sel / sizeof bad_sel[0]; s++) {
        csr_wr(T, VDPU_CSR_FW_QSEL, bad_sel[s]);
        for (unsigned i = 0; i < n; i++) {
            cr_assert_eq(csr_rd(T, per_q[i]), 0, "CSR 0x%03x with FW_QSEL %u", per_q[i], bad_sel[s]);
            cr_assert_eq(csr_rd(T, VDPU_CSR_FW_ERR), (++errs << 16) | VDPU_FWERR_BAD_QSEL, "CSR 0x%03x", per_q[i]);
        }
    }
    csr_wr(T, VDPU_CSR_FW_QSEL, VDPU_NUM_QUEUES - 1);
    for (unsigned i = 0; i < n; i++) cr_assert_eq(csr_rd(T, per_q[i]), was[i], "CSR 0x%03x kept", per_q[i]);
    cr_assert_eq(csr_rd(T, VDPU_CSR_FW_ERR) >> 16, errs, "reads of a real queue count no error");
}

/* An enabled queue's geometry (size, ring addresses) and position are the engine's: firmware writes to
 * them are refused with FWERR_Q_LIVE and change nothing (the engine sizes and addresses a ring read when
 * it issues it; a size committed in service split model and RTL, fuzz/regress/dev_cosim). Disabled
 * again, the same writes are taken. */
ENGINE_TEST(events, enabled_queue_geometry_refused)
{
    static const uint16_t fixed[] = {VDPU_CSR_Q_SIZE,    VDPU_CSR_Q_DESC_LO, VDPU_CSR_Q_DESC_HI,
                                     VDPU_CSR_Q_AVAIL_LO, VDPU_CSR_Q_AVAIL_HI, VDPU_CSR_Q_USED_LO,
                                     VDPU_CSR_Q_USED_HI, VDPU_CSR_Q_AVAIL_POS, VDPU_CSR_Q_USED_POS};
    uint32_t was[sizeof fixed / sizeof fixed[0]];
    csr_wr(T, VDPU_CSR_FW_QSEL, 1);
    csr_wr(T, VDPU_CSR_Q_SIZE, 64);
    csr_wr(T, VDPU_CSR_Q_DESC_LO, 0x9000);
    csr_wr(T, VDPU_CSR_Q_AVAIL_LO, 0xA000);
    csr_wr(T, VDPU_CSR_Q_USED_LO, 0xB000);
    csr_wr(T, VDPU_CSR_Q_ENABLE, 1);
    uint32_t errs = csr_rd(T, VDPU_CSR_FW_ERR) >> 16;
    for (unsigned i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        was[i] = csr_rd(T, fixed[i]);
        csr_wr(T, fixed[i], was[i] ^ 0x8u);
        cr_assert_eq(csr_rd(T, VDPU_CSR_FW_ERR), (++errs << 16) | VDPU_FWERR_Q_LIVE, "CSR 0x%03x", fixed[i]);
        cr_assert_eq(csr_rd(T, fixed[i]), was[i], "CSR 0x%03x unchanged", fixed[i]);
    }
    csr_wr(T, VDPU_CSR_Q_MSIX, 3); /* not geometry: taken while enabled */
    cr_assert_eq(csr_rd(T, VDPU_CSR_Q_MSIX), 3);
    cr_assert_eq(csr_rd(T, VDPU_CSR_FW_ERR) >> 16, errs);
    csr_wr(T, VDPU_CSR_Q_ENABLE, 0);
    csr_wr(T, VDPU_CSR_Q_SIZE, 16);
    csr_wr(T, VDPU_CSR_Q_DESC_LO, 0x9100);
    cr_assert_eq(csr_rd(T, VDPU_CSR_Q_SIZE), 16, "disabled: taken");
    cr_assert_eq(csr_rd(T, VDPU_CSR_Q_DESC_LO), 0x9100);
    cr_assert_eq(csr_rd(T, VDPU_CSR_FW_ERR) >> 16, errs);
}

/* with the built-in pass-through firmware: the Linux reset handshake completes */
ENGINE_TEST_FW(events, reset_handshake_with_firmware)
{
    t_enumerate(T);
    csr_wr(T, VDPU_CSR_DEVICE_STATUS, 0x0F);
    bar_wr(T, CC(STATUS), 1, 0);
    cr_assert_eq(bar_rd(T, CC(STATUS), 1), 0, "reads 0 only after firmware finished the reset");
    bar_wr(T, CC(STATUS), 1, 1);
    cr_assert_eq(bar_rd(T, CC(STATUS), 1), 1);
    bar_wr(T, CC(MSIX), 2, VDPU_NUM_VECTORS); /* out of range: firmware answers NO_VECTOR */
    cr_assert_eq(bar_rd(T, CC(MSIX), 2), 0xFFFF);
    cr_assert_eq(T->s.fw.events_handled, 3);
    expect_no_diag(T);
}

ENGINE_TEST(events, link_change_and_internal_error_interrupt_firmware)
{
    csr_wr(T, VDPU_CSR_IRQ_ENABLE, 0xF);
    cr_assert_eq(csr_rd(T, VDPU_CSR_LINK_STATE), 1, "link up after reset, no change pending");
    T->b->link_up = false;
    run_cycles(T, 3);
    cr_assert_eq(T->b->out.fw_irq, 4, "link change interrupts the firmware");
    cr_assert_eq(csr_rd(T, VDPU_CSR_LINK_STATE), 2, "link down, changed");
    csr_wr(T, VDPU_CSR_INT_ACK, 1);
    cr_assert_eq(csr_rd(T, VDPU_CSR_LINK_STATE), 0);
    cr_assert_eq(T->b->out.fw_irq, 0);
    T->b->dp_err = true;
    run_cycles(T, 1);
    T->b->dp_err = false;
    run_cycles(T, 2);
    cr_assert_eq(T->b->out.fw_irq, 8, "internal error interrupts the firmware");
    cr_assert_eq(csr_rd(T, VDPU_CSR_DP_STATUS), 2, "error latched, data path not quiesced");
    csr_wr(T, VDPU_CSR_DP_CTRL, 1);
    cr_assert_eq(csr_rd(T, VDPU_CSR_DP_STATUS), 3, "quiesced: nothing outstanding");
    csr_wr(T, VDPU_CSR_INT_ACK, 2);
    cr_assert_eq(csr_rd(T, VDPU_CSR_DP_STATUS), 1);
    csr_wr(T, VDPU_CSR_CONSOLE, 'A');
    cr_assert_eq(csr_rd(T, VDPU_CSR_FW_ERR), 0, "the console register is mapped");
    cr_assert_eq(csr_rd(T, VDPU_CSR_CONSOLE), 0, "and write-only");
}

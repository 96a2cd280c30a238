/* test_bar.c - BAR0 decode, common cfg selector semantics, ISR, device cfg, notify, illegal BAR accesses. */
#include "harness.h"

#define CC(f) (VDPU_BAR_COMMON_OFF + VDPU_COMMON_##f)
#define NC(f) (VDPU_BAR_DEVCFG_OFF + VDPU_NETCFG_##f)

ENGINE_TEST(bar, decode_needs_memory_space)
{
    uint64_t v = 7;
    /* before enumeration: memory space disabled, BAR at 0 */
    cr_assert_eq(mem_rd_st(T, 0x0 + CC(NUMQ), 2, &v), VDPU_CPL_UR);
    expect_diag(T, VDPU_DIAG_MEM_UR, CC(NUMQ));
    t_enumerate(T);
    cr_assert_eq(bar_rd(T, CC(NUMQ), 2), VDPU_NUM_QUEUES);
    cfg_wr(T, 0x04, 2, 0x4); /* bus master only */
    cr_assert_eq(mem_rd_st(T, T->bar + CC(NUMQ), 2, &v), VDPU_CPL_UR);
    expect_diag(T, VDPU_DIAG_MEM_UR, T->bar + CC(NUMQ));
    host_mem_wr(T->b, T->bar + CC(Q_SELECT), 2, 3); /* posted write dropped */
    expect_diag(T, VDPU_DIAG_MEM_UR, T->bar + CC(Q_SELECT));
    cfg_wr(T, 0x04, 2, 0x6);
    cr_assert_eq(bar_rd(T, CC(Q_SELECT), 2), 0, "dropped write had no effect");
    /* outside the BAR */
    cr_assert_eq(mem_rd_st(T, T->bar + VDPU_BAR0_SIZE, 4, &v), VDPU_CPL_UR);
    expect_diag(T, VDPU_DIAG_MEM_UR, T->bar + VDPU_BAR0_SIZE);
    cr_assert_eq(mem_rd_st(T, T->bar - 4, 4, &v), VDPU_CPL_UR);
    expect_diag(T, VDPU_DIAG_MEM_UR, T->bar - 4);
}

ENGINE_TEST(bar, device_feature_select)
{
    t_enumerate(T);
    const uint32_t want[4] = {VDPU_CSR_DEV_FEATURE0_RESET, VDPU_CSR_DEV_FEATURE1_RESET, 0, 0};
    for (unsigned w = 0; w < 4; w++) {
        bar_wr(T, CC(DFSELECT), 4, w);
        cr_assert_eq(bar_rd(T, CC(DFSELECT), 4), w);
        cr_assert_eq(bar_rd(T, CC(DF), 4), want[w], "feature word %u", w);
    }
    bar_wr(T, CC(DFSELECT), 4, 4);
    cr_assert_eq(bar_rd(T, CC(DF), 4), 0, "select past the feature words reads 0");
    /* firmware owns the offer */
    csr_wr(T, VDPU_CSR_DEV_FEATURE1, 0x1);
    bar_wr(T, CC(DFSELECT), 4, 1);
    cr_assert_eq(bar_rd(T, CC(DF), 4), 1);
    expect_no_diag(T);
    bar_wr(T, CC(DF), 4, 0xFFFFFFFF);
    expect_diag(T, VDPU_DIAG_BAR_RO_WRITE, CC(DF));
    cr_assert_eq(bar_rd(T, CC(DF), 4), 1);
}

ENGINE_TEST(bar, driver_feature_select_and_event)
{
    t_enumerate(T);
    bar_wr(T, CC(GFSELECT), 4, 1);
    bar_wr(T, CC(GF), 4, 0x00000001); /* VERSION_1 */
    cr_assert_eq(bar_rd(T, CC(GF), 4), 1, "driver_feature reads back (not held)");
    cr_assert_eq(csr_rd(T, VDPU_CSR_DRV_FEATURE1), 1);
    cr_assert_eq(csr_rd(T, VDPU_CSR_EV_COUNT) & 0xff, 1);
    cr_assert_eq(csr_rd(T, VDPU_CSR_EV_HEAD_INFO), (1u << 8) | VDPU_EV_DRV_FEATURE);
    cr_assert_eq(csr_rd(T, VDPU_CSR_EV_HEAD_DATA), 1);
    bar_wr(T, CC(GFSELECT), 4, 0);
    cr_assert_eq(bar_rd(T, CC(GF), 4), 0);
    bar_wr(T, CC(GFSELECT), 4, 4);
    bar_wr(T, CC(GF), 4, 0xFF);
    expect_diag(T, VDPU_DIAG_FEATSEL_INVALID, CC(GF));
    cr_assert_eq(csr_rd(T, VDPU_CSR_EV_COUNT) & 0xff, 1, "no event for an invalid select");
    cr_assert_eq(bar_rd(T, CC(GF), 4), 0);
}

ENGINE_TEST(bar, queue_select_semantics)
{
    t_enumerate(T);
    cr_assert_eq(bar_rd(T, CC(NUMQ), 2), VDPU_NUM_QUEUES);
    for (unsigned q = 0; q < VDPU_NUM_QUEUES; q++) {
        bar_wr(T, CC(Q_SELECT), 2, q);
        bar_wr(T, CC(Q_DESCLO), 4, 0x1000 * (q + 1));
        bar_wr(T, CC(Q_DESCHI), 4, q);
        bar_wr(T, CC(Q_AVAILLO), 4, 0x1000 * (q + 1) + 0x100);
        bar_wr(T, CC(Q_USEDLO), 4, 0x1000 * (q + 1) + 0x200);
    }
    for (unsigned q = 0; q < VDPU_NUM_QUEUES; q++) {
        bar_wr(T, CC(Q_SELECT), 2, q);
        cr_assert_eq(bar_rd(T, CC(Q_SELECT), 2), q);
        cr_assert_eq(bar_rd(T, CC(Q_SIZE), 2), VDPU_QSIZE_MAX);
        cr_assert_eq(bar_rd(T, CC(Q_MSIX), 2), 0xFFFF);
        cr_assert_eq(bar_rd(T, CC(Q_ENABLE), 2), 0);
        cr_assert_eq(bar_rd(T, CC(Q_NOFF), 2), q, "notify_off = queue index (multiplier 4)");
        cr_assert_eq(bar_rd(T, CC(Q_NDATA), 2), q);
        cr_assert_eq(bar_rd(T, CC(Q_RESET), 2), 0);
        cr_assert_eq(bar_rd(T, CC(Q_DESCLO), 4), 0x1000 * (q + 1));
        cr_assert_eq(bar_rd(T, CC(Q_DESCHI), 4), q);
        cr_assert_eq(bar_rd(T, CC(Q_AVAILLO), 4), 0x1000 * (q + 1) + 0x100);
        cr_assert_eq(bar_rd(T, CC(Q_USEDLO), 4), 0x1000 * (q + 1) + 0x200);
        csr_wr(T, VDPU_CSR_FW_QSEL, q);
        cr_assert_eq(csr_rd(T, VDPU_CSR_Q_DESC_LO), 0x1000 * (q + 1), "firmware sees the same queue context");
    }
    expect_no_diag(T);
    /* a queue that does not exist: reads 0 (queue_size 0 = unavailable), writes ignored */
    bar_wr(T, CC(Q_SELECT), 2, VDPU_NUM_QUEUES);
    cr_assert_eq(bar_rd(T, CC(Q_SIZE), 2), 0);
    cr_assert_eq(bar_rd(T, CC(Q_DESCLO), 4), 0);
    cr_assert_eq(bar_rd(T, CC(Q_NOFF), 2), 0);
    expect_no_diag(T);
    bar_wr(T, CC(Q_DESCLO), 4, 0x1234);
    expect_diag(T, VDPU_DIAG_QSEL_INVALID, CC(Q_DESCLO));
    bar_wr(T, CC(Q_ENABLE), 2, 1);
    expect_diag(T, VDPU_DIAG_QSEL_INVALID, CC(Q_ENABLE));
    cr_assert_eq(csr_rd(T, VDPU_CSR_EV_COUNT) & 0xff, 0, "no event for a nonexistent queue");
    /* read-only fields */
    bar_wr(T, CC(NUMQ), 2, 9);
    expect_diag(T, VDPU_DIAG_BAR_RO_WRITE, CC(NUMQ));
    bar_wr(T, CC(Q_NOFF), 2, 9);
    expect_diag(T, VDPU_DIAG_BAR_RO_WRITE, CC(Q_NOFF));
    bar_wr(T, CC(CFGGENERATION), 1, 9);
    expect_diag(T, VDPU_DIAG_BAR_RO_WRITE, CC(CFGGENERATION));
    bar_wr(T, CC(Q_NDATA), 2, 9);
    expect_diag(T, VDPU_DIAG_BAR_RO_WRITE, CC(Q_NDATA));
}

ENGINE_TEST(bar, ring_address_locked_while_enabled)
{
    t_enumerate(T);
    bar_wr(T, CC(Q_SELECT), 2, 1);
    bar_wr(T, CC(Q_DESCLO), 4, 0x4000);
    csr_wr(T, VDPU_CSR_FW_QSEL, 1);
    csr_wr(T, VDPU_CSR_Q_ENABLE, 1);
    cr_assert_eq(bar_rd(T, CC(Q_ENABLE), 2), 1);
    bar_wr(T, CC(Q_DESCLO), 4, 0x8000);
    expect_diag(T, VDPU_DIAG_Q_ADDR_LOCKED, CC(Q_DESCLO));
    cr_assert_eq(bar_rd(T, CC(Q_DESCLO), 4), 0x4000);
}

/* A driver that asks for a reset and sets a queue up again without waiting for device_status to read
 * 0: its writes would land before the reset and be erased by it (make fuzz found a queue enabled on rings
 * the reset had cleared), so the device ignores them until firmware's DEV_RESET has acted. */
ENGINE_TEST(bar, common_cfg_writes_ignored_while_reset_pending)
{
    t_enumerate(T);
    bar_wr(T, CC(Q_SELECT), 2, 1);
    bar_wr(T, CC(STATUS), 1, 0); /* the reset request: an event for firmware */
    cr_assert_eq(csr_rd(T, VDPU_CSR_EV_COUNT) & 0xff, 1);
    expect_no_diag(T);
    bar_wr(T, CC(Q_DESCLO), 4, 0x4000);
    expect_diag(T, VDPU_DIAG_RESET_PENDING, CC(Q_DESCLO));
    bar_wr(T, CC(Q_ENABLE), 2, 1);
    expect_diag(T, VDPU_DIAG_RESET_PENDING, CC(Q_ENABLE));
    bar_wr(T, CC(Q_SELECT), 2, 2);
    expect_diag(T, VDPU_DIAG_RESET_PENDING, CC(Q_SELECT));
    bar_wr(T, CC(NUMQ), 2, 2);
    expect_diag(T, VDPU_DIAG_RESET_PENDING, CC(NUMQ));
    bar_wr(T, CC(STATUS), 1, 1);
    expect_diag(T, VDPU_DIAG_RESET_PENDING, CC(STATUS));
    cr_assert_eq(csr_rd(T, VDPU_CSR_EV_COUNT) & 0xff, 1, "no event pushed by an ignored write");
    cr_assert_eq(bar_rd(T, CC(Q_SELECT), 2), 1, "queue_select kept");
    cr_assert_eq(bar_rd(T, CC(Q_DESCLO), 4), 0, "the ring address was not stored");
    expect_no_diag(T);
    /* firmware serves the request: writes are taken again */
    csr_wr(T, VDPU_CSR_DEV_RESET, VDPU_DEV_RESET_VIRTIO);
    csr_wr(T, VDPU_CSR_EV_CTRL, VDPU_EV_CTRL_POP);
    bar_wr(T, CC(Q_SELECT), 2, 1);
    bar_wr(T, CC(Q_DESCLO), 4, 0x4000);
    expect_no_diag(T);
    cr_assert_eq(bar_rd(T, CC(Q_DESCLO), 4), 0x4000);
    /* the flag is cleared by DEV_RESET, not by the pop: a reset asked while firmware has not yet reset */
    bar_wr(T, CC(STATUS), 1, 0);
    csr_wr(T, VDPU_CSR_EV_CTRL, VDPU_EV_CTRL_POP);
    bar_wr(T, CC(Q_DESCLO), 4, 0x8000);
    expect_diag(T, VDPU_DIAG_RESET_PENDING, CC(Q_DESCLO));
    csr_wr(T, VDPU_CSR_DEV_RESET, VDPU_DEV_RESET_VIRTIO);
    bar_wr(T, CC(Q_SELECT), 2, 1);
    bar_wr(T, CC(Q_DESCLO), 4, 0x8000);
    expect_no_diag(T);
    cr_assert_eq(bar_rd(T, CC(Q_DESCLO), 4), 0x8000);
    /* a non-zero status write is no reset request */
    bar_wr(T, CC(STATUS), 1, 1);
    bar_wr(T, CC(Q_DESCHI), 4, 0);
    expect_no_diag(T);
}

ENGINE_TEST(bar, access_size_rules)
{
    t_enumerate(T);
    /* a 4-byte read over two 16-bit fields, misaligned, odd sizes: reads 0 */
    cr_assert_eq(bar_rd(T, CC(MSIX), 4), 0);
    expect_diag(T, VDPU_DIAG_BAR_BAD_SIZE, CC(MSIX));
    cr_assert_eq(bar_rd(T, CC(NUMQ) + 1, 1), 0);
    expect_diag(T, VDPU_DIAG_BAR_BAD_SIZE, CC(NUMQ) + 1);
    cr_assert_eq(bar_rd(T, CC(Q_DESCLO), 8), 0, "64-bit fields are accessed as two 32-bit halves");
    expect_diag(T, VDPU_DIAG_BAR_BAD_SIZE, CC(Q_DESCLO));
    cr_assert_eq(bar_rd(T, CC(DF) + 2, 2), 0);
    expect_diag(T, VDPU_DIAG_BAR_BAD_SIZE, CC(DF) + 2);
    uint64_t v;
    cr_assert_eq(mem_rd_st(T, T->bar + CC(DFSELECT), 3, &v), VDPU_CPL_SC);
    expect_diag(T, VDPU_DIAG_BAR_BAD_SIZE, CC(DFSELECT));
    /* offsets past a structure and holes */
    cr_assert_eq(bar_rd(T, 0x3C, 4), 0);
    expect_diag(T, VDPU_DIAG_BAR_HOLE, 0x3C);
    cr_assert_eq(bar_rd(T, 0x0800, 4), 0);
    expect_diag(T, VDPU_DIAG_BAR_HOLE, 0x0800);
    bar_wr(T, VDPU_BAR_MIG_OFF + 0x20, 4, 1); /* between MIG's registers and its state window */
    expect_diag(T, VDPU_DIAG_BAR_HOLE, VDPU_BAR_MIG_OFF + 0x20);
    cr_assert_eq(bar_rd(T, VDPU_BAR_VQSTATE_OFF + VDPU_BAR_VQSTATE_LEN, 4), 0);
    expect_diag(T, VDPU_DIAG_BAR_HOLE, VDPU_BAR_VQSTATE_OFF + VDPU_BAR_VQSTATE_LEN);
    cr_assert_eq(bar_rd(T, VDPU_BAR_DEVCFG_OFF + 12, 2), 0);
    expect_diag(T, VDPU_DIAG_BAR_HOLE, VDPU_BAR_DEVCFG_OFF + 12);
    bar_wr(T, CC(Q_SELECT), 4, 2); /* wrong size write ignored */
    expect_diag(T, VDPU_DIAG_BAR_BAD_SIZE, CC(Q_SELECT));
    cr_assert_eq(bar_rd(T, CC(Q_SELECT), 2), 0);
}

ENGINE_TEST(bar, isr_read_to_clear_and_intx)
{
    t_enumerate(T);
    cfg_wr(T, 0x04, 2, 0x6);
    cr_assert_eq(bar_rd(T, VDPU_BAR_ISR_OFF, 1), 0);
    csr_wr(T, VDPU_CSR_HOST_IRQ, 0); /* queue 0, MSI-X off -> ISR bit 0 */
    run_cycles(T, 2);
    cr_assert(T->b->out.intx, "INTx asserted while ISR != 0");
    cr_assert_eq(csr_rd(T, VDPU_CSR_ISR), 1);
    csr_wr(T, VDPU_CSR_HOST_IRQ, 0xFFFF); /* config change -> bit 1 */
    cr_assert_eq(bar_rd(T, VDPU_BAR_ISR_OFF, 1), 3);
    cr_assert_eq(bar_rd(T, VDPU_BAR_ISR_OFF, 1), 0, "read clears");
    run_cycles(T, 2);
    cr_assert(!T->b->out.intx, "INTx deasserted once ISR is clear");
    csr_wr(T, VDPU_CSR_HOST_IRQ, 1);
    cfg_wr(T, 0x04, 2, 0x406); /* INTx disable */
    run_cycles(T, 2);
    cr_assert(!T->b->out.intx, "INTx disable masks the line");
    expect_no_diag(T);
    cr_assert_eq(bar_rd(T, VDPU_BAR_ISR_OFF, 4), 0);
    expect_diag(T, VDPU_DIAG_BAR_BAD_SIZE, VDPU_BAR_ISR_OFF);
    bar_wr(T, VDPU_BAR_ISR_OFF, 1, 0);
    expect_diag(T, VDPU_DIAG_BAR_RO_WRITE, VDPU_BAR_ISR_OFF);
    cr_assert_eq(bar_rd(T, VDPU_BAR_ISR_OFF, 1), 1, "ISR kept its bit through the illegal accesses");
}

ENGINE_TEST(bar, net_device_cfg)
{
    t_enumerate(T);
    const uint8_t mac[6] = {0x52, 0x3e, 0x16, 0x00, 0x01, 0x00};
    for (unsigned i = 0; i < 6; i++) cr_assert_eq(bar_rd(T, NC(MAC0) + i, 1), mac[i], "mac[%u]", i);
    cr_assert_eq(bar_rd(T, NC(STATUS), 2), VIRTIO_NET_S_LINK_UP);
    cr_assert_eq(bar_rd(T, NC(MAX_QP), 2), VDPU_MAX_QP);
    cr_assert_eq(bar_rd(T, NC(MTU), 2), 1500);
    csr_wr(T, VDPU_CSR_NET_MTU, 9000);
    csr_wr(T, VDPU_CSR_NET_STATUS, 0);
    csr_wr(T, VDPU_CSR_NET_MAC_HI, 0xBBAA);
    cr_assert_eq(bar_rd(T, NC(MTU), 2), 9000);
    cr_assert_eq(bar_rd(T, NC(STATUS), 2), 0);
    cr_assert_eq(bar_rd(T, NC(MAC0) + 5, 1), 0xBB);
    expect_no_diag(T);
    cr_assert_eq(bar_rd(T, NC(MTU), 1), 0);
    expect_diag(T, VDPU_DIAG_BAR_BAD_SIZE, NC(MTU));
    cr_assert_eq(bar_rd(T, NC(MAC0), 4), 0, "mac is read bytewise");
    expect_diag(T, VDPU_DIAG_BAR_BAD_SIZE, NC(MAC0));
    bar_wr(T, NC(MTU), 2, 100);
    expect_diag(T, VDPU_DIAG_BAR_RO_WRITE, NC(MTU));
    cr_assert_eq(bar_rd(T, NC(MTU), 2), 9000);
}

ENGINE_TEST(bar, notify_region)
{
    t_enumerate(T);
    bar_wr(T, VDPU_BAR_NOTIFY_OFF + 0, 2, 0);
    bar_wr(T, VDPU_BAR_NOTIFY_OFF + 4, 4, 0x00050001); /* NOTIFICATION_DATA style */
    expect_no_diag(T);
    cr_assert_eq(csr_rd(T, VDPU_CSR_NOTIFY_COUNT), 2, "data doorbells counted in hardware");
    cr_assert_eq(csr_rd(T, VDPU_CSR_EV_COUNT) & 0xff, 0, "data doorbells never reach firmware");
    const uint32_t ctrl = VDPU_NUM_QUEUES - 1;
    bar_wr(T, VDPU_BAR_NOTIFY_OFF + 4 * ctrl, 2, ctrl);
    cr_assert_eq(csr_rd(T, VDPU_CSR_EV_COUNT) & 0xff, 1, "control-queue doorbell is a firmware event");
    cr_assert_eq(csr_rd(T, VDPU_CSR_EV_HEAD_INFO), (ctrl << 8) | VDPU_EV_NOTIFY);
    cr_assert_eq(csr_rd(T, VDPU_CSR_EV_HEAD_DATA), ctrl);
    bar_wr(T, VDPU_BAR_NOTIFY_OFF + 2, 2, 0);
    expect_diag(T, VDPU_DIAG_NOTIFY_BAD, VDPU_BAR_NOTIFY_OFF + 2);
    bar_wr(T, VDPU_BAR_NOTIFY_OFF + 8, 1, 2);
    expect_diag(T, VDPU_DIAG_NOTIFY_BAD, VDPU_BAR_NOTIFY_OFF + 8);
    cr_assert_eq(bar_rd(T, VDPU_BAR_NOTIFY_OFF, 2), 0);
    expect_diag(T, VDPU_DIAG_BAR_WO_READ, VDPU_BAR_NOTIFY_OFF);
    cr_assert_eq(bar_rd(T, VDPU_BAR_NOTIFY_OFF + 4 * VDPU_NUM_QUEUES, 2), 0);
    expect_diag(T, VDPU_DIAG_BAR_HOLE, VDPU_BAR_NOTIFY_OFF + 4 * VDPU_NUM_QUEUES);
    cr_assert_eq(csr_rd(T, VDPU_CSR_NOTIFY_COUNT), 2);
    /* a 4-byte value naming another queue: the address decides (still queue 1's doorbell), the
     * value is a driver bug, named; the same on the control queue */
    bar_wr(T, VDPU_BAR_NOTIFY_OFF + 4, 4, 0x00070003);
    expect_diag(T, VDPU_DIAG_NOTIFY_VQN, VDPU_BAR_NOTIFY_OFF + 4);
    cr_assert_eq(csr_rd(T, VDPU_CSR_NOTIFY_COUNT), 3, "counted for the queue of its address");
    bar_wr(T, VDPU_BAR_NOTIFY_OFF + 4 * ctrl, 4, 0x00010000);
    expect_diag(T, VDPU_DIAG_NOTIFY_VQN, VDPU_BAR_NOTIFY_OFF + 4 * ctrl);
    cr_assert_eq(csr_rd(T, VDPU_CSR_EV_COUNT) & 0xff, 2, "still the control queue's event");
}

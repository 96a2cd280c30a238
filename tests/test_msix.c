/* test_msix.c - MSI-X table, PBA, per-vector and function masking, bus-master gating, vector validation. */
#include <string.h>

#include "harness.h"

#define TBL(v, dw) (VDPU_BAR_MSIX_TBL_OFF + 16u * (v) + 4u * (dw))
#define PBA VDPU_BAR_MSIX_PBA_OFF

static uint64_t msi(struct tctx *t, unsigned data) { return t->s.mem.msi_count[data]; }

static void program(struct tctx *t, unsigned v, unsigned data, bool masked)
{
    bar_wr(t, TBL(v, 0), 4, VDPU_MSI_BASE);
    bar_wr(t, TBL(v, 1), 4, 0);
    bar_wr(t, TBL(v, 2), 4, data);
    bar_wr(t, TBL(v, 3), 4, masked);
}

ENGINE_TEST(msix, table_read_write)
{
    t_enumerate(T);
    for (unsigned v = 0; v < VDPU_NUM_VECTORS; v++) {
        cr_assert_eq(bar_rd(T, TBL(v, 0), 4), 0);
        cr_assert_eq(bar_rd(T, TBL(v, 3), 4), 1, "vector %u masked after reset", v);
    }
    bar_wr(T, TBL(2, 0), 4, 0xFEE0100F);
    cr_assert_eq(bar_rd(T, TBL(2, 0), 4), 0xFEE0100C, "address bits [1:0] read 0");
    bar_wr(T, TBL(2, 0), 8, 0x00000001FEE00004ull);
    cr_assert_eq(bar_rd(T, TBL(2, 0), 8), 0x00000001FEE00004ull, "qword access to the address");
    bar_wr(T, TBL(2, 2), 8, 0xFFFFFFFE00001234ull);
    cr_assert_eq(bar_rd(T, TBL(2, 2), 4), 0x1234);
    cr_assert_eq(bar_rd(T, TBL(2, 3), 4), 0, "only the mask bit of vector control is writable");
    cr_assert_eq(bar_rd(T, PBA, 8), 0);
    expect_no_diag(T);
    cr_assert_eq(bar_rd(T, TBL(1, 1), 2), 0);
    expect_diag(T, VDPU_DIAG_BAR_BAD_SIZE, TBL(1, 1));
    cr_assert_eq(bar_rd(T, TBL(1, 1), 8), 0, "qword access must be 8-aligned");
    expect_diag(T, VDPU_DIAG_BAR_BAD_SIZE, TBL(1, 1));
    bar_wr(T, PBA, 4, 0xFF);
    expect_diag(T, VDPU_DIAG_BAR_RO_WRITE, PBA);
}

ENGINE_TEST(msix, delivery_masking_and_pba)
{
    t_enumerate(T);
    cfg_wr(T, 0x42, 2, 0x8000); /* enable */
    program(T, 1, 0x41, false);
    program(T, 2, 0x42, true);
    csr_wr(T, VDPU_CSR_FW_QSEL, 0);
    csr_wr(T, VDPU_CSR_Q_MSIX, 1);
    csr_wr(T, VDPU_CSR_FW_QSEL, 1);
    csr_wr(T, VDPU_CSR_Q_MSIX, 2);
    csr_wr(T, VDPU_CSR_HOST_IRQ, 0);
    run_cycles(T, 4);
    cr_assert_eq(msi(T, 0x41), 1, "unmasked vector delivered");
    cr_assert_eq(last_txn_cycle(T, VDPU_CH_DMAREQ) != UINT64_MAX, 1);
    csr_wr(T, VDPU_CSR_HOST_IRQ, 1);
    run_cycles(T, 4);
    cr_assert_eq(msi(T, 0x42), 0, "masked vector not delivered");
    cr_assert_eq(bar_rd(T, PBA, 4), 1u << 2, "pending bit set while masked");
    bar_wr(T, TBL(2, 3), 4, 0);
    run_cycles(T, 4);
    cr_assert_eq(msi(T, 0x42), 1, "delivered on unmask");
    cr_assert_eq(bar_rd(T, PBA, 4), 0);
    /* function mask holds every vector */
    cfg_wr(T, 0x42, 2, 0xC000);
    csr_wr(T, VDPU_CSR_HOST_IRQ, 0);
    csr_wr(T, VDPU_CSR_HOST_IRQ, 1);
    run_cycles(T, 4);
    cr_assert_eq(bar_rd(T, PBA, 4), (1u << 1) | (1u << 2));
    cr_assert_eq(msi(T, 0x41) + msi(T, 0x42), 2);
    cfg_wr(T, 0x42, 2, 0x8000);
    run_cycles(T, 6);
    cr_assert_eq(msi(T, 0x41), 2);
    cr_assert_eq(msi(T, 0x42), 2);
    cr_assert_eq(T->s.mem.msi_total, 4);
    cr_assert(!T->b->out.intx, "no INTx with MSI-X enabled");
    cr_assert_eq(csr_rd(T, VDPU_CSR_ISR), 0, "ISR unused with MSI-X");
}

ENGINE_TEST(msix, bus_master_gates_messages)
{
    t_enumerate(T);
    cfg_wr(T, 0x42, 2, 0x8000);
    program(T, 0, 0x40, false);
    csr_wr(T, VDPU_CSR_MSIX_CONFIG, 0);
    cfg_wr(T, 0x04, 2, 0x2); /* bus master off */
    csr_wr(T, VDPU_CSR_HOST_IRQ, 0xFFFF);
    run_cycles(T, 8);
    cr_assert_eq(msi(T, 0x40), 0, "no DMA without bus master enable");
    cr_assert_eq(bar_rd(T, PBA, 4), 1);
    cfg_wr(T, 0x04, 2, 0x6);
    run_cycles(T, 4);
    cr_assert_eq(msi(T, 0x40), 1);
}

ENGINE_TEST(msix, invalid_vector_is_a_firmware_error)
{
    t_enumerate(T);
    cfg_wr(T, 0x42, 2, 0x8000);
    csr_wr(T, VDPU_CSR_HOST_IRQ, 0xFFFF); /* msix_config is NO_VECTOR */
    uint32_t e = csr_rd(T, VDPU_CSR_FW_ERR);
    cr_assert_eq(e & 0xff, VDPU_FWERR_NO_VECTOR);
    cr_assert_eq(e >> 16, 1);
    csr_wr(T, VDPU_CSR_HOST_IRQ, VDPU_NUM_QUEUES);
    cr_assert_eq(csr_rd(T, VDPU_CSR_FW_ERR) >> 16, 2);
    run_cycles(T, 4);
    cr_assert_eq(T->s.mem.msi_total, 0);
    cr_assert_eq(bar_rd(T, PBA, 8), 0);
}

/* An unexpected completion (no read outstanding) is discarded and counted, and latches the internal
 * error (docs/queue-engine.md "PCIe faults"): the device no longer trusts its completions. */
ENGINE_TEST(msix, stray_dma_completion_is_discarded_and_reported)
{
    t_enumerate(T);
    cr_assert_eq(csr_rd(T, VDPU_CSR_DP_STATUS) & 2, 0);
    T->b->dmacpl_pending = true;
    memset(&T->b->dmacpl, 0, sizeof T->b->dmacpl);
    T->b->dmacpl.tag = 5;
    T->b->dmacpl.len = 4;
    T->b->dmacpl.last = true;
    run_cycles(T, 3);
    cr_assert(!T->b->dmacpl_pending, "the device always accepts completions");
    cr_assert_eq(csr_rd(T, VDPU_CSR_FW_ERR), (1u << 16) | VDPU_FWERR_UNEXPECTED_CPL);
    cr_assert_eq(csr_rd(T, VDPU_CSR_DP_STATUS) & 2, 2, "the internal error is latched");
    cr_assert_eq(csr_rd(T, VDPU_CSR_IRQ_STATUS) & 8, 8);
    csr_wr(T, VDPU_CSR_INT_ACK, 2);
    cr_assert_eq(csr_rd(T, VDPU_CSR_DP_STATUS) & 2, 0, "INT_ACK[1] clears it");
    cr_assert_eq(T->s.mem.msi_total, 0);
    cr_assert_eq(bar_rd(T, VDPU_BAR_COMMON_OFF + VDPU_COMMON_NUMQ, 2), VDPU_NUM_QUEUES, "device still answers");
}

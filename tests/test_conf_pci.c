/* test_conf_pci.c - virtio-pci transport conformance of the interrupt and configuration paths, on model,
 * rtl and cosim: the ISR configuration bit with MSI-X, PCI Status Interrupt Status, MSI-X state across a
 * device reset. The spec text each test checks is quoted next to it. */
#include <stdlib.h>
#include <string.h>

#include "hand_ring.h"
#include "harness.h"
#include "host_link.h"
#include "link.h"
#include "virtio_ctrl.h"
#include "virtio_drv.h"

#define CC(f) (VDPU_BAR_COMMON_OFF + VDPU_COMMON_##f)
#define NC(f) (VDPU_BAR_DEVCFG_OFF + VDPU_NETCFG_##f)
#define TBL(v, dw) (VDPU_BAR_MSIX_TBL_OFF + 16u * (v) + 4u * (dw))
#define PBA VDPU_BAR_MSIX_PBA_OFF
#define CFG_COMMAND 0x04
#define CFG_STATUS 0x06
#define CFG_MSIX_CTRL 0x42
#define MSIX_ENABLE 0x8000u
#define STATUS_INT 0x0008u /* PCI Status bit 3, Interrupt Status */
#define STATUS_CAPS 0x0010u
#define CMD_MEM_BM 0x0006u
#define CMD_INTX_DIS 0x0400u

static uint64_t msi(struct tctx *t, unsigned data) { return t->s.mem.msi_count[data]; }

static void vector(struct tctx *t, unsigned v, unsigned data, bool masked)
{
    bar_wr(t, TBL(v, 0), 4, VDPU_MSI_BASE);
    bar_wr(t, TBL(v, 1), 4, 0);
    bar_wr(t, TBL(v, 2), 4, data);
    bar_wr(t, TBL(v, 3), 4, masked);
}

static virtio_drv_t *drv_new(void)
{
    virtio_drv_t *d = calloc(1, sizeof *d);
    cr_assert(d);
    return d;
}

static enum drv_result drv_up(struct tctx *t, virtio_drv_t *d, const struct drv_params *p)
{
    t_enumerate(t);
    cr_assert_eq(pci_msix_setup(t->b, &t->s.pci, NULL), 0);
    return virtio_drv_init(d, &t->s, p);
}

/* ==== (a) ISR with MSI-X =========================================================================
 * transport-pci "ISR status capability": "The device MUST set the Device Configuration Interrupt bit
 * in ISR status before sending a device configuration change notification to the driver." (no MSI-X
 * condition) - "If MSI-X capability is disabled, the device MUST set the Queue Interrupt bit ..." */

ENGINE_TEST(isr, config_change_sets_isr_with_msix)
{
    t_enumerate(T);
    cfg_wr(T, CFG_MSIX_CTRL, 2, MSIX_ENABLE);
    vector(T, 0, 0x40, false);
    vector(T, 1, 0x41, false);
    csr_wr(T, VDPU_CSR_MSIX_CONFIG, 0);
    csr_wr(T, VDPU_CSR_HOST_IRQ, 0xFFFF);
    /* set at the HOST_IRQ edge; the message can leave at the next edge at the earliest */
    cr_assert_eq(csr_rd(T, VDPU_CSR_ISR), 2, "configuration bit set with MSI-X enabled");
    run_cycles(T, 4);
    cr_assert_eq(msi(T, 0x40), 1, "the config message is sent");
    cr_assert(!T->b->out.intx, "no INTx with MSI-X");
    cr_assert_eq(bar_rd(T, VDPU_BAR_ISR_OFF, 1), 2);
    cr_assert_eq(bar_rd(T, VDPU_BAR_ISR_OFF, 1), 0, "reading ISR clears it, as without MSI-X");
    /* a queue interrupt with MSI-X: the Queue Interrupt bit is for INTx only */
    csr_wr(T, VDPU_CSR_FW_QSEL, 0);
    csr_wr(T, VDPU_CSR_Q_MSIX, 1);
    csr_wr(T, VDPU_CSR_HOST_IRQ, 0);
    run_cycles(T, 4);
    cr_assert_eq(msi(T, 0x41), 1);
    cr_assert_eq(csr_rd(T, VDPU_CSR_ISR), 0, "no Queue Interrupt bit with MSI-X");
    /* config vector NO_VECTOR: no message ("MUST NOT deliver an interrupt"), the change still shows in ISR */
    csr_wr(T, VDPU_CSR_MSIX_CONFIG, 0xFFFF);
    csr_wr(T, VDPU_CSR_HOST_IRQ, 0xFFFF);
    run_cycles(T, 4);
    cr_assert_eq(msi(T, 0x40), 1, "no message without a vector");
    cr_assert_eq(csr_rd(T, VDPU_CSR_FW_ERR) & 0xFF, VDPU_FWERR_NO_VECTOR, "firmware asked for a message with no vector");
    cr_assert_eq(bar_rd(T, VDPU_BAR_ISR_OFF, 1), 2);
    expect_no_diag(T);
}

/* The same end to end: the firmware's config interrupt for a link change, MSI-X routed. */
ENGINE_TEST_REALFW(isr, link_change_sets_isr_with_msix, .timeout = 120)
{
    struct drv_params p;
    drv_params_default(&p);
    virtio_drv_t *d = drv_new();
    cr_assert_eq(drv_up(T, d, &p), DRV_OK, "%s", d->refusal);
    cr_assert_eq(bar_rd(T, VDPU_BAR_ISR_OFF, 1), 0);
    uint64_t m0 = msi(T, PCI_MSI_DATA_BASE + 0);
    T->b->link_up = false;
    vdpu_bus_run_cycles(T->b, 3000);
    cr_assert_eq(msi(T, PCI_MSI_DATA_BASE + 0), m0 + 1, "one config message (vector 0)");
    cr_assert_eq(bar_rd(T, VDPU_BAR_ISR_OFF, 1), 2, "Device Configuration Interrupt bit set");
    cr_assert_eq(bar_rd(T, VDPU_BAR_ISR_OFF, 1), 0);
    cr_assert(!T->b->out.intx);
    free(d);
}

/* ==== (b) PCI Status Interrupt Status ============================================================
 * transport-pci: "If MSI-X capability is disabled, the device MUST set the Interrupt Status bit in the
 * PCI Status register in the PCI Configuration Header of the device to the logical OR of all bits in
 * ISR status of the device. The device then asserts/deasserts INT#x interrupts unless masked according
 * to standard PCI rules." PCI: Interrupt Status reflects the interrupt pending in the function; setting
 * Interrupt Disable has no effect on it. With MSI-X enabled the function does not use INTx. */

ENGINE_TEST(pci_status, interrupt_status_follows_isr)
{
    t_enumerate(T);
    cfg_wr(T, CFG_COMMAND, 2, CMD_MEM_BM);
    cr_assert_eq(cfg_rd(T, CFG_STATUS, 2), STATUS_CAPS, "nothing pending after reset");
    csr_wr(T, VDPU_CSR_HOST_IRQ, 0); /* queue 0, MSI-X off: ISR bit 0 */
    run_cycles(T, 2);
    cr_assert(T->b->out.intx);
    cr_assert_eq(cfg_rd(T, CFG_STATUS, 2), STATUS_CAPS | STATUS_INT, "Interrupt Status = OR of the ISR bits");
    cr_assert_eq(cfg_rd(T, CFG_COMMAND, 4) >> 16, STATUS_CAPS | STATUS_INT, "also in a dword read at 0x04");
    cr_assert_eq(cfg_rd(T, CFG_STATUS, 1), STATUS_CAPS | STATUS_INT, "and a byte read");
    cfg_wr(T, CFG_STATUS, 2, 0xFFFF); /* read-only */
    cr_assert_eq(cfg_rd(T, CFG_STATUS, 2), STATUS_CAPS | STATUS_INT, "a write does not change it");
    cfg_wr(T, CFG_COMMAND, 2, CMD_MEM_BM | CMD_INTX_DIS);
    run_cycles(T, 2);
    cr_assert(!T->b->out.intx, "INTx disable masks the line");
    cr_assert_eq(cfg_rd(T, CFG_STATUS, 2), STATUS_CAPS | STATUS_INT, "but not the Interrupt Status bit");
    cr_assert_eq(bar_rd(T, VDPU_BAR_ISR_OFF, 1), 1);
    cr_assert_eq(cfg_rd(T, CFG_STATUS, 2), STATUS_CAPS, "clear once the driver read ISR");
    cfg_wr(T, CFG_COMMAND, 2, CMD_MEM_BM);
    /* MSI-X on: a config change sets ISR bit 1, but no INTx interrupt is pending in the function */
    cfg_wr(T, CFG_MSIX_CTRL, 2, MSIX_ENABLE);
    csr_wr(T, VDPU_CSR_HOST_IRQ, 0xFFFF);
    run_cycles(T, 2);
    cr_assert_eq(csr_rd(T, VDPU_CSR_ISR), 2);
    cr_assert_eq(cfg_rd(T, CFG_STATUS, 2), STATUS_CAPS, "no INTx pending with MSI-X enabled");
    cr_assert(!T->b->out.intx);
    /* MSI-X off again with ISR still set: the interrupt is pending and the line rises */
    cfg_wr(T, CFG_MSIX_CTRL, 2, 0);
    run_cycles(T, 2);
    cr_assert_eq(cfg_rd(T, CFG_STATUS, 2), STATUS_CAPS | STATUS_INT);
    cr_assert(T->b->out.intx);
    cr_assert_eq(bar_rd(T, VDPU_BAR_ISR_OFF, 1), 2);
    cr_assert_eq(cfg_rd(T, CFG_STATUS, 2), STATUS_CAPS);
    expect_no_diag(T);
}

/* ==== (c) MSI-X across a device reset ============================================================
 * A virtio reset resets the device's interrupt state: a message pending on a masked vector before the
 * reset must not be delivered after it. The MSI-X table (address, data, mask) is PCI configuration the
 * OS owns and stays, as does the table size the capability declares. */

ENGINE_TEST(msix_reset, pending_bits_cleared_table_kept)
{
    t_enumerate(T);
    cfg_wr(T, CFG_MSIX_CTRL, 2, MSIX_ENABLE);
    for (unsigned v = 0; v < VDPU_NUM_VECTORS; v++) vector(T, v, 0x50 + v, v == 2 || v == 5);
    bar_wr(T, TBL(3, 1), 4, 0x12345678); /* an address above 4 GiB: every field is kept */
    csr_wr(T, VDPU_CSR_FW_QSEL, 1);
    csr_wr(T, VDPU_CSR_Q_MSIX, 2);
    csr_wr(T, VDPU_CSR_MSIX_CONFIG, 5);
    csr_wr(T, VDPU_CSR_HOST_IRQ, 1);
    csr_wr(T, VDPU_CSR_HOST_IRQ, 0xFFFF);
    run_cycles(T, 4);
    cr_assert_eq(bar_rd(T, PBA, 8), (1u << 2) | (1u << 5), "pending on the masked vectors");
    csr_wr(T, VDPU_CSR_DEV_RESET, 1);
    cr_assert_eq(bar_rd(T, PBA, 8), 0, "the device reset clears the pending bits");
    cr_assert_eq(bar_rd(T, PBA, 4), 0);
    cr_assert_eq(cfg_rd(T, CFG_MSIX_CTRL, 2), MSIX_ENABLE | (VDPU_NUM_VECTORS - 1), "table size and enable kept");
    for (unsigned v = 0; v < VDPU_NUM_VECTORS; v++) {
        cr_assert_eq(bar_rd(T, TBL(v, 0), 4), VDPU_MSI_BASE, "vector %u address kept", v);
        cr_assert_eq(bar_rd(T, TBL(v, 1), 4), v == 3 ? 0x12345678u : 0u, "vector %u address high kept", v);
        cr_assert_eq(bar_rd(T, TBL(v, 2), 4), 0x50 + v, "vector %u data kept", v);
        cr_assert_eq(bar_rd(T, TBL(v, 3), 4), v == 2 || v == 5, "vector %u mask kept", v);
    }
    cr_assert_eq(bar_rd(T, CC(MSIX), 2), 0xFFFF, "msix_config back to NO_VECTOR");
    bar_wr(T, CC(Q_SELECT), 2, 1);
    cr_assert_eq(bar_rd(T, CC(Q_MSIX), 2), 0xFFFF, "queue vector back to NO_VECTOR");
    bar_wr(T, TBL(2, 3), 4, 0);
    bar_wr(T, TBL(5, 3), 4, 0);
    run_cycles(T, 8);
    cr_assert_eq(T->s.mem.msi_total, 0, "nothing pending from before the reset is delivered");
    /* the vectors still work */
    csr_wr(T, VDPU_CSR_MSIX_CONFIG, 2);
    csr_wr(T, VDPU_CSR_HOST_IRQ, 0xFFFF);
    run_cycles(T, 4);
    cr_assert_eq(msi(T, 0x52), 1);
    expect_no_diag(T);
}

/* The same with the real firmware and driver: the config vector is masked, a link change leaves its
 * message pending, the driver resets the device (status 0) and unmasks: no message. */
ENGINE_TEST_REALFW(msix_reset, reset_drops_message_pending_on_masked_vector, .timeout = 120)
{
    struct drv_params p;
    drv_params_default(&p);
    virtio_drv_t *d = drv_new();
    cr_assert_eq(drv_up(T, d, &p), DRV_OK, "%s", d->refusal);
    uint64_t ctrl0 = T->bar + TBL(0, 3);
    cr_assert(host_mem_wr(T->b, ctrl0, 4, 1));
    uint64_t m0 = msi(T, PCI_MSI_DATA_BASE + 0);
    T->b->link_up = false;
    vdpu_bus_run_cycles(T->b, 3000);
    cr_assert_eq(msi(T, PCI_MSI_DATA_BASE + 0), m0, "masked: not delivered");
    cr_assert_eq(bar_rd(T, PBA, 4) & 1, 1, "pending on vector 0");
    cr_assert_eq(virtio_drv_reset(d), DRV_OK);
    cr_assert_eq(bar_rd(T, PBA, 4), 0, "the reset cleared it");
    cr_assert(host_mem_wr(T->b, ctrl0, 4, 0));
    vdpu_bus_run_cycles(T->b, 100);
    cr_assert_eq(msi(T, PCI_MSI_DATA_BASE + 0), m0, "no stale config message after the reset");
    free(d);
}

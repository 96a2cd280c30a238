/* test_conf_pci.c - virtio-pci transport conformance of the interrupt and configuration paths, on model,
 * rtl and cosim: the ISR configuration bit with MSI-X, PCI Status Interrupt Status, MSI-X state across a
 * device reset, config_generation during a device cfg change (no torn MAC), num_queues and the
 * queue_select validity rule, queue_size of queues the negotiation leaves out, NO_VECTOR queues, and
 * queue_reset reads. The spec text each test checks is quoted next to it. */
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

/* common cfg through the driver model */
static uint64_t rd(virtio_drv_t *d, uint32_t off, unsigned size)
{
    uint64_t v = 0;
    cr_assert_eq(drv_rd(d, off, size, &v), 0);
    return v;
}

/* ==== (d) config_generation ======================================================================
 * content.tex "Device Configuration Space": drivers read config_generation before and after the
 * fields and retry until they agree; "The device MUST present a changed config_generation after the
 * driver has read a device-specific configuration value which has changed since any part of the
 * device-specific configuration was last read." Mechanism: CONFIG_UPDATE[0] holds host reads of
 * config_generation while firmware changes fields and bumps the generation. */

ENGINE_TEST(cfg_gen, read_held_while_config_update)
{
    t_enumerate(T);
    csr_wr(T, VDPU_CSR_CONFIG_GEN, 7);
    cr_assert_eq(bar_rd(T, CC(CFGGENERATION), 1), 7);
    csr_wr(T, VDPU_CSR_CONFIG_UPDATE, 1);
    cr_assert_eq(csr_rd(T, VDPU_CSR_CONFIG_UPDATE), 1);
    /* device cfg and other plain reads are not held */
    cr_assert_eq(bar_rd(T, NC(MAC0), 1), 0x52);
    cr_assert_eq(bar_rd(T, CC(NUMQ), 2), VDPU_NUM_QUEUES);
    int tag = host_link_submit(T->b, VDPU_HL_MEM_RD, 1, T->bar + CC(CFGGENERATION), 0);
    cr_assert_geq(tag, 0);
    run_cycles(T, 50);
    cr_assert(!T->b->tags[tag].done, "config_generation read held during the update");
    cr_assert_eq(csr_rd(T, VDPU_CSR_HOLD_STATUS) & 1, 1);
    cr_assert_eq(csr_rd(T, VDPU_CSR_IRQ_STATUS) & 2, 2, "the hold shows in IRQ_STATUS[1]");
    csr_wr(T, VDPU_CSR_NET_MAC_LO, 0x33221100);
    csr_wr(T, VDPU_CSR_CONFIG_GEN, 8);
    csr_wr(T, VDPU_CSR_CONFIG_UPDATE, 0);
    uint64_t v = 0;
    cr_assert_eq(host_link_wait(T->b, tag, &v), VDPU_CPL_SC);
    cr_assert_eq(v, 8, "the held read returns the generation bumped inside the update");
    cr_assert_eq(csr_rd(T, VDPU_CSR_HOLD_STATUS) >> 16, 0, "no timeout");
    /* the same through the PCI cfg access window */
    csr_wr(T, VDPU_CSR_CONFIG_UPDATE, 1);
    cfg_wr(T, 0x98, 4, CC(CFGGENERATION));
    cfg_wr(T, 0x9C, 4, 1);
    tag = host_link_submit(T->b, VDPU_HL_CFG_RD, 1, 0xA0, 0);
    run_cycles(T, 50);
    cr_assert(!T->b->tags[tag].done, "held through the window too");
    csr_wr(T, VDPU_CSR_CONFIG_GEN, 9);
    csr_wr(T, VDPU_CSR_CONFIG_UPDATE, 0);
    cr_assert_eq(host_link_wait(T->b, tag, &v), VDPU_CPL_SC);
    cr_assert_eq(v, 9);
    /* bounded: HOLD_TIMEOUT completes it with the current value and names it */
    csr_wr(T, VDPU_CSR_HOLD_TIMEOUT, 40);
    csr_wr(T, VDPU_CSR_CONFIG_UPDATE, 1);
    diag_take(T, NULL);
    cr_assert_eq(bar_rd(T, CC(CFGGENERATION), 1), 9);
    expect_diag(T, VDPU_DIAG_HELD_TIMEOUT, CC(CFGGENERATION));
    cr_assert_eq(csr_rd(T, VDPU_CSR_HOLD_STATUS) >> 16, 1);
    /* policy reads are held by the event FIFO, not by CONFIG_UPDATE */
    cr_assert_eq(bar_rd(T, CC(STATUS), 1), 0);
    expect_no_diag(T);
    csr_wr(T, VDPU_CSR_CONFIG_UPDATE, 0xFFFFFFFE);
    cr_assert_eq(csr_rd(T, VDPU_CSR_CONFIG_UPDATE), 0, "one bit");
}

/* The torn-MAC race, constructed: while MAC_ADDR_SET runs on the control queue (firmware writes the
 * two MAC halves, then the generation), a host reads generation / mac[0..5] / generation back to back,
 * as virtio_cread_bytes does, and keeps a MAC only when both generations agree. Trial k starts that
 * loop a little later each time, so the loop's phase against the firmware's writes sweeps a whole loop
 * period: reads land before, between and after the two MAC writes and the bump. Half the trials pause
 * the reader between mac[2] and mac[3] (a driver preempted mid-read), long enough for the whole update
 * to fall inside the pause. No accepted MAC may mix the old and new one; mixed reads must have been
 * seen (and rejected), or the race was not reached. Between trials the firmware drains its queue. */
#define GEN_PHASES 16 /* reads take 2 cycles: 8 reads, one loop period */
#define GEN_GAP 48    /* the pause, longer than the firmware's update (~25 cycles) */
#define GEN_TRIALS (GEN_PHASES + GEN_PHASES * 2)

struct gen_reader {
    uint64_t cc, dc;
    bool on, stop;
    unsigned delay, step; /* step 0: generation, 1..6: mac[0..5], 7: generation again */
    unsigned gap, gap_left; /* pause before mac[3] */
    int tag;
    uint8_t gen1, mac[6];
    const uint8_t *old, *new;
    unsigned loops, accepted, torn_seen, torn_accepted;
};

static void gen_reader_cycle(void *p, vdpu_bus_t *b)
{
    struct gen_reader *r = p;
    if (!r->on) return;
    if (r->delay) {
        r->delay--;
        return;
    }
    if (r->tag >= 0) {
        if (!b->tags[r->tag].done) return;
        b->tags[r->tag].done = false;
        uint8_t v = (uint8_t)b->tags[r->tag].cpl.data;
        r->tag = -1;
        if (r->step == 0) {
            r->gen1 = v;
        } else if (r->step <= 6) {
            r->mac[r->step - 1] = v;
        } else {
            bool torn = memcmp(r->mac, r->old, 6) && memcmp(r->mac, r->new, 6);
            r->loops++;
            r->torn_seen += torn;
            if (v == r->gen1) {
                r->accepted++;
                r->torn_accepted += torn;
            }
        }
        r->step = (r->step + 1) % 8;
        r->gap_left = r->step == 4 ? r->gap : 0;
        if (r->step == 0 && r->stop) {
            r->on = false;
            return;
        }
    }
    if (r->gap_left) {
        r->gap_left--;
        return;
    }
    uint64_t a = r->step == 0 || r->step == 7 ? r->cc + VDPU_COMMON_CFGGENERATION : r->dc + VDPU_NETCFG_MAC0 + r->step - 1;
    r->tag = host_link_submit(b, VDPU_HL_MEM_RD, 1, a, 0); /* -1 (queue full): again next cycle */
}

ENGINE_TEST_REALFW(cfg_gen, no_torn_mac_during_mac_addr_set, .timeout = 900)
{
    static const uint8_t mac_a[6] = {0x02, 0x11, 0x22, 0x33, 0x44, 0x55}, mac_b[6] = {0x06, 0x66, 0x77, 0x88, 0x99, 0xAA};
    struct drv_params p;
    drv_params_default(&p);
    virtio_drv_t *d = drv_new();
    virtio_ctrl_t *c = calloc(1, sizeof *c);
    cr_assert(c);
    cr_assert_eq(drv_up(T, d, &p), DRV_OK, "%s", d->refusal);
    cr_assert_eq(virtio_ctrl_open(c, d), 0, "%s", c->error);
    uint8_t boot[6];
    memcpy(boot, d->mac, 6);
    for (unsigned i = 0; i < 6; i++) cr_assert(boot[i] != mac_a[i], "the MACs differ in every byte");
    struct gen_reader r;
    memset(&r, 0, sizeof r);
    r.cc = d->cc;
    r.dc = d->dc;
    uint64_t gen0 = rd(d, VDPU_COMMON_CFGGENERATION, 1);
    T->b->on_cycle = gen_reader_cycle;
    T->b->on_cycle_ctx = &r;
    const uint8_t *cur = boot;
    unsigned torn_gap0 = 0;
    for (unsigned k = 0; k < GEN_TRIALS; k++) {
        const uint8_t *next = k & 1 ? mac_b : mac_a;
        r.old = cur;
        r.new = next;
        /* no pause: every phase of the 16-cycle loop; paused: every other cycle of the longer loop */
        r.gap = k < GEN_PHASES ? 0 : GEN_GAP;
        r.delay = k < GEN_PHASES ? k : 2 * (k - GEN_PHASES);
        r.step = 0;
        r.gap_left = 0;
        r.tag = -1;
        r.stop = false;
        r.on = true;
        uint8_t ack = 0xEE;
        cr_assert_eq(virtio_ctrl_cmd(c, VNET_CTRL_MAC, VNET_CTRL_MAC_ADDR_SET, next, 6, &ack, 200000), 0, "%s", c->error);
        cr_assert_eq(ack, VNET_OK);
        r.stop = true;
        for (unsigned i = 0; i < 2000 && r.on && !T->b->stopped; i++) vdpu_bus_step(T->b);
        cr_assert(!r.on, "the reader finished its loop");
        /* the firmware keeps serving the ring until it finds it empty: let it, and pop the doorbell */
        vdpu_bus_run_cycles(T->b, 2000);
        if (k + 1 == GEN_PHASES) torn_gap0 = r.torn_seen;
        cur = next;
    }
    T->b->on_cycle = NULL;
    T->b->on_cycle_ctx = NULL;
    cr_assert_eq(r.torn_accepted, 0, "a torn MAC was accepted (generations agreed) in %u of %u loops", r.torn_accepted,
                 r.loops);
    cr_assert_gt(r.torn_seen, 0, "no loop straddled a MAC change (%u loops): the race was not constructed", r.loops);
    cr_assert_gt(r.accepted, 0);
    cr_assert_eq((uint8_t)(rd(d, VDPU_COMMON_CFGGENERATION, 1) - gen0), GEN_TRIALS,
                 "every MAC_ADDR_SET bumped the generation by exactly one");
    cr_assert_eq(peek_csr(T, VDPU_CSR_CONFIG_UPDATE), 0);
    cr_assert_eq(peek_csr(T, VDPU_CSR_EV_COUNT), 0);
    cr_log_info("%u loops, %u accepted, %u mixed reads rejected (%u without a pause)", r.loops, r.accepted,
                r.torn_seen, torn_gap0);
    free(c);
    free(d);
}

/* A device reset restores the boot MAC after MAC_ADDR_SET: a changed field, so a changed generation
 * (the driver read the set MAC before it reset). A reset that changes no field leaves it. */
ENGINE_TEST_REALFW(cfg_gen, reset_restoring_mac_bumps_generation, .timeout = 120)
{
    static const uint8_t mac_a[6] = {0x02, 0x11, 0x22, 0x33, 0x44, 0x55};
    struct drv_params p;
    drv_params_default(&p);
    virtio_drv_t *d = drv_new();
    virtio_ctrl_t *c = calloc(1, sizeof *c);
    cr_assert(c);
    cr_assert_eq(drv_up(T, d, &p), DRV_OK, "%s", d->refusal);
    cr_assert_eq(virtio_ctrl_open(c, d), 0, "%s", c->error);
    uint8_t boot5 = d->mac[5];
    uint64_t g0 = rd(d, VDPU_COMMON_CFGGENERATION, 1);
    cr_assert_eq(virtio_drv_reset(d), DRV_OK);
    cr_assert_eq(rd(d, VDPU_COMMON_CFGGENERATION, 1), g0, "no field changed: the generation stays");
    cr_assert_eq(virtio_drv_init(d, &T->s, &p), DRV_OK, "%s", d->refusal);
    cr_assert_eq(virtio_ctrl_open(c, d), 0, "%s", c->error);
    uint8_t ack = 0xEE;
    cr_assert_eq(virtio_ctrl_cmd(c, VNET_CTRL_MAC, VNET_CTRL_MAC_ADDR_SET, mac_a, 6, &ack, 200000), 0, "%s", c->error);
    cr_assert_eq(ack, VNET_OK);
    uint64_t g1 = rd(d, VDPU_COMMON_CFGGENERATION, 1);
    cr_assert_eq((uint8_t)(g1 - g0), 1);
    cr_assert_eq(bar_rd(T, NC(MAC0) + 5, 1), mac_a[5]);
    cr_assert_eq(virtio_drv_reset(d), DRV_OK);
    cr_assert_eq(bar_rd(T, NC(MAC0) + 5, 1), boot5, "the boot MAC is back");
    cr_assert_eq((uint8_t)(rd(d, VDPU_COMMON_CFGGENERATION, 1) - g1), 1, "and the generation changed with it");
    free(c);
    free(d);
}

static void wr(virtio_drv_t *d, uint32_t off, unsigned size, uint64_t v) { cr_assert_eq(drv_wr(d, off, size, v), 0); }

/* ==== (e) num_queues and the queue_select validity rule =========================================
 * transport-pci: num_queues "The device specifies the maximum number of virtqueues supported here";
 * "The device MUST present a 0 in queue_size if the virtqueue corresponding to the current
 * queue_select is unavailable." */

/* Every queue_select at or above num_queues (all 16-bit values): queue_size and every other per-queue
 * field read 0, writes are ignored (QSEL_INVALID, no event). */
static void invalid_selects(struct tctx *T, unsigned numq)
{
    for (uint32_t q = numq; q <= 0xFFFF; q++) {
        bar_wr(T, CC(Q_SELECT), 2, q);
        cr_assert_eq(bar_rd(T, CC(Q_SIZE), 2), 0, "queue_select %u: queue_size", q);
        bar_wr(T, CC(Q_SIZE), 2, 64);
        vdpu_diag_t last;
        cr_assert_eq(diag_take(T, &last), 1, "queue_select %u", q);
        cr_assert_eq(last.code, VDPU_DIAG_QSEL_INVALID, "queue_select %u", q);
    }
    cr_assert_eq(csr_rd(T, VDPU_CSR_EV_COUNT) & 0xFF, 0, "no event for a queue that does not exist");
    for (uint32_t q = numq; q < VDPU_NUM_QUEUES + 2; q++) {
        bar_wr(T, CC(Q_SELECT), 2, q);
        cr_assert_eq(bar_rd(T, CC(Q_MSIX), 2), 0);
        cr_assert_eq(bar_rd(T, CC(Q_ENABLE), 2), 0);
        cr_assert_eq(bar_rd(T, CC(Q_RESET), 2), 0);
        cr_assert_eq(bar_rd(T, CC(Q_NOFF), 2), 0);
        cr_assert_eq(bar_rd(T, CC(Q_NDATA), 2), 0);
        cr_assert_eq(bar_rd(T, CC(Q_DESCLO), 4), 0);
        cr_assert_eq(bar_rd(T, VDPU_BAR_VQSTATE_OFF + VDPU_VQSTATE_AVAIL, 4), 0, "VQSTATE follows the same rule");
        expect_no_diag(T);
        bar_wr(T, CC(Q_DESCLO), 4, 0x1000);
        expect_diag(T, VDPU_DIAG_QSEL_INVALID, CC(Q_DESCLO));
        bar_wr(T, CC(Q_ENABLE), 2, 1);
        expect_diag(T, VDPU_DIAG_QSEL_INVALID, CC(Q_ENABLE));
        bar_wr(T, CC(Q_MSIX), 2, 1);
        expect_diag(T, VDPU_DIAG_QSEL_INVALID, CC(Q_MSIX));
        bar_wr(T, CC(Q_RESET), 2, 1);
        expect_diag(T, VDPU_DIAG_QSEL_INVALID, CC(Q_RESET));
    }
    cr_assert_eq(csr_rd(T, VDPU_CSR_EV_COUNT) & 0xFF, 0);
}

ENGINE_TEST(num_queues, numq_csr_bounds_queue_select, .timeout = 600)
{
    t_enumerate(T);
    cr_assert_eq(csr_rd(T, VDPU_CSR_NUMQ), VDPU_NUM_QUEUES, "hardware reset value");
    csr_wr(T, VDPU_CSR_NUMQ, 3);
    cr_assert_eq(bar_rd(T, CC(NUMQ), 2), 3, "num_queues is what firmware programmed");
    for (unsigned q = 0; q < 3; q++) {
        bar_wr(T, CC(Q_SELECT), 2, q);
        cr_assert_eq(bar_rd(T, CC(Q_SIZE), 2), VDPU_QSIZE_MAX, "queue %u exists", q);
        cr_assert_eq(bar_rd(T, CC(Q_NOFF), 2), q);
    }
    bar_wr(T, CC(Q_SELECT), 2, 2);
    bar_wr(T, CC(Q_DESCLO), 4, 0x2000);
    cr_assert_eq(bar_rd(T, CC(Q_DESCLO), 4), 0x2000);
    expect_no_diag(T);
    invalid_selects(T, 3);
    /* the firmware view of the hardware queues is unchanged */
    csr_wr(T, VDPU_CSR_FW_QSEL, 4);
    cr_assert_eq(csr_rd(T, VDPU_CSR_Q_SIZE), VDPU_QSIZE_MAX);
    cr_assert_eq(csr_rd(T, VDPU_CSR_FW_ERR), 0);
    /* a device reset keeps it; a value above the hardware's queues stores NUM_QUEUES */
    csr_wr(T, VDPU_CSR_DEV_RESET, 1);
    cr_assert_eq(bar_rd(T, CC(NUMQ), 2), 3);
    csr_wr(T, VDPU_CSR_NUMQ, 9);
    cr_assert_eq(csr_rd(T, VDPU_CSR_NUMQ), VDPU_NUM_QUEUES);
    cr_assert_eq(bar_rd(T, CC(NUMQ), 2), VDPU_NUM_QUEUES);
    csr_wr(T, VDPU_CSR_NUMQ, 0x10003);
    cr_assert_eq(csr_rd(T, VDPU_CSR_NUMQ), 3, "16 bits");
}

/* --max-qp 1: two queue pairs' worth of hardware, one offered, so 3 queues (receiveq1, transmitq1,
 * controlq); the rest read queue_size 0 whatever the driver negotiates. */
static void open_max_qp1(struct tctx *t, enum vdpu_engine e)
{
    struct vdpu_opts o;
    vdpu_opts_default(&o);
    o.max_qp = 1;
    t_open_fw(t, e, &o);
}

static void max_qp1_body(struct tctx *T)
{
    t_enumerate(T);
    /* a driver resets the device first; the firmware has programmed num_queues at boot by then */
    virtio_drv_t *d = drv_new();
    d->s = &T->s;
    d->cc = T->s.pci.vcap[VIRTIO_PCI_CAP_COMMON_CFG].addr;
    cr_assert_eq(virtio_drv_reset(d), DRV_OK);
    cr_assert_eq(bar_rd(T, CC(NUMQ), 2), 3, "2 max_qp + 1");
    for (unsigned q = 0; q < 3; q++) {
        bar_wr(T, CC(Q_SELECT), 2, q);
        cr_assert_eq(bar_rd(T, CC(Q_SIZE), 2), VDPU_QSIZE_MAX, "queue %u", q);
    }
    static const uint16_t beyond[] = {3, 4, 5, 0x100, 0x7FFF, 0xFFFF};
    for (unsigned i = 0; i < sizeof beyond / sizeof beyond[0]; i++) {
        bar_wr(T, CC(Q_SELECT), 2, beyond[i]);
        cr_assert_eq(bar_rd(T, CC(Q_SIZE), 2), 0, "queue_select %u", beyond[i]);
        bar_wr(T, CC(Q_SIZE), 2, 64);
        cr_assert_eq(bar_rd(T, CC(Q_SIZE), 2), 0, "queue_select %u: write ignored", beyond[i]);
    }
    /* the driver model reads num_queues and brings up the pair and the control queue */
    struct drv_params p;
    drv_params_default(&p);
    cr_assert_eq(pci_msix_setup(T->b, &T->s.pci, NULL), 0);
    cr_assert_eq(virtio_drv_init(d, &T->s, &p), DRV_OK, "%s", d->refusal);
    cr_assert_eq(d->nq, 3);
    wr(d, VDPU_COMMON_Q_SELECT, 2, 3);
    cr_assert_eq(rd(d, VDPU_COMMON_Q_SIZE, 2), 0);
    free(d);
}

Test(num_queues, max_qp1_model, .timeout = 120) { struct tctx t; open_max_qp1(&t, VDPU_ENGINE_MODEL); max_qp1_body(&t); t_close(&t); }
Test(num_queues, max_qp1_rtl, .timeout = 120) { struct tctx t; open_max_qp1(&t, VDPU_ENGINE_RTL); max_qp1_body(&t); t_close(&t); }
Test(num_queues, max_qp1_cosim, .timeout = 120) { struct tctx t; open_max_qp1(&t, VDPU_ENGINE_COSIM); max_qp1_body(&t); t_close(&t); }

/* Queues the negotiation leaves out are unavailable too. virtio-net "Virtqueues": "N=1 if neither
 * VIRTIO_NET_F_MQ nor VIRTIO_NET_F_RSS are negotiated"; "controlq ... only exists if
 * VIRTIO_NET_F_CTRL_VQ is negotiated". Before FEATURES_OK every queue below num_queues is there (the
 * driver may still negotiate MQ); from FEATURES_OK to the next reset, without MQ, queues 3 and 4 read
 * queue_size 0 and refuse sizes and enables; the control queue (2) works. */
ENGINE_TEST_REALFW(num_queues, queues_left_out_by_negotiation_read_size_0, .timeout = 120)
{
    struct drv_params p;
    drv_params_default(&p);
    p.accept[0] &= ~(1u << VIRTIO_NET_F_MQ);
    virtio_drv_t *d = drv_new();
    t_enumerate(T);
    cr_assert_eq(pci_msix_setup(T->b, &T->s.pci, NULL), 0);
    d->s = &T->s;
    d->cc = T->s.pci.vcap[VIRTIO_PCI_CAP_COMMON_CFG].addr;
    d->dc = T->s.pci.vcap[VIRTIO_PCI_CAP_DEVICE_CFG].addr;
    cr_assert_eq(virtio_drv_reset(d), DRV_OK);
    cr_assert_eq(rd(d, VDPU_COMMON_NUMQ, 2), VDPU_NUM_QUEUES);
    for (unsigned q = 0; q < VDPU_NUM_QUEUES; q++) {
        wr(d, VDPU_COMMON_Q_SELECT, 2, q);
        cr_assert_eq(rd(d, VDPU_COMMON_Q_SIZE, 2), VDPU_QSIZE_MAX, "before FEATURES_OK: queue %u is there", q);
    }
    cr_assert_eq(virtio_drv_init(d, &T->s, &p), DRV_OK, "%s", d->refusal);
    cr_assert_eq(d->nq, 3, "one pair and the control queue");
    for (unsigned q = 3; q < VDPU_NUM_QUEUES; q++) {
        wr(d, VDPU_COMMON_Q_SELECT, 2, q);
        cr_assert_eq(rd(d, VDPU_COMMON_Q_SIZE, 2), 0, "queue %u: not negotiated (no MQ)", q);
        wr(d, VDPU_COMMON_Q_SIZE, 2, 64);
        cr_assert_eq(rd(d, VDPU_COMMON_Q_SIZE, 2), 0, "queue %u: size refused", q);
        wr(d, VDPU_COMMON_Q_ENABLE, 2, 1);
        cr_assert_eq(rd(d, VDPU_COMMON_Q_ENABLE, 2), 0, "queue %u: enable refused", q);
    }
    wr(d, VDPU_COMMON_Q_SELECT, 2, 2);
    cr_assert_neq(rd(d, VDPU_COMMON_Q_SIZE, 2), 0, "the control queue");
    cr_assert_eq(rd(d, VDPU_COMMON_Q_ENABLE, 2), 1);
    /* a reset makes them available again; with MQ they are the second pair */
    cr_assert_eq(virtio_drv_reset(d), DRV_OK);
    wr(d, VDPU_COMMON_Q_SELECT, 2, 4);
    cr_assert_eq(rd(d, VDPU_COMMON_Q_SIZE, 2), VDPU_QSIZE_MAX, "back after the reset");
    drv_params_default(&p);
    cr_assert_eq(virtio_drv_init(d, &T->s, &p), DRV_OK, "%s", d->refusal);
    cr_assert_eq(d->nq, VDPU_NUM_QUEUES);
    for (unsigned q = 0; q < VDPU_NUM_QUEUES; q++) {
        wr(d, VDPU_COMMON_Q_SELECT, 2, q);
        cr_assert_neq(rd(d, VDPU_COMMON_Q_SIZE, 2), 0, "MQ negotiated: queue %u", q);
    }
    free(d);
}

/* ==== queues with NO_VECTOR ======================================================================
 * transport-pci "Used Buffer Notifications": "If MSI-X capability is enabled and queue_msix_vector is
 * NO_VECTOR for a virtqueue, the device MUST NOT deliver an interrupt for that virtqueue." */

static void one_tx_buffer(struct tctx *T, uint16_t n)
{
    desc_w(T, (uint16_t)(n % QN), BUFS + 0x1000u * n, BUF_LEN, 0, 0);
    hm_w16(T, RING_DRV + 4 + 2u * (n % QN), (uint16_t)(n % QN));
    hm_w16(T, RING_DRV + 2, (uint16_t)(n + 1));
    kick(T);
}

ENGINE_TEST(no_vector, queue_without_vector_gets_no_interrupt)
{
    engine_up(T, false, VDPU_CSR_ENG_PARAM_RESET, 0);
    cfg_wr(T, CFG_MSIX_CTRL, 2, MSIX_ENABLE);
    vector(T, 1, 0x41, false);
    csr_wr(T, VDPU_CSR_FW_QSEL, Q_TX);
    cr_assert_eq(csr_rd(T, VDPU_CSR_Q_MSIX), 0xFFFF, "NO_VECTOR after reset");
    one_tx_buffer(T, 0);
    cr_assert_eq(hm_r16(T, RING_DEV + 2), 1, "the buffer was used");
    cr_assert_eq(T->b->net.tx_frames, 1);
    cr_assert_eq(reqs(T, VDPU_PURP_MSIX), 0, "no MSI-X message for a queue without a vector");
    cr_assert_eq(bar_rd(T, PBA, 8), 0, "nothing pending either");
    cr_assert_eq(csr_rd(T, VDPU_CSR_ISR), 0, "no ISR bit with MSI-X");
    cr_assert(!T->b->out.intx);
    cr_assert_eq(csr_rd(T, VDPU_CSR_FW_ERR), 0, "not an error: the driver chose no vector");
    /* the control: with a vector the same buffer interrupts */
    csr_wr(T, VDPU_CSR_Q_MSIX, 1);
    one_tx_buffer(T, 1);
    cr_assert_eq(hm_r16(T, RING_DEV + 2), 2);
    cr_assert_eq(msi(T, 0x41), 1, "with vector 1: one message");
    /* and back to NO_VECTOR */
    csr_wr(T, VDPU_CSR_Q_MSIX, 0xFFFF);
    one_tx_buffer(T, 2);
    cr_assert_eq(hm_r16(T, RING_DEV + 2), 3);
    cr_assert_eq(reqs(T, VDPU_PURP_MSIX), 1);
    cr_assert_eq(csr_rd(T, VDPU_CSR_QERR), 0);
}

/* ==== queue_reset reads ==========================================================================
 * transport-pci: "If VIRTIO_F_RING_RESET has been negotiated, the device MUST present a 0 in
 * queue_reset on reset." - "... MUST present a 0 in queue_reset after the virtqueue is enabled with
 * queue_enable." - "The device MUST present 0 in both queue_reset and queue_enable when queue reset has
 * completed." */
ENGINE_TEST_REALFW(queue_reset, reads_after_reenable_and_device_reset, .timeout = 120)
{
    struct drv_params p;
    drv_params_default(&p);
    virtio_drv_t *d = drv_new();
    cr_assert_eq(drv_up(T, d, &p), DRV_OK, "%s", d->refusal);
    for (unsigned q = 0; q < d->nq; q++) {
        wr(d, VDPU_COMMON_Q_SELECT, 2, d->qidx[q]);
        cr_assert_eq(rd(d, VDPU_COMMON_Q_RESET, 2), 0, "queue %u live: 0", d->qidx[q]);
    }
    cr_assert_eq(virtio_drv_queue_reset(d, 1), DRV_OK, "%s", d->refusal); /* reset, 0, reprogram, enable */
    wr(d, VDPU_COMMON_Q_SELECT, 2, 1);
    cr_assert_eq(rd(d, VDPU_COMMON_Q_ENABLE, 2), 1, "re-enabled");
    cr_assert_eq(rd(d, VDPU_COMMON_Q_RESET, 2), 0, "0 after the queue is enabled again");
    /* a queue reset, then a device reset before re-enabling */
    wr(d, VDPU_COMMON_Q_SELECT, 2, 0);
    wr(d, VDPU_COMMON_Q_RESET, 2, 1);
    cr_assert_eq(rd(d, VDPU_COMMON_Q_RESET, 2), 0);
    cr_assert_eq(rd(d, VDPU_COMMON_Q_ENABLE, 2), 0);
    cr_assert_eq(virtio_drv_reset(d), DRV_OK);
    for (unsigned q = 0; q < VDPU_NUM_QUEUES; q++) {
        wr(d, VDPU_COMMON_Q_SELECT, 2, q);
        cr_assert_eq(rd(d, VDPU_COMMON_Q_RESET, 2), 0, "queue %u: 0 after the device reset", q);
        cr_assert_eq(rd(d, VDPU_COMMON_Q_ENABLE, 2), 0);
    }
    /* and a device reset of live queues, then a new initialization */
    cr_assert_eq(virtio_drv_init(d, &T->s, &p), DRV_OK, "%s", d->refusal);
    cr_assert_eq(virtio_drv_reset(d), DRV_OK);
    for (unsigned q = 0; q < VDPU_NUM_QUEUES; q++) {
        wr(d, VDPU_COMMON_Q_SELECT, 2, q);
        cr_assert_eq(rd(d, VDPU_COMMON_Q_RESET, 2), 0, "queue %u", q);
    }
    free(d);
}

/* ==== queue_size and the ring type ===============================================================
 * transport-pci: "If VIRTIO_F_RING_PACKED has not been negotiated, the device MUST present either a
 * value of 0 or a power of 2 in queue_size." Before FEATURES_OK nothing is negotiated, so a size that
 * is not a power of 2 is refused then too (it used to be kept until the enable check); once a packed
 * ring is negotiated any size is taken, with a split ring powers of 2 only. */
static void negotiate(virtio_drv_t *d, bool packed)
{
    cr_assert_eq(virtio_drv_reset(d), DRV_OK);
    drv_set_status(d, VIRTIO_CONFIG_S_ACKNOWLEDGE);
    drv_set_status(d, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
    wr(d, VDPU_COMMON_GFSELECT, 4, 1);
    wr(d, VDPU_COMMON_GF, 4, 1u | (packed ? 1u << (VIRTIO_F_RING_PACKED - 32) : 0)); /* VERSION_1 (+ RING_PACKED) */
    drv_set_status(d, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK);
    cr_assert_eq(drv_status(d), VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK);
}

ENGINE_TEST_REALFW(queue_size, power_of_2_unless_packed_negotiated, .timeout = 120)
{
    virtio_drv_t *d = drv_new();
    t_enumerate(T);
    d->s = &T->s;
    d->cc = T->s.pci.vcap[VIRTIO_PCI_CAP_COMMON_CFG].addr;
    cr_assert_eq(virtio_drv_reset(d), DRV_OK);
    drv_set_status(d, VIRTIO_CONFIG_S_ACKNOWLEDGE);
    drv_set_status(d, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
    for (unsigned q = 0; q < VDPU_NUM_QUEUES; q++) {
        wr(d, VDPU_COMMON_Q_SELECT, 2, q);
        wr(d, VDPU_COMMON_Q_SIZE, 2, 100);
        cr_assert_eq(rd(d, VDPU_COMMON_Q_SIZE, 2), VDPU_QSIZE_MAX, "queue %u: 100 refused before FEATURES_OK", q);
        wr(d, VDPU_COMMON_Q_SIZE, 2, 64);
        cr_assert_eq(rd(d, VDPU_COMMON_Q_SIZE, 2), 64, "queue %u: a power of 2 is taken", q);
    }
    negotiate(d, false);
    wr(d, VDPU_COMMON_Q_SELECT, 2, 0);
    wr(d, VDPU_COMMON_Q_SIZE, 2, 100);
    cr_assert_eq(rd(d, VDPU_COMMON_Q_SIZE, 2), VDPU_QSIZE_MAX, "split ring: 100 refused");
    negotiate(d, true);
    wr(d, VDPU_COMMON_Q_SELECT, 2, 0);
    wr(d, VDPU_COMMON_Q_SIZE, 2, 100);
    cr_assert_eq(rd(d, VDPU_COMMON_Q_SIZE, 2), 100, "packed ring: any size");
    cr_assert_eq(virtio_drv_reset(d), DRV_OK);
    cr_assert_eq(rd(d, VDPU_COMMON_Q_SIZE, 2), VDPU_QSIZE_MAX, "a device reset: the default again");
    free(d);
}

/* ==== unmapping every event ======================================================================
 * transport-pci "MSI-X Vector Configuration": "The device MUST support mapping any event type to any
 * valid vector 0 to MSI-X Table Size. The device MUST support unmapping any event type." - "The device
 * MUST return vector mapped to a given event, (NO_VECTOR if unmapped) on read of
 * config_msix_vector/queue_msix_vector." - "The device MUST have all queue and configuration change
 * events unmapped upon reset." - "Devices SHOULD NOT use more vectors than necessary to reduce the
 * reported MSI-X Table Size": one per event source (config and each queue), rounded up to a power of
 * 2 (8 for 6). Every event is
 * mapped, then unmapped by the driver's NO_VECTOR write, mapped again and unmapped by a device reset;
 * an unmapped config change sends no message. */
ENGINE_TEST_REALFW(no_vector, every_event_unmapped_by_no_vector_and_by_reset, .timeout = 120)
{
    struct drv_params p;
    drv_params_default(&p);
    virtio_drv_t *d = drv_new();
    cr_assert_eq(drv_up(T, d, &p), DRV_OK, "%s", d->refusal);
    unsigned tsize = (unsigned)(cfg_rd(T, CFG_MSIX_CTRL, 2) & 0x7FF) + 1;
    cr_assert_eq(tsize, VDPU_NUM_VECTORS);
    cr_assert(tsize >= 1u + VDPU_NUM_QUEUES && tsize < 2u * (1 + VDPU_NUM_QUEUES),
              "%u vectors for %u event sources: one each, rounded up to a power of 2", tsize, 1 + VDPU_NUM_QUEUES);
    for (unsigned round = 0; round < 2; round++) {
        for (unsigned q = 0; q < VDPU_NUM_QUEUES; q++) {
            unsigned v = (q + round) % tsize;
            wr(d, VDPU_COMMON_Q_SELECT, 2, q);
            wr(d, VDPU_COMMON_Q_MSIX, 2, v);
            cr_assert_eq(rd(d, VDPU_COMMON_Q_MSIX, 2), v, "queue %u mapped to %u", q, v);
        }
        wr(d, VDPU_COMMON_MSIX, 2, tsize - 1);
        cr_assert_eq(rd(d, VDPU_COMMON_MSIX, 2), tsize - 1, "config mapped to the last vector");
        if (round == 0) {
            for (unsigned q = 0; q < VDPU_NUM_QUEUES; q++) {
                wr(d, VDPU_COMMON_Q_SELECT, 2, q);
                wr(d, VDPU_COMMON_Q_MSIX, 2, 0xFFFF);
                cr_assert_eq(rd(d, VDPU_COMMON_Q_MSIX, 2), 0xFFFF, "queue %u unmapped", q);
            }
            wr(d, VDPU_COMMON_MSIX, 2, 0xFFFF);
            cr_assert_eq(rd(d, VDPU_COMMON_MSIX, 2), 0xFFFF, "config unmapped");
            /* an unmapped config change: no message */
            uint64_t m0 = T->s.mem.msi_total;
            T->b->link_up = false;
            vdpu_bus_run_cycles(T->b, 3000);
            cr_assert_eq(bar_rd(T, VDPU_BAR_ISR_OFF, 1), 2, "the config change happened");
            cr_assert_eq(T->s.mem.msi_total, m0, "no message for an unmapped config change");
            T->b->link_up = true;
            vdpu_bus_run_cycles(T->b, 3000);
            cr_assert_eq(bar_rd(T, VDPU_BAR_ISR_OFF, 1), 2);
            cr_assert_eq(T->s.mem.msi_total, m0);
        } else {
            cr_assert_eq(virtio_drv_reset(d), DRV_OK);
            cr_assert_eq(rd(d, VDPU_COMMON_MSIX, 2), 0xFFFF, "config unmapped by the reset");
            for (unsigned q = 0; q < VDPU_NUM_QUEUES; q++) {
                wr(d, VDPU_COMMON_Q_SELECT, 2, q);
                cr_assert_eq(rd(d, VDPU_COMMON_Q_MSIX, 2), 0xFFFF, "queue %u unmapped by the reset", q);
            }
        }
    }
    free(d);
}

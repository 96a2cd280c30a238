/* msix.c - interrupts: MSI-X table and PBA, firmware HOST_IRQ, the MSI-X message sender, legacy INTx. */
#include <string.h>

#include "model.h"

#define MSIX_ENTRY_DWORDS 4u /* 16-byte entries */
#define MSIX_DWORD_ADDR_LO 0u
#define MSIX_DWORD_ADDR_HI 1u
#define MSIX_DWORD_DATA    2u
#define MSIX_DWORD_CTRL    3u
#define MSIX_MSG_BYTES     4u /* an MSI-X message is one dword write */

void model_msix_reset(struct vdpu_state *s)
{
    for (unsigned v = 0; v < VDPU_NUM_VECTORS; v++) {
        memset(&s->msix[v], 0, sizeof s->msix[v]);
        s->msix[v].ctrl = PCI_MSIX_ENTRY_CTRL_MASK; /* vectors come out of reset masked */
    }
    s->msix_pending = 0;
}

/* ---- table: dword-granular storage --------------------------------------------- */

static uint32_t table_dword_read(const struct vdpu_state *s, unsigned dw)
{
    const struct vdpu_msix_entry *m = &s->msix[dw / MSIX_ENTRY_DWORDS];
    switch (dw % MSIX_ENTRY_DWORDS) {
    case MSIX_DWORD_ADDR_LO: return m->addr_lo;
    case MSIX_DWORD_ADDR_HI: return m->addr_hi;
    case MSIX_DWORD_DATA: return m->data;
    default: return m->ctrl;
    }
}

static void table_dword_write(struct vdpu_state *n, unsigned dw, uint32_t v)
{
    struct vdpu_msix_entry *m = &n->msix[dw / MSIX_ENTRY_DWORDS];
    n->msix_gen++; /* copied on change (model_tick) */
    switch (dw % MSIX_ENTRY_DWORDS) {
    case MSIX_DWORD_ADDR_LO: m->addr_lo = v & ~3u; break; /* message address is dword aligned */
    case MSIX_DWORD_ADDR_HI: m->addr_hi = v; break;
    case MSIX_DWORD_DATA: m->data = v; break;
    default: m->ctrl = v & PCI_MSIX_ENTRY_CTRL_MASK; break;
    }
}

/* Size 4 (any dword) or 8 (two dwords, low first); alignment was checked by the BAR decoder. */
void model_msix_table_access(struct vdpu_edge *e, uint64_t bar_off, unsigned size, bool write, uint64_t wdata,
                             struct host_result *r)
{
    unsigned dw = (unsigned)((bar_off - VDPU_BAR_MSIX_TBL_OFF) / 4);

    if (size != 4 && size != 8) {
        model_access_fault(e, VDPU_DIAG_BAR_BAD_SIZE, bar_off, r);
        return;
    }
    for (unsigned i = 0; i < size / 4; i++) {
        if (write)
            table_dword_write(e->next, dw + i, (uint32_t)(wdata >> (32 * i)));
        else
            r->data |= (uint64_t)table_dword_read(e->pre, dw + i) << (32 * i);
    }
}

/* ---- PBA: read-only pending bits ------------------------------------------------ */

void model_msix_pba_access(struct vdpu_edge *e, uint64_t bar_off, unsigned size, bool write, struct host_result *r)
{
    uint64_t in_off = bar_off - VDPU_BAR_MSIX_PBA_OFF;

    if (size != 4 && size != 8) {
        model_access_fault(e, VDPU_DIAG_BAR_BAD_SIZE, bar_off, r);
        return;
    }
    if (write) {
        model_diag(e, VDPU_DIAG_BAR_RO_WRITE, bar_off);
        return;
    }
    r->data = e->pre->msix_pending >> (8 * in_off);
}

/* ---- firmware raises an interrupt (HOST_IRQ) ----------------------------------- */

void model_irq_raise(struct vdpu_edge *e, uint16_t queue_or_config)
{
    const struct vdpu_state *s = e->pre;
    bool config_change = queue_or_config == VIRTIO_NO_VECTOR;
    bool queue_ok = queue_or_config < VDPU_NUM_QUEUES;

    if (!config_change && !queue_ok) {
        model_fw_err(e, VDPU_FWERR_NO_VECTOR);
        return;
    }
    /* transport-pci "ISR status capability": the device MUST set the Device Configuration Interrupt
     * bit before sending a configuration change notification - with or without MSI-X (the Queue
     * Interrupt bit only without it). The message itself goes out at a later edge. */
    if (config_change) e->next->isr |= VIRTIO_ISR_CONFIG;
    if (!model_cfg_msix_enabled(s)) {
        if (!config_change) e->next->isr |= VIRTIO_ISR_QUEUE;
        return;
    }
    uint16_t vector = config_change ? s->msix_config : s->queue[queue_or_config].msix_vector;
    if (vector >= VDPU_NUM_VECTORS) { /* includes VIRTIO_NO_VECTOR */
        model_fw_err(e, VDPU_FWERR_NO_VECTOR);
        return;
    }
    e->next->msix_pending |= 1ull << vector;
}

/* ---- the queue engine raises a queue interrupt --------------------------------------- */

/* As HOST_IRQ(queue) does, except that a queue without a vector simply gets none (no FW_ERR: not firmware's doing). */
void model_queue_irq(struct vdpu_edge *e, uint16_t queue)
{
    const struct vdpu_state *s = e->pre;

    if (!model_cfg_msix_enabled(s)) {
        e->next->isr |= VIRTIO_ISR_QUEUE;
        return;
    }
    uint16_t vector = s->queue[queue].msix_vector;
    if (vector < VDPU_NUM_VECTORS) e->next->msix_pending |= 1ull << vector;
}

/* ---- sender: pending vector -> one DMA write -------------------------------------- */

/*
 * Runs last in the edge, after the engine, which has priority on the DMA
 * output register. Decides from pre-edge state only, so a pending bit
 * firmware or the engine sets at this edge is seen from the next one;
 * clearing the sent bit is the last write to msix_pending at this edge.
 */
/* A pending message the sender may send (vdpu_msix's msg_valid_o): one on a masked vector, or with
 * MSI-X off or masked, waits for a host write. */
bool model_msix_sendable(const struct vdpu_state *s)
{
    if (!s->msix_pending || !model_cfg_msix_enabled(s) || model_cfg_msix_func_masked(s) || !model_cfg_bus_master(s))
        return false;
    for (unsigned v = 0; v < VDPU_NUM_VECTORS; v++)
        if ((s->msix_pending >> v & 1) && !(s->msix[v].ctrl & PCI_MSIX_ENTRY_CTRL_MASK)) return true;
    return false;
}

void model_msix_sender_edge(struct vdpu_edge *e)
{
    const struct vdpu_state *s = e->pre;
    struct vdpu_state *n = e->next;

    if (!s->msix_pending || !model_dma_out_free(e)) return; /* the common case first: nothing to send */
    if (!model_cfg_msix_enabled(s) || model_cfg_msix_func_masked(s) || !model_cfg_bus_master(s)) return;

    for (unsigned v = 0; v < VDPU_NUM_VECTORS; v++) {
        const struct vdpu_msix_entry *m = &s->msix[v];
        if (!(s->msix_pending >> v & 1) || (m->ctrl & PCI_MSIX_ENTRY_CTRL_MASK)) continue;

        uint32_t data = m->data ^ (e->fault == VDPU_FAULT_MSIX_DATA ? 1u : 0u);
        vdpu_dmareq_t r;
        memset(&r, 0, sizeof r);
        r.type = VDPU_DMA_WR;
        r.purpose = VDPU_PURP_MSIX;
        r.queue = (uint16_t)v;
        r.tag = 0;
        r.len = MSIX_MSG_BYTES;
        r.addr = (uint64_t)m->addr_hi << 32 | m->addr_lo;
        for (unsigned i = 0; i < MSIX_MSG_BYTES; i++) r.data[i] = (uint8_t)(data >> (8 * i));
        r.last = true;
        model_dma_out_load(e, &r);
        n->msix_pending &= ~(1ull << v);
        return;
    }
}

/* ---- legacy INTx level ----------------------------------------------------------- */

/* The INTx interrupt pending in the function: PCI Status bit 3 (Interrupt Status). With MSI-X on the
 * function does not use INTx, so nothing is pending; INTx disable (COMMAND bit 10) does not affect it. */
bool model_intx_pending(const struct vdpu_state *s)
{
    return s->isr != 0 && !model_cfg_msix_enabled(s);
}

/* The line: the pending interrupt unless COMMAND.INTx disable masks it. */
bool model_intx_level(const struct vdpu_state *s)
{
    return model_intx_pending(s) && !model_cfg_intx_disabled(s);
}

/* dev_regions.c - the small BAR0 regions: notify doorbells, ISR (read-to-clear), virtio-net device cfg,
 * the vendor-specific ring-position (VQSTATE) and migration control (MIG) regions. */
#include <stddef.h>

#include "model.h"

/* ---- notify: one doorbell per queue, write-only ------------------------------- */

void model_notify_access(struct vdpu_edge *e, uint64_t bar_off, unsigned size, bool write, uint64_t wdata,
                         struct host_result *r)
{
    uint64_t in_off = bar_off - VDPU_BAR_NOTIFY_OFF;
    bool doorbell_shape = (size == 2 || size == 4) && in_off % VDPU_NOTIFY_MULT == 0;
    uint64_t queue = in_off / VDPU_NOTIFY_MULT;

    if (!write) { /* shape is checked first, so a bad read is reported as such */
        model_access_fault(e, doorbell_shape ? VDPU_DIAG_BAR_WO_READ : VDPU_DIAG_BAR_BAD_SIZE, bar_off, r);
        return;
    }
    if (!doorbell_shape || queue >= VDPU_NUM_QUEUES) {
        model_diag(e, VDPU_DIAG_NOTIFY_BAD, bar_off);
        return;
    }
    /* Only the control queue (CTRLQ, set by firmware at negotiation) is firmware's business;
     * data-queue doorbells are counted and kick the queue engine. A 4-byte value whose vqn (bits
     * 15:0) names the queue carries NOTIFICATION_DATA in bits 31:16 (the engine uses it when the
     * feature was negotiated); another vqn is not this queue's data: ignored, with a diagnostic
     * (the doorbell still counts for the queue its address names). */
    bool vqn_bad = size == 4 && (wdata & 0xFFFFu) != queue;
    if (queue == e->pre->ctrlq) {
        /* one diagnostic per access: a full event FIFO's overflow (raised by the push) wins */
        if (vqn_bad && e->pre->evq_count < VDPU_EVQ_DEPTH) model_diag(e, VDPU_DIAG_NOTIFY_VQN, bar_off);
        model_evq_push(e, VDPU_EV_NOTIFY, (uint16_t)queue, (uint32_t)wdata, bar_off);
    } else {
        if (vqn_bad) model_diag(e, VDPU_DIAG_NOTIFY_VQN, bar_off);
        e->next->notify_count++;
        e->next->queue[queue].kick = true;
        if (size == 4 && (wdata & 0xFFFFu) == queue) {
            e->next->queue[queue].nd = (uint16_t)(wdata >> 16);
            e->next->queue[queue].nd_valid = true;
        }
    }
}

/* ---- ISR status: one byte, reading clears it ---------------------------------- */

void model_isr_access(struct vdpu_edge *e, uint64_t bar_off, unsigned size, bool write, struct host_result *r)
{
    if (size != 1) {
        model_access_fault(e, VDPU_DIAG_BAR_BAD_SIZE, bar_off, r);
        return;
    }
    if (write) {
        model_diag(e, VDPU_DIAG_BAR_RO_WRITE, bar_off);
        return;
    }
    r->data = e->pre->isr;
    /* Cleared here, before firmware effects: a HOST_IRQ at the same edge sets its bit again. */
    if (e->fault != VDPU_FAULT_ISR_NOCLEAR) e->next->isr = 0;
}

/* ---- virtio-net device cfg: read-only view of the NET_* CSRs ------------------ */

static uint64_t devcfg_read(const struct vdpu_state *s, uint16_t field)
{
    uint64_t mac = (uint64_t)s->net_mac_hi << 32 | s->net_mac_lo; /* mac[0] in bits [7:0] */

    switch (field) {
    case VDPU_NETCFG_STATUS: return s->net_status;
    case VDPU_NETCFG_MAX_QP: return s->net_max_qp;
    case VDPU_NETCFG_MTU: return s->net_mtu;
    default: return (mac >> (8 * (field - VDPU_NETCFG_MAC0))) & 0xFF; /* MAC0..MAC5 */
    }
}

void model_devcfg_access(struct vdpu_edge *e, uint64_t bar_off, unsigned size, bool write, struct host_result *r)
{
    uint64_t in_off = bar_off - VDPU_BAR_DEVCFG_OFF;
    const struct vdpu_field_desc *f = NULL;

    for (unsigned i = 0; i < VDPU_N_NETCFG_FIELDS && !f; i++)
        if (vdpu_netcfg_fields[i].off == in_off && vdpu_netcfg_fields[i].size == size) f = &vdpu_netcfg_fields[i];
    if (!f) {
        model_access_fault(e, VDPU_DIAG_BAR_BAD_SIZE, bar_off, r);
        return;
    }
    if (write) {
        model_diag(e, VDPU_DIAG_BAR_RO_WRITE, bar_off);
        return;
    }
    r->data = devcfg_read(e->pre, f->off);
}

/* ---- VQSTATE (vendor-specific): ring position of the queue queue_select names --- */

/* Two read-only dwords from the queue engine's position in the queue context: AVAIL = {avail_wrap,
 * last_avail}, USED = {used_wrap, used_idx}; an invalid queue_select (>= num_queues) reads 0 (as common
 * cfg does).
 * Reads have no side effects. */
void model_vqstate_access(struct vdpu_edge *e, uint64_t bar_off, unsigned size, bool write, struct host_result *r)
{
    uint64_t in_off = bar_off - VDPU_BAR_VQSTATE_OFF;
    if (size != 4) { /* the dword alignment was checked with the size */
        model_access_fault(e, VDPU_DIAG_BAR_BAD_SIZE, bar_off, r);
        return;
    }
    if (write) {
        model_diag(e, VDPU_DIAG_BAR_RO_WRITE, bar_off);
        return;
    }
    uint16_t qsel = e->pre->queue_select;
    if (qsel >= e->pre->num_queues) return; /* num_queues (NUMQ) <= NUM_QUEUES */
    const struct vdpu_queue_ctx *q = &e->pre->queue[qsel];
    r->data = in_off == VDPU_VQSTATE_AVAIL ? (uint32_t)q->avail_wrap << VDPU_VQSTATE_WRAP_BIT | q->last_avail
                                           : (uint32_t)q->used_wrap << VDPU_VQSTATE_WRAP_BIT | q->used_idx;
}

/* ---- MIG (vendor-specific): the hypervisor's stop/run, served by firmware ------ */

/* ID and CAPS constants; CTRL, whose write is a command for firmware (event MIG_CTRL) and whose read shows
 * the mode in effect; STATUS and DATA, firmware's MIG_STATUS and MIG_DATA CSRs (reads held while firmware
 * has events to serve, so they tell the outcome of every command before); the 2 KiB state window from
 * MIG_WIN on: the state RAM, plain storage. Anything else in the region is a hole. */
void model_mig_access(struct vdpu_edge *e, uint64_t bar_off, unsigned size, bool write, uint64_t wdata,
                      struct host_result *r)
{
    uint64_t in_off = bar_off - VDPU_BAR_MIG_OFF;
    if (size != 4) {
        model_access_fault(e, VDPU_DIAG_BAR_BAD_SIZE, bar_off, r);
        return;
    }
    if (in_off >= VDPU_MIG_WIN) {
        unsigned i = (unsigned)(in_off - VDPU_MIG_WIN) / 4;
        r->data = e->pre->mig_ram[i];
        if (write) {
            e->next->mig_ram[i] = (uint32_t)wdata;
            e->next->mig_ram_gen++; /* copied on change (model_tick) */
        }
        return;
    }
    if (in_off == VDPU_MIG_CTRL) {
        r->data = (e->pre->mig_status >> VDPU_MIG_STATUS_STOPPED_LSB) & 1;
        r->held = !write;
        if (write) model_evq_push(e, VDPU_EV_MIG_CTRL, 0, (uint32_t)wdata, bar_off);
        return;
    }
    if (in_off != VDPU_MIG_ID && in_off != VDPU_MIG_CAPS && in_off != VDPU_MIG_STATUS && in_off != VDPU_MIG_DATA) {
        model_access_fault(e, VDPU_DIAG_BAR_HOLE, bar_off, r);
        return;
    }
    if (write) {
        model_diag(e, VDPU_DIAG_BAR_RO_WRITE, bar_off);
        return;
    }
    switch (in_off) {
    case VDPU_MIG_STATUS: r->data = e->pre->mig_status; r->held = true; break;
    case VDPU_MIG_DATA: r->data = e->pre->mig_data; r->held = true; break;
    case VDPU_MIG_CAPS: r->data = VDPU_MIG_CAPS_VALUE; break;
    default: r->data = VDPU_MIG_ID_VALUE; break;
    }
}

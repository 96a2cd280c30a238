/* common_cfg.c - virtio common cfg: plain registers, read-only fields, and policy fields that go to firmware. */
#include <stddef.h>

#include "model.h"

/* The field an access names, or NULL: only exact (offset, size) matches are legal. */
/* The field starting at each offset of the region (index + 1; 0: none), filled once before main: the
 * decode runs on every access to the region and on every edge a read of it is held */
static uint8_t common_at[VDPU_BAR_COMMON_LEN];
_Static_assert(VDPU_N_COMMON_FIELDS < 256, "common_at holds a field index");

__attribute__((constructor)) static void common_at_fill(void)
{
    for (unsigned i = 0; i < VDPU_N_COMMON_FIELDS; i++)
        if (vdpu_common_fields[i].off < VDPU_BAR_COMMON_LEN) common_at[vdpu_common_fields[i].off] = (uint8_t)(i + 1);
}

static const struct vdpu_field_desc *common_field(uint64_t in_off, unsigned size)
{
    if (in_off >= VDPU_BAR_COMMON_LEN || !common_at[in_off]) return NULL;
    const struct vdpu_field_desc *f = &vdpu_common_fields[common_at[in_off] - 1];
    return f->size == size ? f : NULL;
}

/* queue_select names a queue the device offers: below num_queues (NUMQ, at most NUM_QUEUES). */
static bool qsel_valid(const struct vdpu_state *s)
{
    return s->queue_select < s->num_queues;
}

/* The queue queue_select names, or NULL when it names none. */
static const struct vdpu_queue_ctx *selected_queue(const struct vdpu_state *s)
{
    return qsel_valid(s) ? &s->queue[s->queue_select] : NULL;
}

static uint32_t feature_word(const uint32_t *words, uint32_t sel)
{
    return sel < VDPU_FEAT_WORDS ? words[sel] : 0;
}

static uint64_t common_read(const struct vdpu_state *s, uint16_t field)
{
    const struct vdpu_queue_ctx *q = selected_queue(s);

    switch (field) {
    case VDPU_COMMON_DFSELECT: return s->device_feature_select;
    case VDPU_COMMON_DF: return feature_word(s->dev_feature, s->device_feature_select);
    case VDPU_COMMON_GFSELECT: return s->driver_feature_select;
    case VDPU_COMMON_GF: return feature_word(s->drv_feature, s->driver_feature_select);
    case VDPU_COMMON_MSIX: return s->msix_config;
    case VDPU_COMMON_NUMQ: return s->num_queues;
    case VDPU_COMMON_STATUS: return s->device_status;
    case VDPU_COMMON_CFGGENERATION: return s->config_gen;
    case VDPU_COMMON_Q_SELECT: return s->queue_select;
    case VDPU_COMMON_Q_SIZE: return q ? q->size : 0;
    case VDPU_COMMON_Q_MSIX: return q ? q->msix_vector : 0;
    case VDPU_COMMON_Q_ENABLE: return q ? q->enable : 0;
    case VDPU_COMMON_Q_RESET: return q ? q->reset : 0;
    /* notify_off_multiplier-scaled doorbell index and notify data are both the queue index */
    case VDPU_COMMON_Q_NOFF:
    case VDPU_COMMON_Q_NDATA: return q ? s->queue_select : 0;
    case VDPU_COMMON_Q_DESCLO: return q ? q->desc_lo : 0;
    case VDPU_COMMON_Q_DESCHI: return q ? q->desc_hi : 0;
    case VDPU_COMMON_Q_AVAILLO: return q ? q->driver_lo : 0;
    case VDPU_COMMON_Q_AVAILHI: return q ? q->driver_hi : 0;
    case VDPU_COMMON_Q_USEDLO: return q ? q->device_lo : 0;
    case VDPU_COMMON_Q_USEDHI: return q ? q->device_hi : 0;
    }
    return 0;
}

/* The policy event a per-queue field's write becomes. */
static uint8_t queue_policy_event(uint16_t field)
{
    switch (field) {
    case VDPU_COMMON_Q_SIZE: return VDPU_EV_Q_SIZE;
    case VDPU_COMMON_Q_MSIX: return VDPU_EV_Q_MSIX;
    case VDPU_COMMON_Q_ENABLE: return VDPU_EV_Q_ENABLE;
    default: return VDPU_EV_Q_RESET;
    }
}

/* Ring addresses are plain storage, but only while the queue is disabled. */
static void ring_address_write(struct vdpu_edge *e, uint16_t field, uint64_t bar_off, uint32_t v)
{
    const struct vdpu_state *s = e->pre;
    if (!qsel_valid(s)) {
        model_diag(e, VDPU_DIAG_QSEL_INVALID, bar_off);
        return;
    }
    if (s->queue[s->queue_select].enable != 0) {
        model_diag(e, VDPU_DIAG_Q_ADDR_LOCKED, bar_off);
        return;
    }
    struct vdpu_queue_ctx *q = &e->next->queue[s->queue_select];
    switch (field) {
    case VDPU_COMMON_Q_DESCLO: q->desc_lo = v; break;
    case VDPU_COMMON_Q_DESCHI: q->desc_hi = v; break;
    case VDPU_COMMON_Q_AVAILLO: q->driver_lo = v; break;
    case VDPU_COMMON_Q_AVAILHI: q->driver_hi = v; break;
    case VDPU_COMMON_Q_USEDLO: q->device_lo = v; break;
    case VDPU_COMMON_Q_USEDHI: q->device_hi = v; break;
    }
}

/* v is already truncated to the field width (the access size equals it). */
static void common_write(struct vdpu_edge *e, uint16_t field, uint64_t bar_off, uint32_t v)
{
    const struct vdpu_state *s = e->pre;
    struct vdpu_state *n = e->next;

    switch (field) {
    case VDPU_COMMON_DFSELECT: n->device_feature_select = v; break;
    case VDPU_COMMON_GFSELECT: n->driver_feature_select = v; break;
    case VDPU_COMMON_Q_SELECT: n->queue_select = (uint16_t)v; break;
    case VDPU_COMMON_GF:
        /* driver_feature is visible at once (no firmware commit), and firmware is told. */
        if (s->driver_feature_select < VDPU_FEAT_WORDS) {
            n->drv_feature[s->driver_feature_select] = v;
            model_evq_push(e, VDPU_EV_DRV_FEATURE, (uint16_t)s->driver_feature_select, v, bar_off);
        } else {
            model_diag(e, VDPU_DIAG_FEATSEL_INVALID, bar_off);
        }
        break;
    /* Policy writes never change the visible value: firmware commits it through the CSRs. */
    case VDPU_COMMON_MSIX: model_evq_push(e, VDPU_EV_MSIX_CONFIG, 0, v, bar_off); break;
    case VDPU_COMMON_STATUS:
        /* writing 0 asks for a reset: until firmware's DEV_RESET acts, the driver must wait (it reads
         * device_status until 0) and anything it writes would be erased by that reset */
        if (v == 0 && s->evq_count < VDPU_EVQ_DEPTH) n->reset_pend = true;
        model_evq_push(e, VDPU_EV_STATUS, 0, v, bar_off);
        break;
    case VDPU_COMMON_Q_SIZE:
    case VDPU_COMMON_Q_MSIX:
    case VDPU_COMMON_Q_ENABLE:
    case VDPU_COMMON_Q_RESET:
        if (qsel_valid(s))
            model_evq_push(e, queue_policy_event(field), s->queue_select, v, bar_off);
        else
            model_diag(e, VDPU_DIAG_QSEL_INVALID, bar_off);
        break;
    case VDPU_COMMON_Q_DESCLO:
    case VDPU_COMMON_Q_DESCHI:
    case VDPU_COMMON_Q_AVAILLO:
    case VDPU_COMMON_Q_AVAILHI:
    case VDPU_COMMON_Q_USEDLO:
    case VDPU_COMMON_Q_USEDHI: ring_address_write(e, field, bar_off, v); break;
    }
}

void model_common_cfg_access(struct vdpu_edge *e, uint64_t bar_off, unsigned size, bool write, uint64_t wdata,
                             struct host_result *r)
{
    const struct vdpu_field_desc *f = common_field(bar_off - VDPU_BAR_COMMON_OFF, size);

    if (!f) {
        model_access_fault(e, VDPU_DIAG_BAR_BAD_SIZE, bar_off, r);
        return;
    }
    if (!write) {
        r->data = common_read(e->pre, f->off);
        r->held = f->kind == VDPU_KIND_EV; /* policy fields: the value may be waiting for firmware */
        /* config_generation: firmware may be halfway through a device cfg change (CONFIG_UPDATE) */
        r->held_gen = f->off == VDPU_COMMON_CFGGENERATION;
        return;
    }
    if (e->pre->reset_pend) {
        /* virtio (basic facilities, device reset): after writing 0 to device_status the driver waits
         * for it to read 0 before it sets the device up again. A write that does not wait would land
         * before the reset it asked for and be erased by it - a queue enabled on rings the reset
         * cleared - so the device ignores it, visibly. */
        model_diag(e, VDPU_DIAG_RESET_PENDING, bar_off);
        return;
    }
    if (f->kind == VDPU_KIND_RO) {
        model_diag(e, VDPU_DIAG_BAR_RO_WRITE, bar_off);
        return;
    }
    common_write(e, f->off, bar_off, (uint32_t)wdata);
}

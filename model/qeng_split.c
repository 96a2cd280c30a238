/* qeng_split.c - split virtqueue layout for the queue engine: avail idx/ring reads, descriptor table, used ring. */
#include "qeng.h"

#define SPLIT_RING_HDR   4u /* flags, idx in front of the avail and used rings */
#define SPLIT_USED_ELEM  8u /* {id:32, len:32} */

/* Split rings are power-of-two sized, but the contract says `% N`; guard only a queue_size of 0. */
static uint16_t ring_slot(uint16_t i, uint16_t n)
{
    return n ? (uint16_t)(i % n) : 0;
}

static void read_ring(struct vdpu_edge *e, const struct vdpu_queue_ctx *qc)
{
    qeng_read(e, VDPU_PURP_AVAIL_RING, qeng_driver_base(qc) + SPLIT_RING_HDR + 2u * ring_slot(qc->last_avail, qc->size), 2);
}

static void read_desc(struct vdpu_edge *e, const struct vdpu_queue_ctx *qc, uint16_t id)
{
    qeng_read(e, VDPU_PURP_DESC, qeng_desc_base(qc) + (uint64_t)VIRTQ_DESC_BYTES * id, VIRTQ_DESC_BYTES);
}

void qeng_split_start(struct vdpu_edge *e, uint16_t q)
{
    qeng_read(e, VDPU_PURP_AVAIL_IDX, qeng_driver_base(&e->pre->queue[q]), SPLIT_RING_HDR);
}

void qeng_split_proc(struct vdpu_edge *e)
{
    const struct vdpu_eng *g = &e->pre->eng;
    struct vdpu_eng *n = &e->next->eng;
    const struct vdpu_queue_ctx *qc = qeng_qctx(e);
    const uint8_t *d = e->bufs->rd;

    switch (g->rd_purpose) {
    case VDPU_PURP_AVAIL_IDX: {
        uint16_t flags = le16_at(d), idx = le16_at(d + 2);
        if (idx == qc->last_avail) { /* empty */
            if (g->rx)
                qeng_drop_frame(e);
            else
                qeng_idle(e);
            return;
        }
        if ((uint16_t)(idx - qc->last_avail) > qc->size) {
            qeng_error(e, VDPU_QERR_IDX);
            return;
        }
        n->avail_idx = idx;
        n->avail_flags = flags;
        read_ring(e, qc);
        return;
    }
    case VDPU_PURP_AVAIL_RING: {
        uint16_t id = le16_at(d);
        if (id >= qc->size) {
            qeng_error(e, VDPU_QERR_ID);
            return;
        }
        n->id = id;
        read_desc(e, qc, id);
        return;
    }
    case VDPU_PURP_DESC: {
        n->d_addr = le64_at(d);
        n->d_len = le32_at(d + 8);
        n->d_flags = le16_at(d + 12);
        n->d_next = le16_at(d + 14);
        n->ndesc = (uint16_t)(g->ndesc + 1);
        uint8_t code = qeng_desc_check(e, n->d_addr, n->d_len, n->d_flags, n->ndesc);
        if (!code && (n->d_flags & VIRTQ_DESC_F_NEXT) && n->d_next >= qc->size) code = VDPU_QERR_ID;
        if (code)
            qeng_error(e, code);
        else
            qeng_desc_data(e);
        return;
    }
    default: /* the split layout reads nothing else */
        qeng_error(e, VDPU_QERR_DMA);
        return;
    }
}

/* The current descriptor's data is done (its fields are in next->eng). */
void qeng_split_desc_done(struct vdpu_edge *e)
{
    const struct vdpu_eng *n = &e->next->eng;

    if (n->d_flags & VIRTQ_DESC_F_NEXT)
        read_desc(e, qeng_qctx(e), n->d_next);
    else
        qeng_chain_done(e);
}

void qeng_split_used(struct vdpu_edge *e)
{
    const struct vdpu_eng *n = &e->next->eng;
    const struct vdpu_queue_ctx *qc = qeng_qctx(e);
    uint8_t elem[SPLIT_USED_ELEM];

    put_le32(elem, n->id);
    put_le32(elem + 4, n->rx ? n->rx_done : 0);
    qeng_write(e, VDPU_PURP_USED,
               qeng_device_base(qc) + SPLIT_RING_HDR + (uint64_t)SPLIT_USED_ELEM * ring_slot(qc->used_idx, qc->size),
               SPLIT_USED_ELEM, elem);
}

void qeng_split_wr_done(struct vdpu_edge *e)
{
    const struct vdpu_queue_ctx *qc = qeng_qctx(e);
    struct vdpu_queue_ctx *nq = &e->next->queue[e->pre->eng.q];
    uint8_t idx[2];

    if (e->pre->eng.wr_purpose == VDPU_PURP_USED) {
        put_le16(idx, (uint16_t)(qc->used_idx + 1));
        qeng_write(e, VDPU_PURP_USED_IDX, qeng_device_base(qc) + 2, 2, idx);
        return;
    }
    /* used idx written: the buffer is consumed */
    nq->used_idx = (uint16_t)(qc->used_idx + 1);
    nq->last_avail = (uint16_t)(qc->last_avail + 1);
    e->next->eng.fsm = VDPU_ENG_IRQ;
}

/* Step 7 and 8: interrupt unless the driver suppressed it, then the next buffer or a fresh avail idx. */
void qeng_split_irq(struct vdpu_edge *e)
{
    const struct vdpu_eng *g = &e->pre->eng;
    const struct vdpu_queue_ctx *qc = qeng_qctx(e);

    if (!(g->avail_flags & VRING_AVAIL_F_NO_INTERRUPT)) model_queue_irq(e, g->q);
    if (g->rx)
        qeng_idle(e);
    else if (qc->last_avail != g->avail_idx)
        read_ring(e, qc);
    else
        qeng_split_start(e, g->q);
}

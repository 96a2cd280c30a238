/* qeng_split.c - split virtqueue layout for the queue engine: avail idx/ring reads, descriptor table, used ring. */
#include "qeng.h"

/* the ring walker's entry points (struct qeng_ring, at the end) and what they call ahead */
static void split_write_batch(struct vdpu_edge *e);
static void split_leave(struct vdpu_edge *e);
static void split_start(struct vdpu_edge *e, uint16_t q);
static void split_proc(struct vdpu_edge *e);
static void split_desc_done(struct vdpu_edge *e);
static void split_used(struct vdpu_edge *e);
static void split_wr_done(struct vdpu_edge *e);
static void split_irq(struct vdpu_edge *e);
static void split_next_buffer(struct vdpu_edge *e);
static void split_rx_next(struct vdpu_edge *e);

#define SPLIT_USED_ELEM  8u /* {id:32, len:32} */
#define SPLIT_AVAIL_ENTRY 2u

/* Split rings are power-of-two sized, but the contract says `% N`; guard only a queue_size of 0. */
static uint16_t ring_slot(uint16_t i, uint16_t n)
{
    return n ? (uint16_t)(i % n) : 0;
}

static void read_desc(struct vdpu_edge *e, const struct vdpu_queue_ctx *qc, uint16_t id)
{
    qeng_read(e, VDPU_PURP_DESC, qeng_desc_base(qc) + (uint64_t)VIRTQ_DESC_BYTES * id, VIRTQ_DESC_BYTES);
}

/* The avail ring index of the next buffer: last_avail, plus (MRG_RXBUF) the buffers of the frame
 * already filled, which stay available until the frame is committed. */
static uint16_t next_avail(const struct vdpu_eng *g, const struct vdpu_queue_ctx *qc)
{
    return (uint16_t)(qc->last_avail + g->m_n);
}

/*
 * IN_ORDER fetch: the descriptor at io_pos is needed (a head or a chain's next): from the cache (PROC
 * next, no DMA), or when it is empty by reading k = min(P, buffers the last avail idx offers from the
 * one in service on, descriptors before the table end) consecutive descriptors (at least 1). Every
 * available buffer has a descriptor at least, so the k descriptors from io_pos all belong to
 * available buffers (none is read before the driver wrote it).
 */
static void io_desc(struct vdpu_edge *e, const struct vdpu_queue_ctx *qc)
{
    struct vdpu_eng *n = &e->next->eng;
    uint16_t offered = (uint16_t)(n->avail_idx - next_avail(n, qc));
    uint32_t k = n->pf;

    if (n->pc_n || qeng_xa_take(e)) { /* cached, or read ahead during a TX fetch */
        n->fsm = VDPU_ENG_PROC;
        n->rd_purpose = VDPU_PURP_DESC;
        return;
    }
    if (offered < k) k = offered;
    if (n->io_pos < qc->size && (uint32_t)qc->size - n->io_pos < k) k = (uint32_t)qc->size - n->io_pos;
    if (n->io_pos >= qc->size || k == 0) k = 1;
    qeng_read(e, VDPU_PURP_DESC, qeng_desc_base(qc) + (uint64_t)VIRTQ_DESC_BYTES * n->io_pos,
              (uint16_t)(VIRTQ_DESC_BYTES * k));
}

/*
 * The next buffer's head: k = min(P, entries the last avail idx offers, entries before the ring end)
 * ring entries, at least 1. IN_ORDER fetch: the head is io_pos when it is known (no ring read), else
 * one ring entry names it (after a reset or a restored position).
 */
static void read_ring(struct vdpu_edge *e, const struct vdpu_queue_ctx *qc)
{
    struct vdpu_eng *n = &e->next->eng;
    uint16_t la = next_avail(n, qc);
    uint16_t slot = ring_slot(la, qc->size);
    uint16_t offered = (uint16_t)(n->avail_idx - la);
    uint32_t k = n->pf;

    if (n->io_fetch && n->io_seq) {
        n->id = n->io_pos;
        io_desc(e, qc);
        return;
    }
    if (n->io_fetch) k = 1;
    if (offered < k) k = offered;
    if ((uint32_t)qc->size - slot < k) k = (uint32_t)qc->size - slot;
    if (k == 0) k = 1;
    qeng_read(e, VDPU_PURP_AVAIL_RING, qeng_driver_base(qc) + SPLIT_RING_HDR + 2u * slot, (uint16_t)(2u * k));
}

/* The next head id from the prefetch cache (it is not empty). */
static uint16_t take_id(struct vdpu_edge *e)
{
    const struct vdpu_eng *g = &e->pre->eng;
    struct vdpu_eng *n = &e->next->eng;

    n->pc_pos = (uint8_t)(g->pc_pos + 1);
    n->pc_n = (uint8_t)(g->pc_n - 1);
    return le16_at(g->pc + 2u * g->pc_pos);
}

/* Start a buffer at head id `id` (just taken from the cache): QERR_ID is found when it is used. */
static void start_head(struct vdpu_edge *e, const struct vdpu_queue_ctx *qc, uint16_t id)
{
    if (id >= qc->size) {
        qeng_error(e, VDPU_QERR_ID);
        return;
    }
    e->next->eng.id = id;
    if (e->next->eng.io_fetch) { /* IN_ORDER: the ring entry says where the table order is */
        e->next->eng.io_seq = true;
        e->next->eng.io_pos = id;
        io_desc(e, qc);
        return;
    }
    read_desc(e, qc, id);
}

/* The engine consumes buffers up to last_avail `la`: IN_ORDER fetch keeps where the next one starts. */
static void consume(struct vdpu_edge *e, uint16_t la)
{
    struct vdpu_eng *n = &e->next->eng;
    uint16_t q = e->pre->eng.q;

    e->next->queue[q].last_avail = la;
    if (!n->io_fetch) return;
    n->io_ok |= (uint8_t)(1u << q);
    n->io_la[q] = la;
    n->io_head[q] = n->io_pos;
}

/*
 * Write the collected used elements in one request (USED_IDX follows in split_wr_done).
 * IN_ORDER: only the batch's last element, at the slot of its first buffer; the used idx still moves
 * by the whole batch, and the driver takes every earlier buffer as used (split-ring.tex, "In-order
 * use of descriptors").
 */
static void write_batch(struct vdpu_edge *e, const struct vdpu_queue_ctx *qc)
{
    const struct vdpu_eng *n = &e->next->eng;
    uint8_t elems[SPLIT_USED_ELEM * VDPU_ENG_PARAM_MAX];

    if (n->io_en) { /* a TX service: len 0 */
        put_le32(elems, n->b_id[n->b_cnt - 1]);
        put_le32(elems + 4, 0);
        qeng_write(e, VDPU_PURP_USED,
                   qeng_device_base(qc) + SPLIT_RING_HDR + (uint64_t)SPLIT_USED_ELEM * ring_slot(qc->used_idx, qc->size),
                   SPLIT_USED_ELEM, elems);
        return;
    }
    for (unsigned i = 0; i < n->b_cnt; i++) {
        put_le32(elems + SPLIT_USED_ELEM * i, n->b_id[i]);
        put_le32(elems + SPLIT_USED_ELEM * i + 4, n->b_len[i]);
    }
    qeng_write(e, VDPU_PURP_USED,
               qeng_device_base(qc) + SPLIT_RING_HDR + (uint64_t)SPLIT_USED_ELEM * ring_slot(qc->used_idx, qc->size),
               (uint16_t)(SPLIT_USED_ELEM * n->b_cnt), elems);
}

static void split_write_batch(struct vdpu_edge *e)
{
    write_batch(e, qeng_qctx(e));
}

/* The queue is left with a batch held: it is written first, IDLE after its IRQ. */
static void split_leave(struct vdpu_edge *e)
{
    e->next->eng.b_leave = true;
    write_batch(e, qeng_qctx(e));
}

static void split_start(struct vdpu_edge *e, uint16_t q)
{
    qeng_read(e, VDPU_PURP_AVAIL_IDX, qeng_driver_base(&e->pre->queue[q]), SPLIT_RING_HDR);
}

/* EVENT_IDX: used_event sits after the avail ring, avail_event after the used ring. */
static uint64_t used_event_addr(const struct vdpu_queue_ctx *qc)
{
    return qeng_driver_base(qc) + SPLIT_RING_HDR + (uint64_t)SPLIT_AVAIL_ENTRY * qc->size;
}

static uint64_t avail_event_addr(const struct vdpu_queue_ctx *qc)
{
    return qeng_device_base(qc) + SPLIT_RING_HDR + (uint64_t)SPLIT_USED_ELEM * qc->size;
}

static void split_proc(struct vdpu_edge *e)
{
    const struct vdpu_eng *g = &e->pre->eng;
    struct vdpu_eng *n = &e->next->eng;
    const struct vdpu_queue_ctx *qc = qeng_qctx(e);
    const uint8_t *d = e->bufs->rd;

    switch (g->rd_purpose) {
    case VDPU_PURP_AVAIL_IDX: {
        uint16_t flags = le16_at(d), idx = le16_at(d + 2);
        n->avail_idx = idx;
        n->avail_flags = flags; /* the latest flags decide a batch's interrupt */
        if (idx == next_avail(g, qc)) { /* empty (MRG_RXBUF: no buffer for the rest of the frame) */
            if (g->ev_en && !g->rx && !g->ae_wait) {
                /* EVENT_IDX: ask for a doorbell when the next buffer is posted, then look once more */
                uint8_t ae[2];
                put_le16(ae, qc->last_avail);
                qeng_write(e, VDPU_PURP_EVENT, avail_event_addr(qc), 2, ae);
                return;
            }
            if (g->rx) { /* the frame is dropped (a held batch is written first) */
                qeng_drop_frame(e);
            } else if (g->b_cnt) { /* leaving the queue: write the batch first, IDLE after its IRQ */
                split_leave(e);
            } else {
                qeng_idle(e);
            }
            return;
        }
        n->ae_wait = false; /* a later empty queue writes avail_event again */
        /* more than a ring of buffers, or (MRG_RXBUF) fewer than the frame's buffers already taken:
         * the idx moved back */
        if ((uint16_t)(idx - qc->last_avail) > qc->size || (uint16_t)(idx - qc->last_avail) < g->m_n) {
            qeng_error(e, VDPU_QERR_IDX);
            return;
        }
        read_ring(e, qc);
        return;
    }
    case VDPU_PURP_EVENT: { /* used_event, after a batch's used idx: vring_need_event */
        if (!g->ev_en) { /* no EVENT_IDX: the avail flags as they are after the used idx write */
            n->avail_flags = le16_at(d);
            n->fsm = VDPU_ENG_IRQ;
            return;
        }
        n->no_irq = !qeng_event_irq(d, false, true, qeng_qctx(e)->used_idx, false, qeng_qctx(e)->size, 0, g->ev_old);
        n->fsm = VDPU_ENG_IRQ;
        return;
    }
    case VDPU_PURP_AVAIL_RING: /* the entries are in the cache: the first one is used now */
        start_head(e, qc, take_id(e));
        return;
    case VDPU_PURP_DESC: {
        if (g->io_fetch) { /* IN_ORDER: the next cached descriptor, the one at io_pos */
            d = g->pc + VIRTQ_DESC_BYTES * g->pc_pos;
            n->pc_pos = (uint8_t)(g->pc_pos + 1);
            n->pc_n = (uint8_t)(g->pc_n - 1);
            n->io_pos = (uint16_t)(g->io_pos + 1u >= qc->size ? 0 : g->io_pos + 1u);
        }
        n->d_addr = le64_at(d);
        n->d_len = le32_at(d + 8);
        n->d_flags = le16_at(d + 12);
        n->d_next = le16_at(d + 14);
        n->ndesc = (uint16_t)(g->ndesc + 1);
        if (qeng_ind(e) && (n->d_flags & VIRTQ_DESC_F_INDIRECT)) { /* INDIRECT_DESC: the chain goes on in a table */
            uint8_t code = qeng_ind_check(e, n->d_addr, n->d_len, n->d_flags, n->ndesc);
            if (code)
                qeng_error(e, code);
            else
                qeng_tbl_start(e, n->d_addr, n->d_len);
            return;
        }
        uint8_t code = qeng_desc_check(e, n->d_addr, n->d_len, n->d_flags, n->ndesc, qc->size);
        if (!code && (n->d_flags & VIRTQ_DESC_F_NEXT) && n->d_next >= qc->size) code = VDPU_QERR_ID;
        /* IN_ORDER: "driver MUST set next to 0 for the last descriptor in the table ... and to x + 1
         * for the rest" (split-ring.tex): a chain that goes elsewhere breaks the table order */
        if (!code && g->io_fetch && (n->d_flags & VIRTQ_DESC_F_NEXT) && n->d_next != n->io_pos)
            code = VDPU_QERR_CHAIN;
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
static void split_desc_done(struct vdpu_edge *e)
{
    struct vdpu_eng *n = &e->next->eng;

    if (n->in_tbl && (n->d_flags & VIRTQ_DESC_F_NEXT)) { /* inside a table: next is a table entry */
        n->t_cur = n->d_next;
        qeng_tbl_fetch(e);
    } else if ((n->d_flags & VIRTQ_DESC_F_NEXT) && n->io_fetch) /* IN_ORDER: next is io_pos (checked) */
        io_desc(e, qeng_qctx(e));
    else if (n->d_flags & VIRTQ_DESC_F_NEXT)
        read_desc(e, qeng_qctx(e), n->d_next);
    else
        qeng_chain_done(e);
}

/*
 * The buffer is done (TX: its frame is out; RX: its chain is written): its used element (RX: with the
 * bytes written) joins the batch. The batch is written when it holds B elements and when the next
 * element would cross the used ring's end (not with IN_ORDER: its one element never crosses it);
 * otherwise the buffer is consumed now and IRQ only picks the next step (RX: the next frame, RX_NEXT).
 */
static void split_used(struct vdpu_edge *e)
{
    const struct vdpu_eng *g = &e->pre->eng;
    struct vdpu_eng *n = &e->next->eng;
    const struct vdpu_queue_ctx *qc = qeng_qctx(e);
    unsigned cnt = g->b_cnt + 1u;

    n->b_id[g->b_cnt] = n->id;
    n->b_len[g->b_cnt] = (uint16_t)(n->rx ? n->rx_done : 0);
    n->b_cnt = (uint8_t)cnt;
    if (cnt >= n->bb || (!n->io_en && ring_slot(qc->used_idx, qc->size) + cnt >= qc->size)) {
        n->b_leave = false;
        write_batch(e, qc);
        return;
    }
    consume(e, (uint16_t)(qc->last_avail + 1));
    qeng_buffer_held(e);
}

static void split_wr_done(struct vdpu_edge *e)
{
    const struct vdpu_eng *g = &e->pre->eng;
    const struct vdpu_queue_ctx *qc = qeng_qctx(e);
    struct vdpu_queue_ctx *nq = &e->next->queue[g->q];
    uint8_t idx[2];

    if (g->wr_purpose == VDPU_PURP_EVENT) { /* avail_event written: read the avail idx once more */
        e->next->eng.ae_wait = true;
        split_start(e, g->q);
        return;
    }
    /* USED_IDX moves by the batch, and (MRG_RXBUF) by the frame's buffers after it */
    uint16_t adv = (uint16_t)(g->b_cnt + (g->m_commit ? g->m_cnt : 0));
    if (g->wr_purpose == VDPU_PURP_USED) {
        put_le16(idx, (uint16_t)(qc->used_idx + adv));
        qeng_write(e, VDPU_PURP_USED_IDX, qeng_device_base(qc) + 2, 2, idx);
        return;
    }
    /* used idx written: the batch's buffers are consumed (all but the last one already were,
     * and the last one too when the batch is written because the queue is empty) */
    nq->used_idx = (uint16_t)(qc->used_idx + adv);
    if (g->m_commit) /* MRG_RXBUF: the frame's buffers, all consumed now */
        consume(e, (uint16_t)(qc->last_avail + g->m_cnt));
    else if (!g->b_leave)
        consume(e, (uint16_t)(qc->last_avail + 1));
    e->next->eng.b_cnt = 0;
    if (g->ev_en) { /* EVENT_IDX: used_event decides the interrupt */
        e->next->eng.ev_old = qc->used_idx;
        qeng_read(e, VDPU_PURP_EVENT, used_event_addr(qc), 2);
        return;
    }
    /* No EVENT_IDX: "after the device writes a descriptor index into the used ring ... if flags is 0,
     * the device MUST send a notification" (split-ring.tex). The flags read last may be old (read at
     * the service's AVAIL, or not since: NOTIFICATION_DATA); when they suppress, read them again now,
     * after the used idx write, and decide on those. When they ask for an interrupt it is sent without
     * a read: at worst a spurious one, which "the driver MUST handle". */
    if (g->avail_flags & VRING_AVAIL_F_NO_INTERRUPT) {
        qeng_read(e, VDPU_PURP_EVENT, qeng_driver_base(qc), 2);
        return;
    }
    e->next->eng.fsm = VDPU_ENG_IRQ;
}

/*
 * Step 8 with every buffer of the last avail idx consumed. NOTIFICATION_DATA: a doorbell during the
 * service said more are available: they are served without reading the avail idx (the data is a
 * lower bound of it, the ring entries are the truth for content); a value more than N ahead is the
 * driver's lie, QERR_IDX. Without a fresh value and without EVENT_IDX, every buffer the driver posts
 * comes with a doorbell (the device never asks for silence), which sets kick: the queue is left
 * without the avail read (the pending batch first). With EVENT_IDX, or without the feature, the
 * avail idx is read again (the rules without the feature).
 */
static void caught_up(struct vdpu_edge *e)
{
    const struct vdpu_eng *g = &e->pre->eng;
    struct vdpu_eng *n = &e->next->eng;
    const struct vdpu_queue_ctx *qc = qeng_qctx(e);
    int32_t ahead = qeng_nd_ahead(e, g->nd_en, qc);

    if (ahead > qc->size) {
        qeng_error(e, VDPU_QERR_IDX);
    } else if (ahead > 0) {
        n->avail_idx = qc->nd;
        read_ring(e, qc);
    } else if (g->ev_en || !g->nd_en) {
        split_start(e, g->q);
    } else if (g->b_cnt) {
        n->b_leave = true;
        write_batch(e, qc);
    } else {
        qeng_idle(e);
    }
}

/* Step 7 and 8: after a batch, interrupt unless the driver suppressed it; then the next buffer
 * (a cached head id, a ring read, or a fresh avail idx), or IDLE. */
static void split_irq(struct vdpu_edge *e)
{
    const struct vdpu_eng *g = &e->pre->eng;
    const struct vdpu_queue_ctx *qc = qeng_qctx(e);

    bool suppressed = g->ev_en ? g->no_irq : (g->avail_flags & VRING_AVAIL_F_NO_INTERRUPT) != 0;
    if (!g->b_held && !suppressed) qeng_raise(e, g->q);
    e->next->eng.b_held = false;
    if (g->rx) {
        /* RX: the next frame while its used element stays in the batch, or after a written batch (qeng_rx_irq) */
        qeng_rx_irq(e, g->b_held && !g->b_leave);
    } else if (g->b_leave) {
        qeng_idle(e);
    } else if ((e->pre->quiesce && !g->x.sent) || qeng_tx_yields(e)) {
        /* quiesce, or another queue waits (fairness): leave the queue as when it is found empty (no
         * avail_event), the pending batch first; kick brings the engine back (quiesce waits
         * for the used entries of frames a TX fetch has sent) */
        e->next->queue[g->q].kick = true;
        if (g->b_cnt) {
            e->next->eng.b_leave = true;
            write_batch(e, qc);
        } else {
            qeng_idle(e);
        }
    } else if (g->pc_n && !g->io_fetch) {
        start_head(e, qc, take_id(e));
    } else if (qc->last_avail != g->avail_idx) {
        read_ring(e, qc);
    } else {
        caught_up(e);
    }
}

/* MRG_RXBUF: the frame goes on in the next available buffer (n->m_n counts the filled ones): its ring
 * entry, or first a fresh avail idx when the one read last offers no more. */
static void split_next_buffer(struct vdpu_edge *e)
{
    const struct vdpu_queue_ctx *qc = qeng_qctx(e);

    if (next_avail(&e->next->eng, qc) == e->next->eng.avail_idx)
        split_start(e, e->pre->eng.q);
    else
        read_ring(e, qc);
}

/* RX_NEXT took the next frame: its buffer is the next cached head id, else a ring read, or (the avail
 * idx read last used up) an avail read, which finding the ring empty drops the frame. */
static void split_rx_next(struct vdpu_edge *e)
{
    const struct vdpu_eng *g = &e->pre->eng;
    const struct vdpu_queue_ctx *qc = qeng_qctx(e);

    if (g->pc_n && !g->io_fetch)
        start_head(e, qc, take_id(e));
    else if (qc->last_avail != g->avail_idx)
        read_ring(e, qc);
    else
        split_start(e, g->q);
}

/* NOTIFICATION_DATA: the avail idx at the doorbell, 0..0x7FFF ahead (more than N being the driver's lie) */
static int32_t split_nd_ahead(const struct vdpu_queue_ctx *qc)
{
    uint16_t step = (uint16_t)(qc->nd - qc->last_avail);
    return step >= 0x8000u ? -1 : (int32_t)step;
}

/* ... retired when the engine's forward move (at most a ring) went strictly past it */
static bool split_nd_passed(const struct vdpu_queue_ctx *o, const struct vdpu_queue_ctx *n)
{
    uint32_t d_nd = (uint16_t)(o->nd - o->last_avail), d_new = (uint16_t)(n->last_avail - o->last_avail);
    return d_new <= o->size && d_nd < d_new;
}

/* MRG_RXBUF: buffer k's used ring element, after the elements of the RX batch held before this frame
 * (written first) */
static void split_mrg_used(struct vdpu_edge *e, unsigned k)
{
    const struct vdpu_eng *n = &e->next->eng;
    const struct vdpu_queue_ctx *qc = qeng_qctx(e);
    uint8_t elem[SPLIT_USED_ELEM];
    uint16_t slot = ring_slot((uint16_t)(qc->used_idx + n->b_cnt + k), qc->size);

    put_le32(elem, n->m_id[k]);
    put_le32(elem + 4, n->m_len[k]);
    qeng_write(e, VDPU_PURP_USED, qeng_device_base(qc) + SPLIT_RING_HDR + (uint64_t)SPLIT_USED_ELEM * slot,
               SPLIT_USED_ELEM, elem);
}

/* ... a dropped frame's buffers stay available: last_avail never moved past them */
static void split_mrg_drop(struct vdpu_edge *e)
{
    (void)e;
}

/* INDIRECT_DESC: a table entry is a split descriptor {addr, len, flags, next} */
static void split_tbl_entry(const uint8_t *d, uint16_t *flags, uint16_t *next)
{
    *flags = le16_at(d + 12);
    *next = le16_at(d + 14);
}

/* Split RX writes its held batch in one request ahead of the frame (held_batch): nothing after it */
static bool split_held_rest_done(struct vdpu_edge *e)
{
    (void)e;
    return false;
}

const struct qeng_ring qeng_split_ring = {
    .start = split_start,
    .rx_next = split_rx_next,
    .proc = split_proc,
    .desc_done = split_desc_done,
    .used = split_used,
    .wr_done = split_wr_done,
    .irq = split_irq,
    .next_buffer = split_next_buffer,
    .held_batch = split_write_batch,
    .held_rest_done = split_held_rest_done,
    .leave = split_leave,
    .nd_ahead = split_nd_ahead,
    .nd_passed = split_nd_passed,
    .mrg_used = split_mrg_used,
    .mrg_drop = split_mrg_drop,
    .tbl_entry = split_tbl_entry,
    .tbl_next = true,
};

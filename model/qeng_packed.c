/* qeng_packed.c - packed virtqueue layout for the queue engine: descriptor slots with wrap counters, event suppression. */
#include <string.h>

#include "qeng.h"

/* the ring walker's entry points (struct qeng_ring, at the end) and what they call ahead */
static void packed_start(struct vdpu_edge *e, uint16_t q);
static void packed_proc(struct vdpu_edge *e);
static void packed_desc_done(struct vdpu_edge *e);
static void packed_write_batch(struct vdpu_edge *e);
static void packed_rx_batch(struct vdpu_edge *e);
static bool packed_rx_rest_done(struct vdpu_edge *e);
static void packed_used(struct vdpu_edge *e);
static void packed_wr_done(struct vdpu_edge *e);
static void packed_leave(struct vdpu_edge *e);
static void packed_irq(struct vdpu_edge *e);
static void packed_next_buffer(struct vdpu_edge *e);

#define PACKED_EVENT_BYTES 4u /* {off_wrap:16, flags:16} */
#define PACKED_USED_OFF    8u /* a used descriptor is written from its len field on: {len:32, id:16, flags:16} */
#define PACKED_USED_BYTES  8u

/*
 * The descriptor in `slot` is needed: from the prefetch cache (PROC next, no DMA), or when the cache
 * is empty by reading k = min(P, N - slot) descriptors (at least 1), never across the ring end.
 */
static void read_slot_k(struct vdpu_edge *e, const struct vdpu_queue_ctx *qc, uint16_t slot, int32_t ahead)
{
    struct vdpu_eng *n = &e->next->eng;
    uint32_t k = n->pf;

    if (ahead > 0 && (uint32_t)ahead < k) k = (uint32_t)ahead; /* NOTIFICATION_DATA: no further */

    if (n->pc_n || qeng_xa_take(e)) { /* cached, or read ahead during a TX fetch */
        n->fsm = VDPU_ENG_PROC;
        n->rd_purpose = VDPU_PURP_DESC;
        return;
    }
    if (slot < qc->size && (uint32_t)qc->size - slot < k) k = (uint32_t)qc->size - slot;
    if (slot >= qc->size) k = 1;
    qeng_read(e, VDPU_PURP_DESC, qeng_desc_base(qc) + (uint64_t)VIRTQ_DESC_BYTES * slot,
              (uint16_t)(VIRTQ_DESC_BYTES * k));
}

/* The current ring slot is consumed: last_avail moves on (wrapping); returns the new slot. */
static uint16_t advance_slot(struct vdpu_edge *e)
{
    const struct vdpu_queue_ctx *qc = qeng_qctx(e);
    struct vdpu_queue_ctx *nq = &e->next->queue[e->pre->eng.q];
    uint16_t slot = (uint16_t)(qc->last_avail + 1);
    bool wrap = qc->avail_wrap;

    if (slot >= qc->size) {
        slot = 0;
        wrap = !wrap;
    }
    nq->last_avail = slot;
    nq->avail_wrap = wrap;
    return slot;
}

static void read_slot(struct vdpu_edge *e, const struct vdpu_queue_ctx *qc, uint16_t slot)
{
    read_slot_k(e, qc, slot, -1);
}

/* The first descriptor of a buffer; NOTIFICATION_DATA limits the read to the slots it says are
 * available (a service from IDLE, or the next buffer in IRQ). */
static void packed_start(struct vdpu_edge *e, uint16_t q)
{
    const struct vdpu_queue_ctx *qc = &e->pre->queue[q];
    read_slot_k(e, qc, qc->last_avail, qeng_nd_ahead(e, e->next->eng.nd_en, qc)); /* nd_en: latched at a pick */
}


static void packed_proc(struct vdpu_edge *e)
{
    const struct vdpu_eng *g = &e->pre->eng;
    struct vdpu_eng *n = &e->next->eng;
    const struct vdpu_queue_ctx *qc = qeng_qctx(e);
    const uint8_t *d = e->bufs->rd;

    if (g->rd_purpose == VDPU_PURP_EVENT) {
        n->no_irq = !qeng_event_irq(d, true, g->ev_en, qc->used_idx, qc->used_wrap, qc->size, g->ndesc, 0);
        n->fsm = VDPU_ENG_IRQ;
        return;
    }
    if (g->rd_purpose != VDPU_PURP_DESC) { /* the packed layout reads nothing else */
        qeng_error(e, VDPU_QERR_DMA);
        return;
    }
    /* the next cached descriptor (a read just filled the cache, or it still held some) */
    d = g->pc + VIRTQ_DESC_BYTES * g->pc_pos;
    n->pc_pos = (uint8_t)(g->pc_pos + 1);
    n->pc_n = (uint8_t)(g->pc_n - 1);
    uint16_t flags = le16_at(d + 14);
    bool avail = flags & VIRTQ_DESC_F_AVAIL, used = flags & VIRTQ_DESC_F_USED;
    if (avail != qc->avail_wrap || used == qc->avail_wrap) {
        n->pc_n = 0; /* the rest of the cache is newer than this: dropped (it may be posted later) */
        if (g->ndesc) /* the chain went on into a slot the driver has not made available */
            qeng_error(e, VDPU_QERR_CHAIN);
        else if (g->rx && g->pc_pos) {
            /* read before this frame came, behind buffers it held: the driver may have posted it since.
             * Read it again (and what the run-ahead read has of the slots after it: forgotten, its
             * slots no longer follow the cache); the frame is dropped only if that fresh read finds
             * no buffer. */
            qeng_ra_forget(e);
            packed_start(e, g->q);
        } else if (g->rx) /* the frame is dropped (a held RX batch is written first) */
            qeng_drop_frame(e);
        else if (g->b_cnt) { /* IN_ORDER: leaving the queue: the held batch first, IDLE after its IRQ */
            n->b_leave = true;
            packed_write_batch(e);
        } else
            qeng_idle(e);
        return;
    }
    n->d_addr = le64_at(d);
    n->d_len = le32_at(d + 8);
    n->id = le16_at(d + 12);
    n->d_flags = flags;
    n->ndesc = (uint16_t)(g->ndesc + 1);
    if (qeng_ind(e) && (n->d_flags & VIRTQ_DESC_F_INDIRECT)) { /* INDIRECT_DESC: the buffer goes on in a table */
        uint8_t code = qeng_ind_check(e, n->d_addr, n->d_len, n->d_flags, n->ndesc);
        if (code) {
            qeng_error(e, code);
            return;
        }
        advance_slot(e); /* the descriptor's slot is consumed now; the table's entries take none */
        qeng_tbl_start(e, n->d_addr, n->d_len);
        return;
    }
    uint8_t code = qeng_desc_check(e, n->d_addr, n->d_len, n->d_flags, n->ndesc, qc->size);
    if (code) {
        qeng_error(e, code);
        return;
    }
    /* The slot is consumed once its descriptor passed every check (a TX chain too long for the frame
     * buffer fails in qeng_desc_data): last_avail moves at this edge, while the descriptor's data is
     * still to move, as the RTL's PROC does (the ring position is host-visible in VQSTATE). */
    if (n->rx || (uint64_t)n->chain_len + n->d_len <= VDPU_FRAME_BUF_BYTES) advance_slot(e);
    qeng_desc_data(e);
}

/* The current descriptor's data is done (its slot was consumed when it was checked): the chain goes
 * on at the next slot or ends. Inside an indirect table every entry is used, in order. */
static void packed_desc_done(struct vdpu_edge *e)
{
    struct vdpu_eng *n = &e->next->eng;

    if (n->in_tbl) {
        if (n->t_cur + 1u < n->t_n) {
            n->t_cur = (uint16_t)(n->t_cur + 1);
            qeng_tbl_fetch(e);
        } else {
            qeng_chain_done(e);
        }
        return;
    }
    uint16_t slot = e->next->queue[e->pre->eng.q].last_avail; /* advanced at the check (maybe this edge) */
    if (n->d_flags & VIRTQ_DESC_F_NEXT)
        read_slot(e, qeng_qctx(e), slot);
    else
        qeng_chain_done(e);
}

/*
 * IN_ORDER: the held batch as one used descriptor (packed-ring.tex, "In-order use of descriptors"):
 * the buffer id of its last buffer, written over the first available descriptor of the batch (the
 * used slot, used_idx); used_idx then skips every slot of the batch, and the event check covers
 * them all (ndesc). TX only: len 0, no WRITE flag.
 */
static void packed_write_batch(struct vdpu_edge *e)
{
    struct vdpu_eng *n = &e->next->eng;
    const struct vdpu_queue_ctx *qc = qeng_qctx(e);
    uint8_t elem[PACKED_USED_BYTES];

    n->ndesc = n->b_nd;
    put_le32(elem, 0);
    put_le16(elem + 4, n->b_id[n->b_cnt - 1]);
    put_le16(elem + 6, qc->used_wrap ? VIRTQ_DESC_F_AVAIL | VIRTQ_DESC_F_USED : 0);
    qeng_write(e, VDPU_PURP_USED, qeng_desc_base(qc) + (uint64_t)VIRTQ_DESC_BYTES * qc->used_idx + PACKED_USED_OFF,
               PACKED_USED_BYTES, elem);
}

/* The used descriptor of an RX batch's element i at used slot `slot` of the current lap: {len, id, flags}
 * (flags of the used wrap counter, WRITE), from byte 8 of the descriptor. */
static void rx_used_elem(const struct vdpu_eng *n, const struct vdpu_queue_ctx *qc, unsigned i, uint8_t *p)
{
    put_le32(p, n->b_len[i]);
    put_le16(p + 4, n->b_id[i]);
    put_le16(p + 6, (uint16_t)((qc->used_wrap ? VIRTQ_DESC_F_AVAIL | VIRTQ_DESC_F_USED : 0) | VIRTQ_DESC_F_WRITE));
}

/* The held RX batch's first used descriptor (at used_idx), written last: the driver polls that slot. */
static void rx_write_first(struct vdpu_edge *e)
{
    const struct vdpu_queue_ctx *qc = qeng_qctx(e);
    uint8_t elem[PACKED_USED_BYTES];

    rx_used_elem(&e->next->eng, qc, 0, elem);
    qeng_write(e, VDPU_PURP_USED, qeng_desc_base(qc) + (uint64_t)VIRTQ_DESC_BYTES * qc->used_idx + PACKED_USED_OFF,
               PACKED_USED_BYTES, elem);
}

/*
 * Write the held RX batch: its buffers use consecutive slots (every one but the last is a one-descriptor
 * chain, and it never crosses the ring end), so the used descriptors of buffers 1..count-1 go out as whole
 * descriptors (address 0: "in a used descriptor, Element Address is unused") in one request from slot
 * used_idx + 1, then buffer 0's, written last as a packed driver polls it (packed-ring.tex, "Polling of
 * available and used descriptors", "Multi-buffer requests"). used_idx then moves by all their slots and
 * the event check covers them (ndesc).
 */
static void packed_rx_batch(struct vdpu_edge *e)
{
    struct vdpu_eng *n = &e->next->eng;
    const struct vdpu_queue_ctx *qc = qeng_qctx(e);
    uint8_t d[VIRTQ_DESC_BYTES * VDPU_ENG_PARAM_MAX];

    if (!n->m_commit) n->ndesc = n->b_nd; /* an MRG_RXBUF commit counts the frame's slots too */
    if (n->b_cnt < 2) {
        rx_write_first(e);
        return;
    }
    memset(d, 0, sizeof d);
    for (unsigned i = 1; i < n->b_cnt; i++) rx_used_elem(n, qc, i, d + VIRTQ_DESC_BYTES * (i - 1) + PACKED_USED_OFF);
    qeng_write(e, VDPU_PURP_USED, qeng_desc_base(qc) + (uint64_t)VIRTQ_DESC_BYTES * (qc->used_idx + 1u),
               (uint16_t)(VIRTQ_DESC_BYTES * (n->b_cnt - 1u)), d);
}

/* A write of the RX batch's other descriptors is out: its first one follows (true). */
static bool packed_rx_rest_done(struct vdpu_edge *e)
{
    const struct vdpu_eng *g = &e->pre->eng;
    if (!g->rx || g->wr_purpose != VDPU_PURP_USED || g->wr_len <= PACKED_USED_BYTES) return false;
    rx_write_first(e);
    return true;
}

/* The buffer is done. IN_ORDER (TX): it joins the batch, which is written when it holds B buffers;
 * a buffer that stays in it goes to IRQ, which raises nothing and takes the next buffer (its slots
 * were consumed as its descriptors were used). RX: it joins the RX batch (id, length, slots), written
 * when it holds B buffers, when the buffer's chain had several descriptors (the next used slot would not
 * follow on), or when the next buffer's used slot would cross the ring end; a buffer that stays goes to
 * IRQ, which raises nothing, then RX_NEXT. TX otherwise: its own used descriptor. */
static void packed_used(struct vdpu_edge *e)
{
    const struct vdpu_eng *g = &e->pre->eng;
    struct vdpu_eng *n = &e->next->eng;
    const struct vdpu_queue_ctx *qc = qeng_qctx(e);
    uint8_t elem[PACKED_USED_BYTES];
    uint16_t flags = qc->used_wrap ? VIRTQ_DESC_F_AVAIL | VIRTQ_DESC_F_USED : 0;

    if (n->io_en) {
        n->b_id[g->b_cnt] = n->id;
        n->b_cnt = (uint8_t)(g->b_cnt + 1);
        n->b_nd = (uint16_t)(g->b_nd + n->ndesc);
        if (n->b_cnt < n->bb) {
            qeng_buffer_held(e);
            return;
        }
        n->b_leave = false;
        packed_write_batch(e);
        return;
    }
    if (n->rx) {
        n->b_id[g->b_cnt] = n->id;
        n->b_len[g->b_cnt] = (uint16_t)n->rx_done;
        n->b_cnt = (uint8_t)(g->b_cnt + 1);
        n->b_nd = (uint16_t)(g->b_nd + n->ndesc);
        if (n->b_cnt < n->bb && n->ndesc == 1 && (uint32_t)qc->used_idx + n->b_nd < qc->size) {
            qeng_buffer_held(e);
            return;
        }
        n->b_leave = false;
        packed_rx_batch(e);
        return;
    }
    put_le32(elem, n->rx ? n->rx_done : 0);
    put_le16(elem + 4, n->id);
    put_le16(elem + 6, flags);
    qeng_write(e, VDPU_PURP_USED, qeng_desc_base(qc) + (uint64_t)VIRTQ_DESC_BYTES * qc->used_idx + PACKED_USED_OFF,
               PACKED_USED_BYTES, elem);
}

/* The used descriptor is out: advance past the chain's slots, then read the driver's event suppression. */
static void packed_wr_done(struct vdpu_edge *e)
{
    const struct vdpu_queue_ctx *qc = qeng_qctx(e);
    struct vdpu_queue_ctx *nq = &e->next->queue[e->pre->eng.q];
    if (packed_rx_rest_done(e)) return; /* RX batch: its first used descriptor, then this */
    uint32_t idx = (uint32_t)qc->used_idx + e->pre->eng.ndesc;
    bool wrap = qc->used_wrap;

    if (idx >= qc->size) {
        idx -= qc->size;
        wrap = !wrap;
    }
    nq->used_idx = (uint16_t)idx;
    nq->used_wrap = wrap;
    e->next->eng.b_cnt = 0; /* IN_ORDER: the batch is written */
    e->next->eng.b_nd = 0;
    qeng_read(e, VDPU_PURP_EVENT, qeng_driver_base(qc), PACKED_EVENT_BYTES);
}

/* The queue is left with a batch held (TX IN_ORDER, or RX): it is written first, IDLE after its IRQ. */
static void packed_leave(struct vdpu_edge *e)
{
    e->next->eng.b_leave = true;
    if (e->pre->eng.rx)
        packed_rx_batch(e);
    else
        packed_write_batch(e);
}

/* The service ends: an IN_ORDER batch still held is written first (IDLE after its IRQ). */
static void leave(struct vdpu_edge *e)
{
    if (e->pre->eng.b_cnt)
        packed_leave(e);
    else
        qeng_idle(e);
}

static void packed_irq(struct vdpu_edge *e)
{
    const struct vdpu_eng *g = &e->pre->eng;

    /* IN_ORDER: a buffer held in the batch raises nothing (one decision per written batch) */
    if (!g->no_irq && !g->b_held) qeng_raise(e, g->q);
    e->next->eng.b_held = false;
    if (g->rx) {
        /* RX: the next frame while its used descriptor stays in the batch, or after a written batch (qeng_rx_irq) */
        qeng_rx_irq(e, g->b_held && !g->b_leave);
    } else if (g->b_leave) {
        qeng_idle(e);
    } else if ((e->pre->quiesce && !g->x.sent) || qeng_tx_yields(e)) {
        /* quiesce, or another queue waits (fairness): leave the queue as when it is found empty; kick
         * brings it back (quiesce waits
         * for the used entries of frames a TX fetch has sent) */
        e->next->queue[g->q].kick = true;
        leave(e);
    } else if (!g->pc_n && qeng_nd_ahead(e, g->nd_en, qeng_qctx(e)) == 0) {
        /* NOTIFICATION_DATA: the latest doorbell says the next slot is not available yet: no read;
         * the doorbell that makes it available sets kick (left set since the pick) */
        leave(e);
    } else {
        packed_start(e, g->q);
    }
}

/* MRG_RXBUF: the frame goes on in the buffer at the next slot (the slots of the filled ones were
 * consumed as their descriptors were used: last_avail after this edge). */
static void packed_next_buffer(struct vdpu_edge *e)
{
    const struct vdpu_queue_ctx *nq = &e->next->queue[e->pre->eng.q];
    read_slot(e, nq, nq->last_avail);
}

/* A position over two laps (0..2N-1): the slot, plus N on the lap whose wrap counter is 0 */
static uint32_t two_lap(uint16_t slot, bool wrap, uint32_t n)
{
    return slot + (wrap ? 0 : n);
}

/* NOTIFICATION_DATA: the slot and wrap counter at the doorbell, 0..N ahead counted over two laps (a value
 * beyond N is behind; an offset >= N says nothing) */
static int32_t packed_nd_ahead(const struct vdpu_queue_ctx *qc)
{
    uint32_t n = qc->size, off = qc->nd & 0x7FFFu;
    if (off >= n) return -1; /* no such slot: no information */
    uint32_t d = (two_lap((uint16_t)off, qc->nd >> 15, n) + 2 * n - two_lap(qc->last_avail, qc->avail_wrap, n)) % (2 * n);
    return d > n ? -1 : (int32_t)d;
}

/* ... retired when the engine's forward move (at most a ring) went strictly past it */
static bool packed_nd_passed(const struct vdpu_queue_ctx *o, const struct vdpu_queue_ctx *n)
{
    uint32_t sz = o->size, off = o->nd & 0x7FFFu;
    if (off >= sz) return false; /* no such slot: nothing to retire against */
    uint32_t p_o = two_lap(o->last_avail, o->avail_wrap, sz);
    uint32_t d_nd = (two_lap((uint16_t)off, o->nd >> 15, sz) + 2 * sz - p_o) % (2 * sz);
    uint32_t d_new = (two_lap(n->last_avail, n->avail_wrap, sz) + 2 * sz - p_o) % (2 * sz);
    return d_new <= sz && d_nd < d_new;
}

/* MRG_RXBUF: buffer k's used descriptor, at its first slot after the held RX batch's */
static void packed_mrg_used(struct vdpu_edge *e, unsigned k)
{
    const struct vdpu_eng *n = &e->next->eng;
    const struct vdpu_queue_ctx *qc = qeng_qctx(e);
    uint8_t elem[PACKED_USED_BYTES];
    uint32_t slot = (uint32_t)qc->used_idx + n->b_nd + n->m_off[k];
    bool wrap = qc->used_wrap;

    if (slot >= qc->size) {
        slot -= qc->size;
        wrap = !wrap;
    }
    put_le32(elem, n->m_len[k]);
    put_le16(elem + 4, n->m_id[k]);
    put_le16(elem + 6, (uint16_t)((wrap ? VIRTQ_DESC_F_AVAIL | VIRTQ_DESC_F_USED : 0) | VIRTQ_DESC_F_WRITE));
    qeng_write(e, VDPU_PURP_USED, qeng_desc_base(qc) + (uint64_t)VIRTQ_DESC_BYTES * slot + PACKED_USED_OFF,
               PACKED_USED_BYTES, elem);
}

/* ... a dropped frame's filled buffers: their slots were consumed but never made used, so they go back
 * to the driver's side (the next frame reuses them) */
static void packed_mrg_drop(struct vdpu_edge *e)
{
    const struct vdpu_eng *g = &e->pre->eng;
    e->next->queue[g->q].last_avail = g->m_la0;
    e->next->queue[g->q].avail_wrap = g->m_aw0;
}

/* INDIRECT_DESC: a table entry is a packed descriptor {addr, len, id, flags}; the entries are used in
 * order (id and NEXT ignored) */
static void packed_tbl_entry(const uint8_t *d, uint16_t *flags, uint16_t *next)
{
    *flags = le16_at(d + 14);
    *next = 0;
}

/* RX_NEXT: the next frame's buffer starts as at a pick (the slot the last one left) */
static void packed_rx_next(struct vdpu_edge *e)
{
    packed_start(e, e->pre->eng.q);
}

const struct qeng_ring qeng_packed_ring = {
    .start = packed_start,
    .rx_next = packed_rx_next,
    .proc = packed_proc,
    .desc_done = packed_desc_done,
    .used = packed_used,
    .wr_done = packed_wr_done,
    .irq = packed_irq,
    .next_buffer = packed_next_buffer,
    .held_batch = packed_rx_batch,
    .held_rest_done = packed_rx_rest_done,
    .leave = packed_leave,
    .nd_ahead = packed_nd_ahead,
    .nd_passed = packed_nd_passed,
    .mrg_used = packed_mrg_used,
    .mrg_drop = packed_mrg_drop,
    .tbl_entry = packed_tbl_entry,
    .tbl_next = false,
};

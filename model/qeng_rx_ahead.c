/* qeng_rx_ahead.c - the queue engine's RX run-ahead descriptor reads and split avail refresh, read beside the engine. */
#include <string.h>

#include "qeng.h"

/* No RX run-ahead read, no avail refresh (the pick, a reset, a timeout) */
void qeng_ra_none(struct vdpu_eng *n)
{
    n->ra.st = ENG_RA_NONE;
    n->av.st = ENG_RA_NONE;
    for (unsigned i = 0; i < VDPU_RX_AHEAD_READS - 1; i++) n->rb[i].st = ENG_RA_NONE;
}

/*
 * RX run-ahead (docs/queue-engine.md "RX run-ahead"): a receive service whose cache holds descriptors
 * (packed; split with IN_ORDER fetching) starting a frame with at most half of its P cached left reads
 * the P after them, so that the refill does not cost a round trip in which nothing is written. From
 * the descriptor after the cache's last, not across the ring end. Packed: slot last_avail + pc_n (the
 * cache holds consecutive slots from last_avail), with NOTIFICATION_DATA not beyond what the latest
 * doorbell says is available. Split: io_pos + pc_n, only descriptors of buffers the avail idx read
 * last offers beyond the cached ones (each buffer has one at least, in table order from io_pos, as for
 * the TX fetch's read ahead). Returns how many (0: none).
 */
static uint32_t ra_k(const struct vdpu_edge *e, uint32_t *slot)
{
    const struct vdpu_eng *g = &e->pre->eng;

    if ((!g->pk_en && !g->io_fetch) || g->ra.st != ENG_RA_NONE || g->pf < 2 || !g->pc_n || g->pc_n > g->pf / 2u)
        return 0;
    return qeng_ahead_k(e, g->pc_n, g->pc_n, slot); /* a frame starting: nothing in service */
}

/* The reads after the first: once the service has taken a run-ahead read as its cache (ra_taken: the
 * traffic outlasts a block, so the reads ahead are used - a burst that ends the service leaves one unused
 * instead of RX_AHEAD_READS), and the first and every one before it are out or in, the next one (rb[*i])
 * reads the P descriptors after the last one's (one cut short at the ring end goes on from slot 0, since
 * 2026-12-07: with a P that does not divide the ring size each lap stopped the reads ahead at its last
 * block; NOTIFICATION_DATA and split's offered buffers stop them in qeng_ahead_k) - so RX_AHEAD_READS reads cover that
 * many blocks of P ahead of the cache (at rtt 1000 and 1,500-byte frames three put a block's read ~1,270
 * cycles before the block is needed, more than a round trip; two ~850). */
static uint32_t rb_k(const struct vdpu_edge *e, uint32_t *slot, unsigned *i)
{
    const struct vdpu_eng *g = &e->pre->eng;
    const struct eng_ra_read *r = &g->ra;
    uint32_t skip = g->pc_n;

    if (!g->ra_taken) return 0;
    for (*i = 0; *i < VDPU_RX_AHEAD_READS - 1; r = &g->rb[(*i)++]) {
        if (r->st != ENG_RA_READ && r->st != ENG_RA_IN) return 0;
        skip += r->n;
        if (g->rb[*i].st == ENG_RA_NONE) return qeng_ahead_k(e, skip, skip, slot);
    }
    return 0;
}

/* Issue a run-ahead read (one edge: RX_NEXT starts the frame at the next): the first, else the next one
 * after it; false when none is due or its tag is not free; true too when one is due and the DMA output
 * is busy (RX_NEXT waits for it). */
bool qeng_ra_issue(struct vdpu_edge *e)
{
    const struct vdpu_eng *g = &e->pre->eng;
    struct vdpu_eng *n = &e->next->eng;
    uint32_t slot = 0, k = ra_k(e, &slot);
    struct eng_ra_read *a = &n->ra;

    if (!k) {
        unsigned i = 0; /* rb_k leaves it unset when no read after the first may go out */
        k = rb_k(e, &slot, &i);
        a = &n->rb[i]; /* (used only when k > 0: i is a read's index then) */
    }
    if (!k || qeng_tag_held(g)) return false;
    /* due, the output register still busy (the link's gap after the last payload write): the pick waits
     * an edge, so the reads go out back to back rather than one per frame */
    if (!model_dma_out_free(e)) return true;
    qeng_ahead_read(e, slot, k);
    *a = (struct eng_ra_read){.st = ENG_RA_READ, .tag = g->next_tag, .n = (uint8_t)k};
    return true;
}

/*
 * The avail refresh (docs/queue-engine.md "RX avail refresh"): a split receive service starting a frame
 * with at most half a ring of the buffers the avail idx read last offers left (from last_avail) reads the
 * avail flags and idx again beside the engine, so that the buffers the driver posted since are known
 * before those run out - else the service stops once a ring lap for a dependent avail read (and a round
 * trip more for the descriptors after it). Once per avail idx value (av_seen), one in flight at most.
 * Issued only with the output register free (nothing waits for it). True when issued.
 */
bool qeng_av_issue(struct vdpu_edge *e)
{
    const struct vdpu_eng *g = &e->pre->eng;
    struct vdpu_eng *n = &e->next->eng;
    const struct vdpu_queue_ctx *qc = qeng_qctx(e);

    if (g->pk_en || g->av.st != ENG_RA_NONE || g->av_seen ||
        (uint16_t)(g->avail_idx - qc->last_avail) > qc->size / 2u || qeng_tag_held(g) || !model_dma_out_free(e))
        return false;
    qeng_pay_read(e, VDPU_PURP_AVAIL_IDX, qeng_driver_base(qc), SPLIT_RING_HDR);
    n->av = (struct eng_ra_read){.st = ENG_RA_READ, .tag = g->next_tag};
    memset(n->av_data, 0, sizeof n->av_data);
    n->av_seen = true;
    return true;
}

/* RX_NEXT takes a refresh that is in: its idx becomes the avail idx when it offers no fewer buffers than
 * the one read before and no more than a ring (else it is not used: a driver's bad idx is found where
 * the service reads the idx itself); its flags with it. */
void qeng_av_take(struct vdpu_edge *e)
{
    const struct vdpu_eng *g = &e->pre->eng;
    struct vdpu_eng *n = &e->next->eng;
    const struct vdpu_queue_ctx *qc = qeng_qctx(e);
    uint16_t idx = le16_at(g->av_data + 2), had = (uint16_t)(g->avail_idx - qc->last_avail);
    uint16_t offers = (uint16_t)(idx - qc->last_avail);

    if (offers >= had && offers <= qc->size) {
        n->avail_idx = idx;
        n->avail_flags = le16_at(g->av_data);
    }
    n->av.st = ENG_RA_NONE;
}

/* A run-ahead read not wanted, from its state after this edge's beat (qeng_ra_tap; RTL ra_unused): one in
 * flight is dropped (its completion taken and thrown away), one in or failed forgotten. */
static uint8_t ra_unused(uint8_t st)
{
    return st == ENG_RA_READ || st == ENG_RA_DROP ? ENG_RA_DROP : ENG_RA_NONE;
}

/* The first run-ahead read is taken (its descriptors the cache): each after it moves up one, in or on
 * the way (n: a beat at this edge included); or the first is not used (failed, stale, dropped): those
 * after it, read beyond it, are not either. */
static void rb_shift(struct vdpu_eng *n, bool taken)
{
    if (taken) {
        qeng_ahead_shift(n, VDPU_RX_AHEAD_READS - 1);
        n->ra = n->rb[0];
        for (unsigned i = 0; i + 1 < VDPU_RX_AHEAD_READS - 1; i++) n->rb[i] = n->rb[i + 1];
        n->rb[VDPU_RX_AHEAD_READS - 2].st = ENG_RA_NONE;
    } else {
        for (unsigned i = 0; i < VDPU_RX_AHEAD_READS - 1; i++) n->rb[i].st = ra_unused(n->rb[i].st);
    }
}

/*
 * The cache refill of an RX service (RD_REQ of a descriptor read that fills the cache), with a run-ahead
 * read made: in, its first descriptor available - it becomes the cache, no read (1); failed - QERR_DMA
 * there, as the read it stands for would have (-1); in but its first descriptor not available (read
 * before the driver made it so) - forgotten, the service reads afresh; still in flight (a refill
 * mid-frame or mid-chain, not at RX_NEXT, which waits for it) - dropped, its completion forgotten, the
 * service reads the descriptors itself (0).
 */
int qeng_ra_take(struct vdpu_edge *e)
{
    const struct vdpu_eng *g = &e->pre->eng;
    struct vdpu_eng *n = &e->next->eng;
    const struct vdpu_queue_ctx *qc = qeng_qctx(e);

    switch (g->ra.st) {
    case ENG_RA_IN: {
        uint16_t flags = le16_at(g->pcx + 14);
        n->ra.st = ENG_RA_NONE;
        /* packed: its first descriptor's flags (split: only offered buffers' descriptors were read) */
        if (g->pk_en && ((bool)(flags & VIRTQ_DESC_F_AVAIL) != qc->avail_wrap ||
                         (bool)(flags & VIRTQ_DESC_F_USED) == qc->avail_wrap)) {
            rb_shift(n, false);
            return 0;
        }
        memcpy(n->pc, g->pcx, (size_t)VIRTQ_DESC_BYTES * g->ra.n);
        n->pc_n = g->ra.n;
        n->pc_pos = 0;
        n->ra_taken = true;
        rb_shift(n, true);
        e->eng_ahead = true; /* pcx, pcy, pcz moved up */
        return 1;
    }
    case ENG_RA_BAD:
        n->ra.st = ENG_RA_NONE;
        rb_shift(n, false);
        return -1;
    case ENG_RA_READ:
        qeng_ra_forget(e);
        return 0;
    default:
        return 0;
    }
}

/* The run-ahead read is not wanted: one in flight is dropped (its completion is taken and thrown away;
 * its last beat may be in at this edge, qeng_ra_tap: then it is simply forgotten), one in or failed is
 * forgotten. */
void qeng_ra_forget(struct vdpu_edge *e)
{
    struct vdpu_eng *n = &e->next->eng;
    n->ra.st = ra_unused(n->ra.st);
    rb_shift(n, false); /* the second one's slots follow the first's: forgotten too */
}

/* One completion beat of the run-ahead read `r` (as before the beat; its descriptors go into `buf`): the
 * beat appended unless the read failed (an error status, poisoned, more bytes than asked; at its last
 * beat fewer too); the read after the beat. A read that ends failed - dropped or not - owes its report
 * (fail_owed) until a buffer takes it. */
static struct eng_ra_read ra_beat(const vdpu_dmacpl_t *c, struct eng_ra_read r, uint8_t *buf, bool *owed)
{
    unsigned room = VIRTQ_DESC_BYTES * r.n - r.got, k = c->len < DMA_BEAT_BYTES ? c->len : DMA_BEAT_BYTES;
    r.bad = r.bad || c->status != VDPU_CPL_SC || c->poison || c->len > room;
    if (!r.bad) {
        memcpy(buf + r.got, c->data, k);
        r.got = (uint8_t)(r.got + k);
    }
    if (c->last) {
        bool bad = r.bad || r.got != VIRTQ_DESC_BYTES * r.n;
        r.st = r.st == ENG_RA_DROP ? ENG_RA_NONE : bad ? ENG_RA_BAD : ENG_RA_IN;
        if (bad) *owed = true;
    }
    return r;
}

/*
 * The RX run-ahead reads' completions (docs/queue-engine.md "RX run-ahead"), at whatever state the engine
 * is in, hidden from the states like the decision's: the first's beats fill pcx, the second's pcy; at its
 * last beat a read is in, or bad (an error status, poisoned, more or fewer bytes than asked: QERR_DMA
 * where the service would take it, or IDLE's report of the failure owed if none does); a dropped one is
 * forgotten, its failure owed likewise. True when the beat was one of theirs.
 */
bool qeng_ra_tap(struct vdpu_edge *e, const vdpu_in_t *in)
{
    const struct vdpu_eng *g = &e->pre->eng;
    const vdpu_dmacpl_t *c = &in->dmacpl;
    struct vdpu_eng *n = &e->next->eng;

    if (!in->dmacpl_valid) return false;
    int i = qeng_rb_of_tag(g, c->tag);
    if (i >= 0) { /* a read after the first: pcy, pcz (service arrays) */
        e->eng_ahead = true;
        n->rb[i] = ra_beat(c, g->rb[i], qeng_ahead_buf(n, (unsigned)i), &n->fail_owed);
        return true;
    }
    if (!qeng_ra_in_flight(&g->ra) || c->tag != g->ra.tag) return false;
    e->eng_ahead = true; /* pcx is one of the run-ahead buffers */
    n->ra = ra_beat(c, g->ra, n->pcx, &n->fail_owed);
    return true;
}

/* The avail refresh's completion (qeng_av_issue), at whatever state the engine is in, hidden from the states:
 * at its last beat it is in (4 bytes, good), or bad (QERR_DMA where RX_NEXT would take it, or IDLE's
 * report owed). True when the beat was its. */
bool qeng_av_tap(struct vdpu_edge *e, const vdpu_in_t *in)
{
    const struct vdpu_eng *g = &e->pre->eng;
    const vdpu_dmacpl_t *c = &in->dmacpl;
    struct vdpu_eng *n = &e->next->eng;

    if (!in->dmacpl_valid || g->av.st != ENG_RA_READ || c->tag != g->av.tag) return false;
    _Static_assert(sizeof g->av_data == SPLIT_RING_HDR, "the refresh holds the avail ring's header");
    unsigned room = SPLIT_RING_HDR - g->av.got, k = c->len < DMA_BEAT_BYTES ? c->len : DMA_BEAT_BYTES;
    bool bad = g->av.bad || c->status != VDPU_CPL_SC || c->poison || c->len > room;
    if (!bad) {
        memcpy(n->av_data + g->av.got, c->data, k);
        n->av.got = (uint8_t)(g->av.got + k);
    }
    n->av.bad = bad;
    if (c->last) {
        bad = bad || n->av.got != SPLIT_RING_HDR;
        n->av.st = bad ? ENG_RA_BAD : ENG_RA_IN;
        if (bad) n->fail_owed = true;
    }
    return true;
}

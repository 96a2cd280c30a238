/* qeng_pay.c - the queue engine's PAY phase: TX payload reads in flight, TX fetch (frames read and sent together), the next fetches read early. */
#include <string.h>

#include "qeng.h"

#define TX_MIN_CHAIN (VDPU_NET_HDR_BYTES + VDPU_ETH_HDR_BYTES) /* a header and an Ethernet header */

/* Next fetch i's block (the RTL's xn_pc, xn_nd, xn_in): the read ahead's descriptors (pcx, xa) for the first,
 * the read beyond xb[i - 1]'s (pcy, pcz) for the others; how many; its read in */
static const uint8_t *xn_pc(const struct vdpu_eng *g, unsigned i) { return !i ? g->pcx : i == 1 ? g->pcy : g->pcz[i - 2]; }

static uint8_t xn_nd(const struct vdpu_eng *g, unsigned i) { return i ? g->xb[i - 1].n : g->xa.n; }

static bool xn_in(const struct vdpu_eng *g, unsigned i) { return (i ? g->xb[i - 1].st : g->xa.st) == ENG_XA_IN; }

/* The next fetch's reads are forgotten (a pick, a device reset, a completion timeout): their beats are
 * unexpected */
void qeng_xn_forget(struct vdpu_eng *n)
{
    for (unsigned i = 0; i < VDPU_QENG_TAGS; i++)
        if (n->p_slot[i].nx) {
            n->p_slot[i].busy = false;
            n->p_slot[i].nx = 0;
        }
    memset(n->xn, 0, sizeof n->xn); /* none (their rbase with them) */
}

/* TX fetch: frames start on a 32-byte word of the TX frame buffer (TX_OUT's fixed header shift) */
static uint32_t align_word(uint32_t v)
{
    return (v + DMA_BEAT_BYTES - 1) & ~(uint32_t)(DMA_BEAT_BYTES - 1);
}

/* TX fetch: descriptor d (as read) would pass every check of its turn as a one-descriptor frame at *base
 * of a TX fetch buffer, which then moves to the 32-byte word after it: packed - available with wrap
 * counter `wrap`; no NEXT, WRITE or INDIRECT flag; at least TX_MIN_CHAIN and at most a frame buffer long
 * (QERR_LEN otherwise); inside the host window; fitting the buffer behind the frames before it. */
static bool fetch_frame_ok(const struct vdpu_eng *g, const uint8_t *d, bool wrap, uint32_t *base)
{
    uint16_t flags = le16_at(d + (g->pk_en ? 14 : 12));
    uint32_t len = le32_at(d + 8);
    bool avail = flags & VIRTQ_DESC_F_AVAIL, used = flags & VIRTQ_DESC_F_USED;

    if (g->pk_en && (avail != wrap || used == wrap)) return false;
    if (flags & (VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_INDIRECT)) return false;
    if (len < TX_MIN_CHAIN || len > VDPU_FRAME_BUF_BYTES || *base + len > qeng_fetch_room(g->xf) ||
        !model_in_window(g->hm_base, g->hm_size, le64_at(d), len))
        return false;
    *base = align_word(*base + len);
    return true;
}

/*
 * TX fetch (docs/queue-engine.md "TX fetch"): how many frames the PAY phase of the descriptor just
 * checked (next->eng) reads - itself and the cached descriptors behind it that would pass every check
 * of their own turn as one-descriptor frames: available, no NEXT / WRITE / INDIRECT, at least a header
 * and an Ethernet header long, inside the host window, fitting the TX frame buffer behind the frames
 * before them. The first that does not ends the count (it is served alone when its turn comes).
 * Where the cache holds descriptors: packed (a read never crosses the ring end, so every cached one
 * has the wrap counter of the one in service) and split IN_ORDER fetching (the descriptors read belong
 * to buffers the avail idx offers: availability needs no check there); a ring descriptor that starts
 * its chain and ends it.
 */
uint8_t qeng_tx_fetch_count(const struct vdpu_edge *e)
{
    const struct vdpu_eng *g = &e->pre->eng, *n = &e->next->eng;

    if (!(n->pk_en || n->io_fetch) || n->xf < 2 || n->in_tbl || n->chain_len || (n->d_flags & VIRTQ_DESC_F_NEXT) ||
        n->d_len < TX_MIN_CHAIN)
        return 1;
    uint8_t k = 1;
    uint32_t base = align_word(n->d_len);
    while (k - 1u < n->pc_n && k < n->xf &&
           fetch_frame_ok(g, g->pc + VIRTQ_DESC_BYTES * (n->pc_pos + k - 1u), qeng_qctx(e)->avail_wrap, &base))
        k++;
    return k;
}

/*
 * The next fetch read early: how many frames, from the first, the descriptors read ahead of it start
 * that a fetch would take (K at most), by qeng_tx_fetch_count's rules - xn[0]: the read ahead's (pcx); xn[i]:
 * the read beyond xb[i - 1]'s (pcy, then pcz), none unless the fetch before it takes its whole block and
 * that read is in (as the RTL's next_fetch_count; a started one keeps its count). Packed: available with
 * the wrap counter of the slot the fetch starts at - the ring's, flipped when the fetches before it end
 * at the ring end (the read ahead then starts at slot 0; last_avail is past the descriptor in service
 * during PAY).
 */
static uint8_t xn_count(const struct vdpu_edge *e, unsigned i)
{
    const struct vdpu_eng *g = &e->pre->eng;
    const struct vdpu_queue_ctx *qc = qeng_qctx(e);
    if (i && (!xn_in(g, i) || g->xn[i - 1].cnt != xn_nd(g, i - 1))) return 0;
    uint32_t skip = g->x.cnt - 1u; /* descriptors before its first */
    for (unsigned j = 0; j < i; j++) skip += xn_nd(g, j);
    const uint8_t *d = xn_pc(g, i), nd = xn_nd(g, i);
    bool wrap = qc->avail_wrap != ((uint32_t)qc->last_avail + skip >= qc->size);
    uint32_t base = 0;
    uint8_t k = 0;

    while (k < nd && k < g->xf && fetch_frame_ok(g, d + VIRTQ_DESC_BYTES * k, wrap, &base)) k++;
    return k;
}

/* TX fetch: the length of frame j of the PAY phase (0: the descriptor in service, j: the j-th cached) */
static uint32_t x_frame_len(const struct vdpu_eng *g, unsigned j)
{
    return j ? le32_at(g->pc + VIRTQ_DESC_BYTES * (g->pc_pos + j - 1u) + 8) : g->d_len;
}

/* TX fetch: frame x.out (len bytes at tx_base) is in the buffer: its reads are all issued and none of
 * them is in flight (a read in flight below its end is one of its own: the bases grow frame by frame) */
static bool x_frame_in(const struct vdpu_eng *g, uint32_t len)
{
    if (g->x.req == g->x.out && g->p_req < len) return false;
    for (unsigned i = 0; i < VDPU_QENG_TAGS; i++)
        if (g->p_slot[i].busy && !g->p_slot[i].nx && g->p_slot[i].off < g->tx_base + len) return false;
    return true;
}

/*
 * TX fetch: PAY sends the frames it reads (x.cnt > 1) in ring order, each as soon as its bytes are in,
 * one beat per free ntx register, while the reads of the frames behind it go on. A frame once started is
 * finished: a stop (x.stop) takes no new one. Returns true at the edge that leaves the network port
 * between frames (nothing half sent).
 */
static bool x_send(struct vdpu_edge *e, const vdpu_in_t *in)
{
    const struct vdpu_eng *g = &e->pre->eng;
    struct vdpu_eng *n = &e->next->eng;

    if (g->x.out == g->x.cnt) return true;
    uint32_t len = x_frame_len(g, g->x.out);
    if (!g->tx_pos && (g->x.stop || !x_frame_in(g, len))) return true;
    if (!model_ntx_free(e, in)) return !g->tx_pos;
    if (!qeng_tx_beat(e, len)) return false;
    n->tx_pos = 0;
    n->x.out = (uint8_t)(g->x.out + 1);
    n->tx_base = align_word(g->tx_base + len);
    return true;
}

/* The fetch in PAY takes every descriptor the prefetch cache holds (two frames at least, so the one in
 * service is a frame of its own): what follows it is the read ahead (pcx), and the next fetch and the
 * read beyond it start there. A PAY phase that took a read beyond as its read ahead (qeng_desc_data) may
 * not take the whole cache: the read ahead then waits in pcx until the cache runs dry. */
static bool fetch_takes_cache(const struct vdpu_eng *g)
{
    return g->x.cnt >= 2 && g->pc_n == g->x.cnt - 1u;
}

/*
 * TX fetch: a fetch that takes every descriptor the cache holds also reads the next ones, first thing
 * in PAY, so that their completion comes before the fetch's payload and the next fetch's reads can start
 * early (xa; qeng_xa_take; xn_issue). During PAY last_avail (packed) and io_pos (split) are past
 * the descriptor in service, split's last_avail at it.
 */
static uint32_t x_ahead_k(const struct vdpu_edge *e, uint32_t *slot)
{
    const struct vdpu_eng *g = &e->pre->eng;
    const uint32_t taken = g->x.cnt - 1u; /* the cached descriptors the fetch takes */

    if (g->xa.st != ENG_XA_NONE || (!g->pk_en && !g->io_fetch) || !fetch_takes_cache(g)) return 0;
    return qeng_ahead_k(e, taken, g->x.cnt, slot);
}

/*
 * The next fetches read early (docs/queue-engine.md "The next fetch read early"): once the fetch's
 * payload reads are all issued and its read ahead is in, PAY issues the payload reads of the next fetch
 * - the frames the read-ahead descriptors start, as many as xn_count gives (counted at its first read) -
 * into the next TX fetch buffer (xn[0]), under the same limits (M reads in flight with the fetch's, a
 * free tag), so the next fetch's bytes come while this one's frames leave. Once they are all issued, and
 * the next fetch takes the whole read ahead and the read beyond it is in, the fetch after it (xn[1]) into
 * the buffer after that, and so on (xn[i] from xb[i - 1]'s descriptors, up to TX_FETCH_BUFS - 1 next
 * fetches). The next PAY phase takes xn[0] over (qeng_desc_data). Returns false when none is due.
 */
static bool xn_issue(struct vdpu_edge *e, unsigned s)
{
    const struct vdpu_eng *g = &e->pre->eng;
    struct vdpu_eng *n = &e->next->eng;

    for (unsigned i = 0; i < VDPU_TX_FETCH_BUFS - 1; i++) {
        const struct eng_next_fetch *x = &g->xn[i];
        /* one not started has no frames unless the fetch before it takes its whole block and its read is
         * in (xn_count); one started stays so: its count, the blocks and their reads change only where the
         * next fetches move up or are forgotten with them */
        uint8_t cnt = x->cnt ? x->cnt : xn_count(e, i);
        if (!cnt) return false;
        const uint8_t *d = xn_pc(g, i) + VIRTQ_DESC_BYTES * x->req;
        uint32_t len = le32_at(d + 8);
        if (x->preq == len) continue; /* all issued (x->req is the last frame) */
        uint32_t rbase = x->cnt ? x->rbase : (g->x.bidx + 1u + i) % VDPU_TX_FETCH_BUFS * (uint32_t)VDPU_TX_BUF_BYTES;
        uint16_t k = min_u16(len - x->preq, VDPU_DMA_RD_MAX);
        struct eng_next_fetch *w = &n->xn[i];
        qeng_pay_read(e, VDPU_PURP_PAYLOAD_RD, le64_at(d) + x->preq, k);
        n->p_slot[s].busy = true;
        n->p_slot[s].nx = (uint8_t)(i + 1);
        n->p_slot[s].len = k;
        n->p_slot[s].got = 0;
        n->p_slot[s].off = rbase + x->preq;
        w->cnt = cnt;
        w->n = (uint8_t)(w->n + 1); /* w->n: qeng_xn_tap may have taken a read's last beat at this edge */
        w->preq = x->preq + k;
        w->rbase = rbase;
        if (w->preq == len && x->req + 1u < cnt) { /* the next frame's bytes */
            w->req = (uint8_t)(x->req + 1);
            w->rbase = align_word(rbase + len);
            w->preq = 0;
        }
        return true;
    }
    return false;
}

/*
 * The reads beyond the next fetch (docs/queue-engine.md "The read beyond the next fetch"): a fetch that
 * takes the whole cache reads the descriptors after the read ahead's as soon as the read ahead is out -
 * speculatively, before its payload (on the link a completion comes after those of the reads before it),
 * and once the read ahead is in only for a next fetch that takes it all - then the block after them, up
 * to TX_BEYOND_READS reads (xb[i], in pcy and pcz[i - 1]). The next PAY phase without a read ahead takes
 * xb[0] as its own (in or on the way; qeng_xb_move_up) and the rest move up. Returns false when none is due.
 */
static bool xb_issue(struct vdpu_edge *e)
{
    const struct vdpu_eng *g = &e->pre->eng;
    uint32_t slot = 0, k;

    uint32_t skip = g->x.cnt - 1u + g->xa.n; /* the descriptors before the read's first */
    unsigned i = 0;

    if (g->xa.st == ENG_XA_NONE || !fetch_takes_cache(g) || (g->xa.st == ENG_XA_IN && xn_count(e, 0) != g->xa.n))
        return false;
    while (i < VDPU_TX_BEYOND_READS && g->xb[i].st != ENG_XA_NONE) skip += g->xb[i++].n;
    if (i == VDPU_TX_BEYOND_READS) return false;
    k = qeng_ahead_k(e, skip, skip + 1u, &slot); /* split: last_avail is at the descriptor in service */
    if (!k) return false;
    qeng_xb_issue(e, i, k, slot);
    return true;
}

void qeng_state_pay(struct vdpu_edge *e, const vdpu_in_t *in)
{
    const struct vdpu_eng *g = &e->pre->eng;
    struct vdpu_eng *n = &e->next->eng;
    int issued = 0, completed = 0;
    bool fail_last = false;
    /* stopping (a DEV_RESET or timeout at this edge too, eng_edge): no read is issued, none completes */
    const bool stopping = n->x.stop != ENG_X_GO;

    const unsigned s = g->next_tag; /* the slot of the read issued now */
    /* the frame whose bytes are requested: the descriptor in service, or (TX fetch) a cached one */
    const uint64_t e_addr = g->x.req ? le64_at(g->pc + VIRTQ_DESC_BYTES * (g->pc_pos + g->x.req - 1u)) : g->d_addr;
    const uint32_t e_len = x_frame_len(g, g->x.req);
    const bool can_read = !stopping && g->p_n + qeng_xn_reads(g) < g->mr && !g->p_slot[s].busy && !qeng_tag_held(g) &&
                          model_dma_out_free(e); /* the next fetch's reads count in M too */
    uint32_t xa_slot = 0, xa_k = can_read ? x_ahead_k(e, &xa_slot) : 0;
    if (xa_k) { /* first: its completion comes before the payload's, so the next fetch can start early */
        qeng_xa_issue(e, xa_k, xa_slot); /* its tag's slot stays free */
        issued = 1;
    } else if (can_read && xb_issue(e)) {
        /* beside, like the next fetch's reads: not counted in p_n */
    } else if (can_read && g->p_req < e_len) {
        uint16_t len = min_u16(e_len - g->p_req, VDPU_DMA_RD_MAX);
        qeng_pay_read(e, VDPU_PURP_PAYLOAD_RD, e_addr + g->p_req, len);
        n->p_slot[s].busy = true;
        n->p_slot[s].len = len;
        n->p_slot[s].got = 0;
        n->p_slot[s].off = g->x.rbase + g->p_req; /* within the frame buffer (qeng_desc_data) */
        n->p_req = g->p_req + len;
        issued = 1;
        if (n->p_req == e_len && g->x.req + 1u < g->x.cnt) { /* TX fetch: the next frame's bytes */
            n->x.req = (uint8_t)(g->x.req + 1);
            n->x.rbase = align_word(g->x.rbase + e_len);
            n->p_req = 0;
        }
    } else if (can_read && g->xa.st == ENG_XA_IN && g->x.req + 1u == g->x.cnt && fetch_takes_cache(g)) {
        xn_issue(e, s); /* not counted in p_n: the phase ends without waiting for them */
    }
    const vdpu_dmacpl_t *c = &in->dmacpl;
    if (in->dmacpl_valid && g->p_n && !stopping && qeng_xa_beat(e, c, &completed, &fail_last)) {
        /* the read ahead's (qeng_tx_ahead.c) */
    } else if (in->dmacpl_valid && g->p_n && !stopping) {
        /* a payload read's slot is its tag's (rtl/vdpu_qeng.sv, pay_hit) */
        int hit = c->tag < VDPU_QENG_TAGS && g->p_slot[c->tag].busy ? (int)c->tag : -1;
        if (hit < 0 || c->status != VDPU_CPL_SC || c->poison) { /* nothing of it is stored */
            n->p_bad = true;
            fail_last = c->last;
        } else {
            unsigned room = (unsigned)(g->p_slot[hit].len - g->p_slot[hit].got);
            unsigned k = c->len < DMA_BEAT_BYTES ? c->len : DMA_BEAT_BYTES;
            if (c->len > room) n->p_bad = true;
            if (k > room) k = room;
            qeng_tx_put(e, g->p_slot[hit].off + g->p_slot[hit].got, c->data, k);
            n->p_slot[hit].got = (uint16_t)(g->p_slot[hit].got + k);
            if (c->last) {
                if (g->p_slot[hit].got + k != g->p_slot[hit].len) n->p_bad = true;
                n->p_slot[hit].busy = false;
                completed = 1;
                fail_last = n->p_bad;
            }
        }
    }
    n->p_n = (uint8_t)(g->p_n + issued - completed);
    if (fail_last && !n->x.stop) n->x.stop = ENG_X_FAILED;
    bool between = g->x.cnt == 1 || x_send(e, in);
    if (n->x.stop && between) { /* the stop acts once no frame is half sent */
        if (n->x.stop == ENG_X_RESET) {
            n->fsm = VDPU_ENG_IDLE;
        } else if (n->x.stop == ENG_X_TIMEOUT) {
            qeng_error(e, VDPU_QERR_TIMEOUT);
        } else {
            n->fsm = VDPU_ENG_PROC;
            n->rd_len = (uint16_t)g->d_len;
            n->rd_got = 0;
            n->rd_bad = true;
        }
        return;
    }
    bool all_requested = g->x.req + 1u == g->x.cnt && n->p_req == e_len;
    if (all_requested && n->p_n == 0 && (g->x.cnt == 1 || n->x.out == g->x.cnt)) {
        n->fsm = VDPU_ENG_PROC;
        n->rd_len = (uint16_t)g->d_len;
        n->rd_got = n->p_bad ? 0 : n->rd_len; /* a stray beat of a foreign tag */
        n->rd_bad = n->p_bad;
        n->x.sent = g->x.cnt > 1;
    }
}

/*
 * A read of the next fetch (xn_issue), at whatever state the engine is in, hidden from the states like the
 * decision's: its beats go to its place in that next fetch's TX fetch buffer; a failed one (an error status,
 * poisoned, more or fewer bytes than asked) marks the next fetch bad - it fails where the next PAY phase
 * takes it over, or IDLE reports the failure owed if the service ends first. True when the beat was one
 * of them.
 */
bool qeng_xn_tap(struct vdpu_edge *e, const vdpu_in_t *in)
{
    const struct vdpu_eng *g = &e->pre->eng;
    const vdpu_dmacpl_t *c = &in->dmacpl;
    struct vdpu_eng *n = &e->next->eng;

    if (!in->dmacpl_valid || c->tag >= VDPU_QENG_TAGS || !g->p_slot[c->tag].busy || !g->p_slot[c->tag].nx ||
        !g->xn[g->p_slot[c->tag].nx - 1].n)
        return false;
    const unsigned xi = g->p_slot[c->tag].nx - 1u; /* xn[xi]'s read */
    e->eng_service = true; /* the slots are service arrays */
    unsigned t = c->tag, room = (unsigned)(g->p_slot[t].len - g->p_slot[t].got);
    unsigned k = c->len < DMA_BEAT_BYTES ? c->len : DMA_BEAT_BYTES;
    bool bad = c->status != VDPU_CPL_SC || c->poison || c->len > room;
    if (!bad) {
        qeng_tx_put(e, g->p_slot[t].off + g->p_slot[t].got, c->data, k);
        n->p_slot[t].got = (uint16_t)(g->p_slot[t].got + k);
    }
    if (bad) n->xn[xi].bad = true;
    if (c->last) {
        if (!bad && g->p_slot[t].got + k != g->p_slot[t].len) n->xn[xi].bad = true;
        n->p_slot[t].busy = false;
        n->p_slot[t].nx = 0;
        n->xn[xi].n = (uint8_t)(g->xn[xi].n - 1);
        if (n->xn[xi].bad) n->fail_owed = true; /* until the next PAY phase takes it */
    }
    return true;
}

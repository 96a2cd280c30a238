/* qeng.h - internals shared by the queue engine's files: the state machine (qeng.c), scheduler inputs, ring walker (split / packed), PAY phase, RX run-ahead, interrupt decisions. */
#ifndef VDPU_QENG_H
#define VDPU_QENG_H

#include <string.h>

#include "model.h"

/* virtq descriptor flags (split and packed) */
#define VIRTQ_DESC_F_NEXT     0x1u
#define VIRTQ_DESC_F_WRITE    0x2u
#define VIRTQ_DESC_F_INDIRECT 0x4u
#define VIRTQ_DESC_F_AVAIL    (1u << 7)  /* packed */
#define VIRTQ_DESC_F_USED     (1u << 15) /* packed */
#define VRING_AVAIL_F_NO_INTERRUPT 0x1u
#define VRING_PACKED_EVENT_FLAG_DISABLE 0x1u
#define VRING_PACKED_EVENT_FLAG_DESC    0x2u /* EVENT_IDX: interrupt when off_wrap's slot is used */

#define VIRTQ_DESC_BYTES  16u
#define SPLIT_RING_HDR    4u /* split: flags, idx in front of the avail and used rings (the avail read, its refresh) */
#define QENG_TBL_BLOCK    (VDPU_DMA_RD_MAX / VIRTQ_DESC_BYTES) /* indirect table entries per read */

/* INDIRECT_DESC: the service was started with INDIRECT_DESC negotiated (ENG_CTRL[2], latched at the pick). */
static inline bool qeng_ind(const struct vdpu_edge *e) { return e->pre->eng.ind_en; }
/* EVENT_IDX: the spec's vring_need_event - the used index moved from old to new_idx past event_idx
 * (RTL vdpu_qeng.sv need_event; split and packed alike) */
static inline bool qeng_need_event(uint16_t event_idx, uint16_t new_idx, uint16_t old)
{
    return (uint16_t)(new_idx - event_idx - 1) < (uint16_t)(new_idx - old);
}

/* Queue context of the queue in service, as it was before the edge. */
static inline const struct vdpu_queue_ctx *qeng_qctx(const struct vdpu_edge *e)
{
    return &e->pre->queue[e->pre->eng.q];
}
static inline uint64_t qeng_desc_base(const struct vdpu_queue_ctx *q) { return (uint64_t)q->desc_hi << 32 | q->desc_lo; }
static inline uint64_t qeng_driver_base(const struct vdpu_queue_ctx *q) { return (uint64_t)q->driver_hi << 32 | q->driver_lo; }
static inline uint64_t qeng_device_base(const struct vdpu_queue_ctx *q) { return (uint64_t)q->device_hi << 32 | q->device_lo; }

static inline uint16_t min_u16(uint32_t a, uint32_t b) { return (uint16_t)(a < b ? a : b); }
static inline uint64_t le64_at(const uint8_t *p) { return (uint64_t)le32_at(p + 4) << 32 | le32_at(p); }
static inline void put_le16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static inline void put_le32(uint8_t *p, uint32_t v)
{
    put_le16(p, (uint16_t)v);
    put_le16(p + 2, (uint16_t)(v >> 16));
}

/* qeng.c: transitions every ring layout uses (they write e->next->eng) */
void qeng_read(struct vdpu_edge *e, uint8_t purpose, uint64_t addr, uint16_t len);
void qeng_write(struct vdpu_edge *e, uint8_t purpose, uint64_t addr, uint16_t len, const uint8_t *data);
void qeng_error(struct vdpu_edge *e, uint8_t code);
void qeng_raise(struct vdpu_edge *e, uint16_t q);
void qeng_idle(struct vdpu_edge *e);
bool qeng_tx_yields(const struct vdpu_edge *e);
void qeng_drop_frame(struct vdpu_edge *e);
void qeng_rx_irq(struct vdpu_edge *e, bool more);
void qeng_buffer_held(struct vdpu_edge *e);
uint8_t qeng_desc_check(const struct vdpu_edge *e, uint64_t addr, uint32_t len, uint16_t flags, uint32_t count,
                        uint32_t limit);
uint8_t qeng_ind_check(const struct vdpu_edge *e, uint64_t addr, uint32_t len, uint16_t flags, uint16_t ndesc);
void qeng_tbl_start(struct vdpu_edge *e, uint64_t addr, uint32_t len);
void qeng_tbl_fetch(struct vdpu_edge *e);
void qeng_desc_data(struct vdpu_edge *e);
void qeng_chain_done(struct vdpu_edge *e);
uint32_t qeng_rx_total(const struct vdpu_state *s);
/* NOTIFICATION_DATA: buffers the queue's latest doorbell data says are available beyond last_avail, or -1 */
int32_t qeng_nd_ahead(const struct vdpu_edge *e, bool nd_en, const struct vdpu_queue_ctx *qc);
bool qeng_cache_read(const struct vdpu_edge *e);
/* a run-ahead read in flight: its completion expected, its tag held (wanted or dropped) */
static inline bool qeng_ra_in_flight(const struct eng_ra_read *r)
{
    return r->st == ENG_RA_READ || r->st == ENG_RA_DROP;
}
/* The states the decisions and run-ahead reads are in (ev_sts, ra_sts), from the reads themselves */
_Static_assert(ENG_EV_BAD < 8 && ENG_RA_DROP < 8, "a summary holds a bit per state in 8 bits");
static inline void qeng_summarize(struct vdpu_eng *g)
{
    unsigned ev = 1u << g->ev.st, ra = 1u << g->ra.st;
    _Pragma("GCC unroll 8")
    for (unsigned i = 0; i < VDPU_EV_PENDING - 1; i++) ev |= 1u << g->ep[i].st;
    _Pragma("GCC unroll 8")
    for (unsigned i = 0; i < VDPU_RX_AHEAD_READS - 1; i++) ra |= 1u << g->rb[i].st;
    g->ev_sts = (uint8_t)ev;
    g->ra_sts = (uint8_t)ra;
}
/* The checks below read the summary: use them on an edge's pre-edge state (summarized at the edge before) */

/* an RX run-ahead read, or the avail refresh, is in flight (RTL ra_pend) */
static inline bool qeng_ra_pending(const struct vdpu_eng *g)
{
    return (g->ra_sts & (1u << ENG_RA_READ | 1u << ENG_RA_DROP)) || g->av.st == ENG_RA_READ;
}

/* one of the interrupt decisions (ev, ep[]) is in state st (RTL ev_bad, ev_full) */
static inline bool qeng_ev_any(const struct vdpu_eng *g, uint8_t st)
{
    return (g->ev_sts >> st) & 1u;
}
/* every one of them is (RTL ev_full: a used write waits) */
static inline bool qeng_ev_all(const struct vdpu_eng *g, uint8_t st)
{
    return g->ev_sts == 1u << st;
}
/* one is held, pending or failed (RTL ev_held) */
static inline bool qeng_ev_held(const struct vdpu_eng *g)
{
    return !qeng_ev_all(g, ENG_EV_NONE);
}
/* the decision whose read has this tag in flight (RTL vdpu_qeng_irq's hit_o, sel; tag_held_o), NULL if none: the newest
 * first, then those moved aside in order */
static inline const struct eng_decision *qeng_ev_of_tag(const struct vdpu_eng *g, uint8_t tag)
{
    if (g->ev.st == ENG_EV_READ && tag == g->ev.tag) return &g->ev;
    _Pragma("GCC unroll 8")
    for (unsigned i = 0; i < VDPU_EV_PENDING - 1; i++)
        if (g->ep[i].st == ENG_EV_READ && tag == g->ep[i].tag) return &g->ep[i];
    return NULL;
}
/* the run-ahead read after the first with its completion expected on this tag (RTL rb_hit), or -1 */
static inline int qeng_rb_of_tag(const struct vdpu_eng *g, uint8_t tag)
{
    _Pragma("GCC unroll 8")
    for (int i = VDPU_RX_AHEAD_READS - 2; i >= 0; i--)
        if (qeng_ra_in_flight(&g->rb[i]) && tag == g->rb[i].tag) return i;
    return -1;
}

/* reads of the next fetches in flight (they count in M with the PAY phase's) */
static inline unsigned qeng_xn_reads(const struct vdpu_eng *g)
{
    unsigned n = 0;
    for (unsigned i = 0; i < VDPU_TX_FETCH_BUFS - 1; i++) n += g->xn[i].n;
    return n;
}

/* a read of a next fetch, or a read beyond them, is in flight (their completions expected, tags held) */
static inline bool qeng_xn_pending(const struct vdpu_eng *g)
{
    if (qeng_xn_reads(g)) return true;
    for (unsigned i = 0; i < VDPU_TX_BEYOND_READS; i++)
        if (g->xb[i].st == ENG_XA_READ) return true;
    return false;
}

/* The read beyond the next fetch on this tag, or -1 */
static inline int qeng_xb_of_tag(const struct vdpu_eng *g, uint8_t tag)
{
    for (unsigned i = 0; i < VDPU_TX_BEYOND_READS; i++)
        if (g->xb[i].st == ENG_XA_READ && g->xb[i].tag == tag) return (int)i;
    return -1;
}

/* TX fetch: the bytes of a TX fetch buffer a fetch of K frames may fill - K standard frames (1,514 bytes and
 * the 12-byte header from a 32-byte word: TX_BUF_BYTES holds ENG_PARAM_MAX of them), the longest frame at
 * least - so that a design built for K needs two buffers of this much (sim/report/eng_storage.c) */
#define QENG_TX_SLOT_BYTES (VDPU_TX_BUF_BYTES / VDPU_ENG_PARAM_MAX)
_Static_assert(QENG_TX_SLOT_BYTES == 1536 && QENG_TX_SLOT_BYTES * VDPU_ENG_PARAM_MAX == VDPU_TX_BUF_BYTES,
               "a TX fetch buffer holds ENG_PARAM_MAX standard frames");
static inline uint32_t qeng_fetch_room(unsigned k)
{
    return k * QENG_TX_SLOT_BYTES > VDPU_FRAME_BUF_BYTES ? k * QENG_TX_SLOT_BYTES : VDPU_FRAME_BUF_BYTES;
}

/* qeng_sched.c: the scheduler's inputs from pre-edge state (rtl/vdpu_qeng_sched.sv): the waiting frame's
 * receiveq can take it; the TX pick (round robin; -1: none ready), any ready, one ready besides cur */
bool qeng_sched_rx_go(const struct vdpu_state *s, unsigned rxq);
int qeng_sched_tx_pick(const struct vdpu_state *s);
bool qeng_sched_tx_any(const struct vdpu_state *s);
bool qeng_sched_tx_other(const struct vdpu_state *s, unsigned cur);

/* The descriptors of the i-th read after the first run-ahead read (pcx): pcy, then pcz[i - 1] - an RX
 * service's rb[i], a TX service's xb[i] (rtl/vdpu_qeng_ahead_bufs.sv: buffer i + 1) */
static inline uint8_t *qeng_ahead_buf(struct vdpu_eng *n, unsigned i) { return i ? n->pcz[i - 1] : n->pcy; }

/* The first read ahead is taken and the next becomes the first: pcy moves into pcx and each of the m - 1
 * buffers after it up one (RX: m = RX_AHEAD_READS - 1, TX: TX_BEYOND_READS; the RTL's shift_n_i) */
static inline void qeng_ahead_shift(struct vdpu_eng *n, unsigned m)
{
    memcpy(n->pcx, n->pcy, sizeof n->pcx);
    for (unsigned i = 0; i + 1 < m; i++) memcpy(qeng_ahead_buf(n, i), qeng_ahead_buf(n, i + 1), sizeof n->pcx);
}

/* qeng.c, for the reads beside the engine: a read ahead's descriptors (how many, from `skip` past the next
 * one the service would read; its slot), the next read's tag held by a read beside the engine, a read
 * loaded on the next tag without the engine waiting for it */
uint32_t qeng_ahead_k(const struct vdpu_edge *e, uint32_t skip, uint32_t offered_skip, uint32_t *slot);
bool qeng_tag_held(const struct vdpu_eng *g);
void qeng_pay_read(struct vdpu_edge *e, uint8_t purpose, uint64_t addr, uint16_t len);
/* ... a read ahead's: k descriptors from ring slot `slot` (the RX run-ahead reads, the TX fetch's read ahead
 * and reads beyond) */
void qeng_ahead_read(struct vdpu_edge *e, uint32_t slot, uint32_t k);

/* qeng_tx.c, the TX mover (rtl/vdpu_qeng_tx.sv): payload bytes into the TX frame buffer at a chain byte;
 * one beat of the frame at tx_base to the network port (TX_OUT, PAY's TX fetch; true at its last) */
void qeng_tx_put(struct vdpu_edge *e, uint32_t pos, const uint8_t *data, unsigned k);
bool qeng_tx_beat(struct vdpu_edge *e, uint32_t chain_len);
/* qeng_rx.c, the RX mover (rtl/vdpu_qeng_rx.sv): k bytes of an RX payload write beat from header+frame byte pos */
void qeng_rx_beat(const struct vdpu_edge *e, uint32_t pos, uint32_t k, uint8_t *out);

/* qeng_rx_ahead.c: an RX service's run-ahead descriptor reads and the split avail refresh
 * (docs/queue-engine.md "RX run-ahead", "RX avail refresh"): none (a pick, a reset, a timeout); issue
 * one at RX_NEXT (true: issued or due); the refresh issued (true) and taken; a cache refill takes the
 * first read (1: taken, -1: it failed, 0: the service reads itself); their completion beats (true: the
 * beat was theirs) */
void qeng_ra_none(struct vdpu_eng *n);
bool qeng_ra_issue(struct vdpu_edge *e);
bool qeng_av_issue(struct vdpu_edge *e);
void qeng_av_take(struct vdpu_edge *e);
int qeng_ra_take(struct vdpu_edge *e);
/* the first run-ahead read not wanted: dropped in flight, forgotten when in or failed (those after it too) */
void qeng_ra_forget(struct vdpu_edge *e);
bool qeng_ra_tap(struct vdpu_edge *e, const vdpu_in_t *in);
bool qeng_av_tap(struct vdpu_edge *e, const vdpu_in_t *in);

/* qeng_pay.c: the PAY phase (docs/queue-engine.md "TX payload reads", "TX fetch", "The next fetch read
 * early"): the state; how many cached one-descriptor frames the PAY phase of the descriptor just checked
 * reads with it (1: none); the next fetches' reads forgotten (a reset, a timeout); their completion
 * beats (true: the beat was theirs) */
void qeng_state_pay(struct vdpu_edge *e, const vdpu_in_t *in);
uint8_t qeng_tx_fetch_count(const struct vdpu_edge *e);
void qeng_xn_forget(struct vdpu_eng *n);
bool qeng_xn_tap(struct vdpu_edge *e, const vdpu_in_t *in);

/* qeng_tx_ahead.c: the TX fetch's read ahead and reads beyond the next fetch (rtl/vdpu_qeng_tx_ahead.sv;
 * docs/queue-engine.md "TX fetch", "The read beyond the next fetch"): none (the pick); the read ahead or
 * read beyond xb[i] going out; the read ahead, in, becoming the cache (true); a PAY phase starting takes
 * xb[0] as its read ahead; PAY's beat taken as the read ahead's (true: it was); a read beyond's beat at
 * any state (true: it was one); the reads beyond forgotten (a reset, a timeout) */
void qeng_x_ahead_none(struct vdpu_eng *n);
void qeng_xa_issue(struct vdpu_edge *e, uint32_t k, uint32_t slot);
void qeng_xb_issue(struct vdpu_edge *e, unsigned i, uint32_t k, uint32_t slot);
bool qeng_xa_take(struct vdpu_edge *e);
void qeng_xb_move_up(struct vdpu_edge *e);
bool qeng_xa_beat(struct vdpu_edge *e, const vdpu_dmacpl_t *c, int *completed, bool *fail_last);
bool qeng_xb_tap(struct vdpu_edge *e, const vdpu_in_t *in);
void qeng_xb_forget(struct vdpu_eng *n);

/* qeng_irq.c: the interrupt decisions made beside the engine (rtl/vdpu_qeng_irq.sv): the decision on an
 * event read's data (true: interrupt), a decision's completion beat (true: it was one; *fail: it failed),
 * a new decision where its event read goes out, the failed ones cleared (false: none), all forgotten */
bool qeng_event_irq(const uint8_t *d, bool pk, bool evx, uint16_t nw, bool nwrap, uint16_t qsize, uint16_t n,
                    uint16_t old);
bool qeng_irq_tap(struct vdpu_edge *e, const vdpu_in_t *in, bool *fail);
void qeng_irq_push(struct vdpu_edge *e);
bool qeng_irq_unbad(const struct vdpu_eng *g, struct vdpu_eng *n);
void qeng_irq_forget(struct vdpu_eng *n);

/*
 * qeng_split.c / qeng_packed.c: the ring walker - what depends on the ring layout, split and packed behind
 * one interface, at the points the engine's states (qeng.c) reach it (qeng_ring picks the layout).
 */
struct qeng_ring {
    void (*start)(struct vdpu_edge *e, uint16_t q); /* a pick: the service's first buffer */
    void (*rx_next)(struct vdpu_edge *e);            /* RX_NEXT: the next frame's buffer, same service */
    void (*proc)(struct vdpu_edge *e);               /* PROC of a ring, descriptor or event read */
    void (*desc_done)(struct vdpu_edge *e);          /* the descriptor's data is done: the chain goes on */
    void (*used)(struct vdpu_edge *e);               /* the chain is done: its used entry */
    void (*wr_done)(struct vdpu_edge *e);            /* a used (or batch) write is out */
    void (*irq)(struct vdpu_edge *e);                /* IRQ: the interrupt, then the next step */
    void (*next_buffer)(struct vdpu_edge *e);        /* MRG_RXBUF: the frame goes on in the next buffer */
    void (*held_batch)(struct vdpu_edge *e);         /* RX: the used batch held before this frame, first */
    bool (*held_rest_done)(struct vdpu_edge *e);     /* ... packed: its first used descriptor after it */
    void (*leave)(struct vdpu_edge *e);              /* the service leaves the queue, a held batch written */
    /* NOTIFICATION_DATA: buffers beyond last_avail the queue's data says are available (-1: it says
     * nothing); and whether the engine's move of the position from o to n passed it (it retires) */
    int32_t (*nd_ahead)(const struct vdpu_queue_ctx *qc);
    bool (*nd_passed)(const struct vdpu_queue_ctx *o, const struct vdpu_queue_ctx *n);
    /* MRG_RXBUF: the used entry of the frame's buffer k; a dropped frame's filled buffers given back */
    void (*mrg_used)(struct vdpu_edge *e, unsigned k);
    void (*mrg_drop)(struct vdpu_edge *e);
    /* INDIRECT_DESC: an indirect table entry's flags and next (split follows NEXT inside the table,
     * tbl_next; packed uses the entries in order, their id and NEXT ignored) */
    void (*tbl_entry)(const uint8_t *d, uint16_t *flags, uint16_t *next);
    bool tbl_next;
};
extern const struct qeng_ring qeng_split_ring, qeng_packed_ring;

#endif

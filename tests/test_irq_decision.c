/* test_irq_decision.c - the interrupt decision beside the engine (docs/queue-engine.md "Interrupt decision"). */
/*
 * A transmit service's event read (packed: the driver event structure; split with EVENT_IDX: used_event)
 * after a used write no longer holds the engine: the next fetch runs while it is in flight, its
 * completion decides the interrupt at whatever state the engine is in, and the next used write waits
 * for it. On model, rtl and cosim (hand-built rings, P = B = K = 4, IN_ORDER: two batches of four
 * frames): the overlap itself, and what a failed, poisoned or lost event read does.
 */
#include <string.h>

#include "hand_ring.h"
#include "link.h"

/* P = 4, B = 4, M = 8 reads outstanding, TX fetch 4 */
/* the nth-read faults below count two reads beyond the next fetch: on a ring of QN = 8 with P = 4 a third
 * would be more than a lap ahead, and is not read (ahead_k) */
_Static_assert(VDPU_TX_BEYOND_READS >= 2 && QN == 8, "two reads beyond the next fetch fit the ring");

static uint32_t param(void) { return 4u | 4u << 4 | 8u << 8 | 4u << VDPU_ENG_PARAM_TX_FETCH_LSB; }

/* The first event read's tag, and the frames that left between it and its completion */
struct overlap {
    struct t_tap tap;
    bool seen, done;
    uint8_t tag;
    unsigned frames_during;
};

static void on_txn(void *ctx, const vdpu_txn_t *x)
{
    struct overlap *o = ctx;
    if (o->done) return;
    if (x->chan == VDPU_CH_DMAREQ && x->u.dmareq.type == VDPU_DMA_RD) {
        if (!o->seen && x->u.dmareq.purpose == VDPU_PURP_EVENT) {
            o->seen = true;
            o->tag = x->u.dmareq.tag;
        }
    }
    if (o->seen && x->chan == VDPU_CH_NTX && x->u.ntx.last) o->frames_during++;
    if (o->seen && x->chan == VDPU_CH_DMACPL && x->u.dmacpl.tag == o->tag) o->done = true;
}

/* eight frames in two fetches of four, the engine on the packed ring or split IN_ORDER (+ EVENT_IDX: the
 * split event read is used_event's) */
static void up(struct tctx *t, bool packed)
{
    engine_up(t, packed, param(),
              1u << VDPU_ENGCTRL_IN_ORDER | (packed ? 0u : 1u << VDPU_ENGCTRL_EVENT_IDX));
    hand_post(t, packed, QN, 72, QN);
}

/* The second fetch's frames leave while the first batch's event read is in flight (the engine used to wait
 * a round trip for it; its payload was read early, during the first fetch - "The next fetch read early" -
 * so its frames are in as the decision starts: all four leave before it comes back); every frame leaves
 * once, two used writes, two event reads. */
static void overlaps(struct tctx *t, bool packed)
{
    struct overlap o;
    memset(&o, 0, sizeof o);
    up(t, packed);
    t_tap_on(&o.tap, t, on_txn, &o);
    kick(t);
    t_tap_off(&o.tap);
    cr_assert(o.seen && o.done, "the event read and its completion");
    cr_assert_eq(o.frames_during, 4, "frames sent while the decision was pending: %u", o.frames_during);
    cr_assert_eq(t->b->net.tx_frames, QN);
    cr_assert_eq(reqs(t, VDPU_PURP_PAYLOAD_RD), QN);
    /* one decision (event read) per batch; split also writes avail_event once, finding the ring empty */
    cr_assert_eq(reqs(t, VDPU_PURP_EVENT), packed ? 2u : 3u, "%llu event requests",
                 (unsigned long long)reqs(t, VDPU_PURP_EVENT));
    cr_assert_eq(reqs(t, VDPU_PURP_USED), 2, "one used write per batch");
    cr_assert_eq(csr_rd(t, VDPU_CSR_QERR), 0);
    cr_assert_eq(csr_rd(t, VDPU_CSR_ENG_STATUS) & VDPU_ENG_STATUS_IDLE, VDPU_ENG_STATUS_IDLE, "idle after it");
}
ENGINE_TEST(irq_decision, packed_the_next_fetch_runs_during_the_decision, .timeout = 60) { overlaps(T, true); }
ENGINE_TEST(irq_decision, split_the_next_fetch_runs_during_the_decision, .timeout = 60) { overlaps(T, false); }

/* The first batch's event read (packed: the 13th read - descriptors, the descriptors read ahead, the two
 * reads beyond the next fetch, four payloads, the next fetch's four payloads, then it; split: avail idx, the
 * first ring entry, descriptors, the read ahead, four payloads, the next fetch's four - nothing is offered
 * beyond it - then it, the 13th) gets `fault`: the queue stops with `code` (CA, poison: QERR_DMA at the
 * completion; a lost completion: QERR_TIMEOUT once the engine waits for it with nothing else coming).
 * Two decisions may be pending: the second fetch's used write and its event read go out whenever its
 * frames are sent before the first decision's completion is due. `used` used writes, one event read
 * per decision (`events` event requests: split adds the EVENT_IDX avail_event write of the service's
 * end, which the second decision's completion lets happen), nothing after the failure. */
static void failed(struct tctx *t, bool packed, const char *fault, uint32_t code, unsigned used, unsigned events)
{
    t_faults_from_here(t, fault);
    up(t, packed);
    csr_wr(t, VDPU_CSR_CPL_TIMEOUT, 2000); /* the lost completion fails within kick()'s 8,000 cycles */
    kick(t);
    cr_assert_eq(t->b->link.nfired, 1);
    cr_assert_eq(t->b->link.fired[0].purpose, VDPU_PURP_EVENT, "the fault hit the event read");
    cr_assert_eq(csr_rd(t, VDPU_CSR_QERR), 1u << Q_TX);
    cr_assert_eq(hand_err_code(t), code, "ERR_INFO code %u", hand_err_code(t));
    cr_assert_eq(reqs(t, VDPU_PURP_USED), used, "%llu used writes", (unsigned long long)reqs(t, VDPU_PURP_USED));
    cr_assert_eq(reqs(t, VDPU_PURP_EVENT), events, "%llu event requests", (unsigned long long)reqs(t, VDPU_PURP_EVENT));
    cr_assert_leq(t->b->net.tx_frames, QN);
    cr_assert_eq(csr_rd(t, VDPU_CSR_ENG_STATUS) & VDPU_ENG_STATUS_IDLE, VDPU_ENG_STATUS_IDLE, "the engine idle");
}
/* packed: the read beyond the next fetch, which the second PAY phase waits for (its read ahead), goes out
 * before the first fetch's payload (since 2026-12-07; after it before), so the second fetch ends sooner:
 * its frames are used and its decision started before the CA / poisoned completion comes - two used
 * writes, two event reads (one of each before) */
ENGINE_TEST(irq_decision, packed_a_failed_event_read_stops_the_queue, .timeout = 60)
{
    failed(T, true, "ca@13", VDPU_QERR_DMA, 2, 2);
}
ENGINE_TEST(irq_decision, packed_a_poisoned_event_read_stops_the_queue, .timeout = 60)
{
    failed(T, true, "poison@13", VDPU_QERR_DMA, 2, 2);
}
/* lost: the second fetch is used and decided with the first decision pending; then it times out */
ENGINE_TEST(irq_decision, packed_a_lost_event_completion_times_out, .timeout = 60)
{
    failed(T, true, "drop@13", VDPU_QERR_TIMEOUT, 2, 2);
}
/* split: the second fetch's used write (cycle ~1257) is two cycles ahead of the CA (~1259) */
ENGINE_TEST(irq_decision, split_a_failed_event_read_stops_the_queue, .timeout = 60)
{
    failed(T, false, "ca@13", VDPU_QERR_DMA, 2, 3);
}
ENGINE_TEST(irq_decision, split_a_lost_event_completion_times_out, .timeout = 60)
{
    failed(T, false, "drop@13", VDPU_QERR_TIMEOUT, 2, 3);
}

/* ---- a read on the pending decision's tag waits ---------------------------------------------------- */

#define BIG_FRAME 8192u /* the 12-byte header and 8,180 bytes: sixteen 512-byte payload reads */
#define BIG_QN 16u      /* a ring of its own size: frames 4-11 take more reads than the other tags */
_Static_assert(8 * BIG_FRAME / VDPU_DMA_RD_MAX + 2 > VDPU_QENG_TAGS - 1, "frames 4-11 take more reads than the other tags");

/* The pending decision's tag, and the reads requested on it while the decision was pending */
struct tag_watch {
    struct t_tap tap;
    bool pending;
    uint8_t tag;
    unsigned on_its_tag, after;
};

static void on_tag_txn(void *ctx, const vdpu_txn_t *x)
{
    struct tag_watch *w = ctx;
    if (x->chan == VDPU_CH_DMACPL && w->pending && x->u.dmacpl.tag == w->tag) w->pending = false;
    if (x->chan != VDPU_CH_DMAREQ || x->u.dmareq.type != VDPU_DMA_RD) return;
    if (w->pending) {
        w->after++;
        if (x->u.dmareq.tag == w->tag) w->on_its_tag++;
    } else if (x->u.dmareq.purpose == VDPU_PURP_EVENT && !w->after) {
        w->pending = true;
        w->tag = x->u.dmareq.tag;
    }
}

/* Twelve 8,192-byte chains on a packed ring of 16, P = B = 4, K = 1, M = 8, IN_ORDER; the first batch's
 * event completion is lost. The engine goes on with frames 4-11: two descriptor reads, 128 payload reads and
 * the second batch's event read, more than the QENG_TAGS - 1 other tags, so the QENG_TAGS-th read after the
 * event read would take its tag - it waits instead (a completion on that tag would be taken for the
 * decision), and the lost completion then times out (QERR_TIMEOUT) with QENG_TAGS - 1 reads issued
 * meanwhile and none on the tag. */
ENGINE_TEST(irq_decision, a_read_waits_for_the_pending_decisions_tag, .timeout = 60)
{
    static uint8_t buf[BIG_FRAME];
    struct tag_watch w;
    t_faults_from_here(T, "drop@66"); /* 1 + 4 x 16 reads, then it */
    engine_up(T, true, 4u | 4u << 4 | 8u << 8, 1u << VDPU_ENGCTRL_IN_ORDER);
    csr_wr(T, VDPU_CSR_FW_QSEL, Q_TX); /* the ring of BIG_QN (engine_up's of QN is enabled, not yet kicked) */
    csr_wr(T, VDPU_CSR_Q_ENABLE, 0);
    csr_wr(T, VDPU_CSR_Q_SIZE, BIG_QN);
    csr_wr(T, VDPU_CSR_Q_ENABLE, 1);
    cr_assert(link_grant(&T->b->link, RING_DESC, 16 * BIG_QN));
    for (unsigned i = 0; i < 12; i++) {
        memset(buf, 0x40 + (int)i, sizeof buf);
        hm_w(T, BUFS + 0x2000ull * i, buf, BIG_FRAME);
        desc_w(T, (uint16_t)i, BUFS + 0x2000ull * i, BIG_FRAME, (uint16_t)i, P_AVAIL);
    }
    csr_wr(T, VDPU_CSR_CPL_TIMEOUT, 2000);
    memset(&w, 0, sizeof w);
    t_tap_on(&w.tap, T, on_tag_txn, &w);
    kick(T);
    run_cycles(T, 16000); /* 96 KiB of frames: the stall and its timeout come after kick()'s 8,000 cycles */
    t_tap_off(&w.tap);
    cr_assert_eq(T->b->link.nfired, 1);
    cr_assert_eq(T->b->link.fired[0].purpose, VDPU_PURP_EVENT, "the fault hit the event read");
    cr_assert_eq(w.on_its_tag, 0, "%u reads on the pending decision's tag", w.on_its_tag);
    cr_assert_eq(w.after, VDPU_QENG_TAGS - 1, "reads while it was pending: %u", w.after);
    cr_assert_eq(csr_rd(T, VDPU_CSR_QERR), 1u << Q_TX);
    cr_assert_eq(hand_err_code(T), VDPU_QERR_TIMEOUT);
    cr_assert_eq(reqs(T, VDPU_PURP_USED), 2, "frames 0-3 and 4-7 used; 8-11 stopped by the tag");
}

/* Four frames only (P = B = K = 4): the fetch takes them all, reads the next four descriptors ahead (not
 * available yet) and the eight beyond them (two reads of TX_BEYOND_READS, speculatively, while the read ahead
 * is on the way), writes the batch and leaves the queue for IDLE, where the decision's completion comes -
 * CA (the 9th read: descriptors, the read ahead, the two reads beyond, four payloads, then it): the queue
 * stops there with QERR_DMA, the engine stays idle, nothing more is used. */
ENGINE_TEST(irq_decision, a_failed_decision_after_the_service_left, .timeout = 60)
{
    t_faults_from_here(T, "ca@9");
    engine_up(T, true, param(), 1u << VDPU_ENGCTRL_IN_ORDER);
    hand_post(T, true, 4, 72, QN);
    kick(T);
    cr_assert_eq(T->b->link.nfired, 1);
    cr_assert_eq(T->b->link.fired[0].purpose, VDPU_PURP_EVENT, "the fault hit the event read");
    cr_assert_eq(T->b->net.tx_frames, 4);
    cr_assert_eq(reqs(T, VDPU_PURP_USED), 1);
    cr_assert_eq(csr_rd(T, VDPU_CSR_QERR), 1u << Q_TX);
    cr_assert_eq(hand_err_code(T), VDPU_QERR_DMA);
    cr_assert_eq(csr_rd(T, VDPU_CSR_ENG_STATUS) & VDPU_ENG_STATUS_IDLE, VDPU_ENG_STATUS_IDLE, "the engine idle");
}

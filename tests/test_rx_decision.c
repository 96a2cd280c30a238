/* test_rx_decision.c - a receive service goes on after a written batch, its interrupt decision made beside it (docs/queue-engine.md "RX batching", "Interrupt decision"). */
/*
 * With batching (B > 1) a receive service that wrote its batch takes the next waiting frame instead of
 * leaving to the scheduler (which would pick the frame again), and the batch's event read (packed: the
 * driver event structure; split with EVENT_IDX: used_event) decides the interrupt beside it: the next
 * frames are written while it is in flight, the next used write waits for it. A failed decision stops
 * the receiveq (QERR_DMA; lost: QERR_TIMEOUT) and nothing more is used. On model, rtl and cosim with the
 * real firmware and hand-posted receive buffers (hand_queue.h), 1514-byte frames queued on the wire.
 */
#include <string.h>

#include "hand_queue.h"
#include "harness.h"
#include "link.h"

#define VQSIZE 16
#define FLEN 1514
#define BUF_LEN 1600


/* EVENT_IDX negotiated (split decides on used_event); ENG_CTRL is set once the engine runs */
static void event_idx_on(struct tctx *t)
{
    cr_assert(peek_csr(t, VDPU_CSR_ENG_CTRL) & 1u << VDPU_ENGCTRL_EVENT_IDX, "EVENT_IDX (ENG_CTRL %#x)",
              peek_csr(t, VDPU_CSR_ENG_CTRL));
}

static uint64_t reqs(struct tctx *t, unsigned purp) { return t->b->link.st.by[0][purp].requests; }

/* The first event read's tag, and the payload write requests issued while it was in flight */
struct pending {
    struct t_tap tap;
    bool seen, done;
    uint8_t tag;
    unsigned writes_during;
};

static void on_txn(void *ctx, const vdpu_txn_t *x)
{
    struct pending *o = ctx;
    if (o->done) return;
    if (x->chan == VDPU_CH_DMAREQ && !o->seen && x->u.dmareq.type == VDPU_DMA_RD &&
        x->u.dmareq.purpose == VDPU_PURP_EVENT) {
        o->seen = true;
        o->tag = x->u.dmareq.tag;
    } else if (x->chan == VDPU_CH_DMAREQ && o->seen && x->u.dmareq.purpose == VDPU_PURP_PAYLOAD_WR) {
        o->writes_during += x->u.dmareq.last;
    }
    if (o->seen && x->chan == VDPU_CH_DMACPL && x->u.dmacpl.tag == o->tag) o->done = true;
}

/*
 * P = 8, B = 4: sixteen frames, four batches in one service (one avail idx read and its refresh on
 * split). After the first batch's used write its event read goes out, and frames 4.. (their
 * descriptors already cached) are written while it is in flight - the engine used to wait a round trip
 * (200 cycles) for it and end the service. Every frame used, one decision (event read) per batch.
 */
static void goes_on(struct tctx *t, enum drv_ring ring)
{
    struct hctx h;
    struct pending o;
    memset(&o, 0, sizeof o);
    h_rx_up(&h, t, ring, VQSIZE, VQSIZE, BUF_LEN);
    t_tap_on(&o.tap, t, on_txn, &o);
    h_inject(&h, VQSIZE, FLEN);
    vdpu_bus_run_cycles(t->b, 40000);
    t_tap_off(&o.tap);
    cr_assert(!t->b->stopped, "%s", t->b->stop_reason);
    event_idx_on(t);
    cr_assert(o.seen && o.done, "the first event read and its completion");
    cr_log_info("%u payload write requests while the first decision was pending", o.writes_during);
    /* a 1526-byte frame is six 256-byte requests taking 48 cycles: two to three frames fit in 200 */
    cr_assert_geq(o.writes_during, 12, "%u payload writes while the decision was pending", o.writes_during);
    cr_assert_eq(t->b->net.rx_n, 0, "every frame taken");
    cr_assert_eq(peek_csr(t, VDPU_CSR_ENG_STATUS) >> 16, 0, "nothing dropped");
    cr_assert_eq(reqs(t, VDPU_PURP_EVENT), 4, "one decision per batch");
    if (ring == DRV_RING_SPLIT) {
        /* the service's avail read and its refresh at half the ring (docs/queue-engine.md "RX avail
         * refresh"): one service */
        cr_assert_eq(reqs(t, VDPU_PURP_AVAIL_IDX), 2, "one service");
        cr_assert_eq(reqs(t, VDPU_PURP_USED), 4);
        cr_assert_eq(hm_r16(t, h.q->device + 2), VQSIZE, "used idx");
    } else {
        cr_assert_eq(reqs(t, VDPU_PURP_USED), 8, "per batch: buffers 1..3, then buffer 0");
    }
    cr_assert_eq(peek_csr(t, VDPU_CSR_QERR), 0);
    h_close(&h);
}
ENGINE_TEST_PARAMS(rx_decision, split_the_next_frames_are_written_during_the_decision, 8, 4, .timeout = 120)
{
    goes_on(T, DRV_RING_SPLIT);
}
ENGINE_TEST_PARAMS(rx_decision, packed_the_next_frames_are_written_during_the_decision, 8, 4, .timeout = 120)
{
    goes_on(T, DRV_RING_PACKED);
}

/* ---- two and three decisions pending: each on its own batch ----------------------------------- */

/* when the first event read's completion came, and the used writes before it */
struct order {
    struct t_tap tap;
    bool seen, done;
    uint8_t tag;
    unsigned used_before; /* used writes (split: used idx writes) issued before that completion */
    bool split;
};

static void on_order(void *ctx, const vdpu_txn_t *x)
{
    struct order *o = ctx;
    if (o->done) return;
    if (x->chan == VDPU_CH_DMAREQ && x->u.dmareq.type == VDPU_DMA_RD && x->u.dmareq.purpose == VDPU_PURP_EVENT &&
        !o->seen) {
        o->seen = true;
        o->tag = x->u.dmareq.tag;
    } else if (x->chan == VDPU_CH_DMAREQ && x->u.dmareq.last &&
               x->u.dmareq.purpose == (o->split ? VDPU_PURP_USED_IDX : VDPU_PURP_USED)) {
        o->used_before++;
    } else if (o->seen && x->chan == VDPU_CH_DMACPL && x->u.dmacpl.tag == o->tag) {
        o->done = true;
    }
}

/*
 * The spec's EVENT_IDX rule per batch, with later batches' used writes made while the first batch's
 * decision is pending (rtt 1000, eight frames in batches of B: B = 4, used idx 0 -> 4 -> 8; B = 2,
 * 0 -> 2 -> 4 -> 6 -> 8). The driver leaves used_event (split) / the desc event off_wrap (packed) at `ev`
 * and never moves it, so exactly one batch passes it: one interrupt (vring_need_event on each batch's own
 * range). A decision that read the used index as a later write left it instead of its own batch's would
 * raise for an earlier batch too. `before`: the batches whose used write goes out before the first
 * decision completes - every batch while a decision slot is free (EV_PENDING: two before 2026-12-06's
 * third session, then three, four since).
 */
static void own_batch_of(struct tctx *t, enum drv_ring ring, uint16_t ev, unsigned batches, unsigned before,
                         uint16_t qsize, unsigned frames)
{
    struct hctx h;
    static struct order o;
    h_rx_up(&h, t, ring, qsize, qsize, BUF_LEN);
    t->b->link.p.rtt = 1000;
    if (ring == DRV_RING_SPLIT) {
        hm_w16(t, h.q->driver + 4 + 2u * qsize, ev); /* used_event */
    } else {
        hm_w16(t, h.q->driver, (uint16_t)(ev | 1u << 15)); /* off_wrap: slot ev, first lap (wrap 1) */
        hm_w16(t, h.q->driver + 2, 2); /* flags: RING_EVENT_FLAGS_DESC */
    }
    uint64_t irq0 = t->s.mem.msi_count[PCI_MSI_DATA_BASE + h.q->vector];
    memset(&o, 0, sizeof o);
    o.split = ring == DRV_RING_SPLIT;
    t_tap_on(&o.tap, t, on_order, &o);
    h_inject(&h, frames, FLEN);
    vdpu_bus_run_cycles(t->b, 40000);
    t_tap_off(&o.tap);
    cr_assert(!t->b->stopped, "%s", t->b->stop_reason);
    event_idx_on(t);
    cr_assert_eq(t->b->net.rx_n, 0, "every frame taken");
    cr_assert_eq(peek_csr(t, VDPU_CSR_QERR), 0);
    cr_assert(o.done, "the first decision's completion");
    /* split: a used idx write per batch; packed: two used writes per batch (buffers 1..B-1, then buffer 0) */
    cr_assert_eq(o.used_before, o.split ? before : 2 * before, "%u batches' used writes went out while batch 1's "
                 "decision was pending (%u writes)", before, o.used_before);
    cr_assert_eq(reqs(t, VDPU_PURP_EVENT), batches, "one decision per batch");
    uint64_t irqs = t->s.mem.msi_count[PCI_MSI_DATA_BASE + h.q->vector] - irq0;
    cr_assert_eq(irqs, 1, "used event %u: %llu interrupts", ev, (unsigned long long)irqs);
    h_close(&h);
}
static void own_batch(struct tctx *t, enum drv_ring ring, uint16_t ev, unsigned batches, unsigned before)
{
    own_batch_of(t, ring, ev, batches, before, VQSIZE, 8);
}
/* one own-batch test on both rings: used batch B, the driver's event `ev`, `batches`, and those used before
 * the first decision completes */
#define OWN_BATCH(name, b, ev, batches, before)                                                          \
    ENGINE_TEST_PARAMS(rx_decision, split_##name, 8, b, .timeout = 120)                                 \
    {                                                                                                    \
        own_batch(T, DRV_RING_SPLIT, ev, batches, before);                                               \
    }                                                                                                    \
    ENGINE_TEST_PARAMS(rx_decision, packed_##name, 8, b, .timeout = 120)                                \
    {                                                                                                    \
        own_batch(T, DRV_RING_PACKED, ev, batches, before);                                              \
    }
OWN_BATCH(each_decision_on_its_own_batch_first, 4, 2, 2, 2)
OWN_BATCH(each_decision_on_its_own_batch_second, 4, 5, 2, 2)

/*
 * P = 8, B = 2: the first batch's event read (the `nth` read from here: packed the descriptor block,
 * then it; split the avail idx, one ring entry, the descriptor block (IN_ORDER), then it) gets `fault`.
 * Frames 2 and 3 come from the cache while it is in flight, frame 3 completes the second batch, whose
 * used write and event read go out; frames 4 and 5 are written, and the first decision's completion
 * comes (a round trip after its read) before the third batch's used write - so with two, three or four
 * decisions pending at most (EV_PENDING) the counts are the same. CA / poison: its completion stops the
 * receiveq with QERR_DMA and the service ends there - two batches used, frames 4 and 5 written but
 * never used (their buffers freed: not counted). Lost: the other decisions complete, so the engine goes
 * on with one slot: every frame written and used, a decision per batch, and the lost one times out
 * (QERR_TIMEOUT) 2,000 cycles after its read. `batches` used, `written` frames written, nothing more.
 */
static void failed(struct tctx *t, enum drv_ring ring, const char *fault, uint32_t code, unsigned batches,
                   unsigned written)
{
    struct hctx h;
    h_rx_up(&h, t, ring, VQSIZE, VQSIZE, BUF_LEN);
    poke_csr(t, VDPU_CSR_CPL_TIMEOUT, 2000);
    t_faults_from_here(t, fault);
    h_inject(&h, VQSIZE, FLEN);
    vdpu_bus_run_cycles(t->b, 60000);
    cr_assert(!t->b->stopped, "%s", t->b->stop_reason);
    event_idx_on(t);
    cr_assert_eq(t->b->link.nfired, 1);
    cr_assert_eq(t->b->link.fired[0].purpose, VDPU_PURP_EVENT, "the fault hit the event read (purpose %u)",
                 t->b->link.fired[0].purpose);
    cr_assert_eq(peek_csr(t, VDPU_CSR_QERR), 1u, "the receiveq stopped");
    uint32_t info = peek_csr(t, VDPU_CSR_ERR_INFO);
    cr_assert_eq(info >> VDPU_ERR_INFO_CODE_LSB & 0xFFu, code, "ERR_INFO %#x", info);
    cr_assert_eq(reqs(t, VDPU_PURP_EVENT), batches, "one decision per batch used: %llu",
                 (unsigned long long)reqs(t, VDPU_PURP_EVENT));
    cr_assert_eq(reqs(t, VDPU_PURP_USED), ring == DRV_RING_SPLIT ? batches : 2 * batches, "%u batches used", batches);
    cr_assert_eq(reqs(t, VDPU_PURP_PAYLOAD_WR), written * 6, "frames 0-%u written", written - 1);
    /* firmware answers the internal error with DEVICE_NEEDS_RESET and quiesces the data path: the frames
     * after the written ones are dropped (the stopped receiveq) until then, and wait after (in the two RX
     * buffers, then on the wire) - each frame once: a written frame's buffer freed when the service ended
     * is not counted as a drop */
    unsigned dropped = peek_csr(t, VDPU_CSR_ENG_STATUS) >> 16, held = t->b->out.nrx_frames;
    cr_assert(peek_csr(t, VDPU_CSR_DEVICE_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET, "DEVICE_NEEDS_RESET");
    cr_assert_eq(written + dropped + held + t->b->net.rx_n, VQSIZE, "%u frames written, %u dropped, %u held, %u on the wire",
                 written, dropped, held, (unsigned)t->b->net.rx_n);
    cr_assert_eq(peek_csr(t, VDPU_CSR_ENG_STATUS) & VDPU_ENG_STATUS_IDLE, VDPU_ENG_STATUS_IDLE, "the engine idle");
    h_close(&h);
}
ENGINE_TEST_PARAMS(rx_decision, packed_a_failed_decision_stops_the_receiveq, 8, 2, .timeout = 120)
{
    failed(T, DRV_RING_PACKED, "ca@2", VDPU_QERR_DMA, 2, 6);
}
ENGINE_TEST_PARAMS(rx_decision, packed_a_poisoned_decision_stops_the_receiveq, 8, 2, .timeout = 120)
{
    failed(T, DRV_RING_PACKED, "poison@2", VDPU_QERR_DMA, 2, 6);
}
ENGINE_TEST_PARAMS(rx_decision, packed_a_lost_decision_times_out, 8, 2, .timeout = 120)
{
    failed(T, DRV_RING_PACKED, "drop@2", VDPU_QERR_TIMEOUT, 8, 16);
}
ENGINE_TEST_PARAMS(rx_decision, split_a_failed_decision_stops_the_receiveq, 8, 2, .timeout = 120)
{
    failed(T, DRV_RING_SPLIT, "ca@4", VDPU_QERR_DMA, 2, 6);
}
ENGINE_TEST_PARAMS(rx_decision, split_a_lost_decision_times_out, 8, 2, .timeout = 120)
{
    failed(T, DRV_RING_SPLIT, "drop@4", VDPU_QERR_TIMEOUT, 8, 16);
}

/* B = 2, four batches: batches 2, 3 and 4 used while batch 1's decision is pending (EV_PENDING = 8: a
 * ninth batch's used write would wait for a free slot); used_event at 3 (only batch 2, 2 -> 4, passes
 * it) or 5 (only batch 3) */
_Static_assert(VDPU_EV_PENDING >= 4, "four batches used while the first decision is pending: argued for four or more");
OWN_BATCH(each_of_four_decisions_on_its_own_batch_second, 2, 3, 4, 4)
OWN_BATCH(each_of_four_decisions_on_its_own_batch_third, 2, 5, 4, 4)


/*
 * 64-byte frames at rtt 1000, P = B = 8, 256 of them on a 256-entry ring: once the run-ahead reads are
 * in, a batch of eight is written every ~40 cycles and each batch's decision is a round trip - the used
 * writes outrun the decisions, so EV_PENDING of them are in flight at once and never more (a batch's
 * used write waits for a free slot). Every frame used.
 */
_Static_assert(VDPU_EV_PENDING == 16, "sixteen decisions in flight at most");
static void slots_full(struct tctx *t, enum drv_ring ring)
{
    struct hctx h;
    static struct t_reads_in_flight f; /* decisions in flight: their event reads */
    h_rx_up(&h, t, ring, 256, 256, BUF_LEN);
    t->b->link.p.rtt = 1000;
    t_reads_in_flight_on(&f, t, VDPU_PURP_EVENT);
    h_inject(&h, 256, 64);
    vdpu_bus_run_cycles(t->b, 60000);
    t_tap_off(&f.tap);
    cr_assert(!t->b->stopped, "%s", t->b->stop_reason);
    cr_assert_eq(t->b->net.rx_n, 0, "every frame taken");
    cr_assert_eq(peek_csr(t, VDPU_CSR_ENG_STATUS) >> 16, 0, "nothing dropped");
    cr_assert_eq(peek_csr(t, VDPU_CSR_QERR), 0);
    cr_assert_eq(reqs(t, VDPU_PURP_EVENT), 32, "one decision per batch");
    cr_log_info("%u decisions in flight at most", f.max);
    cr_assert_eq(f.max, VDPU_EV_PENDING, "%u decisions in flight at most", f.max);
    cr_assert_eq(f.n, 0, "every decision completed");
    h_close(&h);
}
ENGINE_TEST_PARAMS(rx_decision, split_decisions_in_flight_reach_the_slots_and_no_more, 8, 8, .timeout = 120)
{
    slots_full(T, DRV_RING_SPLIT);
}
ENGINE_TEST_PARAMS(rx_decision, packed_decisions_in_flight_reach_the_slots_and_no_more, 8, 8, .timeout = 120)
{
    slots_full(T, DRV_RING_PACKED);
}

/* test_rx_ahead.c - the RX run-ahead reads (docs/queue-engine.md "RX run-ahead"): a receive service reads its next descriptors while the cache still serves frames. */
/*
 * A receive service whose cache holds descriptors (packed; split with IN_ORDER fetching) that starts a
 * frame with at most half of its P cached left reads the P after them beside the engine; where the cache
 * runs dry they are the cache, without a read and its round trip. A failed or lost run-ahead read stops
 * the receiveq where the read it stands for would have; a packed one whose first descriptor was not
 * available yet when read is read afresh. On model, rtl and cosim with the real firmware and
 * hand-posted receive buffers (hand_queue.h), P = B = 8.
 */
#include <string.h>

#include "hand_queue.h"
#include "harness.h"
#include "link.h"

#define VQSIZE 16
#define NFRAMES 12
#define WATCH_MAX 32 /* frames a watch follows */
#define FLEN 1514
#define BUF_LEN 1600

#define RA_TEST(name, ...) ENGINE_TEST_PARAMS(rx_ahead, name, 8, 8, ##__VA_ARGS__)
#define RA_TEST_PB(name, P, B, ...) ENGINE_TEST_PARAMS(rx_ahead, name, P, B, ##__VA_ARGS__)


static uint64_t reqs(struct tctx *t, unsigned purp) { return t->b->link.st.by[0][purp].requests; }

/* per frame k (buffer k): the cycles of its first and last payload write beat; descriptor reads */
struct watch {
    struct t_tap tap;
    const struct hctx *h;
    uint64_t first[WATCH_MAX], last[WATCH_MAX];
    bool seen[WATCH_MAX];
    uint64_t desc_at[16];
    unsigned ndesc;
};

static void on_txn(void *ctx, const vdpu_txn_t *x)
{
    struct watch *w = ctx;
    if (x->chan == VDPU_CH_DMAREQ && x->u.dmareq.purpose == VDPU_PURP_DESC && w->ndesc < 16)
        w->desc_at[w->ndesc++] = x->cycle;
    h_note_write(w->h, x, BUF_LEN, WATCH_MAX, w->first, w->last, w->seen);
}

/* every frame (of `flen` bytes) used, in order, whole (whether or not a queue stopped after them) */
static void frames_of(struct hctx *h, unsigned n, unsigned flen)
{
    struct tctx *t = h->t;
    cr_assert_eq(t->b->net.rx_n, 0, "every frame taken");
    cr_assert_eq(peek_csr(t, VDPU_CSR_ENG_STATUS) >> 16, 0, "nothing dropped");
    for (unsigned k = 0; k < n; k++) {
        uint32_t id, len;
        h_used_at(h, k, &id, &len);
        cr_assert_eq(id, k, "used entry %u: buffer %u", k, id);
        cr_assert_eq(len, 12 + flen, "used entry %u length", k);
    }
}

static void frames_used(struct hctx *h, unsigned n) { frames_of(h, n, FLEN); }

/* every frame used, in order, whole, and no queue stopped */
static void all_used(struct hctx *h, unsigned n)
{
    frames_used(h, n);
    cr_assert_eq(peek_csr(h->t, VDPU_CSR_QERR), 0);
}

/* `qsize` buffers posted, `frames` frames of `flen` bytes through them with `w` watching; every frame used */
static void watched_n(struct tctx *t, enum drv_ring ring, uint16_t qsize, struct hctx *h, struct watch *w,
                      unsigned frames, unsigned flen)
{
    h_rx_up(h, t, ring, qsize, qsize, BUF_LEN);
    memset(w, 0, sizeof *w);
    w->h = h;
    t_tap_on(&w->tap, t, on_txn, w);
    h_inject(h, frames, flen);
    vdpu_bus_run_cycles(t->b, 40000);
    t_tap_off(&w->tap);
    cr_assert(!t->b->stopped, "%s", t->b->stop_reason);
    frames_of(h, frames, flen);
    cr_assert_eq(peek_csr(t, VDPU_CSR_QERR), 0);
}
static void watched_frames(struct tctx *t, enum drv_ring ring, uint16_t qsize, struct hctx *h, struct watch *w,
                           unsigned flen)
{
    watched_n(t, ring, qsize, h, w, NFRAMES, flen);
}
static void watched_run(struct tctx *t, enum drv_ring ring, uint16_t qsize, struct hctx *h, struct watch *w)
{
    watched_frames(t, ring, qsize, h, w, FLEN);
}

/* a fault on one descriptor read stopped the receiveq with `code` */
static void receiveq_stopped(struct tctx *t, uint32_t code)
{
    cr_assert(!t->b->stopped, "%s", t->b->stop_reason);
    cr_assert_eq(t->b->link.nfired, 1);
    cr_assert_eq(t->b->link.fired[0].purpose, VDPU_PURP_DESC, "the fault hit a descriptor read");
    cr_assert_eq(peek_csr(t, VDPU_CSR_QERR), 1u, "the receiveq stopped");
    uint32_t info = peek_csr(t, VDPU_CSR_ERR_INFO);
    cr_assert_eq(info >> VDPU_ERR_INFO_CODE_LSB & 0xFFu, code, "ERR_INFO %#x", info);
}

/*
 * Twelve frames, sixteen buffers: the first descriptor read serves frames 0-7; frame 4 starts with four
 * cached, and the read of descriptors 8-15 goes out then; frame 8 takes them without a read, so it is
 * written right after frame 7 (a few cycles of service) instead of a round trip later (200 cycles).
 */
static void refill_ahead(struct tctx *t, enum drv_ring ring)
{
    struct hctx h;
    static struct watch w;
    watched_run(t, ring, VQSIZE, &h, &w);
    cr_assert(w.seen[7] && w.seen[8]);
    cr_assert_geq(w.ndesc, 2);
    cr_assert_lt(w.desc_at[1], w.first[4] + 10, "the second descriptor read as frame 4 starts (cycle %llu, frame 4 at %llu)",
                 (unsigned long long)w.desc_at[1], (unsigned long long)w.first[4]);
    uint64_t gap = w.first[8] - w.last[7];
    cr_log_info("frame 7 ends at %llu, frame 8 starts at %llu: %llu cycles", (unsigned long long)w.last[7],
                (unsigned long long)w.first[8], (unsigned long long)gap);
    cr_assert_lt(gap, 20, "frame 8 waited %llu cycles after frame 7 (a refill round trip is 200)", (unsigned long long)gap);
    /* 0-7, 8-15 read ahead at frame 4, no more: the reads after the first go out only once a run-ahead
     * read was taken as the cache (frame 8), at the next frame start with half a block left (frame 12):
     * the traffic ends with frame 11 */
    cr_assert_eq(reqs(t, VDPU_PURP_DESC), 2, "%llu descriptor reads", (unsigned long long)reqs(t, VDPU_PURP_DESC));
    h_close(&h);
}
RA_TEST(packed_the_refill_is_read_while_the_cache_serves_frames, .timeout = 120)
{
    refill_ahead(T, DRV_RING_PACKED);
}
RA_TEST(split_the_refill_is_read_while_the_cache_serves_frames, .timeout = 120)
{
    refill_ahead(T, DRV_RING_SPLIT);
}

/*
 * The run-ahead read (the second read from here) gets `fault`: nothing happens until frame 8 would take
 * it - frames 0-7 are written and used (one batch) - then the receiveq stops with `code` where the read
 * it stands for would have failed: frame 8 is not written, nothing more is used.
 */
static void failed(struct tctx *t, enum drv_ring ring, const char *fault, uint32_t code)
{
    struct hctx h;
    h_rx_up(&h, t, ring, VQSIZE, VQSIZE, BUF_LEN);
    poke_csr(t, VDPU_CSR_CPL_TIMEOUT, 2000);
    t_faults_from_here(t, fault);
    h_inject(&h, NFRAMES, FLEN);
    vdpu_bus_run_cycles(t->b, 60000);
    receiveq_stopped(t, code);
    cr_assert_eq(reqs(t, VDPU_PURP_PAYLOAD_WR), 8 * 6, "frames 0-7 written, no more: %llu",
                 (unsigned long long)reqs(t, VDPU_PURP_PAYLOAD_WR));
    if (ring == DRV_RING_PACKED) {
        cr_assert_eq(reqs(t, VDPU_PURP_USED), 2, "the batch of frames 0-7 used (buffers 1-7, then 0), no more");
        cr_assert_eq(hm_r16(t, h.q->desc + 16 * 7 + 12), 7, "frame 7 used");
    } else {
        cr_assert_eq(reqs(t, VDPU_PURP_USED), 1, "the batch of frames 0-7 used, no more");
        cr_assert_eq(hm_r16(t, h.q->device + 2), 8, "used idx");
    }
    cr_assert_eq(peek_csr(t, VDPU_CSR_ENG_STATUS) & VDPU_ENG_STATUS_IDLE, VDPU_ENG_STATUS_IDLE, "the engine idle");
    /* a device reset brings the receiveq back, reading ahead as before: nothing of the failed read is
     * left (twelve frames, two descriptor reads, every frame used) */
    struct drv_params p;
    drv_params_default(&p);
    p.ring = ring;
    p.qsize = VQSIZE;
    h_reset_reopen(&h, &p);
    for (uint16_t i = 0; i < VQSIZE; i++) h_post(&h, i, BUF_LEN);
    uint64_t d0 = reqs(t, VDPU_PURP_DESC), drops0 = peek_csr(t, VDPU_CSR_ENG_STATUS) >> 16;
    h_inject(&h, NFRAMES, FLEN);
    vdpu_bus_run_cycles(t->b, 40000);
    cr_assert(!t->b->stopped, "%s", t->b->stop_reason);
    cr_assert_eq(t->b->net.rx_n, 0, "every frame taken after the reset");
    cr_assert_eq(peek_csr(t, VDPU_CSR_ENG_STATUS) >> 16, drops0, "none dropped after the reset");
    cr_assert_eq(peek_csr(t, VDPU_CSR_QERR), 0);
    for (unsigned k = 0; k < NFRAMES; k++) {
        uint32_t id, len;
        h_used_at(&h, k, &id, &len);
        cr_assert_eq(id, k, "after the reset, used entry %u: buffer %u", k, id);
    }
    cr_assert_eq(reqs(t, VDPU_PURP_DESC) - d0, 2, "%llu descriptor reads after the reset",
                 (unsigned long long)(reqs(t, VDPU_PURP_DESC) - d0));
    h_close(&h);
}
/* the run-ahead read is the 2nd read on packed (after the first descriptor block), the 4th on split (the
 * avail idx, one ring entry, the first descriptor block) */
RA_TEST(packed_a_failed_run_ahead_read_stops_the_receiveq_where_it_is_taken, .timeout = 120)
{
    failed(T, DRV_RING_PACKED, "ca@2", VDPU_QERR_DMA);
}
RA_TEST(packed_a_poisoned_run_ahead_read_stops_the_receiveq, .timeout = 120)
{
    failed(T, DRV_RING_PACKED, "poison@2", VDPU_QERR_DMA);
}
RA_TEST(packed_a_lost_run_ahead_completion_times_out, .timeout = 120)
{
    failed(T, DRV_RING_PACKED, "drop@2", VDPU_QERR_TIMEOUT);
}
RA_TEST(split_a_failed_run_ahead_read_stops_the_receiveq_where_it_is_taken, .timeout = 120)
{
    failed(T, DRV_RING_SPLIT, "ca@4", VDPU_QERR_DMA);
}
RA_TEST(split_a_lost_run_ahead_completion_times_out, .timeout = 120)
{
    failed(T, DRV_RING_SPLIT, "drop@4", VDPU_QERR_TIMEOUT);
}

/* Packed, `posted` of `qsize` buffers posted, `frames` frames (rtt: the link's round trip, 0 as set up);
 * once `written` frames are written, with `reads` descriptor reads so far, the driver posts the rest.
 * Every frame used in order in its own buffer, none dropped; no queue stopped unless `fault` (a PCIe fault
 * from here on) is given; returns the descriptor reads in all. */
static uint64_t post_late_fault(struct tctx *t, uint16_t qsize, uint16_t posted, unsigned frames, unsigned rtt,
                                unsigned written, unsigned reads, const char *fault)
{
    struct hctx h;
    h_rx_up(&h, t, DRV_RING_PACKED, qsize, posted, BUF_LEN);
    if (rtt) t->b->link.p.rtt = rtt;
    if (fault) t_faults_from_here(t, fault);
    h_inject(&h, frames, FLEN);
    for (unsigned i = 0; i < 20000 && reqs(t, VDPU_PURP_PAYLOAD_WR) < written * 6; i++) vdpu_bus_step(t->b);
    cr_assert_geq(reqs(t, VDPU_PURP_PAYLOAD_WR), written * 6, "frames 0-%u written", written - 1);
    cr_assert_eq(reqs(t, VDPU_PURP_DESC), reads, "%llu descriptor reads before the rest is posted",
                 (unsigned long long)reqs(t, VDPU_PURP_DESC));
    for (uint16_t i = posted; i < qsize; i++) h_post(&h, i, BUF_LEN);
    vdpu_bus_run_cycles(t->b, 60000);
    cr_assert(!t->b->stopped, "%s", t->b->stop_reason);
    if (fault) frames_used(&h, frames);
    else all_used(&h, frames);
    h_close(&h);
    return reqs(t, VDPU_PURP_DESC);
}
static uint64_t post_late(struct tctx *t, uint16_t qsize, uint16_t posted, unsigned frames, unsigned rtt,
                          unsigned written, unsigned reads)
{
    return post_late_fault(t, qsize, posted, frames, rtt, written, reads, NULL);
}

/*
 * Eight buffers posted, a round trip of 100 cycles: the read ahead at frame 4 finds descriptors 8-15 not
 * available (in while frame 5 is written). The driver posts them once frame 6 is written; frame 8 then
 * finds the run-ahead read's first descriptor not available, reads afresh and takes its buffer: all
 * twelve frames used, none dropped (taking the stale descriptors would drop frame 8 for want of a
 * buffer).
 */
RA_TEST(packed_descriptors_read_before_they_were_posted_are_read_again, .timeout = 120)
{
    /* before the rest is posted: 0-7, and at frame 4 8-15 (the first run-ahead read, nothing available;
     * no read after it: none was taken as the cache yet); then 8-15 again at frame 8 */
    uint64_t reads = post_late(T, VQSIZE, 8, NFRAMES, 100, 7, 2);
    cr_assert_eq(reads, 3, "descriptors 8-15 read again: %llu reads", (unsigned long long)reads);
}

/*
 * Five buffers posted when the first descriptor read caches slots 0-7, so slots 5-7 come in not available;
 * the driver posts 5-15 once frame 2 is written, before frame 5 arrives. Frame 5 then finds slot 5's
 * cached descriptor stale: it is read again (slots 5-12), not taken for "no buffer" - the frame was
 * dropped while a buffer was posted. The run-ahead read of slots 8-15 made at frame 4 is forgotten: at
 * rtt 200 it is still in flight then, at rtt 20 it is in, and taken as the cache it put buffer 8 in used
 * entry 5 (both seen before the fix: frame 5 dropped, then buffer 8 used at slot 5). Every frame used,
 * in order, in its own buffer, none dropped.
 */
static void stale_cached(struct tctx *t, unsigned rtt)
{
    post_late(t, VQSIZE, 5, NFRAMES, rtt, 3, 1);
}
RA_TEST(packed_a_stale_cached_descriptor_is_read_again, .timeout = 120)
{
    stale_cached(T, 200);
}
RA_TEST(packed_a_stale_cached_descriptor_is_read_again_short_rtt, .timeout = 120)
{
    stale_cached(T, 20);
}

/*
 * The same with that run-ahead read (the second read) failed: its descriptors are never used - frame 5
 * reads slots 5-12 afresh, every frame is used in its own buffer - yet a host that poisons or aborts a
 * read of its descriptor ring has failed, and PCIe counts the fault whether or not the data is used. The
 * device reports it once the service ends (QERR_DMA on the receiveq, so DEVICE_NEEDS_RESET); before,
 * the failure went with the read (net-random seed 83376). At rtt 200 the read is dropped in flight and
 * fails at its completion; at rtt 20 it has failed (in, bad) when frame 5 forgets it.
 */
static void stale_failed(struct tctx *t, unsigned rtt, const char *fault)
{
    post_late_fault(t, VQSIZE, 5, NFRAMES, rtt, 3, 1, fault);
    receiveq_stopped(t, VDPU_QERR_DMA);
    cr_assert_eq(t->b->link.fired[0].len, 8 * 16, "the fault hit the run-ahead read of slots 8-15");
}
RA_TEST(packed_a_failed_run_ahead_read_dropped_in_flight_is_reported, .timeout = 120)
{
    stale_failed(T, 200, "poison@2");
}
RA_TEST(packed_a_failed_run_ahead_read_forgotten_is_reported, .timeout = 120)
{
    stale_failed(T, 20, "ca@2");
}

/*
 * A stale cached descriptor with several run-ahead reads made: thirty-two slots, thirteen buffers posted,
 * twenty-eight frames. Frame 4 reads slots 8-15 ahead (8-12 available), frame 8 takes them as the cache
 * (13-15 come in not available), and frame 12 reads the blocks after it (16-23, 24-31, the next lap's);
 * the driver posts 13-31 once frame 10 is written. Frame 13 finds slot 13's cached descriptor stale: it is
 * read again (13-20) and every run-ahead read is forgotten. One kept would become the first once the
 * re-read cache and the next run-ahead read are taken, and put the buffers of its slots five slots off.
 * Every frame used in its own buffer.
 */
RA_TEST(packed_a_stale_cached_descriptor_forgets_every_run_ahead_read, .timeout = 120)
{
    post_late(T, 32, 13, 28, 0, 10, 2);
}

/*
 * Thirty-two slots, sixteen buffers posted, twenty-eight frames at a round trip of 100: frame 4 reads
 * 8-15 ahead, frame 8 takes them, and frame 12 reads the blocks after them (16-23, 24-31 and the next
 * lap's 0-7 ... 24-31: six, a lap ahead of the cache at most), nothing available; the driver posts 16-31
 * once frame 14 is written. Frame 16 finds the first one's descriptors stale: all are forgotten and 16-23
 * read afresh; the reads after it run ahead as usual (at frame 20: 24-31 and the next lap's 0-7 ... 24-31,
 * five, a lap ahead; none as the block is taken at frame 24): fourteen reads. A later read kept (not
 * forgotten: fewer reads) would stand with stale descriptors in place of a read made later, and be read
 * afresh only where a frame finds them stale - a round trip there. Every frame used, and exactly these
 * descriptor reads.
 */
RA_TEST(packed_a_stale_run_ahead_read_forgets_the_later_ones_too, .timeout = 120)
{
    _Static_assert(VDPU_RX_AHEAD_READS == 16, "the descriptor reads are argued for sixteen run-ahead reads");
    uint64_t reads = post_late(T, 32, 16, 28, 100, 14, 8);
    cr_assert_eq(reads, 14, "%llu descriptor reads", (unsigned long long)reads);
}

/*
 * Short frames back to back on the port: a frame whose used entry stays in the batch is done at its last
 * payload beat - its RX buffer free, the next frame picked at the next edge - with no interrupt edge
 * between (one interrupt decision per written batch). A 64-byte frame is 76 bytes with the header, three
 * write beats; then the next frame's descriptor check and its pick: its first beat five cycles after the
 * one before (six with an IRQ edge per frame); a pick that issues run-ahead reads first takes an edge per
 * read (and one while the output register still holds the last write: the reads go out back to back).
 * Frames 1-7 of the first batch of eight (frame 0 waits for the first descriptor read, frame 8 for the
 * batch's used write).
 */
static void held_frames(struct tctx *t, enum drv_ring ring)
{
    struct hctx h;
    static struct watch w;
    watched_frames(t, ring, VQSIZE, &h, &w, 64);
    unsigned plain = 0;
    for (unsigned k = 1; k < 8; k++) {
        cr_assert_eq(w.last[k] - w.first[k], 2, "frame %u: three write beats back to back", k);
        unsigned reads = 0; /* run-ahead reads issued at this frame's pick */
        for (unsigned i = 0; i < w.ndesc; i++) reads += w.desc_at[i] > w.first[k - 1] && w.desc_at[i] < w.first[k];
        uint64_t gap = w.first[k] - w.first[k - 1];
        if (!reads) {
            cr_assert_eq(gap, 5, "frame %u: first beat %llu cycles after frame %u's", k, (unsigned long long)gap, k - 1);
            plain++;
        } else { /* an edge per read, and one more while the output register still holds the last write */
            cr_assert(gap >= 5 + reads && gap <= 6 + reads, "frame %u: first beat %llu cycles after frame %u's, %u reads",
                      k, (unsigned long long)gap, k - 1, reads);
        }
    }
    cr_assert_geq(plain, 5, "%u of frames 1-7 issue no read", plain);
    h_close(&h);
}
RA_TEST(packed_a_frame_held_in_the_batch_is_done_at_its_last_beat, .timeout = 120) { held_frames(T, DRV_RING_PACKED); }
RA_TEST(split_a_frame_held_in_the_batch_is_done_at_its_last_beat, .timeout = 120) { held_frames(T, DRV_RING_SPLIT); }

/* ---- the second run-ahead read ----------------------------------------------------------------------- */

#define BIGQ 32

/*
 * Thirty-two buffers, twenty frames: frame 4 reads descriptors 8-15 ahead (the first run-ahead read); once
 * frame 8 has taken them as its cache (the traffic outlasts a block), the next frame start with half a
 * block left, frame 12, reads the blocks after it one edge after another (16-23, 24-31, ...: up to
 * RX_AHEAD_READS blocks ahead of the cache), so a round trip of up to 8 x RX_AHEAD_READS frames is hidden
 * (the read for frames 24-31 would otherwise go out at frame 20). `k`: the k-th run-ahead read
 * (descriptors 8k..8k+7, the (k+1)-th descriptor read) goes out as frame 12 starts, after the one before
 * it; frames 16 and on are written back to back.
 */
static void ahead_by(struct tctx *t, enum drv_ring ring, unsigned k)
{
    struct hctx h;
    static struct watch w;
    watched_n(t, ring, BIGQ, &h, &w, 20, FLEN);
    cr_assert_geq(w.ndesc, k + 1, "%u descriptor reads", w.ndesc);
    cr_assert_gt(w.desc_at[k], w.first[11], "descriptors %u-%u read after frame 11 starts (cycle %llu, frame 11 at %llu)",
                 8 * k, 8 * k + 7, (unsigned long long)w.desc_at[k], (unsigned long long)w.first[11]);
    cr_assert_lt(w.desc_at[k], w.first[12], "descriptors %u-%u read before frame 12 (cycle %llu, frame 12 at %llu)",
                 8 * k, 8 * k + 7, (unsigned long long)w.desc_at[k], (unsigned long long)w.first[12]);
    cr_assert_gt(w.desc_at[k], w.desc_at[k - 1], "after the run-ahead read before it");
    uint64_t gap = w.first[16] - w.last[15];
    cr_assert_lt(gap, 20, "frame 16 waited %llu cycles after frame 15", (unsigned long long)gap);
    h_close(&h);
}
RA_TEST(packed_a_second_read_follows_once_a_block_is_taken, .timeout = 120) { ahead_by(T, DRV_RING_PACKED, 2); }
RA_TEST(split_a_second_read_follows_once_a_block_is_taken, .timeout = 120) { ahead_by(T, DRV_RING_SPLIT, 2); }

/* The descriptor reads' addresses, in order */
struct desc_reads {
    struct t_tap tap;
    uint64_t addr[16], at[16];
    unsigned n;
};

static void on_desc(void *ctx, const vdpu_txn_t *x)
{
    struct desc_reads *d = ctx;
    if (x->chan == VDPU_CH_DMAREQ && x->u.dmareq.purpose == VDPU_PURP_DESC && d->n < 16) {
        d->addr[d->n] = x->u.dmareq.addr;
        d->at[d->n++] = x->cycle;
    }
}

/*
 * A block cut short at the ring end does not stop the reads ahead (since 2026-12-07): a packed ring of
 * twenty buffers, P = 8, twenty frames. Frame 4 reads 8-15 ahead, frame 8 takes them, frame 12 reads the
 * blocks after them: 16-19 (four: a read never crosses the ring end), then - on the next edges, not once
 * 16-19 is the cache - the next lap's 0-7 (not posted again yet here: read, found stale when its turn comes,
 * unused; and the blocks after it, up to a lap ahead, as RX_AHEAD_READS allows). Before, a block shorter than P ended the reads ahead until it was taken, so with a P that does
 * not divide the ring size each lap waited a round trip at its end (RX 64 B at rtt 1000 on a 252-entry ring,
 * P = 8: 13.1 Mpps against 14.4 on 256; now 14.0).
 */
static void short_block_at_ring_end(struct tctx *t)
{
    struct hctx h;
    static struct watch w;
    struct desc_reads d = {0};
    t_tap_on(&d.tap, t, on_desc, &d);
    watched_n(t, DRV_RING_PACKED, 20, &h, &w, 20, FLEN);
    t_tap_off(&d.tap);
    cr_assert_geq(d.n, 4, "%u descriptor reads", d.n);
    cr_assert_eq(d.addr[2], h.q->desc + 16 * 16, "the third reads 16-19");
    cr_assert_eq(d.addr[3], h.q->desc, "the fourth goes on at slot 0: %#llx", (unsigned long long)d.addr[3]);
    cr_assert_lt(d.at[3], w.first[16], "before 16-19 are the cache (frame 16 at cycle %llu, the read at %llu)",
                 (unsigned long long)w.first[16], (unsigned long long)d.at[3]);
    h_close(&h);
}
RA_TEST(packed_a_block_cut_short_at_the_ring_end_does_not_stop_the_reads_ahead, .timeout = 120)
{
    short_block_at_ring_end(T);
}

/*
 * Thirty-two buffers; the k-th run-ahead read (k = 2: descriptors 16-23, the 4th read on packed - the first
 * block, the first run-ahead read, the first batch's event read, then it at frame 12 -, the 6th on split -
 * avail idx, one ring entry, the first block, the first run-ahead read, the event read, it; k = 3:
 * descriptors 24-31, the 5th / 7th) gets `fault`. It moves up as frames 16, ... take blocks and fails
 * where frame 8k would take it: frames 0..8k-1 are written and used (k batches), then the receiveq stops
 * with QERR_DMA. `rtt` (0: as set up, 200; or 100) moves where its completion comes against the frames
 * that move it up.
 */
static void later_failed(struct tctx *t, enum drv_ring ring, unsigned k, const char *fault, unsigned rtt)
{
    struct hctx h;
    h_rx_up(&h, t, ring, BIGQ, BIGQ, BUF_LEN);
    if (rtt) t->b->link.p.rtt = rtt;
    t_faults_from_here(t, fault);
    h_inject(&h, 8 * k + 4, FLEN);
    vdpu_bus_run_cycles(t->b, 60000);
    receiveq_stopped(t, VDPU_QERR_DMA);
    cr_assert_eq(t->b->link.fired[0].addr, h.q->desc + 8 * k * 16, "... the one of descriptors %u-%u", 8 * k, 8 * k + 7);
    cr_assert_eq(reqs(t, VDPU_PURP_PAYLOAD_WR), 8 * k * 6, "frames 0-%u written, no more: %llu", 8 * k - 1,
                 (unsigned long long)reqs(t, VDPU_PURP_PAYLOAD_WR));
    cr_assert_eq(reqs(t, VDPU_PURP_USED), ring == DRV_RING_PACKED ? 2 * k : k, "%u batches used, no more", k);
    cr_assert_eq(peek_csr(t, VDPU_CSR_ENG_STATUS) & VDPU_ENG_STATUS_IDLE, VDPU_ENG_STATUS_IDLE, "the engine idle");
    h_close(&h);
}
RA_TEST(packed_a_failed_second_read_stops_the_receiveq_where_it_is_taken, .timeout = 120)
{
    later_failed(T, DRV_RING_PACKED, 2, "ca@4", 0);
}
RA_TEST(split_a_poisoned_second_read_stops_the_receiveq_where_it_is_taken, .timeout = 120)
{
    later_failed(T, DRV_RING_SPLIT, 2, "poison@6", 0);
}

/*
 * The ramp starts again with every service: thirty-two buffers, twelve frames, then (the port idle, the
 * service ended) twelve more. The first service reads 0-7, and 8-15 ahead at frame 4, which frame 8 takes;
 * the second reads its block (12-19) at its pick and one block ahead (20-27) at its frame 4 (frame 16),
 * nothing after it: frame 20 takes it, and frame 24 never comes. Two descriptor reads a service; a service
 * that started with the reads after the first allowed (the last one's ramp kept) would read the blocks
 * after 20-27 at frame 16 too.
 */
static void ramp_per_service(struct tctx *t, enum drv_ring ring)
{
    struct hctx h;
    h_rx_up(&h, t, ring, BIGQ, BIGQ, BUF_LEN);
    h_inject(&h, 12, FLEN);
    vdpu_bus_run_cycles(t->b, 30000);
    cr_assert(!t->b->stopped, "%s", t->b->stop_reason);
    cr_assert_eq(t->b->net.rx_n, 0, "the first twelve taken");
    uint64_t d1 = reqs(t, VDPU_PURP_DESC);
    cr_assert_eq(d1, 2, "%llu descriptor reads in the first service", (unsigned long long)d1);
    cr_assert_eq(peek_csr(t, VDPU_CSR_ENG_STATUS) & VDPU_ENG_STATUS_IDLE, VDPU_ENG_STATUS_IDLE, "the service ended");
    h_inject(&h, 12, FLEN);
    vdpu_bus_run_cycles(t->b, 30000);
    cr_assert(!t->b->stopped, "%s", t->b->stop_reason);
    frames_used(&h, 24);
    cr_assert_eq(peek_csr(t, VDPU_CSR_QERR), 0);
    cr_assert_eq(reqs(t, VDPU_PURP_DESC) - d1, 2, "%llu descriptor reads in the second service",
                 (unsigned long long)(reqs(t, VDPU_PURP_DESC) - d1));
    h_close(&h);
}
RA_TEST(packed_every_service_starts_with_one_read_ahead, .timeout = 120) { ramp_per_service(T, DRV_RING_PACKED); }
RA_TEST(split_every_service_starts_with_one_read_ahead, .timeout = 120) { ramp_per_service(T, DRV_RING_SPLIT); }

/* ---- the third run-ahead read ------------------------------------------------------------------------ */

/* the third: descriptors 24-31 at frame 12 too, right after the second - at rtt 1000 and 1,500-byte frames
 * a block's read goes out some 1,270 cycles before the block is needed, more than a round trip (with two
 * reads the third block's read waited for frame 16 to take a block) */
RA_TEST(packed_a_third_read_follows_the_second, .timeout = 120) { ahead_by(T, DRV_RING_PACKED, 3); }
RA_TEST(split_a_third_read_follows_the_second, .timeout = 120) { ahead_by(T, DRV_RING_SPLIT, 3); }

RA_TEST(packed_a_poisoned_third_read_stops_the_receiveq_where_it_is_taken, .timeout = 120)
{
    later_failed(T, DRV_RING_PACKED, 3, "poison@5", 0);
}
RA_TEST(split_a_failed_third_read_stops_the_receiveq_where_it_is_taken, .timeout = 120)
{
    later_failed(T, DRV_RING_SPLIT, 3, "ca@7", 100);
}

/*
 * Thirteen frames into thirty-two buffers: frame 12 reads the blocks after the cache (16-23, 24-31, ...)
 * and is the last; the service ends with those reads unused - dropped in flight, or in and forgotten. The
 * third run-ahead read (24-31, the 5th read on packed, the 7th on split) gets `fault`: no frame needs its
 * descriptors, every frame is used, yet the host failed a read of its ring and the device reports it once
 * the service has ended (QERR_DMA on the receiveq), as it does for the first run-ahead read
 * (packed_a_failed_run_ahead_read_dropped_in_flight_is_reported).
 */
static void later_dropped(struct tctx *t, enum drv_ring ring, const char *fault)
{
    struct hctx h;
    h_rx_up(&h, t, ring, BIGQ, BIGQ, BUF_LEN);
    t_faults_from_here(t, fault);
    h_inject(&h, 13, FLEN);
    vdpu_bus_run_cycles(t->b, 60000);
    receiveq_stopped(t, VDPU_QERR_DMA);
    cr_assert_eq(t->b->link.fired[0].addr, h.q->desc + 24 * 16, "... the one of descriptors 24-31");
    frames_used(&h, 13);
    cr_assert_eq(peek_csr(t, VDPU_CSR_ENG_STATUS) & VDPU_ENG_STATUS_IDLE, VDPU_ENG_STATUS_IDLE, "the engine idle");
    h_close(&h);
}
RA_TEST(packed_a_failed_third_read_left_unused_is_reported, .timeout = 120) { later_dropped(T, DRV_RING_PACKED, "ca@5"); }
RA_TEST(split_a_failed_third_read_left_unused_is_reported, .timeout = 120) { later_dropped(T, DRV_RING_SPLIT, "ca@7"); }

/* ---- a read poisoned at its last beat ---------------------------------------------------------------- */

/*
 * The run-ahead reads check a read's length at its last beat; a read whose earlier beats were good and
 * whose last one is poisoned (`poison-last`: a multi-beat completion's last TLP with EP) has the right
 * length and is still bad - it stops the receiveq where it is taken, as the first-beat poison does.
 */
RA_TEST(packed_a_run_ahead_read_poisoned_at_its_last_beat_stops_the_receiveq, .timeout = 120)
{
    failed(T, DRV_RING_PACKED, "poison-last@2", VDPU_QERR_DMA);
}
RA_TEST(split_a_second_read_poisoned_at_its_last_beat_stops_the_receiveq, .timeout = 120)
{
    later_failed(T, DRV_RING_SPLIT, 2, "poison-last@6", 0);
}
RA_TEST(packed_a_third_read_poisoned_at_its_last_beat_stops_the_receiveq, .timeout = 120)
{
    later_failed(T, DRV_RING_PACKED, 3, "poison-last@5", 100);
}
RA_TEST(split_a_third_read_poisoned_at_its_last_beat_stops_the_receiveq, .timeout = 120)
{
    later_failed(T, DRV_RING_SPLIT, 3, "poison-last@7", 0);
}

/* Poisoned at the last beat, its length right, and left unused: still a failed read of the ring, reported
 * once the service has ended - the first run-ahead read (dropped in flight at rtt 200) and the third */
RA_TEST(packed_a_run_ahead_read_poisoned_at_its_last_beat_dropped_is_reported, .timeout = 120)
{
    stale_failed(T, 200, "poison-last@2");
}
RA_TEST(packed_a_third_read_poisoned_at_its_last_beat_left_unused_is_reported, .timeout = 120)
{
    later_dropped(T, DRV_RING_PACKED, "poison-last@5");
}
RA_TEST(split_a_third_read_poisoned_at_its_last_beat_left_unused_is_reported, .timeout = 120)
{
    later_dropped(T, DRV_RING_SPLIT, "poison-last@7");
}

/*
 * A run-ahead read answered late (CPL_TIMEOUT allows 1 ms; PCIe lets a completer answer reads of different
 * tags in any order): P = 15, B = 2, 256 buffers, LATE_FRAMES frames of 64 bytes back to back; the link
 * answers the last full block's run-ahead read (read 28: descriptors 240-254, fifteen blocks after the first
 * run-ahead read's) LINK_FAULT_LATE_CYCLES late, the reads after it passing it. The service goes on through the
 * blocks before it - over a hundred reads go out meanwhile, event reads and the run-ahead reads behind
 * it - waits for it where its block is needed, and takes it: every frame used in order, whole, no queue
 * stopped, the engine idle. (It cannot hold a tag across a wrap: the reads a receive service issues
 * while one run-ahead read waits are at most about 16 P (1 / B + 1 / P), 124 here, below the 128 tags;
 * test_max_reads.c's late read beyond does.)
 */
#define LATE_Q 256
#define LATE_FRAMES 240
#define LATE_FLEN 64
struct late_watch {
    struct t_tap tap;
    unsigned nreq;
    uint64_t req_at[1024]; /* each read request's cycle */
    uint64_t late_done;    /* the late read's last beat (its tag, once it went out) */
    uint8_t late_tag;
    bool armed;
};
static void on_late(void *ctx, const vdpu_txn_t *x)
{
    struct late_watch *w = ctx;
    if (x->chan == VDPU_CH_DMAREQ && x->u.dmareq.type == VDPU_DMA_RD && w->nreq < 1024) w->req_at[w->nreq++] = x->cycle;
    if (x->chan == VDPU_CH_DMACPL && w->armed && !w->late_done && x->u.dmacpl.tag == w->late_tag && x->u.dmacpl.last)
        w->late_done = x->cycle;
}
RA_TEST_PB(packed_a_late_run_ahead_read_is_passed_and_taken_where_its_block_is_needed, 15, 2, .timeout = 300)
{
    struct tctx *t = T;
    struct hctx h;
    struct late_watch *w = calloc(1, sizeof *w);
    cr_assert(w);
    h_rx_up(&h, t, DRV_RING_PACKED, LATE_Q, LATE_Q, BUF_LEN);
    t_faults_from_here(t, "late@28");
    t_tap_on(&w->tap, t, on_late, w);
    h_inject(&h, LATE_FRAMES, LATE_FLEN);
    for (unsigned i = 0; i < 100 && !t->b->stopped; i++) {
        vdpu_bus_run_cycles(t->b, 1000);
        if (t->b->link.nlate && !w->armed) { /* its request went out in this stretch: its beats come later */
            w->late_tag = t->b->link.late[0].tag;
            w->armed = true;
        }
    }
    t_tap_off(&w->tap);
    cr_assert(!t->b->stopped, "%s", t->b->stop_reason);
    cr_assert_eq(t->b->link.nlate, 1, "the late read went out");
    const struct link_fault_event *late = &t->b->link.late[0];
    cr_assert_eq(late->purpose, VDPU_PURP_DESC, "read 28 is a descriptor read");
    cr_assert_eq(late->addr, h.q->desc + 240 * 16, "... the run-ahead read of descriptors 240-254 (it read %llu-)",
                 (unsigned long long)(late->addr - h.q->desc) / 16);
    cr_assert(w->late_done > late->cycle + LINK_FAULT_LATE_CYCLES, "its completion came late (%llu)",
              (unsigned long long)w->late_done);
    unsigned passed = 0; /* reads that went out while it was in flight */
    for (unsigned i = 0; i < w->nreq; i++) passed += w->req_at[i] > late->cycle && w->req_at[i] < w->late_done;
    cr_assert_gt(passed, 100, "reads passed it: %u", passed);
    frames_of(&h, LATE_FRAMES, LATE_FLEN);
    cr_assert_eq(peek_csr(t, VDPU_CSR_QERR), 0);
    cr_assert_eq(peek_csr(t, VDPU_CSR_ENG_STATUS) & VDPU_ENG_STATUS_IDLE, VDPU_ENG_STATUS_IDLE, "the engine idle");
    free(w);
    h_close(&h);
}

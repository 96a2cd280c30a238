/* test_rx_refresh.c - the RX avail refresh (docs/queue-engine.md "RX avail refresh"): a split receive service reads the avail idx again before the buffers it knows of run out. */
/*
 * A split ring says how many buffers are available only in its avail idx. A receive service reads it at
 * its start; once at most half a ring of the buffers that read offers is left, it reads it again beside
 * the engine, so that buffers the driver posted since are known before the service runs out - else the
 * frame after the last known buffer waits for an avail read and then a descriptor read, two round trips,
 * once a ring lap. A failed or lost refresh stops the receiveq where the service would have taken it.
 * On model, rtl and cosim with the real firmware and hand-posted receive buffers (hand_queue.h),
 * P = B = 8, split IN_ORDER fetching (the default features), rtt 200.
 */
#include <string.h>

#include "hand_queue.h"
#include "harness.h"
#include "link.h"

#define VQSIZE 32
#define POSTED 24 /* at the start: more than half the ring, so no refresh before frame 8 */
#define NFRAMES 32
#define FLEN 1514
#define BUF_LEN 1600

#define RF_TEST(name, ...) ENGINE_TEST_PARAMS(rx_refresh, name, 8, 8, ##__VA_ARGS__)

static uint64_t reqs(struct tctx *t, unsigned purp) { return t->b->link.st.by[0][purp].requests; }

/* per frame k (buffer k): the cycles of its first and last payload write beat; the avail idx reads */
struct watch {
    struct t_tap tap;
    const struct hctx *h;
    uint64_t first[NFRAMES], last[NFRAMES];
    bool seen[NFRAMES];
    uint64_t avail_at[8];
    unsigned navail;
};

static void on_txn(void *ctx, const vdpu_txn_t *x)
{
    struct watch *w = ctx;
    if (x->chan == VDPU_CH_DMAREQ && x->u.dmareq.purpose == VDPU_PURP_AVAIL_IDX && w->navail < 8)
        w->avail_at[w->navail++] = x->cycle;
    h_note_write(w->h, x, BUF_LEN, NFRAMES, w->first, w->last, w->seen);
}

/* 24 of 32 buffers posted, `frames` frames injected with `w` watching, run until frame 1 is written
 * (the service has read the avail idx: 24) */
static void start_watched(struct tctx *t, struct hctx *h, struct watch *w, unsigned frames)
{
    h_rx_up(h, t, DRV_RING_SPLIT, VQSIZE, POSTED, BUF_LEN);
    memset(w, 0, sizeof *w);
    w->h = h;
    t_tap_on(&w->tap, t, on_txn, w);
    h_inject(h, frames, FLEN);
    for (unsigned i = 0; i < 20000 && !w->seen[1]; i++) vdpu_bus_step(t->b);
    cr_assert(w->seen[1], "frame 1 written");
    cr_assert_eq(w->navail, 1, "one avail read so far (the service's)");
}

/*
 * 24 of 32 buffers posted, 32 frames; once frame 1 is written (the service has read the avail idx: 24),
 * the driver posts the last 8. `fault` (a PCIe fault from then on) may hit the reads after that.
 */
static void post_during(struct tctx *t, struct hctx *h, struct watch *w, const char *fault)
{
    start_watched(t, h, w, NFRAMES);
    poke_csr(t, VDPU_CSR_CPL_TIMEOUT, 2000);
    if (fault) t_faults_from_here(t, fault);
    for (uint16_t i = POSTED; i < VQSIZE; i++) h_post(h, i, BUF_LEN);
    vdpu_bus_run_cycles(t->b, 60000);
    t_tap_off(&w->tap);
    cr_assert(!t->b->stopped, "%s", t->b->stop_reason);
}

/*
 * Frame 8 starts with 16 of the 24 buffers the service knows of left (half the ring): the avail idx is
 * read again then, finds the 8 posted since, and the run-ahead reads go on through them - frame 24 is
 * written right after frame 23 instead of after an avail read and a descriptor read (400 cycles). Three
 * avail reads in all: the service's, the refresh at frame 8 (32), and one at frame 16, with 16 of the 32
 * left, that finds no more (once per value read: none after it); every frame used.
 */
RF_TEST(split_buffers_posted_during_the_service_are_found_without_stopping, .timeout = 120)
{
    struct hctx h;
    static struct watch w;
    post_during(T, &h, &w, NULL);
    cr_assert_eq(T->b->net.rx_n, 0, "every frame taken");
    cr_assert_eq(peek_csr(T, VDPU_CSR_ENG_STATUS) >> 16, 0, "nothing dropped");
    cr_assert_eq(peek_csr(T, VDPU_CSR_QERR), 0);
    for (unsigned k = 0; k < NFRAMES; k++) {
        uint32_t id, len;
        h_used_at(&h, k, &id, &len);
        cr_assert_eq(id, k, "used entry %u: buffer %u", k, id);
        cr_assert_eq(len, 12 + FLEN, "used entry %u length", k);
    }
    cr_assert_eq(hm_r16(T, h.q->device + 2), NFRAMES, "used idx");
    cr_assert_eq(w.navail, 3, "%u avail idx reads", w.navail);
    cr_assert_eq(reqs(T, VDPU_PURP_AVAIL_RING), 1, "one ring entry read (the first head; IN_ORDER from there)");
    cr_assert(w.seen[7] && w.seen[8] && w.seen[23] && w.seen[24]);
    cr_assert_geq(w.avail_at[1], w.last[7], "the refresh as frame 8 starts (cycle %llu; frame 7 ends at %llu)",
                  (unsigned long long)w.avail_at[1], (unsigned long long)w.last[7]);
    cr_assert_leq(w.avail_at[1], w.first[8], "the refresh as frame 8 starts (cycle %llu; frame 8 at %llu)",
                  (unsigned long long)w.avail_at[1], (unsigned long long)w.first[8]);
    uint64_t gap = w.first[24] - w.last[23];
    cr_log_info("frame 23 ends at %llu, frame 24 starts at %llu: %llu cycles", (unsigned long long)w.last[23],
                (unsigned long long)w.first[24], (unsigned long long)gap);
    cr_assert_lt(gap, 20, "frame 24 waited %llu cycles after frame 23 (an avail read and a descriptor read: 400)",
                 (unsigned long long)gap);
    h_close(&h);
}

/*
 * The refresh gets `fault` (the 3rd read after the driver posts: the run-ahead read of frame 4, the first
 * batch's event read, then the refresh as frame 8 starts): the frames the service still has
 * buffers for go on while it is in flight (at rtt 200 about four), then the receiveq stops with `code`
 * where RX_NEXT takes it (frames lo..hi written, none after); no avail read follows, the engine is idle.
 * A lost one is waited for only once the 24 buffers known before it are used: then it times out.
 */
static void refresh_failed(struct tctx *t, const char *fault, uint32_t code, unsigned lo, unsigned hi)
{
    struct hctx h;
    static struct watch w;
    post_during(t, &h, &w, fault);
    cr_assert_eq(t->b->link.nfired, 1);
    cr_assert_eq(t->b->link.fired[0].purpose, VDPU_PURP_AVAIL_IDX, "the fault hit the avail refresh");
    cr_assert_eq(peek_csr(t, VDPU_CSR_QERR), 1u, "the receiveq stopped");
    uint32_t info = peek_csr(t, VDPU_CSR_ERR_INFO);
    cr_assert_eq(info >> VDPU_ERR_INFO_CODE_LSB & 0xFFu, code, "ERR_INFO %#x", info);
    unsigned written = 0;
    while (written < NFRAMES && w.seen[written]) written++;
    cr_log_info("%u frames written before the receiveq stopped", written);
    cr_assert_geq(written, lo, "frames up to the refresh written: %u", written);
    cr_assert_leq(written, hi, "nothing written after the frame that takes the refresh: %u", written);
    for (unsigned k = written; k < NFRAMES; k++) cr_assert(!w.seen[k], "frame %u written after the stop", k);
    cr_assert_eq(peek_csr(t, VDPU_CSR_ENG_STATUS) & VDPU_ENG_STATUS_IDLE, VDPU_ENG_STATUS_IDLE, "the engine idle");
    cr_assert_eq(w.navail, 2, "no avail read after the failed refresh: %u", w.navail);
    h_close(&h);
}
RF_TEST(split_a_failed_avail_refresh_stops_the_receiveq, .timeout = 120)
{
    refresh_failed(T, "ca@3", VDPU_QERR_DMA, 9, 16);
}
RF_TEST(split_a_poisoned_avail_refresh_stops_the_receiveq, .timeout = 120)
{
    refresh_failed(T, "poison@3", VDPU_QERR_DMA, 9, 16);
}
RF_TEST(split_a_lost_avail_refresh_times_out, .timeout = 120)
{
    refresh_failed(T, "drop@3", VDPU_QERR_TIMEOUT, POSTED, POSTED);
}

/*
 * After the service's avail read (24), the driver writes a bad avail idx, `bad`: the refresh at frame 8
 * brings it and does not use it (it offers fewer buffers than before, or more than a ring) - the service
 * goes on with the 24 buffers it knows of, and its own avail read once they are used finds the idx
 * moved back or more than a ring ahead: QERR_IDX there, frames 0-23 written and used, none after.
 * Taken, a smaller idx would have the service find the ring empty and drop frames, a larger one have
 * the run-ahead reads fetch descriptors the driver never posted.
 */
static void bad_idx(struct tctx *t, uint16_t bad)
{
    struct hctx h;
    static struct watch w;
    start_watched(t, &h, &w, NFRAMES);
    hm_w16(t, h.q->driver + 2, bad);
    vdpu_bus_run_cycles(t->b, 60000);
    t_tap_off(&w.tap);
    cr_assert(!t->b->stopped, "%s", t->b->stop_reason);
    cr_assert_eq(w.navail, 3, "the service's, the refresh, the read once the 24 are used: %u", w.navail);
    cr_assert_eq(peek_csr(t, VDPU_CSR_QERR), 1u, "the receiveq stopped");
    uint32_t info = peek_csr(t, VDPU_CSR_ERR_INFO);
    cr_assert_eq(info >> VDPU_ERR_INFO_CODE_LSB & 0xFFu, VDPU_QERR_IDX, "ERR_INFO %#x", info);
    for (unsigned k = 0; k < NFRAMES; k++) cr_assert_eq(w.seen[k], k < POSTED, "frame %u written: %d", k, w.seen[k]);
    cr_assert_eq(hm_r16(t, h.q->device + 2), POSTED, "used idx");
    h_close(&h);
}
RF_TEST(split_a_refreshed_idx_more_than_a_ring_ahead_is_not_used, .timeout = 120)
{
    bad_idx(T, POSTED + 100);
}
RF_TEST(split_a_refreshed_idx_that_moved_back_is_not_used, .timeout = 120)
{
    bad_idx(T, 10);
}

static uint64_t irqs(struct hctx *h) { return h->t->s.mem.msi_count[PCI_MSI_DATA_BASE + h->q->vector]; }

/*
 * Without EVENT_IDX the avail flags decide a batch's interrupt, and the refresh brings them with the idx:
 * 32 buffers posted, 32 frames; once frame 1 is written the driver sets VRING_AVAIL_F_NO_INTERRUPT. The
 * first two batches (frames 0-15) are decided on the flags of the service's avail read: an interrupt
 * each, no read. The refresh at frame 16 (16 of 32 left: half the ring) brings the flag, so batches 3 and
 * 4 read the flags again after their used idx writes (split-ring.tex: the device must interrupt when
 * flags is 0 after the used idx write), find them set and raise nothing: two interrupts, two flag reads.
 * Flags not taken from the refresh would raise four interrupts without a read.
 */
RF_TEST(split_the_refreshed_flags_decide_the_interrupts, .timeout = 120)
{
    struct hctx h;
    static struct watch w;
    struct drv_params p;
    drv_params_default(&p);
    p.ring = DRV_RING_SPLIT;
    p.qsize = VQSIZE;
    p.drop[0] |= 1u << VIRTIO_RING_F_EVENT_IDX;
    h_open_params(&h, T, &p, NET_RX);
    for (uint16_t i = 0; i < VQSIZE; i++) h_post(&h, i, BUF_LEN);
    memset(&w, 0, sizeof w);
    w.h = &h;
    uint64_t irq0 = irqs(&h), ev0 = reqs(T, VDPU_PURP_EVENT);
    t_tap_on(&w.tap, T, on_txn, &w);
    h_inject(&h, NFRAMES, FLEN);
    for (unsigned i = 0; i < 20000 && !w.seen[1]; i++) vdpu_bus_step(T->b);
    cr_assert(w.seen[1], "frame 1 written");
    cr_assert_eq(w.navail, 1, "one avail read so far (the service's)");
    hm_w16(T, h.q->driver, 1); /* VRING_AVAIL_F_NO_INTERRUPT */
    vdpu_bus_run_cycles(T->b, 60000);
    t_tap_off(&w.tap);
    cr_assert(!T->b->stopped, "%s", T->b->stop_reason);
    cr_assert_eq(T->b->net.rx_n, 0, "every frame taken");
    cr_assert_eq(peek_csr(T, VDPU_CSR_QERR), 0);
    cr_assert_eq(hm_r16(T, h.q->device + 2), NFRAMES, "used idx");
    cr_assert_geq(w.navail, 2, "the refresh: %u avail reads", w.navail);
    cr_assert_eq(irqs(&h) - irq0, 2, "%llu interrupts", (unsigned long long)(irqs(&h) - irq0));
    cr_assert_eq(reqs(T, VDPU_PURP_EVENT) - ev0, 2, "%llu flag reads", (unsigned long long)(reqs(T, VDPU_PURP_EVENT) - ev0));
    h_close(&h);
}

/*
 * A failed refresh no frame start takes is reported all the same: 24 of 32 posted, nine frames; the
 * refresh goes out as frame 8 starts and gets `fault`; frame 8 is the last, so the service leaves (its
 * batch of one written) before any frame start could take the failure, and IDLE, once the refresh's
 * completion is in, reports it (QERR_DMA, DEVICE_NEEDS_RESET): a read the host failed is reported
 * whether or not the device needed its data. Every frame used.
 */
static void refresh_left(struct tctx *t, const char *fault)
{
    struct hctx h;
    static struct watch w;
    start_watched(t, &h, &w, 9);
    t_faults_from_here(t, fault);
    vdpu_bus_run_cycles(t->b, 40000);
    t_tap_off(&w.tap);
    cr_assert(!t->b->stopped, "%s", t->b->stop_reason);
    cr_assert_eq(t->b->link.nfired, 1);
    cr_assert_eq(t->b->link.fired[0].purpose, VDPU_PURP_AVAIL_IDX, "the fault hit the avail refresh");
    cr_assert_eq(hm_r16(t, h.q->device + 2), 9, "every frame used");
    cr_assert_eq(peek_csr(t, VDPU_CSR_QERR), 1u, "the receiveq stopped");
    uint32_t info = peek_csr(t, VDPU_CSR_ERR_INFO);
    cr_assert_eq(info >> VDPU_ERR_INFO_CODE_LSB & 0xFFu, VDPU_QERR_DMA, "ERR_INFO %#x", info);
    cr_assert(peek_csr(t, VDPU_CSR_DEVICE_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET, "DEVICE_NEEDS_RESET");
    cr_assert_eq(peek_csr(t, VDPU_CSR_ENG_STATUS) & VDPU_ENG_STATUS_IDLE, VDPU_ENG_STATUS_IDLE, "the engine idle");
    h_close(&h);
}
RF_TEST(split_a_poisoned_refresh_the_service_leaves_is_reported, .timeout = 120)
{
    refresh_left(T, "poison@3");
}
RF_TEST(split_a_failed_refresh_the_service_leaves_is_reported, .timeout = 120)
{
    refresh_left(T, "ca@3");
}

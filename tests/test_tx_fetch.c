/* test_tx_fetch.c - TX fetch (ENG_PARAM[18:15] = K, vdpu run --tx-fetch; docs/queue-engine.md "TX fetch"). */
/*
 * One-descriptor frames whose descriptors are cached behind the one in service (packed, split IN_ORDER)
 * have their payload read in the same PAY phase; on model, rtl and cosim: the frames go out in ring
 * order with the same requests and fewer cycles, a descriptor that would fail a check ends the fetch
 * and still stops the queue with its own code, a failed read fails every frame of its fetch,
 * completions in any order land in their frame.
 */
#include <string.h>

#include "hand_ring.h"
#include "link.h"
#include "virtio_net.h"


/* P = 8, B = 1, M = 8 reads outstanding, TX fetch K */
static uint32_t param(unsigned k) { return 8u | 1u << 4 | 8u << 8 | k << VDPU_ENG_PARAM_TX_FETCH_LSB; }

struct wire {
    struct t_tap tap;
    uint8_t first[QN]; /* each frame's first byte, in the order the frames left */
    unsigned n;
    bool start;        /* the next NTX beat starts a frame */
};

static void on_txn(void *ctx, const vdpu_txn_t *x)
{
    struct wire *w = ctx;
    if (x->chan == VDPU_CH_NTX) {
        if (w->start && w->n < QN) w->first[w->n++] = x->u.ntx.data[0];
        w->start = x->u.ntx.last;
    }
}

static void watch(struct wire *w, struct tctx *t)
{
    memset(w, 0, sizeof *w);
    w->start = true;
    t_tap_on(&w->tap, t, on_txn, w);
}

static void unwatch(struct wire *w) { t_tap_off(&w->tap); }

/* Requests of one purpose, all and those before the first USED write (what a fetch reads before the
 * engine uses its first buffer) */
struct before_used {
    struct t_tap tap;
    unsigned purpose, n, n_before_used;
    bool used;
};

static void on_before_used(void *ctx, const vdpu_txn_t *x)
{
    struct before_used *c = ctx;
    if (x->chan != VDPU_CH_DMAREQ) return;
    if (x->u.dmareq.purpose == VDPU_PURP_USED) c->used = true;
    if (x->u.dmareq.purpose == c->purpose) {
        c->n++;
        if (!c->used) c->n_before_used++;
    }
}

static void count_on(struct before_used *c, struct tctx *t, unsigned purpose)
{
    memset(c, 0, sizeof *c);
    c->purpose = purpose;
    t_tap_on(&c->tap, t, on_before_used, c);
}

/* the engine on the hand-built ring: packed, or split with IN_ORDER (its descriptors are cached) */
static void up(struct tctx *t, bool packed, unsigned k)
{
    engine_up(t, packed, param(k), packed ? 0u : 1u << VDPU_ENGCTRL_IN_ORDER);
}

/* Eight frames, K 8: one PAY phase reads all eight payloads (packed: one descriptor read before it, one
 * after that finds slot 0 not available again; split: the eight descriptors in one read), the frames
 * leave in ring order with their own bytes, each payload read once, each buffer used once. */
static void eight_in_order(struct tctx *t, bool packed, unsigned k)
{
    struct wire w;
    up(t, packed, k);
    hand_post(t, packed, QN, 200, QN);
    watch(&w, t);
    kick(t);
    unwatch(&w);
    cr_assert_eq(t->b->net.tx_frames, QN, "K %u: %llu frames on the wire", k, (unsigned long long)t->b->net.tx_frames);
    cr_assert_eq(w.n, QN);
    for (unsigned i = 0; i < QN; i++)
        cr_assert_eq(w.first[i], 0x40 + i, "K %u: frame %u left as the %u-th", k, w.first[i] - 0x40, i);
    cr_assert_eq(reqs(t, VDPU_PURP_PAYLOAD_RD), QN, "one payload read per frame");
    cr_assert_eq(reqs(t, VDPU_PURP_DESC), packed ? 2 : 1, "descriptors read once");
    cr_assert_eq(reqs(t, VDPU_PURP_USED), QN, "every buffer used once");
    cr_assert_eq(csr_rd(t, VDPU_CSR_QERR), 0);
}
ENGINE_TEST(tx_fetch, eight_frames_in_ring_order_k8, .timeout = 60) { eight_in_order(T, true, 8); }
ENGINE_TEST(tx_fetch, eight_frames_in_ring_order_k3, .timeout = 60) { eight_in_order(T, true, 3); }
ENGINE_TEST(tx_fetch, split_in_order_eight_frames_in_ring_order_k8, .timeout = 60) { eight_in_order(T, false, 8); }

/* Descriptor 4 of 6 names a buffer outside the host window: the fetch of descriptor 0 stops before it
 * (its payload is never read), frames 0-3 go out, and at its own turn it stops the queue with
 * QERR_ADDR - exactly as without TX fetch (K 1). */
static void bad_descriptor(struct tctx *t, bool packed, unsigned k)
{
    up(t, packed, k);
    hand_post(t, packed, 6, 72, 4);
    kick(t);
    cr_assert_eq(t->b->net.tx_frames, 4, "K %u: %llu frames on the wire", k, (unsigned long long)t->b->net.tx_frames);
    cr_assert_eq(reqs(t, VDPU_PURP_PAYLOAD_RD), 4, "the bad descriptor's buffer never read");
    cr_assert_eq(csr_rd(t, VDPU_CSR_QERR), 1u << Q_TX);
    cr_assert_eq(hand_err_code(t), VDPU_QERR_ADDR);
}
ENGINE_TEST(tx_fetch, stops_at_a_bad_descriptor_k8, .timeout = 60) { bad_descriptor(T, true, 8); }
ENGINE_TEST(tx_fetch, stops_at_a_bad_descriptor_k1, .timeout = 60) { bad_descriptor(T, true, 1); }
ENGINE_TEST(tx_fetch, split_in_order_stops_at_a_bad_descriptor_k8, .timeout = 60) { bad_descriptor(T, false, 8); }

/* Descriptor 1 of 2 is longer than a frame buffer (9,300 bytes: it would fit the TX fetch buffer behind
 * frame 0, but no frame may be longer than FRAME_BUF_BYTES): the fetch of descriptor 0 stops before it, so
 * its payload is never read and it never reaches the wire; at its own turn it stops the queue with
 * QERR_LEN, as with K 1. (The fetch used to count it, send it, then stop the queue at it.) */
static void too_long(struct tctx *t, bool packed)
{
    static uint8_t buf[9300];
    up(t, packed, 8);
    hand_post(t, packed, 2, 72, 2);
    memset(buf, 0x41, sizeof buf);
    hm_w(t, BUFS + 0x1000, buf, sizeof buf);
    if (packed)
        desc_w(t, 1, BUFS + 0x1000, sizeof buf, 1, P_AVAIL);
    else
        desc_w(t, 1, BUFS + 0x1000, sizeof buf, 0, 0);
    kick(t);
    cr_assert_eq(t->b->net.tx_frames, 1, "%llu frames on the wire", (unsigned long long)t->b->net.tx_frames);
    cr_assert_eq(reqs(t, VDPU_PURP_PAYLOAD_RD), 1, "the long buffer never read");
    cr_assert_eq(csr_rd(t, VDPU_CSR_QERR), 1u << Q_TX);
    cr_assert_eq(hand_err_code(t), VDPU_QERR_LEN);
}
ENGINE_TEST(tx_fetch, a_frame_longer_than_a_frame_buffer_is_never_sent, .timeout = 60) { too_long(T, true); }
ENGINE_TEST(tx_fetch, split_in_order_a_frame_longer_than_a_frame_buffer_is_never_sent, .timeout = 60)
{
    too_long(T, false);
}

/* The payload read of frame 2 completes with CA (K 8: the 5th read - descriptors, the descriptors read
 * ahead (first in PAY: the fetch takes the whole cache; slot 0 of the next lap, not available yet), frames
 * 0, 1, 2; K 1:
 * the 6th - the driver event structure is read after each used write). With K 1 frames 0 and 1 have
 * left by then, each with its used entry. With K 8 the read belongs to frame 0's fetch: frames 0 and 1,
 * whose bytes came in before it (the link completes in request order), are on the wire already, but the
 * fetch fails as a whole - no used entry, no further frame, the queue stops with QERR_DMA at frame 0
 * (documented: docs/queue-engine.md "TX fetch"). */
static void failed_read(struct tctx *t, bool packed, unsigned k, const char *fault, unsigned sent, unsigned used)
{
    t_faults_from_here(t, fault);
    up(t, packed, k);
    hand_post(t, packed, QN, 72, QN);
    kick(t);
    cr_assert_eq(t->b->link.nfired, 1);
    cr_assert_eq(t->b->link.fired[0].purpose, VDPU_PURP_PAYLOAD_RD);
    cr_assert_eq(t->b->link.fired[0].addr, BUFS + 0x200, "the fault hit frame 2's read");
    cr_assert_eq(t->b->net.tx_frames, sent, "K %u: %llu frames on the wire", k, (unsigned long long)t->b->net.tx_frames);
    cr_assert_eq(reqs(t, VDPU_PURP_USED), used);
    cr_assert_eq(csr_rd(t, VDPU_CSR_QERR), 1u << Q_TX);
    cr_assert_eq(hand_err_code(t), VDPU_QERR_DMA);
}
ENGINE_TEST(tx_fetch, a_failed_read_fails_its_whole_fetch_k8, .timeout = 60) { failed_read(T, true, 8, "ca@5", 2, 0); }
ENGINE_TEST(tx_fetch, a_failed_read_fails_its_frame_k1, .timeout = 60) { failed_read(T, true, 1, "ca@6", 2, 2); }
/* split IN_ORDER: avail idx, one ring entry (the first head), the descriptors, then frames 0, 1, 2 (nothing
 * is offered beyond the fetch: no read ahead) */
ENGINE_TEST(tx_fetch, split_in_order_a_failed_read_fails_its_whole_fetch_k8, .timeout = 60)
{
    failed_read(T, false, 8, "ca@6", 2, 0);
}

/* ---- the run-ahead descriptor read ---------------------------------------------------------------------- */

/* the reads beyond the next fetch on the ring of QN = 8 with P = 4: TX_BEYOND_READS, but two at most - a
 * third would start more than a lap ahead, and is not read (ahead_k) */
#define BEYOND_IN_A_LAP (VDPU_TX_BEYOND_READS < 2 ? VDPU_TX_BEYOND_READS : 2)
_Static_assert(QN == 8, "two reads of four beyond the next fetch fit a lap");

/* P = 4, B = 1, M = 8, TX fetch 8 */
static uint32_t param_p4(void) { return 4u | 1u << 4 | 8u << 8 | 8u << VDPU_ENG_PARAM_TX_FETCH_LSB; }

/* Eight frames, P = 4: the first fetch takes the whole cache (the descriptor in service and the three
 * cached), so it reads the next four descriptors first thing, while its payload comes in - before frame
 * 0's used entry - and the second fetch starts from them without a read of its own (its payload read early,
 * "The next fetch read early"). Packed: while the read ahead is on the way the descriptors beyond it are
 * read too, the blocks of the next lap up to TX_BEYOND_READS (two here: BEYOND_IN_A_LAP; not available
 * yet), so the service finds nothing after the second fetch without a further read - 2 + BEYOND_IN_A_LAP
 * descriptor reads, all before the first used entry (3 without reading ahead: the one that finds slot 0
 * not available comes after the second fetch; the speculative reads cost more at the end of a stream). Split
 * IN_ORDER: nothing is offered beyond the eight - 2, both before it, as without reading ahead. */
static void reads_ahead(struct tctx *t, bool packed, unsigned desc_reads)
{
    struct before_used a;
    engine_up(t, packed, param_p4(), packed ? 0u : 1u << VDPU_ENGCTRL_IN_ORDER);
    hand_post(t, packed, QN, 72, QN);
    count_on(&a, t, VDPU_PURP_DESC);
    kick(t);
    t_tap_off(&a.tap);
    cr_assert_eq(t->b->net.tx_frames, QN);
    cr_assert_eq(reqs(t, VDPU_PURP_USED), QN);
    cr_assert_eq(a.n, desc_reads, "descriptor reads: %u", a.n);
    cr_assert_eq(a.n_before_used, desc_reads, "the reads during the first fetch: %u before a used entry",
                 a.n_before_used);
    cr_assert_eq(csr_rd(t, VDPU_CSR_QERR), 0);
}
ENGINE_TEST(tx_fetch, reads_the_next_descriptors_during_a_fetch, .timeout = 60)
{
    reads_ahead(T, true, 2 + BEYOND_IN_A_LAP);
}

/* Four frames, then four more once the device has read ahead past them: the run-ahead read found slots
 * 4-7 not available yet (and the BEYOND_IN_A_LAP reads beyond it, issued while it was on the way), so the
 * service leaves the queue at slot 4 as when it reads an empty slot, dropping both; the driver's doorbell
 * brings it back and it reads them again - nothing is lost to a stale read. */
static void stale_read_ahead(struct tctx *t)
{
    engine_up(t, true, param_p4(), 0);
    hand_post(t, true, 4, 72, QN);
    kick(t);
    cr_assert_eq(t->b->net.tx_frames, 4);
    cr_assert_eq(reqs(t, VDPU_PURP_DESC), 2 + BEYOND_IN_A_LAP, "the first read, the one ahead, those beyond it");
    uint8_t buf[0x100];
    for (unsigned i = 4; i < QN; i++) {
        memset(buf, 0x40 + (int)i, sizeof buf);
        hm_w(t, BUFS + 0x100ull * i, buf, 72);
        desc_w(t, (uint16_t)i, BUFS + 0x100ull * i, 72, (uint16_t)i, P_AVAIL);
    }
    kick(t);
    cr_assert_eq(t->b->net.tx_frames, QN, "%llu frames", (unsigned long long)t->b->net.tx_frames);
    cr_assert_eq(reqs(t, VDPU_PURP_USED), QN);
    cr_assert_eq(csr_rd(t, VDPU_CSR_QERR), 0);
}
ENGINE_TEST(tx_fetch, a_stale_read_ahead_loses_nothing, .timeout = 60) { stale_read_ahead(T); }

/* The run-ahead read completes with CA, or poisoned (the 2nd read: the descriptors, then it, first in
 * PAY): the fetch fails as a whole - QERR_DMA at frame 0, no used entry; no frame has left (its completion
 * comes before theirs). */
static void failed_read_ahead(struct tctx *t, const char *fault)
{
    t_faults_from_here(t, fault);
    engine_up(t, true, param_p4(), 0);
    hand_post(t, true, QN, 72, QN);
    kick(t);
    cr_assert_eq(t->b->link.nfired, 1);
    cr_assert_eq(t->b->link.fired[0].purpose, VDPU_PURP_DESC, "the fault hit the read ahead");
    cr_assert_eq(t->b->net.tx_frames, 0, "%llu frames", (unsigned long long)t->b->net.tx_frames);
    cr_assert_eq(reqs(t, VDPU_PURP_USED), 0);
    cr_assert_eq(csr_rd(t, VDPU_CSR_QERR), 1u << Q_TX);
    cr_assert_eq(hand_err_code(t), VDPU_QERR_DMA);
}
ENGINE_TEST(tx_fetch, a_failed_read_ahead_fails_its_fetch, .timeout = 60) { failed_read_ahead(T, "ca@2"); }
ENGINE_TEST(tx_fetch, a_poisoned_read_ahead_fails_its_fetch, .timeout = 60) { failed_read_ahead(T, "poison@2"); }

/* Split IN_ORDER: eight frames offered (avail idx 8), P = 4: the first fetch takes the whole cache, and
 * four more buffers are offered beyond it, so it reads their four descriptors (from the one after its
 * last, in table order) during its payload reads - before frame 0's used entry - and the second fetch
 * starts from them; that one reads nothing ahead (the avail idx offers no more). Two descriptor reads,
 * as without reading ahead, the second one earlier. */
ENGINE_TEST(tx_fetch, split_in_order_reads_the_next_descriptors_during_a_fetch, .timeout = 60)
{
    reads_ahead(T, false, 2);
}

/* Split IN_ORDER: four frames offered, P = 4: the fetch takes them all and the avail idx offers nothing
 * beyond, so nothing is read ahead (a descriptor the driver has not offered is never read: it may still
 * be written); four more offered later are read then, and every frame leaves once. */
static void split_reads_only_offered(struct tctx *t)
{
    engine_up(t, false, param_p4(), 1u << VDPU_ENGCTRL_IN_ORDER);
    hand_post(t, false, 4, 72, QN);
    kick(t);
    cr_assert_eq(t->b->net.tx_frames, 4);
    cr_assert_eq(reqs(t, VDPU_PURP_DESC), 1, "the first read only: nothing offered beyond the fetch");
    hand_post(t, false, QN, 72, QN); /* the same four again and four new ones: avail idx 8 */
    kick(t);
    cr_assert_eq(t->b->net.tx_frames, QN, "%llu frames", (unsigned long long)t->b->net.tx_frames);
    cr_assert_eq(reqs(t, VDPU_PURP_DESC), 2);
    cr_assert_eq(reqs(t, VDPU_PURP_USED), QN);
    cr_assert_eq(csr_rd(t, VDPU_CSR_QERR), 0);
}
ENGINE_TEST(tx_fetch, split_in_order_reads_ahead_only_what_is_offered, .timeout = 60)
{
    split_reads_only_offered(T);
}

/* Split IN_ORDER, the run-ahead read completes with CA (the 4th read: avail idx, the first ring entry, the
 * descriptors, then it, first in PAY): the fetch fails as a whole, as on a packed ring. */
ENGINE_TEST(tx_fetch, split_in_order_a_failed_read_ahead_fails_its_fetch, .timeout = 60)
{
    t_faults_from_here(T, "ca@4");
    engine_up(T, false, param_p4(), 1u << VDPU_ENGCTRL_IN_ORDER);
    hand_post(T, false, QN, 72, QN);
    kick(T);
    cr_assert_eq(T->b->link.nfired, 1);
    cr_assert_eq(T->b->link.fired[0].purpose, VDPU_PURP_DESC, "the fault hit the read ahead");
    cr_assert_eq(T->b->link.fired[0].addr, RING_DESC + 4 * 16, "the read ahead starts after the fetch's four");
    cr_assert_eq(T->b->net.tx_frames, 0, "%llu frames", (unsigned long long)T->b->net.tx_frames);
    cr_assert_eq(reqs(T, VDPU_PURP_USED), 0);
    cr_assert_eq(csr_rd(T, VDPU_CSR_QERR), 1u << Q_TX);
    cr_assert_eq(hand_err_code(T), VDPU_QERR_DMA);
}

/* ---- a stop while PAY sends a frame ------------------------------------------------------------------ */

#define BIG     1000u /* bytes per frame: four fill the MAC's 4,096-byte FIFO, the fifth stalls half sent */

/* QN frames of len bytes (at most 2,048) 2 KiB apart on the packed ring, frame i's bytes all 0x40 + i */
static void frames_2k(struct tctx *t, uint32_t len)
{
    static uint8_t buf[2048];
    up(t, true, 8);
    for (unsigned i = 0; i < QN; i++) {
        memset(buf, 0x40 + (int)i, sizeof buf);
        hm_w(t, BUFS + 2048ull * i, buf, len);
        desc_w(t, (uint16_t)i, BUFS + 2048ull * i, len, (uint16_t)i, P_AVAIL);
    }
}

/* QN frames of BIG bytes on a 1 Gbit/s wire; the fetch reads all eight, the stream fills the MAC FIFO
 * and stalls in the middle of a frame (ntx_ready low) */
static void big_frames(struct tctx *t)
{
    frames_2k(t, BIG);
    t->b->net.wire_mbps = 1000;
}

/* the stream is in the middle of a frame: its last beat not loaded yet, the wire holding it back */
static bool half_sent(struct wire *w) { return !w->start; }

/* A DEV_RESET while PAY sends a frame (the reads all done, the wire holding the stream back): the frame
 * is finished - every frame that began on the wire ends there, no other begins - and the engine is then
 * idle, the fetch's buffers not used. With the reset acting at once (as it does when no frame is half
 * sent) the frame would stay cut on the wire and the next frame's beats would join it. */
static void reset_half_sent(struct tctx *t)
{
    struct wire w;
    big_frames(t);
    watch(&w, t);
    bar_wr(t, VDPU_BAR_NOTIFY_OFF + Q_TX * VDPU_NOTIFY_MULT, 2, Q_TX);
    run_cycles(t, 3000);
    cr_assert(half_sent(&w), "the stream stalls in frame %u", w.n);
    cr_assert(w.n > 1 && w.n < QN, "frames begun: %u", w.n);
    unsigned begun = w.n;
    csr_wr(t, VDPU_CSR_DEV_RESET, 1);
    run_cycles(t, 60000);
    unwatch(&w);
    cr_assert_eq(w.n, begun, "no frame begins after the reset");
    cr_assert(!half_sent(&w), "the frame that was half sent is finished");
    cr_assert_eq(t->b->net.tx_frames, begun, "%llu whole frames on the wire", (unsigned long long)t->b->net.tx_frames);
    cr_assert_eq(t->b->net.tx_bytes, (uint64_t)begun * (BIG - VDPU_NET_HDR_BYTES));
    cr_assert(csr_rd(t, VDPU_CSR_ENG_STATUS) & VDPU_ENG_STATUS_IDLE, "the engine is idle");
    cr_assert_eq(reqs(t, VDPU_PURP_USED), 0);
}
ENGINE_TEST(tx_fetch, reset_finishes_the_frame_half_sent, .timeout = 60) { reset_half_sent(T); }

/* The completion timeout while PAY sends a frame (frame 7's read never completes; CPL_TIMEOUT 2,000
 * edges, shorter than the wire takes for the stalled frame): the frame is finished, then the queue stops
 * with QERR_TIMEOUT; no frame begins after it and frame 7 never does. */
static void timeout_half_sent(struct tctx *t)
{
    struct wire w;
    /* the 17th read: the descriptors, then two reads a frame (512 + 488 bytes): frame 7's second */
    t_faults_from_here(t, "timeout@17");
    big_frames(t);
    csr_wr(t, VDPU_CSR_CPL_TIMEOUT, 2000);
    watch(&w, t);
    bar_wr(t, VDPU_BAR_NOTIFY_OFF + Q_TX * VDPU_NOTIFY_MULT, 2, Q_TX);
    run_cycles(t, 80000);
    unwatch(&w);
    cr_assert_eq(t->b->link.nfired, 1);
    cr_assert_eq(t->b->link.fired[0].purpose, VDPU_PURP_PAYLOAD_RD);
    cr_assert(!half_sent(&w), "every frame begun is finished");
    cr_assert(w.n > 1 && w.n < QN, "frames begun: %u", w.n);
    cr_assert_eq(t->b->net.tx_frames, w.n, "%llu whole frames on the wire", (unsigned long long)t->b->net.tx_frames);
    cr_assert_eq(t->b->net.tx_bytes, (uint64_t)w.n * (BIG - VDPU_NET_HDR_BYTES));
    cr_assert_eq(csr_rd(t, VDPU_CSR_QERR), 1u << Q_TX);
    cr_assert_eq(hand_err_code(t), VDPU_QERR_TIMEOUT);
    cr_assert_eq(reqs(t, VDPU_PURP_USED), 0);
}
ENGINE_TEST(tx_fetch, timeout_finishes_the_frame_half_sent, .timeout = 60) { timeout_half_sent(T); }

/* Eight standard frames (1,514 bytes and the header) fit the TX buffer side by side (TX_BUF_BYTES, 8 x
 * 1,536): one fetch reads all eight - the last frame's reads are issued before the first used entry is
 * written (B = 1) - and they leave in ring order, whole. In a buffer of one jumbo frame (9,216 bytes) the
 * fetch would stop after six. */
static void eight_standard_frames(struct tctx *t)
{
    struct before_used o;
    frames_2k(t, 1514 + VDPU_NET_HDR_BYTES);
    count_on(&o, t, VDPU_PURP_PAYLOAD_RD);
    kick(t);
    t_tap_off(&o.tap);
    cr_assert_eq(o.n_before_used, QN * 3, "every frame's 3 reads before the first used entry: %u", o.n_before_used);
    cr_assert_eq(t->b->net.tx_frames, QN);
    cr_assert_eq(t->b->net.tx_bytes, QN * 1514ull);
    cr_assert_eq(reqs(t, VDPU_PURP_USED), QN);
    cr_assert_eq(csr_rd(t, VDPU_CSR_QERR), 0);
}
ENGINE_TEST(tx_fetch, eight_standard_frames_in_one_fetch, .timeout = 60) { eight_standard_frames(T); }

/* Payload reads before the first frame leaves */
struct before_wire {
    struct t_tap tap;
    unsigned n;
    bool out;
};

static void on_before_wire(void *ctx, const vdpu_txn_t *x)
{
    struct before_wire *c = ctx;
    if (x->chan == VDPU_CH_NTX) c->out = true;
    if (x->chan == VDPU_CH_DMAREQ && x->u.dmareq.purpose == VDPU_PURP_PAYLOAD_RD && !c->out) c->n++;
}

/* A fetch of K frames fills at most K standard frames' room of its TX fetch buffer (K x 1,536 bytes, one
 * longest frame's 9,216 at least: what a design for K needs, the storage report's TX buffer): eight
 * 2,000-byte frames (four reads each, 2,016 bytes from word to word), P = 8, M = 32 - at K = 8 the fetch
 * stops after six (12,096 of 12,288 bytes; the first frame leaves after their 24 reads), at K = 15 it
 * takes all eight (32 reads before the first frame leaves). */
static void room_of_k(struct tctx *t, unsigned k, unsigned reads)
{
    static uint8_t buf[2048];
    struct before_wire o;
    engine_up(t, true, 8u | 1u << 4 | 32u << 8 | k << VDPU_ENG_PARAM_TX_FETCH_LSB, 0);
    for (unsigned i = 0; i < QN; i++) {
        memset(buf, 0x40 + (int)i, sizeof buf);
        hm_w(t, BUFS + 2048ull * i, buf, 2000);
        desc_w(t, (uint16_t)i, BUFS + 2048ull * i, 2000, (uint16_t)i, P_AVAIL);
    }
    memset(&o, 0, sizeof o);
    t_tap_on(&o.tap, t, on_before_wire, &o);
    kick(t);
    t_tap_off(&o.tap);
    cr_assert_eq(o.n, reads, "K %u: %u payload reads before the first frame leaves", k, o.n);
    cr_assert_eq(t->b->net.tx_frames, QN);
    cr_assert_eq(t->b->net.tx_bytes, QN * (2000ull - VDPU_NET_HDR_BYTES));
    cr_assert_eq(reqs(t, VDPU_PURP_PAYLOAD_RD), QN * 4);
    cr_assert_eq(csr_rd(t, VDPU_CSR_QERR), 0);
}
_Static_assert(VDPU_ENG_PARAM_MAX == 15, "K = 15 is ENG_PARAM_MAX");
ENGINE_TEST(tx_fetch, a_fetch_of_eight_fills_eight_frames_room, .timeout = 60) { room_of_k(T, 8, 24); }
ENGINE_TEST(tx_fetch, a_fetch_of_fifteen_fills_fifteen_frames_room, .timeout = 60) { room_of_k(T, 15, 32); }

/* ---- the real firmware and driver ------------------------------------------------------------------ */

/* 40 TX frames, P = B = 8, M = 8, TX fetch k (t_tx_run: EVENT_IDX off, so request counts compare). B = 8:
 * with a used entry per frame (B = 1) the interrupt decisions, one at a time, take a round trip per
 * frame whatever K is (docs/queue-engine.md "Interrupt decision"). */
static struct traffic_result run_io(enum vdpu_engine e, enum drv_ring ring, unsigned k, unsigned size, bool reorder,
                                    bool in_order)
{
    struct vdpu_opts o;
    vdpu_opts_default(&o);
    o.prefetch = 8;
    o.used_batch = 8;
    o.max_reads = 8;
    o.tx_fetch = k;
    return t_tx_run(e, &o, ring, size, 40, NULL, reorder, in_order);
}

static struct traffic_result run(enum vdpu_engine e, enum drv_ring ring, unsigned k, unsigned size, bool reorder)
{
    return run_io(e, ring, k, size, reorder, true);
}

/* 40 frames, K 1 vs K 8 on a packed ring (split: with IN_ORDER): every frame on the wire intact (the driver checks every
 * byte), every DMA purpose the same requests and bytes (MSI-X aside: messages merge by timing), fewer
 * cycles - at 64 bytes well over 100 a frame (one round trip per 8 frames instead of per frame). */
static void fewer_cycles(enum vdpu_engine e, enum drv_ring ring, unsigned size, unsigned saved_per_frame)
{
    struct traffic_result a = run(e, ring, 1, size, false), b = run(e, ring, 8, size, false);
    cr_assert_eq(a.packets, 40);
    cr_assert_eq(b.packets, 40);
    for (unsigned k = 0; k < VDPU_PURP_COUNT; k++) {
        if (k == VDPU_PURP_MSIX) continue;
        cr_assert_eq(a.c[k].requests, b.c[k].requests, "purpose %u: %llu requests with K 1, %llu with K 8", k,
                     (unsigned long long)a.c[k].requests, (unsigned long long)b.c[k].requests);
        cr_assert_eq(a.c[k].bytes, b.c[k].bytes, "purpose %u bytes", k);
    }
    cr_assert_lt(b.cycles + 40ull * saved_per_frame, a.cycles, "%llu cycles with K 8, %llu with K 1",
                 (unsigned long long)b.cycles, (unsigned long long)a.cycles);
}

#define ALL_ENGINES(name, body)                                                                                      \
    Test(tx_fetch, name##_model, .timeout = 300) { body(VDPU_ENGINE_MODEL); }                                        \
    Test(tx_fetch, name##_rtl, .timeout = 300) { body(VDPU_ENGINE_RTL); }                                            \
    Test(tx_fetch, name##_cosim, .timeout = 300) { body(VDPU_ENGINE_COSIM); }

static void packed_64(enum vdpu_engine e) { fewer_cycles(e, DRV_RING_PACKED, 64, 100); }
static void packed_1500(enum vdpu_engine e) { fewer_cycles(e, DRV_RING_PACKED, 1500, 100); }
static void split_64(enum vdpu_engine e) { fewer_cycles(e, DRV_RING_SPLIT, 64, 100); }
static void split_1500(enum vdpu_engine e) { fewer_cycles(e, DRV_RING_SPLIT, 1500, 100); }
ALL_ENGINES(packed_64_same_requests_fewer_cycles, packed_64)
ALL_ENGINES(packed_1500_same_requests_fewer_cycles, packed_1500)
ALL_ENGINES(split_in_order_64_same_requests_fewer_cycles, split_64)
ALL_ENGINES(split_in_order_1500_same_requests_fewer_cycles, split_1500)

/* The link returns completions newest first across the frames of a fetch: each beat lands in its
 * frame by its tag's slot, so every frame arrives intact, with the requests of in-order completions. */
static void reordered(enum vdpu_engine e)
{
    struct traffic_result a = run(e, DRV_RING_PACKED, 8, 256, false), b = run(e, DRV_RING_PACKED, 8, 256, true);
    cr_assert_eq(b.packets, 40);
    for (unsigned k = 0; k < VDPU_PURP_COUNT; k++)
        if (k != VDPU_PURP_MSIX) cr_assert_eq(a.c[k].requests, b.c[k].requests, "purpose %u", k);
}
ALL_ENGINES(completions_out_of_order_across_frames, reordered)

/* A split ring without IN_ORDER has ring entries in its cache, not descriptors: K changes nothing. */
static void split_unchanged(enum vdpu_engine e)
{
    struct traffic_result a = run_io(e, DRV_RING_SPLIT, 1, 64, false, false),
                          b = run_io(e, DRV_RING_SPLIT, 8, 64, false, false);
    cr_assert_eq(b.packets, 40);
    cr_assert_eq(a.cycles, b.cycles, "split: %llu cycles with K 1, %llu with K 8", (unsigned long long)a.cycles,
                 (unsigned long long)b.cycles);
}
Test(tx_fetch, split_ring_without_in_order_unchanged_model, .timeout = 300) { split_unchanged(VDPU_ENGINE_MODEL); }
Test(tx_fetch, split_ring_without_in_order_unchanged_cosim, .timeout = 300) { split_unchanged(VDPU_ENGINE_COSIM); }

/* ENG_PARAM[18:15] reaches the device from the firmware's configuration (vdpu run --tx-fetch 8: with
 * P = 8, B = 1, M = 8 that is 0x40818; 0x20818 while the M field had 6 bits) */
Test(tx_fetch, programmed_by_firmware, .timeout = 60)
{
    struct tctx t;
    struct vdpu_opts o;
    vdpu_opts_default(&o);
    o.prefetch = 8;
    o.max_reads = 8;
    o.tx_fetch = 8;
    t_open_fw(&t, VDPU_ENGINE_COSIM, &o);
    run_cycles(&t, 20000);
    cr_assert_eq(peek_csr(&t, VDPU_CSR_ENG_PARAM), 0x40818u);
    t_close(&t);
}

/* test_tx_next_fetch.c - the next TX fetch read early (docs/queue-engine.md "The next fetch read early"). */
/*
 * A TX fetch that takes the whole prefetch cache reads the next descriptors first thing, and once they
 * are in, the payload of the frames they start (the next fetch) into the other TX fetch buffer, and, when
 * the next fetch takes them all, the descriptors after them - while its own frames leave. On model, rtl
 * and cosim (hand-built rings of QN = 8, P = B = K = 4: two fetches of four): the overlap itself, what a
 * failed, poisoned or lost read of the next fetch or of the descriptors beyond it does, a reset with them
 * in flight.
 */
#include <string.h>

#include "hand_ring.h"
#include "link.h"

/* the nth-read faults below count two reads beyond the next fetch: on a ring of QN = 8 with P = 4 a third
 * would be more than a lap ahead, and is not read (ahead_k) */
_Static_assert(VDPU_TX_BEYOND_READS >= 2 && QN == 8, "two reads beyond the next fetch fit the ring");

/* P = 4, B = 4, M = 8 reads outstanding, TX fetch 4 */
static uint32_t param(void) { return 4u | 4u << 4 | 8u << 8 | 4u << VDPU_ENG_PARAM_TX_FETCH_LSB; }

/* eight frames of 200 bytes in two fetches of four, the engine on the packed ring or split IN_ORDER */
static void up(struct tctx *t, bool packed)
{
    engine_up(t, packed, param(), 1u << VDPU_ENGCTRL_IN_ORDER);
    hand_post(t, packed, QN, 200, QN);
}

#define BIG 1500u /* bytes per frame for the overlap: four take the link longer than a round trip */

/* the same eight frames BIG bytes long, 2 KiB apart, frame i's bytes all 0x40 + i */
static void up_big(struct tctx *t, bool packed)
{
    static uint8_t buf[BIG];
    up(t, packed);
    for (unsigned i = 0; i < QN; i++) {
        uint64_t a = BUFS + 2048ull * i;
        memset(buf, 0x40 + (int)i, sizeof buf);
        hm_w(t, a, buf, BIG);
        if (packed)
            desc_w(t, (uint16_t)i, a, BIG, (uint16_t)i, P_AVAIL);
        else
            desc_w(t, (uint16_t)i, a, BIG, 0, 0);
    }
}

/* What the link and the wire saw: payload reads before the first used write, and when each frame's
 * last beat left */
struct seen {
    struct t_tap tap;
    bool used;
    unsigned pay_before_used, frames;
    uint64_t last_beat[QN];
};

static void on_txn(void *ctx, const vdpu_txn_t *x)
{
    struct seen *s = ctx;
    if (x->chan == VDPU_CH_DMAREQ && x->u.dmareq.purpose == VDPU_PURP_USED) s->used = true;
    if (x->chan == VDPU_CH_DMAREQ && x->u.dmareq.purpose == VDPU_PURP_PAYLOAD_RD && !s->used) s->pay_before_used++;
    if (x->chan == VDPU_CH_NTX && x->u.ntx.last && s->frames < QN) s->last_beat[s->frames++] = x->cycle;
}

/* The second fetch's payload reads (1,500-byte frames: three reads each) are requested before the first
 * used write (the first fetch's frames are still leaving when they go out; M = 8 reads in flight lets
 * 21 of the 24 out by then, 12 without the early read), and the second
 * fetch's first frame follows the first fetch's last a frame time later (~70 cycles: the link's
 * completions) - without the early read it came a round trip (200 cycles) and a frame time later. Each
 * frame leaves once, each payload is read once, two used writes (B = 4). */
static void overlaps(struct tctx *t, bool packed)
{
    struct seen s;
    memset(&s, 0, sizeof s);
    up_big(t, packed);
    t_tap_on(&s.tap, t, on_txn, &s);
    kick(t);
    t_tap_off(&s.tap);
    cr_assert_eq(s.frames, QN);
    cr_assert(s.pay_before_used > 3 * 4, "payload reads before the first used write: %u", s.pay_before_used);
    uint64_t gap = s.last_beat[4] - s.last_beat[3];
    cr_assert(gap < 100, "frame 4 left %llu cycles after frame 3", (unsigned long long)gap);
    cr_assert_eq(t->b->net.tx_frames, QN);
    cr_assert_eq(reqs(t, VDPU_PURP_PAYLOAD_RD), 3 * QN, "each payload read once");
    cr_assert_eq(reqs(t, VDPU_PURP_USED), 2, "one used write per batch");
    cr_assert_eq(csr_rd(t, VDPU_CSR_QERR), 0);
    cr_assert_eq(csr_rd(t, VDPU_CSR_ENG_STATUS) & VDPU_ENG_STATUS_IDLE, VDPU_ENG_STATUS_IDLE);
}
ENGINE_TEST(tx_next_fetch, packed_the_next_fetch_is_read_while_the_first_leaves, .timeout = 60) { overlaps(T, true); }
ENGINE_TEST(tx_next_fetch, split_the_next_fetch_is_read_while_the_first_leaves, .timeout = 60) { overlaps(T, false); }

/*
 * A read of the next fetch gets `fault` (packed: the 9th read - descriptors, the read ahead, the two
 * reads beyond the next fetch, four payloads, then the next fetch's first; split: avail idx, the first
 * ring entry, descriptors, the read ahead, four payloads, then it, the 9th - nothing is offered beyond
 * the eight). The first fetch is not touched: its four frames leave and are used. The next fetch fails
 * where its PAY phase takes it over, as a fetch whose own read failed: none of its frames leaves, none is
 * used, the queue stops (CA, poison: QERR_DMA; a lost completion: QERR_TIMEOUT).
 */
static void failed(struct tctx *t, bool packed, const char *fault, uint32_t code)
{
    t_faults_from_here(t, fault);
    up(t, packed);
    csr_wr(t, VDPU_CSR_CPL_TIMEOUT, 2000); /* the lost completion fails within kick()'s 8,000 cycles */
    kick(t);
    cr_assert_eq(t->b->link.nfired, 1);
    cr_assert_eq(t->b->link.fired[0].purpose, VDPU_PURP_PAYLOAD_RD, "the fault hit a payload read");
    cr_assert_eq(t->b->link.fired[0].addr, BUFS + 0x400, "... frame 4's: the next fetch's first");
    cr_assert_eq(t->b->net.tx_frames, 4, "%llu frames", (unsigned long long)t->b->net.tx_frames);
    cr_assert_eq(reqs(t, VDPU_PURP_USED), 1, "the first fetch used, the next not");
    cr_assert_eq(csr_rd(t, VDPU_CSR_QERR), 1u << Q_TX);
    cr_assert_eq(hand_err_code(t), code, "ERR_INFO code %u", hand_err_code(t));
    cr_assert_eq(csr_rd(t, VDPU_CSR_ENG_STATUS) & VDPU_ENG_STATUS_IDLE, VDPU_ENG_STATUS_IDLE);
}
ENGINE_TEST(tx_next_fetch, packed_a_failed_read_fails_the_next_fetch, .timeout = 60)
{
    failed(T, true, "ca@9", VDPU_QERR_DMA);
}
ENGINE_TEST(tx_next_fetch, packed_a_poisoned_read_fails_the_next_fetch, .timeout = 60)
{
    failed(T, true, "poison@9", VDPU_QERR_DMA);
}
ENGINE_TEST(tx_next_fetch, packed_a_lost_read_times_out_in_the_next_fetch, .timeout = 60)
{
    failed(T, true, "drop@9", VDPU_QERR_TIMEOUT);
}
ENGINE_TEST(tx_next_fetch, split_a_failed_read_fails_the_next_fetch, .timeout = 60)
{
    failed(T, false, "ca@9", VDPU_QERR_DMA);
}

/*
 * The service leaves with the next fetch read early and failed (a read of its payload, or the read beyond
 * it): a quiesce (a suspend, a reset's drain) as the faulted read goes out lets the first fetch finish -
 * its four frames leave and are used - and the service leave before a PAY phase takes the next fetch over. The failure is reported all
 * the same: IDLE, the next fetch's reads in, stops the queue with QERR_DMA before any pick; nothing more
 * leaves once the quiesce ends (until 2026-12-06 the failure went with the reads: no violation, and the
 * next fetch was read afresh after the quiesce).
 */
static void left_failed(struct tctx *t, bool packed, const char *fault, uint8_t purpose, uint64_t addr)
{
    t_faults_from_here(t, fault);
    up(t, packed);
    bar_wr(t, VDPU_BAR_NOTIFY_OFF + Q_TX * VDPU_NOTIFY_MULT, 2, Q_TX);
    for (unsigned i = 0; i < 8000 && !t->b->link.nfired; i++) run_cycles(t, 1);
    cr_assert_eq(t->b->link.nfired, 1, "the fault hit");
    cr_assert_eq(t->b->link.fired[0].purpose, purpose, "the fault hit a read of purpose %u", t->b->link.fired[0].purpose);
    cr_assert_eq(t->b->link.fired[0].addr, addr, "... at %#llx", (unsigned long long)t->b->link.fired[0].addr);
    csr_wr(t, VDPU_CSR_DP_CTRL, VDPU_DP_CTRL_QUIESCE);
    run_cycles(t, 8000);
    cr_assert_eq(t->b->net.tx_frames, 4, "%llu frames", (unsigned long long)t->b->net.tx_frames);
    cr_assert_eq(reqs(t, VDPU_PURP_USED), 1, "the first fetch used, the next not");
    cr_assert_eq(csr_rd(t, VDPU_CSR_QERR), 1u << Q_TX, "the failure of the next fetch left behind reported");
    cr_assert_eq(hand_err_code(t), VDPU_QERR_DMA, "ERR_INFO code %u", hand_err_code(t));
    csr_wr(t, VDPU_CSR_DP_CTRL, 0);
    kick(t);
    cr_assert_eq(t->b->net.tx_frames, 4, "nothing more leaves: %llu frames", (unsigned long long)t->b->net.tx_frames);
    cr_assert_eq(csr_rd(t, VDPU_CSR_ENG_STATUS) & VDPU_ENG_STATUS_IDLE, VDPU_ENG_STATUS_IDLE);
}
ENGINE_TEST(tx_next_fetch, packed_a_failed_next_fetch_the_service_leaves_is_reported, .timeout = 60)
{
    left_failed(T, true, "poison@9", VDPU_PURP_PAYLOAD_RD, BUFS + 0x400); /* frame 4's: the next fetch's first */
}
ENGINE_TEST(tx_next_fetch, split_a_failed_next_fetch_the_service_leaves_is_reported, .timeout = 60)
{
    left_failed(T, false, "ca@9", VDPU_PURP_PAYLOAD_RD, BUFS + 0x400);
}
/* the read beyond the next fetch (packed, the 3rd: slot 0 of the next lap) left behind the same way */
ENGINE_TEST(tx_next_fetch, packed_a_failed_read_beyond_the_service_leaves_is_reported, .timeout = 60)
{
    left_failed(T, true, "ca@3", VDPU_PURP_DESC, RING_DESC);
}

/* Packed: the read beyond the next fetch (the 3rd: descriptors, the read ahead, then it - issued while
 * the read ahead is on the way, before the payload, since 2026-12-07) fails. It is the next fetch's read ahead, so the next fetch fails with it, as a fetch whose read ahead
 * failed: the first fetch's four frames leave and are used, none of the next fetch's (their payload came
 * in after it) leaves, QERR_DMA. */
static void failed_beyond(struct tctx *t, const char *fault)
{
    t_faults_from_here(t, fault);
    up(t, true);
    kick(t);
    cr_assert_eq(t->b->link.nfired, 1);
    cr_assert_eq(t->b->link.fired[0].purpose, VDPU_PURP_DESC, "the fault hit a descriptor read");
    cr_assert_eq(t->b->link.fired[0].addr, RING_DESC, "... the one beyond the next fetch: slot 0 of the next lap");
    cr_assert_eq(t->b->net.tx_frames, 4, "%llu frames", (unsigned long long)t->b->net.tx_frames);
    cr_assert_eq(reqs(t, VDPU_PURP_USED), 1);
    cr_assert_eq(csr_rd(t, VDPU_CSR_QERR), 1u << Q_TX);
    cr_assert_eq(hand_err_code(t), VDPU_QERR_DMA);
}
ENGINE_TEST(tx_next_fetch, packed_a_failed_read_beyond_fails_the_next_fetch, .timeout = 60) { failed_beyond(T, "ca@3"); }
ENGINE_TEST(tx_next_fetch, packed_a_poisoned_read_beyond_fails_the_next_fetch, .timeout = 60)
{
    failed_beyond(T, "poison@3");
}
/* its last beat poisoned, the earlier ones good: the right length, still failed */
ENGINE_TEST(tx_next_fetch, packed_a_read_beyond_poisoned_at_its_last_beat_fails_the_next_fetch, .timeout = 60)
{
    failed_beyond(T, "poison-last@3");
}

/* A DEV_RESET while the next fetch's reads are in flight (1,500-byte frames, three reads each: the 13th
 * payload read issued - the next fetch's first, its frame 512 bytes requested - the first fetch's frames
 * still leaving): they are forgotten with the engine's own - the engine idle at once, no further frame,
 * nothing used; their completions come back unexpected and change nothing. The queue set up again
 * afterwards runs both fetches as before, each frame read from its first byte: 24 reads once more. */
static void reset_in_flight(struct tctx *t, bool packed)
{
    up_big(t, packed);
    cr_assert_eq(kick_to_payload_read(t, 13), 13, "the next fetch's first read issued");
    uint64_t sent = t->b->net.tx_frames;
    cr_assert(sent < 4, "the first fetch still leaving: %llu frames", (unsigned long long)sent);
    csr_wr(t, VDPU_CSR_DEV_RESET, 1);
    run_cycles(t, 4000);
    cr_assert(csr_rd(t, VDPU_CSR_ENG_STATUS) & VDPU_ENG_STATUS_IDLE, "the engine is idle");
    cr_assert_leq(t->b->net.tx_frames, 4, "no frame of the next fetch left");
    cr_assert_eq(reqs(t, VDPU_PURP_USED), 0);
    uint64_t frames0 = t->b->net.tx_frames, pay0 = reqs(t, VDPU_PURP_PAYLOAD_RD);
    up_big(t, packed);
    kick(t);
    cr_assert_eq(t->b->net.tx_frames - frames0, QN, "after the reset: %llu frames",
                 (unsigned long long)(t->b->net.tx_frames - frames0));
    cr_assert_eq(t->b->net.tx_bytes, (frames0 + QN) * (BIG - VDPU_NET_HDR_BYTES), "whole frames");
    cr_assert_eq(reqs(t, VDPU_PURP_PAYLOAD_RD) - pay0, 3 * QN, "each frame read from its first byte");
    cr_assert_eq(reqs(t, VDPU_PURP_USED), 2);
    cr_assert_eq(csr_rd(t, VDPU_CSR_QERR), 0);
}
ENGINE_TEST(tx_next_fetch, packed_a_reset_forgets_the_next_fetch, .timeout = 60) { reset_in_flight(T, true); }
ENGINE_TEST(tx_next_fetch, split_a_reset_forgets_the_next_fetch, .timeout = 60) { reset_in_flight(T, false); }

/* ---- the read beyond, issued before the next fetch is known ---------------------------------------- */

/* Each frame's first byte on the wire, in the order the frames left */
struct firsts {
    struct t_tap tap;
    uint8_t first[QN];
    unsigned n;
    bool start;
};

static void on_first(void *ctx, const vdpu_txn_t *x)
{
    struct firsts *w = ctx;
    if (x->chan != VDPU_CH_NTX) return;
    if (w->start && w->n < QN) w->first[w->n++] = x->u.ntx.data[0];
    w->start = x->u.ntx.last;
}

/*
 * Packed, P = B = K = 2: the first fetch (slots 0, 1) reads slots 2-3 ahead and, while they are on the way,
 * slots 4-5 beyond them. Slot 3 starts a two-descriptor chain (3, 4), so the next fetch is slot 2 alone and
 * does not take every read-ahead descriptor: the read beyond still becomes the read ahead of slot 2's PAY
 * phase, is taken where the cache (slot 3) runs dry - mid-chain, slot 4 - and no fetch reads frames out of
 * it before then (slot 4 is a chain's tail that would pass a fetch's checks). Seven frames leave in ring
 * order with their own bytes: 0, 1, 2, the chain (its bytes from slot 3's byte 12), 5, 6, 7.
 */
ENGINE_TEST(tx_next_fetch, packed_a_read_beyond_the_next_fetch_does_not_take_waits_for_the_cache, .timeout = 60)
{
    static const uint8_t want[] = {0x40, 0x41, 0x42, 0x43, 0x45, 0x46, 0x47};
    struct firsts w = {.start = true};
    uint8_t buf[0x100];
    engine_up(T, true, 2u | 2u << 4 | 8u << 8 | 2u << VDPU_ENG_PARAM_TX_FETCH_LSB, 1u << VDPU_ENGCTRL_IN_ORDER);
    for (unsigned i = 0; i < QN; i++) {
        uint32_t len = i == 3 ? 40u : 72u;
        memset(buf, 0x40 + (int)i, sizeof buf);
        hm_w(T, BUFS + 0x100ull * i, buf, len);
        desc_w(T, (uint16_t)i, BUFS + 0x100ull * i, len, (uint16_t)(i == 3 ? 4 : i), P_AVAIL | (i == 3 ? 1u : 0u));
    }
    t_tap_on(&w.tap, T, on_first, &w);
    kick(T);
    t_tap_off(&w.tap);
    cr_assert_eq(T->b->net.tx_frames, 7, "%llu frames", (unsigned long long)T->b->net.tx_frames);
    cr_assert_eq(T->b->net.tx_bytes, 6 * 60 + (40 + 72 - VDPU_NET_HDR_BYTES), "%llu bytes",
                 (unsigned long long)T->b->net.tx_bytes);
    for (unsigned i = 0; i < 7; i++) cr_assert_eq(w.first[i], want[i], "frame %u begins %#x", i, w.first[i]);
    cr_assert_eq(reqs(T, VDPU_PURP_PAYLOAD_RD), QN, "each descriptor's bytes read once");
    cr_assert_eq(csr_rd(T, VDPU_CSR_QERR), 0);
}

/* test_tx_fetch_after_next.c - the TX fetch buffers after the second: the fetches after the next one read early (docs/queue-engine.md "The next fetch read early"). */
/*
 * Once the next fetch's payload reads are all issued, the next fetch takes the whole read ahead and the
 * read beyond it (xb[0]) is in, PAY also reads the payload of the fetch after it - the frames the read
 * beyond starts - into the third TX fetch buffer (model xn[1], RTL eng_q.xn[1]); and so on, up to
 * TX_FETCH_BUFS - 1 next fetches (xn[i] from the read beyond xb[i - 1]'s descriptors). On model, rtl and cosim,
 * hand-built rings of QN = 8 with P = B = K = 2 (four fetches of two a lap; M = 8): the overlap itself,
 * across the ring end (the wrap counter it counts with), what a failed, poisoned or lost read of it does,
 * a service leaving with it failed, a reset with it in flight.
 */
#include <string.h>

#include "hand_ring.h"

/* on the eight-entry ring the lap, not the buffers, bounds the fetches read early: three next ones (P = K = 2)
 * and the reads beyond a lap ahead at most (ahead_k) - so these counts stay as long as there are three */
_Static_assert(VDPU_TX_FETCH_BUFS >= 4 && VDPU_TX_BEYOND_READS >= 6,
               "the counts below are argued for three next fetches and six reads beyond at least");
/* payload reads before the first used write: every frame of the lap on the eight-entry ring (four fetches
 * of two: the fetch in PAY and three next ones; a fourth would start a lap ahead) */
#define PAY_BEFORE_USED 8u

/* P = 2, B = 2, M = 8 reads outstanding, TX fetch 2 */
static uint32_t param(void) { return 2u | 2u << 4 | 8u << 8 | 2u << VDPU_ENG_PARAM_TX_FETCH_LSB; }

#define LEN 200u /* bytes per frame (header + frame) */

static void up(struct tctx *t, bool packed)
{
    engine_up(t, packed, param(), 1u << VDPU_ENGCTRL_IN_ORDER);
    hand_post(t, packed, QN, LEN, QN);
}

/* What the link and the wire saw: the payload reads before the first used write (their addresses), and
 * each frame's first byte in the order the frames left */
struct seen {
    struct t_tap tap;
    bool used, start;
    unsigned pay_before_used, frames;
    uint64_t pay_addr[16];
    uint8_t first[2 * QN];
};

static void on_txn(void *ctx, const vdpu_txn_t *x)
{
    struct seen *s = ctx;
    if (x->chan == VDPU_CH_DMAREQ && x->u.dmareq.purpose == VDPU_PURP_USED) s->used = true;
    if (x->chan == VDPU_CH_DMAREQ && x->u.dmareq.purpose == VDPU_PURP_PAYLOAD_RD && !s->used && s->pay_before_used < 16)
        s->pay_addr[s->pay_before_used++] = x->u.dmareq.addr;
    if (x->chan == VDPU_CH_NTX) {
        if (s->start && s->frames < 2 * QN) s->first[s->frames++] = x->u.ntx.data[0];
        s->start = x->u.ntx.last;
    }
}

/*
 * Eight frames, four fetches of two: before the first used write (fetch 0's batch) the payload of fetch
 * 0 (frames 0, 1), of the next fetch (2, 3: the read ahead's) and of the fetches after it (4, 5 and 6, 7:
 * the reads beyond's) is requested - eight reads, in that order; with two TX fetch buffers it was four,
 * with three six. Every frame leaves once, in ring order, with its own bytes; each payload is read once;
 * one used write per batch.
 */
static void overlaps(struct tctx *t, bool packed)
{
    struct seen s = {.start = true};
    up(t, packed);
    t_tap_on(&s.tap, t, on_txn, &s);
    kick(t);
    t_tap_off(&s.tap);
    cr_assert_eq(s.pay_before_used, PAY_BEFORE_USED, "payload reads before the first used write: %u", s.pay_before_used);
    for (unsigned i = 0; i < PAY_BEFORE_USED; i++)
        cr_assert_eq(s.pay_addr[i], BUFS + 0x100ull * i, "read %u: %#llx", i, (unsigned long long)s.pay_addr[i]);
    cr_assert_eq(s.frames, QN);
    for (unsigned i = 0; i < QN; i++) cr_assert_eq(s.first[i], 0x40 + i, "frame %u begins %#x", i, s.first[i]);
    cr_assert_eq(t->b->net.tx_bytes, QN * (LEN - VDPU_NET_HDR_BYTES));
    cr_assert_eq(reqs(t, VDPU_PURP_PAYLOAD_RD), QN, "each payload read once");
    cr_assert_eq(reqs(t, VDPU_PURP_USED), QN / 2, "one used write per batch");
    cr_assert_eq(csr_rd(t, VDPU_CSR_QERR), 0);
    cr_assert_eq(csr_rd(t, VDPU_CSR_ENG_STATUS) & VDPU_ENG_STATUS_IDLE, VDPU_ENG_STATUS_IDLE);
}
ENGINE_TEST(tx_fetch_after_next, packed_is_read_while_the_first_fetch_leaves, .timeout = 60) { overlaps(T, true); }
ENGINE_TEST(tx_fetch_after_next, split_is_read_while_the_first_fetch_leaves, .timeout = 60) { overlaps(T, false); }

/*
 * Across the ring end: four frames (slots 0-3) served first; then eight more - slots 4-7 of the first lap
 * and 0-3 of the second (packed: available with wrap counter 0, AVAIL clear and USED set; split: avail idx
 * 12, descriptors in table order). The fetch of slots 4, 5 reads 6, 7 ahead and the fetch after the next
 * one starts at slot 0 of the second lap, counted with the flipped wrap counter: frames 8, 9 (slots 0, 1)
 * and 10, 11 (slots 2, 3: the fetch after that) are requested before the first used write of the second
 * kick. Twelve frames leave in order with their own bytes, each read once.
 */
static void across_the_ring_end(struct tctx *t, bool packed)
{
    uint8_t buf[0x100];
    struct seen s = {.start = true};
    engine_up(t, packed, param(), 1u << VDPU_ENGCTRL_IN_ORDER);
    hand_post(t, packed, 4, LEN, QN);
    kick(t);
    cr_assert_eq(t->b->net.tx_frames, 4);
    for (unsigned i = 4; i < 12; i++) { /* frame i: slot i % QN, bytes 0x40 + i at BUFS + 0x100 i */
        uint16_t slot = (uint16_t)(i % QN);
        uint64_t a = BUFS + 0x100ull * i;
        memset(buf, 0x40 + (int)i, sizeof buf);
        hm_w(t, a, buf, LEN);
        if (packed) {
            desc_w(t, slot, a, LEN, (uint16_t)i, i < QN ? P_AVAIL : 1u << 15);
        } else {
            desc_w(t, slot, a, LEN, 0, 0);
            hm_w16(t, RING_DRV + 4 + 2u * slot, slot);
        }
    }
    if (!packed) hm_w16(t, RING_DRV + 2, 12);
    t_tap_on(&s.tap, t, on_txn, &s);
    kick(t);
    t_tap_off(&s.tap);
    cr_assert_eq(s.pay_before_used, PAY_BEFORE_USED, "payload reads before the first used write: %u", s.pay_before_used);
    for (unsigned i = 0; i < PAY_BEFORE_USED; i++)
        cr_assert_eq(s.pay_addr[i], BUFS + 0x100ull * (4 + i), "read %u: %#llx", i, (unsigned long long)s.pay_addr[i]);
    cr_assert_eq(s.frames, 8);
    for (unsigned i = 0; i < 8; i++) cr_assert_eq(s.first[i], 0x44 + i, "frame %u begins %#x", 4 + i, s.first[i]);
    cr_assert_eq(t->b->net.tx_frames, 12);
    cr_assert_eq(reqs(t, VDPU_PURP_PAYLOAD_RD), 12, "each payload read once");
    cr_assert_eq(csr_rd(t, VDPU_CSR_QERR), 0);
}
ENGINE_TEST(tx_fetch_after_next, packed_across_the_ring_end, .timeout = 60) { across_the_ring_end(T, true); }
ENGINE_TEST(tx_fetch_after_next, split_across_the_ring_end, .timeout = 60) { across_the_ring_end(T, false); }

/*
 * A read of the fetch after the next one (frame 4's, the 13th read on packed - the first descriptors, the
 * read ahead, six reads beyond it (stale ones of the next lap among them), fetch 0's two payloads, the next
 * fetch's two, then it; the 11th on split - avail
 * idx, the first ring entry, the descriptors, the read ahead, two reads beyond (nothing is offered after
 * the eight), the four payloads, then it) gets `fault`. Fetch 0 and the next fetch are not touched: frames
 * 0-3 leave and are used. The fetch after fails where its PAY phase takes it over, as a fetch whose own
 * read failed: none of its frames leaves, nothing more is used, the queue stops (CA, poison: QERR_DMA; a
 * lost completion: QERR_TIMEOUT). The read goes out before fetch 0's used write: with two TX fetch buffers
 * frame 4 was read as the next fetch of fetch 1's PAY phase, after it.
 */
static void failed(struct tctx *t, bool packed, const char *fault, uint32_t code)
{
    t_faults_from_here(t, fault);
    up(t, packed);
    csr_wr(t, VDPU_CSR_CPL_TIMEOUT, 2000); /* the lost completion fails within the 8,000 cycles below */
    bar_wr(t, VDPU_BAR_NOTIFY_OFF + Q_TX * VDPU_NOTIFY_MULT, 2, Q_TX);
    for (unsigned i = 0; i < 8000 && !t->b->link.nfired; i++) run_cycles(t, 1);
    cr_assert_eq(reqs(t, VDPU_PURP_USED), 0, "the fault hit during fetch 0's PAY phase"); /* not the next's */
    run_cycles(t, 8000);
    cr_assert_eq(t->b->link.nfired, 1);
    cr_assert_eq(t->b->link.fired[0].purpose, VDPU_PURP_PAYLOAD_RD, "the fault hit a payload read");
    cr_assert_eq(t->b->link.fired[0].addr, BUFS + 0x400, "... frame 4's: the fetch after the next one's first");
    cr_assert_eq(t->b->net.tx_frames, 4, "%llu frames", (unsigned long long)t->b->net.tx_frames);
    cr_assert_eq(reqs(t, VDPU_PURP_USED), 2, "fetch 0 and the next used, the one after not");
    cr_assert_eq(csr_rd(t, VDPU_CSR_QERR), 1u << Q_TX);
    cr_assert_eq(hand_err_code(t), code, "ERR_INFO code %u", hand_err_code(t));
    cr_assert_eq(csr_rd(t, VDPU_CSR_ENG_STATUS) & VDPU_ENG_STATUS_IDLE, VDPU_ENG_STATUS_IDLE);
}
ENGINE_TEST(tx_fetch_after_next, packed_a_failed_read_fails_it, .timeout = 60) { failed(T, true, "ca@13", VDPU_QERR_DMA); }
ENGINE_TEST(tx_fetch_after_next, packed_a_poisoned_read_fails_it, .timeout = 60)
{
    failed(T, true, "poison@13", VDPU_QERR_DMA);
}
ENGINE_TEST(tx_fetch_after_next, packed_a_lost_read_times_out_in_it, .timeout = 60)
{
    failed(T, true, "drop@13", VDPU_QERR_TIMEOUT);
}
ENGINE_TEST(tx_fetch_after_next, split_a_failed_read_fails_it, .timeout = 60) { failed(T, false, "ca@11", VDPU_QERR_DMA); }

/*
 * The service leaves with the fetch after the next one failed: a quiesce as the faulted read goes out
 * (during fetch 0's PAY phase) lets fetch 0 finish - frames 0, 1 leave and are used - and the service
 * leave before a PAY phase takes the next fetch over. The failure is reported all the same: IDLE, the
 * reads in, stops the queue with QERR_DMA before any pick; nothing more leaves once the quiesce ends.
 */
static void left_failed(struct tctx *t, bool packed)
{
    t_faults_from_here(t, packed ? "poison@13" : "poison@11"); /* frame 4's read (above) */
    up(t, packed);
    bar_wr(t, VDPU_BAR_NOTIFY_OFF + Q_TX * VDPU_NOTIFY_MULT, 2, Q_TX);
    for (unsigned i = 0; i < 8000 && !t->b->link.nfired; i++) run_cycles(t, 1);
    cr_assert_eq(t->b->link.nfired, 1, "the fault hit");
    cr_assert_eq(t->b->link.fired[0].addr, BUFS + 0x400, "... frame 4's read");
    csr_wr(t, VDPU_CSR_DP_CTRL, VDPU_DP_CTRL_QUIESCE);
    run_cycles(t, 8000);
    cr_assert_eq(t->b->net.tx_frames, 2, "%llu frames", (unsigned long long)t->b->net.tx_frames);
    cr_assert_eq(reqs(t, VDPU_PURP_USED), 1, "fetch 0 used, nothing after it");
    cr_assert_eq(csr_rd(t, VDPU_CSR_QERR), 1u << Q_TX, "the failure left behind reported");
    cr_assert_eq(hand_err_code(t), VDPU_QERR_DMA, "ERR_INFO code %u", hand_err_code(t));
    csr_wr(t, VDPU_CSR_DP_CTRL, 0);
    kick(t);
    cr_assert_eq(t->b->net.tx_frames, 2, "nothing more leaves: %llu frames", (unsigned long long)t->b->net.tx_frames);
    cr_assert_eq(csr_rd(t, VDPU_CSR_ENG_STATUS) & VDPU_ENG_STATUS_IDLE, VDPU_ENG_STATUS_IDLE);
}
ENGINE_TEST(tx_fetch_after_next, packed_failed_and_the_service_leaves_is_reported, .timeout = 60) { left_failed(T, true); }
ENGINE_TEST(tx_fetch_after_next, split_failed_and_the_service_leaves_is_reported, .timeout = 60) { left_failed(T, false); }

/*
 * A DEV_RESET right after the fetch after the next one's first read is issued (the 5th payload read,
 * frame 4's; frames 0, 1 not out yet): its reads are forgotten with the rest - the engine idle, nothing
 * used; their completions come back unexpected and change nothing. The queue set up again afterwards
 * sends all eight frames, each read from its first byte once more.
 */
static void reset_in_flight(struct tctx *t, bool packed)
{
    up(t, packed);
    cr_assert_eq(kick_to_payload_read(t, 5), 5, "frame 4's read issued");
    cr_assert(t->b->net.tx_frames < 2, "fetch 0 still leaving: %llu frames", (unsigned long long)t->b->net.tx_frames);
    csr_wr(t, VDPU_CSR_DEV_RESET, 1);
    run_cycles(t, 4000);
    cr_assert(csr_rd(t, VDPU_CSR_ENG_STATUS) & VDPU_ENG_STATUS_IDLE, "the engine is idle");
    cr_assert_leq(t->b->net.tx_frames, 2, "no frame after fetch 0 left");
    cr_assert_eq(reqs(t, VDPU_PURP_USED), 0);
    uint64_t frames0 = t->b->net.tx_frames, pay0 = reqs(t, VDPU_PURP_PAYLOAD_RD);
    up(t, packed);
    kick(t);
    cr_assert_eq(t->b->net.tx_frames - frames0, QN, "after the reset: %llu frames",
                 (unsigned long long)(t->b->net.tx_frames - frames0));
    cr_assert_eq(t->b->net.tx_bytes, (frames0 + QN) * (LEN - VDPU_NET_HDR_BYTES), "whole frames");
    cr_assert_eq(reqs(t, VDPU_PURP_PAYLOAD_RD) - pay0, QN, "each frame read from its first byte");
    cr_assert_eq(reqs(t, VDPU_PURP_USED), QN / 2);
    cr_assert_eq(csr_rd(t, VDPU_CSR_QERR), 0);
}
ENGINE_TEST(tx_fetch_after_next, packed_a_reset_forgets_it, .timeout = 60) { reset_in_flight(T, true); }
ENGINE_TEST(tx_fetch_after_next, split_a_reset_forgets_it, .timeout = 60) { reset_in_flight(T, false); }

/*
 * Every TX fetch buffer in use, with the real firmware and driver: packed, P = B = K = 2, M = 32, 64-byte
 * frames at a round trip of 1,000 cycles on a 256-entry ring. The fetch in PAY and its TX_FETCH_BUFS - 1
 * next fetches hold two frames each, so the payload reads in flight reach 2 x TX_FETCH_BUFS at the peak
 * (twenty; ten with five buffers, six with three) and never more, M being larger. Every frame checked
 * (t_traffic).
 */
static void k2(struct vdpu_opts *o)
{
    o->prefetch = o->used_batch = o->tx_fetch = 2;
    o->max_reads = 32;
}
_Static_assert(2 * VDPU_TX_FETCH_BUFS < 32, "M is not the bound");

ENGINE_TEST_OPTS(tx_fetch_after_next, every_buffer_holds_a_fetch, k2, .timeout = 120)
{
    static struct t_reads_in_flight f;
    struct drv_params p;
    drv_params_default(&p);
    p.ring = DRV_RING_PACKED;
    struct net_params np = {NET_TX, 200, 64, 3, 50000 + 200 * 20000};
    T->b->link.p.rtt = 1000;
    t_reads_in_flight_on(&f, T, VDPU_PURP_PAYLOAD_RD);
    struct traffic_result r = t_traffic(T, &p, &np);
    t_tap_off(&f.tap);
    cr_assert_eq(r.packets, 200);
    cr_assert_eq(f.max, 2 * VDPU_TX_FETCH_BUFS, "%u payload reads in flight at most", f.max);
    cr_assert_eq(f.n, 0, "every payload read completed");
}

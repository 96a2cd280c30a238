/* test_fairness.c - the scheduler's fairness rule (docs/queue-engine.md, "Fairness") on model, rtl and
 * cosim, the test playing the firmware: a busy transmitq holds the engine for at most P buffers when a
 * received frame or another transmitq waits, transmitqs take turns (round robin), a service leaves
 * only with its cache empty (no ring entry or descriptor is read twice), and a receive service leaves
 * a waiting transmitq the engine after each written batch, though frames keep waiting. */
#include <string.h>

#include "hand_ring.h"

#define NB 8u               /* buffers made available on each transmitq (the whole ring, QN) */
#define Q3_DESC 0x14000ull  /* transmitq 1 (queue 3): its rings */
#define Q3_DRV  0x15000ull
#define Q3_DEV  0x16000ull
#define RX_DESC 0x17000ull  /* receiveq 0: its rings and its one buffer */
#define RX_DRV  0x18000ull
#define RX_DEV  0x19000ull
#define RX_BUF  0x30000ull
#define RX_LEN  2048u
#define P_AVAIL (1u << 7)

struct fair {
    struct t_tap tap;
    unsigned rx_writes;    /* receive payload write requests so far */
    unsigned rx_before_tx; /* ... when a transmit used write first followed one (0: none did yet) */
    uint8_t used_q[64]; /* the queue of each used write (split USED / packed USED), in order */
    unsigned nused;
    uint64_t rx_arrived; /* the cycle the received frame's last beat entered the device (0: not yet) */
    unsigned used_before_rx; /* transmit used writes between the frame's arrival and its payload write */
    bool rx_written;
};

static void on_txn(void *ctx, const vdpu_txn_t *x)
{
    struct fair *f = ctx;
    if (x->chan == VDPU_CH_NRX && x->u.nrx.last && !f->rx_arrived) f->rx_arrived = x->cycle;
    if (x->chan == VDPU_CH_DMAREQ && x->u.dmareq.type) {
        const vdpu_dmareq_t *r = &x->u.dmareq;
        if (r->purpose == VDPU_PURP_PAYLOAD_WR) {
            f->rx_written = true;
            f->rx_writes += r->last; /* a request's last beat */
        }
        if (r->purpose == VDPU_PURP_USED && r->queue != 0 && f->rx_writes && !f->rx_before_tx)
            f->rx_before_tx = f->rx_writes;
        if (r->purpose == VDPU_PURP_USED && r->queue != 0 && f->nused < sizeof f->used_q) {
            f->used_q[f->nused++] = (uint8_t)r->queue;
            if (f->rx_arrived && !f->rx_written) f->used_before_rx++;
        }
    }
}

static void watch(struct fair *f, struct tctx *t)
{
    memset(f, 0, sizeof *f);
    t_tap_on(&f->tap, t, on_txn, f);
}

static void unwatch(struct fair *f) { t_tap_off(&f->tap); }

static uint32_t param(unsigned p) { return p | 1u << 4 | 1u << 8; } /* P, B = 1, one read outstanding */

/* queue q of QN entries on zeroed rings at desc/drv/dev */
static void queue_up(struct tctx *t, bool packed, unsigned q, uint64_t desc, uint64_t drv, uint64_t dev)
{
    static const uint8_t zero[0x1000];
    hm_w(t, desc, zero, sizeof zero);
    hm_w(t, drv, zero, sizeof zero);
    hm_w(t, dev, zero, sizeof zero);
    queue_at(t, packed, q, desc, drv, dev);
}

/* n buffers of len bytes made available on the queue at desc/drv (rx: device-writable), from slot 0 */
static void post(struct tctx *t, bool packed, uint64_t desc, uint64_t drv, uint64_t buf, uint32_t len, unsigned n,
                 bool rx)
{
    uint16_t wr = rx ? 2u : 0u;
    for (unsigned i = 0; i < n; i++) {
        uint64_t a = buf + 0x100ull * i;
        if (packed) {
            desc_w_at(t, desc, (uint16_t)i, a, len, (uint16_t)i, (uint16_t)(wr | P_AVAIL));
        } else {
            desc_w_at(t, desc, (uint16_t)i, a, len, wr, 0);
            hm_w16(t, drv + 4 + 2u * i, (uint16_t)i);
        }
    }
    if (!packed) hm_w16(t, drv + 2, (uint16_t)n);
}

static void doorbell(struct tctx *t, unsigned q) { bar_wr(t, VDPU_BAR_NOTIFY_OFF + q * VDPU_NOTIFY_MULT, 2, q); }

static uint64_t ring_reads(struct tctx *t, unsigned q, bool packed)
{
    return t->b->link.st.by[q][packed ? VDPU_PURP_DESC : VDPU_PURP_AVAIL_RING].requests;
}

/* NB buffers at P per read; packed reads the slot after them once more and finds it not available */
static uint64_t ring_reads_once(bool packed, unsigned p) { return NB / p + (packed ? 1u : 0u); }

/* the longest run of used writes of one queue while the other transmitq still had buffers to use */
static unsigned longest_contended_run(const struct fair *f)
{
    unsigned done[VDPU_NUM_QUEUES] = {0}, run = 0, best = 0;
    uint8_t prev = 0xFF;
    for (unsigned i = 0; i < f->nused; i++) {
        uint8_t q = f->used_q[i], other = q == 1 ? 3 : 1;
        done[q]++;
        run = q == prev ? run + 1 : 1;
        prev = q;
        if (done[other] < NB && run > best) best = run;
    }
    return best;
}

/* Two transmitqs with a full ring each, both kicked: they take turns, P buffers at a time. */
static void two_transmitqs(struct tctx *t, bool packed, unsigned p)
{
    struct fair f;
    engine_up(t, packed, param(p), 0);
    queue_up(t, packed, 3, Q3_DESC, Q3_DRV, Q3_DEV);
    post(t, packed, RING_DESC, RING_DRV, BUFS, BUF_LEN, NB, false);
    post(t, packed, Q3_DESC, Q3_DRV, BUFS + 0x1000, BUF_LEN, NB, false);
    watch(&f, t);
    doorbell(t, 3);
    doorbell(t, Q_TX);
    run_cycles(t, 60000);
    unwatch(&f);
    cr_assert_eq(f.nused, 2 * NB, "%u used writes, expected %u", f.nused, 2 * NB);
    cr_assert_eq(t->b->net.tx_frames, 2 * NB, "frames on the wire");
    unsigned run = longest_contended_run(&f);
    cr_assert_eq(run, p, "P = %u: a transmitq kept the engine for %u buffers while the other waited", p, run);
    /* a service leaves with its cache empty: every ring entry (split) / descriptor (packed) read once */
    for (unsigned q = 1; q <= 3; q += 2)
        cr_assert_eq(ring_reads(t, q, packed), ring_reads_once(packed, p), "queue %u: %llu ring reads, expected %llu",
                     q, (unsigned long long)ring_reads(t, q, packed), (unsigned long long)ring_reads_once(packed, p));
}

/* A transmitq with a full ring is served when a frame arrives: the frame waits for at most P buffers. */
static void frame_during_transmit(struct tctx *t, bool packed, unsigned p)
{
    struct fair f;
    engine_up(t, packed, param(p), 0);
    csr_wr(t, VDPU_CSR_RXF_CTRL, VDPU_RXF_CTRL_ALL);
    queue_up(t, packed, 0, RX_DESC, RX_DRV, RX_DEV);
    cr_assert(link_grant(&t->b->link, RX_BUF, RX_LEN));
    post(t, packed, RX_DESC, RX_DRV, RX_BUF, RX_LEN, 1, true);
    post(t, packed, RING_DESC, RING_DRV, BUFS, BUF_LEN, NB, false);
    watch(&f, t);
    doorbell(t, Q_TX);
    for (unsigned i = 0; i < 400 && t->b->link.st.by[Q_TX][VDPU_PURP_USED].requests == 0; i++) run_cycles(t, 50);
    cr_assert_eq(t->b->link.st.by[Q_TX][VDPU_PURP_USED].requests, 1, "the first transmit buffer used");
    uint8_t fr[64];
    memset(fr, 0x5a, sizeof fr);
    cr_assert(netport_inject(&t->b->net, fr, sizeof fr));
    run_cycles(t, 60000);
    unwatch(&f);
    cr_assert(f.rx_arrived && f.rx_written, "the frame arrived (%llu) and was written (%d)",
              (unsigned long long)f.rx_arrived, f.rx_written);
    cr_assert_lt(f.used_before_rx, p + 1, "P = %u: the frame waited behind %u transmit buffers", p, f.used_before_rx);
    cr_assert_eq(f.nused, NB, "every transmit buffer used after it");
    cr_assert_eq(t->b->link.st.by[0][VDPU_PURP_PAYLOAD_WR].requests, 1, "one payload write");
    cr_assert_eq(ring_reads(t, Q_TX, packed), ring_reads_once(packed, p), "transmit ring entries read once: %llu reads",
                 (unsigned long long)ring_reads(t, Q_TX, packed));
}

ENGINE_TEST(fairness, split_two_transmitqs_take_turns, .timeout = 60) { two_transmitqs(T, false, 1); }
ENGINE_TEST(fairness, packed_two_transmitqs_take_turns_p4, .timeout = 60) { two_transmitqs(T, true, 4); }
ENGINE_TEST(fairness, split_two_transmitqs_take_turns_p4, .timeout = 60) { two_transmitqs(T, false, 4); }
ENGINE_TEST(fairness, split_frame_waits_one_transmit_buffer, .timeout = 60) { frame_during_transmit(T, false, 1); }
ENGINE_TEST(fairness, packed_frame_waits_at_most_p_buffers, .timeout = 60) { frame_during_transmit(T, true, 4); }

/* QN 64-byte frames arrive back to back while a transmitq with a full ring is kicked (P = B = 4). A frame
 * waits in an RX frame buffer whenever the receive service writes its batch (two buffers), so the
 * scheduler would pick receive again and again: after each written batch the receive service leaves
 * the engine to the waiting transmitq instead (rx_pass). The first transmit used write after the first
 * frame was written comes after B = 4 frames, not after all QN. */
static void receive_leaves_to_transmit(struct tctx *t, bool packed)
{
    struct fair f;
    engine_up(t, packed, 4u | 4u << 4 | 1u << 8, 0);
    csr_wr(t, VDPU_CSR_RXF_CTRL, VDPU_RXF_CTRL_ALL);
    queue_up(t, packed, 0, RX_DESC, RX_DRV, RX_DEV);
    cr_assert(link_grant(&t->b->link, RX_BUF, 0x100 * QN));
    post(t, packed, RX_DESC, RX_DRV, RX_BUF, 0x100, QN, true);
    post(t, packed, RING_DESC, RING_DRV, BUFS, BUF_LEN, NB, false);
    watch(&f, t);
    uint8_t fr[64];
    memset(fr, 0x5a, sizeof fr);
    for (unsigned i = 0; i < QN; i++) cr_assert(netport_inject(&t->b->net, fr, sizeof fr));
    doorbell(t, Q_TX);
    run_cycles(t, 60000);
    unwatch(&f);
    cr_assert_eq(f.rx_writes, QN, "every frame written: %u", f.rx_writes);
    cr_assert_eq(t->b->net.tx_frames, NB, "every transmit buffer sent");
    cr_assert_eq(f.rx_before_tx, 4, "the transmitq waited behind %u received frames (B = 4)", f.rx_before_tx);
}
ENGINE_TEST(fairness, split_receive_leaves_each_batch_to_a_transmitq, .timeout = 60)
{
    receive_leaves_to_transmit(T, false);
}
ENGINE_TEST(fairness, packed_receive_leaves_each_batch_to_a_transmitq, .timeout = 60)
{
    receive_leaves_to_transmit(T, true);
}

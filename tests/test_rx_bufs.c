/* test_rx_bufs.c - the two RX frame buffers (docs/queue-engine.md "Network port"): a frame arrives while the one before it is written. */
/*
 * The device takes a frame from the wire into one RX frame buffer while the engine writes the frame
 * before it (in the other) to the host; frames are served in arrival order; the wire is held only when
 * both buffers hold a complete frame; nrx_frames says how many frames the buffers hold (what a
 * migrating host drains). On model, rtl and cosim, with the real firmware and hand-posted receive
 * buffers of the in-house driver (hand_queue.h).
 */
#include <string.h>

#include "hand_queue.h"
#include "harness.h"

#define VQSIZE 16
#define NFRAMES 6
#define FLEN 1514
#define BUF_LEN 1600

#define RXBUF_TEST(name, ...) ENGINE_TEST_PARAMS(rx_bufs, name, 8, 8, ##__VA_ARGS__)


/* Per frame k (in buffer k): the cycles of its first and last payload write beat; the cycles of the
 * nrx beats the device took. */
struct rx_watch {
    struct t_tap tap;
    const struct hctx *h;
    uint64_t wr_first[NFRAMES], wr_last[NFRAMES];
    bool wr_seen[NFRAMES];
    uint64_t nrx[NFRAMES * 48 + 16];
    unsigned n_nrx;
};

static void on_txn(void *ctx, const vdpu_txn_t *x)
{
    struct rx_watch *w = ctx;
    if (x->chan == VDPU_CH_NRX && w->n_nrx < sizeof w->nrx / sizeof w->nrx[0]) w->nrx[w->n_nrx++] = x->cycle;
    h_note_write(w->h, x, BUF_LEN, NFRAMES, w->wr_first, w->wr_last, w->wr_seen);
}

/* every frame in its buffer, in order, whole (header num_buffers 1, used length 12 + FLEN) */
static void delivered(struct hctx *h, uint8_t f[NFRAMES][FLEN])
{
    struct tctx *t = h->t;
    cr_assert_eq(t->b->net.rx_n, 0, "every frame taken");
    cr_assert_eq(peek_csr(t, VDPU_CSR_ENG_STATUS) >> 16, 0, "nothing dropped");
    for (unsigned k = 0; k < NFRAMES; k++) {
        uint32_t id, len;
        h_used_at(h, k, &id, &len);
        cr_assert_eq(id, k, "used entry %u names buffer %u: frames in arrival order", k, id);
        cr_assert_eq(len, 12 + FLEN, "used entry %u: %u bytes", k, len);
        static uint8_t got[12 + FLEN];
        host_mem_read(&t->s.mem, hbuf(h, k), got, sizeof got);
        cr_assert_eq(got[10], 1, "num_buffers of frame %u", k);
        cr_assert(!memcmp(got + 12, f[k], FLEN), "frame %u bytes", k);
    }
}

/*
 * Six 1514-byte frames queued on the wire at once, sixteen receive buffers posted. Frame k + 1 arrives
 * (its 48 beats) while frame k is written to the host: with one RX frame buffer no beat of it could be
 * taken before frame k's last payload write had left. Every frame arrives whole and in order.
 */
static void arrives_while_written(struct tctx *t, enum drv_ring ring)
{
    static uint8_t f[NFRAMES][FLEN];
    static struct rx_watch w;
    struct hctx h;
    h_rx_up(&h, t, ring, VQSIZE, VQSIZE, BUF_LEN);
    memset(&w, 0, sizeof w);
    w.h = &h;
    for (unsigned k = 0; k < NFRAMES; k++) {
        h_frame(&h, f[k], FLEN, k);
        cr_assert(netport_inject(&t->b->net, f[k], FLEN));
    }
    t_tap_on(&w.tap, t, on_txn, &w);
    vdpu_bus_run_cycles(t->b, 40000);
    t_tap_off(&w.tap);
    cr_assert(!t->b->stopped, "%s", t->b->stop_reason);
    cr_assert_eq(w.n_nrx, NFRAMES * 48, "%u beats taken", w.n_nrx);
    /* Frame 1 arrived while frame 0 waited for its ring reads; frame k + 1 (k >= 1) starts to arrive
     * when frame k - 1's buffer is free, just before frame k's service, and comes at one beat a cycle
     * beside frame k's 48 write beats (1526 bytes as 6 x 256 B requests, cycles wr_first..wr_last). */
    for (unsigned k = 0; k < NFRAMES; k++) cr_assert(w.wr_seen[k], "frame %u written", k);
    for (unsigned k = 1; k + 1 < NFRAMES; k++) {
        unsigned during = 0;
        for (unsigned i = 0; i < w.n_nrx; i++) during += w.nrx[i] >= w.wr_first[k] && w.nrx[i] <= w.wr_last[k];
        cr_log_info("frame %u written at cycles %llu-%llu, %u beats taken meanwhile", k,
                    (unsigned long long)w.wr_first[k], (unsigned long long)w.wr_last[k], during);
        cr_assert_geq(during, 40, "frame %u: %u beats of frame %u taken while it was written (cycles %llu-%llu)", k,
                      during, k + 1, (unsigned long long)w.wr_first[k], (unsigned long long)w.wr_last[k]);
    }
    delivered(&h, f);
    h_close(&h);
}
RXBUF_TEST(split_a_frame_arrives_while_the_one_before_is_written, .timeout = 120)
{
    arrives_while_written(T, DRV_RING_SPLIT);
}
RXBUF_TEST(packed_a_frame_arrives_while_the_one_before_is_written, .timeout = 120)
{
    arrives_while_written(T, DRV_RING_PACKED);
}

/*
 * The same six frames cycle by cycle: the buffers hold at most two frames (nrx_frames <= 2); the wire
 * is held (nrx_ready low) only while both hold a frame, and it is, since the first frame waits for its
 * ring reads; nrx_frames is back to 0 once every frame is written.
 */
static void holds_two(struct tctx *t, enum drv_ring ring)
{
    static uint8_t f[NFRAMES][FLEN];
    struct hctx h;
    h_rx_up(&h, t, ring, VQSIZE, VQSIZE, BUF_LEN);
    for (unsigned k = 0; k < NFRAMES; k++) {
        h_frame(&h, f[k], FLEN, k);
        cr_assert(netport_inject(&t->b->net, f[k], FLEN));
    }
    unsigned held = 0, most = 0;
    uint64_t end = t->b->dev->cycle + 40000;
    while (t->b->dev->cycle < end && !t->b->stopped) {
        vdpu_bus_step(t->b);
        const vdpu_out_t *o = &t->b->out;
        if (o->nrx_frames > most) most = o->nrx_frames;
        cr_assert(o->nrx_ready || o->nrx_frames == 2, "cycle %llu: the wire held with %u frames in the buffers",
                  (unsigned long long)t->b->dev->cycle, o->nrx_frames);
        held += !o->nrx_ready && t->b->net.rx_n > 0;
    }
    cr_assert(!t->b->stopped, "%s", t->b->stop_reason);
    cr_assert_eq(most, 2, "at most two frames held, and two were");
    cr_assert_gt(held, 0, "the wire was held while both buffers held a frame");
    cr_assert_eq(t->b->out.nrx_frames, 0, "every frame written: the buffers are empty");
    delivered(&h, f);
    h_close(&h);
}
RXBUF_TEST(split_at_most_two_frames_held, .timeout = 120) { holds_two(T, DRV_RING_SPLIT); }
RXBUF_TEST(packed_at_most_two_frames_held, .timeout = 120) { holds_two(T, DRV_RING_PACKED); }

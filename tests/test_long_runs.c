/* test_long_runs.c - runs long enough for every 16-bit ring index to wrap, with the default features. */
#include "harness.h"

/* Default features: EVENT_IDX and NOTIFICATION_DATA on, so (split) the driver kicks once and the
 * device keeps finding buffers on its own: the notification data of that one doorbell must be
 * retired once the device has moved past it. Before it was, (u16)(nd - last_avail) read as far
 * ahead 2^15 buffers later and the device stopped a healthy queue with QERR_IDX (net-tx failed at
 * 33,281 frames). 140,000 frames take avail idx, used idx and last_avail round twice. */
static void long_run(struct tctx *t, enum drv_ring ring, enum net_workload w, uint64_t packets)
{
    struct drv_params p;
    drv_params_default(&p);
    p.ring = ring;
    struct net_params np = {w, packets, 64, 11, 50000 + packets * 20000};
    struct traffic_result r = t_traffic(t, &p, &np);
    cr_assert_eq(r.packets, packets, "%llu of %llu frames", (unsigned long long)r.packets, (unsigned long long)packets);
    cr_assert_eq(peek_csr(t, VDPU_CSR_QERR), 0, "a queue was stopped by a violation");
}

static void long_tx(struct tctx *t, enum drv_ring ring, uint64_t packets) { long_run(t, ring, NET_TX, packets); }

static void open_model(struct tctx *t) { t_open_fw(t, VDPU_ENGINE_MODEL, NULL); }

Test(long_runs, split_tx_140k_model, .timeout = 600)
{
    struct tctx t;
    open_model(&t);
    long_tx(&t, DRV_RING_SPLIT, 140000);
    t_close(&t);
}

Test(long_runs, packed_tx_140k_model, .timeout = 600)
{
    struct tctx t;
    open_model(&t);
    long_tx(&t, DRV_RING_PACKED, 140000);
    t_close(&t);
}

/* the same rule in the RTL, checked against the model past the point where it used to fail */
Test(long_runs, split_tx_past_notification_data_wrap_cosim, .timeout = 900)
{
    struct tctx t;
    t_open_fw(&t, VDPU_ENGINE_COSIM, NULL);
    long_tx(&t, DRV_RING_SPLIT, 34000);
    t_close(&t);
}

/* RX batching (P = B = 8: eight buffers per ring read, eight used entries per write, packed batches cut
 * at the ring end) over 140,000 received frames: the receive queue's indices and wrap counters wrap
 * twice inside batches too. */
/* ... and batched they were: split writes one used request per 8 frames, packed two (the used
 * descriptors of buffers 1..n-1, then buffer 0's), plus the batches cut short at the ring end */
static void assert_batched(struct tctx *t, uint64_t packets)
{
    const struct dma_count *u = &t->b->link.st.by[0][VDPU_PURP_USED]; /* receiveq1 */
    cr_assert(u->requests >= packets / 8 && u->requests <= packets / 4 + packets / 64,
              "%llu used writes for %llu frames", (unsigned long long)u->requests, (unsigned long long)packets);
}

static void open_model_batched(struct tctx *t)
{
    struct vdpu_opts o;
    vdpu_opts_default(&o);
    o.prefetch = 8;
    o.used_batch = 8;
    t_open_fw(t, VDPU_ENGINE_MODEL, &o);
}

Test(long_runs, split_rx_batched_140k_model, .timeout = 600)
{
    struct tctx t;
    open_model_batched(&t);
    long_run(&t, DRV_RING_SPLIT, NET_RX, 140000);
    assert_batched(&t, 140000);
    t_close(&t);
}

Test(long_runs, packed_rx_batched_140k_model, .timeout = 600)
{
    struct tctx t;
    open_model_batched(&t);
    long_run(&t, DRV_RING_PACKED, NET_RX, 140000);
    assert_batched(&t, 140000);
    t_close(&t);
}

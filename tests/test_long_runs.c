/* test_long_runs.c - runs long enough for every 16-bit ring index to wrap, with the default features. */
#include "harness.h"

/* Default features: EVENT_IDX and NOTIFICATION_DATA on, so (split) the driver kicks once and the
 * device keeps finding buffers on its own: the notification data of that one doorbell must be
 * retired once the device has moved past it. Before it was, (u16)(nd - last_avail) read as far
 * ahead 2^15 buffers later and the device stopped a healthy queue with QERR_IDX (net-tx failed at
 * 33,281 frames). 140,000 frames take avail idx, used idx and last_avail round twice. */
static void long_tx(struct tctx *t, enum drv_ring ring, uint64_t packets)
{
    struct drv_params p;
    drv_params_default(&p);
    p.ring = ring;
    struct net_params np = {NET_TX, packets, 64, 11, 50000 + packets * 20000};
    struct traffic_result r = t_traffic(t, &p, &np);
    cr_assert_eq(r.packets, packets, "%llu of %llu frames", (unsigned long long)r.packets, (unsigned long long)packets);
    cr_assert_eq(peek_csr(t, VDPU_CSR_QERR), 0, "a queue was stopped by a violation");
}

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

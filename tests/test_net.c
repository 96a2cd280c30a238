/* test_net.c - traffic through the queue engine: frames checked end to end, DMA counts the spec implies. */
#include <string.h>

#include "harness.h"
#include "virtio_net.h"
#include "virtio_net_mq.h"

/* the exact counts are the spec's for "no EVENT_IDX" unless a test asks for it */
static bool with_event_idx;

static struct traffic_result traffic(struct tctx *t, enum drv_ring ring, enum net_workload w, uint64_t packets,
                                     unsigned pkt_size)
{
    struct drv_params p;
    drv_params_default(&p);
    p.ring = ring;
    if (!with_event_idx) p.drop[0] |= 1u << VIRTIO_RING_F_EVENT_IDX;
    /* the counts are those without NOTIFICATION_DATA (with it: tests/test_notif_data.c) */
    p.drop[VIRTIO_F_NOTIFICATION_DATA / 32] |= 1u << (VIRTIO_F_NOTIFICATION_DATA % 32);
    /* ... and without IN_ORDER (its split fetching: tests/test_split_in_order.c) */
    p.drop[VIRTIO_F_IN_ORDER / 32] |= 1u << (VIRTIO_F_IN_ORDER % 32);
    struct net_params np = {w, packets, pkt_size, 7, 50000 + packets * 20000};
    return t_traffic(t, &p, &np);
}

/* split TX, one descriptor per packet, all posted before the one kick: 2 avail-idx reads (the
 * first sees N, the last sees no more), then per packet one ring entry, one descriptor, one
 * payload read, one used entry and one used-idx write */
ENGINE_TEST_REALFW(net, split_tx_exact_dma_counts, .timeout = 300)
{
    const uint64_t N = 40;
    struct traffic_result r = traffic(T, DRV_RING_SPLIT, NET_TX, N, 64);
    cr_assert_eq(r.packets, N);
    cr_assert_eq(REQ(r, AVAIL_IDX), 2);
    cr_assert_eq(REQ(r, AVAIL_RING), N);
    cr_assert_eq(REQ(r, DESC), N);
    cr_assert_eq(REQ(r, PAYLOAD_RD), N);
    cr_assert_eq(r.c[VDPU_PURP_PAYLOAD_RD].bytes, N * (12 + 64));
    cr_assert_eq(REQ(r, USED), N);
    cr_assert_eq(REQ(r, USED_IDX), N);
    cr_assert_eq(REQ(r, PAYLOAD_WR) + REQ(r, EVENT) + REQ(r, INDIRECT), 0);
    cr_assert_leq(REQ(r, MSIX), N);
    cr_assert_geq(REQ(r, MSIX), 1);
}

/* packed TX: N descriptor reads plus the one that finds the ring empty, N payload reads, N used
 * descriptor writes, one driver event read per packet before interrupting */
ENGINE_TEST_REALFW(net, packed_tx_exact_dma_counts, .timeout = 300)
{
    const uint64_t N = 40;
    struct traffic_result r = traffic(T, DRV_RING_PACKED, NET_TX, N, 64);
    cr_assert_eq(r.packets, N);
    cr_assert_eq(REQ(r, DESC), N + 1);
    cr_assert_eq(REQ(r, PAYLOAD_RD), N);
    cr_assert_eq(REQ(r, USED), N);
    cr_assert_eq(REQ(r, EVENT), N);
    cr_assert_eq(REQ(r, AVAIL_IDX) + REQ(r, AVAIL_RING) + REQ(r, USED_IDX), 0, "packed rings have none of these");
}

ENGINE_TEST_REALFW(net, split_rx_exact_dma_counts, .timeout = 300)
{
    const uint64_t N = 30;
    struct traffic_result r = traffic(T, DRV_RING_SPLIT, NET_RX, N, 64);
    cr_assert_eq(r.packets, N);
    cr_assert_eq(REQ(r, AVAIL_IDX), N, "one avail-idx read per received frame");
    cr_assert_eq(REQ(r, AVAIL_RING), N);
    cr_assert_eq(REQ(r, DESC), N);
    cr_assert_eq(REQ(r, PAYLOAD_WR), N);
    cr_assert_eq(r.c[VDPU_PURP_PAYLOAD_WR].bytes, N * (12 + 64));
    cr_assert_eq(REQ(r, USED), N);
    cr_assert_eq(REQ(r, USED_IDX), N);
}

ENGINE_TEST_REALFW(net, packed_rx_exact_dma_counts, .timeout = 300)
{
    const uint64_t N = 30;
    struct traffic_result r = traffic(T, DRV_RING_PACKED, NET_RX, N, 64);
    cr_assert_eq(r.packets, N);
    cr_assert_eq(REQ(r, DESC), N);
    cr_assert_eq(REQ(r, PAYLOAD_WR), N);
    cr_assert_eq(REQ(r, USED), N);
    cr_assert_eq(REQ(r, EVENT), N);
}

ENGINE_TEST_REALFW(net, loopback_imix_split, .timeout = 300)
{
    struct traffic_result r = traffic(T, DRV_RING_SPLIT, NET_LOOPBACK, 300, 0);
    cr_assert_eq(r.packets, 300, "every frame looped back intact and in order");
}

ENGINE_TEST_REALFW(net, loopback_imix_packed_wraps, .timeout = 300)
{
    /* 300 frames through 256-entry rings: the wrap counters flip */
    struct traffic_result r = traffic(T, DRV_RING_PACKED, NET_LOOPBACK, 300, 0);
    cr_assert_eq(r.packets, 300);
}

/* ISR/INTx fallback: MSI-X never enabled, the driver's interrupt handler reads the ISR */
ENGINE_TEST_REALFW(net, intx_isr_fallback_with_traffic, .timeout = 300)
{
    struct drv_params p;
    drv_params_default(&p);
    p.use_msix = false;
    virtio_drv_t *d = calloc(1, sizeof *d);
    virtio_net_t *n = calloc(1, sizeof *n);
    cr_assert(d && n);
    t_enumerate(T);
    cr_assert_eq(virtio_drv_init(d, &T->s, &p), DRV_OK, "init: %s", d->refusal);
    struct net_params np = {NET_LOOPBACK, 60, 0, 3, 60 * 20000};
    cr_assert_eq(virtio_net_open(n, d, &np), 0, "%s", n->error);
    cr_assert_eq(virtio_net_run(n), 0, "traffic failed: %s", n->error);
    cr_assert_eq(virtio_net_packets(n), 60);
    cr_assert_gt(n->isr_reads, 0, "the driver was interrupted through INTx");
    cr_assert_eq(T->s.mem.msi_total, 0, "no MSI-X message without MSI-X");
    virtio_net_close(n);
    free(n);
    free(d);
}

/* split TX with EVENT_IDX, everything posted before one kick: the same reads as without it, plus
 * one used_event read per used-index write, and when the queue runs dry one avail_event write
 * followed by one more avail-idx read */
ENGINE_TEST_REALFW(net, split_tx_event_idx_exact_dma_counts, .timeout = 300)
{
    const uint64_t N = 40;
    with_event_idx = true;
    struct traffic_result r = traffic(T, DRV_RING_SPLIT, NET_TX, N, 64);
    cr_assert_eq(r.packets, N);
    cr_assert_eq(REQ(r, AVAIL_RING), N);
    cr_assert_eq(REQ(r, DESC), N);
    cr_assert_eq(REQ(r, PAYLOAD_RD), N);
    cr_assert_eq(REQ(r, USED), N);
    cr_assert_eq(REQ(r, USED_IDX), N);
    cr_assert_eq(REQ(r, EVENT), N + 1, "N used_event reads and one avail_event write");
    cr_assert_eq(REQ(r, AVAIL_IDX), 3, "first read, the read that finds the ring empty, the re-read after avail_event");
}

/* RING_RESET with traffic: transmitq 0 is reset after a burst (firmware quiesces the data path
 * and returns the queue to its defaults), reprogrammed, and carries traffic again; the engine's
 * ring positions start over with it */
ENGINE_TEST_REALFW(net, queue_reset_between_traffic, .timeout = 300)
{
    struct drv_params p;
    drv_params_default(&p);
    virtio_drv_t *d = calloc(1, sizeof *d);
    virtio_net_t *n = calloc(1, sizeof *n);
    cr_assert(d && n);
    t_drv_up(T, d, &p);
    struct net_params np = {NET_TX, 30, 0, 5, 30 * 20000};
    cr_assert_eq(virtio_net_open(n, d, &np), 0, "%s", n->error);
    cr_assert_eq(virtio_net_run(n), 0, "first burst: %s", n->error);
    virtio_net_close(n);

    /* reset, program it again as vp_modern does, enable it */
    cr_assert_eq(virtio_drv_queue_reset(d, 1), DRV_OK, "%s", d->refusal);

    /* fresh rings (indices from 0), same addresses: the device must start over too */
    memset(n, 0, sizeof *n);
    np.packets = 25;
    cr_assert_eq(virtio_net_open(n, d, &np), 0, "%s", n->error);
    cr_assert_eq(virtio_net_run(n), 0, "second burst after the queue reset: %s", n->error);
    cr_assert_eq(virtio_net_packets(n), 25);
    virtio_net_close(n);
    free(n);
    free(d);
}

/* RING_RESET of transmitq 0 in the middle of TX traffic, cut at several points of the engine's
 * work: firmware quiesces the data path (the engine stops at the next buffer boundary, so a frame
 * in service still leaves whole and nothing is outstanding) before returning the queue to its
 * defaults; buffers the device had not used are simply forgotten, as the spec's queue reset says.
 * The reprogrammed queue starts over at index 0 and must carry a checked burst; cosim checks every
 * cycle of it. */
ENGINE_TEST_REALFW(net, queue_reset_during_tx_traffic, .timeout = 300)
{
    static const uint64_t cut[] = {120, 700, 1600, 3100, 5200, 9000};
    struct drv_params p;
    drv_params_default(&p);
    virtio_drv_t *d = calloc(1, sizeof *d);
    virtio_net_t *n = calloc(1, sizeof *n);
    cr_assert(d && n);
    t_enumerate(T);
    cr_assert_eq(pci_msix_setup(T->b, &T->s.pci, NULL), 0);
    for (unsigned i = 0; i < sizeof cut / sizeof cut[0]; i++) {
        p.ring = i % 2 ? DRV_RING_PACKED : DRV_RING_SPLIT;
        cr_assert_eq(virtio_drv_init(d, &T->s, &p), DRV_OK, "init %u: %s", i, d->refusal);
        struct net_params cutp = {NET_TX, 200, 0, 31 + i, cut[i]};
        memset(n, 0, sizeof *n);
        cr_assert_eq(virtio_net_open(n, d, &cutp), 0, "%s", n->error);
        cr_assert_neq(virtio_net_run(n), 0, "traffic must still be running at cycle %llu", (unsigned long long)cut[i]);
        cr_assert(n->timed_out, "cut %u: only the cut may stop it: %s", i, n->error);
        virtio_net_close(n);
        cr_assert_eq(virtio_drv_queue_reset(d, 1), DRV_OK, "queue reset during traffic (cut %u): %s", i, d->refusal);
        cr_assert_eq(peek_csr(T, VDPU_CSR_QERR), 0, "no violation from the reset");
        cr_assert(!T->b->stopped, "%s", T->b->stop_reason);
        /* fresh rings from index 0 at the same addresses: the device must start over too */
        struct net_params np = {NET_TX, 40, 0, 41 + i, 40 * 20000};
        memset(n, 0, sizeof *n);
        cr_assert_eq(virtio_net_open(n, d, &np), 0, "%s", n->error);
        cr_assert_eq(virtio_net_run(n), 0, "traffic after the queue reset (cut %u): %s", i, n->error);
        cr_assert_eq(virtio_net_packets(n), 40);
        virtio_net_close(n);
    }
    free(n);
    free(d);
}

/* A device reset in the middle of loopback traffic, at several points of the engine's work:
 * firmware must quiesce the data path (the engine stops at the next buffer boundary, nothing
 * outstanding) before DEV_RESET; a frame in the RX buffer is dropped as stale; the device must come
 * back clean (cosim checks every cycle of it). Frames in flight at the reset are lost, as on real
 * hardware; the traffic after it is checked. */
ENGINE_TEST_REALFW(net, device_reset_during_traffic, .timeout = 600)
{
    static const uint64_t cut[] = {150, 420, 777, 1500, 2222, 3333, 4444, 5555, 6666, 7777};
    struct drv_params p;
    drv_params_default(&p);
    virtio_drv_t *d = calloc(1, sizeof *d);
    virtio_net_t *n = calloc(1, sizeof *n);
    cr_assert(d && n);
    t_enumerate(T);
    cr_assert_eq(pci_msix_setup(T->b, &T->s.pci, NULL), 0);
    for (unsigned i = 0; i < sizeof cut / sizeof cut[0]; i++) {
        p.ring = i % 2 ? DRV_RING_PACKED : DRV_RING_SPLIT;
        cr_assert_eq(virtio_drv_init(d, &T->s, &p), DRV_OK, "init %u: %s", i, d->refusal);
        struct net_params cutp = {NET_LOOPBACK, 200, 0, 11 + i, cut[i]};
        memset(n, 0, sizeof *n);
        cr_assert_eq(virtio_net_open(n, d, &cutp), 0, "%s", n->error);
        cr_assert_neq(virtio_net_run(n), 0, "traffic must still be running at cycle %llu", (unsigned long long)cut[i]);
        virtio_net_close(n);
        cr_assert(!T->b->stopped, "the interrupted traffic must not fail the run: %s", T->b->stop_reason);
        cr_assert_eq(virtio_drv_reset(d), DRV_OK, "reset during traffic (cut %u)", i);
        cr_assert_eq(drv_status(d), 0);
        /* frames the loopback still queues for the device were sent before the reset: the wire
         * drops them, except one already half on it, which the device must drop as stale */
        netport_flush_pending(&T->b->net);
        cr_assert_eq(virtio_drv_init(d, &T->s, &p), DRV_OK, "re-init %u: %s", i, d->refusal);
        struct net_params np = {NET_LOOPBACK, 40, 0, 21 + i, 40 * 20000};
        memset(n, 0, sizeof *n);
        cr_assert_eq(virtio_net_open(n, d, &np), 0, "%s", n->error);
        cr_assert_eq(virtio_net_run(n), 0, "traffic after the reset (cut %u): %s", i, n->error);
        virtio_net_close(n);
    }
    free(n);
    free(d);
}

/* The host drivers build frames in buffers of 12 + 1514 bytes: a larger --pkt-size from a caller (a test,
 * the library) is refused at open with a named error, not written past those buffers. */
Test(net, host_drivers_refuse_frames_larger_than_their_buffers, .timeout = 60)
{
    struct tctx t;
    struct vdpu_opts o;
    vdpu_opts_default(&o);
    o.max_qp = 2;
    t_open_fw(&t, VDPU_ENGINE_MODEL, &o);
    struct drv_params p;
    drv_params_default(&p);
    virtio_drv_t *d = calloc(1, sizeof *d);
    virtio_net_t *n = calloc(1, sizeof *n);
    virtio_net_mq_t *m = calloc(1, sizeof *m);
    cr_assert(d && n && m);
    t_drv_up(&t, d, &p);
    static const unsigned sizes[] = {1515, 9000, 65535};
    for (unsigned i = 0; i < 3; i++) {
        struct net_params np = {NET_TX, 1, sizes[i], 1, 100000};
        cr_assert_neq(virtio_net_open(n, d, &np), 0, "%u-byte frames", sizes[i]);
        cr_assert(strstr(n->error, "frame size out of range"), "%s", n->error);
        virtio_net_close(n);
        cr_assert_neq(virtio_net_mq_open(m, d, &np, NULL, 2), 0, "%u-byte frames, 2 pairs", sizes[i]);
        cr_assert(strstr(m->n.error, "frame size out of range"), "%s", m->n.error);
        virtio_net_mq_close(m);
    }
    struct net_params ok = {NET_TX, 1, 1514, 1, 100000};
    cr_assert_eq(virtio_net_open(n, d, &ok), 0, "%s", n->error);
    virtio_net_close(n);
    free(m);
    free(n);
    free(d);
    t_close(&t);
}

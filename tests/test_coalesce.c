/* test_coalesce.c - queue interrupt coalescing (ENG_COAL, docs/queue-engine.md "Interrupt coalescing"):
 * exact MSI-X counts with the frame limit, the timer that fires after the queue went idle (every frame
 * is reaped), the CSR, on model, rtl and cosim with the real firmware programming ENG_COAL from its
 * boot configuration (vdpu run --coalesce). */
#include <string.h>

#include "harness.h"
#include "link.h"
#include "virtio_net.h"

/* real firmware with ENG_COAL = frames | cycles << 8 */
#define COAL_TEST(name, FR, CY, ...)                                                                                 \
    static void name##_body(struct tctx *T);                                                                         \
    static void name##_open(struct tctx *t, enum vdpu_engine e)                                                      \
    {                                                                                                                \
        struct vdpu_opts o;                                                                                          \
        vdpu_opts_default(&o);                                                                                       \
        o.coal_frames = (FR);                                                                                        \
        o.coal_cycles = (CY);                                                                                        \
        t_open_fw(t, e, &o);                                                                                         \
    }                                                                                                                \
    Test(coalesce, name##_model, ##__VA_ARGS__) { struct tctx t; name##_open(&t, VDPU_ENGINE_MODEL); name##_body(&t); t_close(&t); } \
    Test(coalesce, name##_rtl, ##__VA_ARGS__) { struct tctx t; name##_open(&t, VDPU_ENGINE_RTL); name##_body(&t); t_close(&t); }     \
    Test(coalesce, name##_cosim, ##__VA_ARGS__) { struct tctx t; name##_open(&t, VDPU_ENGINE_COSIM); name##_body(&t); t_close(&t); } \
    static void name##_body(struct tctx *T)

/* without EVENT_IDX / NOTIFICATION_DATA: one interrupt decision per buffer (P = B = 1), none suppressed */
static struct traffic_result traffic(struct tctx *t, enum drv_ring ring, enum net_workload w, uint64_t packets)
{
    struct drv_params p;
    drv_params_default(&p);
    p.ring = ring;
    p.drop[VIRTIO_RING_F_EVENT_IDX / 32] |= 1u << (VIRTIO_RING_F_EVENT_IDX % 32);
    p.drop[VIRTIO_F_NOTIFICATION_DATA / 32] |= 1u << (VIRTIO_F_NOTIFICATION_DATA % 32);
    struct net_params np = {w, packets, 64, 3, 2000000 + packets * 20000};
    return t_traffic(t, &p, &np);
}

/* 64 transmit completions, 8 per interrupt: exactly 8 MSI-X writes (the timer, far away, never
 * fires first) */
COAL_TEST(split_tx_64_by_8, 8, 1000000, .timeout = 300)
{
    struct traffic_result r = traffic(T, DRV_RING_SPLIT, NET_TX, 64);
    cr_assert_eq(r.packets, 64);
    cr_assert_eq(REQ(r, USED_IDX), 64, "one interrupt decision per buffer");
    cr_assert_eq(REQ(r, MSIX), 8);
}

COAL_TEST(packed_tx_64_by_8, 8, 1000000, .timeout = 300)
{
    struct traffic_result r = traffic(T, DRV_RING_PACKED, NET_TX, 64);
    cr_assert_eq(r.packets, 64);
    cr_assert_eq(REQ(r, MSIX), 8);
}

/* 60 completions, 8 per interrupt: 7 by the count; the last 4 are raised by the timer while the queue
 * is idle - without it the driver would never reap them and the run would not complete */
COAL_TEST(split_tx_timer_flushes_the_rest, 8, 30000, .timeout = 300)
{
    struct traffic_result r = traffic(T, DRV_RING_SPLIT, NET_TX, 60);
    cr_assert_eq(r.packets, 60);
    cr_assert_eq(REQ(r, MSIX), 8);
}

/* RX: 40 frames, 5 per interrupt: 8 MSI-X writes, every frame checked */
COAL_TEST(split_rx_40_by_5, 5, 1000000, .timeout = 300)
{
    struct traffic_result r = traffic(T, DRV_RING_SPLIT, NET_RX, 40);
    cr_assert_eq(r.packets, 40);
    cr_assert_eq(REQ(r, MSIX), 8);
}

/* the timer alone (no frame limit): fewer interrupts than frames, every frame reaped */
COAL_TEST(packed_loopback_timer_only, 0, 4000, .timeout = 300)
{
    struct traffic_result r = traffic(T, DRV_RING_PACKED, NET_LOOPBACK, 80);
    cr_assert_eq(r.packets, 80);
    cr_assert_lt(REQ(r, MSIX), 80);
    cr_assert_geq(REQ(r, MSIX), 2, "both queues interrupt");
}

/* off by default: one MSI-X write per interrupt decision when the driver reaps at once (64 buffers, one
 * vector: writes can merge while one is pending, so at least 8, at most 64 - and more than coalesced) */
COAL_TEST(off_by_default, 0, 0, .timeout = 300)
{
    cr_assert_eq(peek_csr(T, VDPU_CSR_ENG_COAL), 0);
    struct traffic_result r = traffic(T, DRV_RING_SPLIT, NET_TX, 64);
    cr_assert_eq(r.packets, 64);
    cr_assert_gt(REQ(r, MSIX), 8);
}

/* the firmware programs ENG_COAL from its configuration at boot */
COAL_TEST(csr_programmed_by_firmware, 12, 345, .timeout = 60)
{
    run_cycles(T, 20000); /* boot */
    cr_assert_eq(peek_csr(T, VDPU_CSR_ENG_COAL), 12u | 345u << 8);
}

/* ENG_COAL is plain 32-bit storage */
ENGINE_TEST(coalesce, csr_rw)
{
    cr_assert_eq(csr_rd(T, VDPU_CSR_ENG_COAL), 0);
    csr_wr(T, VDPU_CSR_ENG_COAL, 0xFFFFFFFFu);
    cr_assert_eq(csr_rd(T, VDPU_CSR_ENG_COAL), 0xFFFFFFFFu);
    csr_wr(T, VDPU_CSR_ENG_COAL, 0);
}

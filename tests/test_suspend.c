/* test_suspend.c - VIRTIO_F_SUSPEND end to end (firmware policy, fw/events.c; docs/control-plane.md
 * "Suspend and resume"): suspensions at several points of TX, RX and loopback traffic on split and
 * packed rings, with no DMA and no interrupt while suspended (doorbells written meanwhile), every
 * consumed buffer used and its interrupt delivered before SUSPEND shows (also with coalescing), the
 * ring position in VQSTATE equal to what the driver reads from the ring, and the traffic completing
 * with every frame exactly once after the resume; misuse ignored, link changes told at the resume,
 * the control queue served at the resume, a quiesce failure -> DEVICE_NEEDS_RESET, the settle before a stop
 * delivering the frames in flight; model, rtl, cosim. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "pause_traffic.h"
#include "link.h"
#include "netrand.h"
#include "virtio_ctrl.h"
#include "virtio_net.h"
#include "virtio_net_ring.h"
#include "virtio_suspend.h"

#define CC(f) VDPU_COMMON_##f
#define BIT(b) (1u << ((b) % 32))
#define ST_RUNNING 0x0Fu   /* ACKNOWLEDGE | DRIVER | FEATURES_OK | DRIVER_OK */
#define ST_SUSPENDED 0x1Bu /* ... with SUSPEND, without DRIVER_OK */

static void drv_suspend(struct tctx *t, virtio_drv_t *d)
{
    (void)t;
    cr_assert_eq(virtio_drv_suspend(d), DRV_OK, "suspend: %s", d->refusal);
}

static void drv_resume(struct tctx *t, virtio_drv_t *d)
{
    (void)t;
    cr_assert_eq(virtio_drv_resume(d), DRV_OK, "resume: %s", d->refusal);
}

/* suspensions in the middle of traffic (tests/pause_traffic.c: the checks while suspended) */
static const struct pause_ops suspension = {"suspension", drv_suspend, drv_resume, ST_SUSPENDED, true};

static struct pause_result traffic_with_suspensions(struct tctx *t, const struct pause_opts *so)
{
    return t_traffic_with_pauses(t, so, &suspension);
}

/* the points: before the first frame completed, then after some frames with odd delays, so they fall
 * into different engine states (payload reads, used write-back, idle with doorbells pending) */
ENGINE_TEST_REALFW(suspend, split_tx, .timeout = 600)
{
    struct pause_opts so = {DRV_RING_SPLIT, NET_TX, 120, 64, 0, false, {{0, 900}, {30, 113}, {77, 451}}};
    traffic_with_suspensions(T, &so);
}

ENGINE_TEST_REALFW(suspend, packed_tx, .timeout = 600)
{
    struct pause_opts so = {DRV_RING_PACKED, NET_TX, 120, 64, 32, false, {{0, 1201}, {33, 17}, {90, 311}}};
    traffic_with_suspensions(T, &so);
}

ENGINE_TEST_REALFW(suspend, split_loopback, .timeout = 600)
{
    struct pause_opts so = {DRV_RING_SPLIT, NET_LOOPBACK, 80, 200, 0, false, {{0, 1499}, {25, 29}, {61, 1001}}};
    traffic_with_suspensions(T, &so);
}

ENGINE_TEST_REALFW(suspend, packed_loopback_wraps, .timeout = 600)
{
    /* 16-slot rings: the suspensions fall after wraps */
    struct pause_opts so = {DRV_RING_PACKED, NET_LOOPBACK, 60, 100, 16, false, {{0, 2003}, {20, 217}, {47, 23}}};
    traffic_with_suspensions(T, &so);
}

ENGINE_TEST_REALFW(suspend, split_rx, .timeout = 600)
{
    struct pause_opts so = {DRV_RING_SPLIT, NET_RX, 100, 1000, 0, false, {{0, 1100}, {31, 7}, {70, 603}}};
    traffic_with_suspensions(T, &so);
}

/* Coalescing holds interrupts (8 frames or 15,000 cycles, less than a suspension lasts): the deferred
 * ones must arrive before SUSPEND shows, none while suspended, and the driver has reaped everything. */
static void coal_open(struct tctx *t, enum vdpu_engine e)
{
    struct vdpu_opts o;
    vdpu_opts_default(&o);
    o.coal_frames = 8;
    o.coal_cycles = 15000;
    t_open_fw(t, e, &o);
}
static void coal_body(struct tctx *T, enum drv_ring ring)
{
    struct pause_opts so = {ring, NET_TX, 120, 64, 0, false, {{3, 503}, {43, 11}, {90, 13}}};
    struct pause_result s = traffic_with_suspensions(T, &so);
    cr_assert_gt(s.owed, 0, "some suspension found used buffers whose interrupt the coalescer still held");
    cr_assert_eq(s.owed_msi, s.owed, "each time the deferred interrupt arrived before the suspend completed");
}
Test(suspend, coalesced_split_tx_model, .timeout = 600) { struct tctx t; coal_open(&t, VDPU_ENGINE_MODEL); coal_body(&t, DRV_RING_SPLIT); t_close(&t); }
Test(suspend, coalesced_split_tx_rtl, .timeout = 600) { struct tctx t; coal_open(&t, VDPU_ENGINE_RTL); coal_body(&t, DRV_RING_SPLIT); t_close(&t); }
Test(suspend, coalesced_split_tx_cosim, .timeout = 600) { struct tctx t; coal_open(&t, VDPU_ENGINE_COSIM); coal_body(&t, DRV_RING_SPLIT); t_close(&t); }
Test(suspend, coalesced_packed_tx_model, .timeout = 600) { struct tctx t; coal_open(&t, VDPU_ENGINE_MODEL); coal_body(&t, DRV_RING_PACKED); t_close(&t); }
Test(suspend, coalesced_packed_tx_rtl, .timeout = 600) { struct tctx t; coal_open(&t, VDPU_ENGINE_RTL); coal_body(&t, DRV_RING_PACKED); t_close(&t); }
Test(suspend, coalesced_packed_tx_cosim, .timeout = 600) { struct tctx t; coal_open(&t, VDPU_ENGINE_COSIM); coal_body(&t, DRV_RING_PACKED); t_close(&t); }

/* ---- control-plane cases ---- */

static virtio_drv_t *live(struct tctx *t, bool suspend_feature) { return t_live_driver(t, suspend_feature); }

static uint64_t rd(virtio_drv_t *d, uint32_t off, unsigned size)
{
    uint64_t v = 0xdead;
    cr_assert_eq(drv_rd(d, off, size, &v), 0, "common cfg read 0x%x", off);
    return v;
}

static uint16_t net_status(struct tctx *t)
{
    uint64_t v = 0;
    cr_assert_eq(mem_rd_st(t, t->s.pci.vcap[VIRTIO_PCI_CAP_DEVICE_CFG].addr + VDPU_NETCFG_STATUS, 2, &v), VDPU_CPL_SC);
    return (uint16_t)v;
}

static void short_tx(struct tctx *t, virtio_drv_t *d, uint64_t frames) { t_short_tx(t, d, frames); }

ENGINE_TEST_REALFW(suspend, without_driver_ok_is_ignored, .timeout = 120)
{
    virtio_drv_t *d = live(T, true);
    /* the initialization again, by hand, stopping at FEATURES_OK */
    cr_assert_eq(virtio_drv_reset(d), DRV_OK);
    drv_set_status(d, 0x01);
    drv_set_status(d, 0x03);
    for (unsigned w = 0; w < 4; w++) {
        drv_wr(d, CC(GFSELECT), 4, w);
        drv_wr(d, CC(GF), 4, d->negotiated[w]);
    }
    drv_set_status(d, 0x0B);
    cr_assert_eq(drv_status(d), 0x0B);
    t_console_on(T);
    drv_set_status(d, 0x1B);
    cr_assert_eq(drv_status(d), 0x0B, "SUSPEND before DRIVER_OK: ignored, status unchanged");
    run_cycles(T, 5000); /* the console line comes after the pop */
    const char *log = t_console_text(T);
    cr_assert(strstr(log, "status 0x1b refused (0x0b kept): SUSPEND before DRIVER_OK: ignored"), "%s", log);
    drv_set_status(d, 0x1F);
    cr_assert_eq(drv_status(d), ST_RUNNING, "DRIVER_OK taken, SUSPEND in the same write ignored");
    cr_assert_eq(virtio_drv_suspend(d), DRV_OK, "now live: a suspend works");
    cr_assert_eq(drv_status(d), ST_SUSPENDED);
    cr_assert_eq(virtio_drv_resume(d), DRV_OK, "%s", d->refusal);
    free(d);
}

ENGINE_TEST_REALFW(suspend, without_the_feature_is_ignored, .timeout = 300)
{
    virtio_drv_t *d = live(T, false);
    cr_assert_eq(d->negotiated[1] & BIT(VIRTIO_F_SUSPEND), 0);
    t_console_on(T);
    drv_set_status(d, ST_RUNNING | VIRTIO_CONFIG_S_SUSPEND);
    cr_assert_eq(drv_status(d), ST_RUNNING, "SUSPEND not negotiated: ignored, the device stays live");
    run_cycles(T, 5000);
    const char *log = t_console_text(T);
    cr_assert(strstr(log, "status 0x1f refused (0x0f kept): SUSPEND not negotiated: ignored"), "%s", log);
    cr_assert_eq(virtio_drv_suspend(d), DRV_REFUSED, "the helper does not ask");
    cr_assert(strstr(d->refusal, "not negotiated"), "%s", d->refusal);
    short_tx(T, d, 20); /* the data path was never stopped */
    free(d);
}

ENGINE_TEST_REALFW(suspend, clearing_suspend_without_driver_ok_is_ignored, .timeout = 120)
{
    virtio_drv_t *d = live(T, true);
    cr_assert_eq(virtio_drv_suspend(d), DRV_OK, "%s", d->refusal);
    drv_set_status(d, 0x0B);
    cr_assert_eq(drv_status(d), ST_SUSPENDED, "resuming needs DRIVER_OK");
    drv_set_status(d, ST_RUNNING); /* DRIVER_OK with SUSPEND cleared: a resume too */
    cr_assert_eq(drv_status(d), ST_RUNNING);
    free(d);
}

ENGINE_TEST_REALFW(suspend, reset_from_suspended, .timeout = 300)
{
    virtio_drv_t *d = live(T, true);
    short_tx(T, d, 10);
    cr_assert_eq(virtio_drv_suspend(d), DRV_OK, "%s", d->refusal);
    cr_assert_eq(virtio_drv_reset(d), DRV_OK, "a reset from suspended works as usual");
    cr_assert_eq(drv_status(d), 0);
    uint16_t ai, ui;
    bool aw, uw;
    cr_assert_eq(virtio_drv_queue_state(d, 1, &ai, &aw, &ui, &uw), DRV_OK);
    cr_assert(ai == 0 && ui == 0 && aw && uw, "the queue positions are back at their reset values");
    free(d);
    d = live(T, true);
    short_tx(T, d, 10);
    free(d);
}

/* Link changes while suspended: the configuration space stays as it was and no config interrupt is
 * sent; the resume applies the change and sends it. */
ENGINE_TEST_REALFW(suspend, link_change_told_at_resume, .timeout = 300)
{
    virtio_drv_t *d = live(T, true);
    uint64_t gen0 = rd(d, CC(CFGGENERATION), 1);
    cr_assert_eq(virtio_drv_suspend(d), DRV_OK, "%s", d->refusal);
    uint64_t resume_at;
    T->b->link_up = false;
    t_run_polling(T, d, 5000);
    cr_assert_eq(d->cfg_irqs_handled, 0, "no config interrupt while suspended");
    cr_assert_eq(net_status(T) & VIRTIO_NET_S_LINK_UP, VIRTIO_NET_S_LINK_UP, "net status unchanged while suspended");
    cr_assert_eq(rd(d, CC(CFGGENERATION), 1), gen0, "config_generation unchanged while suspended");
    resume_at = T->b->dev->cycle;
    cr_assert_eq(virtio_drv_resume(d), DRV_OK, "%s", d->refusal);
    t_run_polling(T, d, 3000);
    cr_assert_eq(d->cfg_irqs_handled, 1, "one config interrupt, at the resume");
    cr_assert_geq(last_txn_cycle(T, VDPU_CH_DMAREQ), resume_at);
    cr_assert_eq(d->net_status & VIRTIO_NET_S_LINK_UP, 0, "the driver reads the link down");
    cr_assert_neq(rd(d, CC(CFGGENERATION), 1), gen0);
    /* a flap (down and up again) inside a suspension: told at the resume, link up */
    T->b->link_up = true;
    t_run_polling(T, d, 3000);
    cr_assert_eq(d->cfg_irqs_handled, 2, "live again: link up told at once");
    uint64_t gen1 = rd(d, CC(CFGGENERATION), 1);
    cr_assert_eq(virtio_drv_suspend(d), DRV_OK, "%s", d->refusal);
    uint64_t m = t_msi_total(T);
    T->b->link_up = false;
    t_run_polling(T, d, 2000);
    T->b->link_up = true;
    t_run_polling(T, d, 5000);
    cr_assert_eq(t_msi_total(T), m, "no interrupt while suspended");
    cr_assert_eq(rd(d, CC(CFGGENERATION), 1), gen1);
    cr_assert_eq(virtio_drv_resume(d), DRV_OK, "%s", d->refusal);
    t_run_polling(T, d, 3000);
    cr_assert_eq(d->cfg_irqs_handled, 3, "the flap is told at the resume");
    cr_assert_eq(d->net_status & VIRTIO_NET_S_LINK_UP, VIRTIO_NET_S_LINK_UP);
    cr_assert_neq(rd(d, CC(CFGGENERATION), 1), gen1, "config_generation moved");
    free(d);
}

/* A control-queue doorbell while suspended (the driver must not, but may): no DMA, the command waits,
 * and the resume serves it. */
ENGINE_TEST_REALFW(suspend, control_queue_served_at_resume, .timeout = 300)
{
    virtio_drv_t *d = live(T, true);
    virtio_ctrl_t *c = calloc(1, sizeof *c);
    cr_assert_not_null(c);
    cr_assert_eq(virtio_ctrl_open(c, d), 0, "%s", c->error);
    cr_assert_not(c->packed, "split control ring: its used idx is read below");
    cr_assert_eq(virtio_drv_suspend(d), DRV_OK, "%s", d->refusal);
    uint64_t dma0 = t_dma_requests(T);
    static const uint8_t mac[6] = {0x52, 0x54, 0x00, 0xab, 0xcd, 0xef};
    uint8_t ack = 0xEE;
    cr_assert_neq(virtio_ctrl_cmd(c, VNET_CTRL_MAC, VNET_CTRL_MAC_ADDR_SET, mac, 6, &ack, 20000), 0,
                  "no answer while suspended");
    cr_assert_eq(t_dma_requests(T), dma0, "the firmware did not touch the ring");
    cr_assert_eq(virtio_drv_resume(d), DRV_OK, "%s", d->refusal);
    run_cycles(T, 20000);
    uint16_t used;
    cr_assert(host_mem_read(&T->s.mem, c->device + 2, &used, 2));
    cr_assert_eq(used, 1, "the command was used after the resume");
    uint64_t v;
    cr_assert_eq(mem_rd_st(T, T->s.pci.vcap[VIRTIO_PCI_CAP_DEVICE_CFG].addr + VDPU_NETCFG_MAC5, 1, &v), VDPU_CPL_SC);
    cr_assert_eq(v, 0xef, "and executed: the MAC changed");
    free(c);
    free(d);
}

/* A suspend that cannot quiesce (a DMA read that does not complete within the firmware's bound):
 * DEVICE_NEEDS_RESET instead, as the spec allows; a reset recovers. */
ENGINE_TEST_REALFW(suspend, quiesce_failure_sets_needs_reset, .timeout = 300)
{
    virtio_drv_t *d = live(T, true);
    virtio_net_t *n = calloc(1, sizeof *n);
    cr_assert_not_null(n);
    struct net_params np = {NET_TX, 1, 64, 3, 400000};
    cr_assert_eq(virtio_net_open(n, d, &np), 0, "%s", n->error);
    T->b->link.p.rtt = 60000; /* past the firmware's 25,000-cycle quiesce bound */
    uint8_t frame[12 + 64];
    memset(frame, 0, sizeof frame);
    memset(frame + 12, 0xFF, 12);
    uint32_t len = sizeof frame;
    vnet_post(n, &n->tx, 1, &len, frame);
    vnet_kick(n, &n->tx);
    for (unsigned i = 0; i < 2000 && !T->b->link.nrd; i++) vdpu_bus_step(T->b);
    cr_assert_gt(T->b->link.nrd, 0, "a read is outstanding");
    uint64_t cfg_irqs = T->s.mem.msi_count[PCI_MSI_DATA_BASE + 0];
    t_console_on(T);
    cr_assert_eq(virtio_drv_suspend(d), DRV_REFUSED);
    cr_assert(strstr(d->refusal, "NEEDS_RESET"), "%s", d->refusal);
    uint8_t st = drv_status(d);
    cr_assert_eq(st, ST_RUNNING | VIRTIO_CONFIG_S_NEEDS_RESET, "NEEDS_RESET, not suspended (0x%02x)", st);
    run_cycles(T, 100);
    cr_assert_eq(T->s.mem.msi_count[PCI_MSI_DATA_BASE + 0], cfg_irqs + 1, "config interrupt for NEEDS_RESET");
    cr_assert_eq(T->b->diag_count[VDPU_DIAG_HELD_TIMEOUT], 0, "the status read was answered in time");
    run_cycles(T, 8000);
    const char *log = t_console_text(T);
    cr_assert(strstr(log, "suspend failed (data path not quiesced): status 0x0f -> 0x4f (DEVICE_NEEDS_RESET)"), "%s",
              log);
    T->b->link.p.rtt = 200;
    for (unsigned i = 0; i < 100000 && !link_idle(&T->b->link); i++) vdpu_bus_step(T->b);
    run_cycles(T, 5000);
    cr_assert_eq(virtio_drv_reset(d), DRV_OK, "a reset recovers");
    cr_assert_eq(drv_status(d), 0);
    virtio_net_close(n);
    free(n);
    free(d);
}

/* An internal error while suspended: DEVICE_NEEDS_RESET shows in device_status, its config interrupt
 * is not sent while suspended, the device does not resume, and a reset recovers. */
ENGINE_TEST_REALFW(suspend, internal_error_while_suspended, .timeout = 300)
{
    virtio_drv_t *d = live(T, true);
    cr_assert_eq(virtio_drv_suspend(d), DRV_OK, "%s", d->refusal);
    uint64_t m = t_msi_total(T), dma0 = t_dma_requests(T);
    T->b->dp_err = true;
    vdpu_bus_step(T->b);
    T->b->dp_err = false;
    run_cycles(T, 5000);
    cr_assert_eq(drv_status(d), ST_SUSPENDED | VIRTIO_CONFIG_S_NEEDS_RESET);
    cr_assert_eq(t_msi_total(T), m, "no config interrupt while suspended");
    cr_assert_eq(t_dma_requests(T), dma0);
    cr_assert_eq(virtio_drv_resume(d), DRV_REFUSED, "a device that needs a reset does not resume");
    drv_set_status(d, ST_RUNNING | VIRTIO_CONFIG_S_SUSPEND);
    cr_assert_eq(drv_status(d), ST_SUSPENDED | VIRTIO_CONFIG_S_NEEDS_RESET, "status unchanged");
    cr_assert_eq(t_msi_total(T), m);
    cr_assert_eq(virtio_drv_reset(d), DRV_OK, "a reset recovers");
    free(d);
    d = live(T, true);
    short_tx(T, d, 10);
    free(d);
}

/* ---- random traffic (vdpu run --workload net-random's configurations) with random suspensions ---- */

struct rsusp {
    uint64_t seed, next, n;
};

/* Every few thousand cycles: suspend, 3,000 cycles with doorbells on both queues and no DMA (MSI-X
 * included), every consumed buffer used, resume. The configurations include poll mode, host
 * backpressure, reordered completions, prefetch, batches, several reads, coalescing, MRG_RXBUF,
 * random chains, device resets and the two-queue-pair phase. */
static void random_turn(virtio_net_t *n, void *ctx)
{
    struct rsusp *c = ctx;
    uint64_t now = n->s->bus.dev->cycle;
    if (!c->next) c->next = now + 300 + (c->seed * 7919) % 3000;
    if (now < c->next) return;
    c->next = now + 2000 + ((c->seed + c->n) * 104729) % 9000;
    if (drv_status(n->d) != ST_RUNNING) return; /* e.g. right after a device reset of the workload */
    cr_assert_eq(virtio_drv_suspend(n->d), DRV_OK, "seed %llu: %s", (unsigned long long)c->seed, n->d->refusal);
    c->n++;
    t_paused_quiet(n, c->seed, "suspended");
    cr_assert_eq(virtio_drv_resume(n->d), DRV_OK, "seed %llu: %s", (unsigned long long)c->seed, n->d->refusal);
}

static void random_seeds(enum vdpu_engine e, uint64_t from, unsigned count)
{
    uint64_t total = 0;
    for (uint64_t seed = from; seed < from + count; seed++) {
        struct rsusp rs = {seed, 0, 0};
        t_netrand_with_hook(e, seed, true, random_turn, &rs, 3, 0); /* the suspensions take time */
        total += rs.n;
    }
    cr_assert_gt(total, 10 * count, "suspensions happened (%llu)", (unsigned long long)total);
}

Test(suspend, random_traffic_model, .timeout = 600) { random_seeds(VDPU_ENGINE_MODEL, 1, 12); }
Test(suspend, random_traffic_rtl, .timeout = 600) { random_seeds(VDPU_ENGINE_RTL, 13, 12); }
Test(suspend, random_traffic_cosim, .timeout = 600) { random_seeds(VDPU_ENGINE_COSIM, 25, 12); }

/* A queue reset while suspended (RING_RESET): the queue is reset and enabled again, the data path
 * stays quiesced (no DMA) until the resume; the device stays suspended, then works. */
ENGINE_TEST_REALFW(suspend, queue_reset_while_suspended, .timeout = 300)
{
    virtio_drv_t *d = live(T, true);
    short_tx(T, d, 10);
    cr_assert_eq(virtio_drv_suspend(d), DRV_OK, "%s", d->refusal);
    uint64_t dma0 = t_dma_requests(T), m = t_msi_total(T);
    cr_assert_eq(virtio_drv_queue_reset(d, 1), DRV_OK, "%s", d->refusal);
    uint16_t ai, ui;
    bool aw, uw;
    cr_assert_eq(virtio_drv_queue_state(d, 1, &ai, &aw, &ui, &uw), DRV_OK);
    cr_assert(ai == 0 && ui == 0 && aw && uw, "the reset queue starts over");
    static const uint8_t zero[4];
    cr_assert(host_mem_write(&T->s.mem, d->q[1].driver, zero, 4), "the driver starts its ring over too");
    cr_assert(host_mem_write(&T->s.mem, d->q[1].device, zero, 4));
    cr_assert(host_mem_wr(T->b, T->s.pci.vcap[VIRTIO_PCI_CAP_NOTIFY_CFG].addr + 4, 2, 1), "a doorbell");
    run_cycles(T, 5000);
    cr_assert_eq(t_dma_requests(T), dma0, "still no DMA: the queue reset did not end the suspension");
    cr_assert_eq(t_msi_total(T), m);
    cr_assert_eq(drv_status(d), ST_SUSPENDED);
    cr_assert_eq(virtio_drv_resume(d), DRV_OK, "%s", d->refusal);
    short_tx(T, d, 10);
    free(d);
}

/* ---- the settle before a stop (the vhost-user bridge at GET_VRING_BASE, sim/vhost/bridge.c) ----
 * The frontend's vCPUs are stopped; the bridge lets the bus settle (vdpu_bus_settle) before it suspends
 * and resets the device, so a frame the device transmitted and the loopback brought back - on the wire
 * or in the device's frame buffer - reaches the receive ring instead of being lost with the reset. Here
 * a stop comes D cycles after the K-th frame left the device (loopback, split ring; one run per K, D),
 * at least once with its looped-back copy not yet in the receive ring, else with the next transmit
 * buffer in service; settled and suspended, the device shows every frame transmitted in the receive
 * ring, and it settled before the cycle budget ran out. */
struct settle_probe {
    uint64_t tx0;     /* frames the port had transmitted before this run */
    uint64_t after;   /* stop `delay` cycles after this run transmitted this many frames */
    uint64_t delay, t0;
    bool stopped;     /* the stop was made */
    bool in_flight;   /* ... with a transmitted frame not yet in the receive ring when it came */
    uint64_t missing; /* frames transmitted that the receive ring did not show once suspended */
};

/* the split receive ring's used idx, as the device wrote it (host memory: no cycles) */
static uint16_t rx_used_idx(virtio_net_t *n)
{
    uint16_t v = 0;
    cr_assert(host_mem_read(&n->s->mem, n->rx.device + 2, &v, sizeof v));
    return v;
}

static void settle_turn(virtio_net_t *n, void *ctx)
{
    struct settle_probe *p = ctx;
    vdpu_bus_t *b = &n->s->bus;
    if (p->stopped || b->net.tx_frames - p->tx0 < p->after) return;
    if (!p->t0) p->t0 = b->dev->cycle;
    if (b->dev->cycle - p->t0 < p->delay) return;
    p->stopped = true;
    p->in_flight = rx_used_idx(n) != (uint16_t)(b->net.tx_frames - p->tx0);
    cr_assert(vdpu_bus_settle(b, 20000, 2000000), "the device settled");
    cr_assert_eq(b->net.rx_n, 0, "no frame left on the wire");
    cr_assert_eq(virtio_drv_suspend(n->d), DRV_OK, "%s", n->d->refusal);
    p->missing = (uint16_t)(b->net.tx_frames - p->tx0 - rx_used_idx(n));
    cr_assert_eq(virtio_drv_resume(n->d), DRV_OK, "%s", n->d->refusal);
}

ENGINE_TEST_REALFW(suspend, settle_before_stop_delivers_frames_in_flight, .timeout = 300)
{
    /* without the settle, the last three lose a frame on every engine: the suspend finishes the transmit
     * buffer in service and its looped-back copy arrives at a suspended device (checked by removing it) */
    static const uint64_t after[] = {1, 3, 5, 11}, delay[] = {0, 600, 900, 1050};
    unsigned in_flight = 0;
    for (unsigned k = 0; k < sizeof after / sizeof after[0]; k++) {
        virtio_drv_t *d = live(T, true);
        virtio_net_t *n = calloc(1, sizeof *n);
        cr_assert_not_null(n);
        struct settle_probe p = {T->b->net.tx_frames, after[k], delay[k], 0, false, false, 0};
        struct net_opts no;
        memset(&no, 0, sizeof no);
        no.on_turn = settle_turn;
        no.on_turn_ctx = &p;
        struct net_params np = {NET_LOOPBACK, 16, 64, 5 + k, 4000000};
        cr_assert_eq(virtio_net_open_opts(n, d, &np, &no), 0, "%s", n->error);
        cr_assert_eq(virtio_net_run(n), 0, "traffic: %s", n->error);
        cr_assert_eq(virtio_net_packets(n), 16, "every frame exactly once");
        cr_assert(p.stopped, "the stop after frame %llu was made", (unsigned long long)p.after);
        cr_assert_eq(p.missing, 0, "stop after frame %llu: %llu frames transmitted but not in the receive ring once suspended",
                     (unsigned long long)p.after, (unsigned long long)p.missing);
        in_flight += p.in_flight;
        virtio_net_close(n);
        free(n);
        free(d);
    }
    cr_assert_gt(in_flight, 0, "a stop came with a looped-back frame still in flight");
}

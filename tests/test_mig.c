/* test_mig.c - the hypervisor's stop and run through the MIG region (vendor-specific, docs/migration.md;
 * firmware fw/events.c on_mig_ctrl): the region and its capability; stops at many points of TX, RX and
 * loopback traffic on split and packed rings that the driver never notices (device_status unchanged,
 * it keeps posting and kicking) with no DMA and no interrupt while stopped, every consumed buffer used
 * and its interrupt delivered before the stop completes, and every frame exactly once after the run;
 * stop/run idempotent, reserved bits refused (EINVAL) with nothing changed, a stop that cannot quiesce
 * refused (EBUSY) with the device still running; stopped mode across a driver reset, a driver
 * initialization, link changes, control-queue doorbells, SUSPEND and an internal error; random
 * net-random traffic with random stops; model, rtl, cosim. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "pause_traffic.h"
#include "link.h"
#include "mig.h"
#include "netrand.h"
#include "virtio_ctrl.h"
#include "virtio_net.h"
#include "virtio_net_ring.h"
#include "virtio_suspend.h"

#define ST_RUNNING 0x0Fu   /* ACKNOWLEDGE | DRIVER | FEATURES_OK | DRIVER_OK */
#define ST_SUSPENDED 0x1Bu /* ... with SUSPEND, without DRIVER_OK */

static void stop(struct tctx *t)
{
    char err[256];
    cr_assert_eq(mig_stop(&t->s, err, sizeof err), 0, "%s", err);
}

static void run(struct tctx *t)
{
    char err[256];
    cr_assert_eq(mig_run(&t->s, err, sizeof err), 0, "%s", err);
}

static uint32_t command(struct tctx *t, uint32_t ctrl)
{
    char err[256];
    uint32_t st = 0;
    cr_assert_eq(mig_command(&t->s, ctrl, &st, err, sizeof err), 0, "%s", err);
    return st;
}

static uint32_t mig_rd(struct tctx *t, uint32_t reg)
{
    uint64_t v = 0xdead;
    cr_assert_eq(mem_rd_st(t, t->s.pci.mig + reg, 4, &v), VDPU_CPL_SC);
    return (uint32_t)v;
}

#define SEQ(st) ((st) >> VDPU_MIG_STATUS_SEQ_LSB)
#define CODE(st) (((st) & VDPU_MIG_STATUS_CODE) >> VDPU_MIG_STATUS_CODE_LSB)

/* ---- the region and its capability ---- */

ENGINE_TEST_REALFW(mig, region_and_capability, .timeout = 120)
{
    /* the second vendor data capability, after VQSTATE's, names the region */
    uint8_t p = VDPU_CFG_MIGC_VNDR;
    cr_assert_eq(cfg_rd(T, VDPU_CFG_VNDR_NEXT, 1), p, "VQSTATE's capability links to it");
    cr_assert_eq(cfg_rd(T, p, 1), 0x09);
    cr_assert_eq(cfg_rd(T, p + 1, 1), 0, "the last one");
    cr_assert_eq(cfg_rd(T, p + VDPU_VNDR_OFF(hdr.cap_len), 1), 20);
    cr_assert_eq(cfg_rd(T, p + VDPU_VNDR_OFF(hdr.cfg_type), 1), VIRTIO_PCI_CAP_VENDOR_CFG);
    cr_assert_eq(cfg_rd(T, p + VDPU_VNDR_OFF(hdr.vendor_id), 2), VDPU_VNDR_DATA_ID);
    cr_assert_eq(cfg_rd(T, p + VDPU_VNDR_OFF(format), 1), 2, "format 2: migration control");
    cr_assert_eq(cfg_rd(T, p + VDPU_VNDR_OFF(bar), 1), 0);
    cr_assert_eq(cfg_rd(T, p + VDPU_VNDR_OFF(magic), 4), 0x56445055, "'VDPU'");
    cr_assert_eq(cfg_rd(T, p + VDPU_VNDR_OFF(offset), 4), 0x7000);
    cr_assert_eq(cfg_rd(T, p + VDPU_VNDR_OFF(length), 4), 0x1000);
    cfg_wr(T, p + VDPU_VNDR_OFF(offset), 4, 0x1234);
    expect_diag(T, VDPU_DIAG_CFG_RO_WRITE, p + VDPU_VNDR_OFF(offset));
    cr_assert_eq(cfg_rd(T, p + VDPU_VNDR_OFF(offset), 4), 0x7000);
    cr_assert_eq(cfg_rd(T, VDPU_CFG_CAPS_END, 4), 0, "nothing past it");
    expect_diag(T, VDPU_DIAG_CFG_UNIMPL, VDPU_CFG_CAPS_END);
    t_enumerate(T);
    cr_assert(T->s.pci.mig_found);
    cr_assert_eq(T->s.pci.mig_cap, p);
    cr_assert_eq(T->s.pci.mig, T->bar + 0x7000);
    /* the registers: constants, the mode, the status; read-only ones refuse writes */
    cr_assert_eq(mig_rd(T, VDPU_MIG_ID), 0x10001, "interface version 1, state format 1");
    cr_assert_eq(mig_rd(T, VDPU_MIG_CAPS), 15, "stop/run, state get, state set, dirty page log");
    cr_assert_eq(mig_rd(T, VDPU_MIG_CTRL), 0, "running");
    cr_assert_eq(mig_rd(T, VDPU_MIG_STATUS), 0, "no command yet");
    expect_no_diag(T);
    static const uint32_t ro[] = {VDPU_MIG_ID, VDPU_MIG_CAPS, VDPU_MIG_STATUS};
    for (unsigned i = 0; i < 3; i++) {
        bar_wr(T, VDPU_BAR_MIG_OFF + ro[i], 4, 0xffffffff);
        expect_diag(T, VDPU_DIAG_BAR_RO_WRITE, VDPU_BAR_MIG_OFF + ro[i]);
    }
    cr_assert_eq(mig_rd(T, VDPU_MIG_STATUS), 0, "a write to STATUS is no command");
    cr_assert_eq(mig_rd(T, VDPU_MIG_DATA), 0, "no result yet");
    bar_wr(T, VDPU_BAR_MIG_OFF + VDPU_MIG_DATA, 4, 1);
    expect_diag(T, VDPU_DIAG_BAR_RO_WRITE, VDPU_BAR_MIG_OFF + VDPU_MIG_DATA);
    /* between the registers and the window: a hole */
    cr_assert_eq(bar_rd(T, VDPU_BAR_MIG_OFF + 0x14, 4), 0);
    expect_diag(T, VDPU_DIAG_BAR_HOLE, VDPU_BAR_MIG_OFF + 0x14);
    cr_assert_eq(bar_rd(T, VDPU_BAR_MIG_OFF + VDPU_MIG_WIN - 4, 4), 0);
    expect_diag(T, VDPU_DIAG_BAR_HOLE, VDPU_BAR_MIG_OFF + VDPU_MIG_WIN - 4);
    /* the state window: plain storage, read back, no side effects, no event (MIG STATUS unchanged) */
    cr_assert_eq(mig_rd(T, VDPU_MIG_WIN), 0, "the state RAM starts at 0");
    for (unsigned i = 0; i < 511; i += 73) bar_wr(T, VDPU_BAR_MIG_OFF + VDPU_MIG_WIN + 4 * i, 4, 0xA5000000u | i);
    bar_wr(T, VDPU_BAR_MIG_OFF + VDPU_MIG_WIN + 4 * 511, 4, 0xFEEDF00Du);
    for (unsigned i = 0; i < 511; i += 73) cr_assert_eq(mig_rd(T, VDPU_MIG_WIN + 4 * i), 0xA5000000u | i, "dword %u", i);
    cr_assert_eq(mig_rd(T, VDPU_MIG_WIN + 4 * 511), 0xFEEDF00Du, "the last dword");
    cr_assert_eq(bar_rd(T, VDPU_BAR_MIG_OFF + VDPU_MIG_WIN, 8), 0);
    expect_diag(T, VDPU_DIAG_BAR_BAD_SIZE, VDPU_BAR_MIG_OFF + VDPU_MIG_WIN);
    expect_no_diag(T);
    cr_assert_eq(mig_rd(T, VDPU_MIG_STATUS), 0, "window accesses are no commands");
    /* firmware reaches the same RAM (MIG_RAM_IDX / MIG_RAM_DATA), as the state commands use it */
    poke_csr(T, VDPU_CSR_MIG_RAM_IDX, 73);
    cr_assert_eq(peek_csr(T, VDPU_CSR_MIG_RAM_DATA), 0xA5000000u | 73, "firmware reads what the host wrote");
    poke_csr(T, VDPU_CSR_MIG_RAM_IDX, 510);
    poke_csr(T, VDPU_CSR_MIG_RAM_DATA, 0x11111111u);
    poke_csr(T, VDPU_CSR_MIG_RAM_DATA, 0x22222222u); /* dword 511 */
    poke_csr(T, VDPU_CSR_MIG_RAM_DATA, 0x33333333u); /* wraps to dword 0 */
    cr_assert_eq(peek_csr(T, VDPU_CSR_MIG_RAM_IDX), 1, "a write moves to the next dword, wrapping at 512");
    cr_assert_eq(mig_rd(T, VDPU_MIG_WIN + 4 * 510), 0x11111111u, "the host reads what firmware wrote");
    cr_assert_eq(mig_rd(T, VDPU_MIG_WIN + 4 * 511), 0x22222222u);
    cr_assert_eq(mig_rd(T, VDPU_MIG_WIN), 0x33333333u);
    cr_assert_eq(bar_rd(T, VDPU_BAR_MIG_OFF + VDPU_MIG_CTRL, 2), 0);
    expect_diag(T, VDPU_DIAG_BAR_BAD_SIZE, VDPU_BAR_MIG_OFF + VDPU_MIG_CTRL);
    bar_wr(T, VDPU_BAR_MIG_OFF + VDPU_MIG_CTRL, 1, 1);
    expect_diag(T, VDPU_DIAG_BAR_BAD_SIZE, VDPU_BAR_MIG_OFF + VDPU_MIG_CTRL);

    cr_assert_eq(mig_rd(T, VDPU_MIG_CTRL), 0, "a badly sized write is no command either");
    /* also reachable through the PCI cfg window, like every BAR0 field */
    cfg_wr(T, VDPU_CFG_PCICFG_BAR, 1, 0);
    cfg_wr(T, VDPU_CFG_PCICFG_OFF, 4, VDPU_BAR_MIG_OFF + VDPU_MIG_CAPS);
    cfg_wr(T, VDPU_CFG_PCICFG_LENGTH, 4, 4);
    cr_assert_eq(cfg_rd(T, VDPU_CFG_PCICFG_DATA, 4), VDPU_MIG_CAPS_VALUE);
}

/* ---- stops in the middle of traffic (tests/pause_traffic.c: the checks while stopped) ---- */

static void hv_stop(struct tctx *t, virtio_drv_t *d)
{
    (void)d;
    stop(t);
    cr_assert_eq(mig_rd(t, VDPU_MIG_CTRL), 1, "stopped");
}

static void hv_run(struct tctx *t, virtio_drv_t *d)
{
    (void)d;
    cr_assert_eq(mig_rd(t, VDPU_MIG_CTRL), 1, "still stopped");
    run(t);
}

/* the driver reads a running device all along */
static const struct pause_ops stopping = {"stop", hv_stop, hv_run, ST_RUNNING, false};

static void traffic_with_stops(struct tctx *t, const struct pause_opts *so)
{
    struct pause_result r = t_traffic_with_pauses(t, so, &stopping);
    cr_assert_eq(r.owed_msi, r.owed, "each time the interrupt owed for used buffers came before the stop completed");
    cr_assert_eq(SEQ(mig_rd(t, VDPU_MIG_STATUS)), 2 * r.points, "one command per stop and per run");
}

/* the points: before the first frame completed, then after some frames with odd delays, so they fall
 * into different engine states (payload reads, used write-back, idle with doorbells pending) */
ENGINE_TEST_REALFW(mig, split_tx, .timeout = 600)
{
    struct pause_opts so = {DRV_RING_SPLIT, NET_TX, 120, 64, 0, false, {{0, 900}, {30, 113}, {77, 451}}};
    traffic_with_stops(T, &so);
}

ENGINE_TEST_REALFW(mig, packed_tx, .timeout = 600)
{
    struct pause_opts so = {DRV_RING_PACKED, NET_TX, 120, 64, 32, false, {{0, 1201}, {33, 17}, {90, 311}}};
    traffic_with_stops(T, &so);
}

ENGINE_TEST_REALFW(mig, split_loopback_not_in_order, .timeout = 600)
{
    struct pause_opts so = {DRV_RING_SPLIT, NET_LOOPBACK, 80, 200, 0, true, {{0, 1499}, {25, 29}, {61, 1001}}};
    traffic_with_stops(T, &so);
}

ENGINE_TEST_REALFW(mig, packed_loopback_wraps, .timeout = 600)
{
    /* 16-slot rings: the stops fall after wraps */
    struct pause_opts so = {DRV_RING_PACKED, NET_LOOPBACK, 60, 100, 16, false, {{0, 2003}, {20, 217}, {47, 23}}};
    traffic_with_stops(T, &so);
}

ENGINE_TEST_REALFW(mig, split_rx_mergeable, .timeout = 600)
{
    /* 1500-byte frames into the driver's receive buffers (MRG_RXBUF negotiated by default) */
    struct pause_opts so = {DRV_RING_SPLIT, NET_RX, 100, 1500, 0, false, {{0, 1100}, {31, 7}, {70, 603}}};
    traffic_with_stops(T, &so);
}

ENGINE_TEST_REALFW(mig, packed_rx_not_in_order, .timeout = 600)
{
    struct pause_opts so = {DRV_RING_PACKED, NET_RX, 100, 300, 32, true, {{0, 77}, {40, 1333}, {41, 5}, {88, 260}}};
    traffic_with_stops(T, &so);
}

/* ---- control-plane cases ---- */

static virtio_drv_t *live(struct tctx *t, bool suspend_feature) { return t_live_driver(t, suspend_feature); }

/* A fresh driver (reset, initialization) and a short TX run: the data path works. */
static void short_tx(struct tctx *t, uint64_t frames)
{
    virtio_drv_t *d = live(t, false);
    t_short_tx(t, d, frames);
    free(d);
}

/* Frames posted and kicked while stopped: not one DMA until the run, then all of them (the run is
 * the hypervisor's, from the driver's loop). */
struct waits {
    struct tctx *t;
    uint64_t start, dma0;
    bool ran;
};

static void run_after_a_while(virtio_net_t *n, void *ctx)
{
    (void)n;
    struct waits *w = ctx;
    if (w->ran || w->t->b->dev->cycle - w->start < 10000) return;
    cr_assert_eq(t_dma_requests(w->t), w->dma0, "stopped: the doorbells are remembered, nothing moves");
    run(w->t);
    w->ran = true;
}

static void tx_waits_for_run(struct tctx *t, virtio_drv_t *d, unsigned frames)
{
    virtio_net_t *n = calloc(1, sizeof *n);
    cr_assert_not_null(n);
    struct waits w = {t, t->b->dev->cycle, t_dma_requests(t), false};
    struct net_opts o;
    memset(&o, 0, sizeof o);
    o.on_turn = run_after_a_while;
    o.on_turn_ctx = &w;
    struct net_params np = {NET_TX, frames, 64, 5, 400000};
    cr_assert_eq(virtio_net_open_opts(n, d, &np, &o), 0, "%s", n->error);
    cr_assert_eq(virtio_net_run(n), 0, "traffic: %s", n->error);
    cr_assert(w.ran, "the frames went out only after the run");
    cr_assert_eq(virtio_net_packets(n), frames);
    virtio_net_close(n);
    free(n);
}

/* Stop while stopped and run while running succeed (virtio DEV_MODE_SET rules); reserved bits are
 * refused with EINVAL and change nothing; the driver never sees any of it. */
ENGINE_TEST_REALFW(mig, idempotent_and_reserved_bits, .timeout = 300)
{
    virtio_drv_t *d = live(T, false);
    uint32_t st = command(T, 0);
    cr_assert_eq(st, 1u << VDPU_MIG_STATUS_SEQ_LSB, "run while running: OK, running (0x%08x)", st);
    st = command(T, VDPU_MIG_CTRL_STOP);
    cr_assert_eq(st, 2u << VDPU_MIG_STATUS_SEQ_LSB | VDPU_MIG_STATUS_STOPPED, "stopped (0x%08x)", st);
    st = command(T, VDPU_MIG_CTRL_STOP);
    cr_assert_eq(st, 3u << VDPU_MIG_STATUS_SEQ_LSB | VDPU_MIG_STATUS_STOPPED, "stop while stopped: OK (0x%08x)", st);
    cr_assert_eq(drv_status(d), ST_RUNNING, "device_status never changes");
    t_console_on(T);
    st = command(T, VDPU_MIG_CTRL_STOP | 0x1000);
    cr_assert_eq(CODE(st), MIG_ST_EINVAL, "reserved bit 12: EINVAL (0x%08x)", st);
    cr_assert(st & VDPU_MIG_STATUS_ERROR);
    cr_assert(st & VDPU_MIG_STATUS_STOPPED, "still stopped");
    st = command(T, 0x80000000u);
    cr_assert_eq(CODE(st), MIG_ST_EINVAL, "a run with reserved bit 31: EINVAL, still stopped (0x%08x)", st);
    cr_assert(st & VDPU_MIG_STATUS_STOPPED);
    run_cycles(T, 5000);
    const char *log = t_console_text(T);
    cr_assert(strstr(log, "migration command 0x00001001 refused: reserved bits, several operations, or a state command "
                          "without STOP (EINVAL)"),
              "%s", log);
    char err[256];
    cr_assert_eq(mig_run(&T->s, err, sizeof err), 0, "%s", err);
    st = mig_rd(T, VDPU_MIG_STATUS);
    cr_assert_eq(st, 6u << VDPU_MIG_STATUS_SEQ_LSB, "running, the error cleared by the next command (0x%08x)", st);
    st = command(T, 2);
    cr_assert_eq(st & 0xFFFF, MIG_ST_EINVAL << VDPU_MIG_STATUS_CODE_LSB | VDPU_MIG_STATUS_ERROR,
                 "EINVAL while running: still running (0x%08x)", st);
    cr_assert_eq(mig_run(&T->s, err, sizeof err), 0, "%s", err);
    short_tx(T, 10);
    cr_assert_eq(drv_status(d), ST_RUNNING);
    free(d);
}

/* A stop before the driver loaded: the driver initializes the device while it is stopped (config
 * writes are applied, DRIVER_OK shows), but nothing moves until the run. */
ENGINE_TEST_REALFW(mig, driver_initializes_a_stopped_device, .timeout = 300)
{
    t_enumerate(T);
    stop(T);
    virtio_drv_t *d = live(T, false);
    cr_assert_eq(drv_status(d), ST_RUNNING, "initialized while stopped");
    tx_waits_for_run(T, d, 7);
    short_tx(T, 10);
    free(d);
}

/* The driver resets a stopped device (the mode is the hypervisor's: a reset keeps it), then sets it up
 * again: no DMA until the run. */
ENGINE_TEST_REALFW(mig, stop_survives_a_driver_reset, .timeout = 300)
{
    virtio_drv_t *d = live(T, false);
    short_tx(T, 10);
    stop(T);
    cr_assert_eq(virtio_drv_reset(d), DRV_OK, "a reset works while stopped");
    cr_assert_eq(drv_status(d), 0);
    cr_assert_eq(mig_rd(T, VDPU_MIG_CTRL), 1, "still stopped after the reset");
    free(d);
    d = live(T, false);
    tx_waits_for_run(T, d, 5);
    short_tx(T, 10);
    free(d);
}

static uint16_t net_status(struct tctx *t)
{
    uint64_t v = 0;
    cr_assert_eq(mem_rd_st(t, t->s.pci.vcap[VIRTIO_PCI_CAP_DEVICE_CFG].addr + VDPU_NETCFG_STATUS, 2, &v), VDPU_CPL_SC);
    return (uint16_t)v;
}

/* Link changes while stopped: no config change notification (the spec's stopped device sends none),
 * the configuration space unchanged; the run applies the change and sends it. */
ENGINE_TEST_REALFW(mig, link_change_told_at_run, .timeout = 300)
{
    virtio_drv_t *d = live(T, false);
    stop(T);
    uint64_t m = t_msi_total(T);
    T->b->link_up = false;
    t_run_polling(T, d, 5000);
    cr_assert_eq(d->cfg_irqs_handled, 0, "no config interrupt while stopped");
    cr_assert_eq(t_msi_total(T), m);
    cr_assert_eq(net_status(T) & VIRTIO_NET_S_LINK_UP, VIRTIO_NET_S_LINK_UP, "net status unchanged while stopped");
    run(T);
    t_run_polling(T, d, 3000);
    cr_assert_eq(d->cfg_irqs_handled, 1, "one config interrupt, at the run");
    cr_assert_eq(d->net_status & VIRTIO_NET_S_LINK_UP, 0, "the driver reads the link down");
    /* a stop, a driver reset and a link change: the reset keeps the change owed */
    stop(T);
    cr_assert_eq(virtio_drv_reset(d), DRV_OK);
    T->b->link_up = true;
    run_cycles(T, 5000);
    free(d);
    d = calloc(1, sizeof *d);
    cr_assert_not_null(d);
    struct drv_params p;
    drv_params_default(&p);
    cr_assert_eq(virtio_drv_init(d, &T->s, &p), DRV_OK, "%s", d->refusal);
    cr_assert_eq(net_status(T) & VIRTIO_NET_S_LINK_UP, 0, "still the old level while stopped");
    uint64_t cfg_msi = T->s.mem.msi_count[PCI_MSI_DATA_BASE + 0];
    run(T);
    t_run_polling(T, d, 3000);
    cr_assert_eq(net_status(T) & VIRTIO_NET_S_LINK_UP, VIRTIO_NET_S_LINK_UP, "applied at the run");
    cr_assert_eq(T->s.mem.msi_count[PCI_MSI_DATA_BASE + 0], cfg_msi + 1, "and told: one config interrupt");
    cr_assert_eq(d->net_status & VIRTIO_NET_S_LINK_UP, VIRTIO_NET_S_LINK_UP, "the driver reads the link up");
    free(d);
}

/* A control-queue doorbell while stopped: accepted, the ring untouched; the run serves it. */
ENGINE_TEST_REALFW(mig, control_queue_served_at_run, .timeout = 300)
{
    virtio_drv_t *d = live(T, false);
    virtio_ctrl_t *c = calloc(1, sizeof *c);
    cr_assert_not_null(c);
    cr_assert_eq(virtio_ctrl_open(c, d), 0, "%s", c->error);
    cr_assert_not(c->packed);
    stop(T);
    uint64_t dma0 = t_dma_requests(T);
    static const uint8_t mac[6] = {0x52, 0x54, 0x00, 0xab, 0xcd, 0xef};
    uint8_t ack = 0xEE;
    cr_assert_neq(virtio_ctrl_cmd(c, VNET_CTRL_MAC, VNET_CTRL_MAC_ADDR_SET, mac, 6, &ack, 20000), 0,
                  "no answer while stopped");
    cr_assert_eq(t_dma_requests(T), dma0, "the firmware did not touch the ring");
    run(T);
    run_cycles(T, 20000);
    uint16_t used;
    cr_assert(host_mem_read(&T->s.mem, c->device + 2, &used, 2));
    cr_assert_eq(used, 1, "the command was used after the run");
    uint64_t v;
    cr_assert_eq(mem_rd_st(T, T->s.pci.vcap[VIRTIO_PCI_CAP_DEVICE_CFG].addr + VDPU_NETCFG_MAC5, 1, &v), VDPU_CPL_SC);
    cr_assert_eq(v, 0xef, "and executed: the MAC changed");
    free(c);
    free(d);
}

/* The driver's SUSPEND and the hypervisor's stop together: either order, the data path moves only when
 * neither holds it. */
ENGINE_TEST_REALFW(mig, with_the_drivers_suspend, .timeout = 300)
{
    virtio_drv_t *d = live(T, true);
    /* suspended, then stopped; the driver resumes (it sees DRIVER_OK) but nothing moves until the run */
    cr_assert_eq(virtio_drv_suspend(d), DRV_OK, "%s", d->refusal);
    stop(T);
    cr_assert_eq(virtio_drv_resume(d), DRV_OK, "%s", d->refusal);
    cr_assert_eq(drv_status(d), ST_RUNNING);
    tx_waits_for_run(T, d, 6);
    /* stopped, then suspended; the run leaves the driver's suspension in force */
    stop(T);
    cr_assert_eq(virtio_drv_suspend(d), DRV_OK, "%s", d->refusal);
    uint64_t dma0 = t_dma_requests(T);
    run(T);
    cr_assert_eq(drv_status(d), ST_SUSPENDED, "still suspended");
    cr_assert(host_mem_wr(T->b, T->s.pci.vcap[VIRTIO_PCI_CAP_NOTIFY_CFG].addr + 4, 2, 1));
    run_cycles(T, 5000);
    cr_assert_eq(t_dma_requests(T), dma0, "the run does not end the driver's suspension");
    cr_assert_eq(virtio_drv_resume(d), DRV_OK, "%s", d->refusal);
    short_tx(T, 10);
    free(d);
}

/* A stop that cannot quiesce (a DMA read that does not complete within the firmware's bound): EBUSY,
 * and the device keeps running - no DEVICE_NEEDS_RESET, which the driver would see. */
ENGINE_TEST_REALFW(mig, quiesce_failure_refused_device_keeps_running, .timeout = 300)
{
    virtio_drv_t *d = live(T, false);
    virtio_net_t *n = calloc(1, sizeof *n);
    cr_assert_not_null(n);
    struct net_params np = {NET_TX, 1, 64, 3, 400000};
    cr_assert_eq(virtio_net_open(n, d, &np), 0, "%s", n->error);
    T->b->link.p.rtt = 60000; /* past the firmware's quiesce bound */
    uint8_t frame[12 + 64];
    memset(frame, 0, sizeof frame);
    memset(frame + 12, 0xFF, 12);
    uint32_t len = sizeof frame;
    vnet_post(n, &n->tx, 1, &len, frame);
    vnet_kick(n, &n->tx);
    for (unsigned i = 0; i < 2000 && !T->b->link.nrd; i++) vdpu_bus_step(T->b);
    cr_assert_gt(T->b->link.nrd, 0, "a read is outstanding");
    t_console_on(T);
    char err[256];
    cr_assert_neq(mig_stop(&T->s, err, sizeof err), 0);
    cr_assert(strstr(err, "EBUSY"), "%s", err);
    uint32_t st = mig_rd(T, VDPU_MIG_STATUS);
    cr_assert_eq(st & 0xFFFF, MIG_ST_EBUSY << VDPU_MIG_STATUS_CODE_LSB | VDPU_MIG_STATUS_ERROR, "0x%08x", st);
    cr_assert_eq(T->b->diag_count[VDPU_DIAG_HELD_TIMEOUT], 0, "the status read was answered in time");
    cr_assert_eq(drv_status(d), ST_RUNNING, "no DEVICE_NEEDS_RESET: the failed stop changed nothing");
    run_cycles(T, 8000);
    const char *log = t_console_text(T);
    cr_assert(strstr(log, "migration stop failed: data path not quiesced (EBUSY), the device keeps running"), "%s",
              log);
    T->b->link.p.rtt = 200;
    for (unsigned i = 0; i < 200000 && !link_idle(&T->b->link); i++) vdpu_bus_step(T->b);
    run_cycles(T, 5000);
    uint16_t ui;
    cr_assert_eq(virtio_drv_queue_state(d, n->tx.idx, NULL, NULL, &ui, NULL), DRV_OK);
    cr_assert_eq(ui, 1, "the frame went out: the data path kept running");
    virtio_net_close(n);
    free(n);
    stop(T); /* and a stop now works */
    run(T);
    short_tx(T, 5);
    free(d);
}

/* An internal error while stopped: DEVICE_NEEDS_RESET shows in device_status, its config interrupt
 * waits for the run; a reset recovers. */
ENGINE_TEST_REALFW(mig, internal_error_while_stopped, .timeout = 300)
{
    virtio_drv_t *d = live(T, false);
    stop(T);
    uint64_t m = t_msi_total(T), dma0 = t_dma_requests(T);
    T->b->dp_err = true;
    vdpu_bus_step(T->b);
    T->b->dp_err = false;
    run_cycles(T, 5000);
    cr_assert_eq(drv_status(d), ST_RUNNING | VIRTIO_CONFIG_S_NEEDS_RESET);
    cr_assert_eq(t_msi_total(T), m, "no config interrupt while stopped");
    cr_assert_eq(t_dma_requests(T), dma0);
    run(T);
    t_run_polling(T, d, 3000);
    cr_assert_eq(d->cfg_irqs_handled, 1, "the config interrupt at the run");
    cr_assert_eq(virtio_drv_reset(d), DRV_OK, "a reset recovers");
    free(d);
    d = live(T, false);
    short_tx(T, 10);
    free(d);
}

/* ---- random traffic (vdpu run --workload net-random's configurations) with random stops ---- */

struct rstop {
    uint64_t seed, next, n, mq; /* mq: stops in a phase with more than one queue pair */
};

/* Every few thousand cycles, whatever the driver is doing (device resets of the workload included):
 * stop, 3,000 cycles with doorbells on both queues and no DMA (MSI-X included), every consumed buffer
 * used, run. The configurations include poll mode, host backpressure, reordered completions, prefetch,
 * batches, several reads, coalescing, MRG_RXBUF, IN_ORDER or not, random chains, device resets and the
 * two-queue-pair phase. */
static void random_turn(virtio_net_t *n, void *ctx)
{
    struct rstop *c = ctx;
    uint64_t now = n->s->bus.dev->cycle;
    if (!c->next) c->next = now + 300 + (c->seed * 7919) % 3000;
    if (now < c->next) return;
    c->next = now + 2000 + ((c->seed + c->n) * 104729) % 9000;
    char err[256];
    cr_assert_eq(mig_stop(n->s, err, sizeof err), 0, "seed %llu: %s", (unsigned long long)c->seed, err);
    c->n++;
    c->mq += n->data_vqs > 2;
    t_paused_quiet(n, c->seed, "stopped");
    cr_assert_eq(mig_run(n->s, err, sizeof err), 0, "seed %llu: %s", (unsigned long long)c->seed, err);
}

static void random_seeds(enum vdpu_engine e, uint64_t from, unsigned count)
{
    uint64_t total = 0, mq = 0;
    for (uint64_t seed = from; seed < from + count; seed++) {
        struct rstop rs = {seed, 0, 0, 0};
        t_netrand_with_hook(e, seed, false, random_turn, &rs, 3, 0); /* the stops take time */
        total += rs.n;
        mq += rs.mq;
    }
    cr_assert_gt(total, 10 * count, "stops happened (%llu)", (unsigned long long)total);
    cr_assert_gt(mq, 0, "stops happened with two queue pairs in use too");
}

Test(mig, random_traffic_model, .timeout = 600) { random_seeds(VDPU_ENGINE_MODEL, 101, 12); }
Test(mig, random_traffic_rtl, .timeout = 600) { random_seeds(VDPU_ENGINE_RTL, 113, 12); }
Test(mig, random_traffic_cosim, .timeout = 600) { random_seeds(VDPU_ENGINE_COSIM, 125, 12); }

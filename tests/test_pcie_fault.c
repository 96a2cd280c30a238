/* test_pcie_fault.c - PCIe faults on the DMA read path (docs/queue-engine.md "PCIe faults"), on model, rtl
 * and cosim with the real firmware: the device's defined response to each (the queue stopped with its
 * QERR code, DEVICE_NEEDS_RESET and the config interrupt, no DMA write for the queue after the fault,
 * nothing written outside the granted memory - the link's guard fails the run otherwise - no frame
 * with bad bytes on the wire), the completion timeout and its figures, a late completion discarded,
 * and traffic again after the driver's reset. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "link.h"
#include "virtio_net.h"
#include "virtio_ctrl.h"
#include "virtio_net_ring.h"

#define TXQ 1u
#define CPL_T VDPU_CSR_CPL_TIMEOUT_RESET
#define PURP_ANY 0xFFu
#define NEVER UINT64_MAX

/* ---- what the port monitor sees around a fault ------------------------------------------------ */

struct watch {
    struct tctx *t;
    /* the read it looks for: the first DMA read of `purpose` (PURP_ANY: any) after `skip` of them */
    bool armed;
    uint8_t purpose;
    unsigned skip;
    uint8_t kind;          /* the fault the link gives it (LINK_FAULT_NONE: only observed) */
    /* ... or, right after its request, a stray completion beat (the last of its read): status, bytes
     * and tag (-1: a tag no read is outstanding on, half the tag space away from the request's) */
    struct {
        bool on;
        uint8_t status;
        uint16_t len;
        int tag;
    } stray;
    /* what it saw */
    uint64_t fault_cycle;  /* that read's request accepted (NEVER: not yet) */
    uint16_t fault_queue;
    uint64_t err_cycle;    /* first cycle after it with the internal-error interrupt (fw_irq[3]) up */
    uint64_t writes_after; /* DMA writes for the faulted queue after the fault (not MSI-X, not firmware) */
    bool on;               /* counting (off once the driver resets the device) */
};

static struct watch *watch_of; /* the tests run one at a time per process */

static void watch_txn(void *ctx, const vdpu_txn_t *x)
{
    struct watch *w = ctx;
    if (!w->on) return;
    if (x->chan == VDPU_CH_DMAREQ && x->u.dmareq.type == VDPU_DMA_RD && w->armed &&
        (w->purpose == PURP_ANY || x->u.dmareq.purpose == w->purpose)) {
        if (w->skip) {
            w->skip--;
        } else {
            /* the link counts this read as its next one (the monitor sees the request first) */
            if (w->kind) {
                struct link_faults f = {.set = true, .n = 1};
                f.f[0].kind = w->kind;
                f.f[0].nth = w->t->b->link.reads + 1;
                link_set_faults(&w->t->b->link, &f);
            }
            if (w->stray.on) { /* the bus gives it at the next edge the link has no completion */
                vdpu_bus_t *b = w->t->b;
                memset(&b->dmacpl, 0, sizeof b->dmacpl);
                b->dmacpl.tag = (uint8_t)(w->stray.tag >= 0 ? (unsigned)w->stray.tag
                                                            : (x->u.dmareq.tag + VDPU_QENG_TAGS / 2) % VDPU_QENG_TAGS);
                b->dmacpl.status = w->stray.status;
                b->dmacpl.len = w->stray.len;
                memset(b->dmacpl.data, 0xA5, w->stray.len);
                b->dmacpl.last = true;
                b->dmacpl_pending = true;
            }
            w->armed = false;
            w->fault_cycle = x->cycle;
            w->fault_queue = x->u.dmareq.queue;
        }
    }
    if (w->fault_cycle == NEVER) return;
    if (x->chan == VDPU_CH_IRQ && (x->u.irq.fw_irq & 0x8u) && w->err_cycle == NEVER) w->err_cycle = x->cycle;
    if (x->chan == VDPU_CH_DMAREQ && x->u.dmareq.type == VDPU_DMA_WR && x->u.dmareq.purpose != VDPU_PURP_MSIX &&
        x->u.dmareq.purpose != VDPU_PURP_FW && x->u.dmareq.queue == w->fault_queue && x->cycle > w->fault_cycle)
        w->writes_after++;
}

/* the harness's own log keeps working: its hook first, then the watch */
static void (*chain_fn)(void *, const vdpu_txn_t *);
static void *chain_ctx;
static void chained(void *ctx, const vdpu_txn_t *x)
{
    if (chain_fn) chain_fn(chain_ctx, x);
    watch_txn(ctx, x);
}

static void watch_start(struct tctx *t, struct watch *w, uint8_t kind, uint8_t purpose, unsigned skip)
{
    memset(w, 0, sizeof *w);
    w->t = t;
    w->armed = true;
    w->kind = kind;
    w->purpose = purpose;
    w->skip = skip;
    w->fault_cycle = w->err_cycle = NEVER;
    w->on = true;
    if (t->b->on_txn != chained) {
        chain_fn = t->b->on_txn;
        chain_ctx = t->b->on_txn_ctx;
        t->b->on_txn = chained;
    }
    t->b->on_txn_ctx = w;
    watch_of = w;
}

/* ---- bring-up, traffic, the device's answer ------------------------------------------------------ */

static void bring_up(struct tctx *t, struct drv_params *p, virtio_drv_t *d)
{
    drv_params_default(p);
    t_drv_up(t, d, p);
}

static void traffic(struct tctx *t, virtio_drv_t *d, enum net_workload wl, uint64_t frames, unsigned size,
                    const char *when)
{
    virtio_net_t *n = calloc(1, sizeof *n);
    cr_assert(n);
    struct net_params np = {wl, frames, size, 11, 200000 + frames * 20000};
    cr_assert_eq(virtio_net_open(n, d, &np), 0, "%s: %s", when, n->error);
    int rc = virtio_net_run(n);
    cr_assert_eq(rc, 0, "%s: traffic failed: %s %s", when, n->error, t->b->stopped ? t->b->stop_reason : "");
    cr_assert_eq(virtio_net_packets(n), frames);
    virtio_net_close(n);
    free(n);
}

/* Run until the driver reads DEVICE_NEEDS_RESET (bounded); its status then. */
static uint8_t wait_needs_reset(struct tctx *t, virtio_drv_t *d, uint64_t limit)
{
    uint8_t st = 0;
    uint64_t end = t->b->dev->cycle + limit;
    while (!t->b->stopped && t->b->dev->cycle < end) {
        st = drv_status(d);
        if (st & VIRTIO_CONFIG_S_NEEDS_RESET) break;
        vdpu_bus_run_cycles(t->b, 500);
    }
    cr_assert(!t->b->stopped, "run stopped: %s", t->b->stop_reason);
    return st;
}

/* The driver resets the device (status 0, read back 0). */
static void reset_device(struct tctx *t, virtio_drv_t *d)
{
    cr_assert_eq(virtio_drv_reset(d), DRV_OK, "reset: %s", d->refusal);
    cr_assert_eq(drv_status(d), 0);
    cr_assert_eq(peek_csr(t, VDPU_CSR_QERR), 0, "QERR survives the reset");
    netport_flush_pending(&t->b->net);
}

/* ... brings it up again; traffic flows. */
static void reinit(struct tctx *t, virtio_drv_t *d, const struct drv_params *p)
{
    cr_assert_eq(virtio_drv_init(d, &t->s, p), DRV_OK, "re-init: %s", d->refusal);
    traffic(t, d, NET_LOOPBACK, 20, 0, "traffic after the reset");
    cr_assert(!t->b->link.error[0], "%s", t->b->link.error);
}

static void recover(struct tctx *t, virtio_drv_t *d, const struct drv_params *p, struct watch *w)
{
    w->on = false;
    reset_device(t, d);
    reinit(t, d, p);
}

/* ---- the completion timeout ----------------------------------------------------------------------- */

ENGINE_TEST_FW(pcie_fault, cpl_timeout_csr)
{
    cr_assert_eq(csr_rd(T, VDPU_CSR_CPL_TIMEOUT), 250000u, "1 ms at 250 MHz");
    csr_wr(T, VDPU_CSR_CPL_TIMEOUT, 12500);
    cr_assert_eq(csr_rd(T, VDPU_CSR_CPL_TIMEOUT), 12500u);
    csr_wr(T, VDPU_CSR_CPL_TIMEOUT, 0);
    cr_assert_eq(csr_rd(T, VDPU_CSR_CPL_TIMEOUT), 0u);
    csr_wr(T, VDPU_CSR_DEV_RESET, 1);
    cr_assert_eq(csr_rd(T, VDPU_CSR_CPL_TIMEOUT), 0u, "firmware's setting, not virtio state: DEV_RESET keeps it");
}

/*
 * A read whose completion comes later than CPL_TIMEOUT (a round trip of 300,000 cycles): the engine
 * gives up exactly CPL_TIMEOUT edges after the request with QERR_TIMEOUT on the queue, firmware sets
 * DEVICE_NEEDS_RESET; the completion arriving afterwards is unexpected (FW_ERR) and written nowhere:
 * no DMA write for the queue, no frame on the wire. Then a reset and traffic again.
 */
ENGINE_TEST_REALFW(pcie_fault, late_completion_after_timeout, .timeout = 300)
{
    virtio_drv_t *d = calloc(1, sizeof *d);
    virtio_net_t *n = calloc(1, sizeof *n);
    cr_assert(d && n);
    struct drv_params p;
    bring_up(T, &p, d);
    struct net_params np = {NET_TX, 1, 64, 3, 400000};
    cr_assert_eq(virtio_net_open(n, d, &np), 0, "%s", n->error);
    T->b->link.p.rtt = 300000;
    struct watch w;
    watch_start(T, &w, LINK_FAULT_NONE, PURP_ANY, 0);
    uint8_t frame[12 + 64];
    memset(frame, 0, sizeof frame);
    memset(frame + 12, 0xFF, 12);
    uint32_t len = sizeof frame;
    uint64_t cfg_irqs = T->s.mem.msi_count[PCI_MSI_DATA_BASE + 0];
    vnet_post(n, &n->tx, 1, &len, frame);
    vnet_kick(n, &n->tx);

    uint8_t st = wait_needs_reset(T, d, 2 * CPL_T);
    cr_assert(st & VIRTIO_CONFIG_S_NEEDS_RESET, "device_status 0x%02x: no DEVICE_NEEDS_RESET", st);
    cr_assert_gt(T->s.mem.msi_count[PCI_MSI_DATA_BASE + 0], cfg_irqs, "no config interrupt");
    cr_assert_neq(w.fault_cycle, NEVER, "no read");
    cr_assert_neq(w.err_cycle, NEVER, "no internal error");
    uint64_t detect = w.err_cycle - w.fault_cycle;
    cr_log_info("%s: read accepted at cycle %llu, internal error %llu cycles later (CPL_TIMEOUT %u)",
                vdpu_engine_name(T->engine), (unsigned long long)w.fault_cycle, (unsigned long long)detect, CPL_T);
    /* the request is accepted at edge A, RD_WAIT counts from edge A+1: the edge A+1+T fails the read,
     * the ERR edge after it latches the internal error, visible the cycle after */
    cr_assert(detect >= CPL_T && detect <= CPL_T + 4, "timeout detected %llu cycles after the request",
              (unsigned long long)detect);
    uint32_t qerr = peek_csr(T, VDPU_CSR_QERR), info = peek_csr(T, VDPU_CSR_ERR_INFO);
    cr_assert_eq(qerr, 1u << TXQ, "QERR 0x%x", qerr);
    cr_assert_eq(info & 0xff, VDPU_QERR_TIMEOUT, "ERR_INFO code %u", info & 0xff);
    cr_assert_eq((info >> 8) & 0xffff, TXQ);
    uint32_t fw_err0 = peek_csr(T, VDPU_CSR_FW_ERR);

    /* the completion arrives after all: unexpected, discarded */
    for (unsigned i = 0; i < 400 && !link_idle(&T->b->link); i++) vdpu_bus_run_cycles(T->b, 1000);
    cr_assert(link_idle(&T->b->link), "the late completion was never delivered");
    run_cycles(T, 100);
    uint32_t fw_err = peek_csr(T, VDPU_CSR_FW_ERR);
    cr_assert_eq(fw_err & 0xff, VDPU_FWERR_UNEXPECTED_CPL, "FW_ERR 0x%x", fw_err);
    cr_assert_gt(fw_err >> 16, fw_err0 >> 16, "the late completion is counted");
    cr_assert_eq(w.writes_after, 0, "%llu DMA writes for the queue after the fault", (unsigned long long)w.writes_after);
    cr_assert_eq(T->b->net.tx_frames, 0, "a frame went out");
    cr_assert_eq(peek_csr(T, VDPU_CSR_QERR), 1u << TXQ, "the queue stays stopped");

    T->b->link.p.rtt = 200;
    virtio_net_close(n);
    recover(T, d, &p, &w);
    free(n);
    free(d);
}

/* ---- each fault kind on the data path ------------------------------------------------------------- */

/* what the device must answer a fault with (docs/queue-engine.md "PCIe faults") */
enum answer {
    ANS_QERR_DMA,     /* the queue stopped with QERR_DMA, nothing written for it after the fault */
    ANS_QERR_TIMEOUT, /* ... with QERR_TIMEOUT */
    ANS_UNEXPECTED,   /* no queue stopped (its read completed, correct): FW_ERR UNEXPECTED_CPL */
};

struct fcase {
    uint8_t kind;
    enum drv_ring ring;
    enum net_workload wl;
    uint8_t purpose;
    unsigned skip; /* reads of that purpose let through first */
    enum answer ans;
    bool pay;      /* several reads outstanding (max reads 4) */
};

static void fault_case(struct tctx *t, const struct fcase *c)
{
    virtio_drv_t *d = calloc(1, sizeof *d);
    virtio_net_t *n = calloc(1, sizeof *n);
    cr_assert(d && n);
    struct drv_params p;
    drv_params_default(&p);
    p.ring = c->ring;
    t_drv_up(t, d, &p);

    /* 1500-byte frames: a TX chain of 12 + 1500 bytes takes three payload reads of 512, 512, 488 bytes
     * (16, 16 and 16 beats at the 64-byte completion boundary) */
    struct net_params np = {c->wl, 30, 1500, 5, 30 * 20000 + 3ull * CPL_T};
    cr_assert_eq(virtio_net_open(n, d, &np), 0, "%s", n->error);
    struct watch w;
    watch_start(t, &w, c->kind, c->purpose, c->skip);
    uint64_t cfg_irqs = t->s.mem.msi_count[PCI_MSI_DATA_BASE + 0];
    int rc = virtio_net_run(n);
    cr_assert(!t->b->stopped, "run stopped: %s", t->b->stop_reason);
    cr_assert_eq(t->b->link.nfired, 1, "the fault did not hit (%u fired, fault cycle %llu, reads %llu, rc %d: %s)", t->b->link.nfired, (unsigned long long)w.fault_cycle, (unsigned long long)t->b->link.reads, rc, n->error);
    const struct link_fault_event *f = &t->b->link.fired[0];
    cr_assert_eq(f->kind, c->kind);
    cr_assert_eq(f->purpose, c->purpose, "the fault hit a read of purpose %u", f->purpose);
    cr_assert_eq(n->bad_frames, 0, "%llu frames with wrong bytes", (unsigned long long)n->bad_frames);
    cr_assert(rc != 0 && n->device_failed, "the traffic did not stop on DEVICE_NEEDS_RESET: %s", n->error);
    uint8_t st = drv_status(d);
    cr_assert(st & VIRTIO_CONFIG_S_NEEDS_RESET, "device_status 0x%02x", st);
    cr_assert_gt(t->s.mem.msi_count[PCI_MSI_DATA_BASE + 0], cfg_irqs, "no config interrupt");

    /* how long it took: the internal error after the faulted read's request */
    cr_assert_neq(w.err_cycle, NEVER, "no internal error");
    uint64_t detect = w.err_cycle - w.fault_cycle, rtt = t->b->link.p.rtt;
    cr_log_info("%s %s %s fault on %s read: internal error %llu cycles after the request, queue %u",
                vdpu_engine_name(t->engine), c->ring == DRV_RING_PACKED ? "packed" : "split", link_fault_name(c->kind),
                vdpu_purp_names[c->purpose], (unsigned long long)detect, w.fault_queue);
    if (c->kind == LINK_FAULT_TIMEOUT && !c->pay) /* no beat at all: exactly the timeout after the request */
        cr_assert(detect >= CPL_T && detect <= CPL_T + 4, "%llu cycles", (unsigned long long)detect);
    else if (c->kind == LINK_FAULT_TIMEOUT || c->kind == LINK_FAULT_DROP)
        /* the timeout after the last beat that came (of this read, or in PAY of the other reads in flight;
         * a one-beat read that drops its beat gets none) */
        cr_assert(detect >= CPL_T && detect <= CPL_T + rtt + 200, "%llu cycles", (unsigned long long)detect);
    else /* at the completion (CA, UR, poison), or the duplicate beat right after it */
        cr_assert(detect >= rtt && detect <= rtt + 200, "%llu cycles", (unsigned long long)detect);

    uint32_t qerr = peek_csr(t, VDPU_CSR_QERR), info = peek_csr(t, VDPU_CSR_ERR_INFO);
    uint32_t fw_err = peek_csr(t, VDPU_CSR_FW_ERR);
    if (c->ans == ANS_UNEXPECTED) {
        cr_assert_eq(qerr, 0, "QERR 0x%x: the duplicated read itself was complete and correct", qerr);
        cr_assert_eq(fw_err & 0xff, VDPU_FWERR_UNEXPECTED_CPL, "FW_ERR 0x%x", fw_err);
    } else {
        cr_assert_eq(qerr, 1u << w.fault_queue, "QERR 0x%x, queue %u", qerr, w.fault_queue);
        cr_assert_eq(info & 0xff, c->ans == ANS_QERR_DMA ? VDPU_QERR_DMA : VDPU_QERR_TIMEOUT, "ERR_INFO 0x%x", info);
        cr_assert_eq((info >> 8) & 0xffff, w.fault_queue);
        /* the buffer is abandoned: no used entry, no payload, nothing for the queue after the fault */
        cr_assert_eq(w.writes_after, 0, "%llu DMA writes for queue %u after the fault",
                     (unsigned long long)w.writes_after, w.fault_queue);
    }
    cr_assert(!t->b->link.error[0], "%s", t->b->link.error);
    virtio_net_close(n);
    recover(t, d, &p, &w);
    free(n);
    free(d);
}

/* FAULT(name, kind, ring, workload, purpose, skip, answer, max_reads) */
#define FAULT(name, K, R, W, P, S, A, MR)                                                                           \
    static void name##_open(struct tctx *t, enum vdpu_engine e)                                                      \
    {                                                                                                                \
        struct vdpu_opts o;                                                                                          \
        vdpu_opts_default(&o);                                                                                       \
        o.max_reads = (MR);                                                                                          \
        t_open_fw(t, e, &o);                                                                                         \
    }                                                                                                                \
    static void name##_run(struct tctx *t)                                                                           \
    {                                                                                                                \
        const struct fcase c = {LINK_FAULT_##K, DRV_RING_##R, NET_##W, VDPU_PURP_##P, S, ANS_##A, (MR) > 1};        \
        fault_case(t, &c);                                                                                           \
    }                                                                                                                \
    Test(pcie_fault, name##_model, .timeout = 300) { struct tctx t; name##_open(&t, VDPU_ENGINE_MODEL); name##_run(&t); t_close(&t); } \
    Test(pcie_fault, name##_rtl, .timeout = 300) { struct tctx t; name##_open(&t, VDPU_ENGINE_RTL); name##_run(&t); t_close(&t); }       \
    Test(pcie_fault, name##_cosim, .timeout = 300) { struct tctx t; name##_open(&t, VDPU_ENGINE_COSIM); name##_run(&t); t_close(&t); }

/* TX payload, one read at a time (RD_WAIT): the 5th payload read, the middle one of the second frame */
FAULT(split_tx_payload_ca, CA, SPLIT, TX, PAYLOAD_RD, 4, QERR_DMA, 1)
FAULT(split_tx_payload_ur, UR, SPLIT, TX, PAYLOAD_RD, 4, QERR_DMA, 1)
FAULT(split_tx_payload_poison, POISON, SPLIT, TX, PAYLOAD_RD, 4, QERR_DMA, 1)
FAULT(split_tx_payload_timeout, TIMEOUT, SPLIT, TX, PAYLOAD_RD, 4, QERR_TIMEOUT, 1)
FAULT(split_tx_payload_drop, DROP, SPLIT, TX, PAYLOAD_RD, 4, QERR_TIMEOUT, 1)
FAULT(split_tx_payload_dup, DUP, SPLIT, TX, PAYLOAD_RD, 4, UNEXPECTED, 1)
/* TX payload, four reads outstanding (PAY): the first read of the second frame's three, the others
 * still in flight when it fails (a duplicate of its last beat names a read no longer outstanding
 * while others are: the descriptor fails too) */
FAULT(packed_tx_pay_ca, CA, PACKED, TX, PAYLOAD_RD, 3, QERR_DMA, 4)
FAULT(packed_tx_pay_ur, UR, PACKED, TX, PAYLOAD_RD, 3, QERR_DMA, 4)
FAULT(packed_tx_pay_poison, POISON, PACKED, TX, PAYLOAD_RD, 3, QERR_DMA, 4)
FAULT(packed_tx_pay_timeout, TIMEOUT, PACKED, TX, PAYLOAD_RD, 3, QERR_TIMEOUT, 4)
FAULT(packed_tx_pay_drop, DROP, PACKED, TX, PAYLOAD_RD, 3, QERR_TIMEOUT, 4)
FAULT(packed_tx_pay_dup, DUP, PACKED, TX, PAYLOAD_RD, 3, QERR_DMA, 4)
/* RX: the descriptor read of the third received frame; the frame is dropped, nothing written */
FAULT(packed_rx_desc_ca, CA, PACKED, RX, DESC, 2, QERR_DMA, 1)
FAULT(packed_rx_desc_poison, POISON, PACKED, RX, DESC, 2, QERR_DMA, 1)
FAULT(packed_rx_desc_timeout, TIMEOUT, PACKED, RX, DESC, 2, QERR_TIMEOUT, 1)
FAULT(packed_rx_desc_dup, DUP, PACKED, RX, DESC, 2, UNEXPECTED, 1)
/* split ring reads: the avail ring entry (the first: with IN_ORDER, which the driver negotiates, the
 * later heads follow in table order without a ring read), the descriptor of a loopback's transmit */
FAULT(split_avail_ring_ur, UR, SPLIT, TX, AVAIL_RING, 0, QERR_DMA, 1)
FAULT(split_desc_drop, DROP, SPLIT, LOOPBACK, DESC, 3, QERR_TIMEOUT, 1)

/* The traffic of the stray-beat tests: a packed-ring driver up and thirty 1500-byte frames to send. */
struct pay_traffic {
    virtio_drv_t *d;
    virtio_net_t *n;
    struct drv_params p;
    struct net_params np;
};
static void packed_tx_open(struct tctx *t, struct pay_traffic *x)
{
    x->d = calloc(1, sizeof *x->d);
    x->n = calloc(1, sizeof *x->n);
    cr_assert(x->d && x->n);
    drv_params_default(&x->p);
    x->p.ring = DRV_RING_PACKED;
    t_drv_up(t, x->d, &x->p);
    x->np = (struct net_params){NET_TX, 30, 1500, 5, 30 * 20000 + 3ull * CPL_T};
    cr_assert_eq(virtio_net_open(x->n, x->d, &x->np), 0, "%s", x->n->error);
}

/* The traffic `x` runs with a stray completion beat (status, bytes, tag: see struct watch) right after
 * its (skip + 1)-th payload read: the descriptor in service fails - no frame with bad bytes, the traffic
 * stopped on DEVICE_NEEDS_RESET, QERR_DMA on the transmitq, no DMA write for it after the beat; then the
 * driver's reset, traffic again, and the traffic freed. */
static void stray_fails_the_descriptor(struct tctx *t, struct pay_traffic *x, unsigned skip, uint8_t status,
                                       uint16_t len, int tag)
{
    virtio_drv_t *d = x->d;
    virtio_net_t *n = x->n;
    struct watch w;
    watch_start(t, &w, LINK_FAULT_NONE, VDPU_PURP_PAYLOAD_RD, skip);
    w.stray.on = true;
    w.stray.status = status;
    w.stray.len = len;
    w.stray.tag = tag;
    int rc = virtio_net_run(n);
    cr_assert(!t->b->stopped, "run stopped: %s", t->b->stop_reason);
    cr_assert_neq(w.fault_cycle, NEVER, "no payload read %u", skip + 1);
    cr_assert(!t->b->dmacpl_pending, "the stray beat was given");
    cr_assert_eq(n->bad_frames, 0, "%llu frames with wrong bytes", (unsigned long long)n->bad_frames);
    cr_assert(rc != 0 && n->device_failed, "the traffic did not stop on DEVICE_NEEDS_RESET: %s", n->error);
    cr_assert(drv_status(d) & VIRTIO_CONFIG_S_NEEDS_RESET, "device_status 0x%02x", drv_status(d));
    uint32_t qerr = peek_csr(t, VDPU_CSR_QERR), info = peek_csr(t, VDPU_CSR_ERR_INFO);
    cr_assert_eq(qerr, 1u << w.fault_queue, "QERR 0x%x, queue %u", qerr, w.fault_queue);
    cr_assert_eq(info & 0xff, VDPU_QERR_DMA, "ERR_INFO 0x%x", info);
    cr_assert_eq(w.writes_after, 0, "%llu DMA writes for queue %u after the stray beat",
                 (unsigned long long)w.writes_after, w.fault_queue);
    virtio_net_close(n);
    recover(t, d, &x->p, &w);
    free(n);
    free(d);
}

/*
 * A stray error completion (UR, no data, a tag no read is outstanding on) while PAY has payload reads in
 * flight (four outstanding, 1500-byte frames: it comes right after the second frame's first read): the
 * engine cannot tell which read it ends, so the descriptor in service fails - QERR_DMA on the transmitq,
 * DEVICE_NEEDS_RESET, no DMA write for the queue after it, no frame with bad bytes - as a stray data
 * beat does (packed_tx_pay_dup). Taken as a completion of nothing, the traffic would have gone on.
 */
static void stray_in_pay(struct tctx *t)
{
    struct pay_traffic x;
    packed_tx_open(t, &x);
    stray_fails_the_descriptor(t, &x, 3, VDPU_CPL_UR, 0, -1);
}
/*
 * A late completion beat of a failed descriptor's read, inside a later PAY phase. First traffic: the 4th
 * payload read (512 bytes, 16 beats) is poisoned at its last beat - its other fifteen beats are in, so
 * its slot lacks exactly that beat - and the transmitq stops with QERR_DMA. The driver resets the device
 * and starts again; right after the second traffic's 2nd payload read, the host sends that read's last
 * beat after all (SC, 32 bytes, its tag; no read is outstanding on it). The slot the next PAY phase
 * freed must not take it as the read's end: the descriptor in service fails (QERR_DMA, nothing written
 * for the queue after it), as for any beat of a tag no read in flight has.
 */
static void late_beat_in_pay(struct tctx *t)
{
    struct pay_traffic x;
    packed_tx_open(t, &x);
    virtio_drv_t *d = x.d;
    virtio_net_t *n = x.n;
    struct watch w;
    watch_start(t, &w, LINK_FAULT_POISON_LAST, VDPU_PURP_PAYLOAD_RD, 3);
    cr_assert(virtio_net_run(n) != 0 && n->device_failed, "the first traffic did not fail: %s", n->error);
    cr_assert_eq(t->b->link.nfired, 1);
    const struct link_fault_event *f = &t->b->link.fired[0];
    cr_assert_eq(f->len, 512, "a 512-byte read, 16 beats");
    uint8_t tag = f->tag;
    cr_assert_eq(peek_csr(t, VDPU_CSR_ERR_INFO) & 0xff, VDPU_QERR_DMA);
    virtio_net_close(n);
    w.on = false;
    reset_device(t, d);
    cr_assert_eq(virtio_drv_init(d, &t->s, &x.p), DRV_OK, "re-init: %s", d->refusal);

    memset(n, 0, sizeof *n);
    cr_assert_eq(virtio_net_open(n, d, &x.np), 0, "%s", n->error);
    stray_fails_the_descriptor(t, &x, 1, VDPU_CPL_SC, 32, tag);
}
/* the real firmware with four TX payload reads outstanding (PAY) */
static void four_reads(struct vdpu_opts *o) { o->max_reads = 4; }
ENGINE_TEST_OPTS(pcie_fault, packed_tx_pay_stray_error_completion, four_reads, .timeout = 300) { stray_in_pay(T); }
ENGINE_TEST_OPTS(pcie_fault, packed_tx_pay_late_beat_of_a_failed_read, four_reads, .timeout = 300)
{
    late_beat_in_pay(T);
}

/* ---- resets while a read is stuck ------------------------------------------------------------------ */

/* One TX frame posted and kicked; its first read gets `kind`. */
static void stuck_read(struct tctx *t, virtio_drv_t *d, virtio_net_t *n, struct watch *w, uint8_t kind)
{
    struct net_params np = {NET_TX, 1, 64, 3, 400000};
    cr_assert_eq(virtio_net_open(n, d, &np), 0, "%s", n->error);
    watch_start(t, w, kind, PURP_ANY, 0);
    uint8_t frame[12 + 64];
    memset(frame, 0, sizeof frame);
    memset(frame + 12, 0xFF, 12);
    uint32_t len = sizeof frame;
    vnet_post(n, &n->tx, 1, &len, frame);
    vnet_kick(n, &n->tx);
    for (unsigned i = 0; i < 5000 && w->fault_cycle == NEVER; i++) vdpu_bus_step(t->b);
    cr_assert_neq(w->fault_cycle, NEVER, "no read");
}

/*
 * No completion timeout (firmware wrote CPL_TIMEOUT 0) and a read that never completes: the engine
 * waits; the driver's reset finds the data path busy (the firmware's quiesce gives up after 100 us),
 * and DEV_RESET itself ends the engine's wait, so the reset completes and the device works again.
 */
ENGINE_TEST_REALFW(pcie_fault, reset_ends_a_read_wait_without_timeout, .timeout = 300)
{
    virtio_drv_t *d = calloc(1, sizeof *d);
    virtio_net_t *n = calloc(1, sizeof *n);
    cr_assert(d && n);
    struct drv_params p;
    bring_up(T, &p, d);
    poke_csr(T, VDPU_CSR_CPL_TIMEOUT, 0);
    struct watch w;
    stuck_read(T, d, n, &w, LINK_FAULT_TIMEOUT);
    run_cycles(T, 2 * CPL_T);
    cr_assert_eq(drv_status(d) & VIRTIO_CONFIG_S_NEEDS_RESET, 0, "no timeout, no error");
    cr_assert_eq(peek_csr(T, VDPU_CSR_ENG_STATUS) & 1, 0, "the engine still waits");
    uint64_t c0 = T->b->dev->cycle;
    virtio_net_close(n);
    w.on = false;
    reset_device(T, d);
    uint64_t took = T->b->dev->cycle - c0;
    cr_log_info("%s: the reset took %llu cycles with a read stuck", vdpu_engine_name(T->engine),
                (unsigned long long)took);
    cr_assert_gt(took, 25000, "the firmware's quiesce waits its 100 us first");
    reinit(T, d, &p);
    cr_assert_eq(peek_csr(T, VDPU_CSR_CPL_TIMEOUT), 0, "firmware's setting stays");
    free(n);
    free(d);
}

/*
 * A completion timeout shorter than the firmware's quiesce bound (10,000 cycles) and a read lost: the
 * driver resets before the device noticed; the engine gives up while the reset waits for the data path,
 * and that internal error belongs to the device being reset - the re-initialized device does not show
 * DEVICE_NEEDS_RESET.
 */
ENGINE_TEST_REALFW(pcie_fault, timeout_during_the_reset, .timeout = 300)
{
    virtio_drv_t *d = calloc(1, sizeof *d);
    virtio_net_t *n = calloc(1, sizeof *n);
    cr_assert(d && n);
    struct drv_params p;
    bring_up(T, &p, d);
    poke_csr(T, VDPU_CSR_CPL_TIMEOUT, 10000);
    struct watch w;
    stuck_read(T, d, n, &w, LINK_FAULT_TIMEOUT);
    run_cycles(T, 1000);
    virtio_net_close(n);
    reset_device(T, d);
    w.on = false;
    cr_assert_neq(w.err_cycle, NEVER, "the engine gave up during the reset");
    cr_assert(w.err_cycle - w.fault_cycle >= 10000 && w.err_cycle - w.fault_cycle <= 10004, "after %llu cycles",
              (unsigned long long)(w.err_cycle - w.fault_cycle));
    reinit(T, d, &p);
    cr_assert_eq(drv_status(d) & VIRTIO_CONFIG_S_NEEDS_RESET, 0, "the new device carries the old error");
    free(n);
    free(d);
}

/* ---- the firmware DMA channel (control queue) --------------------------------------------------------- */

struct ccase {
    uint8_t kind;
    bool unexpected; /* the channel's read completed (a duplicate): the internal error, not the command */
};

/* A control-queue command whose first firmware DMA read gets the fault: the firmware's transfer fails
 * (FWDMA_STATUS error: CPL, TIMEOUT) and it sets DEVICE_NEEDS_RESET (FW_ERR CTRLQ); a duplicate beat
 * is unexpected (the command itself completes). A reset recovers. */
static void ctrl_case(struct tctx *t, const struct ccase *c)
{
    virtio_drv_t *d = calloc(1, sizeof *d);
    virtio_ctrl_t *q = calloc(1, sizeof *q);
    cr_assert(d && q);
    struct drv_params p;
    bring_up(t, &p, d);
    cr_assert_eq(virtio_ctrl_open(q, d), 0, "%s", q->error);
    struct watch w;
    watch_start(t, &w, c->kind, VDPU_PURP_FW, 0);
    uint8_t on = 1, ack = 0xEE;
    virtio_ctrl_cmd(q, VNET_CTRL_RX, VNET_CTRL_RX_PROMISC, &on, 1, &ack, 3ull * CPL_T);
    uint8_t st = wait_needs_reset(t, d, 3ull * CPL_T);
    cr_assert(st & VIRTIO_CONFIG_S_NEEDS_RESET, "device_status 0x%02x", st);
    cr_assert_eq(t->b->link.nfired, 1);
    cr_assert_eq(t->b->link.fired[0].purpose, VDPU_PURP_FW);
    uint32_t fw_err = peek_csr(t, VDPU_CSR_FW_ERR), fst = peek_csr(t, VDPU_CSR_FWDMA_STATUS);
    cr_log_info("%s %s fault on a firmware DMA read: FW_ERR 0x%x, FWDMA_STATUS 0x%x, internal error %s",
                vdpu_engine_name(t->engine), link_fault_name(c->kind), fw_err, fst,
                w.err_cycle == NEVER ? "no" : "yes");
    if (c->unexpected) {
        cr_assert_eq(fw_err & 0xff, VDPU_FWERR_UNEXPECTED_CPL, "FW_ERR 0x%x", fw_err);
        cr_assert_neq(w.err_cycle, NEVER);
    } else {
        cr_assert_eq(fw_err & 0xff, VDPU_FWERR_CTRLQ, "FW_ERR 0x%x", fw_err);
        cr_assert_eq(fst & 2, 2, "FWDMA_STATUS 0x%x: no error", fst);
        cr_assert_eq((fst >> 8) & 0xff, c->kind == LINK_FAULT_TIMEOUT || c->kind == LINK_FAULT_DROP
                                            ? VDPU_FWDMA_ERR_TIMEOUT : VDPU_FWDMA_ERR_CPL, "FWDMA_STATUS 0x%x", fst);
        cr_assert_eq(w.writes_after, 0);
    }
    recover(t, d, &p, &w);
    free(q);
    free(d);
}

#define CTRL_FAULT(name, K, U)                                                                                       \
    ENGINE_TEST_REALFW(pcie_fault, name, .timeout = 300)                                                             \
    {                                                                                                                \
        const struct ccase c = {LINK_FAULT_##K, U};                                                                  \
        ctrl_case(T, &c);                                                                                            \
    }
CTRL_FAULT(ctrlq_read_ca, CA, false)
CTRL_FAULT(ctrlq_read_poison, POISON, false)
CTRL_FAULT(ctrlq_read_timeout, TIMEOUT, false)
CTRL_FAULT(ctrlq_read_dup, DUP, true)

/* ---- schedules and the command line (vdpu run --pcie-fault) ------------------------------------------ */

Test(pcie_fault_cli, schedule_parse_and_format)
{
    struct link_faults f;
    char err[160], buf[200];
    cr_assert_eq(link_faults_parse("ca@5,timeout@20,dup@7", &f, err, sizeof err), 0, "%s", err);
    cr_assert(f.set && !f.random);
    cr_assert_eq(f.n, 3);
    cr_assert_eq(f.f[1].kind, LINK_FAULT_TIMEOUT);
    cr_assert_eq(f.f[1].nth, 20);
    link_faults_format(&f, buf, sizeof buf);
    cr_assert_str_eq(buf, "ca@5,timeout@20,dup@7");
    cr_assert_eq(link_faults_parse("poison@2,poison-last@3", &f, err, sizeof err), 0, "%s", err);
    cr_assert(f.n == 2 && f.f[0].kind == LINK_FAULT_POISON && f.f[1].kind == LINK_FAULT_POISON_LAST);
    link_faults_format(&f, buf, sizeof buf);
    cr_assert_str_eq(buf, "poison@2,poison-last@3");
    cr_assert_eq(link_faults_parse("none", &f, err, sizeof err), 0);
    cr_assert(f.set && f.n == 0 && !f.random);
    cr_assert_eq(link_faults_parse("random", &f, err, sizeof err), 0);
    cr_assert(f.set && f.random);
    static const char *const bad[] = {"", "ca", "ca@", "ca@0", "ca@x", "ca@1x", "nope@1", "poison-@1", "poison-lastx@1", "ca@1,ur@1", "ca@1,",
                                      "ca@99999999999999999999", "@5", "ca@1,,ur@2",
                                      "ca@1,ca@2,ca@3,ca@4,ca@5,ca@6,ca@7,ca@8,ca@9,ca@10,ca@11,ca@12,ca@13,ca@14,ca@15,ca@16,ca@17"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_eq(link_faults_parse(bad[i], &f, err, sizeof err), -1, "'%s' accepted", bad[i]);
    /* a drawn fault: every kind, reads in range, the same for the same seed */
    unsigned seen[LINK_FAULT_KINDS] = {0};
    for (uint64_t s = 1; s <= 200; s++) {
        struct link_fault a, b;
        link_fault_draw(s, 10, &a);
        link_fault_draw(s, 10, &b);
        cr_assert(a.kind == b.kind && a.nth == b.nth);
        cr_assert(a.kind > LINK_FAULT_NONE && a.kind < LINK_FAULT_DRAWN && a.nth >= 1 && a.nth <= 10);
        seen[a.kind]++;
    }
    for (unsigned k = 1; k < LINK_FAULT_DRAWN; k++) cr_assert_gt(seen[k], 0, "kind %s never drawn", link_fault_name(k));
}

Test(pcie_fault_cli, bad_arguments_one_line_exit_2)
{
    static const char *const bad[] = {"./build/vdpu run --pcie-fault nope@1", "./build/vdpu run --pcie-fault ca@0",
                                      "./build/vdpu run --pcie-fault ca@1,ur@1", "./build/vdpu run --pcie-fault ca"};
    static char out[32768];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_assert_eq(sh(bad[i], out, sizeof out), 2, "'%s': %s", bad[i], out);
        cr_assert_eq(strchr(out, '\n'), out + strlen(out) - 1, "'%s' must print one line: %s", bad[i], out);
        cr_assert(strstr(out, "--pcie-fault"), "%s", out);
    }
    cr_assert_eq(sh("./build/vdpu run --help", out, sizeof out), 0);
    cr_assert(strstr(out, "--pcie-fault LIST"));
}

/* net-tx with two faults: each answered by DEVICE_NEEDS_RESET, a reset and the traffic again; the
 * last phase carries every frame; exit 0 */
Test(pcie_fault_cli, net_tx_recovers_from_each_fault, .timeout = 300)
{
    static char out[65536];
    int st = sh("./build/vdpu run -q --engine model --workload net-tx --packets 30 --pcie-fault ur@8,timeout@40", out,
                sizeof out);
    cr_assert_eq(st, 0, "%s", out);
    cr_assert(strstr(out, "[link] PCIe fault: ur on DMA read 8 "), "%s", out);
    cr_assert(strstr(out, "[link] PCIe fault: timeout on DMA read 40 "), "%s", out);
    unsigned resets = 0;
    for (const char *p = out; (p = strstr(p, "(DEVICE_NEEDS_RESET) at cycle")); p++) resets++;
    cr_assert_eq(resets, 2, "%s", out);
    cr_assert(strstr(out, "net-tx: 30 frames completed and checked"), "%s", out);
    cr_assert(strstr(out, "result: PASS"), "%s", out);
}

/* random: one fault drawn from the seed, the same every time; none: nothing injected */
Test(pcie_fault_cli, random_fault_from_the_seed, .timeout = 300)
{
    static char a[65536], b[65536];
    const char *cmd = "./build/vdpu run -q --engine model --workload net-loopback --packets 40 --seed 3 --pcie-fault random";
    cr_assert_eq(sh(cmd, a, sizeof a), 0, "%s", a);
    cr_assert_eq(sh(cmd, b, sizeof b), 0, "%s", b);
    const char *fa = strstr(a, "[link] PCIe fault: "), *fb = strstr(b, "[link] PCIe fault: ");
    cr_assert(fa && fb, "%s", a);
    cr_assert_eq(strncmp(fa, fb, (size_t)(strchr(fa, '\n') - fa)), 0, "the same fault for the same seed");
    cr_assert(strstr(a, "result: PASS"));
    cr_assert_eq(sh("./build/vdpu run -q --engine model --workload net-loopback --packets 10 --pcie-fault none", a,
                    sizeof a), 0, "%s", a);
    cr_assert_null(strstr(a, "PCIe fault"), "%s", a);
}

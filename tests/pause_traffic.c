/* pause_traffic.c - traffic with pauses at chosen points: the checks while paused, shared by SUSPEND and
 * the MIG stop. */
#include <stdlib.h>
#include <string.h>

#include "netrand.h"
#include "pause_traffic.h"
#include "virtio_net_ring.h"
#include "virtio_suspend.h"

#define ST_RUNNING 0x0Fu /* ACKNOWLEDGE | DRIVER | FEATURES_OK | DRIVER_OK */

struct pauses {
    struct tctx *t;
    virtio_drv_t *d;
    const struct pause_ops *ops;
    struct pause_point at[PAUSE_MAX_POINTS];
    unsigned npoints, next, done;
    uint64_t t0; /* when the next point's frame count was reached (0: not yet) */
    bool paused;
    uint64_t since, dma0, msi0, last_bell; /* the pause: its start, counters, last doorbell */
    uint64_t owed, owed_msi;
};

/* The device's used position as the driver reads it from the ring: split, the used idx field;
 * packed, the driver's next used slot and wrap counter once it reaped everything. */
static void ring_used_pos(struct tctx *t, const struct net_vq *q, uint16_t *idx, bool *wrap)
{
    if (!q->packed) {
        cr_assert(host_mem_read(&t->s.mem, q->device + 2, idx, 2));
        *wrap = true; /* split: the wrap bit keeps its reset value */
    } else {
        *idx = q->next_used;
        *wrap = q->used_wrap;
    }
}

static void pause_now(struct pauses *p, virtio_net_t *n)
{
    struct tctx *t = p->t;
    bool owed = t_unreaped(t, &n->tx) || t_unreaped(t, &n->rx);
    uint64_t m = t_msi_total(t);
    p->ops->pause(t, p->d);
    cr_assert_eq(drv_status(p->d), p->ops->status_paused, "%s %u: device_status", p->ops->what, p->next);
    /* the interrupts owed for used buffers went out before the pause completed */
    if (owed) {
        p->owed++;
        if (t_msi_total(t) > m) p->owed_msi++;
    }
    p->paused = true;
    p->since = p->last_bell = t->b->dev->cycle;
    p->dma0 = t_dma_requests(t);
    p->msi0 = t_msi_total(t);
}

/* After PAUSE_HOLD cycles, during which the driver kept posting, kicking and reaping. */
static void check_and_resume(struct pauses *p, virtio_net_t *n)
{
    struct tctx *t = p->t;
    const char *what = p->ops->what;
    cr_assert_eq(t_dma_requests(t), p->dma0, "%s %u: no DMA while paused (doorbells were written)", what, p->done);
    cr_assert_eq(t_msi_total(t), p->msi0, "%s %u: no interrupt while paused", what, p->done);
    cr_assert_eq(drv_status(p->d), p->ops->status_paused, "%s %u: still paused", what, p->done);
    struct net_vq *qs[2] = {&n->rx, &n->tx};
    for (unsigned i = 0; i < 2; i++) {
        struct net_vq *q = qs[i];
        uint16_t ai, ui, ri;
        bool aw, uw, rw;
        cr_assert_eq(virtio_drv_queue_state(p->d, q->idx, &ai, &aw, &ui, &uw), DRV_OK, "%s", p->d->refusal);
        cr_assert_eq(ai, ui, "queue %u: every buffer the device consumed has been used (avail %u used %u)", q->idx,
                     ai, ui);
        cr_assert_eq(aw, uw, "queue %u: wrap counters", q->idx);
        ring_used_pos(t, q, &ri, &rw);
        cr_assert_eq(ui, ri, "queue %u: the used index the driver reads from the ring (%u, device %u)", q->idx, ri, ui);
        cr_assert_eq(uw, rw, "queue %u: used wrap counter", q->idx);
        /* and the driver reaped all of it: the interrupts for them were delivered */
        uint16_t reaped = q->packed ? q->next_used : q->last_used;
        cr_assert_eq(reaped, ui, "queue %u: the driver reaped up to the device's used index (%u of %u)", q->idx,
                     reaped, ui);
        if (q->packed) cr_assert_eq(q->used_wrap, uw);
    }
    p->ops->resume(t, p->d);
    cr_assert_eq(drv_status(p->d), ST_RUNNING);
    p->paused = false;
    p->done++;
}

static void on_turn(virtio_net_t *n, void *ctx)
{
    struct pauses *p = ctx;
    struct tctx *t = p->t;
    uint64_t now = t->b->dev->cycle;
    if (p->paused) {
        /* doorbells while paused (the driver also kicks what it posts): remembered, not served */
        if (now - p->last_bell >= 1000) {
            p->last_bell = now;
            cr_assert(host_mem_wr(t->b, n->tx.notify, 2, n->tx.idx));
            cr_assert(host_mem_wr(t->b, n->rx.notify, 2, n->rx.idx));
        }
        if (now - p->since >= PAUSE_HOLD) check_and_resume(p, n);
        return;
    }
    if (p->next >= p->npoints) return;
    if (!p->t0 && virtio_net_packets(n) >= p->at[p->next].frames) p->t0 = now;
    if (p->t0 && now - p->t0 >= p->at[p->next].delay) {
        p->next++;
        p->t0 = 0;
        pause_now(p, n);
    }
}

struct pause_result t_traffic_with_pauses(struct tctx *t, const struct pause_opts *o, const struct pause_ops *ops)
{
    virtio_drv_t *d = calloc(1, sizeof *d);
    virtio_net_t *n = calloc(1, sizeof *n);
    cr_assert(d && n);
    struct drv_params dp;
    drv_params_default(&dp);
    if (ops->accept_suspend) dp.accept[VIRTIO_F_SUSPEND / 32] |= 1u << (VIRTIO_F_SUSPEND % 32);
    if (o->no_in_order) dp.accept[VIRTIO_F_IN_ORDER / 32] &= ~(1u << (VIRTIO_F_IN_ORDER % 32));
    dp.ring = o->ring;
    if (o->qsize) dp.qsize = o->qsize;
    t_drv_up(t, d, &dp);
    if (ops->accept_suspend)
        cr_assert(d->negotiated[VIRTIO_F_SUSPEND / 32] & 1u << (VIRTIO_F_SUSPEND % 32), "SUSPEND negotiated");
    bool in_order = d->negotiated[VIRTIO_F_IN_ORDER / 32] & 1u << (VIRTIO_F_IN_ORDER % 32);
    cr_assert_eq(in_order, !o->no_in_order, "IN_ORDER %s", o->no_in_order ? "left out" : "negotiated");
    struct pauses p;
    memset(&p, 0, sizeof p);
    p.t = t;
    p.d = d;
    p.ops = ops;
    for (unsigned i = 0; i < PAUSE_MAX_POINTS && (o->at[i].frames || o->at[i].delay); i++) p.at[p.npoints++] = o->at[i];
    struct net_opts no;
    memset(&no, 0, sizeof no);
    no.on_turn = on_turn;
    no.on_turn_ctx = &p;
    struct net_params np = {o->w, o->packets, o->pkt_size, 11, 2000000 + o->packets * 30000};
    cr_assert_eq(virtio_net_open_opts(n, d, &np, &no), 0, "%s", n->error);
    int rc = virtio_net_run(n);
    cr_assert_eq(rc, 0, "traffic: %s %s", n->error, t->b->stopped ? t->b->stop_reason : "");
    cr_assert_eq(virtio_net_packets(n), o->packets, "every frame exactly once, in order");
    cr_assert_eq(n->bad_frames, 0);
    cr_assert_eq(p.done, p.npoints, "every %s happened during the traffic (%u of %u)", ops->what, p.done, p.npoints);
    cr_assert_eq(t->b->diag_count[VDPU_DIAG_HELD_TIMEOUT], 0, "firmware answered every held read in time");
    virtio_net_close(n);
    free(n);
    free(d);
    return (struct pause_result){p.npoints, p.done, p.owed, p.owed_msi};
}

/* ---- random traffic ---- */

void t_paused_quiet(virtio_net_t *n, uint64_t seed, const char *what)
{
    vdpu_bus_t *b = &n->s->bus;
    uint64_t d0 = 0, d1 = 0;
    for (unsigned p = 0; p < VDPU_PURP_COUNT; p++) d0 += b->link.st.total[p].requests;
    /* every data queue of the traffic (one pair, or the multiqueue driver's pairs) */
    uint64_t notify = n->s->pci.vcap[VIRTIO_PCI_CAP_NOTIFY_CFG].addr;
    for (unsigned i = 0; i < 3; i++) {
        for (unsigned q = 0; q < n->data_vqs; q++)
            cr_assert(host_mem_wr(b, notify + (uint64_t)n->d->q[q].notify_off * n->s->pci.notify_mult, 2, q));
        vdpu_bus_run_cycles(b, 1000);
    }
    for (unsigned p = 0; p < VDPU_PURP_COUNT; p++) d1 += b->link.st.total[p].requests;
    cr_assert_eq(d1, d0, "seed %llu: no DMA while %s", (unsigned long long)seed, what);
    for (unsigned q = 0; q < n->data_vqs; q++) {
        uint16_t a, u;
        bool aw, uw;
        cr_assert_eq(virtio_drv_queue_state(n->d, q, &a, &aw, &u, &uw), DRV_OK);
        cr_assert(a == u && aw == uw, "seed %llu queue %u: avail %u/%d used %u/%d", (unsigned long long)seed, q, a, aw,
                  u, uw);
    }
}

void t_netrand_with_hook(enum vdpu_engine e, uint64_t seed, bool accept_suspend, void (*turn)(virtio_net_t *, void *),
                         void *ctx, uint64_t mul, uint64_t add)
{
    vdpu_session_t *s = t_netrand_session(e, seed);
    struct netrand_cfg c;
    netrand_pick(seed, &c);
    c.suspend = accept_suspend;
    c.faults.n = 0; /* pauses, not PCIe faults (tests/test_pcie_fault.c): the seed's fault is left out */
    c.no.on_turn = turn;
    c.no.on_turn_ctx = ctx;
    c.np.max_cycles = c.np.max_cycles * mul + add;
    struct netrand_result r;
    char err[256] = "", desc[512];
    int rc = netrand_run(s, &c, &r, err, sizeof err);
    bool clean = vdpu_session_finish(s);
    netrand_describe(&c, desc, sizeof desc);
    cr_assert(rc == 0 && clean, "seed %llu on %s (%s): %s %s", (unsigned long long)seed, vdpu_engine_name(e), desc, err,
              s->bus.stopped ? s->bus.stop_reason : "");
    vdpu_session_close(s);
    free(s);
}

virtio_drv_t *t_live_driver(struct tctx *t, bool accept_suspend)
{
    virtio_drv_t *d = calloc(1, sizeof *d);
    cr_assert_not_null(d);
    struct drv_params p;
    drv_params_default(&p);
    if (accept_suspend) p.accept[VIRTIO_F_SUSPEND / 32] |= 1u << (VIRTIO_F_SUSPEND % 32);
    t_drv_up(t, d, &p);
    return d;
}

void t_short_tx(struct tctx *t, virtio_drv_t *d, uint64_t frames)
{
    cr_assert_eq(d->s, &t->s);
    virtio_net_t *n = calloc(1, sizeof *n);
    cr_assert_not_null(n);
    struct net_params np = {NET_TX, frames, 64, 3, 400000};
    cr_assert_eq(virtio_net_open(n, d, &np), 0, "%s", n->error);
    cr_assert_eq(virtio_net_run(n), 0, "traffic: %s", n->error);
    virtio_net_close(n);
    free(n);
}

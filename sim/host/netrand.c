/* netrand.c - seeded random virtio-net traffic through the queue engine (vdpu run --workload net-random). */
#include <stdlib.h>
#include <string.h>

#include "fault_recover.h"
#include "mig.h"
#include "netrand.h"
#include "virtio_ctrl.h"
#include "virtio_net_mq.h"
#include "virtio_spec.h"

void netrand_pick(uint64_t seed, struct netrand_cfg *c)
{
    rng_t r = {seed ^ 0x6e657472616e64ull}; /* "netrand" */
    memset(c, 0, sizeof *c);
    c->seed = seed;
    c->ring = rng_below(&r, 2) ? DRV_RING_PACKED : DRV_RING_SPLIT;
    c->qsize = c->ring == DRV_RING_SPLIT ? 8u << rng_below(&r, 6) : 8 + rng_below(&r, 249);
    c->np.workload = (enum net_workload)rng_below(&r, 3);
    c->np.packets = 20 + rng_below(&r, 181);
    c->np.seed = seed;
    c->size = (enum netrand_size)rng_below(&r, 3);
    if (c->size == NETRAND_FIXED) {
        /* the edges often: the minimum frame, around the 12+14 header boundary and beat/RCB/MPS
         * multiples, the maximum */
        static const unsigned edge[] = {14, 15, 20, 31, 32, 33, 52, 63, 64, 65, 244, 245, 256, 500, 501, 1500, 1513, 1514};
        c->np.pkt_size = rng_below(&r, 2) ? edge[rng_below(&r, sizeof edge / sizeof edge[0])]
                                          : 14 + rng_below(&r, 1514 - 14 + 1);
    } else {
        c->np.pkt_size = 0; /* IMIX, or ignored for random sizes */
        c->no.pkt_random = c->size == NETRAND_RANDOM;
    }
    c->no.tx_chain = (enum net_chain)rng_below(&r, 3);
    c->no.rx_chain = (enum net_chain)rng_below(&r, 3);
    c->no.gaps = rng_below(&r, 2);
    c->no.place = rng_pct(&r, 30) ? NET_PLACE_TOP : NET_PLACE_LOW;
    c->no.poll = rng_pct(&r, 25) ? 1 + rng_below(&r, 32) : 0;
    c->rtt = 20 + rng_below(&r, 381);
    c->no.rx_overrun = c->np.workload == NET_RX && rng_pct(&r, 30);
    c->stall_pct = rng_pct(&r, 50) ? 1 + rng_below(&r, 30) : 0;
    /* one entry per read and one used element per write (P = B = 1) half the time, else a prefetch
     * depth and used batch of 1..8 (wider below) */
    bool batching = rng_pct(&r, 50);
    c->prefetch = batching ? 1 + rng_below(&r, 8) : 1;
    c->used_batch = batching ? 1 + rng_below(&r, 8) : 1;
    /* MRG_RXBUF (negotiated by default): a third of the receiving runs post small buffers, so frames
     * span several; from the smallest size that still holds a full frame in the device's 16 buffers
     * and in the queue (whatever the chain shapes), up to one byte short of a full frame */
    if (c->np.workload != NET_TX && rng_pct(&r, 33)) {
        unsigned per = c->no.rx_chain == NET_CHAIN_ONE ? 1 : c->no.rx_chain == NET_CHAIN_HDR ? 2 : NET_MAX_CHAIN;
        unsigned bufs = c->qsize / per; /* buffers the ring surely holds (the driver's open checks it) */
        unsigned full = NET_HDR_LEN + NET_MAX_FRAME_LEN, lo = (full + 15) / 16, byq = (full + bufs - 1) / bufs;
        if (byq > lo) lo = byq;
        c->no.rx_buf_size = rng_pct(&r, 50) ? lo + rng_below(&r, 256) : lo + rng_below(&r, full - lo);
    }
    /* the engine's rules with and without EVENT_IDX and NOTIFICATION_DATA (both offered and
     * accepted by default) */
    c->no_event_idx = rng_pct(&r, 35);
    c->no_notif_data = rng_pct(&r, 35);
    /* several payload reads outstanding for half the seeds */
    c->max_reads = rng_pct(&r, 50) ? 2 + rng_below(&r, 7) : 1;
    /* ... whose completions the link returns out of order for half of those (tags must match) */
    c->link_reorder = c->max_reads > 1 && rng_pct(&r, 50);
    /* interrupt coalescing for a quarter of the seeds: frame limits around the batch sizes (0: the
     * timer alone), timers from a few round trips to many frames */
    if (rng_pct(&r, 25)) {
        c->coal_frames = rng_below(&r, 17);
        c->coal_cycles = 100 + rng_below(&r, 20000);
    }
    /* generous: a 1514-byte frame in 4 pieces costs a handful of round trips */
    c->np.max_cycles = 50000 + c->np.packets * (20000 + 20ull * c->rtt);
    /* a quarter of the seeds: one or two device resets while traffic runs, each at a cycle drawn over
     * roughly the span of the traffic (early ones land in the init-to-first-frame stretch, late ones
     * may find the traffic done: both are resets a driver can do) */
    if (rng_pct(&r, 25)) {
        c->resets = 1 + rng_below(&r, NETRAND_MAX_RESETS);
        for (unsigned i = 0; i < c->resets; i++)
            c->reset_at[i] = 50 + rng_below(&r, (uint32_t)(c->np.packets * (150 + 3ull * c->rtt)));
    }
    /* a fifth of the seeds: two queue pairs after the last reset, steered by flow; the multiqueue
     * driver generates its own UDP flows in low memory and posts full-size receive buffers */
    c->pairs = 1;
    if (rng_pct(&r, 20)) {
        c->pairs = 2;
        c->no.rx_overrun = false;
        c->no.place = NET_PLACE_LOW;
        c->no.rx_buf_size = 0;
    }
    /* drawn last so every earlier choice of a seed stays what it was: IN_ORDER (offered and accepted
     * by default, batching TX used entries with B > 1) left out for about a third of the seeds */
    c->no_in_order = rng_pct(&r, 35);
    /* PCIe faults (docs/queue-engine.md "PCIe faults") from a generator of their own, so every choice
     * above stays what it was for every seed: a sixth of the seeds inject one fault, of a kind drawn
     * uniformly, on one of the first packets/4 + 1 DMA reads (every frame the device takes costs at
     * least one read, so the fault always hits during the fault phase) */
    rng_t fr = {seed ^ 0x6661756c7473ull}; /* "faults" */
    memset(&c->faults, 0, sizeof c->faults);
    if (rng_pct(&fr, 16)) {
        link_fault_draw(rng_next(&fr), c->np.packets / 4 + 1, &c->faults.f[0]);
        c->faults.n = 1;
    }
    /* indirect tables (INDIRECT_DESC, offered and accepted by default) for a share of the buffers in two
     * seeds of five, from a generator of their own too */
    rng_t ir = {seed ^ 0x696e64697263ull}; /* "indirc" */
    static const unsigned pct[] = {25, 50, 100};
    c->no.indirect_pct = rng_pct(&ir, 40) ? pct[rng_below(&ir, 3)] : 0;
    /* live migrations in a fifth of the seeds without a PCIe fault (a stop cannot quiesce while a read
     * waits for its completion timeout), from a generator of their own: one or two, the first early in
     * the traffic, the second 40,000-200,000 cycles later (a migration takes ~35,000) */
    rng_t mr = {seed ^ 0x6d6967726174ull}; /* "migrat" */
    c->migrations = 0;
    if (!c->faults.n && rng_pct(&mr, 20)) {
        c->migrations = 1 + rng_below(&mr, NETRAND_MAX_MIGRATIONS);
        c->migrate_at[0] = 1000 + rng_below(&mr, 30000);
        if (c->migrations > 1) c->migrate_at[1] = c->migrate_at[0] + 40000 + rng_below(&mr, 160000);
    }
    /* TX fetch (it acts on packed transmit with several reads outstanding) for half the seeds, from a
     * generator of its own so that the draws above stay those of every earlier seed */
    rng_t xr = {seed ^ 0x747866657463ull}; /* "txfetc" */
    c->tx_fetch = rng_pct(&xr, 50) ? 2 + rng_below(&xr, 7) : 1; /* 2..8, ENG_PARAM_MAX when these seeds were drawn */
    /* the widest settings (P, B and K 9..ENG_PARAM_MAX) for a sixth of the seeds that batch, from a
     * generator of their own: the draws above stay those of every earlier seed but these */
    _Static_assert(VDPU_ENG_PARAM_MAX > 8, "settings above the 1..8 drawn first");
    rng_t wr = {seed ^ 0x776964657062ull}; /* "widepb" */
    if (c->prefetch > 1 && rng_pct(&wr, 17)) {
        c->prefetch = 9 + rng_below(&wr, VDPU_ENG_PARAM_MAX - 8);
        c->used_batch = 9 + rng_below(&wr, VDPU_ENG_PARAM_MAX - 8);
        if (c->tx_fetch > 1) c->tx_fetch = 9 + rng_below(&wr, VDPU_ENG_PARAM_MAX - 8);
    }
    /* the widest payload reads (M 9..ENG_MAX_READS: more than 32 of the read tags in flight at once) for
     * a sixth of the seeds with several reads outstanding, from a generator of their own (since the 64
     * tags, 2026-12-07): the draws above stay those of every earlier seed but these */
    rng_t tr = {seed ^ 0x746167733634ull}; /* "tags64" */
    if (c->max_reads > 1 && rng_pct(&tr, 17)) c->max_reads = 9 + rng_below(&tr, VDPU_ENG_MAX_READS - 8);
    /* rings beyond 256 entries (split 512 or 1,024, packed 257..QSIZE_MAX) for an eighth of the seeds, from a
     * generator of their own (since QSIZE_MAX 1,024, 2026-12-07): every other draw stays, and with it every
     * pinned seed (none of them is among these). A larger ring keeps the receive buffer size drawn above
     * valid: it holds more buffers. One queue pair: two of 1,024 full-size buffers each do not fit the
     * multiqueue driver's low memory. */
    rng_t qr = {seed ^ 0x71737a31303234ull}; /* "qsz1024" */
    if (rng_pct(&qr, 12) && c->pairs == 1)
        c->qsize = c->ring == DRV_RING_SPLIT ? 512u << rng_below(&qr, 2) : 257 + rng_below(&qr, VDPU_QSIZE_MAX - 256);
    /* a receive phase reads a descriptor block per P buffers, not a read per frame (its payload is
     * written): the fault drawn above among the first packets/4 + 1 reads is brought among the first
     * packets/(4P) + 1 so that it still hits during the fault phase (soak seed 61925: P = 11, read 37 of a
     * phase of 34 reads). Done last, so every other draw and every transmitting seed's fault stay. */
    if (c->faults.n && c->np.workload == NET_RX) {
        uint64_t max_nth = c->np.packets / (4ull * c->prefetch) + 1;
        c->faults.f[0].nth = 1 + (c->faults.f[0].nth - 1) % max_nth;
    }
}

void netrand_session_opts(uint64_t seed, struct vdpu_opts *o)
{
    struct netrand_cfg c;
    struct vdpu_opts def;
    netrand_pick(seed, &c);
    vdpu_opts_default(&def);
    if (o->prefetch == def.prefetch) o->prefetch = c.prefetch;
    if (o->used_batch == def.used_batch) o->used_batch = c.used_batch;
    if (o->max_reads == def.max_reads) o->max_reads = c.max_reads;
    if (o->tx_fetch == def.tx_fetch) o->tx_fetch = c.tx_fetch;
    if (o->coal_cycles == def.coal_cycles) {
        o->coal_frames = c.coal_frames;
        o->coal_cycles = c.coal_cycles;
    }
}

void netrand_describe(const struct netrand_cfg *c, char *buf, size_t len)
{
    char size[32];
    if (c->size == NETRAND_FIXED) snprintf(size, sizeof size, "%u bytes", c->np.pkt_size);
    else snprintf(size, sizeof size, "%s", c->size == NETRAND_IMIX ? "imix" : "random 14..1514");
    char poll[32];
    if (c->no.poll) snprintf(poll, sizeof poll, "polled every %u cycles", c->no.poll);
    else snprintf(poll, sizeof poll, "interrupts");
    snprintf(buf, len,
             "seed %llu: %s ring, queue size %u, %s, %llu frames of %s, tx chain %s, rx chain %s, %s, "
             "buffers %s, %s%s, rtt %u, host backpressure %u%%, prefetch %u, used batch %u, rx buffers %u bytes%s%s, "
             "coalesce %u,%u, max reads %u%s, tx fetch %u%s",
             (unsigned long long)c->seed, c->ring == DRV_RING_PACKED ? "packed" : "split", c->qsize,
             net_workload_name(c->np.workload), (unsigned long long)c->np.packets, size,
             net_chain_name(c->no.tx_chain), net_chain_name(c->no.rx_chain), c->no.gaps ? "gaps" : "no gaps",
             c->no.place == NET_PLACE_TOP ? "at the top of RAM" : "low", poll,
             c->no.rx_overrun ? ", wire overruns the receive buffers" : "", c->rtt, c->stall_pct,
             c->prefetch, c->used_batch, c->no.rx_buf_size ? c->no.rx_buf_size : NET_BUF_SIZE,
             c->no_event_idx ? ", no EVENT_IDX" : "", c->no_notif_data ? ", no NOTIFICATION_DATA" : "",
             c->coal_frames, c->coal_cycles, c->max_reads, c->link_reorder ? ", completions out of order" : "",
             c->tx_fetch, c->no_in_order ? ", no IN_ORDER" : "");
    if (c->no.indirect_pct)
        snprintf(buf + strlen(buf), len - strlen(buf), ", indirect tables for %u%% of the buffers", c->no.indirect_pct);
    if (c->pairs > 1) snprintf(buf + strlen(buf), len - strlen(buf), ", %u queue pairs (UDP flows, steering checked)", c->pairs);
    for (unsigned i = 0; i < c->faults.n; i++)
        snprintf(buf + strlen(buf), len - strlen(buf), ", PCIe fault %s on DMA read %llu",
                 link_fault_name(c->faults.f[i].kind), (unsigned long long)c->faults.f[i].nth);
    for (unsigned i = 0; i < c->resets; i++) {
        size_t at = strlen(buf);
        snprintf(buf + at, len - at, "%s%llu", i ? ", " : ", device reset after ", (unsigned long long)c->reset_at[i]);
        if (i + 1 == c->resets) snprintf(buf + strlen(buf), len - strlen(buf), " cycles of traffic");
    }
    for (unsigned i = 0; i < c->migrations; i++) {
        size_t at = strlen(buf);
        snprintf(buf + at, len - at, "%s%llu", i ? ", " : ", live migration at ", (unsigned long long)c->migrate_at[i]);
        if (i + 1 == c->migrations) snprintf(buf + strlen(buf), len - strlen(buf), " cycles into the traffic");
    }
}

/* The drawn migrations, from the driver's loop: at each point the device moves to a fresh device of the
 * other engine (model <-> rtl; cosim stays cosim, so the lockstep check goes on). A failure stops the
 * bus: the run fails with it. */
struct netrand_mig {
    const struct netrand_cfg *c;
    uint64_t t0;
    unsigned next;
    unsigned done;
};

static void netrand_migrate(virtio_net_t *n, void *ctx)
{
    struct netrand_mig *m = ctx;
    vdpu_session_t *s = n->s;
    if (m->next >= m->c->migrations || s->bus.dev->cycle < m->t0 + m->c->migrate_at[m->next] || s->bus.stopped) return;
    m->next++;
    enum vdpu_engine e = s->opts.engine;
    enum vdpu_engine to = e == VDPU_ENGINE_MODEL ? VDPU_ENGINE_RTL : e == VDPU_ENGINE_RTL ? VDPU_ENGINE_MODEL : e;
    struct mig_report r;
    char err[320];
    if (mig_migrate(s, to, NULL, &r, err, sizeof err)) vdpu_bus_stop(&s->bus, "live migration %u: %s", m->next, err);
    else m->done++;
}

/* Bring the driver up with the seed's ring and queue size. 0, or -1 and a reason in err. */
static int netrand_init(vdpu_session_t *s, virtio_drv_t *d, const struct netrand_cfg *c, char *err, size_t errlen)
{
    struct drv_params dp;
    drv_params_default(&dp);
    dp.ring = c->ring;
    dp.qsize = c->qsize;
    if (c->no_event_idx) dp.drop[VIRTIO_RING_F_EVENT_IDX / 32] |= 1u << (VIRTIO_RING_F_EVENT_IDX % 32);
    if (c->no_notif_data) dp.drop[VIRTIO_F_NOTIFICATION_DATA / 32] |= 1u << (VIRTIO_F_NOTIFICATION_DATA % 32);
    if (c->no_in_order) dp.drop[VIRTIO_F_IN_ORDER / 32] |= 1u << (VIRTIO_F_IN_ORDER % 32);
    if (c->suspend) dp.accept[VIRTIO_F_SUSPEND / 32] |= 1u << (VIRTIO_F_SUSPEND % 32);
    enum drv_result dr = virtio_drv_init(d, s, &dp);
    if (dr != DRV_OK) {
        snprintf(err, errlen, "init failed: %s", d->refusal[0] ? d->refusal : s->bus.stopped ? s->bus.stop_reason : "link error");
        return -1;
    }
    if (d->q[0].size != c->qsize || d->q[1].size != c->qsize) {
        snprintf(err, errlen, "the device did not take queue size %u (%u/%u)", c->qsize, d->q[0].size, d->q[1].size);
        return -1;
    }
    return 0;
}

/* One phase of interrupted traffic: run until c->reset_at[i], then reset the device the way Linux
 * does (status 0, wait for it to read back 0) and bring it up again. Frames in flight at the reset
 * are lost (the wire's pending ones flushed, as in tests/test_net.c); everything completed before
 * it was checked like any other frame. */
static int netrand_cut(vdpu_session_t *s, virtio_drv_t *d, virtio_net_t *n, const struct netrand_cfg *c, unsigned i,
                       struct netrand_result *r, char *err, size_t errlen)
{
    struct net_params np = c->np;
    np.max_cycles = c->reset_at[i];
    np.seed = c->np.seed + 1000003ull * (i + 1); /* other frames than the final phase's */
    memset(n, 0, sizeof *n);
    int rc = virtio_net_open_opts(n, d, &np, &c->no) == 0 ? virtio_net_run(n) : -1;
    r->cut_packets += virtio_net_packets(n);
    bool cut_only = rc == 0 || (n->timed_out && !s->bus.stopped);
    if (!cut_only) snprintf(err, errlen, "before reset %u: %s", i + 1, n->error[0] ? n->error : s->bus.stop_reason);
    virtio_net_close(n);
    if (!cut_only) return -1;
    if (virtio_drv_reset(d) != DRV_OK || drv_status(d) != 0) {
        snprintf(err, errlen, "device reset %u after %llu cycles of traffic did not complete", i + 1,
                 (unsigned long long)c->reset_at[i]);
        return -1;
    }
    r->resets++;
    netport_flush_pending(&s->bus.net);
    return netrand_init(s, d, c, err, errlen);
}

/* A phase of traffic in which a PCIe fault hits: it must end in the device's DEVICE_NEEDS_RESET (the
 * driver sees it, or fault_recover waits for it when the traffic was done first), every frame
 * completed before it checked; then the reset and the init again. */
static int netrand_fault(vdpu_session_t *s, virtio_drv_t *d, virtio_net_t *n, const struct netrand_cfg *c,
                         struct netrand_result *r, char *err, size_t errlen)
{
    struct net_params np = c->np;
    np.seed = c->np.seed + 7000003ull * (r->faults + 1); /* other frames than the other phases' */
    np.max_cycles += FAULT_RESPONSE_CYCLES;               /* a completion timeout takes that long */
    unsigned from = s->bus.link.nfired;
    memset(n, 0, sizeof *n);
    int rc = virtio_net_open_opts(n, d, &np, &c->no) == 0 ? virtio_net_run(n) : -1;
    r->fault_packets += virtio_net_packets(n);
    bool ok = rc == 0 || n->device_failed;
    if (!ok) snprintf(err, errlen, "PCIe fault phase: %s", n->error[0] ? n->error : s->bus.stop_reason);
    virtio_net_close(n);
    if (!ok) return -1;
    if (s->bus.link.nfired == from) {
        snprintf(err, errlen, "PCIe fault phase: no scheduled fault hit a read (%llu reads)",
                 (unsigned long long)s->bus.link.reads);
        return -1;
    }
    char why[300];
    if (fault_recover(s, d, from, NULL, why, sizeof why) < 0) {
        snprintf(err, errlen, "%s", why);
        return -1;
    }
    r->faults += s->bus.link.nfired - from;
    return netrand_init(s, d, c, err, errlen);
}

/* The final phase over c->pairs queue pairs: VQ_PAIRS_SET on the control queue, then the multiqueue
 * driver, which checks every frame per flow and on the receiveq the device must steer it to. */
static int netrand_final_mq(vdpu_session_t *s, virtio_drv_t *d, const struct netrand_cfg *c, struct netrand_result *r,
                            char *err, size_t errlen)
{
    virtio_ctrl_t *q = calloc(1, sizeof *q);
    virtio_net_mq_t *m = calloc(1, sizeof *m);
    int rc = -1;
    uint16_t pairs = (uint16_t)c->pairs;
    uint8_t ack = 0xEE;
    if (!q || !m) {
        snprintf(err, errlen, "out of memory");
    } else if (virtio_ctrl_open(q, d) || virtio_ctrl_cmd(q, VNET_CTRL_MQ, VNET_CTRL_MQ_VQ_PAIRS_SET, &pairs, 2, &ack,
                                                         200000)) {
        snprintf(err, errlen, "VQ_PAIRS_SET %u: %s", c->pairs, q->error);
    } else if (ack != VNET_OK) {
        snprintf(err, errlen, "VQ_PAIRS_SET %u acked %u", c->pairs, ack);
    } else {
        if (virtio_net_mq_open(m, d, &c->np, &c->no, c->pairs) == 0) rc = virtio_net_mq_run(m);
        r->packets = virtio_net_mq_packets(m);
        for (unsigned k = 0; k < m->pairs; k++) {
            const struct net_vq *v[2] = {&m->tx[k], &m->rx[k]};
            for (unsigned i = 0; i < 2; i++) {
                r->descs += v[i]->descs_posted;
                r->chains += v[i]->chains_posted;
                r->indirect += v[i]->indirect_posted;
                r->kicks += v[i]->kicks;
                r->irqs += v[i]->irqs_seen;
                r->wrap_chains += v[i]->wrap_chains;
                r->edge_bufs += v[i]->edge_bufs;
                r->ring_laps += v[i]->ring_laps;
            }
            if (c->np.workload == NET_LOOPBACK && m->rx_got[k] == 0) {
                snprintf(err, errlen, "loopback over %u pairs: receiveq %u got no frame", c->pairs, 2 * k);
                rc = -1;
            }
        }
        if (m->n.error[0]) snprintf(err, errlen, "%s", m->n.error);
        else if (s->bus.stopped) snprintf(err, errlen, "stopped: %s", s->bus.stop_reason);
        if (!rc && r->packets != c->np.packets) {
            snprintf(err, errlen, "%llu of %llu frames completed", (unsigned long long)r->packets,
                     (unsigned long long)c->np.packets);
            rc = -1;
        }
        if (rc && !err[0]) snprintf(err, errlen, "traffic failed");
        virtio_net_mq_close(m);
    }
    free(m);
    free(q);
    return rc;
}

int netrand_run(vdpu_session_t *s, const struct netrand_cfg *cfg, struct netrand_result *r, char *err, size_t errlen)
{
    /* a wire rate (--wire-gbps) slows the frames down: two frame times more per frame (loopback) */
    struct netrand_cfg cw = *cfg;
    cw.np.max_cycles += cw.np.packets * 2 * netport_wire_cycles(NET_MAX_FRAME_LEN, s->bus.net.wire_mbps);
    const struct netrand_cfg *c = &cw;
    memset(r, 0, sizeof *r);
    err[0] = 0;
    virtio_drv_t *d = calloc(1, sizeof *d);
    virtio_net_t *n = calloc(1, sizeof *n);
    int rc = -1;
    if (!d || !n) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    s->bus.link.p.rtt = c->rtt;
    s->bus.link.p.reorder = c->link_reorder;
    link_set_faults(&s->bus.link, &c->faults);
    s->bus.stall_pct = c->stall_pct;
    s->bus.stall_rng.s = c->seed ^ 0x57a11ull;
    uint64_t t0 = s->bus.dev->cycle;
    struct netrand_mig mig = {c, 0, 0, 0};
    if (c->migrations && !c->no.on_turn && !c->faults.n) { /* never beside a PCIe fault */
        cw.no.on_turn = netrand_migrate;
        cw.no.on_turn_ctx = &mig;
        cw.np.max_cycles += c->migrations * 400000ull;
    }
    if (netrand_init(s, d, c, err, errlen)) goto out;
    mig.t0 = s->bus.dev->cycle; /* the traffic starts */
    /* a fault phase for every scheduled fault not hit yet (a phase may see several) */
    for (unsigned k = 0; k < c->faults.n && s->bus.link.nfired < c->faults.n; k++)
        if (netrand_fault(s, d, n, c, r, err, errlen)) goto out;
    for (unsigned i = 0; i < c->resets; i++)
        if (netrand_cut(s, d, n, c, i, r, err, errlen)) goto out;
    if (c->pairs > 1) {
        rc = netrand_final_mq(s, d, c, r, err, errlen);
        r->cycles = s->bus.dev->cycle - t0;
        r->migrations = mig.done;
        goto out;
    }
    memset(n, 0, sizeof *n);
    if (virtio_net_open_opts(n, d, &c->np, &c->no) == 0) rc = virtio_net_run(n);
    r->packets = virtio_net_packets(n);
    r->cycles = s->bus.dev->cycle - t0;
    r->descs = n->tx.descs_posted + n->rx.descs_posted;
    r->chains = n->tx.chains_posted + n->rx.chains_posted;
    r->indirect = n->tx.indirect_posted + n->rx.indirect_posted;
    r->kicks = n->tx.kicks + n->rx.kicks;
    r->irqs = n->tx.irqs_seen + n->rx.irqs_seen;
    r->dropped = n->dropped;
    r->wrap_chains = n->tx.wrap_chains + n->rx.wrap_chains;
    r->edge_bufs = n->tx.edge_bufs + n->rx.edge_bufs;
    r->ring_laps = n->tx.ring_laps + n->rx.ring_laps;
    r->merged = n->rx_merged;
    if (n->error[0]) snprintf(err, errlen, "%s", n->error);
    else if (s->bus.stopped) snprintf(err, errlen, "stopped: %s", s->bus.stop_reason);
    if (!rc && (r->packets + r->dropped != c->np.packets || r->packets == 0 || (r->dropped && !c->no.rx_overrun))) {
        snprintf(err, errlen, "%llu of %llu frames completed", (unsigned long long)r->packets,
                 (unsigned long long)c->np.packets);
        rc = -1;
    }
    r->migrations = mig.done; /* a point after the end of a short traffic is not reached: fewer */
    if (rc && !err[0]) snprintf(err, errlen, "traffic failed");
    virtio_net_close(n);
out:
    free(n);
    free(d);
    return rc;
}

int netrand_workload(vdpu_session_t *s, uint64_t seed, FILE *out, struct netrand_cfg *cfg_out,
                     struct netrand_result *res_out)
{
    struct netrand_cfg c;
    struct netrand_result r = {0};
    char desc[640], err[320];
    netrand_pick(seed, &c);
    c.prefetch = s->opts.prefetch; /* what the firmware programmed */
    c.used_batch = s->opts.used_batch;
    c.max_reads = s->opts.max_reads;
    c.tx_fetch = s->opts.tx_fetch;
    c.coal_frames = s->opts.coal_frames;
    c.coal_cycles = s->opts.coal_cycles;
    if (s->opts.pcie_faults.set) { /* --pcie-fault (random: drawn at the open); no migration beside a fault */
        c.faults = s->bus.link.faults;
        if (c.faults.n) c.migrations = 0;
    }
    netrand_describe(&c, desc, sizeof desc);
    fprintf(out, "net-random: %s\n", desc);
    int rc = netrand_run(s, &c, &r, err, sizeof err);
    fprintf(out, "net-random: %llu of %llu frames completed and checked in %llu cycles; %llu descriptors posted "
                 "(%llu chains of 2+), %llu kicks, %llu interrupts\n",
            (unsigned long long)r.packets, (unsigned long long)c.np.packets, (unsigned long long)r.cycles,
            (unsigned long long)r.descs, (unsigned long long)r.chains, (unsigned long long)r.kicks,
            (unsigned long long)r.irqs);
    fprintf(out, "net-random: coverage: %llu frames dropped by the device (no buffer), %llu chains across the "
                 "packed ring end, %llu buffers ending at the end of host RAM, %llu used ring laps, %llu frames "
                 "in several receive buffers, %llu buffers through indirect tables\n",
            (unsigned long long)r.dropped, (unsigned long long)r.wrap_chains, (unsigned long long)r.edge_bufs,
            (unsigned long long)r.ring_laps, (unsigned long long)r.merged, (unsigned long long)r.indirect);
    if (c.faults.n)
        fprintf(out, "net-random: %llu PCIe fault%s injected, each answered by DEVICE_NEEDS_RESET and recovered by a "
                     "reset; %llu frames completed and checked before %s\n",
                (unsigned long long)r.faults, r.faults == 1 ? "" : "s", (unsigned long long)r.fault_packets,
                r.faults == 1 ? "it" : "them");
    if (c.resets)
        fprintf(out, "net-random: %llu device reset%s during traffic; %llu frames completed and checked before %s\n",
                (unsigned long long)r.resets, r.resets == 1 ? "" : "s", (unsigned long long)r.cut_packets,
                r.resets == 1 ? "it" : "them");
    if (c.migrations)
        fprintf(out, "net-random: %llu of %u live migrations done (stop, state, a fresh device of the other engine, "
                     "restore, run), now on the %s engine\n",
                (unsigned long long)r.migrations, c.migrations, vdpu_engine_name(s->opts.engine));
    if (rc) fprintf(out, "net-random: FAILED: %s\n", err);
    if (cfg_out) *cfg_out = c;
    if (res_out) *res_out = r;
    return rc;
}

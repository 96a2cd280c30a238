/* run_workloads.c - `vdpu run` workloads: bring-up with the timeline, checked traffic with the DMA table. */
#include <stdlib.h>
#include <string.h>

#include "dma_report.h"
#include "fault_recover.h"
#include "mig.h"
#include "run_workloads.h"
#include "session_ckpt.h"
#include "vdps_file.h"
#include "virtio_ctrl.h"
#include "virtio_features.h"
#include "virtio_net_mq.h"
#include "virtio_spec.h"


void run_inject(void *ctx, vdpu_bus_t *b)
{
    struct injector *in = ctx;
    const struct run_cfg *c = in->c;
    uint64_t cyc = b->dev->cycle;
    if (c->flap && cyc == c->flap_at) {
        b->link_up = false;
        if (in->d) drv_step(in->d, "harness: link down");
    }
    if (c->flap && cyc == c->flap_at + 2000) {
        b->link_up = true;
        if (in->d) drv_step(in->d, "harness: link up");
    }
    if (c->dperr) {
        b->dp_err = cyc == c->dperr_at;
        if (b->dp_err && in->d) drv_step(in->d, "harness: internal data-path error reported");
    }
    /* the next cycle this acts at: idle skipping stops there */
    uint64_t next = UINT64_MAX;
    const uint64_t at[] = {c->flap ? c->flap_at : UINT64_MAX, c->flap ? c->flap_at + 2000 : UINT64_MAX,
                           c->dperr ? c->dperr_at : UINT64_MAX, c->dperr ? c->dperr_at + 1 : UINT64_MAX};
    for (unsigned i = 0; i < sizeof at / sizeof at[0]; i++)
        if (at[i] > cyc && at[i] < next) next = at[i];
    b->on_cycle_at = next;
}

/* --ctrl: the commands, in order, on the control queue (0: all acked OK, or none asked for). */
static int run_ctrl(virtio_drv_t *d, const struct run_cfg *c)
{
    if (!c->ctrl) return 0;
    virtio_ctrl_t *q = calloc(1, sizeof *q);
    int rc = -1;
    if (!q) return -1;
    if (virtio_ctrl_open(q, d) == 0 && virtio_ctrl_apply(q, c->ctrl) == 0) {
        /* a timeline line has room for a short list; a longer one is elided there, never cut silently */
        bool whole = strlen(c->ctrl) <= 48;
        drv_step(d, "control queue %u: '%.*s%s' acked OK (%llu commands, %llu interrupts)", q->q, whole ? 48 : 40,
                 c->ctrl, whole ? "" : "...", (unsigned long long)q->cmds, (unsigned long long)q->irqs);
        rc = 0;
    } else {
        printf("[host] control queue: %s\n", q->error);
    }
    free(q);
    return rc;
}

/* Run to `until`, servicing config interrupts. */
void run_events(vdpu_session_t *s, virtio_drv_t *d, const struct run_cfg *c)
{
    while (!s->bus.stopped && s->bus.dev->cycle < c->until) {
        vdpu_bus_advance(&s->bus, c->until);
        if (d) virtio_drv_poll(d);
    }
}

int run_workload_init(vdpu_session_t *s, struct run_cfg *c, struct injector *inj, FILE *rep)
{
    virtio_drv_t *d = calloc(1, sizeof *d);
    if (!d) return -1;
    inj->d = d; /* steps recorded from the driver's first access on */
    enum drv_result r = virtio_drv_init(d, s, &c->drv);
    if (r == DRV_OK) {
        char names[512];
        virtio_feature_list(d->negotiated, names, sizeof names);
        printf("[host] DRIVER_OK at cycle %llu (%.3f us after reset); negotiated: %s\n",
               (unsigned long long)s->bus.dev->cycle, (double)(s->bus.dev->cycle - d->steps[0].cycle) * 4e-3, names);
        if (run_ctrl(d, c)) r = DRV_REFUSED;
    }
    run_events(s, d, c);
    if (rep) virtio_drv_print_timeline(d, rep);
    if (r == DRV_REFUSED && d->refusal[0])
        printf("[host] initialization %s: %s\n", d->no_answer ? "failed" : "refused", d->refusal);
    int rc = r == DRV_OK ? 0 : -1;
    inj->d = NULL;
    free(d);
    return rc;
}

uint64_t run_net_budget(const struct run_cfg *c, const struct vdpu_opts *o)
{
    /* per frame: 20000 cycles, 20 DMA round trips, and two coalescing timers (a transmit and a
     * receive interrupt each deferred by the longest legal timer); packets <= RUN_MAX_PACKETS and
     * the timer < 2^24 keep this below 2^57 */
    uint64_t rtt = c->rtt ? c->rtt : 200;
    /* and a wire rate: two frame times (loopback: the TX wire, then the RX side), < 2^16 each */
    uint64_t wire = 2 * netport_wire_cycles(NET_MAX_FRAME_LEN, o->wire_mbps);
    return 20000 + c->net.packets * (20000 + 20 * rtt + 2ull * o->coal_cycles + wire);
}

/* Traffic over c->pairs queue pairs (after VQ_PAIRS_SET), then the per-pair counts and the DMA table. */
/* What the run measured with: the engine parameters the firmware programmed from the session
 * options, the receive buffer size and the queue pairs. */
static void run_summary_params(struct run_summary *r, const struct vdpu_opts *o, const struct run_cfg *c)
{
    r->prefetch = o->prefetch;
    r->used_batch = o->used_batch;
    r->max_reads = o->max_reads;
    r->tx_fetch = o->tx_fetch;
    r->coal_frames = o->coal_frames;
    r->coal_cycles = o->coal_cycles;
    r->rx_buf_size = c->rx_buf_size ? c->rx_buf_size : NET_BUF_SIZE;
    r->pairs = c->pairs ? c->pairs : 1;
    r->wire_mbps = o->wire_mbps;
}

uint64_t run_ckpt_layout(void) { return vdpu_ckpt_layout(sizeof(virtio_drv_t), sizeof(virtio_net_t)); }

/* Where the traffic phase stands, beside the driver and the traffic: what the report counts from, and
 * the PCIe-fault recovery loop's position. */
struct run_point {
    uint64_t t0;
    struct link_stats before;
    unsigned from, phase;
};

/* --checkpoint: the driver's loop calls this at its turns from --checkpoint-at on; the first writes the
 * checkpoint and removes the hook, so the run goes on exactly as one restored from the file does. */
struct run_ckpt {
    const struct run_cfg *c;
    const uint64_t *seed;
    struct run_point *rp;
    struct net_opts *no;
    virtio_drv_t *d;
    bool taken;
    bool mq; /* the traffic is the multiqueue driver's (virtio_net_mq_t, whose first member the hook gets) */
};

static void checkpoint_turn(virtio_net_t *n, void *ctx)
{
    struct run_ckpt *k = ctx;
    vdpu_session_t *s = n->s;
    n->o.on_turn = NULL;
    k->no->on_turn = NULL; /* a later phase (a PCIe fault's recovery) takes none */
    k->taken = true;
    ckpt_t ck;
    memset(&ck, 0, sizeof ck);
    char err[400];
    /* the arguments first: a restore parses them before it opens the session the rest fits */
    size_t alen = 0;
    for (unsigned i = 0; i < k->c->ckpt_nargs; i++) alen += strlen(k->c->ckpt_args[i]) + 1;
    char *args = malloc(alen + 1), *p = args;
    if (!args) {
        vdpu_bus_stop(&s->bus, "checkpoint: out of memory");
        return;
    }
    for (unsigned i = 0; i < k->c->ckpt_nargs; i++) p = stpcpy(p, k->c->ckpt_args[i]) + 1;
    ckpt_put(&ck, "ARGS", args, alen);
    free(args);
    ckpt_put(&ck, "SEED", k->seed, sizeof *k->seed);
    uint64_t at = s->bus.dev->cycle;
    int rc = vdpu_session_save(s, &ck, err, sizeof err);
    if (!rc) {
        ckpt_put(&ck, "RUNP", k->rp, sizeof *k->rp);
        virtio_drv_save(k->d, &ck);
        if (k->mq) virtio_net_mq_save((const virtio_net_mq_t *)n, &ck);
        else virtio_net_save(n, &ck);
        rc = ckpt_write_file(&ck, k->c->checkpoint, run_ckpt_layout(), err, sizeof err);
    }
    if (rc) {
        printf("[host] checkpoint at cycle %llu failed: %s\n", (unsigned long long)at, err);
        vdpu_bus_stop(&s->bus, "checkpoint failed: %s", err);
    } else {
        printf("[host] checkpoint at cycle %llu (%llu frames done): %s, %zu bytes of state (vdpu run --restore %s)\n",
               (unsigned long long)at,
               (unsigned long long)(k->mq ? virtio_net_mq_packets((const virtio_net_mq_t *)n) : virtio_net_packets(n)),
               k->c->checkpoint, ck.len,
               k->c->checkpoint);
    }
    ckpt_free(&ck);
}

/* --restore: the driver and the traffic phase from the checkpoint (after the session's sections) */
static int restore_point(vdpu_session_t *s, struct run_cfg *c, virtio_drv_t *d, struct run_point *rp)
{
    char err[320];
    if (ckpt_take(c->restore, "RUNP", rp, sizeof *rp) || virtio_drv_load(d, s, c->restore)) {
        ckpt_error(c->restore, err, sizeof err);
        printf("[host] restore failed: %s\n", err);
        return -1;
    }
    return 0;
}

static int run_net_mq(vdpu_session_t *s, struct run_cfg *c, const struct vdpu_opts *o, virtio_drv_t *d, FILE *rep,
                      struct run_point *rp, bool restoring)
{
    virtio_net_mq_t *m = calloc(1, sizeof *m);
    int rc = -1;
    if (!m) return -1;
    c->net.max_cycles = run_net_budget(c, o);
    struct net_opts no;
    memset(&no, 0, sizeof no);
    no.pkt_random = c->pkt_random;
    struct run_ckpt ck = {c, &o->seed, rp, &no, d, false, true};
    if (c->checkpoint) {
        no.on_turn = checkpoint_turn;
        no.on_turn_ctx = &ck;
        no.on_turn_from = c->checkpoint_at;
    }
    if (restoring) {
        char err[320];
        if (virtio_net_mq_load(m, d, &no, c->restore) == 0) rc = virtio_net_mq_run(m);
        else if (ckpt_error(c->restore, err, sizeof err)) printf("[host] restore failed: %s\n", err);
    } else if (virtio_net_mq_open(m, d, &c->net, &no, c->pairs) == 0) {
        rc = virtio_net_mq_run(m);
    }
    if (c->checkpoint && !ck.taken) {
        printf("[host] no checkpoint: the traffic ended at cycle %llu before --checkpoint-at %llu\n",
               (unsigned long long)s->bus.dev->cycle, (unsigned long long)c->checkpoint_at);
        rc = -1;
    }
    uint64_t t0 = rp->t0;
    struct link_stats before = rp->before;
    if (m->n.error[0]) printf("[host] traffic check failed: %s\n", m->n.error);
    struct link_stats st;
    link_stats_since(&s->bus.link.st, &before, &st);
    struct run_summary sum = {
        .engine = vdpu_engine_name(o->engine), .workload = c->workload,
        .ring = (d->negotiated[1] & (1u << (VIRTIO_F_RING_PACKED - 32))) ? "packed" : "split",
        .seed = o->seed, .packets = virtio_net_mq_packets(m), .bytes = m->bytes,
        .cycles = s->bus.dev->cycle - t0, .msix = s->mem.msi_total, .pkt_size = c->net.pkt_size,
        .qsize = d->q[0].size};
    memcpy(sum.features, d->negotiated, sizeof sum.features);
    run_summary_params(&sum, o, c);
    if (rep) virtio_drv_print_timeline(d, rep);
    uint64_t kicks = 0, irqs = 0;
    for (unsigned k = 0; k < m->pairs; k++) {
        kicks += m->tx[k].kicks + m->rx[k].kicks;
        irqs += m->tx[k].irqs_seen + m->rx[k].irqs_seen;
    }
    printf("[host] %s over %u queue pairs: %llu frames completed and checked, %llu kicks, %llu interrupts\n",
           c->workload, m->pairs, (unsigned long long)sum.packets, (unsigned long long)kicks, (unsigned long long)irqs);
    virtio_net_mq_report(m, stdout);
    dma_report_table(stdout, &st, &s->bus.link.p, &sum);
    if (c->json && dma_report_json(c->json, &st, &s->bus.link.p, &sum)) rc = -1;
    virtio_net_mq_close(m);
    free(m);
    return rc;
}

/* --migrate-at: the driver's loop calls this between its steps; at each point the device moves to a fresh
 * device of the next engine (mig_migrate) and the run reports it; a failed migration stops the run. */
struct run_mig {
    const struct run_cfg *c;
    unsigned next;
    bool copying;            /* pre-copy rounds of the next migration under way */
    struct mig_precopy pc;
};

static void migrate_turn(virtio_net_t *n, void *ctx)
{
    struct run_mig *m = ctx;
    vdpu_session_t *s = n->s;
    if (m->next >= m->c->migrations || s->bus.dev->cycle < m->c->migrate_at[m->next] || s->bus.stopped) return;
    char err[320];
    unsigned i = m->next;
    if (m->c->migrate_rounds && !m->copying) { /* pre-copy first, while the traffic runs */
        memset(&m->pc, 0, sizeof m->pc);
        m->pc.rounds = m->c->migrate_rounds;
        m->pc.interval = RUN_PRECOPY_INTERVAL;
        if (mig_precopy_begin(s, &m->pc, err, sizeof err)) goto failed;
        m->copying = true;
        return;
    }
    if (m->copying) {
        int rc = mig_precopy_round(s, &m->pc, err, sizeof err);
        if (rc < 0) goto failed;
        if (rc == 0) return;
        m->copying = false;
    }
    struct mig_report r;
    m->next++;
    if (mig_migrate(s, m->c->migrate_to[i], m->c->migrate_rounds ? &m->pc : NULL, &r, err, sizeof err)) goto failed;
    /* 250 MHz: 250 device cycles per microsecond */
    printf("[host] migration %u at cycle %llu: %s -> %s, %llu frames done, state %u bytes, stopped in %llu cycles, "
           "running again after %llu cycles (%.1f us)\n",
           i + 1, (unsigned long long)r.stop_at, vdpu_engine_name(r.from), vdpu_engine_name(r.to),
           (unsigned long long)virtio_net_packets(n), r.state_bytes, (unsigned long long)(r.stopped_at - r.stop_at),
           (unsigned long long)(r.run_at - r.stop_at), (double)(r.run_at - r.stop_at) / 250.0);
    if (m->c->state_out) {
        if (vdps_write_file(m->c->state_out, r.state, r.state_bytes, err, sizeof err)) goto failed;
        printf("[host] migration %u: state written to %s (vdpu state %s)\n", i + 1, m->c->state_out, m->c->state_out);
    }
    if (m->c->migrate_rounds) {
        printf("[host] migration %u pre-copy: %u pages, then per round device/CPU-written pages", i + 1, m->pc.all_pages);
        for (unsigned k = 0; k <= m->pc.rounds; k++)
            printf("%s%u/%u", k ? ", " : " ", m->pc.dev_pages[k], m->pc.cpu_pages[k]);
        printf(" (the last after the stop); the destination's memory equals the source's\n");
    }
    return;
failed:
    m->next = m->c->migrations;
    m->copying = false;
    printf("[host] migration %u at cycle %llu failed: %s\n", i + 1, (unsigned long long)s->bus.dev->cycle, err);
    vdpu_bus_stop(&s->bus, "migration %u failed: %s", i + 1, err);
}

/* init to DRIVER_OK, then traffic through the queue engine, then the DMA table */
int run_workload_net(vdpu_session_t *s, struct run_cfg *c, const struct vdpu_opts *o, struct injector *inj, FILE *rep)
{
    virtio_drv_t *d = calloc(1, sizeof *d);
    virtio_net_t *n = calloc(1, sizeof *n);
    int rc = -1;
    if (!d || !n) goto out;
    inj->d = d;
    struct run_point rp;
    memset(&rp, 0, sizeof rp);
    bool restoring = c->restore != NULL;
    if (restoring) {
        if (restore_point(s, c, d, &rp)) goto out;
    } else {
        enum drv_result r = virtio_drv_init(d, s, &c->drv);
        if (r != DRV_OK) {
            printf("[host] initialization failed: %s\n", d->refusal[0] ? d->refusal : "link error");
            goto out;
        }
        if (run_ctrl(d, c)) goto out;
        rp.t0 = s->bus.dev->cycle;
        rp.before = s->bus.link.st; /* count the traffic phase only */
    }
    if (c->pairs > 1) { /* VQ_PAIRS_SET acked (or restored): the multiqueue driver */
        rc = run_net_mq(s, c, o, d, rep, &rp, restoring);
        goto out;
    }
    c->net.max_cycles = run_net_budget(c, o);
    struct net_opts no;
    memset(&no, 0, sizeof no);
    if (c->pcap_in) no.replay = &c->replay;
    no.pkt_random = c->pkt_random;
    no.rx_buf_size = c->rx_buf_size;
    struct run_mig mig;
    memset(&mig, 0, sizeof mig);
    mig.c = c;
    if (c->migrations) {
        no.on_turn = migrate_turn;
        no.on_turn_ctx = &mig;
    }
    struct run_ckpt ck = {c, &o->seed, &rp, &no, d, false, false};
    if (c->checkpoint) { /* run_args: never with --migrate-at */
        no.on_turn = checkpoint_turn;
        no.on_turn_ctx = &ck;
        no.on_turn_from = c->checkpoint_at;
    }
    /* --pcie-fault: a phase in which a fault hits ends with the device's DEVICE_NEEDS_RESET (checked by
     * fault_recover), then a reset, the init again and all the traffic again; the last phase counts */
    for (;; rp.phase++) {
        rc = -1;
        if (restoring) {
            restoring = false;
            char err[320];
            if (virtio_net_load(n, d, &no, c->restore) == 0) rc = virtio_net_run(n);
            else if (ckpt_error(c->restore, err, sizeof err)) printf("[host] restore failed: %s\n", err);
        } else if (virtio_net_open_opts(n, d, &c->net, &no) == 0) {
            rc = virtio_net_run(n);
        }
        if (s->bus.link.nfired == rp.from || (rc && !n->device_failed) || rp.phase == LINK_MAX_FAULTS) break;
        uint64_t done = virtio_net_packets(n);
        virtio_net_close(n);
        memset(n, 0, sizeof *n);
        char err[320];
        int fr = fault_recover(s, d, rp.from, stdout, err, sizeof err);
        rp.from = s->bus.link.nfired;
        if (fr < 0 || virtio_drv_init(d, s, &c->drv) != DRV_OK || run_ctrl(d, c)) {
            printf("[host] recovery from the PCIe fault failed: %s\n", fr < 0 ? err : d->refusal);
            rc = -1;
            goto out;
        }
        printf("[host] %llu frames completed and checked before the fault; re-initialized at cycle %llu, the "
               "traffic runs again\n", (unsigned long long)done, (unsigned long long)s->bus.dev->cycle);
        rp.t0 = s->bus.dev->cycle;
        rp.before = s->bus.link.st;
    }
    if (c->checkpoint && !ck.taken) {
        printf("[host] no checkpoint: the traffic ended at cycle %llu before --checkpoint-at %llu\n",
               (unsigned long long)s->bus.dev->cycle, (unsigned long long)c->checkpoint_at);
        rc = -1;
    }
    if (n->error[0]) printf("[host] traffic check failed: %s\n", n->error);
    if (mig.copying) mig_precopy_free(s, &mig.pc);
    if (mig.next < c->migrations) {
        printf("[host] %u of %u migrations done: the traffic ended at cycle %llu before --migrate-at %llu\n", mig.next,
               c->migrations, (unsigned long long)s->bus.dev->cycle, (unsigned long long)c->migrate_at[mig.next]);
        rc = -1;
    }
    struct link_stats st;
    link_stats_since(&s->bus.link.st, &rp.before, &st);
    struct run_summary sum = {
        .engine = vdpu_engine_name(s->opts.engine), .workload = c->workload,
        .ring = (d->negotiated[1] & (1u << (VIRTIO_F_RING_PACKED - 32))) ? "packed" : "split",
        .seed = o->seed, .packets = virtio_net_packets(n), .bytes = n->bytes,
        .cycles = s->bus.dev->cycle - rp.t0, .msix = s->mem.msi_total, .pkt_size = c->net.pkt_size,
        .qsize = d->q[0].size};
    memcpy(sum.features, d->negotiated, sizeof sum.features);
    run_summary_params(&sum, o, c);
    if (rep) virtio_drv_print_timeline(d, rep);
    printf("[host] %s: %llu frames completed and checked, %llu kicks, %llu interrupts\n", c->workload,
           (unsigned long long)sum.packets, (unsigned long long)(n->tx.kicks + n->rx.kicks),
           (unsigned long long)(n->tx.irqs_seen + n->rx.irqs_seen));
    if (n->rx_merged)
        printf("[host] %llu frames spanned several receive buffers of %u bytes (MRG_RXBUF), %llu buffers used\n",
               (unsigned long long)n->rx_merged, n->rx_buf, (unsigned long long)n->rx_bufs_used);
    dma_report_table(stdout, &st, &s->bus.link.p, &sum);
    if (c->json && dma_report_json(c->json, &st, &s->bus.link.p, &sum)) rc = -1;
out:
    inj->d = NULL;
    if (n) virtio_net_close(n);
    free(n);
    free(d);
    return rc;
}


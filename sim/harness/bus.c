/* bus.c - the harness cycle loop and port monitor (log, digest, trace, DMA sink). */
#include <stdarg.h>
#include <string.h>

#include "bus.h"

void vdpu_bus_init(vdpu_bus_t *b, vdpu_dev_t *dev, host_mem_t *mem)
{
    memset(b, 0, sizeof *b);
    b->dev = dev;
    b->mem = mem;
    b->digest = VDPU_DIGEST_INIT;
    b->link_up = true; /* the device resets with the link up */
    b->seen_link_up = b->seen_dp_err = -1;
    struct link_params lp;
    link_params_default(&lp);
    link_init(&b->link, mem, &lp);
    netport_init(&b->net);
    b->net.clock = &dev->cycle; /* when a frame queued for RX starts on the wire */
    vdpu_dev_eval(dev, &b->out);
}

void vdpu_bus_fini(vdpu_bus_t *b) { netport_fini(&b->net); }

void vdpu_bus_stop(vdpu_bus_t *b, const char *fmt, ...)
{
    if (b->stopped) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b->stop_reason, sizeof b->stop_reason, fmt, ap);
    va_end(ap);
    b->stopped = true;
}

static void monitor(vdpu_bus_t *b, const vdpu_txn_t *t)
{
    b->digest = vdpu_digest_txn(b->digest, t);
    b->ntxn++;
    b->per_chan[t->chan]++;
    if (t->chan == VDPU_CH_DIAG && t->u.diag.code < VDPU_DIAG_COUNT) b->diag_count[t->u.diag.code]++;
    if (b->trace) {
        char s[256];
        vdpu_txn_format(t, s, sizeof s);
        fprintf(b->trace, "[txn] cyc=%llu %s\n", (unsigned long long)t->cycle, s);
    }
    if (b->on_txn) b->on_txn(b->on_txn_ctx, t);
}

/* The inputs of a cycle in which nothing is offered: no request, beat or completion, every ready low,
 * the status levels as the harness holds them. Every cycle starts from these. */
static void status_inputs(const vdpu_bus_t *b, vdpu_in_t *in)
{
    memset(in, 0, sizeof *in);
    in->link_up = b->link_up;
    in->dp_err = b->dp_err;
}

/* One backpressure draw: whether this cycle stalls a handshake. A draw whose outcome cannot matter
 * (nothing offered on that channel: a ready without valid changes nothing) is only stepped over,
 * which leaves the generator where the draw would. */
static bool stall_draw(vdpu_bus_t *b, bool offered)
{
    if (!b->stall_pct) return false;
    if (!offered) {
        rng_skip(&b->stall_rng, 1);
        return false;
    }
    return rng_pct(&b->stall_rng, b->stall_pct);
}

void vdpu_bus_step(vdpu_bus_t *b)
{
    vdpu_in_t in;
    status_inputs(b, &in);
    const vdpu_out_t *o = &b->out;
    if (b->interrupt && *b->interrupt) vdpu_bus_stop(b, "interrupted by signal %d", (int)*b->interrupt);
    /* an injector that said when it acts next is only called then */
    if (b->on_cycle && b->dev->cycle >= b->on_cycle_at) b->on_cycle(b->on_cycle_ctx, b);

    if (b->hq_n) {
        in.hreq_valid = true;
        in.hreq = b->hq[b->hq_head];
    }
    /* completions of real reads first; a stray one (tests) only when the link has none */
    bool link_cpl = link_dmacpl(&b->link, &in.dmacpl);
    if (link_cpl) {
        in.dmacpl_valid = true;
    } else if (b->dmacpl_pending) {
        in.dmacpl_valid = true;
        in.dmacpl = b->dmacpl;
    }
    /* the wire side stalls too under host backpressure: gaps between RX beats, TX not taken.
     * 3 draws per cycle, a 4th while the link takes requests (stall_draws: a skip makes the same).
     * The wire rate (netport.c) comes on top: a frame is offered once the wire has delivered it, and
     * TX beats are taken only as fast as the wire sends them; the draws are made all the same */
    uint64_t now = b->dev->cycle;
    in.nrx_valid = !stall_draw(b, netport_rx_due(&b->net, now)) && netport_rx_beat(&b->net, now, &in.nrx);
    bool wire_tx = netport_tx_ready(&b->net, now);
    in.ntx_ready = !stall_draw(b, o->ntx_valid) && wire_tx;
    if (o->ntx_valid && !wire_tx) b->net.tx_wire_stalls++;
    b->seen_link_up = b->link_up;
    b->seen_dp_err = b->dp_err;
    in.hcpl_ready = !stall_draw(b, o->hcpl_valid);
    in.dmareq_ready = link_dmareq_ready(&b->link) && !stall_draw(b, o->dmareq_valid);
    if (b->fw.step) in.fwreq_valid = b->fw.step(b->fw.ctx, o, &in.fwreq);

    vdpu_txn_t txns[VDPU_CH_COUNT];
    int n = vdpu_txn_collect(&in, o, b->dev->cycle, &b->irq_prev, txns);
    for (int i = 0; i < n; i++) {
        const vdpu_txn_t *t = &txns[i];
        monitor(b, t);
        switch (t->chan) {
        case VDPU_CH_HREQ:
            b->hq_head = (b->hq_head + 1) % BUS_HQ_DEPTH;
            b->hq_n--;
            break;
        case VDPU_CH_HCPL:
            if (!b->tags[t->u.hcpl.tag].pending) {
                vdpu_bus_stop(b, "host: completion for tag %u with no request outstanding", t->u.hcpl.tag);
            } else {
                b->tags[t->u.hcpl.tag].pending = false;
                b->tags[t->u.hcpl.tag].done = true;
                b->tags[t->u.hcpl.tag].cpl = t->u.hcpl;
            }
            break;
        case VDPU_CH_DMACPL:
            if (link_cpl) link_cpl_taken(&b->link, t->cycle);
            else b->dmacpl_pending = false;
            break;
        case VDPU_CH_DMAREQ:
            link_accept_req(&b->link, &t->u.dmareq, t->cycle);
            break;
        case VDPU_CH_NTX:
            netport_tx_beat(&b->net, &t->u.ntx, t->cycle);
            break;
        case VDPU_CH_NRX:
            netport_rx_taken(&b->net);
            break;
        default:
            break;
        }
    }
    uint64_t cyc = b->dev->cycle;
    vdpu_dev_tick(b->dev, &in);
    link_tick(&b->link, cyc);
    if (b->link.error[0]) vdpu_bus_stop(b, "host: %s", b->link.error);
    if (b->net.error[0]) vdpu_bus_stop(b, "network: %s", b->net.error);
    if (b->dev->failed) vdpu_bus_stop(b, "%s engine reported a fatal check failure", b->dev->name);
    vdpu_dev_eval(b->dev, &b->out);
}

/* The backpressure draws of one cycle in vdpu_bus_step: they only decide ready inputs, which
 * change nothing in a quiet device, but a skip makes them too so the rest of the run is the same. */
static uint64_t stall_draws(const vdpu_bus_t *b)
{
    return b->stall_pct ? 3u + (link_dmareq_ready(&b->link) ? 1u : 0u) : 0u;
}

/* Nothing in the harness acts before cycle *until (UINT64_MAX: nothing at all) but time. */
static bool harness_idle(const vdpu_bus_t *b, uint64_t now, uint64_t *until)
{
    /* a frame on the wire the device does not take yet (nrx_ready low) changes nothing either, nor
     * host requests queued behind a held one (hreq_ready low) */
    if (!b->skip_idle || b->stopped || !b->out.quiet || (b->hq_n && b->out.hreq_ready) || b->dmacpl_pending ||
        vdpu_irq_level(&b->out) != b->irq_prev /* a level change the monitor has not logged yet */ ||
        (netport_rx_due(&b->net, now) && b->out.nrx_ready) || b->trace || b->seen_link_up != b->link_up ||
        b->seen_dp_err != b->dp_err)
        return false;
    if (b->on_cycle && b->on_cycle_at <= now) return false;
    uint64_t u = b->on_cycle ? b->on_cycle_at : UINT64_MAX;
    /* a frame still on the wire (wire rate): it is offered at its due cycle */
    uint64_t w = netport_rx_next_due(&b->net);
    if (w > now && w < u) u = w;
    uint64_t l = link_next_event(&b->link, now);
    if (l <= now) return false;
    if (l < u) u = l;
    if (b->fw.step) {
        uint64_t f = UINT64_MAX;
        if (!b->fw.idle || !b->fw.idle(b->fw.ctx, &b->out, now, &f) || f <= now) return false;
        if (f < u) u = f;
    }
    *until = u;
    return true;
}

uint64_t vdpu_bus_advance(vdpu_bus_t *b, uint64_t horizon)
{
    uint64_t now = b->dev->cycle, until;
    if (b->interrupt && *b->interrupt) vdpu_bus_stop(b, "interrupted by signal %d", (int)*b->interrupt);
    if (horizon > now + 1 && harness_idle(b, now, &until)) {
        uint64_t to = until < horizon ? until : horizon;
        /* running timers (a held read's timeout, coalescing) act after `wake` edges: up to there
         * one edge with warp stands for the cycles, with the inputs an idle cycle drives */
        bool timers = b->out.wake != UINT32_MAX;
        if (timers && to > now + b->out.wake) to = now + b->out.wake;
        if (to > now + 1) {
            uint64_t n = to - now;
            vdpu_in_t in;
            if (timers) {
                status_inputs(b, &in);
                in.hcpl_ready = in.ntx_ready = true;
                in.dmareq_ready = link_dmareq_ready(&b->link);
                in.warp = (uint32_t)(n - 1);
            }
            rng_skip(&b->stall_rng, n * stall_draws(b));
            vdpu_dev_skip(b->dev, n, timers ? &in : NULL);
            if (timers) {
                vdpu_dev_eval(b->dev, &b->out); /* the timers moved */
                b->skipped_timed += n;
            }
            if (b->fw.skip) b->fw.skip(b->fw.ctx, n);
            b->skipped += n;
            return n;
        }
    }
    vdpu_bus_step(b);
    return 1;
}

bool vdpu_bus_run_until(vdpu_bus_t *b, bool (*cond)(void *ctx), void *ctx, uint64_t max_cycles)
{
    uint64_t end = b->dev->cycle + max_cycles;
    while (b->dev->cycle < end) {
        if (cond(ctx)) return true;
        if (b->stopped) return false;
        vdpu_bus_advance(b, end);
    }
    return cond(ctx);
}

bool vdpu_bus_settle(vdpu_bus_t *b, uint64_t quiet, uint64_t max_cycles)
{
    const uint64_t start = b->dev->cycle, end = start + max_cycles;
    uint64_t last = b->ntxn, since = start;
    while (!b->stopped) {
        const uint64_t now = b->dev->cycle;
        if (b->ntxn != last) {
            last = b->ntxn;
            since = now;
        }
        /* a frame the device leaves on the wire for `quiet` cycles past its arrival (no receive buffer) is
         * one it will not take; a held one (--rx-hold) is not offered at all */
        const uint64_t due = netport_rx_next_due(&b->net);
        const bool wire_pending = due != UINT64_MAX && (now < due || now - due < quiet);
        if (now - since >= quiet && b->hq_n == 0 && link_idle(&b->link) && !wire_pending) return true;
        if (now >= end) return false;
        uint64_t until = since + quiet;
        if (wire_pending && due + quiet > until) until = due + quiet;
        if (until <= now) until = now + 1;
        vdpu_bus_advance(b, until < end ? until : end);
    }
    return false;
}

void vdpu_bus_run_cycles(vdpu_bus_t *b, uint64_t n)
{
    uint64_t end = b->dev->cycle + n;
    while (b->dev->cycle < end && !b->stopped) vdpu_bus_advance(b, end);
}

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
    struct link_params lp;
    link_params_default(&lp);
    link_init(&b->link, mem, &lp);
    netport_init(&b->net);
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

void vdpu_bus_step(vdpu_bus_t *b)
{
    vdpu_in_t in;
    memset(&in, 0, sizeof in);
    const vdpu_out_t *o = &b->out;
    if (b->on_cycle) b->on_cycle(b->on_cycle_ctx, b);

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
    /* the wire side stalls too under host backpressure: gaps between RX beats, TX not taken */
    bool wire_stall = b->stall_pct && rng_pct(&b->stall_rng, b->stall_pct);
    in.nrx_valid = !wire_stall && netport_rx_beat(&b->net, &in.nrx);
    in.ntx_ready = !(b->stall_pct && rng_pct(&b->stall_rng, b->stall_pct));
    in.link_up = b->link_up;
    in.dp_err = b->dp_err;
    in.hcpl_ready = !(b->stall_pct && rng_pct(&b->stall_rng, b->stall_pct));
    in.dmareq_ready = link_dmareq_ready(&b->link) && !(b->stall_pct && rng_pct(&b->stall_rng, b->stall_pct));
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

bool vdpu_bus_run_until(vdpu_bus_t *b, bool (*cond)(void *ctx), void *ctx, uint64_t max_cycles)
{
    for (uint64_t i = 0; i < max_cycles; i++) {
        if (cond(ctx)) return true;
        if (b->stopped) return false;
        vdpu_bus_step(b);
    }
    return cond(ctx);
}

void vdpu_bus_run_cycles(vdpu_bus_t *b, uint64_t n)
{
    for (uint64_t i = 0; i < n && !b->stopped; i++) vdpu_bus_step(b);
}

/* model.c - the C behavioral model as a vdpu_dev: reset, eval (outputs from registers), tick (one edge). */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

struct vdpu_model {
    struct vdpu_dev dev; /* first, so a vdpu_dev_t * is a struct vdpu_model * */
    enum vdpu_model_fault fault;
    /* double-buffered registers: an edge computes *alt from *cur, then the two swap (one copy per
     * edge instead of two); the byte buffers live only in s[0] (written in place, never copied) */
    struct vdpu_state *cur, *alt;
    bool arrays_stale; /* the last edge may have written the engine's service arrays: alt's are older */
    bool ahead_stale;  /* ... its run-ahead buffers (a part of them, copied apart: 1 KiB TX never writes) */
    struct vdpu_state s[2];
};

static struct vdpu_model *to_model(vdpu_dev_t *dev)
{
    return (struct vdpu_model *)dev;
}

static void model_reset(struct vdpu_state *s)
{
    memset(s, 0, sizeof *s);
    model_qeng_reset(s);
    model_cfg_reset(s);
    model_fw_csr_reset(s);
    model_msix_reset(s);
    model_completer_reset(s);
    model_fwdma_reset(s);
}

/* Outputs are registers or functions of registers only: nothing here looks at inputs. */
static void model_eval(vdpu_dev_t *dev, vdpu_out_t *out)
{
    const struct vdpu_state *s = to_model(dev)->cur;

    /* every field is assigned (no memset: this runs at every edge); a payload only while its valid is
     * high - nothing reads it otherwise (a transaction takes it at the handshake, txn.c) */
    out->hreq_ready = s->completer == VDPU_COMPLETER_IDLE && !s->hcpl_valid;
    out->hcpl_valid = s->hcpl_valid;
    if (s->hcpl_valid) out->hcpl = s->hcpl;
    out->dmareq_valid = s->dmareq_valid;
    if (s->dmareq_valid) out->dmareq = s->dmareq;
    out->dmacpl_ready = true; /* one read outstanding at most: every completion can be taken (or flagged) at once */
    out->fwreq_ready = true;
    out->fwrsp_valid = s->fwrsp_valid;
    out->fwrsp.rdata = s->fwrsp_rdata;
    out->ntx_valid = s->eng.ntx_valid;
    if (s->eng.ntx_valid) out->ntx = s->eng.ntx;
    out->nrx_ready = model_nrx_ready(s);
    out->nrx_frames = model_rx_frames(s);
    out->diag_valid = s->diag_valid;
    if (s->diag_valid) out->diag = s->diag;
    out->fw_irq = (uint8_t)(model_fw_irq_status(s) & s->irq_enable);
    out->intx = model_intx_level(s);
    out->quiet = model_quiet(s);
    /* wake means something only while quiet (the harness, cosim look at it then): not computed else */
    out->wake = out->quiet ? model_wake(s) : UINT32_MAX;
}

/*
 * The idle contract (docs/architecture.md, "Idle skipping"): true when, with idle inputs (no host
 * request, no completion beat, no frame beat, no firmware request, the same status levels), no
 * register changes at the next edge but running timers counting: a held read that stays blocked
 * with its timeout not reached, deferred interrupts whose timers have edges left. model_wake says
 * how many such edges; one edge with warp = n - 1 then stands for n <= wake of them. Sufficient,
 * not exact: any other pending activity makes it false (the engine has work or is between DMAs).
 * The engine may be waiting for a read completion (its only input-driven wait); the firmware DMA
 * channel likewise - each while its completion timeout (CPL_TIMEOUT), a running timer too, has edges
 * left. The RTL computes the same (vdpu_top.sv); cosim compares both outputs.
 */
bool model_quiet(const struct vdpu_state *s)
{
    if (s->hcpl_valid || s->fwrsp_valid || s->diag_valid || s->dmareq_valid || s->eng.ntx_valid) return false;
    /* a received frame waits for the engine: quiet only while the engine itself waits for a read (a
     * stale one is about to be dropped) */
    if (model_rx_head(s)->full && (model_rx_head(s)->stale || !model_qeng_waits(s))) return false;
    if (model_msix_sendable(s) || !model_fwdma_quiet(s)) return false;
    /* a deferred interrupt only while its timer has edges left on an enabled queue */
    if (!model_irq_coal_waits(s)) return false;
    if (!model_qeng_waits(s)) {
        if (!model_qeng_idle(s)) return false;
        if ((s->eng.ctrl & (1u << VDPU_ENGCTRL_ENABLE)) && !s->quiesce) /* else the scheduler picks nothing */
            for (unsigned q = 0; q < VDPU_NUM_QUEUES; q++)
                if (s->queue[q].kick) return false;
    }
    /* last, as it tries the access: a held read only while it stays blocked with time left */
    return s->completer == VDPU_COMPLETER_IDLE || model_hold_waits(s);
}

uint32_t model_wake(const struct vdpu_state *s)
{
    uint32_t w = UINT32_MAX;
    if (s->completer == VDPU_COMPLETER_HOLD) w = s->hold_cnt < s->hold_timeout ? s->hold_timeout - s->hold_cnt : 0;
    uint32_t c = model_irq_coal_wake(s);
    if (c < w) w = c;
    /* a read's completion timeout (the engine's, the firmware DMA channel's) */
    c = model_qeng_wake(s);
    if (c < w) w = c;
    c = model_fwdma_wake(s);
    return c < w ? c : w;
}

/* Everything but the engine's byte buffers, which are updated in place (see struct vdpu_eng_bufs). */
#define STATE_REGS_BYTES offsetof(struct vdpu_state, bufs)
/* ... of which the blocks from here on are copied every edge, those before only when they changed */
#define STATE_EAGER_FROM offsetof(struct vdpu_state, cfg_gen)
/* ... except the engine's service arrays (model_state.h), copied only after an edge that served a queue */
#define STATE_ARRAYS_FROM offsetof(struct vdpu_state, eng.wr_data)
#define STATE_ARRAYS_TO (offsetof(struct vdpu_state, eng.m_off) + sizeof(((struct vdpu_state *)0)->eng.m_off))
/* ... and of those the run-ahead buffers, only after an edge that wrote them (eng_ahead) */
#define STATE_AHEAD_FROM offsetof(struct vdpu_state, eng.pcx)
#define STATE_AHEAD_TO (offsetof(struct vdpu_state, eng.pcz) + sizeof(((struct vdpu_state *)0)->eng.pcz))
_Static_assert(STATE_EAGER_FROM < STATE_ARRAYS_FROM && STATE_ARRAYS_TO <= STATE_REGS_BYTES,
               "the service arrays lie inside the eagerly copied registers");
_Static_assert(STATE_ARRAYS_FROM < STATE_AHEAD_FROM && STATE_AHEAD_TO < STATE_ARRAYS_TO &&
                   offsetof(struct vdpu_state, eng.pcy) > STATE_AHEAD_FROM &&
                   offsetof(struct vdpu_state, eng.pcy) < STATE_AHEAD_TO,
               "pcx, pcy, pcz lie together inside the service arrays");

static void copy_span(struct vdpu_state *nx, const struct vdpu_state *pre, size_t from, size_t to)
{
    memcpy((char *)nx + from, (const char *)pre + from, to - from);
}

/* The span [from, to) of the registers is not copied: under VDPU_MODEL_CHECK (a build that proves the
 * model's shortcuts: these, the engine at rest in qeng.c), both buffers hold the same bytes there. */
static void copy_skipped(const struct vdpu_state *nx, const struct vdpu_state *pre, size_t from, size_t to)
{
#ifdef VDPU_MODEL_CHECK
    if (memcmp((const char *)nx + from, (const char *)pre + from, to - from)) abort();
#else
    (void)nx, (void)pre, (void)from, (void)to;
#endif
}

/* next := pre for the registers. The copied-on-change blocks: after an edge that changed one (its
 * generation bumped in `pre`), the other buffer holds it as it was two edges ago, so it is copied
 * once; from then on both buffers agree until its writer bumps the generation again. The engine's
 * service arrays likewise, after an edge at which the engine served a queue (`arrays_stale`), and of
 * them the run-ahead buffers only after an edge that wrote them (`ahead_stale`): most edges of a
 * register workload, and the engine's idle gaps, copy 1.3 KB instead of 3 KB; a TX edge 2 KB. */
static void state_regs_copy(struct vdpu_state *nx, const struct vdpu_state *pre, bool arrays_stale,
                            bool ahead_stale)
{
    if (nx->cfg_gen != pre->cfg_gen) memcpy(nx->cfg, pre->cfg, sizeof nx->cfg);
    if (nx->evq_gen != pre->evq_gen) memcpy(nx->evq, pre->evq, sizeof nx->evq);
    if (nx->msix_gen != pre->msix_gen) memcpy(nx->msix, pre->msix, sizeof nx->msix);
    if (nx->mig_ram_gen != pre->mig_ram_gen) memcpy(nx->mig_ram, pre->mig_ram, sizeof nx->mig_ram);
    copy_span(nx, pre, STATE_EAGER_FROM, STATE_ARRAYS_FROM);
    if (arrays_stale) {
        copy_span(nx, pre, STATE_ARRAYS_FROM, STATE_AHEAD_FROM);
        copy_span(nx, pre, STATE_AHEAD_TO, STATE_ARRAYS_TO);
    } else {
        copy_skipped(nx, pre, STATE_ARRAYS_FROM, STATE_AHEAD_FROM);
        copy_skipped(nx, pre, STATE_AHEAD_TO, STATE_ARRAYS_TO);
    }
    if (ahead_stale) copy_span(nx, pre, STATE_AHEAD_FROM, STATE_AHEAD_TO);
    else copy_skipped(nx, pre, STATE_AHEAD_FROM, STATE_AHEAD_TO);
    copy_span(nx, pre, STATE_ARRAYS_TO, STATE_REGS_BYTES);
}

/*
 * One rising edge. `pre` is frozen for the whole edge; every block reads it
 * and writes `next`, in the contract's order: host request, firmware
 * request, data path (network port, queue engine, MSI-X sender). Then next
 * is committed.
 */
static void model_tick(vdpu_dev_t *dev, const vdpu_in_t *in)
{
    struct vdpu_model *m = to_model(dev);
    struct vdpu_state *pre = m->cur, *nx = m->alt;
    state_regs_copy(nx, pre, m->arrays_stale, m->ahead_stale);
    struct vdpu_edge e = {
        .pre = pre, .next = nx, .fault = m->fault, .bufs = &m->s[0].bufs, .dmareq_ready = in->dmareq_ready,
        .warp = in->warp};

    /* Single-cycle pulses: low unless this edge raises them again. */
    nx->diag_valid = false;
    nx->fwrsp_valid = false;

    model_completer_edge(&e, in);
    /* A completion while the engine waits for none is unexpected. It is counted before the
     * firmware request, so FW_ERR shows the firmware's own error. */
    bool fw_cpl = model_fwdma_cpl_mine(pre, in); /* the firmware channel's beat: never the engine's */
    bool unexpected = in->dmacpl_valid && !fw_cpl && !model_qeng_cpl_expected(pre, in->dmacpl.tag);
    if (unexpected) model_fw_err(&e, VDPU_FWERR_UNEXPECTED_CPL);
    if (in->fwreq_valid) model_fw_csr_edge(&e, &in->fwreq);
    /* Status inputs after the firmware's INT_ACK, so a change at the same edge is not lost. */
    if (in->link_up != pre->link) {
        nx->link = in->link_up;
        nx->link_chg = true;
    }
    /* an unexpected completion (a duplicate, a late one after a timeout or a reset) is discarded, but the
     * device no longer trusts its completions: a later one could be taken for a read that reuses the
     * tag. It latches the internal error like the dp_err input (docs/queue-engine.md "PCIe faults"). */
    if (in->dp_err || unexpected) nx->dp_err = true;
    model_dma_out_edge(&e);
    model_dirty_log_edge(&e); /* the output register's first loader */
    model_steer_edge(&e, in); /* on pre-edge port registers, like the RX filter */
    model_netio_edge(&e, in);
    if (fw_cpl) { /* the engine sees no completion at this edge */
        vdpu_in_t eng_in = *in;
        eng_in.dmacpl_valid = false;
        model_qeng_edge(&e, &eng_in);
    } else {
        model_qeng_edge(&e, in);
    }
    model_qeng_nd_retire(&e);
    model_irq_coal_edge(&e);
    model_fwdma_edge(&e, in); /* the DMA output: engine first, then the firmware channel, then MSI-X */
    model_msix_sender_edge(&e);
    if (e.eng_moved) model_qeng_summarize(nx); /* the derived checks of the next edge read it */
#ifdef VDPU_MODEL_CHECK
    if (!model_qeng_summary_current(nx)) abort();
#endif

    m->cur = nx;
    m->alt = pre;
    m->arrays_stale = e.eng_service;
    m->ahead_stale = e.eng_ahead;
}

/* Idle skipping: with timers running, one edge with warp stands for the n cycles. */
static void model_skip(vdpu_dev_t *dev, uint64_t n, const vdpu_in_t *timers)
{
    (void)n;
    if (timers) model_tick(dev, timers);
}

/* Checkpoints: the registers of the current state, then the engine's byte buffers. */
static void model_save(vdpu_dev_t *dev, const struct vdpu_ckpt_io *io)
{
    struct vdpu_model *m = to_model(dev);
    io->put(io->ctx, "MREG", m->cur, STATE_REGS_BYTES);
    io->put(io->ctx, "MBUF", &m->s[0].bufs, sizeof m->s[0].bufs);
}

static int model_load(vdpu_dev_t *dev, const struct vdpu_ckpt_io *io)
{
    struct vdpu_model *m = to_model(dev);
    size_t n;
    const void *regs = io->get(io->ctx, "MREG", &n);
    if (!regs || n != STATE_REGS_BYTES) return -1;
    const void *bufs = io->get(io->ctx, "MBUF", &n);
    if (!bufs || n != sizeof m->s[0].bufs) return -1;
    /* both buffers hold the state, so they agree on the copied-on-change blocks (as after create) */
    memcpy(&m->s[0], regs, STATE_REGS_BYTES);
    memcpy(&m->s[1], regs, STATE_REGS_BYTES);
    memcpy(&m->s[0].bufs, bufs, sizeof m->s[0].bufs);
    model_qeng_summarize(&m->s[0]); /* derived: not trusted from the file */
    m->cur = &m->s[0];
    m->alt = &m->s[1];
    m->arrays_stale = m->ahead_stale = false;
    return 0;
}

static void model_destroy(vdpu_dev_t *dev)
{
    free(to_model(dev));
}

static const struct vdpu_dev_ops model_ops = {
    .eval = model_eval,
    .tick = model_tick,
    .destroy = model_destroy,
    .skip = model_skip,
    .save = model_save,
    .load = model_load,
};

vdpu_dev_t *vdpu_model_create(void)
{
    struct vdpu_model *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    m->dev.ops = &model_ops;
    m->dev.name = "model";
    m->dev.cycle = 0;
    m->fault = VDPU_FAULT_NONE;
    m->cur = &m->s[0];
    m->alt = &m->s[1];
    model_reset(m->cur);
    memcpy(m->alt, m->cur, STATE_REGS_BYTES); /* both buffers agree on the copied-on-change blocks */
    return &m->dev;
}

void vdpu_model_set_fault(vdpu_dev_t *dev, enum vdpu_model_fault fault)
{
    if (!dev || dev->ops != &model_ops) return; /* only the model can be faulted */
    to_model(dev)->fault = fault;
}

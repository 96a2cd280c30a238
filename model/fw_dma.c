/* fw_dma.c - the firmware DMA channel: one transfer between host memory and FWDMA_DATA at a time, on the shared DMA output. */
#include <string.h>

#include "model.h"

void model_fwdma_reset(struct vdpu_state *s)
{
    memset(&s->fwdma, 0, sizeof s->fwdma);
    s->fwdma.fsm = VDPU_FWDMA_IDLE;
}

uint32_t model_fwdma_status(const struct vdpu_state *s)
{
    return (s->fwdma.fsm != VDPU_FWDMA_IDLE ? VDPU_FWDMA_STATUS_BUSY : 0) | (s->fwdma.err ? VDPU_FWDMA_STATUS_ERR : 0) |
           (uint32_t)s->fwdma.err_code << VDPU_FWDMA_STATUS_CODE_LSB;
}

/* A completion beat belongs to the channel while its read is outstanding and it carries the channel's
 * tag; every other beat goes to the queue engine (or is unexpected). */
bool model_fwdma_cpl_mine(const struct vdpu_state *s, const vdpu_in_t *in)
{
    return in->dmacpl_valid && s->fwdma.fsm == VDPU_FWDMA_WAIT && in->dmacpl.tag == VDPU_FWDMA_TAG;
}

static void fail(struct vdpu_edge *e, uint8_t code)
{
    e->next->fwdma.fsm = VDPU_FWDMA_IDLE;
    e->next->fwdma.err = true;
    e->next->fwdma.err_code = code;
}

/* FWDMA_CTRL written with the start bit (firmware request, pre-edge state): the busy case is the CSR
 * block's FW_ERR and never gets here. A bad length or address fails at once, nothing is sent. */
void model_fwdma_start(struct vdpu_edge *e, uint32_t ctrl)
{
    const struct vdpu_fwdma *g = &e->pre->fwdma;
    struct vdpu_fwdma *n = &e->next->fwdma;

    n->err = false;
    n->err_code = 0;
    n->write = ctrl & VDPU_FWDMA_CTRL_WRITE;
    if (g->len == 0 || g->len > VDPU_FWDMA_BYTES) {
        fail(e, VDPU_FWDMA_ERR_LEN);
        return;
    }
    if (!model_in_window(e->pre->eng.hm_base, e->pre->eng.hm_size, g->addr, g->len)) {
        fail(e, VDPU_FWDMA_ERR_WINDOW);
        return;
    }
    n->fsm = VDPU_FWDMA_REQ;
    n->got = 0;
    n->cpl_bad = false;
}

static void state_req(struct vdpu_edge *e)
{
    const struct vdpu_fwdma *g = &e->pre->fwdma;
    struct vdpu_fwdma *n = &e->next->fwdma;
    vdpu_dmareq_t r;

    if (!model_dma_out_free(e)) return; /* the queue engine loaded it at this edge (it goes first) */
    memset(&r, 0, sizeof r);
    r.purpose = VDPU_PURP_FW;
    r.queue = 0; /* channel 0: counted under queue -1 like MSI-X */
    r.len = g->len;
    r.addr = g->addr;
    if (!g->write) {
        r.type = VDPU_DMA_RD;
        r.tag = VDPU_FWDMA_TAG;
        r.last = true;
        model_dma_out_load(e, &r);
        n->fsm = VDPU_FWDMA_WAIT;
        return;
    }
    /* write beat k carries bytes 32k..32k+31 of the request, bytes past len are 0 */
    uint32_t base = DMA_BEAT_BYTES * g->got;
    uint32_t k = g->len - base < DMA_BEAT_BYTES ? g->len - base : DMA_BEAT_BYTES;
    r.type = VDPU_DMA_WR;
    memcpy(r.data, g->buf + base, k);
    r.last = base + k == g->len;
    model_dma_out_load(e, &r);
    if (r.last) n->fsm = VDPU_FWDMA_IDLE;
    else n->got = (uint16_t)(g->got + 1);
}

/* Beats of the outstanding read append to the buffer in address order; the `last` beat ends the read. */
static void state_wait(struct vdpu_edge *e, const vdpu_in_t *in)
{
    const struct vdpu_fwdma *g = &e->pre->fwdma;
    struct vdpu_fwdma *n = &e->next->fwdma;
    const vdpu_dmacpl_t *c = &in->dmacpl;

    if (!model_fwdma_cpl_mine(e->pre, in)) return;
    bool bad = g->cpl_bad;
    unsigned got = g->got;
    if (c->status != VDPU_CPL_SC || c->poison) { /* nothing of it is stored */
        bad = true;
    } else {
        unsigned room = g->len - got;
        unsigned k = c->len < DMA_BEAT_BYTES ? c->len : DMA_BEAT_BYTES;
        if (c->len > room) bad = true; /* more bytes than requested */
        if (k > room) k = room;
        memcpy(n->buf + got, c->data, k);
        got += k;
    }
    n->got = (uint16_t)got;
    n->cpl_bad = bad;
    if (!c->last) return;
    if (bad || got != g->len) fail(e, VDPU_FWDMA_ERR_CPL);
    else n->fsm = VDPU_FWDMA_IDLE;
}

bool model_fwdma_quiet(const struct vdpu_state *s)
{
    return s->fwdma.fsm == VDPU_FWDMA_IDLE ||
           (s->fwdma.fsm == VDPU_FWDMA_WAIT && !model_cto_expired(s->fwdma.cto, s->cpl_timeout));
}

uint32_t model_fwdma_wake(const struct vdpu_state *s)
{
    return s->fwdma.fsm == VDPU_FWDMA_WAIT ? model_cto_wake(s->fwdma.cto, s->cpl_timeout) : UINT32_MAX;
}

/*
 * PCIe faults (docs/queue-engine.md "PCIe faults"), as for the queue engine: the completion timeout
 * fails the read (FWDMA_ERR_TIMEOUT) at the edge after CPL_TIMEOUT edges without one of its beats, and
 * a DEV_RESET ends a read wait (the channel idle again; a late completion is unexpected).
 */
void model_fwdma_edge(struct vdpu_edge *e, const vdpu_in_t *in)
{
    const struct vdpu_state *s = e->pre;
    bool waiting = s->fwdma.fsm == VDPU_FWDMA_WAIT, beat = model_fwdma_cpl_mine(s, in);

    e->next->fwdma.cto = model_cto_next(waiting, beat, s->fwdma.cto, s->cpl_timeout, e->warp);
    if (waiting && e->dev_reset) {
        e->next->fwdma.fsm = VDPU_FWDMA_IDLE;
        return;
    }
    if (waiting && !beat && model_cto_expired(s->fwdma.cto, s->cpl_timeout)) {
        fail(e, VDPU_FWDMA_ERR_TIMEOUT);
        return;
    }
    switch (e->pre->fwdma.fsm) {
    case VDPU_FWDMA_REQ: state_req(e); break;
    case VDPU_FWDMA_WAIT: state_wait(e, in); break;
    default: break;
    }
}

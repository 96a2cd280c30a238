/* dma_out.c - the DMA request output register: drained by dmareq_ready, loaded by the dirty page logger first, then the engine, the firmware DMA channel, the MSI-X sender. */
#include <string.h>

#include "model.h"

/* Runs before both loaders: a request the host takes at this edge leaves the register. */
void model_dma_out_edge(struct vdpu_edge *e)
{
    if (e->pre->dmareq_valid && e->dmareq_ready) e->next->dmareq_valid = false;
}

/* Free at an edge when empty before it, or taken at it: so beats can go out back to back. */
bool model_dma_out_free(const struct vdpu_edge *e)
{
    return !e->dmareq_loaded && (!e->pre->dmareq_valid || e->dmareq_ready);
}

void model_dma_out_load(struct vdpu_edge *e, const vdpu_dmareq_t *r)
{
    e->next->dmareq = *r;
    e->next->dmareq_valid = true;
    e->dmareq_loaded = true;
}

/* ---- dirty page log (docs/migration.md "Dirty page log"; RTL vdpu_dma_out.sv) ------------------ */

static unsigned log_shift(uint32_t ctrl)
{
    unsigned sh = (ctrl & VDPU_LOG_CTRL_SHIFT) >> VDPU_LOG_CTRL_SHIFT_LSB;
    return sh < 12 || sh > 21 ? 12 : sh;
}

/* the bytemap index of the page holding byte a, if it is in the tracked range */
static bool log_page(const struct vdpu_dlog *l, uint64_t a, uint32_t *idx)
{
    if (a < l->range) return false;
    uint64_t p = (a - l->range) >> log_shift(l->ctrl);
    *idx = (uint32_t)p;
    return p < l->pages;
}

static void log_mark(struct vdpu_edge *e, uint32_t idx)
{
    vdpu_dmareq_t m;
    memset(&m, 0, sizeof m);
    m.type = VDPU_DMA_WR;
    m.purpose = VDPU_PURP_DIRTY_LOG;
    m.len = 1;
    m.addr = e->pre->dlog.base + idx;
    m.data[0] = 1;
    m.last = true;
    model_dma_out_load(e, &m);
    e->next->dlog.marks = e->pre->dlog.marks + 1;
}

/*
 * After model_dma_out_edge, before every other loader: when the last beat of a logged DMA write
 * (every write but MSI-X messages and the marks) leaves the register, the mark of its first page
 * takes the register at the same edge, and the mark of its second page (a write across a page
 * boundary) the next free edge; nothing else loads in between, so a mark follows its data and
 * precedes every later write (posted writes stay in order: a harvested mark means the data landed).
 */
void model_dirty_log_edge(struct vdpu_edge *e)
{
    const struct vdpu_state *s = e->pre;
    const vdpu_dmareq_t *r = &s->dmareq;
    struct vdpu_dlog *n = &e->next->dlog;

    if ((s->dlog.ctrl & VDPU_LOG_CTRL_EN) && s->dmareq_valid && e->dmareq_ready && r->type == VDPU_DMA_WR && r->last &&
        r->purpose != VDPU_PURP_MSIX && r->purpose != VDPU_PURP_DIRTY_LOG) {
        uint64_t last = r->addr + (r->len ? r->len - 1u : 0u);
        uint32_t i0 = 0, i1 = 0;
        bool in0 = log_page(&s->dlog, r->addr, &i0), in1 = last >= r->addr && log_page(&s->dlog, last, &i1);
        if (!in0 || !in1) n->oor = true; /* a page the bytemap cannot name: the host treats all as dirty */
        if (in0) log_mark(e, i0);
        else if (in1) log_mark(e, i1);
        if (in0 && in1 && i1 != i0) {
            n->pend = true;
            n->pend_idx = i1;
        }
        return;
    }
    if (s->dlog.pend && model_dma_out_free(e)) {
        log_mark(e, s->dlog.pend_idx);
        n->pend = false;
    }
}

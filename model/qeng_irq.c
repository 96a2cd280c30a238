/* qeng_irq.c - the queue engine's interrupt decisions: event reads after used writes, decided beside the engine (RTL vdpu_qeng_irq.sv). */
#include "qeng.h"

/*
 * TX with EVENT_IDX or packed: the read of used_event (split) or the driver event structure (packed)
 * after a used write goes out and the engine goes on with the next buffer; the read's completion,
 * whatever state the engine is in, decides the interrupt of that used write (docs/queue-engine.md
 * "Interrupt decision"). The decisions pending are the newest (ev) and the ones before it moved aside
 * (ep[], EV_PENDING in all), each with the snapshot it decides on. The engine (qeng.c) pushes one where
 * its event read goes out, clears the failed ones where the service ends, forgets them all at a
 * DEV_RESET or a completion timeout, and asks the summaries in qeng.h (qeng_ev_any, qeng_ev_all,
 * qeng_ev_held, qeng_ev_of_tag) what it waits for.
 */

/*
 * The interrupt decision on an event read's data d after a used write (RTL vdpu_pkg's event_irq; the
 * engine's own event reads use it too). Split EVENT_IDX: used_event - the batch moved the used idx from
 * old to nw past it (vring_need_event). Packed: the driver event structure {off_wrap, flags} -
 * desc-specific (EVENT_IDX): the written slots (nw - n .. nw - 1, the counter just advanced) reached
 * off_wrap, which counts from the current lap, one lap back if its wrap bit is not nwrap (the used wrap
 * counter at nw); else enable / disable. Split without EVENT_IDX: the avail flags' NO_INTERRUPT (the
 * RTL's OpEvent path; the model's split_irq reads the flags it keeps in avail_flags instead, so no model
 * caller passes that case today). True: the interrupt is raised.
 */
bool qeng_event_irq(const uint8_t *d, bool pk, bool evx, uint16_t nw, bool nwrap, uint16_t qsize, uint16_t n,
                    uint16_t old)
{
    uint16_t w = le16_at(d);

    if (!pk && !evx) return !(w & VRING_AVAIL_F_NO_INTERRUPT);
    if (!pk) return qeng_need_event(w, nw, old);
    uint16_t flags = le16_at(d + 2);
    if (evx && flags == VRING_PACKED_EVENT_FLAG_DESC) {
        uint16_t off = w & 0x7FFFu;
        if ((bool)(w >> 15) != nwrap) off = (uint16_t)(off - qsize);
        return qeng_need_event(off, nw, (uint16_t)(nw - n));
    }
    return flags != VRING_PACKED_EVENT_FLAG_DISABLE;
}

/*
 * A completion beat of a pending decision's read (qeng_ev_of_tag), at whatever state the engine is in: it
 * decides the interrupt of the used write before it (the used ring has not moved since: the next used
 * write waits) and is hidden from the engine's states. An error status, poisoned data or a wrong length
 * fails it (*fail: the queue's QERR_DMA now); ENG_EV_BAD ends the service where the engine next waits
 * for the decision (no further used write). Returns true when the beat was a decision's.
 */
bool qeng_irq_tap(struct vdpu_edge *e, const vdpu_in_t *in, bool *fail)
{
    const struct vdpu_eng *g = &e->pre->eng;
    const vdpu_dmacpl_t *c = &in->dmacpl;
    struct vdpu_eng *n = &e->next->eng;

    *fail = false;
    if (!in->dmacpl_valid) return false;
    const struct eng_decision *d = qeng_ev_of_tag(g, c->tag);
    if (!d) return false;
    uint8_t *st = d == &g->ev ? &n->ev.st : &n->ep[d - g->ep].st;
    if (c->status != VDPU_CPL_SC || c->poison || !c->last || c->len != (g->pk_en ? 4u : 2u)) {
        *st = ENG_EV_BAD;
        *fail = true;
        return true;
    }
    *st = ENG_EV_NONE;
    if (qeng_event_irq(c->data, g->pk_en, g->ev_en, d->nw, d->wrap, qeng_qctx(e)->size, d->n, d->o))
        qeng_raise(e, g->q);
    return true;
}

/*
 * The event read of the used write just done goes out (RD_REQ): a new decision, on the used idx that
 * write left (nw, its wrap) and the batch's snapshot. The decision before it still pending moves aside -
 * as this edge's tap left it: one whose completion came at this edge is done (soak seed 412044: taken
 * from the pre-edge state, it moved aside still "in flight" and held its tag for good) - into the first
 * free ep[], or the last one (the used write before the read waited for a free one); the tap changes st
 * only, the rest is the pre-edge decision's.
 */
void qeng_irq_push(struct vdpu_edge *e)
{
    const struct vdpu_eng *g = &e->pre->eng;
    struct vdpu_eng *n = &e->next->eng;

    if (n->ev.st != ENG_EV_NONE) {
        unsigned i = 0;
        while (i < VDPU_EV_PENDING - 2 && n->ep[i].st != ENG_EV_NONE) i++;
        n->ep[i] = n->ev;
    }
    n->ev.st = ENG_EV_READ;
    n->ev.tag = g->next_tag;
    n->ev.n = g->ndesc;
    n->ev.o = g->ev_old;
    n->ev.nw = qeng_qctx(e)->used_idx; /* the used write before it is done: its new idx */
    n->ev.wrap = qeng_qctx(e)->used_wrap;
}

/* Failed decisions (they stopped their queue at their completion) cleared where the service ends;
 * false when none failed */
bool qeng_irq_unbad(const struct vdpu_eng *g, struct vdpu_eng *n)
{
    if (!qeng_ev_any(g, ENG_EV_BAD)) return false;
    if (g->ev.st == ENG_EV_BAD) n->ev.st = ENG_EV_NONE;
    for (unsigned i = 0; i < VDPU_EV_PENDING - 1; i++)
        if (g->ep[i].st == ENG_EV_BAD) n->ep[i].st = ENG_EV_NONE;
    return true;
}

/* Every decision's read forgotten (a DEV_RESET, a completion timeout: its beats are unexpected) */
void qeng_irq_forget(struct vdpu_eng *n)
{
    n->ev.st = ENG_EV_NONE;
    for (unsigned i = 0; i < VDPU_EV_PENDING - 1; i++) n->ep[i].st = ENG_EV_NONE;
}

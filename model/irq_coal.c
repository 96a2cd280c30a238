/* irq_coal.c - queue interrupt coalescing (ENG_COAL) between the queue engine and the CSR block: the model of rtl/vdpu_irq_coal.sv. */
#include <string.h>

#include "model.h"

/*
 * At every edge, after the engine (docs/queue-engine.md "Interrupt coalescing"). Off (cycles 0): the
 * engine's interrupt is raised at once, as without a coalescer. On: per queue, an interrupt the engine
 * raises is deferred; the deferred ones are raised together when `frames` of them have accumulated
 * (frames 0: no limit) or `cycles` edges after the first of them, whether or not the engine is still
 * busy - so none is ever lost. DEV_RESET drops deferred interrupts (an engine interrupt at that edge is
 * raised as without coalescing), and so does a queue that is not enabled (pre-edge; a queue reset
 * disables it), for that queue.
 */
void model_irq_coal_edge(struct vdpu_edge *e)
{
    const struct vdpu_eng *g = &e->pre->eng;
    const struct eng_irq_coal *c = &g->irq_coal;
    struct eng_irq_coal *n = &e->next->eng.irq_coal;
    uint32_t frames = g->coal & VDPU_ENG_COAL_FRAMES, cycles = g->coal >> VDPU_ENG_COAL_CYCLES_LSB;

    if (!cycles) { /* coalescing off (the default): the interrupt passes, nothing is held */
        if (e->eng_irq && e->eng_irq_q < VDPU_NUM_QUEUES) model_queue_irq(e, e->eng_irq_q);
        memset(n, 0, sizeof *n);
        return;
    }
    for (unsigned q = 0; q < VDPU_NUM_QUEUES; q++) {
        bool req = e->eng_irq && e->eng_irq_q == q;
        /* a disabled queue (reset: "the device MUST NOT ... notify the driver for it") keeps nothing */
        if (e->dev_reset || !e->pre->queue[q].enable) {
            if (req) model_queue_irq(e, (uint16_t)q);
            n->cnt[q] = 0;
            n->tmr[q] = 0;
            continue;
        }
        bool pend = c->cnt[q] != 0;
        unsigned cnt = c->cnt[q] + (req ? 1u : 0u);
        bool fire = (pend && c->tmr[q] + 1 >= cycles) || (req && frames && cnt >= frames);
        if (fire) {
            model_queue_irq(e, (uint16_t)q);
            n->cnt[q] = 0;
            n->tmr[q] = 0;
        } else {
            n->cnt[q] = (uint8_t)(cnt > 0xFF ? 0xFF : cnt);
            n->tmr[q] = pend ? c->tmr[q] + 1 + e->warp : 0; /* warp < wake <= 2^24 */
        }
    }
}

/* Some queue has a deferred interrupt (one test for the common case: none) */
static bool any_deferred(const struct eng_irq_coal *c)
{
    unsigned any = 0;
    for (unsigned q = 0; q < VDPU_NUM_QUEUES; q++) any |= c->cnt[q];
    return any != 0;
}

/* Edges a deferred interrupt's timer only counts before it fires (the RTL's `left`) */
static uint32_t edges_left(const struct vdpu_state *s, unsigned q)
{
    uint32_t cycles = s->eng.coal >> VDPU_ENG_COAL_CYCLES_LSB, t = s->eng.irq_coal.tmr[q];
    return t + 1 < cycles ? cycles - t - 1 : 0;
}

/* The idle contract's part (the RTL's wait_o): every deferred interrupt, if any, is on an enabled queue
 * and its timer has edges left, so with idle inputs nothing but its timer changes at the next edge. */
bool model_irq_coal_waits(const struct vdpu_state *s)
{
    const struct eng_irq_coal *c = &s->eng.irq_coal;
    if (!any_deferred(c)) return true;
    for (unsigned q = 0; q < VDPU_NUM_QUEUES; q++)
        if (c->cnt[q] && (!edges_left(s, q) || !s->queue[q].enable)) return false;
    return true;
}

/* ... and the edges before the first timer fires (the RTL's wake_o; UINT32_MAX: none runs) */
uint32_t model_irq_coal_wake(const struct vdpu_state *s)
{
    const struct eng_irq_coal *c = &s->eng.irq_coal;
    uint32_t w = UINT32_MAX;
    if (!any_deferred(c)) return w;
    for (unsigned q = 0; q < VDPU_NUM_QUEUES; q++)
        if (c->cnt[q] && edges_left(s, q) < w) w = edges_left(s, q);
    return w;
}

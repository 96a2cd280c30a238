/* qeng_tx_ahead.c - the queue engine's TX fetch descriptor reads ahead: the read ahead and the reads beyond the next fetch. */
/*
 * docs/queue-engine.md "TX fetch" and "The read beyond the next fetch". A PAY phase whose fetch takes the
 * whole prefetch cache reads the next P descriptors first (the read ahead, xa: PAY's own read, counted in
 * p_n, its beats taken in PAY), then the blocks after them (the reads beyond, xb[], beside the engine:
 * their beats are taken at whatever state the engine is in). The read ahead in becomes the cache where the
 * service would read the descriptors; the next PAY phase without a read ahead takes xb[0] as its own, in or
 * on the way, and the rest move up. Their descriptors are the service arrays pcx, pcy, pcz. When a read
 * goes out is qeng_pay.c's decision (x_ahead_k, xb_due), as it is the engine's in the RTL; the state and
 * its beats are here, as in rtl/vdpu_qeng_tx_ahead.sv.
 */
#include <string.h>

#include "qeng.h"

/* The read ahead goes out: k descriptors from ring slot `slot` (its tag's payload slot stays free) */
void qeng_xa_issue(struct vdpu_edge *e, uint32_t k, uint32_t slot)
{
    const struct vdpu_eng *g = &e->pre->eng;
    struct vdpu_eng *n = &e->next->eng;

    qeng_ahead_read(e, slot, k);
    n->xa.st = ENG_XA_READ;
    n->xa.n = (uint8_t)k;
    n->xa.tag = g->next_tag;
    n->xa.got = 0;
}

/* Read beyond xb[i] goes out: k descriptors from ring slot `slot` */
void qeng_xb_issue(struct vdpu_edge *e, unsigned i, uint32_t k, uint32_t slot)
{
    const struct vdpu_eng *g = &e->pre->eng;
    struct vdpu_eng *n = &e->next->eng;

    qeng_ahead_read(e, slot, k);
    n->xb[i] = (struct eng_x_read){.st = ENG_XA_READ, .n = (uint8_t)k, .tag = g->next_tag};
}

/* The descriptors the service reads next: the read ahead's, when it is in (true: taken) */
bool qeng_xa_take(struct vdpu_edge *e)
{
    struct vdpu_eng *n = &e->next->eng;
    if (n->xa.st != ENG_XA_IN) return false;
    memcpy(n->pc, n->pcx, (size_t)VIRTQ_DESC_BYTES * n->xa.n);
    n->pc_n = n->xa.n;
    n->pc_pos = 0;
    n->xa.st = ENG_XA_NONE;
    return true;
}

/*
 * A PAY phase starts (qeng_desc_data): the read beyond the next fetch becomes its read ahead, in or on the
 * way, unless one is still waiting for the cache to run dry (a phase that did not take the whole cache
 * took one before); the reads after it move up. One still on the way is the phase's read (p_n); one that
 * failed fails the phase.
 */
void qeng_xb_move_up(struct vdpu_edge *e)
{
    struct vdpu_eng *n = &e->next->eng;

    if (n->xa.st != ENG_XA_NONE || n->xb[0].st == ENG_XA_NONE) return;
    qeng_ahead_shift(n, VDPU_TX_BEYOND_READS);
    e->eng_ahead = true;
    n->xa.st = n->xb[0].st;
    n->xa.n = n->xb[0].n;
    n->xa.tag = n->xb[0].tag;
    n->xa.got = n->xb[0].got;
    if (n->xb[0].st == ENG_XA_READ) n->p_n = (uint8_t)(n->p_n + 1);
    if (n->xb[0].bad) {
        n->p_bad = true;
        n->x.stop = ENG_X_FAILED;
    }
    for (unsigned i = 1; i < VDPU_TX_BEYOND_READS; i++) n->xb[i - 1] = n->xb[i];
    memset(&n->xb[VDPU_TX_BEYOND_READS - 1], 0, sizeof n->xb[0]);
}

/*
 * PAY's beat c, taken as the read ahead's if it is its tag while that read is in flight (true): its bytes
 * go into pcx; one that fails (an error status, poisoned, more bytes than asked) stores nothing and fails
 * the phase, its last beat bringing fewer bytes than asked too. *completed: the read ended; *fail_last:
 * the phase fails at this beat.
 */
bool qeng_xa_beat(struct vdpu_edge *e, const vdpu_dmacpl_t *c, int *completed, bool *fail_last)
{
    const struct vdpu_eng *g = &e->pre->eng;
    struct vdpu_eng *n = &e->next->eng;

    if (g->xa.st != ENG_XA_READ || c->tag != g->xa.tag) return false;
    unsigned room = (unsigned)(VIRTQ_DESC_BYTES * g->xa.n - g->xa.got);
    unsigned k = c->len < DMA_BEAT_BYTES ? c->len : DMA_BEAT_BYTES;
    if (c->status != VDPU_CPL_SC || c->poison || c->len > room) {
        n->p_bad = true;
        *fail_last = c->last;
        return true;
    }
    memcpy(n->pcx + g->xa.got, c->data, k);
    e->eng_ahead = true;
    n->xa.got = (uint8_t)(g->xa.got + k);
    if (c->last) {
        if (g->xa.got + k != VIRTQ_DESC_BYTES * g->xa.n) n->p_bad = true;
        n->xa.st = ENG_XA_IN;
        *completed = 1;
        *fail_last = n->p_bad;
    }
    return true;
}

/*
 * A read beyond's beat, at whatever state the engine is in, hidden from the states (true: the beat was
 * one): its bytes go into its buffer (pcy, pcz) unless the read failed; one that ends failed owes its
 * QERR_DMA until a PAY phase takes it as its read ahead (fail_owed).
 */
bool qeng_xb_tap(struct vdpu_edge *e, const vdpu_in_t *in)
{
    const struct vdpu_eng *g = &e->pre->eng;
    const vdpu_dmacpl_t *c = &in->dmacpl;
    struct vdpu_eng *n = &e->next->eng;

    int b = in->dmacpl_valid ? qeng_xb_of_tag(g, c->tag) : -1;
    if (b < 0) return false;
    const struct eng_x_read *r = &g->xb[b];
    struct eng_x_read *w = &n->xb[b];
    e->eng_service = true;
    unsigned room = VIRTQ_DESC_BYTES * r->n - r->got, k = c->len < DMA_BEAT_BYTES ? c->len : DMA_BEAT_BYTES;
    bool bad = r->bad || c->status != VDPU_CPL_SC || c->poison || c->len > room;
    if (!bad) {
        memcpy(qeng_ahead_buf(n, (unsigned)b) + r->got, c->data, k);
        e->eng_ahead = true;
        w->got = (uint8_t)(r->got + k);
    }
    w->bad = bad || (c->last && r->got + k != VIRTQ_DESC_BYTES * r->n);
    if (c->last) w->st = ENG_XA_IN;
    if (c->last && w->bad) n->fail_owed = true;
    return true;
}

/* No read beyond (a pick, a reset, a completion timeout: their beats are unexpected from now on) */
void qeng_xb_forget(struct vdpu_eng *n)
{
    memset(n->xb, 0, sizeof n->xb); /* ENG_XA_NONE */
}

/* No read ahead and no read beyond (the pick: nothing of them is in flight, IDLE waited for them) */
void qeng_x_ahead_none(struct vdpu_eng *n)
{
    n->xa.st = ENG_XA_NONE;
    qeng_xb_forget(n);
}

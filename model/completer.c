/* completer.c - the host completer: IDLE/HOLD FSM and the completion register. */
#include <stddef.h>
#include <string.h>

#include "model.h"

void model_completer_reset(struct vdpu_state *s)
{
    s->completer = VDPU_COMPLETER_IDLE;
    memset(&s->held_req, 0, sizeof s->held_req);
    s->hold_cnt = 0;
    s->hcpl_valid = false;
    s->dmareq_valid = false;
    s->fwrsp_valid = false;
    s->diag_valid = false;
}

/* ---- completions --------------------------------------------------------------- */

static bool is_write(uint8_t type)
{
    return type == VDPU_HL_CFG_WR || type == VDPU_HL_MEM_WR;
}

/* Decode and perform one request against pre-edge state; effects go to next. */
static void host_access(struct vdpu_edge *e, const vdpu_hreq_t *req, struct host_result *r)
{
    bool write = is_write(req->type);
    if (req->type == VDPU_HL_CFG_RD || req->type == VDPU_HL_CFG_WR)
        model_cfg_access(e, req, write, r);
    else
        model_mem_access(e, req, write, r);
}

static void complete(struct vdpu_edge *e, const vdpu_hreq_t *req, const struct host_result *r)
{
    struct vdpu_state *n = e->next;
    bool carries_data = !is_write(req->type) && r->status == VDPU_CPL_SC;

    n->hcpl_valid = true;
    n->hcpl.tag = req->tag;
    n->hcpl.status = r->status;
    n->hcpl.size = req->size;
    n->hcpl.data = carries_data ? r->data : 0;
}

/*
 * A trial of a request against pre-edge state with its effects written to a sink: whether it would push
 * an event (a write that must wait while the event FIFO is full). Every decision of an access reads
 * pre-edge state only, never what it writes, so the sink's contents do not matter - it saves copying the
 * 5 KiB of registers into a scratch state at each edge a write is held (and each idle check of it).
 * Its result is not kept: the caller performs the access on the real next state when it goes ahead.
 */
static _Thread_local struct vdpu_state sink; /* written, never read for a decision */

static bool trial_blocked(const struct vdpu_edge *e, const vdpu_hreq_t *req)
{
    struct vdpu_edge trial = {.pre = e->pre, .next = &sink, .fault = e->fault};
    struct host_result r;
    host_access(&trial, req, &r);
    return trial.ev_req;
}

/*
 * Perform one request against pre-edge state, unless it has to wait: a held
 * read while firmware still has events to process (policy fields) or is
 * changing device cfg (config_generation, CONFIG_UPDATE), or a write whose effects
 * push an event while the FIFO is full (posted writes are backpressured, not
 * dropped). Returns whether it is blocked. A blocked access leaves no trace
 * when `may_wait`; otherwise (the hold timed out) it is performed anyway - a
 * held read then returns the uncommitted value, a held write drops its event.
 */
static bool try_access(struct vdpu_edge *e, const vdpu_hreq_t *req, bool may_wait, struct host_result *r)
{
    const struct vdpu_state *s = e->pre;

    if (!is_write(req->type)) {
        /* Held reads are exact legal policy reads: no side effects, no diagnostics,
         * so having performed one that must wait is harmless. */
        host_access(e, req, r);
        return (r->held && s->evq_count != 0) || (r->held_gen && s->cfg_update);
    }
    if (s->evq_count < VDPU_EVQ_DEPTH) {
        host_access(e, req, r);
        return false;
    }
    /* FIFO full: only the decode knows whether this write pushes, so try it with its effects sunk
     * and perform it for real only if it goes ahead (or the hold timed out: then the push is dropped) */
    bool blocked = trial_blocked(e, req);
    if (!blocked || !may_wait) host_access(e, req, r);
    return blocked;
}

/* A request takes effect: MEM_WR is posted, everything else gets a completion. */
static void finish(struct vdpu_edge *e, const vdpu_hreq_t *req, const struct host_result *r)
{
    if (req->type != VDPU_HL_MEM_WR) complete(e, req, r);
}

/*
 * A parked request is re-run every edge against that edge's pre-edge state,
 * so a read returns whatever firmware has committed by now and a write goes
 * in as soon as the FIFO has room (decided on the pre-edge count: a pop at
 * the same edge makes room only for the next one).
 */
static void hold_edge(struct vdpu_edge *e)
{
    const struct vdpu_state *s = e->pre;
    struct vdpu_state *n = e->next;
    struct host_result r;
    bool may_wait = s->hold_cnt < s->hold_timeout;

    if (try_access(e, &s->held_req, may_wait, &r)) {
        if (may_wait) {
            n->hold_cnt += 1 + e->warp; /* an edge that stands for 1 + warp cycles (idle skipping) */
            return;
        }
        /* Timed out. A write has already reported its dropped event (EVQ_OVERFLOW). */
        if (!is_write(s->held_req.type)) model_diag(e, VDPU_DIAG_HELD_TIMEOUT, r.bar_off);
        if (n->hold_timeouts < 0xFFFF) n->hold_timeouts++;
    }
    finish(e, &s->held_req, &r);
    n->completer = VDPU_COMPLETER_IDLE;
}

/* Idle contract: the held request stays blocked at the next edge and its timeout has edges left,
 * so that edge changes nothing but the hold count (the RTL's hold_wait_o). Decided as the edge
 * would: the access tried against this state, its effects sunk (trial_blocked). */
bool model_hold_waits(const struct vdpu_state *s)
{
    if (s->completer != VDPU_COMPLETER_HOLD || s->hold_cnt >= s->hold_timeout) return false;
    struct vdpu_edge e = {.pre = s, .next = &sink};
    struct host_result r;
    return try_access(&e, &s->held_req, true, &r);
}

/* ---- the edge ------------------------------------------------------------------ */

void model_completer_edge(struct vdpu_edge *e, const vdpu_in_t *in)
{
    const struct vdpu_state *s = e->pre;
    struct vdpu_state *n = e->next;

    if (s->hcpl_valid && in->hcpl_ready) n->hcpl_valid = false;

    if (s->completer == VDPU_COMPLETER_HOLD) { /* no request is accepted while holding */
        hold_edge(e);
        return;
    }
    bool hreq_ready = !s->hcpl_valid;
    if (!in->hreq_valid || !hreq_ready) return;

    const vdpu_hreq_t *req = &in->hreq;
    struct host_result r;
    if (try_access(e, req, true, &r)) {
        n->completer = VDPU_COMPLETER_HOLD;
        n->held_req = *req;
        n->hold_cnt = 0;
        return;
    }
    finish(e, req, &r);
}

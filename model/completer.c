/* completer.c - the host completer: IDLE/HOLD FSM, the completion register and the diag register. */
#include <string.h>

#include "model.h"

#define DIAG_LAST_ADDR_SHIFT 16

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

/* ---- diagnostics --------------------------------------------------------------- */

/* Registered: the diag port shows it for the one cycle after this edge. */
void model_diag(struct vdpu_edge *e, uint8_t code, uint64_t addr)
{
    struct vdpu_state *n = e->next;
    n->diag_valid = true;
    n->diag.code = code;
    n->diag.addr = addr;
    n->diag_count++;
    n->diag_last = (uint32_t)(addr & 0xFFFF) << DIAG_LAST_ADDR_SHIFT | code;
}

void model_access_fault(struct vdpu_edge *e, uint8_t code, uint64_t addr, struct host_result *r)
{
    r->data = 0;
    model_diag(e, code, addr);
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
 * A parked read finishes: re-run it against this edge's pre-edge state, so
 * it returns whatever firmware has committed by now (or, on timeout, the
 * uncommitted value). Held reads are exact legal policy reads: no side
 * effects, no diagnostics of their own.
 */
static void finish_held(struct vdpu_edge *e, bool timed_out)
{
    const struct vdpu_state *s = e->pre;
    struct vdpu_state *n = e->next;
    struct host_result r;

    host_access(e, &s->held_req, &r);
    complete(e, &s->held_req, &r);
    n->completer = VDPU_COMPLETER_IDLE;
    if (timed_out) {
        model_diag(e, VDPU_DIAG_HELD_TIMEOUT, r.bar_off);
        if (n->hold_timeouts < 0xFFFF) n->hold_timeouts++;
    }
}

static void hold_edge(struct vdpu_edge *e)
{
    const struct vdpu_state *s = e->pre;

    if (s->evq_count == 0)
        finish_held(e, false);
    else if (s->hold_cnt >= s->hold_timeout)
        finish_held(e, true);
    else
        e->next->hold_cnt++;
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
    host_access(e, req, &r);

    if (req->type == VDPU_HL_MEM_WR) return; /* posted: no completion */
    /* A policy read while firmware still has events to process waits for them
     * (held reads have no side effects, so performing it above was harmless). */
    if (!is_write(req->type) && r.held && s->evq_count != 0) {
        n->completer = VDPU_COMPLETER_HOLD;
        n->held_req = *req;
        n->hold_cnt = 0;
        return;
    }
    complete(e, req, &r);
}

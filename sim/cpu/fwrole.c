/* fwrole.c - built-in firmware role: CSR access sequencer and pass-through event service.
 * This is the test-bench stand-in for the control-plane firmware: it accepts every
 * host policy write as requested (validating only vector numbers and queue sizes). */
#include <string.h>

#include "fwrole.h"

enum { OP_USER, OP_SV_INFO, OP_SV_DATA, OP_SV_BODY, OP_SV_LAST };
enum { SV_IDLE, SV_BUSY };

void fwrole_init(fwrole_t *f, bool auto_service)
{
    memset(f, 0, sizeof *f);
    f->auto_service = auto_service;
}

static bool push_op(fwrole_t *f, bool we, uint16_t addr, uint32_t wdata, uint8_t wstrb, uint8_t kind)
{
    if (f->n == FWROLE_MAX_OPS) return false;
    struct fw_op *o = &f->ops[(f->head + f->n) % FWROLE_MAX_OPS];
    o->we = we;
    o->addr = addr;
    o->wdata = wdata;
    o->wstrb = we ? wstrb : 0;
    o->kind = kind;
    f->n++;
    return true;
}

static bool push_kind(fwrole_t *f, bool we, uint16_t addr, uint32_t wdata, uint8_t kind)
{
    return push_op(f, we, addr, wdata, 0xf, kind);
}

bool fwrole_push(fwrole_t *f, bool we, uint16_t addr, uint32_t wdata) { return push_kind(f, we, addr, wdata, OP_USER); }

bool fwrole_push_strb(fwrole_t *f, uint16_t addr, uint32_t wdata, uint8_t wstrb)
{
    return push_op(f, true, addr, wdata, wstrb & 0xf, OP_USER);
}

bool fwrole_idle(const fwrole_t *f) { return f->n == 0 && !f->waiting; }

/* Pass-through commit of one event: the host's value becomes the visible one. */
static void commit_event(fwrole_t *f)
{
    unsigned kind = f->ev_info & 0xff, q = (f->ev_info >> 8) & 0xffff;
    uint32_t d = f->ev_data;
    if (kind < VDPU_EV_COUNT) f->events_by_kind[kind]++;
    switch (kind) {
    case VDPU_EV_STATUS:
        if (d == 0) push_kind(f, true, VDPU_CSR_DEV_RESET, VDPU_DEV_RESET_VIRTIO, OP_SV_BODY);
        else push_kind(f, true, VDPU_CSR_DEVICE_STATUS, d, OP_SV_BODY);
        break;
    case VDPU_EV_MSIX_CONFIG:
        push_kind(f, true, VDPU_CSR_MSIX_CONFIG, d < VDPU_NUM_VECTORS ? d : 0xffff, OP_SV_BODY);
        break;
    case VDPU_EV_Q_SIZE:
        if (d >= 1 && d <= VDPU_QSIZE_MAX) {
            push_kind(f, true, VDPU_CSR_FW_QSEL, q, OP_SV_BODY);
            push_kind(f, true, VDPU_CSR_Q_SIZE, d, OP_SV_BODY);
        }
        break;
    case VDPU_EV_Q_MSIX:
        push_kind(f, true, VDPU_CSR_FW_QSEL, q, OP_SV_BODY);
        push_kind(f, true, VDPU_CSR_Q_MSIX, d < VDPU_NUM_VECTORS ? d : 0xffff, OP_SV_BODY);
        break;
    case VDPU_EV_Q_ENABLE:
        push_kind(f, true, VDPU_CSR_FW_QSEL, q, OP_SV_BODY);
        push_kind(f, true, VDPU_CSR_Q_ENABLE, d & 1, OP_SV_BODY);
        if (d & 1) push_kind(f, true, VDPU_CSR_Q_RESET, 0, OP_SV_BODY);
        break;
    case VDPU_EV_Q_RESET:
        if (d & 1) {
            push_kind(f, true, VDPU_CSR_FW_QSEL, q, OP_SV_BODY);
            push_kind(f, true, VDPU_CSR_Q_ENABLE, 0, OP_SV_BODY);
            push_kind(f, true, VDPU_CSR_Q_RESET, 1, OP_SV_BODY);
        }
        break;
    default: /* DRV_FEATURE, NOTIFY: nothing to commit */
        break;
    }
    push_kind(f, true, VDPU_CSR_EV_CTRL, VDPU_EV_CTRL_POP, OP_SV_LAST);
    f->events_handled++;
}

static bool fwrole_step(void *ctx, const vdpu_out_t *out, vdpu_fwreq_t *req)
{
    fwrole_t *f = ctx;
    if (f->waiting && out->fwrsp_valid) {
        struct fw_op done = f->ops[f->head];
        f->head = (f->head + 1) % FWROLE_MAX_OPS;
        f->n--;
        f->waiting = false;
        f->last_rdata = out->fwrsp.rdata;
        f->ops_done++;
        if (done.kind == OP_USER) {
            f->user_rdata = out->fwrsp.rdata;
            f->user_done++;
        }
        if (done.kind == OP_SV_INFO) {
            f->ev_info = out->fwrsp.rdata;
            if ((f->ev_info & 0xff) == 0) f->sv_state = SV_IDLE; /* FIFO was empty after all */
            else push_kind(f, false, VDPU_CSR_EV_HEAD_DATA, 0, OP_SV_DATA);
        } else if (done.kind == OP_SV_DATA) {
            f->ev_data = out->fwrsp.rdata;
            commit_event(f);
        } else if (done.kind == OP_SV_LAST) {
            f->sv_state = SV_IDLE;
        }
    }
    if (f->waiting) return false;
    if (f->auto_service && !f->started) {
        f->started = true;
        push_kind(f, true, VDPU_CSR_IRQ_ENABLE, VDPU_IRQ_STATUS_EVENT, OP_USER);
    }
    if (f->auto_service && f->sv_state == SV_IDLE && f->n == 0 && (out->fw_irq & 1)) {
        f->sv_state = SV_BUSY;
        push_kind(f, false, VDPU_CSR_EV_HEAD_INFO, 0, OP_SV_INFO);
    }
    if (!f->n) return false;
    const struct fw_op *o = &f->ops[f->head];
    req->we = o->we;
    req->addr = o->addr;
    req->wdata = o->we ? o->wdata : 0;
    req->wstrb = o->wstrb;
    f->waiting = true;
    return true;
}

/* Idle skipping: nothing queued, no access in flight, and (servicing events) none to start. */
static bool fwrole_agent_idle(void *ctx, const vdpu_out_t *out, uint64_t now, uint64_t *until)
{
    const fwrole_t *f = ctx;
    (void)now;
    if (f->waiting || f->n || (f->auto_service && (!f->started || (f->sv_state == SV_IDLE && (out->fw_irq & 1)))))
        return false;
    *until = UINT64_MAX;
    return true;
}

void fwrole_attach(fwrole_t *f, vdpu_bus_t *b)
{
    b->fw.ctx = f;
    b->fw.step = fwrole_step;
    b->fw.idle = fwrole_agent_idle;
    b->fw.skip = NULL; /* it counts nothing */
}

struct user_wait {
    fwrole_t *f;
    uint64_t target;
};

static bool user_done(void *p)
{
    struct user_wait *w = p;
    return w->f->user_done >= w->target;
}

static bool user_access(vdpu_bus_t *b, fwrole_t *f, bool we, uint16_t addr, uint32_t val)
{
    while (f->n == FWROLE_MAX_OPS && !b->stopped) vdpu_bus_step(b);
    if (!fwrole_push(f, we, addr, val)) return false;
    struct user_wait w = {f, f->user_done + 1};
    /* user accesses are queued behind earlier ones; wait for exactly this one */
    for (unsigned i = 0; i < f->n - 1; i++)
        if (f->ops[(f->head + i) % FWROLE_MAX_OPS].kind == OP_USER) w.target++;
    return vdpu_bus_run_until(b, user_done, &w, 1000000);
}

bool fw_csr_read(vdpu_bus_t *b, fwrole_t *f, uint16_t addr, uint32_t *val)
{
    if (!user_access(b, f, false, addr, 0)) return false;
    if (val) *val = f->user_rdata;
    return true;
}

bool fw_csr_write(vdpu_bus_t *b, fwrole_t *f, uint16_t addr, uint32_t val)
{
    return user_access(b, f, true, addr, val);
}

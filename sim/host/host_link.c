/* host_link.c - blocking and queued host-link requests on top of the bus. */
#include "host_link.h"

int host_link_submit(vdpu_bus_t *b, uint8_t type, unsigned size, uint64_t addr, uint64_t data)
{
    if (b->hq_n == BUS_HQ_DEPTH || size > 15) return -1; /* size is a 4-bit port field */
    int tag = -1;
    bool posted = type == VDPU_HL_MEM_WR;
    if (!posted) {
        for (int i = 0; i < 256; i++) {
            uint8_t t = (uint8_t)(b->next_tag + i);
            if (!b->tags[t].pending) {
                tag = t;
                break;
            }
        }
        if (tag < 0) return -1;
        b->next_tag = (uint8_t)(tag + 1);
        b->tags[tag].pending = true;
        b->tags[tag].done = false;
    }
    vdpu_hreq_t *r = &b->hq[(b->hq_head + b->hq_n) % BUS_HQ_DEPTH];
    r->type = type;
    r->size = (uint8_t)size;
    r->tag = (uint8_t)(tag < 0 ? 0 : tag);
    r->addr = addr;
    r->data = data;
    b->hq_n++;
    return posted ? 0 : tag;
}

struct wait_ctx {
    vdpu_bus_t *b;
    int tag;
};

static bool tag_done(void *p)
{
    struct wait_ctx *w = p;
    return w->b->tags[w->tag].done;
}

int host_link_wait(vdpu_bus_t *b, int tag, uint64_t *data)
{
    if (tag < 0 || tag > 255) return -1;
    struct wait_ctx w = {b, tag};
    if (!vdpu_bus_run_until(b, tag_done, &w, HOST_LINK_TIMEOUT)) {
        vdpu_bus_stop(b, "host: no completion for tag %d within %u cycles (device wedged?)", tag, HOST_LINK_TIMEOUT);
        return -1;
    }
    b->tags[tag].done = false;
    if (data) *data = b->tags[tag].cpl.data;
    return b->tags[tag].cpl.status;
}

static bool queue_empty(void *p) { return ((vdpu_bus_t *)p)->hq_n == 0; }

bool host_link_drain(vdpu_bus_t *b)
{
    if (!vdpu_bus_run_until(b, queue_empty, b, HOST_LINK_TIMEOUT)) {
        vdpu_bus_stop(b, "host: request queue not drained within %u cycles", HOST_LINK_TIMEOUT);
        return false;
    }
    return true;
}

int host_cfg_read(vdpu_bus_t *b, uint16_t off, unsigned size, uint32_t *val)
{
    uint64_t d = 0;
    int st = host_link_wait(b, host_link_submit(b, VDPU_HL_CFG_RD, size, off, 0), &d);
    if (val) *val = (uint32_t)d;
    return st;
}

int host_cfg_write(vdpu_bus_t *b, uint16_t off, unsigned size, uint32_t val)
{
    return host_link_wait(b, host_link_submit(b, VDPU_HL_CFG_WR, size, off, val), NULL);
}

int host_mem_rd(vdpu_bus_t *b, uint64_t addr, unsigned size, uint64_t *val)
{
    return host_link_wait(b, host_link_submit(b, VDPU_HL_MEM_RD, size, addr, 0), val);
}

bool host_mem_wr(vdpu_bus_t *b, uint64_t addr, unsigned size, uint64_t val)
{
    if (b->hq_n == BUS_HQ_DEPTH && !host_link_drain(b)) return false;
    if (host_link_submit(b, VDPU_HL_MEM_WR, size, addr, val) < 0) return false;
    return host_link_drain(b);
}

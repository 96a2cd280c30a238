/* diag.c - the diag output register: a named diagnostic per misbehaving host access, DIAG_COUNT, DIAG_LAST. */
#include "model.h"

/* Registered: the diag port shows it for the one cycle after this edge. */
void model_diag(struct vdpu_edge *e, uint8_t code, uint64_t addr)
{
    struct vdpu_state *n = e->next;
    n->diag_valid = true;
    n->diag.code = code;
    n->diag.addr = addr;
    n->diag_count++;
    n->diag_last = (uint32_t)(addr & 0xFFFF) << VDPU_DIAG_LAST_ADDR_LSB | (uint32_t)code << VDPU_DIAG_LAST_CODE_LSB;
}

void model_access_fault(struct vdpu_edge *e, uint8_t code, uint64_t addr, struct host_result *r)
{
    r->data = 0;
    model_diag(e, code, addr);
}

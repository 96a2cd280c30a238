/* bar.c - MEM_RD/MEM_WR decode: memory space enable, BAR0 range, access shape, and the BAR0 region map. */
#include <string.h>

#include "model.h"

static bool in_region(uint64_t off, uint64_t region_off, uint64_t region_len)
{
    return off >= region_off && off - region_off < region_len;
}

/*
 * One BAR0 access at offset `off`, as a MEM access or through the PCI cfg
 * window. Region membership is decided by the first byte; each region then
 * checks the access shape it accepts and its read-only rules.
 */
void model_bar_access(struct vdpu_edge *e, uint64_t off, unsigned size, bool write, uint64_t wdata,
                      struct host_result *r)
{
    memset(r, 0, sizeof *r);
    r->status = VDPU_CPL_SC;
    r->bar_off = off;

    if ((size != 1 && size != 2 && size != 4 && size != 8) || (off & (size - 1)) != 0) { /* a power of two: no divide */
        model_access_fault(e, VDPU_DIAG_BAR_BAD_SIZE, off, r);
        return;
    }
    wdata &= size_mask(size);

    if (in_region(off, VDPU_BAR_COMMON_OFF, VDPU_BAR_COMMON_LEN))
        model_common_cfg_access(e, off, size, write, wdata, r);
    else if (in_region(off, VDPU_BAR_NOTIFY_OFF, VDPU_BAR_NOTIFY_LEN))
        model_notify_access(e, off, size, write, wdata, r);
    else if (in_region(off, VDPU_BAR_ISR_OFF, VDPU_BAR_ISR_LEN))
        model_isr_access(e, off, size, write, r);
    else if (in_region(off, VDPU_BAR_DEVCFG_OFF, VDPU_BAR_DEVCFG_LEN))
        model_devcfg_access(e, off, size, write, r);
    else if (in_region(off, VDPU_BAR_MSIX_TBL_OFF, VDPU_BAR_MSIX_TBL_LEN))
        model_msix_table_access(e, off, size, write, wdata, r);
    else if (in_region(off, VDPU_BAR_MSIX_PBA_OFF, VDPU_BAR_MSIX_PBA_LEN))
        model_msix_pba_access(e, off, size, write, r);
    else if (in_region(off, VDPU_BAR_VQSTATE_OFF, VDPU_BAR_VQSTATE_LEN))
        model_vqstate_access(e, off, size, write, r);
    else if (in_region(off, VDPU_BAR_MIG_OFF, VDPU_BAR_MIG_LEN))
        model_mig_access(e, off, size, write, wdata, r);
    else
        model_access_fault(e, VDPU_DIAG_BAR_HOLE, off, r);

    r->data &= size_mask(size);
}

/* MEM_RD / MEM_WR: the function only decodes BAR0 while memory space is enabled. */
void model_mem_access(struct vdpu_edge *e, const vdpu_hreq_t *req, bool write, struct host_result *r)
{
    uint64_t base = model_cfg_bar0_base(e->pre);
    uint64_t off = req->addr - base; /* wraps to a huge value below base */

    if (!model_cfg_mem_enabled(e->pre) || off >= VDPU_BAR0_SIZE) {
        memset(r, 0, sizeof *r);
        r->status = VDPU_CPL_UR;
        model_diag(e, VDPU_DIAG_MEM_UR, req->addr);
        return;
    }
    model_bar_access(e, off, req->size, write, req->data, r);
}

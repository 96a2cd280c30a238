/* cfg_space.c - PCI config space: CFG_RD/CFG_WR checks, byte storage with write masks, the PCI cfg access window. */
#include <string.h>

#include "model.h"

void model_cfg_reset(struct vdpu_state *s)
{
    _Static_assert(sizeof s->cfg == sizeof vdpu_cfg_reset_image, "config image size");
    memcpy(s->cfg, vdpu_cfg_reset_image, sizeof s->cfg);
}

/* ---- derived state --------------------------------------------------------- */

static uint16_t cfg_command(const struct vdpu_state *s)
{
    return le16_at(&s->cfg[VDPU_CFG_COMMAND]);
}

static uint16_t cfg_msix_ctrl(const struct vdpu_state *s)
{
    return le16_at(&s->cfg[VDPU_CFG_MSIX_CTRL]);
}

bool model_cfg_mem_enabled(const struct vdpu_state *s) { return cfg_command(s) & PCI_COMMAND_MEMORY; }
bool model_cfg_bus_master(const struct vdpu_state *s) { return cfg_command(s) & PCI_COMMAND_MASTER; }
bool model_cfg_intx_disabled(const struct vdpu_state *s) { return cfg_command(s) & PCI_COMMAND_INTX_DISABLE; }
bool model_cfg_msix_enabled(const struct vdpu_state *s) { return cfg_msix_ctrl(s) & PCI_MSIX_CTRL_ENABLE; }
bool model_cfg_msix_func_masked(const struct vdpu_state *s) { return cfg_msix_ctrl(s) & PCI_MSIX_CTRL_FUNC_MASK; }

/* {BAR0_HI, BAR0_LO[31:15], 15'b0}: the low bits below the BAR size are not address. */
uint64_t model_cfg_bar0_base(const struct vdpu_state *s)
{
    uint32_t lo = le32_at(&s->cfg[VDPU_CFG_BAR0_LO]) & ~(uint32_t)(VDPU_BAR0_SIZE - 1);
    uint32_t hi = le32_at(&s->cfg[VDPU_CFG_BAR0_HI]);
    return (uint64_t)hi << 32 | lo;
}

/* ---- storage ----------------------------------------------------------------- */

static uint64_t storage_read(const struct vdpu_edge *e, unsigned addr, unsigned size)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++) v |= (uint64_t)e->pre->cfg[addr + i] << (8 * i);
    /* PCI Status bit 3, Interrupt Status: live, not stored (virtio: with MSI-X off, the OR of the ISR bits) */
    if (model_intx_pending(e->pre) && addr <= VDPU_CFG_STATUS && VDPU_CFG_STATUS < addr + size)
        v |= (uint64_t)PCI_STATUS_INTERRUPT << (8 * (VDPU_CFG_STATUS - addr));
    /* Test-only fault: the vendor ID's low byte reads one higher (0x1AF5). */
    if (e->fault == VDPU_FAULT_VENDOR_ID && addr <= VDPU_CFG_VENDOR_ID && VDPU_CFG_VENDOR_ID < addr + size)
        v ^= 1ull << (8 * (VDPU_CFG_VENDOR_ID - addr));
    /* Test-only faults: a device without the vendor data capability, or with another vendor's. */
    if (e->fault == VDPU_FAULT_NO_VNDR_CAP && addr <= VDPU_CFG_PCICFG_NEXT && VDPU_CFG_PCICFG_NEXT < addr + size)
        v &= ~(0xFFull << (8 * (VDPU_CFG_PCICFG_NEXT - addr)));
    if (e->fault == VDPU_FAULT_VNDR_FOREIGN && addr <= VDPU_CFG_VNDR_VENDOR_ID && VDPU_CFG_VNDR_VENDOR_ID < addr + size)
        v = (v & ~(0xFFFFull << (8 * (VDPU_CFG_VNDR_VENDOR_ID - addr)))) |
            (0x8086ull << (8 * (VDPU_CFG_VNDR_VENDOR_ID - addr)));
    return v;
}

/* Per byte new = (old & ~wmask) | (data & wmask). Capability bytes that take no bit of
 * the write are flagged; header bytes are not, so BAR2..5 sizing probes stay quiet. */
static void storage_write(struct vdpu_edge *e, unsigned addr, unsigned size, uint64_t data)
{
    bool any_writable = false;
    for (unsigned i = 0; i < size; i++) {
        uint8_t wm = vdpu_cfg_wmask_image[addr + i];
        uint8_t d = (uint8_t)(data >> (8 * i));
        if (wm) any_writable = true;
        e->next->cfg[addr + i] = (uint8_t)((e->pre->cfg[addr + i] & ~wm) | (d & wm));
    }
    e->next->cfg_gen++; /* copied on change (model_tick) */
    if (!any_writable && addr >= VDPU_CFG_CAP_PTR_RESET) /* capability list */
        model_diag(e, VDPU_DIAG_CFG_RO_WRITE, addr);
}

/* ---- PCI cfg access window (VIRTIO_PCI_CAP_PCI_CFG) ------------------------- */

static void window_access(struct vdpu_edge *e, const vdpu_hreq_t *req, bool write, struct host_result *r)
{
    const struct vdpu_state *s = e->pre;
    uint8_t bar = s->cfg[VDPU_CFG_PCICFG_BAR];
    uint32_t offset = le32_at(&s->cfg[VDPU_CFG_PCICFG_OFF]);
    uint32_t length = le32_at(&s->cfg[VDPU_CFG_PCICFG_LENGTH]);
    bool length_ok = length == 1 || length == 2 || length == 4;

    if (req->addr != VDPU_CFG_PCICFG_DATA || bar != 0 || !length_ok || offset % length != 0) {
        model_access_fault(e, VDPU_DIAG_CFG_WINDOW_BAD, req->addr, r);
        return;
    }
    /* Exactly a MEM access at BAR0 + offset, minus the MSE requirement; the window itself always succeeds. */
    model_bar_access(e, offset, length, write, req->data & size_mask(length), r);
    r->status = VDPU_CPL_SC;
    r->data &= size_mask(req->size);
}

/* ---- CFG_RD / CFG_WR --------------------------------------------------------- */

void model_cfg_access(struct vdpu_edge *e, const vdpu_hreq_t *req, bool write, struct host_result *r)
{
    unsigned size = req->size;
    uint64_t addr = req->addr;

    memset(r, 0, sizeof *r);
    r->status = VDPU_CPL_SC;

    if ((size != 1 && size != 2 && size != 4) || addr % size != 0) {
        model_diag(e, VDPU_DIAG_CFG_BAD_ACCESS, addr);
        r->status = VDPU_CPL_UR;
        return;
    }
    if (addr >= 0x1000) { /* PCIe config space is 4 KiB */
        model_diag(e, VDPU_DIAG_CFG_OUT_OF_RANGE, addr);
        r->status = VDPU_CPL_UR;
        return;
    }
    if (addr >= VDPU_CFG_CAPS_END) {
        model_access_fault(e, VDPU_DIAG_CFG_UNIMPL, addr, r);
        return;
    }
    if (addr < VDPU_CFG_PCICFG_DATA + 4 && addr + size > VDPU_CFG_PCICFG_DATA) { /* touches pci_cfg_data */
        window_access(e, req, write, r);
        return;
    }
    if (write)
        storage_write(e, (unsigned)addr, size, req->data);
    else
        r->data = storage_read(e, (unsigned)addr, size);
}

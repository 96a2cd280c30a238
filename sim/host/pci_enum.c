/* pci_enum.c - Linux-like PCI enumeration and discovery of the virtio structures. */
#include <string.h>

#include "host_link.h"
#include "pci_enum.h"
#include "virtio_spec.h"

#define PCI_CAP_ID_MSIX 0x11
#define PCI_CAP_ID_VNDR 0x09
#define PCI_FIND_CAP_TTL 48 /* Linux's bound on capability-list walks (loops) */

static const char *const vcap_names[VIRTIO_CAP_TYPES] = {"?", "common cfg", "notify", "ISR", "device cfg",
                                                         "PCI cfg access"};

static int fail(FILE *out, const char *msg, unsigned v)
{
    fprintf(out ? out : stderr, "[host] enumeration failed: %s (0x%x)\n", msg, v);
    return -1;
}

static int cfg_rd(vdpu_bus_t *b, uint16_t off, unsigned size, uint32_t *v)
{
    return host_cfg_read(b, off, size, v) == VDPU_CPL_SC ? 0 : -1;
}

static int cfg_wr(vdpu_bus_t *b, uint16_t off, unsigned size, uint32_t v)
{
    return host_cfg_write(b, off, size, v) == VDPU_CPL_SC ? 0 : -1;
}

/* Size one BAR the way __pci_read_base does: decode off, write ones, read back, restore. */
static int size_bar(vdpu_bus_t *b, vdpu_pci_info_t *info, unsigned i, unsigned *next)
{
    uint16_t off = (uint16_t)(0x10 + 4 * i);
    uint32_t orig, sz, orig_hi = 0, sz_hi = 0;
    *next = i + 1;
    if (cfg_rd(b, off, 4, &orig) || cfg_wr(b, off, 4, 0xffffffff) || cfg_rd(b, off, 4, &sz) ||
        cfg_wr(b, off, 4, orig))
        return -1;
    if (sz == 0 || sz == 0xffffffff) return 0; /* unimplemented */
    if (orig & 1) {
        info->bar_io[i] = true;
        return 0;
    }
    info->bar_prefetch[i] = (orig >> 3) & 1;
    info->bar_is64[i] = ((orig >> 1) & 3) == 2;
    uint64_t mask = sz & ~0xfull;
    if (info->bar_is64[i]) {
        if (i == PCI_NUM_BARS - 1) return -1;
        if (cfg_rd(b, (uint16_t)(off + 4), 4, &orig_hi) || cfg_wr(b, (uint16_t)(off + 4), 4, 0xffffffff) ||
            cfg_rd(b, (uint16_t)(off + 4), 4, &sz_hi) || cfg_wr(b, (uint16_t)(off + 4), 4, orig_hi))
            return -1;
        mask |= (uint64_t)sz_hi << 32;
        *next = i + 2;
    } else {
        mask |= 0xffffffff00000000ull;
    }
    info->bar_size[i] = ~mask + 1;
    return 0;
}

/* A virtio vendor data capability (cfg_type 9): its vendor_id qualifies the vendor-defined part, as the
 * spec asks of a driver; ours (vendor_id and signature 'VDPU') names the VQSTATE region (format 1) or the
 * MIG region (format 2). Anything else, a second one of a format, or a region that does not fit its BAR,
 * is reported and skipped. */
static int vendor_data_cap(vdpu_bus_t *b, vdpu_pci_info_t *info, uint8_t at, uint32_t len, FILE *out)
{
    uint32_t vid, fmt = 0, bar = 0, magic = 0, offset = 0, length = 0;
    if (cfg_rd(b, at + VDPU_VNDR_OFF(hdr.vendor_id), 2, &vid)) return -1;
    bool ours = vid == VDPU_VNDR_DATA_ID && len >= sizeof(struct vdpu_vndr_vqstate_cap);
    if (ours && (cfg_rd(b, at + VDPU_VNDR_OFF(format), 1, &fmt) || cfg_rd(b, at + VDPU_VNDR_OFF(bar), 1, &bar) ||
                 cfg_rd(b, at + VDPU_VNDR_OFF(magic), 4, &magic) || cfg_rd(b, at + VDPU_VNDR_OFF(offset), 4, &offset) ||
                 cfg_rd(b, at + VDPU_VNDR_OFF(length), 4, &length)))
        return -1;
    ours = ours && (fmt == VDPU_VNDR_DATA_FMT || fmt == VDPU_VNDR_DATA_FMT_MIG) && magic == VDPU_VNDR_DATA_MAGIC;
    bool mig = fmt == VDPU_VNDR_DATA_FMT_MIG;
    const char *skip = !ours ? "not vdpu's format, skipped"
                       : (mig ? info->mig_found : info->vndr_found) ? "a second one, skipped"
                       : bar >= PCI_NUM_BARS || !info->bar_size[bar] ? "names a bad BAR, skipped"
                       : (uint64_t)offset + length > info->bar_size[bar] ? "region exceeds its BAR, skipped"
                       : NULL;
    if (out) {
        fprintf(out, "[host] cap 0x%02x: virtio vendor data cap_len %2u vendor_id 0x%04x", at, len, vid);
        if (skip) fprintf(out, ": %s\n", skip);
        else fprintf(out, " vdpu %s BAR%u+0x%04x length 0x%x\n",
                     mig ? "migration control (MIG)" : "ring positions (VQSTATE)", bar, offset, length);
    }
    if (skip) return 0;
    if (mig) {
        info->mig_found = true;
        info->mig_cap = at;
        info->mig_bar = (uint8_t)bar;
        info->mig_off = offset;
        info->mig_len = length;
        return 0;
    }
    info->vndr_found = true;
    info->vndr_cap = at;
    info->vndr_bar = (uint8_t)bar;
    info->vndr_off = offset;
    info->vndr_len = length;
    return 0;
}

static int walk_caps(vdpu_bus_t *b, vdpu_pci_info_t *info, FILE *out)
{
    uint32_t status, ptr;
    if (cfg_rd(b, 0x06, 2, &status)) return -1;
    if (!(status & 0x10)) return fail(out, "no capability list", status);
    if (cfg_rd(b, 0x34, 1, &ptr)) return -1;
    for (unsigned ttl = 0; ptr >= 0x40 && ttl < PCI_FIND_CAP_TTL; ttl++) {
        uint8_t at = (uint8_t)(ptr & ~3u);
        uint32_t hdr;
        if (cfg_rd(b, at, 2, &hdr)) return -1;
        uint8_t id = hdr & 0xff;
        info->ncaps++;
        if (id == PCI_CAP_ID_MSIX) {
            uint32_t ctrl, tbl, pba;
            if (cfg_rd(b, at + 2, 2, &ctrl) || cfg_rd(b, at + 4, 4, &tbl) || cfg_rd(b, at + 8, 4, &pba)) return -1;
            info->msix_found = true;
            info->msix_cap = at;
            info->msix_size = (uint16_t)((ctrl & 0x7ff) + 1);
            info->msix_table_bir = tbl & 7;
            info->msix_table_off = tbl & ~7u;
            info->msix_pba_bir = pba & 7;
            info->msix_pba_off = pba & ~7u;
            if (out)
                fprintf(out, "[host] cap 0x%02x: MSI-X, %u vectors, table BAR%u+0x%x, PBA BAR%u+0x%x\n", at,
                        info->msix_size, info->msix_table_bir, info->msix_table_off, info->msix_pba_bir,
                        info->msix_pba_off);
        } else if (id == PCI_CAP_ID_VNDR) {
            uint32_t len, type, bar, offset, length, mult = 0;
            if (cfg_rd(b, at + 2, 1, &len) || cfg_rd(b, at + 3, 1, &type)) return -1;
            if (type == VIRTIO_PCI_CAP_VENDOR_CFG) { /* no bar/offset/length at the usual places */
                if (vendor_data_cap(b, info, at, len, out)) return -1;
                ptr = hdr >> 8;
                continue;
            }
            if (cfg_rd(b, at + 4, 1, &bar) || cfg_rd(b, at + 8, 4, &offset) || cfg_rd(b, at + 12, 4, &length))
                return -1;
            if (type == 2 && cfg_rd(b, at + 16, 4, &mult)) return -1;
            const char *name = type < VIRTIO_CAP_TYPES ? vcap_names[type] : "unknown";
            if (out)
                fprintf(out, "[host] cap 0x%02x: virtio %-14s cap_len %2u BAR%u+0x%04x length 0x%x%s", at, name, len,
                        bar, offset, length, type == 2 ? "" : "\n");
            if (type == 2 && out) fprintf(out, " notify_off_multiplier %u\n", mult);
            /* like vp_modern_map_capability: first of each type wins, must fit in its BAR */
            if (type >= 1 && type < VIRTIO_CAP_TYPES && !info->vcap[type].found) {
                struct virtio_cap_loc *c = &info->vcap[type];
                if (type != 5) {
                    if (bar >= PCI_NUM_BARS || !info->bar_size[bar]) return fail(out, "virtio cap names a bad BAR", bar);
                    if ((uint64_t)offset + length > info->bar_size[bar])
                        return fail(out, "virtio structure exceeds its BAR", offset);
                    c->addr = info->bar_base[bar] + offset;
                }
                c->found = true;
                c->cap_off = at;
                c->bar = (uint8_t)bar;
                c->offset = offset;
                c->length = length;
                if (type == 2) info->notify_mult = mult;
            }
        } else if (out) {
            fprintf(out, "[host] cap 0x%02x: id 0x%02x (ignored)\n", at, id);
        }
        ptr = hdr >> 8;
    }
    if (ptr >= 0x40) return fail(out, "capability list does not terminate", ptr);
    return 0;
}

int pci_enumerate(vdpu_bus_t *b, uint64_t mmio_base, vdpu_pci_info_t *info, FILE *out)
{
    uint32_t id, rev_class, hdr, subsys, cmd;
    memset(info, 0, sizeof *info);
    if (cfg_rd(b, 0x00, 4, &id)) return fail(out, "config read of the ID failed", 0);
    if ((id & 0xffff) == 0xffff) return fail(out, "no device", id);
    info->vendor = id & 0xffff;
    info->device = (uint16_t)(id >> 16);
    if (cfg_rd(b, 0x08, 4, &rev_class) || cfg_rd(b, 0x0c, 4, &hdr) || cfg_rd(b, 0x2c, 4, &subsys))
        return fail(out, "config read failed", 0);
    info->revision = rev_class & 0xff;
    info->class_code = rev_class >> 8;
    info->header_type = (hdr >> 16) & 0x7f;
    info->subsys_vendor = subsys & 0xffff;
    info->subsys_id = (uint16_t)(subsys >> 16);
    if (out)
        fprintf(out, "[host] 00:00.0 vendor %04x device %04x rev %02x class %06x subsystem %04x:%04x header type %u\n",
                info->vendor, info->device, info->revision, info->class_code, info->subsys_vendor, info->subsys_id,
                info->header_type);
    if (info->header_type != 0) return fail(out, "not a type-0 header", info->header_type);

    /* decode off while sizing, as Linux does */
    if (cfg_rd(b, 0x04, 2, &cmd) || cfg_wr(b, 0x04, 2, cmd & ~0x6u)) return fail(out, "command write failed", 0);
    for (unsigned i = 0, next; i < PCI_NUM_BARS; i = next)
        if (size_bar(b, info, i, &next)) return fail(out, "BAR sizing failed", i);

    /* assign: each memory BAR naturally aligned, upward from mmio_base */
    uint64_t at = mmio_base;
    for (unsigned i = 0; i < PCI_NUM_BARS; i++) {
        if (!info->bar_size[i] || info->bar_io[i]) continue;
        uint64_t sz = info->bar_size[i];
        at = (at + sz - 1) & ~(sz - 1);
        info->bar_base[i] = at;
        uint32_t lo;
        if (cfg_rd(b, (uint16_t)(0x10 + 4 * i), 4, &lo) ||
            cfg_wr(b, (uint16_t)(0x10 + 4 * i), 4, (uint32_t)at | (lo & 0xf)))
            return fail(out, "BAR assignment failed", i);
        if (info->bar_is64[i] && cfg_wr(b, (uint16_t)(0x14 + 4 * i), 4, (uint32_t)(at >> 32)))
            return fail(out, "BAR assignment failed", i);
        if (out)
            fprintf(out, "[host] BAR%u: %s %s memory, size %llu KiB, assigned 0x%llx\n", i,
                    info->bar_is64[i] ? "64-bit" : "32-bit", info->bar_prefetch[i] ? "prefetchable" : "non-prefetchable",
                    (unsigned long long)(sz >> 10), (unsigned long long)at);
        at += sz;
    }
    /* pci_enable_device + pci_set_master */
    if (cfg_wr(b, 0x04, 2, (cmd & ~0x6u) | 0x6)) return fail(out, "command write failed", 0);
    if (cfg_rd(b, 0x04, 2, &cmd) || (cmd & 0x6) != 0x6) return fail(out, "memory/bus-master enable did not stick", cmd);

    if (walk_caps(b, info, out)) return -1;
    for (unsigned t = 1; t < VIRTIO_CAP_TYPES; t++)
        if (!info->vcap[t].found) return fail(out, "missing virtio capability of cfg_type", t);
    if (!info->msix_found) return fail(out, "no MSI-X capability", 0);
    if (info->msix_table_bir >= PCI_NUM_BARS || !info->bar_size[info->msix_table_bir] ||
        info->msix_pba_bir >= PCI_NUM_BARS || !info->bar_size[info->msix_pba_bir])
        return fail(out, "MSI-X table/PBA in an unassigned BAR", info->msix_table_bir);
    info->msix_table = info->bar_base[info->msix_table_bir] + info->msix_table_off;
    info->msix_pba = info->bar_base[info->msix_pba_bir] + info->msix_pba_off;
    if (info->vndr_found) info->vqstate = info->bar_base[info->vndr_bar] + info->vndr_off;
    if (info->mig_found) info->mig = info->bar_base[info->mig_bar] + info->mig_off;
    if (out) {
        fprintf(out, "[host] located: common 0x%llx notify 0x%llx isr 0x%llx device 0x%llx msix-table 0x%llx pba 0x%llx",
                (unsigned long long)info->vcap[1].addr, (unsigned long long)info->vcap[2].addr,
                (unsigned long long)info->vcap[3].addr, (unsigned long long)info->vcap[4].addr,
                (unsigned long long)info->msix_table, (unsigned long long)info->msix_pba);
        if (info->vqstate) fprintf(out, " vqstate 0x%llx", (unsigned long long)info->vqstate);
        else fprintf(out, " (no vqstate region)");
        if (info->mig) fprintf(out, " mig 0x%llx\n", (unsigned long long)info->mig);
        else fprintf(out, " (no mig region)\n");
    }
    return 0;
}

int pci_msix_setup(vdpu_bus_t *b, vdpu_pci_info_t *info, FILE *out)
{
    uint16_t ctl = (uint16_t)(info->msix_cap + 2);
    uint32_t v;
    /* enable with all vectors masked, program the table, then unmask the function */
    if (cfg_rd(b, ctl, 2, &v) || cfg_wr(b, ctl, 2, v | 0xC000)) return fail(out, "MSI-X enable failed", 0);
    for (unsigned i = 0; i < info->msix_size; i++) {
        uint64_t e = info->msix_table + 16ull * i;
        /* each entry is written while masked, then unmasked (msix_setup_msi_descs + msix_unmask) */
        if (!host_mem_wr(b, e + 12, 4, 1) || !host_mem_wr(b, e + 0, 4, (uint32_t)b->mem->msi_base) ||
            !host_mem_wr(b, e + 4, 4, (uint32_t)(b->mem->msi_base >> 32)) ||
            !host_mem_wr(b, e + 8, 4, PCI_MSI_DATA_BASE + i) || !host_mem_wr(b, e + 12, 4, 0))
            return fail(out, "MSI-X table write failed", i);
    }
    if (cfg_wr(b, ctl, 2, (v | 0x8000) & ~0x4000u)) return fail(out, "MSI-X unmask failed", 0);
    /* pci_intx_for_msi(): legacy INTx off while MSI-X is in use */
    uint32_t cmd;
    if (cfg_rd(b, 0x04, 2, &cmd) || cfg_wr(b, 0x04, 2, cmd | 0x400)) return fail(out, "INTx disable failed", 0);
    if (out) fprintf(out, "[host] MSI-X enabled: %u vectors -> 0x%llx data 0x%x..0x%x\n", info->msix_size,
                     (unsigned long long)b->mem->msi_base, PCI_MSI_DATA_BASE, PCI_MSI_DATA_BASE + info->msix_size - 1);
    return 0;
}

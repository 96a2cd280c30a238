/* pci_enum.h - the host driver model's PCI side: Linux-like enumeration, capability walk, MSI-X setup. */
#ifndef VDPU_PCI_ENUM_H
#define VDPU_PCI_ENUM_H

#include <stdio.h>

#include "bus.h"

#define PCI_NUM_BARS 6
#define VIRTIO_CAP_TYPES 6 /* cfg_type 1..5 used */

struct virtio_cap_loc {
    bool found;
    uint8_t cap_off, bar;
    uint32_t offset, length;
    uint64_t addr; /* host physical address of the structure */
};

typedef struct vdpu_pci_info {
    uint16_t vendor, device, subsys_vendor, subsys_id;
    uint8_t revision, header_type;
    uint32_t class_code;
    uint64_t bar_base[PCI_NUM_BARS], bar_size[PCI_NUM_BARS];
    bool bar_is64[PCI_NUM_BARS], bar_prefetch[PCI_NUM_BARS], bar_io[PCI_NUM_BARS];
    unsigned ncaps;
    struct virtio_cap_loc vcap[VIRTIO_CAP_TYPES];
    uint32_t notify_mult;
    bool msix_found;
    uint8_t msix_cap;
    uint16_t msix_size;
    uint8_t msix_table_bir, msix_pba_bir;
    uint32_t msix_table_off, msix_pba_off;
    uint64_t msix_table, msix_pba;
    /* vdpu's vendor data capabilities (cfg_type VIRTIO_PCI_CAP_VENDOR_CFG, vendor_id VDPU_VNDR_DATA_ID,
     * signature 'VDPU'): format 1 names the ring-position region VQSTATE, format 2 the migration control
     * region MIG. Absent (address 0) when the device has no such capability; one of another vendor or
     * format is skipped by the walk. */
    bool vndr_found;
    uint8_t vndr_cap, vndr_bar;
    uint32_t vndr_off, vndr_len;
    uint64_t vqstate; /* host physical address of VQSTATE, 0 if absent */
    bool mig_found;
    uint8_t mig_cap, mig_bar;
    uint32_t mig_off, mig_len;
    uint64_t mig;     /* host physical address of MIG, 0 if absent */
} vdpu_pci_info_t;

/* Host interrupt vectors programmed into MSI-X entry i: message data = PCI_MSI_DATA_BASE + i. */
#define PCI_MSI_DATA_BASE 0x30

/* Enumerate the function: config scan, BAR sizing and assignment from mmio_base,
 * memory + bus-master enable, capability walk, virtio structure location.
 * Prints the discovery report to out (NULL: silent). 0 on success, -1 with
 * a one-line reason on out/stderr. */
int pci_enumerate(vdpu_bus_t *b, uint64_t mmio_base, vdpu_pci_info_t *info, FILE *out);
/* Program and enable MSI-X like Linux's msix_capability_init (all vectors unmasked). */
int pci_msix_setup(vdpu_bus_t *b, vdpu_pci_info_t *info, FILE *out);

#endif

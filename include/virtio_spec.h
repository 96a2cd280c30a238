/* virtio_spec.h - spec structs from the Linux uapi headers, the virtio 1.2 / 1.3 additions they lack
 * (in this one place), and compile-time checks tying the generated register map to them. */
#ifndef VDPU_VIRTIO_SPEC_H
#define VDPU_VIRTIO_SPEC_H

#include <linux/virtio_config.h>
#include <linux/virtio_net.h>
#include <linux/virtio_pci.h>
#include <linux/virtio_ring.h>
#include <stddef.h>

#include "vdpu_regmap.h"

/* virtio 1.2 common cfg: Debian 12's uapi struct stops at queue_used_hi. */
struct vdpu_virtio_pci_common_cfg {
    struct virtio_pci_common_cfg base;
    __le16 queue_notify_data; /* 1.2: read-only, data to write with NOTIFICATION_DATA */
    __le16 queue_reset;       /* 1.2: RING_RESET */
} __attribute__((packed));

#ifndef VIRTIO_F_NOTIFICATION_DATA
#define VIRTIO_F_NOTIFICATION_DATA 38
#endif
/* virtio 1.3 "Device Suspend": feature 43, device_status bit SUSPEND (16) */
#ifndef VIRTIO_F_SUSPEND
#define VIRTIO_F_SUSPEND 43
#endif
#ifndef VIRTIO_CONFIG_S_SUSPEND
#define VIRTIO_CONFIG_S_SUSPEND 0x10
#endif
/* virtio 1.3 "Vendor data capability" (transport-pci): cfg_type 9, vendor_id next to the header */
#ifndef VIRTIO_PCI_CAP_VENDOR_CFG
#define VIRTIO_PCI_CAP_VENDOR_CFG 9
struct virtio_pci_vndr_data {
    __u8 cap_vndr;   /* PCI_CAP_ID_VNDR */
    __u8 cap_next;
    __u8 cap_len;    /* a multiple of 4 */
    __u8 cfg_type;   /* VIRTIO_PCI_CAP_VENDOR_CFG */
    __le16 vendor_id; /* PCI-SIG vendor ID of the format; never 0x1AF4 */
    /* vendor-defined part follows */
} __attribute__((packed));
#endif

/* vdpu's vendor data capability (vendor-specific, for debugging/reporting and for a vhost-user
 * bridge / live migration): where the VQSTATE region (ring positions of the selected queue) is. */
struct vdpu_vndr_vqstate_cap {
    struct virtio_pci_vndr_data hdr; /* vendor_id = VDPU_VNDR_DATA_ID */
    __u8 format;                     /* VDPU_VNDR_DATA_FMT */
    __u8 bar;                        /* BAR of the region */
    __le32 magic;                    /* VDPU_VNDR_DATA_MAGIC ('VDPU') */
    __le32 offset;                   /* region offset in the BAR */
    __le32 length;                   /* region length */
} __attribute__((packed));

#define VDPU_CC_OFF(f) offsetof(struct virtio_pci_common_cfg, f)
_Static_assert(VDPU_COMMON_DFSELECT == VDPU_CC_OFF(device_feature_select), "common cfg layout");
_Static_assert(VDPU_COMMON_DF == VDPU_CC_OFF(device_feature), "common cfg layout");
_Static_assert(VDPU_COMMON_GFSELECT == VDPU_CC_OFF(guest_feature_select), "common cfg layout");
_Static_assert(VDPU_COMMON_GF == VDPU_CC_OFF(guest_feature), "common cfg layout");
_Static_assert(VDPU_COMMON_MSIX == VDPU_CC_OFF(msix_config), "common cfg layout");
_Static_assert(VDPU_COMMON_NUMQ == VDPU_CC_OFF(num_queues), "common cfg layout");
_Static_assert(VDPU_COMMON_STATUS == VDPU_CC_OFF(device_status), "common cfg layout");
_Static_assert(VDPU_COMMON_CFGGENERATION == VDPU_CC_OFF(config_generation), "common cfg layout");
_Static_assert(VDPU_COMMON_Q_SELECT == VDPU_CC_OFF(queue_select), "common cfg layout");
_Static_assert(VDPU_COMMON_Q_SIZE == VDPU_CC_OFF(queue_size), "common cfg layout");
_Static_assert(VDPU_COMMON_Q_MSIX == VDPU_CC_OFF(queue_msix_vector), "common cfg layout");
_Static_assert(VDPU_COMMON_Q_ENABLE == VDPU_CC_OFF(queue_enable), "common cfg layout");
_Static_assert(VDPU_COMMON_Q_NOFF == VDPU_CC_OFF(queue_notify_off), "common cfg layout");
_Static_assert(VDPU_COMMON_Q_DESCLO == VDPU_CC_OFF(queue_desc_lo), "common cfg layout");
_Static_assert(VDPU_COMMON_Q_DESCHI == VDPU_CC_OFF(queue_desc_hi), "common cfg layout");
_Static_assert(VDPU_COMMON_Q_AVAILLO == VDPU_CC_OFF(queue_avail_lo), "common cfg layout");
_Static_assert(VDPU_COMMON_Q_AVAILHI == VDPU_CC_OFF(queue_avail_hi), "common cfg layout");
_Static_assert(VDPU_COMMON_Q_USEDLO == VDPU_CC_OFF(queue_used_lo), "common cfg layout");
_Static_assert(VDPU_COMMON_Q_USEDHI == VDPU_CC_OFF(queue_used_hi), "common cfg layout");
_Static_assert(VDPU_COMMON_Q_NDATA == offsetof(struct vdpu_virtio_pci_common_cfg, queue_notify_data), "1.2 layout");
_Static_assert(VDPU_COMMON_Q_RESET == offsetof(struct vdpu_virtio_pci_common_cfg, queue_reset), "1.2 layout");
_Static_assert(VDPU_COMMON_Q_NDATA == VIRTIO_PCI_COMMON_Q_NDATA && VDPU_COMMON_Q_RESET == VIRTIO_PCI_COMMON_Q_RESET,
               "1.2 fields agree with the uapi offset macros");
_Static_assert(VDPU_BAR_COMMON_LEN == sizeof(struct vdpu_virtio_pci_common_cfg), "common cfg length");

#define VDPU_CAP_OFF(f) offsetof(struct virtio_pci_cap, f)
_Static_assert(VDPU_CFG_COMMON_LEN - VDPU_CFG_COMMON_VNDR == VDPU_CAP_OFF(cap_len), "cap layout");
_Static_assert(VDPU_CFG_COMMON_TYPE - VDPU_CFG_COMMON_VNDR == VDPU_CAP_OFF(cfg_type), "cap layout");
_Static_assert(VDPU_CFG_COMMON_BAR - VDPU_CFG_COMMON_VNDR == VDPU_CAP_OFF(bar), "cap layout");
_Static_assert(VDPU_CFG_COMMON_OFF - VDPU_CFG_COMMON_VNDR == VDPU_CAP_OFF(offset), "cap layout");
_Static_assert(VDPU_CFG_COMMON_LENGTH - VDPU_CFG_COMMON_VNDR == VDPU_CAP_OFF(length), "cap layout");
_Static_assert(VDPU_CFG_COMMON_LEN_RESET == sizeof(struct virtio_pci_cap), "common cap_len");
_Static_assert(VDPU_CFG_ISR_LEN_RESET == sizeof(struct virtio_pci_cap), "ISR cap_len");
_Static_assert(VDPU_CFG_DEVICE_LEN_RESET == sizeof(struct virtio_pci_cap), "device cap_len");
_Static_assert(VDPU_CFG_NOTIFY_LEN_RESET == sizeof(struct virtio_pci_notify_cap), "notify cap_len");
_Static_assert(VDPU_CFG_NOTIFY_MULTIP - VDPU_CFG_NOTIFY_VNDR == offsetof(struct virtio_pci_notify_cap,
                                                                         notify_off_multiplier), "notify cap");
_Static_assert(VDPU_CFG_PCICFG_LEN_RESET == sizeof(struct virtio_pci_cfg_cap), "pci cfg cap_len");
_Static_assert(VDPU_CFG_PCICFG_DATA - VDPU_CFG_PCICFG_VNDR == offsetof(struct virtio_pci_cfg_cap, pci_cfg_data),
               "pci cfg cap data");
_Static_assert(VDPU_CFG_COMMON_TYPE_RESET == VIRTIO_PCI_CAP_COMMON_CFG && VDPU_CFG_NOTIFY_TYPE_RESET ==
               VIRTIO_PCI_CAP_NOTIFY_CFG && VDPU_CFG_ISR_TYPE_RESET == VIRTIO_PCI_CAP_ISR_CFG &&
               VDPU_CFG_DEVICE_TYPE_RESET == VIRTIO_PCI_CAP_DEVICE_CFG && VDPU_CFG_PCICFG_TYPE_RESET ==
               VIRTIO_PCI_CAP_PCI_CFG, "cfg_type values");

#define VDPU_VNDR_OFF(f) offsetof(struct vdpu_vndr_vqstate_cap, f)
_Static_assert(VDPU_CFG_VNDR_LEN - VDPU_CFG_VNDR_VNDR == VDPU_VNDR_OFF(hdr.cap_len), "vendor cap layout");
_Static_assert(VDPU_CFG_VNDR_TYPE - VDPU_CFG_VNDR_VNDR == VDPU_VNDR_OFF(hdr.cfg_type), "vendor cap layout");
_Static_assert(VDPU_CFG_VNDR_VENDOR_ID - VDPU_CFG_VNDR_VNDR == VDPU_VNDR_OFF(hdr.vendor_id), "vendor cap layout");
_Static_assert(VDPU_CFG_VNDR_FORMAT - VDPU_CFG_VNDR_VNDR == VDPU_VNDR_OFF(format), "vendor cap layout");
_Static_assert(VDPU_CFG_VNDR_BAR - VDPU_CFG_VNDR_VNDR == VDPU_VNDR_OFF(bar), "vendor cap layout");
_Static_assert(VDPU_CFG_VNDR_MAGIC - VDPU_CFG_VNDR_VNDR == VDPU_VNDR_OFF(magic), "vendor cap layout");
_Static_assert(VDPU_CFG_VNDR_OFF - VDPU_CFG_VNDR_VNDR == VDPU_VNDR_OFF(offset), "vendor cap layout");
_Static_assert(VDPU_CFG_VNDR_LENGTH - VDPU_CFG_VNDR_VNDR == VDPU_VNDR_OFF(length), "vendor cap layout");
_Static_assert(VDPU_CFG_VNDR_LEN_RESET == sizeof(struct vdpu_vndr_vqstate_cap) && VDPU_CFG_VNDR_LEN_RESET % 4 == 0,
               "vendor cap_len: the whole structure, a multiple of 4");
_Static_assert(VDPU_CFG_VNDR_VNDR % 4 == 0, "capabilities are dword-aligned");
_Static_assert(VDPU_CFG_VNDR_TYPE_RESET == VIRTIO_PCI_CAP_VENDOR_CFG, "vendor cap cfg_type");
_Static_assert(VDPU_CFG_VNDR_VENDOR_ID_RESET == VDPU_VNDR_DATA_ID && VDPU_VNDR_DATA_ID != 0x1AF4,
               "vendor_id must not be 0x1AF4");
_Static_assert(VDPU_CFG_VNDR_FORMAT_RESET == VDPU_VNDR_DATA_FMT && VDPU_CFG_VNDR_MAGIC_RESET == VDPU_VNDR_DATA_MAGIC,
               "vendor cap format and signature");
_Static_assert(VDPU_CFG_VNDR_BAR_RESET == 0 && VDPU_CFG_VNDR_OFF_RESET == VDPU_BAR_VQSTATE_OFF &&
               VDPU_CFG_VNDR_LENGTH_RESET == VDPU_BAR_VQSTATE_LEN, "vendor cap names the VQSTATE region");
_Static_assert(VDPU_CFG_PCICFG_NEXT_RESET == VDPU_CFG_VNDR_VNDR && VDPU_CFG_VNDR_NEXT_RESET == VDPU_CFG_MIGC_VNDR &&
               VDPU_CFG_MIGC_NEXT_RESET == 0, "the two vendor data capabilities end the list, VQSTATE's first");
/* the second one (format 2) has the same layout and names the MIG region */
_Static_assert(VDPU_CFG_MIGC_LEN - VDPU_CFG_MIGC_VNDR == VDPU_VNDR_OFF(hdr.cap_len) &&
               VDPU_CFG_MIGC_TYPE - VDPU_CFG_MIGC_VNDR == VDPU_VNDR_OFF(hdr.cfg_type) &&
               VDPU_CFG_MIGC_VENDOR_ID - VDPU_CFG_MIGC_VNDR == VDPU_VNDR_OFF(hdr.vendor_id) &&
               VDPU_CFG_MIGC_FORMAT - VDPU_CFG_MIGC_VNDR == VDPU_VNDR_OFF(format) &&
               VDPU_CFG_MIGC_BAR - VDPU_CFG_MIGC_VNDR == VDPU_VNDR_OFF(bar) &&
               VDPU_CFG_MIGC_MAGIC - VDPU_CFG_MIGC_VNDR == VDPU_VNDR_OFF(magic) &&
               VDPU_CFG_MIGC_OFF - VDPU_CFG_MIGC_VNDR == VDPU_VNDR_OFF(offset) &&
               VDPU_CFG_MIGC_LENGTH - VDPU_CFG_MIGC_VNDR == VDPU_VNDR_OFF(length), "MIG vendor cap layout");
_Static_assert(VDPU_CFG_MIGC_LEN_RESET == sizeof(struct vdpu_vndr_vqstate_cap) && VDPU_CFG_MIGC_VNDR % 4 == 0 &&
               VDPU_CFG_MIGC_VNDR + VDPU_CFG_MIGC_LEN_RESET == VDPU_CFG_CAPS_END, "MIG vendor cap: last, whole");
_Static_assert(VDPU_CFG_MIGC_TYPE_RESET == VIRTIO_PCI_CAP_VENDOR_CFG && VDPU_CFG_MIGC_VENDOR_ID_RESET == VDPU_VNDR_DATA_ID &&
               VDPU_CFG_MIGC_FORMAT_RESET == VDPU_VNDR_DATA_FMT_MIG && VDPU_CFG_MIGC_MAGIC_RESET == VDPU_VNDR_DATA_MAGIC,
               "MIG vendor cap type, vendor_id, format and signature");
_Static_assert(VDPU_CFG_MIGC_BAR_RESET == 0 && VDPU_CFG_MIGC_OFF_RESET == VDPU_BAR_MIG_OFF &&
               VDPU_CFG_MIGC_LENGTH_RESET == VDPU_BAR_MIG_LEN, "MIG vendor cap names the MIG region");
_Static_assert(VDPU_MIG_ID == 0 && VDPU_MIG_CAPS == 4 && VDPU_MIG_CTRL == 8 && VDPU_MIG_STATUS == 12 &&
               VDPU_MIG_DATA == 16 && VDPU_MIG_ID_SIZE == 4 && VDPU_MIG_CTRL_SIZE == 4 && VDPU_MIG_STATUS_SIZE == 4 &&
               VDPU_MIG_DATA_SIZE == 4, "MIG: five 32-bit registers");
_Static_assert(VDPU_MIG_WIN_SIZE == VDPU_MIG_STATE_BYTES && VDPU_MIG_WIN + VDPU_MIG_WIN_SIZE == VDPU_BAR_MIG_LEN &&
               VDPU_MIG_WIN > VDPU_MIG_DATA, "MIG: the state window fills the region's upper half");
_Static_assert(VDPU_BAR_MIG_OFF % 0x1000 == 0 && VDPU_BAR_MIG_OFF + VDPU_BAR_MIG_LEN <= VDPU_BAR0_SIZE,
               "MIG starts its own page inside BAR0");
_Static_assert(VDPU_BAR_VQSTATE_LEN == VDPU_VQSTATE_USED + VDPU_VQSTATE_USED_SIZE && VDPU_VQSTATE_AVAIL == 0 &&
               VDPU_VQSTATE_AVAIL_SIZE == 4 && VDPU_VQSTATE_USED_SIZE == 4, "VQSTATE: two 32-bit registers");
_Static_assert(VDPU_BAR_VQSTATE_OFF % 0x1000 == 0 && VDPU_BAR_VQSTATE_OFF + VDPU_BAR_VQSTATE_LEN <= VDPU_BAR0_SIZE,
               "VQSTATE starts its own page inside BAR0");

#define VDPU_NET_OFF(f) offsetof(struct virtio_net_config, f)
_Static_assert(VDPU_NETCFG_MAC0 == VDPU_NET_OFF(mac), "net cfg layout");
_Static_assert(VDPU_NETCFG_STATUS == VDPU_NET_OFF(status), "net cfg layout");
_Static_assert(VDPU_NETCFG_MAX_QP == VDPU_NET_OFF(max_virtqueue_pairs), "net cfg layout");
_Static_assert(VDPU_NETCFG_MTU == VDPU_NET_OFF(mtu), "net cfg layout");
_Static_assert(VDPU_BAR_DEVCFG_LEN == VDPU_NET_OFF(mtu) + 2, "net cfg length");

/* the offered-feature reset value is the device's supported set */
#define VDPU_BIT(b) (1ull << (b))
_Static_assert(((uint64_t)VDPU_CSR_DEV_FEATURE1_RESET << 32 | VDPU_CSR_DEV_FEATURE0_RESET) ==
                   (VDPU_BIT(VIRTIO_F_VERSION_1) | VDPU_BIT(VIRTIO_F_RING_PACKED) | VDPU_BIT(VIRTIO_RING_F_INDIRECT_DESC) |
                    VDPU_BIT(VIRTIO_RING_F_EVENT_IDX) | VDPU_BIT(VIRTIO_F_IN_ORDER) |
                    VDPU_BIT(VIRTIO_F_NOTIFICATION_DATA) | VDPU_BIT(VIRTIO_F_RING_RESET) | VDPU_BIT(VIRTIO_F_SUSPEND) |
                    VDPU_BIT(VIRTIO_NET_F_MAC) |
                    VDPU_BIT(VIRTIO_NET_F_MTU) | VDPU_BIT(VIRTIO_NET_F_STATUS) | VDPU_BIT(VIRTIO_NET_F_CTRL_VQ) |
                    VDPU_BIT(VIRTIO_NET_F_CTRL_RX) | VDPU_BIT(VIRTIO_NET_F_MRG_RXBUF) | VDPU_BIT(VIRTIO_NET_F_MQ) |
                    VDPU_BIT(VIRTIO_NET_F_CTRL_MAC_ADDR)),
               "default offered features = design's feature list");
_Static_assert(VDPU_CSR_PARAMS_RESET == (VDPU_NUM_VECTORS << 24 | VDPU_NUM_QUEUES << 16 | VDPU_QSIZE_MAX), "PARAMS");
_Static_assert(VDPU_CFG_MSIX_CTRL_RESET == VDPU_NUM_VECTORS - 1, "MSI-X table size");
_Static_assert(VDPU_CFG_NOTIFY_LENGTH_RESET == VDPU_NUM_QUEUES * VDPU_NOTIFY_MULT, "notify length");
_Static_assert(VDPU_BAR_NOTIFY_LEN == VDPU_NUM_QUEUES * VDPU_NOTIFY_MULT, "notify region");
_Static_assert(VDPU_BAR_MSIX_TBL_LEN == 16 * VDPU_NUM_VECTORS, "MSI-X table region");
_Static_assert(VDPU_CFG_MSIX_TABLE_RESET == VDPU_BAR_MSIX_TBL_OFF && VDPU_CFG_MSIX_PBA_RESET == VDPU_BAR_MSIX_PBA_OFF,
               "MSI-X BIR/offset");
_Static_assert(VDPU_CFG_COMMON_OFF_RESET == VDPU_BAR_COMMON_OFF && VDPU_CFG_NOTIFY_OFF_RESET == VDPU_BAR_NOTIFY_OFF &&
               VDPU_CFG_ISR_OFF_RESET == VDPU_BAR_ISR_OFF && VDPU_CFG_DEVICE_OFF_RESET == VDPU_BAR_DEVCFG_OFF,
               "capability offsets = BAR layout");
_Static_assert(VDPU_CFG_COMMON_LENGTH_RESET == VDPU_BAR_COMMON_LEN && VDPU_CFG_DEVICE_LENGTH_RESET ==
               VDPU_BAR_DEVCFG_LEN && VDPU_CFG_ISR_LENGTH_RESET == VDPU_BAR_ISR_LEN, "capability lengths");
_Static_assert((0x100000000ull - (VDPU_CFG_BAR0_LO_WMASK)) == VDPU_BAR0_SIZE, "BAR0 size = writable mask");
_Static_assert(VDPU_CFG_VNDR_VNDR + VDPU_CFG_VNDR_LEN_RESET == VDPU_CFG_MIGC_VNDR, "the MIG capability follows VQSTATE's");

#endif

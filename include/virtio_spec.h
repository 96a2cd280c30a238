/* virtio_spec.h - spec structs from the Linux uapi headers, the virtio 1.2 additions they lack
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
                    VDPU_BIT(VIRTIO_F_NOTIFICATION_DATA) | VDPU_BIT(VIRTIO_F_RING_RESET) | VDPU_BIT(VIRTIO_NET_F_MAC) |
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
_Static_assert(VDPU_CFG_PCICFG_DATA + 4 == VDPU_CFG_CAPS_END, "capability list end");

#endif

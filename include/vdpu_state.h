/* vdpu_state.h - 'VDPS' v1, the device state the MIG region's STATE_GET returns and STATE_SET takes
 * (docs/migration.md "State format"): a header, then parts in the virtio device-parts encoding. Shared
 * by the firmware (which writes and applies it) and the host side (which carries it). */
#ifndef VDPU_STATE_H
#define VDPU_STATE_H

#include <stdint.h>

#define VDPS_MAGIC 0x53504456u /* 'VDPS' as little-endian bytes */
#define VDPS_MAJOR 1u
#define VDPS_MINOR 0u

/* All fields little-endian. crc: CRC-32 (IEEE 802.3, as zlib's crc32) of bytes [sizeof header, len). */
struct vdps_hdr {
    uint32_t magic;
    uint16_t major, minor; /* a different major is refused; a higher minor only appends */
    uint32_t len;          /* bytes, header included, a multiple of 4 */
    uint32_t parts;        /* parts that follow */
    uint32_t crc;
    uint32_t rsvd;         /* 0 */
};

/* One part: the 16-byte header of virtio's struct virtio_dev_part_hdr (device-parts.tex), then `len`
 * bytes of value, padded with zeros to a multiple of 4. */
struct vdps_part_hdr {
    uint16_t type;
    uint8_t flags;  /* VDPS_F_OPTIONAL */
    uint8_t rsvd;
    uint32_t sel_lo, sel_hi; /* selector: VQ parts the queue index, PCI_COMMON_CFG the field offset */
    uint32_t len;
};
#define VDPS_F_OPTIONAL 0x01u

/* Part types: the spec's common parts where their value fits (device-parts.tex "Common device parts"),
 * vendor parts 0xFF00.. for what the spec does not encode (it has no vendor range: these are valid only
 * inside a 'VDPS' container). */
enum vdps_part_type {
    VDPS_DEV_FEATURES = 0x100,   /* OPTIONAL; uint32_t w[4]: verified against the offer, never applied */
    VDPS_DRV_FEATURES = 0x101,   /* uint32_t w[4] */
    VDPS_PCI_COMMON_CFG = 0x102, /* selector 0x10 (msix_config): uint16_t */
    VDPS_DEVICE_STATUS = 0x103,  /* uint8_t */
    VDPS_VQ_CFG = 0x104,         /* selector queue: struct vdps_vq_cfg */
    VDPS_VQ_RUNTIME = 0xFF00,    /* selector queue: struct vdps_vq_runtime */
    VDPS_NET_CFG = 0xFF01,       /* struct vdps_net_cfg */
    VDPS_RX_FILTER = 0xFF02,     /* struct vdps_rx_filter */
    VDPS_STEER = 0xFF03,         /* struct vdps_steer */
    VDPS_FW = 0xFF05,            /* struct vdps_fw */
    VDPS_MSIX_PENDING = 0xFF06,  /* struct vdps_msix_pending: the host's (it reads the PBA; firmware cannot),
                                  * added to the state by the migrating host when a bit is set */
};

struct vdps_vq_cfg { /* as the spec's VIRTIO_DEV_PART_VQ_CFG, 64-bit addresses as two words */
    uint16_t queue_size, vector, enabled, rsvd;
    uint32_t desc_lo, desc_hi, driver_lo, driver_hi, device_lo, device_hi;
};

struct vdps_vq_runtime {
    uint32_t avail_pos; /* VQSTATE AVAIL / Q_AVAIL_POS layout: [15:0] last_avail, [16] avail_wrap */
    uint32_t used_pos;  /* VQSTATE USED / Q_USED_POS layout: [15:0] used_idx, [16] used_wrap */
    uint32_t flags;     /* VDPS_VQ_* */
};
#define VDPS_VQ_CTRLQ_BROKEN 0x1u /* the control queue held a malformed chain */
#define VDPS_VQ_KICK 0x2u         /* a doorbell not served yet (Q_KICK; the control queue's: VDPS_FW_CTRLQ_OWED):
                                   * the restoring host rings it again */

struct vdps_net_cfg {
    uint32_t mac_lo, mac_hi; /* NET_MAC_LO/HI: mac[0..3], mac[4..5] */
    uint32_t status;         /* virtio-net status (LINK_UP, ANNOUNCE) */
    uint32_t config_gen;     /* config_generation */
};

#define VDPS_RXF_ENTRIES 4
struct vdps_rx_filter {
    uint32_t flags; /* VDPS_RXF_* */
    uint32_t pairs; /* VQ_PAIRS_SET */
    uint32_t mac_lo[VDPS_RXF_ENTRIES], mac_hi[VDPS_RXF_ENTRIES]; /* RXF_MAC_LOi/HIi ([31] valid) */
};
#define VDPS_RXF_PROMISC 0x1u
#define VDPS_RXF_ALLMULTI 0x2u
#define VDPS_RXF_UC_OVF 0x4u
#define VDPS_RXF_MC_OVF 0x8u

struct vdps_fw {
    uint32_t flags; /* VDPS_FW_*: what firmware owes the driver at the run */
};
#define VDPS_FW_LINK_OWED 0x1u
#define VDPS_FW_CFG_IRQ_OWED 0x2u
#define VDPS_FW_CTRLQ_OWED 0x4u
#define VDPS_FW_ERR_MASKED 0x8u

struct vdps_steer {
    uint8_t tbl[VDPU_STEER_ENTRIES]; /* the RX steering flow table (STEER_ENT): [7] valid, [6:0] queue pair */
};
_Static_assert(VDPU_STEER_ENTRIES % 4 == 0, "the steering table is whole words");

struct vdps_msix_pending {
    uint32_t pending; /* bit v: the PBA's pending bit of MSI-X vector v (a masked vector's message owed) */
};
_Static_assert(VDPU_NUM_VECTORS <= 32, "the pending bits fit one word");

_Static_assert(sizeof(struct vdps_hdr) == 24 && sizeof(struct vdps_part_hdr) == 16, "VDPS headers");
_Static_assert(sizeof(struct vdps_vq_cfg) == 32 && sizeof(struct vdps_vq_runtime) == 12 &&
               sizeof(struct vdps_net_cfg) == 16 && sizeof(struct vdps_rx_filter) == 40 && sizeof(struct vdps_fw) == 4 &&
                   sizeof(struct vdps_msix_pending) == 4 && sizeof(struct vdps_steer) == VDPU_STEER_ENTRIES,
               "VDPS part values: whole words");

#endif

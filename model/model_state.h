/* model_state.h - the complete architectural state of the vdpu model: one struct, plain data, no pointers. */
#ifndef VDPU_MODEL_STATE_H
#define VDPU_MODEL_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "vdpu_regmap.h"

/*
 * Everything the device remembers between clock edges lives in struct
 * vdpu_state, so an edge can be computed as next = f(pre, inputs) from a
 * by-value copy, and live migration can later save/restore it with memcpy.
 * Keep it free of pointers and host-side bookkeeping.
 */

#define VDPU_CFG_IMAGE_BYTES 256 /* implemented config bytes (the rest of the 4 KiB read as unimplemented) */

/* One virtqueue as seen by the host (common cfg) and by firmware (Q_* CSRs): the same storage. */
struct vdpu_queue_ctx {
    uint16_t size;        /* Q_SIZE / queue_size */
    uint16_t msix_vector; /* Q_MSIX / queue_msix_vector */
    uint16_t enable;      /* Q_ENABLE / queue_enable */
    uint16_t reset;       /* Q_RESET / queue_reset */
    uint32_t desc_lo, desc_hi;     /* queue_desc */
    uint32_t driver_lo, driver_hi; /* queue_driver (avail ring) */
    uint32_t device_lo, device_hi; /* queue_device (used ring) */
};

/* One host policy write waiting for firmware (EV_HEAD_INFO / EV_HEAD_DATA). */
struct vdpu_event {
    uint8_t kind;   /* VDPU_EV_* */
    uint16_t queue; /* queue index or feature select */
    uint32_t data;  /* value the host wrote, truncated to the field width */
};

/* One MSI-X table entry, stored already masked to its readable bits. */
struct vdpu_msix_entry {
    uint32_t addr_lo; /* bits [1:0] always 0 */
    uint32_t addr_hi;
    uint32_t data;
    uint32_t ctrl; /* bit 0: vector mask */
};

enum vdpu_completer_fsm {
    VDPU_COMPLETER_IDLE,
    VDPU_COMPLETER_HOLD, /* a policy read waits for the event FIFO to drain, or a pushing write for room in it */
};

struct vdpu_state {
    /* ---- PCI config space (COMMAND, MSIX_CTRL, BAR0 and the window live here) */
    uint8_t cfg[VDPU_CFG_IMAGE_BYTES];

    /* ---- virtio common cfg registers the host owns */
    uint32_t device_feature_select;
    uint32_t driver_feature_select;
    uint16_t queue_select;

    /* ---- host-visible virtio state the firmware commits through CSRs */
    uint8_t device_status;
    uint8_t config_gen;
    uint16_t msix_config;
    uint32_t dev_feature[VDPU_FEAT_WORDS];
    uint32_t drv_feature[VDPU_FEAT_WORDS];
    struct vdpu_queue_ctx queue[VDPU_NUM_QUEUES];
    uint8_t isr; /* bit0 queue interrupt, bit1 config change */

    /* ---- virtio-net device cfg (NET_* CSRs) */
    uint32_t net_mac_lo;
    uint16_t net_mac_hi;
    uint16_t net_status;
    uint16_t net_max_qp;
    uint16_t net_mtu;

    /* ---- firmware CSR block bookkeeping */
    uint32_t scratch;
    uint32_t irq_enable;
    uint32_t hold_timeout;
    uint16_t hold_timeouts; /* HOLD_STATUS[31:16], saturating */
    uint32_t diag_count;
    uint32_t diag_last;
    uint32_t notify_count;
    uint32_t fw_err; /* {count[15:0], 8'b0, code} */
    uint16_t fw_qsel;

    /* ---- data-path control and status inputs */
    bool quiesce;  /* DP_CTRL[0] */
    bool dp_err;   /* DP_STATUS[1], sticky until INT_ACK[1] */
    bool link;     /* LINK_STATE[0]: the sampled link_up input */
    bool link_chg; /* LINK_STATE[1], sticky until INT_ACK[0] */
    uint16_t ctrlq; /* CTRLQ: the control queue, whose doorbells go to firmware */

    /* ---- event FIFO (host policy writes -> firmware) */
    struct vdpu_event evq[VDPU_EVQ_DEPTH];
    uint8_t evq_head;
    uint8_t evq_count;
    bool evq_overflow; /* EV_COUNT[8], sticky */

    /* ---- MSI-X */
    struct vdpu_msix_entry msix[VDPU_NUM_VECTORS];
    uint64_t msix_pending; /* PBA: bit v = vector v */

    /* ---- host completer */
    enum vdpu_completer_fsm completer;
    vdpu_hreq_t held_req; /* the request parked in HOLD */
    uint32_t hold_cnt;

    /* ---- output registers (payloads keep their last value while valid is low) */
    bool hcpl_valid;
    vdpu_hcpl_t hcpl;
    bool dmareq_valid;
    vdpu_dmareq_t dmareq;
    bool fwrsp_valid;
    uint32_t fwrsp_rdata;
    bool diag_valid;
    vdpu_diag_t diag;
};

#endif

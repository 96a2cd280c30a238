/* virtio_ctrl.h - the host's control-virtqueue driver: one command at a time on the split or packed control ring. */
#ifndef VDPU_VIRTIO_CTRL_H
#define VDPU_VIRTIO_CTRL_H

#include <stdbool.h>
#include <stdint.h>

#include "virtio_drv.h"

/* virtio-net control classes and commands (virtio 1.2, 5.1.6.5) */
#define VNET_CTRL_RX 0
#define VNET_CTRL_RX_PROMISC 0
#define VNET_CTRL_RX_ALLMULTI 1
#define VNET_CTRL_MAC 1
#define VNET_CTRL_MAC_TABLE_SET 0
#define VNET_CTRL_MAC_ADDR_SET 1
#define VNET_CTRL_MQ 4
#define VNET_CTRL_MQ_VQ_PAIRS_SET 0
#define VNET_OK 0
#define VNET_ERR 1

/* A misbehaving driver: the next command's chain is malformed this way. */
enum ctrl_fault {
    CTRL_FAULT_NONE = 0,
    CTRL_FAULT_ZERO_LEN, /* the header descriptor has length 0 */
    CTRL_FAULT_NO_ACK,   /* no device-writable descriptor */
    CTRL_FAULT_BAD_NEXT, /* split: the header's next is >= queue size; packed: the chain runs into an unavailable slot */
};

typedef struct virtio_ctrl {
    virtio_drv_t *d;
    unsigned q;      /* control queue index */
    bool packed;
    uint16_t size, vector;
    uint64_t desc, driver, device, notify;
    uint64_t area;   /* header, data and ack buffers */
    uint16_t avail_idx, last_used;       /* split */
    uint16_t next_avail, next_used;      /* packed */
    bool avail_wrap, used_wrap;
    enum ctrl_fault fault;
    uint64_t cmds, irqs, last_cycles;    /* commands completed, with an interrupt, cycles of the last one */
    char error[160];
} virtio_ctrl_t;

/* Needs virtio_drv_init to DRIVER_OK with CTRL_VQ negotiated. Zeroes the control ring and grants the
 * device the areas it may write (used ring / packed ring, ack byte). 0 or -1 (error set). */
int virtio_ctrl_open(virtio_ctrl_t *c, virtio_drv_t *d);
/* Post {class, cmd, data[len]} + ack, kick, wait (bounded) for the used entry. Returns 0 with *ack
 * the device's answer, or -1 (no answer within max_cycles, bus stopped; error set). */
int virtio_ctrl_cmd(virtio_ctrl_t *c, uint8_t cls, uint8_t cmd, const void *data, unsigned len, uint8_t *ack,
                    uint64_t max_cycles);
/* Parse "mac=52:54:00:12:34:56,promisc=1,allmulti=0,pairs=2" and send the commands in that order
 * (each must be acked OK). 0, or -1 with error set (bad syntax names the item). */
int virtio_ctrl_apply(virtio_ctrl_t *c, const char *spec);
/* Syntax check only (for the command line): NULL if fine, else what is wrong. */
const char *virtio_ctrl_check(const char *spec);
/* What a checked list leaves of the receive filter: the MAC (mac=), promisc= and allmulti=, each
 * updated by its last item; the caller passes the state before the list. */
void virtio_ctrl_rx_state(const char *spec, uint8_t mac[6], bool *promisc, bool *allmulti);

#endif

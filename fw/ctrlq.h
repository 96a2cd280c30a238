/* ctrlq.h - the control virtqueue handler and the RX filter / multiqueue state its commands set. */
#ifndef VDPU_FW_CTRLQ_H
#define VDPU_FW_CTRLQ_H

#include <stdbool.h>
#include <stdint.h>

#include "vdpu_state.h"

/* Boot: remember the configured MAC (a device reset restores it) and program the reset filter. */
void ctrlq_boot(const uint8_t mac[6]);
/* Device reset: ring positions, RX filter, MAC table, MAC and queue pairs back to their reset state. */
void ctrlq_device_reset(void);
/* The control queue was enabled or reset: its ring starts from slot 0 again. */
void ctrlq_ring_reset(void);
/* A doorbell of control queue q (already popped): serve every available command. */
void ctrlq_notify(unsigned q);

/* Migration (fw/migstate.c): the control queue's ring position and the RX filter / queue pair state
 * its commands set, out of and into the 'VDPS' parts. */
struct vdps_vq_runtime;
struct vdps_rx_filter;
void ctrlq_state_get(struct vdps_vq_runtime *rt, struct vdps_rx_filter *f);
void ctrlq_state_set(const struct vdps_vq_runtime *rt, const struct vdps_rx_filter *f);

#endif

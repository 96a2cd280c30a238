/* ctrlq.h - the control virtqueue handler and the RX filter / multiqueue state its commands set. */
#ifndef VDPU_FW_CTRLQ_H
#define VDPU_FW_CTRLQ_H

#include <stdbool.h>
#include <stdint.h>

/* Boot: remember the configured MAC (a device reset restores it) and program the reset filter. */
void ctrlq_boot(const uint8_t mac[6]);
/* Device reset: ring positions, RX filter, MAC table, MAC and queue pairs back to their reset state. */
void ctrlq_device_reset(void);
/* The control queue was enabled or reset: its ring starts from slot 0 again. */
void ctrlq_ring_reset(void);
/* A doorbell of control queue q (already popped): serve every available command. */
void ctrlq_notify(unsigned q);

#endif

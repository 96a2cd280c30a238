/* events.h - the device event service (MMIO side of the policy). */
#ifndef VDPU_FW_EVENTS_H
#define VDPU_FW_EVENTS_H

#include <stdint.h>

/* Service every pending device interrupt source (internal error, link change, event FIFO)
 * until none is left. Called from the main loop, never from the trap handler. */
void fw_service(void);

/* Shared with fw/migstate.c, which restores a device the way these actions set it up. */
void fw_engine_start(void);           /* ENG_CTRL from the negotiated features (DRIVER_OK) */
void fw_unavailable_queues(void);     /* Q_SIZE 0 for the queues the negotiation leaves out (FEATURES_OK) */
void fw_set_irq_enable(uint32_t v);   /* IRQ_ENABLE and its copy */

#endif

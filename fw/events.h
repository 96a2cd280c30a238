/* events.h - the device event service (MMIO side of the policy). */
#ifndef VDPU_FW_EVENTS_H
#define VDPU_FW_EVENTS_H

/* Service every pending device interrupt source (internal error, link change, event FIFO)
 * until none is left. Called from the main loop, never from the trap handler. */
void fw_service(void);

#endif

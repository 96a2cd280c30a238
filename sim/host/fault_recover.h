/* fault_recover.h - the host side of an injected PCIe fault (vdpu run --pcie-fault, net-random): wait for the
 * device's defined response (DEVICE_NEEDS_RESET), report it, reset the device the way Linux does. */
#ifndef VDPU_FAULT_RECOVER_H
#define VDPU_FAULT_RECOVER_H

#include <stdio.h>

#include "session.h"
#include "virtio_drv.h"

/* Cycles the host waits for DEVICE_NEEDS_RESET after the traffic phase in which a fault hit: the
 * device's completion timeout (CPL_TIMEOUT, 250,000 by default) and the firmware's reaction, twice. */
#define FAULT_RESPONSE_CYCLES 600000u

/* One line about a fault the link injected: kind, read number, purpose, queue, tag, length, address, cycle. */
void fault_describe(const struct link_fault_event *f, char *buf, size_t len);

/*
 * After a traffic phase (its driver closed): when the link injected faults since fired[from], run until
 * the device shows DEVICE_NEEDS_RESET (bounded by FAULT_RESPONSE_CYCLES), print each fault and the
 * response to out (NULL: quiet), then reset the device (status 0, read back 0) and flush the frames the
 * wire still had for it. Returns 1 when it recovered so (the caller re-initializes), 0 when no fault hit
 * since `from` (nothing done), -1 when the device did not answer as defined or the reset failed (a
 * reason in err).
 */
int fault_recover(vdpu_session_t *s, virtio_drv_t *d, unsigned from, FILE *out, char *err, size_t errlen);

#endif

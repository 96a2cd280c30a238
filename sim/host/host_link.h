/* host_link.h - the driver model's transport layer: config and BAR accesses over the host link. */
#ifndef VDPU_HOST_LINK_H
#define VDPU_HOST_LINK_H

#include "bus.h"

/* Longest a host waits for a completion before declaring the device wedged
 * (the device's own held-read timeout is 100000 cycles by default). */
#define HOST_LINK_TIMEOUT 1000000u

/* Queue a request; returns its tag, or -1 if the queue is full or no tag is free. */
int host_link_submit(vdpu_bus_t *b, uint8_t type, unsigned size, uint64_t addr, uint64_t data);
/* Run until the request with this tag completed; returns the completion status
 * (VDPU_CPL_*) and the data, or -1 when the bus stopped or timed out. */
int host_link_wait(vdpu_bus_t *b, int tag, uint64_t *data);
/* Run until the request queue is empty (all posted writes accepted). */
bool host_link_drain(vdpu_bus_t *b);

/* Synchronous accesses (status as host_link_wait). */
int host_cfg_read(vdpu_bus_t *b, uint16_t off, unsigned size, uint32_t *val);
int host_cfg_write(vdpu_bus_t *b, uint16_t off, unsigned size, uint32_t val);
int host_mem_rd(vdpu_bus_t *b, uint64_t addr, unsigned size, uint64_t *val);
bool host_mem_wr(vdpu_bus_t *b, uint64_t addr, unsigned size, uint64_t val);

#endif

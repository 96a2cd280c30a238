/* vhost_rte.h - the bridge's only contact with DPDK: rte_vhost's socket, messages and callbacks. */
#ifndef VDPU_VHOST_RTE_H
#define VDPU_VHOST_RTE_H

#include "bridge.h"

struct vhost_rte_params {
    const char *socket;     /* unix socket path */
    bool client;            /* connect to the frontend's socket (and reconnect) instead of listening */
    unsigned max_pairs;     /* answer to GET_QUEUE_NUM: the device's max_virtqueue_pairs */
    unsigned exit_after;    /* quit once this many connections have ended (0: serve forever) */
    const char *eal_prefix; /* EAL --file-prefix (unique per process) */
    bool verbose;           /* rte_vhost's own message log */
};

/* EAL without hugepages or PCI, then the vhost-user socket with the bridge's offer.
 * 0, or -1 after a one-line error. */
int vhost_rte_open(bridge_t *br, const struct vhost_rte_params *p);
/* Connections that have ended so far. */
unsigned vhost_rte_ended(void);
void vhost_rte_close(void);

#endif

/* virtio_disc.h - the driver model's virtio-pci discovery: reset, features, queues, net config, MSI-X. */
#ifndef VDPU_VIRTIO_DISC_H
#define VDPU_VIRTIO_DISC_H

#include "session.h"

struct virtio_disc_result {
    uint32_t features[4];
    uint16_t num_queues, qsize[16];
    uint8_t mac[6];
    uint16_t net_status, max_qp, mtu;
    uint64_t reset_cycles;     /* device_status write 0 -> reads 0 */
    uint64_t config_irq_cycles; /* firmware raise -> MSI-X message at the host */
};

/* After pci_enumerate + pci_msix_setup: virtio reset, read the device's
 * offer, queue sizes and device config, route config changes to vector 0 and
 * check a config interrupt arrives. Prints to out. 0 ok, -1 with reason. */
int virtio_discover(vdpu_session_t *s, struct virtio_disc_result *r, FILE *out);

#endif

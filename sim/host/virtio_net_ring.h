/* virtio_net_ring.h - virtio_net.c's ring primitives (set up, post, reap, kick) for drivers that use more than one queue pair. */
#ifndef VDPU_VIRTIO_NET_RING_H
#define VDPU_VIRTIO_NET_RING_H

#include "virtio_net.h"

/* `n` carries the session, the driver, the seeded generator, the options and the first error. */
int vnet_setup_vq(virtio_net_t *n, struct net_vq *q, unsigned idx, bool rx);
/* Checkpoints: what a queue's pointers own (buffer table, free list, order ring), sized by q->size. */
void vnet_vq_save(const struct net_vq *q, ckpt_t *k);
int vnet_vq_load(struct net_vq *q, ckpt_t *k);
bool vnet_can_post(const struct net_vq *q, unsigned k);
/* TX: `data` (header + frame) is copied into the pieces; RX (data NULL): the pieces are poisoned. */
uint16_t vnet_post(virtio_net_t *n, struct net_vq *q, unsigned k, const uint32_t *len, const uint8_t *data);
bool vnet_reap_one(virtio_net_t *n, struct net_vq *q, uint16_t *id, uint32_t *len);
void vnet_kick(virtio_net_t *n, struct net_vq *q);
void vnet_arm_interrupt(virtio_net_t *n, struct net_vq *q);
unsigned vnet_shape(virtio_net_t *n, enum net_chain c, uint32_t total, uint32_t *len);
unsigned vnet_frame_len(virtio_net_t *n);
void vnet_set_error(virtio_net_t *n, const char *msg, uint64_t v);
/* The config interrupt handler (virtio_net's config_changed): after a config MSI-X message, or an
 * ISR read with bit 1 (isr_cfg), read device_status; DEVICE_NEEDS_RESET stops the traffic at once
 * with that error (the device stopped its queues: waiting would only reach the cycle limit). */
void vnet_config_irq(virtio_net_t *n, bool isr_cfg);
/* Buffer id of receive queue q came back with len bytes: copy them to out and check that the device
 * wrote nothing else in the buffer's region (pieces beyond len, gaps, an indirect table); false with
 * the error set when it did. */
bool vnet_rx_region(virtio_net_t *n, const struct net_vq *q, uint16_t id, uint32_t len, uint8_t *out);

#endif

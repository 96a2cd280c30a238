/* hand_queue.h - one queue of a real driver (virtio_drv + virtio_net, rings zeroed, nothing posted) whose buffers a test makes available by hand. */
#ifndef VDPU_HAND_QUEUE_H
#define VDPU_HAND_QUEUE_H

#include "harness.h"
#include "virtio_net.h"

struct hctx {
    struct tctx *t;
    virtio_drv_t *d;
    virtio_net_t *n;
    struct net_vq *q; /* the receive queue (NET_RX) or the transmit queue (NET_TX) */
    uint64_t wire0;   /* frames on the wire when it opened */
};

/* enumerate, MSI-X, initialize with p, open one pair with nothing posted; w is NET_RX or NET_TX */
void h_open_params(struct hctx *h, struct tctx *t, const struct drv_params *p, enum net_workload w);
void h_close(struct hctx *h);
/* the buffer region of buffer i */
uint64_t hbuf(const struct hctx *h, unsigned i);
/* buffer i, one descriptor of len bytes at hbuf(i) (device-writable on a receive queue), made
 * available: split descriptor i, its ring entry and the avail idx; packed the next slot with id i */
void h_post(struct hctx *h, uint16_t i, uint32_t len);

/* receive side: a queue of qsize on `ring` with buffers 0..posted-1 of len bytes posted */
void h_rx_up(struct hctx *h, struct tctx *t, enum drv_ring ring, uint16_t qsize, unsigned posted, uint32_t len);
/* used entry k: split used ring element / packed used descriptor {id, len} */
void h_used_at(const struct hctx *h, unsigned k, uint32_t *id, uint32_t *len);
/* frame k of len bytes to the device's MAC (bytes that differ per frame); n of them queued on the wire */
void h_frame(const struct hctx *h, uint8_t *f, unsigned len, unsigned k);
void h_inject(struct hctx *h, unsigned n, unsigned len);
/* a transaction the test taps: when it is a payload write request into buffer k < n (buf_len bytes from
 * hbuf(k)), the cycle of the first and of the last such beat of buffer k, and that one was seen */
void h_note_write(const struct hctx *h, const vdpu_txn_t *x, uint32_t buf_len, unsigned n, uint64_t *first,
                  uint64_t *last, bool *seen);
/* the driver resets the device and opens the queue again with p (fresh rings, nothing posted); the
 * frames the wire still queues for the device are dropped */
void h_reset_reopen(struct hctx *h, const struct drv_params *p);

#endif

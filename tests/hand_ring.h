/* hand_ring.h - hand-built rings for tests that play the firmware: one transmit queue of QN entries at fixed addresses, raw host-memory access, the engine programmed through CSRs. */
#ifndef VDPU_HAND_RING_H
#define VDPU_HAND_RING_H

#include "harness.h"

#define Q_TX      1u
#define QN        8u
#define RING_DESC 0x10000ull
#define RING_DRV  0x11000ull
#define RING_DEV  0x12000ull
#define BUFS      0x20000ull
#define BUF_LEN   72u /* virtio_net_hdr + a 60-byte frame */
#define P_AVAIL   (1u << 7)      /* packed descriptor flags: AVAIL set, USED clear (the first lap's wrap 1) */
#define OUTSIDE   (32ull << 20)  /* beyond engine_up's 16 MiB host window */

/* descriptor at RING_DESC slot: addr, len, then split {flags, next} / packed {id, flags} */
void desc_w(struct tctx *t, uint16_t slot, uint64_t addr, uint32_t len, uint16_t a, uint16_t b);
/* the same in the descriptor ring at `ring` */
void desc_w_at(struct tctx *t, uint64_t ring, uint16_t slot, uint64_t addr, uint32_t len, uint16_t a, uint16_t b);
/* zeroed rings, the host window, transmitq Q_TX of QN entries enabled, ENG_PARAM = param, the engine
 * enabled with the ring layout and the extra ENG_CTRL bits; the device may write its ring only */
void engine_up(struct tctx *t, bool packed, uint32_t param, uint32_t eng_ctrl_extra);
/* queue q of QN entries on the rings at desc/drv/dev (zeroed by the caller), enabled, with its device-written
 * ring granted */
void queue_at(struct tctx *t, bool packed, unsigned q, uint64_t desc, uint64_t drv, uint64_t dev);
/* the transmitq's doorbell, then 8000 cycles */
void kick(struct tctx *t);
/* the transmitq's doorbell, then cycles (4000 at most) until the n-th payload read from now is issued; how
 * many were */
unsigned kick_to_payload_read(struct tctx *t, unsigned n);
/* DMA requests of a purpose so far */
uint64_t reqs(struct tctx *t, unsigned purp);
/* n one-descriptor frames of `len` bytes (at most 256) on the transmitq (packed, or split in table order,
 * avail idx n), frame i's bytes all 0x40 + i; the descriptor `bad` (n or more: none) names a buffer outside
 * the host window */
void hand_post(struct tctx *t, bool packed, unsigned n, uint32_t len, unsigned bad);
/* ERR_INFO's violation code */
uint32_t hand_err_code(struct tctx *t);

#endif
